// Row dequantization (embedding lookup, tests). Plain C: exact, and fast enough for one row.
#include "ck_internal.h"

static void dq_q8_0(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK8_0; i++, b += Q8_0_BYTES, y += QK8_0) {
        const float d = ck_h2f(ck_ld16(b));
        for (int j = 0; j < QK8_0; j++) y[j] = (float)(int8_t)b[2 + j] * d;
    }
}

static void dq_q4_0(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK4_0; i++, b += Q4_0_BYTES, y += QK4_0) {
        const float d = ck_h2f(ck_ld16(b));
        for (int j = 0; j < 16; j++) {
            y[j] = (float)((b[2 + j] & 0x0F) - 8) * d;
            y[j + 16] = (float)((b[2 + j] >> 4) - 8) * d;
        }
    }
}

static void dq_q4_K(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK_K; i++, b += Q4_K_BYTES) {
        const float d = ck_h2f(ck_ld16(b)), dmin = ck_h2f(ck_ld16(b + 2));
        uint8_t sc[8], m[8];
        ck_kscales(b + QK_SCALES, sc, m);
        const uint8_t *q = b + Q4K_QS;
        for (int c = 0; c < 4; c++, q += 32) {
            const float d1 = d * sc[2 * c], m1 = dmin * m[2 * c];
            const float d2 = d * sc[2 * c + 1], m2 = dmin * m[2 * c + 1];
            for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0x0F) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - m2;
        }
    }
}

static void dq_q5_K(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK_K; i++, b += Q5_K_BYTES) {
        const float d = ck_h2f(ck_ld16(b)), dmin = ck_h2f(ck_ld16(b + 2));
        uint8_t sc[8], m[8];
        ck_kscales(b + QK_SCALES, sc, m);
        const uint8_t *qh = b + Q5K_QH, *q = b + Q5K_QS;
        for (int c = 0; c < 4; c++, q += 32) {
            const int j1 = 2 * c, j2 = 2 * c + 1;
            const float d1 = d * sc[j1], m1 = dmin * m[j1];
            const float d2 = d * sc[j2], m2 = dmin * m[j2];
            for (int l = 0; l < 32; l++) *y++ = d1 * ((q[l] & 0x0F) + (((qh[l] >> j1) & 1) << 4)) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * ((q[l] >> 4) + (((qh[l] >> j2) & 1) << 4)) - m2;
        }
    }
}

static void dq_q6_K(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK_K; i++, b += Q6_K_BYTES) {
        const float d = ck_h2f(ck_ld16(b + Q6K_D));
        const int8_t *sc = (const int8_t *)(b + Q6K_SC);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = b + Q6K_QL + 64 * h, *qh = b + Q6K_QH + 32 * h;
            const int8_t *s = sc + 8 * h;
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int q1 = (int)((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = (int)((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * s[is + 0] * q1;
                y[l + 32] = d * s[is + 2] * q2;
                y[l + 64] = d * s[is + 4] * q3;
                y[l + 96] = d * s[is + 6] * q4;
            }
            y += 128;
        }
    }
}

static void dq_q8_K(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK_K; i++, b += Q8_K_BYTES, y += QK_K) {
        const float d = ck_ldf(b);
        for (int j = 0; j < QK_K; j++) y[j] = d * (float)(int8_t)b[Q8K_QS + j];
    }
}

// MARK: 32-element blocks

static void dq_q8_1(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / 32; i++, b += Q8_1_BYTES, y += 32) {
        const float d = ck_h2f(ck_ld16(b));
        for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)b[4 + j] * d;
    }
}

/// Q4_1 / Q5_1 (x = q * d + m) and Q5_0 (x = (q - 16) * d); qh_off < 0: no fifth bit.
static void dq_q45_01(const uint8_t *b, float *y, int n, int bytes, int qs_off, int qh_off, int has_min) {
    for (int i = 0; i < n / 32; i++, b += bytes, y += 32) {
        const float d = ck_h2f(ck_ld16(b)), m = has_min ? ck_h2f(ck_ld16(b + 2)) : 0.0f;
        const uint32_t qh = qh_off >= 0 ? ck_ld32(b + qh_off) : 0;
        const int bias = has_min ? 0 : 16;
        for (int j = 0; j < 16; j++) {
            const int x0 = ((b[qs_off + j] & 0x0F) | (int)(((qh >> j) & 1u) << 4)) - bias;
            const int x1 = ((b[qs_off + j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4)) - bias;
            y[j] = has_min ? (float)x0 * d + m : (float)x0 * d;
            y[j + 16] = has_min ? (float)x1 * d + m : (float)x1 * d;
        }
    }
}

/// IQ4_NL (fp16 d) and MXFP4 (E8M0 exponent, doubled grid): x = d * grid[q].
static void dq_grid4(const uint8_t *b, float *y, int n, int mxfp4) {
    const int8_t *grid = mxfp4 ? ck_kvalues_mxfp4 : ck_kvalues_iq4nl;
    const int bytes = mxfp4 ? MXFP4_BYTES : IQ4_NL_BYTES, qs = mxfp4 ? 1 : 2;
    for (int i = 0; i < n / 32; i++, b += bytes, y += 32) {
        const float d = mxfp4 ? ck_e8m0_half(b[0]) : ck_h2f(ck_ld16(b));
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)grid[b[qs + j] & 0x0F];
            y[j + 16] = d * (float)grid[b[qs + j] >> 4];
        }
    }
}

// MARK: Q2_K, Q3_K, IQ4_XS (element layout: dot_kquants_low.c)

static void dq_q2_K(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK_K; i++, b += Q2_K_BYTES, y += QK_K) {
        const float d = ck_h2f(ck_ld16(b + Q2K_D)), dmin = ck_h2f(ck_ld16(b + Q2K_D + 2));
        for (int j = 0; j < 16; j++) {
            const int h = j / 8, t = (j % 8) / 2, k = j % 2;
            const float dl = d * (float)(b[j] & 0x0F), ml = dmin * (float)(b[j] >> 4);
            for (int l = 0; l < 16; l++)
                y[16 * j + l] = dl * (float)((b[Q2K_QS + 32 * h + 16 * k + l] >> (2 * t)) & 3) - ml;
        }
    }
}

static void dq_q3_K(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK_K; i++, b += Q3_K_BYTES, y += QK_K) {
        const float d = ck_h2f(ck_ld16(b + Q3K_D));
        int8_t sc[16];
        ck_q3k_scales(b + Q3K_SC, sc);
        for (int j = 0; j < 16; j++) {
            const int h = j / 8, t = (j % 8) / 2, k = j % 2;
            const float dl = d * (float)sc[j];
            for (int l = 0; l < 16; l++) {
                const int lo = (b[Q3K_QS + 32 * h + 16 * k + l] >> (2 * t)) & 3;
                y[16 * j + l] = dl * (float)(lo - (((b[16 * k + l] >> (4 * h + t)) & 1) ? 0 : 4));
            }
        }
    }
}

static void dq_iq4_xs(const uint8_t *b, float *y, int n) {
    for (int i = 0; i < n / QK_K; i++, b += IQ4_XS_BYTES) {
        const float d = ck_h2f(ck_ld16(b));
        int8_t sc[8];
        ck_iq4xs_scales(b, sc);
        for (int j = 0; j < 8; j++, y += 32) {
            const float dl = d * (float)sc[j];
            const uint8_t *q = b + IQ4XS_QS + 16 * j;
            for (int l = 0; l < 16; l++) {
                y[l] = dl * (float)ck_kvalues_iq4nl[q[l] & 0x0F];
                y[l + 16] = dl * (float)ck_kvalues_iq4nl[q[l] >> 4];
            }
        }
    }
}

void ck_dequantize_row(int type, const void *src, float *dst, int n) {
    const uint8_t *b = (const uint8_t *)src;
    switch (type) {
    case CK_TYPE_F32: memmove(dst, src, (size_t)n * sizeof(float)); break;
    case CK_TYPE_F16: ck_fp16_to_fp32_row((const uint16_t *)src, dst, n); break;
    case CK_TYPE_BF16: ck_bf16_to_fp32_row((const uint16_t *)src, dst, n); break;
    case CK_TYPE_Q8_0: dq_q8_0(b, dst, n); break;
    case CK_TYPE_Q4_0: dq_q4_0(b, dst, n); break;
    case CK_TYPE_Q4_K: dq_q4_K(b, dst, n); break;
    case CK_TYPE_Q5_K: dq_q5_K(b, dst, n); break;
    case CK_TYPE_Q6_K: dq_q6_K(b, dst, n); break;
    case CK_TYPE_Q8_K: dq_q8_K(b, dst, n); break;
    case CK_TYPE_Q8_1: dq_q8_1(b, dst, n); break;
    case CK_TYPE_Q4_1: dq_q45_01(b, dst, n, Q4_1_BYTES, 4, -1, 1); break;
    case CK_TYPE_Q5_0: dq_q45_01(b, dst, n, Q5_0_BYTES, 6, 2, 0); break;
    case CK_TYPE_Q5_1: dq_q45_01(b, dst, n, Q5_1_BYTES, 8, 4, 1); break;
    case CK_TYPE_IQ4_NL: dq_grid4(b, dst, n, 0); break;
    case CK_TYPE_MXFP4: dq_grid4(b, dst, n, 1); break;
    case CK_TYPE_Q2_K: dq_q2_K(b, dst, n); break;
    case CK_TYPE_Q3_K: dq_q3_K(b, dst, n); break;
    case CK_TYPE_IQ4_XS: dq_iq4_xs(b, dst, n); break;
    default: break;
    }
}
