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

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

/// 8 of the 16 lanes (8 dimensions each): lane l takes positions p0 + l for p0 = first, first + step, ...
/// (first = 16 j or 16 j + 8 picks the low or high half of the lanes).
static inline __attribute__((always_inline)) void lanes8_avx2(
    const float *prob, const uint16_t *v, size_t stride, int n, int first, int step, __m256 acc[8]) {
    CK_UNROLL for (int l = 0; l < 8; l++) acc[l] = _mm256_setzero_ps();
    int p0 = first;
    for (; p0 + 8 <= n; p0 += step) {
        CK_UNROLL for (int l = 0; l < 8; l++) {
            const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + (size_t)(p0 + l) * stride)));
            acc[l] = _mm256_fmadd_ps(x, _mm256_broadcast_ss(prob + p0 + l), acc[l]);
        }
    }
    for (int l = 0; p0 + l < n && l < 8; l++) {
        const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + (size_t)(p0 + l) * stride)));
        acc[l] = _mm256_fmadd_ps(x, _mm256_broadcast_ss(prob + p0 + l), acc[l]);
    }
}

/// All 16 lanes of accumulator j (step 64) or of the single accumulator (step 16): lo = 0..7, hi = 8..15.
static inline __attribute__((always_inline)) void lanes16_avx2(
    const float *prob, const uint16_t *v, size_t stride, int n, int first, int step, __m256 lo[8], __m256 hi[8]) {
    lanes8_avx2(prob, v, stride, n, first, step, lo);
    lanes8_avx2(prob, v, stride, n, first + 8, step, hi);
}

static void values_avx2(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                        float *out) {
    int d0 = 0;
    for (; d0 + 8 <= hd; d0 += 8) {
        const uint16_t *vd = v + d0;
        __m256 lo[8], hi[8];
        if (!rowwise) {
            lanes16_avx2(prob, vd, stride, n, 0, 16, lo, hi);
        } else {
            __m256 part[4][16];  // the 4 vec_dot accumulators' lanes
            for (int j = 0; j < 4; j++) lanes16_avx2(prob, vd, stride, n, 16 * j, 64, part[j], part[j] + 8);
            CK_UNROLL for (int l = 0; l < 8; l++) {
                lo[l] = _mm256_add_ps(_mm256_add_ps(part[0][l], part[2][l]), _mm256_add_ps(part[1][l], part[3][l]));
                hi[l] = _mm256_add_ps(_mm256_add_ps(part[0][l + 8], part[2][l + 8]),
                                      _mm256_add_ps(part[1][l + 8], part[3][l + 8]));
            }
        }
        // ck_tree16 on every dimension: t_i = a_i + a_{i+8}, u_i = t_i + t_{i+4}, (u0 + u2) + (u1 + u3).
        __m256 t[8];
        CK_UNROLL for (int i = 0; i < 8; i++) t[i] = _mm256_add_ps(lo[i], hi[i]);
        const __m256 u0 = _mm256_add_ps(t[0], t[4]), u1 = _mm256_add_ps(t[1], t[5]);
        const __m256 u2 = _mm256_add_ps(t[2], t[6]), u3 = _mm256_add_ps(t[3], t[7]);
        _mm256_storeu_ps(out + d0, _mm256_add_ps(_mm256_add_ps(u0, u2), _mm256_add_ps(u1, u3)));
    }
    if (d0 < hd) values_scalar(prob, v + d0, stride, n, hd - d0, rowwise, out + d0);
}

#pragma clang attribute pop
#endif  // CK_X86

static void weighted_values(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                            float *out) {
    switch (ck_level()) {
#if CK_X86
    case CK_AVX512: values_avx512(prob, v, stride, n, hd, rowwise, out); break;
    case CK_AVX2: values_avx2(prob, v, stride, n, hd, rowwise, out); break;
#elif defined(__aarch64__)
    case CK_NEON: ck_attn_values_neon(prob, v, stride, n, hd, rowwise, out); break;
#endif
    default: values_scalar(prob, v, stride, n, hd, rowwise, out); break;
    }
}

void ck_attention_heads(const float *q, int heads, int head_dim, const uint16_t *k, const uint16_t *v,
                        size_t kv_stride, int n_pos, float scale, int order, float *scratch,
                        uint16_t *q16, float *out) {
    ck_attention_heads_masked(q, heads, head_dim, k, v, kv_stride, n_pos, 0, scale, NULL, order, scratch, q16, out);
}

void ck_attention_heads_masked(const float *q, int heads, int head_dim, const uint16_t *k, const uint16_t *v,
                               size_t kv_stride, int n_pos, int first, float scale, const float *sinks, int order,
                               float *scratch, uint16_t *q16, float *out) {
    const int padded = round16(n_pos), hd = head_dim, rowwise = order == CK_ORDER_ROWWISE;
    if (first < 0) first = 0;
    if (first > n_pos) first = n_pos;
    float *scores = scratch;  // [heads][padded]
    uint16_t *prob16 = (uint16_t *)(scratch + (size_t)heads * padded);
    ck_fp32_to_fp16_row(q, q16, heads * hd);
    // K_p . q_h for every unmasked position and head: one matmul over the cached keys (rows
    // kv_stride apart) against the group's queries, so each key is read once for all of them.
    // Each score is its own dot product, so skipping the masked rows changes no other score.
    ck_matmul_order(order, CK_TYPE_F16, k, kv_stride * 2, first, n_pos, hd,
                    q16, (size_t)hd * 2, heads, scores, (size_t)padded);
    for (int h = 0; h < heads; h++) {
        float *s = scores + (size_t)h * padded;
        ck_scale(s + first, scale, s + first, n_pos - first);
        // llama.cpp pads its KV view (to 256 positions) and masks the padding with -inf; padding
        // to 16 gives the same bits: every exp goes through the vector expf, and the masked tail
        // adds exact zeros. Positions before `first` (a sliding window) are masked the same way.
        for (int p = 0; p < first; p++) s[p] = -INFINITY;
        for (int p = n_pos; p < padded; p++) s[p] = -INFINITY;
        ck_softmax_sink(s, padded, sinks ? sinks[h] : -INFINITY);
        // The probabilities are rounded to fp16 on their way into the product with V; masked
        // positions add exact zeros in their lanes.
        ck_fp32_to_fp16_row(s, prob16, n_pos);
        ck_fp16_to_fp32_row(prob16, s, n_pos);
        weighted_values(s, v, kv_stride, n_pos, hd, rowwise, out + (size_t)h * hd);
    }
}
