/* i8_pool.h — fast int8 max pooling on channels-last (NHWC) bytes, bit for bit
 * cortex_m::quantized_max_pool2d's portable loop (op_qpool.c): each output is the largest input
 * in its window clipped to the input, clamped to [lo, hi]; 64 channels per AVX-512 BW vector.
 * Writes the output pixels [p0, p1) of the flattened (n, oh, ow) range. */
#ifndef EMBER_I8_POOL_H
#define EMBER_I8_POOL_H

#include <stdint.h>

#include "ember/ember.h"
#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

typedef struct i8_pool_shape {
    int64_t n, h, w, c, oh, ow;
    int64_t kh, kw, sh, sw, ph, pw;
    int32_t lo, hi;
} i8_pool_shape;

#if EMBER_HAVE_X86_KERNELS
#define I8_POOL_FEATURES_AVX512 (EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512BW))
void i8_maxpool2d__avx512(const i8_pool_shape* s, const int8_t* in, int8_t* out, int64_t p0,
                          int64_t p1);
#endif

#endif /* EMBER_I8_POOL_H */
