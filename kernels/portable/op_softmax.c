/* op_softmax.c — aten::_softmax.out and aten::_log_softmax.out along any dim, float32 (and
 * float64 through a double path; float16 and bfloat16 compute in float, as torch's CPU kernel
 * does, and round once when stored). Numerically stable: the row max is subtracted before exp.
 * The tensor is walked as (outer, dim, inner); inner == 1 (the last dim) is the contiguous
 * fast path, otherwise each (outer, inner) column is a strided row. No scratch: out holds the
 * exponentials between passes. On x86 with AVX2 or AVX-512, a float32 softmax (not log_softmax)
 * over the last dim runs f32_softmax_rows (kernels/optimized/f32_rowops.h), chosen in prepare. */
#include "kernels/optimized/f32_rowops.h"
#include "kernels/kernel_util.h"

/* One softmax row of (n) elements at stride s; `log_out` selects log_softmax. */
static void f32_softmax__portable(float* out, const float* x, int64_t n, int64_t s, bool log_out)
{
    float max = x[0];
    for (int64_t k = 1; k < n; k++) max = x[k * s] > max || x[k * s] != x[k * s] ? x[k * s] : max;
    double sum = 0.0;
    if (log_out) {
        for (int64_t k = 0; k < n; k++) sum += expf(x[k * s] - max);
        const float log_sum = (float)log(sum); /* (x - max) - log_sum keeps precision */
        for (int64_t k = 0; k < n; k++) out[k * s] = (x[k * s] - max) - log_sum;
    } else {
        for (int64_t k = 0; k < n; k++) {
            const float e = expf(x[k * s] - max);
            out[k * s] = e;
            sum += e;
        }
        const float inv = (float)(1.0 / sum);
        for (int64_t k = 0; k < n; k++) out[k * s] *= inv;
    }
}

static void f64_softmax__portable(double* out, const double* x, int64_t n, int64_t s, bool log_out)
{
    double max = x[0];
    for (int64_t k = 1; k < n; k++) max = x[k * s] > max || isnan(x[k * s]) ? x[k * s] : max;
    double sum = 0.0;
    for (int64_t k = 0; k < n; k++) sum += exp(x[k * s] - max);
    for (int64_t k = 0; k < n; k++)
        out[k * s] = log_out ? x[k * s] - max - log(sum) : exp(x[k * s] - max) / sum;
}

/* One float16/bfloat16 row: float math, a float sum; the exponentials are recomputed in the
 * last pass instead of being kept in out, where they would round to half. */
static void half_softmax__portable(uint16_t* out, const uint16_t* x, int dtype, int64_t n,
                                   int64_t s, bool log_out)
{
    float (*const ld)(uint16_t) = dtype == EMBER_DTYPE_F16 ? ember_f16_to_f32 : ember_bf16_to_f32;
    uint16_t (*const st)(float) = dtype == EMBER_DTYPE_F16 ? ember_f32_to_f16 : ember_f32_to_bf16;
    float max = ld(x[0]);
    for (int64_t k = 1; k < n; k++) {
        const float v = ld(x[k * s]);
        max = v > max || v != v ? v : max;
    }
    float sum = 0.0f;
    for (int64_t k = 0; k < n; k++) sum += expf(ld(x[k * s]) - max);
    if (log_out) {
        const float log_sum = logf(sum);
        for (int64_t k = 0; k < n; k++) out[k * s] = st((ld(x[k * s]) - max) - log_sum);
    } else {
        const float inv = 1.0f / sum;
        for (int64_t k = 0; k < n; k++) out[k * s] = st(expf(ld(x[k * s]) - max) * inv);
    }
}

/* [self, dim, half_to_float, out, out] */
static ember_status softmax_run(ember_value* const* args, bool log_out)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[3]->u.t;
    if (out->numel == 0) return EMBER_OK;
    int64_t outer, n, inner;
    ember_split_dim(in, ember_wrap_dim(args[1]->u.i, in->dim), &outer, &n, &inner);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const int64_t base = o * n * inner + i;
            if (in->dtype == EMBER_DTYPE_F32)
                f32_softmax__portable((float*)out->data + base, (const float*)in->data + base, n,
                                      inner, log_out);
            else if (ember_dtype_is_half(in->dtype))
                half_softmax__portable((uint16_t*)out->data + base,
                                       (const uint16_t*)in->data + base, in->dtype, n, inner,
                                       log_out);
            else
                f64_softmax__portable((double*)out->data + base, (const double*)in->data + base,
                                      n, inner, log_out);
        }
    }
    return EMBER_OK;
}

static ember_status run_softmax(ember_kernel_ctx* ctx, ember_value* const* args) { return softmax_run(args, false); }
static ember_status run_log_softmax(ember_kernel_ctx* ctx, ember_value* const* args) { return softmax_run(args, true); }

#if EMBER_HAVE_X86_KERNELS
#define SOFTMAX_RUN_F32(isa)                                                                    \
    static ember_status run_softmax_f32_##isa(ember_kernel_ctx* ctx, ember_value* const* args)  \
    {                                                                                           \
        const ember_tensor* in = args[0]->u.t;                                                  \
        const int64_t n = in->sizes[in->dim - 1];                                               \
        f32_softmax_rows__##isa((float*)args[3]->u.t->data, (const float*)in->data,             \
                                n ? in->numel / n : 0, n);                                      \
        return EMBER_OK;                                                                        \
    }
SOFTMAX_RUN_F32(avx2)
SOFTMAX_RUN_F32(avx512)
#endif

/* The f32 last-dim softmax of the best variant the CPU features allow. */
static ember_kernel_run_fn pick_softmax_f32(void)
{
#if EMBER_HAVE_X86_KERNELS
    const uint64_t f = ember_kernel_cpu_features();
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    if ((f & avx512) == avx512) return run_softmax_f32_avx512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((f & avx2) == avx2) return run_softmax_f32_avx2;
#endif
    return run_softmax;
}

static ember_status softmax_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                    size_t num_args)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "half_to_float", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[3]->u.t;
    EMBER_REQUIRE(ctx, ember_wrap_dim(args[1]->u.i, in->dim) >= 0, EMBER_INVALID_ARGUMENT,
                  "dim %lld is out of range for rank %d", (long long)args[1]->u.i, in->dim);
    EMBER_REQUIRE(ctx, ember_dtype_is_float(in->dtype) && out->dtype == in->dtype,
                  EMBER_DTYPE_MISMATCH,
                  "needs float32, float64, float16 or bfloat16 in and the same out, got %s and %s",
                  ember_dtype_name(in->dtype), ember_dtype_name(out->dtype));
    EMBER_REQUIRE(ctx, !args[2]->u.b, EMBER_NOT_SUPPORTED, "half_to_float is not supported");
    return ember_check_same_shape(ctx, "out", out, in);
}

ember_status ember_prepare_aten__softmax_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                             size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(softmax_prepare(ctx, args, num_args));
    const ember_tensor* in = args[0]->u.t;
    const bool last = ember_wrap_dim(args[1]->u.i, in->dim) == (in->dim ? in->dim - 1 : 0);
    *run = in->dtype == EMBER_DTYPE_F32 && last && in->numel > 0 ? pick_softmax_f32() : run_softmax;
    return EMBER_OK;
}

ember_status ember_prepare_aten__log_softmax_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(softmax_prepare(ctx, args, num_args));
    *run = run_log_softmax;
    return EMBER_OK;
}
