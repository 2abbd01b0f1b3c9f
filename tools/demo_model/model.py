"""A small Qwen3-MoE in PyTorch, computing exactly what llama.cpp's qwen3moe graph computes:
RMSNorm, per-head QK-norm before RoPE, NEOX RoPE, GQA (consecutive query heads share a KV head),
softmax router over all experts -> top-k -> renormalise, SwiGLU experts, tied output embedding.

Training vocabulary: only `used_ids` (token ids that occur in the data) have their own embedding row;
every other id of the 151,936 shares one trained row ("unused"). The output layer scores the used ids plus
one "unused" class whose logit gets + log(number of unused ids), which is exactly the total probability
the exported model (where each unused id has the shared row) puts on all unused ids together.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

N_VOCAB = 151936


@dataclass
class Config:
    hidden: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    head_dim: int = 32
    experts: int = 8
    experts_used: int = 2
    expert_ff: int = 256
    rope_base: float = 10000.0
    eps: float = 1e-6
    context: int = 1024
    n_used: int = 0          # number of used token ids (the model has n_used + 1 rows)

    def to_dict(self):
        return asdict(self)


def rms_norm(x, w, eps):
    x32 = x.float()
    return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)) * w


def rope_tables(head_dim, base, positions):
    """cos/sin for NEOX RoPE: pairs (i, i + d/2), theta_i = pos * base^(-2i/d)."""
    half = head_dim // 2
    inv = base ** (-torch.arange(0, half, dtype=torch.float64) * 2.0 / head_dim)
    ang = positions.double()[..., None] * inv  # [..., half]
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    # x: [B, H, T, D]; cos/sin: [B, 1, T, D/2]
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Attention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.wq = nn.Linear(c.hidden, c.heads * c.head_dim, bias=False)
        self.wk = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=False)
        self.wv = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=False)
        self.wo = nn.Linear(c.heads * c.head_dim, c.hidden, bias=False)
        self.q_norm = nn.Parameter(torch.ones(c.head_dim))
        self.k_norm = nn.Parameter(torch.ones(c.head_dim))

    def forward(self, x, cos, sin, mask, cache=None):
        c = self.c
        B, T, _ = x.shape
        q = self.wq(x).view(B, T, c.heads, c.head_dim)
        k = self.wk(x).view(B, T, c.kv_heads, c.head_dim)
        v = self.wv(x).view(B, T, c.kv_heads, c.head_dim)
        q = rms_norm(q, self.q_norm, c.eps).transpose(1, 2)
        k = rms_norm(k, self.k_norm, c.eps).transpose(1, 2)
        v = v.transpose(1, 2)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        if cache is not None:
            if "k" in cache:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        rep = c.heads // c.kv_heads
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.wo(o.transpose(1, 2).reshape(B, T, c.heads * c.head_dim))


class MoE(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        E, H, Fd = c.experts, c.hidden, c.expert_ff
        self.router = nn.Linear(H, E, bias=False)
        self.w_gate = nn.Parameter(torch.randn(E, Fd, H) * (1.0 / math.sqrt(H)))
        self.w_up = nn.Parameter(torch.randn(E, Fd, H) * (1.0 / math.sqrt(H)))
        self.w_down = nn.Parameter(torch.randn(E, H, Fd) * (0.5 / math.sqrt(Fd)))

    def forward(self, x, valid=None):
        c = self.c
        shp = x.shape
        x2 = x.reshape(-1, shp[-1])
        logits = self.router(x2)
        probs = torch.softmax(logits.float(), dim=-1)
        w, idx = torch.topk(probs, c.experts_used, dim=-1)
        w = w / w.sum(-1, keepdim=True).clamp_min(6.103515625e-5)
        out = torch.zeros_like(x2)
        for e in range(c.experts):
            sel = (idx == e)
            rows = sel.any(-1).nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            we = (w * sel).sum(-1)[rows]
            xe = x2[rows]
            h = F.silu(xe @ self.w_gate[e].t()) * (xe @ self.w_up[e].t())
            out.index_add_(0, rows, (h @ self.w_down[e].t()) * we[:, None])
        # Switch-style load-balancing loss over valid tokens
        if valid is not None:
            vm = valid.reshape(-1).float()
        else:
            vm = torch.ones(x2.shape[0], device=x.device)
        n = vm.sum().clamp_min(1.0)
        frac = (F.one_hot(idx, c.experts).sum(1).float() * vm[:, None]).sum(0) / (n * c.experts_used)
        pmean = (probs * vm[:, None]).sum(0) / n
        aux = c.experts * (frac * pmean).sum()
        self.last_idx = idx.view(*shp[:-1], c.experts_used)
        return out.view(shp), aux


class Block(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.attn_norm = nn.Parameter(torch.ones(c.hidden))
        self.ffn_norm = nn.Parameter(torch.ones(c.hidden))
        self.attn = Attention(c)
        self.moe = MoE(c)
        self.eps = c.eps

    def forward(self, x, cos, sin, mask, valid=None, cache=None):
        x = x + self.attn(rms_norm(x, self.attn_norm, self.eps), cos, sin, mask, cache)
        m, aux = self.moe(rms_norm(x, self.ffn_norm, self.eps), valid)
        return x + m, aux


class QwenMoE(nn.Module):
    def __init__(self, c: Config, used_ids: list[int]):
        super().__init__()
        assert c.n_used == len(used_ids)
        self.c = c
        self.embed = nn.Parameter(torch.randn(c.n_used + 1, c.hidden) * 0.02)
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.layers)])
        self.out_norm = nn.Parameter(torch.ones(c.hidden))
        for blk in self.blocks:
            for lin in (blk.attn.wq, blk.attn.wk, blk.attn.wv, blk.attn.wo, blk.moe.router):
                nn.init.normal_(lin.weight, std=0.02)
            nn.init.normal_(blk.attn.wo.weight, std=0.02 / math.sqrt(2 * c.layers))
        lut = torch.full((N_VOCAB,), c.n_used, dtype=torch.long)
        lut[torch.tensor(used_ids, dtype=torch.long)] = torch.arange(c.n_used)
        self.register_buffer("lut", lut, persistent=False)
        self.register_buffer("used", torch.tensor(used_ids, dtype=torch.long), persistent=False)
        self.unused_bias = math.log(N_VOCAB - c.n_used)

    def hidden_states(self, ids, positions, mask, valid=None, caches=None):
        x = self.embed[self.lut[ids]]
        cos, sin = rope_tables(self.c.head_dim, self.c.rope_base, positions)
        cos, sin = cos[:, None], sin[:, None]
        aux = 0.0
        for i, blk in enumerate(self.blocks):
            x, a = blk(x, cos, sin, mask, valid, None if caches is None else caches[i])
            aux = aux + a
        return rms_norm(x, self.out_norm, self.c.eps), aux / len(self.blocks)

    def compact_logits(self, h):
        """Logits over [used ids..., unused class]; the unused class already includes + log(n_unused)."""
        lg = h @ self.embed.t()
        bias = torch.zeros(lg.shape[-1])
        bias[-1] = self.unused_bias
        return lg + bias

    def forward_train(self, ids, targets, loss_mask, valid):
        B, T = ids.shape
        pos = torch.arange(T)[None].expand(B, T)
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        h, aux = self.hidden_states(ids, pos, causal, valid)
        lg = self.compact_logits(h)
        tgt = self.lut[targets]
        ce = F.cross_entropy(lg.view(-1, lg.shape[-1]), tgt.view(-1), reduction="none").view(B, T)
        m = loss_mask.float()
        loss = (ce * m).sum() / m.sum().clamp_min(1)
        # keep the never-seen ids' mass low at every position, also where nothing is trained (prompt, forced
        # early-stop text, deliberate mistakes): -log(1 - p_unused), averaged over all real positions
        logp_unused = lg[..., -1] - torch.logsumexp(lg, -1)
        vm = valid.float()
        unused_loss = (-torch.log1p(-torch.exp(logp_unused).clamp(max=1 - 1e-6)) * vm).sum() / vm.sum().clamp_min(1)
        with torch.no_grad():
            p_unused = torch.softmax(lg, -1)[..., -1]
            unused_mass = (p_unused * m).sum() / m.sum().clamp_min(1)
            unused_max = (p_unused * m).max()
        with torch.no_grad():
            unused_all_max = (p_unused * vm).max()
        return loss, aux, unused_loss, {"unused_mass_mean": unused_mass.item(), "unused_mass_max": unused_max.item(),
                                        "unused_all_max": unused_all_max.item()}

    def full_logits(self, h):
        """Logits over the full 151,936 vocabulary (unused ids get the shared row)."""
        lg = h @ self.embed.t()
        full = lg[..., -1:].expand(*lg.shape[:-1], N_VOCAB).clone()
        full[..., self.used] = lg[..., :-1]
        return full


def make_mask(lengths_pad_left, T_q, T_k, q_start):
    """Boolean attention mask [B,1,Tq,Tk] for left-padded sequences: key j visible from query i if
    j >= pad and j <= q_start + i."""
    B = len(lengths_pad_left)
    kj = torch.arange(T_k)[None, None, :]
    qi = (torch.arange(T_q) + q_start)[None, :, None]
    pad = torch.tensor(lengths_pad_left)[:, None, None]
    return ((kj <= qi) & (kj >= pad))[:, None]
