/* op_batch_stats_norm.c — normalisation by the batch's own statistics:
 *   aten::_native_batch_norm_legit.no_stats_out
 *       [input, weight?, bias?, training, momentum, eps, out, save_mean, save_invstd, returns..]
 * what InstanceNorm (and BatchNorm without running stats) lower to. For each channel c of
 * input (N, C, *): mean and biased variance over N and the spatial dims, then
 * out = (x - mean) * invstd * weight[c] + bias[c] with invstd = 1 / sqrt(var + eps);
 * save_mean and save_invstd (C) receive the statistics. Statistics are computed in double in
 * two passes, the result rounded once into out (float32 or float64). training must be true:
 * without running statistics there is nothing else to normalise by (torch raises too). */
#include "kernels/kernel_util.h"

/* Element i of a tensor's data as double, through kernel_util.h's row loader (every dtype the math
 * kernels admit). */
static double load_f64_at(const void* data, int dtype, int64_t i)
{
    double v = 0;
    ember_load_f64_row(&v, data, dtype, i, 1, 1);
    return v;
}

static ember_status run_bn_no_stats(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* w = ember_is_null(args[1]) ? NULL : args[1]->u.t;
    const ember_tensor* b = ember_is_null(args[2]) ? NULL : args[2]->u.t;
    double eps = 0;
    ember_scalar_as_double(args[5], &eps);
    ember_tensor* out = args[6]->u.t;
    ember_tensor* save_mean = args[7]->u.t;
    ember_tensor* save_invstd = args[8]->u.t;
    const int64_t n = in->sizes[0], c = in->sizes[1];
    const int64_t inner = c ? (n ? in->numel / (n * c) : 0) : 0;
    const int64_t count = n * inner;
    for (int64_t ch = 0; ch < c; ch++) {
        double sum = 0, sq = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < inner; j += EMBER_CHUNK) {
                size_t m = (size_t)(inner - j < EMBER_CHUNK ? inner - j : EMBER_CHUNK);
                double x[EMBER_CHUNK];
                ember_load_f64_row(x, in->data, in->dtype, (i * c + ch) * inner + j, 1, m);
                for (size_t k = 0; k < m; k++) sum += x[k];
            }
        const double mean = count ? sum / (double)count : NAN;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < inner; j += EMBER_CHUNK) {
                size_t m = (size_t)(inner - j < EMBER_CHUNK ? inner - j : EMBER_CHUNK);
                double x[EMBER_CHUNK];
                ember_load_f64_row(x, in->data, in->dtype, (i * c + ch) * inner + j, 1, m);
                for (size_t k = 0; k < m; k++) sq += (x[k] - mean) * (x[k] - mean);
            }
        const double invstd = 1.0 / sqrt((count ? sq / (double)count : NAN) + eps);
        const double scale = w ? load_f64_at(w->data, w->dtype, ch) : 1.0;
        const double shift = b ? load_f64_at(b->data, b->dtype, ch) : 0.0;
        ember_store_f64_row(save_mean->data, save_mean->dtype, ch, 1, &mean, 1);
        ember_store_f64_row(save_invstd->data, save_invstd->dtype, ch, 1, &invstd, 1);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < inner; j += EMBER_CHUNK) {
                size_t m = (size_t)(inner - j < EMBER_CHUNK ? inner - j : EMBER_CHUNK);
                const int64_t at = (i * c + ch) * inner + j;
                double x[EMBER_CHUNK];
                ember_load_f64_row(x, in->data, in->dtype, at, 1, m);
                for (size_t k = 0; k < m; k++) x[k] = (x[k] - mean) * invstd * scale + shift;
                ember_store_f64_row(out->data, out->dtype, at, 1, x, m);
            }
    }
    return EMBER_OK;
}

/* weight or bias: None, or a (C) tensor of a floating dtype. */
static ember_status channel_param(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                  const char* what, int64_t c)
{
    if (ember_is_null(args[i])) return EMBER_OK;
    EMBER_TRY(ember_arg_tensor(ctx, args, i, what, EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* t = args[i]->u.t;
    EMBER_REQUIRE(ctx, ember_dtype_is_float(t->dtype), EMBER_DTYPE_MISMATCH,
                  "%s must be floating point, got %s", what, ember_dtype_name(t->dtype));
    return ember_check_shape(ctx, what, t, 1, &c);
}

ember_status ember_prepare_aten__native_batch_norm_legit_no_stats_out(ember_kernel_ctx* ctx,
                                                                       ember_value* const* args,
                                                                       size_t num_args,
                                                                       ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 10, 12);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* in = args[0]->u.t;
    EMBER_REQUIRE(ctx, ember_dtype_is_float(in->dtype), EMBER_DTYPE_MISMATCH,
                  "input must be floating point, got %s", ember_dtype_name(in->dtype));
    EMBER_REQUIRE(ctx, in->dim >= 2, EMBER_INVALID_ARGUMENT,
                  "input has rank %d, expected (N, C, ...)", in->dim);
    const int64_t c = in->sizes[1];
    EMBER_TRY(channel_param(ctx, args, 1, "weight", c));
    EMBER_TRY(channel_param(ctx, args, 2, "bias", c));
    bool training = false;
    EMBER_TRY(ember_arg_bool(ctx, args, 3, "training", &training));
    EMBER_REQUIRE(ctx, training, EMBER_INVALID_ARGUMENT,
                  "training is false but there are no running statistics");
    double momentum = 0, eps = 0;
    EMBER_TRY(ember_arg_double(ctx, args, 4, "momentum", &momentum));
    EMBER_TRY(ember_arg_double(ctx, args, 5, "eps", &eps));
    EMBER_REQUIRE(ctx, eps >= 0 && eps < INFINITY, EMBER_INVALID_ARGUMENT,
                  "eps = %s must be finite and non-negative", EMBER_DOUBLE_STR(eps));
    EMBER_TRY(ember_arg_out(ctx, args, 6, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 7, "save_mean", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 8, "save_invstd", EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* out = args[6]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    EMBER_REQUIRE(ctx, ember_dtype_is_float(out->dtype), EMBER_DTYPE_MISMATCH,
                  "out must be floating point, got %s", ember_dtype_name(out->dtype));
    for (size_t i = 7; i <= 8; i++) {
        const ember_tensor* s = args[i]->u.t;
        EMBER_TRY(ember_check_shape(ctx, i == 7 ? "save_mean" : "save_invstd", s, 1, &c));
        EMBER_REQUIRE(ctx, ember_dtype_is_float(s->dtype), EMBER_DTYPE_MISMATCH,
                      "%s must be floating point, got %s", i == 7 ? "save_mean" : "save_invstd",
                      ember_dtype_name(s->dtype));
    }
    *run = run_bn_no_stats;
    return EMBER_OK;
}
