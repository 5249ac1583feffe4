/* op_compare.c — elementwise comparisons eq, ne, lt, le, gt, ge (Tensor and Scalar forms) with
 * numpy-style broadcasting. Out is usually bool; any supported out dtype gets 0/1.
 *
 * float32 operands with a bool out run flat f32 loops over broadcast rows; every other mix
 * runs the generic path, comparing in int64 when both operands are integer/bool and in double
 * otherwise. A Python float scalar against a float32 tensor is rounded to float32 first, as
 * torch does (x == 0.1 is true for x = 0.1f). */
#include "kernels/broadcast.h"
#include "kernels/broadcast.h"
#include "kernels/kernel_util.h"

enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_COUNT };

#define F32_COMPARE(name, OP)                                                                   \
    static void f32_##name##__portable(uint8_t* out, const float* a, const float* b, size_t n)  \
    {                                                                                           \
        for (size_t i = 0; i < n; i++) out[i] = a[i] OP b[i];                                   \
    }                                                                                           \
    static void f32_##name##_vs__portable(uint8_t* out, const float* a, float y, size_t n)      \
    {                                                                                           \
        for (size_t i = 0; i < n; i++) out[i] = a[i] OP y;                                      \
    }                                                                                           \
    static void f32_##name##_sv__portable(uint8_t* out, float x, const float* b, size_t n)      \
    {                                                                                           \
        for (size_t i = 0; i < n; i++) out[i] = x OP b[i];                                      \
    }

F32_COMPARE(eq, ==)
F32_COMPARE(ne, !=)
F32_COMPARE(lt, <)
F32_COMPARE(le, <=)
F32_COMPARE(gt, >)
F32_COMPARE(ge, >=)

typedef struct f32_compare_kernels {
    void (*vv)(uint8_t*, const float*, const float*, size_t);
    void (*vs)(uint8_t*, const float*, float, size_t);
    void (*sv)(uint8_t*, float, const float*, size_t);
} f32_compare_kernels;

#define F32_KERNELS(name)                                                                       \
    {f32_##name##__portable, f32_##name##_vs__portable, f32_##name##_sv__portable}
static const f32_compare_kernels f32_kernels[CMP_COUNT] = {
    [CMP_EQ] = F32_KERNELS(eq), [CMP_NE] = F32_KERNELS(ne), [CMP_LT] = F32_KERNELS(lt),
    [CMP_LE] = F32_KERNELS(le), [CMP_GT] = F32_KERNELS(gt), [CMP_GE] = F32_KERNELS(ge),
};

static void f32_compare_rows(const f32_compare_kernels* k, const ember_bcast* bc, uint8_t* out,
                             const float* a, const float* b)
{
    const int last = bc->rank - 1;
    const size_t n = (size_t)bc->sizes[last];
    const bool va = bc->strides[1][last] != 0, vb = bc->strides[2][last] != 0;
    const int64_t rows = ember_bcast_rows(bc);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[3] = {0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        uint8_t* o = out + off[0];
        const float* pa = a + off[1];
        const float* pb = b + off[2];
        if (va && vb) k->vv(o, pa, pb, n);
        else if (va) k->vs(o, pa, pb[0], n);
        else if (vb) k->sv(o, pa[0], pb, n);
        else {
            k->vv(o, pa, pb, 1);
            memset(o + 1, o[0], n - 1);
        }
        ember_bcast_next(bc, idx, off);
    }
}

#define CMP_CHUNK(T)                                                                            \
    switch (op) {                                                                               \
    case CMP_EQ: for (size_t i = 0; i < m; i++) z[i] = x[i] == y[i]; break;                     \
    case CMP_NE: for (size_t i = 0; i < m; i++) z[i] = x[i] != y[i]; break;                     \
    case CMP_LT: for (size_t i = 0; i < m; i++) z[i] = x[i] < y[i]; break;                      \
    case CMP_LE: for (size_t i = 0; i < m; i++) z[i] = x[i] <= y[i]; break;                     \
    case CMP_GT: for (size_t i = 0; i < m; i++) z[i] = x[i] > y[i]; break;                      \
    default: for (size_t i = 0; i < m; i++) z[i] = x[i] >= y[i]; break;                         \
    }

static void compare_generic(int op, const ember_bcast* bc, ember_tensor* out, const ember_tensor* a,
                            const ember_tensor* b)
{
    const int last = bc->rank - 1;
    const int64_t n = bc->sizes[last];
    const int64_t sa = bc->strides[1][last], sb = bc->strides[2][last];
    const int64_t rows = ember_bcast_rows(bc);
    const bool int_domain = ember_dtype_is_intlike(a->dtype) && ember_dtype_is_intlike(b->dtype);
    int64_t idx[EMBER_MAX_DIMS] = {0}, off[3] = {0, 0, 0};
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < n; j += EMBER_CHUNK) {
            size_t m = (size_t)(n - j < EMBER_CHUNK ? n - j : EMBER_CHUNK);
            int64_t z[EMBER_CHUNK];
            if (int_domain) {
                int64_t x[EMBER_CHUNK], y[EMBER_CHUNK];
                ember_load_i64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
                ember_load_i64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
                CMP_CHUNK(int64_t)
            } else {
                double x[EMBER_CHUNK], y[EMBER_CHUNK];
                ember_load_f64_row(x, a->data, a->dtype, off[1] + j * sa, sa, m);
                ember_load_f64_row(y, b->data, b->dtype, off[2] + j * sb, sb, m);
                CMP_CHUNK(double)
            }
            ember_store_i64_row(out->data, out->dtype, off[0] + j, 1, z, m);
        }
        ember_bcast_next(bc, idx, off);
    }
}

static ember_status compare_run(ember_value* const* args, int op, bool scalar)
{
    ember_tensor* out = args[2]->u.t;
    if (out->numel == 0) return EMBER_OK;
    const ember_tensor* a = args[0]->u.t;
    ember_scalar_box box;
    const ember_tensor* b = scalar ? ember_scalar_tensor(&box, args[1], a->dtype) : args[1]->u.t;
    const ember_tensor* ins[2] = {a, b};
    ember_bcast bc;
    ember_bcast_init(&bc, out, ins, 2);
    if (a->dtype == EMBER_DTYPE_F32 && b->dtype == EMBER_DTYPE_F32 &&
        (out->dtype == EMBER_DTYPE_BOOL || out->dtype == EMBER_DTYPE_U8))
        f32_compare_rows(&f32_kernels[op], &bc, (uint8_t*)out->data, (const float*)a->data,
                         (const float*)b->data);
    else
        compare_generic(op, &bc, out, a, b);
    return EMBER_OK;
}

/* [self, other, out, out] */
static ember_status compare_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                    size_t num_args, bool scalar)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "self", EMBER_DTYPES_NUMERIC, NULL));
    if (scalar) EMBER_TRY(ember_arg_scalar(ctx, args, 1, "other"));
    else EMBER_TRY(ember_arg_tensor(ctx, args, 1, "other", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_out(ctx, args, 2, "out", EMBER_DTYPES_NUMERIC, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 3, "returned out", EMBER_VALUE_TENSOR));
    const ember_tensor* self = args[0]->u.t;
    const ember_tensor* out = args[2]->u.t;
    if (scalar) return ember_check_same_shape(ctx, "out", out, self);
    const ember_tensor* ins[2] = {self, args[1]->u.t};
    return ember_check_broadcast_out(ctx, out, ins, 2);
}

#define COMPARE_OP(sym, op, scalar)                                                             \
    static ember_status run_##sym(ember_kernel_ctx* ctx, ember_value* const* args)                                     \
    {                                                                                           \
        return compare_run(args, op, scalar);                                                   \
    }                                                                                           \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,           \
                                     size_t num_args, ember_kernel_run_fn* run)                 \
    {                                                                                           \
        EMBER_TRY(compare_prepare(ctx, args, num_args, scalar));                                   \
        *run = run_##sym;                                                                       \
        return EMBER_OK;                                                                        \
    }

COMPARE_OP(aten_eq_Scalar_out, CMP_EQ, true)
COMPARE_OP(aten_eq_Tensor_out, CMP_EQ, false)
COMPARE_OP(aten_ne_Scalar_out, CMP_NE, true)
COMPARE_OP(aten_ne_Tensor_out, CMP_NE, false)
COMPARE_OP(aten_lt_Scalar_out, CMP_LT, true)
COMPARE_OP(aten_lt_Tensor_out, CMP_LT, false)
COMPARE_OP(aten_le_Scalar_out, CMP_LE, true)
COMPARE_OP(aten_le_Tensor_out, CMP_LE, false)
COMPARE_OP(aten_gt_Scalar_out, CMP_GT, true)
COMPARE_OP(aten_gt_Tensor_out, CMP_GT, false)
COMPARE_OP(aten_ge_Scalar_out, CMP_GE, true)
COMPARE_OP(aten_ge_Tensor_out, CMP_GE, false)
