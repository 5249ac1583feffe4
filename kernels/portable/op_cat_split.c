/* op_cat_split.c — joining and splitting along one dim, any dtype:
 *   aten::cat.out                    [tensors, dim, out, out]
 *       1-D empty tensors are skipped, as torch does (legacy behaviour).
 *   aten::split_copy.Tensor_out      [self, split_size, dim, out[]]      (returns nothing)
 *   aten::split_with_sizes_copy.out  [self, split_sizes, dim, out[]]
 *       (an emitter may append out[] again as a return: 5 args; it is not read)
 * Both views are (outer, size along dim, inner) blocks: each run is a set of memcpys of
 * contiguous (size * inner) runs. split_size may be any positive int64 (one chunk if it is
 * past the dim's size); split sizes are summed with overflow checks. */
#include "kernels/kernel_util.h"

/* Product of sizes[0..d) and sizes[d+1..dim). */
static void outer_inner(const ember_tensor* t, int d, int64_t* outer, int64_t* inner)
{
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < d; i++) *outer *= t->sizes[i];
    for (int i = d + 1; i < t->dim; i++) *inner *= t->sizes[i];
}

static bool cat_skip(const ember_tensor* t) { return t->dim == 1 && t->sizes[0] == 0; }

/* ---- cat --------------------------------------------------------------------------------- */

static ember_status run_cat(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_tensor* out = args[2]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const int d = ember_wrap_dim(args[1]->u.i, out->dim);
    const size_t es = ember_dtype_size(out->dtype);
    int64_t outer, inner;
    outer_inner(out, d, &outer, &inner);
    const int64_t out_row = out->sizes[d] * inner; /* elements per outer index */
    int64_t at = 0;                                /* elements into the row */
    for (uint32_t k = 0; k < args[0]->len; k++) {
        const ember_tensor* t = args[0]->u.tensors[k];
        if (cat_skip(t)) continue;
        const int64_t chunk = t->sizes[d] * inner;
        if (chunk > 0)
            for (int64_t o = 0; o < outer; o++)
                memcpy((char*)out->data + (size_t)(o * out_row + at) * es,
                       (const char*)t->data + (size_t)(o * chunk) * es, (size_t)chunk * es);
        at += chunk;
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_cat_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                        size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_kind(ctx, args, 0, "tensors", EMBER_VALUE_TENSOR_LIST));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    ember_tensor* out;
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_ALL, &out));
    const ember_value* list = args[0];
    EMBER_REQUIRE(ctx, list->len >= 1, EMBER_INVALID_ARGUMENT, "tensors is empty");
    const ember_tensor* ref = NULL;
    for (uint32_t k = 0; k < list->len; k++) {
        const ember_tensor* t = list->u.tensors[k];
        EMBER_REQUIRE(ctx, t != NULL, EMBER_INVALID_ARGUMENT, "tensors[%" PRIu32 "] is missing", k);
        EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(t), EMBER_NOT_SUPPORTED,
                      "tensors[%" PRIu32 "]: only contiguous dim order is supported", k);
        EMBER_REQUIRE(ctx, t->dtype == out->dtype, EMBER_DTYPE_MISMATCH,
                      "tensors[%" PRIu32 "] is %s, out is %s", k, ember_dtype_name(t->dtype),
                      ember_dtype_name(out->dtype));
        EMBER_TRY(ember_check_extent(ctx, "tensors", (int)k, t));
        if (!ref && !cat_skip(t)) ref = t;
    }
    int64_t want[EMBER_MAX_DIMS];
    if (!ref) { /* every input is a skipped empty 1-D tensor */
        want[0] = 0;
        EMBER_TRY(ember_check_shape(ctx, "out", out, 1, want));
        *run = run_cat;
        return EMBER_OK;
    }
    const int d = ember_wrap_dim(args[1]->u.i, ref->dim);
    EMBER_REQUIRE(ctx, ref->dim >= 1 && d >= 0, EMBER_INVALID_ARGUMENT,
                  "dim %lld out of range for rank %d", (long long)args[1]->u.i, ref->dim);
    ember_tensor_sizes(ref, want);
    want[d] = 0;
    for (uint32_t k = 0; k < list->len; k++) {
        const ember_tensor* t = list->u.tensors[k];
        if (cat_skip(t)) continue;
        bool ok = t->dim == ref->dim;
        for (int i = 0; ok && i < t->dim; i++) ok = i == d || t->sizes[i] == ref->sizes[i];
        EMBER_REQUIRE(ctx, ok, EMBER_SHAPE_MISMATCH,
                      "tensors[%" PRIu32 "] does not match tensors' shape outside dim %d", k, d);
        want[d] += t->sizes[d]; /* < 2^31 per tensor, < 2^32 tensors: fits */
    }
    EMBER_TRY(ember_check_shape(ctx, "out", out, ref->dim, want));
    *run = run_cat;
    return EMBER_OK;
}

/* ---- split ------------------------------------------------------------------------------- */

/* Both splits: out[i] gets the next out[i].sizes[dim] slices of self along dim. */
static ember_status run_split(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    if (self->numel == 0) return EMBER_OK;
    const int d = ember_wrap_dim(args[2]->u.i, self->dim);
    const size_t es = ember_dtype_size(self->dtype);
    int64_t outer, inner;
    outer_inner(self, d, &outer, &inner);
    const int64_t row = self->sizes[d] * inner;
    int64_t at = 0;
    for (uint32_t k = 0; k < args[3]->len; k++) {
        ember_tensor* t = args[3]->u.tensors[k];
        const int64_t chunk = t->sizes[d] * inner;
        if (chunk > 0)
            for (int64_t o = 0; o < outer; o++)
                memcpy((char*)t->data + (size_t)(o * chunk) * es,
                       (const char*)self->data + (size_t)(o * row + at) * es, (size_t)chunk * es);
        at += chunk;
    }
    return EMBER_OK;
}

/* Checks [self, *, dim, out[]] given the chunk sizes along dim (sizes[i] for out[i]). */
static ember_status split_check(ember_kernel_ctx* ctx, ember_value* const* args,
                                const int64_t* sizes, size_t n, int64_t split_size)
{
    const ember_tensor* self = args[0]->u.t;
    const int d = ember_wrap_dim(args[2]->u.i, self->dim);
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "out", EMBER_VALUE_TENSOR_LIST));
    EMBER_REQUIRE(ctx, args[3]->len == n, EMBER_SHAPE_MISMATCH,
                  "out has %u tensors, the split makes %zu", (unsigned)args[3]->len, n);
    EMBER_TRY(ember_kernel_out(ctx, args, 3)); /* first: a dynamic out[k] then takes its sizes */
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(self, want);
    for (size_t k = 0; k < n; k++) {
        const ember_tensor* t = args[3]->u.tensors[k];
        EMBER_REQUIRE(ctx, t != NULL, EMBER_INVALID_ARGUMENT, "out[%zu] is missing", k);
        EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(t), EMBER_NOT_SUPPORTED,
                      "out[%zu]: only contiguous dim order is supported", k);
        EMBER_TRY(ember_check_extent(ctx, "out", (int)k, t));
        EMBER_TRY(ember_check_same_dtype(ctx, "out[]", t, self));
        want[d] = sizes        ? sizes[k]
                  : k + 1 < n ? split_size
                              : self->sizes[d] - split_size * (int64_t)k;
        char what[32];
        ember_message(what, sizeof what, "out[%zu]", k);
        EMBER_TRY(ember_check_shape(ctx, what, t, self->dim, want));
    }
    return EMBER_OK;
}

/* self (rank >= 1) and dim, shared by both splits. */
static ember_status split_self(ember_kernel_ctx* ctx, ember_value* const* args, int* d)
{
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "dim", EMBER_VALUE_INT));
    *d = ember_wrap_dim(args[2]->u.i, self->dim);
    EMBER_REQUIRE(ctx, self->dim >= 1 && *d >= 0, EMBER_INVALID_ARGUMENT,
                  "dim %lld out of range for rank %d", (long long)args[2]->u.i, self->dim);
    return EMBER_OK;
}

ember_status ember_prepare_aten_split_copy_Tensor_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 4, 5); /* schema returns (); emitters may repeat out[] */
    int d;
    EMBER_TRY(split_self(ctx, args, &d));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "split_size", EMBER_VALUE_INT));
    const int64_t len = args[0]->u.t->sizes[d], split = args[1]->u.i;
    EMBER_REQUIRE(ctx, split > 0 || (split == 0 && len == 0), EMBER_INVALID_ARGUMENT,
                  "split_size = %lld for a dim of size %lld", (long long)split, (long long)len);
    const int64_t n = split > 0 && len > 0 ? (len - 1) / split + 1 : 1; /* ceil(len / split) */
    EMBER_TRY(split_check(ctx, args, NULL, (size_t)n, split));
    *run = run_split;
    return EMBER_OK;
}

ember_status ember_prepare_aten_split_with_sizes_copy_out(ember_kernel_ctx* ctx,
                                                          ember_value* const* args,
                                                          size_t num_args,
                                                          ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 4, 5);
    int d;
    EMBER_TRY(split_self(ctx, args, &d));
    const int64_t* sizes;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "sizes", &sizes, &n));
    int64_t sum = 0;
    for (size_t k = 0; k < n; k++) {
        EMBER_REQUIRE(ctx, sizes[k] >= 0, EMBER_INVALID_ARGUMENT, "split_sizes[%zu] = %lld", k,
                      (long long)sizes[k]);
        EMBER_REQUIRE(ctx, ember_i64_add(sum, sizes[k], &sum), EMBER_SHAPE_MISMATCH,
                      "split_sizes[%zu] = %lld: the sizes add up past int64, dim %d has size %d",
                      k, (long long)sizes[k], d, (int)args[0]->u.t->sizes[d]);
    }
    EMBER_REQUIRE(ctx, sum == args[0]->u.t->sizes[d], EMBER_SHAPE_MISMATCH,
                  "split_sizes add up to %lld, dim %d has size %d", (long long)sum, d,
                  (int)args[0]->u.t->sizes[d]);
    EMBER_TRY(split_check(ctx, args, sizes, n, 0));
    *run = run_split;
    return EMBER_OK;
}
