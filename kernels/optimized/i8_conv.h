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
 *       on the stack; read in place for 1x1, stride 1, no padding) and c[co] = bias[co] +
 *       in_off sum(w[co]): a tap outside the input reads -in_off (the input's zero point), whose
 *       product with in_off added is zero: the same sum. Weights packed by i8_conv2d_pack for
 *       that GEMM (i8_gemm_pick); patches up to 96 KiB (i8_conv2d_fits).
 *   i8_dwconv2d__avx512     depthwise, depth multiplier dm, weights (1, kh, kw, Cout): 16 output
 *       channels per vector, the taps inside the input only, 32-bit products. Weights packed by
 *       i8_dwconv2d_pack (int32, Cout rounded up to 16, per tap; then bias, mult, shift).
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
void i8_conv2d_run(const i8_conv_shape* s, i8_gemm_fn gemm, const int8_t* in,
                   const void* packed, int8_t* out, int64_t p0, int64_t p1);

size_t i8_dwconv2d_pack_bytes(const i8_conv_shape* s);
/* w (1, kh, kw, Cout), bias (Cout) or NULL, mult / shift (Cout). */
void i8_dwconv2d_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                      const int32_t* mult, const int32_t* shift);

#if EMBER_HAVE_X86_KERNELS
/* The features i8_dwconv2d__avx512 is compiled for. */
#define I8_DWCONV_FEATURES_AVX512                                                               \
    (EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512BW) |                     \
     EMBER_CPU_BIT(EMBER_CPU_AVX512VL))
void i8_dwconv2d__avx512(const i8_conv_shape* s, const int8_t* in, const void* packed,
                         int8_t* out, int64_t p0, int64_t p1);
#endif

#endif /* EMBER_I8_CONV_H */
