/* f32_conv.h — fast fp32 2-D convolution for aten::convolution.out (internal; op_conv.c
 * validates the shapes, picks a path once in prepare and calls these blindly):
 *
 *   f32_conv2d_gemm       any groups/stride/padding/dilation: per image and group, the weight
 *                         (Co/g, Ci/g*Kh*Kw) times the input's columns, bias per row. A 1x1
 *                         stride-1 unpadded convolution multiplies the input planes (Ci/g, H*W)
 *                         in place (gemm); any other runs gemm_src with the unfolded input
 *                         (im2col) as its b source, packed block by block straight from the
 *                         input (f32_gemm_b_source). Or the same product transposed
 *                         (f32_gemm_ct: vector lanes along the output channels), chosen per
 *                         layer by f32_conv2d_gemm_orient. With a pool of T threads, a product
 *                         of at least 2^20 multiply-adds is cut into T parts when there are
 *                         fewer images x groups than threads (f32_conv.c); the bytes do not
 *                         depend on T.
 *   f32_conv2d_depthwise  groups == Ci == Co: each output plane from its own input plane and
 *                         Kh x Kw kernel: __avx512 and __avx2 (f32_conv_dw__avx512.c,
 *                         f32_conv_dw__avx2.c: intrinsics; 3x3 stride 1 or 2 by rows straight
 *                         from the input, the rest through strips, f32_conv_dw.inc) and
 *                         __generic (f32_conv.c: plain C for any CPU, NEON on aarch64).
 *
 * Every output is clamp(sum + bias, lo, hi) ([-inf, inf] for a plain convolution; [0, inf] or
 * [0, 6] would fuse a following relu / hardtanh). out must not overlap in, w or bias. The sums
 * are those of the portable kernel in another order, so the last bits differ. */
#ifndef EMBER_F32_CONV_H
#define EMBER_F32_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels/optimized/f32_gemm_nn.h"
#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */
#include "runtime/core/threadpool.h"

typedef struct f32_conv2d_shape {
    int64_t n, ci, h, w;    /* input (N, Ci, H, W) */
    int64_t co, ho, wo;     /* output (N, Co, Ho, Wo) */
    int64_t kh, kw;         /* kernel (Co, Ci/groups, Kh, Kw) */
    int64_t sh, sw, ph, pw, dh, dw; /* stride, padding, dilation */
    int64_t groups;
} f32_conv2d_shape;

/* Which way round a GEMM convolution multiplies (f32_conv.c picks one per layer):
 *   F32_CONV_NN  out (Co/g, Ho*Wo) = W (Co/g, K) x cols (K, Ho*Wo): vector lanes along the
 *                output positions, broadcasts along the output channels;
 *   F32_CONV_CT  out^T (Ho*Wo, Co/g) = cols^T x W^T (f32_gemm_ct): lanes along the output
 *                channels, broadcasts along the positions, each tile stored transposed. */
typedef enum { F32_CONV_AUTO, F32_CONV_NN, F32_CONV_CT } f32_conv_orient;

/* The GEMMs of one SIMD tier. */
typedef struct f32_conv_gemms {
    f32_gemm_nn_fn nn;       /* F32_CONV_NN, 1x1 stride 1 unpadded: W x the input planes */
    f32_gemm_nn_src_fn src;  /* F32_CONV_NN, any other: W x the im2col columns */
    f32_gemm_ct_fn ct;       /* F32_CONV_CT (NULL: none, every layer is F32_CONV_NN) */
    int mr, nr;              /* their tile: mr broadcast rows x nr vector columns */
    f32_conv_orient orient;  /* F32_CONV_AUTO: per layer; the others force one (tests, benches) */
    /* F32_CONV_CT on a weight packed once (NULL: none): ct_bp reads what pack_b wrote
     * (f32_gemm_pack_b and f32_gemm_ct_bp of ct's variant, strips of nr output channels) */
    f32_gemm_ct_fn ct_bp;
    void (*pack_b)(float* restrict dst, const float* restrict w, int64_t n, int64_t k);
} f32_conv_gemms;

/* The GEMMs for `features` (f32_gemm_nn_pick, f32_gemm_nn_src_pick, f32_gemm_ct_pick), AUTO. */
f32_conv_gemms f32_conv_gemms_pick(uint64_t features);

/* The orientation f32_conv2d_gemm uses for s with g: never AUTO. */
f32_conv_orient f32_conv2d_gemm_orient(const f32_conv2d_shape* s, const f32_conv_gemms* g);

/* Returns ember_parallel_for's status (EMBER_OK: the tasks cannot fail). */
ember_status f32_conv2d_gemm(float* restrict out, const float* restrict in,
                             const float* restrict w, const float* restrict bias,
                             const f32_conv2d_shape* s, const f32_conv_gemms* g, float lo,
                             float hi, ember_threadpool* pool);

/* The weight packed once, for a layer that runs F32_CONV_CT (where each call would otherwise
 * transpose the weight into strips again for every block of 132 output positions: 95 times
 * for a 112x112 map): f32_conv2d_gemm_packed_bytes is the bytes of the copy (0: this layer
 * with g does not run F32_CONV_CT, g has no ct_bp, or the size overflows), f32_conv2d_gemm_pack
 * writes it (each group's (Co/g, K) weight through g->pack_b, one after another), and
 * f32_conv2d_gemm_bp is f32_conv2d_gemm on it: the same bytes out. The weight packed at load
 * (kernels/kernel.h) by aten::convolution. */
size_t f32_conv2d_gemm_packed_bytes(const f32_conv2d_shape* s, const f32_conv_gemms* g);
void f32_conv2d_gemm_pack(float* restrict dst, const float* restrict w, const f32_conv2d_shape* s,
                          const f32_conv_gemms* g);
ember_status f32_conv2d_gemm_bp(float* restrict out, const float* restrict in,
                                const float* restrict packed, const float* restrict bias,
                                const f32_conv2d_shape* s, const f32_conv_gemms* g, float lo,
                                float hi, ember_threadpool* pool);

/* Whether s is depthwise (groups == Ci == Co). */
bool f32_conv2d_is_depthwise(const f32_conv2d_shape* s);

typedef void (*f32_conv2d_dw_fn)(float* restrict out, const float* restrict in,
                                 const float* restrict w, const float* restrict bias,
                                 const f32_conv2d_shape* s, float lo, float hi);

void f32_conv2d_depthwise__generic(float* restrict out, const float* restrict in,
                                   const float* restrict w, const float* restrict bias,
                                   const f32_conv2d_shape* s, float lo, float hi);
#if EMBER_HAVE_X86_KERNELS
void f32_conv2d_depthwise__avx2(float* restrict out, const float* restrict in,
                                const float* restrict w, const float* restrict bias,
                                const f32_conv2d_shape* s, float lo, float hi);
void f32_conv2d_depthwise__avx512(float* restrict out, const float* restrict in,
                                  const float* restrict w, const float* restrict bias,
                                  const f32_conv2d_shape* s, float lo, float hi);
/* The same without the 3x3 rows path (every shape through the flat and phases paths): tests
 * and bench/conv_dw.c compare the two. */
void f32_conv2d_depthwise_strips__avx2(float* restrict out, const float* restrict in,
                                       const float* restrict w, const float* restrict bias,
                                       const f32_conv2d_shape* s, float lo, float hi);
void f32_conv2d_depthwise_strips__avx512(float* restrict out, const float* restrict in,
                                         const float* restrict w, const float* restrict bias,
                                         const f32_conv2d_shape* s, float lo, float hi);
#endif

/* A network's first convolution (few input channels): 3x3, stride 1 or 2, padding 0 or 1,
 * groups 1, at most F32_CONV_STEM_MAX_CI input and F32_CONV_STEM_MAX_CO output channels,
 * Wo <= 512 and W <= 1028 (f32_conv2d_stem_fits). f32_conv2d_stem__ISA computes the output rows
 * [row0, row1) of all images (row r: image r / Ho, row r % Ho) directly, without the GEMM's
 * im2col (f32_conv_dw.inc); f32_conv2d_stem_par cuts the rows over the pool (the same bytes for
 * any number of threads). */
#define F32_CONV_STEM_MAX_CI 4
#define F32_CONV_STEM_MAX_CO 64
bool f32_conv2d_stem_fits(const f32_conv2d_shape* s);
typedef void (*f32_conv2d_stem_fn)(float* restrict out, const float* restrict in,
                                   const float* restrict w, const float* restrict bias,
                                   const f32_conv2d_shape* s, float lo, float hi, int64_t row0,
                                   int64_t row1);
#if EMBER_HAVE_X86_KERNELS
void f32_conv2d_stem__avx2(float* restrict out, const float* restrict in,
                           const float* restrict w, const float* restrict bias,
                           const f32_conv2d_shape* s, float lo, float hi, int64_t row0,
                           int64_t row1);
void f32_conv2d_stem__avx512(float* restrict out, const float* restrict in,
                             const float* restrict w, const float* restrict bias,
                             const f32_conv2d_shape* s, float lo, float hi, int64_t row0,
                             int64_t row1);
#endif
ember_status f32_conv2d_stem_par(float* restrict out, const float* restrict in,
                                 const float* restrict w, const float* restrict bias,
                                 const f32_conv2d_shape* s, f32_conv2d_stem_fn stem, float lo,
                                 float hi, ember_threadpool* pool);

/* dw over the pool: the planes (image, channel) cut in one run per thread, each a call of dw
 * on a run of channels of one image (same bytes for any number of threads). */
ember_status f32_conv2d_depthwise_par(float* restrict out, const float* restrict in,
                                      const float* restrict w, const float* restrict bias,
                                      const f32_conv2d_shape* s, f32_conv2d_dw_fn dw, float lo,
                                      float hi, ember_threadpool* pool);

/* ---- helpers shared by the variants -------------------------------------------------- */

/* The indices o in [*lo, *hi) of an output axis of length len_o for which o * stride + off lies
 * in [0, len_i) (as op_conv.c's conv_range). */
static inline void f32_conv_axis_range(int64_t len_o, int64_t len_i, int64_t stride,
                                       int64_t off, int64_t* lo, int64_t* hi)
{
    int64_t a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int64_t b = len_i - off <= 0 ? 0 : (len_i - 1 - off) / stride + 1;
    if (b > len_o) b = len_o;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

static inline float f32_conv_clamp(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v); /* NaN passes through */
}

/* The sum at output (oy, ox) of plane x (H, W) with kernel wk (Kh, Kw), taps checked. */
static inline float f32_conv_dw_point(const float* restrict x, const float* restrict wk,
                                      const f32_conv2d_shape* s, int64_t oy, int64_t ox)
{
    float acc = 0.0f;
    for (int64_t ky = 0; ky < s->kh; ky++) {
        const int64_t iy = oy * s->sh + ky * s->dh - s->ph;
        if (iy < 0 || iy >= s->h) continue;
        for (int64_t kx = 0; kx < s->kw; kx++) {
            const int64_t ix = ox * s->sw + kx * s->dw - s->pw;
            if (ix >= 0 && ix < s->w) acc += wk[ky * s->kw + kx] * x[iy * s->w + ix];
        }
    }
    return acc;
}

#endif /* EMBER_F32_CONV_H */
