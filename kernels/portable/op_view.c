/* op_view.c — reshapes: the output holds the input's bytes in the same order under a new shape.
 * Any dtype. Each run is one memmove (or, for et_view into a storage-less tensor, a pointer).
 *   aten::view_copy.out         [self, size, out, out]       size may hold one -1
 *   aten::_unsafe_view.out      [self, size, out, out]
 *   aten::squeeze_copy.out      [self, out, out]             drops every size-1 dim
 *   aten::squeeze_copy.dim_out  [self, dim, out, out]
 *   aten::squeeze_copy.dims_out [self, dims, out, out]
 *   aten::unsqueeze_copy.out    [self, dim, out, out]
 *   aten::alias_copy.out        [self, out, out]
 *   executorch_prim::et_view.default [self, size, out]
 *       ExecuTorch's memory-planned view: when `out` has no storage of its own
 *       (EMBER_TENSOR_BORROWED) run points it at self's data and writes no tensor (so it
 *       declares no out; a dynamic one takes the size list's sizes); otherwise the bytes are
 *       copied and out is declared as written.
 * A size list is checked item by item and multiplied with overflow checks. */
#include "kernels/kernel_util.h"

static void copy_bytes(ember_tensor* out, const ember_tensor* self)
{
    if (out->data != self->data && self->nbytes > 0) memmove(out->data, self->data, self->nbytes);
}

static ember_status run_copy_out1(ember_kernel_ctx* ctx, ember_value* const* args)
{
    copy_bytes(args[1]->u.t, args[0]->u.t);
    return EMBER_OK;
}

static ember_status run_copy_out2(ember_kernel_ctx* ctx, ember_value* const* args)
{
    copy_bytes(args[2]->u.t, args[0]->u.t);
    return EMBER_OK;
}

static ember_status run_et_view_borrow(ember_kernel_ctx* ctx, ember_value* const* args)
{
    args[2]->u.t->data = args[0]->u.t->data;
    return EMBER_OK;
}

/* self = args[0] and out = args[out_i]: same dtype, out of shape `want`; out is declared as
 * written unless `borrow` (et_view pointing out at self's bytes). */
static ember_status reshape_check_ex(ember_kernel_ctx* ctx, ember_value* const* args,
                                     size_t out_i, int dim, const int64_t* want, bool borrow)
{
    ember_tensor* out;
    if (borrow) EMBER_TRY(ember_arg_tensor(ctx, args, out_i, "out", EMBER_DTYPES_ALL, &out));
    else EMBER_TRY(ember_arg_out(ctx, args, out_i, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, args[0]->u.t));
    if (borrow && out->dynamic && ember_tensor_resize_to(out, dim, want))
        return EMBER_OK; /* a view of a dynamic tensor: its sizes */
    return ember_check_shape(ctx, "out", out, dim, want);
}
static ember_status reshape_check(ember_kernel_ctx* ctx, ember_value* const* args, size_t out_i,
                                  int dim, const int64_t* want)
{
    return reshape_check_ex(ctx, args, out_i, dim, want, false);
}

/* size (with at most one -1) → the shape it names for `numel` elements. */
static ember_status view_resolve(ember_kernel_ctx* ctx, int64_t numel, const int64_t* size,
                                 size_t n, int64_t* want)
{
    EMBER_REQUIRE(ctx, n <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED, "size has %zu dims", n);
    int infer = -1;
    int64_t prod = 1;
    for (size_t i = 0; i < n; i++) {
        want[i] = size[i];
        if (size[i] == -1) {
            EMBER_REQUIRE(ctx, infer < 0, EMBER_INVALID_ARGUMENT, "size has more than one -1");
            infer = (int)i;
            continue;
        }
        EMBER_REQUIRE(ctx, size[i] >= 0, EMBER_INVALID_ARGUMENT, "size[%zu] = %lld", i,
                      (long long)size[i]);
        EMBER_REQUIRE(ctx, ember_i64_mul(prod, size[i], &prod), EMBER_SHAPE_MISMATCH,
                      "size[%zu] = %lld: the sizes multiply past int64, self has %lld elements",
                      i, (long long)size[i], (long long)numel);
    }
    if (infer >= 0) {
        EMBER_REQUIRE(ctx, prod != 0 && numel % prod == 0, EMBER_SHAPE_MISMATCH,
                      "cannot infer -1 for %lld elements", (long long)numel);
        want[infer] = numel / prod;
        prod *= want[infer];
    }
    EMBER_REQUIRE(ctx, prod == numel, EMBER_SHAPE_MISMATCH,
                  "size names %lld elements, self has %lld", (long long)prod, (long long)numel);
    return EMBER_OK;
}

/* [self, size, out, ...]: the shared checks of view_copy, _unsafe_view and et_view. */
static ember_status prepare_view(ember_kernel_ctx* ctx, ember_value* const* args, bool borrow)
{
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    const int64_t* size;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "size", &size, &n));
    int64_t want[EMBER_MAX_DIMS];
    EMBER_TRY(view_resolve(ctx, self->numel, size, n, want));
    return reshape_check_ex(ctx, args, 2, (int)n, want, borrow);
}

ember_status ember_prepare_aten_view_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                              size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(prepare_view(ctx, args, false));
    *run = run_copy_out2;
    return EMBER_OK;
}

ember_status ember_prepare_aten__unsafe_view_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(prepare_view(ctx, args, false));
    *run = run_copy_out2;
    return EMBER_OK;
}

ember_status ember_prepare_executorch_prim_et_view_default(ember_kernel_ctx* ctx,
                                                           ember_value* const* args,
                                                           size_t num_args,
                                                           ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, args[2]->u.t != NULL, EMBER_INVALID_ARGUMENT, "argument 2: no tensor");
    const bool borrow = (args[2]->u.t->storage & EMBER_TENSOR_BORROWED) != 0;
    EMBER_TRY(prepare_view(ctx, args, borrow));
    *run = borrow ? run_et_view_borrow : run_copy_out2;
    return EMBER_OK;
}

/* self's shape without the dims whose drop[d] is set (and whose size is 1). */
static int squeeze_shape(const ember_tensor* self, const bool* drop, int64_t* want)
{
    int n = 0;
    for (int d = 0; d < self->dim; d++)
        if (!(drop[d] && self->sizes[d] == 1)) want[n++] = self->sizes[d];
    return n;
}

ember_status ember_prepare_aten_squeeze_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    bool drop[EMBER_MAX_DIMS];
    for (int d = 0; d < EMBER_MAX_DIMS; d++) drop[d] = true;
    int64_t want[EMBER_MAX_DIMS];
    EMBER_TRY(reshape_check(ctx, args, 1, squeeze_shape(self, drop, want), want));
    *run = run_copy_out1;
    return EMBER_OK;
}

/* squeeze_copy.dim_out (one int) and .dims_out (an int list). */
static ember_status prepare_squeeze_dims(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t num_args, bool list)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    const int64_t* dims;
    size_t n;
    if (list) {
        EMBER_TRY(ember_arg_ints(ctx, args, 1, "dims", &dims, &n));
    } else {
        EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
        dims = &args[1]->u.i;
        n = 1;
    }
    bool drop[EMBER_MAX_DIMS] = {false};
    for (size_t i = 0; i < n; i++) {
        const int d = ember_wrap_dim(dims[i], self->dim);
        EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld out of range for rank %d",
                      (long long)dims[i], self->dim);
        drop[d] = true;
    }
    int64_t want[EMBER_MAX_DIMS];
    return reshape_check(ctx, args, 2, squeeze_shape(self, drop, want), want);
}

ember_status ember_prepare_aten_squeeze_copy_dim_out(ember_kernel_ctx* ctx,
                                                     ember_value* const* args, size_t num_args,
                                                     ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_squeeze_dims(ctx, args, num_args, false));
    *run = run_copy_out2;
    return EMBER_OK;
}

ember_status ember_prepare_aten_squeeze_copy_dims_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_squeeze_dims(ctx, args, num_args, true));
    *run = run_copy_out2;
    return EMBER_OK;
}

ember_status ember_prepare_aten_unsqueeze_copy_out(ember_kernel_ctx* ctx,
                                                   ember_value* const* args, size_t num_args,
                                                   ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    EMBER_REQUIRE(ctx, self->dim < EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED, "rank %d too high",
                  self->dim);
    const int d = ember_wrap_dim(args[1]->u.i, self->dim + 1);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld out of range for rank %d",
                  (long long)args[1]->u.i, self->dim + 1);
    int64_t want[EMBER_MAX_DIMS];
    for (int i = 0, j = 0; i <= self->dim; i++) want[i] = i == d ? 1 : self->sizes[j++];
    EMBER_TRY(reshape_check(ctx, args, 2, self->dim + 1, want));
    *run = run_copy_out2;
    return EMBER_OK;
}

ember_status ember_prepare_aten_alias_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                               size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(self, want);
    EMBER_TRY(reshape_check(ctx, args, 1, self->dim, want));
    *run = run_copy_out1;
    return EMBER_OK;
}
