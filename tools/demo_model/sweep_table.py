"""Run `thinkscope sweep` on the engine per task family and print a per-task accuracy table (the sweep itself
reports only pooled cells), plus s1's control / scaling / performance over all families.

  python3 sweep_table.py --bin ../../.build/release/thinkscope --model runs/new.gguf --tasks runs/tasks/train \
      --modes cap,no-think --budgets inf --out runs/sweeps/new-train

Each family's sweep JSON is kept in --out; an existing one is reused (delete it to rerun).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

TASKS = ["add", "sub", "mul", "compare", "count", "sort", "word"]
ARITH = ["add", "sub", "mul", "word"]


def run(a, fam):
    path = os.path.join(a.out, f"{fam}.json")
    if not os.path.exists(path):
        cmd = [a.bin, "sweep", "--tasks", os.path.join(a.tasks, f"{fam}.jsonl"), "--modes", a.modes,
               "--budgets", a.budgets, "--temperature", "0", "-t", str(a.threads), "--json", "--max-tokens", "1024"]
        if a.model:
            cmd += ["--model", a.model]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"{fam}: {r.stderr[-2000:]}")
        with open(path, "w") as f:
            f.write(r.stdout)
    return json.load(open(path))


def key(c):
    b = c.get("budget")
    return f"{c['mode']}({'inf' if b is None else b})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "thinkscope"))
    ap.add_argument("--model")
    ap.add_argument("--tasks", required=True, help="directory of per-family .jsonl files (make_taskfile.py)")
    ap.add_argument("--families", default=",".join(TASKS))
    ap.add_argument("--modes", default="cap,no-think")
    ap.add_argument("--budgets", default="inf")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    fams = a.families.split(",")
    cells = defaultdict(dict)   # policy -> fam -> (correct, runs, thinking tokens)
    for fam in fams:
        rep = run(a, fam)
        for c in rep["cells"]:
            cells[key(c)][fam] = (c["correct"], c["runs"], c["thinkingTokens"], c.get("withinBudget", 0))
    rows = []
    head = "| policy | " + " | ".join(fams) + " | arithmetic | all | mean thinking tokens | control |"
    rows.append(head)
    rows.append("|" + "---|" * (len(fams) + 5))
    summary = {}
    for pol, per in cells.items():
        def pooled(fs):
            c = sum(per[f][0] for f in fs if f in per)
            n = sum(per[f][1] for f in fs if f in per)
            return 100.0 * c / max(1, n)
        n_all = sum(v[1] for v in per.values())
        think = sum(v[2] for v in per.values()) / max(1, n_all)
        ctrl = 100.0 * sum(v[3] for v in per.values()) / max(1, n_all)
        ar = [f for f in fams if f in ARITH]
        summary[pol] = {"per_task": {f: 100.0 * per[f][0] / max(1, per[f][1]) for f in fams if f in per},
                        "arith": pooled(ar) if ar else None, "all": pooled(fams), "think": think, "control": ctrl,
                        "runs": n_all}
        rows.append(f"| {pol} | " + " | ".join(f"{100.0 * per[f][0] / max(1, per[f][1]):.0f}" if f in per else "–" for f in fams)
                    + f" | {pooled(ar):.1f} | {pooled(fams):.1f} | {think:.1f} | {ctrl:.0f}% |")
    # s1's table over all families: control, scaling (mean pairwise slope, points per 100 thinking tokens),
    # performance (best accuracy); the class-conditional method pools its short and long prompts
    groups = {"forcing exact(n)": [p for p in summary if p.startswith("exact(")],
              "forcing cap(n)": [p for p in summary if p.startswith("cap(")],
              "token-conditional": [p for p in summary if p.startswith("prompt-token(")],
              "step-conditional": [p for p in summary if p.startswith("prompt-step(")],
              "class-conditional": [p for p in summary if p.startswith("prompt-short") or p.startswith("prompt-long")]}
    s1 = {}
    rows += ["", "| method | control | scaling (pts/100 tok) | performance | cells (thinking tokens → accuracy, all tasks) |",
             "|---|---|---|---|---|"]
    for name, pols in groups.items():
        if not pols:
            continue
        pts = sorted((summary[p]["think"], summary[p]["all"], p) for p in pols)
        slopes = [(pts[j][1] - pts[i][1]) / (pts[j][0] - pts[i][0]) * 100
                  for i in range(len(pts)) for j in range(i + 1, len(pts)) if pts[j][0] > pts[i][0]]
        runs = sum(summary[p]["runs"] for p in pols)
        ctrl = sum(summary[p]["control"] * summary[p]["runs"] for p in pols) / max(1, runs)
        sc = sum(slopes) / len(slopes) if slopes else None
        perf = max(x[1] for x in pts)
        s1[name] = {"control": ctrl, "scaling": sc, "performance": perf}
        rows.append(f"| {name} | {ctrl:.0f}% | {'–' if sc is None else f'{sc:+.1f}'} | {perf:.1f} | "
                    + ", ".join(f"{p}: {t:.0f} → {acc:.1f}" for t, acc, p in pts) + " |")
    summary["_s1"] = s1
    print("\n".join(rows))
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write("\n".join(rows) + "\n")
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
