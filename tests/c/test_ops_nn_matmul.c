/* test_ops_nn_matmul.c — mm.out, bmm.out, addmm.out, linear.out (portable f32) against torch
 * 2.13 eager; inputs rounded to two decimals, values pasted below. Tolerance 1e-5. */
#include "tests/c/kernel_harness.h"

/* mm (3, 4) @ (4, 5) */
static const float mm_a[12] = {
    1.53999996f, -0.289999992f, -2.18000007f, 0.569999993f, -1.08000004f, -1.39999998f,
    0.400000006f, 0.839999974f, -0.720000029f, -0.400000006f, -0.600000024f, 0.180000007f,
};
static const float mm_b[20] = {
    0.469999999f, -0.159999996f, 1.44000006f, 0.270000011f, -0.170000002f, -0.680000007f,
    0.939999998f, 0.49000001f, -0.670000017f, 0.870000005f, 1.05999994f, 0.180000007f,
    -0.519999981f, -0.310000002f, -1.58000004f, 1.71000004f, -0.449999988f, 0.74000001f,
    1.51999998f, 3.41000009f,
};
static const float mm_y[15] = {
    -0.4150998f, -1.16789997f, 3.63089991f, 2.15230012f, 4.87400055f, 2.30480003f, -1.44919991f,
    -1.8276f, 1.79919982f, 1.19799995f, -0.394599944f, -0.449800014f, -0.787599981f,
    0.533200026f, 1.33620012f,
};
/* bmm (2, 3, 4) @ (2, 4, 2) */
static const float bmm_a[24] = {
    0.589999974f, 1.53999996f, 0.50999999f, -0.589999974f, -0.569999993f, 0.920000017f,
    1.11000001f, 1.28999996f, 0.839999974f, -0.400000006f, 1.03999996f, 0.360000014f, -0.0f,
    -0.529999971f, 1.16999996f, 0.389999986f, -1.03999996f, -0.959999979f, 0.0299999993f,
    0.709999979f, -1.53999996f, -0.409999996f, 0.970000029f, 1.62f,
};
static const float bmm_b[16] = {
    -2.6099999f, -1.70000005f, -0.230000004f, 0.280000001f, 0.0700000003f, 1.11000001f,
    0.280000001f, 0.430000007f, 0.460000008f, -0.870000005f, 0.779999971f, -0.930000007f,
    0.209999993f, -0.330000013f, -0.430000007f, 0.230000004f,
};
static const float bmm_y[12] = {
    -2.02359986f, -0.25939998f, 1.71499991f, 3.01340008f, -1.92679977f, -0.230799958f,
    -0.335399985f, 0.196499988f, -1.52620006f, 1.95100009f, -1.52110004f, 1.7736001f,
};
/* addmm self (5), beta 0.5, alpha 2 */
static const float am_s[5] = {
    1.32000005f, 0.0399999991f, -0.280000001f, -0.129999995f, 1.88999999f,
};
static const float am_a[12] = {
    3.1099999f, -0.460000008f, -0.340000004f, -1.57000005f, 1.23000002f, 1.38999999f,
    1.16999996f, 0.430000007f, -1.73000002f, -1.34000003f, 0.889999986f, 0.769999981f,
};
static const float am_b[20] = {
    -0.829999983f, -1.40999997f, 1.63f, 0.170000002f, -2.31999993f, -1.20000005f, 0.200000003f,
    -1.17999995f, -0.0700000003f, -0.360000014f, -1.55999994f, -0.349999994f, -0.810000002f,
    0.920000017f, -0.25f, -1.41999996f, -1.08000004f, -0.720000029f, 1.47000003f, 0.280000001f,
};
static const float am_y[15] = {
    2.12100029f, -5.30499935f, 13.8957996f, -4.18460035f, -13.8633995f, -9.58940029f,
    -4.64039993f, -1.92519999f, 3.57560015f, -6.10720015f, 1.78420067f, 2.07640028f,
    -5.16799974f, 3.43579984f, 9.92319965f,
};
/* addmm self (3, 1), beta 1, alpha 1 */
static const float am2_s[3] = {
    0.0599999987f, -0.180000007f, -0.600000024f,
};
static const float am2_y[15] = {
    0.790500164f, -2.60249996f, 7.07789993f, -1.99980021f, -7.34419966f, -5.30470037f,
    -2.51020002f, -1.07260001f, 1.64030004f, -3.70610023f, -0.0378997326f, 0.428200066f,
    -3.11399984f, 1.15039992f, 3.88909984f,
};
/* linear x (2, 3, 6), w (5, 6), bias (5) */
static const float li_x[36] = {
    -0.560000002f, 0.529999971f, 0.409999996f, 0.389999986f, 0.170000002f, 0.879999995f,
    -0.289999992f, 1.01999998f, -0.0700000003f, -1.09000003f, 0.389999986f, 0.589999974f,
    0.660000026f, -1.21000004f, 0.610000014f, -0.550000012f, 1.16999996f, 0.100000001f,
    0.959999979f, 0.839999974f, -0.140000001f, 0.639999986f, -0.280000001f, -1.33000004f,
    -0.649999976f, 1.72000003f, -0.959999979f, -0.639999986f, -0.889999986f, 0.839999974f,
    1.14999998f, -1.75999999f, -1.11000001f, -1.72000003f, 1.52999997f, -0.0f,
};
static const float li_w[30] = {
    1.44000006f, -0.109999999f, 0.579999983f, -0.170000002f, 1.19000006f, -0.159999996f,
    -0.0500000007f, 0.649999976f, -0.870000005f, 0.140000001f, 1.89999998f, 0.389999986f,
    0.0299999993f, -1.01999998f, 0.579999983f, 0.270000011f, -2.05999994f, 0.529999971f,
    -0.540000021f, -0.860000014f, -0.910000026f, -0.589999974f, 0.400000006f, -0.200000003f,
    -1.15999997f, -0.319999993f, 0.939999998f, -1.14999998f, 0.790000021f, 0.0799999982f,
};
static const float li_b[5] = {
    -0.720000029f, -0.310000002f, 1.38f, 1.00999999f, -0.25f,
};
static const float li_y[30] = {
    -1.35170007f, 0.426599979f, 1.28189993f, 0.145400047f, 0.371599972f, -0.735400021f,
    1.24689984f, -0.494699836f, 1.03419995f, 1.30299997f, 2.18709993f, 0.524799705f,
    0.482100129f, 1.91159987f, 1.50980008f, 0.259600043f, -0.651300073f, 0.515500069f,
    -0.326999903f, -2.8276f, -3.48669982f, 0.222700059f, 1.15509987f, 0.609000027f,
    -0.848700106f, 2.59890008f, 2.12039995f, -1.0503f, 4.53950024f, 1.12250006f,
};
static const float li2_y[30] = {
    -0.631700039f, 0.736599982f, -0.0981000066f, -0.864599943f, 0.621599972f, -0.015399985f,
    1.55689991f, -1.87469983f, 0.0242000222f, 1.55299997f, 2.90709996f, 0.834799707f,
    -0.897899866f, 0.901599944f, 1.75980008f, 0.979600072f, -0.3413001f, -0.864499927f,
    -1.33699989f, -2.5776f, -2.76669979f, 0.532700062f, -0.224900126f, -0.400999963f,
    -0.598700106f, 3.31890011f, 2.43039989f, -2.4303f, 3.52950001f, 1.37250006f,
};


static void test_mm_bmm(void)
{
    float y[15];
    const int32_t as[2] = {3, 4}, bs[2] = {4, 5}, ys[2] = {3, 5};
    ember_tensor ta = th_tensor(EMBER_DTYPE_F32, (void*)mm_a, 2, as);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, (void*)mm_b, 2, bs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 2, ys);
    ember_value v[4] = {th_tensor_value(&ta), th_tensor_value(&tb), th_tensor_value(&ty),
                        th_tensor_value(&ty)};
    CHECK(th_run("aten::mm.out", v, 4) == EMBER_OK);
    CHECK_NEAR_F32(y, mm_y, 15, 1e-5f);
    const int32_t bad[2] = {3, 4};
    ty = th_tensor(EMBER_DTYPE_F32, y, 2, bad);
    CHECK(th_run("aten::mm.out", v, 4) == EMBER_SHAPE_MISMATCH);
    CHECK(strstr(th_msg, "[3, 4]") && strstr(th_msg, "[3, 5]"));
    double yd[15]; /* a float64 out needs float64 room (th_run reads a tensor's bytes) */
    ty = th_tensor(EMBER_DTYPE_F64, yd, 2, ys);
    CHECK(th_run("aten::mm.out", v, 4) == EMBER_DTYPE_MISMATCH);

    float z[12];
    const int32_t bas[3] = {2, 3, 4}, bbs[3] = {2, 4, 2}, bys[3] = {2, 3, 2};
    ta = th_tensor(EMBER_DTYPE_F32, (void*)bmm_a, 3, bas);
    tb = th_tensor(EMBER_DTYPE_F32, (void*)bmm_b, 3, bbs);
    ty = th_tensor(EMBER_DTYPE_F32, z, 3, bys);
    CHECK(th_run("aten::bmm.out", v, 4) == EMBER_OK);
    CHECK_NEAR_F32(z, bmm_y, 12, 1e-5f);
    const int32_t b224[3] = {2, 2, 4}; /* bmm_b's 16 values as (2, 2, 4): inner dims differ */
    tb = th_tensor(EMBER_DTYPE_F32, (void*)bmm_b, 3, b224);
    CHECK(th_run("aten::bmm.out", v, 4) == EMBER_SHAPE_MISMATCH);
}

static void test_addmm(void)
{
    float y[15];
    const int32_t ss[1] = {5}, ss2[2] = {3, 1}, as[2] = {3, 4}, bs[2] = {4, 5}, ys[2] = {3, 5};
    ember_tensor ts = th_tensor(EMBER_DTYPE_F32, (void*)am_s, 1, ss);
    ember_tensor ta = th_tensor(EMBER_DTYPE_F32, (void*)am_a, 2, as);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, (void*)am_b, 2, bs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 2, ys);
    ember_value v[7] = {th_tensor_value(&ts), th_tensor_value(&ta), th_tensor_value(&tb),
                        th_double(0.5),       th_int(2),            th_tensor_value(&ty),
                        th_tensor_value(&ty)};
    CHECK(th_run("aten::addmm.out", v, 7) == EMBER_OK);
    CHECK_NEAR_F32(y, am_y, 15, 1e-5f);
    ts = th_tensor(EMBER_DTYPE_F32, (void*)am2_s, 2, ss2);
    v[3] = th_int(1);
    v[4] = th_double(1.0);
    CHECK(th_run("aten::addmm.out", v, 7) == EMBER_OK);
    CHECK_NEAR_F32(y, am2_y, 15, 1e-5f);
    const int32_t bad[1] = {4}; /* self (4) does not broadcast to (3, 5) */
    ts = th_tensor(EMBER_DTYPE_F32, (void*)am_s, 1, bad);
    CHECK(th_run("aten::addmm.out", v, 7) == EMBER_SHAPE_MISMATCH);
}

static void test_linear(void)
{
    float y[36]; /* room for the wrong (2, 3, 6) out below */
    const int32_t xs[3] = {2, 3, 6}, ws[2] = {5, 6}, bs[1] = {5}, ys[3] = {2, 3, 5};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)li_x, 3, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, (void*)li_w, 2, ws);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, (void*)li_b, 1, bs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 3, ys);
    ember_value v[5] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&tb),
                        th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK(th_run("aten::linear.out", v, 5) == EMBER_OK);
    CHECK_NEAR_F32(y, li_y, 30, 1e-5f);
    v[2] = th_null();
    CHECK(th_run("aten::linear.out", v, 5) == EMBER_OK);
    CHECK_NEAR_F32(y, li2_y, 30, 1e-5f);
    const int32_t bad[3] = {2, 3, 6};
    ty = th_tensor(EMBER_DTYPE_F32, y, 3, bad);
    CHECK(th_run("aten::linear.out", v, 5) == EMBER_SHAPE_MISMATCH);
    CHECK(th_run("aten::linear.out", v, 4) == EMBER_INVALID_ARGUMENT);
}

int main(void)
{
    test_mm_bmm();
    test_addmm();
    test_linear();
    return check_report("test_ops_nn_matmul");
}
