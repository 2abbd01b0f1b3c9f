// Attention over an fp16 KV cache, one query head at a time.
#ifndef CK_ATTENTION_H
#define CK_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One query head attending causally over n_pos cached positions, with llama.cpp's numerics
/// (flash attention off): q is rounded to fp16, s_p = dot(K_p, q) * scale, softmax over s,
/// each probability rounded to fp16, out = sum_p p * V_p accumulated in float.
/// K_p starts at k + p * kv_stride and V_p at v + p * kv_stride (fp16 elements).
/// scores must hold n_pos floats and q16 head_dim values (scratch owned by the caller).
void ck_attention_head(const float *q, int head_dim, const uint16_t *k, const uint16_t *v,
                       size_t kv_stride, int n_pos, float scale, float *scores, uint16_t *q16,
                       float *out);

#ifdef __cplusplus
}
#endif
#endif
