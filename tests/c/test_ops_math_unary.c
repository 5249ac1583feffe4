/* test_ops_math_unary.c — elementwise unary kernels, where, masked_fill and clamp.Tensor
 * against torch eager. Expected values were computed with torch (the aten out-variant op)
 * and pasted in; float32 results must match within 1e-5 relative, integer/bool exactly. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tests/c/kernel_harness.h"


/* relu.out f32 */
static void case_0(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::relu.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "relu.out f32");
}

/* silu.out f32 */
static void case_1(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-0.0719448403f, -0.189645454f, -0.268941432f, -0.127667248f, 0.0f, 0.1099668f, 0.311229676f, 0.731058598f, 2.31035447f, 3.39740729f, 4.96653557f, 7.2448554f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::silu.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "silu.out f32");
}

/* sigmoid.out f32 */
static void case_2(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.0179862101f, 0.0758581758f, 0.268941432f, 0.425557494f, 0.5f, 0.549833953f, 0.622459352f, 0.731058598f, 0.924141824f, 0.970687747f, 0.993307173f, 0.999290347f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sigmoid.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "sigmoid.out f32");
}

/* tanh.out f32 */
static void case_3(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-0.999329329f, -0.986614287f, -0.761594176f, -0.291312635f, 0.0f, 0.197375327f, 0.462117165f, 0.761594176f, 0.986614287f, 0.998177886f, 0.999909222f, 0.999998987f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::tanh.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "tanh.out f32");
}

/* hardswish.out f32 */
static void case_4(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-0.0f, -0.208333328f, -0.333333343f, -0.135000005f, 0.0f, 0.106666677f, 0.291666657f, 0.666666687f, 2.29166675f, 3.5f, 5.0f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::hardswish.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "hardswish.out f32");
}

/* hardsigmoid.out f32 */
static void case_5(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.0f, 0.0833333358f, 0.333333343f, 0.450000018f, 0.5f, 0.533333361f, 0.583333313f, 0.666666687f, 0.916666687f, 1.0f, 1.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::hardsigmoid.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "hardsigmoid.out f32");
}

/* exp.out f32 */
static void case_6(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.0183156393f, 0.0820849985f, 0.36787945f, 0.740818202f, 1.0f, 1.22140276f, 1.64872122f, 2.71828175f, 12.1824942f, 33.1154518f, 148.413162f, 1408.10486f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::exp.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "exp.out f32");
}

/* neg.out f32 */
static void case_7(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {4.0f, 2.5f, 1.0f, 0.300000012f, -0.0f, -0.200000003f, -0.5f, -1.0f, -2.5f, -3.5f, -5.0f, -7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::neg.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "neg.out f32");
}

/* abs.out f32 */
static void case_8(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {4.0f, 2.5f, 1.0f, 0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::abs.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "abs.out f32");
}

/* erf.out f32 */
static void case_9(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-1.0f, -0.999593019f, -0.842700779f, -0.328626782f, 0.0f, 0.222702593f, 0.520499885f, 0.842700779f, 0.999593019f, 0.999999285f, 1.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::erf.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "erf.out f32");
}

/* sin.out f32 */
static void case_10(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.756802499f, -0.598472118f, -0.841470957f, -0.295520216f, 0.0f, 0.198669329f, 0.47942555f, 0.841470957f, 0.598472118f, -0.350783229f, -0.958924294f, 0.823080897f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sin.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "sin.out f32");
}

/* cos.out f32 */
static void case_11(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-0.653643608f, -0.801143587f, 0.540302336f, 0.955336511f, 1.0f, 0.980066597f, 0.87758255f, 0.540302336f, -0.801143587f, -0.93645668f, 0.2836622f, 0.567924201f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::cos.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "cos.out f32");
}

/* floor.out f32 */
static void case_12(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-4.0f, -3.0f, -1.0f, -1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 2.0f, 3.0f, 5.0f, 7.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::floor.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "floor.out f32");
}

/* ceil.out f32 */
static void case_13(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-4.0f, -2.0f, -1.0f, -0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 3.0f, 4.0f, 5.0f, 8.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ceil.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "ceil.out f32");
}

/* sign.out f32 */
static void case_14(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-1.0f, -1.0f, -1.0f, -1.0f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sign.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "sign.out f32");
}

/* reciprocal.out f32 */
static void case_15(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-0.25f, -0.400000006f, -1.0f, -3.33333325f, INFINITY, 5.0f, 2.0f, 1.0f, 0.400000006f, 0.285714298f, 0.200000003f, 0.137931034f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::reciprocal.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "reciprocal.out f32");
}

/* log.out f32 */
static void case_16(void)
{
    static float d0[] = {0.00999999978f, 0.25f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 9.0f, 100.0f};
    static const int32_t s0[] = {10};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[10];
    static const int32_t so[] = {10};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-4.60517025f, -1.38629436f, -0.693147182f, 0.0f, 0.405465126f, 0.693147182f, 1.09861231f, 1.38629436f, 2.19722462f, 4.60517025f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::log.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 10, 1e-05, "log.out f32");
}

/* sqrt.out f32 */
static void case_17(void)
{
    static float d0[] = {0.00999999978f, 0.25f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 9.0f, 100.0f};
    static const int32_t s0[] = {10};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[10];
    static const int32_t so[] = {10};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.100000001f, 0.5f, 0.707106769f, 1.0f, 1.22474492f, 1.41421354f, 1.73205078f, 2.0f, 3.0f, 10.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sqrt.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 10, 1e-05, "sqrt.out f32");
}

/* rsqrt.out f32 */
static void case_18(void)
{
    static float d0[] = {0.00999999978f, 0.25f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 9.0f, 100.0f};
    static const int32_t s0[] = {10};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[10];
    static const int32_t so[] = {10};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {10.0f, 2.0f, 1.41421354f, 1.0f, 0.816496551f, 0.707106769f, 0.577350259f, 0.5f, 0.333333343f, 0.100000001f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::rsqrt.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 10, 1e-05, "rsqrt.out f32");
}

/* round.out f32 half to even */
static void case_19(void)
{
    static float d0[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1.39999998f, -2.5999999f, 3.0f};
    static const int32_t s0[] = {8};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[8];
    static const int32_t so[] = {8};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, 1.0f, -3.0f, 3.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::round.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 8, 1e-05, "round.out f32 half to even");
}

/* gelu.out none */
static void case_20(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-0.000126481056f, -0.0155241787f, -0.158655256f, -0.114626579f, 0.0f, 0.115851939f, 0.345731229f, 0.841344714f, 2.48447585f, 3.49918556f, 4.99999905f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_string("none"), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::gelu.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "gelu.out none");
}

/* gelu.out tanh */
static void case_21(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-7.02142715e-05f, -0.0150842965f, -0.158807993f, -0.114629082f, 0.0f, 0.115851425f, 0.345714003f, 0.841192007f, 2.48491573f, 3.49938369f, 4.99999952f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_string("tanh"), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::gelu.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "gelu.out tanh");
}

/* hardtanh.out -1,1 */
static void case_22(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-1.0f, -1.0f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_int(-1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::hardtanh.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "hardtanh.out -1,1");
}

/* hardtanh.out 0,6 (relu6) */
static void case_23(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 6.0f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.0), th_double(6.0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::hardtanh.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "hardtanh.out 0,6 (relu6)");
}

/* leaky_relu.out 0.1 */
static void case_24(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-0.400000006f, -0.25f, -0.100000001f, -0.0300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::leaky_relu.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "leaky_relu.out 0.1");
}

/* elu.out default */
static void case_25(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-0.981684387f, -0.917914987f, -0.63212055f, -0.259181798f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_int(1), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::elu.out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "elu.out default");
}

/* elu.out alpha .5 scale 2 input_scale 1.5 */
static void case_26(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-0.997521222f, -0.976482272f, -0.776869833f, -0.362371862f, 0.0f, 0.400000006f, 1.0f, 2.0f, 5.0f, 7.0f, 10.0f, 14.5f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.5), th_double(2.0), th_double(1.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::elu.out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "elu.out alpha .5 scale 2 input_scale 1.5");
}

/* clamp.out min/max */
static void case_27(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-1.5f, -1.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.0f, 2.0f, 2.0f, 2.0f};
    ember_value v[] = {th_tensor_value(&t0), th_double(-1.5), th_double(2.0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "clamp.out min/max");
}

/* clamp.out min only */
static void case_28(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.25), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "clamp.out min only");
}

/* clamp.out max only */
static void case_29(void)
{
    static float d0[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 2.5f, 3.5f, 5.0f, 7.25f};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-4.0f, -2.5f, -1.0f, -0.300000012f, 0.0f, 0.200000003f, 0.5f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_int(1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "clamp.out max only");
}

/* clamp.out NaN passes */
static void case_30(void)
{
    static float d0[] = {NAN, -3.0f, 3.0f};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {NAN, -1.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_double(-1.0), th_double(1.0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 3, 1e-05, "clamp.out NaN passes");
}

/* clamp.out int64 */
static void case_31(void)
{
    static int64_t d0[] = {INT64_C(-5), INT64_C(-4), INT64_C(-3), INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4), INT64_C(5)};
    static const int32_t s0[] = {11};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[11];
    static const int32_t so[] = {11};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(-2), INT64_C(-2), INT64_C(-2), INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(3), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_int(-2), th_int(3), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "clamp.out int64");
}

/* relu.out int64 */
static void case_32(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    static const int32_t s0[] = {7};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[7];
    static const int32_t so[] = {7};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(0), INT64_C(0), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::relu.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "relu.out int64");
}

/* neg.out int32 */
static void case_33(void)
{
    static int32_t d0[] = {-3, -2, -1, 0, 1, 2, 3};
    static const int32_t s0[] = {7};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I32, d0, 1, s0);
    static int32_t out[7];
    static const int32_t so[] = {7};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 1, so);
    static const int32_t want[] = {3, 2, 1, 0, -1, -2, -3};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::neg.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "neg.out int32");
}

/* abs.out int64 */
static void case_34(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    static const int32_t s0[] = {7};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[7];
    static const int32_t so[] = {7};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(3), INT64_C(2), INT64_C(1), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::abs.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "abs.out int64");
}

/* sign.out int64 */
static void case_35(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    static const int32_t s0[] = {7};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[7];
    static const int32_t so[] = {7};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(-1), INT64_C(-1), INT64_C(-1), INT64_C(0), INT64_C(1), INT64_C(1), INT64_C(1)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sign.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "sign.out int64");
}

/* exp.out int64 -> f32 */
static void case_36(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    static const int32_t s0[] = {7};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static float out[7];
    static const int32_t so[] = {7};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0497870669f, 0.135335281f, 0.36787945f, 1.0f, 2.71828175f, 7.38905621f, 20.085537f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::exp.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 7, 1e-05, "exp.out int64 -> f32");
}

/* sqrt.out f64 */
static void case_37(void)
{
    static double d0[] = {0.009999999776482582, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 9.0, 100.0};
    static const int32_t s0[] = {10};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F64, d0, 1, s0);
    static double out[10];
    static const int32_t so[] = {10};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 1, so);
    static const double want[] = {0.0999999988824129, 0.5, 0.7071067811865476, 1.0, 1.224744871391589, 1.4142135623730951, 1.7320508075688772, 2.0, 3.0, 10.0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sqrt.out", v, 3) == EMBER_OK);
    expect_close_f64(out, want, 10, 1e-05, "sqrt.out f64");
}

/* sigmoid.out f64 */
static void case_38(void)
{
    static double d0[] = {-4.0, -2.5, -1.0, -0.30000001192092896, 0.0, 0.20000000298023224, 0.5, 1.0, 2.5, 3.5, 5.0, 7.25};
    static const int32_t s0[] = {12};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F64, d0, 1, s0);
    static double out[12];
    static const int32_t so[] = {12};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 1, so);
    static const double want[] = {0.01798620996209156, 0.07585818002124355, 0.2689414213699951, 0.4255574802741708, 0.5, 0.5498339980501348, 0.6224593312018546, 0.7310585786300049, 0.9241418199787566, 0.9706877692486436, 0.9933071490757153, 0.9992903296008995};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sigmoid.out", v, 3) == EMBER_OK);
    expect_close_f64(out, want, 12, 1e-05, "sigmoid.out f64");
}

/* sigmoid.out f32 extremes */
static void case_39(void)
{
    static float d0[] = {-100.0f, -20.0f, 20.0f, 100.0f};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static float out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 2.06115369e-09f, 1.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sigmoid.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "sigmoid.out f32 extremes");
}

/* logical_not.out bool */
static void case_40(void)
{
    static uint8_t d0[] = {1, 0, 1};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::logical_not.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "logical_not.out bool");
}

/* logical_not.out f32 -> bool */
static void case_41(void)
{
    static float d0[] = {0.0f, 1.5f, -2.0f, 0.0f};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0, 0, 1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::logical_not.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "logical_not.out f32 -> bool");
}

/* bitwise_not.out bool */
static void case_42(void)
{
    static uint8_t d0[] = {1, 0, 1};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::bitwise_not.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "bitwise_not.out bool");
}

/* bitwise_not.out int64 */
static void case_43(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(-1), INT64_C(5), INT64_C(-6)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(-1), INT64_C(-2), INT64_C(0), INT64_C(-6), INT64_C(5)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::bitwise_not.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "bitwise_not.out int64");
}

/* isnan.out */
static void case_44(void)
{
    static float d0[] = {1.0f, NAN, INFINITY, 0.0f};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 1, s0);
    static uint8_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 1, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::isnan.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "isnan.out");
}

/* where.self_out (3,1) cond, (1,4) self, rank-0 other */
static void case_45(void)
{
    static uint8_t d0[] = {1, 0, 1};
    static const int32_t s0[] = {3, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 2, s0);
    static float d1[] = {0.661352158f, 0.266924113f, 0.0616772585f, 0.621317327f};
    static const int32_t s1[] = {1, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 2, s1);
    static float d2[] = {-1.0f};
    static const int32_t s2[] = {0};
    ember_tensor t2 = th_tensor(EMBER_DTYPE_F32, d2, 0, s2);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.661352158f, 0.266924113f, 0.0616772585f, 0.621317327f, -1.0f, -1.0f, -1.0f, -1.0f, 0.661352158f, 0.266924113f, 0.0616772585f, 0.621317327f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&t2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::where.self_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "where.self_out (3,1) cond, (1,4) self, rank-0 other");
}

/* where.self_out same shapes */
static void case_46(void)
{
    static uint8_t d0[] = {1, 0, 0, 1, 1};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static float d1[] = {-0.451905966f, -0.16613023f, -1.5227685f, 0.381683916f, -1.02760863f};
    static const int32_t s1[] = {5};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float d2[] = {-0.563052773f, -0.892290533f, -0.0582501777f, -0.195509583f, -0.965635955f};
    static const int32_t s2[] = {5};
    ember_tensor t2 = th_tensor(EMBER_DTYPE_F32, d2, 1, s2);
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-0.451905966f, -0.892290533f, -0.0582501777f, 0.381683916f, -1.02760863f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&t2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::where.self_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "where.self_out same shapes");
}

/* where.self_out int64 */
static void case_47(void)
{
    static uint8_t d0[] = {1, 0, 1};
    static const int32_t s0[] = {3, 1};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 2, s0);
    static int64_t d1[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    static const int32_t s1[] = {1, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static int64_t d2[] = {INT64_C(10), INT64_C(20), INT64_C(30)};
    static const int32_t s2[] = {3, 1};
    ember_tensor t2 = th_tensor(EMBER_DTYPE_I64, d2, 2, s2);
    static int64_t out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(20), INT64_C(20), INT64_C(20), INT64_C(20), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&t2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::where.self_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "where.self_out int64");
}

/* where.self_out bool values */
static void case_48(void)
{
    static uint8_t d0[] = {1, 0, 1};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t d1[] = {0, 0, 0};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static uint8_t d2[] = {1, 1, 1};
    static const int32_t s2[] = {3};
    ember_tensor t2 = th_tensor(EMBER_DTYPE_BOOL, d2, 1, s2);
    static uint8_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&t2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::where.self_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "where.self_out bool values");
}

/* where.self_out f32 self, f64 other -> f64 */
static void case_49(void)
{
    static uint8_t d0[] = {1, 0};
    static const int32_t s0[] = {2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static float d1[] = {1.5f, 2.5f};
    static const int32_t s1[] = {2};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static double d2[] = {3.25, 4.25};
    static const int32_t s2[] = {2};
    ember_tensor t2 = th_tensor(EMBER_DTYPE_F64, d2, 1, s2);
    static double out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 1, so);
    static const double want[] = {1.5, 4.25};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&t2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::where.self_out", v, 5) == EMBER_OK);
    expect_close_f64(out, want, 2, 1e-05, "where.self_out f32 self, f64 other -> f64");
}

/* masked_fill.Scalar_out f32 -inf */
static void case_50(void)
{
    static float d0[] = {0.422415316f, 0.267316997f, -0.421195149f, -0.510699987f, -1.57266521f, -0.123247758f, 3.5869894f, -1.83129013f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t d1[] = {0, 1, 0, 1, 1, 0, 0, 0};
    static const int32_t s1[] = {2, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 2, s1);
    static float out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.422415316f, -INFINITY, -0.421195149f, -INFINITY, -INFINITY, -0.123247758f, 3.5869894f, -1.83129013f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_double(-INFINITY), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::masked_fill.Scalar_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 8, 1e-05, "masked_fill.Scalar_out f32 -inf");
}

/* masked_fill.Scalar_out broadcast mask (4,) */
static void case_51(void)
{
    static float d0[] = {1.59870028f, -1.27700698f, 0.325501531f, -0.479144931f, 1.37900829f, 2.5285573f, 0.410741657f, -0.988007128f, -0.908073366f, 0.542273641f, 0.110254891f, -2.2590096f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t d1[] = {0, 1, 0, 1};
    static const int32_t s1[] = {4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 1, s1);
    static float out[12];
    static const int32_t so[] = {3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {1.59870028f, 0.5f, 0.325501531f, 0.5f, 1.37900829f, 0.5f, 0.410741657f, 0.5f, -0.908073366f, 0.5f, 0.110254891f, 0.5f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_double(0.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::masked_fill.Scalar_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 12, 1e-05, "masked_fill.Scalar_out broadcast mask (4,)");
}

/* masked_fill.Scalar_out int64 */
static void case_52(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4), INT64_C(5), INT64_C(6), INT64_C(7)};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static uint8_t d1[] = {0, 1, 0, 1, 1, 0, 0, 0};
    static const int32_t s1[] = {2, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 2, s1);
    static int64_t out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(7), INT64_C(2), INT64_C(7), INT64_C(7), INT64_C(5), INT64_C(6), INT64_C(7)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(7), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::masked_fill.Scalar_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "masked_fill.Scalar_out int64");
}

/* masked_fill.Scalar_out bool */
static void case_53(void)
{
    static uint8_t d0[] = {0, 1, 0, 1, 1, 0, 0, 0};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 2, s0);
    static uint8_t d1[] = {1, 0, 1, 0, 0, 1, 1, 1};
    static const int32_t s1[] = {2, 4};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_BOOL, d1, 2, s1);
    static uint8_t out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 1, 1, 1, 1, 1, 1, 1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_bool(true), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::masked_fill.Scalar_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "masked_fill.Scalar_out bool");
}

/* clamp.Tensor_out both broadcast */
static void case_54(void)
{
    static float d0[] = {1.21339917f, -0.276619315f, 1.6620326f, -0.495414913f, -1.60588193f, 0.473149359f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {-1.0f, 0.0f, -0.5f};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 1, s1);
    static float d2[] = {0.5f, 1.0f};
    static const int32_t s2[] = {2, 1};
    ember_tensor t2 = th_tensor(EMBER_DTYPE_F32, d2, 2, s2);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.5f, 0.0f, 0.5f, -0.495414913f, 0.0f, 0.473149359f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_tensor_value(&t2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.Tensor_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "clamp.Tensor_out both broadcast");
}

/* clamp.Tensor_out min only */
static void case_55(void)
{
    static float d0[] = {0.285692751f, 0.689814866f, -0.633054018f, 0.879475296f, -0.684178174f, 0.45329079f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float d1[] = {0.0f};
    static const int32_t s1[] = {0};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, d1, 0, s1);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.285692751f, 0.689814866f, 0.0f, 0.879475296f, 0.0f, 0.45329079f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.Tensor_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "clamp.Tensor_out min only");
}

/* clamp.Tensor_out int64 max only */
static void case_56(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4), INT64_C(5)};
    static const int32_t s0[] = {6};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t d1[] = {INT64_C(2), INT64_C(4), INT64_C(1), INT64_C(9), INT64_C(0), INT64_C(3)};
    static const int32_t s1[] = {6};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 1, s1);
    static int64_t out[6];
    static const int32_t so[] = {6};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(1), INT64_C(1), INT64_C(3), INT64_C(0), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_tensor_value(&t1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clamp.Tensor_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "clamp.Tensor_out int64 max only");
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
}

/* ---- hand-written cases ------------------------------------------------------------------ */

static void prepare_failures(void)
{
    float x[4] = {0}, o[4] = {0};
    const int32_t s4[] = {4}, s22[] = {2, 2};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s4);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 2, s22);
    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::relu.out", v, 3) == EMBER_SHAPE_MISMATCH); /* (4) vs (2,2) */

    ember_tensor to4 = th_tensor(EMBER_DTYPE_F32, o, 1, s4);
    ember_value g[] = {th_tensor_value(&tx), th_string("erf"), th_tensor_value(&to4),
                       th_tensor_value(&to4)};
    CHECK(th_run("aten::gelu.out", g, 4) == EMBER_INVALID_ARGUMENT);
    ember_value c[] = {th_tensor_value(&tx), th_null(), th_null(), th_tensor_value(&to4),
                       th_tensor_value(&to4)};
    CHECK(th_run("aten::clamp.out", c, 5) == EMBER_INVALID_ARGUMENT); /* neither bound */

    int64_t oi[4];
    ember_tensor toi = th_tensor(EMBER_DTYPE_I64, oi, 1, s4);
    ember_value e[] = {th_tensor_value(&tx), th_tensor_value(&toi), th_tensor_value(&toi)};
    CHECK(th_run("aten::exp.out", e, 3) == EMBER_DTYPE_MISMATCH); /* exp into int64 */
    ember_value bn[] = {th_tensor_value(&tx), th_tensor_value(&to4), th_tensor_value(&to4)};
    CHECK(th_run("aten::bitwise_not.out", bn, 3) == EMBER_DTYPE_MISMATCH);

    /* where: condition must be bool; masked_fill: mask must broadcast to self */
    ember_value w[] = {th_tensor_value(&tx), th_tensor_value(&tx), th_tensor_value(&tx),
                       th_tensor_value(&to4), th_tensor_value(&to4)};
    CHECK(th_run("aten::where.self_out", w, 5) == EMBER_DTYPE_MISMATCH);
    uint8_t m[3] = {0};
    const int32_t s3[] = {3};
    ember_tensor tm = th_tensor(EMBER_DTYPE_BOOL, m, 1, s3);
    ember_value mf[] = {th_tensor_value(&tx), th_tensor_value(&tm), th_double(1.0),
                        th_tensor_value(&to4), th_tensor_value(&to4)};
    CHECK(th_run("aten::masked_fill.Scalar_out", mf, 5) == EMBER_SHAPE_MISMATCH);
}

/* A long float32 row exercises the fast loops beyond the generated sizes. */
static void long_rows(void)
{
    enum { N = 1000 };
    static float x[N], o[N], want[N];
    for (int i = 0; i < N; i++) {
        x[i] = (float)(i - N / 2) * 0.013f;
        want[i] = x[i] / (1.0f + expf(-x[i]));
    }
    const int32_t s[] = {N};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 1, s);
    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::silu.out", v, 3) == EMBER_OK);
    expect_close_f32(o, want, N, 1e-6, "silu.out 1000");
}

int main(void)
{
    run_generated_cases();
    prepare_failures();
    long_rows();
    return check_report("test_ops_math_unary");
}
