/* test_ops_nn_args.c — the nn, view and index kernels given hostile arguments, as an untrusted
 * .pte can write them: INT64_MAX, INT64_MIN, ±2^62 in every size-bearing int and int list,
 * NaN / ±inf / ±1e308 scale factors, index data past either end. Each must give its named
 * status with a message that names the argument and value, never a crash or undefined
 * behaviour (this binary runs under ASan+UBSan in build-asan). Values torch accepts (slice end
 * INT64_MAX, split_size past the dim, triu/tril diagonal past either edge) must still give
 * torch's answer. Oracles: hand-computed values and index formulas on small iotas. */
#include <math.h>
#include <stdint.h>

#include "tests/c/kernel_harness.h"

#define I64_MAX INT64_MAX
#define I64_MIN INT64_MIN
#define P62 ((int64_t)1 << 62) /* 2^62 */

static int64_t iota64[24];
static float iotaf[24];

/* ---- convolution ------------------------------------------------------------------------- */

/* [input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, out, out]
 * for a (1, 1, 1, 3) input and a 1x1 kernel of weight 2. */
typedef struct conv_case {
    float x[3], w[1], y[16];
    ember_tensor tx, tw, ty;
    ember_value v[11];
} conv_case;

static void conv_case_init(conv_case* c, const int64_t* stride, const int64_t* pad,
                           const int64_t* dil, bool transposed, const int64_t* outpad,
                           int64_t groups, int wo)
{
    const int32_t sx[4] = {1, 1, 1, 3}, sw[4] = {1, 1, 1, 1}, sy[4] = {1, 1, 1, wo};
    for (int i = 0; i < 3; i++) c->x[i] = (float)(i + 1);
    c->w[0] = 2.0f;
    c->tx = th_tensor(EMBER_DTYPE_F32, c->x, 4, sx);
    c->tw = th_tensor(EMBER_DTYPE_F32, c->w, 4, sw);
    c->ty = th_tensor(EMBER_DTYPE_F32, c->y, 4, sy);
    ember_value v[11] = {th_tensor_value(&c->tx), th_tensor_value(&c->tw), th_null(),
                         th_int_list(stride, 2),  th_int_list(pad, 2),     th_int_list(dil, 2),
                         th_bool(transposed),     th_int_list(outpad, 2),  th_int(groups),
                         th_tensor_value(&c->ty), th_tensor_value(&c->ty)};
    memcpy(c->v, v, sizeof v);
}

static void test_conv(void)
{
    const int64_t one[2] = {1, 1}, zero[2] = {0, 0};
    conv_case c;
    /* padding, stride, dilation, output_padding, groups outside [min, 2^31-1] */
    const int64_t pad_max[2] = {I64_MAX, 0}, pad_min[2] = {0, I64_MIN};
    conv_case_init(&c, one, pad_max, one, false, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "padding[0] = 9223372036854775807 is out of range [0, 2147483647]");
    conv_case_init(&c, one, pad_min, one, false, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "padding[1] = -9223372036854775808 is out of range");
    const int64_t stride_neg[2] = {1, -P62}, stride_zero[2] = {0, 1};
    conv_case_init(&c, stride_neg, zero, one, false, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "stride[1] = -4611686018427387904 is out of range [1, 2147483647]");
    conv_case_init(&c, stride_zero, zero, one, false, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "stride[0] = 0 is out of range");
    const int64_t dil_big[2] = {1, P62};
    conv_case_init(&c, one, zero, dil_big, false, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "dilation[1] = 4611686018427387904 is out of range [1, 2147483647]");
    conv_case_init(&c, one, zero, one, false, zero, I64_MAX, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "groups = 9223372036854775807 is out of range [1, 2147483647]");
    conv_case_init(&c, one, zero, one, false, zero, I64_MIN, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "groups = -9223372036854775808 is out of range");
    const int64_t outpad_max[2] = {0, I64_MAX};
    conv_case_init(&c, one, zero, one, true, outpad_max, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_INVALID_ARGUMENT,
                 "output_padding[1] = 9223372036854775807 is out of range [0, 2147483647]");

    /* the largest stride is legal: one output column, x[0] * w */
    const int64_t stride_i32[2] = {1, INT32_MAX};
    conv_case_init(&c, stride_i32, zero, one, false, zero, 1, 1);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_OK, NULL);
    CHECK(c.y[0] == 2.0f);
    /* the largest padding computes its (huge) output width exactly, then fails the out check:
     * (3 + 2 * (2^31 - 1) - 0 - 1) / 1 + 1 = 4294967297 */
    const int64_t pad_i32[2] = {0, INT32_MAX};
    conv_case_init(&c, one, pad_i32, one, false, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_SHAPE_MISMATCH,
                 "expected [1, 1, 1, 4294967297]");
    /* transposed, stride and dilation at the limit: (3 - 1) * (2^31 - 1) + 0 + 1 = 4294967295 */
    conv_case_init(&c, stride_i32, zero, stride_i32, true, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_SHAPE_MISMATCH,
                 "expected [1, 1, 1, 4294967295]");
    /* transposed, padding past the output: the output would be empty */
    conv_case_init(&c, one, pad_i32, one, true, zero, 1, 3);
    CHECK_STATUS(th_run("aten::convolution.out", c.v, 11), EMBER_SHAPE_MISMATCH,
                 "output would be empty");
}

/* ---- pooling ----------------------------------------------------------------------------- */

static void test_pool(void)
{
    const int32_t sx[4] = {1, 1, 3, 3}, s11[4] = {1, 1, 1, 1};
    float y[9];
    int64_t yi[9];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, iotaf, 4, sx);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, s11);
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, yi, 4, s11);
    const int64_t k1[1] = {1}, zero[1] = {0}, one[1] = {1};
    const int64_t kmax[1] = {I64_MAX}, s62[1] = {P62}, pneg[1] = {-1}, dmin[2] = {1, I64_MIN};
    /* [self, kernel_size, stride, padding, dilation, ceil_mode, out, indices, out, indices] */
    ember_value v[10] = {th_tensor_value(&tx), th_int_list(kmax, 1), th_int_list(one, 1),
                         th_int_list(zero, 1), th_int_list(one, 1),  th_bool(false),
                         th_tensor_value(&ty), th_tensor_value(&ti), th_tensor_value(&ty),
                         th_tensor_value(&ti)};
    const char* mp = "aten::max_pool2d_with_indices.out";
    CHECK_STATUS(th_run(mp, v, 10), EMBER_INVALID_ARGUMENT,
                 "kernel_size[0] = 9223372036854775807 is out of range [1, 2147483647]");
    v[1] = th_int_list(k1, 1);
    v[2] = th_int_list(s62, 1);
    CHECK_STATUS(th_run(mp, v, 10), EMBER_INVALID_ARGUMENT,
                 "stride[0] = 4611686018427387904 is out of range");
    v[2] = th_int_list(one, 1);
    v[3] = th_int_list(pneg, 1);
    CHECK_STATUS(th_run(mp, v, 10), EMBER_INVALID_ARGUMENT,
                 "padding[0] = -1 is out of range [0, 2147483647]");
    v[3] = th_int_list(zero, 1);
    v[4] = th_int_list(dmin, 2);
    CHECK_STATUS(th_run(mp, v, 10), EMBER_INVALID_ARGUMENT,
                 "dilation[1] = -9223372036854775808 is out of range");
    /* legal: stride 2^31 - 1 keeps one window, at (0, 0); with ceil_mode too (the window that
     * would start past the input is dropped) */
    const int64_t smax[1] = {INT32_MAX};
    v[2] = th_int_list(smax, 1);
    v[4] = th_int_list(one, 1);
    y[0] = -1.0f;
    yi[0] = -1;
    CHECK_STATUS(th_run(mp, v, 10), EMBER_OK, NULL);
    CHECK(y[0] == 0.0f && yi[0] == 0);
    const int64_t k2[1] = {2};
    v[1] = th_int_list(k2, 1);
    v[5] = th_bool(true);
    CHECK_STATUS(th_run(mp, v, 10), EMBER_OK, NULL);
    CHECK(y[0] == 4.0f && yi[0] == 4); /* max of x[0:2, 0:2] = {0, 1, 3, 4} */

    /* avg_pool2d: [self, kernel_size, stride, padding, ceil_mode, count_include_pad,
     * divisor_override, out, out] */
    ember_value a[9] = {th_tensor_value(&tx), th_int_list(k1, 1), th_int_list(kmax, 1),
                        th_int_list(zero, 1), th_bool(false),     th_bool(true),
                        th_null(),            th_tensor_value(&ty), th_tensor_value(&ty)};
    const char* ap = "aten::avg_pool2d.out";
    CHECK_STATUS(th_run(ap, a, 9), EMBER_INVALID_ARGUMENT,
                 "stride[0] = 9223372036854775807 is out of range");
    a[2] = th_int_list(smax, 1);
    a[6] = th_int(I64_MAX);
    CHECK_STATUS(th_run(ap, a, 9), EMBER_NOT_SUPPORTED,
                 "divisor_override = 9223372036854775807: only ints in [1, 2147483647]");
    a[6] = th_int(I64_MIN);
    CHECK_STATUS(th_run(ap, a, 9), EMBER_NOT_SUPPORTED, "divisor_override = -9223372036854775808");
    a[6] = th_int(INT32_MAX);
    iotaf[0] = 2147483647.0f;
    CHECK_STATUS(th_run(ap, a, 9), EMBER_OK, NULL);
    CHECK(y[0] == 1.0f); /* 2^31 / 2^31 in float */
    iotaf[0] = 0.0f;

    /* adaptive pools: output_size outside [1, 2^31-1] */
    const int64_t os_max[2] = {I64_MAX, 1}, os_min[2] = {1, I64_MIN};
    ember_value d[4] = {th_tensor_value(&tx), th_int_list(os_max, 2), th_tensor_value(&ty),
                        th_tensor_value(&ty)};
    CHECK_STATUS(th_run("aten::_adaptive_avg_pool2d.out", d, 4), EMBER_INVALID_ARGUMENT,
                 "output_size[0] = 9223372036854775807 is out of range [1, 2147483647]");
    ember_value m[6] = {th_tensor_value(&tx), th_int_list(os_min, 2), th_tensor_value(&ty),
                        th_tensor_value(&ti), th_tensor_value(&ty), th_tensor_value(&ti)};
    CHECK_STATUS(th_run("aten::adaptive_max_pool2d.out", m, 6), EMBER_INVALID_ARGUMENT,
                 "output_size[1] = -9223372036854775808 is out of range");
}

/* ---- upsampling -------------------------------------------------------------------------- */

static void test_upsample(void)
{
    const int32_t sx[4] = {1, 1, 2, 3}, sy[4] = {1, 1, 4, 3};
    float y[12];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, iotaf, 4, sx);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, sy);
    /* scale factors that size the output must be finite, positive, and fit */
    const double huge[2] = {1e308, 1.0}, inf[2] = {INFINITY, 1.0}, nan[2] = {NAN, 1.0},
                 neg[2] = {-1e308, 1.0}, big[2] = {1073741824.0, 1.0};
    ember_value v[5] = {th_tensor_value(&tx), th_null(), th_double_list(huge, 2),
                        th_tensor_value(&ty), th_tensor_value(&ty)};
    const char* nv = "aten::upsample_nearest2d.vec_out";
    CHECK_STATUS(th_run(nv, v, 5), EMBER_INVALID_ARGUMENT,
                 "scale_factors[0] = 1e+308 gives inf pixels (more than 2^31-1)");
    v[2] = th_double_list(inf, 2);
    CHECK_STATUS(th_run(nv, v, 5), EMBER_INVALID_ARGUMENT, "scale_factors[0] = inf gives inf");
    v[2] = th_double_list(big, 2); /* 2 * 2^30 = 2^31: one past the largest size */
    CHECK_STATUS(th_run(nv, v, 5), EMBER_INVALID_ARGUMENT, "gives 2.14748e+09 pixels");
    v[2] = th_double_list(nan, 2);
    CHECK_STATUS(th_run(nv, v, 5), EMBER_INVALID_ARGUMENT, "positive scale factor");
    v[2] = th_double_list(neg, 2);
    CHECK_STATUS(th_run(nv, v, 5), EMBER_INVALID_ARGUMENT, "positive scale factor");
    const int64_t os_max[2] = {I64_MAX, 3};
    v[1] = th_int_list(os_max, 2);
    v[2] = th_null();
    CHECK_STATUS(th_run(nv, v, 5), EMBER_SHAPE_MISMATCH, "expected [1, 1, 9223372036854775807, 3]");

    /* given output_size, a scales_h of 1e-300 makes the source step 1/scale = inf (torch takes
     * it as given): row 0 reads 0 * inf = NaN and every other row inf; both clamp into the
     * input (NaN to row 0, inf to the last row) instead of converting out of range */
    const int64_t os[2] = {4, 3};
    ember_value n[6] = {th_tensor_value(&tx), th_int_list(os, 2), th_double(1e-300), th_null(),
                        th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK_STATUS(th_run("aten::upsample_nearest2d.out", n, 6), EMBER_OK, NULL);
    const float want_n[12] = {0, 1, 2, 3, 4, 5, 3, 4, 5, 3, 4, 5};
    expect_close_f32(y, want_n, 12, 0, "nearest with scales_h 1e-300");
    /* bilinear, same: every source row is inf, capped at the input, so the last row */
    ember_value b[7] = {th_tensor_value(&tx), th_int_list(os, 2), th_bool(false),
                        th_double(1e-300),    th_null(),          th_tensor_value(&ty),
                        th_tensor_value(&ty)};
    CHECK_STATUS(th_run("aten::upsample_bilinear2d.out", b, 7), EMBER_OK, NULL);
    const float want_b[12] = {3, 4, 5, 3, 4, 5, 3, 4, 5, 3, 4, 5};
    expect_close_f32(y, want_b, 12, 0, "bilinear with scales_h 1e-300");
}

/* ---- normalisation ----------------------------------------------------------------------- */

static void test_norm(void)
{
    const int32_t sx[3] = {1, 4, 2}, s11[2] = {1, 1};
    float y[8], mean[1], rstd[1];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, iotaf, 3, sx);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 3, sx);
    ember_tensor tm = th_tensor(EMBER_DTYPE_F32, mean, 2, s11);
    ember_tensor tr = th_tensor(EMBER_DTYPE_F32, rstd, 2, s11);
    /* [input, weight, bias, N, C, HxW, group, eps, out0, out1, out2, out0, out1, out2] */
    ember_value v[14] = {th_tensor_value(&tx), th_null(),           th_null(),
                         th_int(1),            th_int(4),           th_int(2),
                         th_int(I64_MAX),      th_double(1e-5),     th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr), th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr)};
    const char* gn = "aten::native_group_norm.out";
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT,
                 "group = 9223372036854775807 is out of range [1, 2147483647]");
    v[6] = th_int(-P62);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT, "group = -4611686018427387904");
    v[6] = th_int(0);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT, "group = 0 is out of range");
    v[6] = th_int(1);
    v[5] = th_int(-P62);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT,
                 "HxW = -4611686018427387904 is out of range [0, 2147483647]");
    v[5] = th_int(I64_MAX);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT, "HxW = 9223372036854775807");
    /* N * C * HxW would overflow int64 if multiplied before N and C are checked */
    v[5] = th_int(INT32_MAX);
    v[3] = th_int(P62);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_SHAPE_MISMATCH,
                 "does not have shape (N=4611686018427387904, C=4, HxW=2147483647)");
    v[3] = th_int(1);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_SHAPE_MISMATCH, "HxW=2147483647");
    v[5] = th_int(2);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_OK, NULL);
    /* the getters name the argument */
    v[4] = th_bool(true);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT,
                 "C (argument 4) must be an int, got value kind");
    v[4] = th_int(4);
    v[7] = th_int(1);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT, "eps (argument 7) has value kind");
    v[7] = th_double(1e-5);
    v[1] = th_int(1);
    CHECK_STATUS(th_run(gn, v, 14), EMBER_INVALID_ARGUMENT, "weight (argument 1) must be a tensor");
    v[1] = th_null();

    /* layer norm: normalized_shape must equal the trailing dims */
    const int64_t ns[1] = {I64_MAX};
    ember_value l[11] = {th_tensor_value(&tx), th_int_list(ns, 1),   th_null(),
                         th_null(),            th_double(1e-5),      th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr), th_tensor_value(&ty),
                         th_tensor_value(&tm), th_tensor_value(&tr)};
    CHECK_STATUS(th_run("aten::native_layer_norm.out", l, 11), EMBER_SHAPE_MISMATCH,
                 "normalized_shape[0] = 9223372036854775807 does not match");
    l[1] = th_int(2);
    CHECK_STATUS(th_run("aten::native_layer_norm.out", l, 11), EMBER_INVALID_ARGUMENT,
                 "normalized_shape (argument 1) must be an int list");
}

/* ---- view family ------------------------------------------------------------------------- */

/* [self, extra..., out, out] on the int64 iota (2, 3, 4). */
static ember_status run_on_iota(const char* name, const ember_value* extra, int n_extra,
                                ember_tensor* out)
{
    static const int32_t xs[3] = {2, 3, 4};
    static ember_tensor x;
    x = th_tensor(EMBER_DTYPE_I64, iota64, 3, xs);
    ember_value v[8];
    int n = 0;
    v[n++] = th_tensor_value(&x);
    for (int i = 0; i < n_extra; i++) v[n++] = extra[i];
    v[n++] = th_tensor_value(out);
    v[n++] = th_tensor_value(out);
    return th_run(name, v, (size_t)n);
}

static void test_view(void)
{
    int64_t y[64];
    const int32_t s24[1] = {24};
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 1, s24);
    /* view_copy: sizes whose product overflows int64 are refused, whichever order */
    const int64_t v1[2] = {P62, 4}, v2[2] = {I64_MAX, I64_MAX}, v3[2] = {P62, -1},
                  v4[1] = {I64_MIN}, v5[2] = {0, I64_MAX};
    ember_value e = th_int_list(v1, 2);
    CHECK_STATUS(run_on_iota("aten::view_copy.out", &e, 1, &out), EMBER_SHAPE_MISMATCH,
                 "size[1] = 4: the sizes multiply past int64, self has 24 elements");
    e = th_int_list(v2, 2);
    CHECK_STATUS(run_on_iota("aten::_unsafe_view.out", &e, 1, &out), EMBER_SHAPE_MISMATCH,
                 "size[1] = 9223372036854775807: the sizes multiply past int64");
    e = th_int_list(v3, 2);
    CHECK_STATUS(run_on_iota("aten::view_copy.out", &e, 1, &out), EMBER_SHAPE_MISMATCH,
                 "cannot infer -1 for 24 elements");
    e = th_int_list(v4, 1);
    CHECK_STATUS(run_on_iota("aten::view_copy.out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "size[0] = -9223372036854775808");
    e = th_int_list(v5, 2);
    CHECK_STATUS(run_on_iota("aten::view_copy.out", &e, 1, &out), EMBER_SHAPE_MISMATCH,
                 "size names 0 elements, self has 24");

    /* expand: a huge leading size fails the out check; a negative one is refused */
    const int64_t x1[4] = {I64_MAX, 2, 3, 4}, x2[3] = {2, I64_MIN, 4};
    e = th_int_list(x1, 4);
    ember_value ex[2] = {e, th_bool(false)};
    CHECK_STATUS(run_on_iota("aten::expand_copy.out", ex, 2, &out), EMBER_SHAPE_MISMATCH,
                 "expected [9223372036854775807, 2, 3, 4]");
    ex[0] = th_int_list(x2, 3);
    CHECK_STATUS(run_on_iota("aten::expand_copy.out", ex, 2, &out), EMBER_SHAPE_MISMATCH,
                 "cannot expand dim 1 of size 3 to -9223372036854775808");

    /* repeat: counts outside [0, 2^31-1] */
    const int64_t r1[3] = {P62, 1, 1}, r2[3] = {1, -1, 1}, r3[3] = {1, 1, I64_MAX};
    e = th_int_list(r1, 3);
    CHECK_STATUS(run_on_iota("aten::repeat.out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "repeats[0] = 4611686018427387904 is out of range [0, 2147483647]");
    e = th_int_list(r2, 3);
    CHECK_STATUS(run_on_iota("aten::repeat.out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "repeats[1] = -1 is out of range");
    e = th_int_list(r3, 3);
    CHECK_STATUS(run_on_iota("aten::repeat.out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "repeats[2] = 9223372036854775807");
    /* the largest count of an empty tensor is legal: (0,) repeated 2^31 - 1 times is (0,) */
    const int32_t s0[1] = {0};
    const int64_t rmax[1] = {INT32_MAX};
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, y, 1, s0);
    ember_tensor o0 = th_tensor(EMBER_DTYPE_I64, y, 1, s0);
    ember_value rv[4] = {th_tensor_value(&t0), th_int_list(rmax, 1), th_tensor_value(&o0),
                         th_tensor_value(&o0)};
    CHECK_STATUS(th_run("aten::repeat.out", rv, 4), EMBER_OK, NULL);

    /* permute, transpose, flip, squeeze, unsqueeze, select: dims and index past either end */
    const int64_t pd[3] = {0, I64_MIN, 1}, fd[1] = {I64_MAX};
    e = th_int_list(pd, 3);
    CHECK_STATUS(run_on_iota("aten::permute_copy.out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "dims[1] = -9223372036854775808 is out of range");
    ember_value tr[2] = {th_int(0), th_int(I64_MAX)};
    CHECK_STATUS(run_on_iota("aten::transpose_copy.int_out", tr, 2, &out),
                 EMBER_INVALID_ARGUMENT, "dims (0, 9223372036854775807) out of range");
    e = th_int_list(fd, 1);
    CHECK_STATUS(run_on_iota("aten::flip.out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "dims[0] = 9223372036854775807 is out of range");
    e = th_int(I64_MAX);
    CHECK_STATUS(run_on_iota("aten::squeeze_copy.dim_out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "dim 9223372036854775807 out of range");
    e = th_int(I64_MIN);
    CHECK_STATUS(run_on_iota("aten::unsqueeze_copy.out", &e, 1, &out), EMBER_INVALID_ARGUMENT,
                 "dim -9223372036854775808 out of range");
    ember_value se[2] = {th_int(1), th_int(I64_MIN)};
    CHECK_STATUS(run_on_iota("aten::select_copy.int_out", se, 2, &out), EMBER_INVALID_ARGUMENT,
                 "index -9223372036854775808 out of range for dim 1 of size 3");
    se[1] = th_int(I64_MAX);
    CHECK_STATUS(run_on_iota("aten::select_copy.int_out", se, 2, &out), EMBER_INVALID_ARGUMENT,
                 "index 9223372036854775807 out of range");
}

/* slice_copy(iota (2, 3, 4), dim -1, start, end, step): torch clamps start and end into
 * [0, 4] after adding 4 to negatives, and a step past the end takes one element. */
static void test_slice(void)
{
    int64_t y[24], want[24];
    const char* op = "aten::slice_copy.Tensor_out";
    const struct {
        bool null_start;
        int64_t start, end, step;
        int32_t cols;      /* out's last dim */
        int64_t first, by; /* kept columns: first, first + by, ... */
    } cases[] = {
        {false, 1, I64_MAX, 1, 3, 1, 1},   /* x[..., 1:] as torch.export writes it */
        {true, 0, I64_MAX, 1, 4, 0, 1},    /* x[..., :] */
        {false, -P62, I64_MAX, 1, 4, 0, 1}, /* start far below: clamped to 0 */
        {false, I64_MIN, -1, 1, 3, 0, 1},  /* x[..., :-1] */
        {false, -3, I64_MAX, 2, 2, 1, 2},  /* x[..., -3::2] */
        {false, 1, I64_MAX, I64_MAX, 1, 1, 1}, /* step past the end: one element */
        {false, 0, 4, P62, 1, 0, 1},
        {false, I64_MAX, I64_MAX, 1, 0, 0, 1}, /* start past the end: empty */
        {false, 0, I64_MIN, 1, 0, 0, 1},   /* end far below: empty */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const int32_t so[3] = {2, 3, cases[k].cols};
        ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, so);
        ember_value e[4] = {th_int(-1), cases[k].null_start ? th_null() : th_int(cases[k].start),
                            th_int(cases[k].end), th_int(cases[k].step)};
        int n = 0;
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < cases[k].cols; c++)
                want[n++] = r * 4 + cases[k].first + c * cases[k].by;
        memset(y, 0x5a, sizeof y);
        CHECK_STATUS(run_on_iota(op, e, 4, &out), EMBER_OK, NULL);
        char what[64];
        snprintf(what, sizeof what, "slice case %zu", k);
        expect_i64(y, want, n, what);
    }
    const int32_t so[3] = {2, 3, 4};
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, so);
    ember_value e[4] = {th_int(-1), th_int(0), th_int(4), th_int(0)};
    CHECK_STATUS(run_on_iota(op, e, 4, &out), EMBER_NOT_SUPPORTED, "step = 0, must be positive");
    e[3] = th_int(I64_MIN);
    CHECK_STATUS(run_on_iota(op, e, 4, &out), EMBER_NOT_SUPPORTED,
                 "step = -9223372036854775808");
    e[3] = th_int(1);
    e[0] = th_int(I64_MIN);
    CHECK_STATUS(run_on_iota(op, e, 4, &out), EMBER_INVALID_ARGUMENT,
                 "dim -9223372036854775808 out of range for rank 3");
}

/* ---- cat, split, pad, tril/triu ---------------------------------------------------------- */

static void test_cat_split_pad(void)
{
    int64_t y[24];
    const int32_t xs[3] = {2, 3, 4};
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 3, xs);
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, xs);
    ember_tensor* one[1] = {&x};
    ember_value c[4] = {th_tensor_list(one, 1), th_int(I64_MAX), th_tensor_value(&out),
                        th_tensor_value(&out)};
    CHECK_STATUS(th_run("aten::cat.out", c, 4), EMBER_INVALID_ARGUMENT,
                 "dim 9223372036854775807 out of range for rank 3");

    /* split_copy: a split_size past the dim is one chunk (torch); negative is refused */
    ember_tensor* outs[1] = {&out};
    ember_value s[4] = {th_tensor_value(&x), th_int(I64_MAX), th_int(1),
                        th_tensor_list(outs, 1)};
    memset(y, 0, sizeof y);
    CHECK_STATUS(th_run("aten::split_copy.Tensor_out", s, 4), EMBER_OK, NULL);
    expect_i64(y, iota64, 24, "split_copy with split_size INT64_MAX");
    s[1] = th_int(I64_MIN);
    CHECK_STATUS(th_run("aten::split_copy.Tensor_out", s, 4), EMBER_INVALID_ARGUMENT,
                 "split_size = -9223372036854775808 for a dim of size 3");
    s[1] = th_int(1);
    s[2] = th_int(I64_MIN);
    CHECK_STATUS(th_run("aten::split_copy.Tensor_out", s, 4), EMBER_INVALID_ARGUMENT,
                 "dim -9223372036854775808 out of range");
    /* split_with_sizes: sizes summing past int64 (naively: wrapping back to 3) */
    const int64_t sz1[2] = {I64_MAX, I64_MAX}, sz2[3] = {I64_MAX, I64_MIN, 3};
    s[1] = th_int_list(sz1, 2);
    s[2] = th_int(1);
    CHECK_STATUS(th_run("aten::split_with_sizes_copy.out", s, 4), EMBER_SHAPE_MISMATCH,
                 "split_sizes[1] = 9223372036854775807: the sizes add up past int64");
    s[1] = th_int_list(sz2, 3);
    CHECK_STATUS(th_run("aten::split_with_sizes_copy.out", s, 4), EMBER_INVALID_ARGUMENT,
                 "split_sizes[1] = -9223372036854775808");

    /* constant_pad_nd: entries outside [-(2^31-1), 2^31-1], even where they would cancel */
    const int32_t s12[2] = {1, 2};
    int64_t src[2] = {5, 6}, yi[2];
    ember_tensor t12 = th_tensor(EMBER_DTYPE_I64, src, 2, s12);
    ember_tensor o12 = th_tensor(EMBER_DTYPE_I64, yi, 2, s12);
    const int64_t p1[2] = {I64_MAX, 0}, p2[2] = {I64_MIN, I64_MAX}, p3[4] = {0, 0, -P62, 0},
                  p4[2] = {INT32_MAX, -INT32_MAX};
    ember_value p[5] = {th_tensor_value(&t12), th_int_list(p1, 2), th_int(7),
                        th_tensor_value(&o12), th_tensor_value(&o12)};
    CHECK_STATUS(th_run("aten::constant_pad_nd.out", p, 5), EMBER_INVALID_ARGUMENT,
                 "pad[0] = 9223372036854775807 is out of range [-2147483647, 2147483647]");
    p[1] = th_int_list(p2, 2);
    CHECK_STATUS(th_run("aten::constant_pad_nd.out", p, 5), EMBER_INVALID_ARGUMENT,
                 "pad[0] = -9223372036854775808");
    p[1] = th_int_list(p3, 4);
    CHECK_STATUS(th_run("aten::constant_pad_nd.out", p, 5), EMBER_INVALID_ARGUMENT,
                 "pad[2] = -4611686018427387904");
    /* legal: shift the row 2^31 - 1 to the right and crop as much: only padding is left */
    p[1] = th_int_list(p4, 2);
    CHECK_STATUS(th_run("aten::constant_pad_nd.out", p, 5), EMBER_OK, NULL);
    CHECK(yi[0] == 7 && yi[1] == 7);
}

/* tril / triu on the int64 iota (2, 3, 4), for diagonals past both edges. Oracle: the
 * definition, (i, j) kept iff j - i <= d (tril) or j - i >= d (triu). */
static void test_triangle(void)
{
    const int64_t diags[] = {I64_MAX, I64_MIN, 5, 4, 3, 0, -2, -3, -4, -P62, P62};
    int64_t y[24], want[24];
    for (int lower = 0; lower <= 1; lower++)
        for (size_t k = 0; k < sizeof diags / sizeof diags[0]; k++) {
            const int64_t d = diags[k];
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 4; j++) {
                        const int64_t jmi = j - i;
                        const bool keep = lower ? jmi <= d : jmi >= d;
                        want[(b * 3 + i) * 4 + j] = keep ? iota64[(b * 3 + i) * 4 + j] : 0;
                    }
            const int32_t xs[3] = {2, 3, 4};
            ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, xs);
            ember_value e = th_int(d);
            memset(y, 0x5a, sizeof y);
            CHECK_STATUS(run_on_iota(lower ? "aten::tril.out" : "aten::triu.out", &e, 1, &out),
                         EMBER_OK, NULL);
            char what[64];
            snprintf(what, sizeof what, "%s diagonal %lld", lower ? "tril" : "triu",
                     (long long)d);
            expect_i64(y, want, 24, what);
        }
}

/* ---- index ops: data past either end fails at run with EMBER_OUT_OF_RANGE ----------------- */

static void test_index(void)
{
    const int32_t xs[3] = {2, 3, 4};
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 3, xs);
    int64_t y[24];
    /* index_select dim 2 (size 4): strict, negative indices included */
    int64_t idx[2] = {1, I64_MAX};
    const int32_t s2[1] = {2}, s232[3] = {2, 3, 2};
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, idx, 1, s2);
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, s232);
    ember_value v[5] = {th_tensor_value(&x), th_int(2), th_tensor_value(&ti),
                        th_tensor_value(&out), th_tensor_value(&out)};
    CHECK_STATUS(th_run("aten::index_select.out", v, 5), EMBER_OUT_OF_RANGE,
                 "index 9223372036854775807 is out of range for dimension 2 of size 4");
    idx[1] = I64_MIN;
    CHECK_STATUS(th_run("aten::index_select.out", v, 5), EMBER_OUT_OF_RANGE,
                 "index -9223372036854775808 is out of range for dimension 2 of size 4");
    idx[1] = -1;
    CHECK_STATUS(th_run("aten::index_select.out", v, 5), EMBER_OUT_OF_RANGE,
                 "index -1 is out of range for dimension 2 of size 4");
    v[1] = th_int(I64_MIN);
    CHECK_STATUS(th_run("aten::index_select.out", v, 5), EMBER_INVALID_ARGUMENT,
                 "dim -9223372036854775808 out of range");

    /* index.Tensor [None, i (2)] on dim 1 (size 3): negatives count back, as in torch */
    int64_t ii[2] = {-1, -3};
    ember_tensor tii = th_tensor(EMBER_DTYPE_I64, ii, 1, s2);
    ember_tensor* l[2] = {NULL, &tii};
    ember_value list = {.tag = EMBER_VALUE_OPTIONAL_TENSOR_LIST, .len = 2};
    list.u.tensors = l;
    const int32_t s224[3] = {2, 2, 4};
    ember_tensor o2 = th_tensor(EMBER_DTYPE_I64, y, 3, s224);
    ember_value iv[4] = {th_tensor_value(&x), list, th_tensor_value(&o2), th_tensor_value(&o2)};
    CHECK_STATUS(th_run("aten::index.Tensor_out", iv, 4), EMBER_OK, NULL);
    const int64_t want[16] = {8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15};
    expect_i64(y, want, 16, "index.Tensor with negative indices");
    ii[1] = -4;
    CHECK_STATUS(th_run("aten::index.Tensor_out", iv, 4), EMBER_OUT_OF_RANGE,
                 "index -4 is out of range for dimension 1 of size 3");
    ii[1] = I64_MIN; /* adding the size must not overflow */
    CHECK_STATUS(th_run("aten::index.Tensor_out", iv, 4), EMBER_OUT_OF_RANGE,
                 "index -9223372036854775808 is out of range for dimension 1 of size 3");
    ii[1] = 3;
    CHECK_STATUS(th_run("aten::index.Tensor_out", iv, 4), EMBER_OUT_OF_RANGE,
                 "index 3 is out of range for dimension 1 of size 3");

    /* gather dim 0 (size 2) with an int32 index: strict */
    int32_t gi[24];
    for (int i = 0; i < 24; i++) gi[i] = i % 2;
    gi[23] = INT32_MIN;
    ember_tensor tg = th_tensor(EMBER_DTYPE_I32, gi, 3, xs);
    ember_tensor og = th_tensor(EMBER_DTYPE_I64, y, 3, xs);
    ember_value g[6] = {th_tensor_value(&x), th_int(0), th_tensor_value(&tg), th_bool(false),
                        th_tensor_value(&og), th_tensor_value(&og)};
    CHECK_STATUS(th_run("aten::gather.out", g, 6), EMBER_OUT_OF_RANGE,
                 "index -2147483648 is out of range for dimension 0 of size 2");
    gi[23] = INT32_MAX;
    CHECK_STATUS(th_run("aten::gather.out", g, 6), EMBER_OUT_OF_RANGE,
                 "index 2147483647 is out of range for dimension 0 of size 2");
    gi[23] = 1;
    CHECK_STATUS(th_run("aten::gather.out", g, 6), EMBER_OK, NULL);
    CHECK(y[23] == 23 && y[0] == 0 && y[1] == 13);
}

/* ---- tensors whose sizes multiply past 2^31-1 beside a size-0 dim ------------------------ */

static void test_extent(void)
{
    const int32_t big[3] = {65536, 65536, 0}; /* numel 0, but 2^32 elements per zero-size slice */
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 3, big);
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, iota64, 3, big);
    ember_value v[7] = {th_tensor_value(&x), th_int(0), th_int(0), th_int(1), th_int(1),
                        th_tensor_value(&out), th_tensor_value(&out)};
    CHECK_STATUS(th_run("aten::slice_copy.Tensor_out", v, 7), EMBER_NOT_SUPPORTED,
                 "self has shape [65536, 65536, 0]: its nonzero sizes multiply past 2^31-1");
}

int main(void)
{
    for (int i = 0; i < 24; i++) {
        iota64[i] = i;
        iotaf[i] = (float)i;
    }
    test_conv();
    test_pool();
    test_upsample();
    test_norm();
    test_view();
    test_slice();
    test_cat_split_pad();
    test_triangle();
    test_index();
    test_extent();
    return check_report("test_ops_nn_args");
}
