// Q4_0 weights against Q8_0 activations. (Q8_0 weights: dot_q8_0.c.)
//
// Numerics (identical bits at every level, and between matvec and matmul): for each row, in
// block order, s_b = sum of w * y over the 32-element block (exact int32), then
//     acc = fmaf(dw_b * dy_b, (float)s_b, acc)        (acc starts at +0; y[r] = acc).
//
// Kernels:
// - scalar: the definition above.
// - AVX2: 8 rows at a time in the lanes of a ymm (maddubs/madd per row, then a transpose-add);
//   for several activation rows the 8 rows' nibbles are unpacked once per chunk and reused.
// - AVX-512 matvec: 16 rows in the lanes of a zmm, two blocks per vpdpbusd, transpose-add.
// - AVX-512 matmul (>= CK_Q4_0_GEMM_MIN activation rows): dot_q4_0_gemm.c.
#include "ck_internal.h"
#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>

// MARK: Scalar (the definition)

static inline int block_dot_q4_0(const uint8_t *w, const uint8_t *x) {
    int s = 0;
    for (int j = 0; j < 16; j++) {
        s += ((w[2 + j] & 0x0F) - 8) * (int8_t)x[2 + j];
        s += ((w[2 + j] >> 4) - 8) * (int8_t)x[2 + j + 16];
    }
    return s;
}

static float dot_q4_0_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float acc = 0.0f;
    for (int ib = 0; ib < n / QK4_0; ib++, w += Q4_0_BYTES, x += Q8_0_BYTES)
        acc = fmaf(ck_h2f(ck_ld16(w)) * ck_h2f(ck_ld16(x)), (float)block_dot_q4_0(w, x), acc);
    return acc;
}

CK_DOTS_KERNEL(ck_k_q4_0_scalar, dot_q4_0_scalar)

#if CK_X86
// MARK: AVX2: 8 rows per pass, lanes = rows

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

/// p[r] holds 8 int32 partial sums of row r; returns lane r = sum of p[r].
static inline __m256i reduce8_avx2(const __m256i p[8]) {
    __m256i h01 = _mm256_hadd_epi32(p[0], p[1]), h23 = _mm256_hadd_epi32(p[2], p[3]);
    __m256i h45 = _mm256_hadd_epi32(p[4], p[5]), h67 = _mm256_hadd_epi32(p[6], p[7]);
    __m256i a = _mm256_hadd_epi32(h01, h23), b = _mm256_hadd_epi32(h45, h67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

static inline __attribute__((always_inline)) void q4_0_rows8_avx2(
    const uint8_t *W, size_t rb, int R, int n, const uint8_t *x, float *Y) {
    const size_t bs = Q4_0_BYTES;
    const __m256i ones16 = _mm256_set1_epi16(1), low4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
    const uint8_t *row[8];
    int off[8];
    for (int r = 0; r < 8; r++) {
        row[r] = W + (size_t)(r < R ? r : R - 1) * rb;
        off[r] = (int)(row[r] - W);
    }
    const __m256i gidx = _mm256_loadu_si256((const __m256i *)off);
    __m256 acc = _mm256_setzero_ps();
    for (int ib = 0; ib < n / QK8_0; ib++) {
        const uint8_t *yb = x + (size_t)ib * Q8_0_BYTES;
        const __m256i y = _mm256_loadu_si256((const __m256i *)(yb + 2));
        const __m256i ybias = _mm256_madd_epi16(_mm256_maddubs_epi16(eight, y), ones16);  // 8 * sum(y)
        __m256i p[8];
        CK_UNROLL for (int r = 0; r < 8; r++) {
            const uint8_t *wb = row[r] + (size_t)ib * bs;
            _mm_prefetch((const char *)(wb + 8 * rb), _MM_HINT_T0);
            const __m128i q = _mm_loadu_si128((const __m128i *)(wb + 2));
            const __m256i w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), low4);
            p[r] = _mm256_sub_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(w, y), ones16), ybias);
        }
        const __m256i s = reduce8_avx2(p);
        // fp16 scales of the 8 rows (4-byte gathers; the low half is d)
        const __m256i g = _mm256_i32gather_epi32((const int *)(W + (size_t)ib * bs), gidx, 1);
        const __m128i h = _mm_packus_epi32(_mm256_castsi256_si128(_mm256_and_si256(g, _mm256_set1_epi32(0xFFFF))),
                                           _mm256_extracti128_si256(_mm256_and_si256(g, _mm256_set1_epi32(0xFFFF)), 1));
        const __m256 d = _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_set1_ps(_cvtsh_ss(ck_ld16(yb))));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
    }
    float out[8];
    _mm256_storeu_ps(out, acc);
    for (int r = 0; r < R; r++) Y[r] = out[r];
}

/// Several activation rows: the nibbles of 8 weight rows are unpacked once per chunk of blocks
/// (with their fp16 scales as floats) and reused for every activation row; each row's fmaf chain
/// runs in its lane as in q4_0_rows8_avx2, carried across chunks through Y (exact float stores).
enum { Q4_MM_KC = 48 };  // blocks per unpacked chunk: 48 x 8 x 32 bytes = 12 KiB

static void q4_0_mm_avx2(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc,
                         float *Y, size_t ys) {
    __m256i wq[Q4_MM_KC][8];
    __m256 dw[Q4_MM_KC];
    const __m256i ones16 = _mm256_set1_epi16(1), low4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
    const int nb = n / QK8_0;
    for (int r0 = 0; r0 < nr; r0 += 8) {
        const int R = nr - r0 < 8 ? nr - r0 : 8;
        const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(R), lanes);
        const uint8_t *row[8];
        for (int r = 0; r < 8; r++) row[r] = W + (size_t)(r0 + (r < R ? r : R - 1)) * rb;
        for (int b0 = 0; b0 < nb; b0 += Q4_MM_KC) {
            const int kc = nb - b0 < Q4_MM_KC ? nb - b0 : Q4_MM_KC;
            for (int b = 0; b < kc; b++) {
                float d[8];
                CK_UNROLL for (int r = 0; r < 8; r++) {
                    const uint8_t *wb = row[r] + (size_t)(b0 + b) * Q4_0_BYTES;
                    const __m128i q = _mm_loadu_si128((const __m128i *)(wb + 2));
                    wq[b][r] = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), low4);
                    d[r] = _cvtsh_ss(ck_ld16(wb));
                }
                dw[b] = _mm256_loadu_ps(d);
            }
            for (int c = 0; c < nc; c++) {
                const uint8_t *x = X + (size_t)c * xs + (size_t)b0 * Q8_0_BYTES;
                float *y = Y + (size_t)c * ys + r0;
                __m256 acc = b0 ? _mm256_maskload_ps(y, mask) : _mm256_setzero_ps();
                for (int b = 0; b < kc; b++) {
                    const uint8_t *yb = x + (size_t)b * Q8_0_BYTES;
                    const __m256i v = _mm256_loadu_si256((const __m256i *)(yb + 2));
                    const __m256i ybias = _mm256_madd_epi16(_mm256_maddubs_epi16(eight, v), ones16);  // 8 * sum(y)
                    __m256i p[8];
                    CK_UNROLL for (int r = 0; r < 8; r++)
                        p[r] = _mm256_sub_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(wq[b][r], v), ones16), ybias);
                    const __m256i s = reduce8_avx2(p);
                    const __m256 d = _mm256_mul_ps(dw[b], _mm256_set1_ps(_cvtsh_ss(ck_ld16(yb))));
                    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s), acc);
                }
                _mm256_maskstore_ps(y, mask, acc);
            }
        }
    }
}

void ck_k_q4_0_avx2(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    if (nc >= 2) {
        q4_0_mm_avx2(W, rb, nr, n, X, xs, nc, Y, ys);
        return;
    }
    for (int c = 0; c < nc; c++)
        for (int r = 0; r < nr; r += 8)
            q4_0_rows8_avx2(W + (size_t)r * rb, rb, nr - r < 8 ? nr - r : 8, n, X + (size_t)c * xs, Y + (size_t)c * ys + r);
}

#pragma clang attribute pop

// MARK: AVX-512 helpers

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

/// 32 quant bytes at offset 2 of block b0 and b1 (b1 == NULL: zeros).
static inline __m512i q8_pair(const uint8_t *b0, const uint8_t *b1) {
    __m512i lo = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(b0 + 2)));
    return b1 ? _mm512_inserti64x4(lo, _mm256_loadu_si256((const __m256i *)(b1 + 2)), 1) : lo;
}

/// Q4_0 nibbles of blocks b0, b1 as 64 bytes [lo(b0), hi(b0), lo(b1), hi(b1)] (values 0..15).
static inline __m512i q4_pair(const uint8_t *b0, const uint8_t *b1) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(b0 + 2)));
    v = _mm512_inserti32x4(v, b1 ? _mm_loadu_si128((const __m128i *)(b1 + 2)) : _mm_setzero_si128(), 1);
    v = _mm512_shuffle_i64x2(v, v, 0x50);
    const __m512i shift = _mm512_set_epi64(0x0004000400040004LL, 0x0004000400040004LL, 0, 0,
                                           0x0004000400040004LL, 0x0004000400040004LL, 0, 0);
    return _mm512_and_si512(_mm512_srlv_epi16(v, shift), _mm512_set1_epi8(0x0F));
}

/// v[r] = [8 partial sums of block A | 8 of block B] for row r.
/// Returns lane r of *A = sum of the A partials of row r, same for *B.
static inline void reduce16x2(const __m512i v[16], __m512i *A, __m512i *B) {
    __m512i t[8], u[4];
    CK_UNROLL for (int i = 0; i < 8; i++)
        t[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]),
                                _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]));
    CK_UNROLL for (int i = 0; i < 4; i++)
        u[i] = _mm512_add_epi32(_mm512_unpacklo_epi64(t[2 * i], t[2 * i + 1]),
                                _mm512_unpackhi_epi64(t[2 * i], t[2 * i + 1]));
    // u[i], per 128-bit lane: rows 4i..4i+3; lanes hold [A lo, A hi, B lo, B hi] halves.
    __m512i s01 = _mm512_add_epi32(_mm512_shuffle_i64x2(u[0], u[1], 0x88), _mm512_shuffle_i64x2(u[0], u[1], 0xDD));
    __m512i s23 = _mm512_add_epi32(_mm512_shuffle_i64x2(u[2], u[3], 0x88), _mm512_shuffle_i64x2(u[2], u[3], 0xDD));
    *A = _mm512_shuffle_i64x2(s01, s23, 0x88);
    *B = _mm512_shuffle_i64x2(s01, s23, 0xDD);
}

/// fp16 scales at p + off[r] for 16 rows, as floats (4-byte gathers; the low half is d).
static inline __m512 gather_d16(const uint8_t *p, __m512i off) {
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_i32gather_epi32(off, (const void *)p, 1)));
}

// MARK: AVX-512 matvec: 16 rows per pass

static inline __attribute__((always_inline)) void q4_0_rows16_avx512(
    const uint8_t *W, size_t rb, int R, int n, const uint8_t *x, float *Y) {
    const size_t bs = Q4_0_BYTES;
    const __m512i kb = _mm512_set1_epi8(8);
    const uint8_t *row[16];
    int off[16];
    for (int r = 0; r < 16; r++) {
        row[r] = W + (size_t)(r < R ? r : R - 1) * rb;  // tail rows repeat the last valid row
        off[r] = (int)(row[r] - W);
    }
    const __m512i goff = _mm512_loadu_si512(off);
    const int nb = n / QK8_0;
    __m512 acc = _mm512_setzero_ps();
    for (int ib = 0; ib < nb; ib += 2) {
        const int two = ib + 1 < nb;
        const uint8_t *yb = x + (size_t)ib * Q8_0_BYTES;
        const __m512i y = q8_pair(yb, two ? yb + Q8_0_BYTES : NULL);
        // -k * (sum of each 4-byte group of y): seeds the accumulators so that the unsigned
        // weight encoding (w + k) comes out as sum w * y.
        const __m512i bias = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), kb, y));
        __m512i v[16];
        CK_UNROLL for (int r = 0; r < 16; r++) {
            const uint8_t *wb = row[r] + (size_t)ib * bs;
            _mm_prefetch((const char *)(wb + 16 * rb), _MM_HINT_T0);
            _mm_prefetch((const char *)(wb + 16 * rb + 63), _MM_HINT_T0);
            const uint8_t *wb1 = two ? wb + bs : NULL;
            const __m512i w = q4_pair(wb, wb1);
            v[r] = _mm512_dpbusd_epi32(bias, w, y);
        }
        __m512i sa, sb;
        reduce16x2(v, &sa, &sb);
        const uint8_t *wbase = W + (size_t)ib * bs;
        const __m512 da = _mm512_mul_ps(gather_d16(wbase, goff), _mm512_set1_ps(_cvtsh_ss(ck_ld16(yb))));
        acc = _mm512_fmadd_ps(da, _mm512_cvtepi32_ps(sa), acc);
        if (two) {
            const __m512 db = _mm512_mul_ps(gather_d16(wbase + bs, goff),
                                            _mm512_set1_ps(_cvtsh_ss(ck_ld16(yb + Q8_0_BYTES))));
            acc = _mm512_fmadd_ps(db, _mm512_cvtepi32_ps(sb), acc);
        }
    }
    _mm512_mask_storeu_ps(Y, (__mmask16)((1u << R) - 1u), acc);
}

/// Activation rows from which the repacked matmul beats repeated matvec.
#ifndef CK_Q4_0_GEMM_MIN
#define CK_Q4_0_GEMM_MIN 4
#endif

void ck_k_q4_0_avx512(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    if (nc >= CK_Q4_0_GEMM_MIN) {
        ck_q4_0_gemm_avx512(W, rb, nr, n, X, xs, nc, Y, ys);
        return;
    }
    for (int c = 0; c < nc; c++)
        for (int r = 0; r < nr; r += 16)
            q4_0_rows16_avx512(W + (size_t)r * rb, rb, nr - r < 16 ? nr - r : 16, n, X + (size_t)c * xs,
                               Y + (size_t)c * ys + r);
}

#pragma clang attribute pop
#endif  // CK_X86
