import CKernels

/// How a model turns positions into rotation angles, as ggml's rope cache does: angles by repeated
/// multiplication of `base^(-2/dims)`, divided per pair by `frequencyDivisors` when the file has
/// them (Llama-3.1's `rope_freqs`). No YaRN yet: a YaRN file runs with plain RoPE, its context
/// capped at the original length (`ContextSize`).
public struct RoPE: Sendable, Equatable {
    public var freqBase: Float
    public var dims: Int
    public var frequencyDivisors: [Float]?

    init(config c: ModelConfig) {
        freqBase = c.ropeFreqBase
        dims = c.headDim
    }

    /// Which elements a rotation pairs.
    public enum Style: Sendable {
        /// Element i with i + dims/2 (Qwen, GPT-NeoX).
        case neox
        /// Element 2i with 2i + 1 (Llama; its converter permutes the Q/K weights for this).
        case norm
    }

    /// cos/sin pairs for `position` into `cs` (`dims` floats).
    func angles(_ cs: UnsafeMutablePointer<Float>, position: Int) {
        if let f = frequencyDivisors {
            f.withUnsafeBufferPointer {
                ck_rope_cache_factors(cs, Int32(dims), Int32(position), freqBase, 1, 0, 1, 0, 0, $0.baseAddress)
            }
        } else {
            ck_rope_cache(cs, Int32(dims), Int32(position), freqBase, 1, 0, 1, 0, 0)
        }
    }

    /// Rotates `heads` vectors of `dims` floats in place with the angles in `cs`.
    static func rotate(_ style: Style, _ x: UnsafeMutablePointer<Float>, heads: Int, dims: Int,
                       _ cs: UnsafePointer<Float>) {
        switch style {
        case .neox: ck_rope_neox(x, Int32(heads), Int32(dims), Int32(dims), cs)
        case .norm: ck_rope_norm(x, Int32(heads), Int32(dims), Int32(dims), cs)
        }
    }
}
