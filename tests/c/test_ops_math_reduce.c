/* test_ops_math_reduce.c — reductions, cumsum and softmax kernels against torch eager.
 * Expected values were computed with torch (the aten out-variant op) and pasted in; float32
 * results must match within 1e-5 relative, integer/bool results exactly. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tests/c/kernel_harness.h"


/* sum.IntList_out last dim */
static void case_0(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {-1};
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-5.07600021f, -2.45599985f, -2.70599985f, -1.097f, -2.91599965f, 1.68900013f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "sum.IntList_out last dim");
}

/* sum.IntList_out dims (0,2) keepdim */
static void case_1(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {0, 2};
    static float out[3];
    static const int32_t so[] = {1, 3, 1};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-6.17300034f, -5.37199974f, -1.01699972f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 2), th_bool(true), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 3, 1e-05, "sum.IntList_out dims (0,2) keepdim");
}

/* sum.IntList_out dim 1 */
static void case_2(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {1};
    static float out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-6.1420002f, 5.51500034f, -6.97000027f, -2.64100003f, -3.11500001f, -1.59499979f, -0.426999986f, 2.8130002f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 8, 1e-05, "sum.IntList_out dim 1");
}

/* sum.IntList_out None = all */
static void case_3(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 0, so);
    static const float want[] = {-12.5619984f};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 1, 1e-05, "sum.IntList_out None = all");
}

/* sum.IntList_out [] = all keepdim */
static void case_4(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {0};
    static float out[1];
    static const int32_t so[] = {1, 1, 1};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-12.5619984f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 0), th_bool(true), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 1, 1e-05, "sum.IntList_out [] = all keepdim");
}

/* sum.IntList_out int64 */
static void case_5(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4), INT64_C(5), INT64_C(6), INT64_C(7), INT64_C(8), INT64_C(9), INT64_C(10), INT64_C(11)};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static const int64_t l1[] = {0};
    static int64_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(12), INT64_C(15), INT64_C(18), INT64_C(21)};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "sum.IntList_out int64");
}

/* sum.IntList_out bool -> int64 */
static void case_6(void)
{
    static uint8_t d0[] = {1, 0, 1, 1};
    static const int32_t s0[] = {2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 2, s0);
    static const int64_t l1[] = {1};
    static int64_t out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(2)};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "sum.IntList_out bool -> int64");
}

/* sum.IntList_out f32 dtype=f64 */
static void case_7(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {2};
    static double out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 2, so);
    static const double want[] = {-5.076000213623047, -2.455999940633774, -2.705999955534935, -1.097000002861023, -2.915999859571457, 1.689000129699707};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_int(7), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    expect_close_f64(out, want, 6, 1e-05, "sum.IntList_out f32 dtype=f64");
}

/* mean.out last dim keepdim */
static void case_8(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {-1};
    static float out[6];
    static const int32_t so[] = {2, 3, 1};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-1.26900005f, -0.613999963f, -0.676499963f, -0.274250001f, -0.728999913f, 0.422250032f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(true), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mean.out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "mean.out last dim keepdim");
}

/* mean.out dims (0,1) */
static void case_9(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {0, 1};
    static float out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-1.54283333f, 0.653333366f, -1.23283327f, 0.0286666751f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 2), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mean.out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "mean.out dims (0,1)");
}

/* mean.out all */
static void case_10(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 0, so);
    static const float want[] = {-0.523416579f};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mean.out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 1, 1e-05, "mean.out all");
}

/* amax.out dim 1 */
static void case_11(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {1};
    static float out[8];
    static const int32_t so[] = {2, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-1.62199998f, 2.33500004f, -2.11500001f, -0.184f, -0.263999999f, 1.44000006f, 0.393000007f, 1.398f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::amax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 8, 1e-05, "amax.out dim 1");
}

/* amax.out all keepdim */
static void case_12(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {0};
    static float out[1];
    static const int32_t so[] = {1, 1, 1};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {2.33500004f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 0), th_bool(true), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::amax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 1, 1e-05, "amax.out all keepdim");
}

/* amin.out dims (1,2) */
static void case_13(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {1, 2};
    static float out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {-2.60800004f, -2.4849999f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 2), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::amin.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 2, 1e-05, "amin.out dims (1,2)");
}

/* amax.out NaN propagates */
static void case_14(void)
{
    static float d0[] = {1.0f, NAN, 3.0f, 4.0f, 5.0f, 6.0f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static const int64_t l1[] = {1};
    static float out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {NAN, 6.0f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::amax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 2, 1e-05, "amax.out NaN propagates");
}

/* amin.out int64 */
static void case_15(void)
{
    static int64_t d0[] = {INT64_C(3), INT64_C(-1), INT64_C(2), INT64_C(0), INT64_C(7), INT64_C(-5)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static const int64_t l1[] = {0};
    static int64_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(-1), INT64_C(-5)};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::amin.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "amin.out int64");
}

/* argmax.out dim 1 (ties -> first) */
static void case_16(void)
{
    static float d0[] = {1.0f, 5.0f, 5.0f, -2.0f, 3.0f, -7.0f, 0.0f, -7.0f, 2.0f, 2.0f, 9.0f, 1.0f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(0), INT64_C(2)};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::argmax.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "argmax.out dim 1 (ties -> first)");
}

/* argmax.out dim 0 keepdim */
static void case_17(void)
{
    static float d0[] = {1.0f, 5.0f, 5.0f, -2.0f, 3.0f, -7.0f, 0.0f, -7.0f, 2.0f, 2.0f, 9.0f, 1.0f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t out[4];
    static const int32_t so[] = {1, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(0), INT64_C(2), INT64_C(2)};
    ember_value v[] = {th_tensor_value(&t0), th_int(0), th_bool(true), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::argmax.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "argmax.out dim 0 keepdim");
}

/* argmax.out None (flattened) */
static void case_18(void)
{
    static float d0[] = {1.0f, 5.0f, 5.0f, -2.0f, 3.0f, -7.0f, 0.0f, -7.0f, 2.0f, 2.0f, 9.0f, 1.0f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 0, so);
    static const int64_t want[] = {INT64_C(10)};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::argmax.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "argmax.out None (flattened)");
}

/* argmin.out dim -1 */
static void case_19(void)
{
    static float d0[] = {1.0f, 5.0f, 5.0f, -2.0f, 3.0f, -7.0f, 0.0f, -7.0f, 2.0f, 2.0f, 9.0f, 1.0f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t out[3];
    static const int32_t so[] = {3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(3), INT64_C(1), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_int(-1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::argmin.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "argmin.out dim -1");
}

/* argmin.out None */
static void case_20(void)
{
    static float d0[] = {1.0f, 5.0f, 5.0f, -2.0f, 3.0f, -7.0f, 0.0f, -7.0f, 2.0f, 2.0f, 9.0f, 1.0f};
    static const int32_t s0[] = {3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 0, so);
    static const int64_t want[] = {INT64_C(5)};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::argmin.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "argmin.out None");
}

/* argmax.out int64 dim 0 */
static void case_21(void)
{
    static int64_t d0[] = {INT64_C(3), INT64_C(-1), INT64_C(5), INT64_C(2), INT64_C(5), INT64_C(9)};
    static const int32_t s0[] = {3, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(2)};
    ember_value v[] = {th_tensor_value(&t0), th_int(0), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::argmax.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "argmax.out int64 dim 0");
}

/* argmax.out NaN is max */
static void case_22(void)
{
    static float d0[] = {1.0f, NAN, 3.0f};
    static const int32_t s0[] = {1, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static int64_t out[1];
    static const int32_t so[] = {1};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1)};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::argmax.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "argmax.out NaN is max");
}

/* any.out dim 2 */
static void case_23(void)
{
    static uint8_t d0[] = {0, 0, 1, 0, 0, 0, 0, 0};
    static const int32_t s0[] = {2, 2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 3, s0);
    static uint8_t out[4];
    static const int32_t so[] = {2, 2};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 2, so);
    static const uint8_t want[] = {0, 1, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(2), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.out dim 2");
}

/* any.out dim 0 keepdim */
static void case_24(void)
{
    static uint8_t d0[] = {0, 0, 1, 0, 0, 0, 0, 0};
    static const int32_t s0[] = {2, 2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 3, s0);
    static uint8_t out[4];
    static const int32_t so[] = {1, 2, 2};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 3, so);
    static const uint8_t want[] = {0, 0, 1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(0), th_bool(true), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.out dim 0 keepdim");
}

/* any.dims_out (1,2) */
static void case_25(void)
{
    static uint8_t d0[] = {0, 0, 1, 0, 0, 0, 0, 0};
    static const int32_t s0[] = {2, 2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 3, s0);
    static const int64_t l1[] = {1, 2};
    static uint8_t out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 2), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.dims_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.dims_out (1,2)");
}

/* any.dims_out None */
static void case_26(void)
{
    static uint8_t d0[] = {0, 0, 1, 0, 0, 0, 0, 0};
    static const int32_t s0[] = {2, 2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 3, s0);
    static uint8_t out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 0, so);
    static const uint8_t want[] = {1};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.dims_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.dims_out None");
}

/* any.dims_out [] reduces nothing */
static void case_27(void)
{
    static uint8_t d0[] = {0, 0, 1, 0, 0, 0, 0, 0};
    static const int32_t s0[] = {2, 2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 3, s0);
    static const int64_t l1[] = {0};
    static uint8_t out[8];
    static const int32_t so[] = {2, 2, 2};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 3, so);
    static const uint8_t want[] = {0, 0, 1, 0, 0, 0, 0, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 0), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.dims_out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.dims_out [] reduces nothing");
}

/* any.all_out */
static void case_28(void)
{
    static uint8_t d0[] = {0, 0, 1, 0, 0, 0, 0, 0};
    static const int32_t s0[] = {2, 2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 3, s0);
    static uint8_t out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 0, so);
    static const uint8_t want[] = {1};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.all_out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.all_out");
}

/* any.all_out all false */
static void case_29(void)
{
    static uint8_t d0[] = {0, 0, 0};
    static const int32_t s0[] = {3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static uint8_t out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 0, so);
    static const uint8_t want[] = {0};
    ember_value v[] = {th_tensor_value(&t0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.all_out", v, 3) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.all_out all false");
}

/* any.out f32 input */
static void case_30(void)
{
    static float d0[] = {0.0f, 0.5f, 0.0f, 0.0f};
    static const int32_t s0[] = {2, 2};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static uint8_t out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, out, 1, so);
    static const uint8_t want[] = {1, 0};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::any.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "any.out f32 input");
}

/* prod.int_out dim 1 */
static void case_31(void)
{
    static float d0[] = {-0.118000001f, -3.13100004f, 0.851999998f, -2.96399999f, -0.953000009f, 0.495999992f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[2];
    static const int32_t so[] = {2};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.314778239f, 1.40104723f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::prod.int_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 2, 1e-05, "prod.int_out dim 1");
}

/* var.correction_out dim -1 default (unbiased) */
static void case_32(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {-1};
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {4.32626486f, 4.8059845f, 2.56584954f, 0.109070919f, 2.77126861f, 1.63507891f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_null(), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::var.correction_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "var.correction_out dim -1 default (unbiased)");
}

/* var.correction_out correction 0 keepdim */
static void case_33(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static const int64_t l1[] = {-1};
    static float out[6];
    static const int32_t so[] = {2, 3, 1};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {3.24469852f, 3.60448861f, 1.92438722f, 0.0818031877f, 2.0784514f, 1.22630918f};
    ember_value v[] = {th_tensor_value(&t0), th_int_list(l1, 1), th_int(0), th_bool(true), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::var.correction_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "var.correction_out correction 0 keepdim");
}

/* var.correction_out all */
static void case_34(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[1];
    static const int32_t so[] = {0};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 0, so);
    static const float want[] = {2.39066195f};
    ember_value v[] = {th_tensor_value(&t0), th_null(), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::var.correction_out", v, 6) == EMBER_OK);
    expect_close_f32(out, want, 1, 1e-05, "var.correction_out all");
}

/* cumsum.out dim 1 */
static void case_35(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -4.51999998f, 4.16800022f, -4.72300005f, -2.45700002f, -6.1420002f, 5.51499987f, -6.97000027f, -2.64100003f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.74300003f, -3.03499985f, -0.819999993f, 1.58500004f, -3.11500001f, -1.59499979f, -0.426999986f, 2.81299996f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::cumsum.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "cumsum.out dim 1");
}

/* cumsum.out dim -1 */
static void case_36(void)
{
    static float d0[] = {-2.08200002f, 1.83299994f, -2.60800004f, -2.2190001f, -2.43799996f, 2.33500004f, -2.11500001f, -0.238000005f, -1.62199998f, 1.347f, -2.24699998f, -0.184f, -0.263999999f, -0.550000012f, -0.469999999f, 0.187000006f, -1.47899997f, -2.4849999f, -0.349999994f, 1.398f, -1.37199998f, 1.44000006f, 0.393000007f, 1.22800004f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-2.08200002f, -0.249000072f, -2.85700011f, -5.07600021f, -2.43799996f, -0.102999926f, -2.21799994f, -2.45599985f, -1.62199998f, -0.274999976f, -2.52199984f, -2.70599985f, -0.263999999f, -0.81400001f, -1.28400004f, -1.097f, -1.47899997f, -3.96399975f, -4.31399965f, -2.91599989f, -1.37199998f, 0.0680000782f, 0.461000085f, 1.68900013f};
    ember_value v[] = {th_tensor_value(&t0), th_int(-1), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::cumsum.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "cumsum.out dim -1");
}

/* cumsum.out int64 */
static void case_37(void)
{
    static int64_t d0[] = {INT64_C(0), INT64_C(1), INT64_C(2), INT64_C(3), INT64_C(4), INT64_C(5)};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, d0, 2, s0);
    static int64_t out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 2, so);
    static const int64_t want[] = {INT64_C(0), INT64_C(1), INT64_C(3), INT64_C(3), INT64_C(7), INT64_C(12)};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::cumsum.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "cumsum.out int64");
}

/* cumsum.out bool -> int64 dtype */
static void case_38(void)
{
    static uint8_t d0[] = {1, 0, 1, 1};
    static const int32_t s0[] = {4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_BOOL, d0, 1, s0);
    static int64_t out[4];
    static const int32_t so[] = {4};
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, out, 1, so);
    static const int64_t want[] = {INT64_C(1), INT64_C(1), INT64_C(2), INT64_C(3)};
    ember_value v[] = {th_tensor_value(&t0), th_int(0), th_int(4), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::cumsum.out", v, 5) == EMBER_OK);
    expect_bytes(out, want, sizeof want * 1, "cumsum.out bool -> int64 dtype");
}

/* cumsum.out int32 -> f32 dtype */
static void case_39(void)
{
    static int32_t d0[] = {0, 1, 2, 3, 4};
    static const int32_t s0[] = {5};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I32, d0, 1, s0);
    static float out[5];
    static const int32_t so[] = {5};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 1, so);
    static const float want[] = {0.0f, 1.0f, 3.0f, 6.0f, 10.0f};
    ember_value v[] = {th_tensor_value(&t0), th_int(0), th_int(6), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::cumsum.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 5, 1e-05, "cumsum.out int32 -> f32 dtype");
}

/* _softmax.out last dim */
static void case_40(void)
{
    static float d0[] = {0.26700002f, 9.51300049f, -3.546f, 6.78600025f, 5.6789999f, -10.6019993f, -3.85200024f, 15.1019993f, -1.55100012f, -0.252000004f, -5.7329998f, -0.806999981f, 5.11500025f, 0.578999996f, -0.375f, 4.96199989f, -7.40399981f, 1.52400005f, 1.74000001f, -3.73800015f, 12.6660004f, 6.42000008f, 0.116999999f, 6.72900009f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {9.05636625e-05f, 0.938514292f, 1.99981241e-06f, 0.0613931231f, 8.08366458e-05f, 6.86847237e-12f, 5.86607918e-09f, 0.999919176f, 0.147378847f, 0.540236294f, 0.0022501722f, 0.310134679f, 0.533910394f, 0.00572148152f, 0.0022038985f, 0.458164185f, 5.90374875e-05f, 0.44515276f, 0.552480102f, 0.002308083f, 0.995439231f, 0.00192935125f, 3.53226255e-06f, 0.00262789661f};
    ember_value v[] = {th_tensor_value(&t0), th_int(-1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "_softmax.out last dim");
}

/* _softmax.out dim 1 (strided) */
static void case_41(void)
{
    static float d0[] = {0.26700002f, 9.51300049f, -3.546f, 6.78600025f, 5.6789999f, -10.6019993f, -3.85200024f, 15.1019993f, -1.55100012f, -0.252000004f, -5.7329998f, -0.806999981f, 5.11500025f, 0.578999996f, -0.375f, 4.96199989f, -7.40399981f, 1.52400005f, 1.74000001f, -3.73800015f, 12.6660004f, 6.42000008f, 0.116999999f, 6.72900009f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {0.00443967758f, 0.999942541f, 0.540938377f, 0.000244512601f, 0.994839489f, 1.83713744e-09f, 0.398339659f, 0.999755323f, 0.000720781914f, 5.74234509e-05f, 0.0607219674f, 1.23226201e-07f, 0.000525308133f, 0.00287607452f, 0.091531761f, 0.14591223f, 1.92079774e-09f, 0.00739960419f, 0.758760393f, 2.43069135e-05f, 0.999474704f, 0.989724278f, 0.149707884f, 0.854063451f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "_softmax.out dim 1 (strided)");
}

/* _softmax.out dim 0 */
static void case_42(void)
{
    static float d0[] = {0.26700002f, 9.51300049f, -3.546f, 6.78600025f, 5.6789999f, -10.6019993f, -3.85200024f, 15.1019993f, -1.55100012f, -0.252000004f, -5.7329998f, -0.806999981f, 5.11500025f, 0.578999996f, -0.375f, 4.96199989f, -7.40399981f, 1.52400005f, 1.74000001f, -3.73800015f, 12.6660004f, 6.42000008f, 0.116999999f, 6.72900009f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {0.00778299896f, 0.999868155f, 0.0402717441f, 0.86104548f, 0.999997973f, 5.41680265e-06f, 0.00371372211f, 1.0f, 6.69321309e-07f, 0.00126426423f, 0.00287162955f, 0.000533242826f, 0.992216945f, 0.000131812267f, 0.959728181f, 0.138954565f, 2.08029201e-06f, 0.999994636f, 0.996286273f, 6.57494148e-09f, 0.999999285f, 0.998735726f, 0.997128427f, 0.999466717f};
    ember_value v[] = {th_tensor_value(&t0), th_int(0), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "_softmax.out dim 0");
}

/* _softmax.out large values stable */
static void case_43(void)
{
    static float d0[] = {1000.0f, 1001.0f, 999.0f, -1000.0f, -1000.0f, -1001.0f};
    static const int32_t s0[] = {2, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[6];
    static const int32_t so[] = {2, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.244728476f, 0.665240943f, 0.0900305733f, 0.422318816f, 0.422318816f, 0.155362412f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 6, 1e-05, "_softmax.out large values stable");
}

/* _softmax.out with -inf */
static void case_44(void)
{
    static float d0[] = {0.0f, -INFINITY, 1.0f, -INFINITY};
    static const int32_t s0[] = {1, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[4];
    static const int32_t so[] = {1, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {0.268941432f, 0.0f, 0.731058598f, 0.0f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 4, 1e-05, "_softmax.out with -inf");
}

/* _log_softmax.out last dim */
static void case_45(void)
{
    static float d0[] = {0.26700002f, 9.51300049f, -3.546f, 6.78600025f, 5.6789999f, -10.6019993f, -3.85200024f, 15.1019993f, -1.55100012f, -0.252000004f, -5.7329998f, -0.806999981f, 5.11500025f, 0.578999996f, -0.375f, 4.96199989f, -7.40399981f, 1.52400005f, 1.74000001f, -3.73800015f, 12.6660004f, 6.42000008f, 0.116999999f, 6.72900009f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-9.30945778f, -0.0634571686f, -13.1224575f, -2.79045749f, -9.42308044f, -25.7040787f, -18.9540787f, -8.08206314e-05f, -1.91474867f, -0.615748584f, -6.09674835f, -1.17074847f, -0.627527237f, -5.16352749f, -6.11752748f, -0.780527592f, -9.73733807f, -0.809337795f, -0.593337834f, -6.07133818f, -0.00457122596f, -6.25057173f, -12.5535717f, -5.94157171f};
    ember_value v[] = {th_tensor_value(&t0), th_int(-1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_log_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "_log_softmax.out last dim");
}

/* _log_softmax.out dim 1 */
static void case_46(void)
{
    static float d0[] = {0.26700002f, 9.51300049f, -3.546f, 6.78600025f, 5.6789999f, -10.6019993f, -3.85200024f, 15.1019993f, -1.55100012f, -0.252000004f, -5.7329998f, -0.806999981f, 5.11500025f, 0.578999996f, -0.375f, 4.96199989f, -7.40399981f, 1.52400005f, 1.74000001f, -3.73800015f, 12.6660004f, 6.42000008f, 0.116999999f, 6.72900009f};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 3, s0);
    static float out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 3, so);
    static const float want[] = {-5.41717339f, -5.74572259e-05f, -0.614449978f, -8.31624413f, -0.00517386524f, -20.115057f, -0.920450211f, -0.000244706724f, -7.2351737f, -9.76505756f, -2.80144978f, -15.9092445f, -7.55152559f, -5.85132885f, -2.39106941f, -1.92474997f, -20.0705242f, -4.90632868f, -0.276069283f, -10.6247501f, -0.000525455689f, -0.010328887f, -1.89906931f, -0.157749772f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_log_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 24, 1e-05, "_log_softmax.out dim 1");
}

/* _log_softmax.out large values */
static void case_47(void)
{
    static float d0[] = {1000.0f, 1001.0f, 999.0f};
    static const int32_t s0[] = {1, 3};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F32, d0, 2, s0);
    static float out[3];
    static const int32_t so[] = {1, 3};
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, so);
    static const float want[] = {-1.40760589f, -0.407605946f, -2.40760589f};
    ember_value v[] = {th_tensor_value(&t0), th_int(1), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_log_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(out, want, 3, 1e-05, "_log_softmax.out large values");
}

/* _softmax.out f64 */
static void case_48(void)
{
    static double d0[] = {0.2670000195503235, 9.51300048828125, -3.5460000038146973, 6.7860002517700195, 5.678999900817871, -10.601999282836914, -3.8520002365112305, 15.101999282836914, -1.5510001182556152, -0.25200000405311584, -5.732999801635742, -0.8069999814033508, 5.115000247955322, 0.5789999961853027, -0.375, 4.961999893188477, -7.4039998054504395, 1.5240000486373901, 1.7400000095367432, -3.7380001544952393, 12.666000366210938, 6.420000076293945, 0.11699999868869781, 6.729000091552734};
    static const int32_t s0[] = {2, 3, 4};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_F64, d0, 3, s0);
    static double out[24];
    static const int32_t so[] = {2, 3, 4};
    ember_tensor to = th_tensor(EMBER_DTYPE_F64, out, 3, so);
    static const double want[] = {9.056364968073927e-05, 0.9385143109295372, 1.9998114308156348e-06, 0.0613931256093512, 8.083664016773148e-05, 6.868472269796058e-12, 5.8660733328610655e-09, 0.9999191574868903, 0.14737885445841067, 0.5402362947968405, 0.002250172385864609, 0.31013467835888414, 0.5339103997793102, 0.005721481540529266, 0.0022038983868350142, 0.45816422029332543, 5.9037505047250404e-05, 0.44515275628853596, 0.5524801232460775, 0.002308082960339247, 0.9954392198442734, 0.0019293511927133183, 3.532263834203086e-06, 0.002627896699179228};
    ember_value v[] = {th_tensor_value(&t0), th_int(2), th_bool(false), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    expect_close_f64(out, want, 24, 1e-05, "_softmax.out f64");
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
}

/* ---- hand-written cases ------------------------------------------------------------------ */

static void prepare_failures(void)
{
    float x[24] = {0}, o[24] = {0};
    const int32_t s234[] = {2, 3, 4}, s23[] = {2, 3}, s24[] = {2, 4};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 3, s234);
    ember_tensor t23 = th_tensor(EMBER_DTYPE_F32, o, 2, s23);
    ember_tensor t24 = th_tensor(EMBER_DTYPE_F32, o, 2, s24);
    const int64_t last[] = {2}, dup[] = {1, -2}, bad[] = {3};
    ember_value v[] = {th_tensor_value(&tx), th_int_list(last, 1), th_bool(false), th_null(),
                       th_tensor_value(&t24), th_tensor_value(&t24)};
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_SHAPE_MISMATCH); /* want (2,3) */
    v[4] = v[5] = th_tensor_value(&t23);
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_OK);
    v[1] = th_int_list(dup, 2);
    CHECK(th_run("aten::sum.IntList_out", v, 6) == EMBER_INVALID_ARGUMENT); /* repeated dim */
    v[1] = th_int_list(bad, 1);
    CHECK(th_run("aten::mean.out", v, 6) == EMBER_INVALID_ARGUMENT); /* out of range */
    v[1] = th_double(1.0);
    CHECK(th_run("aten::mean.out", v, 6) == EMBER_INVALID_ARGUMENT); /* not a list */

    int64_t oi[6];
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, oi, 2, s23);
    ember_value m[] = {th_tensor_value(&tx), th_int_list(last, 1), th_bool(false), th_null(),
                       th_tensor_value(&ti), th_tensor_value(&ti)};
    CHECK(th_run("aten::mean.out", m, 6) == EMBER_DTYPE_MISMATCH); /* mean into int64 */
    ember_value a[] = {th_tensor_value(&tx), th_int(2), th_bool(false), th_tensor_value(&t23),
                       th_tensor_value(&t23)};
    CHECK(th_run("aten::argmax.out", a, 5) == EMBER_DTYPE_MISMATCH); /* argmax into f32 */

    /* softmax: int input, bad dim, shape */
    int64_t xi[24] = {0};
    ember_tensor txi = th_tensor(EMBER_DTYPE_I64, xi, 3, s234);
    ember_value s[] = {th_tensor_value(&txi), th_int(-1), th_bool(false), th_tensor_value(&txi),
                       th_tensor_value(&txi)};
    CHECK(th_run("aten::_softmax.out", s, 5) == EMBER_DTYPE_MISMATCH);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 3, s234);
    ember_value s2[] = {th_tensor_value(&tx), th_int(3), th_bool(false), th_tensor_value(&to),
                        th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", s2, 5) == EMBER_INVALID_ARGUMENT);
    ember_value s3[] = {th_tensor_value(&tx), th_int(1), th_bool(false), th_tensor_value(&t23),
                        th_tensor_value(&t23)};
    CHECK(th_run("aten::_log_softmax.out", s3, 5) == EMBER_SHAPE_MISMATCH);
}

/* A long softmax row and a long mean row against straightforward double loops. */
static void long_rows(void)
{
    enum { N = 4096 };
    static float x[N], o[N], want[N];
    double mx = -1e30, sum = 0.0, mean = 0.0;
    for (int i = 0; i < N; i++) {
        x[i] = (float)((i * 37) % 101) * 0.1f - 5.0f;
        mx = x[i] > mx ? x[i] : mx;
        mean += x[i];
    }
    mean /= N;
    for (int i = 0; i < N; i++) sum += exp(x[i] - mx);
    for (int i = 0; i < N; i++) want[i] = (float)(exp(x[i] - mx) / sum);
    const int32_t s[] = {1, N}, s1[] = {1, 1};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, s);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 2, s);
    ember_value v[] = {th_tensor_value(&tx), th_int(1), th_bool(false), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    expect_close_f32(o, want, N, 1e-5, "softmax 4096");

    float m = 0.0f;
    const float want_m = (float)mean;
    const int64_t dims[] = {-1};
    ember_tensor tm = th_tensor(EMBER_DTYPE_F32, &m, 2, s1);
    ember_value mv[] = {th_tensor_value(&tx), th_int_list(dims, 1), th_bool(true), th_null(),
                        th_tensor_value(&tm), th_tensor_value(&tm)};
    CHECK(th_run("aten::mean.out", mv, 6) == EMBER_OK);
    expect_close_f32(&m, &want_m, 1, 1e-5, "mean 4096");
}

/* Global average pooling and row sums: float32 sum / mean over the innermost dims of a
 * contiguous tensor (op_reduce.c's eight partial sums per row: rows of 49, ragged, shorter than
 * eight), and over a middle dim (the general fold), each against the in-order double sum
 * computed here. */
static void pooled_rows(void)
{
    enum { B = 2, C = 37, HW = 49, R = 5, N = 29, M = 50 };
    static float x[B * C * HW], o[B * C], want[B * C];
    for (int i = 0; i < B * C * HW; i++) x[i] = (float)((i * 53) % 199) * 0.01f - 1.0f;
    for (int r = 0; r < B * C; r++) {
        double a = 0.0;
        for (int i = 0; i < HW; i++) a += x[r * HW + i];
        want[r] = (float)(a / HW);
    }
    const int32_t sx[] = {B, C, 7, 7}, so[] = {B, C, 1, 1};
    const int64_t hw[] = {2, 3};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 4, sx);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 4, so);
    ember_value v[] = {th_tensor_value(&tx), th_int_list(hw, 2), th_bool(true), th_null(),
                       th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mean.out", v, 6) == EMBER_OK);
    expect_close_f32(o, want, B * C, 1e-6, "mean over 7x7 (global average pool)");

    for (int len = 1; len <= N; len += 7) { /* sum over the last dim: 1, 8, 15, 22, 29 */
        static float s[R];
        float ws[R];
        for (int r = 0; r < R; r++) {
            double a = 0.0;
            for (int i = 0; i < len; i++) a += x[r * len + i];
            ws[r] = (float)a;
        }
        const int32_t sr[] = {R, len}, sor[] = {R};
        const int64_t last[] = {-1};
        ember_tensor tr = th_tensor(EMBER_DTYPE_F32, x, 2, sr);
        ember_tensor tsr = th_tensor(EMBER_DTYPE_F32, s, 1, sor);
        ember_value w[] = {th_tensor_value(&tr), th_int_list(last, 1), th_bool(false), th_null(),
                           th_tensor_value(&tsr), th_tensor_value(&tsr)};
        CHECK(th_run("aten::sum.IntList_out", w, 6) == EMBER_OK);
        expect_close_f32(s, ws, R, 1e-6, "sum over the last dim");
    }

    static float mid[3 * 4], wm[3 * 4]; /* mean over dim 1 of (3, 50, 4): strided */
    for (int a = 0; a < 3; a++)
        for (int c = 0; c < 4; c++) {
            double t = 0.0;
            for (int b = 0; b < M; b++) t += x[(a * M + b) * 4 + c];
            wm[a * 4 + c] = (float)(t / M);
        }
    const int32_t s3[] = {3, M, 4}, s3o[] = {3, 4};
    const int64_t one[] = {1};
    ember_tensor t3 = th_tensor(EMBER_DTYPE_F32, x, 3, s3);
    ember_tensor t3o = th_tensor(EMBER_DTYPE_F32, mid, 2, s3o);
    ember_value u[] = {th_tensor_value(&t3), th_int_list(one, 1), th_bool(false), th_null(),
                       th_tensor_value(&t3o), th_tensor_value(&t3o)};
    CHECK(th_run("aten::mean.out", u, 6) == EMBER_OK);
    expect_close_f32(mid, wm, 12, 1e-6, "mean over a middle dim");
}

/* mean.dtype_out and sum.out reduce every element: hand-computed. */
static void full_reductions(void)
{
    static float x[6] = {1.0f, -2.0f, 3.5f, 0.5f, 4.0f, -1.0f};
    static const int32_t sx[] = {2, 3};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, sx);
    float got = 0;
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, &got, 0, sx);
    ember_value v[] = {th_tensor_value(&tx), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("aten::mean.dtype_out", v, 4) == EMBER_OK);
    CHECK(fabsf(got - 1.0f) < 1e-6f);
    CHECK(th_run("aten::sum.out", v, 4) == EMBER_OK);
    CHECK(fabsf(got - 6.0f) < 1e-6f);
    /* a wrong out rank is refused at prepare */
    float bad[2];
    static const int32_t sb[] = {2};
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, bad, 1, sb);
    ember_value w[] = {th_tensor_value(&tx), th_null(), th_tensor_value(&tb), th_tensor_value(&tb)};
    CHECK(th_run("aten::mean.dtype_out", w, 4) == EMBER_SHAPE_MISMATCH);
}

int main(void)
{
    full_reductions();
    run_generated_cases();
    prepare_failures();
    long_rows();
    pooled_rows();
    return check_report("test_ops_math_reduce");
}
