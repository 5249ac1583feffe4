/* op_where.c — ternary elementwise selection with numpy-style broadcasting over three inputs:
 * where.self_out (condition ? self : other), masked_fill.Scalar_out (mask ? value : self) and
 * clamp.Tensor_out (self clamped to optional min/max tensors).
 *
 * float32 values with a bool/uint8 condition run a flat f32 select per broadcast row; every
 * other mix converts rows in chunks to int64 (integer/bool values and out) or double and back
 * (a double stored into an integer out follows Ember's rule: NaN 0, saturate, truncate). */
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

/* out[i] = c[i*sc] ? a[i*sa] : b[i*sb]; strides are 0 (broadcast) or 1. */
static void f32_where__portable(float* out, const uint8_t* c, int64_t sc, const float* a,
                                int64_t sa, const float* b, int64_t sb, size_t n)
{
    if (sc && sa && sb) {
        for (size_t i = 0; i < n; i++) out[i] = c[i] ? a[i] : b[i];
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const int64_t k = (int64_t)i;
        out[i] = c[k * sc] ? a[k * sa] : b[k * sb];
    }
}

/* out = cond ? a : b, every operand broadcast to out. */
static void where_rows(ember_tensor* out, const ember_tensor* cond, const ember_tensor* a,
                       const ember_tensor* b)
{
    const ember_tensor* ins[3] = {cond, a, b};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 3);
    const int last = bc.rank - 1;
    const int64_t n = bc.sizes[last];
    const int64_t sc = bc.strides[1][last], sa = bc.strides[2][last], sb = bc.strides[3][last];
    const int64_t rows = ember_bcast_rows(&bc);
    const bool f32 = out->dtype == EMBER_DTYPE_F32 && a->dtype == EMBER_DTYPE_F32 &&
                     b->dtype == EMBER_DTYPE_F32 &&
                     (cond->dtype == EMBER_DTYPE_BOOL || cond->dtype == EMBER_DTYPE_U8);
    /* int64 when every value is an integer (exact); else double, stored by Ember's rule */
    const bool int_domain = ember_dtype_is_intlike(out->dtype) &&
                            ember_dtype_is_intlike(a->dtype) && ember_dtype_is_intlike(b->dtype);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[4] = {0, 0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        if (f32) {
            f32_where__portable((float*)out->data + off[0], (const uint8_t*)cond->data + off[1],
                                sc, (const float*)a->data + off[2], sa,
                                (const float*)b->data + off[3], sb, (size_t)n);
        } else {
            for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
                size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
                int64_t c[EMBER_CHUNK];
                ember_load_i64_row(c, cond->data, cond->dtype, off[1] + j * sc, sc, m);
                if (int_domain) {
                    int64_t x[EMBER_CHUNK], y[EMBER_CHUNK];
                    ember_load_i64_row(x, a->data, a->dtype, off[2] + j * sa, sa, m);
                    ember_load_i64_row(y, b->data, b->dtype, off[3] + j * sb, sb, m);
                    for (size_t i = 0; i < m; i++) x[i] = c[i] ? x[i] : y[i];
                    ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, x, m);
                } else {
                    double x[EMBER_CHUNK], y[EMBER_CHUNK];
                    ember_load_f64_row(x, a->data, a->dtype, off[2] + j * sa, sa, m);
                    ember_load_f64_row(y, b->data, b->dtype, off[3] + j * sb, sb, m);
                    for (size_t i = 0; i < m; i++) x[i] = c[i] ? x[i] : y[i];
                    ember_store_f64_row(out->data, out->dtype, off[0] + j, 1, x, m);
                }
            }
        }
        ember_bcast_next(&bc, idx, off);
    }
}

/* ---- where.self_out: [condition, self, other, out, out] ---------------------------------- */

static ember_status run_where(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_tensor* out = args[3]->u.t;
    if (out->numel) where_rows(out, args[0]->u.t, args[1]->u.t, args[2]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten_where_self_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                               size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "condition", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "other", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* ins[3] = {args[0]->u.t, args[1]->u.t, args[2]->u.t};
    EMBER_REQUIRE(ctx, ins[0]->dtype == EMBER_DTYPE_BOOL || ins[0]->dtype == EMBER_DTYPE_U8,
                  EMBER_DTYPE_MISMATCH, "condition must be bool, got %s",
                  ember_dtype_name(ins[0]->dtype));
    EMBER_TRY(ember_check_broadcast_out(ctx, args[3]->u.t, ins, 3));
    *run = run_where;
    return EMBER_OK;
}

/* ---- masked_fill.Scalar_out: [self, mask, value, out, out] ------------------------------- */

/* The fill value as a rank-0 tensor: a floating out takes ember_scalar_tensor's; an integer/bool
 * out takes the value converted to out's own dtype first, as torch does (a double by Ember's
 * rule), so the select stays exact in int64. */
static const ember_tensor* fill_value(ember_scalar_box* box, const ember_value* v, int out_dtype)
{
    if (!ember_dtype_is_intlike(out_dtype)) return ember_scalar_tensor(box, v, out_dtype);
    ember_scalar_tensor(box, v, EMBER_DTYPE_I64); /* shape, storage; value set below */
    box->t.dtype = (uint8_t)out_dtype;
    box->t.nbytes = ember_dtype_size(out_dtype);
    double d = 0.0;
    int64_t i = 0;
    if (v->tag == EMBER_VALUE_DOUBLE && ember_scalar_as_double(v, &d)) {
        ember_store_f64(&box->v, out_dtype, 0, d);
    } else {
        ember_scalar_as_int(v, &i);
        ember_store_i64_row(&box->v, out_dtype, 0, 1, &i, 1);
    }
    return &box->t;
}

static ember_status run_masked_fill(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_tensor* out = args[3]->u.t;
    if (out->numel == 0) return EMBER_OK;
    ember_scalar_box box;
    const ember_tensor* value = fill_value(&box, args[2], out->dtype);
    where_rows(out, args[1]->u.t, value, args[0]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten_masked_fill_Scalar_out(ember_kernel_ctx* ctx,
                                                       ember_value* const* args, size_t num_args,
                                                       ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "mask", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_scalar(ctx, args, 2, "value"));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* mask = args[1]->u.t;
    EMBER_REQUIRE(ctx, mask->dtype == EMBER_DTYPE_BOOL, EMBER_DTYPE_MISMATCH,
                  "mask must be bool, got %s", ember_dtype_name(mask->dtype));
    EMBER_TRY(ember_check_same_shape(ctx, "out", args[3]->u.t, self));
    const ember_tensor* ins[2] = {self, mask};
    EMBER_TRY(ember_check_broadcast_out(ctx, args[3]->u.t, ins, 2));
    *run = run_masked_fill;
    return EMBER_OK;
}

/* ---- clamp.Tensor_out: [self, min?, max?, out, out] -------------------------------------- */

static ember_status run_clamp_tensor(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_tensor* out = args[3]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const ember_tensor* x = args[0]->u.t;
    const ember_tensor* lo = ember_is_null(args[1]) ? NULL : args[1]->u.t;
    const ember_tensor* hi = ember_is_null(args[2]) ? NULL : args[2]->u.t;
    const ember_tensor* ins[3] = {x, lo, hi};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 3);
    const int last = bc.rank - 1;
    const int64_t n = bc.sizes[last];
    const int64_t s0 = bc.strides[1][last], s1 = bc.strides[2][last], s2 = bc.strides[3][last];
    const int64_t rows = ember_bcast_rows(&bc);
    const bool int_domain = ember_dtype_is_intlike(out->dtype) &&
                            ember_dtype_is_intlike(x->dtype) &&
                            (!lo || ember_dtype_is_intlike(lo->dtype)) &&
                            (!hi || ember_dtype_is_intlike(hi->dtype));
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[4] = {0, 0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            if (int_domain) {
                int64_t v[EMBER_CHUNK], b[EMBER_CHUNK];
                ember_load_i64_row(v, x->data, x->dtype, off[1] + j * s0, s0, m);
                if (lo) {
                    ember_load_i64_row(b, lo->data, lo->dtype, off[2] + j * s1, s1, m);
                    for (size_t i = 0; i < m; i++) v[i] = v[i] < b[i] ? b[i] : v[i];
                }
                if (hi) {
                    ember_load_i64_row(b, hi->data, hi->dtype, off[3] + j * s2, s2, m);
                    for (size_t i = 0; i < m; i++) v[i] = v[i] > b[i] ? b[i] : v[i];
                }
                ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, v, m);
            } else {
                double v[EMBER_CHUNK], b[EMBER_CHUNK];
                ember_load_f64_row(v, x->data, x->dtype, off[1] + j * s0, s0, m);
                if (lo) {
                    ember_load_f64_row(b, lo->data, lo->dtype, off[2] + j * s1, s1, m);
                    for (size_t i = 0; i < m; i++) v[i] = v[i] < b[i] ? b[i] : v[i];
                }
                if (hi) {
                    ember_load_f64_row(b, hi->data, hi->dtype, off[3] + j * s2, s2, m);
                    for (size_t i = 0; i < m; i++) v[i] = v[i] > b[i] ? b[i] : v[i];
                }
                ember_store_f64_row(out->data, out->dtype, off[0] + j, 1, v, m);
            }
        }
        ember_bcast_next(&bc, idx, off);
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_clamp_Tensor_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    for (size_t i = 1; i <= 2; i++) {
        EMBER_TRY(ember_arg_opt_tensor(ctx, args, i, i == 1 ? "min" : "max",
                                       EMBER_DTYPES_NUMERIC, NULL));
    }
    EMBER_REQUIRE(ctx, !ember_is_null(args[1]) || !ember_is_null(args[2]),
                  EMBER_INVALID_ARGUMENT, "at least one of min and max must be given");
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* ins[3] = {args[0]->u.t, ember_is_null(args[1]) ? NULL : args[1]->u.t,
                                  ember_is_null(args[2]) ? NULL : args[2]->u.t};
    EMBER_TRY(ember_check_broadcast_out(ctx, args[3]->u.t, ins, 3));
    *run = run_clamp_tensor;
    return EMBER_OK;
}
