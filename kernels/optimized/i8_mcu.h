/* i8_mcu.h — the int8 convolution and linear drivers of the microcontroller kernels, shared by
 * every instruction set there (Helium: i8_helium.h; the DSP extension of Armv7E-M and
 * Armv8-M: i8_dsp.h). Each set brings a GEMM and its channel sums (i8_mcu_isa); the drivers
 * here feed it the rows and keep the channel constants on the stack. They read the weights
 * where they lie (flash on a microcontroller): nothing is packed at load, no memory is asked for
 * beyond a little stack (I8_MCU_STACK_BYTES at most). Sizes are int32: a microcontroller's
 * tensors are far below 2^31 bytes, and a 32-bit core spends several instructions on each
 * 64-bit index.
 *
 *   gemm   C[m][n] = clamp(requantize(sum_k A[m][k] B[n][k] + c[n], mult[n], shift[n]) +
 *       out_off, lo, hi), B (N, K) row-major as the file has it; c[n] what the op adds to the
 *       plain dot products (channel_sums: bias + in_off sum_k B[n][k], the same wrapping 32-bit
 *       sum as (x + in_off) . w + bias); bit for bit the portable cortex_m:: kernels
 *       (CMSIS-NN's arithmetic, requant.h).
 *   i8_mcu_linear  cortex_m::quantized_linear with filter_offset 0: the GEMM with c =
 *       kernel_sum, or bias + in_off sum_k w (I8_MCU_CHANNELS channels at a time), one
 *       multiplier and shift for all.
 *   i8_mcu_conv2d  groups 1, weights (Cout, kh, kw, Cin): the GEMM on the input's pixels (1x1,
 *       stride 1, no padding) or on patches of kh kw Cin bytes built on the stack (a tap outside
 *       the input reads -in_off, whose term is then zero), at most I8_MCU_PATCH_BYTES of them
 *       at a time (i8_conv2d_mcu_fits: one patch must fit).
 *
 * Both take the output pixels of the flattened (n, ho, wo) range whole. */
#ifndef EMBER_I8_MCU_H
#define EMBER_I8_MCU_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels/optimized/i8_conv.h"

/* What the build's target core has: Helium's integer instructions (MVE: Cortex-M55, M85), its
 * floating-point ones too (MVE-F: the M55's default), the DSP extension's SIMD32 instructions
 * on an M-profile core without Helium (SMLAD, SXTB16: Cortex-M4, M7, M33). A core with Helium
 * has the DSP extension too, but Helium's kernels are faster everywhere: its builds leave the
 * DSP ones out (about 2.5 KB of flash). */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define EMBER_HAVE_HELIUM 1
#else
#define EMBER_HAVE_HELIUM 0
#endif
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#define EMBER_HAVE_HELIUM_FP 1
#else
#define EMBER_HAVE_HELIUM_FP 0
#endif
#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && \
    !EMBER_HAVE_HELIUM
#define EMBER_HAVE_DSP 1
#else
#define EMBER_HAVE_DSP 0
#endif
#define EMBER_HAVE_MCU_KERNELS (EMBER_HAVE_HELIUM || EMBER_HAVE_DSP)

/* Patches on the stack per block, and the channel constants kept there (int32 each). */
#define I8_MCU_PATCH_BYTES 1024
#define I8_MCU_CHANNELS 64
#define I8_MCU_STACK_BYTES (I8_MCU_PATCH_BYTES + 4 * I8_MCU_CHANNELS + 256)

typedef struct i8_mcu_gemm {
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
} i8_mcu_gemm;

/* One instruction set's kernels: the GEMM, its channel sums, and a depthwise convolution
 * (weights (1, kh, kw, Cout), bias (Cout) or NULL, mult / shift (Cout); which depth
 * multipliers: the set's header) or NULL where the set has none. */
typedef struct i8_mcu_isa {
    void (*gemm)(const i8_mcu_gemm* g);
    /* c[j] = bias[j] (0 when bias is NULL) + in_off * sum_k b[j][k], wrapping, for j < n. */
    void (*channel_sums)(const int8_t* b, int32_t n, int32_t k, const int32_t* bias,
                         int32_t in_off, int32_t* c);
    void (*dwconv2d)(const i8_conv_shape* s, const int8_t* in, const int8_t* w,
                     const int32_t* bias, const int32_t* mult, const int32_t* shift,
                     int8_t* out);
} i8_mcu_isa;

/* Whether i8_mcu_conv2d takes the shape: 1x1 stride 1 without padding (the input's pixels are
 * the patches), or one patch fits its stack block. */
static inline bool i8_conv2d_mcu_fits(const i8_conv_shape* s)
{
    const bool dense = s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 &&
                       s->pw == 0;
    return dense || s->kh * s->kw * s->cin <= I8_MCU_PATCH_BYTES;
}

/* Whether a convolution's geometry keeps every index of the int32 kernels below 2^31: padded
 * input extents, strides, dilations, window spans and stride times output extent below 2^30
 * (a file may hold
 * paddings, strides and dilations up to 2^31 - 1; real models are far below). */
static inline bool i8_mcu_geometry_fits(const i8_conv_shape* s)
{
    const int64_t lim = (int64_t)1 << 30;
    return s->h + 2 * s->ph < lim && s->w + 2 * s->pw < lim && s->sh < lim && s->sw < lim &&
           s->dh < lim && s->dw < lim && (s->kh - 1) * s->dh < lim &&
           (s->kw - 1) * s->dw < lim && s->sh * s->ho < lim && s->sw * s->wo < lim;
}

/* A depthwise window along one dimension: starting at z0 (output position times stride less
 * padding) over an input of n, k taps dilated by d, its taps [*a, *b) lie inside the input
 * (none when *b <= *a). i8_mcu_geometry_fits keeps every term below 2^31. */
static inline void i8_mcu_taps_inside(int32_t z0, int32_t n, int32_t k, int32_t d, int32_t* a,
                                      int32_t* b)
{
    *a = z0 < 0 ? (-z0 + d - 1) / d : 0;
    *b = z0 >= n ? 0 : z0 + (k - 1) * d < n ? k : (n - 1 - z0) / d + 1;
}

/* A depthwise convolution's geometry in int32 (i8_mcu_geometry_fits), ch the output channels,
 * with the input's steps between taps (col, row) and the weights' between window rows (wrow). */
typedef struct i8_mcu_dw {
    int32_t n, h, w, cin, ch, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, dm;
    int32_t col, row, wrow;
} i8_mcu_dw;

static inline i8_mcu_dw i8_mcu_dw_geometry(const i8_conv_shape* s)
{
    i8_mcu_dw g = {(int32_t)s->n,  (int32_t)s->h,  (int32_t)s->w,  (int32_t)s->cin,
                   (int32_t)s->cout, (int32_t)s->ho, (int32_t)s->wo, (int32_t)s->kh,
                   (int32_t)s->kw, (int32_t)s->sh, (int32_t)s->sw, (int32_t)s->ph,
                   (int32_t)s->pw, (int32_t)s->dh, (int32_t)s->dw, (int32_t)s->dm, 0, 0, 0};
    g.col = g.dw * g.cin, g.row = g.dh * g.w * g.cin, g.wrow = g.kw * g.ch;
    return g;
}

/* The window rows of output row oy: from input row y0 (may be negative), its taps [ya, yb)
 * inside the input. */
typedef struct i8_mcu_rows {
    int32_t y0, ya, yb;
} i8_mcu_rows;

static inline i8_mcu_rows i8_mcu_rows_at(const i8_mcu_dw* g, int32_t oy)
{
    i8_mcu_rows r = {oy * g->sh - g->ph, 0, 0};
    i8_mcu_taps_inside(r.y0, g->h, g->kh, g->dh, &r.ya, &r.yb);
    return r;
}

/* The window of output pixel (b, oy, ox), r the rows of oy: ny x nx taps inside the input, from
 * the input pixel at byte in_at (channel 0) and the weights at w_at (channel 0); inside: the
 * whole window is. A window with no tap inside has in_at = w_at = 0 (nothing is read). */
typedef struct i8_mcu_window {
    int32_t in_at, w_at, ny, nx;
    bool inside;
} i8_mcu_window;

static inline i8_mcu_window i8_mcu_window_at(const i8_mcu_dw* g, const i8_mcu_rows* r,
                                             int32_t b, int32_t ox)
{
    const int32_t x0 = ox * g->sw - g->pw;
    int32_t xa, xb;
    i8_mcu_taps_inside(x0, g->w, g->kw, g->dw, &xa, &xb);
    i8_mcu_window win = {0, 0, r->yb > r->ya ? r->yb - r->ya : 0, xb > xa ? xb - xa : 0,
                         r->ya == 0 && r->yb == g->kh && xa == 0 && xb == g->kw};
    if (win.ny && win.nx) {
        win.in_at = ((b * g->h + r->y0 + r->ya * g->dh) * g->w + x0 + xa * g->dw) * g->cin;
        win.w_at = (r->ya * g->kw + xa) * g->ch;
    }
    return win;
}

/* A depthwise convolution's constants of its channels [c0, c0 + cn), weights (1, kh, kw, ch),
 * `taps` = kh kw: cb[c] the bias (0 without one), cw[c] the bias + in_off sum of the channel's
 * weights (wrapping): where a window lies inside the input the sums start from cw and add
 * x w, elsewhere from cb and add (x + in_off) w over the taps inside. */
static inline void i8_mcu_dw_constants(const int8_t* w, int32_t taps, int32_t ch, int32_t c0,
                                       int32_t cn, const int32_t* bias, int32_t in_off,
                                       int32_t* cb, int32_t* cw)
{
    for (int32_t c = 0; c < cn; c++) {
        uint32_t sum = 0;
        for (int32_t t = 0; t < taps; t++) sum += (uint32_t)(int32_t)w[t * ch + c0 + c];
        cb[c] = bias ? bias[c0 + c] : 0;
        cw[c] = (int32_t)((uint32_t)cb[c] + (uint32_t)in_off * sum);
    }
}

/* x (rows, k), w (n, k), out (rows, n); ksum (n) or NULL, then bias (n) or NULL. */
void i8_mcu_linear(const i8_mcu_isa* isa, const int8_t* x, int32_t rows, int32_t k,
                   const int8_t* w, int32_t n, const int32_t* bias, const int32_t* ksum,
                   int32_t in_off, int32_t mult, int32_t shift, int32_t out_off, int32_t lo,
                   int32_t hi, int8_t* out);
/* w (Cout, kh, kw, Cin), bias (Cout) or NULL, mult / shift (Cout). */
void i8_mcu_conv2d(const i8_mcu_isa* isa, const i8_conv_shape* s, const int8_t* in,
                   const int8_t* w, const int32_t* bias, const int32_t* mult,
                   const int32_t* shift, int8_t* out);

#endif /* EMBER_I8_MCU_H */
