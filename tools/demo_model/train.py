"""Train the ThinkScope demo model (PyTorch CPU).

  python3 train.py --out runs/demo --minutes 60 --seed 1234         # train (resumes if a checkpoint exists)
  python3 train.py --out runs/demo2 --init runs/demo/ckpt.pt --stage 2 --lr 1.2e-3 --minutes 70
                                                                     # a second stage: new data, new schedule

Writes runs/demo/{config.json, used_ids.json, ckpt.pt, train_log.csv}. Samples are generated on the fly
from the seed (tasks.py + chat.py); held-out problems are never produced for training.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import qwen_vocab as qv  # noqa: E402
from chat import build_sample, THINK, ANSWER, prompt_ids  # noqa: E402
from model import Config, QwenMoE  # noqa: E402
import tasks  # noqa: E402
from tasks import make_problem, test_set, TASKS  # noqa: E402

MAX_LEN_BY_STAGE = {1: 384, 2: 512, 3: 768}   # stage 2's chains of forced self-checks are longer; stage 3 has 3-digit × 2-digit products


def collect_used_ids(seed: int, n: int = 20000) -> list[int]:
    """Token ids that occur in the data: sampled training and test text, all special tokens."""
    rng = random.Random(seed ^ 0x5EED)
    used = set(range(qv.N_BPE, qv.N_BPE + len(qv.SPECIAL_TOKENS)))
    for i in range(n):
        p = make_problem(rng, split="train" if i % 4 else "test")
        for mode in ("check", "cut", "soft_nothink") + (("short", "long", "think") if tasks.STAGE >= 3 else ()):
            used.update(build_sample(p, rng, mode).ids)
        if p.bad_trace:
            used.update(qv.encode("".join(s for s, _ in p.bad_trace + p.bad_fix)))
    for p in test_set(seed + 1, 50):
        used.update(prompt_ids(p.question))
    if tasks.STAGE >= 3:    # held-out phrasings are never trained, but their ids must not be "never seen"
        for p in test_set(seed + 2, 50, templates="heldout"):
            used.update(prompt_ids(p.question))
    used.update(qv.encode("Wait"))
    return sorted(used)


def grow_vocab(ck, new_ids):
    """The checkpoint with rows for new_ids added to the compact vocabulary, each a copy of the shared row."""
    used, emb = ck["used_ids"], ck["model"]["embed"]
    pos = {t: i for i, t in enumerate(used)}
    ids = sorted(set(used) | set(new_ids))
    rows = [emb[pos[t]] if t in pos else emb[-1] for t in ids] + [emb[-1]]
    ck = dict(ck)
    ck["model"] = dict(ck["model"], embed=torch.stack(rows).clone())
    ck["used_ids"] = ids
    ck["config"] = dict(ck["config"], n_used=len(ids))
    return ck


def batches(rng: random.Random, tokens_per_batch: int, max_len: int, pool: int = 12):
    """Length-bucketed batches of fresh samples: (ids, targets, loss_mask, valid, phase, is_nothink)."""
    while True:
        samples = []
        total = 0
        while total < tokens_per_batch * pool:
            s = build_sample(make_problem(rng), rng)
            if len(s.ids) > max_len:
                continue
            samples.append(s)
            total += len(s.ids)
        samples.sort(key=lambda s: len(s.ids))
        groups, cur, cur_max = [], [], 0
        for s in samples:
            m = max(cur_max, len(s.ids))
            if cur and m * (len(cur) + 1) > tokens_per_batch:
                groups.append(cur)
                cur, m = [], len(s.ids)
            cur.append(s)
            cur_max = m
        if cur:
            groups.append(cur)
        rng.shuffle(groups)
        for g in groups:
            T = max(len(s.ids) for s in g) - 1
            B = len(g)
            ids = torch.full((B, T), qv.ENDOFTEXT, dtype=torch.long)
            tgt = torch.full((B, T), qv.ENDOFTEXT, dtype=torch.long)
            lm = torch.zeros((B, T), dtype=torch.bool)
            valid = torch.zeros((B, T), dtype=torch.bool)
            phase = torch.zeros((B, T), dtype=torch.long)
            for i, s in enumerate(g):
                n = len(s.ids) - 1
                ids[i, :n] = torch.tensor(s.ids[:-1])
                tgt[i, :n] = torch.tensor(s.ids[1:])
                lm[i, :n] = torch.tensor(s.mask[1:])
                valid[i, :n] = True
                phase[i, :n] = torch.tensor(s.phase[1:])
            yield ids, tgt, lm, valid, phase


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "demo"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--minutes", type=float, default=60.0, help="wall-clock training budget")
    ap.add_argument("--steps", type=int, default=0, help="steps for the LR schedule; training ends at --steps or --minutes, whichever comes first")
    ap.add_argument("--tokens-per-batch", type=int, default=8192)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warm", type=int, default=200, help="warm-up steps of the schedule")
    ap.add_argument("--stage", type=int, default=tasks.STAGE, help="data stage (tasks.py): 1 the first run, 2 its "
                                                                  "continuation, 3 phrasings, real re-checks, styles (from the shipped GGUF)")
    ap.add_argument("--init", help="start from this checkpoint's weights and optimiser with a new schedule "
                                   "(when --out has no checkpoint of its own)")
    ap.add_argument("--stop-step", type=int, default=0,
                    help="stop at this step without changing the schedule (stage 3's first leg was stopped at 1015)")
    ap.add_argument("--grow-vocab", action="store_true",
                    help="with --init: give token ids the new data uses a row of their own (AdamW starts fresh)")
    ap.add_argument("--aux", type=float, default=0.02, help="load-balancing loss weight")
    ap.add_argument("--unused-loss", type=float, default=1.0,
                    help="weight of -log(1 - p(never-seen ids)) at every position (prompt and forced text too)")
    ap.add_argument("--unused-loss-start", type=int, default=0, help="step from which that term is on")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--experts", type=int, default=8)
    ap.add_argument("--expert-ff", type=int, default=256)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tasks.set_stage(a.stage)
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "ckpt.pt")
    log_path = os.path.join(a.out, "train_log.csv")

    fresh_schedule = False
    if os.path.exists(ckpt_path) or a.init:
        fresh_schedule = not os.path.exists(ckpt_path)
        ck = torch.load(ckpt_path if not fresh_schedule else a.init, weights_only=False)
        cfg = Config(**ck["config"])
        used = ck["used_ids"]
        print(f"{'resuming' if not fresh_schedule else 'starting from ' + a.init} at step {ck['step']}")
        if fresh_schedule:
            # the vocabulary is fixed by the first stage; a later stage's data must not bring new ids
            new = sorted(set(collect_used_ids(a.seed, n=3000)) - set(used))
            if new and ("opt" not in ck or a.grow_vocab):
                # a checkpoint imported from a GGUF (import_gguf.py) has no optimiser state yet: give the
                # new ids their own rows, starting from the shared row (what the file gives them)
                print(f"adding {len(new)} rows for new token ids: {[qv.decode([t]) for t in new[:20]]}")
                ck = grow_vocab(ck, new)
                ck.pop("opt", None)     # the optimiser state has the old shapes: AdamW starts fresh
                used = ck["used_ids"]
                cfg = Config(**ck["config"])
            elif new:
                sys.exit(f"stage {a.stage} data uses {len(new)} token ids that {a.init} was not trained with, "
                         f"e.g. {[qv.decode([t]) for t in new[:5]]}")
            with open(os.path.join(a.out, "used_ids.json"), "w") as f:
                json.dump(used, f)
            with open(os.path.join(a.out, "config.json"), "w") as f:
                json.dump(cfg.to_dict(), f, indent=1)
    else:
        ck = None
        t0 = time.time()
        used = collect_used_ids(a.seed)
        print(f"{len(used)} used token ids ({time.time() - t0:.0f}s)")
        cfg = Config(hidden=a.hidden, layers=a.layers, experts=a.experts, expert_ff=a.expert_ff, n_used=len(used))
        with open(os.path.join(a.out, "used_ids.json"), "w") as f:
            json.dump(used, f)
        with open(os.path.join(a.out, "config.json"), "w") as f:
            json.dump(cfg.to_dict(), f, indent=1)

    torch.manual_seed(a.seed)
    model = QwenMoE(cfg, used)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-8)
    step, tokens, elapsed = 0, 0, 0.0
    rng = random.Random(a.seed)
    # the schedule: warm-up, then cosine from lr to lr/10 over `minutes` of wall clock (elapsed counts this
    # schedule's time) or `steps` steps after start_step, whichever ends first
    sched = {"start_step": 0, "steps": a.steps, "lr": a.lr, "warm": a.warm}
    if ck is not None:
        model.load_state_dict(ck["model"])
        if "opt" in ck:     # an imported GGUF (import_gguf.py) has no optimiser state: AdamW starts fresh
            opt.load_state_dict(ck["opt"])
        step, tokens = ck["step"], ck["tokens"]
        if fresh_schedule:
            sched["start_step"] = step
        else:
            rng.setstate(ck["rng"])
            elapsed = ck["elapsed"]
            # checkpoints from before the schedule was stored ran the default schedule from step 0
            sched = ck["schedule"] if "schedule" in ck else dict(sched, steps=ck["total_steps"])
    n_params = sum(p.numel() for p in model.parameters())
    print(f"config {cfg.to_dict()}  params {n_params}")

    gen = batches(rng, a.tokens_per_batch, MAX_LEN_BY_STAGE[a.stage])
    new_log = not os.path.exists(log_path) or ck is None or fresh_schedule
    logf = open(log_path, "w" if new_log else "a", newline="")
    w = csv.writer(logf)
    if new_log:
        w.writerow(["step", "minutes", "tokens", "lr", "loss", "loss_think", "loss_answer", "aux",
                    "unused_mass_mean", "unused_mass_max", "unused_mass_max_all_positions"])
    last_ck = time.time()
    t_start = time.time() - elapsed
    acc = {"loss": 0.0, "lt": 0.0, "la": 0.0, "aux": 0.0, "um": 0.0, "ux": 0.0, "ua": 0.0, "n": 0}
    while True:
        elapsed = time.time() - t_start
        done = step - sched["start_step"]
        prog = elapsed / (a.minutes * 60)   # a resumed run may extend its wall-clock budget
        if sched["steps"]:
            prog = max(prog, done / sched["steps"])
        if prog >= 1.0 or (a.stop_step and step >= a.stop_step):
            break
        lr = sched["lr"] * min(1.0, (done + 1) / sched["warm"]) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * prog)))
        for g in opt.param_groups:
            g["lr"] = lr
        ids, tgt, lm, valid, phase = next(gen)
        model.train()
        loss, aux, uloss, st = model.forward_train(ids, tgt, lm, valid)
        uw = a.unused_loss if step >= a.unused_loss_start else 0.0
        (loss + a.aux * aux + uw * uloss).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        tokens += int(valid.sum())
        # per-phase loss (cheap: recompute from stats would need logits; approximate with masks)
        acc["loss"] += loss.item(); acc["aux"] += float(aux.detach()); acc["n"] += 1
        acc["um"] += st["unused_mass_mean"]; acc["ux"] = max(acc["ux"], st["unused_mass_max"])
        acc["ua"] = max(acc["ua"], st["unused_all_max"])
        if step % 25 == 0:
            with torch.no_grad():
                lt, la = phase_losses(model, ids, tgt, lm, valid, phase)
            n = acc["n"]
            row = [step, f"{(time.time() - t_start) / 60:.2f}", tokens, f"{lr:.2e}", f"{acc['loss'] / n:.4f}",
                   f"{lt:.4f}", f"{la:.4f}", f"{acc['aux'] / n:.4f}", f"{acc['um'] / n:.2e}", f"{acc['ux']:.2e}", f"{acc['ua']:.2e}"]
            w.writerow(row)
            logf.flush()
            print(" ".join(map(str, row)), flush=True)
            acc = {k: 0.0 for k in acc}; acc["n"] = 0
        if time.time() - last_ck > a.ckpt_minutes * 60:
            save(ckpt_path, model, opt, step, time.time() - t_start, sched, rng, cfg, used, tokens)
            last_ck = time.time()
    save(ckpt_path, model, opt, step, time.time() - t_start, sched, rng, cfg, used, tokens)
    torch.save({"config": cfg.to_dict(), "used_ids": used, "model": model.state_dict(), "step": step,
                "minutes": (time.time() - t_start) / 60, "tokens": tokens}, os.path.join(a.out, "final.pt"))
    print(f"done: {step} steps, {tokens} tokens, {(time.time() - t_start) / 60:.1f} min")


def phase_losses(model, ids, tgt, lm, valid, phase):
    was = model.training
    model.eval()
    B, T = ids.shape
    pos = torch.arange(T)[None].expand(B, T)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    h, _ = model.hidden_states(ids, pos, causal, valid)
    lg = model.compact_logits(h)
    ce = torch.nn.functional.cross_entropy(lg.view(-1, lg.shape[-1]), model.lut[tgt].view(-1),
                                           reduction="none").view(B, T)
    out = []
    for ph in (THINK, ANSWER):
        m = (lm & (phase == ph)).float()
        out.append(float((ce * m).sum() / m.sum().clamp_min(1)))
    model.train(was)
    return out


def save(path, model, opt, step, elapsed, sched, rng, cfg, used, tokens):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed,
                "schedule": sched, "rng": rng.getstate(), "config": cfg.to_dict(), "used_ids": used,
                "tokens": tokens}, tmp)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
