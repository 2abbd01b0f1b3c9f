import ArgumentParser
import Engine
import Foundation

struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Write the logits of every position of a token sequence (float32 little-endian, one row of n_vocab per position)."
    )

    @Option(help: "GGUF model file.") var model: String
    @Option(help: "Comma-separated token ids.") var ids: String
    @Option(help: "Output file.") var out: String
    @Option(name: .shortAndLong, help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Tokens per forward pass (1 = token by token).") var batch: Int = 64
    @Option(help: "KV-cache type: f16 or q8_0.") var kvType: KVCacheType = .f16

    func validate() throws {
        guard (try? parseIDs(ids)).map({ !$0.isEmpty }) ?? false else {
            throw ValidationError("--ids must be a comma-separated list of token ids, e.g. 1,2,3")
        }
    }

    func run() throws {
        let tokens = try parseIDs(ids)
        let m = try Model(path: model)
        let session = Session(model: m, context: tokens.count, threads: threads, batchSize: batch, kvType: kvType)
        let vocab = m.config.vocabSize
        let all = try session.evaluateAll(tokens)
        let data = all.withUnsafeBytes { Data($0) }
        do {
            try data.write(to: URL(fileURLWithPath: out))
        } catch {
            throw CLIError("\(out): cannot write: \(error.localizedDescription)")
        }
        print("\(tokens.count) x \(vocab) -> \(out)")
    }
}

/// Parses "1,2, 3" into token ids.
func parseIDs(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map { part in
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        guard let v = Int(trimmed), v >= 0 else { throw CLIError("'\(trimmed)' is not a token id") }
        return v
    }
}

/// A one-line error for the user.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
