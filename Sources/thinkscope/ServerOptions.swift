import ArgumentParser
import EmbeddedModel
import Foundation
import GGUF
import Reasoning
import Remote
import Inspector
import Tokenizer

/// Where the model runs when it is not in this process: `--server URL` (llama-server's native API).
/// The token ids, the chat format and the thinking markers come from a local GGUF (`--model`, by
/// default the embedded demo model); the server's `/tokenize` must agree with it.
struct ServerOptions: ParsableArguments {
    @Option(help: "Run the model on a server at this URL (e.g. http://127.0.0.1:8080); --model then only gives the tokenizer and chat format.")
    var server: String?
    @Option(help: "The server's API: llama (llama-server's /completion). vllm and sglang are not in this build yet.")
    var api: String = "llama"
    @Option(help: "The llama-server slot to pin (its KV cache holds the turn).") var slot: Int = 0
    @Option(help: "Seconds to wait for the server to finish loading its model.") var serverWait: Double = 0

    var remote: Bool { server != nil }

    func check() throws {
        guard let server else { return }
        guard let u = URL(string: server), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
            throw ValidationError("--server \(server): expected a URL such as http://127.0.0.1:8080")
        }
        guard api == "llama" else {
            throw ValidationError("--api \(api): only llama (llama-server's /completion) is implemented in this build")
        }
        guard slot >= 0 else { throw ValidationError("--slot must be 0 or more") }
    }

    /// Connects to the server and checks it tokenizes as the local GGUF does.
    func connect(tokenizerPath: String?, chatFormat: ChatFormat.Template?) throws -> RemoteModel {
        guard let server, let url = URL(string: server) else { throw CLIError("no --server given") }
        guard let path = tokenizerPath ?? EmbeddedModel.path else {
            throw CLIError("--server needs --model FILE.gguf for the tokenizer and chat format (this build has no embedded model)")
        }
        return try RemoteModel(url: url, slot: slot, wait: serverWait, tokenizerPath: path, chatFormat: chatFormat)
    }
}

/// A served model: the connection, the local tokenizer and chat format, and the GGUF they came from.
struct RemoteModel {
    let llama: LlamaServer
    let file: GGUFFile
    let chat: ChatFormat
    let architecture: String

    init(url: URL, slot: Int, wait: Double, tokenizerPath: String, chatFormat: ChatFormat.Template?) throws {
        file = try GGUFFile(path: tokenizerPath)
        chat = try ChatFormat(tokenizer: BPETokenizer(gguf: file), template: chatFormat)
        architecture = file["general.architecture"]?.string ?? "unknown"
        llama = try LlamaServer(url: url, slot: slot, wait: wait)
        let probe = "ThinkScope checks its tokenizer: 17 + 25 = 42, naïve café, 東京."
        let local = chat.tokenizer.encode(probe, parseSpecial: false).map(Int.init)
        let remote = try llama.tokenize(probe)
        guard local == remote else {
            throw CLIError("server \(url.absoluteString): its tokenizer disagrees with \(tokenizerPath) "
                           + "(\(remote.count) vs \(local.count) tokens for a test sentence); pass the served model's GGUF as --model")
        }
    }

    func languageModel() -> ServerModel { ServerModel(server: llama, chat: chat) }

    var where_: String { "llama-server \(llama.url.absoluteString)" }

    func traceHeader(messages: [ChatMessage], promptTokens: [TokenID], settings: GenerationSettings, thinking: Bool) -> TraceHeader {
        TraceHeader(
            model: .init(file: "\(URL(fileURLWithPath: file.path).lastPathComponent) on \(where_)", size: file.fileSize,
                         headerHash: file.headerFingerprint, architecture: architecture),
            settings: TraceSettings(thinking: thinking, settings: settings),
            messages: messages.map { TraceMessage(role: $0.role.rawValue, content: $0.content) },
            promptTokens: promptTokens.map(Int.init),
            created: ISO8601DateFormatter().string(from: Date()))
    }
}

extension ServerModel: RewindableModel {}
