#include "ck_attention.h"
#include "ckernels.h"

#include <string.h>

void ck_attention_head(const float *q, int head_dim, const uint16_t *k, const uint16_t *v,
                       size_t kv_stride, int n_pos, float scale, float *scores, uint16_t *q16,
                       float *out) {
    ck_fp32_to_fp16_row(q, q16, head_dim);
    for (int p = 0; p < n_pos; p++) {
        scores[p] = ck_dot_f16(k + (size_t)p * kv_stride, q16, head_dim) * scale;
    }
    ck_softmax(scores, n_pos);
    memset(out, 0, sizeof(float) * (size_t)head_dim);
    for (int p = 0; p < n_pos; p++) {
        float prob = ck_fp16_to_fp32(ck_fp32_to_fp16(scores[p]));
        ck_axpy_f16(out, prob, v + (size_t)p * kv_stride, head_dim);
    }
}
