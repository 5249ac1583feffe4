/* f32_pool__avx512.c — fp32 max pooling for AVX512 (see f32_pool.h); the code is the template
 * f32_pool.inc over the vector vocabulary of f32_simd_x86.h. */
#include "kernels/optimized/f32_pool.h"

#if EMBER_HAVE_X86_KERNELS
#include <stdbool.h>
#define EMBER_SIMD_AVX512 1
#include "kernels/optimized/f32_simd_x86.h"
#include "kernels/optimized/f32_pool.inc"
#endif
