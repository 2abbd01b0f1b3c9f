// Internal helpers shared by the kernel files (never seen by Swift).
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H

#include "include/ckernels.h"
#include <stdatomic.h>
#include <string.h>

// MARK: Block layouts (all packed by construction; multi-byte fields little-endian)

#define QK8_0 32
#define QK4_0 32
#define QK_K 256

enum {
    Q8_0_BYTES = 34,   // fp16 d; int8 qs[32]
    Q8_PACK_SCALES = 16,  // ck_q8_0_pack: a block of 8 rows starts with their 8 fp16 scales
    Q4_0_BYTES = 18,   // fp16 d; uint8 qs[16]
    Q4_K_BYTES = 144,  // fp16 d, dmin; scales[12]; qs[128]
    Q5_K_BYTES = 176,  // fp16 d, dmin; scales[12]; qh[32]; qs[128]
    Q6_K_BYTES = 210,  // ql[128]; qh[64]; int8 scales[16]; fp16 d
    Q8_K_BYTES = 292,  // float d; int8 qs[256]; int16 bsums[16]
    Q8_1_BYTES = 36,   // fp16 d, s (= d * sum qs); int8 qs[32]
    Q4_1_BYTES = 20,   // fp16 d, m; uint8 qs[16]
    Q5_0_BYTES = 22,   // fp16 d; uint8 qh[4]; qs[16]
    Q5_1_BYTES = 24,   // fp16 d, m; uint8 qh[4]; qs[16]
    IQ4_NL_BYTES = 18, // fp16 d; qs[16] (indices into ck_kvalues_iq4nl)
    MXFP4_BYTES = 17,  // uint8 e (E8M0); qs[16] (indices into ck_kvalues_mxfp4)
    Q2_K_BYTES = 84,   // scales[16] (scale | min << 4); qs[64]; fp16 d, dmin
    Q3_K_BYTES = 110,  // hmask[32]; qs[64]; scales[12] (6-bit, biased by 32); fp16 d
    IQ4_XS_BYTES = 136, // fp16 d; uint16 scales_h; scales_l[4]; qs[128]
};
// Field offsets.
enum {
    Q6K_QL = 0, Q6K_QH = 128, Q6K_SC = 192, Q6K_D = 208,
    Q8K_QS = 4, Q8K_BSUMS = 260,
    QK_SCALES = 4, Q4K_QS = 16, Q5K_QH = 16, Q5K_QS = 48,
    Q2K_QS = 16, Q2K_D = 80, Q3K_QS = 32, Q3K_SC = 96, Q3K_D = 108,
    IQ4XS_SH = 2, IQ4XS_SL = 4, IQ4XS_QS = 8,
};

/// The non-linear 4-bit grids (ggml's kvalues_iq4nl and kvalues_mxfp4, the latter E2M1 doubled).
static const int8_t ck_kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1, 13, 25, 38, 53, 69, 89, 113};
static const int8_t ck_kvalues_mxfp4[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

/// MXFP4's E8M0 block exponent as a float, halved (the grid is doubled): 2^(e - 128), exact
/// (2^-128 and 2^-127 are subnormal). Same bits as ggml's GGML_E8M0_TO_FP32_HALF.
static inline float ck_e8m0_half(uint8_t e) {
    uint32_t bits = e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// Q3_K's 16 scales (6-bit, minus 32) from the 12 packed bytes.
static inline void ck_q3k_scales(const uint8_t *q, int8_t out[16]) {
    for (int j = 0; j < 16; j++) {
        const int lo = j < 8 ? q[j] & 0x0F : q[j - 8] >> 4;
        const int hi = (q[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
        out[j] = (int8_t)((lo | (hi << 4)) - 32);
    }
}

/// IQ4_XS's 8 sub-block scales (6-bit, minus 32).
static inline void ck_iq4xs_scales(const uint8_t *b, int8_t out[8]) {
    const unsigned sh = (unsigned)b[IQ4XS_SH] | ((unsigned)b[IQ4XS_SH + 1] << 8);
    for (int j = 0; j < 8; j++)
        out[j] = (int8_t)((((b[IQ4XS_SL + j / 2] >> (4 * (j % 2))) & 0x0F) | (((sh >> (2 * j)) & 3) << 4)) - 32);
}

// MARK: Unaligned little-endian loads

static inline uint16_t ck_ld16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t ck_ld32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline float ck_ldf(const void *p) { float v; memcpy(&v, p, 4); return v; }
static inline uint32_t ck_f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float ck_u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

// MARK: Scalar fp16 / bf16 (bit-identical to F16C and ggml)

static inline float ck_h2f(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu, man = h & 0x3FFu;
    if (exp == 0x1F) return ck_u2f(sign | 0x7F800000u | (man ? 0x400000u | (man << 13) : 0));
    if (exp == 0) {
        float v = (float)man * 0x1p-24f;  // exact
        return ck_u2f(sign | ck_f2u(v));
    }
    return ck_u2f(sign | ((exp + 112u) << 23) | (man << 13));
}

static inline uint16_t ck_f2h(float f) {
    uint32_t x = ck_f2u(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7FFFFFFFu;
    if (ax > 0x7F800000u) return sign | 0x7E00u | (uint16_t)((ax >> 13) & 0x3FFu);  // quiet NaN
    if (ax >= 0x477FF000u) return sign | 0x7C00u;                                   // >= 65520 -> inf
    if (ax >= 0x38800000u) {                                                        // normal half
        uint32_t r = ax + 0xFFFu + ((ax >> 13) & 1u) - 0x38000000u;
        return sign | (uint16_t)(r >> 13);
    }
    if (ax <= 0x33000000u) return sign;  // <= 2^-25 rounds to zero (tie goes to even 0)
    uint32_t e = ax >> 23, m = (ax & 0x7FFFFFu) | 0x800000u;
    uint32_t shift = 126u - e;  // 14..24
    uint32_t q = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (q & 1u))) q++;
    return sign | (uint16_t)q;
}

static inline float ck_b2f(uint16_t h) { return ck_u2f((uint32_t)h << 16); }

static inline uint16_t ck_f2b(float f) {
    uint32_t u = ck_f2u(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 64u);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

// MARK: Dispatch level

enum { CK_SCALAR = 0, CK_AVX2 = 1, CK_AVX512 = 2, CK_NEON = 3 };

/// 1 when the x86 SIMD code (AVX2, AVX-512) is compiled in.
#if defined(__x86_64__) || defined(__i386__)
#define CK_X86 1
#else
#define CK_X86 0
#endif
/// Expands to its arguments only when the x86 SIMD code is compiled in.
#if CK_X86
#define CK_IF_X86(...) __VA_ARGS__
#else
#define CK_IF_X86(...)
#endif

static inline int ck_level(void) {
    uint32_t f = ck_active_features();
#if defined(__aarch64__)
    if ((f & CK_LEVEL_NEON_FEATURES) == CK_LEVEL_NEON_FEATURES) return CK_NEON;
#endif
    if ((f & CK_LEVEL_AVX512_FEATURES) == CK_LEVEL_AVX512_FEATURES) return CK_AVX512;
    if ((f & CK_LEVEL_AVX2_FEATURES) == CK_LEVEL_AVX2_FEATURES) return CK_AVX2;
    return CK_SCALAR;
}

/// Full unrolling for the small fixed-trip loops of register tiles (keeps accumulators in registers).
#if defined(__clang__)
#define CK_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define CK_UNROLL _Pragma("GCC unroll 16")
#else
#define CK_UNROLL
#endif

#define CK_TARGET_AVX2 "avx2,fma,f16c"
#define CK_TARGET_AVX512 "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"

// MARK: K-quant 6-bit scale/min unpacking (Q4_K, Q5_K)

/// sc[j], m[j] for j = 0..7 from the 12 packed bytes.
static inline void ck_kscales(const uint8_t *q, uint8_t sc[8], uint8_t m[8]) {
    for (int j = 0; j < 4; j++) {
        sc[j] = q[j] & 63;
        m[j] = q[j + 4] & 63;
        sc[j + 4] = (uint8_t)((q[j + 8] & 0x0F) | ((q[j] >> 6) << 4));
        m[j + 4] = (uint8_t)((q[j + 8] >> 4) | ((q[j + 4] >> 6) << 4));
    }
}

/// Same values with word operations: out[0..7] = scales, out[8..15] = mins (16 bytes).
static inline void ck_kscales16(const uint8_t *q, uint8_t out[16]) {
    uint32_t a = ck_ld32(q), b = ck_ld32(q + 4), c = ck_ld32(q + 8);
    uint32_t sc_lo = a & 0x3F3F3F3Fu;
    uint32_t m_lo = b & 0x3F3F3F3Fu;
    uint32_t sc_hi = (c & 0x0F0F0F0Fu) | (((a >> 6) & 0x03030303u) << 4);
    uint32_t m_hi = ((c >> 4) & 0x0F0F0F0Fu) | (((b >> 6) & 0x03030303u) << 4);
    memcpy(out, &sc_lo, 4);
    memcpy(out + 4, &sc_hi, 4);
    memcpy(out + 8, &m_lo, 4);
    memcpy(out + 12, &m_hi, 4);
}

// MARK: Kernels: nr weight rows x nc activation rows

/// Computes Y[c * ys + r] = dot(W + r * rb, X + c * xs) for r < nr, c < nc.
typedef void (*ck_kernel_fn)(const uint8_t *W, size_t rb, int nr, int n,
                             const uint8_t *X, size_t xs, int nc, float *Y, size_t ys);
/// One register tile: a fixed number of rows and columns (baked into the function).
typedef void (*ck_tile_fn)(const uint8_t *W, size_t rb, int n,
                           const uint8_t *X, size_t xs, float *Y, size_t ys);

/// Runs a kernel made of tiles: `big[c-1]` handles rmax rows x c columns, `one[c-1]` one row.
void ck_run_tiles(const ck_tile_fn big[4], const ck_tile_fn one[4], int rmax, int cmax,
                  const uint8_t *W, size_t rb, int nr, int n,
                  const uint8_t *X, size_t xs, int nc, float *Y, size_t ys);

/// One row · one column, from which the scalar kernels and every level's ROWWISE kernels are built.
typedef float (*ck_dot_fn)(const uint8_t *w, const uint8_t *x, int n);
void ck_run_dots(ck_dot_fn dot, const uint8_t *W, size_t rb, int nr, int n,
                 const uint8_t *X, size_t xs, int nc, float *Y, size_t ys);

#define CK_TILE_FN(TILE, R, C)                                                         \
    static void TILE##_##R##x##C(const uint8_t *W, size_t rb, int n, const uint8_t *X, \
                                 size_t xs, float *Y, size_t ys) {                     \
        TILE(R, C, W, rb, n, X, xs, Y, ys);                                            \
    }

/// Defines kernel NAME from an always-inline TILE(R, C, ...) with R in {RMAX, 1}, C <= CMAX.
#define CK_DEFINE_KERNEL(NAME, TILE, RMAX, CMAX)                                          \
    CK_TILE_FN(TILE, RMAX, 1) CK_TILE_FN(TILE, RMAX, 2)                                   \
    CK_TILE_FN(TILE, RMAX, 3) CK_TILE_FN(TILE, RMAX, 4)                                   \
    CK_TILE_FN(TILE, 1, 1) CK_TILE_FN(TILE, 1, 2)                                         \
    CK_TILE_FN(TILE, 1, 3) CK_TILE_FN(TILE, 1, 4)                                         \
    void NAME(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs,    \
              int nc, float *Y, size_t ys) {                                              \
        static const ck_tile_fn big[4] = {TILE##_##RMAX##x1, TILE##_##RMAX##x2,           \
                                          TILE##_##RMAX##x3, TILE##_##RMAX##x4};          \
        static const ck_tile_fn one[4] = {TILE##_1x1, TILE##_1x2, TILE##_1x3, TILE##_1x4}; \
        ck_run_tiles(big, one, RMAX, CMAX, W, rb, nr, n, X, xs, nc, Y, ys);               \
    }

#define CK_DECLARE_KERNEL(NAME)                                                         \
    void NAME(const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, \
              int nc, float *Y, size_t ys)

/// Defines kernel NAME: the per-pair dot DOT (a ck_dot_fn) over every (row, activation) pair.
#define CK_DOTS_KERNEL(NAME, DOT) \
    CK_DECLARE_KERNEL(NAME) { ck_run_dots(DOT, W, rb, nr, n, X, xs, nc, Y, ys); }

/// Defines kernel NAME: the repacked matmul GEMM(KIND, ...) from MIN activation rows up, the
/// kernel NAME_mv below that.
#define CK_GEMM_ENTRY(NAME, GEMM, KIND, MIN)                                           \
    CK_DECLARE_KERNEL(NAME) {                                                          \
        if (nc >= (MIN)) GEMM(KIND, W, rb, nr, n, X, xs, nc, Y, ys);                   \
        else NAME##_mv(W, rb, nr, n, X, xs, nc, Y, ys);                                \
    }

// Float kernels (dot_float.c)
CK_DECLARE_KERNEL(ck_k_f32_scalar); CK_DECLARE_KERNEL(ck_k_f32_avx2); CK_DECLARE_KERNEL(ck_k_f32_avx512);
CK_DECLARE_KERNEL(ck_k_f16_scalar); CK_DECLARE_KERNEL(ck_k_f16_avx2); CK_DECLARE_KERNEL(ck_k_f16_avx512);
CK_DECLARE_KERNEL(ck_k_bf16_scalar); CK_DECLARE_KERNEL(ck_k_bf16_avx2); CK_DECLARE_KERNEL(ck_k_bf16_avx512);
// The same weights in llama.cpp's row-by-row (vec_dot) order (dot_float.c).
CK_DECLARE_KERNEL(ck_k_f32_rowwise_scalar); CK_DECLARE_KERNEL(ck_k_f32_rowwise_avx2); CK_DECLARE_KERNEL(ck_k_f32_rowwise_avx512);
CK_DECLARE_KERNEL(ck_k_f16_rowwise_scalar); CK_DECLARE_KERNEL(ck_k_f16_rowwise_avx2); CK_DECLARE_KERNEL(ck_k_f16_rowwise_avx512);
CK_DECLARE_KERNEL(ck_k_bf16_rowwise_scalar); CK_DECLARE_KERNEL(ck_k_bf16_rowwise_avx2); CK_DECLARE_KERNEL(ck_k_bf16_rowwise_avx512);
// Q8_0 (dot_q8_0.c) and Q4_0 (dot_q4_0.c) against Q8_0 activations
CK_DECLARE_KERNEL(ck_k_q8_0_scalar); CK_DECLARE_KERNEL(ck_k_q8_0_avx2); CK_DECLARE_KERNEL(ck_k_q8_0_avx512);
CK_DECLARE_KERNEL(ck_k_q8_0_packed_avx512);
CK_DECLARE_KERNEL(ck_k_q4_0_scalar); CK_DECLARE_KERNEL(ck_k_q4_0_avx2); CK_DECLARE_KERNEL(ck_k_q4_0_avx512);
// Repacked AVX-512 matmul for Q4_0 weights (dot_q4_0_gemm.c).
void ck_q4_0_gemm_avx512(const uint8_t *W, size_t rb, int nr, int n,
                         const uint8_t *X, size_t xs, int nc, float *Y, size_t ys);
// K-quants against Q8_K activations (dot_kquants_*.c)
CK_DECLARE_KERNEL(ck_k_q4_K_scalar); CK_DECLARE_KERNEL(ck_k_q4_K_avx2); CK_DECLARE_KERNEL(ck_k_q4_K_avx512);
CK_DECLARE_KERNEL(ck_k_q5_K_scalar); CK_DECLARE_KERNEL(ck_k_q5_K_avx2); CK_DECLARE_KERNEL(ck_k_q5_K_avx512);
CK_DECLARE_KERNEL(ck_k_q6_K_scalar); CK_DECLARE_KERNEL(ck_k_q6_K_avx2); CK_DECLARE_KERNEL(ck_k_q6_K_avx512);
// K-quant matvec tiles (dot_kquants_avx512.c, dot_kquants_avx2.c, dot_kquants_low.c); the entry
// points add the repacked matmul of dot_kquants_gemm.c (AVX-512) or dot_kquants_gemm_avx2.c for
// several activation rows.
CK_DECLARE_KERNEL(ck_k_q4_K_avx512_mv); CK_DECLARE_KERNEL(ck_k_q5_K_avx512_mv); CK_DECLARE_KERNEL(ck_k_q6_K_avx512_mv);
CK_DECLARE_KERNEL(ck_k_q4_K_avx2_mv); CK_DECLARE_KERNEL(ck_k_q5_K_avx2_mv); CK_DECLARE_KERNEL(ck_k_q6_K_avx2_mv);
// 32-element blocks against Q8_0 (Q5_0, IQ4_NL, MXFP4) or Q8_1 (Q4_1, Q5_1) activations (dot_q32.c)
CK_DECLARE_KERNEL(ck_k_q4_1_scalar); CK_DECLARE_KERNEL(ck_k_q4_1_avx2); CK_DECLARE_KERNEL(ck_k_q4_1_avx512);
CK_DECLARE_KERNEL(ck_k_q5_0_scalar); CK_DECLARE_KERNEL(ck_k_q5_0_avx2); CK_DECLARE_KERNEL(ck_k_q5_0_avx512);
CK_DECLARE_KERNEL(ck_k_q5_1_scalar); CK_DECLARE_KERNEL(ck_k_q5_1_avx2); CK_DECLARE_KERNEL(ck_k_q5_1_avx512);
CK_DECLARE_KERNEL(ck_k_iq4_nl_scalar); CK_DECLARE_KERNEL(ck_k_iq4_nl_avx2); CK_DECLARE_KERNEL(ck_k_iq4_nl_avx512);
CK_DECLARE_KERNEL(ck_k_mxfp4_scalar); CK_DECLARE_KERNEL(ck_k_mxfp4_avx2); CK_DECLARE_KERNEL(ck_k_mxfp4_avx512);
// Their AVX2 chain kernels for one activation row; the entry points add dot_q32_gemm.c's matmul.
CK_DECLARE_KERNEL(ck_k_iq4_nl_avx2_mv); CK_DECLARE_KERNEL(ck_k_mxfp4_avx2_mv);
// Q2_K, Q3_K and IQ4_XS against Q8_K activations (dot_kquants_low.c)
CK_DECLARE_KERNEL(ck_k_q2_K_scalar); CK_DECLARE_KERNEL(ck_k_q2_K_avx2); CK_DECLARE_KERNEL(ck_k_q2_K_avx512);
CK_DECLARE_KERNEL(ck_k_q3_K_scalar); CK_DECLARE_KERNEL(ck_k_q3_K_avx2); CK_DECLARE_KERNEL(ck_k_q3_K_avx512);
CK_DECLARE_KERNEL(ck_k_iq4_xs_scalar); CK_DECLARE_KERNEL(ck_k_iq4_xs_avx2); CK_DECLARE_KERNEL(ck_k_iq4_xs_avx512);
CK_DECLARE_KERNEL(ck_k_q2_K_avx512_mv); CK_DECLARE_KERNEL(ck_k_q3_K_avx512_mv); CK_DECLARE_KERNEL(ck_k_iq4_xs_avx512_mv);
CK_DECLARE_KERNEL(ck_k_q2_K_avx2_mv); CK_DECLARE_KERNEL(ck_k_q3_K_avx2_mv); CK_DECLARE_KERNEL(ck_k_iq4_xs_avx2_mv);
// Q3_K and IQ4_XS in llama.cpp's vec_dot order (CK_ORDER_ROWWISE; the kernels above are CK_ORDER_TILED)
CK_DECLARE_KERNEL(ck_k_q3_K_rowwise_scalar); CK_DECLARE_KERNEL(ck_k_q3_K_rowwise_avx2); CK_DECLARE_KERNEL(ck_k_q3_K_rowwise_avx512);
CK_DECLARE_KERNEL(ck_k_iq4_xs_rowwise_scalar); CK_DECLARE_KERNEL(ck_k_iq4_xs_rowwise_avx2); CK_DECLARE_KERNEL(ck_k_iq4_xs_rowwise_avx512);

#include "ck_neon.h"  // aarch64 NEON kernels (neon_*.c)

#endif
