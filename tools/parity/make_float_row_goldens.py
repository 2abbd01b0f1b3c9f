#!/usr/bin/env python3
"""Golden dot products of float rows from llama.cpp's own CPU library (libggml-cpu of
llama-cpp-python, through ctypes): ggml_vec_dot_f32 and ggml_vec_dot_f16, which llama.cpp runs for
one-token passes, MoE experts and attention's QK, on row lengths that are not multiples of its
64-element step, so that the scalar tail (GCC fuses the F32 one) is covered. Each case is five rows
against one activation; Tests/CKernelsTests/LlamaGoldenTests.swift checks ThinkScope's row-by-row
kernels against them at every SIMD level.

  python3 tools/parity/make_float_row_goldens.py   # writes Tests/Fixtures/float-row-goldens.json
"""
import ctypes, json, os, sys

import numpy as np

from oracle_cases import ORACLE_NAME, ROOT, b64_bytes as b64

LENGTHS = [15, 32, 67, 100, 130, 200]
ROWS = 5


def main():
    import llama_cpp
    g = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-cpu.so"))
    g.ggml_cpu_init()
    rng = np.random.default_rng(64)
    out = []
    for kind, dtype, fn in (("F32", np.float32, g.ggml_vec_dot_f32), ("F16", np.float16, g.ggml_vec_dot_f16)):
        for n in LENGTHS:
            w = (rng.standard_normal((ROWS, n)) * 0.5).astype(dtype)
            x = rng.standard_normal(n).astype(dtype)
            dots = []
            for r in range(ROWS):
                row = np.ascontiguousarray(w[r])
                s = ctypes.c_float()
                fn(ctypes.c_int(n), ctypes.byref(s), ctypes.c_size_t(0), row.ctypes.data_as(ctypes.c_void_p),
                   ctypes.c_size_t(0), x.ctypes.data_as(ctypes.c_void_p), ctypes.c_size_t(0), ctypes.c_int(1))
                dots.append(s.value)
            out.append(dict(type=kind, n=n, rows=ROWS, weights=b64(w.tobytes()), x=b64(x.tobytes()),
                            dots=b64(np.array(dots, dtype=np.float32).tobytes())))
    path = os.path.join(ROOT, "Tests", "Fixtures", "float-row-goldens.json")
    with open(path, "w") as f:
        json.dump(dict(generator="tools/parity/make_float_row_goldens.py", oracle=ORACLE_NAME, cases=out), f, indent=1)
    print(path, len(out), "cases", file=sys.stderr)


if __name__ == "__main__":
    main()
