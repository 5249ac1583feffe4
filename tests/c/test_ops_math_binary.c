/* test_ops_math_binary.c — elementwise binary and comparison kernels against torch eager.
 * Expected values were computed with torch (the aten out-variant op) and pasted in; float32
 * results must match within 1e-5 relative, integer/bool results exactly. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tests/c/kernel_harness.h"


/* add.out f32 broadcast (2,3,1)+(1,4), alpha=2 */
static void case_0(void)
{
    static float d0[] = {3.08200002f, -0.587000012f, -4.3579998f, 1.13699996f, -2.16899991f, -2.79699993f};
    static const int32_t s0[] = {2, 3, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float d1[] = {0.806999981f, 1.676f, -1.43900001f, -0.806999981f};
    static const int32_t s1[] = {1, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {4.6960001f, 6.43400002f, 0.203999996f, 1.46800005f, 1.02699995f, 2.76499987f, -3.46500015f, -2.20099998f, -2.74399996f, -1.0059998f, -7.23600006f, -5.97199965f, 2.75099993f, 4.48899984f, -1.74100006f, -0.476999998f, -0.554999948f, 1.18300009f, -5.04699993f, -3.78299999f, -1.18299997f, 0.555000067f, -5.67500019f, -4.41099977f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "add.out f32 broadcast (2,3,1)+(1,4), alpha=2");
}

/* add.out f32 same shape */
static void case_1(void)
{
    static float d0[] = {-1.19299996f, 0.363999993f, -1.71300006f, 2.20099998f, -2.14199996f, 0.245000005f, -1.13300002f, 0.745999992f, -1.78400004f, -3.01799989f};
    static const int32_t s0[] = {2, 5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.740999997f, 2.91300011f, 1.88f, 1.54999995f, 0.384000003f, 2.52800012f, -2.58100009f, -1.58200002f, -0.0419999994f, -1.43700004f};
    static const int32_t s1[] = {2, 5};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float out[10];
    static const int32_t so[] = {2, 5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-0.451999962f, 3.27700019f, 0.166999936f, 3.75099993f, -1.7579999f, 2.77300024f, -3.71400023f, -0.836000025f, -1.82600009f, -4.45499992f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 10, 1e-05, "add.out f32 same shape");
}

/* add.out f32 + rank-0 tensor */
static void case_2(void)
{
    static float d0[] = {1.03699994f, -2.625f, 0.384000003f, 1.08599997f, -4.4380002f, 0.518000007f, -2.05900002f, -1.00199997f, 0.546999991f, -1.83599997f, -0.0810000002f, 0.575999975f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {1.5f};
    static const int32_t s1[] = {0};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 0, s1);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {2.53699994f, -1.125f, 1.88400006f, 2.58599997f, -2.9380002f, 2.01800013f, -0.559000015f, 0.498000026f, 2.04699993f, -0.335999966f, 1.41900003f, 2.07599998f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "add.out f32 + rank-0 tensor");
}

/* add.out f32 rank-0 + tensor, alpha 0.5 */
static void case_3(void)
{
    static float d0[] = {1.5f};
    static const int32_t s0[] = {0};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 0, s0);
    static float d1[] = {-0.0149999997f, -1.829f, -2.17700005f, -0.532999992f, 0.379000008f, -0.437999994f, 4.11499977f, -0.0710000023f, 0.125f, -1.53299999f, 2.19899988f, 5.51300001f};
    static const int32_t s1[] = {3, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {1.49249995f, 0.585500002f, 0.411499977f, 1.2335f, 1.68949997f, 1.28100002f, 3.55749989f, 1.46449995f, 1.5625f, 0.733500004f, 2.59949994f, 4.25650024f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_double(0.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "add.out f32 rank-0 + tensor, alpha 0.5");
}

/* add.out f32 (4,1)+(4,) -> (4,4) */
static void case_4(void)
{
    static float d0[] = {0.351000011f, -1.86300004f, -3.01099992f, -1.32200003f};
    static const int32_t s0[] = {4, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {2.64599991f, 0.074000001f, -0.569999993f, -0.26699999f};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[16];
    static const int32_t so[] = {4, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {2.99699998f, 0.425000012f, -0.218999982f, 0.0840000212f, 0.782999873f, -1.78900003f, -2.43300009f, -2.13000011f, -0.36500001f, -2.9369998f, -3.58099985f, -3.27799988f, 1.32399988f, -1.24800003f, -1.89199996f, -1.58899999f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 16, 1e-05, "add.out f32 (4,1)+(4,) -> (4,4)");
}

/* add.out f32 middle broadcast (2,1,3)+(2,4,3) */
static void case_5(void)
{
    static float d0[] = {3.78600001f, 6.22200012f, -0.916999996f, -0.671999991f, -3.1400001f, 2.46300006f};
    static const int32_t s0[] = {2, 1, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float d1[] = {2.2809999f, -0.180000007f, 1.46000004f, -3.69099998f, -0.0500000007f, 2.73900008f, 5.31400013f, 1.97000003f, 1.93400002f, -1.98199999f, 0.602999985f, -0.215000004f, 1.99699998f, -0.996999979f, 1.52199996f, 1.23699999f, 0.628000021f, 0.426999986f, -0.239999995f, 0.721000016f, -0.628000021f, -2.15700006f, 0.481999993f, -2.79200006f};
    static const int32_t s1[] = {2, 4, 3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 3, s1);
    static float out[24];
    static const int32_t so[] = {2, 4, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {6.06699991f, 6.04200029f, 0.543000042f, 0.0950000286f, 6.17199993f, 1.82200003f, 9.10000038f, 8.19200039f, 1.01699996f, 1.80400002f, 6.82500029f, -1.13199997f, 1.32500005f, -4.13700008f, 3.98500013f, 0.564999998f, -2.51200008f, 2.8900001f, -0.912f, -2.41900015f, 1.83500004f, -2.829f, -2.65799999f, -0.328999996f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "add.out f32 middle broadcast (2,1,3)+(2,4,3)");
}

/* add.out f32 rank 5 broadcast */
static void case_6(void)
{
    static float d0[] = {-1.29200006f, -0.317999989f, -3.55699992f, 1.69500005f, 0.492000014f, -0.261999995f, -0.356999993f, -1.19200003f, 0.547999978f, 1.13600004f, -1.34599996f, -2.41899991f};
    static const int32_t s0[] = {2, 1, 2, 1, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 5, s0);
    static float d1[] = {2.68799996f, 4.76599979f, -1.13300002f, -2.30699992f};
    static const int32_t s1[] = {1, 2, 1, 2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 5, s1);
    static float out[48];
    static const int32_t so[] = {2, 2, 2, 2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 5, so);
    static const float want[] = {1.39599991f, 2.36999989f, -0.868999958f, 3.47399974f, 4.44799995f, 1.20899987f, 4.3829999f, 3.18000007f, 2.42599988f, 6.46099997f, 5.2579999f, 4.50399971f, -2.42500019f, -1.45099998f, -4.69000006f, -3.59899998f, -2.625f, -5.86399984f, 0.562000036f, -0.641000032f, -1.39499998f, -0.611999869f, -1.81499994f, -2.56900001f, 2.33099985f, 1.49599993f, 3.23600006f, 4.40899992f, 3.57399988f, 5.31399965f, 3.82399988f, 1.34200001f, 0.269000053f, 5.90199995f, 3.41999984f, 2.34699988f, -1.49000001f, -2.32500005f, -0.585000038f, -2.66400003f, -3.49900007f, -1.75899994f, 0.00300002098f, -2.47900009f, -3.55200005f, -1.17099988f, -3.65299988f, -4.72599983f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 48, 1e-05, "add.out f32 rank 5 broadcast");
}

/* add.out int64 broadcast alpha 3 */
static void case_7(void)
{
    static int64_t d0[] = {INT64_C(2), INT64_C(-2), INT64_C(-1), INT64_C(5), INT64_C(4), INT64_C(0)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(4), INT64_C(-6), INT64_C(1)};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static int64_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(14), INT64_C(-20), INT64_C(2), INT64_C(17), INT64_C(-14), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(3), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "add.out int64 broadcast alpha 3");
}

/* add.out int32 */
static void case_8(void)
{
    static int32_t d0[] = {5, -4, -5, -1, 5};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I32, d0, 1, s0);
    static int32_t d1[] = {-2, 1, -1, -6, 2};
    static const int32_t s1[] = {5};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I32, d1, 1, s1);
    static int32_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 1, so);
    static const int32_t want[] = {3, -3, -6, -7, 7};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "add.out int32");
}

/* add.out int64 + f32 -> f32 */
static void case_9(void)
{
    static int64_t d0[] = {INT64_C(-1), INT64_C(-1), INT64_C(-4), INT64_C(1)};
    static const int32_t s0[] = {2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static float d1[] = {-0.805000007f, 2.51900005f, -1.21000004f, 0.222000003f};
    static const int32_t s1[] = {2, 2};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float out[4];
    static const int32_t so[] = {2, 2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-1.80500007f, 1.51900005f, -5.21000004f, 1.222f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "add.out int64 + f32 -> f32");
}

/* add.out bool + bool */
static void case_10(void)
{
    static uint8_t d0[] = {1, 0, 1, 0};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t d1[] = {1, 1, 0, 0};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 1, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "add.out bool + bool");
}

/* add.Scalar_out f32 + 2.5 alpha 2 */
static void case_11(void)
{
    static float d0[] = {0.0379999988f, 0.0769999996f, 1.06200004f, 0.0430000015f, -0.623000026f, -1.64199996f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {5.03800011f, 5.07700014f, 6.06200027f, 5.04300022f, 4.37699986f, 3.35800004f};
    ember_value v[] = {th_tensor_value(&t0), th_double(2.5), th_int(2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.Scalar_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "add.Scalar_out f32 + 2.5 alpha 2");
}

/* add.Scalar_out int64 + 3 */
static void case_12(void)
{
    static int64_t d0[] = {INT64_C(5), INT64_C(6), INT64_C(1), INT64_C(-6)};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(8), INT64_C(9), INT64_C(4), INT64_C(-3)};
    ember_value v[] = {th_tensor_value(&t0), th_int(3), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.Scalar_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "add.Scalar_out int64 + 3");
}

/* add.Scalar_out int64 + 0.5 -> f32 */
static void case_13(void)
{
    static int64_t d0[] = {INT64_C(6), INT64_C(4), INT64_C(1), INT64_C(5)};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static float out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {6.5f, 4.5f, 1.5f, 5.5f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.5), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.Scalar_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "add.Scalar_out int64 + 0.5 -> f32");
}

/* sub.out f32 broadcast alpha 1.5 */
static void case_14(void)
{
    static float d0[] = {-0.819000006f, 1.47599995f, 2.6730001f};
    static const int32_t s0[] = {3, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {1.25899994f, 0.356000006f, 0.778999984f};
    static const int32_t s1[] = {1, 3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float out[9];
    static const int32_t so[] = {3, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-2.70749998f, -1.35300004f, -1.98749995f, -0.412499964f, 0.941999912f, 0.307499975f, 0.784500182f, 2.13900018f, 1.50450015f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_double(1.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sub.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 9, 1e-05, "sub.out f32 broadcast alpha 1.5");
}

/* sub.out int64 */
static void case_15(void)
{
    static int64_t d0[] = {INT64_C(-6), INT64_C(6), INT64_C(-5), INT64_C(6), INT64_C(4), INT64_C(-6)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(-1), INT64_C(-3), INT64_C(3), INT64_C(2), INT64_C(5), INT64_C(6)};
    static const int32_t s1[] = {2, 3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static int64_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(-5), INT64_C(9), INT64_C(-8), INT64_C(4), INT64_C(-1), INT64_C(-12)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sub.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "sub.out int64");
}

/* sub.Scalar_out f32 */
static void case_16(void)
{
    static float d0[] = {0.662f, 1.62199998f, 1.62f, 3.34500003f, -2.68899989f};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-0.588f, 0.371999979f, 0.370000005f, 2.09500003f, -3.93899989f};
    ember_value v[] = {th_tensor_value(&t0), th_double(1.25), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sub.Scalar_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "sub.Scalar_out f32");
}

/* rsub.Scalar_out f32: 1 - x */
static void case_17(void)
{
    static float d0[] = {3.56699991f, -0.414999992f, -0.0909999982f, -1.78999996f, -2.63400006f, 0.435000002f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-2.56699991f, 1.41499996f, 1.09099996f, 2.78999996f, 3.63400006f, 0.564999998f};
    ember_value v[] = {th_tensor_value(&t0), th_double(1.0), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::rsub.Scalar_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "rsub.Scalar_out f32: 1 - x");
}

/* rsub.Scalar_out f32 alpha 2 */
static void case_18(void)
{
    static float d0[] = {-0.233999997f, -0.671999991f, -2.24499989f, -1.85399997f};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {3.46799994f, 4.34399986f, 7.48999977f, 6.70800018f};
    ember_value v[] = {th_tensor_value(&t0), th_int(3), th_int(2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::rsub.Scalar_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "rsub.Scalar_out f32 alpha 2");
}

/* rsub.Scalar_out int64 */
static void case_19(void)
{
    static int64_t d0[] = {INT64_C(6), INT64_C(5), INT64_C(4), INT64_C(0)};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(4), INT64_C(5), INT64_C(6), INT64_C(10)};
    ember_value v[] = {th_tensor_value(&t0), th_int(10), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::rsub.Scalar_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "rsub.Scalar_out int64");
}

/* mul.out f32 broadcast (2,3,1)*(1,4) */
static void case_20(void)
{
    static float d0[] = {3.08200002f, -0.587000012f, -4.3579998f, 1.13699996f, -2.16899991f, -2.79699993f};
    static const int32_t s0[] = {2, 3, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float d1[] = {0.806999981f, 1.676f, -1.43900001f, -0.806999981f};
    static const int32_t s1[] = {1, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {2.48717403f, 5.16543198f, -4.43499804f, -2.48717403f, -0.473708987f, -0.983812034f, 0.844693005f, 0.473708987f, -3.51690578f, -7.30400753f, 6.27116156f, 3.51690578f, 0.917558968f, 1.90561199f, -1.63614297f, -0.917558968f, -1.7503829f, -3.63524389f, 3.12119079f, 1.7503829f, -2.25717878f, -4.6877718f, 4.02488279f, 2.25717878f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mul.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "mul.out f32 broadcast (2,3,1)*(1,4)");
}

/* mul.out int64 */
static void case_21(void)
{
    static int64_t d0[] = {INT64_C(-2), INT64_C(-3), INT64_C(3), INT64_C(-6), INT64_C(-6), INT64_C(6)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(6), INT64_C(-6), INT64_C(5)};
    static const int32_t s1[] = {1, 3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static int64_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(-12), INT64_C(18), INT64_C(15), INT64_C(-36), INT64_C(36), INT64_C(30)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mul.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "mul.out int64");
}

/* mul.out f32 * bool */
static void case_22(void)
{
    static float d0[] = {1.66799998f, 2.0539999f, -2.2420001f, 1.46200001f};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static uint8_t d1[] = {1, 0, 1, 1};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static float out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {1.66799998f, 0.0f, -2.2420001f, 1.46200001f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mul.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "mul.out f32 * bool");
}

/* mul.Scalar_out f32 * 0.125 */
static void case_23(void)
{
    static float d0[] = {-0.0879999995f, 2.3269999f, 0.30399999f, 1.41799998f, 0.81400001f, -3.87700009f, -2.55999994f, -2.6960001f, 0.119999997f};
    static const int32_t s0[] = {3, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[9];
    static const int32_t so[] = {3, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-0.0109999999f, 0.290874988f, 0.0379999988f, 0.177249998f, 0.101750001f, -0.484625012f, -0.319999993f, -0.337000012f, 0.0149999997f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.125), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mul.Scalar_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 9, 1e-05, "mul.Scalar_out f32 * 0.125");
}

/* mul.Scalar_out int32 * 3 */
static void case_24(void)
{
    static int32_t d0[] = {3, 3, -4, 1};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I32, d0, 1, s0);
    static int32_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 1, so);
    static const int32_t want[] = {9, 9, -12, 3};
    ember_value v[] = {th_tensor_value(&t0), th_int(3), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mul.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "mul.Scalar_out int32 * 3");
}

/* div.out f32 broadcast */
static void case_25(void)
{
    static float d0[] = {-0.861999989f, -1.051f, -0.953000009f, 3.3900001f, 0.694999993f, 1.16100001f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {-0.257999986f, 2.01300001f, 1.06799996f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {3.34108543f, -0.52210629f, -0.892322123f, -13.1395359f, 0.345255822f, 1.08707869f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "div.out f32 broadcast");
}

/* div.out int64 -> f32 */
static void case_26(void)
{
    static int64_t d0[] = {INT64_C(-5), INT64_C(6), INT64_C(2), INT64_C(4), INT64_C(-1), INT64_C(-6)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t d1[] = {INT64_C(1), INT64_C(2), INT64_C(-3), INT64_C(4), INT64_C(-5), INT64_C(7)};
    static const int32_t s1[] = {6};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static float out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-5.0f, 3.0f, -0.666666687f, 1.0f, 0.200000003f, -0.857142866f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "div.out int64 -> f32");
}

/* div.Scalar_out f32 / 3 */
static void case_27(void)
{
    static float d0[] = {-0.162f, 0.111000001f, -1.76400006f, 2.41499996f, 1.22399998f};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-0.0540000014f, 0.0370000005f, -0.588f, 0.805000007f, 0.407999992f};
    ember_value v[] = {th_tensor_value(&t0), th_int(3), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.Scalar_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "div.Scalar_out f32 / 3");
}

/* div.out_mode None */
static void case_28(void)
{
    static float d0[] = {-3.20099998f, 0.829999983f, 3.40100002f, -1.81200004f};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float d1[] = {-1.01100004f, -2.34699988f, 2.1730001f, 1.83200002f};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {3.16617203f, -0.35364297f, 1.56511724f, -0.989082992f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out_mode", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "div.out_mode None");
}

/* div.out_mode trunc f32 */
static void case_29(void)
{
    static float d0[] = {3.54299998f, -6.60900021f, -0.85800004f, -5.96700001f, 6.32400036f, 11.6969995f};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float d1[] = {-1.02900004f, 0.933000028f, 1.60599995f, 5.53000021f, -0.356000006f, 1.62800002f};
    static const int32_t s1[] = {6};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-3.0f, -7.0f, -0.0f, -1.0f, -17.0f, 7.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_string("trunc"), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out_mode", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "div.out_mode trunc f32");
}

/* div.out_mode floor f32 */
static void case_30(void)
{
    static float d0[] = {3.24000025f, 5.07000017f, -6.14700031f, 10.5389996f, 3.46799994f, -0.279000014f};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float d1[] = {0.523000002f, 1.28600001f, -1.02600002f, 0.746999979f, -2.2420001f, 4.98099995f};
    static const int32_t s1[] = {6};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {6.0f, 3.0f, 5.0f, 14.0f, -2.0f, -1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_string("floor"), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out_mode", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "div.out_mode floor f32");
}

/* div.out_mode floor int64 */
static void case_31(void)
{
    static int64_t d0[] = {INT64_C(7), INT64_C(-7), INT64_C(7), INT64_C(-7), INT64_C(0), INT64_C(5)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t d1[] = {INT64_C(2), INT64_C(2), INT64_C(-2), INT64_C(-2), INT64_C(3), INT64_C(5)};
    static const int32_t s1[] = {6};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static int64_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(3), INT64_C(-4), INT64_C(-4), INT64_C(3), INT64_C(0), INT64_C(1)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_string("floor"), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out_mode", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "div.out_mode floor int64");
}

/* div.out_mode trunc int64 */
static void case_32(void)
{
    static int64_t d0[] = {INT64_C(7), INT64_C(-7), INT64_C(7), INT64_C(-7), INT64_C(0), INT64_C(5)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t d1[] = {INT64_C(2), INT64_C(2), INT64_C(-2), INT64_C(-2), INT64_C(3), INT64_C(5)};
    static const int32_t s1[] = {6};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static int64_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(3), INT64_C(-3), INT64_C(-3), INT64_C(3), INT64_C(0), INT64_C(1)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_string("trunc"), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out_mode", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "div.out_mode trunc int64");
}

/* pow.Tensor_Scalar_out f32 ^2 */
static void case_33(void)
{
    static float d0[] = {-0.88499999f, 1.074f, 0.206f, -0.748000026f, 1.04499996f};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.783225f, 1.153476f, 0.042436f, 0.559504032f, 1.09202492f};
    ember_value v[] = {th_tensor_value(&t0), th_int(2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::pow.Tensor_Scalar_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "pow.Tensor_Scalar_out f32 ^2");
}

/* pow.Tensor_Scalar_out f32 ^0.5 */
static void case_34(void)
{
    static float d0[] = {1.21700001f, 4.00600004f, 1.50600004f, 0.061999999f, 1.68799996f};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {1.10317719f, 2.00149941f, 1.22719193f, 0.248997986f, 1.29923058f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::pow.Tensor_Scalar_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "pow.Tensor_Scalar_out f32 ^0.5");
}

/* pow.Tensor_Scalar_out int64 ^3 */
static void case_35(void)
{
    static int64_t d0[] = {INT64_C(1), INT64_C(6), INT64_C(2), INT64_C(4), INT64_C(-5)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(216), INT64_C(8), INT64_C(64), INT64_C(-125)};
    ember_value v[] = {th_tensor_value(&t0), th_int(3), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::pow.Tensor_Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "pow.Tensor_Scalar_out int64 ^3");
}

/* pow.Tensor_Tensor_out f32 broadcast */
static void case_36(void)
{
    static float d0[] = {0.44599998f, 0.277999997f, 0.789000034f, 0.522000015f, 0.875f, 3.4059999f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.5f, 2.0f, -1.0f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.667832315f, 0.0772840008f, 1.26742709f, 0.722495675f, 0.765625f, 0.293599546f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::pow.Tensor_Tensor_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "pow.Tensor_Tensor_out f32 broadcast");
}

/* maximum.out f32 broadcast with NaN */
static void case_37(void)
{
    static float d0[] = {1.0f, NAN, -2.0f, 0.5f, 3.0f, -1.0f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.0f, 1.0f, NAN};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {1.0f, NAN, NAN, 0.5f, 3.0f, NAN};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::maximum.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "maximum.out f32 broadcast with NaN");
}

/* minimum.out f32 */
static void case_38(void)
{
    static float d0[] = {-1.301f, -0.261999995f, -3.48799992f, -1.51199996f, -2.02600002f, -3.10899997f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {-2.59899998f, 2.8499999f};
    static const int32_t s1[] = {2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-2.59899998f, -2.59899998f, -3.48799992f, -1.51199996f, -2.02600002f, -3.10899997f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::minimum.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "minimum.out f32");
}

/* maximum.out int64 */
static void case_39(void)
{
    static int64_t d0[] = {INT64_C(-2), INT64_C(-5), INT64_C(6), INT64_C(-4), INT64_C(-1)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t d1[] = {INT64_C(-4), INT64_C(-3), INT64_C(-6), INT64_C(-3), INT64_C(-4)};
    static const int32_t s1[] = {5};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static int64_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(-2), INT64_C(-3), INT64_C(6), INT64_C(-3), INT64_C(-1)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::maximum.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "maximum.out int64");
}

/* remainder.Scalar_out f32 % 1.5 */
static void case_40(void)
{
    static float d0[] = {-4.93499994f, 6.4800005f, 2.72099996f, 0.611999989f, 13.3619995f, -2.57999992f};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {1.06500006f, 0.480000496f, 1.22099996f, 0.611999989f, 1.36199951f, 0.420000076f};
    ember_value v[] = {th_tensor_value(&t0), th_double(1.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::remainder.Scalar_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "remainder.Scalar_out f32 % 1.5");
}

/* remainder.Scalar_out f32 % -2 */
static void case_41(void)
{
    static float d0[] = {12.0869999f, 4.96500015f, 0.773999929f, -16.8419991f, -7.42199993f, 6.81299973f};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-1.91300011f, -1.03499985f, -1.22600007f, -0.841999054f, -1.42199993f, -1.18700027f};
    ember_value v[] = {th_tensor_value(&t0), th_double(-2.0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::remainder.Scalar_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "remainder.Scalar_out f32 % -2");
}

/* remainder.Tensor_out int64 */
static void case_42(void)
{
    static int64_t d0[] = {INT64_C(7), INT64_C(-7), INT64_C(7), INT64_C(-7), INT64_C(0), INT64_C(5)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t d1[] = {INT64_C(3), INT64_C(3), INT64_C(-3), INT64_C(-3), INT64_C(3), INT64_C(5)};
    static const int32_t s1[] = {6};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static int64_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(2), INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(0)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::remainder.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "remainder.Tensor_out int64");
}

/* remainder.Tensor_out f32 */
static void case_43(void)
{
    static float d0[] = {1.62000012f, -1.40400004f, -0.932999969f, 3.73199987f, 3.21600008f, -1.63200009f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {-2.86299992f, 0.560000002f, 1.02100003f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-1.24299979f, 0.275999963f, 0.0880000591f, -1.99399996f, 0.416000068f, 0.409999967f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::remainder.Tensor_out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "remainder.Tensor_out f32");
}

/* logical_and.out bool */
static void case_44(void)
{
    static uint8_t d0[] = {1, 0, 1, 0};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t d1[] = {1, 1, 0, 0};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::logical_and.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "logical_and.out bool");
}

/* logical_or.out bool broadcast */
static void case_45(void)
{
    static uint8_t d0[] = {1, 0, 1, 0};
    static const int32_t s0[] = {4, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 2, s0);
    static uint8_t d1[] = {1, 1, 0, 0};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static uint8_t out[16];
    static const int32_t so[] = {4, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::logical_or.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "logical_or.out bool broadcast");
}

/* logical_xor.out bool */
static void case_46(void)
{
    static uint8_t d0[] = {1, 0, 1, 0};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t d1[] = {1, 1, 0, 0};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 1, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::logical_xor.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "logical_xor.out bool");
}

/* logical_and.out f32 -> bool */
static void case_47(void)
{
    static float d0[] = {0.0f, 1.5f, -2.0f, 0.0f};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float d1[] = {1.0f, 0.0f, 3.0f, 0.0f};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::logical_and.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "logical_and.out f32 -> bool");
}

/* bitwise_and.Tensor_out bool */
static void case_48(void)
{
    static uint8_t d0[] = {1, 0, 1, 0};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t d1[] = {1, 1, 0, 0};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::bitwise_and.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "bitwise_and.Tensor_out bool");
}

/* bitwise_or.Tensor_out int64 */
static void case_49(void)
{
    static int64_t d0[] = {INT64_C(64), INT64_C(1), INT64_C(77), INT64_C(85), INT64_C(43)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t d1[] = {INT64_C(17), INT64_C(-33), INT64_C(27), INT64_C(-43), INT64_C(-1)};
    static const int32_t s1[] = {5};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static int64_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(81), INT64_C(-33), INT64_C(95), INT64_C(-43), INT64_C(-1)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::bitwise_or.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "bitwise_or.Tensor_out int64");
}

/* bitwise_and.Tensor_out int32 broadcast */
static void case_50(void)
{
    static int32_t d0[] = {55, 51, 22, 54, 7, 41};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I32, d0, 2, s0);
    static int32_t d1[] = {49, 9, 54};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I32, d1, 1, s1);
    static int32_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 2, so);
    static const int32_t want[] = {49, 1, 22, 48, 1, 32};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::bitwise_and.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "bitwise_and.Tensor_out int32 broadcast");
}

/* eq.Tensor_out f32 broadcast */
static void case_51(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.100000001f, 2.0f, -2.0f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 0, 1, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::eq.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "eq.Tensor_out f32 broadcast");
}

/* eq.Scalar_out f32 vs 0.1 */
static void case_52(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 0, 0, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::eq.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "eq.Scalar_out f32 vs 0.1");
}

/* eq.Tensor_out int64 broadcast */
static void case_53(void)
{
    static int64_t d0[] = {INT64_C(-1), INT64_C(1), INT64_C(-2), INT64_C(0), INT64_C(-2), INT64_C(2)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(-1), INT64_C(1)};
    static const int32_t s1[] = {2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 0, 0, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::eq.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "eq.Tensor_out int64 broadcast");
}

/* eq.Scalar_out int64 vs 1 */
static void case_54(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(2), INT64_C(0), INT64_C(-2), INT64_C(1), INT64_C(0)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 0, 0, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::eq.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "eq.Scalar_out int64 vs 1");
}

/* ne.Tensor_out f32 broadcast */
static void case_55(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.100000001f, 2.0f, -2.0f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 1, 0, 1, 1, 1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ne.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ne.Tensor_out f32 broadcast");
}

/* ne.Scalar_out f32 vs 0.1 */
static void case_56(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 1, 1, 1, 0, 1};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ne.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ne.Scalar_out f32 vs 0.1");
}

/* ne.Tensor_out int64 broadcast */
static void case_57(void)
{
    static int64_t d0[] = {INT64_C(-1), INT64_C(2), INT64_C(0), INT64_C(1), INT64_C(1), INT64_C(-2)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(-1), INT64_C(-2)};
    static const int32_t s1[] = {2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 1, 1, 1, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ne.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ne.Tensor_out int64 broadcast");
}

/* ne.Scalar_out int64 vs 1 */
static void case_58(void)
{
    static int64_t d0[] = {INT64_C(-2), INT64_C(0), INT64_C(-1), INT64_C(1), INT64_C(1), INT64_C(2)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 1, 1, 0, 0, 1};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ne.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ne.Scalar_out int64 vs 1");
}

/* lt.Tensor_out f32 broadcast */
static void case_59(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.100000001f, 2.0f, -2.0f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 1, 0, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::lt.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "lt.Tensor_out f32 broadcast");
}

/* lt.Scalar_out f32 vs 0.1 */
static void case_60(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 0, 1, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::lt.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "lt.Scalar_out f32 vs 0.1");
}

/* lt.Tensor_out int64 broadcast */
static void case_61(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(0), INT64_C(1), INT64_C(-2), INT64_C(-1), INT64_C(2)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(-2), INT64_C(-2)};
    static const int32_t s1[] = {2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 0, 0, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::lt.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "lt.Tensor_out int64 broadcast");
}

/* lt.Scalar_out int64 vs 1 */
static void case_62(void)
{
    static int64_t d0[] = {INT64_C(-1), INT64_C(2), INT64_C(-1), INT64_C(1), INT64_C(-2), INT64_C(2)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0, 1, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::lt.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "lt.Scalar_out int64 vs 1");
}

/* le.Tensor_out f32 broadcast */
static void case_63(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.100000001f, 2.0f, -2.0f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 1, 1, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::le.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "le.Tensor_out f32 broadcast");
}

/* le.Scalar_out f32 vs 0.1 */
static void case_64(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 0, 1, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::le.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "le.Scalar_out f32 vs 0.1");
}

/* le.Tensor_out int64 broadcast */
static void case_65(void)
{
    static int64_t d0[] = {INT64_C(-2), INT64_C(-2), INT64_C(0), INT64_C(-2), INT64_C(0), INT64_C(0)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(-2), INT64_C(2)};
    static const int32_t s1[] = {2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 1, 0, 1, 1, 1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::le.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "le.Tensor_out int64 broadcast");
}

/* le.Scalar_out int64 vs 1 */
static void case_66(void)
{
    static int64_t d0[] = {INT64_C(2), INT64_C(0), INT64_C(-2), INT64_C(0), INT64_C(-2), INT64_C(2)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 1, 1, 1, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::le.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "le.Scalar_out int64 vs 1");
}

/* gt.Tensor_out f32 broadcast */
static void case_67(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.100000001f, 2.0f, -2.0f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 0, 0, 1, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::gt.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "gt.Tensor_out f32 broadcast");
}

/* gt.Scalar_out f32 vs 0.1 */
static void case_68(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 1, 0, 1, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::gt.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "gt.Scalar_out f32 vs 0.1");
}

/* gt.Tensor_out int64 broadcast */
static void case_69(void)
{
    static int64_t d0[] = {INT64_C(1), INT64_C(0), INT64_C(-1), INT64_C(-1), INT64_C(-2), INT64_C(0)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(1), INT64_C(-2)};
    static const int32_t s1[] = {2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 0, 0, 1, 0, 1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::gt.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "gt.Tensor_out int64 broadcast");
}

/* gt.Scalar_out int64 vs 1 */
static void case_70(void)
{
    static int64_t d0[] = {INT64_C(-2), INT64_C(1), INT64_C(2), INT64_C(0), INT64_C(1), INT64_C(1)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 0, 1, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::gt.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "gt.Scalar_out int64 vs 1");
}

/* ge.Tensor_out f32 broadcast */
static void case_71(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.100000001f, 2.0f, -2.0f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 0, 1, 1, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ge.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ge.Tensor_out f32 broadcast");
}

/* ge.Scalar_out f32 vs 0.1 */
static void case_72(void)
{
    static float d0[] = {0.100000001f, 1.0f, -2.0f, 3.0f, 0.100000001f, NAN};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 1, 0, 1, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ge.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ge.Scalar_out f32 vs 0.1");
}

/* ge.Tensor_out int64 broadcast */
static void case_73(void)
{
    static int64_t d0[] = {INT64_C(-2), INT64_C(2), INT64_C(1), INT64_C(-1), INT64_C(0), INT64_C(0)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(0), INT64_C(1)};
    static const int32_t s1[] = {2, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static uint8_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 1, 1, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ge.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ge.Tensor_out int64 broadcast");
}

/* ge.Scalar_out int64 vs 1 */
static void case_74(void)
{
    static int64_t d0[] = {INT64_C(-1), INT64_C(0), INT64_C(-1), INT64_C(-2), INT64_C(-1), INT64_C(0)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 0, 0, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ge.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ge.Scalar_out int64 vs 1");
}

/* eq.Tensor_out bool */
static void case_75(void)
{
    static uint8_t d0[] = {1, 0, 1, 0};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t d1[] = {1, 1, 0, 0};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0, 0, 1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::eq.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "eq.Tensor_out bool");
}

/* lt.Scalar_out int64 vs 0.5 */
static void case_76(void)
{
    static int64_t d0[] = {INT64_C(2), INT64_C(-2), INT64_C(2), INT64_C(-2), INT64_C(1), INT64_C(-1)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 1, 0, 1, 0, 1};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::lt.Scalar_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "lt.Scalar_out int64 vs 0.5");
}

/* gt.Tensor_out f32 vs int64 */
static void case_77(void)
{
    static float d0[] = {0.809000015f, 1.14499998f, 1.23000002f, -1.84500003f, -0.85799998f};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static int64_t d1[] = {INT64_C(-2), INT64_C(2), INT64_C(1), INT64_C(-2), INT64_C(1)};
    static const int32_t s1[] = {5};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static uint8_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0, 1, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::gt.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "gt.Tensor_out f32 vs int64");
}

/* eq.Tensor_out f32 (1,1) vs (1,1) keep rank */
static void case_78(void)
{
    static float d0[] = {2.0f};
    static const int32_t s0[] = {1, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {2.0f};
    static const int32_t s1[] = {1, 1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static uint8_t out[1];
    static const int32_t so[] = {1, 1};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::eq.Tensor_out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "eq.Tensor_out f32 (1,1) vs (1,1) keep rank");
}

static void run_generated_cases(void)
{
    case_0();
    case_1();
    case_2();
    case_3();
    case_4();
    case_5();
    case_6();
    case_7();
    case_8();
    case_9();
    case_10();
    case_11();
    case_12();
    case_13();
    case_14();
    case_15();
    case_16();
    case_17();
    case_18();
    case_19();
    case_20();
    case_21();
    case_22();
    case_23();
    case_24();
    case_25();
    case_26();
    case_27();
    case_28();
    case_29();
    case_30();
    case_31();
    case_32();
    case_33();
    case_34();
    case_35();
    case_36();
    case_37();
    case_38();
    case_39();
    case_40();
    case_41();
    case_42();
    case_43();
    case_44();
    case_45();
    case_46();
    case_47();
    case_48();
    case_49();
    case_50();
    case_51();
    case_52();
    case_53();
    case_54();
    case_55();
    case_56();
    case_57();
    case_58();
    case_59();
    case_60();
    case_61();
    case_62();
    case_63();
    case_64();
    case_65();
    case_66();
    case_67();
    case_68();
    case_69();
    case_70();
    case_71();
    case_72();
    case_73();
    case_74();
    case_75();
    case_76();
    case_77();
    case_78();
}

/* ---- hand-written cases ------------------------------------------------------------------ */

/* Non-broadcastable shapes, a wrong out shape, a bad dtype, a bad count: prepare says so. */
static void prepare_failures(void)
{
    float a[6] = {0}, b[6] = {0}, o[12] = {0};
    const int32_t s23[] = {2, 3}, s32[] = {3, 2}, s34[] = {3, 4}, s6[] = {6};
    ember_tensor ta = th_tensor(EMBER_DTYPE_F32, a, 2, s23);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, b, 2, s32);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 2, s23);
    ember_value v[] = {th_tensor_value(&ta), th_tensor_value(&tb), th_int(1),
                       th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v, 5) == EMBER_SHAPE_MISMATCH); /* (2,3) vs (3,2) */
    CHECK(strstr(th_msg, "aten::add.out") != NULL);

    ember_tensor tb2 = th_tensor(EMBER_DTYPE_F32, b, 1, s6 + 0);
    tb2.sizes[0] = 3;
    tb2.numel = 3;
    ember_tensor to2 = th_tensor(EMBER_DTYPE_F32, o, 2, s34); /* broadcast is (2,3) */
    ember_value v2[] = {th_tensor_value(&ta), th_tensor_value(&tb2), th_int(1),
                        th_tensor_value(&to2), th_tensor_value(&to2)};
    CHECK(th_run("aten::add.out", v2, 5) == EMBER_SHAPE_MISMATCH);
    CHECK(th_run("aten::add.out", v2, 4) == EMBER_INVALID_ARGUMENT); /* arg count */

    /* uint16 operands are not supported (float16 ones are: see test_half.c) */
    ember_tensor th = th_tensor(EMBER_DTYPE_U16, a, 2, s23);
    ember_value v3[] = {th_tensor_value(&th), th_tensor_value(&ta), th_tensor_value(&to),
                        th_tensor_value(&to)};
    CHECK(th_run("aten::mul.out", v3, 4) == EMBER_DTYPE_MISMATCH);

    /* true division into an int64 out */
    int64_t oi[6];
    ember_tensor toi = th_tensor(EMBER_DTYPE_I64, oi, 2, s23);
    ember_value v4[] = {th_tensor_value(&ta), th_tensor_value(&ta), th_tensor_value(&toi),
                        th_tensor_value(&toi)};
    CHECK(th_run("aten::div.out", v4, 4) == EMBER_DTYPE_MISMATCH);

    /* bad rounding mode, alpha of the wrong kind, bitwise on floats */
    ember_value v5[] = {th_tensor_value(&ta), th_tensor_value(&ta), th_string("round"),
                        th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.out_mode", v5, 5) == EMBER_INVALID_ARGUMENT);
    ember_value v6[] = {th_tensor_value(&ta), th_tensor_value(&ta), th_string("x"),
                        th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::add.out", v6, 5) == EMBER_INVALID_ARGUMENT);
    CHECK(th_run("aten::bitwise_and.Tensor_out", v3 + 1, 3) == EMBER_INVALID_ARGUMENT);
    ember_value v7[] = {th_tensor_value(&ta), th_tensor_value(&ta), th_tensor_value(&to),
                        th_tensor_value(&to)};
    CHECK(th_run("aten::bitwise_and.Tensor_out", v7, 4) == EMBER_DTYPE_MISMATCH);

    /* a non-contiguous (channels-last) input */
    ember_tensor tc = ta;
    tc.dim_order[0] = 1;
    tc.dim_order[1] = 0;
    ember_value v8[] = {th_tensor_value(&tc), th_tensor_value(&ta), th_tensor_value(&to),
                        th_tensor_value(&to)};
    CHECK(th_run("aten::mul.out", v8, 4) == EMBER_NOT_SUPPORTED);

    /* comparison with a shape mismatch, and a Scalar form given a tensor */
    uint8_t ob[6];
    ember_tensor tob = th_tensor(EMBER_DTYPE_BOOL, ob, 2, s32);
    ember_value v9[] = {th_tensor_value(&ta), th_double(0.5), th_tensor_value(&tob),
                        th_tensor_value(&tob)};
    CHECK(th_run("aten::lt.Scalar_out", v9, 4) == EMBER_SHAPE_MISMATCH);
    ember_value v10[] = {th_tensor_value(&ta), th_tensor_value(&ta), th_tensor_value(&tob),
                         th_tensor_value(&tob)};
    CHECK(th_run("aten::lt.Scalar_out", v10, 4) == EMBER_INVALID_ARGUMENT);
}

/* In place: out aliases self (the planner may do this for in-place ops). */
static void in_place(void)
{
    float x[4] = {1, 2, 3, 4};
    const float want[4] = {3, 6, 9, 12};
    const int32_t s[] = {4};
    ember_tensor t = th_tensor(EMBER_DTYPE_F32, x, 1, s);
    ember_value v[] = {th_tensor_value(&t), th_double(3.0), th_tensor_value(&t),
                       th_tensor_value(&t)};
    CHECK(th_run("aten::mul.Scalar_out", v, 4) == EMBER_OK);
    expect_close_f32(x, want, 4, 0, "mul in place");
}

/* A larger broadcast than the generated cases, against a plain triple loop. */
static void large_broadcast(void)
{
    enum { A = 7, B = 33, C = 65 };
    static float a[A * 1 * C], b[B * 1], o[A * B * C], want[A * B * C];
    for (int i = 0; i < A * C; i++) a[i] = (float)(i % 17) * 0.25f - 2.0f;
    for (int i = 0; i < B; i++) b[i] = (float)(i % 5) - 1.5f;
    for (int i = 0; i < A; i++)
        for (int j = 0; j < B; j++)
            for (int k = 0; k < C; k++) want[(i * B + j) * C + k] = a[i * C + k] - 2.0f * b[j];
    const int32_t sa[] = {A, 1, C}, sb[] = {B, 1}, so[] = {A, B, C};
    ember_tensor ta = th_tensor(EMBER_DTYPE_F32, a, 3, sa);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, b, 2, sb);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 3, so);
    ember_value v[] = {th_tensor_value(&ta), th_tensor_value(&tb), th_int(2),
                       th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sub.out", v, 5) == EMBER_OK);
    expect_close_f32(o, want, A * B * C, 0, "sub.out (7,1,65)-(33,1)");
}

/* pow.Tensor_Scalar_out f32 with the exponents torch's float kernel computes without pow (2, 3,
 * -2, 0.5, -0.5, -1): the special values below are torch 2.13's torch.pow(x, e) (pasted), where
 * pow itself would differ (pow(-inf, 0.5) is inf, torch's sqrt gives nan; sqrt(-0) is -0); on
 * ragged lengths and in place, every result within 2 ulp of pow in double; any other exponent
 * still runs powf. */
static void pow_scalar_exponents(void)
{
    static float sx[7] = {-0.0f, -INFINITY, -4.0f, 0.0f, INFINITY, NAN, 3.0f};
    static const double exps[6] = {2, 3, -2, 0.5, -0.5, -1};
    static const float want[6][7] = {
        {0.0f, INFINITY, 16.0f, 0.0f, INFINITY, NAN, 9.0f},
        {-0.0f, -INFINITY, -64.0f, 0.0f, INFINITY, NAN, 27.0f},
        {INFINITY, 0.0f, 0.0625f, INFINITY, 0.0f, NAN, 0.1111111119389534f},
        {-0.0f, NAN, NAN, 0.0f, INFINITY, NAN, 1.7320507764816284f},
        {-INFINITY, NAN, NAN, INFINITY, 0.0f, NAN, 0.5773502588272095f},
        {-INFINITY, -0.0f, -0.25f, INFINITY, 0.0f, NAN, 0.3333333432674408f},
    };
    const int32_t s7[] = {7};
    float o[7];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, sx, 1, s7), to = th_tensor(EMBER_DTYPE_F32, o, 1, s7);
    for (int e = 0; e < 6; e++) {
        ember_value v[] = {th_tensor_value(&tx), th_double(exps[e]), th_tensor_value(&to),
                           th_tensor_value(&to)};
        CHECK(th_run("aten::pow.Tensor_Scalar_out", v, 4) == EMBER_OK);
        bool same = true; /* bit for bit, NaN for NaN */
        for (int i = 0; i < 7; i++)
            same = same && (isnan(o[i]) ? isnan(want[e][i]) : memcmp(&o[i], &want[e][i], 4) == 0);
        if (!same) fprintf(stderr, "pow.Tensor_Scalar_out special values, exponent %g\n", exps[e]);
        CHECK(same);
    }
    enum { N = 37 };
    static float x[N], y[N];
    const double more[4] = {1.5, 0.0, 1.0, -3.0};
    for (int e = 0; e < 10; e++) {
        const double ex = e < 6 ? exps[e] : more[e - 6];
        for (int n = 1; n <= N; n += 6) {
            for (int i = 0; i < n; i++) x[i] = 0.05f + (float)((i * 7919) % 97) * 0.173f;
            const int32_t sn[] = {n};
            ember_tensor ti = th_tensor(EMBER_DTYPE_F32, x, 1, sn), tn = th_tensor(EMBER_DTYPE_F32, y, 1, sn);
            for (int inplace = 0; inplace < 2; inplace++) {
                ember_tensor* out = inplace ? &ti : &tn;
                for (int i = 0; i < n; i++) x[i] = 0.05f + (float)((i * 7919) % 97) * 0.173f;
                ember_value v[] = {th_tensor_value(&ti), th_double(ex), th_tensor_value(out),
                                   th_tensor_value(out)};
                CHECK(th_run("aten::pow.Tensor_Scalar_out", v, 4) == EMBER_OK);
                const float* got = inplace ? x : y;
                bool ok = true;
                for (int i = 0; i < n && ok; i++) {
                    const double in = 0.05f + (float)((i * 7919) % 97) * 0.173f;
                    const double w = pow(in, ex);
                    ok = fabs(got[i] - w) <= 2.0 * ldexp(1.0, ilogb(w) - 23);
                    if (!ok) fprintf(stderr, "pow(%.9g, %g): got %.9g want %.9g (n %d)\n", in, ex, got[i], w, n);
                }
                CHECK(ok);
            }
        }
    }
}

/* div.Scalar_mode_out: floor and trunc rounding with a scalar divisor, hand-computed. */
static void div_scalar_mode(void)
{
    static float x[4] = {7.0f, -7.0f, 5.5f, -0.5f};
    static const int32_t sx[] = {4};
    float out[4];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, sx);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, sx);
    ember_value v[] = {th_tensor_value(&tx), th_int(2), th_string("floor"), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::div.Scalar_mode_out", v, 5) == EMBER_OK);
    static const float want_floor[4] = {3.0f, -4.0f, 2.0f, -1.0f};
    CHECK_NEAR_F32(out, want_floor, 4, 0.0f);
    v[2] = th_string("trunc");
    CHECK(th_run("aten::div.Scalar_mode_out", v, 5) == EMBER_OK);
    static const float want_trunc[4] = {3.0f, -3.0f, 2.0f, -0.0f};
    CHECK_NEAR_F32(out, want_trunc, 4, 0.0f);
}

int main(void)
{
    div_scalar_mode();
    run_generated_cases();
    prepare_failures();
    in_place();
    large_broadcast();
    pow_scalar_exponents();
    return check_report("test_ops_math_binary");
}
