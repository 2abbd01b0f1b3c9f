// Q8_0 weights against Q8_0 activations, in llama.cpp's float order, at every level.
//
// Every output keeps 8 float lanes; lane l takes bytes 4l..4l+3 of each 32-byte block, block by
// block:  lane_l = fmaf(dw_b * dx_b, (float)(sum of the 4 int8 products), lane_l),
// and the lanes are reduced as ck_tree8. This is what ggml_vec_dot_q8_0_q8_0 (AVX2) and tinyBLAS's
// Q8_0 kernel compute, so outputs are llama.cpp's to the bit (docs/DECISIONS.md).
//
// SIMD: a tile of R weight rows x C activation rows; per block, |w| and sign(x, w) turn the signed
// products into unsigned x signed ones for vpmaddubsw (AVX2) or vpdpbusd (AVX-512 VNNI). AVX-512
// runs 8 rows at a time with two rows per register (q8_0_pairs_avx512), single rows at 256 bits.
#include "ck_internal.h"
#include "ck_reduce.h"
#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

CK_DOTS_KERNEL(ck_k_q8_0_scalar, dot_q8_0_scalar)

// MARK: Packed layout (ck_q8_0_pack)

void ck_q8_0_pack(const void *src, size_t rb, int rows, int n, void *dst) {
    const uint8_t *W = src;
    uint8_t *out = dst;
    const int nb = n / QK8_0, full = rows - rows % 8;
    for (int g = 0; g < full; g += 8)
        for (int b = 0; b < nb; b++) {
            uint8_t *o = out + (size_t)g * rb + (size_t)b * 8 * Q8_0_BYTES;
            for (int r = 0; r < 8; r++) {
                const uint8_t *w = W + (size_t)(g + r) * rb + (size_t)b * Q8_0_BYTES;
                memcpy(o + 2 * r, w, 2);
                for (int i = 0; i < QK8_0; i++) o[Q8_PACK_SCALES + QK8_0 * r + i] = (uint8_t)(w[2 + i] ^ 0x80);
            }
        }
    memcpy(out + (size_t)full * rb, W + (size_t)full * rb, (size_t)(rows - full) * rb);
}

#if CK_X86

// MARK: SIMD tile (vnni selects vpdpbusd over vpmaddubsw + vpmaddwd; both give exact int32 lanes)

#define Q8_0_TILE_BODY(vnni)                                                                     \
    __m256 acc[4][4];                                                                            \
    CK_UNROLL for (int r = 0; r < R; r++)                                                        \
        CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();                  \
    const __m256i ones = _mm256_set1_epi16(1);                                                   \
    (void)ones;                                                                                  \
    for (int b = 0; b < n / QK8_0; b++) {                                                        \
        const size_t o = (size_t)b * Q8_0_BYTES;                                                 \
        /* The next tile's R rows are the next R x rb bytes: stream them in, R x 34 per block. */ \
        CK_UNROLL for (int k = 0; k <= R * Q8_0_BYTES / 64; k++)                                  \
            _mm_prefetch((const char *)(W + R * rb + R * o + 64 * k), _MM_HINT_T0);               \
        __m256i xq[4];                                                                           \
        __m256 dx[4];                                                                            \
        CK_UNROLL for (int c = 0; c < C; c++) {                                                  \
            xq[c] = _mm256_loadu_si256((const __m256i *)(X + c * xs + o + 2));                   \
            dx[c] = _mm256_set1_ps(_cvtsh_ss(ck_ld16(X + c * xs + o)));                          \
        }                                                                                        \
        CK_UNROLL for (int r = 0; r < R; r++) {                                                  \
            const uint8_t *wb = W + r * rb + o;                                                  \
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
// Single activation row (decode): 4 weight rows in flight.
CK_DEFINE_KERNEL(q8_0_mv_avx2, q8_0_tile_avx2, 4, 1)

// MARK: AVX2 matmul (several activation rows)
//
// The block scales are converted to float once: those of a chunk of activation rows into
// dxf[group of 4 rows][block][4], those of the current weight rows into dwf[row][block]. Per block
// and weight row one vmulps gives dw * dx for the 4 activation rows of a group in both 128-bit
// halves, and an in-lane vshufps (port 5, otherwise idle) broadcasts each: the per-pair float work is
// then the cvt and the FMA only. Same products, same FMAs, same order as the tile above.

enum { Q8_MM_FLOATS = 6144 };  // dx scratch (24 KiB)
#ifndef Q8_MM_ROWS
#define Q8_MM_ROWS 2
#endif

static inline __attribute__((always_inline)) void q8_0_mm_tile_avx2(
    const int R, const int C, const uint8_t *W, size_t rb, int nb, const uint8_t *X, size_t xs,
    const float *dxg, const float *dwf, float *Y, size_t ys) {
    __m256 acc[Q8_MM_ROWS][4];
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int b = 0; b < nb; b++) {
        const size_t o = (size_t)b * Q8_0_BYTES + 2;
        const __m256 dx = _mm256_broadcast_ps((const __m128 *)(dxg + 4 * b));
        __m256i xq[4];
        CK_UNROLL for (int c = 0; c < C; c++) xq[c] = _mm256_loadu_si256((const __m256i *)(X + c * xs + o));
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + o;
            const __m256i w = _mm256_loadu_si256((const __m256i *)wb);
            const __m256i aw = _mm256_sign_epi8(w, w);
            const __m256 dp = _mm256_mul_ps(_mm256_broadcast_ss(dwf + r * nb + b), dx);
            CK_UNROLL for (int c = 0; c < C; c++) {
                const __m256 d = c == 0 ? _mm256_shuffle_ps(dp, dp, 0x00) : c == 1 ? _mm256_shuffle_ps(dp, dp, 0x55)
                               : c == 2 ? _mm256_shuffle_ps(dp, dp, 0xAA) : _mm256_shuffle_ps(dp, dp, 0xFF);
                const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(xq[c], w)), ones);
                acc[r][c] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc[r][c]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = ck_hsum8(acc[r][c]);
}

#define Q8_MM_CASES(R)                                                                        \
    switch (cc) {                                                                             \
    case 4: q8_0_mm_tile_avx2(R, 4, w, rb, nb, x, xs, dxg, dwf, y, ys); break;                \
    case 3: q8_0_mm_tile_avx2(R, 3, w, rb, nb, x, xs, dxg, dwf, y, ys); break;                \
    case 2: q8_0_mm_tile_avx2(R, 2, w, rb, nb, x, xs, dxg, dwf, y, ys); break;                \
    default: q8_0_mm_tile_avx2(R, 1, w, rb, nb, x, xs, dxg, dwf, y, ys); break;               \
    }

static __attribute__((noinline)) void q8_0_mm_rowsN(const uint8_t *w, size_t rb, int nb, const uint8_t *x, size_t xs,
                                                    int cc, const float *dxg, const float *dwf, float *y, size_t ys) {
    Q8_MM_CASES(Q8_MM_ROWS)
}
static __attribute__((noinline)) void q8_0_mm_rows1(const uint8_t *w, size_t rb, int nb, const uint8_t *x, size_t xs,
                                                    int cc, const float *dxg, const float *dwf, float *y, size_t ys) {
    Q8_MM_CASES(1)
}

void ck_k_q8_0_avx2(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    const int nb = n / QK8_0;
    if (nc == 1 || 4 * nb > Q8_MM_FLOATS / 2) {
        q8_0_mv_avx2(W, rb, nr, n, X, xs, nc, Y, ys);
        return;
    }
    float dxf[Q8_MM_FLOATS] __attribute__((aligned(32)));
    float dwf[Q8_MM_ROWS * 1024] __attribute__((aligned(32)));
    if (nb > 1024) {
        q8_0_mv_avx2(W, rb, nr, n, X, xs, nc, Y, ys);
        return;
    }
    // Activation rows per chunk: their scales fit dxf, their quants stay in L2 (as ck_run_tiles).
    int chunk = Q8_MM_FLOATS / (4 * nb) * 4;
    const int l2 = (int)((768u * 1024u) / xs) & ~3;
    if (l2 >= 4 && l2 < chunk) chunk = l2;
    for (int c0 = 0; c0 < nc; c0 += chunk) {
        const int c1 = nc - c0 < chunk ? nc : c0 + chunk;
        for (int c = c0; c < c1; c++) {
            float *g = dxf + (size_t)((c - c0) / 4) * 4 * nb + (c - c0) % 4;
            const uint8_t *xb = X + (size_t)c * xs;
            for (int b = 0; b < nb; b++) g[4 * b] = _cvtsh_ss(ck_ld16(xb + (size_t)b * Q8_0_BYTES));
        }
        for (int r = 0; r < nr;) {
            const int rr = nr - r >= Q8_MM_ROWS ? Q8_MM_ROWS : 1;
            for (int k = 0; k < rr; k++) {
                const uint8_t *wr = W + (size_t)(r + k) * rb;
                for (int b = 0; b < nb; b++) dwf[k * nb + b] = _cvtsh_ss(ck_ld16(wr + (size_t)b * Q8_0_BYTES));
            }
            for (int c = c0; c < c1; c += 4) {
                const int cc = c1 - c < 4 ? c1 - c : 4;
                const float *dxg = dxf + (size_t)((c - c0) / 4) * 4 * nb;
                const uint8_t *w = W + (size_t)r * rb, *x = X + (size_t)c * xs;
                float *y = Y + (size_t)c * ys + r;
                if (rr == Q8_MM_ROWS) q8_0_mm_rowsN(w, rb, nb, x, xs, cc, dxg, dwf, y, ys);
                else q8_0_mm_rows1(w, rb, nb, x, xs, cc, dxg, dwf, y, ys);
            }
            r += rr;
        }
    }
}
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)
static inline __attribute__((always_inline)) void q8_0_tile_avx512(
    const int R, const int C, const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) {
    Q8_0_TILE_BODY(1)
}

// Activations prepared once per call for the 8-row tiles: per column and block, 128 bytes holding
// the 32 quants twice (one 512-bit load per block), -128 x their 4-byte group sums (the correction
// for the weights' +128 bias below) and the block scale as a float. Every tile of 8 weight rows
// used to recompute these for each block; now the tile's vector work per (row pair, column, block)
// is the four operations of the float order (dpbusd, scale product, cvt, FMA).
enum { Q8_PREP = 128, Q8_PREP_CORR = 64, Q8_PREP_D = 96 };

static void q8_0_prepare_avx512(const uint8_t *X, size_t xs, int nc, int nb, uint8_t *P) {
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    for (int c = 0; c < nc; c++)
        for (int b = 0; b < nb; b++) {
            const uint8_t *xb = X + (size_t)c * xs + (size_t)b * Q8_0_BYTES;
            uint8_t *d = P + ((size_t)c * nb + b) * Q8_PREP;
            const __m256i q = _mm256_loadu_si256((const __m256i *)(xb + 2));
            _mm512_store_si512((__m512i *)d, _mm512_broadcast_i64x4(q));
            _mm256_store_si256((__m256i *)(d + Q8_PREP_CORR),
                               _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), bias, q)));
            const float dx = _cvtsh_ss(ck_ld16(xb));
            memcpy(d + Q8_PREP_D, &dx, sizeof dx);
        }
}

/// The 8 sums of four pair registers (a_p: row 2p in lanes 0..7, row 2p + 1 in 8..15), each the
/// 8-lane tree of ck_hsum8 (t_i = a_i + a_{i+4}; (t_0 + t_2) + (t_1 + t_3)), all 8 rows at once;
/// stored to y[0..7].
static inline __attribute__((always_inline)) void q8_0_reduce8_avx512(__m512 a0, __m512 a1, __m512 a2, __m512 a3, float *y) {
    // t: 128-bit block b holds row b's t_0..t_3 (rows 0..3 from a0, a1; rows 4..7 from a2, a3).
    const __m512 t = _mm512_add_ps(_mm512_shuffle_f32x4(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
                                   _mm512_shuffle_f32x4(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)));
    const __m512 t4 = _mm512_add_ps(_mm512_shuffle_f32x4(a2, a3, _MM_SHUFFLE(3, 1, 3, 1)),
                                    _mm512_shuffle_f32x4(a2, a3, _MM_SHUFFLE(2, 0, 2, 0)));
    // u: block b = [t_0 + t_2, t_1 + t_3] of row b, then of row 4 + b.
    const __m512 u = _mm512_add_ps(_mm512_shuffle_ps(t, t4, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_ps(t, t4, _MM_SHUFFLE(3, 2, 3, 2)));
    // r: block b = [row b, row 4 + b, (copies)].
    const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(u, u, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(u, u, _MM_SHUFFLE(3, 1, 3, 1)));
    const __m512 rows = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0), r);
    _mm256_storeu_ps(y, _mm512_castps512_ps256(rows));
}

/// 8 weight rows x C prepared activation columns (stride ps) with 512-bit registers: a register
/// holds the 8 lanes of two rows (row 2p low, 2p + 1 high). Weights are biased to unsigned
/// (w + 128) for vpdpbusd and each block's sum starts at the prepared correction, so the int32
/// lanes are the same exact sums as above; the float steps are the same too.
/// `packed`: the 8 rows in ck_q8_0_pack's layout, whose blocks already hold the 8 scales together
/// and each pair's biased quants as one 64-byte load; the arithmetic is the same.
static inline __attribute__((always_inline)) void q8_0_pairs_avx512(
    const int packed, const int C, const uint8_t *W, size_t rb, int n, const uint8_t *P, size_t ps, float *Y, size_t ys) {
    __m512 acc[4][4];
    CK_UNROLL for (int p = 0; p < 4; p++)
        CK_UNROLL for (int c = 0; c < C; c++) acc[p][c] = _mm512_setzero_ps();
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    // The 8 rows' block scales, copied a chunk of blocks at a time to sc[block][row] by scalar
    // loads (no vpgatherdd), then converted 8 at a time.
    enum { SC_CHUNK = 16 };
    uint16_t sc[SC_CHUNK * 8] __attribute__((aligned(16)));
    const int nb = n / QK8_0;
    // The next tile's 8 rows are the next 8 x rb bytes: stream them in, 8 x 34 bytes per block.
    const uint8_t *next = W + 8 * rb;
    for (int b = 0; b < nb; b++) {
        if (!packed && b % SC_CHUNK == 0) {
            const int m = nb - b < SC_CHUNK ? nb - b : SC_CHUNK;
            for (int k = 0; k < m; k++)
                CK_UNROLL for (int r = 0; r < 8; r++) sc[8 * k + r] = ck_ld16(W + r * rb + (size_t)(b + k) * Q8_0_BYTES);
        }
        const size_t o = (size_t)b * Q8_0_BYTES;
        // Either layout keeps block b of the 8 rows in the 8 x 34 bytes at 8 * o of the next tile.
        CK_UNROLL for (int k = 0; k < 5; k++) _mm_prefetch((const char *)(next + 8 * o + 64 * k), _MM_HINT_T0);
        const uint8_t *g = W + 8 * o;  // packed: block b of the 8 rows
        // d of rows 0..7, then [d_2p x 8 | d_2p+1 x 8] per pair.
        const __m512 d8 = _mm512_castps256_ps512(_mm256_cvtph_ps(
            packed ? _mm_loadu_si128((const __m128i *)g) : _mm_load_si128((const __m128i *)(sc + 8 * (b % SC_CHUNK)))));
        const uint8_t *pb = P + (size_t)b * Q8_PREP;
        CK_UNROLL for (int p = 0; p < 4; p++) {
            const uint8_t *w0 = W + (size_t)(2 * p) * rb + o, *w1 = w0 + rb;
            const __m512i w = packed ? _mm512_loadu_si512(g + Q8_PACK_SCALES + 64 * p) : _mm512_xor_si512(
                _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(w0 + 2))),
                                   _mm256_loadu_si256((const __m256i *)(w1 + 2)), 1), bias);
            const __m512 dw = _mm512_permutexvar_ps(
                _mm512_inserti64x4(_mm512_set1_epi32(2 * p), _mm256_set1_epi32(2 * p + 1), 1), d8);
            CK_UNROLL for (int c = 0; c < C; c++) {
                const uint8_t *q = pb + c * ps;
                const __m512i s = _mm512_dpbusd_epi32(_mm512_broadcast_i64x4(_mm256_load_si256((const __m256i *)(q + Q8_PREP_CORR))),
                                                      w, _mm512_load_si512((const __m512i *)q));
                acc[p][c] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(*(const float *)(q + Q8_PREP_D))),
                                            _mm512_cvtepi32_ps(s), acc[p][c]);
            }
        }
    }
    CK_UNROLL for (int c = 0; c < C; c++) q8_0_reduce8_avx512(acc[0][c], acc[1][c], acc[2][c], acc[3][c], Y + c * ys);
}

#define Q8_0_PAIRS(R, C, W, rb, n, P, ps, Y, ys) q8_0_pairs_avx512(0, C, W, rb, n, P, ps, Y, ys)
#define Q8_0_PACKED(R, C, W, rb, n, P, ps, Y, ys) q8_0_pairs_avx512(1, C, W, rb, n, P, ps, Y, ys)
CK_TILE_FN(Q8_0_PAIRS, 8, 1) CK_TILE_FN(Q8_0_PAIRS, 8, 2) CK_TILE_FN(Q8_0_PAIRS, 8, 3) CK_TILE_FN(Q8_0_PAIRS, 8, 4)
CK_TILE_FN(Q8_0_PACKED, 8, 1) CK_TILE_FN(Q8_0_PACKED, 8, 2) CK_TILE_FN(Q8_0_PACKED, 8, 3) CK_TILE_FN(Q8_0_PACKED, 8, 4)
CK_TILE_FN(q8_0_tile_avx512, 1, 1) CK_TILE_FN(q8_0_tile_avx512, 1, 2) CK_TILE_FN(q8_0_tile_avx512, 1, 3)
CK_TILE_FN(q8_0_tile_avx512, 1, 4)

// Per-thread scratch for the prepared activations (Dispatch's worker stacks are too small for it).
static _Thread_local uint8_t *t_prep;
static _Thread_local size_t t_prep_size;

static uint8_t *prep_scratch(size_t size) {
    if (size > t_prep_size) {
        free(t_prep);
        t_prep = aligned_alloc(64, size);
        t_prep_size = t_prep ? size : 0;
    }
    return t_prep;
}

/// The 8-row tiles over every full group of 8 rows (original or packed layout), the rest one row
/// at a time in the original layout (a packed matrix keeps its last rows % 8 rows as they were).
static void q8_0_eight_rows_avx512(const int packed, const ck_tile_fn eight[4], const uint8_t *W, size_t rb, int nr, int n,
                                   const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    static const ck_tile_fn one[4] = {q8_0_tile_avx512_1x1, q8_0_tile_avx512_1x2, q8_0_tile_avx512_1x3,
                                      q8_0_tile_avx512_1x4};
    const int nb = n / QK8_0, full = nr - nr % 8;
    const size_t ps = (size_t)nb * Q8_PREP;
    // Columns per chunk: their prepared blocks stay in L2 while the weights stream past.
    int chunk = (int)((768u * 1024u) / ps) & ~3;
    if (chunk > 256) chunk = 256;
    if (chunk < 4) chunk = 4;
    uint8_t *P = full ? prep_scratch(ps * (size_t)(nc < chunk ? nc : chunk)) : NULL;
    if (!P && full) {  // no scratch: the single-row tiles need none, but read the original layout
        if (packed) abort();  // out of memory for 768 KiB
        ck_run_tiles(one, one, 1, 4, W, rb, nr, n, X, xs, nc, Y, ys);
        return;
    }
    for (int c0 = 0; c0 < nc && full; c0 += chunk) {
        const int c1 = nc - c0 < chunk ? nc : c0 + chunk;
        q8_0_prepare_avx512(X + (size_t)c0 * xs, xs, c1 - c0, nb, P);
        for (int r = 0; r < full; r += 8)
            for (int c = c0; c < c1; c += 4) {
                const int cc = c1 - c < 4 ? c1 - c : 4;
                eight[cc - 1](W + (size_t)r * rb, rb, n, P + (size_t)(c - c0) * ps, ps, Y + (size_t)c * ys + r, ys);
            }
    }
    if (full < nr) ck_run_tiles(one, one, 1, 4, W + (size_t)full * rb, rb, nr - full, n, X, xs, nc, Y + full, ys);
}

void ck_k_q8_0_avx512(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    static const ck_tile_fn eight[4] = {Q8_0_PAIRS_8x1, Q8_0_PAIRS_8x2, Q8_0_PAIRS_8x3, Q8_0_PAIRS_8x4};
    q8_0_eight_rows_avx512(0, eight, W, rb, nr, n, X, xs, nc, Y, ys);
}

void ck_k_q8_0_packed_avx512(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y,
                             size_t ys) {
    static const ck_tile_fn eight[4] = {Q8_0_PACKED_8x1, Q8_0_PACKED_8x2, Q8_0_PACKED_8x3, Q8_0_PACKED_8x4};
    q8_0_eight_rows_avx512(1, eight, W, rb, nr, n, X, xs, nc, Y, ys);
}
#pragma clang attribute pop
#endif  // CK_X86
