/* op_conv.c — aten::convolution.out, portable f32: 1-D and 2-D, groups (depthwise included),
 * stride, padding, dilation, optional bias, and transposed convolution with output_padding.
 * float16 and bfloat16 (every tensor of one half dtype) run half_conv2d__portable: a gather
 * per block of output columns, summed in float on the stack and rounded once.
 *
 * Direct loops, no scratch memory. A 1-D convolution (N, C, L) runs as a 2-D one with H = 1.
 * The 2-D loop order is out channel → in channels (four at a time) → kernel row → kernel
 * column → output row → output column: the valid output range of each kernel tap is computed
 * once, so the innermost loop is a bounds-free multiply-add over a contiguous output row (and
 * contiguous input rows when the stride is 1), and the output plane being accumulated stays
 * in cache. 1x1 stride-1 unpadded convolutions run as one pass over the whole plane.
 *
 * KernelCall args: [input, weight, bias, stride, padding, dilation, transposed,
 *                   output_padding, groups, out, out]
 * Prepare bounds stride, dilation, padding, output_padding and groups to [min, 2^31-1] and
 * derives the output size with checked arithmetic, so no size or offset can overflow.
 *
 * Fast f32 paths (kernels/optimized/f32_conv.h), chosen once in prepare when the CPU has a
 * SIMD tier (AVX-512F+VL+BW+DQ+FMA, AVX2+FMA, or ASIMD on aarch64; with none, or with
 * ember_kernel_cpu_mask_set(0), the direct loops above run, and they stay the oracle):
 * a depthwise convolution (groups == Ci == Co) runs that tier's depthwise kernel; any other
 * non-transposed one runs as GEMMs through f32_gemm_nn_pick(the tier's features) with the
 * input itself for 1x1 stride-1 unpadded ones, else through f32_gemm_nn_src_pick's with the
 * im2col columns packed straight from the input (an implicit GEMM), or on x86 the same product
 * transposed where it wastes fewer vector lanes (f32_conv_gemms_pick, f32_conv2d_gemm_orient:
 * lanes along the output channels). Both split their work over
 * ctx->pool (the same bytes for any number of threads). Transposed convolutions and the half
 * dtypes always run the portable code. The fast paths take a fused activation (a clamp the
 * loader asks for, kernels/kernel.h) into their output pass; the portable ones never do.
 * On x86, a 3x3 stride-1 convolution with a constant weight that f32_conv2d_wino_fits asks for
 * its Winograd-transformed weight packed at load (kernels/kernel.h, ember_method_pack) and runs
 * Winograd F(2x2, 3x3) (kernels/optimized/f32_conv_wino.h) when it was given, the GEMM when not.
 */
#include <math.h>

#include "kernels/optimized/f32_conv.h"
#include "kernels/optimized/f32_conv_wino.h"
#include "kernels/kernel_util.h"

enum { A_IN, A_W, A_BIAS, A_STRIDE, A_PAD, A_DIL, A_TRANS, A_OUTPAD, A_GROUPS, A_OUT, NUM_ARGS };

typedef struct conv_params {
    int64_t n, ci, h, w;        /* input (N, Ci, H, W); H = 1 for a 1-D convolution */
    int64_t co, ho, wo;         /* output (N, Co, Ho, Wo) */
    int64_t kh, kw;             /* kernel rows, columns */
    int64_t sh, sw, ph, pw, dh, dw, oph, opw; /* stride, padding, dilation, output_padding */
    int64_t groups;
    bool transposed;
    bool size_ok;               /* false if Ho or Wo does not fit in int64 (prepare refuses) */
    int nsp;                    /* spatial dims of the op: 1 or 2 */
} conv_params;

/* The output length of one axis (ATen's conv_output_size / conv_transpose output size), or
 * false if it does not fit in int64. All inputs are in [0, 2^31-1] except stride and dilation
 * (>= 1) and the kernel size k. */
static bool conv_out_len(bool transposed, int64_t in, int64_t k, int64_t stride, int64_t pad,
                         int64_t dil, int64_t outpad, int64_t* out)
{
    int64_t span, t; /* span = dil * (k - 1): the kernel's reach */
    if (!ember_i64_mul(dil, k - 1, &span)) return false;
    if (!transposed) { /* (in + 2 * pad - span - 1) / stride + 1, floor division */
        if (!ember_i64_mul(pad, 2, &t) || !ember_i64_add(t, in, &t) ||
            !ember_i64_sub(t, span, &t) || !ember_i64_sub(t, 1, &t))
            return false;
        *out = (t < 0 ? -((-t + stride - 1) / stride) : t / stride) + 1;
        return true;
    }
    /* (in - 1) * stride - 2 * pad + span + outpad + 1 */
    int64_t p2;
    return ember_i64_mul(in - 1, stride, &t) && ember_i64_mul(pad, 2, &p2) &&
           ember_i64_sub(t, p2, &t) && ember_i64_add(t, span, &t) &&
           ember_i64_add(t, outpad, &t) && ember_i64_add(t, 1, out);
}

/* Reads the shapes and int lists (already checked by prepare, with conv_out_len) and derives
 * the output size. */
static void conv_params_get(ember_value* const* args, conv_params* p)
{
    const ember_tensor* in = args[A_IN]->u.t;
    const ember_tensor* w = args[A_W]->u.t;
    p->nsp = in->dim - 2;
    p->transposed = args[A_TRANS]->u.b;
    p->groups = args[A_GROUPS]->u.i;
    p->n = in->sizes[0];
    p->ci = in->sizes[1];
    const int r = p->nsp == 2 ? 1 : 0; /* list index of the column (W) dim */
    p->h = p->nsp == 2 ? in->sizes[2] : 1;
    p->w = in->sizes[in->dim - 1];
    p->kh = p->nsp == 2 ? w->sizes[2] : 1;
    p->kw = w->sizes[w->dim - 1];
    p->sh = p->nsp == 2 ? ember_int_list_at(args[A_STRIDE], 0, 1) : 1;
    p->sw = ember_int_list_at(args[A_STRIDE], (size_t)r, 1);
    p->ph = p->nsp == 2 ? ember_int_list_at(args[A_PAD], 0, 0) : 0;
    p->pw = ember_int_list_at(args[A_PAD], (size_t)r, 0);
    p->dh = p->nsp == 2 ? ember_int_list_at(args[A_DIL], 0, 1) : 1;
    p->dw = ember_int_list_at(args[A_DIL], (size_t)r, 1);
    p->oph = p->nsp == 2 ? ember_int_list_at(args[A_OUTPAD], 0, 0) : 0;
    p->opw = ember_int_list_at(args[A_OUTPAD], (size_t)r, 0);
    p->co = p->transposed ? w->sizes[1] * p->groups : w->sizes[0];
    p->ho = p->wo = 0;
    p->size_ok = conv_out_len(p->transposed, p->h, p->kh, p->sh, p->ph, p->dh, p->oph, &p->ho) &&
                 conv_out_len(p->transposed, p->w, p->kw, p->sw, p->pw, p->dw, p->opw, &p->wo);
}

/* The indices o in [*lo, *hi) of an axis of length `len_o` for which o * stride + off lies in
 * [0, len_i). */
static void conv_range(int64_t len_o, int64_t len_i, int64_t stride, int64_t off, int64_t* lo,
                       int64_t* hi)
{
    int64_t a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int64_t b = len_i - off <= 0 ? 0 : (len_i - 1 - off) / stride + 1;
    if (b > len_o) b = len_o;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

/* Each output plane starts as its bias (or zero). out: (N, Co, Ho*Wo); bias: (Co) or NULL. */
static void f32_conv_init_bias(float* restrict out, const float* restrict bias, int64_t n,
                               int64_t co, int64_t plane)
{
    for (int64_t b = 0; b < n; b++)
        for (int64_t c = 0; c < co; c++) {
            float* o = out + (b * co + c) * plane;
            const float v = bias ? bias[c] : 0.0f;
            for (int64_t i = 0; i < plane; i++) o[i] = v;
        }
}

/* o (Ho, Wo) += the convolution of NC consecutive input planes x (NC, H, W) with their kernels
 * wk (NC, Kh, Kw). NC = 4 reads four input rows per output-row pass, so each output element is
 * loaded and stored once per four channels instead of once per channel. */
#define F32_CONV2D_ACCUM(NAME, NC)                                                              \
    static void NAME(float* restrict o, const float* restrict x, const float* restrict wk,    \
                     const conv_params* p, bool pointwise)                                      \
    {                                                                                           \
        const int64_t plane_i = p->h * p->w, taps = p->kh * p->kw;                              \
        if (pointwise) { /* (Ho, Wo) == (H, W): one pass over the plane */                     \
            float a[NC];                                                                        \
            for (int c = 0; c < NC; c++) a[c] = wk[c * taps];                                   \
            for (int64_t i = 0; i < plane_i; i++) {                                             \
                float acc = o[i];                                                               \
                for (int c = 0; c < NC; c++) acc += a[c] * x[c * plane_i + i];                  \
                o[i] = acc;                                                                     \
            }                                                                                   \
            return;                                                                             \
        }                                                                                       \
        for (int64_t ky = 0; ky < p->kh; ky++) {                                                \
            const int64_t offy = ky * p->dh - p->ph;                                            \
            int64_t oy0, oy1;                                                                   \
            conv_range(p->ho, p->h, p->sh, offy, &oy0, &oy1);                                   \
            for (int64_t kx = 0; kx < p->kw; kx++) {                                            \
                const int64_t offx = kx * p->dw - p->pw;                                        \
                int64_t ox0, ox1;                                                               \
                conv_range(p->wo, p->w, p->sw, offx, &ox0, &ox1);                               \
                const int64_t len = ox1 - ox0, s = p->sw;                                       \
                if (len <= 0) continue;                                                         \
                float a[NC];                                                                    \
                for (int c = 0; c < NC; c++) a[c] = wk[c * taps + ky * p->kw + kx];             \
                for (int64_t oy = oy0; oy < oy1; oy++) {                                        \
                    float* restrict orow = o + oy * p->wo + ox0;                                \
                    const float* restrict xrow = x + (oy * p->sh + offy) * p->w + ox0 * s + offx; \
                    if (s == 1) {                                                               \
                        for (int64_t j = 0; j < len; j++) {                                     \
                            float acc = orow[j];                                                \
                            for (int c = 0; c < NC; c++) acc += a[c] * xrow[c * plane_i + j];   \
                            orow[j] = acc;                                                      \
                        }                                                                       \
                    } else {                                                                    \
                        for (int64_t j = 0; j < len; j++) {                                     \
                            float acc = orow[j];                                                \
                            for (int c = 0; c < NC; c++)                                        \
                                acc += a[c] * xrow[c * plane_i + j * s];                        \
                            orow[j] = acc;                                                      \
                        }                                                                       \
                    }                                                                           \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
    }
F32_CONV2D_ACCUM(f32_conv2d_accum1, 1)
F32_CONV2D_ACCUM(f32_conv2d_accum4, 4)
#undef F32_CONV2D_ACCUM

/* out: (N, Co, Ho, Wo); in: (N, Ci, H, W); w: (Co, Ci/groups, Kh, Kw); bias: (Co) or NULL. */
static void f32_conv2d__portable(float* restrict out, const float* restrict in,
                                 const float* restrict w, const float* restrict bias,
                                 const conv_params* p)
{
    const int64_t cig = p->ci / p->groups, cog = p->co / p->groups;
    const int64_t plane_i = p->h * p->w, plane_o = p->ho * p->wo, taps = p->kh * p->kw;
    const bool pointwise = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 &&
                           p->ph == 0 && p->pw == 0;
    f32_conv_init_bias(out, bias, p->n, p->co, plane_o);
    for (int64_t b = 0; b < p->n; b++)
        for (int64_t oc = 0; oc < p->co; oc++) {
            const int64_t g = oc / cog;
            float* o = out + (b * p->co + oc) * plane_o;                 /* (Ho, Wo) */
            const float* x = in + (b * p->ci + g * cig) * plane_i;      /* (Ci/groups, H, W) */
            const float* wk = w + oc * cig * taps;                      /* (Ci/groups, Kh, Kw) */
            int64_t icg = 0;
            for (; icg + 4 <= cig; icg += 4)
                f32_conv2d_accum4(o, x + icg * plane_i, wk + icg * taps, p, pointwise);
            for (; icg < cig; icg++)
                f32_conv2d_accum1(o, x + icg * plane_i, wk + icg * taps, p, pointwise);
        }
}

/* Transposed convolution (the adjoint of the above), scattering each input element.
 * out: (N, Co, Ho, Wo); in: (N, Ci, H, W); w: (Ci, Co/groups, Kh, Kw); bias: (Co) or NULL. */
static void f32_conv_transpose2d__portable(float* restrict out, const float* restrict in,
                                           const float* restrict w, const float* restrict bias,
                                           const conv_params* p)
{
    const int64_t cig = p->ci / p->groups, cog = p->co / p->groups;
    const int64_t plane_i = p->h * p->w, plane_o = p->ho * p->wo, taps = p->kh * p->kw;
    f32_conv_init_bias(out, bias, p->n, p->co, plane_o);
    for (int64_t b = 0; b < p->n; b++)
        for (int64_t ic = 0; ic < p->ci; ic++) {
            const int64_t g = ic / cig;
            const float* restrict x = in + (b * p->ci + ic) * plane_i; /* (H, W) */
            for (int64_t ocg = 0; ocg < cog; ocg++) {
                float* restrict o = out + (b * p->co + g * cog + ocg) * plane_o; /* (Ho, Wo) */
                const float* restrict wk = w + (ic * cog + ocg) * taps;         /* (Kh, Kw) */
                for (int64_t ky = 0; ky < p->kh; ky++) {
                    const int64_t offy = ky * p->dh - p->ph;
                    int64_t iy0, iy1;
                    conv_range(p->h, p->ho, p->sh, offy, &iy0, &iy1);
                    for (int64_t kx = 0; kx < p->kw; kx++) {
                        const int64_t offx = kx * p->dw - p->pw;
                        int64_t ix0, ix1;
                        conv_range(p->w, p->wo, p->sw, offx, &ix0, &ix1);
                        const int64_t len = ix1 - ix0, s = p->sw;
                        const float wv = wk[ky * p->kw + kx];
                        for (int64_t iy = iy0; iy < iy1; iy++) {
                            float* restrict orow =
                                o + (iy * p->sh + offy) * p->wo + ix0 * s + offx;
                            const float* restrict xrow = x + iy * p->w + ix0;
                            for (int64_t j = 0; j < len; j++) orow[j * s] += wv * xrow[j];
                        }
                    }
                }
            }
        }
}

#define HALF_BLOCK 64

/* Both directions for float16/bfloat16, gathering into HALF_BLOCK output columns at a time:
 * out (ocol) of a convolution reads input column ocol * stride + off; a transposed convolution
 * (the adjoint) collects the input columns icol with icol * stride + off == ocol, and input
 * row iy only where iy * sh + offy is the output row. Shapes as in the f32 kernels; w is
 * (Co, Ci/groups, Kh, Kw), or (Ci, Co/groups, Kh, Kw) when transposed. */
static void half_conv2d__portable(uint16_t* restrict out, const uint16_t* restrict in,
                                  const uint16_t* restrict w, const uint16_t* restrict bias,
                                  int dt, const conv_params* p)
{
    const int64_t cig = p->ci / p->groups, cog = p->co / p->groups;
    const int64_t plane_i = p->h * p->w, taps = p->kh * p->kw;
    float acc[HALF_BLOCK];
    for (int64_t b = 0; b < p->n; b++)
        for (int64_t oc = 0; oc < p->co; oc++) {
            const int64_t g = oc / cog, ocg = oc % cog;
            const uint16_t* x = in + (b * p->ci + g * cig) * plane_i; /* (Ci/groups, H, W) */
            const float bv = bias ? ember_load_f32(bias, dt, oc) : 0.0f;
            for (int64_t oy = 0; oy < p->ho; oy++)
                for (int64_t ox0 = 0; ox0 < p->wo; ox0 += HALF_BLOCK) {
                    const int64_t nb = p->wo - ox0 < HALF_BLOCK ? p->wo - ox0 : HALF_BLOCK;
                    for (int64_t j = 0; j < nb; j++) acc[j] = bv;
                    for (int64_t icg = 0; icg < cig; icg++)
                        for (int64_t ky = 0; ky < p->kh; ky++) {
                            int64_t iy = oy * p->sh - p->ph + ky * p->dh;
                            if (p->transposed) {
                                const int64_t t = oy + p->ph - ky * p->dh; /* = iy * sh */
                                if (t < 0 || t % p->sh != 0) continue;
                                iy = t / p->sh;
                            }
                            if (iy < 0 || iy >= p->h) continue;
                            const uint16_t* xrow = x + icg * plane_i + iy * p->w; /* (W) */
                            for (int64_t kx = 0; kx < p->kw; kx++) {
                                const float wv =
                                    p->transposed
                                        ? ember_load_f32(w, dt, ((g * cig + icg) * cog + ocg) * taps +
                                                           ky * p->kw + kx)
                                        : ember_load_f32(w, dt, (oc * cig + icg) * taps + ky * p->kw + kx);
                                const int64_t off = kx * p->dw - p->pw;
                                int64_t lo, hi;
                                if (p->transposed) { /* input columns landing in the block */
                                    conv_range(p->w, nb, p->sw, off - ox0, &lo, &hi);
                                    for (int64_t ix = lo; ix < hi; ix++)
                                        acc[ix * p->sw + off - ox0] += wv * ember_load_f32(xrow, dt, ix);
                                } else { /* block columns whose input column exists */
                                    conv_range(p->wo, p->w, p->sw, off, &lo, &hi);
                                    if (lo < ox0) lo = ox0;
                                    if (hi > ox0 + nb) hi = ox0 + nb;
                                    for (int64_t ox = lo; ox < hi; ox++)
                                        acc[ox - ox0] += wv * ember_load_f32(xrow, dt, ox * p->sw + off);
                                }
                            }
                        }
                    uint16_t* o = out + ((b * p->co + oc) * p->ho + oy) * p->wo + ox0;
                    for (int64_t j = 0; j < nb; j++) ember_store_f32(o, dt, j, acc[j]);
                }
        }
}

static ember_status run_conv_half(ember_kernel_ctx* ctx, ember_value* const* args)
{
    conv_params p;
    conv_params_get(args, &p);
    const ember_tensor* bias = ember_is_null(args[A_BIAS]) ? NULL : args[A_BIAS]->u.t;
    const ember_tensor* in = args[A_IN]->u.t;
    half_conv2d__portable((uint16_t*)args[A_OUT]->u.t->data, (const uint16_t*)in->data,
                          (const uint16_t*)args[A_W]->u.t->data,
                          bias ? (const uint16_t*)bias->data : NULL, in->dtype, &p);
    return EMBER_OK;
}

static ember_status run_conv_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    conv_params p;
    conv_params_get(args, &p);
    const ember_tensor* bias = ember_is_null(args[A_BIAS]) ? NULL : args[A_BIAS]->u.t;
    float* out = (float*)args[A_OUT]->u.t->data;
    const float* in = (const float*)args[A_IN]->u.t->data;
    const float* w = (const float*)args[A_W]->u.t->data;
    const float* bv = bias ? (const float*)bias->data : NULL;
    if (p.transposed)
        f32_conv_transpose2d__portable(out, in, w, bv, &p);
    else
        f32_conv2d__portable(out, in, w, bv, &p);
    return EMBER_OK;
}

/* The fast kernels' view of the shapes (a 1-D convolution as 2-D with H = 1). */
static void conv_shape(const conv_params* p, f32_conv2d_shape* s)
{
    *s = (f32_conv2d_shape){.n = p->n, .ci = p->ci, .h = p->h, .w = p->w, .co = p->co,
                            .ho = p->ho, .wo = p->wo, .kh = p->kh, .kw = p->kw, .sh = p->sh,
                            .sw = p->sw, .ph = p->ph, .pw = p->pw, .dh = p->dh, .dw = p->dw,
                            .groups = p->groups};
}

/* Weights packed at load (x86, kernels/kernel.h): a convolution whose weight is a constant
 * asks at prepare for a packed copy of it, and run reads that copy when the caller packed
 * (ctx->packed), the weight as stored otherwise:
 *   Winograd  a 3x3 stride-1 layer that f32_conv2d_wino_fits: its transformed weight, and run
 *             takes Winograd (the GEMM unpacked);
 *   CT        any other layer the GEMM runs transposed (F32_CONV_CT: lanes along the output
 *             channels): its weight in the GEMM's strips (f32_conv2d_gemm_pack), which the GEMM
 *             would otherwise transpose again for every block of output positions; the same
 *             bytes out either way.
 * The variant is picked from the tier's features in prepare, pack and run alike, so the layout
 * always matches. */
#if EMBER_HAVE_X86_KERNELS
typedef enum { CONV_PACK_NONE, CONV_PACK_WINO, CONV_PACK_CT } conv_pack_kind;

/* What the convolution of args packs with `features`: its shape in *s, Winograd's variant in
 * *v, the GEMMs in *g. The one test of prepare (asking), pack (writing) and run (reading). */
static conv_pack_kind conv_packs(ember_value* const* args, const conv_params* p,
                                 uint64_t features, f32_conv2d_shape* s, f32_conv_wino* v,
                                 f32_conv_gemms* g)
{
    conv_shape(p, s);
    *g = f32_conv_gemms_pick(features);
    if (args[A_W]->u.t->storage != EMBER_TENSOR_CONSTANT || f32_conv2d_stem_fits(s))
        return CONV_PACK_NONE; /* a stem runs its own kernel on the weight as stored */
    if (f32_conv2d_wino_fits(s) && f32_conv_wino_pick(features, v)) return CONV_PACK_WINO;
    return f32_conv2d_gemm_packed_bytes(s, g) > 0 ? CONV_PACK_CT : CONV_PACK_NONE;
}
#define CONV_PACK(TIER, FEATURES)                                                               \
    static ember_status pack_conv_##TIER(ember_kernel_ctx* ctx, ember_value* const* args,       \
                                         void* dst)                                             \
    {                                                                                           \
        conv_params p;                                                                          \
        f32_conv2d_shape s;                                                                     \
        f32_conv_wino v;                                                                        \
        f32_conv_gemms g;                                                                       \
        conv_params_get(args, &p);                                                              \
        const float* w = (const float*)args[A_W]->u.t->data;                                    \
        switch (conv_packs(args, &p, FEATURES, &s, &v, &g)) {                                   \
        case CONV_PACK_WINO: v.pack((float*)dst, w, &s); return EMBER_OK;                       \
        case CONV_PACK_CT: f32_conv2d_gemm_pack((float*)dst, w, &s, &g); return EMBER_OK;       \
        default: return ember_kernel_fail(ctx, EMBER_INTERNAL, "weight cannot be packed");      \
        }                                                                                       \
    }                                                                                           \
    static void want_pack_##TIER(ember_kernel_ctx* ctx, ember_value* const* args,               \
                                 const conv_params* p)                                          \
    {                                                                                           \
        f32_conv2d_shape s;                                                                     \
        f32_conv_wino v;                                                                        \
        f32_conv_gemms g;                                                                       \
        size_t bytes = 0;                                                                       \
        switch (conv_packs(args, p, FEATURES, &s, &v, &g)) {                                    \
        case CONV_PACK_WINO: bytes = v.packed_bytes(&s); break; /* 0 if it overflows */         \
        case CONV_PACK_CT: bytes = f32_conv2d_gemm_packed_bytes(&s, &g); break;                 \
        default: return;                                                                        \
        }                                                                                       \
        ctx->pack_bytes = bytes; /* 0: nothing asked */                                         \
        ctx->pack = pack_conv_##TIER;                                                           \
    }
#define CONV_PACKED_RUN(FEATURES)                                                               \
    if (ctx->packed) {                                                                          \
        f32_conv_wino v;                                                                        \
        f32_conv_gemms g;                                                                       \
        const float* b = bias ? (const float*)bias->data : NULL;                                \
        float* y = (float*)args[A_OUT]->u.t->data;                                              \
        const float* x = (const float*)args[A_IN]->u.t->data;                                   \
        const float* packed = (const float*)ctx->packed;                                        \
        /* prepare asked with the same features, so one of the two holds */                    \
        if (conv_packs(args, &p, FEATURES, &s, &v, &g) == CONV_PACK_WINO)                       \
            return v.run(y, x, packed, b, &s, lo, hi, ctx->pool);                               \
        return f32_conv2d_gemm_bp(y, x, packed, b, &s, &g, lo, hi, ctx->pool);                  \
    }
#else
#define CONV_PACKED_RUN(FEATURES)
#endif

/* The run functions of one SIMD tier: its GEMMs are f32_conv_gemms_pick(FEATURES), constants,
 * so the choice made in prepare does not change with later ember_kernel_cpu_mask_set calls. Both split their work over ctx->pool. */
#define CONV_FAST_RUNS(TIER, FEATURES, DW, STEM)                                                \
    static ember_status run_conv_f32_gemm_##TIER(ember_kernel_ctx* ctx,                         \
                                                 ember_value* const* args)                      \
    {                                                                                           \
        conv_params p;                                                                          \
        f32_conv2d_shape s;                                                                     \
        conv_params_get(args, &p);                                                              \
        conv_shape(&p, &s);                                                                     \
        const ember_tensor* bias = ember_is_null(args[A_BIAS]) ? NULL : args[A_BIAS]->u.t;     \
        float lo, hi;                                                                           \
        ember_kernel_clamp_get(ctx, &lo, &hi);                                                  \
        const f32_conv2d_stem_fn stem = STEM;                                                   \
        if (stem && f32_conv2d_stem_fits(&s))                                                   \
            return f32_conv2d_stem_par((float*)args[A_OUT]->u.t->data,                          \
                                       (const float*)args[A_IN]->u.t->data,                     \
                                       (const float*)args[A_W]->u.t->data,                      \
                                       bias ? (const float*)bias->data : NULL, &s, stem, lo, hi, \
                                       ctx->pool);                                              \
        CONV_PACKED_RUN(FEATURES)                                                               \
        const f32_conv_gemms g = f32_conv_gemms_pick(FEATURES);                                 \
        return f32_conv2d_gemm((float*)args[A_OUT]->u.t->data,                                  \
                               (const float*)args[A_IN]->u.t->data,                             \
                               (const float*)args[A_W]->u.t->data,                              \
                               bias ? (const float*)bias->data : NULL, &s, &g, lo, hi,          \
                               ctx->pool);                                                      \
    }                                                                                           \
    static ember_status run_conv_f32_dw_##TIER(ember_kernel_ctx* ctx, ember_value* const* args) \
    {                                                                                           \
        conv_params p;                                                                          \
        f32_conv2d_shape s;                                                                     \
        conv_params_get(args, &p);                                                              \
        conv_shape(&p, &s);                                                                     \
        const ember_tensor* bias = ember_is_null(args[A_BIAS]) ? NULL : args[A_BIAS]->u.t;     \
        float lo, hi;                                                                           \
        ember_kernel_clamp_get(ctx, &lo, &hi);                                                  \
        return f32_conv2d_depthwise_par(                                                        \
            (float*)args[A_OUT]->u.t->data, (const float*)args[A_IN]->u.t->data,                \
            (const float*)args[A_W]->u.t->data, bias ? (const float*)bias->data : NULL, &s, DW, \
            lo, hi, ctx->pool);                                                                 \
    }

#define CPU(x) EMBER_CPU_BIT(EMBER_CPU_##x)
#if EMBER_HAVE_X86_KERNELS
#define TIER_AVX512 (CPU(AVX512F) | CPU(AVX512VL) | CPU(AVX512BW) | CPU(AVX512DQ) | CPU(FMA) | \
                     CPU(AVX2) | CPU(AVX) | CPU(SSE4_1))
#define TIER_AVX2 (CPU(AVX2) | CPU(FMA) | CPU(AVX) | CPU(SSE4_1))
CONV_FAST_RUNS(avx512, TIER_AVX512, f32_conv2d_depthwise__avx512, f32_conv2d_stem__avx512)
CONV_FAST_RUNS(avx2, TIER_AVX2, f32_conv2d_depthwise__avx2, f32_conv2d_stem__avx2)
CONV_PACK(avx512, TIER_AVX512)
CONV_PACK(avx2, TIER_AVX2)
#elif defined(__aarch64__)
#define TIER_ASIMD CPU(ASIMD)
CONV_FAST_RUNS(asimd, TIER_ASIMD, f32_conv2d_depthwise__generic, NULL)
#endif

/* The run function for a non-transposed f32 convolution on this CPU (see the file comment). */
static ember_kernel_run_fn pick_conv_f32(const conv_params* p)
{
    f32_conv2d_shape s;
    conv_shape(p, &s);
    const bool dw = f32_conv2d_is_depthwise(&s);
    const uint64_t f = ember_kernel_cpu_features();
    (void)dw, (void)f;
#if EMBER_HAVE_X86_KERNELS
    if ((f & TIER_AVX512) == TIER_AVX512) return dw ? run_conv_f32_dw_avx512 : run_conv_f32_gemm_avx512;
    if ((f & TIER_AVX2) == TIER_AVX2) return dw ? run_conv_f32_dw_avx2 : run_conv_f32_gemm_avx2;
#elif defined(__aarch64__)
    if ((f & TIER_ASIMD) == TIER_ASIMD) return dw ? run_conv_f32_dw_asimd : run_conv_f32_gemm_asimd;
#endif
    return run_conv_f32;
}

/* An int list of 1 or `nsp` items, each in [min, 2^31-1]. */
static ember_status conv_check_list(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                    const char* what, int nsp, int64_t min)
{
    const int64_t* v = NULL;
    size_t n = 0;
    EMBER_TRY(ember_arg_ints(ctx, args, i, what, &v, &n));
    EMBER_REQUIRE(ctx, n == 1 || n == (size_t)nsp, EMBER_INVALID_ARGUMENT,
                  "%s has %zu items, expected %d", what, n, nsp);
    return ember_check_ints_in(ctx, what, v, n, min, INT32_MAX);
}

ember_status ember_prepare_aten_convolution_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, NUM_ARGS + 1);
    ember_tensor *in, *w, *bias, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, A_IN, "input", EMBER_DTYPES_F32_HALF, &in));
    EMBER_TRY(ember_arg_tensor(ctx, args, A_W, "weight", EMBER_DTYPES_F32_HALF, &w));
    EMBER_TRY(ember_arg_opt_tensor(ctx, args, A_BIAS, "bias", EMBER_DTYPES_F32_HALF, &bias));
    EMBER_TRY(ember_arg_out(ctx, args, A_OUT, "out", EMBER_DTYPES_F32_HALF, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "weight", w, in));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, in));
    if (bias) EMBER_TRY(ember_check_same_dtype(ctx, "bias", bias, in));
    EMBER_REQUIRE(ctx, in->dim == 3 || in->dim == 4, EMBER_NOT_SUPPORTED,
                  "input has rank %d; only 1-D (N, C, L) and 2-D (N, C, H, W) are supported",
                  in->dim);
    EMBER_REQUIRE(ctx, w->dim == in->dim, EMBER_SHAPE_MISMATCH,
                  "weight has rank %d, input rank %d", w->dim, in->dim);
    const int nsp = in->dim - 2;
    bool transposed = false;
    int64_t groups;
    EMBER_TRY(ember_arg_bool(ctx, args, A_TRANS, "transposed", &transposed));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_GROUPS, "groups", 1, INT32_MAX, &groups));
    EMBER_TRY(conv_check_list(ctx, args, A_STRIDE, "stride", nsp, 1));
    EMBER_TRY(conv_check_list(ctx, args, A_PAD, "padding", nsp, 0));
    EMBER_TRY(conv_check_list(ctx, args, A_DIL, "dilation", nsp, 1));
    if (transposed) {
        EMBER_TRY(conv_check_list(ctx, args, A_OUTPAD, "output_padding", nsp, 0));
    } else {
        EMBER_TRY(ember_arg_kind(ctx, args, A_OUTPAD, "output_padding", EMBER_VALUE_INT_LIST));
    }

    const int64_t ci = in->sizes[1];
    EMBER_REQUIRE(ctx, ci % groups == 0, EMBER_SHAPE_MISMATCH,
                  "%lld input channels are not divisible by groups = %lld", (long long)ci,
                  (long long)groups);
    if (!transposed) {
        EMBER_REQUIRE(ctx, w->sizes[1] * groups == ci, EMBER_SHAPE_MISMATCH,
                      "weight has %d input channels per group, input %lld channels in %lld groups",
                      (int)w->sizes[1], (long long)ci, (long long)groups);
        EMBER_REQUIRE(ctx, w->sizes[0] % groups == 0, EMBER_SHAPE_MISMATCH,
                      "%d output channels are not divisible by groups = %lld", (int)w->sizes[0],
                      (long long)groups);
    } else {
        EMBER_REQUIRE(ctx, w->sizes[0] == ci, EMBER_SHAPE_MISMATCH,
                      "transposed weight has %d input channels, input %lld", (int)w->sizes[0],
                      (long long)ci);
    }
    conv_params p;
    conv_params_get(args, &p);
    EMBER_REQUIRE(ctx, p.size_ok, EMBER_INVALID_ARGUMENT,
                  "stride, padding, dilation and output_padding give an output size beyond "
                  "int64");
    if (transposed) {
        EMBER_REQUIRE(ctx, (p.oph < p.sh || p.oph < p.dh) && (p.opw < p.sw || p.opw < p.dw),
                      EMBER_INVALID_ARGUMENT,
                      "output_padding must be smaller than stride or dilation");
    }
    if (bias) {
        int64_t want = p.co;
        EMBER_TRY(ember_check_shape(ctx, "bias", bias, 1, &want));
    }
    EMBER_REQUIRE(ctx, p.ho > 0 && p.wo > 0, EMBER_SHAPE_MISMATCH,
                  "output would be empty (%lld x %lld): input too small for the kernel",
                  (long long)p.ho, (long long)p.wo);
    int64_t want[4] = {p.n, p.co, p.ho, p.wo};
    if (nsp == 1) want[2] = p.wo;
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    if (in->dtype != EMBER_DTYPE_F32)
        *run = run_conv_half;
    else
        *run = transposed ? run_conv_f32 : pick_conv_f32(&p);
    if (*run != run_conv_half && *run != run_conv_f32) ember_kernel_accept_clamp(ctx); /* fast f32 */
#if EMBER_HAVE_X86_KERNELS
    if (*run == run_conv_f32_gemm_avx512) want_pack_avx512(ctx, args, &p);
    if (*run == run_conv_f32_gemm_avx2) want_pack_avx2(ctx, args, &p);
#endif
    return EMBER_OK;
}
