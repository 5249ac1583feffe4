/* f32_rowops__avx2.c — vectorised fp32 activations, softmax and layer norm for AVX2 (see
 * f32_rowops.h); the code is the template f32_rowops.inc over f32_simd_x86.h. */
#include "kernels/optimized/f32_rowops.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX2 1
#include "kernels/optimized/f32_simd_x86.h"
#include "kernels/optimized/f32_rowops.inc"
#endif
