#include "ck_sampling.h"

#include <math.h>

int ck_argmax(const float *x, int n) {
    int best = -1;
    float bv = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (x[i] > bv) { bv = x[i]; best = i; }
    }
    return best;
}

/// a comes before b: larger value, then lower index.
static int before(float va, int32_t ia, float vb, int32_t ib) { return va > vb || (va == vb && ia < ib); }

int ck_top_k(const float *x, int n, int k, int32_t *idx, float *val) {
    int count = 0;
    if (k <= 0) return 0;
    for (int i = 0; i < n; i++) {
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
    return count;
}
