/* op_slice.c — copies of a part of one dim, any dtype, as strided views:
 *   aten::slice_copy.Tensor_out [self, dim, start, end, step, out, out]
 *       start/end may be Null (0 / the dim size) or any int64, INT64_MIN and INT64_MAX
 *       included (torch.export writes end = INT64_MAX for x[1:]): clamped as torch does. Any
 *       step >= 1 is valid; one past the dim's size takes at most one element.
 *   aten::select_copy.int_out   [self, dim, index, out, out]   negative index counts back */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"

/* ---- slice ------------------------------------------------------------------------------- */

static void slice_view(ember_value* const* args, ember_view* v)
{
    const ember_tensor* self = args[0]->u.t;
    ember_view_of(self, v);
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    const int64_t len = v->sizes[d], step = args[4]->u.i;
    int64_t start = ember_is_null(args[2]) ? 0 : args[2]->u.i;
    int64_t end = ember_is_null(args[3]) ? len : args[3]->u.i;
    if (start < 0) start += len; /* len >= 0: cannot overflow */
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > len) start = len;
    if (end < start) end = start;
    if (end > len) end = len;
    /* now 0 <= start <= end <= len < 2^31; a step past len takes one element at most, so the
     * stride of a bigger one never matters and capping it keeps the product small */
    const int64_t st = step < len ? step : (len > 0 ? len : 1);
    v->offset = start * v->strides[d];
    v->sizes[d] = end == start ? 0 : (end - start - 1) / st + 1;
    v->strides[d] *= st;
}

static ember_status run_slice(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_view v;
    slice_view(args, &v);
    ember_view_copy(args[5]->u.t, args[0]->u.t, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_slice_copy_Tensor_out(ember_kernel_ctx* ctx,
                                                      ember_value* const* args, size_t num_args,
                                                      ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 7);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_REQUIRE(ctx, self->dim >= 1, EMBER_INVALID_ARGUMENT, "cannot slice a rank-0 tensor");
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    EMBER_REQUIRE(ctx, ember_wrap_dim(args[1]->u.i, self->dim) >= 0, EMBER_INVALID_ARGUMENT,
                  "dim %lld out of range for rank %d", (long long)args[1]->u.i, self->dim);
    for (size_t i = 2; i <= 3; i++)
        EMBER_REQUIRE(ctx, ember_is_null(args[i]) || args[i]->tag == EMBER_VALUE_INT,
                      EMBER_INVALID_ARGUMENT, "argument %zu: expected an int or None", i);
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "step", EMBER_VALUE_INT));
    EMBER_REQUIRE(ctx, args[4]->u.i > 0, EMBER_NOT_SUPPORTED, "step = %lld, must be positive",
                  (long long)args[4]->u.i);
    ember_view v;
    slice_view(args, &v);
    EMBER_TRY(ember_check_view_out(ctx, args, 5, &v));
    *run = run_slice;
    return EMBER_OK;
}

/* ---- select ------------------------------------------------------------------------------ */

static void select_view(ember_value* const* args, ember_view* v)
{
    const ember_tensor* self = args[0]->u.t;
    ember_view_of(self, v);
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    int64_t index = args[2]->u.i;
    if (index < 0) index += v->sizes[d];
    v->offset = index * v->strides[d];
    for (int i = d; i + 1 < v->dim; i++) {
        v->sizes[i] = v->sizes[i + 1];
        v->strides[i] = v->strides[i + 1];
    }
    v->dim--;
}

static ember_status run_select(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_view v;
    select_view(args, &v);
    ember_view_copy(args[3]->u.t, args[0]->u.t, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_select_copy_int_out(ember_kernel_ctx* ctx,
                                                    ember_value* const* args, size_t num_args,
                                                    ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_REQUIRE(ctx, self->dim >= 1, EMBER_INVALID_ARGUMENT, "cannot select from rank 0");
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "index", EMBER_VALUE_INT));
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld out of range for rank %d",
                  (long long)args[1]->u.i, self->dim);
    const int64_t len = self->sizes[d], index = args[2]->u.i;
    EMBER_REQUIRE(ctx, index >= -len && index < len, EMBER_INVALID_ARGUMENT,
                  "index %lld out of range for dim %d of size %lld", (long long)index, d,
                  (long long)len);
    ember_view v;
    select_view(args, &v);
    EMBER_TRY(ember_check_view_out(ctx, args, 3, &v));
    *run = run_select;
    return EMBER_OK;
}
