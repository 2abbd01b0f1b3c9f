import GGUF

/// SmolLM3 (`smollm3`; llama.cpp `src/models/smollm3.cpp`): a Llama block whose every fourth layer
/// (3, 7, 11, …) uses no positional rotation at all (NoPE); the step is fixed in llama.cpp, not a
/// GGUF key.
public enum SmolLM3: Architecture {
    public static let name = "smollm3"
    static let noRoPELayerStep = 4

    public static func load(file: GGUFFile) throws -> ModelWeights {
        try ModelWeights.loadDense(file: file, architecture: name, headNorm: .none)
    }

    public static func forward(_ p: ForwardPass) {
        p.embed()
        for (l, w) in p.layers.enumerated() {
            p.norm(w.attentionNorm)
            p.projectQKV(w)
            if (l + 1) % noRoPELayerStep != 0 { p.rope(.norm) }
            p.attend(layer: l)
            p.addAttentionOutput(w)
            p.norm(w.ffnNorm)
            p.addFeedForward(layer: l, w.ffn)
        }
        p.logits()
    }
}
