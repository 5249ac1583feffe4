/* op_pad.c — aten::constant_pad_nd.out [self, pad, value, out, out], any numeric dtype.
 * pad holds (left, right) pairs starting from the last dim; negative entries crop. Each entry
 * must lie in [-(2^31-1), 2^31-1] (no tensor dim is larger). Each output row (last dim) is
 * filled, then the overlapping part of the input row copied in. `value` is stored in self's
 * dtype by Ember's double-to-integer rule (kernel_util.h), into float16/bfloat16 rounded
 * through float. */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"

#define FILL_AS_(T)                                                                             \
    do {                                                                                        \
        T x_;                                                                                   \
        memcpy(&x_, v, sizeof x_);                                                              \
        for (int64_t i = 0; i < n; i++) memcpy(dst + (size_t)i * sizeof x_, &x_, sizeof x_);    \
    } while (0)

/* Fills n elements of es bytes with the pattern at `v`: one memset when the pattern is all zero
 * bytes (zero padding, the common case), else a loop of fixed-size stores. */
static void fill_elems(char* dst, const unsigned char* v, size_t es, int64_t n)
{
    if (n <= 0) return;
    bool zero = true;
    for (size_t b = 0; b < es; b++) zero = zero && v[b] == 0;
    if (zero) {
        memset(dst, 0, (size_t)n * es);
        return;
    }
    switch (es) {
    case 1: memset(dst, v[0], (size_t)n); break;
    case 2: FILL_AS_(uint16_t); break;
    case 4: FILL_AS_(uint32_t); break;
    default: FILL_AS_(uint64_t); break; /* dtypes are 1, 2, 4 or 8 bytes (prepare) */
    }
}
#undef FILL_AS_

static ember_status run_constant_pad(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[3]->u.t;
    const int64_t* pad = args[1]->u.ints;
    const int r = in->dim, npairs = (int)args[1]->len / 2;
    const size_t es = ember_dtype_size(in->dtype);
    unsigned char v[8] = {0};
    double value = 0.0;
    ember_scalar_as_double(args[2], &value);
    ember_store_f64(v, in->dtype, 0, value);
    if (out->numel == 0) return EMBER_OK;
    if (r == 0) {
        memcpy(out->data, in->data, es);
        return EMBER_OK;
    }
    int64_t left[EMBER_MAX_DIMS], istr[EMBER_MAX_DIMS], isz[EMBER_MAX_DIMS], idx[EMBER_MAX_DIMS];
    for (int d = 0; d < r; d++) {
        const int k = r - 1 - d; /* pair index of dim d */
        left[d] = k < npairs ? pad[2 * k] : 0;
        isz[d] = in->sizes[d];
        idx[d] = 0;
    }
    ember_contiguous_strides(r, isz, istr);
    const int64_t wo = out->sizes[r - 1], wi = isz[r - 1], lw = left[r - 1];
    int64_t c0 = lw > 0 ? lw : 0;                   /* first output column with input */
    int64_t c1 = wi + lw < wo ? wi + lw : wo;        /* one past the last */
    if (c1 < c0) c1 = c0;
    const int64_t rows = out->numel / wo;
    char* o = (char*)out->data;
    for (int64_t row = 0; row < rows; row++, o += (size_t)wo * es) {
        bool inside = true;
        int64_t off = 0;
        for (int d = 0; d < r - 1 && inside; d++) {
            const int64_t i = idx[d] - left[d]; /* |idx|, |left| < 2^31 */
            inside = i >= 0 && i < isz[d];
            off += inside ? i * istr[d] : 0;
        }
        if (!inside || c1 == c0) {
            fill_elems(o, v, es, wo);
        } else {
            fill_elems(o, v, es, c0);
            memcpy(o + (size_t)c0 * es, (const char*)in->data + (size_t)(off + c0 - lw) * es,
                   (size_t)(c1 - c0) * es);
            fill_elems(o + (size_t)c1 * es, v, es, wo - c1);
        }
        for (int d = r - 2; d >= 0; d--) {
            if (++idx[d] < out->sizes[d]) break;
            idx[d] = 0;
        }
    }
    return EMBER_OK;
}

ember_status ember_prepare_aten_constant_pad_nd_out(ember_kernel_ctx* ctx,
                                                    ember_value* const* args, size_t num_args,
                                                    ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &in));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, in));
    const int dt = in->dtype;
    EMBER_REQUIRE(ctx, dt == EMBER_DTYPE_F32 || dt == EMBER_DTYPE_F64 || dt == EMBER_DTYPE_I64 ||
                           dt == EMBER_DTYPE_I32 || dt == EMBER_DTYPE_I16 ||
                           dt == EMBER_DTYPE_I8 || dt == EMBER_DTYPE_U8 || dt == EMBER_DTYPE_BOOL ||
                           ember_dtype_is_half(dt),
                  EMBER_DTYPE_MISMATCH, "dtype %s is not supported", ember_dtype_name(dt));
    double value;
    EMBER_TRY(ember_arg_double(ctx, args, 2, "value", &value));
    const int64_t* pad;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "pad", &pad, &n));
    EMBER_REQUIRE(ctx, n % 2 == 0 && n / 2 <= in->dim, EMBER_INVALID_ARGUMENT,
                  "pad has %zu items for rank %d; expected pairs, at most one per dim", n,
                  in->dim);
    EMBER_TRY(ember_check_ints_in(ctx, "pad", pad, n, -INT32_MAX, INT32_MAX));
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(in, want);
    for (size_t k = 0; k < n / 2; k++) {
        const int d = in->dim - 1 - (int)k;
        want[d] += pad[2 * k] + pad[2 * k + 1]; /* each term < 2^31 in size: fits */
        EMBER_REQUIRE(ctx, want[d] >= 0, EMBER_SHAPE_MISMATCH,
                      "padding makes dim %d negative (%lld)", d, (long long)want[d]);
    }
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    *run = run_constant_pad;
    return EMBER_OK;
}
