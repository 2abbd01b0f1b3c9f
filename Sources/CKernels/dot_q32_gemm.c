// AVX2 matmul for IQ4_NL and MXFP4 weights (their fmaf chain order, dot_q32.c) against several
// Q8_0 activation rows.
//
// dot_q32.c's chain kernel unpacks each weight block again for every activation row and reduces
// 8 rows' partial sums horizontally per block. Here a chunk of blocks of 8 rows is unpacked once
// into a row-interleaved tile (lane r of a ymm: 4 values of row r), so a vpmaddubsw serves 8 rows
// and the int32 sums come out in the rows' lanes with no reduction. Values are signed, so each
// group multiplies |v| by sign(y, v) (Q8_0 activations are in -127..127); MXFP4's |v| <= 12 lets
// the 8 groups of a block add in int16 before one vpmaddwd, IQ4_NL's |v| <= 127 widens each group.
// The block sums are exact and the float step is the chain's: acc = fmaf(dw * dy, (float)s, acc),
// so results are bit-identical to the scalar definition.
#include "ck_internal.h"
#if CK_X86  // the whole file is x86 SIMD
#include <immintrin.h>

enum { QG_IQ4NL, QG_MXFP4 };
enum {
    QG_ROWS = 8,   // rows per tile (one ymm)
    QG_KB = 32,    // blocks per repacked chunk (1,024 elements, 9 KiB)
    QG_COLS = 4,   // activation rows in flight
};

typedef struct {
    __m256i q[QG_KB][8];                      // [block][group of 4 elements]: signed values of 8 rows
    float d[QG_KB][8] __attribute__((aligned(32)));
} qg_tile;

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static void qg_repack(const int kind, const uint8_t *W, size_t rb, int R, int b0, int kb, qg_tile *t) {
    const size_t bytes = kind == QG_MXFP4 ? MXFP4_BYTES : IQ4_NL_BYTES, qs = kind == QG_MXFP4 ? 1 : 2;
    const __m256i tab = _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)(kind == QG_MXFP4 ? ck_kvalues_mxfp4 : ck_kvalues_iq4nl)));
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const uint8_t *row[8];
    int32_t off[8];
    for (int r = 0; r < 8; r++) row[r] = W + (size_t)(r < R ? r : R - 1) * rb, off[r] = (int32_t)(row[r] - W);
    const __m256i o = _mm256_loadu_si256((const __m256i *)off);
    for (int b = 0; b < kb; b++) {
        const uint8_t *p = W + (size_t)(b0 + b) * bytes;
        // elements 4j..4j+3 are the low nibbles of qs[4j..4j+3], elements 16 + 4j.. their high nibbles
        for (int j = 0; j < 4; j++) {
            const __m256i v = _mm256_i32gather_epi32((const int *)(const void *)(p + qs + 4 * j), o, 1);
            t->q[b][j] = _mm256_shuffle_epi8(tab, _mm256_and_si256(v, m4));
            t->q[b][4 + j] = _mm256_shuffle_epi8(tab, _mm256_and_si256(_mm256_srli_epi32(v, 4), m4));
        }
        for (int r = 0; r < 8; r++) {
            const uint8_t *blk = row[r] + (size_t)(b0 + b) * bytes;
            t->d[b][r] = kind == QG_MXFP4 ? ck_e8m0_half(blk[0]) : ck_h2f(ck_ld16(blk));
        }
    }
}

static inline __m256i bc(const uint8_t *p) { return _mm256_set1_epi32((int)ck_ld32(p)); }

/// CC activation rows against one repacked chunk; acc carries the per-row fmaf chains.
static inline __attribute__((always_inline)) void qg_cols(
    const int kind, const int CC, const qg_tile *t, int kb, const uint8_t *x0, size_t xs, __m256 acc[QG_COLS]) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int b = 0; b < kb; b++) {
        const uint8_t *y[QG_COLS];
        __m256i s[QG_COLS];
        CK_UNROLL for (int j = 0; j < CC; j++) y[j] = x0 + j * xs + (size_t)b * Q8_0_BYTES;
        CK_UNROLL for (int g = 0; g < 8; g++) {
            const __m256i w = t->q[b][g], aw = _mm256_abs_epi8(w);
            CK_UNROLL for (int j = 0; j < CC; j++) {
                const __m256i p = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(bc(y[j] + 2 + 4 * g), w));
                if (kind == QG_MXFP4)  // 8 x 2 x 12 x 127 fits int16
                    s[j] = g == 0 ? p : _mm256_add_epi16(s[j], p);
                else
                    s[j] = g == 0 ? _mm256_madd_epi16(p, ones) : _mm256_add_epi32(s[j], _mm256_madd_epi16(p, ones));
            }
        }
        const __m256 d = _mm256_load_ps(t->d[b]);
        CK_UNROLL for (int j = 0; j < CC; j++) {
            const __m256i sum = kind == QG_MXFP4 ? _mm256_madd_epi16(s[j], ones) : s[j];
            acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(d, _mm256_set1_ps(_cvtsh_ss(ck_ld16(y[j])))), _mm256_cvtepi32_ps(sum), acc[j]);
        }
    }
}

static inline __attribute__((always_inline)) void qg_gemm(
    const int kind, const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    qg_tile tile __attribute__((aligned(32)));
    const int nb = n / 32;
    for (int r0 = 0; r0 < nr; r0 += QG_ROWS) {
        const int R = nr - r0 < QG_ROWS ? nr - r0 : QG_ROWS;
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(R), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        for (int b0 = 0; b0 < nb; b0 += QG_KB) {
            const int kb = nb - b0 < QG_KB ? nb - b0 : QG_KB;
            qg_repack(kind, W + (size_t)r0 * rb, rb, R, b0, kb, &tile);
            for (int c = 0; c < nc; c += QG_COLS) {
                const int cc = nc - c < QG_COLS ? nc - c : QG_COLS;
                __m256 acc[QG_COLS];
                for (int j = 0; j < cc; j++)
                    acc[j] = b0 ? _mm256_maskload_ps(Y + (size_t)(c + j) * ys + r0, m) : _mm256_setzero_ps();
                const uint8_t *x0 = X + (size_t)c * xs + (size_t)b0 * Q8_0_BYTES;
                switch (cc) {
                case 4: qg_cols(kind, 4, &tile, kb, x0, xs, acc); break;
                case 3: qg_cols(kind, 3, &tile, kb, x0, xs, acc); break;
                case 2: qg_cols(kind, 2, &tile, kb, x0, xs, acc); break;
                default: qg_cols(kind, 1, &tile, kb, x0, xs, acc); break;
                }
                for (int j = 0; j < cc; j++) _mm256_maskstore_ps(Y + (size_t)(c + j) * ys + r0, m, acc[j]);
            }
        }
    }
}

// From 2 activation rows the repack pays (C harness, MXFP4 2,880 x 2,880: 1.29x at 2 rows).
CK_GEMM_ENTRY(ck_k_iq4_nl_avx2, qg_gemm, QG_IQ4NL, 2)
CK_GEMM_ENTRY(ck_k_mxfp4_avx2, qg_gemm, QG_MXFP4, 2)

#pragma clang attribute pop

#endif  // CK_X86
