/* f32_gemm_nn__avx512.c — the f32_gemm_nn.h variants for AVX512F + VL + DQ + FMA: the template
 * f32_gemm_nn.inc over f32_simd_x86.h with 12x32 tiles (24 zmm accumulators: 12 rows x 2
 * vectors of 16 columns, 24 FMAs per k step) and the blocks below; pack_bt and pack_a transpose
 * 16x16 blocks in registers (64 shuffles per 256 floats). */
#include "kernels/optimized/f32_gemm_nn.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX512 1
#include "kernels/optimized/f32_simd_x86.h"

#define MR 12
#define KC 192
#define MC 132 /* 11 strips of 12: a 128-token forward packs a once per column block */
#define NC 192 /* (MC + NC) * KC * 4 = 243 KiB */

#include "kernels/optimized/f32_gemm_nn.inc"
_Static_assert(NR == F32_GEMM_NN_NR_AVX512, "f32_gemm_nn.h states the strip width");
_Static_assert(KC % 32 == 0, "f32_qlinear.inc packs int4 weights 32 k at a time from block starts");
#endif /* EMBER_HAVE_X86_KERNELS */
