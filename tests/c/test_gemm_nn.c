/* test_gemm_nn.c — f32_gemm_nn (kernels/optimized/f32_gemm_nn.h): every variant this CPU can run
 * (the portable reference and what f32_gemm_nn_pick returns) against a double-precision sum
 * computed here, on ragged shapes, with leading dimensions larger than the row, bias per row
 * and per column, and the relu / relu6 / none clamps (NaN kept).
 *
 * Tolerance, as in test_gemm_optimized.c: 1e-6 * sqrt(K) * sum |a_p b_p| + u * |bias|, about
 * 16 times the typical rounding of an fp32 sum in any order; a lost or misplaced term moves an
 * output by about 0.25 and fails. */
#include <math.h>
#include <stdlib.h>

#include "kernels/kernel.h"
#include "kernels/optimized/f32_gemm_nn.h"
#include "tests/c/check.h"

static uint64_t rng = 0x2545f4914f6cdd1du;
static float uniform(void) /* in [-1, 1) */
{
    rng = rng * 6364136223846793005u + 1442695040888963407u;
    return (float)((double)(rng >> 40) / (double)(1u << 23) - 1.0);
}

typedef struct shape {
    int64_t m, n, k;
} shape;

static const shape shapes[] = {{1, 1, 1},   {1, 768, 768}, {5, 17, 3},   {7, 70, 33},
                               {13, 129, 100}, {32, 64, 27}, {3, 5, 0},  {64, 3136, 16},
                               {17, 300, 513}, {6, 16, 1}};

static int run_case(f32_gemm_nn_fn fn, shape s, int bias_mode, int clamp)
{
    const int64_t lda = s.k + 3, ldb = s.n + 5, ldc = s.n + 2;
    float* a = malloc(sizeof(float) * (size_t)(s.m * lda + 1));
    float* b = malloc(sizeof(float) * (size_t)(s.k * ldb + 1));
    float* c = malloc(sizeof(float) * (size_t)(s.m * ldc + 1));
    float* bias = malloc(sizeof(float) * (size_t)(s.m > s.n ? s.m : s.n) + 4);
    for (int64_t i = 0; i < s.m * lda; i++) a[i] = uniform();
    for (int64_t i = 0; i < s.k * ldb; i++) b[i] = uniform();
    for (int64_t i = 0; i < s.m * ldc; i++) c[i] = 12345.0f; /* padding must stay */
    for (int64_t i = 0; i < (s.m > s.n ? s.m : s.n); i++) bias[i] = 4.0f * uniform();
    if (s.m > 2 && s.k > 0) a[lda] = NAN; /* row 1 is all NaN: the clamp must keep it */
    const float lo = clamp == 0 ? -INFINITY : 0.0f, hi = clamp == 2 ? 6.0f : INFINITY;
    f32_gemm_epilogue ep = {bias_mode ? bias : NULL, bias_mode == 1, lo, hi};
    fn(c, ldc, a, lda, b, ldb, s.m, s.n, s.k, &ep);
    int bad = 0;
    for (int64_t i = 0; i < s.m && !bad; i++) {
        for (int64_t j = 0; j < ldc && !bad; j++) {
            const float got = c[i * ldc + j];
            if (j >= s.n) {
                bad = got != 12345.0f;
                continue;
            }
            double sum = 0, mag = 0;
            for (int64_t p = 0; p < s.k; p++) {
                sum += (double)a[i * lda + p] * b[p * ldb + j];
                mag += fabs((double)a[i * lda + p] * b[p * ldb + j]);
            }
            const double bv = bias_mode == 1 ? bias[i] : bias_mode == 2 ? bias[j] : 0.0;
            double want = sum + bv;
            if (isnan(want)) {
                bad = !isnan(got);
                continue;
            }
            want = want < lo ? lo : want > hi ? hi : want;
            const double tol = 1e-6 * sqrt((double)s.k) * mag + 6e-8 * fabs(bv) + 1e-30;
            bad = !(fabs(got - want) <= tol);
            if (bad)
                fprintf(stderr, "m=%lld n=%lld k=%lld bias=%d clamp=%d: c[%lld][%lld] %.8g want %.8g\n",
                        (long long)s.m, (long long)s.n, (long long)s.k, bias_mode, clamp,
                        (long long)i, (long long)j, (double)got, want);
        }
    }
    free(a);
    free(b);
    free(c);
    free(bias);
    return !bad;
}

int main(void)
{
    const f32_gemm_nn_fn fns[] = {f32_gemm_nn__portable, f32_gemm_nn_pick(ember_kernel_cpu_features())};
    for (size_t f = 0; f < 2; f++)
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            for (int bias_mode = 0; bias_mode < 3; bias_mode++)
                for (int clamp = 0; clamp < 3; clamp++)
                    CHECK(run_case(fns[f], shapes[i], bias_mode, clamp));
    return check_report("test_gemm_nn");
}
