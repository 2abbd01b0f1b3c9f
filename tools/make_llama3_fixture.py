#!/usr/bin/env python3
"""Build the Llama-3 (`llama-bpe`: Llama-3.x, DeepSeek-R1-Distill-Llama) tokenizer parity fixtures from the
real Llama-3 vocabulary.

Writes
  Tests/Fixtures/llama3-vocab-subset.json   the part of the Llama-3 vocabulary the corpus needs
  Tests/Fixtures/tokenizer-corpus-llama3.json   llama.cpp's ids for the corpus on the FULL vocabulary
and, under --work (not committed), the full vocab-only GGUF (llama3-full.gguf) and the expanded subset GGUF
(llama3-subset.gguf) that llama.cpp checks. The method is tools/tiktoken_fixture.py's.

The vocabulary, as llama.cpp's convert_hf_to_gguf.py writes it for Llama-3 (`_set_vocab_gpt2`):
  * ranks: llama_models/llama3/tokenizer.model from the PyPI wheel `llama-models==0.3.0` (pip download
    --no-deps; only that member and tokenizer.py beside it are read); 128,000 ranks; merges: every split of
    a token into two tokens (280,147, the count of the published Llama-3 GGUFs);
  * ids 128,000..128,255: the 256 special tokens as that wheel's tokenizer.py lists them (its named ones,
    then `<|reserved_special_token_{2+i}|>`), all CONTROL (`special` added tokens; they also look special
    to the converter). This wheel's list is Llama-3.2's: 128005 is `<|step_id|>` and 128011 `<|image|>`
    where Llama-3.1 files have reserved tokens, so the reserved tokens after 128011 are numbered two lower
    than 3.1's (128255 is `<|reserved_special_token_245|>`, `_247` in 3.1). The ids of BOS, the chat tokens
    and every NORMAL token are the same in both;
  * tokenizer.ggml.pre = llama-bpe (llama.cpp: the Llama-3 regex, ignore_merges, BOS added by default),
    add_bos_token = true, bos 128000, eos 128001 and pad 128001, the ids DeepSeek-R1-Distill-Llama GGUFs
    carry (its tokenizer_config.json: add_bos_token true, bos `<｜begin▁of▁sentence｜>`, eos = pad =
    `<｜end▁of▁sentence｜>`, DeepSeek's texts at Llama's ids 128000 and 128001). Instruct Llama-3.x files
    have eos 128009 (`<|eot_id|>`); which one is EOS does not change tokenization.

usage: tools/make_llama3_fixture.py [--wheel-dir DIR] [--work /tmp/llama3]
"""
import ast, glob, os, sys, zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiktoken_fixture import Family, run  # noqa: E402

N_RANKS, N_SPECIAL = 128000, 256
# llama_models/llama3/tokenizer.py (llama-models 0.3.0): `special_tokens`, then reserved tokens from 2 on.
NAMED_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                  "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>",
                  "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>", "<|image|>"]
SPECIALS = NAMED_SPECIALS + [f"<|reserved_special_token_{2 + i}|>" for i in range(N_SPECIAL - len(NAMED_SPECIALS))]


def check_specials(wheel_dir):
    """The wheel's tokenizer.py lists exactly NAMED_SPECIALS, 256 special tokens in all, reserved ones from 2."""
    with zipfile.ZipFile(glob.glob(os.path.join(wheel_dir, "llama_models-*.whl"))[0]) as z:
        src = z.read("llama_models/llama3/tokenizer.py").decode()
    lists = [ast.literal_eval(n.value) for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == "special_tokens" for t in n.targets)
             and isinstance(n.value, ast.List)]
    assert lists == [NAMED_SPECIALS], f"tokenizer.py lists other special tokens: {lists}"
    assert "num_reserved_special_tokens = 256" in src and 'f"<|reserved_special_token_{2 + i}|>"' in src


LLAMA3_CASES = [
    ("llama3-digits", "1 12 123 1234 12345 123456 1234567 x2024y 3.14159 1,234,567.89 0000000 -0.5e-10 "
                      "١٢٣٤٥ ४२४२४ ２０２４年 ①②③④ ½¾ 12³ 2024-12-07T14:20:00Z 555-0199"),
    ("llama3-contractions",
     "I'm you're he's we've they'll she'd don't I'M YOU'RE HE'S WE'VE THEY'LL SHE'D DON'T "
     "i'M yoU'Re he'S we'vE they'Ll she'D don'T 's 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D "
     "''s '''t x's' 'sss 'lll 'dd 'ré 'Ś 1's ?'t 's's 'll've"),
    ("llama3-whitespace",
     "a  b   c    d" + " " * 33 + "e\t\tf \t g\n\n\nh \n \n i   \n   j\r\n\r\n  k" + " " * 9 + "\n" + "\t" * 7
     + "l\u00a0\u00a0m\u3000n \u2003o" + " " * 6),
    ("llama3-newlines", "x\ny\n\nz\n\n\n\n\nw\r\rv\r\n\r\n\r\nu.\n\n!?\n\n  \n\t\n(\n)\n\n{\n}\n\n\n;\n"),
    ("llama3-cjk-emoji", "日本語のテキスト、中文文本。한국어 텍스트! 🤖🦙🚀 LLaMA-3は🦙です。 "
                         "👩🏽‍💻 ✅ ❤️ 🏳️‍⚧️ 漢字かなカナ混じり文"),
    ("llama3-chat",
     "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
     "Today Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat's 2+2?<|eot_id|>"
     "<|start_header_id|>assistant<|end_header_id|>\n\n2+2 = 4.<|eot_id|>"),
    ("llama3-specials",
     "<|reserved_special_token_0|><|reserved_special_token_245|> <|reserved_special_token_246|> <|step_id|>"
     "<|image|> <|python_tag|>print(1)<|eom_id|> <|finetune_right_pad_id|> x<|end_of_text|>y <|eot_id|>\n"),
    ("llama3-near-misses", "<|eot_id| <|EOT_ID|> <||eot_id|> |begin_of_text|> <|begin_of_text|><|begin_of_text|>"
                           "<|start_header_id|><|end_header_id|>> <|reserved_special_token_|> <|eot_id|>|>"),
    ("llama3-deepseek-r1",
     "<｜begin▁of▁sentence｜>You are helpful.<｜User｜>What is 9.11 - 9.9?<｜Assistant｜><think>\n"
     "Okay, so 9.11 minus 9.9... Wait, 9.9 is bigger.\n</think>\n\n**-0.79**<｜end▁of▁sentence｜>"),
    ("llama3-bos-plain", "Hello world"),
    ("llama3-bos-leading-space", " Hello"),
    ("llama3-bos-empty", ""),
    ("llama3-bos-double", "<|begin_of_text|>Hi"),
    ("llama3-bos-mid", "Hi<|begin_of_text|>there"),
]

LLAMA3 = Family(
    name="llama3", generator="tools/make_llama3_fixture.py",
    package="llama-models==0.3.0", wheel_glob="llama_models-0.3.0-*.whl", member="llama_models/llama3/tokenizer.model",
    n_ranks=N_RANKS, n_vocab=N_RANKS + N_SPECIAL, special_text=lambda i: SPECIALS[i - N_RANKS],
    arch="llama", gguf_name="Llama-3 vocabulary (test fixture)",
    pre="llama-bpe", bos=128000, eos=128001, pad=128001, add_bos=True,
    extra_cases=LLAMA3_CASES, expected_merges=280147, check_wheel=check_specials,
    bos_cases=("english", "empty", "only-space", "chatml", "llama3-chat", "llama3-digits")
    + tuple(n for n, _ in LLAMA3_CASES if n.startswith("llama3-bos-")),
    vocab_description="Llama-3 vocabulary (llama-bpe; DeepSeek-R1-Distill-Llama's BOS/EOS ids), only the tokens "
                      "tokenizer-corpus-llama3.json needs; ids not listed are '[PAD<id>]' of type UNUSED",
    corpus_description="Llama-3 tokenizer parity corpus: llama.cpp token ids for the full Llama-3 vocabulary "
                       "(tools/make_llama3_fixture.py); ids_bos: tokenize(add_bos=True, special=True)")

if __name__ == "__main__":
    run(LLAMA3)
