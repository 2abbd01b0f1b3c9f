"""Final training step for the shared "unused" row: make sure the never-seen ids stay under 1% of the mass.

  python3 calibrate_unused.py --ckpt runs/demo/final.pt --out runs/demo/final_cal.pt

Training keeps the total probability of the ~151,450 never-seen ids (which all share one embedding row) tiny
on average, but the tail matters: the rule is < 1% at every step. This step freezes the whole network and
trains only that shared row, on the final hidden states of fresh conversations in every format (prompt
tokens, thinking, forced early-stop text, answers), and on the model's own greedy outputs (including s1 forcing with several
"Wait"s), with the loss -log(1 - p_unused) plus a hinge that pushes every position below p_unused ~ 1e-4. Every other weight, and so every logit of a used id, is unchanged.
"""
from __future__ import annotations

import argparse
import os
import random
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import chat  # noqa: E402
import tasks  # noqa: E402
from chat import build_sample  # noqa: E402
from export_gguf import load_trained  # noqa: E402
from tasks import make_problem  # noqa: E402


@torch.no_grad()
def hidden_bank(model, n_problems, seed, split="train"):
    rng = random.Random(seed)
    hs = []
    for _ in range(n_problems):
        p = make_problem(rng, split=split)
        for mode in (chat.MODE_WEIGHTS_3 if tasks.STAGE >= 3 else chat.MODE_WEIGHTS):
            s = build_sample(p, rng, mode)
            ids = torch.tensor([s.ids])
            T = ids.shape[1]
            h, _ = model.hidden_states(ids, torch.arange(T)[None], torch.ones(T, T, dtype=torch.bool).tril())
            hs.append(h[0])
    return torch.cat(hs)


@torch.no_grad()
def self_generated_bank(model, n_problems, seed, exact=256):
    """Hidden states along the model's own greedy outputs (unlimited thinking and s1 forcing with several
    "Wait"s), on training-split problems: the places generation actually goes, mistakes included."""
    import qwen_vocab as qv
    import evaluate as ev
    from chat import prompt_ids
    rng = random.Random(seed)
    probs = [make_problem(rng) for _ in range(n_problems)]
    hs = []
    for pol in (ev.Policy("unlimited", cap=ev.UNLIMITED_CAP), ev.Policy(f"exact({exact})", cap=exact, exact=exact),
                ev.Policy("nothink", thinking=False)):
        for i in range(0, len(probs), 128):
            rows = ev.generate(model, probs[i:i + 128], pol)
            for p, r in zip(probs[i:i + 128], rows):
                ids = prompt_ids(p.question, thinking=pol.thinking) + qv.encode(r["thinking"] + r["output"])
                ids = torch.tensor([ids[:448 if exact <= 256 else 768]])
                T = ids.shape[1]
                with torch.no_grad():
                    h, _ = model.hidden_states(ids, torch.arange(T)[None], torch.ones(T, T, dtype=torch.bool).tril())
                hs.append(h[0])
    return torch.cat(hs)


def stats(model, H, e_u):
    lg_used = H @ model.embed[:-1].t()
    z = H @ e_u + model.unused_bias - torch.logsumexp(lg_used, -1)
    p = torch.sigmoid(z)
    return float(p.max()), float(p.mean()), float((p > 0.01).float().mean())  # noqa


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "demo", "final.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "demo", "final_cal.pt"))
    ap.add_argument("--problems", type=int, default=600)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--iters", type=int, default=1500)
    ap.add_argument("--self-gen", type=int, default=384, help="problems whose greedy outputs join the bank")
    ap.add_argument("--stage", type=int, default=tasks.STAGE, help="data stage of the conversations (tasks.py)")
    ap.add_argument("--exact", type=int, default=256, help="the s1 forcing budget of the self-generated outputs")
    a = ap.parse_args()
    tasks.set_stage(a.stage)
    torch.set_num_threads(2)
    model, ck = load_trained(a.ckpt)
    H = hidden_bank(model, a.problems, a.seed)
    if a.self_gen:
        H = torch.cat([H, self_generated_bank(model, a.self_gen, a.seed + 2, a.exact)])
    Hv = hidden_bank(model, 150, a.seed + 1, split="test")
    with torch.no_grad():
        lse_used = torch.logsumexp(H @ model.embed[:-1].t(), -1)
    e_u = model.embed[-1].detach().clone().requires_grad_(True)
    before = stats(model, Hv, e_u.detach())
    opt = torch.optim.Adam([e_u], lr=2e-2)
    for it in range(a.iters):
        z = H @ e_u + model.unused_bias - lse_used
        loss = torch.nn.functional.softplus(z).mean() + 10.0 * torch.relu(z + 9.0).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = stats(model, Hv, e_u.detach())
    print(f"positions: {H.shape[0]} train, {Hv.shape[0]} held-out; held-out p_unused max/mean/share>1%: "
          f"before {before[0]:.2e}/{before[1]:.2e}/{before[2]:.2e}  after {after[0]:.2e}/{after[1]:.2e}/{after[2]:.2e}")
    with torch.no_grad():
        model.embed[-1].copy_(e_u.detach())
    ck = dict(ck)
    ck["model"] = model.state_dict()
    ck["unused_calibration"] = {"problems": a.problems, "seed": a.seed, "iters": a.iters, "self_gen": a.self_gen,
                                "heldout_before": before, "heldout_after": after}
    torch.save(ck, a.out)


if __name__ == "__main__":
    main()
