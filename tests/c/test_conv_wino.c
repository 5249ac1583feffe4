/* test_conv_wino.c — Winograd F(2x2, 3x3) (kernels/optimized/f32_conv_wino.h) against a direct
 * convolution in double precision written here (the oracle: the portable kernel's loops, summed
 * in double), for each x86 variant the CPU has:
 *   1. random shapes: 1-2 images, Ci / Co of 1, 3, 17, 64 or random, H / W of 1, 2, 3, 7, 8,
 *      13, 56 or random (odd sizes: partial tiles), padding 0, 1, 2 per axis, bias or none,
 *      clamps [-inf, inf], [0, inf], [0, 6];
 *   2. ResNet-18's four 3x3 shapes (one image, fewer in sanitizer builds) and shapes with
 *      several blocks of input and of output channels, in both orientations (tiles in the
 *      vector lanes, or output channels where a plane has at most 64 tiles);
 *   3. a NaN in the input: every output the direct convolution makes NaN is NaN, and an output
 *      that is NaN where the direct one is not has the NaN inside its tile's 4x4 patch
 *      (Winograd spreads it over the patch: f32_conv_wino.h);
 *   4. 1 thread against 2 and 3 threads (ember_threadpool_init): the same bytes;
 *   5. f32_conv2d_wino_fits on shapes it must take and refuse;
 *   and prints, for ResNet-18's shapes, the largest error relative to the largest output of
 *   Winograd and of the portable kernel (aten::convolution.out with ember_kernel_cpu_mask_set(0))
 *   against the oracle, and of Winograd against the portable kernel.
 *
 * Tolerance: |got - want| <= TOL_ULPS x 2^-24 x scale, scale = sum over the input channels of
 * (sum of the 9 |w|) x (max |x| over the output's 4x4 tile patch), plus |bias|. Not the direct
 * sum of |terms|: Winograd computes every output of a tile from the whole patch (V = B^T d B
 * sums up to 4 inputs, U = G g G^T up to 9 weights in halves and quarters, y = A^T m A up to 9
 * products), so where the direct terms are few or small (a corner at padding 2: one product)
 * the rounding of the patch's larger values that cancel still shows; measured, up to ~500 x
 * 2^-24 x the direct sum of |terms| but at most ~3 x 2^-24 x scale on these tests (printed).
 * The 16 GEMMs are Ci-deep fp32 sums, so the bound grows with Ci: TOL_ULPS = 32 leaves room,
 * while a lost or misplaced product (about scale / (18 Ci) for uniform inputs: ~900 x 2^-24 x
 * scale at Ci = 1024) fails, as does a 2e-5 relative error in one column of U (checked by hand
 * when this test was written: 324 failures). */
#include <math.h>
#include <stdlib.h>

#include "kernels/optimized/f32_conv_wino.h"
#include "tests/c/kernel_harness.h"

#define TOL_ULPS 32.0

#if EMBER_HAVE_X86_KERNELS /* elsewhere there is no variant: only f32_conv2d_wino_fits */

static uint64_t rng = 0x2545f4914f6cdd1du;
#include "tests/c/rng.h"

enum { MAX_X = 1 << 19, MAX_W = 1 << 22, MAX_Y = 1 << 19 };
static float xbuf[MAX_X], wbuf[MAX_W], bbuf[1024], got[MAX_Y], got2[MAX_Y];
static double want[MAX_Y], mag[MAX_Y];
static _Alignas(64) float packed[16 * 516 * 512]; /* 512 x 512 at MR 12 */

typedef struct cfg {
    int64_t n, ci, h, w, co, ph, pw;
    bool bias;
} cfg;

static f32_conv2d_shape shape_of(const cfg* c)
{
    return (f32_conv2d_shape){.n = c->n, .ci = c->ci, .h = c->h, .w = c->w, .co = c->co,
                              .ho = c->h + 2 * c->ph - 2, .wo = c->w + 2 * c->pw - 2,
                              .kh = 3, .kw = 3, .sh = 1, .sw = 1, .ph = c->ph, .pw = c->pw,
                              .dh = 1, .dw = 1, .groups = 1};
}

static float gsum[MAX_W / 9], pmax[1 << 21]; /* sum |w| per (o, c); max |x| per (b, c, tile) */

/* want = the direct convolution in double, mag = the scale of its Winograd error (above; at
 * least the direct sum of |terms|); no clamp. */

static void direct(const f32_conv2d_shape* s, bool bias)
{
    const int64_t tw = (s->wo + 1) / 2, tiles = tw * ((s->ho + 1) / 2);
    for (int64_t k = 0; k < s->co * s->ci; k++) {
        double g = 0.0;
        for (int j = 0; j < 9; j++) g += fabs(wbuf[k * 9 + j]);
        gsum[k] = (float)g;
    }
    for (int64_t bc = 0; bc < s->n * s->ci; bc++)
        for (int64_t t = 0; t < tiles; t++) {
            const int64_t py = t / tw * 2 - s->ph, px = t % tw * 2 - s->pw;
            const float* x = xbuf + bc * s->h * s->w;
            float m = 0.0f;
            for (int64_t iy = py; iy < py + 4; iy++)
                for (int64_t ix = px; ix < px + 4; ix++)
                    if (iy >= 0 && iy < s->h && ix >= 0 && ix < s->w)
                        m = fmaxf(m, fabsf(x[iy * s->w + ix]));
            pmax[bc * tiles + t] = m;
        }
    for (int64_t b = 0; b < s->n; b++)
        for (int64_t o = 0; o < s->co; o++)
            for (int64_t oy = 0; oy < s->ho; oy++)
                for (int64_t ox = 0; ox < s->wo; ox++) {
                    double acc = bias ? bbuf[o] : 0.0, m = bias ? fabs(bbuf[o]) : 0.0;
                    const int64_t t = oy / 2 * tw + ox / 2;
                    for (int64_t c = 0; c < s->ci; c++) {
                        const float* x = xbuf + (b * s->ci + c) * s->h * s->w;
                        const float* g = wbuf + (o * s->ci + c) * 9;
                        m += (double)gsum[o * s->ci + c] * pmax[(b * s->ci + c) * tiles + t];
                        for (int ky = 0; ky < 3; ky++) {
                            const int64_t iy = oy + ky - s->ph;
                            if (iy < 0 || iy >= s->h) continue;
                            for (int kx = 0; kx < 3; kx++) {
                                const int64_t ix = ox + kx - s->pw;
                                if (ix < 0 || ix >= s->w) continue;
                                acc += (double)g[ky * 3 + kx] * x[iy * s->w + ix];
                            }
                        }
                    }
                    const int64_t i = ((b * s->co + o) * s->ho + oy) * s->wo + ox;
                    want[i] = acc, mag[i] = m;
                }
}

static double worst_ulps; /* the largest error seen, in 2^-24 x scale */

typedef struct variant {
    const char* name;
    uint64_t needs;
} variant;

static const variant variants[] = {
    {"avx512", EMBER_FEATURES_X86_AVX512},
    {"avx2", EMBER_FEATURES_X86_AVX2},
};

/* Compares got (clamped to [lo, hi]) with want; nan_at >= 0: the input index of a NaN. */
static void compare(const f32_conv2d_shape* s, float lo, float hi, int64_t nan_at,
                    const char* what)
{
    const int64_t ny = s->n * s->co * s->ho * s->wo;
    for (int64_t i = 0; i < ny; i++) {
        const double w = isnan(want[i]) ? NAN : f32_conv_clamp((float)want[i], lo, hi);
        const double g = got[i];
        bool ok;
        if (isnan(w)) {
            ok = isnan(g);
        } else if (isnan(g)) { /* only where the tile's patch holds the NaN */
            const int64_t ox = i % s->wo, oy = i / s->wo % s->ho, b = i / (s->wo * s->ho * s->co);
            const int64_t plane = s->h * s->w, nb = nan_at / (s->ci * plane);
            const int64_t ny_ = nan_at % plane / s->w, nx = nan_at % s->w;
            const int64_t py = oy / 2 * 2 - s->ph, px = ox / 2 * 2 - s->pw;
            ok = nan_at >= 0 && b == nb && ny_ >= py && ny_ < py + 4 && nx >= px && nx < px + 4;
        } else {
            const double err = fabs(g - w), scale = 0x1p-24 * mag[i];
            if (scale > 0 && err / scale > worst_ulps) worst_ulps = err / scale;
            ok = err <= TOL_ULPS * scale || (scale == 0 && g == w);
        }
        if (!ok) {
            fprintf(stderr, "%s: [%lld] got %.9g want %.9g (scale %.3g)\n", what,
                    (long long)i, g, w, mag[i]);
            CHECK(!what);
            return;
        }
    }
    CHECK(what);
}

static void describe(const cfg* c, const char* v, float lo, float hi, char* buf, size_t n)
{
    snprintf(buf, n, "%s n %lld ci %lld %lldx%lld co %lld p %lld,%lld bias %d clamp [%g, %g]",
             v, (long long)c->n, (long long)c->ci, (long long)c->h, (long long)c->w,
             (long long)c->co, (long long)c->ph, (long long)c->pw, c->bias, (double)lo,
             (double)hi);
}

/* Fills the inputs (a NaN at a random input when nan), runs the oracle and every variant
 * (with pool when not NULL: then also against one thread, bit for bit). False if c does not
 * fit the buffers. */
static bool check(const cfg* c, float lo, float hi, bool nan, ember_threadpool* pool)
{
    const f32_conv2d_shape s = shape_of(c);
    const int64_t nx = c->n * c->ci * c->h * c->w, nw = c->co * c->ci * 9;
    const int64_t ny = c->n * c->co * s.ho * s.wo;
    const int64_t tiles = (s.ho + 1) / 2 * ((s.wo + 1) / 2);
    if (s.ho < 1 || s.wo < 1 || nx > MAX_X || nw > MAX_W || ny > MAX_Y || c->co > 1024 ||
        c->n * c->ci * tiles > (int64_t)(sizeof pmax / sizeof pmax[0]))
        return false;
    for (int64_t i = 0; i < nx; i++) xbuf[i] = uniform();
    for (int64_t i = 0; i < nw; i++) wbuf[i] = uniform();
    for (int64_t i = 0; i < c->co; i++) bbuf[i] = uniform();
    const int64_t nan_at = nan ? (int64_t)rnd((uint32_t)nx) : -1;
    if (nan) xbuf[nan_at] = NAN;
    direct(&s, c->bias);
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        if ((ember_cpu_features() & variants[v].needs) != variants[v].needs) continue;
        f32_conv_wino wino;
        CHECK(f32_conv_wino_pick(variants[v].needs, &wino));
        const size_t bytes = wino.packed_bytes(&s);
        CHECK(bytes > 0 && bytes <= sizeof packed);
        if (bytes == 0 || bytes > sizeof packed) continue;
        wino.pack(packed, wbuf, &s);
        char what[200];
        describe(c, variants[v].name, lo, hi, what, sizeof what);
        for (int64_t i = 0; i < ny; i++) got[i] = -7.0f;
        CHECK(wino.run(got, xbuf, packed, c->bias ? bbuf : NULL, &s, lo, hi, NULL) == EMBER_OK);
        compare(&s, lo, hi, nan_at, what);
        if (!pool) continue;
        for (int64_t i = 0; i < ny; i++) got2[i] = -7.0f;
        CHECK(wino.run(got2, xbuf, packed, c->bias ? bbuf : NULL, &s, lo, hi, pool) == EMBER_OK);
        const bool same = memcmp(got, got2, (size_t)ny * sizeof(float)) == 0;
        if (!same) fprintf(stderr, "%s: %zu threads differ from 1\n", what,
                           ember_threadpool_threads(pool));
        CHECK(same);
    }
    return true;
}

static const float clamps[3][2] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}};

static int64_t pick_size(void)
{
    static const int64_t sizes[] = {1, 2, 3, 7, 8, 13, 56};
    return rnd(3) ? sizes[rnd(7)] : 1 + rnd(40);
}

static int64_t pick_channels(void)
{
    static const int64_t chans[] = {1, 3, 17, 64};
    return rnd(3) ? chans[rnd(4)] : 1 + rnd(100);
}

static void test_random(ember_threadpool* pool2, ember_threadpool* pool3)
{
    int cases = 0;
    while (cases < (TH_HOSTILE ? 60 : 300)) {
        cfg c = {1 + rnd(2), pick_channels(), pick_size(), pick_size(), pick_channels(),
                 rnd(3), rnd(3), rnd(3) != 0};
        if (c.h + 2 * c.ph < 3 || c.w + 2 * c.pw < 3) continue;
        if ((double)c.n * c.ci * c.co * c.h * c.w > (TH_HOSTILE ? 2e6 : 2e7)) continue;
        const float* cl = clamps[rnd(3)];
        ember_threadpool* pool = rnd(3) == 0 ? (rnd(2) ? pool2 : pool3) : NULL;
        cases += check(&c, cl[0], cl[1], rnd(6) == 0, pool);
    }
    printf("wino random: %d configurations, worst error %.2f x 2^-24 x scale\n", cases,
           worst_ulps);
}

/* aten::convolution.out with the portable kernel (ember_kernel_cpu_mask_set(0)) into y. */
static bool run_portable(const cfg* c, float* y)
{
    const f32_conv2d_shape s = shape_of(c);
    int32_t xs[4] = {(int32_t)c->n, (int32_t)c->ci, (int32_t)c->h, (int32_t)c->w};
    int32_t ws[4] = {(int32_t)c->co, (int32_t)c->ci, 3, 3};
    int32_t ys[4] = {(int32_t)c->n, (int32_t)c->co, (int32_t)s.ho, (int32_t)s.wo};
    int64_t st[2] = {1, 1}, pd[2] = {c->ph, c->pw}, dl[2] = {1, 1}, op[2] = {0, 0};
    const int32_t bs[1] = {(int32_t)c->co};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, xbuf, 4, xs);
    ember_tensor tw = th_tensor(EMBER_DTYPE_F32, wbuf, 4, ws);
    ember_tensor tb = th_tensor(EMBER_DTYPE_F32, bbuf, 1, bs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
    ember_value v[11] = {
        th_tensor_value(&tx), th_tensor_value(&tw), c->bias ? th_tensor_value(&tb) : th_null(),
        th_int_list(st, 2), th_int_list(pd, 2), th_int_list(dl, 2), th_bool(false),
        th_int_list(op, 2), th_int(1), th_tensor_value(&ty), th_tensor_value(&ty)};
    ember_kernel_cpu_mask_set(0);
    const ember_status r = th_run("aten::convolution.out", v, 11);
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    return r == EMBER_OK;
}

/* max |a - b| / max |b| over n. */
static double rel_max(const float* a, const double* b, int64_t n)
{
    double d = 0.0, m = 0.0;
    for (int64_t i = 0; i < n; i++) d = fmax(d, fabs(a[i] - b[i])), m = fmax(m, fabs(b[i]));
    return m > 0 ? d / m : d;
}

/* ResNet-18's shapes: the errors of Winograd (this CPU's best variant) and of the portable
 * kernel against the double-precision oracle, printed (the report's numbers; the pass/fail
 * bound is compare()'s). */
static void report_errors(void)
{
    static const cfg cs[] = {{1, 64, 56, 56, 64, 1, 1, true}, {1, 128, 28, 28, 128, 1, 1, true},
                             {1, 256, 14, 14, 256, 1, 1, true}, {1, 512, 7, 7, 512, 1, 1, true}};
    f32_conv_wino wino;
    if (!f32_conv_wino_pick(ember_kernel_cpu_features(), &wino)) return;
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        const cfg* c = &cs[i];
        const f32_conv2d_shape s = shape_of(c);
        const int64_t nx = c->n * c->ci * c->h * c->w, nw = c->co * c->ci * 9;
        const int64_t ny = c->n * c->co * s.ho * s.wo;
        for (int64_t j = 0; j < nx; j++) xbuf[j] = uniform();
        for (int64_t j = 0; j < nw; j++) wbuf[j] = uniform();
        for (int64_t j = 0; j < c->co; j++) bbuf[j] = uniform();
        direct(&s, true);
        wino.pack(packed, wbuf, &s);
        CHECK(wino.run(got, xbuf, packed, bbuf, &s, -INFINITY, INFINITY, NULL) == EMBER_OK);
        CHECK(run_portable(c, got2));
        double wp = 0.0, m = 0.0;
        for (int64_t j = 0; j < ny; j++)
            wp = fmax(wp, fabs(got[j] - got2[j])), m = fmax(m, fabs(got2[j]));
        printf("wino %lldx%lld x %lld: max |error| / max |out|: Winograd %.1e, portable %.1e "
               "(against double); Winograd against portable %.1e\n",
               (long long)c->h, (long long)c->w, (long long)c->ci, rel_max(got, want, ny),
               rel_max(got2, want, ny), m > 0 ? wp / m : wp);
    }
}

static void test_shapes(ember_threadpool* pool2, ember_threadpool* pool3)
{
    static const cfg cs[] = {
        /* n ci h w co ph pw bias */
        {1, 64, 56, 56, 64, 1, 1, true},    /* ResNet-18 */
        {1, 128, 28, 28, 128, 1, 1, false},
        {1, 256, 14, 14, 256, 1, 1, true},
        {1, 512, 7, 7, 512, 1, 1, true},
        {2, 150, 9, 11, 200, 1, 0, true},  /* transposed: channel blocks in and out */
        {1, 100, 20, 20, 300, 1, 1, true}, /* strips: 2-3 input and output channel blocks */
        {1, 70, 5, 40, 97, 2, 2, false},   /* 97: one channel past a block of 96 */
        {2, 20, 31, 33, 13, 0, 1, true},   /* odd output, ragged strips */
        {1, 5, 3, 300, 7, 1, 1, true},     /* long rows: several groups per tile row */
    };
    const int count = (int)(sizeof cs / sizeof cs[0]);
    for (int i = TH_HOSTILE ? 2 : 0; i < count; i++) {
        CHECK(check(&cs[i], -INFINITY, INFINITY, false, pool2));
        CHECK(check(&cs[i], 0.0f, 6.0f, true, pool3)); /* more threads than channel blocks */
    }
    printf("wino shapes: worst error %.2f x 2^-24 x scale\n", worst_ulps);
}

#endif /* EMBER_HAVE_X86_KERNELS */

static void test_fits(void)
{
    const f32_conv2d_shape ok = {.n = 1, .ci = 64, .h = 56, .w = 56, .co = 64, .ho = 56,
                                 .wo = 56, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .ph = 1, .pw = 1,
                                 .dh = 1, .dw = 1, .groups = 1};
    CHECK(f32_conv2d_wino_fits(&ok));
    f32_conv2d_shape s = ok;
    s.sh = s.sw = 2, s.ho = s.wo = 28;
    CHECK(!f32_conv2d_wino_fits(&s)); /* stride */
    s = ok, s.kh = s.kw = 5, s.ph = s.pw = 2;
    CHECK(!f32_conv2d_wino_fits(&s)); /* kernel */
    s = ok, s.dh = s.dw = 2, s.ph = s.pw = 2;
    CHECK(!f32_conv2d_wino_fits(&s)); /* dilation */
    s = ok, s.groups = 2;
    CHECK(!f32_conv2d_wino_fits(&s)); /* groups */
    s = ok, s.ph = s.pw = 3, s.ho = s.wo = 60;
    CHECK(!f32_conv2d_wino_fits(&s)); /* padding */
    s = ok, s.ho = 57;
    CHECK(!f32_conv2d_wino_fits(&s)); /* inconsistent output */
    s = ok, s.ci = 3;
    CHECK(!f32_conv2d_wino_fits(&s)); /* too few input channels to pay */
    s = ok, s.ci = s.co = 512, s.h = s.w = s.ho = s.wo = 7;
    CHECK(f32_conv2d_wino_fits(&s)); /* ResNet-18's last 3x3 layers */
    s = ok, s.h = 1, s.ph = 2, s.ho = 3, s.w = 2, s.pw = 0, s.wo = 0;
    CHECK(!f32_conv2d_wino_fits(&s)); /* empty output */
}

int main(void)
{
    static _Alignas(64) uint8_t mem2[1 << 16], mem3[1 << 16];
    ember_threadpool *pool2, *pool3;
    CHECK(ember_threadpool_init(mem2, sizeof mem2, 2, &pool2) == EMBER_OK);
    CHECK(ember_threadpool_init(mem3, sizeof mem3, 3, &pool3) == EMBER_OK);
    test_fits();
#if EMBER_HAVE_X86_KERNELS
    if (!TH_HOSTILE) report_errors(); /* slow under the sanitizers' hostile re-runs */
    test_shapes(pool2, pool3);
    test_random(pool2, pool3);
#endif
    ember_threadpool_destroy(pool2);
    ember_threadpool_destroy(pool3);
    return check_report("test_conv_wino");
}
