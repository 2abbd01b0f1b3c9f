#include "ck_sampling.h"

#include <math.h>

int ck_argmax(const float *x, int n) {
    // The largest value first (a loop the compiler vectorises), then its first index.
    float m = -INFINITY;
    for (int i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    if (!(m > -INFINITY)) return -1;
    for (int i = 0; i < n; i++) if (x[i] == m) return i;
    return -1;
}

/// a comes before b: larger value, then lower index.
static int before(float va, int32_t ia, float vb, int32_t ib) { return va > vb || (va == vb && ia < ib); }

int ck_top_k(const float *x, int n, int k, int32_t *idx, float *val) {
    int count = 0;
    if (k <= 0) return 0;
    int i = 0;
    while (i < n) {
        // Once k are found, a block of 64 whose largest value does not beat the k-th is skipped
        // (a later equal value never comes before an earlier one).
        if (count == k && i + 64 <= n) {
            float bm = -INFINITY;
            for (int j = i; j < i + 64; j++) bm = x[j] > bm ? x[j] : bm;
            if (!(bm > val[k - 1])) {
                i += 64;
                continue;
            }
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
