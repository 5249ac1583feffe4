/* op_minmax_dim.c — the extreme along one dim with its position: max.dim_max and min.dim_min
 * (`values, indices = x.max(dim)`), with keepdim.
 *
 * As torch: the first extreme wins a tie; a NaN is the extreme (the first NaN, with its index).
 * Integer and bool elements compare as int64, floating ones as double; the value is copied
 * bit for bit from the input. The dim must not be empty (torch raises). */
#include "kernels/kernel_util.h"

/* Element i of a tensor's data as double, through kernel_util.h's row loader (every dtype the math
 * kernels admit). */
static double load_f64_at(const void* data, int dtype, int64_t i)
{
    double v = 0;
    ember_load_f64_row(&v, data, dtype, i, 1, 1);
    return v;
}

/* values / indices (outer, inner) = the extreme of in (outer, n, inner) along the middle. */
static void minmax_dim_run(const ember_tensor* in, int d, bool is_max, ember_tensor* values,
                           ember_tensor* indices)
{
    if (values->numel == 0) return;
    int64_t outer, n, inner;
    ember_split_dim(in, d, &outer, &n, &inner);
    const size_t es = ember_dtype_size(in->dtype);
    const bool intlike = ember_dtype_is_intlike(in->dtype);
    int64_t* idx = (int64_t*)indices->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const int64_t base = o * n * inner + i;
            int64_t best = 0;
            if (intlike) {
                int64_t bv = 0, v = 0;
                ember_load_i64_row(&bv, in->data, in->dtype, base, 1, 1);
                for (int64_t j = 1; j < n; j++) {
                    ember_load_i64_row(&v, in->data, in->dtype, base + j * inner, 1, 1);
                    if (is_max ? v > bv : v < bv) {
                        bv = v;
                        best = j;
                    }
                }
            } else {
                double bv = load_f64_at(in->data, in->dtype, base);
                for (int64_t j = 1; j < n && !isnan(bv); j++) {
                    double v = load_f64_at(in->data, in->dtype, base + j * inner);
                    if (isnan(v) || (is_max ? v > bv : v < bv)) {
                        bv = v;
                        best = j;
                    }
                }
            }
            const int64_t o_at = o * inner + i;
            idx[o_at] = best;
            memcpy((char*)values->data + (size_t)o_at * es,
                   (const char*)in->data + (size_t)(base + best * inner) * es, es);
        }
    }
}

/* [self, dim, keepdim, values, indices, (values, indices) | values, indices] */
static ember_status minmax_dim_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                       size_t num_args)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 6, 7);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    int64_t dim;
    EMBER_TRY(ember_arg_int(ctx, args, 1, "dim", &dim));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "keepdim", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "values", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 4, "indices", EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* values = args[3]->u.t;
    const ember_tensor* indices = args[4]->u.t;
    const int d = ember_wrap_dim(dim, in->dim);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld is out of range for rank %d",
                  (long long)dim, in->dim);
    EMBER_REQUIRE(ctx, values->dtype == in->dtype, EMBER_DTYPE_MISMATCH,
                  "values is %s, expected self's %s", ember_dtype_name(values->dtype),
                  ember_dtype_name(in->dtype));
    EMBER_REQUIRE(ctx, indices->dtype == EMBER_DTYPE_I64, EMBER_DTYPE_MISMATCH,
                  "indices is %s, expected int64", ember_dtype_name(indices->dtype));
    const bool keepdim = args[2]->u.b;
    int64_t sizes[EMBER_MAX_DIMS];
    int rank = 0;
    for (int i = 0; i < in->dim; i++) {
        if (i != d) sizes[rank++] = in->sizes[i];
        else if (keepdim) sizes[rank++] = 1;
    }
    EMBER_TRY(ember_check_shape(ctx, "values", values, rank, sizes));
    EMBER_TRY(ember_check_shape(ctx, "indices", indices, rank, sizes));
    EMBER_REQUIRE(ctx, in->dim == 0 || in->sizes[d] > 0 || values->numel == 0,
                  EMBER_INVALID_ARGUMENT, "cannot take the max/min of an empty dim %d", d);
    return EMBER_OK;
}

static ember_status run_max_dim(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    int d = in->dim ? ember_wrap_dim(args[1]->u.i, in->dim) : 0;
    minmax_dim_run(in, d, true, args[3]->u.t, args[4]->u.t);
    return EMBER_OK;
}

static ember_status run_min_dim(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    int d = in->dim ? ember_wrap_dim(args[1]->u.i, in->dim) : 0;
    minmax_dim_run(in, d, false, args[3]->u.t, args[4]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten_max_dim_max(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(minmax_dim_prepare(ctx, args, num_args));
    *run = run_max_dim;
    return EMBER_OK;
}

ember_status ember_prepare_aten_min_dim_min(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(minmax_dim_prepare(ctx, args, num_args));
    *run = run_min_dim;
    return EMBER_OK;
}
