/* op_sdpa.c — ember::sdpa.out, scaled dot-product attention kept as one op:
 *   [query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa, out, out]
 * with the arguments of torch's aten::scaled_dot_product_attention (which has no out variant;
 * the exporter maps it here, see docs/exporting.md). What it computes is in
 * kernels/optimized/f32_sdpa.h; this file holds the prepare, the portable reference
 * sdpa__portable (float32, float16, bfloat16), the choice of the fp32 variant and the head
 * arithmetic (sdpa_heads): every kernel computes one (batch, query head).
 *
 * Shapes: query (B, Hq, L, E), key (B, Hkv, S, E), value (B, Hkv, S, Ev), out (B, Hq, L, Ev);
 * rank 3 drops B and rank 2 drops B and the heads. The batch sizes must be equal (no batch
 * broadcasting); Hkv must equal Hq, be 1 (broadcast, as torch's matmul does: Falcon's
 * multi-query attention), or divide Hq with enable_gqa (query head h reads key/value head
 * h / (Hq / Hkv), as torch's repeat_interleave does). attn_mask, optional, is bool (true
 * keeps a key) or the query's dtype (added to the scores), of rank at most the query's, and
 * broadcasts to (B, Hq, L, S). is_causal keeps keys j <= i (top-left aligned, as torch). scale
 * is 1 / sqrt(E) when None. dropout_p must be 0 (Ember runs inference). A row whose keys are
 * all dropped is 0. All tensors contiguous. */
#include "kernels/optimized/f32_sdpa.h"
#include "kernels/kernel_util.h"

/* ---- the portable reference --------------------------------------------------------------
 * One query row at a time, its Ev outputs in chunks of SDPA_CHUNK accumulated in float on the
 * stack (the scores are recomputed per chunk: a reference, not a fast path), with the same
 * online softmax as the optimized kernels: running max m, running sum l, accumulator rescaled
 * by e^(m_old - m_new) when the max grows. */
#define SDPA_CHUNK 64

static float mask_at(const sdpa_params* p, int dtype, int64_t off)
{
    if (p->mask_kind == SDPA_MASK_BOOL) return ((const uint8_t*)p->mask)[off] ? 0.0f : -INFINITY;
    return ember_load_f32(p->mask, dtype, off);
}

void sdpa__portable(void* out, const void* q, const void* k, const void* v, int dtype,
                    const sdpa_params* p)
{
    const int64_t e = p->e, ev = p->ev;
    const int64_t qs = p->q_stride, ks = p->k_stride, vs = p->v_stride, os = p->o_stride;
    for (int64_t i = 0; i < p->lq; i++) {
        const int64_t nk = sdpa_keys(p, i), moff = i * p->mask_stride[0];
        for (int64_t c0 = 0; c0 < ev; c0 += SDPA_CHUNK) {
            const int64_t nc = ev - c0 < SDPA_CHUNK ? ev - c0 : SDPA_CHUNK;
            float acc[SDPA_CHUNK] = {0};
            float m = -INFINITY, l = 0.0f;
            for (int64_t j = 0; j < nk; j++) {
                float s = 0.0f;
                for (int64_t c = 0; c < e; c++)
                    s += ember_load_f32(q, dtype, i * qs + c) *
                         ember_load_f32(k, dtype, j * ks + c);
                s *= p->scale;
                if (p->mask_kind != SDPA_MASK_NONE)
                    s += mask_at(p, dtype, moff + j * p->mask_stride[1]);
                if (!(s > -INFINITY)) continue; /* a dropped key */
                if (s > m) {
                    const float corr = expf(m - s); /* 0 on the first key */
                    l *= corr;
                    for (int64_t c = 0; c < nc; c++) acc[c] *= corr;
                    m = s;
                }
                const float w = expf(s - m);
                l += w;
                for (int64_t c = 0; c < nc; c++)
                    acc[c] += w * ember_load_f32(v, dtype, j * vs + c0 + c);
            }
            const float inv = l > 0.0f ? 1.0f / l : 0.0f;
            for (int64_t c = 0; c < nc; c++)
                ember_store_f32(out, dtype, i * os + c0 + c, acc[c] * inv);
        }
    }
}

/* ---- the operator ------------------------------------------------------------------------ */

typedef void (*f32_sdpa_fn)(float* out, const float* q, const float* k, const float* v,
                            const sdpa_params* p);

/* The whole call, as run reads it from the args (cheap, and run keeps no state): B batch
 * entries of Hq query heads, head h reading key/value head h / (Hq / Hkv) of its entry. */
typedef struct sdpa_call {
    int64_t batch, q_heads, kv_heads; /* B, Hq, Hkv (Hq a multiple of Hkv) */
    int64_t mask_b, mask_h;           /* mask elements per batch entry, per head; 0 = broadcast */
    sdpa_params head;                 /* every head's; its mask is head (0, 0)'s */
    int dtype;
    f32_sdpa_fn fast;                 /* the float32 variant, or NULL: sdpa__portable */
    char* out;
    const char *q, *k, *v;
} sdpa_call;

static void sdpa_read(ember_value* const* args, f32_sdpa_fn fast, sdpa_call* c)
{
    const ember_tensor* q = args[0]->u.t;
    const ember_tensor* k = args[1]->u.t;
    const ember_tensor* v = args[2]->u.t;
    const int r = q->dim;
    sdpa_params* p = &c->head;
    memset(c, 0, sizeof *c);
    c->batch = r == 4 ? q->sizes[0] : 1;
    c->q_heads = r >= 3 ? q->sizes[r - 3] : 1;
    c->kv_heads = r >= 3 ? k->sizes[r - 3] : 1;
    c->dtype = q->dtype;
    c->fast = fast;
    c->out = args[8]->u.t->data;
    c->q = q->data, c->k = k->data, c->v = v->data;
    p->lq = q->sizes[r - 2];
    p->lk = k->sizes[r - 2];
    p->e = q->sizes[r - 1];
    p->ev = v->sizes[r - 1];
    p->q_stride = p->k_stride = p->e; /* each head's rows contiguous */
    p->v_stride = p->o_stride = p->ev;
    p->causal = args[5]->u.b;
    double scale = 1.0 / sqrt((double)p->e);
    if (!ember_is_null(args[6])) ember_scalar_as_double(args[6], &scale);
    p->scale = (float)scale;
    if (ember_is_null(args[3])) return;
    const ember_tensor* mk = args[3]->u.t;
    p->mask_kind = mk->dtype == EMBER_DTYPE_BOOL ? SDPA_MASK_BOOL : SDPA_MASK_ADD;
    p->mask = mk->data;
    /* Mask dim d (right-aligned on (b, h, i, j)) steps by its contiguous stride unless its size
     * is 1 (broadcast). */
    int64_t steps[4] = {0}, stride = 1;
    for (int d = mk->dim - 1; d >= 0; d--) {
        steps[4 - (mk->dim - d)] = mk->sizes[d] == 1 ? 0 : stride;
        stride *= mk->sizes[d];
    }
    c->mask_b = steps[0], c->mask_h = steps[1];
    p->mask_stride[0] = steps[2], p->mask_stride[1] = steps[3];
}

/* Tasks [begin, end) of B * Hq, one per (batch, query head): all the head arithmetic. Each head
 * is a call of its own, so any split gives the same bytes. */
static ember_status sdpa_heads(void* arg, size_t begin, size_t end)
{
    const sdpa_call* c = arg;
    const sdpa_params* p = &c->head;
    const int64_t g = c->kv_heads ? c->q_heads / c->kv_heads : 1;
    const size_t size = ember_dtype_size(c->dtype);
    const size_t mask_size = p->mask_kind == SDPA_MASK_BOOL ? 1 : size;
    for (size_t t = begin; t < end; t++) {
        const int64_t b = (int64_t)t / c->q_heads, h = (int64_t)t % c->q_heads;
        const int64_t qh = b * c->q_heads + h, kvh = b * c->kv_heads + h / g;
        sdpa_params one = *p;
        if (p->mask_kind != SDPA_MASK_NONE)
            one.mask = (const char*)p->mask + (b * c->mask_b + h * c->mask_h) * mask_size;
        char* out = c->out + qh * p->lq * p->ev * size;
        const char* q = c->q + qh * p->lq * p->e * size;
        const char* k = c->k + kvh * p->lk * p->e * size;
        const char* v = c->v + kvh * p->lk * p->ev * size;
        if (c->fast)
            c->fast((float*)out, (const float*)q, (const float*)k, (const float*)v, &one);
        else
            sdpa__portable(out, q, k, v, c->dtype, &one);
    }
    return EMBER_OK;
}

/* The reference runs on one thread. The f32 fast path splits by (batch, query head) over the
 * pool, unless it has fewer than SDPA_MIN_MACS multiply-adds in all. */
#define SDPA_MIN_MACS ((double)(1 << 20))

static ember_status run_sdpa(ember_kernel_ctx* ctx, ember_value* const* args, f32_sdpa_fn fast)
{
    sdpa_call c;
    sdpa_read(args, fast, &c);
    const sdpa_params* p = &c.head;
    const double macs = (double)c.batch * (double)c.q_heads * (double)p->lq * (double)p->lk *
                        (double)(p->e + p->ev);
    ember_threadpool* pool = fast && macs >= SDPA_MIN_MACS ? ctx->pool : NULL;
    return ember_parallel_for(pool, (size_t)(c.batch * c.q_heads), sdpa_heads, &c);
}

static ember_status run_sdpa_portable(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return run_sdpa(ctx, args, NULL);
}

#define SDPA_RUN_F32(isa)                                                                       \
    static ember_status run_sdpa_f32_##isa(ember_kernel_ctx* ctx, ember_value* const* args)     \
    {                                                                                           \
        return run_sdpa(ctx, args, f32_sdpa__##isa);                                            \
    }
#if EMBER_HAVE_X86_KERNELS
SDPA_RUN_F32(avx2)
SDPA_RUN_F32(avx512)
#endif
#if defined(__aarch64__)
SDPA_RUN_F32(neon)
#endif
#undef SDPA_RUN_F32

static ember_kernel_run_fn pick_sdpa_f32(void)
{
    const uint64_t f = ember_kernel_cpu_features();
#if EMBER_HAVE_X86_KERNELS
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    if ((f & avx512) == avx512) return run_sdpa_f32_avx512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((f & avx2) == avx2) return run_sdpa_f32_avx2;
#endif
#if defined(__aarch64__) /* NEON is baseline: asking for ASIMD lets mask 0 force portable */
    if (f & EMBER_CPU_BIT(EMBER_CPU_ASIMD)) return run_sdpa_f32_neon;
#endif
    (void)f;
    return run_sdpa_portable;
}

ember_status sdpa_read_args(ember_kernel_ctx* ctx, ember_value* const* args, size_t m,
                            const char* dropout_name, sdpa_common_args* a)
{
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "query", EMBER_DTYPES_F32_HALF, &a->q));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "key", EMBER_DTYPES_F32_HALF, &a->k));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "value", EMBER_DTYPES_F32_HALF, &a->v));
    EMBER_TRY(ember_arg_opt_tensor(ctx, args, m, "attn_mask",
                                   EMBER_DTYPE_BIT(EMBER_DTYPE_BOOL) | EMBER_DTYPES_F32_HALF,
                                   &a->mask));
    EMBER_TRY(ember_arg_out(ctx, args, 8, "out", EMBER_DTYPES_F32_HALF, &a->out));
    EMBER_TRY(ember_arg_kind(ctx, args, 9, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_same_dtype(ctx, "key", a->k, a->q));
    EMBER_TRY(ember_check_same_dtype(ctx, "value", a->v, a->q));
    EMBER_TRY(ember_check_same_dtype(ctx, "out", a->out, a->q));
    double dropout = 0.0;
    a->causal = false;
    EMBER_TRY(ember_arg_double(ctx, args, m + 1, dropout_name, &dropout));
    EMBER_REQUIRE(ctx, dropout == 0.0, EMBER_NOT_SUPPORTED,
                  "%s = %s: only 0 is supported (export the model in eval mode)", dropout_name,
                  EMBER_DOUBLE_STR(dropout));
    EMBER_TRY(ember_arg_bool(ctx, args, m + 2, "is_causal", &a->causal));
    if (!ember_is_null(args[m + 3])) {
        double scale = 0.0;
        EMBER_TRY(ember_arg_double(ctx, args, m + 3, "scale", &scale));
        EMBER_REQUIRE(ctx, isfinite(scale), EMBER_INVALID_ARGUMENT, "scale = %s is not finite",
                      EMBER_DOUBLE_STR(scale));
    }
    return EMBER_OK;
}

ember_status ember_prepare_ember_sdpa_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                          size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 10);
    sdpa_common_args a;
    EMBER_TRY(sdpa_read_args(ctx, args, 3, "dropout_p", &a));
    ember_tensor *q = a.q, *k = a.k, *v = a.v, *mask = a.mask, *out = a.out;
    bool gqa = false;
    EMBER_TRY(ember_arg_bool(ctx, args, 7, "enable_gqa", &gqa));

    const int r = q->dim;
    EMBER_REQUIRE(ctx, r >= 2 && r <= 4, EMBER_NOT_SUPPORTED,
                  "query has rank %d, expected 2, 3 or 4 ((batch, heads,) rows, width)", r);
    EMBER_REQUIRE(ctx, k->dim == r && v->dim == r, EMBER_SHAPE_MISMATCH,
                  "query, key and value have ranks %d, %d and %d, expected equal", r, k->dim,
                  v->dim);
    EMBER_REQUIRE(ctx, r < 4 || (k->sizes[0] == q->sizes[0] && v->sizes[0] == q->sizes[0]),
                  EMBER_SHAPE_MISMATCH,
                  "batch sizes of query, key and value are %d, %d and %d, expected equal "
                  "(batch broadcasting is not supported)", (int)q->sizes[0], (int)k->sizes[0],
                  (int)v->sizes[0]);
    const int64_t hq = r >= 3 ? q->sizes[r - 3] : 1, hkv = r >= 3 ? k->sizes[r - 3] : 1;
    EMBER_REQUIRE(ctx, r < 3 || v->sizes[r - 3] == hkv, EMBER_SHAPE_MISMATCH,
                  "key has %lld heads and value %d, expected equal", (long long)hkv,
                  (int)v->sizes[r - 3]);
    EMBER_REQUIRE(ctx, hkv == hq || hkv == 1 || (gqa && hkv > 0 && hq % hkv == 0),
                  EMBER_SHAPE_MISMATCH,
                  "query has %lld heads and key/value %lld: expected equal, 1 (broadcast), or a "
                  "divisor with enable_gqa", (long long)hq, (long long)hkv);
    EMBER_REQUIRE(ctx, k->sizes[r - 1] == q->sizes[r - 1], EMBER_SHAPE_MISMATCH,
                  "query width %d and key width %d differ", (int)q->sizes[r - 1],
                  (int)k->sizes[r - 1]);
    EMBER_REQUIRE(ctx, v->sizes[r - 2] == k->sizes[r - 2], EMBER_SHAPE_MISMATCH,
                  "key has %d rows and value %d, expected equal", (int)k->sizes[r - 2],
                  (int)v->sizes[r - 2]);
    int64_t want[4];
    for (int d = 0; d < r - 1; d++) want[d] = q->sizes[d];
    want[r - 1] = v->sizes[r - 1];
    EMBER_TRY(ember_check_shape(ctx, "out", out, r, want));

    if (mask) {
        EMBER_REQUIRE(ctx, mask->dtype == EMBER_DTYPE_BOOL || mask->dtype == q->dtype,
                      EMBER_DTYPE_MISMATCH, "attn_mask is %s, expected bool or %s",
                      ember_dtype_name(mask->dtype), ember_dtype_name(q->dtype));
        EMBER_REQUIRE(ctx, mask->dim <= r, EMBER_SHAPE_MISMATCH,
                      "attn_mask has rank %d, more than the query's %d", mask->dim, r);
        /* The scores' shape, (.., Hq, L, S): each mask dim is 1 or that size. */
        int64_t scores[4];
        for (int d = 0; d < r - 1; d++) scores[d] = q->sizes[d];
        scores[r - 1] = k->sizes[r - 2];
        for (int d = 0; d < mask->dim; d++) {
            const int64_t want_d = scores[r - mask->dim + d];
            EMBER_REQUIRE(ctx, mask->sizes[d] == 1 || mask->sizes[d] == want_d,
                          EMBER_SHAPE_MISMATCH,
                          "attn_mask dim %d has size %d, expected 1 or %lld (it broadcasts to "
                          "the scores, (..., heads, rows, keys))", d, (int)mask->sizes[d],
                          (long long)want_d);
        }
    }
    *run = q->dtype == EMBER_DTYPE_F32 ? pick_sdpa_f32() : run_sdpa_portable;
    return EMBER_OK;
}
