/* f32_gemm_nt__neon.c — c: (M, N) = a: (M, K) @ w: (N, K)^T + bias on aarch64 (see f32_gemm_nt.h):
 * from 8 rows of a (a tile's height) the weight is packed into panels and multiplied by the
 * GEMM core's NEON microkernel (f32_gemm_nn_bt__neon); fewer rows (decoding) stream the weight
 * once, row after row, through the portable dot products, which the compiler vectorises. */
#include "kernels/optimized/f32_gemm_nn.h"

#if defined(__aarch64__)
#include <math.h>

void f32_gemm_nt__neon(float* restrict c, const float* restrict a, const float* restrict w,
                       const float* restrict bias, int64_t m, int64_t k, int64_t n)
{
    if (m < 8) {
        f32_gemm_nt__portable(c, a, w, bias, m, k, n);
        return;
    }
    const f32_gemm_epilogue ep = {bias, 0, -INFINITY, INFINITY};
    f32_gemm_nn_bt__neon(c, n, a, k, w, k, m, n, k, &ep);
}

#endif /* __aarch64__ */
