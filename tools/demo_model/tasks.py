"""Task generator for the ThinkScope demo model.

Every problem has a question, a step-by-step thinking trace whose length grows with the problem, an
optional self-check that follows "Wait", and a short checkable answer ("The answer is 8645.").

Tasks: add, sub, mul (by one digit), compare (decimals, 9.11 vs 9.9), count (a letter in a word),
sort (a short list), word (small word problems built on add/sub/mul).

Held-out split: every problem has a canonical key; keys whose hash falls in the held-out bucket are only
produced by `make_problem(..., split="test")`, never for training. So evaluation problems are fresh.

A trace is a list of segments (text, trainable). Untrainable segments are the deliberate mistakes of
"mistake then Wait then correction" traces: the model sees them but is not taught to make them.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

TASKS = ["add", "sub", "mul", "compare", "count", "sort", "word"]
ARITH_TASKS = ["add", "sub", "mul", "word"]
PLACES = ["ones", "tens", "hundreds", "thousands", "ten-thousands", "hundred-thousands"]
HELDOUT_PERCENT = 12

# Data stage. Stage 1 trained the first 3,600 steps; stage 2 (the default: what the shipped model was last
# trained on) writes a multiplication column as two facts ("4 × 9 = 36, 36 + 8 = 44" instead of
# "4 × 9 + 8 = 44"), weights the arithmetic tasks up and chains up to eight self-checks (chat.py).
STAGE = 2

# Which question templates make_problem uses in stage 3: "train" (the trained ones) or "heldout" (templates
# never used in training, for measuring generalisation to new phrasings). Set through make_problem(templates=).
_TEMPLATES = "train"


def set_stage(stage: int) -> None:
    global STAGE, TASK_WEIGHTS
    if stage not in TASK_WEIGHTS_BY_STAGE:
        raise ValueError(f"data stage must be one of {sorted(TASK_WEIGHTS_BY_STAGE)}, got {stage}")
    STAGE = stage
    TASK_WEIGHTS = TASK_WEIGHTS_BY_STAGE[stage]

WORDS = """strawberry banana apple orange grape cherry lemon mango peach pear melon papaya raspberry blueberry
coconut pineapple tomato potato carrot onion garlic pepper cabbage lettuce broccoli spinach
mississippi bookkeeper committee balloon address coffee letter little success tomorrow
butterfly elephant giraffe kangaroo alligator crocodile rabbit squirrel hippopotamus penguin parrot
chocolate vanilla caramel cinnamon sugar butter cookie biscuit pizza spaghetti noodle
computer keyboard program function variable library network internet algorithm
mountain river ocean forest desert island valley volcano waterfall rainbow thunder
banana bottle kettle pepperoni assessment possession embarrass occurrence accommodate
teacher student school pencil notebook eraser scissors umbrella blanket pillow window
summer winter autumn spring morning evening yesterday afternoon weekend
happiness sadness goodness darkness kindness seventeen thirteen eleven hundred million
abracadabra bubble puzzle jazz pizzazz zigzag razzle dazzle fizz
engineer mirror terror error horror barrel carrot arrow sorrow borrow""".split()
WORDS = list(dict.fromkeys(WORDS))

NAMES = ["Tom", "Anna", "Ben", "Lily", "Sam", "Mia", "Leo", "Emma", "Max", "Zoe"]
ITEMS = ["apples", "marbles", "stickers", "books", "coins", "pencils", "cards", "stamps", "shells", "candies"]
ZH_NAMES = ["小明", "小红", "小刚", "小丽"]
ZH_ITEMS = [("个", "苹果"), ("本", "书"), ("支", "铅笔"), ("张", "卡片")]


@dataclass
class Problem:
    task: str
    question: str
    answer: str                 # canonical answer value, e.g. "8645" or "3, 7, 19"
    answer_text: str            # what the model says after thinking, e.g. "The answer is 8645."
    trace: list = field(default_factory=list)        # [(text, trainable)]
    check: list = field(default_factory=list)        # self-check after "Wait" (when the trace is right)
    key: str = ""
    zh: bool = False
    # mistake variant: a trace with a wrong step and the correction after "Wait"
    bad_trace: list | None = None
    bad_fix: list | None = None
    # stage 3: re-checks that recompute the result in different ways (each a "Wait, ..." line), and the
    # compact trace of the "think briefly" style (None: the normal trace)
    checks: list | None = None
    short_trace: list | None = None


# ---------------------------------------------------------------- stage 3 phrasings

# Stage 3 templates per task: (trained, held out). English ones also get casing/punctuation noise in training.
# Held-out templates are never used for training; every word in them occurs in some trained template, so
# they test new combinations, not new tokens.
EN_TEMPLATES = {
    "add": (["What is {a} + {b}?", "Compute {a} + {b}.", "Calculate {a} plus {b}.", "Add {a} and {b}.",
             "What is the sum of {a} and {b}?", "What's {a} + {b}?", "What is {a} plus {b}?", "{a} + {b} = ?",
             "{a}+{b}", "Calculate {a} + {b}", "How much is {a} plus {b}?", "Work out {a} + {b}.",
             "Find {a} + {b}.", "Can you add {a} and {b}?", "{a} plus {b}"],
            ["What's the sum of {a} and {b}?", "Can you work out {a} plus {b}?", "Find the sum of {a} and {b}."]),
    "sub": (["What is {a} - {b}?", "Compute {a} - {b}.", "Calculate {a} minus {b}.", "Subtract {b} from {a}.",
             "What's {a} - {b}?", "What is {a} minus {b}?", "{a} - {b} = ?", "{a}-{b}", "Can you compute {a} - {b}?",
             "Find {a} minus {b}.", "Work out {a} - {b}.", "{a} minus {b}", "Calculate {a} - {b}"],
            ["How much is {a} minus {b}?", "Can you subtract {b} from {a}?", "What's {a} minus {b}?"]),
    "mul": (["What is {a} {s} {b}?", "Compute {a} {s} {b}.", "Multiply {a} by {b}.", "What's {a} {s} {b}?",
             "{a} {s} {b} = ?", "{a}{s}{b}", "Calculate {a} {s} {b}", "What is the product of {a} and {b}?",
             "Can you multiply {a} by {b}?", "Work out {a} {s} {b}.", "{a} {s} {b}"],
            ["How much is {a} times {b}?", "Find the product of {a} and {b}.", "What's the product of {a} and {b}?"]),
    "compare": (["Which is {w}, {a} or {b}?", "Which number is {w}: {a} or {b}?", "Is {a} or {b} {w}?",
                 "Which one is {w}, {a} or {b}?", "{a} or {b}: which is {w}?", "Compare {a} and {b}. Which is {w}?",
                 "Which is {w}: '{a}' or '{b}'?", "which is {w} {a} or {b}"],
                ["{a} and {b}: which one is {w}?", "Compare {a} and {b}: which one is {w}?"]),
    "count": (["How many times does the letter {l} appear in the word {w}?", "How many {l}'s are in the word {w}?",
               "Count the letter {l} in the word {w}.", "How many '{l}' are in the word '{w}'?",
               "How many {l}'s are in \"{w}\"?", "How many times does '{l}' appear in '{w}'?",
               "Count the {l}'s in {w}.", "how many {l} in {w}", "Count the letter \"{l}\" in the word \"{w}\".",
               "How many letter {l}'s are in the word {w}?"],
              ["How many times does the letter {l} appear in '{w}'?",
               "How many '{l}'s are in the word \"{w}\"?", "Count how many {l}'s are in '{w}'?"]),
    "sort_asc": (["Sort these numbers from smallest to largest: {lst}.", "Put these numbers in increasing order: {lst}.",
                  "Sort in ascending order: {lst}.", "Sort {lst} from smallest to largest.", "sort {lst} in ascending order",
                  "Can you sort these numbers: {lst}?"],
                 ["Put {lst} in increasing order.", "Sort these from smallest to largest: {lst}"]),
    "sort_desc": (["Sort these numbers from largest to smallest: {lst}.", "Put these numbers in decreasing order: {lst}.",
                   "Sort in descending order: {lst}.", "Sort {lst} from largest to smallest.", "sort {lst} in descending order"],
                  ["Put {lst} in decreasing order.", "Sort these from largest to smallest: {lst}"]),
}
ZH_TEMPLATES = {
    "add": (["{a} 加 {b} 等于多少?", "计算 {a} + {b}。", "{a}加{b}等于多少?", "{a} + {b} 等于几?", "请计算 {a} 加 {b}。",
             "{a}+{b}=?"], ["请问 {a} 加 {b} 等于几?"]),
    "sub": (["{a} 减 {b} 等于多少?", "计算 {a} - {b}。", "{a}减{b}等于几?", "请问 {a} 减 {b} 等于多少?", "{a}-{b}=?"],
            ["{a}减{b}是多少?"]),
    "mul": (["{a} 乘 {b} 等于多少?", "计算 {a} × {b}。", "{a}乘{b}是多少?", "{a} × {b} 等于几?", "{a}*{b}=?"],
            ["请计算 {a} 乘 {b}。"]),
    "compare": (["{a} 和 {b} 哪个{z}?", "{a}和{b}哪个更{z}?", "比较 {a} 和 {b},哪个{z}?"], ["{a} 和 {b} 哪个更{z}?"]),
    "count": (["单词 {w} 里有几个字母 {l}?", "{w} 这个单词里有几个 {l}?", "单词 \"{w}\" 里有几个 \"{l}\"?"],
              ["单词 '{w}' 里有几个字母 {l}?"]),
    "sort_asc": (["把这些数从小到大排序: {lst}。", "请把 {lst} 从小到大排序。"], ["把 {lst} 从小到大排序。"]),
    "sort_desc": (["把这些数从大到小排序: {lst}。", "请把 {lst} 从大到小排序。"], ["把 {lst} 从大到小排序。"]),
}


def _noise(q: str, rng) -> str:
    """Casing and punctuation noise, as people type: lower case, no final punctuation, extra spaces."""
    r = rng.random()
    if r < 0.12:
        q = q.lower()
    elif r < 0.2:
        q = q[:1].lower() + q[1:]
    if rng.random() < 0.15 and q[-1:] in "?.":
        q = q[:-1]
    if rng.random() < 0.04:
        q = q + " ?" if q[-1:] not in "?." else q
    return q


def _phrase(task, zh, rng, **kw):
    """A stage-3 question for `task` from the template set in _TEMPLATES."""
    table = ZH_TEMPLATES if zh else EN_TEMPLATES
    train, held = table[task]
    q = rng.choice(train if _TEMPLATES == "train" else held).format(**kw)
    if not zh and _TEMPLATES == "train":
        q = _noise(q, rng)
    return q


def _heldout(key: str) -> bool:
    h = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16)
    return h % 100 < HELDOUT_PERCENT


def answer_sentence(value: str, zh: bool) -> str:
    return f"答案是 {value}。" if zh else f"The answer is {value}."


def extract_answer(text: str) -> str | None:
    """The answer value from the model's answer text, or None."""
    t = text.strip()
    for lead, end in (("The answer is ", "."), ("答案是 ", "。")):
        i = t.rfind(lead)
        if i >= 0:
            v = t[i + len(lead):].strip()
            if v.endswith(end):
                v = v[: -len(end)]
            return v.strip()
    return None


def check_answer(p: Problem, text: str) -> bool:
    v = extract_answer(text)
    if v is None:
        return False
    return " ".join(v.replace(",", ", ").split()) == " ".join(p.answer.replace(",", ", ").split())


# ---------------------------------------------------------------- column arithmetic

def _digits_rev(n: int, width: int) -> list[int]:
    return [(n // 10 ** i) % 10 for i in range(width)]


def add_columns(a: int, b: int, corrupt: int | None = None, rng=None):
    """Lines of the column addition a + b. With `corrupt`, that column writes a wrong digit.
    Returns (lines, result_value_as_written, index_of_corrupt_line)."""
    w = max(len(str(a)), len(str(b)))
    da, db = _digits_rev(a, w), _digits_rev(b, w)
    c, sofar, lines, bad = 0, "", [], None
    for i in range(w):
        s = da[i] + db[i] + c
        d, c2 = s % 10, s // 10
        if corrupt == i:
            d = (d + rng.choice([1, 2, 9, 8])) % 10
            bad = len(lines)
        sofar = str(d) + sofar
        lines.append(f"{PLACES[i]}: {da[i]} + {db[i]} + {c} = {s}, carry {c2}, so far {sofar}.")
        c = c2
    if c:
        sofar = str(c) + sofar
        lines.append(f"The last carry {c} goes in front, so far {sofar}.")
    return lines, int(sofar), bad


def add_compact(a: int, b: int) -> str:
    w = max(len(str(a)), len(str(b)))
    da, db = _digits_rev(a, w), _digits_rev(b, w)
    c, parts = 0, []
    for i in range(w):
        s = da[i] + db[i] + c
        parts.append(f"{da[i]} + {db[i]} + {c} = {s}")
        c = s // 10
    return ", ".join(parts)


def sub_columns(a: int, b: int, corrupt: int | None = None, rng=None):
    """a >= b. Lines of the column subtraction with borrows."""
    w = len(str(a))
    da, db = _digits_rev(a, w), _digits_rev(b, w)
    br, sofar, lines, bad = 0, "", [], None
    for i in range(w):
        v = da[i] - db[i] - br
        if v < 0:
            d, br2 = v + 10, 1
            txt = f"{PLACES[i]}: {da[i]} - {db[i]} - {br} is negative, so {da[i] + 10} - {db[i]} - {br} = {d}, borrow 1"
        else:
            d, br2 = v, 0
            txt = f"{PLACES[i]}: {da[i]} - {db[i]} - {br} = {d}, borrow 0"
        if corrupt == i:
            d = (d + rng.choice([1, 2, 9, 8])) % 10
            txt = txt.rsplit("=", 1)[0] + f"= {d}, borrow {br2}"
            bad = len(lines)
        sofar = str(d) + sofar
        lines.append(f"{txt}, so far {sofar}.")
        br = br2
    val = int(sofar)
    if sofar != str(val):
        lines.append(f"Drop the leading zeros: {val}.")
    return lines, val, bad


def sub_compact(a: int, b: int) -> str:
    w = len(str(a))
    da, db = _digits_rev(a, w), _digits_rev(b, w)
    br, parts = 0, []
    for i in range(w):
        v = da[i] - db[i] - br
        if v < 0:
            parts.append(f"{da[i] + 10} - {db[i]} - {br} = {v + 10}")
            br = 1
        else:
            parts.append(f"{da[i]} - {db[i]} - {br} = {v}")
            br = 0
    return ", ".join(parts)


def mul_columns(a: int, m: int, corrupt: int | None = None, rng=None):
    w = len(str(a))
    da = _digits_rev(a, w)
    c, sofar, lines, bad = 0, "", [], None
    for i in range(w):
        p = da[i] * m + c
        d, c2 = p % 10, p // 10
        if corrupt == i:
            d = (d + rng.choice([1, 2, 9, 8])) % 10
            bad = len(lines)
        sofar = str(d) + sofar
        if STAGE == 1:
            lines.append(f"{PLACES[i]}: {da[i]} × {m} + {c} = {p}, carry {c2}, so far {sofar}.")
        else:   # the product and the carry as two facts: {da[i] * m} + {c}
            lines.append(f"{PLACES[i]}: {da[i]} × {m} = {da[i] * m}, {da[i] * m} + {c} = {p}, carry {c2}, so far {sofar}.")
        c = c2
    if c:
        sofar = str(c) + sofar
        lines.append(f"The last carry {c} goes in front, so far {sofar}.")
    return lines, int(sofar), bad


def mul_compact(a: int, m: int) -> str:
    w = len(str(a))
    da = _digits_rev(a, w)
    c, parts = 0, []
    for i in range(w):
        p = da[i] * m + c
        parts.append(f"{da[i]} × {m} + {c} = {p}" if STAGE == 1 else f"{da[i]} × {m} + {c} = {da[i] * m} + {c} = {p}")
        c = p // 10
    return ", ".join(parts)


def _rand_num(rng, lo_digits, hi_digits):
    n = rng.randint(lo_digits, hi_digits)
    return rng.randint(10 ** (n - 1) if n > 1 else 0, 10 ** n - 1)


def _segments(lines, bad_index=None):
    """Join lines into segments; the line at bad_index is untrainable."""
    segs = []
    for i, ln in enumerate(lines):
        segs.append((ln + "\n", i != bad_index))
    return segs


def _arith_trace(kind, a, b, head, concl, rng, mistakes=True):
    """Trace, check and (optionally) a mistake variant for add/sub/mul.
    head: first line(s); concl(value) -> conclusion line."""
    if kind == "add":
        cols, compact, w = add_columns, add_compact, max(len(str(a)), len(str(b)))
    elif kind == "sub":
        cols, compact, w = sub_columns, sub_compact, len(str(a))
    else:
        cols, compact, w = mul_columns, mul_compact, len(str(a))
    lines, val, _ = cols(a, b)
    trace = _segments(head + lines + [concl(val)])
    check = [(f"Wait, let me check again: {compact(a, b)}. That gives {val} again, so it is right.\n", True)]
    bad_trace = bad_fix = None
    if mistakes:
        col = rng.randrange(w)
        blines, bval, bad = cols(a, b, corrupt=col, rng=rng)
        if bval != val:
            bad_trace = _segments(head + blines + [concl(bval)], bad_index=len(head) + bad)
            bad_fix = [(f"Wait, let me check again: {compact(a, b)}. That gives {val}, not {bval}. "
                        f"I made a mistake, so the right result is {val}.\n", True)]
    return trace, check, val, bad_trace, bad_fix


# ---------------------------------------------------------------- stage 3 arithmetic

def mul2_columns(a: int, m: int, corrupt=None, rng=None):
    """a × m with a two-digit m: a × (ones digit), a × (tens digit) shifted, then the column addition.
    corrupt = (part, column): part 0/1 a column of a partial product, part 2 a column of the addition."""
    m0, m1 = m % 10, m // 10
    lines, bad = [], None
    cz = lambda part: corrupt[1] if corrupt and corrupt[0] == part else None  # noqa: E731
    lines.append(f"First {a} × {m0}, digit by digit, starting from the ones.")
    l0, p0, b0 = mul_columns(a, m0, cz(0), rng)
    if b0 is not None:
        bad = len(lines) + b0
    lines += l0 + [f"So {a} × {m0} = {p0}."]
    lines.append(f"Then {a} × {m1}, digit by digit, starting from the ones.")
    l1, p1, b1 = mul_columns(a, m1, cz(1), rng)
    if b1 is not None:
        bad = len(lines) + b1
    lines += l1 + [f"So {a} × {m1} = {p1}, and {a} × {m1}0 = {p1 * 10}."]
    lines.append(f"Add {p0} and {p1 * 10} column by column, starting from the ones.")
    la, val, ba = add_columns(p0, p1 * 10, cz(2), rng)
    if ba is not None:
        bad = len(lines) + ba
    lines += la
    return lines, val, bad


def mul2_compact(a: int, m: int) -> str:
    m0, m1 = m % 10, m // 10
    p0, p1 = a * m0, a * m1
    return (f"{a} × {m0}: {mul_compact(a, m0)}, that is {p0}; {a} × {m1}: {mul_compact(a, m1)}, that is {p1}; "
            f"{p0} + {p1 * 10}: {add_compact(p0, p1 * 10)}")


def _column_block(lines):
    return "\n".join(lines)


def _recheck_texts(kind, a, b, val):
    """Stage 3 re-checks of a right result, each recomputing it another way (kind: add, sub, mul, mul2;
    sub with a >= b). The other-order addition and the adding back are written as full column additions,
    the format the model computes best, so the re-check is a second, independent computation."""
    if kind == "add":
        other = _column_block(add_columns(b, a)[0])
        return [f"Wait, let me check by adding in the other order: {b} + {a}.\n{other}\nThat gives {val} again, so it is right.\n",
                f"Wait, let me check again: {add_compact(a, b)}. That gives {val} again, so it is right.\n"]
    if kind == "sub":
        back = _column_block(add_columns(val, b)[0])
        return [f"Wait, let me check by adding back: {val} + {b}.\n{back}\nThat gives {a}, so {a} - {b} = {val} is right.\n",
                f"Wait, let me check again: {sub_compact(a, b)}. That gives {val} again, so it is right.\n"]
    if kind == "mul":
        return [f"Wait, let me check again: {mul_compact(a, b)}. That gives {val} again, so it is right.\n"]
    return [f"Wait, let me check again: {mul2_compact(a, b)}. That gives {val} again, so it is right.\n"]


def _fix_text(kind, a, b, val, bval, sign=""):
    """The re-check that catches a wrong first result bval and gives the right one."""
    if kind == "add":
        other = _column_block(add_columns(b, a)[0])
        return (f"Wait, let me check by adding in the other order: {b} + {a}.\n{other}\nThat gives {val}, not {bval}. "
                f"I made a mistake, so the right result is {val}.\n")
    if kind == "sub":
        back = bval + b
        lines = _column_block(add_columns(bval, b)[0])
        return (f"Wait, let me check by adding back: {bval} + {b}.\n{lines}\nThat gives {back}, not {a}, "
                f"so {sign}{bval} is wrong. Again: {sub_compact(a, b)}. That gives {val}. "
                f"I made a mistake, so the right result is {sign}{val}.\n")
    comp = mul_compact(a, b) if kind == "mul" else mul2_compact(a, b)
    return f"Wait, let me check again: {comp}. That gives {val}, not {bval}. I made a mistake, so the right result is {val}.\n"


def _misread(n: int, rng) -> int:
    """n with one digit changed (a misread operand digit); the leading digit stays non-zero."""
    s = list(str(n))
    i = rng.randrange(len(s))
    choices = [d for d in "0123456789" if d != s[i] and not (i == 0 and d == "0" and len(s) > 1)]
    s[i] = rng.choice(choices)
    return int("".join(s))


def _arith_trace3(kind, a, b, head, concl, rng, mistakes=True, sign=""):
    """Stage 3: trace, several re-check methods, and a first pass with an injected slip (a wrong column
    digit or a misread operand digit; the slip's line is never a loss target) caught by a re-check."""
    if kind == "mul" and b >= 10:
        kind = "mul2"
    cols = {"add": add_columns, "sub": sub_columns, "mul": mul_columns, "mul2": mul2_columns}[kind]
    lines, val, _ = cols(a, b)
    trace = _segments(head + lines + [concl(val)])
    checks = [(t, True) for t in _recheck_texts(kind, a, b, val)]
    bad_trace = bad_fix = None
    if mistakes:
        for _ in range(4):
            if rng.random() < 0.5 and kind in ("add", "sub", "mul"):
                # misread one operand digit: every column is computed from the misread operand
                if kind == "sub":
                    a2, b2 = a, _misread(b, rng)
                    if b2 > a2:
                        continue
                elif rng.random() < 0.5 or kind == "mul":
                    a2, b2 = _misread(a, rng), b
                else:
                    a2, b2 = a, _misread(b, rng)
                blines, bval, _ = cols(a2, b2)
                if bval == val:
                    continue
                # the first column line that reads a different digit is the slip
                bad = next((i for i, (x, y) in enumerate(zip(blines, lines)) if x != y), 0)
            else:
                w = {"add": max(len(str(a)), len(str(b))), "sub": len(str(a)), "mul": len(str(a))}.get(kind)
                col = (rng.randrange(3), rng.randrange(len(str(a)) + 1)) if kind == "mul2" else rng.randrange(w)
                blines, bval, bad = cols(a, b, corrupt=col, rng=rng)
                if bad is None or bval == val:
                    continue
            bad_trace = _segments(head + blines + [concl(bval)], bad_index=len(head) + bad)
            bad_fix = [(_fix_text(kind, a, b, val, bval, sign), True)]
            break
    short = None
    if kind == "add":
        short = [(f"{add_compact(a, b)}.\n", True), (concl(val) + "\n", True)]
    elif kind == "sub":
        short = [(f"{sub_compact(a, b)}.\n", True), (concl(val) + "\n", True)]
    elif kind == "mul":
        short = [(f"{mul_compact(a, b)}.\n", True), (concl(val) + "\n", True)]
    else:
        short = [(f"{mul2_compact(a, b)}.\n", True), (concl(val) + "\n", True)]
    return trace, checks, val, bad_trace, bad_fix, short


# ---------------------------------------------------------------- tasks

def gen_add(rng, zh):
    a, b = _rand_num(rng, 2, 5), _rand_num(rng, 1, 5)
    if rng.random() < 0.5:
        a, b = b, a
    key = f"add:{a}+{b}"
    if zh:
        q = rng.choice([f"{a} 加 {b} 等于多少?", f"计算 {a} + {b}。"])
    else:
        q = rng.choice([f"What is {a} + {b}?", f"Compute {a} + {b}.", f"Calculate {a} plus {b}.",
                        f"Add {a} and {b}.", f"What is the sum of {a} and {b}?"])
    head = [f"Add {a} and {b} column by column, starting from the ones."]
    trace, check, val, bt, bf = _arith_trace("add", a, b, head, lambda v: f"So {a} + {b} = {v}.", rng)
    return Problem("add", q, str(a + b), "", trace, check, key, zh, bt, bf)


def gen_sub(rng, zh):
    a, b = _rand_num(rng, 2, 5), _rand_num(rng, 1, 5)
    if a == b:
        a += 1
    key = f"sub:{a}-{b}"
    if zh:
        q = rng.choice([f"{a} 减 {b} 等于多少?", f"计算 {a} - {b}。"])
    else:
        q = rng.choice([f"What is {a} - {b}?", f"Compute {a} - {b}.", f"Calculate {a} minus {b}.",
                        f"Subtract {b} from {a}."])
    if a >= b:
        head = [f"Subtract {b} from {a} column by column, starting from the ones."]
        trace, check, val, bt, bf = _arith_trace("sub", a, b, head, lambda v: f"So {a} - {b} = {v}.", rng)
    else:
        head = [f"{a} is smaller than {b}, so the result is negative. Compute {b} - {a} and put a minus sign in front.",
                f"Subtract {a} from {b} column by column, starting from the ones."]
        trace, check, val, bt, bf = _arith_trace("sub", b, a, head, lambda v: f"So {a} - {b} = -{v}.", rng)
    return Problem("sub", q, str(a - b), "", trace, check, key, zh, bt, bf)


def gen_mul(rng, zh):
    a, m = _rand_num(rng, 2, 4), rng.randint(2, 9)
    key = f"mul:{a}*{m}"
    sym = rng.choice(["×", "*", "times"])
    if zh:
        q = rng.choice([f"{a} 乘 {m} 等于多少?", f"计算 {a} × {m}。"])
    else:
        q = rng.choice([f"What is {a} {sym} {m}?", f"Compute {a} {sym} {m}.", f"Multiply {a} by {m}."])
    head = [f"Multiply {a} by {m} digit by digit, starting from the ones."]
    trace, check, val, bt, bf = _arith_trace("mul", a, m, head, lambda v: f"So {a} × {m} = {v}.", rng)
    return Problem("mul", q, str(a * m), "", trace, check, key, zh, bt, bf)


def _rand_decimal(rng):
    whole = rng.randint(0, 20)
    nd = rng.randint(1, 3)
    frac = rng.randint(0, 10 ** nd - 1)
    s = f"{whole}.{frac:0{nd}d}"
    if s.endswith("0"):
        s = s[:-1] + str(rng.randint(1, 9))
    return s


def gen_compare(rng, zh):
    while True:
        a = _rand_decimal(rng)
        b = _rand_decimal(rng)
        if rng.random() < 0.75:
            b = a.split(".")[0] + "." + b.split(".")[1]
        if float(a) != float(b):
            break
    larger_q = rng.random() < 0.7
    key = f"cmp:{min(a, b)}|{max(a, b)}|{larger_q}"
    word = "larger" if larger_q else "smaller"
    if zh:
        q = f"{a} 和 {b} 哪个{'大' if larger_q else '小'}?"
    else:
        q = rng.choice([f"Which is {word}, {a} or {b}?", f"Which number is {word}: {a} or {b}?",
                        f"Is {a} or {b} {word}?"])
    big, small = (a, b) if float(a) > float(b) else (b, a)
    ans = big if larger_q else small
    wa, fa = a.split(".")
    wb, fb = b.split(".")
    n = max(len(fa), len(fb))
    pa, pb = f"{wa}.{fa.ljust(n, '0')}", f"{wb}.{fb.ljust(n, '0')}"
    lines = [f"Write both with {n} decimal places: {pa} and {pb}."]
    names = ["tenths", "hundredths", "thousandths"]
    if int(wa) != int(wb):
        bw = wa if int(wa) > int(wb) else wb
        lines.append(f"Whole parts: {wa} and {wb}, {bw} is larger.")
        diff = ("whole part", wa, wb)
    else:
        lines.append(f"Whole parts: {wa} and {wb}, equal.")
        diff = None
        for i in range(n):
            x, y = pa.split(".")[1][i], pb.split(".")[1][i]
            if x == y:
                lines.append(f"{names[i].capitalize()}: {x} and {y}, equal.")
            else:
                lines.append(f"{names[i].capitalize()}: {x} and {y}, {max(x, y)} is larger.")
                diff = (names[i], x, y)
                break
    lines.append(f"So {big} is larger than {small}." + ("" if larger_q else f" The smaller one is {small}."))
    trace = _segments(lines)
    check = [(f"Wait, let me check again: {pa} and {pb} first differ in the {diff[0]}, "
              f"{diff[1]} and {diff[2]}. So {big} is larger, that is right.\n", True)]
    p = Problem("compare", q, ans, "", trace, check, key, zh)
    p.parts = (a, b, larger_q)
    return p


def gen_count(rng, zh):
    word = rng.choice(WORDS)
    if rng.random() < 0.8:
        letter = rng.choice(sorted(set(word)))
    else:
        letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c not in word])
    key = f"count:{word}:{letter}"
    if zh:
        q = f"单词 {word} 里有几个字母 {letter}?"
    else:
        q = rng.choice([f"How many times does the letter {letter} appear in the word {word}?",
                        f"How many {letter}'s are in the word {word}?",
                        f"Count the letter {letter} in the word {word}."])
    n, counts, pos = 0, [], []
    for i, ch in enumerate(word):
        if ch == letter:
            n += 1
            pos.append(str(i + 1))
        counts.append(f"{ch} {n}")
    lines = [f"Spell the word {word}: {', '.join(word)}.",
             f"Count the letter {letter}: {', '.join(counts)}.",
             f"So the word {word} has {n} {letter}'s."]
    trace = _segments(lines)
    if pos:
        chk = f"Wait, let me check again: the letter {letter} is at positions {', '.join(pos)}. That is {n}, so it is right.\n"
    else:
        chk = f"Wait, let me check again: the letter {letter} does not appear in {word}. That is 0, so it is right.\n"
    bad_trace = bad_fix = None
    if pos:
        # mistake: skip one occurrence while counting
        skip = rng.choice(pos)
        m, bc = 0, []
        for i, ch in enumerate(word):
            if ch == letter and str(i + 1) != skip:
                m += 1
            bc.append(f"{ch} {m}")
        blines = [lines[0], f"Count the letter {letter}: {', '.join(bc)}.", f"So the word {word} has {m} {letter}'s."]
        bad_trace = _segments(blines, bad_index=1)
        bad_fix = [(f"Wait, let me check again: the letter {letter} is at positions {', '.join(pos)}. "
                    f"That is {n}, not {m}. I made a mistake, so the right count is {n}.\n", True)]
    return Problem("count", q, str(n), "", trace, [(chk, True)], key, zh, bad_trace, bad_fix)


def gen_sort(rng, zh):
    k = rng.randint(3, 6)
    nums = rng.sample(range(0, 100), k)
    asc = rng.random() < 0.7
    key = f"sort:{','.join(map(str, nums))}:{asc}"
    lst = ", ".join(map(str, nums))
    if zh:
        q = f"把这些数{'从小到大' if asc else '从大到小'}排序: {lst}。"
    else:
        if asc:
            q = rng.choice([f"Sort these numbers from smallest to largest: {lst}.",
                            f"Put these numbers in increasing order: {lst}.", f"Sort in ascending order: {lst}."])
        else:
            q = rng.choice([f"Sort these numbers from largest to smallest: {lst}.",
                            f"Put these numbers in decreasing order: {lst}.", f"Sort in descending order: {lst}."])
    pick = "smallest" if asc else "largest"
    rest, out = list(nums), []
    lines = [f"Take the {pick} number each time."]
    while len(rest) > 1:
        v = min(rest) if asc else max(rest)
        lines.append(f"From {', '.join(map(str, rest))} the {pick} is {v}.")
        out.append(v)
        rest.remove(v)
    lines.append(f"Only {rest[0]} is left.")
    out.append(rest[0])
    res = ", ".join(map(str, out))
    lines.append(f"So the order is {res}.")
    rel = " < " if asc else " > "
    check = [(f"Wait, let me check again: {rel.join(map(str, out))}, and all {k} numbers are there. So it is right.\n", True)]
    return Problem("sort", q, res, "", _segments(lines), check, key, zh)


def gen_word(rng, zh):
    kind = rng.choice(["add", "sub", "mul"])
    if zh:
        name = rng.choice(ZH_NAMES)
        unit, item = rng.choice(ZH_ITEMS)
    else:
        name, item = rng.choice(NAMES), rng.choice(ITEMS)
    if kind == "add":
        a, b = _rand_num(rng, 2, 4), _rand_num(rng, 2, 4)
        val = a + b
        if zh:
            q = f"{name}有 {a} {unit}{item},又买了 {b} {unit}。现在一共有多少{unit}{item}?"
        else:
            q = rng.choice([f"{name} has {a} {item}. {name} gets {b} more. How many {item} does {name} have now?",
                            f"{name} had {a} {item} and found {b} more. How many {item} are there in total?"])
        head = [f"{name} starts with {a} and gets {b} more, so compute {a} + {b}.",
                f"Add {a} and {b} column by column, starting from the ones."]
        trace, check, v, bt, bf = _arith_trace("add", a, b, head, lambda v: f"So {a} + {b} = {v}.", rng)
    elif kind == "sub":
        a, b = _rand_num(rng, 2, 4), _rand_num(rng, 2, 4)
        if a < b:
            a, b = b, a
        if a == b:
            a += 1
        val = a - b
        if zh:
            q = f"{name}有 {a} {unit}{item},送给朋友 {b} {unit}。还剩多少{unit}{item}?"
        else:
            q = rng.choice([f"{name} has {a} {item} and gives {b} to a friend. How many {item} are left?",
                            f"{name} had {a} {item} and lost {b}. How many {item} does {name} have left?"])
        head = [f"{name} starts with {a} and gives away {b}, so compute {a} - {b}.",
                f"Subtract {b} from {a} column by column, starting from the ones."]
        trace, check, v, bt, bf = _arith_trace("sub", a, b, head, lambda v: f"So {a} - {b} = {v}.", rng)
    else:
        a, m = _rand_num(rng, 2, 3), rng.randint(2, 9)
        val = a * m
        if zh:
            q = f"每个盒子里有 {a} {unit}{item},一共有 {m} 个盒子。一共有多少{unit}{item}?"
        else:
            q = rng.choice([f"There are {m} boxes with {a} {item} in each box. How many {item} are there in total?",
                            f"{name} buys {m} packs of {item}. Each pack has {a} {item}. How many {item} does {name} buy?"])
        head = [f"There are {m} groups of {a}, so compute {a} × {m}.",
                f"Multiply {a} by {m} digit by digit, starting from the ones."]
        trace, check, v, bt, bf = _arith_trace("mul", a, m, head, lambda v: f"So {a} × {m} = {v}.", rng)
    assert v == val
    key = f"word:{q}"
    return Problem("word", q, str(val), "", trace, check, key, zh, bt, bf)


# ---------------------------------------------------------------- stage 3 tasks (many phrasings, re-checks)

def _arith_problem3(task, kind, a, b, q, key, zh, head, concl_op, rng, answer, sign=""):
    concl = lambda v: f"So {a} {concl_op} {b} = {sign}{v}."  # noqa: E731
    trace, checks, val, bt, bf, short = _arith_trace3(kind, a, b, head, concl, rng, sign=sign)
    p = Problem(task, q, str(answer), "", trace, checks[:1], key, zh, bt, bf, checks, short)
    return p, val


def gen_add3(rng, zh):
    a, b = _rand_num(rng, 2, 5), _rand_num(rng, 1, 5)
    if rng.random() < 0.5:
        a, b = b, a
    q = _phrase("add", zh, rng, a=a, b=b)
    head = [f"Add {a} and {b} column by column, starting from the ones."]
    p, _ = _arith_problem3("add", "add", a, b, q, f"add:{a}+{b}", zh, head, "+", rng, a + b)
    return p


def gen_sub3(rng, zh):
    a, b = _rand_num(rng, 2, 5), _rand_num(rng, 1, 5)
    if a == b:
        a += 1
    q = _phrase("sub", zh, rng, a=a, b=b)
    key = f"sub:{a}-{b}"
    if a >= b:
        head = [f"Subtract {b} from {a} column by column, starting from the ones."]
        p, _ = _arith_problem3("sub", "sub", a, b, q, key, zh, head, "-", rng, a - b)
        return p
    head = [f"{a} is smaller than {b}, so the result is negative. Compute {b} - {a} and put a minus sign in front.",
            f"Subtract {a} from {b} column by column, starting from the ones."]
    concl = lambda v: f"So {a} - {b} = -{v}."  # noqa: E731
    trace, checks, val, bt, bf, short = _arith_trace3("sub", b, a, head, concl, rng, sign="-")
    v = b - a
    back = _column_block(add_columns(v, a)[0])
    sign_check = (f"Wait, let me check the sign: {a} is smaller than {b}, so the result is negative. Adding back: {v} + {a}.\n"
                  f"{back}\nThat gives {b}, so {a} - {b} = -{v} is right.\n", True)
    checks = [sign_check] + checks
    short = [(f"{a} < {b}, so compute {b} - {a}: {sub_compact(b, a)}.\n", True), (concl(val) + "\n", True)]
    return Problem("sub", q, str(a - b), "", trace, checks[:1], key, zh, bt, bf, checks, short)


def gen_mul3(rng, zh):
    r = rng.random()
    if r < 0.5:
        a, m = _rand_num(rng, 2, 4), rng.randint(2, 9)
    elif r < 0.75:
        a, m = rng.randint(10, 99), rng.randint(10, 99)
    else:
        a, m = rng.randint(100, 999), rng.randint(10, 99)
    sym = rng.choice(["×", "*", "x", "times", "×"])
    q = _phrase("mul", zh, rng, a=a, b=m, s=sym)
    if zh and "{s}" in q:
        q = q.replace("{s}", "×")
    if m < 10:
        head = [f"Multiply {a} by {m} digit by digit, starting from the ones."]
    else:
        head = [f"Multiply {a} by {m} in two parts: {a} × {m % 10} and {a} × {m // 10}0, then add."]
    p, _ = _arith_problem3("mul", "mul", a, m, q, f"mul:{a}*{m}", zh, head, "×", rng, a * m)
    return p


def gen_compare3(rng, zh):
    p = gen_compare(rng, zh)        # numbers, trace and check as before; a new question
    a, b, larger = p.parts
    p.question = _phrase("compare", zh, rng, a=a, b=b, w="larger" if larger else "smaller", z="大" if larger else "小")
    p.checks = list(p.check)
    return p


def gen_count3(rng, zh):
    p = gen_count(rng, zh)
    _, word, letter = p.key.split(":")
    p.question = _phrase("count", zh, rng, w=word, l=letter)
    p.checks = list(p.check)
    return p


def gen_sort3(rng, zh):
    p = gen_sort(rng, zh)
    nums, asc = p.key.split(":")[1], p.key.endswith("True")
    p.question = _phrase("sort_asc" if asc else "sort_desc", zh, rng, lst=nums.replace(",", ", "))
    p.checks = list(p.check)
    return p


WORD_TEMPLATES = {
    "add": ["{name} has {a} {item}. {name} gets {b} more. How many {item} does {name} have now?",
            "{name} had {a} {item} and found {b} more. How many {item} are there in total?",
            "{name} has {a} {item} and finds {b} more. How many {item} are there now?"],
    "sub": ["{name} has {a} {item} and gives {b} to a friend. How many {item} are left?",
            "{name} had {a} {item} and lost {b}. How many {item} does {name} have left?",
            "{name} has {a} {item}. {name} gives away {b}. How many {item} are left?"],
    "mul": ["There are {m} boxes with {a} {item} in each box. How many {item} are there in total?",
            "{name} buys {m} packs of {item}. Each pack has {a} {item}. How many {item} does {name} buy?",
            "{name} has {m} bags with {a} {item} in each bag. How many {item} are there in total?"],
}
WORD_HELDOUT = {
    "add": ["{name} has {a} {item} and buys {b} more. How many {item} does {name} have now?"],
    "sub": ["{name} had {a} {item} and gives {b} to a friend. How many {item} does {name} have left?"],
    "mul": ["{name} has {m} boxes with {a} {item} in each box. How many {item} does {name} have?"],
}


def gen_word3(rng, zh):
    kind = rng.choice(["add", "sub", "mul"])
    if zh:
        name = rng.choice(ZH_NAMES)
        unit, item = rng.choice(ZH_ITEMS)
    else:
        name, item = rng.choice(NAMES), rng.choice(ITEMS)
    if kind == "add":
        a, b = _rand_num(rng, 2, 4), _rand_num(rng, 2, 4)
        val, m = a + b, None
    elif kind == "sub":
        a, b = _rand_num(rng, 2, 4), _rand_num(rng, 2, 4)
        if a < b:
            a, b = b, a
        if a == b:
            a += 1
        val, m = a - b, None
    else:
        a, m = _rand_num(rng, 2, 3), rng.randint(2, 9)
        b, val = m, a * m
    if zh:
        q = {"add": f"{name}有 {a} {unit}{item},又买了 {b} {unit}。现在一共有多少{unit}{item}?",
             "sub": f"{name}有 {a} {unit}{item},送给朋友 {b} {unit}。还剩多少{unit}{item}?",
             "mul": f"每个盒子里有 {a} {unit}{item},一共有 {m} 个盒子。一共有多少{unit}{item}?"}[kind]
    else:
        pool = WORD_TEMPLATES[kind] if _TEMPLATES == "train" else WORD_HELDOUT[kind]
        q = rng.choice(pool).format(name=name, item=item, a=a, b=b, m=m)
        if _TEMPLATES == "train":
            q = _noise(q, rng)
    if kind == "add":
        head = [f"{name} starts with {a} and gets {b} more, so compute {a} + {b}.",
                f"Add {a} and {b} column by column, starting from the ones."]
        op = "+"
    elif kind == "sub":
        head = [f"{name} starts with {a} and gives away {b}, so compute {a} - {b}.",
                f"Subtract {b} from {a} column by column, starting from the ones."]
        op = "-"
    else:
        head = [f"There are {m} groups of {a}, so compute {a} × {m}.",
                f"Multiply {a} by {m} digit by digit, starting from the ones."]
        op = "×"
    p, v = _arith_problem3("word", kind, a, b, q, f"word:{q}", zh, head, op, rng, val)
    assert v == val
    p.short_trace = [(head[0] + "\n", True)] + p.short_trace
    return p

GENERATORS = {"add": gen_add, "sub": gen_sub, "mul": gen_mul, "compare": gen_compare,
              "count": gen_count, "sort": gen_sort, "word": gen_word}
GENERATORS3 = {"add": gen_add3, "sub": gen_sub3, "mul": gen_mul3, "compare": gen_compare3,
               "count": gen_count3, "sort": gen_sort3, "word": gen_word3}
TASK_WEIGHTS_BY_STAGE = {
    1: {"add": 1.2, "sub": 1.2, "mul": 1.0, "compare": 0.8, "count": 1.0, "sort": 0.8, "word": 1.0},
    2: {"add": 1.4, "sub": 1.4, "mul": 1.6, "compare": 0.5, "count": 0.7, "sort": 0.7, "word": 1.2},
    3: {"add": 1.2, "sub": 1.2, "mul": 1.9, "compare": 0.6, "count": 1.0, "sort": 0.7, "word": 1.0},
}
TASK_WEIGHTS = TASK_WEIGHTS_BY_STAGE[STAGE]
ZH_RATE = 0.08
ZH_RATE_STAGE3 = 0.12


def make_problem(rng: random.Random, task: str | None = None, split: str = "train",
                 templates: str = "train") -> Problem:
    """A fresh problem. split='train' never returns a held-out key; split='test' only returns held-out keys.
    templates='heldout' (stage 3) phrases it with a template never used in training."""
    global _TEMPLATES
    gens = GENERATORS3 if STAGE >= 3 else GENERATORS
    zh_rate = ZH_RATE_STAGE3 if STAGE >= 3 else ZH_RATE
    _TEMPLATES = templates
    try:
        while True:
            t = task or rng.choices(list(TASK_WEIGHTS), weights=list(TASK_WEIGHTS.values()))[0]
            zh = rng.random() < zh_rate
            p = gens[t](rng, zh)
            if _heldout(p.key) == (split == "test"):
                p.answer_text = answer_sentence(p.answer, p.zh)
                return p
    finally:
        _TEMPLATES = "train"


def test_set(seed: int, n_per_task: int, tasks=TASKS, templates: str = "train") -> list[Problem]:
    rng = random.Random(seed)
    out, seen = [], set()
    for t in tasks:
        k = 0
        while k < n_per_task:
            p = make_problem(rng, t, split="test", templates=templates)
            if p.key in seen:
                continue
            seen.add(p.key)
            out.append(p)
            k += 1
    return out


if __name__ == "__main__":
    rng = random.Random(1)
    for t in TASKS:
        p = make_problem(rng, t)
        print("=" * 20, t, "|", p.question, "->", p.answer)
        print("".join(s for s, _ in p.trace) + "".join(s for s, _ in p.check))
        if p.bad_trace:
            print("-- bad:", "".join(s if ok else f"[[{s}]]" for s, ok in p.bad_trace) + "".join(s for s, _ in p.bad_fix))
