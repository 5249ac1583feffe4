/* test_ops_nn_pool.c — max_pool2d_with_indices.out, avg_pool2d.out, _adaptive_avg_pool2d.out
 * (portable f32) against torch 2.13 eager; inputs rounded to two decimals, values pasted below.
 * Tolerance 1e-5; indices exact. Then the fast fp32 max pool (kernels/optimized/f32_pool.h)
 * against the portable kernel on random shapes, bit for bit, with ties, NaNs and -inf in the
 * input: every variant the CPU has, through the op with 1 and 2 threads. */
#include "kernels/optimized/f32_pool.h"
#include "tests/c/kernel_harness.h"

/* x (1, 2, 5, 5); max_pool2d_with_indices k 3 s 2 p 1 -> (1, 2, 3, 3) */
static const float px[50] = {
    -1.13f, -1.14999998f, -0.25f, -0.430000007f, 0.850000024f, 0.689999998f, -0.319999993f,
    -2.11999989f, 0.319999993f, -1.25999999f, 0.349999994f, 0.310000002f, 0.119999997f,
    1.24000001f, 1.12f, -0.25f, -1.35000002f, -1.70000005f, 0.569999993f, 0.790000021f,
    0.600000024f, -1.55999994f, -0.340000004f, 1.85000002f, 0.75f, -0.589999974f, -0.170000002f,
    0.180000007f, 1.38999999f, 1.59000003f, 0.949999988f, -0.839999974f, -0.610000014f,
    0.0299999993f, 1.05999994f, 0.180000007f, -0.230000004f, -0.389999986f, 0.540000021f,
    -0.400000006f, 0.209999993f, -0.449999988f, 1.51999998f, 3.41000009f, -1.52999997f,
    -1.23000002f, 1.82000005f, -0.550000012f, -1.33000004f, 0.189999998f,
};
static const float mp1_y[18] = {
    0.689999998f, 0.319999993f, 0.850000024f, 0.689999998f, 1.24000001f, 1.24000001f,
    0.600000024f, 1.85000002f, 1.85000002f, 0.949999988f, 1.38999999f, 1.59000003f, 0.949999988f,
    3.41000009f, 3.41000009f, 1.82000005f, 3.41000009f, 3.41000009f,
};
static const int64_t mp1_i[18] = {
    5, 8, 4, 5, 13, 13, 20, 23, 23, 5, 3, 4, 5, 18, 18, 21, 18, 18,
};
/* k 2 s 2 ceil_mode -> (1, 2, 3, 3) */
static const float mp2_y[18] = {
    0.689999998f, 0.319999993f, 0.850000024f, 0.349999994f, 1.24000001f, 1.12f, 0.600000024f,
    1.85000002f, 0.75f, 0.949999988f, 1.38999999f, 1.59000003f, 0.209999993f, 3.41000009f,
    -0.400000006f, 1.82000005f, -0.550000012f, 0.189999998f,
};
static const int64_t mp2_i[18] = {
    5, 8, 4, 10, 13, 14, 20, 23, 24, 5, 3, 4, 15, 18, 14, 21, 22, 24,
};
/* k (2, 3) s (1, 2) p 1 dilation (2, 1) -> [1, 2, 5, 3] */
static const float mp3_y[30] = {
    0.689999998f, 0.319999993f, 0.319999993f, 0.349999994f, 1.24000001f, 1.24000001f,
    0.689999998f, 0.569999993f, 0.790000021f, 0.600000024f, 1.85000002f, 1.85000002f, -0.25f,
    0.569999993f, 0.790000021f, 0.949999988f, 0.0299999993f, 1.05999994f, 0.180000007f,
    1.38999999f, 1.59000003f, 0.949999988f, 3.41000009f, 3.41000009f, 1.82000005f, 1.82000005f,
    0.540000021f, 0.209999993f, 3.41000009f, 3.41000009f,
};
static const int64_t mp3_i[30] = {
    5, 8, 8, 10, 13, 13, 5, 18, 19, 20, 23, 23, 15, 18, 19, 5, 8, 9, 10, 3, 4, 5, 18, 18, 21, 21,
    13, 15, 18, 18,
};
/* avg_pool2d k 3 s 2 p 1 count_include_pad -> (1, 2, 3, 3) */
static const float ap1_y[18] = {
    -0.212222204f, -0.438888848f, -0.0577777773f, -0.06333334f, -0.325555563f, 0.308888882f,
    -0.284444451f, -0.281111121f, 0.439999998f, -0.0722222179f, -0.00222222367f, 0.452222198f,
    -0.0199999977f, 0.331111103f, 0.345555544f, 0.0388888903f, 0.49111113f, 0.0822222307f,
};
/* avg_pool2d k 3 s 2 p 1 ceil_mode, exclude pad -> [1, 2, 3, 3] */
static const float ap2_y[18] = {
    -0.477499962f, -0.658333242f, -0.129999995f, -0.0950000063f, -0.325555563f, 0.463333338f,
    -0.639999986f, -0.421666712f, 0.99000001f, -0.162499994f, -0.00333333551f, 1.01749992f,
    -0.0299999956f, 0.331111103f, 0.518333316f, 0.087500006f, 0.736666679f, 0.185000017f,
};
/* avg_pool2d k 2 stride [] divisor_override 3 -> [1, 2, 2, 2] */
static const float ap3_y[8] = {
    -0.636666596f, -0.826666653f, -0.313333362f, 0.0766666532f, -0.216666654f, 0.329999954f,
    -0.0966666639f, 1.69333327f,
};
/* _adaptive_avg_pool2d -> (1, 2, 3, 2) */
static const float aap_y[12] = {
    -0.713333309f, -0.481666654f, -0.474444419f, -0.102222256f, -0.76666671f, 0.319999993f,
    -0.179999992f, 0.606666625f, 0.0377777703f, 0.403333306f, 0.219999984f, 0.285000056f,
};
/* _adaptive_avg_pool2d on (3, 4, 4) -> (3, 1, 1) */
static const float aap3_x[48] = {
    1.11000001f, 1.28999996f, -1.48000002f, 2.56999993f, -0.469999999f, 0.340000004f,
    1.50999999f, 2.07999992f, -0.479999989f, -0.5f, -1.07000005f, 1.11000001f, -0.140000001f,
    0.810000002f, 0.330000013f, -0.75999999f, -0.839999974f, 0.0f, 0.839999974f, -0.400000006f,
    1.03999996f, 0.360000014f, -0.0f, -0.529999971f, -1.88f, -0.0500000007f, -1.03999996f,
    -0.959999979f, 0.0299999993f, 0.709999979f, -1.53999996f, -0.409999996f, 0.340000004f,
    0.519999981f, -2.6099999f, -1.70000005f, -0.230000004f, 0.280000001f, 0.0700000003f,
    1.11000001f, 0.340000004f, 0.449999988f, 0.460000008f, -0.870000005f, 0.779999971f,
    -0.930000007f, 0.209999993f, -0.330000013f,
};
static const float aap3_y[3] = {
    0.390625f, -0.291875005f, -0.131874979f,
};


static const int32_t XS[4] = {1, 2, 5, 5};

static ember_status max_pool(float* y, int64_t* idx, const int32_t* ys, const int64_t* k,
                             const int64_t* s, uint32_t ns, const int64_t* p, const int64_t* d,
                             bool ceil_mode)
{
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, idx, 4, ys);
    ember_value v[10] = {th_tensor_value(&tx), th_int_list(k, 2), th_int_list(s, ns),
                         th_int_list(p, 2),    th_int_list(d, 2), th_bool(ceil_mode),
                         th_tensor_value(&ty), th_tensor_value(&ti), th_tensor_value(&ty),
                         th_tensor_value(&ti)};
    return th_run("aten::max_pool2d_with_indices.out", v, 10);
}

static void check_indices(const int64_t* got, const int64_t* want, int n)
{
    int ok = 1;
    for (int i = 0; i < n; i++) ok &= got[i] == want[i];
    CHECK(ok);
}

static void test_max_pool(void)
{
    float y[30];
    int64_t idx[30];
    {
        const int32_t ys[4] = {1, 2, 3, 3};
        const int64_t k[2] = {3, 3}, s[2] = {2, 2}, p[2] = {1, 1}, d[2] = {1, 1};
        CHECK(max_pool(y, idx, ys, k, s, 2, p, d, false) == EMBER_OK);
        CHECK_NEAR_F32(y, mp1_y, 18, 1e-6f);
        check_indices(idx, mp1_i, 18);
        /* the two returns as one TensorList, as ExecuTorch writes them: 9 args */
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
        ember_tensor ti = th_tensor(EMBER_DTYPE_I64, idx, 4, ys);
        ember_tensor* rets[2] = {&ty, &ti};
        ember_value v[9] = {th_tensor_value(&tx), th_int_list(k, 2),    th_int_list(s, 2),
                            th_int_list(p, 2),    th_int_list(d, 2),    th_bool(false),
                            th_tensor_value(&ty), th_tensor_value(&ti), th_tensor_list(rets, 2)};
        memset(y, 0, sizeof y);
        memset(idx, 0, sizeof idx);
        CHECK(th_run("aten::max_pool2d_with_indices.out", v, 9) == EMBER_OK);
        CHECK_NEAR_F32(y, mp1_y, 18, 1e-6f);
        check_indices(idx, mp1_i, 18);
    }
    { /* ceil_mode; stride given as [] means stride = kernel */
        const int32_t ys[4] = {1, 2, 3, 3};
        const int64_t k[2] = {2, 2}, p[2] = {0, 0}, d[2] = {1, 1};
        CHECK(max_pool(y, idx, ys, k, NULL, 0, p, d, true) == EMBER_OK);
        CHECK_NEAR_F32(y, mp2_y, 18, 1e-6f);
        check_indices(idx, mp2_i, 18);
    }
    { /* rectangular kernel, dilation */
        const int32_t ys[4] = {1, 2, 5, 3};
        const int64_t k[2] = {2, 3}, s[2] = {1, 2}, p[2] = {1, 1}, d[2] = {2, 1};
        CHECK(max_pool(y, idx, ys, k, s, 2, p, d, false) == EMBER_OK);
        CHECK_NEAR_F32(y, mp3_y, 30, 1e-6f);
        check_indices(idx, mp3_i, 30);
    }
    { /* failures: wrong out shape, padding over half the kernel, float indices */
        const int32_t ys[4] = {1, 2, 2, 3};
        const int64_t k[2] = {3, 3}, s[2] = {2, 2}, p[2] = {1, 1}, d[2] = {1, 1};
        CHECK(max_pool(y, idx, ys, k, s, 2, p, d, false) == EMBER_SHAPE_MISMATCH);
        CHECK(strstr(th_msg, "[1, 2, 2, 3]") && strstr(th_msg, "[1, 2, 3, 3]"));
        const int64_t p2[2] = {2, 2};
        CHECK(max_pool(y, idx, ys, k, s, 2, p2, d, false) == EMBER_INVALID_ARGUMENT);
        const int32_t ys3[4] = {1, 2, 3, 3};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys3);
        ember_value v[10] = {th_tensor_value(&tx), th_int_list(k, 2), th_int_list(s, 2),
                             th_int_list(p, 2),    th_int_list(d, 2), th_bool(false),
                             th_tensor_value(&ty), th_tensor_value(&ty), th_tensor_value(&ty),
                             th_tensor_value(&ty)};
        CHECK(th_run("aten::max_pool2d_with_indices.out", v, 10) == EMBER_DTYPE_MISMATCH);
    }
}

static ember_status avg_pool(float* y, const int32_t* ys, const int64_t* k, const int64_t* s,
                             uint32_t ns, const int64_t* p, bool ceil_mode, bool include_pad,
                             ember_value divisor)
{
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
    ember_value v[9] = {th_tensor_value(&tx), th_int_list(k, 2),    th_int_list(s, ns),
                        th_int_list(p, 2),    th_bool(ceil_mode),   th_bool(include_pad),
                        divisor,              th_tensor_value(&ty), th_tensor_value(&ty)};
    return th_run("aten::avg_pool2d.out", v, 9);
}

static void test_avg_pool(void)
{
    float y[18];
    const int32_t ys[4] = {1, 2, 3, 3};
    const int64_t k[2] = {3, 3}, s[2] = {2, 2}, p[2] = {1, 1};
    CHECK(avg_pool(y, ys, k, s, 2, p, false, true, th_null()) == EMBER_OK);
    CHECK_NEAR_F32(y, ap1_y, 18, 1e-5f);
    CHECK(avg_pool(y, ys, k, s, 2, p, true, false, th_null()) == EMBER_OK);
    CHECK_NEAR_F32(y, ap2_y, 18, 1e-5f);
    const int32_t ys3[4] = {1, 2, 2, 2};
    const int64_t k3[2] = {2, 2}, p0[2] = {0, 0};
    CHECK(avg_pool(y, ys3, k3, NULL, 0, p0, false, true, th_int(3)) == EMBER_OK);
    CHECK_NEAR_F32(y, ap3_y, 8, 1e-5f);
    CHECK(avg_pool(y, ys, k3, NULL, 0, p0, false, true, th_int(3)) == EMBER_SHAPE_MISMATCH);
    CHECK(avg_pool(y, ys3, k3, NULL, 0, p0, false, true, th_int(0)) == EMBER_INVALID_ARGUMENT);
}

static void test_adaptive(void)
{
    float y[12];
    {
        const int32_t ys[4] = {1, 2, 3, 2};
        const int64_t os[2] = {3, 2};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)px, 4, XS);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
        ember_value v[4] = {th_tensor_value(&tx), th_int_list(os, 2), th_tensor_value(&ty),
                            th_tensor_value(&ty)};
        CHECK(th_run("aten::_adaptive_avg_pool2d.out", v, 4) == EMBER_OK);
        CHECK_NEAR_F32(y, aap_y, 12, 1e-5f);
    }
    {
        const int32_t xs[3] = {3, 4, 4}, ys[3] = {3, 1, 1}, bad[3] = {3, 1, 2};
        const int64_t os[2] = {1, 1};
        ember_tensor tx = th_tensor(EMBER_DTYPE_F32, (void*)aap3_x, 3, xs);
        ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 3, ys);
        ember_value v[4] = {th_tensor_value(&tx), th_int_list(os, 2), th_tensor_value(&ty),
                            th_tensor_value(&ty)};
        CHECK(th_run("aten::_adaptive_avg_pool2d.out", v, 4) == EMBER_OK);
        CHECK_NEAR_F32(y, aap3_y, 3, 1e-5f);
        ty = th_tensor(EMBER_DTYPE_F32, y, 3, bad);
        CHECK(th_run("aten::_adaptive_avg_pool2d.out", v, 4) == EMBER_SHAPE_MISMATCH);
    }
}

/* ---- the fast max pool against the portable kernel ---------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1du;
#include "tests/c/rng.h"

enum { MP_MAX = 1 << 16 };
static float mp_x[MP_MAX], mp_ref[MP_MAX], mp_got[MP_MAX];
static int64_t mp_iref[MP_MAX], mp_igot[MP_MAX];

static int64_t mp_out_len(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode)
{
    const int64_t t = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    int64_t o = (t < 0 ? -((-t + s - 1) / s) : t / s) + 1;
    if (ceil_mode && o > 0 && (o - 1) * s >= in + p) o--;
    return o;
}

/* max_pool2d_with_indices.out of mp_x (n, c, h, w) with CPU features `mask` over `pool` into
 * y, yi (shape ys); the status of prepare or run. */
static ember_status mp_run(const int32_t* xs, const int32_t* ys, const int64_t* k,
                           const int64_t* s, const int64_t* p, const int64_t* d, bool ceil_mode,
                           uint64_t mask, ember_threadpool* pool, float* y, int64_t* yi)
{
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, mp_x, 4, xs);
    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, y, 4, ys);
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, yi, 4, ys);
    ember_value v[10] = {th_tensor_value(&tx), th_int_list(k, 2), th_int_list(s, 2),
                         th_int_list(p, 2),    th_int_list(d, 2), th_bool(ceil_mode),
                         th_tensor_value(&ty), th_tensor_value(&ti), th_tensor_value(&ty),
                         th_tensor_value(&ti)};
    ember_value* args[10];
    for (int i = 0; i < 10; i++) args[i] = &v[i];
    const char* name = "aten::max_pool2d_with_indices.out";
    const ember_kernel* kern = ember_kernel_find(name, strlen(name));
    ember_kernel_ctx ctx = {.op_name = name, .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    ember_kernel_cpu_mask_set(mask);
    ember_status st = kern->prepare(&ctx, args, 10, &run);
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    if (st != EMBER_OK) return st;
    ctx.pool = pool;
    return run(&ctx, args);
}

static bool mp_same(int64_t n) /* mp_got, mp_igot against mp_ref, mp_iref, bit for bit */
{
    return memcmp(mp_got, mp_ref, (size_t)n * sizeof(float)) == 0 &&
           memcmp(mp_igot, mp_iref, (size_t)n * sizeof(int64_t)) == 0;
}

static void test_max_pool_fast(void)
{
    static _Alignas(64) uint8_t mem[1 << 16];
    ember_threadpool* pool;
    CHECK(ember_threadpool_init(mem, sizeof mem, 2, &pool) == EMBER_OK);
    typedef struct {
        const char* name;
        f32_maxpool2d_fn fn;
        uint64_t needs;
    } variant;
    const variant variants[] = {
        {"scalar", f32_maxpool2d__scalar, 0},
#if EMBER_HAVE_X86_KERNELS
        {"avx2", f32_maxpool2d__avx2, EMBER_FEATURES_X86_AVX2},
        {"avx512", f32_maxpool2d__avx512,
         EMBER_FEATURES_X86_AVX512},
#endif
    };
    const uint64_t features = ember_kernel_cpu_features();
    int failures = 0;
    for (int t = 0; t < 400; t++) {
        /* ResNet's stem pool first, then random: kernel 1-4, stride 1-3 (1 and 2 mostly),
         * padding up to half the kernel, dilation 1-2, ceil_mode; ragged widths around the
         * vector widths. */
        int64_t n = 1, c = 3, h = 112, w = 112, k[2] = {3, 3}, s[2] = {2, 2}, p[2] = {1, 1},
                d[2] = {1, 1};
        bool ceil_mode = false;
        if (t > 0) {
            n = 1 + rnd(2), c = 1 + rnd(3), h = 1 + rnd(40), w = 1 + rnd(70);
            for (int a = 0; a < 2; a++) {
                k[a] = 1 + rnd(4);
                s[a] = rnd(4) == 0 ? 3 : 1 + rnd(2);
                p[a] = rnd((uint32_t)(k[a] / 2 + 1));
                d[a] = rnd(4) == 0 ? 2 : 1;
            }
            ceil_mode = rnd(3) == 0;
        }
        const int64_t ho = mp_out_len(h, k[0], s[0], p[0], d[0], ceil_mode);
        const int64_t wo = mp_out_len(w, k[1], s[1], p[1], d[1], ceil_mode);
        if (ho < 1 || wo < 1 || n * c * ho * wo > MP_MAX) continue;
        /* few distinct values (ties), a NaN in some windows, -inf runs */
        const int64_t nx = n * c * h * w;
        const bool nans = rnd(2) == 0;
        for (int64_t i = 0; i < nx; i++) {
            const uint32_t r = rnd(64);
            mp_x[i] = (nans && r == 0) ? NAN : (r == 1 ? -INFINITY : (float)((int)rnd(9) - 4));
        }
        if (t % 7 == 0) /* a plane of -inf: indices of windows without a winner */
            for (int64_t i = 0; i < h * w; i++) mp_x[i] = -INFINITY;
        const int32_t xs[4] = {(int32_t)n, (int32_t)c, (int32_t)h, (int32_t)w};
        const int32_t ys[4] = {(int32_t)n, (int32_t)c, (int32_t)ho, (int32_t)wo};
        const int64_t ny = n * c * ho * wo;
        char what[200];
        snprintf(what, sizeof what,
                 "x (%lld, %lld, %lld, %lld) k (%lld, %lld) s (%lld, %lld) p (%lld, %lld) "
                 "d (%lld, %lld) ceil %d",
                 (long long)n, (long long)c, (long long)h, (long long)w, (long long)k[0],
                 (long long)k[1], (long long)s[0], (long long)s[1], (long long)p[0],
                 (long long)p[1], (long long)d[0], (long long)d[1], ceil_mode);
        CHECK(mp_run(xs, ys, k, s, p, d, ceil_mode, 0, NULL, mp_ref, mp_iref) == EMBER_OK);
        /* the op with the CPU's best variant, 1 and 2 threads */
        for (int threads = 1; threads <= 2; threads++) {
            memset(mp_got, 0xff, (size_t)ny * sizeof(float));
            memset(mp_igot, 0xff, (size_t)ny * sizeof(int64_t));
            CHECK(mp_run(xs, ys, k, s, p, d, ceil_mode, ~(uint64_t)0,
                         threads == 2 ? pool : NULL, mp_got, mp_igot) == EMBER_OK);
            if (!mp_same(ny) && failures++ < 5)
                fprintf(stderr, "%s: op with %d thread(s) differs from portable\n", what, threads);
            CHECK(mp_same(ny));
        }
        /* each variant, the planes in two calls */
        const f32_pool2d_shape sh = {n * c, h, w, ho, wo, k[0], k[1], s[0], s[1],
                                     p[0], p[1], d[0], d[1]};
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
            if ((features & variants[v].needs) != variants[v].needs) continue;
            memset(mp_got, 0xff, (size_t)ny * sizeof(float));
            memset(mp_igot, 0xff, (size_t)ny * sizeof(int64_t));
            const int64_t half = sh.planes / 2;
            variants[v].fn(mp_got, mp_igot, mp_x, &sh, 0, half);
            variants[v].fn(mp_got, mp_igot, mp_x, &sh, half, sh.planes);
            if (!mp_same(ny) && failures++ < 5)
                fprintf(stderr, "%s: %s differs from portable\n", what, variants[v].name);
            CHECK(mp_same(ny));
        }
    }
    ember_threadpool_destroy(pool);
}

int main(void)
{
    test_max_pool();
    test_avg_pool();
    test_adaptive();
    test_max_pool_fast();
    return check_report("test_ops_nn_pool");
}
