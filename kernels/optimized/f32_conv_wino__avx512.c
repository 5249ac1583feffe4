/* f32_conv_wino__avx512.c — Winograd F(2x2, 3x3) for AVX512F + VL + DQ + FMA (see
 * f32_conv_wino.h): the template f32_conv_wino.inc over f32_simd_x86.h with 12x32 GEMM tiles
 * (24 zmm accumulators), 32 tiles per strip, 48 input channels per V block (96 KiB) and up to
 * 132 output channels per task (M: 264 KiB; ResNet's 128-channel layers in one block, the V
 * transform done once: x1.8 -> x2.1 at 28x28 against 64 and 96). */
#include "kernels/optimized/f32_conv_wino.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX512 1
#include "kernels/optimized/f32_simd_x86.h"

#define MR 12
#define KC 48
#define CB 132

TARGET INLINE void deinterleave(vf lo, vf hi, vf* e, vf* o)
{
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    *e = _mm512_permutex2var_ps(lo, ie, hi);
    *o = _mm512_permutex2var_ps(lo, _mm512_add_epi32(ie, _mm512_set1_epi32(1)), hi);
}

TARGET INLINE void interleave(vf a, vf b, vf* lo, vf* hi)
{
    const __m512i il = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    *lo = _mm512_permutex2var_ps(a, il, b);
    *hi = _mm512_permutex2var_ps(a, _mm512_add_epi32(il, _mm512_set1_epi32(8)), b);
}

TARGET INLINE vf vshift_up(vf v, int k)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i idx = _mm512_sub_epi32(iota, _mm512_set1_epi32(k));
    return _mm512_maskz_permutexvar_ps((__mmask16)(0xffffu << k), idx, v);
}

#include "kernels/optimized/f32_conv_wino.inc"
#endif /* EMBER_HAVE_X86_KERNELS */
