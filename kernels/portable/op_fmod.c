/* op_fmod.c — C-style remainder with numpy-style broadcasting: fmod.Tensor_out and
 * fmod.Scalar_out. The result has the sign of the dividend (C fmod), unlike remainder, which
 * takes the divisor's (op_binary.c). torch.roll decomposes to arange + add + fmod + index.
 *
 * Two integer (or bool) operands divide as integers, as torch does: a zero divisor makes run
 * fail with EMBER_DIVISION_BY_ZERO (chunks before it are already written). Otherwise the
 * operands are read as double and fmod'ed; fmod is exact in any precision, so a float32 result
 * equals fmodf's. Out's dtype is authoritative (the exporter computed it). */
#include "kernels/broadcast.h"
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

/* Returns false, before writing anything, if a divisor in the chunk is zero. INT64_MIN % -1 is
 * 0 (C leaves it undefined). */
static bool i64_fmod_chunk(int64_t* z, const int64_t* x, const int64_t* y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] == 0) return false;
    for (size_t i = 0; i < n; i++) z[i] = y[i] == -1 ? 0 : x[i] % y[i];
    return true;
}

static ember_status fmod_run(ember_kernel_ctx* ctx, ember_tensor* out, const ember_tensor* a,
                             const ember_tensor* b)
{
    if (out->numel == 0) return EMBER_OK;
    const ember_tensor* ins[2] = {a, b};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 2);
    const int last = bc.rank - 1;
    const int64_t n = bc.sizes[last];
    const int64_t sa = bc.strides[1][last], sb = bc.strides[2][last];
    const bool int_domain = ember_dtype_is_intlike(a->dtype) && ember_dtype_is_intlike(b->dtype);
    const int64_t rows = ember_bcast_rows(&bc);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[3] = {0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            if (int_domain) {
                int64_t x[EMBER_CHUNK], y[EMBER_CHUNK], z[EMBER_CHUNK];
                ember_load_i64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
                ember_load_i64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
                if (!i64_fmod_chunk(z, x, y, m))
                    return ember_kernel_fail(ctx, EMBER_DIVISION_BY_ZERO, "integer fmod by zero");
                ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, z, m);
            } else {
                double x[EMBER_CHUNK], y[EMBER_CHUNK], z[EMBER_CHUNK];
                ember_load_f64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
                ember_load_f64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
                for (size_t i = 0; i < m; i++) z[i] = fmod(x[i], y[i]);
                ember_store_f64_row(out->data, out->dtype, off[0] + j, 1, z, m);
            }
        }
        ember_bcast_next(&bc, idx, off);
    }
    return EMBER_OK;
}

/* fmod.Tensor_out: [self, other, out, out] */
static ember_status run_fmod_tensor(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return fmod_run(ctx, args[2]->u.t, args[0]->u.t, args[1]->u.t);
}

ember_status ember_prepare_aten_fmod_Tensor_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "other", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* ins[2] = {args[0]->u.t, args[1]->u.t};
    EMBER_TRY(ember_check_broadcast_out(ctx, args[2]->u.t, ins, 2));
    *run = run_fmod_tensor;
    return EMBER_OK;
}

/* fmod.Scalar_out: [self, other, out, out]; the Scalar becomes a rank-0 tensor by torch's
 * tensor-with-Python-scalar rule (an int tensor with a float scalar divides as floats). */
static ember_status run_fmod_scalar(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_scalar_box box;
    const ember_tensor* other = ember_scalar_tensor(&box, args[1], args[0]->u.t->dtype);
    return fmod_run(ctx, args[2]->u.t, args[0]->u.t, other);
}

ember_status ember_prepare_aten_fmod_Scalar_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_scalar(ctx, args, 1, "other"));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", args[2]->u.t, self));
    *run = run_fmod_scalar;
    return EMBER_OK;
}
