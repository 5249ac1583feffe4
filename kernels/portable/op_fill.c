/* op_fill.c — tensors of one value: fill.Scalar_out (out, of self's shape, = value) and the
 * uninitialised allocations empty.out and empty_strided.out, which Ember fills with zeros so
 * every run is deterministic (torch leaves their contents unspecified; a model that reads them
 * before writing is wrong anyway). An Int or Bool value lands in an integer out exactly, a
 * Double by Ember's conversion rule (kernel_util.h). empty_strided's strides only say how
 * torch would lay the tensor out; Ember plans every tensor contiguous, so they are checked
 * (non-negative, one per dim) and otherwise unused. */
#include "kernels/kernel_util.h"

static void fill_value(ember_tensor* out, const ember_value* v)
{
    const int64_t n = out->numel;
    if (ember_dtype_is_intlike(out->dtype) && v->tag != EMBER_VALUE_DOUBLE) {
        int64_t x[EMBER_CHUNK], x0 = 0;
        ember_scalar_as_int(v, &x0);
        for (int i = 0; i < EMBER_CHUNK; i++) x[i] = x0;
        for (int64_t j = 0; j < n; j += EMBER_CHUNK)
            ember_store_i64_row(out->data, out->dtype, j, 1, x,
                                (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK));
    } else {
        double x[EMBER_CHUNK], x0 = 0;
        ember_scalar_as_double(v, &x0);
        for (int i = 0; i < EMBER_CHUNK; i++) x[i] = x0;
        for (int64_t j = 0; j < n; j += EMBER_CHUNK)
            ember_store_f64_row(out->data, out->dtype, j, 1, x,
                                (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK));
    }
}

/* fill.Scalar_out: [self, value, out, out] */
static ember_status run_fill(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    fill_value(args[2]->u.t, args[1]);
    return EMBER_OK;
}

ember_status ember_prepare_aten_fill_Scalar_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_scalar(ctx, args, 1, "value"));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", args[2]->u.t, self));
    *run = run_fill;
    return EMBER_OK;
}

/* Zeros into out. */
static ember_status run_zero(ember_tensor* out)
{
    if (out->nbytes) memset(out->data, 0, out->nbytes);
    return EMBER_OK;
}

/* out (at out_i) must have the shape of the size list at args[0]. */
static ember_status sized_out_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                      size_t out_i, size_t* ndim)
{
    const int64_t* size;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 0, "size", &size, &n));
    EMBER_REQUIRE(ctx, n <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED, "size has %zu dims, at most %d",
                  n, EMBER_MAX_DIMS);
    EMBER_TRY(ember_check_ints_in(ctx, "size", size, n, 0, INT32_MAX));
    EMBER_TRY(ember_arg_out(ctx, args, out_i, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, out_i + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_shape(ctx, "out", args[out_i]->u.t, (int)n, size));
    *ndim = n;
    return EMBER_OK;
}

/* empty.out: [size, memory_format?, out, out] */
static ember_status run_empty(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_zero(args[2]->u.t);
}

ember_status ember_prepare_aten_empty_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 1, "memory_format", EMBER_VALUE_INT));
    size_t n;
    EMBER_TRY(sized_out_prepare(ctx, args, 2, &n));
    *run = run_empty;
    return EMBER_OK;
}

/* empty_strided.out: [size, stride, out, out] */
static ember_status run_empty_strided(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_zero(args[2]->u.t);
}

ember_status ember_prepare_aten_empty_strided_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                  size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    size_t n, ns;
    EMBER_TRY(sized_out_prepare(ctx, args, 2, &n));
    const int64_t* stride;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "stride", &stride, &ns));
    EMBER_REQUIRE(ctx, ns == n, EMBER_INVALID_ARGUMENT, "size has %zu items but stride has %zu",
                  n, ns);
    EMBER_TRY(ember_check_ints_in(ctx, "stride", stride, ns, 0, INT64_MAX));
    *run = run_empty_strided;
    return EMBER_OK;
}
