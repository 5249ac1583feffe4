/* op_norm.c — normalisations, portable f32, and float16/bfloat16 through the *_half kernels
 * (statistics in double, like the f32 ones, the rest in float, each output rounded once; the
 * per-channel parameters and the mean/rstd outs may be the input's half dtype or float32, as
 * torch's mixed-dtype CPU norms allow):
 *   aten::_native_batch_norm_legit_no_training.out
 *       [input, weight, bias, running_mean, running_var, momentum, eps, out0, out1, out2,
 *        out0, out1, out2]
 *   aten::native_layer_norm.out
 *       [input, normalized_shape, weight, bias, eps, out0, out1, out2, out0, out1, out2]
 *   aten::native_group_norm.out
 *       [input, weight, bias, N, C, HxW, group, eps, out0, out1, out2, out0, out1, out2]
 * (The returns may also come as one TensorList value [out0, out1, out2], as ExecuTorch writes
 * them: 11, 9 and 12 arguments. Run never reads them.)
 * Batch norm's out1/out2 (save_mean, save_invstd) are size 0 in ExecuTorch programs; if they
 * do have C elements they get the running mean and 1/sqrt(var + eps), otherwise zeros. Layer
 * and group norm write the per-row mean and rstd (biased variance). Row statistics are
 * accumulated in double. Every out (out0, out1, out2) is declared, even an empty one. Group
 * norm's N and C must equal the input's sizes and HxW and group lie in [0 or 1, 2^31-1] before
 * N * C * HxW is formed (with an overflow check). On x86 with AVX2 or AVX-512, float32 layer norm
 * runs f32_layer_norm (kernels/optimized/f32_rowops.h), chosen in prepare. */
#include "kernels/optimized/f32_rowops.h"
#include "kernels/kernel_util.h"

/* ---- batch norm (inference) -------------------------------------------------------------- */

/* out, in: (N, C, inner); mean, var: (C); w, b: (C) or NULL. */
static void f32_batch_norm__portable(float* restrict out, const float* restrict in,
                                     const float* restrict mean, const float* restrict var,
                                     const float* restrict w, const float* restrict b, float eps,
                                     int64_t n, int64_t c, int64_t inner)
{
    for (int64_t ch = 0; ch < c; ch++) {
        const float invstd = 1.0f / sqrtf(var[ch] + eps);
        const float alpha = w ? w[ch] * invstd : invstd;
        const float beta = (b ? b[ch] : 0.0f) - mean[ch] * alpha;
        for (int64_t i = 0; i < n; i++) {
            const float* x = in + (i * c + ch) * inner;
            float* o = out + (i * c + ch) * inner;
            for (int64_t k = 0; k < inner; k++) o[k] = x[k] * alpha + beta;
        }
    }
}

static const float* opt_f32(const ember_value* v)
{
    return ember_is_null(v) ? NULL : (const float*)v->u.t->data;
}

static ember_status run_batch_norm_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    const int64_t n = in->sizes[0], c = in->sizes[1];
    const int64_t inner = (n * c != 0) ? in->numel / (n * c) : 0;
    const float eps = (float)args[6]->u.d;
    const float* mean = (const float*)args[3]->u.t->data;
    const float* var = (const float*)args[4]->u.t->data;
    f32_batch_norm__portable((float*)args[7]->u.t->data, (const float*)in->data, mean, var,
                             opt_f32(args[1]), opt_f32(args[2]), eps, n, c, inner);
    const ember_tensor* save_mean = args[8]->u.t;
    const ember_tensor* save_invstd = args[9]->u.t;
    for (int64_t k = 0; k < save_mean->numel; k++)
        ((float*)save_mean->data)[k] = save_mean->numel == c ? mean[k] : 0.0f;
    for (int64_t k = 0; k < save_invstd->numel; k++)
        ((float*)save_invstd->data)[k] = save_invstd->numel == c ? 1.0f / sqrtf(var[k] + eps)
                                                                  : 0.0f;
    return EMBER_OK;
}

/* Element k of an optional tensor argument as float (any of f32, f16, bf16), or `dflt`. */
static float opt_ld(const ember_value* v, int64_t k, float dflt)
{
    return ember_is_null(v) ? dflt : ember_load_f32(v->u.t->data, v->u.t->dtype, k);
}

static ember_status run_batch_norm_half(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[7]->u.t;
    const int64_t n = in->sizes[0], c = in->sizes[1];
    const int64_t inner = (n * c != 0) ? in->numel / (n * c) : 0;
    const float eps = (float)args[6]->u.d;
    const ember_tensor* save_mean = args[8]->u.t;
    const ember_tensor* save_invstd = args[9]->u.t;
    for (int64_t ch = 0; ch < c; ch++) {
        const float mean = opt_ld(args[3], ch, 0.0f);
        const float invstd = 1.0f / sqrtf(opt_ld(args[4], ch, 1.0f) + eps);
        const float alpha = opt_ld(args[1], ch, 1.0f) * invstd;
        const float beta = opt_ld(args[2], ch, 0.0f) - mean * alpha;
        for (int64_t i = 0; i < n; i++) {
            const int64_t base = (i * c + ch) * inner;
            for (int64_t k = 0; k < inner; k++)
                ember_store_f32(out->data, in->dtype, base + k,
                                ember_load_f32(in->data, in->dtype, base + k) * alpha + beta);
        }
    }
    for (int64_t k = 0; k < save_mean->numel; k++)
        ember_store_f32(save_mean->data, save_mean->dtype, k,
                        save_mean->numel == c ? opt_ld(args[3], k, 0.0f) : 0.0f);
    for (int64_t k = 0; k < save_invstd->numel; k++)
        ember_store_f32(
            save_invstd->data, save_invstd->dtype, k,
            save_invstd->numel == c ? 1.0f / sqrtf(opt_ld(args[4], k, 1.0f) + eps) : 0.0f);
    return EMBER_OK;
}

/* A parameter or statistics tensor of a norm over an input of dtype in_dt: the same dtype, or
 * float32 beside a half input. */
static ember_status norm_check_dtype(ember_kernel_ctx* ctx, const char* what,
                                     const ember_tensor* t, int in_dt)
{
    EMBER_REQUIRE(ctx,
                  t->dtype == in_dt || (ember_dtype_is_half(in_dt) && t->dtype == EMBER_DTYPE_F32),
                  EMBER_DTYPE_MISMATCH, "%s is %s, expected %s%s", what,
                  ember_dtype_name(t->dtype), ember_dtype_name(in_dt),
                  ember_dtype_is_half(in_dt) ? " or float32" : "");
    return EMBER_OK;
}

/* A per-channel tensor (None too when `optional`) of `c` elements (dtype: norm_check_dtype). */
static ember_status norm_check_param(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                     const char* what, bool optional, int64_t c, int in_dt)
{
    ember_tensor* t;
    EMBER_TRY(optional ? ember_arg_opt_tensor(ctx, args, i, what, EMBER_DTYPES_F32_HALF, &t)
                       : ember_arg_tensor(ctx, args, i, what, EMBER_DTYPES_F32_HALF, &t));
    if (!t) return EMBER_OK;
    EMBER_TRY(norm_check_dtype(ctx, what, t, in_dt));
    EMBER_REQUIRE(ctx, t->numel == c, EMBER_SHAPE_MISMATCH, "%s has %lld elements, expected %lld",
                  what, (long long)t->numel, (long long)c);
    return EMBER_OK;
}

/* eps (args[i]), then the three outs: out0 of the input's dtype and shape, out1 and out2 (the
 * statistics, named n1 and n2) of any dtype, which the caller checks when they are not empty
 * (ExecuTorch programs pass them empty). */
static ember_status norm_get_eps_outs(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                      const ember_tensor* in, const char* n1, const char* n2,
                                      ember_tensor** out, ember_tensor** o1, ember_tensor** o2)
{
    EMBER_TRY(ember_arg_kind(ctx, args, i, "eps", EMBER_VALUE_DOUBLE));
    EMBER_TRY(ember_arg_out(ctx, args, i + 1, "out0", EMBER_DTYPES_F32_HALF, out));
    EMBER_TRY(ember_arg_out(ctx, args, i + 2, n1, EMBER_DTYPES_ALL, o1));
    EMBER_TRY(ember_arg_out(ctx, args, i + 3, n2, EMBER_DTYPES_ALL, o2));
    EMBER_TRY(ember_check_dtype(ctx, "out0", *out, in->dtype));
    return ember_check_same_shape(ctx, "out0", *out, in);
}

ember_status ember_prepare_aten__native_batch_norm_legit_no_training_out(
    ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 11, 13); /* returns: [out0, out1, out2] or 3 tensors */
    ember_tensor *in, *out, *o1, *o2;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_F32_HALF, &in));
    EMBER_REQUIRE(ctx, in->dim >= 2, EMBER_NOT_SUPPORTED,
                  "input has rank %d, expected (N, C, ...)", in->dim);
    const int64_t c = in->sizes[1];
    EMBER_TRY(norm_check_param(ctx, args, 1, "weight", true, c, in->dtype));
    EMBER_TRY(norm_check_param(ctx, args, 2, "bias", true, c, in->dtype));
    EMBER_TRY(norm_check_param(ctx, args, 3, "running_mean", false, c, in->dtype));
    EMBER_TRY(norm_check_param(ctx, args, 4, "running_var", false, c, in->dtype));
    EMBER_TRY(norm_get_eps_outs(ctx, args, 6, in, "out1", "out2", &out, &o1, &o2));
    if (o1->numel > 0) EMBER_TRY(norm_check_dtype(ctx, "out1", o1, in->dtype));
    if (o2->numel > 0) EMBER_TRY(norm_check_dtype(ctx, "out2", o2, in->dtype));
    *run = in->dtype == EMBER_DTYPE_F32 ? run_batch_norm_f32 : run_batch_norm_half;
    return EMBER_OK;
}

/* ---- layer norm -------------------------------------------------------------------------- */

/* out, in: (rows, cols); w, b: (cols) or NULL; mean, rstd: (rows) or NULL. */
static void f32_layer_norm__portable(float* restrict out, float* restrict mean_out,
                                     float* restrict rstd_out, const float* restrict in,
                                     const float* restrict w, const float* restrict b,
                                     double eps, int64_t rows, int64_t cols)
{
    for (int64_t r = 0; r < rows; r++) {
        const float* x = in + r * cols;
        float* o = out + r * cols;
        double sum = 0.0;
        for (int64_t k = 0; k < cols; k++) sum += x[k];
        const double mean = cols ? sum / (double)cols : 0.0;
        double sq = 0.0;
        for (int64_t k = 0; k < cols; k++) sq += (x[k] - mean) * (x[k] - mean);
        const double var = cols ? sq / (double)cols : 0.0;
        const float rstd = (float)(1.0 / sqrt(var + eps));
        const float m = (float)mean;
        for (int64_t k = 0; k < cols; k++) {
            float v = (x[k] - m) * rstd;
            if (w) v *= w[k];
            if (b) v += b[k];
            o[k] = v;
        }
        if (mean_out) mean_out[r] = m;
        if (rstd_out) rstd_out[r] = rstd;
    }
}

typedef void (*f32_layer_norm_fn)(float* out, float* mean_out, float* rstd_out, const float* in,
                                  const float* w, const float* b, double eps, int64_t rows,
                                  int64_t cols);

static ember_status layer_norm_f32(ember_value* const* args, f32_layer_norm_fn fn)
{
    const ember_tensor* in = args[0]->u.t;
    int64_t cols = 1;
    for (uint32_t k = 0; k < args[1]->len; k++) cols *= args[1]->u.ints[k];
    const int64_t rows = (cols != 0) ? in->numel / cols : 0;
    const ember_tensor* mean = args[6]->u.t;
    const ember_tensor* rstd = args[7]->u.t;
    fn((float*)args[5]->u.t->data, mean->numel ? (float*)mean->data : NULL,
       rstd->numel ? (float*)rstd->data : NULL, (const float*)in->data, opt_f32(args[2]),
       opt_f32(args[3]), args[4]->u.d, rows, cols);
    return EMBER_OK;
}

static ember_status run_layer_norm_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return layer_norm_f32(args, f32_layer_norm__portable);
}

#if EMBER_HAVE_X86_KERNELS
static ember_status run_layer_norm_f32_avx2(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return layer_norm_f32(args, f32_layer_norm__avx2);
}
static ember_status run_layer_norm_f32_avx512(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return layer_norm_f32(args, f32_layer_norm__avx512);
}
#endif

static ember_kernel_run_fn pick_layer_norm_f32(void)
{
#if EMBER_HAVE_X86_KERNELS
    const uint64_t f = ember_kernel_cpu_features();
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    if ((f & avx512) == avx512) return run_layer_norm_f32_avx512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((f & avx2) == avx2) return run_layer_norm_f32_avx2;
#endif
    return run_layer_norm_f32;
}

/* Layer norm over float16/bfloat16: rows of `cols` elements, stats as in the f32 kernel. */
static ember_status run_layer_norm_half(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[5]->u.t;
    const ember_tensor* mean_t = args[6]->u.t;
    const ember_tensor* rstd_t = args[7]->u.t;
    const int dt = in->dtype;
    int64_t cols = 1;
    for (uint32_t k = 0; k < args[1]->len; k++) cols *= args[1]->u.ints[k];
    const int64_t rows = (cols != 0) ? in->numel / cols : 0;
    for (int64_t r = 0; r < rows; r++) {
        const int64_t base = r * cols;
        double sum = 0.0, sq = 0.0;
        for (int64_t k = 0; k < cols; k++) sum += ember_load_f32(in->data, dt, base + k);
        const double mean = cols ? sum / (double)cols : 0.0;
        for (int64_t k = 0; k < cols; k++) {
            const double d = ember_load_f32(in->data, dt, base + k) - mean;
            sq += d * d;
        }
        const float rstd = (float)(1.0 / sqrt((cols ? sq / (double)cols : 0.0) + args[4]->u.d));
        const float m = (float)mean;
        for (int64_t k = 0; k < cols; k++) {
            const float v = (ember_load_f32(in->data, dt, base + k) - m) * rstd;
            ember_store_f32(out->data, dt, base + k,
                            v * opt_ld(args[2], k, 1.0f) + opt_ld(args[3], k, 0.0f));
        }
        if (mean_t->numel) ember_store_f32(mean_t->data, mean_t->dtype, r, m);
        if (rstd_t->numel) ember_store_f32(rstd_t->data, rstd_t->dtype, r, rstd);
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_native_layer_norm_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 9, 11);
    ember_tensor *in, *out, *mean, *rstd;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_F32_HALF, &in));
    const int64_t* ns;
    size_t k = 0;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "normalized_shape", &ns, &k));
    EMBER_REQUIRE(ctx, k >= 1 && k <= in->dim, EMBER_SHAPE_MISMATCH,
                  "normalized_shape has %zu dims, input rank %d", k, in->dim);
    int64_t cols = 1;
    for (size_t i = 0; i < k; i++) {
        EMBER_REQUIRE(ctx, ns[i] == in->sizes[in->dim - (int)k + (int)i], EMBER_SHAPE_MISMATCH,
                      "normalized_shape[%zu] = %lld does not match the input's trailing dims", i,
                      (long long)ns[i]);
        cols *= ns[i];
    }
    EMBER_TRY(norm_check_param(ctx, args, 2, "weight", true, cols, in->dtype));
    EMBER_TRY(norm_check_param(ctx, args, 3, "bias", true, cols, in->dtype));
    EMBER_TRY(norm_get_eps_outs(ctx, args, 4, in, "out1 (mean)", "out2 (rstd)", &out, &mean,
                                &rstd));
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(in, want);
    for (size_t i = 0; i < k; i++) want[in->dim - (int)k + (int)i] = 1;
    if (mean->numel > 0) {
        EMBER_TRY(norm_check_dtype(ctx, "out1 (mean)", mean, in->dtype));
        EMBER_TRY(ember_check_shape(ctx, "out1 (mean)", mean, in->dim, want));
    }
    if (rstd->numel > 0) {
        EMBER_TRY(norm_check_dtype(ctx, "out2 (rstd)", rstd, in->dtype));
        EMBER_TRY(ember_check_shape(ctx, "out2 (rstd)", rstd, in->dim, want));
    }
    *run = in->dtype == EMBER_DTYPE_F32 ? pick_layer_norm_f32() : run_layer_norm_half;
    return EMBER_OK;
}

/* ---- group norm -------------------------------------------------------------------------- */

/* out, in: (N, C, HxW); w, b: (C) or NULL; mean, rstd: (N, groups) or NULL. */
static void f32_group_norm__portable(float* restrict out, float* restrict mean_out,
                                     float* restrict rstd_out, const float* restrict in,
                                     const float* restrict w, const float* restrict b,
                                     double eps, int64_t n, int64_t c, int64_t hw,
                                     int64_t groups)
{
    const int64_t cg = c / groups, len = cg * hw;
    for (int64_t i = 0; i < n; i++)
        for (int64_t g = 0; g < groups; g++) {
            const float* x = in + (i * c + g * cg) * hw; /* (C/groups, HxW) */
            float* o = out + (i * c + g * cg) * hw;
            double sum = 0.0, sq = 0.0;
            for (int64_t k = 0; k < len; k++) sum += x[k];
            const double mean = len ? sum / (double)len : 0.0;
            for (int64_t k = 0; k < len; k++) sq += (x[k] - mean) * (x[k] - mean);
            const float rstd = (float)(1.0 / sqrt((len ? sq / (double)len : 0.0) + eps));
            const float m = (float)mean;
            for (int64_t cc = 0; cc < cg; cc++) {
                const int64_t ch = g * cg + cc;
                const float scale = w ? rstd * w[ch] : rstd;
                const float shift = (b ? b[ch] : 0.0f) - m * scale;
                for (int64_t k = 0; k < hw; k++) o[cc * hw + k] = x[cc * hw + k] * scale + shift;
            }
            if (mean_out) mean_out[i * groups + g] = m;
            if (rstd_out) rstd_out[i * groups + g] = rstd;
        }
}

static ember_status run_group_norm_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* mean = args[9]->u.t;
    const ember_tensor* rstd = args[10]->u.t;
    /* nothing to write: C = 0 leaves `group` (up to 2^31-1) unbounded by the input's size */
    if (args[0]->u.t->numel == 0 && mean->numel == 0 && rstd->numel == 0) return EMBER_OK;
    f32_group_norm__portable((float*)args[8]->u.t->data,
                             mean->numel ? (float*)mean->data : NULL,
                             rstd->numel ? (float*)rstd->data : NULL,
                             (const float*)args[0]->u.t->data, opt_f32(args[1]),
                             opt_f32(args[2]), args[7]->u.d, args[3]->u.i, args[4]->u.i,
                             args[5]->u.i, args[6]->u.i);
    return EMBER_OK;
}

/* Group norm over float16/bfloat16: (N, C, HxW), stats as in the f32 kernel. */
static ember_status run_group_norm_half(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[8]->u.t;
    const ember_tensor* mean_t = args[9]->u.t;
    const ember_tensor* rstd_t = args[10]->u.t;
    if (in->numel == 0 && mean_t->numel == 0 && rstd_t->numel == 0) return EMBER_OK;
    const int dt = in->dtype;
    const int64_t n = args[3]->u.i, c = args[4]->u.i, hw = args[5]->u.i, groups = args[6]->u.i;
    const int64_t cg = c / groups, len = cg * hw;
    for (int64_t i = 0; i < n; i++)
        for (int64_t g = 0; g < groups; g++) {
            const int64_t base = (i * c + g * cg) * hw; /* (C/groups, HxW) */
            double sum = 0.0, sq = 0.0;
            for (int64_t k = 0; k < len; k++) sum += ember_load_f32(in->data, dt, base + k);
            const double mean = len ? sum / (double)len : 0.0;
            for (int64_t k = 0; k < len; k++) {
                const double d = ember_load_f32(in->data, dt, base + k) - mean;
                sq += d * d;
            }
            const float rstd = (float)(1.0 / sqrt((len ? sq / (double)len : 0.0) + args[7]->u.d));
            const float m = (float)mean;
            for (int64_t cc = 0; cc < cg; cc++) {
                const int64_t ch = g * cg + cc;
                const float scale = rstd * opt_ld(args[1], ch, 1.0f);
                const float shift = opt_ld(args[2], ch, 0.0f) - m * scale;
                for (int64_t k = 0; k < hw; k++) {
                    const int64_t at = base + cc * hw + k;
                    ember_store_f32(out->data, dt, at,
                                    ember_load_f32(in->data, dt, at) * scale + shift);
                }
            }
            if (mean_t->numel) ember_store_f32(mean_t->data, mean_t->dtype, i * groups + g, m);
            if (rstd_t->numel) ember_store_f32(rstd_t->data, rstd_t->dtype, i * groups + g, rstd);
        }
    return EMBER_OK;
}

ember_status ember_prepare_aten_native_group_norm_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 12, 14);
    ember_tensor *in, *out, *mean, *rstd;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_F32_HALF, &in));
    int64_t n = 0, c = 0, hw, groups;
    EMBER_TRY(ember_arg_int(ctx, args, 3, "N", &n));
    EMBER_TRY(ember_arg_int(ctx, args, 4, "C", &c));
    EMBER_TRY(ember_arg_int_in(ctx, args, 5, "HxW", 0, INT32_MAX, &hw));
    EMBER_TRY(ember_arg_int_in(ctx, args, 6, "group", 1, INT32_MAX, &groups));
    /* n and c equal input sizes (< 2^31) before they multiply; n * c < 2^62, hw < 2^31 */
    int64_t nchw = -1;
    EMBER_REQUIRE(ctx, in->dim >= 2 && in->sizes[0] == n && in->sizes[1] == c &&
                           ember_i64_mul(n * c, hw, &nchw) && nchw == in->numel,
                  EMBER_SHAPE_MISMATCH, "input does not have shape (N=%lld, C=%lld, HxW=%lld)",
                  (long long)n, (long long)c, (long long)hw);
    EMBER_REQUIRE(ctx, c % groups == 0, EMBER_INVALID_ARGUMENT,
                  "%lld channels are not divisible into %lld groups", (long long)c,
                  (long long)groups);
    EMBER_TRY(norm_check_param(ctx, args, 1, "weight", true, c, in->dtype));
    EMBER_TRY(norm_check_param(ctx, args, 2, "bias", true, c, in->dtype));
    EMBER_TRY(norm_get_eps_outs(ctx, args, 7, in, "out1 (mean)", "out2 (rstd)", &out, &mean,
                                &rstd));
    const int64_t stat_shape[2] = {n, groups};
    if (mean->numel > 0) {
        EMBER_TRY(norm_check_dtype(ctx, "out1 (mean)", mean, in->dtype));
        EMBER_TRY(ember_check_shape(ctx, "out1 (mean)", mean, 2, stat_shape));
    }
    if (rstd->numel > 0) {
        EMBER_TRY(norm_check_dtype(ctx, "out2 (rstd)", rstd, in->dtype));
        EMBER_TRY(ember_check_shape(ctx, "out2 (rstd)", rstd, 2, stat_shape));
    }
    *run = in->dtype == EMBER_DTYPE_F32 ? run_group_norm_f32 : run_group_norm_half;
    return EMBER_OK;
}
