/* kernel_harness.h — builds tensors and values by hand and runs one operator through the same
 * path the runtime uses (find by name → prepare once → run), for kernel unit tests. */
#ifndef EMBER_TEST_KERNEL_HARNESS_H
#define EMBER_TEST_KERNEL_HARNESS_H

#include <string.h>

#include "kernels/kernel.h"
#include "tests/c/check.h"

/* A contiguous tensor over caller data. */
static inline ember_tensor th_tensor(int dtype, void* data, int dim, const int32_t* sizes)
{
    ember_tensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.dim = (uint8_t)dim;
    t.dtype = (uint8_t)dtype;
    t.storage = EMBER_TENSOR_PLANNED;
    int64_t n = 1;
    for (int i = dim - 1; i >= 0; i--) {
        t.sizes[i] = sizes[i];
        t.strides[i] = (int32_t)n;
        t.dim_order[i] = (uint8_t)i;
        n *= sizes[i];
    }
    t.numel = n;
    t.nbytes = (size_t)n * ember_dtype_size(dtype);
    return t;
}

static inline ember_value th_tensor_value(ember_tensor* t)
{
    ember_value v = {.tag = EMBER_VALUE_TENSOR};
    v.u.t = t;
    return v;
}
static inline ember_value th_int(int64_t i)
{
    ember_value v = {.tag = EMBER_VALUE_INT};
    v.u.i = i;
    return v;
}
static inline ember_value th_double(double d)
{
    ember_value v = {.tag = EMBER_VALUE_DOUBLE};
    v.u.d = d;
    return v;
}
static inline ember_value th_bool(bool b)
{
    ember_value v = {.tag = EMBER_VALUE_BOOL};
    v.u.b = b;
    return v;
}
static inline ember_value th_null(void)
{
    ember_value v = {.tag = EMBER_VALUE_NULL};
    return v;
}
static inline ember_value th_string(const char* s)
{
    ember_value v = {.tag = EMBER_VALUE_STRING};
    v.u.str = s;
    v.len = (uint32_t)strlen(s);
    return v;
}
static inline ember_value th_int_list(const int64_t* items, uint32_t n)
{
    ember_value v = {.tag = EMBER_VALUE_INT_LIST};
    v.u.ints = items;
    v.len = n;
    return v;
}
static inline ember_value th_double_list(const double* items, uint32_t n)
{
    ember_value v = {.tag = EMBER_VALUE_DOUBLE_LIST};
    v.u.doubles = items;
    v.len = n;
    return v;
}
static inline ember_value th_tensor_list(ember_tensor* const* items, uint32_t n)
{
    ember_value v = {.tag = EMBER_VALUE_TENSOR_LIST};
    v.u.tensors = items;
    v.len = n;
    return v;
}

/* Runs op `name` on `vals` (n values, in KernelCall order). Returns the status of prepare or
 * run; on failure the prepare message is in th_msg. */
static char th_msg[256];
static inline ember_status th_run(const char* name, ember_value* vals, size_t n)
{
    ember_value* ptrs[32];
    for (size_t i = 0; i < n && i < 32; i++) ptrs[i] = &vals[i];
    th_msg[0] = 0;
    const ember_kernel* k = ember_kernel_find(name, strlen(name));
    if (!k) {
        snprintf(th_msg, sizeof th_msg, "no kernel %s", name);
        return EMBER_UNKNOWN_OPERATOR;
    }
    ember_kernel_ctx ctx = {.op_name = name, .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    ember_status st = k->prepare(&ctx, ptrs, n, &run);
    if (st != EMBER_OK) return st;
    if (!run) return EMBER_INTERNAL;
    /* Every kernel but the view declares what it writes (the loader checks those outs). */
    if (!ctx.outs && strcmp(name, "executorch_prim::et_view.default") != 0) {
        snprintf(th_msg, sizeof th_msg, "%s declared no out argument", name);
        return EMBER_INTERNAL;
    }
    return run(&ctx, ptrs);
}

#endif
