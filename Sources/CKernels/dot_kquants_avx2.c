// AVX2 kernels for Q4_K / Q5_K / Q6_K weights against Q8_K activations.
// Per 32 weights: unsigned bytes, vpmaddubsw with the int8 activations, vpmaddwd with the
// sub-block scale, int32 add. Exact super-block sums, then the float steps of dot_kquants_scalar.c.
//
// Tiles put 4 outputs in the lanes of an xmm: 4 weight rows x 1 activation row (decode), or 1 weight
// row x 4 activation rows (matmul, so each row's unpacking serves 4 activations). The 4 super-block
// sums are reduced together (vphaddd) and each output's float steps run in its lane: the same
// fmaf(dx*dy, isum, acc), fmaf(-(dmin*dy), imin, acc) as the scalar twin, so the bits are identical.
#include "ck_internal.h"
#if CK_X86  // the whole file is x86 SIMD
#include <immintrin.h>
#include <math.h>

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

#include "ck_kq_lanes.h"  // AI, ld256, reduce4, LANES4, store_lanes, kq_run, KQ_KERNEL

// MARK: Q4_K and Q5_K

/// R rows x C activation rows with R == 1 or C == 1 (lane = r + c).
AI void q45k_tile(const int has_qh, const int R, const int C, const uint8_t *W, size_t rb, int n,
                  const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t wbytes = has_qh ? Q5_K_BYTES : Q4_K_BYTES;
    const size_t qs_off = has_qh ? Q5K_QS : Q4K_QS;
    const __m256i m4 = _mm256_set1_epi8(0x0F), sixteen = _mm256_set1_epi8(16);
    // bytes 8..15 (the mins) doubled: [m0 m0 m1 m1 ... m7 m7]
    const __m128i mins_dup = _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    __m128 acc = _mm_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        CK_UNROLL for (int c = 0; c < C; c++) yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
        __m256i isum[4], imin[4];
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * wbytes;
            for (size_t o = 0; o < wbytes; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            uint8_t s8[16];
            ck_kscales16(wb + QK_SCALES, s8);
            const __m128i s = _mm_loadu_si128((const __m128i *)s8);
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(s, mins_dup));
            const __m256i qh = has_qh ? ld256(wb + Q5K_QH) : _mm256_setzero_si256();
            CK_UNROLL for (int c = 0; c < C; c++) isum[r + c] = _mm256_setzero_si256();
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
                    const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, ld256(y)), sc1);
                    const __m256i p2 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, ld256(y + 32)), sc2);
                    isum[r + c] = _mm256_add_epi32(isum[r + c], _mm256_add_epi32(p1, p2));
                }
            }
            CK_UNROLL for (int c = 0; c < C; c++) imin[r + c] = _mm256_madd_epi16(mins, ld256(yb[c] + Q8K_BSUMS));
        }
        const int L = R > C ? R : C;
        const __m128 is = _mm_cvtepi32_ps(reduce4(isum, L)), im = _mm_cvtepi32_ps(reduce4(imin, L));
        const uint8_t *w0 = W + (size_t)sb * wbytes;
#define DX(i) _cvtsh_ss(ck_ld16(w0 + (R > 1 ? (i) : 0) * rb))
#define DMX(i) _cvtsh_ss(ck_ld16(w0 + (R > 1 ? (i) : 0) * rb + 2))
#define DY(i) ck_ldf(yb[R > 1 ? 0 : (i)])
        const __m128 dx = LANES4(L, DX), dmx = LANES4(L, DMX), dy = LANES4(L, DY);
#undef DX
#undef DMX
#undef DY
        acc = _mm_fmadd_ps(_mm_mul_ps(dx, dy), is, acc);
        acc = _mm_fnmadd_ps(_mm_mul_ps(dmx, dy), im, acc);
    }
    store_lanes(R, C, acc, Y, ys);
}

// MARK: Q6_K

AI void q6k_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                 const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    __m128 acc = _mm_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        CK_UNROLL for (int c = 0; c < C; c++) yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
        __m256i isum[4];
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * Q6_K_BYTES;
            for (size_t o = 0; o < Q6_K_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            const int8_t *sc = (const int8_t *)(wb + Q6K_SC);
            const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
            CK_UNROLL for (int c = 0; c < C; c++) isum[r + c] = _mm256_setzero_si256();
            CK_UNROLL for (int h = 0; h < 2; h++) {
                const __m256i l0 = ld256(wb + Q6K_QL + 64 * h), l1 = ld256(wb + Q6K_QL + 64 * h + 32);
                const __m256i H = ld256(wb + Q6K_QH + 32 * h);
                CK_UNROLL for (int t = 0; t < 4; t++) {
                    __m256i low = (t & 1) ? l1 : l0;
                    low = (t & 2) ? _mm256_and_si256(_mm256_srli_epi16(low, 4), m4) : _mm256_and_si256(low, m4);
                    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(H, 2 * t), m3);
                    const __m256i q = _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
                    const int g = 8 * h + 2 * t;
                    const __m256i s = _mm256_set_m128i(_mm_set1_epi16(sc[g + 1]), _mm_set1_epi16(sc[g]));
                    CK_UNROLL for (int c = 0; c < C; c++) {
                        const __m256i y = ld256(yb[c] + Q8K_QS + 128 * h + 32 * t);
                        isum[r + c] = _mm256_add_epi32(isum[r + c], _mm256_madd_epi16(_mm256_maddubs_epi16(q, y), s));
                    }
                }
            }
            CK_UNROLL for (int c = 0; c < C; c++) {
                const __m256i corr = _mm256_slli_epi32(_mm256_madd_epi16(sc16, ld256(yb[c] + Q8K_BSUMS)), 5);
                isum[r + c] = _mm256_sub_epi32(isum[r + c], corr);
            }
        }
        const int L = R > C ? R : C;
        const __m128 is = _mm_cvtepi32_ps(reduce4(isum, L));
        const uint8_t *w0 = W + (size_t)sb * Q6_K_BYTES + Q6K_D;
#define DX(i) _cvtsh_ss(ck_ld16(w0 + (R > 1 ? (i) : 0) * rb))
#define DY(i) ck_ldf(yb[R > 1 ? 0 : (i)])
        const __m128 dx = LANES4(L, DX), dy = LANES4(L, DY);
#undef DX
#undef DY
        acc = _mm_fmadd_ps(_mm_mul_ps(dx, dy), is, acc);
    }
    store_lanes(R, C, acc, Y, ys);
}

#define Q4K_TILE(R, C, ...) q45k_tile(0, R, C, __VA_ARGS__)
#define Q5K_TILE(R, C, ...) q45k_tile(1, R, C, __VA_ARGS__)
KQ_KERNEL(ck_k_q4_K_avx2_mv, Q4K_TILE)  // ck_k_*_avx2 add the repacked matmul (dot_kquants_gemm_avx2.c)
KQ_KERNEL(ck_k_q5_K_avx2_mv, Q5K_TILE)
KQ_KERNEL(ck_k_q6_K_avx2_mv, q6k_tile)

#pragma clang attribute pop

#endif  // CK_X86
