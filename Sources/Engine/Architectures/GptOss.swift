import GGUF

/// gpt-oss (`gpt-oss`; llama.cpp `src/models/openai-moe.cpp`): biases on every attention projection,
/// no QK-norm, NEOX RoPE with YaRN, attention sinks (one logit per query head), sliding-window
/// attention (`attention.sliding_window` tokens) on even layers and full attention on odd ones; every
/// feed-forward is a mixture of experts whose router takes the top k logits (with bias) and a softmax
/// over those k, and whose experts (with biases) use the clamped SwiGLU (alpha 1.702, limit 7).
/// The norm before the experts is `post_attention_norm`.
public enum GptOss: Architecture {
    public static let name = "gpt-oss"
    /// Layers 0, 2, 4, … slide (llama.cpp's `set_swa_pattern(2)`).
    static func slides(_ layer: Int) -> Bool { layer % 2 == 0 }

    public static func load(file: GGUFFile) throws -> ModelWeights {
        let c = try ModelConfig(file: file, architecture: name, moe: true)
        guard c.slidingWindow > 0 else {
            throw GGUFError(path: file.path, .missingKey(ModelConfig.Key.resolve(ModelConfig.Key.slidingWindow, name)))
        }
        return try ModelWeights.load(file: file, config: c, headNorm: .none, ffnNorm: "post_attention_norm") { w, i in
            .experts(try Experts.load(w, layer: i, c, gating: .topKThenSoftmax, activation: .swigluOAI(alpha: 1.702, limit: 7)))
        }
    }

    public static func forward(_ p: ForwardPass) {
        p.embed()
        for (l, w) in p.layers.enumerated() {
            p.norm(w.attentionNorm)
            p.projectQKV(w)
            p.rope(.neox)
            p.attend(layer: l, window: slides(l) ? p.config.slidingWindow : nil, sinks: w.sinks)
            p.addAttentionOutput(w)
            p.norm(w.ffnNorm)
            p.addFeedForward(layer: l, w.ffn)
        }
        p.logits()
    }
}
