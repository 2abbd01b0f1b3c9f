import AsyncHTTPClient
import Engine
import Foundation
import Reasoning
import Tokenizer

/// SGLang's native `/generate` with `input_ids`: streamed, `return_logprob` with
/// `top_logprobs_num` (entries `[logprob, id, text]`), `stop_token_ids` with `no_stop_trim`,
/// `logit_bias` to ban ids, RadixAttention reusing the whole transcript. With
/// `--enable-return-routed-experts` on the server, `return_routed_experts` per request adds
/// `meta_info.routed_experts` (base64 int32, tokens × layers × top-k) when the request finishes.
public struct SGLangServer: TokenServer, ServerTokenizer {
    public var tellsControlTokens: Bool { false }
    public let url: URL
    public var engine: String { "sglang" }
    public let contextLength: Int
    public let routing: RoutingShape?
    let headers: [(String, String)]
    private var server: String { url.absoluteString }

    /// Connects: waits up to `wait` seconds for `/health`, then reads the context length from
    /// `/get_model_info` (`max_context_length`, or `/get_server_info`'s `context_length`).
    public init(url: URL, routing: RoutingShape? = nil, apiKey: String? = nil, wait: Double = 0) throws {
        self.url = url
        self.routing = routing
        headers = apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
        let server = url.absoluteString
        _ = try Connect.waitFor(url, path: "health", server: server, wait: wait, headers: headers)
        let data = try HTTP.call(HTTP.get(url.appendingPathComponent("get_model_info"), headers: headers), server: server, what: "GET /get_model_info")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "GET /get_model_info",
                                expected: "SGLang's model info (JSON)")
        if let n = JSON.int(o["max_context_length"]) ?? JSON.int(o["context_length"]) {
            contextLength = n
        } else if let info = try? HTTP.call(HTTP.get(url.appendingPathComponent("get_server_info"), headers: headers), server: server,
                                            what: "GET /get_server_info"),
                  let i = try? JSON.object(String(decoding: info, as: UTF8.self), server: server, what: "", expected: ""),
                  let n = JSON.int(i["context_length"]) {
            contextLength = n
        } else {
            contextLength = Int.max
        }
    }

    /// A connection that was never checked (request bodies and recorded streams in tests).
    init(testing url: URL, contextLength: Int = 4096, routing: RoutingShape? = nil) {
        self.url = url
        self.contextLength = contextLength
        self.routing = routing
        headers = []
    }

    /// `/tokenize`: SGLang's tokenizer always parses added tokens; `add_special_tokens` as asked.
    public func tokenize(_ text: String, parseSpecial: Bool, addSpecial: Bool) throws -> ServerTokens {
        let request = try HTTP.request(url.appendingPathComponent("tokenize"), object: ["prompt": text, "add_special_tokens": addSpecial],
                                       headers: headers, server: server)
        let data = try HTTP.call(request, server: server, what: "POST /tokenize")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /tokenize", expected: "{\"tokens\": [ids]}")
        guard let t = JSON.ints(o["tokens"]) else { throw ServerError(server, "POST /tokenize: expected {\"tokens\": [ids]}, got: \(ServerError.excerpt(data))") }
        return ServerTokens(ids: t, pieces: nil)
    }

    /// `/detokenize` with `skip_special_tokens: false`: `{"text"}` (a vLLM-style `{"prompt"}` is read too).
    public func detokenize(_ ids: [Int]) throws -> String {
        let request = try HTTP.request(url.appendingPathComponent("detokenize"), object: ["tokens": ids, "skip_special_tokens": false],
                                       headers: headers, server: server)
        let data = try HTTP.call(request, server: server, what: "POST /detokenize")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /detokenize", expected: "{\"text\": text}")
        guard let text = (o["text"] as? String) ?? (o["prompt"] as? String) else {
            throw ServerError(server, "POST /detokenize: expected {\"text\": text}, got: \(ServerError.excerpt(data))")
        }
        return text
    }

    /// SGLang has no endpoint that renders its chat template without generating.
    public func renderChat(_ messages: [ChatMessage], enableThinking: Bool) throws -> [Int]? { nil }

    /// `/get_model_info`: the model's path, and its vocabulary size where the version reports it.
    /// SGLang does not publish its chat template.
    public func modelFacts() throws -> ServedModelFacts {
        let data = try HTTP.call(HTTP.get(url.appendingPathComponent("get_model_info"), headers: headers), server: server, what: "GET /get_model_info")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "GET /get_model_info", expected: "SGLang's model info (JSON)")
        var facts = ServedModelFacts()
        facts.model = (o["model_path"] as? String) ?? (o["tokenizer_path"] as? String)
        facts.vocabularySize = JSON.int(o["vocab_size"])
        facts.missing = "SGLang does not publish its chat template"
        return facts
    }

    /// The request body of one segment.
    func body(_ r: SegmentRequest) -> [String: Any] {
        let s = r.sampling
        var sampling: [String: Any] = [
            "max_new_tokens": r.plan.maxTokens, "skip_special_tokens": false, "spaces_between_special_tokens": false,
            "no_stop_trim": true, "ignore_eos": false, "n": 1,
            // Every sampler setting, so the model's generation_config never applies.
            "temperature": s.temperature, "top_k": s.topK > 0 ? s.topK : -1, "top_p": s.topP, "min_p": s.minP,
            "presence_penalty": s.presencePenalty, "frequency_penalty": 0, "repetition_penalty": s.repetitionPenalty,
            "sampling_seed": Int(truncatingIfNeeded: s.seed & 0x7FFF_FFFF),
        ]
        if let stop = r.plan.stopAt { sampling["stop_token_ids"] = [stop] }
        if !r.banned.isEmpty { sampling["logit_bias"] = Dictionary(uniqueKeysWithValues: r.banned.map { (String($0), -100) }) }
        var b: [String: Any] = [
            "input_ids": r.prompt, "sampling_params": sampling, "stream": true,
            "return_logprob": true, "top_logprobs_num": max(1, s.alternatives), "logprob_start_len": -1,
        ]
        if let from = r.routingFrom, routing != nil {
            b["return_routed_experts"] = true
            b["routed_experts_start_len"] = from
        }
        return b
    }

    public func segment(_ r: SegmentRequest) throws -> TokenSegment {
        let stream = EventStream(try HTTP.request(url.appendingPathComponent("generate"), object: body(r), headers: headers, server: server),
                                 server: server, what: "POST /generate")
        return SGLangSegment(stream: stream, request: r, routing: routing)
    }
}

/// A `/generate` stream: `data:` chunks of `{text, output_ids, meta_info}` and `[DONE]`. By
/// default each chunk carries everything so far (cumulative `output_ids` and logprobs); with
/// the server's incremental streaming only what is new. `meta_info.completion_tokens` (the
/// count so far) tells which: the chunk's ids are the new ones when they add up to it.
final class SGLangSegment: StreamedSegment {
    let request: SegmentRequest
    let routingShape: RoutingShape?

    init(stream: EventFeed, request: SegmentRequest, routing: RoutingShape?) {
        self.request = request
        self.routingShape = routing
        super.init(stream: stream, what: "POST /generate")
    }

    override func read(_ data: String) throws {
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            throw failure("the stream ended ([DONE]) before a chunk with meta_info.finish_reason")
        }
        let o = try JSON.object(data, server: server, what: what, expected: "a JSON chunk {text, output_ids, meta_info}")
        if let message = JSON.errorMessage(o) { throw failure("the server reported an error: \(message)") }
        guard let meta = o["meta_info"] as? [String: Any] else {
            throw failure("expected meta_info in a /generate chunk, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        guard let ids = JSON.ints(o["output_ids"]) else {
            throw failure("expected output_ids (a list of ids) in a /generate chunk, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        let had = received.count
        let count = JSON.int(meta["completion_tokens"])
        let new: [Int]
        let cumulative: Bool
        if ids.count >= had && Array(ids.prefix(had)) == received && (count == nil || count == ids.count) {
            cumulative = true
            new = Array(ids.dropFirst(had))
        } else if count == nil || count == had + ids.count {
            cumulative = false
            new = ids
        } else {
            throw failure("output_ids (\(ids.count)) neither continue the \(had) ids so far nor add up to completion_tokens (\(count!))")
        }
        let entries = (meta["output_token_logprobs"] as? [Any]) ?? []
        let tops = (meta["output_top_logprobs"] as? [Any]) ?? []
        let offset = cumulative && entries.count == ids.count ? had : 0
        for (i, id) in new.enumerated() {
            guard offset + i < entries.count, let e = entries[offset + i] as? [Any], e.count >= 2,
                  let logprob = JSON.double(e[0]), JSON.int(e[1]) == id else {
                throw failure("expected meta_info.output_token_logprobs [logprob, \(id), text] for token \(id), as return_logprob asks")
            }
            var alternatives: [SampledToken.Alternative] = []
            if offset + i < tops.count, let list = tops[offset + i] as? [Any] {
                for case let t as [Any] in list where t.count >= 2 {
                    if let v = JSON.double(t[0]), let alt = JSON.int(t[1]) { alternatives.append(.init(token: alt, logProbability: Float(max(v, -9999)))) }
                }
            }
            take(SampledToken(token: id, logProbability: Float(logprob), alternatives: Array(alternatives.prefix(request.sampling.alternatives))))
        }
        guard let f = meta["finish_reason"], !(f is NSNull) else { return }
        let finish = f as? [String: Any]
        let type = (finish?["type"] as? String) ?? (f as? String)
        let matched = JSON.int(finish?["matched"])
        let reason: SegmentEnd.Reason
        switch type {
        case "length": reason = .limit
        case "stop": reason = matched != nil && matched == request.plan.stopAt ? .stop : .endOfTurn
        case "abort":
            throw failure("the server aborted the request: \((finish?["message"] as? String) ?? "(no message)")")
        default:
            throw failure("the request ended with finish_reason \(f) (expected stop or length)")
        }
        // A stop id the server did not send back is still the transcript's.
        if let id = matched, type == "stop", received.last != id {
            take(SampledToken(token: id, logProbability: 0, alternatives: []))
        }
        var routing: SegmentRouting?
        if let shape = routingShape, request.routingFrom != nil, let b64 = meta["routed_experts"] as? String {
            let values = try RoutedExperts.int32(base64: b64, server: server, what: what)
            routing = try SegmentRouting.place(values, shape: shape, promptLength: request.prompt.count, generated: received.count,
                                               from: request.routingFrom ?? 0, server: server, what: what)
        }
        let prompt = JSON.int(meta["prompt_tokens"]), cached = JSON.int(meta["cached_tokens"])
        end = SegmentEnd(reason: reason, promptEvaluated: prompt.map { $0 - (cached ?? 0) }, promptCached: cached,
                         generated: count ?? received.count, routing: routing)
    }
}
