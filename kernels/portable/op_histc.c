/* op_histc.c — aten::histc.out: a histogram of `bins` equal bins over [min, max] (mixture-of-
 * experts routers count tokens per expert with it).
 *
 * As torch on CPU: when min == max the range is the data's own minimum and maximum (widened
 * by 1 each way if those are equal too); elements outside the range, and NaN, are not counted;
 * an element equal to max falls in the last bin. The bin of x is
 * (x - min) * bins / (max - min), truncated, computed in the input's type. float32 and float64;
 * out has the input's dtype and shape (bins). A range that is not finite (data with NaN or inf
 * when min == max) fails run with EMBER_INVALID_ARGUMENT. */
#include <float.h>

#include "kernels/kernel_util.h"

#define HISTC(T, name)                                                                          \
    static ember_status name(ember_kernel_ctx* ctx, const T* x, int64_t n, T lo, T hi,          \
                             int64_t bins, T* out)                                              \
    {                                                                                           \
        if (lo == hi && n > 0) {                                                                \
            lo = hi = x[0];                                                                     \
            for (int64_t i = 0; i < n; i++) {                                                   \
                if (x[i] != x[i]) { lo = hi = x[i]; break; }                                    \
                if (x[i] < lo) lo = x[i];                                                       \
                if (x[i] > hi) hi = x[i];                                                       \
            }                                                                                   \
        }                                                                                       \
        if (lo == hi) {                                                                         \
            lo -= 1;                                                                            \
            hi += 1;                                                                            \
        }                                                                                       \
        if (!isfinite((double)lo) || !isfinite((double)hi))                                     \
            return ember_kernel_fail(ctx, EMBER_INVALID_ARGUMENT,                               \
                                     "range of [%s, %s] is not finite",                        \
                                     EMBER_DOUBLE_STR((double)lo), EMBER_DOUBLE_STR((double)hi)); \
        for (int64_t b = 0; b < bins; b++) out[b] = 0;                                          \
        for (int64_t i = 0; i < n; i++) {                                                       \
            const T v = x[i];                                                                   \
            if (!(v >= lo && v <= hi)) continue;                                                \
            const T q = (v - lo) * (T)bins / (hi - lo); /* NaN only if the range overflows */  \
            const int64_t b = q >= (T)bins ? bins - 1 : (q > 0 ? (int64_t)q : 0);               \
            out[b] += 1;                                                                        \
        }                                                                                       \
        return EMBER_OK;                                                                        \
    }
HISTC(float, f32_histc__portable)
HISTC(double, f64_histc__portable)
#undef HISTC

/* [self, bins, min, max, out, out] */
static ember_status run_histc(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[4]->u.t;
    double lo = 0.0, hi = 0.0;
    ember_scalar_as_double(args[2], &lo);
    ember_scalar_as_double(args[3], &hi);
    if (in->dtype == EMBER_DTYPE_F32)
        return f32_histc__portable(ctx, (const float*)in->data, in->numel, (float)lo, (float)hi,
                                   args[1]->u.i, (float*)out->data);
    return f64_histc__portable(ctx, (const double*)in->data, in->numel, lo, hi, args[1]->u.i,
                               (double*)out->data);
}

ember_status ember_prepare_aten_histc_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "bins", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_scalar(ctx, args, 2, "min"));
    EMBER_TRY(ember_arg_scalar(ctx, args, 3, "max"));
    EMBER_TRY(ember_arg_out(ctx, args, 4, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 5, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[4]->u.t;
    EMBER_REQUIRE(ctx, in->dtype == EMBER_DTYPE_F32 || in->dtype == EMBER_DTYPE_F64,
                  EMBER_DTYPE_MISMATCH, "self has dtype %s, expected float32 or float64",
                  ember_dtype_name(in->dtype));
    EMBER_REQUIRE(ctx, out->dtype == in->dtype, EMBER_DTYPE_MISMATCH, "out is %s, expected %s",
                  ember_dtype_name(out->dtype), ember_dtype_name(in->dtype));
    const int64_t bins = args[1]->u.i;
    EMBER_REQUIRE(ctx, bins > 0, EMBER_INVALID_ARGUMENT, "bins must be > 0, got %lld",
                  (long long)bins);
    const int64_t want[1] = {bins};
    EMBER_TRY(ember_check_shape(ctx, "out", out, 1, want));
    double lo = 0.0, hi = 0.0;
    ember_scalar_as_double(args[2], &lo);
    ember_scalar_as_double(args[3], &hi);
    EMBER_REQUIRE(ctx, isfinite(lo) && isfinite(hi), EMBER_INVALID_ARGUMENT,
                  "range of [%s, %s] is not finite", EMBER_DOUBLE_STR(lo), EMBER_DOUBLE_STR(hi));
    EMBER_REQUIRE(ctx, in->dtype != EMBER_DTYPE_F32 || (fabs(lo) <= FLT_MAX && fabs(hi) <= FLT_MAX),
                  EMBER_INVALID_ARGUMENT, "range of [%s, %s] does not fit in float32",
                  EMBER_DOUBLE_STR(lo), EMBER_DOUBLE_STR(hi));
    EMBER_REQUIRE(ctx, hi >= lo, EMBER_INVALID_ARGUMENT, "max (%s) must not be below min (%s)",
                  EMBER_DOUBLE_STR(hi), EMBER_DOUBLE_STR(lo));
    *run = run_histc;
    return EMBER_OK;
}
