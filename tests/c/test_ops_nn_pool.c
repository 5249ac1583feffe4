/* test_ops_nn_pool.c — max_pool2d_with_indices.out, avg_pool2d.out, _adaptive_avg_pool2d.out
 * (portable f32) against torch 2.13 eager; inputs rounded to two decimals, values pasted below.
 * Tolerance 1e-5; indices exact. */
#include "tests/c/kernel_harness.h"

/* x (1, 2, 5, 5); max_pool2d_with_indices k 3 s 2 p 1 -> (1, 2, 3, 3) */
static const float px[50] = {
    -1.13f, -1.14999998f, -0.25f, -0.430000007f, 0.850000024f, 0.689999998f, -0.319999993f,
    -2.11999989f, 0.319999993f, -1.25999999f, 0.349999994f, 0.310000002f, 0.119999997f,
    1.24000001f, 1.12f, -0.25f, -1.35000002f, -1.70000005f, 0.569999993f, 0.790000021f,
    0.600000024f, -1.55999994f, -0.340000004f, 1.85000002f, 0.75f, -0.589999974f, -0.170000002f,
    0.180000007f, 1.38999999f, 1.59000003f, 0.949999988f, -0.839999974f, -0.610000014f,
    0.0299999993f, 1.05999994f, 0.180000007f, -0.230000004f, -0.389999986f, 0.540000021f,
    -0.400000006f, 0.209999993f, -0.449999988f, 1.51999998f, 3.41000009f, -1.52999997f,
    -1.23000002f, 1.82000005f, -0.550000012f, -1.33000004f, 0.189999998f,
};
static const float mp1_y[18] = {
    0.689999998f, 0.319999993f, 0.850000024f, 0.689999998f, 1.24000001f, 1.24000001f,
    0.600000024f, 1.85000002f, 1.85000002f, 0.949999988f, 1.38999999f, 1.59000003f, 0.949999988f,
    3.41000009f, 3.41000009f, 1.82000005f, 3.41000009f, 3.41000009f,
};
static const int64_t mp1_i[18] = {
    5, 8, 4, 5, 13, 13, 20, 23, 23, 5, 3, 4, 5, 18, 18, 21, 18, 18,
};
/* k 2 s 2 ceil_mode -> (1, 2, 3, 3) */
static const float mp2_y[18] = {
    0.689999998f, 0.319999993f, 0.850000024f, 0.349999994f, 1.24000001f, 1.12f, 0.600000024f,
    1.85000002f, 0.75f, 0.949999988f, 1.38999999f, 1.59000003f, 0.209999993f, 3.41000009f,
    -0.400000006f, 1.82000005f, -0.550000012f, 0.189999998f,
};
static const int64_t mp2_i[18] = {
    5, 8, 4, 10, 13, 14, 20, 23, 24, 5, 3, 4, 15, 18, 14, 21, 22, 24,
};
/* k (2, 3) s (1, 2) p 1 dilation (2, 1) -> [1, 2, 5, 3] */
static const float mp3_y[30] = {
    0.689999998f, 0.319999993f, 0.319999993f, 0.349999994f, 1.24000001f, 1.24000001f,
    0.689999998f, 0.569999993f, 0.790000021f, 0.600000024f, 1.85000002f, 1.85000002f, -0.25f,
    0.569999993f, 0.790000021f, 0.949999988f, 0.0299999993f, 1.05999994f, 0.180000007f,
    1.38999999f, 1.59000003f, 0.949999988f, 3.41000009f, 3.41000009f, 1.82000005f, 1.82000005f,
    0.540000021f, 0.209999993f, 3.41000009f, 3.41000009f,
};
static const int64_t mp3_i[30] = {
    5, 8, 8, 10, 13, 13, 5, 18, 19, 20, 23, 23, 15, 18, 19, 5, 8, 9, 10, 3, 4, 5, 18, 18, 21, 21,
    13, 15, 18, 18,
};
/* avg_pool2d k 3 s 2 p 1 count_include_pad -> (1, 2, 3, 3) */
static const float ap1_y[18] = {
    -0.212222204f, -0.438888848f, -0.0577777773f, -0.06333334f, -0.325555563f, 0.308888882f,
    -0.284444451f, -0.281111121f, 0.439999998f, -0.0722222179f, -0.00222222367f, 0.452222198f,
    -0.0199999977f, 0.331111103f, 0.345555544f, 0.0388888903f, 0.49111113f, 0.0822222307f,
};
/* avg_pool2d k 3 s 2 p 1 ceil_mode, exclude pad -> [1, 2, 3, 3] */
static const float ap2_y[18] = {
    -0.477499962f, -0.658333242f, -0.129999995f, -0.0950000063f, -0.325555563f, 0.463333338f,
    -0.639999986f, -0.421666712f, 0.99000001f, -0.162499994f, -0.00333333551f, 1.01749992f,
    -0.0299999956f, 0.331111103f, 0.518333316f, 0.087500006f, 0.736666679f, 0.185000017f,
};
/* avg_pool2d k 2 stride [] divisor_override 3 -> [1, 2, 2, 2] */
static const float ap3_y[8] = {
    -0.636666596f, -0.826666653f, -0.313333362f, 0.0766666532f, -0.216666654f, 0.329999954f,
    -0.0966666639f, 1.69333327f,
};
/* _adaptive_avg_pool2d -> (1, 2, 3, 2) */
static const float aap_y[12] = {
    -0.713333309f, -0.481666654f, -0.474444419f, -0.102222256f, -0.76666671f, 0.319999993f,
    -0.179999992f, 0.606666625f, 0.0377777703f, 0.403333306f, 0.219999984f, 0.285000056f,
};
/* _adaptive_avg_pool2d on (3, 4, 4) -> (3, 1, 1) */
static const float aap3_x[48] = {
    1.11000001f, 1.28999996f, -1.48000002f, 2.56999993f, -0.469999999f, 0.340000004f,
    1.50999999f, 2.07999992f, -0.479999989f, -0.5f, -1.07000005f, 1.11000001f, -0.140000001f,
    0.810000002f, 0.330000013f, -0.75999999f, -0.839999974f, 0.0f, 0.839999974f, -0.400000006f,
    1.03999996f, 0.360000014f, -0.0f, -0.529999971f, -1.88f, -0.0500000007f, -1.03999996f,
    -0.959999979f, 0.0299999993f, 0.709999979f, -1.53999996f, -0.409999996f, 0.340000004f,
    0.519999981f, -2.6099999f, -1.70000005f, -0.230000004f, 0.280000001f, 0.0700000003f,
    1.11000001f, 0.340000004f, 0.449999988f, 0.460000008f, -0.870000005f, 0.779999971f,
    -0.930000007f, 0.209999993f, -0.330000013f,
};
static const float aap3_y[3] = {
    0.390625f, -0.291875005f, -0.131874979f,
};


static const int32_t XS[4] = {1, 2, 5, 5};

static ember_status max_pool(float* y, int64_t* idx, const int32_t* ys, const int64_t* k,
                             const int64_t* s, uint32_t ns, const int64_t* p, const int64_t* d,
                             bool ceil_mode)
{
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, idx, 4, ys);
    ember_value v[10] = {th_tensor_value(&tx), th_int_list(k, 2), th_int_list(s, ns),
                         th_int_list(p, 2),    th_int_list(d, 2), th_bool(ceil_mode),
                         th_tensor_value(&ty), th_tensor_value(&ti), th_tensor_value(&ty),
                         th_tensor_value(&ti)};
    return th_run("aten::max_pool2d_with_indices.out", v, 10);
}

static void check_indices(const int64_t* got, const int64_t* want, int n)
{
    int ok = 1;
    for (int i = 0; i < n; i++) ok &= got[i] == want[i];
    CHECK(ok);
}

static void test_max_pool(void)
{
    float y[30];
    int64_t idx[30];
    {
        const int32_t ys[4] = {1, 2, 3, 3};
        const int64_t k[2] = {3, 3}, s[2] = {2, 2}, p[2] = {1, 1}, d[2] = {1, 1};
        CHECK(max_pool(y, idx, ys, k, s, 2, p, d, false) == EMBER_OK);
        CHECK_NEAR_F32(y, mp1_y, 18, 1e-6f);
        check_indices(idx, mp1_i, 18);
        /* the two returns as one TensorList, as ExecuTorch writes them: 9 args */
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
        ember_tensor ti = th_tensor(EMBER_DTYPE_I64, idx, 4, ys);
        ember_tensor* rets[2] = {&ty, &ti};
        ember_value v[9] = {th_tensor_value(&tx), th_int_list(k, 2),    th_int_list(s, 2),
                            th_int_list(p, 2),    th_int_list(d, 2),    th_bool(false),
                            th_tensor_value(&ty), th_tensor_value(&ti), th_tensor_list(rets, 2)};
        memset(y, 0, sizeof y);
        memset(idx, 0, sizeof idx);
        CHECK(th_run("aten::max_pool2d_with_indices.out", v, 9) == EMBER_OK);
        CHECK_NEAR_F32(y, mp1_y, 18, 1e-6f);
        check_indices(idx, mp1_i, 18);
    }
    { /* ceil_mode; stride given as [] means stride = kernel */
        const int32_t ys[4] = {1, 2, 3, 3};
        const int64_t k[2] = {2, 2}, p[2] = {0, 0}, d[2] = {1, 1};
        CHECK(max_pool(y, idx, ys, k, NULL, 0, p, d, true) == EMBER_OK);
        CHECK_NEAR_F32(y, mp2_y, 18, 1e-6f);
        check_indices(idx, mp2_i, 18);
    }
    { /* rectangular kernel, dilation */
        const int32_t ys[4] = {1, 2, 5, 3};
        const int64_t k[2] = {2, 3}, s[2] = {1, 2}, p[2] = {1, 1}, d[2] = {2, 1};
        CHECK(max_pool(y, idx, ys, k, s, 2, p, d, false) == EMBER_OK);
        CHECK_NEAR_F32(y, mp3_y, 30, 1e-6f);
        check_indices(idx, mp3_i, 30);
    }
    { /* failures: wrong out shape, padding over half the kernel, float indices */
        const int32_t ys[4] = {1, 2, 2, 3};
        const int64_t k[2] = {3, 3}, s[2] = {2, 2}, p[2] = {1, 1}, d[2] = {1, 1};
        CHECK(max_pool(y, idx, ys, k, s, 2, p, d, false) == EMBER_SHAPE_MISMATCH);
        CHECK(strstr(th_msg, "[1, 2, 2, 3]") && strstr(th_msg, "[1, 2, 3, 3]"));
        const int64_t p2[2] = {2, 2};
        CHECK(max_pool(y, idx, ys, k, s, 2, p2, d, false) == EMBER_INVALID_ARGUMENT);
        const int32_t ys3[4] = {1, 2, 3, 3};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys3);
        ember_value v[10] = {th_tensor_value(&tx), th_int_list(k, 2), th_int_list(s, 2),
                             th_int_list(p, 2),    th_int_list(d, 2), th_bool(false),
                             th_tensor_value(&ty), th_tensor_value(&ty), th_tensor_value(&ty),
                             th_tensor_value(&ty)};
        CHECK(th_run("aten::max_pool2d_with_indices.out", v, 10) == EMBER_DTYPE_MISMATCH);
    }
}

static ember_status avg_pool(float* y, const int32_t* ys, const int64_t* k, const int64_t* s,
                             uint32_t ns, const int64_t* p, bool ceil_mode, bool include_pad,
                             ember_value divisor)
{
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
    ember_value v[9] = {th_tensor_value(&tx), th_int_list(k, 2),    th_int_list(s, ns),
                        th_int_list(p, 2),    th_bool(ceil_mode),   th_bool(include_pad),
                        divisor,              th_tensor_value(&ty), th_tensor_value(&ty)};
    return th_run("aten::avg_pool2d.out", v, 9);
}

static void test_avg_pool(void)
{
    float y[18];
    const int32_t ys[4] = {1, 2, 3, 3};
    const int64_t k[2] = {3, 3}, s[2] = {2, 2}, p[2] = {1, 1};
    CHECK(avg_pool(y, ys, k, s, 2, p, false, true, th_null()) == EMBER_OK);
    CHECK_NEAR_F32(y, ap1_y, 18, 1e-5f);
    CHECK(avg_pool(y, ys, k, s, 2, p, true, false, th_null()) == EMBER_OK);
    CHECK_NEAR_F32(y, ap2_y, 18, 1e-5f);
    const int32_t ys3[4] = {1, 2, 2, 2};
    const int64_t k3[2] = {2, 2}, p0[2] = {0, 0};
    CHECK(avg_pool(y, ys3, k3, NULL, 0, p0, false, true, th_int(3)) == EMBER_OK);
    CHECK_NEAR_F32(y, ap3_y, 8, 1e-5f);
    CHECK(avg_pool(y, ys, k3, NULL, 0, p0, false, true, th_int(3)) == EMBER_SHAPE_MISMATCH);
    CHECK(avg_pool(y, ys3, k3, NULL, 0, p0, false, true, th_int(0)) == EMBER_INVALID_ARGUMENT);
}

static void test_adaptive(void)
{
    float y[12];
    {
        const int32_t ys[4] = {1, 2, 3, 2};
        const int64_t os[2] = {3, 2};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
        ember_value v[4] = {th_tensor_value(&tx), th_int_list(os, 2), th_tensor_value(&ty),
                            th_tensor_value(&ty)};
        CHECK(th_run("aten::_adaptive_avg_pool2d.out", v, 4) == EMBER_OK);
        CHECK_NEAR_F32(y, aap_y, 12, 1e-5f);
    }
    {
        const int32_t xs[3] = {3, 4, 4}, ys[3] = {3, 1, 1}, bad[3] = {3, 1, 2};
        const int64_t os[2] = {1, 1};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)aap3_x, 3, xs);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 3, ys);
        ember_value v[4] = {th_tensor_value(&tx), th_int_list(os, 2), th_tensor_value(&ty),
                            th_tensor_value(&ty)};
        CHECK(th_run("aten::_adaptive_avg_pool2d.out", v, 4) == EMBER_OK);
        CHECK_NEAR_F32(y, aap3_y, 3, 1e-5f);
        ty = th_tensor(EMBER_DTYPE_F32, y, 3, bad);
        CHECK(th_run("aten::_adaptive_avg_pool2d.out", v, 4) == EMBER_SHAPE_MISMATCH);
    }
}

int main(void)
{
    test_max_pool();
    test_avg_pool();
    test_adaptive();
    return check_report("test_ops_nn_pool");
}
