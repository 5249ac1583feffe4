/* conv_dw.c — the depthwise kernel (f32_conv2d_depthwise__ISA: 3x3 layers by rows straight
 * from the input) against its strips paths (f32_conv2d_depthwise_strips__ISA: the flat and
 * phases paths every other shape takes) on MobileNetV2's depthwise layers, clamp [0, 6] as
 * there.
 *
 *   taskset -c 0 build/bin/bench_conv_dw [--reps N] [--avx2] [--layer I]
 *
 * and its stem (--layer 10): f32_conv2d_stem against the GEMM path.
 *
 * Per layer the two run interleaved N times (default 31) after a warm-up; prints the median
 * microseconds of each, the ratio strips / rows (> 1: rows faster), each one's GFLOP/s
 * (2 C 9 Ho Wo) and the max |difference| between their outputs. One thread: the kernels are
 * what a thread runs on its run of channels. Pin it (taskset) and keep the machine otherwise
 * idle: the numbers are medians, but a shared machine still moves them. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_time.h"
#include "kernels/kernel.h"
#include "kernels/optimized/f32_conv.h"


typedef struct layer {
    int64_t c, hw, stride;
} layer;

static void bench(const layer* l, int reps, int avx512)
{
#if EMBER_HAVE_X86_KERNELS
    const int64_t ho = (l->hw + 2 - 3) / l->stride + 1;
    const f32_conv2d_shape s = {.n = 1, .ci = l->c, .h = l->hw, .w = l->hw, .co = l->c,
                                .ho = ho, .wo = ho, .kh = 3, .kw = 3, .sh = l->stride,
                                .sw = l->stride, .ph = 1, .pw = 1, .dh = 1, .dw = 1,
                                .groups = l->c};
    const f32_conv2d_dw_fn rows = avx512 ? f32_conv2d_depthwise__avx512 : f32_conv2d_depthwise__avx2;
    const f32_conv2d_dw_fn strips =
        avx512 ? f32_conv2d_depthwise_strips__avx512 : f32_conv2d_depthwise_strips__avx2;
    const size_t nx = (size_t)(s.ci * s.h * s.w), nw = (size_t)(s.co * 9);
    const size_t ny = (size_t)(s.co * s.ho * s.wo);
    float* x = malloc(nx * sizeof(float));
    float* w = malloc(nw * sizeof(float));
    float* bias = malloc((size_t)s.co * sizeof(float));
    float* y1 = malloc(ny * sizeof(float));
    float* y2 = malloc(ny * sizeof(float));
    double* tr = malloc((size_t)reps * sizeof(double));
    double* ts = malloc((size_t)reps * sizeof(double));
    if (!x || !w || !bias || !y1 || !y2 || !tr || !ts) {
        printf("out of memory\n");
        exit(1);
    }
    srand(1);
    for (size_t i = 0; i < nx; i++) x[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (size_t i = 0; i < nw; i++) w[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (int64_t i = 0; i < s.co; i++) bias[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (int warm = 0; warm < 2; warm++) {
        rows(y1, x, w, bias, &s, 0.0f, 6.0f);
        strips(y2, x, w, bias, &s, 0.0f, 6.0f);
    }
    for (int r = 0; r < reps; r++) {
        double t = bench_now();
        rows(y1, x, w, bias, &s, 0.0f, 6.0f);
        tr[r] = bench_now() - t;
        t = bench_now();
        strips(y2, x, w, bias, &s, 0.0f, 6.0f);
        ts[r] = bench_now() - t;
    }
    double diff = 0.0;
    for (size_t i = 0; i < ny; i++) diff = fmax(diff, fabs((double)y1[i] - y2[i]));
    const double mr = bench_median(tr, reps), ms = bench_median(ts, reps);
    const double flop = 2.0 * (double)(s.co * 9 * s.ho * s.wo);
    printf("%4lld %3lldx%-3lld s%lld  %8.1f %8.1f  x%5.2f  %6.1f %6.1f  %8.1e\n", (long long)s.ci,
           (long long)s.h, (long long)s.w, (long long)l->stride, mr * 1e6, ms * 1e6, ms / mr,
           flop / mr * 1e-9, flop / ms * 1e-9, diff);
    free(x), free(w), free(bias), free(y1), free(y2), free(tr), free(ts);
#else
    (void)l, (void)reps, (void)avx512;
    printf("x86 only\n");
#endif
}

/* MobileNetV2's stem (3 -> 32, 3x3 stride 2, 224x224): f32_conv2d_stem against the GEMM path
 * (f32_conv2d_gemm, the implicit im2col) it replaces, interleaved. */
static void bench_stem(int reps, int avx512)
{
#if EMBER_HAVE_X86_KERNELS
    const f32_conv2d_shape s = {.n = 1, .ci = 3, .h = 224, .w = 224, .co = 32, .ho = 112,
                                .wo = 112, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1,
                                .dh = 1, .dw = 1, .groups = 1};
    const f32_conv2d_stem_fn stem = avx512 ? f32_conv2d_stem__avx512 : f32_conv2d_stem__avx2;
    const f32_conv_gemms g = f32_conv_gemms_pick(avx512 ? EMBER_FEATURES_X86_AVX512
                                                        : EMBER_FEATURES_X86_AVX2);
    const size_t nx = 3 * 224 * 224, nw = 32 * 27, ny = 32 * 112 * 112;
    float* x = malloc(nx * sizeof(float));
    float* w = malloc(nw * sizeof(float));
    float* bias = malloc(32 * sizeof(float));
    float* y1 = malloc(ny * sizeof(float));
    float* y2 = malloc(ny * sizeof(float));
    double* ts = malloc((size_t)reps * sizeof(double));
    double* tg = malloc((size_t)reps * sizeof(double));
    if (!x || !w || !bias || !y1 || !y2 || !ts || !tg) {
        printf("out of memory\n");
        exit(1);
    }
    srand(2);
    for (size_t i = 0; i < nx; i++) x[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (size_t i = 0; i < nw; i++) w[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (int i = 0; i < 32; i++) bias[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (int r = -2; r < reps; r++) { /* two warm-ups */
        double t = bench_now();
        stem(y1, x, w, bias, &s, 0.0f, 6.0f, 0, s.ho);
        const double a = bench_now() - t;
        t = bench_now();
        f32_conv2d_gemm(y2, x, w, bias, &s, &g, 0.0f, 6.0f, NULL);
        if (r >= 0) ts[r] = a, tg[r] = bench_now() - t;
    }
    double diff = 0.0;
    for (size_t i = 0; i < ny; i++) diff = fmax(diff, fabs((double)y1[i] - y2[i]));
    const double ms = bench_median(ts, reps), mg = bench_median(tg, reps);
    const double flop = 2.0 * 32 * 27 * 112 * 112;
    printf("stem 3->32 224x224 s2: stem %.1f us, gemm %.1f us, x%.2f; %.1f / %.1f GFLOP/s; max diff "
           "%.1e\n", ms * 1e6, mg * 1e6, mg / ms, flop / ms * 1e-9, flop / mg * 1e-9, diff);
    free(x), free(w), free(bias), free(y1), free(y2), free(ts), free(tg);
#else
    (void)reps, (void)avx512;
#endif
}

int main(int argc, char** argv)
{
    int reps = 31, avx512 = 1, only = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--avx2")) avx512 = 0;
        else if (!strcmp(argv[i], "--layer") && i + 1 < argc) only = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--reps N] [--avx2] [--layer I]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    const uint64_t have = ember_kernel_cpu_features();
    const uint64_t need = avx512 ? EMBER_FEATURES_X86_AVX512 : EMBER_FEATURES_X86_AVX2;
    if ((have & need) != need) {
        printf("this CPU lacks %s\n", avx512 ? "AVX-512" : "AVX2 and FMA");
        return 0;
    }
    static const layer mbv2[] = {
        {32, 112, 1}, {96, 112, 2}, {144, 56, 1}, {144, 56, 2}, {192, 28, 1}, {192, 28, 2},
        {384, 14, 1}, {576, 14, 1}, {576, 14, 2}, {960, 7, 1},
    };
    printf("%s, %d reps, medians, MobileNetV2's depthwise layers (3x3, padding 1)\n",
           avx512 ? "AVX-512" : "AVX2", reps);
    printf("%4s %7s %2s  %8s %8s  %6s  %6s %6s  %8s\n", "C", "map", "st", "rows us", "strips",
           "ratio", "GF/s r", "GF/s s", "max diff");
    for (size_t i = 0; i < sizeof mbv2 / sizeof mbv2[0]; i++)
        if (only < 0 || (size_t)only == i) bench(&mbv2[i], reps, avx512);
    if (only < 0 || only == 10) bench_stem(reps, avx512);
    return 0;
}
