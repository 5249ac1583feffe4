/* tensor.c — a tensor's strides, and resizing a dynamic tensor within its capacity (ember.h). */
#include <stdint.h>

#include "runtime/core/tensor.h"

void ember_tensor_fill_strides(ember_tensor* t)
{
    int64_t stride = 1;
    for (size_t k = t->dim; k-- > 0;) {
        const uint8_t d = t->dim_order[k];
        t->strides[d] = (int32_t)stride;
        stride *= t->sizes[d] ? t->sizes[d] : 1;
    }
}

ember_status ember_tensor_resize(ember_tensor* t, size_t dim, const int32_t* sizes)
{
    if (!t || !t->dynamic || dim != t->dim || (dim && !sizes)) return EMBER_SHAPE_MISMATCH;
    /* numel and the product of the nonzero sizes (the strides of an empty tensor) below 2^31,
     * as the loader requires of every tensor */
    int64_t numel = 1, span = 1;
    for (size_t d = 0; d < dim; d++) {
        if (sizes[d] < 0) return EMBER_SHAPE_MISMATCH;
        numel *= sizes[d];
        span *= sizes[d] ? sizes[d] : 1;
        if (span > INT32_MAX) return EMBER_SHAPE_MISMATCH;
    }
    const size_t nbytes = (size_t)numel * ember_dtype_size(t->dtype);
    if (nbytes > t->capacity) return EMBER_SHAPE_MISMATCH;
    for (size_t d = 0; d < dim; d++) t->sizes[d] = sizes[d];
    ember_tensor_fill_strides(t);
    t->numel = numel;
    t->nbytes = nbytes;
    return EMBER_OK;
}
