"""Figures for the model card: training curves, accuracy against thinking budget, expert routing.

  python3 plots.py --run runs/demo runs/demo2 --out ../../docs/model-card

With several runs (training stages) the curves are drawn one after another and the evaluation is the last run's.
"""
from __future__ import annotations

import argparse
import csv
import json
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = ["add", "sub", "mul", "compare", "count", "sort", "word"]


def training_log(runs):
    """The training logs of all stages, one after another, and the first step of each later stage."""
    rows, starts = [], []
    for run in runs:
        part = list(csv.DictReader(open(os.path.join(run, "train_log.csv"))))
        if rows and part:
            starts.append(int(part[0]["step"]))
        rows += part
    return rows, starts


def training_curves(rows, starts, out):
    step = np.array([int(r["step"]) for r in rows])
    fig, ax = plt.subplots(1, 3, figsize=(14, 3.8))
    for a in ax:
        for s in starts:
            a.axvline(s, color="grey", ls=":", lw=0.8)
    for k, lab in (("loss", "all trained tokens"), ("loss_think", "thinking tokens"), ("loss_answer", "answer tokens")):
        ax[0].plot(step, [float(r[k]) for r in rows], label=lab, lw=1)
    ax[0].set_yscale("log"); ax[0].set_xlabel("step"); ax[0].set_ylabel("cross-entropy (nats)"); ax[0].legend()
    ax[0].set_title("training loss (phases: one batch every 25 steps)")
    ax[1].plot(step, [float(r["aux"]) for r in rows], lw=1)
    ax[1].set_xlabel("step"); ax[1].set_title("load-balancing loss (1.0 = uniform)")
    ax[2].plot(step, [float(r["unused_mass_mean"]) for r in rows], label="mean", lw=1)
    ax[2].plot(step, [float(r["unused_mass_max"]) for r in rows], label="max", lw=1)
    ua = [(int(r["step"]), float(r["unused_mass_max_all_positions"])) for r in rows
          if r.get("unused_mass_max_all_positions") not in (None, "")]
    if ua:
        ax[2].plot([u[0] for u in ua], [u[1] for u in ua], label="max, all positions", lw=1)
    ax[2].axhline(0.01, color="r", ls="--", lw=0.8, label="1% limit")
    ax[2].set_yscale("log"); ax[2].set_xlabel("step"); ax[2].set_title("probability on never-seen ids (trained positions)"); ax[2].legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "training-curves.png"), dpi=110)
    plt.close(fig)


def budget_curve(ev, out):
    res = ev["results"]
    caps = [k for k in res if k.startswith("cap(")] + ["unlimited"]
    xs = [res[k]["mean_think_tokens"] for k in caps]
    fig, ax = plt.subplots(1, 2, figsize=(12, 4))
    for t in TASKS:
        ax[0].plot(range(len(caps)), [res[k]["per_task"][t] for k in caps], marker="o", label=t, lw=1)
    ax[0].plot(range(len(caps)), [res[k]["all"] for k in caps], marker="s", color="k", lw=2, label="all")
    ax[0].axhline(res["nothink"]["all"], color="k", ls=":", lw=1, label="no-think (all)")
    ax[0].set_xticks(range(len(caps))); ax[0].set_xticklabels([k.replace("cap", "") for k in caps])
    ax[0].set_xlabel("thinking budget (Qwen-style cap)"); ax[0].set_ylabel("accuracy"); ax[0].legend(fontsize=7, ncol=2)
    ax[0].set_title("held-out accuracy vs thinking budget")
    ax[1].plot(xs, [res[k]["all"] for k in caps], marker="o", label="cap(n)")
    ex = [k for k in res if k.startswith("exact(")]
    ax[1].plot([res[k]["mean_think_tokens"] for k in ex], [res[k]["all"] for k in ex], marker="^", label='exact(n) with "Wait"')
    ax[1].set_xlabel("mean thinking tokens used"); ax[1].set_ylabel("accuracy (all tasks)"); ax[1].legend()
    ax[1].set_title("test-time scaling")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "budget-scaling.png"), dpi=110)
    plt.close(fig)


def routing_heatmap(ev, out):
    rc = ev["routing_counts"]
    L = ev["config"]["layers"]
    E = ev["config"]["experts"]
    cols = [(ph, t) for ph in ("prompt", "think", "answer") for t in TASKS]
    fig, axes = plt.subplots(1, L, figsize=(4 * L, 5.5), sharey=True)
    for li in range(L):
        m = np.zeros((len(cols), E))
        for l, ph, t, e, v in rc:
            if l == li and (ph, t) in cols:
                m[cols.index((ph, t)), e] += v
        m = m / np.maximum(m.sum(1, keepdims=True), 1)
        ax = axes[li]
        ax.imshow(m, aspect="auto", cmap="viridis", vmin=0, vmax=max(0.5, m.max()))
        ax.set_title(f"layer {li}")
        ax.set_xlabel("expert")
        ax.set_xticks(range(E))
        if li == 0:
            ax.set_yticks(range(len(cols)))
            ax.set_yticklabels([f"{ph}:{t}" for ph, t in cols], fontsize=7)
    fig.suptitle("share of top-2 expert choices (rows sum to 1), held-out problems, unlimited thinking")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "expert-routing.png"), dpi=100)
    plt.close(fig)


def tables(ev) -> str:
    """Markdown tables of the evaluation, for the model card."""
    res = ev["results"]
    lines = []
    hdr = "| policy | " + " | ".join(TASKS) + " | arithmetic (add, sub, mul, word) | all | mean thinking tokens | forced stops | mean Waits |"
    lines += [hdr, "|" + "---|" * (len(TASKS) + 6)]
    for k, r in res.items():
        lines.append(f"| {k} | " + " | ".join(f"{100 * r['per_task'][t]:.0f}" for t in TASKS)
                     + f" | {100 * r['arith']:.1f} | {100 * r['all']:.1f} | {r['mean_think_tokens']:.1f} | "
                       f"{100 * r['forced_stop_rate']:.0f}% | {r['mean_waits']:.2f} |")
    return "\n".join(lines)


def routing_table(ev) -> str:
    """Per layer: which expert each task/phase prefers, and how concentrated routing is."""
    rc = ev["routing_counts"]
    L, E = ev["config"]["layers"], ev["config"]["experts"]
    out = ["| layer | phase | " + " | ".join(TASKS) + " |", "|" + "---|" * (len(TASKS) + 2)]
    for li in range(L):
        for ph in ("think", "answer"):
            cells = []
            for t in TASKS:
                v = np.zeros(E)
                for l, p, tt, e, c in rc:
                    if l == li and p == ph and tt == t:
                        v[e] += c
                if v.sum() == 0:
                    cells.append("-")
                    continue
                v = v / v.sum()
                top = np.argsort(-v)[:2]
                cells.append(", ".join(f"E{e} {100 * v[e]:.0f}%" for e in top))
            out.append(f"| {li} | {ph} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def specialisation(ev) -> str:
    """Mutual information between the chosen expert and the task / the phase, per layer (bits).
    0 = routing ignores it; the upper bound is log2(number of tasks) or log2(phases)."""
    rc = ev["routing_counts"]
    L, E = ev["config"]["layers"], ev["config"]["experts"]
    out = ["| layer | I(expert; task) thinking tokens | I(expert; phase) | expert usage share (all generated tokens) |",
           "|---|---|---|---|"]

    def mi(j):
        j = j / j.sum()
        px, py = j.sum(1, keepdims=True), j.sum(0, keepdims=True)
        nz = j > 0
        return float((j[nz] * np.log2(j[nz] / (px @ py)[nz])).sum())

    for li in range(L):
        jt = np.zeros((len(TASKS), E))
        jp = np.zeros((3, E))
        for l, ph, t, e, c in rc:
            if l != li:
                continue
            if ph == "think":
                jt[TASKS.index(t), e] += c
            jp[("prompt", "think", "answer").index(ph), e] += c
        use = jp[1:].sum(0) / jp[1:].sum()
        out.append(f"| {li} | {mi(jt):.2f} | {mi(jp):.2f} | " + " ".join(f"{100 * u:.0f}%" for u in use) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", nargs="+", default=[os.path.join(HERE, "runs", "demo"), os.path.join(HERE, "runs", "demo2")],
                    help="training runs in order (stages); the last one's eval/ is plotted")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "docs", "model-card"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows, starts = training_log(a.run)
    training_curves(rows, starts, a.out)
    with open(os.path.join(a.out, "train_log.csv"), "w", newline="") as f:   # the data behind the card
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    evp = os.path.join(a.run[-1], "eval", "eval.json")
    if os.path.exists(evp):
        ev = json.load(open(evp))
        with open(os.path.join(a.out, "eval.json"), "w") as f:
            json.dump(ev, f, indent=1)
        budget_curve(ev, a.out)
        routing_heatmap(ev, a.out)
        with open(os.path.join(a.out, "results.md"), "w") as f:
            f.write(tables(ev) + "\n\n" + specialisation(ev) + "\n\n" + routing_table(ev) + "\n")
    print("figures in", a.out)
