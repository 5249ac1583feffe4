/* op_qelementwise.c — cortex_m::quantized_add.out and cortex_m::quantized_mul.out, int8
 * elementwise ops of ExecuTorch's Cortex-M programs, with CMSIS-NN's arithmetic
 * (arm_elementwise_add_s8 / arm_elementwise_mul_s8; requantize is requant.h):
 *
 *   add: a = requantize((x - x_zp) << 20, x_mult, x_shift), b likewise for y,
 *        out = clamp(requantize(a + b, out_mult, out_shift) + out_zp, activation_min, activation_max)
 *   mul: out = clamp(requantize((x - x_zp) (y - y_zp), out_mult, out_shift) + out_zp, -128, 127)
 *
 * The operands' multipliers of add may be negative: ExecuTorch writes a - b as a + b with
 * other_multiplier negated. Operands of one shape share out's layout (any one). As ExecuTorch's
 * ops, one operand may also hold one value per channel ([1, C, 1, 1], or any shape whose only
 * size above 1 is dim 1's) against the other's [N, C, ...], in any layout of the larger one:
 * element i of the larger tensor pairs with channel (i / stride of dim 1) % C. Operands of one
 * shape add on AVX-512 (i8_eltwise.h) or Helium (i8_helium.h) where the CPU has them: the same
 * bytes. */
#include "kernels/kernel_util.h"
#include "kernels/optimized/i8_eltwise.h"
#include "kernels/optimized/i8_helium.h"
#include "kernels/portable/requant.h"

#define QE_LEFT_SHIFT 20 /* CMSIS-NN's headroom for int8 addition */

/* Where element i of out reads each operand: i itself, or its channel of a per-channel one. */
typedef struct qe_index {
    int64_t n, stride, channels; /* out's elements; out's stride of dim 1 and size */
    bool x_channel, y_channel;   /* that operand holds one value per channel */
} qe_index;

static qe_index qe_layout(const ember_tensor* x, const ember_tensor* y, const ember_tensor* out)
{
    qe_index q = {out->numel, 1, 1, x->numel != out->numel, y->numel != out->numel};
    if (q.x_channel || q.y_channel) q.stride = out->strides[1], q.channels = out->sizes[1];
    return q;
}

static inline int64_t qe_at(const qe_index* q, bool channel, int64_t i)
{
    return channel ? i / q->stride % q->channels : i;
}

/* quantized_add.out: [self, self_zp, self_mult, self_shift, other, other_zp, other_mult,
 * other_shift, out_zp, out_mult, out_shift, act_min, act_max, out, out] */
static ember_status run_qadd(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const int8_t* x = (const int8_t*)args[0]->u.t->data;
    const int8_t* y = (const int8_t*)args[4]->u.t->data;
    int8_t* out = (int8_t*)args[13]->u.t->data;
    const int32_t xzp = (int32_t)args[1]->u.i, xm = (int32_t)args[2]->u.i, xs = (int32_t)args[3]->u.i;
    const int32_t yzp = (int32_t)args[5]->u.i, ym = (int32_t)args[6]->u.i, ys = (int32_t)args[7]->u.i;
    const int32_t ozp = (int32_t)args[8]->u.i, om = (int32_t)args[9]->u.i, os = (int32_t)args[10]->u.i;
    const int32_t lo = (int32_t)args[11]->u.i, hi = (int32_t)args[12]->u.i;
    const qe_index q = qe_layout(args[0]->u.t, args[4]->u.t, args[13]->u.t);
    for (int64_t i = 0; i < q.n; i++) {
        const int32_t xi = x[qe_at(&q, q.x_channel, i)], yi = y[qe_at(&q, q.y_channel, i)];
        const int32_t a = ember_requantize((int32_t)((uint32_t)(xi - xzp) << QE_LEFT_SHIFT), xm, xs);
        const int32_t b = ember_requantize((int32_t)((uint32_t)(yi - yzp) << QE_LEFT_SHIFT), ym, ys);
        out[i] = ember_requantize_clamp((int32_t)((uint32_t)a + (uint32_t)b), om, os, ozp, lo, hi);
    }
    return EMBER_OK;
}

#if EMBER_HAVE_X86_KERNELS || EMBER_HAVE_HELIUM
/* The vector kernels' parameters (i8_eltwise.h) from quantized_add's arguments. */
static i8_add_params add_params(ember_value* const* args)
{
    int32_t v[13];
    for (int k = 0; k < 13; k++) v[k] = (int32_t)(k == 0 || k == 4 ? 0 : args[k]->u.i);
    return (i8_add_params){v[1], v[2], v[3], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
}
#endif

#if EMBER_HAVE_X86_KERNELS
/* AVX-512: 16 elements per vector, the same bytes (i8_eltwise.h); threads split the run. */
typedef struct qadd_job {
    i8_add_params p;
    const int8_t *x, *y;
    int8_t* out;
    int64_t n;
} qadd_job;

#define QADD_TASK 4096 /* elements per task */

static ember_status qadd_part(void* arg, size_t begin, size_t end)
{
    const qadd_job* j = arg;
    const int64_t i1 = (int64_t)end * QADD_TASK < j->n ? (int64_t)end * QADD_TASK : j->n;
    i8_add__avx512(&j->p, j->x, j->y, j->out, (int64_t)begin * QADD_TASK, i1);
    return EMBER_OK;
}

static ember_status run_qadd_fast(ember_kernel_ctx* ctx, ember_value* const* args)
{
    qadd_job j;
    j.p = add_params(args);
    j.x = (const int8_t*)args[0]->u.t->data;
    j.y = (const int8_t*)args[4]->u.t->data;
    j.out = (int8_t*)args[13]->u.t->data;
    j.n = args[0]->u.t->numel;
    return ember_parallel_for(j.n >= 4 * QADD_TASK ? ctx->pool : NULL,
                              (size_t)((j.n + QADD_TASK - 1) / QADD_TASK), qadd_part, &j);
}
#endif

/* quantized_mul.out: [self, self_zp, other, other_zp, out_zp, out_mult, out_shift, out, out] */
static ember_status run_qmul(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const int8_t* x = (const int8_t*)args[0]->u.t->data;
    const int8_t* y = (const int8_t*)args[2]->u.t->data;
    int8_t* out = (int8_t*)args[7]->u.t->data;
    const int32_t xzp = (int32_t)args[1]->u.i, yzp = (int32_t)args[3]->u.i;
    const int32_t ozp = (int32_t)args[4]->u.i, om = (int32_t)args[5]->u.i, os = (int32_t)args[6]->u.i;
    const qe_index q = qe_layout(args[0]->u.t, args[2]->u.t, args[7]->u.t);
    for (int64_t i = 0; i < q.n; i++) {
        const int32_t xi = x[qe_at(&q, q.x_channel, i)], yi = y[qe_at(&q, q.y_channel, i)];
        out[i] = ember_requantize_clamp((xi - xzp) * (yi - yzp), om, os, ozp, -128, 127);
    }
    return EMBER_OK;
}

/* True if t holds one value per channel of big: the same rank, dim 1 of big's size, every other
 * size 1. */
static bool per_channel_of(const ember_tensor* t, const ember_tensor* big)
{
    return t->dim == big->dim && t->dim >= 2 && t->sizes[1] == big->sizes[1] &&
           t->numel == t->sizes[1];
}

/* The operands (at xi, yi) and out (at oi): int8; one shape and layout, or one of them per
 * channel of the other (see the top). *same: the operands have one shape. */
static ember_status operands(ember_kernel_ctx* ctx, ember_value* const* args, size_t xi,
                             size_t yi, size_t oi, bool* same)
{
    const uint32_t i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    ember_tensor *x, *y, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, xi, "self", i8, true, &x));
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, yi, "other", i8, true, &y));
    EMBER_TRY(ember_arg_out_ex(ctx, args, oi, "out", i8, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, oi + 1, "returned out", EMBER_VALUE_TENSOR));
    *same = ember_tensor_same_shape(x, y);
    const ember_tensor* big = *same || per_channel_of(y, x) ? x : y;
    EMBER_REQUIRE(ctx, *same || per_channel_of(big == x ? y : x, big), EMBER_NOT_SUPPORTED,
                  "self and other differ in shape, and neither holds one value per channel of "
                  "the other (a [1, C, 1, 1] operand): that broadcast is not supported");
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, big));
    /* elementwise on the bytes: any one layout (channels-last in convolution programs) */
    EMBER_REQUIRE(ctx, ember_same_layout(big, out) && (!*same || ember_same_layout(x, y)),
                  EMBER_NOT_SUPPORTED,
                  "self, other and out are laid out differently (dim orders): not supported");
    return EMBER_OK;
}

/* A zero point (int8 range) at zi, a Q31 multiplier (negative too where negative: above
 * INT32_MIN, whose products the 64-bit rule could not hold) and a shift at mi, mi + 1;
 * names[3]: what each is called in messages. */
static ember_status qparams(ember_kernel_ctx* ctx, ember_value* const* args, size_t zi,
                            size_t mi, const char* const names[3], bool negative)
{
    EMBER_TRY(ember_arg_int_in(ctx, args, zi, names[0], -128, 127, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, mi, names[1], negative ? -INT32_MAX : 0, INT32_MAX, NULL));
    return ember_arg_int_in(ctx, args, mi + 1, names[2], -31, 30, NULL);
}

#if EMBER_HAVE_HELIUM
/* Helium (i8_helium.h): operands of one shape. */
static ember_status run_qadd_helium(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const i8_add_params p = add_params(args);
    i8_add__helium(&p, (const int8_t*)args[0]->u.t->data, (const int8_t*)args[4]->u.t->data,
                   (int8_t*)args[13]->u.t->data, (int32_t)args[13]->u.t->numel);
    return EMBER_OK;
}
#endif

ember_status ember_prepare_cortex_m_quantized_add_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 15);
    bool same;
    EMBER_TRY(operands(ctx, args, 0, 4, 13, &same));
    static const char* const self_names[3] = {"self_zero_point", "self_multiplier", "self_shift"};
    static const char* const other_names[3] = {"other_zero_point", "other_multiplier",
                                               "other_shift"};
    static const char* const out_names[3] = {"output_zero_point", "output_multiplier",
                                             "output_shift"};
    EMBER_TRY(qparams(ctx, args, 1, 2, self_names, true));
    EMBER_TRY(qparams(ctx, args, 5, 6, other_names, true));
    EMBER_TRY(qparams(ctx, args, 8, 9, out_names, false));
    int64_t lo;
    EMBER_TRY(ember_arg_int_in(ctx, args, 11, "activation_min", -128, 127, &lo));
    EMBER_TRY(ember_arg_int_in(ctx, args, 12, "activation_max", lo, 127, NULL));
    *run = run_qadd;
#if EMBER_HAVE_X86_KERNELS
    const uint64_t f = I8_ELTWISE_FEATURES_AVX512;
    if (same && (ember_kernel_cpu_features() & f) == f) *run = run_qadd_fast;
#endif
#if EMBER_HAVE_HELIUM
    if (same && (ember_kernel_cpu_features() & EMBER_CPU_BIT(EMBER_CPU_HELIUM))) *run = run_qadd_helium;
#endif
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_quantized_mul_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 9);
    bool same;
    EMBER_TRY(operands(ctx, args, 0, 2, 7, &same));
    EMBER_TRY(ember_arg_int_in(ctx, args, 1, "self_zero_point", -128, 127, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, 3, "other_zero_point", -128, 127, NULL));
    static const char* const out_names[3] = {"output_zero_point", "output_multiplier",
                                             "output_shift"};
    EMBER_TRY(qparams(ctx, args, 4, 5, out_names, false));
    *run = run_qmul;
    return EMBER_OK;
}
