/* op_diagonal.c — diagonal_copy.out: [self, offset, dim1, dim2, out, out]. out has self's dims
 * without dim1 and dim2, then the diagonal: element i of it is self[.., i, .., i + offset, ..]
 * (offset >= 0) or self[.., i - offset, .., i, ..] (offset < 0); its length is
 * max(0, min(size1, size2 - offset)) resp. max(0, min(size1 + offset, size2)). A strided view
 * of self (any dtype), copied by ember_view_copy. */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"
#include "kernels/strided.h"

/* The view; false if dim1/dim2 are out of range or equal. */
static bool diagonal_view(const ember_tensor* in, int64_t offset, int64_t dim1, int64_t dim2,
                          ember_view* v)
{
    const int a = ember_wrap_dim(dim1, in->dim), b = ember_wrap_dim(dim2, in->dim);
    if (in->dim < 2 || a < 0 || b < 0 || a == b) return false;
    int64_t sizes[EMBER_MAX_DIMS], strides[EMBER_MAX_DIMS];
    ember_tensor_sizes(in, sizes);
    ember_contiguous_strides(in->dim, sizes, strides);
    int64_t len;
    if (offset >= 0) len = sizes[b] - (offset < sizes[b] ? offset : sizes[b]);
    else len = sizes[a] - (-offset < sizes[a] ? -offset : sizes[a]);
    if (len > sizes[a]) len = sizes[a];
    if (len > sizes[b]) len = sizes[b];
    v->dim = 0;
    for (int d = 0; d < in->dim; d++) {
        if (d == a || d == b) continue;
        v->sizes[v->dim] = sizes[d];
        v->strides[v->dim++] = strides[d];
    }
    v->sizes[v->dim] = len;
    v->strides[v->dim++] = strides[a] + strides[b];
    v->offset = len == 0 ? 0 : offset >= 0 ? offset * strides[b] : -offset * strides[a];
    return true;
}

static ember_status run_diagonal_copy(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    ember_view v;
    diagonal_view(args[0]->u.t, args[1]->u.i, args[2]->u.i, args[3]->u.i, &v);
    ember_view_copy(args[4]->u.t, args[0]->u.t, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_diagonal_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                  size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    ember_tensor* in;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &in));
    int64_t offset, dim1, dim2;
    EMBER_TRY(ember_arg_int(ctx, args, 1, "offset", &offset));
    EMBER_TRY(ember_arg_int(ctx, args, 2, "dim1", &dim1));
    EMBER_TRY(ember_arg_int(ctx, args, 3, "dim2", &dim2));
    EMBER_REQUIRE(ctx, offset > INT64_MIN, EMBER_INVALID_ARGUMENT, "offset is out of range");
    ember_view v;
    EMBER_REQUIRE(ctx, diagonal_view(in, offset, dim1, dim2, &v), EMBER_INVALID_ARGUMENT,
                  "dim1 %lld and dim2 %lld must be two different dims of a tensor of rank %d "
                  "(at least 2)",
                  (long long)dim1, (long long)dim2, in->dim);
    EMBER_TRY(ember_check_view_out(ctx, args, 4, &v));
    *run = run_diagonal_copy;
    return EMBER_OK;
}
