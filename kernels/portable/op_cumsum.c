/* op_cumsum.c — aten::cumsum.out: running sum along one dim, accumulated in out's dtype
 * (float32 → float32 adds in float, as torch does; integer outs add in wrapping int64; other
 * float outs in double; a float input summed into an integer out reads by Ember's conversion
 * rule, kernel_util.h). The tensor is walked as (outer, dim, inner) with inner contiguous. */
#include "kernels/kernel_util.h"

/* out[k] = out[k-1] + in[k] along (n) rows of (inner) contiguous elements. */
static void f32_cumsum__portable(float* out, const float* in, int64_t n, int64_t inner)
{
    for (int64_t i = 0; i < inner; i++) out[i] = in[i];
    for (int64_t k = 1; k < n; k++) {
        const float* x = in + k * inner;
        const float* prev = out + (k - 1) * inner;
        float* o = out + k * inner;
        for (int64_t i = 0; i < inner; i++) o[i] = prev[i] + x[i];
    }
}

/* [self, dim, dtype?, out, out] */
static ember_status run_cumsum(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[3]->u.t;
    if (out->numel == 0) return EMBER_OK;
    int64_t outer, n, inner;
    ember_split_dim(in, ember_wrap_dim(args[1]->u.i, in->dim), &outer, &n, &inner);
    const int64_t block = n * inner;
    if (in->dtype == EMBER_DTYPE_F32 && out->dtype == EMBER_DTYPE_F32) {
        for (int64_t o = 0; o < outer; o++)
            f32_cumsum__portable((float*)out->data + o * block, (const float*)in->data + o * block,
                                 n, inner);
        return EMBER_OK;
    }
    const bool int_domain = ember_dtype_is_intlike(out->dtype);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const int64_t base = o * block + i;
            double acc = 0.0;
            int64_t iacc = 0;
            for (int64_t k = 0; k < n; k++) {
                const int64_t at = base + k * inner;
                if (int_domain) {
                    int64_t x = 0;
                    ember_load_i64_row(&x, in->data, in->dtype, at, 1, 1);
                    iacc = (int64_t)((uint64_t)iacc + (uint64_t)x);
                    ember_store_i64_row(out->data, out->dtype, at, 1, &iacc, 1);
                } else {
                    double x = 0.0;
                    ember_load_f64_row(&x, in->data, in->dtype, at, 1, 1);
                    acc += x;
                    ember_store_f64_row(out->data, out->dtype, at, 1, &acc, 1);
                }
            }
        }
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_cumsum_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 2, "dtype", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    EMBER_REQUIRE(ctx, ember_wrap_dim(args[1]->u.i, in->dim) >= 0, EMBER_INVALID_ARGUMENT,
                  "dim %lld is out of range for rank %d", (long long)args[1]->u.i, in->dim);
    EMBER_TRY(ember_check_same_shape(ctx, "out", args[3]->u.t, in));
    *run = run_cumsum;
    return EMBER_OK;
}
