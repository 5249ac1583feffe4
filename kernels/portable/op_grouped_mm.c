/* op_grouped_mm.c — ember::grouped_mm.out: the matmul of a mixture-of-experts layer whose
 * tokens are sorted by expert. Rows start..end-1 of `input` multiply expert i's weight, where
 * end = offs[i] and start is the previous offset (0 for expert 0); rows past the last offset
 * are zero. It is what transformers' `transformers::grouped_mm_fallback` computes (Mixtral,
 * Qwen-MoE, ... with the default experts implementation); the exporter maps that custom op
 * here, since torch has no out variant of it.
 *
 *   input (S, K), weight (E, K, N), offs (E,) int32/int64, out (S, N)
 *
 * float32, float16 or bfloat16 (input, weight and out alike); sums accumulate in float. The
 * offsets are data: run fails with EMBER_OUT_OF_RANGE unless 0 <= offs[0] <= offs[1] <= ... <=
 * S (out is then partly written). */
#include "kernels/portable/util_nn.h"

/* out (rows, n) += x (rows, k) · w (k, n), float32, row by row so that w is read along n. */
static void f32_gemm_acc__portable(float* out, const float* x, const float* w, int64_t rows,
                                   int64_t k, int64_t n)
{
    for (int64_t r = 0; r < rows; r++) {
        float* o = out + r * n;
        for (int64_t j = 0; j < k; j++) {
            const float a = x[r * k + j];
            const float* wr = w + j * n;
            for (int64_t c = 0; c < n; c++) o[c] += a * wr[c];
        }
    }
}

/* The same for float16/bfloat16: each output row is summed in float in blocks of 64 columns
 * and rounded once. x, w and out are element offsets into the tensors' data. */
#define GMM_BLOCK 64
static void half_gemm__portable(void* out, int64_t o0, const void* x, int64_t x0, const void* w,
                                int64_t w0, int dt, int64_t rows, int64_t k, int64_t n)
{
    float acc[GMM_BLOCK];
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t c0 = 0; c0 < n; c0 += GMM_BLOCK) {
            const int64_t cn = n - c0 < GMM_BLOCK ? n - c0 : GMM_BLOCK;
            for (int64_t c = 0; c < cn; c++) acc[c] = 0.0f;
            for (int64_t j = 0; j < k; j++) {
                const float a = nn_ld(x, dt, x0 + r * k + j);
                for (int64_t c = 0; c < cn; c++) acc[c] += a * nn_ld(w, dt, w0 + j * n + c0 + c);
            }
            for (int64_t c = 0; c < cn; c++) nn_st(out, dt, o0 + r * n + c0 + c, acc[c]);
        }
    }
}

/* [input, weight, offs, out, out] */
static ember_status run_grouped_mm(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* w = args[1]->u.t;
    const ember_tensor* offs = args[2]->u.t;
    ember_tensor* out = args[3]->u.t;
    const int64_t s = in->sizes[0], k = in->sizes[1], n = w->sizes[2], e = w->sizes[0];
    const int dt = out->dtype;
    memset(out->data, 0, out->nbytes);
    int64_t start = 0;
    for (int64_t i = 0; i < e; i++) {
        const int64_t end = offs->dtype == EMBER_DTYPE_I32 ? ((const int32_t*)offs->data)[i]
                                                           : ((const int64_t*)offs->data)[i];
        if (end < start || end > s)
            return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                                     "offs[%lld] = %lld: offsets must rise from 0 to at most %lld "
                                     "(the previous one is %lld)",
                                     (long long)i, (long long)end, (long long)s,
                                     (long long)start);
        const int64_t rows = end - start;
        if (rows > 0 && dt == EMBER_DTYPE_F32)
            f32_gemm_acc__portable((float*)out->data + start * n,
                                   (const float*)in->data + start * k,
                                   (const float*)w->data + i * k * n, rows, k, n);
        else if (rows > 0)
            half_gemm__portable(out->data, start * n, in->data, start * k, w->data, i * k * n, dt,
                                rows, k, n);
        start = end;
    }
    return EMBER_OK;
}

ember_status ember_prepare_ember_grouped_mm_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor *in, *w, *offs, *out;
    NN_TRY(nn_get_tensor(ctx, args, 0, &in));
    NN_TRY(nn_get_tensor(ctx, args, 1, &w));
    NN_TRY(nn_get_tensor(ctx, args, 2, &offs));
    NN_TRY(nn_get_out(ctx, args, 3, &out));
    EMBER_REQUIRE_TAG(ctx, args, 4, EMBER_VALUE_TENSOR);
    NN_TRY(nn_require_float(ctx, "input", in, NULL));
    NN_TRY(nn_require_float(ctx, "weight", w, in));
    NN_TRY(nn_require_float(ctx, "out", out, in));
    EMBER_REQUIRE(ctx, offs->dtype == EMBER_DTYPE_I32 || offs->dtype == EMBER_DTYPE_I64,
                  EMBER_DTYPE_MISMATCH, "offs is %s, expected int32 or int64",
                  ember_dtype_name(offs->dtype));
    EMBER_REQUIRE(ctx, in->dim == 2, EMBER_SHAPE_MISMATCH, "input has rank %d, expected 2",
                  in->dim);
    EMBER_REQUIRE(ctx, w->dim == 3, EMBER_SHAPE_MISMATCH, "weight has rank %d, expected 3",
                  w->dim);
    EMBER_REQUIRE(ctx, w->sizes[1] == in->sizes[1], EMBER_SHAPE_MISMATCH,
                  "weight's inner size %d differs from input's %d", (int)w->sizes[1],
                  (int)in->sizes[1]);
    const int64_t want_offs[1] = {w->sizes[0]};
    NN_TRY(nn_check_shape(ctx, "offs", offs, 1, want_offs));
    const int64_t want_out[2] = {in->sizes[0], w->sizes[2]};
    NN_TRY(nn_check_shape(ctx, "out", out, 2, want_out));
    *run = run_grouped_mm;
    return EMBER_OK;
}
