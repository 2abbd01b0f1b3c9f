// One decode step's attention at depth, per layer, straight on the C kernels (no engine, no
// threads): ck_attention_heads over a KV cache of the Qwen3-0.6B shape (8 KV heads of 128, GQA
// groups of 2 query heads) for LAYERS layers, so the cache (LAYERS x 2 x positions x 2 KiB) comes
// from DRAM as in a real step, not from the last level cache.
//
//   clang -O3 -fno-math-errno -ISources/CKernels/include -ISources/CKernels Sources/CKernels/*.c \
//         tools/bench/attention_depth.c -o /tmp/attention_depth -lm
//   THINKSCOPE_ISA=avx2 /tmp/attention_depth [positions=4096] [group=2] [steps=3] [layers=28] [heads-major=1]
//
// heads-major = 1 lays each layer out as the engine's KVCache: per KV head, its positions one after
// another (rows of one head's 128 values); 0, the layout before session 10: per position, every KV
// head, so a head's rows are 2 KiB apart.
//
// Prints the best of 5 timings of ms per layer (all KV heads of the layer).
#include "ck_attention.h"
#include "ckernels.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const int npos = argc > 1 ? atoi(argv[1]) : 4096, group = argc > 2 ? atoi(argv[2]) : 2;
    const int steps = argc > 3 ? atoi(argv[3]) : 3, layers = argc > 4 ? atoi(argv[4]) : 28;
    const int headsMajor = argc > 5 ? atoi(argv[5]) : 1;
    const int hd = 128, kvh = 8;
    if (npos < 1 || group < 1 || steps < 1 || layers < 1) {
        fprintf(stderr, "usage: attention_depth [positions] [group] [steps] [layers] (all >= 1)\n");
        return 2;
    }
    const size_t stride = (size_t)kvh * hd, per = (size_t)npos * stride;
    uint16_t *k = malloc(per * layers * 2), *v = malloc(per * layers * 2), *q16 = malloc((size_t)group * hd * 2);
    float *q = malloc((size_t)group * hd * 4), *out = malloc((size_t)group * hd * 4);
    float *scratch = malloc(ck_attention_scratch_floats(npos, group) * 4);
    if (!k || !v || !q16 || !q || !out || !scratch) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    // fp16 values in [0.125, 0.25): finite, varied, cheap to make.
    for (size_t i = 0; i < per * layers; i++) {
        k[i] = (uint16_t)(0x3000 + ((i * 2654435761u) >> 22 & 0x3ff));
        v[i] = (uint16_t)(0x3000 + ((i * 40503u) >> 7 & 0x3ff));
    }
    for (int i = 0; i < group * hd; i++) q[i] = (float)(i % 97) / 97.0f - 0.5f;
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        const double t0 = now();
        for (int s = 0; s < steps; s++)
            for (int l = 0; l < layers; l++)
                for (int h = 0; h < kvh; h++)
                    if (headsMajor)
                        ck_attention_heads(q, group, hd, k + l * per + (size_t)h * npos * hd, v + l * per + (size_t)h * npos * hd,
                                           hd, npos, 0.088f, CK_ORDER_ROWWISE, scratch, q16, out);
                    else
                        ck_attention_heads(q, group, hd, k + l * per + h * hd, v + l * per + h * hd, stride, npos,
                                           0.088f, CK_ORDER_ROWWISE, scratch, q16, out);
        const double t = (now() - t0) / steps / layers;
        if (t < best) best = t;
    }
    printf("positions %d, group %d, %d layers: %.3f ms per layer\n", npos, group, layers, best * 1e3);
    return 0;
}
