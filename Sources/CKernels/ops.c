// Forward-pass vector ops: rmsnorm, softmax, silu, swiglu, add, mul, scale, axpy.
// Every level gives the same bits, and the bits llama.cpp gives (sums in its order, its expf).
#include "ck_internal.h"
#include "include/ck_sampling.h"
#include "vexp.h"
#include "ck_reduce.h"
#include <math.h>

// MARK: Elementwise (one body, compiled three times; the compiler vectorises each copy)

#define CK_ELEMENTWISE(name, params, body)                                            \
    static inline __attribute__((always_inline)) void name##_body params body        \
    static void name##_scalar params { name##_body ARGS_##name; }                     \
    CK_IF_X86(__attribute__((target(CK_TARGET_AVX2))) static void name##_avx2 params {          \
        name##_body ARGS_##name;                                                      \
    }                                                                                 \
    __attribute__((target(CK_TARGET_AVX512))) static void name##_avx512 params {      \
        name##_body ARGS_##name;                                                      \
    })

#define ARGS_add (a, b, y, n)
#define ARGS_mul (a, b, y, n)
#define ARGS_scale (x, s, y, n)
#define ARGS_axpy (y, a, x, n)

CK_ELEMENTWISE(add, (const float *a, const float *b, float *y, int n),
               { for (int i = 0; i < n; i++) y[i] = a[i] + b[i]; })
CK_ELEMENTWISE(mul, (const float *a, const float *b, float *y, int n),
               { for (int i = 0; i < n; i++) y[i] = a[i] * b[i]; })
CK_ELEMENTWISE(scale, (const float *x, float s, float *y, int n),
               { for (int i = 0; i < n; i++) y[i] = x[i] * s; })
CK_ELEMENTWISE(axpy, (float *y, float a, const float *x, int n),
               { for (int i = 0; i < n; i++) y[i] += a * x[i]; })

#define CK_DISPATCH(call_scalar, call_avx2, call_avx512) \
    switch (ck_level()) {                                \
    CK_IF_X86(case CK_AVX512: call_avx512; break;        \
    case CK_AVX2: call_avx2; break;)                     \
    default: call_scalar;                                \
    }

void ck_add(const float *a, const float *b, float *y, int n) {
    CK_DISPATCH(add_scalar(a, b, y, n), add_avx2(a, b, y, n), add_avx512(a, b, y, n))
}
void ck_mul(const float *a, const float *b, float *y, int n) {
    CK_DISPATCH(mul_scalar(a, b, y, n), mul_avx2(a, b, y, n), mul_avx512(a, b, y, n))
}
void ck_scale(const float *x, float s, float *y, int n) {
    CK_DISPATCH(scale_scalar(x, s, y, n), scale_avx2(x, s, y, n), scale_avx512(x, s, y, n))
}
void ck_axpy(float *y, float a, const float *x, int n) {
    CK_DISPATCH(axpy_scalar(y, a, x, n), axpy_avx2(y, a, x, n), axpy_avx512(y, a, x, n))
}

// MARK: RMSNorm

static void rms_apply(const float *x, const float *w, float *y, int n, double sum, float eps) {
    const float mean = (float)(sum / n);
    const float scale = 1.0f / sqrtf(mean + eps);
    if (w) for (int i = 0; i < n; i++) y[i] = (x[i] * scale) * w[i];
    else for (int i = 0; i < n; i++) y[i] = x[i] * scale;
}

// llama.cpp sums the squares one by one in double; so do all levels (norms are cheap).
static double sumsq(const float *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)(x[i] * x[i]);
    return s;
}

void ck_rmsnorm(const float *x, const float *w, float *y, int n, float eps) {
    rms_apply(x, w, y, n, sumsq(x, n), eps);
}

// MARK: Softmax, SiLU, SwiGLU (llama.cpp's rounding: ggml_vec_soft_max_f32, ggml_vec_swiglu_f32)
//
// Whole groups of 16 use the polynomial expf of vexp.h; the last n % 16 elements use libm's expf.
// Softmax sums each group in float (ck_tree16) and the group sums in double.

typedef void (*ck_exp16_fn)(const float *x, float sub, float *y);  // y = exp(x - sub), 16 values
typedef void (*ck_silu16_fn)(const float *g, const float *u, float *y);  // y = silu(g) [* u]

static void exp16_scalar(const float *x, float sub, float *y) {
    for (int i = 0; i < 16; i++) y[i] = ck_expf_poly(x[i] - sub);
}
#if CK_X86
__attribute__((target(CK_TARGET_AVX2))) static void exp16_avx2(const float *x, float sub, float *y) {
    const __m256 s = _mm256_set1_ps(sub);
    _mm256_storeu_ps(y, ck_exp8(_mm256_sub_ps(_mm256_loadu_ps(x), s)));
    _mm256_storeu_ps(y + 8, ck_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + 8), s)));
}
__attribute__((target(CK_TARGET_AVX512))) static void exp16_avx512(const float *x, float sub, float *y) {
    _mm512_storeu_ps(y, ck_exp16(_mm512_sub_ps(_mm512_loadu_ps(x), _mm512_set1_ps(sub))));
}
#endif  // CK_X86

static void silu16_scalar(const float *g, const float *u, float *y) {
    for (int i = 0; i < 16; i++) {
        const float s = g[i] / (1.0f + ck_expf_poly(0.0f - g[i]));
        y[i] = u ? s * u[i] : s;
    }
}
#if CK_X86
__attribute__((target(CK_TARGET_AVX2))) static void silu16_avx2(const float *g, const float *u, float *y) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (int h = 0; h < 16; h += 8) {
        const __m256 x = _mm256_loadu_ps(g + h);
        __m256 s = _mm256_div_ps(x, _mm256_add_ps(one, ck_exp8(_mm256_sub_ps(zero, x))));
        if (u) s = _mm256_mul_ps(s, _mm256_loadu_ps(u + h));
        _mm256_storeu_ps(y + h, s);
    }
}
__attribute__((target(CK_TARGET_AVX512))) static void silu16_avx512(const float *g, const float *u, float *y) {
    const __m512 x = _mm512_loadu_ps(g);
    __m512 s = _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), ck_exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    if (u) s = _mm512_mul_ps(s, _mm512_loadu_ps(u));
    _mm512_storeu_ps(y, s);
}
#endif  // CK_X86

static ck_exp16_fn pick_exp16(void) {
    ck_exp16_fn f;
#if defined(__aarch64__)
    if (ck_level() == CK_NEON) return ck_exp16_neon;
#endif
    CK_DISPATCH(f = exp16_scalar, f = exp16_avx2, f = exp16_avx512)
    return f;
}
static ck_silu16_fn pick_silu16(void) {
    ck_silu16_fn f;
#if defined(__aarch64__)
    if (ck_level() == CK_NEON) return ck_silu16_neon;
#endif
    CK_DISPATCH(f = silu16_scalar, f = silu16_avx2, f = silu16_avx512)
    return f;
}

void ck_softmax(float *x, int n) { ck_softmax_sink(x, n, -INFINITY); }

void ck_softmax_sink(float *x, int n, float sink) {
    if (n <= 0) return;
    float max = -INFINITY;
    for (int i = 0; i < n; i++) max = x[i] > max ? x[i] : max;
    const int has_sink = sink != -INFINITY;
    if (has_sink) max = sink > max ? sink : max;
    const ck_exp16_fn exp16 = pick_exp16();
    double sum = 0.0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        exp16(x + i, max, x + i);
        sum += (double)ck_tree16(x + i);
    }
    for (; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += (double)x[i];
    }
    if (has_sink) sum += (double)expf(sink - max);  // ggml_soft_max_add_sinks: after the row's sum
    ck_scale(x, (float)(1.0 / sum), x, n);
}

// The sampler's log-normaliser, with softmax's exponentials (vector expf in groups of 16, libm's
// expf for the rest, summed in double): a whole vocabulary row in a fraction of the time double
// exp took, and the same bits at every level.
double ck_logsumexp(const float *x, int n) {
    return ck_logsumexp_with_max(x, n, ck_max_f32(x, n));
}

double ck_logsumexp_with_max(const float *x, int n, float max) {
    if (max == -INFINITY) return -INFINITY;
    if (max == INFINITY) return INFINITY;
    const ck_exp16_fn exp16 = pick_exp16();
    float e[16];
    double sum = 0.0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        exp16(x + i, max, e);
        sum += (double)ck_tree16(e);
    }
    for (; i < n; i++) sum += (double)expf(x[i] - max);
    return (double)max + log(sum);
}

static void swiglu_any(const float *g, const float *u, float *y, int n) {
    const ck_silu16_fn silu16 = pick_silu16();
    int i = 0;
    for (; i + 16 <= n; i += 16) silu16(g + i, u ? u + i : NULL, y + i);
    for (; i < n; i++) {
        const float s = g[i] / (1.0f + expf(-g[i]));
        y[i] = u ? s * u[i] : s;
    }
}

void ck_silu(const float *x, float *y, int n) { swiglu_any(x, NULL, y, n); }
void ck_swiglu(const float *g, const float *u, float *y, int n) { swiglu_any(g, u, y, n); }

// gpt-oss's clamped SwiGLU, element by element as ggml's swiglu_oai (libm expf, no fused operations).
void ck_swiglu_oai(const float *g, const float *u, float *y, int n, float alpha, float limit) {
    for (int i = 0; i < n; i++) {
        const float x = g[i] < limit ? g[i] : limit;
        const float v = u[i] < -limit ? -limit : (u[i] > limit ? limit : u[i]);
        const float glu = x / (1.0f + expf(alpha * (-x)));
        y[i] = glu * (v + 1.0f);
    }
}
