// Shared by the repacked K-quant matmuls (dot_kquants_gemm.c for AVX-512 VNNI,
// dot_kquants_gemm_avx2.c for AVX2): the weight kinds and their geometry.
#ifndef CK_KQ_GEMM_H
#define CK_KQ_GEMM_H

enum { KQ_Q4K = 0, KQ_Q5K = 1, KQ_Q6K = 2, KQ_Q2K = 3, KQ_Q3K = 4, KQ_IQ4XS = 5 };

/// Sub-blocks of 16 elements (Q6_K, Q2_K, Q3_K) rather than 32.
static inline int kq_sub16(const int kind) { return kind == KQ_Q6K || kind == KQ_Q2K || kind == KQ_Q3K; }

static inline size_t kq_block_bytes(const int kind) {
    return kind == KQ_Q4K ? Q4_K_BYTES : kind == KQ_Q5K ? Q5_K_BYTES : kind == KQ_Q6K ? Q6_K_BYTES
         : kind == KQ_Q2K ? Q2_K_BYTES : kind == KQ_Q3K ? Q3_K_BYTES : IQ4_XS_BYTES;
}

#endif
