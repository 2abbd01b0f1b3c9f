import GGUF

/// What an architecture file provides: its `general.architecture` name and how to load its
/// weights. The forward pass is shared (`Transformer`); architectures differ in what they load.
public protocol Architecture {
    static var name: String { get }
    static func load(file: GGUFFile) throws -> ModelWeights
}

/// Architectures by `general.architecture`. Adding one is a new file plus a line here.
public enum ArchitectureRegistry {
    public static let all: [any Architecture.Type] = [Qwen3.self, Qwen3MoE.self]

    public static func architecture(named name: String) -> (any Architecture.Type)? {
        all.first { $0.name == name }
    }

    public static var names: [String] { all.map { $0.name } }
}

/// Weights of one decoder layer.
public struct LayerWeights: Sendable {
    public var attentionNorm: [Float]
    public var wq, wk, wv, wo: WeightMatrix
    public var qNorm, kNorm: [Float]
    public var ffnNorm: [Float]
    public var ffn: FeedForward
}

/// The feed-forward block of a layer: a dense SwiGLU, or a routed mixture of SwiGLU experts.
public enum FeedForward: Sendable {
    case dense(gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix)
    case experts(router: WeightMatrix, gate: ExpertWeights, up: ExpertWeights, down: ExpertWeights)
}

/// Everything the forward pass needs, as views into the mapped file.
public struct ModelWeights: Sendable {
    public var config: ModelConfig
    public var tokenEmbedding: WeightMatrix
    public var outputNorm: [Float]
    /// The output projection; the token embedding itself when the model ties them.
    public var output: WeightMatrix
    public var layers: [LayerWeights]

    /// Loads the parts every Qwen3-family model shares; `ffn` loads the feed-forward block of layer `i`.
    static func load(file: GGUFFile, config c: ModelConfig,
                     ffn: (WeightLoader, Int) throws -> FeedForward) throws -> ModelWeights {
        let w = WeightLoader(file: file)
        guard c.vocabSize > 0 else {
            throw EngineError.tensorShape(file: file.path, tensor: "token_embd.weight",
                                          expected: "{\(c.embeddingLength), n_vocab}",
                                          found: file.tensor(named: "token_embd.weight")?.shapeDescription ?? "missing")
        }
        let embedding = try w.lookupTable("token_embd.weight", rows: c.vocabSize, cols: c.embeddingLength)
        let output = w.has("output.weight")
            ? try w.matrix("output.weight", rows: c.vocabSize, cols: c.embeddingLength)
            : try w.matrix("token_embd.weight", rows: c.vocabSize, cols: c.embeddingLength)
        var layers: [LayerWeights] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            layers.append(LayerWeights(
                attentionNorm: try w.vector(p + "attn_norm.weight", length: c.embeddingLength),
                wq: try w.matrix(p + "attn_q.weight", rows: c.queryLength, cols: c.embeddingLength),
                wk: try w.matrix(p + "attn_k.weight", rows: c.kvLength, cols: c.embeddingLength),
                wv: try w.matrix(p + "attn_v.weight", rows: c.kvLength, cols: c.embeddingLength),
                wo: try w.matrix(p + "attn_output.weight", rows: c.embeddingLength, cols: c.queryLength),
                qNorm: try w.vector(p + "attn_q_norm.weight", length: c.headDim),
                kNorm: try w.vector(p + "attn_k_norm.weight", length: c.headDim),
                ffnNorm: try w.vector(p + "ffn_norm.weight", length: c.embeddingLength),
                ffn: try ffn(w, i)))
        }
        return ModelWeights(config: c, tokenEmbedding: embedding,
                            outputNorm: try w.vector("output_norm.weight", length: c.embeddingLength),
                            output: output, layers: layers)
    }
}
