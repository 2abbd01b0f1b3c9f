#!/usr/bin/env python3
"""Makes the multi-sequence parity fixtures: a prompt prefilled once, forked into several
sequences, then decode steps in which every sequence feeds one token in the same llama.cpp batch.

  swift build -c release --product thinkscope
  python3 tools/parity/make_batch_fixtures.py [--thinkscope .build/release/thinkscope]

Writes Tests/Fixtures/batch-parity.json: per case the model spec and its FNV-1a hash, the prompt,
the tokens of every step (one per sequence), and llama.cpp's logits of every sequence after every
step (float32, base64).
"""
import argparse, json, os, random, sys, tempfile

from llama_batch import batch_logits
from make_engine_fixtures import BASE, fnv1a64
from oracle_cases import case_model, b64, DEFAULT_THINKSCOPE, ORACLE_NAME, ROOT

CASES = [
    ("dense-q8_0-gqa4-4seq", dict(weightType="Q8_0", heads=8, kvHeads=2, headDim=64), 4),
    ("dense-f16-gqa2-3seq", dict(weightType="F16", heads=8, kvHeads=4, headDim=128), 3),
    ("moe-f32-e8-top2-4seq", dict(architecture="qwen3moe", weightType="F32", heads=4, kvHeads=2, headDim=64,
                                  experts=8, expertsUsed=2, expertFeedForward=128), 4),
]
PROMPT = 20
STEPS = 6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thinkscope", default=DEFAULT_THINKSCOPE)
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "batch-parity.json"))
    a = ap.parse_args()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, extra, n_seq) in enumerate(CASES):
            spec, path = case_model(a.thinkscope, BASE, extra, 2000 + i, tmp, name)
            rng = random.Random(100 + i)
            prompt = [rng.randrange(spec["vocab"] - 3) for _ in range(PROMPT)]
            steps = [[rng.randrange(spec["vocab"] - 3) for _ in range(n_seq)] for _ in range(STEPS)]
            logits = batch_logits(path, prompt, steps)
            rows = [[b64(logits[k, s]) for s in range(n_seq)] for k in range(STEPS)]
            cases.append(dict(name=name, spec=spec, model_fnv1a64=fnv1a64(path), prompt=prompt, steps=steps,
                              logits=rows))
            print(f"{name}: {n_seq} sequences, {STEPS} steps", file=sys.stderr)
    with open(a.out, "w") as f:
        json.dump(dict(generator="tools/parity/make_batch_fixtures.py", oracle=ORACLE_NAME, cases=cases), f, indent=1)
    print(a.out)


if __name__ == "__main__":
    main()
