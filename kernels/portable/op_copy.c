/* op_copy.c — copies with dtype conversion and layout change: _to_copy.out, clone.out and
 * ExecuTorch's dim_order_ops::_to_dim_order_copy.out / _clone_dim_order.out.
 *
 * Both tensors are walked in logical (sizes) order using their own element strides, which
 * come from their dim orders, so contiguous ↔ channels-last is the same loop as a plain copy.
 * Dims are coalesced where both layouts allow; a same-dtype contiguous copy is one memcpy.
 * Conversions go through int64 (integer/bool to integer/bool) or double; a double lands in an
 * integer dtype by Ember's rule (kernel_util.h: NaN 0, saturate to the dtype, else truncate).
 *
 * A memory_format argument (clone / _to_copy) asks only for a physical layout; values are the
 * same in every layout. Out's layout is its own dim order, planned by the exporter: Ember's
 * exporter plans every tensor contiguous, so `clone(memory_format=torch.channels_last)` is a
 * plain copy there and every op after it reads an ordinary contiguous tensor. The argument is
 * still checked (a known format, of a rank that has it). */
#include "kernels/kernel_util.h"

/* Element copy of (n) items of `bytes` each between strided rows. */
static void any_copy_row__portable(void* dst, int64_t ds, const void* src, int64_t ss, size_t n,
                                   size_t bytes)
{
    switch (bytes) {
#define COPY_ROW(T)                                                                             \
    {                                                                                           \
        T* d = (T*)dst;                                                                         \
        const T* s = (const T*)src;                                                             \
        for (size_t i = 0; i < n; i++) d[(int64_t)i * ds] = s[(int64_t)i * ss];                \
        break;                                                                                  \
    }
    case 1: COPY_ROW(uint8_t)
    case 2: COPY_ROW(uint16_t)
    case 4: COPY_ROW(uint32_t)
    default: COPY_ROW(uint64_t)
#undef COPY_ROW
    }
}

/* out = in, walked as said at the top. `convert` (a constant at each call): the dtypes may
 * differ; without it they are the same (clone's prepare checks), and the conversions are not
 * compiled in: a clone-only firmware image links no int64 / double row conversion. */
static inline __attribute__((always_inline)) void strided_copy(ember_tensor* out,
                                                               const ember_tensor* in,
                                                               bool convert)
{
    if (out->numel == 0) return;
    /* coalesce dims (logical order) where both tensors' strides allow */
    int rank = 0;
    int64_t sizes[EMBER_MAX_DIMS], so[EMBER_MAX_DIMS], si[EMBER_MAX_DIMS];
    for (int d = 0; d < out->dim; d++) {
        int64_t s = out->sizes[d];
        if (s == 1) continue;
        if (rank > 0 && so[rank - 1] == out->strides[d] * s && si[rank - 1] == in->strides[d] * s) {
            sizes[rank - 1] *= s;
        } else {
            sizes[rank] = s;
            rank++;
        }
        so[rank - 1] = out->strides[d];
        si[rank - 1] = in->strides[d];
    }
    if (rank == 0) {
        rank = 1;
        sizes[0] = 1;
        so[0] = si[0] = 1;
    }
    const size_t ob = ember_dtype_size(out->dtype), ib = ember_dtype_size(in->dtype);
    const bool same = !convert || out->dtype == in->dtype;
    const bool int_domain = ember_dtype_is_intlike(out->dtype) && ember_dtype_is_intlike(in->dtype);
    const int last = rank - 1;
    const int64_t n = sizes[last];
    int64_t idx[EMBER_MAX_DIMS] = {0}, oo = 0, oi = 0;
    for (;;) {
        if (same && so[last] == 1 && si[last] == 1) {
            memcpy((char*)out->data + oo * (int64_t)ob, (const char*)in->data + oi * (int64_t)ib,
                   (size_t)n * ob);
        } else if (same) {
            any_copy_row__portable((char*)out->data + oo * (int64_t)ob, so[last],
                                   (const char*)in->data + oi * (int64_t)ib, si[last], (size_t)n,
                                   ob);
        } else {
            for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
                size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
                if (int_domain) {
                    int64_t buf[EMBER_CHUNK];
                    ember_load_i64_row(buf, in->data, in->dtype, oi + j * si[last], si[last], m);
                    ember_store_i64_row(out->data, out->dtype, oo + j * so[last], so[last], buf, m);
                } else {
                    double buf[EMBER_CHUNK];
                    ember_load_f64_row(buf, in->data, in->dtype, oi + j * si[last], si[last], m);
                    ember_store_f64_row(out->data, out->dtype, oo + j * so[last], so[last], buf, m);
                }
            }
        }
        int d = last - 1;
        for (; d >= 0; d--) {
            oo += so[d];
            oi += si[d];
            if (++idx[d] < sizes[d]) break;
            oo -= so[d] * sizes[d];
            oi -= si[d] * sizes[d];
            idx[d] = 0;
        }
        if (d < 0) break;
    }
}

/* torch's MemoryFormat codes, as the exporter writes them. */
enum { MF_CONTIGUOUS, MF_PRESERVE, MF_CHANNELS_LAST, MF_CHANNELS_LAST_3D };

/* args[i] is None or a memory format a tensor of `rank` dims can have. */
static ember_status check_memory_format(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                        int rank)
{
    EMBER_TRY(ember_arg_opt_kind(ctx, args, i, "memory_format", EMBER_VALUE_INT));
    if (ember_is_null(args[i])) return EMBER_OK;
    const int64_t mf = args[i]->u.i;
    EMBER_REQUIRE(ctx, mf >= MF_CONTIGUOUS && mf <= MF_CHANNELS_LAST_3D, EMBER_INVALID_ARGUMENT,
                  "memory_format %lld is not contiguous (0), preserve (1), channels_last (2) or "
                  "channels_last_3d (3)",
                  (long long)mf);
    EMBER_REQUIRE(ctx, mf != MF_CHANNELS_LAST || rank == 4, EMBER_INVALID_ARGUMENT,
                  "channels_last needs a 4-d tensor, self has %d dims", rank);
    EMBER_REQUIRE(ctx, mf != MF_CHANNELS_LAST_3D || rank == 5, EMBER_INVALID_ARGUMENT,
                  "channels_last_3d needs a 5-d tensor, self has %d dims", rank);
    return EMBER_OK;
}

/* Shared checks: self at 0, out at out_i (then repeated); same shape. */
static ember_status copy_prepare(ember_kernel_ctx* ctx, ember_value* const* args, size_t out_i,
                                 bool any_layout)
{
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, any_layout, NULL));
    EMBER_TRY(ember_arg_out_ex(ctx, args, out_i, "out", EMBER_DTYPES_NUMERIC, any_layout, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, out_i + 1, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    return ember_check_same_shape(ctx, "out", args[out_i]->u.t, in);
}

/* _to_copy.out: [self, non_blocking, memory_format?, out, out] */
static void copy_converting(ember_tensor* out, const ember_tensor* in)
{
    strided_copy(out, in, true);
}

static void copy_same(ember_tensor* out, const ember_tensor* in) { strided_copy(out, in, false); }

static ember_status run_to_copy(ember_kernel_ctx* ctx, ember_value* const* args)
{
    copy_converting(args[3]->u.t, args[0]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten__to_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                             size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "non_blocking", EMBER_VALUE_BOOL));
    EMBER_TRY(copy_prepare(ctx, args, 3, false));
    EMBER_TRY(check_memory_format(ctx, args, 2, args[0]->u.t->dim));
    *run = run_to_copy;
    return EMBER_OK;
}

/* clone.out: [self, memory_format?, out, out] */
static ember_status run_clone(ember_kernel_ctx* ctx, ember_value* const* args)
{
    copy_same(args[2]->u.t, args[0]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten_clone_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(copy_prepare(ctx, args, 2, false));
    EMBER_TRY(check_memory_format(ctx, args, 1, args[0]->u.t->dim));
    EMBER_REQUIRE(ctx, args[0]->u.t->dtype == args[2]->u.t->dtype, EMBER_DTYPE_MISMATCH,
                  "clone keeps the dtype: self %s, out %s", ember_dtype_name(args[0]->u.t->dtype),
                  ember_dtype_name(args[2]->u.t->dtype));
    *run = run_clone;
    return EMBER_OK;
}

/* dim-order copies: [self, non_blocking, dim_order?, out, out]; out's layout is its own
 * dim order, which the dim_order argument (when given) must match. */
static ember_status run_dim_order_copy(ember_kernel_ctx* ctx, ember_value* const* args)
{
    copy_converting(args[3]->u.t, args[0]->u.t);
    return EMBER_OK;
}

static ember_status run_clone_dim_order(ember_kernel_ctx* ctx, ember_value* const* args)
{
    copy_same(args[3]->u.t, args[0]->u.t);
    return EMBER_OK;
}

static ember_status dim_order_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                      size_t num_args, bool same_dtype)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "non_blocking", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 2, "dim_order", EMBER_VALUE_INT_LIST));
    EMBER_TRY(copy_prepare(ctx, args, 3, true));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[3]->u.t;
    if (!ember_is_null(args[2])) {
        const ember_value* v = args[2];
        bool ok = v->len == out->dim;
        for (uint32_t i = 0; ok && i < v->len; i++) ok = v->u.ints[i] == out->dim_order[i];
        EMBER_REQUIRE(ctx, ok, EMBER_INVALID_ARGUMENT,
                      "dim_order argument does not match out's dim order");
    }
    if (same_dtype) {
        EMBER_REQUIRE(ctx, in->dtype == out->dtype, EMBER_DTYPE_MISMATCH,
                      "clone keeps the dtype: self %s, out %s", ember_dtype_name(in->dtype),
                      ember_dtype_name(out->dtype));
    }
    return EMBER_OK;
}

ember_status ember_prepare_dim_order_ops__to_dim_order_copy_out(ember_kernel_ctx* ctx,
                                                                ember_value* const* args,
                                                                size_t num_args,
                                                                ember_kernel_run_fn* run)
{
    EMBER_TRY(dim_order_prepare(ctx, args, num_args, false));
    *run = run_dim_order_copy;
    return EMBER_OK;
}

ember_status ember_prepare_dim_order_ops__clone_dim_order_out(ember_kernel_ctx* ctx,
                                                              ember_value* const* args,
                                                              size_t num_args,
                                                              ember_kernel_run_fn* run)
{
    EMBER_TRY(dim_order_prepare(ctx, args, num_args, true));
    *run = run_clone_dim_order;
    return EMBER_OK;
}
