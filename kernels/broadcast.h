/* broadcast.h — the elementwise kernels' operands (kernel_util.h's vocabulary): numpy-style
 * broadcasting of up to three inputs to an out (ember_broadcast_shape, ember_check_broadcast_out
 * in prepare; the ember_bcast iterator in run), and a Scalar argument as a rank-0 operand
 * (ember_scalar_tensor). Everything is static inline; nothing allocates. */
#ifndef EMBER_BROADCAST_H
#define EMBER_BROADCAST_H

#include "kernels/kernel_util.h"

/* Broadcast shape of n tensors (NULL entries are skipped); false if they do not broadcast. */
static inline bool ember_broadcast_shape(const ember_tensor* const* ts, int n, int64_t* sizes,
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
            int64_t s = ts[k]->sizes[d];
            if (s == sizes[off + d] || s == 1) continue;
            if (sizes[off + d] != 1) return false;
            sizes[off + d] = s;
        }
    }
    *rank = r;
    return true;
}

/* `out` must have the broadcast shape of the n inputs (NULL entries skipped). */
static inline ember_status ember_check_broadcast_out(ember_kernel_ctx* ctx, const ember_tensor* out,
                                                     const ember_tensor* const* ins, int n)
{
    int64_t sizes[EMBER_MAX_DIMS];
    int rank = 0;
    if (!ember_broadcast_shape(ins, n, sizes, &rank)) {
        char s[3][96];
        int j = 0;
        for (int k = 0; k < n && j < 3; k++)
            if (ins[k]) {
                int64_t sz[EMBER_MAX_DIMS];
                ember_tensor_sizes(ins[k], sz);
                ember_shape_str(s[j++], sizeof s[0], ins[k]->dim, sz);
            }
        for (; j < 3; j++) s[j][0] = 0;
        return ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH,
                                 "input shapes %s %s %s do not broadcast", s[0], s[1], s[2]);
    }
    return ember_check_shape(ctx, "out (broadcast of the inputs)", out, rank, sizes);
}

/* ---- broadcasting iteration -------------------------------------------------------------- */

#define EMBER_BCAST_MAX_OPS 4

/* Out plus up to three inputs walked together over out's shape. Size-1 dims are dropped and
 * neighbouring dims merged where every operand allows it, so equal shapes become one row and
 * a scalar operand a stride-0 row. The last dim is the row; inputs' row strides are 0 or 1. */
typedef struct ember_bcast {
    int rank;                      /* >= 1 */
    int nops;                      /* out + inputs */
    int64_t sizes[EMBER_MAX_DIMS]; /* (rank) outermost first */
    /* (op, rank) element strides, 0 = broadcast */
    int64_t strides[EMBER_BCAST_MAX_OPS][EMBER_MAX_DIMS];
} ember_bcast;

/* ins[k] may be NULL (an absent optional operand: stride 0 everywhere). All contiguous. */
static inline void ember_bcast_init(ember_bcast* b, const ember_tensor* out,
                                    const ember_tensor* const* ins, int nin)
{
    int r = out->dim;
    int64_t st[EMBER_BCAST_MAX_OPS][EMBER_MAX_DIMS];
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

static inline int64_t ember_bcast_rows(const ember_bcast* b)
{
    int64_t rows = 1;
    for (int d = 0; d < b->rank - 1; d++) rows *= b->sizes[d];
    return rows;
}

/* Steps the outer index (dims 0..rank-2) by one row, updating every operand's offset. */
static inline void ember_bcast_next(const ember_bcast* b, int64_t* idx, int64_t* off)
{
    for (int d = b->rank - 2; d >= 0; d--) {
        for (int k = 0; k < b->nops; k++) off[k] += b->strides[k][d];
        if (++idx[d] < b->sizes[d]) return;
        for (int k = 0; k < b->nops; k++) off[k] -= b->strides[k][d] * b->sizes[d];
        idx[d] = 0;
    }
}

/* ---- Scalar operands ------------------------------------------------------------------- */

/* Storage for a Scalar argument turned into a rank-0 tensor. */
typedef struct ember_scalar_box {
    ember_tensor t;
    union {
        float f;
        double d;
        int64_t i;
        uint8_t b;
    } v;
} ember_scalar_box;

/* A Scalar value as a rank-0 tensor whose dtype follows torch's tensor-with-Python-scalar
 * rule: a floating tensor keeps its dtype; an integer/bool tensor with a float scalar
 * computes in float (double here); int with int stays int64; bool with bool stays bool. */
static inline const ember_tensor* ember_scalar_tensor(ember_scalar_box* box, const ember_value* v,
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

#endif /* EMBER_BROADCAST_H */
