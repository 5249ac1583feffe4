/* op_qsoftmax.c — cortex_m::softmax.out, the int8 softmax of ExecuTorch's Cortex-M programs:
 * CMSIS-NN's arm_softmax_s8 (generic C, arm_nn_softmax_common_s8) over the last dim, in its
 * fixed-point arithmetic step for step:
 *
 *   per row: max; for each x with d = x - max >= diff_min:
 *     e = exp_on_negative(doubling_high_mult(d << input_shift, input_multiplier))    (Q0.31)
 *     sum += divide_by_power_of_two(e, 12)
 *   headroom = clz(sum); scale = one_over_one_plus_x((sum << headroom) - 2^31)
 *   out = clamp(divide_by_power_of_two(doubling_high_mult(scale, e), 35 - headroom) - 128,
 *               -128, 127), and -128 where d < diff_min
 *
 * The input zero point does not enter (a softmax of differences); the output is CMSIS-NN's:
 * scale 1/256, zero point -128 (ExecuTorch's kernel refuses another output zero point; so does
 * this one). Integer steps are 32-bit as on the Arm cores CMSIS-NN runs on: products and shifts
 * wrap where C's signed arithmetic would be undefined, and a right shift of 32 or more acts as
 * Arm's register shifts do (a left shift gives 0, an arithmetic right shift the sign), which the
 * rounding divide reaches only for rows whose sum has at most 3 bits of headroom.
 * ExecuTorch's Python reference computes a float softmax instead: the two differ by a step at
 * some outputs (tests/python/test_cortex_m_softmax.py holds Ember to a port of the fixed-point
 * steps bit for bit, and to that reference within a step). */
#include "kernels/kernel_util.h"

enum { A_IN, A_DIM, A_IN_ZP, A_OUT_ZP, A_MULT, A_SHIFT, A_DIFF_MIN, A_OUT, NUM_ARGS };

#define SOFTMAX_ACCUM_BITS 12

/* arm_nn_doubling_high_mult: (a b + 2^30, or 1 - 2^30 when the signs differ) / 2^31 truncated,
 * saturating the one overflow (INT32_MIN squared). */
static int32_t mul_sat(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    const int64_t round = ((a < 0) != (b < 0)) ? 1 - ((int64_t)1 << 30) : (int64_t)1 << 30;
    return (int32_t)(((int64_t)a * b + round) / ((int64_t)1 << 31));
}

/* An Arm register shift of a 32-bit value by e >= 0: 0 (left) or the sign (arithmetic right)
 * from 32 on. */
static int32_t shl_arm(int32_t v, int32_t e) { return e >= 32 ? 0 : (int32_t)((uint32_t)v << e); }
static int32_t asr_arm(int32_t v, int32_t e) { return e >= 32 ? (v < 0 ? -1 : 0) : v >> e; }

/* arm_nn_divide_by_power_of_two: v / 2^e rounded to nearest, halves away from zero. */
static int32_t div_pow2(int32_t v, int32_t e)
{
    const int32_t mask = (int32_t)((uint32_t)shl_arm(1, e) - 1u);
    const int32_t rem = mask & v;
    int32_t q = asr_arm(v, e), threshold = mask >> 1;
    if (q < 0) threshold++;
    if (rem > threshold) q++;
    return q;
}

/* arm_nn_mult_by_power_of_two: v 2^e saturated (e in 1..2 here). */
static int32_t mul_pow2(int32_t v, int32_t e)
{
    const int32_t thresh = (int32_t)((1u << (31 - e)) - 1u);
    if (v > thresh) return INT32_MAX;
    if (v < -thresh) return INT32_MIN;
    return (int32_t)((uint32_t)v << e);
}

/* arm_nn_exp_on_negative_values: e^x for x <= 0 in Q5.26, result Q0.31. */
static int32_t exp_on_negative(int32_t v)
{
    static const int32_t factors[7] = {1672461947, 1302514674, 790015084, 290630308,
                                       39332535,   720401,     242};
    const int32_t quarter = (int32_t)((uint32_t)(v & ((1 << 24) - 1)) - (1u << 24));
    const int32_t remainder = (int32_t)((uint32_t)quarter - (uint32_t)v);
    const int32_t x = (int32_t)(((uint32_t)quarter << 5) + (1u << 28));
    const int32_t x2 = mul_sat(x, x);
    const int32_t inner = div_pow2(
        (int32_t)((uint32_t)mul_sat((int32_t)((uint32_t)div_pow2(mul_sat(x2, x2), 2) +
                                              (uint32_t)mul_sat(x2, x)),
                                    715827883) +
                  (uint32_t)x2),
        1);
    int32_t result =
        (int32_t)(1895147668u + (uint32_t)mul_sat(1895147668, (int32_t)((uint32_t)x + (uint32_t)inner)));
    for (int k = 0; k < 7; k++)
        if (remainder & (1 << (24 + k))) result = mul_sat(result, factors[k]);
    return v == 0 ? INT32_MAX : result;
}

/* arm_nn_one_over_one_plus_x_for_x_in_0_1: 1 / (1 + x) by Newton-Raphson, Q0.31. */
static int32_t one_over_one_plus_x(int32_t v)
{
    const int64_t sum = (int64_t)v + INT32_MAX;
    const int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = (int32_t)(1515870810u + (uint32_t)mul_sat(half_den, -1010580540));
    const int32_t one = 1 << 29;
    for (int i = 0; i < 3; i++)
        x = (int32_t)((uint32_t)x +
                      (uint32_t)mul_pow2(mul_sat(x, (int32_t)((uint32_t)one -
                                                              (uint32_t)mul_sat(half_den, x))),
                                         2));
    return mul_pow2(x, 1);
}

static int32_t clz32(uint32_t v)
{
    int32_t n = 0;
    if (v == 0) return 32;
    while (!(v & 0x80000000u)) {
        v <<= 1;
        n++;
    }
    return n;
}

static ember_status run_softmax(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[A_IN]->u.t;
    const int64_t cols = in->sizes[in->dim - 1], rows = cols ? in->numel / cols : 0;
    const int32_t mult = (int32_t)args[A_MULT]->u.i, mask = (int32_t)(1u << args[A_SHIFT]->u.i);
    const int32_t diff_min = (int32_t)args[A_DIFF_MIN]->u.i;
    const int8_t* x = (const int8_t*)in->data;
    int8_t* y = (int8_t*)args[A_OUT]->u.t->data;
    for (int64_t r = 0; r < rows; r++, x += cols, y += cols) {
        int8_t max = x[0];
        for (int64_t c = 1; c < cols; c++) max = x[c] > max ? x[c] : max;
        uint32_t sum = 0; /* wraps as CMSIS-NN's int32 sum would on Arm */
        for (int64_t c = 0; c < cols; c++) {
            const int32_t d = x[c] - max;
            if (d >= diff_min)
                sum += (uint32_t)div_pow2(
                    exp_on_negative(mul_sat((int32_t)((uint32_t)d * (uint32_t)mask), mult)),
                    SOFTMAX_ACCUM_BITS);
        }
        const int32_t headroom = clz32(sum);
        const int32_t shifted = (int32_t)sum > 0 ? (int32_t)(sum << headroom) : 0;
        const int32_t scale = one_over_one_plus_x((int32_t)((uint32_t)shifted - 0x80000000u));
        const int32_t bits = SOFTMAX_ACCUM_BITS - headroom + 23;
        for (int64_t c = 0; c < cols; c++) {
            const int32_t d = x[c] - max;
            if (d < diff_min) {
                y[c] = -128;
                continue;
            }
            const int32_t e = exp_on_negative(mul_sat((int32_t)((uint32_t)d * (uint32_t)mask), mult));
            const int32_t v = (int32_t)((uint32_t)div_pow2(mul_sat(scale, e), bits) - 128u);
            y[c] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
        }
    }
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_softmax_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, NUM_ARGS + 1);
    const uint32_t i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, A_IN, "input", i8, &in));
    EMBER_TRY(ember_arg_out(ctx, args, A_OUT, "out", i8, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, A_OUT + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, in->dim >= 1, EMBER_SHAPE_MISMATCH, "input must have at least one dim");
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    int64_t dim;
    EMBER_TRY(ember_arg_int_in(ctx, args, A_DIM, "dim", -in->dim, in->dim - 1, &dim));
    EMBER_REQUIRE(ctx, dim == -1 || dim == in->dim - 1, EMBER_NOT_SUPPORTED,
                  "softmax over dim %lld of a rank-%d input: only the last dim is supported (as "
                  "by ExecuTorch's kernel)",
                  (long long)dim, in->dim);
    EMBER_REQUIRE(ctx, in->numel == 0 || in->sizes[in->dim - 1] > 0, EMBER_SHAPE_MISMATCH,
                  "the last dim is empty");
    EMBER_TRY(ember_arg_int_in(ctx, args, A_IN_ZP, "input_zero_point", -128, 127, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_OUT_ZP, "output_zero_point", -128, -128, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_MULT, "input_multiplier", 0, INT32_MAX, NULL));
    /* 1 << input_shift scales the differences: CMSIS-NN's shift is a left shift */
    EMBER_TRY(ember_arg_int_in(ctx, args, A_SHIFT, "input_shift", 0, 30, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, A_DIFF_MIN, "diff_min", INT32_MIN, 0, NULL));
    *run = run_softmax;
    return EMBER_OK;
}
