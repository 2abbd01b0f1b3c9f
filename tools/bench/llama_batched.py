#!/usr/bin/env python3
"""llama.cpp's decode speed with N sequences per batch, to set beside `thinkscope bench --sequences`:
a 64-token prompt on sequence 0, copied to N sequences (one KV stream each, flash attention off),
then 16 steps in which every sequence decodes one token; the median of 3 rounds, 2 threads.

  OMP_WAIT_POLICY=passive python3 tools/bench/llama_batched.py MODEL.gguf
"""
import sys, time
import llama_cpp as L

path = sys.argv[1]; P = 64; S = 16
L.llama_backend_init()
model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
for n_seq in [1, 2, 4, 8]:
    cp = L.llama_context_default_params()
    cp.n_ctx = 256 * n_seq; cp.n_batch = 512; cp.n_ubatch = 512; cp.n_seq_max = n_seq
    cp.n_threads = 2; cp.n_threads_batch = 2; cp.kv_unified = False
    cp.flash_attn_type = L.LLAMA_FLASH_ATTN_TYPE_DISABLED
    ctx = L.llama_init_from_model(model, cp)
    batch = L.llama_batch_init(512, 0, n_seq)
    def submit(items):
        batch.n_tokens = len(items)
        for i, (tok, pos, seq, out) in enumerate(items):
            batch.token[i] = tok; batch.pos[i] = pos; batch.n_seq_id[i] = 1; batch.seq_id[i][0] = seq; batch.logits[i] = out
        assert L.llama_decode(ctx, batch) == 0
    submit([((i * 7919 + 13) % 150000, i, 0, i == P - 1) for i in range(P)])
    mem = L.llama_get_memory(ctx)
    for s in range(1, n_seq): L.llama_memory_seq_cp(mem, 0, s, -1, -1)
    best = []
    for r in range(3):
        t0 = time.perf_counter()
        for k in range(S):
            submit([((k * 31 + s * 17) % 1000, P + r * S + k, s, 1) for s in range(n_seq)])
        best.append(S * n_seq / (time.perf_counter() - t0))
    best.sort()
    print(f"llama.cpp {n_seq} sequences: {best[1]:.1f} tok/s", flush=True)
    L.llama_batch_free(batch); L.llama_free(ctx)
