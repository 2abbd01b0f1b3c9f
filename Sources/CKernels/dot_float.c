// F32 / F16 / BF16 weight kernels. Activations: F32 for F32 weights, fp16 for F16, bf16 for BF16
// (as llama.cpp). Every output keeps 16 float lanes (element i to lane i % 16, one fused
// multiply-add each) reduced as ck_tree16: llama.cpp's tinyBLAS order on AVX-512, at every level.
#include "ck_internal.h"
#include "ck_float_rows.h"
#include "ck_reduce.h"
#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>


// MARK: Scalar

static inline float dot_lanes(const int kind, const uint8_t *w, const uint8_t *x, int n) {
    float lane[16] = {0};
    for (int i = 0; i < n; i++) lane[i & 15] = fmaf(ld_elem(kind, w, i), ld_elem(kind, x, i), lane[i & 15]);
    return ck_tree16(lane);
}

/// Kernel NAME: FN(KIND, w, x, n) for every (row, activation) pair (one kernel per weight kind).
#define KIND_DOTS_KERNEL(NAME, FN, KIND) \
    static float NAME##_dot(const uint8_t *w, const uint8_t *x, int n) { return FN(KIND, w, x, n); } \
    CK_DOTS_KERNEL(NAME, NAME##_dot)
#define KIND_DOTS_KERNELS(PREFIX, SUFFIX, FN)                \
    KIND_DOTS_KERNEL(PREFIX##f32##SUFFIX, FN, K_F32)      \
    KIND_DOTS_KERNEL(PREFIX##f16##SUFFIX, FN, K_F16)      \
    KIND_DOTS_KERNEL(PREFIX##bf16##SUFFIX, FN, K_BF16)

KIND_DOTS_KERNELS(ck_k_, _scalar, dot_lanes)

#if CK_X86
// MARK: AVX2

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static inline __attribute__((always_inline)) __m256 ld8(const int kind, const uint8_t *p) {
    if (kind == K_F32) return _mm256_loadu_ps((const float *)p);
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    if (kind == K_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/// Lanes 0..7 and 8..15 of each 16-element step in two registers; the tail via a zero-padded copy.
static inline __attribute__((always_inline)) void float_tile_avx2(
    const int kind, const int R, const int C, const uint8_t *W, size_t rb, int n,
    const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t es = kind == K_F32 ? 4 : 2;
    __m256 lo[4][4], hi[4][4];
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) lo[r][c] = hi[r][c] = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 xl[4], xh[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            xl[c] = ld8(kind, X + c * xs + i * es);
            xh[c] = ld8(kind, X + c * xs + (i + 8) * es);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            _mm_prefetch((const char *)(W + (r + R) * rb + i * es), _MM_HINT_T0);
            const __m256 wl = ld8(kind, W + r * rb + i * es), wh = ld8(kind, W + r * rb + (i + 8) * es);
            CK_UNROLL for (int c = 0; c < C; c++) {
                lo[r][c] = _mm256_fmadd_ps(wl, xl[c], lo[r][c]);
                hi[r][c] = _mm256_fmadd_ps(wh, xh[c], hi[r][c]);
            }
        }
    }
    if (i < n) {
        const size_t tail = (size_t)(n - i) * es;
        uint8_t xb[4][64], wb[64];
        __m256 xl[4], xh[4];
        CK_UNROLL for (int c = 0; c < C; c++) {
            memset(xb[c], 0, 64);
            memcpy(xb[c], X + c * xs + i * es, tail);
            xl[c] = ld8(kind, xb[c]);
            xh[c] = ld8(kind, xb[c] + 8 * es);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            memset(wb, 0, 64);
            memcpy(wb, W + r * rb + i * es, tail);
            const __m256 wl = ld8(kind, wb), wh = ld8(kind, wb + 8 * es);
            CK_UNROLL for (int c = 0; c < C; c++) {
                lo[r][c] = _mm256_fmadd_ps(wl, xl[c], lo[r][c]);
                hi[r][c] = _mm256_fmadd_ps(wh, xh[c], hi[r][c]);
            }
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = ck_hsum16x2(lo[r][c], hi[r][c]);
}

#define F32_TILE_AVX2(R, C, ...) float_tile_avx2(K_F32, R, C, __VA_ARGS__)
#define F16_TILE_AVX2(R, C, ...) float_tile_avx2(K_F16, R, C, __VA_ARGS__)
#define BF16_TILE_AVX2(R, C, ...) float_tile_avx2(K_BF16, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_f32_avx2, F32_TILE_AVX2, 2, 2)
CK_DEFINE_KERNEL(ck_k_f16_avx2, F16_TILE_AVX2, 2, 2)
CK_DEFINE_KERNEL(ck_k_bf16_avx2, BF16_TILE_AVX2, 2, 2)

#pragma clang attribute pop

// MARK: AVX-512 (16 elements per step; masked tails)

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static inline __attribute__((always_inline)) __m512 ld16m(const int kind, const uint8_t *p, __mmask16 m) {
    if (kind == K_F32) return _mm512_maskz_loadu_ps(m, p);
    __m256i h = _mm256_maskz_loadu_epi16(m, p);
    if (kind == K_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

static inline __attribute__((always_inline)) __m512 ld16(const int kind, const uint8_t *p) {
    if (kind == K_F32) return _mm512_loadu_ps(p);
    __m256i h = _mm256_loadu_si256((const __m256i *)p);
    if (kind == K_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

static inline __attribute__((always_inline)) void float_tile_avx512(
    const int kind, const int R, const int C, const uint8_t *W, size_t rb, int n,
    const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t es = kind == K_F32 ? 4 : 2;
    __m512 acc[4][4];
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 xv[4];
        CK_UNROLL for (int c = 0; c < C; c++) xv[c] = ld16(kind, X + c * xs + i * es);
        CK_UNROLL for (int r = 0; r < R; r++) {
            _mm_prefetch((const char *)(W + (r + R) * rb + i * es), _MM_HINT_T0);
            __m512 w = ld16(kind, W + r * rb + i * es);
            CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(w, xv[c], acc[r][c]);
        }
    }
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        __m512 xv[4];
        CK_UNROLL for (int c = 0; c < C; c++) xv[c] = ld16m(kind, X + c * xs + i * es, m);
        CK_UNROLL for (int r = 0; r < R; r++) {
            __m512 w = ld16m(kind, W + r * rb + i * es, m);
            CK_UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(w, xv[c], acc[r][c]);
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++)
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = ck_hsum16(acc[r][c]);
}

#define F32_TILE_AVX512(R, C, ...) float_tile_avx512(K_F32, R, C, __VA_ARGS__)
#define F16_TILE_AVX512(R, C, ...) float_tile_avx512(K_F16, R, C, __VA_ARGS__)
#define BF16_TILE_AVX512(R, C, ...) float_tile_avx512(K_BF16, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_f32_avx512, F32_TILE_AVX512, 4, 4)
CK_DEFINE_KERNEL(ck_k_f16_avx512, F16_TILE_AVX512, 4, 4)
CK_DEFINE_KERNEL(ck_k_bf16_avx512, BF16_TILE_AVX512, 4, 4)

#pragma clang attribute pop
#endif  // CK_X86

// MARK: Row-by-row order (llama.cpp's ggml_vec_dot_f32 / _f16 / _bf16)
//
// llama.cpp takes this path for single-token passes and for MoE experts (mul_mat_id):
// - F32, F16: 4 x 16 lanes over steps of 64 elements (element i to accumulator (i / 16) % 4,
//   lane i % 16), combined as (a0 + a2) + (a1 + a3), then ck_tree16. The last n % 64 elements:
//   F32 fuses each product into the float sum (fmaf, as GCC compiles ggml's loop); F16 sums in double.
// - BF16: 2 x 16 lanes over steps of 32; the two ck_tree16 sums and the last n % 32 products
//   are added in double.

static inline void rowwise_body_scalar(const int kind, const uint8_t *w, const uint8_t *x, int body, float *r0, float *r1) {
    const int nacc = kind == K_BF16 ? 2 : 4;
    float acc[4][16] = {{0}};
    for (int i = 0; i < body; i++)
        acc[(i >> 4) % nacc][i & 15] = fmaf(ld_elem(kind, w, i), ld_elem(kind, x, i), acc[(i >> 4) % nacc][i & 15]);
    if (kind == K_BF16) {
        *r0 = ck_tree16(acc[0]);
        *r1 = ck_tree16(acc[1]);
        return;
    }
    float lane[16];
    for (int l = 0; l < 16; l++) lane[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
    *r0 = ck_tree16(lane);
    *r1 = 0.0f;
}

ROWWISE_KERNELS(ck_k_, _rowwise_scalar, rowwise_body_scalar, rowwise_to_float)

#if CK_X86
/// The SIMD forms: the vector body, then the scalar definition's tail on the accumulators.
#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)
static inline __attribute__((always_inline)) void rowwise_body_avx512(const int kind, const uint8_t *w, const uint8_t *x,
                                                                      int body, float *r0, float *r1) {
    const size_t es = kind == K_F32 ? 4 : 2;
    const int step = kind == K_BF16 ? 32 : 64, nacc = step / 16;
    __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int i = 0; i < body; i += step) {
        _mm_prefetch((const char *)(w + (i + 4 * step) * es), _MM_HINT_T0);
        CK_UNROLL for (int j = 0; j < 4; j++)
            if (j < nacc) a[j] = _mm512_fmadd_ps(ld16(kind, w + (i + 16 * j) * es), ld16(kind, x + (i + 16 * j) * es), a[j]);
    }
    if (kind == K_BF16) {
        *r0 = ck_hsum16(a[0]);
        *r1 = ck_hsum16(a[1]);
        return;
    }
    *r0 = ck_hsum16(_mm512_add_ps(_mm512_add_ps(a[0], a[2]), _mm512_add_ps(a[1], a[3])));
    *r1 = 0.0f;
}

/// A tail (len < 64 elements) as floats, 16 at a time.
static inline __attribute__((always_inline)) void to_float_avx512(const int kind, const uint8_t *p, int len, float *out) {
    const size_t es = kind == K_F32 ? 4 : 2;
    for (int i = 0; i < len; i += 16) {
        const __mmask16 m = len - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (len - i)) - 1u);
        _mm512_mask_storeu_ps(out + i, m, ld16m(kind, p + i * es, m));
    }
}

/// ck_tree16 of 16 vectors at once, each sum in its own tree (t_i = a_i + a_{i+8}; u_i = t_i + t_{i+4};
/// (u_0 + u_2) + (u_1 + u_3)), by transposing as it adds: y[j] = ck_hsum16(v[j]) for j < 16.
static inline __attribute__((always_inline)) void hsum16x16_avx512(const __m512 v[16], float *y) {
    __m512 t[8], u[4], w[2];
    // t[k]: lanes 0..7 the t of row 2k, 8..15 those of row 2k + 1.
    CK_UNROLL for (int k = 0; k < 8; k++)
        t[k] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_f32x4(v[2 * k], v[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    // u[k]: 128-bit block b the u of row 4k + [0, 1, 2, 3][b] (from t[2k] blocks 0, 2 and t[2k + 1] blocks 0, 2).
    CK_UNROLL for (int k = 0; k < 4; k++)
        u[k] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * k], t[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(t[2 * k], t[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    // w[k]: block b = [u_0 + u_2, u_1 + u_3] of row 8k + b, then of row 8k + 4 + b.
    CK_UNROLL for (int k = 0; k < 2; k++)
        w[k] = _mm512_add_ps(_mm512_shuffle_ps(u[2 * k], u[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(u[2 * k], u[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    // r: block b = rows b, 4 + b, 8 + b, 12 + b.
    const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
    _mm512_storeu_ps(y, _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), r));
}

/// 16 rows x C activations of the row-by-row order at AVX-512: each weight step is loaded once for
/// the C activations, each (row, activation) keeps the accumulators of rowwise_body_avx512, and the
/// 16 rows' vectors are reduced together (hsum16x16_avx512, each row in its own tree). Rows without
/// a tail (n a multiple of the vector step) only.
static inline __attribute__((always_inline)) void rowwise16_tile_avx512(const int kind, const int C, const uint8_t *W,
                                                                       size_t rb, int n, const uint8_t *X, size_t xs,
                                                                       float *Y, size_t ys) {
    const size_t es = kind == K_F32 ? 4 : 2;
    const int body = rowwise_body(kind, n), step = kind == K_BF16 ? 32 : 64, nacc = step / 16;
    __m512 v0[4][16], v1[4][16];
    for (int j = 0; j < 16; j++) {
        const uint8_t *w = W + (size_t)j * rb;
        // Rows may be far apart (attention keys, a KV row apart): prefetch the next tile.
        for (size_t o = 0; o < (size_t)n * es; o += 64) _mm_prefetch((const char *)(w + 16 * rb + o), _MM_HINT_T0);
        __m512 a[4][4];
        CK_UNROLL for (int c = 0; c < C; c++) CK_UNROLL for (int k = 0; k < 4; k++) a[c][k] = _mm512_setzero_ps();
        for (int i = 0; i < body; i += step) {
            CK_UNROLL for (int k = 0; k < 4; k++) {
                if (k >= nacc) break;
                const __m512 wv = ld16(kind, w + (i + 16 * k) * es);
                CK_UNROLL for (int c = 0; c < C; c++)
                    a[c][k] = _mm512_fmadd_ps(wv, ld16(kind, X + (size_t)c * xs + (i + 16 * k) * es), a[c][k]);
            }
        }
        CK_UNROLL for (int c = 0; c < C; c++) {
            if (kind == K_BF16) {
                v0[c][j] = a[c][0];
                v1[c][j] = a[c][1];
            } else {
                v0[c][j] = _mm512_add_ps(_mm512_add_ps(a[c][0], a[c][2]), _mm512_add_ps(a[c][1], a[c][3]));
            }
        }
    }
    CK_UNROLL for (int c = 0; c < C; c++) {
        float s0[16], s1[16] = {0};
        hsum16x16_avx512(v0[c], s0);
        if (kind == K_BF16) hsum16x16_avx512(v1[c], s1);
        for (int j = 0; j < 16; j++)  // no tail: rowwise_tail keeps the vector part (BF16: its halves in double)
            Y[(size_t)c * ys + j] = kind == K_BF16 ? (float)((double)s0[j] + (double)s1[j]) : s0[j];
    }
}

ROWWISE_KERNELS(ck_rowwise4_, _avx512, rowwise_body_avx512, to_float_avx512)

/// The row-by-row order at AVX-512: 16-row tiles by up to 4 activations, the last rows % 16 four
/// (then one) at a time as ROWWISE_KERNEL takes them. One activation, and rows with a tail (such
/// as 32-wide attention heads, all tail), go to ROWWISE_KERNEL whole: its four interleaved rows are
/// as fast there (measured), and its tails are vectorised over the four.
#define ROWWISE16_KERNEL(NAME, KIND, REST)                                                                 \
    void NAME(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y,   \
              size_t ys) {                                                                                 \
        const int full = nc > 1 && rowwise_body(KIND, n) == n ? nr - nr % 16 : 0;                          \
        for (int r = 0; r < full; r += 16)                                                                 \
            for (int c = 0; c < nc; c += 4) {                                                              \
                const uint8_t *w = W + (size_t)r * rb, *x = X + (size_t)c * xs;                            \
                float *y = Y + (size_t)c * ys + r;                                                         \
                switch (nc - c < 4 ? nc - c : 4) {                                                         \
                case 1: rowwise16_tile_avx512(KIND, 1, w, rb, n, x, xs, y, ys); break;                     \
                case 2: rowwise16_tile_avx512(KIND, 2, w, rb, n, x, xs, y, ys); break;                     \
                case 3: rowwise16_tile_avx512(KIND, 3, w, rb, n, x, xs, y, ys); break;                     \
                default: rowwise16_tile_avx512(KIND, 4, w, rb, n, x, xs, y, ys); break;                    \
                }                                                                                          \
            }                                                                                              \
        if (full < nr) REST(W + (size_t)full * rb, rb, nr - full, n, X, xs, nc, Y + full, ys);             \
    }
ROWWISE16_KERNEL(ck_k_f32_rowwise_avx512, K_F32, ck_rowwise4_f32_avx512)
ROWWISE16_KERNEL(ck_k_f16_rowwise_avx512, K_F16, ck_rowwise4_f16_avx512)
ROWWISE16_KERNEL(ck_k_bf16_rowwise_avx512, K_BF16, ck_rowwise4_bf16_avx512)
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)
static inline __attribute__((always_inline)) void rowwise_body_avx2(const int kind, const uint8_t *w, const uint8_t *x,
                                                                    int body, float *r0, float *r1) {
    const size_t es = kind == K_F32 ? 4 : 2;
    const int step = kind == K_BF16 ? 32 : 64, nacc = step / 16;
    __m256 lo[4], hi[4];
    CK_UNROLL for (int j = 0; j < 4; j++) lo[j] = hi[j] = _mm256_setzero_ps();
    for (int i = 0; i < body; i += step) {
        CK_UNROLL for (int j = 0; j < 4; j++)
            if (j < nacc) {
                const int o = i + 16 * j;
                lo[j] = _mm256_fmadd_ps(ld8(kind, w + o * es), ld8(kind, x + o * es), lo[j]);
                hi[j] = _mm256_fmadd_ps(ld8(kind, w + (o + 8) * es), ld8(kind, x + (o + 8) * es), hi[j]);
            }
    }
    if (kind == K_BF16) {
        *r0 = ck_hsum16x2(lo[0], hi[0]);
        *r1 = ck_hsum16x2(lo[1], hi[1]);
        return;
    }
    *r0 = ck_hsum16x2(_mm256_add_ps(_mm256_add_ps(lo[0], lo[2]), _mm256_add_ps(lo[1], lo[3])),
                      _mm256_add_ps(_mm256_add_ps(hi[0], hi[2]), _mm256_add_ps(hi[1], hi[3])));
    *r1 = 0.0f;
}

/// A tail (len < 64 elements) as floats, 8 at a time, the last few one by one.
static inline __attribute__((always_inline)) void to_float_avx2(const int kind, const uint8_t *p, int len, float *out) {
    const size_t es = kind == K_F32 ? 4 : 2;
    int i = 0;
    for (; i + 8 <= len; i += 8) _mm256_storeu_ps(out + i, ld8(kind, p + i * es));
    for (; i < len; i++) out[i] = ld_elem(kind, p, i);
}

ROWWISE_KERNELS(ck_rowwise4_, _avx2, rowwise_body_avx2, to_float_avx2)

/// ck_hsum8 of 8 vectors at once, each in its own tree (t_i = a_i + a_{i+4}; (t_0 + t_2) + (t_1 +
/// t_3)), transposing as it adds: lane j of the result = ck_hsum8(v[j]).
static inline __attribute__((always_inline)) __m256 hsum8x8_avx2(const __m256 v[8]) {
    __m256 t[4], w[2];
    // t[k]: lanes 0..3 the t of row 2k, 4..7 those of row 2k + 1.
    CK_UNROLL for (int k = 0; k < 4; k++)
        t[k] = _mm256_add_ps(_mm256_permute2f128_ps(v[2 * k], v[2 * k + 1], 0x20),
                             _mm256_permute2f128_ps(v[2 * k], v[2 * k + 1], 0x31));
    // w[k]: 128-bit half h = [t_0 + t_2, t_1 + t_3] of row 4k + h, then of row 4k + 2 + h.
    CK_UNROLL for (int k = 0; k < 2; k++)
        w[k] = _mm256_add_ps(_mm256_shuffle_ps(t[2 * k], t[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm256_shuffle_ps(t[2 * k], t[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    // r: half h = rows h, 2 + h, 4 + h, 6 + h.
    const __m256 r = _mm256_add_ps(_mm256_shuffle_ps(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm256_shuffle_ps(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm256_permutevar8x32_ps(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/// 8 rows x C activations (F32, F16; rows without a tail) of the row-by-row order at AVX2. The
/// activations come as floats (xf, C rows xfs apart), so each weight vector is loaded and converted
/// once for the C of them and the activation is a memory operand of the fused multiply-add. Each
/// (row, activation) computes the 8-lane halves of rowwise_body_avx2's accumulators one at a time (a
/// chain over the row's 64-element steps), combines them as it does, and the 8 rows' sums are
/// reduced together (hsum8x8_avx2).
static inline __attribute__((always_inline)) void rowwise8_tile_avx2(const int kind, const int C, const uint8_t *W,
                                                                    size_t rb, int n, const float *xf, size_t xfs,
                                                                    float *Y, size_t ys) {
    const size_t es = kind == K_F32 ? 4 : 2;
    __m256 v[4][8];
    for (int j = 0; j < 8; j++) {
        const uint8_t *w = W + (size_t)j * rb;
        // Rows may be far apart (attention keys, a KV row apart): prefetch two tiles ahead.
        for (size_t o = 0; o < (size_t)n * es; o += 64) _mm_prefetch((const char *)(w + 16 * rb + o), _MM_HINT_T0);
        __m256 a[4][4][2];  // [activation][accumulator][half]
        CK_UNROLL for (int k = 0; k < 4; k++) CK_UNROLL for (int h = 0; h < 2; h++) {
            CK_UNROLL for (int c = 0; c < C; c++) a[c][k][h] = _mm256_setzero_ps();
            for (int i = 16 * k + 8 * h; i < n; i += 64) {
                const __m256 wv = ld8(kind, w + i * es);
                CK_UNROLL for (int c = 0; c < C; c++)
                    a[c][k][h] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xf + c * xfs + i), a[c][k][h]);
            }
        }
        CK_UNROLL for (int c = 0; c < C; c++) {
            const __m256 lo = _mm256_add_ps(_mm256_add_ps(a[c][0][0], a[c][2][0]), _mm256_add_ps(a[c][1][0], a[c][3][0]));
            const __m256 hi = _mm256_add_ps(_mm256_add_ps(a[c][0][1], a[c][2][1]), _mm256_add_ps(a[c][1][1], a[c][3][1]));
            v[c][j] = _mm256_add_ps(lo, hi);
        }
    }
    CK_UNROLL for (int c = 0; c < C; c++) _mm256_storeu_ps(Y + (size_t)c * ys, hsum8x8_avx2(v[c]));
}

/// The row-by-row order at AVX2 for F32 and F16: 8-row tiles by up to 4 activations (F16
/// activations converted to floats first, rows of up to ROWWISE8_XMAX elements: 32 KiB of stack),
/// the last rows % 8 and rows with a tail as ROWWISE_KERNEL takes them.
enum { ROWWISE8_XMAX = 2048 };
#define ROWWISE8_KERNEL(NAME, KIND, REST)                                                                  \
    CK_DECLARE_KERNEL(NAME) {                                                                              \
        const int tiled = rowwise_body(KIND, n) == n && (KIND == K_F32 || n <= ROWWISE8_XMAX);             \
        const int full = tiled ? nr - nr % 8 : 0;                                                          \
        float conv[KIND == K_F32 ? 1 : 4 * ROWWISE8_XMAX];                                                 \
        for (int c = 0; c < nc && full > 0; c += 4) {                                                      \
            const int cc = nc - c < 4 ? nc - c : 4;                                                        \
            const float *xf = (const float *)(X + (size_t)c * xs);                                         \
            size_t xfs = xs / 4;                                                                           \
            if (KIND != K_F32) {                                                                           \
                for (int k = 0; k < cc; k++) to_float_avx2(KIND, X + (size_t)(c + k) * xs, n, conv + k * n); \
                xf = conv, xfs = (size_t)n;                                                                \
            }                                                                                              \
            for (int r = 0; r < full; r += 8) {                                                            \
                const uint8_t *w = W + (size_t)r * rb;                                                     \
                float *y = Y + (size_t)c * ys + r;                                                         \
                switch (cc) {                                                                              \
                case 1: rowwise8_tile_avx2(KIND, 1, w, rb, n, xf, xfs, y, ys); break;                      \
                case 2: rowwise8_tile_avx2(KIND, 2, w, rb, n, xf, xfs, y, ys); break;                      \
                case 3: rowwise8_tile_avx2(KIND, 3, w, rb, n, xf, xfs, y, ys); break;                      \
                default: rowwise8_tile_avx2(KIND, 4, w, rb, n, xf, xfs, y, ys); break;                     \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        if (full < nr) REST(W + (size_t)full * rb, rb, nr - full, n, X, xs, nc, Y + full, ys);             \
    }
ROWWISE8_KERNEL(ck_k_f32_rowwise_avx2, K_F32, ck_rowwise4_f32_avx2)
ROWWISE8_KERNEL(ck_k_f16_rowwise_avx2, K_F16, ck_rowwise4_f16_avx2)
CK_DECLARE_KERNEL(ck_k_bf16_rowwise_avx2) {
    ck_rowwise4_bf16_avx2(W, rb, nr, n, X, xs, nc, Y, ys);
}
#pragma clang attribute pop
#endif  // CK_X86
