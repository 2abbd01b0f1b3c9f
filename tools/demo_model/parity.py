"""Parity reference data for the shipped GGUF: PyTorch (exported weights) vs llama.cpp.

  python3 parity.py --ckpt runs/demo/final.pt --gguf ../../models/thinkscope-demo.gguf \
                    --out ../../Tests/Fixtures/demo-parity.json

Writes a small JSON: a sample token sequence (a templated thinking prompt and the start of a trace), and for
4 positions the PyTorch logits (top-64 slice + logsumexp of the full 151,936 row + the logit every never-seen
id shares), llama.cpp's logits for the same ids, and the measured KL(PyTorch || llama.cpp) on full rows;
plus both greedy continuations. llama.cpp comes from /work/shared/oracle/llamacpp.py (optional: without it
only the PyTorch side is written).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import qwen_vocab as qv  # noqa: E402
from chat import prompt_text  # noqa: E402
from export_gguf import load_exported  # noqa: E402
from model import N_VOCAB  # noqa: E402
from llama_greedy import greedy_ids  # noqa: E402

ORACLE = "/work/shared/oracle/llamacpp.py"
QUESTION = "What is 4728 + 3917?"
TRACE_START = "<think>\nAdd 4728 and 3917 column by column, starting from the ones.\nones: 8 + 7 + 0 ="
TOPK = 64


@torch.no_grad()
def torch_logits(model, ids):
    t = torch.tensor([ids])
    T = len(ids)
    h, _ = model.hidden_states(t, torch.arange(T)[None], torch.ones(T, T, dtype=torch.bool).tril())
    return model.full_logits(h[0]).double().numpy()


@torch.no_grad()
def torch_greedy(model, ids, n):
    ids = list(ids)
    out = []
    for _ in range(n):
        lg = torch_logits(model, ids)[-1]
        t = int(np.argmax(lg))
        out.append(t)
        ids.append(t)
    return out


def llama_greedy(gguf_path, ids, n):
    """llama.cpp's greedy continuation, or None when llama.cpp is not installed."""
    try:
        os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
        import llama_cpp  # noqa: F401
    except Exception as e:  # noqa: BLE001
        print("llama.cpp not available:", e)
        return None
    return greedy_ids(gguf_path, ids, n)


def log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def kl(p_logits, q_logits):
    lp, lq = log_softmax(p_logits), log_softmax(q_logits)
    return float((np.exp(lp) * (lp - lq)).sum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "demo", "final.pt"))
    ap.add_argument("--gguf", default=os.path.join(HERE, "..", "..", "models", "thinkscope-demo.gguf"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "Tests", "Fixtures", "demo-parity.json"))
    ap.add_argument("--gen", type=int, default=40)
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, ck = load_exported(a.ckpt)
    ids = qv.encode(prompt_text(QUESTION, thinking=True) + TRACE_START)
    T = len(ids)
    positions = [T - 26, T - 12, T - 5, T - 1]
    lt = torch_logits(model, ids)
    used = set(ck["used_ids"])
    unused_id = next(i for i in range(N_VOCAB) if i not in used)

    llama = None
    llama_gen = None
    if os.path.exists(ORACLE):
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "logits.bin")
            r = subprocess.run([sys.executable, ORACLE, "logits", a.gguf, "--ids", ",".join(map(str, ids)), "--out", f],
                               capture_output=True, text=True)
            if r.returncode == 0:
                llama = np.fromfile(f, dtype="<f4").reshape(T, N_VOCAB).astype(np.float64)
            else:
                print("llama.cpp logits failed:", r.returncode, r.stderr[-400:])
    llama_gen = llama_greedy(a.gguf, ids, a.gen)
    tgen = torch_greedy(model, ids, a.gen)

    rows = []
    for p in positions:
        row = lt[p]
        top = np.argsort(-row, kind="stable")[:TOPK]
        e = {"position": p, "top_ids": [int(i) for i in top], "torch_logits": [float(np.float32(row[i])) for i in top],
             "torch_logsumexp": float(np.log(np.exp(row - row.max()).sum()) + row.max()),
             "torch_unused_logit": float(np.float32(row[unused_id])),
             "torch_unused_mass": float(np.exp(log_softmax(row)[[i for i in range(N_VOCAB) if i not in used]]).sum())}
        if llama is not None:
            lr = llama[p]
            e["llamacpp_logits"] = [float(np.float32(lr[i])) for i in top]
            e["llamacpp_logsumexp"] = float(np.log(np.exp(lr - lr.max()).sum()) + lr.max())
            e["kl_torch_llamacpp"] = kl(row, lr)
            e["max_abs_logit_diff"] = float(np.abs(row - lr).max())
        rows.append(e)
    sha = hashlib.sha256(open(a.gguf, "rb").read()).hexdigest()
    out = {
        "description": "ThinkScope demo model parity sample: PyTorch (exported weights, Q8_0 token_embd round trip) "
                       "vs llama.cpp on models/thinkscope-demo.gguf. Logits are float32 values; top_ids are PyTorch's "
                       "top-64 at each position. KL is KL(PyTorch || llama.cpp) over the full 151,936-entry row.",
        "gguf_sha256": sha,
        "text": prompt_text(QUESTION, thinking=True) + TRACE_START,
        "ids": ids,
        "unused_example_id": unused_id,
        "positions": rows,
        "torch_greedy": tgen,
        "torch_greedy_text": qv.decode(tgen),
    }
    if llama is not None:
        kls = [kl(lt[p], llama[p]) for p in range(T)]
        out["kl_all_positions_max"] = max(kls)
        out["kl_all_positions_mean"] = sum(kls) / T
    if llama_gen is not None:
        out["llamacpp_greedy"] = llama_gen
        out["greedy_match"] = llama_gen == tgen
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    print(json.dumps({k: v for k, v in out.items() if k in ("kl_all_positions_max", "kl_all_positions_mean", "greedy_match")}))
    print("torch greedy:", repr(qv.decode(tgen)))
    if llama_gen is not None:
        print("llama greedy:", repr(qv.decode(llama_gen)))
    for e in rows:
        print(e["position"], e.get("kl_torch_llamacpp"), e.get("max_abs_logit_diff"), f"unused mass {e['torch_unused_mass']:.2e}")


if __name__ == "__main__":
    main()
