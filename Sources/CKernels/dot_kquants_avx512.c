// AVX-512 BW/VNNI kernels for Q4_K / Q5_K / Q6_K weights against Q8_K activations.
//
// Per 64 weights: unpack to unsigned bytes, vpmaddubsw against the int8 activations (int16 pair
// sums, no saturation possible), then vpdpwssd with the per-sub-block int16 scales accumulates
// sc * sum(q * y) into 16 int32 lanes. The whole super-block stays in integers; per super-block
// the exact sums are reduced and applied with fmaf (see dot_kquants_scalar.c for the definition),
// so every level and tile shape gives the same bits.
#include "ck_internal.h"
#if CK_X86  // the whole file is x86 SIMD
#include <immintrin.h>
#include <math.h>

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

#define AI static inline __attribute__((always_inline))

#ifndef CK_KQ_CMAX
#define CK_KQ_CMAX 4
#endif

/// Word permutation indices: [a x16, b x16].
AI __m512i idx2(int a, int b) {
    return _mm512_inserti64x4(_mm512_set1_epi16((short)a), _mm256_set1_epi16((short)b), 1);
}
/// Word permutation indices: [a x8, a+1 x8, a+2 x8, a+3 x8].
AI __m512i idx4(int a) {
    const __m512i base = _mm512_set_epi64(0x0003000300030003LL, 0x0003000300030003LL,
                                          0x0002000200020002LL, 0x0002000200020002LL,
                                          0x0001000100010001LL, 0x0001000100010001LL, 0, 0);
    return _mm512_add_epi16(base, _mm512_set1_epi16((short)a));
}

/// 16 words: the 8 six-bit scales then the 8 mins of a Q4_K/Q5_K super-block.
AI __m256i kscales_words(const uint8_t *q) {
    uint32_t a = ck_ld32(q), b = ck_ld32(q + 4), c = ck_ld32(q + 8);
    uint32_t sc_lo = a & 0x3F3F3F3Fu, m_lo = b & 0x3F3F3F3Fu;
    uint32_t sc_hi = (c & 0x0F0F0F0Fu) | (((a >> 6) & 0x03030303u) << 4);
    uint32_t m_hi = ((c >> 4) & 0x0F0F0F0Fu) | (((b >> 6) & 0x03030303u) << 4);
    return _mm256_cvtepu8_epi16(_mm_set_epi32((int)m_hi, (int)m_lo, (int)sc_hi, (int)sc_lo));
}

AI int hsum8i(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/// Lane r = the sum of the 8 int32 lanes of v[r] (4 outputs reduced together).
AI __m128i hsum4x8(const __m256i v[4]) {
    const __m256i t01 = _mm256_add_epi32(_mm256_unpacklo_epi32(v[0], v[1]), _mm256_unpackhi_epi32(v[0], v[1]));
    const __m256i t23 = _mm256_add_epi32(_mm256_unpacklo_epi32(v[2], v[3]), _mm256_unpackhi_epi32(v[2], v[3]));
    const __m256i u = _mm256_add_epi32(_mm256_unpacklo_epi64(t01, t23), _mm256_unpackhi_epi64(t01, t23));
    return _mm_add_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1));
}

/// Lane r = the sum of the 16 int32 lanes of v[r].
AI __m128i hsum4x16(const __m512i v[4]) {
    __m256i h[4];
    CK_UNROLL for (int r = 0; r < 4; r++) h[r] = _mm256_add_epi32(_mm512_castsi512_si256(v[r]), _mm512_extracti64x4_epi64(v[r], 1));
    return hsum4x8(h);
}

AI __m512i bcast32(const uint8_t *p) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)p));
}

// MARK: Q4_K and Q5_K

AI void q45k_tile(const int has_qh, const int R, const int C, const uint8_t *W, size_t rb, int n,
                  const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t wbytes = has_qh ? Q5_K_BYTES : Q4_K_BYTES;
    const size_t qs_off = has_qh ? Q5K_QS : Q4K_QS;
    const __m512i m4 = _mm512_set1_epi8(0x0F), sixteen = _mm512_set1_epi8(16);
    const __m512i shift_hi = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
    const __m256i min_idx = _mm256_set_epi16(15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8);
    // 4 rows x 1 activation (decode): the 4 rows' sums are reduced together and row r's fmaf
    // steps run in lane r of acc4 (the same operations, so the same bits).
    const int lanes = R == 4 && C == 1;
    float acc[4][4] = {{0}};
    __m128 acc4 = _mm_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        float dy[4];
        __m256i bs[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
            dy[c] = ck_ldf(yb[c]);
            bs[c] = _mm256_loadu_si256((const __m256i *)(yb[c] + Q8K_BSUMS));
        }
        __m512i rsum[4];
        __m256i rmin[4];
        float rdx[4], rdm[4];
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * wbytes;
            for (size_t o = 0; o < wbytes; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            const __m256i sm = kscales_words(wb + QK_SCALES);
            const __m512i smz = _mm512_zextsi256_si512(sm);
            const __m256i mins = _mm256_permutexvar_epi16(min_idx, sm);
            const float dx = _cvtsh_ss(ck_ld16(wb)), dmx = _cvtsh_ss(ck_ld16(wb + 2));
            __m512i qh = has_qh ? bcast32(wb + Q5K_QH) : _mm512_setzero_si512();
            __m512i isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = _mm512_setzero_si512();
            CK_UNROLL for (int k = 0; k < 4; k++) {
                __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bcast32(wb + qs_off + 32 * k), shift_hi), m4);
                if (has_qh) {
                    const __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8((char)(1 << (2 * k))),
                                                           _mm256_set1_epi8((char)(1 << (2 * k + 1))), 1);
                    q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(qh, bit), q, sixteen);
                }
                const __m512i sc = _mm512_permutexvar_epi16(idx2(2 * k, 2 * k + 1), smz);
                CK_UNROLL for (int c = 0; c < C; c++) {
                    __m512i y = _mm512_loadu_si512(yb[c] + Q8K_QS + 64 * k);
                    isum[c] = _mm512_dpwssd_epi32(isum[c], _mm512_maddubs_epi16(q, y), sc);
                }
            }
            if (lanes) {
                rsum[r] = isum[0];
                rmin[r] = _mm256_madd_epi16(mins, bs[0]);
                rdx[r] = dx;
                rdm[r] = dmx;
                continue;
            }
            CK_UNROLL for (int c = 0; c < C; c++) {
                const int is = _mm512_reduce_add_epi32(isum[c]);
                const int im = hsum8i(_mm256_madd_epi16(mins, bs[c]));
                acc[r][c] = fmaf(dx * dy[c], (float)is, acc[r][c]);
                acc[r][c] = fmaf(-(dmx * dy[c]), (float)im, acc[r][c]);
            }
        }
        if (lanes) {
            const __m128 dyv = _mm_set1_ps(dy[0]);
            const __m128 dx4 = _mm_setr_ps(rdx[0], rdx[1], rdx[2], rdx[3]), dm4 = _mm_setr_ps(rdm[0], rdm[1], rdm[2], rdm[3]);
            acc4 = _mm_fmadd_ps(_mm_mul_ps(dx4, dyv), _mm_cvtepi32_ps(hsum4x16(rsum)), acc4);
            acc4 = _mm_fnmadd_ps(_mm_mul_ps(dm4, dyv), _mm_cvtepi32_ps(hsum4x8(rmin)), acc4);
        }
    }
    if (lanes) {
        _mm_storeu_ps(Y, acc4);
        return;
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = acc[r][c];
}

#define Q4K_TILE(R, C, ...) q45k_tile(0, R, C, __VA_ARGS__)
#define Q5K_TILE(R, C, ...) q45k_tile(1, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_q4_K_avx512_mv, Q4K_TILE, 4, CK_KQ_CMAX)
CK_DEFINE_KERNEL(ck_k_q5_K_avx512_mv, Q5K_TILE, 4, CK_KQ_CMAX)

// MARK: Q6_K

AI void q6k_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                 const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    const __m512i shl_a = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    const __m512i shr_b = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    float acc[4][4] = {{0}};
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        float dy[4];
        __m256i bs[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
            dy[c] = ck_ldf(yb[c]);
            bs[c] = _mm256_loadu_si256((const __m256i *)(yb[c] + Q8K_BSUMS));
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * Q6_K_BYTES;
            for (size_t o = 0; o < Q6_K_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wb + Q6K_SC)));
            const __m512i scz = _mm512_zextsi256_si512(sc16);
            const float dx = _cvtsh_ss(ck_ld16(wb + Q6K_D));
            __m512i isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = _mm512_setzero_si512();
            CK_UNROLL for (int h = 0; h < 2; h++) {
                const __m512i L = _mm512_loadu_si512(wb + Q6K_QL + 64 * h);
                const __m512i H = bcast32(wb + Q6K_QH + 32 * h);
                // elements 128h + 0..63 (quarters 0, 1) and 128h + 64..127 (quarters 2, 3)
                const __m512i qa = _mm512_or_si512(_mm512_and_si512(L, m4),
                                                   _mm512_and_si512(_mm512_sllv_epi16(H, shl_a), m30));
                const __m512i qb = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(L, 4), m4),
                                                   _mm512_and_si512(_mm512_srlv_epi16(H, shr_b), m30));
                const __m512i sa = _mm512_permutexvar_epi16(idx4(8 * h), scz);
                const __m512i sbv = _mm512_permutexvar_epi16(idx4(8 * h + 4), scz);
                CK_UNROLL for (int c = 0; c < C; c++) {
                    const uint8_t *y = yb[c] + Q8K_QS + 128 * h;
                    isum[c] = _mm512_dpwssd_epi32(isum[c], _mm512_maddubs_epi16(qa, _mm512_loadu_si512(y)), sa);
                    isum[c] = _mm512_dpwssd_epi32(isum[c], _mm512_maddubs_epi16(qb, _mm512_loadu_si512(y + 64)), sbv);
                }
            }
            CK_UNROLL for (int c = 0; c < C; c++) {
                // sum (q - 32) * y = sum q * y - 32 * sum_g sc_g * bsum_g
                const __m256i corr = _mm256_slli_epi32(_mm256_madd_epi16(sc16, bs[c]), 5);
                const int is = _mm512_reduce_add_epi32(_mm512_sub_epi32(isum[c], _mm512_zextsi256_si512(corr)));
                acc[r][c] = fmaf(dx * dy[c], (float)is, acc[r][c]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = acc[r][c];
}

CK_DEFINE_KERNEL(ck_k_q6_K_avx512_mv, q6k_tile, 4, CK_KQ_CMAX)

#pragma clang attribute pop

#endif  // CK_X86
