/* test_ops_qlinear.c — the weight-only quantized linear layers (kernels/portable/op_wq_linear.c):
 * quantized_decomposed::mixed_linear.out (int8 weights, per-channel scales) and
 * ember::linear_int4.out (two 4-bit values per byte, per-group scales, optional bias), through
 * prepare/run, each variant (portable; avx2, avx512 where the CPU has them; neon on aarch64)
 * forced with ember_kernel_cpu_mask_set.
 *
 * Oracle: a double-precision sum computed here from the layouts the ops document (the int4
 * nibble order, q + 8 per nibble, group g = k / group_size). Two kinds of data per case:
 *   - random: x uniform in [-1, 1), weights over their whole range (int8 -128..127, every
 *     nibble 0..15), scales and bias random; each output within 2e-6 sqrt(K) of
 *     sum_k |x w scale| (+ |bias|) of the oracle (float sums of K terms, ordered differently by
 *     each variant; a wrong or missing term moves an output by ~1 / K of that, 5x more or
 *     beyond for the largest K here);
 *   - exact: x small integers, scales powers of two, bias a multiple of 1/8: every product and
 *     partial sum is exact in float in every variant and path (the dequantized weights
 *     q * 2^e included), so each output must equal the oracle bit for bit: any misplaced
 *     nibble, group, scale, row or column fails.
 * Shapes (K, N): (768, 768), (768, 3072), (3072, 768), (64, 50), (256, 1000), and for int8
 * K tails (100, 37), (3, 9), (770, 45); M in {1, 2, 3, 4, 5, 7, 8, 32, 33, 64, 65, 128} (the
 * x86 variants' matrix-vector path, one pass of up to 4 rows or several, up to 64 rows for
 * int8 and 32 for int4, the GEMM path beyond), input rank 2, rank 3 (1, T, K) and rank 1 (K);
 * int4 group sizes 32, 64, 128, 256, with and without bias; int8 scales (N) and (N, 1), dtype
 * None and float32. Every case runs again on a 2-thread pool and must give the same bytes. Extremes:
 * weights all -128 / all 127 (int8) and all nibbles 0 / 15 (q = -8 / 7) against x of +-8.
 * An out that is exactly the input's bytes (N == K) computes in place. What prepare refuses:
 * odd K for int4, a group that does not divide K or is not 32/64/128/256, wrong dtypes,
 * scales of the wrong shape, zero points, K mismatches, out of the wrong shape, dtype float16,
 * a bias of the wrong shape; run refuses an out on the weight's bytes. */
#include <math.h>
#include <stdlib.h>

#include "kernels/optimized/f32_qlinear.h"
#include "tests/c/kernel_harness.h"

static uint64_t rng = 0x3c6ef372fe94f82bu;
#include "tests/c/rng.h"

#define MIXED "quantized_decomposed::mixed_linear.out"
#define INT4 "ember::linear_int4.out"

/* One layer's data: x (M, K), the weight in its op's layout, scales, bias (N) or NULL. */
typedef struct layer {
    int bits;
    int64_t m, k, n, group; /* group: int4 only */
    float* x;
    void* w;                /* int8 (N, K) or uint8 (N, K / 2) */
    float* scales;          /* (N) or (N, K / group) */
    float* bias;
} layer;

static int q_at(const layer* l, int64_t j, int64_t p)
{
    if (l->bits == 8) return ((const int8_t*)l->w)[j * l->k + p];
    const uint8_t b = ((const uint8_t*)l->w)[j * (l->k / 2) + p / 2];
    return (p % 2 ? b >> 4 : b & 15) - 8;
}

static double scale_at(const layer* l, int64_t j, int64_t p)
{
    return l->bits == 8 ? l->scales[j] : l->scales[j * (l->k / l->group) + p / l->group];
}

/* ref = the exact (double) outputs, mag = sum |terms| (+ |bias|) per output. */
static void oracle(const layer* l, double* ref, double* mag)
{
    for (int64_t i = 0; i < l->m; i++)
        for (int64_t j = 0; j < l->n; j++) {
            double s = l->bias ? l->bias[j] : 0.0, a = l->bias ? fabs(l->bias[j]) : 0.0;
            for (int64_t p = 0; p < l->k; p++) {
                const double t = (double)l->x[i * l->k + p] * q_at(l, j, p) * scale_at(l, j, p);
                s += t;
                a += fabs(t);
            }
            ref[i * l->n + j] = s;
            mag[i * l->n + j] = a;
        }
}

/* Allocates and fills a layer: random (exact false) or exactly summable data (above). */
static layer make_layer(int bits, int64_t m, int64_t k, int64_t n, int64_t group, bool bias,
                        bool exact)
{
    layer l = {bits, m, k, n, bits == 4 ? group : 0, NULL, NULL, NULL, NULL};
    const int64_t wbytes = bits == 8 ? n * k : n * k / 2;
    const int64_t ns = bits == 8 ? n : n * (k / group);
    l.x = malloc((size_t)(m * k + 1) * sizeof(float));
    l.w = malloc((size_t)wbytes + 1);
    l.scales = malloc((size_t)(ns + 1) * sizeof(float));
    l.bias = bias ? malloc((size_t)(n + 1) * sizeof(float)) : NULL;
    for (int64_t i = 0; i < m * k; i++)
        l.x[i] = exact ? (float)((int)rnd(17) - 8) : uniform();
    uint8_t* wb = l.w;
    for (int64_t i = 0; i < wbytes; i++) wb[i] = (uint8_t)rnd(256);
    for (int64_t i = 0; i < ns; i++)
        l.scales[i] = exact ? ldexpf(1.0f, (int)rnd(6) - 3 - (bits == 8 ? 6 : 0))
                            : (0.25f + (uniform() + 1.0f)) / (bits == 8 ? 127.0f : 7.0f);
    for (int64_t j = 0; bias && j < n; j++)
        l.bias[j] = exact ? (float)((int)rnd(64) - 32) / 8.0f : uniform();
    return l;
}

static void free_layer(layer* l)
{
    free(l->x), free(l->w), free(l->scales), free(l->bias);
}

/* One call's tensors and arguments; the values point into the struct. rank: of the input
 * (1: (K) with M = 1; 2: (M, K); 3: (1, M, K)). scale_rank: int8 scales (N) or (N, 1). */
typedef struct ql_call {
    ember_tensor x, w, s, b, out;
    ember_value a[7];
} ql_call;

static void ql_call_init(ql_call* q, const layer* l, float* out, int rank, int scale_rank,
                         bool dtype)
{
    int32_t xs[3], os[3];
    const int32_t m = (int32_t)l->m, k = (int32_t)l->k, n = (int32_t)l->n;
    if (rank == 1) xs[0] = k, os[0] = n;
    if (rank == 2) xs[0] = os[0] = m, xs[1] = k, os[1] = n;
    if (rank == 3) xs[0] = os[0] = 1, xs[1] = os[1] = m, xs[2] = k, os[2] = n;
    q->x = th_tensor(EMBER_DTYPE_F32, l->x, rank, xs);
    q->out = th_tensor(EMBER_DTYPE_F32, out, rank, os);
    if (l->bits == 8) {
        const int32_t ws[2] = {n, k}, ss[2] = {n, 1};
        q->w = th_tensor(EMBER_DTYPE_I8, l->w, 2, ws);
        q->s = th_tensor(EMBER_DTYPE_F32, l->scales, scale_rank, ss);
        const ember_value a[7] = {th_tensor_value(&q->x), th_tensor_value(&q->w),
                                  th_tensor_value(&q->s), th_null(),
                                  dtype ? th_int(EMBER_DTYPE_F32) : th_null(),
                                  th_tensor_value(&q->out), th_tensor_value(&q->out)};
        memcpy(q->a, a, sizeof a);
        return;
    }
    const int32_t ws[2] = {n, k / 2}, ss[2] = {n, (int32_t)(l->k / l->group)}, bs[1] = {n};
    q->w = th_tensor(EMBER_DTYPE_U8, l->w, 2, ws);
    q->s = th_tensor(EMBER_DTYPE_F32, l->scales, 2, ss);
    if (l->bias) q->b = th_tensor(EMBER_DTYPE_F32, l->bias, 1, bs);
    const ember_value a[7] = {th_tensor_value(&q->x), th_tensor_value(&q->w),
                              th_tensor_value(&q->s), th_int(l->group),
                              l->bias ? th_tensor_value(&q->b) : th_null(),
                              th_tensor_value(&q->out), th_tensor_value(&q->out)};
    memcpy(q->a, a, sizeof a);
}

/* prepare once, run with `pool` (NULL: one thread). */
static ember_status run_with_pool(const char* op, ember_threadpool* pool, ember_value* vals)
{
    ember_value* ptrs[7];
    for (size_t i = 0; i < 7; i++) ptrs[i] = &vals[i];
    const ember_kernel* kern = ember_kernel_find(op, strlen(op));
    ember_kernel_ctx ctx = {.op_name = op, .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    const ember_status st = kern->prepare(&ctx, ptrs, 7, &run);
    if (st) return st;
    ctx.pool = pool;
    return run(&ctx, ptrs);
}

/* The first output off the oracle (exact: not the float of the oracle; else beyond the
 * tolerance), or -1. */
static int64_t first_bad(const float* got, const double* ref, const double* mag, int64_t count,
                         int64_t k, bool exact)
{
    const double rel = 2e-6 * sqrt((double)(k > 0 ? k : 1));
    for (int64_t i = 0; i < count; i++) {
        const bool ok = exact ? got[i] == (float)ref[i]
                              : fabs(got[i] - ref[i]) <= rel * mag[i] + 1e-30;
        if (!ok) return i;
    }
    return -1;
}

static ember_threadpool* pool2;
static int bad_cases, cases_run;

/* Every variant on one layer (1 thread and 2), against the oracle. */
static void check_layer(const layer* l, int rank, int scale_rank, bool dtype, bool exact)
{
    const int64_t count = l->m * l->n;
    double* ref = malloc((size_t)(count + 1) * sizeof(double));
    double* mag = malloc((size_t)(count + 1) * sizeof(double));
    float* got = malloc((size_t)(count + 1) * sizeof(float));
    float* got2 = malloc((size_t)(count + 1) * sizeof(float));
    oracle(l, ref, mag);
    const uint64_t have = ember_cpu_features();
    const char* op = l->bits == 8 ? MIXED : INT4;
    for (size_t vi = 0; vi < TH_NUM_VARIANTS; vi++) {
        if (!th_force_variant(vi, have)) continue;
        cases_run++;
        ql_call q;
        for (int64_t i = 0; i < count; i++) got[i] = got2[i] = NAN;
        ql_call_init(&q, l, got, rank, scale_rank, dtype);
        const ember_status st = th_run(op, q.a, 7);
        const int64_t bad = st ? 0 : first_bad(got, ref, mag, count, l->k, exact);
        if (st || bad >= 0) {
            fprintf(stderr, "%s %s M %lld K %lld N %lld group %lld bias %d rank %d %s: status "
                    "%d (%s), [%lld] got %.9g, oracle %.9g (sum |terms| %.3g)\n",
                    th_variants[vi].name, op, (long long)l->m, (long long)l->k, (long long)l->n,
                    (long long)l->group, l->bias != NULL, rank, exact ? "exact" : "random",
                    (int)st, th_msg, (long long)bad, bad >= 0 ? (double)got[bad] : 0.0,
                    bad >= 0 ? ref[bad] : 0.0, bad >= 0 ? mag[bad] : 0.0);
            bad_cases++;
            continue;
        }
        ql_call_init(&q, l, got2, rank, scale_rank, dtype);
        if (run_with_pool(op, pool2, q.a) != EMBER_OK ||
            memcmp(got, got2, (size_t)count * sizeof(float)) != 0) {
            fprintf(stderr, "%s %s M %lld K %lld N %lld: 2 threads differ from 1\n",
                    th_variants[vi].name, op, (long long)l->m, (long long)l->k, (long long)l->n);
            bad_cases++;
        }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    free(ref), free(mag), free(got), free(got2);
}

/* ---- the shape sweep ----------------------------------------------------------------------- */

typedef struct shape_case {
    int64_t k, n;
    int64_t ms[9];  /* 0 ends the list */
    bool int4;      /* K is a multiple of 32: int4 too */
} shape_case;

static const shape_case shape_cases[] = {
    {768, 768, {1, 2, 3, 7, 64, 128}, true},
    {768, 3072, {1, 2, 7, 0}, true},
    {3072, 768, {1, 3, 8, 0}, true},
    {64, 50, {1, 2, 3, 4, 5, 32, 33, 64, 128}, true},
    {256, 1000, {1, 7, 33, 128, 0}, true},
    {100, 37, {1, 2, 3, 7, 64, 0}, false},
    {3, 9, {1, 4, 5, 0}, false},
    {770, 45, {1, 3, 65, 0}, false},
};

static void test_shapes(void)
{
    static const int64_t groups[] = {32, 64, 128, 256};
    int gi = 0, ci = 0;
    for (size_t s = 0; s < sizeof shape_cases / sizeof shape_cases[0]; s++) {
        const shape_case* sc = &shape_cases[s];
        for (int mi = 0; mi < 9 && sc->ms[mi]; mi++) {
            const int64_t m = sc->ms[mi];
            for (int exact = 0; exact < 2; exact++) {
                ci++;
                /* input rank: mostly 2; some rank 3 (1, T, K), rank 1 for some M = 1 */
                const int rank = m == 1 && ci % 3 == 0 ? 1 : ci % 4 == 1 ? 3 : 2;
                layer l8 = make_layer(8, m, sc->k, sc->n, 0, false, exact);
                check_layer(&l8, rank, 1 + ci % 2, ci % 3 == 1, exact);
                free_layer(&l8);
                if (!sc->int4) continue;
                int64_t g = groups[gi++ % 4];
                while (sc->k % g) g /= 2;
                layer l4 = make_layer(4, m, sc->k, sc->n, g, ci % 2 == 0, exact);
                check_layer(&l4, rank, 2, false, exact);
                free_layer(&l4);
            }
        }
    }
}

/* Weights at their extremes against x of +-8 (exact sums): int8 all -128 or all 127, int4
 * nibbles all 0 (q = -8) or all 15 (q = 7), and alternating extremes. */
static void test_extremes(void)
{
    static const int64_t ms[] = {1, 3, 9};
    for (int fill = 0; fill < 3; fill++)
        for (int bits = 4; bits <= 8; bits += 4)
            for (int mi = 0; mi < 3; mi++) {
                layer l = make_layer(bits, ms[mi], 256, 70, 64, bits == 4, true);
                const int64_t wbytes = bits == 8 ? l.n * l.k : l.n * l.k / 2;
                uint8_t* wb = l.w;
                for (int64_t i = 0; i < wbytes; i++) {
                    const int lo = fill == 0 || (fill == 2 && i % 3 == 0);
                    wb[i] = bits == 8 ? (uint8_t)(lo ? 0x80 : 0x7f) : (uint8_t)(lo ? 0x00 : 0xff);
                    if (bits == 4 && fill == 2) wb[i] = i % 2 ? 0x0f : 0xf0;
                }
                for (int64_t i = 0; i < l.m * l.k; i++) l.x[i] = i % 5 == 0 ? -8.0f : 8.0f;
                check_layer(&l, 2, 1, false, true);
                free_layer(&l);
            }
}

/* out exactly the input's bytes (N == K): each row in place, as the oracle on a copy. */
static void test_in_place(void)
{
    for (int bits = 4; bits <= 8; bits += 4)
        for (int64_t m = 1; m <= 9; m += 4) {
            layer l = make_layer(bits, m, 64, 64, 32, bits == 4, true);
            const int64_t count = m * 64;
            double* ref = malloc((size_t)count * sizeof(double));
            double* mag = malloc((size_t)count * sizeof(double));
            float* x0 = malloc((size_t)count * sizeof(float));
            oracle(&l, ref, mag);
            memcpy(x0, l.x, (size_t)count * sizeof(float));
            const uint64_t have = ember_cpu_features();
            for (size_t vi = 0; vi < TH_NUM_VARIANTS; vi++) {
                if (!th_force_variant(vi, have)) continue;
                memcpy(l.x, x0, (size_t)count * sizeof(float));
                ql_call q;
                ql_call_init(&q, &l, l.x, 2, 1, false);
                const ember_status st = run_with_pool(bits == 8 ? MIXED : INT4, pool2, q.a);
                if (st || first_bad(l.x, ref, mag, count, 64, true) >= 0) {
                    fprintf(stderr, "%s in place, int%d M %lld: status %d (%s)\n",
                            th_variants[vi].name, bits, (long long)m, (int)st, th_msg);
                    bad_cases++;
                }
            }
            ember_kernel_cpu_mask_set(~(uint64_t)0);
            free(ref), free(mag), free(x0);
            free_layer(&l);
        }
}

/* ---- refusals ------------------------------------------------------------------------------ */

static void test_refusals(void)
{
    enum { M = 2, K = 64, N = 6 };
    static float x[M * K], x63[M * 63], x96[M * 96], s8[N + 1], s4[N * 3], bias[N + 1];
    static float out[M * (N + 1)];
    static int8_t w8[N * (K + 1)];
    static uint8_t w4[N * 48];
    static uint16_t xh[M * K];
    static int32_t si[N * 2];
    const int32_t xs[2] = {M, K}, os[2] = {M, N}, os_bad[2] = {M, N + 1}, os3[3] = {1, M, N};
    const int32_t ws8[2] = {N, K}, ws8k[2] = {N, K + 1}, ss8[1] = {N}, ss8b[1] = {N + 1};
    const int32_t ss8g[2] = {N, 2}, ws4[2] = {N, K / 2}, ss4[2] = {N, 2}, ss4b[2] = {N, 3};
    const int32_t ss4r[1] = {N * 2}, bs[1] = {N}, bsb[1] = {N + 1}, x63s[2] = {M, 63};
    const int32_t w63s[2] = {N, 31}, x96s[2] = {M, 96}, w96s[2] = {N, 48}, ss96[2] = {N, 1};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, xs);
    ember_tensor txh = th_tensor(EMBER_DTYPE_F16, xh, 2, xs);
    ember_tensor tx63 = th_tensor(EMBER_DTYPE_F32, x63, 2, x63s);
    ember_tensor tx96 = th_tensor(EMBER_DTYPE_F32, x96, 2, x96s);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, os);
    ember_tensor tob = th_tensor(EMBER_DTYPE_F32, out, 2, os_bad);
    ember_tensor to3 = th_tensor(EMBER_DTYPE_F32, out, 3, os3);
    ember_tensor toi = th_tensor(EMBER_DTYPE_I32, out, 2, os);
    ember_tensor tw8 = th_tensor(EMBER_DTYPE_I8, w8, 2, ws8);
    ember_tensor tw8u = th_tensor(EMBER_DTYPE_U8, w8, 2, ws8);
    ember_tensor tw8k = th_tensor(EMBER_DTYPE_I8, w8, 2, ws8k);
    ember_tensor ts8 = th_tensor(EMBER_DTYPE_F32, s8, 1, ss8);
    ember_tensor ts8b = th_tensor(EMBER_DTYPE_F32, s8, 1, ss8b);
    ember_tensor ts8g = th_tensor(EMBER_DTYPE_F32, s4, 2, ss8g);
    ember_tensor ts8i = th_tensor(EMBER_DTYPE_I32, si, 1, ss8);
    ember_tensor tzp = th_tensor(EMBER_DTYPE_F32, s8, 1, ss8);
    ember_tensor tw4 = th_tensor(EMBER_DTYPE_U8, w4, 2, ws4);
    ember_tensor tw4i = th_tensor(EMBER_DTYPE_I8, w4, 2, ws4);
    ember_tensor tw63 = th_tensor(EMBER_DTYPE_U8, w4, 2, w63s);
    ember_tensor tw96 = th_tensor(EMBER_DTYPE_U8, w4, 2, w96s);
    ember_tensor ts4 = th_tensor(EMBER_DTYPE_F32, s4, 2, ss4);
    ember_tensor ts4b = th_tensor(EMBER_DTYPE_F32, s4, 2, ss4b);
    ember_tensor ts4r = th_tensor(EMBER_DTYPE_F32, s4, 1, ss4r);
    ember_tensor ts4i = th_tensor(EMBER_DTYPE_I32, si, 2, ss4);
    ember_tensor ts96 = th_tensor(EMBER_DTYPE_F32, s4, 2, ss96);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, bias, 1, bs);
    ember_tensor tbb = th_tensor(EMBER_DTYPE_F32, bias, 1, bsb);
    /* the weight's bytes as an out (out (M, N) over w8's first M * N * 4 bytes) */
    ember_tensor tow = th_tensor(EMBER_DTYPE_F32, w8, 2, os);
#define V(t) th_tensor_value(t)
#define MIX(in, w, s, zp, dt, o) {V(in), V(w), V(s), zp, dt, V(o), V(o)}
#define I4(in, w, s, g, b, o) {V(in), V(w), V(s), th_int(g), b, V(o), V(o)}
    /* mixed_linear */
    ember_value ok8[7] = MIX(&tx, &tw8, &ts8, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, ok8, 7), EMBER_OK, NULL);
    ember_value dt8[7] = MIX(&tx, &tw8, &ts8, th_null(), th_int(EMBER_DTYPE_F32), &to);
    CHECK_STATUS(th_run(MIXED, dt8, 7), EMBER_OK, NULL);
    ember_value dth[7] = MIX(&tx, &tw8, &ts8, th_null(), th_int(EMBER_DTYPE_F16), &to);
    CHECK_STATUS(th_run(MIXED, dth, 7), EMBER_NOT_SUPPORTED, "dtype = 5");
    ember_value zp[7] = MIX(&tx, &tw8, &ts8, V(&tzp), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, zp, 7), EMBER_NOT_SUPPORTED, "weight_zero_points is given");
    ember_value xhalf[7] = MIX(&txh, &tw8, &ts8, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, xhalf, 7), EMBER_DTYPE_MISMATCH, "input has dtype float16");
    ember_value wu8[7] = MIX(&tx, &tw8u, &ts8, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, wu8, 7), EMBER_DTYPE_MISMATCH, "weight has dtype uint8");
    ember_value si8[7] = MIX(&tx, &tw8, &ts8i, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, si8, 7), EMBER_DTYPE_MISMATCH, "weight_scales has dtype int32");
    ember_value oi8[7] = MIX(&tx, &tw8, &ts8, th_null(), th_null(), &toi);
    CHECK_STATUS(th_run(MIXED, oi8, 7), EMBER_DTYPE_MISMATCH, "out has dtype int32");
    ember_value sb8[7] = MIX(&tx, &tw8, &ts8b, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, sb8, 7), EMBER_SHAPE_MISMATCH, "weight_scales has shape [7]");
    ember_value sg8[7] = MIX(&tx, &tw8, &ts8g, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, sg8, 7), EMBER_SHAPE_MISMATCH, "groups of K are not supported");
    ember_value wk8[7] = MIX(&tx, &tw8k, &ts8, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, wk8, 7), EMBER_SHAPE_MISMATCH, "input has 64 features");
    ember_value ob8[7] = MIX(&tx, &tw8, &ts8, th_null(), th_null(), &tob);
    CHECK_STATUS(th_run(MIXED, ob8, 7), EMBER_SHAPE_MISMATCH, NULL);
    ember_value or8[7] = MIX(&tx, &tw8, &ts8, th_null(), th_null(), &to3);
    CHECK_STATUS(th_run(MIXED, or8, 7), EMBER_SHAPE_MISMATCH, NULL);
    ember_value ow8[7] = MIX(&tx, &tw8, &ts8, th_null(), th_null(), &tow);
    CHECK_STATUS(run_with_pool(MIXED, NULL, ow8), EMBER_NOT_SUPPORTED, "same memory as the weight");
    ember_value n8[7] = MIX(&tx, &tw8, &ts8, th_null(), th_null(), &to);
    CHECK_STATUS(th_run(MIXED, n8, 6), EMBER_INVALID_ARGUMENT, "expected 7 arguments");
    /* linear_int4 */
    ember_value ok4[7] = I4(&tx, &tw4, &ts4, 32, V(&tb), &to);
    CHECK_STATUS(th_run(INT4, ok4, 7), EMBER_OK, NULL);
    ember_value nb4[7] = I4(&tx, &tw4, &ts4, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, nb4, 7), EMBER_OK, NULL);
    ember_value odd[7] = I4(&tx63, &tw63, &ts4, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, odd, 7), EMBER_SHAPE_MISMATCH, "an odd number");
    ember_value gdiv[7] = I4(&tx96, &tw96, &ts96, 64, th_null(), &to);
    CHECK_STATUS(th_run(INT4, gdiv, 7), EMBER_SHAPE_MISMATCH, "does not divide the 96");
    ember_value g16[7] = I4(&tx, &tw4, &ts4, 16, th_null(), &to);
    CHECK_STATUS(th_run(INT4, g16, 7), EMBER_NOT_SUPPORTED, "group_size = 16");
    ember_value g48[7] = I4(&tx, &tw4, &ts4, 48, th_null(), &to);
    CHECK_STATUS(th_run(INT4, g48, 7), EMBER_NOT_SUPPORTED, "group_size = 48");
    ember_value gd[7] = I4(&tx, &tw4, &ts4, 32, th_null(), &to);
    gd[3] = th_double(32.0);
    CHECK_STATUS(th_run(INT4, gd, 7), EMBER_INVALID_ARGUMENT, "group_size (argument 3)");
    ember_value wi4[7] = I4(&tx, &tw4i, &ts4, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, wi4, 7), EMBER_DTYPE_MISMATCH, "weight has dtype int8");
    ember_value xh4[7] = I4(&txh, &tw4, &ts4, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, xh4, 7), EMBER_DTYPE_MISMATCH, "input has dtype float16");
    ember_value si4[7] = I4(&tx, &tw4, &ts4i, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, si4, 7), EMBER_DTYPE_MISMATCH, "scales has dtype int32");
    ember_value oi4[7] = I4(&tx, &tw4, &ts4, 32, th_null(), &toi);
    CHECK_STATUS(th_run(INT4, oi4, 7), EMBER_DTYPE_MISMATCH, "out has dtype int32");
    ember_value sb4[7] = I4(&tx, &tw4, &ts4b, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, sb4, 7), EMBER_SHAPE_MISMATCH, "scales must be (6, 2)");
    ember_value sr4[7] = I4(&tx, &tw4, &ts4r, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, sr4, 7), EMBER_SHAPE_MISMATCH, "got rank 1");
    ember_value sg4[7] = I4(&tx, &tw4, &ts4, 64, th_null(), &to); /* (N, 1) wanted */
    CHECK_STATUS(th_run(INT4, sg4, 7), EMBER_SHAPE_MISMATCH, "scales must be (6, 1)");
    ember_value wk4[7] = I4(&tx, &tw96, &ts4, 32, th_null(), &to);
    CHECK_STATUS(th_run(INT4, wk4, 7), EMBER_SHAPE_MISMATCH, "holds 96 per row");
    ember_value bb4[7] = I4(&tx, &tw4, &ts4, 32, V(&tbb), &to);
    CHECK_STATUS(th_run(INT4, bb4, 7), EMBER_SHAPE_MISMATCH, "bias must be (6)");
    ember_value ob4[7] = I4(&tx, &tw4, &ts4, 32, th_null(), &tob);
    CHECK_STATUS(th_run(INT4, ob4, 7), EMBER_SHAPE_MISMATCH, NULL);
    ember_value or4[7] = I4(&tx, &tw4, &ts4, 32, th_null(), &to3);
    CHECK_STATUS(th_run(INT4, or4, 7), EMBER_SHAPE_MISMATCH, NULL);
    ember_value rk4[7] = I4(&tx, &tw4, &ts4, 32, th_null(), &to);
    rk4[1] = V(&tx); /* a rank-2 float weight */
    CHECK_STATUS(th_run(INT4, rk4, 7), EMBER_DTYPE_MISMATCH, "weight has dtype float32");
#undef V
#undef MIX
#undef I4
}

int main(void)
{
    const size_t bytes = ember_threadpool_bytes(2);
    void* mem = malloc(bytes);
    CHECK(ember_threadpool_init(mem, bytes, 2, &pool2) == EMBER_OK);
    test_shapes();
    test_extremes();
    test_in_place();
    test_refusals();
    printf("test_ops_qlinear: %d layer x variant runs, each on 1 and 2 threads\n", cases_run);
    CHECK(cases_run > 100);
    CHECK(bad_cases == 0);
    ember_threadpool_destroy(pool2);
    free(mem);
    return check_report("test_ops_qlinear");
}
