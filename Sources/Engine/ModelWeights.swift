import GGUF

/// Weights of one decoder layer. Parts that only some architectures have are optional; each
/// architecture file says which it requires.
public struct LayerWeights: Sendable {
    public var attentionNorm: [Float]
    public var wq, wk, wv, wo: WeightMatrix
    /// Biases of the Q, K and V projections (qwen2; optional in llama); nil when absent.
    public var qBias, kBias, vBias: [Float]?
    /// The output projection's bias (optional in llama); nil when absent.
    public var oBias: [Float]?
    /// Per-head RMSNorm weights of queries and keys, applied before RoPE (qwen3); nil when absent.
    public var qNorm, kNorm: [Float]?
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
    /// How positions turn into rotation angles (shared by every layer).
    public var rope: RoPE

    /// The query/key normalisation a layer loads.
    enum HeadNorm { case none, perHead }

    /// Loads the parts every decoder-only family here shares: embedding, output, and per layer the
    /// norms, Q/K/V/O projections with any biases the file has, and (`headNorm`) QK-norm weights;
    /// `ffn` loads the feed-forward block of layer `i`.
    static func load(file: GGUFFile, config c: ModelConfig, headNorm: HeadNorm,
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
        func optionalVector(_ name: String, length: Int) throws -> [Float]? {
            w.has(name) ? try w.vector(name, length: length) : nil
        }
        var layers: [LayerWeights] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            let perHead = headNorm == .perHead
            layers.append(LayerWeights(
                attentionNorm: try w.vector(p + "attn_norm.weight", length: c.embeddingLength),
                wq: try w.matrix(p + "attn_q.weight", rows: c.queryLength, cols: c.embeddingLength),
                wk: try w.matrix(p + "attn_k.weight", rows: c.kvLength, cols: c.embeddingLength),
                wv: try w.matrix(p + "attn_v.weight", rows: c.kvLength, cols: c.embeddingLength),
                wo: try w.matrix(p + "attn_output.weight", rows: c.embeddingLength, cols: c.queryLength),
                qBias: try optionalVector(p + "attn_q.bias", length: c.queryLength),
                kBias: try optionalVector(p + "attn_k.bias", length: c.kvLength),
                vBias: try optionalVector(p + "attn_v.bias", length: c.kvLength),
                oBias: try optionalVector(p + "attn_output.bias", length: c.embeddingLength),
                qNorm: perHead ? try w.vector(p + "attn_q_norm.weight", length: c.headDim) : nil,
                kNorm: perHead ? try w.vector(p + "attn_k_norm.weight", length: c.headDim) : nil,
                ffnNorm: try w.vector(p + "ffn_norm.weight", length: c.embeddingLength),
                ffn: try ffn(w, i)))
        }
        return ModelWeights(config: c, tokenEmbedding: embedding,
                            outputNorm: try w.vector("output_norm.weight", length: c.embeddingLength),
                            output: output, layers: layers, rope: RoPE(config: c))
    }

    /// A dense SwiGLU feed-forward block (`ffn_gate`, `ffn_up`, `ffn_down`).
    static func denseFFN(_ w: WeightLoader, layer i: Int, _ c: ModelConfig) throws -> FeedForward {
        let p = "blk.\(i)."
        return .dense(
            gate: try w.matrix(p + "ffn_gate.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
            up: try w.matrix(p + "ffn_up.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
            down: try w.matrix(p + "ffn_down.weight", rows: c.embeddingLength, cols: c.feedForwardLength))
    }
}
