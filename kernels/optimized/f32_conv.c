/* f32_conv.c — the GEMM paths of f32_conv.h (pointwise and im2col) and the generic depthwise
 * kernel: plain C the compiler vectorises for the target's baseline (NEON on aarch64; the
 * AVX-512 kernel also falls back to it for kernels wider than 16 columns).
 *
 * im2col: the unfolded input of one group is (K = Ci/g*Kh*Kw, Ho*Wo), row (c, ky, kx) holding
 * input plane c shifted by the tap (zero where the tap falls in the padding). Only a block of
 * columns (output positions, row-major over (Ho, Wo)) is built at a time, on the stack; the
 * blocks split Ho*Wo evenly, rounded up to a multiple of 16 columns where that still fits, and
 * each is handed to the GEMM with ldc = Ho*Wo so it writes its columns of the output in place. */
#include "kernels/optimized/f32_conv.h"

#include <math.h>
#include <string.h>

#define SCRATCH_FLOATS (F32_CONV_SCRATCH_BYTES / (int64_t)sizeof(float))
#define SPLIT_COLS 64 /* fewer columns per im2col block than this (and than Ho*Wo): split K */
#define DW_BLOCK 64 /* output columns a generic depthwise pass accumulates on the stack */
#define DW_SEG 512  /* floats of one padded input segment copied on the stack */

static bool is_pointwise(const f32_conv2d_shape* s)
{
    return s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 && s->pw == 0;
}

bool f32_conv2d_is_depthwise(const f32_conv2d_shape* s)
{
    return s->groups == s->ci && s->co == s->ci;
}

/* col (K, nb) = columns j0 .. j0+nb-1 of the unfolded x (Ci/g, H, W). */
static void im2col(float* restrict col, const float* restrict x, const f32_conv2d_shape* s,
                   int64_t cig, int64_t j0, int64_t nb)
{
    const int64_t plane_i = s->h * s->w, sw = s->sw;
    for (int64_t c = 0; c < cig; c++)
        for (int64_t ky = 0; ky < s->kh; ky++)
            for (int64_t kx = 0; kx < s->kw; kx++) {
                float* restrict dst = col + ((c * s->kh + ky) * s->kw + kx) * nb;
                const int64_t offy = ky * s->dh - s->ph, offx = kx * s->dw - s->pw;
                int64_t xlo, xhi; /* output columns whose input column exists */
                f32_conv_axis_range(s->wo, s->w, sw, offx, &xlo, &xhi);
                int64_t oy = j0 / s->wo, ox = j0 % s->wo;
                for (int64_t j = 0; j < nb; oy++, ox = 0) {
                    const int64_t len = s->wo - ox < nb - j ? s->wo - ox : nb - j;
                    const int64_t iy = oy * s->sh + offy, end = ox + len;
                    float* restrict d = dst + j - ox; /* d[o]: output column o of this row */
                    if (iy < 0 || iy >= s->h) {
                        memset(d + ox, 0, (size_t)len * sizeof(float));
                    } else {
                        const float* restrict xrow = x + c * plane_i + iy * s->w;
                        const int64_t a = xlo < ox ? ox : (xlo > end ? end : xlo);
                        const int64_t b = xhi < a ? a : (xhi > end ? end : xhi);
                        for (int64_t o = ox; o < a; o++) d[o] = 0.0f;
                        if (sw == 1)
                            memcpy(d + a, xrow + a + offx, (size_t)(b - a) * sizeof(float));
                        else
                            for (int64_t o = a; o < b; o++) d[o] = xrow[o * sw + offx];
                        for (int64_t o = b; o < end; o++) d[o] = 0.0f;
                    }
                    j += len;
                }
            }
}

/* The columns per block when the whole K fits the scratch, or 0 when it leaves fewer than
 * SPLIT_COLS (and fewer than all) columns: then K is split (gemm_im2col_split). */
static int64_t whole_k_cols(int64_t k, int64_t plane_o)
{
    const int64_t nbmax = SCRATCH_FLOATS / k;
    if (nbmax < SPLIT_COLS && nbmax < plane_o) return 0;
    const int64_t nblk = (plane_o + nbmax - 1) / nbmax;
    int64_t nb = (plane_o + nblk - 1) / nblk;
    if ((nb + 15) / 16 * 16 <= nbmax) nb = (nb + 15) / 16 * 16;
    return nb;
}

/* Columns per block and input channels per K chunk of gemm_im2col_split, which needs room for
 * a (cog, nb) tile and at least one channel's taps x nb columns; false if nb < MIN_COLS. */
static bool split_sizes(int64_t cog, int64_t taps, int64_t cig, int64_t plane_o, int64_t* nb,
                        int64_t* cc)
{
    int64_t n = SCRATCH_FLOATS / (cog + taps);
    if (n > SPLIT_COLS) n = SPLIT_COLS;
    if (n > plane_o) n = plane_o;
    if (n < F32_CONV_MIN_COLS) return false;
    *nb = n;
    *cc = (SCRATCH_FLOATS / n - cog) / taps;
    if (*cc > cig) *cc = cig;
    return true;
}

bool f32_conv2d_gemm_fits(const f32_conv2d_shape* s)
{
    const int64_t cig = s->ci / s->groups, cog = s->co / s->groups, taps = s->kh * s->kw;
    int64_t nb, cc;
    return is_pointwise(s) || whole_k_cols(cig * taps, s->ho * s->wo) >= F32_CONV_MIN_COLS ||
           split_sizes(cog, taps, cig, s->ho * s->wo, &nb, &cc);
}

/* c (cog, Ho*Wo) = a (cog, K) @ the unfolded x, a block of columns at a time. */
static void gemm_im2col(float* restrict c, const float* restrict a, const float* restrict x,
                        const f32_conv2d_shape* s, int64_t cig, int64_t cog, int64_t nb,
                        f32_gemm_nn_fn gemm, const f32_gemm_epilogue* ep)
{
    _Alignas(64) float col[SCRATCH_FLOATS];
    const int64_t k = cig * s->kh * s->kw, plane_o = s->ho * s->wo;
    for (int64_t j0 = 0; j0 < plane_o; j0 += nb) {
        const int64_t cols = plane_o - j0 < nb ? plane_o - j0 : nb;
        im2col(col, x, s, cig, j0, cols);
        gemm(c + j0, plane_o, a, k, col, cols, cog, cols, k, ep);
    }
}

/* As gemm_im2col for a K too large for SPLIT_COLS columns (ResNet's 3x3 convolutions over 256
 * and 512 channels): each block of nb columns is summed over chunks of cc input channels. The
 * first chunk's product (plus the bias) is written to c; each later one goes to a tile on the
 * stack and is added to c, the last one clamping. */
static void gemm_im2col_split(float* restrict c, const float* restrict a,
                              const float* restrict x, const f32_conv2d_shape* s, int64_t cig,
                              int64_t cog, int64_t nb, int64_t cc, f32_gemm_nn_fn gemm,
                              const f32_gemm_epilogue* ep)
{
    _Alignas(64) float scratch[SCRATCH_FLOATS];
    const int64_t taps = s->kh * s->kw, k = cig * taps, plane_o = s->ho * s->wo;
    const int64_t plane_i = s->h * s->w;
    float* restrict col = scratch;                /* (cc * taps, nb) */
    float* restrict tile = scratch + cc * taps * nb; /* (cog, nb) */
    const f32_gemm_epilogue first = {ep->bias, 1, -INFINITY, INFINITY};
    const f32_gemm_epilogue plain = {NULL, 1, -INFINITY, INFINITY};
    for (int64_t j0 = 0; j0 < plane_o; j0 += nb) {
        const int64_t cols = plane_o - j0 < nb ? plane_o - j0 : nb;
        for (int64_t c0 = 0; c0 < cig; c0 += cc) {
            const int64_t n = cig - c0 < cc ? cig - c0 : cc;
            im2col(col, x + c0 * plane_i, s, n, j0, cols);
            if (c0 == 0) {
                gemm(c + j0, plane_o, a, k, col, cols, cog, cols, n * taps, &first);
                continue;
            }
            gemm(tile, cols, a + c0 * taps, k, col, cols, cog, cols, n * taps, &plain);
            const bool last = c0 + n == cig;
            for (int64_t i = 0; i < cog; i++) {
                float* restrict ci = c + i * plane_o + j0;
                const float* restrict ti = tile + i * cols;
                if (last)
                    for (int64_t j = 0; j < cols; j++)
                        ci[j] = f32_conv_clamp(ci[j] + ti[j], ep->lo, ep->hi);
                else
                    for (int64_t j = 0; j < cols; j++) ci[j] += ti[j];
            }
        }
    }
}

void f32_conv2d_gemm(float* restrict out, const float* restrict in, const float* restrict w,
                     const float* restrict bias, const f32_conv2d_shape* s, f32_gemm_nn_fn gemm,
                     float lo, float hi)
{
    const int64_t cig = s->ci / s->groups, cog = s->co / s->groups;
    const int64_t k = cig * s->kh * s->kw;
    const int64_t plane_i = s->h * s->w, plane_o = s->ho * s->wo;
    const bool pointwise = is_pointwise(s);
    const int64_t nb = pointwise ? 0 : whole_k_cols(k, plane_o);
    int64_t snb = 0, cc = 0;
    if (!pointwise && !nb) split_sizes(cog, s->kh * s->kw, cig, plane_o, &snb, &cc);
    for (int64_t b = 0; b < s->n; b++)
        for (int64_t g = 0; g < s->groups; g++) {
            const f32_gemm_epilogue ep = {bias ? bias + g * cog : NULL, 1, lo, hi};
            float* c = out + (b * s->co + g * cog) * plane_o;        /* (Co/g, Ho*Wo) */
            const float* a = w + g * cog * k;                        /* (Co/g, K) */
            const float* x = in + (b * s->ci + g * cig) * plane_i;  /* (Ci/g, H, W) */
            if (pointwise)
                gemm(c, plane_o, a, k, x, plane_i, cog, plane_o, k, &ep);
            else if (nb)
                gemm_im2col(c, a, x, s, cig, cog, nb, gemm, &ep);
            else
                gemm_im2col_split(c, a, x, s, cig, cog, snb, cc, gemm, &ep);
        }
}

/* ---- depthwise, generic ------------------------------------------------------------------ */

/* Each output row in blocks of DW_BLOCK columns, accumulated on the stack: for each kernel row
 * inside the plane, the input segment the block reads (padding included) is used in place when
 * it lies inside the input row, else copied with zeros for the padding into `seg`; then every
 * kernel column is a contiguous (or stride-2) multiply-add over the block, a loop the compiler
 * vectorises. A segment longer than DW_SEG (huge strides or dilations) is summed tap-checked. */
void f32_conv2d_depthwise__generic(float* restrict out, const float* restrict in,
                                   const float* restrict w, const float* restrict bias,
                                   const f32_conv2d_shape* s, float lo, float hi)
{
    const int64_t plane_i = s->h * s->w, plane_o = s->ho * s->wo, taps = s->kh * s->kw;
    float acc[DW_BLOCK], seg[DW_SEG];
    for (int64_t p = 0; p < s->n * s->ci; p++) {
        const int64_t ch = p % s->ci;
        const float* restrict x = in + p * plane_i;
        const float* restrict wk = w + ch * taps;
        const float bv = bias ? bias[ch] : 0.0f;
        for (int64_t oy = 0; oy < s->ho; oy++) {
            float* restrict o = out + p * plane_o + oy * s->wo;
            int64_t ky0, ky1; /* kernel rows inside the plane */
            f32_conv_axis_range(s->kh, s->h, s->dh, oy * s->sh - s->ph, &ky0, &ky1);
            for (int64_t ox0 = 0; ox0 < s->wo; ox0 += DW_BLOCK) {
                const int64_t nb = s->wo - ox0 < DW_BLOCK ? s->wo - ox0 : DW_BLOCK;
                const int64_t start = ox0 * s->sw - s->pw; /* input column of (ox0, kx = 0) */
                const int64_t len = (nb - 1) * s->sw + (s->kw - 1) * s->dw + 1;
                if (len > DW_SEG) {
                    for (int64_t j = 0; j < nb; j++)
                        o[ox0 + j] = f32_conv_clamp(
                            f32_conv_dw_point(x, wk, s, oy, ox0 + j) + bv, lo, hi);
                    continue;
                }
                for (int64_t j = 0; j < nb; j++) acc[j] = bv;
                for (int64_t ky = ky0; ky < ky1; ky++) {
                    const float* restrict xrow = x + (oy * s->sh - s->ph + ky * s->dh) * s->w;
                    const float* restrict src;
                    if (start >= 0 && start + len <= s->w) {
                        src = xrow + start;
                    } else {
                        /* seg[i] = input column start + i: zeros, the row, zeros */
                        const int64_t a = start < 0 ? (-start < len ? -start : len) : 0;
                        const int64_t b = s->w - start < len ? (s->w - start > a ? s->w - start : a)
                                                              : len;
                        memset(seg, 0, (size_t)a * sizeof(float));
                        memcpy(seg + a, xrow + start + a, (size_t)(b - a) * sizeof(float));
                        memset(seg + b, 0, (size_t)(len - b) * sizeof(float));
                        src = seg;
                    }
                    for (int64_t kx = 0; kx < s->kw; kx++) {
                        const float wv = wk[ky * s->kw + kx];
                        const float* restrict xr = src + kx * s->dw;
                        if (s->sw == 1)
                            for (int64_t j = 0; j < nb; j++) acc[j] += wv * xr[j];
                        else if (s->sw == 2)
                            for (int64_t j = 0; j < nb; j++) acc[j] += wv * xr[2 * j];
                        else
                            for (int64_t j = 0; j < nb; j++) acc[j] += wv * xr[j * s->sw];
                    }
                }
                for (int64_t j = 0; j < nb; j++) o[ox0 + j] = f32_conv_clamp(acc[j], lo, hi);
            }
        }
    }
}
