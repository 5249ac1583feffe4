/* op_scatter.c — writes addressed by an index tensor along one dim, gather's inverse:
 *   aten::scatter.src_out       [self, dim, index, src, out, out]     out[.., index[p], ..] = src[p]
 *   aten::scatter.value_out     [self, dim, index, value, out, out]   ... = value
 *   aten::scatter_add.out       [self, dim, index, src, out, out]     ... += src[p]
 *   aten::scatter_reduce.two_out [self, dim, index, src, reduce, include_self, out, out]
 *       reduce "sum", "prod", "amax" or "amin" ("mean" is refused at prepare); without
 *       include_self, the first value written to a position replaces self's.
 *   aten::masked_scatter.out    [self, mask, source, out, out]   (at the end of this file)
 * out starts as a copy of self; p runs over index's shape (index has self's rank, is no larger
 * than src anywhere and no larger than self outside dim), in order, so with repeated positions
 * the last scatter wins. Index values are data: run checks every one lies in [0, size of dim)
 * before writing anything and fails with EMBER_OUT_OF_RANGE otherwise. Reductions compute in
 * double (floating dtypes; amax/amin propagate NaN) or int64 (integers, wrapping). */
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"
#include "kernels/strided.h"

enum { SC_SET, SC_SUM, SC_PROD, SC_AMAX, SC_AMIN };

typedef struct scatter_spec {
    int nargs;
    bool value;   /* args[3] is a Scalar */
    int reduce;   /* SC_*, or -1: from args[4] */
    int out;
} scatter_spec;

static int reduce_code(const char* s)
{
    if (strcmp(s, "sum") == 0) return SC_SUM;
    if (strcmp(s, "prod") == 0) return SC_PROD;
    if (strcmp(s, "amax") == 0) return SC_AMAX;
    if (strcmp(s, "amin") == 0) return SC_AMIN;
    return -1;
}

/* Position p (flat, over index's shape) as element offsets into self (with dim's coordinate
 * left out) and into src. */
static void scatter_offsets(int64_t p, const ember_tensor* index, int d, const int64_t* sstr,
                            const int64_t* rstr, int64_t* self_off, int64_t* src_off)
{
    int64_t so = 0, ro = 0;
    for (int a = index->dim - 1; a >= 0; a--) {
        const int64_t c = p % index->sizes[a];
        p /= index->sizes[a];
        if (a != d) so += c * sstr[a];
        ro += c * rstr[a];
    }
    *self_off = so;
    *src_off = ro;
}

static double f64_combine(int op, double a, double b)
{
    switch (op) {
    case SC_SUM: return a + b;
    case SC_PROD: return a * b;
    case SC_AMAX: return isnan(a) ? a : isnan(b) ? b : (a > b ? a : b);
    case SC_AMIN: return isnan(a) ? a : isnan(b) ? b : (a < b ? a : b);
    default: return b;
    }
}

static int64_t i64_combine(int op, int64_t a, int64_t b)
{
    switch (op) {
    case SC_SUM: return (int64_t)((uint64_t)a + (uint64_t)b);
    case SC_PROD: return (int64_t)((uint64_t)a * (uint64_t)b);
    case SC_AMAX: return a > b ? a : b;
    case SC_AMIN: return a < b ? a : b;
    default: return b;
    }
}

/* The identity `include_self = false` resets each written position to first. */
static double f64_identity(int op)
{
    return op == SC_PROD ? 1.0 : op == SC_AMAX ? -INFINITY : op == SC_AMIN ? INFINITY : 0.0;
}
static int64_t i64_identity(int op)
{
    return op == SC_PROD ? 1 : op == SC_AMAX ? INT64_MIN : op == SC_AMIN ? INT64_MAX : 0;
}

static ember_status scatter_run(ember_kernel_ctx* ctx, ember_value* const* args,
                                const scatter_spec* s)
{
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* index = args[2]->u.t;
    ember_tensor* out = args[s->out]->u.t;
    const int d = ember_wrap_dim(args[1]->u.i, self->dim);
    const int op = s->reduce >= 0 ? s->reduce : reduce_code(args[4]->u.str);
    const bool include_self = s->reduce >= 0 || args[5]->u.b;
    const int64_t len = self->sizes[d];
    const int64_t* idx = (const int64_t*)index->data;
    for (int64_t p = 0; p < index->numel; p++)
        if (idx[p] < 0 || idx[p] >= len)
            return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                                     "index %lld is out of range for dimension %d of size %lld",
                                     (long long)idx[p], d, (long long)len);
    if (out->numel == 0) return EMBER_OK;
    memmove(out->data, self->data, out->nbytes);
    int64_t ssz[EMBER_MAX_DIMS], sstr[EMBER_MAX_DIMS], rstr[EMBER_MAX_DIMS] = {0};
    ember_tensor_sizes(self, ssz);
    ember_contiguous_strides(self->dim, ssz, sstr);
    ember_scalar_box box;
    const ember_tensor* src;
    if (s->value) {
        src = ember_scalar_tensor(&box, args[3], self->dtype); /* rank 0: every stride 0 */
    } else {
        src = args[3]->u.t;
        int64_t rsz[EMBER_MAX_DIMS];
        ember_tensor_sizes(src, rsz);
        ember_contiguous_strides(src->dim, rsz, rstr);
    }
    const size_t es = ember_dtype_size(self->dtype);
    const bool intlike = ember_dtype_is_intlike(self->dtype);
    /* pass 1, reductions without self: every position written starts from the identity */
    if (op != SC_SET && !include_self) {
        for (int64_t p = 0; p < index->numel; p++) {
            int64_t so, ro;
            scatter_offsets(p, index, d, sstr, rstr, &so, &ro);
            so += idx[p] * sstr[d];
            if (intlike) {
                int64_t v = i64_identity(op);
                ember_store_i64_row(out->data, out->dtype, so, 1, &v, 1);
            } else {
                double v = f64_identity(op);
                ember_store_f64_row(out->data, out->dtype, so, 1, &v, 1);
            }
        }
    }
    for (int64_t p = 0; p < index->numel; p++) {
        int64_t so, ro;
        scatter_offsets(p, index, d, sstr, rstr, &so, &ro);
        so += idx[p] * sstr[d];
        if (s->value) ro = 0;
        if (op == SC_SET && src->dtype == out->dtype) {
            memcpy((char*)out->data + (size_t)so * es, (const char*)src->data + (size_t)ro * es,
                   es);
        } else if (intlike) {
            int64_t a = 0, b = 0;
            ember_load_i64_row(&a, out->data, out->dtype, so, 1, 1);
            ember_load_i64_row(&b, src->data, src->dtype, ro, 1, 1);
            a = i64_combine(op, a, b);
            ember_store_i64_row(out->data, out->dtype, so, 1, &a, 1);
        } else {
            double a = 0, b = 0;
            ember_load_f64_row(&a, out->data, out->dtype, so, 1, 1);
            ember_load_f64_row(&b, src->data, src->dtype, ro, 1, 1);
            a = f64_combine(op, a, b);
            ember_store_f64_row(out->data, out->dtype, so, 1, &a, 1);
        }
    }
    return EMBER_OK;
}

static ember_status scatter_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                    size_t num_args, const scatter_spec* s)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, s->nargs);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    int64_t dim;
    EMBER_TRY(ember_arg_int(ctx, args, 1, "dim", &dim));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "index", EMBER_DTYPES_NUMERIC, NULL));
    if (s->value) EMBER_TRY(ember_arg_scalar(ctx, args, 3, "value"));
    else EMBER_TRY(ember_arg_tensor(ctx, args, 3, "src", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, (size_t)s->out, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, (size_t)s->out + 1, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* index = args[2]->u.t;
    const ember_tensor* out = args[s->out]->u.t;
    EMBER_REQUIRE(ctx, self->dim >= 1, EMBER_NOT_SUPPORTED, "rank-0 self is not supported");
    const int d = ember_wrap_dim(dim, self->dim);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld is out of range for rank %d",
                  (long long)dim, self->dim);
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, self));
    EMBER_REQUIRE(ctx, index->dtype == EMBER_DTYPE_I64, EMBER_DTYPE_MISMATCH,
                  "index is %s, expected int64", ember_dtype_name(index->dtype));
    EMBER_REQUIRE(ctx, index->dim == self->dim, EMBER_SHAPE_MISMATCH,
                  "index has rank %d, self rank %d", index->dim, self->dim);
    for (int a = 0; a < self->dim; a++)
        EMBER_REQUIRE(ctx, a == d || index->sizes[a] <= self->sizes[a], EMBER_SHAPE_MISMATCH,
                      "index dim %d (%d) is larger than self's (%d)", a, (int)index->sizes[a],
                      (int)self->sizes[a]);
    if (!s->value) {
        const ember_tensor* src = args[3]->u.t;
        EMBER_TRY(ember_check_same_dtype(ctx, "src", src, self));
        EMBER_REQUIRE(ctx, src->dim == self->dim, EMBER_SHAPE_MISMATCH,
                      "src has rank %d, self rank %d", src->dim, self->dim);
        for (int a = 0; a < self->dim; a++)
            EMBER_REQUIRE(ctx, index->sizes[a] <= src->sizes[a], EMBER_SHAPE_MISMATCH,
                          "index dim %d (%d) is larger than src's (%d)", a, (int)index->sizes[a],
                          (int)src->sizes[a]);
    }
    if (s->reduce < 0) {
        EMBER_TRY(ember_arg_kind(ctx, args, 4, "reduce", EMBER_VALUE_STRING));
        EMBER_REQUIRE(ctx, strcmp(args[4]->u.str, "mean") != 0, EMBER_NOT_SUPPORTED,
                      "reduce \"mean\" is not supported");
        EMBER_REQUIRE(ctx, reduce_code(args[4]->u.str) >= 0, EMBER_INVALID_ARGUMENT,
                      "reduce must be \"sum\", \"prod\", \"amax\" or \"amin\", got \"%s\"",
                      args[4]->u.str);
        EMBER_TRY(ember_arg_kind(ctx, args, 5, "include_self", EMBER_VALUE_BOOL));
    }
    return EMBER_OK;
}

#define SCATTER_OP(sym, ...)                                                                    \
    static const scatter_spec spec_##sym = {__VA_ARGS__};                                       \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        return scatter_run(ctx, args, &spec_##sym);                                             \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(scatter_prepare(ctx, args, num_args, &spec_##sym));                              \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

/*         symbol                       nargs value  reduce  out */
SCATTER_OP(aten_scatter_src_out,        6,    false, SC_SET, 4)
SCATTER_OP(aten_scatter_value_out,      6,    true,  SC_SET, 4)
SCATTER_OP(aten_scatter_add_out,        6,    false, SC_SUM, 4)
SCATTER_OP(aten_scatter_reduce_two_out, 8,    false, -1,     6)

/* ---- masked_scatter ---------------------------------------------------------------------- */
/* masked_scatter.out: [self, mask, source, out, out]: out = self, then the positions where mask
 * (bool, broadcast to self's shape) is true receive source's elements in order (row-major).
 * How many the mask selects is data: run counts them first and fails with EMBER_OUT_OF_RANGE,
 * writing nothing, when source has fewer. */

/* Walks out's positions in order with the mask's broadcast offset; counts or copies. */
static int64_t masked_walk(ember_tensor* out, const ember_tensor* mask, const ember_tensor* src,
                           bool copy)
{
    const ember_tensor* ins[1] = {mask};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 1);
    const int last = bc.rank - 1;
    const int64_t n = bc.sizes[last], sm = bc.strides[1][last], rows = ember_bcast_rows(&bc);
    const size_t es = ember_dtype_size(out->dtype);
    const uint8_t* m = (const uint8_t*)mask->data;
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[2] = {0, 0}, k = 0;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j++) {
            if (!m[off[1] + j * sm]) continue;
            if (copy)
                memcpy((char*)out->data + (size_t)(off[0] + j) * es,
                       (const char*)src->data + (size_t)k * es, es);
            k++;
        }
        ember_bcast_next(&bc, idx, off);
    }
    return k;
}

static ember_status run_masked_scatter(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* mask = args[1]->u.t;
    const ember_tensor* src = args[2]->u.t;
    ember_tensor* out = args[3]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const int64_t need = masked_walk(out, mask, src, false);
    if (need > src->numel)
        return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                                 "mask selects %lld elements but source has %lld",
                                 (long long)need, (long long)src->numel);
    memmove(out->data, self->data, out->nbytes);
    masked_walk(out, mask, src, true);
    return EMBER_OK;
}

ember_status ember_prepare_aten_masked_scatter_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                   size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "mask", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "source", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* mask = args[1]->u.t;
    const ember_tensor* out = args[3]->u.t;
    EMBER_REQUIRE(ctx, mask->dtype == EMBER_DTYPE_BOOL, EMBER_DTYPE_MISMATCH,
                  "mask is %s, expected bool", ember_dtype_name(mask->dtype));
    EMBER_TRY(ember_check_same_dtype(ctx, "source", args[2]->u.t, self));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, self));
    const ember_tensor* ins[2] = {self, mask};
    EMBER_TRY(ember_check_broadcast_out(ctx, out, ins, 2)); /* mask broadcasts to self's shape */
    *run = run_masked_scatter;
    return EMBER_OK;
}
