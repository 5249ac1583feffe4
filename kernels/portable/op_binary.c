/* op_binary.c — elementwise binary arithmetic, logical and bitwise ops with numpy-style
 * broadcasting: add, sub, rsub, mul, div (true / trunc / floor), pow, maximum, minimum,
 * remainder, logical_and/or/xor, bitwise_and/or, in their Tensor and Scalar forms.
 *
 * float32 in, float32 out runs flat f32 loops over broadcast rows (vector ⊕ vector, vector ⊕
 * scalar, scalar ⊕ vector). Every other dtype mix runs the generic path: rows are converted in
 * chunks to a double (float out) or int64 (integer/bool out) compute domain, computed, and
 * stored in out's dtype. Out's dtype is authoritative (the exporter computed it), except that
 * trunc/floor division and remainder of two integer operands always divide as integers, as
 * torch does: a zero divisor makes run fail with EMBER_DIVISION_BY_ZERO (out may then be
 * partly written). Float division keeps IEEE inf/NaN. */
#include "kernels/broadcast.h"

enum {
    BOP_ADD, /* a + alpha*b */
    BOP_SUB, /* a - alpha*b */
    BOP_MUL,
    BOP_DIV, /* true division */
    BOP_DIV_TRUNC,
    BOP_DIV_FLOOR,
    BOP_POW,
    BOP_MAX, /* NaN-propagating */
    BOP_MIN,
    BOP_REM, /* Python-style: sign of the divisor */
    BOP_LAND,
    BOP_LOR,
    BOP_LXOR,
    BOP_BAND,
    BOP_BOR,
    BOP_COUNT
};

/* ---- f32 flat kernels -------------------------------------------------------------------- */
/* out may alias an input element for element (in-place ops), so no restrict here. */

#define F32_BINARY_VV_SV(name, EXPR)                                                            \
    static void f32_##name##__portable(float* out, const float* a, const float* b, float alpha, \
                                       size_t n)                                                \
    {                                                                                           \
        for (size_t i = 0; i < n; i++) {                                                        \
            const float x = a[i], y = b[i];                                                     \
            out[i] = (EXPR);                                                                    \
        }                                                                                       \
    }                                                                                           \
    static void f32_##name##_sv__portable(float* out, float x, const float* b, float alpha,     \
                                          size_t n)                                             \
    {                                                                                           \
        for (size_t i = 0; i < n; i++) {                                                        \
            const float y = b[i];                                                               \
            out[i] = (EXPR);                                                                    \
        }                                                                                       \
    }
#define F32_BINARY(name, EXPR)                                                                  \
    F32_BINARY_VV_SV(name, EXPR)                                                                \
    static void f32_##name##_vs__portable(float* out, const float* a, float y, float alpha,     \
                                          size_t n)                                             \
    {                                                                                           \
        for (size_t i = 0; i < n; i++) {                                                        \
            const float x = a[i];                                                               \
            out[i] = (EXPR);                                                                    \
        }                                                                                       \
    }

/* NaN-propagating max/min (x != x is true only for NaN). */
static inline float f32_max(float x, float y)
{
    return x != x ? x : (y != y ? y : (x > y ? x : y));
}
static inline float f32_min(float x, float y)
{
    return x != x ? x : (y != y ? y : (x < y ? x : y));
}
static inline float f32_rem(float x, float y)
{
    float r = fmodf(x, y);
    return (r != 0.0f && ((r < 0.0f) != (y < 0.0f))) ? r + y : r;
}

F32_BINARY(add, x + alpha * y)
F32_BINARY(sub, x - alpha * y)
F32_BINARY(mul, x * y)
F32_BINARY(div, x / y)
F32_BINARY(div_trunc, truncf(x / y))
F32_BINARY(div_floor, floorf(x / y))
F32_BINARY_VV_SV(pow, powf(x, y))
F32_BINARY(maximum, f32_max(x, y))
F32_BINARY(minimum, f32_min(x, y))
F32_BINARY(remainder, f32_rem(x, y))

/* a ** y, y one scalar (pow.Tensor_Scalar, or a broadcast exponent): the exponents torch's float
 * kernel computes without pow (aten/src/ATen/native/cpu/PowKernel.cpp) are computed as it does,
 * so a square (RMSNorm, the tanh GELU's cube) costs a multiply instead of a powf: 2 and 3 by
 * multiplications, -2 as 1 / (x * x), -1 as 1 / x (torch's results, bit for bit), 0.5 by sqrt,
 * -0.5 as 1 / sqrt (correctly rounded sqrt; torch's vectorised one may differ by 1 ulp), and
 * the special values follow: (-inf) ** 0.5 is NaN, (-0) ** 0.5 is -0, as in torch. */
static void f32_pow_vs__portable(float* out, const float* a, float y, float alpha, size_t n)
{
    (void)alpha;
    if (y == 2.0f) {
        for (size_t i = 0; i < n; i++) out[i] = a[i] * a[i];
    } else if (y == 3.0f) {
        for (size_t i = 0; i < n; i++) out[i] = a[i] * a[i] * a[i];
    } else if (y == -2.0f) {
        for (size_t i = 0; i < n; i++) out[i] = 1.0f / (a[i] * a[i]);
    } else if (y == 0.5f) {
        for (size_t i = 0; i < n; i++) out[i] = sqrtf(a[i]);
    } else if (y == -0.5f) {
        for (size_t i = 0; i < n; i++) out[i] = 1.0f / sqrtf(a[i]);
    } else if (y == -1.0f) {
        for (size_t i = 0; i < n; i++) out[i] = 1.0f / a[i];
    } else {
        for (size_t i = 0; i < n; i++) out[i] = powf(a[i], y);
    }
}

typedef void (*f32_vv_fn)(float*, const float*, const float*, float, size_t);
typedef void (*f32_vs_fn)(float*, const float*, float, float, size_t);
typedef void (*f32_sv_fn)(float*, float, const float*, float, size_t);
typedef struct f32_binary_kernels {
    f32_vv_fn vv;
    f32_vs_fn vs;
    f32_sv_fn sv;
} f32_binary_kernels;

#define F32_KERNELS(name)                                                                       \
    {f32_##name##__portable, f32_##name##_vs__portable, f32_##name##_sv__portable}

/* out = a ⊕ b over broadcast rows; one kernel call per row. */
static void f32_binary_rows(const f32_binary_kernels* k, const ember_bcast* bc, float* out,
                            const float* a, const float* b, float alpha)
{
    const int last = bc->rank - 1;
    const size_t n = (size_t)bc->sizes[last];
    const bool va = bc->strides[1][last] != 0, vb = bc->strides[2][last] != 0;
    const int64_t rows = ember_bcast_rows(bc);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[3] = {0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        float* o = out + off[0];
        const float* pa = a + off[1];
        const float* pb = b + off[2];
        if (va && vb) {
            k->vv(o, pa, pb, alpha, n);
        } else if (va) {
            k->vs(o, pa, pb[0], alpha, n);
        } else if (vb) {
            k->sv(o, pa[0], pb, alpha, n);
        } else {
            k->vv(o, pa, pb, alpha, 1);
            for (size_t i = 1; i < n; i++) o[i] = o[0];
        }
        ember_bcast_next(bc, idx, off);
    }
}

/* ---- generic path ------------------------------------------------------------------------ */

/* One function per op and domain over a chunk, like the f32 kernels: an image links only the
 * libm (and the 64-bit division) of the ops its operator table names (a selective build). */
typedef void (*f64_binary_fn)(double*, const double*, const double*, double, size_t);
#define F64_BINARY(name, EXPR)                                                                  \
    static void f64_binary_##name(double* z, const double* x, const double* y, double alpha,    \
                                  size_t n)                                                     \
    {                                                                                           \
        (void)alpha;                                                                            \
        for (size_t i = 0; i < n; i++) {                                                        \
            const double a = x[i], b = y[i];                                                    \
            z[i] = (EXPR);                                                                      \
        }                                                                                       \
    }

static inline double f64_rem(double a, double b)
{
    const double r = fmod(a, b);
    return (r != 0.0 && ((r < 0.0) != (b < 0.0))) ? r + b : r;
}

F64_BINARY(add, a + alpha * b)
F64_BINARY(sub, a - alpha * b)
F64_BINARY(mul, a * b)
F64_BINARY(div, a / b)
F64_BINARY(div_trunc, trunc(a / b))
F64_BINARY(div_floor, floor(a / b))
F64_BINARY(pow, pow(a, b))
F64_BINARY(maximum, isnan(a) ? a : isnan(b) ? b : (a > b ? a : b))
F64_BINARY(minimum, isnan(a) ? a : isnan(b) ? b : (a < b ? a : b))
F64_BINARY(remainder, f64_rem(a, b))
F64_BINARY(logical_and, (a != 0.0) && (b != 0.0))
F64_BINARY(logical_or, (a != 0.0) || (b != 0.0))
F64_BINARY(logical_xor, (a != 0.0) != (b != 0.0))

static int64_t i64_pow(int64_t x, int64_t e)
{
    if (e < 0) return x == 1 ? 1 : x == -1 ? ((e & 1) ? -1 : 1) : 0;
    uint64_t r = 1, b = (uint64_t)x;
    while (e) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return (int64_t)r;
}

static bool is_int_division(int op)
{
    return op == BOP_DIV_TRUNC || op == BOP_DIV_FLOOR || op == BOP_REM;
}

static bool has_zero(const int64_t* y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] == 0) return true;
    return false;
}

static inline int64_t i64_div(int64_t a, int64_t b, bool floor_it)
{
    if (b == -1) return (int64_t)(0 - (uint64_t)a);
    int64_t q = a / b;
    if (floor_it && a % b != 0 && ((a < 0) != (b < 0))) q--;
    return q;
}

static inline int64_t i64_rem(int64_t a, int64_t b)
{
    if (b == -1) return 0;
    const int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/* Returns false, before writing anything, when REFUSE holds: a trunc/floor division or
 * remainder with a zero divisor in the chunk (torch raises ZeroDivisionError); INT64_MIN / -1
 * wraps. Arithmetic wraps (unsigned). */
typedef bool (*i64_binary_fn)(int64_t*, const int64_t*, const int64_t*, int64_t, size_t);
#define I64_CHUNK(name, REFUSE, EXPR)                                                           \
    static bool i64_binary_##name(int64_t* z, const int64_t* x, const int64_t* y, int64_t alpha, \
                                  size_t n)                                                     \
    {                                                                                           \
        const uint64_t ua = (uint64_t)alpha;                                                    \
        (void)ua;                                                                               \
        if (REFUSE) return false;                                                               \
        for (size_t i = 0; i < n; i++) {                                                        \
            const int64_t a = x[i], b = y[i];                                                   \
            z[i] = (EXPR);                                                                      \
        }                                                                                       \
        return true;                                                                            \
    }
#define I64_BINARY(name, EXPR) I64_CHUNK(name, false, EXPR)
#define I64_DIVISION(name, EXPR) I64_CHUNK(name, has_zero(y, n), EXPR)

I64_BINARY(add, (int64_t)((uint64_t)a + ua * (uint64_t)b))
I64_BINARY(sub, (int64_t)((uint64_t)a - ua * (uint64_t)b))
I64_BINARY(mul, (int64_t)((uint64_t)a * (uint64_t)b))
I64_DIVISION(div_trunc, i64_div(a, b, false))
I64_DIVISION(div_floor, i64_div(a, b, true))
I64_BINARY(pow, i64_pow(a, b))
I64_BINARY(maximum, a > b ? a : b)
I64_BINARY(minimum, a < b ? a : b)
I64_DIVISION(remainder, i64_rem(a, b))
I64_BINARY(logical_and, (a != 0) && (b != 0))
I64_BINARY(logical_or, (a != 0) || (b != 0))
I64_BINARY(logical_xor, (a != 0) != (b != 0))
I64_BINARY(bitwise_and, a & b)
I64_BINARY(bitwise_or, a | b)

/* An op's kernels: float32 (vv NULL: none, the generic path runs), double (NULL for the bitwise
 * ops, refused at prepare) and int64 (NULL for true division, whose out is floating). */
typedef struct binary_impl {
    f32_binary_kernels f32;
    f64_binary_fn f64;
    i64_binary_fn i64;
} binary_impl;

/* Logical ops give 0/1 whatever the domain. Trunc/floor division and remainder compute in the
 * operands' common type, as torch does: integer operands divide as integers (a zero divisor is
 * an error, whatever out's dtype), a floating operand as floats. Everything else computes in
 * out's domain. */
static bool binary_int_domain(int op, const ember_tensor* out, const ember_tensor* a,
                              const ember_tensor* b)
{
    if (op == BOP_LAND || op == BOP_LOR || op == BOP_LXOR || is_int_division(op))
        return ember_dtype_is_intlike(a->dtype) && ember_dtype_is_intlike(b->dtype);
    return ember_dtype_is_intlike(out->dtype);
}

static inline const char* int_division_name(int op)
{
    return op == BOP_DIV_TRUNC ? "division (rounding_mode \"trunc\")"
           : op == BOP_DIV_FLOOR ? "division (rounding_mode \"floor\")"
                                 : "remainder";
}

/* Fails with EMBER_DIVISION_BY_ZERO at the first chunk holding an integer zero divisor; the
 * chunks before it are already written. */
static ember_status binary_generic(ember_kernel_ctx* ctx, int op, const binary_impl* k,
                                   const ember_bcast* bc, ember_tensor* out, const ember_tensor* a,
                                   const ember_tensor* b, const ember_value* alpha)
{
    const int last = bc->rank - 1;
    const int64_t n = bc->sizes[last];
    const int64_t sa = bc->strides[1][last], sb = bc->strides[2][last];
    const int64_t rows = ember_bcast_rows(bc);
    const bool int_domain = binary_int_domain(op, out, a, b);
    if (int_domain ? !k->i64 : !k->f64) /* prepare refuses these dtypes */
        return ember_kernel_fail(ctx, EMBER_INTERNAL, "no %s kernel", int_domain ? "integer" : "floating");
    double alpha_d = 1.0;
    int64_t alpha_i = 1;
    if (alpha) {
        ember_scalar_as_double(alpha, &alpha_d);
        ember_scalar_as_int(alpha, &alpha_i);
    }
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[3] = {0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            if (int_domain) {
                int64_t x[EMBER_CHUNK], y[EMBER_CHUNK], z[EMBER_CHUNK];
                ember_load_i64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
                ember_load_i64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
                if (!k->i64(z, x, y, alpha_i, m))
                    return ember_kernel_fail(ctx, EMBER_DIVISION_BY_ZERO,
                                             "integer %s by zero", int_division_name(op));
                ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, z, m);
            } else {
                double x[EMBER_CHUNK], y[EMBER_CHUNK], z[EMBER_CHUNK];
                ember_load_f64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
                ember_load_f64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
                k->f64(z, x, y, alpha_d, m);
                ember_store_f64_row(out->data, out->dtype, off[0] + j, 1, z, m);
            }
        }
        ember_bcast_next(bc, idx, off);
    }
    return EMBER_OK;
}

/* ---- the operators ----------------------------------------------------------------------- */

/* Where each operator finds its arguments in the KernelCall. */
typedef struct binary_spec {
    int8_t op;     /* BOP_* */
    int8_t nargs;  /* KernelCall arg count */
    bool scalar;   /* args[1] is a Scalar, not a Tensor */
    int8_t alpha;  /* index of alpha, -1 if none */
    int8_t mode;   /* index of rounding_mode, -1 if none */
    bool swap;     /* rsub: compute other ⊕ self */
    int8_t out;    /* index of out */
    const binary_impl* impl; /* [0]; with a mode [op - BOP_DIV]: true, trunc, floor division */
} binary_spec;

/* div.out_mode: None → true division, "trunc", "floor". */
static int mode_op(const ember_value* v)
{
    if (ember_is_null(v)) return BOP_DIV;
    return v->u.str[0] == 't' ? BOP_DIV_TRUNC : BOP_DIV_FLOOR;
}

static ember_status binary_run(ember_kernel_ctx* ctx, ember_value* const* args,
                               const binary_spec* s)
{
    ember_tensor* out = args[s->out]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const ember_tensor* self = args[0]->u.t;
    ember_scalar_box box;
    const ember_tensor* other =
        s->scalar ? ember_scalar_tensor(&box, args[1], self->dtype) : args[1]->u.t;
    const int op = s->mode >= 0 ? mode_op(args[s->mode]) : s->op;
    const ember_tensor* a = s->swap ? other : self;
    const ember_tensor* b = s->swap ? self : other;
    const ember_tensor* ins[2] = {a, b};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 2);
    const binary_impl* k = &s->impl[s->mode >= 0 ? op - BOP_DIV : 0];
    if (out->dtype == EMBER_DTYPE_F32 && a->dtype == EMBER_DTYPE_F32 &&
        b->dtype == EMBER_DTYPE_F32 && k->f32.vv) {
        double alpha = 1.0;
        if (s->alpha >= 0) ember_scalar_as_double(args[s->alpha], &alpha);
        f32_binary_rows(&k->f32, &bc, (float*)out->data, (const float*)a->data,
                        (const float*)b->data, (float)alpha);
        return EMBER_OK;
    }
    return binary_generic(ctx, op, k, &bc, out, a, b, s->alpha >= 0 ? args[s->alpha] : NULL);
}

static ember_status binary_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                   size_t num_args, const binary_spec* s)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, s->nargs);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    if (s->scalar) EMBER_TRY(ember_arg_scalar(ctx, args, 1, "other"));
    else EMBER_TRY(ember_arg_tensor(ctx, args, 1, "other", EMBER_DTYPES_NUMERIC, NULL));
    if (s->alpha >= 0) EMBER_TRY(ember_arg_scalar(ctx, args, (size_t)s->alpha, "alpha"));
    int op = s->op;
    if (s->mode >= 0) {
        const ember_value* m = args[s->mode];
        EMBER_TRY(
            ember_arg_opt_kind(ctx, args, (size_t)s->mode, "rounding_mode", EMBER_VALUE_STRING));
        if (!ember_is_null(m)) {
            EMBER_REQUIRE(ctx, strcmp(m->u.str, "trunc") == 0 || strcmp(m->u.str, "floor") == 0,
                          EMBER_INVALID_ARGUMENT,
                          "rounding_mode must be None, \"trunc\" or \"floor\", got \"%s\"",
                          m->u.str);
        }
        op = mode_op(m);
    }
    EMBER_TRY(ember_arg_out(ctx, args, (size_t)s->out, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, (size_t)s->out + 1, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* out = args[s->out]->u.t;
    if (s->scalar) {
        EMBER_TRY(ember_check_same_shape(ctx, "out", out, self));
    } else {
        const ember_tensor* ins[2] = {self, args[1]->u.t};
        EMBER_TRY(ember_check_broadcast_out(ctx, out, ins, 2));
    }
    if (op == BOP_DIV) {
        EMBER_REQUIRE(ctx, ember_dtype_is_float(out->dtype), EMBER_DTYPE_MISMATCH,
                      "true division needs a floating out, got %s", ember_dtype_name(out->dtype));
    }
    if (op == BOP_BAND || op == BOP_BOR) {
        bool ok = ember_dtype_is_intlike(out->dtype) && ember_dtype_is_intlike(self->dtype) &&
                  (s->scalar ? args[1]->tag != EMBER_VALUE_DOUBLE
                             : ember_dtype_is_intlike(args[1]->u.t->dtype));
        EMBER_REQUIRE(ctx, ok, EMBER_DTYPE_MISMATCH,
                      "bitwise ops need integer or bool operands, got %s and out %s",
                      ember_dtype_name(self->dtype), ember_dtype_name(out->dtype));
    }
    return EMBER_OK;
}

/* The kernels of each op (a selective build links only those its operators name). */
#define F32_NONE {NULL, NULL, NULL}
#define IMPL(f32, name, f64, i64) static const binary_impl impl_##name[1] = {{f32, f64, i64}};
IMPL(F32_KERNELS(add), add, f64_binary_add, i64_binary_add)
IMPL(F32_KERNELS(sub), sub, f64_binary_sub, i64_binary_sub)
IMPL(F32_KERNELS(mul), mul, f64_binary_mul, i64_binary_mul)
IMPL(F32_KERNELS(div), div, f64_binary_div, NULL)
IMPL(F32_KERNELS(pow), pow, f64_binary_pow, i64_binary_pow)
IMPL(F32_KERNELS(maximum), maximum, f64_binary_maximum, i64_binary_maximum)
IMPL(F32_KERNELS(minimum), minimum, f64_binary_minimum, i64_binary_minimum)
IMPL(F32_KERNELS(remainder), remainder, f64_binary_remainder, i64_binary_remainder)
IMPL(F32_NONE, logical_and, f64_binary_logical_and, i64_binary_logical_and)
IMPL(F32_NONE, logical_or, f64_binary_logical_or, i64_binary_logical_or)
IMPL(F32_NONE, logical_xor, f64_binary_logical_xor, i64_binary_logical_xor)
IMPL(F32_NONE, bitwise_and, NULL, i64_binary_bitwise_and)
IMPL(F32_NONE, bitwise_or, NULL, i64_binary_bitwise_or)
#undef IMPL
/* div with a rounding_mode: [op - BOP_DIV] */
static const binary_impl impl_div_mode[3] = {
    {F32_KERNELS(div), f64_binary_div, NULL},
    {F32_KERNELS(div_trunc), f64_binary_div_trunc, i64_binary_div_trunc},
    {F32_KERNELS(div_floor), f64_binary_div_floor, i64_binary_div_floor},
};
_Static_assert(BOP_DIV_TRUNC == BOP_DIV + 1 && BOP_DIV_FLOOR == BOP_DIV + 2, "impl_div_mode's order");

/* One spec, run and prepare per operator. */
#define BINARY_OP(sym, ...)                                                                     \
    static const binary_spec spec_##sym = {__VA_ARGS__};                                        \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        return binary_run(ctx, args, &spec_##sym);                                              \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(binary_prepare(ctx, args, num_args, &spec_##sym));                            \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

/*          symbol                     op        nargs scalar alpha mode swap out  kernels */
BINARY_OP(aten_add_out,               BOP_ADD,  5, false, 2, -1, false, 3, impl_add)
BINARY_OP(aten_add_Scalar_out,        BOP_ADD,  5, true,  2, -1, false, 3, impl_add)
BINARY_OP(aten_sub_out,               BOP_SUB,  5, false, 2, -1, false, 3, impl_sub)
BINARY_OP(aten_sub_Scalar_out,        BOP_SUB,  5, true,  2, -1, false, 3, impl_sub)
BINARY_OP(aten_rsub_Scalar_out,       BOP_SUB,  5, true,  2, -1, true,  3, impl_sub)
BINARY_OP(aten_mul_out,               BOP_MUL,  4, false, -1, -1, false, 2, impl_mul)
BINARY_OP(aten_mul_Scalar_out,        BOP_MUL,  4, true,  -1, -1, false, 2, impl_mul)
BINARY_OP(aten_div_out,               BOP_DIV,  4, false, -1, -1, false, 2, impl_div)
BINARY_OP(aten_div_Scalar_out,        BOP_DIV,  4, true,  -1, -1, false, 2, impl_div)
BINARY_OP(aten_div_out_mode,          BOP_DIV,  5, false, -1, 2, false, 3, impl_div_mode)
BINARY_OP(aten_div_Scalar_mode_out,   BOP_DIV,  5, true,  -1, 2, false, 3, impl_div_mode)
BINARY_OP(aten_pow_Tensor_Scalar_out, BOP_POW,  4, true,  -1, -1, false, 2, impl_pow)
BINARY_OP(aten_pow_Tensor_Tensor_out, BOP_POW,  4, false, -1, -1, false, 2, impl_pow)
BINARY_OP(aten_maximum_out,           BOP_MAX,  4, false, -1, -1, false, 2, impl_maximum)
BINARY_OP(aten_minimum_out,           BOP_MIN,  4, false, -1, -1, false, 2, impl_minimum)
BINARY_OP(aten_remainder_Scalar_out,  BOP_REM,  4, true,  -1, -1, false, 2, impl_remainder)
BINARY_OP(aten_remainder_Tensor_out,  BOP_REM,  4, false, -1, -1, false, 2, impl_remainder)
BINARY_OP(aten_logical_and_out,       BOP_LAND, 4, false, -1, -1, false, 2, impl_logical_and)
BINARY_OP(aten_logical_or_out,        BOP_LOR,  4, false, -1, -1, false, 2, impl_logical_or)
BINARY_OP(aten_logical_xor_out,       BOP_LXOR, 4, false, -1, -1, false, 2, impl_logical_xor)
BINARY_OP(aten_bitwise_and_Tensor_out, BOP_BAND, 4, false, -1, -1, false, 2, impl_bitwise_and)
BINARY_OP(aten_bitwise_or_Tensor_out, BOP_BOR,  4, false, -1, -1, false, 2, impl_bitwise_or)
