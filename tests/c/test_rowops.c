/* test_rowops.c — the vectorised fp32 row kernels (kernels/optimized/f32_rowops.h) against
 * double-precision oracles, measuring the error each is documented to keep:
 *   exp        within 2 ulp of the correctly rounded e^x on a sweep of ~300k floats over
 *              [-87.3, 88.7], plus the edges (-inf, +inf, NaN, < -87.34 -> 0, > 88.73 -> inf)
 *   sigmoid, silu, tanh  within 4 ulp (+1e-37 absolute) on [-30, 30]
 *   gelu_tanh  within 4 + 4|u| ulp, u = sqrt(2/pi) (x + 0.044715 x^3) clamped to 30 (the float
 *              rounding of u, which torch's float kernel shares, grows through e^(-2u))
 *   gelu       |error| <= 2e-7 (|x| + 1) on [-30, 30]
 *   softmax    each element within 4 ulp of the double softmax of the float differences
 *              x - max (+1e-37), rows of 1..200
 *   layer_norm within 1e-5 (|out| + 1) of the double layer norm, rows of 1..1030, w/b or none
 * Every length runs through the masked tail (n not a multiple of 8 or 16), and outputs past n
 * are checked untouched. Then the ops through prepare/run, portable (mask 0) against the best
 * variant. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "kernels/optimized/f32_rowops.h"
#include "tests/c/kernel_harness.h"

#if EMBER_HAVE_X86_KERNELS

typedef void (*act_fn)(float*, const float*, size_t);
typedef void (*softmax_fn)(float*, const float*, int64_t, int64_t);
typedef void (*ln_fn)(float*, float*, float*, const float*, const float*, const float*, double,
                      int64_t, int64_t);

typedef struct variant {
    const char* name;
    uint64_t needs;
    act_fn exp_, sigmoid, silu, tanh_, gelu, gelu_tanh;
    softmax_fn softmax;
    ln_fn layer_norm;
} variant;

#define VARIANT(isa, needs)                                                                     \
    {#isa, needs, f32_exp__##isa, f32_sigmoid__##isa, f32_silu__##isa, f32_tanh__##isa,          \
     f32_gelu__##isa, f32_gelu_tanh__##isa, f32_softmax_rows__##isa, f32_layer_norm__##isa}
static const variant variants[] = {
    VARIANT(avx2, EMBER_FEATURES_X86_AVX2),
    VARIANT(avx512, EMBER_FEATURES_X86_AVX512),
};

static uint64_t rng = 0x853c49e6748fea9bu;
static double uniform(void) /* in [0, 1) */
{
    rng = rng * 6364136223846793005u + 1442695040888963407u;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* |got - want| in units of the float spacing at want (want's float rounding). */
static double ulps(float got, double want)
{
    const float w = (float)want;
    if (isnan(want)) return isnan(got) ? 0.0 : INFINITY;
    if (isinf(w)) return got == w ? 0.0 : INFINITY;
    const double spacing = fmax((double)nextafterf(fabsf(w), INFINITY) - fabs((double)w),
                                (double)FLT_TRUE_MIN);
    return fabs((double)got - want) / spacing;
}

static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double ref_silu(double x) { return x / (1.0 + exp(-x)); }
static double ref_gelu(double x) { return 0.5 * x * (1.0 + erf(x * 0.70710678118654752440)); }
/* x/2 (1 + tanh u) written as x / (1 + e^(-2u)): the same function without the double's own
 * cancellation for very negative x. */
static double ref_gelu_tanh(double x)
{
    return x / (1.0 + exp(-2.0 * 0.79788456080286535588 * (x + 0.044715 * x * x * x)));
}

#define N_ACT 4096
static float xs[N_ACT + 32], ys[N_ACT + 32];

/* Runs `fn` on xs[0..n) and checks each output within `max_ulps` of the oracle, plus `abs_tol`
 * (a function of x, for gelu); ys[n..n+16) must stay untouched. Returns the worst ulps seen. */
static double check_act(const char* what, const char* isa, act_fn fn, double (*ref)(double),
                        size_t n, double max_ulps, double gelu_tol)
{
    for (size_t i = n; i < n + 16; i++) ys[i] = 12345.0f;
    fn(ys, xs, n);
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double want = ref((double)xs[i]);
        bool ok;
        if (gelu_tol > 0) {
            ok = fabs(ys[i] - want) <= gelu_tol * (fabs(xs[i]) + 1.0);
        } else {
            const double u = ulps(ys[i], want);
            worst = u > worst ? u : worst;
            ok = u <= max_ulps || fabs(ys[i] - want) <= 1e-37;
        }
        if (!ok) {
            fprintf(stderr, "%s %s: x=%.9g got %.9g want %.12g\n", isa, what, (double)xs[i],
                    (double)ys[i], want);
            CHECK(0);
            return worst;
        }
    }
    for (size_t i = n; i < n + 16; i++) CHECK(ys[i] == 12345.0f);
    return worst;
}

static void test_activations(const variant* v)
{
    /* exp: a dense sweep over its whole finite range, in chunks of N_ACT (ragged last) */
    double worst = 0.0;
    const double lo = -87.33, hi = 88.72, step = (hi - lo) / 300000.0;
    for (double x0 = lo; x0 < hi; x0 += step * N_ACT) {
        size_t n = 0;
        for (; n < N_ACT - 3 && x0 + step * (double)n < hi; n++) xs[n] = (float)(x0 + step * (double)n);
        const double w = check_act("exp", v->name, v->exp_, exp, n, 2.0, 0);
        worst = w > worst ? w : worst;
    }
    const float edges[] = {-INFINITY, INFINITY, NAN, -88.0f, -100.0f, 89.0f, 1000.0f, 0.0f,
                           -0.0f, 1e-30f, -1e-30f};
    const size_t ne = sizeof edges / sizeof edges[0];
    for (size_t i = 0; i < ne; i++) xs[i] = edges[i];
    v->exp_(ys, xs, ne);
    CHECK(ys[0] == 0.0f && ys[1] == INFINITY && isnan(ys[2]) && ys[3] == 0.0f && ys[4] == 0.0f);
    CHECK(ys[5] == INFINITY && ys[6] == INFINITY && ys[7] == 1.0f && ys[8] == 1.0f);
    CHECK(ys[9] == 1.0f && ys[10] == 1.0f);
    printf("%s exp: worst %.2f ulp\n", v->name, worst);

    /* the activations on [-30, 30], plus a dense patch near 0, several lengths */
    const size_t lens[] = {1, 7, 15, 17, 33, 1000, N_ACT};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        const size_t n = lens[li];
        for (size_t i = 0; i < n; i++)
            xs[i] = (float)(i % 3 ? 60.0 * uniform() - 30.0 : 2.0 * uniform() - 1.0);
        double w[4];
        w[0] = check_act("sigmoid", v->name, v->sigmoid, ref_sigmoid, n, 4.0, 0);
        w[1] = check_act("silu", v->name, v->silu, ref_silu, n, 4.0, 0);
        w[2] = check_act("tanh", v->name, v->tanh_, tanh, n, 4.0, 0);
        /* gelu_tanh: e^(-2u) magnifies float's rounding of u (|u| ~ 30 at x = -8.6) */
        w[3] = check_act("gelu_tanh", v->name, v->gelu_tanh, ref_gelu_tanh, n, 4.0 + 4.0 * 30.0, 0);
        check_act("gelu", v->name, v->gelu, ref_gelu, n, 0, 2e-7);
        if (n == N_ACT)
            printf("%s worst ulp: sigmoid %.2f silu %.2f tanh %.2f gelu_tanh %.2f\n", v->name,
                   w[0], w[1], w[2], w[3]);
    }
}

static void test_softmax(const variant* v)
{
    static float x[3 * 200 + 16], y[3 * 200 + 16];
    const int64_t lens[] = {1, 5, 8, 16, 17, 31, 64, 197, 200};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        const int64_t n = lens[li], rows = 3;
        for (int64_t i = 0; i < rows * n; i++) x[i] = (float)(20.0 * uniform() - 10.0);
        if (n > 2) x[n + 1] = -INFINITY; /* a dropped element in row 1 */
        for (int64_t i = rows * n; i < rows * n + 16; i++) y[i] = 7.0f;
        v->softmax(y, x, rows, n);
        for (int64_t r = 0; r < rows; r++) {
            /* x - max rounds in float in every kernel (its error, up to 0.5 ulp of |x - max|,
             * is the input's, not the kernel's): the oracle takes the same difference */
            float m = -INFINITY;
            double s = 0.0;
            for (int64_t i = 0; i < n; i++) m = fmaxf(m, x[r * n + i]);
            for (int64_t i = 0; i < n; i++) s += exp((double)(x[r * n + i] - m));
            for (int64_t i = 0; i < n; i++) {
                const double want = exp((double)(x[r * n + i] - m)) / s;
                if (!(ulps(y[r * n + i], want) <= 4.0 || fabs(y[r * n + i] - want) <= 1e-37)) {
                    fprintf(stderr, "%s softmax n=%lld [%lld,%lld] got %.9g want %.12g\n",
                            v->name, (long long)n, (long long)r, (long long)i,
                            (double)y[r * n + i], want);
                    CHECK(0);
                    return;
                }
            }
        }
        for (int64_t i = rows * n; i < rows * n + 16; i++) CHECK(y[i] == 7.0f);
    }
}

static void test_layer_norm(const variant* v)
{
    enum { MAXC = 1030, ROWS = 3 };
    static float x[ROWS * MAXC + 16], y[ROWS * MAXC + 16], w[MAXC], b[MAXC], mean[ROWS], rstd[ROWS];
    const int64_t lens[] = {1, 7, 16, 17, 64, 100, 768, 1030};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        const int64_t n = lens[li];
        for (int wb = 0; wb < 2; wb++) {
            for (int64_t i = 0; i < ROWS * n; i++) x[i] = (float)(6.0 * uniform() - 1.0);
            for (int64_t i = 0; i < n; i++) w[i] = (float)(2 * uniform()), b[i] = (float)(uniform() - 0.5);
            for (int64_t i = ROWS * n; i < ROWS * n + 16; i++) y[i] = 7.0f;
            v->layer_norm(y, mean, rstd, x, wb ? w : NULL, wb ? b : NULL, 1e-5, ROWS, n);
            for (int64_t r = 0; r < ROWS; r++) {
                double mu = 0.0, var = 0.0;
                for (int64_t i = 0; i < n; i++) mu += x[r * n + i];
                mu /= (double)n;
                for (int64_t i = 0; i < n; i++) var += (x[r * n + i] - mu) * (x[r * n + i] - mu);
                const double rs = 1.0 / sqrt(var / (double)n + 1e-5);
                CHECK(fabs(mean[r] - mu) <= 1e-6 * (fabs(mu) + 1));
                CHECK(fabs(rstd[r] - rs) <= 1e-5 * rs);
                for (int64_t i = 0; i < n; i++) {
                    double want = (x[r * n + i] - mu) * rs;
                    if (wb) want = want * w[i] + b[i];
                    if (!(fabs(y[r * n + i] - want) <= 1e-5 * (fabs(want) + 1))) {
                        fprintf(stderr, "%s layer_norm n=%lld [%lld,%lld] got %.9g want %.9g\n",
                                v->name, (long long)n, (long long)r, (long long)i,
                                (double)y[r * n + i], want);
                        CHECK(0);
                        return;
                    }
                }
            }
            for (int64_t i = ROWS * n; i < ROWS * n + 16; i++) CHECK(y[i] == 7.0f);
        }
    }
}

/* The ops through prepare/run: portable (cpu mask 0) against the best variant, in place too. */
static void test_ops(void)
{
    enum { R = 5, C = 77 };
    static float x[R * C], y[2][R * C], w[C], bb[C], m[2][R], rs[2][R];
    for (int i = 0; i < R * C; i++) x[i] = (float)(8.0 * uniform() - 4.0);
    for (int i = 0; i < C; i++) w[i] = (float)uniform(), bb[i] = (float)uniform();
    const int32_t xs2[2] = {R, C}, ws[1] = {C}, ms[2] = {R, 1};
    const char* acts[] = {"aten::gelu.out", "aten::gelu.out", "aten::silu.out", "aten::tanh.out",
                          "aten::exp.out", "aten::sigmoid.out"};
    for (int a = 0; a < 6; a++) {
        for (int pass = 0; pass < 2; pass++) {
            ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
            ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, xs2);
            ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y[pass], 2, xs2);
            ember_value v4[4] = {th_tensor_value(&tx), th_string(a == 1 ? "tanh" : "none"),
                                 th_tensor_value(&ty), th_tensor_value(&ty)};
            ember_value v3[3] = {th_tensor_value(&tx), th_tensor_value(&ty), th_tensor_value(&ty)};
            CHECK(a < 2 ? th_run(acts[a], v4, 4) == EMBER_OK : th_run(acts[a], v3, 3) == EMBER_OK);
        }
        for (int i = 0; i < R * C; i++)
            if (!(fabs(y[0][i] - y[1][i]) <= 1e-6 * (fabs(y[0][i]) + 1))) {
                fprintf(stderr, "%s [%d]: portable %.9g optimized %.9g\n", acts[a], i,
                        (double)y[0][i], (double)y[1][i]);
                CHECK(0);
                break;
            }
    }
    for (int pass = 0; pass < 2; pass++) { /* softmax over the last dim */
        ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, xs2);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y[pass], 2, xs2);
        ember_value v[5] = {th_tensor_value(&tx), th_int(-1), th_bool(false), th_tensor_value(&ty),
                            th_tensor_value(&ty)};
        CHECK(th_run("aten::_softmax.out", v, 5) == EMBER_OK);
    }
    for (int i = 0; i < R * C; i++) CHECK(fabs(y[0][i] - y[1][i]) <= 1e-6 * fabs(y[0][i]) + 1e-37);
    for (int pass = 0; pass < 2; pass++) { /* layer norm over the last dim */
        ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
        const int64_t shape[1] = {C};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, xs2);
        ember_tensor tw = th_tensor(EMBER_DTYPE_F32, w, 1, ws);
        ember_tensor tb = th_tensor(EMBER_DTYPE_F32, bb, 1, ws);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y[pass], 2, xs2);
        ember_tensor tm = th_tensor(EMBER_DTYPE_F32, m[pass], 2, ms);
        ember_tensor tr = th_tensor(EMBER_DTYPE_F32, rs[pass], 2, ms);
        ember_value v[11] = {th_tensor_value(&tx), th_int_list(shape, 1), th_tensor_value(&tw),
                             th_tensor_value(&tb), th_double(1e-5), th_tensor_value(&ty),
                             th_tensor_value(&tm), th_tensor_value(&tr), th_tensor_value(&ty),
                             th_tensor_value(&tm), th_tensor_value(&tr)};
        CHECK(th_run("aten::native_layer_norm.out", v, 11) == EMBER_OK);
    }
    for (int i = 0; i < R * C; i++) CHECK(fabs(y[0][i] - y[1][i]) <= 1e-5 * (fabs(y[0][i]) + 1));
    ember_kernel_cpu_mask_set(~(uint64_t)0);
}

int main(void)
{
    const uint64_t have = ember_cpu_features();
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        if ((have & variants[v].needs) != variants[v].needs) continue;
        test_activations(&variants[v]);
        test_softmax(&variants[v]);
        test_layer_norm(&variants[v]);
    }
    test_ops();
    return check_report("test_rowops");
}

#else
int main(void) { return check_report("test_rowops"); } /* no optimized variants here */
#endif
