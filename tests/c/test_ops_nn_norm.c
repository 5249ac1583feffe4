/* test_ops_nn_norm.c — _native_batch_norm_legit_no_training.out, native_layer_norm.out and
 * native_group_norm.out (portable f32) against torch 2.13 eager; inputs rounded to two
 * decimals, values pasted below. Tolerance 1e-5 (1e-4 for rstd, which reaches ~5). */
#include "tests/c/kernel_harness.h"

/* batch norm: x (2, 3, 2, 2), eps 1e-5 */
static const float bn_x[24] = {
    -1.13f, -1.14999998f, -0.25f, -0.430000007f, 0.850000024f, 0.689999998f, -0.319999993f,
    -2.11999989f, 0.469999999f, -0.159999996f, 1.44000006f, 0.270000011f, 0.170000002f,
    0.870000005f, -0.140000001f, -0.109999999f, 0.930000007f, 1.25999999f, 2.0f, 0.0500000007f,
    0.620000005f, -0.409999996f, -0.839999974f, -2.31999993f,
};
static const float bn_w[3] = {
    0.370000005f, 1.46000004f, 0.939999998f,
};
static const float bn_b[3] = {
    0.769999981f, 0.189999998f, 1.25999999f,
};
static const float bn_m[3] = {
    -1.28999996f, -0.790000021f, -0.0199999996f,
};
static const float bn_v[3] = {
    1.22623658f, 1.2010802f, 0.703823745f,
};
static const float bn_y[24] = {
    0.8234604f, 0.816777885f, 1.11749303f, 1.05735004f, 2.37478614f, 2.16163611f, 0.816127777f,
    -1.58180797f, 1.80902076f, 1.1031369f, 2.89585805f, 1.58493066f, 1.25782681f, 1.49171638f,
    1.15424705f, 1.16427088f, 2.48136091f, 2.9209826f, 3.90680075f, 1.30903685f, 1.97708845f,
    0.823024154f, 0.341230363f, -1.31703663f,
};
static const float bn_invstd[3] = {
    0.903048575f, 0.912456512f, 1.19196892f,
};
/* batch norm without weight and bias, eps 1e-3 */
static const float bn2_y[24] = {
    0.144429415f, 0.12637575f, 0.938791513f, 0.776308358f, 1.49581242f, 1.3498795f, 0.428677976f,
    -1.21306717f, 0.583654463f, -0.166758418f, 1.73905218f, 0.345428169f, 1.3179189f,
    1.94979787f, 1.03808677f, 1.06516731f, 1.56877887f, 1.86976552f, 2.54470515f, 0.766147852f,
    0.762324214f, -0.464541316f, -0.976727903f, -2.73960257f,
};
/* layer norm over the last dim: x (2, 3, 4) -> mean, rstd (2, 3, 1) */
static const float ln_x[24] = {
    -0.589999974f, -0.569999993f, 0.920000017f, 1.11000001f, 1.28999996f, -1.48000002f,
    2.56999993f, -0.469999999f, 0.360000014f, -0.0f, -0.529999971f, 1.16999996f, 0.389999986f,
    1.94000006f, 0.790000021f, -0.0199999996f, 0.709999979f, -1.53999996f, -0.409999996f,
    0.970000029f, 1.62f, -0.370000005f, -1.29999995f, 0.100000001f,
};
static const float ln_w[4] = {
    -0.720000029f, 2.28999996f, -0.100000001f, 1.15999997f,
};
static const float ln_b[4] = {
    -0.689999998f, -0.99000001f, 1.00999999f, -0.439999998f,
};
static const float ln_y[24] = {
    0.0364216268f, -3.2432003f, 0.922227144f, 0.853540182f, -1.06434846f, -3.85851693f,
    0.876098454f, -1.14332712f, -0.818082273f, -1.91584706f, 1.13614166f, 1.28587592f,
    -0.310819685f, 2.65933681f, 1.00794816f, -1.70147204f, -1.25215793f, -4.37622833f,
    1.04439425f, 0.768569291f, -1.78600168f, -1.81945848f, 1.13428736f, -0.343884438f,
};
static const float ln_mean[6] = {
    0.217500031f, 0.477499962f, 0.249999985f, 0.774999976f, -0.0674999952f, 0.0125000123f,
};
static const float ln_rstd[6] = {
    1.24943519f, 0.63991189f, 1.61720014f, 1.36789429f, 1.00421214f, 0.946951509f,
};
/* layer norm over (3, 4), no affine -> mean, rstd (2, 1, 1) */
static const float ln2_y[24] = {
    -0.837250829f, -0.818748057f, 0.559709132f, 0.735485554f, 0.90201056f, -1.66062474f,
    2.08618855f, -0.726234138f, 0.0416312739f, -0.291418791f, -0.781742513f, 0.790993869f,
    0.148188815f, 1.6794734f, 0.543359041f, -0.256860614f, 0.464324981f, -1.75850737f,
    -0.642151594f, 0.721185684f, 1.36333728f, -0.602634609f, -1.52140522f, -0.138309553f,
};
static const float ln2_mean[2] = {
    0.314999998f, 0.239999995f,
};
static const float ln2_rstd[2] = {
    0.92513907f, 0.987925529f,
};
/* group norm: x (2, 4, 3), 2 groups -> mean, rstd (2, 2) */
static const float gn_x[24] = {
    -0.0599999987f, -0.699999988f, 1.03999996f, -0.600000024f, -1.27999997f, 0.0900000036f,
    -0.670000017f, 0.610000014f, 0.99000001f, -0.25999999f, 0.119999997f, 0.239999995f,
    1.15999997f, 0.289999992f, 0.389999986f, -0.200000003f, 0.529999971f, 0.189999998f,
    -0.769999981f, -1.89999998f, 0.129999995f, -0.699999988f, 0.310000002f, 0.159999996f,
};
static const float gn_w[4] = {
    -0.449999988f, -0.5f, 0.479999989f, -0.310000002f,
};
static const float gn_b[4] = {
    -0.0900000036f, -1.62f, -0.0700000003f, -0.74000001f,
};
static const float gn_y[24] = {
    -0.208070531f, 0.18618232f, -0.885692596f, -1.38157737f, -0.91613996f, -1.85385942f,
    -0.815100193f, 0.318042308f, 0.654443979f, -0.493200958f, -0.710460365f, -0.779068589f,
    -0.930633128f, 0.0233026873f, -0.0863451064f, -0.897136807f, -1.78650224f, -1.37227726f,
    -0.262333691f, -0.96721071f, 0.299072742f, -0.643984735f, -1.05087447f, -0.990445316f,
};
static const float gn_mean[4] = {
    -0.251666665f, 0.171666652f, 0.393333286f, -0.461666644f,
};
static const float gn_rstd[4] = {
    1.36893356f, 1.84430742f, 2.43661785f, 1.29955208f,
};


static void test_batch_norm(void)
{
    const int32_t xs[4] = {2, 3, 2, 2}, cs[1] = {3}, empty[1] = {0};
    float y[24], save_mean[3], save_invstd[3];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)bn_x, 4, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, (void*)bn_w, 1, cs);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, (void*)bn_b, 1, cs);
    ember_tensor tm = th_tensor(EMBER_DTYPE_F32, (void*)bn_m, 1, cs);
    ember_tensor tv = th_tensor(EMBER_DTYPE_F32, (void*)bn_v, 1, cs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, xs);
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, NULL, 1, empty); /* ExecuTorch: size 0 */
    ember_tensor t2 = th_tensor(EMBER_DTYPE_F32, NULL, 1, empty);
    ember_value v[13] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&tb),
                         th_tensor_value(&tm), th_tensor_value(&tv), th_double(0.1),
                         th_double(1e-5),      th_tensor_value(&ty), th_tensor_value(&t1),
                         th_tensor_value(&t2), th_tensor_value(&ty), th_tensor_value(&t1),
                         th_tensor_value(&t2)};
    CHECK(th_run("aten::_native_batch_norm_legit_no_training.out", v, 13) == EMBER_OK);
    CHECK_NEAR_F32(y, bn_y, 24, 1e-5f);
    /* the returns as one TensorList, as ExecuTorch writes them: 11 args */
    ember_tensor* rets[3] = {&ty, &t1, &t2};
    ember_value v11[11];
    memcpy(v11, v, 10 * sizeof v[0]);
    v11[10] = th_tensor_list(rets, 3);
    memset(y, 0, sizeof y);
    CHECK(th_run("aten::_native_batch_norm_legit_no_training.out", v11, 11) == EMBER_OK);
    CHECK_NEAR_F32(y, bn_y, 24, 1e-5f);
    ember_value v12[12]; /* 12 arguments: neither form */
    memcpy(v12, v11, sizeof v11);
    v12[11] = v11[10];
    CHECK(th_run("aten::_native_batch_norm_legit_no_training.out", v12, 12) ==
          EMBER_INVALID_ARGUMENT);
    /* save_mean / save_invstd with C elements get the running mean and 1/sqrt(var + eps) */
    t1 = th_tensor(EMBER_DTYPE_F32, save_mean, 1, cs);
    t2 = th_tensor(EMBER_DTYPE_F32, save_invstd, 1, cs);
    CHECK(th_run("aten::_native_batch_norm_legit_no_training.out", v, 13) == EMBER_OK);
    CHECK_NEAR_F32(save_mean, bn_m, 3, 0.0f);
    CHECK_NEAR_F32(save_invstd, bn_invstd, 3, 1e-5f);
    /* no weight, no bias */
    v[1] = th_null();
    v[2] = th_null();
    v[6] = th_double(1e-3);
    CHECK(th_run("aten::_native_batch_norm_legit_no_training.out", v, 13) == EMBER_OK);
    CHECK_NEAR_F32(y, bn2_y, 24, 1e-5f);
    /* failures: running_var of the wrong length, int input */
    const int32_t four[1] = {4};
    float v4[4] = {1, 1, 1, 1};
    tv = th_tensor(EMBER_DTYPE_F32, v4, 1, four);
    CHECK(th_run("aten::_native_batch_norm_legit_no_training.out", v, 13) ==
          EMBER_SHAPE_MISMATCH);
    tv = th_tensor(EMBER_DTYPE_F32, (void*)bn_v, 1, cs);
    tx.dtype = EMBER_DTYPE_I32;
    CHECK(th_run("aten::_native_batch_norm_legit_no_training.out", v, 13) ==
          EMBER_DTYPE_MISMATCH);
}

static void test_layer_norm(void)
{
    const int32_t xs[3] = {2, 3, 4}, ws[1] = {4}, ms[3] = {2, 3, 1}, ms2[3] = {2, 1, 1};
    float y[24], mean[6], rstd[6];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)ln_x, 3, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, (void*)ln_w, 1, ws);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, (void*)ln_b, 1, ws);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 3, xs);
    ember_tensor tm = th_tensor(EMBER_DTYPE_F32, mean, 3, ms);
    ember_tensor tr = th_tensor(EMBER_DTYPE_F32, rstd, 3, ms);
    const int64_t shape1[1] = {4}, shape2[2] = {3, 4};
    ember_value v[11] = {th_tensor_value(&tx), th_int_list(shape1, 1), th_tensor_value(&tw),
                         th_tensor_value(&tb), th_double(1e-5),        th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr),   th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr)};
    CHECK(th_run("aten::native_layer_norm.out", v, 11) == EMBER_OK);
    CHECK_NEAR_F32(y, ln_y, 24, 1e-5f);
    CHECK_NEAR_F32(mean, ln_mean, 6, 1e-6f);
    CHECK_NEAR_F32(rstd, ln_rstd, 6, 1e-4f);
    /* normalized over the last two dims, no affine */
    v[1] = th_int_list(shape2, 2);
    v[2] = th_null();
    v[3] = th_null();
    tm = th_tensor(EMBER_DTYPE_F32, mean, 3, ms2);
    tr = th_tensor(EMBER_DTYPE_F32, rstd, 3, ms2);
    CHECK(th_run("aten::native_layer_norm.out", v, 11) == EMBER_OK);
    CHECK_NEAR_F32(y, ln2_y, 24, 1e-5f);
    CHECK_NEAR_F32(mean, ln2_mean, 2, 1e-6f);
    CHECK_NEAR_F32(rstd, ln2_rstd, 2, 1e-4f);
    /* failures: mean of the wrong shape; normalized_shape not matching the input */
    tm = th_tensor(EMBER_DTYPE_F32, mean, 3, ms);
    CHECK(th_run("aten::native_layer_norm.out", v, 11) == EMBER_SHAPE_MISMATCH);
    CHECK(strstr(th_msg, "[2, 3, 1]") && strstr(th_msg, "[2, 1, 1]"));
    const int64_t wrong[1] = {3};
    v[1] = th_int_list(wrong, 1);
    CHECK(th_run("aten::native_layer_norm.out", v, 11) == EMBER_SHAPE_MISMATCH);
}

static void test_group_norm(void)
{
    const int32_t xs[3] = {2, 4, 3}, cs[1] = {4}, ms[2] = {2, 2};
    float y[24], mean[4], rstd[4];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)gn_x, 3, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, (void*)gn_w, 1, cs);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, (void*)gn_b, 1, cs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 3, xs);
    ember_tensor tm = th_tensor(EMBER_DTYPE_F32, mean, 2, ms);
    ember_tensor tr = th_tensor(EMBER_DTYPE_F32, rstd, 2, ms);
    ember_value v[14] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&tb),
                         th_int(2),            th_int(4),            th_int(3),
                         th_int(2),            th_double(1e-5),      th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr), th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr)};
    CHECK(th_run("aten::native_group_norm.out", v, 14) == EMBER_OK);
    CHECK_NEAR_F32(y, gn_y, 24, 1e-5f);
    CHECK_NEAR_F32(mean, gn_mean, 4, 1e-6f);
    CHECK_NEAR_F32(rstd, gn_rstd, 4, 1e-4f);
    v[6] = th_int(3); /* 4 channels do not split into 3 groups */
    CHECK(th_run("aten::native_group_norm.out", v, 14) == EMBER_INVALID_ARGUMENT);
}

int main(void)
{
    test_batch_norm();
    test_layer_norm();
    test_group_norm();
    return check_report("test_ops_nn_norm");
}
