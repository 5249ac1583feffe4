/* util_math.h — BEING RETIRED in favour of kernels/kernel_util.h (and kernels/broadcast.h),
 * which hold the one vocabulary every kernel speaks. Only op_binary.c, op_softmax.c and
 * op_unary.c still include this header; each name below maps onto its kernel_util.h /
 * broadcast.h successor, so converting a file is a rename. Do not use it in new code; delete it
 * once those files are converted. Names already gone, and what replaced them: mu_check_tensor_ex
 * / mu_check_out_ex -> ember_arg_tensor_ex / ember_arg_out_ex (with a dtype set), mu_dtype_ok ->
 * ember_dtype_is_numeric, mu_shape_str -> ember_shape_str (int64 sizes), mu_broadcast_shape ->
 * ember_broadcast_shape, MU_MAX_OPS -> EMBER_BCAST_MAX_OPS. */
#ifndef EMBER_UTIL_MATH_H
#define EMBER_UTIL_MATH_H

#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

#define MU_TRY EMBER_TRY
#define MU_CHUNK EMBER_CHUNK
#define mu_is_intlike ember_dtype_is_intlike
#define mu_load_f64 ember_load_f64_row
#define mu_load_i64 ember_load_i64_row
#define mu_store_f64 ember_store_f64_row
#define mu_store_i64 ember_store_i64_row
#define mu_split_dim ember_split_dim
#define mu_check_broadcast_out ember_check_broadcast_out
#define mu_bcast_init ember_bcast_init
#define mu_bcast_rows ember_bcast_rows
#define mu_bcast_next ember_bcast_next
#define mu_scalar_tensor ember_scalar_tensor
typedef ember_bcast mu_bcast;
typedef ember_scalar_box mu_scalar_box;

/* ember_arg_tensor / ember_arg_out over EMBER_DTYPES_NUMERIC, result unused. */
static inline ember_status mu_check_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t i, const char* what)
{
    return ember_arg_tensor(ctx, args, i, what, EMBER_DTYPES_NUMERIC, NULL);
}
static inline ember_status mu_check_out(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                        const char* what)
{
    return ember_arg_out(ctx, args, i, what, EMBER_DTYPES_NUMERIC, NULL);
}

/* ember_arg_scalar / ember_arg_opt_scalar. */
static inline ember_status mu_check_scalar(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t i, const char* what, bool optional)
{
    return optional ? ember_arg_opt_scalar(ctx, args, i, what)
                    : ember_arg_scalar(ctx, args, i, what);
}

/* ember_arg_kind / ember_arg_opt_kind. */
static inline ember_status mu_check_tag(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                        const char* what, uint32_t want, bool optional)
{
    return optional ? ember_arg_opt_kind(ctx, args, i, what, want)
                    : ember_arg_kind(ctx, args, i, what, want);
}

/* ember_check_shape over int32 sizes. */
static inline ember_status mu_check_shape(ember_kernel_ctx* ctx, const char* what,
                                          const ember_tensor* t, int dim, const int32_t* want)
{
    int64_t w[EMBER_MAX_DIMS];
    for (int d = 0; d < dim; d++) w[d] = want[d];
    return ember_check_shape(ctx, what, t, dim, w);
}

#endif /* EMBER_UTIL_MATH_H */
