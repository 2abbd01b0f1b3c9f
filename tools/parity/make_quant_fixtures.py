#!/usr/bin/env python3
"""Parity fixtures for the quant presets users download (issue 16) and MXFP4: small random-weight
models quantized by llama.cpp itself, committed as GGUF files with llama.cpp's logits at a few
positions, its arg-max at every position and (dense cases) its 32-token greedy continuation.

Presets: Q2_K, Q3_K_S, Q3_K_M, Q4_K_S, Q4_1, Q5_0, Q5_1, IQ4_NL, IQ4_XS, MXFP4_MOE, and a hand-made
mix reproducing Unsloth UD-Q4_K_XL's per-tensor types through llama.cpp's tensor-type overrides
(the same mechanism as `llama-quantize --tensor-type`; the oracle's `quantize` has no overrides,
so this script calls llama_model_quantize itself).

  swift build -c release --product thinkscope
  python3 tools/parity/make_quant_fixtures.py [--thinkscope .build/release/thinkscope] [--only NAME ...]

Writes Tests/Fixtures/quant/<name>.gguf and Tests/Fixtures/quant-parity.json.
"""
import argparse, ctypes, json, os, random, sys, tempfile

from oracle_cases import DEFAULT_THINKSCOPE, ORACLE_NAME, ROOT, case_model, llama_logits, reference

sys.path.insert(0, os.path.join(ROOT, "tools"))
from llama_greedy import greedy_ids  # noqa: E402

# Row lengths are multiples of 256 (one K-quant super-block); vocab and FFN small to keep the files
# small (about 0.5-1.4 MB each). The MoE cases cover the expert path (row-wise order) for the speed
# targets' Q3_K_M, the UD mix (IQ4_XS experts) and MXFP4.
DENSE = dict(layers=2, embedding=256, vocab=512, feedForward=256, contextLength=4096, weightType="F16",
             heads=4, kvHeads=2, headDim=64)
MOE = dict(DENSE, architecture="qwen3moe", experts=4, expertsUsed=2, expertFeedForward=256)
# gpt-oss as its files ship: MXFP4 experts, Q8_0 elsewhere (llama.cpp's MXFP4_MOE rule), F32 router,
# biases and sinks; a window of 16 so the 64-token prompt crosses it.
GPT_OSS = dict(DENSE, architecture="gpt-oss", experts=4, expertsUsed=2, expertFeedForward=256, tiedEmbeddings=False,
               slidingWindow=16, ropeFreqBase=150000)

# Unsloth UD-Q4_K_XL (families.md §3.1 censuses): Q4_K base, Q6_K on attn_v and the output, Q8_0 on
# attn_output, Q5_K on ffn_down[_exps], IQ4_XS on the later layers' ffn_gate/up[_exps], F16 on one
# attn_k (the census' F16 tensors); norms and the router stay F32.
UD_Q4_K_XL = [
    (r"attn_v\.weight", "Q6_K"),
    (r"attn_output\.weight", "Q8_0"),
    (r"ffn_down", "Q5_K"),
    (r"blk\.1\.ffn_(gate|up)", "IQ4_XS"),
    (r"blk\.1\.attn_k\.weight", "F16"),
]

# The 32-element presets keep the (tied) output in Q8_0 instead of Q6_K: every tensor then has a
# kernel in llama.cpp's order, so the test asserts their logits bit for bit ("exact"). The Q6_K
# output is covered by the other cases.
EXACT_OUTPUT = [(r"token_embd\.weight", "Q8_0")]

# (name, shape, llama.cpp ftype, tensor overrides, prompt length, greedy tokens, exact)
CASES = [
    ("dense-q2_k", DENSE, "q2_k", None, 64, 32, False),
    ("dense-q3_k_s", DENSE, "q3_k_s", None, 64, 32, False),
    ("dense-q3_k_m", DENSE, "q3_k_m", None, 64, 32, False),
    ("dense-q4_k_s", DENSE, "q4_k_s", None, 64, 32, False),
    ("dense-q4_1", DENSE, "q4_1", EXACT_OUTPUT, 64, 32, True),
    ("dense-q5_0", DENSE, "q5_0", EXACT_OUTPUT, 64, 32, True),
    ("dense-q5_1", DENSE, "q5_1", EXACT_OUTPUT, 64, 32, True),
    ("dense-iq4_nl", DENSE, "iq4_nl", EXACT_OUTPUT, 64, 32, True),
    ("dense-iq4_xs", DENSE, "iq4_xs", None, 64, 32, False),
    ("dense-ud-q4_k_xl", DENSE, "q4_k_m", UD_Q4_K_XL, 64, 32, False),
    ("moe-q3_k_m", MOE, "q3_k_m", None, 64, 0, False),
    ("moe-ud-q4_k_xl", MOE, "q4_k_m", UD_Q4_K_XL, 64, 0, False),
    ("moe-mxfp4", MOE, "mxfp4_moe", None, 64, 0, True),
    ("gpt-oss-mxfp4", GPT_OSS, "mxfp4_moe", None, 64, 32, True),
]
GREEDY_PROMPT = 8


def quantize(inp, out, ftype, overrides):
    """llama_model_quantize with llama.cpp's default parameters, `ftype` (e.g. "q3_k_m") and
    optional (regex, type name) tensor overrides."""
    import llama_cpp
    p = llama_cpp.llama_model_quantize_default_params()
    p.ftype = getattr(llama_cpp, "LLAMA_FTYPE_MOSTLY_" + ftype.upper())
    p.nthread = 2
    keep = None
    if overrides:
        T = llama_cpp.llama_model_tensor_override
        keep = (T * (len(overrides) + 1))()
        for i, (pattern, tname) in enumerate(overrides):
            keep[i].pattern = pattern.encode()
            keep[i].type = getattr(llama_cpp, "GGML_TYPE_" + tname)
        keep[len(overrides)].pattern = None
        p.tt_overrides = ctypes.cast(keep, ctypes.POINTER(T))
    rc = llama_cpp.llama_model_quantize(inp.encode(), out.encode(), ctypes.byref(p))
    if rc != 0:
        sys.exit(f"quantize {inp} -> {ftype} failed: {rc}")


def tensor_types(path):
    """{type name: tensor count} of a GGUF file (gguf-py)."""
    import gguf
    counts = {}
    for t in gguf.GGUFReader(path).tensors:
        counts[t.tensor_type.name] = counts.get(t.tensor_type.name, 0) + 1
    return dict(sorted(counts.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thinkscope", default=DEFAULT_THINKSCOPE)
    ap.add_argument("--only", nargs="*", help="regenerate only these cases (others are kept from the JSON)")
    a = ap.parse_args()
    outdir = os.path.join(ROOT, "Tests", "Fixtures", "quant")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(ROOT, "Tests", "Fixtures", "quant-parity.json")
    old = {}
    if a.only and os.path.exists(out):
        old = {c["name"]: c for c in json.load(open(out))["cases"]}
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, shape, ftype, overrides, length, n_greedy, exact) in enumerate(CASES):
            if a.only and name not in a.only:
                if name in old:
                    cases.append(old[name])
                continue
            spec, base = case_model(a.thinkscope, shape, {}, 3000 + i, tmp, name + "-f16")
            path = os.path.join(outdir, name + ".gguf")
            quantize(base, path, ftype, overrides)
            rng = random.Random(300 + i)
            ids = [rng.randrange(spec["vocab"] - 3) for _ in range(length)]
            logits = llama_logits(path, ids, spec["vocab"], tmp)
            positions = sorted(set([0, length // 3, (2 * length) // 3, length - 1]))
            c = dict(name=name, file=f"quant/{name}.gguf", quantization=ftype, overrides=overrides or [], exact=exact,
                     types=tensor_types(path), ids=ids, positions=positions, **reference(logits, positions))
            if n_greedy:
                c["greedy_prompt"] = ids[:GREEDY_PROMPT]
                c["greedy"] = greedy_ids(path, ids[:GREEDY_PROMPT], n_greedy)
            cases.append(c)
            print(f"{name}: {os.path.getsize(path)} bytes, {c['types']}", file=sys.stderr)
    with open(out, "w") as f:
        json.dump(dict(generator="tools/parity/make_quant_fixtures.py", oracle=ORACLE_NAME, cases=cases), f, indent=1)
    print(out)


if __name__ == "__main__":
    main()
