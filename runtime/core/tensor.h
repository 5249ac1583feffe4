/* tensor.h — the runtime's own tensor helpers (tensor.c; the public one, ember_tensor_resize, is
 * in ember.h). */
#ifndef EMBER_RUNTIME_TENSOR_H
#define EMBER_RUNTIME_TENSOR_H

#include "ember/ember.h"

/* t->strides from t->sizes and t->dim_order, a zero size counted as one (an empty tensor's
 * strides). The caller has checked that the product of the nonzero sizes is below 2^31. */
void ember_tensor_fill_strides(ember_tensor* t);

#endif
