/* requant.h — integer requantization with CMSIS-NN's arithmetic (arm_nn_requantize without
 * CMSIS_NN_USE_SINGLE_ROUNDING), shared by the int8 kernels (op_qlinear.c and those to come):
 *
 *   r = divide_by_power_of_two(doubling_high_mult(v * 2^max(shift, 0), multiplier), max(-shift, 0))
 *
 *   doubling_high_mult(a, m)   (a * m + 2^30) >> 31, in 64 bits, no saturation
 *   divide_by_power_of_two(x, e)   x >> e rounded to nearest: the remainder x & (2^e - 1) above
 *                                  half (above half minus one for a negative quotient) adds one
 *
 * `v * 2^shift` is an int32 product in CMSIS-NN (overflow is undefined there and wraps on Arm
 * cores); here it wraps explicitly, the same bits. multiplier is a Q31 value in [0, 2^31),
 * shift in [-31, 30] (the op's prepare checks both). ExecuTorch's Python reference
 * (backends/cortex_m/passes/passes_utils.py: requantize_cmsis) computes the same. */
#ifndef EMBER_REQUANT_H
#define EMBER_REQUANT_H

#include <stdint.h>

static inline int32_t ember_requantize(int32_t v, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0, right = shift < 0 ? -shift : 0;
    const int32_t a = (int32_t)((uint32_t)v << left); /* int32 product, wrapping */
    /* the product and the rounding constant fit int64; >> of a negative value is arithmetic on
     * every compiler Ember supports (C leaves it implementation-defined) */
    const int32_t x = (int32_t)(((int64_t)a * (int64_t)multiplier + ((int64_t)1 << 30)) >> 31);
    if (right == 0) return x;
    const int32_t mask = (int32_t)(((uint32_t)1 << right) - 1u);
    const int32_t rem = x & mask;
    int32_t q = x >> right, threshold = mask >> 1;
    if (q < 0) threshold++;
    if (rem > threshold) q++;
    return q;
}

/* The int8 output of an int32 sum: requantize, add the output offset in 32 bits wrapping as
 * CMSIS-NN's int32 addition does on Arm cores (C's signed overflow would be undefined: reached
 * only by extreme multipliers and shifts, which a file may hold), clamp to [lo, hi]. */
static inline int8_t ember_requantize_clamp(int32_t v, int32_t multiplier, int32_t shift,
                                            int32_t out_off, int32_t lo, int32_t hi)
{
    const int32_t r = (int32_t)((uint32_t)ember_requantize(v, multiplier, shift) + (uint32_t)out_off);
    return (int8_t)(r < lo ? lo : (r > hi ? hi : r));
}

#endif /* EMBER_REQUANT_H */
