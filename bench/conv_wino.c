/* conv_wino.c — Winograd F(2x2, 3x3) (kernels/optimized/f32_conv_wino.h) against the current
 * 3x3 path, f32_conv2d_gemm with f32_conv_gemms_pick(ember_kernel_cpu_features()) (the
 * implicit im2col GEMM), on ResNet-18's 3x3 stride-1 shapes (or a sweep for the fits rule).
 *
 *   taskset -c 0 build/bin/bench_conv_wino [--reps N] [--threads T] [--avx2] [--sweep]
 *
 * Per shape the two run interleaved (Winograd, GEMM, Winograd, ...) N times (default 31) after
 * a warm-up; prints the median milliseconds of each, the ratio GEMM / Winograd (> 1: Winograd
 * faster), each one's GFLOP/s counted as the direct convolution's 2 Co Ci 9 Ho Wo, the max
 * |difference| between the two outputs relative to max |output|, and whether
 * f32_conv2d_wino_fits takes the shape. --avx2 uses the AVX2 variants of both (on an AVX-512
 * CPU); --threads T runs both over a pool of T threads; --sweep times channel counts and map
 * sizes around the fits limits. Pin it (taskset) and keep the machine otherwise idle: the
 * numbers are medians, but a shared machine still moves them. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_time.h"
#include "kernels/kernel.h"
#include "kernels/optimized/f32_conv_wino.h"


typedef struct shape {
    const char* name;
    int64_t ci, hw, co;
} shape;

static void bench(const shape* sh, int reps, uint64_t features, ember_threadpool* pool)
{
#if EMBER_HAVE_X86_KERNELS
    const f32_conv2d_shape s = {.n = 1, .ci = sh->ci, .h = sh->hw, .w = sh->hw, .co = sh->co,
                                .ho = sh->hw, .wo = sh->hw, .kh = 3, .kw = 3, .sh = 1, .sw = 1,
                                .ph = 1, .pw = 1, .dh = 1, .dw = 1, .groups = 1};
    f32_conv_wino wino;
    if (!f32_conv_wino_pick(features, &wino)) {
        printf("no Winograd variant for these features\n");
        return;
    }
    const f32_conv_gemms g = f32_conv_gemms_pick(features);
    const size_t nx = (size_t)(s.ci * s.h * s.w), nw = (size_t)(s.co * s.ci * 9);
    const size_t ny = (size_t)(s.co * s.ho * s.wo);
    float* x = malloc(nx * sizeof(float));
    float* w = malloc(nw * sizeof(float));
    float* bias = malloc((size_t)s.co * sizeof(float));
    float* y1 = malloc(ny * sizeof(float));
    float* y2 = malloc(ny * sizeof(float));
    float* packed = aligned_alloc(64, (wino.packed_bytes(&s) + 63) / 64 * 64);
    double* tw = malloc((size_t)reps * sizeof(double));
    double* tg = malloc((size_t)reps * sizeof(double));
    if (!x || !w || !bias || !y1 || !y2 || !packed || !tw || !tg) {
        printf("out of memory\n");
        exit(1);
    }
    srand(1);
    for (size_t i = 0; i < nx; i++) x[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (size_t i = 0; i < nw; i++) w[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (int64_t i = 0; i < s.co; i++) bias[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    wino.pack(packed, w, &s);
    for (int warm = 0; warm < 2; warm++) {
        wino.run(y1, x, packed, bias, &s, 0.0f, INFINITY, pool);
        f32_conv2d_gemm(y2, x, w, bias, &s, &g, 0.0f, INFINITY, pool);
    }
    for (int r = 0; r < reps; r++) {
        double t = bench_now();
        wino.run(y1, x, packed, bias, &s, 0.0f, INFINITY, pool);
        tw[r] = bench_now() - t;
        t = bench_now();
        f32_conv2d_gemm(y2, x, w, bias, &s, &g, 0.0f, INFINITY, pool);
        tg[r] = bench_now() - t;
    }
    double diff = 0.0, big = 0.0;
    for (size_t i = 0; i < ny; i++) {
        diff = fmax(diff, fabs((double)y1[i] - y2[i]));
        big = fmax(big, fabs((double)y2[i]));
    }
    const double mw = bench_median(tw, reps), mg = bench_median(tg, reps);
    const double flop = 2.0 * (double)(s.co * s.ci * 9 * s.ho * s.wo);
    printf("%-14s %4lld %3lldx%-3lld %4lld  %8.3f %8.3f  x%5.2f  %6.1f %6.1f  %8.1e  %s\n",
           sh->name, (long long)s.ci, (long long)s.h, (long long)s.w, (long long)s.co,
           mw * 1e3, mg * 1e3, mg / mw, flop / mw * 1e-9, flop / mg * 1e-9,
           big > 0 ? diff / big : diff, f32_conv2d_wino_fits(&s) ? "yes" : "no");
    free(x), free(w), free(bias), free(y1), free(y2), free(packed), free(tw), free(tg);
#else
    (void)sh, (void)reps, (void)features, (void)pool;
    printf("x86 only\n");
#endif
}

int main(int argc, char** argv)
{
    int reps = 31, threads = 1, sweep = 0;
    uint64_t features = ember_kernel_cpu_features();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--avx2")) features &= EMBER_FEATURES_X86_AVX2;
        else if (!strcmp(argv[i], "--sweep")) sweep = 1;
        else {
            fprintf(stderr, "usage: %s [--reps N] [--threads T] [--avx2] [--sweep]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    ember_threadpool* pool = NULL;
    void* mem = NULL;
    if (threads > 1) {
        mem = malloc(ember_threadpool_bytes((size_t)threads));
        if (!mem || ember_threadpool_init(mem, ember_threadpool_bytes((size_t)threads),
                                          (size_t)threads, &pool) != EMBER_OK) {
            fprintf(stderr, "no thread pool\n");
            return 1;
        }
    }
    static const shape resnet[] = {
        {"resnet18 l1", 64, 56, 64},
        {"resnet18 l2", 128, 28, 128},
        {"resnet18 l3", 256, 14, 256},
        {"resnet18 l4", 512, 7, 512},
    };
    static const shape sweep_shapes[] = {
        {"ch", 3, 56, 64},    {"ch", 4, 56, 64},    {"ch", 6, 56, 64},    {"ch", 8, 56, 8},
        {"ch", 64, 56, 4},    {"ch", 64, 56, 6},    {"ch", 16, 56, 16},   {"ch", 32, 56, 32},
        {"ch", 32, 28, 64},   {"ch", 64, 56, 16},   {"map", 64, 2, 64},   {"map", 64, 4, 64},
        {"map", 64, 8, 64},   {"map", 64, 14, 64},  {"map", 256, 2, 256}, {"map", 256, 4, 256},
        {"map", 256, 8, 256}, {"map", 256, 12, 256}, {"map", 512, 3, 512}, {"map", 512, 14, 512},
        {"map", 128, 7, 128}, {"map", 128, 20, 128},
    };
    const shape* list = sweep ? sweep_shapes : resnet;
    const size_t count = sweep ? sizeof sweep_shapes / sizeof sweep_shapes[0]
                               : sizeof resnet / sizeof resnet[0];
    printf("%d thread(s), %d reps, medians; flop/s counted as the direct convolution's\n",
           threads, reps);
    printf("%-14s %4s %7s %4s  %8s %8s  %6s  %6s %6s  %8s  %s\n", "shape", "ci", "map", "co",
           "wino ms", "gemm ms", "ratio", "GF/s w", "GF/s g", "rel diff", "fits");
    for (size_t i = 0; i < count; i++) bench(&list[i], reps, features, pool);
    if (pool) ember_threadpool_destroy(pool);
    free(mem);
    return 0;
}
