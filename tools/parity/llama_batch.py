"""Multi-sequence decoding with llama.cpp's C API (through llama-cpp-python's bindings), for the
batch parity fixtures: one prompt prefilled on sequence 0, copied to sequences 1..n-1
(llama_memory_seq_cp), then steps in which every sequence decodes one token in the same
llama_batch. The context keeps one KV stream per sequence (kv_unified off, llama.cpp's default) and flash attention off,
as ThinkScope's sessions keep one cache each.
"""
import ctypes

import numpy as np


def batch_logits(path, prompt, steps, threads=2):
    """steps: a list of per-step token lists (one token per sequence, all the same length n).
    Returns float32 logits [len(steps), n, vocab]: each sequence's next-token logits after each step."""
    import llama_cpp as L
    n_seq = len(steps[0])
    L.llama_backend_init()
    mp = L.llama_model_default_params()
    model = L.llama_model_load_from_file(path.encode(), mp)
    assert model, path
    cp = L.llama_context_default_params()
    cp.n_ctx = 256 * n_seq
    cp.n_batch = 512
    cp.n_ubatch = 512
    cp.n_seq_max = n_seq
    cp.n_threads = threads
    cp.n_threads_batch = threads
    cp.kv_unified = False
    # As llama-cpp-python's Llama (the single-sequence fixtures) runs it: flash attention off
    # (the C default, AUTO, turns it on for the CPU).
    cp.flash_attn_type = L.LLAMA_FLASH_ATTN_TYPE_DISABLED
    ctx = L.llama_init_from_model(model, cp)
    assert ctx
    vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
    batch = L.llama_batch_init(max(len(prompt), n_seq), 0, n_seq)

    def submit(items):  # items: (token, position, seq, wants_logits)
        batch.n_tokens = len(items)
        for i, (tok, pos, seq, out) in enumerate(items):
            batch.token[i] = tok
            batch.pos[i] = pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = 1 if out else 0
        rc = L.llama_decode(ctx, batch)
        assert rc == 0, f"llama_decode returned {rc}"

    submit([(t, p, 0, p == len(prompt) - 1) for p, t in enumerate(prompt)])
    mem = L.llama_get_memory(ctx)
    for s in range(1, n_seq):
        L.llama_memory_seq_cp(mem, 0, s, -1, -1)
    out = np.zeros((len(steps), n_seq, vocab), dtype=np.float32)
    for k, toks in enumerate(steps):
        submit([(t, len(prompt) + k, s, True) for s, t in enumerate(toks)])
        for s in range(n_seq):
            row = L.llama_get_logits_ith(ctx, s)
            out[k, s] = np.ctypeslib.as_array(ctypes.cast(row, ctypes.POINTER(ctypes.c_float)), shape=(vocab,))
    L.llama_batch_free(batch)
    L.llama_free(ctx)
    L.llama_model_free(model)
    return out
