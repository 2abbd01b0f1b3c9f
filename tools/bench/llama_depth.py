#!/usr/bin/env python3
"""llama.cpp's prefill and decode speed after DEPTH tokens of context (llama-bench's -d), through
llama-cpp-python (the oracle's build), with a chosen KV-cache type and flash-attention setting.

  python3 tools/bench/llama_depth.py MODEL [-d 4096] [-p 32] [-n 32] [-t 2] [-r 3] [--kv-type f16] [--fa off]

The depth is prefilled once, untimed; each round then truncates the cache back to the depth, times
-p prompt tokens (one batch) and -n decode tokens (one at a time) on top; the first round warms up.
Prints JSON like the oracle's `bench` (medians).
"""
import argparse, json, os, statistics, sys, time

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
GGML_TYPE = {"f16": 1, "q8_0": 8}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("-d", type=int, default=0)
    ap.add_argument("-p", type=int, default=128)
    ap.add_argument("-n", type=int, default=64)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("--kv-type", default="f16", choices=sorted(GGML_TYPE))
    ap.add_argument("--fa", default="off", choices=["on", "off"])
    ap.add_argument("--serve", action="store_true",
                    help="after the fill print 'ready', then time one round per line read from stdin (JSON each)")
    a = ap.parse_args()
    import llama_cpp
    m = llama_cpp.Llama(a.model, n_ctx=a.d + a.p + a.n + 16, n_threads=a.t, n_threads_batch=a.t, verbose=False,
                        n_batch=512, type_k=GGML_TYPE[a.kv_type], type_v=GGML_TYPE[a.kv_type], flash_attn=a.fa == "on")
    vocab = m.n_vocab()
    if a.d:
        m.eval([(i * 104729 + 7) % min(vocab, 150000) for i in range(a.d)])
    prompt = [(i * 7919 + 13) % min(vocab, 150000) for i in range(a.p)]

    def one_round():
        m.n_tokens = a.d  # eval() drops the cache from here on
        t0 = time.perf_counter()
        m.eval(prompt)
        t1 = time.perf_counter()
        for i in range(a.n):
            m.eval([(i * 31) % 1000])
        t2 = time.perf_counter()
        return a.p / (t1 - t0), a.n / (t2 - t1)

    if a.serve:
        print("ready", flush=True)
        for _ in sys.stdin:
            p, d = one_round()
            print(json.dumps({"prefill_tps": p, "decode_tps": d}), flush=True)
        return
    pre, dec = [], []
    for r in range(a.r + 1):
        p, d = one_round()
        if r:  # the first round warms up
            pre.append(p)
            dec.append(d)
    print(json.dumps({"engine": "llama.cpp", "threads": a.t, "prompt_tokens": a.p, "gen_tokens": a.n, "depth": a.d,
                      "kv_type": a.kv_type, "flash_attn": a.fa,
                      "prefill_tps": statistics.median(pre), "decode_tps": statistics.median(dec)}))


if __name__ == "__main__":
    main()
