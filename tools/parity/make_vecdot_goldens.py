#!/usr/bin/env python3
"""Kernel-level golden vectors from llama.cpp's own CPU library (libggml-cpu of llama-cpp-python,
called through ctypes): for each weight type, random well-formed rows, a float activation, the
activation quantized by ggml's from_float (Q8_0 / Q8_1 / Q8_K), ggml's dequantized row and
ggml_vec_dot_<type>_<vec_dot_type>'s result. Tests/CKernelsTests/LlamaGoldenTests.swift checks
ThinkScope's quantizer, dequantizer and dot product against them at every SIMD level.

  python3 tools/parity/make_vecdot_goldens.py   # writes Tests/Fixtures/vecdot-goldens.json
"""
import ctypes, json, os, sys

import numpy as np

from oracle_cases import ORACLE_NAME, ROOT, b64_bytes as b64

# name: (ggml type id, block elements, block bytes, offsets of the fp16 scales to set, vec_dot suffix, act. type, act. block bytes)
TYPES = {
    "Q4_1": (3, 32, 20, [0, 2], "q4_1_q8_1", 9, 36),
    "Q5_0": (6, 32, 22, [0], "q5_0_q8_0", 8, 34),
    "Q5_1": (7, 32, 24, [0, 2], "q5_1_q8_1", 9, 36),
    "IQ4_NL": (20, 32, 18, [0], "iq4_nl_q8_0", 8, 34),
    "MXFP4": (39, 32, 17, [], "mxfp4_q8_0", 8, 34),
    "Q2_K": (10, 256, 84, [80, 82], "q2_K_q8_K", 15, 292),
    "Q3_K": (11, 256, 110, [108], "q3_K_q8_K", 15, 292),
    "IQ4_XS": (23, 256, 136, [0], "iq4_xs_q8_K", 15, 292),
}
CASES_PER_TYPE = 4


def main():
    import llama_cpp
    g = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-cpu.so"))
    base = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-base.so"))
    g.ggml_cpu_init()
    g.ggml_get_type_traits_cpu.restype = ctypes.c_void_p
    base.ggml_get_type_traits.restype = ctypes.c_void_p
    # ggml_type_traits_cpu: { from_float, vec_dot, vec_dot_type, nrows }; ggml_type_traits: { type_name,
    # blck_size, blck_size_interleave, type_size, is_quantized, to_float, from_float_ref }
    from_float_t = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)
    rng = np.random.default_rng(16)
    out = []
    for name, (tid, qk, bs, scales, suffix, atype, abs_) in TYPES.items():
        vec_dot = getattr(g, "ggml_vec_dot_" + suffix)
        act_quant = from_float_t(ctypes.cast(g.ggml_get_type_traits_cpu(atype), ctypes.POINTER(ctypes.c_void_p))[0])
        to_float = from_float_t(ctypes.cast(base.ggml_get_type_traits(tid), ctypes.POINTER(ctypes.c_void_p))[5])
        for i in range(CASES_PER_TYPE):
            n = 256 * (1 + i % 2)
            nb = n // qk
            w = bytearray(rng.integers(0, 256, nb * bs, dtype=np.uint8).tobytes())
            for b in range(nb):
                if name == "MXFP4":
                    w[b * bs] = int(rng.integers(118, 126))
                for k, off in enumerate(scales):
                    v = (0.002 + 0.02 * rng.random()) if k == 0 else 0.01 * rng.random()
                    w[b * bs + off:b * bs + off + 2] = np.float16(v).tobytes()
            x = (rng.standard_normal(n) * (1 + i)).astype(np.float32)
            if i == 0:
                x[:32] = 0  # an all-zero activation block
            xq = ctypes.create_string_buffer(n // (256 if abs_ == 292 else 32) * abs_)
            act_quant(x.ctypes.data, xq, n)
            wbuf = ctypes.create_string_buffer(bytes(w))
            deq = np.zeros(n, dtype=np.float32)
            to_float(wbuf, deq.ctypes.data, n)
            s = ctypes.c_float()
            vec_dot(ctypes.c_int(n), ctypes.byref(s), ctypes.c_size_t(0), wbuf, ctypes.c_size_t(0), xq,
                    ctypes.c_size_t(0), ctypes.c_int(1))
            out.append(dict(type=name, n=n, weights=b64(w), x=b64(x.tobytes()), xq=b64(xq.raw),
                            dequantized=b64(deq.tobytes()), dot=b64(np.float32(s.value).tobytes())))
    path = os.path.join(ROOT, "Tests", "Fixtures", "vecdot-goldens.json")
    with open(path, "w") as f:
        json.dump(dict(generator="tools/parity/make_vecdot_goldens.py", oracle=ORACLE_NAME, cases=out), f, indent=1)
    print(path, len(out), "cases", file=sys.stderr)


if __name__ == "__main__":
    main()
