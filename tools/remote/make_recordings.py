#!/usr/bin/env python3
"""Writes Tests/RemoteTests/Recordings: streams and responses as vLLM, SGLang, an OpenAI-compatible
chat server, Ollama and the Anthropic Messages API send them, made from their documented formats
(shared/reference/remote-engines.md §3-§6, vLLM docs/features/routed_experts.md, SGLang
sampling_params.md and its routed-experts payload), with token ids of the demo model's Qwen3
vocabulary. Routed-expert payloads are written here independently of the Swift decoders: .npy
files by the NPY 1.0 layout, SGLang's as raw little-endian int32.

    python3 tools/remote/make_recordings.py Sources/EmbeddedModel/thinkscope-demo.gguf
"""
import base64, json, os, struct, sys

def gguf_meta(path):
    """The key/values of a GGUF file (enough of the format to read the vocabulary)."""
    f = open(path, "rb")
    assert f.read(4) == b"GGUF"
    version, = struct.unpack("<I", f.read(4))
    n_tensors, n_kv = struct.unpack("<QQ", f.read(16))
    def string():
        n, = struct.unpack("<Q", f.read(8))
        return f.read(n).decode("utf-8", "replace")
    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
    def value(t):
        if t == 8: return string()
        if t == 9:
            et, n = struct.unpack("<IQ", f.read(12))
            return [value(et) for _ in range(n)]
        fmt = scalar[t]
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
    meta = {}
    for _ in range(n_kv):
        k = string()
        t, = struct.unpack("<I", f.read(4))
        meta[k] = value(t)
    return meta

meta = gguf_meta(sys.argv[1])
vocab = {s: i for i, s in enumerate(meta["tokenizer.ggml.tokens"])}
arch = meta["general.architecture"]
LAYERS, EXPERTS, TOPK = meta[arch + ".block_count"], meta[arch + ".expert_count"], meta[arch + ".expert_used_count"]

def ids(*pieces):
    return [vocab[p] for p in pieces]

THINK, END_THINK, IM_END = vocab["<think>"], vocab["</think>"], vocab["<|im_end|>"]
# Thinking: "<think>\nAdd 17 and 25: 42.\n</think>", answer: "\n\nThe answer is 42.<|im_end|>"
THINKING = [THINK] + ids("Ċ", "Add", "Ġ", "1", "7", "Ġand", "Ġ", "2", "5", ":", "Ġ", "4", "2", ".", "Ċ") + [END_THINK]
ANSWER = ids("ĊĊ", "The", "Ġanswer", "Ġis", "Ġ", "4", "2", ".") + [IM_END]
OUT = os.path.join(os.path.dirname(__file__), "../../Tests/RemoteTests/Recordings")
os.makedirs(OUT, exist_ok=True)

def write(name, text):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)

def sse(events, done=True, event_names=None):
    out = ""
    for i, e in enumerate(events):
        if event_names: out += "event: %s\n" % event_names[i]
        out += "data: " + (e if isinstance(e, str) else json.dumps(e, separators=(",", ":"), ensure_ascii=False)) + "\n\n"
    if done: out += "data: [DONE]\n\n"
    return out

def logprob(i, t):
    return -0.01 * (i % 7) - 0.001

def alternatives(t):
    # The sampled token first, then two others (ids near it), as a top-3 list.
    return [(t, -0.001), ((t + 1) % len(vocab), -3.5), ((t + 2) % len(vocab), -5.25)]

def expert_rows(rows, seed):
    """rows x layers x top-k expert ids, distinct within a layer."""
    out = []
    for r in range(rows):
        row = []
        for l in range(LAYERS):
            row.append([(seed * 7 + r * 3 + l + j * 5) % EXPERTS for j in range(TOPK)])
        out.append(row)
    return out

def npy(rows):
    """An NPY 1.0 file of uint8 (<= 256 experts), C order, shape (rows, layers, top-k)."""
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d, %d), }" % (len(rows), LAYERS, TOPK)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    data = bytes(x for row in rows for layer in row for x in layer)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data

# ---------------------------------------------------------------- vLLM /v1/completions, streamed
def vllm_stream(tokens, finish, stop_reason, prompt_tokens=17, cached=0):
    events = []
    for i, t in enumerate(tokens):
        last = i == len(tokens) - 1
        events.append({
            "id": "cmpl-rec", "object": "text_completion", "created": 1700000000, "model": "Qwen/Qwen3-235B-A22B",
            "choices": [{"index": 0, "text": "", "token_ids": [t],
                         "logprobs": {"text_offset": [i], "token_logprobs": [logprob(i, t)], "tokens": ["token_id:%d" % t],
                                      "top_logprobs": [{"token_id:%d" % a: lp for a, lp in alternatives(t)}]},
                         "finish_reason": finish if last else None, "stop_reason": stop_reason if last else None}]})
    events.append({"id": "cmpl-rec", "object": "text_completion", "created": 1700000000, "model": "Qwen/Qwen3-235B-A22B",
                   "choices": [], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(tokens),
                                            "total_tokens": prompt_tokens + len(tokens),
                                            "prompt_tokens_details": {"cached_tokens": cached}}})
    return sse(events)

write("vllm-thinking.sse", vllm_stream(THINKING, "stop", END_THINK, 17, 0))
write("vllm-answer.sse", vllm_stream(ANSWER, "stop", None, 17 + len(THINKING), 32))
# A stream that breaks off with vLLM's streaming error object.
err = vllm_stream(THINKING[:5], "stop", END_THINK).split("data: ")
write("vllm-error.sse", "data: ".join(err[:5]) + "data: " + json.dumps({"error": {"object": "error", "message": "CUDA out of memory", "type": "InternalServerError", "param": None, "code": 500}}) + "\n\ndata: [DONE]\n\n")

# ------------------------------------------------ vLLM non-streamed segments with routed experts
def vllm_whole(tokens, finish, stop_reason, seed, prompt_tokens, lists=False):
    rows = expert_rows(len(tokens) - 1, seed)
    choice = {"index": 0, "text": "", "token_ids": tokens,
              "logprobs": {"text_offset": list(range(len(tokens))), "token_logprobs": [logprob(i, t) for i, t in enumerate(tokens)],
                           "tokens": ["token_id:%d" % t for t in tokens],
                           "top_logprobs": [{"token_id:%d" % a: lp for a, lp in alternatives(t)} for t in tokens]},
              "finish_reason": finish, "stop_reason": stop_reason,
              "routed_experts": rows if lists else base64.b64encode(npy(rows)).decode()}
    return json.dumps({"id": "cmpl-rec", "object": "text_completion", "created": 1700000000, "model": "Qwen/Qwen3-235B-A22B",
                       "choices": [choice], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(tokens),
                                                      "total_tokens": prompt_tokens + len(tokens)}})

SEGMENTS = [(THINKING[0:4], "length", None), (THINKING[4:8], "length", None), (THINKING[8:12], "length", None),
            (THINKING[12:16], "length", None), (THINKING[16:], "stop", END_THINK),
            (ANSWER[0:4], "length", None), (ANSWER[4:8], "length", None), (ANSWER[8:], "stop", None)]
for k, (tokens, finish, stop) in enumerate(SEGMENTS):
    write("vllm-routed-%d.json" % k, vllm_whole(tokens, finish, stop, k, 17 + 4 * k))
    write("vllm-routed-lists-%d.json" % k, vllm_whole(tokens, finish, stop, k, 17 + 4 * k, lists=True))

# ------------------------------------------------------------ SGLang /generate, streamed
def sglang_stream(tokens, finish, seed, cumulative, routing, prompt_tokens=17):
    events = []
    for i in range(len(tokens)):
        last = i == len(tokens) - 1
        part = tokens[: i + 1] if cumulative else tokens[i : i + 1]
        first = 0 if cumulative else i
        meta = {"id": "rec", "prompt_tokens": prompt_tokens, "completion_tokens": i + 1, "cached_tokens": prompt_tokens - 1 if prompt_tokens > 17 else 0,
                "finish_reason": finish if last else None, "e2e_latency": 0.01 * (i + 1),
                "output_token_logprobs": [[logprob(first + j, t), t, None] for j, t in enumerate(part)],
                "output_top_logprobs": [[[lp, a, None] for a, lp in alternatives(t)] for t in part]}
        if last and routing:
            rows = expert_rows(len(tokens) - 1, seed)
            flat = [x for row in rows for layer in row for x in layer]
            meta["routed_experts"] = base64.b64encode(struct.pack("<%di" % len(flat), *flat)).decode()
        events.append({"text": "", "output_ids": part, "meta_info": meta})
    return sse(events)

write("sglang-thinking.sse", sglang_stream(THINKING, {"type": "stop", "matched": END_THINK}, 0, True, False))
write("sglang-answer.sse", sglang_stream(ANSWER, {"type": "stop", "matched": IM_END}, 1, True, False, 17 + len(THINKING)))
write("sglang-thinking-incremental.sse", sglang_stream(THINKING, {"type": "stop", "matched": END_THINK}, 0, False, False))
write("sglang-answer-incremental.sse", sglang_stream(ANSWER, {"type": "stop", "matched": IM_END}, 1, False, False, 17 + len(THINKING)))
for k, (tokens, finish, stop) in enumerate(SEGMENTS):
    f = {"type": "length", "length": len(tokens)} if finish == "length" else {"type": "stop", "matched": stop if stop is not None else IM_END}
    write("sglang-routed-%d.sse" % k, sglang_stream(tokens, f, k, True, True, 17 + 4 * k))
write("sglang-abort.sse", sse([{"text": "", "output_ids": THINKING[:3], "meta_info": {"id": "rec", "completion_tokens": 3,
    "finish_reason": {"type": "abort", "message": "Abort before prefill"}, "output_token_logprobs": [[-0.1, t, None] for t in THINKING[:3]]}}]))

# ---------------------------------------------------- OpenAI-compatible chat (reasoning_content)
THOUGHT = ["Add", " 17", " and", " 25", ":", " 42", "."]
REPLY = ["The", " answer", " is", " ", "42", "."]
def chat_chunk(delta, finish=None):
    return {"id": "chatcmpl-rec", "object": "chat.completion.chunk", "created": 1700000000, "model": "qwen3",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
events = [chat_chunk({"role": "assistant", "content": None})]
events += [chat_chunk({"reasoning_content": t}) for t in THOUGHT]
events += [chat_chunk({"content": t}) for t in REPLY]
events += [chat_chunk({}, "stop"), {"id": "chatcmpl-rec", "object": "chat.completion.chunk", "created": 1700000000, "model": "qwen3",
                                    "choices": [], "usage": {"prompt_tokens": 14, "completion_tokens": 15, "total_tokens": 29,
                                                             "completion_tokens_details": {"reasoning_tokens": 9}}}]
write("openai-chat.sse", ": keep-alive\n\n" + sse(events))
# Newer vLLM names the field `reasoning`.
events = [chat_chunk({"reasoning": t}) for t in THOUGHT] + [chat_chunk({"content": t}) for t in REPLY] + [chat_chunk({}, "length")]
write("openai-chat-reasoning.sse", sse(events))

# ----------------------------------------------------------------- Ollama /api/chat (NDJSON)
lines = [{"model": "qwen3", "created_at": "2025-01-01T00:00:00Z", "message": {"role": "assistant", "content": "", "thinking": t}, "done": False} for t in THOUGHT]
lines += [{"model": "qwen3", "created_at": "2025-01-01T00:00:00Z", "message": {"role": "assistant", "content": t}, "done": False} for t in REPLY]
lines += [{"model": "qwen3", "created_at": "2025-01-01T00:00:01Z", "message": {"role": "assistant", "content": ""}, "done": True,
           "done_reason": "stop", "total_duration": 1000, "load_duration": 10, "prompt_eval_count": 14, "prompt_eval_duration": 100,
           "eval_count": 15, "eval_duration": 900}]
write("ollama-chat.ndjson", "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines))
write("ollama-error.ndjson", json.dumps(lines[0]) + "\n" + json.dumps({"error": "model runner has unexpectedly stopped"}) + "\n")

# ------------------------------------------------------ Anthropic Messages API (extended thinking)
ev = [("message_start", {"type": "message_start", "message": {"id": "msg_rec", "type": "message", "role": "assistant", "content": [],
        "model": "claude-sonnet-4-5", "stop_reason": None, "usage": {"input_tokens": 14, "output_tokens": 1}}}),
      ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}})]
ev += [("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": t}}) for t in THOUGHT]
ev += [("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDYXJlZnVsbHk="}}),
       ("content_block_stop", {"type": "content_block_stop", "index": 0}),
       ("ping", {"type": "ping"}),
       ("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}})]
ev += [("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": t}}) for t in REPLY]
ev += [("content_block_stop", {"type": "content_block_stop", "index": 1}),
       ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 57}}),
       ("message_stop", {"type": "message_stop"})]
write("anthropic.sse", sse([e for _, e in ev], done=False, event_names=[n for n, _ in ev]))
write("anthropic-overloaded.sse", sse([ev[0][1], ev[1][1], ev[2][1], {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}],
                                      done=False, event_names=["message_start", "content_block_start", "content_block_delta", "error"]))

json.dump({"thinking": THINKING, "answer": ANSWER, "layers": LAYERS, "experts": EXPERTS, "topK": TOPK,
           "thought": THOUGHT, "reply": REPLY}, open(os.path.join(OUT, "tokens.json"), "w"))
print("wrote", OUT)
