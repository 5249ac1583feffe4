/* op_as_strided.c — as_strided_copy.out: out (size, contiguous) = the elements of self's
 * storage at storage_offset + sum(i_d * stride[d]).
 *
 * Strides index self's storage, so self must be in contiguous dim order (any other order is
 * refused at prepare: its storage order is not the logical one the strides were computed
 * for). Prepare bounds every reachable element: strides and storage_offset must be
 * non-negative (as torch requires) and the largest reachable offset,
 * storage_offset + sum((size[d] - 1) * stride[d]), must lie inside self's numel, all in
 * overflow-checked arithmetic. An out with no elements reads nothing. */
#include "kernels/portable/util_nn.h"

/* as_strided_copy.out: [self, size, stride, storage_offset?, out, out] */
static ember_status run_as_strided(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    nn_view v;
    v.dim = (int)args[1]->len;
    for (int d = 0; d < v.dim; d++) {
        v.sizes[d] = args[1]->u.ints[d];
        v.strides[d] = args[2]->u.ints[d];
    }
    v.offset = ember_is_null(args[3]) ? 0 : args[3]->u.i;
    nn_view_copy(args[4]->u.t, in, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_as_strided_copy_out(ember_kernel_ctx* ctx,
                                                    ember_value* const* args, size_t num_args,
                                                    ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    ember_tensor* in;
    NN_TRY(nn_get_tensor(ctx, args, 0, &in));
    EMBER_REQUIRE(ctx, ember_dtype_size(in->dtype) > 0, EMBER_NOT_SUPPORTED,
                  "self: dtype %s has no kernels", ember_dtype_name(in->dtype));
    const int64_t *size, *stride;
    size_t n, ns;
    NN_TRY(nn_get_ints(ctx, args, 1, &size, &n));
    NN_TRY(nn_get_ints(ctx, args, 2, &stride, &ns));
    EMBER_REQUIRE(ctx, n == ns, EMBER_INVALID_ARGUMENT,
                  "size has %zu items but stride has %zu", n, ns);
    EMBER_REQUIRE(ctx, n <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED, "size has %zu dims, at most %d",
                  n, EMBER_MAX_DIMS);
    NN_TRY(nn_check_ints_in(ctx, "size", size, n, 0, INT32_MAX));
    NN_TRY(nn_check_ints_in(ctx, "stride", stride, n, 0, INT64_MAX));
    int64_t offset = 0;
    if (!ember_is_null(args[3]))
        NN_TRY(nn_get_int_in(ctx, args, 3, "storage_offset", 0, INT64_MAX, &offset));
    nn_view v;
    v.dim = (int)n;
    for (size_t d = 0; d < n; d++) v.sizes[d] = size[d];
    NN_TRY(nn_view_out_check(ctx, args, 4, &v));
    if (nn_numel(v.dim, v.sizes) > 0) {
        int64_t last = offset, step;
        bool ok = true;
        for (size_t d = 0; ok && d < n; d++)
            ok = ember_i64_mul(size[d] - 1, stride[d], &step) && ember_i64_add(last, step, &last);
        EMBER_REQUIRE(ctx, ok && last < in->numel, EMBER_INVALID_ARGUMENT,
                      "size, stride and storage_offset %lld reach element %s%lld of self, "
                      "which has %lld",
                      (long long)offset, ok ? "" : "past ",
                      ok ? (long long)last : (long long)INT64_MAX, (long long)in->numel);
    }
    *run = run_as_strided;
    return EMBER_OK;
}
