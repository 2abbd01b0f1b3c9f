// CKernels: the numeric hot loops of ThinkScope, in C so they are always optimised.
// Every SIMD path has a portable scalar twin; the dispatcher picks one at run time.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CPU feature bits detected at run time.
enum {
    CK_CPU_AVX2 = 1 << 0,
    CK_CPU_FMA = 1 << 1,
    CK_CPU_F16C = 1 << 2,
    CK_CPU_AVX512F = 1 << 3,
    CK_CPU_AVX512BW = 1 << 4,
    CK_CPU_AVX512VNNI = 1 << 5,
};

/// Features of the running CPU (CK_CPU_* bits).
uint32_t ck_cpu_features(void);

/// Restricts the dispatcher to the given feature bits (0 = scalar only); returns the previous mask.
/// Used by tests to run SIMD paths against their scalar twins.
uint32_t ck_set_feature_mask(uint32_t mask);

/// Features the dispatcher currently uses: ck_cpu_features() & the mask.
uint32_t ck_active_features(void);

#ifdef __cplusplus
}
#endif
#endif
