// NEON (dotprod) kernels for quantized weights, same bits as their scalar twins:
// Q8_0 (dot_q8_0.c: 8 lanes of 4-byte groups, fmaf per block, ck_tree8), Q4_0 (dot_q4_0.c: exact
// block sums, one fmaf per block), Q4_K / Q5_K / Q6_K (dot_kquants_scalar.c: exact super-block
// sums, then fmaf). The integer sums come from SDOT (vdotq_s32), which is exact; the float steps
// are the scalar ones, lane for lane.
#include "ck_internal.h"
#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>

CK_NEON_BEGIN

#define AI static inline __attribute__((always_inline))

// MARK: Q8_0 (R weight rows x C activation rows)

/// ck_tree8 of the lanes [lo | hi].
AI float tree8(float32x4_t lo, float32x4_t hi) {
    const float32x4_t t = vaddq_f32(lo, hi);
    const float32x2_t v = vadd_f32(vget_low_f32(t), vget_high_f32(t));
    return vget_lane_f32(v, 0) + vget_lane_f32(v, 1);
}

AI void q8_0_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                  const uint8_t *X, size_t xs, float *Y, size_t ys) {
    float32x4_t lo[4][4], hi[4][4];
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) lo[r][c] = hi[r][c] = vdupq_n_f32(0.0f);
    for (int b = 0; b < n / QK8_0; b++) {
        const size_t o = (size_t)b * Q8_0_BYTES;
        int8x16_t x0[4], x1[4];
        float dx[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            const uint8_t *xb = X + c * xs + o;
            x0[c] = vld1q_s8((const int8_t *)(xb + 2));
            x1[c] = vld1q_s8((const int8_t *)(xb + 18));
            dx[c] = ck_h2f_hw(xb);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + o;
            const int8x16_t w0 = vld1q_s8((const int8_t *)(wb + 2)), w1 = vld1q_s8((const int8_t *)(wb + 18));
            const float dw = ck_h2f_hw(wb);
            CK_UNROLL for (int c = 0; c < C; c++) {
                const float32x4_t d = vdupq_n_f32(dw * dx[c]);
                const int32x4_t s0 = vdotq_s32(vdupq_n_s32(0), w0, x0[c]);
                const int32x4_t s1 = vdotq_s32(vdupq_n_s32(0), w1, x1[c]);
                lo[r][c] = vfmaq_f32(lo[r][c], vcvtq_f32_s32(s0), d);
                hi[r][c] = vfmaq_f32(hi[r][c], vcvtq_f32_s32(s1), d);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = tree8(lo[r][c], hi[r][c]);
}
CK_DEFINE_KERNEL(ck_k_q8_0_neon, q8_0_tile, 4, 2)

// MARK: Q4_0: four rows at a time in the lanes of a vector

/// Lane r = sum of the lanes of p[r].
AI int32x4_t sum4x4(int32x4_t p0, int32x4_t p1, int32x4_t p2, int32x4_t p3) {
    return vpaddq_s32(vpaddq_s32(p0, p1), vpaddq_s32(p2, p3));
}

AI void q4_0_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                  const uint8_t *X, size_t xs, float *Y, size_t ys) {
    // R == 4 or 1; rows beyond R repeat row 0 and are not stored.
    float32x4_t acc[4];
    CK_UNROLL for (int c = 0; c < C; c++) acc[c] = vdupq_n_f32(0.0f);
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int8x16_t eight = vdupq_n_s8(8);
    for (int b = 0; b < n / QK4_0; b++) {
        int8x16_t lo[4], hi[4];
        float dw[4];
        CK_UNROLL for (int r = 0; r < 4; r++) {
            const uint8_t *wb = W + (size_t)(r < R ? r : 0) * rb + (size_t)b * Q4_0_BYTES;
            const uint8x16_t q = vld1q_u8(wb + 2);
            lo[r] = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, m4)), eight);
            hi[r] = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight);
            dw[r] = ck_h2f_hw(wb);
        }
        const float32x4_t d4 = {dw[0], dw[1], dw[2], dw[3]};
        CK_UNROLL for (int c = 0; c < C; c++) {
            const uint8_t *xb = X + c * xs + (size_t)b * Q8_0_BYTES;
            const int8x16_t y0 = vld1q_s8((const int8_t *)(xb + 2)), y1 = vld1q_s8((const int8_t *)(xb + 18));
            int32x4_t p[4];
            CK_UNROLL for (int r = 0; r < 4; r++) p[r] = vdotq_s32(vdotq_s32(vdupq_n_s32(0), lo[r], y0), hi[r], y1);
            const int32x4_t s = sum4x4(p[0], p[1], p[2], p[3]);
            acc[c] = vfmaq_f32(acc[c], vcvtq_f32_s32(s), vmulq_n_f32(d4, ck_h2f_hw(xb)));
        }
    }
    CK_UNROLL for (int c = 0; c < C; c++) {
        float out[4];
        vst1q_f32(out, acc[c]);
        CK_UNROLL for (int r = 0; r < R; r++) Y[c * ys + r] = out[r];
    }
}
CK_DEFINE_KERNEL(ck_k_q4_0_neon, q4_0_tile, 4, 4)

// MARK: K-quants against Q8_K

/// imin = sum_j m[j] * (bsum_2j + bsum_2j+1) for the 8 mins m (exact).
AI int kmins(const uint8_t *m8, const uint8_t *yb) {
    const int16x8_t b0 = vld1q_s16((const int16_t *)(yb + Q8K_BSUMS));
    const int16x8_t b1 = vld1q_s16((const int16_t *)(yb + Q8K_BSUMS + 16));
    const int16x8_t pair = vpaddq_s16(b0, b1);  // |each| <= 2 * 16 * 128
    const int16x8_t m = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(m8)));
    return vaddvq_s32(vmlal_s16(vmull_s16(vget_low_s16(pair), vget_low_s16(m)), vget_high_s16(pair), vget_high_s16(m)));
}

/// Q4_K (has_qh = 0) and Q5_K (1): R rows x C activation rows, per super-block exact isum and
/// imin, then the two fmaf steps of dot_kquants_scalar.c.
AI void q45k_tile(const int has_qh, const int R, const int C, const uint8_t *W, size_t rb, int n,
                  const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t wbytes = has_qh ? Q5_K_BYTES : Q4_K_BYTES, qs_off = has_qh ? Q5K_QS : Q4K_QS;
    const uint8x16_t m4 = vdupq_n_u8(0x0F), one = vdupq_n_u8(1), two = vdupq_n_u8(2);
    float acc[2][4] = {{0}};
    for (int sb = 0; sb < n / QK_K; sb++) {
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * wbytes;
            uint8_t s8[16];
            ck_kscales16(wb + QK_SCALES, s8);
            const float dx = ck_h2f_hw(wb), dmx = ck_h2f_hw(wb + 2);
            uint8x16_t qh0 = vdupq_n_u8(0), qh1 = vdupq_n_u8(0);
            if (has_qh) { qh0 = vld1q_u8(wb + Q5K_QH); qh1 = vld1q_u8(wb + Q5K_QH + 16); }
            int32x4_t isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = vdupq_n_s32(0);
            CK_UNROLL for (int k = 0; k < 4; k++) {
                const uint8x16_t q0 = vld1q_u8(wb + qs_off + 32 * k), q1 = vld1q_u8(wb + qs_off + 32 * k + 16);
                uint8x16_t l0 = vandq_u8(q0, m4), l1 = vandq_u8(q1, m4);
                uint8x16_t h0 = vshrq_n_u8(q0, 4), h1 = vshrq_n_u8(q1, 4);
                if (has_qh) {  // bit 2k of qh -> bit 4 of the low nibbles, bit 2k+1 -> of the high
                    l0 = vorrq_u8(l0, vshlq_n_u8(vandq_u8(qh0, one), 4));
                    l1 = vorrq_u8(l1, vshlq_n_u8(vandq_u8(qh1, one), 4));
                    h0 = vorrq_u8(h0, vshlq_n_u8(vandq_u8(qh0, two), 3));
                    h1 = vorrq_u8(h1, vshlq_n_u8(vandq_u8(qh1, two), 3));
                    qh0 = vshrq_n_u8(qh0, 2);
                    qh1 = vshrq_n_u8(qh1, 2);
                }
                const int8x16_t sl0 = vreinterpretq_s8_u8(l0), sl1 = vreinterpretq_s8_u8(l1);
                const int8x16_t sh0 = vreinterpretq_s8_u8(h0), sh1 = vreinterpretq_s8_u8(h1);
                CK_UNROLL for (int c = 0; c < C; c++) {
                    const int8_t *y = (const int8_t *)(X + c * xs + (size_t)sb * Q8_K_BYTES + Q8K_QS) + 64 * k;
                    const int32x4_t pl = vdotq_s32(vdotq_s32(vdupq_n_s32(0), sl0, vld1q_s8(y)), sl1, vld1q_s8(y + 16));
                    const int32x4_t ph = vdotq_s32(vdotq_s32(vdupq_n_s32(0), sh0, vld1q_s8(y + 32)), sh1, vld1q_s8(y + 48));
                    isum[c] = vmlaq_n_s32(vmlaq_n_s32(isum[c], pl, s8[2 * k]), ph, s8[2 * k + 1]);
                }
            }
            CK_UNROLL for (int c = 0; c < C; c++) {
                const uint8_t *yb = X + c * xs + (size_t)sb * Q8_K_BYTES;
                const float dy = ck_ldf(yb);
                const int is = vaddvq_s32(isum[c]), im = kmins(s8 + 8, yb);
                acc[r][c] = fmaf(dx * dy, (float)is, acc[r][c]);
                acc[r][c] = fmaf(-(dmx * dy), (float)im, acc[r][c]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = acc[r][c];
}

#define Q4K_TILE(R, C, ...) q45k_tile(0, R, C, __VA_ARGS__)
#define Q5K_TILE(R, C, ...) q45k_tile(1, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_q4_K_neon, Q4K_TILE, 2, 4)
CK_DEFINE_KERNEL(ck_k_q5_K_neon, Q5K_TILE, 2, 4)

/// Q6_K: q - 32 as int8, one SDOT per 16-element group, times the group's int8 scale.
AI void q6k_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                 const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(3);
    const int8x16_t k32 = vdupq_n_s8(32);
    float acc[2][4] = {{0}};
    for (int sb = 0; sb < n / QK_K; sb++) {
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * Q6_K_BYTES;
            const int8_t *sc = (const int8_t *)(wb + Q6K_SC);
            const float dx = ck_h2f_hw(wb + Q6K_D);
            int32x4_t isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = vdupq_n_s32(0);
            CK_UNROLL for (int h = 0; h < 2; h++) {
                const uint8_t *ql = wb + Q6K_QL + 64 * h, *qhp = wb + Q6K_QH + 32 * h;
                const uint8x16_t L[4] = {vld1q_u8(ql), vld1q_u8(ql + 16), vld1q_u8(ql + 32), vld1q_u8(ql + 48)};
                uint8x16_t H0 = vld1q_u8(qhp), H1 = vld1q_u8(qhp + 16);
                CK_UNROLL for (int t = 0; t < 4; t++) {
                    // elements 32t + l (l < 32) of this half: ql[l] (t even) or ql[l + 32] (t odd),
                    // low (t < 2) or high nibble; bits 2t, 2t+1 of qh[l] on top.
                    const uint8x16_t a0 = L[(t & 1) * 2], a1 = L[(t & 1) * 2 + 1];
                    const uint8x16_t lo0 = (t & 2) ? vshrq_n_u8(a0, 4) : vandq_u8(a0, m4);
                    const uint8x16_t lo1 = (t & 2) ? vshrq_n_u8(a1, 4) : vandq_u8(a1, m4);
                    const int8x16_t q0 = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo0, vshlq_n_u8(vandq_u8(H0, m3), 4))), k32);
                    const int8x16_t q1 = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo1, vshlq_n_u8(vandq_u8(H1, m3), 4))), k32);
                    H0 = vshrq_n_u8(H0, 2);
                    H1 = vshrq_n_u8(H1, 2);
                    const int g = 8 * h + 2 * t;
                    CK_UNROLL for (int c = 0; c < C; c++) {
                        const int8_t *y = (const int8_t *)(X + c * xs + (size_t)sb * Q8_K_BYTES + Q8K_QS) + 128 * h + 32 * t;
                        isum[c] = vmlaq_n_s32(isum[c], vdotq_s32(vdupq_n_s32(0), q0, vld1q_s8(y)), sc[g]);
                        isum[c] = vmlaq_n_s32(isum[c], vdotq_s32(vdupq_n_s32(0), q1, vld1q_s8(y + 16)), sc[g + 1]);
                    }
                }
            }
            CK_UNROLL for (int c = 0; c < C; c++) {
                const float dy = ck_ldf(X + c * xs + (size_t)sb * Q8_K_BYTES);
                acc[r][c] = fmaf(dx * dy, (float)vaddvq_s32(isum[c]), acc[r][c]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = acc[r][c];
}
CK_DEFINE_KERNEL(ck_k_q6_K_neon, q6k_tile, 2, 4)

CK_NEON_END

// MARK: Dispatch (matmul.c)

ck_kernel_fn ck_pick_neon(int type, int order) {
    if (ck_active_features() & CK_CPU_I8MM) {
        ck_kernel_fn k = ck_pick_neon_i8mm(type);
        if (k) return k;
    }
    switch (type) {
    case CK_TYPE_Q8_0: return ck_k_q8_0_neon;
    case CK_TYPE_Q4_0: return ck_k_q4_0_neon;
    case CK_TYPE_Q4_K: return ck_k_q4_K_neon;
    case CK_TYPE_Q5_K: return ck_k_q5_K_neon;
    case CK_TYPE_Q6_K: return ck_k_q6_K_neon;
    default: return ck_pick_neon_float(type, order);
    }
}

#endif  // __aarch64__
