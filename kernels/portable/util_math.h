/* util_math.h — private helpers of the portable math kernels (elementwise, reductions,
 * creation, copies): argument checks for prepare (each writes a message through
 * ember_kernel_fail; mu_check_out also declares the out run writes), numpy-style
 * broadcasting, and row converters between every supported dtype and a double / int64 compute
 * domain for the generic (mixed-dtype) slow paths; doubles become integers only by Ember's
 * conversion rule (kernel_util.h). Everything is static inline; nothing allocates and nothing
 * keeps state. */
#ifndef EMBER_UTIL_MATH_H
#define EMBER_UTIL_MATH_H

#include <stdio.h>
#include <string.h>

#include "kernels/kernel_util.h"

/* Returns from the calling function if `expr` is not EMBER_OK. */
#define MU_TRY(expr)                                                                            \
    do {                                                                                        \
        ember_status st_ = (expr);                                                              \
        if (st_ != EMBER_OK) return st_;                                                        \
    } while (0)

/* Elements per chunk in the generic paths (stack buffers of MU_CHUNK doubles). */
#define MU_CHUNK 64

/* ---- dtypes ------------------------------------------------------------------------------ */

/* The dtypes the math kernels compute on. */
static inline bool mu_dtype_ok(int dt)
{
    switch (dt) {
    case EMBER_DTYPE_F32: case EMBER_DTYPE_F64: case EMBER_DTYPE_I64: case EMBER_DTYPE_I32:
    case EMBER_DTYPE_I16: case EMBER_DTYPE_I8: case EMBER_DTYPE_U8: case EMBER_DTYPE_BOOL:
    case EMBER_DTYPE_F16: case EMBER_DTYPE_BF16:
        return true;
    default: return false;
    }
}

/* Integer and bool dtypes compute in int64; floating ones in double (float16 and bfloat16 load
 * exactly and store through float, so a result rounds as torch's float-computing half kernels
 * round it). */
static inline bool mu_is_intlike(int dt)
{
    return ember_dtype_is_int(dt) || dt == EMBER_DTYPE_BOOL;
}

/* ---- prepare checks ---------------------------------------------------------------------- */

/* "[1, 2, 3]" of a tensor's sizes into buf. */
static inline void mu_shape_str(char* buf, size_t bytes, int dim, const int32_t* sizes)
{
    size_t n = (size_t)snprintf(buf, bytes, "[");
    for (int i = 0; i < dim && n < bytes; i++)
        n += (size_t)snprintf(buf + n, bytes - n, i ? ", %d" : "%d", (int)sizes[i]);
    if (n < bytes) snprintf(buf + n, bytes - n, "]");
}

/* args[i] must be a tensor of a supported dtype; contiguous unless `any_layout`. */
static inline ember_status mu_check_tensor_ex(ember_kernel_ctx* ctx, ember_value* const* args,
                                              size_t i, const char* what, bool any_layout)
{
    EMBER_REQUIRE(ctx, args[i]->tag == EMBER_VALUE_TENSOR && args[i]->u.t != NULL,
                  EMBER_INVALID_ARGUMENT, "%s (argument %d) must be a tensor, got value kind %u",
                  what, (int)i, (unsigned)args[i]->tag);
    const ember_tensor* t = args[i]->u.t;
    EMBER_REQUIRE(ctx, mu_dtype_ok(t->dtype), EMBER_DTYPE_MISMATCH,
                  "%s has dtype %s, which this kernel does not support", what,
                  ember_dtype_name(t->dtype));
    EMBER_REQUIRE(ctx, any_layout || ember_tensor_is_contiguous(t), EMBER_NOT_SUPPORTED,
                  "%s is not contiguous (non-default dim order)", what);
    if (!ember_tensor_extent_ok(t)) {
        char s[96];
        mu_shape_str(s, sizeof s, t->dim, t->sizes);
        return ember_kernel_fail(ctx, EMBER_NOT_SUPPORTED,
                                 "%s has shape %s: its nonzero sizes multiply past 2^31-1", what,
                                 s);
    }
    return EMBER_OK;
}
static inline ember_status mu_check_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t i, const char* what)
{
    return mu_check_tensor_ex(ctx, args, i, what, false);
}

/* Like mu_check_tensor(_ex), for an argument run writes: also declares it (ember_kernel_out). */
static inline ember_status mu_check_out_ex(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t i, const char* what, bool any_layout)
{
    ember_status st = mu_check_tensor_ex(ctx, args, i, what, any_layout);
    return st != EMBER_OK ? st : ember_kernel_out(ctx, args, i);
}
static inline ember_status mu_check_out(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                        const char* what)
{
    return mu_check_out_ex(ctx, args, i, what, false);
}

/* args[i] must be a Scalar (Int, Double or Bool); Null too when `optional`. */
static inline ember_status mu_check_scalar(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t i, const char* what, bool optional)
{
    uint32_t tag = args[i]->tag;
    bool ok = tag == EMBER_VALUE_INT || tag == EMBER_VALUE_DOUBLE || tag == EMBER_VALUE_BOOL ||
              (optional && ember_is_null(args[i]));
    EMBER_REQUIRE(ctx, ok, EMBER_INVALID_ARGUMENT,
                  "%s (argument %d) must be a scalar%s, got value kind %u", what, (int)i,
                  optional ? " or None" : "", (unsigned)tag);
    return EMBER_OK;
}

/* args[i] must have the tag `want` (or be Null when `optional`). */
static inline ember_status mu_check_tag(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                        const char* what, uint32_t want, bool optional)
{
    bool ok = args[i]->tag == want || (optional && ember_is_null(args[i]));
    EMBER_REQUIRE(ctx, ok, EMBER_INVALID_ARGUMENT,
                  "%s (argument %d) has value kind %u, expected %u%s", what, (int)i,
                  (unsigned)args[i]->tag, (unsigned)want, optional ? " or None" : "");
    return EMBER_OK;
}

/* Fails with EMBER_SHAPE_MISMATCH unless `t` has rank `dim` and sizes `want`. */
static inline ember_status mu_check_shape(ember_kernel_ctx* ctx, const char* what,
                                          const ember_tensor* t, int dim, const int32_t* want)
{
    bool ok = t->dim == dim;
    for (int i = 0; ok && i < dim; i++) ok = t->sizes[i] == want[i];
    if (ok) return EMBER_OK;
    char got_s[96], want_s[96];
    mu_shape_str(got_s, sizeof got_s, t->dim, t->sizes);
    mu_shape_str(want_s, sizeof want_s, dim, want);
    return ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH, "%s has shape %s, expected %s", what,
                             got_s, want_s);
}

/* Broadcast shape of n tensors (NULL entries are skipped); false if they do not broadcast. */
static inline bool mu_broadcast_shape(const ember_tensor* const* ts, int n, int32_t* sizes,
                                      int* rank)
{
    int r = 0;
    for (int k = 0; k < n; k++)
        if (ts[k] && ts[k]->dim > r) r = ts[k]->dim;
    for (int d = 0; d < r; d++) sizes[d] = 1;
    for (int k = 0; k < n; k++) {
        if (!ts[k]) continue;
        int off = r - ts[k]->dim;
        for (int d = 0; d < ts[k]->dim; d++) {
            int32_t s = ts[k]->sizes[d];
            if (s == sizes[off + d] || s == 1) continue;
            if (sizes[off + d] != 1) return false;
            sizes[off + d] = s;
        }
    }
    *rank = r;
    return true;
}

/* `out` must have the broadcast shape of the n inputs (NULL entries skipped). */
static inline ember_status mu_check_broadcast_out(ember_kernel_ctx* ctx, const ember_tensor* out,
                                                  const ember_tensor* const* ins, int n)
{
    int32_t sizes[EMBER_MAX_DIMS];
    int rank = 0;
    if (!mu_broadcast_shape(ins, n, sizes, &rank)) {
        char s[3][96];
        int j = 0;
        for (int k = 0; k < n && j < 3; k++)
            if (ins[k]) mu_shape_str(s[j++], sizeof s[0], ins[k]->dim, ins[k]->sizes);
        for (; j < 3; j++) s[j][0] = 0;
        return ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH,
                                 "input shapes %s %s %s do not broadcast", s[0], s[1], s[2]);
    }
    return mu_check_shape(ctx, "out (broadcast of the inputs)", out, rank, sizes);
}

/* ---- broadcasting iteration -------------------------------------------------------------- */

#define MU_MAX_OPS 4

/* Out plus up to three inputs walked together over out's shape. Size-1 dims are dropped and
 * neighbouring dims merged where every operand allows it, so equal shapes become one row and
 * a scalar operand a stride-0 row. The last dim is the row; inputs' row strides are 0 or 1. */
typedef struct mu_bcast {
    int rank;                                    /* >= 1 */
    int nops;                                    /* out + inputs */
    int64_t sizes[EMBER_MAX_DIMS];               /* (rank) outermost first */
    int64_t strides[MU_MAX_OPS][EMBER_MAX_DIMS]; /* (op, rank) element strides, 0 = broadcast */
} mu_bcast;

/* ins[k] may be NULL (an absent optional operand: stride 0 everywhere). All contiguous. */
static inline void mu_bcast_init(mu_bcast* b, const ember_tensor* out,
                                 const ember_tensor* const* ins, int nin)
{
    int r = out->dim;
    int64_t st[MU_MAX_OPS][EMBER_MAX_DIMS];
    b->nops = nin + 1;
    for (int k = 0; k < b->nops; k++) {
        const ember_tensor* t = k == 0 ? out : ins[k - 1];
        int64_t s = 1;
        for (int d = r - 1; d >= 0; d--) {
            int td = t ? d - (r - t->dim) : -1;
            if (td >= 0) {
                int64_t sz = t->sizes[td];
                st[k][d] = sz == 1 ? 0 : s;
                s *= sz;
            } else {
                st[k][d] = 0;
            }
        }
    }
    b->rank = 0;
    for (int d = 0; d < r; d++) {
        int64_t sz = out->sizes[d];
        if (sz == 1) continue;
        bool merge = b->rank > 0;
        for (int k = 0; merge && k < b->nops; k++)
            merge = b->strides[k][b->rank - 1] == st[k][d] * sz;
        if (merge) {
            b->sizes[b->rank - 1] *= sz;
        } else {
            b->sizes[b->rank] = sz;
            b->rank++;
        }
        for (int k = 0; k < b->nops; k++) b->strides[k][b->rank - 1] = st[k][d];
    }
    if (b->rank == 0) {
        b->rank = 1;
        b->sizes[0] = 1;
        for (int k = 0; k < b->nops; k++) b->strides[k][0] = k == 0;
    }
}

static inline int64_t mu_bcast_rows(const mu_bcast* b)
{
    int64_t rows = 1;
    for (int d = 0; d < b->rank - 1; d++) rows *= b->sizes[d];
    return rows;
}

/* Steps the outer index (dims 0..rank-2) by one row, updating every operand's offset. */
static inline void mu_bcast_next(const mu_bcast* b, int64_t* idx, int64_t* off)
{
    for (int d = b->rank - 2; d >= 0; d--) {
        for (int k = 0; k < b->nops; k++) off[k] += b->strides[k][d];
        if (++idx[d] < b->sizes[d]) return;
        for (int k = 0; k < b->nops; k++) off[k] -= b->strides[k][d] * b->sizes[d];
        idx[d] = 0;
    }
}

/* ---- row converters (generic paths) -------------------------------------------------------- */

#define MU_LOAD_CASES(T_OUT)                                                                    \
    case EMBER_DTYPE_F32: MU_LOAD_LOOP(T_OUT, float); break;                                   \
    case EMBER_DTYPE_F64: MU_LOAD_LOOP(T_OUT, double); break;                                  \
    case EMBER_DTYPE_I64: MU_LOAD_LOOP(T_OUT, int64_t); break;                                 \
    case EMBER_DTYPE_I32: MU_LOAD_LOOP(T_OUT, int32_t); break;                                 \
    case EMBER_DTYPE_I16: MU_LOAD_LOOP(T_OUT, int16_t); break;                                 \
    case EMBER_DTYPE_I8: MU_LOAD_LOOP(T_OUT, int8_t); break;                                   \
    case EMBER_DTYPE_U8: MU_LOAD_LOOP(T_OUT, uint8_t); break;                                  \
    case EMBER_DTYPE_F16: MU_LOAD_HALF(T_OUT, ember_f16_to_f32); break;                        \
    case EMBER_DTYPE_BF16: MU_LOAD_HALF(T_OUT, ember_bf16_to_f32); break;                      \
    default: break;

#define MU_LOAD_LOOP(T_OUT, T_IN)                                                               \
    do {                                                                                        \
        const T_IN* p_ = (const T_IN*)src + off;                                                \
        for (size_t i_ = 0; i_ < n; i_++) dst[i_] = (T_OUT)p_[(int64_t)i_ * stride];           \
    } while (0)

#define MU_LOAD_HALF(T_OUT, TO_F32)                                                             \
    do {                                                                                        \
        const uint16_t* p_ = (const uint16_t*)src + off;                                        \
        for (size_t i_ = 0; i_ < n; i_++) dst[i_] = (T_OUT)TO_F32(p_[(int64_t)i_ * stride]);    \
    } while (0)

/* dst[i] = src[off + i*stride] as double, for n elements of any supported dtype. */
static inline void mu_load_f64(double* dst, const void* src, int dtype, int64_t off,
                               int64_t stride, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_BOOL: MU_LOAD_LOOP(double, uint8_t); break;
    MU_LOAD_CASES(double)
    }
}

/* The same as int64 (floats convert by ember_f64_to_i64: truncated toward zero, NaN 0,
 * saturating; bool reads 0/1). */
static inline void mu_load_i64(int64_t* dst, const void* src, int dtype, int64_t off,
                               int64_t stride, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_BOOL: {
        const uint8_t* p = (const uint8_t*)src + off;
        for (size_t i = 0; i < n; i++) dst[i] = p[(int64_t)i * stride] != 0;
        break;
    }
    case EMBER_DTYPE_F32: {
        const float* p = (const float*)src + off;
        for (size_t i = 0; i < n; i++) dst[i] = ember_f64_to_i64(p[(int64_t)i * stride]);
        break;
    }
    case EMBER_DTYPE_F64: {
        const double* p = (const double*)src + off;
        for (size_t i = 0; i < n; i++) dst[i] = ember_f64_to_i64(p[(int64_t)i * stride]);
        break;
    }
    case EMBER_DTYPE_I64: MU_LOAD_LOOP(int64_t, int64_t); break;
    case EMBER_DTYPE_I32: MU_LOAD_LOOP(int64_t, int32_t); break;
    case EMBER_DTYPE_I16: MU_LOAD_LOOP(int64_t, int16_t); break;
    case EMBER_DTYPE_I8: MU_LOAD_LOOP(int64_t, int8_t); break;
    case EMBER_DTYPE_U8: MU_LOAD_LOOP(int64_t, uint8_t); break;
    case EMBER_DTYPE_F16: {
        const uint16_t* p = (const uint16_t*)src + off;
        for (size_t i = 0; i < n; i++)
            dst[i] = ember_f64_to_i64(ember_f16_to_f32(p[(int64_t)i * stride]));
        break;
    }
    case EMBER_DTYPE_BF16: {
        const uint16_t* p = (const uint16_t*)src + off;
        for (size_t i = 0; i < n; i++)
            dst[i] = ember_f64_to_i64(ember_bf16_to_f32(p[(int64_t)i * stride]));
        break;
    }
    default: break;
    }
}
#undef MU_LOAD_LOOP
#undef MU_LOAD_HALF

#define MU_STORE_LOOP(T_OUT, EXPR)                                                              \
    do {                                                                                        \
        T_OUT* p_ = (T_OUT*)dst + off;                                                          \
        for (size_t i_ = 0; i_ < n; i_++) p_[(int64_t)i_ * stride] = (T_OUT)(EXPR);           \
    } while (0)

/* dst[off + i*stride] = src[i], converting double to the dtype: integers by the rule of
 * kernel_util.h (truncate, NaN 0, saturate), bool as nonzero, halves through float. */
static inline void mu_store_f64(void* dst, int dtype, int64_t off, int64_t stride,
                                const double* src, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: MU_STORE_LOOP(float, src[i_]); break;
    case EMBER_DTYPE_F64: MU_STORE_LOOP(double, src[i_]); break;
    case EMBER_DTYPE_I64: MU_STORE_LOOP(int64_t, ember_f64_to_i64(src[i_])); break;
    case EMBER_DTYPE_I32: MU_STORE_LOOP(int32_t, ember_f64_to_i32(src[i_])); break;
    case EMBER_DTYPE_I16: MU_STORE_LOOP(int16_t, ember_f64_to_i16(src[i_])); break;
    case EMBER_DTYPE_I8: MU_STORE_LOOP(int8_t, ember_f64_to_i8(src[i_])); break;
    case EMBER_DTYPE_U8: MU_STORE_LOOP(uint8_t, ember_f64_to_u8(src[i_])); break;
    case EMBER_DTYPE_BOOL: MU_STORE_LOOP(uint8_t, src[i_] != 0.0); break;
    case EMBER_DTYPE_F16: MU_STORE_LOOP(uint16_t, ember_f32_to_f16((float)src[i_])); break;
    case EMBER_DTYPE_BF16: MU_STORE_LOOP(uint16_t, ember_f32_to_bf16((float)src[i_])); break;
    default: break;
    }
}

/* dst[off + i*stride] = src[i], converting int64 to the dtype (narrowing wraps). */
static inline void mu_store_i64(void* dst, int dtype, int64_t off, int64_t stride,
                                const int64_t* src, size_t n)
{
    switch (dtype) {
    case EMBER_DTYPE_F32: MU_STORE_LOOP(float, src[i_]); break;
    case EMBER_DTYPE_F64: MU_STORE_LOOP(double, src[i_]); break;
    case EMBER_DTYPE_I64: MU_STORE_LOOP(int64_t, src[i_]); break;
    case EMBER_DTYPE_I32: MU_STORE_LOOP(int32_t, (uint32_t)src[i_]); break;
    case EMBER_DTYPE_I16: MU_STORE_LOOP(int16_t, (uint16_t)src[i_]); break;
    case EMBER_DTYPE_I8: MU_STORE_LOOP(int8_t, (uint8_t)src[i_]); break;
    case EMBER_DTYPE_U8: MU_STORE_LOOP(uint8_t, src[i_]); break;
    case EMBER_DTYPE_BOOL: MU_STORE_LOOP(uint8_t, src[i_] != 0); break;
    case EMBER_DTYPE_F16: MU_STORE_LOOP(uint16_t, ember_f32_to_f16((float)src[i_])); break;
    case EMBER_DTYPE_BF16: MU_STORE_LOOP(uint16_t, ember_f32_to_bf16((float)src[i_])); break;
    default: break;
    }
}
#undef MU_STORE_LOOP
#undef MU_LOAD_CASES

/* ---- scalars ----------------------------------------------------------------------------- */

/* Storage for a Scalar argument turned into a rank-0 tensor. */
typedef struct mu_scalar_box {
    ember_tensor t;
    union {
        float f;
        double d;
        int64_t i;
        uint8_t b;
    } v;
} mu_scalar_box;

/* A Scalar value as a rank-0 tensor whose dtype follows torch's tensor-with-Python-scalar
 * rule: a floating tensor keeps its dtype; an integer/bool tensor with a float scalar
 * computes in float (double here); int with int stays int64; bool with bool stays bool. */
static inline const ember_tensor* mu_scalar_tensor(mu_scalar_box* box, const ember_value* v,
                                                   int like_dtype)
{
    memset(&box->t, 0, sizeof box->t);
    box->t.numel = 1;
    box->t.storage = EMBER_TENSOR_BORROWED;
    box->t.data = &box->v;
    double d = 0;
    int64_t i = 0;
    ember_scalar_as_double(v, &d);
    ember_scalar_as_int(v, &i);
    if (like_dtype == EMBER_DTYPE_F32) {
        box->t.dtype = EMBER_DTYPE_F32;
        box->v.f = (float)d;
    } else if (ember_dtype_is_float(like_dtype) || v->tag == EMBER_VALUE_DOUBLE) {
        box->t.dtype = EMBER_DTYPE_F64;
        box->v.d = d;
    } else if (like_dtype == EMBER_DTYPE_BOOL && v->tag == EMBER_VALUE_BOOL) {
        box->t.dtype = EMBER_DTYPE_BOOL;
        box->v.b = v->u.b ? 1 : 0;
    } else {
        box->t.dtype = EMBER_DTYPE_I64;
        box->v.i = i;
    }
    box->t.nbytes = ember_dtype_size(box->t.dtype);
    return &box->t;
}

/* ---- dims -------------------------------------------------------------------------------- */

/* The contiguous (outer, size, inner) split of `t` around dim d. */
static inline void mu_split_dim(const ember_tensor* t, int d, int64_t* outer, int64_t* size,
                                int64_t* inner)
{
    int64_t o = 1, in = 1;
    for (int i = 0; i < d; i++) o *= t->sizes[i];
    for (int i = d + 1; i < t->dim; i++) in *= t->sizes[i];
    *outer = o;
    *size = t->dim ? t->sizes[d] : 1;
    *inner = in;
}

#endif /* EMBER_UTIL_MATH_H */
