// AVX-512 VNNI matmul for Q4_K / Q5_K / Q6_K and Q2_K / Q3_K / IQ4_XS (their CK_ORDER_TILED chain)
// weights against several Q8_K activation rows.
//
// Weights are unpacked on the fly into a row-interleaved tile (16 rows in the lanes of a zmm,
// 4 quant bytes per lane per "group"), with the sub-block scales and mins expanded per lane.
// Activations are broadcast 4 bytes at a time straight from the Q8_K blocks, so each vpdpbusd
// does 64 multiply-adds for 16 rows. Per super-block the integer sums are exact and the float
// steps are those of dot_kquants_scalar.c (dot_kquants_low.c's chain for Q2_K / Q3_K / IQ4_XS), so
// results are bit-identical to the matvec kernels. Signed weights are stored offset to unsigned
// bytes (Q3_K: +4, IQ4_XS: +128) and the offset times the sub-block's activation sums (bsums) is
// subtracted exactly, as Q6_K's -32.
#include "ck_internal.h"
#if CK_X86  // the whole file is x86 SIMD
#include <immintrin.h>
#include "ck_kq_gemm.h"

enum {
    KG_ROWS = 16,  // rows per tile (one zmm)
    KG_KC = 4,     // super-blocks per repacked chunk (~22 KiB)
    KG_COLS = 4,   // activation rows in flight
};

typedef struct {
    __m512i q[KG_KC][64];                            // [sb][group of 4 elements]: unsigned quants of 16 rows
    int32_t sc[KG_KC][16][16] __attribute__((aligned(64)));  // [sb][sub-block][row] (Q4/5_K: 8 of 32; Q6_K: 16 of 16)
    int32_t mp[KG_KC][8][16] __attribute__((aligned(64)));   // [sb][pair][row] int16 pairs: (m_j, m_j) or (sc_2k, sc_2k+1)
                                                             // (Q2_K: (m_2k, m_2k+1); IQ4_XS: (sc_j, sc_j))
    float d[KG_KC][16] __attribute__((aligned(64)));
    float dmin[KG_KC][16] __attribute__((aligned(64)));
} kq_tile;

#pragma clang attribute push(__attribute__((target(CK_TARGET_AVX512))), apply_to = function)

static inline __m512i gather32(const uint8_t *p, __m512i off) { return _mm512_i32gather_epi32(off, (const void *)p, 1); }

/// Q2_K / Q3_K / IQ4_XS super-block p (of row 0; row r at + r * rb) into slot b of the tile: the
/// quants by gathers (group g = elements 4g..4g+3), scales, mins and d per row in scalar code.
static void kq_repack_low(const int kind, const uint8_t *p, size_t rb, int R, __m512i o, kq_tile *t, int b) {
    const __m512i m3 = _mm512_set1_epi8(3), one = _mm512_set1_epi8(1), m4 = _mm512_set1_epi8(0x0F);
    if (kind == KQ_IQ4XS) {
        // kvalues_iq4nl + 128 in every 128-bit lane, for vpshufb
        const __m128i t16 = _mm_add_epi8(_mm_loadu_si128((const __m128i *)ck_kvalues_iq4nl), _mm_set1_epi8((char)0x80));
        const __m512i tab = _mm512_broadcast_i32x4(t16);
        for (int j = 0; j < 8; j++)
            for (int l = 0; l < 4; l++) {
                const __m512i v = gather32(p + IQ4XS_QS + 16 * j + 4 * l, o);
                t->q[b][8 * j + l] = _mm512_shuffle_epi8(tab, _mm512_and_si512(v, m4));
                t->q[b][8 * j + 4 + l] = _mm512_shuffle_epi8(tab, _mm512_and_si512(_mm512_srli_epi32(v, 4), m4));
            }
    } else {
        const uint8_t *qs = p + (kind == KQ_Q2K ? Q2K_QS : Q3K_QS);
        for (int k = 0; k < 2; k++)
            for (int l = 0; l < 4; l++) {
                const __m512i hm = kind == KQ_Q3K ? gather32(p + 16 * k + 4 * l, o) : _mm512_setzero_si512();
                for (int h = 0; h < 2; h++) {
                    const __m512i v = gather32(qs + 32 * h + 16 * k + 4 * l, o);
                    for (int tt = 0; tt < 4; tt++) {
                        __m512i u = _mm512_and_si512(_mm512_srli_epi32(v, 2 * tt), m3);
                        if (kind == KQ_Q3K)  // + 4 when the high bit is set: value + 4 in 0..7
                            u = _mm512_or_si512(u, _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(hm, 4 * h + tt), one), 2));
                        const int j = 8 * h + 2 * tt + k;  // sub-block of 16; its groups 4j..4j+3
                        t->q[b][4 * j + l] = u;
                    }
                }
            }
    }
    int32_t sc[16][16], mn[16][16];  // [row][sub-block]
    float d[16], dmin[16];
    for (int r = 0; r < 16; r++) {
        const uint8_t *q = p + (size_t)(r < R ? r : R - 1) * rb;
        if (kind == KQ_Q2K) {
            for (int j = 0; j < 16; j++) sc[r][j] = q[j] & 0x0F, mn[r][j] = q[j] >> 4;
            d[r] = ck_h2f(ck_ld16(q + Q2K_D));
            dmin[r] = ck_h2f(ck_ld16(q + Q2K_D + 2));
        } else if (kind == KQ_Q3K) {
            int8_t s8[16];
            ck_q3k_scales(q + Q3K_SC, s8);
            for (int j = 0; j < 16; j++) sc[r][j] = mn[r][j] = s8[j];
            d[r] = ck_h2f(ck_ld16(q + Q3K_D));
        } else {
            int8_t s8[8];
            ck_iq4xs_scales(q, s8);
            for (int j = 0; j < 8; j++) sc[r][j] = mn[r][j] = s8[j];
            d[r] = ck_h2f(ck_ld16(q));
        }
    }
    const int nsub = kind == KQ_IQ4XS ? 8 : 16;
    for (int j = 0; j < nsub; j++)
        for (int r = 0; r < 16; r++) t->sc[b][j][r] = sc[r][j];
    for (int k = 0; k < 8; k++)
        for (int r = 0; r < 16; r++) {
            // int16 pairs against bsums (2k, 2k+1): the two 16-element sub-blocks, or one 32-element one twice
            const int a = kind == KQ_IQ4XS ? mn[r][k] : mn[r][2 * k], c = kind == KQ_IQ4XS ? mn[r][k] : mn[r][2 * k + 1];
            t->mp[b][k][r] = (int32_t)(((uint32_t)a & 0xFFFFu) | ((uint32_t)c << 16));
        }
    for (int r = 0; r < 16; r++) t->d[b][r] = d[r], t->dmin[b][r] = kind == KQ_Q2K ? dmin[r] : 0.0f;
}

static void kq_repack(const int kind, const uint8_t *W, size_t rb, int R, int sb0, int kc, kq_tile *t) {
    const size_t bytes = kq_block_bytes(kind);
    int off[16];
    for (int r = 0; r < 16; r++) off[r] = (int)((size_t)(r < R ? r : R - 1) * rb);
    const __m512i o = _mm512_loadu_si512(off);
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3), one = _mm512_set1_epi8(1);
    for (int b = 0; b < kc; b++) {
        const uint8_t *p = W + (size_t)(sb0 + b) * bytes;
        if (kind >= KQ_Q2K) {
            kq_repack_low(kind, p, rb, R, o, t, b);
            continue;
        }
        if (kind != KQ_Q6K) {
            const uint8_t *qs = p + (kind == KQ_Q4K ? Q4K_QS : Q5K_QS);
            __m512i qh[8];
            if (kind == KQ_Q5K)
                for (int u = 0; u < 8; u++) qh[u] = gather32(p + Q5K_QH + 4 * u, o);
            for (int c = 0; c < 4; c++) {
                for (int u = 0; u < 8; u++) {
                    const __m512i v = gather32(qs + 32 * c + 4 * u, o);
                    __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi32(v, 4), m4);
                    if (kind == KQ_Q5K) {
                        lo = _mm512_or_si512(lo, _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(qh[u], 2 * c), one), 4));
                        hi = _mm512_or_si512(hi, _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(qh[u], 2 * c + 1), one), 4));
                    }
                    t->q[b][16 * c + u] = lo;
                    t->q[b][16 * c + 8 + u] = hi;
                }
            }
        } else {
            for (int h = 0; h < 2; h++) {
                for (int u = 0; u < 8; u++) {
                    const __m512i A = gather32(p + Q6K_QL + 64 * h + 4 * u, o);
                    const __m512i B = gather32(p + Q6K_QL + 64 * h + 32 + 4 * u, o);
                    const __m512i Q = gather32(p + Q6K_QH + 32 * h + 4 * u, o);
                    const int g = 32 * h + u;
                    t->q[b][g + 0] = _mm512_or_si512(_mm512_and_si512(A, m4), _mm512_slli_epi32(_mm512_and_si512(Q, m3), 4));
                    t->q[b][g + 8] = _mm512_or_si512(_mm512_and_si512(B, m4), _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(Q, 2), m3), 4));
                    t->q[b][g + 16] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(A, 4), m4), _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(Q, 4), m3), 4));
                    t->q[b][g + 24] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(B, 4), m4), _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(Q, 6), m3), 4));
                }
            }
        }
        // Scales, mins and super-scales of the 16 rows, unpacked in the lanes.
        if (kind != KQ_Q6K) {
            const __m512i a = gather32(p + QK_SCALES, o), b4 = gather32(p + QK_SCALES + 4, o);
            const __m512i c4 = gather32(p + QK_SCALES + 8, o);
            const __m512i k3f = _mm512_set1_epi32(0x3F3F3F3F), k0f = _mm512_set1_epi32(0x0F0F0F0F);
            const __m512i k03 = _mm512_set1_epi32(0x03030303), kff = _mm512_set1_epi32(0xFF);
            const __m512i sc_lo = _mm512_and_si512(a, k3f), m_lo = _mm512_and_si512(b4, k3f);
            const __m512i sc_hi = _mm512_or_si512(_mm512_and_si512(c4, k0f),
                                                  _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(a, 6), k03), 4));
            const __m512i m_hi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(c4, 4), k0f),
                                                 _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(b4, 6), k03), 4));
            for (int j = 0; j < 8; j++) {
                const __m512i sv = j < 4 ? sc_lo : sc_hi, mv = j < 4 ? m_lo : m_hi;
                const int sh = 8 * (j & 3);
                const __m512i m = _mm512_and_si512(_mm512_srli_epi32(mv, sh), kff);
                _mm512_store_si512(t->sc[b][j], _mm512_and_si512(_mm512_srli_epi32(sv, sh), kff));
                _mm512_store_si512(t->mp[b][j], _mm512_or_si512(m, _mm512_slli_epi32(m, 16)));
            }
            const __m512i dd = gather32(p, o);  // d (low half), dmin (high half)
            _mm512_store_ps(t->d[b], _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dd)));
            _mm512_store_ps(t->dmin[b], _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dd, 16))));
        } else {
            for (int k4 = 0; k4 < 4; k4++) {
                const __m512i v = gather32(p + Q6K_SC + 4 * k4, o);  // 4 signed scales per lane
                __m512i e[4];
                for (int i = 0; i < 4; i++) e[i] = _mm512_srai_epi32(_mm512_slli_epi32(v, 24 - 8 * i), 24);
                for (int i = 0; i < 4; i++) _mm512_store_si512(t->sc[b][4 * k4 + i], e[i]);
                for (int i = 0; i < 2; i++)
                    _mm512_store_si512(t->mp[b][2 * k4 + i],
                                       _mm512_or_si512(_mm512_and_si512(e[2 * i], _mm512_set1_epi32(0xFFFF)),
                                                       _mm512_slli_epi32(e[2 * i + 1], 16)));
            }
            // d is the last field of the block: read it as the high half of the dword at 206.
            const __m512i dd = gather32(p + Q6K_D - 2, o);
            _mm512_store_ps(t->d[b], _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dd, 16))));
        }
    }
}

static inline __m512i bc(const uint8_t *p) { return _mm512_set1_epi32((int)ck_ld32(p)); }

/// CC activation rows against one repacked chunk; acc carries the per-row fmaf chains.
static inline __attribute__((always_inline)) void kq_cols(
    const int kind, const int CC, const kq_tile *t, int kc, const uint8_t *x0, size_t xs, __m512 acc[KG_COLS]) {
    for (int b = 0; b < kc; b++) {
        const uint8_t *y[KG_COLS];
        __m512i isum[KG_COLS], corr[KG_COLS];
        CK_UNROLL for (int j = 0; j < CC; j++) {
            y[j] = x0 + j * xs + (size_t)b * Q8_K_BYTES;
            isum[j] = corr[j] = _mm512_setzero_si512();
        }
        // Sub-blocks of G groups (8 groups = 32 elements for Q4/5_K and IQ4_XS, 4 = 16 for Q6/3/2_K).
        const int G = kq_sub16(kind) ? 4 : 8, NS = 64 / G;
        for (int s = 0; s < NS; s++) {
            __m512i p0[KG_COLS], p1[KG_COLS];
            CK_UNROLL for (int j = 0; j < CC; j++) p0[j] = p1[j] = _mm512_setzero_si512();
            CK_UNROLL for (int u = 0; u < G; u += 2) {
                const __m512i w0 = t->q[b][G * s + u], w1 = t->q[b][G * s + u + 1];
                CK_UNROLL for (int j = 0; j < CC; j++) {
                    const uint8_t *yy = y[j] + Q8K_QS + 4 * (G * s + u);
                    p0[j] = _mm512_dpbusd_epi32(p0[j], w0, bc(yy));
                    p1[j] = _mm512_dpbusd_epi32(p1[j], w1, bc(yy + 4));
                }
            }
            const __m512i scv = _mm512_load_si512(t->sc[b][s]);
            CK_UNROLL for (int j = 0; j < CC; j++)
                isum[j] = _mm512_add_epi32(isum[j], _mm512_mullo_epi32(_mm512_add_epi32(p0[j], p1[j]), scv));
        }
        CK_UNROLL for (int k = 0; k < 8; k++) {
            const __m512i m = _mm512_load_si512(t->mp[b][k]);
            CK_UNROLL for (int j = 0; j < CC; j++) corr[j] = _mm512_dpwssd_epi32(corr[j], m, bc(y[j] + Q8K_BSUMS + 4 * k));
        }
        CK_UNROLL for (int j = 0; j < CC; j++) {
            const __m512 dy = _mm512_set1_ps(ck_ldf(y[j]));
            if (kind == KQ_Q6K || kind == KQ_Q3K || kind == KQ_IQ4XS) {  // offsets 32, 4, 128
                const int sh = kind == KQ_Q6K ? 5 : kind == KQ_Q3K ? 2 : 7;
                const __m512i s = _mm512_sub_epi32(isum[j], _mm512_slli_epi32(corr[j], sh));
                acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_load_ps(t->d[b]), dy), _mm512_cvtepi32_ps(s), acc[j]);
            } else {
                acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_load_ps(t->d[b]), dy), _mm512_cvtepi32_ps(isum[j]), acc[j]);
                acc[j] = _mm512_fnmadd_ps(_mm512_mul_ps(_mm512_load_ps(t->dmin[b]), dy), _mm512_cvtepi32_ps(corr[j]), acc[j]);
            }
        }
    }
}

static inline __attribute__((always_inline)) void kq_gemm(
    const int kind, const uint8_t *W, size_t rb, int nr, int n, const uint8_t *X, size_t xs, int nc, float *Y, size_t ys) {
    kq_tile tile __attribute__((aligned(64)));
    const int nsb = n / QK_K;
    for (int r0 = 0; r0 < nr; r0 += KG_ROWS) {
        const int R = nr - r0 < KG_ROWS ? nr - r0 : KG_ROWS;
        const __mmask16 m = (__mmask16)((1u << R) - 1u);
        for (int s0 = 0; s0 < nsb; s0 += KG_KC) {
            const int kc = nsb - s0 < KG_KC ? nsb - s0 : KG_KC;
            kq_repack(kind, W + (size_t)r0 * rb, rb, R, s0, kc, &tile);
            for (int c = 0; c < nc; c += KG_COLS) {
                const int cc = nc - c < KG_COLS ? nc - c : KG_COLS;
                __m512 acc[KG_COLS];
                for (int j = 0; j < cc; j++)
                    acc[j] = s0 ? _mm512_maskz_loadu_ps(m, Y + (size_t)(c + j) * ys + r0) : _mm512_setzero_ps();
                const uint8_t *x0 = X + (size_t)c * xs + (size_t)s0 * Q8_K_BYTES;
                switch (cc) {
                case 4: kq_cols(kind, 4, &tile, kc, x0, xs, acc); break;
                case 3: kq_cols(kind, 3, &tile, kc, x0, xs, acc); break;
                case 2: kq_cols(kind, 2, &tile, kc, x0, xs, acc); break;
                default: kq_cols(kind, 1, &tile, kc, x0, xs, acc); break;
                }
                for (int j = 0; j < cc; j++) _mm512_mask_storeu_ps(Y + (size_t)(c + j) * ys + r0, m, acc[j]);
            }
        }
    }
}

CK_GEMM_ENTRY(ck_k_q4_K_avx512, kq_gemm, KQ_Q4K, 4)
CK_GEMM_ENTRY(ck_k_q5_K_avx512, kq_gemm, KQ_Q5K, 4)
CK_GEMM_ENTRY(ck_k_q6_K_avx512, kq_gemm, KQ_Q6K, 4)
CK_GEMM_ENTRY(ck_k_q2_K_avx512, kq_gemm, KQ_Q2K, 4)
CK_GEMM_ENTRY(ck_k_q3_K_avx512, kq_gemm, KQ_Q3K, 4)
CK_GEMM_ENTRY(ck_k_iq4_xs_avx512, kq_gemm, KQ_IQ4XS, 4)

#pragma clang attribute pop

#endif  // CK_X86
