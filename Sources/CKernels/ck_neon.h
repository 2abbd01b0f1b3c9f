// aarch64 NEON kernels (neon_*.c): declarations for the dispatch sites. Every kernel here has a
// scalar twin elsewhere and gives the same bits (Tests/neon checks it under qemu).
//
// The package compiles for plain armv8-a, so the dotprod / i8mm code is compiled with function
// target attributes and only runs when cpu.c found the feature at run time (level CK_NEON).
#ifndef CK_NEON_H
#define CK_NEON_H
#if defined(__aarch64__)
#include <stddef.h>
#include <stdint.h>

// Clang spells the target features "dotprod", GCC "arch=armv8.2-a+dotprod".
#if defined(__clang__)
#define CK_NEON_BEGIN _Pragma("clang attribute push(__attribute__((target(\"dotprod\"))), apply_to = function)")
#define CK_I8MM_BEGIN _Pragma("clang attribute push(__attribute__((target(\"dotprod,i8mm\"))), apply_to = function)")
#define CK_NEON_END _Pragma("clang attribute pop")
#else
#define CK_NEON_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"arch=armv8.2-a+dotprod\")")
#define CK_I8MM_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"arch=armv8.2-a+dotprod+i8mm\")")
#define CK_NEON_END _Pragma("GCC pop_options")
#endif

/// fp16 -> fp32 through FCVT (exact; same bits as ck_h2f, NaNs quieted the same way).
static inline float ck_h2f_hw(const uint8_t *p) {
    __fp16 h;
    memcpy(&h, p, 2);
    return (float)h;
}

/// The NEON matmul kernel for a weight type and order, or NULL (the scalar kernel is used).
ck_kernel_fn ck_pick_neon(int type, int order);
ck_kernel_fn ck_pick_neon_float(int type, int order);  // F32 / F16 / BF16 (neon_float.c)
ck_kernel_fn ck_pick_neon_i8mm(int type);  // K-quants with SMMLA (neon_i8mm.c), NULL for others

void ck_h2f_neon(const uint16_t *x, float *y, int n);
void ck_f2h_neon(const float *x, uint16_t *y, int n);
void ck_b2f_neon(const uint16_t *x, float *y, int n);
void ck_f2b_neon(const float *x, uint16_t *y, int n);

void ck_q8_0_neon(const float *x, uint8_t *y, int n);
void ck_q8_K_neon(const float *x, uint8_t *y, int n);

/// y = exp(x - sub) for 16 values; y = silu(g) [* u] for 16 values (vexp.h's expf).
void ck_exp16_neon(const float *x, float sub, float *y);
void ck_silu16_neon(const float *g, const float *u, float *y);

/// out[d] = sum_p prob_p V_p[d] in attention.c's order (values_scalar).
void ck_attn_values_neon(const float *prob, const uint16_t *v, size_t stride, int n, int hd, int rowwise,
                         float *out);

#endif
#endif
