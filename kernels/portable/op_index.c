/* op_index.c — copies addressed by integer index tensors (int64 or int32), any data dtype:
 *   aten::index_select.out  [self, dim, index, out, out]        index is 1-D (or 0-D)
 *   aten::index.Tensor_out  [self, indices, out, out]
 *       indices: an optional-tensor list, one entry per leading dim of self (missing = ":").
 *       Integer index tensors broadcast together to a shape B, as in torch: if the indexed dims
 *       are adjacent, B replaces them in place; otherwise B comes first. Boolean masks are not
 *       supported (their output shape depends on the data).
 *   aten::gather.out        [self, dim, index, sparse_grad, out, out]
 * Index values are data, so run checks their range (negative values count back for index;
 * index_select and gather are strict, as torch is) and fails with EMBER_OUT_OF_RANGE, naming
 * the index, the dim and its size, rather than read out of bounds. index_select checks every
 * index before writing; index and gather may leave out partly written. */
#include "kernels/portable/util_nn.h"

static bool is_index_dtype(int dt) { return dt == EMBER_DTYPE_I64 || dt == EMBER_DTYPE_I32; }

static int64_t load_index(const ember_tensor* t, int64_t i)
{
    return t->dtype == EMBER_DTYPE_I64 ? ((const int64_t*)t->data)[i]
                                       : ((const int32_t*)t->data)[i];
}

static ember_status require_index_tensor(ember_kernel_ctx* ctx, const char* what,
                                         const ember_tensor* t)
{
    EMBER_REQUIRE(ctx, t->dtype != EMBER_DTYPE_BOOL && t->dtype != EMBER_DTYPE_U8,
                  EMBER_NOT_SUPPORTED, "%s: boolean mask indices are not supported", what);
    EMBER_REQUIRE(ctx, is_index_dtype(t->dtype), EMBER_DTYPE_MISMATCH,
                  "%s is %s, expected int64 or int32", what, ember_dtype_name(t->dtype));
    EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(t), EMBER_NOT_SUPPORTED,
                  "%s: only contiguous dim order is supported", what);
    return EMBER_OK;
}

/* Run's failure for an index outside [0, len) of dim d (torch: "index out of range in self"). */
static ember_status index_fail(ember_kernel_ctx* ctx, int64_t v, int d, int64_t len)
{
    return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                             "index %lld is out of range for dimension %d of size %lld",
                             (long long)v, d, (long long)len);
}

/* ---- index_select ------------------------------------------------------------------------ */

static ember_status run_index_select(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* index = args[2]->u.t;
    ember_tensor* out = args[3]->u.t;
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    const size_t es = ember_dtype_size(self->dtype);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < d; i++) outer *= self->sizes[i];
    for (int i = d + 1; i < self->dim; i++) inner *= self->sizes[i];
    const int64_t len = self->sizes[d], n = index->numel;
    for (int64_t k = 0; k < n; k++) {
        const int64_t v = load_index(index, k);
        if (v < 0 || v >= len) return index_fail(ctx, v, d, len);
    }
    const size_t block = (size_t)inner * es;
    char* o = (char*)out->data;
    for (int64_t i = 0; i < outer; i++)
        for (int64_t k = 0; k < n; k++, o += block)
            memcpy(o, (const char*)self->data + (size_t)(i * len + load_index(index, k)) * block,
                   block);
    return EMBER_OK;
}

ember_status ember_prepare_aten_index_select_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor *self, *index, *out;
    NN_TRY(nn_get_tensor(ctx, args, 0, &self));
    EMBER_REQUIRE_TAG(ctx, args, 1, EMBER_VALUE_INT);
    NN_TRY(nn_get_tensor(ctx, args, 2, &index));
    NN_TRY(nn_get_out(ctx, args, 3, &out));
    NN_TRY(nn_require_same_dtype(ctx, "out", out, self));
    NN_TRY(require_index_tensor(ctx, "index", index));
    EMBER_REQUIRE(ctx, self->dim >= 1, EMBER_NOT_SUPPORTED, "rank-0 self is not supported");
    EMBER_REQUIRE(ctx, index->dim <= 1, EMBER_INVALID_ARGUMENT, "index has rank %d, expected 1",
                  index->dim);
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld out of range for rank %d",
                  (long long)args[1]->u.i, self->dim);
    int64_t want[EMBER_MAX_DIMS];
    nn_sizes(self, want);
    want[d] = index->numel;
    NN_TRY(nn_check_shape(ctx, "out", out, self->dim, want));
    *run = run_index_select;
    return EMBER_OK;
}

/* ---- index.Tensor ------------------------------------------------------------------------ */

/* How the output of index.Tensor reads self. Output dims ("slots") are either a dim of the
 * broadcast index shape B or a plain dim of self; the self dims after the last indexed dim
 * are always the output's trailing dims and are copied as one contiguous block. */
typedef struct index_plan {
    int nidx;                                   /* index tensors given */
    const ember_tensor* idx[EMBER_MAX_DIMS];    /* (nidx) */
    int idx_dim[EMBER_MAX_DIMS];                /* (nidx) the self dim each one indexes */
    int bdim;                                   /* rank of B */
    int64_t bsizes[EMBER_MAX_DIMS];             /* (bdim) */
    int64_t istr[EMBER_MAX_DIMS][EMBER_MAX_DIMS]; /* (nidx, bdim) index strides, 0 = broadcast */
    int out_dim;
    int64_t out_sizes[2 * EMBER_MAX_DIMS];      /* (out_dim) */
    int slot[2 * EMBER_MAX_DIMS];               /* (out_dim) self dim d >= 0, or B dim -1 - b */
    int nouter;                                 /* slots before the trailing block */
    int64_t block;                              /* elements per trailing block */
    bool broadcast_ok;
} index_plan;

/* Builds the plan from [self, indices] (tags and dtypes already checked). */
static void index_plan_build(ember_value* const* args, index_plan* p)
{
    const ember_tensor* self = args[0]->u.t;
    const ember_value* list = args[1];
    p->nidx = 0;
    p->bdim = 0;
    p->broadcast_ok = true;
    for (uint32_t k = 0; k < list->len; k++) {
        const ember_tensor* t = list->u.tensors[k];
        if (!t) continue;
        p->idx[p->nidx] = t;
        p->idx_dim[p->nidx] = (int)k;
        p->nidx++;
        if (t->dim > p->bdim) p->bdim = t->dim;
    }
    for (int b = 0; b < p->bdim; b++) p->bsizes[b] = 1;
    for (int j = 0; j < p->nidx; j++) { /* B = broadcast of the index shapes, right-aligned */
        const ember_tensor* t = p->idx[j];
        for (int a = 0; a < t->dim; a++) {
            const int b = p->bdim - t->dim + a;
            if (p->bsizes[b] == 1) p->bsizes[b] = t->sizes[a];
            else if (t->sizes[a] != 1 && t->sizes[a] != p->bsizes[b]) p->broadcast_ok = false;
        }
    }
    for (int j = 0; j < p->nidx; j++) {
        const ember_tensor* t = p->idx[j];
        int64_t s = 1;
        for (int b = p->bdim - 1; b >= 0; b--) {
            const int a = t->dim - p->bdim + b;
            const int64_t size = a >= 0 ? t->sizes[a] : 1;
            p->istr[j][b] = (size == 1) ? 0 : s;
            s *= size;
        }
    }
    const int first = p->nidx ? p->idx_dim[0] : 0, last = p->nidx ? p->idx_dim[p->nidx - 1] : -1;
    const bool adjacent = last - first + 1 == p->nidx;
    int n = 0;
    if (adjacent)
        for (int d = 0; d < first; d++) p->slot[n++] = d;
    for (int b = 0; b < p->bdim; b++) p->slot[n++] = -1 - b;
    if (!adjacent)
        for (int d = 0; d < last; d++)
            if ((uint32_t)d >= list->len || !list->u.tensors[d]) p->slot[n++] = d;
    p->nouter = n;
    p->block = 1;
    for (int d = last + 1; d < self->dim; d++) {
        p->slot[n++] = d;
        p->block *= self->sizes[d];
    }
    p->out_dim = n;
    for (int s = 0; s < n; s++)
        p->out_sizes[s] = p->slot[s] >= 0 ? self->sizes[p->slot[s]] : p->bsizes[-1 - p->slot[s]];
}

static ember_status run_index_tensor(ember_kernel_ctx* ctx, ember_value* const* args)
{
    index_plan p;
    index_plan_build(args, &p);
    const ember_tensor* self = args[0]->u.t;
    ember_tensor* out = args[2]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const size_t es = ember_dtype_size(self->dtype), block = (size_t)p.block * es;
    int64_t sstr[EMBER_MAX_DIMS], ssz[EMBER_MAX_DIMS], cnt[2 * EMBER_MAX_DIMS] = {0};
    nn_sizes(self, ssz);
    nn_contiguous_strides(self->dim, ssz, sstr);
    char* o = (char*)out->data;
    for (;;) {
        int64_t off = 0;
        for (int s = 0; s < p.nouter; s++)
            if (p.slot[s] >= 0) off += cnt[s] * sstr[p.slot[s]];
        for (int j = 0; j < p.nidx; j++) {
            int64_t e = 0;
            for (int s = 0; s < p.nouter; s++)
                if (p.slot[s] < 0) e += cnt[s] * p.istr[j][-1 - p.slot[s]];
            const int64_t raw = load_index(p.idx[j], e), len = ssz[p.idx_dim[j]];
            const int64_t v = raw < 0 ? raw + len : raw; /* raw >= INT64_MIN: no overflow */
            if (v < 0 || v >= len) return index_fail(ctx, raw, p.idx_dim[j], len);
            off += v * sstr[p.idx_dim[j]];
        }
        memcpy(o, (const char*)self->data + (size_t)off * es, block);
        o += block;
        int s = p.nouter - 1;
        for (; s >= 0; s--) {
            if (++cnt[s] < p.out_sizes[s]) break;
            cnt[s] = 0;
        }
        if (s < 0) return EMBER_OK;
    }
}

ember_status ember_prepare_aten_index_Tensor_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor *self, *out;
    NN_TRY(nn_get_tensor(ctx, args, 0, &self));
    NN_TRY(nn_get_out(ctx, args, 2, &out));
    NN_TRY(nn_require_same_dtype(ctx, "out", out, self));
    const ember_value* list = args[1];
    EMBER_REQUIRE(ctx, list->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST ||
                           list->tag == EMBER_VALUE_TENSOR_LIST,
                  EMBER_INVALID_ARGUMENT, "indices: expected a tensor list, got value kind %u",
                  (unsigned)list->tag);
    EMBER_REQUIRE(ctx, list->len <= self->dim, EMBER_INVALID_ARGUMENT,
                  "%u indices for a rank-%d tensor", (unsigned)list->len, self->dim);
    int given = 0;
    for (uint32_t k = 0; k < list->len; k++) {
        const ember_tensor* t = list->u.tensors[k];
        if (!t) continue;
        given++;
        NN_TRY(require_index_tensor(ctx, "indices[]", t));
        NN_TRY(nn_check_extent(ctx, "indices", (int)k, t));
    }
    EMBER_REQUIRE(ctx, given > 0, EMBER_NOT_SUPPORTED, "indices has no index tensor");
    index_plan p;
    index_plan_build(args, &p);
    EMBER_REQUIRE(ctx, p.broadcast_ok, EMBER_SHAPE_MISMATCH,
                  "index tensors do not broadcast together");
    EMBER_REQUIRE(ctx, p.out_dim <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED,
                  "result would have rank %d", p.out_dim);
    NN_TRY(nn_check_shape(ctx, "out", out, p.out_dim, p.out_sizes));
    *run = run_index_tensor;
    return EMBER_OK;
}

/* ---- gather ------------------------------------------------------------------------------ */

static ember_status run_gather(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* index = args[2]->u.t;
    char* o = (char*)args[4]->u.t->data;
    const int r = index->dim, d = ember_wrap_dim(args[1]->u.i, self->dim);
    const size_t es = ember_dtype_size(self->dtype);
    int64_t ssz[EMBER_MAX_DIMS], sstr[EMBER_MAX_DIMS], cnt[EMBER_MAX_DIMS] = {0};
    nn_sizes(self, ssz);
    nn_contiguous_strides(self->dim, ssz, sstr);
    const int64_t len = self->dim ? ssz[d] : 1;
    for (int64_t e = 0; e < index->numel; e++, o += es) {
        const int64_t v = load_index(index, e);
        if (v < 0 || v >= len) return index_fail(ctx, v, d, len);
        int64_t off = 0;
        for (int a = 0; a < r; a++) off += (a == d ? v : cnt[a]) * sstr[a];
        memcpy(o, (const char*)self->data + (size_t)off * es, es);
        for (int a = r - 1; a >= 0; a--) {
            if (++cnt[a] < index->sizes[a]) break;
            cnt[a] = 0;
        }
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_gather_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    ember_tensor *self, *index, *out;
    NN_TRY(nn_get_tensor(ctx, args, 0, &self));
    EMBER_REQUIRE_TAG(ctx, args, 1, EMBER_VALUE_INT);
    NN_TRY(nn_get_tensor(ctx, args, 2, &index));
    NN_TRY(nn_get_out(ctx, args, 4, &out));
    NN_TRY(nn_require_same_dtype(ctx, "out", out, self));
    NN_TRY(require_index_tensor(ctx, "index", index));
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld out of range for rank %d",
                  (long long)args[1]->u.i, self->dim);
    EMBER_REQUIRE(ctx, index->dim == self->dim, EMBER_SHAPE_MISMATCH,
                  "index has rank %d, self rank %d", index->dim, self->dim);
    for (int a = 0; a < self->dim; a++)
        EMBER_REQUIRE(ctx, a == d || index->sizes[a] <= self->sizes[a], EMBER_SHAPE_MISMATCH,
                      "index dim %d (%d) is larger than self's (%d)", a, (int)index->sizes[a],
                      (int)self->sizes[a]);
    int64_t want[EMBER_MAX_DIMS];
    nn_sizes(index, want);
    NN_TRY(nn_check_shape(ctx, "out", out, index->dim, want));
    *run = run_gather;
    return EMBER_OK;
}
