/* test_gemm_nn.c — f32_gemm_nn (kernels/optimized/f32_gemm_nn.h): the portable reference, every
 * optimized variant this CPU can run (and its f32_gemm_nn_bt twin, b given transposed) and what
 * f32_gemm_nn_pick returns, against a double-precision sum computed here, on ragged shapes
 * (sizes not a multiple of any tile, block edges of M, N and K crossed), with leading
 * dimensions larger than the row, bias per row and per column, and the relu / relu6 / none
 * clamps (NaN kept). The padding past each row of c must stay untouched. The same for the
 * f32_gemm_ct variants (c stored transposed, a given transposed or packed by a source, b
 * transposed; bias per column). And b packed once (f32_gemm_pack_b / f32_gemm_nn_bp, a linear's
 * weight packed at load): the packed layout element by element (zeros past N, nothing written
 * past f32_gemm_packed_b_bytes), the product within tolerance, and the same bytes as the _bt
 * variant, whole and cut into two column ranges at a multiple of the strip width (a thread's
 * share).
 *
 * Tolerance, as in test_gemm_optimized.c: 1e-6 * sqrt(K) * sum |a_p b_p| + u * |bias|, about
 * 16 times the typical rounding of an fp32 sum in any order; a lost or misplaced term moves an
 * output by about 0.25 and fails. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/optimized/f32_gemm_nn.h"
#include "tests/c/check.h"

static uint64_t rng = 0x2545f4914f6cdd1du;
#include "tests/c/rng.h"

typedef void (*pack_b_fn)(float* restrict dst, const float* restrict w, int64_t n, int64_t k);

typedef struct variant {
    const char* name;
    f32_gemm_nn_fn fn;
    int bt;         /* takes b transposed, (N, K); 2: packed by `pack` (f32_gemm_nn_bp) */
    uint64_t needs; /* CPU features it needs */
    pack_b_fn pack; /* bt == 2: f32_gemm_pack_b of the same variant, strips of nr columns */
    int nr;
    f32_gemm_nn_fn twin; /* bt == 2: the _bt variant that must give the same bytes */
} variant;

#define X86_AVX512 EMBER_FEATURES_X86_AVX512
#define X86_AVX2 EMBER_FEATURES_X86_AVX2

static const variant variants[] = {
    {"portable", f32_gemm_nn__portable, 0, 0, NULL, 0, NULL},
    {"portable bt", f32_gemm_nn_bt__portable, 1, 0, NULL, 0, NULL},
#if EMBER_HAVE_X86_KERNELS
    {"avx2", f32_gemm_nn__avx2, 0, X86_AVX2, NULL, 0, NULL},
    {"avx2 bt", f32_gemm_nn_bt__avx2, 1, X86_AVX2, NULL, 0, NULL},
    {"avx2 bp", f32_gemm_nn_bp__avx2, 2, X86_AVX2, f32_gemm_pack_b__avx2, F32_GEMM_NN_NR_AVX2,
     f32_gemm_nn_bt__avx2},
    {"avx512", f32_gemm_nn__avx512, 0, X86_AVX512, NULL, 0, NULL},
    {"avx512 bt", f32_gemm_nn_bt__avx512, 1, X86_AVX512, NULL, 0, NULL},
    {"avx512 bp", f32_gemm_nn_bp__avx512, 2, X86_AVX512, f32_gemm_pack_b__avx512,
     F32_GEMM_NN_NR_AVX512, f32_gemm_nn_bt__avx512},
#endif
#if defined(__aarch64__)
    {"neon", f32_gemm_nn__neon, 0, 0, NULL, 0, NULL},
    {"neon bt", f32_gemm_nn_bt__neon, 1, 0, NULL, 0, NULL},
    {"neon bp", f32_gemm_nn_bp__neon, 2, 0, f32_gemm_pack_b__neon, F32_GEMM_NN_NR_NEON,
     f32_gemm_nn_bt__neon},
#endif
};
#define NUM_VARIANTS (sizeof variants / sizeof variants[0])

typedef struct shape {
    int64_t m, n, k;
} shape;

/* Tiles: 12x32 (AVX-512), 6x16 (AVX2), 8x12 (NEON); K blocks of 128 / 192 / 256, M blocks of
 * 132 / 132 / 128, N blocks of 352 / 208 / 120; m <= 4 takes the unpacked path. */
static const shape shapes[] = {
    {1, 1, 1},     {1, 768, 768}, {5, 17, 3},    {7, 70, 33},    {13, 129, 100}, {32, 64, 27},
    {3, 5, 0},     {64, 3136, 16}, {17, 300, 513}, {6, 16, 1},    {2, 65, 300},   {4, 100, 7},
    {12, 32, 128}, {24, 64, 257}, {137, 360, 130}, {133, 209, 193}, {11, 33, 17},  {1, 5, 9},
};

typedef struct problem {
    shape s;
    int64_t lda, ldb, ldbt, ldc;
    float *a, *b, *bt, *c, *bias;
    float* w;          /* b^T contiguous, (N, K): what f32_gemm_pack_b reads */
    float* bp;         /* w packed by the variant under test (run_case), or NULL */
    double *sum, *mag; /* the double reference, per output */
} problem;

static void setup(problem* pr, shape s)
{
    pr->s = s;
    pr->lda = s.k + 3, pr->ldb = s.n + 5, pr->ldbt = s.k + 7, pr->ldc = s.n + 2;
    pr->a = malloc(sizeof(float) * (size_t)(s.m * pr->lda + 1));
    pr->b = malloc(sizeof(float) * (size_t)(s.k * pr->ldb + 1));
    pr->bt = malloc(sizeof(float) * (size_t)(s.n * pr->ldbt + 1));
    pr->c = malloc(sizeof(float) * (size_t)(s.m * pr->ldc + 1));
    pr->bias = malloc(sizeof(float) * (size_t)((s.m > s.n ? s.m : s.n) + 1));
    pr->w = malloc(sizeof(float) * (size_t)(s.n * s.k + 1));
    pr->bp = NULL;
    pr->sum = malloc(sizeof(double) * (size_t)(s.m * s.n + 1));
    pr->mag = malloc(sizeof(double) * (size_t)(s.m * s.n + 1));
    for (int64_t i = 0; i < s.m * pr->lda; i++) pr->a[i] = uniform();
    for (int64_t i = 0; i < s.k * pr->ldb; i++) pr->b[i] = uniform();
    for (int64_t i = 0; i < s.n * pr->ldbt; i++) pr->bt[i] = NAN; /* padding: never read */
    for (int64_t p = 0; p < s.k; p++)
        for (int64_t j = 0; j < s.n; j++) pr->bt[j * pr->ldbt + p] = pr->b[p * pr->ldb + j];
    for (int64_t p = 0; p < s.k; p++)
        for (int64_t j = 0; j < s.n; j++) pr->w[j * s.k + p] = pr->b[p * pr->ldb + j];
    for (int64_t i = 0; i < (s.m > s.n ? s.m : s.n); i++) pr->bias[i] = 4.0f * uniform();
    if (s.m > 2 && s.k > 0) pr->a[pr->lda] = NAN; /* row 1 is all NaN: the clamp must keep it */
    for (int64_t i = 0; i < s.m; i++)
        for (int64_t j = 0; j < s.n; j++) {
            double sum = 0, mag = 0;
            for (int64_t p = 0; p < s.k; p++) {
                sum += (double)pr->a[i * pr->lda + p] * pr->b[p * pr->ldb + j];
                mag += fabs((double)pr->a[i * pr->lda + p] * pr->b[p * pr->ldb + j]);
            }
            pr->sum[i * s.n + j] = sum, pr->mag[i * s.n + j] = mag;
        }
}

static void teardown(problem* pr)
{
    free(pr->a), free(pr->b), free(pr->bt), free(pr->c), free(pr->bias), free(pr->w),
        free(pr->sum), free(pr->mag);
}

/* Whether `got`, the output at (i, j) of pr (or, with inside false, a padding float past the
 * product), is right: padding still 12345, NaN where the reference is NaN, else within the
 * tolerance of the clamped reference plus bias bv. *want gets what was expected. */
static int output_ok(const problem* pr, float got, int inside, int64_t i, int64_t j, double bv,
                     float lo, float hi, double* want)
{
    *want = 12345.0;
    if (!inside) return got == 12345.0f;
    *want = pr->sum[i * pr->s.n + j] + bv;
    if (isnan(*want)) return isnan(got);
    *want = *want < lo ? lo : *want > hi ? hi : *want;
    const double tol =
        1e-6 * sqrt((double)pr->s.k) * pr->mag[i * pr->s.n + j] + 6e-8 * fabs(bv) + 1e-30;
    return fabs(got - *want) <= tol;
}

static int run_case(const variant* v, const problem* pr, int bias_mode, int clamp)
{
    const shape s = pr->s;
    const int64_t ldc = pr->ldc;
    float* c = pr->c;
    for (int64_t i = 0; i < s.m * ldc; i++) c[i] = 12345.0f; /* padding must stay */
    const float lo = clamp == 0 ? -INFINITY : 0.0f, hi = clamp == 2 ? 6.0f : INFINITY;
    f32_gemm_epilogue ep = {bias_mode ? pr->bias : NULL, bias_mode == 1, lo, hi};
    if (v->bt == 2) v->fn(c, ldc, pr->a, pr->lda, pr->bp, s.k, s.m, s.n, s.k, &ep);
    else if (v->bt) v->fn(c, ldc, pr->a, pr->lda, pr->bt, pr->ldbt, s.m, s.n, s.k, &ep);
    else v->fn(c, ldc, pr->a, pr->lda, pr->b, pr->ldb, s.m, s.n, s.k, &ep);
    for (int64_t i = 0; i < s.m; i++) {
        for (int64_t j = 0; j < ldc; j++) {
            const float got = c[i * ldc + j];
            const double bv = j >= s.n         ? 0.0
                              : bias_mode == 1 ? pr->bias[i]
                              : bias_mode == 2 ? pr->bias[j]
                                               : 0.0;
            double want;
            if (!output_ok(pr, got, j < s.n, i, j, bv, lo, hi, &want)) {
                fprintf(stderr, "%s m=%lld n=%lld k=%lld bias=%d clamp=%d: c[%lld][%lld] %.8g want %.8g\n",
                        v->name, (long long)s.m, (long long)s.n, (long long)s.k, bias_mode, clamp,
                        (long long)i, (long long)j, (double)got, want);
                return 0;
            }
        }
    }
    return 1;
}

/* ---- b packed once: f32_gemm_pack_b, f32_gemm_nn_bp ---------------------------------------- */

/* Packs pr->w with v->pack into pr->bp (exactly f32_gemm_packed_b_bytes, in a block that ends
 * with a guard) and checks every float of the layout: w[s*nr + j][p] at (s * K + p) * nr + j,
 * zero past N. */
static int pack_case(const variant* v, problem* pr)
{
    const shape s = pr->s;
    const size_t bytes = f32_gemm_packed_b_bytes(s.n, s.k, v->nr);
    const int64_t strips = (s.n + v->nr - 1) / v->nr, floats = strips * s.k * v->nr;
    if (s.n <= 0 || s.k <= 0) return bytes == 0;
    if (bytes != (size_t)floats * sizeof(float)) return 0;
    float* bp = malloc(bytes + 16 * sizeof(float));
    for (int64_t i = 0; i < floats + 16; i++) bp[i] = NAN;
    v->pack(bp, pr->w, s.n, s.k);
    int ok = 1;
    for (int64_t t = 0; t < strips && ok; t++)
        for (int64_t p = 0; p < s.k && ok; p++)
            for (int64_t j = 0; j < v->nr && ok; j++) {
                const int64_t col = t * v->nr + j;
                const float want = col < s.n ? pr->w[col * s.k + p] : 0.0f;
                const float got = bp[(t * s.k + p) * v->nr + j];
                if (memcmp(&got, &want, sizeof got) != 0) {
                    fprintf(stderr, "%s pack n=%lld k=%lld: strip %lld, k %lld, column %lld: "
                            "%.8g want %.8g\n", v->name, (long long)s.n, (long long)s.k,
                            (long long)t, (long long)p, (long long)j, (double)got, (double)want);
                    ok = 0;
                }
            }
    for (int64_t i = floats; i < floats + 16; i++) ok &= isnan(bp[i]); /* nothing past the end */
    pr->bp = bp;
    return ok;
}

/* bp gives the bytes of its _bt twin, whole and as two calls on the columns [0, j0) and
 * [j0, N) with j0 a multiple of the strip width (b at bp + j0 * K, the bias from j0). */
static int bp_same_bytes(const variant* v, const problem* pr, int bias_mode, int clamp)
{
    const shape s = pr->s;
    const int64_t ldc = pr->ldc, count = s.m * ldc;
    float* want = malloc(sizeof(float) * (size_t)(count + 1));
    float* got = malloc(sizeof(float) * (size_t)(count + 1));
    for (int64_t i = 0; i < count; i++) want[i] = got[i] = 12345.0f;
    const float lo = clamp == 0 ? -INFINITY : 0.0f, hi = clamp == 2 ? 6.0f : INFINITY;
    const f32_gemm_epilogue ep = {bias_mode ? pr->bias : NULL, bias_mode == 1, lo, hi};
    v->twin(want, ldc, pr->a, pr->lda, pr->bt, pr->ldbt, s.m, s.n, s.k, &ep);
    v->fn(got, ldc, pr->a, pr->lda, pr->bp, s.k, s.m, s.n, s.k, &ep);
    int ok = memcmp(want, got, sizeof(float) * (size_t)count) == 0;
    const int64_t j0 = (s.n / 2) / v->nr * v->nr;
    if (j0 > 0) {
        for (int64_t i = 0; i < count; i++) got[i] = 12345.0f;
        f32_gemm_epilogue right = ep;
        if (bias_mode == 2) right.bias += j0;
        v->fn(got, ldc, pr->a, pr->lda, pr->bp, s.k, s.m, j0, s.k, &ep);
        v->fn(got + j0, ldc, pr->a, pr->lda, pr->bp + j0 * s.k, s.k, s.m, s.n - j0, s.k, &right);
        ok &= memcmp(want, got, sizeof(float) * (size_t)count) == 0;
    }
    if (!ok)
        fprintf(stderr, "%s m=%lld n=%lld k=%lld bias=%d clamp=%d: not the bytes of the bt "
                "variant (cut at %lld)\n", v->name, (long long)s.m, (long long)s.n,
                (long long)s.k, bias_mode, clamp, (long long)j0);
    free(want), free(got);
    return ok;
}

/* ---- f32_gemm_ct: c^T, a given as at (K, M) or through a source, b as bt ------------------ */
#if EMBER_HAVE_X86_KERNELS

typedef struct at_ctx {
    const float* at;
    int64_t lda;
} at_ctx;

/* The f32_gemm_b_source contract for a's rows: strips of kc x nr, zero past mc. */
static void pack_from_at(float* restrict dst, const void* ctx, int64_t p0, int64_t kc,
                         int64_t i0, int64_t mc, int nr)
{
    const at_ctx* q = ctx;
    for (int64_t s0 = 0; s0 < mc; s0 += nr)
        for (int64_t p = 0; p < kc; p++)
            for (int64_t i = 0; i < nr; i++)
                dst[s0 * kc + p * nr + i] =
                    s0 + i < mc ? q->at[(p0 + p) * q->lda + i0 + s0 + i] : 0.0f;
}

static int run_ct_case(const char* name, f32_gemm_ct_fn fn, const problem* pr, int use_src,
                       int bias_mode, int clamp)
{
    const shape s = pr->s;
    const int64_t lda = s.m + 4, ldc = s.m + 3;
    float* at = malloc(sizeof(float) * (size_t)(s.k * lda + 1));
    float* c = malloc(sizeof(float) * (size_t)(s.n * ldc + 1));
    for (int64_t p = 0; p < s.k; p++)
        for (int64_t i = 0; i < lda; i++) at[p * lda + i] = i < s.m ? pr->a[i * pr->lda + p] : NAN;
    for (int64_t i = 0; i < s.n * ldc; i++) c[i] = 12345.0f;
    const float lo = clamp == 0 ? -INFINITY : 0.0f, hi = clamp == 2 ? 6.0f : INFINITY;
    const f32_gemm_epilogue ep = {bias_mode ? pr->bias : NULL, 0, lo, hi};
    const at_ctx q = {at, lda};
    const f32_gemm_b_source src = {pack_from_at, &q};
    fn(c, ldc, use_src ? NULL : at, use_src ? 0 : lda, use_src ? &src : NULL, pr->bt, pr->ldbt,
       s.m, s.n, s.k, &ep);
    int ok = 1;
    for (int64_t j = 0; j < s.n && ok; j++)
        for (int64_t i = 0; i < ldc && ok; i++) {
            const float got = c[j * ldc + i];
            const double bv = bias_mode && i < s.m ? pr->bias[j] : 0.0;
            double want;
            if (!output_ok(pr, got, i < s.m, i, j, bv, lo, hi, &want)) {
                fprintf(stderr,
                        "%s src=%d m=%lld n=%lld k=%lld bias=%d clamp=%d: c(%lld, %lld) %.8g "
                        "want %.8g\n",
                        name, use_src, (long long)s.m, (long long)s.n, (long long)s.k, bias_mode,
                        clamp, (long long)i, (long long)j, (double)got, want);
                ok = 0;
            }
        }
    free(at), free(c);
    return ok;
}
#endif

int main(void)
{
    const uint64_t have = ember_kernel_cpu_features();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        problem pr;
        setup(&pr, shapes[i]);
        for (size_t f = 0; f < NUM_VARIANTS; f++) {
            if ((variants[f].needs & have) != variants[f].needs) continue;
            if (variants[f].bt == 2) {
                CHECK(pack_case(&variants[f], &pr));
                if (!pr.bp) continue; /* N or K is 0: nothing to pack, nothing to run */
            }
            for (int bias_mode = 0; bias_mode < 3; bias_mode++)
                for (int clamp = 0; clamp < 3; clamp++) {
                    CHECK(run_case(&variants[f], &pr, bias_mode, clamp));
                    if (variants[f].bt == 2) CHECK(bp_same_bytes(&variants[f], &pr, bias_mode, clamp));
                }
            free(pr.bp);
            pr.bp = NULL;
        }
        /* what a prepare picks, and the reference it falls back to under a zero mask */
        const variant picked = {"picked", f32_gemm_nn_pick(have), 0, 0, NULL, 0, NULL};
        CHECK(run_case(&picked, &pr, 2, 1));
        CHECK(f32_gemm_nn_pick(0) == f32_gemm_nn__portable);
#if EMBER_HAVE_X86_KERNELS
        static const struct {
            const char* name;
            f32_gemm_ct_fn fn;
            uint64_t needs;
        } cts[] = {{"avx2 ct", f32_gemm_ct__avx2, X86_AVX2},
                   {"avx512 ct", f32_gemm_ct__avx512, X86_AVX512}};
        for (size_t f = 0; f < sizeof cts / sizeof cts[0]; f++) {
            if ((cts[f].needs & have) != cts[f].needs) continue;
            for (int use_src = 0; use_src < 2; use_src++)
                for (int bias_mode = 0; bias_mode < 2; bias_mode++)
                    for (int clamp = 0; clamp < 3; clamp++)
                        CHECK(run_ct_case(cts[f].name, cts[f].fn, &pr, use_src, bias_mode, clamp));
        }
#endif
        int mr, nr;
        CHECK(f32_gemm_ct_pick(0, &mr, &nr) == NULL);
        teardown(&pr);
    }
    return check_report("test_gemm_nn");
}
