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
static const f32_binary_kernels f32_kernels[BOP_COUNT] = {
    [BOP_ADD] = F32_KERNELS(add),           [BOP_SUB] = F32_KERNELS(sub),
    [BOP_MUL] = F32_KERNELS(mul),           [BOP_DIV] = F32_KERNELS(div),
    [BOP_DIV_TRUNC] = F32_KERNELS(div_trunc), [BOP_DIV_FLOOR] = F32_KERNELS(div_floor),
    [BOP_POW] = F32_KERNELS(pow),           [BOP_MAX] = F32_KERNELS(maximum),
    [BOP_MIN] = F32_KERNELS(minimum),       [BOP_REM] = F32_KERNELS(remainder),
};

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

static void f64_binary_chunk(int op, double* z, const double* x, const double* y, double alpha,
                             size_t n)
{
    switch (op) {
    case BOP_ADD: for (size_t i = 0; i < n; i++) z[i] = x[i] + alpha * y[i]; break;
    case BOP_SUB: for (size_t i = 0; i < n; i++) z[i] = x[i] - alpha * y[i]; break;
    case BOP_MUL: for (size_t i = 0; i < n; i++) z[i] = x[i] * y[i]; break;
    case BOP_DIV: for (size_t i = 0; i < n; i++) z[i] = x[i] / y[i]; break;
    case BOP_DIV_TRUNC: for (size_t i = 0; i < n; i++) z[i] = trunc(x[i] / y[i]); break;
    case BOP_DIV_FLOOR: for (size_t i = 0; i < n; i++) z[i] = floor(x[i] / y[i]); break;
    case BOP_POW: for (size_t i = 0; i < n; i++) z[i] = pow(x[i], y[i]); break;
    case BOP_MAX:
        for (size_t i = 0; i < n; i++)
            z[i] = isnan(x[i]) ? x[i] : isnan(y[i]) ? y[i] : (x[i] > y[i] ? x[i] : y[i]);
        break;
    case BOP_MIN:
        for (size_t i = 0; i < n; i++)
            z[i] = isnan(x[i]) ? x[i] : isnan(y[i]) ? y[i] : (x[i] < y[i] ? x[i] : y[i]);
        break;
    case BOP_REM:
        for (size_t i = 0; i < n; i++) {
            double r = fmod(x[i], y[i]);
            z[i] = (r != 0.0 && ((r < 0.0) != (y[i] < 0.0))) ? r + y[i] : r;
        }
        break;
    case BOP_LAND: for (size_t i = 0; i < n; i++) z[i] = (x[i] != 0.0) && (y[i] != 0.0); break;
    case BOP_LOR: for (size_t i = 0; i < n; i++) z[i] = (x[i] != 0.0) || (y[i] != 0.0); break;
    case BOP_LXOR: for (size_t i = 0; i < n; i++) z[i] = (x[i] != 0.0) != (y[i] != 0.0); break;
    default: break; /* bitwise ops never compute in double (rejected at prepare) */
    }
}

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

/* Returns false, before writing anything, if a trunc/floor division or remainder has a zero
 * divisor in the chunk (torch raises ZeroDivisionError); INT64_MIN / -1 wraps. */
static bool i64_binary_chunk(int op, int64_t* z, const int64_t* x, const int64_t* y,
                             int64_t alpha, size_t n)
{
    const uint64_t ua = (uint64_t)alpha;
    if (is_int_division(op))
        for (size_t i = 0; i < n; i++)
            if (y[i] == 0) return false;
    switch (op) {
    case BOP_ADD:
        for (size_t i = 0; i < n; i++) z[i] = (int64_t)((uint64_t)x[i] + ua * (uint64_t)y[i]);
        break;
    case BOP_SUB:
        for (size_t i = 0; i < n; i++) z[i] = (int64_t)((uint64_t)x[i] - ua * (uint64_t)y[i]);
        break;
    case BOP_MUL:
        for (size_t i = 0; i < n; i++) z[i] = (int64_t)((uint64_t)x[i] * (uint64_t)y[i]);
        break;
    case BOP_DIV_TRUNC:
    case BOP_DIV_FLOOR:
        for (size_t i = 0; i < n; i++) {
            int64_t a = x[i], b = y[i], q;
            if (b == -1) q = (int64_t)(0 - (uint64_t)a);
            else {
                q = a / b;
                if (op == BOP_DIV_FLOOR && a % b != 0 && ((a < 0) != (b < 0))) q--;
            }
            z[i] = q;
        }
        break;
    case BOP_POW: for (size_t i = 0; i < n; i++) z[i] = i64_pow(x[i], y[i]); break;
    case BOP_MAX: for (size_t i = 0; i < n; i++) z[i] = x[i] > y[i] ? x[i] : y[i]; break;
    case BOP_MIN: for (size_t i = 0; i < n; i++) z[i] = x[i] < y[i] ? x[i] : y[i]; break;
    case BOP_REM:
        for (size_t i = 0; i < n; i++) {
            int64_t a = x[i], b = y[i], r;
            if (b == -1) r = 0;
            else {
                r = a % b;
                if (r != 0 && ((r < 0) != (b < 0))) r += b;
            }
            z[i] = r;
        }
        break;
    case BOP_LAND: for (size_t i = 0; i < n; i++) z[i] = (x[i] != 0) && (y[i] != 0); break;
    case BOP_LOR: for (size_t i = 0; i < n; i++) z[i] = (x[i] != 0) || (y[i] != 0); break;
    case BOP_LXOR: for (size_t i = 0; i < n; i++) z[i] = (x[i] != 0) != (y[i] != 0); break;
    case BOP_BAND: for (size_t i = 0; i < n; i++) z[i] = x[i] & y[i]; break;
    case BOP_BOR: for (size_t i = 0; i < n; i++) z[i] = x[i] | y[i]; break;
    default: break; /* true division never computes in int64 (out must be float) */
    }
    return true;
}

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
static ember_status binary_generic(ember_kernel_ctx* ctx, int op, const ember_bcast* bc,
                                   ember_tensor* out, const ember_tensor* a,
                                   const ember_tensor* b, const ember_value* alpha)
{
    const int last = bc->rank - 1;
    const int64_t n = bc->sizes[last];
    const int64_t sa = bc->strides[1][last], sb = bc->strides[2][last];
    const int64_t rows = ember_bcast_rows(bc);
    const bool int_domain = binary_int_domain(op, out, a, b);
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
                if (!i64_binary_chunk(op, z, x, y, alpha_i, m))
                    return ember_kernel_fail(ctx, EMBER_DIVISION_BY_ZERO,
                                             "integer %s by zero", int_division_name(op));
                ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, z, m);
            } else {
                double x[EMBER_CHUNK], y[EMBER_CHUNK], z[EMBER_CHUNK];
                ember_load_f64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
                ember_load_f64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
                f64_binary_chunk(op, z, x, y, alpha_d, m);
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
    if (out->dtype == EMBER_DTYPE_F32 && a->dtype == EMBER_DTYPE_F32 &&
        b->dtype == EMBER_DTYPE_F32 && f32_kernels[op].vv) {
        double alpha = 1.0;
        if (s->alpha >= 0) ember_scalar_as_double(args[s->alpha], &alpha);
        f32_binary_rows(&f32_kernels[op], &bc, (float*)out->data, (const float*)a->data,
                        (const float*)b->data, (float)alpha);
        return EMBER_OK;
    }
    return binary_generic(ctx, op, &bc, out, a, b, s->alpha >= 0 ? args[s->alpha] : NULL);
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

/* One spec, run and prepare per operator. */
#define BINARY_OP(sym, ...)                                                                     \
    static const binary_spec spec_##sym = {__VA_ARGS__};                                        \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)                 \
    {                                                                                           \
        return binary_run(ctx, args, &spec_##sym);                                              \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(binary_prepare(ctx, args, num_args, &spec_##sym));                               \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

/*          symbol                     op             nargs scalar alpha mode swap out */
BINARY_OP(aten_add_out,               BOP_ADD,       5, false, 2, -1, false, 3)
BINARY_OP(aten_add_Scalar_out,        BOP_ADD,       5, true,  2, -1, false, 3)
BINARY_OP(aten_sub_out,               BOP_SUB,       5, false, 2, -1, false, 3)
BINARY_OP(aten_sub_Scalar_out,        BOP_SUB,       5, true,  2, -1, false, 3)
BINARY_OP(aten_rsub_Scalar_out,       BOP_SUB,       5, true,  2, -1, true,  3)
BINARY_OP(aten_mul_out,               BOP_MUL,       4, false, -1, -1, false, 2)
BINARY_OP(aten_mul_Scalar_out,        BOP_MUL,       4, true,  -1, -1, false, 2)
BINARY_OP(aten_div_out,               BOP_DIV,       4, false, -1, -1, false, 2)
BINARY_OP(aten_div_Scalar_out,        BOP_DIV,       4, true,  -1, -1, false, 2)
BINARY_OP(aten_div_out_mode,          BOP_DIV,       5, false, -1, 2, false, 3)
BINARY_OP(aten_div_Scalar_mode_out,   BOP_DIV,       5, true,  -1, 2, false, 3)
BINARY_OP(aten_pow_Tensor_Scalar_out, BOP_POW,       4, true,  -1, -1, false, 2)
BINARY_OP(aten_pow_Tensor_Tensor_out, BOP_POW,       4, false, -1, -1, false, 2)
BINARY_OP(aten_maximum_out,           BOP_MAX,       4, false, -1, -1, false, 2)
BINARY_OP(aten_minimum_out,           BOP_MIN,       4, false, -1, -1, false, 2)
BINARY_OP(aten_remainder_Scalar_out,  BOP_REM,       4, true,  -1, -1, false, 2)
BINARY_OP(aten_remainder_Tensor_out,  BOP_REM,       4, false, -1, -1, false, 2)
BINARY_OP(aten_logical_and_out,       BOP_LAND,      4, false, -1, -1, false, 2)
BINARY_OP(aten_logical_or_out,        BOP_LOR,       4, false, -1, -1, false, 2)
BINARY_OP(aten_logical_xor_out,       BOP_LXOR,      4, false, -1, -1, false, 2)
BINARY_OP(aten_bitwise_and_Tensor_out, BOP_BAND,     4, false, -1, -1, false, 2)
BINARY_OP(aten_bitwise_or_Tensor_out, BOP_BOR,       4, false, -1, -1, false, 2)
