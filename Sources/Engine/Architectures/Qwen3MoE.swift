import GGUF

/// Qwen3-MoE (`qwen3moe`; llama.cpp `src/models/qwen3moe.cpp`): Qwen3 attention; every layer's
/// feed-forward is a softmax router over all experts, top-k, renormalised weights, and a weighted
/// sum of SwiGLU experts (no shared expert).
public enum Qwen3MoE: Architecture {
    public static let name = "qwen3moe"

    public static func load(file: GGUFFile) throws -> ModelWeights {
        let c = try ModelConfig(file: file, architecture: name, moe: true)
        return try ModelWeights.load(file: file, config: c, headNorm: .perHead) { w, i in
            .experts(try Experts.load(w, layer: i, c, gating: .softmaxThenTopK, activation: .swiglu))
        }
    }

    /// Qwen3's block; only the feed-forward weights differ (`ForwardPass.addFeedForward` routes them).
    public static func forward(_ p: ForwardPass) { Qwen3.forward(p) }
}
