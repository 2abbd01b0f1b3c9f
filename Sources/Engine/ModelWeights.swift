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
    /// One learned logit per query head that joins every attention softmax (gpt-oss); nil when absent.
    public var sinks: [Float]?
    public var ffnNorm: [Float]
    public var ffn: FeedForward
}

/// The feed-forward block of a layer: a dense SwiGLU, or a routed mixture of experts.
public enum FeedForward: Sendable {
    case dense(gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix)
    case experts(Experts)
}

/// A routed mixture of gated experts: the router picks k experts per token and weighs their outputs.
public struct Experts: Sendable {
    /// How router logits become the chosen experts and their weights.
    public enum Gating: Sendable {
        /// Softmax over all experts, the top k, their probabilities renormalised to sum to 1 (Qwen3-MoE).
        case softmaxThenTopK
        /// The top k logits, softmax over those k only (gpt-oss).
        case topKThenSoftmax
    }

    /// The gate/up activation.
    public enum Activation: Sendable {
        /// silu(gate) · up.
        case swiglu
        /// gpt-oss: x = min(gate, limit), y = clamp(up, ±limit), x · sigmoid(alpha · x) · (y + 1).
        case swigluOAI(alpha: Float, limit: Float)
    }

    public var router: WeightMatrix
    public var routerBias: [Float]?
    public var gate, up, down: ExpertWeights
    /// Per-expert biases (`[expert][row]`); nil when absent.
    public var gateBias, upBias, downBias: [[Float]]?
    public var gating: Gating
    public var activation: Activation
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
    /// norms (the one before the feed-forward block is named `ffnNorm`), Q/K/V/O projections with any
    /// biases and attention sinks the file has, and (`headNorm`) QK-norm weights; `ffn` loads the
    /// feed-forward block of layer `i`.
    static func load(file: GGUFFile, config c: ModelConfig, headNorm: HeadNorm, ffnNorm: String = "ffn_norm",
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
        func optionalVector(_ name: String, length: Int) throws -> [Float]? { try w.optionalVector(name, length: length) }
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
                sinks: try optionalVector(p + "attn_sinks.weight", length: c.headCount),
                ffnNorm: try w.vector(p + ffnNorm + ".weight", length: c.embeddingLength),
                ffn: try ffn(w, i)))
        }
        return ModelWeights(config: c, tokenEmbedding: embedding,
                            outputNorm: try w.vector("output_norm.weight", length: c.embeddingLength),
                            output: output, layers: layers, rope: RoPE(config: c))
    }

    /// A dense model of `architecture`: the shared parts and a SwiGLU feed-forward block per layer.
    static func loadDense(file: GGUFFile, architecture: String, headNorm: HeadNorm) throws -> ModelWeights {
        let c = try ModelConfig(file: file, architecture: architecture, moe: false)
        return try load(file: file, config: c, headNorm: headNorm) { w, i in try denseFFN(w, layer: i, c) }
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

extension Experts {
    /// Layer `i`'s experts under the usual tensor names (`ffn_gate_inp`, `ffn_{gate,up,down}_exps`),
    /// with the router and expert biases when the file has them.
    static func load(_ w: WeightLoader, layer i: Int, _ c: ModelConfig, gating: Gating,
                     activation: Activation) throws -> Experts {
        let p = "blk.\(i)."
        let e = c.expertCount, ff = c.expertFeedForwardLength, d = c.embeddingLength
        func split(_ all: [Float], _ n: Int) -> [[Float]] { (0..<e).map { Array(all[($0 * n)..<(($0 + 1) * n)]) } }
        return Experts(
            router: try w.matrix(p + "ffn_gate_inp.weight", rows: e, cols: d),
            routerBias: try w.optionalVector(p + "ffn_gate_inp.bias", length: e),
            gate: try w.experts(p + "ffn_gate_exps.weight", experts: e, rows: ff, cols: d),
            up: try w.experts(p + "ffn_up_exps.weight", experts: e, rows: ff, cols: d),
            down: try w.experts(p + "ffn_down_exps.weight", experts: e, rows: d, cols: ff),
            gateBias: try w.optionalVector(p + "ffn_gate_exps.bias", shape: [ff, e]).map { split($0, ff) },
            upBias: try w.optionalVector(p + "ffn_up_exps.bias", shape: [ff, e]).map { split($0, ff) },
            downBias: try w.optionalVector(p + "ffn_down_exps.bias", shape: [d, e]).map { split($0, d) },
            gating: gating, activation: activation)
    }
}
