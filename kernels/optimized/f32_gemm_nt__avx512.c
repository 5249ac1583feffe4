/* f32_gemm_nt__avx512.c — c: (M, N) = a: (M, K) @ w: (N, K)^T + bias for AVX-512 (see
 * f32_gemm_nt.h); the code is the template f32_gemm_nt.inc over f32_simd_x86.h. A 6x4 tile
 * keeps 24 accumulators of 16 lanes in zmm registers (plus 4 rows of w and one of a: 29 of the
 * 32); a (64, 1024) block of w is 256 KiB of L2; the last M tile prefetches the next block. */
#include "kernels/optimized/f32_gemm_nt.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX512 1
#define EMBER_SIMD_AVX512_TARGET "avx512f,avx512vl,fma" /* what op_matmul.c checks for it */
#include "kernels/optimized/f32_simd_x86.h"

#define MR 6    /* rows of a per tile (at most) */
#define NR 4    /* rows of w per tile */
#define KC 1024 /* floats of K per block */
#define NC 64   /* rows of w per block: NC * KC * 4 bytes = 256 KiB */
#define PREFETCH_NEXT 1

/* s[0..4) = the lane sums of v[0..4): halve four vectors into two (128-bit blocks 0-1 of one
 * with 0-1 of the other, 2-3 with 2-3), those two into one (block b = a quarter of v[b]'s
 * sum), then add within each block and gather lane 0 of each. */
TARGET INLINE void row_sums(float* s, const vf* v)
{
    const __m512 s01 = _mm512_add_ps(_mm512_shuffle_f32x4(v[0], v[1], 0x44),
                                     _mm512_shuffle_f32x4(v[0], v[1], 0xee));
    const __m512 s23 = _mm512_add_ps(_mm512_shuffle_f32x4(v[2], v[3], 0x44),
                                     _mm512_shuffle_f32x4(v[2], v[3], 0xee));
    __m512 t = _mm512_add_ps(_mm512_shuffle_f32x4(s01, s23, 0x88),
                             _mm512_shuffle_f32x4(s01, s23, 0xdd));
    t = _mm512_add_ps(t, _mm512_permute_ps(t, 0x4e)); /* lanes 2 3 0 1 of each block */
    t = _mm512_add_ps(t, _mm512_permute_ps(t, 0xb1)); /* lanes 1 0 3 2 */
    const __m512i lane0 = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    _mm_storeu_ps(s, _mm512_castps512_ps128(_mm512_permutexvar_ps(lane0, t)));
}

#include "kernels/optimized/f32_gemm_nt.inc"
#endif
