"""Find held-out problems where s1 budget forcing visibly fixes a mistake: unlimited thinking answers wrong,
exact(n) forces a "Wait", the re-check says "I made a mistake", and the forced run answers right.

  python3 wait_fixes.py --ckpt runs/demo3/final_cal.pt --n 60 --exact 512

Prints each such problem with both traces (the inspector's compare view shows the same pair).
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import evaluate as ev  # noqa: E402
import tasks  # noqa: E402
from export_gguf import load_exported  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--n", type=int, default=60, help="held-out problems per arithmetic task")
    ap.add_argument("--seed", type=int, default=4711)
    ap.add_argument("--exact", type=int, default=512)
    ap.add_argument("--stage", type=int, default=3)
    ap.add_argument("--show", type=int, default=6)
    a = ap.parse_args()
    torch.set_num_threads(2)
    tasks.set_stage(a.stage)
    model, _ = load_exported(a.ckpt)
    probs = tasks.test_set(a.seed, a.n, tasks=tasks.ARITH_TASKS)
    un = ev.generate(model, probs, ev.Policy("unlimited", cap=ev.UNLIMITED_CAP))
    ex = ev.generate(model, probs, ev.Policy(f"exact({a.exact})", cap=a.exact, exact=a.exact))
    fixed = [(p, u, e) for p, u, e in zip(probs, un, ex)
             if not u["correct"] and e["correct"] and "I made a mistake" in e["thinking"]]
    broke = sum(u["correct"] and not e["correct"] for u, e in zip(un, ex))
    print(f"{len(probs)} problems: unlimited {sum(r['correct'] for r in un)}, exact({a.exact}) "
          f"{sum(r['correct'] for r in ex)}; fixed by a re-check {len(fixed)}, broken by forcing {broke}")
    for p, u, e in fixed[:a.show]:
        print("=" * 30, p.question, "->", p.answer)
        print("--- unlimited:\n" + u["thinking"] + u["output"])
        print(f"--- exact({a.exact}):\n" + e["thinking"] + e["output"])


if __name__ == "__main__":
    main()
