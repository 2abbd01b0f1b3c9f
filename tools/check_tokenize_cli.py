#!/usr/bin/env python3
"""Check `thinkscope tokenize` against the committed llama.cpp ids (Tests/Fixtures/tokenizer-corpus.json, or
--corpus Tests/Fixtures/tokenizer-corpus-o200k.json with --model the full o200k GGUF of make_o200k_fixture.py).

Each case's input is written to a file and tokenized with `thinkscope tokenize --model VOCAB --file F
[--special]`; the printed ids must equal the corpus's `ids` / `ids_special`. Does not need llama.cpp.

usage: tools/check_tokenize_cli.py [--bin .build/release/thinkscope] [--model M] [--corpus C] [--limit N]
"""
import argparse, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug", "thinkscope"))
    ap.add_argument("--model", default=os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "Tests", "Fixtures", "tokenizer-corpus.json"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N cases (0 = all)")
    a = ap.parse_args()
    cases = json.load(open(a.corpus, encoding="utf-8"))["cases"]
    if a.limit:
        cases = cases[: a.limit]
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "input")
        for c in cases:
            data = c["text"].encode("utf-8") if "text" in c else bytes.fromhex(c["bytes_hex"])
            open(path, "wb").write(data)
            for special, key in ((False, "ids"), (True, "ids_special")):
                args = [a.bin, "tokenize", "--model", a.model, "--file", path] + (["--special"] if special else [])
                out = subprocess.run(args, capture_output=True, text=True)
                got = json.loads(out.stdout) if out.returncode == 0 else out.stderr.strip()
                if got != c[key]:
                    bad += 1
                    print(f"{c['name']} special={special}: got {str(got)[:120]} expected {c[key][:20]}")
    print(f"{len(cases)} cases x 2: {bad} differences")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
