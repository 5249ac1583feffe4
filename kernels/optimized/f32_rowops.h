/* f32_rowops.h — vectorised fp32 row kernels behind the portable elementwise, softmax and
 * layer-norm ops (internal). Each is a drop-in for the portable loop named beside it, chosen in
 * that op's prepare from ember_kernel_cpu_features(); the portable loop stays the reference
 * (tests/c/test_rowops.c holds every variant to it, with the error bounds below).
 *
 *   f32_<act>   out[i] = act(in[i]), i < n; out may be in (in place)
 *     exp        vexp (f32_simd_x86.h): within 2 ulp of expf
 *     sigmoid    1 / (1 + e^-x)                        within 4 ulp of the portable kernel
 *     silu       x / (1 + e^-x)                        within 4 ulp
 *     tanh       vtanh                                 within 4 ulp
 *     gelu       x/2 (1 + erf(x / sqrt 2)), erf by A&S 7.1.26: |error| <= 2e-7 (|x| + 1)
 *     gelu_tanh  x / (1 + e^(-2 u)), u = sqrt(2/pi) (x + 0.044715 x^3) (= x/2 (1 + tanh u),
 *                without its cancellation): within 4 + 4|u| ulp (float's rounding of u
 *                grows through e^(-2u), as in torch's float kernel)
 *   f32_softmax_rows  out, in: (rows, n), the softmax of each row (op_softmax.c's f32 path for
 *                     the last dim): within 4 ulp of the portable kernel per element
 *   f32_layer_norm    op_norm.c's f32_layer_norm__portable: statistics summed in float lanes
 *                     and combined in double (relative error ~ n/VN u), then per element
 *                     (x - mean) * rstd * w + b
 *
 *   __avx2    kernels/optimized/f32_rowops__avx2.c;   needs AVX2 and FMA
 *   __avx512  kernels/optimized/f32_rowops__avx512.c; needs AVX512F, VL, DQ and FMA
 * both one template, f32_rowops.inc, over f32_simd_x86.h. */
#ifndef EMBER_F32_ROWOPS_H
#define EMBER_F32_ROWOPS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

#if EMBER_HAVE_X86_KERNELS
#define F32_ROWOPS_DECLARE(isa)                                                                 \
    void f32_exp__##isa(float* out, const float* in, size_t n);                                 \
    void f32_sigmoid__##isa(float* out, const float* in, size_t n);                             \
    void f32_silu__##isa(float* out, const float* in, size_t n);                                \
    void f32_tanh__##isa(float* out, const float* in, size_t n);                                \
    void f32_gelu__##isa(float* out, const float* in, size_t n);                                \
    void f32_gelu_tanh__##isa(float* out, const float* in, size_t n);                           \
    void f32_softmax_rows__##isa(float* out, const float* in, int64_t rows, int64_t n);         \
    void f32_layer_norm__##isa(float* out, float* mean_out, float* rstd_out, const float* in,   \
                               const float* w, const float* b, double eps, int64_t rows,        \
                               int64_t cols);
F32_ROWOPS_DECLARE(avx2)
F32_ROWOPS_DECLARE(avx512)
#undef F32_ROWOPS_DECLARE
#endif

#endif /* EMBER_F32_ROWOPS_H */
