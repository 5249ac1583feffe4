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
 * index before writing; index and gather may leave out partly written.
 *   aten::index_put.out     [self, indices, values, accumulate, out, out]   (see below) */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"
#include "kernels/strided.h"

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
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "index", EMBER_DTYPES_ALL, &index));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
    EMBER_TRY(require_index_tensor(ctx, "index", index));
    EMBER_REQUIRE(ctx, self->dim >= 1, EMBER_NOT_SUPPORTED, "rank-0 self is not supported");
    EMBER_REQUIRE(ctx, index->dim <= 1, EMBER_INVALID_ARGUMENT, "index has rank %d, expected 1",
                  index->dim);
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld out of range for rank %d",
                  (long long)args[1]->u.i, self->dim);
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(self, want);
    want[d] = index->numel;
    EMBER_TRY(ember_check_shape(ctx, "out", out, self->dim, want));
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

/* Copies one block of `bytes` (a multiple of es); a single element of 1, 2, 4 or 8 bytes, the
 * usual block when the last dim is indexed (unfold, gathers of positions), is one typed move. */
static inline void copy_block(char* o, const char* src, size_t bytes)
{
    switch (bytes) {
    case 1: *o = *src; break;
    case 2: memcpy(o, src, 2); break;
    case 4: memcpy(o, src, 4); break;
    case 8: memcpy(o, src, 8); break;
    default: memcpy(o, src, bytes); break;
    }
}

/* The output walks its outer slots row-major; the offsets that the slots before the innermost
 * one longer than 1 contribute (into self, and into each index tensor) are computed once per
 * row of that slot, which then steps them by a constant stride. */
static ember_status run_index_tensor(ember_kernel_ctx* ctx, ember_value* const* args)
{
    index_plan p;
    index_plan_build(args, &p);
    const ember_tensor* self = args[0]->u.t;
    ember_tensor* out = args[2]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const size_t es = ember_dtype_size(self->dtype), block = (size_t)p.block * es;
    int64_t sstr[EMBER_MAX_DIMS], ssz[EMBER_MAX_DIMS], cnt[2 * EMBER_MAX_DIMS] = {0};
    ember_tensor_sizes(self, ssz);
    ember_contiguous_strides(self->dim, ssz, sstr);
    /* The innermost outer slot longer than 1 (the slots after it stay at 0); -1 if none. */
    int last = p.nouter - 1;
    while (last > 0 && p.out_sizes[last] == 1) last--;
    const int64_t inner = last >= 0 ? p.out_sizes[last] : 1;
    const int64_t off_step = last >= 0 && p.slot[last] >= 0 ? sstr[p.slot[last]] : 0;
    int64_t e_step[EMBER_MAX_DIMS];
    for (int j = 0; j < p.nidx; j++)
        e_step[j] = last >= 0 && p.slot[last] < 0 ? p.istr[j][-1 - p.slot[last]] : 0;
    const char* data = (const char*)self->data;
    char* o = (char*)out->data;
    for (;;) {
        int64_t off0 = 0, e0[EMBER_MAX_DIMS];
        for (int s = 0; s < last; s++)
            if (p.slot[s] >= 0) off0 += cnt[s] * sstr[p.slot[s]];
        for (int j = 0; j < p.nidx; j++) {
            e0[j] = 0;
            for (int s = 0; s < last; s++)
                if (p.slot[s] < 0) e0[j] += cnt[s] * p.istr[j][-1 - p.slot[s]];
        }
        for (int64_t c = 0; c < inner; c++) {
            int64_t off = off0 + c * off_step;
            for (int j = 0; j < p.nidx; j++) {
                const int64_t raw = load_index(p.idx[j], e0[j] + c * e_step[j]);
                const int64_t len = ssz[p.idx_dim[j]];
                const int64_t v = raw < 0 ? raw + len : raw; /* raw >= INT64_MIN: no overflow */
                if (v < 0 || v >= len) return index_fail(ctx, raw, p.idx_dim[j], len);
                off += v * sstr[p.idx_dim[j]];
            }
            copy_block(o, data + (size_t)off * es, block);
            o += block;
        }
        int s = last - 1;
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
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
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
        EMBER_TRY(require_index_tensor(ctx, "indices[]", t));
        EMBER_TRY(ember_check_extent(ctx, "indices", (int)k, t));
    }
    EMBER_REQUIRE(ctx, given > 0, EMBER_NOT_SUPPORTED, "indices has no index tensor");
    index_plan p;
    index_plan_build(args, &p);
    EMBER_REQUIRE(ctx, p.broadcast_ok, EMBER_SHAPE_MISMATCH,
                  "index tensors do not broadcast together");
    EMBER_REQUIRE(ctx, p.out_dim <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED,
                  "result would have rank %d", p.out_dim);
    EMBER_TRY(ember_check_shape(ctx, "out", out, p.out_dim, p.out_sizes));
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
    ember_tensor_sizes(self, ssz);
    ember_contiguous_strides(self->dim, ssz, sstr);
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
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "index", EMBER_DTYPES_ALL, &index));
    EMBER_TRY(ember_arg_out(ctx, args, 4, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
    EMBER_TRY(require_index_tensor(ctx, "index", index));
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
    ember_tensor_sizes(index, want);
    EMBER_TRY(ember_check_shape(ctx, "out", out, index->dim, want));
    *run = run_gather;
    return EMBER_OK;
}

/* ---- index_put --------------------------------------------------------------------------- */
/* index_put.out: [self, indices, values, accumulate, out, out]: out = self, then
 * out[indices] = values (or += with accumulate), values broadcast to the shape self[indices]
 * has. Integer index tensors follow index.Tensor's plan above. One boolean (or uint8) mask is
 * supported too, as `x[mask] = v` exports: it covers self's dims from its position on, and
 * values must not depend on how many elements it selects (size 1 in the mask's place).
 * Repeated positions: the last write wins, or every value adds with accumulate. */

/* *dst (+)= *src for one element of `dtype` (integers wrap, bool ors); prepare admits
 * accumulate only for the dtypes below. */
static void put_elem(char* dst, const char* src, int dtype, size_t es, bool acc)
{
    if (!acc) {
        memcpy(dst, src, es);
        return;
    }
#define PUT_ADD(T, U)                                                                           \
    {                                                                                           \
        T a, b;                                                                                 \
        memcpy(&a, dst, sizeof a);                                                              \
        memcpy(&b, src, sizeof b);                                                              \
        a = (T)((U)a + (U)b);                                                                   \
        memcpy(dst, &a, sizeof a);                                                              \
        return;                                                                                 \
    }
    switch (dtype) {
    case EMBER_DTYPE_F32: PUT_ADD(float, float)
    case EMBER_DTYPE_F64: PUT_ADD(double, double)
    case EMBER_DTYPE_I64: PUT_ADD(int64_t, uint64_t)
    case EMBER_DTYPE_I32: PUT_ADD(int32_t, uint32_t)
    case EMBER_DTYPE_I16: PUT_ADD(int16_t, uint16_t)
    case EMBER_DTYPE_I8: PUT_ADD(int8_t, uint8_t)
    case EMBER_DTYPE_U8: PUT_ADD(uint8_t, uint8_t)
    case EMBER_DTYPE_BOOL: *dst = (char)(*dst || *src); return;
    default: return;
    }
#undef PUT_ADD
}

static bool is_mask_dtype(int dt) { return dt == EMBER_DTYPE_BOOL || dt == EMBER_DTYPE_U8; }

/* Element strides of `values` broadcast to (rank, sizes), right-aligned; false if it does not
 * broadcast. */
static bool put_value_strides(const ember_tensor* values, int rank, const int64_t* sizes,
                              int64_t* vstr)
{
    if (values->dim > rank) return false;
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        const int a = d - (rank - values->dim);
        const int64_t vs = a >= 0 ? values->sizes[a] : 1;
        if (vs != 1 && vs != sizes[d]) return false;
        vstr[d] = vs == 1 ? 0 : s;
        s *= vs;
    }
    return true;
}

/* The one mask of `indices`, or NULL (then every given entry is an integer index tensor). */
static const ember_tensor* put_mask(const ember_value* list, int* at)
{
    for (uint32_t k = 0; k < list->len; k++) {
        const ember_tensor* t = list->u.tensors[k];
        if (t && is_mask_dtype(t->dtype)) {
            *at = (int)k;
            return t;
        }
    }
    return NULL;
}

/* The mask case's virtual result shape (self's dims before the mask, 1, self's dims after). */
static int put_mask_shape(const ember_tensor* self, int at, const ember_tensor* mask,
                          int64_t* sizes)
{
    int r = 0;
    for (int d = 0; d < at; d++) sizes[r++] = self->sizes[d];
    sizes[r++] = 1;
    for (int d = at + mask->dim; d < self->dim; d++) sizes[r++] = self->sizes[d];
    return r;
}

/* Offset of flat element `e` of a (rank, sizes) space under strides `str`. */
static int64_t put_offset(int64_t e, int rank, const int64_t* sizes, const int64_t* str)
{
    int64_t off = 0;
    for (int d = rank - 1; d >= 0; d--) {
        off += (e % sizes[d]) * str[d];
        e /= sizes[d];
    }
    return off;
}

static ember_status run_index_put(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* values = args[2]->u.t;
    const bool acc = args[3]->u.b;
    ember_tensor* out = args[4]->u.t;
    if (out->numel == 0) return EMBER_OK;
    memmove(out->data, self->data, out->nbytes);
    const size_t es = ember_dtype_size(self->dtype);
    const char* vdata = (const char*)values->data;
    char* o = (char*)out->data;
    int64_t ssz[EMBER_MAX_DIMS], sstr[EMBER_MAX_DIMS], vstr[2 * EMBER_MAX_DIMS];
    ember_tensor_sizes(self, ssz);
    ember_contiguous_strides(self->dim, ssz, sstr);
    int at = 0;
    const ember_tensor* mask = put_mask(args[1], &at);
    if (mask) {
        int64_t vsz[EMBER_MAX_DIMS + 1];
        const int vr = put_mask_shape(self, at, mask, vsz);
        put_value_strides(values, vr, vsz, vstr);
        int64_t outer = 1, m = mask->numel, inner = 1;
        for (int d = 0; d < at; d++) outer *= ssz[d];
        for (int d = at + mask->dim; d < self->dim; d++) inner *= ssz[d];
        const uint8_t* mk = (const uint8_t*)mask->data;
        for (int64_t i = 0; i < outer; i++)
            for (int64_t k = 0; k < m; k++) {
                if (!mk[k]) continue;
                for (int64_t e = 0; e < inner; e++) {
                    const int64_t v_at = put_offset(i * inner + e, vr, vsz, vstr);
                    put_elem(o + (size_t)((i * m + k) * inner + e) * es,
                             vdata + (size_t)v_at * es, self->dtype, es, acc);
                }
            }
        return EMBER_OK;
    }
    index_plan p;
    index_plan_build(args, &p);
    put_value_strides(values, p.out_dim, p.out_sizes, vstr);
    const int64_t total = ember_shape_numel(p.out_dim, p.out_sizes);
    for (int64_t r = 0; r < total; r++) {
        int64_t cnt[2 * EMBER_MAX_DIMS], rest = r, off = 0;
        for (int s = p.out_dim - 1; s >= 0; s--) {
            cnt[s] = rest % p.out_sizes[s];
            rest /= p.out_sizes[s];
        }
        for (int s = 0; s < p.out_dim; s++)
            if (p.slot[s] >= 0) off += cnt[s] * sstr[p.slot[s]];
        for (int j = 0; j < p.nidx; j++) {
            int64_t e = 0;
            for (int s = 0; s < p.out_dim; s++)
                if (p.slot[s] < 0) e += cnt[s] * p.istr[j][-1 - p.slot[s]];
            const int64_t raw = load_index(p.idx[j], e), len = ssz[p.idx_dim[j]];
            const int64_t v = raw < 0 ? raw + len : raw;
            if (v < 0 || v >= len) return index_fail(ctx, raw, p.idx_dim[j], len);
            off += v * sstr[p.idx_dim[j]];
        }
        int64_t v_at = 0;
        for (int s = 0; s < p.out_dim; s++) v_at += cnt[s] * vstr[s];
        put_elem(o + (size_t)off * es, vdata + (size_t)v_at * es, self->dtype, es, acc);
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_index_put_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                              size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    ember_tensor *self, *values, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "values", EMBER_DTYPES_ALL, &values));
    bool acc;
    EMBER_TRY(ember_arg_bool(ctx, args, 3, "accumulate", &acc));
    EMBER_TRY(ember_arg_out(ctx, args, 4, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
    EMBER_TRY(ember_check_same_dtype(ctx, "values", values, self));
    const int dt = self->dtype;
    EMBER_REQUIRE(ctx,
                  !acc || dt == EMBER_DTYPE_F32 || dt == EMBER_DTYPE_F64 || dt == EMBER_DTYPE_I64 ||
                      dt == EMBER_DTYPE_I32 || dt == EMBER_DTYPE_I16 || dt == EMBER_DTYPE_I8 ||
                      dt == EMBER_DTYPE_U8 || dt == EMBER_DTYPE_BOOL,
                  EMBER_NOT_SUPPORTED, "accumulate on %s is not supported", ember_dtype_name(dt));
    int64_t ssz[EMBER_MAX_DIMS];
    ember_tensor_sizes(self, ssz);
    EMBER_TRY(ember_check_shape(ctx, "out", out, self->dim, ssz));
    const ember_value* list = args[1];
    EMBER_REQUIRE(ctx, list->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST ||
                           list->tag == EMBER_VALUE_TENSOR_LIST,
                  EMBER_INVALID_ARGUMENT, "indices: expected a tensor list, got value kind %u",
                  (unsigned)list->tag);
    EMBER_REQUIRE(ctx, list->len <= self->dim, EMBER_INVALID_ARGUMENT,
                  "%u indices for a rank-%d tensor", (unsigned)list->len, self->dim);
    int given = 0, masks = 0;
    for (uint32_t k = 0; k < list->len; k++) {
        const ember_tensor* t = list->u.tensors[k];
        if (!t) continue;
        given++;
        EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(t), EMBER_NOT_SUPPORTED,
                      "indices[%u]: only contiguous dim order is supported", (unsigned)k);
        EMBER_TRY(ember_check_extent(ctx, "indices", (int)k, t));
        if (is_mask_dtype(t->dtype)) masks++;
        else EMBER_REQUIRE(ctx, is_index_dtype(t->dtype), EMBER_DTYPE_MISMATCH,
                           "indices[%u] is %s, expected int64, int32 or a bool mask",
                           (unsigned)k, ember_dtype_name(t->dtype));
    }
    EMBER_REQUIRE(ctx, given > 0, EMBER_NOT_SUPPORTED, "indices has no index tensor");
    int64_t vstr[2 * EMBER_MAX_DIMS];
    int at = 0;
    const ember_tensor* mask = put_mask(list, &at);
    if (mask) {
        EMBER_REQUIRE(ctx, masks == 1 && given == 1, EMBER_NOT_SUPPORTED,
                      "a boolean mask must be the only index tensor");
        EMBER_REQUIRE(ctx, at + mask->dim <= self->dim, EMBER_SHAPE_MISMATCH,
                      "the mask at indices[%d] has rank %d; self has rank %d", at, mask->dim,
                      self->dim);
        for (int d = 0; d < mask->dim; d++)
            EMBER_REQUIRE(ctx, mask->sizes[d] == self->sizes[at + d], EMBER_SHAPE_MISMATCH,
                          "mask dim %d has size %d, self's dim %d has %d", d,
                          (int)mask->sizes[d], at + d, (int)self->sizes[at + d]);
        int64_t vsz[EMBER_MAX_DIMS + 1];
        const int vr = put_mask_shape(self, at, mask, vsz);
        EMBER_REQUIRE(ctx, put_value_strides(values, vr, vsz, vstr), EMBER_SHAPE_MISMATCH,
                      "values (rank %d) must broadcast to the masked shape with one element in "
                      "the mask's place",
                      values->dim);
    } else {
        index_plan p;
        index_plan_build(args, &p);
        EMBER_REQUIRE(ctx, p.broadcast_ok, EMBER_SHAPE_MISMATCH,
                      "index tensors do not broadcast together");
        EMBER_REQUIRE(ctx, p.out_dim <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED,
                      "self[indices] would have rank %d", p.out_dim);
        EMBER_REQUIRE(ctx, put_value_strides(values, p.out_dim, p.out_sizes, vstr),
                      EMBER_SHAPE_MISMATCH, "values do not broadcast to the shape of self[indices]");
    }
    *run = run_index_put;
    return EMBER_OK;
}
