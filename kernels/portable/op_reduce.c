/* op_reduce.c — reductions over a set of dims, with keepdim: sum.IntList_out, mean.out,
 * amax.out, amin.out, argmax.out, argmin.out, any.out / any.dims_out / any.all_out,
 * prod.int_out / prod.out, and var.correction_out / var.out (whose bool `unbiased` is read as
 * the correction, 1 or 0).
 *
 * The input's dims split into kept dims (one output element each, in order) and reduced dims;
 * each group is coalesced, so reducing the last dims of a contiguous tensor walks one
 * contiguous row per output. Rows are read in chunks as double (float32 included) and folded
 * into a double accumulator: sums are more accurate than torch's float ones, well within
 * 1e-5 (float32 sum and mean over contiguous innermost rows keep eight double partial sums per
 * row: sum_rows_f32). No scratch memory: var makes two passes (mean, then squared deviations). A result stored
 * into an integer out converts by Ember's rule (kernel_util.h: NaN 0, saturate, truncate). */
#include "kernels/kernel_util.h"

enum { ROP_SUM, ROP_MEAN, ROP_PROD, ROP_AMAX, ROP_AMIN, ROP_ARGMAX, ROP_ARGMIN, ROP_ANY, ROP_VAR };

/* Which dims a reduction covers: a bit per dim of self. */
typedef uint32_t dim_mask;

/* Kept and reduced dims of the input, each coalesced, with their element strides. */
typedef struct reduce_plan {
    int kept_rank, red_rank;
    int64_t kept_sizes[EMBER_MAX_DIMS], kept_strides[EMBER_MAX_DIMS]; /* (kept_rank) */
    int64_t red_sizes[EMBER_MAX_DIMS], red_strides[EMBER_MAX_DIMS];   /* (red_rank) */
    int64_t kept_numel, red_numel;
} reduce_plan;

static void group_push(int* rank, int64_t* sizes, int64_t* strides, int64_t size, int64_t stride)
{
    if (*rank > 0 && strides[*rank - 1] == stride * size) {
        sizes[*rank - 1] *= size;
        strides[*rank - 1] = stride;
        return;
    }
    sizes[*rank] = size;
    strides[*rank] = stride;
    (*rank)++;
}

static void reduce_plan_init(reduce_plan* p, const ember_tensor* t, dim_mask mask)
{
    p->kept_rank = p->red_rank = 0;
    p->kept_numel = p->red_numel = 1;
    int64_t stride = 1, strides[EMBER_MAX_DIMS];
    for (int d = t->dim - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= t->sizes[d];
    }
    for (int d = 0; d < t->dim; d++) {
        int64_t s = t->sizes[d];
        if (mask & (1u << d)) p->red_numel *= s;
        else p->kept_numel *= s;
        if (s == 1) continue;
        if (mask & (1u << d)) group_push(&p->red_rank, p->red_sizes, p->red_strides, s, strides[d]);
        else group_push(&p->kept_rank, p->kept_sizes, p->kept_strides, s, strides[d]);
    }
    if (p->red_rank == 0) {
        p->red_rank = 1;
        p->red_sizes[0] = 1;
        p->red_strides[0] = 1;
    }
}

/* Steps an odometer over (rank) dims, keeping *off as the element offset. Returns false when
 * it wraps around. */
static bool odometer_next(int rank, const int64_t* sizes, const int64_t* strides, int64_t* idx,
                          int64_t* off)
{
    for (int d = rank - 1; d >= 0; d--) {
        *off += strides[d];
        if (++idx[d] < sizes[d]) return true;
        *off -= strides[d] * sizes[d];
        idx[d] = 0;
    }
    return false;
}

/* Running state of one output element. */
typedef struct reduce_acc {
    double v;      /* sum, product, extreme, any (0/1) */
    int64_t arg;   /* position of the extreme in the reduced iteration order */
    int64_t count; /* elements seen */
    double mean;   /* var: the mean from the first pass */
} reduce_acc;

static void acc_chunk(int op, reduce_acc* a, const double* x, size_t m)
{
    switch (op) {
    case ROP_SUM:
    case ROP_MEAN:
        for (size_t i = 0; i < m; i++) a->v += x[i];
        break;
    case ROP_PROD:
        for (size_t i = 0; i < m; i++) a->v *= x[i];
        break;
    case ROP_AMAX: /* NaN propagates */
        for (size_t i = 0; i < m; i++)
            if (x[i] > a->v || isnan(x[i])) a->v = isnan(a->v) ? a->v : x[i];
        break;
    case ROP_AMIN:
        for (size_t i = 0; i < m; i++)
            if (x[i] < a->v || isnan(x[i])) a->v = isnan(a->v) ? a->v : x[i];
        break;
    case ROP_ARGMAX: /* first maximum; NaN counts as the maximum, as in torch */
    case ROP_ARGMIN:
        for (size_t i = 0; i < m; i++) {
            const double v = x[i];
            bool take = a->count + (int64_t)i == 0;
            if (!take && !isnan(a->v))
                take = isnan(v) || (op == ROP_ARGMAX ? v > a->v : v < a->v);
            if (take) {
                a->v = v;
                a->arg = a->count + (int64_t)i;
            }
        }
        break;
    case ROP_ANY:
        for (size_t i = 0; i < m; i++) a->v = a->v != 0.0 || x[i] != 0.0;
        break;
    case ROP_VAR:
        for (size_t i = 0; i < m; i++) a->v += (x[i] - a->mean) * (x[i] - a->mean);
        break;
    default: break;
    }
    a->count += (int64_t)m;
}

/* Folds every reduced element at `base` into *a. */
static void reduce_pass(int op, const reduce_plan* p, const ember_tensor* in, int64_t base,
                        reduce_acc* a)
{
    const int last = p->red_rank - 1;
    const int64_t n = p->red_sizes[last], s = p->red_strides[last];
    int64_t idx[EMBER_MAX_DIMS] = {0}, off = base;
    do {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            double x[EMBER_CHUNK];
            ember_load_f64_row(x, in->data, in->dtype, off + j * s, s, m);
            acc_chunk(op, a, x, m);
        }
    } while (odometer_next(last, p->red_sizes, p->red_strides, idx, &off));
}

/* sum / mean of float32 rows of n contiguous floats (the innermost dims of a contiguous tensor:
 * global average pooling) into float32 out[r]: eight double partial sums per row, added pairwise
 * at the end, instead of one chain of dependent adds (x4 on MobileNetV2's 1280 rows of 49, Zen
 * 4). The double result may differ from the in-order fold in its last bits; the float one only
 * where that moves a rounding tie. */
static void sum_rows_f32(float* restrict out, const float* restrict in, int64_t rows, int64_t n,
                         bool mean)
{
    for (int64_t r = 0; r < rows; r++) {
        const float* x = in + r * n;
        double a[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++) a[k] += (double)x[i + k];
        for (int k = 0; i < n; i++, k++) a[k] += (double)x[i];
        const double sum = ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
        out[r] = (float)(mean ? sum / (double)n : sum);
    }
}

static void reduce_run(int op, const ember_tensor* in, dim_mask mask, ember_tensor* out,
                       double correction)
{
    reduce_plan p;
    reduce_plan_init(&p, in, mask);
    if (out->numel == 0) return;
    if ((op == ROP_SUM || op == ROP_MEAN) && in->dtype == EMBER_DTYPE_F32 &&
        out->dtype == EMBER_DTYPE_F32 && p.red_numel > 0 && p.red_rank == 1 &&
        p.red_strides[0] == 1 &&
        (p.kept_rank == 0 || (p.kept_rank == 1 && p.kept_strides[0] == p.red_sizes[0]))) {
        sum_rows_f32((float*)out->data, (const float*)in->data, p.kept_numel, p.red_sizes[0],
                     op == ROP_MEAN);
        return;
    }
    int64_t idx[EMBER_MAX_DIMS] = {0}, base = 0;
    for (int64_t o = 0; o < p.kept_numel; o++) {
        reduce_acc a = {0.0, 0, 0, 0.0};
        if (op == ROP_PROD) a.v = 1.0;
        if (op == ROP_AMAX) a.v = -INFINITY;
        if (op == ROP_AMIN) a.v = INFINITY;
        if (p.red_numel > 0) {
            if (op == ROP_VAR) {
                reduce_pass(ROP_SUM, &p, in, base, &a);
                a.mean = a.v / (double)a.count;
                a.v = 0.0;
                a.count = 0;
            }
            reduce_pass(op, &p, in, base, &a);
        }
        double r = a.v;
        if (op == ROP_MEAN) r = a.v / (double)p.red_numel;
        if (op == ROP_VAR) {
            double dof = (double)p.red_numel - correction;
            r = a.v / (dof > 0.0 ? dof : 0.0);
        }
        if (op == ROP_ARGMAX || op == ROP_ARGMIN)
            ember_store_i64_row(out->data, out->dtype, o, 1, &a.arg, 1);
        else
            ember_store_f64_row(out->data, out->dtype, o, 1, &r, 1);
        odometer_next(p.kept_rank, p.kept_sizes, p.kept_strides, idx, &base);
    }
}

/* ---- argument handling ------------------------------------------------------------------- */

/* The reduced dims from an int list / single int / Null. Null means all dims; so does an
 * empty list, except for any.dims (`empty_all` false), where torch reduces nothing.
 * Returns false (with *bad set) if a dim is out of range or repeated. */
static bool dims_from_value(const ember_value* v, int rank, bool empty_all, dim_mask* mask,
                            int64_t* bad)
{
    dim_mask all = rank ? (dim_mask)((1u << rank) - 1u) : 0;
    *mask = 0;
    if (ember_is_null(v) || (empty_all && v->tag == EMBER_VALUE_INT_LIST && v->len == 0)) {
        *mask = all;
        return true;
    }
    size_t n = v->tag == EMBER_VALUE_INT ? 1 : v->len;
    for (size_t i = 0; i < n; i++) {
        int64_t d = v->tag == EMBER_VALUE_INT ? v->u.i : v->u.ints[i];
        int w = ember_wrap_dim(d, rank);
        if (w < 0) {
            *bad = d;
            return false;
        }
        if (rank == 0) continue; /* dim 0 / -1 of a scalar: nothing to reduce */
        if (*mask & (1u << w)) {
            *bad = d;
            return false;
        }
        *mask |= 1u << w;
    }
    return true;
}

/* The out shape of reducing `mask` from `in`. */
static int reduced_shape(const ember_tensor* in, dim_mask mask, bool keepdim, int64_t* sizes)
{
    int r = 0;
    for (int d = 0; d < in->dim; d++) {
        if (!(mask & (1u << d))) sizes[r++] = in->sizes[d];
        else if (keepdim) sizes[r++] = 1;
    }
    return r;
}

/* Where a reduction finds its arguments: -1 for absent. */
typedef struct reduce_spec {
    int8_t op;
    int8_t nargs;
    int8_t dim;        /* dims arg: int list, int, or Null; -1 = all dims */
    bool dim_is_int;   /* the dim arg is a single int (or Null for argmax) */
    int8_t keepdim;
    int8_t dtype;      /* optional ScalarType */
    int8_t correction; /* var: Scalar? correction */
    int8_t out;
} reduce_spec;

static dim_mask spec_mask(const reduce_spec* s, ember_value* const* args, const ember_tensor* in)
{
    dim_mask m = in->dim ? (dim_mask)((1u << in->dim) - 1u) : 0;
    int64_t bad = 0;
    if (s->dim >= 0) dims_from_value(args[s->dim], in->dim, s->op != ROP_ANY, &m, &bad);
    return m;
}

static ember_status reduce_spec_run(ember_value* const* args, const reduce_spec* s)
{
    const ember_tensor* in = args[0]->u.t;
    double correction = 1.0;
    if (s->correction >= 0 && !ember_is_null(args[s->correction]))
        ember_scalar_as_double(args[s->correction], &correction);
    reduce_run(s->op, in, spec_mask(s, args, in), args[s->out]->u.t, correction);
    return EMBER_OK;
}

static ember_status reduce_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                   size_t num_args, const reduce_spec* s)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, s->nargs);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, (size_t)s->out, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, (size_t)s->out + 1, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[s->out]->u.t;
    dim_mask mask = in->dim ? (dim_mask)((1u << in->dim) - 1u) : 0;
    if (s->dim >= 0) {
        bool optional = s->op == ROP_ARGMAX || s->op == ROP_ARGMIN || !s->dim_is_int;
        const uint32_t kind = s->dim_is_int ? EMBER_VALUE_INT : EMBER_VALUE_INT_LIST;
        if (optional) EMBER_TRY(ember_arg_opt_kind(ctx, args, (size_t)s->dim, "dim", kind));
        else EMBER_TRY(ember_arg_kind(ctx, args, (size_t)s->dim, "dim", kind));
        int64_t bad = 0;
        EMBER_REQUIRE(ctx, dims_from_value(args[s->dim], in->dim, s->op != ROP_ANY, &mask, &bad),
                      EMBER_INVALID_ARGUMENT, "dim %lld is out of range or repeated for rank %d",
                      (long long)bad, in->dim);
    }
    bool keepdim = false;
    if (s->keepdim >= 0) {
        EMBER_TRY(ember_arg_kind(ctx, args, (size_t)s->keepdim, "keepdim", EMBER_VALUE_BOOL));
        keepdim = args[s->keepdim]->u.b;
    }
    if (s->dtype >= 0)
        EMBER_TRY(ember_arg_opt_kind(ctx, args, (size_t)s->dtype, "dtype", EMBER_VALUE_INT));
    if (s->correction >= 0)
        EMBER_TRY(ember_arg_opt_scalar(ctx, args, (size_t)s->correction, "correction"));
    int64_t sizes[EMBER_MAX_DIMS];
    int rank;
    if ((s->op == ROP_ARGMAX || s->op == ROP_ARGMIN) && ember_is_null(args[s->dim]))
        rank = keepdim ? reduced_shape(in, mask, true, sizes) : 0; /* flattened */
    else
        rank = reduced_shape(in, mask, keepdim, sizes);
    EMBER_TRY(ember_check_shape(ctx, "out", out, rank, sizes));
    switch (s->op) {
    case ROP_MEAN:
    case ROP_VAR:
        EMBER_REQUIRE(ctx, ember_dtype_is_float(out->dtype), EMBER_DTYPE_MISMATCH,
                      "out must be floating point, got %s", ember_dtype_name(out->dtype));
        break;
    case ROP_ARGMAX:
    case ROP_ARGMIN:
        EMBER_REQUIRE(ctx, out->dtype == EMBER_DTYPE_I64, EMBER_DTYPE_MISMATCH,
                      "out must be int64, got %s", ember_dtype_name(out->dtype));
        /* fall through */
    case ROP_AMAX:
    case ROP_AMIN: {
        int64_t red = 1;
        for (int d = 0; d < in->dim; d++)
            if (mask & (1u << d)) red *= in->sizes[d];
        EMBER_REQUIRE(ctx, red > 0 || out->numel == 0, EMBER_INVALID_ARGUMENT,
                      "cannot take the max/min of an empty dim");
        break;
    }
    default: break;
    }
    return EMBER_OK;
}

#define REDUCE_OP(sym, ...)                                                                     \
    static const reduce_spec spec_##sym = {__VA_ARGS__};                                        \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)                                     \
    {                                                                                           \
        return reduce_spec_run(args, &spec_##sym);                                              \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(reduce_prepare(ctx, args, num_args, &spec_##sym));                               \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

/*        symbol                   op          nargs dim int   keepdim dtype corr out */
REDUCE_OP(aten_sum_IntList_out,    ROP_SUM,    6,  1, false, 2,  3,  -1, 4)
REDUCE_OP(aten_mean_out,           ROP_MEAN,   6,  1, false, 2,  3,  -1, 4)
REDUCE_OP(aten_mean_dtype_out,     ROP_MEAN,   4,  -1, false, -1, 1,  -1, 2)
REDUCE_OP(aten_sum_out,            ROP_SUM,    4,  -1, false, -1, 1,  -1, 2)
REDUCE_OP(aten_prod_int_out,       ROP_PROD,   6,  1, true,  2,  3,  -1, 4)
REDUCE_OP(aten_amax_out,           ROP_AMAX,   5,  1, false, 2,  -1, -1, 3)
REDUCE_OP(aten_amin_out,           ROP_AMIN,   5,  1, false, 2,  -1, -1, 3)
REDUCE_OP(aten_argmax_out,         ROP_ARGMAX, 5,  1, true,  2,  -1, -1, 3)
REDUCE_OP(aten_argmin_out,         ROP_ARGMIN, 5,  1, true,  2,  -1, -1, 3)
REDUCE_OP(aten_any_out,            ROP_ANY,    5,  1, true,  2,  -1, -1, 3)
REDUCE_OP(aten_any_dims_out,       ROP_ANY,    5,  1, false, 2,  -1, -1, 3)
REDUCE_OP(aten_any_all_out,        ROP_ANY,    3,  -1, false, -1, -1, -1, 1)
REDUCE_OP(aten_var_correction_out, ROP_VAR,    6,  1, false, 3,  -1, 2,  4)
REDUCE_OP(aten_prod_out,           ROP_PROD,   4,  -1, false, -1, 1,  -1, 2)
REDUCE_OP(aten_var_out,            ROP_VAR,    6,  1, false, 3,  -1, 2,  4) /* unbiased: 1 or 0 */
