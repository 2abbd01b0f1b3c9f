// NEON twins of the row conversions (convert.c), activation quantization (quantize.c), the
// vector expf of softmax / SiLU (vexp.h, ops.c) and attention's P.V (attention.c): same bits.
#include "ck_internal.h"
#if defined(__aarch64__)
#include "vexp.h"
#include <arm_neon.h>
#include <math.h>

CK_NEON_BEGIN

#define AI static inline __attribute__((always_inline))

// MARK: fp16 / bf16 rows. FCVTL / FCVTN round to nearest even and quiet NaNs keeping the top
// payload bits, as ck_h2f / ck_f2h (and F16C) do.

void ck_h2f_neon(const uint16_t *x, float *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(x + i));
        vst1q_f32(y + i, vcvt_f32_f16(vget_low_f16(h)));
        vst1q_f32(y + i + 4, vcvt_high_f32_f16(h));
    }
    for (; i < n; i++) y[i] = ck_h2f(x[i]);
}

void ck_f2h_neon(const float *x, uint16_t *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const float16x8_t h = vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(x + i)), vld1q_f32(x + i + 4));
        vst1q_u16(y + i, vreinterpretq_u16_f16(h));
    }
    for (; i < n; i++) y[i] = ck_f2h(x[i]);
}

void ck_b2f_neon(const uint16_t *x, float *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint16x8_t h = vld1q_u16(x + i);
        vst1q_f32(y + i, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h), 16)));
        vst1q_f32(y + i + 4, vreinterpretq_f32_u32(vshll_high_n_u16(h, 16)));
    }
    for (; i < n; i++) y[i] = ck_b2f(x[i]);
}

/// ck_f2b on 4 lanes: RNE, NaN -> (bits >> 16) | 64.
AI uint16x4_t f2b4(uint32x4_t u) {
    const uint32x4_t isnan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7FFFFFFFu)), vdupq_n_u32(0x7F800000u));
    const uint32x4_t hi = vshrq_n_u32(u, 16);
    const uint32x4_t r = vshrq_n_u32(vaddq_u32(vaddq_u32(u, vdupq_n_u32(0x7FFFu)), vandq_u32(hi, vdupq_n_u32(1))), 16);
    return vmovn_u32(vbslq_u32(isnan, vorrq_u32(hi, vdupq_n_u32(64)), r));
}

void ck_f2b_neon(const float *x, uint16_t *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const uint32x4_t a = vld1q_u32((const uint32_t *)(x + i)), b = vld1q_u32((const uint32_t *)(x + i + 4));
        vst1q_u16(y + i, vcombine_u16(f2b4(a), f2b4(b)));
    }
    for (; i < n; i++) y[i] = ck_f2b(x[i]);
}

// MARK: Activation quantization

/// Q8_0: d = amax / 127 (fp16), q = round-half-even(x * (127 / amax)) (FCVTNS).
void ck_q8_0_neon(const float *x, uint8_t *y, int n) {
    for (int b = 0; b < n / QK8_0; b++, x += QK8_0, y += Q8_0_BYTES) {
        float32x4_t v[8];
        float32x4_t m = vdupq_n_f32(0.0f);
        for (int k = 0; k < 8; k++) {
            v[k] = vld1q_f32(x + 4 * k);
            m = vmaxq_f32(m, vabsq_f32(v[k]));
        }
        const float amax = vmaxvq_f32(m);
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const uint16_t dh = ck_f2h(d);
        memcpy(y, &dh, 2);
        int16x8_t h[4];
        for (int k = 0; k < 4; k++)
            h[k] = vcombine_s16(vqmovn_s32(vcvtnq_s32_f32(vmulq_n_f32(v[2 * k], id))),
                                vqmovn_s32(vcvtnq_s32_f32(vmulq_n_f32(v[2 * k + 1], id))));
        vst1q_s8((int8_t *)(y + 2), vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1])));
        vst1q_s8((int8_t *)(y + 18), vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3])));
    }
}

/// Q8_K: the signed value of largest magnitude (first one), iscale = -127 / max,
/// q = min(127, round-half-even(iscale * x)), bsums, d = 1 / iscale; zero blocks are all zero.
void ck_q8_K_neon(const float *x, uint8_t *y, int n) {
    for (int b = 0; b < n / QK_K; b++, x += QK_K, y += Q8_K_BYTES) {
        float32x4_t m = vdupq_n_f32(0.0f);
        for (int k = 0; k < QK_K; k += 4) m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + k)));
        const float amax = vmaxvq_f32(m);
        if (amax == 0.0f) { memset(y, 0, Q8_K_BYTES); continue; }
        int first = 0;
        while (fabsf(x[first]) != amax) first++;
        const float iscale = -127.0f / x[first];
        const int32x4_t lim = vdupq_n_s32(127);
        int8_t *qs = (int8_t *)(y + Q8K_QS);
        for (int g = 0; g < QK_K / 16; g++) {
            int32x4_t q[4];
            for (int k = 0; k < 4; k++)
                q[k] = vminq_s32(vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + 16 * g + 4 * k), iscale)), lim);
            const int16_t s16 = (int16_t)vaddvq_s32(vaddq_s32(vaddq_s32(q[0], q[1]), vaddq_s32(q[2], q[3])));
            memcpy(y + Q8K_BSUMS + 2 * g, &s16, 2);
            const int16x8_t h0 = vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1]));
            const int16x8_t h1 = vcombine_s16(vqmovn_s32(q[2]), vqmovn_s32(q[3]));
            vst1q_s8(qs + 16 * g, vcombine_s8(vqmovn_s16(h0), vqmovn_s16(h1)));
        }
        const float d = 1.0f / iscale;
        memcpy(y, &d, 4);
    }
}

// MARK: expf (vexp.h: ck_expf_poly, with p * 2^n in two steps as ck_exp8)

AI float32x4_t exp4(float32x4_t x) {
    const float32x4_t shift = vdupq_n_f32(CK_EXP_SHIFT);
    const float32x4_t n = vsubq_f32(vfmaq_f32(shift, x, vdupq_n_f32(CK_EXP_LOG2E)), shift);
    const float32x4_t b = vfmsq_f32(vfmsq_f32(x, n, vdupq_n_f32(CK_EXP_LN2_HI)), n, vdupq_n_f32(CK_EXP_LN2_LO));
    const float32x4_t u = vmulq_f32(b, b);
    const float32x4_t p = vfmaq_f32(
        vfmaq_f32(vdupq_n_f32(1.0f), vdupq_n_f32(CK_EXP_C0), b), u,
        vfmaq_f32(vfmaq_f32(vdupq_n_f32(CK_EXP_C1), vdupq_n_f32(CK_EXP_C2), b), u,
                  vfmaq_f32(vdupq_n_f32(CK_EXP_C3), vdupq_n_f32(CK_EXP_C4), b)));
    const float32x4_t nc = vmaxq_f32(vminq_f32(n, vdupq_n_f32(192.0f)), vdupq_n_f32(-192.0f));
    const int32x4_t ni = vcvtnq_s32_f32(nc);
    const int32x4_t n1 = vshrq_n_s32(ni, 1), n2 = vsubq_s32(ni, n1);
    const float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, vdupq_n_s32(127)), 23));
    const float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, vdupq_n_s32(127)), 23));
    const float32x4_t res = vmulq_f32(vmulq_f32(p, s1), s2);
    const uint32x4_t big = vcagtq_f32(n, vdupq_n_f32(192.0f));  // |n| > 192 (false for NaN)
    const float32x4_t alt = vbslq_f32(vclezq_f32(n), vdupq_n_f32(0.0f), vdupq_n_f32(INFINITY));
    return vbslq_f32(big, alt, res);
}

void ck_exp16_neon(const float *x, float sub, float *y) {
    const float32x4_t s = vdupq_n_f32(sub);
    for (int k = 0; k < 16; k += 4) vst1q_f32(y + k, exp4(vsubq_f32(vld1q_f32(x + k), s)));
}

void ck_silu16_neon(const float *g, const float *u, float *y) {
    for (int k = 0; k < 16; k += 4) {
        const float32x4_t x = vld1q_f32(g + k);
        float32x4_t s = vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), exp4(vsubq_f32(vdupq_n_f32(0.0f), x))));
        if (u) s = vmulq_f32(s, vld1q_f32(u + k));
        vst1q_f32(y + k, s);
    }
}

// MARK: Attention: out[d] = sum_p prob_p V_p[d] (attention.c's values_scalar), 4 dimensions at a time

/// acc[l] (4 dimensions) += V_p * prob_p for the positions p = first + k * step + l, l < 16.
AI void lanes16(const float *prob, const uint16_t *v, size_t stride, int n, int first, int step, float32x4_t acc[16]) {
    CK_UNROLL for (int l = 0; l < 16; l++) acc[l] = vdupq_n_f32(0.0f);
    int p0 = first;
    for (; p0 + 16 <= n; p0 += step) {
        CK_UNROLL for (int l = 0; l < 16; l++) {
            const float32x4_t x = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(v + (size_t)(p0 + l) * stride)));
            acc[l] = vfmaq_n_f32(acc[l], x, prob[p0 + l]);
        }
    }
    if (p0 < n)
        for (int l = 0; p0 + l < n && l < 16; l++) {
            const float32x4_t x = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(v + (size_t)(p0 + l) * stride)));
            acc[l] = vfmaq_n_f32(acc[l], x, prob[p0 + l]);
        }
}

void ck_attn_values_neon(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                         float *out) {
    int d0 = 0;
    for (; d0 + 4 <= hd; d0 += 4) {
        float32x4_t acc[16];
        if (!rowwise) {
            lanes16(prob, v + d0, stride, n, 0, 16, acc);
        } else {
            float32x4_t part[4][16];  // the 4 vec_dot accumulators' lanes
            for (int j = 0; j < 4; j++) lanes16(prob, v + d0, stride, n, 16 * j, 64, part[j]);
            CK_UNROLL for (int l = 0; l < 16; l++)
                acc[l] = vaddq_f32(vaddq_f32(part[0][l], part[2][l]), vaddq_f32(part[1][l], part[3][l]));
        }
        float32x4_t t[8], u[4];
        CK_UNROLL for (int i = 0; i < 8; i++) t[i] = vaddq_f32(acc[i], acc[i + 8]);
        CK_UNROLL for (int i = 0; i < 4; i++) u[i] = vaddq_f32(t[i], t[i + 4]);
        vst1q_f32(out + d0, vaddq_f32(vaddq_f32(u[0], u[2]), vaddq_f32(u[1], u[3])));
    }
    for (int d = d0; d < hd; d++) {  // the last hd % 4 dimensions as values_scalar
        float acc[4][16] = {{0}};
        for (int p = 0; p < n; p++) {
            float *a = &acc[rowwise ? (p >> 4) & 3 : 0][p & 15];
            *a = fmaf(ck_h2f(v[(size_t)p * stride + d]), prob[p], *a);
        }
        float lane[16];
        for (int l = 0; l < 16; l++) lane[l] = rowwise ? (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]) : acc[0][l];
        float t8[8];
        for (int i = 0; i < 8; i++) t8[i] = lane[i] + lane[i + 8];
        const float u0 = t8[0] + t8[4], u1 = t8[1] + t8[5], u2 = t8[2] + t8[6], u3 = t8[3] + t8[7];
        out[d] = (u0 + u2) + (u1 + u3);
    }
}

CK_NEON_END

#endif  // __aarch64__
