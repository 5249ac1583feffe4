/* op_qlinear.c — cortex_m::quantized_linear.out, the int8 fully connected layer of ExecuTorch's
 * Cortex-M programs, with CMSIS-NN's arithmetic (arm_fully_connected_s8, per-tensor
 * requantization: ExecuTorch passes lists of multipliers and shifts and uses the first):
 *
 *   out[b][n] = clamp(requantize(acc, multiplier, shift) + output_offset,
 *                     activation_min, activation_max)
 *   acc = sum_k (x[b][k] + input_offset) (w[n][k] + filter_offset) + bias[n]        (no kernel_sum)
 *   acc = sum_k x[b][k] w[n][k] + filter_offset sum_k x[b][k] + kernel_sum[n]       (kernel_sum)
 *
 * (the second is CMSIS-NN's MVE form: ExecuTorch's pass folds the input offset and the bias
 * into kernel_sum for Helium targets, and passes exactly one of bias and kernel_sum). The sums
 * wrap in 32 bits as CMSIS-NN's do; requantize is requant.h. input (..., K) and weights (N, K)
 * int8, bias / kernel_sum int32 (N), out (..., N) int8.
 *
 * Fast path: with filter_offset 0 (ExecuTorch's symmetric weights) and constant weights and
 * bias / kernel_sum, on a CPU with AVX-512 VNNI or Arm's dot product, prepare asks for the weights packed at load
 * (kernel.h) and run computes through the int8 GEMM core (kernels/optimized/i8_gemm.h) with
 * c[n] = kernel_sum[n], or bias[n] + input_offset * sum_k w[n][k]: the same 32-bit sums, the
 * same bytes; unpacked it runs the loop below. On a microcontroller (i8_mcu.h) with
 * filter_offset 0 it runs Helium's GEMM (i8_helium.h) where the core has it, else the DSP
 * extension's (i8_dsp.h), on the weights where they lie. */

#include "kernels/kernel_util.h"
#include "kernels/optimized/i8_gemm.h"
#include "kernels/optimized/i8_dsp.h"
#include "kernels/optimized/i8_helium.h"
#include "kernels/portable/requant.h"

enum {
    A_IN, A_W, A_BIAS, A_KSUM, A_IN_OFF, A_W_OFF, A_OUT_OFF, A_MULTS, A_SHIFTS, A_ACT_MAX,
    A_ACT_MIN, A_OUT, NUM_ARGS
};

static ember_status run_qlinear(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor *in = args[A_IN]->u.t, *w = args[A_W]->u.t;
    const int32_t* bias = ember_is_null(args[A_BIAS]) ? NULL : (const int32_t*)args[A_BIAS]->u.t->data;
    const int32_t* ksum = ember_is_null(args[A_KSUM]) ? NULL : (const int32_t*)args[A_KSUM]->u.t->data;
    const int32_t in_off = (int32_t)args[A_IN_OFF]->u.i, w_off = (int32_t)args[A_W_OFF]->u.i;
    const int32_t out_off = (int32_t)args[A_OUT_OFF]->u.i;
    const int32_t mult = (int32_t)args[A_MULTS]->u.ints[0], shift = (int32_t)args[A_SHIFTS]->u.ints[0];
    const int32_t lo = (int32_t)args[A_ACT_MIN]->u.i, hi = (int32_t)args[A_ACT_MAX]->u.i;
    /* indices in the core's word: tensors stay under 2^31 elements (op_qconv.c) */
    const ptrdiff_t k = (ptrdiff_t)w->sizes[1], n = (ptrdiff_t)w->sizes[0];
    const ptrdiff_t rows = k ? (ptrdiff_t)in->numel / k : 0;
    const int8_t* x = (const int8_t*)in->data;
    const int8_t* wt = (const int8_t*)w->data;
    int8_t* out = (int8_t*)args[A_OUT]->u.t->data;
    for (ptrdiff_t b = 0; b < rows; b++) {
        const int8_t* xb = x + b * k;
        uint32_t xsum = 0;
        if (ksum)
            for (ptrdiff_t i = 0; i < k; i++) xsum += (uint32_t)(int32_t)xb[i];
        for (ptrdiff_t j = 0; j < n; j++) {
            const int8_t* wj = wt + j * k;
            uint32_t acc = 0; /* 32-bit sums that wrap, as CMSIS-NN's int32 ones do on Arm */
            if (ksum) {
                for (ptrdiff_t i = 0; i < k; i++) acc += (uint32_t)((int32_t)xb[i] * (int32_t)wj[i]);
                acc += xsum * (uint32_t)w_off + (uint32_t)ksum[j];
            } else {
                for (ptrdiff_t i = 0; i < k; i++)
                    acc += (uint32_t)(((int32_t)xb[i] + in_off) * ((int32_t)wj[i] + w_off));
                if (bias) acc += (uint32_t)bias[j];
            }
            out[b * n + j] = ember_requantize_clamp((int32_t)acc, mult, shift, out_off, lo, hi);
        }
    }
    return EMBER_OK;
}

/* What prepare picked for the packed path (ctx->state). */
typedef struct qlinear_state {
    i8_gemm_fn gemm;
    int unsigned_a; /* the kernel reads A unsigned: the pack folds that in */
} qlinear_state;
_Static_assert(sizeof(qlinear_state) <= EMBER_KERNEL_STATE_BYTES, "state holds the pick");

typedef struct qlinear_job {
    i8_gemm_args g;
    const void* packed;
    qlinear_state pick;
    const int8_t* x;
} qlinear_job;

static ember_status qlinear_rows(void* arg, size_t begin, size_t end)
{
    const qlinear_job* job = arg;
    const int64_t m = job->g.m, per = 8; /* whole 8-row tiles per task */
    const int64_t r0 = (int64_t)begin * per, r1 = (int64_t)end * per < m ? (int64_t)end * per : m;
    i8_gemm_rows_dense(&job->g, job->pick.gemm, job->packed, job->pick.unsigned_a, job->x,
                       job->g.k, r0, r1);
    return EMBER_OK;
}

static ember_status run_qlinear_packed(ember_kernel_ctx* ctx, ember_value* const* args)
{
    if (!ctx->packed) return run_qlinear(ctx, args);
    const ember_tensor *in = args[A_IN]->u.t, *w = args[A_W]->u.t;
    const int64_t k = w->sizes[1], n = w->sizes[0], rows = in->numel / k;
    qlinear_job job = {{rows, n, k, NULL, 0, (int8_t*)args[A_OUT]->u.t->data, n,
                        (int32_t)args[A_OUT_OFF]->u.i, (int32_t)args[A_ACT_MIN]->u.i,
                        (int32_t)args[A_ACT_MAX]->u.i},
                       ctx->packed, *(const qlinear_state*)ctx->state, (const int8_t*)in->data};
    const bool big = (double)rows * (double)n * (double)k >= 1 << 20;
    return ember_parallel_for(big ? ctx->pool : NULL, (size_t)((rows + 7) / 8), qlinear_rows, &job);
}

/* The weights, bias / kernel_sum and requantization in i8_gemm_pack's layout. */
static ember_status pack_qlinear(ember_kernel_ctx* ctx, ember_value* const* args, void* dst)
{
    const ember_tensor* w = args[A_W]->u.t;
    const int64_t n = w->sizes[0], k = w->sizes[1];
    const int8_t* wt = (const int8_t*)w->data;
    const int32_t* bias = ember_is_null(args[A_BIAS]) ? NULL : (const int32_t*)args[A_BIAS]->u.t->data;
    const int32_t* ksum = ember_is_null(args[A_KSUM]) ? NULL : (const int32_t*)args[A_KSUM]->u.t->data;
    const int32_t mult = (int32_t)args[A_MULTS]->u.ints[0];
    const int32_t shift = (int32_t)args[A_SHIFTS]->u.ints[0];
    /* kernel_sum form: c = kernel_sum (the input offset is in it); bias form: c = bias +
     * input_offset sum(w) */
    const int unsigned_a = ((const qlinear_state*)ctx->state)->unsigned_a;
    const int32_t out_off = (int32_t)args[A_OUT_OFF]->u.i;
    if (ksum) i8_gemm_pack(dst, wt, ksum, 0, &mult, &shift, 0, n, k, unsigned_a, out_off);
    else i8_gemm_pack(dst, wt, bias, (int32_t)args[A_IN_OFF]->u.i, &mult, &shift, 0, n, k,
                      unsigned_a, out_off);
    return EMBER_OK;
}

#if EMBER_HAVE_MCU_KERNELS
/* A microcontroller's kernels (i8_mcu.h), filter_offset 0: the weights read where they lie. */
static ember_status run_qlinear_mcu(ember_value* const* args, const i8_mcu_isa* isa)
{
    const ember_tensor *in = args[A_IN]->u.t, *w = args[A_W]->u.t;
    const int32_t k = (int32_t)w->sizes[1], n = (int32_t)w->sizes[0];
    i8_mcu_linear(isa, (const int8_t*)in->data, k ? (int32_t)(in->numel / k) : 0, k,
                  (const int8_t*)w->data, n,
                  ember_is_null(args[A_BIAS]) ? NULL : (const int32_t*)args[A_BIAS]->u.t->data,
                  ember_is_null(args[A_KSUM]) ? NULL : (const int32_t*)args[A_KSUM]->u.t->data,
                  (int32_t)args[A_IN_OFF]->u.i, (int32_t)args[A_MULTS]->u.ints[0],
                  (int32_t)args[A_SHIFTS]->u.ints[0], (int32_t)args[A_OUT_OFF]->u.i,
                  (int32_t)args[A_ACT_MIN]->u.i, (int32_t)args[A_ACT_MAX]->u.i,
                  (int8_t*)args[A_OUT]->u.t->data);
    return EMBER_OK;
}
#endif
#if EMBER_HAVE_HELIUM
static ember_status run_qlinear_helium(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_qlinear_mcu(args, &i8_helium_isa);
}
#endif
#if EMBER_HAVE_DSP
static ember_status run_qlinear_dsp(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_qlinear_mcu(args, &i8_dsp_isa);
}
#endif

/* An int32 (N) vector argument (bias or kernel_sum), or None. */
static ember_status vector_arg(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                               const char* what, int64_t n)
{
    ember_tensor* t;
    EMBER_TRY(ember_arg_opt_tensor(ctx, args, i, what, EMBER_DTYPE_BIT(EMBER_DTYPE_I32), &t));
    EMBER_REQUIRE(ctx, !t || t->numel == n, EMBER_SHAPE_MISMATCH,
                  "%s has %lld elements, the weight %lld output features", what,
                  (long long)(t ? t->numel : 0), (long long)n);
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_quantized_linear_out(ember_kernel_ctx* ctx,
                                                         ember_value* const* args,
                                                         size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, NUM_ARGS + 1);
    const uint32_t i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    ember_tensor *in, *w, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, A_IN, "input", i8, &in));
    EMBER_TRY(ember_arg_tensor(ctx, args, A_W, "weights", i8, &w));
    EMBER_TRY(ember_arg_out(ctx, args, A_OUT, "out", i8, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, A_OUT + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, in->dim >= 1 && w->dim == 2, EMBER_SHAPE_MISMATCH,
                  "input must have at least one dim and weights two, got %d and %d", in->dim,
                  w->dim);
    const int64_t n = w->sizes[0], k = w->sizes[1];
    EMBER_REQUIRE(ctx, in->sizes[in->dim - 1] == k, EMBER_SHAPE_MISMATCH,
                  "input has %d features, weights %lld", (int)in->sizes[in->dim - 1],
                  (long long)k);
    int64_t sizes[EMBER_MAX_DIMS];
    for (int d = 0; d < in->dim - 1; d++) sizes[d] = in->sizes[d];
    sizes[in->dim - 1] = n;
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, sizes));
    EMBER_TRY(vector_arg(ctx, args, A_BIAS, "bias", n));
    EMBER_TRY(vector_arg(ctx, args, A_KSUM, "kernel_sum", n));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_IN_OFF, "input_offset", -255, 255, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_W_OFF, "filter_offset", -255, 255, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_OUT_OFF, "output_offset", -255, 255, NULL));
    const int64_t* v;
    size_t nm, ns;
    EMBER_TRY(ember_arg_ints(ctx, args, A_MULTS, "requantize_multipliers", &v, &nm));
    EMBER_REQUIRE(ctx, nm >= 1, EMBER_INVALID_ARGUMENT, "requantize_multipliers is empty");
    EMBER_TRY(ember_check_ints_in(ctx, "requantize_multipliers", v, 1, 0, INT32_MAX));
    EMBER_TRY(ember_arg_ints(ctx, args, A_SHIFTS, "requantize_shifts", &v, &ns));
    EMBER_REQUIRE(ctx, ns >= 1, EMBER_INVALID_ARGUMENT, "requantize_shifts is empty");
    EMBER_TRY(ember_check_ints_in(ctx, "requantize_shifts", v, 1, -31, 30));
    int64_t hi;
    EMBER_TRY(ember_arg_int_in(ctx, args, A_ACT_MAX, "activation_max", -128, 127, &hi));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_ACT_MIN, "activation_min", -128, hi, NULL));
    *run = run_qlinear;
#if EMBER_HAVE_MCU_KERNELS
    /* on a microcontroller: Helium where the core has it, else the DSP extension */
    const uint64_t features = ember_kernel_cpu_features();
    if (args[A_W_OFF]->u.i == 0) {
#if EMBER_HAVE_HELIUM
        if (features & EMBER_CPU_BIT(EMBER_CPU_HELIUM)) {
            *run = run_qlinear_helium;
            return EMBER_OK;
        }
#endif
#if EMBER_HAVE_DSP
        if (features & EMBER_CPU_BIT(EMBER_CPU_DSP)) {
            *run = run_qlinear_dsp;
            return EMBER_OK;
        }
#endif
    }
#endif
    qlinear_state pick = {NULL, 0};
    pick.gemm = i8_gemm_pick(ember_kernel_cpu_features(), &pick.unsigned_a);
    const ember_value* b = args[ember_is_null(args[A_KSUM]) ? A_BIAS : A_KSUM];
    if (pick.gemm && ctx->state && args[A_W_OFF]->u.i == 0 && k > 0 && n > 0 &&
        i8_gemm_rows_fit(k) &&
        in->numel > 0 && w->storage == EMBER_TENSOR_CONSTANT &&
        (ember_is_null(b) || b->u.t->storage == EMBER_TENSOR_CONSTANT)) {
        *(qlinear_state*)ctx->state = pick;
        ctx->pack_bytes = i8_gemm_pack_bytes(n, k);
        ctx->pack = pack_qlinear;
        *run = run_qlinear_packed;
    }
    return EMBER_OK;
}
