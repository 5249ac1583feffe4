/* op_create.c — tensors made from scalars: arange.out, arange.start_out, full.out,
 * full_like.out, zeros.out, ones.out, scalar_tensor.out. Out's dtype and shape (final at load)
 * decide everything; prepare checks they agree with the arguments. A double written into an
 * integer out converts by Ember's rule (kernel_util.h: truncate, NaN 0, saturate). arange's
 * length is computed exactly for integer bounds and checked before it becomes a size. */
#include "kernels/kernel_util.h"

/* Every element of out = the scalar: an Int or Bool into an integer/bool out as int64 (wrapping
 * into narrower types), anything else as double (into an integer out by Ember's rule: NaN 0,
 * saturating to the out dtype's range, else truncated; into bool as v != 0). */
static void fill(ember_tensor* out, const ember_value* v)
{
    const size_t n = (size_t)out->numel;
    if (out->dtype == EMBER_DTYPE_F32) {
        double d = 0.0;
        ember_scalar_as_double(v, &d);
        float* o = (float*)out->data; /* (numel) */
        for (size_t i = 0; i < n; i++) o[i] = (float)d;
        return;
    }
    if (ember_dtype_is_intlike(out->dtype) && v->tag != EMBER_VALUE_DOUBLE) {
        int64_t x = 0;
        ember_scalar_as_int(v, &x);
        for (size_t j = 0; j < n; j += EMBER_CHUNK) {
            int64_t buf[EMBER_CHUNK];
            size_t m = n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK;
            for (size_t i = 0; i < m; i++) buf[i] = x;
            ember_store_i64_row(out->data, out->dtype, (int64_t)j, 1, buf, m);
        }
    } else {
        double x = 0.0;
        ember_scalar_as_double(v, &x);
        for (size_t j = 0; j < n; j += EMBER_CHUNK) {
            double buf[EMBER_CHUNK];
            size_t m = n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK;
            for (size_t i = 0; i < m; i++) buf[i] = x;
            ember_store_f64_row(out->data, out->dtype, (int64_t)j, 1, buf, m);
        }
    }
}

static ember_status check_out(ember_kernel_ctx* ctx, ember_value* const* args, size_t out_i)
{
    EMBER_TRY(ember_arg_out(ctx, args, out_i, "out", EMBER_DTYPES_NUMERIC, NULL));
    return ember_arg_kind(ctx, args, out_i + 1, "returned out", EMBER_VALUE_TENSOR);
}

/* out must have the shape of an int list argument (full/zeros/ones `size`). */
static ember_status check_size_list(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                    const ember_tensor* out)
{
    EMBER_TRY(ember_arg_kind(ctx, args, i, "size", EMBER_VALUE_INT_LIST));
    const ember_value* v = args[i];
    EMBER_REQUIRE(ctx, v->len <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED, "size has %u dims (max %d)",
                  (unsigned)v->len, EMBER_MAX_DIMS);
    int64_t sizes[EMBER_MAX_DIMS];
    for (uint32_t d = 0; d < v->len; d++) {
        const int64_t s = v->u.ints[d];
        EMBER_REQUIRE(ctx, s >= 0 && s <= INT32_MAX, EMBER_INVALID_ARGUMENT,
                      "size[%u] = %lld is out of range [0, %d]", (unsigned)d, (long long)s,
                      (int)INT32_MAX);
        sizes[d] = s;
    }
    return ember_check_shape(ctx, "out", out, (int)v->len, sizes);
}

/* ---- arange ------------------------------------------------------------------------------ */

/* out[i] = start + i*step, in int64 for integer outs with integer start and step (exact: every
 * value lies between start and end, so the wrapping sum is the true one), double otherwise. */
static void arange_fill(ember_tensor* out, const ember_value* start, const ember_value* step)
{
    const size_t n = (size_t)out->numel;
    const bool ints = ember_dtype_is_intlike(out->dtype) && start->tag != EMBER_VALUE_DOUBLE &&
                      step->tag != EMBER_VALUE_DOUBLE;
    double d0 = 0.0, ds = 1.0;
    int64_t i0 = 0, is = 1;
    ember_scalar_as_double(start, &d0);
    ember_scalar_as_double(step, &ds);
    ember_scalar_as_int(start, &i0);
    ember_scalar_as_int(step, &is);
    for (size_t j = 0; j < n; j += EMBER_CHUNK) {
        size_t m = n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK;
        if (ints) {
            int64_t buf[EMBER_CHUNK];
            for (size_t i = 0; i < m; i++)
                buf[i] = (int64_t)((uint64_t)i0 + (uint64_t)(j + i) * (uint64_t)is);
            ember_store_i64_row(out->data, out->dtype, (int64_t)j, 1, buf, m);
        } else {
            double buf[EMBER_CHUNK];
            for (size_t i = 0; i < m; i++) buf[i] = d0 + (double)(j + i) * ds;
            ember_store_f64_row(out->data, out->dtype, (int64_t)j, 1, buf, m);
        }
    }
}

/* An Int (or Bool) argument, or `dflt` when the index is -1; false for a Double. */
static bool int_arg(ember_value* const* args, int i, int64_t dflt, int64_t* v)
{
    if (i < 0) {
        *v = dflt;
        return true;
    }
    if (args[i]->tag == EMBER_VALUE_DOUBLE) return false;
    ember_scalar_as_int(args[i], v);
    return true;
}

/* The exact length ceil((end - start) / step) when out is an integer tensor and start, end and
 * step are all integers (torch.arange computes int64 ranges in integers too), or -1 if end
 * lies before start in step's direction; false when the length is computed in double. */
static bool arange_int_length(ember_value* const* args, int start_i, int end_i, int step_i,
                              const ember_tensor* out, int64_t* len)
{
    int64_t start = 0, end = 0, step = 1;
    if (!ember_dtype_is_intlike(out->dtype) || !int_arg(args, start_i, 0, &start) ||
        !int_arg(args, end_i, 0, &end) || !int_arg(args, step_i, 1, &step))
        return false;
    if (step == 0 || (step > 0 ? end < start : end > start)) {
        *len = -1;
        return true;
    }
    /* |end - start| and |step| as uint64: exact, whatever their int64 values */
    const uint64_t span = step > 0 ? (uint64_t)end - (uint64_t)start
                                   : (uint64_t)start - (uint64_t)end;
    const uint64_t ustep = step > 0 ? (uint64_t)step : 0 - (uint64_t)step;
    const uint64_t n = span / ustep + (span % ustep != 0);
    *len = n > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)n;
    return true;
}

static ember_status check_arange(ember_kernel_ctx* ctx, ember_value* const* args, int start_i,
                                 int end_i, int step_i, size_t out_i)
{
    if (start_i >= 0) EMBER_TRY(ember_arg_scalar(ctx, args, (size_t)start_i, "start"));
    EMBER_TRY(ember_arg_scalar(ctx, args, (size_t)end_i, "end"));
    if (step_i >= 0) EMBER_TRY(ember_arg_scalar(ctx, args, (size_t)step_i, "step"));
    EMBER_TRY(check_out(ctx, args, out_i));
    double start = 0.0, end = 0.0, step = 1.0;
    if (start_i >= 0) ember_scalar_as_double(args[start_i], &start);
    ember_scalar_as_double(args[end_i], &end);
    if (step_i >= 0) ember_scalar_as_double(args[step_i], &step);
    EMBER_REQUIRE(ctx, isfinite(start) && isfinite(end) && isfinite(step), EMBER_INVALID_ARGUMENT,
                  "unsupported range: start %s, end %s, step %s (all must be finite)",
                  EMBER_DOUBLE_STR(start), EMBER_DOUBLE_STR(end), EMBER_DOUBLE_STR(step));
    const bool ok = (step > 0.0 && end >= start) || (step < 0.0 && end <= start);
    EMBER_REQUIRE(ctx, ok, EMBER_INVALID_ARGUMENT, "bad range: start %s, end %s, step %s",
                  EMBER_DOUBLE_STR(start), EMBER_DOUBLE_STR(end), EMBER_DOUBLE_STR(step));
    const ember_tensor* out = args[out_i]->u.t;
    int64_t len;
    if (arange_int_length(args, start_i, end_i, step_i, out, &len)) {
        EMBER_REQUIRE(ctx, len >= 0, EMBER_INVALID_ARGUMENT,
                      "bad range: start %s, end %s, step %s", EMBER_DOUBLE_STR(start),
                      EMBER_DOUBLE_STR(end), EMBER_DOUBLE_STR(step));
        EMBER_REQUIRE(ctx, len <= INT32_MAX, EMBER_INVALID_ARGUMENT,
                      "range start %s, end %s, step %s has %lld elements (more than 2^31-1)",
                      EMBER_DOUBLE_STR(start), EMBER_DOUBLE_STR(end), EMBER_DOUBLE_STR(step),
                      (long long)len);
    } else {
        /* torch: ceil((end - start) / step) in double; end - start may round or overflow */
        const double n = ceil((end - start) / step);
        EMBER_REQUIRE(ctx, n >= 0.0 && n <= (double)INT32_MAX, EMBER_INVALID_ARGUMENT,
                      "range start %s, end %s, step %s has %s elements (more than 2^31-1)",
                      EMBER_DOUBLE_STR(start), EMBER_DOUBLE_STR(end), EMBER_DOUBLE_STR(step),
                      EMBER_DOUBLE_STR(n));
        len = (int64_t)n;
    }
    return ember_check_shape(ctx, "out", out, 1, &len);
}

/* [end, out, out] */
static ember_status run_arange(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_value zero = {.tag = EMBER_VALUE_INT, .u.i = 0};
    const ember_value one = {.tag = EMBER_VALUE_INT, .u.i = 1};
    arange_fill(args[1]->u.t, &zero, &one);
    return EMBER_OK;
}

ember_status ember_prepare_aten_arange_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    EMBER_TRY(check_arange(ctx, args, -1, 0, -1, 1));
    *run = run_arange;
    return EMBER_OK;
}

/* [start, end, step, out, out] */
static ember_status run_arange_start(ember_kernel_ctx* ctx, ember_value* const* args)
{
    arange_fill(args[3]->u.t, args[0], args[2]);
    return EMBER_OK;
}

ember_status ember_prepare_aten_arange_start_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(check_arange(ctx, args, 0, 1, 2, 3));
    *run = run_arange_start;
    return EMBER_OK;
}

/* ---- full, zeros, ones, full_like, scalar_tensor ----------------------------------------- */

/* full.out: [size, fill_value, out, out] */
static ember_status run_full(ember_kernel_ctx* ctx, ember_value* const* args)
{
    fill(args[2]->u.t, args[1]);
    return EMBER_OK;
}

ember_status ember_prepare_aten_full_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_scalar(ctx, args, 1, "fill_value"));
    EMBER_TRY(check_out(ctx, args, 2));
    EMBER_TRY(check_size_list(ctx, args, 0, args[2]->u.t));
    *run = run_full;
    return EMBER_OK;
}

/* zeros.out / ones.out: [size, out, out] */
static ember_status run_zeros(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_value v = {.tag = EMBER_VALUE_INT, .u.i = 0};
    fill(args[1]->u.t, &v);
    return EMBER_OK;
}
static ember_status run_ones(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_value v = {.tag = EMBER_VALUE_INT, .u.i = 1};
    fill(args[1]->u.t, &v);
    return EMBER_OK;
}

static ember_status prepare_size_only(ember_kernel_ctx* ctx, ember_value* const* args,
                                      size_t num_args)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    EMBER_TRY(check_out(ctx, args, 1));
    return check_size_list(ctx, args, 0, args[1]->u.t);
}

ember_status ember_prepare_aten_zeros_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_size_only(ctx, args, num_args));
    *run = run_zeros;
    return EMBER_OK;
}

ember_status ember_prepare_aten_ones_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_size_only(ctx, args, num_args));
    *run = run_ones;
    return EMBER_OK;
}

/* full_like.out: [self, fill_value, memory_format?, out, out] */
static ember_status run_full_like(ember_kernel_ctx* ctx, ember_value* const* args)
{
    fill(args[3]->u.t, args[1]);
    return EMBER_OK;
}

ember_status ember_prepare_aten_full_like_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                              size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_REQUIRE(ctx, ember_is_tensor(args[0]) && args[0]->u.t, EMBER_INVALID_ARGUMENT,
                  "self (argument 0) must be a tensor");
    EMBER_TRY(ember_arg_scalar(ctx, args, 1, "fill_value"));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 2, "memory_format", EMBER_VALUE_INT));
    EMBER_TRY(check_out(ctx, args, 3));
    const ember_tensor* self = args[0]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", args[3]->u.t, self));
    *run = run_full_like;
    return EMBER_OK;
}

/* scalar_tensor.out: [s, out, out] */
static ember_status run_scalar_tensor(ember_kernel_ctx* ctx, ember_value* const* args)
{
    fill(args[1]->u.t, args[0]);
    return EMBER_OK;
}

ember_status ember_prepare_aten_scalar_tensor_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                  size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    EMBER_TRY(ember_arg_scalar(ctx, args, 0, "s"));
    EMBER_TRY(check_out(ctx, args, 1));
    EMBER_REQUIRE(ctx, args[1]->u.t->numel == 1, EMBER_SHAPE_MISMATCH,
                  "out must hold one element, has %lld", (long long)args[1]->u.t->numel);
    *run = run_scalar_tensor;
    return EMBER_OK;
}
