/* qlinear.c — the weight-only quantized linear layers (quantized_decomposed::mixed_linear.out,
 * int8; ember::linear_int4.out, int4) against the fp32 aten::linear.out on the same shapes,
 * each called through its prepare / run as the runtime calls it (tests/c/kernel_harness.h
 * builds the arguments), one thread.
 *
 *   taskset -c 0 build/bin/bench_qlinear [--reps N] [--avx2 | --portable] [--m M1,M2,..]
 *                                         [--group G]
 *
 * Shapes (K, N): (768, 3072), an MLP layer of a 768-wide model, and (768, 50272), OPT-125m's
 * output projection (the weights past the last-level cache: decoding streams them from
 * memory); M = 1 (decode) and 128 (prefill) unless --m says otherwise; int4 groups of 64
 * unless --group. Per (shape, M) the three run interleaved N times (default 21, fewer for the
 * largest products) after a warm-up; prints the median microseconds of each, for M <= 4 the
 * GB/s of weight bytes read (the weight plus its scales: what a matrix-vector product must
 * stream, once), for larger M the GFLOP/s (2 M N K), and the ratio fp32 time / quantized time
 * (> 1: the quantized layer is faster). --avx2 / --portable mask the CPU features down
 * (ember_kernel_cpu_mask_set) before the kernels are prepared, for all three. Pin it (taskset)
 * and keep the machine otherwise idle: the numbers are medians, but a shared machine still
 * moves them. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_time.h"
#include "tests/c/kernel_harness.h"

/* One prepared call: its values, the run function prepare chose, its context. */
typedef struct call {
    ember_value a[7];
    ember_value* ptrs[7];
    ember_kernel_ctx ctx;
    ember_kernel_run_fn run;
    char msg[256];
} call;

static void prepare(call* c, const char* op, size_t n)
{
    for (size_t i = 0; i < n; i++) c->ptrs[i] = &c->a[i];
    const ember_kernel* k = ember_kernel_find(op, strlen(op));
    c->ctx = (ember_kernel_ctx){.op_name = op, .msg = c->msg, .msg_bytes = sizeof c->msg};
    if (!k || k->prepare(&c->ctx, c->ptrs, n, &c->run) != EMBER_OK) {
        printf("%s: prepare failed: %s\n", op, c->msg);
        exit(1);
    }
}

static double time_run(call* c)
{
    const double t = bench_now();
    if (c->run(&c->ctx, c->ptrs) != EMBER_OK) {
        printf("run failed: %s\n", c->msg);
        exit(1);
    }
    return bench_now() - t;
}

static void* alloc(size_t bytes)
{
    void* p = malloc(bytes ? bytes : 1);
    if (!p) {
        printf("out of memory\n");
        exit(1);
    }
    return p;
}

static void bench(int64_t k, int64_t n, int64_t m, int64_t group, int reps)
{
    float* x = alloc((size_t)(m * k) * sizeof(float));
    float* wf = alloc((size_t)(n * k) * sizeof(float));
    int8_t* w8 = alloc((size_t)(n * k));
    uint8_t* w4 = alloc((size_t)(n * k / 2));
    float* s8 = alloc((size_t)n * sizeof(float));
    float* s4 = alloc((size_t)(n * (k / group)) * sizeof(float));
    float* bias = alloc((size_t)n * sizeof(float));
    float* out = alloc((size_t)(m * n) * sizeof(float));
    srand(1);
    for (int64_t i = 0; i < m * k; i++) x[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
    for (int64_t i = 0; i < n * k; i++) w8[i] = (int8_t)(rand() % 255 - 127);
    for (int64_t i = 0; i < n * k; i++) wf[i] = (float)w8[i] / 127.0f;
    for (int64_t i = 0; i < n * k / 2; i++) w4[i] = (uint8_t)(rand() & 255);
    for (int64_t i = 0; i < n; i++) s8[i] = 1.0f / 127.0f, bias[i] = 0.0f;
    for (int64_t i = 0; i < n * (k / group); i++) s4[i] = 1.0f / 7.0f;

    const int32_t xs[2] = {(int32_t)m, (int32_t)k}, os[2] = {(int32_t)m, (int32_t)n};
    const int32_t ws[2] = {(int32_t)n, (int32_t)k}, w4s[2] = {(int32_t)n, (int32_t)(k / 2)};
    const int32_t s8s[1] = {(int32_t)n}, s4s[2] = {(int32_t)n, (int32_t)(k / group)};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, xs);
    ember_tensor to = th_tensor(EMBER_DTYPE_F32, out, 2, os);
    ember_tensor twf = th_tensor(EMBER_DTYPE_F32, wf, 2, ws);
    ember_tensor tw8 = th_tensor(EMBER_DTYPE_I8, w8, 2, ws);
    ember_tensor tw4 = th_tensor(EMBER_DTYPE_U8, w4, 2, w4s);
    ember_tensor ts8 = th_tensor(EMBER_DTYPE_F32, s8, 1, s8s);
    ember_tensor ts4 = th_tensor(EMBER_DTYPE_F32, s4, 2, s4s);
    static call cf, c8, c4;
    const ember_value af[5] = {th_tensor_value(&tx), th_tensor_value(&twf), th_null(),
                               th_tensor_value(&to), th_tensor_value(&to)};
    const ember_value a8[7] = {th_tensor_value(&tx), th_tensor_value(&tw8), th_tensor_value(&ts8),
                               th_null(), th_null(), th_tensor_value(&to), th_tensor_value(&to)};
    const ember_value a4[7] = {th_tensor_value(&tx), th_tensor_value(&tw4), th_tensor_value(&ts4),
                               th_int(group), th_null(), th_tensor_value(&to),
                               th_tensor_value(&to)};
    memcpy(cf.a, af, sizeof af);
    memcpy(c8.a, a8, sizeof a8);
    memcpy(c4.a, a4, sizeof a4);
    prepare(&cf, "aten::linear.out", 5);
    prepare(&c8, "quantized_decomposed::mixed_linear.out", 7);
    prepare(&c4, "ember::linear_int4.out", 7);

    const double flop = 2.0 * (double)m * (double)n * (double)k;
    if (flop * reps > 2e11) reps = (int)(2e11 / flop) | 1; /* the largest products: fewer */
    if (reps < 3) reps = 3;
    double* tf = alloc((size_t)reps * sizeof(double));
    double* t8 = alloc((size_t)reps * sizeof(double));
    double* t4 = alloc((size_t)reps * sizeof(double));
    for (int r = -1; r < reps; r++) { /* one warm-up */
        const double a = time_run(&cf), b = time_run(&c8), c = time_run(&c4);
        if (r >= 0) tf[r] = a, t8[r] = b, t4[r] = c;
    }
    const double mf = bench_median(tf, reps), m8 = bench_median(t8, reps);
    const double m4 = bench_median(t4, reps);
    const double bf = 4.0 * (double)(n * k), b8 = (double)(n * k) + 4.0 * (double)n;
    const double b4 = (double)(n * k / 2) + 4.0 * (double)(n * (k / group));
    if (m <= 4)
        printf("%5lld %6lld %4lld  %9.1f %9.1f %9.1f  %6.1f %6.1f %6.1f GB/s  x%5.2f x%5.2f\n",
               (long long)k, (long long)n, (long long)m, mf * 1e6, m8 * 1e6, m4 * 1e6,
               bf / mf * 1e-9, b8 / m8 * 1e-9, b4 / m4 * 1e-9, mf / m8, mf / m4);
    else
        printf("%5lld %6lld %4lld  %9.1f %9.1f %9.1f  %6.1f %6.1f %6.1f GFLOP/s  x%5.2f x%5.2f\n",
               (long long)k, (long long)n, (long long)m, mf * 1e6, m8 * 1e6, m4 * 1e6,
               flop / mf * 1e-9, flop / m8 * 1e-9, flop / m4 * 1e-9, mf / m8, mf / m4);
    free(x), free(wf), free(w8), free(w4), free(s8), free(s4), free(bias), free(out);
    free(tf), free(t8), free(t4);
}

int main(int argc, char** argv)
{
    int reps = 21;
    int64_t group = 64, ms[16] = {1, 128};
    int nm = 2;
    const char* isa = "best";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--avx2")) isa = "avx2";
        else if (!strcmp(argv[i], "--portable")) isa = "portable";
        else if (!strcmp(argv[i], "--group") && i + 1 < argc) group = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--m") && i + 1 < argc) {
            nm = 0;
            for (char* s = strtok(argv[++i], ","); s && nm < 16; s = strtok(NULL, ","))
                ms[nm++] = atoll(s);
        } else {
            fprintf(stderr, "usage: %s [--reps N] [--avx2 | --portable] [--m M1,M2,..] "
                    "[--group G]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1) reps = 1;
#if EMBER_HAVE_X86_KERNELS
    if (!strcmp(isa, "avx2")) ember_kernel_cpu_mask_set(EMBER_FEATURES_X86_AVX2);
#endif
    if (!strcmp(isa, "portable")) ember_kernel_cpu_mask_set(0);
    printf("kernels: %s (features %#llx), one thread, %d reps, medians; int4 groups of %lld\n",
           isa, (unsigned long long)ember_kernel_cpu_features(), reps, (long long)group);
    printf("%5s %6s %4s  %9s %9s %9s  %6s %6s %6s       %6s %6s\n", "K", "N", "M", "fp32 us",
           "int8 us", "int4 us", "fp32", "int8", "int4", "f/i8", "f/i4");
    static const int64_t shapes[2][2] = {{768, 3072}, {768, 50272}};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < nm; i++)
            if (ms[i] > 0) bench(shapes[s][0], shapes[s][1], ms[i], group, reps);
    return 0;
}
