/* i8_conv.h — fast int8 2-D convolutions on channels-last (NHWC) tensors, bit for bit the
 * portable cortex_m::quantized_conv2d / quantized_depthwise_conv2d (CMSIS-NN's arithmetic):
 *
 *   out[b][oy][ox][co] = clamp(requantize(acc, mult[co], shift[co]) + out_off, lo, hi)
 *   acc = bias[co] + sum over the taps inside the input of (in[b][iy][ix][ci] + in_off) w(...)
 *
 * with iy = oy sh - ph + ky dh, ix = ox sw - pw + kx dw, sums wrapping in 32 bits.
 *
 *   i8_conv2d_run   groups 1, weights (Cout, kh, kw, Cin): a packed GEMM of i8_gemm.h with
 *       A = the output pixels' patches (im2col rows of kh kw Cin bytes, built per block of rows
 *       on the stack by i8_gemm_rows) and c[co] = bias[co] +
 *       in_off sum(w[co]): a tap outside the input reads -in_off (the input's zero point), whose
 *       product with in_off added is zero: the same sum. Weights packed by i8_conv2d_pack for
 *       that GEMM (i8_gemm_pick); patches up to I8_ROWS_BYTES (i8_conv2d_fits).
 *   i8_dwconv2d__avx512 / __avx512vnni   depthwise, depth multiplier 1, weights
 *       (1, kh, kw, Cout): 32 output channels at a time, the taps taken in pairs as 16-bit
 *       values (vpmaddwd: x0 w0 + x1 w1 per channel, which fits 32 bits; vpdpwssd with VNNI),
 *       row by row; the sums start from bias + in_off sum(w) and add x w, a tap outside the
 *       input reading -in_off, whose term then is zero. 3x3 stride-1 windows inside the input
 *       slide along the row: each input column is loaded and paired once for three pixels.
 *       Weights packed by i8_dwconv2d_pack: a flag (every shift negative: i8_rq_fast; 16
 *       int32), then per block of 32 channels I8_DW_BLOCK_WORDS(pairs) int32: per pair of taps
 *       two halves of 16 lanes, each lane two int16 (the pair's taps, i8_dw_pair_tap; 0 past
 *       the last tap), half 0 lane l holding channel 8 (l / 4) + l % 4, half 1 that + 4 (the
 *       order vpunpcklwd / vpunpckhwd leave the inputs in); then per half bias + in_off sum(w),
 *       the multipliers, the shifts, and the constants of i8_requantize16_fast when the flag is
 *       set.
 *
 * Both write the output pixels [p0, p1) of the flattened (b, oy, ox) range, so threads may split
 * it. */
#ifndef EMBER_I8_CONV_H
#define EMBER_I8_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/optimized/i8_gemm.h"

typedef struct i8_conv_shape {
    int64_t n, h, w, cin, ho, wo, cout;
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
    int64_t dm; /* depthwise: output channels per input channel */
    int32_t in_off, out_off, lo, hi;
} i8_conv_shape;

size_t i8_conv2d_pack_bytes(const i8_conv_shape* s);
/* w (Cout, kh, kw, Cin), bias (Cout) or NULL, mult / shift (Cout); unsigned_a: as
 * i8_gemm_pick said for the GEMM that will run. */
void i8_conv2d_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                    const int32_t* mult, const int32_t* shift, int unsigned_a);
bool i8_conv2d_fits(const i8_conv_shape* s);
/* The patches of the output pixels [p, p + m) of the flattened (b, oy, ox) range, one per row
 * of dst at stride ld: kh kw runs of Cin bytes, -in_off (the input's zero point) for taps
 * outside the input. */
void i8_conv2d_patches(const i8_conv_shape* s, const int8_t* in, int64_t p, int64_t m,
                       int8_t* dst, int64_t ld);
void i8_conv2d_run(const i8_conv_shape* s, i8_gemm_fn gemm, int unsigned_a, const int8_t* in,
                   const void* packed, int8_t* out, int64_t p0, int64_t p1);

#define I8_DW_BLOCK_WORDS(pairs) ((pairs) * 32 + 96 + 2 * I8_RQ_WORDS)
/* The tap in slot u (0: low, 1: high) of pair p, kh kw (none) past the last: taps 2p and 2p + 1,
 * but for 3x3 windows by columns (0, 3), (1, 4), (2, 5), (6, 7), (8, none), so that the pairs of
 * the first two rows of a column serve the three pixels that share it. */
static inline int64_t i8_dw_pair_tap(const i8_conv_shape* s, int64_t p, int u)
{
    static const int8_t by_column[5][2] = {{0, 3}, {1, 4}, {2, 5}, {6, 7}, {8, 9}};
    if (s->kh == 3 && s->kw == 3) return by_column[p][u];
    return 2 * p + u;
}
size_t i8_dwconv2d_pack_bytes(const i8_conv_shape* s);
/* w (1, kh, kw, Cout), bias (Cout) or NULL, mult / shift (Cout). */
void i8_dwconv2d_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                      const int32_t* mult, const int32_t* shift);

typedef void (*i8_dw_fn)(const i8_conv_shape* s, const int8_t* in, const void* packed,
                         int8_t* out, int64_t p0, int64_t p1);
/* The fastest depthwise kernel the features allow (all read i8_dwconv2d_pack's layout), or
 * NULL (inline where the build has no fast kernel: I8_HAVE_FAST). */
#if EMBER_HAVE_X86_KERNELS
i8_dw_fn i8_dwconv2d_pick(uint64_t features);
#else
static inline i8_dw_fn i8_dwconv2d_pick(uint64_t features) { (void)features; return NULL; }
#endif

/* i8_dw3x3__avx512vnni: depthwise 3x3, dilation 1, column stride 1 or 2 (any row stride), 64
 * channels at a time: each input column's three rows interleaved into byte quads (vpunpck*:
 * quad vector j, lane 4 L + i, holds channel 16 L + 4 j + i), one vpdpbusd per column and 16
 * channels; a column built once serves every pixel whose window holds it. Weights packed by
 * i8_dw3x3_pack: a flag (every shift negative: i8_rq_fast; 16 int32), then per block of 64
 * channels I8_DW3X3_BLOCK_WORDS int32: per column kx and quad j 16 lanes of the bytes (w[0][kx],
 * w[1][kx], w[2][kx], 0) of the lane's channel; then per quad bias + (in_off - 128) sum(w) (the
 * input read unsigned), the multipliers, the shifts, and the constants of
 * i8_requantize16_fast (when the flag is set). i8_dw3x3_pick: the kernel when the features
 * and the shape allow it (and the channels fill a block: fewer are faster 32 at a time,
 * i8_dwconv2d_pick's), else NULL. */
#define I8_DW3X3_BLOCK_WORDS (384 + 4 * I8_RQ_WORDS)
#if EMBER_HAVE_X86_KERNELS
i8_dw_fn i8_dw3x3_pick(uint64_t features, const i8_conv_shape* s);
#else
static inline i8_dw_fn i8_dw3x3_pick(uint64_t features, const i8_conv_shape* s)
{
    (void)features, (void)s;
    return NULL;
}
#endif
size_t i8_dw3x3_pack_bytes(const i8_conv_shape* s);
void i8_dw3x3_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                   const int32_t* mult, const int32_t* shift);

#if EMBER_HAVE_X86_KERNELS
/* The features i8_dwconv2d__avx512 and __avx512vnni are compiled for. */
#define I8_DWCONV_FEATURES_AVX512                                                               \
    (EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512BW) |                     \
     EMBER_CPU_BIT(EMBER_CPU_AVX512VL))
#define I8_DWCONV_FEATURES_AVX512VNNI                                                           \
    (I8_DWCONV_FEATURES_AVX512 | EMBER_CPU_BIT(EMBER_CPU_AVX512_VNNI))
void i8_dwconv2d__avx512(const i8_conv_shape* s, const int8_t* in, const void* packed,
                         int8_t* out, int64_t p0, int64_t p1);
void i8_dwconv2d__avx512vnni(const i8_conv_shape* s, const int8_t* in, const void* packed,
                             int8_t* out, int64_t p0, int64_t p1);
void i8_dw3x3__avx512vnni(const i8_conv_shape* s, const int8_t* in, const void* packed,
                          int8_t* out, int64_t p0, int64_t p1);
#endif

#endif /* EMBER_I8_CONV_H */
