// NEON F32 / F16 / BF16 matmul kernels, same bits as dot_float.c's scalar twins.
//
// TILED: element i goes to lane i % 16 with one fused multiply-add; the 16 lanes live in four
// float32x4 registers (lanes 0-3, 4-7, 8-11, 12-15) and are reduced as ck_tree16:
// t = (a0 + a2, a1 + a3), u = t0 + t1 (lane-wise), result = (u0 + u2) + (u1 + u3).
// ROWWISE: four (BF16: two) such 16-lane accumulators over steps of 64 (32) elements, then the
// scalar tail every level shares (ck_float_rows.h).
#include "ck_internal.h"
#include "ck_float_rows.h"
#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>


CK_NEON_BEGIN

#define AI static inline __attribute__((always_inline))

AI float32x4_t ld4(const int kind, const uint8_t *p) {
    if (kind == K_F32) return vld1q_f32((const float *)p);
    const uint16x4_t h = vld1_u16((const uint16_t *)p);
    if (kind == K_F16) return vcvt_f32_f16(vreinterpret_f16_u16(h));  // exact
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
}

/// ck_tree16 of the lanes [a0 | a1 | a2 | a3].
AI float tree16(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    const float32x4_t u = vaddq_f32(vaddq_f32(a0, a2), vaddq_f32(a1, a3));
    const float32x2_t v = vadd_f32(vget_low_f32(u), vget_high_f32(u));
    return vget_lane_f32(v, 0) + vget_lane_f32(v, 1);
}


// MARK: TILED

AI void float_tile(const int kind, const int R, const int C, const uint8_t *W, size_t rb, int n,
                   const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t es = kind == K_F32 ? 4 : 2;
    float32x4_t acc[2][2][4];
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++)
            CK_UNROLL for (int q = 0; q < 4; q++) acc[r][c][q] = vdupq_n_f32(0.0f);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        float32x4_t xv[2][4];
        CK_UNROLL for (int c = 0; c < C; c++)
            CK_UNROLL for (int q = 0; q < 4; q++) xv[c][q] = ld4(kind, X + c * xs + (i + 4 * q) * es);
        CK_UNROLL for (int r = 0; r < R; r++)
            CK_UNROLL for (int q = 0; q < 4; q++) {
                const float32x4_t w = ld4(kind, W + r * rb + (i + 4 * q) * es);
                CK_UNROLL for (int c = 0; c < C; c++) acc[r][c][q] = vfmaq_f32(acc[r][c][q], w, xv[c][q]);
            }
    }
    if (i < n) {  // zero-padded copies of the last n % 16 elements (0 * 0 adds +0 to a lane)
        const size_t tail = (size_t)(n - i) * es;
        uint8_t xb[2][64], wb[64];
        float32x4_t xv[2][4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            memset(xb[c], 0, 64);
            memcpy(xb[c], X + c * xs + i * es, tail);
            CK_UNROLL for (int q = 0; q < 4; q++) xv[c][q] = ld4(kind, xb[c] + 4 * q * es);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            memset(wb, 0, 64);
            memcpy(wb, W + r * rb + i * es, tail);
            CK_UNROLL for (int q = 0; q < 4; q++) {
                const float32x4_t w = ld4(kind, wb + 4 * q * es);
                CK_UNROLL for (int c = 0; c < C; c++) acc[r][c][q] = vfmaq_f32(acc[r][c][q], w, xv[c][q]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++)
            Y[c * ys + r] = tree16(acc[r][c][0], acc[r][c][1], acc[r][c][2], acc[r][c][3]);
}

#define F32_TILE(R, C, ...) float_tile(K_F32, R, C, __VA_ARGS__)
#define F16_TILE(R, C, ...) float_tile(K_F16, R, C, __VA_ARGS__)
#define BF16_TILE(R, C, ...) float_tile(K_BF16, R, C, __VA_ARGS__)
// Tiles of 2 x 2 (16 accumulators + 8 activation registers of the 32).
#define CK_TILES_2x2(NAME, TILE)                                                                  \
    CK_TILE_FN(TILE, 2, 1) CK_TILE_FN(TILE, 2, 2) CK_TILE_FN(TILE, 1, 1) CK_TILE_FN(TILE, 1, 2) \
    static void NAME(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs,   \
                     int nc, float *Y, size_t ys) {                                             \
        static const ck_tile_fn big[4] = {TILE##_2x1, TILE##_2x2, 0, 0};                        \
        static const ck_tile_fn one[4] = {TILE##_1x1, TILE##_1x2, 0, 0};                        \
        ck_run_tiles(big, one, 2, 2, W, rb, nr, n, X, xs, nc, Y, ys);                           \
    }
CK_TILES_2x2(k_f32_neon, F32_TILE)
CK_TILES_2x2(k_f16_neon, F16_TILE)
CK_TILES_2x2(k_bf16_neon, BF16_TILE)

// MARK: ROWWISE (llama.cpp's ggml_vec_dot_* order; see dot_float.c)


AI float rowwise_dot(const int kind, const uint8_t *w, const uint8_t *x, int n) {
    const size_t es = kind == K_F32 ? 4 : 2;
    const int step = kind == K_BF16 ? 32 : 64, nacc = step / 16, body = n - n % step;
    float32x4_t a[4][4];
    CK_UNROLL for (int j = 0; j < 4; j++)
        CK_UNROLL for (int q = 0; q < 4; q++) a[j][q] = vdupq_n_f32(0.0f);
    for (int i = 0; i < body; i += step) {
        CK_UNROLL for (int j = 0; j < 4; j++)
            if (j < nacc)
                CK_UNROLL for (int q = 0; q < 4; q++) {
                    const int o = i + 16 * j + 4 * q;
                    a[j][q] = vfmaq_f32(a[j][q], ld4(kind, w + o * es), ld4(kind, x + o * es));
                }
    }
    if (kind == K_BF16)
        return rowwise_tail(kind, tree16(a[0][0], a[0][1], a[0][2], a[0][3]), tree16(a[1][0], a[1][1], a[1][2], a[1][3]),
                            w, x, body, n);
    float32x4_t l[4];
    CK_UNROLL for (int q = 0; q < 4; q++) l[q] = vaddq_f32(vaddq_f32(a[0][q], a[2][q]), vaddq_f32(a[1][q], a[3][q]));
    return rowwise_tail(kind, tree16(l[0], l[1], l[2], l[3]), 0.0f, w, x, body, n);
}

static float rw_f32(const uint8_t *w, const uint8_t *x, int n) { return rowwise_dot(K_F32, w, x, n); }
static float rw_f16(const uint8_t *w, const uint8_t *x, int n) { return rowwise_dot(K_F16, w, x, n); }
static float rw_bf16(const uint8_t *w, const uint8_t *x, int n) { return rowwise_dot(K_BF16, w, x, n); }
static CK_DOTS_KERNEL(k_f32_rowwise_neon, rw_f32)
static CK_DOTS_KERNEL(k_f16_rowwise_neon, rw_f16)
static CK_DOTS_KERNEL(k_bf16_rowwise_neon, rw_bf16)

CK_NEON_END

/// Float kernels for ck_pick_neon (neon_quant.c).
ck_kernel_fn ck_pick_neon_float(int type, int order) {
    const int rw = order == CK_ORDER_ROWWISE;
    switch (type) {
    case CK_TYPE_F32: return rw ? k_f32_rowwise_neon : k_f32_neon;
    case CK_TYPE_F16: return rw ? k_f16_rowwise_neon : k_f16_neon;
    case CK_TYPE_BF16: return rw ? k_bf16_rowwise_neon : k_bf16_neon;
    default: return 0;
    }
}

#endif  // __aarch64__
