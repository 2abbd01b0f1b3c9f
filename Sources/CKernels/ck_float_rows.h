// The float element kinds (F32, F16, BF16) of the float dot kernels and the scalar pieces every
// level shares: dot_float.c (scalar, AVX2, AVX-512) and neon_float.c.
#ifndef CK_FLOAT_ROWS_H
#define CK_FLOAT_ROWS_H

#include "ck_internal.h"

enum { K_F32 = 0, K_F16 = 1, K_BF16 = 2 };

static inline float ld_elem(const int kind, const uint8_t *p, int i) {
    if (kind == K_F32) return ck_ldf(p + 4 * i);
    return kind == K_F16 ? ck_h2f(ck_ld16(p + 2 * i)) : ck_b2f(ck_ld16(p + 2 * i));
}

/// The scalar end of ggml_vec_dot_*: the reduced vector part (BF16: its two halves, added in
/// double), then the last elements one by one: F32 adds each rounded product in float, F16 and
/// BF16 in double.
static inline float rowwise_tail(const int kind, float r0, float r1, const uint8_t *w, const uint8_t *x, int body, int n) {
    if (kind == K_F32) {
        float s = r0;
        for (int i = body; i < n; i++) {
            const float p = ld_elem(kind, w, i) * ld_elem(kind, x, i);
            s = s + p;
        }
        return s;
    }
    double s = (double)r0;
    if (kind == K_BF16) s += (double)r1;
    for (int i = body; i < n; i++) s += (double)(ld_elem(kind, w, i) * ld_elem(kind, x, i));
    return (float)s;
}

#endif
