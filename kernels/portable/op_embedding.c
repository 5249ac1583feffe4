/* op_embedding.c — aten::embedding.out: out[..., :] = weight[indices[...], :], a row memcpy per
 * index, for any weight dtype. Indices are int64 or int32; an index outside [0, num_rows)
 * makes run fail with EMBER_OUT_OF_RANGE (torch: "index out of range in self"), the only
 * check run makes: it guards memory. Rows before the bad index are already copied. */
#include "kernels/kernel_util.h"

/* [weight, indices, padding_idx, scale_grad_by_freq, sparse, out, out] */
static ember_status run_embedding(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* w = args[0]->u.t;   /* (rows, dim) */
    const ember_tensor* idx = args[1]->u.t; /* (...) */
    ember_tensor* out = args[5]->u.t;       /* (..., dim) */
    const int64_t rows = w->sizes[0];
    const size_t row_bytes = (size_t)w->sizes[1] * ember_dtype_size(w->dtype);
    for (int64_t i = 0; i < idx->numel; i++) {
        int64_t r = 0;
        EMBER_TRY(ember_embedding_index(ctx, idx, i, rows, &r));
        memcpy((char*)out->data + (size_t)i * row_bytes,
               (const char*)w->data + (size_t)r * row_bytes, row_bytes);
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_embedding_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                              size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 7);
    EMBER_REQUIRE(ctx, ember_is_tensor(args[0]) && args[0]->u.t, EMBER_INVALID_ARGUMENT,
                  "weight (argument 0) must be a tensor");
    const ember_tensor* w = args[0]->u.t;
    EMBER_REQUIRE(ctx, ember_tensor_extent_ok(w), EMBER_NOT_SUPPORTED,
                  "weight's nonzero sizes multiply past 2^31-1");
    EMBER_REQUIRE(ctx, ember_dtype_size(w->dtype) > 0, EMBER_DTYPE_MISMATCH,
                  "weight has unsupported dtype %s", ember_dtype_name(w->dtype));
    EMBER_REQUIRE(ctx, w->dim == 2, EMBER_SHAPE_MISMATCH, "weight must be 2-D, has rank %d",
                  w->dim);
    EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(w), EMBER_NOT_SUPPORTED,
                  "weight is not contiguous");
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "indices", EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* idx = args[1]->u.t;
    EMBER_REQUIRE(ctx, idx->dtype == EMBER_DTYPE_I64 || idx->dtype == EMBER_DTYPE_I32,
                  EMBER_DTYPE_MISMATCH, "indices must be int64 or int32, got %s",
                  ember_dtype_name(idx->dtype));
    EMBER_REQUIRE(ctx, idx->dim < EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED,
                  "indices of rank %d give an out of rank above %d", idx->dim, EMBER_MAX_DIMS);
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "padding_idx", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "scale_grad_by_freq", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "sparse", EMBER_VALUE_BOOL));
    EMBER_REQUIRE(ctx, ember_is_tensor(args[5]) && args[5]->u.t, EMBER_INVALID_ARGUMENT,
                  "out (argument 5) must be a tensor");
    EMBER_REQUIRE(ctx, ember_tensor_extent_ok(args[5]->u.t), EMBER_NOT_SUPPORTED,
                  "out's nonzero sizes multiply past 2^31-1");
    EMBER_TRY(ember_kernel_out(ctx, args, 5));
    EMBER_TRY(ember_arg_kind(ctx, args, 6, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* out = args[5]->u.t;
    EMBER_REQUIRE(ctx, out->dtype == w->dtype, EMBER_DTYPE_MISMATCH,
                  "out dtype %s differs from weight dtype %s", ember_dtype_name(out->dtype),
                  ember_dtype_name(w->dtype));
    EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(out), EMBER_NOT_SUPPORTED,
                  "out is not contiguous");
    int64_t sizes[EMBER_MAX_DIMS];
    ember_tensor_sizes(idx, sizes);
    sizes[idx->dim] = w->sizes[1];
    EMBER_TRY(ember_check_shape(ctx, "out", out, idx->dim + 1, sizes));
    *run = run_embedding;
    return EMBER_OK;
}
