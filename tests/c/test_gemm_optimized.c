/* test_gemm_optimized.c — the ISA-specific f32_gemm_nt kernels (kernels/optimized/) against the
 * portable reference (STYLE rule 5) and against a double-precision sum, on ragged shapes; then
 * aten::linear.out, mm.out, bmm.out and addmm.out (every form of self, alpha and beta) through
 * prepare/run with ember_kernel_cpu_mask_set forcing the portable and the optimized path, and
 * the outs the loader lets alias an input exactly. Then linear with its weight packed at load
 * (kernels/kernel.h): prepare, pack and run as the loader does them, against the double sum,
 * against the bytes of the ISA's f32_gemm_nn_bt core, with a fused relu, an out that is the
 * input, and 1 vs 2 threads; and when packing is asked for (a constant f32 weight, enough rows,
 * an ISA with a packed core) and when not.
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

#include "kernels/optimized/f32_gemm_nn.h"
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

/* ---- mm, bmm, addmm, linear through prepare/run: portable (mask 0) and optimized (mask ~0) --- */

/* want[i][j] = alpha * sum_p a[i][p] * b(p, j) + beta * self[i * rs + j * cs] (no self term when
 * beta == 0), b(p, j) = b[p * n + j] or, with bt, b[j * k + p]; tol as above. */
static void expect(double* want, double* tol, const float* a, const float* b, int bt, int64_t m,
                   int64_t n, int64_t k, double alpha, double beta, const float* self, int64_t rs,
                   int64_t cs)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double e = 0, mag = 0;
            for (int64_t p = 0; p < k; p++) {
                const double t = (double)a[i * k + p] * (bt ? b[j * k + p] : b[p * n + j]);
                e += t, mag += fabs(t);
            }
            const double sv = beta != 0.0 && self ? beta * self[i * rs + j * cs] : 0.0;
            want[i * n + j] = alpha * e + sv;
            tol[i * n + j] = 1e-6 * sqrt((double)k) * mag * fabs(alpha) + 1.2e-7 * fabs(sv) + 1e-30;
        }
}

static int near_all(const char* what, int pass, const float* got, const double* want,
                    const double* tol, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        if (!(fabs(got[i] - want[i]) <= tol[i])) {
            fprintf(stderr, "%s (mask %s): [%lld] got %.9g want %.9g (tol %g)\n", what,
                    pass ? "~0" : "0", (long long)i, (double)got[i], want[i], tol[i]);
            return 0;
        }
    return 1;
}

#define MAXE (160 * 260)
static float ta[MAXE], tb[MAXE], ts[MAXE], tc[MAXE];
static double twant[MAXE], ttol[MAXE];

/* mm (M, K) @ (K, N), batched over B with bmm; then addmm with each form of self / alpha /
 * beta; then linear. Shapes cross the tiles and blocks of every variant (see test_gemm_nn.c). */
static void test_matmul_ops(void)
{
    static const int32_t sh[][3] = {{37, 70, 45}, {140, 200, 100}, {1, 300, 77}, {4, 5, 3},
                                     {13, 129, 33}};
    for (size_t q = 0; q < sizeof sh / sizeof sh[0]; q++) {
        const int32_t M = sh[q][0], K = sh[q][1], N = sh[q][2];
        fill(ta, M * K), fill(tb, K * N), fill(ts, M * N);
        for (int pass = 0; pass < 2; pass++) {
            ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
            const int32_t as[2] = {M, K}, bs[2] = {K, N}, cs[2] = {M, N};
            ember_tensor A = th_tensor(EMBER_DTYPE_F32, ta, 2, as);
            ember_tensor Bt = th_tensor(EMBER_DTYPE_F32, tb, 2, bs);
            ember_tensor C = th_tensor(EMBER_DTYPE_F32, tc, 2, cs);
            ember_value mm[4] = {th_tensor_value(&A), th_tensor_value(&Bt), th_tensor_value(&C),
                                 th_tensor_value(&C)};
            CHECK(th_run("aten::mm.out", mm, 4) == EMBER_OK);
            expect(twant, ttol, ta, tb, 0, M, N, K, 1, 0, NULL, 0, 0);
            CHECK(near_all("mm", pass, tc, twant, ttol, (int64_t)M * N));
            /* bmm: 2 batches of (M / 2, K) @ (K, N / 2), over the same buffers */
            if (M % 2 == 0) {
                const int32_t a3[3] = {2, M / 2, K}, b3[3] = {2, K, N / 2}, c3[3] = {2, M / 2, N / 2};
                ember_tensor A3 = th_tensor(EMBER_DTYPE_F32, ta, 3, a3);
                ember_tensor B3 = th_tensor(EMBER_DTYPE_F32, tb, 3, b3);
                ember_tensor C3 = th_tensor(EMBER_DTYPE_F32, tc, 3, c3);
                ember_value bmm[4] = {th_tensor_value(&A3), th_tensor_value(&B3),
                                      th_tensor_value(&C3), th_tensor_value(&C3)};
                CHECK(th_run("aten::bmm.out", bmm, 4) == EMBER_OK);
                const int64_t mh = M / 2, nh = N / 2;
                for (int bi = 0; bi < 2; bi++) {
                    expect(twant, ttol, ta + bi * mh * K, tb + bi * K * nh, 0, mh, nh, K, 1, 0,
                           NULL, 0, 0);
                    CHECK(near_all("bmm", pass, tc + bi * mh * nh, twant, ttol, mh * nh));
                }
            }
            /* addmm: self (N), (1, N), (M, 1), (M, N), scalar (); alpha / beta 1 / 1, 1 / 0,
             * 0.5 / 2 */
            static const double ab[3][2] = {{1, 1}, {1, 0}, {0.5, 2}};
            for (int form = 0; form < 5; form++)
                for (int c = 0; c < 3; c++) {
                    int32_t ss[2];
                    int sd = 2;
                    int64_t rs = 0, csd = 0;
                    switch (form) {
                    case 0: sd = 1, ss[0] = N, rs = 0, csd = 1; break;
                    case 1: ss[0] = 1, ss[1] = N, rs = 0, csd = 1; break;
                    case 2: ss[0] = M, ss[1] = 1, rs = 1, csd = 0; break;
                    case 3: ss[0] = M, ss[1] = N, rs = N, csd = 1; break;
                    default: sd = 0, rs = 0, csd = 0; break;
                    }
                    ember_tensor S = th_tensor(EMBER_DTYPE_F32, ts, sd, ss);
                    ember_value am[7] = {th_tensor_value(&S), th_tensor_value(&A),
                                         th_tensor_value(&Bt), th_double(ab[c][1]),
                                         th_double(ab[c][0]), th_tensor_value(&C),
                                         th_tensor_value(&C)};
                    CHECK(th_run("aten::addmm.out", am, 7) == EMBER_OK);
                    expect(twant, ttol, ta, tb, 0, M, N, K, ab[c][0], ab[c][1], ts, rs, csd);
                    const int ok = near_all("addmm", pass, tc, twant, ttol, (int64_t)M * N);
                    if (!ok)
                        fprintf(stderr, "  addmm form %d alpha %g beta %g, M=%d K=%d N=%d\n", form,
                                ab[c][0], ab[c][1], M, K, N);
                    CHECK(ok);
                }
            /* linear: weight (N, K) = tb read as such, bias ts (N) */
            for (int with_bias = 0; with_bias < 2; with_bias++) {
                const int32_t ws[2] = {N, K}, bias_s[1] = {N};
                ember_tensor W = th_tensor(EMBER_DTYPE_F32, tb, 2, ws);
                ember_tensor Bi = th_tensor(EMBER_DTYPE_F32, ts, 1, bias_s);
                ember_value lin[5] = {th_tensor_value(&A), th_tensor_value(&W),
                                      with_bias ? th_tensor_value(&Bi) : th_null(),
                                      th_tensor_value(&C), th_tensor_value(&C)};
                CHECK(th_run("aten::linear.out", lin, 5) == EMBER_OK);
                expect(twant, ttol, ta, tb, 1, M, N, K, 1, with_bias, ts, 0, 1);
                CHECK(near_all("linear", pass, tc, twant, ttol, (int64_t)M * N));
            }
        }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
}

/* The loader lets an out be exactly an input's bytes: out = self (mm, bmm, addmm, linear), out =
 * mat2 (mm), out = self = mat2 (refused with a message). Expected values come from copies. */
static void test_matmul_aliasing(void)
{
    static float a0[MAXE], b0[MAXE], s0[MAXE];
    for (int pass = 0; pass < 2; pass++) {
        ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
        for (int q = 0; q < 2; q++) {
            const int32_t M = q ? 150 : 9, K = q ? 130 : 20; /* out (M, K) = self (M, K) @ (K, K) */
            fill(a0, M * K), fill(b0, K * K), fill(s0, M * K);
            const int32_t as[2] = {M, K}, bs[2] = {K, K};
            /* mm: out is self */
            memcpy(ta, a0, sizeof(float) * (size_t)(M * K));
            memcpy(tb, b0, sizeof(float) * (size_t)(K * K));
            ember_tensor A = th_tensor(EMBER_DTYPE_F32, ta, 2, as);
            ember_tensor Bm = th_tensor(EMBER_DTYPE_F32, tb, 2, bs);
            ember_value mm[4] = {th_tensor_value(&A), th_tensor_value(&Bm), th_tensor_value(&A),
                                 th_tensor_value(&A)};
            CHECK(th_run("aten::mm.out", mm, 4) == EMBER_OK);
            expect(twant, ttol, a0, b0, 0, M, K, K, 1, 0, NULL, 0, 0);
            CHECK(near_all("mm out=self", pass, ta, twant, ttol, (int64_t)M * K));
            /* mm: out is mat2: (K, K) @ (K, K) into mat2 */
            memcpy(ta, a0, sizeof(float) * (size_t)(K * K));
            memcpy(tb, b0, sizeof(float) * (size_t)(K * K));
            ember_tensor Aq = th_tensor(EMBER_DTYPE_F32, ta, 2, bs);
            ember_value mm2[4] = {th_tensor_value(&Aq), th_tensor_value(&Bm),
                                  th_tensor_value(&Bm), th_tensor_value(&Bm)};
            CHECK(th_run("aten::mm.out", mm2, 4) == EMBER_OK);
            expect(twant, ttol, a0, b0, 0, K, K, K, 1, 0, NULL, 0, 0);
            CHECK(near_all("mm out=mat2", pass, tb, twant, ttol, (int64_t)K * K));
            /* mm: out is self and mat2 */
            ember_value mm3[4] = {th_tensor_value(&Bm), th_tensor_value(&Bm),
                                  th_tensor_value(&Bm), th_tensor_value(&Bm)};
            CHECK_STATUS(th_run("aten::mm.out", mm3, 4), EMBER_NOT_SUPPORTED, "same memory");
            /* addmm: out is self (M, K), alpha 0.5, beta 2; and beta 1 with the plain epilogue */
            for (int c = 0; c < 2; c++) {
                memcpy(ts, s0, sizeof(float) * (size_t)(M * K));
                memcpy(tb, b0, sizeof(float) * (size_t)(K * K));
                memcpy(ta, a0, sizeof(float) * (size_t)(M * K));
                ember_tensor S = th_tensor(EMBER_DTYPE_F32, ts, 2, as);
                ember_value am[7] = {th_tensor_value(&S), th_tensor_value(&A),
                                     th_tensor_value(&Bm), th_double(c ? 1.0 : 2.0),
                                     th_double(c ? 1.0 : 0.5), th_tensor_value(&S),
                                     th_tensor_value(&S)};
                CHECK(th_run("aten::addmm.out", am, 7) == EMBER_OK);
                expect(twant, ttol, a0, b0, 0, M, K, K, c ? 1.0 : 0.5, c ? 1.0 : 2.0, s0, K, 1);
                CHECK(near_all("addmm out=self", pass, ts, twant, ttol, (int64_t)M * K));
            }
            /* linear: out is input (N == K), weight (K, K) */
            memcpy(ta, a0, sizeof(float) * (size_t)(M * K));
            memcpy(tb, b0, sizeof(float) * (size_t)(K * K));
            ember_value lin[5] = {th_tensor_value(&A), th_tensor_value(&Bm), th_null(),
                                  th_tensor_value(&A), th_tensor_value(&A)};
            CHECK(th_run("aten::linear.out", lin, 5) == EMBER_OK);
            expect(twant, ttol, a0, b0, 1, M, K, K, 1, 0, NULL, 0, 0);
            CHECK(near_all("linear out=input", pass, ta, twant, ttol, (int64_t)M * K));
            /* bmm: out is self, a batch of one (M, K) @ (K, K) */
            const int32_t a3[3] = {1, M, K}, b3[3] = {1, K, K};
            memcpy(ta, a0, sizeof(float) * (size_t)(M * K));
            ember_tensor A3 = th_tensor(EMBER_DTYPE_F32, ta, 3, a3);
            ember_tensor B3 = th_tensor(EMBER_DTYPE_F32, tb, 3, b3);
            ember_value bmm[4] = {th_tensor_value(&A3), th_tensor_value(&B3),
                                  th_tensor_value(&A3), th_tensor_value(&A3)};
            CHECK(th_run("aten::bmm.out", bmm, 4) == EMBER_OK);
            expect(twant, ttol, a0, b0, 0, M, K, K, 1, 0, NULL, 0, 0);
            CHECK(near_all("bmm out=self", pass, ta, twant, ttol, (int64_t)M * K));
        }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
}

/* ---- linear with its weight packed at load -------------------------------------------------- */

typedef struct packed_run {
    size_t pack_bytes; /* what prepare asked for */
    int clamp_done;
} packed_run;

/* aten::linear.out y (M, N) = x (M, K) @ w (N, K)^T + bias, w of `storage`: prepare (with a relu
 * asked for when `relu`), then, when prepare asks and `pack` is set, the pack into a 64-byte
 * aligned block of the bytes asked, then run with `pool`. y may be x's memory (an out that is
 * the input, as the loader allows). */
static ember_status linear_packed(ember_threadpool* pool, int storage, int pack, int relu,
                                  float* y, float* x, const float* w, const float* bias,
                                  int32_t m, int32_t k, int32_t n, packed_run* info)
{
    const int32_t xs[2] = {m, k}, ws[2] = {n, k}, bs[1] = {n}, ys[2] = {m, n};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, (void*)w, 2, ws);
    ember_tensor tbias = th_tensor(EMBER_DTYPE_F32, (void*)bias, 1, bs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 2, ys);
    tw.storage = (uint8_t)storage;
    tbias.storage = (uint8_t)storage;
    ember_value v[5] = {th_tensor_value(&tx), th_tensor_value(&tw),
                        bias ? th_tensor_value(&tbias) : th_null(), th_tensor_value(&ty),
                        th_tensor_value(&ty)};
    ember_value* ptrs[5];
    for (int i = 0; i < 5; i++) ptrs[i] = &v[i];
    _Alignas(8) unsigned char state[EMBER_KERNEL_STATE_BYTES] = {0};
    ember_kernel_ctx ctx = {.op_name = "aten::linear.out", .msg = th_msg,
                            .msg_bytes = sizeof th_msg, .state = state, .clamp = relu != 0,
                            .clamp_lo = 0.0f, .clamp_hi = INFINITY};
    const ember_kernel* kern = ember_kernel_find("aten::linear.out", 16);
    ember_kernel_run_fn run = NULL;
    ember_status st = kern->prepare(&ctx, ptrs, 5, &run);
    if (st) return st;
    info->pack_bytes = ctx.pack ? ctx.pack_bytes : 0;
    info->clamp_done = ctx.clamp_done;
    void* mem = NULL;
    if (pack && info->pack_bytes) {
        mem = aligned_alloc(64, (info->pack_bytes + 63) / 64 * 64);
        memset(mem, 0xff, (info->pack_bytes + 63) / 64 * 64); /* NaN: every float is written */
        st = ctx.pack(&ctx, ptrs, mem);
        if (st) {
            free(mem);
            return st;
        }
    }
    ctx.packed = mem;
    ctx.pool = pool;
    st = run(&ctx, ptrs);
    free(mem);
    return st;
}

/* The f32_gemm_nn_bt core of the ISA f32_gemm_nn_pick chooses here, and its strip width (0 when
 * the ISA packs no linear weight: AVX2, the portable kernels). */
static f32_gemm_nn_fn bt_core(int* nr)
{
    const f32_gemm_nn_fn nn = f32_gemm_nn_pick(ember_kernel_cpu_features());
#if EMBER_HAVE_X86_KERNELS
    if (nn == f32_gemm_nn__avx512) return *nr = F32_GEMM_NN_NR_AVX512, f32_gemm_nn_bt__avx512;
    if (nn == f32_gemm_nn__avx2) return *nr = 0, f32_gemm_nn_bt__avx2;
#endif
#if defined(__aarch64__)
    if (nn == f32_gemm_nn__neon) return *nr = F32_GEMM_NN_NR_NEON, f32_gemm_nn_bt__neon;
#endif
    *nr = 0;
    return f32_gemm_nn_bt__portable;
}

static void test_linear_packed(void)
{
    static const int32_t sh[][3] = {/* M, K, N: ragged N and K (blocks of 192 / 256 deep) */
                                    {128, 200, 131}, {130, 300, 77}, {64, 100, 96}, {40, 257, 45},
                                    {16, 64, 33},    {8, 130, 70},   {3, 50, 20},   {200, 20, 300},
                                    {33, 193, 193}};
    const size_t pool_bytes = ember_threadpool_bytes(2);
    void* pool_mem = malloc(pool_bytes);
    ember_threadpool* pool = NULL;
    CHECK(ember_threadpool_init(pool_mem, pool_bytes, 2, &pool) == EMBER_OK);
    for (int isa = 0; isa < 3; isa++) { /* the best variant, AVX-512 masked off, portable */
        const uint64_t avx512 = EMBER_CPU_BIT(EMBER_CPU_AVX512F);
        ember_kernel_cpu_mask_set(isa == 0 ? ~(uint64_t)0 : isa == 1 ? ~avx512 : 0);
        int nr;
        const f32_gemm_nn_fn core = bt_core(&nr);
        for (size_t q = 0; q < sizeof sh / sizeof sh[0]; q++) {
            const int32_t M = sh[q][0], K = sh[q][1], N = sh[q][2];
            float* x = malloc(sizeof(float) * (size_t)M * K);
            float* w = malloc(sizeof(float) * (size_t)N * K);
            float* bias = malloc(sizeof(float) * (size_t)N);
            float* plain = malloc(sizeof(float) * (size_t)M * N);
            float* got = malloc(sizeof(float) * (size_t)M * N);
            float* want = malloc(sizeof(float) * (size_t)M * N);
            double* exact = malloc(sizeof(double) * (size_t)M * N);
            double* tol = malloc(sizeof(double) * (size_t)M * N);
            fill(x, (int64_t)M * K), fill(w, (int64_t)N * K), fill(bias, N);
            const size_t ybytes = sizeof(float) * (size_t)M * N;
            for (int relu = 0; relu < 2; relu++) {
                packed_run info, plain_info;
                /* unpacked, then packed */
                CHECK(linear_packed(NULL, EMBER_TENSOR_CONSTANT, 0, relu, plain, x, w, bias, M,
                                    K, N, &plain_info) == EMBER_OK);
                CHECK(linear_packed(NULL, EMBER_TENSOR_CONSTANT, 1, relu, got, x, w, bias, M, K,
                                    N, &info) == EMBER_OK);
                /* asked for on an ISA that packs, from some rows on (AVX-512 from 64, NEON from
                 * 8), exactly the bytes of its layout */
                if (nr == 0 || M < 8) CHECK(info.pack_bytes == 0);
                if (nr && M >= 64) CHECK(info.pack_bytes > 0);
                if (info.pack_bytes) CHECK(info.pack_bytes == f32_gemm_packed_b_bytes(N, K, nr));
                /* the optimized variants take the relu, the portable one does not */
                const int clamped = relu && core != f32_gemm_nn_bt__portable;
                CHECK(info.clamp_done == clamped && plain_info.clamp_done == clamped);
                expect(exact, tol, x, w, 1, M, N, K, 1, 1, bias, 0, 1);
                for (int64_t i = 0; i < (int64_t)M * N; i++)
                    if (clamped) exact[i] = exact[i] < 0 ? 0 : exact[i];
                CHECK(near_all("linear packed", isa != 0, got, exact, tol, (int64_t)M * N));
                CHECK(near_all("linear unpacked", isa != 0, plain, exact, tol, (int64_t)M * N));
                /* packed: the bytes of the ISA's core on the weight as stored */
                if (info.pack_bytes) {
                    const f32_gemm_epilogue ep = {bias, 0, clamped ? 0.0f : -INFINITY, INFINITY};
                    core(want, N, x, K, w, K, M, N, K, &ep);
                    const int same = memcmp(got, want, ybytes) == 0;
                    if (!same)
                        fprintf(stderr, "linear packed M=%d K=%d N=%d relu=%d isa %d: not the "
                                "bytes of the bt core\n", M, K, N, relu, isa);
                    CHECK(same);
                    /* two threads: the same bytes */
                    for (int64_t i = 0; i < (int64_t)M * N; i++) got[i] = NAN;
                    CHECK(linear_packed(pool, EMBER_TENSOR_CONSTANT, 1, relu, got, x, w, bias, M,
                                        K, N, &info) == EMBER_OK);
                    CHECK(memcmp(got, want, ybytes) == 0);
                }
                /* a weight that is not a constant is never packed */
                CHECK(linear_packed(NULL, EMBER_TENSOR_PLANNED, 1, relu, got, x, w, bias, M, K, N,
                                    &info) == EMBER_OK);
                CHECK(info.pack_bytes == 0 && memcmp(got, plain, ybytes) == 0);
            }
            /* out is the input (N == K): rows computed aside, then written */
            if (K <= 300) {
                float* xy = malloc(sizeof(float) * (size_t)M * K);
                float* sq = malloc(sizeof(float) * (size_t)K * K);
                memcpy(xy, x, sizeof(float) * (size_t)M * K);
                fill(sq, (int64_t)K * K);
                packed_run info;
                CHECK(linear_packed(NULL, EMBER_TENSOR_CONSTANT, 1, 0, xy, xy, sq, NULL, M, K, K,
                                    &info) == EMBER_OK);
                double* ex = malloc(sizeof(double) * (size_t)M * K);
                double* tl = malloc(sizeof(double) * (size_t)M * K);
                expect(ex, tl, x, sq, 1, M, K, K, 1, 0, NULL, 0, 0);
                CHECK(near_all("linear packed out=input", isa, xy, ex, tl, (int64_t)M * K));
                free(xy), free(sq), free(ex), free(tl);
            }
            free(x), free(w), free(bias), free(plain), free(got), free(want), free(exact), free(tol);
        }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    ember_threadpool_destroy(pool);
    free(pool_mem);
}

int main(void)
{
    test_kernels();
    test_linear_dispatch();
    test_matmul_ops();
    test_matmul_aliasing();
    test_linear_packed();
    return check_report("test_gemm_optimized");
}
