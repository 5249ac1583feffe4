/* op_as_strided.c — as_strided_copy.out: out (size, contiguous) = the elements of self's
 * storage at storage_offset + sum(i_d * stride[d]).
 *
 * Strides index self's storage, so self must be in contiguous dim order (any other order is
 * refused at prepare: its storage order is not the logical one the strides were computed
 * for). Prepare bounds every reachable element: strides and storage_offset must be
 * non-negative (as torch requires) and the largest reachable offset,
 * storage_offset + sum((size[d] - 1) * stride[d]), must lie inside self's numel, all in
 * overflow-checked arithmetic. An out with no elements reads nothing. */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"
#include "kernels/strided.h"

/* as_strided_copy.out: [self, size, stride, storage_offset?, out, out] */
static ember_status run_as_strided(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    ember_view v;
    v.dim = (int)args[1]->len;
    for (int d = 0; d < v.dim; d++) {
        v.sizes[d] = args[1]->u.ints[d];
        v.strides[d] = args[2]->u.ints[d];
    }
    v.offset = ember_is_null(args[3]) ? 0 : args[3]->u.i;
    ember_view_copy(args[4]->u.t, in, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_as_strided_copy_out(ember_kernel_ctx* ctx,
                                                    ember_value* const* args, size_t num_args,
                                                    ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    ember_tensor* in;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &in));
    const int64_t *size, *stride;
    size_t n, ns;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "size", &size, &n));
    EMBER_TRY(ember_arg_ints(ctx, args, 2, "stride", &stride, &ns));
    EMBER_REQUIRE(ctx, n == ns, EMBER_INVALID_ARGUMENT,
                  "size has %zu items but stride has %zu", n, ns);
    EMBER_REQUIRE(ctx, n <= EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED, "size has %zu dims, at most %d",
                  n, EMBER_MAX_DIMS);
    EMBER_TRY(ember_check_ints_in(ctx, "size", size, n, 0, INT32_MAX));
    EMBER_TRY(ember_check_ints_in(ctx, "stride", stride, n, 0, INT64_MAX));
    int64_t offset = 0;
    if (!ember_is_null(args[3]))
        EMBER_TRY(ember_arg_int_in(ctx, args, 3, "storage_offset", 0, INT64_MAX, &offset));
    ember_view v;
    v.dim = (int)n;
    for (size_t d = 0; d < n; d++) v.sizes[d] = size[d];
    EMBER_TRY(ember_check_view_out(ctx, args, 4, &v));
    if (ember_shape_numel(v.dim, v.sizes) > 0) {
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
