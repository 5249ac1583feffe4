/* op_elementary.c — elementwise functions beyond op_unary.c's: tan, asin, acos, atan, sinh,
 * cosh, asinh, acosh, atanh, log2, log10, trunc, isinf, and the two-argument atan2 (with
 * numpy-style broadcasting).
 *
 * Elements are read as double, computed with libm's double function and rounded once into out
 * (whose dtype the exporter computed: floating for an integer input, as torch promotes; bool for
 * isinf). trunc of an integer tensor is a copy (through int64, exact); isinf of an integer
 * tensor is all false. */
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

enum { EF_MATH, EF_TRUNC, EF_ISINF }; /* what prepare checks: a floating out but for these two */

/* One function per op over a chunk of doubles, in place: an image links only the libm of the
 * ops its operator table names (a selective build). */
typedef void (*f64_elementary_fn)(double* x, size_t n);
#define F64_ELEMENTARY(name, EXPR)                                                              \
    static void f64_##name(double* x, size_t n)                                                 \
    {                                                                                           \
        for (size_t i = 0; i < n; i++) {                                                        \
            const double v = x[i];                                                              \
            x[i] = (EXPR);                                                                      \
        }                                                                                       \
    }
F64_ELEMENTARY(tan, tan(v))
F64_ELEMENTARY(asin, asin(v))
F64_ELEMENTARY(acos, acos(v))
F64_ELEMENTARY(atan, atan(v))
F64_ELEMENTARY(sinh, sinh(v))
F64_ELEMENTARY(cosh, cosh(v))
F64_ELEMENTARY(asinh, asinh(v))
F64_ELEMENTARY(acosh, acosh(v))
F64_ELEMENTARY(atanh, atanh(v))
F64_ELEMENTARY(log2, log2(v))
F64_ELEMENTARY(log10, log10(v))
F64_ELEMENTARY(trunc, trunc(v))
F64_ELEMENTARY(isinf, isinf(v) ? 1.0 : 0.0)

/* [self, out, out] */
static ember_status elementary_run(ember_value* const* args, int op, f64_elementary_fn f)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[1]->u.t;
    const int64_t n = out->numel;
    const bool int_copy = op == EF_TRUNC && ember_dtype_is_intlike(in->dtype);
    for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
        size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
        if (int_copy) {
            int64_t x[EMBER_CHUNK];
            ember_load_i64_row(x, in->data, in->dtype, j, 1, m);
            ember_store_i64_row(out->data, out->dtype, j, 1, x, m);
        } else {
            double x[EMBER_CHUNK];
            ember_load_f64_row(x, in->data, in->dtype, j, 1, m);
            f(x, m);
            ember_store_f64_row(out->data, out->dtype, j, 1, x, m);
        }
    }
    return EMBER_OK;
}

static ember_status elementary_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                       size_t num_args, int op)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 1, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[1]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    if (op == EF_ISINF)
        EMBER_REQUIRE(ctx, out->dtype == EMBER_DTYPE_BOOL, EMBER_DTYPE_MISMATCH,
                      "out must be bool, got %s", ember_dtype_name(out->dtype));
    else if (op != EF_TRUNC)
        EMBER_REQUIRE(ctx, ember_dtype_is_float(out->dtype), EMBER_DTYPE_MISMATCH,
                      "out must be floating point, got %s", ember_dtype_name(out->dtype));
    return EMBER_OK;
}

#define ELEMENTARY_OP(sym, op, name)                                                            \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        (void)ctx;                                                                              \
        return elementary_run(args, op, f64_##name);                                            \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(elementary_prepare(ctx, args, num_args, op));                                 \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

ELEMENTARY_OP(aten_tan_out, EF_MATH, tan)
ELEMENTARY_OP(aten_asin_out, EF_MATH, asin)
ELEMENTARY_OP(aten_acos_out, EF_MATH, acos)
ELEMENTARY_OP(aten_atan_out, EF_MATH, atan)
ELEMENTARY_OP(aten_sinh_out, EF_MATH, sinh)
ELEMENTARY_OP(aten_cosh_out, EF_MATH, cosh)
ELEMENTARY_OP(aten_asinh_out, EF_MATH, asinh)
ELEMENTARY_OP(aten_acosh_out, EF_MATH, acosh)
ELEMENTARY_OP(aten_atanh_out, EF_MATH, atanh)
ELEMENTARY_OP(aten_log2_out, EF_MATH, log2)
ELEMENTARY_OP(aten_log10_out, EF_MATH, log10)
ELEMENTARY_OP(aten_trunc_out, EF_TRUNC, trunc)
ELEMENTARY_OP(aten_isinf_out, EF_ISINF, isinf)

/* atan2.out: [self, other, out, out] — atan2(self, other) over broadcast rows. */
static ember_status run_atan2(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    ember_tensor* out = args[2]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const ember_tensor* ins[2] = {a, b};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 2);
    const int last = bc.rank - 1;
    const int64_t n = bc.sizes[last], sa = bc.strides[1][last], sb = bc.strides[2][last];
    const int64_t rows = ember_bcast_rows(&bc);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[3] = {0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            double x[EMBER_CHUNK], y[EMBER_CHUNK];
            ember_load_f64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
            ember_load_f64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
            for (size_t i = 0; i < m; i++) x[i] = atan2(x[i], y[i]);
            ember_store_f64_row(out->data, out->dtype, off[0] + j, 1, x, m);
        }
        ember_bcast_next(&bc, idx, off);
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_atan2_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "other", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* ins[2] = {args[0]->u.t, args[1]->u.t};
    EMBER_TRY(ember_check_broadcast_out(ctx, args[2]->u.t, ins, 2));
    EMBER_REQUIRE(ctx, ember_dtype_is_float(args[2]->u.t->dtype), EMBER_DTYPE_MISMATCH,
                  "out must be floating point, got %s", ember_dtype_name(args[2]->u.t->dtype));
    *run = run_atan2;
    return EMBER_OK;
}
