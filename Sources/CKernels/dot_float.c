// F32 / F16 / BF16 weight kernels. Activations: F32 for F32 weights, fp16 for F16, bf16 for BF16
// (as llama.cpp), products accumulated in float (SIMD) or double (scalar twin).
#include "ck_internal.h"
#include <immintrin.h>

enum { K_F32 = 0, K_F16 = 1, K_BF16 = 2 };

// MARK: Scalar

static float dot_f32_scalar(const uint8_t *w, const uint8_t *x, int n) {
    const float *a = (const float *)w, *b = (const float *)x;
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)(a[i] * b[i]);
    return (float)s;
}

static float dot_f16_scalar(const uint8_t *w, const uint8_t *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)(ck_h2f(ck_ld16(w + 2 * i)) * ck_h2f(ck_ld16(x + 2 * i)));
    return (float)s;
}

static float dot_bf16_scalar(const uint8_t *w, const uint8_t *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)(ck_b2f(ck_ld16(w + 2 * i)) * ck_b2f(ck_ld16(x + 2 * i)));
    return (float)s;
}

void ck_k_f32_scalar(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    ck_run_dots(dot_f32_scalar, W, rb, nr, n, X, xs, nc, Y, ys);
}
void ck_k_f16_scalar(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    ck_run_dots(dot_f16_scalar, W, rb, nr, n, X, xs, nc, Y, ys);
}
void ck_k_bf16_scalar(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    ck_run_dots(dot_bf16_scalar, W, rb, nr, n, X, xs, nc, Y, ys);
}

// MARK: AVX2 (8 elements per step; tails go through a zero-padded copy)

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static inline __attribute__((always_inline)) __m256 ld8(const int kind, const uint8_t *p) {
    if (kind == K_F32) return _mm256_loadu_ps((const float *)p);
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    if (kind == K_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline __attribute__((always_inline)) void float_tile_avx2(
    const int kind, const int R, const int C, const uint8_t *W, size_t rb, int n,
    const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t es = kind == K_F32 ? 4 : 2;
    __m256 acc[4][4];
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 xv[4];
        CK_UNROLL for (int c = 0; c < C; c++) xv[c] = ld8(kind, X + c * xs + i * es);
        CK_UNROLL for (int r = 0; r < R; r++) {
            if (es == 4 || (i & 8) == 0) _mm_prefetch((const char *)(W + (r + R) * rb + i * es), _MM_HINT_T0);
            __m256 w = ld8(kind, W + r * rb + i * es);
            CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_fmadd_ps(w, xv[c], acc[r][c]);
        }
    }
    if (i < n) {
        const size_t tail = (size_t)(n - i) * es;
        uint8_t xb[4][32], wb[32];
        __m256 xv[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            memset(xb[c], 0, 32);
            memcpy(xb[c], X + c * xs + i * es, tail);
            xv[c] = ld8(kind, xb[c]);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            memset(wb, 0, 32);
            memcpy(wb, W + r * rb + i * es, tail);
            __m256 w = ld8(kind, wb);
            CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_fmadd_ps(w, xv[c], acc[r][c]);
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = hsum8(acc[r][c]);
}

#define F32_TILE_AVX2(R, C, ...) float_tile_avx2(K_F32, R, C, __VA_ARGS__)
#define F16_TILE_AVX2(R, C, ...) float_tile_avx2(K_F16, R, C, __VA_ARGS__)
#define BF16_TILE_AVX2(R, C, ...) float_tile_avx2(K_BF16, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_f32_avx2, F32_TILE_AVX2, 4, 2)
CK_DEFINE_KERNEL(ck_k_f16_avx2, F16_TILE_AVX2, 4, 2)
CK_DEFINE_KERNEL(ck_k_bf16_avx2, BF16_TILE_AVX2, 4, 2)

#pragma clang attribute pop

// MARK: AVX-512 (16 elements per step; masked tails)

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static inline __attribute__((always_inline)) __m512 ld16m(const int kind, const uint8_t *p, __mmask16 m) {
    if (kind == K_F32) return _mm512_maskz_loadu_ps(m, p);
    __m256i h = _mm256_maskz_loadu_epi16(m, p);
    if (kind == K_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

static inline __attribute__((always_inline)) __m512 ld16(const int kind, const uint8_t *p) {
    if (kind == K_F32) return _mm512_loadu_ps(p);
    __m256i h = _mm256_loadu_si256((const __m256i *)p);
    if (kind == K_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

static inline __attribute__((always_inline)) void float_tile_avx512(
    const int kind, const int R, const int C, const uint8_t *W, size_t rb, int n,
    const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t es = kind == K_F32 ? 4 : 2;
    __m512 acc[4][4];
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 xv[4];
        CK_UNROLL for (int c = 0; c < C; c++) xv[c] = ld16(kind, X + c * xs + i * es);
        CK_UNROLL for (int r = 0; r < R; r++) {
            _mm_prefetch((const char *)(W + (r + R) * rb + i * es), _MM_HINT_T0);
            __m512 w = ld16(kind, W + r * rb + i * es);
            CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(w, xv[c], acc[r][c]);
        }
    }
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        __m512 xv[4];
        CK_UNROLL for (int c = 0; c < C; c++) xv[c] = ld16m(kind, X + c * xs + i * es, m);
        CK_UNROLL for (int r = 0; r < R; r++) {
            __m512 w = ld16m(kind, W + r * rb + i * es, m);
            CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(w, xv[c], acc[r][c]);
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = _mm512_reduce_add_ps(acc[r][c]);
}

#define F32_TILE_AVX512(R, C, ...) float_tile_avx512(K_F32, R, C, __VA_ARGS__)
#define F16_TILE_AVX512(R, C, ...) float_tile_avx512(K_F16, R, C, __VA_ARGS__)
#define BF16_TILE_AVX512(R, C, ...) float_tile_avx512(K_BF16, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_f32_avx512, F32_TILE_AVX512, 4, 4)
CK_DEFINE_KERNEL(ck_k_f16_avx512, F16_TILE_AVX512, 4, 4)
CK_DEFINE_KERNEL(ck_k_bf16_avx512, BF16_TILE_AVX512, 4, 4)

#pragma clang attribute pop
