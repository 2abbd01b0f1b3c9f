// The float element kinds (F32, F16, BF16) of the float dot kernels and the scalar pieces every
// level shares: dot_float.c (scalar, AVX2, AVX-512) and neon_float.c.
#ifndef CK_FLOAT_ROWS_H
#define CK_FLOAT_ROWS_H

#include "ck_internal.h"
#include <math.h>

enum { K_F32 = 0, K_F16 = 1, K_BF16 = 2 };

static inline float ld_elem(const int kind, const uint8_t *p, int i) {
    if (kind == K_F32) return ck_ldf(p + 4 * i);
    return kind == K_F16 ? ck_h2f(ck_ld16(p + 2 * i)) : ck_b2f(ck_ld16(p + 2 * i));
}

/// a x b rounded to float before anything else uses it: no compiler may fuse it into the add that
/// follows (GCC contracts across statements by default; clang, as SwiftPM runs it, does not).
static inline float rounded_product(float a, float b) {
    float p = a * b;
#if defined(__x86_64__) || defined(__i386__)
    __asm__("" : "+x"(p));
#elif defined(__aarch64__)
    __asm__("" : "+w"(p));
#endif
    return p;
}

/// Where the F32 tail of ggml_vec_dot_f32 stops adding rounded products and starts fusing: GCC
/// vectorizes its `sumf += x[i]*y[i]` loop into steps of 16, then one of 8 (vmulps, then the
/// products added in order), and fuses the last 7 or fewer (vfmadd231ss), as the oracle's x86
/// build runs it (read off its disassembly; Tests/Fixtures/float-row-goldens.json checks it).
static inline int f32_tail_fused_from(int body, int n) {
    int end = body + (n - body) / 16 * 16;
    if (n - end >= 8) end += 8;
    return end;
}

/// The scalar end of ggml_vec_dot_*: the reduced vector part (BF16: its two halves, added in
/// double), then the last elements one by one: F32 in float, as above; F16 and BF16 add each
/// product (exact in float) in double.
static inline float rowwise_tail(const int kind, float r0, float r1, const uint8_t *w, const uint8_t *x, int body, int n) {
    if (kind == K_F32) {
        float s = r0;
        const int fused = f32_tail_fused_from(body, n);
        int i = body;
        for (; i < fused; i++) s = s + rounded_product(ld_elem(kind, w, i), ld_elem(kind, x, i));
        for (; i < n; i++) s = fmaf(ld_elem(kind, w, i), ld_elem(kind, x, i), s);
        return s;
    }
    double s = (double)r0;
    if (kind == K_BF16) s += (double)r1;
    for (int i = body; i < n; i++) s += (double)(ld_elem(kind, w, i) * ld_elem(kind, x, i));
    return (float)s;
}

/// Elements of a row that ggml_vec_dot_* takes in its vector steps; the rest go to the tail.
static inline int rowwise_body(const int kind, int n) { return n - n % (kind == K_BF16 ? 32 : 64); }

/// rowwise_tail of four rows against one activation, on their tails already converted to float
/// (wf: 4 x 64, xf: 64; len = n - body < 64): each row's sum is taken in its own order, as
/// rowwise_tail takes it; the rows only share the loop, so their dependency chains overlap (a row
/// shorter than one vector step, such as a 32-wide attention head, is all tail).
static inline void rowwise_tail4(const int kind, const float r0[4], const float r1[4], const float *wf, const float *xf,
                                 int len, float *y) {
    if (kind == K_F32) {
        float s[4] = {r0[0], r0[1], r0[2], r0[3]};
        const int fused = f32_tail_fused_from(0, len);
        int i = 0;
        for (; i < fused; i++)
            for (int j = 0; j < 4; j++) s[j] = s[j] + rounded_product(wf[64 * j + i], xf[i]);
        for (; i < len; i++)
            for (int j = 0; j < 4; j++) s[j] = fmaf(wf[64 * j + i], xf[i], s[j]);
        for (int j = 0; j < 4; j++) y[j] = s[j];
        return;
    }
    double s[4];
    for (int j = 0; j < 4; j++) s[j] = kind == K_BF16 ? (double)r0[j] + (double)r1[j] : (double)r0[j];
    for (int i = 0; i < len; i++)
        for (int j = 0; j < 4; j++) s[j] += (double)(wf[64 * j + i] * xf[i]);
    for (int j = 0; j < 4; j++) y[j] = (float)s[j];
}

/// The elements of a row's tail as floats (exact for every kind), one by one.
static inline void rowwise_to_float(const int kind, const uint8_t *p, int len, float *out) {
    for (int i = 0; i < len; i++) out[i] = ld_elem(kind, p, i);
}

/// Kernel NAME in the row-by-row order: BODY(KIND, w, x, body, &r0, &r1) gives a row's reduced
/// vector part, rowwise_tail(4) adds the rest; four rows at a time, their tails converted to float
/// by TOF(KIND, p, len, out) first.
#define ROWWISE_KERNEL(NAME, KIND, BODY, TOF)                                                            \
    void NAME(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, \
              size_t ys) {                                                                               \
        const int body = rowwise_body(KIND, n), len = n - body;                                          \
        const size_t off = (size_t)body * (KIND == K_F32 ? 4 : 2);                                       \
        float xf[64], wf[4 * 64];                                                                        \
        for (int c = 0; c < nc; c++) {                                                                   \
            const uint8_t *x = X + (size_t)c * xs;                                                       \
            float *y = Y + (size_t)c * ys;                                                               \
            TOF(KIND, x + off, len, xf);                                                                 \
            int r = 0;                                                                                   \
            for (; r + 4 <= nr; r += 4) {                                                                \
                float a[4], b[4];                                                                        \
                for (int j = 0; j < 4; j++) {                                                            \
                    const uint8_t *w = W + (size_t)(r + j) * rb;                                         \
                    BODY(KIND, w, x, body, &a[j], &b[j]);                                                \
                    TOF(KIND, w + off, len, wf + 64 * j);                                                \
                }                                                                                        \
                rowwise_tail4(KIND, a, b, wf, xf, len, y + r);                                           \
            }                                                                                            \
            for (; r < nr; r++) {                                                                        \
                float a, b;                                                                              \
                BODY(KIND, W + (size_t)r * rb, x, body, &a, &b);                                         \
                y[r] = rowwise_tail(KIND, a, b, W + (size_t)r * rb, x, body, n);                         \
            }                                                                                            \
        }                                                                                                \
    }
#define ROWWISE_KERNELS(PREFIX, SUFFIX, BODY, TOF)            \
    ROWWISE_KERNEL(PREFIX##f32##SUFFIX, K_F32, BODY, TOF)     \
    ROWWISE_KERNEL(PREFIX##f16##SUFFIX, K_F16, BODY, TOF)     \
    ROWWISE_KERNEL(PREFIX##bf16##SUFFIX, K_BF16, BODY, TOF)

#endif
