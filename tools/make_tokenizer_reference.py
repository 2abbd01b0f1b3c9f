#!/usr/bin/env python3
"""Write Tests/Fixtures/tokenizer-corpus.json: the parity corpus with llama.cpp's token ids.

For every case of tools/tokenizer_corpus.py it records, from llama.cpp (llama-cpp-python, vocab-only load of
Tests/Fixtures/qwen3-vocab.gguf, no BOS):
  ids          tokenize(text, special=False)
  ids_special  tokenize(text, special=True)
  detok_hex          detokenize(ids_special, special=False) as hex bytes
  detok_special_hex  detokenize(ids_special, special=True) as hex bytes
Text cases store "text"; raw-byte cases (invalid UTF-8) store "bytes_hex".

usage: tools/make_tokenizer_reference.py [--model Tests/Fixtures/qwen3-vocab.gguf] [--out ...]
"""
import argparse, json, os, sys

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tokenizer_corpus  # noqa: E402


def load_vocab(path):
    import llama_cpp
    return llama_cpp.Llama(path, vocab_only=True, verbose=False)


def detokenize(m, ids, special):
    """llama_detokenize with a large enough buffer (llama-cpp-python's own detokenize truncates pieces longer
    than 32 bytes, e.g. long runs of spaces)."""
    import llama_cpp
    arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
    size = 64 + 300 * len(ids)
    buf = (llama_cpp.ctypes.c_char * size)()
    n = llama_cpp.llama_detokenize(m._model.vocab, arr, len(ids), buf, size, False, special)
    assert n >= 0, n
    return bytes(buf[:n])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "tokenizer-corpus.json"))
    a = ap.parse_args()
    import llama_cpp
    m = load_vocab(a.model)
    cases = []
    items = [(n, t.encode("utf-8"), True) for n, t in tokenizer_corpus.CASES + tokenizer_corpus.fuzz_cases()]
    items += [(n, b, False) for n, b in tokenizer_corpus.BYTES_CASES]
    for name, data, is_text in items:
        ids = m.tokenize(data, add_bos=False, special=False)
        ids_sp = m.tokenize(data, add_bos=False, special=True)
        c = {"name": name}
        if is_text:
            c["text"] = data.decode("utf-8")
        else:
            c["bytes_hex"] = data.hex()
        c["ids"] = ids
        c["ids_special"] = ids_sp
        c["detok_hex"] = detokenize(m, ids_sp, special=False).hex()
        c["detok_special_hex"] = detokenize(m, ids_sp, special=True).hex()
        cases.append(c)
    doc = {
        "description": "Qwen3 tokenizer parity corpus: llama.cpp token ids for Tests/Fixtures/qwen3-vocab.gguf",
        "generator": "tools/make_tokenizer_reference.py",
        "llama_cpp_python": llama_cpp.__version__,
        "cases": cases,
    }
    with open(a.out, "w", encoding="utf-8") as f:  # one case per line keeps diffs readable
        head = {k: v for k, v in doc.items() if k != "cases"}
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    json.load(open(a.out, encoding="utf-8"))
    print(f"wrote {a.out}: {len(cases)} cases, {os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
