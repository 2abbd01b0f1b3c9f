// Q4_K / Q5_K / Q6_K weights against Q8_K activations: the scalar definition.
//
// Numerics (identical bits at every level and tile shape): per super-block, in order,
//   isum = sum_j sc_j * sum_{i in j} q_i * y_i and imin = sum_j m_j * (bsum_2j + bsum_2j+1)
//   (exact int32), then acc = fmaf(dx*dy, (float)isum, acc); acc = fmaf(-(dminx*dy), (float)imin, acc).
// Q6_K: isum = sum_g sc_g * sum_{i in g} (q_i - 32) * y_i; acc = fmaf(dx*dy, (float)isum, acc).
// llama.cpp adds the same per-super-block terms in a different float order.
#include "ck_internal.h"
#include <math.h>

static inline int16_t bsum(const uint8_t *yb, int g) {
    int16_t v;
    memcpy(&v, yb + Q8K_BSUMS + 2 * g, 2);
    return v;
}

/// Shared by Q4_K and Q5_K (qh == NULL for Q4_K).
static float dot_q45_K(const uint8_t *w, size_t wbytes, size_t qs_off, int has_qh, const uint8_t *x, int n) {
    float sumf = 0.0f;
    for (int i = 0; i < n / QK_K; i++, w += wbytes, x += Q8_K_BYTES) {
        uint8_t sc[8], m[8];
        ck_kscales(w + QK_SCALES, sc, m);
        const uint8_t *q = w + qs_off, *qh = w + Q5K_QH;
        const int8_t *y = (const int8_t *)(x + Q8K_QS);
        int isum = 0;
        for (int c = 0; c < 4; c++) {
            int s1 = 0, s2 = 0;
            for (int l = 0; l < 32; l++) {
                int lo = q[32 * c + l] & 0x0F, hi = q[32 * c + l] >> 4;
                if (has_qh) {
                    lo |= ((qh[l] >> (2 * c)) & 1) << 4;
                    hi |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
                }
                s1 += lo * y[64 * c + l];
                s2 += hi * y[64 * c + 32 + l];
            }
            isum += sc[2 * c] * s1 + sc[2 * c + 1] * s2;
        }
        int imin = 0;
        for (int j = 0; j < 8; j++) imin += m[j] * (bsum(x, 2 * j) + bsum(x, 2 * j + 1));
        const float dy = ck_ldf(x);
        const float dx = ck_h2f(ck_ld16(w)), dmx = ck_h2f(ck_ld16(w + 2));
        sumf = fmaf(dx * dy, (float)isum, sumf);
        sumf = fmaf(-(dmx * dy), (float)imin, sumf);
    }
    return sumf;
}

static float dot_q4_K_scalar(const uint8_t *w, const uint8_t *x, int n) {
    return dot_q45_K(w, Q4_K_BYTES, Q4K_QS, 0, x, n);
}

static float dot_q5_K_scalar(const uint8_t *w, const uint8_t *x, int n) {
    return dot_q45_K(w, Q5_K_BYTES, Q5K_QS, 1, x, n);
}

static float dot_q6_K_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float sumf = 0.0f;
    for (int i = 0; i < n / QK_K; i++, w += Q6_K_BYTES, x += Q8_K_BYTES) {
        const int8_t *sc = (const int8_t *)(w + Q6K_SC);
        const int8_t *y = (const int8_t *)(x + Q8K_QS);
        int isum = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = w + Q6K_QL + 64 * h, *qh = w + Q6K_QH + 32 * h;
            const int8_t *yh = y + 128 * h;
            for (int t = 0; t < 4; t++) {
                for (int half = 0; half < 2; half++) {
                    int s = 0;
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        int low = (t & 1) ? ql[l + 32] : ql[l];
                        low = (t & 2) ? low >> 4 : low & 0x0F;
                        int q6 = (low | (((qh[l] >> (2 * t)) & 3) << 4)) - 32;
                        s += q6 * yh[32 * t + l];
                    }
                    isum += sc[8 * h + 2 * t + half] * s;
                }
            }
        }
        sumf = fmaf(ck_h2f(ck_ld16(w + Q6K_D)) * ck_ldf(x), (float)isum, sumf);
    }
    return sumf;
}

CK_DOTS_KERNEL(ck_k_q4_K_scalar, dot_q4_K_scalar)
CK_DOTS_KERNEL(ck_k_q5_K_scalar, dot_q5_K_scalar)
CK_DOTS_KERNEL(ck_k_q6_K_scalar, dot_q6_K_scalar)
