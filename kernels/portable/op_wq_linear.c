/* op_wq_linear.c — linear layers with weight-only quantized weights and float32 activations,
 * for language models (decoding streams every weight once per token and is bound by their
 * bytes: int8 weights are a quarter of fp32's, int4 an eighth):
 *
 *   quantized_decomposed::mixed_linear.out [input, weight, weight_scales, weight_zero_points,
 *                                           dtype, out, out]
 *       ExecuTorch's weight-only int8 linear (its quantized kernels library):
 *       out[m][n] = weight_scales[n] * sum_k input[m][k] * weight[n][k]
 *       input float32 (..., K) of any rank >= 1 (ExecuTorch's own kernel takes rank 2 only),
 *       weight int8 (N, K), weight_scales float32 (N) or (N, 1) (one per output channel;
 *       ExecuTorch's (N, G) groups are refused), weight_zero_points None (ExecuTorch refuses
 *       zero points too), dtype None or float32; out float32 (..., N).
 *
 *   ember::linear_int4.out [input, weight, scales, group_size, bias, out, out]
 *       Ember's own op (ExecuTorch's portable library has no int4 linear; Ember's exporter
 *       writes it for int4 weight-only quantized linear layers):
 *       out[m][n] = bias[n] + sum_g scales[n][g] * sum_{k in group g} input[m][k] * q[n][k]
 *       input float32 (..., K), K even; weight uint8 (N, K / 2), two signed 4-bit values per
 *       byte: q[n][k] is the low nibble of byte k / 2 of row n when k is even, the high nibble
 *       when k is odd, each nibble holding q + 8 for q in [-8, 7]; scales float32
 *       (N, K / group_size); group_size 32, 64, 128 or 256, dividing K (group g is
 *       k in [g * group_size, (g + 1) * group_size)); bias float32 (N) or None; out float32
 *       (..., N).
 *
 * The kernels are kernels/optimized/f32_qlinear.h's: the portable reference below (plain
 * loops, float sums in k order, any CPU), and AVX2 / AVX-512 / NEON variants picked at
 * prepare from ember_kernel_cpu_features() (decoding streams the weights once at memory
 * bandwidth; prefill runs the fp32 GEMM core on weights dequantized block by block). Run
 * splits the output columns over ctx->pool from QL_MIN_MACS multiply-adds, in runs of QL_COLS
 * columns: each output is computed the same way in any split, so 1 and N threads give the
 * same bytes. An
 * out that is exactly the input's bytes (N == K; the loader allows no partial overlap) is
 * computed a block of rows at a time into a stack buffer (each output row reads only its own
 * input row); an out on the weight, scales or bias is refused at run. All tensors
 * contiguous. */
#include "kernels/optimized/f32_qlinear.h"
#include "kernels/kernel_util.h"

/* ---- the portable reference -------------------------------------------------------------- */

void f32_qlinear__portable(float* restrict c, int64_t ldc, const float* restrict a,
                           const f32_qlinear_weights* w, int64_t m, int64_t j0, int64_t j1)
{
    const int64_t k = w->k, groups = w->bits == 4 ? k / w->group : 1;
    for (int64_t i = 0; i < m; i++) {
        const float* x = a + i * k;
        for (int64_t j = j0; j < j1; j++) {
            float acc = 0.0f;
            if (k > 0 && w->bits == 8) {
                const int8_t* q = (const int8_t*)w->data + j * k;
                float s = 0.0f;
                for (int64_t p = 0; p < k; p++) s += x[p] * (float)q[p];
                acc = s * w->scales[j];
            } else if (k > 0) {
                const uint8_t* q = (const uint8_t*)w->data + j * (k / 2);
                for (int64_t g = 0; g < groups; g++) {
                    float s = 0.0f;
                    for (int64_t p = g * w->group; p < (g + 1) * w->group; p++) {
                        const int nibble = p & 1 ? q[p / 2] >> 4 : q[p / 2] & 15;
                        s += x[p] * (float)(nibble - 8);
                    }
                    acc += w->scales[j * groups + g] * s;
                }
            }
            c[i * ldc + j] = w->bias ? acc + w->bias[j] : acc;
        }
    }
}

/* ---- run ---------------------------------------------------------------------------------- */

/* A thread's task: QL_COLS output columns (a multiple of every variant's group of weight rows
 * and of the x86 GEMM cores' strips; NEON's strips of 12 end ragged at a run's edge, which
 * changes no output: each is the same sum in any strip); products under QL_MIN_MACS
 * multiply-adds run on one thread. */
#define QL_COLS 64
#define QL_MIN_MACS ((double)(1 << 20))
#define QL_ALIAS_FLOATS 4096 /* 16 KiB of stack: output rows when out is the input's bytes */

typedef struct ql_job {
    f32_qlinear_fn kern;
    float* c;                     /* (M, N) */
    const float* a;               /* (M, K) */
    const f32_qlinear_weights* w;
    int64_t m, n;
} ql_job;

static ember_status ql_cols(void* arg, size_t begin, size_t end)
{
    const ql_job* j = arg;
    const int64_t j0 = (int64_t)begin * QL_COLS;
    const int64_t j1 = (int64_t)end * QL_COLS < j->n ? (int64_t)end * QL_COLS : j->n;
    j->kern(j->c, j->n, j->a, j->w, j->m, j0, j1);
    return EMBER_OK;
}

/* True if b (or NULL) shares bytes with a. */
static bool bytes_overlap(const ember_tensor* a, const ember_tensor* b)
{
    if (!b || !a->nbytes || !b->nbytes) return false;
    const char *pa = a->data, *pb = b->data;
    return pa < pb + b->nbytes && pb < pa + a->nbytes;
}

/* Both ops: args [input, weight, scales, group_size or zero points, bias or dtype, out, out]. */
static ember_status run_ql(ember_kernel_ctx* ctx, ember_value* const* args, int bits,
                           f32_qlinear_fn kern)
{
    const ember_tensor* x = args[0]->u.t;
    const ember_tensor* wt = args[1]->u.t;
    const ember_tensor* scales = args[2]->u.t;
    const ember_tensor* bias = bits == 4 && !ember_is_null(args[4]) ? args[4]->u.t : NULL;
    const ember_tensor* out = args[5]->u.t;
    const int64_t n = wt->sizes[0], k = x->sizes[x->dim - 1];
    const int64_t m = k ? x->numel / k : (n ? out->numel / n : 0);
    const f32_qlinear_weights w = {bits, wt->data, (const float*)scales->data,
                                   bias ? (const float*)bias->data : NULL, k,
                                   bits == 4 ? args[3]->u.i : 0};
    float* c = (float*)out->data;
    const float* a = (const float*)x->data;
    if (bytes_overlap(out, wt) || bytes_overlap(out, scales) || bytes_overlap(out, bias))
        return ember_kernel_fail(ctx, EMBER_NOT_SUPPORTED,
                                 "out is the same memory as the weight, its scales or the bias: "
                                 "every output reads all of them");
    if (bytes_overlap(out, x)) {
        /* the loader allows only exactly the input's bytes: N == K, row i reads row i only */
        EMBER_REQUIRE(ctx, out->data == x->data && out->nbytes == x->nbytes && n <= QL_ALIAS_FLOATS,
                      EMBER_NOT_SUPPORTED,
                      "out is the same memory as the input with rows of %lld floats: in place "
                      "only exactly and up to %d", (long long)n, QL_ALIAS_FLOATS);
        float tmp[QL_ALIAS_FLOATS];
        const int64_t rows = QL_ALIAS_FLOATS / (n ? n : 1);
        for (int64_t i0 = 0; i0 < m; i0 += rows) {
            const int64_t mb = m - i0 < rows ? m - i0 : rows;
            kern(tmp, n, a + i0 * k, &w, mb, 0, n);
            memcpy(c + i0 * n, tmp, sizeof(float) * (size_t)(mb * n));
        }
        return EMBER_OK;
    }
    ql_job job = {kern, c, a, &w, m, n};
    const bool big = (double)m * (double)n * (double)k >= QL_MIN_MACS;
    return ember_parallel_for(big ? ctx->pool : NULL, (size_t)((n + QL_COLS - 1) / QL_COLS),
                              ql_cols, &job);
}

#define QL_RUNS(isa)                                                                            \
    static ember_status run_mixed_linear_##isa(ember_kernel_ctx* ctx, ember_value* const* args) \
    {                                                                                           \
        return run_ql(ctx, args, 8, f32_qlinear__##isa);                                        \
    }                                                                                           \
    static ember_status run_linear_int4_##isa(ember_kernel_ctx* ctx, ember_value* const* args)  \
    {                                                                                           \
        return run_ql(ctx, args, 4, f32_qlinear__##isa);                                        \
    }
QL_RUNS(portable)
#if EMBER_HAVE_X86_KERNELS
QL_RUNS(avx2)
QL_RUNS(avx512)
#endif
#if defined(__aarch64__)
QL_RUNS(neon)
#endif
#undef QL_RUNS

/* The run function of the variant the CPU features allow (int8: bits 8, int4: 4), as op_sdpa.c
 * picks its fp32 variant. */
static ember_kernel_run_fn pick_ql(int bits)
{
    const uint64_t f = ember_kernel_cpu_features();
#if EMBER_HAVE_X86_KERNELS
    const uint64_t avx512 = EMBER_FEATURES_X86_AVX512, avx2 = EMBER_FEATURES_X86_AVX2;
    if ((f & avx512) == avx512) return bits == 8 ? run_mixed_linear_avx512 : run_linear_int4_avx512;
    if ((f & avx2) == avx2) return bits == 8 ? run_mixed_linear_avx2 : run_linear_int4_avx2;
#endif
#if defined(__aarch64__) /* NEON is baseline: asking for ASIMD lets mask 0 force portable */
    if (f & EMBER_CPU_BIT(EMBER_CPU_ASIMD))
        return bits == 8 ? run_mixed_linear_neon : run_linear_int4_neon;
#endif
    (void)f;
    return bits == 8 ? run_mixed_linear_portable : run_linear_int4_portable;
}

/* ---- prepare ------------------------------------------------------------------------------ */

#define F32_BIT EMBER_DTYPE_BIT(EMBER_DTYPE_F32)

/* input (..., K) and out (..., N), weight (N, wk); *k = K. */
static ember_status check_linear_shapes(ember_kernel_ctx* ctx, const ember_tensor* x,
                                        const ember_tensor* w, const ember_tensor* out,
                                        int64_t* k)
{
    EMBER_REQUIRE(ctx, x->dim >= 1 && w->dim == 2, EMBER_SHAPE_MISMATCH,
                  "expected input (..., K) and weight (N, K%s), got ranks %d and %d",
                  w->dtype == EMBER_DTYPE_U8 ? " / 2" : "", x->dim, w->dim);
    *k = x->sizes[x->dim - 1];
    int64_t want[EMBER_MAX_DIMS];
    ember_tensor_sizes(x, want);
    want[x->dim - 1] = w->sizes[0];
    return ember_check_shape(ctx, "out", out, x->dim, want);
}

ember_status ember_prepare_quantized_decomposed_mixed_linear_out(ember_kernel_ctx* ctx,
                                                                 ember_value* const* args,
                                                                 size_t num_args,
                                                                 ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 7);
    ember_tensor *x, *w, *scales, *zp, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", F32_BIT, &x));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "weight", EMBER_DTYPE_BIT(EMBER_DTYPE_I8), &w));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "weight_scales", F32_BIT, &scales));
    EMBER_TRY(ember_arg_opt_tensor(ctx, args, 3, "weight_zero_points", EMBER_DTYPES_ALL, &zp));
    EMBER_REQUIRE(ctx, zp == NULL, EMBER_NOT_SUPPORTED,
                  "weight_zero_points is given: only symmetric weights (no zero points) are "
                  "supported, as in ExecuTorch's kernel");
    EMBER_TRY(ember_arg_opt_kind(ctx, args, 4, "dtype", EMBER_VALUE_INT));
    if (!ember_is_null(args[4]))
        EMBER_REQUIRE(ctx, args[4]->u.i == EMBER_DTYPE_F32, EMBER_NOT_SUPPORTED,
                      "dtype = %lld: only float32 (%d) or None is supported",
                      (long long)args[4]->u.i, EMBER_DTYPE_F32);
    EMBER_TRY(ember_arg_out(ctx, args, 5, "out", F32_BIT, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, 6, "returned out", EMBER_VALUE_TENSOR));
    int64_t k = 0;
    EMBER_TRY(check_linear_shapes(ctx, x, w, out, &k));
    const int64_t n = w->sizes[0];
    EMBER_REQUIRE(ctx, w->sizes[1] == k, EMBER_SHAPE_MISMATCH,
                  "input has %lld features, weight (%lld, %lld) expects %lld", (long long)k,
                  (long long)n, (long long)w->sizes[1], (long long)w->sizes[1]);
    const bool per_channel = (scales->dim == 1 && scales->sizes[0] == n) ||
                             (scales->dim == 2 && scales->sizes[0] == n && scales->sizes[1] == 1);
    if (!per_channel) {
        char s[96];
        int64_t sizes[EMBER_MAX_DIMS];
        ember_tensor_sizes(scales, sizes);
        ember_shape_str(s, sizeof s, scales->dim, sizes);
        ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH,
                          "weight_scales has shape %s, expected (%lld) or (%lld, 1): one scale "
                          "per output channel (groups of K are not supported)",
                          s, (long long)n, (long long)n);
        return EMBER_SHAPE_MISMATCH;
    }
    *run = pick_ql(8);
    return EMBER_OK;
}

ember_status ember_prepare_ember_linear_int4_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                 size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 7);
    ember_tensor *x, *w, *scales, *bias, *out;
    int64_t group = 0;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", F32_BIT, &x));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "weight", EMBER_DTYPE_BIT(EMBER_DTYPE_U8), &w));
    EMBER_TRY(ember_arg_tensor(ctx, args, 2, "scales", F32_BIT, &scales));
    EMBER_TRY(ember_arg_int(ctx, args, 3, "group_size", &group));
    EMBER_REQUIRE(ctx, group == 32 || group == 64 || group == 128 || group == 256,
                  EMBER_NOT_SUPPORTED, "group_size = %lld: only 32, 64, 128 and 256 are supported",
                  (long long)group);
    EMBER_TRY(ember_arg_opt_tensor(ctx, args, 4, "bias", F32_BIT, &bias));
    EMBER_TRY(ember_arg_out(ctx, args, 5, "out", F32_BIT, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, 6, "returned out", EMBER_VALUE_TENSOR));
    int64_t k = 0;
    EMBER_TRY(check_linear_shapes(ctx, x, w, out, &k));
    const int64_t n = w->sizes[0];
    EMBER_REQUIRE(ctx, k % 2 == 0, EMBER_SHAPE_MISMATCH,
                  "input has %lld features, an odd number: int4 weights hold two per byte",
                  (long long)k);
    EMBER_REQUIRE(ctx, w->sizes[1] * 2 == k, EMBER_SHAPE_MISMATCH,
                  "input has %lld features, weight (%lld, %lld) holds %lld per row (two per byte)",
                  (long long)k, (long long)n, (long long)w->sizes[1], (long long)(w->sizes[1] * 2));
    EMBER_REQUIRE(ctx, k % group == 0, EMBER_SHAPE_MISMATCH,
                  "group_size = %lld does not divide the %lld input features", (long long)group,
                  (long long)k);
    EMBER_REQUIRE(ctx, scales->dim == 2 && scales->sizes[0] == n && scales->sizes[1] == k / group,
                  EMBER_SHAPE_MISMATCH,
                  "scales must be (%lld, %lld): one per output channel and group of %lld "
                  "features, got rank %d%s", (long long)n, (long long)(k / group),
                  (long long)group, scales->dim, scales->dim == 2 ? " of other sizes" : "");
    if (bias)
        EMBER_REQUIRE(ctx, bias->dim == 1 && bias->sizes[0] == n, EMBER_SHAPE_MISMATCH,
                      "bias must be (%lld), got rank %d with %lld elements", (long long)n,
                      bias->dim, (long long)bias->numel);
    *run = pick_ql(4);
    return EMBER_OK;
}
