import AsyncHTTPClient
import Engine
import Reasoning
import Tokenizer
import Foundation

/// llama.cpp's `llama-server`, through its native `/completion`: token-id prompts (nothing is
/// added to them), `return_tokens`, `n_probs` for alternatives with ids, `cache_prompt` and a
/// pinned `id_slot` so each continuation evaluates only the new ids, `stop` on the end of
/// thinking's text (its id stays in `tokens`), and `logit_bias` to ban ids.
public struct LlamaServer: TokenServer, ServerTokenizer {
    /// `parse_special: false` keeps control token texts as text, so control tokens are told apart.
    public var tellsControlTokens: Bool { true }
    public let url: URL
    public var engine: String { "llama" }
    public let contextLength: Int
    /// The slot every request of this connection uses (its KV cache holds the transcript).
    public let slot: Int
    /// The server's slots (`-np`).
    public let totalSlots: Int
    private var server: String { url.absoluteString }

    /// Connects: waits up to `wait` seconds for `/health` to say the model is loaded, then reads
    /// the context per slot from `/props`.
    public init(url: URL, slot: Int = 0, wait: Double = 0) throws {
        self.url = url
        self.slot = slot
        let server = url.absoluteString
        _ = try Connect.waitFor(url, path: "health", server: server, wait: wait)
        let props = try HTTP.call(HTTP.get(url.appendingPathComponent("props")),
                                  server: server, what: "GET /props")
        struct Props: Decodable {
            struct Settings: Decodable { var n_ctx: Int? }
            var default_generation_settings: Settings?
            var total_slots: Int?
        }
        guard let p = try? JSONDecoder().decode(Props.self, from: props) else {
            throw ServerError(server, "GET /props: expected llama-server's properties (JSON), got: \(ServerError.excerpt(props))")
        }
        if let slots = p.total_slots, slot >= slots {
            throw ServerError(server, "slot \(slot) asked for, the server has \(slots) (start it with -np \(slot + 1))")
        }
        contextLength = p.default_generation_settings?.n_ctx ?? Int.max
        totalSlots = p.total_slots ?? 1
    }

    private init(copying s: LlamaServer, slot: Int) {
        url = s.url
        contextLength = s.contextLength
        totalSlots = s.totalSlots
        self.slot = slot
    }

    /// The same connection on another slot (a parallel sweep's worker); slots past the server's
    /// wrap around.
    public func pinning(_ slot: Int) -> LlamaServer { LlamaServer(copying: self, slot: slot % max(1, totalSlots)) }

    /// A connection that was never checked (request bodies in tests).
    init(testing url: URL, slot: Int, contextLength: Int = 4096) {
        self.url = url
        self.slot = slot
        self.contextLength = contextLength
        totalSlots = slot + 1
    }

    /// `/tokenize` with `with_pieces`: ids and each token's bytes (a piece is a string, or an array of
    /// bytes when it is not valid UTF-8). `parse_special` and `add_special` are sent as asked.
    public func tokenize(_ text: String, parseSpecial: Bool, addSpecial: Bool) throws -> ServerTokens {
        let object: [String: Any] = ["content": text, "add_special": addSpecial, "parse_special": parseSpecial, "with_pieces": true]
        let data = try HTTP.call(try HTTP.request(url.appendingPathComponent("tokenize"), object: object, server: server),
                                 server: server, what: "POST /tokenize")
        let expected = #"{"tokens": [{"id", "piece"}]}"#
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /tokenize", expected: expected)
        guard let list = o["tokens"] as? [Any] else {
            throw ServerError(server, "POST /tokenize: expected \(expected), got: \(ServerError.excerpt(data))")
        }
        var ids: [Int] = [], pieces: [[UInt8]] = []
        for entry in list {
            // A server without with_pieces answers bare ids.
            if let id = JSON.int(entry) {
                ids.append(id)
                continue
            }
            guard let e = entry as? [String: Any], let id = JSON.int(e["id"]) else {
                throw ServerError(server, "POST /tokenize: expected \(expected), got: \(ServerError.excerpt(data))")
            }
            ids.append(id)
            if let text = e["piece"] as? String {
                pieces.append(Array(text.utf8))
            } else if let bytes = JSON.ints(e["piece"]), bytes.allSatisfy({ (0...255).contains($0) }) {
                pieces.append(bytes.map(UInt8.init))
            }
        }
        return ServerTokens(ids: ids, pieces: pieces.count == ids.count ? pieces : nil)
    }

    /// `/detokenize`: the text of `ids`, special tokens rendered.
    public func detokenize(_ ids: [Int]) throws -> String {
        let data = try HTTP.call(try HTTP.request(url.appendingPathComponent("detokenize"), object: ["tokens": ids], server: server),
                                 server: server, what: "POST /detokenize")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /detokenize", expected: #"{"content": text}"#)
        guard let text = o["content"] as? String else {
            throw ServerError(server, #"POST /detokenize: expected {"content": text}, got: "# + ServerError.excerpt(data))
        }
        return text
    }

    /// `/apply-template` (the server's chat template, `chat_template_kwargs.enable_thinking`), then
    /// `/tokenize` of its text with special parsing.
    public func renderChat(_ messages: [ChatMessage], enableThinking: Bool) throws -> [Int]? {
        let object: [String: Any] = ["messages": messages.map { ["role": $0.role.rawValue, "content": $0.content] },
                                     "chat_template_kwargs": ["enable_thinking": enableThinking]]
        let data = try HTTP.call(try HTTP.request(url.appendingPathComponent("apply-template"), object: object, server: server),
                                 server: server, what: "POST /apply-template")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "POST /apply-template", expected: #"{"prompt": text}"#)
        guard let prompt = o["prompt"] as? String else {
            throw ServerError(server, #"POST /apply-template: expected {"prompt": text}, got: "# + ServerError.excerpt(data))
        }
        return try tokenize(prompt, parseSpecial: true, addSpecial: false).ids
    }

    /// `/props` (the chat template, BOS and EOS texts, the model's path) and `/v1/models` (`n_vocab`).
    public func modelFacts() throws -> ServedModelFacts {
        let data = try HTTP.call(HTTP.get(url.appendingPathComponent("props")), server: server, what: "GET /props")
        let o = try JSON.object(String(decoding: data, as: UTF8.self), server: server, what: "GET /props", expected: "llama-server's properties (JSON)")
        var facts = ServedModelFacts()
        facts.chatTemplate = (o["chat_template"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        facts.bosText = o["bos_token"] as? String
        facts.eosText = o["eos_token"] as? String
        facts.model = (o["model_path"] as? String) ?? (o["model_alias"] as? String)
        if let models = try? HTTP.call(HTTP.get(url.appendingPathComponent("v1/models")), server: server, what: "GET /v1/models"),
           let m = try? JSON.object(String(decoding: models, as: UTF8.self), server: server, what: "", expected: ""),
           let first = (m["data"] as? [[String: Any]])?.first, let meta = first["meta"] as? [String: Any] {
            facts.vocabularySize = JSON.int(meta["n_vocab"])
        }
        return facts
    }

    /// The request body of one segment.
    func body(_ r: SegmentRequest) -> [String: Any] {
        let (prompt, s, plan, stopText, banned) = (r.prompt, r.sampling, r.plan, r.stopText, r.banned)
        var b: [String: Any] = [
            "prompt": prompt, "n_predict": plan.maxTokens, "stream": true, "return_tokens": true,
            "cache_prompt": true, "id_slot": slot, "n_probs": max(1, s.alternatives),
            // Every sampler setting, so the server's own defaults never apply.
            "temperature": s.temperature, "top_k": s.topK, "top_p": s.topP, "min_p": s.minP,
            "presence_penalty": s.presencePenalty, "repeat_penalty": s.repetitionPenalty,
            "repeat_last_n": s.penaltyWindow, "frequency_penalty": 0, "typical_p": 1, "dry_multiplier": 0,
            "xtc_probability": 0, "top_n_sigma": -1, "mirostat": 0, "seed": Int(truncatingIfNeeded: s.seed & 0x7FFF_FFFF),
        ]
        if let stopText, !stopText.isEmpty { b["stop"] = [stopText] }
        if !banned.isEmpty { b["logit_bias"] = banned.sorted().map { [$0, false] as [Any] } }
        return b
    }

    public func segment(_ r: SegmentRequest) throws -> TokenSegment {
        let stream = EventStream(try HTTP.request(url.appendingPathComponent("completion"), object: body(r), server: server),
                                 server: server, what: "POST /completion")
        return LlamaSegment(stream: stream, stopAt: r.plan.stopAt, alternatives: r.sampling.alternatives)
    }
}

/// A `/completion` stream: one chunk per token (`tokens: [id]`, probabilities with ids), then a
/// final chunk with `stop: true`, `stop_type` and `timings`. No `[DONE]`.
final class LlamaSegment: StreamedSegment {
    let stopAt: Int?
    /// Alternatives each token reports at most.
    let alternatives: Int

    init(stream: EventFeed, stopAt: Int?, alternatives: Int = 5) {
        self.stopAt = stopAt
        self.alternatives = alternatives
        super.init(stream: stream, what: "POST /completion")
    }

    override func closed() throws {
        throw failure("the stream ended before its final chunk (stop: true)")
    }

    struct Chunk: Decodable {
        struct Probability: Decodable {
            struct Top: Decodable { var id: Int; var logprob: Float; var bytes: [UInt8]? }
            var id: Int
            var logprob: Float?
            var bytes: [UInt8]?
            var top_logprobs: [Top]?
        }
        struct Timings: Decodable { var cache_n: Int?; var prompt_n: Int?; var predicted_n: Int? }
        struct Failure: Decodable { var message: String?; var code: Int? }
        var tokens: [Int]?
        var tokens_predicted: Int?
        var stop: Bool?
        var stop_type: String?
        var completion_probabilities: [Probability]?
        var timings: Timings?
        var error: Failure?
    }

    override func read(_ data: String) throws {
        let server = stream.server
        guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(data.utf8)) else {
            throw ServerError(server, "POST /completion: expected a JSON chunk, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        if let e = chunk.error {
            throw ServerError(server, "POST /completion: the server reported an error: \(e.message ?? "(no message)")")
        }
        let ids = chunk.tokens ?? []
        // In stream mode llama-server sends nothing for a token that leaves its text in the middle
        // of a UTF-8 character (server-context.cpp, process_token), so that id never reaches the
        // client. The transcript would be wrong without it: stop, and say so.
        if chunk.stop != true, let n = chunk.tokens_predicted, n > received.count + ids.count {
            throw ServerError(server, "POST /completion: the server generated \(n) tokens but streamed \(received.count + ids.count) "
                              + "(it withholds a token that ends inside a UTF-8 character); the turn cannot be kept as ids")
        }
        let probs = chunk.completion_probabilities ?? []
        for (i, id) in ids.enumerated() {
            guard i < probs.count, probs[i].id == id, let logprob = probs[i].logprob else {
                throw ServerError(server, "POST /completion: expected completion_probabilities (logprob) for token \(id), as n_probs asks")
            }
            if let b = probs[i].bytes { pieces.append((id, b)) }
            for top in probs[i].top_logprobs ?? [] { if let b = top.bytes { pieces.append((top.id, b)) } }
            take(SampledToken(token: id, logProbability: logprob,
                              alternatives: (probs[i].top_logprobs ?? []).prefix(alternatives).map {
                                  .init(token: $0.id, logProbability: $0.logprob)
                              }))
        }
        guard chunk.stop == true else { return }
        let reason: SegmentEnd.Reason = switch chunk.stop_type {
        case "eos": .endOfTurn
        case "word": .stop
        case "limit": .limit
        default:
            // "none" or unknown: the stream ended without saying why.
            received.last == stopAt && stopAt != nil ? .stop : .limit
        }
        end = SegmentEnd(reason: reason, promptEvaluated: chunk.timings?.prompt_n, promptCached: chunk.timings?.cache_n,
                         generated: chunk.timings?.predicted_n)
    }
}
