/* op_embedding_bag.c — _embedding_bag.out (nn.EmbeddingBag):
 *   [weight (V, D), indices (n), offsets (B or B + 1), scale_grad_by_freq, mode, sparse,
 *    per_sample_weights?, include_last_offset, padding_idx,
 *    out0 (B, D), out1 offset2bag, out2 bag_size, out3 max_indices, returns..]
 * Bag b reduces weight's rows indices[offsets[b] .. offsets[b + 1]) (the last bag runs to n,
 * or, with include_last_offset, to offsets[B], which should be n: torch's CPU kernel is not
 * consistent when it is less, summing to offsets[B] but counting and taking the max to n) by
 * mode 0 sum (each row times its per_sample_weight if given), 1 mean or 2 max; rows equal to padding_idx are skipped; an empty
 * bag gives zeros. The three other outs follow torch's CPU kernel: offset2bag (n items, or none)
 * is each index's bag; bag_size counts a bag's rows for mean and max (0 for sum); max_indices
 * is the winning row per (bag, column) for max (the first on ties; 0 for an empty bag), a copy
 * of bag_size for mean, zeros for sum. Indices and offsets are data: run checks each index lies
 * in [0, V) and that offsets start at 0, never decrease and stay within n, and fails with
 * EMBER_OUT_OF_RANGE before writing anything otherwise. Sums and means compute in double. */
#include "kernels/kernel_util.h"

/* Element i of a tensor's data as double, through kernel_util.h's row loader (every dtype the math
 * kernels admit). */
static double load_f64_at(const void* data, int dtype, int64_t i)
{
    double v = 0;
    ember_load_f64_row(&v, data, dtype, i, 1, 1);
    return v;
}

static int64_t load_int(const ember_tensor* t, int64_t i)
{
    return t->dtype == EMBER_DTYPE_I64 ? ((const int64_t*)t->data)[i]
                                       : ((const int32_t*)t->data)[i];
}

static ember_status run_embedding_bag(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* w = args[0]->u.t;
    const ember_tensor* idx = args[1]->u.t;
    const ember_tensor* offs = args[2]->u.t;
    const int mode = (int)args[4]->u.i;
    const ember_tensor* psw = ember_is_null(args[6]) ? NULL : args[6]->u.t;
    const bool ilo = args[7]->u.b;
    const int64_t pad = args[8]->u.i;
    ember_tensor* out = args[9]->u.t;
    int64_t* offset2bag = (int64_t*)args[10]->u.t->data;
    const bool write_o2b = args[10]->u.t->numel > 0;
    int64_t* bag_size = (int64_t*)args[11]->u.t->data;
    int64_t* max_idx = (int64_t*)args[12]->u.t->data;
    const int64_t v = w->sizes[0], d = w->sizes[1], n = idx->numel;
    const int64_t bags = offs->numel - (ilo ? 1 : 0);
    for (int64_t k = 0; k < n; k++) {
        const int64_t r = load_int(idx, k);
        if (r < 0 || r >= v)
            return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                                     "index %lld is out of range for %lld embeddings",
                                     (long long)r, (long long)v);
    }
    for (int64_t b = 0; b < offs->numel; b++) {
        const int64_t o = load_int(offs, b), prev = b ? load_int(offs, b - 1) : 0;
        if ((b == 0 && o != 0) || o < prev || o > n)
            return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                                     "offsets[%lld] = %lld: offsets must start at 0, never "
                                     "decrease and stay within %lld indices",
                                     (long long)b, (long long)o, (long long)n);
    }
    for (int64_t b = 0; b < bags; b++) {
        const int64_t start = load_int(offs, b);
        const int64_t end = b + 1 < offs->numel ? load_int(offs, b + 1) : n;
        int64_t count = 0;
        for (int64_t j = 0; j < d; j++) {
            double acc = 0;
            int64_t best = -1, cnt = 0;
            double best_v = 0;
            for (int64_t k = start; k < end; k++) {
                const int64_t r = load_int(idx, k);
                if (r == pad) continue;
                double x = load_f64_at(w->data, w->dtype, r * d + j);
                cnt++;
                if (mode == 2) {
                    if (best < 0 || x > best_v) {
                        best = r;
                        best_v = x;
                    }
                } else {
                    if (psw) x *= load_f64_at(psw->data, psw->dtype, k);
                    acc += x;
                }
            }
            double res = mode == 2 ? (best < 0 ? 0.0 : best_v)
                         : mode == 1 ? (cnt ? acc / (double)cnt : 0.0)
                                     : acc;
            ember_store_f64_row(out->data, out->dtype, b * d + j, 1, &res, 1);
            if (mode == 2) max_idx[b * d + j] = best < 0 ? 0 : best;
            count = cnt;
        }
        if (d == 0)
            for (int64_t k = start; k < end; k++) count += load_int(idx, k) != pad;
        bag_size[b] = mode == 0 ? 0 : count;
        if (mode == 1) max_idx[b] = bag_size[b];
        if (mode == 0) max_idx[b] = 0;
        if (write_o2b)
            for (int64_t k = start; k < end; k++) offset2bag[k] = b;
    }
    if (write_o2b && ilo) /* indices past offsets[B] are in no bag */
        for (int64_t k = load_int(offs, offs->numel - 1); k < n; k++) offset2bag[k] = 0;
    return EMBER_OK;
}

static bool is_index(int dt) { return dt == EMBER_DTYPE_I64 || dt == EMBER_DTYPE_I32; }

ember_status ember_prepare_aten__embedding_bag_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                   size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS2(ctx, num_args, 14, 17);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "weight", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "indices", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "offsets", EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* w = args[0]->u.t;
    const ember_tensor* idx = args[1]->u.t;
    const ember_tensor* offs = args[2]->u.t;
    EMBER_REQUIRE(ctx, ember_dtype_is_float(w->dtype), EMBER_DTYPE_MISMATCH,
                  "weight must be floating point, got %s", ember_dtype_name(w->dtype));
    EMBER_REQUIRE(ctx, w->dim == 2, EMBER_INVALID_ARGUMENT, "weight has rank %d, expected 2",
                  w->dim);
    EMBER_REQUIRE(ctx, is_index(idx->dtype) && offs->dtype == idx->dtype, EMBER_DTYPE_MISMATCH,
                  "indices and offsets must both be int64 or int32, got %s and %s",
                  ember_dtype_name(idx->dtype), ember_dtype_name(offs->dtype));
    EMBER_REQUIRE(ctx, idx->dim == 1 && offs->dim == 1, EMBER_INVALID_ARGUMENT,
                  "indices (rank %d) and offsets (rank %d) must be 1-d", idx->dim, offs->dim);
    bool b;
    EMBER_TRY(ember_arg_bool(ctx, args, 3, "scale_grad_by_freq", &b));
    int64_t mode;
    EMBER_TRY(ember_arg_int_in(ctx, args, 4, "mode", 0, 2, &mode));
    EMBER_TRY(ember_arg_bool(ctx, args, 5, "sparse", &b));
    bool ilo;
    EMBER_TRY(ember_arg_bool(ctx, args, 7, "include_last_offset", &ilo));
    int64_t pad;
    EMBER_TRY(ember_arg_int(ctx, args, 8, "padding_idx", &pad));
    if (!ember_is_null(args[6])) {
        EMBER_TRY(ember_arg_tensor(ctx, args, 6, "per_sample_weights", EMBER_DTYPES_NUMERIC, NULL));
        const ember_tensor* p = args[6]->u.t;
        EMBER_REQUIRE(ctx, mode == 0, EMBER_INVALID_ARGUMENT,
                      "per_sample_weights need mode 0 (sum)");
        EMBER_REQUIRE(ctx, p->dtype == w->dtype, EMBER_DTYPE_MISMATCH,
                      "per_sample_weights is %s, expected weight's %s",
                      ember_dtype_name(p->dtype), ember_dtype_name(w->dtype));
        EMBER_TRY(ember_check_same_shape(ctx, "per_sample_weights", p, idx));
    }
    const int64_t bags = offs->numel - (ilo ? 1 : 0);
    EMBER_REQUIRE(ctx, bags >= 0, EMBER_INVALID_ARGUMENT,
                  "include_last_offset needs at least one offset");
    for (size_t i = 9; i <= 12; i++)
        EMBER_TRY(ember_arg_out(ctx, args, i, "out", EMBER_DTYPES_NUMERIC, NULL));
    const ember_tensor* out = args[9]->u.t;
    EMBER_REQUIRE(ctx, out->dtype == w->dtype, EMBER_DTYPE_MISMATCH,
                  "out0 is %s, expected weight's %s", ember_dtype_name(out->dtype),
                  ember_dtype_name(w->dtype));
    const int64_t want0[2] = {bags, w->sizes[1]};
    EMBER_TRY(ember_check_shape(ctx, "out0", out, 2, want0));
    for (size_t i = 10; i <= 12; i++)
        EMBER_REQUIRE(ctx, args[i]->u.t->dtype == EMBER_DTYPE_I64, EMBER_DTYPE_MISMATCH,
                      "out%d is %s, expected int64", (int)(i - 9),
                      ember_dtype_name(args[i]->u.t->dtype));
    const ember_tensor* o2b = args[10]->u.t;
    EMBER_REQUIRE(ctx, o2b->dim == 1 && (o2b->numel == 0 || o2b->numel == idx->numel),
                  EMBER_SHAPE_MISMATCH, "out1 (offset2bag) must be 1-d with 0 or %d items",
                  (int)idx->numel);
    EMBER_TRY(ember_check_shape(ctx, "out2 (bag_size)", args[11]->u.t, 1, want0));
    if (mode == 2) EMBER_TRY(ember_check_shape(ctx, "out3 (max_indices)", args[12]->u.t, 2, want0));
    else EMBER_TRY(ember_check_shape(ctx, "out3 (max_indices)", args[12]->u.t, 1, want0));
    *run = run_embedding_bag;
    return EMBER_OK;
}
