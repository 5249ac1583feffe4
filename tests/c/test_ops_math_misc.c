/* test_ops_math_misc.c — creation (arange, full, zeros, ones, full_like, scalar_tensor),
 * copies (_to_copy, clone, the dim-order copies) and embedding, against torch eager.
 * Expected values were computed with torch (the aten out-variant op) and pasted in; the
 * dim-order cases are hand-computed (channels-last index arithmetic). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tests/c/kernel_harness.h"


/* arange.out 5 f32 */
static void case_0(void)
{
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f};
    ember_value v[] = {th_int(5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "arange.out 5 f32");
}

/* arange.out 7 int64 */
static void case_1(void)
{
    static int64_t out[7];
    static const int32_t so[] = {7};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4), INT64_C(5), INT64_C(6)};
    ember_value v[] = {th_int(7), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "arange.out 7 int64");
}

/* arange.out 2.5 f32 */
static void case_2(void)
{
    static float out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 1.0f, 2.0f};
    ember_value v[] = {th_double(2.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 3, 1e-05, "arange.out 2.5 f32");
}

/* arange.start_out 1..10 step 3 int64 */
static void case_3(void)
{
    static int64_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(4), INT64_C(7)};
    ember_value v[] = {th_int(1), th_int(10), th_int(3), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.start_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "arange.start_out 1..10 step 3 int64");
}

/* arange.start_out 0..1 step 0.1 f32 */
static void case_4(void)
{
    static float out[10];
    static const int32_t so[] = {10};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 0.100000001f, 0.200000003f, 0.300000012f, 0.400000006f, 0.5f, 0.600000024f, 0.699999988f, 0.800000012f, 0.899999976f};
    ember_value v[] = {th_double(0.0), th_double(1.0), th_double(0.1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.start_out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 10, 1e-05, "arange.start_out 0..1 step 0.1 f32");
}

/* arange.start_out 5..-3 step -2 int32 */
static void case_5(void)
{
    static int32_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 1, so);
    static const int32_t want[] = {5, 3, 1, -1};
    ember_value v[] = {th_int(5), th_int(-3), th_int(-2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.start_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "arange.start_out 5..-3 step -2 int32");
}

/* arange.start_out -1.5..2 step 0.5 f64 */
static void case_6(void)
{
    static double out[7];
    static const int32_t so[] = {7};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 1, so);
    static const double want[] = {-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5};
    ember_value v[] = {th_double(-1.5), th_double(2.0), th_double(0.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.start_out", v, 5) == EMBER_OK);
    expect_close_f64(out, want, 7, 1e-05, "arange.start_out -1.5..2 step 0.5 f64");
}

/* full.out f32 */
static void case_7(void)
{
    static const int64_t l0[] = {2, 3};
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f};
    ember_value v[] = {th_int_list(l0, 2), th_double(1.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::full.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "full.out f32");
}

/* full.out int64 */
static void case_8(void)
{
    static const int64_t l0[] = {4};
    static int64_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(7), INT64_C(7), INT64_C(7), INT64_C(7)};
    ember_value v[] = {th_int_list(l0, 1), th_int(7), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::full.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "full.out int64");
}

/* full.out bool */
static void case_9(void)
{
    static const int64_t l0[] = {3};
    static uint8_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 1, 1};
    ember_value v[] = {th_int_list(l0, 1), th_bool(true), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::full.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "full.out bool");
}

/* full.out f32 -inf */
static void case_10(void)
{
    static const int64_t l0[] = {2, 2};
    static float out[4];
    static const int32_t so[] = {2, 2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    ember_value v[] = {th_int_list(l0, 2), th_double(-INFINITY), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::full.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "full.out f32 -inf");
}

/* zeros.out f32 */
static void case_11(void)
{
    static const int64_t l0[] = {2, 2};
    static float out[4];
    static const int32_t so[] = {2, 2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.0f, 0.0f, 0.0f, 0.0f};
    ember_value v[] = {th_int_list(l0, 2), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::zeros.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "zeros.out f32");
}

/* ones.out int32 */
static void case_12(void)
{
    static const int64_t l0[] = {3};
    static int32_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 1, so);
    static const int32_t want[] = {1, 1, 1};
    ember_value v[] = {th_int_list(l0, 1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::ones.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "ones.out int32");
}

/* full_like.out f32 */
static void case_13(void)
{
    static float d0[] = {0.803276062f, 0.174833387f, 0.0889780968f, -0.613718033f, 0.0461824499f, -1.36825919f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f};
    ember_value v[] = {th_tensor_value(&t0), th_double(0.25), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::full_like.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "full_like.out f32");
}

/* full_like.out int64 */
static void case_14(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3)};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(-3), INT64_C(-3), INT64_C(-3), INT64_C(-3)};
    ember_value v[] = {th_tensor_value(&t0), th_int(-3), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::full_like.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "full_like.out int64");
}

/* scalar_tensor.out f32 */
static void case_15(void)
{
    static float out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 0, so);
    static const float want[] = {3.5f};
    ember_value v[] = {th_double(3.5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::scalar_tensor.out", v, 3) == EMBER_OK);
    expect_close_f32(out, want, 1, 1e-05, "scalar_tensor.out f32");
}

/* scalar_tensor.out int64 */
static void case_16(void)
{
    static int64_t out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 0, so);
    static const int64_t want[] = {INT64_C(-9)};
    ember_value v[] = {th_int(-9), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::scalar_tensor.out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "scalar_tensor.out int64");
}

/* _to_copy.out f32 -> torch.float64 */
static void case_17(void)
{
    static float d0[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static double out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 2, so);
    static const double want[] = {-2.700000047683716, -1.5, -0.4000000059604645, 0.0, 0.6000000238418579, 1.5, 2.9000000953674316, 127.0};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_close_f64(out, want, 8, 1e-05, "_to_copy.out f32 -> torch.float64");
}

/* _to_copy.out f32 -> torch.int64 */
static void case_18(void)
{
    static float d0[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(-2), INT64_C(-1), INT64_C(0), INT64_C(0), INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(127)};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out f32 -> torch.int64");
}

/* _to_copy.out f32 -> torch.int32 */
static void case_19(void)
{
    static float d0[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int32_t out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 2, so);
    static const int32_t want[] = {-2, -1, 0, 0, 0, 1, 2, 127};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out f32 -> torch.int32");
}

/* _to_copy.out f32 -> torch.int16 */
static void case_20(void)
{
    static float d0[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int16_t out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I16, out, 2, so);
    static const int16_t want[] = {-2, -1, 0, 0, 0, 1, 2, 127};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out f32 -> torch.int16");
}

/* _to_copy.out f32 -> torch.int8 */
static void case_21(void)
{
    static float d0[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int8_t out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 2, so);
    static const int8_t want[] = {-2, -1, 0, 0, 0, 1, 2, 127};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out f32 -> torch.int8");
}

/* _to_copy.out f32 -> torch.bool */
static void case_22(void)
{
    static float d0[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {1, 1, 1, 0, 1, 1, 1, 1};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out f32 -> torch.bool");
}

/* _to_copy.out int64 -> torch.float32 */
static void case_23(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(0), INT64_C(1), INT64_C(255), INT64_C(100)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-3.0f, 0.0f, 1.0f, 255.0f, 100.0f};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "_to_copy.out int64 -> torch.float32");
}

/* _to_copy.out int64 -> torch.float64 */
static void case_24(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(0), INT64_C(1), INT64_C(255), INT64_C(100)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static double out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 1, so);
    static const double want[] = {-3.0, 0.0, 1.0, 255.0, 100.0};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_close_f64(out, want, 5, 1e-05, "_to_copy.out int64 -> torch.float64");
}

/* _to_copy.out int64 -> torch.int32 */
static void case_25(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(0), INT64_C(1), INT64_C(255), INT64_C(100)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int32_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, out, 1, so);
    static const int32_t want[] = {-3, 0, 1, 255, 100};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out int64 -> torch.int32");
}

/* _to_copy.out int64 -> torch.int8 */
static void case_26(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(0), INT64_C(1), INT64_C(255), INT64_C(100)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int8_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 1, so);
    static const int8_t want[] = {-3, 0, 1, -1, 100};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out int64 -> torch.int8");
}

/* _to_copy.out int64 -> torch.uint8 */
static void case_27(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(0), INT64_C(1), INT64_C(255), INT64_C(100)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_U8, out, 1, so);
    static const uint8_t want[] = {253, 0, 1, 255, 100};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out int64 -> torch.uint8");
}

/* _to_copy.out int64 -> torch.bool */
static void case_28(void)
{
    static int64_t d0[] = {INT64_C(-3), INT64_C(0), INT64_C(1), INT64_C(255), INT64_C(100)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static uint8_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0, 1, 1, 1};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out int64 -> torch.bool");
}

/* _to_copy.out bool -> f32 */
static void case_29(void)
{
    static uint8_t d0[] = {1, 0, 1};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static float out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {1.0f, 0.0f, 1.0f};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 3, 1e-05, "_to_copy.out bool -> f32");
}

/* _to_copy.out int32 -> int64 */
static void case_30(void)
{
    static int32_t d0[] = {-5, 2, 2147483647};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I32, d0, 1, s0);
    static int64_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(-5), INT64_C(2), INT64_C(2147483647)};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "_to_copy.out int32 -> int64");
}

/* _to_copy.out u8 -> f32 */
static void case_31(void)
{
    static uint8_t d0[] = {0, 200, 255};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_U8, d0, 1, s0);
    static float out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 200.0f, 255.0f};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 3, 1e-05, "_to_copy.out u8 -> f32");
}

/* _to_copy.out f32 -> f32 */
static void case_32(void)
{
    static float d0[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    static const int32_t s0[] = {2, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-2.70000005f, -1.5f, -0.400000006f, 0.0f, 0.600000024f, 1.5f, 2.9000001f, 127.0f};
    ember_value v[] = {th_tensor_value(&t0), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_to_copy.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 8, 1e-05, "_to_copy.out f32 -> f32");
}

/* clone.out f32 */
static void case_33(void)
{
    static float d0[] = {0.337495089f, 1.01111591f, -1.43517935f, 0.977431774f, 0.522049963f, 1.23791671f};
    static const int32_t s0[] = {3, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[6];
    static const int32_t so[] = {3, 2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.337495089f, 1.01111591f, -1.43517935f, 0.977431774f, 0.522049963f, 1.23791671f};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clone.out", v, 4) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "clone.out f32");
}

/* clone.out int64 */
static void case_34(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4)};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 1, s0);
    static int64_t out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4)};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::clone.out", v, 4) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "clone.out int64");
}

/* embedding.out int64 indices (2,3) */
static void case_35(void)
{
    static float d0[] = {-0.864635587f, 0.298960835f, 0.419218659f, -0.0798543245f, 0.926410854f, 0.815677524f, 0.495189011f, -0.164316982f, -0.677962184f, -1.05910742f, 0.747696638f, 0.23891741f, -0.392150223f, 0.151914895f, -1.18373322f};
    static const int32_t s0[] = {5, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t d1[] = {INT64_C(0), INT64_C(4), INT64_C(2), INT64_C(2), INT64_C(2), INT64_C(1)};
    static const int32_t s1[] = {2, 3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 2, s1);
    static float out[18];
    static const int32_t so[] = {2, 3, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-0.864635587f, 0.298960835f, 0.419218659f, -0.392150223f, 0.151914895f, -1.18373322f, 0.495189011f, -0.164316982f, -0.677962184f, 0.495189011f, -0.164316982f, -0.677962184f, 0.495189011f, -0.164316982f, -0.677962184f, -0.0798543245f, 0.926410854f, 0.815677524f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(-1), th_bool(false), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::embedding.out", v, 7) == EMBER_OK);
    expect_close_f32(out, want, 18, 1e-05, "embedding.out int64 indices (2,3)");
}

/* embedding.out int32 indices, padding_idx 0 */
static void case_36(void)
{
    static float d0[] = {-0.864635587f, 0.298960835f, 0.419218659f, -0.0798543245f, 0.926410854f, 0.815677524f, 0.495189011f, -0.164316982f, -0.677962184f, -1.05910742f, 0.747696638f, 0.23891741f, -0.392150223f, 0.151914895f, -1.18373322f};
    static const int32_t s0[] = {5, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int32_t d1[] = {3, 0, 1};
    static const int32_t s1[] = {3};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I32, d1, 1, s1);
    static float out[9];
    static const int32_t so[] = {3, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-1.05910742f, 0.747696638f, 0.23891741f, -0.864635587f, 0.298960835f, 0.419218659f, -0.0798543245f, 0.926410854f, 0.815677524f};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(0), th_bool(false), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::embedding.out", v, 7) == EMBER_OK);
    expect_close_f32(out, want, 9, 1e-05, "embedding.out int32 indices, padding_idx 0");
}

/* embedding.out int64 weight, rank-0 index */
static void case_37(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4), INT64_C(5), INT64_C(6), INT64_C(7), INT64_C(8), INT64_C(9), INT64_C(10), INT64_C(11)};
    static const int32_t s0[] = {4, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t d1[] = {INT64_C(2)};
    static const int32_t s1[] = {0};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I64, d1, 0, s1);
    static int64_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(6), INT64_C(7), INT64_C(8)};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&t1), th_int(-1), th_bool(false), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::embedding.out", v, 7) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "embedding.out int64 weight, rank-0 index");
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
}

/* ---- hand-written cases ------------------------------------------------------------------ */

/* Gives a 4-D tensor the channels-last dim order (0, 2, 3, 1) and its strides. */
static void make_channels_last(ember_tensor* t)
{
    const int32_t n = t->sizes[0], c = t->sizes[1], h = t->sizes[2], w = t->sizes[3];
    (void)n;
    t->dim_order[0] = 0;
    t->dim_order[1] = 2;
    t->dim_order[2] = 3;
    t->dim_order[3] = 1;
    t->strides[0] = h * w * c;
    t->strides[1] = 1;
    t->strides[2] = w * c;
    t->strides[3] = c;
}

/* NCHW (2,3,2,2) contiguous → channels-last and back, float and with a dtype change. */
static void dim_order_copies(void)
{
    enum { N = 2, C = 3, H = 2, W = 2, SZ = N * C * H * W };
    float x[SZ], cl[SZ], back[SZ], want_cl[SZ];
    int64_t cl_i[SZ];
    int64_t want_i[SZ];
    for (int i = 0; i < SZ; i++) x[i] = (float)i + 0.5f;
    /* channels-last memory: element (n,c,h,w) sits at ((n*H + h)*W + w)*C + c */
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            for (int h = 0; h < H; h++)
                for (int w = 0; w < W; w++) {
                    const int src = ((n * C + c) * H + h) * W + w;
                    const int dst = ((n * H + h) * W + w) * C + c;
                    want_cl[dst] = x[src];
                    want_i[dst] = src; /* (int64)(src + 0.5) truncates to src */
                }
    const int32_t s[] = {N, C, H, W};
    const int64_t order_cl[] = {0, 2, 3, 1}, order_c[] = {0, 1, 2, 3};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 4, s);
    ember_tensor tcl = th_tensor(EMBER_DTYPE_F32, cl, 4, s);
    make_channels_last(&tcl);
    ember_value v[] = {th_tensor_value(&tx), th_bool(false), th_int_list(order_cl, 4),
                       th_tensor_value(&tcl), th_tensor_value(&tcl)};
    CHECK(th_run("dim_order_ops::_to_dim_order_copy.out", v, 5) == EMBER_OK);
    expect_close_f32(cl, want_cl, SZ, 0, "_to_dim_order_copy contiguous -> channels-last");

    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, back, 4, s);
    ember_value v2[] = {th_tensor_value(&tcl), th_bool(false), th_int_list(order_c, 4),
                        th_tensor_value(&tb), th_tensor_value(&tb)};
    CHECK(th_run("dim_order_ops::_clone_dim_order.out", v2, 5) == EMBER_OK);
    expect_close_f32(back, x, SZ, 0, "_clone_dim_order channels-last -> contiguous");

    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, cl_i, 4, s);
    make_channels_last(&ti);
    ember_value v3[] = {th_tensor_value(&tx), th_bool(false), th_null(), th_tensor_value(&ti),
                        th_tensor_value(&ti)};
    CHECK(th_run("dim_order_ops::_to_dim_order_copy.out", v3, 5) == EMBER_OK);
    expect_bytes(cl_i, want_i, sizeof want_i, "_to_dim_order_copy f32 -> int64 channels-last");

    /* failures: dim_order argument disagrees with out; clone changing dtype; contiguous-only
     * ops given a channels-last tensor */
    ember_value f1[] = {th_tensor_value(&tx), th_bool(false), th_int_list(order_c, 4),
                        th_tensor_value(&tcl), th_tensor_value(&tcl)};
    CHECK(th_run("dim_order_ops::_to_dim_order_copy.out", f1, 5) == EMBER_INVALID_ARGUMENT);
    CHECK(th_run("dim_order_ops::_clone_dim_order.out", v3, 5) == EMBER_DTYPE_MISMATCH);
    ember_value f2[] = {th_tensor_value(&tx), th_bool(false), th_null(), th_tensor_value(&tcl),
                        th_tensor_value(&tcl)};
    CHECK(th_run("aten::_to_copy.out", f2, 5) == EMBER_NOT_SUPPORTED);
}

static void prepare_failures(void)
{
    float o[6];
    const int32_t s6[] = {6}, s23[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 1, s6);
    ember_value a[] = {th_int(5), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::arange.out", a, 3) == EMBER_SHAPE_MISMATCH); /* 5 elements, out 6 */
    ember_value a2[] = {th_int(0), th_int(6), th_int(0), th_tensor_value(&to),
                        th_tensor_value(&to)};
    CHECK(th_run("aten::arange.start_out", a2, 5) == EMBER_INVALID_ARGUMENT); /* step 0 */
    const int64_t size[] = {3, 2};
    ember_value f[] = {th_int_list(size, 2), th_double(1.0), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK(th_run("aten::full.out", f, 4) == EMBER_SHAPE_MISMATCH);

    /* embedding: float indices, wrong out shape, out-of-range index at run */
    float w[6] = {1, 2, 3, 4, 5, 6};
    const int32_t sw[] = {3, 2}, si[] = {2};
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, w, 2, sw);
    float fi[2] = {0, 1};
    ember_tensor tfi = th_tensor(EMBER_DTYPE_F32, fi, 1, si);
    ember_tensor to23 = th_tensor(EMBER_DTYPE_F32, o, 2, s23);
    ember_value e[] = {th_tensor_value(&tw), th_tensor_value(&tfi), th_int(-1), th_bool(false),
                       th_bool(false), th_tensor_value(&to23), th_tensor_value(&to23)};
    CHECK(th_run("aten::embedding.out", e, 7) == EMBER_DTYPE_MISMATCH);
    int64_t idx[2] = {0, 3};
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, idx, 1, si);
    e[1] = th_tensor_value(&ti);
    CHECK(th_run("aten::embedding.out", e, 7) == EMBER_SHAPE_MISMATCH); /* want (2,2) */
    const int32_t s22[] = {2, 2};
    ember_tensor to22 = th_tensor(EMBER_DTYPE_F32, o, 2, s22);
    e[5] = e[6] = th_tensor_value(&to22);
    CHECK_STATUS(th_run("aten::embedding.out", e, 7), EMBER_OUT_OF_RANGE,
                 "index 3 is out of range for dimension 0 of size 3"); /* 3 rows */
    idx[1] = -1; /* no wrap-around */
    CHECK_STATUS(th_run("aten::embedding.out", e, 7), EMBER_OUT_OF_RANGE,
                 "index -1 is out of range for dimension 0 of size 3");
    idx[1] = 2;
    CHECK(th_run("aten::embedding.out", e, 7) == EMBER_OK);
    const float want[4] = {1, 2, 5, 6};
    expect_close_f32(o, want, 4, 0, "embedding after fixing the index");

    /* clone.out may not change dtype */
    int64_t oi[6];
    ember_tensor toi = th_tensor(EMBER_DTYPE_I64, oi, 1, s6);
    ember_value c[] = {th_tensor_value(&to), th_null(), th_tensor_value(&toi),
                       th_tensor_value(&toi)};
    CHECK(th_run("aten::clone.out", c, 4) == EMBER_DTYPE_MISMATCH);
}

int main(void)
{
    run_generated_cases();
    dim_order_copies();
    prepare_failures();
    return check_report("test_ops_math_misc");
}
