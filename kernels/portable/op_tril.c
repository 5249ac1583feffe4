/* op_tril.c — triangular masks over the last two dims, any dtype (zero is all-zero bytes):
 *   aten::tril.out [self, diagonal, out, out]   keeps (i, j) with j - i <= diagonal
 *   aten::triu.out [self, diagonal, out, out]   keeps (i, j) with j - i >= diagonal
 * diagonal may be any int64: past either edge (beyond cols, or below -rows) it keeps all or
 * nothing, so run clamps it to [-rows, cols] and every row's kept range to [0, cols]. */
#include "kernels/kernel_util.h"

/* out, in: (batch, rows, cols) of es-byte elements. */
static void triangle__portable(char* out, const char* in, size_t es, int64_t batch, int64_t rows,
                               int64_t cols, int64_t diagonal, bool lower)
{
    const size_t row_bytes = (size_t)cols * es;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t i = 0; i < rows; i++) {
            char* o = out + (size_t)(b * rows + i) * row_bytes;
            const char* x = in + (size_t)(b * rows + i) * row_bytes;
            /* kept columns: [0, i + diagonal] for tril, [i + diagonal, cols) for triu;
             * |diagonal| <= rows + cols (run_triangle), so i + diagonal + 1 cannot overflow */
            int64_t j0 = lower ? 0 : i + diagonal, j1 = lower ? i + diagonal + 1 : cols;
            j0 = j0 < 0 ? 0 : j0 > cols ? cols : j0;
            j1 = j1 < 0 ? 0 : j1 > cols ? cols : j1;
            if (j1 < j0) j1 = j0;
            memset(o, 0, (size_t)j0 * es);
            memmove(o + (size_t)j0 * es, x + (size_t)j0 * es, (size_t)(j1 - j0) * es);
            memset(o + (size_t)j1 * es, 0, (size_t)(cols - j1) * es);
        }
}

static void run_triangle(ember_value* const* args, bool lower)
{
    const ember_tensor* in = args[0]->u.t;
    const int64_t rows = in->sizes[in->dim - 2], cols = in->sizes[in->dim - 1];
    if (in->numel == 0) return;
    int64_t diagonal = args[1]->u.i;
    if (diagonal > cols) diagonal = cols;   /* triu keeps nothing, tril everything */
    if (diagonal < -rows) diagonal = -rows; /* triu keeps everything, tril nothing */
    triangle__portable((char*)args[2]->u.t->data, (const char*)in->data,
                       ember_dtype_size(in->dtype), in->numel / (rows * cols), rows, cols,
                       diagonal, lower);
}

static ember_status run_tril(ember_kernel_ctx* ctx, ember_value* const* args)
{
    run_triangle(args, true);
    return EMBER_OK;
}

static ember_status run_triu(ember_kernel_ctx* ctx, ember_value* const* args)
{
    run_triangle(args, false);
    return EMBER_OK;
}

static ember_status prepare_triangle(ember_kernel_ctx* ctx, ember_value* const* args,
                                     size_t num_args)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &in));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, in));
    EMBER_REQUIRE(ctx, in->dim >= 2, EMBER_INVALID_ARGUMENT, "expected rank >= 2, got %d",
                  in->dim);
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "diagonal", EMBER_VALUE_INT));
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(in, want);
    return ember_check_shape(ctx, "out", out, in->dim, want);
}

ember_status ember_prepare_aten_tril_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_triangle(ctx, args, num_args));
    *run = run_tril;
    return EMBER_OK;
}

ember_status ember_prepare_aten_triu_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_triangle(ctx, args, num_args));
    *run = run_triu;
    return EMBER_OK;
}
