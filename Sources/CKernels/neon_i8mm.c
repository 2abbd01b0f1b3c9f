// NEON i8mm (SMMLA) matmul kernels for K-quant weights against several Q8_K activation rows.
//
// One vmmlaq_s32 multiplies a 2 x 8 block of int8 weights (two rows) by a 2 x 8 block of int8
// activations (two columns): four exact int32 dot products at once, twice the work of an SDOT.
// Per super-block the integer sums equal those of dot_kquants_scalar.c exactly, and the float
// steps (fmaf) are the scalar ones, so outputs are bit-identical to the scalar and dotprod
// kernels. Pairs of rows x pairs of columns go through SMMLA; an odd last row or column through
// the dotprod kernels of neon_quant.c.
#include "ck_internal.h"
#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>

CK_DECLARE_KERNEL(ck_k_q4_K_neon);
CK_DECLARE_KERNEL(ck_k_q5_K_neon);
CK_DECLARE_KERNEL(ck_k_q6_K_neon);

CK_I8MM_BEGIN

#define AI static inline __attribute__((always_inline))

AI int8x16_t zip1(int8x16_t a, int8x16_t b) {
    return vreinterpretq_s8_s64(vzip1q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}
AI int8x16_t zip2(int8x16_t a, int8x16_t b) {
    return vreinterpretq_s8_s64(vzip2q_s64(vreinterpretq_s64_s8(a), vreinterpretq_s64_s8(b)));
}
/// Lanes [r0.c0, r0.c1, r1.c0, r1.c1] of 16 elements: a = row 0, b = row 1, x = column 0, y = column 1.
AI int32x4_t mm16(int32x4_t acc, int8x16_t a, int8x16_t b, int8x16_t x, int8x16_t y) {
    return vmmlaq_s32(vmmlaq_s32(acc, zip1(a, b), zip1(x, y)), zip2(a, b), zip2(x, y));
}

/// imin = sum_j m[j] * (bsum_2j + bsum_2j+1) (as neon_quant.c's kmins).
AI int kmins8(const uint8_t *m8, const uint8_t *yb) {
    const int16x8_t b0 = vld1q_s16((const int16_t *)(yb + Q8K_BSUMS));
    const int16x8_t b1 = vld1q_s16((const int16_t *)(yb + Q8K_BSUMS + 16));
    const int16x8_t pair = vpaddq_s16(b0, b1);
    const int16x8_t m = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(m8)));
    return vaddvq_s32(vmlal_s16(vmull_s16(vget_low_s16(pair), vget_low_s16(m)), vget_high_s16(pair), vget_high_s16(m)));
}

/// Weights of one row for one 64-element chunk k: lo[0..1] (sub-block 2k), hi[0..1] (2k + 1).
AI void q45k_unpack(const int has_qh, const uint8_t *q, uint8x16_t *qh0, uint8x16_t *qh1, int8x16_t lo[2], int8x16_t hi[2]) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F), one = vdupq_n_u8(1), two = vdupq_n_u8(2);
    const uint8x16_t q0 = vld1q_u8(q), q1 = vld1q_u8(q + 16);
    uint8x16_t l0 = vandq_u8(q0, m4), l1 = vandq_u8(q1, m4), h0 = vshrq_n_u8(q0, 4), h1 = vshrq_n_u8(q1, 4);
    if (has_qh) {
        l0 = vorrq_u8(l0, vshlq_n_u8(vandq_u8(*qh0, one), 4));
        l1 = vorrq_u8(l1, vshlq_n_u8(vandq_u8(*qh1, one), 4));
        h0 = vorrq_u8(h0, vshlq_n_u8(vandq_u8(*qh0, two), 3));
        h1 = vorrq_u8(h1, vshlq_n_u8(vandq_u8(*qh1, two), 3));
        *qh0 = vshrq_n_u8(*qh0, 2);
        *qh1 = vshrq_n_u8(*qh1, 2);
    }
    lo[0] = vreinterpretq_s8_u8(l0); lo[1] = vreinterpretq_s8_u8(l1);
    hi[0] = vreinterpretq_s8_u8(h0); hi[1] = vreinterpretq_s8_u8(h1);
}

/// Rows W, W + rb x columns X + c * xs for c < 2 * CP (CP column pairs).
AI void q45k_mm(const int has_qh, const int CP, const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs,
                float *Y, size_t ys) {
    const size_t wbytes = has_qh ? Q5_K_BYTES : Q4_K_BYTES, qs_off = has_qh ? Q5K_QS : Q4K_QS;
    float acc[2][4] = {{0}};
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *w0 = W + (size_t)sb * wbytes, *w1 = w0 + rb;
        uint8_t s0[16], s1[16];
        ck_kscales16(w0 + QK_SCALES, s0);
        ck_kscales16(w1 + QK_SCALES, s1);
        uint8x16_t qa0 = vdupq_n_u8(0), qa1 = qa0, qb0 = qa0, qb1 = qa0;
        if (has_qh) {
            qa0 = vld1q_u8(w0 + Q5K_QH); qa1 = vld1q_u8(w0 + Q5K_QH + 16);
            qb0 = vld1q_u8(w1 + Q5K_QH); qb1 = vld1q_u8(w1 + Q5K_QH + 16);
        }
        int32x4_t isum[2] = {vdupq_n_s32(0), vdupq_n_s32(0)};
        CK_UNROLL for (int k = 0; k < 4; k++) {
            int8x16_t alo[2], ahi[2], blo[2], bhi[2];
            q45k_unpack(has_qh, w0 + qs_off + 32 * k, &qa0, &qa1, alo, ahi);
            q45k_unpack(has_qh, w1 + qs_off + 32 * k, &qb0, &qb1, blo, bhi);
            const int32x4_t sl = {s0[2 * k], s0[2 * k], s1[2 * k], s1[2 * k]};
            const int32x4_t sh = {s0[2 * k + 1], s0[2 * k + 1], s1[2 * k + 1], s1[2 * k + 1]};
            CK_UNROLL for (int p = 0; p < CP; p++) {
                const int8_t *x = (const int8_t *)(X + (size_t)(2 * p) * xs + (size_t)sb * Q8_K_BYTES + Q8K_QS) + 64 * k;
                const int8_t *y = x + xs;
                int32x4_t tl = mm16(vdupq_n_s32(0), alo[0], blo[0], vld1q_s8(x), vld1q_s8(y));
                tl = mm16(tl, alo[1], blo[1], vld1q_s8(x + 16), vld1q_s8(y + 16));
                int32x4_t th = mm16(vdupq_n_s32(0), ahi[0], bhi[0], vld1q_s8(x + 32), vld1q_s8(y + 32));
                th = mm16(th, ahi[1], bhi[1], vld1q_s8(x + 48), vld1q_s8(y + 48));
                isum[p] = vmlaq_s32(vmlaq_s32(isum[p], tl, sl), th, sh);
            }
        }
        const float dx[2] = {ck_h2f_hw(w0), ck_h2f_hw(w1)};
        const float dm[2] = {ck_h2f_hw(w0 + 2), ck_h2f_hw(w1 + 2)};
        CK_UNROLL for (int p = 0; p < CP; p++) {
            int32_t is[4];
            vst1q_s32(is, isum[p]);
            CK_UNROLL for (int r = 0; r < 2; r++)
                CK_UNROLL for (int cc = 0; cc < 2; cc++) {
                    const int c = 2 * p + cc;
                    const uint8_t *yb = X + (size_t)c * xs + (size_t)sb * Q8_K_BYTES;
                    const float dy = ck_ldf(yb);
                    const int im = kmins8((r ? s1 : s0) + 8, yb);
                    acc[r][c] = fmaf(dx[r] * dy, (float)is[2 * r + cc], acc[r][c]);
                    acc[r][c] = fmaf(-(dm[r] * dy), (float)im, acc[r][c]);
                }
        }
    }
    CK_UNROLL for (int r = 0; r < 2; r++)
        CK_UNROLL for (int c = 0; c < 2 * CP; c++) Y[c * ys + r] = acc[r][c];
}

/// Q6_K: 16 groups of 16 elements (q - 32, int8) per super-block, each with its int8 scale.
AI void q6k_mm(const int CP, const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(3);
    const int8x16_t k32 = vdupq_n_s8(32);
    float acc[2][4] = {{0}};
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *w[2] = {W + (size_t)sb * Q6_K_BYTES, W + rb + (size_t)sb * Q6_K_BYTES};
        int32x4_t isum[2] = {vdupq_n_s32(0), vdupq_n_s32(0)};
        CK_UNROLL for (int h = 0; h < 2; h++) {
            uint8x16_t L[2][4], H[2][2];
            CK_UNROLL for (int r = 0; r < 2; r++) {
                const uint8_t *ql = w[r] + Q6K_QL + 64 * h, *qh = w[r] + Q6K_QH + 32 * h;
                CK_UNROLL for (int i = 0; i < 4; i++) L[r][i] = vld1q_u8(ql + 16 * i);
                H[r][0] = vld1q_u8(qh);
                H[r][1] = vld1q_u8(qh + 16);
            }
            CK_UNROLL for (int t = 0; t < 4; t++) {
                int8x16_t q[2][2];  // [row][16-element group]
                CK_UNROLL for (int r = 0; r < 2; r++)
                    CK_UNROLL for (int g = 0; g < 2; g++) {
                        const uint8x16_t a = L[r][(t & 1) * 2 + g];
                        const uint8x16_t lo = (t & 2) ? vshrq_n_u8(a, 4) : vandq_u8(a, m4);
                        q[r][g] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, vshlq_n_u8(vandq_u8(H[r][g], m3), 4))), k32);
                        H[r][g] = vshrq_n_u8(H[r][g], 2);
                    }
                const int g0 = 8 * h + 2 * t;
                const int8_t *sc0 = (const int8_t *)(w[0] + Q6K_SC), *sc1 = (const int8_t *)(w[1] + Q6K_SC);
                const int32x4_t sa = {sc0[g0], sc0[g0], sc1[g0], sc1[g0]};
                const int32x4_t sbv = {sc0[g0 + 1], sc0[g0 + 1], sc1[g0 + 1], sc1[g0 + 1]};
                CK_UNROLL for (int p = 0; p < CP; p++) {
                    const int8_t *x = (const int8_t *)(X + (size_t)(2 * p) * xs + (size_t)sb * Q8_K_BYTES + Q8K_QS) + 128 * h + 32 * t;
                    const int8_t *y = x + xs;
                    const int32x4_t ta = mm16(vdupq_n_s32(0), q[0][0], q[1][0], vld1q_s8(x), vld1q_s8(y));
                    const int32x4_t tb = mm16(vdupq_n_s32(0), q[0][1], q[1][1], vld1q_s8(x + 16), vld1q_s8(y + 16));
                    isum[p] = vmlaq_s32(vmlaq_s32(isum[p], ta, sa), tb, sbv);
                }
            }
        }
        const float dx[2] = {ck_h2f_hw(w[0] + Q6K_D), ck_h2f_hw(w[1] + Q6K_D)};
        CK_UNROLL for (int p = 0; p < CP; p++) {
            int32_t is[4];
            vst1q_s32(is, isum[p]);
            CK_UNROLL for (int r = 0; r < 2; r++)
                CK_UNROLL for (int cc = 0; cc < 2; cc++) {
                    const int c = 2 * p + cc;
                    const float dy = ck_ldf(X + (size_t)c * xs + (size_t)sb * Q8_K_BYTES);
                    acc[r][c] = fmaf(dx[r] * dy, (float)is[2 * r + cc], acc[r][c]);
                }
        }
    }
    CK_UNROLL for (int r = 0; r < 2; r++)
        CK_UNROLL for (int c = 0; c < 2 * CP; c++) Y[c * ys + r] = acc[r][c];
}

typedef void (*mm_tile_fn)(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys);

static void q4k_mm1(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) { q45k_mm(0, 1, W, rb, n, X, xs, Y, ys); }
static void q4k_mm2(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) { q45k_mm(0, 2, W, rb, n, X, xs, Y, ys); }
static void q5k_mm1(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) { q45k_mm(1, 1, W, rb, n, X, xs, Y, ys); }
static void q5k_mm2(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) { q45k_mm(1, 2, W, rb, n, X, xs, Y, ys); }
static void q6k_mm1(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) { q6k_mm(1, W, rb, n, X, xs, Y, ys); }
static void q6k_mm2(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys) { q6k_mm(2, W, rb, n, X, xs, Y, ys); }

CK_NEON_END

/// Pairs of rows x 4 (or 2) columns through SMMLA; the odd row / column through the dotprod kernel.
static void run_mm(mm_tile_fn two, mm_tile_fn four, ck_kernel_fn rest, const uint8_t *W, size_t rb, int nr, int n,
                   const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    const int nr2 = nr & ~1, nc2 = nc & ~1;
    // A row pair stays in L1 while the activation rows stream past it.
    for (int r = 0; r < nr2; r += 2)
        for (int c = 0; c < nc2;) {
            const int cc = nc2 - c >= 4 ? 4 : 2;
            (cc == 4 ? four : two)(W + (size_t)r * rb, rb, n, X + (size_t)c * xs, xs, Y + (size_t)c * ys + r, ys);
            c += cc;
        }
    if (nr2 < nr) rest(W + (size_t)nr2 * rb, rb, 1, n, X, xs, nc, Y + nr2, ys);
    if (nc2 < nc && nr2) rest(W, rb, nr2, n, X + (size_t)nc2 * xs, xs, 1, Y + (size_t)nc2 * ys, ys);
}

static void k_q4_K_i8mm(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    if (nc < 2) ck_k_q4_K_neon(W, rb, nr, n, X, xs, nc, Y, ys);
    else run_mm(q4k_mm1, q4k_mm2, ck_k_q4_K_neon, W, rb, nr, n, X, xs, nc, Y, ys);
}
static void k_q5_K_i8mm(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    if (nc < 2) ck_k_q5_K_neon(W, rb, nr, n, X, xs, nc, Y, ys);
    else run_mm(q5k_mm1, q5k_mm2, ck_k_q5_K_neon, W, rb, nr, n, X, xs, nc, Y, ys);
}
static void k_q6_K_i8mm(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    if (nc < 2) ck_k_q6_K_neon(W, rb, nr, n, X, xs, nc, Y, ys);
    else run_mm(q6k_mm1, q6k_mm2, ck_k_q6_K_neon, W, rb, nr, n, X, xs, nc, Y, ys);
}

ck_kernel_fn ck_pick_neon_i8mm(int type) {
    switch (type) {
    case CK_TYPE_Q4_K: return k_q4_K_i8mm;
    case CK_TYPE_Q5_K: return k_q5_K_i8mm;
    case CK_TYPE_Q6_K: return k_q6_K_i8mm;
    default: return 0;
    }
}

#endif  // __aarch64__
