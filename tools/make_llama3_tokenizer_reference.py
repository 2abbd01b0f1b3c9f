#!/usr/bin/env python3
"""Write Tests/Fixtures/tokenizer-corpus-llama3.json: llama.cpp's ids for the parity corpus under the
Llama-3 pre-tokenizers.

No Llama-3 vocabulary ships on PyPI, so this runs the real Qwen3 vocabulary
(Tests/Fixtures/qwen3-vocab.gguf) with `tokenizer.ggml.pre` switched to `llama-bpe` (digits in groups of
three, `ignore_merges`) and to `smaug-bpe` (the same split, merges always applied): the pre-tokenizer
rules are what differ, and they are checked against llama.cpp on a 150k-token vocabulary.

For every text case of tools/tokenizer_corpus.py it records `llama_bpe` and `smaug_bpe`: tokenize(text,
add_bos=False, special=False).

usage: tools/make_llama3_tokenizer_reference.py [--out ...]
"""
import argparse, json, os, struct, sys, tempfile

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tokenizer_corpus  # noqa: E402
from make_tokenizer_reference import load_vocab  # noqa: E402

VOCAB = os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf")


def with_pre(src, pre, dst):
    """A copy of the vocab-only GGUF `src` whose tokenizer.ggml.pre string is `pre`. The file has no
    tensors, so nothing after the key-value section holds an offset that the longer string would move."""
    data = open(src, "rb").read()
    key = b"tokenizer.ggml.pre"
    at = data.index(struct.pack("<Q", len(key)) + key) + 8 + len(key)
    assert struct.unpack_from("<I", data, at)[0] == 8, "tokenizer.ggml.pre is not a string"
    n = struct.unpack_from("<Q", data, at + 4)[0]
    value = pre.encode()
    out = data[:at + 4] + struct.pack("<Q", len(value)) + value + data[at + 12 + n:]
    open(dst, "wb").write(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "tokenizer-corpus-llama3.json"))
    a = ap.parse_args()
    import llama_cpp
    texts = tokenizer_corpus.CASES + tokenizer_corpus.fuzz_cases()
    ids = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pre in ("llama-bpe", "smaug-bpe"):
            path = os.path.join(tmp, pre + ".gguf")
            with_pre(VOCAB, pre, path)
            m = load_vocab(path)
            ids[pre] = [m.tokenize(t.encode("utf-8"), add_bos=False, special=False) for _, t in texts]
    cases = [{"name": n, "text": t, "llama_bpe": ids["llama-bpe"][i], "smaug_bpe": ids["smaug-bpe"][i]}
             for i, (n, t) in enumerate(texts)]
    head = {"description": "llama.cpp ids of the parity corpus for qwen3-vocab.gguf with the llama-bpe and "
                           "smaug-bpe pre-tokenizers",
            "generator": "tools/make_llama3_tokenizer_reference.py", "llama_cpp_python": llama_cpp.__version__}
    with open(a.out, "w", encoding="utf-8") as f:  # one case per line keeps diffs readable
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    differ = sum(1 for c in cases if c["llama_bpe"] != c["smaug_bpe"])
    print(f"wrote {a.out}: {len(cases)} cases ({differ} where ignore_merges changes the ids), "
          f"{os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
