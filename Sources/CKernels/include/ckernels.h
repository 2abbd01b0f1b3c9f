// CKernels: the numeric hot loops of ThinkScope, in C so they are always optimised.
// Every SIMD path has a portable scalar twin; the dispatcher picks one at run time
// (AVX-512 BW/VL/VNNI, AVX2+FMA+F16C, NEON with dotprod on aarch64, or scalar) from
// ck_active_features().
//
// Conventions
// - Type ids are ggml's (CK_TYPE_*). Quantized rows hold n / block_size packed blocks,
//   exactly as in GGUF files; n must be a multiple of the block size (32 or 256).
// - Weight rows must be 2-byte aligned (GGUF guarantees it); activation buffers
//   (xq) should be 4-byte aligned. No other alignment is assumed.
// - "fp16" and "bf16" values are raw uint16_t bit patterns.
// - Functions never allocate and never retain pointers; they are thread-safe as long as
//   different threads write different outputs.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: CPU features and dispatch

/// CPU feature bits detected at run time.
enum {
    CK_CPU_AVX2 = 1 << 0,
    CK_CPU_FMA = 1 << 1,
    CK_CPU_F16C = 1 << 2,
    CK_CPU_AVX512F = 1 << 3,
    CK_CPU_AVX512BW = 1 << 4,
    CK_CPU_AVX512VNNI = 1 << 5,
    CK_CPU_AVX512VL = 1 << 6,
    CK_CPU_NEON = 1 << 16,     // aarch64 Advanced SIMD (always present on aarch64)
    CK_CPU_DOTPROD = 1 << 17,  // ARMv8.2 SDOT/UDOT
    CK_CPU_I8MM = 1 << 18,     // ARMv8.6 SMMLA
};

/// Feature sets the dispatcher needs for each SIMD level.
enum {
    CK_LEVEL_AVX2_FEATURES = CK_CPU_AVX2 | CK_CPU_FMA | CK_CPU_F16C,
    CK_LEVEL_AVX512_FEATURES = CK_CPU_AVX2 | CK_CPU_FMA | CK_CPU_F16C | CK_CPU_AVX512F
        | CK_CPU_AVX512BW | CK_CPU_AVX512VL | CK_CPU_AVX512VNNI,
    CK_LEVEL_NEON_FEATURES = CK_CPU_NEON | CK_CPU_DOTPROD,
};

/// Features of the running CPU (CK_CPU_* bits), read once. The environment variable
/// THINKSCOPE_ISA=scalar|avx2|avx512 caps them for every command (benchmarks, parity checks):
/// "scalar" drops all SIMD, "avx2" keeps AVX2+FMA+F16C only, "avx512" the AVX-512 level's set.
/// Unknown values are ignored; a level the CPU lacks is not added.
uint32_t ck_cpu_features(void);

/// Restricts the dispatcher (all threads) to the given feature bits (0 = scalar only);
/// returns the previous mask.
uint32_t ck_set_feature_mask(uint32_t mask);

/// Like ck_set_feature_mask but only for the calling thread (ANDed with the global mask).
/// Lets tests that run in parallel force scalar paths without disturbing each other.
uint32_t ck_set_thread_feature_mask(uint32_t mask);

/// Features the dispatcher currently uses on this thread:
/// ck_cpu_features() & global mask & thread mask.
uint32_t ck_active_features(void);

/// SIMD level the dispatcher would pick now: 0 scalar, 1 AVX2, 2 AVX-512, 3 NEON (aarch64 with dotprod).
int ck_active_level(void);

/// A spin-wait hint to the CPU (x86 `pause`, ARM `yield`), for threads that poll a flag.
static inline void ck_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// MARK: Types

enum {
    CK_TYPE_F32 = 0,
    CK_TYPE_F16 = 1,
    CK_TYPE_Q4_0 = 2,
    CK_TYPE_Q4_1 = 3,
    CK_TYPE_Q5_0 = 6,
    CK_TYPE_Q5_1 = 7,
    CK_TYPE_Q8_0 = 8,
    CK_TYPE_Q8_1 = 9,
    CK_TYPE_Q2_K = 10,
    CK_TYPE_Q3_K = 11,
    CK_TYPE_Q4_K = 12,
    CK_TYPE_Q5_K = 13,
    CK_TYPE_Q6_K = 14,
    CK_TYPE_Q8_K = 15,
    CK_TYPE_IQ4_NL = 20,
    CK_TYPE_IQ4_XS = 23,
    CK_TYPE_BF16 = 30,
    CK_TYPE_MXFP4 = 39,
};

/// A Q8_0 matrix in ck_q8_0_pack's layout (not a ggml type; ck_matmul_order only, where
/// ck_packed_type says so).
enum { CK_TYPE_Q8_0_PACKED = 1008 };

/// The packed layout of `type` that this thread's level computes with (CK_TYPE_Q8_0_PACKED for
/// Q8_0 at AVX-512), or -1: the plain layout serves every level.
int ck_packed_type(int type);
/// Writes a Q8_0 matrix of `rows` rows of n elements (row_bytes each) in the packed layout, the
/// same size: each full group of 8 rows keeps its 8 x row_bytes bytes, holding per block the 8 rows'
/// fp16 scales, then their quants + 128 as unsigned bytes, row after row (a pair of rows is one
/// 64-byte load); the last rows % 8 rows stay as they are. ck_matmul_order on the packed matrix
/// (CK_TYPE_Q8_0_PACKED) gives the plain one's bits, for row ranges that start on a multiple of 8
/// and end on one or at the last row.
void ck_q8_0_pack(const void *src, size_t row_bytes, int rows, int n, void *dst);

/// 1 if ck_matmul_order/ck_matvec/ck_dequantize_row support this weight type.
int ck_type_supported(int type);
/// Elements per block (1 for F32/F16/BF16, 32, or 256); 0 for unknown types.
int ck_block_size(int type);
/// Bytes per block; 0 for unknown types.
size_t ck_type_size(int type);
/// Bytes of a row of n elements (n must be a multiple of the block size).
size_t ck_row_size(int type, int n);
/// Format the activation must be in for a weight of this type (llama.cpp's vec_dot_type): F32, F16,
/// BF16, Q8_0 (Q8_0, Q4_0, Q5_0, IQ4_NL, MXFP4), Q8_1 (Q4_1, Q5_1) or Q8_K (K-quants, IQ4_XS).
int ck_vec_dot_type(int type);

// MARK: Scalar and row conversions (round to nearest even, F16C-compatible NaN handling)

float ck_fp16_to_fp32(uint16_t h);
uint16_t ck_fp32_to_fp16(float f);
float ck_bf16_to_fp32(uint16_t h);
/// RNE; NaNs become quiet NaNs ((bits >> 16) | 0x40).
uint16_t ck_fp32_to_bf16(float f);

void ck_fp16_to_fp32_row(const uint16_t *x, float *y, int n);
void ck_fp32_to_fp16_row(const float *x, uint16_t *y, int n);
void ck_bf16_to_fp32_row(const uint16_t *x, float *y, int n);
void ck_fp32_to_bf16_row(const float *x, uint16_t *y, int n);

// MARK: Quantization / dequantization

/// Q8_0 exactly as llama.cpp's x86 AVX2 path: d = amax/127 (stored as fp16),
/// q = round-half-even(x * (127/amax)). n % 32 == 0.
void ck_quantize_row_q8_0(const float *x, void *y, int n);
/// Q8_K exactly as ggml's reference: signed max, iscale = -127/max, nearest_int, min(127),
/// bsums, d = 1/iscale. All-zero blocks get d = 0, qs = 0, bsums = 0. n % 256 == 0.
void ck_quantize_row_q8_K(const float *x, void *y, int n);
/// Q8_1 as llama.cpp's x86 path: the Q8_0 rule for d and q, plus s = fp16(d * sum(q)) with the
/// unrounded float d. n % 32 == 0.
void ck_quantize_row_q8_1(const float *x, void *y, int n);
/// Converts x into ck_vec_dot_type(type): F32 copy, fp16, bf16, Q8_0, Q8_1 or Q8_K.
/// xq must hold ck_row_size(ck_vec_dot_type(type), n) bytes.
void ck_quantize_activation(int type, const float *x, void *xq, int n);
/// Decodes one row of a supported type (every weight type of ck_type_supported, and Q8_1, Q8_K).
void ck_dequantize_row(int type, const void *src, float *dst, int n);

// MARK: Dot products / matrix-vector / matrix-matrix
//
// Numerics. Every type's integer parts are exact and its float steps a fixed order, so results
// are bit-identical across the scalar, AVX2, AVX-512 and NEON paths and for any split of the rows.
// F32, F16, BF16, Q8_0, Q5_0, Q4_1, Q5_1 follow llama.cpp's x86 orders exactly (below), IQ4_NL and
// MXFP4 the fmaf chain of its repacked kernels, Q3_K and IQ4_XS its vec_dot order row-wise
// (dot_q32.c, dot_kquants_low.c); Q4_0, Q2_K and Q4_K..Q6_K keep a fmaf chain in block order
// (dot_q4_0.c, dot_kquants_scalar.c): measured KL 3e-14 (Q4_0), <= 7e-4 (K).

/// The two float summation orders of llama.cpp's CPU backend, reproduced bit for bit
/// (docs/DECISIONS.md): multi-token dense matmuls go through tinyBLAS (TILED: 16 fused lanes per
/// output, then ck_tree16); single-token passes and MoE experts through ggml_vec_dot_* (ROWWISE).
/// Quantized weights have one order for both (Q8_0: 8 lanes of 4-byte groups, ck_tree8), except
/// Q3_K and IQ4_XS (ROWWISE: vec_dot's lanes; TILED: the fmaf chain).
enum { CK_ORDER_TILED = 0, CK_ORDER_ROWWISE = 1 };

/// m activation rows at once: y[j * y_stride + r] = dot(W[r, :], x_j) for r in [r0, r1),
/// j in [0, m), where x_j starts at (const char *)xq + j * xq_stride (bytes) and y_stride
/// counts floats; xq holds x in ck_vec_dot_type(type) format (ck_quantize_activation).
/// Each output's bits depend only on its row, its activation and the order: not on m, on
/// [r0, r1) or on the CPU level. Uses < 40 KiB of stack, never allocates.
void ck_matmul_order(int order, int type, const void *W, size_t row_bytes, int r0, int r1, int n,
                     const void *xq, size_t xq_stride, int m, float *y, size_t y_stride);
/// One activation row in the ROWWISE order; y is indexed by absolute row number.
void ck_matvec(int type, const void *W, size_t row_bytes, int r0, int r1, int n,
               const void *xq, float *y);
/// dot(w_row, xq) for one row (ROWWISE order).
float ck_vec_dot(int type, const void *w_row, const void *xq, int n);

// MARK: Forward-pass ops (y may alias x where noted)

/// llama.cpp RMSNorm: sum of float squares in double, scale = 1/sqrtf(mean + eps),
/// y = (x * scale) * w (w may be NULL: y = x * scale). y may alias x.
void ck_rmsnorm(const float *x, const float *w, float *y, int n, float eps);
/// In-place softmax: max-subtract, exp, sum in double, multiply by (float)(1/sum).
void ck_softmax(float *x, int n);
/// ck_softmax with an attention sink: one extra logit `sink` that joins the maximum and the sum (after
/// the row's own sum, in double) but has no output, as ggml's soft_max with sinks. -INFINITY: none.
void ck_softmax_sink(float *x, int n, float sink);
/// y = x / (1 + exp(-x)). y may alias x.
void ck_silu(const float *x, float *y, int n);
/// y = silu(g) * u. y may alias g or u.
void ck_swiglu(const float *g, const float *u, float *y, int n);
/// gpt-oss SwiGLU: x = min(g, limit), v = clamp(u, -limit, limit), y = x / (1 + exp(-alpha x)) * (v + 1).
/// y may alias g or u.
void ck_swiglu_oai(const float *g, const float *u, float *y, int n, float alpha, float limit);
/// y = a + b (elementwise). y may alias a or b.
void ck_add(const float *a, const float *b, float *y, int n);
/// y = a * b (elementwise). y may alias a or b.
void ck_mul(const float *a, const float *b, float *y, int n);
/// y = x * s. y may alias x.
void ck_scale(const float *x, float s, float *y, int n);
/// y += a * x.
void ck_axpy(float *y, float a, const float *x, int n);

/// RoPE cache for one position: cos_sin[2i] = cos(theta_i) * mscale, cos_sin[2i+1] = sin(...)
/// for i in [0, n_dims/2). theta_0 = pos, theta_{i+1} = theta_i * powf(freq_base, -2/n_dims)
/// (repeated float multiplication, as llama.cpp). YaRN: theta = freq_scale * theta_extrap,
/// blended with theta_extrap by a ramp over [corr_low, corr_high] when ext_factor != 0, and
/// mscale = attn_factor * (1 + 0.1 ln(1/freq_scale)) in that case, else attn_factor.
/// Plain RoPE: freq_scale = 1, ext_factor = 0, attn_factor = 1.
void ck_rope_cache(float *cos_sin, int n_dims, int pos, float freq_base, float freq_scale,
                   float ext_factor, float attn_factor, float corr_low, float corr_high);
/// ck_rope_cache with per-pair frequency divisors (Llama-3.1's `rope_freqs`): theta_extrap of pair
/// i is divided by freq_factors[i] before scaling, as ggml_rope_cache_init does. NULL: none.
void ck_rope_cache_factors(float *cos_sin, int n_dims, int pos, float freq_base, float freq_scale, float ext_factor,
                           float attn_factor, float corr_low, float corr_high, const float *freq_factors);
/// NEOX RoPE in place on n_heads vectors of head_dim floats (head h at x + h * head_dim):
/// element i pairs with i + n_dims/2 for i < n_dims/2; elements >= n_dims are unchanged.
void ck_rope_neox(float *x, int n_heads, int head_dim, int n_dims, const float *cos_sin);
/// NORM RoPE (Llama) in place: element 2i pairs with 2i + 1 for 2i < n_dims, with the angles of
/// cos_sin[2i], cos_sin[2i+1]; elements >= n_dims are unchanged.
void ck_rope_norm(float *x, int n_heads, int head_dim, int n_dims, const float *cos_sin);


#ifdef __cplusplus
}
#endif
#endif
