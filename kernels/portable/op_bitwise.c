/* op_bitwise.c — bitwise ops op_binary.c lacks: bitwise_xor.Tensor_out and the Scalar forms
 * bitwise_and.Scalar_out, bitwise_or.Scalar_out, bitwise_xor.Scalar_out, with numpy-style
 * broadcasting. Integer and bool operands only (prepare refuses floats, as torch does); they
 * compute in int64 and store into out's dtype (narrowing wraps; bool is nonzero). */
#include "kernels/broadcast.h"
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

enum { BW_AND, BW_OR, BW_XOR };

static ember_status bitwise_run(ember_tensor* out, const ember_tensor* a, const ember_tensor* b,
                                int op)
{
    if (out->numel == 0) return EMBER_OK;
    const ember_tensor* ins[2] = {a, b};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 2);
    const int last = bc.rank - 1;
    const int64_t n = bc.sizes[last], sa = bc.strides[1][last], sb = bc.strides[2][last];
    const int64_t rows = ember_bcast_rows(&bc);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[3] = {0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            int64_t x[EMBER_CHUNK], y[EMBER_CHUNK];
            ember_load_i64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
            ember_load_i64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
            for (size_t i = 0; i < m; i++)
                x[i] = op == BW_AND ? (x[i] & y[i]) : op == BW_OR ? (x[i] | y[i]) : (x[i] ^ y[i]);
            ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, x, m);
        }
        ember_bcast_next(&bc, idx, off);
    }
    return EMBER_OK;
}

/* [self, other, out, out]; other a Tensor or (scalar) an Int/Bool Scalar. */
static ember_status bitwise_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                    size_t num_args, bool scalar)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    if (scalar) {
        EMBER_REQUIRE(ctx, args[1]->tag == EMBER_VALUE_INT || args[1]->tag == EMBER_VALUE_BOOL,
                      EMBER_INVALID_ARGUMENT,
                      "other (argument 1) must be an int or bool, got value kind %u",
                      (unsigned)args[1]->tag);
    } else {
        EMBER_TRY(ember_arg_tensor(ctx, args, 1, "other", EMBER_DTYPES_NUMERIC, NULL));
    }
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* out = args[2]->u.t;
    bool ok = ember_dtype_is_intlike(self->dtype) && ember_dtype_is_intlike(out->dtype) &&
              (scalar || ember_dtype_is_intlike(args[1]->u.t->dtype));
    EMBER_REQUIRE(ctx, ok, EMBER_DTYPE_MISMATCH,
                  "bitwise ops need integer or bool operands, got %s and out %s",
                  ember_dtype_name(self->dtype), ember_dtype_name(out->dtype));
    if (scalar) return ember_check_same_shape(ctx, "out", out, self);
    const ember_tensor* ins[2] = {self, args[1]->u.t};
    return ember_check_broadcast_out(ctx, out, ins, 2);
}

#define BITWISE_OP(sym, op, scalar)                                                             \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        (void)ctx;                                                                              \
        ember_scalar_box box;                                                                      \
        const ember_tensor* other =                                                             \
            scalar ? ember_scalar_tensor(&box, args[1], args[0]->u.t->dtype) : args[1]->u.t;       \
        return bitwise_run(args[2]->u.t, args[0]->u.t, other, op);                              \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(bitwise_prepare(ctx, args, num_args, scalar));                                   \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

BITWISE_OP(aten_bitwise_xor_Tensor_out, BW_XOR, false)
BITWISE_OP(aten_bitwise_and_Scalar_out, BW_AND, true)
BITWISE_OP(aten_bitwise_or_Scalar_out, BW_OR, true)
BITWISE_OP(aten_bitwise_xor_Scalar_out, BW_XOR, true)
