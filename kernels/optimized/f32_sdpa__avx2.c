/* f32_sdpa__avx2.c — fp32 scaled dot-product attention for AVX2 (see f32_sdpa.h); the code
 * is the template f32_sdpa.inc over the vector vocabulary of f32_simd_x86.h. */
#include "kernels/optimized/f32_sdpa.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX2 1
#include "kernels/optimized/f32_simd_x86.h"

/* 8 bools as floats 0 and 1. */
TARGET INLINE vf load_bool(const uint8_t* p)
{
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*)p)));
}

#include "kernels/optimized/f32_sdpa.inc"
#endif
