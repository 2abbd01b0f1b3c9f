// y += a * x for an fp16 vector x, one fused multiply-add per element (every level, same bits):
// the accumulation step of attention's probability-weighted sum of values.
#include "ck_internal.h"
#include <immintrin.h>
#include <math.h>

#define MASK16(k) ((__mmask16)((1u << (k)) - 1u))

// MARK: Scalar twins

static void axpy_f16_scalar(float *y, float a, const uint16_t *x, int n) {
    for (int i = 0; i < n; i++) y[i] = fmaf(ck_h2f(x[i]), a, y[i]);
}

// MARK: AVX2 + F16C

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static inline __m256 h8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

static void axpy_f16_avx2(float *y, float a, const uint16_t *x, int n) {
    const __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(h8(x + i), va, _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] = fmaf(_cvtsh_ss(x[i]), a, y[i]);
}

#pragma clang attribute pop

// MARK: AVX-512

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static inline __m512 h16(const uint16_t *p, __mmask16 k) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, p)); }

static void axpy_f16_avx512(float *y, float a, const uint16_t *x, int n) {
    const __m512 va = _mm512_set1_ps(a);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        _mm512_mask_storeu_ps(y + i, k, _mm512_fmadd_ps(h16(x + i, k), va, _mm512_maskz_loadu_ps(k, y + i)));
    }
}

#pragma clang attribute pop

// MARK: Dispatch

void ck_axpy_f16(float *y, float a, const uint16_t *x, int n) {
    switch (ck_level()) {
    case CK_AVX512: axpy_f16_avx512(y, a, x, n); break;
    case CK_AVX2: axpy_f16_avx2(y, a, x, n); break;
    default: axpy_f16_scalar(y, a, x, n);
    }
}
