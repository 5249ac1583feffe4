/* f32_qlinear.h — fp32 activations times weight-only quantized weights, the kernel family
 * behind quantized_decomposed::mixed_linear.out (int8) and ember::linear_int4.out (int4)
 * (internal; the ops are kernels/portable/op_wq_linear.c):
 *
 *   c: (M, N) = a: (M, K) @ dequant(w)^T + bias: (N) or none
 *   int8:  dequant(w)[n][k] = scales[n] * w[n][k],    w int8 (N, K), scales (N)
 *   int4:  dequant(w)[n][k] = scales[n][k / group] * q[n][k],    scales (N, K / group)
 *          w uint8 (N, K / 2): q[n][k] is the low nibble of byte k / 2 of row n when k is even,
 *          the high nibble when k is odd, each nibble holding q + 8 for q in [-8, 7]
 *
 * a and w row-major and contiguous, c's rows ldc >= N floats apart. A call computes the output
 * columns [j0, j1) of every row (c, the weights and the bias are indexed by absolute column):
 * a thread pool hands each thread a run of columns, and each output is computed by the same
 * instructions whatever the run, so any split gives the same bytes.
 *
 *   f32_qlinear__portable  kernels/portable/op_wq_linear.c, the reference: plain loops, any CPU.
 *                          int8: out = scales[n] * s, s the float sum over k in order;
 *                          int4: out = bias[n] + sum over groups g in order of
 *                          scales[n][g] * s_g, s_g the float sum over the group's k in order.
 *   f32_qlinear__avx2      kernels/optimized/f32_qlinear__avx2.c; needs AVX2 and FMA
 *   f32_qlinear__avx512    kernels/optimized/f32_qlinear__avx512.c; needs AVX512F, VL, DQ, FMA
 *   f32_qlinear__neon      kernels/optimized/f32_qlinear__neon.c; aarch64 (NEON is baseline)
 *
 * All three are one template, f32_qlinear.inc (over f32_simd_x86.h, or f32_simd_neon.h for
 * NEON, which brings its own matrix-vector loops with the same sums), with two paths (their
 * sums are ordered differently from the reference and from each other; each is deterministic
 * for a given M):
 *   - up to F32_QLINEAR_MV_ROWS_INT8 / _INT4 rows of a (decoding: a matrix-vector product,
 *     memory-bound; short prompts): the weights are unpacked to fp32 in registers and streamed
 *     once, a group of output columns (weight rows) at a time against the rows of a in passes
 *     of up to 4 (the group stays in L1 between passes), each output one vector accumulator
 *     (lane l sums the k that map to it, in k order) summed across lanes at the end; int8
 *     multiplies that sum by the row's scale, int4 multiplies each weight by its group's
 *     scale as it unpacks (q * scale, rounded once).
 *   - more rows (prefill): the fp32 GEMM core, f32_gemm_nn_src (f32_gemm_nn.h), with b = the
 *     dequantized weight produced block by block (q * scale, rounded once) straight into the
 *     core's packed strips: each weight block is dequantized once per call and reused by all
 *     the rows, so M rows cost about what the fp32 linear costs, not M matrix-vector products.
 * The x86 variants exist only where EMBER_HAVE_X86_KERNELS is 1; they are compiled with
 * per-function target attributes and picked at prepare from ember_kernel_cpu_features(). The
 * NEON one exists only on aarch64, picked when the features have EMBER_CPU_ASIMD (always
 * there; a zero mask forces the reference). */
#ifndef EMBER_F32_QLINEAR_H
#define EMBER_F32_QLINEAR_H

#include <stdint.h>

#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

/* Rows of a up to which the variants take the matrix-vector path (above), int8 and int4; the
 * GEMM path beyond. Measured on Zen 4 (bench/qlinear.c, one thread, both ISAs): the passes of
 * 4 rows run int8 at the GEMM's speed or better up to 128 rows, int4 (whose unpacking and
 * de-interleaved x cost more per pass) at ~72 GFLOP/s, which the GEMM path passes from about
 * 32 rows on. NEON uses the same, not measured on an Arm core. */
#define F32_QLINEAR_MV_ROWS_INT8 64
#define F32_QLINEAR_MV_ROWS_INT4 32

/* The quantized weight of one call. */
typedef struct f32_qlinear_weights {
    int bits;            /* 8 or 4 */
    const void* data;    /* 8: int8 (N, K); 4: uint8 (N, K / 2), two values per byte */
    const float* scales; /* 8: (N); 4: (N, K / group) */
    const float* bias;   /* (N) or NULL */
    int64_t k;           /* K (4: even, a multiple of group) */
    int64_t group;       /* 4: 32, 64, 128 or 256; 8: unused */
} f32_qlinear_weights;

/* c[i * ldc + j] for i < m, j0 <= j < j1; a (m, K) row-major. */
typedef void (*f32_qlinear_fn)(float* restrict c, int64_t ldc, const float* restrict a,
                               const f32_qlinear_weights* w, int64_t m, int64_t j0, int64_t j1);

void f32_qlinear__portable(float* restrict c, int64_t ldc, const float* restrict a,
                           const f32_qlinear_weights* w, int64_t m, int64_t j0, int64_t j1);

#if EMBER_HAVE_X86_KERNELS
void f32_qlinear__avx2(float* restrict c, int64_t ldc, const float* restrict a,
                       const f32_qlinear_weights* w, int64_t m, int64_t j0, int64_t j1);
void f32_qlinear__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                         const f32_qlinear_weights* w, int64_t m, int64_t j0, int64_t j1);
#endif
#if defined(__aarch64__)
void f32_qlinear__neon(float* restrict c, int64_t ldc, const float* restrict a,
                       const f32_qlinear_weights* w, int64_t m, int64_t j0, int64_t j1);
#endif

#endif /* EMBER_F32_QLINEAR_H */
