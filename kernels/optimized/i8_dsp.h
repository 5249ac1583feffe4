/* i8_dsp.h — int8 kernels for the DSP extension of the M-profile (Armv7E-M: Cortex-M4, M7;
 * Armv8-M Mainline: M33, M55), bit for bit the portable cortex_m:: kernels (CMSIS-NN's
 * arithmetic, requant.h). Like every microcontroller kernel (i8_mcu.h) they read the weights
 * where they lie and ask for no memory beyond a little stack.
 *
 *   i8_dsp_isa.gemm  i8_mcu.h's GEMM under its convolution and linear drivers: one row of A and
 *       four channels at a time, four bytes of K per step: the row's word split once into its
 *       even and odd bytes as two pairs of int16 (SXTB16, SXTB16 with ROR #8), each channel's
 *       word the same, two dual 16-bit multiply-adds (SMLAD) per channel into its int32 sum
 *       (wrapping, as the portable sums do); the K tail one byte at a time; each sum requantized
 *       by requant.h. The loop is inline assembly: the compiler neither folds the rotation into
 *       SXTB16 nor keeps the five pointers and four sums in registers.
 *   i8_dsp_isa.channel_sums  bias + in_off sum(w) the same way (SMLAD with ones).
 *   i8_dsp_isa.dwconv2d  depthwise, any depth multiplier, weights (1, kh, kw, C): per pixel,
 *       four channels per word of weights, its even and odd bytes as int16 pairs (SXTB16), each
 *       product added to its channel's sum (SMLABB, SMLATT), the input four bytes in a row the
 *       same way (depth multiplier 1) or one byte in both halves (a multiplier that 4 divides);
 *       other multipliers one channel at a time. Pixels whose window lies inside the input
 *       start from bias + in_off sum(w) and add x w, the others from the bias and add
 *       (x + in_off) w over the taps inside (SADD16: |x + in_off| < 2^15).
 *   i8_quantize__dsp  float32 -> int8 per tensor (op_quant.c) in single precision on the FPU
 *       the M4F and M7 have beside the DSP extension (the portable kernel's double arithmetic is
 *       libgcc calls there): one float product (NaN: 0), clamped to
 *       [qmin - zp, qmax - zp] (integers: the same result as clamping after rounding), rounded
 *       to nearest even by adding and taking away 1.5 * 2^23, converted, zp added; for
 *       inv < 2^125 only, as Helium's (a subnormal x gives 0 whether or not the FPU flushes it).
 *
 * Unaligned words are read with LDR (the M4, M7 and M33 allow it unless the firmware traps
 * unaligned access: CCR.UNALIGN_TRP, off at reset). EMBER_HAVE_DSP (i8_mcu.h): the build targets
 * such a core; the ops use the kernels when ember_kernel_cpu_features() has EMBER_CPU_DSP and
 * not EMBER_CPU_HELIUM (whose kernels go first where both are). */
#ifndef EMBER_I8_DSP_H
#define EMBER_I8_DSP_H

#include "kernels/optimized/i8_mcu.h"

/* A single-precision FPU beside the DSP extension (the M4F, the M7). */
#if EMBER_HAVE_DSP && defined(__ARM_FP) && (__ARM_FP & 4)
#define EMBER_HAVE_DSP_FP 1
#else
#define EMBER_HAVE_DSP_FP 0
#endif

#if EMBER_HAVE_DSP
extern const i8_mcu_isa i8_dsp_isa;
#endif
#if EMBER_HAVE_DSP_FP
/* x (n) float32 -> out (n) int8: zp in [-128, 127], qmin <= qmax in [-128, 127]. */
void i8_quantize__dsp(const float* x, int8_t* out, int32_t n, float inv, int32_t zp,
                      int32_t qmin, int32_t qmax);
#endif

#endif /* EMBER_I8_DSP_H */
