// Reductions over a logit row for the sampler (151,936 entries for Qwen3: worth doing in C).
#ifndef CK_SAMPLING_H
#define CK_SAMPLING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The largest value, NaN skipped (-inf when there is none), at the machine's SIMD level.
float ck_max_f32(const float *x, int n);

/// Index of the largest value (the first one on ties); -1 when n <= 0 or every value is -inf/NaN.
int ck_argmax(const float *x, int n);

/// log(sum(exp(x - max))) + max, the exponentials as ck_softmax takes them (vector expf in groups
/// of 16, libm expf for the rest) summed in double; -inf when every value is -inf.
double ck_logsumexp(const float *x, int n);
/// ck_logsumexp when the largest value of x (NaN skipped) is already known, e.g. the first of
/// ck_top_k's values: the same result, without the pass that finds it.
double ck_logsumexp_with_max(const float *x, int n, float max);

/// The k largest finite-or-+inf values (ignoring -inf and NaN), largest first, ties by lower index.
/// Writes their indices and values; returns how many were found (<= k).
int ck_top_k(const float *x, int n, int k, int32_t *idx, float *val);

#ifdef __cplusplus
}
#endif
#endif
