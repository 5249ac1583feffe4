/* test_ops_llm.c — ExecuTorch's KV-cache ops (kernels/portable/op_llm.c) and tensor.item()
 * (aten::_local_scalar_dense, op_prim_scalar.c) through prepare/run.
 *
 * llama::custom_sdpa.out against an in-test double-precision attention (two-pass softmax over
 * the row's keys) on B = 1, T in {1, 3, 17, 70} query positions from start_pos in {0, 5, 60},
 * Hq/Hkv in {4/4, 4/2, 4/1}, D in {8, 64, 80}, causal or not, with NaN in every cache position
 * past start_pos + T (the kernel must never read one), each variant (portable; avx2, avx512
 * where the CPU has them; neon on aarch64) forced with ember_kernel_cpu_mask_set; each case
 * again with a 2-thread pool, byte for byte; and, where the layouts describe the same
 * attention (no causal offset), byte for byte against ember::sdpa.out on heads-first copies of
 * the same numbers (the same kernel through other row strides). Masks: additive and bool, over start_pos + T keys or
 * the whole cache, one per row or broadcast, fully masked rows (0), batch 2; float16 and
 * bfloat16 through the portable kernel; what prepare refuses.
 *
 * llama::update_cache.out: the value's bytes land at positions [start_pos, start_pos + T) of
 * each batch entry, every other byte of the cache unchanged (float32, int8, T = 0, the last
 * position); its refusals. A prefill-then-decode sequence runs the three ops as an exported LLM
 * does (item() of the position tensor, both caches updated, causal attention) against the
 * oracle over the history kept here. aten::_local_scalar_dense: int64, int32, float, half and
 * bool elements into Int, Double and Bool outs, rank 0, and its refusals.
 *
 * Tolerance as test_sdpa.c (same value ranges): float32 2e-5 of the double result (a lost or
 * misplaced key moves an output by ~1/S, far more), float16 4e-3, bfloat16 3e-2. A constant
 * cache is not run here (th_run builds planned tensors): that the cache is declared an out is
 * checked (th_inplace_args), and the loader refuses any declared out that is a constant
 * (test_untrusted.c, "a constant of the program"). */
#include <math.h>
#include <stdlib.h>

#include "kernels/optimized/f32_sdpa.h"
#include "runtime/core/half.h"
#include "tests/c/kernel_harness.h"

static uint64_t rng = 0x6a09e667f3bcc909u;
#include "tests/c/rng.h"

#define SDPA "llama::custom_sdpa.out"
#define UPDATE "llama::update_cache.out"
#define ITEM "aten::_local_scalar_dense"

/* ---- the oracle ----------------------------------------------------------------------------- */

/* One call's attention as the oracle reads it: query (B, T, Hq, D), caches (B, S, Hkv, D). */
typedef struct kv_attention {
    int64_t b, t, hq, hkv, s, d;
    int64_t start, keys; /* query row t is position start + t; keys [0, keys) are read */
    bool causal;
    int mask_kind;       /* SDPA_MASK_* */
    const void* mask;    /* uint8 or float, (rows, keys) */
    int64_t mask_row;    /* elements from a mask row to the next; 0: one row for all */
    double scale;
} kv_attention;

static void kv_exact(double* out, const float* q, const float* k, const float* v,
                     const kv_attention* a)
{
    const int64_t g = a->hq / a->hkv;
    double* s = malloc((size_t)(a->keys + 1) * sizeof(double));
    for (int64_t b = 0; b < a->b; b++)
        for (int64_t t = 0; t < a->t; t++)
            for (int64_t h = 0; h < a->hq; h++) {
                const float* qr = q + ((b * a->t + t) * a->hq + h) * a->d;
                double m = -INFINITY, l = 0.0;
                for (int64_t j = 0; j < a->keys; j++) {
                    const float* kr = k + ((b * a->s + j) * a->hkv + h / g) * a->d;
                    double x = 0.0;
                    for (int64_t c = 0; c < a->d; c++) x += (double)qr[c] * kr[c];
                    x *= a->scale;
                    const int64_t mo = t * a->mask_row + j;
                    if (a->mask_kind == SDPA_MASK_BOOL && !((const uint8_t*)a->mask)[mo])
                        x = -INFINITY;
                    if (a->mask_kind == SDPA_MASK_ADD) x += ((const float*)a->mask)[mo];
                    if (a->causal && j > a->start + t) x = -INFINITY;
                    s[j] = x;
                    if (x > m) m = x;
                }
                for (int64_t j = 0; j < a->keys; j++) {
                    s[j] = m > -INFINITY ? exp(s[j] - m) : 0.0;
                    l += s[j];
                }
                double* o = out + ((b * a->t + t) * a->hq + h) * a->d;
                for (int64_t c = 0; c < a->d; c++) {
                    double acc = 0.0;
                    for (int64_t j = 0; j < a->keys; j++)
                        acc += s[j] * v[((b * a->s + j) * a->hkv + h / g) * a->d + c];
                    o[c] = l > 0.0 ? acc / l : 0.0;
                }
            }
    free(s);
}

/* ---- calling the ops ----------------------------------------------------------------------- */

/* One custom_sdpa call's arguments; the values point into the struct: fill it in place. */
typedef struct sdpa_call {
    ember_tensor q, k, v, mask, out;
    ember_value a[10];
} sdpa_call;

static void sdpa_call_init(sdpa_call* x, int dtype, const kv_attention* p, void* q, void* k,
                           void* v, void* out, const int32_t* mask_sizes, void* mask)
{
    const int32_t qs[4] = {(int32_t)p->b, (int32_t)p->t, (int32_t)p->hq, (int32_t)p->d};
    const int32_t ks[4] = {(int32_t)p->b, (int32_t)p->s, (int32_t)p->hkv, (int32_t)p->d};
    x->q = th_tensor(dtype, q, 4, qs);
    x->k = th_tensor(dtype, k, 4, ks);
    x->v = th_tensor(dtype, v, 4, ks);
    x->out = th_tensor(dtype, out, 4, qs);
    ember_value mv = th_null();
    if (p->mask_kind != SDPA_MASK_NONE) {
        x->mask = th_tensor(p->mask_kind == SDPA_MASK_BOOL ? EMBER_DTYPE_BOOL : dtype, mask, 2,
                            mask_sizes);
        mv = th_tensor_value(&x->mask);
    }
    const ember_value a[10] = {th_tensor_value(&x->q),   th_tensor_value(&x->k),
                               th_tensor_value(&x->v),   th_int(p->start),
                               mv,                       th_double(0.0),
                               th_bool(p->causal),       th_null(),
                               th_tensor_value(&x->out), th_tensor_value(&x->out)};
    memcpy(x->a, a, sizeof a);
}

/* prepare once, run with `pool` (NULL: one thread). */
static ember_status run_with_pool(const char* op, ember_threadpool* pool, ember_value* vals,
                                  size_t n)
{
    ember_value* ptrs[10];
    for (size_t i = 0; i < n; i++) ptrs[i] = &vals[i];
    const ember_kernel* kern = ember_kernel_find(op, strlen(op));
    ember_kernel_ctx ctx = {.op_name = op, .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    const ember_status st = kern->prepare(&ctx, ptrs, n, &run);
    if (st) return st;
    ctx.pool = pool;
    return run(&ctx, ptrs);
}

/* The first output more than tol from the oracle, or -1. */
static int64_t first_bad(const float* got, const double* want, int64_t n, double tol)
{
    for (int64_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol)) return i;
    return -1;
}

/* ember::sdpa.out on heads-first copies of the call's query and first `keys` cache positions
 * (enable_gqa, no mask), its out put back in (B, T, Hq, D) order into got. */
static ember_status heads_first(float* got, const float* q, const float* k, const float* v,
                                const kv_attention* p)
{
    const int64_t nq = p->b * p->t * p->hq * p->d, nk = p->b * p->keys * p->hkv * p->d;
    float* qh = malloc((size_t)(nq + 1) * sizeof(float));
    float* oh = malloc((size_t)(nq + 1) * sizeof(float));
    float* kh = malloc((size_t)(nk + 1) * sizeof(float));
    float* vh = malloc((size_t)(nk + 1) * sizeof(float));
    for (int64_t b = 0; b < p->b; b++)
        for (int64_t h = 0; h < p->hq; h++)
            for (int64_t t = 0; t < p->t; t++)
                memcpy(qh + ((b * p->hq + h) * p->t + t) * p->d,
                       q + ((b * p->t + t) * p->hq + h) * p->d, (size_t)p->d * sizeof(float));
    for (int64_t b = 0; b < p->b; b++)
        for (int64_t h = 0; h < p->hkv; h++)
            for (int64_t j = 0; j < p->keys; j++) {
                const int64_t to = ((b * p->hkv + h) * p->keys + j) * p->d;
                const int64_t from = ((b * p->s + j) * p->hkv + h) * p->d;
                memcpy(kh + to, k + from, (size_t)p->d * sizeof(float));
                memcpy(vh + to, v + from, (size_t)p->d * sizeof(float));
            }
    const int32_t qs[4] = {(int32_t)p->b, (int32_t)p->hq, (int32_t)p->t, (int32_t)p->d};
    const int32_t ks[4] = {(int32_t)p->b, (int32_t)p->hkv, (int32_t)p->keys, (int32_t)p->d};
    ember_tensor tq = th_tensor(EMBER_DTYPE_F32, qh, 4, qs);
    ember_tensor tk = th_tensor(EMBER_DTYPE_F32, kh, 4, ks);
    ember_tensor tv = th_tensor(EMBER_DTYPE_F32, vh, 4, ks);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, oh, 4, qs);
    ember_value a[10] = {th_tensor_value(&tq), th_tensor_value(&tk), th_tensor_value(&tv),
                         th_null(),            th_double(0.0),       th_bool(p->causal),
                         th_null(),            th_bool(true),        th_tensor_value(&to),
                         th_tensor_value(&to)};
    const ember_status st = run_with_pool("ember::sdpa.out", NULL, a, 10);
    for (int64_t b = 0; b < p->b; b++)
        for (int64_t h = 0; h < p->hq; h++)
            for (int64_t t = 0; t < p->t; t++)
                memcpy(got + ((b * p->t + t) * p->hq + h) * p->d,
                       oh + ((b * p->hq + h) * p->t + t) * p->d, (size_t)p->d * sizeof(float));
    free(qh), free(oh), free(kh), free(vh);
    return st;
}

/* ---- custom_sdpa: the shape sweep ------------------------------------------------------------ */

static void test_sdpa_shapes(void)
{
    static const int32_t ts[] = {1, 3, 17, 70}, starts[] = {0, 5, 60}, ds[] = {8, 64, 80};
    static const int32_t kv_heads[] = {4, 2, 1};
    const uint64_t have = ember_cpu_features();
    ember_threadpool* pool = NULL;
    const size_t pool_bytes = ember_threadpool_bytes(2);
    void* pool_mem = malloc(pool_bytes);
    CHECK(ember_threadpool_init(pool_mem, pool_bytes, 2, &pool) == EMBER_OK);
    int bad_cases = 0, cases = 0, same_as_sdpa = 0;
    for (int ti = 0; ti < 4; ti++)
        for (int si = 0; si < 3; si++)
            for (int hi = 0; hi < 3; hi++)
                for (int di = 0; di < 3; di++)
                    for (int causal = 0; causal < 2; causal++) {
                        const int64_t t = ts[ti], start = starts[si], d = ds[di];
                        const int64_t extra = (ti + si + di) % 2 ? 3 : 0; /* NaN positions */
                        kv_attention p = {1, t, 4, kv_heads[hi], start + t + extra, d, start,
                                          start + t, causal, SDPA_MASK_NONE, NULL, 0,
                                          1.0 / sqrt((double)d)};
                        const int64_t nq = p.b * p.t * p.hq * p.d, nk = p.b * p.s * p.hkv * p.d;
                        float* q = malloc((size_t)nq * sizeof(float));
                        float* k = malloc((size_t)nk * sizeof(float));
                        float* v = malloc((size_t)nk * sizeof(float));
                        float* got = malloc((size_t)nq * sizeof(float));
                        float* got2 = malloc((size_t)nq * sizeof(float));
                        double* exact = malloc((size_t)nq * sizeof(double));
                        for (int64_t i = 0; i < nq; i++) q[i] = 2.0f * uniform();
                        for (int64_t i = 0; i < nk; i++) k[i] = 2.0f * uniform(), v[i] = uniform();
                        /* the positions past start + T hold NaN: never to be read */
                        for (int64_t i = (start + t) * p.hkv * d; i < nk; i++) k[i] = v[i] = NAN;
                        kv_exact(exact, q, k, v, &p);
                        cases++;
                        for (size_t vi = 0; vi < TH_NUM_VARIANTS; vi++) {
                            if (!th_force_variant(vi, have)) continue;
                            sdpa_call x;
                            sdpa_call_init(&x, EMBER_DTYPE_F32, &p, q, k, v, got, NULL, NULL);
                            for (int64_t i = 0; i < nq; i++) got[i] = got2[i] = NAN;
                            const ember_status st = th_run(SDPA, x.a, 10);
                            const int64_t bad = first_bad(got, exact, nq, 2e-5);
                            if (st || bad >= 0) {
                                fprintf(stderr, "%s T %lld start %lld Hkv %lld D %lld causal %d: "
                                        "status %d (%s), [%lld] got %.9g, exact %.9g\n",
                                        th_variants[vi].name, (long long)t, (long long)start,
                                        (long long)p.hkv, (long long)d, causal, (int)st, th_msg,
                                        (long long)bad, bad >= 0 ? (double)got[bad] : 0.0,
                                        bad >= 0 ? exact[bad] : 0.0);
                                bad_cases++;
                                continue;
                            }
                            sdpa_call x2;
                            sdpa_call_init(&x2, EMBER_DTYPE_F32, &p, q, k, v, got2, NULL, NULL);
                            if (run_with_pool(SDPA, pool, x2.a, 10) != EMBER_OK ||
                                memcmp(got, got2, (size_t)nq * sizeof(float)) != 0) {
                                fprintf(stderr, "%s T %lld start %lld: 2 threads differ\n",
                                        th_variants[vi].name, (long long)t, (long long)start);
                                bad_cases++;
                            }
                            if (causal && start) continue; /* ember::sdpa.out has no offset */
                            for (int64_t i = 0; i < nq; i++) got2[i] = NAN;
                            if (heads_first(got2, q, k, v, &p) != EMBER_OK ||
                                memcmp(got, got2, (size_t)nq * sizeof(float)) != 0) {
                                fprintf(stderr, "%s T %lld start %lld Hkv %lld D %lld: not the "
                                        "bytes of ember::sdpa.out\n", th_variants[vi].name,
                                        (long long)t, (long long)start, (long long)p.hkv,
                                        (long long)d);
                                bad_cases++;
                            } else {
                                same_as_sdpa++;
                            }
                        }
                        free(q), free(k), free(v), free(got), free(got2), free(exact);
                    }
    CHECK(cases == 216);
    CHECK(same_as_sdpa > 0);
    CHECK(bad_cases == 0);
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    ember_threadpool_destroy(pool);
    free(pool_mem);
}

/* ---- custom_sdpa: masks ---------------------------------------------------------------------- */

typedef struct mask_case {
    int32_t b, t, start, s, hq, hkv, d;
    int mask_kind;
    bool all_keys; /* the mask spans the whole cache (S keys), else start_pos + T */
    bool one_row;  /* (1, keys): one row for every query position */
} mask_case;

static const mask_case mask_cases[] = {
    {1, 5, 7, 20, 4, 2, 16, SDPA_MASK_ADD, false, false},
    {1, 5, 7, 20, 4, 2, 16, SDPA_MASK_BOOL, true, false},
    {2, 3, 60, 70, 4, 1, 64, SDPA_MASK_ADD, true, true},
    {1, 17, 5, 30, 4, 4, 80, SDPA_MASK_BOOL, false, false},
    {1, 1, 70, 100, 2, 1, 8, SDPA_MASK_ADD, true, false}, /* decode over the whole cache */
    {1, 40, 0, 40, 2, 2, 32, SDPA_MASK_BOOL, true, false},
};

static void test_sdpa_masks(void)
{
    const uint64_t have = ember_cpu_features();
    for (size_t ci = 0; ci < sizeof mask_cases / sizeof mask_cases[0]; ci++) {
        const mask_case* c = &mask_cases[ci];
        const int64_t keys = c->all_keys ? c->s : c->start + c->t, rows = c->one_row ? 1 : c->t;
        kv_attention p = {c->b, c->t, c->hq, c->hkv, c->s, c->d, c->start, keys, false,
                          c->mask_kind, NULL, c->one_row ? 0 : keys, 1.0 / sqrt((double)c->d)};
        const int64_t nq = p.b * p.t * p.hq * p.d, nk = p.b * p.s * p.hkv * p.d;
        float* q = malloc((size_t)nq * sizeof(float));
        float* k = malloc((size_t)nk * sizeof(float));
        float* v = malloc((size_t)nk * sizeof(float));
        float* got = malloc((size_t)nq * sizeof(float));
        double* exact = malloc((size_t)nq * sizeof(double));
        float* madd = malloc((size_t)(rows * keys) * sizeof(float));
        uint8_t* mbool = malloc((size_t)(rows * keys));
        for (int64_t i = 0; i < nq; i++) q[i] = 2.0f * uniform();
        for (int64_t i = 0; i < nk; i++) k[i] = 2.0f * uniform(), v[i] = uniform();
        /* keys the mask does not span hold NaN; those it spans past start + T are dropped */
        for (int64_t b = 0; b < p.b; b++)
            for (int64_t i = keys * p.hkv * p.d; i < p.s * p.hkv * p.d; i++)
                k[b * p.s * p.hkv * p.d + i] = v[b * p.s * p.hkv * p.d + i] = NAN;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t j = 0; j < keys; j++) {
                const bool future = j >= c->start + c->t;
                madd[r * keys + j] = future || uniform() < -0.8f ? -INFINITY : 3.0f * uniform();
                mbool[r * keys + j] = !future && uniform() > -0.4f;
                if (r == 1) mbool[r * keys + j] = 0; /* a fully masked row: 0 */
            }
        p.mask = c->mask_kind == SDPA_MASK_ADD ? (const void*)madd : (const void*)mbool;
        kv_exact(exact, q, k, v, &p);
        const int32_t ms[2] = {(int32_t)rows, (int32_t)keys};
        for (size_t vi = 0; vi < TH_NUM_VARIANTS; vi++) {
            if (!th_force_variant(vi, have)) continue;
            sdpa_call x;
            sdpa_call_init(&x, EMBER_DTYPE_F32, &p, q, k, v, got, ms, (void*)p.mask);
            for (int64_t i = 0; i < nq; i++) got[i] = NAN;
            const ember_status st = th_run(SDPA, x.a, 10);
            const int64_t bad = first_bad(got, exact, nq, 2e-5);
            if (st || bad >= 0)
                fprintf(stderr, "%s mask case %zu: status %d (%s), [%lld] got %.9g exact %.9g\n",
                        th_variants[vi].name, ci, (int)st, th_msg, (long long)bad,
                        bad >= 0 ? (double)got[bad] : 0.0, bad >= 0 ? exact[bad] : 0.0);
            CHECK(st == EMBER_OK && bad < 0);
        }
        free(q), free(k), free(v), free(got), free(exact), free(madd), free(mbool);
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
}

/* ---- custom_sdpa: float16, bfloat16 ---------------------------------------------------------- */

static void test_sdpa_half(void)
{
    enum { T = 5, START = 7, S = 14, HQ = 4, HKV = 2, D = 16 };
    static float q[T * HQ * D], k[S * HKV * D], v[S * HKV * D], m[T * (START + T)];
    static uint16_t qh[T * HQ * D], kh[S * HKV * D], vh[S * HKV * D], mh[T * (START + T)];
    static uint16_t outh[T * HQ * D];
    static double exact[T * HQ * D];
    for (int dt = 0; dt < 2; dt++) {
        const int dtype = dt == 0 ? EMBER_DTYPE_F16 : EMBER_DTYPE_BF16;
        uint16_t (*st)(float) = dt == 0 ? ember_f32_to_f16 : ember_f32_to_bf16;
        float (*ld)(uint16_t) = dt == 0 ? ember_f16_to_f32 : ember_bf16_to_f32;
        for (int mask = 0; mask < 2; mask++) {
#define FILL(x, xh, n, amp)                                                                     \
    for (int i = 0; i < (n); i++) xh[i] = st((amp) * uniform()), x[i] = ld(xh[i]);
            FILL(q, qh, T * HQ * D, 2.0f)
            FILL(k, kh, S * HKV * D, 2.0f)
            FILL(v, vh, S * HKV * D, 1.0f)
            FILL(m, mh, T * (START + T), 2.0f)
#undef FILL
            for (int i = (START + T) * HKV * D; i < S * HKV * D; i++) /* never read */
                kh[i] = vh[i] = st(NAN), k[i] = v[i] = NAN;
            const kv_attention p = {1, T, HQ, HKV, S, D, START, START + T, !mask,
                                    mask ? SDPA_MASK_ADD : SDPA_MASK_NONE, m, START + T, 0.25};
            kv_exact(exact, q, k, v, &p);
            const int32_t ms[2] = {T, START + T};
            sdpa_call x;
            sdpa_call_init(&x, dtype, &p, qh, kh, vh, outh, ms, mh);
            x.a[7] = th_double(0.25);
            CHECK(th_run(SDPA, x.a, 10) == EMBER_OK);
            int bad = -1;
            for (int i = 0; i < T * HQ * D && bad < 0; i++)
                if (!(fabs(ld(outh[i]) - exact[i]) <= (dt == 0 ? 4e-3 : 3e-2))) bad = i;
            if (bad >= 0)
                fprintf(stderr, "custom_sdpa dtype %d mask %d: [%d] wrong\n", dtype, mask, bad);
            CHECK(bad < 0);
        }
    }
}

/* ---- custom_sdpa: refusals ------------------------------------------------------------------- */

static void test_sdpa_refusals(void)
{
    enum { T = 3, S = 10, D = 8 };
    static float q[T * 4 * D], k[S * 4 * D], o[T * 4 * D], mf[T * S];
    static uint16_t mh[T * S];
    static uint8_t mu[T * S];
    const int32_t qs[4] = {1, T, 4, D}, ks[4] = {1, S, 2, D}, k3s[4] = {1, S, 3, D};
    const int32_t kbig[4] = {1, S, 4, D}, q3[3] = {T, 4, D}, obad[4] = {1, T, 4, D - 1};
    const int32_t mbad[2] = {T, S - 1}, mok[2] = {T, S}, kshort[4] = {1, 2, 2, D};
    ember_tensor tq = th_tensor(EMBER_DTYPE_F32, q, 4, qs);
    ember_tensor tk = th_tensor(EMBER_DTYPE_F32, k, 4, ks);
    ember_tensor tk3 = th_tensor(EMBER_DTYPE_F32, k, 4, k3s);
    ember_tensor tk4 = th_tensor(EMBER_DTYPE_F32, k, 4, kbig);
    ember_tensor tks = th_tensor(EMBER_DTYPE_F32, k, 4, kshort);
    ember_tensor tq3 = th_tensor(EMBER_DTYPE_F32, q, 3, q3);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 4, qs);
    ember_tensor tob = th_tensor(EMBER_DTYPE_F32, o, 4, obad);
    ember_tensor tmf = th_tensor(EMBER_DTYPE_F32, mf, 2, mok);
    ember_tensor tmbad = th_tensor(EMBER_DTYPE_F32, mf, 2, mbad);
    ember_tensor tmh = th_tensor(EMBER_DTYPE_F16, mh, 2, mok);
    ember_tensor tmu = th_tensor(EMBER_DTYPE_U8, mu, 2, mok);
#define ARGS(query, key, value, start, mask, drop, causal, out)                                 \
    {th_tensor_value(query), th_tensor_value(key), th_tensor_value(value), start, mask,          \
     th_double(drop),        th_bool(causal),      th_null(),              th_tensor_value(out), \
     th_tensor_value(out)}
    ember_value ok[10] = ARGS(&tq, &tk, &tk, th_int(S - T), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, ok, 10), EMBER_OK, NULL);
    ember_value okm[10] = ARGS(&tq, &tk, &tk, th_int(0), th_tensor_value(&tmf), 0.0, false, &to);
    CHECK_STATUS(th_run(SDPA, okm, 10), EMBER_OK, NULL);
    ember_value neg[10] = ARGS(&tq, &tk, &tk, th_int(-1), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, neg, 10), EMBER_INVALID_ARGUMENT, "start_pos = -1");
    ember_value past[10] = ARGS(&tq, &tk, &tk, th_int(S - T + 1), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, past, 10), EMBER_INVALID_ARGUMENT, "do not fit the cache's 10");
    ember_value huge[10] = ARGS(&tq, &tk, &tk, th_int(INT64_MAX), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, huge, 10), EMBER_INVALID_ARGUMENT, NULL);
    ember_value heads[10] = ARGS(&tq, &tk3, &tk3, th_int(0), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, heads, 10), EMBER_SHAPE_MISMATCH, "must divide the query heads");
    ember_value drop[10] = ARGS(&tq, &tk, &tk, th_int(0), th_null(), 0.1, true, &to);
    CHECK_STATUS(th_run(SDPA, drop, 10), EMBER_NOT_SUPPORTED, "drpout_p = 0.1");
    ember_value both[10] = ARGS(&tq, &tk, &tk, th_int(0), th_tensor_value(&tmf), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, both, 10), EMBER_INVALID_ARGUMENT, "attn_mask and is_causal");
    ember_value mshape[10] = ARGS(&tq, &tk, &tk, th_int(0), th_tensor_value(&tmbad), 0.0, false, &to);
    CHECK_STATUS(th_run(SDPA, mshape, 10), EMBER_SHAPE_MISMATCH, "attn_mask [3, 9] must be");
    ember_value mhalf[10] = ARGS(&tq, &tk, &tk, th_int(0), th_tensor_value(&tmh), 0.0, false, &to);
    CHECK_STATUS(th_run(SDPA, mhalf, 10), EMBER_DTYPE_MISMATCH, "expected bool or float32");
    ember_value mu8[10] = ARGS(&tq, &tk, &tk, th_int(0), th_tensor_value(&tmu), 0.0, false, &to);
    CHECK_STATUS(th_run(SDPA, mu8, 10), EMBER_DTYPE_MISMATCH, "attn_mask has dtype uint8");
    ember_value kv[10] = ARGS(&tq, &tk, &tk4, th_int(0), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, kv, 10), EMBER_SHAPE_MISMATCH, "the caches have one shape");
    ember_value rank[10] = ARGS(&tq3, &tk, &tk, th_int(0), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, rank, 10), EMBER_SHAPE_MISMATCH, "expected 4");
    ember_value oshape[10] = ARGS(&tq, &tk, &tk, th_int(0), th_null(), 0.0, true, &tob);
    CHECK_STATUS(th_run(SDPA, oshape, 10), EMBER_SHAPE_MISMATCH, NULL);
    ember_value longq[10] = ARGS(&tq, &tks, &tks, th_int(0), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, longq, 10), EMBER_SHAPE_MISMATCH, "more than the caches' 2");
    ember_value dpos[10] = ARGS(&tq, &tk, &tk, th_double(1.0), th_null(), 0.0, true, &to);
    CHECK_STATUS(th_run(SDPA, dpos, 10), EMBER_INVALID_ARGUMENT, "start_pos (argument 3)");
#undef ARGS
}

/* ---- update_cache ---------------------------------------------------------------------------- */

/* value (B, T, H, D) into cache (B, S, H, D) at start: the value's bytes at each batch entry's
 * positions [start, start + T), every other cache byte as before, out zeroed. */
static void check_update(int dtype, int32_t b, int32_t t, int32_t s, int32_t h, int32_t d,
                         int64_t start)
{
    const size_t size = ember_dtype_size(dtype), pos = (size_t)h * (size_t)d * size;
    const size_t vbytes = (size_t)b * (size_t)t * pos, cbytes = (size_t)b * (size_t)s * pos;
    unsigned char* value = malloc(vbytes + 1);
    unsigned char* cache = malloc(cbytes + 1);
    unsigned char* before = malloc(cbytes + 1);
    for (size_t i = 0; i < vbytes; i++) value[i] = (unsigned char)rnd(256);
    for (size_t i = 0; i < cbytes; i++) cache[i] = before[i] = (unsigned char)rnd(256);
    float out = 7.0f;
    const int32_t vs[4] = {b, t, h, d}, cs[4] = {b, s, h, d}, os[1] = {1};
    ember_tensor tv = th_tensor(dtype, value, 4, vs), tc = th_tensor(dtype, cache, 4, cs);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, &out, 1, os);
    ember_value a[5] = {th_tensor_value(&tv), th_tensor_value(&tc), th_int(start),
                        th_tensor_value(&to), th_tensor_value(&to)};
    CHECK_STATUS(th_run(UPDATE, a, 5), EMBER_OK, NULL);
    bool ok = out == 0.0f;
    for (int32_t bi = 0; bi < b; bi++)
        for (int32_t j = 0; j < s; j++) {
            const unsigned char* got = cache + ((size_t)bi * (size_t)s + (size_t)j) * pos;
            const bool written = j >= start && j < start + t;
            const unsigned char* want =
                written ? value + ((size_t)bi * (size_t)t + (size_t)(j - start)) * pos
                        : before + ((size_t)bi * (size_t)s + (size_t)j) * pos;
            ok &= memcmp(got, want, pos) == 0;
        }
    if (!ok)
        fprintf(stderr, "update_cache %s B %d T %d S %d start %lld: wrong bytes\n",
                ember_dtype_name(dtype), b, t, s, (long long)start);
    CHECK(ok);
    free(value), free(cache), free(before);
}

static void test_update_cache(void)
{
    th_inplace_args = 1u << 1; /* the cache */
    check_update(EMBER_DTYPE_F32, 1, 5, 16, 2, 8, 0);  /* prefill */
    check_update(EMBER_DTYPE_F32, 1, 1, 16, 2, 8, 9);  /* decode */
    check_update(EMBER_DTYPE_F32, 1, 3, 16, 2, 8, 13); /* up to the last position */
    check_update(EMBER_DTYPE_F32, 3, 4, 11, 3, 5, 2);  /* batch entries each at start */
    check_update(EMBER_DTYPE_I8, 2, 7, 9, 1, 3, 1);
    check_update(EMBER_DTYPE_BF16, 1, 2, 4, 4, 16, 2);
    check_update(EMBER_DTYPE_F32, 1, 0, 8, 2, 4, 8);   /* no positions */
    check_update(EMBER_DTYPE_F32, 2, 4, 4, 2, 4, 0);   /* the whole cache */

    /* refusals */
    static float v[2 * 3 * 2 * 4], c[2 * 8 * 2 * 4], o[1];
    static int32_t ci[2 * 8 * 2 * 4];
    const int32_t vs[4] = {2, 3, 2, 4}, cs[4] = {2, 8, 2, 4}, ch[4] = {2, 8, 1, 4};
    const int32_t cb[4] = {1, 8, 2, 4}, c3[3] = {2, 8, 8}, os[1] = {1}, cshort[4] = {2, 2, 2, 4};
    ember_tensor tv = th_tensor(EMBER_DTYPE_F32, v, 4, vs);
    ember_tensor tc = th_tensor(EMBER_DTYPE_F32, c, 4, cs);
    ember_tensor tch = th_tensor(EMBER_DTYPE_F32, c, 4, ch);
    ember_tensor tcb = th_tensor(EMBER_DTYPE_F32, c, 4, cb);
    ember_tensor tc3 = th_tensor(EMBER_DTYPE_F32, c, 3, c3);
    ember_tensor tcs = th_tensor(EMBER_DTYPE_F32, c, 4, cshort);
    ember_tensor tci = th_tensor(EMBER_DTYPE_I32, ci, 4, cs);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, o, 1, os);
#define ARGS(cache, start)                                                                      \
    {th_tensor_value(&tv), th_tensor_value(cache), start, th_tensor_value(&to),                 \
     th_tensor_value(&to)}
    ember_value ok[5] = ARGS(&tc, th_int(5));
    CHECK_STATUS(th_run(UPDATE, ok, 5), EMBER_OK, NULL);
    ember_value neg[5] = ARGS(&tc, th_int(-1));
    CHECK_STATUS(th_run(UPDATE, neg, 5), EMBER_INVALID_ARGUMENT, "start_pos = -1");
    ember_value past[5] = ARGS(&tc, th_int(6));
    CHECK_STATUS(th_run(UPDATE, past, 5), EMBER_INVALID_ARGUMENT, "0 <= start_pos <= 5");
    ember_value heads[5] = ARGS(&tch, th_int(0));
    CHECK_STATUS(th_run(UPDATE, heads, 5), EMBER_SHAPE_MISMATCH, "[2, 3, 2, 4] and cache [2, 8, 1, 4]");
    ember_value batch[5] = ARGS(&tcb, th_int(0));
    CHECK_STATUS(th_run(UPDATE, batch, 5), EMBER_SHAPE_MISMATCH, "differ in batch");
    ember_value rank[5] = ARGS(&tc3, th_int(0));
    CHECK_STATUS(th_run(UPDATE, rank, 5), EMBER_SHAPE_MISMATCH, "expected 4");
    ember_value dtype[5] = ARGS(&tci, th_int(0));
    CHECK_STATUS(th_run(UPDATE, dtype, 5), EMBER_DTYPE_MISMATCH, "cache is int32, expected float32");
    ember_value longv[5] = ARGS(&tcs, th_int(0));
    CHECK_STATUS(th_run(UPDATE, longv, 5), EMBER_SHAPE_MISMATCH, "more than the cache's 2");
    ember_value dpos[5] = ARGS(&tc, th_double(0.0));
    CHECK_STATUS(th_run(UPDATE, dpos, 5), EMBER_INVALID_ARGUMENT, "start_pos (argument 2)");
#undef ARGS
    /* without the schema's in-place cache, declaring it an out is writing an input: the cache
     * is an out, so the loader's checks on outs (planned, never a constant) apply to it */
    th_inplace_args = 0;
    ember_value plain[5] = {th_tensor_value(&tv), th_tensor_value(&tc), th_int(0),
                            th_tensor_value(&to), th_tensor_value(&to)};
    CHECK_STATUS(th_run_once(UPDATE, plain, 5), EMBER_INTERNAL, "declared argument 1 as an out");
}

/* ---- an LLM's steps: item(), update_cache twice, custom_sdpa -------------------------------- */

static void test_sequence(void)
{
    enum { S = 16, HQ = 4, HKV = 2, D = 8, TMAX = 5 };
    static float kc[S * HKV * D], vc[S * HKV * D], hk[S * HKV * D], hv[S * HKV * D];
    static float q[TMAX * HQ * D], kn[TMAX * HKV * D], vn[TMAX * HKV * D], out[TMAX * HQ * D];
    static float placeholder[1];
    static double exact[TMAX * HQ * D];
    static const int32_t steps[][2] = {{0, 5}, {5, 1}, {6, 1}, {7, 3}, {10, 1}}; /* start, T */
    for (int pass = 0; pass < 2; pass++) {
        ember_kernel_cpu_mask_set(pass == 0 ? 0 : ~(uint64_t)0);
        for (int i = 0; i < S * HKV * D; i++) kc[i] = vc[i] = NAN; /* unwritten: never read */
        for (size_t si = 0; si < sizeof steps / sizeof steps[0]; si++) {
            const int32_t start = steps[si][0], t = steps[si][1];
            for (int i = 0; i < t * HQ * D; i++) q[i] = 2.0f * uniform();
            for (int i = 0; i < t * HKV * D; i++) kn[i] = 2.0f * uniform(), vn[i] = uniform();
            /* the history, kept here */
            memcpy(hk + start * HKV * D, kn, (size_t)(t * HKV * D) * sizeof(float));
            memcpy(hv + start * HKV * D, vn, (size_t)(t * HKV * D) * sizeof(float));
            /* start_pos = input_pos.item() */
            int64_t input_pos = start;
            ember_tensor tp = th_tensor(EMBER_DTYPE_I64, &input_pos, 1, (const int32_t[]){1});
            ember_value item[2] = {th_tensor_value(&tp), th_int(-1)};
            CHECK_STATUS(th_run(ITEM, item, 2), EMBER_OK, NULL);
            CHECK(item[1].u.i == start);
            /* the caches */
            const int32_t ns[4] = {1, t, HKV, D}, cs[4] = {1, S, HKV, D}, qs[4] = {1, t, HQ, D};
            const int32_t ps[1] = {1};
            ember_tensor tkn = th_tensor(EMBER_DTYPE_F32, kn, 4, ns);
            ember_tensor tvn = th_tensor(EMBER_DTYPE_F32, vn, 4, ns);
            ember_tensor tkc = th_tensor(EMBER_DTYPE_F32, kc, 4, cs);
            ember_tensor tvc = th_tensor(EMBER_DTYPE_F32, vc, 4, cs);
            ember_tensor tph = th_tensor(EMBER_DTYPE_F32, placeholder, 1, ps);
            th_inplace_args = 1u << 1;
            ember_value uk[5] = {th_tensor_value(&tkn), th_tensor_value(&tkc), item[1],
                                 th_tensor_value(&tph), th_tensor_value(&tph)};
            ember_value uv[5] = {th_tensor_value(&tvn), th_tensor_value(&tvc), item[1],
                                 th_tensor_value(&tph), th_tensor_value(&tph)};
            CHECK_STATUS(th_run(UPDATE, uk, 5), EMBER_OK, NULL);
            CHECK_STATUS(th_run(UPDATE, uv, 5), EMBER_OK, NULL);
            th_inplace_args = 0;
            /* attention over the caches */
            ember_tensor tq = th_tensor(EMBER_DTYPE_F32, q, 4, qs);
            ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 4, qs);
            ember_value a[10] = {th_tensor_value(&tq), th_tensor_value(&tkc), th_tensor_value(&tvc),
                                 item[1],              th_null(),             th_double(0.0),
                                 th_bool(true),        th_null(),             th_tensor_value(&to),
                                 th_tensor_value(&to)};
            CHECK_STATUS(th_run(SDPA, a, 10), EMBER_OK, NULL);
            const kv_attention p = {1, t, HQ, HKV, S, D, start, start + t, true, SDPA_MASK_NONE,
                                    NULL, 0, 1.0 / sqrt((double)D)};
            kv_exact(exact, q, hk, hv, &p);
            const int64_t bad = first_bad(out, exact, t * HQ * D, 2e-5);
            if (bad >= 0)
                fprintf(stderr, "sequence pass %d step %zu: [%lld] wrong\n", pass, si,
                        (long long)bad);
            CHECK(bad < 0);
        }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
}

/* ---- _local_scalar_dense --------------------------------------------------------------------- */

static void test_item(void)
{
    int64_t i64 = -1234567890123;
    int32_t i32 = -7;
    float f = 2.75f, fnan = NAN, fbig = 1e30f;
    uint16_t h = ember_f32_to_f16(-1.5f);
    uint8_t yes = 1, u8 = 200;
    int64_t two[2] = {1, 2};
    const int32_t one[1] = {1}, twos[1] = {2}, zero[1] = {0}, cube[3] = {1, 1, 1};
    ember_tensor t64 = th_tensor(EMBER_DTYPE_I64, &i64, 1, one);
    ember_tensor t32 = th_tensor(EMBER_DTYPE_I32, &i32, 3, cube);
    ember_tensor tf = th_tensor(EMBER_DTYPE_F32, &f, 0, NULL); /* rank 0 */
    ember_tensor tnan = th_tensor(EMBER_DTYPE_F32, &fnan, 1, one);
    ember_tensor tbig = th_tensor(EMBER_DTYPE_F32, &fbig, 1, one);
    ember_tensor th = th_tensor(EMBER_DTYPE_F16, &h, 1, one);
    ember_tensor tb = th_tensor(EMBER_DTYPE_BOOL, &yes, 1, one);
    ember_tensor tu = th_tensor(EMBER_DTYPE_U8, &u8, 1, one);
    ember_tensor t2 = th_tensor(EMBER_DTYPE_I64, two, 1, twos);
    ember_tensor t0 = th_tensor(EMBER_DTYPE_I64, two, 1, zero);
    ember_value a[2];
#define ITEM_RUN(t, out) (a[0] = th_tensor_value(t), a[1] = (out), th_run(ITEM, a, 2))
    CHECK(ITEM_RUN(&t64, th_int(0)) == EMBER_OK && a[1].u.i == i64);
    CHECK(ITEM_RUN(&t32, th_int(0)) == EMBER_OK && a[1].u.i == -7);
    CHECK(ITEM_RUN(&t32, th_double(0)) == EMBER_OK && a[1].u.d == -7.0);
    CHECK(ITEM_RUN(&tf, th_double(0)) == EMBER_OK && a[1].u.d == 2.75);
    CHECK(ITEM_RUN(&tf, th_int(0)) == EMBER_OK && a[1].u.i == 2); /* truncated */
    CHECK(ITEM_RUN(&th, th_double(0)) == EMBER_OK && a[1].u.d == -1.5);
    CHECK(ITEM_RUN(&tb, th_bool(false)) == EMBER_OK && a[1].u.b);
    CHECK(ITEM_RUN(&tb, th_int(0)) == EMBER_OK && a[1].u.i == 1);
    CHECK(ITEM_RUN(&tu, th_int(0)) == EMBER_OK && a[1].u.i == 200);
    CHECK(ITEM_RUN(&tnan, th_bool(false)) == EMBER_OK && a[1].u.b); /* NaN is true */
    CHECK_STATUS(ITEM_RUN(&tnan, th_int(0)), EMBER_INVALID_ARGUMENT, "which the Int out cannot hold");
    CHECK_STATUS(ITEM_RUN(&tbig, th_int(0)), EMBER_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(ITEM_RUN(&t2, th_int(0)), EMBER_INVALID_ARGUMENT, "self has 2 elements");
    CHECK_STATUS(ITEM_RUN(&t0, th_int(0)), EMBER_INVALID_ARGUMENT, "self has 0 elements");
    CHECK_STATUS(ITEM_RUN(&t64, th_tensor_value(&t64)), EMBER_INVALID_ARGUMENT,
                 "expected an Int, Double or Bool value");
    /* prepare alone: the element of a constant (its bytes are final), else 0 */
    ember_value* ptrs[2] = {&a[0], &a[1]};
    const ember_kernel* kern = ember_kernel_find(ITEM, strlen(ITEM));
    ember_kernel_ctx ctx = {.op_name = ITEM, .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    a[0] = th_tensor_value(&t64), a[1] = th_int(99);
    CHECK(kern->prepare(&ctx, ptrs, 2, &run) == EMBER_OK && a[1].u.i == 0);
    t64.storage = EMBER_TENSOR_CONSTANT;
    CHECK(kern->prepare(&ctx, ptrs, 2, &run) == EMBER_OK && a[1].u.i == i64);
#undef ITEM_RUN
}

int main(void)
{
    test_sdpa_shapes();
    test_sdpa_masks();
    test_sdpa_half();
    test_sdpa_refusals();
    test_update_cache();
    test_sequence();
    test_item();
    return check_report("test_ops_llm");
}
