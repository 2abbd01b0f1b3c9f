// Type table, tiling drivers and the ck_matmul_order / ck_matvec / ck_vec_dot dispatchers.
#include "ck_internal.h"
#include <stdlib.h>

// MARK: Type information

int ck_type_supported(int type) {
    switch (type) {
    case CK_TYPE_F32: case CK_TYPE_F16: case CK_TYPE_BF16: case CK_TYPE_Q8_0: case CK_TYPE_Q4_0:
    case CK_TYPE_Q4_K: case CK_TYPE_Q5_K: case CK_TYPE_Q6_K:
    case CK_TYPE_Q4_1: case CK_TYPE_Q5_0: case CK_TYPE_Q5_1: case CK_TYPE_IQ4_NL: case CK_TYPE_MXFP4:
    case CK_TYPE_Q2_K: case CK_TYPE_Q3_K: case CK_TYPE_IQ4_XS:
        return 1;
    default:
        return 0;
    }
}

int ck_block_size(int type) {
    switch (type) {
    case CK_TYPE_F32: case CK_TYPE_F16: case CK_TYPE_BF16: return 1;
    case CK_TYPE_Q8_0: case CK_TYPE_Q4_0: case CK_TYPE_Q8_1: case CK_TYPE_Q4_1: case CK_TYPE_Q5_0:
    case CK_TYPE_Q5_1: case CK_TYPE_IQ4_NL: case CK_TYPE_MXFP4: return 32;
    case CK_TYPE_Q4_K: case CK_TYPE_Q5_K: case CK_TYPE_Q6_K: case CK_TYPE_Q8_K:
    case CK_TYPE_Q2_K: case CK_TYPE_Q3_K: case CK_TYPE_IQ4_XS: return 256;
    default: return 0;
    }
}

size_t ck_type_size(int type) {
    switch (type) {
    case CK_TYPE_F32: return 4;
    case CK_TYPE_F16: case CK_TYPE_BF16: return 2;
    case CK_TYPE_Q8_0: return Q8_0_BYTES;
    case CK_TYPE_Q4_0: return Q4_0_BYTES;
    case CK_TYPE_Q4_K: return Q4_K_BYTES;
    case CK_TYPE_Q5_K: return Q5_K_BYTES;
    case CK_TYPE_Q6_K: return Q6_K_BYTES;
    case CK_TYPE_Q8_K: return Q8_K_BYTES;
    case CK_TYPE_Q8_1: return Q8_1_BYTES;
    case CK_TYPE_Q4_1: return Q4_1_BYTES;
    case CK_TYPE_Q5_0: return Q5_0_BYTES;
    case CK_TYPE_Q5_1: return Q5_1_BYTES;
    case CK_TYPE_IQ4_NL: return IQ4_NL_BYTES;
    case CK_TYPE_MXFP4: return MXFP4_BYTES;
    case CK_TYPE_Q2_K: return Q2_K_BYTES;
    case CK_TYPE_Q3_K: return Q3_K_BYTES;
    case CK_TYPE_IQ4_XS: return IQ4_XS_BYTES;
    default: return 0;
    }
}

size_t ck_row_size(int type, int n) {
    int bs = ck_block_size(type);
    return bs ? ck_type_size(type) * (size_t)(n / bs) : 0;
}

int ck_vec_dot_type(int type) {
    switch (type) {
    case CK_TYPE_F32: return CK_TYPE_F32;
    case CK_TYPE_F16: return CK_TYPE_F16;
    case CK_TYPE_BF16: return CK_TYPE_BF16;
    case CK_TYPE_Q8_0: case CK_TYPE_Q4_0: case CK_TYPE_Q5_0: case CK_TYPE_IQ4_NL: case CK_TYPE_MXFP4:
        return CK_TYPE_Q8_0;
    case CK_TYPE_Q4_1: case CK_TYPE_Q5_1: return CK_TYPE_Q8_1;
    case CK_TYPE_Q4_K: case CK_TYPE_Q5_K: case CK_TYPE_Q6_K: case CK_TYPE_Q2_K: case CK_TYPE_Q3_K: case CK_TYPE_IQ4_XS:
        return CK_TYPE_Q8_K;
    default: return -1;
    }
}

// MARK: Drivers

// Activation rows processed per pass over the weight rows: enough to amortise the weights,
// few enough that they stay in L2 (2 MiB per core here) while each weight tile sits in L1.
static int column_chunk(size_t xs, int cmax) {
    size_t budget = 768u * 1024u;
    int c = xs ? (int)(budget / xs) : 64;
    if (c > 256) c = 256;
    c -= c % cmax;
    return c < cmax ? cmax : c;
}

void ck_run_tiles(const ck_tile_fn big[4], const ck_tile_fn one[4], int rmax, int cmax,
                  const uint8_t *W, size_t rb, int nr, int n,
                  const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    const int chunk = column_chunk(xs, cmax);
    for (int c0 = 0; c0 < nc; c0 += chunk) {
        const int c1 = nc - c0 < chunk ? nc : c0 + chunk;
        for (int r = 0; r < nr;) {
            const int rr = nr - r >= rmax ? rmax : 1;
            const ck_tile_fn *t = rr == rmax ? big : one;
            for (int c = c0; c < c1; c += cmax) {
                const int cc = c1 - c < cmax ? c1 - c : cmax;
                t[cc - 1](W + (size_t)r * rb, rb, n, X + (size_t)c * xs, xs, Y + (size_t)c * ys + r, ys);
            }
            r += rr;
        }
    }
}

void ck_run_dots(ck_dot_fn dot, const uint8_t *W, size_t rb, int nr, int n,
                 const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < nc; c++)
            Y[(size_t)c * ys + r] = dot(W + (size_t)r * rb, X + (size_t)c * xs, n);
}

// MARK: Dispatch

static ck_kernel_fn pick(int type, int level, int order) {
#if defined(__aarch64__)
    if (level == CK_NEON) {
        ck_kernel_fn k = ck_pick_neon(type, order);  // neon_dot.c; NULL: scalar
        if (k) return k;
    }
#endif
#if CK_X86
#define CK_PICK(T, name)                                                              \
    case T:                                                                           \
        return level == CK_AVX512 ? name##_avx512 : level == CK_AVX2 ? name##_avx2 : name##_scalar;
#else
#define CK_PICK(T, name) case T: return name##_scalar;
#endif
#if CK_X86
    if (type == CK_TYPE_Q8_0_PACKED) return level == CK_AVX512 ? ck_k_q8_0_packed_avx512 : 0;
#endif
    if (order == CK_ORDER_ROWWISE) {
        switch (type) {
            CK_PICK(CK_TYPE_F32, ck_k_f32_rowwise)
            CK_PICK(CK_TYPE_F16, ck_k_f16_rowwise)
            CK_PICK(CK_TYPE_BF16, ck_k_bf16_rowwise)
            CK_PICK(CK_TYPE_Q3_K, ck_k_q3_K_rowwise)
            CK_PICK(CK_TYPE_IQ4_XS, ck_k_iq4_xs_rowwise)
        default:
            break;  // the other quantized kernels keep one order for both
        }
    }
    switch (type) {
        CK_PICK(CK_TYPE_F32, ck_k_f32)
        CK_PICK(CK_TYPE_F16, ck_k_f16)
        CK_PICK(CK_TYPE_BF16, ck_k_bf16)
        CK_PICK(CK_TYPE_Q8_0, ck_k_q8_0)
        CK_PICK(CK_TYPE_Q4_0, ck_k_q4_0)
        CK_PICK(CK_TYPE_Q4_K, ck_k_q4_K)
        CK_PICK(CK_TYPE_Q5_K, ck_k_q5_K)
        CK_PICK(CK_TYPE_Q6_K, ck_k_q6_K)
        CK_PICK(CK_TYPE_Q4_1, ck_k_q4_1)
        CK_PICK(CK_TYPE_Q5_0, ck_k_q5_0)
        CK_PICK(CK_TYPE_Q5_1, ck_k_q5_1)
        CK_PICK(CK_TYPE_IQ4_NL, ck_k_iq4_nl)
        CK_PICK(CK_TYPE_MXFP4, ck_k_mxfp4)
        CK_PICK(CK_TYPE_Q2_K, ck_k_q2_K)
        CK_PICK(CK_TYPE_Q3_K, ck_k_q3_K)
        CK_PICK(CK_TYPE_IQ4_XS, ck_k_iq4_xs)
    default:
        return 0;
    }
#undef CK_PICK
}

void ck_matmul_order(int order, int type, const void *W, size_t row_bytes, int r0, int r1, int n,
                     const void *xq, size_t xq_stride, int m, float *y, size_t y_stride) {
    ck_kernel_fn k = pick(type, ck_level(), order);
    if (!k && type == CK_TYPE_Q8_0_PACKED) abort();  // callers ask ck_packed_type first
    if (!k || r1 <= r0 || m <= 0) return;
    if (n <= 0) {  // empty dot products
        for (int j = 0; j < m; j++)
            for (int r = r0; r < r1; r++) y[(size_t)j * y_stride + r] = 0.0f;
        return;
    }
    k((const uint8_t *)W + (size_t)r0 * row_bytes, row_bytes, r1 - r0, n,
      (const uint8_t *)xq, xq_stride, m, y + r0, y_stride);
}

int ck_packed_type(int type) {
#if CK_X86
    if (type == CK_TYPE_Q8_0 && ck_level() == CK_AVX512) return CK_TYPE_Q8_0_PACKED;
#endif
    (void)type;
    return -1;
}

void ck_matvec(int type, const void *W, size_t row_bytes, int r0, int r1, int n,
               const void *xq, float *y) {
    ck_matmul_order(CK_ORDER_ROWWISE, type, W, row_bytes, r0, r1, n, xq, 0, 1, y, 0);
}

float ck_vec_dot(int type, const void *w_row, const void *xq, int n) {
    float r = 0.0f;
    ck_matvec(type, w_row, 0, 0, 1, n, xq, &r);
    return r;
}
