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

#ifdef __cplusplus
}
#endif
#endif
