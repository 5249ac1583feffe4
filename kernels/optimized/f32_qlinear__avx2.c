/* f32_qlinear__avx2.c — fp32 activations times int8 / int4 weights for AVX2 + FMA (see
 * f32_qlinear.h); the code is the template f32_qlinear.inc over f32_simd_x86.h. int8 weights
 * widen with vpmovsxbd and convert; int4 bytes widen with vpmovzxbd, each nibble is masked or
 * shifted out, less 8, converted and multiplied by its group's scale (AVX2 has no 16-entry
 * float table lookup). The x of a chunk of 16 k is split into even and odd k with vshufps and
 * vpermpd. */
#include "kernels/optimized/f32_qlinear.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX2 1
#include "kernels/optimized/f32_simd_x86.h"

/* Weight rows per pass of the matrix-vector path, for 1..4 rows of a: the mr * NG
 * accumulators, the x and the unpacking in 16 ymm. */
#define NG8(mr) ((mr) == 1 ? 8 : (mr) == 2 ? 4 : 2)
#define NG4(mr) ((mr) == 1 ? 4 : (mr) == 2 ? 2 : 1)

TARGET INLINE vf q8_load(const int8_t* p)
{
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)p)));
}

TARGET INLINE vf q4_scale(float s) { return vset1(s); }

TARGET INLINE void q4_unpack(const uint8_t* p, vf scale, vf* even, vf* odd)
{
    const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p));
    const __m256i eight = _mm256_set1_epi32(8);
    const __m256i lo = _mm256_sub_epi32(_mm256_and_si256(b, _mm256_set1_epi32(15)), eight);
    const __m256i hi = _mm256_sub_epi32(_mm256_srli_epi32(b, 4), eight);
    *even = vmul(_mm256_cvtepi32_ps(lo), scale);
    *odd = vmul(_mm256_cvtepi32_ps(hi), scale);
}

/* vshufps takes the even (odd) floats of both vectors per 128-bit lane: x0 x2 x8 x10 | x4 x6
 * x12 x14; vpermpd puts the 64-bit pairs in order. */
TARGET INLINE void x_deinterleave(const float* x, vf* even, vf* odd)
{
    const vf lo = vload(x), hi = vload(x + VN);
    *even = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xd8));
    *odd = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xdd)), 0xd8));
}

#include "kernels/optimized/f32_qlinear.inc"
#endif /* EMBER_HAVE_X86_KERNELS */
