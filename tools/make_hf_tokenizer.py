#!/usr/bin/env python3
"""Write a Hugging Face tokenizer folder (tokenizer.json, tokenizer_config.json) from a GGUF vocabulary.

It lays the vocabulary out as the Qwen2/Qwen3 checkpoints on the Hub do: `model.vocab` holds the NORMAL
tokens, the CONTROL and USER_DEFINED ones are `added_tokens`; `<|endoftext|>` .. `<|video_pad|>` are marked
special and the FIM, repo and tool/think tokens are not (llama.cpp's converter still makes `<|...|>` ones
CONTROL; ThinkScope's loader does the same). The `[PAD<id>]` entries of the GGUF are left out, as on the Hub.
The pre-tokenizer is the Split regex of `tokenizer.ggml.pre` followed by ByteLevel.

This is how the tests' tokenizer.json is laid out (Tests/TokenizerTests/HuggingFaceFixture.swift builds the
same files at test time, since the Qwen3 tokenizer.json is about 5 MB). With `--check` it loads the result
with the `tokenizers` package (pip install tokenizers) and compares its ids with the llama.cpp ids of the
tokenizer corpus (Tests/Fixtures/tokenizer-corpus.json), which validates the layout.

usage: tools/make_hf_tokenizer.py OUT_DIR [--gguf Tests/Fixtures/qwen3-vocab.gguf] [--merges strings|pairs] [--check]
needs: pip install gguf   (and tokenizers for --check)
"""
import argparse, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# The Split regexes of the supported tokenizer.ggml.pre values (as in PreTokenizer.Pattern.huggingFaceRegex).
_TAIL = r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
_QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}" + _TAIL
_LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}" + _TAIL
REGEX = {"qwen2": _QWEN2, "deepseek-r1-qwen": _QWEN2, "kormo": _QWEN2, "llama-bpe": _LLAMA3, "smaug-bpe": _LLAMA3}

NORMAL, CONTROL, USER_DEFINED, UNUSED = 1, 3, 4, 5
NOT_SPECIAL_ON_THE_HUB = ("<|fim_", "<|repo_name|>", "<|file_sep|>")


def field(reader, key):
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def build(gguf_path, merge_form):
    import gguf
    r = gguf.GGUFReader(gguf_path)
    tokens = field(r, "tokenizer.ggml.tokens")
    types = field(r, "tokenizer.ggml.token_type") or [NORMAL] * len(tokens)
    merges = field(r, "tokenizer.ggml.merges")
    pre = field(r, "tokenizer.ggml.pre")
    if pre not in REGEX:
        sys.exit(f"{gguf_path}: tokenizer.ggml.pre is {pre!r}; this script writes {sorted(REGEX)}")
    vocab, added = {}, []
    for i, (t, ty) in enumerate(zip(tokens, types)):
        if ty == NORMAL:
            vocab[t] = i
        elif ty in (CONTROL, USER_DEFINED):
            special = ty == CONTROL and not t.startswith(NOT_SPECIAL_ON_THE_HUB)
            added.append({"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": special})
    if merge_form == "pairs":
        merges = [m.split(" ", 1) for m in merges]
    ignore_merges = pre == "llama-bpe"
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": REGEX[pre]}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": ignore_merges, "vocab": vocab, "merges": merges},
    }

    def text(key):
        i = field(r, key)
        return None if i is None else tokens[int(i)]

    config = {
        "add_bos_token": bool(field(r, "tokenizer.ggml.add_bos_token") or False),
        "add_prefix_space": False,
        "added_tokens_decoder": {str(a["id"]): {k: v for k, v in a.items() if k != "id"} for a in added},
        "bos_token": None,
        "chat_template": field(r, "tokenizer.chat_template"),
        "clean_up_tokenization_spaces": False,
        "eos_token": text("tokenizer.ggml.eos_token_id"),
        "errors": "replace",
        "model_max_length": 131072,
        "pad_token": text("tokenizer.ggml.padding_token_id"),
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    return tokenizer, config


def check(out_dir):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(out_dir, "tokenizer.json"))
    with open(os.path.join(ROOT, "Tests", "Fixtures", "tokenizer-corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    import unicodedata
    same = differ = non_nfc = 0
    for c in corpus["cases"]:
        if c.get("text") is None:
            continue
        ids = tok.encode(c["text"], add_special_tokens=False).ids
        if ids == c["ids_special"]:
            same += 1
        elif unicodedata.normalize("NFC", c["text"]) != c["text"]:
            non_nfc += 1  # the Hub tokenizer applies NFC; llama.cpp (and ThinkScope) do not
        else:
            differ += 1
            if differ <= 5:
                print(f"  differs: {c['name']}: {ids[:20]} vs llama.cpp {c['ids_special'][:20]}")
    print(f"tokenizers: {same} cases as llama.cpp, {non_nfc} differ only by NFC, {differ} differ otherwise")
    return differ == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--gguf", default=os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf"))
    ap.add_argument("--merges", choices=["strings", "pairs"], default="strings")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    tokenizer, config = build(a.gguf, a.merges)
    os.makedirs(a.out_dir, exist_ok=True)
    with open(os.path.join(a.out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    with open(os.path.join(a.out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)
    print(f"wrote {a.out_dir}/tokenizer.json ({len(tokenizer['model']['vocab'])} vocab, "
          f"{len(tokenizer['added_tokens'])} added, {len(tokenizer['model']['merges'])} merges) and tokenizer_config.json")
    if a.check and not check(a.out_dir):
        sys.exit(1)


if __name__ == "__main__":
    main()
