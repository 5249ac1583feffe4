/* f32_conv_wino__avx2.c — Winograd F(2x2, 3x3) for AVX2 + FMA (see f32_conv_wino.h): the
 * template f32_conv_wino.inc over f32_simd_x86.h with 6x16 GEMM tiles (12 ymm accumulators),
 * 16 tiles per strip, 96 input channels per V block (96 KiB) and up to 264 output channels
 * per task (M: 264 KiB). */
#include "kernels/optimized/f32_conv_wino.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX2 1
#include "kernels/optimized/f32_simd_x86.h"

#define MR 6
#define KC 96
#define CB 264

/* shuffle_ps picks within 128-bit halves (lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6); the 64-bit
 * permute 0, 2, 1, 3 puts the halves in order. */
TARGET INLINE void deinterleave(vf lo, vf hi, vf* e, vf* o)
{
    const __m256d e2 = _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88));
    const __m256d o2 = _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xdd));
    *e = _mm256_castpd_ps(_mm256_permute4x64_pd(e2, 0xd8));
    *o = _mm256_castpd_ps(_mm256_permute4x64_pd(o2, 0xd8));
}

TARGET INLINE void interleave(vf a, vf b, vf* lo, vf* hi)
{
    /* l = a0 b0 a1 b1 | a4 b4 a5 b5, h = a2 b2 a3 b3 | a6 b6 a7 b7 */
    const __m256 l = _mm256_unpacklo_ps(a, b), h = _mm256_unpackhi_ps(a, b);
    *lo = _mm256_permute2f128_ps(l, h, 0x20);
    *hi = _mm256_permute2f128_ps(l, h, 0x31);
}

TARGET INLINE vf vshift_up(vf v, int k)
{
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), kk = _mm256_set1_epi32(k);
    const __m256 moved = _mm256_permutevar8x32_ps(v, _mm256_sub_epi32(iota, kk));
    return _mm256_andnot_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(kk, iota)), moved);
}

#include "kernels/optimized/f32_conv_wino.inc"
#endif /* EMBER_HAVE_X86_KERNELS */
