/* op_permute.c — copies that reorder or reverse dims, any dtype; each builds a strided view of
 * the input (see ember_view in kernels/strided.h) and copies it out row-major:
 *   aten::permute_copy.out      [self, dims, out, out]
 *   aten::transpose_copy.int_out [self, dim0, dim1, out, out]
 *   aten::t_copy.out            [self, out, out]            rank <= 2
 *   aten::flip.out              [self, dims, out, out] */
#include "kernels/kernel_util.h"
#include "kernels/strided.h"
#include "kernels/strided.h"

/* The view that puts input dim perm[i] at output position i. */
static void permuted_view(const ember_tensor* self, const int* perm, ember_view* v)
{
    ember_view id;
    ember_view_of(self, &id);
    v->dim = self->dim;
    v->offset = 0;
    for (int i = 0; i < self->dim; i++) {
        v->sizes[i] = id.sizes[perm[i]];
        v->strides[i] = id.strides[perm[i]];
    }
}

static void identity_perm(int* perm, int n)
{
    for (int i = 0; i < n; i++) perm[i] = i;
}

/* ---- permute ----------------------------------------------------------------------------- */

static void permute_view(ember_value* const* args, ember_view* v)
{
    const ember_tensor* self = args[0]->u.t;
    int perm[EMBER_MAX_DIMS];
    for (int i = 0; i < self->dim; i++) perm[i] = ember_wrap_dim(args[1]->u.ints[i], self->dim);
    permuted_view(self, perm, v);
}

static ember_status run_permute(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_view v;
    permute_view(args, &v);
    ember_view_copy(args[2]->u.t, args[0]->u.t, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_permute_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    const int64_t* dims;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "dims", &dims, &n));
    EMBER_REQUIRE(ctx, n == self->dim, EMBER_INVALID_ARGUMENT, "dims has %zu items, rank is %d",
                  n, self->dim);
    bool seen[EMBER_MAX_DIMS] = {false};
    for (size_t i = 0; i < n; i++) {
        const int d = ember_wrap_dim(dims[i], self->dim);
        EMBER_REQUIRE(ctx, d >= 0 && !seen[d], EMBER_INVALID_ARGUMENT,
                      "dims[%zu] = %lld is out of range or repeated", i, (long long)dims[i]);
        seen[d] = true;
    }
    ember_view v;
    permute_view(args, &v);
    EMBER_TRY(ember_check_view_out(ctx, args, 2, &v));
    *run = run_permute;
    return EMBER_OK;
}

/* ---- transpose, t ------------------------------------------------------------------------ */

static void transpose_view(const ember_tensor* self, int d0, int d1, ember_view* v)
{
    int perm[EMBER_MAX_DIMS];
    identity_perm(perm, self->dim);
    if (self->dim > 0) {
        perm[d0] = d1;
        perm[d1] = d0;
    }
    permuted_view(self, perm, v);
}

static ember_status run_transpose(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    ember_view v;
    transpose_view(self, ember_wrap_dim(args[1]->u.i, self->dim),
                   ember_wrap_dim(args[2]->u.i, self->dim), &v);
    ember_view_copy(args[3]->u.t, self, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_transpose_copy_int_out(ember_kernel_ctx* ctx,
                                                       ember_value* const* args,
                                                       size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_TRY(ember_arg_kind(ctx, args, 1, "dim0", EMBER_VALUE_INT));
    EMBER_TRY(ember_arg_kind(ctx, args, 2, "dim1", EMBER_VALUE_INT));
    const int d0 = ember_wrap_dim(args[1]->u.i, self->dim);
    const int d1 = ember_wrap_dim(args[2]->u.i, self->dim);
    EMBER_REQUIRE(ctx, d0 >= 0 && d1 >= 0, EMBER_INVALID_ARGUMENT,
                  "dims (%lld, %lld) out of range for rank %d", (long long)args[1]->u.i,
                  (long long)args[2]->u.i, self->dim);
    ember_view v;
    transpose_view(self, d0, d1, &v);
    EMBER_TRY(ember_check_view_out(ctx, args, 3, &v));
    *run = run_transpose;
    return EMBER_OK;
}

static ember_status run_t(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* self = args[0]->u.t;
    ember_view v;
    transpose_view(self, 0, self->dim == 2 ? 1 : 0, &v);
    ember_view_copy(args[1]->u.t, self, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_t_copy_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 3);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    EMBER_REQUIRE(ctx, self->dim <= 2, EMBER_INVALID_ARGUMENT, "t expects rank <= 2, got %d",
                  self->dim);
    ember_view v;
    transpose_view(self, 0, self->dim == 2 ? 1 : 0, &v);
    EMBER_TRY(ember_check_view_out(ctx, args, 1, &v));
    *run = run_t;
    return EMBER_OK;
}

/* ---- flip -------------------------------------------------------------------------------- */

static void flip_view(ember_value* const* args, ember_view* v)
{
    const ember_tensor* self = args[0]->u.t;
    ember_view_of(self, v);
    for (uint32_t i = 0; i < args[1]->len; i++) {
        const int d = ember_wrap_dim(args[1]->u.ints[i], self->dim);
        if (self->dim == 0) continue;
        v->offset += (v->sizes[d] - 1) * v->strides[d];
        v->strides[d] = -v->strides[d];
    }
}

static ember_status run_flip(ember_kernel_ctx* ctx, ember_value* const* args)
{
    ember_view v;
    flip_view(args, &v);
    ember_view_copy(args[2]->u.t, args[0]->u.t, &v);
    return EMBER_OK;
}

ember_status ember_prepare_aten_flip_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    ember_tensor* self;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_ALL, &self));
    const int64_t* dims;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, 1, "dims", &dims, &n));
    bool seen[EMBER_MAX_DIMS] = {false};
    for (size_t i = 0; i < n; i++) {
        const int d = ember_wrap_dim(dims[i], self->dim);
        EMBER_REQUIRE(ctx, d >= 0 && !seen[d], EMBER_INVALID_ARGUMENT,
                      "dims[%zu] = %lld is out of range or repeated", i, (long long)dims[i]);
        seen[d] = true;
    }
    ember_view v;
    flip_view(args, &v);
    EMBER_TRY(ember_check_view_out(ctx, args, 2, &v));
    *run = run_flip;
    return EMBER_OK;
}
