// RoPE (NEOX and NORM modes) as llama.cpp computes it: angles by repeated float multiplication,
// cos/sin from libm, optional YaRN ramp. Cheap (head_dim/2 sin+cos per position), so scalar.
#include "ck_internal.h"
#include <math.h>

void ck_rope_cache(float *cos_sin, int n_dims, int pos, float freq_base, float freq_scale,
                   float ext_factor, float attn_factor, float corr_low, float corr_high) {
    ck_rope_cache_factors(cos_sin, n_dims, pos, freq_base, freq_scale, ext_factor, attn_factor, corr_low, corr_high,
                          NULL);
}

void ck_rope_cache_factors(float *cos_sin, int n_dims, int pos, float freq_base, float freq_scale, float ext_factor,
                           float attn_factor, float corr_low, float corr_high, const float *freq_factors) {
    const float theta_scale = powf(freq_base, -2.0f / (float)n_dims);
    float mscale = attn_factor;
    // GCC (llama.cpp's build, FMA on) contracts these sums of products; fmaf gives the same bits here.
    if (ext_factor != 0.0f) mscale *= fmaf(0.1f, logf(1.0f / freq_scale), 1.0f);
    float theta_extrap = (float)pos;
    for (int i = 0; i < n_dims / 2; i++) {
        const float extrap = freq_factors ? theta_extrap / freq_factors[i] : theta_extrap;
        float theta = freq_scale * extrap;
        if (ext_factor != 0.0f) {
            // ramp is 1 below corr_low, 0 above corr_high (in pair index units)
            float y = ((float)i - corr_low) / fmaxf(0.001f, corr_high - corr_low);
            float ramp = 1.0f - fminf(1.0f, fmaxf(0.0f, y));
            float mix = ramp * ext_factor;
            theta = fmaf(theta, 1.0f - mix, extrap * mix);
        }
        cos_sin[2 * i] = cosf(theta) * mscale;
        cos_sin[2 * i + 1] = sinf(theta) * mscale;
        theta_extrap *= theta_scale;
    }
}

static inline __attribute__((always_inline)) void rope_neox_body(float *x, int n_heads, int head_dim, int n_dims,
                                                                  const float *cos_sin) {
    const int half = n_dims / 2;
    for (int h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * head_dim;
        for (int i = 0; i < half; i++) {
            const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
            const float x0 = v[i], x1 = v[i + half];
            // llama.cpp's build (GCC, contraction on) fuses the first product of each line.
            v[i] = fmaf(x0, c, -(x1 * s));
            v[i + half] = fmaf(x0, s, x1 * c);
        }
    }
}

/// NORM mode (llama.cpp's GGML_ROPE_TYPE_NORMAL): element 2i pairs with 2i + 1.
static inline __attribute__((always_inline)) void rope_norm_body(float *x, int n_heads, int head_dim, int n_dims,
                                                                  const float *cos_sin) {
    for (int h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * head_dim;
        for (int i = 0; i < n_dims; i += 2) {
            const float c = cos_sin[i], s = cos_sin[i + 1];
            const float x0 = v[i], x1 = v[i + 1];
            v[i] = fmaf(x0, c, -(x1 * s));
            v[i + 1] = fmaf(x0, s, x1 * c);
        }
    }
}

static void rope_norm_scalar(float *x, int n_heads, int head_dim, int n_dims, const float *cos_sin) {
    rope_norm_body(x, n_heads, head_dim, n_dims, cos_sin);
}

static void rope_neox_scalar(float *x, int n_heads, int head_dim, int n_dims, const float *cos_sin) {
    rope_neox_body(x, n_heads, head_dim, n_dims, cos_sin);
}

#if CK_X86
/// The same code where fmaf is the FMA instruction instead of a libm call (same bits). On aarch64
/// fmaf is an instruction at every level.
__attribute__((target(CK_TARGET_AVX2))) static void rope_neox_fma(float *x, int n_heads, int head_dim, int n_dims,
                                                                 const float *cos_sin) {
    rope_neox_body(x, n_heads, head_dim, n_dims, cos_sin);
}
__attribute__((target(CK_TARGET_AVX2))) static void rope_norm_fma(float *x, int n_heads, int head_dim, int n_dims,
                                                                 const float *cos_sin) {
    rope_norm_body(x, n_heads, head_dim, n_dims, cos_sin);
}
#endif

void ck_rope_norm(float *x, int n_heads, int head_dim, int n_dims, const float *cos_sin) {
#if CK_X86
    if (ck_level() != CK_SCALAR) {
        rope_norm_fma(x, n_heads, head_dim, n_dims, cos_sin);
        return;
    }
#endif
    rope_norm_scalar(x, n_heads, head_dim, n_dims, cos_sin);
}

void ck_rope_neox(float *x, int n_heads, int head_dim, int n_dims, const float *cos_sin) {
#if CK_X86
    if (ck_level() != CK_SCALAR) {
        rope_neox_fma(x, n_heads, head_dim, n_dims, cos_sin);
        return;
    }
#endif
    rope_neox_scalar(x, n_heads, head_dim, n_dims, cos_sin);
}
