// expf as llama.cpp's AVX-512 build computes it for softmax and SiLU (ggml_v_expf, an adaptation
// of Arm's optimized-routines expf), so that those ops round exactly as llama.cpp's do.
// The scalar, AVX2 and AVX-512 forms below give identical bits.
//
//   n = round(x * log2(e))                      (via the 1.5 * 2^23 shift)
//   b = (x - n * LN2_HI) - n * LN2_LO           (two fused steps)
//   p = ((C4 b + C3) b^2 + (C2 b + C1)) b^2 + (C0 b + 1)
//   e^x = p * 2^n;  |n| > 192 gives 0 (n < 0) or +inf.
#ifndef CK_VEXP_H
#define CK_VEXP_H
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <math.h>

#define CK_EXP_SHIFT 0x1.8p23f
#define CK_EXP_LOG2E 0x1.715476p+0f
#define CK_EXP_LN2_HI 0x1.62e4p-1f
#define CK_EXP_LN2_LO 0x1.7f7d1cp-20f
#define CK_EXP_C0 0x1.ffffecp-1f
#define CK_EXP_C1 0x1.fffdb6p-2f
#define CK_EXP_C2 0x1.555e66p-3f
#define CK_EXP_C3 0x1.573e2ep-5f
#define CK_EXP_C4 0x1.0e4020p-7f

static inline float ck_expf_poly(float x) {
    const float n = fmaf(x, CK_EXP_LOG2E, CK_EXP_SHIFT) - CK_EXP_SHIFT;
    if (fabsf(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
    const float b = fmaf(-n, CK_EXP_LN2_LO, fmaf(-n, CK_EXP_LN2_HI, x));
    const float u = b * b;
    const float p = fmaf(fmaf(fmaf(CK_EXP_C4, b, CK_EXP_C3), u, fmaf(CK_EXP_C2, b, CK_EXP_C1)), u,
                         fmaf(CK_EXP_C0, b, 1.0f));
    return ldexpf(p, (int)n);  // NaN in: n is NaN, p is NaN
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma,f16c"))) static inline __m256 ck_exp8(__m256 x) {
    const __m256 shift = _mm256_set1_ps(CK_EXP_SHIFT);
    const __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(CK_EXP_LOG2E), shift), shift);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(CK_EXP_LN2_LO),
                                      _mm256_fnmadd_ps(n, _mm256_set1_ps(CK_EXP_LN2_HI), x));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 p = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(CK_EXP_C4), b, _mm256_set1_ps(CK_EXP_C3)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(CK_EXP_C2), b, _mm256_set1_ps(CK_EXP_C1))),
        u, _mm256_fmadd_ps(_mm256_set1_ps(CK_EXP_C0), b, _mm256_set1_ps(1.0f)));
    // p * 2^n in two exact-or-once-rounded steps (n in [-192, 192]: each factor is a normal float).
    const __m256 nc = _mm256_max_ps(_mm256_min_ps(n, _mm256_set1_ps(192.0f)), _mm256_set1_ps(-192.0f));
    const __m256i ni = _mm256_cvtps_epi32(nc);
    const __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
    const __m256 res = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
    const __m256 big = _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), n), _mm256_set1_ps(192.0f), _CMP_GT_OQ);
    const __m256 alt = _mm256_blendv_ps(_mm256_set1_ps(INFINITY), _mm256_setzero_ps(),
                                        _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ));
    return _mm256_blendv_ps(res, alt, big);
}

__attribute__((target("avx2,fma,f16c,avx512f"))) static inline __m512 ck_exp16(__m512 x) {
    const __m512 shift = _mm512_set1_ps(CK_EXP_SHIFT);
    const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(CK_EXP_LOG2E), shift), shift);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(CK_EXP_LN2_LO),
                                      _mm512_fnmadd_ps(n, _mm512_set1_ps(CK_EXP_LN2_HI), x));
    const __m512 u = _mm512_mul_ps(b, b);
    const __m512 p = _mm512_fmadd_ps(
        _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(CK_EXP_C4), b, _mm512_set1_ps(CK_EXP_C3)), u,
                        _mm512_fmadd_ps(_mm512_set1_ps(CK_EXP_C2), b, _mm512_set1_ps(CK_EXP_C1))),
        u, _mm512_fmadd_ps(_mm512_set1_ps(CK_EXP_C0), b, _mm512_set1_ps(1.0f)));
    const __m512 res = _mm512_scalef_ps(p, n);
    const __mmask16 big = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192.0f), _CMP_GT_OQ);
    const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ),
                                            _mm512_set1_ps(INFINITY), _mm512_setzero_ps());
    return _mm512_mask_blend_ps(big, res, alt);
}
#endif  // x86

#endif
