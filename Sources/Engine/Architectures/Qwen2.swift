import GGUF

/// Qwen2 and Qwen2.5 (`qwen2`; llama.cpp `src/models/qwen2.cpp`), the base of DeepSeek-R1-Distill-Qwen,
/// QwQ-32B and s1: like Qwen3 without QK-norm, with biases on the Q, K and V projections, and a
/// head size of embedding / heads.
public enum Qwen2: Architecture {
    public static let name = "qwen2"

    public static func load(file: GGUFFile) throws -> ModelWeights {
        try ModelWeights.loadDense(file: file, architecture: name, headNorm: .none)
    }

    public static func forward(_ p: ForwardPass) {
        p.embed()
        for (l, w) in p.layers.enumerated() {
            p.norm(w.attentionNorm)
            p.projectQKV(w)
            p.rope(.neox)
            p.attend(layer: l)
            p.addAttentionOutput(w)
            p.norm(w.ffnNorm)
            p.addFeedForward(layer: l, w.ffn)
        }
        p.logits()
    }
}
