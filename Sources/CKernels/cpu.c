#include "ckernels.h"

static uint32_t detect(void) {
    uint32_t f = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) f |= CK_CPU_AVX2;
    if (__builtin_cpu_supports("fma")) f |= CK_CPU_FMA;
    if (__builtin_cpu_supports("f16c")) f |= CK_CPU_F16C;
    if (__builtin_cpu_supports("avx512f")) f |= CK_CPU_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) f |= CK_CPU_AVX512BW;
    if (__builtin_cpu_supports("avx512vnni")) f |= CK_CPU_AVX512VNNI;
#endif
    return f;
}

static uint32_t g_mask = 0xFFFFFFFFu;

uint32_t ck_cpu_features(void) {
    static uint32_t cached = 0xFFFFFFFFu;
    if (cached == 0xFFFFFFFFu) cached = detect();
    return cached;
}

uint32_t ck_set_feature_mask(uint32_t mask) {
    uint32_t old = g_mask;
    g_mask = mask;
    return old;
}

uint32_t ck_active_features(void) { return ck_cpu_features() & g_mask; }
