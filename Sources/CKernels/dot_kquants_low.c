// Q2_K, Q3_K and IQ4_XS weights against Q8_K activations: scalar definition, AVX2 and AVX-512.
//
// Numerics (identical bits at every level and tile shape); all integer sums exact int32.
// - Lane order (Q3_K and IQ4_XS, CK_ORDER_ROWWISE): llama.cpp's ggml_vec_dot_*_q8_K (AVX2), bit for
//   bit: 8 int32 lanes per super-block, lane l = sum over its 32-element chunks of
//   s_j * sum_{i = 4l..4l+3 of the chunk} w_i y_i (s_j the scale of the sub-block holding those
//   elements; w in -4..3 for Q3_K, kvalues_iq4nl for IQ4_XS), lane_l = fmaf(d*dy, (float)S_l,
//   lane_l), result ck_tree8(lanes).
// - Chain order (Q2_K; Q3_K and IQ4_XS in CK_ORDER_TILED), as the Q4_K..Q6_K kernels: per super-block
//   isum = sum_j s_j * sum_{i in j} w_i y_i (Q2_K: s_j = sc_j & 15, imin = sum_j (sc_j >> 4) bsum_j),
//   acc = fmaf(d*dy, (float)isum, acc) (Q2_K: then acc = fmaf(-(dmin*dy), (float)imin, acc)).
//   llama.cpp's multi-token passes do not reproduce its own vec_dot bits for Q3_K / IQ4_XS; this order
//   is the closest we measured to them (docs/DECISIONS.md). Its x86 AVX-512 build repacks Q2_K
//   (another order; measured as KL).
//
// Element layout of Q2_K / Q3_K (ggml): sub-block j = 8h + 2t + k (h, k in 0..1, t in 0..3) holds
// elements 16j..16j+15; its 2-bit quants are bits 2t of qs[32h + 16k + l], its Q3_K high bit is
// bit 4h + t of hmask[16k + l] (set: +0, clear: -4).
//
// SIMD: tiles of 4 weight rows x 1 activation row or 1 x up to 4 (ck_kq_lanes.h's driver). Per 32
// weights vpmaddubsw (Q2_K: unsigned q; Q3_K / IQ4_XS: |w| with sign(y, w)), vpmaddwd with the
// sub-block scale words, which is exactly llama.cpp's lane pairing. The AVX-512 level runs the same
// tiles compiled for the AVX-512 target (EVEX encodings, 32 vector registers), and from 4 activation
// rows in the tiled order the repacked VNNI matmul of dot_kquants_gemm.c; same bits.
#include "ck_internal.h"
#include "ck_reduce.h"
#if CK_X86
#include <immintrin.h>
#endif
#include <math.h>

static inline int16_t bsum(const uint8_t *yb, int g) {
    int16_t v;
    memcpy(&v, yb + Q8K_BSUMS + 2 * g, 2);
    return v;
}

// MARK: Scalar (the definition)

static float dot_q2_K_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float acc = 0.0f;
    for (int i = 0; i < n / QK_K; i++, w += Q2_K_BYTES, x += Q8_K_BYTES) {
        const uint8_t *q = w + Q2K_QS;
        const int8_t *y = (const int8_t *)(x + Q8K_QS);
        int isum = 0, imin = 0;
        for (int j = 0; j < 16; j++) {
            const int h = j / 8, t = (j % 8) / 2, k = j % 2;
            int s = 0;
            for (int l = 0; l < 16; l++) s += ((q[32 * h + 16 * k + l] >> (2 * t)) & 3) * y[16 * j + l];
            isum += (w[j] & 0x0F) * s;
            imin += (w[j] >> 4) * bsum(x, j);
        }
        const float dy = ck_ldf(x);
        acc = fmaf(ck_h2f(ck_ld16(w + Q2K_D)) * dy, (float)isum, acc);
        acc = fmaf(-(ck_h2f(ck_ld16(w + Q2K_D + 2)) * dy), (float)imin, acc);
    }
    return acc;
}

/// Lane l of a 32-element chunk: its elements 4l..4l+3 (llama.cpp's vpmaddubsw/vpmaddwd pairing).
static float dot_q3_K_rowwise_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float lane[8] = {0};
    for (int i = 0; i < n / QK_K; i++, w += Q3_K_BYTES, x += Q8_K_BYTES) {
        int8_t sc[16];
        ck_q3k_scales(w + Q3K_SC, sc);
        const uint8_t *q = w + Q3K_QS, *hm = w;
        const int8_t *y = (const int8_t *)(x + Q8K_QS);
        int S[8] = {0};
        for (int j = 0; j < 16; j++) {
            const int h = j / 8, t = (j % 8) / 2, k = j % 2;
            for (int l = 0; l < 16; l++) {
                const int lo = (q[32 * h + 16 * k + l] >> (2 * t)) & 3;
                const int v = lo - (((hm[16 * k + l] >> (4 * h + t)) & 1) ? 0 : 4);
                S[4 * k + l / 4] += sc[j] * v * y[16 * j + l];
            }
        }
        const float d = ck_h2f(ck_ld16(w + Q3K_D)) * ck_ldf(x);
        for (int l = 0; l < 8; l++) lane[l] = fmaf(d, (float)S[l], lane[l]);
    }
    return ck_tree8(lane);
}

static float dot_iq4_xs_rowwise_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float lane[8] = {0};
    for (int i = 0; i < n / QK_K; i++, w += IQ4_XS_BYTES, x += Q8_K_BYTES) {
        int8_t sc[8];
        ck_iq4xs_scales(w, sc);
        const uint8_t *q = w + IQ4XS_QS;
        const int8_t *y = (const int8_t *)(x + Q8K_QS);
        int S[8] = {0};
        for (int j = 0; j < 8; j++)
            for (int l = 0; l < 16; l++) {
                S[l / 4] += sc[j] * ck_kvalues_iq4nl[q[16 * j + l] & 0x0F] * y[32 * j + l];
                S[4 + l / 4] += sc[j] * ck_kvalues_iq4nl[q[16 * j + l] >> 4] * y[32 * j + 16 + l];
            }
        const float d = ck_h2f(ck_ld16(w)) * ck_ldf(x);
        for (int l = 0; l < 8; l++) lane[l] = fmaf(d, (float)S[l], lane[l]);
    }
    return ck_tree8(lane);
}

/// The chain order (CK_ORDER_TILED) of Q3_K and IQ4_XS: the Q2_K definition without the min term.
static float dot_q3_K_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float acc = 0.0f;
    for (int i = 0; i < n / QK_K; i++, w += Q3_K_BYTES, x += Q8_K_BYTES) {
        int8_t sc[16];
        ck_q3k_scales(w + Q3K_SC, sc);
        const uint8_t *q = w + Q3K_QS, *hm = w;
        const int8_t *y = (const int8_t *)(x + Q8K_QS);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            const int h = j / 8, t = (j % 8) / 2, k = j % 2;
            int s = 0;
            for (int l = 0; l < 16; l++) {
                const int lo = (q[32 * h + 16 * k + l] >> (2 * t)) & 3;
                const int v = lo - (((hm[16 * k + l] >> (4 * h + t)) & 1) ? 0 : 4);
                s += v * y[16 * j + l];
            }
            isum += sc[j] * s;
        }
        acc = fmaf(ck_h2f(ck_ld16(w + Q3K_D)) * ck_ldf(x), (float)isum, acc);
    }
    return acc;
}

static float dot_iq4_xs_scalar(const uint8_t *w, const uint8_t *x, int n) {
    float acc = 0.0f;
    for (int i = 0; i < n / QK_K; i++, w += IQ4_XS_BYTES, x += Q8_K_BYTES) {
        int8_t sc[8];
        ck_iq4xs_scales(w, sc);
        const uint8_t *q = w + IQ4XS_QS;
        const int8_t *y = (const int8_t *)(x + Q8K_QS);
        int isum = 0;
        for (int j = 0; j < 8; j++) {
            int s = 0;
            for (int l = 0; l < 16; l++) {
                s += ck_kvalues_iq4nl[q[16 * j + l] & 0x0F] * y[32 * j + l];
                s += ck_kvalues_iq4nl[q[16 * j + l] >> 4] * y[32 * j + 16 + l];
            }
            isum += sc[j] * s;
        }
        acc = fmaf(ck_h2f(ck_ld16(w)) * ck_ldf(x), (float)isum, acc);
    }
    return acc;
}

CK_DOTS_KERNEL(ck_k_q2_K_scalar, dot_q2_K_scalar)
CK_DOTS_KERNEL(ck_k_q3_K_scalar, dot_q3_K_scalar)
CK_DOTS_KERNEL(ck_k_iq4_xs_scalar, dot_iq4_xs_scalar)
CK_DOTS_KERNEL(ck_k_q3_K_rowwise_scalar, dot_q3_K_rowwise_scalar)
CK_DOTS_KERNEL(ck_k_iq4_xs_rowwise_scalar, dot_iq4_xs_rowwise_scalar)

#if CK_X86
// MARK: AVX2 tiles (R rows x C activation rows, R == 1 or C == 1; lane = r + c)

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

#include "ck_kq_lanes.h"

// MARK: Chain order (Q2_K; Q3_K and IQ4_XS in CK_ORDER_TILED): 4 outputs in the lanes of an xmm

/// Q3_K's 16 scales (minus 32) as int16 words s_0..s_15 (word operations on the 12 packed bytes,
/// as ck_q3k_scales).
AI __m256i q3k_scales16(const uint8_t *q) {
    const uint32_t a0 = ck_ld32(q), a1 = ck_ld32(q + 4), hi = ck_ld32(q + 8);
    const uint32_t k0f = 0x0F0F0F0Fu, k03 = 0x03030303u;
    const __m128i v = _mm_setr_epi32((int)((a0 & k0f) | ((hi & k03) << 4)), (int)((a1 & k0f) | (((hi >> 2) & k03) << 4)),
                                     (int)(((a0 >> 4) & k0f) | (((hi >> 4) & k03) << 4)),
                                     (int)(((a1 >> 4) & k0f) | (((hi >> 6) & k03) << 4)));
    return _mm256_cvtepi8_epi16(_mm_sub_epi8(v, _mm_set1_epi8(32)));
}

/// The same words: [0] sub-blocks 0..7, [1] sub-blocks 8..15, each repeated in both 128-bit lanes.
AI void q3k_scale_words(const uint8_t *q, __m256i out[2]) {
    const __m256i w = q3k_scales16(q);
    const __m128i lo = _mm256_castsi256_si128(w), hi8 = _mm256_extracti128_si256(w, 1);
    out[0] = _mm256_set_m128i(lo, lo);
    out[1] = _mm256_set_m128i(hi8, hi8);
}

/// Words of sub-block 2t (low 128 bits) and 2t+1 (high 128 bits) out of q3k_scale_words' vector.
AI __m256i q3k_pair(__m256i words, const int t) {
    const char a = (char)(4 * t), b = (char)(4 * t + 2);
    return _mm256_shuffle_epi8(words, _mm256_setr_epi8(a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1,
                                                       b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1));
}

/// Q2_K's 16 scales (low nibbles) the same way.
AI void q2k_scale_words(const uint8_t *q, __m256i out[2]) {
    const __m256i w = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_loadu_si128((const __m128i *)q), _mm_set1_epi8(0x0F)));
    const __m128i lo = _mm256_castsi256_si128(w), hi = _mm256_extracti128_si256(w, 1);
    out[0] = _mm256_set_m128i(lo, lo);
    out[1] = _mm256_set_m128i(hi, hi);
}

/// Q2_K (with mins) and Q3_K share the loop: 2-bit fields of qs; Q3_K adds the hmask bit (+4 when
/// set) and subtracts 4 * sum_j s_j bsum_j. The super-block sums of the 4 outputs are reduced
/// together and each output's fmaf steps run in its lane, as in the scalar definition.
AI void q23k_tile(const int q3, const int R, const int C, const uint8_t *W, size_t rb, int n,
                  const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const size_t wbytes = q3 ? Q3_K_BYTES : Q2_K_BYTES;
    const size_t qs_off = q3 ? Q3K_QS : Q2K_QS;
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    __m128 acc = _mm_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        CK_UNROLL for (int c = 0; c < C; c++) yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
        __m256i isum[4], imin[4];
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * wbytes;
            for (size_t o = 0; o < wbytes; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            __m256i words[2];
            if (q3) q3k_scale_words(wb + Q3K_SC, words);
            else q2k_scale_words(wb, words);
            const __m256i hm = q3 ? ld256(wb) : _mm256_setzero_si256();
            CK_UNROLL for (int c = 0; c < C; c++) isum[r + c] = _mm256_setzero_si256();
            CK_UNROLL for (int h = 0; h < 2; h++) {
                const __m256i q = ld256(wb + qs_off + 32 * h);
                CK_UNROLL for (int t = 0; t < 4; t++) {
                    __m256i u = _mm256_and_si256(_mm256_srli_epi16(q, 2 * t), m3);
                    if (q3) {
                        const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + t), one);
                        u = _mm256_or_si256(u, _mm256_slli_epi16(hb, 2));  // 0..7 = value + 4
                    }
                    const __m256i s = q3k_pair(words[h], t);
                    CK_UNROLL for (int c = 0; c < C; c++) {
                        const __m256i y = ld256(yb[c] + Q8K_QS + 32 * (4 * h + t));
                        isum[r + c] = _mm256_add_epi32(isum[r + c], _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), s));
                    }
                }
            }
            if (q3) {
                const __m256i s16 = _mm256_permute2x128_si256(words[0], words[1], 0x20);  // the 16 scales
                CK_UNROLL for (int c = 0; c < C; c++) {
                    const __m256i corr = _mm256_slli_epi32(_mm256_madd_epi16(s16, ld256(yb[c] + Q8K_BSUMS)), 2);
                    isum[r + c] = _mm256_sub_epi32(isum[r + c], corr);
                }
            } else {
                const __m128i sv = _mm_loadu_si128((const __m128i *)wb);
                const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sv, 4), _mm_set1_epi8(0x0F)));
                CK_UNROLL for (int c = 0; c < C; c++) imin[r + c] = _mm256_madd_epi16(mins, ld256(yb[c] + Q8K_BSUMS));
            }
        }
        const int L = R > C ? R : C;
        const __m128 is = _mm_cvtepi32_ps(reduce4(isum, L));
        const uint8_t *w0 = W + (size_t)sb * wbytes + (q3 ? Q3K_D : Q2K_D);
#define DX(i) _cvtsh_ss(ck_ld16(w0 + (R > 1 ? (i) : 0) * rb))
#define DMX(i) _cvtsh_ss(ck_ld16(w0 + (R > 1 ? (i) : 0) * rb + 2))
#define DY(i) ck_ldf(yb[R > 1 ? 0 : (i)])
        const __m128 dx = LANES4(L, DX), dy = LANES4(L, DY);
        acc = _mm_fmadd_ps(_mm_mul_ps(dx, dy), is, acc);
        if (!q3) {
            const __m128 dmx = LANES4(L, DMX), im = _mm_cvtepi32_ps(reduce4(imin, L));
            acc = _mm_fnmadd_ps(_mm_mul_ps(dmx, dy), im, acc);
        }
#undef DX
#undef DMX
#undef DY
    }
    store_lanes(R, C, acc, Y, ys);
}

AI void iq4xs_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                   const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const __m128i t16 = _mm_loadu_si128((const __m128i *)ck_kvalues_iq4nl);
    const __m256i table = _mm256_set_m128i(t16, t16), m4 = _mm256_set1_epi8(0x0F);
    __m128 acc = _mm_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        CK_UNROLL for (int c = 0; c < C; c++) yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
        __m256i isum[4];
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * IQ4_XS_BYTES;
            for (size_t o = 0; o < IQ4_XS_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            int8_t sc[8];
            ck_iq4xs_scales(wb, sc);
            CK_UNROLL for (int c = 0; c < C; c++) isum[r + c] = _mm256_setzero_si256();
            CK_UNROLL for (int j = 0; j < 8; j++) {
                const __m128i q = _mm_loadu_si128((const __m128i *)(wb + IQ4XS_QS + 16 * j));
                const __m256i v = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), m4));
                const __m256i av = _mm256_sign_epi8(v, v), s = _mm256_set1_epi16(sc[j]);
                CK_UNROLL for (int c = 0; c < C; c++) {
                    const __m256i y = _mm256_sign_epi8(ld256(yb[c] + Q8K_QS + 32 * j), v);
                    isum[r + c] = _mm256_add_epi32(isum[r + c], _mm256_madd_epi16(_mm256_maddubs_epi16(av, y), s));
                }
            }
        }
        const int L = R > C ? R : C;
        const __m128 is = _mm_cvtepi32_ps(reduce4(isum, L));
        const uint8_t *w0 = W + (size_t)sb * IQ4_XS_BYTES;
#define DX(i) _cvtsh_ss(ck_ld16(w0 + (R > 1 ? (i) : 0) * rb))
#define DY(i) ck_ldf(yb[R > 1 ? 0 : (i)])
        const __m128 dx = LANES4(L, DX), dy = LANES4(L, DY);
#undef DX
#undef DY
        acc = _mm_fmadd_ps(_mm_mul_ps(dx, dy), is, acc);
    }
    store_lanes(R, C, acc, Y, ys);
}

// MARK: Lane order (Q3_K, IQ4_XS, CK_ORDER_ROWWISE): an __m256 of 8 float lanes per output

/// Stores the ck_hsum8 of each output: row (R > 1 ? i : 0), activation (R > 1 ? 0 : i).
AI void store_hsum(const int R, const int C, const __m256 acc[4], float *Y, size_t ys) {
    if (R > 1) {
        CK_UNROLL for (int r = 0; r < R; r++) Y[r] = ck_hsum8(acc[r]);
    } else {
        CK_UNROLL for (int c = 0; c < C; c++) Y[c * ys] = ck_hsum8(acc[c]);
    }
}

/// The signed values v of a 32-byte chunk against C activation chunks: isum[c] += sum of
/// s * (|v| . sign(y, v)) in the int32 lanes (s: the sub-block scale words).
#define LANE_DOT(v, s, YOFF)                                                                        \
    do {                                                                                             \
        const __m256i av_ = _mm256_sign_epi8(v, v);                                                  \
        CK_UNROLL for (int c = 0; c < C; c++) {                                                      \
            const __m256i sy_ = _mm256_sign_epi8(ld256(yb[c] + Q8K_QS + (YOFF)), v);                 \
            isum[c] = _mm256_add_epi32(isum[c], _mm256_madd_epi16(_mm256_maddubs_epi16(av_, sy_), s)); \
        }                                                                                            \
    } while (0)

AI void q3k_lanes_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                 const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1), four = _mm256_set1_epi8(4);
    __m256 acc[4];
    CK_UNROLL for (int i = 0; i < 4; i++) acc[i] = _mm256_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        CK_UNROLL for (int c = 0; c < C; c++) yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * Q3_K_BYTES;
            for (size_t o = 0; o < Q3_K_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            __m256i words[2];
            q3k_scale_words(wb + Q3K_SC, words);
            const __m256i hm = ld256(wb);
            __m256i isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = _mm256_setzero_si256();
            CK_UNROLL for (int h = 0; h < 2; h++) {
                const __m256i q = ld256(wb + Q3K_QS + 32 * h);
                CK_UNROLL for (int t = 0; t < 4; t++) {
                    const __m256i u = _mm256_and_si256(_mm256_srli_epi16(q, 2 * t), m3);
                    const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + t), one);
                    const __m256i v = _mm256_sub_epi8(_mm256_or_si256(u, _mm256_slli_epi16(hb, 2)), four);  // -4..3
                    LANE_DOT(v, q3k_pair(words[h], t), 32 * (4 * h + t));
                }
            }
            const float dx = _cvtsh_ss(ck_ld16(wb + Q3K_D));
            CK_UNROLL for (int c = 0; c < C; c++)
                acc[r + c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * ck_ldf(yb[c])), _mm256_cvtepi32_ps(isum[c]), acc[r + c]);
        }
    }
    store_hsum(R, C, acc, Y, ys);
}

AI void iq4xs_lanes_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                   const uint8_t *X, size_t xs, float *Y, size_t ys) {
    const __m128i t16 = _mm_loadu_si128((const __m128i *)ck_kvalues_iq4nl);
    const __m256i table = _mm256_set_m128i(t16, t16), m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[4];
    CK_UNROLL for (int i = 0; i < 4; i++) acc[i] = _mm256_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb[4];
        CK_UNROLL for (int c = 0; c < C; c++) yb[c] = X + c * xs + (size_t)sb * Q8_K_BYTES;
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * IQ4_XS_BYTES;
            for (size_t o = 0; o < IQ4_XS_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            int8_t sc[8];
            ck_iq4xs_scales(wb, sc);
            __m256i isum[4];
            CK_UNROLL for (int c = 0; c < C; c++) isum[c] = _mm256_setzero_si256();
            CK_UNROLL for (int j = 0; j < 8; j++) {
                const __m128i q = _mm_loadu_si128((const __m128i *)(wb + IQ4XS_QS + 16 * j));
                const __m256i v = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), m4));
                LANE_DOT(v, _mm256_set1_epi16(sc[j]), 32 * j);
            }
            const float dx = _cvtsh_ss(ck_ld16(wb));
            CK_UNROLL for (int c = 0; c < C; c++)
                acc[r + c] = _mm256_fmadd_ps(_mm256_set1_ps(dx * ck_ldf(yb[c])), _mm256_cvtepi32_ps(isum[c]), acc[r + c]);
        }
    }
    store_hsum(R, C, acc, Y, ys);
}

#define Q2K_TILE(R, C, ...) q23k_tile(0, R, C, __VA_ARGS__)
#define Q3K_TILE(R, C, ...) q23k_tile(1, R, C, __VA_ARGS__)
KQ_KERNEL(ck_k_q2_K_avx2_mv, Q2K_TILE)  // ck_k_*_avx2 add the repacked matmul (dot_kquants_gemm_avx2.c)
KQ_KERNEL(ck_k_q3_K_avx2_mv, Q3K_TILE)
KQ_KERNEL(ck_k_iq4_xs_avx2_mv, iq4xs_tile)
KQ_KERNEL(ck_k_q3_K_rowwise_avx2, q3k_lanes_tile)
KQ_KERNEL(ck_k_iq4_xs_rowwise_avx2, iq4xs_lanes_tile)

#pragma clang attribute pop

// MARK: AVX-512: the same tiles for the AVX-512 target

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)
KQ_KERNEL(ck_k_q2_K_avx512_mv, Q2K_TILE)  // ck_k_*_avx512 add the repacked matmul (dot_kquants_gemm.c)
KQ_KERNEL(ck_k_q3_K_avx512_mv, Q3K_TILE)
KQ_KERNEL(ck_k_iq4_xs_avx512_mv, iq4xs_tile)
KQ_KERNEL(ck_k_q3_K_rowwise_avx512_ymm, q3k_lanes_tile)  // 1 row x 2..4 activations (MoE experts)
KQ_KERNEL(ck_k_iq4_xs_rowwise_avx512_ymm, iq4xs_lanes_tile)

// MARK: AVX-512 lane order with 512-bit vectors (one activation row: decode)
//
// Two 32-element chunks per zmm, one in each 256-bit half; the int32 lane m of a half holds the
// elements 4m..4m+3 of its chunk, as the ymm lane order above (vpmaddubsw then vpdpwssd with the
// sub-block scale words pair exactly those elements). At the end of a super-block the two halves
// are added (exact int32), so S_l, the fmaf steps and the final ck_hsum8 are those of the scalar
// definition.

/// Lanes l = 0..7 of a super-block: the two 256-bit halves added, as floats.
AI __m256 fold_halves(__m512i s) {
    return _mm256_cvtepi32_ps(_mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1)));
}

/// Word permutation indices: 128-bit lanes [a, a + 1, a + s, a + s + 1] (each word repeated 8 times).
AI __m512i lane_words_idx(int a, int s) {
    const long long w = 0x0001000100010001LL;
    const __m512i base = _mm512_set_epi64(w * (s + 1), w * (s + 1), w * s, w * s, w, w, 0, 0);
    return _mm512_add_epi16(base, _mm512_set1_epi16((short)a));
}

/// Q3_K, R rows x 1 activation row. zmm t holds chunks (h = 0, t) and (h = 1, t): the 2-bit fields
/// 2t of qs[0..63] and the hmask bits t (low half) and 4 + t (high half). The weight goes in as
/// v + 4 in 0..7 (unsigned, for vpmaddubsw) and 4 * (y_2i + y_2i+1), computed once per super-block
/// for all rows, is taken off each int16 pair: sum (v + 4) y - 4 sum y = sum v y, exactly.
AI void q3k_lanes512_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                          const uint8_t *X, size_t xs, float *Y, size_t ys) {
    (void)C;
    (void)xs;
    (void)ys;
    const __m512i m3 = _mm512_set1_epi8(3), four = _mm512_set1_epi8(4), ones = _mm512_set1_epi8(1);
    __m256 acc[4];
    CK_UNROLL for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb = X + (size_t)sb * Q8_K_BYTES;
        const float dy = ck_ldf(yb);
        __m512i yv[4], y4[4];
        CK_UNROLL for (int t = 0; t < 4; t++) {
            yv[t] = _mm512_inserti64x4(_mm512_castsi256_si512(ld256(yb + Q8K_QS + 32 * t)), ld256(yb + Q8K_QS + 128 + 32 * t), 1);
            y4[t] = _mm512_slli_epi16(_mm512_maddubs_epi16(ones, yv[t]), 2);
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * Q3_K_BYTES;
            for (size_t o = 0; o < Q3_K_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            const __m512i sw = _mm512_zextsi256_si512(q3k_scales16(wb + Q3K_SC));
            const __m512i hm = _mm512_broadcast_i64x4(ld256(wb));
            const __m512i q = _mm512_loadu_si512(wb + Q3K_QS);
            __m512i isum = _mm512_setzero_si512();
            CK_UNROLL for (int t = 0; t < 4; t++) {
                const __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8((char)(1 << t)), _mm256_set1_epi8((char)(1 << (4 + t))), 1);
                const __m512i h4 = _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(hm, bit), four);  // 4 where the bit is set
                // v + 4 = field | h4 (0xE4: m3 ? field bits : h4 bits)
                const __m512i u = _mm512_ternarylogic_epi64(t ? _mm512_srli_epi16(q, 2 * t) : q, h4, m3, 0xE4);
                const __m512i p = _mm512_sub_epi16(_mm512_maddubs_epi16(u, yv[t]), y4[t]);
                isum = _mm512_dpwssd_epi32(isum, p, _mm512_permutexvar_epi16(lane_words_idx(2 * t, 8), sw));
            }
            const float dx = _cvtsh_ss(ck_ld16(wb + Q3K_D));
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(dx * dy), fold_halves(isum), acc[r]);
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++) Y[r] = ck_hsum8(acc[r]);
}

/// IQ4_XS's 8 scales (minus 32) as words, as ck_iq4xs_scales: the nibbles of scales_l interleaved
/// (low, high), plus bits 2j..2j+1 of scales_h shifted to bits 4..5.
AI __m128i iq4xs_scale_words(const uint8_t *b) {
    const uint32_t sl = ck_ld32(b + IQ4XS_SL);
    const __m128i lo = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)(sl & 0x0F0F0F0Fu)), _mm_cvtsi32_si128((int)((sl >> 4) & 0x0F0F0F0Fu)));
    const __m128i hi = _mm_srlv_epi16(_mm_set1_epi16((short)ck_ld16(b + IQ4XS_SH)), _mm_setr_epi16(0, 2, 4, 6, 8, 10, 12, 14));
    const __m128i h4 = _mm_slli_epi16(_mm_and_si128(hi, _mm_set1_epi16(3)), 4);
    return _mm_sub_epi16(_mm_or_si128(_mm_cvtepu8_epi16(lo), h4), _mm_set1_epi16(32));
}

/// IQ4_XS, R rows x 1 activation row. A zmm of weights is 64 bytes of qs, sub-blocks 4P..4P+3 in
/// its 128-bit lanes; its low nibbles (elements 0..15 of each sub-block, lanes l = 0..3 of the order)
/// and high nibbles (elements 16..31, lanes 4..7) meet the activations regrouped the same way once
/// per super-block for all rows. |v| . sign(y, v) as the ymm tile, vpsignb done as a masked negate
/// (kvalues_iq4nl[i] < 0 exactly for i < 8). At the end of a super-block the four 128-bit lanes
/// of each half are added (exact int32) into lanes 0..3 and 4..7.
AI void iq4xs_lanes512_tile(const int R, const int C, const uint8_t *W, size_t rb, int n,
                            const uint8_t *X, size_t xs, float *Y, size_t ys) {
    (void)C;
    (void)xs;
    (void)ys;
    const __m512i atable = _mm512_broadcast_i32x4(_mm_abs_epi8(_mm_loadu_si128((const __m128i *)ck_kvalues_iq4nl)));
    const __m512i m4 = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8), zero = _mm512_setzero_si512();
    __m256 acc[4];
    CK_UNROLL for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int sb = 0; sb < n / QK_K; sb++) {
        const uint8_t *yb = X + (size_t)sb * Q8_K_BYTES;
        const float dy = ck_ldf(yb);
        __m512i ylo[2], yhi[2];  // lane i: elements 0..15 (16..31) of sub-block 4P + i
        CK_UNROLL for (int P = 0; P < 2; P++) {
            const __m512i a = _mm512_loadu_si512(yb + Q8K_QS + 128 * P), b = _mm512_loadu_si512(yb + Q8K_QS + 128 * P + 64);
            ylo[P] = _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(2, 0, 2, 0));
            yhi[P] = _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        }
        CK_UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *wb = W + r * rb + (size_t)sb * IQ4_XS_BYTES;
            for (size_t o = 0; o < IQ4_XS_BYTES; o += 64) _mm_prefetch((const char *)(wb + R * rb + o), _MM_HINT_T0);
            const __m512i sw = _mm512_zextsi128_si512(iq4xs_scale_words(wb));
            __m512i lo = _mm512_setzero_si512(), hi = _mm512_setzero_si512();
            CK_UNROLL for (int P = 0; P < 2; P++) {
                const __m512i q = _mm512_loadu_si512(wb + IQ4XS_QS + 64 * P);
                const __m512i s = _mm512_permutexvar_epi16(lane_words_idx(4 * P, 2), sw);  // s_4P..s_4P+3
                const __m512i il = _mm512_and_si512(q, m4), ih = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
                const __m512i yl = _mm512_mask_sub_epi8(ylo[P], _mm512_testn_epi8_mask(il, eight), zero, ylo[P]);
                const __m512i yh = _mm512_mask_sub_epi8(yhi[P], _mm512_testn_epi8_mask(ih, eight), zero, yhi[P]);
                lo = _mm512_dpwssd_epi32(lo, _mm512_maddubs_epi16(_mm512_shuffle_epi8(atable, il), yl), s);
                hi = _mm512_dpwssd_epi32(hi, _mm512_maddubs_epi16(_mm512_shuffle_epi8(atable, ih), yh), s);
            }
            // [lo0 + lo2, lo1 + lo3, hi0 + hi2, hi1 + hi3], then the two 128-bit lanes of each half
            const __m512i x = _mm512_add_epi32(_mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(1, 0, 1, 0)),
                                               _mm512_shuffle_i64x2(lo, hi, _MM_SHUFFLE(3, 2, 3, 2)));
            const __m512i z = _mm512_add_epi32(x, _mm512_shuffle_i64x2(x, x, _MM_SHUFFLE(2, 3, 0, 1)));
            const __m256i S = _mm512_castsi512_si256(_mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 3, 2, 0)));
            const float dx = _cvtsh_ss(ck_ld16(wb));
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(dx * dy), _mm256_cvtepi32_ps(S), acc[r]);
        }
    }
    CK_UNROLL for (int r = 0; r < R; r++) Y[r] = ck_hsum8(acc[r]);
}

KQ_TILE(q3k_lanes512, q3k_lanes512_tile, 4, 1) KQ_TILE(q3k_lanes512, q3k_lanes512_tile, 1, 1)
KQ_TILE(iq4xs_lanes512, iq4xs_lanes512_tile, 4, 1) KQ_TILE(iq4xs_lanes512, iq4xs_lanes512_tile, 1, 1)

CK_DECLARE_KERNEL(ck_k_q3_K_rowwise_avx512) {
    static const kq_tile_fn t[5] = {q3k_lanes512_4x1, q3k_lanes512_1x1, ck_k_q3_K_rowwise_avx512_ymm_1x2,
                                    ck_k_q3_K_rowwise_avx512_ymm_1x3, ck_k_q3_K_rowwise_avx512_ymm_1x4};
    kq_run(t, W, rb, nr, n, X, xs, nc, Y, ys);
}

CK_DECLARE_KERNEL(ck_k_iq4_xs_rowwise_avx512) {
    static const kq_tile_fn t[5] = {iq4xs_lanes512_4x1, iq4xs_lanes512_1x1, ck_k_iq4_xs_rowwise_avx512_ymm_1x2,
                                    ck_k_iq4_xs_rowwise_avx512_ymm_1x3, ck_k_iq4_xs_rowwise_avx512_ymm_1x4};
    kq_run(t, W, rb, nr, n, X, xs, nc, Y, ys);
}
#pragma clang attribute pop

#endif  // CK_X86
