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
    return Problem("compare", q, ans, "", trace, check, key, zh)


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


GENERATORS = {"add": gen_add, "sub": gen_sub, "mul": gen_mul, "compare": gen_compare,
              "count": gen_count, "sort": gen_sort, "word": gen_word}
TASK_WEIGHTS_BY_STAGE = {
    1: {"add": 1.2, "sub": 1.2, "mul": 1.0, "compare": 0.8, "count": 1.0, "sort": 0.8, "word": 1.0},
    2: {"add": 1.4, "sub": 1.4, "mul": 1.6, "compare": 0.5, "count": 0.7, "sort": 0.7, "word": 1.2},
}
TASK_WEIGHTS = TASK_WEIGHTS_BY_STAGE[STAGE]
ZH_RATE = 0.08


def make_problem(rng: random.Random, task: str | None = None, split: str = "train") -> Problem:
    """A fresh problem. split='train' never returns a held-out key; split='test' only returns held-out keys."""
    while True:
        t = task or rng.choices(list(TASK_WEIGHTS), weights=list(TASK_WEIGHTS.values()))[0]
        zh = rng.random() < ZH_RATE
        p = GENERATORS[t](rng, zh)
        if _heldout(p.key) == (split == "test"):
            p.answer_text = answer_sentence(p.answer, p.zh)
            return p


def test_set(seed: int, n_per_task: int, tasks=TASKS) -> list[Problem]:
    rng = random.Random(seed)
    out, seen = [], set()
    for t in tasks:
        k = 0
        while k < n_per_task:
            p = make_problem(rng, t, split="test")
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
