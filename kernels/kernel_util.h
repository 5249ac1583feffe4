/* kernel_util.h — the one vocabulary every kernel (portable, optimized, quantized) speaks in
 * prepare and run. Everything here is static inline, allocates nothing and keeps no state.
 *
 * A prepare reads its arguments with the getters and checkers below; each failure writes one
 * message through ember_kernel_fail ("<what> (argument <i>) must be an int ...") and returns its
 * status, which EMBER_TRY passes on:
 *
 *     ember_tensor *self, *out;
 *     EMBER_REQUIRE_NARGS(ctx, num_args, 4);
 *     EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_F32_HALF, &self));
 *     EMBER_TRY(ember_arg_int_in(ctx, args, 1, "dim", -self->dim, self->dim - 1, NULL));
 *     EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_F32_HALF, &out));
 *     EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
 *     EMBER_TRY(ember_check_same_shape(ctx, "out", out, self));
 *     *run = run_my_op; // re-reads args[0]->u.t, args[1]->u.i ...; checks nothing
 *
 * The sections, in order: failing and TRY; dtype sets and predicates (EMBER_DTYPES_X,
 * ember_dtype_is_x); shapes; tensor checks (ember_check_*); arguments (ember_arg_*: get and
 * check one argument; a getter's result pointer may be NULL where prepare only checks and run
 * reads args[i] itself); checked int64 arithmetic; Ember's double-to-integer rule and the Scalar
 * readers; loads and stores by dtype, per element and per row. Broadcasting lives in
 * kernels/broadcast.h, strided copies and views in kernels/strided.h, in the same vocabulary.
 * docs/runtime.md ("Writing a kernel") has the whole list in a table. */
#ifndef EMBER_KERNEL_UTIL_H
#define EMBER_KERNEL_UTIL_H

#include <inttypes.h> /* PRIu32 / PRId32: uint32_t is unsigned long on arm-none-eabi */
#include <math.h>
#include <string.h>

#include "kernels/kernel.h"
#include "runtime/core/format.h" /* ember_snprintf: the messages' formatter */
#include "runtime/core/half.h"

/* ---- failing --------------------------------------------------------------------------- */

/* Fail the prepare with `status` unless `cond`; message is printf-style. */
#define EMBER_REQUIRE(ctx, cond, status, ...)                                                   \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            ember_kernel_fail((ctx), (status), __VA_ARGS__);                                    \
            return (status); /* a constant the compiler can see is non-zero */                  \
        }                                                                                       \
    } while (0)

/* Returns from the calling function if `expr` is not EMBER_OK. */
#define EMBER_TRY(expr)                                                                         \
    do {                                                                                        \
        ember_status st_ = (expr);                                                              \
        if (st_ != EMBER_OK) return st_;                                                        \
    } while (0)

/* Checks the argument count. */
#define EMBER_REQUIRE_NARGS(ctx, n, want)                                                       \
    EMBER_REQUIRE(ctx, (n) == (size_t)(want), EMBER_INVALID_ARGUMENT,                          \
                  "expected %d arguments, got %zu", (int)(want), (size_t)(n))

/* The argument count is one of two: ops with several outs (or a Tensor[] out) are written with
 * their returns either as one TensorList value (ExecuTorch's emitter, Ember's lower stage) or as
 * the out tensors repeated one by one; run never reads the returns, so both are accepted. */
#define EMBER_REQUIRE_NARGS2(ctx, n, a, b)                                                      \
    EMBER_REQUIRE(ctx, (n) == (size_t)(a) || (n) == (size_t)(b), EMBER_INVALID_ARGUMENT,       \
                  "expected %d or %d arguments, got %zu", (int)(a), (int)(b), (size_t)(n))

/* ---- dtype sets and predicates -------------------------------------------------------------
 * A set of dtypes is a bit mask over their values (all below 64). The tensor getters take one:
 * every tensor a kernel reads states the dtypes it accepts. ember_dtype_is_x(dt) is
 * ember_dtype_in(dt, EMBER_DTYPES_X). */
typedef uint64_t ember_dtype_set;
#define EMBER_DTYPE_BIT(dt) ((ember_dtype_set)1 << (dt))
#define EMBER_DTYPE(name, value, bytes, text)                                                   \
    _Static_assert((value) >= 0 && (value) < 64, "a dtype set has one bit per dtype value");
#include "ember/dtype.inc"
#undef EMBER_DTYPE

/* Every dtype of ember/dtype.inc: for kernels that only move elements (views, copies). */
static inline ember_dtype_set ember_dtypes_all(void)
{
    return 0
#define EMBER_DTYPE(name, value, bytes, text) | EMBER_DTYPE_BIT(value)
#include "ember/dtype.inc"
#undef EMBER_DTYPE
        ;
}
#define EMBER_DTYPES_ALL ember_dtypes_all()
/* float16, float32, float64, bfloat16. */
#define EMBER_DTYPES_FLOAT                                                                      \
    (EMBER_DTYPE_BIT(EMBER_DTYPE_F16) | EMBER_DTYPE_BIT(EMBER_DTYPE_F32) |                      \
     EMBER_DTYPE_BIT(EMBER_DTYPE_F64) | EMBER_DTYPE_BIT(EMBER_DTYPE_BF16))
/* float16, bfloat16. */
#define EMBER_DTYPES_HALF (EMBER_DTYPE_BIT(EMBER_DTYPE_F16) | EMBER_DTYPE_BIT(EMBER_DTYPE_BF16))
/* The dtypes the nn kernels compute on: float32 (the fast paths), and float16/bfloat16, which
 * they load to float, compute and accumulate in float, and round once when storing, as torch's
 * CPU kernels do (ember_load_f32 / ember_store_f32). */
#define EMBER_DTYPES_F32_HALF (EMBER_DTYPE_BIT(EMBER_DTYPE_F32) | EMBER_DTYPES_HALF)
/* uint8, int8, int16, int32, int64. */
#define EMBER_DTYPES_INT                                                                        \
    (EMBER_DTYPE_BIT(EMBER_DTYPE_U8) | EMBER_DTYPE_BIT(EMBER_DTYPE_I8) |                        \
     EMBER_DTYPE_BIT(EMBER_DTYPE_I16) | EMBER_DTYPE_BIT(EMBER_DTYPE_I32) |                      \
     EMBER_DTYPE_BIT(EMBER_DTYPE_I64))
/* The integers and bool: the dtypes the generic paths compute on in int64 (the others in
 * double). */
#define EMBER_DTYPES_INTLIKE (EMBER_DTYPES_INT | EMBER_DTYPE_BIT(EMBER_DTYPE_BOOL))
/* Every dtype the math kernels compute on (the generic row loads and stores below take them). */
#define EMBER_DTYPES_NUMERIC (EMBER_DTYPES_FLOAT | EMBER_DTYPES_INTLIKE)

static inline bool ember_dtype_in(int dt, ember_dtype_set set)
{
    return dt >= 0 && dt < 64 && ((set >> dt) & 1) != 0;
}
static inline bool ember_dtype_is_float(int dt) { return ember_dtype_in(dt, EMBER_DTYPES_FLOAT); }
static inline bool ember_dtype_is_half(int dt) { return ember_dtype_in(dt, EMBER_DTYPES_HALF); }
static inline bool ember_dtype_is_f32_or_half(int dt)
{
    return ember_dtype_in(dt, EMBER_DTYPES_F32_HALF);
}
static inline bool ember_dtype_is_int(int dt) { return ember_dtype_in(dt, EMBER_DTYPES_INT); }
static inline bool ember_dtype_is_intlike(int dt)
{
    return ember_dtype_in(dt, EMBER_DTYPES_INTLIKE);
}
static inline bool ember_dtype_is_numeric(int dt)
{
    return ember_dtype_in(dt, EMBER_DTYPES_NUMERIC);
}

/* ---- shapes ------------------------------------------------------------------------------ */

/* "[1, 2, 3]" into buf (truncated if it does not fit). */
static inline void ember_shape_str(char* buf, size_t bytes, int dim, const int64_t* sizes)
{
    size_t n = (size_t)ember_message(buf, bytes, "[");
    for (int i = 0; i < dim && n < bytes; i++)
        n += (size_t)ember_message(buf + n, bytes - n, i ? ", %lld" : "%lld", (long long)sizes[i]);
    if (n < bytes) ember_message(buf + n, bytes - n, "]");
}

/* The sizes of t as int64 (the type every shape a kernel computes is kept in). */
static inline void ember_tensor_sizes(const ember_tensor* t, int64_t* sizes)
{
    for (int i = 0; i < t->dim; i++) sizes[i] = t->sizes[i];
}

/* True if the tensor's dim_order is 0,1,..,dim-1 (row-major contiguous). */
static inline bool ember_tensor_is_contiguous(const ember_tensor* t)
{
    for (int i = 0; i < t->dim; i++)
        if (t->dim_order[i] != i) return false;
    return true;
}

static inline bool ember_tensor_same_shape(const ember_tensor* a, const ember_tensor* b)
{
    if (a->dim != b->dim) return false;
    for (int i = 0; i < a->dim; i++)
        if (a->sizes[i] != b->sizes[i]) return false;
    return true;
}

/* True if t's bytes are laid out with its dims `order` outermost first (sizes 1 may sit
 * anywhere: they take no bytes). The int8 kernels of ExecuTorch's Cortex-M programs read
 * channels-last bytes ({0, 2, 3, 1}) of NCHW-shaped tensors. */
static inline bool ember_bytes_in_order(const ember_tensor* t, const int* order)
{
    if (t->numel == 0) return true;
    int64_t expect = 1;
    for (int k = t->dim - 1; k >= 0; k--) {
        const int d = order[k];
        if (t->sizes[d] != 1 && t->strides[d] != expect) return false;
        expect *= t->sizes[d];
    }
    return true;
}

/* The (N, H, W, C) sizes of a rank-4 tensor: NCHW-shaped (the int8 ops' legacy form, stored
 * channels-last), or NHWC-shaped (their _nhwc variants). */
static inline void ember_nhwc_sizes(const ember_tensor* t, bool nhwc, int64_t s[4])
{
    s[0] = t->sizes[0];
    s[1] = t->sizes[nhwc ? 1 : 2];
    s[2] = t->sizes[nhwc ? 2 : 3];
    s[3] = t->sizes[nhwc ? 3 : 1];
}

/* True if a and b have one shape and the same bytes for each index (any one layout). */
static inline bool ember_same_layout(const ember_tensor* a, const ember_tensor* b)
{
    if (!ember_tensor_same_shape(a, b)) return false;
    if (a->numel == 0) return true;
    for (int d = 0; d < a->dim; d++)
        if (a->sizes[d] != 1 && a->strides[d] != b->strides[d]) return false;
    return true;
}

/* True if the product of t's sizes, counting a size 0 as 1, is at most INT32_MAX. The loader
 * bounds numel, which a size-0 dim makes 0 whatever the other sizes are; this also bounds every
 * partial product of sizes (strides, outer/inner extents) that kernels compute, so none of them
 * can overflow. The tensor getters below check it. */
static inline bool ember_tensor_extent_ok(const ember_tensor* t)
{
    int64_t n = 1;
    for (int d = 0; d < t->dim; d++) {
        if (t->sizes[d] < 0) return false;
        n *= t->sizes[d] ? t->sizes[d] : 1; /* both factors <= INT32_MAX: fits */
        if (n > INT32_MAX) return false;
    }
    return true;
}

/* Normalises a possibly negative dim against rank `dim`; -1 if out of range. */
static inline int ember_wrap_dim(int64_t d, int rank)
{
    int r = rank == 0 ? 1 : rank;
    if (d < 0) d += r;
    return (d < 0 || d >= r) ? -1 : (int)d;
}

/* The contiguous (outer, size, inner) split of `t` around dim d. */
static inline void ember_split_dim(const ember_tensor* t, int d, int64_t* outer, int64_t* size,
                                   int64_t* inner)
{
    int64_t o = 1, in = 1;
    for (int i = 0; i < d; i++) o *= t->sizes[i];
    for (int i = d + 1; i < t->dim; i++) in *= t->sizes[i];
    *outer = o;
    *size = t->dim ? t->sizes[d] : 1;
    *inner = in;
}

/* ---- tensor checks (prepare) ---------------------------------------------------------------
 * `what` names the tensor in the message ("out", "weight"). Like EMBER_REQUIRE, every check and
 * getter returns a constant status on failure (not ember_kernel_fail's result), so the compiler
 * sees that a getter which returned EMBER_OK wrote its result. */

/* t when it is dynamic (ember.h) and an out this prepare has declared (ember_kernel_out: a
 * tensor, or one of a tensor list's), whose sizes the kernel may then set; else NULL. */
ember_tensor* ember_dynamic_out(const ember_kernel_ctx* ctx, const ember_tensor* t);

/* ember_tensor_resize (ember.h) to int64 sizes; false (t unchanged) where it refuses or a size
 * is past int32. */
bool ember_tensor_resize_to(ember_tensor* t, int dim, const int64_t* want);

/* ember_check_shape once the shapes differ (kernel_util.c, one copy for every kernel): resizes a
 * dynamic out, or fails naming both shapes. */
ember_status ember_check_shape_mismatch(ember_kernel_ctx* ctx, const char* what,
                                        const ember_tensor* t, int dim, const int64_t* want);

/* Fails with EMBER_SHAPE_MISMATCH, naming both shapes, unless t has rank `dim` and `want`; a
 * dynamic out the kernel declared is given those sizes instead when they fit its memory. */
static inline ember_status ember_check_shape(ember_kernel_ctx* ctx, const char* what,
                                             const ember_tensor* t, int dim, const int64_t* want)
{
    bool ok = t->dim == dim;
    for (int i = 0; ok && i < dim; i++) ok = t->sizes[i] == want[i];
    return ok ? EMBER_OK : ember_check_shape_mismatch(ctx, what, t, dim, want);
}

/* Fails with EMBER_SHAPE_MISMATCH unless t has ref's shape. */
static inline ember_status ember_check_same_shape(ember_kernel_ctx* ctx, const char* what,
                                                  const ember_tensor* t, const ember_tensor* ref)
{
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(ref, want);
    return ember_check_shape(ctx, what, t, ref->dim, want);
}

/* Fails unless ember_tensor_extent_ok(t): "<what> [<k>] has shape [..]: ..." (k < 0: no
 * number; for the tensors of a list). */
static inline ember_status ember_check_extent(ember_kernel_ctx* ctx, const char* what, int k,
                                              const ember_tensor* t)
{
    if (ember_tensor_extent_ok(t)) return EMBER_OK;
    char s[96];
    int64_t sizes[EMBER_MAX_DIMS];
    ember_tensor_sizes(t, sizes);
    ember_shape_str(s, sizeof s, t->dim, sizes);
    if (k < 0)
        ember_kernel_fail(ctx, EMBER_NOT_SUPPORTED,
                          "%s has shape %s: its nonzero sizes multiply past 2^31-1", what, s);
    else
        ember_kernel_fail(ctx, EMBER_NOT_SUPPORTED,
                          "%s %d has shape %s: its nonzero sizes multiply past 2^31-1", what, k, s);
    return EMBER_NOT_SUPPORTED;
}

/* t's dtype is in `set`: "<what> has dtype X, which this kernel does not support (a, b, ..)". */
static inline ember_status ember_check_dtype_in(ember_kernel_ctx* ctx, const char* what,
                                                const ember_tensor* t, ember_dtype_set set)
{
    if (ember_dtype_in(t->dtype, set)) return EMBER_OK;
    char names[192];
    size_t n = 0;
    names[0] = 0;
    for (int dt = 0; dt < 64 && n < sizeof names; dt++)
        if (ember_dtype_in(dt, set & EMBER_DTYPES_ALL))
            n += (size_t)ember_message(names + n, sizeof names - n, n ? ", %s" : "%s",
                                  ember_dtype_name(dt));
    ember_kernel_fail(ctx, EMBER_DTYPE_MISMATCH,
                      "%s has dtype %s, which this kernel does not support (%s)", what,
                      ember_dtype_name(t->dtype), names);
    return EMBER_DTYPE_MISMATCH;
}

/* t has dtype `dtype`: "<what> is X, expected Y". */
static inline ember_status ember_check_dtype(ember_kernel_ctx* ctx, const char* what,
                                             const ember_tensor* t, int dtype)
{
    EMBER_REQUIRE(ctx, t->dtype == dtype, EMBER_DTYPE_MISMATCH, "%s is %s, expected %s", what,
                  ember_dtype_name(t->dtype), ember_dtype_name(dtype));
    return EMBER_OK;
}

/* t has ref's dtype: "<what> is X, expected Y". */
static inline ember_status ember_check_same_dtype(ember_kernel_ctx* ctx, const char* what,
                                                  const ember_tensor* t, const ember_tensor* ref)
{
    return ember_check_dtype(ctx, what, t, ref->dtype);
}

/* Every item of an int list lies in [lo, hi]: "<what>[k] = <v> is out of range [lo, hi]". */
static inline ember_status ember_check_ints_in(ember_kernel_ctx* ctx, const char* what,
                                               const int64_t* v, size_t n, int64_t lo, int64_t hi)
{
    for (size_t k = 0; k < n; k++)
        EMBER_REQUIRE(ctx, v[k] >= lo && v[k] <= hi, EMBER_INVALID_ARGUMENT,
                      "%s[%zu] = %lld is out of range [%lld, %lld]", what, k, (long long)v[k],
                      (long long)lo, (long long)hi);
    return EMBER_OK;
}

/* ---- arguments (prepare) -------------------------------------------------------------------
 * ember_arg_x(ctx, args, i, what, ..., &v) checks args[i] is an x and stores it in *v (v may be
 * NULL). Messages name the argument: "<what> (argument <i>) must be an int, got value kind 4". */

static inline ember_status ember_arg_kind_fail(ember_kernel_ctx* ctx, ember_value* const* args,
                                               size_t i, const char* what, const char* kind)
{
    ember_kernel_fail(ctx, EMBER_INVALID_ARGUMENT, "%s (argument %d) must be %s, got value kind %u",
                      what, (int)i, kind, (unsigned)args[i]->tag);
    return EMBER_INVALID_ARGUMENT;
}

static inline bool ember_is_tensor(const ember_value* v) { return v->tag == EMBER_VALUE_TENSOR; }
static inline bool ember_is_null(const ember_value* v)
{
    return v->tag == EMBER_VALUE_NULL || v->tag == EMBER_VALUE_NONE;
}

/* args[i] has value kind `kind`, for an argument run does not read or reads as is (the returned
 * outs, memory_format, non_blocking...): "<what> (argument <i>) has value kind 4, expected 2". */
static inline ember_status ember_arg_kind(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t i, const char* what, uint32_t kind)
{
    EMBER_REQUIRE(ctx, args[i]->tag == kind, EMBER_INVALID_ARGUMENT,
                  "%s (argument %d) has value kind %u, expected %u", what, (int)i,
                  (unsigned)args[i]->tag, (unsigned)kind);
    return EMBER_OK;
}
/* The same, or None. */
static inline ember_status ember_arg_opt_kind(ember_kernel_ctx* ctx, ember_value* const* args,
                                              size_t i, const char* what, uint32_t kind)
{
    EMBER_REQUIRE(ctx, args[i]->tag == kind || ember_is_null(args[i]), EMBER_INVALID_ARGUMENT,
                  "%s (argument %d) has value kind %u, expected %u or None", what, (int)i,
                  (unsigned)args[i]->tag, (unsigned)kind);
    return EMBER_OK;
}

/* A tensor whose dtype is in `dtypes`, whose sizes pass ember_tensor_extent_ok, and (unless
 * `any_layout`) in contiguous dim order. */
static inline ember_status ember_arg_tensor_ex(ember_kernel_ctx* ctx, ember_value* const* args,
                                               size_t i, const char* what, ember_dtype_set dtypes,
                                               bool any_layout, ember_tensor** t)
{
    if (args[i]->tag != EMBER_VALUE_TENSOR)
        return ember_arg_kind_fail(ctx, args, i, what, "a tensor");
    const ember_tensor* v = args[i]->u.t;
    EMBER_REQUIRE(ctx, v != NULL, EMBER_INVALID_ARGUMENT, "%s (argument %d): no tensor", what,
                  (int)i);
    EMBER_TRY(ember_check_dtype_in(ctx, what, v, dtypes));
    EMBER_REQUIRE(ctx, any_layout || ember_tensor_is_contiguous(v), EMBER_NOT_SUPPORTED,
                  "%s (argument %d) is not contiguous: only contiguous dim order is supported",
                  what, (int)i);
    EMBER_TRY(ember_check_extent(ctx, what, -1, v));
    if (t) *t = args[i]->u.t;
    return EMBER_OK;
}
static inline ember_status ember_arg_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i, const char* what, ember_dtype_set dtypes,
                                            ember_tensor** t)
{
    return ember_arg_tensor_ex(ctx, args, i, what, dtypes, false, t);
}

/* The same, or None (then *t = NULL). */
static inline ember_status ember_arg_opt_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t i, const char* what,
                                                ember_dtype_set dtypes, ember_tensor** t)
{
    if (!ember_is_null(args[i])) return ember_arg_tensor(ctx, args, i, what, dtypes, t);
    if (t) *t = NULL;
    return EMBER_OK;
}

/* Declares args[i] as written by run: a tensor or tensor list (scalar false), or an Int, Double
 * or Bool value (scalar true). */
static inline ember_status ember_kernel_declare_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                    size_t i, bool scalar)
{
    EMBER_REQUIRE(ctx, i <= EMBER_KERNEL_MAX_OUT_ARG, EMBER_NOT_SUPPORTED,
                  "out argument %zu: only the first %d arguments can be outs", i,
                  EMBER_KERNEL_MAX_OUT_ARG + 1);
    const uint32_t tag = args[i]->tag;
    EMBER_REQUIRE(ctx,
                  scalar ? tag == EMBER_VALUE_INT || tag == EMBER_VALUE_DOUBLE || tag == EMBER_VALUE_BOOL
                         : tag == EMBER_VALUE_TENSOR || tag == EMBER_VALUE_TENSOR_LIST,
                  EMBER_INVALID_ARGUMENT, "out argument %zu: expected %s, got value kind %u", i,
                  scalar ? "an Int, Double or Bool value" : "a tensor or tensor list",
                  (unsigned)tag);
    ctx->outs |= (uint64_t)1 << i;
    return EMBER_OK;
}

/* Declares args[i] as written by run: a tensor, or a tensor list whose tensors run all writes.
 * The loader checks what was declared (see kernel.h); kernels call this for every out they
 * write, before returning from prepare (and before checking its shape: a dynamic out then takes
 * the shape). ember_arg_out does it for a tensor out. */
static inline ember_status ember_kernel_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i)
{
    return ember_kernel_declare_out(ctx, args, i, false);
}

/* Declares args[i], an Int, Double or Bool value, as written by run (the scalar ops of dynamic
 * shapes: op_prim_scalar.c). The loader then treats the value as changing: the kernels that read
 * it, or an int list naming it, are prepared again before each run. */
static inline ember_status ember_kernel_scalar_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                   size_t i)
{
    return ember_kernel_declare_out(ctx, args, i, true);
}

/* A tensor run writes: ember_arg_tensor(_ex), then declared with ember_kernel_out. */
static inline ember_status ember_arg_out_ex(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i, const char* what, ember_dtype_set dtypes,
                                            bool any_layout, ember_tensor** t)
{
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, i, what, dtypes, any_layout, t));
    return ember_kernel_out(ctx, args, i);
}
static inline ember_status ember_arg_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t i, const char* what, ember_dtype_set dtypes,
                                         ember_tensor** t)
{
    return ember_arg_out_ex(ctx, args, i, what, dtypes, false, t);
}

/* An Int. */
static inline ember_status ember_arg_int(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t i, const char* what, int64_t* v)
{
    if (args[i]->tag != EMBER_VALUE_INT)
        return ember_arg_kind_fail(ctx, args, i, what, "an int");
    if (v) *v = args[i]->u.i;
    return EMBER_OK;
}

/* An Int that must lie in [lo, hi]: "<what> = <v> is out of range [lo, hi]". */
static inline ember_status ember_arg_int_in(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i, const char* what, int64_t lo, int64_t hi,
                                            int64_t* v)
{
    EMBER_TRY(ember_arg_int(ctx, args, i, what, NULL));
    const int64_t x = args[i]->u.i;
    EMBER_REQUIRE(ctx, x >= lo && x <= hi, EMBER_INVALID_ARGUMENT,
                  "%s = %lld is out of range [%lld, %lld]", what, (long long)x, (long long)lo,
                  (long long)hi);
    if (v) *v = x;
    return EMBER_OK;
}

/* An int list: its items in *v, their count in *n. */
static inline ember_status ember_arg_ints(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t i, const char* what, const int64_t** v,
                                          size_t* n)
{
    if (args[i]->tag != EMBER_VALUE_INT_LIST)
        return ember_arg_kind_fail(ctx, args, i, what, "an int list");
    EMBER_REQUIRE(ctx, args[i]->len == 0 || args[i]->u.ints != NULL, EMBER_INVALID_ARGUMENT,
                  "%s (argument %d): int list without items", what, (int)i);
    if (v) *v = args[i]->u.ints;
    if (n) *n = args[i]->len;
    return EMBER_OK;
}

/* An int[2] argument (kernel size, stride, padding, dilation of a 2-d op) whose items lie in
 * [lo, hi]. */
static inline ember_status ember_arg_int_pair(ember_kernel_ctx* ctx, ember_value* const* args,
                                              size_t i, const char* what, int64_t lo, int64_t hi)
{
    const int64_t* v = NULL; /* -Os arm-none-eabi: "may be used uninitialized" */
    size_t n = 0;
    EMBER_TRY(ember_arg_ints(ctx, args, i, what, &v, &n));
    EMBER_REQUIRE(ctx, n == 2, EMBER_INVALID_ARGUMENT, "%s (argument %d) must have 2 items, got %zu",
                  what, (int)i, n);
    return ember_check_ints_in(ctx, what, v, 2, lo, hi);
}

/* Item k of an int[N] argument whose list may hold N items or one item for all; `dflt` when
 * the value is not an int list or is empty. */
static inline int64_t ember_int_list_at(const ember_value* v, size_t k, int64_t dflt)
{
    if (v->tag != EMBER_VALUE_INT_LIST || v->len == 0) return dflt;
    return v->u.ints[v->len == 1 ? 0 : k];
}

/* A float argument: a Double, or an Int/Bool that stands for one. */
static inline ember_status ember_arg_double(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i, const char* what, double* v);

/* A Bool. */
static inline ember_status ember_arg_bool(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t i, const char* what, bool* v)
{
    if (args[i]->tag != EMBER_VALUE_BOOL)
        return ember_arg_kind_fail(ctx, args, i, what, "a bool");
    if (v) *v = args[i]->u.b;
    return EMBER_OK;
}

/* A Scalar (Int, Double or Bool), which run reads with ember_scalar_as_double / _as_int in its
 * compute dtype: "<what> (argument <i>) must be a scalar, got value kind 7". */
static inline ember_status ember_arg_scalar(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i, const char* what);
/* The same, or None. */
static inline ember_status ember_arg_opt_scalar(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t i, const char* what);

/* ---- checked integer arithmetic ----------------------------------------------------------
 * Every size, offset and count a prepare derives from a file's integers is computed with these
 * (or from values already range-checked so that the plain expression cannot overflow). Each
 * sets *r to the exact result and returns true, or returns false when it does not fit in
 * int64 (*r is then unspecified). */
static inline bool ember_i64_add(int64_t a, int64_t b, int64_t* r)
{
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_add_overflow(a, b, r);
#else
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) return false;
    *r = a + b;
    return true;
#endif
}
static inline bool ember_i64_sub(int64_t a, int64_t b, int64_t* r)
{
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_sub_overflow(a, b, r);
#else
    if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b)) return false;
    *r = a - b;
    return true;
#endif
}
static inline bool ember_i64_mul(int64_t a, int64_t b, int64_t* r)
{
#if defined(__GNUC__) || defined(__clang__)
    return !__builtin_mul_overflow(a, b, r);
#else
    if (a != 0 && b != 0 &&
        (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
               : (b > 0 ? a < INT64_MIN / b : a < INT64_MAX / b)))
        return false;
    *r = a * b;
    return true;
#endif
}

/* ---- double to integer -------------------------------------------------------------------
 * C leaves converting NaN, an infinity or any double outside the target type's range to an
 * integer type undefined. Ember's rule, applied wherever a double becomes an integer (Scalar
 * arguments read as ints, casts and copies between tensors, fills, stores into integer outs):
 *   NaN converts to 0; a value beyond the type's range saturates to the type's minimum or
 *   maximum (±inf included); every other value truncates toward zero, as a C cast does.
 * An exactly integral double in range therefore converts exactly, as in torch. Bool is not an
 * integer type here: a double converts to bool as `v != 0` (NaN is true, as in torch). */
/* lo/hi: the type's limits; dlo/dhi: doubles at or beyond them (every double strictly between
 * truncates into the type, so the cast below is always defined). */
#define EMBER_F64_TO_INT(name, T, lo, hi, dlo, dhi)                                             \
    static inline T name(double v)                                                              \
    {                                                                                           \
        if (v != v) return 0;                                                                   \
        if (v >= (dhi)) return (hi);                                                            \
        if (v <= (dlo)) return (lo);                                                            \
        return (T)v;                                                                            \
    }
/* INT64_MAX is not a double: 2^63 is the first double past it (and -2^63 is INT64_MIN). */
EMBER_F64_TO_INT(ember_f64_to_i64, int64_t, INT64_MIN, INT64_MAX, -9223372036854775808.0,
                 9223372036854775808.0)
EMBER_F64_TO_INT(ember_f64_to_i32, int32_t, INT32_MIN, INT32_MAX, -2147483648.0, 2147483647.0)
EMBER_F64_TO_INT(ember_f64_to_i16, int16_t, INT16_MIN, INT16_MAX, -32768.0, 32767.0)
EMBER_F64_TO_INT(ember_f64_to_i8, int8_t, INT8_MIN, INT8_MAX, -128.0, 127.0)
EMBER_F64_TO_INT(ember_f64_to_u8, uint8_t, 0, UINT8_MAX, 0.0, 255.0)
#undef EMBER_F64_TO_INT

/* A Scalar argument (Int, Double or Bool value) as double / int64; false if it is not one. A
 * Double read as int64 follows the conversion rule above. */
/* (double)v, rounded once as C's conversion does. On a 32-bit core that conversion is a libgcc
 * call (__aeabi_l2d) that pulls soft-float double addition into firmware; the two 32-bit halves
 * convert exactly and one add rounds the same. */
static inline double ember_i64_to_double(int64_t v)
{
#if UINTPTR_MAX > 0xFFFFFFFFu
    return (double)v;
#else
    return (double)(int32_t)(v >> 32) * 4294967296.0 + (double)(uint32_t)v;
#endif
}

static inline bool ember_scalar_as_double(const ember_value* v, double* out)
{
    switch (v->tag) {
    case EMBER_VALUE_INT: *out = ember_i64_to_double(v->u.i); return true;
    case EMBER_VALUE_DOUBLE: *out = v->u.d; return true;
    case EMBER_VALUE_BOOL: *out = v->u.b ? 1.0 : 0.0; return true;
    default: return false;
    }
}
static inline bool ember_scalar_as_int(const ember_value* v, int64_t* out)
{
    switch (v->tag) {
    case EMBER_VALUE_INT: *out = v->u.i; return true;
    case EMBER_VALUE_BOOL: *out = v->u.b ? 1 : 0; return true;
    case EMBER_VALUE_DOUBLE: *out = ember_f64_to_i64(v->u.d); return true;
    default: return false;
    }
}

static inline ember_status ember_arg_double(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i, const char* what, double* v)
{
    double x;
    if (!ember_scalar_as_double(args[i], &x))
        return ember_arg_kind_fail(ctx, args, i, what, "a number");
    if (v) *v = x;
    return EMBER_OK;
}
static inline ember_status ember_arg_scalar(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i, const char* what)
{
    double x;
    if (!ember_scalar_as_double(args[i], &x))
        return ember_arg_kind_fail(ctx, args, i, what, "a scalar");
    return EMBER_OK;
}
static inline ember_status ember_arg_opt_scalar(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t i, const char* what)
{
    double x;
    if (!ember_is_null(args[i]) && !ember_scalar_as_double(args[i], &x))
        return ember_arg_kind_fail(ctx, args, i, what, "a scalar or None");
    return EMBER_OK;
}

/* ---- loads and stores by dtype --------------------------------------------------------------
 * Per element: element i of a tensor's data of any numeric dtype as double / written from a
 * double (into an integer dtype by the conversion rule above, into bool as v != 0, into a half
 * type through float, as torch's float-computing half kernels round). The _f32 pair is the same
 * for the nn kernels' float32/float16/bfloat16 data (those first; the dtype is loop-invariant,
 * so the branches predict). */
static inline double ember_load_f64(const void* data, int dtype, int64_t i)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: return ((const float*)data)[i];
    case EMBER_DTYPE_F64: return ((const double*)data)[i];
    case EMBER_DTYPE_I64: return (double)((const int64_t*)data)[i];
    case EMBER_DTYPE_I32: return ((const int32_t*)data)[i];
    case EMBER_DTYPE_I16: return ((const int16_t*)data)[i];
    case EMBER_DTYPE_I8: return ((const int8_t*)data)[i];
    case EMBER_DTYPE_U8: return ((const uint8_t*)data)[i];
    case EMBER_DTYPE_BOOL: return ((const uint8_t*)data)[i] ? 1.0 : 0.0;
    case EMBER_DTYPE_F16: return ember_f16_to_f32(((const uint16_t*)data)[i]);
    case EMBER_DTYPE_BF16: return ember_bf16_to_f32(((const uint16_t*)data)[i]);
    default: return 0.0;
    }
}
static inline void ember_store_f64(void* data, int dtype, int64_t i, double v)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: ((float*)data)[i] = (float)v; break;
    case EMBER_DTYPE_F64: ((double*)data)[i] = v; break;
    case EMBER_DTYPE_I64: ((int64_t*)data)[i] = ember_f64_to_i64(v); break;
    case EMBER_DTYPE_I32: ((int32_t*)data)[i] = ember_f64_to_i32(v); break;
    case EMBER_DTYPE_I16: ((int16_t*)data)[i] = ember_f64_to_i16(v); break;
    case EMBER_DTYPE_I8: ((int8_t*)data)[i] = ember_f64_to_i8(v); break;
    case EMBER_DTYPE_U8: ((uint8_t*)data)[i] = ember_f64_to_u8(v); break;
    case EMBER_DTYPE_BOOL: ((uint8_t*)data)[i] = v != 0.0; break;
    case EMBER_DTYPE_F16: ((uint16_t*)data)[i] = ember_f32_to_f16((float)v); break;
    case EMBER_DTYPE_BF16: ((uint16_t*)data)[i] = ember_f32_to_bf16((float)v); break;
    default: break;
    }
}
static inline float ember_load_f32(const void* data, int dtype, int64_t i)
{
    if (dtype == EMBER_DTYPE_F32) return ((const float*)data)[i];
    if (dtype == EMBER_DTYPE_F16) return ember_f16_to_f32(((const uint16_t*)data)[i]);
    if (dtype == EMBER_DTYPE_BF16) return ember_bf16_to_f32(((const uint16_t*)data)[i]);
    return (float)ember_load_f64(data, dtype, i);
}
static inline void ember_store_f32(void* data, int dtype, int64_t i, float v)
{
    if (dtype == EMBER_DTYPE_F32) ((float*)data)[i] = v;
    else if (dtype == EMBER_DTYPE_F16) ((uint16_t*)data)[i] = ember_f32_to_f16(v);
    else if (dtype == EMBER_DTYPE_BF16) ((uint16_t*)data)[i] = ember_f32_to_bf16(v);
    else ember_store_f64(data, dtype, i, v);
}

/* Per row, for the generic (mixed-dtype) paths of the math kernels, which compute in chunks of
 * EMBER_CHUNK elements on the stack: n elements at data[off + k*stride] (k < n; strides in
 * elements, 0 broadcasts) of any numeric dtype, loaded as double or int64 and stored from them.
 * Integer and bool dtypes compute in int64, floating ones in double (ember_dtype_is_intlike). */
#define EMBER_CHUNK 64

#define EMBER_LOAD_LOOP_(T_OUT, T_IN)                                                           \
    do {                                                                                        \
        const T_IN* p_ = (const T_IN*)src + off;                                                \
        for (size_t i_ = 0; i_ < n; i_++) dst[i_] = (T_OUT)p_[(int64_t)i_ * stride];           \
    } while (0)
#define EMBER_LOAD_CONV_(T_IN, CONV)                                                            \
    do {                                                                                        \
        const T_IN* p_ = (const T_IN*)src + off;                                                \
        for (size_t i_ = 0; i_ < n; i_++) dst[i_] = CONV(p_[(int64_t)i_ * stride]);            \
    } while (0)

/* dst[k] = src[off + k*stride] as double. */
static inline void ember_load_f64_row(double* dst, const void* src, int dtype, int64_t off,
                                      int64_t stride, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: EMBER_LOAD_LOOP_(double, float); break;
    case EMBER_DTYPE_F64: EMBER_LOAD_LOOP_(double, double); break;
    case EMBER_DTYPE_I64: EMBER_LOAD_LOOP_(double, int64_t); break;
    case EMBER_DTYPE_I32: EMBER_LOAD_LOOP_(double, int32_t); break;
    case EMBER_DTYPE_I16: EMBER_LOAD_LOOP_(double, int16_t); break;
    case EMBER_DTYPE_I8: EMBER_LOAD_LOOP_(double, int8_t); break;
    case EMBER_DTYPE_U8: EMBER_LOAD_LOOP_(double, uint8_t); break;
    case EMBER_DTYPE_BOOL: EMBER_LOAD_LOOP_(double, uint8_t); break;
    case EMBER_DTYPE_F16: EMBER_LOAD_CONV_(uint16_t, ember_f16_to_f32); break;
    case EMBER_DTYPE_BF16: EMBER_LOAD_CONV_(uint16_t, ember_bf16_to_f32); break;
    default: break;
    }
}

/* The same as int64: floats convert by ember_f64_to_i64 (truncated toward zero, NaN 0,
 * saturating); bool reads 0/1. */
#define EMBER_F16_TO_I64_(h) ember_f64_to_i64(ember_f16_to_f32(h))
#define EMBER_BF16_TO_I64_(h) ember_f64_to_i64(ember_bf16_to_f32(h))
#define EMBER_NONZERO_(x) ((x) != 0)
static inline void ember_load_i64_row(int64_t* dst, const void* src, int dtype, int64_t off,
                                      int64_t stride, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: EMBER_LOAD_CONV_(float, ember_f64_to_i64); break;
    case EMBER_DTYPE_F64: EMBER_LOAD_CONV_(double, ember_f64_to_i64); break;
    case EMBER_DTYPE_I64: EMBER_LOAD_LOOP_(int64_t, int64_t); break;
    case EMBER_DTYPE_I32: EMBER_LOAD_LOOP_(int64_t, int32_t); break;
    case EMBER_DTYPE_I16: EMBER_LOAD_LOOP_(int64_t, int16_t); break;
    case EMBER_DTYPE_I8: EMBER_LOAD_LOOP_(int64_t, int8_t); break;
    case EMBER_DTYPE_U8: EMBER_LOAD_LOOP_(int64_t, uint8_t); break;
    case EMBER_DTYPE_BOOL: EMBER_LOAD_CONV_(uint8_t, EMBER_NONZERO_); break;
    case EMBER_DTYPE_F16: EMBER_LOAD_CONV_(uint16_t, EMBER_F16_TO_I64_); break;
    case EMBER_DTYPE_BF16: EMBER_LOAD_CONV_(uint16_t, EMBER_BF16_TO_I64_); break;
    default: break;
    }
}
#undef EMBER_F16_TO_I64_
#undef EMBER_BF16_TO_I64_
#undef EMBER_NONZERO_
#undef EMBER_LOAD_LOOP_
#undef EMBER_LOAD_CONV_

#define EMBER_STORE_LOOP_(T_OUT, EXPR)                                                          \
    do {                                                                                        \
        T_OUT* p_ = (T_OUT*)dst + off;                                                          \
        for (size_t i_ = 0; i_ < n; i_++) p_[(int64_t)i_ * stride] = (T_OUT)(EXPR);           \
    } while (0)

/* dst[off + k*stride] = src[k], converting double to the dtype as ember_store_f64 does. */
static inline void ember_store_f64_row(void* dst, int dtype, int64_t off, int64_t stride,
                                       const double* src, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: EMBER_STORE_LOOP_(float, src[i_]); break;
    case EMBER_DTYPE_F64: EMBER_STORE_LOOP_(double, src[i_]); break;
    case EMBER_DTYPE_I64: EMBER_STORE_LOOP_(int64_t, ember_f64_to_i64(src[i_])); break;
    case EMBER_DTYPE_I32: EMBER_STORE_LOOP_(int32_t, ember_f64_to_i32(src[i_])); break;
    case EMBER_DTYPE_I16: EMBER_STORE_LOOP_(int16_t, ember_f64_to_i16(src[i_])); break;
    case EMBER_DTYPE_I8: EMBER_STORE_LOOP_(int8_t, ember_f64_to_i8(src[i_])); break;
    case EMBER_DTYPE_U8: EMBER_STORE_LOOP_(uint8_t, ember_f64_to_u8(src[i_])); break;
    case EMBER_DTYPE_BOOL: EMBER_STORE_LOOP_(uint8_t, src[i_] != 0.0); break;
    case EMBER_DTYPE_F16: EMBER_STORE_LOOP_(uint16_t, ember_f32_to_f16((float)src[i_])); break;
    case EMBER_DTYPE_BF16: EMBER_STORE_LOOP_(uint16_t, ember_f32_to_bf16((float)src[i_])); break;
    default: break;
    }
}

/* dst[off + k*stride] = src[k], converting int64 to the dtype (narrowing wraps, as torch's
 * integer kernels do; bool is nonzero). */
static inline void ember_store_i64_row(void* dst, int dtype, int64_t off, int64_t stride,
                                       const int64_t* src, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: EMBER_STORE_LOOP_(float, src[i_]); break;
    case EMBER_DTYPE_F64: EMBER_STORE_LOOP_(double, src[i_]); break;
    case EMBER_DTYPE_I64: EMBER_STORE_LOOP_(int64_t, src[i_]); break;
    case EMBER_DTYPE_I32: EMBER_STORE_LOOP_(int32_t, (uint32_t)src[i_]); break;
    case EMBER_DTYPE_I16: EMBER_STORE_LOOP_(int16_t, (uint16_t)src[i_]); break;
    case EMBER_DTYPE_I8: EMBER_STORE_LOOP_(int8_t, (uint8_t)src[i_]); break;
    case EMBER_DTYPE_U8: EMBER_STORE_LOOP_(uint8_t, src[i_]); break;
    case EMBER_DTYPE_BOOL: EMBER_STORE_LOOP_(uint8_t, src[i_] != 0); break;
    case EMBER_DTYPE_F16: EMBER_STORE_LOOP_(uint16_t, ember_f32_to_f16((float)src[i_])); break;
    case EMBER_DTYPE_BF16: EMBER_STORE_LOOP_(uint16_t, ember_f32_to_bf16((float)src[i_])); break;
    default: break;
    }
}
#undef EMBER_STORE_LOOP_

/* ---- lookups (run) ---------------------------------------------------------------------- */

/* *row = indices[i] (int64 or int32, checked at prepare) if it lies in [0, rows); else
 * EMBER_OUT_OF_RANGE (torch: "index out of range in self"), the check a lookup's run makes to
 * guard memory (aten::embedding and the quantized embedding ops). */
static inline ember_status ember_embedding_index(ember_kernel_ctx* ctx, const ember_tensor* idx,
                                                 int64_t i, int64_t rows, int64_t* row)
{
    const int64_t r = idx->dtype == EMBER_DTYPE_I64 ? ((const int64_t*)idx->data)[i]
                                                    : ((const int32_t*)idx->data)[i];
    if (r < 0 || r >= rows)
        return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                                 "index %lld is out of range for dimension 0 of size %lld",
                                 (long long)r, (long long)rows);
    *row = r;
    return EMBER_OK;
}

#endif /* EMBER_KERNEL_UTIL_H */
