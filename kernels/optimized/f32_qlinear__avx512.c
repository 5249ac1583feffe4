/* f32_qlinear__avx512.c — fp32 activations times int8 / int4 weights for AVX512F + VL + DQ +
 * FMA (see f32_qlinear.h); the code is the template f32_qlinear.inc over f32_simd_x86.h. int8
 * weights widen with vpmovsxbd and convert; int4 bytes widen with vpmovzxbd and each nibble
 * indexes a 16-float table of (v - 8) * scale with vpermps (which reads the low 4 bits of each
 * index lane: no mask needed), so a group's scale costs one multiply per weight row, not one
 * per weight. The x of a chunk of 32 k is split into even and odd k with vpermt2ps. */
#include "kernels/optimized/f32_qlinear.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX512 1
#include "kernels/optimized/f32_simd_x86.h"

/* Weight rows per group of the matrix-vector path, for passes of 1..4 rows of a: the mr * NG
 * accumulators, mr (int8) or 2 mr (int4) vectors of x and the unpacked weights fit in 32 zmm.
 * One row of a (decoding) takes 4: 8 rows side by side streamed slower from memory (measured:
 * int8 10.7 against 15-18 GB/s on Zen 4). */
#define NG8(mr) ((mr) == 1 ? 4 : (mr) < 4 ? 8 : 4)
#define NG4(mr) ((mr) == 1 ? 4 : (mr) < 3 ? 8 : 4)

TARGET INLINE vf q8_load(const int8_t* p)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)p)));
}

/* lane v: (v - 8) * s, the value a nibble v stands for, times the scale */
TARGET INLINE vf q4_scale(float s)
{
    const vf q = _mm512_setr_ps(-8.0f, -7.0f, -6.0f, -5.0f, -4.0f, -3.0f, -2.0f, -1.0f, 0.0f,
                                1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f);
    return vmul(q, vset1(s));
}

TARGET INLINE void q4_unpack(const uint8_t* p, vf table, vf* even, vf* odd)
{
    const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)p));
    *even = _mm512_permutexvar_ps(b, table);
    *odd = _mm512_permutexvar_ps(_mm512_srli_epi32(b, 4), table);
}

TARGET INLINE void x_deinterleave(const float* x, vf* even, vf* odd)
{
    const vf lo = vload(x), hi = vload(x + VN);
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    *even = _mm512_permutex2var_ps(lo, ie, hi);
    *odd = _mm512_permutex2var_ps(lo, io, hi);
}

#include "kernels/optimized/f32_qlinear.inc"
#endif /* EMBER_HAVE_X86_KERNELS */
