#!/usr/bin/env python3
"""K-quant parity fixtures: small random-weight models that llama.cpp itself quantizes (Q4_K_M,
Q5_K_M, Q6_K, Q4_0), committed as GGUF files with llama.cpp's logits at a few positions and its
arg-max at every position. ThinkScope has no K-quant writer, so the files themselves are the fixture.

  swift build -c release --product thinkscope
  python3 tools/parity/make_kquant_fixtures.py [--thinkscope .build/release/thinkscope]

Writes Tests/Fixtures/kquant/<name>.gguf and Tests/Fixtures/kquant-parity.json.
"""
import argparse, json, os, random, sys, tempfile

from oracle_cases import DEFAULT_THINKSCOPE, ORACLE_NAME, ROOT, llama_logits, oracle, random_model, reference

# Row lengths are multiples of 256 (one K-quant super-block); vocab small to keep the files small.
BASE = dict(layers=2, embedding=256, vocab=512, feedForward=512, contextLength=4096, weightType="F16",
            heads=4, kvHeads=2, headDim=64)
# Q4_K_M files mix Q4_K and Q6_K (attn_v, half of ffn_down, the output), Q5_K_M files Q5_K and Q6_K.
CASES = [
    ("dense-q4_k_m", dict(), "q4_k_m", 128),
    ("moe-q4_k_m", dict(architecture="qwen3moe", experts=4, expertsUsed=2, expertFeedForward=256), "q4_k_m", 128),
    ("dense-q5_k_m", dict(), "q5_k_m", 64),
    ("dense-q4_0", dict(), "q4_0", 64),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thinkscope", default=DEFAULT_THINKSCOPE)
    a = ap.parse_args()
    outdir = os.path.join(ROOT, "Tests", "Fixtures", "kquant")
    os.makedirs(outdir, exist_ok=True)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, extra, qtype, length) in enumerate(CASES):
            spec = dict(BASE, **extra)
            spec.setdefault("architecture", "qwen3")
            spec["seed"] = 2000 + i
            base = os.path.join(tmp, name + "-f16.gguf")
            random_model(a.thinkscope, spec, base)
            path = os.path.join(outdir, name + ".gguf")
            oracle("quantize", base, path, qtype)
            rng = random.Random(100 + i)
            ids = [rng.randrange(spec["vocab"] - 3) for _ in range(length)]
            logits = llama_logits(path, ids, spec["vocab"], tmp)
            positions = sorted(set([0, length // 3, (2 * length) // 3, length - 1]))
            cases.append(dict(name=name, file=f"kquant/{name}.gguf", quantization=qtype, ids=ids, positions=positions,
                              **reference(logits, positions)))
            print(f"{name}: {os.path.getsize(path)} bytes", file=sys.stderr)
    out = os.path.join(ROOT, "Tests", "Fixtures", "kquant-parity.json")
    with open(out, "w") as f:
        json.dump(dict(generator="tools/parity/make_kquant_fixtures.py", oracle=ORACLE_NAME, cases=cases), f, indent=1)
    print(out)


if __name__ == "__main__":
    main()
