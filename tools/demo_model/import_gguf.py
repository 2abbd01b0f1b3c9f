"""Import a demo-model GGUF back into a training checkpoint of model.py, so a new stage can start from the
shipped weights (`train.py --init`) without the runs/ directory of the original training.

  python3 import_gguf.py --gguf ../../Sources/EmbeddedModel/thinkscope-demo.gguf --out runs/imported/ckpt.pt \
                         [--stage 3]     # also give rows to the token ids that stage's data newly uses

The compact training vocabulary is recovered from `token_embd`: every id that never occurred in training
holds the one shared row, so the used ids are exactly the rows that differ from the most common row. Their
weights are the Q8_0-dequantized values, so the imported model computes what the GGUF computes (re-export
quantizes them to the same bytes: a Q8_0 block that is already on the grid maps onto itself).

With `--stage N`, token ids that the stage's data uses but the file has no row for (new Chinese characters,
quotes, `*`, ...) get their own row, initialised to the shared row: in the GGUF they already have that row,
so the imported model still computes exactly the file's logits, and training then moves them apart.

`--check` compares the imported model's full-vocabulary logits with Tests/Fixtures/demo-parity.json (PyTorch
side of the fixture made from that file) and prints the largest difference.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
from model import Config, QwenMoE, N_VOCAB  # noqa: E402


def read_gguf(path):
    import gguf
    r = gguf.GGUFReader(path)
    A = "qwen3moe"

    def kv(name):
        f = r.fields[name]
        return f.parts[f.data[0]][0].item()

    cfg = Config(hidden=kv(f"{A}.embedding_length"), layers=kv(f"{A}.block_count"),
                 heads=kv(f"{A}.attention.head_count"), kv_heads=kv(f"{A}.attention.head_count_kv"),
                 head_dim=kv(f"{A}.attention.key_length"), experts=kv(f"{A}.expert_count"),
                 experts_used=kv(f"{A}.expert_used_count"), expert_ff=kv(f"{A}.expert_feed_forward_length"),
                 rope_base=float(kv(f"{A}.rope.freq_base")), eps=float(kv(f"{A}.attention.layer_norm_rms_epsilon")))
    tensors = {}
    for t in r.tensors:
        if t.tensor_type == gguf.GGMLQuantizationType.F32:
            shape = [int(x) for x in reversed(t.shape)]
            tensors[t.name] = np.asarray(t.data, dtype=np.float32).reshape(shape).copy()
        else:
            raw = np.asarray(t.data)
            tensors[t.name] = gguf.quants.dequantize(raw, t.tensor_type).reshape(N_VOCAB, -1).astype(np.float32)
    return cfg, tensors


def compact_vocab(emb: np.ndarray):
    """(used ids, shared row): the shared row is the most common row of token_embd."""
    rows, inverse, counts = np.unique(emb, axis=0, return_inverse=True, return_counts=True)
    shared = int(np.argmax(counts))
    used = np.nonzero(inverse.reshape(-1) != shared)[0]
    return [int(i) for i in used], rows[shared]


def import_gguf(path, extra_ids=()):
    cfg, T = read_gguf(path)
    emb = T["token_embd.weight"]
    used, shared = compact_vocab(emb)
    extra = sorted(set(int(i) for i in extra_ids) - set(used))
    all_ids = sorted(used + extra)
    cfg.n_used = len(all_ids)
    m = QwenMoE(cfg, all_ids)
    with torch.no_grad():
        rows = np.repeat(shared[None], len(all_ids) + 1, axis=0)
        rows[:-1] = emb[np.array(all_ids)]          # extra ids hold the shared row in the file too
        m.embed.copy_(torch.from_numpy(rows))
        for i, b in enumerate(m.blocks):
            p = f"blk.{i}."
            g = lambda n: torch.from_numpy(T[p + n])  # noqa: E731
            b.attn_norm.copy_(g("attn_norm.weight"))
            b.attn.wq.weight.copy_(g("attn_q.weight"))
            b.attn.wk.weight.copy_(g("attn_k.weight"))
            b.attn.wv.weight.copy_(g("attn_v.weight"))
            b.attn.q_norm.copy_(g("attn_q_norm.weight"))
            b.attn.k_norm.copy_(g("attn_k_norm.weight"))
            b.attn.wo.weight.copy_(g("attn_output.weight"))
            b.ffn_norm.copy_(g("ffn_norm.weight"))
            b.moe.router.weight.copy_(g("ffn_gate_inp.weight"))
            b.moe.w_gate.copy_(g("ffn_gate_exps.weight"))
            b.moe.w_up.copy_(g("ffn_up_exps.weight"))
            b.moe.w_down.copy_(g("ffn_down_exps.weight"))
        m.out_norm.copy_(torch.from_numpy(T["output_norm.weight"]))
    m.eval()
    return m, used, extra


@torch.no_grad()
def check_against_fixture(m, fixture):
    """Max |logit difference| between the imported model and the fixture's PyTorch logits."""
    fx = json.load(open(fixture))
    ids = fx["ids"]
    T = len(ids)
    h, _ = m.hidden_states(torch.tensor([ids]), torch.arange(T)[None], torch.ones(T, T, dtype=torch.bool).tril())
    full = m.full_logits(h[0]).double().numpy()
    worst = 0.0
    for p in fx["positions"]:
        row = full[p["position"]]
        mine = row[np.array(p["top_ids"])]
        ref = np.array(p["torch_logits"] if "torch_logits" in p else p["torch_top_logits"])
        worst = max(worst, float(np.abs(mine - ref).max()))
    return worst, fx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=os.path.join(HERE, "..", "..", "Sources", "EmbeddedModel", "thinkscope-demo.gguf"))
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "imported", "ckpt.pt"))
    ap.add_argument("--stage", type=int, default=0, help="add rows for the token ids this data stage uses")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--check", default=os.path.join(HERE, "..", "..", "Tests", "Fixtures", "demo-parity.json"))
    a = ap.parse_args()
    torch.set_num_threads(2)
    extra = []
    if a.stage:
        import tasks
        from train import collect_used_ids
        tasks.set_stage(a.stage)
        extra = collect_used_ids(a.seed, n=6000)
    m, used, new = import_gguf(a.gguf, extra)
    print(f"{len(used)} used ids in the file, {len(new)} new rows for stage {a.stage}: "
          f"{[__import__('qwen_vocab').decode([t]) for t in new][:40]}")
    if a.check and os.path.exists(a.check):
        worst, fx = check_against_fixture(m, a.check)
        print(f"max |imported - fixture PyTorch logits| over the fixture's top-64 slices: {worst:.3e}")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save({"config": m.c.to_dict(), "used_ids": [int(x) for x in m.used.tolist()], "model": m.state_dict(),
                "step": 0, "tokens": 0, "imported_from": os.path.abspath(a.gguf), "file_used_ids": used,
                "new_ids": new}, a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
