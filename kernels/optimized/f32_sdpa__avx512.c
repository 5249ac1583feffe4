/* f32_sdpa__avx512.c — fp32 scaled dot-product attention for AVX512 (see f32_sdpa.h); the code
 * is the template f32_sdpa.inc over the vector vocabulary of f32_simd_x86.h. */
#include "kernels/optimized/f32_sdpa.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX512 1
#include "kernels/optimized/f32_simd_x86.h"

/* 16 bools as floats 0 and 1. */
TARGET INLINE vf load_bool(const uint8_t* p)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*)p)));
}

#include "kernels/optimized/f32_sdpa.inc"
#endif
