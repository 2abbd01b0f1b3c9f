#!/usr/bin/env python3
"""Makes the engine parity fixtures: random-weight models from ThinkScope's own generator, run
through llama.cpp (the oracle), with small reference slices committed for the Swift tests.

  swift build -c release --product thinkscope
  python3 tools/parity/make_engine_fixtures.py [--thinkscope .build/release/thinkscope]

Writes Tests/Fixtures/engine-parity.json (`--set qwen3`, the default) or
Tests/Fixtures/arch-parity.json (`--set arch`: qwen2, llama, smollm3): for every case, its model spec, the FNV-1a hash of the
model file (so a change in the generator is caught), token ids, llama.cpp logits at a few
positions (float32, base64), its arg-max at every position, and its 64-token greedy continuation.
"""
import argparse, json, os, random, sys, tempfile

import numpy as np

from oracle_cases import case_model, DEFAULT_THINKSCOPE, ORACLE_NAME, ROOT, llama_logits, reference

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from llama_greedy import greedy_ids  # noqa: E402

BASE = dict(layers=2, embedding=256, vocab=1024, feedForward=512, contextLength=4096)
CASES = [
    ("dense-f32-gqa1-hd64", dict(weightType="F32", heads=4, kvHeads=4, headDim=64), 300),
    ("dense-f16-gqa2-hd128", dict(weightType="F16", heads=8, kvHeads=4, headDim=128), 200),
    ("dense-bf16-gqa8-hd64", dict(weightType="BF16", heads=8, kvHeads=1, headDim=64), 100),
    ("dense-q8_0-gqa8-hd128-untied", dict(weightType="Q8_0", heads=16, kvHeads=2, headDim=128, tiedEmbeddings=False), 300),
    ("dense-q8_0-len1", dict(weightType="Q8_0", heads=4, kvHeads=2, headDim=64), 1),
    ("moe-f32-e8-top2", dict(architecture="qwen3moe", weightType="F32", heads=4, kvHeads=2, headDim=64,
                             experts=8, expertsUsed=2, expertFeedForward=128), 150),
    ("moe-f16-e16-top4-len1", dict(architecture="qwen3moe", weightType="F16", heads=4, kvHeads=4, headDim=64,
                                   experts=16, expertsUsed=4, expertFeedForward=128), 1),
    ("moe-bf16-e32-top8-gqa1", dict(architecture="qwen3moe", weightType="BF16", heads=4, kvHeads=4, headDim=128,
                                    experts=32, expertsUsed=8, expertFeedForward=64), 50),
    ("moe-q8_0-e128-top8-gqa8", dict(architecture="qwen3moe", weightType="Q8_0", heads=8, kvHeads=1, headDim=128,
                                     experts=128, expertsUsed=8, expertFeedForward=64, tiedEmbeddings=False), 300),
]
# The other architectures: qwen2 (QKV biases, no QK-norm), llama (NORM RoPE with Llama-3.1
# frequency divisors), smollm3 (NoPE every 4th layer, so 4 layers), gpt-oss (sliding windows, sinks,
# YaRN, biases, top-k-then-softmax router, clamped SwiGLU).
ARCH_CASES = [
    ("qwen2-f32-gqa2", dict(architecture="qwen2", weightType="F32", heads=4, kvHeads=2, headDim=64), 200),
    ("qwen2-q8_0-gqa4-untied", dict(architecture="qwen2", weightType="Q8_0", heads=8, kvHeads=2, headDim=32,
                                    tiedEmbeddings=False, ropeFreqBase=10000), 150),
    ("llama-f16-gqa4-hd128", dict(architecture="llama", weightType="F16", heads=8, kvHeads=2, headDim=128,
                                  ropeFreqBase=500000, tiedEmbeddings=False), 200),
    ("llama-q8_0-gqa1", dict(architecture="llama", weightType="Q8_0", heads=4, kvHeads=4, headDim=64,
                             ropeFreqBase=500000), 100),
    ("smollm3-f32-4l", dict(architecture="smollm3", weightType="F32", layers=4, heads=4, kvHeads=1, headDim=64,
                            ropeFreqBase=5000000), 150),
    ("smollm3-q8_0-4l-len1", dict(architecture="smollm3", weightType="Q8_0", layers=4, heads=4, kvHeads=2,
                                  headDim=64), 1),
    # gpt-oss: a window of 16 on layer 0 (so most of the prompt is masked there), sinks, YaRN x32.
    ("gpt-oss-f32-e8-top4-swa16", dict(architecture="gpt-oss", weightType="F32", heads=4, kvHeads=2, headDim=64,
                                       experts=8, expertsUsed=4, expertFeedForward=128, tiedEmbeddings=False,
                                       ropeFreqBase=150000, slidingWindow=16), 120),
    ("gpt-oss-q8_0-e16-top4-swa32", dict(architecture="gpt-oss", weightType="Q8_0", heads=8, kvHeads=1, headDim=64,
                                         experts=16, expertsUsed=4, expertFeedForward=64, tiedEmbeddings=False,
                                         ropeFreqBase=150000, slidingWindow=32), 100),
]
SETS = {"qwen3": (CASES, "engine-parity.json", 1000), "arch": (ARCH_CASES, "arch-parity.json", 2000)}
GREEDY_PROMPT = 8
GREEDY_TOKENS = 64


def fnv1a64(path):
    h = 0xCBF29CE484222325
    data = np.fromfile(path, dtype=np.uint8)
    # Vectorising FNV is not possible; hash 64-bit words instead (same rule in Swift).
    pad = (-len(data)) % 8
    words = np.concatenate([data, np.zeros(pad, np.uint8)]).view("<u8")
    for w in words.tolist():
        h ^= w
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thinkscope", default=DEFAULT_THINKSCOPE)
    ap.add_argument("--set", choices=sorted(SETS), default="qwen3")
    ap.add_argument("--out")
    a = ap.parse_args()
    case_list, file_name, first_seed = SETS[a.set]
    out_path = a.out or os.path.join(ROOT, "Tests", "Fixtures", file_name)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, extra, length) in enumerate(case_list):
            spec, path = case_model(a.thinkscope, BASE, extra, first_seed + i, tmp, name)
            rng = random.Random(i)
            ids = [rng.randrange(spec["vocab"] - 3) for _ in range(length)]
            logits = llama_logits(path, ids, spec["vocab"], tmp)
            positions = sorted(set([0, length // 4, length // 2, (3 * length) // 4, length - 1]))
            greedy = greedy_ids(path, ids[:GREEDY_PROMPT], GREEDY_TOKENS)
            cases.append(dict(
                name=name, spec=spec, model_fnv1a64=fnv1a64(path), ids=ids, positions=positions,
                **reference(logits, positions), greedy_prompt=ids[:GREEDY_PROMPT], greedy=greedy))
            print(f"{name}: {length} tokens, positions {positions}", file=sys.stderr)
    with open(out_path, "w") as f:
        json.dump(dict(generator="tools/parity/make_engine_fixtures.py", oracle=ORACLE_NAME,
                       cases=cases), f, indent=1)
    print(out_path)


if __name__ == "__main__":
    main()
