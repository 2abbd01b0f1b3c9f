#include "ck_attention.h"
#include "ck_reduce.h"
#include "ckernels.h"

#include <math.h>
#include <string.h>

static int round16(int n) { return (n + 15) & ~15; }

size_t ck_attention_scratch_floats(int n_pos, int head_dim) {
    return (size_t)round16(n_pos) + 64 * (size_t)head_dim;
}

void ck_attention_head(const float *q, int head_dim, const uint16_t *k, const uint16_t *v,
                       size_t kv_stride, int n_pos, float scale, int rowwise, float *scratch,
                       uint16_t *q16, float *out) {
    const int padded = round16(n_pos), hd = head_dim;
    float *scores = scratch, *lanes = scratch + padded;  // lanes: [16 or 64][head_dim]
    ck_fp32_to_fp16_row(q, q16, hd);
    // K_p . q for every position: one matmul over the cached keys (rows kv_stride apart).
    ck_matmul_order(rowwise ? CK_ORDER_ROWWISE : CK_ORDER_TILED, CK_TYPE_F16, k, kv_stride * 2, 0, n_pos, hd,
                    q16, 0, 1, scores, 0);
    ck_scale(scores, scale, scores, n_pos);
    // llama.cpp's KV view is a multiple of 16 long, masked with -inf: every exp goes through
    // the vector expf, and the masked tail adds exact zeros.
    for (int p = n_pos; p < padded; p++) scores[p] = -INFINITY;
    ck_softmax(scores, padded);
    // out[d] = sum_p fp16(prob_p) V_p[d] in the order of the matching llama.cpp kernel: position p
    // feeds slot p % 16 (tinyBLAS) or p % 64 (vec_dot: lane p % 16 of accumulator (p / 16) % 4).
    const int slots = rowwise ? 64 : 16;
    memset(lanes, 0, sizeof(float) * (size_t)slots * hd);
    for (int p = 0; p < n_pos; p++) {
        const float prob = ck_fp16_to_fp32(ck_fp32_to_fp16(scores[p]));
        ck_axpy_f16(lanes + (size_t)(p & (slots - 1)) * hd, prob, v + (size_t)p * kv_stride, hd);
    }
#define LANE(i) (lanes + (size_t)(i) * hd)
#define ADD(dst, a, b) ck_add(a, b, dst, hd)
    if (rowwise)  // the four accumulators: (a0 + a2) + (a1 + a3), lane by lane
        for (int l = 0; l < 16; l++) {
            ADD(LANE(l), LANE(l), LANE(l + 32));
            ADD(LANE(l + 16), LANE(l + 16), LANE(l + 48));
            ADD(LANE(l), LANE(l), LANE(l + 16));
        }
    // ck_tree16 over the 16 lanes, element by element.
    for (int i = 0; i < 8; i++) ADD(LANE(i), LANE(i), LANE(i + 8));
    for (int i = 0; i < 4; i++) ADD(LANE(i), LANE(i), LANE(i + 4));
    ADD(LANE(0), LANE(0), LANE(2));
    ADD(LANE(1), LANE(1), LANE(3));
    ADD(out, LANE(0), LANE(1));
#undef LANE
#undef ADD
}
