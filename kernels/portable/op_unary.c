/* op_unary.c — elementwise unary ops: activations (relu, gelu, silu, sigmoid, tanh, hardswish,
 * hardsigmoid, hardtanh, leaky_relu, elu, clamp) and math (exp, log, neg, sqrt, rsqrt, abs,
 * erf, sin, cos, reciprocal, floor, ceil, round, sign, logical_not, bitwise_not, isnan).
 *
 * float32 in, float32 out runs one flat f32 loop per op. Every other dtype mix runs the generic
 * path in chunks: int64 when the op is exact on integers and both in and out are integer/bool,
 * double otherwise. Transcendental ops need a floating out (ints promote to float in torch).
 * clamp/hardtanh on integer tensors read their bounds as int64 by Ember's conversion rule
 * (kernel_util.h), so ±inf or ±1e308 saturate instead of converting out of range.
 *
 * On x86 with AVX2 or AVX-512, prepare picks a table in which exp, sigmoid, silu, tanh and both
 * GELUs run the vectorised kernels of kernels/optimized/f32_rowops.h (their error bounds are
 * there); every other op, and every other dtype, runs the portable code either way. */
#include "kernels/optimized/f32_rowops.h"
#include "kernels/kernel_util.h"

enum {
    UOP_RELU, UOP_GELU, UOP_GELU_TANH, UOP_SILU, UOP_SIGMOID, UOP_TANH, UOP_HARDSWISH,
    UOP_HARDSIGMOID, UOP_HARDTANH, UOP_LEAKY_RELU, UOP_ELU, UOP_CLAMP, UOP_EXP, UOP_LOG,
    UOP_NEG, UOP_SQRT, UOP_RSQRT, UOP_ABS, UOP_ERF, UOP_SIN, UOP_COS, UOP_RECIPROCAL,
    UOP_FLOOR, UOP_CEIL, UOP_ROUND, UOP_SIGN, UOP_LOGICAL_NOT, UOP_BITWISE_NOT, UOP_ISNAN,
    UOP_LOG1P, UOP_EXPM1, UOP_COUNT
};

/* What the ops' Scalar arguments say, read from args on every run. */
typedef struct unary_params {
    double a, b, c; /* hardtanh/clamp: min, max (±inf if None); leaky_relu: slope;
                       elu: alpha, scale, input_scale */
    int64_t ia, ib; /* a and b as integers, for clamp/hardtanh on integer tensors */
} unary_params;

/* ---- f32 flat kernels -------------------------------------------------------------------- */

#define F32_UNARY(name, EXPR)                                                                   \
    static void f32_##name##__portable(float* out, const float* in, size_t n,                  \
                                       const unary_params* p)                                   \
    {                                                                                           \
        const float pa = (float)p->a, pb = (float)p->b, pc = (float)p->c;                       \
        (void)pa, (void)pb, (void)pc;                                                           \
        for (size_t i = 0; i < n; i++) {                                                        \
            const float x = in[i];                                                              \
            out[i] = (EXPR);                                                                    \
        }                                                                                       \
    }

#define F32_SQRT1_2 0.70710678118654752440f
#define F32_SQRT_2_PI 0.79788456080286535588f

static inline float f32_clamp(float x, float lo, float hi)
{
    x = x < lo ? lo : x; /* comparisons are false for NaN: NaN passes through */
    return x > hi ? hi : x;
}

F32_UNARY(relu, x > 0.0f ? x : (x != x ? x : 0.0f))
F32_UNARY(gelu, 0.5f * x * (1.0f + erff(x * F32_SQRT1_2)))
F32_UNARY(gelu_tanh, 0.5f * x * (1.0f + tanhf(F32_SQRT_2_PI * (x + 0.044715f * x * x * x))))
F32_UNARY(silu, x / (1.0f + expf(-x)))
F32_UNARY(sigmoid, 1.0f / (1.0f + expf(-x)))
F32_UNARY(tanh, tanhf(x))
F32_UNARY(hardswish, x * f32_clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f)
F32_UNARY(hardsigmoid, f32_clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f)
F32_UNARY(clamp, f32_clamp(x, pa, pb))
F32_UNARY(leaky_relu, x > 0.0f ? x : x * pa)
F32_UNARY(elu, x > 0.0f ? x * pb : expm1f(x * pc) * pa * pb)
F32_UNARY(exp, expf(x))
F32_UNARY(log, logf(x))
F32_UNARY(log1p, log1pf(x))
F32_UNARY(expm1, expm1f(x))
F32_UNARY(neg, -x)
F32_UNARY(sqrt, sqrtf(x))
F32_UNARY(rsqrt, 1.0f / sqrtf(x))
F32_UNARY(abs, fabsf(x))
F32_UNARY(erf, erff(x))
F32_UNARY(sin, sinf(x))
F32_UNARY(cos, cosf(x))
F32_UNARY(reciprocal, 1.0f / x)
F32_UNARY(floor, floorf(x))
F32_UNARY(ceil, ceilf(x))
F32_UNARY(round, nearbyintf(x))
F32_UNARY(sign, (float)((0.0f < x) - (x < 0.0f)))

typedef void (*f32_unary_fn)(float*, const float*, size_t, const unary_params*);
/* The f32 table of an x86 variant, with the kernels of the ops that have vectorised variants as
 * parameters (the portable build has no table: each operator names its own functions). */
#define F32_KERNELS(exp_, sigmoid_, silu_, tanh_, gelu_, gelu_tanh_)                            \
    {                                                                                           \
        [UOP_RELU] = f32_relu__portable,           [UOP_GELU] = gelu_,                          \
        [UOP_GELU_TANH] = gelu_tanh_,              [UOP_SILU] = silu_,                          \
        [UOP_SIGMOID] = sigmoid_,                  [UOP_TANH] = tanh_,                          \
        [UOP_HARDSWISH] = f32_hardswish__portable, [UOP_HARDSIGMOID] = f32_hardsigmoid__portable, \
        [UOP_HARDTANH] = f32_clamp__portable,      [UOP_CLAMP] = f32_clamp__portable,           \
        [UOP_LEAKY_RELU] = f32_leaky_relu__portable, [UOP_ELU] = f32_elu__portable,             \
        [UOP_EXP] = exp_,                          [UOP_LOG] = f32_log__portable,               \
        [UOP_NEG] = f32_neg__portable,             [UOP_SQRT] = f32_sqrt__portable,             \
        [UOP_RSQRT] = f32_rsqrt__portable,         [UOP_ABS] = f32_abs__portable,               \
        [UOP_ERF] = f32_erf__portable,             [UOP_SIN] = f32_sin__portable,               \
        [UOP_COS] = f32_cos__portable,             [UOP_RECIPROCAL] = f32_reciprocal__portable, \
        [UOP_FLOOR] = f32_floor__portable,         [UOP_CEIL] = f32_ceil__portable,             \
        [UOP_ROUND] = f32_round__portable,         [UOP_SIGN] = f32_sign__portable,             \
        [UOP_LOG1P] = f32_log1p__portable,         [UOP_EXPM1] = f32_expm1__portable,           \
    }

/* ---- generic path ------------------------------------------------------------------------ */

static double f64_clamp(double x, double lo, double hi)
{
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

/* One function per op over a chunk of doubles, like the f32 ones: an image links only the libm
 * of the ops its operator table names (a selective build). */
typedef void (*f64_unary_fn)(double*, const double*, size_t, const unary_params*);
#define F64_UNARY(name, EXPR)                                                                   \
    static void f64_unary_##name(double* z, const double* x, size_t n, const unary_params* p)   \
    {                                                                                           \
        (void)p;                                                                                \
        for (size_t i = 0; i < n; i++) {                                                        \
            const double v = x[i];                                                              \
            z[i] = (EXPR);                                                                      \
        }                                                                                       \
    }

F64_UNARY(relu, v > 0.0 ? v : (isnan(v) ? v : 0.0))
F64_UNARY(gelu, 0.5 * v * (1.0 + erf(v * 0.70710678118654752440)))
F64_UNARY(gelu_tanh, 0.5 * v * (1.0 + tanh(0.79788456080286535588 * (v + 0.044715 * v * v * v))))
F64_UNARY(silu, v / (1.0 + exp(-v)))
F64_UNARY(sigmoid, 1.0 / (1.0 + exp(-v)))
F64_UNARY(tanh, tanh(v))
F64_UNARY(hardswish, v * f64_clamp(v + 3.0, 0.0, 6.0) / 6.0)
F64_UNARY(hardsigmoid, f64_clamp(v + 3.0, 0.0, 6.0) / 6.0)
F64_UNARY(clamp, f64_clamp(v, p->a, p->b))
F64_UNARY(leaky_relu, v > 0.0 ? v : v * p->a)
F64_UNARY(elu, v > 0.0 ? v * p->b : expm1(v * p->c) * p->a * p->b)
F64_UNARY(exp, exp(v))
F64_UNARY(log, log(v))
F64_UNARY(log1p, log1p(v))
F64_UNARY(expm1, expm1(v))
F64_UNARY(neg, -v)
F64_UNARY(sqrt, sqrt(v))
F64_UNARY(rsqrt, 1.0 / sqrt(v))
F64_UNARY(abs, fabs(v))
F64_UNARY(erf, erf(v))
F64_UNARY(sin, sin(v))
F64_UNARY(cos, cos(v))
F64_UNARY(reciprocal, 1.0 / v)
F64_UNARY(floor, floor(v))
F64_UNARY(ceil, ceil(v))
F64_UNARY(round, nearbyint(v))
F64_UNARY(sign, (double)((0.0 < v) - (v < 0.0)))
F64_UNARY(logical_not, v == 0.0)
F64_UNARY(isnan, isnan(v) ? 1.0 : 0.0)
F64_UNARY(same, v) /* bitwise_not: integers only (prepare), never in double */

/* Ops that are exact on integers; `in_dtype` tells bool's bitwise_not (logical) from int's. */
static void i64_unary_chunk(int op, int64_t* z, const int64_t* x, size_t n,
                            const unary_params* p, int in_dtype)
{
    for (size_t i = 0; i < n; i++) {
        const int64_t v = x[i];
        int64_t r;
        switch (op) {
        case UOP_RELU: r = v > 0 ? v : 0; break;
        case UOP_HARDTANH:
        case UOP_CLAMP: r = v < p->ia ? p->ia : v; r = r > p->ib ? p->ib : r; break;
        case UOP_NEG: r = (int64_t)(0 - (uint64_t)v); break;
        case UOP_ABS: r = v < 0 ? (int64_t)(0 - (uint64_t)v) : v; break;
        case UOP_SIGN: r = (0 < v) - (v < 0); break;
        case UOP_LOGICAL_NOT: r = v == 0; break;
        case UOP_BITWISE_NOT: r = in_dtype == EMBER_DTYPE_BOOL ? !v : ~v; break;
        default: r = v; break; /* floor, ceil, round: identity on integers */
        }
        z[i] = r;
    }
}

static bool op_exact_on_ints(int op)
{
    switch (op) {
    case UOP_RELU: case UOP_HARDTANH: case UOP_CLAMP: case UOP_NEG: case UOP_ABS:
    case UOP_SIGN: case UOP_FLOOR: case UOP_CEIL: case UOP_ROUND: case UOP_LOGICAL_NOT:
    case UOP_BITWISE_NOT:
        return true;
    default: return false;
    }
}

static bool op_float_only(int op) { return !op_exact_on_ints(op) && op != UOP_ISNAN; }

/* ---- the operators ----------------------------------------------------------------------- */

/* An op's float32 kernel (NULL: none, the generic path runs) and its double one. */
typedef struct unary_fns {
    f32_unary_fn f32;
    f64_unary_fn f64;
} unary_fns;

typedef struct unary_spec {
    int8_t op;     /* UOP_*; gelu picks GELU_TANH from its string at run */
    int8_t nargs;  /* KernelCall arg count; out is at nargs - 2 */
    const unary_fns* fns; /* [0]; gelu's [1]: GELU_TANH's */
} unary_spec;

static double bound_or(const ember_value* v, double dflt)
{
    double d = dflt;
    if (!ember_is_null(v)) ember_scalar_as_double(v, &d);
    return d;
}
static int64_t ibound_or(const ember_value* v, int64_t dflt)
{
    int64_t i = dflt;
    if (!ember_is_null(v)) ember_scalar_as_int(v, &i);
    return i;
}

static int read_params(const unary_spec* s, ember_value* const* args, unary_params* p)
{
    memset(p, 0, sizeof *p);
    switch (s->op) {
    case UOP_GELU: return strcmp(args[1]->u.str, "tanh") == 0 ? UOP_GELU_TANH : UOP_GELU;
    case UOP_HARDTANH:
    case UOP_CLAMP:
        p->a = bound_or(args[1], -INFINITY);
        p->b = bound_or(args[2], INFINITY);
        p->ia = ibound_or(args[1], INT64_MIN);
        p->ib = ibound_or(args[2], INT64_MAX);
        break;
    case UOP_LEAKY_RELU: ember_scalar_as_double(args[1], &p->a); break;
    case UOP_ELU:
        ember_scalar_as_double(args[1], &p->a);
        ember_scalar_as_double(args[2], &p->b);
        ember_scalar_as_double(args[3], &p->c);
        break;
    default: break;
    }
    return s->op;
}

/* The f32 tables of the optimized variants: exp, sigmoid, silu, tanh and both GELUs
 * vectorised (kernels/optimized/f32_rowops.h), the rest portable. */
#if EMBER_HAVE_X86_KERNELS
#define ROWOPS_ADAPT(name, isa)                                                                 \
    static void f32_##name##__##isa##_p(float* out, const float* in, size_t n,                 \
                                        const unary_params* p)                                  \
    {                                                                                           \
        (void)p;                                                                                \
        f32_##name##__##isa(out, in, n);                                                        \
    }
#define ROWOPS_TABLE(isa)                                                                       \
    ROWOPS_ADAPT(exp, isa)                                                                      \
    ROWOPS_ADAPT(sigmoid, isa)                                                                  \
    ROWOPS_ADAPT(silu, isa)                                                                     \
    ROWOPS_ADAPT(tanh, isa)                                                                     \
    ROWOPS_ADAPT(gelu, isa)                                                                     \
    ROWOPS_ADAPT(gelu_tanh, isa)                                                                \
    static const f32_unary_fn f32_kernels_##isa[UOP_COUNT] =                                    \
        F32_KERNELS(f32_exp__##isa##_p, f32_sigmoid__##isa##_p, f32_silu__##isa##_p,            \
                    f32_tanh__##isa##_p, f32_gelu__##isa##_p, f32_gelu_tanh__##isa##_p);
ROWOPS_TABLE(avx2)
ROWOPS_TABLE(avx512)
#endif

/* Threads split a float32 op into tasks of UNARY_TASK elements (a thread takes a contiguous run
 * of them); each element is computed alone, so any cut gives the same bytes. Tensors under
 * UNARY_MIN_THREADED elements stay on one thread. */
#define UNARY_TASK 16384
#define UNARY_MIN_THREADED ((size_t)1 << 16)

typedef struct unary_job {
    f32_unary_fn fn;
    float* z;       /* (n) */
    const float* x; /* (n), or z itself */
    size_t n;
    const unary_params* p;
} unary_job;

static ember_status unary_f32_tasks(void* arg, size_t begin, size_t end)
{
    const unary_job* j = arg;
    const size_t a = begin * UNARY_TASK, b = end * UNARY_TASK < j->n ? end * UNARY_TASK : j->n;
    j->fn(j->z + a, j->x + a, b - a, j->p);
    return EMBER_OK;
}

/* x86: the f32 table of an x86 variant, or NULL (the op's own functions). */
static ember_status unary_run(ember_kernel_ctx* ctx, ember_value* const* args,
                              const unary_spec* s, const f32_unary_fn* x86)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[s->nargs - 2]->u.t;
    unary_params p;
    const int op = read_params(s, args, &p);
    const unary_fns* fns = &s->fns[op == UOP_GELU_TANH];
    const f32_unary_fn f32 = x86 ? x86[op] : fns->f32;
    const size_t n = (size_t)out->numel;
    if (in->dtype == EMBER_DTYPE_F32 && out->dtype == EMBER_DTYPE_F32 && f32) {
        unary_job job = {f32, (float*)out->data, (const float*)in->data, n, &p};
        return ember_parallel_for(n >= UNARY_MIN_THREADED ? ctx->pool : NULL,
                                  (n + UNARY_TASK - 1) / UNARY_TASK, unary_f32_tasks, &job);
    }
    const bool int_domain = op_exact_on_ints(op) && ember_dtype_is_intlike(in->dtype) &&
                            ember_dtype_is_intlike(out->dtype);
    for (size_t j = 0; j < n; j += EMBER_CHUNK) {
        size_t m = n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK;
        if (int_domain) {
            int64_t x[EMBER_CHUNK], z[EMBER_CHUNK];
            ember_load_i64_row(x, in->data, in->dtype, (int64_t)j, 1, m);
            i64_unary_chunk(op, z, x, m, &p, in->dtype);
            ember_store_i64_row(out->data, out->dtype, (int64_t)j, 1, z, m);
        } else {
            double x[EMBER_CHUNK], z[EMBER_CHUNK];
            ember_load_f64_row(x, in->data, in->dtype, (int64_t)j, 1, m);
            fns->f64(z, x, m, &p);
            ember_store_f64_row(out->data, out->dtype, (int64_t)j, 1, z, m);
        }
    }
    return EMBER_OK;
}

static ember_status unary_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                  size_t num_args, const unary_spec* s)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, s->nargs);
    const size_t out_i = (size_t)s->nargs - 2;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, out_i, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, out_i + 1, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[out_i]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    switch (s->op) {
    case UOP_GELU: {
        EMBER_TRY(ember_arg_kind(ctx, args, 1, "approximate", EMBER_VALUE_STRING));
        const char* a = args[1]->u.str;
        EMBER_REQUIRE(ctx, strcmp(a, "none") == 0 || strcmp(a, "tanh") == 0,
                      EMBER_INVALID_ARGUMENT,
                      "approximate must be \"none\" or \"tanh\", got \"%s\"", a);
        break;
    }
    case UOP_HARDTANH:
        EMBER_TRY(ember_arg_scalar(ctx, args, 1, "min_val"));
        EMBER_TRY(ember_arg_scalar(ctx, args, 2, "max_val"));
        break;
    case UOP_CLAMP:
        EMBER_TRY(ember_arg_opt_scalar(ctx, args, 1, "min"));
        EMBER_TRY(ember_arg_opt_scalar(ctx, args, 2, "max"));
        EMBER_REQUIRE(ctx, !ember_is_null(args[1]) || !ember_is_null(args[2]),
                      EMBER_INVALID_ARGUMENT, "at least one of min and max must be given");
        break;
    case UOP_LEAKY_RELU: EMBER_TRY(ember_arg_scalar(ctx, args, 1, "negative_slope")); break;
    case UOP_ELU:
        EMBER_TRY(ember_arg_scalar(ctx, args, 1, "alpha"));
        EMBER_TRY(ember_arg_scalar(ctx, args, 2, "scale"));
        EMBER_TRY(ember_arg_scalar(ctx, args, 3, "input_scale"));
        break;
    default: break;
    }
    if (op_float_only(s->op)) {
        EMBER_REQUIRE(ctx, ember_dtype_is_float(out->dtype), EMBER_DTYPE_MISMATCH,
                      "out must be floating point, got %s", ember_dtype_name(out->dtype));
    }
    if (s->op == UOP_BITWISE_NOT) {
        EMBER_REQUIRE(ctx, ember_dtype_is_intlike(in->dtype) && ember_dtype_is_intlike(out->dtype),
                      EMBER_DTYPE_MISMATCH, "bitwise_not needs integer or bool, got %s",
                      ember_dtype_name(in->dtype));
    }
    return EMBER_OK;
}

/* The variant: the best table the CPU features allow (f32_rowops.h's needs). */
#if EMBER_HAVE_X86_KERNELS
static int unary_isa(void) /* 2: AVX-512, 1: AVX2, 0: portable */
{
    const uint64_t f = ember_kernel_cpu_features();
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((f & avx512) == avx512) return 2;
    if ((f & avx2) == avx2) return 1;
    return 0;
}
#define UNARY_RUN_X86(sym)                                                                      \
    static ember_status run_##sym##_avx2(ember_kernel_ctx* ctx, ember_value* const* args)       \
    {                                                                                           \
        return unary_run(ctx, args, &spec_##sym, f32_kernels_avx2);                          \
    }                                                                                           \
    static ember_status run_##sym##_avx512(ember_kernel_ctx* ctx, ember_value* const* args)     \
    {                                                                                           \
        return unary_run(ctx, args, &spec_##sym, f32_kernels_avx512);                        \
    }
#define UNARY_PICK_X86(sym)                                                                     \
    {                                                                                           \
        const int isa = unary_isa();                                                            \
        if (isa == 2) *run = run_##sym##_avx512;                                                \
        if (isa == 1) *run = run_##sym##_avx2;                                                  \
    }
#else
#define UNARY_RUN_X86(sym)
#define UNARY_PICK_X86(sym)
#endif

#define UNARY_OP_FNS(sym, op, nargs, fns)                                                       \
    static const unary_spec spec_##sym = {op, nargs, fns};                                      \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        return unary_run(ctx, args, &spec_##sym, NULL);                                         \
    }                                                                                           \
    UNARY_RUN_X86(sym)                                                                          \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(unary_prepare(ctx, args, num_args, &spec_##sym));                             \
        *run = run_##sym;                                                                       \
        UNARY_PICK_X86(sym)                                                                     \
        return EMBER_OK;                                                                        \
    }
/* An op whose float32 kernel is f32 (NULL: none) and double one f64_unary_<f64>. */
#define UNARY_OP(sym, op, nargs, f32, f64)                                                      \
    static const unary_fns fns_##sym[1] = {{f32, f64_unary_##f64}};                             \
    UNARY_OP_FNS(sym, op, nargs, fns_##sym)

static const unary_fns gelu_fns[2] = {{f32_gelu__portable, f64_unary_gelu},
                                      {f32_gelu_tanh__portable, f64_unary_gelu_tanh}};
UNARY_OP_FNS(aten_gelu_out, UOP_GELU, 4, gelu_fns)
UNARY_OP(aten_relu_out, UOP_RELU, 3, f32_relu__portable, relu)
UNARY_OP(aten_silu_out, UOP_SILU, 3, f32_silu__portable, silu)
UNARY_OP(aten_sigmoid_out, UOP_SIGMOID, 3, f32_sigmoid__portable, sigmoid)
UNARY_OP(aten_tanh_out, UOP_TANH, 3, f32_tanh__portable, tanh)
UNARY_OP(aten_hardswish_out, UOP_HARDSWISH, 3, f32_hardswish__portable, hardswish)
UNARY_OP(aten_hardsigmoid_out, UOP_HARDSIGMOID, 3, f32_hardsigmoid__portable, hardsigmoid)
UNARY_OP(aten_hardtanh_out, UOP_HARDTANH, 5, f32_clamp__portable, clamp)
UNARY_OP(aten_leaky_relu_out, UOP_LEAKY_RELU, 4, f32_leaky_relu__portable, leaky_relu)
UNARY_OP(aten_elu_out, UOP_ELU, 6, f32_elu__portable, elu)
UNARY_OP(aten_clamp_out, UOP_CLAMP, 5, f32_clamp__portable, clamp)
UNARY_OP(aten_exp_out, UOP_EXP, 3, f32_exp__portable, exp)
UNARY_OP(aten_log_out, UOP_LOG, 3, f32_log__portable, log)
UNARY_OP(aten_log1p_out, UOP_LOG1P, 3, f32_log1p__portable, log1p)
UNARY_OP(aten_expm1_out, UOP_EXPM1, 3, f32_expm1__portable, expm1)
UNARY_OP(aten_neg_out, UOP_NEG, 3, f32_neg__portable, neg)
UNARY_OP(aten_sqrt_out, UOP_SQRT, 3, f32_sqrt__portable, sqrt)
UNARY_OP(aten_rsqrt_out, UOP_RSQRT, 3, f32_rsqrt__portable, rsqrt)
UNARY_OP(aten_abs_out, UOP_ABS, 3, f32_abs__portable, abs)
UNARY_OP(aten_erf_out, UOP_ERF, 3, f32_erf__portable, erf)
UNARY_OP(aten_sin_out, UOP_SIN, 3, f32_sin__portable, sin)
UNARY_OP(aten_cos_out, UOP_COS, 3, f32_cos__portable, cos)
UNARY_OP(aten_reciprocal_out, UOP_RECIPROCAL, 3, f32_reciprocal__portable, reciprocal)
UNARY_OP(aten_floor_out, UOP_FLOOR, 3, f32_floor__portable, floor)
UNARY_OP(aten_ceil_out, UOP_CEIL, 3, f32_ceil__portable, ceil)
UNARY_OP(aten_round_out, UOP_ROUND, 3, f32_round__portable, round)
UNARY_OP(aten_sign_out, UOP_SIGN, 3, f32_sign__portable, sign)
UNARY_OP(aten_logical_not_out, UOP_LOGICAL_NOT, 3, NULL, logical_not)
UNARY_OP(aten_bitwise_not_out, UOP_BITWISE_NOT, 3, NULL, same)
UNARY_OP(aten_isnan_out, UOP_ISNAN, 3, NULL, isnan)
