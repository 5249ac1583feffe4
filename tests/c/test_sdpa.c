/* test_sdpa.c — ember::sdpa.out: the portable reference and the optimized fp32 variants
 * (kernels/optimized/f32_sdpa.h) against an in-test double-precision attention (two-pass
 * softmax over the full score row), on ragged shapes: key counts around the 64-key tile
 * (1, 3, 63, 64, 65, 130, 197), widths 7, 16, 32, 64, 80 (not multiples of 16 included), query
 * and value widths that differ, causal rows with more keys than queries and fewer, grouped-query
 * heads, bool and additive masks broadcast along batch, heads and rows, and fully masked rows
 * (0). Then the op through prepare/run with ember_kernel_cpu_mask_set forcing the portable and
 * the best variant, float16/bfloat16 through the portable kernel, and what prepare refuses.
 *
 * Tolerance: each output is a convex combination of value rows in [-1, 1]; float32 rounding of
 * the scores (|q.k| <= E, relative error ~E u) and of the weights moves it by well under
 * 1e-5 for E <= 80, so float32 kernels are held to 2e-5 of the double result; a lost, doubled or
 * misplaced key moves an output by ~1/S, more than 2e-3 for every shape here. float16 holds
 * 4e-3 and bfloat16 3e-2 (their input rounding and output rounding). */
#include <math.h>
#include <stdlib.h>

#include "kernels/optimized/f32_sdpa.h"
#include "runtime/core/half.h"
#include "tests/c/kernel_harness.h"

typedef void (*sdpa_fn)(float* out, const float* q, const float* k, const float* v,
                        const sdpa_params* p);

static void portable_f32(float* out, const float* q, const float* k, const float* v,
                         const sdpa_params* p)
{
    sdpa__portable(out, q, k, v, EMBER_DTYPE_F32, p);
}

typedef struct variant {
    const char* name;
    sdpa_fn fn;
    uint64_t needs;
} variant;

static const variant variants[] = {
    {"portable", portable_f32, 0},
#if EMBER_HAVE_X86_KERNELS
    {"avx2", f32_sdpa__avx2, EMBER_CPU_BIT(EMBER_CPU_AVX2) | EMBER_CPU_BIT(EMBER_CPU_FMA)},
    {"avx512", f32_sdpa__avx512,
     EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512VL) |
         EMBER_CPU_BIT(EMBER_CPU_AVX512DQ) | EMBER_CPU_BIT(EMBER_CPU_FMA)},
#endif
};
#define NUM_VARIANTS (sizeof variants / sizeof variants[0])

static uint64_t rng = 0x2545f4914f6cdd1du;
static float uniform(void) /* in [-1, 1) */
{
    rng = rng * 6364136223846793005u + 1442695040888963407u;
    return (float)((double)(rng >> 40) / (double)(1u << 23) - 1.0);
}

/* The double-precision oracle, reading the mask through the same params. */
static void sdpa_exact(double* out, const float* q, const float* k, const float* v,
                       const sdpa_params* p)
{
    const int64_t g = p->q_heads / p->kv_heads;
    double* s = malloc((size_t)(p->lk + 1) * sizeof(double));
    for (int64_t b = 0; b < p->batch; b++)
        for (int64_t h = 0; h < p->q_heads; h++)
            for (int64_t i = 0; i < p->lq; i++) {
                const int64_t row = (b * p->q_heads + h) * p->lq + i;
                const int64_t kvh = b * p->kv_heads + h / g;
                double m = -INFINITY, l = 0.0;
                for (int64_t j = 0; j < p->lk; j++) {
                    double d = 0.0;
                    for (int64_t c = 0; c < p->e; c++)
                        d += (double)q[row * p->e + c] * k[(kvh * p->lk + j) * p->e + c];
                    d *= p->scale;
                    const int64_t mo = b * p->mask_stride[0] + h * p->mask_stride[1] +
                                       i * p->mask_stride[2] + j * p->mask_stride[3];
                    if (p->mask_kind == SDPA_MASK_BOOL && !((const uint8_t*)p->mask)[mo])
                        d = -INFINITY;
                    if (p->mask_kind == SDPA_MASK_ADD) d += ((const float*)p->mask)[mo];
                    if (p->causal && j > i) d = -INFINITY;
                    s[j] = d;
                    if (d > m) m = d;
                }
                for (int64_t j = 0; j < p->lk; j++) {
                    s[j] = m > -INFINITY ? exp(s[j] - m) : 0.0;
                    l += s[j];
                }
                for (int64_t c = 0; c < p->ev; c++) {
                    double acc = 0.0;
                    for (int64_t j = 0; j < p->lk; j++)
                        acc += s[j] * v[(kvh * p->lk + j) * p->ev + c];
                    out[row * p->ev + c] = l > 0.0 ? acc / l : 0.0;
                }
            }
    free(s);
}

typedef struct sdpa_case {
    int64_t b, hq, hkv, lq, lk, e, ev;
    bool causal;
    int mask_kind;
    int mask_bcast; /* 0: full (B, Hq, L, S); 1: (B, 1, 1, S); 2: (L, S) */
} sdpa_case;

static const sdpa_case cases[] = {
    {1, 1, 1, 1, 1, 16, 16, false, SDPA_MASK_NONE, 0},
    {2, 3, 3, 17, 23, 32, 32, false, SDPA_MASK_NONE, 0},
    {1, 2, 2, 65, 65, 64, 64, true, SDPA_MASK_NONE, 0},
    {1, 2, 2, 130, 130, 80, 80, false, SDPA_MASK_NONE, 0},
    {1, 4, 2, 9, 197, 64, 64, false, SDPA_MASK_NONE, 0},
    {2, 6, 2, 5, 64, 80, 48, false, SDPA_MASK_ADD, 1},
    {1, 2, 2, 63, 63, 7, 9, false, SDPA_MASK_BOOL, 0},
    {2, 2, 2, 31, 130, 32, 32, false, SDPA_MASK_BOOL, 1},
    {1, 3, 3, 40, 3, 33, 17, true, SDPA_MASK_NONE, 0},
    {1, 3, 3, 3, 70, 32, 32, true, SDPA_MASK_ADD, 2},
    {1, 1, 1, 129, 129, 64, 64, false, SDPA_MASK_ADD, 0},
    {1, 2, 1, 7, 0, 16, 16, false, SDPA_MASK_NONE, 0},
};

static void make_mask(const sdpa_case* c, sdpa_params* p, void** mask)
{
    p->mask_kind = c->mask_kind;
    if (c->mask_kind == SDPA_MASK_NONE) return;
    const int64_t n = c->mask_bcast == 0 ? c->b * c->hq * c->lq * c->lk
                    : c->mask_bcast == 1 ? c->b * c->lk : c->lq * c->lk;
    if (c->mask_bcast == 0) {
        p->mask_stride[0] = c->hq * c->lq * c->lk;
        p->mask_stride[1] = c->lq * c->lk;
        p->mask_stride[2] = c->lk;
    } else if (c->mask_bcast == 1) {
        p->mask_stride[0] = c->lk;
    } else {
        p->mask_stride[2] = c->lk;
    }
    p->mask_stride[3] = 1;
    if (c->mask_kind == SDPA_MASK_BOOL) {
        uint8_t* m = malloc((size_t)n + 1);
        for (int64_t i = 0; i < n; i++) m[i] = uniform() > -0.4f; /* ~30% dropped */
        if (c->mask_bcast == 0 && c->lk > 0) /* one fully masked row */
            for (int64_t j = 0; j < c->lk; j++) m[c->lk + j] = 0;
        *mask = m;
    } else {
        float* m = malloc((size_t)(n + 1) * sizeof(float));
        for (int64_t i = 0; i < n; i++) m[i] = uniform() < -0.8f ? -INFINITY : 3.0f * uniform();
        *mask = m;
    }
    p->mask = *mask;
}

static void test_kernels(void)
{
    const uint64_t have = ember_cpu_features();
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const sdpa_case* c = &cases[ci];
        sdpa_params p = {c->b, c->hq, c->hkv, c->lq, c->lk, c->e, c->ev,
                         (float)(1.0 / sqrt((double)c->e)), c->causal, 0, NULL, {0}};
        void* mask = NULL;
        make_mask(c, &p, &mask);
        const int64_t nq = c->b * c->hq * c->lq * c->e, nk = c->b * c->hkv * c->lk * c->e;
        const int64_t nv = c->b * c->hkv * c->lk * c->ev, no = c->b * c->hq * c->lq * c->ev;
        float* q = malloc((size_t)(nq + 1) * sizeof(float));
        float* k = malloc((size_t)(nk + 1) * sizeof(float));
        float* v = malloc((size_t)(nv + 1) * sizeof(float));
        float* got = malloc((size_t)(no + 1) * sizeof(float));
        double* exact = malloc((size_t)(no + 1) * sizeof(double));
        for (int64_t i = 0; i < nq; i++) q[i] = 2.0f * uniform();
        for (int64_t i = 0; i < nk; i++) k[i] = 2.0f * uniform();
        for (int64_t i = 0; i < nv; i++) v[i] = uniform();
        sdpa_exact(exact, q, k, v, &p);
        for (size_t vi = 0; vi < NUM_VARIANTS; vi++) {
            if ((have & variants[vi].needs) != variants[vi].needs) continue;
            for (int64_t i = 0; i < no; i++) got[i] = NAN;
            variants[vi].fn(got, q, k, v, &p);
            int64_t bad = -1;
            for (int64_t i = 0; i < no && bad < 0; i++)
                if (!(fabs(got[i] - exact[i]) <= 2e-5)) bad = i;
            if (bad >= 0)
                fprintf(stderr, "%s case %zu: [%lld] got %.9g, exact %.9g\n", variants[vi].name,
                        ci, (long long)bad, (double)got[bad], exact[bad]);
            CHECK(bad < 0);
        }
        free(q), free(k), free(v), free(got), free(exact), free(mask);
    }
}

/* The op through prepare/run: q (2, 4, 19, 24), k/v (2, 2, 70, 24) with enable_gqa, an
 * additive (19, 70) mask; portable (mask 0) and the best variant, float32, float16 and
 * bfloat16, against the double oracle on the same (rounded) inputs. */
static void test_op(void)
{
    enum { B = 2, HQ = 4, HKV = 2, L = 19, S = 70, E = 24 };
    static float q[B * HQ * L * E], k[B * HKV * S * E], v[B * HKV * S * E], m[L * S];
    static float out[B * HQ * L * E];
    static uint16_t qh[B * HQ * L * E], kh[B * HKV * S * E], vh[B * HKV * S * E], mh[L * S];
    static uint16_t outh[B * HQ * L * E];
    static double exact[B * HQ * L * E];
    const int32_t qs[4] = {B, HQ, L, E}, ks[4] = {B, HKV, S, E}, ms[2] = {L, S};
    for (int dt = 0; dt < 3; dt++) {
        const int dtype = dt == 0 ? EMBER_DTYPE_F32 : dt == 1 ? EMBER_DTYPE_F16 : EMBER_DTYPE_BF16;
        uint16_t (*st)(float) = dt == 1 ? ember_f32_to_f16 : ember_f32_to_bf16;
        float (*ld)(uint16_t) = dt == 1 ? ember_f16_to_f32 : ember_bf16_to_f32;
        /* inputs, rounded to the dtype so the oracle sees what the kernel sees */
#define FILL(x, xh, n, amp)                                                                     \
    for (int i = 0; i < (n); i++) {                                                             \
        x[i] = (amp) * uniform();                                                               \
        if (dt) xh[i] = st(x[i]), x[i] = ld(xh[i]);                                             \
    }
        FILL(q, qh, B * HQ * L * E, 2.0f)
        FILL(k, kh, B * HKV * S * E, 2.0f)
        FILL(v, vh, B * HKV * S * E, 1.0f)
        FILL(m, mh, L * S, 2.0f)
#undef FILL
        sdpa_params p = {B, HQ, HKV, L, S, E, E, 0.3f, false, SDPA_MASK_ADD, m, {0, 0, S, 1}};
        sdpa_exact(exact, q, k, v, &p);
        const double tol = dt == 0 ? 2e-5 : dt == 1 ? 4e-3 : 3e-2;
        for (int pass = 0; pass < 2; pass++) {
            ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
            void* data[5] = {q, k, v, m, out};
            if (dt) data[0] = qh, data[1] = kh, data[2] = vh, data[3] = mh, data[4] = outh;
            ember_tensor tq = th_tensor(dtype, data[0], 4, qs);
            ember_tensor tk = th_tensor(dtype, data[1], 4, ks);
            ember_tensor tv = th_tensor(dtype, data[2], 4, ks);
            ember_tensor tm = th_tensor(dtype, data[3], 2, ms);
            ember_tensor to = th_tensor(dtype, data[4], 4, qs);
            ember_value a[10] = {th_tensor_value(&tq), th_tensor_value(&tk), th_tensor_value(&tv),
                                 th_tensor_value(&tm), th_double(0.0),       th_bool(false),
                                 th_double(0.3),       th_bool(true),        th_tensor_value(&to),
                                 th_tensor_value(&to)};
            CHECK(th_run("ember::sdpa.out", a, 10) == EMBER_OK);
            int bad = -1;
            for (int i = 0; i < B * HQ * L * E && bad < 0; i++) {
                const double g = dt ? ld(outh[i]) : out[i];
                if (!(fabs(g - exact[i]) <= tol)) bad = i;
            }
            if (bad >= 0) fprintf(stderr, "sdpa op dtype %d pass %d: [%d] wrong\n", dtype, pass, bad);
            CHECK(bad < 0);
        }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
}

/* What prepare refuses: dropout, mismatched heads without enable_gqa, a mask that does not
 * broadcast, a float mask of another dtype, a wrong out shape. */
static void test_refusals(void)
{
    static float q[2 * 4 * 3 * 8], k[2 * 2 * 5 * 8], o[2 * 4 * 3 * 8], mf[3 * 4];
    static uint8_t mb[3 * 5];
    const int32_t qs[4] = {2, 4, 3, 8}, ks[4] = {2, 2, 5, 8}, ms[2] = {3, 4}, mbs[2] = {3, 5};
    const int32_t os_bad[4] = {2, 4, 3, 7};
    ember_tensor tq = th_tensor(EMBER_DTYPE_F32, q, 4, qs);
    ember_tensor tk = th_tensor(EMBER_DTYPE_F32, k, 4, ks);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 4, qs);
    ember_tensor tob = th_tensor(EMBER_DTYPE_F32, o, 4, os_bad);
    ember_tensor tmf = th_tensor(EMBER_DTYPE_F32, mf, 2, ms);
    ember_tensor tmb = th_tensor(EMBER_DTYPE_BOOL, mb, 2, mbs);
    ember_tensor tmi = th_tensor(EMBER_DTYPE_U8, mb, 2, mbs);
#define SDPA_ARGS(mask, drop, gqa, out)                                                         \
    {th_tensor_value(&tq), th_tensor_value(&tk), th_tensor_value(&tk), mask, th_double(drop),    \
     th_bool(false), th_null(), th_bool(gqa), th_tensor_value(out), th_tensor_value(out)}
    ember_value ok[10] = SDPA_ARGS(th_tensor_value(&tmb), 0.0, true, &to);
    CHECK(th_run("ember::sdpa.out", ok, 10) == EMBER_OK);
    ember_value drop[10] = SDPA_ARGS(th_null(), 0.1, true, &to);
    CHECK(th_run("ember::sdpa.out", drop, 10) == EMBER_NOT_SUPPORTED);
    ember_value heads[10] = SDPA_ARGS(th_null(), 0.0, false, &to);
    CHECK(th_run("ember::sdpa.out", heads, 10) == EMBER_SHAPE_MISMATCH);
    ember_value bcast[10] = SDPA_ARGS(th_tensor_value(&tmf), 0.0, true, &to);
    CHECK(th_run("ember::sdpa.out", bcast, 10) == EMBER_SHAPE_MISMATCH);
    ember_value mdt[10] = SDPA_ARGS(th_tensor_value(&tmi), 0.0, true, &to);
    CHECK(th_run("ember::sdpa.out", mdt, 10) == EMBER_DTYPE_MISMATCH);
    ember_value oshape[10] = SDPA_ARGS(th_null(), 0.0, true, &tob);
    CHECK(th_run("ember::sdpa.out", oshape, 10) == EMBER_SHAPE_MISMATCH);
    ember_value causal[10] = SDPA_ARGS(th_null(), 0.0, true, &to);
    causal[5] = th_int(1);
    CHECK_STATUS(th_run("ember::sdpa.out", causal, 10), EMBER_INVALID_ARGUMENT,
                 "is_causal (argument 5) must be a bool");
    CHECK_STATUS(th_run("ember::sdpa.out", mdt, 10), EMBER_DTYPE_MISMATCH,
                 "attn_mask has dtype uint8, which this kernel does not support");
#undef SDPA_ARGS
}

int main(void)
{
    test_kernels();
    test_op();
    test_refusals();
    return check_report("test_sdpa");
}
