"""Evaluate the exported demo model on held-out problems, with the budget policies ThinkScope offers.

  python3 evaluate.py --ckpt runs/demo/final.pt --n 100 --out runs/demo/eval

Policies (greedy decoding; the thinking budget counts tokens generated after <think>, forced "Wait"s included):
  nothink       the template's empty think block (enable_thinking=false), then the answer
  cap(n)        Qwen style: when n thinking tokens are reached without </think>, append
                "\\n\\nConsidering the limited time by the user, ...directly now.\\n</think>\\n\\n" and let it answer
  unlimited     think until the model closes the think block (safety cap 600 tokens)
  exact(n)      s1 budget forcing: whenever the model tries to close the think block before n tokens, the
                </think> is replaced by "Wait"; at n tokens the early-stop text is appended as in cap(n)

The model evaluated is the exported one (token_embd through its Q8_0 round trip).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import qwen_vocab as qv  # noqa: E402
from chat import EARLY_STOP, WAIT, prompt_ids  # noqa: E402
from export_gguf import load_exported  # noqa: E402
from model import rope_tables  # noqa: E402
import tasks  # noqa: E402
from tasks import TASKS, ARITH_TASKS, check_answer, test_set  # noqa: E402

STOP_IDS = qv.encode(EARLY_STOP)
WAIT_IDS = qv.encode(WAIT)
UNLIMITED_CAP = 600
ANSWER_MAX = 48


class Policy:
    def __init__(self, name, thinking=True, cap=None, exact=None):
        self.name, self.thinking, self.cap, self.exact = name, thinking, cap, exact


def policies(budgets=(0, 8, 16, 32, 64, 128), exacts=(128, 192, 256, 320)):
    out = [Policy("nothink", thinking=False)]
    out += [Policy(f"cap({b})", cap=b) for b in budgets]
    out.append(Policy("unlimited", cap=UNLIMITED_CAP))
    out += [Policy(f"exact({n})", cap=n, exact=n) for n in exacts]
    return out


@torch.no_grad()
def step_forward(model, tokens, positions, pad, caches, q_start):
    """tokens [B,T] at positions [B,T]; pad[i] = number of left-pad slots; caches: per-layer dicts."""
    B, T = tokens.shape
    Tk = q_start + T
    kj = torch.arange(Tk)[None, None, :]
    qi = (torch.arange(T) + q_start)[None, :, None]
    mask = ((kj <= qi) & (kj >= pad[:, None, None]))[:, None]
    h, _ = model.hidden_states(tokens, positions, mask, None, caches)
    routes = [blk.moe.last_idx.clone() for blk in model.blocks]   # [B,T,k] each
    return model.compact_logits(h[:, -1]), h, routes


@torch.no_grad()
def generate(model, problems, pol: Policy, route_stats=None, unused_stats=None):
    """Batched greedy generation with the budget policy. Returns a list of dicts per problem."""
    B = len(problems)
    used = set(model.used.tolist())
    first_unused = next(i for i in range(qv.N_VOCAB) if i not in used)  # what "the unused class" emits
    prompts = [prompt_ids(p.question, thinking=pol.thinking) for p in problems]
    L = max(len(x) for x in prompts)
    pad = torch.tensor([L - len(x) for x in prompts])
    toks = torch.full((B, L), qv.ENDOFTEXT, dtype=torch.long)
    for i, x in enumerate(prompts):
        toks[i, L - len(x):] = torch.tensor(x)
    pos = (torch.arange(L)[None] - pad[:, None]).clamp_min(0)
    caches = [dict() for _ in model.blocks]
    logits, _, _ = step_forward(model, toks, pos, pad, caches, 0)
    st = [{"phase": "think0" if pol.thinking else "answer", "think": [], "answer": [], "queue": [],
           "n_think": 0, "waits": 0, "forced_stop": False, "done": False, "len": len(prompts[i]),
           "unused_max": 0.0} for i in range(B)]
    cur = L
    unlimited_steps = (pol.cap or 0) + 60 + len(STOP_IDS) + ANSWER_MAX + 8 if pol.thinking else ANSWER_MAX + 2
    for _ in range(unlimited_steps):
        if all(s["done"] for s in st):
            break
        probs = torch.softmax(logits.double(), -1)   # compact: [used..., all unused ids together]
        best = torch.argmax(logits, -1).tolist()
        xs = []
        for i, s in enumerate(st):
            if s["done"]:
                xs.append(qv.ENDOFTEXT)
                continue
            # unseen-token mass at every generated step
            pu = float(probs[i, -1])
            s["unused_max"] = max(s["unused_max"], pu)
            if unused_stats is not None:
                unused_stats.append(pu)
            if s["queue"]:
                x = s["queue"].pop(0)
            else:
                x = int(model.used[best[i]]) if best[i] < len(model.used) else first_unused
                if s["phase"] == "think" and x == qv.END_THINK and pol.exact is not None and s["n_think"] < pol.exact:
                    x = WAIT_IDS[0]
                    s["queue"] = list(WAIT_IDS[1:])
                    s["waits"] += 1
            xs.append(x)
            # state update
            if s["phase"] == "think0":
                s["think"].append(x)
                if x == qv.THINK:
                    s["phase"] = "think"
                else:            # the model skipped <think>: treat as answering
                    s["phase"] = "answer"
                    s["answer"].append(x)
                    s["think"].pop()
            elif s["phase"] == "think":
                s["think"].append(x)
                if x == qv.END_THINK:
                    s["phase"] = "answer_gap"
                elif not s["forced_stop"]:
                    s["n_think"] += 1
            elif s["phase"] == "answer_gap":   # the "\n\n" after </think>
                if x == 271 or x == 198:
                    s["think"].append(x)
                    s["phase"] = "answer"
                else:
                    s["phase"] = "answer"
                    s["answer"].append(x)
            else:
                s["answer"].append(x)
            if x == qv.IM_END or x == qv.ENDOFTEXT or len(s["answer"]) >= ANSWER_MAX:
                s["done"] = True
            if (s["phase"] == "think" and not s["forced_stop"] and not s["queue"] and pol.cap is not None
                    and s["n_think"] >= pol.cap):
                s["queue"] = list(STOP_IDS)
                s["forced_stop"] = True
        x = torch.tensor(xs)[:, None]
        p = torch.tensor([s["len"] for s in st])[:, None]
        for s in st:
            s["len"] += 1
        logits, _, routes = step_forward(model, x, p, pad, caches, cur)
        cur += 1
        if route_stats is not None:
            for li, r in enumerate(routes):
                for i, s in enumerate(st):
                    if s["done"] and xs[i] == qv.ENDOFTEXT:
                        continue
                    ph = "answer" if s["phase"] in ("answer", "answer_gap") else "think"
                    for e in r[i, 0].tolist():
                        route_stats[(li, ph, problems[i].task, e)] += 1
    out = []
    for p, s in zip(problems, st):
        text = qv.decode([t for t in s["answer"] if t != qv.IM_END])
        out.append({"task": p.task, "question": p.question, "answer": p.answer,
                    "thinking": qv.decode(s["think"]), "output": text, "correct": check_answer(p, text),
                    "think_tokens": s["n_think"], "waits": s["waits"], "forced_stop": s["forced_stop"],
                    "unused_max": s["unused_max"]})
    return out


def prompt_route_stats(model, problems, stats):
    """Expert choices on prompt tokens (one forward per batch)."""
    for p in problems:
        ids = torch.tensor([prompt_ids(p.question)])
        T = ids.shape[1]
        pos = torch.arange(T)[None]
        model.hidden_states(ids, pos, torch.ones(T, T, dtype=torch.bool).tril())
        for li, blk in enumerate(model.blocks):
            for e in blk.moe.last_idx[0].reshape(-1).tolist():
                stats[(li, "prompt", p.task, e)] += 1


@torch.no_grad()
def unused_all_positions(model, problems, seed=7):
    """p(never-seen ids) at every position of full conversations in every training format (prompt tokens,
    thinking, forced early-stop text, answer), not only at generated steps."""
    from chat import build_sample, MODE_WEIGHTS
    rng = random.Random(seed)
    vals = []
    for i, p in enumerate(problems):
        for mode in MODE_WEIGHTS:
            s = build_sample(p, rng, mode)
            ids = torch.tensor([s.ids])
            T = ids.shape[1]
            h, _ = model.hidden_states(ids, torch.arange(T)[None], torch.ones(T, T, dtype=torch.bool).tril())
            vals += torch.softmax(model.compact_logits(h[0]).double(), -1)[:, -1].tolist()
    return {"positions": len(vals), "max": max(vals), "mean": sum(vals) / len(vals),
            "share_over_1pct": sum(v > 0.01 for v in vals) / len(vals)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "demo", "final.pt"))
    ap.add_argument("--n", type=int, default=100, help="held-out problems per task")
    ap.add_argument("--seed", type=int, default=20250)
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "demo", "eval"))
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--stage", type=int, default=2,
                    help="data stage of the held-out problems: 2 the phrasings and ranges of the first model's "
                         "evaluation (the default, comparable across models), 3 stage 3's")
    ap.add_argument("--templates", default="train", choices=["train", "heldout"],
                    help="stage 3: phrase the problems with the trained or the held-out templates")
    ap.add_argument("--policies", help="comma-separated policy names to run (default: all)")
    ap.add_argument("--exacts", default="128,192,256,320", help="exact(n) budgets")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tasks.set_stage(a.stage)
    os.makedirs(a.out, exist_ok=True)
    model, ck = load_exported(a.ckpt)
    probs = test_set(a.seed, a.n, templates=a.templates)
    pols = policies(exacts=tuple(int(x) for x in a.exacts.split(","))) if not a.quick else [
        Policy("nothink", False), Policy("cap(32)", cap=32),
        Policy("unlimited", cap=UNLIMITED_CAP), Policy("exact(128)", cap=128, exact=128)]
    if a.policies:
        keep = a.policies.split(",")
        pols = [p for p in pols if p.name in keep]
    results, samples = {}, {}
    route_stats = defaultdict(int)
    unused = []
    t0 = time.time()
    for pol in pols:
        rows = []
        for i in range(0, len(probs), a.batch):
            rows += generate(model, probs[i:i + a.batch], pol,
                             route_stats if pol.name == "unlimited" else None, unused)
        acc = {t: sum(r["correct"] for r in rows if r["task"] == t) / max(1, sum(r["task"] == t for r in rows))
               for t in TASKS}
        ar = [r for r in rows if r["task"] in ARITH_TASKS]
        results[pol.name] = {
            "per_task": acc,
            "all": sum(r["correct"] for r in rows) / len(rows),
            "arith": sum(r["correct"] for r in ar) / len(ar),
            "mean_think_tokens": sum(r["think_tokens"] for r in rows) / len(rows),
            "mean_waits": sum(r["waits"] for r in rows) / len(rows),
            "forced_stop_rate": sum(r["forced_stop"] for r in rows) / len(rows),
            "unused_mass_max": max(r["unused_max"] for r in rows),
        }
        samples[pol.name] = rows[:: max(1, len(rows) // 14)][:14]
        print(f"{pol.name:12s} all {results[pol.name]['all']:.3f} arith {results[pol.name]['arith']:.3f} "
              f"think {results[pol.name]['mean_think_tokens']:.1f} "
              + " ".join(f"{t}={acc[t]:.2f}" for t in TASKS) + f"  [{time.time() - t0:.0f}s]", flush=True)
    prompt_route_stats(model, probs[:: 4], route_stats)
    rs = [[k[0], k[1], k[2], k[3], v] for k, v in sorted(route_stats.items())]
    ua = unused_all_positions(model, probs[:: max(1, len(probs) // 70)])
    print("unseen-token mass at all positions of full conversations:", ua)
    summary = {"n_per_task": a.n, "seed": a.seed, "stage": a.stage, "templates": a.templates, "results": results,
               "unused_mass": {"steps": len(unused), "max": max(unused), "mean": sum(unused) / len(unused)},
               "unused_mass_all_positions": ua,
               "routing_counts": rs, "config": ck["config"]}
    with open(os.path.join(a.out, "eval.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(a.out, "samples.json"), "w") as f:
        json.dump(samples, f, indent=1, ensure_ascii=False)
    print(f"unseen-token mass over {len(unused)} generated steps: max {max(unused):.2e} mean {sum(unused) / len(unused):.2e}")


if __name__ == "__main__":
    main()
