/* test_threadpool.c — the thread pool (runtime/core/threadpool.c) and the fp32 linear split
 * over it. `make test-tsan` runs it under ThreadSanitizer too.
 *
 * The pool: pools of 1..8 threads created and destroyed again and again; thousands of jobs of
 * uneven sizes (n_tasks below, at and above the thread count) where each task writes its own
 * slot and every task must run exactly once, each thread's call covering exactly its static
 * chunk; nested calls (run inline); a failing task (its status comes back, the other tasks
 * still run); two threads sharing one pool (one of them runs inline); bad arguments.
 *
 * The linear: aten::linear.out through prepare/run with ctx.pool, portable and best variant,
 * on ragged shapes (N not a multiple of the 12-column task, M below the tile height, K = 0),
 * with 2, 3 and 5 threads, against the same kernel with no pool: bit for bit (every variant
 * sums each output column on its own, so the cut cannot change a sum). The float32 unary ops
 * likewise (relu, gelu, exp, tanh; in place too) on tensors below, at and above the size where
 * they start to split; mm and bmm (rows of each batch entry in blocks of 16) the same. */
#include <pthread.h>
#include <stdatomic.h>

#include "kernels/optimized/f32_gemm_nt.h"
#include "tests/c/kernel_harness.h"

#define MAX_TASKS 1000
#define MAX_POOL 8

/* A pool in a malloc'ed block (ember_threadpool_init takes any memory). */
typedef struct test_pool {
    void* mem;
    ember_threadpool* pool;
} test_pool;

static int pool_open(test_pool* p, size_t threads)
{
    const size_t bytes = ember_threadpool_bytes(threads);
    p->mem = malloc(bytes + 1);
    /* an odd address: init aligns inside the block */
    if (ember_threadpool_init((char*)p->mem + 1, bytes, threads, &p->pool) != EMBER_OK) {
        free(p->mem);
        return 0;
    }
    return 1;
}

static void pool_close(test_pool* p)
{
    ember_threadpool_destroy(p->pool);
    free(p->mem);
}

typedef struct job {
    size_t n;
    int ran[MAX_TASKS];              /* how often each task ran (each slot written by one task) */
    size_t begin[MAX_POOL], end[MAX_POOL]; /* each call's range, by call */
    atomic_size_t calls;
    size_t fail_at;                  /* the task that fails, or SIZE_MAX */
    ember_threadpool* nest;          /* tasks call ember_parallel_for on this pool, or NULL */
} job;

static ember_status count_tasks(void* arg, size_t begin, size_t end)
{
    job* j = arg;
    size_t c = atomic_fetch_add(&j->calls, 1);
    if (c < MAX_POOL) j->begin[c] = begin, j->end[c] = end;
    ember_status st = EMBER_OK;
    for (size_t t = begin; t < end; t++) {
        j->ran[t]++;
        if (t == j->fail_at) st = EMBER_INVALID_ARGUMENT;
    }
    return st;
}

static ember_status nested_tasks(void* arg, size_t begin, size_t end)
{
    job* j = arg;
    for (size_t t = begin; t < end; t++) {
        job inner = {.n = 3, .fail_at = SIZE_MAX};
        /* nested: runs inline, as one call over all tasks */
        ember_status st = ember_parallel_for(j->nest, inner.n, count_tasks, &inner);
        if (st || atomic_load(&inner.calls) != 1 || inner.ran[0] + inner.ran[1] + inner.ran[2] != 3)
            return EMBER_INTERNAL;
        j->ran[t]++;
    }
    return EMBER_OK;
}

/* Every task ran once, and each call was exactly one thread's static chunk. */
static int job_ok(job* j, size_t threads)
{
    for (size_t t = 0; t < j->n; t++)
        if (j->ran[t] != 1) return 0;
    const size_t calls = atomic_load(&j->calls);
    const size_t used = j->n < threads ? j->n : threads;
    if (calls != used && calls != 1) return 0; /* 1: ran inline */
    if (calls == 1) return j->begin[0] == 0 && j->end[0] == j->n;
    for (size_t c = 0; c < calls; c++) {
        const size_t len = j->end[c] - j->begin[c];
        const size_t q = j->n / threads;
        if (len != q && len != q + 1) return 0; /* chunks differ by at most one task */
    }
    return 1;
}

static void test_create_destroy(void)
{
    CHECK(ember_threadpool_bytes(0) == 0);
    CHECK(ember_threadpool_bytes(1025) == 0);
    CHECK(ember_threadpool_bytes(1) > 0);
    CHECK(ember_threadpool_threads(NULL) == 1);
    CHECK(ember_cpu_count() >= 1);
    ember_threadpool* pool = (ember_threadpool*)1;
    static unsigned char small[8];
    CHECK(ember_threadpool_init(small, sizeof small, 2, &pool) == EMBER_MEMORY_TOO_SMALL);
    CHECK(pool == NULL);
    CHECK(ember_threadpool_init(NULL, 4096, 2, &pool) == EMBER_INVALID_ARGUMENT);
    CHECK(ember_threadpool_init(small, sizeof small, 0, &pool) == EMBER_INVALID_ARGUMENT);
    ember_threadpool_destroy(NULL);
    for (int round = 0; round < 10; round++)
        for (size_t threads = 1; threads <= MAX_POOL; threads++) {
            test_pool p;
            CHECK(pool_open(&p, threads));
#if EMBER_THREADS
            CHECK(ember_threadpool_threads(p.pool) == threads);
#else
            CHECK(ember_threadpool_threads(p.pool) == 1);
#endif
            if (round % 2) { /* destroyed right after a job, or with workers never used */
                job j = {.n = 10, .fail_at = SIZE_MAX};
                CHECK(ember_parallel_for(p.pool, j.n, count_tasks, &j) == EMBER_OK);
                CHECK(job_ok(&j, ember_threadpool_threads(p.pool)));
            }
            pool_close(&p);
        }
}

static job jobs[2]; /* big: static */

static void test_many_jobs(void)
{
    for (size_t threads = 1; threads <= 5; threads++) {
        test_pool p;
        CHECK(pool_open(&p, threads));
        const size_t t = ember_threadpool_threads(p.pool);
        int bad = 0;
        uint64_t rng = 12345;
        for (int round = 0; round < 1000; round++) {
            job* j = &jobs[0];
            memset(j, 0, sizeof *j);
            rng = rng * 6364136223846793005u + 1442695040888963407u;
            /* mostly small and uneven: 0..9 tasks (fewer than the threads, too), sometimes many */
            j->n = round % 10 == 0 ? (size_t)(rng >> 33) % MAX_TASKS : (size_t)(rng >> 33) % 10;
            j->fail_at = SIZE_MAX;
            if (ember_parallel_for(p.pool, j->n, count_tasks, j) != EMBER_OK) bad++;
            if (j->n && !job_ok(j, t)) bad++;
            if (!j->n && atomic_load(&j->calls) != 0) bad++;
        }
        CHECK(bad == 0);
        pool_close(&p);
    }
}

static void test_errors_and_nesting(void)
{
    test_pool p;
    CHECK(pool_open(&p, 4));
    const size_t t = ember_threadpool_threads(p.pool);
    for (size_t fail = 0; fail < 20; fail++) {
        job* j = &jobs[0];
        memset(j, 0, sizeof *j);
        j->n = 20;
        j->fail_at = fail; /* in the caller's chunk or a worker's */
        CHECK(ember_parallel_for(p.pool, j->n, count_tasks, j) == EMBER_INVALID_ARGUMENT);
        CHECK(job_ok(j, t)); /* every task still ran */
    }
    job* j = &jobs[0];
    memset(j, 0, sizeof *j);
    j->n = 9;
    j->nest = p.pool;
    CHECK(ember_parallel_for(p.pool, j->n, nested_tasks, j) == EMBER_OK);
    for (size_t i = 0; i < j->n; i++) CHECK(j->ran[i] == 1);
    /* with no pool: inline */
    memset(j, 0, sizeof *j);
    j->n = 7;
    j->fail_at = SIZE_MAX;
    CHECK(ember_parallel_for(NULL, j->n, count_tasks, j) == EMBER_OK);
    CHECK(atomic_load(&j->calls) == 1 && job_ok(j, 1));
    pool_close(&p);
}

/* Two threads use one pool at once: whoever finds it busy runs inline; both get every task. */
typedef struct sharer {
    ember_threadpool* pool;
    job* j;
    int bad;
} sharer;

static void* share_main(void* arg)
{
    sharer* s = arg;
    for (int round = 0; round < 300; round++) {
        memset(s->j, 0, sizeof *s->j);
        s->j->n = 1 + (size_t)round % 50;
        s->j->fail_at = SIZE_MAX;
        if (ember_parallel_for(s->pool, s->j->n, count_tasks, s->j) != EMBER_OK) s->bad++;
        for (size_t t = 0; t < s->j->n; t++) s->bad += s->j->ran[t] != 1;
    }
    return NULL;
}

static void test_shared_pool(void)
{
    test_pool p;
    CHECK(pool_open(&p, 3));
    sharer s[2] = {{p.pool, &jobs[0], 0}, {p.pool, &jobs[1], 0}};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, share_main, &s[1]) == 0);
    share_main(&s[0]);
    pthread_join(th, NULL);
    CHECK(s[0].bad == 0 && s[1].bad == 0);
    pool_close(&p);
}

/* ---- the linear -------------------------------------------------------------------------- */

static uint64_t lrng = 0x9e3779b97f4a7c15u;
static void fill(float* x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        lrng = lrng * 6364136223846793005u + 1442695040888963407u;
        x[i] = (float)((double)(lrng >> 40) / (double)(1u << 23) - 1.0);
    }
}

/* Prepares kernel `name` and runs it with `pool` in ctx (NULL: one thread). */
static ember_status run_op(ember_threadpool* pool, const char* name, ember_value* v, size_t n)
{
    ember_value* ptrs[16];
    for (size_t i = 0; i < n; i++) ptrs[i] = &v[i];
    const ember_kernel* kern = ember_kernel_find(name, strlen(name));
    ember_kernel_ctx ctx = {.op_name = name, .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    ember_status st = kern->prepare(&ctx, ptrs, n, &run);
    if (st) return st;
    ctx.pool = pool;
    return run(&ctx, ptrs);
}

/* linear.out on x (M, K), w (N, K), bias or none, run with `pool` (NULL: one thread). */
static ember_status run_linear(ember_threadpool* pool, float* y, const float* x, const float* w,
                               const float* bias, int32_t m, int32_t k, int32_t n)
{
    const int32_t xs[2] = {m, k}, ws[2] = {n, k}, bs[1] = {n}, ys[2] = {m, n};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)x, 2, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, (void*)w, 2, ws);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, (void*)bias, 1, bs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 2, ys);
    ember_value v[5] = {th_tensor_value(&tx), th_tensor_value(&tw),
                        bias ? th_tensor_value(&tb) : (ember_value){.tag = EMBER_VALUE_NONE},
                        th_tensor_value(&ty), th_tensor_value(&ty)};
    return run_op(pool, "aten::linear.out", v, 5);
}

static void test_linear_threads(void)
{
    static const int32_t shapes[][3] = {
        /* M, K, N: OPT-125M's, ragged N (not a multiple of 12, of 64), M below a tile */
        {128, 768, 768}, {32, 768, 3072}, {37, 100, 131}, {1, 768, 1000}, {5, 300, 777},
        {64, 1030, 13}, {200, 64, 250}, {7, 0, 50}, {16, 512, 12},
    };
    test_pool pools[3];
    const size_t counts[3] = {2, 3, 5};
    for (int i = 0; i < 3; i++) CHECK(pool_open(&pools[i], counts[i]));
    for (int mask = 0; mask < 2; mask++) {
        ember_kernel_cpu_mask_set(mask ? ~(uint64_t)0 : 0);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const int32_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
            float* x = malloc(((size_t)m * k + 1) * sizeof(float));
            float* w = malloc(((size_t)n * k + 1) * sizeof(float));
            float* b = malloc((size_t)n * sizeof(float));
            float* want = malloc((size_t)m * n * sizeof(float));
            float* got = malloc((size_t)m * n * sizeof(float));
            fill(x, (int64_t)m * k);
            fill(w, (int64_t)n * k);
            fill(b, n);
            for (int with_bias = 0; with_bias < 2; with_bias++) {
                const float* bias = with_bias ? b : NULL;
                CHECK(run_linear(NULL, want, x, w, bias, m, k, n) == EMBER_OK);
                for (int i = 0; i < 3; i++) {
                    for (int64_t e = 0; e < (int64_t)m * n; e++) got[e] = NAN;
                    CHECK(run_linear(pools[i].pool, got, x, w, bias, m, k, n) == EMBER_OK);
                    const int same = memcmp(got, want, (size_t)m * n * sizeof(float)) == 0;
                    if (!same)
                        fprintf(stderr, "linear M=%d K=%d N=%d bias=%d mask=%d: %zu threads differ "
                                "from 1\n", m, k, n, with_bias, mask, counts[i]);
                    CHECK(same);
                }
            }
            free(x), free(w), free(b), free(want), free(got);
        }
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    for (int i = 0; i < 3; i++) pool_close(&pools[i]);
}

static void test_mm_threads(void)
{
    static const int32_t shapes[][4] = {
        /* B (0: mm), M, K, N: attention's, ragged M (not a multiple of 16), small */
        {12, 128, 64, 128}, {12, 128, 128, 64}, {3, 37, 100, 131}, {0, 200, 64, 70},
        {0, 1, 2000, 900}, {2, 5, 7, 3}, {1, 33, 1, 1024},
    };
    test_pool p;
    CHECK(pool_open(&p, 3));
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int32_t bs = shapes[s][0] ? shapes[s][0] : 1, m = shapes[s][1], k = shapes[s][2],
                      n = shapes[s][3];
        const int batched = shapes[s][0] != 0;
        float* a = malloc((size_t)bs * m * k * sizeof(float));
        float* b = malloc((size_t)bs * k * n * sizeof(float));
        float* y[2] = {malloc((size_t)bs * m * n * sizeof(float)),
                       malloc((size_t)bs * m * n * sizeof(float))};
        fill(a, (int64_t)bs * m * k);
        fill(b, (int64_t)bs * k * n);
        const int32_t as[3] = {bs, m, k}, bsz[3] = {bs, k, n}, ys[3] = {bs, m, n};
        for (int pass = 0; pass < 2; pass++) {
            for (int64_t e = 0; e < (int64_t)bs * m * n; e++) y[pass][e] = NAN;
            const int o = batched ? 0 : 1, dim = batched ? 3 : 2;
            ember_tensor ta = th_tensor(EMBER_DTYPE_F32, a, dim, as + o);
            ember_tensor tb = th_tensor(EMBER_DTYPE_F32, b, dim, bsz + o);
            ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y[pass], dim, ys + o);
            ember_value v[4] = {th_tensor_value(&ta), th_tensor_value(&tb), th_tensor_value(&ty),
                                th_tensor_value(&ty)};
            CHECK(run_op(pass ? p.pool : NULL, batched ? "aten::bmm.out" : "aten::mm.out", v, 4) ==
                  EMBER_OK);
        }
        const int same = memcmp(y[0], y[1], (size_t)bs * m * n * sizeof(float)) == 0;
        if (!same)
            fprintf(stderr, "%s B=%d M=%d K=%d N=%d: 3 threads differ from 1\n",
                    batched ? "bmm" : "mm", bs, m, k, n);
        CHECK(same);
        free(a), free(b), free(y[0]), free(y[1]);
    }
    pool_close(&p);
}

/* ember::sdpa.out's fast path split by (batch, head): grouped-query attention with a bool mask
 * broadcast over batch and heads, an additive (B, 1, L, S) mask, and causal without a mask; 1
 * thread against 3, byte for byte. */
static void test_sdpa_threads(void)
{
    enum { B = 2, HQ = 4, HKV = 2, L = 37, S = 70, E = 32 };
    static float q[B * HQ * L * E], k[B * HKV * S * E], v[B * HKV * S * E], madd[B * L * S];
    static float y[2][B * HQ * L * E];
    static uint8_t mbool[L * S];
    fill(q, B * HQ * L * E);
    fill(k, B * HKV * S * E);
    fill(v, B * HKV * S * E);
    fill(madd, B * L * S);
    for (int i = 0; i < L * S; i++) mbool[i] = (uint8_t)((i * 7 + i / S) % 5 != 0);
    const int32_t qs[4] = {B, HQ, L, E}, ks[4] = {B, HKV, S, E}, mbs[2] = {L, S},
                  mas[4] = {B, 1, L, S};
    test_pool p;
    CHECK(pool_open(&p, 3));
    for (int mode = 0; mode < 3; mode++) {
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < B * HQ * L * E; i++) y[pass][i] = NAN;
            ember_tensor tq = th_tensor(EMBER_DTYPE_F32, q, 4, qs);
            ember_tensor tk = th_tensor(EMBER_DTYPE_F32, k, 4, ks);
            ember_tensor tv = th_tensor(EMBER_DTYPE_F32, v, 4, ks);
            ember_tensor tmb = th_tensor(EMBER_DTYPE_BOOL, mbool, 2, mbs);
            ember_tensor tma = th_tensor(EMBER_DTYPE_F32, madd, 4, mas);
            ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y[pass], 4, qs);
            const ember_value mask = mode == 0   ? th_tensor_value(&tmb)
                                     : mode == 1 ? th_tensor_value(&tma)
                                                 : th_null();
            ember_value a[10] = {th_tensor_value(&tq), th_tensor_value(&tk), th_tensor_value(&tv),
                                 mask,                 th_double(0.0),       th_bool(mode == 2),
                                 th_null(),            th_bool(true),        th_tensor_value(&ty),
                                 th_tensor_value(&ty)};
            CHECK(run_op(pass ? p.pool : NULL, "ember::sdpa.out", a, 10) == EMBER_OK);
        }
        const int same = memcmp(y[0], y[1], sizeof y[0]) == 0;
        if (!same) fprintf(stderr, "sdpa mode %d: 3 threads differ from 1\n", mode);
        CHECK(same);
        int finite = 1;
        for (int i = 0; i < B * HQ * L * E; i++) finite &= isfinite(y[1][i]) != 0;
        CHECK(finite); /* every row has a key left: all written */
    }
    pool_close(&p);
}

static void test_unary_threads(void)
{
    static const char* const ops[] = {"aten::relu.out", "aten::exp.out", "aten::tanh.out",
                                      "aten::gelu.out"};
    static const int32_t sizes[] = {1000, 65535, 65536, 100003, 300000};
    test_pool p;
    CHECK(pool_open(&p, 3));
    const int32_t big = 300000;
    float* x = malloc((size_t)big * sizeof(float));
    float* want = malloc((size_t)big * sizeof(float));
    float* got = malloc((size_t)big * sizeof(float));
    fill(x, big);
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int in_place = 0; in_place < 2; in_place++) {
                const int32_t n = sizes[s];
                const int gelu = strcmp(ops[o], "aten::gelu.out") == 0;
                for (int pass = 0; pass < 2; pass++) {
                    float* y = pass ? got : want;
                    if (in_place) memcpy(y, x, (size_t)n * sizeof(float));
                    else
                        for (int32_t i = 0; i < n; i++) y[i] = NAN; /* every element written */
                    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, in_place ? y : x, 1, &n);
                    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 1, &n);
                    ember_value v[4] = {th_tensor_value(&tx), th_tensor_value(&ty),
                                        th_tensor_value(&ty), th_tensor_value(&ty)};
                    if (gelu) v[1] = (ember_value){.tag = EMBER_VALUE_STRING, .len = 4, .u.str = "none"};
                    CHECK(run_op(pass ? p.pool : NULL, ops[o], v, gelu ? 4 : 3) == EMBER_OK);
                }
                const int same = memcmp(got, want, (size_t)n * sizeof(float)) == 0;
                if (!same)
                    fprintf(stderr, "%s n=%d in_place=%d: 3 threads differ from 1\n", ops[o], n,
                            in_place);
                CHECK(same);
            }
    free(x), free(want), free(got);
    pool_close(&p);
}

int main(void)
{
    test_create_destroy();
    test_many_jobs();
    test_errors_and_nesting();
    test_shared_pool();
    test_linear_threads();
    test_sdpa_threads();
    test_unary_threads();
    test_mm_threads();
    return check_report("test_threadpool");
}
