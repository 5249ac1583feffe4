/* kernel_util.c — the out-of-line parts of kernel_util.h: the shape checks' mismatch path, one
 * copy for every kernel (inlined at each of the kernels' hundreds of checks, it cost firmware
 * kilobytes). */
#include "kernels/kernel_util.h"

ember_tensor* ember_dynamic_out(const ember_kernel_ctx* ctx, const ember_tensor* t)
{
    if (!t->dynamic || !ctx->args) return NULL;
    for (int i = 0; i <= EMBER_KERNEL_MAX_OUT_ARG; i++) {
        if (!(ctx->outs >> i & 1)) continue;
        const ember_value* v = ctx->args[i];
        if (v->tag == EMBER_VALUE_TENSOR && v->u.t == t) return v->u.t;
        for (uint32_t k = 0; v->tag == EMBER_VALUE_TENSOR_LIST && k < v->len; k++)
            if (v->u.tensors[k] == t) return v->u.tensors[k];
    }
    return NULL;
}

bool ember_tensor_resize_to(ember_tensor* t, int dim, const int64_t* want)
{
    int32_t sizes[EMBER_MAX_DIMS] = {0};
    if (dim < 0 || dim > EMBER_MAX_DIMS) return false;
    for (int i = 0; i < dim; i++) {
        if (want[i] < 0 || want[i] > INT32_MAX) return false;
        sizes[i] = (int32_t)want[i];
    }
    return ember_tensor_resize(t, (size_t)dim, sizes) == EMBER_OK;
}

ember_status ember_check_shape_mismatch(ember_kernel_ctx* ctx, const char* what,
                                        const ember_tensor* t, int dim, const int64_t* want)
{
    ember_tensor* out = ember_dynamic_out(ctx, t);
    if (out && ember_tensor_resize_to(out, dim, want)) return EMBER_OK;
    char got_s[96], want_s[96];
    int64_t got[EMBER_MAX_DIMS] = {0};
    ember_tensor_sizes(t, got);
    ember_shape_str(got_s, sizeof got_s, t->dim, got);
    ember_shape_str(want_s, sizeof want_s, dim, want);
    if (out)
        ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH,
                          "%s (dynamic, now %s, at most %zu bytes) cannot take shape %s", what,
                          got_s, out->capacity, want_s);
    else
        ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH, "%s has shape %s, expected %s", what, got_s,
                          want_s);
    return EMBER_SHAPE_MISMATCH;
}
