#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The default KV-cache size: the context the model was trained for (`contextLength`, 40,960 for
/// Qwen3), unless the machine's memory cannot hold a cache that large next to the weights.
public struct ContextSize: Equatable, Sendable {
    /// Positions the cache will hold.
    public var tokens: Int
    /// The model's trained context.
    public var trained: Int
    /// True when memory, not the model, set `tokens`.
    public var cappedByMemory: Bool { tokens < trained }

    /// A one-line notice for the user when the context was capped (nil otherwise).
    public var notice: String? {
        cappedByMemory ? "context capped at \(tokens) tokens by available memory (model trained for \(trained))" : nil
    }

    /// Memory kept free besides the weights and the cache: scratch, the tokenizer, the UI, forks' logits.
    public static let headroomBytes = 1 << 30

    /// The default context for `model` with a `type` cache, given `availableBytes` of memory
    /// (default: what the system reports; nil means unknown, and then the trained context is used).
    /// The weights (memory-mapped, `fileBytes`) and `headroomBytes` come off first; the cache
    /// gets the rest, in whole multiples of 256 positions, at least 256.
    public static func choose(model: Model, type: KVCacheType = .f16,
                              availableBytes: Int? = ContextSize.availableMemoryBytes()) -> ContextSize {
        let c = model.config
        return choose(trained: trainedContext(model),
                      bytesPerToken: 2 * c.layerCount * type.rowBytes(c.kvLength),
                      fileBytes: model.file.fileSize, availableBytes: availableBytes)
    }

    /// The context the model was trained for: `context_length` (YaRN files state the extended one,
    /// and the engine applies their YaRN scaling as llama.cpp does).
    public static func trainedContext(_ model: Model) -> Int { model.config.contextLength }

    static func choose(trained: Int, bytesPerToken: Int, fileBytes: Int, availableBytes: Int?) -> ContextSize {
        guard let available = availableBytes else { return ContextSize(tokens: trained, trained: trained) }
        let budget = max(0, available - fileBytes - headroomBytes)
        let fits = max(256, budget / max(1, bytesPerToken) / 256 * 256)
        return ContextSize(tokens: min(trained, fits), trained: trained)
    }

    /// Memory the process may still use: MemAvailable on Linux; on macOS, three quarters of
    /// hw.memsize (the OS reports no cheap "available" figure). Nil if unknown.
    public static func availableMemoryBytes() -> Int? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
        }
        return nil
        #elseif canImport(Darwin)
        var size: UInt64 = 0
        var length = MemoryLayout<UInt64>.size
        guard sysctlbyname("hw.memsize", &size, &length, nil, 0) == 0 else { return nil }
        return Int(size / 4 * 3)
        #else
        return nil
        #endif
    }
}
