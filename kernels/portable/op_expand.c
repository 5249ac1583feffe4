/* op_expand.c — copies that broadcast the input, any dtype, as strided views with zero strides:
 *   aten::expand_copy.out [self, size, implicit, out, out]  size may add leading dims; -1 keeps
 *   aten::repeat.out      [self, repeats, out, out]         len(repeats) >= rank
 * repeat reads its output as (r0, s0, r1, s1, ..) with the r dims at stride 0. Sizes and
 * repeat counts are bounded to [0, 2^31-1] and multiplied with overflow checks. */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"
#include "kernels/strided.h"

/* ---- expand ------------------------------------------------------------------------------ */

static void expand_view(ember_value* const* args, ember_view* v)
{
    const ember_tensor* self = args[0]->u.t;
    const int64_t* size = args[1]->u.ints;
    const int n = (int)args[1]->len, lead = n - self->dim;
    ember_view id;
    ember_view_of(self, &id);
    v->dim = n;
    v->offset = 0;
    for (int i = 0; i < n; i++) {
        if (i < lead) {
            v->sizes[i] = size[i];
            v->strides[i] = 0;
            continue;
        }
        const int d = i - lead;
        v->sizes[i] = size[i] == -1 ? id.sizes[d] : size[i];
        v->strides[i] = (id.sizes[d] == 1 && v->sizes[i] != 1) ? 0 : id.strides[d];
    }
}

static ember_status run_expand(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_view v;
    expand_view(args, &v);
    ember_view_copy(args[3]->u.t, args[0]->u.t, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_expand_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    const int64_t* size;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "size", &size, &n));
    EMBER_REQUIRE(ctx, n >= self->dim && n <= EMBER_MAX_DIMS, EMBER_SHAPE_MISMATCH,
                  "size has %zu dims, self has rank %d", n, self->dim);
    const size_t lead = n - self->dim;
    for (size_t i = 0; i < n; i++) {
        const int64_t in = i < lead ? 1 : self->sizes[i - lead];
        const bool ok = i < lead ? size[i] >= 0
                                 : (size[i] == -1 || size[i] == in || (in == 1 && size[i] >= 0));
        EMBER_REQUIRE(ctx, ok, EMBER_SHAPE_MISMATCH, "cannot expand dim %zu of size %lld to %lld",
                      i, (long long)in, (long long)size[i]);
    }
    ember_view v;
    expand_view(args, &v);
    EMBER_TRY(ember_check_view_out(ctx, args, 3, &v));
    *run = run_expand;
    return EMBER_OK;
}

/* ---- repeat ------------------------------------------------------------------------------ */

/* The (r0, s0, r1, s1, ..) view; out_sizes (may be NULL) gets r_i * s_i. */
static void repeat_view(ember_value* const* args, ember_view* v, int64_t* out_sizes)
{
    const ember_tensor* self = args[0]->u.t;
    const int64_t* rep = args[1]->u.ints;
    const int n = (int)args[1]->len, lead = n - self->dim;
    ember_view id;
    ember_view_of(self, &id);
    v->dim = 2 * n;
    v->offset = 0;
    for (int i = 0; i < n; i++) {
        const int64_t s = i < lead ? 1 : id.sizes[i - lead];
        v->sizes[2 * i] = rep[i];
        v->strides[2 * i] = 0;
        v->sizes[2 * i + 1] = s;
        v->strides[2 * i + 1] = i < lead ? 0 : id.strides[i - lead];
        if (out_sizes) out_sizes[i] = rep[i] * s; /* both < 2^31 (prepare): fits */
    }
}

static ember_status run_repeat(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_view v;
    repeat_view(args, &v, NULL);
    ember_view_copy(args[2]->u.t, args[0]->u.t, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_repeat_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor *self, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    const int64_t* rep;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "repeats", &rep, &n));
    EMBER_REQUIRE(ctx, n >= self->dim && n <= EMBER_MAX_DIMS, EMBER_SHAPE_MISMATCH,
                  "repeats has %zu items, self has rank %d", n, self->dim);
    EMBER_TRY(ember_check_ints_in(ctx, "repeats", rep, n, 0, INT32_MAX));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_ALL, &out));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, self));
    ember_view v;
    int64_t want[EMBER_MAX_DIMS];
    repeat_view(args, &v, want);
    EMBER_TRY(ember_check_shape(ctx, "out", out, (int)n, want));
    *run = run_repeat;
    return EMBER_OK;
}
