"""Inputs of the tokenizer parity corpus (Tests/Fixtures/tokenizer-corpus.json).

Each case is (name, text) or (name, bytes); bytes cases hold invalid UTF-8 and are tokenized from raw bytes.
`fuzz_cases()` adds deterministic random strings drawn from character classes that stress the
pre-tokenizer (letters, digits, marks, spaces of all kinds, CR/LF, punctuation, symbols, emoji).
"""
import random

CASES = [
    ("english", "The quick brown fox jumps over the lazy dog. It wasn't me, she said; they'd've known—"
                "wouldn't they? Mr. O'Neil's 3rd-floor flat costs $1,250.99/month (approx.)."),
    ("english-prose",
     "Hello world\n\nIn 1969, Apollo 11 landed on the Moon. Neil Armstrong stepped out and said: "
     "\"That's one small step for [a] man, one giant leap for mankind.\"\nThe mission lasted 8 days, 3 hours, "
     "18 minutes and 35 seconds."),
    ("contractions-odd-case", "I'VE got 12345 apples!!\n\nHE'S HERE. WE'LL SEE. 'S 'LL 'Re 'vE 'D 'M 'T 'x ''s '''"),
    ("contractions-edge", "can't won't y'all rock'n'roll '99 'ſ 'K 'tis 'sup l'été"),
    ("leading-spaces", "  leading spaces and   gaps"),
    ("latin-accents", "naïve café 你好世界 Ångström Øresund façade coöperate señor Straße"),
    ("chinese", "人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。"
                "该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。"),
    ("japanese", "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で"
                 "ニャーニャー泣いていた事だけは記憶している。カタカナ　ひらがな　ｶﾀｶﾅ"),
    ("korean", "대한민국의 수도는 서울입니다. 한국어는 한글로 씁니다! 안녕하세요, 만나서 반갑습니다."),
    ("russian-greek-arabic", "Съешь же ещё этих мягких французских булок, да выпей чаю. Ξεσκεπάζω την ψυχοφθόρα "
                             "βδελυγμία. مرحبا بالعالم، كيف حالك؟ שלום עולם"),
    ("hindi-thai", "नमस्ते दुनिया, आप कैसे हैं? สวัสดีชาวโลก ภาษาไทยไม่มีการเว้นวรรค"),
    ("code-swift", "import Foundation\n\nstruct Point: Hashable {\n    var x: Double, y: Double\n\n"
                   "    func distance(to other: Point) -> Double {\n        let dx = x - other.x, dy = y - other.y\n"
                   "        return (dx * dx + dy * dy).squareRoot()\n    }\n}\n\nlet p = Point(x: 1.5, y: -2)\n"
                   "print(\"\\(p.distance(to: .init(x: 0, y: 0)))\")\n"),
    ("code-python", "def fib(n: int) -> int:\n\tif n < 2:\n\t\treturn n\n\treturn fib(n-1) + fib(n-2)\n\n"
                    "if __name__ == '__main__':\n    print([fib(i) for i in range(10)])  # 0 1 1 2 3 5 8\n"
                    "    x = {'a': 1, \"b\": [2, 3]}; y = x['a'] ** 2 // 3 % 4\n"),
    ("code-json", '{"name": "thinkscope", "version": "0.1.0", "tags": ["llm", "tui"], "nested": {"a": null, '
                  '"b": true, "c": -1.25e+10}, "empty": [], "unicode": "\\u00e9\\ud83d\\ude00"}'),
    ("code-c-punct", "x = foo(1,2);\n\treturn a->b[i++] <<= 2 && !c || (d != e) ? f : g;\n}}\n#include <stdio.h>\n"),
    ("emoji", "I love pizza 🍕🍕🍕! Family: 👨‍👩‍👧‍👦 Flags: 🇺🇸🇯🇵🇩🇪 skin: 👍🏽👋🏿 keycap: 1️⃣ #️⃣ "
              "heart: ❤️‍🔥 rainbow flag: 🏳️‍🌈 😀😃😄😁"),
    ("numbers", "3.14159265358979323846264338327950288419716939937510 1,000,000 0.000001 -42 +7 1e-9 "
                "12345678901234567890 0xDEADBEEF 0b1010 ２０２４年 Ⅻ ½ ² ³ ① ٣٤٥ ४२"),
    ("whitespace-runs", "a" + " " * 40 + "b\t\t\t\tc" + " \t " * 10 + "d\n" + " " * 17 + "\n\n\n" + " " * 3 + "end   "),
    ("long-space-run", " " * 3000 + "x" + "\t" * 500 + "\n" * 300 + " " * 5),
    ("mixed-newlines", "line1\r\nline2\nline3\rline4\r\n\r\nline5\n\r\nline6\r\r\n \n\t\r\n  line7\n"),
    ("line-crlf", "line1\r\nline2"),
    ("punctuation", "Wait... what?!?! (yes) [no] {maybe} <tag/> --- *** ### @@@ $$$ %%% ^^^ &&& ||| ~~~ ``` "
                    "''' \"\"\" ;;; ::: ,,, ... ??? !!! «quote» „Anführung“ 『括弧』 【注】 、。・"),
    ("punct-newline", "end.\n\nnext!!\r\n?\n\n\n;\r"),
    ("special-literal", "Type <|im_start|>user\nhi<|im_end|> and <think>secret</think> then </think> "
                        "or <tool_call>{}</tool_call> <|endoftext|> <|fim_pad|>"),
    ("special-adjacent", "<think></think><think>\n\n</think>\n\n<|im_start|><|im_end|><|im_start|>assistant\n"),
    ("special-partial", "<think <think/> </thinking> <|im_start| |im_end|> <<think>> <</think>>"),
    ("think-plain", "<think>\n\n</think>\n\n"),
    ("chatml", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi /no_think<|im_end|>\n"
               "<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n"),
    ("odd-unicode", "zero\u200bwidth\u200d joiner\u2060 bom\ufeff nbsp\u00a0here ideo\u3000space "
                    "line\u2028sep para\u2029sep nel\u0085x ctrl\x01\x02\x1b[31m del\x7f tab\x0b\x0c "
                    "fs\x1c\x1d\x1e\x1f"),
    ("combining-marks", "cafe\u0301 nai\u0308ve e\u0301\u0300\u0302 Z\u0351\u0352\u0353algo "
                        "a\u030a ﬁ ﬀ ﬃ Ǆ ǅ ǆ ᾼ"),
    ("math-symbols", "∀x∈ℝ: x² ≥ 0 ⇒ √(x²) = |x|; ∑_{i=1}^{n} i = n(n+1)/2 ≈ ∞ ≠ ∅ ⊂ ⊆ ∩ ∪ → ← ↔ ⌘⌥⇧"),
    ("fullwidth", "ＡＢＣ１２３！？（）　ｈｅｌｌｏ　ｗｏｒｌｄ"),
    ("mixed-script", "Qwen3是阿里巴巴的model，支持thinking模式。GPT-4o와 Claude 3.7을 비교하면? "
                     "東京2020オリンピック🏅"),
    ("single-chars", "a"),
    ("digits-only", "0123456789" * 5),
    ("apostrophes-unicode", "it’s don’t ‘quoted’ “double” l'amour d'Artagnan"),
    ("repeated-letters", "a" * 200 + " " + "ab" * 100 + " " + "哈" * 120),
    ("long-word", "Pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious "
                  "Donaudampfschifffahrtsgesellschaftskapitän"),
    ("url-email", "Visit https://example.com/path?q=1&r=2#frag or mail me@example.org; "
                  "C:\\Users\\name\\file.txt ~/dev/null"),
    ("markdown", "# Title\n\n- item *one*\n- item **two**\n\n```swift\nlet x = 1\n```\n\n| a | b |\n|---|---|\n"
                 "| 1 | 2 |\n> quote\n"),
    ("empty", ""),
    ("only-space", " "),
    ("only-newline", "\n"),
    ("trailing-space-before-digit", "x 1 ! ?  2"),
    ("unicode-versions", "\U00010D50,y \U0001413C,y \U00018DBB)rI3 \U0002EBF0,y \U00011F04,y \U0001D2C0,y "
                         "\u0b5c\u0bd0 \U0001FAE8\U0001FAAF"),  # 16.0 and unassigned are "other" in llama.cpp
    ("surrogate-pair-emoji", "\U0001F600\U0001F4A9\U0001F9E0 \U00020000\U0002A6D6 \U0001D400\U0001D7D8"),
]

BYTES_CASES = [
    ("invalid-ff", b"ab\xffcd"),
    ("truncated-3byte", b"\xe4\xbd"),
    ("encoded-surrogate", b"a\xed\xa0\x80b\xed\xbf\xbfc"),
    ("overlong", b"\xc0\xafx \xe0\x80\xaf"),
    ("truncated-4byte-end", b"x\xf0\x9f\x98"),
    ("lone-continuations", b"\x80\x81 hello \xbf\xbe world"),
    ("mixed-valid-invalid", "héllo ".encode() + b"\xfe\xfd" + " 世界 ".encode() + b"\xe4\xb8" + "</think>".encode()),
    ("latin1", "Grüße aus Köln, naïve façade".encode("latin-1")),
    ("bad-before-special", b"\xe4<think>\xf0<|im_start|>x\xc3"),
]

_POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    "       \t\n\r",
    "'''sStTrReEvVmMlLdD",
    "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~",
    "éüñßøåçÉÜÑ",
    "你好世界中文字",
    "ひらがなカタカナ",
    "한국어",
    "\u0301\u0308\u0300\u064b",  # combining marks
    "\u00a0\u3000\u2028\u2029\u0085\u2009\u200b\x0b\x0c\x1c\x1f",
    "½²³①Ⅻ٣४",
    "😀🍕👍🏽🇯🇵\u200d\ufe0f",
    "≥≤∑√∞→",
    "\x00\x01\x1b\x7f",
]


def fuzz_cases(n=250, seed=1234):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        length = rng.randint(1, 40)
        pools = rng.sample(_POOLS, rng.randint(1, 4))
        s = "".join(rng.choice(rng.choice(pools)) for _ in range(length))
        out.append((f"fuzz-{i:03d}", s))
    return out
