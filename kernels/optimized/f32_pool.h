/* f32_pool.h — fast fp32 2-D max pooling behind aten::max_pool2d_with_indices.out (internal;
 * op_pool.c validates the shapes, picks a variant once in prepare and calls it blindly).
 *
 *   f32_maxpool2d  out, idx: (planes, Ho, Wo) of the planes [p0, p1); in: (planes, H, W).
 *                  The values and indices of op_pool.c's portable kernel, bit for bit: each
 *                  window is scanned in row-major order from -inf, a tap replaces the best one
 *                  when it is greater or NaN (so the first maximum wins, and the last NaN),
 *                  indices are flat positions in the (H, W) plane.
 *     __scalar     plain C on float (op_pool.c), windows clipped per output
 *     __avx512     the outputs whose windows lie inside the row (horizontally) 16 columns per
 *     __avx2       vector (8 for AVX2), at column stride 1 or 2, the tap index blended beside
 *                  the value; the rest, and other strides, as __scalar. Both one template,
 *                  f32_pool.inc, over f32_simd_x86.h (f32_pool__avx512.c, f32_pool__avx2.c).
 *
 * Plane-sized indices must fit int32 for the vector path (H * W < 2^31; larger planes run
 * __scalar). Each call writes only its own planes, so a pool of threads may split them. */
#ifndef EMBER_F32_POOL_H
#define EMBER_F32_POOL_H

#include <math.h>
#include <stdint.h>

#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

typedef struct f32_pool2d_shape {
    int64_t planes, h, w, ho, wo; /* input (planes, H, W) -> output (planes, Ho, Wo) */
    int64_t kh, kw, sh, sw, ph, pw, dh, dw; /* kernel, stride, padding, dilation */
} f32_pool2d_shape;

typedef void (*f32_maxpool2d_fn)(float* restrict out, int64_t* restrict idx,
                                 const float* restrict in, const f32_pool2d_shape* p,
                                 int64_t p0, int64_t p1);

void f32_maxpool2d__scalar(float* restrict out, int64_t* restrict idx, const float* restrict in,
                           const f32_pool2d_shape* p, int64_t p0, int64_t p1);
#if EMBER_HAVE_X86_KERNELS
void f32_maxpool2d__avx2(float* restrict out, int64_t* restrict idx, const float* restrict in,
                         const f32_pool2d_shape* p, int64_t p0, int64_t p1);
void f32_maxpool2d__avx512(float* restrict out, int64_t* restrict idx, const float* restrict in,
                           const f32_pool2d_shape* p, int64_t p0, int64_t p1);
#endif

/* ---- helpers shared by the variants -------------------------------------------------- */

/* The window rows of output row oy clipped to the plane: taps y = y0, y0 + dh, ... < y1. */
static inline void f32_pool_rows(const f32_pool2d_shape* p, int64_t oy, int64_t* y0,
                                 int64_t* y1)
{
    int64_t a = oy * p->sh - p->ph;
    const int64_t b = a + (p->kh - 1) * p->dh + 1;
    if (a < 0) a += (-a + p->dh - 1) / p->dh * p->dh; /* first tap inside */
    *y0 = a;
    *y1 = b < p->h ? b : p->h;
}

/* The output columns [*xa, *xb) whose windows lie inside the row: ox * sw - pw >= 0 and
 * ox * sw - pw + (kw - 1) * dw < W (an empty range when none). */
static inline void f32_pool_inner_cols(const f32_pool2d_shape* p, int64_t* xa, int64_t* xb)
{
    const int64_t last = p->w - 1 - (p->kw - 1) * p->dw + p->pw; /* ox * sw <= last */
    int64_t a = (p->pw + p->sw - 1) / p->sw;
    int64_t b = last < 0 ? 0 : last / p->sw + 1;
    if (b > p->wo) b = p->wo;
    if (a > b) a = b;
    *xa = a;
    *xb = b;
}

/* Output (oy, ox) of plane x over window rows [y0, y1): the portable kernel's scan. */
static inline void f32_maxpool_point(float* restrict out, int64_t* restrict idx,
                                     const float* restrict x, const f32_pool2d_shape* p,
                                     int64_t y0, int64_t y1, int64_t ox)
{
    int64_t x0 = ox * p->sw - p->pw;
    const int64_t x1 = x0 + (p->kw - 1) * p->dw + 1 < p->w ? x0 + (p->kw - 1) * p->dw + 1 : p->w;
    if (x0 < 0) x0 += (-x0 + p->dw - 1) / p->dw * p->dw;
    int64_t best_i = y0 * p->w + x0;
    float best = -INFINITY;
    for (int64_t y = y0; y < y1; y += p->dh)
        for (int64_t xx = x0; xx < x1; xx += p->dw) {
            const float v = x[y * p->w + xx];
            if (v > best || isnan(v)) {
                best = v;
                best_i = y * p->w + xx;
            }
        }
    *out = best;
    *idx = best_i;
}

#endif /* EMBER_F32_POOL_H */
