/* f32_sdpa__avx512.c — fp32 scaled dot-product attention for AVX512 (see f32_sdpa.h); the code
 * is the template f32_sdpa.inc over the vector vocabulary of f32_simd_x86.h. */
#include "kernels/optimized/f32_sdpa.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX512 1
#include "kernels/optimized/f32_simd_x86.h"
#include "kernels/optimized/f32_sdpa.inc"
#endif
