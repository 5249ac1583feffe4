/* strided.h — the view/copy kernels' machinery (kernel_util.h's vocabulary): one strided copy
 * (ember_copy_strided), row-major strides and element counts of int64 shapes, and ember_view, a
 * strided read of a contiguous tensor that the view family (slice, permute, expand, diagonal,
 * as_strided, unfold ...) builds in prepare and copies out in run. Everything is static inline;
 * nothing allocates. */
#ifndef EMBER_STRIDED_H
#define EMBER_STRIDED_H

#include "kernels/kernel_util.h"

/* Copies one element of `esize` bytes; a constant size lets the compiler inline it. */
#define EMBER_COPY_ELEMS_(T)                                                                    \
    do {                                                                                        \
        for (int64_t k_ = 0; k_ < inner; k_++) {                                                \
            T v_;                                                                               \
            memcpy(&v_, s + k_ * step, sizeof(T));                                              \
            memcpy(o + k_ * (int64_t)sizeof(T), &v_, sizeof(T));                                \
        }                                                                                       \
    } while (0)

/* A transposing block: out (rows, cols) row-major, cols = sz[n-1], takes in[i + j * sj] (the
 * source contiguous along the rows). Squares of EMBER_TTILE_ x EMBER_TTILE_ elements, so the
 * tile's source lines stay in L1 while every one of its rows is written. */
#define EMBER_TTILE_ 16
#define EMBER_TRANSPOSE_(T)                                                                     \
    do {                                                                                        \
        T* o_ = (T*)o;                                                                          \
        const T* s_ = (const T*)s;                                                              \
        for (int64_t i0 = 0; i0 < rows; i0 += EMBER_TTILE_) {                                   \
            const int64_t i1 = i0 + EMBER_TTILE_ < rows ? i0 + EMBER_TTILE_ : rows;             \
            for (int64_t j0 = 0; j0 < cols; j0 += EMBER_TTILE_) {                               \
                const int64_t j1 = j0 + EMBER_TTILE_ < cols ? j0 + EMBER_TTILE_ : cols;         \
                for (int64_t i = i0; i < i1; i++)                                               \
                    for (int64_t j = j0; j < j1; j++) o_[i * cols + j] = s_[i + j * sj];        \
            }                                                                                   \
        }                                                                                       \
    } while (0)

/* The next position of an odometer over dims 0..last (idx[d] < sz[d], the last dim fastest),
 * moving *off (bytes) by the strides st (elements of esize bytes); false once it wraps. */
static inline bool ember_strided_next(int64_t* idx, const int64_t* sz, const int64_t* st,
                                      int last, size_t esize, int64_t* off)
{
    for (int d = last; d >= 0; d--) {
        *off += st[d] * (int64_t)esize;
        if (++idx[d] < sz[d]) return true;
        *off -= st[d] * sz[d] * (int64_t)esize;
        idx[d] = 0;
    }
    return false;
}

/* out (sizes..., contiguous) = the elements of `in` at offsets sum(idx[d] * strides[d]).
 * `in` points at element (0, .., 0); strides are in elements and may be 0 (broadcast) or
 * negative (flip). Dims of size 1 are dropped and mergeable dims merged, so a row-major
 * inner run becomes one memcpy. dim <= 2 * EMBER_MAX_DIMS. */
static inline void ember_copy_strided(void* out, const void* in, int dim, const int64_t* sizes,
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
    if (n >= 2 && st[n - 2] == 1 && st[n - 1] != 1 && sz[n - 2] >= 4 && inner >= 4 &&
        (esize == 4 || esize == 2 || esize == 8 || esize == 1)) {
        /* A transpose of the last two dims (the source contiguous along the second last, as
         * permute (0, 2, 1), NCHW -> NHWC and k.transpose(-1, -2) give): tiled, per block of
         * the dims before them. */
        const int64_t rows = sz[n - 2], cols = inner, sj = st[n - 1];
        const int64_t block_bytes = rows * row_bytes;
        for (int d = 0; d < n - 2; d++) idx[d] = 0;
        int64_t off = 0;
        for (;;) {
            const char* s = (const char*)in + off;
            switch (esize) {
            case 1: EMBER_TRANSPOSE_(uint8_t); break;
            case 2: EMBER_TRANSPOSE_(uint16_t); break;
            case 4: EMBER_TRANSPOSE_(uint32_t); break;
            default: EMBER_TRANSPOSE_(uint64_t); break;
            }
            o += block_bytes;
            if (!ember_strided_next(idx, sz, st, n - 3, esize, &off)) return;
        }
    }
    for (int d = 0; d < n - 1; d++) idx[d] = 0;
    int64_t off = 0; /* bytes into `in` of the current row */
    for (;;) {
        const char* s = (const char*)in + off;
        if (step == (int64_t)esize) {
            memmove(o, s, (size_t)row_bytes);
        } else {
            switch (esize) {
            case 1: EMBER_COPY_ELEMS_(uint8_t); break;
            case 2: EMBER_COPY_ELEMS_(uint16_t); break;
            case 4: EMBER_COPY_ELEMS_(uint32_t); break;
            case 8: EMBER_COPY_ELEMS_(uint64_t); break;
            default:
                for (int64_t k = 0; k < inner; k++)
                    memcpy(o + k * (int64_t)esize, s + k * step, esize);
                break;
            }
        }
        o += row_bytes;
        if (!ember_strided_next(idx, sz, st, n - 2, esize, &off)) return;
    }
}

/* Row-major strides (in elements) of a shape. */
static inline void ember_contiguous_strides(int dim, const int64_t* sizes, int64_t* strides)
{
    int64_t s = 1;
    for (int d = dim - 1; d >= 0; d--) {
        strides[d] = s;
        s *= sizes[d];
    }
}

/* The product of sizes, or 0 if any is 0 (checked first, so sizes beside a 0 never multiply).
 * Callers pass sizes whose nonzero product is known to fit (a checked out shape). */
static inline int64_t ember_shape_numel(int dim, const int64_t* sizes)
{
    for (int d = 0; d < dim; d++)
        if (sizes[d] == 0) return 0;
    int64_t n = 1;
    for (int d = 0; d < dim; d++) n *= sizes[d];
    return n;
}

/* A strided read of a contiguous tensor: element (i0, i1, ..) of the view is
 * data[offset + sum(i_d * strides[d])]. The view family builds one of these from its args and
 * hands it to ember_copy_strided. */
typedef struct ember_view {
    int dim;
    int64_t sizes[2 * EMBER_MAX_DIMS];
    int64_t strides[2 * EMBER_MAX_DIMS]; /* elements; 0 broadcasts, negative walks back */
    int64_t offset;                      /* elements */
} ember_view;

/* The identity view of a contiguous tensor. */
static inline void ember_view_of(const ember_tensor* t, ember_view* v)
{
    v->dim = t->dim;
    ember_tensor_sizes(t, v->sizes);
    ember_contiguous_strides(t->dim, v->sizes, v->strides);
    v->offset = 0;
}

/* out = the view `v` of `in`'s data. */
static inline void ember_view_copy(ember_tensor* out, const ember_tensor* in, const ember_view* v)
{
    const size_t es = ember_dtype_size(in->dtype);
    if (ember_shape_numel(v->dim, v->sizes) == 0) return;
    ember_copy_strided(out->data, (const char*)in->data + v->offset * (int64_t)es, v->dim, v->sizes,
                       v->strides, es);
}

/* out = args[out_i]: a tensor of self's (args[0]) dtype with the view's shape; declared as the
 * kernel's out. */
static inline ember_status ember_check_view_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t out_i, const ember_view* v)
{
    ember_tensor* out;
    EMBER_TRY(ember_arg_out(ctx, args, out_i, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, args[0]->u.t));
    return ember_check_shape(ctx, "out", out, v->dim, v->sizes);
}
#undef EMBER_COPY_ELEMS_
#undef EMBER_TRANSPOSE_
#undef EMBER_TTILE_

#endif /* EMBER_STRIDED_H */
