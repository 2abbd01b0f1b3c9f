// Attention for one query head over an fp16 KV cache, in llama.cpp's float orders.
#include "ck_attention.h"
#include "ck_internal.h"
#include "ck_reduce.h"
#include "ckernels.h"

#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>

static int round16(int n) { return (n + 15) & ~15; }

size_t ck_attention_scratch_floats(int n_pos, int heads) {
    return (size_t)heads * round16(n_pos) + (size_t)(n_pos + 1) / 2;  // scores, then fp16 probabilities
}

// MARK: out = sum_p prob_p V_p
//
// Element d of the output sums prob_p * V_p[d] with one fused multiply-add per position into
// lane p % 16 (tinyBLAS), or into lane p % 16 of accumulator (p / 16) % 4 (ggml_vec_dot_f16,
// rowwise), and reduces the lanes as llama.cpp: accumulators (a0 + a2) + (a1 + a3), then
// ck_tree16. Every level computes each element with exactly these steps.

static void values_scalar(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                          float *out) {
    for (int d = 0; d < hd; d++) {
        float acc[4][16] = {{0}};
        for (int p = 0; p < n; p++) {
            float *a = &acc[rowwise ? (p >> 4) & 3 : 0][p & 15];
            *a = fmaf(ck_h2f(v[(size_t)p * stride + d]), prob[p], *a);
        }
        float lane[16];
        for (int l = 0; l < 16; l++) lane[l] = rowwise ? (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]) : acc[0][l];
        out[d] = ck_tree16(lane);
    }
}

#if CK_X86
#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

/// 16 lanes over the positions p = first + step s + l (l < 16): every position (step 16) or one
/// accumulator's share (step 64).
static inline __attribute__((always_inline)) void lanes16_avx512(
    const float *prob, const uint16_t *v, size_t stride, int n, int first, int step, __mmask16 k, __m512 acc[16]) {
    CK_UNROLL for (int l = 0; l < 16; l++) acc[l] = _mm512_setzero_ps();
    int p0 = first;
    for (; p0 + 16 <= n; p0 += step) {
        CK_UNROLL for (int l = 0; l < 16; l++) {
            const __m512 x = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, v + (size_t)(p0 + l) * stride));
            acc[l] = _mm512_fmadd_ps(x, _mm512_set1_ps(prob[p0 + l]), acc[l]);
        }
    }
    if (p0 < n) {
        CK_UNROLL for (int l = 0; l < 16; l++) {
            if (p0 + l < n) {
                const __m512 x = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, v + (size_t)(p0 + l) * stride));
                acc[l] = _mm512_fmadd_ps(x, _mm512_set1_ps(prob[p0 + l]), acc[l]);
            }
        }
    }
}

static inline __m512 tree16_avx512(const __m512 a[16]) {
    __m512 t[8], u[4];
    CK_UNROLL for (int i = 0; i < 8; i++) t[i] = _mm512_add_ps(a[i], a[i + 8]);
    CK_UNROLL for (int i = 0; i < 4; i++) u[i] = _mm512_add_ps(t[i], t[i + 4]);
    return _mm512_add_ps(_mm512_add_ps(u[0], u[2]), _mm512_add_ps(u[1], u[3]));
}

static void values_avx512(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                          float *out) {
    for (int d0 = 0; d0 < hd; d0 += 16) {
        const __mmask16 k = d0 + 16 <= hd ? 0xFFFF : (__mmask16)((1u << (hd - d0)) - 1u);
        const uint16_t *vd = v + d0;
        __m512 acc[16];
        if (!rowwise) {
            lanes16_avx512(prob, vd, stride, n, 0, 16, k, acc);
        } else {
            __m512 part[4][16];  // the 4 vec_dot accumulators' lanes
            for (int j = 0; j < 4; j++) {
                lanes16_avx512(prob, vd, stride, n, 16 * j, 64, k, acc);
                CK_UNROLL for (int l = 0; l < 16; l++) part[j][l] = acc[l];
            }
            CK_UNROLL for (int l = 0; l < 16; l++)
                acc[l] = _mm512_add_ps(_mm512_add_ps(part[0][l], part[2][l]), _mm512_add_ps(part[1][l], part[3][l]));
        }
        _mm512_mask_storeu_ps(out + d0, k, tree16_avx512(acc));
    }
}

#pragma clang attribute pop
#endif  // CK_X86

/// AVX2-only machines take the scalar form (same bits, slower).
static void weighted_values(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                            float *out) {
#if CK_X86
    if (ck_level() == CK_AVX512) values_avx512(prob, v, stride, n, hd, rowwise, out);
    else
#elif defined(__aarch64__)
    if (ck_level() == CK_NEON) ck_attn_values_neon(prob, v, stride, n, hd, rowwise, out);
    else
#endif
    values_scalar(prob, v, stride, n, hd, rowwise, out);
}

void ck_attention_heads(const float *q, int heads, int head_dim, const uint16_t *k, const uint16_t *v,
                        size_t kv_stride, int n_pos, float scale, int order, float *scratch,
                        uint16_t *q16, float *out) {
    const int padded = round16(n_pos), hd = head_dim, rowwise = order == CK_ORDER_ROWWISE;
    float *scores = scratch;  // [heads][padded]
    uint16_t *prob16 = (uint16_t *)(scratch + (size_t)heads * padded);
    ck_fp32_to_fp16_row(q, q16, heads * hd);
    // K_p . q_h for every position and head: one matmul over the cached keys (rows kv_stride
    // apart) against the group's queries, so each key is read once for all of them.
    ck_matmul_order(order, CK_TYPE_F16, k, kv_stride * 2, 0, n_pos, hd,
                    q16, (size_t)hd * 2, heads, scores, (size_t)padded);
    for (int h = 0; h < heads; h++) {
        float *s = scores + (size_t)h * padded;
        ck_scale(s, scale, s, n_pos);
        // llama.cpp pads its KV view (to 256 positions) and masks the padding with -inf; padding
        // to 16 gives the same bits: every exp goes through the vector expf, and the masked tail
        // adds exact zeros.
        for (int p = n_pos; p < padded; p++) s[p] = -INFINITY;
        ck_softmax(s, padded);
        // The probabilities are rounded to fp16 on their way into the product with V.
        ck_fp32_to_fp16_row(s, prob16, n_pos);
        ck_fp16_to_fp32_row(prob16, s, n_pos);
        weighted_values(s, v, kv_stride, n_pos, hd, rowwise, out + (size_t)h * hd);
    }
}
