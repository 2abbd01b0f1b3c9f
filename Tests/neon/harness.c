// Checks every SIMD kernel family of Sources/CKernels against its scalar twin, bit for bit.
// Built for aarch64 and run under qemu by run.sh: the SIMD side is whatever level the dispatcher
// picks (NEON on aarch64 with dotprod), the scalar side is forced with
// ck_set_thread_feature_mask(0). It also builds natively on x86, where it compares the AVX levels
// (there ck_axpy differs: the FMA-target copies contract y += a * x; see docs/DECISIONS.md). Families without a SIMD kernel at the running level
// are still run twice and must agree. Exit status 1 and a FAIL line (kernel, size, first
// differing index, both bit patterns) on any difference.
#include "ckernels.h"
#include "ck_attention.h"
#include "ck_sampling.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

// MARK: Helpers

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next64(void) {  // SplitMix64
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static float unitf(void) { return (float)((double)(next64() >> 11) * 0x1p-53 * 2.0 - 1.0); }  // [-1, 1)
static void fill(float *x, size_t n, float scale) { for (size_t i = 0; i < n; i++) x[i] = unitf() * scale; }
static void *xmalloc(size_t n) {
    void *p = calloc(n ? n : 1, 1);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(2); }
    return p;
}

static void set_scalar(void) { ck_set_thread_feature_mask(0); }
static uint32_t simd_mask = 0xFFFFFFFFu;  // features the SIMD side may use
static const char *mask_note = "";        // appended to the kernel names
static void set_simd(void) { ck_set_thread_feature_mask(simd_mask); }

/// Compares n elements of `size` bytes (1, 2, 4 or 8) of the SIMD and scalar outputs.
static int check(const char *kernel, const char *what, const void *simd, const void *scalar, size_t n, size_t size) {
    const uint8_t *a = simd, *b = scalar;
    for (size_t i = 0; i < n; i++) {
        if (memcmp(a + i * size, b + i * size, size) != 0) {
            uint64_t va = 0, vb = 0;
            memcpy(&va, a + i * size, size);
            memcpy(&vb, b + i * size, size);
            printf("FAIL %s%s [%s]: first difference at index %zu of %zu: simd 0x%0*llx, scalar 0x%0*llx\n", kernel,
                   mask_note, what, i, n, (int)(2 * size), (unsigned long long)va, (int)(2 * size), (unsigned long long)vb);
            failed++;
            return 0;
        }
    }
    passed++;
    return 1;
}

// MARK: Conversions

static void test_conversions(void) {
    const int N = 65536 + 1003;
    uint16_t *h = xmalloc(N * 2), *ha = xmalloc(N * 2), *hb = xmalloc(N * 2);
    float *f = xmalloc(N * 4), *fa = xmalloc(N * 4), *fb = xmalloc(N * 4);
    char what[96];
    for (int i = 0; i < N; i++) h[i] = (uint16_t)(i < 65536 ? i : next64());  // every fp16 / bf16 pattern
    // floats: random bit patterns (NaN, inf, subnormals), then values near the fp16 range ends and ties
    for (int i = 0; i < N; i++) {
        uint32_t u = (uint32_t)next64();
        if (i % 3 == 1) u = (u & 0x807FFFFFu) | ((uint32_t)(100 + (next64() % 60)) << 23);  // around fp16's range
        if (i % 3 == 2) u = (u & 0xFFFFE000u) | 0x1000u;                                   // fp16 / bf16 ties
        memcpy(&f[i], &u, 4);
    }
    const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 65504.0f, 65519.99f, 65520.0f, -65520.0f,
                             0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-14f, 0x1.ffcp-15f, 1.0f + 0x1p-11f, 3.0f * 0x1p-26f};
    memcpy(f, special, sizeof special);
    const int lens[] = {N, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100};
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        const int n = lens[k], off = k ? (int)(next64() % 1000) : 0;
        snprintf(what, sizeof what, "n=%d offset=%d", n, off);
        set_scalar(); ck_fp16_to_fp32_row(h + off, fb, n); set_simd(); ck_fp16_to_fp32_row(h + off, fa, n);
        check("fp16->fp32 row", what, fa, fb, n, 4);
        set_scalar(); ck_bf16_to_fp32_row(h + off, fb, n); set_simd(); ck_bf16_to_fp32_row(h + off, fa, n);
        check("bf16->fp32 row", what, fa, fb, n, 4);
        set_scalar(); ck_fp32_to_fp16_row(f + off, hb, n); set_simd(); ck_fp32_to_fp16_row(f + off, ha, n);
        check("fp32->fp16 row", what, ha, hb, n, 2);
        set_scalar(); ck_fp32_to_bf16_row(f + off, hb, n); set_simd(); ck_fp32_to_bf16_row(f + off, ha, n);
        check("fp32->bf16 row", what, ha, hb, n, 2);
    }
    // the scalar entry points agree with the row functions
    for (int i = 0; i < 65536; i++) fb[i] = ck_fp16_to_fp32((uint16_t)i);
    set_simd(); ck_fp16_to_fp32_row(h, fa, 65536);
    check("ck_fp16_to_fp32 vs row", "all 65536", fa, fb, 65536, 4);
    free(h); free(ha); free(hb); free(f); free(fa); free(fb);
}

// MARK: Activation quantization

static void test_quantize(void) {
    const int lens0[] = {32, 64, 96, 160, 320, 4096};
    const int lensK[] = {256, 512, 768, 2560};
    char what[96];
    float *x = xmalloc(4096 * 4);
    uint8_t *a = xmalloc(4096 * 2), *b = xmalloc(4096 * 2);
    for (int pass = 0; pass < 2; pass++) {
        const int *lens = pass ? lensK : lens0;
        const int nl = pass ? 4 : 6;
        const int type = pass ? CK_TYPE_Q8_K : CK_TYPE_Q8_0;
        const char *name = pass ? "quantize Q8_K" : "quantize Q8_0";
        for (int k = 0; k < nl; k++) {
            const int n = lens[k];
            for (int variant = 0; variant < 4; variant++) {
                fill(x, n, variant == 3 ? 1e-3f : 3.0f);
                if (variant == 1) {  // zero blocks, a lone value, ties of x * scale at .5, +-max pairs
                    memset(x, 0, (size_t)(pass ? 256 : 32) * 4);
                    for (int i = 0; i < n; i++) if (i % 97 == 5) x[i] = 0.0f;
                    x[n - 1] = -7.25f;
                }
                if (variant == 2) {
                    for (int i = 0; i < n; i++) x[i] = (float)((int)(next64() % 255) - 127) + 0.5f * (float)(i & 1);
                    for (int i = 0; i < n; i += 32) { x[i] = 127.0f; if (i + 7 < n) x[i + 7] = -127.0f; }
                }
                snprintf(what, sizeof what, "n=%d variant=%d", n, variant);
                const size_t bytes = ck_row_size(type, n);
                set_scalar(); ck_quantize_activation(pass ? CK_TYPE_Q4_K : CK_TYPE_Q8_0, x, b, n);
                set_simd(); ck_quantize_activation(pass ? CK_TYPE_Q4_K : CK_TYPE_Q8_0, x, a, n);
                check(name, what, a, b, bytes, 1);
            }
        }
    }
    // F16 / BF16 activations go through the row conversions
    fill(x, 4096, 10.0f);
    set_scalar(); ck_quantize_activation(CK_TYPE_F16, x, b, 1001); set_simd(); ck_quantize_activation(CK_TYPE_F16, x, a, 1001);
    check("quantize activation F16", "n=1001", a, b, 1001, 2);
    set_scalar(); ck_quantize_activation(CK_TYPE_BF16, x, b, 1001); set_simd(); ck_quantize_activation(CK_TYPE_BF16, x, a, 1001);
    check("quantize activation BF16", "n=1001", a, b, 1001, 2);
    // dequantization (scalar code at every level; F16 / BF16 use the row conversions)
    const int dtypes[] = {CK_TYPE_F16, CK_TYPE_BF16, CK_TYPE_Q8_0, CK_TYPE_Q8_K};
    float *fa = xmalloc(4096 * 4), *fb = xmalloc(4096 * 4);
    for (int k = 0; k < 4; k++) {
        ck_quantize_activation(dtypes[k] == CK_TYPE_Q8_K ? CK_TYPE_Q4_K : dtypes[k], x, a, 1024);
        set_scalar(); ck_dequantize_row(dtypes[k], a, fb, 1024); set_simd(); ck_dequantize_row(dtypes[k], a, fa, 1024);
        snprintf(what, sizeof what, "type=%d n=1024", dtypes[k]);
        check("dequantize row", what, fa, fb, 1024, 4);
    }
    free(x); free(a); free(b); free(fa); free(fb);
}

// MARK: Matmul

static const struct { int type; const char *name; } TYPES[] = {
    {CK_TYPE_F32, "F32"}, {CK_TYPE_F16, "F16"}, {CK_TYPE_BF16, "BF16"}, {CK_TYPE_Q8_0, "Q8_0"},
    {CK_TYPE_Q4_0, "Q4_0"}, {CK_TYPE_Q4_K, "Q4_K"}, {CK_TYPE_Q5_K, "Q5_K"}, {CK_TYPE_Q6_K, "Q6_K"},
    // No NEON kernels yet: these run their scalar twins on aarch64 (the dispatch is what is checked).
    {CK_TYPE_Q4_1, "Q4_1"}, {CK_TYPE_Q5_0, "Q5_0"}, {CK_TYPE_Q5_1, "Q5_1"}, {CK_TYPE_IQ4_NL, "IQ4_NL"},
    {CK_TYPE_MXFP4, "MXFP4"}, {CK_TYPE_Q2_K, "Q2_K"}, {CK_TYPE_Q3_K, "Q3_K"}, {CK_TYPE_IQ4_XS, "IQ4_XS"},
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/// rows x n weights of a type: random values or random bytes with sane block scales.
static uint8_t *random_weights(int type, int rows, int n) {
    const size_t rb = ck_row_size(type, n), total = rb * rows;
    uint8_t *w = xmalloc(total + 64);
    if (type == CK_TYPE_F32 || type == CK_TYPE_F16 || type == CK_TYPE_BF16) {
        float *f = xmalloc((size_t)rows * n * 4);
        fill(f, (size_t)rows * n, 1.0f);
        for (size_t i = 0; i < (size_t)rows * n; i++) {
            if (type == CK_TYPE_F32) memcpy(w + 4 * i, &f[i], 4);
            else put16(w + 2 * i, type == CK_TYPE_F16 ? ck_fp32_to_fp16(f[i]) : ck_fp32_to_bf16(f[i]));
        }
        free(f);
        return w;
    }
    for (size_t i = 0; i < total; i++) w[i] = (uint8_t)next64();
    const size_t bs = ck_type_size(type);
    for (size_t o = 0; o < total; o += bs) {
        uint16_t d = ck_fp32_to_fp16(0.002f + 0.02f * fabsf(unitf())), dmin = ck_fp32_to_fp16(0.01f * fabsf(unitf()));
        if ((o / bs) % 11 == 5) d = (uint16_t)(1 + next64() % 0x3FF);     // subnormal fp16 scales
        if ((o / bs) % 13 == 7) dmin = (uint16_t)(0x8000 | (next64() % 0x3FF));  // negative subnormal
        if (type == CK_TYPE_Q6_K) put16(w + o + 208, d);
        else if (type == CK_TYPE_Q4_K || type == CK_TYPE_Q5_K || type == CK_TYPE_Q4_1 || type == CK_TYPE_Q5_1) {
            put16(w + o, d);
            put16(w + o + 2, dmin);
        } else if (type == CK_TYPE_Q2_K) { put16(w + o + 80, d); put16(w + o + 82, dmin); }
        else if (type == CK_TYPE_Q3_K) put16(w + o + 108, d);
        else if (type == CK_TYPE_MXFP4) w[o] = (uint8_t)(118 + next64() % 8);
        else put16(w + o, d);
    }
    return w;
}

static void test_matmul_case(int ti, int order, int n, int rows, int m) {
    const int type = TYPES[ti].type, dt = ck_vec_dot_type(type);
    const size_t rb = ck_row_size(type, n), xs = ck_row_size(dt, n);
    uint8_t *w = random_weights(type, rows, n);
    float *x = xmalloc((size_t)m * n * 4);
    uint8_t *xq = xmalloc(xs * m + 64);
    for (int j = 0; j < m; j++) fill(x + (size_t)j * n, n, (float)(j % 5 + 1));
    set_scalar();
    for (int j = 0; j < m; j++) ck_quantize_activation(type, x + (size_t)j * n, xq + j * xs, n);
    const size_t ys = rows + 3;
    float *ya = xmalloc(ys * m * 4), *yb = xmalloc(ys * m * 4);
    char kernel[64], what[96];
    snprintf(kernel, sizeof kernel, "matmul %s %s", TYPES[ti].name, order == CK_ORDER_TILED ? "TILED" : "ROWWISE");
    snprintf(what, sizeof what, "n=%d rows=%d m=%d", n, rows, m);
    ck_matmul_order(order, type, w, rb, 0, rows, n, xq, xs, m, yb, ys);
    set_simd();
    ck_matmul_order(order, type, w, rb, 0, rows, n, xq, xs, m, ya, ys);
    for (int j = 0; j < m; j++) {
        char w2[120];
        snprintf(w2, sizeof w2, "%s column=%d", what, j);
        if (!check(kernel, w2, ya + j * ys, yb + j * ys, rows, 4)) break;
    }
    if (order == CK_ORDER_ROWWISE && m <= 3) {
        // ck_matvec over a split of the rows, and ck_vec_dot, give the same bits
        const int split = rows / 2;
        for (int j = 0; j < m; j++) {
            float *mv = xmalloc(rows * 4);
            ck_matvec(type, w, rb, 0, split, n, xq + j * xs, mv);
            ck_matvec(type, w, rb, split, rows, n, xq + j * xs, mv);
            snprintf(kernel, sizeof kernel, "matvec split %s", TYPES[ti].name);
            check(kernel, what, mv, yb + j * ys, rows, 4);
            const float d = ck_vec_dot(type, w + (size_t)(rows - 1) * rb, xq + j * xs, n);
            snprintf(kernel, sizeof kernel, "vec_dot %s", TYPES[ti].name);
            check(kernel, what, &d, yb + j * ys + rows - 1, 1, 4);
            free(mv);
        }
    }
    free(w); free(x); free(xq); free(ya); free(yb);
}

static void test_matmul(void) {
    static const int nf[] = {1, 15, 16, 17, 33, 63, 64, 65, 100, 257, 1000};
    static const int n32[] = {32, 64, 96, 160, 256, 1024};
    static const int nk[] = {256, 512, 768, 2048};
    static const int shapes[][2] = {{1, 1}, {3, 2}, {4, 4}, {5, 3}, {7, 5}, {9, 1}, {17, 9}, {2, 7}, {33, 3}};
    for (int ti = 0; ti < (int)(sizeof TYPES / sizeof *TYPES); ti++) {
        const int bsz = ck_block_size(TYPES[ti].type);
        const int *ns = bsz == 1 ? nf : bsz == 32 ? n32 : nk;
        const int nn = bsz == 1 ? 11 : bsz == 32 ? 6 : 4;
        for (int order = 0; order < 2; order++)
            for (int k = 0; k < nn; k++)
                for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
                    test_matmul_case(ti, order, ns[k], shapes[s][0], shapes[s][1]);
        // many rows and many activation rows (the column chunking of ck_run_tiles)
        for (int order = 0; order < 2; order++) test_matmul_case(ti, order, bsz == 256 ? 512 : 256, 67, 70);
    }
}

// MARK: Forward-pass ops

typedef void (*unary_fn)(float *x, int n, const float *aux);

static void test_ops(void) {
    static const int lens[] = {1, 5, 15, 16, 17, 31, 32, 33, 100, 1024, 4099};
    const int N = 4099 + 16;
    float *x = xmalloc(N * 4), *u = xmalloc(N * 4), *w = xmalloc(N * 4), *a = xmalloc(N * 4), *b = xmalloc(N * 4);
    char what[96];
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        const int n = lens[k];
        for (int variant = 0; variant < 3; variant++) {
            const float scale = variant == 0 ? 1.0f : variant == 1 ? 30.0f : 120.0f;  // 120: exp over/underflow
            fill(x, n, scale);
            fill(u, n, 2.0f);
            fill(w, n, 1.5f);
            if (variant == 2 && n > 3) { x[1] = -INFINITY; x[n - 2] = -INFINITY; }
            snprintf(what, sizeof what, "n=%d scale=%g", n, scale);
#define RUN2(NAME, CALL)                                    \
    set_scalar(); memcpy(b, x, n * 4); { float *y = b; CALL; } \
    set_simd(); memcpy(a, x, n * 4); { float *y = a; CALL; }   \
    check(NAME, what, a, b, n, 4);
            RUN2("softmax", ck_softmax(y, n))
            if (variant == 2 && n > 3) { x[1] = -60.0f; x[n - 2] = 95.0f; }
            RUN2("silu", ck_silu(y, y, n))
            RUN2("swiglu", ck_swiglu(y, u, y, n))
            RUN2("rmsnorm", ck_rmsnorm(y, w, y, n, 1e-6f))
            RUN2("rmsnorm (no weight)", ck_rmsnorm(y, NULL, y, n, 1e-6f))
            RUN2("add", ck_add(y, u, y, n))
            RUN2("mul", ck_mul(y, u, y, n))
            RUN2("scale", ck_scale(y, 0.3f, y, n))
            RUN2("axpy", ck_axpy(y, 0.7f, u, n))
        }
    }
    // softmax rows whose values span the whole range of the vector expf
    for (int i = 0; i < 1024; i++) x[i] = -200.0f + 300.0f * (float)i / 1023.0f;
    {
        const int n = 1024;
        snprintf(what, sizeof what, "n=%d exp sweep [-200, 100]", n);
        RUN2("softmax", ck_softmax(y, n))
        RUN2("silu", ck_silu(y, y, n))
    }
    free(x); free(u); free(w); free(a); free(b);
    // 2^16 points of the vector expf's range: softmax of [-104, 0] (max 0: exp itself, times 1/sum)
    // and SiLU of [-100, 100]
    {
        const int n = 65536;
        x = xmalloc(n * 4); a = xmalloc(n * 4); b = xmalloc(n * 4);
        for (int i = 0; i < n; i++) x[i] = -104.0f + 104.0f * (float)i / (float)(n - 1);
        snprintf(what, sizeof what, "n=%d sweep [-104, 0]", n);
        RUN2("softmax", ck_softmax(y, n))
        for (int i = 0; i < n; i++) x[i] = -100.0f + 200.0f * (float)i / (float)(n - 1) + 1e-3f * unitf();
        snprintf(what, sizeof what, "n=%d sweep [-100, 100]", n);
        RUN2("silu", ck_silu(y, y, n))
        free(x); free(a); free(b);
    }
}

static void test_rope(void) {
    char what[96];
    const int head_dim = 128, heads = 5;
    float cs_a[128], cs_b[128];
    float *x = xmalloc(heads * head_dim * 4), *a = xmalloc(heads * head_dim * 4), *b = xmalloc(heads * head_dim * 4);
    fill(x, heads * head_dim, 3.0f);
    const int positions[] = {0, 1, 17, 4095, 40000};
    for (int k = 0; k < 5; k++)
        for (int yarn = 0; yarn < 2; yarn++) {
            const int n_dims = yarn ? 64 : 128;
            snprintf(what, sizeof what, "pos=%d n_dims=%d yarn=%d", positions[k], n_dims, yarn);
            set_scalar();
            ck_rope_cache(cs_b, n_dims, positions[k], 1e6f, yarn ? 0.25f : 1.0f, yarn ? 1.0f : 0.0f, 1.0f, 4.0f, 20.0f);
            memcpy(b, x, heads * head_dim * 4);
            ck_rope_neox(b, heads, head_dim, n_dims, cs_b);
            set_simd();
            ck_rope_cache(cs_a, n_dims, positions[k], 1e6f, yarn ? 0.25f : 1.0f, yarn ? 1.0f : 0.0f, 1.0f, 4.0f, 20.0f);
            memcpy(a, x, heads * head_dim * 4);
            ck_rope_neox(a, heads, head_dim, n_dims, cs_a);
            check("rope cache", what, cs_a, cs_b, n_dims, 4);
            check("rope neox", what, a, b, heads * head_dim, 4);
        }
    free(x); free(a); free(b);
}

static void test_attention(void) {
    static const int npos[] = {1, 2, 15, 16, 17, 63, 64, 65, 130, 300};
    static const int dims[] = {64, 128, 66};
    static const int hs[] = {1, 2, 4};
    char what[96];
    for (int di = 0; di < 3; di++)
        for (int hi = 0; hi < 3; hi++)
            for (int pi = 0; pi < 10; pi++) {
                const int hd = dims[di], heads = hs[hi], n = npos[pi];
                const size_t stride = (size_t)hd * 2 + 8;  // two KV heads per position, plus padding
                uint16_t *k = xmalloc(stride * n * 2), *v = xmalloc(stride * n * 2), *q16 = xmalloc(heads * hd * 2);
                float *q = xmalloc(heads * hd * 4), *oa = xmalloc(heads * hd * 4), *ob = xmalloc(heads * hd * 4);
                float *scratch = xmalloc(ck_attention_scratch_floats(n, heads) * 4);
                for (size_t i = 0; i < stride * n; i++) {
                    k[i] = ck_fp32_to_fp16(unitf() * 2.0f);
                    v[i] = ck_fp32_to_fp16(unitf());
                }
                fill(q, heads * hd, 3.0f);
                for (int order = 0; order < 2; order++) {
                    snprintf(what, sizeof what, "heads=%d head_dim=%d n_pos=%d %s", heads, hd, n,
                             order == CK_ORDER_TILED ? "TILED" : "ROWWISE");
                    set_scalar();
                    ck_attention_heads(q, heads, hd, k + hd, v + hd, stride, n, 1.0f / sqrtf((float)hd), order, scratch, q16, ob);
                    set_simd();
                    ck_attention_heads(q, heads, hd, k + hd, v + hd, stride, n, 1.0f / sqrtf((float)hd), order, scratch, q16, oa);
                    check("attention heads", what, oa, ob, heads * hd, 4);
                }
                free(k); free(v); free(q16); free(q); free(oa); free(ob); free(scratch);
            }
}

static void test_sampling(void) {
    const int n = 151936;
    float *x = xmalloc(n * 4);
    char what[96];
    for (int variant = 0; variant < 3; variant++) {
        fill(x, n, 20.0f);
        if (variant >= 1) for (int i = 0; i < n; i += 7) x[i] = -INFINITY;
        if (variant == 2) { x[5] = NAN; x[100] = x[2000] = 25.0f; }
        snprintf(what, sizeof what, "n=%d variant=%d", n, variant);
        set_scalar();
        const int ab = ck_argmax(x, n);
        const double lb = ck_logsumexp(x, n);
        int32_t ib[40]; float vb[40];
        const int cb = ck_top_k(x, n, 40, ib, vb);
        set_simd();
        const int aa = ck_argmax(x, n);
        const double la = ck_logsumexp(x, n);
        int32_t ia[40]; float va[40];
        const int ca = ck_top_k(x, n, 40, ia, va);
        check("argmax", what, &aa, &ab, 1, 4);
        check("logsumexp", what, &la, &lb, 1, 8);
        check("top_k count", what, &ca, &cb, 1, 4);
        check("top_k indices", what, ia, ib, cb, 4);
        check("top_k values", what, va, vb, cb, 4);
    }
    free(x);
}

int main(int argc, char **argv) {
    int expect = -1;  // --expect-level N: fail unless the dispatcher picks level N
    int level_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--expect-level") && i + 1 < argc) expect = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--level-only")) level_only = 1;
    }
    const int level = ck_active_level();
    printf("cpu features 0x%x, active level %d (0 scalar, 1 AVX2, 2 AVX-512, 3 NEON)\n", ck_cpu_features(), level);
    if (expect >= 0) {
        if (level != expect) { printf("FAIL dispatcher: level %d, expected %d\n", level, expect); failed++; }
        else passed++;
        ck_set_thread_feature_mask(0);
        const int forced = ck_active_level();
        ck_set_thread_feature_mask(0xFFFFFFFFu);
        if (forced != 0) { printf("FAIL dispatcher: mask 0 gives level %d\n", forced); failed++; }
        else passed++;
    }
    if (!level_only) {
        test_conversions();
        test_quantize();
        test_matmul();
        test_ops();
        test_rope();
        test_attention();
        test_sampling();
        if (ck_cpu_features() & CK_CPU_I8MM) {  // again with the dotprod-only matmul kernels
            simd_mask = ~(uint32_t)CK_CPU_I8MM;
            mask_note = " (i8mm off)";
            test_matmul();
            test_attention();
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
