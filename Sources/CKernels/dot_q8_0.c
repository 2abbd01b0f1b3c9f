// Q8_0 weights against Q8_0 activations, in llama.cpp's float order, at every level.
//
// Every output keeps 8 float lanes; lane l takes bytes 4l..4l+3 of each 32-byte block, block by
// block:  lane_l = fmaf(dw_b * dx_b, (float)(sum of the 4 int8 products), lane_l),
// and the lanes are reduced as ck_tree8. This is what ggml_vec_dot_q8_0_q8_0 (AVX2) and tinyBLAS's
// Q8_0 kernel compute, so outputs are llama.cpp's to the bit (docs/DECISIONS.md).
//
// SIMD: a tile of R weight rows x C activation rows; per block, |w| and sign(x, w) turn the signed
// products into unsigned x signed ones for vpmaddubsw (AVX2) or vpdpbusd (AVX-512 VNNI, 256-bit).
#include "ck_internal.h"
#include "ck_reduce.h"
#include <immintrin.h>
#include <math.h>

// MARK: Scalar (the definition)

static float dot_q8_0_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float lane[8] = {0};
    for (int b = 0; b < n / QK8_0; b++, w += Q8_0_BYTES, x += Q8_0_BYTES) {
        const float d = ck_h2f(ck_ld16(w)) * ck_h2f(ck_ld16(x));
        for (int l = 0; l < 8; l++) {
            int s = 0;
            for (int j = 4 * l; j < 4 * l + 4; j++) s += (int8_t)w[2 + j] * (int8_t)x[2 + j];
            lane[l] = fmaf(d, (float)s, lane[l]);
        }
    }
    return ck_tree8(lane);
}

void ck_k_q8_0_scalar(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    ck_run_dots(dot_q8_0_scalar, W, rb, nr, n, X, xs, nc, Y, ys);
}

// MARK: SIMD tile (vnni selects vpdpbusd over vpmaddubsw + vpmaddwd; both give exact int32 lanes)

#define Q8_0_TILE_BODY(vnni)                                                                     \
    __m256 acc[4][4];                                                                            \
    CK_UNROLL for (int r = 0; r < R; r++)                                                        \
        CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();                  \
    const __m256i ones = _mm256_set1_epi16(1);                                                   \
    (void)ones;                                                                                  \
    for (int b = 0; b < n / QK8_0; b++) {                                                        \
        const size_t o = (size_t)b * Q8_0_BYTES;                                                 \
        __m256i xq[4];                                                                           \
        __m256 dx[4];                                                                            \
        CK_UNROLL for (int c = 0; c < C; c++) {                                                  \
            xq[c] = _mm256_loadu_si256((const __m256i *)(X + c * xs + o + 2));                   \
            dx[c] = _mm256_set1_ps(_cvtsh_ss(ck_ld16(X + c * xs + o)));                          \
        }                                                                                        \
        CK_UNROLL for (int r = 0; r < R; r++) {                                                  \
            const uint8_t *wb = W + r * rb + o;                                                  \
            _mm_prefetch((const char *)(wb + 8 * Q8_0_BYTES), _MM_HINT_T0);                      \
            const __m256i w = _mm256_loadu_si256((const __m256i *)(wb + 2));                     \
            const __m256i aw = _mm256_sign_epi8(w, w);                                           \
            const __m256 dw = _mm256_set1_ps(_cvtsh_ss(ck_ld16(wb)));                            \
            CK_UNROLL for (int c = 0; c < C; c++) {                                              \
                const __m256i sx = _mm256_sign_epi8(xq[c], w);                                   \
                const __m256i p = vnni ? _mm256_dpbusd_epi32(_mm256_setzero_si256(), aw, sx)     \
                                       : _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), ones);  \
                acc[r][c] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dx[c]), _mm256_cvtepi32_ps(p), acc[r][c]); \
            }                                                                                    \
        }                                                                                        \
    }                                                                                            \
    CK_UNROLL for (int r = 0; r < R; r++)                                                        \
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = ck_hsum8(acc[r][c]);

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)
static inline __attribute__((always_inline)) void q8_0_tile_avx2(
    const int R, const int C, const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) {
    Q8_0_TILE_BODY(0)
}
CK_DEFINE_KERNEL(ck_k_q8_0_avx2, q8_0_tile_avx2, 2, 4)
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)
static inline __attribute__((always_inline)) void q8_0_tile_avx512(
    const int R, const int C, const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) {
    Q8_0_TILE_BODY(1)
}
CK_DEFINE_KERNEL(ck_k_q8_0_avx512, q8_0_tile_avx512, 4, 4)
#pragma clang attribute pop
