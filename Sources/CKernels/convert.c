// fp16 <-> fp32 and bf16 <-> fp32: scalars and bulk rows (scalar, F16C/AVX2, AVX-512).
#include "ck_internal.h"
#if CK_X86
#include <immintrin.h>
#endif

float ck_fp16_to_fp32(uint16_t h) { return ck_h2f(h); }
uint16_t ck_fp32_to_fp16(float f) { return ck_f2h(f); }
float ck_bf16_to_fp32(uint16_t h) { return ck_b2f(h); }
uint16_t ck_fp32_to_bf16(float f) { return ck_f2b(f); }

// MARK: Scalar twins

static void h2f_scalar(const uint16_t *x, float *y, int n) {
    for (int i = 0; i < n; i++) y[i] = ck_h2f(x[i]);
}
static void f2h_scalar(const float *x, uint16_t *y, int n) {
    for (int i = 0; i < n; i++) y[i] = ck_f2h(x[i]);
}
static void b2f_scalar(const uint16_t *x, float *y, int n) {
    for (int i = 0; i < n; i++) y[i] = ck_b2f(x[i]);
}
static void f2b_scalar(const float *x, uint16_t *y, int n) {
    for (int i = 0; i < n; i++) y[i] = ck_f2b(x[i]);
}

#if CK_X86
// MARK: AVX2 + F16C

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static void h2f_avx2(const uint16_t *x, float *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))));
    for (; i < n; i++) y[i] = _cvtsh_ss(x[i]);
}

static void f2h_avx2(const float *x, uint16_t *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(y + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

static void b2f_avx2(const uint16_t *x, float *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(x + i)));
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
    }
    for (; i < n; i++) y[i] = ck_b2f(x[i]);
}

static void f2b_avx2(const float *x, uint16_t *y, int n) {
    int i = 0;
    const __m256i absmask = _mm256_set1_epi32(0x7FFFFFFF), inf = _mm256_set1_epi32(0x7F800000);
    const __m256i bias = _mm256_set1_epi32(0x7FFF), one = _mm256_set1_epi32(1);
    const __m256i quiet = _mm256_set1_epi32(64);
    for (; i + 8 <= n; i += 8) {
        __m256i u = _mm256_loadu_si256((const __m256i *)(x + i));
        __m256i isnan = _mm256_cmpgt_epi32(_mm256_and_si256(u, absmask), inf);
        __m256i hi = _mm256_srli_epi32(u, 16);
        __m256i r = _mm256_srli_epi32(
            _mm256_add_epi32(_mm256_add_epi32(u, bias), _mm256_and_si256(hi, one)), 16);
        __m256i v = _mm256_blendv_epi8(r, _mm256_or_si256(hi, quiet), isnan);
        // pack 8 x u32 (each < 65536) into 8 x u16
        __m128i lo = _mm256_castsi256_si128(v), up = _mm256_extracti128_si256(v, 1);
        _mm_storeu_si128((__m128i *)(y + i), _mm_packus_epi32(lo, up));
    }
    for (; i < n; i++) y[i] = ck_f2b(x[i]);
}

#pragma clang attribute pop

// MARK: AVX-512

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static void h2f_avx512(const uint16_t *x, float *y, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(x + i))));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i)));
    }
}

static void f2h_avx512(const float *x, uint16_t *y, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(y + i),
                            _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_mask_storeu_epi16(y + i, m, h);
    }
}

static void b2f_avx512(const uint16_t *x, float *y, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(x + i)));
        _mm512_storeu_ps(y + i, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        __m512i v = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, x + i));
        _mm512_mask_storeu_ps(y + i, m, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
    }
}

static inline __m256i f2b_vec512(__m512i u) {
    const __m512i absmask = _mm512_set1_epi32(0x7FFFFFFF), inf = _mm512_set1_epi32(0x7F800000);
    __mmask16 isnan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, absmask), inf);
    __m512i hi = _mm512_srli_epi32(u, 16);
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7FFF)),
                                                   _mm512_and_si512(hi, _mm512_set1_epi32(1))),
                                  16);
    r = _mm512_mask_or_epi32(r, isnan, hi, _mm512_set1_epi32(64));
    return _mm512_cvtepi32_epi16(r);
}

static void f2b_avx512(const float *x, uint16_t *y, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(y + i), f2b_vec512(_mm512_loadu_si512(x + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        _mm256_mask_storeu_epi16(y + i, m, f2b_vec512(_mm512_maskz_loadu_epi32(m, x + i)));
    }
}

#pragma clang attribute pop
#endif  // CK_X86

// MARK: Dispatch

void ck_fp16_to_fp32_row(const uint16_t *x, float *y, int n) {
    switch (ck_level()) {
#if CK_X86
    case CK_AVX512: h2f_avx512(x, y, n); break;
    case CK_AVX2: h2f_avx2(x, y, n); break;
#elif defined(__aarch64__)
    case CK_NEON: ck_h2f_neon(x, y, n); break;
#endif
    default: h2f_scalar(x, y, n);
    }
}

void ck_fp32_to_fp16_row(const float *x, uint16_t *y, int n) {
    switch (ck_level()) {
#if CK_X86
    case CK_AVX512: f2h_avx512(x, y, n); break;
    case CK_AVX2: f2h_avx2(x, y, n); break;
#elif defined(__aarch64__)
    case CK_NEON: ck_f2h_neon(x, y, n); break;
#endif
    default: f2h_scalar(x, y, n);
    }
}

void ck_bf16_to_fp32_row(const uint16_t *x, float *y, int n) {
    switch (ck_level()) {
#if CK_X86
    case CK_AVX512: b2f_avx512(x, y, n); break;
    case CK_AVX2: b2f_avx2(x, y, n); break;
#elif defined(__aarch64__)
    case CK_NEON: ck_b2f_neon(x, y, n); break;
#endif
    default: b2f_scalar(x, y, n);
    }
}

void ck_fp32_to_bf16_row(const float *x, uint16_t *y, int n) {
    switch (ck_level()) {
#if CK_X86
    case CK_AVX512: f2b_avx512(x, y, n); break;
    case CK_AVX2: f2b_avx2(x, y, n); break;
#elif defined(__aarch64__)
    case CK_NEON: ck_f2b_neon(x, y, n); break;
#endif
    default: f2b_scalar(x, y, n);
    }
}
