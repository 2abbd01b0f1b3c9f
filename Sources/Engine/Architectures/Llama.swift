import GGUF

/// Llama 3.x (`llama`; llama.cpp `src/models/llama.cpp`), the base of DeepSeek-R1-Distill-Llama:
/// no QK-norm, NORM RoPE (adjacent pairs; the converter permutes Q and K for it) with Llama-3.1's
/// per-pair frequency divisors from `rope_freqs.weight` when the file has them, optional
/// projection biases, `attention.scale` when given.
public enum Llama: Architecture {
    public static let name = "llama"

    public static func load(file: GGUFFile) throws -> ModelWeights {
        var weights = try ModelWeights.loadDense(file: file, architecture: name, headNorm: .none)
        weights.rope.frequencyDivisors = try WeightLoader(file: file)
            .optionalVector("rope_freqs.weight", length: weights.config.headDim / 2)
        return weights
    }

    public static func forward(_ p: ForwardPass) {
        p.embed()
        for (l, w) in p.layers.enumerated() {
            p.norm(w.attentionNorm)
            p.projectQKV(w)
            p.rope(.norm)
            p.attend(layer: l)
            p.addAttentionOutput(w)
            p.norm(w.ffnNorm)
            p.addFeedForward(layer: l, w.ffn)
        }
        p.logits()
    }
}
