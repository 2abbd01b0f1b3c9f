#!/usr/bin/env python3
"""Write Tests/Fixtures/tokenizer-corpus-pretokenizers.json: llama.cpp's ids for the parity corpus under
the other pre-tokenizer types.

Their own vocabularies are checked separately, through subsets (tools/make_o200k_fixture.py,
tools/make_llama3_fixture.py); this runs the real Qwen3 vocabulary (Tests/Fixtures/qwen3-vocab.gguf) with
`tokenizer.ggml.pre` switched to `llama-bpe` (digits in groups of three, `ignore_merges`), `smaug-bpe`
(the same split, merges always applied) and `gpt-4o` (o200k's case-aware pattern as llama.cpp adapts
it): the split rules are what differ, and they are checked against llama.cpp on a 150k-token vocabulary.

For every text case of tools/tokenizer_corpus.py, plus EXTRA cases aimed at the gpt-4o pattern, it
records one id list per type: tokenize(text, add_bos=False, special=False).

usage: tools/make_pretokenizer_reference.py [--out ...]
"""
import argparse, json, os, struct, sys, tempfile

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tokenizer_corpus  # noqa: E402
from make_tokenizer_reference import load_vocab  # noqa: E402

VOCAB = os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf")
PRE_TYPES = ("llama-bpe", "smaug-bpe", "gpt-4o")
# Case runs, non-ASCII letters inside upper-case runs, contractions after either case, slashes.
EXTRA = [
    ("case-runs", "HTTPServer XMLHttpRequest iPhone eBay McDonald'S ÉCLAIR Éclair ÉCLAIRs naÏVE ǅungla ÀÉÎõü"),
    ("case-contractions", "DON'T don't Don'T I'M YOU'RE we'VE THEY'LL SHE'D 'S x'S ÀB'S"),
    ("slashes-newlines", "a/b // c/\nd ///\n\n/x\r\n/ ?!/\n"),
    ("mixed-scripts", "Straße STRASSE ΑΒΓαβγ ДЖд ŁÓDŹ łódź 123abc ABC123 x1Y2z3"),
]


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
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "tokenizer-corpus-pretokenizers.json"))
    a = ap.parse_args()
    import llama_cpp
    texts = tokenizer_corpus.CASES + tokenizer_corpus.fuzz_cases() + EXTRA
    ids = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pre in PRE_TYPES:
            path = os.path.join(tmp, pre + ".gguf")
            with_pre(VOCAB, pre, path)
            m = load_vocab(path)
            ids[pre] = [m.tokenize(t.encode("utf-8"), add_bos=False, special=False) for _, t in texts]
    cases = [dict({"name": n, "text": t}, **{pre: ids[pre][i] for pre in PRE_TYPES}) for i, (n, t) in enumerate(texts)]
    head = {"description": "llama.cpp ids of the parity corpus for qwen3-vocab.gguf with other pre-tokenizer types",
            "generator": "tools/make_pretokenizer_reference.py", "llama_cpp_python": llama_cpp.__version__}
    with open(a.out, "w", encoding="utf-8") as f:  # one case per line keeps diffs readable
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    differ = sum(1 for c in cases if c["llama-bpe"] != c["smaug-bpe"])
    print(f"wrote {a.out}: {len(cases)} cases ({differ} where ignore_merges changes the ids), "
          f"{os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
