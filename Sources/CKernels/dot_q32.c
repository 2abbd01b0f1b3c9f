// 32-element block types other than Q4_0 / Q8_0: Q5_0, IQ4_NL and MXFP4 against Q8_0 activations,
// Q4_1 and Q5_1 against Q8_1 activations (llama.cpp's pairings).
//
// Numerics: llama.cpp's x86 float orders, so logits match llama.cpp's bit for bit (measured on
// files whose other tensors are exact too; docs/DECISIONS.md). w are the block's integer values
// (q - 16 for Q5_0, q for Q4_1 / Q5_1, the grid value for IQ4_NL / MXFP4), all sums exact int32.
// - Lane order (Q5_0, Q4_1, Q5_1: ggml_vec_dot_*_q8_* AVX2 and tinyBLAS): 8 float lanes per
//   output, lane l takes elements 4l..4l+3 of each block: lane_l = fmaf(dw_b * dy_b, (float)s_bl,
//   lane_l); Q4_1 / Q5_1 also summs = fmaf(m_b, s_y_b, summs) (s_y = Q8_1's d * sum q); the result
//   is ck_tree8(lanes) + summs.
// - Chain order (IQ4_NL, MXFP4: llama.cpp's repacked 8x8 kernels): acc = fmaf(dw_b * dy_b,
//   (float)s_b, acc) block by block (dw_b = 2^(e-128) for MXFP4), acc starting at +0.
// Identical bits at every level, for any tile shape and row split.
//
// Kernels:
// - scalar: the definitions above.
// - AVX2: lane order in tiles of 2 rows x up to 4 activation rows (an __m256 per output); chain
//   order with 8 rows in the lanes of a ymm (maddubs/madd, transpose-add) for one activation row;
//   for several, dot_q32_gemm.c's repacked tile.
// - AVX-512: the same with vpdpbusd, lane-order tiles of 4 x 4, chain order 16 rows per zmm.
#include "ck_internal.h"
#include "ck_reduce.h"
#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>

/// Per-type geometry: block bytes, offset of the nibbles, of the 32 high bits (Q5; -1: none),
/// whether a min follows d, and the activation block bytes.
typedef struct {
    int bytes, qs, qh, has_min, xbytes;
} q32_layout;

enum { Q32_Q4_1, Q32_Q5_0, Q32_Q5_1, Q32_IQ4_NL, Q32_MXFP4 };

static const q32_layout q32_layouts[5] = {
    [Q32_Q4_1] = {Q4_1_BYTES, 4, -1, 1, Q8_1_BYTES},
    [Q32_Q5_0] = {Q5_0_BYTES, 6, 2, 0, Q8_0_BYTES},
    [Q32_Q5_1] = {Q5_1_BYTES, 8, 4, 1, Q8_1_BYTES},
    [Q32_IQ4_NL] = {IQ4_NL_BYTES, 2, -1, 0, Q8_0_BYTES},
    [Q32_MXFP4] = {MXFP4_BYTES, 1, -1, 0, Q8_0_BYTES},
};

/// The block's scale as a float (fp16 d, or MXFP4's halved E8M0 exponent).
static inline float q32_d(const int k, const uint8_t *b) {
    return k == Q32_MXFP4 ? ck_e8m0_half(b[0]) : ck_h2f(ck_ld16(b));
}

/// 1: llama.cpp's vec_dot / tinyBLAS order (8 lanes); 0: the fmaf chain of its repacked kernels.
static inline int q32_lanes(const int k) { return k == Q32_Q5_0 || k == Q32_Q4_1 || k == Q32_Q5_1; }

/// Offset of the int8 values in an activation block (Q8_0: after d; Q8_1: after d and s).
static inline int q32_xqs(const int k) { return q32_layouts[k].xbytes == Q8_1_BYTES ? 4 : 2; }

// MARK: Scalar (the definition)

/// Integer value of element j (0..31) of block b.
static inline int q32_value(const int k, const uint8_t *b, int j) {
    const q32_layout L = q32_layouts[k];
    const int nib = j < 16 ? b[L.qs + j] & 0x0F : b[L.qs + j - 16] >> 4;
    switch (k) {
    case Q32_Q4_1: return nib;
    case Q32_IQ4_NL: return ck_kvalues_iq4nl[nib];
    case Q32_MXFP4: return ck_kvalues_mxfp4[nib];
    default: {
        const int hb = (int)((ck_ld32(b + L.qh) >> j) & 1u) << 4;
        return k == Q32_Q5_0 ? (nib | hb) - 16 : nib | hb;
    }
    }
}

/// The fmaf chain (IQ4_NL, MXFP4).
static inline float q32_dot_chain(const int k, const uint8_t *w, const uint8_t *x, int n) {
    const q32_layout L = q32_layouts[k];
    const int xo = q32_xqs(k);
    float acc = 0.0f;
    for (int ib = 0; ib < n / 32; ib++, w += L.bytes, x += L.xbytes) {
        int s = 0;
        for (int j = 0; j < 32; j++) s += q32_value(k, w, j) * (int8_t)x[xo + j];
        acc = fmaf(q32_d(k, w) * ck_h2f(ck_ld16(x)), (float)s, acc);
    }
    return acc;
}

/// The 8 lanes of 4-element groups (Q5_0, Q4_1, Q5_1), plus the min term in its own float.
static inline float q32_dot_lanes(const int k, const uint8_t *w, const uint8_t *x, int n) {
    const q32_layout L = q32_layouts[k];
    const int xo = q32_xqs(k);
    float lane[8] = {0}, summs = 0.0f;
    for (int ib = 0; ib < n / 32; ib++, w += L.bytes, x += L.xbytes) {
        const float d = q32_d(k, w) * ck_h2f(ck_ld16(x));
        for (int l = 0; l < 8; l++) {
            int s = 0;
            for (int j = 4 * l; j < 4 * l + 4; j++) s += q32_value(k, w, j) * (int8_t)x[xo + j];
            lane[l] = fmaf(d, (float)s, lane[l]);
        }
        if (L.has_min) summs = fmaf(ck_h2f(ck_ld16(w + 2)), ck_h2f(ck_ld16(x + 2)), summs);
    }
    return ck_tree8(lane) + summs;
}

static inline float q32_dot_scalar(const int k, const uint8_t *w, const uint8_t *x, int n) {
    return q32_lanes(k) ? q32_dot_lanes(k, w, x, n) : q32_dot_chain(k, w, x, n);
}

static float dot_q4_1_scalar(const uint8_t *w, const uint8_t *x, int n) { return q32_dot_scalar(Q32_Q4_1, w, x, n); }
static float dot_q5_0_scalar(const uint8_t *w, const uint8_t *x, int n) { return q32_dot_scalar(Q32_Q5_0, w, x, n); }
static float dot_q5_1_scalar(const uint8_t *w, const uint8_t *x, int n) { return q32_dot_scalar(Q32_Q5_1, w, x, n); }
static float dot_iq4_nl_scalar(const uint8_t *w, const uint8_t *x, int n) { return q32_dot_scalar(Q32_IQ4_NL, w, x, n); }
static float dot_mxfp4_scalar(const uint8_t *w, const uint8_t *x, int n) { return q32_dot_scalar(Q32_MXFP4, w, x, n); }

CK_DOTS_KERNEL(ck_k_q4_1_scalar, dot_q4_1_scalar)
CK_DOTS_KERNEL(ck_k_q5_0_scalar, dot_q5_0_scalar)
CK_DOTS_KERNEL(ck_k_q5_1_scalar, dot_q5_1_scalar)
CK_DOTS_KERNEL(ck_k_iq4_nl_scalar, dot_iq4_nl_scalar)
CK_DOTS_KERNEL(ck_k_mxfp4_scalar, dot_mxfp4_scalar)

#if CK_X86
// MARK: AVX2 helpers (also inlined into the AVX-512 kernels)

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

#define AI static inline __attribute__((always_inline))

/// The 32 values of block b as bytes in element order (signed for Q5_0 / IQ4_NL / MXFP4).
AI __m256i q32_unpack(const int k, const uint8_t *b) {
    const q32_layout L = q32_layouts[k];
    const __m128i q = _mm_loadu_si128((const __m128i *)(b + L.qs));
    __m256i v = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
    if (k == Q32_IQ4_NL || k == Q32_MXFP4) {
        const __m128i t = _mm_loadu_si128((const __m128i *)(k == Q32_IQ4_NL ? ck_kvalues_iq4nl : ck_kvalues_mxfp4));
        return _mm256_shuffle_epi8(_mm256_set_m128i(t, t), v);
    }
    if (L.qh >= 0) {
        // byte j gets bit j of qh: spread the 4 qh bytes over 8 bytes each, test one bit per byte
        const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)ck_ld32(b + L.qh)),
                                                  _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                                   2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
        const __m256i hb = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(bytes, bit), bit), _mm256_set1_epi8(16));
        v = _mm256_or_si256(v, hb);
        if (k == Q32_Q5_0) v = _mm256_sub_epi8(v, _mm256_set1_epi8(16));
    }
    return v;
}

AI int q32_signed(const int k) { return k == Q32_Q5_0 || k == Q32_IQ4_NL || k == Q32_MXFP4; }

/// p[r] holds 8 int32 partial sums of row r; returns lane r = sum of p[r].
AI __m256i q32_reduce8(const __m256i p[8]) {
    __m256i h01 = _mm256_hadd_epi32(p[0], p[1]), h23 = _mm256_hadd_epi32(p[2], p[3]);
    __m256i h45 = _mm256_hadd_epi32(p[4], p[5]), h67 = _mm256_hadd_epi32(p[6], p[7]);
    __m256i a = _mm256_hadd_epi32(h01, h23), b = _mm256_hadd_epi32(h45, h67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

/// Block scales of block ib of 8 rows.
AI __m256 q32_scales8(const int k, const uint8_t *const row[8], int ib) {
    const q32_layout L = q32_layouts[k];
    float dv[8];
    CK_UNROLL for (int r = 0; r < 8; r++) {
        const uint8_t *b = row[r] + (size_t)ib * L.bytes;
        dv[r] = k == Q32_MXFP4 ? ck_e8m0_half(b[0]) : _cvtsh_ss(ck_ld16(b));
    }
    return _mm256_loadu_ps(dv);
}

// MARK: AVX2 chain order (IQ4_NL, MXFP4)

/// 8 rows (the last R valid) x one activation row: lane r = y[r], the fmaf chain in each lane.
AI __m256 q32_rows8(const int k, const uint8_t *W, size_t rb, int R, int n, const uint8_t *x) {
    const q32_layout L = q32_layouts[k];
    const int xo = q32_xqs(k);
    const uint8_t *row[8];
    for (int r = 0; r < 8; r++) row[r] = W + (size_t)(r < R ? r : R - 1) * rb;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc = _mm256_setzero_ps();
    for (int ib = 0; ib < n / 32; ib++) {
        const uint8_t *yb = x + (size_t)ib * L.xbytes;
        const __m256i y = _mm256_loadu_si256((const __m256i *)(yb + xo));
        __m256i p[8];
        CK_UNROLL for (int r = 0; r < 8; r++) {
            const uint8_t *wb = row[r] + (size_t)ib * L.bytes;
            _mm_prefetch((const char *)(wb + 8 * rb), _MM_HINT_T0);
            const __m256i w = q32_unpack(k, wb);
            if (q32_signed(k))
                p[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(y, w)), ones);
            else
                p[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(w, y), ones);
        }
        const __m256i s = q32_reduce8(p);
        acc = _mm256_fmadd_ps(_mm256_mul_ps(q32_scales8(k, row, ib), _mm256_set1_ps(_cvtsh_ss(ck_ld16(yb)))),
                              _mm256_cvtepi32_ps(s), acc);
    }
    return acc;
}

AI void store8(__m256 v, int R, float *Y) {
    float out[8];
    _mm256_storeu_ps(out, v);
    for (int r = 0; r < R; r++) Y[r] = out[r];
}

/// Weight rows in groups of 8; every activation row against a group while it is in L1.
AI void q32_avx2(const int k, const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc,
                 float *Y, size_t ys) {
    for (int r = 0; r < nr; r += 8) {
        const int R = nr - r < 8 ? nr - r : 8;
        for (int c = 0; c < nc; c++)
            store8(q32_rows8(k, W + (size_t)r * rb, rb, R, n, X + (size_t)c * xs), R, Y + (size_t)c * ys + r);
    }
}

// MARK: Lane order (Q5_0, Q4_1, Q5_1): a tile of R weight rows x C activation rows

/// DOT(aw, sy) gives the 8 int32 group sums of |w| (or unsigned w) times the sign-adjusted y.
#define Q32_LANES_BODY(DOT)                                                                                \
    const q32_layout L = q32_layouts[k];                                                                   \
    const int xo = q32_xqs(k), sgn = q32_signed(k);                                                         \
    __m256 acc[4][4];                                                                                      \
    float sm[4][4];                                                                                        \
    CK_UNROLL for (int r = 0; r < R; r++) CK_UNROLL for (int c = 0; c < C; c++) {                         \
        acc[r][c] = _mm256_setzero_ps();                                                                   \
        sm[r][c] = 0.0f;                                                                                   \
    }                                                                                                      \
    const __m256i ones = _mm256_set1_epi16(1);                                                             \
    (void)ones;                                                                                            \
    for (int ib = 0; ib < n / 32; ib++) {                                                                  \
        __m256i y[4];                                                                                      \
        float dy[4], sy[4];                                                                                \
        CK_UNROLL for (int c = 0; c < C; c++) {                                                           \
            const uint8_t *yb = X + c * xs + (size_t)ib * L.xbytes;                                        \
            y[c] = _mm256_loadu_si256((const __m256i *)(yb + xo));                                         \
            dy[c] = _cvtsh_ss(ck_ld16(yb));                                                                \
            sy[c] = L.has_min ? _cvtsh_ss(ck_ld16(yb + 2)) : 0.0f;                                         \
        }                                                                                                  \
        CK_UNROLL for (int r = 0; r < R; r++) {                                                           \
            const uint8_t *wb = W + r * rb + (size_t)ib * L.bytes;                                         \
            _mm_prefetch((const char *)(wb + 8 * L.bytes), _MM_HINT_T0);                                   \
            const __m256i w = q32_unpack(k, wb);                                                           \
            const __m256i aw = sgn ? _mm256_sign_epi8(w, w) : w;                                           \
            const float dw = _cvtsh_ss(ck_ld16(wb)), m = L.has_min ? _cvtsh_ss(ck_ld16(wb + 2)) : 0.0f;    \
            CK_UNROLL for (int c = 0; c < C; c++) {                                                       \
                const __m256i sy8 = sgn ? _mm256_sign_epi8(y[c], w) : y[c];                                \
                acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dw * dy[c]), _mm256_cvtepi32_ps(DOT(aw, sy8)), acc[r][c]); \
                if (L.has_min) sm[r][c] = fmaf(m, sy[c], sm[r][c]);                                        \
            }                                                                                              \
        }                                                                                                  \
    }                                                                                                      \
    CK_UNROLL for (int r = 0; r < R; r++)                                                                  \
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys + r] = ck_hsum8(acc[r][c]) + sm[r][c];

#define Q32_DOT_AVX2(a, b) _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones)
#define Q32_DOT_VNNI(a, b) _mm256_dpbusd_epi32(_mm256_setzero_si256(), a, b)

AI void q32_lanes_avx2(const int k, const int R, const int C, const uint8_t *W, size_t rb, int n,
                       const uint8_t *X, size_t xs, float *Y, size_t ys) {
    Q32_LANES_BODY(Q32_DOT_AVX2)
}
#define Q4_1_T_AVX2(R, C, ...) q32_lanes_avx2(Q32_Q4_1, R, C, __VA_ARGS__)
#define Q5_0_T_AVX2(R, C, ...) q32_lanes_avx2(Q32_Q5_0, R, C, __VA_ARGS__)
#define Q5_1_T_AVX2(R, C, ...) q32_lanes_avx2(Q32_Q5_1, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_q4_1_avx2, Q4_1_T_AVX2, 2, 4)
CK_DEFINE_KERNEL(ck_k_q5_0_avx2, Q5_0_T_AVX2, 2, 4)
CK_DEFINE_KERNEL(ck_k_q5_1_avx2, Q5_1_T_AVX2, 2, 4)

#define Q32_KERNEL_AVX2(NAME, K)                                                                          \
    void NAME(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, \
              size_t ys) {                                                                                \
        q32_avx2(K, W, rb, nr, n, X, xs, nc, Y, ys);                                                      \
    }
Q32_KERNEL_AVX2(ck_k_iq4_nl_avx2_mv, Q32_IQ4_NL)  // ck_k_*_avx2 add the repacked matmul (dot_q32_gemm.c)
Q32_KERNEL_AVX2(ck_k_mxfp4_avx2_mv, Q32_MXFP4)

#pragma clang attribute pop

// MARK: AVX-512: the chain order 16 rows per pass, the lane order in 4 x 4 tiles; block dots with vpdpbusd

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

/// Up to 16 rows against up to Q32_COLS activation columns: each block's weights are unpacked (and
/// their scales read) once for all the columns, which a MoE expert's prefill rows share. Per (row,
/// column) the sum is the same chain over blocks as for one column alone, so the bits do not change.
enum { Q32_COLS = 4 };
AI void q32_rows16(const int k, const uint8_t *W, size_t rb, int R, int n, const uint8_t *X, size_t xs, int C,
                   float *Y, size_t ys) {
    const q32_layout L = q32_layouts[k];
    const int xo = q32_xqs(k);
    const uint8_t *row[16];
    for (int r = 0; r < 16; r++) row[r] = W + (size_t)(r < R ? r : R - 1) * rb;
    __m512 acc[Q32_COLS];
    CK_UNROLL for (int c = 0; c < Q32_COLS; c++) acc[c] = _mm512_setzero_ps();
    for (int ib = 0; ib < n / 32; ib++) {
        __m256i w[16], ws[16];
        CK_UNROLL for (int r = 0; r < 16; r++) {
            const uint8_t *wb = row[r] + (size_t)ib * L.bytes;
            _mm_prefetch((const char *)(wb + 16 * rb), _MM_HINT_T0);
            w[r] = q32_unpack(k, wb);
            ws[r] = q32_signed(k) ? _mm256_sign_epi8(w[r], w[r]) : w[r];
        }
        const __m256 d0 = q32_scales8(k, row, ib), d1 = q32_scales8(k, row + 8, ib);
        const __m512 d = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(d0)), _mm256_castps_pd(d1), 1));
        for (int c = 0; c < C; c++) {
            const uint8_t *yb = X + (size_t)c * xs + (size_t)ib * L.xbytes;
            const __m256i y = _mm256_loadu_si256((const __m256i *)(yb + xo));
            __m256i p[16];
            CK_UNROLL for (int r = 0; r < 16; r++)
                p[r] = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ws[r], q32_signed(k) ? _mm256_sign_epi8(y, w[r]) : y);
            const __m512i s = _mm512_inserti64x4(_mm512_castsi256_si512(q32_reduce8(p)), q32_reduce8(p + 8), 1);
            acc[c] = _mm512_fmadd_ps(_mm512_mul_ps(d, _mm512_set1_ps(_cvtsh_ss(ck_ld16(yb)))), _mm512_cvtepi32_ps(s), acc[c]);
        }
    }
    for (int c = 0; c < C; c++) _mm512_mask_storeu_ps(Y + (size_t)c * ys, (__mmask16)((1u << R) - 1u), acc[c]);
}

AI void q32_avx512(const int k, const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc,
                   float *Y, size_t ys) {
    for (int r = 0; r < nr; r += 16) {
        const int R = nr - r < 16 ? nr - r : 16;
        for (int c = 0; c < nc; c += Q32_COLS)
            q32_rows16(k, W + (size_t)r * rb, rb, R, n, X + (size_t)c * xs, xs, nc - c < Q32_COLS ? nc - c : Q32_COLS,
                       Y + (size_t)c * ys + r, ys);
    }
}

#define Q32_KERNEL_AVX512(NAME, K)                                                                        \
    void NAME(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, \
              size_t ys) {                                                                                \
        q32_avx512(K, W, rb, nr, n, X, xs, nc, Y, ys);                                                    \
    }
AI void q32_lanes_avx512(const int k, const int R, const int C, const uint8_t *W, size_t rb, int n,
                         const uint8_t *X, size_t xs, float *Y, size_t ys) {
    Q32_LANES_BODY(Q32_DOT_VNNI)
}
#define Q4_1_T_AVX512(R, C, ...) q32_lanes_avx512(Q32_Q4_1, R, C, __VA_ARGS__)
#define Q5_0_T_AVX512(R, C, ...) q32_lanes_avx512(Q32_Q5_0, R, C, __VA_ARGS__)
#define Q5_1_T_AVX512(R, C, ...) q32_lanes_avx512(Q32_Q5_1, R, C, __VA_ARGS__)
CK_DEFINE_KERNEL(ck_k_q4_1_avx512, Q4_1_T_AVX512, 4, 4)
CK_DEFINE_KERNEL(ck_k_q5_0_avx512, Q5_0_T_AVX512, 4, 4)
CK_DEFINE_KERNEL(ck_k_q5_1_avx512, Q5_1_T_AVX512, 4, 4)
Q32_KERNEL_AVX512(ck_k_iq4_nl_avx512, Q32_IQ4_NL)
Q32_KERNEL_AVX512(ck_k_mxfp4_avx512, Q32_MXFP4)

#pragma clang attribute pop
#endif  // CK_X86
