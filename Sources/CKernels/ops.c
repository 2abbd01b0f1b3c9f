// Forward-pass vector ops: rmsnorm, softmax, silu, swiglu, add, mul, scale, axpy.
// Each has a scalar twin; SIMD versions differ only by summation order / vector exp.
#include "ck_internal.h"
#include "vexp.h"
#include <math.h>

#define MASK16(k) ((__mmask16)((1u << (k)) - 1u))

// MARK: Elementwise (one body, compiled three times; the compiler vectorises each copy)

#define CK_ELEMENTWISE(name, params, body)                                            \
    static inline __attribute__((always_inline)) void name##_body params body        \
    static void name##_scalar params { name##_body ARGS_##name; }                     \
    __attribute__((target(CK_TARGET_AVX2))) static void name##_avx2 params {          \
        name##_body ARGS_##name;                                                      \
    }                                                                                 \
    __attribute__((target(CK_TARGET_AVX512))) static void name##_avx512 params {      \
        name##_body ARGS_##name;                                                      \
    }

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
    case CK_AVX512: call_avx512; break;                  \
    case CK_AVX2: call_avx2; break;                      \
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

static double sumsq_scalar(const float *x, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)(x[i] * x[i]);
    return s;
}

__attribute__((target(CK_TARGET_AVX2))) static double sumsq_avx2(const float *x, int n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 q = _mm256_mul_ps(v, v);
        a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(q)));
        a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(q, 1)));
    }
    a0 = _mm256_add_pd(a0, a1);
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a0), _mm256_extractf128_pd(a0, 1));
    double s = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    for (; i < n; i++) s += (double)(x[i] * x[i]);
    return s;
}

__attribute__((target(CK_TARGET_AVX512))) static double sumsq_avx512(const float *x, int n) {
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    int i = 0;
    for (; i < n; i += 16) {
        __m512 v = i + 16 <= n ? _mm512_loadu_ps(x + i) : _mm512_maskz_loadu_ps(MASK16(n - i), x + i);
        __m512 q = _mm512_mul_ps(v, v);
        a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm512_castps512_ps256(q)));
        a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(q), 1))));
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
}

void ck_rmsnorm(const float *x, const float *w, float *y, int n, float eps) {
    double s;
    CK_DISPATCH(s = sumsq_scalar(x, n), s = sumsq_avx2(x, n), s = sumsq_avx512(x, n))
    rms_apply(x, w, y, n, s, eps);
}

// MARK: Softmax

static void softmax_scalar(float *x, int n) {
    float max = -INFINITY;
    for (int i = 0; i < n; i++) max = x[i] > max ? x[i] : max;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += (double)x[i];
    }
    const float inv = (float)(1.0 / sum);
    for (int i = 0; i < n; i++) x[i] *= inv;
}

__attribute__((target(CK_TARGET_AVX2))) static void softmax_avx2(float *x, int n) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float max = _mm_cvtss_f32(m4);
    for (; i < n; i++) max = x[i] > max ? x[i] : max;
    const __m256 vmax = _mm256_set1_ps(max);
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = ck_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(x + i, e);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    s0 = _mm256_add_pd(s0, s1);
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    double sum = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    for (; i < n; i++) {
        float buf[8] = {x[i] - max, 0, 0, 0, 0, 0, 0, 0};
        float e = _mm256_cvtss_f32(ck_exp8(_mm256_loadu_ps(buf)));
        x[i] = e;
        sum += (double)e;
    }
    const __m256 inv = _mm256_set1_ps((float)(1.0 / sum));
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++) x[i] *= _mm256_cvtss_f32(inv);
}

__attribute__((target(CK_TARGET_AVX512))) static void softmax_avx512(float *x, int n) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        m = _mm512_mask_max_ps(m, k, m, _mm512_maskz_loadu_ps(k, x + i));
    }
    const __m512 vmax = _mm512_set1_ps(_mm512_reduce_max_ps(m));
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        __m512 e = _mm512_maskz_mov_ps(k, ck_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), vmax)));
        _mm512_mask_storeu_ps(x + i, k, e);
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
    }
    const __m512 inv = _mm512_set1_ps((float)(1.0 / _mm512_reduce_add_pd(_mm512_add_pd(s0, s1))));
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), inv));
    }
}

void ck_softmax(float *x, int n) {
    if (n <= 0) return;
    CK_DISPATCH(softmax_scalar(x, n), softmax_avx2(x, n), softmax_avx512(x, n))
}

// MARK: SiLU / SwiGLU  (u == NULL: plain silu)

static void swiglu_scalar(const float *g, const float *u, float *y, int n) {
    for (int i = 0; i < n; i++) {
        float s = g[i] / (1.0f + expf(-g[i]));
        y[i] = u ? s * u[i] : s;
    }
}

__attribute__((target(CK_TARGET_AVX2))) static void swiglu_avx2(const float *g, const float *u, float *y, int n) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(g + i);
        __m256 s = _mm256_div_ps(x, _mm256_add_ps(one, ck_exp8(_mm256_sub_ps(zero, x))));
        if (u) s = _mm256_mul_ps(s, _mm256_loadu_ps(u + i));
        _mm256_storeu_ps(y + i, s);
    }
    if (i < n) {
        float gb[8] = {0}, ub[8] = {0}, yb[8];
        memcpy(gb, g + i, (size_t)(n - i) * 4);
        if (u) memcpy(ub, u + i, (size_t)(n - i) * 4);
        swiglu_avx2(gb, u ? ub : NULL, yb, 8);
        memcpy(y + i, yb, (size_t)(n - i) * 4);
    }
}

__attribute__((target(CK_TARGET_AVX512))) static void swiglu_avx512(const float *g, const float *u, float *y, int n) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        __mmask16 k = i + 16 <= n ? 0xFFFF : MASK16(n - i);
        __m512 x = _mm512_maskz_loadu_ps(k, g + i);
        __m512 s = _mm512_div_ps(x, _mm512_add_ps(one, ck_exp16(_mm512_sub_ps(zero, x))));
        if (u) s = _mm512_mul_ps(s, _mm512_maskz_loadu_ps(k, u + i));
        _mm512_mask_storeu_ps(y + i, k, s);
    }
}

void ck_silu(const float *x, float *y, int n) {
    CK_DISPATCH(swiglu_scalar(x, NULL, y, n), swiglu_avx2(x, NULL, y, n), swiglu_avx512(x, NULL, y, n))
}

void ck_swiglu(const float *g, const float *u, float *y, int n) {
    CK_DISPATCH(swiglu_scalar(g, u, y, n), swiglu_avx2(g, u, y, n), swiglu_avx512(g, u, y, n))
}
