"""Where the demo model's arithmetic goes wrong: the first trace line that differs from the reference trace.

  python3 error_census.py --ckpt runs/demo2/final_cal.pt [--n 100] [--show]

Runs unlimited thinking (greedy, exported weights) on held-out add, sub, mul and word problems and sorts each
wrong answer by its first wrong line: a column step with a wrong operand digit (read from the question), a
column step with the right digits but a wrong fact or carry, another line (the head, the conclusion), or no
wrong line (the answer does not copy the trace).
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import evaluate as ev  # noqa: E402
from export_gguf import load_exported  # noqa: E402
from tasks import ARITH_TASKS, test_set  # noqa: E402

COLUMN = re.compile(r"\S+: (\d+) [-+×] (\d+) ")


def first_wrong_line(reference: list[str], thinking: str):
    got = thinking.split("\n")[1:]   # after "<think>"
    for want, line in zip(reference, got):
        if want.rstrip("\n") != line:
            return want.rstrip("\n"), line
    return None


def kind_of(task: str, wrong) -> str:
    if wrong is None:
        return f"{task}: answer does not follow the trace"
    a, b = COLUMN.match(wrong[0]), COLUMN.match(wrong[1])
    if a and b:
        return f"{task}: operand digit" if a.groups() != b.groups() else f"{task}: fact or carry"
    return f"{task}: other line"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--n", type=int, default=100, help="held-out problems per task")
    ap.add_argument("--seed", type=int, default=20250)
    ap.add_argument("--show", action="store_true", help="print each first wrong line next to the right one")
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, _ = load_exported(a.ckpt)
    problems = test_set(a.seed, a.n, tasks=ARITH_TASKS)
    rows = []
    for i in range(0, len(problems), 200):
        rows += ev.generate(model, problems[i:i + 200], ev.Policy("unlimited", cap=ev.UNLIMITED_CAP))
    census = collections.Counter()
    for p, r in zip(problems, rows):
        if r["correct"]:
            continue
        wrong = first_wrong_line([s for s, _ in p.trace], r["thinking"])
        census[kind_of(p.task, wrong)] += 1
        if a.show and wrong:
            print(f"{p.task:5s} want: {wrong[0]}\n      got:  {wrong[1]}")
    right = {t: sum(r["correct"] for r in rows if r["task"] == t) for t in ARITH_TASKS}
    print("right:", right, f"arithmetic {100 * sum(right.values()) / len(rows):.1f}%")
    for k, v in census.most_common():
        print(f"{v:4d}  {k}")


if __name__ == "__main__":
    main()
