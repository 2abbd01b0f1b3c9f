import GGUF

/// Qwen3 dense (`qwen3`; llama.cpp `src/models/qwen3.cpp`): RMSNorm, grouped-query attention with
/// per-head QK-norm before NEOX RoPE, no biases, SwiGLU feed-forward.
public enum Qwen3: Architecture {
    public static let name = "qwen3"

    public static func load(file: GGUFFile) throws -> ModelWeights {
        try ModelWeights.loadDense(file: file, architecture: name, headNorm: .perHead)
    }

    public static func forward(_ p: ForwardPass) {
        p.embed()
        for (l, w) in p.layers.enumerated() {
            attention(p, layer: l, w)
            p.norm(w.ffnNorm)
            p.addFeedForward(layer: l, w.ffn)
        }
        p.logits()
    }

    /// x += attention(RMSNorm(x)), with QK-norm and NEOX RoPE (shared with Qwen3-MoE).
    static func attention(_ p: ForwardPass, layer l: Int, _ w: LayerWeights) {
        p.norm(w.attentionNorm)
        p.projectQKV(w)
        p.normHeads(q: w.qNorm!, k: w.kNorm!)
        p.rope(.neox)
        p.attend(layer: l)
        p.addAttentionOutput(w)
    }
}
