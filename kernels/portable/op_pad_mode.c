/* op_pad_mode.c — padding that repeats the input rather than a constant (op_pad.c):
 * reflection_pad1d/2d/3d.out (mirror without repeating the edge: F.pad(mode="reflect")) and
 * replication_pad2d/3d.out (repeat the edge: mode="replicate"). [self, padding, out, out].
 *
 * padding holds (before, after) pairs from the last dim backwards; self has k + 1 or k + 2
 * dims for k padded dims (channels, or batch and channels, first). As torch requires, reflection pads are
 * smaller than the padded dim and replication needs a non-empty dim; negative pads (cropping)
 * are refused. Every output element is copied from one input element (any dtype). */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"
#include "kernels/strided.h"

/* The input coordinate an output coordinate i (in [-before, n + after)) reads. */
static int64_t pad_source(int64_t i, int64_t n, bool reflect)
{
    if (reflect) return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    return i < 0 ? 0 : i >= n ? n - 1 : i;
}

static void pad_mode_run(const ember_tensor* in, ember_tensor* out, const int64_t* pad, int k,
                         bool reflect)
{
    if (out->numel == 0) return;
    const int r = in->dim, lead = r - k;
    const size_t es = ember_dtype_size(in->dtype);
    int64_t isz[EMBER_MAX_DIMS], istr[EMBER_MAX_DIMS], before[EMBER_MAX_DIMS];
    ember_tensor_sizes(in, isz);
    ember_contiguous_strides(r, isz, istr);
    for (int j = 0; j < k; j++) before[lead + j] = pad[2 * (k - 1 - j)];
    int64_t outer = 1, inner_out = 1;
    for (int d = 0; d < lead; d++) outer *= isz[d];
    for (int d = lead; d < r; d++) inner_out *= out->sizes[d];
    const int64_t inner_in = lead > 0 ? istr[lead - 1] : in->numel;
    char* o = (char*)out->data;
    for (int64_t b = 0; b < outer; b++) {
        const char* base = (const char*)in->data + (size_t)(b * inner_in) * es;
        for (int64_t e = 0; e < inner_out; e++, o += es) {
            int64_t rest = e, off = 0;
            for (int d = r - 1; d >= lead; d--) {
                const int64_t c = rest % out->sizes[d] - before[d];
                rest /= out->sizes[d];
                off += pad_source(c, isz[d], reflect) * istr[d];
            }
            memcpy(o, base + (size_t)off * es, es);
        }
    }
}

static ember_status pad_mode_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                     size_t num_args, int k, bool reflect)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &in));
    const int64_t* pad;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "padding", &pad, &n));
    EMBER_REQUIRE(ctx, n == (size_t)(2 * k), EMBER_INVALID_ARGUMENT,
                  "padding has %zu items, expected %d", n, 2 * k);
    EMBER_REQUIRE(ctx, in->dim == k + 1 || in->dim == k + 2, EMBER_INVALID_ARGUMENT,
                  "self has %d dims, expected %d or %d", in->dim, k + 1, k + 2);
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, in));
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(in, want);
    for (int j = 0; j < k; j++) {
        const int d = in->dim - 1 - j;
        const int64_t lo = pad[2 * j], hi = pad[2 * j + 1], size = in->sizes[d];
        EMBER_REQUIRE(ctx, lo >= 0 && hi >= 0, EMBER_NOT_SUPPORTED,
                      "negative padding (%lld, %lld) is not supported", (long long)lo,
                      (long long)hi);
        if (reflect)
            EMBER_REQUIRE(ctx, lo < size && hi < size, EMBER_INVALID_ARGUMENT,
                          "reflection padding (%lld, %lld) must be less than dim %d's size %lld",
                          (long long)lo, (long long)hi, d, (long long)size);
        else
            EMBER_REQUIRE(ctx, size > 0, EMBER_INVALID_ARGUMENT,
                          "replication padding of the empty dim %d", d);
        EMBER_REQUIRE(ctx, lo <= INT32_MAX && hi <= INT32_MAX, EMBER_INVALID_ARGUMENT,
                      "padding (%lld, %lld) is too large", (long long)lo, (long long)hi);
        want[d] = size + lo + hi;
    }
    return ember_check_shape(ctx, "out", out, in->dim, want);
}

#define PAD_MODE_OP(sym, k, reflect)                                                            \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)              \
    {                                                                                           \
        (void)ctx;                                                                              \
        pad_mode_run(args[0]->u.t, args[2]->u.t, args[1]->u.ints, k, reflect);                  \
        return EMBER_OK;                                                                        \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(pad_mode_prepare(ctx, args, num_args, k, reflect));                              \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

PAD_MODE_OP(aten_reflection_pad1d_out, 1, true)
PAD_MODE_OP(aten_reflection_pad2d_out, 2, true)
PAD_MODE_OP(aten_reflection_pad3d_out, 3, true)
PAD_MODE_OP(aten_replication_pad2d_out, 2, false)
PAD_MODE_OP(aten_replication_pad3d_out, 3, false)
