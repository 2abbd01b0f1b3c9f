"""Greedy continuation with llama.cpp (llama-cpp-python), for the parity fixtures.

The oracle's own `generate` reads scores with logits_all=False, where llama-cpp-python 0.3.36 leaves
the rows zero (it answers token 0 forever); this keeps every row so the last one is real. Tokens are
fed one at a time after the prompt, so llama.cpp takes its single-token (decode) path.
"""
import numpy as np


def greedy_ids(path, prompt, n):
    import llama_cpp
    m = llama_cpp.Llama(path, n_ctx=len(prompt) + n + 8, n_threads=2, n_threads_batch=2,
                        logits_all=True, verbose=False)
    m.eval(prompt)
    out = []
    for _ in range(n):
        t = int(np.argmax(m.scores[m.n_tokens - 1]))
        out.append(t)
        m.eval([t])
    return out
