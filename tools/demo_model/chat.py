"""Qwen3 ChatML formatting, training-sample construction and the chat template written into the GGUF."""
from __future__ import annotations

import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import qwen_vocab as qv  # noqa: E402

import tasks  # noqa: E402
from tasks import Problem  # noqa: E402

EARLY_STOP = ("\n\nConsidering the limited time by the user, I have to give the solution based on the "
              "thinking directly now.\n</think>\n\n")
WAIT = "Wait"

# Phases recorded per token (for routing statistics): 0 prompt, 1 thinking, 2 answer, 3 forced text.
PROMPT, THINK, ANSWER, FORCED = 0, 1, 2, 3

# Qwen3 hybrid ChatML template (enable_thinking, /think and /no_think pass through as user text, thinking
# of earlier turns dropped from history). Written for this project.
CHAT_TEMPLATE = (
    "{%- if messages[0].role == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- set ns = namespace(last_query_index=messages|length - 1, found=false) %}"
    "{%- for m in messages[::-1] %}"
    "{%- set i = messages|length - 1 - loop.index0 %}"
    "{%- if not ns.found and m.role == 'user' and not (m.content.startswith('<tool_response>') and m.content.endswith('</tool_response>')) %}"
    "{%- set ns.last_query_index = i %}"
    "{%- set ns.found = true %}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'system' and loop.first %}"
    "{%- elif m.role == 'assistant' %}"
    "{%- set content = m.content %}"
    "{%- set reasoning = m.reasoning_content if m.reasoning_content is defined and m.reasoning_content else '' %}"
    "{%- if '</think>' in content %}"
    "{%- set reasoning = content.split('</think>')[0].split('<think>')[-1].strip('\\n') %}"
    "{%- set content = content.split('</think>')[-1].lstrip('\\n') %}"
    "{%- endif %}"
    "{%- if loop.index0 > ns.last_query_index and (loop.last or reasoning) %}"
    "{{- '<|im_start|>assistant\\n<think>\\n' + reasoning + '\\n</think>\\n\\n' + content + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>assistant\\n' + content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- else %}"
    "{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)


def prompt_text(question: str, thinking: bool = True, system: str | None = None) -> str:
    s = ""
    if system:
        s += f"<|im_start|>system\n{system}<|im_end|>\n"
    s += f"<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"
    if not thinking:
        s += "<think>\n\n</think>\n\n"
    return s


def prompt_ids(question: str, thinking: bool = True) -> list[int]:
    return qv.encode(prompt_text(question, thinking))


def history_text(turns, system: str | None = None) -> str:
    """Earlier turns of a conversation as the chat template renders them (their thinking dropped)."""
    s = f"<|im_start|>system\n{system}<|im_end|>\n" if system else ""
    for q, a in turns:
        s += f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>\n"
    return s


# Stage 3 class-conditional controls. The suffixes are s1's class-conditional prompts exactly as ThinkScope's
# sweep appends them (Sources/Reasoning/PromptControl.swift); the system prompts are the same request said
# the way a user would. "short" answers with the compact trace and no re-check, "long" with the full trace
# and two or three re-checks.
SHORT_SUFFIX = "\n\nAnswer after a short amount of thinking. Do not spend excessive time double-checking your work."
LONG_SUFFIX = ("\n\nAnswer after a long amount of thinking. If you feel like you are finished early, spend the extra "
               "time trying to double-check your work until you are absolutely sure that you have the correct answer.")
SHORT_SYSTEMS = ["Think briefly.", "Keep your thinking short.", "Think briefly and answer quickly."]
LONG_SYSTEMS = ["Think carefully.", "Think carefully and double-check your work.", "Think long and check your answer."]
MODE_WEIGHTS_3 = {"think": 0.28, "check": 0.24, "cut": 0.15, "nothink": 0.14, "soft_nothink": 0.03,
                  "short": 0.07, "long": 0.09}
MULTI_TURN_RATE = 0.1


def _seg_ids(segs):
    """Tokenize a list of (text, trainable) segments as one text, so tokens match whole-text tokenization.
    A token is trainable if every character it covers is trainable."""
    text = "".join(s for s, _ in segs)
    ids = qv.encode(text)
    flags = []  # byte -> trainable
    for s, ok in segs:
        flags += [ok] * len(s.encode("utf-8"))
    enc = qv.encoding()
    out_mask, pos = [], 0
    for t in ids:
        n = len(enc.decode_single_token_bytes(t))
        out_mask.append(all(flags[pos:pos + n]))
        pos += n
    assert pos == len(flags)
    return ids, out_mask


class Sample:
    __slots__ = ("ids", "mask", "phase", "task", "mode")

    def __init__(self, task, mode):
        self.ids, self.mask, self.phase, self.task, self.mode = [], [], [], task, mode

    def add(self, ids, trainable, phase):
        if isinstance(trainable, bool):
            trainable = [trainable] * len(ids)
        self.ids += ids
        self.mask += trainable
        self.phase += [phase] * len(ids)


MODE_WEIGHTS = {"think": 0.38, "check": 0.16, "cut": 0.24, "nothink": 0.19, "soft_nothink": 0.03}


def forced_checks(p: Problem, rng: random.Random, go_on: float = 0.5, most: int = 7) -> list:
    """Up to `most` more self-checks, each after a "Wait" the model did not choose: s1's budget forcing
    replaces the model's </think> by "Wait", so that "Wait" is masked and only the re-check is taught."""
    (text, _), = p.check
    assert text.startswith(WAIT)
    segs = []
    while len(segs) < 2 * most and rng.random() < go_on:
        segs += [(WAIT, False), (text[len(WAIT):], True)]
    return segs


def forced_checks3(p: Problem, rng: random.Random, go_on: float = 0.5, most: int = 7) -> list:
    """Stage 3: like forced_checks, but every re-check recomputes another way (cycling through p.checks)."""
    segs, k = [], rng.randrange(len(p.checks))
    while len(segs) < 2 * most and rng.random() < go_on:
        text = p.checks[k % len(p.checks)][0]
        segs += [(WAIT, False), (text[len(WAIT):], True)]
        k += 1
    return segs


def build_sample3(p: Problem, rng: random.Random, mode: str | None = None) -> Sample:
    """Stage 3 samples: stage 2's formats plus class-conditional styles, re-checks that recompute another
    way, first passes with an injected slip caught by the re-check, and earlier turns of a conversation."""
    mode = mode or rng.choices(list(MODE_WEIGHTS_3), weights=list(MODE_WEIGHTS_3.values()))[0]
    s = Sample(p.task, mode)
    ans_ids = qv.encode(p.answer_text) + [qv.IM_END]
    q, system = p.question, None
    if mode in ("short", "long"):
        if rng.random() < 0.5:
            q += SHORT_SUFFIX if mode == "short" else LONG_SUFFIX
        else:
            system = rng.choice(SHORT_SYSTEMS if mode == "short" else LONG_SYSTEMS)
    pre = ""
    if rng.random() < MULTI_TURN_RATE:
        turns = []
        for _ in range(rng.choice([1, 1, 2])):
            h = tasks.make_problem(rng)
            turns.append((h.question, h.answer_text))
        pre = history_text(turns, system)
    elif system:
        pre = history_text([], system)
    if mode == "nothink":
        s.add(qv.encode(pre + prompt_text(q, thinking=False)), False, PROMPT)
        s.add(ans_ids, True, ANSWER)
        return s
    if mode == "soft_nothink":
        s.add(qv.encode(pre + prompt_text(q + " /no_think", thinking=True)), False, PROMPT)
        s.add(qv.encode("<think>\n\n</think>\n\n"), True, THINK)
        s.add(ans_ids, True, ANSWER)
        return s
    if mode == "think" and rng.random() < 0.03:
        q += " /think"
    s.add(qv.encode(pre + prompt_text(q, thinking=True)), False, PROMPT)
    segs = list(p.trace)
    if mode == "short":
        segs = list(p.short_trace or p.trace)
    elif mode in ("check", "long"):
        if p.bad_trace is not None and rng.random() < (0.4 if mode == "check" else 0.3):
            segs = list(p.bad_trace) + list(p.bad_fix)
        else:
            segs += [rng.choice(p.checks)]
        if mode == "check":
            segs += forced_checks3(p, rng, go_on=0.45, most=5)
        else:   # the long style re-checks on its own: every "Wait" is the model's
            extra = 1 + (rng.random() < 0.5)
            k = rng.randrange(len(p.checks))
            for i in range(extra):
                segs.append(p.checks[(k + i) % len(p.checks)])
    elif mode == "cut" and rng.random() < 0.25:
        segs += [rng.choice(p.checks)] + forced_checks3(p, rng)
    body = [("<think>\n", True)] + segs + [("</think>\n\n", True)]
    ids, mask = _seg_ids(body)
    assert ids[0] == qv.THINK
    if mode == "cut":
        end = len(ids) - 1
        while ids[end] != qv.END_THINK:
            end -= 1
        k = rng.randint(1, end - 1)
        s.add(ids[:k], mask[:k], THINK)
        s.add(qv.encode(EARLY_STOP), False, FORCED)
        s.add(ans_ids, True, ANSWER)
        return s
    s.add(ids, mask, THINK)
    s.add(ans_ids, True, ANSWER)
    return s


def build_sample(p: Problem, rng: random.Random, mode: str | None = None) -> Sample:
    if tasks.STAGE >= 3:
        return build_sample3(p, rng, mode)
    mode = mode or rng.choices(list(MODE_WEIGHTS), weights=list(MODE_WEIGHTS.values()))[0]
    s = Sample(p.task, mode)
    ans_ids = qv.encode(p.answer_text) + [qv.IM_END]
    if mode == "nothink":
        s.add(prompt_ids(p.question, thinking=False), False, PROMPT)
        s.add(ans_ids, True, ANSWER)
        return s
    if mode == "soft_nothink":
        q = p.question + " /no_think"
        s.add(prompt_ids(q, thinking=True), False, PROMPT)
        s.add(qv.encode("<think>\n\n</think>\n\n"), True, THINK)
        s.add(ans_ids, True, ANSWER)
        return s
    q = p.question
    if rng.random() < 0.03:
        q += " /think"
    s.add(prompt_ids(q, thinking=True), False, PROMPT)
    segs = list(p.trace)
    if mode == "check":
        if p.bad_trace is not None and rng.random() < 0.4:
            segs = list(p.bad_trace) + list(p.bad_fix)
        else:
            segs += list(p.check)
        if tasks.STAGE == 1:
            if rng.random() < 0.3:
                segs += list(p.check)
        else:
            segs += forced_checks(p, rng)
    elif mode == "cut" and rng.random() < 0.25:
        segs += list(p.check)
        if tasks.STAGE > 1:
            segs += forced_checks(p, rng)
    # trace text ends with "\n"; "<think>\n" + trace + "</think>\n\n"
    body = [("<think>\n", True)] + segs + [("</think>\n\n", True)]
    ids, mask = _seg_ids(body)
    assert ids[0] == qv.THINK
    if mode == "cut":
        # cut somewhere in the thinking (tokens after <think>, before the closing part)
        end = len(ids) - 1
        while ids[end] != qv.END_THINK:
            end -= 1
        k = rng.randint(1, end - 1)  # keep <think> and at least 0 thinking tokens
        s.add(ids[:k], mask[:k], THINK)
        s.add(qv.encode(EARLY_STOP), False, FORCED)
        s.add(ans_ids, True, ANSWER)
        return s
    s.add(ids, mask, THINK)
    s.add(ans_ids, True, ANSWER)
    return s


if __name__ == "__main__":
    from tasks import make_problem
    rng = random.Random(0)
    lens = []
    for i in range(2000):
        p = make_problem(rng)
        smp = build_sample(p, rng)
        lens.append(len(smp.ids))
        if i < 6:
            print("----", smp.task, smp.mode, len(smp.ids))
            print("".join((qv.decode([t]) if m else f"[{qv.decode([t])}]") for t, m in zip(smp.ids, smp.mask)))
    import statistics
    print("len mean", statistics.mean(lens), "max", max(lens), "p95", sorted(lens)[int(0.95 * len(lens))])
