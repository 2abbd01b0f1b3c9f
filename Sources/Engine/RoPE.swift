import CKernels
import Foundation

/// How a model turns positions into rotation angles, as ggml's rope cache does: angles by repeated
/// multiplication of `base^(-2/dims)`, divided per pair by `frequencyDivisors` when the file has
/// them (Llama-3.1's `rope_freqs`), then scaled: linearly (`freqScale`), or by YaRN, which blends
/// scaled and unscaled angles over the pairs `corrLow...corrHigh` and multiplies cos and sin by
/// `mscale`. The parameters are llama.cpp's (`llama_context` and `ggml_rope_yarn_corr_dims`).
public struct RoPE: Sendable, Equatable {
    public var freqBase: Float
    public var dims: Int
    public var frequencyDivisors: [Float]?
    public var freqScale: Float = 1
    public var extFactor: Float = 0
    public var attnFactor: Float = 1
    public var corrLow: Float = 0
    public var corrHigh: Float = 0

    init(config c: ModelConfig) {
        freqBase = c.ropeFreqBase
        dims = c.headDim
        switch c.ropeScaling {
        case .none:
            break
        case .linear(let factor):
            freqScale = 1 / factor
        case .yarn(let factor, let original, let attention):
            freqScale = 1 / factor
            extFactor = 1
            // llama.cpp cancels the kernel's own 1 + 0.1 ln(factor) magnitude (llama_context); its
            // build contracts both sums into FMAs.
            let magnitude = Float(1).addingProduct(0.1, logf(factor))
            attnFactor = (factor <= 1 ? 1 : magnitude) * (1 / magnitude) * attention
            func corrDim(_ beta: Float) -> Float {
                Float(dims) * logf(Float(original) / (beta * 2 * Float.pi)) / (2 * logf(freqBase))
            }
            corrLow = max(0, floorf(corrDim(32)))
            corrHigh = min(Float(dims - 1), ceilf(corrDim(1)))
        }
    }

    /// Which elements a rotation pairs.
    public enum Style: Sendable {
        /// Element i with i + dims/2 (Qwen, GPT-NeoX, gpt-oss).
        case neox
        /// Element 2i with 2i + 1 (Llama; its converter permutes the Q/K weights for this).
        case norm
    }

    /// cos/sin pairs for `position` into `cs` (`dims` floats).
    func angles(_ cs: UnsafeMutablePointer<Float>, position: Int) {
        let divisors = frequencyDivisors ?? []
        divisors.withUnsafeBufferPointer {
            ck_rope_cache_factors(cs, Int32(dims), Int32(position), freqBase, freqScale, extFactor, attnFactor,
                                  corrLow, corrHigh, frequencyDivisors == nil ? nil : $0.baseAddress)
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
