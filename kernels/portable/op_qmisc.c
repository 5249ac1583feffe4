/* op_qmisc.c — the rest of ExecuTorch's Cortex-M int8 operators, with the arithmetic of its
 * kernels and Python references (backends/cortex_m/ops/operators.py):
 *
 *   cortex_m::quantized_activation.out(input, lut)   out[i] = lut[input[i] + 128]: any
 *       activation (sigmoid, tanh, ...) as a 256-entry int8 table the exporter computed from the
 *       scales. input and out: int8, one shape, any one layout.
 *   cortex_m::quantized_div.out(self, self_zp, other, other_zp, out_zp, out_scale)
 *       q = (self - self_zp) / (other - other_zp) in float32 (0 where the divisor is 0),
 *       out = clamp(round_half_even(q * (float)out_scale) + out_zp) to the dtype's range.
 *       int8 or int16 operands of one shape and layout (ExecuTorch refuses broadcasting: the op
 *       does not commute).
 *   cortex_m::quantized_batch_matmul.out(lhs, lhs_off, rhs_t, rhs_off, out_zp, mult, shift,
 *       scratch)   out[b][i][j] = clamp(requantize(sum_k (lhs[b][i][k] + lhs_off)
 *       (rhs_t[b][j][k] + rhs_off), mult, shift) + out_zp, -128, 127): CMSIS-NN's
 *       arm_batch_matmul_s8 (offsets are the negated zero points), rhs given transposed;
 *       (B, M, K) x (B, N, K) -> (B, M, N), contiguous. The sums are 32-bit integers wrapping as
 *       on the Arm cores (ExecuTorch's Python reference sums in float32, the same for K up to
 *       258, where every partial sum is an integer below 2^24). scratch is not used.
 *
 * requant.h holds the requantization. */
#include <math.h>

#include "kernels/kernel_util.h"
#include "kernels/portable/requant.h"

/* ---- activation ---------------------------------------------------------------------------- */

static ember_status run_activation(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    const int8_t* x = (const int8_t*)in->data;
    const int8_t* lut = (const int8_t*)args[1]->u.t->data;
    int8_t* y = (int8_t*)args[2]->u.t->data;
    for (int64_t i = 0; i < in->numel; i++) y[i] = lut[(int32_t)x[i] + 128];
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_quantized_activation_out(ember_kernel_ctx* ctx,
                                                             ember_value* const* args,
                                                             size_t num_args,
                                                             ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    const uint32_t i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    ember_tensor *in, *lut, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "input", i8, true, &in));
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 1, "lut", i8, true, &lut));
    EMBER_REQUIRE(ctx, lut->numel == 256, EMBER_SHAPE_MISMATCH,
                  "lut has %lld entries: a table of 256 (one per int8 value) is needed",
                  (long long)lut->numel);
    EMBER_TRY(ember_arg_out_ex(ctx, args, 2, "out", i8, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    EMBER_REQUIRE(ctx, ember_same_layout(in, out), EMBER_NOT_SUPPORTED,
                  "input and out are laid out differently (dim orders): not supported");
    *run = run_activation;
    return EMBER_OK;
}

/* ---- div ----------------------------------------------------------------------------------- */

enum { DV_SELF, DV_SELF_ZP, DV_OTHER, DV_OTHER_ZP, DV_OUT_ZP, DV_OUT_SCALE, DV_OUT, DV_NARGS };

/* One quotient as ExecuTorch's reference computes it, clamped to [qmin, qmax]. */
static int32_t div_one(int32_t a, int32_t b, float scale, int32_t zp, int32_t qmin, int32_t qmax)
{
    const float q = b != 0 ? (float)a / (float)b : 0.0f;
    /* |q| <= 2^16 and |scale| is bounded by prepare, so the product is finite; nearbyintf
     * rounds half to even (the default rounding mode), as torch.round */
    const float r = nearbyintf(q * scale) + (float)zp;
    return r < (float)qmin ? qmin : (r > (float)qmax ? qmax : (int32_t)r);
}

static ember_status run_div(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* x = args[DV_SELF]->u.t;
    const int32_t xzp = (int32_t)args[DV_SELF_ZP]->u.i, yzp = (int32_t)args[DV_OTHER_ZP]->u.i;
    const int32_t zp = (int32_t)args[DV_OUT_ZP]->u.i;
    const float scale = (float)args[DV_OUT_SCALE]->u.d;
    const int64_t n = x->numel;
    if (x->dtype == EMBER_DTYPE_I8) {
        const int8_t* a = (const int8_t*)x->data;
        const int8_t* b = (const int8_t*)args[DV_OTHER]->u.t->data;
        int8_t* y = (int8_t*)args[DV_OUT]->u.t->data;
        for (int64_t i = 0; i < n; i++)
            y[i] = (int8_t)div_one(a[i] - xzp, b[i] - yzp, scale, zp, INT8_MIN, INT8_MAX);
    } else {
        const int16_t* a = (const int16_t*)x->data;
        const int16_t* b = (const int16_t*)args[DV_OTHER]->u.t->data;
        int16_t* y = (int16_t*)args[DV_OUT]->u.t->data;
        for (int64_t i = 0; i < n; i++)
            y[i] = (int16_t)div_one(a[i] - xzp, b[i] - yzp, scale, zp, INT16_MIN, INT16_MAX);
    }
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_quantized_div_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, DV_NARGS + 1);
    const uint32_t ints = EMBER_DTYPE_BIT(EMBER_DTYPE_I8) | EMBER_DTYPE_BIT(EMBER_DTYPE_I16);
    ember_tensor *x, *y, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, DV_SELF, "self", ints, true, &x));
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, DV_OTHER, "other", ints, true, &y));
    EMBER_TRY(ember_arg_out_ex(ctx, args, DV_OUT, "out", ints, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, DV_OUT + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_same_dtype(ctx, "other", y, x));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, x));
    EMBER_REQUIRE(ctx, ember_tensor_same_shape(x, y), EMBER_NOT_SUPPORTED,
                  "self and other differ in shape: quantized_div does not broadcast");
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, x));
    EMBER_REQUIRE(ctx, ember_same_layout(x, y) && ember_same_layout(x, out), EMBER_NOT_SUPPORTED,
                  "self, other and out are laid out differently (dim orders): not supported");
    const int64_t lim = x->dtype == EMBER_DTYPE_I8 ? 128 : 32768;
    EMBER_TRY(ember_arg_int_in(ctx, args, DV_SELF_ZP, "self_zero_point", -lim, lim - 1, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, DV_OTHER_ZP, "other_zero_point", -lim, lim - 1, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, DV_OUT_ZP, "output_zero_point", -lim, lim - 1, NULL));
    double scale;
    EMBER_TRY(ember_arg_double(ctx, args, DV_OUT_SCALE, "output_scale", &scale));
    /* the quotient is at most 2^16 in magnitude: a scale below 2^100 keeps every product finite
     * in float32 (and a NaN or an infinite scale is no scale) */
    EMBER_REQUIRE(ctx, isfinite(scale) && fabs(scale) < 0x1p100, EMBER_INVALID_ARGUMENT,
                  "output_scale %s is not a finite scale below 2^100", EMBER_DOUBLE_STR(scale));
    *run = run_div;
    return EMBER_OK;
}

/* ---- batch matmul -------------------------------------------------------------------------- */

enum { BM_LHS, BM_LHS_OFF, BM_RHS, BM_RHS_OFF, BM_OUT_ZP, BM_MULT, BM_SHIFT, BM_SCRATCH, BM_OUT,
       BM_NARGS };

static ember_status run_batch_matmul(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* lhs = args[BM_LHS]->u.t;
    const int64_t nb = lhs->sizes[0], m = lhs->sizes[1], k = lhs->sizes[2];
    const int64_t n = args[BM_RHS]->u.t->sizes[1];
    const int8_t* a = (const int8_t*)lhs->data;
    const int8_t* b = (const int8_t*)args[BM_RHS]->u.t->data;
    int8_t* y = (int8_t*)args[BM_OUT]->u.t->data;
    const int32_t ao = (int32_t)args[BM_LHS_OFF]->u.i, bo = (int32_t)args[BM_RHS_OFF]->u.i;
    const int32_t zp = (int32_t)args[BM_OUT_ZP]->u.i, mult = (int32_t)args[BM_MULT]->u.i;
    const int32_t shift = (int32_t)args[BM_SHIFT]->u.i;
    for (int64_t bi = 0; bi < nb; bi++)
        for (int64_t i = 0; i < m; i++) {
            const int8_t* row = a + (bi * m + i) * k;
            for (int64_t j = 0; j < n; j++) {
                const int8_t* col = b + (bi * n + j) * k;
                uint32_t acc = 0; /* wrapping, as the int32 sums on the Arm cores */
                for (int64_t q = 0; q < k; q++)
                    acc += (uint32_t)((row[q] + ao) * (col[q] + bo));
                y[(bi * m + i) * n + j] =
                    ember_requantize_clamp((int32_t)acc, mult, shift, zp, -128, 127);
            }
        }
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_quantized_batch_matmul_out(ember_kernel_ctx* ctx,
                                                               ember_value* const* args,
                                                               size_t num_args,
                                                               ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, BM_NARGS + 1);
    const uint32_t i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    ember_tensor *lhs, *rhs, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, BM_LHS, "lhs", i8, &lhs));
    EMBER_TRY(ember_arg_tensor(ctx, args, BM_RHS, "rhs_transposed", i8, &rhs));
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, BM_SCRATCH, "scratch", ember_dtypes_all(), true, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, BM_OUT, "out", i8, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, BM_OUT + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, lhs->dim == 3 && rhs->dim == 3, EMBER_NOT_SUPPORTED,
                  "lhs and rhs_transposed have ranks %d and %d: (B, M, K) and (B, N, K) are "
                  "supported", lhs->dim, rhs->dim);
    EMBER_REQUIRE(ctx, lhs->sizes[0] == rhs->sizes[0] && lhs->sizes[2] == rhs->sizes[2],
                  EMBER_SHAPE_MISMATCH,
                  "lhs (%lld, %lld, %lld) and rhs_transposed (%lld, %lld, %lld) differ in batch "
                  "or inner size", (long long)lhs->sizes[0], (long long)lhs->sizes[1],
                  (long long)lhs->sizes[2], (long long)rhs->sizes[0], (long long)rhs->sizes[1],
                  (long long)rhs->sizes[2]);
    const int64_t want[3] = {lhs->sizes[0], lhs->sizes[1], rhs->sizes[1]};
    EMBER_TRY(ember_check_shape(ctx, "out", out, 3, want));
    /* offsets: negated int8 zero points */
    EMBER_TRY(ember_arg_int_in(ctx, args, BM_LHS_OFF, "lhs_zero_point", -127, 128, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, BM_RHS_OFF, "rhs_zero_point", -127, 128, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, BM_OUT_ZP, "output_zero_point", -128, 127, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, BM_MULT, "output_multiplier", 0, INT32_MAX, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, BM_SHIFT, "output_shift", -31, 30, NULL));
    *run = run_batch_matmul;
    return EMBER_OK;
}
