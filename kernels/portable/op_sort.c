/* op_sort.c — sorting along one dim: sort.values, sort.values_stable and topk.values (argsort
 * lowers to sort and keeps its indices).
 *
 * Order is torch's: NaN is larger than every number (first when descending, last when
 * ascending), and equal elements keep their input order, so every sort here is stable. Ties are
 * broken by position, which makes the order total and lets an in-place heapsort be stable:
 * no scratch memory. Each row's permutation is built in the indices out itself (int64, the
 * sorted dim's stride) and values are gathered through it.
 *
 * topk keeps the best k seen so far in a heap in the indices out's k slots (the worst of them at
 * the root), O(n log k) per row, then heapsorts those k into order; sorted=False gets the same
 * sorted result (torch leaves that order unspecified). Integer and bool keys compare as int64,
 * floating ones as double. */
#include "kernels/kernel_util.h"

/* Element i of a tensor's data as double, through kernel_util.h's row loader (every dtype the math
 * kernels admit). */
static double load_f64_at(const void* data, int dtype, int64_t i)
{
    double v = 0;
    ember_load_f64_row(&v, data, dtype, i, 1, 1);
    return v;
}

/* One row of the input and of the indices out being permuted. */
typedef struct sort_row {
    const void* data; /* input */
    int dtype;
    bool intlike;
    bool desc;           /* larger first */
    int64_t base, step;  /* input: element (0) of the row, stride of the sorted dim */
    int64_t* idx;        /* indices out: element (0) of the row */
    int64_t istep;       /* its stride */
} sort_row;

static double key_f64(const sort_row* r, int64_t i)
{
    return load_f64_at(r->data, r->dtype, r->base + i * r->step);
}

static int64_t key_i64(const sort_row* r, int64_t i)
{
    int64_t v = 0;
    ember_load_i64_row(&v, r->data, r->dtype, r->base + i * r->step, 1, 1);
    return v;
}

/* True if input element i goes before element j in the row's order. */
static bool before(const sort_row* r, int64_t i, int64_t j)
{
    int c;
    if (r->intlike) {
        int64_t a = key_i64(r, i), b = key_i64(r, j);
        c = a < b ? -1 : a > b;
    } else {
        double a = key_f64(r, i), b = key_f64(r, j);
        bool na = isnan(a), nb = isnan(b);
        c = na || nb ? (na - nb) : (a < b ? -1 : a > b);
    }
    if (c == 0) return i < j;
    return r->desc ? c > 0 : c < 0;
}

#define AT(r, k) ((r)->idx[(int64_t)(k) * (r)->istep])

/* Sift slot k of a heap of n slots down; the root holds the element that goes last. */
static void sift_down(const sort_row* r, int64_t k, int64_t n)
{
    for (;;) {
        int64_t c = 2 * k + 1;
        if (c >= n) return;
        if (c + 1 < n && before(r, AT(r, c), AT(r, c + 1))) c++;
        if (!before(r, AT(r, k), AT(r, c))) return;
        int64_t t = AT(r, k);
        AT(r, k) = AT(r, c);
        AT(r, c) = t;
        k = c;
    }
}

/* Orders the n slots of a heap (built by sift_down) first to last. */
static void heap_sort(const sort_row* r, int64_t n)
{
    for (int64_t end = n - 1; end > 0; end--) {
        int64_t t = AT(r, 0);
        AT(r, 0) = AT(r, end);
        AT(r, end) = t;
        sift_down(r, 0, end);
    }
}

/* The first k (in order) of the row's n elements into its k index slots, ordered. */
static void row_select(const sort_row* r, int64_t n, int64_t k)
{
    if (k == 0) return;
    for (int64_t i = 0; i < k; i++) AT(r, i) = i;
    for (int64_t i = k / 2 - 1; i >= 0; i--) sift_down(r, i, k);
    for (int64_t i = k; i < n; i++) {
        if (!before(r, i, AT(r, 0))) continue;
        AT(r, 0) = i;
        sift_down(r, 0, k);
    }
    heap_sort(r, k);
}

/* values[.., j, ..] = in[.., indices[.., j, ..], ..] along dim d for every row; in is (outer,
 * n, inner), the outs (outer, k, inner). */
static void sort_run(const ember_tensor* in, int d, int64_t k, bool desc, ember_tensor* values,
                     ember_tensor* indices)
{
    if (values->numel == 0) return;
    int64_t outer, n, inner;
    ember_split_dim(in, d, &outer, &n, &inner);
    const size_t es = ember_dtype_size(in->dtype);
    sort_row r = {in->data, in->dtype, ember_dtype_is_intlike(in->dtype), desc, 0, inner, NULL,
                  inner};
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            r.base = o * n * inner + i;
            r.idx = (int64_t*)indices->data + o * k * inner + i;
            row_select(&r, n, k);
            char* v = (char*)values->data + (size_t)(o * k * inner + i) * es;
            for (int64_t j = 0; j < k; j++)
                memcpy(v + (size_t)(j * inner) * es,
                       (const char*)in->data + (size_t)(r.base + AT(&r, j) * inner) * es, es);
        }
    }
}

/* Checks self, dim, the two outs (values: self's dtype, indices: int64; both self's shape with
 * dim of size k, or k = self's size there when k < 0). */
static ember_status sort_prepare(ember_kernel_ctx* ctx, ember_value* const* args, size_t dim_i,
                                 size_t values_i, int64_t k, int* dim_out, int64_t* k_out)
{
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    int64_t dim;
    EMBER_TRY(ember_arg_int(ctx, args, dim_i, "dim", &dim));
    const ember_tensor* in = args[0]->u.t;
    int d = ember_wrap_dim(dim, in->dim);
    EMBER_REQUIRE(ctx, d >= 0, EMBER_INVALID_ARGUMENT, "dim %lld is out of range for rank %d",
                  (long long)dim, in->dim);
    if (in->dim == 0) d = 0;
    const int64_t n = in->dim ? in->sizes[d] : 1;
    if (k < 0) k = n;
    EMBER_REQUIRE(ctx, k <= n, EMBER_INVALID_ARGUMENT, "k = %lld is out of range [0, %lld]",
                  (long long)k, (long long)n);
    EMBER_TRY(ember_arg_out(ctx, args, values_i, "values", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, values_i + 1, "indices", EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* values = args[values_i]->u.t;
    const ember_tensor* indices = args[values_i + 1]->u.t;
    EMBER_REQUIRE(ctx, values->dtype == in->dtype, EMBER_DTYPE_MISMATCH,
                  "values is %s, expected self's %s", ember_dtype_name(values->dtype),
                  ember_dtype_name(in->dtype));
    EMBER_REQUIRE(ctx, indices->dtype == EMBER_DTYPE_I64, EMBER_DTYPE_MISMATCH,
                  "indices is %s, expected int64", ember_dtype_name(indices->dtype));
    int64_t sizes[EMBER_MAX_DIMS];
    for (int i = 0; i < in->dim; i++) sizes[i] = i == d ? k : in->sizes[i];
    EMBER_TRY(ember_check_shape(ctx, "values", values, in->dim, sizes));
    EMBER_TRY(ember_check_shape(ctx, "indices", indices, in->dim, sizes));
    *dim_out = d;
    *k_out = k;
    return EMBER_OK;
}

/* sort.values: [self, dim, descending, values, indices, (values, indices) | values, indices] */
static ember_status run_sort(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    int d = in->dim ? ember_wrap_dim(args[1]->u.i, in->dim) : 0;
    sort_run(in, d, in->dim ? in->sizes[d] : 1, args[2]->u.b, args[3]->u.t, args[4]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten_sort_values(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 6, 7);
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "descending", EMBER_VALUE_BOOL));
    int d;
    int64_t k;
    EMBER_TRY(sort_prepare(ctx, args, 1, 3, -1, &d, &k));
    *run = run_sort;
    return EMBER_OK;
}

/* sort.values_stable: [self, stable?, dim, descending, values, indices, returns..] */
static ember_status run_sort_stable(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    int d = in->dim ? ember_wrap_dim(args[2]->u.i, in->dim) : 0;
    sort_run(in, d, in->dim ? in->sizes[d] : 1, args[3]->u.b, args[4]->u.t, args[5]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten_sort_values_stable(ember_kernel_ctx* ctx,
                                                   ember_value* const* args, size_t num_args,
                                                   ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 7, 8);
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 1, "stable", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "descending", EMBER_VALUE_BOOL));
    int d;
    int64_t k;
    EMBER_TRY(sort_prepare(ctx, args, 2, 4, -1, &d, &k));
    *run = run_sort_stable;
    return EMBER_OK;
}

/* topk.values: [self, k, dim, largest, sorted, values, indices, returns..] */
static ember_status run_topk(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    int d = in->dim ? ember_wrap_dim(args[2]->u.i, in->dim) : 0;
    sort_run(in, d, args[1]->u.i, args[3]->u.b, args[5]->u.t, args[6]->u.t);
    return EMBER_OK;
}

ember_status ember_prepare_aten_topk_values(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 8, 9);
    int64_t k;
    EMBER_TRY(ember_arg_int_in(ctx, args, 1, "k", 0, INT32_MAX, &k));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "largest", EMBER_VALUE_BOOL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "sorted", EMBER_VALUE_BOOL));
    int d;
    int64_t kk;
    EMBER_TRY(sort_prepare(ctx, args, 2, 5, k, &d, &kk));
    *run = run_topk;
    return EMBER_OK;
}
