/* op_qpool.c — cortex_m::quantized_avg_pool2d(.out, _nhwc.out) and
 * cortex_m::quantized_max_pool2d(.out, _nhwc.out), the int8 2-D pools of ExecuTorch's Cortex-M
 * programs, with CMSIS-NN's arithmetic (arm_avgpool_s8 / arm_max_pool_s8, generic C):
 *
 *   window(oy, ox) = rows [oy*stride_h - pad_h, + kernel_h) x cols [ox*stride_w - pad_w, + kernel_w),
 *                    clipped to the input: padding is never read, only the valid part counts
 *   avg: s = sum of the raw int8 values over the window, n = its valid count,
 *        out = clamp((s > 0 ? s + n/2 : s - n/2) / n, -128, 127)   (C division: toward zero,
 *        so ties round away from zero)
 *   max: out = clamp(max over the window, activation_min, activation_max)
 *
 * The avg op's zero_point, multiplier and shift are not used by ExecuTorch's kernel (it averages
 * the raw values: the zero point passes through an average unchanged); they are checked to be
 * Ints and ignored, as is `scratch` (this kernel needs none). ExecuTorch's Python reference
 * instead dequantizes, averages in float and rounds half to even, so at exact ties the two
 * differ by one (tests/python/test_cortex_m_pool.py).
 *
 * Layout: the legacy ops take NCHW-shaped tensors whose bytes are NHWC (dim_order 0,2,3,1, or any
 * order giving the same bytes: C == 1 or H == W == 1); the _nhwc ops take NHWC-shaped tensors in
 * contiguous order. Either way the kernel walks NHWC bytes. ExecuTorch's kernels take dilation 1
 * only and ceil_mode for the average only; Ember refuses the same, and refuses an out whose
 * shape is not the pool's (ExecuTorch's max pool does not check it) or any window that would
 * lie wholly in the padding (CMSIS-NN then divides by zero / leaves the output unwritten).
 * On AVX-512 BW the max pool runs kernels/optimized/i8_pool.h (the same bytes, threads over
 * output pixels); on Helium both pools run i8_helium.h's (windows of up to
 * I8_HELIUM_POOL_MAX_TAPS for the average). */
#include "kernels/kernel_util.h"
#include "kernels/optimized/i8_helium.h"
#include "kernels/optimized/i8_pool.h"

enum { AV_IN, AV_KERNEL, AV_STRIDE, AV_PAD, AV_CEIL, AV_ZP, AV_MULT, AV_SHIFT, AV_SCRATCH, AV_OUT,
       AV_NARGS = 11 };
enum { MX_IN, MX_KERNEL, MX_STRIDE, MX_PAD, MX_DILATION, MX_CEIL, MX_IN_ZP, MX_OUT_ZP, MX_ACT_MIN,
       MX_ACT_MAX, MX_OUT, MX_NARGS = 12 };

#define QPOOL_CHUNK 64 /* channels accumulated at once on the stack */

/* One pool's shape: NHWC input (n, h, w, c), output (n, oh, ow, c). */
typedef struct qpool_geom {
    int64_t n, h, w, c, oh, ow;
    int64_t kh, kw, sh, sw, ph, pw;
} qpool_geom;

static void geom_from_args(ember_value* const* args, size_t in_i, size_t out_i, bool nhwc,
                           qpool_geom* g)
{
    int64_t si[4], so[4];
    ember_nhwc_sizes(args[in_i]->u.t, nhwc, si);
    ember_nhwc_sizes(args[out_i]->u.t, nhwc, so);
    const int64_t* k = args[in_i + 1]->u.ints;
    const int64_t* s = args[in_i + 2]->u.ints;
    const int64_t* p = args[in_i + 3]->u.ints;
    *g = (qpool_geom){si[0], si[1], si[2], si[3], so[1], so[2], k[0], k[1], s[0], s[1], p[0], p[1]};
}

/* The clipped window of output row/col `o` along one dim: [*lo, *hi). */
static inline void window(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t size,
                          int64_t* lo, int64_t* hi)
{
    const int64_t start = o * stride - pad;
    *lo = start < 0 ? 0 : start;
    *hi = start + kernel < size ? start + kernel : size;
}

static void avg_pool(const qpool_geom* g, const int8_t* restrict x, int8_t* restrict y)
{
    for (int64_t b = 0; b < g->n; b++) {
        const int8_t* xb = x + b * g->h * g->w * g->c;
        for (int64_t oy = 0; oy < g->oh; oy++) {
            int64_t y0, y1;
            window(oy, g->sh, g->ph, g->kh, g->h, &y0, &y1);
            for (int64_t ox = 0; ox < g->ow; ox++, y += g->c) {
                int64_t x0, x1;
                window(ox, g->sw, g->pw, g->kw, g->w, &x0, &x1);
                const int64_t count = (y1 - y0) * (x1 - x0); /* >= 1: prepare checked */
                for (int64_t c0 = 0; c0 < g->c; c0 += QPOOL_CHUNK) {
                    const int64_t nc = g->c - c0 < QPOOL_CHUNK ? g->c - c0 : QPOOL_CHUNK;
                    int64_t sum[QPOOL_CHUNK] = {0};
                    for (int64_t iy = y0; iy < y1; iy++)
                        for (int64_t ix = x0; ix < x1; ix++) {
                            const int8_t* px = xb + (iy * g->w + ix) * g->c + c0;
                            for (int64_t c = 0; c < nc; c++) sum[c] += px[c];
                        }
                    for (int64_t c = 0; c < nc; c++) {
                        const int64_t s = sum[c];
                        int64_t v = (s > 0 ? s + count / 2 : s - count / 2) / count;
                        y[c0 + c] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
                    }
                }
            }
        }
    }
}

static void max_pool(const qpool_geom* g, int32_t lo, int32_t hi, const int8_t* restrict x,
                     int8_t* restrict y)
{
    for (int64_t b = 0; b < g->n; b++) {
        const int8_t* xb = x + b * g->h * g->w * g->c;
        for (int64_t oy = 0; oy < g->oh; oy++) {
            int64_t y0, y1;
            window(oy, g->sh, g->ph, g->kh, g->h, &y0, &y1);
            for (int64_t ox = 0; ox < g->ow; ox++, y += g->c) {
                int64_t x0, x1;
                window(ox, g->sw, g->pw, g->kw, g->w, &x0, &x1);
                for (int64_t c = 0; c < g->c; c++) y[c] = -128;
                for (int64_t iy = y0; iy < y1; iy++)
                    for (int64_t ix = x0; ix < x1; ix++) {
                        const int8_t* px = xb + (iy * g->w + ix) * g->c;
                        for (int64_t c = 0; c < g->c; c++)
                            if (px[c] > y[c]) y[c] = px[c];
                    }
                for (int64_t c = 0; c < g->c; c++)
                    y[c] = (int8_t)(y[c] < lo ? lo : (y[c] > hi ? hi : y[c]));
            }
        }
    }
}

/* The run functions of both layouts, from fn(ctx, args, nhwc): fn_legacy (channels-last
 * storage of NCHW-shaped tensors) and fn_nhwc. */
#define BOTH_LAYOUTS(fn)                                                                        \
    static ember_status fn##_legacy(ember_kernel_ctx* ctx, ember_value* const* args)            \
    {                                                                                           \
        return fn(ctx, args, false);                                                            \
    }                                                                                           \
    static ember_status fn##_nhwc(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        return fn(ctx, args, true);                                                             \
    }

static ember_status run_avg(ember_kernel_ctx* ctx, ember_value* const* args, bool nhwc)
{
    (void)ctx;
    qpool_geom g;
    geom_from_args(args, AV_IN, AV_OUT, nhwc, &g);
    avg_pool(&g, (const int8_t*)args[AV_IN]->u.t->data, (int8_t*)args[AV_OUT]->u.t->data);
    return EMBER_OK;
}
BOTH_LAYOUTS(run_avg)

#if EMBER_HAVE_X86_KERNELS
/* AVX-512 BW: 64 channels per vector, the same bytes (i8_pool.h); output pixels split over the
 * threads. */
typedef struct max_job {
    i8_pool_shape s;
    const int8_t* x;
    int8_t* y;
} max_job;

#define MAX_TASK_PIXELS 64

static ember_status max_pixels(void* arg, size_t begin, size_t end)
{
    const max_job* j = arg;
    const int64_t total = j->s.n * j->s.oh * j->s.ow, p0 = (int64_t)begin * MAX_TASK_PIXELS;
    const int64_t p1 = (int64_t)end * MAX_TASK_PIXELS < total ? (int64_t)end * MAX_TASK_PIXELS : total;
    i8_maxpool2d__avx512(&j->s, j->x, j->y, p0, p1);
    return EMBER_OK;
}

static ember_status run_max_fast(ember_kernel_ctx* ctx, ember_value* const* args, bool nhwc)
{
    qpool_geom g;
    geom_from_args(args, MX_IN, MX_OUT, nhwc, &g);
    max_job j = {{g.n, g.h, g.w, g.c, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw,
                  (int32_t)args[MX_ACT_MIN]->u.i, (int32_t)args[MX_ACT_MAX]->u.i},
                 (const int8_t*)args[MX_IN]->u.t->data, (int8_t*)args[MX_OUT]->u.t->data};
    const int64_t pixels = g.n * g.oh * g.ow;
    const bool big = (double)pixels * (double)g.c * (double)(g.kh * g.kw) >= 1 << 18;
    return ember_parallel_for(big ? ctx->pool : NULL,
                              (size_t)((pixels + MAX_TASK_PIXELS - 1) / MAX_TASK_PIXELS),
                              max_pixels, &j);
}
BOTH_LAYOUTS(run_max_fast)
#endif

#if EMBER_HAVE_HELIUM
static i8_pool_shape helium_shape(ember_value* const* args, size_t in_i, size_t out_i, bool nhwc,
                                  int32_t lo, int32_t hi)
{
    qpool_geom g;
    geom_from_args(args, in_i, out_i, nhwc, &g);
    return (i8_pool_shape){g.n,  g.h,  g.w,  g.c,  g.oh, g.ow, g.kh,
                           g.kw, g.sh, g.sw, g.ph, g.pw, lo,   hi};
}

static ember_status run_avg_helium(ember_kernel_ctx* ctx, ember_value* const* args, bool nhwc)
{
    (void)ctx;
    const i8_pool_shape s = helium_shape(args, AV_IN, AV_OUT, nhwc, -128, 127);
    i8_avgpool2d__helium(&s, (const int8_t*)args[AV_IN]->u.t->data, (int8_t*)args[AV_OUT]->u.t->data);
    return EMBER_OK;
}
BOTH_LAYOUTS(run_avg_helium)

static ember_status run_max_helium(ember_kernel_ctx* ctx, ember_value* const* args, bool nhwc)
{
    (void)ctx;
    const i8_pool_shape s = helium_shape(args, MX_IN, MX_OUT, nhwc, (int32_t)args[MX_ACT_MIN]->u.i,
                                         (int32_t)args[MX_ACT_MAX]->u.i);
    i8_maxpool2d__helium(&s, (const int8_t*)args[MX_IN]->u.t->data, (int8_t*)args[MX_OUT]->u.t->data);
    return EMBER_OK;
}
BOTH_LAYOUTS(run_max_helium)

static bool use_helium(void)
{
    return (ember_kernel_cpu_features() & EMBER_CPU_BIT(EMBER_CPU_HELIUM)) != 0;
}
#endif

static ember_status run_max(ember_kernel_ctx* ctx, ember_value* const* args, bool nhwc)
{
    (void)ctx;
    qpool_geom g;
    geom_from_args(args, MX_IN, MX_OUT, nhwc, &g);
    max_pool(&g, (int32_t)args[MX_ACT_MIN]->u.i, (int32_t)args[MX_ACT_MAX]->u.i,
             (const int8_t*)args[MX_IN]->u.t->data, (int8_t*)args[MX_OUT]->u.t->data);
    return EMBER_OK;
}
BOTH_LAYOUTS(run_max)

/* The output size of one dim, as ExecuTorch's kernel computes it (floor, or ceil with the last
 * window starting inside the input or its leading padding); -1 if the kernel is larger than the
 * padded input. */
static int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode)
{
    const int64_t num = in + 2 * p - k;
    if (num < 0) return -1;
    int64_t o = num / s + 1;
    if (ceil_mode && num % s != 0) o++;
    if (ceil_mode && (o - 1) * s >= in + p) o--;
    return o;
}

/* Everything the four pools share: input (at 0) and out int8 rank 4 in the layout of the variant,
 * kernel/stride/padding pairs, out of the pool's shape, no window wholly in the padding. */
static ember_status check_pool(ember_kernel_ctx* ctx, ember_value* const* args, size_t out_i,
                               bool nhwc, bool ceil_mode)
{
    const ember_dtype_set i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "input", i8, true, &in));
    EMBER_TRY(ember_arg_out_ex(ctx, args, out_i, "out", i8, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, out_i + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, in->dim == 4 && out->dim == 4, EMBER_INVALID_ARGUMENT,
                  "input and out must have rank 4, got %d and %d", in->dim, out->dim);
    static const int nhwc_order[4] = {0, 2, 3, 1}, contiguous[4] = {0, 1, 2, 3};
    const int* order = nhwc ? contiguous : nhwc_order;
    EMBER_REQUIRE(ctx, ember_bytes_in_order(in, order) && ember_bytes_in_order(out, order),
                  EMBER_NOT_SUPPORTED,
                  nhwc ? "input and out must be contiguous (NHWC-shaped tensors)"
                       : "input and out must be channels-last (dim_order 0, 2, 3, 1): the "
                         "kernel reads and writes NHWC bytes");
    EMBER_TRY(ember_arg_int_pair(ctx, args, 1, "kernel_size", 1, INT32_MAX));
    EMBER_TRY(ember_arg_int_pair(ctx, args, 2, "stride", 1, INT32_MAX));
    EMBER_TRY(ember_arg_int_pair(ctx, args, 3, "padding", 0, INT32_MAX));
    const int64_t *k = args[1]->u.ints, *s = args[2]->u.ints, *p = args[3]->u.ints;
    int64_t si[4], want[4];
    ember_nhwc_sizes(in, nhwc, si);
    want[0] = si[0];
    want[nhwc ? 3 : 1] = si[3];
    for (int d = 0; d < 2; d++) {
        EMBER_REQUIRE(ctx, si[1 + d] >= 1, EMBER_INVALID_ARGUMENT,
                      "input has no %s: every window would be empty", d ? "columns" : "rows");
        const int64_t o = pooled_size(si[1 + d], k[d], s[d], p[d], ceil_mode);
        EMBER_REQUIRE(ctx, o >= 1, EMBER_INVALID_ARGUMENT,
                      "kernel_size[%d] = %lld is larger than the padded input (%lld + 2 * %lld)", d,
                      (long long)k[d], (long long)si[1 + d], (long long)p[d]);
        /* every window must hold an input element: the first ends past 0, the last starts
         * before the end (those between lie between them) */
        EMBER_REQUIRE(ctx, k[d] > p[d] && (o - 1) * s[d] - p[d] < si[1 + d],
                      EMBER_INVALID_ARGUMENT,
                      "padding[%d] = %lld leaves a window with no input element (kernel_size %lld)",
                      d, (long long)p[d], (long long)k[d]);
        want[nhwc ? 1 + d : 2 + d] = o;
    }
    return ember_check_shape(ctx, "out", out, 4, want);
}

static ember_status prepare_avg(ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args,
                                bool nhwc)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, AV_NARGS);
    bool ceil_mode = false;
    EMBER_TRY(ember_arg_bool(ctx, args, AV_CEIL, "ceil_mode", &ceil_mode));
    EMBER_TRY(check_pool(ctx, args, AV_OUT, nhwc, ceil_mode));
    EMBER_TRY(ember_arg_int(ctx, args, AV_ZP, "zero_point", NULL));
    EMBER_TRY(ember_arg_int(ctx, args, AV_MULT, "multiplier", NULL));
    EMBER_TRY(ember_arg_int(ctx, args, AV_SHIFT, "shift", NULL));
    return ember_arg_tensor_ex(ctx, args, AV_SCRATCH, "scratch", EMBER_DTYPES_ALL, true, NULL);
}

#if EMBER_HAVE_HELIUM
/* The most taps a window of the average pool (checked by prepare) holds: kernel_h kernel_w. */
static double avg_taps(ember_value* const* args)
{
    return (double)args[AV_KERNEL]->u.ints[0] * (double)args[AV_KERNEL]->u.ints[1];
}
#endif

ember_status ember_prepare_cortex_m_quantized_avg_pool2d_out(ember_kernel_ctx* ctx,
                                                             ember_value* const* args,
                                                             size_t num_args,
                                                             ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_avg(ctx, args, num_args, false));
    *run = run_avg_legacy;
#if EMBER_HAVE_HELIUM
    if (use_helium() && avg_taps(args) <= I8_HELIUM_POOL_MAX_TAPS) *run = run_avg_helium_legacy;
#endif
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_quantized_avg_pool2d_nhwc_out(ember_kernel_ctx* ctx,
                                                                  ember_value* const* args,
                                                                  size_t num_args,
                                                                  ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_avg(ctx, args, num_args, true));
    *run = run_avg_nhwc;
#if EMBER_HAVE_HELIUM
    if (use_helium() && avg_taps(args) <= I8_HELIUM_POOL_MAX_TAPS) *run = run_avg_helium_nhwc;
#endif
    return EMBER_OK;
}

/* Max pool's checks, then its run: the AVX-512 kernel where the CPU has it. */
static ember_status prepare_max(ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args,
                                bool nhwc, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, MX_NARGS);
    bool ceil_mode = false;
    EMBER_TRY(ember_arg_bool(ctx, args, MX_CEIL, "ceil_mode", &ceil_mode));
    EMBER_REQUIRE(ctx, !ceil_mode, EMBER_NOT_SUPPORTED,
                  "ceil_mode = True is not supported (nor by ExecuTorch's kernel)");
    EMBER_TRY(ember_arg_int_pair(ctx, args, MX_DILATION, "dilation", INT64_MIN, INT64_MAX));
    const int64_t* dil = args[MX_DILATION]->u.ints;
    EMBER_REQUIRE(ctx, dil[0] == 1 && dil[1] == 1, EMBER_NOT_SUPPORTED,
                  "dilation (%lld, %lld) is not supported, only 1 (as in ExecuTorch's kernel)",
                  (long long)dil[0], (long long)dil[1]);
    EMBER_TRY(check_pool(ctx, args, MX_OUT, nhwc, false));
    int64_t in_zp, lo;
    EMBER_TRY(ember_arg_int_in(ctx, args, MX_IN_ZP, "input_zero_point", -128, 127, &in_zp));
    EMBER_TRY(ember_arg_int_in(ctx, args, MX_OUT_ZP, "output_zero_point", in_zp, in_zp, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, MX_ACT_MIN, "activation_min", -128, 127, &lo));
    EMBER_TRY(ember_arg_int_in(ctx, args, MX_ACT_MAX, "activation_max", lo, 127, NULL));
    *run = nhwc ? run_max_nhwc : run_max_legacy;
#if EMBER_HAVE_X86_KERNELS
    const uint64_t f = I8_POOL_FEATURES_AVX512;
    if ((ember_kernel_cpu_features() & f) == f) *run = nhwc ? run_max_fast_nhwc : run_max_fast_legacy;
#endif
#if EMBER_HAVE_HELIUM
    if (use_helium()) *run = nhwc ? run_max_helium_nhwc : run_max_helium_legacy;
#endif
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_quantized_max_pool2d_out(ember_kernel_ctx* ctx,
                                                             ember_value* const* args,
                                                             size_t num_args,
                                                             ember_kernel_run_fn* run)
{
    return prepare_max(ctx, args, num_args, false, run);
}

ember_status ember_prepare_cortex_m_quantized_max_pool2d_nhwc_out(ember_kernel_ctx* ctx,
                                                                  ember_value* const* args,
                                                                  size_t num_args,
                                                                  ember_kernel_run_fn* run)
{
    return prepare_max(ctx, args, num_args, true, run);
}
