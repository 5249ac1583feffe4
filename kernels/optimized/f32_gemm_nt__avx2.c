/* f32_gemm_nt__avx2.c — c: (M, N) = a: (M, K) @ w: (N, K)^T + bias for AVX2 and FMA (see
 * f32_gemm_nt.h); the code is the template f32_gemm_nt.inc over f32_simd_x86.h. A 4x3 tile
 * keeps 12 accumulators of 8 lanes, 3 rows of w and one row of a in the 16 ymm registers; a
 * (63, 512) block of w is about 126 KiB; no software prefetch. */
#include "kernels/optimized/f32_gemm_nt.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX2 1
#include "kernels/optimized/f32_simd_x86.h"

#define MR 4   /* rows of a per tile */
#define NR 3   /* rows of w per tile */
#define KC 512 /* floats of K per block */
#define NC 63  /* rows of w per block (a multiple of NR): about 126 KiB */
#define PREFETCH_NEXT 0

/* s[0..NR) = the lane sums of v[0..NR), one vector at a time. */
TARGET INLINE void row_sums(float* s, const vf* v)
{
    for (int j = 0; j < NR; j++) s[j] = vhsum(v[j]);
}

#include "kernels/optimized/f32_gemm_nt.inc"
#endif
