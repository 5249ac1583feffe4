/* op_fill.c — tensors of one value: fill.Scalar_out (out, of self's shape, = value) and the
 * uninitialised allocations empty.out and empty_strided.out, which Ember fills with zeros so
 * every run is deterministic (torch leaves their contents unspecified; a model that reads them
 * before writing is wrong anyway). An Int or Bool value lands in an integer out exactly, a
 * Double by Ember's conversion rule (kernel_util.h). empty_strided's strides only say how
 * torch would lay the tensor out; Ember plans every tensor contiguous, so they are checked
 * (non-negative, one per dim) and otherwise unused. */
#include "kernels/portable/util_math.h"
#include "kernels/portable/util_nn.h"

static void fill_value(ember_tensor* out, const ember_value* v)
{
    const int64_t n = out->numel;
    if (mu_is_intlike(out->dtype) && v->tag != EMBER_VALUE_DOUBLE) {
        int64_t x[MU_CHUNK], x0 = 0;
        ember_scalar_as_int(v, &x0);
        for (int i = 0; i < MU_CHUNK; i++) x[i] = x0;
        for (int64_t j = 0; j < n; j += MU_CHUNK)
            mu_store_i64(out->data, out->dtype, j, 1, x,
                         (size_t)(n - j < MU_CHUNK ? n - j : MU_CHUNK));
    } else {
        double x[MU_CHUNK], x0 = 0;
        ember_scalar_as_double(v, &x0);
        for (int i = 0; i < MU_CHUNK; i++) x[i] = x0;
        for (int64_t j = 0; j < n; j += MU_CHUNK)
            mu_store_f64(out->data, out->dtype, j, 1, x,
                         (size_t)(n - j < MU_CHUNK ? n - j : MU_CHUNK));
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
    MU_TRY(mu_check_tensor(ctx, args, 0, "self"));
    MU_TRY(mu_check_scalar(ctx, args, 1, "value", false));
    MU_TRY(mu_check_out(ctx, args, 2, "out"));
    MU_TRY(mu_check_tag(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR, false));
    const ember_tensor* self = args[0]->u.t;
    MU_TRY(mu_check_shape(ctx, "out", args[2]->u.t, self->dim, self->sizes));
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
    NN_TRY(nn_get_ints(ctx, args, 0, &size, &n));
    EMBER_REQUIRE(ctx, n <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED, "size has %zu dims, at most %d",
                  n, EMBER_MAX_DIMS);
    NN_TRY(nn_check_ints_in(ctx, "size", size, n, 0, INT32_MAX));
    MU_TRY(mu_check_out(ctx, args, out_i, "out"));
    MU_TRY(mu_check_tag(ctx, args, out_i + 1, "returned out", EMBER_VALUE_TENSOR, false));
    NN_TRY(nn_check_shape(ctx, "out", args[out_i]->u.t, (int)n, size));
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
    MU_TRY(mu_check_tag(ctx, args, 1, "memory_format", EMBER_VALUE_INT, true));
    size_t n;
    MU_TRY(sized_out_prepare(ctx, args, 2, &n));
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
    MU_TRY(sized_out_prepare(ctx, args, 2, &n));
    const int64_t* stride;
    NN_TRY(nn_get_ints(ctx, args, 1, &stride, &ns));
    EMBER_REQUIRE(ctx, ns == n, EMBER_INVALID_ARGUMENT, "size has %zu items but stride has %zu",
                  n, ns);
    NN_TRY(nn_check_ints_in(ctx, "stride", stride, ns, 0, INT64_MAX));
    *run = run_empty_strided;
    return EMBER_OK;
}
