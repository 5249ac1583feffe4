/* f32_conv_wino.h — Winograd F(2x2, 3x3) fp32 convolution (internal; x86 AVX-512 and AVX2):
 * a 3x3, stride 1, undilated, ungrouped convolution computed as 2x2 output tiles, each from a
 * 4x4 input patch with 16 products per input channel instead of 36 (2.25x fewer multiplies):
 *
 *   out tile (2x2) = A^T [ sum over ci of U[ci] . V[ci] ] A    (. : element-wise, 4x4)
 *   U = G w G^T  (the weight, transformed once at load by `pack`)
 *   V = B^T d B  (each 4x4 input patch d, at rows 2ty - ph.., columns 2tx - pw..)
 *
 * so the sums are 16 GEMMs, M[xi] (Co, tiles) = U[xi] (Co, Ci) @ V[xi] (Ci, tiles), one per
 * position xi of the 4x4 transformed patch.
 *
 * Use (op_conv.c's prepare picks, its run calls):
 *
 *     f32_conv_wino wino;
 *     if (f32_conv2d_wino_fits(&s) && f32_conv_wino_pick(ember_kernel_cpu_features(), &wino)) {
 *         // at load: packed = 64-byte aligned, wino.packed_bytes(&s) bytes, the caller's
 *         wino.pack(packed, w, &s);
 *         // at each run:
 *         st = wino.run(out, in, packed, bias, &s, lo, hi, pool);
 *     }
 *
 * Layout: in (N, Ci, H, W), out (N, Co, Ho, Wo) NCHW, w (Co, Ci, 3, 3); Ho = H + 2 ph - 2,
 * Wo = W + 2 pw - 2 (odd sizes: the last tile row / column is partial). out must not overlap
 * in, packed or bias. Every output is clamp(sum + bias, lo, hi) (bias may be NULL; the clamp
 * keeps NaN, as the GEMM's epilogue does).
 *
 * Numbers: the sums are those of the direct convolution rearranged through the transforms,
 * so an output's error is bounded relative to the magnitudes in its tile's 4x4 patch, not to
 * its own terms (tests/c/test_conv_wino.c states the bound and prints ResNet-18's errors: no
 * larger than the portable kernel's, relative to the largest output).
 * A NaN or infinity in the input reaches all four outputs of every tile whose 4x4 patch holds
 * it (an infinity may become NaN: inf - inf in B^T d B), where the direct convolution touches
 * only the outputs whose 3x3 window holds it. packed must come from the same variant's pack
 * for the same shape (the layout depends on both).
 *
 * Work and memory (f32_conv_wino.inc has the details): the tiles t = ty * TW + tx (TW =
 * ceil(Wo / 2)) of a plane; with more than 64 of them, strips of NR = 2 vectors of tiles (32 for
 * AVX-512, 16 for AVX2) fill the vector lanes and the weight is broadcast along output channels
 * in MR-row strips (12x32 GEMM tiles for AVX-512, 6x16 for AVX2); with at most 64 (ResNet's
 * 14x14 and 7x7 maps: 49 and 16) the product is transposed: lanes along NR output channels,
 * broadcasts along the tiles. Each task (a block of output channels, an image and, for strips,
 * one strip) transforms its patches for a block of input channels straight into the GEMM's
 * layout (V), multiplies them by the packed weight (whose panels lie in the order a task reads
 * them, the next one prefetched) accumulating M, and after the last block transforms M into
 * the outputs. Scratch is on the task's stack: at most F32_CONV_WINO_SCRATCH_BYTES (384 KiB)
 * per call per thread, checked at compile time, so a thread calling run needs that much stack
 * beyond its own (pool threads have 8 MiB); no malloc. Tasks never share outputs and each
 * output is summed in the same order whichever thread runs it and however many there are (the
 * input channel blocks are fixed by the shape), so 1 and N threads give the same bytes. The
 * weight packing (`pack`) is plain C, about 16 x Ci x Co x 20 operations, once at load.
 *
 * packed_bytes(s) is 16 x Ci x Co rounded up to the variant's strips x 4 bytes (0 if that
 * overflows a size_t): 16/9 of the weight, or more for a few channels: ResNet-18's 512 x 512
 * layers take 16 MiB each. */
#ifndef EMBER_F32_CONV_WINO_H
#define EMBER_F32_CONV_WINO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/optimized/f32_conv.h"

#define F32_CONV_WINO_SCRATCH_BYTES (384 * 1024)

/* Whether Winograd runs s: kh == kw == 3, stride 1, dilation 1, groups 1, 0 <= ph, pw <= 2,
 * Ho = H + 2 ph - 2 >= 1 and Wo likewise, and where it pays over f32_conv2d_gemm (the rule and
 * the measurements behind it: f32_conv_wino.c). */
bool f32_conv2d_wino_fits(const f32_conv2d_shape* s);

#if EMBER_HAVE_X86_KERNELS
typedef struct f32_conv_wino {
    /* bytes of the transformed weight for s (this variant's layout) */
    size_t (*packed_bytes)(const f32_conv2d_shape* s);
    /* writes the transformed weight of w (Co, Ci, 3, 3) into dst (64-byte aligned,
     * packed_bytes(s) bytes); called once at method load, single-threaded. */
    void (*pack)(float* restrict dst, const float* restrict w, const f32_conv2d_shape* s);
    /* the convolution from the packed weight: out = clamp(conv(in, w) + bias, lo, hi), bias
     * may be NULL; splits over pool (may be NULL) so that 1 and N threads give the same bytes.
     * s must have the shape f32_conv2d_wino_fits asks for (3x3, stride 1, ...), any Ci, Co.
     * Returns ember_parallel_for's status (EMBER_OK: the tasks cannot fail). */
    ember_status (*run)(float* restrict out, const float* restrict in,
                        const float* restrict packed, const float* restrict bias,
                        const f32_conv2d_shape* s, float lo, float hi, ember_threadpool* pool);
} f32_conv_wino;

/* The best variant for `features` (ember_kernel_cpu_features()): the AVX-512 one needs
 * EMBER_FEATURES_X86_AVX512, the AVX2 one EMBER_FEATURES_X86_AVX2; false when none. */
bool f32_conv_wino_pick(uint64_t features, f32_conv_wino* out);

/* ---- shared by the variants (f32_conv_wino.c) ------------------------------------------ */

/* The packed weight in strips of mr output channels, blocks of kc input channels: for each
 * block of input channels k0.. (kn = min(kc, Ci - k0) of them), for each xi = 0..15 (the 4x4
 * position, row-major), for each strip, a panel of kn x mr floats, ci-major; rows past Co zero:
 * dst[k0 * 16 * strips * mr + ((xi * strips + co / mr) * kn + ci - k0) * mr + co % mr]
 *   = (G w[co][ci] G^T)[xi], strips = ceil(Co / mr); f32_conv_wino_packed_bytes_mr bytes
 * (0 when that overflows a size_t). */
size_t f32_conv_wino_packed_bytes_mr(const f32_conv2d_shape* s, int mr);
void f32_conv_wino_pack_mr(float* restrict dst, const float* restrict w,
                           const f32_conv2d_shape* s, int mr, int64_t kc);

size_t f32_conv_wino_packed_bytes__avx512(const f32_conv2d_shape* s);
void f32_conv_wino_pack__avx512(float* restrict dst, const float* restrict w,
                                const f32_conv2d_shape* s);
ember_status f32_conv_wino_run__avx512(float* restrict out, const float* restrict in,
                                       const float* restrict packed, const float* restrict bias,
                                       const f32_conv2d_shape* s, float lo, float hi,
                                       ember_threadpool* pool);
size_t f32_conv_wino_packed_bytes__avx2(const f32_conv2d_shape* s);
void f32_conv_wino_pack__avx2(float* restrict dst, const float* restrict w,
                              const f32_conv2d_shape* s);
ember_status f32_conv_wino_run__avx2(float* restrict out, const float* restrict in,
                                     const float* restrict packed, const float* restrict bias,
                                     const f32_conv2d_shape* s, float lo, float hi,
                                     ember_threadpool* pool);
#endif /* EMBER_HAVE_X86_KERNELS */

#endif /* EMBER_F32_CONV_WINO_H */
