/* i8_helium.h — int8 kernels for Arm Helium (MVE, Armv8.1-M: Cortex-M55, M85), bit for bit the
 * portable cortex_m:: kernels (CMSIS-NN's arithmetic, requant.h). They read the weights where
 * they lie (flash on a microcontroller): nothing is packed at load, no memory is asked for beyond
 * a little stack (I8_HELIUM_STACK_BYTES at most).
 *
 *   i8_gemm__helium   C[m][n] = clamp(requantize(sum_k A[m][k] B[n][k] + c[n], mult[n],
 *       shift[n]) + out_off, lo, hi), B (N, K) row-major as the file has it; c[n] what the op adds
 *       to the plain dot products (i8_helium_channel_sums: bias + in_off sum_k B[n][k], the same
 *       wrapping 32-bit sum as (x + in_off) . w + bias). One row of A and four channels at a
 *       time: each 16 bytes of A loaded once for four VMLADAVA (16 multiply-adds each into a
 *       scalar sum), the K tail predicated; the four sums requantized together as one vector
 *       (i8_helium_requantize4: VQRDMULH is CMSIS-NN's doubling high multiply for multipliers >= 0,
 *       and a rounding shift of the value less one where it is negative its round-half-away).
 *   i8_linear__helium  cortex_m::quantized_linear with filter_offset 0: the GEMM above with
 *       c = kernel_sum, or bias + in_off sum_k w (computed 64 channels at a time on the stack),
 *       one multiplier and shift for all.
 *   i8_conv2d__helium  groups 1, weights (Cout, kh, kw, Cin): the GEMM above on the input's
 *       pixels (1x1, stride 1, no padding) or on patches of kh kw Cin bytes built on the stack
 *       (a tap outside the input reads -in_off, whose term is then zero), at most
 *       I8_HELIUM_PATCH_BYTES of them at a time (i8_conv2d_helium_fits: one patch must fit).
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
 * All take the output pixels of the flattened (n, ho, wo) range whole. EMBER_HAVE_HELIUM: the
 * build targets a core with Helium's integer instructions (-mcpu=cortex-m55); the ops use the
 * kernels when ember_kernel_cpu_features() has EMBER_CPU_HELIUM (a test masks it off to run the
 * portable loops in the same image). */
#ifndef EMBER_I8_HELIUM_H
#define EMBER_I8_HELIUM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels/optimized/i8_conv.h"
#include "kernels/optimized/i8_eltwise.h"
#include "kernels/optimized/i8_pool.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define EMBER_HAVE_HELIUM 1
#else
#define EMBER_HAVE_HELIUM 0
#endif
/* Helium's floating-point instructions too (MVE-F: the M55's default) */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#define EMBER_HAVE_HELIUM_FP 1
#else
#define EMBER_HAVE_HELIUM_FP 0
#endif

/* Patches on the stack per block, and the channel constants kept there (int32 each). */
#define I8_HELIUM_PATCH_BYTES 1024
#define I8_HELIUM_CHANNELS 64
#define I8_HELIUM_STACK_BYTES (I8_HELIUM_PATCH_BYTES + 4 * I8_HELIUM_CHANNELS + 256)

typedef struct i8_helium_gemm {
    int32_t m, n, k;
    const int8_t* a;     /* (m, k) at row stride lda */
    int32_t lda;
    const int8_t* b;     /* (n, k) row-major */
    const int32_t* c;    /* (n): added to each dot product */
    const int32_t* mult; /* (n) with step 1, (1) with step 0 */
    const int32_t* shift;
    int32_t step;
    int8_t* out;         /* (m, n) at row stride ldc */
    int32_t ldc;
    int32_t out_off, lo, hi;
} i8_helium_gemm;

/* Whether i8_conv2d__helium takes the shape: 1x1 stride 1 without padding (the input's pixels
 * are the patches), or one patch fits its stack block. */
static inline bool i8_conv2d_helium_fits(const i8_conv_shape* s)
{
    const bool dense = s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 &&
                       s->pw == 0;
    return dense || s->kh * s->kw * s->cin <= I8_HELIUM_PATCH_BYTES;
}

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
/* c[j] = bias[j] (0 when bias is NULL) + in_off * sum_k b[j][k], wrapping, for j < n. */
void i8_helium_channel_sums(const int8_t* b, int32_t n, int32_t k, const int32_t* bias,
                            int32_t in_off, int32_t* c);
void i8_gemm__helium(const i8_helium_gemm* g);
/* x (rows, k), w (n, k), out (rows, n); ksum (n) or NULL, then bias (n) or NULL. */
void i8_linear__helium(const int8_t* x, int32_t rows, int32_t k, const int8_t* w, int32_t n,
                       const int32_t* bias, const int32_t* ksum, int32_t in_off, int32_t mult,
                       int32_t shift, int32_t out_off, int32_t lo, int32_t hi, int8_t* out);
/* w (Cout, kh, kw, Cin), bias (Cout) or NULL, mult / shift (Cout). */
void i8_conv2d__helium(const i8_conv_shape* s, const int8_t* in, const int8_t* w,
                       const int32_t* bias, const int32_t* mult, const int32_t* shift,
                       int8_t* out);
/* w (1, kh, kw, C), s->cin == s->cout, bias (C) or NULL, mult / shift (C). */
void i8_dwconv2d__helium(const i8_conv_shape* s, const int8_t* in, const int8_t* w,
                         const int32_t* bias, const int32_t* mult, const int32_t* shift,
                         int8_t* out);
#endif

#endif /* EMBER_I8_HELIUM_H */
