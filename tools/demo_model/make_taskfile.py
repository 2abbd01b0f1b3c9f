"""Held-out problems as `thinkscope sweep --tasks` files (JSON Lines, docs/TASK_FORMAT.md), so the engine
can be measured on the same problems and phrasings as the PyTorch evaluation.

  python3 make_taskfile.py --stage 3 --templates heldout --n 40 --seed 777 --out runs/tasks/heldout
      -> runs/tasks/heldout/{add,sub,...}.jsonl (one file per task family) and all.jsonl

Problems come from the held-out split (never trained); --templates heldout also phrases them with the
templates that were never used in training (tasks.EN_TEMPLATES / ZH_TEMPLATES / WORD_HELDOUT, second lists).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import tasks  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", type=int, default=3)
    ap.add_argument("--templates", default="train", choices=["train", "heldout"])
    ap.add_argument("--n", type=int, default=40, help="problems per task family")
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--tasks", default=",".join(tasks.TASKS))
    ap.add_argument("--out", required=True, help="output directory")
    a = ap.parse_args()
    tasks.set_stage(a.stage)
    os.makedirs(a.out, exist_ok=True)
    fams = a.tasks.split(",")
    probs = tasks.test_set(a.seed, a.n, tasks=fams, templates=a.templates)
    lines = {f: [] for f in fams}
    for i, p in enumerate(probs):
        lines[p.task].append(json.dumps({"id": f"{p.task}-{len(lines[p.task]) + 1}", "prompt": p.question,
                                         "answer": p.answer, "extract": "answer-is"}, ensure_ascii=False))
    for f, ls in lines.items():
        with open(os.path.join(a.out, f"{f}.jsonl"), "w") as fh:
            fh.write("\n".join(ls) + "\n")
    with open(os.path.join(a.out, "all.jsonl"), "w") as fh:
        fh.write("\n".join(sum(lines.values(), [])) + "\n")
    print(f"{len(probs)} problems in {a.out}")


if __name__ == "__main__":
    main()
