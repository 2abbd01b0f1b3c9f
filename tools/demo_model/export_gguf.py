"""Export the trained demo model as a qwen3moe GGUF (token_embd Q8_0, everything else F32, tied output).

  python3 export_gguf.py --ckpt runs/demo/final.pt --out ../../models/thinkscope-demo.gguf

Every token id that never occurs in the training data gets the one shared, trained "unused" embedding row.
The Q8_0 quantizer is the ggml reference one (d = amax/127 as fp16, q = round(x/d)); `load_exported`
gives the PyTorch model with exactly the dequantized weights that the GGUF holds, for evaluation.
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
import qwen_vocab as qv  # noqa: E402
from chat import CHAT_TEMPLATE  # noqa: E402
from model import Config, QwenMoE, N_VOCAB  # noqa: E402

GGML_Q8_0 = 8


def q8_0_bytes(d: np.ndarray, q: np.ndarray) -> np.ndarray:
    r, nb = d.shape
    out = np.empty((r, nb, 34), dtype=np.uint8)
    out[..., :2] = d.view(np.uint8).reshape(r, nb, 2)
    out[..., 2:] = q.view(np.uint8)
    return out.reshape(r, nb * 34)


def q8_0_dequantize(d, q):
    return (q.astype(np.float32) * d.astype(np.float32)[..., None]).reshape(d.shape[0], -1)


def load_trained(path):
    ck = torch.load(path, weights_only=False)
    cfg = Config(**ck["config"])
    m = QwenMoE(cfg, ck["used_ids"])
    m.load_state_dict(ck["model"])
    m.eval()
    return m, ck


def _roundf(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantized_embedding(model: QwenMoE):
    """(d, q) for the compact rows [used..., shared] exactly as they appear in token_embd."""
    e = model.embed.detach().float().numpy()
    r, n = e.shape
    b = e.reshape(r, n // 32, 32)
    amax = np.abs(b).max(-1)
    d = amax / np.float32(127.0)
    inv = np.where(d != 0, np.float32(1.0) / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = _roundf(b * inv[..., None]).astype(np.int8)
    return d.astype(np.float16), q


def load_exported(path):
    """The trained model with token_embd replaced by its Q8_0 round trip (what the GGUF holds)."""
    m, ck = load_trained(path)
    d, q = quantized_embedding(m)
    with torch.no_grad():
        m.embed.copy_(torch.from_numpy(q8_0_dequantize(d, q)))
    return m, ck


def export(ckpt: str, out: str, name: str = "ThinkScope demo (Qwen3-MoE, tiny)"):
    import gguf
    m, ck = load_trained(ckpt)
    c = m.c
    used = ck["used_ids"]
    d, q = quantized_embedding(m)
    rows = q8_0_bytes(d, q)                      # [n_used + 1, 34 * hidden / 32]
    full = np.repeat(rows[-1:], N_VOCAB, axis=0)  # every id: the shared row
    full[np.array(used)] = rows[:-1]

    tokens, types, merges = qv.gguf_vocab()
    w = gguf.GGUFWriter(out, "qwen3moe")
    A = "qwen3moe"
    w.add_string("general.name", name)
    w.add_string("general.description",
                 "Tiny Qwen3-MoE trained by ThinkScope's tools/demo_model pipeline on synthetic step-by-step "
                 "arithmetic, decimal comparison, letter counting and sorting problems, with Qwen3 hybrid thinking.")
    w.add_uint32("general.quantization_version", 2)
    w.add_uint32("general.file_type", 7)
    w.add_uint32(f"{A}.block_count", c.layers)
    w.add_uint32(f"{A}.context_length", 2048)
    w.add_uint32(f"{A}.embedding_length", c.hidden)
    w.add_uint32(f"{A}.feed_forward_length", c.expert_ff * c.experts_used)
    w.add_uint32(f"{A}.expert_feed_forward_length", c.expert_ff)
    w.add_uint32(f"{A}.expert_count", c.experts)
    w.add_uint32(f"{A}.expert_used_count", c.experts_used)
    w.add_uint32(f"{A}.attention.head_count", c.heads)
    w.add_uint32(f"{A}.attention.head_count_kv", c.kv_heads)
    w.add_uint32(f"{A}.attention.key_length", c.head_dim)
    w.add_uint32(f"{A}.attention.value_length", c.head_dim)
    w.add_float32(f"{A}.attention.layer_norm_rms_epsilon", c.eps)
    w.add_float32(f"{A}.rope.freq_base", c.rope_base)
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", "qwen2")
    w.add_array("tokenizer.ggml.tokens", tokens)
    w.add_array("tokenizer.ggml.token_type", types)
    w.add_array("tokenizer.ggml.merges", merges)
    w.add_uint32("tokenizer.ggml.bos_token_id", qv.ENDOFTEXT)
    w.add_uint32("tokenizer.ggml.eos_token_id", qv.IM_END)
    w.add_uint32("tokenizer.ggml.padding_token_id", qv.ENDOFTEXT)
    w.add_bool("tokenizer.ggml.add_bos_token", False)
    w.add_string("tokenizer.chat_template", CHAT_TEMPLATE)

    f32 = lambda t: t.detach().float().numpy().astype(np.float32)  # noqa: E731
    w.add_tensor("token_embd.weight", full, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    for i, b in enumerate(m.blocks):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", f32(b.attn_norm))
        w.add_tensor(p + "attn_q.weight", f32(b.attn.wq.weight))
        w.add_tensor(p + "attn_k.weight", f32(b.attn.wk.weight))
        w.add_tensor(p + "attn_v.weight", f32(b.attn.wv.weight))
        w.add_tensor(p + "attn_q_norm.weight", f32(b.attn.q_norm))
        w.add_tensor(p + "attn_k_norm.weight", f32(b.attn.k_norm))
        w.add_tensor(p + "attn_output.weight", f32(b.attn.wo.weight))
        w.add_tensor(p + "ffn_norm.weight", f32(b.ffn_norm))
        w.add_tensor(p + "ffn_gate_inp.weight", f32(b.moe.router.weight))
        w.add_tensor(p + "ffn_gate_exps.weight", f32(b.moe.w_gate))
        w.add_tensor(p + "ffn_up_exps.weight", f32(b.moe.w_up))
        w.add_tensor(p + "ffn_down_exps.weight", f32(b.moe.w_down))
    w.add_tensor("output_norm.weight", f32(m.out_norm))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return os.path.getsize(out)


def verify(out: str, ckpt: str):
    """Read the file back: shapes, and that the dequantized token_embd equals the model used for eval."""
    import gguf
    r = gguf.GGUFReader(out)
    names = {t.name: t for t in r.tensors}
    te = names["token_embd.weight"]
    assert te.tensor_type == gguf.GGMLQuantizationType.Q8_0
    m, ck = load_exported(ckpt)
    raw = np.asarray(te.data).reshape(N_VOCAB, -1)
    deq = gguf.quants.dequantize(raw, gguf.GGMLQuantizationType.Q8_0).reshape(N_VOCAB, -1)
    used = ck["used_ids"]
    e = m.embed.detach().numpy()
    err_used = float(np.abs(deq[np.array(used)] - e[:-1]).max())
    unused_ids = np.setdiff1d(np.arange(N_VOCAB), np.array(used))
    err_unused = float(np.abs(deq[unused_ids] - e[-1]).max())
    print(f"tensors {len(r.tensors)}; token_embd {te.tensor_type.name} {list(te.shape)}; "
          f"max |gguf - eval model| used {err_used:.2e}, unused {err_unused:.2e}")
    assert err_used == 0 and err_unused == 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "demo", "final.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "models", "thinkscope-demo.gguf"))
    a = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    size = export(a.ckpt, a.out)
    print(f"wrote {a.out}: {size} bytes ({size / 2**20:.2f} MiB)")
    assert size <= 48 * 10**6, "over the 48 MB limit"
    verify(a.out, a.ckpt)
