import GGUF

/// Hyperparameters of a decoder-only model, read from GGUF metadata once at load.
/// Keys are templates over the architecture name (`%s.attention.head_count_kv`), as in llama.cpp.
public struct ModelConfig: Sendable, Equatable {
    public var architecture: String
    public var layerCount: Int
    public var embeddingLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var feedForwardLength: Int
    public var rmsEpsilon: Float
    public var ropeFreqBase: Float
    /// How positions beyond the trained range are stretched (`rope.scaling.*`).
    public var ropeScaling: RopeScaling
    /// Tokens a sliding-window layer attends to (itself included): `attention.sliding_window`; 0 when
    /// the file has none. Which layers slide is the architecture's rule.
    public var slidingWindow: Int
    /// The factor of q·k in attention: `attention.scale` when the file has it, else 1/sqrt(head_dim).
    public var attentionScale: Float
    public var contextLength: Int
    public var vocabSize: Int
    /// Mixture-of-experts fields; zero for dense models.
    public var expertCount: Int
    public var expertUsedCount: Int
    public var expertFeedForwardLength: Int

    public var isMoE: Bool { expertCount > 0 }
    public var queryLength: Int { headCount * headDim }
    public var kvLength: Int { kvHeadCount * headDim }
    /// Query heads per KV head (GQA group).
    public var groupSize: Int { headCount / kvHeadCount }

    /// The metadata keys this engine reads, with `%s` standing for the architecture.
    public enum Key {
        public static let blockCount = "%s.block_count"
        public static let embeddingLength = "%s.embedding_length"
        public static let feedForwardLength = "%s.feed_forward_length"
        public static let headCount = "%s.attention.head_count"
        public static let kvHeadCount = "%s.attention.head_count_kv"
        public static let keyLength = "%s.attention.key_length"
        public static let valueLength = "%s.attention.value_length"
        public static let rmsEpsilon = "%s.attention.layer_norm_rms_epsilon"
        public static let ropeFreqBase = "%s.rope.freq_base"
        public static let ropeDimensionCount = "%s.rope.dimension_count"
        public static let attentionScale = "%s.attention.scale"
        public static let slidingWindow = "%s.attention.sliding_window"
        public static let ropeScalingType = "%s.rope.scaling.type"
        public static let ropeScalingFactor = "%s.rope.scaling.factor"
        public static let ropeScalingOriginalContext = "%s.rope.scaling.original_context_length"
        public static let ropeScalingAttentionFactor = "%s.rope.scaling.attn_factor"
        public static let contextLength = "%s.context_length"
        public static let expertCount = "%s.expert_count"
        public static let expertUsedCount = "%s.expert_used_count"
        public static let expertFeedForwardLength = "%s.expert_feed_forward_length"

        public static func resolve(_ template: String, _ arch: String) -> String {
            template.hasPrefix("%s") ? arch + template.dropFirst(2) : template
        }
    }

    /// Reads and checks the hyperparameters of `file` for architecture `arch`.
    public init(file: GGUFFile, architecture arch: String, moe: Bool) throws {
        func key(_ t: String) -> String { Key.resolve(t, arch) }
        func positive(_ t: String, default d: Int? = nil) throws -> Int {
            let k = key(t)
            guard let v = try file.optionalInt(k) ?? d else { throw GGUFError(path: file.path, .missingKey(k)) }
            guard v > 0 else { throw EngineError.invalidHyperparameter(file: file.path, key: k, value: "\(v)", expected: "a positive integer") }
            return v
        }
        architecture = arch
        layerCount = try positive(Key.blockCount)
        embeddingLength = try positive(Key.embeddingLength)
        headCount = try positive(Key.headCount)
        kvHeadCount = try positive(Key.kvHeadCount, default: headCount)
        headDim = try positive(Key.keyLength, default: embeddingLength / headCount)
        let valueDim = try positive(Key.valueLength, default: headDim)
        guard valueDim == headDim else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.valueLength), value: "\(valueDim)", expected: "equal to key_length \(headDim)")
        }
        guard headCount % kvHeadCount == 0 else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.kvHeadCount), value: "\(kvHeadCount)", expected: "a divisor of head_count \(headCount)")
        }
        guard headDim % 2 == 0 else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.keyLength), value: "\(headDim)", expected: "an even number")
        }
        if let rot = try file.optionalInt(key(Key.ropeDimensionCount)), rot != headDim {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.ropeDimensionCount), value: "\(rot)", expected: "equal to the head dimension \(headDim) (partial RoPE is not supported)")
        }
        let eps = try file.double(key(Key.rmsEpsilon))
        guard eps > 0, eps < 1 else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.rmsEpsilon), value: "\(eps)", expected: "a small positive number")
        }
        rmsEpsilon = Float(eps)
        let base = try file.optionalDouble(key(Key.ropeFreqBase)) ?? 10_000
        guard base > 1 else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.ropeFreqBase), value: "\(base)", expected: "a number above 1")
        }
        ropeFreqBase = Float(base)
        let scale = try file.optionalDouble(key(Key.attentionScale)) ?? 0
        guard scale >= 0, scale.isFinite else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.attentionScale), value: "\(scale)", expected: "a positive number")
        }
        attentionScale = scale == 0 ? 1 / Float(headDim).squareRoot() : Float(scale)
        contextLength = try positive(Key.contextLength, default: 4096)
        slidingWindow = try file.optionalInt(key(Key.slidingWindow)) ?? 0
        guard slidingWindow >= 0 else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.slidingWindow), value: "\(slidingWindow)", expected: "a positive number of tokens")
        }
        ropeScaling = try RopeScaling(file: file, architecture: arch, contextLength: contextLength)
        if moe {
            let experts = try positive(Key.expertCount), used = try positive(Key.expertUsedCount)
            guard used <= experts else {
                throw EngineError.invalidHyperparameter(file: file.path, key: key(Key.expertUsedCount), value: "\(used)", expected: "at most expert_count \(experts)")
            }
            expertCount = experts
            expertUsedCount = used
            let ff = try file.optionalInt(key(Key.feedForwardLength))
            expertFeedForwardLength = try positive(Key.expertFeedForwardLength, default: ff.map { $0 / used })
            feedForwardLength = ff ?? 0
        } else {
            expertCount = 0
            expertUsedCount = 0
            expertFeedForwardLength = 0
            feedForwardLength = try positive(Key.feedForwardLength)
        }
        let embd = try file.requireTensor("token_embd.weight")
        vocabSize = embd.shape.count == 2 ? embd.shape[1] : 0
    }
}

/// RoPE scaling as llama.cpp reads it: `rope.scaling.type` none, linear or yarn, with its factor (the
/// angles are divided by it), YaRN's original context and attention factor.
public enum RopeScaling: Sendable, Equatable {
    case none
    case linear(factor: Float)
    case yarn(factor: Float, originalContext: Int, attentionFactor: Float)

    init(file: GGUFFile, architecture arch: String, contextLength: Int) throws {
        func key(_ t: String) -> String { ModelConfig.Key.resolve(t, arch) }
        let type = try file.optionalString(key(ModelConfig.Key.ropeScalingType)) ?? "none"
        let factorKey = key(ModelConfig.Key.ropeScalingFactor)
        let factor = try file.optionalDouble(factorKey) ?? 1
        switch type {
        case "none":
            self = .none
            return
        case "linear", "yarn":
            guard factor > 0, factor.isFinite else {
                throw EngineError.invalidHyperparameter(file: file.path, key: factorKey, value: "\(factor)", expected: "a positive number")
            }
        default:
            throw EngineError.invalidHyperparameter(file: file.path, key: key(ModelConfig.Key.ropeScalingType), value: type,
                                                    expected: "none, linear or yarn")
        }
        if type == "linear" {
            self = factor == 1 ? .none : .linear(factor: Float(factor))
            return
        }
        let original = try file.optionalInt(key(ModelConfig.Key.ropeScalingOriginalContext)) ?? contextLength
        guard original > 0 else {
            throw EngineError.invalidHyperparameter(file: file.path, key: key(ModelConfig.Key.ropeScalingOriginalContext),
                                                    value: "\(original)", expected: "a positive number of tokens")
        }
        let attention = try file.optionalDouble(key(ModelConfig.Key.ropeScalingAttentionFactor)) ?? 1
        self = .yarn(factor: Float(factor), originalContext: original, attentionFactor: Float(attention))
    }
}
