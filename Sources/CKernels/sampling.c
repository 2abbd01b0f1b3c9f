#include "ck_sampling.h"
#include "ck_internal.h"

#include <math.h>

// MARK: The largest value (NaN skipped), the first pass of argmax and of the log-normaliser.
// The maximum of a set does not depend on the order it is taken in, so every level gives the same
// value (a +0/-0 tie may come out either way; both compare equal and subtract alike).

static float max_scalar(const float *x, int n) {
    float m = -INFINITY;
    for (int i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

#if CK_X86
#include <immintrin.h>
// vmaxps returns its second operand when either is NaN: max(x, m) skips a NaN x.
__attribute__((target(CK_TARGET_AVX512))) static float max_avx512(const float *x, int n) {
    __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
    int i = 0;
    for (; i + 64 <= n; i += 64) {
        m0 = _mm512_max_ps(_mm512_loadu_ps(x + i), m0);
        m1 = _mm512_max_ps(_mm512_loadu_ps(x + i + 16), m1);
        m2 = _mm512_max_ps(_mm512_loadu_ps(x + i + 32), m2);
        m3 = _mm512_max_ps(_mm512_loadu_ps(x + i + 48), m3);
    }
    float m = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

__attribute__((target(CK_TARGET_AVX2))) static float max_avx2(const float *x, int n) {
    __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        m0 = _mm256_max_ps(_mm256_loadu_ps(x + i), m0);
        m1 = _mm256_max_ps(_mm256_loadu_ps(x + i + 8), m1);
        m2 = _mm256_max_ps(_mm256_loadu_ps(x + i + 16), m2);
        m3 = _mm256_max_ps(_mm256_loadu_ps(x + i + 24), m3);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, _mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3)));
    float m = max_scalar(lanes, 8);
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

/// The first index of `m` in x, 16 at a time.
__attribute__((target(CK_TARGET_AVX512))) static int find_avx512(const float *x, int n, float m) {
    const __m512 v = _mm512_set1_ps(m);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const __mmask16 k = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), v, _CMP_EQ_OQ);
        if (k) return i + __builtin_ctz(k);
    }
    for (; i < n; i++) if (x[i] == m) return i;
    return -1;
}
#endif

float ck_max_f32(const float *x, int n) {
#if CK_X86
    switch (ck_level()) {
    case CK_AVX512: return max_avx512(x, n);
    case CK_AVX2: return max_avx2(x, n);
    default: break;
    }
#endif
    return max_scalar(x, n);
}

int ck_argmax(const float *x, int n) {
    // The largest value first, then its first index.
    const float m = ck_max_f32(x, n);
    if (!(m > -INFINITY)) return -1;
#if CK_X86
    if (ck_level() == CK_AVX512) return find_avx512(x, n, m);
#endif
    for (int i = 0; i < n; i++) if (x[i] == m) return i;
    return -1;
}

/// a comes before b: larger value, then lower index.
static int before(float va, int32_t ia, float vb, int32_t ib) { return va > vb || (va == vb && ia < ib); }

/// Whether any of the 64 values at x is above t (NaN never is).
#if CK_X86
__attribute__((target(CK_TARGET_AVX512))) static int any_above_avx512(const float *x, float t) {
    const __m512 v = _mm512_set1_ps(t);
    return (_mm512_cmp_ps_mask(_mm512_loadu_ps(x), v, _CMP_GT_OQ) | _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 16), v, _CMP_GT_OQ) |
            _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 32), v, _CMP_GT_OQ) | _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 48), v, _CMP_GT_OQ)) != 0;
}
__attribute__((target(CK_TARGET_AVX2))) static int any_above_avx2(const float *x, float t) {
    const __m256 v = _mm256_set1_ps(t);
    __m256 m = _mm256_cmp_ps(_mm256_loadu_ps(x), v, _CMP_GT_OQ);
    for (int j = 8; j < 64; j += 8) m = _mm256_or_ps(m, _mm256_cmp_ps(_mm256_loadu_ps(x + j), v, _CMP_GT_OQ));
    return _mm256_movemask_ps(m) != 0;
}
#endif

static int any_above(const float *x, float t, int level) {
#if CK_X86
    if (level == CK_AVX512) return any_above_avx512(x, t);
    if (level == CK_AVX2) return any_above_avx2(x, t);
#endif
    (void)level;
    for (int j = 0; j < 64; j++) if (x[j] > t) return 1;
    return 0;
}

int ck_top_k(const float *x, int n, int k, int32_t *idx, float *val) {
    int count = 0;
    if (k <= 0) return 0;
    const int level = ck_level();
    int i = 0;
    while (i < n) {
        // Once k are found, a block of 64 whose largest value does not beat the k-th is skipped
        // (a later equal value never comes before an earlier one).
        if (count == k && i + 64 <= n && !any_above(x + i, val[k - 1], level)) {
            i += 64;
            continue;
        }
        const int stop = i + 64 <= n ? i + 64 : n;
        for (; i < stop; i++) {
            float v = x[i];
            if (!(v > -INFINITY)) continue;  // skips -inf and NaN
            if (count == k && !before(v, i, val[k - 1], idx[k - 1])) continue;
            int j = count < k ? count : k - 1;
            while (j > 0 && before(v, i, val[j - 1], idx[j - 1])) {
                val[j] = val[j - 1];
                idx[j] = idx[j - 1];
                j--;
            }
            val[j] = v;
            idx[j] = i;
            if (count < k) count++;
        }
    }
    return count;
}
