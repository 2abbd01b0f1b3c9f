#!/usr/bin/env python3
"""llama.cpp side of tools/bench_tokenizer.sh.

  make-text OUT                         write ~1 MiB of mixed text (corpus text cases, repeated)
  bench VOCAB TEXT [-r N] [--special]   time llama_tokenize on TEXT (vocab-only load, not timed)
  compare VOCAB TEXT OURS.json          check that OURS.json (ids) equals llama.cpp's ids for TEXT
"""
import argparse, json, os, statistics, sys, time

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def make_text(out):
    cases = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "tokenizer-corpus.json"), encoding="utf-8"))["cases"]
    texts = [c["text"] for c in cases if "text" in c and not c["name"].startswith("fuzz")]
    block = "\n\n".join(texts)
    target = 1 << 20
    data = b""
    while len(data) < target:
        data += block.encode("utf-8")
    data = data[:target]
    data = data.decode("utf-8", errors="ignore").encode("utf-8")  # cut at a character boundary
    open(out, "wb").write(data)


def load(path):
    import llama_cpp
    t = time.perf_counter()
    m = llama_cpp.Llama(path, vocab_only=True, verbose=False)
    return m, time.perf_counter() - t


def tokenize(m, data, special):
    import llama_cpp
    buf = (llama_cpp.llama_token * (len(data) + 16))()
    n = llama_cpp.llama_tokenize(m._model.vocab, data, len(data), buf, len(data) + 16, False, special)
    assert n >= 0
    return buf, n


def bench(a):
    m, load_s = load(a.vocab)
    data = open(a.text, "rb").read()
    tokenize(m, data, a.special)  # warm-up
    times = []
    for _ in range(a.r):
        t = time.perf_counter()
        _, n = tokenize(m, data, a.special)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(json.dumps({"engine": "llama.cpp", "load_s": load_s, "bytes": len(data), "tokens": n, "special": a.special,
                      "median_s": med, "min_s": min(times), "mb_per_s": len(data) / med / 1e6}))


def compare(a):
    m, _ = load(a.vocab)
    data = open(a.text, "rb").read()
    buf, n = tokenize(m, data, False)
    ref = list(buf[:n])
    ours = json.load(open(a.ours))
    same = ours == ref
    print(json.dumps({"same_ids": same, "tokens": n}))
    if not same:
        k = next(i for i in range(min(len(ours), len(ref))) if ours[i] != ref[i])
        print(f"first difference at {k}: ours {ours[k:k+10]} llama.cpp {ref[k:k+10]}", file=sys.stderr)
        sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    s = p.add_subparsers(dest="cmd", required=True)
    t = s.add_parser("make-text"); t.add_argument("out")
    t = s.add_parser("bench"); t.add_argument("vocab"); t.add_argument("text")
    t.add_argument("-r", type=int, default=5); t.add_argument("--special", action="store_true")
    t = s.add_parser("compare"); t.add_argument("vocab"); t.add_argument("text"); t.add_argument("ours")
    a = p.parse_args()
    if a.cmd == "make-text":
        make_text(a.out)
    elif a.cmd == "bench":
        bench(a)
    else:
        compare(a)


if __name__ == "__main__":
    main()
