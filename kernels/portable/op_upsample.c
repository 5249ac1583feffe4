/* op_upsample.c — 2-D resizing on (N, C, H, W) inputs of float32, float16 or bfloat16 (one
 * kernel for the three: elements load to float through ember_load_f32, bilinear weights in
 * float, each output stored once through ember_store_f32):
 *   aten::upsample_nearest2d.vec_out   [self, output_size?, scale_factors?, out, out]
 *   aten::upsample_nearest2d.out       [self, output_size, scales_h?, scales_w?, out, out]
 *   aten::upsample_bilinear2d.vec_out  [self, output_size?, align_corners, scale_factors?, out, out]
 *   aten::upsample_bilinear2d.out      [self, output_size, align_corners, scales_h?, scales_w?,
 *                                       out, out]
 * Source coordinates follow ATen's CPU kernels, in float as they compute them: a given scale
 * factor s maps with 1/s, otherwise the size ratio in/out; bilinear uses half-pixel centres
 * unless align_corners. A scale factor that sizes the output must be finite, positive and
 * give at most 2^31-1 pixels; a source coordinate converts to an index by Ember's rule
 * (kernel_util.h) and is clamped into the input, so even a huge or inf ratio reads in bounds. */
#include "kernels/kernel_util.h"

typedef struct resize_params {
    int64_t planes, h, w, ho, wo;
    float rh, rw;       /* source step per output pixel */
    bool align_corners; /* bilinear only */
} resize_params;

/* Which args hold what, per overload. */
typedef struct resize_layout {
    int nargs;
    int align;    /* index of align_corners, -1 for nearest */
    int scales;   /* index of scale_factors (vec) or scales_h (with scales_w after it) */
    bool vec;     /* scale_factors is one list (vec) or two optional doubles */
    int out;
} resize_layout;

static const resize_layout nearest_vec = {5, -1, 2, true, 3};
static const resize_layout nearest_sizes = {6, -1, 2, false, 4};
static const resize_layout bilinear_vec = {6, 2, 3, true, 4};
static const resize_layout bilinear_sizes = {7, 2, 3, false, 5};

/* The scale factor given for axis k (0: H, 1: W), or 0 if none. */
static double given_scale(ember_value* const* args, const resize_layout* L, int k)
{
    const ember_value* v = args[L->vec ? L->scales : L->scales + k];
    if (L->vec) return v->tag == EMBER_VALUE_DOUBLE_LIST && v->len == 2 ? v->u.doubles[k] : 0.0;
    return v->tag == EMBER_VALUE_DOUBLE ? v->u.d : 0.0;
}

/* ATen's area_pixel_compute_scale. */
static float axis_ratio(int64_t in, int64_t out, double scale, bool align_corners)
{
    if (align_corners) return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
    return scale > 0.0 ? (float)(1.0 / scale) : (float)in / (float)out;
}

static void resize_params_get(ember_value* const* args, const resize_layout* L, resize_params* p)
{
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[L->out]->u.t;
    p->h = in->sizes[2];
    p->w = in->sizes[3];
    p->ho = out->sizes[2];
    p->wo = out->sizes[3];
    p->planes = (int64_t)in->sizes[0] * in->sizes[1];
    p->align_corners = L->align >= 0 && args[L->align]->u.b;
    p->rh = axis_ratio(p->h, p->ho, given_scale(args, L, 0), p->align_corners);
    p->rw = axis_ratio(p->w, p->wo, given_scale(args, L, 1), p->align_corners);
}

/* floor(src) clamped into [0, len - 1] (NaN, from 0 * inf, reads index 0). */
static int64_t nearest_index(float src, int64_t len)
{
    const int64_t i = ember_f64_to_i64(floorf(src));
    return i < 0 ? 0 : i > len - 1 ? len - 1 : i;
}

/* out: (planes, Ho, Wo); in: (planes, H, W). */
static void float_upsample_nearest2d__portable(void* restrict out, const void* restrict in,
                                               int dt, const resize_params* p)
{
    int64_t o = 0;
    for (int64_t c = 0; c < p->planes; c++) {
        const int64_t x = c * p->h * p->w; /* plane offset */
        for (int64_t oy = 0; oy < p->ho; oy++) {
            const int64_t y = nearest_index((float)oy * p->rh, p->h);
            for (int64_t ox = 0; ox < p->wo; ox++) {
                const int64_t xx = nearest_index((float)ox * p->rw, p->w);
                ember_store_f32(out, dt, o++, ember_load_f32(in, dt, x + y * p->w + xx));
            }
        }
    }
}

/* Source index and weights of output coordinate o (ATen's area_pixel_compute_source_index). */
static void bilinear_axis(int64_t o, float ratio, bool align_corners, int64_t in, int64_t* i0,
                          int64_t* i1, float* l0, float* l1)
{
    float src = align_corners ? ratio * (float)o : ratio * ((float)o + 0.5f) - 0.5f;
    if (!(src >= 0.0f)) src = 0.0f; /* negative or NaN */
    if (src > (float)in) src = (float)in; /* ATen caps the weight of i1 at 1; inf too */
    *i0 = ember_f64_to_i64(src);
    if (*i0 > in - 1) *i0 = in - 1;
    *i1 = *i0 + (*i0 < in - 1 ? 1 : 0);
    *l1 = src - (float)*i0;
    *l0 = 1.0f - *l1;
}

static void float_upsample_bilinear2d__portable(void* restrict out, const void* restrict in,
                                                int dt, const resize_params* p)
{
    int64_t o = 0;
    for (int64_t c = 0; c < p->planes; c++) {
        const int64_t x = c * p->h * p->w; /* plane offset */
        for (int64_t oy = 0; oy < p->ho; oy++) {
            int64_t y0, y1;
            float wy0, wy1;
            bilinear_axis(oy, p->rh, p->align_corners, p->h, &y0, &y1, &wy0, &wy1);
            for (int64_t ox = 0; ox < p->wo; ox++) {
                int64_t x0, x1;
                float wx0, wx1;
                bilinear_axis(ox, p->rw, p->align_corners, p->w, &x0, &x1, &wx0, &wx1);
                const float v00 = ember_load_f32(in, dt, x + y0 * p->w + x0);
                const float v01 = ember_load_f32(in, dt, x + y0 * p->w + x1);
                const float v10 = ember_load_f32(in, dt, x + y1 * p->w + x0);
                const float v11 = ember_load_f32(in, dt, x + y1 * p->w + x1);
                ember_store_f32(out, dt, o++,
                                wy0 * (wx0 * v00 + wx1 * v01) + wy1 * (wx0 * v10 + wx1 * v11));
            }
        }
    }
}

static ember_status resize_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                   size_t num_args, const resize_layout* L)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, L->nargs);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_ALL, &in));
    EMBER_TRY(ember_arg_out(ctx, args, (size_t)L->out, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_dtype_in(ctx, "input", in, EMBER_DTYPES_F32_HALF));
    EMBER_TRY(ember_check_dtype(ctx, "out", out, in->dtype));
    EMBER_REQUIRE(ctx, in->dim == 4, EMBER_NOT_SUPPORTED, "input has rank %d, expected (N, C, H, W)", in->dim);
    EMBER_REQUIRE(ctx, in->sizes[2] > 0 && in->sizes[3] > 0, EMBER_SHAPE_MISMATCH, "input has an empty spatial dim");
    if (L->align >= 0)
        EMBER_TRY(ember_arg_kind(ctx, args, L->align, "align_corners", EMBER_VALUE_BOOL));
    /* The output size: given, or floor(input * scale). */
    int64_t want[4];
    ember_tensor_sizes(in, want);
    const ember_value* size = args[1];
    if (size->tag == EMBER_VALUE_INT_LIST) {
        EMBER_REQUIRE(ctx, size->len == 2, EMBER_INVALID_ARGUMENT, "output_size has %" PRIu32 " items, expected 2", size->len);
        want[2] = size->u.ints[0];
        want[3] = size->u.ints[1];
    } else {
        EMBER_REQUIRE(ctx, L->vec && ember_is_null(size), EMBER_INVALID_ARGUMENT, "output_size: expected an int list");
        for (int k = 0; k < 2; k++) {
            double s = given_scale(args, L, k);
            EMBER_REQUIRE(ctx, s > 0.0, EMBER_INVALID_ARGUMENT, "neither output_size nor a positive scale factor is given");
            const double o = floor((double)in->sizes[2 + k] * s);
            EMBER_REQUIRE(ctx, o <= (double)INT32_MAX, EMBER_INVALID_ARGUMENT,
                          "scale_factors[%d] = %s gives %s pixels (more than 2^31-1)", k,
                          EMBER_DOUBLE_STR(s), EMBER_DOUBLE_STR(o));
            want[2 + k] = (int64_t)o;
        }
    }
    EMBER_REQUIRE(ctx, want[2] > 0 && want[3] > 0, EMBER_INVALID_ARGUMENT, "output size must be positive");
    return ember_check_shape(ctx, "out", out, 4, want);
}

#define RESIZE_OP(sym, layout, kernel)                                                          \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)                                     \
    {                                                                                           \
        resize_params p;                                                                        \
        resize_params_get(args, &layout, &p);                                                   \
        kernel(args[layout.out]->u.t->data, args[0]->u.t->data, args[0]->u.t->dtype, &p);       \
        return EMBER_OK;                                                                        \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(resize_prepare(ctx, args, num_args, &layout));                                   \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

RESIZE_OP(aten_upsample_nearest2d_vec_out, nearest_vec, float_upsample_nearest2d__portable)
RESIZE_OP(aten_upsample_nearest2d_out, nearest_sizes, float_upsample_nearest2d__portable)
RESIZE_OP(aten_upsample_bilinear2d_vec_out, bilinear_vec, float_upsample_bilinear2d__portable)
RESIZE_OP(aten_upsample_bilinear2d_out, bilinear_sizes, float_upsample_bilinear2d__portable)
