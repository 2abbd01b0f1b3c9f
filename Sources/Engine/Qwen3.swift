import GGUF

/// Qwen3 dense: RMSNorm, per-head QK-norm, NEOX RoPE, grouped-query attention, SwiGLU FFN.
public enum Qwen3: Architecture {
    public static let name = "qwen3"

    public static func load(file: GGUFFile) throws -> ModelWeights {
        let c = try ModelConfig(file: file, architecture: name, moe: false)
        return try ModelWeights.load(file: file, config: c) { w, i in
            let p = "blk.\(i)."
            return .dense(
                gate: try w.matrix(p + "ffn_gate.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
                up: try w.matrix(p + "ffn_up.weight", rows: c.feedForwardLength, cols: c.embeddingLength),
                down: try w.matrix(p + "ffn_down.weight", rows: c.embeddingLength, cols: c.feedForwardLength))
        }
    }
}
