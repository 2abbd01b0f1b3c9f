// Attention over an fp16 KV cache, one query head at a time.
#ifndef CK_ATTENTION_H
#define CK_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Floats of scratch that ck_attention_heads needs for up to n_pos positions and `heads` heads.
size_t ck_attention_scratch_floats(int n_pos, int heads);

/// `heads` query heads that share one KV head (a GQA group; q and out hold head_dim values per
/// head, head after head) attending causally over n_pos cached positions, rounded exactly as
/// llama.cpp does with flash attention off: q is rounded to fp16; s_p = dot(K_p, q) (an F16
/// matmul in the given order) * scale; softmax over s padded with -inf to a multiple of 16
/// (ck_softmax); each probability rounded to fp16; out = sum_p prob_p V_p in the order of the
/// same llama.cpp kernel. order: CK_ORDER_ROWWISE for a single-token pass (llama.cpp's
/// ggml_vec_dot_f16), CK_ORDER_TILED otherwise (tinyBLAS); see ckernels.h.
/// K_p starts at k + p * kv_stride and V_p at v + p * kv_stride (fp16 elements).
/// scratch holds ck_attention_scratch_floats(n_pos, heads) floats, q16 heads * head_dim values.
void ck_attention_heads(const float *q, int heads, int head_dim, const uint16_t *k, const uint16_t *v,
                        size_t kv_stride, int n_pos, float scale, int order, float *scratch,
                        uint16_t *q16, float *out);
/// ck_attention_heads with a sliding window and attention sinks (gpt-oss): positions before `first`
/// are masked with -inf as llama.cpp's SWA mask does (their keys are not read; their values add
/// exact zeros), and `sinks` (NULL: none) holds one logit per head of the group that joins each
/// softmax's maximum and sum (ck_softmax_sink).
void ck_attention_heads_masked(const float *q, int heads, int head_dim, const uint16_t *k, const uint16_t *v,
                               size_t kv_stride, int n_pos, int first, float scale, const float *sinks, int order,
                               float *scratch, uint16_t *q16, float *out);

/// Floats of scratch that ck_attention_heads_q8 needs.
size_t ck_attention_q8_scratch_floats(int n_pos, int heads, int head_dim);

/// The same GQA group over a Q8_0 cache (head_dim a multiple of 32; K_p starts at k + p * row_bytes,
/// V_p at v + p * row_bytes, bytes), rounded as llama.cpp's CPU flash attention with Q8_0 K and V:
/// each query rounded to Q8_0; s_p = vec_dot_q8_0_q8_0(K_p, q) * scale; an online softmax over
/// p = 0, 1, ... (a new maximum M rescales the fp32 accumulator by expf(Mold - M); otherwise
/// the weight is expf(s_p - M); S = fma(S, rescale, weight)); acc = fma(dequantized V_p, weight,
/// acc); out = acc * (1 / S). scratch holds ck_attention_q8_scratch_floats floats; q8 holds
/// heads * head_dim / 32 Q8_0 blocks.
void ck_attention_heads_q8(const float *q, int heads, int head_dim, const void *k, const void *v,
                           size_t row_bytes, int n_pos, float scale, float *scratch, void *q8, float *out);

/// The orthonormal Walsh-Hadamard rotation of `chunks` consecutive runs of n values (n a power of
/// two), in place, as ggml's CPU fast Walsh-Hadamard transform (ggml_compute_forward_fwht, the
/// rotation llama.cpp applies to Q, K and V when its KV cache is quantized): each value times
/// 1/sqrtf(n), then butterflies (u + v, u - v) over strides 1, 2, 4, ... n/2. The same matrix
/// undoes it.
void ck_fwht(float *x, int n, int chunks);

#ifdef __cplusplus
}
#endif
#endif
