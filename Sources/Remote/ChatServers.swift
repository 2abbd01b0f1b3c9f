import Engine
import Foundation
import Reasoning
import Tokenizer

/// A server that only shows what its model writes: chat APIs that split thinking from the answer
/// but take no token ids (OpenAI-compatible chat, Ollama, the Anthropic Messages API). The budget
/// goes with the request as the engine's own knob; nothing can be forced mid-run.
public protocol ChatServer: Sendable {
    var url: URL { get }
    /// The API's name, as `--api` spells it.
    var engine: String { get }
    /// The served model's name.
    var model: String { get }
    /// How a thinking budget reaches this engine, in a few words (for the header and messages).
    var budgetKnob: String { get }
    func stream(_ request: ChatRequest) throws -> ChatStream
}

/// One display-only request: the conversation, whether to think, the budget for the engine's knob.
public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var thinking: Bool
    /// Thinking budget in tokens (nil: the engine's default).
    public var budget: Int?
    public var maxTokens: Int
    public var sampling: SamplingParameters

    public init(messages: [ChatMessage], thinking: Bool, budget: Int?, maxTokens: Int, sampling: SamplingParameters) {
        self.messages = messages
        self.thinking = thinking
        self.budget = budget
        self.maxTokens = maxTokens
        self.sampling = sampling
    }
}

public enum ChatPiece: Sendable, Equatable {
    case thinking(String)
    case answer(String)
    case end(ChatEnd)
}

public struct ChatEnd: Sendable, Equatable {
    /// The model ended its turn, or the request's token limit did.
    public var limit: Bool
    /// Tokens the server says it generated (thinking included), where it says.
    public var outputTokens: Int?
    /// Of them, thinking (OpenAI-style `reasoning_tokens`), where it says.
    public var thinkingTokens: Int?

    public init(limit: Bool = false, outputTokens: Int? = nil, thinkingTokens: Int? = nil) {
        self.limit = limit
        self.outputTokens = outputTokens
        self.thinkingTokens = thinkingTokens
    }
}

public protocol ChatStream: AnyObject {
    func next() throws -> ChatPiece?
    func cancel()
}

/// A chat stream read from an event feed; the adapter's `read` turns each event into pieces.
class FeedChatStream: ChatStream {
    let feed: EventFeed
    let what: String
    var pieces: [ChatPiece] = []
    var ended = false
    private var done = false

    init(feed: EventFeed, what: String) {
        self.feed = feed
        self.what = what
    }

    func next() throws -> ChatPiece? {
        while pieces.isEmpty {
            if done { return nil }
            guard let data = try feed.next() else {
                done = true
                if !ended { throw failure("the stream ended before the server said the reply was complete") }
                return nil
            }
            try read(data)
        }
        let p = pieces.removeFirst()
        if case .end = p { done = true }
        return p
    }

    func cancel() { feed.cancel() }

    func read(_ data: String) throws { fatalError("a chat stream reads its API's events") }

    func failure(_ message: String) -> ServerError { ServerError(feed.server, "\(what): \(message)") }

    func add(_ p: ChatPiece) {
        switch p {
        case .thinking(let t), .answer(let t): if !t.isEmpty { pieces.append(p) }
        case .end:
            ended = true
            pieces.append(p)
        }
    }
}

/// The API key for an engine, from the environment only (never from a file, never into a trace).
public enum APIKey {
    public static func from(_ variable: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
}

// MARK: - OpenAI-compatible chat

/// `/v1/chat/completions` as OpenAI-compatible servers stream it: `delta.reasoning_content`
/// (DeepSeek style: llama-server, SGLang, older vLLM) or `delta.reasoning` (newer vLLM, Ollama's
/// compatibility layer) for thinking, `delta.content` for the answer, `usage` with
/// `completion_tokens_details.reasoning_tokens` at the end. The budget goes as the open-weight
/// servers' own fields: `thinking_budget_tokens` (llama-server) and `thinking_token_budget`
/// (vLLM); no-think as `chat_template_kwargs.enable_thinking: false` (and `reasoning_effort:
/// "none"` with `--reasoning-effort`-style servers that need it).
public struct OpenAIChatServer: ChatServer {
    public let url: URL
    public var engine: String { "openai" }
    public let model: String
    public var budgetKnob: String { "thinking_budget_tokens / thinking_token_budget" }
    /// `reasoning_effort`, for models that take an effort instead of a budget (OpenAI's own).
    public let effort: String?
    let apiKey: String?

    public init(url: URL, model: String, effort: String? = nil, apiKey: String? = APIKey.from("OPENAI_API_KEY")) {
        self.url = url
        self.model = model
        self.effort = effort
        self.apiKey = apiKey
    }

    /// `/v1/chat/completions` under the URL, unless the URL already names an API path.
    var endpoint: URL {
        url.path.hasSuffix("/v1") ? url.appendingPathComponent("chat/completions") : url.appendingPathComponent("v1/chat/completions")
    }

    func body(_ r: ChatRequest) -> [String: Any] {
        var b: [String: Any] = [
            "model": model, "stream": true, "stream_options": ["include_usage": true], "max_tokens": r.maxTokens,
            "messages": r.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
            "temperature": r.sampling.temperature, "top_p": r.sampling.topP,
        ]
        if !r.thinking {
            b["chat_template_kwargs"] = ["enable_thinking": false]
        } else if let n = r.budget {
            b["thinking_budget_tokens"] = n
            b["thinking_token_budget"] = n
        }
        if let effort { b["reasoning_effort"] = r.thinking ? effort : "none" }
        return b
    }

    var headers: [(String, String)] { apiKey.map { [("Authorization", "Bearer \($0)")] } ?? [] }

    public func stream(_ r: ChatRequest) throws -> ChatStream {
        let server = url.absoluteString
        let feed = EventStream(try HTTP.request(endpoint, object: body(r), headers: headers, server: server),
                               server: server, what: "POST /v1/chat/completions")
        return OpenAIChatStream(feed: feed, what: "POST /v1/chat/completions")
    }
}

final class OpenAIChatStream: FeedChatStream {
    private var finish: String?
    private var usage: (output: Int?, thinking: Int?)

    override func read(_ data: String) throws {
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            guard let finish else { throw failure("the stream ended ([DONE]) without a finish_reason") }
            add(.end(ChatEnd(limit: finish == "length", outputTokens: usage.output, thinkingTokens: usage.thinking)))
            return
        }
        let o = try JSON.object(data, server: feed.server, what: what, expected: "a JSON chat.completion.chunk")
        if let message = JSON.errorMessage(o) { throw failure("the server reported an error: \(message)") }
        if let u = o["usage"] as? [String: Any] {
            usage = (JSON.int(u["completion_tokens"]), JSON.int((u["completion_tokens_details"] as? [String: Any])?["reasoning_tokens"]))
        }
        guard let choices = o["choices"] as? [Any] else {
            throw failure("expected \"choices\" in a chat chunk, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        guard let c = choices.first as? [String: Any] else { return }
        if let delta = c["delta"] as? [String: Any] {
            if let t = (delta["reasoning_content"] as? String) ?? (delta["reasoning"] as? String) { add(.thinking(t)) }
            if let t = delta["content"] as? String { add(.answer(t)) }
        } else if c["finish_reason"] == nil {
            throw failure("expected choices[0].delta in a chat chunk, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        if let f = c["finish_reason"] as? String { finish = f }
    }
}

// MARK: - Ollama

/// Ollama's `/api/chat`: JSON lines with `message.thinking` and `message.content`, the last one
/// `done: true` with `done_reason` and `eval_count`. Its only thinking knob is `think`: true,
/// false, or a level ("low", "medium", "high"); a budget becomes the nearest level.
public struct OllamaChatServer: ChatServer {
    public let url: URL
    public var engine: String { "ollama" }
    public let model: String
    public var budgetKnob: String { "think (true/false or low/medium/high)" }

    public init(url: URL, model: String) {
        self.url = url
        self.model = model
    }

    /// A budget as Ollama's `think` level: ≤ 1024 tokens low, ≤ 8192 medium, above high.
    static func think(_ r: ChatRequest) -> Any {
        guard r.thinking else { return false }
        guard let n = r.budget else { return true }
        return n <= 1024 ? "low" : n <= 8192 ? "medium" : "high"
    }

    func body(_ r: ChatRequest) -> [String: Any] {
        let s = r.sampling
        return [
            "model": model, "stream": true, "think": Self.think(r),
            "messages": r.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
            "options": ["num_predict": r.maxTokens, "temperature": s.temperature, "top_k": s.topK, "top_p": s.topP,
                        "min_p": s.minP, "seed": Int(truncatingIfNeeded: s.seed & 0x7FFF_FFFF)] as [String: Any],
        ]
    }

    public func stream(_ r: ChatRequest) throws -> ChatStream {
        let server = url.absoluteString
        let feed = EventStream(try HTTP.request(url.appendingPathComponent("api/chat"), object: body(r), server: server),
                               server: server, what: "POST /api/chat", framing: .lines)
        return OllamaChatStream(feed: feed, what: "POST /api/chat")
    }
}

final class OllamaChatStream: FeedChatStream {
    override func read(_ data: String) throws {
        let o = try JSON.object(data, server: feed.server, what: what, expected: "a JSON line {message, done}")
        if let message = JSON.errorMessage(o) { throw failure("the server reported an error: \(message)") }
        guard let done = o["done"] as? Bool else {
            throw failure("expected \"done\" in a chat line, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        if let m = o["message"] as? [String: Any] {
            if let t = m["thinking"] as? String { add(.thinking(t)) }
            if let t = m["content"] as? String { add(.answer(t)) }
        } else if !done {
            throw failure("expected \"message\" in a chat line, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        if done { add(.end(ChatEnd(limit: o["done_reason"] as? String == "length", outputTokens: JSON.int(o["eval_count"])))) }
    }
}

// MARK: - Anthropic

/// The Anthropic Messages API, streamed: `thinking` content blocks (`thinking_delta`; Claude 4
/// models send a summary), `redacted_thinking` blocks, `text` blocks (`text_delta`), and
/// `message_delta` with the stop reason and `usage.output_tokens` (thinking included). The
/// budget is `thinking.budget_tokens` (at least 1024, below `max_tokens`); with thinking on the
/// API fixes the temperature, so none is sent.
public struct AnthropicServer: ChatServer {
    public let url: URL
    public var engine: String { "anthropic" }
    public let model: String
    public var budgetKnob: String { "thinking.budget_tokens (≥ 1024)" }
    let apiKey: String?
    static let version = "2023-06-01"
    static let minimumBudget = 1024

    public init(url: URL, model: String, apiKey: String? = APIKey.from("ANTHROPIC_API_KEY")) {
        self.url = url
        self.model = model
        self.apiKey = apiKey
    }

    var endpoint: URL {
        url.path.hasSuffix("/v1") ? url.appendingPathComponent("messages") : url.appendingPathComponent("v1/messages")
    }

    func body(_ r: ChatRequest) -> [String: Any] {
        let system = r.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var b: [String: Any] = [
            "model": model, "stream": true,
            "messages": r.messages.filter { $0.role != .system }.map { ["role": $0.role.rawValue, "content": $0.content] },
        ]
        if !system.isEmpty { b["system"] = system }
        if r.thinking {
            // The API wants a budget of at least 1024 tokens, below max_tokens.
            let budget = max(Self.minimumBudget, r.budget ?? max(Self.minimumBudget, r.maxTokens - 1))
            b["thinking"] = ["type": "enabled", "budget_tokens": budget] as [String: Any]
            b["max_tokens"] = max(r.maxTokens, budget + 1)
        } else {
            b["thinking"] = ["type": "disabled"]
            b["max_tokens"] = r.maxTokens
            b["temperature"] = r.sampling.temperature
        }
        return b
    }

    var headers: [(String, String)] {
        [("anthropic-version", Self.version)] + (apiKey.map { [("x-api-key", $0)] } ?? [])
    }

    public func stream(_ r: ChatRequest) throws -> ChatStream {
        let server = url.absoluteString
        guard apiKey != nil else {
            throw ServerError(server, "the Anthropic API needs a key: set ANTHROPIC_API_KEY in the environment")
        }
        let feed = EventStream(try HTTP.request(endpoint, object: body(r), headers: headers, server: server),
                               server: server, what: "POST /v1/messages")
        return AnthropicStream(feed: feed, what: "POST /v1/messages")
    }
}

final class AnthropicStream: FeedChatStream {
    private var stopReason: String?
    private var outputTokens: Int?
    /// The kind of each open content block, by index.
    private var blocks: [Int: String] = [:]

    override func read(_ data: String) throws {
        let o = try JSON.object(data, server: feed.server, what: what, expected: "a JSON event {type, ...}")
        guard let type = o["type"] as? String else {
            throw failure("expected \"type\" in an event, got: \(ServerError.excerpt(Array(data.utf8)))")
        }
        switch type {
        case "error":
            throw failure("the server reported an error: \(JSON.errorMessage(o) ?? "(no message)")")
        case "content_block_start":
            guard let block = o["content_block"] as? [String: Any], let kind = block["type"] as? String else {
                throw failure("expected content_block {type} in content_block_start")
            }
            blocks[JSON.int(o["index"]) ?? blocks.count] = kind
            switch kind {
            case "redacted_thinking": add(.thinking("[redacted thinking]"))
            case "thinking": add(.thinking((block["thinking"] as? String) ?? ""))
            case "text": add(.answer((block["text"] as? String) ?? ""))
            default: break
            }
        case "content_block_delta":
            guard let delta = o["delta"] as? [String: Any], let kind = delta["type"] as? String else {
                throw failure("expected delta {type} in content_block_delta")
            }
            switch kind {
            case "thinking_delta": add(.thinking((delta["thinking"] as? String) ?? ""))
            case "text_delta": add(.answer((delta["text"] as? String) ?? ""))
            default: break  // signature_delta, input_json_delta
            }
        case "message_delta":
            if let d = o["delta"] as? [String: Any], let r = d["stop_reason"] as? String { stopReason = r }
            if let u = o["usage"] as? [String: Any], let n = JSON.int(u["output_tokens"]) { outputTokens = n }
        case "message_stop":
            add(.end(ChatEnd(limit: stopReason == "max_tokens", outputTokens: outputTokens)))
        default:
            break  // message_start, content_block_stop, ping
        }
    }
}
