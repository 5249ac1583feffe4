/* i8_conv__avx512.c — the depthwise int8 convolution on AVX-512 F/BW/VL and on AVX-512 VNNI
 * (see i8_conv.h): one body (i8_dwconv_avx512.inc) compiled for each, every function carrying
 * its ISA's target attribute; i8_dwconv2d_pick checks the features first. */
#include "kernels/optimized/i8_conv.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>
#include <string.h>

#include "kernels/optimized/i8_simd_x86.h"

#define INLINE static inline __attribute__((always_inline))
#define DW_REG_PAIRS 5 /* up to 10 taps (3x3) keep their weights in registers */
#define DW_MAX_TAPS 64 /* windows with more taps take the border path everywhere */

/* AVX-512 BW: vpmaddwd, then the add */
#define DW_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
#define DW_NAME(x) x##_avx512
#define DW_DOT(acc, x, w) _mm512_add_epi32(acc, _mm512_madd_epi16(x, w))
#include "kernels/optimized/i8_dwconv_avx512.inc"
#undef DW_TARGET
#undef DW_NAME
#undef DW_DOT

/* AVX-512 VNNI: vpdpwssd does both */
#define DW_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define DW_NAME(x) x##_avx512vnni
#define DW_DOT(acc, x, w) _mm512_dpwssd_epi32(acc, x, w)
#include "kernels/optimized/i8_dwconv_avx512.inc"
#endif
