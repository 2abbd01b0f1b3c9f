import CKernels

/// How the KV cache stores keys and values (llama.cpp's `-ctk` / `-ctv`, one type for both).
///
/// - `f16`: llama.cpp's default; attention as llama.cpp with flash attention off (QK on fp16
///   keys, a padded softmax, probabilities rounded to fp16 for PV).
/// - `q8_0`: keys and values in Q8_0 blocks (34 bytes per 32 values, 47% of fp16). llama.cpp
///   needs flash attention for a quantized V cache, so attention follows its CPU flash-attention
///   kernel: each query is rounded to Q8_0 for the QK dot products, then an online softmax over
///   the positions in order accumulates the dequantized values in fp32.
public enum KVCacheType: String, CaseIterable, Sendable {
    case f16
    case q8_0

    /// Bytes one row of `n` values (one position of one layer, every KV head) takes.
    public func rowBytes(_ n: Int) -> Int {
        switch self {
        case .f16: return n * 2
        case .q8_0: return n / 32 * 34
        }
    }

    /// llama.cpp rotates Q and K (Walsh-Hadamard, `attn_rot_k`) before a quantized K cache, V before
    /// a quantized V cache and the attention output back (`attn_rot_v`), when the head size is a
    /// multiple of 64 (unless LLAMA_ATTN_ROT_DISABLE is set): the rotation sizes, or nil.
    /// K: the largest power of two (at least 64) dividing the head size; V: 64.
    public func rotation(headDim: Int) -> (k: Int, v: Int)? {
        guard self != .f16, headDim % 64 == 0 else { return nil }
        var k = 64
        while headDim % (k * 2) == 0 { k *= 2 }
        return (k, 64)
    }

    /// Whether rows of `headDim` values per head can be stored (Q8_0 blocks must not straddle heads).
    public func supports(headDim: Int) -> Bool {
        self == .f16 || headDim % 32 == 0
    }
}
