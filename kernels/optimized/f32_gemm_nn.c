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

f32_gemm_nn_fn f32_gemm_nn_pick(uint64_t features)
{
    (void)features; /* optimized variants are chosen here as they are added */
    return f32_gemm_nn__portable;
}
