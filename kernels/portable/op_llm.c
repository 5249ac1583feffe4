/* op_llm.c — ExecuTorch's KV-cache ops for LLMs (executorch/extension/llm/custom_ops, the
 * schemas libcustom_ops_aot_lib registers), so that its exported LLM programs run on Ember:
 *
 *   llama::update_cache.out [value, cache, start_pos, out, out]
 *       cache[:, start_pos : start_pos + T] = value, bytes copied (any dtype, the same for both).
 *       value (B, T, H, D), cache (B, S, H, D); 0 <= start_pos <= S - T. cache is written in
 *       place (its schema's Tensor(a!), not returned), so it is declared an out: the loader
 *       then checks it is planned memory (a mutable buffer), never a constant of the program.
 *       out is ExecuTorch's placeholder return (a (1,) tensor, any dtype): its bytes are zeroed.
 *
 *   llama::custom_sdpa.out [query, key, value, start_pos, attn_mask, drpout_p, is_causal,
 *                           scale, out, out]
 *       Attention over a KV cache, seq-before-heads: query (B, T, Hq, D), key and value caches
 *       (B, S, Hkv, D), out (B, T, Hq, D). Query row t is sequence position start_pos + t;
 *       query head h reads key/value head h / (Hq / Hkv) (Hkv divides Hq). Without a mask the
 *       keys are the cache's first start_pos + T positions, and is_causal keeps keys
 *       [0, start_pos + t] for row t; 0 <= start_pos <= S - T. attn_mask, optional and not
 *       with is_causal (ExecuTorch refuses both), is bool (true keeps a key) or the query's
 *       dtype (added to the scores), of shape (T or 1, K): its K keys are the cache's first K
 *       positions, K = S (ExecuTorch now: the whole cache, which the mask limits) or
 *       start_pos + T (its earlier kernels). Keys past those are never read (they may hold
 *       anything). scale is 1 / sqrt(D) when None; drpout_p must be 0. A row whose keys are all
 *       dropped is 0. float32 (the fast fp32 kernels), float16 and bfloat16 (the portable one).
 *       The per-head kernels are kernels/optimized/f32_sdpa.h's, called with each head's rows
 *       strided (Hq * D elements apart in query and out, Hkv * D in the caches), lq = T,
 *       lk = the keys above and causal_offset = start_pos.
 *
 * start_pos is an Int (a SymInt): a constant of the file, or the value an earlier instruction
 * wrote (aten::_local_scalar_dense of the position tensor, op_prim_scalar.c), in which case the
 * loader prepares these kernels again before each run: prepare checks it, run trusts it. T is
 * dynamic in prefill/decode programs: prepare runs again whenever the sizes change. All tensors
 * contiguous. */
#include "kernels/optimized/f32_sdpa.h"
#include "kernels/kernel_util.h"

/* Fails with EMBER_SHAPE_MISMATCH: "<a> [..] and <b> [..] <why>" (b may be NULL). Shapes are
 * formatted only here: prepare runs again at every step of a dynamic program. */
static ember_status shapes_fail(ember_kernel_ctx* ctx, const char* a, const ember_tensor* ta,
                                const char* b, const ember_tensor* tb, const char* why)
{
    char sa[96], sb[96] = "";
    int64_t sizes[EMBER_MAX_DIMS];
    ember_tensor_sizes(ta, sizes);
    ember_shape_str(sa, sizeof sa, ta->dim, sizes);
    if (tb) {
        ember_tensor_sizes(tb, sizes);
        ember_shape_str(sb, sizeof sb, tb->dim, sizes);
    }
    ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH, "%s %s%s%s%s%s %s", a, sa, tb ? " and " : "",
                      tb ? b : "", tb ? " " : "", tb ? sb : "", why);
    return EMBER_SHAPE_MISMATCH;
}

/* ---- llama::update_cache.out -------------------------------------------------------------- */

/* True if the bytes of a and b overlap. */
static bool bytes_overlap(const ember_tensor* a, const ember_tensor* b)
{
    const char *pa = a->data, *pb = b->data;
    return a->nbytes && b->nbytes && pa < pb + b->nbytes && pb < pa + a->nbytes;
}

static ember_status run_update_cache(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor* value = args[0]->u.t;
    const ember_tensor* cache = args[1]->u.t;
    const ember_tensor* out = args[3]->u.t;
    const size_t size = ember_dtype_size(value->dtype);
    const int64_t batch = value->sizes[0], t = value->sizes[1], s = cache->sizes[1];
    const int64_t pos = value->sizes[2] * value->sizes[3]; /* elements per position */
    const int64_t start = args[2]->u.i;
    /* one copy per batch entry: T positions are contiguous in both (memmove: a file may name
     * the cache as the value too, exactly, when T == S) */
    for (int64_t b = 0; b < batch; b++)
        memmove((char*)cache->data + (size_t)((b * s + start) * pos) * size,
                (const char*)value->data + (size_t)(b * t * pos) * size, (size_t)(t * pos) * size);
    /* the placeholder return; left alone if a file puts it on the cache's or value's bytes */
    if (!bytes_overlap(out, cache) && !bytes_overlap(out, value)) memset(out->data, 0, out->nbytes);
    return EMBER_OK;
}

ember_status ember_prepare_llama_update_cache_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                  size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 5);
    ember_tensor *value, *cache;
    int64_t start = 0; /* -Os arm-none-eabi: "may be used uninitialized" */
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "value", EMBER_DTYPES_ALL, &value));
    EMBER_TRY(ember_arg_out(ctx, args, 1, "cache", EMBER_DTYPES_ALL, &cache));
    EMBER_TRY(ember_arg_int(ctx, args, 2, "start_pos", &start));
    EMBER_TRY(ember_arg_out_ex(ctx, args, 3, "out", EMBER_DTYPES_ALL, true, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, 4, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_same_dtype(ctx, "cache", cache, value));
    EMBER_REQUIRE(ctx, value->dim == 4 && cache->dim == 4, EMBER_SHAPE_MISMATCH,
                  "value and cache have ranks %d and %d, expected 4: (batch, positions, heads, "
                  "head_dim)", value->dim, cache->dim);
    if (value->sizes[0] != cache->sizes[0] || value->sizes[2] != cache->sizes[2] ||
        value->sizes[3] != cache->sizes[3])
        return shapes_fail(ctx, "value", value, "cache", cache,
                           "differ in batch, heads or head_dim (dims 0, 2 and 3)");
    const int64_t t = value->sizes[1], s = cache->sizes[1];
    EMBER_REQUIRE(ctx, t <= s, EMBER_SHAPE_MISMATCH,
                  "value has %lld positions, more than the cache's %lld", (long long)t,
                  (long long)s);
    EMBER_REQUIRE(ctx, start >= 0 && start <= s - t, EMBER_INVALID_ARGUMENT,
                  "start_pos = %lld: %lld positions from there do not fit the cache's %lld "
                  "(expected 0 <= start_pos <= %lld)", (long long)start, (long long)t,
                  (long long)s, (long long)(s - t));
    *run = run_update_cache;
    return EMBER_OK;
}

/* ---- llama::custom_sdpa.out --------------------------------------------------------------- */

typedef void (*f32_sdpa_fn)(float* out, const float* q, const float* k, const float* v,
                            const sdpa_params* p);

/* The whole call, as run reads it from the args: B batch entries of Hq query heads. */
typedef struct llm_sdpa {
    int64_t batch, q_heads, kv_heads; /* B, Hq, Hkv (Hq a multiple of Hkv) */
    int64_t lq, s;                    /* T query rows, S cache positions */
    sdpa_params head;                 /* every head's: strides, keys, mask */
    int dtype;
    f32_sdpa_fn fast;                 /* the float32 variant, or NULL: sdpa__portable */
    char* out;
    const char *q, *k, *v;
} llm_sdpa;

static void llm_sdpa_read(ember_value* const* args, f32_sdpa_fn fast, llm_sdpa* c)
{
    const ember_tensor* q = args[0]->u.t;
    const ember_tensor* k = args[1]->u.t;
    sdpa_params* p = &c->head;
    memset(c, 0, sizeof *c);
    c->batch = q->sizes[0];
    c->lq = q->sizes[1];
    c->q_heads = q->sizes[2];
    c->s = k->sizes[1];
    c->kv_heads = k->sizes[2];
    c->dtype = q->dtype;
    c->fast = fast;
    c->out = args[8]->u.t->data;
    c->q = q->data, c->k = k->data, c->v = args[2]->u.t->data;
    const int64_t start = args[3]->u.i;
    p->lq = c->lq;
    p->lk = start + c->lq;
    p->e = p->ev = q->sizes[3];
    p->q_stride = p->o_stride = c->q_heads * p->e; /* a head's rows are positions: all the */
    p->k_stride = p->v_stride = c->kv_heads * p->e; /* heads of one position apart */
    p->causal = args[6]->u.b;
    p->causal_offset = start;
    double scale = 1.0 / sqrt((double)p->e);
    if (!ember_is_null(args[7])) ember_scalar_as_double(args[7], &scale);
    p->scale = (float)scale;
    if (ember_is_null(args[4])) return;
    const ember_tensor* mk = args[4]->u.t;
    p->mask_kind = mk->dtype == EMBER_DTYPE_BOOL ? SDPA_MASK_BOOL : SDPA_MASK_ADD;
    p->mask = mk->data;
    p->lk = mk->sizes[1]; /* the mask says how many keys: S, or start_pos + T */
    p->mask_stride[0] = mk->sizes[0] == 1 ? 0 : mk->sizes[1];
    p->mask_stride[1] = 1;
}

/* Tasks [begin, end) of B * Hq, one per (batch, query head); each head is one kernel call, so
 * any split gives the same bytes. */
static ember_status llm_sdpa_heads(void* arg, size_t begin, size_t end)
{
    const llm_sdpa* c = arg;
    const sdpa_params* p = &c->head;
    const int64_t g = c->q_heads / c->kv_heads, d = p->e;
    const size_t size = ember_dtype_size(c->dtype);
    for (size_t task = begin; task < end; task++) {
        const int64_t b = (int64_t)task / c->q_heads, h = (int64_t)task % c->q_heads;
        /* row 0 of query head h (of out too), and of its key/value head, in batch entry b */
        const int64_t qo = (b * c->lq * c->q_heads + h) * d;
        const int64_t kvo = (b * c->s * c->kv_heads + h / g) * d;
        char* out = c->out + (size_t)qo * size;
        const char* q = c->q + (size_t)qo * size;
        const char* k = c->k + (size_t)kvo * size;
        const char* v = c->v + (size_t)kvo * size;
        if (c->fast)
            c->fast((float*)out, (const float*)q, (const float*)k, (const float*)v, p);
        else
            sdpa__portable(out, q, k, v, c->dtype, p);
    }
    return EMBER_OK;
}

/* As ember::sdpa.out (op_sdpa.c): the reference on one thread; the f32 fast path split by
 * (batch, query head) over the pool from LLM_SDPA_MIN_MACS multiply-adds in all. */
#define LLM_SDPA_MIN_MACS ((double)(1 << 20))

static ember_status run_custom_sdpa(ember_kernel_ctx* ctx, ember_value* const* args,
                                    f32_sdpa_fn fast)
{
    llm_sdpa c;
    llm_sdpa_read(args, fast, &c);
    const double macs = (double)c.batch * (double)c.q_heads * (double)c.head.lq *
                        (double)c.head.lk * (double)(2 * c.head.e);
    ember_threadpool* pool = fast && macs >= LLM_SDPA_MIN_MACS ? ctx->pool : NULL;
    return ember_parallel_for(pool, (size_t)(c.batch * c.q_heads), llm_sdpa_heads, &c);
}

static ember_status run_custom_sdpa_portable(ember_kernel_ctx* ctx, ember_value* const* args)
{
    return run_custom_sdpa(ctx, args, NULL);
}

#define CUSTOM_SDPA_RUN_F32(isa)                                                                \
    static ember_status run_custom_sdpa_f32_##isa(ember_kernel_ctx* ctx,                        \
                                                  ember_value* const* args)                     \
    {                                                                                           \
        return run_custom_sdpa(ctx, args, f32_sdpa__##isa);                                     \
    }
#if EMBER_HAVE_X86_KERNELS
CUSTOM_SDPA_RUN_F32(avx2)
CUSTOM_SDPA_RUN_F32(avx512)
#endif
#if defined(__aarch64__)
CUSTOM_SDPA_RUN_F32(neon)
#endif
#undef CUSTOM_SDPA_RUN_F32

/* The fp32 variant the CPU features allow, as op_sdpa.c picks it. */
static ember_kernel_run_fn pick_custom_sdpa_f32(void)
{
    const uint64_t f = ember_kernel_cpu_features();
#if EMBER_HAVE_X86_KERNELS
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512;
    if ((f & avx512) == avx512) return run_custom_sdpa_f32_avx512;
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2;
    if ((f & avx2) == avx2) return run_custom_sdpa_f32_avx2;
#endif
#if defined(__aarch64__) /* NEON is baseline: asking for ASIMD lets mask 0 force portable */
    if (f & EMBER_CPU_BIT(EMBER_CPU_ASIMD)) return run_custom_sdpa_f32_neon;
#endif
    (void)f;
    return run_custom_sdpa_portable;
}

/* query (B, T, Hq, D), key and value (B, S, Hkv, D), Hkv dividing Hq. */
static ember_status check_custom_sdpa_shapes(ember_kernel_ctx* ctx, const ember_tensor* q,
                                             const ember_tensor* k, const ember_tensor* v)
{
    EMBER_REQUIRE(ctx, q->dim == 4 && k->dim == 4 && v->dim == 4, EMBER_SHAPE_MISMATCH,
                  "query, key and value have ranks %d, %d and %d, expected 4: (batch, "
                  "positions, heads, head_dim)", q->dim, k->dim, v->dim);
    if (!ember_tensor_same_shape(k, v))
        return shapes_fail(ctx, "key", k, "value", v, "differ: the caches have one shape");
    if (k->sizes[0] != q->sizes[0] || k->sizes[3] != q->sizes[3])
        return shapes_fail(ctx, "query", q, "key", k,
                           "differ in batch or head_dim (dims 0 and 3)");
    EMBER_REQUIRE(ctx, k->sizes[2] > 0 && q->sizes[2] % k->sizes[2] == 0, EMBER_SHAPE_MISMATCH,
                  "query has %d heads and key/value %d: the key/value heads must divide the "
                  "query heads", (int)q->sizes[2], (int)k->sizes[2]);
    return EMBER_OK;
}

ember_status ember_prepare_llama_custom_sdpa_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 10);
    sdpa_common_args a;
    EMBER_TRY(sdpa_read_args(ctx, args, 4, "drpout_p", &a));
    ember_tensor *q = a.q, *k = a.k, *v = a.v, *mask = a.mask, *out = a.out;
    const bool causal = a.causal;
    int64_t start = 0; /* -Os arm-none-eabi: "may be used uninitialized" */
    EMBER_TRY(ember_arg_int(ctx, args, 3, "start_pos", &start));

    EMBER_TRY(check_custom_sdpa_shapes(ctx, q, k, v));
    const int64_t t = q->sizes[1], s = k->sizes[1];
    EMBER_REQUIRE(ctx, t <= s, EMBER_SHAPE_MISMATCH,
                  "query has %lld positions, more than the caches' %lld", (long long)t,
                  (long long)s);
    EMBER_REQUIRE(ctx, start >= 0 && start <= s - t, EMBER_INVALID_ARGUMENT,
                  "start_pos = %lld: %lld query positions from there do not fit the cache's "
                  "%lld (expected 0 <= start_pos <= %lld)", (long long)start, (long long)t,
                  (long long)s, (long long)(s - t));
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, q));

    if (mask) {
        EMBER_REQUIRE(ctx, !causal, EMBER_INVALID_ARGUMENT,
                      "attn_mask and is_causal are both set: give one (as ExecuTorch's kernel "
                      "requires)");
        EMBER_REQUIRE(ctx, mask->dtype == EMBER_DTYPE_BOOL || mask->dtype == q->dtype,
                      EMBER_DTYPE_MISMATCH, "attn_mask is %s, expected bool or %s",
                      ember_dtype_name(mask->dtype), ember_dtype_name(q->dtype));
        const bool rows = mask->dim == 2 && (mask->sizes[0] == t || mask->sizes[0] == 1);
        if (!rows || (mask->sizes[1] != s && mask->sizes[1] != start + t)) {
            char why[160];
            ember_message(why, sizeof why,
                          "must be (%lld or 1, %lld or %lld): a row per query position (or one "
                          "for all), a column per key, all the cache's or its first start_pos + "
                          "T", (long long)t, (long long)s, (long long)(start + t));
            return shapes_fail(ctx, "attn_mask", mask, NULL, NULL, why);
        }
    }
    *run = q->dtype == EMBER_DTYPE_F32 ? pick_custom_sdpa_f32() : run_custom_sdpa_portable;
    return EMBER_OK;
}
