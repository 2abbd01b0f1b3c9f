// AVX-512 VNNI matmul for Q4_0 weights against several Q8_0 activation rows.
//
// Weights are repacked on the fly into a row-interleaved tile: 31 rows plus one "bias" lane
// in the 32 lanes of a pair of zmm, 4 quant bytes per lane per group, stored unsigned (the raw
// nibble, w + 8). Activations are broadcast 4 bytes at a time straight from the Q8_0 blocks, so
// each vpdpbusd does 64 multiply-adds for 16 rows; the bias lane (weights = 8) yields 8 * sum(y),
// which is subtracted to recover sum(w * y) exactly. Per block and row the float step is the one
// in dot_q4_0.c, so results match the matvec kernels bit for bit.
#include "ck_internal.h"
#if CK_X86  // the whole file is x86 SIMD
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

/// fp16 scales at p + off[r] for 16 rows, as floats (4-byte gathers; the low half is d).
static inline __m512 gather_d16(const uint8_t *p, __m512i off) {
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_i32gather_epi32(off, (const void *)p, 1)));
}

#ifndef CK_Q4_0_GEMM_KC
#define CK_Q4_0_GEMM_KC 16
#endif
enum {
    GEMM_ROWS = 31,             // rows per tile; lane 31 computes k * sum(y) for the bias
    GEMM_KC = CK_Q4_0_GEMM_KC,    // blocks per repacked chunk (16 blocks: 16 KiB of unpacked weights)
    GEMM_COLS = 4,              // activation rows in flight
};

typedef struct {
    __m512i w[GEMM_KC][8][2];  // [block][4-byte group][lanes 0-15 | 16-31], unsigned bytes
    __m512 d[GEMM_KC][2];      // weight scales per lane
} q4_0_tile;

static void q4_0_repack(const uint8_t *W, size_t rb, int R, int b0, int kc, q4_0_tile *t) {
    const size_t bs = Q4_0_BYTES;
    int off[32];
    for (int r = 0; r < 32; r++) off[r] = (int)((size_t)(r < R ? r : R - 1) * rb);
    const __m512i o0 = _mm512_loadu_si512(off), o1 = _mm512_loadu_si512(off + 16);
    const __m512i low4 = _mm512_set1_epi8(0x0F), kbias = _mm512_set1_epi8(8);
    const __mmask16 last = 0x8000;
    for (int b = 0; b < kc; b++) {
        const uint8_t *p = W + (size_t)(b0 + b) * bs;
        for (int g = 0; g < 4; g++) {
            for (int h = 0; h < 2; h++) {
                const __m512i q = _mm512_i32gather_epi32(h ? o1 : o0, (const void *)(p + 2 + 4 * g), 1);
                __m512i lo = _mm512_and_si512(q, low4), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), low4);
                if (h) {
                    lo = _mm512_mask_mov_epi32(lo, last, kbias);
                    hi = _mm512_mask_mov_epi32(hi, last, kbias);
                }
                t->w[b][g][h] = lo;
                t->w[b][g + 4][h] = hi;
            }
        }
        t->d[b][0] = gather_d16(p, o0);
        t->d[b][1] = gather_d16(p, o1);
    }
}

/// cc activation rows against one repacked chunk; acc holds the running fmaf chains.
static inline __attribute__((always_inline)) void q4_0_gemm_cols(
    const int CC, const q4_0_tile *t, int kc, const uint8_t *x0, size_t xs, __m512 acc[GEMM_COLS][2]) {
    const __m512i bias_lane = _mm512_set1_epi32(15);
    for (int b = 0; b < kc; b++) {
        const uint8_t *yb[GEMM_COLS];
        __m512i s[GEMM_COLS][2];
        CK_UNROLL for (int j = 0; j < CC; j++) {
            yb[j] = x0 + j * xs + (size_t)b * Q8_0_BYTES;
            s[j][0] = s[j][1] = _mm512_setzero_si512();
        }
        CK_UNROLL for (int g = 0; g < 8; g++) {
            const __m512i w0 = t->w[b][g][0], w1 = t->w[b][g][1];
            CK_UNROLL for (int j = 0; j < CC; j++) {
                const __m512i y = _mm512_set1_epi32((int)ck_ld32(yb[j] + 2 + 4 * g));
                s[j][0] = _mm512_dpbusd_epi32(s[j][0], w0, y);
                s[j][1] = _mm512_dpbusd_epi32(s[j][1], w1, y);
            }
        }
        CK_UNROLL for (int j = 0; j < CC; j++) {
            const __m512i k = _mm512_permutexvar_epi32(bias_lane, s[j][1]);  // k * sum(y)
            const __m512 dy = _mm512_set1_ps(_cvtsh_ss(ck_ld16(yb[j])));
            acc[j][0] = _mm512_fmadd_ps(_mm512_mul_ps(t->d[b][0], dy), _mm512_cvtepi32_ps(_mm512_sub_epi32(s[j][0], k)), acc[j][0]);
            acc[j][1] = _mm512_fmadd_ps(_mm512_mul_ps(t->d[b][1], dy), _mm512_cvtepi32_ps(_mm512_sub_epi32(s[j][1], k)), acc[j][1]);
        }
    }
}

void ck_q4_0_gemm_avx512(const uint8_t *W, size_t rb, int nr, int n,
                         const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    q4_0_tile tile __attribute__((aligned(64)));
    const int nb = n / QK8_0;
    for (int r0 = 0; r0 < nr; r0 += GEMM_ROWS) {
        const int R = nr - r0 < GEMM_ROWS ? nr - r0 : GEMM_ROWS;
        const __mmask16 m0 = (__mmask16)(R >= 16 ? 0xFFFF : (1u << R) - 1u);
        const __mmask16 m1 = (__mmask16)(R > 16 ? (1u << (R - 16)) - 1u : 0);
        for (int b0 = 0; b0 < nb; b0 += GEMM_KC) {
            const int kc = nb - b0 < GEMM_KC ? nb - b0 : GEMM_KC;
            q4_0_repack(W + (size_t)r0 * rb, rb, R, b0, kc, &tile);
            for (int c = 0; c < nc; c += GEMM_COLS) {
                const int cc = nc - c < GEMM_COLS ? nc - c : GEMM_COLS;
                __m512 acc[GEMM_COLS][2];
                for (int j = 0; j < cc; j++) {
                    float *y = Y + (size_t)(c + j) * ys + r0;
                    acc[j][0] = b0 ? _mm512_maskz_loadu_ps(m0, y) : _mm512_setzero_ps();
                    acc[j][1] = b0 ? _mm512_maskz_loadu_ps(m1, y + 16) : _mm512_setzero_ps();
                }
                const uint8_t *x0 = X + (size_t)c * xs + (size_t)b0 * Q8_0_BYTES;
                switch (cc) {
                case 4: q4_0_gemm_cols(4, &tile, kc, x0, xs, acc); break;
                case 3: q4_0_gemm_cols(3, &tile, kc, x0, xs, acc); break;
                case 2: q4_0_gemm_cols(2, &tile, kc, x0, xs, acc); break;
                default: q4_0_gemm_cols(1, &tile, kc, x0, xs, acc); break;
                }
                for (int j = 0; j < cc; j++) {
                    float *y = Y + (size_t)(c + j) * ys + r0;
                    _mm512_mask_storeu_ps(y, m0, acc[j][0]);
                    _mm512_mask_storeu_ps(y + 16, m1, acc[j][1]);
                }
            }
        }
    }
}

#pragma clang attribute pop

#endif  // CK_X86
