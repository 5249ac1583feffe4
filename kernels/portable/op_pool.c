/* op_pool.c — 2-D pooling on (N, C, H, W) or (C, H, W) inputs of float32, float16 or
 * bfloat16 (one kernel for the three: elements load to float through ember_load_f32, averages
 * sum in float, each output is stored once through ember_store_f32):
 *   aten::max_pool2d_with_indices.out  [self, kernel_size, stride, padding, dilation, ceil_mode,
 *                                       out, indices, out, indices]
 *                                      (or the two returns as one TensorList: 9 args)
 *   aten::avg_pool2d.out               [self, kernel_size, stride, padding, ceil_mode,
 *                                       count_include_pad, divisor_override, out, out]
 *   aten::_adaptive_avg_pool2d.out     [self, output_size, out, out]
 *   aten::adaptive_max_pool2d.out      [self, output_size, out, indices, out, indices]
 *                                      (or the two returns as one TensorList: 5 args)
 * Window and output-size rules follow ATen's CPU kernels (an empty stride means the kernel
 * size; ceil_mode drops a last window that would start in the right padding). Indices are
 * flat positions inside each input (H, W) plane, as torch returns them. A float32 max pool
 * runs the kernels of kernels/optimized/f32_pool.h instead (the same values and indices, bit for
 * bit; vectors on AVX-512 / AVX2, else plain C on float), its planes split over ctx->pool;
 * with ember_kernel_cpu_mask_set(0) it runs the portable kernel below. Prepare bounds
 * kernel_size, stride, dilation and divisor_override to [1, 2^31-1] and padding to half the
 * kernel, so the window arithmetic below cannot overflow. */
#include "kernels/kernel_util.h"
#include "kernels/optimized/f32_pool.h"

/* input (planes, H, W) → output (planes, Ho, Wo); kernel, stride, padding, dilation */
typedef f32_pool2d_shape pool_params;

static int64_t pool_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ATen's pooling_output_shape. in, pad < 2^31 and k, stride, dil in [1, 2^31), so the
 * numerator lies within ±2^63 (dil * (k - 1) < 2^62), and for o > 0, (o - 1) * stride is at
 * most the numerator. */
static int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                             bool ceil_mode)
{
    int64_t o = pool_floor_div(in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0),
                               stride) + 1;
    if (ceil_mode && o > 0 && (o - 1) * stride >= in + pad) o--;
    return o;
}

/* kernel/stride/padding/dilation lists (type-checked) → params; dil may be NULL (1). */
static void pool_params_get(const ember_tensor* in, const ember_value* kernel,
                            const ember_value* stride, const ember_value* pad,
                            const ember_value* dil, bool ceil_mode, pool_params* p)
{
    p->h = in->sizes[in->dim - 2];
    p->w = in->sizes[in->dim - 1];
    p->planes = (p->h * p->w != 0) ? in->numel / (p->h * p->w) : 0;
    p->kh = ember_int_list_at(kernel, 0, 1);
    p->kw = ember_int_list_at(kernel, 1, 1);
    p->sh = ember_int_list_at(stride, 0, p->kh);
    p->sw = stride->len == 0 ? p->kw : ember_int_list_at(stride, 1, p->kw);
    p->ph = ember_int_list_at(pad, 0, 0);
    p->pw = ember_int_list_at(pad, 1, 0);
    p->dh = dil ? ember_int_list_at(dil, 0, 1) : 1;
    p->dw = dil ? ember_int_list_at(dil, 1, 1) : 1;
    p->ho = pool_out_size(p->h, p->kh, p->ph, p->sh, p->dh, ceil_mode);
    p->wo = pool_out_size(p->w, p->kw, p->pw, p->sw, p->dw, ceil_mode);
}

/* Checks the input and the int[2] lists, then computes the params. */
static ember_status pool_prepare_common(ember_kernel_ctx* ctx, ember_value* const* args,
                                        int dil_arg, int ceil_arg, ember_tensor** in,
                                        pool_params* p)
{
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_ALL, in));
    EMBER_TRY(ember_check_dtype_in(ctx, "input", *in, EMBER_DTYPES_F32_HALF));
    EMBER_REQUIRE(ctx, (*in)->dim == 3 || (*in)->dim == 4, EMBER_NOT_SUPPORTED,
                  "input has rank %d, expected (N, C, H, W) or (C, H, W)", (*in)->dim);
    const char* names[4] = {"kernel_size", "stride", "padding", "dilation"};
    const int idx[4] = {1, 2, 3, dil_arg};
    for (int k = 0; k < 4; k++) {
        if (idx[k] < 0) continue;
        const int64_t* v;
        size_t n;
        EMBER_TRY(ember_arg_ints(ctx, args, (size_t)idx[k], names[k], &v, &n));
        EMBER_REQUIRE(ctx, n == 1 || n == 2 || (k == 1 && n == 0), EMBER_INVALID_ARGUMENT,
                      "%s has %zu items, expected 1 or 2", names[k], n);
        EMBER_TRY(ember_check_ints_in(ctx, names[k], v, n, k == 2 ? 0 : 1, INT32_MAX));
    }
    bool ceil_mode = false;
    EMBER_TRY(ember_arg_bool(ctx, args, (size_t)ceil_arg, "ceil_mode", &ceil_mode));
    pool_params_get(*in, args[1], args[2], args[3], dil_arg >= 0 ? args[dil_arg] : NULL,
                    ceil_mode, p);
    EMBER_REQUIRE(ctx, p->ph <= p->kh / 2 && p->pw <= p->kw / 2, EMBER_INVALID_ARGUMENT,
                  "padding must be at most half of the kernel size");
    EMBER_REQUIRE(ctx, p->ho >= 1 && p->wo >= 1, EMBER_SHAPE_MISMATCH,
                  "output would be empty (%lld x %lld)", (long long)p->ho, (long long)p->wo);
    return EMBER_OK;
}

/* The expected output shape: the input's with the last two dims replaced. */
static void pool_out_shape(const ember_tensor* in, int64_t ho, int64_t wo, int64_t* sizes)
{
    ember_tensor_sizes(in, sizes);
    sizes[in->dim - 2] = ho;
    sizes[in->dim - 1] = wo;
}

/* ---- max pool ---------------------------------------------------------------------------- */

/* out, idx: (planes, Ho, Wo); in: (planes, H, W). NaN wins, as in torch. */
static void float_maxpool2d__portable(void* restrict out, int64_t* restrict idx,
                                      const void* restrict in, int dt, const pool_params* p)
{
    int64_t o = 0;
    for (int64_t c = 0; c < p->planes; c++) {
        const int64_t x = c * p->h * p->w; /* plane offset */
        for (int64_t oy = 0; oy < p->ho; oy++) {
            int64_t y0 = oy * p->sh - p->ph;
            const int64_t y1 = y0 + (p->kh - 1) * p->dh + 1 < p->h ? y0 + (p->kh - 1) * p->dh + 1
                                                                     : p->h;
            if (y0 < 0) y0 += (-y0 + p->dh - 1) / p->dh * p->dh; /* first tap inside */
            for (int64_t ox = 0; ox < p->wo; ox++) {
                int64_t x0 = ox * p->sw - p->pw;
                const int64_t x1 = x0 + (p->kw - 1) * p->dw + 1 < p->w
                                       ? x0 + (p->kw - 1) * p->dw + 1
                                       : p->w;
                if (x0 < 0) x0 += (-x0 + p->dw - 1) / p->dw * p->dw;
                int64_t best_i = y0 * p->w + x0;
                float best = -INFINITY;
                for (int64_t y = y0; y < y1; y += p->dh)
                    for (int64_t xx = x0; xx < x1; xx += p->dw) {
                        const float v = ember_load_f32(in, dt, x + y * p->w + xx);
                        if (v > best || isnan(v)) {
                            best = v;
                            best_i = y * p->w + xx;
                        }
                    }
                ember_store_f32(out, dt, o, best);
                idx[o++] = best_i;
            }
        }
    }
}

static ember_status run_max_pool2d(ember_kernel_ctx* ctx, ember_value* const* args)
{
    pool_params p;
    pool_params_get(args[0]->u.t, args[1], args[2], args[3], args[4], args[5]->u.b, &p);
    float_maxpool2d__portable(args[6]->u.t->data, (int64_t*)args[7]->u.t->data,
                              args[0]->u.t->data, args[0]->u.t->dtype, &p);
    return EMBER_OK;
}

/* The float32 kernels of f32_pool.h: the portable scan on float, windows clipped per output
 * (the vector variants run it on the columns whose windows cross the row's ends). */
void f32_maxpool2d__scalar(float* restrict out, int64_t* restrict idx, const float* restrict in,
                           const f32_pool2d_shape* p, int64_t p0, int64_t p1)
{
    for (int64_t c = p0; c < p1; c++) {
        const float* x = in + c * p->h * p->w;
        for (int64_t oy = 0; oy < p->ho; oy++) {
            int64_t y0, y1;
            f32_pool_rows(p, oy, &y0, &y1);
            const int64_t o = (c * p->ho + oy) * p->wo;
            for (int64_t ox = 0; ox < p->wo; ox++)
                f32_maxpool_point(out + o + ox, idx + o + ox, x, p, y0, y1, ox);
        }
    }
}

#define MAXPOOL_PAR_MIN ((double)(1 << 16)) /* taps below which one thread does all */

typedef struct maxpool_job {
    float* out;
    int64_t* idx;
    const float* in;
    const pool_params* p;
    f32_maxpool2d_fn fn;
} maxpool_job;

static ember_status maxpool_tasks(void* arg, size_t begin, size_t end) /* tasks: planes */
{
    const maxpool_job* jb = arg;
    jb->fn(jb->out, jb->idx, jb->in, jb->p, (int64_t)begin, (int64_t)end);
    return EMBER_OK;
}

/* float32 through fn, the planes split over ctx->pool (each output computed the same way for
 * any number of threads). */
static ember_status run_max_pool2d_f32(ember_kernel_ctx* ctx, ember_value* const* args,
                                       f32_maxpool2d_fn fn)
{
    pool_params p;
    pool_params_get(args[0]->u.t, args[1], args[2], args[3], args[4], args[5]->u.b, &p);
    const maxpool_job job = {(float*)args[6]->u.t->data, (int64_t*)args[7]->u.t->data,
                             (const float*)args[0]->u.t->data, &p, fn};
    const double taps = (double)p.planes * (double)p.ho * (double)p.wo * (double)p.kh * (double)p.kw;
    return ember_parallel_for(taps >= MAXPOOL_PAR_MIN ? ctx->pool : NULL, (size_t)p.planes,
                              maxpool_tasks, (void*)&job);
}

static ember_status run_max_pool2d_f32_scalar(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return run_max_pool2d_f32(ctx, args, f32_maxpool2d__scalar);
}

#if EMBER_HAVE_X86_KERNELS
static ember_status run_max_pool2d_f32_avx2(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return run_max_pool2d_f32(ctx, args, f32_maxpool2d__avx2);
}

static ember_status run_max_pool2d_f32_avx512(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return run_max_pool2d_f32(ctx, args, f32_maxpool2d__avx512);
}
#endif

/* The run function for dtype on this CPU: float32 takes the kernels of f32_pool.h (the best
 * variant the CPU features allow, else the scalar one), half types the portable one, and so
 * does everything when no feature is allowed (ember_kernel_cpu_mask_set(0): the oracle). */
static ember_kernel_run_fn pick_max_pool2d(int dtype)
{
    const uint64_t f = ember_kernel_cpu_features();
    if (dtype != EMBER_DTYPE_F32 || f == 0) return run_max_pool2d;
#if EMBER_HAVE_X86_KERNELS
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((f & avx512) == avx512) return run_max_pool2d_f32_avx512;
    if ((f & avx2) == avx2) return run_max_pool2d_f32_avx2;
#endif
    return run_max_pool2d_f32_scalar;
}

ember_status ember_prepare_aten_max_pool2d_with_indices_out(ember_kernel_ctx* ctx,
                                                            ember_value* const* args,
                                                            size_t num_args,
                                                            ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 9, 10); /* returns: [out, indices] or 2 tensors */
    ember_tensor *in, *out, *indices;
    pool_params p;
    EMBER_TRY(pool_prepare_common(ctx, args, 4, 5, &in, &p));
    EMBER_TRY(ember_arg_out(ctx, args, 6, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_arg_out(ctx, args, 7, "indices", EMBER_DTYPES_ALL, &indices));
    EMBER_TRY(ember_check_dtype(ctx, "out", out, in->dtype));
    EMBER_TRY(ember_check_dtype(ctx, "indices", indices, EMBER_DTYPE_I64));
    int64_t want[4];
    pool_out_shape(in, p.ho, p.wo, want);
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    EMBER_TRY(ember_check_shape(ctx, "indices", indices, in->dim, want));
    *run = pick_max_pool2d(in->dtype);
    return EMBER_OK;
}

/* ---- average pool ------------------------------------------------------------------------ */

/* out: (planes, Ho, Wo); in: (planes, H, W). divisor > 0 overrides the window count. */
static void float_avgpool2d__portable(void* restrict out, const void* restrict in, int dt,
                                      const pool_params* p, bool count_include_pad,
                                      int64_t divisor)
{
    int64_t o = 0;
    for (int64_t c = 0; c < p->planes; c++) {
        const int64_t x = c * p->h * p->w; /* plane offset */
        for (int64_t oy = 0; oy < p->ho; oy++) {
            int64_t y0 = oy * p->sh - p->ph;
            int64_t y1 = y0 + p->kh < p->h + p->ph ? y0 + p->kh : p->h + p->ph;
            const int64_t pool_h = y1 - y0;
            if (y0 < 0) y0 = 0;
            if (y1 > p->h) y1 = p->h;
            for (int64_t ox = 0; ox < p->wo; ox++) {
                int64_t x0 = ox * p->sw - p->pw;
                int64_t x1 = x0 + p->kw < p->w + p->pw ? x0 + p->kw : p->w + p->pw;
                const int64_t pool_size = pool_h * (x1 - x0);
                if (x0 < 0) x0 = 0;
                if (x1 > p->w) x1 = p->w;
                if (y0 >= y1 || x0 >= x1) {
                    ember_store_f32(out, dt, o++, 0.0f);
                    continue;
                }
                float sum = 0.0f;
                for (int64_t y = y0; y < y1; y++)
                    for (int64_t xx = x0; xx < x1; xx++)
                        sum += ember_load_f32(in, dt, x + y * p->w + xx);
                const int64_t div = divisor > 0        ? divisor
                                    : count_include_pad ? pool_size
                                                        : (y1 - y0) * (x1 - x0);
                ember_store_f32(out, dt, o++, sum / (float)div);
            }
        }
    }
}

static ember_status run_avg_pool2d(ember_kernel_ctx* ctx, ember_value* const* args)
{
    pool_params p;
    pool_params_get(args[0]->u.t, args[1], args[2], args[3], NULL, args[4]->u.b, &p);
    const int64_t divisor = ember_is_null(args[6]) ? 0 : args[6]->u.i;
    float_avgpool2d__portable(args[7]->u.t->data, args[0]->u.t->data, args[0]->u.t->dtype, &p,
                              args[5]->u.b, divisor);
    return EMBER_OK;
}

ember_status ember_prepare_aten_avg_pool2d_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                               size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 9);
    ember_tensor *in, *out;
    pool_params p;
    EMBER_TRY(pool_prepare_common(ctx, args, -1, 4, &in, &p));
    bool include_pad;
    EMBER_TRY(ember_arg_bool(ctx, args, 5, "count_include_pad", &include_pad));
    if (!ember_is_null(args[6])) {
        int64_t d = 0;
        EMBER_TRY(ember_arg_int(ctx, args, 6, "divisor_override", &d));
        EMBER_REQUIRE(ctx, d != 0, EMBER_INVALID_ARGUMENT, "divisor_override must not be 0");
        EMBER_REQUIRE(ctx, d > 0 && d <= INT32_MAX, EMBER_NOT_SUPPORTED,
                      "divisor_override = %lld: only ints in [1, %d] are supported",
                      (long long)d, (int)INT32_MAX);
    }
    EMBER_TRY(ember_arg_out(ctx, args, 7, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_dtype(ctx, "out", out, in->dtype));
    int64_t want[4];
    pool_out_shape(in, p.ho, p.wo, want);
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    *run = run_avg_pool2d;
    return EMBER_OK;
}

/* ---- adaptive average pool --------------------------------------------------------------- */

/* out: (planes, Ho, Wo); in: (planes, H, W). Window of output o along an axis of input length
 * L and output length O: [floor(o*L/O), ceil((o+1)*L/O)). */
static void float_adaptive_avgpool2d__portable(void* restrict out, const void* restrict in,
                                               int dt, int64_t planes, int64_t h, int64_t w,
                                               int64_t ho, int64_t wo)
{
    int64_t o = 0;
    for (int64_t c = 0; c < planes; c++) {
        const int64_t x = c * h * w; /* plane offset */
        for (int64_t oy = 0; oy < ho; oy++) {
            const int64_t y0 = oy * h / ho, y1 = ((oy + 1) * h + ho - 1) / ho;
            for (int64_t ox = 0; ox < wo; ox++) {
                const int64_t x0 = ox * w / wo, x1 = ((ox + 1) * w + wo - 1) / wo;
                float sum = 0.0f;
                for (int64_t y = y0; y < y1; y++)
                    for (int64_t xx = x0; xx < x1; xx++)
                        sum += ember_load_f32(in, dt, x + y * w + xx);
                ember_store_f32(out, dt, o++, sum / (float)((y1 - y0) * (x1 - x0)));
            }
        }
    }
}

static ember_status run_adaptive_avg_pool2d(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    const int64_t h = in->sizes[in->dim - 2], w = in->sizes[in->dim - 1];
    const int64_t ho = args[1]->u.ints[0], wo = args[1]->u.ints[1];
    float_adaptive_avgpool2d__portable(args[2]->u.t->data, in->data, in->dtype,
                                       in->numel / (h * w), h, w, ho, wo);
    return EMBER_OK;
}

ember_status ember_prepare_aten__adaptive_avg_pool2d_out(ember_kernel_ctx* ctx,
                                                         ember_value* const* args,
                                                         size_t num_args,
                                                         ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_ALL, &in));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_dtype_in(ctx, "input", in, EMBER_DTYPES_F32_HALF));
    EMBER_TRY(ember_check_dtype(ctx, "out", out, in->dtype));
    EMBER_REQUIRE(ctx, in->dim == 3 || in->dim == 4, EMBER_NOT_SUPPORTED,
                  "input has rank %d, expected (N, C, H, W) or (C, H, W)", in->dim);
    const int64_t* os;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "output_size", &os, &n));
    EMBER_REQUIRE(ctx, n == 2, EMBER_INVALID_ARGUMENT, "output_size has %zu items, expected 2",
                  n);
    EMBER_TRY(ember_check_ints_in(ctx, "output_size", os, n, 1, INT32_MAX));
    EMBER_REQUIRE(ctx, in->sizes[in->dim - 2] > 0 && in->sizes[in->dim - 1] > 0,
                  EMBER_SHAPE_MISMATCH, "input has an empty spatial dim");
    int64_t want[4];
    pool_out_shape(in, os[0], os[1], want);
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    *run = run_adaptive_avg_pool2d;
    return EMBER_OK;
}

/* ---- adaptive max pool ------------------------------------------------------------------- */

/* out, idx: (planes, Ho, Wo); in: (planes, H, W); windows as in adaptive average pooling,
 * NaN wins, indices are flat positions in the (H, W) plane. */
static void float_adaptive_maxpool2d__portable(void* restrict out, int64_t* restrict idx,
                                               const void* restrict in, int dt, int64_t planes,
                                               int64_t h, int64_t w, int64_t ho, int64_t wo)
{
    int64_t o = 0;
    for (int64_t c = 0; c < planes; c++) {
        const int64_t x = c * h * w; /* plane offset */
        for (int64_t oy = 0; oy < ho; oy++) {
            const int64_t y0 = oy * h / ho, y1 = ((oy + 1) * h + ho - 1) / ho;
            for (int64_t ox = 0; ox < wo; ox++) {
                const int64_t x0 = ox * w / wo, x1 = ((ox + 1) * w + wo - 1) / wo;
                int64_t best = y0 * w + x0;
                float best_v = ember_load_f32(in, dt, x + best);
                for (int64_t y = y0; y < y1; y++)
                    for (int64_t xx = x0; xx < x1; xx++) {
                        const float v = ember_load_f32(in, dt, x + y * w + xx);
                        if (v > best_v || isnan(v)) {
                            best = y * w + xx;
                            best_v = v;
                        }
                        if (isnan(best_v)) goto found;
                    }
            found:
                ember_store_f32(out, dt, o, best_v);
                idx[o++] = best;
            }
        }
    }
}

static ember_status run_adaptive_max_pool2d(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    const int64_t h = in->sizes[in->dim - 2], w = in->sizes[in->dim - 1];
    const int64_t ho = args[1]->u.ints[0], wo = args[1]->u.ints[1];
    float_adaptive_maxpool2d__portable(args[2]->u.t->data, (int64_t*)args[3]->u.t->data,
                                       in->data, in->dtype, in->numel / (h * w), h, w, ho, wo);
    return EMBER_OK;
}

ember_status ember_prepare_aten_adaptive_max_pool2d_out(ember_kernel_ctx* ctx,
                                                        ember_value* const* args,
                                                        size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE(ctx, num_args == 5 || num_args == 6, EMBER_INVALID_ARGUMENT,
                  "expected 5 or 6 arguments, got %zu", num_args);
    ember_tensor *in, *out, *idx;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_ALL, &in));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "indices", EMBER_DTYPES_ALL, &idx));
    EMBER_TRY(ember_check_dtype_in(ctx, "input", in, EMBER_DTYPES_F32_HALF));
    EMBER_TRY(ember_check_dtype(ctx, "out", out, in->dtype));
    EMBER_TRY(ember_check_dtype(ctx, "indices", idx, EMBER_DTYPE_I64));
    EMBER_REQUIRE(ctx, in->dim == 3 || in->dim == 4, EMBER_NOT_SUPPORTED,
                  "input has rank %d, expected (N, C, H, W) or (C, H, W)", in->dim);
    const int64_t* os;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "output_size", &os, &n));
    EMBER_REQUIRE(ctx, n == 2, EMBER_INVALID_ARGUMENT, "output_size has %zu items, expected 2", n);
    EMBER_TRY(ember_check_ints_in(ctx, "output_size", os, n, 1, INT32_MAX));
    EMBER_REQUIRE(ctx, in->sizes[in->dim - 2] > 0 && in->sizes[in->dim - 1] > 0,
                  EMBER_SHAPE_MISMATCH, "input has an empty spatial dim");
    int64_t want[4];
    pool_out_shape(in, os[0], os[1], want);
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    EMBER_TRY(ember_check_shape(ctx, "indices", idx, in->dim, want));
    *run = run_adaptive_max_pool2d;
    return EMBER_OK;
}
