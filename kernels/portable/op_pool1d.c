/* op_pool1d.c — 1-D average pooling, portable f32, on (N, C, L) or (C, L) inputs (audio and
 * sequence models):
 *   aten::avg_pool1d.out           [self, kernel_size, stride, padding, ceil_mode,
 *                                   count_include_pad, out, out]
 *   aten::adaptive_avg_pool1d.out  [self, output_size, out, out]
 * The window rules are avg_pool2d's along one axis (op_pool.c, ATen's CPU kernels): an empty
 * stride means the kernel size, ceil_mode drops a last window that would start in the right
 * padding, padding is at most half the kernel; adaptive window o of O over length L is
 * [floor(o*L/O), ceil((o+1)*L/O)). Sums run in float, in order, as torch's do. Prepare bounds
 * every list item to [0 or 1, 2^31-1], so the window arithmetic cannot overflow. */
#include "kernels/kernel_util.h"

typedef struct pool1d_params {
    int64_t planes, len, out_len, k, stride, pad;
} pool1d_params;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void pool1d_params_get(const ember_value* const* args, pool1d_params* p)
{
    const ember_tensor* in = args[0]->u.t;
    p->len = in->sizes[in->dim - 1];
    p->planes = p->len ? in->numel / p->len : 0;
    p->k = args[1]->u.ints[0];
    p->stride = args[2]->len ? args[2]->u.ints[0] : p->k;
    p->pad = args[3]->u.ints[0];
    const bool ceil_mode = args[4]->u.b;
    int64_t o = floor_div(p->len + 2 * p->pad - p->k + (ceil_mode ? p->stride - 1 : 0), p->stride) + 1;
    if (ceil_mode && o > 0 && (o - 1) * p->stride >= p->len + p->pad) o--;
    p->out_len = o;
}

/* out: (planes, Lo); in: (planes, L). */
static void f32_avgpool1d__portable(float* restrict out, const float* restrict in,
                                    const pool1d_params* p, bool count_include_pad)
{
    for (int64_t c = 0; c < p->planes; c++) {
        const float* x = in + c * p->len;
        for (int64_t o = 0; o < p->out_len; o++) {
            int64_t x0 = o * p->stride - p->pad;
            int64_t x1 = x0 + p->k < p->len + p->pad ? x0 + p->k : p->len + p->pad;
            const int64_t pool_size = x1 - x0;
            if (x0 < 0) x0 = 0;
            if (x1 > p->len) x1 = p->len;
            if (x0 >= x1) {
                *out++ = 0.0f;
                continue;
            }
            float sum = 0.0f;
            for (int64_t i = x0; i < x1; i++) sum += x[i];
            *out++ = sum / (float)(count_include_pad ? pool_size : x1 - x0);
        }
    }
}

static ember_status run_avg_pool1d_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    pool1d_params p;
    pool1d_params_get((const ember_value* const*)args, &p);
    f32_avgpool1d__portable((float*)args[6]->u.t->data, (const float*)args[0]->u.t->data, &p,
                            args[5]->u.b);
    return EMBER_OK;
}

/* self: f32 of rank 2 or 3. */
static ember_status pool1d_input(ember_kernel_ctx* ctx, ember_value* const* args, ember_tensor** in)
{
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, in));
    EMBER_TRY(ember_check_dtype(ctx, "input", *in, EMBER_DTYPE_F32));
    EMBER_REQUIRE(ctx, (*in)->dim == 2 || (*in)->dim == 3, EMBER_NOT_SUPPORTED,
                  "input has rank %d, expected (N, C, L) or (C, L)", (*in)->dim);
    return EMBER_OK;
}

/* out must be self's shape with the last dim `len`. */
static ember_status pool1d_out(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                               const ember_tensor* in, int64_t len)
{
    ember_tensor* out;
    EMBER_TRY(ember_arg_out(ctx, args, i, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_dtype(ctx, "out", out, EMBER_DTYPE_F32));
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(in, want);
    want[in->dim - 1] = len;
    return ember_check_shape(ctx, "out", out, in->dim, want);
}

ember_status ember_prepare_aten_avg_pool1d_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                               size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 8);
    ember_tensor* in;
    EMBER_TRY(pool1d_input(ctx, args, &in));
    const char* names[3] = {"kernel_size", "stride", "padding"};
    for (int k = 0; k < 3; k++) {
        const int64_t* v;
        size_t n;
        EMBER_TRY(ember_arg_ints(ctx, args, (size_t)k + 1, names[k], &v, &n));
        EMBER_REQUIRE(ctx, n == 1 || (k == 1 && n == 0), EMBER_INVALID_ARGUMENT,
                      "%s has %zu items, expected 1", names[k], n);
        EMBER_TRY(ember_check_ints_in(ctx, names[k], v, n, k == 2 ? 0 : 1, INT32_MAX));
    }
    bool b;
    EMBER_TRY(ember_arg_bool(ctx, args, 4, "ceil_mode", &b));
    EMBER_TRY(ember_arg_bool(ctx, args, 5, "count_include_pad", &b));
    pool1d_params p;
    pool1d_params_get((const ember_value* const*)args, &p);
    EMBER_REQUIRE(ctx, p.pad <= p.k / 2, EMBER_INVALID_ARGUMENT,
                  "padding must be at most half of the kernel size");
    EMBER_REQUIRE(ctx, p.out_len >= 1, EMBER_SHAPE_MISMATCH, "output would be empty (%lld)",
                  (long long)p.out_len);
    EMBER_TRY(pool1d_out(ctx, args, 6, in, p.out_len));
    *run = run_avg_pool1d_f32;
    return EMBER_OK;
}

/* out: (planes, O); in: (planes, L). */
static void f32_adaptive_avgpool1d__portable(float* restrict out, const float* restrict in,
                                             int64_t planes, int64_t len, int64_t out_len)
{
    for (int64_t c = 0; c < planes; c++) {
        const float* x = in + c * len;
        for (int64_t o = 0; o < out_len; o++) {
            const int64_t x0 = o * len / out_len, x1 = ((o + 1) * len + out_len - 1) / out_len;
            float sum = 0.0f;
            for (int64_t i = x0; i < x1; i++) sum += x[i];
            *out++ = sum / (float)(x1 - x0);
        }
    }
}

static ember_status run_adaptive_avg_pool1d_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    const int64_t len = in->sizes[in->dim - 1];
    f32_adaptive_avgpool1d__portable((float*)args[2]->u.t->data, (const float*)in->data,
                                     len ? in->numel / len : 0, len, args[1]->u.ints[0]);
    return EMBER_OK;
}

ember_status ember_prepare_aten_adaptive_avg_pool1d_out(ember_kernel_ctx* ctx,
                                                        ember_value* const* args, size_t num_args,
                                                        ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor* in;
    EMBER_TRY(pool1d_input(ctx, args, &in));
    const int64_t* v;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "output_size", &v, &n));
    EMBER_REQUIRE(ctx, n == 1, EMBER_INVALID_ARGUMENT, "output_size has %zu items, expected 1", n);
    EMBER_TRY(ember_check_ints_in(ctx, "output_size", v, 1, 1, INT32_MAX));
    EMBER_REQUIRE(ctx, in->sizes[in->dim - 1] > 0, EMBER_INVALID_ARGUMENT,
                  "the pooled dim is empty");
    EMBER_TRY(pool1d_out(ctx, args, 2, in, v[0]));
    *run = run_adaptive_avg_pool1d_f32;
    return EMBER_OK;
}
