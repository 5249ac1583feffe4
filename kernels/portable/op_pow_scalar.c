/* op_pow_scalar.c — pow.Scalar_out: a Scalar base raised to each element of an exponent tensor
 * (DETR's sine position embedding computes `temperature ** (2 * i / d)` this way).
 *
 * Out's dtype is authoritative, as for the other pow overloads (op_binary.c): an integer or bool
 * out computes in int64 (a negative exponent gives 0 unless the base is ±1), a floating out in
 * double, rounded once into out. */
#include "kernels/kernel_util.h"

static int64_t i64_pow(int64_t x, int64_t e)
{
    if (e < 0) return x == 1 ? 1 : x == -1 ? ((e & 1) ? -1 : 1) : 0;
    uint64_t r = 1, b = (uint64_t)x;
    while (e) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return (int64_t)r;
}

/* pow.Scalar_out: [self (Scalar base), exponent, out, out] */
static ember_status run_pow_scalar(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* e = args[1]->u.t;
    ember_tensor* out = args[2]->u.t;
    const int64_t n = out->numel;
    if (ember_dtype_is_intlike(out->dtype)) {
        int64_t base = 0;
        ember_scalar_as_int(args[0], &base);
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            int64_t x[EMBER_CHUNK];
            ember_load_i64_row(x, e->data, e->dtype, j, 1, m);
            for (size_t i = 0; i < m; i++) x[i] = i64_pow(base, x[i]);
            ember_store_i64_row(out->data, out->dtype, j, 1, x, m);
        }
    } else {
        double base = 0;
        ember_scalar_as_double(args[0], &base);
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            double x[EMBER_CHUNK];
            ember_load_f64_row(x, e->data, e->dtype, j, 1, m);
            for (size_t i = 0; i < m; i++) x[i] = pow(base, x[i]);
            ember_store_f64_row(out->data, out->dtype, j, 1, x, m);
        }
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_pow_Scalar_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                               size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_scalar(ctx, args, 0, "self (base)"));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "exponent", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* e = args[1]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", args[2]->u.t, e));
    *run = run_pow_scalar;
    return EMBER_OK;
}
