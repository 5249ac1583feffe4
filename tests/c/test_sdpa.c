/* test_sdpa.c — ember::sdpa.out through prepare/run, its portable reference and optimized fp32
 * variants (kernels/optimized/f32_sdpa.h) each forced with ember_kernel_cpu_mask_set, against an
 * in-test double-precision attention (two-pass softmax over the full score row), on ragged
 * shapes: key counts around the 64-key tile (1, 3, 63, 64, 65, 130, 197), widths 7, 16, 32, 64,
 * 80 (not multiples of 16 included), query and value widths that differ, causal rows with more
 * keys than queries and fewer, grouped-query heads, bool and additive masks broadcast along
 * batch, heads and rows, and fully masked rows (0). Every case again with a 2-thread pool, byte
 * for byte; one head's rows split between kernel calls (causal_offset), byte for byte; float16/
 * bfloat16 through the portable kernel; what prepare refuses.
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

static uint64_t rng = 0x2545f4914f6cdd1du;
#include "tests/c/rng.h"

/* The whole op's attention, as the oracle reads it. */
typedef struct attention {
    int64_t batch, q_heads, kv_heads, lq, lk, e, ev;
    float scale;
    bool causal;
    int mask_kind;          /* SDPA_MASK_* */
    const void* mask;       /* uint8 or float */
    int64_t mask_stride[4]; /* elements per step of (b, h, i, j); 0 = broadcast */
} attention;

/* The double-precision oracle. */
static void sdpa_exact(double* out, const float* q, const float* k, const float* v,
                       const attention* p)
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
    int32_t b, hq, hkv, lq, lk, e, ev;
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
    {2, 8, 2, 40, 100, 64, 64, true, SDPA_MASK_BOOL, 1}, /* enough work to split over threads */
    /* the register blocking's edges: blocks of 2 VN rows (8, 16 or 32), tiles of 64 keys, score
     * kernels of 6 or 8 keys, out in chunks of 2 VN columns, q/k packed 256 columns at a time;
     * blocks of one or two rows (decode) take the one-row path */
    {1, 2, 2, 33, 67, 1, 1, false, SDPA_MASK_NONE, 0},
    {1, 1, 1, 70, 130, 17, 16, true, SDPA_MASK_ADD, 2},
    {1, 2, 2, 1, 129, 128, 128, false, SDPA_MASK_BOOL, 1},
    {1, 3, 3, 1, 64, 64, 17, true, SDPA_MASK_NONE, 0},
    {1, 1, 1, 97, 40, 80, 80, true, SDPA_MASK_NONE, 0},
    {1, 2, 2, 49, 200, 16, 64, false, SDPA_MASK_ADD, 1},
    {1, 1, 1, 65, 100, 300, 20, false, SDPA_MASK_ADD, 0},
    {1, 1, 1, 1, 70, 300, 33, false, SDPA_MASK_NONE, 0},
};

/* The mask's shape (rank 4, or 2 for (L, S)) and the oracle's strides over it. */
static int mask_shape(const sdpa_case* c, int32_t* sizes, attention* p)
{
    p->mask_stride[3] = 1;
    if (c->mask_bcast == 1) {
        sizes[0] = c->b, sizes[1] = 1, sizes[2] = 1, sizes[3] = c->lk;
        p->mask_stride[0] = c->lk;
        return 4;
    }
    if (c->mask_bcast == 2) {
        sizes[0] = c->lq, sizes[1] = c->lk;
        p->mask_stride[2] = c->lk;
        return 2;
    }
    sizes[0] = c->b, sizes[1] = c->hq, sizes[2] = c->lq, sizes[3] = c->lk;
    p->mask_stride[0] = (int64_t)c->hq * c->lq * c->lk;
    p->mask_stride[1] = (int64_t)c->lq * c->lk;
    p->mask_stride[2] = c->lk;
    return 4;
}

static void* make_mask(const sdpa_case* c, int64_t n)
{
    if (c->mask_kind == SDPA_MASK_BOOL) {
        uint8_t* m = malloc((size_t)n + 1);
        for (int64_t i = 0; i < n; i++) m[i] = uniform() > -0.4f; /* ~30% dropped */
        if (c->mask_bcast == 0 && c->lk > 0) /* one fully masked row */
            for (int64_t j = 0; j < c->lk; j++) m[c->lk + j] = 0;
        return m;
    }
    float* m = malloc((size_t)(n + 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++) m[i] = uniform() < -0.8f ? -INFINITY : 3.0f * uniform();
    return m;
}

/* One case's arguments for ember::sdpa.out (enable_gqa, default scale). The values point into
 * the struct: fill it in place. */
typedef struct sdpa_args {
    ember_tensor q, k, v, mask, out;
    ember_value a[10];
} sdpa_args;

static void sdpa_args_init(sdpa_args* x, const sdpa_case* c, float* q, float* k, float* v,
                           void* mask, const int32_t* mask_sizes, int mask_dim, float* out)
{
    const int32_t qs[4] = {c->b, c->hq, c->lq, c->e}, ks[4] = {c->b, c->hkv, c->lk, c->e};
    const int32_t vs[4] = {c->b, c->hkv, c->lk, c->ev}, os[4] = {c->b, c->hq, c->lq, c->ev};
    x->q = th_tensor(EMBER_DTYPE_F32, q, 4, qs);
    x->k = th_tensor(EMBER_DTYPE_F32, k, 4, ks);
    x->v = th_tensor(EMBER_DTYPE_F32, v, 4, vs);
    x->out = th_tensor(EMBER_DTYPE_F32, out, 4, os);
    x->mask = th_tensor(c->mask_kind == SDPA_MASK_BOOL ? EMBER_DTYPE_BOOL : EMBER_DTYPE_F32, mask,
                        mask_dim, mask_sizes);
    const ember_value mv = c->mask_kind == SDPA_MASK_NONE ? th_null() : th_tensor_value(&x->mask);
    const ember_value a[10] = {th_tensor_value(&x->q), th_tensor_value(&x->k),
                               th_tensor_value(&x->v), mv,
                               th_double(0.0),         th_bool(c->causal),
                               th_null(),              th_bool(true),
                               th_tensor_value(&x->out), th_tensor_value(&x->out)};
    memcpy(x->a, a, sizeof a);
}

/* prepare once, run with `pool` (NULL: one thread). */
static ember_status run_with_pool(ember_threadpool* pool, ember_value* vals)
{
    ember_value* ptrs[10];
    for (int i = 0; i < 10; i++) ptrs[i] = &vals[i];
    const ember_kernel* kern = ember_kernel_find("ember::sdpa.out", strlen("ember::sdpa.out"));
    ember_kernel_ctx ctx = {.op_name = "ember::sdpa.out", .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    const ember_status st = kern->prepare(&ctx, ptrs, 10, &run);
    if (st) return st;
    ctx.pool = pool;
    return run(&ctx, ptrs);
}

static void test_cases(void)
{
    const uint64_t have = ember_cpu_features();
    ember_threadpool* pool = NULL;
    const size_t pool_bytes = ember_threadpool_bytes(2);
    void* pool_mem = malloc(pool_bytes);
    CHECK(ember_threadpool_init(pool_mem, pool_bytes, 2, &pool) == EMBER_OK);
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const sdpa_case* c = &cases[ci];
        attention p = {c->b, c->hq, c->hkv, c->lq, c->lk, c->e, c->ev,
                       (float)(1.0 / sqrt((double)c->e)), c->causal, c->mask_kind, NULL, {0}};
        int32_t ms[4];
        const int md = mask_shape(c, ms, &p);
        int64_t nm = 1;
        for (int d = 0; d < md; d++) nm *= ms[d];
        void* mask = make_mask(c, nm);
        if (c->mask_kind != SDPA_MASK_NONE) p.mask = mask;
        const int64_t nq = p.batch * p.q_heads * p.lq * p.e, nk = p.batch * p.kv_heads * p.lk * p.e;
        const int64_t nv = p.batch * p.kv_heads * p.lk * p.ev, no = p.batch * p.q_heads * p.lq * p.ev;
        float* q = malloc((size_t)(nq + 1) * sizeof(float));
        float* k = malloc((size_t)(nk + 1) * sizeof(float));
        float* v = malloc((size_t)(nv + 1) * sizeof(float));
        float* got = malloc((size_t)(no + 1) * sizeof(float));
        float* got2 = malloc((size_t)(no + 1) * sizeof(float));
        double* exact = malloc((size_t)(no + 1) * sizeof(double));
        for (int64_t i = 0; i < nq; i++) q[i] = 2.0f * uniform();
        for (int64_t i = 0; i < nk; i++) k[i] = 2.0f * uniform();
        for (int64_t i = 0; i < nv; i++) v[i] = uniform();
        sdpa_exact(exact, q, k, v, &p);
        for (size_t vi = 0; vi < TH_NUM_VARIANTS; vi++) {
            if (!th_force_variant(vi, have)) continue;
            sdpa_args x, x2;
            sdpa_args_init(&x, c, q, k, v, mask, ms, md, got);
            sdpa_args_init(&x2, c, q, k, v, mask, ms, md, got2);
            for (int64_t i = 0; i < no; i++) got[i] = got2[i] = NAN;
            CHECK(th_run("ember::sdpa.out", x.a, 10) == EMBER_OK);
            int64_t bad = -1;
            for (int64_t i = 0; i < no && bad < 0; i++)
                if (!(fabs(got[i] - exact[i]) <= 2e-5)) bad = i;
            if (bad >= 0)
                fprintf(stderr, "%s case %zu: [%lld] got %.9g, exact %.9g\n", th_variants[vi].name,
                        ci, (long long)bad, (double)got[bad], exact[bad]);
            CHECK(bad < 0);
            CHECK(run_with_pool(pool, x2.a) == EMBER_OK);
            const int same = memcmp(got, got2, (size_t)no * sizeof(float)) == 0;
            if (!same) fprintf(stderr, "%s case %zu: 2 threads differ from 1\n",
                               th_variants[vi].name, ci);
            CHECK(same);
        }
        free(q), free(k), free(v), free(got), free(got2), free(exact), free(mask);
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    ember_threadpool_destroy(pool);
    free(pool_mem);
}

/* One head's kernels called directly: the head in one call, then its rows split into calls
 * with causal_offset and the pointers moved to each call's first row: the same bytes. Three
 * heads: 40 rows, 70 keys, causal, a full additive mask, in calls of 5, 8 and 27 rows; a bool
 * mask broadcast along rows (one value per key), in calls of 1, 1, 31 and 7 rows (calls of one
 * or two rows take the one-row path); 300-wide queries (packed in chunks) and no mask, causal
 * from row 60 of a longer head (rows cross the 64-key tile), in calls of 2, 32, 1 and 5; a bool
 * band mask (rows 2i..2i+49: early rows read no key of the second tile, late rows none of the
 * first, row 5 none at all), in calls of 5, 1, 33 and 1. */
typedef void (*sdpa_fn)(float* out, const float* q, const float* k, const float* v,
                        const sdpa_params* p);

static void portable_f32(float* out, const float* q, const float* k, const float* v,
                         const sdpa_params* p)
{
    sdpa__portable(out, q, k, v, EMBER_DTYPE_F32, p);
}

static void test_head_rows(void)
{
    enum { L = 40, S = 130, EMAX = 300, EV = 40 };
    static float q[L * EMAX], k[S * EMAX], v[S * EV], m[L * S], whole[L * EV], parts[L * EV];
    static uint8_t keep[S], band[L * S];
    static float ref[4][L * EV];
    for (int i = 0; i < L * EMAX; i++) q[i] = 2.0f * uniform();
    for (int i = 0; i < S * EMAX; i++) k[i] = 2.0f * uniform();
    for (int i = 0; i < S * EV; i++) v[i] = uniform();
    for (int i = 0; i < L * S; i++) m[i] = 2.0f * uniform();
    for (int i = 0; i < S; i++) keep[i] = uniform() > -0.5f;
    for (int i = 0; i < L; i++) /* row i keeps keys 2i..2i+49, row 5 none */
        for (int j = 0; j < S; j++) band[i * S + j] = i != 5 && j >= 2 * i && j < 2 * i + 50;
    const struct {
        const char* name;
        sdpa_fn fn;
        uint64_t needs;
    } fns[] = {
        {"portable", portable_f32, 0},
#if EMBER_HAVE_X86_KERNELS
        {"avx2", f32_sdpa__avx2, th_variants[1].needs},
        {"avx512", f32_sdpa__avx512, th_variants[2].needs},
#endif
#if defined(__aarch64__)
        {"neon", f32_sdpa__neon, th_variants[1].needs},
#endif
    };
    const struct {
        sdpa_params head;
        size_t mask_size; /* bytes per mask element */
        int64_t cuts[5];  /* call boundaries, ending at L */
    } heads[] = {
        {{L, 70, 24, EV, 0.2f, true, 0, SDPA_MASK_ADD, m, {70, 1}, 24, 24, EV, EV}, sizeof(float),
         {0, 5, 13, L, L}},
        {{L, S, 17, EV, 0.3f, false, 0, SDPA_MASK_BOOL, keep, {0, 1}, 17, 17, EV, EV}, 1,
         {0, 1, 2, 33, L}},
        {{L, 100, EMAX, EV, 0.05f, true, 60, SDPA_MASK_NONE, NULL, {0, 0}, EMAX, EMAX, EV, EV}, 0,
         {0, 2, 34, 35, L}},
        {{L, S, 20, EV, 0.3f, false, 0, SDPA_MASK_BOOL, band, {S, 1}, 20, 20, EV, EV}, 1,
         {0, 5, 6, 39, L}},
    };
    for (size_t fi = 0; fi < sizeof fns / sizeof fns[0]; fi++) {
        if ((ember_cpu_features() & fns[fi].needs) != fns[fi].needs) continue;
        for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
            const sdpa_params* head = &heads[h].head;
            const int64_t* cuts = heads[h].cuts;
            fns[fi].fn(whole, q, k, v, head);
            for (int part = 0; part < 4 && cuts[part] < L; part++) {
                const int64_t i0 = cuts[part];
                sdpa_params rows = *head;
                rows.lq = cuts[part + 1] - i0;
                rows.causal_offset = head->causal_offset + i0;
                if (head->mask)
                    rows.mask = (const char*)head->mask +
                                i0 * head->mask_stride[0] * (int64_t)heads[h].mask_size;
                fns[fi].fn(parts + i0 * EV, q + i0 * head->e, k, v, &rows);
            }
            const int same = memcmp(whole, parts, sizeof whole) == 0;
            if (!same) fprintf(stderr, "%s: head %zu's rows in parts differ\n", fns[fi].name, h);
            CHECK(same);
            /* and the values: the portable kernel's (run first), within float32 rounding */
            if (fi == 0) memcpy(ref[h], whole, sizeof whole);
            double worst = 0.0; /* (a plain loop: fmax here made aarch64 GCC 12 crash) */
            for (int i = 0; i < L * EV; i++) {
                const double d = fabs((double)whole[i] - (double)ref[h][i]);
                if (isnan(d) || d > worst) worst = d; /* a NaN sticks */
            }
            if (!(worst <= 2e-5)) fprintf(stderr, "%s: head %zu off by %g\n", fns[fi].name, h, worst);
            CHECK(worst <= 2e-5);
        }
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
        const attention p = {B, HQ, HKV, L, S, E, E, 0.3f, false, SDPA_MASK_ADD, m, {0, 0, S, 1}};
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
    test_cases();
    test_head_rows();
    test_op();
    test_refusals();
    return check_report("test_sdpa");
}
