/* f32_gemm_nt.h — the fp32 "a times w transposed" family behind aten::linear.out (internal):
 *   c: (M, N) = a: (M, K) @ w: (N, K)^T + bias: (N) or NULL
 * all row-major and contiguous except c, whose rows are ldc >= N floats apart (a thread pool
 * hands each thread a block of output columns: w's rows j0..j1, c + j0), w exactly as a linear layer's weight is stored in the .pte (no
 * repacking, no scratch memory). Every variant computes the same sums; only the order of the
 * additions (and so the last bits) differs.
 *
 *   f32_gemm_nt__portable  kernels/portable/op_matmul.c, the reference; any CPU
 *   f32_gemm_nt__avx2      kernels/optimized/f32_gemm_nt__avx2.c; needs AVX2 and FMA
 *   f32_gemm_nt__avx512    kernels/optimized/f32_gemm_nt__avx512.c; needs AVX512F, VL and FMA
 *
 * Both x86 variants are one template, f32_gemm_nt.inc (tiles, cache blocks and the K tail),
 * compiled per ISA over the vector vocabulary of f32_simd_x86.h; each file sets its tile and
 * block sizes and its horizontal sums.
 *
 * The x86 variants exist only where EMBER_HAVE_X86_KERNELS is 1 (x86-64 with gcc or clang);
 * they are compiled with per-function target attributes, never a global -march, so the library
 * still loads on any x86-64 and op_matmul.c picks one at load from ember_kernel_cpu_features().
 * From a number of rows on (op_matmul.c's F32_RUNS), aten::linear runs the GEMM core instead
 * (f32_gemm_nn_bt__<isa>, f32_gemm_nn.h), which packs the weight per call. */
#ifndef EMBER_F32_GEMM_NT_H
#define EMBER_F32_GEMM_NT_H

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EMBER_HAVE_X86_KERNELS 1
#else
#define EMBER_HAVE_X86_KERNELS 0
#endif

void f32_gemm_nt__portable(float* restrict c, int64_t ldc, const float* restrict a,
                           const float* restrict w, const float* restrict bias, int64_t m, int64_t k,
                           int64_t n);

#if EMBER_HAVE_X86_KERNELS
void f32_gemm_nt__avx2(float* restrict c, int64_t ldc, const float* restrict a,
                       const float* restrict w, const float* restrict bias, int64_t m, int64_t k,
                       int64_t n);
void f32_gemm_nt__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                         const float* restrict w, const float* restrict bias, int64_t m, int64_t k,
                         int64_t n);
#endif

#endif /* EMBER_F32_GEMM_NT_H */
