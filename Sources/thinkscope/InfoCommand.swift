import ArgumentParser
import Engine
import Foundation
import GGUF
import Tokenizer

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a GGUF model: architecture, hyperparameters, weight types, vocabulary and thinking support."
    )

    @Argument(help: "GGUF model file.") var model: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let file = try GGUFFile(path: model)
        let info = try ModelInfo(file: file)
        if json {
            let data = try JSONSerialization.data(withJSONObject: info.json, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(info.text)
        }
    }
}

/// What `info` reports, gathered from the file, the engine's config reader and the tokenizer.
struct ModelInfo {
    var file: GGUFFile
    var config: ModelConfig?
    var configProblem: String?
    var vocabulary: Vocabulary?
    var vocabularyProblem: String?

    init(file: GGUFFile) throws {
        self.file = file
        let arch = try file.string("general.architecture")
        if ArchitectureRegistry.architecture(named: arch) != nil {
            let moe = file["\(arch).expert_count"] != nil
            do { config = try ModelConfig(file: file, architecture: arch, moe: moe) } catch { configProblem = "\(error)" }
        } else {
            configProblem = "architecture '\(arch)' is not supported (supported: \(ArchitectureRegistry.names.joined(separator: ", ")))"
        }
        do { vocabulary = try Vocabulary(gguf: file) } catch { vocabularyProblem = "\(error)" }
    }

    var typeCounts: [(String, Int)] {
        Dictionary(grouping: file.tensors, by: { $0.type.name }).map { ($0.key, $0.value.count) }.sorted { $0.1 > $1.1 }
    }

    /// A tensor's kind: its name without the `blk.N.` layer prefix (`attn_q.weight`, `token_embd.weight`).
    static func kind(of name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "blk", Int(parts[1]) != nil else { return name }
        return String(parts[2])
    }

    /// Per tensor kind (in file order of first appearance), its types with tensor counts (most first).
    var typesByKind: [(kind: String, types: [(String, Int)])] {
        var order: [String] = []
        var counts: [String: [String: Int]] = [:]
        for t in file.tensors {
            let k = Self.kind(of: t.name)
            if counts[k] == nil { order.append(k) }
            counts[k, default: [:]][t.type.name, default: 0] += 1
        }
        return order.map { k in (k, counts[k]!.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }) }
    }

    /// Types the engine cannot run, each with the tensors that use it (file order).
    var unsupportedTypes: [(type: String, tensors: [String])] {
        var order: [String] = []
        var names: [String: [String]] = [:]
        for t in file.tensors where !WeightSupport.canRun(t.type) {
            if names[t.type.name] == nil { order.append(t.type.name) }
            names[t.type.name, default: []].append(t.name)
        }
        return order.map { ($0, names[$0]!) }
    }

    /// One warning line per type the engine cannot run, naming it and (the first few of) its tensors.
    var warnings: [String] {
        unsupportedTypes.map { u in
            let shown = u.tensors.prefix(4).joined(separator: ", ")
            let more = u.tensors.count > 4 ? " and \(u.tensors.count - 4) more" : ""
            return "ThinkScope cannot run \(u.type): \(u.tensors.count) tensor\(u.tensors.count == 1 ? "" : "s") (\(shown)\(more))"
        }
    }

    var specialTokens: [(String, Int)] {
        guard let v = vocabulary else { return [] }
        return (0..<v.count).compactMap { i in
            let t = v.type(of: TokenID(i))
            return t == .control || t == .userDefined ? (v.text(of: TokenID(i)) ?? "", i) : nil
        }
    }

    /// The chat format the file's vocabulary calls for (nil without the tokens any format needs).
    var chat: ChatFormat? { vocabulary.flatMap { try? ChatFormat(tokenizer: BPETokenizer(vocabulary: $0)) } }
    var thinking: ThinkingSupport? { chat?.thinking ?? vocabulary.map { ThinkingSupport(vocabulary: $0) } }

    var json: [String: Any] {
        var o: [String: Any] = [
            "file": file.path, "file_size": file.fileSize, "gguf_version": Int(file.version),
            "architecture": file.architecture ?? "", "name": file["general.name"]?.string ?? "",
            "tensor_count": file.tensors.count,
            "weight_types": Dictionary(uniqueKeysWithValues: typeCounts),
            "weight_types_by_kind": Dictionary(uniqueKeysWithValues: typesByKind.map { k in
                (k.kind, Dictionary(uniqueKeysWithValues: k.types))
            }),
            "unsupported_types": Dictionary(uniqueKeysWithValues: unsupportedTypes.map { ($0.type, $0.tensors) }),
            "warnings": warnings,
            "chat_template": file["tokenizer.chat_template"] != nil,
        ]
        if let c = config {
            var h: [String: Any] = [
                "layers": c.layerCount, "embedding_length": c.embeddingLength, "heads": c.headCount,
                "kv_heads": c.kvHeadCount, "head_dim": c.headDim, "rms_epsilon": Double(c.rmsEpsilon),
                "rope_freq_base": Double(c.ropeFreqBase), "context_length": c.contextLength, "vocab_size": c.vocabSize,
            ]
            if c.isMoE {
                h["experts"] = c.expertCount
                h["experts_used"] = c.expertUsedCount
                h["expert_feed_forward_length"] = c.expertFeedForwardLength
            } else {
                h["feed_forward_length"] = c.feedForwardLength
            }
            o["hyperparameters"] = h
        }
        if let p = configProblem { o["engine_problem"] = p }
        if let v = vocabulary {
            o["vocab_size"] = v.count
            o["special_tokens"] = Dictionary(specialTokens, uniquingKeysWith: { a, _ in a })
            o["end_of_generation"] = v.endOfGeneration.sorted().map(Int.init)
        }
        if let p = vocabularyProblem { o["tokenizer_problem"] = p }
        if let c = chat { o["chat_format"] = c.template.rawValue }
        if let t = thinking {
            o["thinking"] = ["mode": t.mode.rawValue, "think_start": t.thinkStart.map(Int.init) as Any,
                             "think_end": t.thinkEnd.map(Int.init) as Any]
        }
        return o
    }

    var text: String {
        var lines: [String] = []
        func add(_ k: String, _ v: String) { lines.append(k.padding(toLength: 18, withPad: " ", startingAt: 0) + v) }
        add("file", "\(file.path) (\(formatBytes(file.fileSize)), GGUF v\(file.version))")
        add("architecture", (file.architecture ?? "?") + (file["general.name"]?.string.map { " — \($0)" } ?? ""))
        if let c = config {
            add("layers", "\(c.layerCount)")
            add("embedding", "\(c.embeddingLength)")
            add("attention", "\(c.headCount) query / \(c.kvHeadCount) KV heads × \(c.headDim)")
            if c.isMoE {
                add("experts", "\(c.expertCount), \(c.expertUsedCount) active, FFN \(c.expertFeedForwardLength)")
            } else {
                add("feed-forward", "\(c.feedForwardLength)")
            }
            add("context", "\(c.contextLength)")
            add("rope base", "\(c.ropeFreqBase)" + Self.describe(c.ropeScaling))
            if c.slidingWindow > 0 { add("sliding window", "\(c.slidingWindow) tokens") }
        }
        if let p = configProblem { add("engine", p) }
        add("tensors", "\(file.tensors.count): " + typeCounts.map { "\($0.1) \($0.0)" }.joined(separator: ", "))
        let kinds = typesByKind
        let width = min(28, (kinds.map(\.kind.count).max() ?? 0) + 2)
        lines.append("types by kind")
        for k in kinds {
            lines.append("  " + k.kind.padding(toLength: max(width, k.kind.count + 1), withPad: " ", startingAt: 0)
                         + k.types.map { "\($0.1) × \($0.0)" }.joined(separator: ", "))
        }
        for w in warnings { add("warning", w) }
        if let v = vocabulary {
            add("vocabulary", "\(v.count) tokens")
            let specials = specialTokens
            let shown = specials.prefix(8).map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            add("special tokens", "\(specials.count)" + (specials.isEmpty ? "" : ": " + shown + (specials.count > 8 ? ", …" : "")))
        }
        if let p = vocabularyProblem { add("tokenizer", p) }
        add("chat template", file["tokenizer.chat_template"] != nil ? "yes" : "no")
        if let c = chat { add("chat format", c.template.rawValue) }
        if let t = thinking {
            let ids = [t.thinkStart, t.thinkEnd].compactMap { $0 }.map(String.init).joined(separator: "/")
            add("thinking", t.mode.rawValue + (ids.isEmpty ? "" : " (think tokens \(ids))"))
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ scaling: RopeScaling) -> String {
        switch scaling {
        case .none: ""
        case .linear(let f): ", linear scaling ×\(f)"
        case .yarn(let f, let original, _): ", YaRN ×\(f) over \(original)"
        }
    }
}

func formatBytes(_ n: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var v = Double(n), i = 0
    while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}
