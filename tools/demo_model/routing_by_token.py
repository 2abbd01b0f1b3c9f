"""Expert choice against the kind of the current token (digit, word, punctuation, newline, special):
how much of the routing structure is token-level. Writes a markdown table and a heatmap.

  python3 routing_by_token.py --ckpt runs/demo/final_cal.pt --out ../../docs/model-card
"""
from __future__ import annotations

import argparse
import os
import random
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import qwen_vocab as qv  # noqa: E402
from chat import build_sample  # noqa: E402
from export_gguf import load_exported  # noqa: E402
from tasks import make_problem  # noqa: E402

KINDS = ["digit", "word", "letter", "punct", "space/newline", "special", "chinese"]


def kind(t: int) -> str:
    if t >= qv.N_BPE:
        return "special"
    s = qv.decode([t])
    st = s.strip()
    if not st:
        return "space/newline"
    if st.isdigit():
        return "digit"
    if any("\u4e00" <= c <= "\u9fff" for c in st) or not st.isascii():
        return "chinese"
    if st.isalpha():
        return "letter" if len(st) == 1 else "word"
    return "punct"


def mi(j):
    j = j / j.sum()
    px, py = j.sum(1, keepdims=True), j.sum(0, keepdims=True)
    nz = j > 0
    return float((j[nz] * np.log2(j[nz] / (px @ py)[nz])).sum())


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "demo", "final_cal.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "docs", "model-card"))
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    torch.set_num_threads(1)
    model, ck = load_exported(a.ckpt)
    L, E = model.c.layers, model.c.experts
    cnt = np.zeros((L, len(KINDS), E))
    tok = {}
    rng = random.Random(99)
    for _ in range(a.n):
        s = build_sample(make_problem(rng, split="test"), rng, "think")
        ids = torch.tensor([s.ids])
        T = ids.shape[1]
        model.hidden_states(ids, torch.arange(T)[None], torch.ones(T, T, dtype=torch.bool).tril())
        ks = [KINDS.index(kind(t)) for t in s.ids]
        for li, blk in enumerate(model.blocks):
            idx = blk.moe.last_idx[0].numpy()
            for p in range(T):
                for e in idx[p]:
                    cnt[li, ks[p], e] += 1
                    if li == 0:
                        tok.setdefault(s.ids[p], np.zeros(E))[e] += 1
    lines = ["| layer | I(expert; token kind) bits | " + " | ".join(KINDS) + " |", "|" + "---|" * (len(KINDS) + 2)]
    for li in range(L):
        cells = []
        for k in range(len(KINDS)):
            v = cnt[li, k]
            if v.sum() == 0:
                cells.append("-")
                continue
            v = v / v.sum()
            top = np.argsort(-v)[:2]
            cells.append(", ".join(f"E{e} {100 * v[e]:.0f}%" for e in top))
        lines.append(f"| {li} | {mi(cnt[li]):.2f} | " + " | ".join(cells) + " |")
    big = [t for t, v in tok.items() if v.sum() >= 40]
    jt = np.stack([tok[t] for t in big])
    lines.append("")
    lines.append(f"Layer 0, expert choice against the token id itself ({len(big)} ids seen ≥ 20 times): "
                 f"I(expert; token) = {mi(jt):.2f} bits (upper bound log2(8) = 3).")
    txt = "\n".join(lines)
    print(txt)
    with open(os.path.join(a.out, "routing-by-token.md"), "w") as f:
        f.write(txt + "\n")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, L, figsize=(3.6 * L, 3.2), sharey=True)
    for li in range(L):
        m = cnt[li] / np.maximum(cnt[li].sum(1, keepdims=True), 1)
        axes[li].imshow(m, aspect="auto", cmap="viridis", vmin=0, vmax=max(0.5, m.max()))
        axes[li].set_title(f"layer {li}")
        axes[li].set_xticks(range(E))
        axes[li].set_xlabel("expert")
    axes[0].set_yticks(range(len(KINDS)))
    axes[0].set_yticklabels(KINDS)
    fig.suptitle("share of top-2 expert choices by kind of current token (held-out thinking conversations)")
    fig.tight_layout()
    fig.savefig(os.path.join(a.out, "expert-routing-by-token.png"), dpi=100)


if __name__ == "__main__":
    main()
