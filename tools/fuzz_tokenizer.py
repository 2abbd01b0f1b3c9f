#!/usr/bin/env python3
"""Differential fuzzing of the Swift tokenizer against llama.cpp (not part of the test suite).

Generates random inputs (random code points from all planes, mixed with ASCII structure, and random bytes),
tokenizes them with llama.cpp (vocab-only) and with the release harness built by tools/bench_tokenizer.sh,
and prints every difference.

usage: tools/fuzz_tokenizer.py [-n 3000] [--seed 7] [--bin /tmp/thinkscope-tokbench/.build/release/TokBench]
"""
import argparse, json, os, random, subprocess, sys, tempfile

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def random_scalar(rng):
    r = rng.random()
    if r < 0.3:
        return chr(rng.randint(0x20, 0x7E))
    if r < 0.4:
        return rng.choice(" \t\n\r\u00a0\u3000\u2028\u0085\x0b\x0c\x1c")
    while True:
        plane = rng.choice([0, 0, 0, 0, 1, 1, 2, 3, 14])
        cp = plane * 0x10000 + rng.randint(0, 0xFFFF)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        return chr(cp)


def make_inputs(n, seed):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.8:
            s = "".join(random_scalar(rng) for _ in range(rng.randint(1, 30)))
            if rng.random() < 0.2:
                s = s.replace(rng.choice(s), rng.choice(["<think>", "</think>", "<|im_start|>", "'s", " 'LL"]), 1)
            out.append(s.encode("utf-8"))
        else:
            out.append(bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 20))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "thinkscope-tokbench", ".build", "release", "TokBench"))
    ap.add_argument("--model", default=os.path.join(ROOT, "Tests", "Fixtures", "qwen3-vocab.gguf"))
    a = ap.parse_args()
    import llama_cpp
    m = llama_cpp.Llama(a.model, vocab_only=True, verbose=False)
    inputs = make_inputs(a.n, a.seed)
    keep = []
    for b in inputs:
        # llama.cpp aborts the process on 4-byte forms above U+10FFFF; leave those out
        try:
            b.decode("utf-8")
            keep.append(b)
        except UnicodeDecodeError:
            if not any(x >= 0xF4 for x in b):
                keep.append(b)
    bad = 0
    for special in (False, True):
        ref = [m.tokenize(b, add_bos=False, special=special) for b in keep]
        with tempfile.NamedTemporaryFile("w", suffix=".hex", delete=False) as f:
            f.write("\n".join(b.hex() for b in keep))
            path = f.name
        args = [a.bin, "tokenize-hex", a.model, path] + (["--special"] if special else [])
        lines = subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()
        ours = [json.loads(l) for l in lines[: len(keep)]]
        for b, r, o in zip(keep, ref, ours):
            if r != o:
                bad += 1
                if bad <= 20:
                    print(f"special={special} input={b!r}\n  llama.cpp {r}\n  ours      {o}")
    print(f"{len(keep)} inputs x 2 modes: {bad} differences")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
