/* f32_gemm_nn.c — the portable reference of f32_gemm_nn.h and the variant choice.
 *
 * The reference runs row by row: for each row i of c it accumulates a[i][p] * b[p][:] over p
 * into an output block of up to BLOCK columns held on the stack (a row of b streams through
 * contiguously, which compilers vectorise for any ISA), then applies the epilogue once. */
#include "kernels/optimized/f32_gemm_nn.h"

#include "kernels/kernel.h"

#define BLOCK 256 /* output columns accumulated at a time (1 KiB of stack) */

static inline float epilogue(float v, float lo, float hi)
{
    /* Written so that NaN passes through unchanged (every comparison with NaN is false). */
    return v < lo ? lo : (v > hi ? hi : v);
}

void f32_gemm_nn__portable(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                           const float* restrict b, int64_t ldb, int64_t m, int64_t n, int64_t k,
                           const f32_gemm_epilogue* ep)
{
    float acc[BLOCK];
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j0 = 0; j0 < n; j0 += BLOCK) {
            const int64_t nb = n - j0 < BLOCK ? n - j0 : BLOCK;
            for (int64_t j = 0; j < nb; j++) acc[j] = 0.0f;
            for (int64_t p = 0; p < k; p++) {
                const float ap = a[i * lda + p];
                const float* restrict bp = b + p * ldb + j0;
                for (int64_t j = 0; j < nb; j++) acc[j] += ap * bp[j];
            }
            float* restrict ci = c + i * ldc + j0;
            if (ep->bias && ep->bias_per_row) {
                const float bi = ep->bias[i];
                for (int64_t j = 0; j < nb; j++) ci[j] = epilogue(acc[j] + bi, ep->lo, ep->hi);
            } else if (ep->bias) {
                const float* restrict bj = ep->bias + j0;
                for (int64_t j = 0; j < nb; j++) ci[j] = epilogue(acc[j] + bj[j], ep->lo, ep->hi);
            } else {
                for (int64_t j = 0; j < nb; j++) ci[j] = epilogue(acc[j], ep->lo, ep->hi);
            }
        }
    }
}

/* b given transposed, bt (N, K): each output is a dot product of two rows, in DOT_LANES partial
 * sums the compiler keeps in one vector register. */
#define DOT_LANES 8

void f32_gemm_nn_bt__portable(float* restrict c, int64_t ldc, const float* restrict a,
                              int64_t lda, const float* restrict bt, int64_t ldb, int64_t m,
                              int64_t n, int64_t k, const f32_gemm_epilogue* ep)
{
    for (int64_t i = 0; i < m; i++) {
        const float* restrict ai = a + i * lda;
        for (int64_t j = 0; j < n; j++) {
            const float* restrict bj = bt + j * ldb;
            float acc[DOT_LANES] = {0};
            int64_t p = 0;
            for (; p + DOT_LANES <= k; p += DOT_LANES)
                for (int l = 0; l < DOT_LANES; l++) acc[l] += ai[p + l] * bj[p + l];
            float s = 0.0f;
            for (int l = 0; l < DOT_LANES; l++) s += acc[l];
            for (; p < k; p++) s += ai[p] * bj[p];
            if (ep->bias) s += ep->bias[ep->bias_per_row ? i : j];
            c[i * ldc + j] = epilogue(s, ep->lo, ep->hi);
        }
    }
}

/* b from a source (f32_gemm_b_source): blocks of SRC_K x SRC_N packed as one strip (row-major
 * (kc, SRC_N)), c accumulated in place over the K blocks, the epilogue on the last. */
#define SRC_K 64
#define SRC_N 64

void f32_gemm_nn_src__portable(float* restrict c, int64_t ldc, const float* restrict a,
                               int64_t lda, const f32_gemm_b_source* src, int64_t m, int64_t n,
                               int64_t k, const f32_gemm_epilogue* ep)
{
    if (k <= 0) { /* b is never read: only the epilogue */
        f32_gemm_nn__portable(c, ldc, a, lda, NULL, n, m, n, 0, ep);
        return;
    }
    float bp[SRC_K * SRC_N];
    for (int64_t j0 = 0; j0 < n; j0 += SRC_N) {
        const int64_t nb = n - j0 < SRC_N ? n - j0 : SRC_N;
        for (int64_t p0 = 0; p0 < k; p0 += SRC_K) {
            const int64_t kb = k - p0 < SRC_K ? k - p0 : SRC_K;
            const int first = p0 == 0, last = p0 + kb == k;
            src->pack(bp, src->ctx, p0, kb, j0, nb, SRC_N);
            for (int64_t i = 0; i < m; i++) {
                float acc[SRC_N];
                float* restrict ci = c + i * ldc + j0;
                for (int64_t j = 0; j < nb; j++) acc[j] = first ? 0.0f : ci[j];
                for (int64_t p = 0; p < kb; p++) {
                    const float ap = a[i * lda + p0 + p];
                    for (int64_t j = 0; j < nb; j++) acc[j] += ap * bp[p * SRC_N + j];
                }
                for (int64_t j = 0; j < nb; j++) {
                    float v = acc[j];
                    if (last && ep->bias) v += ep->bias[ep->bias_per_row ? i : j0 + j];
                    ci[j] = last ? epilogue(v, ep->lo, ep->hi) : v;
                }
            }
        }
    }
}

size_t f32_gemm_packed_b_bytes(int64_t n, int64_t k, int nr)
{
    if (n <= 0 || k <= 0 || nr <= 0) return 0;
    const int64_t strips = n / nr + (n % nr != 0);
    int64_t floats;
    size_t bytes; /* the builtins check the exact product against each result's type */
    if (__builtin_mul_overflow(strips, k, &floats) ||
        __builtin_mul_overflow(floats, (int64_t)nr * (int64_t)sizeof(float), &bytes))
        return 0;
    return bytes;
}

f32_gemm_nn_src_fn f32_gemm_nn_src_pick(uint64_t features)
{
#if EMBER_HAVE_X86_KERNELS
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((features & avx512) == avx512) return f32_gemm_nn_src__avx512;
    if ((features & avx2) == avx2) return f32_gemm_nn_src__avx2;
#elif defined(__aarch64__)
    if (features & EMBER_CPU_BIT(EMBER_CPU_ASIMD)) return f32_gemm_nn_src__neon;
#endif
    (void)features;
    return f32_gemm_nn_src__portable;
}

f32_gemm_ct_fn f32_gemm_ct_pick(uint64_t features, int* mr, int* nr)
{
#if EMBER_HAVE_X86_KERNELS
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((features & avx512) == avx512) return *mr = 12, *nr = 32, f32_gemm_ct__avx512;
    if ((features & avx2) == avx2) return *mr = 6, *nr = 16, f32_gemm_ct__avx2;
#endif
    (void)features;
    *mr = *nr = 1;
    return NULL;
}

f32_gemm_nn_fn f32_gemm_nn_pick(uint64_t features)
{
#if EMBER_HAVE_X86_KERNELS
    /* each x86 file is compiled for exactly these features (its target attribute) */
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((features & avx512) == avx512) return f32_gemm_nn__avx512;
    if ((features & avx2) == avx2) return f32_gemm_nn__avx2;
#elif defined(__aarch64__)
    /* NEON is baseline on aarch64; asking for ASIMD lets a zero mask force the reference */
    if (features & EMBER_CPU_BIT(EMBER_CPU_ASIMD)) return f32_gemm_nn__neon;
#endif
    (void)features;
    return f32_gemm_nn__portable;
}
