/* op_matmul.c — matrix products, portable f32, and float16/bfloat16 (all operands of one half
 * dtype) through half_gemm__portable, which accumulates in float and rounds each output once:
 *   aten::mm.out      [self (M, K), mat2 (K, N), out (M, N), out]
 *   aten::bmm.out     [self (B, M, K), mat2 (B, K, N), out (B, M, N), out]
 *   aten::addmm.out   [self (broadcastable to (M, N)), mat1 (M, K), mat2 (K, N), beta, alpha,
 *                      out (M, N), out]
 *   aten::linear.out  [input (..., K), weight (N, K), bias (N) or Null, out (..., N), out]
 *   ember::grouped_mm.out (below: a mixture-of-experts layer's per-expert products)
 * f32 mm, bmm and addmm run the fp32 GEMM core, f32_gemm_nn (kernels/optimized/f32_gemm_nn.h),
 * in the variant f32_gemm_nn_pick chooses at prepare from ember_kernel_cpu_features() (the
 * portable reference under a zero mask); addmm's bias (beta = 1, self a row or column vector) and
 * beta = 0 go into its epilogue, any other alpha / beta into a pass over the output. f32 linear
 * runs the core too (its (N, K) weight packed per call as a transposed b) from a number of rows
 * that depends on the ISA (F32_RUNS below), and below that reads the weight in place through
 * f32_gemm_nt (kernels/optimized/f32_gemm_nt.h): AVX-512 or AVX2 tiles, else dot products. A
 * linear whose weight is a constant in the file asks for it packed at load (LINEAR_PACK below,
 * kernels/kernel.h) and, when the caller packed it, runs the core on that copy. Operands are
 * contiguous (prepare refuses other dim orders), so a transposed operand reaches these kernels
 * already copied by the op that transposed it. The loader lets an out be exactly the bytes of
 * an input (never a partial overlap): f32_product() then computes whole rows or columns into a
 * stack buffer before writing them. Half dtypes run half_gemm__portable (below). f32 linear and
 * addmm in a variant other than the portable one take a fused activation (a clamp the loader
 * asks for, kernels/kernel.h): in the core's epilogue, or a pass over each block of columns the
 * tile kernel just wrote (addmm's scaled form: a pass after it). */
#include "kernels/optimized/f32_gemm_nn.h"
#include "kernels/optimized/f32_gemm_nt.h"
#include "kernels/kernel_util.h"

/* ---- f32 through the GEMM core ------------------------------------------------------------ */

/* One f32 product: c (m, n) = scale(clamp(a (m, k) @ b + ep.bias, ep.lo, ep.hi)), b (k, n) or, with
 * bt, given as (n, k); all contiguous. scale (addmm's general form; off unless `scaled`):
 * v -> alpha * v + beta * self[i * rs + j * cs] (no self term when beta == 0). */
typedef struct f32_product {
    f32_gemm_nn_fn gemm;
    int bt;
    const float *a, *b;
    int64_t m, n, k;
    f32_gemm_epilogue ep;
    int scaled;
    float alpha, beta;
    const float* self;
    int64_t rs, cs;
} f32_product;

#define ALIAS_TMP_FLOATS 8192 /* 32 KiB of stack for an out that is exactly an input's bytes */

/* Rows i0..i0+mb, columns j0..j0+nb of the product into dst (leading dimension ld). */
static void product_block(const f32_product* p, float* dst, int64_t ld, int64_t i0, int64_t mb,
                          int64_t j0, int64_t nb)
{
    f32_gemm_epilogue ep = p->ep;
    if (ep.bias) ep.bias += ep.bias_per_row ? i0 : j0;
    const float* b = p->bt ? p->b + j0 * p->k : p->b + j0;
    p->gemm(dst, ld, p->a + i0 * p->k, p->k, b, p->bt ? p->k : p->n, mb, nb, p->k, &ep);
    if (!p->scaled) return;
    for (int64_t i = 0; i < mb; i++)
        for (int64_t j = 0; j < nb; j++) {
            float v = p->alpha * dst[i * ld + j];
            if (p->beta != 0.0f) v += p->beta * p->self[(i0 + i) * p->rs + (j0 + j) * p->cs];
            dst[i * ld + j] = v;
        }
}

/* Threads: a product of at least PAR_MIN_MACS multiply-adds is cut into one part per thread of
 * the pool: along its columns when b is given transposed (linear: each thread packs only its
 * slice of the weight) or when it has fewer than PAR_MIN_ROWS rows, else along its rows; cuts
 * fall on multiples of PAR_ALIGN (a multiple of every variant's tile: 32, 16, 12 columns; 12,
 * 6, 8 rows). A batch (bmm) of at least as many entries as threads is cut between entries
 * instead. Each output is the same sum in the same order whatever the cut (the cores block K
 * alike for every tile), so 1 and N threads give the same bytes (test_threadpool checks). */
#define PAR_MIN_MACS ((double)(1 << 20))
#define PAR_MIN_ROWS 96
#define PAR_ALIGN 96
_Static_assert(PAR_ALIGN % F32_GEMM_NN_NR_AVX512 == 0 && PAR_ALIGN % F32_GEMM_NN_NR_AVX2 == 0 &&
                   PAR_ALIGN % F32_GEMM_NN_NR_NEON == 0,
               "a thread's columns of a packed weight start on a strip");

typedef struct product_job {
    const f32_product* p;
    float* c;
    int64_t batch, sa, sb, sc; /* entries and their strides in a, b and c (floats) */
    int64_t parts;             /* parts per entry: 1, or the threads when cut inside */
    int by_cols;
} product_job;

/* [begin * len / parts, end * len / parts) rounded to multiples of PAR_ALIGN, clipped. */
static int64_t part_edge(int64_t len, int64_t part, int64_t parts)
{
    const int64_t units = (len + PAR_ALIGN - 1) / PAR_ALIGN;
    const int64_t e = units * part / parts * PAR_ALIGN;
    return e < len ? e : len;
}

static ember_status product_tasks(void* arg, size_t begin, size_t end)
{
    const product_job* j = arg;
    for (size_t t = begin; t < end; t++) {
        const int64_t e = (int64_t)t / j->parts, part = (int64_t)t % j->parts;
        f32_product q = *j->p;
        q.a += e * j->sa;
        q.b += e * j->sb;
        float* c = j->c + e * j->sc;
        const int64_t len = j->by_cols ? q.n : q.m;
        const int64_t lo = part_edge(len, part, j->parts), hi = part_edge(len, part + 1, j->parts);
        if (hi <= lo) continue;
        if (j->by_cols)
            product_block(&q, c + lo, q.n, 0, q.m, lo, hi - lo);
        else
            product_block(&q, c + lo * q.n, q.n, lo, hi - lo, 0, q.n);
    }
    return EMBER_OK;
}

/* `batch` products p, entry e at a + e * sa, b + e * sb, c + e * sc, none aliased, over the
 * pool. */
static ember_status product_par(ember_kernel_ctx* ctx, const f32_product* p, float* c,
                                int64_t batch, int64_t sa, int64_t sb, int64_t sc)
{
    const double macs = (double)batch * (double)p->m * (double)p->n * (double)p->k;
    const int64_t threads = macs >= PAR_MIN_MACS ? (int64_t)ember_threadpool_threads(ctx->pool) : 1;
    product_job job = {p, c, batch, sa, sb, sc, 1, p->bt || p->m < PAR_MIN_ROWS};
    if (threads > 1 && batch < threads) job.parts = threads;
    return ember_parallel_for(threads > 1 ? ctx->pool : NULL, (size_t)(batch * job.parts),
                              product_tasks, &job);
}

/* Runs p into c. When c is exactly a (or the bias, or self: read element by element), each
 * output row depends on the same row of those only: blocks of whole rows are computed into a
 * stack buffer, then copied. When c is exactly b (k == m), each column block depends on the
 * same columns of b only: blocks of whole columns, likewise. c both a and b (or b given
 * transposed, whose rows are c's columns) has no such order: refused. */
static ember_status f32_product_run(ember_kernel_ctx* ctx, const f32_product* p, float* c)
{
    const int64_t m = p->m, n = p->n;
    const bool on_a = c == p->a, on_b = c == p->b;
    const bool on_elem = (p->ep.bias && c == p->ep.bias) || (p->scaled && c == p->self);
    if (!on_a && !on_b && !on_elem) return product_par(ctx, p, c, 1, 0, 0, 0);
    float tmp[ALIAS_TMP_FLOATS];
    if (on_b && !on_a && !p->bt && m <= ALIAS_TMP_FLOATS) {
        const int64_t cols = ALIAS_TMP_FLOATS / m;
        for (int64_t j0 = 0; j0 < n; j0 += cols) {
            const int64_t nb = n - j0 < cols ? n - j0 : cols;
            product_block(p, tmp, nb, 0, m, j0, nb);
            for (int64_t i = 0; i < m; i++) memcpy(c + i * n + j0, tmp + i * nb, sizeof(float) * (size_t)nb);
        }
        return EMBER_OK;
    }
    if (!on_b && n <= ALIAS_TMP_FLOATS) {
        const int64_t rows = ALIAS_TMP_FLOATS / n;
        for (int64_t i0 = 0; i0 < m; i0 += rows) {
            const int64_t mb = m - i0 < rows ? m - i0 : rows;
            product_block(p, tmp, n, i0, mb, 0, n);
            memcpy(c + i0 * n, tmp, sizeof(float) * (size_t)(mb * n));
        }
        return EMBER_OK;
    }
    return ember_kernel_fail(ctx, EMBER_NOT_SUPPORTED,
                             "out is the same memory as %s (%lld x %lld): no bounded order "
                             "computes that in place",
                             on_a && on_b ? "both operands" : on_b ? "the right operand" : "an input",
                             (long long)m, (long long)n);
}

/* The run functions of one ISA: the f32 GEMM core `nn`, its transposed-b twin `bt`, linear's
 * in-place kernel `nt` and the core on a weight packed at load `bp` (NULL: the ISA packs none);
 * linear runs `bp` when its weight was packed, else `bt` from `core_rows` rows of input on (and
 * for an aliased out), `nt` below. Prepare picks the set once. */
#define F32_RUNS(isa, nn, bt, nt, core_rows, bp)                                                \
    static ember_status run_mm_f32_##isa(ember_kernel_ctx* ctx, ember_value* const* args)    \
    {                                                                                           \
        return run_mm_f32(ctx, args, nn);                                                       \
    }                                                                                           \
    static ember_status run_bmm_f32_##isa(ember_kernel_ctx* ctx, ember_value* const* args)   \
    {                                                                                           \
        return run_bmm_f32(ctx, args, nn);                                                      \
    }                                                                                           \
    static ember_status run_addmm_f32_##isa(ember_kernel_ctx* ctx, ember_value* const* args) \
    {                                                                                           \
        return run_addmm_f32(ctx, args, nn);                                                    \
    }                                                                                           \
    static ember_status run_linear_f32_##isa(ember_kernel_ctx* ctx, ember_value* const* args) \
    {                                                                                           \
        return run_linear_f32(ctx, args, bt, nt, core_rows, bp);                                \
    }

typedef struct f32_runs {
    ember_kernel_run_fn mm, bmm, addmm, linear;
} f32_runs;

static f32_runs pick_f32(void); /* below the run functions */

/* True when pick_f32 gives the portable kernels (the oracle, which fuses no activation). */
static bool f32_portable(void)
{
    return f32_gemm_nn_pick(ember_kernel_cpu_features()) == f32_gemm_nn__portable;
}

typedef void (*f32_gemm_nt_fn)(float* restrict c, int64_t ldc, const float* restrict a,
                               const float* restrict w, const float* restrict bias, int64_t m,
                               int64_t k, int64_t n);

#define DOT_LANES 8

/* sum over p < k of a[p] * w[p], in DOT_LANES independent partial sums the compiler can keep in
 * one vector register (no reassociation needed), then the tail. */
static inline float f32_dot__portable(const float* restrict a, const float* restrict w, int64_t k)
{
    float acc[DOT_LANES] = {0};
    int64_t p = 0;
    for (; p + DOT_LANES <= k; p += DOT_LANES)
        for (int l = 0; l < DOT_LANES; l++) acc[l] += a[p + l] * w[p + l];
    float s = 0.0f;
    for (int l = 0; l < DOT_LANES; l++) s += acc[l];
    for (; p < k; p++) s += a[p] * w[p];
    return s;
}

/* c: (M, N) = a: (M, K) @ w: (N, K)^T + bias: (N) or NULL. Weight rows are the outer loop, so
 * each is read from memory once and reused from cache for every row of a (a large weight,
 * e.g. a language model's output projection, is streamed exactly once). The reference for the
 * optimized variants in f32_gemm_nt.h, hence not static. */
void f32_gemm_nt__portable(float* restrict c, int64_t ldc, const float* restrict a,
                                  const float* restrict w, const float* restrict bias,
                                  int64_t m, int64_t k, int64_t n)
{
    for (int64_t j = 0; j < n; j++) {
        const float* restrict wj = w + j * k;
        const float b = bias ? bias[j] : 0.0f;
        for (int64_t i = 0; i < m; i++) c[i * ldc + j] = f32_dot__portable(a + i * k, wj, k) + b;
    }
}

/* ---- float16 / bfloat16 ------------------------------------------------------------------ */

#define HALF_BLOCK 64

/* c: (M, N) = alpha * (a: (M, K) @ b) + beta * self, where b's element (p, j) is at
 * b[p * bk + j * bn] ((K, N) row-major: bk = N, bn = 1; an (N, K) weight: bk = 1, bn = K) and
 * self's element (i, j) at self[i * rs + j * cs] (NULL or beta == 0: no self term). Every
 * operand is of the half dtype `dt`; sums run in float over HALF_BLOCK output columns at a time,
 * on the stack. */
static void half_gemm__portable(uint16_t* restrict c, const uint16_t* restrict a,
                                const uint16_t* restrict b, int dt, int64_t m, int64_t k,
                                int64_t n, int64_t bk, int64_t bn, float alpha,
                                const uint16_t* restrict self, float beta, int64_t rs, int64_t cs)
{
    float acc[HALF_BLOCK];
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j0 = 0; j0 < n; j0 += HALF_BLOCK) {
            const int64_t nb = n - j0 < HALF_BLOCK ? n - j0 : HALF_BLOCK;
            for (int64_t j = 0; j < nb; j++) acc[j] = 0.0f;
            for (int64_t p = 0; p < k; p++) {
                const float av = ember_load_f32(a, dt, i * k + p);
                const uint16_t* bp = b + p * bk + j0 * bn;
                for (int64_t j = 0; j < nb; j++) acc[j] += av * ember_load_f32(bp, dt, j * bn);
            }
            for (int64_t j = 0; j < nb; j++) {
                float v = alpha * acc[j];
                if (self && beta != 0.0f) v += beta * ember_load_f32(self, dt, i * rs + (j0 + j) * cs);
                ember_store_f32(c, dt, i * n + j0 + j, v);
            }
        }
    }
}

/* The float tensors args[idx[i]], all float32 or all of one half dtype; the last one is the out
 * (declared as written). */
static ember_status prepare_float_tensors(ember_kernel_ctx* ctx, ember_value* const* args,
                                        const int* idx, const char* const* names, int count,
                                        ember_tensor** ts)
{
    for (int i = 0; i < count; i++) {
        if (i == count - 1)
            EMBER_TRY(ember_arg_out(ctx, args, (size_t)idx[i], names[i], EMBER_DTYPES_F32_HALF,
                                    &ts[i]));
        else
            EMBER_TRY(ember_arg_tensor(ctx, args, (size_t)idx[i], names[i],
                                       EMBER_DTYPES_F32_HALF, &ts[i]));
        if (i) EMBER_TRY(ember_check_same_dtype(ctx, names[i], ts[i], ts[0]));
    }
    return EMBER_OK;
}

/* ---- mm, bmm ----------------------------------------------------------------------------- */

static const f32_gemm_epilogue no_epilogue = {NULL, 0, -INFINITY, INFINITY};

static ember_status run_mm_f32(ember_kernel_ctx* ctx, ember_value* const* args, f32_gemm_nn_fn nn)
{
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    const f32_product p = {nn, 0, (const float*)a->data, (const float*)b->data, a->sizes[0],
                           b->sizes[1], a->sizes[1], no_epilogue, 0, 1.0f, 0.0f, NULL, 0, 0};
    return f32_product_run(ctx, &p, (float*)args[2]->u.t->data);
}

static ember_status run_bmm_f32(ember_kernel_ctx* ctx, ember_value* const* args, f32_gemm_nn_fn nn)
{
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    const int64_t bs = a->sizes[0], m = a->sizes[1], k = a->sizes[2], n = b->sizes[2];
    float* c = (float*)args[2]->u.t->data;
    const f32_product whole = {nn, 0, (const float*)a->data, (const float*)b->data, m, n, k,
                               no_epilogue, 0, 1.0f, 0.0f, NULL, 0, 0};
    if (c != whole.a && c != whole.b) return product_par(ctx, &whole, c, bs, m * k, k * n, m * n);
    for (int64_t i = 0; i < bs; i++) {
        const f32_product p = {nn, 0, (const float*)a->data + i * m * k,
                               (const float*)b->data + i * k * n, m, n, k, no_epilogue, 0, 1.0f,
                               0.0f, NULL, 0, 0};
        EMBER_TRY(f32_product_run(ctx, &p, c + i * m * n));
    }
    return EMBER_OK;
}

static ember_status run_bmm_half(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    const bool batched = a->dim == 3;
    const int64_t bs = batched ? a->sizes[0] : 1, o = batched ? 1 : 0;
    const int64_t m = a->sizes[o], k = a->sizes[o + 1], n = b->sizes[o + 1];
    uint16_t* c = (uint16_t*)args[2]->u.t->data;
    for (int64_t i = 0; i < bs; i++)
        half_gemm__portable(c + i * m * n, (const uint16_t*)a->data + i * m * k,
                            (const uint16_t*)b->data + i * k * n, a->dtype, m, k, n, n, 1, 1.0f,
                            NULL, 0.0f, 0, 0);
    return EMBER_OK;
}

/* mm (batched = false) or bmm (true): [self, mat2, out, out]. */
static ember_status prepare_mm(ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args,
                               bool batched)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 4);
    static const int idx[3] = {0, 1, 2};
    static const char* const names[3] = {"self", "mat2", "out"};
    ember_tensor* t[3];
    EMBER_TRY(prepare_float_tensors(ctx, args, idx, names, 3, t));
    const int r = batched ? 3 : 2, o = batched ? 1 : 0;
    EMBER_REQUIRE(ctx, t[0]->dim == r && t[1]->dim == r, EMBER_SHAPE_MISMATCH,
                  "expected rank-%d operands, got ranks %d and %d", r, t[0]->dim, t[1]->dim);
    EMBER_REQUIRE(ctx, t[0]->sizes[o + 1] == t[1]->sizes[o], EMBER_SHAPE_MISMATCH,
                  "inner dims differ: %d vs %d", (int)t[0]->sizes[o + 1], (int)t[1]->sizes[o]);
    if (batched)
        EMBER_REQUIRE(ctx, t[0]->sizes[0] == t[1]->sizes[0], EMBER_SHAPE_MISMATCH,
                      "batch sizes differ: %d vs %d", (int)t[0]->sizes[0], (int)t[1]->sizes[0]);
    int64_t want[3] = {t[0]->sizes[0], t[0]->sizes[o], t[1]->sizes[o + 1]};
    if (!batched) want[1] = t[1]->sizes[1];
    return ember_check_shape(ctx, "out", t[2], r, want);
}

ember_status ember_prepare_aten_mm_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                       size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_mm(ctx, args, num_args, false));
    *run = args[0]->u.t->dtype == EMBER_DTYPE_F32 ? pick_f32().mm : run_bmm_half;
    return EMBER_OK;
}

ember_status ember_prepare_aten_bmm_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                        size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_mm(ctx, args, num_args, true));
    *run = args[0]->u.t->dtype == EMBER_DTYPE_F32 ? pick_f32().bmm : run_bmm_half;
    return EMBER_OK;
}

/* ---- addmm ------------------------------------------------------------------------------- */

/* Element strides (row, column) that broadcast `self` (rank <= 2) over an (M, N) output. */
static void addmm_self_strides(const ember_tensor* s, int64_t* rs, int64_t* cs)
{
    if (s->dim == 2) {
        *rs = s->sizes[0] == 1 ? 0 : s->sizes[1];
        *cs = s->sizes[1] == 1 ? 0 : 1;
    } else {
        *rs = 0;
        *cs = (s->dim == 1 && s->sizes[0] != 1) ? 1 : 0;
    }
}

/* addmm f32: alpha = 1 with beta = 0 (self ignored) or beta = 1 and self a row vector (N) or
 * (1, N) (bias per column) or a column (M, 1) (bias per row) is one call with its epilogue; any
 * other alpha, beta, self take the scaled form. */
static ember_status run_addmm_f32(ember_kernel_ctx* ctx, ember_value* const* args,
                                  f32_gemm_nn_fn nn)
{
    const ember_tensor* s = args[0]->u.t;
    const ember_tensor* a = args[1]->u.t;
    const ember_tensor* b = args[2]->u.t;
    const int64_t m = a->sizes[0], k = a->sizes[1], n = b->sizes[1];
    double beta_d = 1.0, alpha_d = 1.0;
    ember_scalar_as_double(args[3], &beta_d);
    ember_scalar_as_double(args[4], &alpha_d);
    const float beta = (float)beta_d, alpha = (float)alpha_d;
    int64_t rs, cs;
    addmm_self_strides(s, &rs, &cs);
    const float* sv = (const float*)s->data;
    f32_product p = {nn, 0, (const float*)a->data, (const float*)b->data, m, n, k, no_epilogue,
                     0, alpha, beta, sv, rs, cs};
    float lo, hi; /* a fused activation: in the epilogue, or after the scaled form's pass */
    ember_kernel_clamp_get(ctx, &lo, &hi);
    if (alpha == 1.0f && beta == 0.0f) {
        /* the plain product */
    } else if (alpha == 1.0f && beta == 1.0f && rs == 0 && cs == 1) {
        p.ep.bias = sv, p.ep.bias_per_row = 0;
    } else if (alpha == 1.0f && beta == 1.0f && rs == 1 && cs == 0) {
        p.ep.bias = sv, p.ep.bias_per_row = 1;
    } else {
        p.scaled = 1;
    }
    float* c = (float*)args[5]->u.t->data;
    if (!p.scaled) p.ep.lo = lo, p.ep.hi = hi;
    EMBER_TRY(f32_product_run(ctx, &p, c));
    if (p.scaled && (lo > -INFINITY || hi < INFINITY))
        for (int64_t i = 0; i < m * n; i++) c[i] = c[i] < lo ? lo : (c[i] > hi ? hi : c[i]);
    return EMBER_OK;
}

static ember_status run_addmm_half(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* s = args[0]->u.t;
    const ember_tensor* a = args[1]->u.t;
    const ember_tensor* b = args[2]->u.t;
    const int64_t m = a->sizes[0], k = a->sizes[1], n = b->sizes[1];
    double beta = 1.0, alpha = 1.0;
    ember_scalar_as_double(args[3], &beta);
    ember_scalar_as_double(args[4], &alpha);
    int64_t rs, cs;
    addmm_self_strides(s, &rs, &cs);
    half_gemm__portable((uint16_t*)args[5]->u.t->data, (const uint16_t*)a->data,
                        (const uint16_t*)b->data, a->dtype, m, k, n, n, 1, (float)alpha,
                        (const uint16_t*)s->data, (float)beta, rs, cs);
    return EMBER_OK;
}

ember_status ember_prepare_aten_addmm_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 7);
    static const int idx[4] = {0, 1, 2, 5};
    static const char* const names[4] = {"self", "mat1", "mat2", "out"};
    ember_tensor* t[4];
    EMBER_TRY(prepare_float_tensors(ctx, args, idx, names, 4, t));
    double d;
    EMBER_TRY(ember_arg_double(ctx, args, 3, "beta", &d));
    EMBER_TRY(ember_arg_double(ctx, args, 4, "alpha", &d));
    EMBER_REQUIRE(ctx, t[1]->dim == 2 && t[2]->dim == 2, EMBER_SHAPE_MISMATCH,
                  "mat1 and mat2 must be matrices, got ranks %d and %d", t[1]->dim, t[2]->dim);
    EMBER_REQUIRE(ctx, t[1]->sizes[1] == t[2]->sizes[0], EMBER_SHAPE_MISMATCH,
                  "inner dims differ: %d vs %d", (int)t[1]->sizes[1], (int)t[2]->sizes[0]);
    const int64_t m = t[1]->sizes[0], n = t[2]->sizes[1];
    const ember_tensor* s = t[0];
    bool ok = s->dim <= 2;
    if (s->dim >= 1) ok = ok && (s->sizes[s->dim - 1] == n || s->sizes[s->dim - 1] == 1);
    if (s->dim == 2) ok = ok && (s->sizes[0] == m || s->sizes[0] == 1);
    EMBER_REQUIRE(ctx, ok, EMBER_SHAPE_MISMATCH,
                  "self (rank %d) does not broadcast to (%lld, %lld)", s->dim, (long long)m,
                  (long long)n);
    const int64_t want[2] = {m, n};
    EMBER_TRY(ember_check_shape(ctx, "out", t[3], 2, want));
    *run = t[0]->dtype == EMBER_DTYPE_F32 ? pick_f32().addmm : run_addmm_half;
    if (t[0]->dtype == EMBER_DTYPE_F32 && !f32_portable()) ember_kernel_accept_clamp(ctx);
    return EMBER_OK;
}

/* ---- linear ------------------------------------------------------------------------------ */

/* linear's in-place path splits output columns over threads: a task is LINEAR_COLS columns (a
 * multiple of every nt variant's tile width, 3 and 4), a thread a contiguous run of tasks in one
 * call, i.e. rows j0..j1 of w and columns j0..j1 of out. Each output is computed by the same
 * instructions whatever the cut (every variant sums a column on its own), so 1 and N threads
 * agree bit for bit. Products under LINEAR_MIN_MACS multiply-adds run on one thread. */
#define LINEAR_COLS 12
#define LINEAR_MIN_MACS ((double)(1 << 20))

typedef struct linear_job {
    f32_gemm_nt_fn gemm;
    float* c;          /* (M, N) */
    const float* a;    /* (M, K) */
    const float* w;    /* (N, K) */
    const float* bias; /* (N) or NULL */
    int64_t m, k, n;
    float lo, hi;      /* a fused activation's clamp, or -inf, inf */
} linear_job;

static ember_status linear_cols(void* arg, size_t begin, size_t end)
{
    const linear_job* j = arg;
    const int64_t j0 = (int64_t)begin * LINEAR_COLS;
    const int64_t j1 = (int64_t)end * LINEAR_COLS < j->n ? (int64_t)end * LINEAR_COLS : j->n;
    j->gemm(j->c + j0, j->n, j->a, j->w + j0 * j->k, j->bias ? j->bias + j0 : NULL, j->m, j->k,
            j1 - j0);
    if (j->lo > -INFINITY || j->hi < INFINITY) /* the clamp, on the columns still in cache */
        for (int64_t i = 0; i < j->m; i++)
            for (float *c = j->c + i * j->n + j0, *e = j->c + i * j->n + j1; c < e; c++)
                *c = *c < j->lo ? j->lo : (*c > j->hi ? j->hi : *c);
    return EMBER_OK;
}

/* linear f32: with the weight packed at load (ctx->packed, below), f32_product_run with `bp`
 * (the core reading the packed strips); otherwise `nt` reads the weight in place, for fewer than
 * core_rows rows, and from core_rows on, or when the out is exactly the input's bytes (N == K),
 * f32_product_run with `bt` (the core, the weight a transposed b, packed per call). */
static ember_status run_linear_f32(ember_kernel_ctx* ctx, ember_value* const* args,
                                   f32_gemm_nn_fn bt, f32_gemm_nt_fn nt, int64_t core_rows,
                                   f32_gemm_nn_fn bp)
{
    const ember_tensor* x = args[0]->u.t;
    const ember_tensor* w = args[1]->u.t;
    const int64_t n = w->sizes[0], k = w->sizes[1];
    /* k == 0: out is all bias; M is then the product of input's leading sizes */
    const int64_t m = k ? x->numel / k : args[3]->u.t->numel / (n ? n : 1);
    const float* bias = ember_is_null(args[2]) ? NULL : (const float*)args[2]->u.t->data;
    float* c = (float*)args[3]->u.t->data;
    float lo, hi;
    ember_kernel_clamp_get(ctx, &lo, &hi);
    if (ctx->packed) { /* prepare asked only for M, N, K > 0; threads cut at multiples of NR */
        const f32_product p = {bp, 1, (const float*)x->data, (const float*)ctx->packed, m, n, k,
                               {bias, 0, lo, hi}, 0, 1.0f, 0.0f, NULL, 0, 0};
        return f32_product_run(ctx, &p, c);
    }
    if ((m < core_rows && c != (const float*)x->data) || m == 0 || n == 0) {
        linear_job job = {nt, c, (const float*)x->data, (const float*)w->data, bias, m, k, n, lo, hi};
        const bool big = (double)m * (double)n * (double)k >= LINEAR_MIN_MACS;
        return ember_parallel_for(big ? ctx->pool : NULL,
                                  (size_t)((n + LINEAR_COLS - 1) / LINEAR_COLS), linear_cols, &job);
    }
    const f32_product p = {bt, 1, (const float*)x->data, (const float*)w->data, m, n, k,
                           {bias, 0, lo, hi}, 0, 1.0f, 0.0f, NULL, 0, 0};
    return f32_product_run(ctx, &p, c);
}

/* core_rows, measured on Zen 4 (docs/runtime.md, "Optimized kernels"): below 64 rows packing the
 * weight costs more than the AVX-512 core gains over the tile kernel; the AVX2 core stayed
 * about 10% behind its tile kernel at every size; NEON has no tile kernel. */
F32_RUNS(portable, f32_gemm_nn__portable, f32_gemm_nn_bt__portable, f32_gemm_nt__portable,
         INT64_MAX, NULL)
#if EMBER_HAVE_X86_KERNELS
F32_RUNS(avx2, f32_gemm_nn__avx2, f32_gemm_nn_bt__avx2, f32_gemm_nt__avx2, INT64_MAX, NULL)
F32_RUNS(avx512, f32_gemm_nn__avx512, f32_gemm_nn_bt__avx512, f32_gemm_nt__avx512, 64,
         f32_gemm_nn_bp__avx512)
#endif
#if defined(__aarch64__)
F32_RUNS(neon, f32_gemm_nn__neon, f32_gemm_nn_bt__neon, f32_gemm_nt__portable, 8,
         f32_gemm_nn_bp__neon)
#endif

/* Weights packed at load (kernels/kernel.h): a linear whose weight is a constant asks for it in
 * the layout its ISA's core reads (f32_gemm_nn.h, f32_gemm_pack_b: strips of K x NR floats, the
 * weight's size with N rounded up to NR) when it has at least packed_rows rows of input, where
 * the core on the packed weight beats the path run would take unpacked (measured on Zen 4,
 * docs/runtime.md "Optimized kernels"): on AVX-512 from 64 rows, as the unpacked core (below,
 * its 12-row tiles trail the tile kernel, at par from 32); on NEON wherever the core runs. AVX2
 * asks for none: through the op its packed core did not beat its tile kernel (behind on the
 * square 768 x 768 layers at every row count), although f32_gemm_nn_bp__avx2 exists and is
 * tested. The pack and the run's `bp` are of the same ISA by construction (one macro per ISA).
 * From core_rows rows on the packed and unpacked outputs are the same bytes (the same core). */
#define LINEAR_PACK(isa, pack_b, nr, packed_rows)                                                \
    static ember_status pack_linear_##isa(ember_kernel_ctx* ctx, ember_value* const* args,      \
                                          void* dst)                                            \
    {                                                                                           \
        const ember_tensor* w = args[1]->u.t;                                                   \
        if (w->storage != EMBER_TENSOR_CONSTANT || w->dtype != EMBER_DTYPE_F32 || w->dim != 2) \
            return ember_kernel_fail(ctx, EMBER_INTERNAL, "weight cannot be packed");           \
        pack_b((float*)dst, (const float*)w->data, w->sizes[0], w->sizes[1]);                  \
        return EMBER_OK;                                                                        \
    }                                                                                           \
    static void want_pack_##isa(ember_kernel_ctx* ctx, const ember_tensor* x,                   \
                                const ember_tensor* w)                                          \
    {                                                                                           \
        const int64_t k = w->sizes[1];                                                          \
        if (w->storage != EMBER_TENSOR_CONSTANT || k <= 0 || x->numel / k < (packed_rows))      \
            return;                                                                             \
        ctx->pack_bytes = f32_gemm_packed_b_bytes(w->sizes[0], k, nr); /* 0: nothing asked */  \
        ctx->pack = pack_linear_##isa;                                                          \
        ctx->pack_static = true; /* the weight's strips, whatever x's rows */                  \
    }
#if EMBER_HAVE_X86_KERNELS
LINEAR_PACK(avx512, f32_gemm_pack_b__avx512, F32_GEMM_NN_NR_AVX512, 64)
#endif
#if defined(__aarch64__)
LINEAR_PACK(neon, f32_gemm_pack_b__neon, F32_GEMM_NN_NR_NEON, 8)
#endif

/* The f32 run functions of the variant f32_gemm_nn_pick chooses for this CPU's features (the
 * one decision, made at prepare; a zero mask gives the portable kernels). */
static f32_runs pick_f32(void)
{
    const f32_gemm_nn_fn nn = f32_gemm_nn_pick(ember_kernel_cpu_features());
#define RUNS(isa) \
    (f32_runs) { run_mm_f32_##isa, run_bmm_f32_##isa, run_addmm_f32_##isa, run_linear_f32_##isa }
#if EMBER_HAVE_X86_KERNELS
    if (nn == f32_gemm_nn__avx512) return RUNS(avx512);
    if (nn == f32_gemm_nn__avx2) return RUNS(avx2);
#endif
#if defined(__aarch64__)
    if (nn == f32_gemm_nn__neon) return RUNS(neon);
#endif
    (void)nn; /* no variant here (bare metal, 32-bit Arm) */
    return RUNS(portable);
#undef RUNS
}

static ember_status run_linear_half(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* x = args[0]->u.t;
    const ember_tensor* w = args[1]->u.t;
    const int64_t n = w->sizes[0], k = w->sizes[1];
    const int64_t m = k ? x->numel / k : 0;
    const uint16_t* bias = ember_is_null(args[2]) ? NULL : (const uint16_t*)args[2]->u.t->data;
    half_gemm__portable((uint16_t*)args[3]->u.t->data, (const uint16_t*)x->data,
                        (const uint16_t*)w->data, x->dtype, m, k, n, 1, k, 1.0f, bias, 1.0f, 0,
                        1);
    return EMBER_OK;
}

ember_status ember_prepare_aten_linear_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                           size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    static const int idx[3] = {0, 1, 3};
    static const char* const names[3] = {"input", "weight", "out"};
    ember_tensor* t[3];
    EMBER_TRY(prepare_float_tensors(ctx, args, idx, names, 3, t));
    ember_tensor* bias;
    EMBER_TRY(ember_arg_opt_tensor(ctx, args, 2, "bias", EMBER_DTYPES_F32_HALF, &bias));
    const ember_tensor *x = t[0], *w = t[1];
    EMBER_REQUIRE(ctx, x->dim >= 1 && w->dim == 2, EMBER_SHAPE_MISMATCH,
                  "expected input (..., K) and weight (N, K), got ranks %d and %d", x->dim,
                  w->dim);
    EMBER_REQUIRE(ctx, x->sizes[x->dim - 1] == w->sizes[1], EMBER_SHAPE_MISMATCH,
                  "input has %d features, weight expects %d", (int)x->sizes[x->dim - 1],
                  (int)w->sizes[1]);
    if (bias) {
        EMBER_TRY(ember_check_dtype(ctx, "bias", bias, x->dtype));
        EMBER_REQUIRE(ctx, bias->numel == w->sizes[0] && bias->dim <= 1, EMBER_SHAPE_MISMATCH,
                      "bias has %lld elements, expected %d", (long long)bias->numel,
                      (int)w->sizes[0]);
    }
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(x, want);
    want[x->dim - 1] = w->sizes[0];
    EMBER_TRY(ember_check_shape(ctx, "out", t[2], x->dim, want));
    *run = x->dtype == EMBER_DTYPE_F32 ? pick_f32().linear : run_linear_half;
    if (x->dtype == EMBER_DTYPE_F32 && !f32_portable()) ember_kernel_accept_clamp(ctx);
#if EMBER_HAVE_X86_KERNELS
    if (*run == run_linear_f32_avx512) want_pack_avx512(ctx, x, w);
#endif
#if defined(__aarch64__)
    if (*run == run_linear_f32_neon) want_pack_neon(ctx, x, w);
#endif
    return EMBER_OK;
}

/* ---- ember::grouped_mm.out ----------------------------------------------------------------
 * The matmul of a mixture-of-experts layer whose tokens are sorted by expert: rows start..end-1
 * of `input` multiply expert i's weight, where end = offs[i] and start is the previous offset
 * (0 for expert 0); rows past the last offset are zero. It is what transformers'
 * `transformers::grouped_mm_fallback` computes (Mixtral, Qwen-MoE, ... with the default experts
 * implementation); the exporter maps that custom op here, since torch has no out variant of it.
 *   [input (S, K), weight (E, K, N), offs (E,) int32/int64, out (S, N), out]
 * The offsets are data: run fails with EMBER_OUT_OF_RANGE unless 0 <= offs[0] <= offs[1] <= ...
 * <= S (out is then partly written). */
static ember_status run_grouped_mm(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* in = args[0]->u.t;
    const ember_tensor* w = args[1]->u.t;
    const ember_tensor* offs = args[2]->u.t;
    ember_tensor* out = args[3]->u.t;
    const int64_t s = in->sizes[0], k = in->sizes[1], n = w->sizes[2], e = w->sizes[0];
    const int dt = out->dtype;
    memset(out->data, 0, out->nbytes); /* rows past the last offset */
    int64_t start = 0;
    for (int64_t i = 0; i < e; i++) {
        const int64_t end = offs->dtype == EMBER_DTYPE_I32 ? ((const int32_t*)offs->data)[i]
                                                           : ((const int64_t*)offs->data)[i];
        if (end < start || end > s)
            return ember_kernel_fail(ctx, EMBER_OUT_OF_RANGE,
                                     "offs[%lld] = %lld: offsets must rise from 0 to at most %lld "
                                     "(the previous one is %lld)",
                                     (long long)i, (long long)end, (long long)s,
                                     (long long)start);
        const int64_t rows = end - start;
        if (rows > 0 && dt == EMBER_DTYPE_F32)
            f32_gemm_nn__portable((float*)out->data + start * n, n,
                                  (const float*)in->data + start * k, k,
                                  (const float*)w->data + i * k * n, n, rows, n, k, &no_epilogue);
        else if (rows > 0)
            half_gemm__portable((uint16_t*)out->data + start * n,
                                (const uint16_t*)in->data + start * k,
                                (const uint16_t*)w->data + i * k * n, dt, rows, k, n, n, 1, 1.0f,
                                NULL, 0.0f, 0, 0);
        start = end;
    }
    return EMBER_OK;
}

ember_status ember_prepare_ember_grouped_mm_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor *in, *w, *offs, *out;
    const ember_dtype_set offs_dtypes = EMBER_DTYPE_BIT(EMBER_DTYPE_I32) |
                                        EMBER_DTYPE_BIT(EMBER_DTYPE_I64);
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPES_F32_HALF, &in));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "weight", EMBER_DTYPES_F32_HALF, &w));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "offs", offs_dtypes, &offs));
    EMBER_TRY(ember_arg_out(ctx, args, 3, "out", EMBER_DTYPES_F32_HALF, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_same_dtype(ctx, "weight", w, in));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", out, in));
    EMBER_REQUIRE(ctx, in->dim == 2, EMBER_SHAPE_MISMATCH, "input has rank %d, expected 2",
                  in->dim);
    EMBER_REQUIRE(ctx, w->dim == 3, EMBER_SHAPE_MISMATCH, "weight has rank %d, expected 3",
                  w->dim);
    EMBER_REQUIRE(ctx, w->sizes[1] == in->sizes[1], EMBER_SHAPE_MISMATCH,
                  "weight's inner size %d differs from input's %d", (int)w->sizes[1],
                  (int)in->sizes[1]);
    const int64_t want_offs[1] = {w->sizes[0]};
    EMBER_TRY(ember_check_shape(ctx, "offs", offs, 1, want_offs));
    const int64_t want_out[2] = {in->sizes[0], w->sizes[2]};
    EMBER_TRY(ember_check_shape(ctx, "out", out, 2, want_out));
    *run = run_grouped_mm;
    return EMBER_OK;
}
