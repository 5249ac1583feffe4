/* test_ops_math_args.c — the math kernels given hostile values, as an untrusted .pte can
 * write them, and data that only run can judge:
 *   - integer trunc/floor division and remainder by zero fail at run with
 *     EMBER_DIVISION_BY_ZERO (torch: ZeroDivisionError); float division keeps IEEE inf/NaN;
 *   - every double that becomes an integer (casts, fills, stores into integer outs) follows
 *     Ember's rule (kernel_util.h): NaN -> 0, beyond the type's range -> its min/max,
 *     otherwise truncation toward zero;
 *   - arange bounds at ±2^62, ±inf, NaN, -1e308: a named error or the exact int64 range.
 * Expected values are hand-computed from those rules (the rule itself is Ember's: C, and
 * torch, leave out-of-range float-to-int conversions undefined). This binary also runs under
 * ASan+UBSan in build-asan. */
#include <math.h>
#include <stdint.h>

#include "tests/c/kernel_harness.h"

#define I64_MAX INT64_MAX
#define I64_MIN INT64_MIN
#define P62 ((int64_t)1 << 62) /* 2^62 */

/* ---- integer division by zero ------------------------------------------------------------ */

static void test_division(void)
{
    const int32_t s4[1] = {4};
    int64_t x[4] = {7, -7, 5, I64_MIN}, y[4] = {2, 2, 0, -1}, z[4];
    ember_tensor tx = th_tensor(EMBER_DTYPE_I64, x, 1, s4);
    ember_tensor ty = th_tensor(EMBER_DTYPE_I64, y, 1, s4);
    ember_tensor tz = th_tensor(EMBER_DTYPE_I64, z, 1, s4);
    /* div.out_mode: [self, other, rounding_mode, out, out] */
    ember_value d[5] = {th_tensor_value(&tx), th_tensor_value(&ty), th_string("floor"),
                        th_tensor_value(&tz), th_tensor_value(&tz)};
    CHECK_STATUS(th_run("aten::div.out_mode", d, 5), EMBER_DIVISION_BY_ZERO,
                 "integer division (rounding_mode \"floor\") by zero");
    d[2] = th_string("trunc");
    CHECK_STATUS(th_run("aten::div.out_mode", d, 5), EMBER_DIVISION_BY_ZERO,
                 "integer division (rounding_mode \"trunc\") by zero");
    ember_value r[4] = {th_tensor_value(&tx), th_tensor_value(&ty), th_tensor_value(&tz),
                        th_tensor_value(&tz)};
    CHECK_STATUS(th_run("aten::remainder.Tensor_out", r, 4), EMBER_DIVISION_BY_ZERO,
                 "integer remainder by zero");
    /* a nonzero divisor: Python semantics; INT64_MIN / -1 wraps (two's complement) */
    y[2] = 3;
    d[2] = th_string("floor");
    CHECK_STATUS(th_run("aten::div.out_mode", d, 5), EMBER_OK, NULL);
    const int64_t want_floor[4] = {3, -4, 1, I64_MIN};
    expect_i64(z, want_floor, 4, "floor division");
    d[2] = th_string("trunc");
    CHECK_STATUS(th_run("aten::div.out_mode", d, 5), EMBER_OK, NULL);
    const int64_t want_trunc[4] = {3, -3, 1, I64_MIN};
    expect_i64(z, want_trunc, 4, "trunc division");
    CHECK_STATUS(th_run("aten::remainder.Tensor_out", r, 4), EMBER_OK, NULL);
    const int64_t want_rem[4] = {1, 1, 2, 0};
    expect_i64(z, want_rem, 4, "remainder");

    /* Scalar divisors: an Int 0 is an integer division by zero too */
    ember_value rs[4] = {th_tensor_value(&tx), th_int(0), th_tensor_value(&tz),
                         th_tensor_value(&tz)};
    CHECK_STATUS(th_run("aten::remainder.Scalar_out", rs, 4), EMBER_DIVISION_BY_ZERO,
                 "integer remainder by zero");
    ember_value ds[5] = {th_tensor_value(&tx), th_bool(false), th_string("trunc"),
                         th_tensor_value(&tz), th_tensor_value(&tz)};
    CHECK_STATUS(th_run("aten::div.Scalar_mode_out", ds, 5), EMBER_DIVISION_BY_ZERO,
                 "integer division (rounding_mode \"trunc\") by zero");

    /* integer operands divide as integers whatever out's dtype (torch computes in int64) */
    int32_t xi[4] = {1, 2, 3, 4}, yi[4] = {1, 0, 1, 1};
    float zf[4];
    ember_tensor txi = th_tensor(EMBER_DTYPE_I32, xi, 1, s4);
    ember_tensor tyi = th_tensor(EMBER_DTYPE_I32, yi, 1, s4);
    ember_tensor tzf = th_tensor(EMBER_DTYPE_F32, zf, 1, s4);
    ember_value df[5] = {th_tensor_value(&txi), th_tensor_value(&tyi), th_string("floor"),
                         th_tensor_value(&tzf), th_tensor_value(&tzf)};
    CHECK_STATUS(th_run("aten::div.out_mode", df, 5), EMBER_DIVISION_BY_ZERO,
                 "integer division (rounding_mode \"floor\") by zero");

    /* true division of integers is float division: IEEE, no error */
    int64_t n3[3] = {1, -1, 0}, z3[3] = {0, 0, 0};
    const int32_t s3[1] = {3};
    ember_tensor tn = th_tensor(EMBER_DTYPE_I64, n3, 1, s3);
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, z3, 1, s3);
    ember_tensor tq = th_tensor(EMBER_DTYPE_F32, zf, 1, s3);
    ember_value td[4] = {th_tensor_value(&tn), th_tensor_value(&t0), th_tensor_value(&tq),
                         th_tensor_value(&tq)};
    CHECK_STATUS(th_run("aten::div.out", td, 4), EMBER_OK, NULL);
    CHECK(zf[0] == INFINITY && zf[1] == -INFINITY && isnan(zf[2]));
    /* float operands: floor division and remainder by zero are inf / NaN, as in torch */
    float f[3] = {1, -1, 0}, f0[3] = {0, 0, 0};
    ember_tensor tf = th_tensor(EMBER_DTYPE_F32, f, 1, s3);
    ember_tensor tf0 = th_tensor(EMBER_DTYPE_F32, f0, 1, s3);
    ember_value fd[5] = {th_tensor_value(&tf), th_tensor_value(&tf0), th_string("floor"),
                         th_tensor_value(&tq), th_tensor_value(&tq)};
    CHECK_STATUS(th_run("aten::div.out_mode", fd, 5), EMBER_OK, NULL);
    CHECK(zf[0] == INFINITY && zf[1] == -INFINITY && isnan(zf[2]));
    ember_value fr[4] = {th_tensor_value(&tf), th_double(0.0), th_tensor_value(&tq),
                         th_tensor_value(&tq)};
    CHECK_STATUS(th_run("aten::remainder.Scalar_out", fr, 4), EMBER_OK, NULL);
    CHECK(isnan(zf[0]) && isnan(zf[1]) && isnan(zf[2]));
}

/* ---- double -> integer: Ember's rule ----------------------------------------------------- */

/* 11 float32 values and what each integer dtype makes of them. */
static const float conv_src[11] = {NAN, INFINITY, -INFINITY, 3e9f, -3e9f, 2.9f,
                                   -2.9f, 300.0f, -1.0f, 0.5f, -0.0f};
static const int64_t conv_i64[11] = {0, I64_MAX, I64_MIN, 3000000000, -3000000000, 2,
                                     -2, 300, -1, 0, 0};
static const int32_t conv_i32[11] = {0, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, 2,
                                     -2, 300, -1, 0, 0};
static const int16_t conv_i16[11] = {0, 32767, -32768, 32767, -32768, 2, -2, 300, -1, 0, 0};
static const int8_t conv_i8[11] = {0, 127, -128, 127, -128, 2, -2, 127, -1, 0, 0};
static const uint8_t conv_u8[11] = {0, 255, 0, 255, 0, 2, 0, 255, 0, 0, 0};
static const uint8_t conv_b[11] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}; /* v != 0; NaN is true */

static void test_casts(void)
{
    const int32_t s11[1] = {11};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)conv_src, 1, s11);
    const struct {
        int dtype;
        const void* want;
        size_t bytes;
        const char* what;
    } cases[] = {
        {EMBER_DTYPE_I64, conv_i64, sizeof conv_i64, "_to_copy float32 -> int64"},
        {EMBER_DTYPE_I32, conv_i32, sizeof conv_i32, "_to_copy float32 -> int32"},
        {EMBER_DTYPE_I16, conv_i16, sizeof conv_i16, "_to_copy float32 -> int16"},
        {EMBER_DTYPE_I8, conv_i8, sizeof conv_i8, "_to_copy float32 -> int8"},
        {EMBER_DTYPE_U8, conv_u8, sizeof conv_u8, "_to_copy float32 -> uint8"},
        {EMBER_DTYPE_BOOL, conv_b, sizeof conv_b, "_to_copy float32 -> bool"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t buf[11];
        memset(buf, 0x5a, sizeof buf);
        ember_tensor to = th_tensor(cases[k].dtype, buf, 1, s11);
        /* _to_copy.out: [self, non_blocking, memory_format?, out, out] */
        ember_value v[5] = {th_tensor_value(&tx), th_bool(false), th_null(),
                            th_tensor_value(&to), th_tensor_value(&to)};
        CHECK_STATUS(th_run("aten::_to_copy.out", v, 5), EMBER_OK, NULL);
        expect_bytes(buf, cases[k].want, cases[k].bytes, cases[k].what);
    }
    /* float64 at the edge of int64: 2^63 and -2^63 are exact doubles */
    const double d[5] = {9.3e18, -9.3e18, 9223372036854775808.0, -9223372036854775808.0,
                         9223372036854774784.0 /* the largest double below 2^63 */};
    const int64_t want_d[5] = {I64_MAX, I64_MIN, I64_MAX, I64_MIN, 9223372036854774784};
    int64_t got_d[5];
    const int32_t s5[1] = {5};
    ember_tensor td = th_tensor(EMBER_DTYPE_F64, (void*)d, 1, s5);
    ember_tensor tg = th_tensor(EMBER_DTYPE_I64, got_d, 1, s5);
    ember_value v[5] = {th_tensor_value(&td), th_bool(false), th_null(), th_tensor_value(&tg),
                        th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::_to_copy.out", v, 5), EMBER_OK, NULL);
    expect_i64(got_d, want_d, 5, "_to_copy float64 -> int64 at the edges");
}

/* full / scalar_tensor: a Double fill into an integer out, by the rule for that dtype. */
static void test_fills(void)
{
    const int64_t size[1] = {2};
    const int32_t s2[1] = {2};
    const struct {
        int dtype;
        double value;
        int64_t want; /* both elements, read back as the dtype */
    } cases[] = {
        {EMBER_DTYPE_I32, NAN, 0},         {EMBER_DTYPE_I32, 1e300, INT32_MAX},
        {EMBER_DTYPE_I32, -INFINITY, INT32_MIN}, {EMBER_DTYPE_I32, -2.9, -2},
        {EMBER_DTYPE_I32, 3e9, INT32_MAX}, /* saturates at int32, does not wrap via int64 */
        {EMBER_DTYPE_I64, 1e19, I64_MAX},  {EMBER_DTYPE_I64, -1e308, I64_MIN},
        {EMBER_DTYPE_I16, -1e308, -32768}, {EMBER_DTYPE_U8, 256.5, 255},
        {EMBER_DTYPE_U8, -0.5, 0},         {EMBER_DTYPE_I8, 127.9, 127},
        {EMBER_DTYPE_BOOL, NAN, 1},        {EMBER_DTYPE_BOOL, 0.0, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t buf[2];
        memset(buf, 0x5a, sizeof buf);
        ember_tensor to = th_tensor(cases[k].dtype, buf, 1, s2);
        ember_value v[4] = {th_int_list(size, 1), th_double(cases[k].value), th_tensor_value(&to),
                            th_tensor_value(&to)};
        CHECK_STATUS(th_run("aten::full.out", v, 4), EMBER_OK, NULL);
        int64_t got[2];
        for (int i = 0; i < 2; i++) {
            switch (cases[k].dtype) {
            case EMBER_DTYPE_I64: got[i] = ((int64_t*)buf)[i]; break;
            case EMBER_DTYPE_I32: got[i] = ((int32_t*)buf)[i]; break;
            case EMBER_DTYPE_I16: got[i] = ((int16_t*)buf)[i]; break;
            case EMBER_DTYPE_I8: got[i] = ((int8_t*)buf)[i]; break;
            default: got[i] = ((uint8_t*)buf)[i]; break;
            }
        }
        const int64_t want[2] = {cases[k].want, cases[k].want};
        char what[64];
        snprintf(what, sizeof what, "full(%g) into %s", cases[k].value,
                 ember_dtype_name(cases[k].dtype));
        expect_i64(got, want, 2, what);
    }
    int8_t s8 = 0;
    ember_tensor t8 = th_tensor(EMBER_DTYPE_I8, &s8, 0, NULL);
    ember_value st[3] = {th_double(1e308), th_tensor_value(&t8), th_tensor_value(&t8)};
    CHECK_STATUS(th_run("aten::scalar_tensor.out", st, 3), EMBER_OK, NULL);
    CHECK(s8 == 127);
    /* full's size must fit a tensor dim: no silent int64 -> int32 truncation */
    const int64_t big[1] = {((int64_t)1 << 32) + 2};
    int64_t buf[2];
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, buf, 1, s2);
    ember_value v[4] = {th_int_list(big, 1), th_int(0), th_tensor_value(&to),
                        th_tensor_value(&to)};
    CHECK_STATUS(th_run("aten::full.out", v, 4), EMBER_INVALID_ARGUMENT,
                 "size[0] = 4294967298 is out of range [0, 2147483647]");
    v[0] = th_int_list((const int64_t[]){I64_MIN}, 1);
    CHECK_STATUS(th_run("aten::zeros.out", (ember_value[]){v[0], v[2], v[3]}, 3),
                 EMBER_INVALID_ARGUMENT, "size[0] = -9223372036854775808 is out of range");
}

/* Stores into integer outs from the double compute paths of other kernels. */
static void test_stores(void)
{
    const int32_t s4[1] = {4}, s2[1] = {2};
    /* masked_fill: the value converts to out's dtype first; unmasked int64 stays exact */
    int32_t xi[4] = {1, 2, 3, 4}, yi[4];
    uint8_t mask[4] = {1, 0, 1, 0};
    ember_tensor txi = th_tensor(EMBER_DTYPE_I32, xi, 1, s4);
    ember_tensor tm = th_tensor(EMBER_DTYPE_BOOL, mask, 1, s4);
    ember_tensor tyi = th_tensor(EMBER_DTYPE_I32, yi, 1, s4);
    ember_value mf[5] = {th_tensor_value(&txi), th_tensor_value(&tm), th_double(NAN),
                         th_tensor_value(&tyi), th_tensor_value(&tyi)};
    CHECK_STATUS(th_run("aten::masked_fill.Scalar_out", mf, 5), EMBER_OK, NULL);
    CHECK(yi[0] == 0 && yi[1] == 2 && yi[2] == 0 && yi[3] == 4);
    mf[2] = th_double(1e10);
    CHECK_STATUS(th_run("aten::masked_fill.Scalar_out", mf, 5), EMBER_OK, NULL);
    CHECK(yi[0] == INT32_MAX && yi[1] == 2 && yi[2] == INT32_MAX && yi[3] == 4);
    int64_t x64[2] = {P62 + 1, P62 + 3}, y64[2];
    ember_tensor tx64 = th_tensor(EMBER_DTYPE_I64, x64, 1, s2);
    ember_tensor ty64 = th_tensor(EMBER_DTYPE_I64, y64, 1, s2);
    ember_tensor tm2 = th_tensor(EMBER_DTYPE_BOOL, mask, 1, s2);
    ember_value mf64[5] = {th_tensor_value(&tx64), th_tensor_value(&tm2), th_double(2.5),
                           th_tensor_value(&ty64), th_tensor_value(&ty64)};
    CHECK_STATUS(th_run("aten::masked_fill.Scalar_out", mf64, 5), EMBER_OK, NULL);
    CHECK(y64[0] == 2 && y64[1] == P62 + 3);

    /* constant_pad_nd's value in self's integer dtype */
    const int64_t pad[2] = {1, 1};
    const int32_t s6[1] = {6};
    int32_t p6[6];
    ember_tensor tp = th_tensor(EMBER_DTYPE_I32, p6, 1, s6);
    ember_value cp[5] = {th_tensor_value(&txi), th_int_list(pad, 2), th_double(NAN),
                         th_tensor_value(&tp), th_tensor_value(&tp)};
    CHECK_STATUS(th_run("aten::constant_pad_nd.out", cp, 5), EMBER_OK, NULL);
    CHECK(p6[0] == 0 && p6[1] == 1 && p6[4] == 4 && p6[5] == 0);
    cp[2] = th_double(-1e10);
    CHECK_STATUS(th_run("aten::constant_pad_nd.out", cp, 5), EMBER_OK, NULL);
    CHECK(p6[0] == INT32_MIN && p6[5] == INT32_MIN);

    /* where: float values into an int32 out */
    float fv[2] = {NAN, 1e10f}, fo[2] = {-3e9f, 7.9f};
    uint8_t cond[2] = {1, 1};
    int32_t w2[2];
    ember_tensor tc = th_tensor(EMBER_DTYPE_BOOL, cond, 1, s2);
    ember_tensor tfv = th_tensor(EMBER_DTYPE_F32, fv, 1, s2);
    ember_tensor tfo = th_tensor(EMBER_DTYPE_F32, fo, 1, s2);
    ember_tensor tw = th_tensor(EMBER_DTYPE_I32, w2, 1, s2);
    ember_value wv[5] = {th_tensor_value(&tc), th_tensor_value(&tfv), th_tensor_value(&tfo),
                         th_tensor_value(&tw), th_tensor_value(&tw)};
    CHECK_STATUS(th_run("aten::where.self_out", wv, 5), EMBER_OK, NULL);
    CHECK(w2[0] == 0 && w2[1] == INT32_MAX);
    cond[0] = cond[1] = 0;
    CHECK_STATUS(th_run("aten::where.self_out", wv, 5), EMBER_OK, NULL);
    CHECK(w2[0] == INT32_MIN && w2[1] == 7);

    /* a float sum stored into an int32 out; a float cumsum into int64 (NaN reads as 0) */
    float f3[3] = {INFINITY, 1, 2};
    const int32_t s3[1] = {3};
    const int64_t dim0[1] = {0};
    int32_t sum = 0;
    ember_tensor tf3 = th_tensor(EMBER_DTYPE_F32, f3, 1, s3);
    ember_tensor tsum = th_tensor(EMBER_DTYPE_I32, &sum, 0, NULL);
    ember_value sv[6] = {th_tensor_value(&tf3), th_int_list(dim0, 1), th_bool(false), th_null(),
                         th_tensor_value(&tsum), th_tensor_value(&tsum)};
    CHECK_STATUS(th_run("aten::sum.IntList_out", sv, 6), EMBER_OK, NULL);
    CHECK(sum == INT32_MAX);
    f3[0] = NAN;
    int64_t cs[3];
    ember_tensor tcs = th_tensor(EMBER_DTYPE_I64, cs, 1, s3);
    ember_value cv[5] = {th_tensor_value(&tf3), th_int(0), th_null(), th_tensor_value(&tcs),
                         th_tensor_value(&tcs)};
    CHECK_STATUS(th_run("aten::cumsum.out", cv, 5), EMBER_OK, NULL);
    CHECK(cs[0] == 0 && cs[1] == 1 && cs[2] == 3);

    /* clamp / hardtanh bounds of ±1e308 and ±inf on integer tensors (read as int64 by the
     * rule: they saturate, so they do not clamp anything) */
    int32_t ci[4] = {INT32_MIN, -5, 5, INT32_MAX}, co[4];
    ember_tensor tci = th_tensor(EMBER_DTYPE_I32, ci, 1, s4);
    ember_tensor tco = th_tensor(EMBER_DTYPE_I32, co, 1, s4);
    ember_value cl[5] = {th_tensor_value(&tci), th_double(-1e308), th_double(1e308),
                         th_tensor_value(&tco), th_tensor_value(&tco)};
    CHECK_STATUS(th_run("aten::clamp.out", cl, 5), EMBER_OK, NULL);
    CHECK(memcmp(co, ci, sizeof ci) == 0);
    cl[2] = th_double(2.9); /* max 2.9 truncates to 2 */
    CHECK_STATUS(th_run("aten::clamp.out", cl, 5), EMBER_OK, NULL);
    CHECK(co[0] == INT32_MIN && co[1] == -5 && co[2] == 2 && co[3] == 2);
    cl[1] = th_double(-INFINITY);
    cl[2] = th_double(INFINITY);
    CHECK_STATUS(th_run("aten::hardtanh.out", cl, 5), EMBER_OK, NULL);
    CHECK(memcmp(co, ci, sizeof ci) == 0);
    /* float32 clamp with -1e308: no bound is hit */
    float cf[2] = {-3e38f, 3e38f}, cfo[2];
    ember_tensor tcf = th_tensor(EMBER_DTYPE_F32, cf, 1, s2);
    ember_tensor tcfo = th_tensor(EMBER_DTYPE_F32, cfo, 1, s2);
    ember_value clf[5] = {th_tensor_value(&tcf), th_double(-1e308), th_null(),
                          th_tensor_value(&tcfo), th_tensor_value(&tcfo)};
    CHECK_STATUS(th_run("aten::clamp.out", clf, 5), EMBER_OK, NULL);
    CHECK(cfo[0] == cf[0] && cfo[1] == cf[1]);
}

/* ---- arange ------------------------------------------------------------------------------ */

static void test_arange(void)
{
    int64_t y[8];
    const int32_t s4[1] = {4}, s5[1] = {5}, s2[1] = {2};
    ember_tensor t4 = th_tensor(EMBER_DTYPE_I64, y, 1, s4);
    /* arange.start_out: [start, end, step, out, out] */
    ember_value v[5] = {th_int(-P62), th_int(14), th_int(3), th_tensor_value(&t4),
                        th_tensor_value(&t4)};
    const char* as = "aten::arange.start_out";
    /* (14 + 2^62) / 3 = 1537228672809129306 elements, computed exactly */
    CHECK_STATUS(th_run(as, v, 5), EMBER_INVALID_ARGUMENT,
                 "has 1537228672809129306 elements (more than 2^31-1)");
    /* int64 ranges that torch's (end - start) would overflow, exact here */
    v[0] = th_int(I64_MIN);
    v[1] = th_int(I64_MAX);
    v[2] = th_int(P62);
    CHECK_STATUS(th_run(as, v, 5), EMBER_OK, NULL);
    const int64_t want1[4] = {I64_MIN, -P62, 0, P62};
    expect_i64(y, want1, 4, "arange(INT64_MIN, INT64_MAX, 2^62)");
    ember_tensor t2 = th_tensor(EMBER_DTYPE_I64, y, 1, s2);
    v[0] = th_int(I64_MAX - 2);
    v[2] = th_int(1);
    v[3] = v[4] = th_tensor_value(&t2);
    CHECK_STATUS(th_run(as, v, 5), EMBER_OK, NULL);
    const int64_t want2[2] = {I64_MAX - 2, I64_MAX - 1};
    expect_i64(y, want2, 2, "arange(INT64_MAX - 2, INT64_MAX)");
    v[0] = th_int(10);
    v[1] = th_int(0);
    v[2] = th_int(-3);
    v[3] = v[4] = th_tensor_value(&t4);
    CHECK_STATUS(th_run(as, v, 5), EMBER_OK, NULL);
    const int64_t want3[4] = {10, 7, 4, 1};
    expect_i64(y, want3, 4, "arange(10, 0, -3)");
    v[2] = th_int(3); /* wrong direction */
    CHECK_STATUS(th_run(as, v, 5), EMBER_INVALID_ARGUMENT, "bad range");
    v[2] = th_int(0);
    CHECK_STATUS(th_run(as, v, 5), EMBER_INVALID_ARGUMENT, "bad range");
    /* doubles: finite bounds and a representable length only */
    v[0] = th_double(-1e308);
    v[1] = th_double(1e308);
    v[2] = th_double(1e300);
    CHECK_STATUS(th_run(as, v, 5), EMBER_INVALID_ARGUMENT, "has inf elements");
    v[0] = th_int(0);
    v[1] = th_double(NAN);
    v[2] = th_int(1);
    CHECK_STATUS(th_run(as, v, 5), EMBER_INVALID_ARGUMENT, "(all must be finite)");
    v[1] = th_int(5);
    v[2] = th_double(-INFINITY);
    CHECK_STATUS(th_run(as, v, 5), EMBER_INVALID_ARGUMENT, "(all must be finite)");
    /* an integer out with a double step: length ceil(2.9 / 1.0) = 3 in double */
    const int32_t s3[1] = {3};
    ember_tensor t3 = th_tensor(EMBER_DTYPE_I64, y, 1, s3);
    v[1] = th_double(2.9);
    v[2] = th_double(1.0);
    v[3] = v[4] = th_tensor_value(&t3);
    CHECK_STATUS(th_run(as, v, 5), EMBER_OK, NULL);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 2);

    /* arange.out: [end, out, out] */
    float yf[5];
    ember_tensor tf5 = th_tensor(EMBER_DTYPE_F32, yf, 1, s5);
    ember_value a[3] = {th_double(INFINITY), th_tensor_value(&tf5), th_tensor_value(&tf5)};
    CHECK_STATUS(th_run("aten::arange.out", a, 3), EMBER_INVALID_ARGUMENT, "must be finite");
    a[0] = th_double(1e308);
    CHECK_STATUS(th_run("aten::arange.out", a, 3), EMBER_INVALID_ARGUMENT,
                 "has 1e+308 elements (more than 2^31-1)");
    a[0] = th_int(I64_MIN);
    CHECK_STATUS(th_run("aten::arange.out", a, 3), EMBER_INVALID_ARGUMENT, "bad range");
    a[0] = th_int(5);
    CHECK_STATUS(th_run("aten::arange.out", a, 3), EMBER_OK, NULL);
    CHECK(yf[0] == 0.0f && yf[4] == 4.0f);
}

/* A tensor whose sizes beside a 0 multiply past 2^31-1 is refused before anything multiplies
 * them (outer/inner extents, strides). */
static void test_extent(void)
{
    const int32_t big[3] = {65536, 65536, 0};
    float x[1];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 3, big);
    ember_value v[5] = {th_tensor_value(&tx), th_int(2), th_bool(false), th_tensor_value(&tx),
                        th_tensor_value(&tx)};
    CHECK_STATUS(th_run("aten::_softmax.out", v, 5), EMBER_NOT_SUPPORTED,
                 "self has shape [65536, 65536, 0]: its nonzero sizes multiply past 2^31-1");
}

/* The shared argument getters (kernel_util.h) name the argument in every message and list the
 * dtypes a kernel accepts. */
static void test_arg_messages(void)
{
    const int32_t s4[1] = {4}, s22[2] = {2, 2};
    float x[4] = {1, 2, 3, 4}, y[4];
    int8_t q[4] = {0};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s4);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 1, s4);
    ember_tensor tq = th_tensor(EMBER_DTYPE_QI8, q, 1, s4);
    ember_value f[4] = {th_tensor_value(&tq), th_tensor_value(&tx), th_tensor_value(&ty),
                        th_tensor_value(&ty)};
    CHECK_STATUS(th_run("aten::fmod.Tensor_out", f, 4), EMBER_DTYPE_MISMATCH,
                 "self has dtype qint8, which this kernel does not support (uint8, int8, int16, "
                 "int32, int64, float16, float32, float64, bool, bfloat16)");
    const int64_t two[2] = {2, 2};
    f[0] = th_tensor_value(&tx);
    f[1] = th_int_list(two, 2);
    CHECK_STATUS(th_run("aten::fmod.Scalar_out", f, 4), EMBER_INVALID_ARGUMENT,
                 "other (argument 1) must be a scalar, got value kind 7");
    ember_tensor perm = th_tensor(EMBER_DTYPE_F32, x, 2, s22);
    perm.dim_order[0] = 1;
    perm.dim_order[1] = 0;
    ember_tensor out22 = th_tensor(EMBER_DTYPE_F32, y, 2, s22);
    ember_value c[5] = {th_tensor_value(&perm), th_int(0), th_null(), th_tensor_value(&out22),
                        th_tensor_value(&out22)};
    CHECK_STATUS(th_run("aten::cumsum.out", c, 5), EMBER_NOT_SUPPORTED,
                 "self (argument 0) is not contiguous: only contiguous dim order is supported");
    c[0] = th_tensor_value(&out22);
    c[1] = th_double(0.0);
    CHECK_STATUS(th_run("aten::cumsum.out", c, 5), EMBER_INVALID_ARGUMENT,
                 "dim (argument 1) has value kind 4, expected 2");
}

int main(void)
{
    test_division();
    test_casts();
    test_fills();
    test_stores();
    test_arange();
    test_extent();
    test_arg_messages();
    return check_report("test_ops_math_args");
}
