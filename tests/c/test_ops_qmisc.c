/* test_ops_qmisc.c — cortex_m::quantized_activation, quantized_div and quantized_batch_matmul
 * (op_qmisc.c), and quantized_add / quantized_mul (op_qelementwise.c) with a per-channel operand
 * and a negative multiplier (a - b), on hand-worked values and on random cases against the
 * rules written out here:
 *   activation: out = lut[x + 128];
 *   div: round_half_even((float)(x - xzp) / (float)(y - yzp) * (float)scale) + zp, clamped
 *        (a zero divisor gives the zero point);
 *   batch matmul: clamp(requantize(sum_k (a + a_off)(b + b_off)) + zp) with requant.h;
 *   add / mul: op_qelementwise.c's rule with the operand's channel (c of (n, c, h, w)) for the
 *        per-channel one.
 * tests/python/test_cortex_m_misc.py holds them to ExecuTorch's references on models. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/portable/requant.h"
#include "tests/c/kernel_harness.h"

static uint64_t rng = 0x2545f4914f6cdd1du;
#include "tests/c/rng.h"

static int32_t rr(int32_t lo, int32_t hi) /* [lo, hi] */
{
    return (int32_t)((int64_t)lo + (int64_t)(rng_next() >> 11) % ((int64_t)hi - lo + 1));
}

static void activation(void)
{
    int8_t x[300], lut[256], out[300];
    static const int32_t s[] = {3, 100}, s256[] = {256}, s255[] = {255}, s2[] = {300};
    for (int i = 0; i < 300; i++) x[i] = (int8_t)rr(-128, 127);
    x[0] = -128, x[1] = 127;
    for (int i = 0; i < 256; i++) lut[i] = (int8_t)rr(-128, 127);
    ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 2, s), tl = th_tensor(EMBER_DTYPE_I8, lut, 1, s256);
    ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 2, s);
    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&tl), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK_STATUS(th_run("cortex_m::quantized_activation.out", v, 4), EMBER_OK, NULL);
    int ok = 1;
    for (int i = 0; i < 300; i++) ok &= out[i] == lut[x[i] + 128];
    CHECK(ok);
    ember_tensor short_lut = th_tensor(EMBER_DTYPE_I8, lut, 1, s255); /* 255 entries */
    v[1] = th_tensor_value(&short_lut);
    CHECK_STATUS(th_run("cortex_m::quantized_activation.out", v, 4), EMBER_SHAPE_MISMATCH, "256");
    v[1] = th_tensor_value(&tl);
    ember_tensor flat = th_tensor(EMBER_DTYPE_I8, out, 1, s2); /* out of another shape */
    v[2] = v[3] = th_tensor_value(&flat);
    CHECK_STATUS(th_run("cortex_m::quantized_activation.out", v, 4), EMBER_SHAPE_MISMATCH, NULL);
}

/* The rule of quantized_div for one element. */
static int32_t div_rule(int32_t a, int32_t b, float scale, int32_t zp, int32_t lo, int32_t hi)
{
    const float q = b ? (float)a / (float)b : 0.0f;
    const float r = rintf(q * scale) + (float)zp;
    return r < (float)lo ? lo : (r > (float)hi ? hi : (int32_t)r);
}

static void quantized_div(void)
{
    /* hand-worked, scale 1, zero points 0 except out's 3: 10 / 4 = 2.5 -> 2 (half to even),
     * 6 / 4 = 1.5 -> 2, -10 / 4 = -2.5 -> -2, 7 / 0 -> 0; + 3 */
    static int8_t x[4] = {10, 6, -10, 7}, y[4] = {4, 4, 4, 0}, out[4];
    static const int32_t s4[] = {4}, s3[] = {3};
    ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 1, s4), ty = th_tensor(EMBER_DTYPE_I8, y, 1, s4);
    ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 1, s4);
    ember_value v[] = {th_tensor_value(&tx), th_int(0), th_tensor_value(&ty), th_int(0), th_int(3),
                       th_double(1.0), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK_STATUS(th_run("cortex_m::quantized_div.out", v, 8), EMBER_OK, NULL);
    CHECK(out[0] == 5 && out[1] == 5 && out[2] == 1 && out[3] == 3);
    /* random int8 and int16 against the rule */
    for (int t = 0; t < 40; t++) {
        int8_t a8[64], b8[64], o8[64];
        int16_t a16[64], b16[64], o16[64];
        const int wide = t % 2;
        const int32_t n = 1 + rr(0, 63), lim = wide ? 32768 : 128;
        const int32_t s[] = {n};
        for (int i = 0; i < n; i++) {
            a8[i] = (int8_t)rr(-128, 127), b8[i] = (int8_t)rr(-128, 127);
            a16[i] = (int16_t)rr(-32768, 32767), b16[i] = (int16_t)rr(-32768, 32767);
        }
        const int32_t xzp = rr(-lim, lim - 1), yzp = rr(-lim, lim - 1), zp = rr(-lim, lim - 1);
        b8[0] = (int8_t)(wide ? 0 : yzp), b16[0] = (int16_t)(wide ? yzp : 0); /* a zero divisor */
        const double scale = ldexp(rr(1, 1 << 20), rr(-24, 8)) * (rr(0, 1) ? 1 : -1);
        const int dt = wide ? EMBER_DTYPE_I16 : EMBER_DTYPE_I8;
        ember_tensor ta = th_tensor(dt, wide ? (void*)a16 : a8, 1, s);
        ember_tensor tb = th_tensor(dt, wide ? (void*)b16 : b8, 1, s);
        ember_tensor tc = th_tensor(dt, wide ? (void*)o16 : o8, 1, s);
        ember_value w[] = {th_tensor_value(&ta), th_int(xzp), th_tensor_value(&tb), th_int(yzp),
                           th_int(zp), th_double(scale), th_tensor_value(&tc), th_tensor_value(&tc)};
        CHECK_STATUS(th_run("cortex_m::quantized_div.out", w, 8), EMBER_OK, NULL);
        int ok = 1;
        for (int i = 0; i < n; i++) {
            const int32_t want = wide ? div_rule(a16[i] - xzp, b16[i] - yzp, (float)scale, zp, -32768, 32767)
                                      : div_rule(a8[i] - xzp, b8[i] - yzp, (float)scale, zp, -128, 127);
            ok &= (wide ? o16[i] : o8[i]) == want;
        }
        CHECK(ok);
    }
    /* refusals: shapes differ (no broadcasting), a zero point beyond int8, no finite scale,
     * dtypes differ */
    ember_tensor t3 = th_tensor(EMBER_DTYPE_I8, y, 1, s3);
    v[2] = th_tensor_value(&t3);
    CHECK_STATUS(th_run("cortex_m::quantized_div.out", v, 8), EMBER_NOT_SUPPORTED, "broadcast");
    v[2] = th_tensor_value(&ty), v[1] = th_int(128);
    CHECK_STATUS(th_run("cortex_m::quantized_div.out", v, 8), EMBER_INVALID_ARGUMENT, NULL);
    v[1] = th_int(0), v[5] = th_double(INFINITY);
    CHECK_STATUS(th_run("cortex_m::quantized_div.out", v, 8), EMBER_INVALID_ARGUMENT, "scale");
    v[5] = th_double(1.0);
    static int16_t y16[4];
    ember_tensor t16 = th_tensor(EMBER_DTYPE_I16, y16, 1, s4);
    v[2] = th_tensor_value(&t16);
    CHECK(th_run("cortex_m::quantized_div.out", v, 8) != EMBER_OK);
}

static void batch_matmul(void)
{
    for (int t = 0; t < 30; t++) {
        int8_t a[3 * 9 * 40], b[3 * 11 * 40], out[3 * 9 * 11], scratch[1];
        const int32_t nb = rr(1, 3), m = rr(1, 9), n = rr(1, 11), k = rr(1, 40);
        const int32_t sa[] = {nb, m, k}, sb[] = {nb, n, k}, so[] = {nb, m, n}, s1[] = {1};
        for (int i = 0; i < nb * m * k; i++) a[i] = (int8_t)rr(-128, 127);
        for (int i = 0; i < nb * n * k; i++) b[i] = (int8_t)rr(-128, 127);
        const int32_t ao = rr(-127, 128), bo = rr(-127, 128), zp = rr(-128, 127);
        const int32_t mult = rr(1 << 30, INT32_MAX), shift = rr(-20, 2);
        ember_tensor ta = th_tensor(EMBER_DTYPE_I8, a, 3, sa), tb = th_tensor(EMBER_DTYPE_I8, b, 3, sb);
        ember_tensor to = th_tensor(EMBER_DTYPE_I8, out, 3, so);
        ember_tensor ts = th_tensor(EMBER_DTYPE_I8, scratch, 1, s1);
        ember_value v[] = {th_tensor_value(&ta), th_int(ao), th_tensor_value(&tb), th_int(bo),
                           th_int(zp), th_int(mult), th_int(shift), th_tensor_value(&ts),
                           th_tensor_value(&to), th_tensor_value(&to)};
        CHECK_STATUS(th_run("cortex_m::quantized_batch_matmul.out", v, 10), EMBER_OK, NULL);
        int ok = 1;
        for (int bi = 0; bi < nb; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    int64_t acc = 0; /* |acc| < 40 * 255^2: no wrap here */
                    for (int q = 0; q < k; q++)
                        acc += (int64_t)(a[(bi * m + i) * k + q] + ao) * (b[(bi * n + j) * k + q] + bo);
                    ok &= out[(bi * m + i) * n + j] ==
                          ember_requantize_clamp((int32_t)acc, mult, shift, zp, -128, 127);
                }
        CHECK(ok);
        if (t) continue;
        /* refusals: inner sizes differ, out of another shape, a multiplier below 0 */
        const int32_t sbk[] = {nb, n, k + 1}, sbad[] = {nb, n, m};
        ember_tensor tk = th_tensor(EMBER_DTYPE_I8, b, 3, sbk), tbad = th_tensor(EMBER_DTYPE_I8, out, 3, sbad);
        v[2] = th_tensor_value(&tk);
        CHECK_STATUS(th_run("cortex_m::quantized_batch_matmul.out", v, 10), EMBER_SHAPE_MISMATCH, NULL);
        v[2] = th_tensor_value(&tb);
        if (n != m) {
            v[8] = v[9] = th_tensor_value(&tbad);
            CHECK_STATUS(th_run("cortex_m::quantized_batch_matmul.out", v, 10), EMBER_SHAPE_MISMATCH, NULL);
            v[8] = v[9] = th_tensor_value(&to);
        }
        v[5] = th_int(-1);
        CHECK_STATUS(th_run("cortex_m::quantized_batch_matmul.out", v, 10), EMBER_INVALID_ARGUMENT, NULL);
    }
}

/* add and mul with one operand per channel of a [2, 3, 2, 2] (channels-last as ExecuTorch's,
 * or contiguous), self or other; add with other's multiplier negated is a - b. */
static void elementwise_broadcast(int cl)
{
    static const int32_t big[4] = {2, 3, 2, 2}, per[4] = {1, 3, 1, 1};
    int8_t x[24], c[3], out[24];
    for (int i = 0; i < 24; i++) x[i] = (int8_t)rr(-128, 127);
    for (int i = 0; i < 3; i++) c[i] = (int8_t)rr(-128, 127);
    ember_tensor tx = cl ? th_tensor_cl(EMBER_DTYPE_I8, x, big) : th_tensor(EMBER_DTYPE_I8, x, 4, big);
    ember_tensor tc = th_tensor_cl(EMBER_DTYPE_I8, c, per);
    ember_tensor to = cl ? th_tensor_cl(EMBER_DTYPE_I8, out, big) : th_tensor(EMBER_DTYPE_I8, out, 4, big);
    const int32_t half = 1 << 30;
#define CH(i) (cl ? (i) % 3 : (i) / 4 % 3) /* the channel of byte i: NHWC or NCHW */
    for (int swap = 0; swap < 2; swap++)
        for (int neg = 0; neg < 2; neg++) {
            const int32_t xzp = rr(-128, 127), czp = rr(-128, 127), ozp = rr(-128, 127);
            const int32_t om = rr(half, INT32_MAX), os = -rr(15, 21);
            const int32_t cm = neg ? -half : half; /* c's multiplier, negated: x - c */
            ember_tensor *first = swap ? &tc : &tx, *second = swap ? &tx : &tc;
            ember_value a[] = {th_tensor_value(first), th_int(swap ? czp : xzp),
                               th_int(swap ? cm : half), th_int(-1), th_tensor_value(second),
                               th_int(swap ? xzp : czp), th_int(swap ? half : cm), th_int(-1),
                               th_int(ozp), th_int(om), th_int(os), th_int(-128), th_int(127),
                               th_tensor_value(&to), th_tensor_value(&to)};
            CHECK_STATUS(th_run("cortex_m::quantized_add.out", a, 15), EMBER_OK, NULL);
            int ok = 1;
            for (int i = 0; i < 24; i++) {
                const int32_t ra = ember_requantize((int32_t)((uint32_t)(x[i] - xzp) << 20), half, -1);
                const int32_t rc = ember_requantize((int32_t)((uint32_t)(c[CH(i)] - czp) << 20), cm, -1);
                ok &= out[i] == ember_requantize_clamp(ra + rc, om, os, ozp, -128, 127);
            }
            CHECK(ok);
            if (neg) { /* a - b by hand: zero points 0, x = c -> 0 */
                int8_t e[24], o2[24];
                for (int i = 0; i < 24; i++) e[i] = c[CH(i)];
                ember_tensor te = tx, t2 = to;
                te.data = e, t2.data = o2;
                ember_value s[] = {th_tensor_value(&te), th_int(0), th_int(half), th_int(-1),
                                   th_tensor_value(&tc), th_int(0), th_int(-half), th_int(-1),
                                   th_int(0), th_int(half), th_int(-18), th_int(-128), th_int(127),
                                   th_tensor_value(&t2), th_tensor_value(&t2)};
                CHECK_STATUS(th_run("cortex_m::quantized_add.out", s, 15), EMBER_OK, NULL);
                for (int i = 0; i < 24; i++) CHECK(o2[i] == 0);
            }
            ember_value m[] = {th_tensor_value(first), th_int(swap ? czp : xzp),
                               th_tensor_value(second), th_int(swap ? xzp : czp), th_int(ozp),
                               th_int(om), th_int(os), th_tensor_value(&to), th_tensor_value(&to)};
            CHECK_STATUS(th_run("cortex_m::quantized_mul.out", m, 9), EMBER_OK, NULL);
            ok = 1;
            for (int i = 0; i < 24; i++)
                ok &= out[i] == ember_requantize_clamp((x[i] - xzp) * (c[CH(i)] - czp), om, os, ozp,
                                                       -128, 127);
            CHECK(ok);
        }
    /* refusals: a per-channel operand of another channel count, out of the small shape, a
     * multiplier of INT32_MIN */
    static const int32_t per2[4] = {1, 2, 1, 1};
    ember_tensor t2 = th_tensor_cl(EMBER_DTYPE_I8, c, per2);
    ember_value m[] = {th_tensor_value(&tx), th_int(0), th_tensor_value(&t2), th_int(0), th_int(0),
                       th_int(half), th_int(-1), th_tensor_value(&to), th_tensor_value(&to)};
    CHECK_STATUS(th_run("cortex_m::quantized_mul.out", m, 9), EMBER_NOT_SUPPORTED, "per channel");
    m[2] = th_tensor_value(&tc), m[7] = m[8] = th_tensor_value(&tc);
    CHECK_STATUS(th_run("cortex_m::quantized_mul.out", m, 9), EMBER_SHAPE_MISMATCH, NULL);
    ember_value a[] = {th_tensor_value(&tx), th_int(0), th_int(INT32_MIN), th_int(-1),
                       th_tensor_value(&tc), th_int(0), th_int(half), th_int(-1), th_int(0),
                       th_int(half), th_int(-1), th_int(-128), th_int(127), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK_STATUS(th_run("cortex_m::quantized_add.out", a, 15), EMBER_INVALID_ARGUMENT, NULL);
#undef CH
}

int main(void)
{
    activation();
    quantized_div();
    batch_matmul();
    elementwise_broadcast(1);
    elementwise_broadcast(0);
    return check_report("test_ops_qmisc");
}
