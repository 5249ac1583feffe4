/* test_ops_quant.c — the float <-> integer boundaries of quantized programs (op_quant.c):
 * quantized_decomposed:: quantize / dequantize per tensor (scalar and tensor parameters) and per
 * channel, cortex_m:: per tensor; CMSIS-NN's requantize (requant.h) and
 * cortex_m::quantized_linear (op_qlinear.c) on hand-worked values, the AVX-512 quantized_add
 * against its rule on random cases
 * (tests/python/test_cortex_m.py holds them to ExecuTorch's reference on random cases). Expected values are worked out here from the rule in
 * op_quant.c: q = clamp(zp + round_half_even(x * (1.0f / scale)), qmin, qmax) and
 * x = (q - zp) * scale, with scales (0.5, 0.25, 2) whose products are exact, so each value is
 * checkable by hand; tests/python/test_quant_boundaries.py compares ExecuTorch's runtime bit for
 * bit on random and tie values. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/optimized/i8_eltwise.h"
#include "kernels/portable/requant.h"
#include "tests/c/kernel_harness.h"

static ember_value dt(int d) { return th_int(d); }

/* Per tensor, scale 0.5 (x * 2 exact), zero point 3, int8 [-10, 20]. */
static void per_tensor(void)
{
    static float x[] = {0.25f,  0.75f,   -0.25f, -0.75f, 1.25f, 100.0f,  -100.0f,
                        NAN,    INFINITY, -INFINITY, 3e38f, 0.0f,  -2.0f,   4.5f};
    /* x * 2 = 0.5 1.5 -0.5 -1.5 2.5 200 -200 nan inf -inf inf 0 -4 9; ties to even: 0 2 -0 -2 2 */
    static const int8_t want[] = {3, 5, 3, 1, 5, 20, -10, 3, 20, -10, 20, 3, -1, 12};
    enum { N = sizeof x / sizeof x[0] };
    static const int32_t s[] = {N};
    int8_t q[N];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s);
    ember_tensor tq = th_tensor(EMBER_DTYPE_I8, q, 1, s);
    ember_value v[] = {th_tensor_value(&tx), th_double(0.5), th_int(3), th_int(-10), th_int(20),
                       dt(EMBER_DTYPE_I8), th_tensor_value(&tq), th_tensor_value(&tq)};
    memset(q, 0x55, sizeof q);
    CHECK(th_run("quantized_decomposed::quantize_per_tensor.out", v, 8) == EMBER_OK);
    CHECK(memcmp(q, want, sizeof want) == 0);
    memset(q, 0x55, sizeof q);
    CHECK(th_run("cortex_m::quantize_per_tensor.out", v, 8) == EMBER_OK);
    CHECK(memcmp(q, want, sizeof want) == 0);

    /* back: (q - 3) * 0.5 */
    float y[N];
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 1, s);
    ember_value d[] = {th_tensor_value(&tq), th_double(0.5), th_int(3), th_int(-10), th_int(20),
                       dt(EMBER_DTYPE_I8), th_null(), th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK(th_run("quantized_decomposed::dequantize_per_tensor.out", d, 9) == EMBER_OK);
    for (int i = 0; i < N; i++) CHECK(y[i] == (float)(want[i] - 3) * 0.5f);
    memset(y, 0, sizeof y);
    ember_value dc[] = {th_tensor_value(&tq), th_double(0.5), th_int(3), th_int(-10), th_int(20),
                        dt(EMBER_DTYPE_I8), th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK(th_run("cortex_m::dequantize_per_tensor.out", dc, 8) == EMBER_OK);
    for (int i = 0; i < N; i++) CHECK(y[i] == (float)(want[i] - 3) * 0.5f);

    /* .Tensor_out: the same parameters as one-element tensors (float64 scale, int64 zero point) */
    double sc = 0.5;
    int64_t zp = 3;
    static const int32_t one[] = {1};
    ember_tensor ts = th_tensor(EMBER_DTYPE_F64, &sc, 1, one);
    ember_tensor tz = th_tensor(EMBER_DTYPE_I64, &zp, 1, one);
    ember_value vt[] = {th_tensor_value(&tx), th_tensor_value(&ts), th_tensor_value(&tz),
                        th_int(-10), th_int(20), dt(EMBER_DTYPE_I8), th_tensor_value(&tq),
                        th_tensor_value(&tq)};
    memset(q, 0x55, sizeof q);
    CHECK(th_run("quantized_decomposed::quantize_per_tensor.Tensor_out", vt, 8) == EMBER_OK);
    CHECK(memcmp(q, want, sizeof want) == 0);
    ember_value dt_[] = {th_tensor_value(&tq), th_tensor_value(&ts), th_tensor_value(&tz),
                         th_int(-10), th_int(20), dt(EMBER_DTYPE_I8), th_null(),
                         th_tensor_value(&ty), th_tensor_value(&ty)};
    memset(y, 0, sizeof y);
    CHECK(th_run("quantized_decomposed::dequantize_per_tensor.Tensor_out", dt_, 9) == EMBER_OK);
    for (int i = 0; i < N; i++) CHECK(y[i] == (float)(want[i] - 3) * 0.5f);
    sc = 0.0; /* a computed scale of 0 fails at run, naming it */
    CHECK(th_run("quantized_decomposed::quantize_per_tensor.Tensor_out", vt, 8) ==
          EMBER_INVALID_ARGUMENT);
}

/* uint8 and int16 outs. */
static void other_dtypes(void)
{
    static float x[] = {-1.0f, 0.0f, 0.3f, 1000.0f};
    static const int32_t s[] = {4};
    uint8_t qu[4];
    int16_t qs[4];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s);
    ember_tensor tu = th_tensor(EMBER_DTYPE_U8, qu, 1, s);
    ember_tensor ts = th_tensor(EMBER_DTYPE_I16, qs, 1, s);
    /* scale 0.25: x * 4 = -4 0 1.2 4000 */
    ember_value vu[] = {th_tensor_value(&tx), th_double(0.25), th_int(128), th_int(0),
                        th_int(255), dt(EMBER_DTYPE_U8), th_tensor_value(&tu), th_tensor_value(&tu)};
    CHECK(th_run("quantized_decomposed::quantize_per_tensor.out", vu, 8) == EMBER_OK);
    CHECK(qu[0] == 124 && qu[1] == 128 && qu[2] == 129 && qu[3] == 255);
    ember_value vs[] = {th_tensor_value(&tx), th_double(0.25), th_int(-7), th_int(-32768),
                        th_int(32767), dt(EMBER_DTYPE_I16), th_tensor_value(&ts),
                        th_tensor_value(&ts)};
    CHECK(th_run("quantized_decomposed::quantize_per_tensor.out", vs, 8) == EMBER_OK);
    CHECK(qs[0] == -11 && qs[1] == -7 && qs[2] == -6 && qs[3] == 3993);
}

/* Per channel along axis 1 of (2, 3, 2): scales 0.5, 0.25, 2 (float32), zero points -1, 0, 4
 * (int32); dequantize with and without zero points. */
static void per_channel(void)
{
    static float x[] = {1.0f, -1.0f, 1.0f, -1.0f, 1.0f, 3.0f, 0.25f, 0.75f, 0.125f, 0.375f,
                        5.0f, -500.0f};
    /* channel c of element (o, c, i) = (i0 / 2) % 3 */
    static const float sc[] = {0.5f, 0.25f, 2.0f};
    static const int32_t zp[] = {-1, 0, 4};
    /* x / s: 2 -2 | 4 -4 | 0.5 1.5 || 0.5 1.5 | 0.5 1.5 | 2.5 -250 -> round, + zp, clamp */
    static const int8_t want[] = {1, -3, 4, -4, 4, 6, -1, 1, 0, 2, 6, -128};
    static const int32_t s[] = {2, 3, 2}, sc_s[] = {3};
    int8_t q[12];
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 3, s);
    ember_tensor tq = th_tensor(EMBER_DTYPE_I8, q, 3, s);
    ember_tensor tsc = th_tensor(EMBER_DTYPE_F32, (void*)sc, 1, sc_s);
    ember_tensor tzp = th_tensor(EMBER_DTYPE_I32, (void*)zp, 1, sc_s);
    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&tsc), th_tensor_value(&tzp),
                       th_int(1), th_int(-128), th_int(127), dt(EMBER_DTYPE_I8),
                       th_tensor_value(&tq), th_tensor_value(&tq)};
    CHECK(th_run("quantized_decomposed::quantize_per_channel.out", v, 9) == EMBER_OK);
    CHECK(memcmp(q, want, sizeof want) == 0);
    v[3] = th_int(-2); /* the same axis, counted from the end */
    memset(q, 0, sizeof q);
    CHECK(th_run("quantized_decomposed::quantize_per_channel.out", v, 9) == EMBER_OK);
    CHECK(memcmp(q, want, sizeof want) == 0);

    float y[12];
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 3, s);
    ember_value d[] = {th_tensor_value(&tq), th_tensor_value(&tsc), th_tensor_value(&tzp),
                       th_int(1), th_int(-128), th_int(127), dt(EMBER_DTYPE_I8), th_null(),
                       th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK(th_run("quantized_decomposed::dequantize_per_channel.out", d, 10) == EMBER_OK);
    for (int i = 0; i < 12; i++) {
        const int c = (i / 2) % 3;
        CHECK(y[i] == (float)(want[i] - zp[c]) * sc[c]);
    }
    d[2] = th_null(); /* no zero points: 0 */
    CHECK(th_run("quantized_decomposed::dequantize_per_channel.out", d, 10) == EMBER_OK);
    for (int i = 0; i < 12; i++) CHECK(y[i] == (float)want[i] * sc[(i / 2) % 3]);
    /* a computed channel scale that is not positive fails at run */
    static float badsc[] = {0.5f, -0.25f, 2.0f};
    ember_tensor tbad = th_tensor(EMBER_DTYPE_F32, badsc, 1, sc_s);
    v[1] = th_tensor_value(&tbad);
    CHECK(th_run("quantized_decomposed::quantize_per_channel.out", v, 9) ==
          EMBER_INVALID_ARGUMENT);
}

/* What prepare refuses: scale 0, negative or beyond float32, a zero point outside the dtype, a
 * range wider than the dtype or reversed, a dtype argument naming another type, a float16
 * out_dtype, scales not one per channel, an axis out of range, a float input of another dtype. */
static void refusals(void)
{
    static float x[4];
    static double xd[4];
    int8_t q[4];
    float y[4];
    static const int32_t s[] = {4}, s3[] = {3};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s);
    ember_tensor txd = th_tensor(EMBER_DTYPE_F64, xd, 1, s);
    ember_tensor tq = th_tensor(EMBER_DTYPE_I8, q, 1, s);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 1, s);
    struct {
        double scale;
        int64_t zp, qmin, qmax, dtype;
        ember_status want;
    } cases[] = {
        {0.0, 0, -128, 127, EMBER_DTYPE_I8, EMBER_INVALID_ARGUMENT},
        {-1.0, 0, -128, 127, EMBER_DTYPE_I8, EMBER_INVALID_ARGUMENT},
        {1e300, 0, -128, 127, EMBER_DTYPE_I8, EMBER_INVALID_ARGUMENT},
        {NAN, 0, -128, 127, EMBER_DTYPE_I8, EMBER_INVALID_ARGUMENT},
        {0.1, 128, -128, 127, EMBER_DTYPE_I8, EMBER_INVALID_ARGUMENT},
        {0.1, 0, -129, 127, EMBER_DTYPE_I8, EMBER_INVALID_ARGUMENT},
        {0.1, 0, 5, 4, EMBER_DTYPE_I8, EMBER_INVALID_ARGUMENT},
        {0.1, 0, -128, 127, EMBER_DTYPE_U8, EMBER_DTYPE_MISMATCH},
        {0.1, 0, -128, 127, EMBER_DTYPE_I8, EMBER_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ember_value v[] = {th_tensor_value(&tx), th_double(cases[i].scale), th_int(cases[i].zp),
                           th_int(cases[i].qmin), th_int(cases[i].qmax), dt((int)cases[i].dtype),
                           th_tensor_value(&tq), th_tensor_value(&tq)};
        CHECK(th_run("quantized_decomposed::quantize_per_tensor.out", v, 8) == cases[i].want);
        ember_value d[] = {th_tensor_value(&tq), th_double(cases[i].scale), th_int(cases[i].zp),
                           th_int(cases[i].qmin), th_int(cases[i].qmax), dt((int)cases[i].dtype),
                           th_tensor_value(&ty), th_tensor_value(&ty)};
        CHECK(th_run("cortex_m::dequantize_per_tensor.out", d, 8) == cases[i].want);
    }
    ember_value fd[] = {th_tensor_value(&txd), th_double(0.1), th_int(0), th_int(-128),
                        th_int(127), dt(EMBER_DTYPE_I8), th_tensor_value(&tq), th_tensor_value(&tq)};
    CHECK(th_run("quantized_decomposed::quantize_per_tensor.out", fd, 8) == EMBER_DTYPE_MISMATCH);
    ember_value od[] = {th_tensor_value(&tq), th_double(0.1), th_int(0), th_int(-128),
                        th_int(127), dt(EMBER_DTYPE_I8), th_int(EMBER_DTYPE_F16),
                        th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK(th_run("quantized_decomposed::dequantize_per_tensor.out", od, 9) == EMBER_NOT_SUPPORTED);
    static float sc3[3] = {1, 1, 1};
    static int64_t zp3[3];
    ember_tensor tsc = th_tensor(EMBER_DTYPE_F32, sc3, 1, s3);
    ember_tensor tzp = th_tensor(EMBER_DTYPE_I64, zp3, 1, s3);
    ember_value pc[] = {th_tensor_value(&tx), th_tensor_value(&tsc), th_tensor_value(&tzp),
                        th_int(0), th_int(-128), th_int(127), dt(EMBER_DTYPE_I8),
                        th_tensor_value(&tq), th_tensor_value(&tq)};
    CHECK(th_run("quantized_decomposed::quantize_per_channel.out", pc, 9) == EMBER_SHAPE_MISMATCH);
    pc[3] = th_int(1);
    CHECK(th_run("quantized_decomposed::quantize_per_channel.out", pc, 9) ==
          EMBER_INVALID_ARGUMENT);
}

/* ember_requantize (CMSIS-NN's arm_nn_requantize) on values worked by hand: multiplier 2^30
 * (0.5): (v 2^30 + 2^30) >> 31 = floor((v + 1) / 2), then the rounding right shift. */
static void requantize(void)
{
    const int32_t half = 1 << 30;
    CHECK(ember_requantize(100, half, 0) == 50);      /* 50.5 floored */
    CHECK(ember_requantize(101, half, 0) == 51);
    CHECK(ember_requantize(-101, half, 0) == -50);
    CHECK(ember_requantize(1000, half, -2) == 125);   /* 500 / 4 */
    CHECK(ember_requantize(1002, half, -2) == 125);   /* 501 / 4 = 125.25 */
    CHECK(ember_requantize(1006, half, -2) == 126);   /* 503 / 4 = 125.75 */
    CHECK(ember_requantize(-1006, half, -2) == -126); /* -503 / 4 = -125.75 */
    CHECK(ember_requantize(-1002, half, -2) == -125); /* -501 / 4 = -125.25 */
    CHECK(ember_requantize(1004, half, -2) == 126);   /* 502 / 4 = 125.5: up */
    CHECK(ember_requantize(-1004, half, -2) == -126); /* -502 / 4 = -125.5: away from zero */
    CHECK(ember_requantize(3, half, 2) == 6);         /* 12 * 0.5 = 6 (6.5 floored) */
    CHECK(ember_requantize(INT32_MAX, INT32_MAX, 0) == INT32_MAX - 1);
}

/* cortex_m::quantized_linear.out on a case worked by hand, in both forms (bias, and the
 * kernel_sum form with the input offset and bias folded in), and what prepare refuses. */
static void quantized_linear(void)
{
    static int8_t x[] = {1, -2, 3}, w[] = {1, 1, 1, 2, 0, -1};
    static int32_t bias[] = {10, -10}, ksum[] = {13, -9};
    int8_t out[2];
    static const int32_t sx[] = {1, 3}, sw[] = {2, 3}, sb[] = {2}, so[] = {1, 2};
    ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 2, sx);
    ember_tensor tw = th_tensor(EMBER_DTYPE_I8, w, 2, sw);
    ember_tensor tb = th_tensor(EMBER_DTYPE_I32, bias, 1, sb);
    ember_tensor tk = th_tensor(EMBER_DTYPE_I32, ksum, 1, sb);
    ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 2, so);
    const int64_t mult[] = {1 << 30}, shift[] = {0};
    /* acc = (x + 1) . w + bias = 15, -10; requantize by 0.5: 8, -5; + 3 */
    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&tb),
                       th_null(), th_int(1), th_int(0), th_int(3), th_int_list(mult, 1),
                       th_int_list(shift, 1), th_int(127), th_int(-128), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_OK);
    CHECK(out[0] == 11 && out[1] == -2);
    v[2] = th_null(), v[3] = th_tensor_value(&tk); /* x . w + 0 sum(x) + kernel_sum: the same */
    memset(out, 0, sizeof out);
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_OK);
    CHECK(out[0] == 11 && out[1] == -2);
    v[9] = th_int(5), v[10] = th_int(0); /* activation [0, 5] */
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_OK);
    CHECK(out[0] == 5 && out[1] == 0);
    v[9] = th_int(-1); /* max below min */
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_INVALID_ARGUMENT);
    v[9] = th_int(127), v[10] = th_int(-128);
    const int64_t bad_shift[] = {31}, bad_mult[] = {-1};
    v[8] = th_int_list(bad_shift, 1);
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_INVALID_ARGUMENT);
    v[8] = th_int_list(shift, 1), v[7] = th_int_list(bad_mult, 1);
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_INVALID_ARGUMENT);
    v[7] = th_int_list(mult, 1), v[7].len = 0; /* an empty list */
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_INVALID_ARGUMENT);
    v[7] = th_int_list(mult, 1);
    static const int32_t sw4[] = {2, 4}; /* weights of another width */
    static int8_t w4[8];
    ember_tensor tw4 = th_tensor(EMBER_DTYPE_I8, w4, 2, sw4);
    v[1] = th_tensor_value(&tw4);
    CHECK(th_run("cortex_m::quantized_linear.out", v, 13) == EMBER_SHAPE_MISMATCH);
}

/* cortex_m::quantized_add.out and quantized_mul.out on values worked by hand (multipliers 2^30,
 * i.e. 0.5), and the broadcast they refuse. */
static void quantized_elementwise(void)
{
    static int8_t x[] = {10, 3, -4}, y[] = {20, 5, 6}, out[3];
    static const int32_t s3[] = {3};
    ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 1, s3);
    ember_tensor ty = th_tensor(EMBER_DTYPE_I8, y, 1, s3);
    ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 1, s3);
    const int64_t half = 1 << 30;
    /* add: each input (q - 0) << 20 halved, summed, halved again and shifted down by 20:
     * (10 + 20) / 4 = 7.5 -> 8, (3 + 5) / 4 = 2, (-4 + 6) / 4 = 0.5 -> 1 */
    ember_value a[] = {th_tensor_value(&tx), th_int(0), th_int(half), th_int(0),
                       th_tensor_value(&ty), th_int(0), th_int(half), th_int(0),
                       th_int(0), th_int(half), th_int(-20), th_int(-128), th_int(127),
                       th_tensor_value(&to), th_tensor_value(&to)};
    CHECK(th_run("cortex_m::quantized_add.out", a, 15) == EMBER_OK);
    CHECK(out[0] == 8 && out[1] == 2 && out[2] == 1);
    a[12] = th_int(4); /* activation_max 4 */
    CHECK(th_run("cortex_m::quantized_add.out", a, 15) == EMBER_OK);
    CHECK(out[0] == 4 && out[1] == 2 && out[2] == 1);
    /* mul: (x - 1)(y - 2) = 162, 6, -20, halved (floor of (v + 1) / 2): 81, 3, -10; + 1 */
    ember_value m[] = {th_tensor_value(&tx), th_int(1), th_tensor_value(&ty), th_int(2),
                       th_int(1), th_int(half), th_int(0), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK(th_run("cortex_m::quantized_mul.out", m, 9) == EMBER_OK);
    CHECK(out[0] == 82 && out[1] == 4 && out[2] == -9);
    static int8_t y1[1];
    static const int32_t s1[] = {1};
    ember_tensor t1 = th_tensor(EMBER_DTYPE_I8, y1, 1, s1);
    m[2] = th_tensor_value(&t1); /* another shape: not supported yet */
    CHECK(th_run("cortex_m::quantized_mul.out", m, 9) == EMBER_NOT_SUPPORTED);
    m[2] = th_tensor_value(&ty), m[1] = th_int(200); /* a zero point beyond int8 */
    CHECK(th_run("cortex_m::quantized_mul.out", m, 9) == EMBER_INVALID_ARGUMENT);
}

#if EMBER_HAVE_X86_KERNELS
/* The AVX-512 quantized_add (i8_eltwise__avx512.c) against the rule of op_qelementwise.c on
 * random lengths (16-lane tails) and parameters: zero points at the int8 ends, multipliers over
 * Q31, shifts negative (the faster requantization) or not, both operands and the output. */
static void quantized_add_avx512(void)
{
    const uint64_t f = I8_ELTWISE_FEATURES_AVX512;
    if ((ember_cpu_features() & f) != f) return;
    uint64_t rng = 0x9e3779b97f4a7c15u;
#define RND(n) ((rng = rng * 6364136223846793005u + 1442695040888963407u), (int32_t)((rng >> 33) % (n)))
    for (int t = 0; t < 400; t++) {
        int8_t x[100], y[100], want[100], got[100];
        const int64_t n = 1 + RND(100);
        for (int64_t i = 0; i < n; i++) x[i] = (int8_t)(RND(256) - 128), y[i] = (int8_t)(RND(256) - 128);
        int32_t sh[3];
        for (int k = 0; k < 3; k++) sh[k] = RND(4) == 0 ? -RND(32) : -1 - RND(31); /* 0 at times */
        const int32_t lo = RND(3) ? -128 : -128 + RND(100);
        i8_add_params p = {RND(256) - 128, (1 << 30) + RND(1 << 30), sh[0],
                           RND(256) - 128, (1 << 30) + RND(1 << 30), sh[1],
                           RND(256) - 128, (1 << 30) + RND(1 << 30), sh[2], lo, lo + RND(128 - lo)};
        for (int64_t i = 0; i < n; i++) {
            const int32_t a = ember_requantize((int32_t)((uint32_t)(x[i] - p.x_zp) << 20), p.x_mult, p.x_shift);
            const int32_t b = ember_requantize((int32_t)((uint32_t)(y[i] - p.y_zp) << 20), p.y_mult, p.y_shift);
            want[i] = ember_requantize_clamp((int32_t)((uint32_t)a + (uint32_t)b), p.out_mult,
                                             p.out_shift, p.out_zp, p.lo, p.hi);
        }
        memset(got, 0x5a, sizeof got);
        const int64_t cut = RND((uint32_t)n + 1);
        i8_add__avx512(&p, x, y, got, 0, cut);
        i8_add__avx512(&p, x, y, got, cut, n);
        CHECK(memcmp(got, want, (size_t)n) == 0);
        if (n < 100) CHECK(got[n] == 0x5a); /* nothing written past the run */
    }
#undef RND
}
#endif

/* cortex_m::softmax (op_qsoftmax.c): a row of n equal values is 1/n, 256/n - 128 on the output
 * grid (n = 4: -64); a value below diff_min under the row's max gives -128; one far above the
 * rest takes 1 / (1 + 6 e^-d) of the row, computed here in double, within the step CMSIS-NN's
 * fixed point may differ by; refusals. Multiplier and shift for an input scale of 1/16 (a real
 * multiplier of 2^22: 2^30 and shift 23 in CMSIS-NN's Q31 form). */
static void softmax(void)
{
    static int8_t x[8] = {5, 5, 5, 5, 9, 9, 9, 9}, x8[8] = {0, 0, 0, 0, 0, 0, 100, -100};
    static int8_t y[8];
    static const int32_t s24[] = {2, 4}, s8[] = {8};
    ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 2, s24), ty = th_tensor(EMBER_DTYPE_I8, y, 2, s24);
    ember_value v[] = {th_tensor_value(&tx), th_int(-1), th_int(0),          th_int(-128),
                       th_int(1 << 30),      th_int(23), th_int(-1000),      th_tensor_value(&ty),
                       th_tensor_value(&ty)};
    CHECK(th_run("cortex_m::softmax.out", v, 9) == EMBER_OK);
    for (int i = 0; i < 8; i++) CHECK(y[i] == -64);
    ember_tensor t8 = th_tensor(EMBER_DTYPE_I8, x8, 1, s8), o8 = th_tensor(EMBER_DTYPE_I8, y, 1, s8);
    v[0] = th_tensor_value(&t8), v[7] = v[8] = th_tensor_value(&o8), v[6] = th_int(-150);
    CHECK(th_run("cortex_m::softmax.out", v, 9) == EMBER_OK);
    const double top = 256.0 / (1.0 + 6.0 * exp(-100.0 / 16.0)) - 128.0;
    CHECK(fabs(y[6] - top) <= 1.0 && y[7] == -128);
    for (int i = 0; i < 6; i++) CHECK(y[i] == -128 || y[i] == -127); /* 0.5 of a step */
    v[0] = th_tensor_value(&tx), v[7] = v[8] = th_tensor_value(&ty), v[6] = th_int(-1000);
    v[1] = th_int(0); /* not the last dim */
    CHECK(th_run("cortex_m::softmax.out", v, 9) == EMBER_NOT_SUPPORTED);
    v[1] = th_int(-1), v[3] = th_int(0); /* CMSIS-NN's output zero point is -128 */
    CHECK(th_run("cortex_m::softmax.out", v, 9) == EMBER_INVALID_ARGUMENT);
    v[3] = th_int(-128), v[5] = th_int(-1); /* a right shift: 1 << shift is CMSIS-NN's scale */
    CHECK(th_run("cortex_m::softmax.out", v, 9) == EMBER_INVALID_ARGUMENT);
    v[5] = th_int(23), v[6] = th_int(1); /* diff_min above 0 */
    CHECK(th_run("cortex_m::softmax.out", v, 9) == EMBER_INVALID_ARGUMENT);
}

/* cortex_m::quantized_add.out of operands of one shape on random cases against the rule
 * (op_qelementwise.c: each (x - zp) << 20 requantized, summed wrapping, requantized, + zp,
 * clamped), through the op, so whichever kernel the CPU runs (portable, AVX-512, Helium): 1-100
 * elements, zero points anywhere in int8, multipliers of either sign (a subtraction), shifts
 * from -31 to 30 for a third, clamps. */
static void quantized_add_random(void)
{
    static int8_t x[100], y[100], out[101], want[100];
    uint64_t rng = 0x6a09e667f3bcc909u;
#define RNDA(n) ((rng = rng * 6364136223846793005u + 1442695040888963407u), (int32_t)((rng >> 33) % (n)))
    for (int t = 0; t < 60; t++) {
        const int n = 1 + RNDA(100);
        int32_t zp[3], m[3], sh[3];
        for (int k = 0; k < 3; k++) {
            zp[k] = RNDA(256) - 128;
            m[k] = (1 << 30) + RNDA(1 << 30);
            if (k < 2 && RNDA(3) == 0) m[k] = -m[k]; /* a - b */
            sh[k] = t % 3 == 2 ? RNDA(62) - 31 : -1 - RNDA(25);
        }
        const int32_t lo = RNDA(3) ? -128 : -128 + RNDA(100), hi = lo + RNDA(128 - lo);
        for (int i = 0; i < n; i++) {
            x[i] = (int8_t)(RNDA(256) - 128), y[i] = (int8_t)(RNDA(256) - 128);
            const int32_t a = ember_requantize((int32_t)((uint32_t)(x[i] - zp[0]) << 20), m[0], sh[0]);
            const int32_t b = ember_requantize((int32_t)((uint32_t)(y[i] - zp[1]) << 20), m[1], sh[1]);
            want[i] = ember_requantize_clamp((int32_t)((uint32_t)a + (uint32_t)b), m[2], sh[2], zp[2],
                                             lo, hi);
        }
        const int32_t s[] = {n};
        ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 1, s), ty = th_tensor(EMBER_DTYPE_I8, y, 1, s);
        ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 1, s);
        ember_value v[] = {th_tensor_value(&tx), th_int(zp[0]), th_int(m[0]), th_int(sh[0]),
                           th_tensor_value(&ty), th_int(zp[1]), th_int(m[1]), th_int(sh[1]),
                           th_int(zp[2]), th_int(m[2]), th_int(sh[2]), th_int(lo), th_int(hi),
                           th_tensor_value(&to), th_tensor_value(&to)};
        memset(out, 0x55, sizeof out);
        CHECK(th_run("cortex_m::quantized_add.out", v, 15) == EMBER_OK);
        if (memcmp(out, want, (size_t)n) != 0) {
            fprintf(stderr, "add case %d: n %d\n", t, n);
            CHECK(!"random add equals the rule");
        }
        CHECK(out[n] == 0x55);
    }
#undef RNDA
}

/* cortex_m::quantized_linear.out on random cases against the rule computed here (op_qlinear.c:
 * acc = sum (x + input_offset)(w + filter_offset) + bias, or sum x w + filter_offset sum(x) +
 * kernel_sum, wrapping; requant.h; + output_offset; clamped): 1-4 rows, 1-100 features (the
 * vector kernels' 16-byte tail), 1-70 outputs (their 4-channel groups and 64-channel chunks),
 * either form, filter_offset 0 (the fast kernels' case) or not, multipliers and shifts anywhere
 * in their range for a third. */
static void quantized_linear_random(void)
{
    static int8_t x[4 * 100], w[70 * 100], out[4 * 70 + 1], want[4 * 70];
    static int32_t bias[70];
    uint64_t rng = 0x2545f4914f6cdd1du;
#define RNDL(n) ((rng = rng * 6364136223846793005u + 1442695040888963407u), (int32_t)((rng >> 33) % (n)))
    for (int t = 0; t < 60; t++) {
        const int rows = 1 + RNDL(4), k = 1 + RNDL(100), n = 1 + RNDL(70);
        const bool ksum = t % 2, extreme = t % 3 == 2;
        const int32_t in_off = RNDL(511) - 255, w_off = t % 4 == 3 ? RNDL(511) - 255 : 0;
        const int32_t out_off = RNDL(511) - 255, lo = RNDL(128) - 128, hi = lo + RNDL(128 - lo);
        const int32_t mult = extreme ? RNDL(0x7FFFFFFF) : 0x40000000 + RNDL(0x3FFFFFFF);
        const int32_t shift = extreme ? RNDL(62) - 31 : -RNDL(12);
        for (int i = 0; i < rows * k; i++) x[i] = (int8_t)(RNDL(256) - 128);
        for (int i = 0; i < n * k; i++) w[i] = (int8_t)(RNDL(256) - 128);
        for (int j = 0; j < n; j++) bias[j] = RNDL(0x7FFFFFFF) - 0x3FFFFFFF;
        for (int r = 0; r < rows; r++) {
            uint32_t xsum = 0;
            for (int i = 0; i < k; i++) xsum += (uint32_t)x[r * k + i];
            for (int j = 0; j < n; j++) {
                uint32_t acc = 0;
                for (int i = 0; i < k; i++)
                    acc += ksum ? (uint32_t)(x[r * k + i] * w[j * k + i])
                                : (uint32_t)((x[r * k + i] + in_off) * (w[j * k + i] + w_off));
                acc += ksum ? xsum * (uint32_t)w_off + (uint32_t)bias[j] : (uint32_t)bias[j];
                want[r * n + j] = ember_requantize_clamp((int32_t)acc, mult, shift, out_off, lo, hi);
            }
        }
        const int32_t sx[] = {rows, k}, sw[] = {n, k}, sb[] = {n}, so[] = {rows, n};
        ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 2, sx);
        ember_tensor tw = th_tensor(EMBER_DTYPE_I8, w, 2, sw);
        ember_tensor tb = th_tensor(EMBER_DTYPE_I32, bias, 1, sb);
        ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 2, so);
        const int64_t m[] = {mult}, s[] = {shift};
        ember_value v[] = {th_tensor_value(&tx), ksum ? th_null() : th_tensor_value(&tb),
                           ksum ? th_tensor_value(&tb) : th_null(), th_int(in_off), th_int(w_off),
                           th_int(out_off), th_int_list(m, 1), th_int_list(s, 1), th_int(hi),
                           th_int(lo), th_tensor_value(&to), th_tensor_value(&to)};
        ember_value all[13] = {v[0], th_tensor_value(&tw)};
        memcpy(all + 2, v + 1, sizeof v - sizeof v[0]);
        memset(out, 0x55, sizeof out);
        CHECK(th_run("cortex_m::quantized_linear.out", all, 13) == EMBER_OK);
        if (memcmp(out, want, (size_t)(rows * n)) != 0) {
            fprintf(stderr, "linear case %d: rows %d k %d n %d %s w_off %d%s\n", t, rows, k, n,
                    ksum ? "kernel_sum" : "bias", (int)w_off, extreme ? " extreme" : "");
            CHECK(!"random linear equals the rule");
        }
        CHECK(out[rows * n] == 0x55); /* nothing past out */
    }
#undef RNDL
}

/* float32 -> int8 per tensor on random cases against the rule above (x * (1 / scale) in float,
 * ties to even, NaN to the zero point, + zp, clamped): 1-300 values of every magnitude with
 * ties, zeros, infinities and NaNs among them, scales 2^-20..2^10 with random mantissas,
 * any zero point and range (the vector kernels' groups of 4 and 16 and their tails). */
static void quantize_random(void)
{
    static float x[300];
    static int8_t q[301], want[300];
    uint64_t rng = 0xda3e39cb94b95bdbu;
#define RNDQ(n) ((rng = rng * 6364136223846793005u + 1442695040888963407u), (int32_t)((rng >> 33) % (n)))
    for (int t = 0; t < 40; t++) {
        const int n = 1 + RNDQ(300);
        const int32_t frac = RNDQ(1 << 20), e2 = RNDQ(31) - 20;
        const float scale = ldexpf(1.0f + (float)frac / (float)(1 << 20), e2);
        const int32_t zp = RNDQ(256) - 128, qmin = RNDQ(200) - 128, qmax = qmin + RNDQ(128 - qmin);
        const float inv = 1.0f / scale;
        for (int i = 0; i < n; i++) {
            const int kind = RNDQ(10), r = RNDQ(401), e = RNDQ(40) - 20;
            const float m = (float)(RNDQ(1 << 24) - (1 << 23)) / (float)(1 << 23);
            x[i] = kind == 0   ? (float)(r - 200) * 0.5f * scale /* ties */
                   : kind == 1 ? (r % 2 ? INFINITY : -INFINITY)
                   : kind == 2 ? (r % 2 ? NAN : 0.0f)
                               : ldexpf(m, e) * scale * 128.0f;
            const float p = x[i] * inv;
            const double v = isnan(p) ? (double)zp : (double)nearbyintf(p) + (double)zp;
            want[i] = (int8_t)(v < qmin ? qmin : v > qmax ? qmax : v);
        }
        const int32_t s[] = {n};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s), tq = th_tensor(EMBER_DTYPE_I8, q, 1, s);
        ember_value v[] = {th_tensor_value(&tx), th_double((double)scale), th_int(zp), th_int(qmin),
                           th_int(qmax), th_int(EMBER_DTYPE_I8), th_tensor_value(&tq),
                           th_tensor_value(&tq)};
        memset(q, 0x55, sizeof q);
        CHECK(th_run("cortex_m::quantize_per_tensor.out", v, 8) == EMBER_OK);
        if (memcmp(q, want, (size_t)n) != 0) {
            fprintf(stderr, "quantize case %d: n %d scale %g zp %d [%d, %d]\n", t, n,
                    (double)scale, (int)zp, (int)qmin, (int)qmax);
            for (int i = 0; i < n; i++)
                if (q[i] != want[i])
                    fprintf(stderr, "  [%d] x %.9g: got %d want %d\n", i, (double)x[i], q[i], want[i]);
            CHECK(!"random quantize equals the rule");
        }
        CHECK(q[n] == 0x55);
    }
#undef RNDQ
}

int main(void)
{
    softmax();
    requantize();
    quantized_elementwise();
#if EMBER_HAVE_X86_KERNELS
    quantized_add_avx512();
#endif
    quantized_linear();
    quantized_linear_random();
    quantized_add_random();
    quantize_random();
    per_tensor();
    other_dtypes();
    per_channel();
    refusals();
    return check_report("test_ops_quant");
}
