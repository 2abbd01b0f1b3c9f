// Lane tiles shared by the AVX2 K-quant kernels (dot_kquants_avx2.c, dot_kquants_low.c): 4 outputs
// in the lanes of an xmm, either 4 weight rows x 1 activation row or 1 weight row x up to 4
// activation rows. Include inside a region compiled for (at least) CK_TARGET_AVX2.
#ifndef CK_KQ_LANES_H
#define CK_KQ_LANES_H
#include <immintrin.h>

#define AI static inline __attribute__((always_inline))

AI __m256i ld256(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

/// Lane i = sum of the 8 int32 lanes of v[i] (v[i] for i >= n taken as zero).
AI __m128i reduce4(const __m256i v[4], const int n) {
    const __m256i z = _mm256_setzero_si256();
    const __m256i ab = _mm256_hadd_epi32(v[0], n > 1 ? v[1] : z);
    const __m256i cd = _mm256_hadd_epi32(n > 2 ? v[2] : z, n > 3 ? v[3] : z);
    const __m256i s = _mm256_hadd_epi32(ab, cd);
    return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

/// Lane i = f(i) for i < n, else 0.
#define LANES4(n, f) _mm_setr_ps(f(0), (n) > 1 ? f(1) : 0.0f, (n) > 2 ? f(2) : 0.0f, (n) > 3 ? f(3) : 0.0f)

/// Stores lane i of v to the output of row (R > 1 ? i : 0), activation (R > 1 ? 0 : i).
AI void store_lanes(const int R, const int C, __m128 v, float *Y, size_t ys) {
    float out[4];
    _mm_storeu_ps(out, v);
    if (R > 1) {
        for (int r = 0; r < R; r++) Y[r] = out[r];
    } else {
        for (int c = 0; c < C; c++) Y[c * ys] = out[c];
    }
}

/// Tile functions: [0] 4 rows x 1 activation, [c] 1 row x (c) activations for c = 1..4.
typedef void (*kq_tile_fn)(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, float *Y, size_t ys);

static inline void kq_run(const kq_tile_fn t[5], const uint8_t *W, size_t rb, int nr, int n,
                   const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    if (nc == 1) {
        int r = 0;
        for (; r + 4 <= nr; r += 4) t[0](W + (size_t)r * rb, rb, n, X, xs, Y + r, ys);
        for (; r < nr; r++) t[1](W + (size_t)r * rb, rb, n, X, xs, Y + r, ys);
        return;
    }
    // Activation rows per pass: they stay in L2 while each weight row is reused from L1.
    int chunk = xs ? (int)((768u * 1024u) / xs) & ~3 : 64;
    if (chunk < 4) chunk = 4;
    for (int c0 = 0; c0 < nc; c0 += chunk) {
        const int c1 = nc - c0 < chunk ? nc : c0 + chunk;
        for (int r = 0; r < nr; r++)
            for (int c = c0; c < c1; c += 4) {
                const int cc = c1 - c < 4 ? c1 - c : 4;
                t[cc](W + (size_t)r * rb, rb, n, X + (size_t)c * xs, xs, Y + (size_t)c * ys + r, ys);
            }
    }
}

#define KQ_TILE(NAME, BODY, R, C)                                                                \
    static void NAME##_##R##x##C(const uint8_t *W, size_t rb, int n, const uint8_t *X, size_t xs, \
                                 float *Y, size_t ys) {                                          \
        BODY(R, C, W, rb, n, X, xs, Y, ys);                                                      \
    }
#define KQ_KERNEL(NAME, BODY)                                                                     \
    KQ_TILE(NAME, BODY, 4, 1) KQ_TILE(NAME, BODY, 1, 1) KQ_TILE(NAME, BODY, 1, 2)                 \
    KQ_TILE(NAME, BODY, 1, 3) KQ_TILE(NAME, BODY, 1, 4)                                           \
    CK_DECLARE_KERNEL(NAME) {                                                                     \
        static const kq_tile_fn t[5] = {NAME##_4x1, NAME##_1x1, NAME##_1x2, NAME##_1x3, NAME##_1x4}; \
        kq_run(t, W, rb, nr, n, X, xs, nc, Y, ys);                                                \
    }

#endif
