import ArgumentParser
import EmbeddedModel
import Foundation
import GGUF
import Reasoning
import Remote
import Inspector
import Tokenizer

/// The serving engines `--api` names.
enum ServerAPI: String, CaseIterable, ExpressibleByArgument {
    case llama, vllm, sglang, openai, ollama, anthropic

    /// Token-level: the loop keeps the turn as ids and forces budgets itself.
    var tokenLevel: Bool { self == .llama || self == .vllm || self == .sglang }

    /// The environment variable an API key is read from (never a file, never a trace).
    var keyVariable: String? {
        switch self {
        case .llama, .ollama: nil
        case .vllm: "VLLM_API_KEY"
        case .sglang: "SGLANG_API_KEY"
        case .openai: "OPENAI_API_KEY"
        case .anthropic: "ANTHROPIC_API_KEY"
        }
    }

    var title: String {
        switch self {
        case .llama: "llama-server"
        case .vllm: "vLLM"
        case .sglang: "SGLang"
        case .openai: "OpenAI-compatible chat"
        case .ollama: "Ollama"
        case .anthropic: "Anthropic"
        }
    }
}

/// Where the model runs when it is not in this process: `--server URL` with `--api` naming the
/// engine. Token-level engines (llama, vllm, sglang) take ids: the tokenizer, the chat format
/// and the thinking markers come from the server's own tokenizer endpoints (`ServerCodec`), or from
/// a local GGUF or Hugging Face `tokenizer.json` when one is given (`--tokenizer`, or `--model FILE`),
/// whose tokenization the server's `/tokenize` must then agree with. Display-only APIs
/// (openai, ollama, anthropic) take messages; `--model NAME` is the served model's name there, and
/// their text is counted with the local tokenizer (by default the embedded demo model).
struct ServerOptions: ParsableArguments {
    @Option(help: "Run the model on a server at this URL (e.g. http://127.0.0.1:8080); see --api.")
    var server: String?
    @Option(help: "The server's API: llama (llama-server /completion), vllm (/v1/completions), sglang (/generate), or the display-only openai (chat completions), ollama (/api/chat), anthropic (Messages). With --server, --model is the served model's name unless it names a local file or folder (then it is the tokenizer, as --tokenizer).")
    var api: ServerAPI = .llama
    @Option(help: "The served model's tokenizer and chat format: a GGUF, or a Hugging Face tokenizer.json or the checkpoint folder holding it with tokenizer_config.json (default: --model when it is a file; else token-level APIs use the server's /tokenize and /detokenize, display-only ones the embedded demo model).")
    var tokenizer: String?
    @Option(help: "The llama-server slot to pin (its KV cache holds the turn); sweeps use this slot and the next --parallel - 1.") var slot: Int = 0
    @Option(help: "Seconds to wait for the server to finish loading its model.") var serverWait: Double = 0
    @Flag(help: "Ask vLLM or SGLang for the experts each token was routed to (the server must run with --enable-return-routed-experts); the heatmap fills segment by segment.")
    var routing = false
    @Option(help: "Tokens per segment while --routing is on (routing comes when a request ends).") var routingSegment: Int = 32

    var remote: Bool { server != nil }

    func check() throws {
        guard let server else { return }
        guard let u = URL(string: server), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
            throw ValidationError("--server \(server): expected a URL such as http://127.0.0.1:8080")
        }
        guard slot >= 0 else { throw ValidationError("--slot must be 0 or more") }
        guard routingSegment >= 1 else { throw ValidationError("--routing-segment must be at least 1") }
        if routing && !(api == .vllm || api == .sglang) {
            throw ValidationError("--routing: only vllm and sglang return routed experts; \(api.title) does not")
        }
    }

    /// `--model`'s meaning with a server: a GGUF file (the tokenizer), or the served model's name.
    static func split(model: String?) -> (file: String?, name: String?) {
        guard let model else { return (nil, nil) }
        return FileManager.default.fileExists(atPath: model) ? (model, nil) : (nil, model)
    }

    /// Connects to the server (checking a token-level server tokenizes as a local tokenizer does, or
    /// reading the tokenizer from the server when none is given).
    func connect(model: String?, chatFormat: ChatFormat.Template?, effort: ChatFormat.ReasoningEffort? = nil,
                 environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RemoteModel {
        guard let server, let url = URL(string: server) else { throw CLIError("no --server given") }
        let (file, name) = Self.split(model: model)
        let path = tokenizer ?? file ?? (api.tokenLevel ? nil : EmbeddedModel.path)
        if path == nil && !api.tokenLevel {
            throw CLIError("--api \(api.rawValue) needs --tokenizer FILE.gguf or tokenizer.json to count its text (this build has no embedded model)")
        }
        return try RemoteModel(api: api, url: url, name: name, slot: slot, wait: serverWait, tokenizerPath: path,
                               chatFormat: chatFormat, routing: routing ? routingSegment : nil, effort: effort,
                               apiKey: api.keyVariable.flatMap { APIKey.from($0, environment: environment) })
    }
}

/// A served model: the connection, and the tokenizer and chat format (the server's, or a local GGUF or tokenizer.json).
struct RemoteModel: @unchecked Sendable {
    enum Connection {
        case tokens(any TokenServer)
        case chat(any ChatServer)
    }

    let api: ServerAPI
    let connection: Connection
    /// The local tokenizer, when one was given (else the chat format reads the server's: `ServerCodec`).
    let local: LocalTokenizer?
    let chat: ChatFormat
    var architecture: String { local?.architecture ?? "unknown" }
    /// llama-server's slot count (sweeps pin one slot per parallel problem).
    let slots: Int

    init(api: ServerAPI, url: URL, name: String?, slot: Int, wait: Double, tokenizerPath: String?, chatFormat: ChatFormat.Template?,
         routing segment: Int?, effort: ChatFormat.ReasoningEffort?, apiKey: String?) throws {
        self.api = api
        let local = try tokenizerPath.map { try LocalTokenizer(path: $0, chatFormat: chatFormat) }
        self.local = local
        func routingShape() throws -> RoutingShape? {
            guard let segment else { return nil }
            guard let local else {
                throw CLIError("--routing needs the served model's layers and experts, which \(api.title) does not say: pass its GGUF (or its Hugging Face folder with config.json) as --tokenizer")
            }
            return try local.routingShape(segment: segment)
        }
        var slots = 1
        switch api {
        case .llama:
            let llama = try LlamaServer(url: url, slot: slot, wait: wait)
            slots = llama.totalSlots
            connection = .tokens(llama)
        case .vllm:
            connection = .tokens(try VLLMServer(url: url, model: name, routing: try routingShape(),
                                                apiKey: apiKey, wait: wait))
        case .sglang:
            connection = .tokens(try SGLangServer(url: url, routing: try routingShape(), apiKey: apiKey, wait: wait))
        case .openai, .ollama, .anthropic:
            guard let name else {
                throw CLIError("--api \(api.rawValue) needs --model NAME: the served model's name")
            }
            switch api {
            case .openai: connection = .chat(OpenAIChatServer(url: url, model: name, effort: effort?.rawValue, apiKey: apiKey))
            case .ollama: connection = .chat(OllamaChatServer(url: url, model: name))
            default: connection = .chat(AnthropicServer(url: url, model: name, apiKey: apiKey))
            }
        }
        self.slots = slots
        switch (connection, local) {
        case (.tokens(let server), let local?):
            let probe = ServerCodec.probe
            let ids = local.chat.tokenizer.encode(probe, parseSpecial: false).map(Int.init)
            let remote = try server.tokenize(probe)
            guard ids == remote else {
                throw CLIError("server \(url.absoluteString): its tokenizer disagrees with \(local.path) "
                               + "(\(remote.count) vs \(ids.count) tokens for a test sentence); pass the served model's GGUF or tokenizer.json as --tokenizer")
            }
            chat = local.chat
        case (.tokens(let server), nil):
            guard let endpoints = server as? any ServerTokenizer else {
                throw CLIError("server \(url.absoluteString): \(api.title) has no tokenizer endpoints here; pass the served model's GGUF or tokenizer.json as --tokenizer")
            }
            let codec = try ServerCodec.connect(endpoints)
            do { chat = try ChatFormat(tokenizer: codec, template: chatFormat) } catch {
                throw CLIError("\(error) (pass --chat-format, or the served model's GGUF or tokenizer.json as --tokenizer)")
            }
            // The server's own template rendering checks the detected format; a server that can
            // render none and publishes no template is said to be read from its special tokens.
            switch codec.checkTemplate(chat) {
            case .agrees: break
            case .differs(let line):
                Self.note("\(line); pass --chat-format, or --tokenizer with the served model's tokenizer_config.json for its template")
            case .unchecked:
                if chatFormat == nil, let missing = codec.facts.missing {
                    Self.note("\(missing): thinking is detected from its special tokens (\(chat.template.rawValue), \(chat.thinking.mode.rawValue)); pass --tokenizer with the served model's tokenizer_config.json for its template")
                }
            }
        case (.chat, let local?):
            chat = local.chat
        case (.chat, nil):
            throw CLIError("--api \(api.rawValue) needs a tokenizer to count its text")
        }
    }

    /// One line on stderr.
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A model for one run (a sweep's `worker` pins its own llama-server slot).
    func languageModel(ledger: SegmentLedger = SegmentLedger(), worker: Int = 0) -> LanguageModel {
        switch connection {
        case .tokens(let server):
            if worker > 0, let llama = server as? LlamaServer {
                return ServerModel(server: llama.pinning(llama.slot + worker), chat: chat, ledger: ledger)
            }
            return ServerModel(server: server, chat: chat, ledger: ledger)
        case .chat(let server):
            return ChatModel(server: server, chat: chat)
        }
    }

    var url: URL {
        switch connection {
        case .tokens(let s): s.url
        case .chat(let s): s.url
        }
    }

    /// Where the model runs, for the header and the trace (never a key).
    var where_: String {
        switch connection {
        case .tokens: "\(api.title) \(url.absoluteString)"
        case .chat(let s): "\(api.title) \(url.absoluteString) (\(s.model), display only)"
        }
    }

    var routingShape: RoutingShape? {
        if case .tokens(let s) = connection { return s.routing }
        return nil
    }

    /// Why the heatmap is empty (nil when the server reports routing).
    var noRouting: String? {
        routingShape != nil ? nil : api == .vllm || api == .sglang
            ? "\(api.title) reports routing only with --routing (and --enable-return-routed-experts on the server), so no heatmap"
            : "\(api.title) does not expose expert routing, so no heatmap"
    }

    /// Why mid-run controls are off (display-only APIs), nil for token-level ones.
    var displayOnly: String? {
        guard case .chat(let s) = connection else { return nil }
        return "\(api.title) only streams text: the budget goes as \(s.budgetKnob) with the request; nothing can be forced mid-run"
    }

    func traceHeader(messages: [ChatMessage], promptTokens: [TokenID], settings: GenerationSettings, thinking: Bool) -> TraceHeader {
        let codec = chat.tokenizer as? ServerCodec
        let gguf = local?.fileName ?? "\(codec?.facts.model.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "served model") (the server's tokenizer)"
        // A display-only server's ids are the local tokenizer's reading of its text: say so.
        let name = displayOnly == nil ? "\(gguf) on \(where_)" : "\(where_); ids and counts from \(gguf)'s tokenizer"
        return TraceHeader(
            model: .init(file: name, size: local?.size ?? 0, headerHash: local?.fingerprint ?? "", architecture: architecture),
            settings: TraceSettings(thinking: thinking, settings: settings),
            messages: messages.map { TraceMessage(role: $0.role.rawValue, content: $0.content) },
            promptTokens: promptTokens.map(Int.init),
            created: ISO8601DateFormatter().string(from: Date()))
    }
}

extension ServerModel: RewindableModel {}
extension ChatModel: RewindableModel {}
