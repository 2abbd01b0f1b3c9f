#include "ck_internal.h"
#include <stdlib.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#elif defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
#endif

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
    if (__builtin_cpu_supports("avx512vl")) f |= CK_CPU_AVX512VL;
#elif defined(__aarch64__)
    f |= CK_CPU_NEON;  // Advanced SIMD is mandatory on aarch64
#if defined(__linux__)
    const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    if (hw & (1UL << 20)) f |= CK_CPU_DOTPROD;  // HWCAP_ASIMDDP
    if (hw2 & (1UL << 13)) f |= CK_CPU_I8MM;    // HWCAP2_I8MM
#elif defined(__APPLE__)
    int v = 0;
    size_t len = sizeof v;
    if (sysctlbyname("hw.optional.arm.FEAT_DotProd", &v, &len, NULL, 0) == 0 && v) f |= CK_CPU_DOTPROD;
    v = 0, len = sizeof v;
    if (sysctlbyname("hw.optional.arm.FEAT_I8MM", &v, &len, NULL, 0) == 0 && v) f |= CK_CPU_I8MM;
#endif
#endif
    return f;
}

/// THINKSCOPE_ISA=scalar|avx2|avx512 caps the detected features (see ckernels.h); any other value,
/// or a level the CPU lacks, leaves them as detected.
static uint32_t isa_cap(uint32_t f) {
    const char *e = getenv("THINKSCOPE_ISA");
    if (!e) return f;
    if (strcmp(e, "scalar") == 0) return 0;
    if (strcmp(e, "avx2") == 0) return f & CK_LEVEL_AVX2_FEATURES;
    if (strcmp(e, "avx512") == 0) return f & CK_LEVEL_AVX512_FEATURES;
    return f;
}

// Relaxed atomics: same cost as plain loads on x86, but no data race in the C sense.
static _Atomic uint32_t g_mask = 0xFFFFFFFFu;
static _Atomic uint32_t g_cached = 0xFFFFFFFFu;
static _Thread_local uint32_t t_mask = 0xFFFFFFFFu;

uint32_t ck_cpu_features(void) {
    uint32_t c = atomic_load_explicit(&g_cached, memory_order_relaxed);
    if (c == 0xFFFFFFFFu) {
        c = isa_cap(detect());
        atomic_store_explicit(&g_cached, c, memory_order_relaxed);
    }
    return c;
}

uint32_t ck_set_feature_mask(uint32_t mask) {
    return atomic_exchange_explicit(&g_mask, mask, memory_order_relaxed);
}

uint32_t ck_set_thread_feature_mask(uint32_t mask) {
    uint32_t old = t_mask;
    t_mask = mask;
    return old;
}

uint32_t ck_active_features(void) {
    return ck_cpu_features() & atomic_load_explicit(&g_mask, memory_order_relaxed) & t_mask;
}

int ck_active_level(void) { return ck_level(); }
