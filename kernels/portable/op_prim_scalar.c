/* op_prim_scalar.c — the scalar ops of programs with dynamic shapes (ExecuTorch's prim ops,
 * executorch/exir/passes/executorch_prim_ops_registry.py): a size read from a tensor, a value
 * read from a tensor's one element, and arithmetic on them. Each writes its result into its
 * last argument, an Int, Double or Bool value, declared with ember_kernel_scalar_out (the
 * loader then prepares the kernels reading it, or an int list naming it, again before every
 * run):
 *   aten::sym_size.int [self, dim, out]    out = self.size(dim), dim in [-rank, rank)
 *   aten::sym_numel [self, out]             out = self.numel()
 *   aten::_local_scalar_dense [self, out]   out = self.item() (at the end of this file)
 *   executorch_prim::add / sub / mul / floordiv / truediv / mod / eq / gt / lt / ge / le /
 *       sym_max / sym_min.Scalar [a, b, out]
 *   executorch_prim::neg / sym_float / sym_int / ceil / round / trunc / sym_not.Scalar [a, out]
 * a and b are Int, Double or Bool values. As Python computes them: Ints (Bools as 0 and 1) in
 * int64, floordiv and mod rounding toward minus infinity; a Double operand makes the result a
 * double (floordiv floor(a / b)); truediv and sym_float give a double; ceil, round (half to
 * even), trunc and sym_int an int; comparisons and sym_not a bool. An int result past int64 or
 * an int division by zero fails with EMBER_INVALID_ARGUMENT. The result is stored as the out's
 * kind (torch's SymInt, SymFloat, SymBool): an Int out takes a double truncated (it must lie in
 * int64), a Bool out any nonzero. Prepare computes the value too, so that the kernels prepared
 * after it at load see the sizes the tensors have then (_local_scalar_dense: see there). */
#include <math.h>

#include "kernels/kernel_util.h"

typedef enum {
    P_ADD, P_SUB, P_MUL, P_FLOORDIV, P_TRUEDIV, P_MOD, P_EQ, P_GT, P_LT, P_GE, P_LE, P_MAX, P_MIN,
    P_NEG, P_FLOAT, P_INT, P_CEIL, P_ROUND, P_TRUNC, P_NOT
} prim_op;

/* A number as Python holds it: an int (Bools too) or a double; kind 2 for a bool result. */
typedef struct num {
    int kind; /* 0 int, 1 double, 2 bool */
    int64_t i;
    double d;
} num;

static num num_of(const ember_value* v)
{
    num n = {0, 0, 0.0};
    if (v->tag == EMBER_VALUE_DOUBLE) n.kind = 1, n.d = v->u.d;
    else n.i = v->tag == EMBER_VALUE_BOOL ? (v->u.b ? 1 : 0) : v->u.i;
    return n;
}

static double as_d(num n) { return n.kind == 1 ? n.d : ember_i64_to_double(n.i); }

/* A double to an int result: finite and in int64 after `how` (trunc, floor, ...). */
static bool d_to_int(double x, num* r)
{
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return false;
    r->kind = 0, r->i = (int64_t)x;
    return true;
}

/* The op on a (and b); false when the result is no number (see the top). */
static bool compute(prim_op op, num a, num b, num* r)
{
    const bool dbl = a.kind == 1 || b.kind == 1;
    *r = (num){dbl ? 1 : 0, 0, 0.0};
    switch (op) {
    case P_ADD:
        if (dbl) return r->d = as_d(a) + as_d(b), true;
        return !__builtin_add_overflow(a.i, b.i, &r->i);
    case P_SUB:
        if (dbl) return r->d = as_d(a) - as_d(b), true;
        return !__builtin_sub_overflow(a.i, b.i, &r->i);
    case P_MUL:
        if (dbl) return r->d = as_d(a) * as_d(b), true;
        return !__builtin_mul_overflow(a.i, b.i, &r->i);
    case P_FLOORDIV:
        if (dbl) return r->d = floor(as_d(a) / as_d(b)), true;
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return false;
        r->i = a.i / b.i - ((a.i % b.i != 0) && ((a.i < 0) != (b.i < 0)));
        return true;
    case P_TRUEDIV: return r->kind = 1, r->d = as_d(a) / as_d(b), true;
    case P_MOD:
        if (dbl) {
            const double m = fmod(as_d(a), as_d(b));
            return r->d = (m != 0 && ((m < 0) != (as_d(b) < 0))) ? m + as_d(b) : m, true;
        }
        if (b.i == 0) return false;
        r->i = b.i == -1 ? 0 : a.i % b.i;
        if (r->i != 0 && ((r->i < 0) != (b.i < 0))) r->i += b.i;
        return true;
    case P_EQ: case P_GT: case P_LT: case P_GE: case P_LE: {
        const int c = dbl ? (as_d(a) > as_d(b)) - (as_d(a) < as_d(b)) : (a.i > b.i) - (a.i < b.i);
        const bool nan = dbl && (isnan(as_d(a)) || isnan(as_d(b)));
        r->kind = 2;
        r->i = !nan && (op == P_EQ ? c == 0 : op == P_GT ? c > 0 : op == P_LT ? c < 0
                                   : op == P_GE ? c >= 0 : c <= 0);
        return true;
    }
    case P_MAX: case P_MIN: {
        const bool first = dbl ? (op == P_MAX ? as_d(a) >= as_d(b) : as_d(a) <= as_d(b))
                               : (op == P_MAX ? a.i >= b.i : a.i <= b.i);
        if (dbl) return r->d = as_d(first ? a : b), true;
        return r->i = first ? a.i : b.i, true;
    }
    case P_NEG:
        if (dbl) return r->d = -a.d, true;
        return a.i != INT64_MIN && (r->i = -a.i, true);
    case P_FLOAT: return r->kind = 1, r->d = as_d(a), true;
    case P_INT: return a.kind == 1 ? d_to_int(trunc(a.d), r) : (r->i = a.i, true);
    case P_CEIL: return a.kind == 1 ? d_to_int(ceil(a.d), r) : (r->i = a.i, true);
    case P_ROUND: return a.kind == 1 ? d_to_int(nearbyint(a.d), r) : (r->i = a.i, true);
    case P_TRUNC: return a.kind == 1 ? d_to_int(trunc(a.d), r) : (r->i = a.i, true);
    case P_NOT: return r->kind = 2, r->i = as_d(a) == 0.0, true;
    }
    return false;
}

/* r into out as out's kind; false if an Int out cannot hold it. */
static bool store(ember_value* out, num r)
{
    switch (out->tag) {
    case EMBER_VALUE_INT:
        if (r.kind == 1) {
            num t;
            if (!d_to_int(trunc(r.d), &t)) return false;
            r.i = t.i;
        }
        out->u.i = r.i;
        return true;
    case EMBER_VALUE_DOUBLE: out->u.d = as_d(r); return true;
    default: out->u.b = r.kind == 1 ? r.d != 0.0 : r.i != 0; return true;
    }
}

/* args: [a, b, out] (two operands) or [a, out]. */
static ember_status apply(ember_kernel_ctx* ctx, ember_value* const* args, prim_op op, int operands)
{
    const num a = num_of(args[0]), b = operands == 2 ? num_of(args[1]) : a;
    num r;
    EMBER_REQUIRE(ctx, compute(op, a, b, &r) && store(args[operands], r), EMBER_INVALID_ARGUMENT,
                  "%s: no result in its type (an int past int64, or an int division by zero)",
                  ctx->op_name);
    return EMBER_OK;
}

static ember_status prepare_prim(ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args,
                                 prim_op op, int operands)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, (size_t)operands + 1);
    EMBER_TRY(ember_arg_scalar(ctx, args, 0, "a"));
    if (operands == 2) EMBER_TRY(ember_arg_scalar(ctx, args, 1, "b"));
    EMBER_TRY(ember_kernel_scalar_out(ctx, args, (size_t)operands));
    return apply(ctx, args, op, operands);
}

#define PRIM(name, op, operands)                                                                \
    static ember_status run_##name(ember_kernel_ctx* ctx, ember_value* const* args)            \
    {                                                                                           \
        return apply(ctx, args, op, operands);                                                  \
    }                                                                                           \
    ember_status ember_prepare_executorch_prim_##name##_Scalar(                                 \
        ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args,                       \
        ember_kernel_run_fn* run)                                                               \
    {                                                                                           \
        EMBER_TRY(prepare_prim(ctx, args, num_args, op, operands));                             \
        *run = run_##name;                                                                      \
        return EMBER_OK;                                                                        \
    }
PRIM(add, P_ADD, 2)
PRIM(sub, P_SUB, 2)
PRIM(mul, P_MUL, 2)
PRIM(floordiv, P_FLOORDIV, 2)
PRIM(truediv, P_TRUEDIV, 2)
PRIM(mod, P_MOD, 2)
PRIM(eq, P_EQ, 2)
PRIM(gt, P_GT, 2)
PRIM(lt, P_LT, 2)
PRIM(ge, P_GE, 2)
PRIM(le, P_LE, 2)
PRIM(sym_max, P_MAX, 2)
PRIM(sym_min, P_MIN, 2)
PRIM(neg, P_NEG, 1)
PRIM(sym_float, P_FLOAT, 1)
PRIM(sym_int, P_INT, 1)
PRIM(ceil, P_CEIL, 1)
PRIM(round, P_ROUND, 1)
PRIM(trunc, P_TRUNC, 1)
PRIM(sym_not, P_NOT, 1)
#undef PRIM

/* ---- sizes -------------------------------------------------------------------------------- */

static ember_status run_sym_size(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    const int64_t d = args[1]->u.i < 0 ? args[1]->u.i + self->dim : args[1]->u.i;
    args[2]->u.i = self->sizes[d];
    return EMBER_OK;
}

ember_status ember_prepare_aten_sym_size_int(ember_kernel_ctx* ctx, ember_value* const* args,
                                             size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "self", EMBER_DTYPES_ALL, true, &self));
    const int64_t rank = self->dim;
    EMBER_REQUIRE(ctx, rank > 0, EMBER_INVALID_ARGUMENT, "self is a scalar tensor: it has no dims");
    EMBER_TRY(ember_arg_int_in(ctx, args, 1, "dim", -rank, rank - 1, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "out", EMBER_VALUE_INT));
    EMBER_TRY(ember_kernel_scalar_out(ctx, args, 2));
    *run = run_sym_size;
    return run_sym_size(ctx, args);
}

static ember_status run_sym_numel(ember_kernel_ctx* ctx, ember_value* const* args)
{
    args[1]->u.i = args[0]->u.t->numel;
    return EMBER_OK;
}

ember_status ember_prepare_aten_sym_numel(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 2);
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "self", EMBER_DTYPES_ALL, true, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "out", EMBER_VALUE_INT));
    EMBER_TRY(ember_kernel_scalar_out(ctx, args, 1));
    *run = run_sym_numel;
    return run_sym_numel(ctx, args);
}

/* ---- a tensor's one element ----------------------------------------------------------------
 * aten::_local_scalar_dense [self, out]: tensor.item(), which ExecuTorch emits for a value read
 * from a tensor's data (an LLM's start position: input_pos[0].item()). self has one element;
 * as Python reads it, an integer dtype gives an int, a float dtype a double, bool a bool, stored
 * as the out's kind like the ops above (a float into an Int out truncated; NaN or past int64
 * fails). The data is known only when run runs (an input the caller sets, an earlier
 * instruction's out): prepare writes the element of a constant self, and 0 otherwise, which
 * the kernels reading the out see at load; the loader prepares them again before each run with
 * the value run wrote. */

static num item_of(const ember_tensor* t)
{
    num n = {0, 0, 0.0};
    if (t->dtype == EMBER_DTYPE_BOOL)
        n.kind = 2, n.i = *(const uint8_t*)t->data != 0;
    else if (ember_dtype_is_int(t->dtype))
        ember_load_i64_row(&n.i, t->data, t->dtype, 0, 1, 1);
    else
        n.kind = 1, n.d = ember_load_f64(t->data, t->dtype, 0);
    return n;
}

static ember_status run_local_scalar_dense(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const num r = item_of(args[0]->u.t);
    EMBER_REQUIRE(ctx, store(args[1], r), EMBER_INVALID_ARGUMENT,
                  "self holds %s, which the Int out cannot hold (NaN, or past int64)",
                  EMBER_DOUBLE_STR(r.d));
    return EMBER_OK;
}

ember_status ember_prepare_aten__local_scalar_dense(ember_kernel_ctx* ctx,
                                                    ember_value* const* args, size_t num_args,
                                                    ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 2);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, true, &self));
    EMBER_REQUIRE(ctx, self->numel == 1, EMBER_INVALID_ARGUMENT,
                  "self has %lld elements: item() reads a tensor of exactly one",
                  (long long)self->numel);
    EMBER_TRY(ember_kernel_scalar_out(ctx, args, 1));
    *run = run_local_scalar_dense;
    if (self->storage == EMBER_TENSOR_CONSTANT) return run_local_scalar_dense(ctx, args);
    store(args[1], (num){0, 0, 0.0});
    return EMBER_OK;
}
