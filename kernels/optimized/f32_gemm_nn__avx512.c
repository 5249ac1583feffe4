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

/* r[c] = column c of the 16x16 block whose rows were r[0..16). */
TARGET INLINE void vtranspose(vf r[16])
{
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* u[4g + q], 128-bit lane L: rows 4g..4g+3 at column 4L + q */
    for (int g = 0; g < 4; g++) {
        const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
        const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
        u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    for (int q = 0; q < 4; q++) {
        const __m512 x = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88);  /* lanes 0 2 | 0 2 */
        const __m512 y = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xdd);  /* lanes 1 3 | 1 3 */
        const __m512 x2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88);
        const __m512 y2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xdd);
        r[q] = _mm512_shuffle_f32x4(x, x2, 0x88);
        r[4 + q] = _mm512_shuffle_f32x4(y, y2, 0x88);
        r[8 + q] = _mm512_shuffle_f32x4(x, x2, 0xdd);
        r[12 + q] = _mm512_shuffle_f32x4(y, y2, 0xdd);
    }
}

#include "kernels/optimized/f32_gemm_nn.inc"
_Static_assert(NR == F32_GEMM_NN_NR_AVX512, "f32_gemm_nn.h states the strip width");
#endif /* EMBER_HAVE_X86_KERNELS */
