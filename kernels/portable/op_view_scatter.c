/* op_view_scatter.c — writes into a view of a copy: copy.out (the whole tensor),
 * slice_scatter.out and select_scatter.out (one slice / one index of a dim). These are what
 * functionalization turns in-place writes into (`x[:, :2] = y`, `x.copy_(y)`).
 *
 * copy: out (self's shape and dtype) = src broadcast to self's shape, converted to out's dtype
 * (through int64 when both are integer/bool, else double; doubles land in integers by Ember's
 * rule, kernel_util.h). The scatters keep one dtype: out = self, then src's elements overwrite
 * the view, one contiguous run of `inner` elements per (outer, index) pair. */
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

/* copy.out: [self, src, non_blocking, out, out] */
static ember_status run_copy(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* src = args[1]->u.t;
    ember_tensor* out = args[3]->u.t;
    if (out->numel == 0) return EMBER_OK;
    if (src->dtype == out->dtype && src->numel == out->numel) {
        memmove(out->data, src->data, out->nbytes);
        return EMBER_OK;
    }
    const ember_tensor* ins[1] = {src};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 1);
    const int last = bc.rank - 1;
    const int64_t n = bc.sizes[last], ss = bc.strides[1][last];
    const bool int_domain =
        ember_dtype_is_intlike(out->dtype) && ember_dtype_is_intlike(src->dtype);
    const int64_t rows = ember_bcast_rows(&bc);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[2] = {0, 0};
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            if (int_domain) {
                int64_t buf[EMBER_CHUNK];
                ember_load_i64_row(buf, src->data, src->dtype, off[1] + j * ss, ss, m);
                ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, buf, m);
            } else {
                double buf[EMBER_CHUNK];
                ember_load_f64_row(buf, src->data, src->dtype, off[1] + j * ss, ss, m);
                ember_store_f64_row(out->data, out->dtype, off[0] + j, 1, buf, m);
            }
        }
        ember_bcast_next(&bc, idx, off);
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "src", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "non_blocking", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* out = args[3]->u.t;
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, self));
    EMBER_REQUIRE(ctx, out->dtype == self->dtype, EMBER_DTYPE_MISMATCH,
                  "out is %s, expected self's %s", ember_dtype_name(out->dtype),
                  ember_dtype_name(self->dtype));
    const ember_tensor* ins[2] = {self, args[1]->u.t};
    EMBER_TRY(ember_check_broadcast_out(ctx, out, ins, 2)); /* src broadcasts to self's shape */
    *run = run_copy;
    return EMBER_OK;
}

/* ---- slice_scatter / select_scatter ------------------------------------------------------ */

/* out = self; out[.., start + i*step, ..] = src[.., i, ..] along dim d for i < count. */
static void scatter_run(ember_tensor* out, const ember_tensor* self, const ember_tensor* src,
                        int d, int64_t start, int64_t step, int64_t count)
{
    if (out->numel == 0) return;
    memmove(out->data, self->data, out->nbytes);
    if (src->numel == 0) return;
    int64_t outer, size, inner;
    ember_split_dim(out, d, &outer, &size, &inner);
    const size_t es = ember_dtype_size(out->dtype);
    const size_t run_bytes = (size_t)inner * es;
    const char* s = (const char*)src->data;
    for (int64_t o = 0; o < outer; o++) {
        char* row = (char*)out->data + (size_t)(o * size * inner) * es;
        for (int64_t i = 0; i < count; i++, s += run_bytes)
            memcpy(row + (size_t)((start + i * step) * inner) * es, s, run_bytes);
    }
}

/* self, src and out tensors of one dtype, out of self's shape; dim normalised into *d. */
static ember_status scatter_prepare(ember_kernel_ctx* ctx, ember_value* const* args, size_t out_i,
                                    int* d)
{
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "src", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, out_i, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, out_i + 1, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* out = args[out_i]->u.t;
    EMBER_TRY(ember_check_same_dtype(ctx, "src", args[1]->u.t, self));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, self));
    int64_t dim = 0; /* set unless a check returns first */
    EMBER_TRY(ember_arg_int(ctx, args, 2, "dim", &dim));
    EMBER_REQUIRE(ctx, self->dim > 0, EMBER_INVALID_ARGUMENT, "self must have at least one dim");
    *d = ember_wrap_dim(dim, self->dim);
    EMBER_REQUIRE(ctx, *d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld is out of range for rank %d",
                  (long long)dim, self->dim);
    return EMBER_OK;
}

/* slice_scatter's (start, count) from start?, end?, step, as torch's slice normalises them. */
static void slice_bounds(const ember_value* sv, const ember_value* ev, int64_t size, int64_t step,
                         int64_t* start, int64_t* count)
{
    int64_t s = ember_is_null(sv) ? 0 : sv->u.i;
    int64_t e = ember_is_null(ev) ? size : ev->u.i;
    if (s < 0) s = s < -size ? 0 : s + size;
    if (e < 0) e = e < -size ? 0 : e + size;
    if (s > size) s = size;
    if (e > size) e = size;
    *start = s;
    *count = e > s ? (e - s + step - 1) / step : 0;
}

/* slice_scatter.out: [self, src, dim, start?, end?, step, out, out] */
static ember_status run_slice_scatter(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* self = args[0]->u.t;
    int d = ember_wrap_dim(args[2]->u.i, self->dim);
    int64_t start, count;
    slice_bounds(args[3], args[4], self->sizes[d], args[5]->u.i, &start, &count);
    scatter_run(args[6]->u.t, self, args[1]->u.t, d, start, args[5]->u.i, count);
    return EMBER_OK;
}

ember_status ember_prepare_aten_slice_scatter_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                  size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 8);
    int d;
    EMBER_TRY(scatter_prepare(ctx, args, 6, &d));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 3, "start", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 4, "end", EMBER_VALUE_INT));
    int64_t step = 1; /* set unless a check returns first */
    EMBER_TRY(ember_arg_int_in(ctx, args, 5, "step", 1, INT32_MAX, &step));
    const ember_tensor* self = args[0]->u.t;
    int64_t start, count;
    slice_bounds(args[3], args[4], self->sizes[d], step, &start, &count);
    int64_t sizes[EMBER_MAX_DIMS];
    for (int i = 0; i < self->dim; i++) sizes[i] = i == d ? count : self->sizes[i];
    EMBER_TRY(ember_check_shape(ctx, "src (the slice's shape)", args[1]->u.t, self->dim, sizes));
    *run = run_slice_scatter;
    return EMBER_OK;
}

/* select_scatter.out: [self, src, dim, index, out, out] */
static ember_status run_select_scatter(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* self = args[0]->u.t;
    int d = ember_wrap_dim(args[2]->u.i, self->dim);
    int64_t index = args[3]->u.i;
    if (index < 0) index += self->sizes[d];
    scatter_run(args[4]->u.t, self, args[1]->u.t, d, index, 1, 1);
    return EMBER_OK;
}

ember_status ember_prepare_aten_select_scatter_out(ember_kernel_ctx* ctx,
                                                   ember_value* const* args, size_t num_args,
                                                   ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 6);
    int d;
    EMBER_TRY(scatter_prepare(ctx, args, 4, &d));
    const ember_tensor* self = args[0]->u.t;
    const int64_t size = self->sizes[d];
    int64_t index;
    EMBER_TRY(ember_arg_int_in(ctx, args, 3, "index", -size, size - 1, &index));
    int64_t sizes[EMBER_MAX_DIMS];
    int r = 0;
    for (int i = 0; i < self->dim; i++)
        if (i != d) sizes[r++] = self->sizes[i];
    EMBER_TRY(ember_check_shape(ctx, "src (self without dim)", args[1]->u.t, r, sizes));
    *run = run_select_scatter;
    return EMBER_OK;
}
