// fp16 KV-cache helpers: fp16 . fp16 dot, y += a * fp16 vector, fp16 mad / scale in place.
#include "ck_internal.h"
#include <immintrin.h>

#define MASK16(k) ((__mmask16)((1u << (k)) - 1u))

// MARK: Scalar twins

static float dot_f16_scalar(const uint16_t *a, const uint16_t *b, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)(ck_h2f(a[i]) * ck_h2f(b[i]));
    return (float)s;
}
static void axpy_f16_scalar(float *y, float a, const uint16_t *x, int n) {
    for (int i = 0; i < n; i++) y[i] += a * ck_h2f(x[i]);
}
static void mad_f16_scalar(uint16_t *y, float a, const uint16_t *x, int n) {
    for (int i = 0; i < n; i++) y[i] = ck_f2h(ck_h2f(y[i]) + ck_h2f(x[i]) * a);
}
static void scale_f16_scalar(uint16_t *y, float s, int n) {
    for (int i = 0; i < n; i++) y[i] = ck_f2h(ck_h2f(y[i]) * s);
}

// MARK: AVX2 + F16C

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static inline __m256 h8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline void st8(uint16_t *p, __m256 v) {
    _mm_storeu_si128((__m128i *)p, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

static float dot_f16_avx2(const uint16_t *a, const uint16_t *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(h8(a + i), h8(b + i), s0);
        s1 = _mm256_fmadd_ps(h8(a + i + 8), h8(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(h8(a + i), h8(b + i), s0);
    s0 = _mm256_add_ps(s0, s1);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float r = _mm_cvtss_f32(s);
    for (; i < n; i++) r += _cvtsh_ss(a[i]) * _cvtsh_ss(b[i]);
    return r;
}
static void axpy_f16_avx2(float *y, float a, const uint16_t *x, int n) {
    const __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(h8(x + i), va, _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * _cvtsh_ss(x[i]);
}
static void mad_f16_avx2(uint16_t *y, float a, const uint16_t *x, int n) {
    const __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) st8(y + i, _mm256_fmadd_ps(h8(x + i), va, h8(y + i)));
    for (; i < n; i++) y[i] = _cvtss_sh(_cvtsh_ss(y[i]) + _cvtsh_ss(x[i]) * a, _MM_FROUND_TO_NEAREST_INT);
}
static void scale_f16_avx2(uint16_t *y, float s, int n) {
    const __m256 vs = _mm256_set1_ps(s);
    int i = 0;
    for (; i + 8 <= n; i += 8) st8(y + i, _mm256_mul_ps(h8(y + i), vs));
    for (; i < n; i++) y[i] = _cvtss_sh(_cvtsh_ss(y[i]) * s, _MM_FROUND_TO_NEAREST_INT);
}

#pragma clang attribute pop

// MARK: AVX-512

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static inline __m512 h16(const uint16_t *p, __mmask16 k) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, p)); }
static inline void st16(uint16_t *p, __mmask16 k, __m512 v) {
    _mm256_mask_storeu_epi16(p, k, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

static float dot_f16_avx512(const uint16_t *a, const uint16_t *b, int n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(h16(a + i, 0xFFFF), h16(b + i, 0xFFFF), s0);
        s1 = _mm512_fmadd_ps(h16(a + i + 16, 0xFFFF), h16(b + i + 16, 0xFFFF), s1);
    }
    for (; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        s0 = _mm512_fmadd_ps(h16(a + i, k), h16(b + i, k), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}
static void axpy_f16_avx512(float *y, float a, const uint16_t *x, int n) {
    const __m512 va = _mm512_set1_ps(a);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_fmadd_ps(h16(x + i, k), va, _mm512_maskz_loadu_ps(k, y + i)));
    }
}
static void mad_f16_avx512(uint16_t *y, float a, const uint16_t *x, int n) {
    const __m512 va = _mm512_set1_ps(a);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        st16(y + i, k, _mm512_fmadd_ps(h16(x + i, k), va, h16(y + i, k)));
    }
}
static void scale_f16_avx512(uint16_t *y, float s, int n) {
    const __m512 vs = _mm512_set1_ps(s);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        st16(y + i, k, _mm512_mul_ps(h16(y + i, k), vs));
    }
}

#pragma clang attribute pop

// MARK: Dispatch

float ck_dot_f16(const uint16_t *a, const uint16_t *b, int n) {
    switch (ck_level()) {
    case CK_AVX512: return dot_f16_avx512(a, b, n);
    case CK_AVX2: return dot_f16_avx2(a, b, n);
    default: return dot_f16_scalar(a, b, n);
    }
}
void ck_axpy_f16(float *y, float a, const uint16_t *x, int n) {
    switch (ck_level()) {
    case CK_AVX512: axpy_f16_avx512(y, a, x, n); break;
    case CK_AVX2: axpy_f16_avx2(y, a, x, n); break;
    default: axpy_f16_scalar(y, a, x, n);
    }
}
void ck_mad_f16(uint16_t *y, float a, const uint16_t *x, int n) {
    switch (ck_level()) {
    case CK_AVX512: mad_f16_avx512(y, a, x, n); break;
    case CK_AVX2: mad_f16_avx2(y, a, x, n); break;
    default: mad_f16_scalar(y, a, x, n);
    }
}
void ck_scale_f16(uint16_t *y, float s, int n) {
    switch (ck_level()) {
    case CK_AVX512: scale_f16_avx512(y, s, n); break;
    case CK_AVX2: scale_f16_avx2(y, s, n); break;
    default: scale_f16_scalar(y, s, n);
    }
}
