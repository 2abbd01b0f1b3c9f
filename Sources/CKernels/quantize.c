// Activation quantization: Q8_0 (llama.cpp x86 AVX2 rule) and Q8_K (ggml reference rule).
// The scalar twins are bit-identical to the SIMD paths.
#include "ck_internal.h"
#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>

/// Round half to even for |v| < 2^22 (ggml's nearest_int trick; independent of libm).
static inline int ck_nearest_int(float v) {
    float t = v + 12582912.0f;
    return (int)(ck_f2u(t) & 0x007FFFFFu) - 0x00400000;
}

// MARK: Q8_0

static void q8_0_scalar(const float *x, uint8_t *y, int n) {
    for (int b = 0; b < n / QK8_0; b++, x += QK8_0, y += Q8_0_BYTES) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++) {
            float a = fabsf(x[j]);
            amax = a > amax ? a : amax;
        }
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        uint16_t dh = ck_f2h(d);
        memcpy(y, &dh, 2);
        for (int j = 0; j < QK8_0; j++) y[2 + j] = (uint8_t)(int8_t)ck_nearest_int(x[j] * id);
    }
}

#if CK_X86
#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)
static void q8_0_avx2(const float *x, uint8_t *y, int n) {
    const __m256 signbit = _mm256_set1_ps(-0.0f);
    for (int b = 0; b < n / QK8_0; b++, x += QK8_0, y += Q8_0_BYTES) {
        __m256 v[4], m = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(x + 8 * k);
            m = _mm256_max_ps(m, _mm256_andnot_ps(signbit, v[k]));
        }
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        uint16_t dh = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
        memcpy(y, &dh, 2);
        const __m256 mul = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; k++)
            q[k] = _mm256_cvtps_epi32(
                _mm256_round_ps(_mm256_mul_ps(v[k], mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i p01 = _mm256_packs_epi32(q[0], q[1]), p23 = _mm256_packs_epi32(q[2], q[3]);
        __m256i p = _mm256_packs_epi16(p01, p23);
        // undo the per-128-bit-lane interleave of the packs
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(y + 2), p);
    }
}
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)
static void q8_0_avx512(const float *x, uint8_t *y, int n) {
    for (int b = 0; b < n / QK8_0; b++, x += QK8_0, y += Q8_0_BYTES) {
        __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        uint16_t dh = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
        memcpy(y, &dh, 2);
        const __m512 mul = _mm512_set1_ps(id);
        __m512i q0 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v0, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512i q1 = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v1, mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(y + 2), _mm512_cvtsepi32_epi8(q0));
        _mm_storeu_si128((__m128i *)(y + 18), _mm512_cvtsepi32_epi8(q1));
    }
}
#pragma clang attribute pop
#endif  // CK_X86

void ck_quantize_row_q8_0(const float *x, void *y, int n) {
    switch (ck_level()) {
#if CK_X86
    case CK_AVX512: q8_0_avx512(x, (uint8_t *)y, n); break;
    case CK_AVX2: q8_0_avx2(x, (uint8_t *)y, n); break;
#elif defined(__aarch64__)
    case CK_NEON: ck_q8_0_neon(x, (uint8_t *)y, n); break;
#endif
    default: q8_0_scalar(x, (uint8_t *)y, n);
    }
}

// MARK: Q8_1

void ck_quantize_row_q8_1(const float *x, void *y, int n) {
    uint8_t *out = (uint8_t *)y;
    uint8_t tmp[Q8_0_BYTES];
    for (int b = 0; b < n / 32; b++, x += 32, out += Q8_1_BYTES) {
        ck_quantize_row_q8_0(x, tmp, 32);  // same d and q as Q8_0 (SIMD paths are bit-identical)
        float amax = 0.0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            const float a = fabsf(x[j]);
            amax = a > amax ? a : amax;
            sum += (int8_t)tmp[2 + j];
        }
        const uint16_t s = ck_f2h(amax / 127.0f * (float)sum);
        memcpy(out, tmp, 2);
        memcpy(out + 2, &s, 2);
        memcpy(out + 4, tmp + 2, 32);
    }
}

// MARK: Q8_K

static void q8_K_zero(uint8_t *y) { memset(y, 0, Q8_K_BYTES); }

static void q8_K_scalar(const float *x, uint8_t *y, int n) {
    for (int b = 0; b < n / QK_K; b++, x += QK_K, y += Q8_K_BYTES) {
        float max = 0.0f, amax = 0.0f;
        for (int j = 0; j < QK_K; j++) {
            float a = fabsf(x[j]);
            if (a > amax) { amax = a; max = x[j]; }
        }
        if (amax == 0.0f) { q8_K_zero(y); continue; }
        const float iscale = -127.0f / max;
        int8_t *qs = (int8_t *)(y + Q8K_QS);
        for (int j = 0; j < QK_K; j++) {
            int v = ck_nearest_int(iscale * x[j]);
            qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int g = 0; g < QK_K / 16; g++) {
            int s = 0;
            for (int j = 0; j < 16; j++) s += qs[16 * g + j];
            int16_t s16 = (int16_t)s;
            memcpy(y + Q8K_BSUMS + 2 * g, &s16, 2);
        }
        float d = 1.0f / iscale;
        memcpy(y, &d, 4);
    }
}

#if CK_X86
#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)
static void q8_K_avx2(const float *x, uint8_t *y, int n) {
    const __m256 signbit = _mm256_set1_ps(-0.0f);
    for (int b = 0; b < n / QK_K; b++, x += QK_K, y += Q8_K_BYTES) {
        __m256 m = _mm256_setzero_ps();
        for (int k = 0; k < QK_K; k += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(signbit, _mm256_loadu_ps(x + k)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        if (amax == 0.0f) { q8_K_zero(y); continue; }
        // The signed max is the first element whose magnitude equals amax.
        const __m256 am = _mm256_set1_ps(amax);
        int first = 0;
        for (int k = 0; k < QK_K; k += 8) {
            int bits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(signbit, _mm256_loadu_ps(x + k)), am, _CMP_EQ_OQ));
            if (bits) { first = k + __builtin_ctz((unsigned)bits); break; }
        }
        const float iscale = -127.0f / x[first];
        const __m256 mul = _mm256_set1_ps(iscale);
        const __m256i lim = _mm256_set1_epi32(127);
        int8_t *qs = (int8_t *)(y + Q8K_QS);
        for (int g = 0; g < QK_K / 16; g++) {
            __m256i q0 = _mm256_min_epi32(lim, _mm256_cvtps_epi32(_mm256_round_ps(
                _mm256_mul_ps(_mm256_loadu_ps(x + 16 * g), mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
            __m256i q1 = _mm256_min_epi32(lim, _mm256_cvtps_epi32(_mm256_round_ps(
                _mm256_mul_ps(_mm256_loadu_ps(x + 16 * g + 8), mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
            __m256i s = _mm256_add_epi32(q0, q1);
            __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            s4 = _mm_hadd_epi32(s4, s4);
            s4 = _mm_hadd_epi32(s4, s4);
            int16_t s16 = (int16_t)_mm_cvtsi128_si32(s4);
            memcpy(y + Q8K_BSUMS + 2 * g, &s16, 2);
            __m256i p = _mm256_packs_epi32(q0, q1);               // 16 x i16, lanes interleaved
            p = _mm256_permute4x64_epi64(p, 0xD8);                 // restore order
            __m128i p8 = _mm_packs_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
            _mm_storeu_si128((__m128i *)(qs + 16 * g), p8);
        }
        float d = 1.0f / iscale;
        memcpy(y, &d, 4);
    }
}
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)
static void q8_K_avx512(const float *x, uint8_t *y, int n) {
    for (int b = 0; b < n / QK_K; b++, x += QK_K, y += Q8_K_BYTES) {
        __m512 m = _mm512_setzero_ps();
        for (int k = 0; k < QK_K; k += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + k)));
        const float amax = _mm512_reduce_max_ps(m);
        if (amax == 0.0f) { q8_K_zero(y); continue; }
        const __m512 am = _mm512_set1_ps(amax);
        int first = 0;
        for (int k = 0; k < QK_K; k += 16) {
            __mmask16 eq = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(x + k)), am, _CMP_EQ_OQ);
            if (eq) { first = k + __builtin_ctz((unsigned)eq); break; }
        }
        const float iscale = -127.0f / x[first];
        const __m512 mul = _mm512_set1_ps(iscale);
        const __m512i lim = _mm512_set1_epi32(127);
        int8_t *qs = (int8_t *)(y + Q8K_QS);
        for (int g = 0; g < QK_K / 16; g++) {
            __m512i q = _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + 16 * g), mul),
                                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            q = _mm512_min_epi32(q, lim);
            int16_t s16 = (int16_t)_mm512_reduce_add_epi32(q);
            memcpy(y + Q8K_BSUMS + 2 * g, &s16, 2);
            _mm_storeu_si128((__m128i *)(qs + 16 * g), _mm512_cvtsepi32_epi8(q));
        }
        float d = 1.0f / iscale;
        memcpy(y, &d, 4);
    }
}
#pragma clang attribute pop
#endif  // CK_X86

void ck_quantize_row_q8_K(const float *x, void *y, int n) {
    switch (ck_level()) {
#if CK_X86
    case CK_AVX512: q8_K_avx512(x, (uint8_t *)y, n); break;
    case CK_AVX2: q8_K_avx2(x, (uint8_t *)y, n); break;
#elif defined(__aarch64__)
    case CK_NEON: ck_q8_K_neon(x, (uint8_t *)y, n); break;
#endif
    default: q8_K_scalar(x, (uint8_t *)y, n);
    }
}

// MARK: Activation for a weight type

void ck_quantize_activation(int type, const float *x, void *xq, int n) {
    switch (ck_vec_dot_type(type)) {
    case CK_TYPE_F32: memmove(xq, x, (size_t)n * sizeof(float)); break;
    case CK_TYPE_F16: ck_fp32_to_fp16_row(x, (uint16_t *)xq, n); break;
    case CK_TYPE_BF16: ck_fp32_to_bf16_row(x, (uint16_t *)xq, n); break;
    case CK_TYPE_Q8_0: ck_quantize_row_q8_0(x, xq, n); break;
    case CK_TYPE_Q8_1: ck_quantize_row_q8_1(x, xq, n); break;
    case CK_TYPE_Q8_K: ck_quantize_row_q8_K(x, xq, n); break;
    default: break;
    }
}
