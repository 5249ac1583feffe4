/* test_half.c — float16 and bfloat16: the converters of kernel_util.h and the kernels that run
 * in half types.
 *
 * Conversions, against independent oracles:
 *   - every one of the 65536 float16 and 65536 bfloat16 bit patterns converts to the float the
 *     format's definition gives (computed here with ldexp / by shifting the bits) and back to
 *     the same bits (a NaN back to the same NaN, quieted);
 *   - every tie between two neighbouring finite float16 / bfloat16 values rounds to the even
 *     one, and the floats just either side of it to the nearer one;
 *   - a few thousand float32 values (random bit patterns, the float16 overflow and subnormal
 *     boundaries, ties) round to the bits numpy's float16 and torch's bfloat16 give
 *     (tests/c/gen/gen_half_cases.py);
 *   - NaN stays NaN (sign kept, quiet), ±inf stays ±inf.
 * Kernels: each case in test_half_cases.inc runs one op on float16 or bfloat16 tensors and
 * compares with torch's result for the same op and dtype. Torch computes in float and rounds
 * once; Ember does too (elementwise math in double, then float, then half), but summation order
 * differs, and a float result near a rounding boundary can round either way, so a case allows
 * `ulps` units in the last place of the half result at max(|want|, 1/16) (1 for most ops, 2
 * for norms, whose statistics differ by a few float ulps; 0 — exact — for copies, creation and
 * casts). Integer and bool outs must match exactly. */
#include <math.h>
#include <string.h>

#include "kernels/kernel_util.h"
#include "tests/c/kernel_harness.h"

static float f32_of_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, 4);
    return f;
}
static uint32_t bits_of_f32(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

/* The value of float16 bits by the format's definition (NaN: NaN). */
static double f16_value(uint16_t h)
{
    const int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    double v = exp == 0    ? ldexp(man, -24)
               : exp == 31 ? (man ? NAN : INFINITY)
                           : ldexp(man | 0x400, exp - 25);
    return (h & 0x8000) ? -v : v;
}

static void exhaustive_f16(void)
{
    long bad_value = 0, bad_back = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        const float f = ember_f16_to_f32((uint16_t)h);
        const double want = f16_value((uint16_t)h);
        const bool nan = isnan(want);
        if (nan ? !(isnan(f) && bits_of_f32(f) == (((h & 0x8000u) << 16) | 0x7f800000u |
                                                    ((h & 0x3ffu) << 13)))
                : (double)f != want || !signbit(f) != !signbit(want)) {
            if (bad_value++ < 5) fprintf(stderr, "f16 0x%04x -> %.9g, want %.9g\n", h, f, want);
        }
        const uint16_t back = ember_f32_to_f16(f);
        if (back != (nan ? (h | 0x200u) : h)) {
            if (bad_back++ < 5) fprintf(stderr, "f16 0x%04x -> f32 -> 0x%04x\n", h, back);
        }
    }
    CHECK(bad_value == 0);
    CHECK(bad_back == 0);
}

static void exhaustive_bf16(void)
{
    long bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        const float f = ember_bf16_to_f32((uint16_t)h);
        const bool nan = (h & 0x7f80u) == 0x7f80u && (h & 0x7fu);
        if (bits_of_f32(f) != h << 16 || ember_f32_to_bf16(f) != (nan ? (h | 0x40u) : h)) {
            if (bad++ < 5) fprintf(stderr, "bf16 0x%04x -> %.9g -> 0x%04x\n", h, f, ember_f32_to_bf16(f));
        }
    }
    CHECK(bad == 0);
}

/* Every tie between neighbouring finite halves (both signs), and its float neighbours. */
static void ties_f16(void)
{
    long bad = 0;
    for (uint32_t h = 0; h < 0x7c00; h++) {
        for (int neg = 0; neg < 2; neg++) {
            const uint16_t s = neg ? 0x8000 : 0;
            const double lo = f16_value((uint16_t)h);
            /* above 65504 the next "value" is 65536, which rounds to inf */
            const double hi = h == 0x7bff ? 65536.0 : f16_value((uint16_t)(h + 1));
            const float mid = (float)((lo + hi) / 2); /* 12 significant bits: exact */
            const uint16_t even = (uint16_t)((h & 1) ? h + 1 : h);
            const float m = neg ? -mid : mid;
            const float below = nextafterf(m, 0.0f), above = nextafterf(m, neg ? -INFINITY : INFINITY);
            if (ember_f32_to_f16(m) != (s | even) || ember_f32_to_f16(below) != (s | h) ||
                ember_f32_to_f16(above) != (s | (h + 1))) {
                if (bad++ < 5)
                    fprintf(stderr, "f16 tie after 0x%04x (%s): got 0x%04x 0x%04x 0x%04x\n", h,
                            neg ? "-" : "+", ember_f32_to_f16(below), ember_f32_to_f16(m),
                            ember_f32_to_f16(above));
            }
        }
    }
    CHECK(bad == 0);
}

static void ties_bf16(void)
{
    long bad = 0;
    for (uint32_t h = 0; h < 0x7f80; h++) {
        for (uint32_t s = 0; s <= 0x8000; s += 0x8000) {
            const uint32_t tie = ((s | h) << 16) | 0x8000u;
            const uint16_t even = (uint16_t)(s | ((h & 1) ? h + 1 : h));
            if (ember_f32_to_bf16(f32_of_bits(tie)) != even ||
                ember_f32_to_bf16(f32_of_bits(tie - 1)) != (s | h) ||
                ember_f32_to_bf16(f32_of_bits(tie + 1)) != (s | (h + 1))) {
                if (bad++ < 5) fprintf(stderr, "bf16 tie 0x%08x rounds wrongly\n", tie);
            }
        }
    }
    CHECK(bad == 0);
}

static void specials(void)
{
    static const uint32_t nans[] = {0x7fc00000u, 0x7f800001u, 0xffc00001u, 0x7fa00000u, 0xff800100u};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        const float f = f32_of_bits(nans[i]);
        const uint16_t h = ember_f32_to_f16(f), b = ember_f32_to_bf16(f);
        CHECK(isnan(ember_f16_to_f32(h)) && (h & 0x200) && (h >> 15) == (nans[i] >> 31));
        CHECK(isnan(ember_bf16_to_f32(b)) && (b & 0x40) && (b >> 15) == (nans[i] >> 31));
    }
    CHECK(ember_f32_to_f16(INFINITY) == 0x7c00 && ember_f32_to_f16(-INFINITY) == 0xfc00);
    CHECK(ember_f32_to_bf16(INFINITY) == 0x7f80 && ember_f32_to_bf16(-INFINITY) == 0xff80);
    CHECK(ember_f32_to_f16(1e30f) == 0x7c00 && ember_f32_to_bf16(3.4e38f) == 0x7f80);
    CHECK(ember_f32_to_f16(-0.0f) == 0x8000 && ember_f32_to_bf16(-0.0f) == 0x8000);
    CHECK(ember_f32_to_f16(1e-10f) == 0 && ember_f32_to_f16(-1e-10f) == 0x8000);
}

/* ---- kernel cases ------------------------------------------------------------------------- */

static bool expect_ok(ember_status st, const char* what)
{
    if (st != EMBER_OK) fprintf(stderr, "%s: status %d: %s\n", what, (int)st, th_msg);
    CHECK(st == EMBER_OK);
    return st == EMBER_OK;
}

/* The spacing of `dtype`'s values at |w| (its unit in the last place). */
static double ulp_at(int dtype, double w)
{
    int e;
    frexp(fabs(w), &e); /* |w| in [2^(e-1), 2^e) */
    if (dtype == EMBER_DTYPE_F16) return ldexp(1.0, e - 11 > -24 ? e - 11 : -24);
    if (dtype == EMBER_DTYPE_BF16) return ldexp(1.0, e - 8 > -133 ? e - 8 : -133);
    return ldexp(1.0, e - 24 > -149 ? e - 24 : -149);
}

/* Out t (float16, bfloat16 or float32) against torch's values: equal infinities and NaNs,
 * else within ulps units in the last place at max(|want|, 1/16); ulps 0: exactly. */
static void expect_half_close(const ember_tensor* t, const float* want, int ulps, const char* what)
{
    for (int64_t i = 0; i < t->numel; i++) {
        const double g = ember_load_f64(t->data, t->dtype, i), w = want[i];
        bool ok;
        if (isnan(w) || isinf(w) || ulps == 0) ok = g == w || (isnan(g) && isnan(w));
        else ok = fabs(g - w) <= ulps * ulp_at(t->dtype, fmax(fabs(w), 0.0625));
        if (!ok) {
            fprintf(stderr, "%s: [%lld] got %.9g want %.9g (%d ulp allowed)\n", what,
                    (long long)i, g, w, ulps);
            CHECK(!what);
            return;
        }
    }
    CHECK(what);
}

static void expect_ints_equal(const ember_tensor* t, const int64_t* want, const char* what)
{
    for (int64_t i = 0; i < t->numel; i++) {
        const int64_t g = (int64_t)ember_load_f64(t->data, t->dtype, i);
        if (g != want[i]) {
            fprintf(stderr, "%s: [%lld] got %lld want %lld\n", what, (long long)i, (long long)g,
                    (long long)want[i]);
            CHECK(!what);
            return;
        }
    }
    CHECK(what);
}

#include "tests/c/test_half_cases.inc"

static void oracle_table(void)
{
    long bad16 = 0, bad_bf = 0;
    for (int i = 0; i < N_CONV; i++) {
        const float f = f32_of_bits(conv_f32_bits[i]);
        if (ember_f32_to_f16(f) != conv_f16_want[i] && bad16++ < 5)
            fprintf(stderr, "f32 %.9g (0x%08x) -> f16 0x%04x, numpy 0x%04x\n", f,
                    conv_f32_bits[i], ember_f32_to_f16(f), conv_f16_want[i]);
        if (ember_f32_to_bf16(f) != conv_bf16_want[i] && bad_bf++ < 5)
            fprintf(stderr, "f32 %.9g (0x%08x) -> bf16 0x%04x, torch 0x%04x\n", f,
                    conv_f32_bits[i], ember_f32_to_bf16(f), conv_bf16_want[i]);
    }
    CHECK(bad16 == 0);
    CHECK(bad_bf == 0);
}

/* Mixed or unsupported half dtypes fail prepare with a message naming the dtype. */
static void prepare_failures(void)
{
    static uint16_t a[6], b[9], o[6];
    static float f[9];
    static const int32_t s23[] = {2, 3}, s33[] = {3, 3};
    ember_tensor ta = th_tensor(EMBER_DTYPE_F16, a, 2, s23);
    ember_tensor tb = th_tensor(EMBER_DTYPE_BF16, b, 2, s33);
    ember_tensor to = th_tensor(EMBER_DTYPE_F16, o, 2, s23);
    ember_tensor tf = th_tensor(EMBER_DTYPE_F32, f, 2, s33);
    /* mm of float16 by bfloat16 */
    ember_value v[] = {th_tensor_value(&ta), th_tensor_value(&tb), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK(th_run("aten::mm.out", v, 4) == EMBER_DTYPE_MISMATCH);
    CHECK(strstr(th_msg, "aten::mm.out") && strstr(th_msg, "bfloat16"));
    /* mm of float16 by float32 */
    ember_value w[] = {th_tensor_value(&ta), th_tensor_value(&tf), th_tensor_value(&to),
                       th_tensor_value(&to)};
    CHECK(th_run("aten::mm.out", w, 4) == EMBER_DTYPE_MISMATCH);
    CHECK(strstr(th_msg, "float32") != NULL);
    /* softmax with half_to_float */
    ember_value sm[] = {th_tensor_value(&ta), th_int(1), th_bool(true), th_tensor_value(&to),
                        th_tensor_value(&to)};
    CHECK(th_run("aten::_softmax.out", sm, 5) == EMBER_NOT_SUPPORTED);
    /* float64 conv input is still refused, naming the dtype */
    static double d[9];
    ember_tensor td = th_tensor(EMBER_DTYPE_F64, d, 2, s33);
    ember_value mv[] = {th_tensor_value(&td), th_tensor_value(&td), th_tensor_value(&td),
                        th_tensor_value(&td)};
    CHECK(th_run("aten::mm.out", mv, 4) == EMBER_DTYPE_MISMATCH);
    CHECK(strstr(th_msg, "float64") && strstr(th_msg, "does not support"));
}

int main(void)
{
    exhaustive_f16();
    exhaustive_bf16();
    ties_f16();
    ties_bf16();
    oracle_table();
    specials();
    for (size_t k = 0; k < sizeof kernel_cases / sizeof kernel_cases[0]; k++) kernel_cases[k]();
    prepare_failures();
    return check_report("test_half");
}
