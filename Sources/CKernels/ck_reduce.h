// llama.cpp's float reduction orders, which the engine reproduces so that its logits equal
// llama.cpp's bit for bit (see docs/DECISIONS.md, "Parity by construction").
//
// - 8 lanes (ggml's hsum_float_8, tinyBLAS hsum on __m256): t_i = a_i + a_{i+4};
//   result = (t_0 + t_2) + (t_1 + t_3).
// - 16 lanes (GCC's _mm512_reduce_add_ps, which llama.cpp's AVX-512 build uses):
//   t_i = a_i + a_{i+8}; u_i = t_i + t_{i+4}; result = (u_0 + u_2) + (u_1 + u_3).
#ifndef CK_REDUCE_H
#define CK_REDUCE_H
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

static inline float ck_tree8(const float a[8]) {
    const float t0 = a[0] + a[4], t1 = a[1] + a[5], t2 = a[2] + a[6], t3 = a[3] + a[7];
    return (t0 + t2) + (t1 + t3);
}

static inline float ck_tree16(const float a[16]) {
    float t[8];
    for (int i = 0; i < 8; i++) t[i] = a[i] + a[i + 8];
    const float u0 = t[0] + t[4], u1 = t[1] + t[5], u2 = t[2] + t[6], u3 = t[3] + t[7];
    return (u0 + u2) + (u1 + u3);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma,f16c"))) static inline float ck_hsum8(__m256 v) {
    __m128 t = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    t = _mm_add_ps(t, _mm_movehl_ps(t, t));
    t = _mm_add_ss(t, _mm_movehdup_ps(t));
    return _mm_cvtss_f32(t);
}

/// The 16-lane tree on two 8-lane halves (lo = lanes 0..7, hi = 8..15).
__attribute__((target("avx2,fma,f16c"))) static inline float ck_hsum16x2(__m256 lo, __m256 hi) {
    return ck_hsum8(_mm256_add_ps(lo, hi));
}

__attribute__((target("avx2,fma,f16c,avx512f"))) static inline float ck_hsum16(__m512 v) {
    return ck_hsum16x2(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}
#endif  // x86

#endif
