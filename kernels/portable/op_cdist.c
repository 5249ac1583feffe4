/* op_cdist.c — _cdist_forward.out (torch.cdist): [x1, x2, p, compute_mode?, out, out].
 * x1 (B.., P, M) and x2 (B.., R, M) with equal batch dims give out (B.., P, R), the p-norm
 * distance of every row pair: p = 0 counts differing coordinates, p = inf takes the largest
 * |difference|, otherwise (sum |d|^p)^(1/p). Computed directly in double for every p (torch's
 * compute_mode only picks a faster, less accurate matmul form for p = 2; it is checked and
 * otherwise unused); floating dtypes. */
#include "kernels/kernel_util.h"

static double row_distance(const ember_tensor* a, int64_t ao, const ember_tensor* b, int64_t bo,
                           int64_t m, double p)
{
    double acc = 0;
    for (int64_t j = 0; j < m; j += EMBER_CHUNK) {
        size_t k = (size_t)(m - j < EMBER_CHUNK ? m - j : EMBER_CHUNK);
        double x[EMBER_CHUNK], y[EMBER_CHUNK];
        ember_load_f64_row(x, a->data, a->dtype, ao + j, 1, k);
        ember_load_f64_row(y, b->data, b->dtype, bo + j, 1, k);
        for (size_t i = 0; i < k; i++) {
            const double d = fabs(x[i] - y[i]);
            if (p == 0) acc += d != 0;
            else if (isinf(p)) acc = (isnan(d) || d > acc) && !isnan(acc) ? d : acc;
            else if (p == 1) acc += d;
            else if (p == 2) acc += d * d;
            else acc += pow(d, p);
        }
    }
    if (p == 2) return sqrt(acc);
    if (p == 0 || p == 1 || isinf(p)) return acc;
    return pow(acc, 1.0 / p);
}

static ember_status run_cdist(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    ember_tensor* out = args[4]->u.t;
    double p = 2;
    ember_scalar_as_double(args[2], &p);
    const int r = a->dim;
    const int64_t pa = a->sizes[r - 2], rb = b->sizes[r - 2], m = a->sizes[r - 1];
    const int64_t batches = (pa != 0 && rb != 0) ? out->numel / (pa * rb) : 0;
    for (int64_t t = 0; t < batches; t++)
        for (int64_t i = 0; i < pa; i++)
            for (int64_t j = 0; j < rb; j++) {
                double d = row_distance(a, (t * pa + i) * m, b, (t * rb + j) * m, m, p);
                ember_store_f64_row(out->data, out->dtype, (t * pa + i) * rb + j, 1, &d, 1);
            }
    return EMBER_OK;
}

ember_status ember_prepare_aten__cdist_forward_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                   size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "x1", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "x2", EMBER_DTYPES_NUMERIC, NULL));
    double p;
    EMBER_TRY(ember_arg_double(ctx, args, 2, "p", &p));
    EMBER_REQUIRE(ctx, p >= 0, EMBER_INVALID_ARGUMENT, "p = %s must be non-negative", EMBER_DOUBLE_STR(p));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 3, "compute_mode", EMBER_VALUE_INT));
    if (!ember_is_null(args[3]))
        EMBER_REQUIRE(ctx, args[3]->u.i >= 0 && args[3]->u.i <= 2, EMBER_INVALID_ARGUMENT,
                      "compute_mode = %lld is out of range [0, 2]", (long long)args[3]->u.i);
    EMBER_TRY(ember_arg_out(ctx, args, 4, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 5, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    const ember_tensor* out = args[4]->u.t;
    EMBER_REQUIRE(ctx, ember_dtype_is_float(a->dtype) && ember_dtype_is_float(b->dtype) &&
                           ember_dtype_is_float(out->dtype),
                  EMBER_DTYPE_MISMATCH, "x1, x2 and out must be floating point, got %s, %s, %s",
                  ember_dtype_name(a->dtype), ember_dtype_name(b->dtype),
                  ember_dtype_name(out->dtype));
    EMBER_REQUIRE(ctx, a->dim >= 2 && b->dim == a->dim, EMBER_SHAPE_MISMATCH,
                  "x1 (rank %d) and x2 (rank %d) must have one rank of at least 2", a->dim,
                  b->dim);
    const int r = a->dim;
    int64_t want[EMBER_MAX_DIMS];
    for (int d = 0; d < r - 2; d++) {
        EMBER_REQUIRE(ctx, a->sizes[d] == b->sizes[d], EMBER_SHAPE_MISMATCH,
                      "batch dim %d differs: %d and %d", d, (int)a->sizes[d], (int)b->sizes[d]);
        want[d] = a->sizes[d];
    }
    EMBER_REQUIRE(ctx, a->sizes[r - 1] == b->sizes[r - 1], EMBER_SHAPE_MISMATCH,
                  "x1 rows have %d columns, x2 rows %d", (int)a->sizes[r - 1],
                  (int)b->sizes[r - 1]);
    want[r - 2] = a->sizes[r - 2];
    want[r - 1] = b->sizes[r - 2];
    EMBER_TRY(ember_check_shape(ctx, "out", out, r, want));
    *run = run_cdist;
    return EMBER_OK;
}
