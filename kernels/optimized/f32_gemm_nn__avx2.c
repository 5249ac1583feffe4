/* f32_gemm_nn__avx2.c — the f32_gemm_nn.h variants for AVX2 + FMA: the template f32_gemm_nn.inc
 * over f32_simd_x86.h with 6x16 tiles (12 ymm accumulators: 6 rows x 2 vectors of 8 columns,
 * 2 vectors of the packed b strip and one broadcast: 15 of the 16 registers) and the blocks
 * below; pack_bt and pack_a transpose 8x8 blocks in registers (vtranspose, f32_simd_x86.h: 24
 * shuffles). */
#include "kernels/optimized/f32_gemm_nn.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX2 1
#include "kernels/optimized/f32_simd_x86.h"

#define MR 6
#define KC 192
#define MC 132 /* 22 strips of 6 */
#define NC 208 /* (MC + NC) * KC * 4 = 255 KiB */

#include "kernels/optimized/f32_gemm_nn.inc"
_Static_assert(NR == F32_GEMM_NN_NR_AVX2, "f32_gemm_nn.h states the strip width");
_Static_assert(KC % 32 == 0, "f32_qlinear.inc packs int4 weights 32 k at a time from block starts");
#endif /* EMBER_HAVE_X86_KERNELS */
