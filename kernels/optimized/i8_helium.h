/* i8_helium.h — int8 kernels for Arm Helium (MVE, Armv8.1-M: Cortex-M55, M85), bit for bit the
 * portable cortex_m:: kernels (CMSIS-NN's arithmetic, requant.h). Like every microcontroller
 * kernel (i8_mcu.h) they read the weights where they lie and ask for no memory beyond a little
 * stack.
 *
 *   i8_helium_isa.gemm  i8_mcu.h's GEMM under its convolution and linear drivers: one row of A
 *       and four channels at a time: each 16 bytes of A loaded once for four VMLADAVA (16
 *       multiply-adds each into a scalar sum), the K tail predicated; the four sums requantized
 *       together as one vector (i8_helium_requantize4: VQRDMULH is CMSIS-NN's doubling high
 *       multiply for multipliers >= 0, and a rounding shift of the value less one where it is
 *       negative its round-half-away); the channel sums by VADDVA.
 *   i8_dwconv2d__helium  depthwise, any depth multiplier, weights (1, kh, kw, C): per pixel,
 *       blocks of 16 channels whose four int32 sums stay in registers over the window (depth
 *       multiplier 1: 16-bit lanes, VMULLB / VMULLT widening the products; a multiplier 16
 *       divides: one input byte times the weights, VMLA by a scalar; both inline assembly),
 *       the other channels four at a time (their inputs gathered); pixels whose window lies
 *       inside the input start from bias + in_off sum(w) and add x w, the others from the bias
 *       and add (x + in_off) w over the taps inside.
 *
 *   i8_avgpool2d__helium / i8_maxpool2d__helium  cortex_m:: average and max pools (op_qpool.c):
 *       16 channels per step, the window's bytes summed in int32 lanes (the average's division,
 *       rounding half away from zero, per channel: Helium has no vector divide; windows of up
 *       to I8_HELIUM_POOL_MAX_TAPS, whose sums fit 32 bits) or taken the largest of in bytes.
 *
 *   i8_add__helium  cortex_m::quantized_add of operands of one shape (op_qelementwise.c): each
 *       operand (x - zp) << 20 requantized to the common scale, the sum requantized, + the
 *       output zero point, clamped; four elements per vector (i8_helium_requantize4 holds for the
 *       negative multipliers of a subtraction: |(x - zp) << 20| < 2^28, no saturation).
 *   i8_quantize__helium  float32 -> int8 per tensor (op_quant.c), four floats per vector; for
 *       inv < 2^125 only: a subnormal x then quantizes to 0 whether or not the vector unit
 *       flushes subnormals to zero.
 *
 * All take the output pixels of the flattened (n, ho, wo) range whole. EMBER_HAVE_HELIUM (i8_mcu.h):
 * the build targets a core with Helium's integer instructions (-mcpu=cortex-m55); the ops use the
 * kernels when ember_kernel_cpu_features() has EMBER_CPU_HELIUM (a test masks it off to run the
 * DSP and the portable kernels in the same image). */
#ifndef EMBER_I8_HELIUM_H
#define EMBER_I8_HELIUM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels/optimized/i8_mcu.h"
#include "kernels/optimized/i8_eltwise.h"
#include "kernels/optimized/i8_pool.h"

#define I8_HELIUM_POOL_MAX_TAPS (1 << 23)

#if EMBER_HAVE_HELIUM
/* out[i] = quantized_add(x[i], y[i]) for i < n. */
void i8_add__helium(const i8_add_params* p, const int8_t* x, const int8_t* y, int8_t* out,
                    int32_t n);
#endif
#if EMBER_HAVE_HELIUM_FP
/* x (n) float32 -> out (n) int8: zp in [-128, 127], qmin <= qmax in [-128, 127]. */
void i8_quantize__helium(const float* x, int8_t* out, int32_t n, float inv, int32_t zp,
                         int32_t qmin, int32_t qmax);
#endif

#if EMBER_HAVE_HELIUM
#include <arm_mve.h>

/* CMSIS-NN's requantization (requant.h) of four int32 sums, the output offset added (wrapping)
 * and clamped: v << max(shift, 0) wrapping (VSHL), the doubling high multiply (VQRDMULH: for a
 * multiplier >= 0 it never saturates and rounds as (a m + 2^30) >> 31), then the division by
 * 2^max(-shift, 0) rounding half away from zero: a rounding shift (VRSHL, half up) of the value
 * less one where it is negative (saturating: INT32_MIN stays, and rounds to the same quotient). */
static inline __attribute__((always_inline)) int32x4_t
i8_helium_requantize4(int32x4_t v, int32x4_t mult, int32x4_t shift,
                                       int32x4_t out_off, int32x4_t lo, int32x4_t hi)
{
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t left = vmaxq_s32(shift, zero), neg_right = vminq_s32(shift, zero);
    int32x4_t x = vqrdmulhq_s32(vshlq_s32(v, left), mult);
    /* -1 where x < 0 and there is a right shift: neg_right's sign bit is set exactly then */
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, neg_right), 31));
    x = vaddq_s32(vrshlq_s32(x, neg_right), out_off);
    return vminq_s32(vmaxq_s32(x, lo), hi);
}

void i8_avgpool2d__helium(const i8_pool_shape* s, const int8_t* x, int8_t* y);
void i8_maxpool2d__helium(const i8_pool_shape* s, const int8_t* x, int8_t* y);
/* The GEMM, its channel sums and the depthwise convolution below (i8_mcu.h). */
extern const i8_mcu_isa i8_helium_isa;
/* w (1, kh, kw, C), s->cin == s->cout, bias (C) or NULL, mult / shift (C). */
void i8_dwconv2d__helium(const i8_conv_shape* s, const int8_t* in, const int8_t* w,
                         const int32_t* bias, const int32_t* mult, const int32_t* shift,
                         int8_t* out);
#endif

#endif /* EMBER_I8_HELIUM_H */
