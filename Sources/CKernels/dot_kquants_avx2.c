// AVX2 kernels for Q4_K / Q5_K / Q6_K weights against Q8_K activations.
// Per 32 weights: unsigned bytes, vpmaddubsw with the int8 activations, vpmaddwd with the
// sub-block scale, int32 add. Exact super-block sums, then fmaf as in dot_kquants_scalar.c.
#include "ck_internal.h"
#if CK_X86  // the whole file is x86 SIMD
#include <immintrin.h>
#include <math.h>

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

#define AI static inline __attribute__((always_inline))

AI __m256i ld256(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

AI int hsum8i2(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// MARK: Q4_K and Q5_K

AI void q45k_tile2(const int has_qh, const int R, const int C, const uint8_t *W, size_t rb, int n,
                   const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t wbytes = has_qh ? Q5_K_BYTES : Q4_K_BYTES;
    const size_t qs_off = has_qh ? Q5K_QS : Q4K_QS;
    const __m256i m4 = _mm256_set1_epi8(0x0F), sixteen = _mm256_set1_epi8(16);
    float acc[4][4] = {{0}};
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        float dy[4];
        __m256i bs[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
            dy[c] = ck_ldf(yb[c]);
            bs[c] = ld256(yb[c] + Q8K_BSUMS);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * wbytes;
            for (size_t o = 0; o < wbytes; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            uint8_t s8[16];
            ck_kscales16(wb + QK_SCALES, s8);
            int16_t mm16[16];
            for (int j = 0; j < 8; j++) mm16[2 * j] = mm16[2 * j + 1] = s8[8 + j];
            const __m256i mins = ld256((const uint8_t *)mm16);
            const float dx = _cvtsh_ss(ck_ld16(wb)), dmx = _cvtsh_ss(ck_ld16(wb + 2));
            const __m256i qh = has_qh ? ld256(wb + Q5K_QH) : _mm256_setzero_si256();
            __m256i isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = _mm256_setzero_si256();
            CK_UNROLL for (int k = 0; k < 4; k++) {
                const __m256i q = ld256(wb + qs_off + 32 * k);
                __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                if (has_qh) {
                    const __m256i b1 = _mm256_set1_epi8((char)(1 << (2 * k)));
                    const __m256i b2 = _mm256_set1_epi8((char)(1 << (2 * k + 1)));
                    lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b1), b1), sixteen));
                    hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b2), b2), sixteen));
                }
                const __m256i sc1 = _mm256_set1_epi16(s8[2 * k]), sc2 = _mm256_set1_epi16(s8[2 * k + 1]);
                CK_UNROLL for (int c = 0; c < C; c++) {
                    const uint8_t *y = yb[c] + Q8K_QS + 64 * k;
                    __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, ld256(y)), sc1);
                    __m256i p2 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, ld256(y + 32)), sc2);
                    isum[c] = _mm256_add_epi32(isum[c], _mm256_add_epi32(p1, p2));
                }
            }
            CK_UNROLL for (int c = 0; c < C; c++) {
                const int is = hsum8i2(isum[c]), im = hsum8i2(_mm256_madd_epi16(mins, bs[c]));
                acc[r][c] = fmaf(dx * dy[c], (float)is, acc[r][c]);
                acc[r][c] = fmaf(-(dmx * dy[c]), (float)im, acc[r][c]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = acc[r][c];
}

#define Q4K_TILE2(R, C, ...) q45k_tile2(0, R, C, __VA_ARGS__)
#define Q5K_TILE2(R, C, ...) q45k_tile2(1, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_q4_K_avx2, Q4K_TILE2, 4, 2)
CK_DEFINE_KERNEL(ck_k_q5_K_avx2, Q5K_TILE2, 4, 2)

// MARK: Q6_K

AI void q6k_tile2(const int R, const int C, const uint8_t *W, size_t rb, int n,
                  const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    float acc[4][4] = {{0}};
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        float dy[4];
        __m256i bs[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
            dy[c] = ck_ldf(yb[c]);
            bs[c] = ld256(yb[c] + Q8K_BSUMS);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * Q6_K_BYTES;
            for (size_t o = 0; o < Q6_K_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            const int8_t *sc = (const int8_t *)(wb + Q6K_SC);
            const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
            const float dx = _cvtsh_ss(ck_ld16(wb + Q6K_D));
            __m256i isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = _mm256_setzero_si256();
            CK_UNROLL for (int h = 0; h < 2; h++) {
                const __m256i l0 = ld256(wb + Q6K_QL + 64 * h), l1 = ld256(wb + Q6K_QL + 64 * h + 32);
                const __m256i H = ld256(wb + Q6K_QH + 32 * h);
                for (int t = 0; t < 4; t++) {
                    __m256i low = (t & 1) ? l1 : l0;
                    low = (t & 2) ? _mm256_and_si256(_mm256_srli_epi16(low, 4), m4) : _mm256_and_si256(low, m4);
                    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(H, 2 * t), m3);
                    const __m256i q = _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
                    const int g = 8 * h + 2 * t;
                    const __m256i s = _mm256_set_m128i(_mm_set1_epi16(sc[g + 1]), _mm_set1_epi16(sc[g]));
                    CK_UNROLL for (int c = 0; c < C; c++) {
                        const __m256i y = ld256(yb[c] + Q8K_QS + 128 * h + 32 * t);
                        isum[c] = _mm256_add_epi32(isum[c], _mm256_madd_epi16(_mm256_maddubs_epi16(q, y), s));
                    }
                }
            }
            CK_UNROLL for (int c = 0; c < C; c++) {
                const __m256i corr = _mm256_slli_epi32(_mm256_madd_epi16(sc16, bs[c]), 5);
                const int is = hsum8i2(_mm256_sub_epi32(isum[c], corr));
                acc[r][c] = fmaf(dx * dy[c], (float)is, acc[r][c]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = acc[r][c];
}

CK_DEFINE_KERNEL(ck_k_q6_K_avx2, q6k_tile2, 4, 2)

#pragma clang attribute pop

#endif  // CK_X86
