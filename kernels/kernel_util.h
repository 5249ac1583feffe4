/* kernel_util.h — small checks and helpers shared by every kernel: argument checks for prepare,
 * declaring outs, overflow-checked int64 arithmetic, and Ember's one rule for converting a
 * double to an integer type. Everything here is static inline so each kernel file stays
 * self-contained. */
#ifndef EMBER_KERNEL_UTIL_H
#define EMBER_KERNEL_UTIL_H

#include <math.h>
#include <string.h>

#include "kernels/kernel.h"
#include "runtime/core/half.h"

/* Fail the prepare with `status` unless `cond`; message is printf-style. */
#define EMBER_REQUIRE(ctx, cond, status, ...)                                                   \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            ember_kernel_fail((ctx), (status), __VA_ARGS__);                                    \
            return (status); /* a constant the compiler can see is non-zero */                  \
        }                                                                                       \
    } while (0)

/* Checks that args[i] has the given tag. */
#define EMBER_REQUIRE_TAG(ctx, args, i, want)                                                   \
    EMBER_REQUIRE(ctx, (args)[i]->tag == (want), EMBER_INVALID_ARGUMENT,                        \
                  "argument %d: expected value kind %d, got %u", (int)(i), (int)(want),         \
                  (unsigned)(args)[i]->tag)

/* Declares args[i] as written by run: a tensor, or a tensor list whose tensors run all writes.
 * The loader checks what was declared (see kernel.h); kernels call this for every out they
 * write, before returning from prepare. */
static inline ember_status ember_kernel_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t i)
{
    EMBER_REQUIRE(ctx, i <= EMBER_KERNEL_MAX_OUT_ARG, EMBER_NOT_SUPPORTED,
                  "out argument %zu: only the first %d arguments can be outs", i,
                  EMBER_KERNEL_MAX_OUT_ARG + 1);
    EMBER_REQUIRE(ctx,
                  args[i]->tag == EMBER_VALUE_TENSOR || args[i]->tag == EMBER_VALUE_TENSOR_LIST,
                  EMBER_INVALID_ARGUMENT, "out argument %zu: expected a tensor or tensor list, got value kind %u", i,
                  (unsigned)args[i]->tag);
    ctx->outs |= (uint64_t)1 << i;
    return EMBER_OK;
}

/* Checks the argument count. */
#define EMBER_REQUIRE_NARGS(ctx, n, want)                                                       \
    EMBER_REQUIRE(ctx, (n) == (size_t)(want), EMBER_INVALID_ARGUMENT,                          \
                  "expected %d arguments, got %zu", (int)(want), (size_t)(n))

static inline bool ember_is_tensor(const ember_value* v) { return v->tag == EMBER_VALUE_TENSOR; }
static inline bool ember_is_null(const ember_value* v)
{
    return v->tag == EMBER_VALUE_NULL || v->tag == EMBER_VALUE_NONE;
}

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
static inline bool ember_scalar_as_double(const ember_value* v, double* out)
{
    switch (v->tag) {
    case EMBER_VALUE_INT: *out = (double)v->u.i; return true;
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

static inline bool ember_dtype_is_float(int dt)
{
    return dt == EMBER_DTYPE_F32 || dt == EMBER_DTYPE_F64 || dt == EMBER_DTYPE_F16 ||
           dt == EMBER_DTYPE_BF16;
}
static inline bool ember_dtype_is_int(int dt)
{
    return dt == EMBER_DTYPE_U8 || dt == EMBER_DTYPE_I8 || dt == EMBER_DTYPE_I16 ||
           dt == EMBER_DTYPE_I32 || dt == EMBER_DTYPE_I64;
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

/* True if the product of t's sizes, counting a size 0 as 1, is at most INT32_MAX. The loader
 * bounds numel, which a size-0 dim makes 0 whatever the other sizes are; this also bounds every
 * partial product of sizes (strides, outer/inner extents) that kernels compute, so none of them
 * can overflow. The tensor getters of util_nn.h and util_math.h check it. */
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

static inline bool ember_dtype_is_half(int dt)
{
    return dt == EMBER_DTYPE_F16 || dt == EMBER_DTYPE_BF16;
}

/* Reads element i of a tensor of any numeric dtype as double / writes one from double (into an
 * integer dtype by the conversion rule above; into a half type through float, as torch's
 * float-computing half kernels round). */
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

#endif /* EMBER_KERNEL_UTIL_H */
