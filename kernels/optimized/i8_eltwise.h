/* i8_eltwise.h — fast int8 elementwise kernels, bit for bit op_qelementwise.c's loops
 * (CMSIS-NN's arithmetic, requant.h), 16 elements per AVX-512 vector:
 *
 *   i8_add__avx512   cortex_m::quantized_add: each operand (x - zp) << 20 requantized to the
 *                    common scale, the sum requantized to the output, + zero point, clamped.
 *   i8_quantize__avx512  float32 -> int8 per tensor (op_quant.c's quantize_one): x * inv in
 *                    float, rounded to nearest even, NaN to the zero point, + zero point,
 *                    clamped to [qmin, qmax] (compared before the add, in float: the same
 *                    results for the integral values involved).
 *
 * Elements [i0, i1) of one flat run (the operands and out share one layout), so threads may
 * split it. */
#ifndef EMBER_I8_ELTWISE_H
#define EMBER_I8_ELTWISE_H

#include <stdint.h>

#include "ember/ember.h"
#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

typedef struct i8_add_params {
    int32_t x_zp, x_mult, x_shift, y_zp, y_mult, y_shift, out_zp, out_mult, out_shift, lo, hi;
} i8_add_params;

#if EMBER_HAVE_X86_KERNELS
#define I8_ELTWISE_FEATURES_AVX512                                                              \
    (EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512BW) |                     \
     EMBER_CPU_BIT(EMBER_CPU_AVX512VL))
void i8_add__avx512(const i8_add_params* p, const int8_t* x, const int8_t* y, int8_t* out,
                    int64_t i0, int64_t i1);
void i8_quantize__avx512(const float* x, int8_t* out, int64_t i0, int64_t i1, float inv,
                         int32_t zp, int32_t qmin, int32_t qmax);
#endif

#endif /* EMBER_I8_ELTWISE_H */
