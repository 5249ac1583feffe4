/* f32_conv_dw__avx512.c — depthwise fp32 convolution for AVX512 (see f32_conv.h); the code is
 * the template f32_conv_dw.inc over the vector vocabulary of f32_simd_x86.h. */
#include "kernels/optimized/f32_conv.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX512 1
#include "kernels/optimized/f32_simd_x86.h"
#include "kernels/optimized/f32_conv_dw.inc"
#endif
