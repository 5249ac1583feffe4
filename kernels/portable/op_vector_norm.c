/* op_vector_norm.c — linalg_vector_norm.out: the p-norm of a floating tensor over a set of dims
 * (all of them when dim is None or empty), with keepdim and an optional result dtype.
 * F.normalize and weight-norm parametrizations lower to it.
 *
 *   ord = 0      number of nonzero elements (NaN counts)
 *   ord = inf    max |x|          ord = -inf   min |x|    (NaN propagates)
 *   ord = 1      sum |x|          ord = 2      sqrt(sum x^2)
 *   other p      (sum |x|^p)^(1/p)  (a zero with p < 0 gives inf, so the norm is 0, as in torch)
 *
 * Elements are read as double and folded in double (more accurate than torch's float32 sums);
 * the result is rounded once into out. The input's dims split into kept dims (one output element
 * each, in order) and reduced dims; each reduced row is read in chunks. No scratch memory. */
#include "kernels/kernel_util.h"

enum { NORM_ZERO, NORM_MAX, NORM_MIN, NORM_ONE, NORM_TWO, NORM_P };

/* Kept and reduced dims of the (contiguous) input with their element strides. */
typedef struct norm_plan {
    int kept_rank, red_rank;
    int64_t kept_sizes[EMBER_MAX_DIMS], kept_strides[EMBER_MAX_DIMS]; /* (kept_rank) */
    int64_t red_sizes[EMBER_MAX_DIMS], red_strides[EMBER_MAX_DIMS];   /* (red_rank) >= 1 */
    int64_t red_numel;
} norm_plan;

static void norm_plan_init(norm_plan* p, const ember_tensor* t, uint32_t mask)
{
    int64_t strides[EMBER_MAX_DIMS], s = 1;
    for (int d = t->dim - 1; d >= 0; d--) {
        strides[d] = s;
        s *= t->sizes[d];
    }
    p->kept_rank = p->red_rank = 0;
    p->red_numel = 1;
    for (int d = 0; d < t->dim; d++) {
        if (mask & (1u << d)) {
            p->red_numel *= t->sizes[d];
            p->red_sizes[p->red_rank] = t->sizes[d];
            p->red_strides[p->red_rank++] = strides[d];
        } else {
            p->kept_sizes[p->kept_rank] = t->sizes[d];
            p->kept_strides[p->kept_rank++] = strides[d];
        }
    }
    if (p->red_rank == 0) { /* rank 0, or nothing reduced: one element per output */
        p->red_sizes[0] = 1;
        p->red_strides[0] = 1;
        p->red_rank = 1;
    }
}

/* Steps an odometer over (rank) dims keeping *off the element offset; false when it wraps. */
static bool norm_next(int rank, const int64_t* sizes, const int64_t* strides, int64_t* idx,
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

static void norm_fold(int kind, double p, double* acc, const double* x, size_t m)
{
    double a = *acc;
    switch (kind) {
    case NORM_ZERO: for (size_t i = 0; i < m; i++) a += x[i] != 0.0; break;
    case NORM_MAX:
        for (size_t i = 0; i < m; i++) {
            double v = fabs(x[i]);
            if (isnan(v) || v > a) a = isnan(a) ? a : v;
        }
        break;
    case NORM_MIN:
        for (size_t i = 0; i < m; i++) {
            double v = fabs(x[i]);
            if (isnan(v) || v < a) a = isnan(a) ? a : v;
        }
        break;
    case NORM_ONE: for (size_t i = 0; i < m; i++) a += fabs(x[i]); break;
    case NORM_TWO: for (size_t i = 0; i < m; i++) a += x[i] * x[i]; break;
    default: for (size_t i = 0; i < m; i++) a += pow(fabs(x[i]), p); break;
    }
    *acc = a;
}

static int norm_kind(double p)
{
    if (p == 0.0) return NORM_ZERO;
    if (isinf(p)) return p > 0 ? NORM_MAX : NORM_MIN;
    if (p == 1.0) return NORM_ONE;
    if (p == 2.0) return NORM_TWO;
    return NORM_P;
}

/* The reduced dims as a bit mask: Null or an empty list means all. False on a bad dim. */
static bool norm_mask(const ember_value* v, int rank, uint32_t* mask, int64_t* bad)
{
    *mask = rank ? (uint32_t)((1u << rank) - 1u) : 0;
    if (ember_is_null(v) || v->len == 0) return true;
    *mask = 0;
    for (uint32_t i = 0; i < v->len; i++) {
        int w = ember_wrap_dim(v->u.ints[i], rank);
        if (w < 0 || (rank > 0 && (*mask & (1u << w)))) {
            *bad = v->u.ints[i];
            return false;
        }
        if (rank > 0) *mask |= 1u << w;
    }
    return true;
}

/* linalg_vector_norm.out: [self, ord, dim?, keepdim, dtype?, out, out] */
static ember_status run_vector_norm(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[5]->u.t;
    if (out->numel == 0) return EMBER_OK;
    double p = 2.0;
    ember_scalar_as_double(args[1], &p);
    const int kind = norm_kind(p);
    uint32_t mask = 0;
    int64_t bad = 0;
    norm_mask(args[2], in->dim, &mask, &bad);
    norm_plan pl;
    norm_plan_init(&pl, in, mask);
    const int last = pl.red_rank - 1;
    const int64_t n = pl.red_sizes[last], s = pl.red_strides[last];
    int64_t kidx[EMBER_MAX_DIMS] = {0}, base = 0;
    for (int64_t o = 0; o < out->numel; o++) {
        double acc = kind == NORM_MIN ? INFINITY : 0.0;
        if (pl.red_numel > 0) {
            int64_t ridx[EMBER_MAX_DIMS] = {0}, off = base;
            do {
                for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
                    size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
                    double x[EMBER_CHUNK];
                    ember_load_f64_row(x, in->data, in->dtype, off + j * s, s, m);
                    norm_fold(kind, p, &acc, x, m);
                }
            } while (norm_next(last, pl.red_sizes, pl.red_strides, ridx, &off));
        }
        if (kind == NORM_TWO) acc = sqrt(acc);
        else if (kind == NORM_P) acc = pow(acc, 1.0 / p);
        ember_store_f64_row(out->data, out->dtype, o, 1, &acc, 1);
        norm_next(pl.kept_rank, pl.kept_sizes, pl.kept_strides, kidx, &base);
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_linalg_vector_norm_out(ember_kernel_ctx* ctx,
                                                       ember_value* const* args, size_t num_args,
                                                       ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 7);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_scalar(ctx, args, 1, "ord"));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 2, "dim", EMBER_VALUE_INT_LIST));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "keepdim", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 4, "dtype", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_out(ctx, args, 5, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 6, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* out = args[5]->u.t;
    EMBER_REQUIRE(ctx, ember_dtype_is_float(in->dtype), EMBER_DTYPE_MISMATCH,
                  "self must be floating point, got %s", ember_dtype_name(in->dtype));
    EMBER_REQUIRE(ctx, ember_dtype_is_float(out->dtype), EMBER_DTYPE_MISMATCH,
                  "out must be floating point, got %s", ember_dtype_name(out->dtype));
    if (!ember_is_null(args[4]))
        EMBER_REQUIRE(ctx, args[4]->u.i == out->dtype, EMBER_DTYPE_MISMATCH,
                      "dtype %lld does not match out's dtype %s", (long long)args[4]->u.i,
                      ember_dtype_name(out->dtype));
    double p = 2.0;
    ember_scalar_as_double(args[1], &p);
    EMBER_REQUIRE(ctx, !isnan(p), EMBER_INVALID_ARGUMENT, "ord is NaN");
    uint32_t mask = 0;
    int64_t bad = 0;
    EMBER_REQUIRE(ctx, norm_mask(args[2], in->dim, &mask, &bad), EMBER_INVALID_ARGUMENT,
                  "dim %lld is out of range or repeated for rank %d", (long long)bad, in->dim);
    const bool keepdim = args[3]->u.b;
    int64_t sizes[EMBER_MAX_DIMS] = {0};
    int rank = 0;
    int64_t red = 1;
    for (int d = 0; d < in->dim; d++) {
        if (!(mask & (1u << d))) sizes[rank++] = in->sizes[d];
        else {
            red *= in->sizes[d];
            if (keepdim) sizes[rank++] = 1;
        }
    }
    EMBER_TRY(ember_check_shape(ctx, "out", out, rank, sizes));
    EMBER_REQUIRE(ctx, red > 0 || out->numel == 0 || p >= 0.0, EMBER_INVALID_ARGUMENT,
                  "the norm of order %s over an empty dim has no value", EMBER_DOUBLE_STR(p));
    EMBER_REQUIRE(ctx, red > 0 || out->numel == 0 || !isinf(p), EMBER_INVALID_ARGUMENT,
                  "the inf norm over an empty dim has no value");
    *run = run_vector_norm;
    return EMBER_OK;
}
