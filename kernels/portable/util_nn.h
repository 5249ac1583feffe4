/* util_nn.h — BEING RETIRED in favour of kernels/kernel_util.h (and kernels/strided.h), which
 * hold the one vocabulary every kernel speaks. Only op_conv.c still includes this header, and
 * this header holds only what op_conv.c still uses. Most names below map onto their
 * kernel_util.h successor; the nn_get_* getters keep their own bodies only because their
 * messages name the argument by number ("argument 2: ...") where ember_arg_* take a name.
 * Converting op_conv.c: nn_get_tensor / nn_get_out / nn_get_opt_tensor -> ember_arg_tensor /
 * ember_arg_out / ember_arg_opt_tensor (with a name and a dtype set), nn_require_float ->
 * ember_check_dtype_in(EMBER_DTYPES_F32_HALF) + ember_check_same_dtype, nn_get_int_in /
 * nn_get_ints / nn_get_bool -> ember_arg_int_in / ember_arg_ints / ember_arg_bool; then delete
 * this header. Do not use it in new code. Names already gone, and what replaced them: nn_get_int
 * -> ember_arg_int, nn_get_double -> ember_arg_double, nn_require_same_dtype ->
 * ember_check_same_dtype, nn_require_dtype -> ember_check_dtype, nn_sizes ->
 * ember_tensor_sizes, NN_REQUIRE_NARGS2 -> EMBER_REQUIRE_NARGS2, nn_check_extent ->
 * ember_check_extent, nn_dtype_is_f32_or_half -> ember_dtype_is_f32_or_half, nn_shape_str ->
 * ember_shape_str; from kernels/strided.h: nn_copy_strided -> ember_copy_strided,
 * nn_contiguous_strides -> ember_contiguous_strides, nn_numel -> ember_shape_numel, nn_view /
 * nn_view_of / nn_view_copy -> ember_view / ember_view_of / ember_view_copy, nn_view_out_check
 * -> ember_check_view_out. */
#ifndef EMBER_UTIL_NN_H
#define EMBER_UTIL_NN_H

#include "kernels/kernel_util.h"

#define NN_TRY EMBER_TRY
#define nn_check_shape ember_check_shape
#define nn_check_ints_in ember_check_ints_in
#define nn_list_at ember_int_list_at
#define nn_ld ember_load_f32
#define nn_st ember_store_f32

/* Checks that args[i] has the given tag, for the getters below (ember_arg_kind names the
 * argument). */
#define EMBER_REQUIRE_TAG(ctx, args, i, want)                                                   \
    EMBER_REQUIRE(ctx, (args)[i]->tag == (want), EMBER_INVALID_ARGUMENT,                        \
                  "argument %d: expected value kind %d, got %u", (int)(i), (int)(want),         \
                  (unsigned)(args)[i]->tag)

/* ember_arg_tensor over EMBER_DTYPES_ALL, messages by argument number. */
static inline ember_status nn_get_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                         size_t i, ember_tensor** t)
{
    EMBER_REQUIRE_TAG(ctx, args, i, EMBER_VALUE_TENSOR);
    EMBER_REQUIRE(ctx, args[i]->u.t != NULL, EMBER_INVALID_ARGUMENT, "argument %d: no tensor",
                  (int)i);
    EMBER_REQUIRE(ctx, ember_tensor_is_contiguous(args[i]->u.t), EMBER_NOT_SUPPORTED,
                  "argument %d: only contiguous dim order is supported", (int)i);
    EMBER_TRY(ember_check_extent(ctx, "argument", (int)i, args[i]->u.t));
    *t = args[i]->u.t;
    return EMBER_OK;
}
static inline ember_status nn_get_out(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                      ember_tensor** t)
{
    EMBER_TRY(nn_get_tensor(ctx, args, i, t));
    return ember_kernel_out(ctx, args, i);
}
static inline ember_status nn_get_opt_tensor(ember_kernel_ctx* ctx, ember_value* const* args,
                                             size_t i, ember_tensor** t)
{
    if (ember_is_null(args[i])) {
        *t = NULL;
        return EMBER_OK;
    }
    return nn_get_tensor(ctx, args, i, t);
}

/* ember_check_dtype_in(EMBER_DTYPES_F32_HALF), then ember_check_same_dtype when ref is given. */
static inline ember_status nn_require_float(ember_kernel_ctx* ctx, const char* what,
                                            const ember_tensor* t, const ember_tensor* ref)
{
    EMBER_TRY(ember_check_dtype_in(ctx, what, t, EMBER_DTYPES_F32_HALF));
    return ref ? ember_check_same_dtype(ctx, what, t, ref) : EMBER_OK;
}

static inline ember_status nn_get_int_in(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                         const char* what, int64_t lo, int64_t hi, int64_t* v)
{
    return ember_arg_int_in(ctx, args, i, what, lo, hi, v);
}

static inline ember_status nn_get_ints(ember_kernel_ctx* ctx, ember_value* const* args,
                                       size_t i, const int64_t** v, size_t* n)
{
    EMBER_REQUIRE_TAG(ctx, args, i, EMBER_VALUE_INT_LIST);
    EMBER_REQUIRE(ctx, args[i]->len == 0 || args[i]->u.ints != NULL, EMBER_INVALID_ARGUMENT,
                  "argument %d: int list without items", (int)i);
    *v = args[i]->u.ints;
    *n = args[i]->len;
    return EMBER_OK;
}

static inline ember_status nn_get_bool(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                       bool* v)
{
    EMBER_REQUIRE_TAG(ctx, args, i, EMBER_VALUE_BOOL);
    *v = args[i]->u.b;
    return EMBER_OK;
}

#endif /* EMBER_UTIL_NN_H */
