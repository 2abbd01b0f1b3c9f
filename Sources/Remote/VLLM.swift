import AsyncHTTPClient
import Engine
import Foundation
import Reasoning
import Tokenizer

/// vLLM's OpenAI-compatible `/v1/completions` with a token-id prompt: `logprobs` with
/// `return_tokens_as_token_ids` (every sampled token and its alternatives come back as
/// `"token_id:N"`; `return_token_ids` adds the ids themselves where the version has it),
/// `stop_token_ids` for the end of thinking, `logit_bias` to ban ids, automatic prefix caching
/// for continuations. Routed experts (`--enable-return-routed-experts`) come only with a
/// finished, non-streamed response, so with routing on each segment is one short non-streamed
/// request.
public struct VLLMServer: TokenServer, ServerTokenizer {
    public var tellsControlTokens: Bool { false }
    public let url: URL
    public var engine: String { "vllm" }
    public let contextLength: Int
    /// The served model's name (`--model NAME`, or the first of `/v1/models`).
    public let model: String
    public let routing: RoutingShape?
    let headers: [(String, String)]
    private var server: String { url.absoluteString }

    /// Connects: waits up to `wait` seconds for `/health`, then reads the model and its context
    /// length from `/v1/models`.
    public init(url: URL, model: String? = nil, routing: RoutingShape? = nil, apiKey: String? = nil, wait: Double = 0) throws {
        self.url = url
        self.routing = routing
        headers = apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
        let server = url.absoluteString
        _ = try Connect.waitFor(url, path: "health", server: server, wait: wait, headers: headers)
        let data = try HTTP.call(HTTP.get(url.appendingPathComponent("v1/models"), headers: headers), server: server, what: "GET /v1/models")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "GET /v1/models",
                                expected: "{\"data\": [{\"id\", \"max_model_len\"}]}")
        let models = (o["data"] as? [[String: Any]]) ?? []
        guard let chosen = model.flatMap({ m in models.first { $0["id"] as? String == m } }) ?? (model == nil ? models.first : nil) else {
            let names = models.compactMap { $0["id"] as? String }
            throw ServerError(server, "GET /v1/models: " + (model.map { "no model named \($0); " } ?? "no model listed; ")
                              + "the server has: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
        }
        self.model = (chosen["id"] as? String) ?? model ?? ""
        contextLength = JSON.int(chosen["max_model_len"]) ?? Int.max
    }

    /// A connection that was never checked (request bodies and recorded streams in tests).
    init(testing url: URL, model: String = "served", contextLength: Int = 4096, routing: RoutingShape? = nil) {
        self.url = url
        self.model = model
        self.contextLength = contextLength
        self.routing = routing
        headers = []
    }

    /// `/tokenize` with a prompt: vLLM's tokenizer always parses added tokens (`parseSpecial` cannot
    /// be switched off); `add_special_tokens` as asked.
    public func tokenize(_ text: String, parseSpecial: Bool, addSpecial: Bool) throws -> ServerTokens {
        let request = try HTTP.request(url.appendingPathComponent("tokenize"),
                                       object: ["model": model, "prompt": text, "add_special_tokens": addSpecial], headers: headers, server: server)
        let data = try HTTP.call(request, server: server, what: "POST /tokenize")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /tokenize", expected: "{\"tokens\": [ids]}")
        guard let t = JSON.ints(o["tokens"]) else { throw ServerError(server, "POST /tokenize: expected {\"tokens\": [ids]}, got: \(ServerError.excerpt(data))") }
        return ServerTokens(ids: t, pieces: nil)
    }

    /// `/tokenize` with `messages`: the prompt the server's own chat template renders.
    public func tokenize(messages: [[String: String]], enableThinking: Bool) throws -> [Int] {
        let object: [String: Any] = ["model": model, "messages": messages, "add_generation_prompt": true, "add_special_tokens": false,
                                     "chat_template_kwargs": ["enable_thinking": enableThinking]]
        let data = try HTTP.call(try HTTP.request(url.appendingPathComponent("tokenize"), object: object, headers: headers, server: server),
                                 server: server, what: "POST /tokenize (messages)")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /tokenize (messages)", expected: "{\"tokens\": [ids]}")
        guard let t = JSON.ints(o["tokens"]) else { throw ServerError(server, "POST /tokenize (messages): expected {\"tokens\": [ids]}, got: \(ServerError.excerpt(data))") }
        return t
    }

    /// The `messages` form of `/tokenize`: the server's own chat template.
    public func renderChat(_ messages: [ChatMessage], enableThinking: Bool) throws -> [Int]? {
        try tokenize(messages: messages.map { ["role": $0.role.rawValue, "content": $0.content] }, enableThinking: enableThinking)
    }

    public func detokenize(_ ids: [Int]) throws -> String {
        let request = try HTTP.request(url.appendingPathComponent("detokenize"), object: ["model": model, "tokens": ids], headers: headers, server: server)
        let data = try HTTP.call(request, server: server, what: "POST /detokenize")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /detokenize", expected: "{\"prompt\": text}")
        guard let text = o["prompt"] as? String else { throw ServerError(server, "POST /detokenize: expected {\"prompt\": text}, got: \(ServerError.excerpt(data))") }
        return text
    }

    /// vLLM does not publish its chat template or vocabulary size; the model's name is what it lists.
    public func modelFacts() throws -> ServedModelFacts {
        var facts = ServedModelFacts()
        facts.model = model
        facts.missing = "vLLM does not publish its chat template"
        return facts
    }

    /// Whether a segment streams: not when it asks for routing (vLLM returns it only in a
    /// non-streamed response).
    func streams(_ r: SegmentRequest) -> Bool { r.routingFrom == nil || routing == nil }

    /// The request body of one segment.
    func body(_ r: SegmentRequest) -> [String: Any] {
        let s = r.sampling
        var b: [String: Any] = [
            "model": model, "prompt": r.prompt, "max_tokens": r.plan.maxTokens, "stream": streams(r),
            "logprobs": max(1, s.alternatives), "return_tokens_as_token_ids": true, "return_token_ids": true,
            "skip_special_tokens": false, "spaces_between_special_tokens": false, "include_stop_str_in_output": true,
            "echo": false, "n": 1,
            // Every sampler setting, so the server's generation_config never applies.
            "temperature": s.temperature, "top_k": s.topK > 0 ? s.topK : -1, "top_p": s.topP, "min_p": s.minP,
            "presence_penalty": s.presencePenalty, "frequency_penalty": 0, "repetition_penalty": s.repetitionPenalty,
            "seed": Int(truncatingIfNeeded: s.seed & 0x7FFF_FFFF), "ignore_eos": false,
        ]
        if streams(r) { b["stream_options"] = ["include_usage": true] }
        if let stop = r.plan.stopAt { b["stop_token_ids"] = [stop] }
        if !r.banned.isEmpty { b["logit_bias"] = Dictionary(uniqueKeysWithValues: r.banned.map { (String($0), -100) }) }
        if let from = r.routingFrom, routing != nil { b["routed_experts_prompt_start"] = from }
        return b
    }

    public func segment(_ r: SegmentRequest) throws -> TokenSegment {
        let stream = EventStream(try HTTP.request(url.appendingPathComponent("v1/completions"), object: body(r), headers: headers, server: server),
                                 server: server, what: "POST /v1/completions", framing: streams(r) ? .sse : .whole)
        return VLLMSegment(stream: stream, request: r, routing: routing, streaming: streams(r))
    }
}

/// A `/v1/completions` response, streamed (`data:` chunks with `choices[0]` deltas, a usage
/// chunk, `[DONE]`) or whole (one object with the full choice, its routed experts and usage).
final class VLLMSegment: StreamedSegment {
    let request: SegmentRequest
    let routingShape: RoutingShape?
    private var finish: (reason: SegmentEnd.Reason, stopToken: Int?)?
    private var usage: (prompt: Int?, cached: Int?, completion: Int?)
    private var routingValues: [Int]?

    /// Chunks of a stream (ending at [DONE]), or one whole response.
    let streaming: Bool

    init(stream: EventFeed, request: SegmentRequest, routing: RoutingShape?, streaming: Bool = true) {
        self.request = request
        self.routingShape = routing
        self.streaming = streaming
        super.init(stream: stream, what: "POST /v1/completions")
    }

    override func read(_ data: String) throws {
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            try settle()
            return
        }
        let o = try JSON.object(data, server: server, what: what, expected: "a JSON completion chunk")
        if let message = JSON.errorMessage(o) { throw failure("the server reported an error: \(message)") }
        if let u = o["usage"] as? [String: Any] {
            usage = (JSON.int(u["prompt_tokens"]), JSON.int((u["prompt_tokens_details"] as? [String: Any])?["cached_tokens"]),
                     JSON.int(u["completion_tokens"]))
        }
        guard let choices = o["choices"] as? [Any] else {
            throw failure("expected \"choices\" in a completion chunk, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        if let choice = choices.first {
            guard let c = choice as? [String: Any] else { throw failure("expected a choice object, got: \(choice)") }
            try read(choice: c)
        }
        // A whole response has no [DONE]: it ends here.
        if !streaming && finish != nil { try settle() }
    }

    private func read(choice c: [String: Any]) throws {
        let lp = c["logprobs"] as? [String: Any]
        let names = (lp?["tokens"] as? [Any]) ?? []
        var ids = JSON.ints(c["token_ids"]) ?? []
        let fromNames = try names.map { name -> Int in
            guard let s = name as? String, s.hasPrefix("token_id:"), let id = Int(s.dropFirst(9)) else {
                throw failure("expected tokens as \"token_id:N\" (return_tokens_as_token_ids), got: \(name)")
            }
            return id
        }
        if ids.isEmpty { ids = fromNames }
        if !fromNames.isEmpty && fromNames != ids {
            throw failure("token_ids \(ids) and logprobs tokens \(fromNames) disagree")
        }
        let logprobs = (lp?["token_logprobs"] as? [Any]) ?? []
        let tops = (lp?["top_logprobs"] as? [Any]) ?? []
        for (i, id) in ids.enumerated() {
            guard i < logprobs.count, let logprob = JSON.double(logprobs[i]) else {
                throw failure("expected logprobs.token_logprobs for token \(id), as the request's logprobs asks")
            }
            var alternatives: [SampledToken.Alternative] = []
            if i < tops.count, let top = tops[i] as? [String: Any] {
                for (key, value) in top {
                    guard key.hasPrefix("token_id:"), let alt = Int(key.dropFirst(9)), let v = JSON.double(value) else { continue }
                    alternatives.append(.init(token: alt, logProbability: Float(max(v, -9999))))
                }
                alternatives.sort { $0.logProbability != $1.logProbability ? $0.logProbability > $1.logProbability : $0.token < $1.token }
            }
            take(SampledToken(token: id, logProbability: Float(logprob), alternatives: Array(alternatives.prefix(request.sampling.alternatives))))
        }
        if let routed = c["routed_experts"], !(routed is NSNull) {
            if let b64 = routed as? String {
                let (dims, values) = try RoutedExperts.npy(base64: b64, server: server, what: what)
                if let shape = routingShape, dims.count != 3 || dims[1] != shape.layers || dims[2] != shape.topK {
                    throw failure("routed experts have shape \(dims), expected (tokens, \(shape.layers), \(shape.topK)) as the local GGUF says")
                }
                routingValues = values
            } else if let values = JSON.flatInts(routed) {
                routingValues = values
            } else {
                throw failure("expected routed_experts as a base64 .npy string or nested lists of ids")
            }
        }
        guard let reason = c["finish_reason"], !(reason is NSNull) else { return }
        let stopReason = c["stop_reason"]
        switch reason as? String {
        case "length":
            finish = (.limit, nil)
        case "stop":
            if let id = JSON.int(stopReason) {
                finish = (id == request.plan.stopAt ? .stop : .endOfTurn, id)
            } else {
                // null: the model's end-of-sequence token; a string: a stop string (none is sent).
                finish = (.endOfTurn, nil)
            }
        default:
            throw failure("the request ended with finish_reason \(reason) (expected stop or length)")
        }
    }

    /// The response is complete: the end, once its finish reason is known.
    private func settle() throws {
        guard let finish else { throw failure("the stream ended ([DONE]) without a finish_reason") }
        // A stop id the server did not stream (a special token) is still the transcript's.
        if let id = finish.stopToken, received.last != id {
            take(SampledToken(token: id, logProbability: 0, alternatives: []))
        }
        var routing: SegmentRouting?
        if let values = routingValues, let shape = routingShape {
            routing = try SegmentRouting.place(values, shape: shape, promptLength: request.prompt.count, generated: received.count,
                                               from: request.routingFrom ?? 0, server: server, what: what)
        }
        let evaluated = usage.prompt.map { $0 - (usage.cached ?? 0) }
        end = SegmentEnd(reason: finish.reason, promptEvaluated: usage.cached == nil ? nil : evaluated, promptCached: usage.cached,
                         generated: usage.completion, routing: routing)
        self.finish = nil
    }

    override func closed() throws {
        // A server that closes without [DONE] after the finish chunk still said how it ended.
        if finish != nil { try settle() } else { try super.closed() }
    }
}
