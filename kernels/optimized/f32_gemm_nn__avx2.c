/* f32_gemm_nn__avx2.c — the f32_gemm_nn.h variants for AVX2 + FMA: the template f32_gemm_nn.inc
 * over f32_simd_x86.h with 6x16 tiles (12 ymm accumulators: 6 rows x 2 vectors of 8 columns,
 * 2 vectors of the packed b strip and one broadcast: 15 of the 16 registers) and the blocks
 * below; pack_bt and pack_a transpose 8x8 blocks in registers (24 shuffles). */
#include "kernels/optimized/f32_gemm_nn.h"

#if EMBER_HAVE_X86_KERNELS
#define EMBER_SIMD_AVX2 1
#include "kernels/optimized/f32_simd_x86.h"

#define MR 6
#define KC 192
#define MC 132 /* 22 strips of 6 */
#define NC 208 /* (MC + NC) * KC * 4 = 255 KiB */

/* r[c] = column c of the 8x8 block whose rows were r[0..8). */
TARGET INLINE void vtranspose(vf r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 2; g++) { /* u[4g + q], 128-bit lane L: rows 4g..4g+3, column 4L + q */
        u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
        u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xee);
        u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
        u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xee);
    }
    for (int q = 0; q < 4; q++) {
        r[q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x20);
        r[4 + q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x31);
    }
}

#include "kernels/optimized/f32_gemm_nn.inc"
_Static_assert(NR == F32_GEMM_NN_NR_AVX2, "f32_gemm_nn.h states the strip width");
#endif /* EMBER_HAVE_X86_KERNELS */
