/* op_matmul.c — matrix products, portable f32, and float16/bfloat16 (all operands of one half
 * dtype) through half_gemm__portable, which accumulates in float and rounds each output once:
 *   aten::mm.out      [self (M, K), mat2 (K, N), out (M, N), out]
 *   aten::bmm.out     [self (B, M, K), mat2 (B, K, N), out (B, M, N), out]
 *   aten::addmm.out   [self (broadcastable to (M, N)), mat1 (M, K), mat2 (K, N), beta, alpha,
 *                      out (M, N), out]
 *   aten::linear.out  [input (..., K), weight (N, K), bias (N) or Null, out (..., N), out]
 *   ember::grouped_mm.out (below: a mixture-of-experts layer's per-expert products)
 * A (M, K) @ (K, N) product runs i-k-j (the inner loop is an axpy over a contiguous row of the
 * right matrix and of the output); linear's (N, K) weight is read row by row as dot products.
 * f32 linear runs an ISA-specific f32_gemm_nt (kernels/optimized/f32_gemm_nt.h) when
 * ember_kernel_cpu_features() allows one: AVX512F+VL+FMA, else AVX2 + FMA, else the portable kernel. */
#include "kernels/optimized/f32_gemm_nt.h"
#include "kernels/portable/util_nn.h"

/* c: (M, N) = a: (M, K) @ b: (K, N). */
static void f32_gemm__portable(float* restrict c, const float* restrict a,
                               const float* restrict b, int64_t m, int64_t k, int64_t n)
{
    for (int64_t i = 0; i < m; i++) {
        float* restrict ci = c + i * n;
        for (int64_t j = 0; j < n; j++) ci[j] = 0.0f;
        for (int64_t p = 0; p < k; p++) {
            const float av = a[i * k + p];
            const float* restrict bp = b + p * n;
            for (int64_t j = 0; j < n; j++) ci[j] += av * bp[j];
        }
    }
}

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
                const float av = nn_ld(a, dt, i * k + p);
                const uint16_t* bp = b + p * bk + j0 * bn;
                for (int64_t j = 0; j < nb; j++) acc[j] += av * nn_ld(bp, dt, j * bn);
            }
            for (int64_t j = 0; j < nb; j++) {
                float v = alpha * acc[j];
                if (self && beta != 0.0f) v += beta * nn_ld(self, dt, i * rs + (j0 + j) * cs);
                nn_st(c, dt, i * n + j0 + j, v);
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
        if (i == count - 1) NN_TRY(nn_get_out(ctx, args, (size_t)idx[i], &ts[i]));
        else NN_TRY(nn_get_tensor(ctx, args, (size_t)idx[i], &ts[i]));
        NN_TRY(nn_require_float(ctx, names[i], ts[i], i ? ts[0] : NULL));
    }
    return EMBER_OK;
}

/* ---- mm, bmm ----------------------------------------------------------------------------- */

/* Threads split mm and bmm into tasks of MM_ROWS output rows of one batch entry; each row is
 * computed alone, so any cut gives the same bytes. Under 2^20 multiply-adds: one thread. */
#define MM_ROWS 16
#define MM_MIN_MACS ((double)(1 << 20))

typedef struct mm_job {
    float* c;       /* (B, M, N) */
    const float* a; /* (B, M, K) */
    const float* b; /* (B, K, N) */
    int64_t m, k, n;
    int64_t blocks; /* row blocks per batch entry: ceil(M / MM_ROWS) */
} mm_job;

static ember_status mm_tasks(void* arg, size_t begin, size_t end)
{
    const mm_job* j = arg;
    for (size_t t = begin; t < end; t++) {
        const int64_t i = (int64_t)t / j->blocks, r0 = (int64_t)t % j->blocks * MM_ROWS;
        const int64_t rows = j->m - r0 < MM_ROWS ? j->m - r0 : MM_ROWS;
        f32_gemm__portable(j->c + (i * j->m + r0) * j->n, j->a + (i * j->m + r0) * j->k,
                           j->b + i * j->k * j->n, rows, j->k, j->n);
    }
    return EMBER_OK;
}

static ember_status mm_f32(ember_kernel_ctx* ctx, float* c, const float* a, const float* b,
                           int64_t bs, int64_t m, int64_t k, int64_t n)
{
    mm_job job = {c, a, b, m, k, n, (m + MM_ROWS - 1) / MM_ROWS};
    const bool big = (double)bs * (double)m * (double)k * (double)n >= MM_MIN_MACS;
    return ember_parallel_for(big ? ctx->pool : NULL, (size_t)(bs * job.blocks), mm_tasks, &job);
}

static ember_status run_mm_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    return mm_f32(ctx, (float*)args[2]->u.t->data, (const float*)a->data, (const float*)b->data,
                  1, a->sizes[0], a->sizes[1], b->sizes[1]);
}

static ember_status run_bmm_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* a = args[0]->u.t;
    const ember_tensor* b = args[1]->u.t;
    return mm_f32(ctx, (float*)args[2]->u.t->data, (const float*)a->data, (const float*)b->data,
                  a->sizes[0], a->sizes[1], a->sizes[2], b->sizes[2]);
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
    NN_TRY(prepare_float_tensors(ctx, args, idx, names, 3, t));
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
    return nn_check_shape(ctx, "out", t[2], r, want);
}

ember_status ember_prepare_aten_mm_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                       size_t num_args, ember_kernel_run_fn* run)
{
    NN_TRY(prepare_mm(ctx, args, num_args, false));
    *run = args[0]->u.t->dtype == EMBER_DTYPE_F32 ? run_mm_f32 : run_bmm_half;
    return EMBER_OK;
}

ember_status ember_prepare_aten_bmm_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                        size_t num_args, ember_kernel_run_fn* run)
{
    NN_TRY(prepare_mm(ctx, args, num_args, true));
    *run = args[0]->u.t->dtype == EMBER_DTYPE_F32 ? run_bmm_f32 : run_bmm_half;
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

static ember_status run_addmm_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* s = args[0]->u.t;
    const ember_tensor* a = args[1]->u.t;
    const ember_tensor* b = args[2]->u.t;
    const int64_t m = a->sizes[0], k = a->sizes[1], n = b->sizes[1];
    double beta_d = 1.0, alpha_d = 1.0;
    ember_scalar_as_double(args[3], &beta_d);
    ember_scalar_as_double(args[4], &alpha_d);
    const float beta = (float)beta_d, alpha = (float)alpha_d;
    float* c = (float*)args[5]->u.t->data;
    f32_gemm__portable(c, (const float*)a->data, (const float*)b->data, m, k, n);
    int64_t rs, cs;
    addmm_self_strides(s, &rs, &cs);
    const float* sv = (const float*)s->data;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float v = alpha * c[i * n + j];
            if (beta != 0.0f) v += beta * sv[i * rs + j * cs];
            c[i * n + j] = v;
        }
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
    NN_TRY(prepare_float_tensors(ctx, args, idx, names, 4, t));
    double d;
    NN_TRY(nn_get_double(ctx, args, 3, &d));
    NN_TRY(nn_get_double(ctx, args, 4, &d));
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
    NN_TRY(nn_check_shape(ctx, "out", t[3], 2, want));
    *run = t[0]->dtype == EMBER_DTYPE_F32 ? run_addmm_f32 : run_addmm_half;
    return EMBER_OK;
}

/* ---- linear ------------------------------------------------------------------------------ */

typedef void (*f32_gemm_nt_fn)(float* restrict c, int64_t ldc, const float* restrict a,
                               const float* restrict w, const float* restrict bias, int64_t m,
                               int64_t k, int64_t n);

/* Threads split linear's output columns: a task is LINEAR_COLS columns (a multiple of every
 * variant's tile width, 3 and 4), a thread a contiguous run of tasks, i.e. rows j0..j1 of w
 * and columns j0..j1 of out. Each output is computed by the same instructions whatever the cut
 * (every variant sums a column on its own), so 1 and N threads agree bit for bit. Products
 * under LINEAR_MIN_MACS multiply-adds run on one thread: a wake-up would cost more. */
#define LINEAR_COLS 12
#define LINEAR_MIN_MACS ((int64_t)1 << 20)

typedef struct linear_job {
    f32_gemm_nt_fn gemm;
    float* c;          /* (M, N) */
    const float* a;    /* (M, K) */
    const float* w;    /* (N, K) */
    const float* bias; /* (N) or NULL */
    int64_t m, k, n;
} linear_job;

static ember_status linear_cols(void* arg, size_t begin, size_t end)
{
    const linear_job* j = arg;
    const int64_t j0 = (int64_t)begin * LINEAR_COLS;
    const int64_t j1 = (int64_t)end * LINEAR_COLS < j->n ? (int64_t)end * LINEAR_COLS : j->n;
    j->gemm(j->c + j0, j->n, j->a, j->w + j0 * j->k, j->bias ? j->bias + j0 : NULL, j->m, j->k,
            j1 - j0);
    return EMBER_OK;
}

static void linear_f32(ember_kernel_ctx* ctx, ember_value* const* args, f32_gemm_nt_fn gemm)
{
    const ember_tensor* x = args[0]->u.t;
    const ember_tensor* w = args[1]->u.t;
    const int64_t n = w->sizes[0], k = w->sizes[1];
    /* k == 0: out is all bias; M is then the product of input's leading sizes */
    const int64_t m = k ? x->numel / k : args[3]->u.t->numel / (n ? n : 1);
    const float* bias = ember_is_null(args[2]) ? NULL : (const float*)args[2]->u.t->data;
    linear_job job = {gemm, (float*)args[3]->u.t->data, (const float*)x->data,
                      (const float*)w->data, bias, m, k, n};
    const size_t tasks = (size_t)((n + LINEAR_COLS - 1) / LINEAR_COLS);
    /* m * n * k fits: each is an int32 size or a product of them bounded by numel */
    const bool big = (double)m * (double)n * (double)k >= (double)LINEAR_MIN_MACS;
    ember_parallel_for(big ? ctx->pool : NULL, tasks, linear_cols, &job);
}

static ember_status run_linear_f32(ember_kernel_ctx* ctx, ember_value* const* args)
{
    linear_f32(ctx, args, f32_gemm_nt__portable);
    return EMBER_OK;
}

#if EMBER_HAVE_X86_KERNELS
static ember_status run_linear_f32_avx2(ember_kernel_ctx* ctx, ember_value* const* args)
{
    linear_f32(ctx, args, f32_gemm_nt__avx2);
    return EMBER_OK;
}

static ember_status run_linear_f32_avx512(ember_kernel_ctx* ctx, ember_value* const* args)
{
    linear_f32(ctx, args, f32_gemm_nt__avx512);
    return EMBER_OK;
}
#endif

/* The best f32 linear run function the CPU features allow. */
static ember_kernel_run_fn pick_linear_f32(void)
{
#if EMBER_HAVE_X86_KERNELS
    const uint64_t f = ember_kernel_cpu_features();
    /* The AVX-512 file is compiled for avx512f+avx512vl+fma: require all three (every AVX-512
     * core since Skylake-SP has them; Xeon Phi lacks VL). */
    const uint64_t avx512 = EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512VL) |
                            EMBER_CPU_BIT(EMBER_CPU_FMA);
    if ((f & avx512) == avx512) return run_linear_f32_avx512;
    const uint64_t avx2 = EMBER_CPU_BIT(EMBER_CPU_AVX2) | EMBER_CPU_BIT(EMBER_CPU_FMA);
    if ((f & avx2) == avx2) return run_linear_f32_avx2;
#endif
    return run_linear_f32;
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
    NN_TRY(prepare_float_tensors(ctx, args, idx, names, 3, t));
    ember_tensor* bias;
    NN_TRY(nn_get_opt_tensor(ctx, args, 2, &bias));
    const ember_tensor *x = t[0], *w = t[1];
    EMBER_REQUIRE(ctx, x->dim >= 1 && w->dim == 2, EMBER_SHAPE_MISMATCH,
                  "expected input (..., K) and weight (N, K), got ranks %d and %d", x->dim,
                  w->dim);
    EMBER_REQUIRE(ctx, x->sizes[x->dim - 1] == w->sizes[1], EMBER_SHAPE_MISMATCH,
                  "input has %d features, weight expects %d", (int)x->sizes[x->dim - 1],
                  (int)w->sizes[1]);
    if (bias) {
        NN_TRY(nn_require_dtype(ctx, "bias", bias, x->dtype));
        EMBER_REQUIRE(ctx, bias->numel == w->sizes[0] && bias->dim <= 1, EMBER_SHAPE_MISMATCH,
                      "bias has %lld elements, expected %d", (long long)bias->numel,
                      (int)w->sizes[0]);
    }
    int64_t want[EMBER_MAX_DIMS];
    nn_sizes(x, want);
    want[x->dim - 1] = w->sizes[0];
    NN_TRY(nn_check_shape(ctx, "out", t[2], x->dim, want));
    *run = x->dtype == EMBER_DTYPE_F32 ? pick_linear_f32() : run_linear_half;
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
            f32_gemm__portable((float*)out->data + start * n, (const float*)in->data + start * k,
                               (const float*)w->data + i * k * n, rows, k, n);
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
    NN_TRY(nn_get_tensor(ctx, args, 0, &in));
    NN_TRY(nn_get_tensor(ctx, args, 1, &w));
    NN_TRY(nn_get_tensor(ctx, args, 2, &offs));
    NN_TRY(nn_get_out(ctx, args, 3, &out));
    EMBER_REQUIRE_TAG(ctx, args, 4, EMBER_VALUE_TENSOR);
    NN_TRY(nn_require_float(ctx, "input", in, NULL));
    NN_TRY(nn_require_float(ctx, "weight", w, in));
    NN_TRY(nn_require_float(ctx, "out", out, in));
    EMBER_REQUIRE(ctx, offs->dtype == EMBER_DTYPE_I32 || offs->dtype == EMBER_DTYPE_I64,
                  EMBER_DTYPE_MISMATCH, "offs is %s, expected int32 or int64",
                  ember_dtype_name(offs->dtype));
    EMBER_REQUIRE(ctx, in->dim == 2, EMBER_SHAPE_MISMATCH, "input has rank %d, expected 2",
                  in->dim);
    EMBER_REQUIRE(ctx, w->dim == 3, EMBER_SHAPE_MISMATCH, "weight has rank %d, expected 3",
                  w->dim);
    EMBER_REQUIRE(ctx, w->sizes[1] == in->sizes[1], EMBER_SHAPE_MISMATCH,
                  "weight's inner size %d differs from input's %d", (int)w->sizes[1],
                  (int)in->sizes[1]);
    const int64_t want_offs[1] = {w->sizes[0]};
    NN_TRY(nn_check_shape(ctx, "offs", offs, 1, want_offs));
    const int64_t want_out[2] = {in->sizes[0], w->sizes[2]};
    NN_TRY(nn_check_shape(ctx, "out", out, 2, want_out));
    *run = run_grouped_mm;
    return EMBER_OK;
}
