// Attention over a Q8_0 KV cache, in the order of llama.cpp's CPU flash-attention kernel
// (ggml_compute_forward_flash_attn_ext_f16_one_chunk; a quantized V cache needs flash attention
// in llama.cpp, and with quantized K and V its CPU backend always takes that row-by-row path).
#include "ck_attention.h"
#include "ck_internal.h"
#include "ckernels.h"

#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>

size_t ck_attention_q8_scratch_floats(int n_pos, int heads, int head_dim) {
    // scores [heads][n_pos], accumulators [heads][head_dim], one dequantized V row, M and S per head
    return (size_t)heads * n_pos + (size_t)heads * head_dim + head_dim + 2 * (size_t)heads;
}

/// One V row of hd values (hd / 32 Q8_0 blocks) to floats: q * d, as ggml's dequantize_row_q8_0.
static void v_row_scalar(const uint8_t *v, int hd, float *out) {
    for (int b = 0; b < hd / QK8_0; b++) {
        const uint8_t *blk = v + (size_t)b * Q8_0_BYTES;
        const float d = ck_h2f(ck_ld16(blk));
        const int8_t *qs = (const int8_t *)(blk + 2);
        for (int j = 0; j < QK8_0; j++) out[b * QK8_0 + j] = (float)qs[j] * d;
    }
}

/// acc[h] = acc[h] * ms[h] (where ms[h] != 1), then acc[h] = fma(v, vs[h], acc[h]), for each head.
static void update_scalar(float *acc, const float *v, const float *ms, const float *vs, const int *rescale,
                          int heads, int hd) {
    for (int h = 0; h < heads; h++) {
        float *a = acc + (size_t)h * hd;
        if (rescale[h]) for (int d = 0; d < hd; d++) a[d] = a[d] * ms[h];
        for (int d = 0; d < hd; d++) a[d] = fmaf(v[d], vs[h], a[d]);
    }
}

#if CK_X86
#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static void v_row_avx2(const uint8_t *v, int hd, float *out) {
    for (int b = 0; b < hd / QK8_0; b++) {
        const uint8_t *blk = v + (size_t)b * Q8_0_BYTES;
        const __m256 d = _mm256_set1_ps(ck_h2f(ck_ld16(blk)));
        for (int j = 0; j < QK8_0; j += 8) {
            const __m128i q = _mm_loadl_epi64((const __m128i *)(blk + 2 + j));
            _mm256_storeu_ps(out + b * QK8_0 + j, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
        }
    }
}

static void update_avx2(float *acc, const float *v, const float *ms, const float *vs, const int *rescale,
                        int heads, int hd) {
    for (int h = 0; h < heads; h++) {
        float *a = acc + (size_t)h * hd;
        const __m256 m = _mm256_set1_ps(ms[h]), s = _mm256_set1_ps(vs[h]);
        for (int d = 0; d < hd; d += 8) {
            __m256 x = _mm256_loadu_ps(a + d);
            if (rescale[h]) x = _mm256_mul_ps(x, m);
            _mm256_storeu_ps(a + d, _mm256_fmadd_ps(_mm256_loadu_ps(v + d), s, x));
        }
    }
}

#pragma clang attribute pop
#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static void v_row_avx512(const uint8_t *v, int hd, float *out) {
    for (int b = 0; b < hd / QK8_0; b++) {
        const uint8_t *blk = v + (size_t)b * Q8_0_BYTES;
        const __m512 d = _mm512_set1_ps(ck_h2f(ck_ld16(blk)));
        for (int j = 0; j < QK8_0; j += 16) {
            const __m128i q = _mm_loadu_si128((const __m128i *)(blk + 2 + j));
            _mm512_storeu_ps(out + b * QK8_0 + j, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), d));
        }
    }
}

static void update_avx512(float *acc, const float *v, const float *ms, const float *vs, const int *rescale,
                          int heads, int hd) {
    for (int h = 0; h < heads; h++) {
        float *a = acc + (size_t)h * hd;
        const __m512 m = _mm512_set1_ps(ms[h]), s = _mm512_set1_ps(vs[h]);
        for (int d = 0; d < hd; d += 16) {
            __m512 x = _mm512_loadu_ps(a + d);
            if (rescale[h]) x = _mm512_mul_ps(x, m);
            _mm512_storeu_ps(a + d, _mm512_fmadd_ps(_mm512_loadu_ps(v + d), s, x));
        }
    }
}

#pragma clang attribute pop
#endif  // CK_X86

void ck_attention_heads_q8(const float *q, int heads, int head_dim, const void *k, const void *v,
                           size_t row_bytes, int n_pos, float scale, float *scratch, void *q8, float *out) {
    const int hd = head_dim;
    const size_t qrow = (size_t)hd / QK8_0 * Q8_0_BYTES;
    float *scores = scratch;                           // [heads][n_pos]
    float *acc = scores + (size_t)heads * n_pos;       // [heads][hd]
    float *v32 = acc + (size_t)heads * hd;             // [hd]
    float *M = v32 + hd, *S = M + heads;               // [heads] each
    const int level = ck_level();
    void (*v_row)(const uint8_t *, int, float *) = v_row_scalar;
    void (*update)(float *, const float *, const float *, const float *, const int *, int, int) = update_scalar;
#if CK_X86
    if (level == CK_AVX512) { v_row = v_row_avx512; update = update_avx512; }
    else if (level == CK_AVX2) { v_row = v_row_avx2; update = update_avx2; }
#endif
    (void)level;
    // Each query rounded to Q8_0 (quantize_row_q8_0); K_p . q_h with ggml_vec_dot_q8_0_q8_0.
    for (int h = 0; h < heads; h++) ck_quantize_row_q8_0(q + (size_t)h * hd, (uint8_t *)q8 + h * qrow, hd);
    ck_matmul_order(CK_ORDER_ROWWISE, CK_TYPE_Q8_0, k, row_bytes, 0, n_pos, hd, q8, qrow, heads, scores, (size_t)n_pos);
    for (int h = 0; h < heads; h++) { M[h] = -INFINITY; S[h] = 0.0f; }
    memset(acc, 0, sizeof(float) * (size_t)heads * hd);
    float ms[64], vs[64];
    int rescale[64];
    for (int h0 = 0; h0 < heads; h0 += 64) {  // a GQA group is far smaller; chunks keep the arrays fixed
        const int nh = heads - h0 < 64 ? heads - h0 : 64;
        for (int p = 0; p < n_pos; p++) {
            // Online softmax, one position at a time, as llama.cpp: a new maximum rescales the
            // accumulator by expf(Mold - M) and adds V_p once; otherwise V_p * expf(s - M).
            for (int j = 0; j < nh; j++) {
                const int h = h0 + j;
                const float s = scores[(size_t)h * n_pos + p] * scale;
                ms[j] = 1.0f;
                vs[j] = 1.0f;
                rescale[j] = 0;
                if (s > M[h]) {
                    const float old = M[h];
                    M[h] = s;
                    ms[j] = expf(old - s);
                    rescale[j] = 1;
                } else {
                    vs[j] = expf(s - M[h]);
                }
                S[h] = fmaf(S[h], ms[j], vs[j]);  // GCC contracts llama.cpp's S*ms + vs
            }
            v_row((const uint8_t *)v + (size_t)p * row_bytes, hd, v32);
            update(acc + (size_t)h0 * hd, v32, ms, vs, rescale, nh, hd);
        }
    }
    for (int h = 0; h < heads; h++) {
        const float inv = S[h] == 0.0f ? 0.0f : 1.0f / S[h];
        for (int d = 0; d < hd; d++) out[(size_t)h * hd + d] = acc[(size_t)h * hd + d] * inv;
    }
}

void ck_fwht(float *x, int n, int chunks) {
    const float scale = 1.0f / sqrtf((float)n);
    for (int c = 0; c < chunks; c++) {
        float *y = x + (size_t)c * n;
        for (int j = 0; j < n; j++) y[j] = y[j] * scale;
        for (int len = 1; len < n; len <<= 1) {
            for (int i = 0; i < n; i += 2 * len) {
                for (int j = i; j < i + len; j++) {
                    const float u = y[j], v = y[j + len];
                    y[j] = u + v;
                    y[j + len] = u - v;
                }
            }
        }
    }
}
