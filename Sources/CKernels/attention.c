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
/// The SIMD forms walk the positions in order with the period's accumulators in memory, 64 x
/// VALUES_DIMS floats (32 KiB), per pass over VALUES_DIMS dimensions. V rows are a KV row (KiBs)
/// apart, past the hardware prefetcher's page, so each is fetched VALUES_AHEAD positions early.
enum { VALUES_DIMS = 128, VALUES_AHEAD = 8 };

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static inline __m512 tree16_avx512(const __m512 a[16]) {
    __m512 t[8], u[4];
    CK_UNROLL for (int i = 0; i < 8; i++) t[i] = _mm512_add_ps(a[i], a[i + 8]);
    CK_UNROLL for (int i = 0; i < 4; i++) u[i] = _mm512_add_ps(t[i], t[i + 4]);
    return _mm512_add_ps(_mm512_add_ps(u[0], u[2]), _mm512_add_ps(u[1], u[3]));
}

/// Positions in order, each V row read once, whole: lane r of the period's accumulators (r = p % 16,
/// or p % 64 rowwise: lane p % 16 of accumulator (p / 16) % 4) lives in memory, acc[r][dims], and
/// takes position p's products with one load, fused multiply-add and store per 16 dimensions, so
/// each lane sums its positions in increasing order as the scalar twin does; then the lanes
/// combine as there. (One register pass per lane read rows 64 positions apart: a step's attention
/// at 4,096 positions of the 0.6B, tools/bench/attention_depth.c, took 10% longer at AVX2, 2% at
/// AVX-512.)
static void values_avx512(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                          float *out) {
    const int period = rowwise ? 64 : 16;
    float acc[64][VALUES_DIMS];
    for (int c0 = 0; c0 < hd; c0 += VALUES_DIMS) {
        const int dims = hd - c0 < VALUES_DIMS ? hd - c0 : VALUES_DIMS, blocks = (dims + 15) / 16;
        __mmask16 mask[VALUES_DIMS / 16];
        for (int b = 0; b < blocks; b++) {
            const int left = dims - 16 * b;
            mask[b] = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1u);
        }
        for (int r = 0; r < period; r++)
            for (int b = 0; b < blocks; b++) _mm512_storeu_ps(acc[r] + 16 * b, _mm512_setzero_ps());
        for (int p = 0; p < n; p++) {
            const uint16_t *row = v + (size_t)p * stride + c0;
            const __m512 w = _mm512_set1_ps(prob[p]);
            float *a = acc[p & (period - 1)];
            for (int b = 0; b < blocks; b += 2) _mm_prefetch((const char *)(row + VALUES_AHEAD * stride + 16 * b), _MM_HINT_T0);
            if (dims == VALUES_DIMS) {
                CK_UNROLL for (int b = 0; b < VALUES_DIMS / 16; b++)
                    _mm512_storeu_ps(a + 16 * b, _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + 16 * b))),
                                                                 w, _mm512_loadu_ps(a + 16 * b)));
            } else {
                for (int b = 0; b < blocks; b++)
                    _mm512_storeu_ps(a + 16 * b, _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask[b], row + 16 * b)),
                                                                 w, _mm512_loadu_ps(a + 16 * b)));
            }
        }
        for (int b = 0; b < blocks; b++) {
            __m512 lanes[16];
            CK_UNROLL for (int l = 0; l < 16; l++) {
                const int o = 16 * b;
                lanes[l] = rowwise ? _mm512_add_ps(_mm512_add_ps(_mm512_loadu_ps(acc[l] + o), _mm512_loadu_ps(acc[32 + l] + o)),
                                                   _mm512_add_ps(_mm512_loadu_ps(acc[16 + l] + o), _mm512_loadu_ps(acc[48 + l] + o)))
                                   : _mm512_loadu_ps(acc[l] + o);
            }
            _mm512_mask_storeu_ps(out + c0 + 16 * b, mask[b], tree16_avx512(lanes));
        }
    }
}

#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

/// As values_avx512, 8 dimensions per register.
static void values_avx2(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                        float *out) {
    const int period = rowwise ? 64 : 16, whole = hd / 8 * 8;
    float acc[64][VALUES_DIMS];
    for (int c0 = 0; c0 < whole; c0 += VALUES_DIMS) {
        const int regs = (whole - c0 < VALUES_DIMS ? whole - c0 : VALUES_DIMS) / 8;
        for (int r = 0; r < period; r++)
            for (int i = 0; i < regs; i++) _mm256_storeu_ps(acc[r] + 8 * i, _mm256_setzero_ps());
        for (int p = 0; p < n; p++) {
            const uint16_t *row = v + (size_t)p * stride + c0;
            const __m256 w = _mm256_broadcast_ss(prob + p);
            float *a = acc[p & (period - 1)];
            for (int i = 0; i < regs; i += 4) _mm_prefetch((const char *)(row + VALUES_AHEAD * stride + 8 * i), _MM_HINT_T0);
            if (regs == VALUES_DIMS / 8) {
                CK_UNROLL for (int i = 0; i < VALUES_DIMS / 8; i++)
                    _mm256_storeu_ps(a + 8 * i, _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 8 * i))),
                                                                w, _mm256_loadu_ps(a + 8 * i)));
            } else {
                for (int i = 0; i < regs; i++)
                    _mm256_storeu_ps(a + 8 * i, _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 8 * i))),
                                                                w, _mm256_loadu_ps(a + 8 * i)));
            }
        }
        for (int i = 0; i < regs; i++) {
            __m256 l16[16];
            CK_UNROLL for (int l = 0; l < 16; l++) {
                const int o = 8 * i;
                l16[l] = rowwise ? _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(acc[l] + o), _mm256_loadu_ps(acc[32 + l] + o)),
                                                 _mm256_add_ps(_mm256_loadu_ps(acc[16 + l] + o), _mm256_loadu_ps(acc[48 + l] + o)))
                                 : _mm256_loadu_ps(acc[l] + o);
            }
            // ck_tree16 on every dimension: t_i = a_i + a_{i+8}, u_i = t_i + t_{i+4}, (u0 + u2) + (u1 + u3).
            __m256 t[8];
            CK_UNROLL for (int k = 0; k < 8; k++) t[k] = _mm256_add_ps(l16[k], l16[k + 8]);
            const __m256 u0 = _mm256_add_ps(t[0], t[4]), u1 = _mm256_add_ps(t[1], t[5]);
            const __m256 u2 = _mm256_add_ps(t[2], t[6]), u3 = _mm256_add_ps(t[3], t[7]);
            _mm256_storeu_ps(out + c0 + 8 * i, _mm256_add_ps(_mm256_add_ps(u0, u2), _mm256_add_ps(u1, u3)));
        }
    }
    if (whole < hd) values_scalar(prob, v + whole, stride, n, hd - whole, rowwise, out + whole);
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
