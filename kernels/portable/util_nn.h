/* util_nn.h — private helpers of the portable nn, matmul and view/copy kernels: argument
 * checks for prepare (each writes a message through ember_kernel_fail: tensor getters that
 * also bound a tensor's size products, nn_get_out that declares what run writes, and range
 * checks for ints and int lists that name the argument and value) and one strided copy that
 * the view family shares. Everything is static inline; nothing allocates. */
#ifndef EMBER_UTIL_NN_H
#define EMBER_UTIL_NN_H

#include <stdio.h>
#include <string.h>

#include "kernels/kernel_util.h"

/* Returns from the calling prepare if `expr` is not EMBER_OK. */
#define NN_TRY(expr)                                                                            \
    do {                                                                                        \
        ember_status st_ = (expr);                                                              \
        if (st_ != EMBER_OK) return st_;                                                        \
    } while (0)

/* The argument count is one of two: ops with several outs (or a Tensor[] out) are written with
 * their returns either as one TensorList value (ExecuTorch's emitter, Ember's lower stage) or as
 * the out tensors repeated one by one; run never reads the returns, so both are accepted. */
#define NN_REQUIRE_NARGS2(ctx, n, a, b)                                                         \
    EMBER_REQUIRE(ctx, (n) == (size_t)(a) || (n) == (size_t)(b), EMBER_INVALID_ARGUMENT,       \
                  "expected %d or %d arguments, got %zu", (int)(a), (int)(b), (size_t)(n))

/* "[1, 2, 3]" into buf (truncated if it does not fit). */
static inline void nn_shape_str(char* buf, size_t bytes, int dim, const int64_t* sizes)
{
    size_t n = 0;
    buf[0] = 0;
    n += (size_t)snprintf(buf, bytes, "[");
    for (int i = 0; i < dim && n < bytes; i++)
        n += (size_t)snprintf(buf + n, bytes - n, i ? ", %lld" : "%lld", (long long)sizes[i]);
    if (n < bytes) snprintf(buf + n, bytes - n, "]");
}

/* The sizes of t as int64. */
static inline void nn_sizes(const ember_tensor* t, int64_t* sizes)
{
    for (int i = 0; i < t->dim; i++) sizes[i] = t->sizes[i];
}

/* Fails with EMBER_SHAPE_MISMATCH, naming both shapes, unless t has rank `dim` and `want`. */
static inline ember_status nn_check_shape(ember_kernel_ctx* ctx, const char* what,
                                          const ember_tensor* t, int dim, const int64_t* want)
{
    bool ok = t->dim == dim;
    for (int i = 0; ok && i < dim; i++) ok = t->sizes[i] == want[i];
    if (ok) return EMBER_OK;
    char got_s[96], want_s[96];
    int64_t got[EMBER_MAX_DIMS];
    nn_sizes(t, got);
    nn_shape_str(got_s, sizeof got_s, t->dim, got);
    nn_shape_str(want_s, sizeof want_s, dim, want);
    return ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH, "%s has shape %s, expected %s", what,
                             got_s, want_s);
}

/* Fails unless ember_tensor_extent_ok(t): "<what> <k> has shape [..]: ..." (k < 0: no number). */
static inline ember_status nn_check_extent(ember_kernel_ctx* ctx, const char* what, int k,
                                           const ember_tensor* t)
{
    if (ember_tensor_extent_ok(t)) return EMBER_OK;
    char s[96];
    int64_t sizes[EMBER_MAX_DIMS];
    nn_sizes(t, sizes);
    nn_shape_str(s, sizeof s, t->dim, sizes);
    if (k < 0)
        return ember_kernel_fail(ctx, EMBER_NOT_SUPPORTED,
                                 "%s has shape %s: its nonzero sizes multiply past 2^31-1", what,
                                 s);
    return ember_kernel_fail(ctx, EMBER_NOT_SUPPORTED,
                             "%s %d has shape %s: its nonzero sizes multiply past 2^31-1", what, k,
                             s);
}

/* args[i] must be a tensor in contiguous dim order; stored in *t. */
static inline ember_status nn_get_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t i, ember_tensor** t)
{
    EMBER_REQUIRE_TAG(ctx, args, i, EMBER_VALUE_TENSOR);
    EMBER_REQUIRE(ctx, args[i]->u.t != NULL, EMBER_INVALID_ARGUMENT, "argument %d: no tensor",
                  (int)i);
    EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(args[i]->u.t), EMBER_NOT_SUPPORTED,
                  "argument %d: only contiguous dim order is supported", (int)i);
    NN_TRY(nn_check_extent(ctx, "argument", (int)i, args[i]->u.t));
    *t = args[i]->u.t;
    return EMBER_OK;
}

/* Like nn_get_tensor, for an argument run writes: also declares it (ember_kernel_out). */
static inline ember_status nn_get_out(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                      ember_tensor** t)
{
    NN_TRY(nn_get_tensor(ctx, args, i, t));
    return ember_kernel_out(ctx, args, i);
}

/* Like nn_get_tensor, but a Null value gives *t = NULL. */
static inline ember_status nn_get_opt_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                             size_t i, ember_tensor** t)
{
    if (ember_is_null(args[i])) {
        *t = NULL;
        return EMBER_OK;
    }
    return nn_get_tensor(ctx, args, i, t);
}

static inline ember_status nn_require_dtype(ember_kernel_ctx* ctx, const char* what,
                                            const ember_tensor* t, int dtype)
{
    EMBER_REQUIRE(ctx, t->dtype == dtype, EMBER_DTYPE_MISMATCH, "%s is %s, expected %s", what,
                  ember_dtype_name(t->dtype), ember_dtype_name(dtype));
    return EMBER_OK;
}

/* The float dtypes the nn kernels compute on: float32 (the fast paths), and float16/bfloat16
 * through the *_half kernels, which load each element to float, compute and accumulate in
 * float, and round once when storing, as torch's CPU kernels do. */
static inline bool nn_dtype_is_f32_or_half(int dt)
{
    return dt == EMBER_DTYPE_F32 || ember_dtype_is_half(dt);
}

/* `t` is float32, float16 or bfloat16, and of `ref`'s dtype when ref is given: "<what> has dtype
 * X, which this kernel does not support (float32, float16, bfloat16)" or "<what> is X, expected
 * Y". */
static inline ember_status nn_require_float(ember_kernel_ctx* ctx, const char* what,
                                            const ember_tensor* t, const ember_tensor* ref)
{
    EMBER_REQUIRE(ctx, nn_dtype_is_f32_or_half(t->dtype), EMBER_DTYPE_MISMATCH,
                  "%s has dtype %s, which this kernel does not support (float32, float16, "
                  "bfloat16)", what, ember_dtype_name(t->dtype));
    if (ref) NN_TRY(nn_require_dtype(ctx, what, t, ref->dtype));
    return EMBER_OK;
}

/* Element i of a float32, float16 or bfloat16 tensor's data as float / stored from float. The
 * half kernels call these per element; the dtype is loop-invariant, so the branch predicts. */
static inline float nn_ld(const void* data, int dtype, int64_t i)
{
    if (dtype == EMBER_DTYPE_F16) return ember_f16_to_f32(((const uint16_t*)data)[i]);
    if (dtype == EMBER_DTYPE_BF16) return ember_bf16_to_f32(((const uint16_t*)data)[i]);
    return ((const float*)data)[i];
}
static inline void nn_st(void* data, int dtype, int64_t i, float v)
{
    if (dtype == EMBER_DTYPE_F16) ((uint16_t*)data)[i] = ember_f32_to_f16(v);
    else if (dtype == EMBER_DTYPE_BF16) ((uint16_t*)data)[i] = ember_f32_to_bf16(v);
    else ((float*)data)[i] = v;
}

/* Same dtype as `ref`, for the dtype-agnostic copies. */
static inline ember_status nn_require_same_dtype(ember_kernel_ctx* ctx, const char* what,
                                                 const ember_tensor* t, const ember_tensor* ref)
{
    EMBER_REQUIRE(ctx, t->dtype == ref->dtype, EMBER_DTYPE_MISMATCH, "%s is %s, expected %s",
                  what, ember_dtype_name(t->dtype), ember_dtype_name(ref->dtype));
    EMBER_REQUIRE(ctx, ember_dtype_size(t->dtype) > 0, EMBER_NOT_SUPPORTED,
                  "%s: dtype %s has no kernels", what, ember_dtype_name(t->dtype));
    return EMBER_OK;
}

static inline ember_status nn_get_int(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                      int64_t* v)
{
    EMBER_REQUIRE_TAG(ctx, args, i, EMBER_VALUE_INT);
    *v = args[i]->u.i;
    return EMBER_OK;
}

/* An Int argument that must lie in [lo, hi]: "<what> = <v> is out of range [lo, hi]". */
static inline ember_status nn_get_int_in(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                         const char* what, int64_t lo, int64_t hi, int64_t* v)
{
    EMBER_REQUIRE(ctx, args[i]->tag == EMBER_VALUE_INT, EMBER_INVALID_ARGUMENT,
                  "%s (argument %d): expected an int, got value kind %u", what, (int)i,
                  (unsigned)args[i]->tag);
    *v = args[i]->u.i;
    EMBER_REQUIRE(ctx, *v >= lo && *v <= hi, EMBER_INVALID_ARGUMENT,
                  "%s = %lld is out of range [%lld, %lld]", what, (long long)*v, (long long)lo,
                  (long long)hi);
    return EMBER_OK;
}

/* Every item of an int list lies in [lo, hi]: "<what>[k] = <v> is out of range [lo, hi]". */
static inline ember_status nn_check_ints_in(ember_kernel_ctx* ctx, const char* what,
                                            const int64_t* v, size_t n, int64_t lo, int64_t hi)
{
    for (size_t k = 0; k < n; k++)
        EMBER_REQUIRE(ctx, v[k] >= lo && v[k] <= hi, EMBER_INVALID_ARGUMENT,
                      "%s[%zu] = %lld is out of range [%lld, %lld]", what, k, (long long)v[k],
                      (long long)lo, (long long)hi);
    return EMBER_OK;
}

static inline ember_status nn_get_ints(ember_kernel_ctx* ctx, ember_value* const* args,
                                       size_t i, const int64_t** v, size_t* n)
{
    EMBER_REQUIRE_TAG(ctx, args, i, EMBER_VALUE_INT_LIST);
    EMBER_REQUIRE(ctx, args[i]->len == 0 || args[i]->u.ints != NULL, EMBER_INVALID_ARGUMENT,
                  "argument %d: int list without items", (int)i);
    *v = args[i]->u.ints;
    *n = args[i]->len;
    return EMBER_OK;
}

/* A float (Double, or an Int/Bool that stands for one). */
static inline ember_status nn_get_double(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t i, double* v)
{
    EMBER_REQUIRE(ctx, ember_scalar_as_double(args[i], v), EMBER_INVALID_ARGUMENT,
                  "argument %d: expected a number, got value kind %u", (int)i,
                  (unsigned)args[i]->tag);
    return EMBER_OK;
}

static inline ember_status nn_get_bool(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                       bool* v)
{
    EMBER_REQUIRE_TAG(ctx, args, i, EMBER_VALUE_BOOL);
    *v = args[i]->u.b;
    return EMBER_OK;
}

/* Item k of an int[N] argument whose list may hold N items or one item for all. */
static inline int64_t nn_list_at(const ember_value* v, size_t k, int64_t dflt)
{
    if (v->tag != EMBER_VALUE_INT_LIST || v->len == 0) return dflt;
    return v->u.ints[v->len == 1 ? 0 : k];
}

/* Copies one element of `esize` bytes; a constant size lets the compiler inline it. */
#define NN_COPY_ELEMS(T)                                                                        \
    do {                                                                                        \
        for (int64_t k_ = 0; k_ < inner; k_++) {                                                \
            T v_;                                                                               \
            memcpy(&v_, s + k_ * step, sizeof(T));                                              \
            memcpy(o + k_ * (int64_t)sizeof(T), &v_, sizeof(T));                                \
        }                                                                                       \
    } while (0)

/* out (sizes..., contiguous) = the elements of `in` at offsets sum(idx[d] * strides[d]).
 * `in` points at element (0, .., 0); strides are in elements and may be 0 (broadcast) or
 * negative (flip). Dims of size 1 are dropped and mergeable dims merged, so a row-major
 * inner run becomes one memcpy. dim <= 2 * EMBER_MAX_DIMS. */
static inline void nn_copy_strided(void* out, const void* in, int dim, const int64_t* sizes,
                                   const int64_t* strides, size_t esize)
{
    enum { MAXD = 2 * EMBER_MAX_DIMS };
    int64_t sz[MAXD], st[MAXD], idx[MAXD];
    int n = 0;
    for (int d = 0; d < dim; d++)
        if (sizes[d] == 0) return;
    for (int d = 0; d < dim; d++) {
        if (sizes[d] == 1) continue;
        if (n > 0 && st[n - 1] == strides[d] * sizes[d]) {
            sz[n - 1] *= sizes[d];
            st[n - 1] = strides[d];
            continue;
        }
        sz[n] = sizes[d];
        st[n] = strides[d];
        n++;
    }
    char* o = (char*)out;
    if (n == 0) {
        memmove(o, in, esize);
        return;
    }
    const int64_t inner = sz[n - 1];
    const int64_t step = st[n - 1] * (int64_t)esize;
    const int64_t row_bytes = inner * (int64_t)esize;
    for (int d = 0; d < n - 1; d++) idx[d] = 0;
    int64_t off = 0; /* bytes into `in` of the current row */
    for (;;) {
        const char* s = (const char*)in + off;
        if (step == (int64_t)esize) {
            memmove(o, s, (size_t)row_bytes);
        } else {
            switch (esize) {
            case 1: NN_COPY_ELEMS(uint8_t); break;
            case 2: NN_COPY_ELEMS(uint16_t); break;
            case 4: NN_COPY_ELEMS(uint32_t); break;
            case 8: NN_COPY_ELEMS(uint64_t); break;
            default:
                for (int64_t k = 0; k < inner; k++)
                    memcpy(o + k * (int64_t)esize, s + k * step, esize);
                break;
            }
        }
        o += row_bytes;
        int d = n - 2;
        for (; d >= 0; d--) {
            off += st[d] * (int64_t)esize;
            if (++idx[d] < sz[d]) break;
            off -= st[d] * sz[d] * (int64_t)esize;
            idx[d] = 0;
        }
        if (d < 0) return;
    }
}

/* Row-major strides (in elements) of a shape. */
static inline void nn_contiguous_strides(int dim, const int64_t* sizes, int64_t* strides)
{
    int64_t s = 1;
    for (int d = dim - 1; d >= 0; d--) {
        strides[d] = s;
        s *= sizes[d];
    }
}

/* The product of sizes, or 0 if any is 0 (checked first, so sizes beside a 0 never multiply).
 * Callers pass sizes whose nonzero product is known to fit (a checked out shape). */
static inline int64_t nn_numel(int dim, const int64_t* sizes)
{
    for (int d = 0; d < dim; d++)
        if (sizes[d] == 0) return 0;
    int64_t n = 1;
    for (int d = 0; d < dim; d++) n *= sizes[d];
    return n;
}

/* A strided read of a contiguous tensor: element (i0, i1, ..) of the view is
 * data[offset + sum(i_d * strides[d])]. The view family builds one of these from its args and
 * hands it to nn_copy_strided. */
typedef struct nn_view {
    int dim;
    int64_t sizes[2 * EMBER_MAX_DIMS];
    int64_t strides[2 * EMBER_MAX_DIMS]; /* elements; 0 broadcasts, negative walks back */
    int64_t offset;                      /* elements */
} nn_view;

/* The identity view of a contiguous tensor. */
static inline void nn_view_of(const ember_tensor* t, nn_view* v)
{
    v->dim = t->dim;
    nn_sizes(t, v->sizes);
    nn_contiguous_strides(t->dim, v->sizes, v->strides);
    v->offset = 0;
}

/* out = the view `v` of `in`'s data. */
static inline void nn_view_copy(ember_tensor* out, const ember_tensor* in, const nn_view* v)
{
    const size_t es = ember_dtype_size(in->dtype);
    if (nn_numel(v->dim, v->sizes) == 0) return;
    nn_copy_strided(out->data, (const char*)in->data + v->offset * (int64_t)es, v->dim, v->sizes,
                    v->strides, es);
}

/* out = args[out_i]: a tensor of self's (args[0]) dtype with the view's shape; declared as the
 * kernel's out. */
static inline ember_status nn_view_out_check(ember_kernel_ctx* ctx, ember_value* const* args,
                                             size_t out_i, const nn_view* v)
{
    ember_tensor* out;
    NN_TRY(nn_get_out(ctx, args, out_i, &out));
    NN_TRY(nn_require_same_dtype(ctx, "out", out, args[0]->u.t));
    return nn_check_shape(ctx, "out", out, v->dim, v->sizes);
}

#endif /* EMBER_UTIL_NN_H */
