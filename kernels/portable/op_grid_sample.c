/* op_grid_sample.c — grid_sampler_2d.out (F.grid_sample on 4-D input), portable f32:
 *   [input (N, C, H, W), grid (N, Ho, Wo, 2), interpolation_mode, padding_mode, align_corners,
 *    out (N, C, Ho, Wo), out]
 * interpolation_mode 0 bilinear, 1 nearest, 2 bicubic; padding_mode 0 zeros, 1 border,
 * 2 reflection. grid[n, y, x] = (x, y) in [-1, 1] names a point of input[n]; the coordinate
 * rules (unnormalize, clip, reflect, bicubic's A = -0.75 taps each bounded by the padding mode)
 * are ATen's CPU kernel's. Coordinates are computed in double, values summed in float. A NaN or
 * an infinite grid coordinate samples as zero (C leaves converting it to an index undefined),
 * and so does any tap outside the input with zeros padding. */
#include "kernels/kernel_util.h"

enum { GS_BILINEAR, GS_NEAREST, GS_BICUBIC };
enum { GS_ZEROS, GS_BORDER, GS_REFLECTION };

static double unnormalize(double c, int64_t size, bool align)
{
    return align ? (c + 1) / 2 * (double)(size - 1) : ((c + 1) * (double)size - 1) / 2;
}

static double clip(double c, int64_t size)
{
    return c < 0 ? 0 : c > (double)(size - 1) ? (double)(size - 1) : c;
}

static double reflect(double c, int64_t twice_low, int64_t twice_high)
{
    if (twice_low == twice_high) return 0;
    const double lo = (double)twice_low / 2, span = (double)(twice_high - twice_low) / 2;
    c = fabs(c - lo);
    const double extra = fmod(c, span);
    const double flips = floor(c / span);
    return fmod(flips, 2) == 0 ? extra + lo : span - extra + lo;
}

/* The padding mode applied to an unnormalized coordinate. */
static double pad_coord(double c, int64_t size, int padding, bool align)
{
    if (padding == GS_BORDER) return clip(c, size);
    if (padding == GS_REFLECTION) {
        c = align ? reflect(c, 0, 2 * (size - 1)) : reflect(c, -1, 2 * size - 1);
        return clip(c, size);
    }
    return c;
}

/* Finite and within ±2^31: safe to floor and convert (every valid index is smaller). */
static bool coord_ok(double c) { return c > -2147483648.0 && c < 2147483648.0; }

/* plane[y][x], or 0 outside. */
static float tap(const float* plane, int64_t h, int64_t w, int64_t y, int64_t x)
{
    return (x >= 0 && x < w && y >= 0 && y < h) ? plane[y * w + x] : 0.0f;
}

/* A bicubic tap: its coordinates bounded by the padding mode first. */
static float tap_bounded(const float* plane, int64_t h, int64_t w, double y, double x, int padding,
                         bool align)
{
    x = pad_coord(x, w, padding, align);
    y = pad_coord(y, h, padding, align);
    if (!coord_ok(x) || !coord_ok(y)) return 0.0f;
    return tap(plane, h, w, (int64_t)y, (int64_t)x);
}

static void cubic_coeffs(double t, double c[4])
{
    const double a = -0.75;
    double x = t + 1;
    c[0] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    x = t;
    c[1] = ((a + 2) * x - (a + 3)) * x * x + 1;
    x = 1 - t;
    c[2] = ((a + 2) * x - (a + 3)) * x * x + 1;
    x = 2 - t;
    c[3] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

static ember_status run_grid_sampler_2d(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* grid = args[1]->u.t;
    ember_tensor* out = args[5]->u.t;
    const int mode = (int)args[2]->u.i, padding = (int)args[3]->u.i;
    const bool align = args[4]->u.b;
    const int64_t n = in->sizes[0], c = in->sizes[1], h = in->sizes[2], w = in->sizes[3];
    const int64_t ho = grid->sizes[1], wo = grid->sizes[2];
    const float* x = (const float*)in->data;
    const float* g = (const float*)grid->data;
    float* o = (float*)out->data;
    for (int64_t b = 0; b < n; b++)
        for (int64_t p = 0; p < ho * wo; p++) {
            const float* gp = g + (b * ho * wo + p) * 2;
            double ix = unnormalize(gp[0], w, align), iy = unnormalize(gp[1], h, align);
            if (mode != GS_BICUBIC) {
                ix = pad_coord(ix, w, padding, align);
                iy = pad_coord(iy, h, padding, align);
            }
            const bool ok = coord_ok(ix) && coord_ok(iy);
            for (int64_t ch = 0; ch < c; ch++) {
                const float* plane = x + (b * c + ch) * h * w;
                float v = 0.0f;
                if (ok && mode == GS_BILINEAR) {
                    const double x0 = floor(ix), y0 = floor(iy);
                    const int64_t xi = (int64_t)x0, yi = (int64_t)y0;
                    const double tx = ix - x0, ty = iy - y0;
                    v = (float)((1 - tx) * (1 - ty)) * tap(plane, h, w, yi, xi) +
                        (float)(tx * (1 - ty)) * tap(plane, h, w, yi, xi + 1) +
                        (float)((1 - tx) * ty) * tap(plane, h, w, yi + 1, xi) +
                        (float)(tx * ty) * tap(plane, h, w, yi + 1, xi + 1);
                } else if (ok && mode == GS_NEAREST) {
                    v = tap(plane, h, w, (int64_t)nearbyint(iy), (int64_t)nearbyint(ix));
                } else if (ok) {
                    const double x0 = floor(ix), y0 = floor(iy);
                    double cx[4], cy[4];
                    cubic_coeffs(ix - x0, cx);
                    cubic_coeffs(iy - y0, cy);
                    double acc = 0;
                    for (int j = 0; j < 4; j++) {
                        double row = 0;
                        for (int i = 0; i < 4; i++)
                            row += cx[i] * tap_bounded(plane, h, w, y0 - 1 + j, x0 - 1 + i,
                                                       padding, align);
                        acc += cy[j] * row;
                    }
                    v = (float)acc;
                }
                o[(b * c + ch) * ho * wo + p] = v;
            }
        }
    return EMBER_OK;
}

ember_status ember_prepare_aten_grid_sampler_2d_out(ember_kernel_ctx* ctx,
                                                    ember_value* const* args, size_t num_args,
                                                    ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 7);
    ember_tensor *in, *grid, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_ALL, &in));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "grid", EMBER_DTYPES_ALL, &grid));
    EMBER_TRY(ember_check_dtype(ctx, "input", in, EMBER_DTYPE_F32));
    EMBER_TRY(ember_check_dtype(ctx, "grid", grid, EMBER_DTYPE_F32));
    int64_t mode, padding;
    EMBER_TRY(ember_arg_int_in(ctx, args, 2, "interpolation_mode", GS_BILINEAR, GS_BICUBIC, &mode));
    EMBER_TRY(ember_arg_int_in(ctx, args, 3, "padding_mode", GS_ZEROS, GS_REFLECTION, &padding));
    bool align;
    EMBER_TRY(ember_arg_bool(ctx, args, 4, "align_corners", &align));
    EMBER_REQUIRE(ctx, in->dim == 4, EMBER_INVALID_ARGUMENT,
                  "input has rank %d, expected (N, C, H, W)", in->dim);
    EMBER_REQUIRE(ctx, grid->dim == 4 && grid->sizes[0] == in->sizes[0] && grid->sizes[3] == 2,
                  EMBER_SHAPE_MISMATCH, "grid must be (N, Ho, Wo, 2) with input's N = %d",
                  (int)in->sizes[0]);
    EMBER_REQUIRE(ctx, in->sizes[2] > 0 && in->sizes[3] > 0, EMBER_INVALID_ARGUMENT,
                  "input has an empty spatial dim");
    EMBER_TRY(ember_arg_out(ctx, args, 5, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_dtype(ctx, "out", out, EMBER_DTYPE_F32));
    const int64_t want[4] = {in->sizes[0], in->sizes[1], grid->sizes[1], grid->sizes[2]};
    EMBER_TRY(ember_check_shape(ctx, "out", out, 4, want));
    *run = run_grid_sampler_2d;
    return EMBER_OK;
}
