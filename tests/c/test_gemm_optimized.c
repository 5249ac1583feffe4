/* test_gemm_optimized.c — the ISA-specific f32_gemm_nt kernels (kernels/optimized/) against the
 * portable reference (STYLE rule 5) and against a double-precision sum, on ragged shapes; then
 * aten::linear.out through prepare/run with ember_kernel_cpu_mask_set forcing the portable and
 * the optimized path.
 *
 * Tolerance: an fp32 dot product of length K summed in any order (sequential, 8 or 16 lanes,
 * blocked) has a rounding error whose typical size is about sqrt(K) * u * sum |a_p * w_p|
 * (u = 2^-24 = 6e-8; the worst case is K * u * sum, reached only by adversarial data). Each
 * output is checked against the double sum within 1e-6 * sqrt(K) * sum |a_p w_p| (16 times
 * the typical size) plus u * |bias|, and two float kernels against each other within twice
 * that. With K = 768 values in [-1, 1], sum |a_p w_p| is about 768 / 4 = 192 and the tolerance
 * about 5e-3, while a lost, doubled or misplaced term moves an output by about 0.25: such bugs
 * fail loudly, changes in the order of summation do not. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/optimized/f32_gemm_nt.h"
#include "tests/c/kernel_harness.h"

typedef void (*gemm_fn)(float* restrict c, int64_t ldc, const float* restrict a,
                        const float* restrict w, const float* restrict bias, int64_t m, int64_t k,
                        int64_t n);

typedef struct variant {
    const char* name;
    gemm_fn fn;
    uint64_t needs; /* CPU features it needs */
} variant;

static const variant variants[] = {
#if EMBER_HAVE_X86_KERNELS
    {"avx2", f32_gemm_nt__avx2, EMBER_CPU_BIT(EMBER_CPU_AVX2) | EMBER_CPU_BIT(EMBER_CPU_FMA)},
    {"avx512", f32_gemm_nt__avx512,
     EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512VL) | EMBER_CPU_BIT(EMBER_CPU_FMA)},
#endif
    {"portable", f32_gemm_nt__portable, 0},
};
#define NUM_VARIANTS (sizeof variants / sizeof variants[0])

static uint64_t rng = 0x9e3779b97f4a7c15u;
static float uniform(void) /* in [-1, 1) */
{
    rng = rng * 6364136223846793005u + 1442695040888963407u;
    return (float)((double)(rng >> 40) / (double)(1u << 23) - 1.0);
}

static void fill(float* x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) x[i] = uniform();
}

typedef struct shape {
    int64_t m, k, n;
} shape;

/* Tiles are 6x4 (AVX-512) and 4x3 (AVX2) over 16 or 8 lanes of K, with K blocks of 512 and N
 * blocks of 64 / 63 rows, and fewer than 6 / 4 rows take a row-by-row path: the shapes hit
 * remainders of each, and OPT-125M's own. */
static const shape shapes[] = {
    {1, 1, 1},     {1, 768, 768},  {4, 16, 4},    {5, 17, 3},    {7, 33, 70},   {13, 100, 129},
    {3, 7, 5},     {2, 15, 2},     {6, 31, 9},    {9, 512, 64},  {2, 513, 65},  {3, 1030, 127},
    {32, 768, 67}, {11, 3072, 17}, {128, 64, 200}, {6, 8, 50272}, {1, 1, 300},   {300, 1, 1},
    {8, 1030, 67}, {13, 1025, 130}, {1, 3072, 50}, {5, 1100, 9},  {0, 5, 3},    {3, 0, 4},
    {4, 5, 0},
};

static void test_kernels(void)
{
    const uint64_t have = ember_cpu_features();
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int64_t m = shapes[s].m, k = shapes[s].k, n = shapes[s].n;
        float* a = malloc((size_t)(m * k + 1) * sizeof(float));
        float* w = malloc((size_t)(n * k + 1) * sizeof(float));
        float* bias = malloc((size_t)(n + 1) * sizeof(float));
        float* want = malloc((size_t)(m * n + 1) * sizeof(float));
        float* got = malloc((size_t)(m * n + 1) * sizeof(float));
        float* wide = malloc((size_t)(m * (n + 5) + 1) * sizeof(float)); /* ldc = n + 5 */
        double* exact = malloc((size_t)(m * n + 1) * sizeof(double));
        double* tol = malloc((size_t)(m * n + 1) * sizeof(double));
        fill(a, m * k);
        fill(w, n * k);
        fill(bias, n);
        for (int with_bias = 0; with_bias < 2; with_bias++) {
            const float* b = with_bias ? bias : NULL;
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < n; j++) {
                    double e = b ? b[j] : 0.0, mag = 0.0;
                    for (int64_t p = 0; p < k; p++) {
                        e += (double)a[i * k + p] * w[j * k + p];
                        mag += fabs((double)a[i * k + p] * w[j * k + p]);
                    }
                    exact[i * n + j] = e;
                    tol[i * n + j] = 1e-6 * sqrt((double)k) * mag + 6e-8 * (b ? fabs(b[j]) : 0);
                }
            f32_gemm_nt__portable(want, n, a, w, b, m, k, n);
            for (size_t v = 0; v < NUM_VARIANTS; v++) {
                if ((have & variants[v].needs) != variants[v].needs) continue;
                for (int64_t i = 0; i < m * n; i++) got[i] = NAN; /* every output written */
                variants[v].fn(got, n, a, w, b, m, k, n);
                /* rows ldc = n + 5 apart: the same values, the gaps untouched */
                for (int64_t i = 0; i < m * (n + 5); i++) wide[i] = -7.0f;
                variants[v].fn(wide, n + 5, a, w, b, m, k, n);
                int wide_ok = 1;
                for (int64_t i = 0; i < m; i++)
                    for (int64_t j = 0; j < n + 5; j++)
                        wide_ok &= j < n ? memcmp(&wide[i * (n + 5) + j], &got[i * n + j], 4) == 0
                                         : wide[i * (n + 5) + j] == -7.0f;
                if (!wide_ok)
                    fprintf(stderr, "%s M=%lld K=%lld N=%lld: ldc = N + 5 differs\n",
                            variants[v].name, (long long)m, (long long)k, (long long)n);
                CHECK(wide_ok);
                int64_t bad = -1;
                for (int64_t i = 0; i < m * n && bad < 0; i++)
                    if (!(fabs(got[i] - exact[i]) <= tol[i]) ||
                        !(fabs((double)got[i] - want[i]) <= 2 * tol[i]))
                        bad = i;
                if (bad >= 0)
                    fprintf(stderr, "%s M=%lld K=%lld N=%lld bias=%d: [%lld] got %.9g, portable "
                            "%.9g, exact %.9g (tol %g)\n", variants[v].name, (long long)m,
                            (long long)k, (long long)n, with_bias, (long long)bad,
                            (double)got[bad], (double)want[bad], exact[bad], tol[bad]);
                CHECK(bad < 0);
            }
        }
        free(a), free(w), free(bias), free(want), free(got), free(wide), free(exact), free(tol);
    }
}

/* aten::linear.out on x (2, 5, 37), w (19, 37), bias (19): portable (mask 0) and the best
 * variant (mask ~0) against the double sum. */
static void test_linear_dispatch(void)
{
    enum { B = 2, S = 5, K = 37, N = 19 };
    static float x[B * S * K], w[N * K], bias[N], y[2][B * S * N];
    fill(x, B * S * K);
    fill(w, N * K);
    fill(bias, N);
    const int32_t xs[3] = {B, S, K}, ws[2] = {N, K}, bs[1] = {N}, ys[3] = {B, S, N};
    for (int pass = 0; pass < 2; pass++) {
        ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 3, xs);
        ember_tensor tw = th_tensor(EMBER_DTYPE_F32, w, 2, ws);
        ember_tensor tb = th_tensor(EMBER_DTYPE_F32, bias, 1, bs);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y[pass], 3, ys);
        ember_value v[5] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&tb),
                            th_tensor_value(&ty), th_tensor_value(&ty)};
        CHECK(th_run("aten::linear.out", v, 5) == EMBER_OK);
        for (int i = 0; i < B * S; i++)
            for (int j = 0; j < N; j++) {
                double e = bias[j], mag = 0.0;
                for (int p = 0; p < K; p++) {
                    e += (double)x[i * K + p] * w[j * K + p];
                    mag += fabs((double)x[i * K + p] * w[j * K + p]);
                }
                const double tol = 1e-6 * sqrt((double)K) * mag + 6e-8 * fabs(bias[j]);
                if (!(fabs(y[pass][i * N + j] - e) <= tol)) {
                    fprintf(stderr, "linear pass %d [%d, %d]: got %.9g want %.9g\n", pass, i, j,
                            (double)y[pass][i * N + j], e);
                    CHECK(0);
                    i = B * S;
                    break;
                }
            }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    /* the mask only removes features */
    ember_kernel_cpu_mask_set(0);
    CHECK(ember_kernel_cpu_features() == 0);
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    CHECK(ember_kernel_cpu_features() == ember_cpu_features());
}

int main(void)
{
    test_kernels();
    test_linear_dispatch();
    return check_report("test_gemm_optimized");
}
