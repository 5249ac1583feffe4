/* op_elementary.c — elementwise functions beyond op_unary.c's: tan, asin, acos, atan, sinh,
 * cosh, asinh, acosh, atanh, log2, log10, trunc, isinf, and the two-argument atan2 (with
 * numpy-style broadcasting).
 *
 * Elements are read as double, computed with libm's double function and rounded once into out
 * (whose dtype the exporter computed: floating for an integer input, as torch promotes; bool for
 * isinf). trunc of an integer tensor is a copy (through int64, exact); isinf of an integer
 * tensor is all false. */
#include "kernels/broadcast.h"
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

enum { EF_TAN, EF_ASIN, EF_ACOS, EF_ATAN, EF_SINH, EF_COSH, EF_ASINH, EF_ACOSH, EF_ATANH,
       EF_LOG2, EF_LOG10, EF_TRUNC, EF_ISINF };

static void f64_elementary(int op, double* x, size_t n)
{
    switch (op) {
    case EF_TAN: for (size_t i = 0; i < n; i++) x[i] = tan(x[i]); break;
    case EF_ASIN: for (size_t i = 0; i < n; i++) x[i] = asin(x[i]); break;
    case EF_ACOS: for (size_t i = 0; i < n; i++) x[i] = acos(x[i]); break;
    case EF_ATAN: for (size_t i = 0; i < n; i++) x[i] = atan(x[i]); break;
    case EF_SINH: for (size_t i = 0; i < n; i++) x[i] = sinh(x[i]); break;
    case EF_COSH: for (size_t i = 0; i < n; i++) x[i] = cosh(x[i]); break;
    case EF_ASINH: for (size_t i = 0; i < n; i++) x[i] = asinh(x[i]); break;
    case EF_ACOSH: for (size_t i = 0; i < n; i++) x[i] = acosh(x[i]); break;
    case EF_ATANH: for (size_t i = 0; i < n; i++) x[i] = atanh(x[i]); break;
    case EF_LOG2: for (size_t i = 0; i < n; i++) x[i] = log2(x[i]); break;
    case EF_LOG10: for (size_t i = 0; i < n; i++) x[i] = log10(x[i]); break;
    case EF_TRUNC: for (size_t i = 0; i < n; i++) x[i] = trunc(x[i]); break;
    case EF_ISINF: for (size_t i = 0; i < n; i++) x[i] = isinf(x[i]) ? 1.0 : 0.0; break;
    default: break;
    }
}

/* [self, out, out] */
static ember_status elementary_run(ember_value* const* args, int op)
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
            f64_elementary(op, x, m);
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

#define ELEMENTARY_OP(sym, op)                                                                  \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        (void)ctx;                                                                              \
        return elementary_run(args, op);                                                        \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(elementary_prepare(ctx, args, num_args, op));                                    \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

ELEMENTARY_OP(aten_tan_out, EF_TAN)
ELEMENTARY_OP(aten_asin_out, EF_ASIN)
ELEMENTARY_OP(aten_acos_out, EF_ACOS)
ELEMENTARY_OP(aten_atan_out, EF_ATAN)
ELEMENTARY_OP(aten_sinh_out, EF_SINH)
ELEMENTARY_OP(aten_cosh_out, EF_COSH)
ELEMENTARY_OP(aten_asinh_out, EF_ASINH)
ELEMENTARY_OP(aten_acosh_out, EF_ACOSH)
ELEMENTARY_OP(aten_atanh_out, EF_ATANH)
ELEMENTARY_OP(aten_log2_out, EF_LOG2)
ELEMENTARY_OP(aten_log10_out, EF_LOG10)
ELEMENTARY_OP(aten_trunc_out, EF_TRUNC)
ELEMENTARY_OP(aten_isinf_out, EF_ISINF)

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
