// AVX2 matmul for Q4_K / Q5_K / Q6_K and Q2_K / Q3_K / IQ4_XS (their CK_ORDER_TILED chain) weights
// against several Q8_K activation rows: dot_kquants_gemm.c's design at 256 bits, without VNNI.
//
// Weights are unpacked once per chunk of super-blocks into a row-interleaved tile (8 rows in the
// lanes of a ymm, 4 quant bytes per lane per "group" of 4 elements) with the sub-block scales as
// int16 pairs per lane. Activations are broadcast 4 bytes at a time from the Q8_K blocks, so a
// vpmaddubsw does 32 multiply-adds for 8 rows. Per sub-block, the int16 pair sums of a few groups
// are added in int16 (as many as the weights' range allows without saturation: Q4_K 8 groups,
// Q5_K and Q2_K / Q3_K 4, Q6_K 2) and one vpmaddwd with the scale pair turns them into int32. So
// every integer sum is exact and the float steps are those of the scalar chain: bit-identical to
// the matvec kernels and to dot_kquants_gemm.c.
//
// Unsigned weights as in dot_kquants_gemm.c (Q6_K: q + 32, Q3_K: v + 4; the offset times the
// activation sums is subtracted exactly). IQ4_XS's values (-127..113) would saturate vpmaddubsw
// with an offset, so it multiplies |v| by sign(y, v) instead (Q8_K activations are in -127..127).
#include "ck_internal.h"
#if CK_X86  // the whole file is x86 SIMD
#include <immintrin.h>
#include "ck_kq_gemm.h"

enum {
    K2_ROWS = 8,  // rows per tile (one ymm)
    K2_KC = 4,    // super-blocks per repacked chunk (~11 KiB)
    K2_COLS = 4,  // activation rows in flight
};

typedef struct {
    __m256i q[K2_KC][64];                                    // [sb][group of 4 elements]: quants of 8 rows
    int32_t sc[K2_KC][16][8] __attribute__((aligned(32)));  // [sb][sub-block][row]: (sc, sc) as int16 pairs
    int32_t mp[K2_KC][8][8] __attribute__((aligned(32)));   // [sb][pair][row]: int16 pairs against bsums (2k, 2k+1)
    float d[K2_KC][8] __attribute__((aligned(32)));
    float dmin[K2_KC][8] __attribute__((aligned(32)));
} kq2_tile;

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX2))), apply_to = function)

static inline __m256i g32(const uint8_t *p, __m256i off) { return _mm256_i32gather_epi32((const int *)(const void *)p, off, 1); }
static inline int32_t pair16(int a, int b) { return (int32_t)(((uint32_t)a & 0xFFFFu) | ((uint32_t)b << 16)); }

/// The quants of super-block p (row 0; row r at off[r]) into slot b: group g = elements 4g..4g+3.
static void kq2_quants(const int kind, const uint8_t *p, __m256i o, kq2_tile *t, int b) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    __m256i *q = t->q[b];
    if (kind == KQ_Q4K || kind == KQ_Q5K) {
        const uint8_t *qs = p + (kind == KQ_Q4K ? Q4K_QS : Q5K_QS);
        __m256i qh[8];
        if (kind == KQ_Q5K)
            for (int u = 0; u < 8; u++) qh[u] = g32(p + Q5K_QH + 4 * u, o);
        for (int c = 0; c < 4; c++)
            for (int u = 0; u < 8; u++) {
                const __m256i v = g32(qs + 32 * c + 4 * u, o);
                __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), m4);
                if (kind == KQ_Q5K) {
                    lo = _mm256_or_si256(lo, _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(qh[u], 2 * c), one), 4));
                    hi = _mm256_or_si256(hi, _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(qh[u], 2 * c + 1), one), 4));
                }
                q[16 * c + u] = lo;
                q[16 * c + 8 + u] = hi;
            }
    } else if (kind == KQ_Q6K) {
        for (int h = 0; h < 2; h++)
            for (int u = 0; u < 8; u++) {
                const __m256i A = g32(p + Q6K_QL + 64 * h + 4 * u, o), B = g32(p + Q6K_QL + 64 * h + 32 + 4 * u, o);
                const __m256i Q = g32(p + Q6K_QH + 32 * h + 4 * u, o);
                const int g = 32 * h + u;
                q[g + 0] = _mm256_or_si256(_mm256_and_si256(A, m4), _mm256_slli_epi32(_mm256_and_si256(Q, m3), 4));
                q[g + 8] = _mm256_or_si256(_mm256_and_si256(B, m4), _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(Q, 2), m3), 4));
                q[g + 16] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(A, 4), m4),
                                            _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(Q, 4), m3), 4));
                q[g + 24] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(B, 4), m4),
                                            _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(Q, 6), m3), 4));
            }
    } else if (kind == KQ_IQ4XS) {
        // the signed values (kvalues_iq4nl in both 128-bit lanes, for vpshufb)
        const __m256i tab = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)ck_kvalues_iq4nl));
        for (int j = 0; j < 8; j++)
            for (int l = 0; l < 4; l++) {
                const __m256i v = g32(p + IQ4XS_QS + 16 * j + 4 * l, o);
                q[8 * j + l] = _mm256_shuffle_epi8(tab, _mm256_and_si256(v, m4));
                q[8 * j + 4 + l] = _mm256_shuffle_epi8(tab, _mm256_and_si256(_mm256_srli_epi32(v, 4), m4));
            }
    } else {  // Q2_K, Q3_K
        const uint8_t *qs = p + (kind == KQ_Q2K ? Q2K_QS : Q3K_QS);
        for (int k = 0; k < 2; k++)
            for (int l = 0; l < 4; l++) {
                const __m256i hm = kind == KQ_Q3K ? g32(p + 16 * k + 4 * l, o) : _mm256_setzero_si256();
                for (int h = 0; h < 2; h++) {
                    const __m256i v = g32(qs + 32 * h + 16 * k + 4 * l, o);
                    for (int tt = 0; tt < 4; tt++) {
                        __m256i u = _mm256_and_si256(_mm256_srli_epi32(v, 2 * tt), m3);
                        if (kind == KQ_Q3K)  // + 4 when the high bit is set: value + 4 in 0..7
                            u = _mm256_or_si256(u, _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(hm, 4 * h + tt), one), 2));
                        q[4 * (8 * h + 2 * tt + k) + l] = u;  // sub-block of 16: groups 4j..4j+3
                    }
                }
            }
    }
}

/// Scales, mins and super-scales of the 8 rows (scalar: once per super-block per tile).
static void kq2_scales(const int kind, const uint8_t *p, const size_t off[8], kq2_tile *t, int b) {
    for (int r = 0; r < 8; r++) {
        const uint8_t *q = p + off[r];
        int sc[16], mn[16];
        float d, dmin = 0.0f;
        if (kind == KQ_Q4K || kind == KQ_Q5K) {
            uint8_t s8[8], m8[8];
            ck_kscales(q + QK_SCALES, s8, m8);
            for (int j = 0; j < 8; j++) sc[j] = s8[j], mn[j] = m8[j];
            d = ck_h2f(ck_ld16(q));
            dmin = ck_h2f(ck_ld16(q + 2));
        } else if (kind == KQ_Q6K) {
            for (int j = 0; j < 16; j++) sc[j] = mn[j] = (int8_t)q[Q6K_SC + j];
            d = ck_h2f(ck_ld16(q + Q6K_D));
        } else if (kind == KQ_Q2K) {
            for (int j = 0; j < 16; j++) sc[j] = q[j] & 0x0F, mn[j] = q[j] >> 4;
            d = ck_h2f(ck_ld16(q + Q2K_D));
            dmin = ck_h2f(ck_ld16(q + Q2K_D + 2));
        } else if (kind == KQ_Q3K) {
            int8_t s8[16];
            ck_q3k_scales(q + Q3K_SC, s8);
            for (int j = 0; j < 16; j++) sc[j] = mn[j] = s8[j];
            d = ck_h2f(ck_ld16(q + Q3K_D));
        } else {
            int8_t s8[8];
            ck_iq4xs_scales(q, s8);
            for (int j = 0; j < 8; j++) sc[j] = mn[j] = s8[j];
            d = ck_h2f(ck_ld16(q));
        }
        const int nsub = kq_sub16(kind) ? 16 : 8;
        for (int j = 0; j < nsub; j++) t->sc[b][j][r] = pair16(sc[j], sc[j]);
        // Against bsums (2k, 2k + 1): Q4/5_K one 32-element sub-block's min twice, the 16-element
        // kinds their two sub-blocks' mins (Q2_K) or scales (Q6_K, Q3_K: the offset's correction).
        // IQ4_XS has no offset (|v| x sign(y, v)), so none.
        for (int k = 0; k < 8 && kind != KQ_IQ4XS; k++)
            t->mp[b][k][r] = kq_sub16(kind) ? pair16(mn[2 * k], mn[2 * k + 1]) : pair16(mn[k], mn[k]);
        t->d[b][r] = d;
        t->dmin[b][r] = dmin;
    }
}

static void kq2_repack(const int kind, const uint8_t *W, size_t rb, int R, int sb0, int kc, kq2_tile *t) {
    const size_t bytes = kq_block_bytes(kind);
    size_t off[8];
    int32_t off32[8];
    for (int r = 0; r < 8; r++) off[r] = (size_t)(r < R ? r : R - 1) * rb, off32[r] = (int32_t)off[r];
    const __m256i o = _mm256_loadu_si256((const __m256i *)off32);
    for (int b = 0; b < kc; b++) {
        const uint8_t *p = W + (size_t)(sb0 + b) * bytes;
        kq2_quants(kind, p, o, t, b);
        kq2_scales(kind, p, off, t, b);
    }
}

static inline __m256i bc(const uint8_t *p) { return _mm256_set1_epi32((int)ck_ld32(p)); }

/// Groups whose vpmaddubsw pair sums may be added in int16: 2 x max(q) x 127 x H <= 32767.
static inline int kq2_h(const int kind) {
    return kind == KQ_Q4K ? 8 : kind == KQ_Q6K ? 2 : kind == KQ_IQ4XS ? 1 : 4;
}

/// CC activation rows against one repacked chunk; acc carries the per-row fmaf chains.
static inline __attribute__((always_inline)) void kq2_cols(
    const int kind, const int CC, const kq2_tile *t, int kc, const uint8_t *x0, size_t xs, __m256 acc[K2_COLS]) {
    const int G = kq_sub16(kind) ? 4 : 8, NS = 64 / G, H = kq2_h(kind);
    for (int b = 0; b < kc; b++) {
        const uint8_t *y[K2_COLS];
        __m256i isum[K2_COLS];
        CK_UNROLL for (int j = 0; j < CC; j++) {
            y[j] = x0 + j * xs + (size_t)b * Q8_K_BYTES;
            isum[j] = _mm256_setzero_si256();
        }
        for (int s = 0; s < NS; s++) {
            const __m256i scv = _mm256_load_si256((const __m256i *)t->sc[b][s]);
            for (int u0 = 0; u0 < G; u0 += H) {
                __m256i p[K2_COLS];
                CK_UNROLL for (int u = u0; u < u0 + H; u++) {
                    const __m256i w = t->q[b][G * s + u];
                    const __m256i aw = kind == KQ_IQ4XS ? _mm256_abs_epi8(w) : w;
                    CK_UNROLL for (int j = 0; j < CC; j++) {
                        const __m256i yv = bc(y[j] + Q8K_QS + 4 * (G * s + u));
                        const __m256i m = _mm256_maddubs_epi16(aw, kind == KQ_IQ4XS ? _mm256_sign_epi8(yv, w) : yv);
                        p[j] = u == u0 ? m : _mm256_add_epi16(p[j], m);
                    }
                }
                CK_UNROLL for (int j = 0; j < CC; j++) isum[j] = _mm256_add_epi32(isum[j], _mm256_madd_epi16(p[j], scv));
            }
        }
        __m256i corr[K2_COLS];
        CK_UNROLL for (int j = 0; j < CC; j++) corr[j] = _mm256_setzero_si256();
        if (kind != KQ_IQ4XS)
            CK_UNROLL for (int k = 0; k < 8; k++) {
                const __m256i m = _mm256_load_si256((const __m256i *)t->mp[b][k]);
                CK_UNROLL for (int j = 0; j < CC; j++)
                    corr[j] = _mm256_add_epi32(corr[j], _mm256_madd_epi16(m, bc(y[j] + Q8K_BSUMS + 4 * k)));
            }
        const __m256 d = _mm256_load_ps(t->d[b]);
        CK_UNROLL for (int j = 0; j < CC; j++) {
            const __m256 dy = _mm256_set1_ps(ck_ldf(y[j]));
            if (kind == KQ_Q6K || kind == KQ_Q3K || kind == KQ_IQ4XS) {  // offsets 32, 4, none
                const __m256i s = kind == KQ_IQ4XS ? isum[j] : _mm256_sub_epi32(isum[j], _mm256_slli_epi32(corr[j], kind == KQ_Q6K ? 5 : 2));
                acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(d, dy), _mm256_cvtepi32_ps(s), acc[j]);
            } else {
                acc[j] = _mm256_fmadd_ps(_mm256_mul_ps(d, dy), _mm256_cvtepi32_ps(isum[j]), acc[j]);
                acc[j] = _mm256_fnmadd_ps(_mm256_mul_ps(_mm256_load_ps(t->dmin[b]), dy), _mm256_cvtepi32_ps(corr[j]), acc[j]);
            }
        }
    }
}

static inline __attribute__((always_inline)) void kq2_gemm(
    const int kind, const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    kq2_tile tile __attribute__((aligned(32)));
    const int nsb = n / QK_K;
    for (int r0 = 0; r0 < nr; r0 += K2_ROWS) {
        const int R = nr - r0 < K2_ROWS ? nr - r0 : K2_ROWS;
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(R), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        for (int s0 = 0; s0 < nsb; s0 += K2_KC) {
            const int kc = nsb - s0 < K2_KC ? nsb - s0 : K2_KC;
            kq2_repack(kind, W + (size_t)r0 * rb, rb, R, s0, kc, &tile);
            for (int c = 0; c < nc; c += K2_COLS) {
                const int cc = nc - c < K2_COLS ? nc - c : K2_COLS;
                __m256 acc[K2_COLS];
                for (int j = 0; j < cc; j++)
                    acc[j] = s0 ? _mm256_maskload_ps(Y + (size_t)(c + j) * ys + r0, m) : _mm256_setzero_ps();
                const uint8_t *x0 = X + (size_t)c * xs + (size_t)s0 * Q8_K_BYTES;
                switch (cc) {
                case 4: kq2_cols(kind, 4, &tile, kc, x0, xs, acc); break;
                case 3: kq2_cols(kind, 3, &tile, kc, x0, xs, acc); break;
                case 2: kq2_cols(kind, 2, &tile, kc, x0, xs, acc); break;
                default: kq2_cols(kind, 1, &tile, kc, x0, xs, acc); break;
                }
                for (int j = 0; j < cc; j++) _mm256_maskstore_ps(Y + (size_t)(c + j) * ys + r0, m, acc[j]);
            }
        }
    }
}

// From how many activation rows the repack pays (C harness, 3072 x 1024, one thread: break-even at
// about 6 rows for Q4_K, 9 for Q6_K, 10 for IQ4_XS, 12 for Q3_K, whose unpacking costs most; Q5_K
// and Q2_K were not measured and take Q4_K's and Q3_K's).
CK_GEMM_ENTRY(ck_k_q4_K_avx2, kq2_gemm, KQ_Q4K, 8)
CK_GEMM_ENTRY(ck_k_q5_K_avx2, kq2_gemm, KQ_Q5K, 8)
CK_GEMM_ENTRY(ck_k_q6_K_avx2, kq2_gemm, KQ_Q6K, 12)
CK_GEMM_ENTRY(ck_k_q2_K_avx2, kq2_gemm, KQ_Q2K, 16)
CK_GEMM_ENTRY(ck_k_q3_K_avx2, kq2_gemm, KQ_Q3K, 16)
CK_GEMM_ENTRY(ck_k_iq4_xs_avx2, kq2_gemm, KQ_IQ4XS, 12)

#pragma clang attribute pop

#endif  // CK_X86
