#!/usr/bin/env python3
"""KV-cache-type parity fixtures: random-weight models run through llama.cpp (llama-cpp-python)
with a Q8_0 KV cache (type_k = type_v = Q8_0, which needs flash attention: llama.cpp's
`-ctk q8_0 -ctv q8_0 -fa on`), for ThinkScope's `--kv-type q8_0`.

  swift build -c release --product thinkscope
  python3 tools/parity/make_kv_fixtures.py [--thinkscope .build/release/thinkscope]

Writes Tests/Fixtures/kv-parity.json: per case the model spec and its FNV-1a hash, a prompt run as
one batch (logits at a few positions, arg-max of every position), then decode tokens fed one at
a time (llama.cpp's single-token path; logits after a few of them).
"""
import argparse, ctypes, json, os, random, sys, tempfile

import numpy as np

from make_engine_fixtures import BASE, fnv1a64
from oracle_cases import case_model, b64, DEFAULT_THINKSCOPE, ORACLE_NAME, ROOT

GGML_TYPE = {"f16": 1, "q8_0": 8}
CASES = [
    # (name, spec, prompt length, decode steps)
    ("dense-q8_0-gqa2-hd128", dict(weightType="Q8_0", heads=16, kvHeads=8, headDim=128), 600, 8),
    ("dense-f16-gqa4-hd64", dict(weightType="F16", heads=8, kvHeads=2, headDim=64), 300, 8),
    ("dense-f32-gqa1-hd64", dict(weightType="F32", heads=4, kvHeads=4, headDim=64), 40, 8),
    ("moe-q8_0-e16-top4-gqa8", dict(architecture="qwen3moe", weightType="Q8_0", heads=8, kvHeads=1, headDim=128,
                                    experts=16, expertsUsed=4, expertFeedForward=128), 200, 8),
]


def kv_logits(path, prompt, decode, kv_type, threads=2):
    """llama.cpp with K and V cache in kv_type (flash attention on, as a quantized V cache needs):
    logits of every prompt position (one batch), then after each decode token (one at a time)."""
    import llama_cpp
    m = llama_cpp.Llama(path, n_ctx=len(prompt) + len(decode) + 8, n_threads=threads, n_threads_batch=threads,
                        logits_all=True, verbose=False, n_batch=1024, n_ubatch=1024,
                        type_k=GGML_TYPE[kv_type], type_v=GGML_TYPE[kv_type], flash_attn=True)
    m.eval(prompt)
    for t in decode:
        m.eval([t])
    n = len(prompt) + len(decode)
    return np.asarray(m.scores[:n], dtype=np.float32).copy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thinkscope", default=DEFAULT_THINKSCOPE)
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "kv-parity.json"))
    a = ap.parse_args()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, extra, length, steps) in enumerate(CASES):
            spec, path = case_model(a.thinkscope, BASE, extra, 3000 + i, tmp, name)
            rng = random.Random(300 + i)
            prompt = [rng.randrange(spec["vocab"] - 3) for _ in range(length)]
            decode = [rng.randrange(spec["vocab"] - 3) for _ in range(steps)]
            logits = kv_logits(path, prompt, decode, "q8_0")
            positions = sorted(set([0, length // 3, (2 * length) // 3, length - 1]))
            decode_positions = [length, length + steps // 2, length + steps - 1]
            cases.append(dict(name=name, spec=spec, model_fnv1a64=fnv1a64(path), kv_type="q8_0", prompt=prompt,
                              decode=decode, positions=positions, logits=[b64(logits[p]) for p in positions],
                              decode_positions=decode_positions, decode_logits=[b64(logits[p]) for p in decode_positions],
                              argmax=[int(x) for x in logits[:length].argmax(axis=1)]))
            print(f"{name}: prompt {length}, decode {steps}", file=sys.stderr)
    with open(a.out, "w") as f:
        json.dump(dict(generator="tools/parity/make_kv_fixtures.py", oracle=ORACLE_NAME, cases=cases), f, indent=1)
    print(a.out)


if __name__ == "__main__":
    main()
