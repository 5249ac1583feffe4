/* test_conv_optimized.c — the fast fp32 convolution paths (kernels/optimized/f32_conv.h)
 * against the portable kernel, the oracle (STYLE rule 5):
 *   1. aten::convolution.out through prepare/run, loaded once with ember_kernel_cpu_mask_set(0)
 *      (the portable direct loops), once with every detected feature (depthwise, pointwise
 *      GEMM, implicit im2col GEMM) and, on x86-64 with AVX2, once with the AVX2
 *      tier's features only, on random shapes:
 *      batch 1-3, odd channel counts, groups, ragged sizes, strides 1-3, padding, dilation,
 *      1-D, with and without bias;
 *   2. each depthwise variant the CPU has, and the GEMM path, called directly with a clamp
 *      epilogue ([0, 6], as a fused relu6 would) and a NaN in the input, against the portable
 *      output clamped the same way;
 *   3. the fast paths over an ember_threadpool of 2, 3 and 4 threads: the same bytes as one
 *      thread, for cuts along columns, rows, images x groups and depthwise planes;
 *   4. both GEMM orientations (F32_CONV_NN, F32_CONV_CT: lanes along output channels) forced,
 *      and the per-layer choice, for each x86 tier the CPU has, on shapes where the choice is
 *      F32_CONV_CT and on random ones (output channels not a multiple of the tile's columns,
 *      positions not a multiple of its rows, 1x1 and 3x3, stride 2, padding, dilation,
 *      groups, bias or none, a [-0.5, 0.5] clamp), against the portable output clamped alike;
 *      and 1 against 2 threads, bit for bit, in each orientation.
 *
 * Tolerance: both sides are fp32 sums of the same K = Ci/g*Kh*Kw products in a different
 * order; values are in [-1, 1), so an output's rounding error is about sqrt(K) * 6e-8 * K / 4.
 * 1e-5 * (1 + K / 8) relative (with a floor of 1 on the scale) passes every reordering and
 * fails a lost or misplaced product (about 0.25). */
#include <math.h>
#include <stdlib.h>

#include "kernels/optimized/f32_conv.h"
#include "tests/c/kernel_harness.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;
#include "tests/c/rng.h"

enum { MAX_X = 1 << 18, MAX_W = 1 << 20, MAX_Y = 1 << 18 };
static float xbuf[MAX_X], wbuf[MAX_W], bbuf[4096], ref[MAX_Y], got[MAX_Y];

typedef struct cfg {
    int64_t n, ci, h, w, co, kh, kw, sh, sw, ph, pw, dh, dw, g;
    int dim; /* 4: 2-D, 3: 1-D (h = kh = 1) */
    bool bias;
} cfg;

static int64_t out_len(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d)
{
    const int64_t t = in + 2 * p - d * (k - 1) - 1;
    return t < 0 ? 0 : t / s + 1;
}

/* Runs aten::convolution.out for c with features `mask` into y; false if it failed. */
static bool run(const cfg* c, uint64_t mask, float* y)
{
    const int64_t ho = out_len(c->h, c->kh, c->sh, c->ph, c->dh);
    const int64_t wo = out_len(c->w, c->kw, c->sw, c->pw, c->dw);
    int32_t xs[4] = {(int32_t)c->n, (int32_t)c->ci, (int32_t)c->h, (int32_t)c->w};
    int32_t ws[4] = {(int32_t)c->co, (int32_t)(c->ci / c->g), (int32_t)c->kh, (int32_t)c->kw};
    int32_t ys[4] = {(int32_t)c->n, (int32_t)c->co, (int32_t)ho, (int32_t)wo};
    int64_t st[2] = {c->sh, c->sw}, pd[2] = {c->ph, c->pw}, dl[2] = {c->dh, c->dw}, op[2] = {0, 0};
    if (c->dim == 3) { /* drop the H dim */
        xs[2] = xs[3], ws[2] = ws[3], ys[2] = ys[3];
        st[0] = st[1], pd[0] = pd[1], dl[0] = dl[1];
    }
    const int nsp = c->dim - 2;
    const int32_t bs[1] = {(int32_t)c->co};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, xbuf, c->dim, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, wbuf, c->dim, ws);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, bbuf, 1, bs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, c->dim, ys);
    ember_value v[11] = {
        th_tensor_value(&tx), th_tensor_value(&tw), c->bias ? th_tensor_value(&tb) : th_null(),
        th_int_list(st, (uint32_t)nsp), th_int_list(pd, (uint32_t)nsp),
        th_int_list(dl, (uint32_t)nsp), th_bool(false), th_int_list(op, (uint32_t)nsp),
        th_int(c->g), th_tensor_value(&ty), th_tensor_value(&ty)};
    ember_kernel_cpu_mask_set(mask);
    const ember_status s = th_run("aten::convolution.out", v, 11);
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    if (s != EMBER_OK) fprintf(stderr, "conv failed: %s\n", th_msg);
    return s == EMBER_OK;
}

static void describe(const cfg* c, char* buf, size_t bytes)
{
    snprintf(buf, bytes,
             "n %lld ci %lld %lldx%lld co %lld k %lldx%lld s %lld,%lld p %lld,%lld d %lld,%lld "
             "g %lld dim %d bias %d",
             (long long)c->n, (long long)c->ci, (long long)c->h, (long long)c->w,
             (long long)c->co, (long long)c->kh, (long long)c->kw, (long long)c->sh,
             (long long)c->sw, (long long)c->ph, (long long)c->pw, (long long)c->dh,
             (long long)c->dw, (long long)c->g, c->dim, c->bias);
}

/* Fills the inputs, runs c both ways and compares; returns false (after a message) if the
 * config does not fit the buffers or has an empty output. */
static bool check_cfg(const cfg* c)
{
    const int64_t ho = out_len(c->h, c->kh, c->sh, c->ph, c->dh);
    const int64_t wo = out_len(c->w, c->kw, c->sw, c->pw, c->dw);
    const int64_t nx = c->n * c->ci * c->h * c->w, nw = c->co * (c->ci / c->g) * c->kh * c->kw;
    const int64_t ny = c->n * c->co * ho * wo;
    if (ho <= 0 || wo <= 0 || nx > MAX_X || nw > MAX_W || ny > MAX_Y || c->co > 4096) return false;
    for (int64_t i = 0; i < nx; i++) xbuf[i] = uniform();
    for (int64_t i = 0; i < nw; i++) wbuf[i] = uniform();
    for (int64_t i = 0; i < c->co; i++) bbuf[i] = uniform();
    for (int64_t i = 0; i < ny; i++) ref[i] = got[i] = NAN;
    char what[200];
    describe(c, what, sizeof what);
    const bool ran = run(c, 0, ref) && run(c, ~(uint64_t)0, got);
    if (!ran) fprintf(stderr, "%s\n", what);
    CHECK(ran);
    const double k = (double)(c->ci / c->g * c->kh * c->kw);
    expect_close_f32(got, ref, (long)ny, 1e-5 * (1.0 + k / 8.0), what);
#if EMBER_HAVE_X86_KERNELS
    /* The AVX2 tier too, where the CPU has more (its features only). */
    const uint64_t avx2 = EMBER_FEATURES_X86_AVX2 |
                          EMBER_CPU_BIT(EMBER_CPU_AVX) | EMBER_CPU_BIT(EMBER_CPU_SSE4_1);
    if ((ember_cpu_features() & avx2) == avx2) {
        for (int64_t i = 0; i < ny; i++) got[i] = NAN;
        CHECK(run(c, avx2, got));
        expect_close_f32(got, ref, (long)ny, 1e-5 * (1.0 + k / 8.0), what);
    }
#endif
    return true;
}

/* Sanitizer builds re-run every call with hostile arguments (kernel_harness.h): fewer cases. */
enum { RANDOM_CASES = TH_HOSTILE ? 80 : 400 };

static void test_random(void)
{
    int cases = 0;
    while (cases < RANDOM_CASES) {
        cfg c = {.n = 1 + rnd(3), .dim = 4, .bias = rnd(4) != 0, .sh = 1, .sw = 1, .dh = 1,
                 .dw = 1};
        const uint32_t kind = rnd(5);
        c.h = 1 + rnd(30), c.w = 1 + rnd(40);
        c.kh = 1 + rnd(5), c.kw = 1 + rnd(5);
        if (rnd(3) == 0) c.sh = 1 + rnd(3), c.sw = 1 + rnd(3);
        c.ph = rnd((uint32_t)c.kh + 1), c.pw = rnd((uint32_t)c.kw + 1);
        if (rnd(4) == 0) c.dh = 1 + rnd(3), c.dw = 1 + rnd(3);
        if (kind == 0) { /* pointwise: one GEMM over the planes */
            c.kh = c.kw = 1, c.sh = c.sw = 1, c.ph = c.pw = 0;
            c.ci = 1 + rnd(70), c.co = 1 + rnd(70), c.g = 1;
        } else if (kind == 1) { /* depthwise, MobileNet's 3x3 / 5x5 at stride 1 / 2 mostly */
            c.ci = c.co = c.g = 1 + rnd(20);
            if (rnd(2)) c.kh = c.kw = rnd(2) ? 3 : 5, c.sh = c.sw = 1 + rnd(2),
                        c.ph = c.pw = c.kh / 2, c.dh = c.dw = 1;
            if (rnd(3) == 0) c.w = 1 + rnd(150); /* rows of several vectors */
        } else if (kind == 2) { /* grouped (depthwise with a channel multiplier included) */
            c.g = 1 + rnd(4);
            c.ci = c.g * (1 + rnd(6)), c.co = c.g * (1 + rnd(6));
        } else { /* general */
            c.ci = 1 + rnd(17), c.co = 1 + rnd(33), c.g = 1;
        }
        if (rnd(8) == 0) { /* 1-D */
            c.dim = 3, c.h = 1, c.kh = 1, c.sh = 1, c.ph = 0, c.dh = 1;
        }
        cases += check_cfg(&c);
    }
    printf("conv random: %d configurations\n", cases);
}

/* Shapes of the benchmarked networks, and K of many KC blocks (the implicit GEMM sums over them). */
static void test_networks(void)
{
    static const cfg cs[] = {
        /* n ci h w co kh kw sh sw ph pw dh dw g dim bias */
        {1, 3, 33, 35, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 4, false},  /* MobileNetV2 stem */
        {1, 32, 29, 30, 32, 3, 3, 1, 1, 1, 1, 1, 1, 32, 4, false}, /* its depthwise */
        {1, 96, 29, 30, 96, 3, 3, 2, 2, 1, 1, 1, 1, 96, 4, true},
        {1, 24, 13, 17, 144, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, true},  /* expand */
        {1, 3, 40, 40, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1, 4, false},  /* ResNet stem */
        {2, 64, 9, 9, 128, 1, 1, 2, 2, 0, 0, 1, 1, 1, 4, false},  /* downsample */
        {1, 512, 7, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true},   /* K = 4608: 24 K blocks */
        {1, 1000, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true},   /* K = 9000, 3 rows */
        {1, 256, 20, 20, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true}, /* K = 2304, 400 columns */
        {1, 1, 49, 10, 64, 10, 4, 2, 2, 5, 1, 1, 1, 1, 4, true},  /* DS-CNN */
        {1, 64, 25, 5, 64, 3, 3, 1, 1, 1, 1, 1, 1, 64, 4, true},
        {3, 5, 1, 300, 7, 1, 9, 1, 3, 0, 4, 1, 2, 1, 3, true},    /* 1-D, long */
    };
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) CHECK(check_cfg(&cs[i]));
}

/* ---- the variants directly, with a clamp and a NaN --------------------------------------- */

typedef struct dw_variant {
    const char* name;
    f32_conv2d_dw_fn fn;
    uint64_t needs;
    bool strips; /* the template without its 3x3 rows path (not what the op calls) */
} dw_variant;

static const dw_variant dw_variants[] = {
    {"generic", f32_conv2d_depthwise__generic, 0, false},
#if EMBER_HAVE_X86_KERNELS
    {"avx2", f32_conv2d_depthwise__avx2, EMBER_FEATURES_X86_AVX2, false},
    {"avx512", f32_conv2d_depthwise__avx512, EMBER_FEATURES_X86_AVX512, false}, /* DQ too */
    /* without the 3x3 rows path: the flat and phases paths on the shapes it takes */
    {"avx2 strips", f32_conv2d_depthwise_strips__avx2, EMBER_FEATURES_X86_AVX2, true},
    {"avx512 strips", f32_conv2d_depthwise_strips__avx512, EMBER_FEATURES_X86_AVX512, true},
#endif
};

static void clamp_ref(const cfg* c, float* y, float lo, float hi)
{
    const int64_t ny = c->n * c->co * out_len(c->h, c->kh, c->sh, c->ph, c->dh) *
                       out_len(c->w, c->kw, c->sw, c->pw, c->dw);
    for (int64_t i = 0; i < ny; i++) y[i] = f32_conv_clamp(y[i], lo, hi);
}

static f32_conv2d_shape shape_of(const cfg* c)
{
    return (f32_conv2d_shape){.n = c->n, .ci = c->ci, .h = c->h, .w = c->w, .co = c->co,
                              .ho = out_len(c->h, c->kh, c->sh, c->ph, c->dh),
                              .wo = out_len(c->w, c->kw, c->sw, c->pw, c->dw), .kh = c->kh,
                              .kw = c->kw, .sh = c->sh, .sw = c->sw, .ph = c->ph, .pw = c->pw,
                              .dh = c->dh, .dw = c->dw, .groups = c->g};
}

static void test_variants_clamp(void)
{
    const uint64_t have = ember_cpu_features();
    static const cfg dws[] = {
        {2, 7, 21, 37, 7, 3, 3, 1, 1, 1, 1, 1, 1, 7, 4, true},
        {1, 5, 20, 70, 5, 3, 3, 2, 2, 1, 1, 1, 1, 5, 4, true},
        {1, 3, 17, 100, 3, 5, 5, 1, 1, 2, 2, 1, 1, 3, 4, false},
        {1, 3, 17, 100, 3, 5, 5, 2, 2, 2, 2, 1, 1, 3, 4, true},
        {1, 4, 12, 90, 4, 3, 2, 3, 3, 0, 1, 2, 2, 4, 4, true}, /* stride 3, dilation 2 */
        {1, 2, 6, 3, 2, 5, 5, 1, 1, 1, 1, 1, 1, 2, 4, true},   /* no interior column */
    };
    for (size_t i = 0; i < sizeof dws / sizeof dws[0]; i++) {
        const cfg* c = &dws[i];
        CHECK(check_cfg(c)); /* fills the inputs, ref = portable */
        xbuf[5] = NAN;       /* reaches a few outputs */
        CHECK(run(c, 0, ref));
        clamp_ref(c, ref, 0.0f, 6.0f);
        const f32_conv2d_shape s = shape_of(c);
        const int64_t ny = c->n * c->co * s.ho * s.wo;
        for (size_t v = 0; v < sizeof dw_variants / sizeof dw_variants[0]; v++) {
            if ((have & dw_variants[v].needs) != dw_variants[v].needs) continue;
            for (int64_t j = 0; j < ny; j++) got[j] = -1.0f;
            dw_variants[v].fn(got, xbuf, wbuf, c->bias ? bbuf : NULL, &s, 0.0f, 6.0f);
            char what[240];
            describe(c, what, sizeof what);
            snprintf(what + strlen(what), sizeof what - strlen(what), " %s", dw_variants[v].name);
            expect_close_f32(got, ref, (long)ny, 1e-5 * 3.0, what);
        }
    }
    /* The GEMM path with the portable GEMM and a clamp. */
    static const cfg gs[] = {
        {2, 9, 11, 13, 10, 3, 3, 2, 1, 1, 0, 1, 2, 1, 4, true},
        {1, 6, 8, 8, 9, 1, 1, 1, 1, 0, 0, 1, 1, 3, 4, true},
        {2, 600, 6, 7, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true}, /* K = 5400, clamped */
    };
    for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) {
        const cfg* c = &gs[i];
        CHECK(check_cfg(c));
        xbuf[3] = NAN;
        CHECK(run(c, 0, ref));
        clamp_ref(c, ref, 0.0f, 6.0f);
        const f32_conv2d_shape s = shape_of(c);
        const f32_conv_gemms portable = {f32_gemm_nn__portable, f32_gemm_nn_src__portable, NULL,
                                         1, 1, F32_CONV_AUTO, NULL, NULL};
        CHECK(f32_conv2d_gemm(got, xbuf, wbuf, c->bias ? bbuf : NULL, &s, &portable, 0.0f, 6.0f,
                              NULL) == EMBER_OK);
        expect_close_f32(got, ref, (long)(c->n * c->co * s.ho * s.wo), 1e-4, "gemm clamp");
        for (int o = F32_CONV_AUTO; o <= F32_CONV_CT; o++) {
            f32_conv_gemms fast = f32_conv_gemms_pick(have);
            fast.orient = (f32_conv_orient)o;
            CHECK(f32_conv2d_gemm(got, xbuf, wbuf, c->bias ? bbuf : NULL, &s, &fast, 0.0f, 6.0f,
                                  NULL) == EMBER_OK);
            expect_close_f32(got, ref, (long)(c->n * c->co * s.ho * s.wo), 1e-4,
                             o == F32_CONV_CT ? "gemm clamp fast ct" : "gemm clamp fast");
        }
    }
}

/* ---- threads: the same bytes for 1 and N threads ------------------------------------------ */

static float got1[MAX_Y];

/* The fast path of c (GEMM or depthwise, the CPU's best variants) with pool into y. */
static void run_direct(const cfg* c, ember_threadpool* pool, float* y)
{
    const uint64_t have = ember_cpu_features();
    const f32_conv2d_shape s = shape_of(c);
    if (f32_conv2d_is_depthwise(&s)) {
        f32_conv2d_dw_fn dw = f32_conv2d_depthwise__generic;
        for (size_t v = 0; v < sizeof dw_variants / sizeof dw_variants[0]; v++)
            if ((have & dw_variants[v].needs) == dw_variants[v].needs && !dw_variants[v].strips)
                dw = dw_variants[v].fn;
        CHECK(f32_conv2d_depthwise_par(y, xbuf, wbuf, c->bias ? bbuf : NULL, &s, dw, -INFINITY,
                                       INFINITY, pool) == EMBER_OK);
    } else {
        const f32_conv_gemms g = f32_conv_gemms_pick(have);
        CHECK(f32_conv2d_gemm(y, xbuf, wbuf, c->bias ? bbuf : NULL, &s, &g, -INFINITY, INFINITY,
                              pool) == EMBER_OK);
    }
}

static void test_threads(void)
{
    static _Alignas(64) uint8_t mem[1 << 16];
    static const cfg cs[] = {
        {1, 64, 30, 30, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true},   /* cut along columns */
        {1, 256, 7, 7, 100, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true},   /* along rows, ragged */
        {1, 96, 9, 9, 77, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, false},    /* pointwise, rows */
        {1, 40, 33, 31, 50, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, true},   /* pointwise, columns */
        {2, 16, 20, 20, 32, 3, 3, 2, 2, 1, 1, 1, 1, 2, 4, true},   /* images x groups */
        {1, 3, 64, 64, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 4, false},   /* a stem */
        {2, 67, 30, 30, 67, 3, 3, 1, 1, 1, 1, 1, 1, 67, 4, true},  /* depthwise */
        {1, 144, 28, 28, 144, 5, 5, 2, 2, 2, 2, 1, 1, 144, 4, false},
    };
    for (size_t threads = 2; threads <= 4; threads++) {
        ember_threadpool* pool;
        CHECK(ember_threadpool_bytes(threads) <= sizeof mem);
        CHECK(ember_threadpool_init(mem, sizeof mem, threads, &pool) == EMBER_OK);
        for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
            const cfg* c = &cs[i];
            CHECK(check_cfg(c)); /* fills the inputs; the fast path matches the oracle */
            const f32_conv2d_shape s = shape_of(c);
            const int64_t ny = c->n * c->co * s.ho * s.wo;
            run_direct(c, NULL, got1);
            for (int64_t j = 0; j < ny; j++) got[j] = NAN;
            run_direct(c, pool, got);
            char what[240];
            describe(c, what, sizeof what);
            const bool same = memcmp(got, got1, (size_t)ny * sizeof(float)) == 0;
            if (!same) fprintf(stderr, "%s: %zu threads differ from 1\n", what, threads);
            CHECK(same);
        }
        ember_threadpool_destroy(pool);
    }
}

/* ---- both orientations -------------------------------------------------------------------- */

static float got2[MAX_Y];

/* The weight packed once (f32_conv2d_gemm_pack): when g runs s as F32_CONV_CT and has a
 * packed form, f32_conv2d_gemm_bp gives got's bytes (f32_conv2d_gemm, 1 thread) on 1 thread
 * and over pool; the copy fills exactly f32_conv2d_gemm_packed_bytes (a canary after it). */
static void check_packed(const cfg* c, const f32_conv2d_shape* s, const f32_conv_gemms* g,
                         ember_threadpool* pool, const char* what)
{
    const size_t bytes = f32_conv2d_gemm_packed_bytes(s, g);
    const bool ct = g->ct && f32_conv2d_gemm_orient(s, g) == F32_CONV_CT;
    CHECK(bytes == 0 || ct);
    if (!ct || !g->ct_bp) return;
    CHECK(bytes > 0);
    float* packed = malloc(bytes + 64);
    CHECK(packed != NULL);
    if (!packed) return;
    memset(packed, 0x7f, bytes + 64);
    f32_conv2d_gemm_pack(packed, wbuf, s, g);
    const unsigned char* canary = (const unsigned char*)packed + bytes;
    for (int i = 0; i < 64; i++) CHECK(canary[i] == 0x7f);
    const int64_t ny = c->n * c->co * s->ho * s->wo;
    for (int threads = 0; threads < (pool ? 2 : 1); threads++) {
        for (int64_t j = 0; j < ny; j++) got2[j] = NAN;
        CHECK(f32_conv2d_gemm_bp(got2, xbuf, packed, c->bias ? bbuf : NULL, s, g, -0.5f, 0.5f,
                                 threads ? pool : NULL) == EMBER_OK);
        const bool same = memcmp(got, got2, (size_t)ny * sizeof(float)) == 0;
        if (!same) fprintf(stderr, "%s: packed weight (%d threads) differs\n", what, threads + 1);
        CHECK(same);
    }
    free(packed);
}

/* c with every tier's GEMMs in both orientations and as chosen, against ref (portable,
 * clamped to [-0.5, 0.5]), the CT ones also on their weight packed once; with pool, 1 and 2
 * threads agree bit for bit. */
static void check_orients(const cfg* c, ember_threadpool* pool)
{
    CHECK(check_cfg(c)); /* fills the inputs */
    CHECK(run(c, 0, ref));
    clamp_ref(c, ref, -0.5f, 0.5f);
    const f32_conv2d_shape s = shape_of(c);
    const int64_t ny = c->n * c->co * s.ho * s.wo;
    const double k = (double)(c->ci / c->g * c->kh * c->kw);
    char what[240];
    describe(c, what, sizeof what);
    const size_t wl = strlen(what);
    static const uint64_t tiers[] = {
#if EMBER_HAVE_X86_KERNELS
        EMBER_FEATURES_X86_AVX512,
        EMBER_FEATURES_X86_AVX2,
#endif
        0,
    };
    for (size_t t = 0; t < sizeof tiers / sizeof tiers[0]; t++) {
        if ((ember_cpu_features() & tiers[t]) != tiers[t]) continue;
        for (int o = F32_CONV_AUTO; o <= F32_CONV_CT; o++) {
            f32_conv_gemms g = f32_conv_gemms_pick(tiers[t]);
            g.orient = (f32_conv_orient)o;
            snprintf(what + wl, sizeof what - wl, " tier %zu orient %d", t, o);
            for (int64_t j = 0; j < ny; j++) got[j] = got2[j] = NAN;
            CHECK(f32_conv2d_gemm(got, xbuf, wbuf, c->bias ? bbuf : NULL, &s, &g, -0.5f, 0.5f,
                                  NULL) == EMBER_OK);
            expect_close_f32(got, ref, (long)ny, 1e-5 * (1.0 + k / 8.0), what);
            check_packed(c, &s, &g, pool, what);
            if (!pool) continue;
            CHECK(f32_conv2d_gemm(got2, xbuf, wbuf, c->bias ? bbuf : NULL, &s, &g, -0.5f, 0.5f,
                                  pool) == EMBER_OK);
            const bool same = memcmp(got, got2, (size_t)ny * sizeof(float)) == 0;
            if (!same) fprintf(stderr, "%s: 2 threads differ from 1\n", what);
            CHECK(same);
        }
    }
}

static void test_orientations(void)
{
    static _Alignas(64) uint8_t mem[1 << 16];
    ember_threadpool* pool;
    CHECK(ember_threadpool_init(mem, sizeof mem, 2, &pool) == EMBER_OK);
    static const cfg cs[] = {
        /* n ci h w co kh kw sh sw ph pw dh dw g dim bias */
        {1, 160, 7, 7, 960, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, true},   /* MobileNetV2, 7x7 */
        {1, 96, 14, 14, 576, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, false}, /* 14x14 */
        {1, 200, 7, 7, 64, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, true},    /* K = 200: 2 K blocks */
        {1, 256, 7, 7, 100, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true},   /* ragged channels, K 2304 */
        {1, 128, 14, 14, 256, 3, 3, 2, 2, 1, 1, 1, 1, 1, 4, true}, /* stride 2: 7x7 out */
        {2, 96, 9, 11, 70, 3, 3, 1, 1, 2, 2, 2, 2, 1, 4, false},   /* dilation, padding */
        {1, 64, 8, 8, 96, 3, 3, 1, 1, 1, 1, 1, 1, 2, 4, true},     /* groups */
        {1, 128, 14, 14, 128, 1, 1, 2, 2, 0, 0, 1, 1, 1, 4, false}, /* 1x1 stride 2 */
        {1, 3, 31, 29, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1, 4, true},    /* a stem */
        {1, 33, 5, 6, 37, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, true},     /* 30 positions, 37 ch */
        {1, 32, 28, 27, 48, 1, 1, 1, 1, 0, 0, 1, 1, 1, 4, true},   /* threads cut positions */
        {1, 24, 30, 26, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, false},
    };
    int chosen_ct = 0;
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        check_orients(&cs[i], pool);
        f32_conv2d_shape s = shape_of(&cs[i]);
        const f32_conv_gemms g = f32_conv_gemms_pick(ember_cpu_features());
        chosen_ct += f32_conv2d_gemm_orient(&s, &g) == F32_CONV_CT;
    }
#if EMBER_HAVE_X86_KERNELS
    if ((ember_cpu_features() & EMBER_FEATURES_X86_AVX2) == EMBER_FEATURES_X86_AVX2)
        CHECK(chosen_ct >= 3); /* the first three at least */
#endif
    (void)chosen_ct;
    for (int cases = 0; cases < (TH_HOSTILE ? 10 : 60);) {
        cfg c = {.n = 1 + rnd(2), .dim = 4, .bias = rnd(3) != 0, .sh = 1, .sw = 1, .dh = 1,
                 .dw = 1, .g = 1};
        c.h = 1 + rnd(16), c.w = 1 + rnd(16);
        c.ci = 1 + rnd(90), c.co = 1 + rnd(130);
        if (rnd(2)) {
            c.kh = c.kw = 3, c.ph = c.pw = rnd(3);
            if (rnd(3) == 0) c.sh = c.sw = 2;
            if (rnd(5) == 0) c.dh = c.dw = 2;
        } else {
            c.kh = c.kw = 1;
            if (rnd(4) == 0) c.sh = c.sw = 2;
        }
        if (rnd(5) == 0) c.g = 2, c.ci += c.ci % 2, c.co += c.co % 2;
        if (out_len(c.h, c.kh, c.sh, c.ph, c.dh) <= 0 || out_len(c.w, c.kw, c.sw, c.pw, c.dw) <= 0)
            continue;
        check_orients(&c, rnd(4) == 0 ? pool : NULL);
        cases++;
    }
    ember_threadpool_destroy(pool);
}

/* ---- depthwise: each path of f32_conv_dw.inc against the portable kernel ------------------ */

/* Random depthwise shapes aimed at the template's paths: stride 1 with Wo == W (the flat path,
 * small and large planes, masks at every edge), other strides and paddings (stride phases,
 * strips of several rows), 3x3 at stride 1 or 2 with padding 0 or 1 (the rows path; the
 * strips variants take those through the other paths), kernels of 1..7 columns, dilation, 9x9
 * and rows too wide for a strip (the generic fallback), ragged widths, two images; each variant the CPU has called
 * directly with and without a clamp and a NaN in the input, against the portable kernel (the
 * op with mask 0), then over 2 threads: the same bytes as one. */
static void test_depthwise_paths(void)
{
    static _Alignas(64) uint8_t mem[1 << 16];
    ember_threadpool* pool;
    CHECK(ember_threadpool_init(mem, sizeof mem, 2, &pool) == EMBER_OK);
    const uint64_t have = ember_cpu_features();
    int done = 0;
    for (int t = 0; t < (TH_HOSTILE ? 60 : 300); t++) {
        cfg c = {1 + rnd(2), 1 + rnd(6), 1 + rnd(40), 1 + rnd(70), 0, 1 + rnd(5), 1 + rnd(5),
                 1, 1, 0, 0, 1, 1, 0, 4, rnd(2) == 0};
        if (t % 3 == 0) { /* "same" stride 1: the flat path */
            c.dh = rnd(4) == 0 ? 2 : 1, c.dw = rnd(4) == 0 ? 2 : 1;
            c.kh = 1 + 2 * rnd(3), c.kw = 1 + 2 * rnd(3);
            c.ph = (c.kh - 1) * c.dh / 2, c.pw = (c.kw - 1) * c.dw / 2;
        } else {
            c.sh = 1 + rnd(3), c.sw = 1 + rnd(3);
            c.ph = rnd((uint32_t)c.kh), c.pw = rnd((uint32_t)c.kw);
            c.dh = rnd(5) == 0 ? 2 : 1, c.dw = rnd(5) == 0 ? 2 : 1;
        }
        if (t % 5 == 4) { /* 3x3, stride 1 or 2, padding 0 or 1: the rows path */
            c.kh = c.kw = 3, c.dh = c.dw = 1;
            c.sh = c.sw = 1 + rnd(2), c.ph = rnd(2), c.pw = rnd(2);
            c.w = 1 + rnd(t % 2 ? 150 : 40);
        }
        if (t % 10 == 1) c.h = 60 + rnd(60), c.w = 60 + rnd(60), c.ci = 8; /* many vectors */
        if (t % 25 == 2) c.kh = c.kw = 9;                                   /* > 64 taps */
        if (t % 25 == 3) c.h = 3, c.w = 3000 + rnd(100), c.ci = 2;          /* too wide */
        if (t % 25 == 4) c.kh = c.kw = 7, c.ph = c.pw = 3;                  /* 49 taps */
        c.co = c.g = c.ci;
        if (!check_cfg(&c)) continue; /* fills the inputs; the op's fast path vs portable */
        done++;
        xbuf[rnd((uint32_t)(c.n * c.ci * c.h * c.w))] = NAN;
        const f32_conv2d_shape s = shape_of(&c);
        const int64_t ny = c.n * c.co * s.ho * s.wo;
        char what[240];
        for (int clamp = 0; clamp < 2; clamp++) {
            const float lo = clamp ? 0.0f : -INFINITY, hi = clamp ? 6.0f : INFINITY;
            CHECK(run(&c, 0, ref));
            clamp_ref(&c, ref, lo, hi);
            for (size_t v = 0; v < sizeof dw_variants / sizeof dw_variants[0]; v++) {
                if ((have & dw_variants[v].needs) != dw_variants[v].needs) continue;
                describe(&c, what, sizeof what);
                snprintf(what + strlen(what), sizeof what - strlen(what), " %s clamp %d",
                         dw_variants[v].name, clamp);
                for (int64_t j = 0; j < ny; j++) got[j] = -1.0f;
                dw_variants[v].fn(got, xbuf, wbuf, c.bias ? bbuf : NULL, &s, lo, hi);
                const double k = (double)(c.kh * c.kw);
                expect_close_f32(got, ref, (long)ny, 1e-5 * (1.0 + k / 8.0), what);
                for (int64_t j = 0; j < ny; j++) got1[j] = -2.0f;
                CHECK(f32_conv2d_depthwise_par(got1, xbuf, wbuf, c.bias ? bbuf : NULL, &s,
                                               dw_variants[v].fn, lo, hi, pool) == EMBER_OK);
                const bool same = memcmp(got, got1, (size_t)ny * sizeof(float)) == 0;
                if (!same) fprintf(stderr, "%s: 2 threads differ from 1\n", what);
                CHECK(same);
            }
        }
    }
    CHECK(done > (TH_HOSTILE ? 20 : 100));
    ember_threadpool_destroy(pool);
}

/* ---- stems: f32_conv2d_stem against the portable kernel ------------------------------------ */

/* Random shapes f32_conv2d_stem_fits takes (1..4 input and 1..64 output channels, 3x3 at
 * stride 1 or 2 with padding 0 or 1, ragged and wide rows, up to Wo = 512, two images), each
 * variant the CPU has called directly with and without a clamp and a NaN in the input, against
 * the portable kernel (the op with mask 0; the op itself runs the stem with every feature,
 * check_cfg), then over 2 threads: the same bytes as one. */
static void test_stem_paths(void)
{
#if EMBER_HAVE_X86_KERNELS
    static _Alignas(64) uint8_t mem[1 << 16];
    ember_threadpool* pool;
    CHECK(ember_threadpool_init(mem, sizeof mem, 2, &pool) == EMBER_OK);
    static const struct {
        const char* name;
        f32_conv2d_stem_fn fn;
        uint64_t needs;
    } variants[] = {
        {"avx2", f32_conv2d_stem__avx2, EMBER_FEATURES_X86_AVX2},
        {"avx512", f32_conv2d_stem__avx512, EMBER_FEATURES_X86_AVX512},
    };
    const uint64_t have = ember_cpu_features();
    int done = 0;
    for (int t = 0; t < (TH_HOSTILE ? 30 : 150); t++) {
        const int64_t st = 1 + rnd(2);
        cfg c = {1 + rnd(2), 1 + rnd(4), 1 + rnd(30), 1 + rnd(t % 3 ? 70 : 300), 1 + rnd(64),
                 3, 3, st, st, rnd(2), rnd(2), 1, 1, 1, 4, rnd(3) != 0};
        if (t == 0) c = (cfg){1, 3, 3, 1024, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 4, true}; /* Wo 512 */
        if (t == 1) c = (cfg){1, 4, 6, 514, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1, 4, true}; /* Wo 512 */
        if (!check_cfg(&c)) continue; /* fills the inputs; the op's fast path vs portable */
        const f32_conv2d_shape s = shape_of(&c);
        CHECK(f32_conv2d_stem_fits(&s));
        done++;
        xbuf[rnd((uint32_t)(c.n * c.ci * c.h * c.w))] = NAN;
        const int64_t ny = c.n * c.co * s.ho * s.wo;
        char what[240];
        for (int clamp = 0; clamp < 2; clamp++) {
            const float lo = clamp ? 0.0f : -INFINITY, hi = clamp ? 6.0f : INFINITY;
            CHECK(run(&c, 0, ref));
            clamp_ref(&c, ref, lo, hi);
            for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
                if ((have & variants[v].needs) != variants[v].needs) continue;
                describe(&c, what, sizeof what);
                snprintf(what + strlen(what), sizeof what - strlen(what), " stem %s clamp %d",
                         variants[v].name, clamp);
                for (int64_t j = 0; j < ny; j++) got[j] = -1.0f;
                variants[v].fn(got, xbuf, wbuf, c.bias ? bbuf : NULL, &s, lo, hi, 0,
                               c.n * s.ho);
                expect_close_f32(got, ref, (long)ny, 1e-5 * (1.0 + (double)(c.ci * 9) / 8.0),
                                 what);
                for (int64_t j = 0; j < ny; j++) got1[j] = -2.0f;
                CHECK(f32_conv2d_stem_par(got1, xbuf, wbuf, c.bias ? bbuf : NULL, &s,
                                          variants[v].fn, lo, hi, pool) == EMBER_OK);
                const bool same = memcmp(got, got1, (size_t)ny * sizeof(float)) == 0;
                if (!same) fprintf(stderr, "%s: 2 threads differ from 1\n", what);
                CHECK(same);
            }
        }
    }
    CHECK(done > (TH_HOSTILE ? 10 : 60));
    /* what it does not take: 5 input channels, 65 output channels, groups, 5x5, stride 3,
     * padding 2, dilation, Wo 513 */
    const cfg no[] = {
        {1, 5, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true},
        {1, 3, 8, 8, 65, 3, 3, 1, 1, 1, 1, 1, 1, 1, 4, true},
        {1, 4, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 2, 4, true},
        {1, 3, 8, 8, 8, 5, 5, 1, 1, 1, 1, 1, 1, 1, 4, true},
        {1, 3, 8, 8, 8, 3, 3, 3, 3, 1, 1, 1, 1, 1, 4, true},
        {1, 3, 8, 8, 8, 3, 3, 1, 1, 2, 2, 1, 1, 1, 4, true},
        {1, 3, 8, 8, 8, 3, 3, 1, 1, 1, 1, 2, 2, 1, 4, true},
        {1, 3, 3, 515, 8, 3, 3, 1, 1, 0, 0, 1, 1, 1, 4, true},
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        const f32_conv2d_shape s = shape_of(&no[i]);
        CHECK(!f32_conv2d_stem_fits(&s));
    }
    ember_threadpool_destroy(pool);
#endif
}

int main(void)
{
    test_random();
    test_orientations();
    test_networks();
    test_variants_clamp();
    test_threads();
    test_depthwise_paths();
    test_stem_paths();
    return check_report("test_conv_optimized");
}
