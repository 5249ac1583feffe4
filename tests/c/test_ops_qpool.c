/* test_ops_qpool.c — cortex_m:: int8 pools (op_qpool.c) and pad, transpose, minimum, maximum
 * (op_qlayout.c) on hand-worked values, and their refusals. The rules, from CMSIS-NN's generic C
 * (arm_avgpool_s8, arm_max_pool_s8, arm_pad_s8, arm_transpose_s8, arm_minimum_s8/maximum_s8):
 *   avg: s = sum of the valid window, n = its valid count, out = (s > 0 ? s + n/2 : s - n/2) / n
 *        (C division toward zero: a tie rounds away from zero), clamped to int8;
 *   max: the valid window's maximum, clamped to [activation_min, activation_max];
 *   pad: pre/post pads in the tensor's byte order (N, H, W, C for channels-last).
 * tests/python/test_cortex_m_pool.py holds them to ExecuTorch's references on random cases. */
#include <stdint.h>
#include <string.h>

#include "tests/c/kernel_harness.h"

/* One input, N = 1, C = 2, H = 2, W = 3, NHWC bytes: pixel (y, x) holds (c0, c1). */
static int8_t pool_in[12] = {
    1, -1,   2, -2,   4, 7,    /* y = 0: x = 0, 1, 2 */
    0, -3,   1, 0,   -5, 100,  /* y = 1 */
};
static const int32_t in_nchw[4] = {1, 2, 2, 3}, in_nhwc[4] = {1, 2, 3, 2};

static ember_value ints(const int64_t* v, uint32_t n) { return th_int_list(v, n); }

static void avg_pool(void)
{
    static const int64_t k2[] = {2, 2}, k3[] = {3, 3}, s1[] = {1, 1}, s2[] = {2, 2}, p0[] = {0, 0},
                         p1[] = {1, 1};
    int8_t out[4], scratch[1];
    static const int32_t o_nchw[4] = {1, 2, 1, 2}, o_nhwc[4] = {1, 1, 2, 2}, one[1] = {0};
    ember_tensor in = th_tensor_cl(EMBER_DTYPE_I8, pool_in, in_nchw);
    ember_tensor to = th_tensor_cl(EMBER_DTYPE_I8, out, o_nchw);
    ember_tensor ts = th_tensor(EMBER_DTYPE_U8, scratch, 1, one);
    /* kernel 2x2, stride 1: windows x 0..1 and x 1..2, count 4
     *   (0,0): c0 1+2+0+1 = 4 -> (4+2)/4 = 1;        c1 -1-2-3+0 = -6 -> (-6-2)/4 = -2
     *   (0,1): c0 2+4+1-5 = 2 -> (2+2)/4 = 1 (a tie, 0.5, away from 0; ExecuTorch's Python
     *          reference rounds it to 0 with zero point 0);  c1 -2+7+0+100 = 105 -> 107/4 = 26 */
    ember_value v[] = {th_tensor_value(&in), ints(k2, 2), ints(s1, 2), ints(p0, 2), th_bool(false),
                       th_int(0), th_int(1 << 30), th_int(-5), th_tensor_value(&ts),
                       th_tensor_value(&to), th_tensor_value(&to)};
    memset(out, 0x55, sizeof out);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_OK, NULL);
    CHECK(out[0] == 1 && out[1] == -2 && out[2] == 1 && out[3] == 26);
    /* zero point, multiplier and shift are not used (ExecuTorch's kernel ignores them) */
    v[5] = th_int(-77), v[6] = th_int(12345), v[7] = th_int(3);
    memset(out, 0x55, sizeof out);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_OK, NULL);
    CHECK(out[0] == 1 && out[1] == -2 && out[2] == 1 && out[3] == 26);
    /* kernel 3, stride 2, padding 1: out 1x2; padding is not counted, so the windows clip to
     * the same 2x2 blocks as above: the same values */
    v[1] = ints(k3, 2), v[2] = ints(s2, 2), v[3] = ints(p1, 2);
    memset(out, 0x55, sizeof out);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_OK, NULL);
    CHECK(out[0] == 1 && out[1] == -2 && out[2] == 1 && out[3] == 26);
    /* ceil_mode, kernel 2, stride 2: W = 3 gives (3 - 2) / 2 + 1 = 1, plus 1 for the remainder;
     * the second window holds x = 2 only (count 2): c0 4-5 = -1 -> (-1-1)/2 = -1 (tie, away
     * from 0), c1 7+100 = 107 -> 108/2 = 54 */
    v[1] = ints(k2, 2), v[3] = ints(p0, 2), v[4] = th_bool(true);
    memset(out, 0x55, sizeof out);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_OK, NULL);
    CHECK(out[0] == 1 && out[1] == -2 && out[2] == -1 && out[3] == 54);
    /* the same in the _nhwc op: NHWC-shaped contiguous tensors, the same bytes */
    ember_tensor in2 = th_tensor(EMBER_DTYPE_I8, pool_in, 4, in_nhwc);
    ember_tensor to2 = th_tensor(EMBER_DTYPE_I8, out, 4, o_nhwc);
    v[0] = th_tensor_value(&in2), v[9] = v[10] = th_tensor_value(&to2);
    memset(out, 0x55, sizeof out);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d_nhwc.out", v, 11), EMBER_OK, NULL);
    CHECK(out[0] == 1 && out[1] == -2 && out[2] == -1 && out[3] == 54);
    /* the legacy op refuses NHWC-shaped tensors' layout, the _nhwc op channels-last ones */
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_NOT_SUPPORTED,
                 "channels-last");
    v[0] = th_tensor_value(&in), v[9] = v[10] = th_tensor_value(&to);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d_nhwc.out", v, 11), EMBER_NOT_SUPPORTED,
                 "contiguous");
    /* an out of another shape (floor mode gives W 1, not 2) */
    v[4] = th_bool(false);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_SHAPE_MISMATCH,
                 "expected [1, 2, 1, 1]");
    /* padding as large as the kernel: a window of padding only (CMSIS-NN would divide by 0) */
    static const int64_t k1[] = {1, 1}, p10[] = {1, 0};
    static const int32_t o_pad[4] = {1, 2, 2, 3};
    int8_t big[12];
    ember_tensor tb = th_tensor_cl(EMBER_DTYPE_I8, big, o_pad);
    ember_value w[] = {th_tensor_value(&in), ints(k1, 2), ints(s2, 2), ints(p10, 2), th_bool(false),
                       th_int(0), th_int(1 << 30), th_int(-5), th_tensor_value(&ts),
                       th_tensor_value(&tb), th_tensor_value(&tb)};
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", w, 11), EMBER_INVALID_ARGUMENT,
                 "no input element");
    /* a kernel_size of one item, a stride of 0, an int16 input */
    v[1] = ints(k2, 1);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_INVALID_ARGUMENT,
                 "2 items");
    v[1] = ints(k2, 2), v[2] = ints(p0, 2);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_INVALID_ARGUMENT,
                 "stride");
    int16_t in16[12] = {0};
    ember_tensor t16 = th_tensor_cl(EMBER_DTYPE_I16, in16, in_nchw);
    v[2] = ints(s2, 2), v[0] = th_tensor_value(&t16);
    CHECK_STATUS(th_run("cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_DTYPE_MISMATCH, NULL);
}

static void max_pool(void)
{
    static const int64_t k2[] = {2, 2}, k3[] = {3, 3}, s1[] = {1, 1}, s2[] = {2, 2}, p0[] = {0, 0},
                         p1[] = {1, 1}, d1[] = {1, 1}, d2[] = {2, 2};
    int8_t out[4];
    static const int32_t o_nchw[4] = {1, 2, 1, 2}, o_nhwc[4] = {1, 1, 2, 2};
    ember_tensor in = th_tensor_cl(EMBER_DTYPE_I8, pool_in, in_nchw);
    ember_tensor to = th_tensor_cl(EMBER_DTYPE_I8, out, o_nchw);
    /* kernel 2x2 stride 1: (0,0) c0 max(1,2,0,1) = 2, c1 max(-1,-2,-3,0) = 0;
     *                      (0,1) c0 max(2,4,1,-5) = 4, c1 max(-2,7,0,100) = 100 */
    ember_value v[] = {th_tensor_value(&in), ints(k2, 2), ints(s1, 2), ints(p0, 2), ints(d1, 2),
                       th_bool(false), th_int(5), th_int(5), th_int(-128), th_int(127),
                       th_tensor_value(&to), th_tensor_value(&to)};
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_OK, NULL);
    CHECK(out[0] == 2 && out[1] == 0 && out[2] == 4 && out[3] == 100);
    /* clamped to [1, 50] */
    v[8] = th_int(1), v[9] = th_int(50);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_OK, NULL);
    CHECK(out[0] == 2 && out[1] == 1 && out[2] == 4 && out[3] == 50);
    /* kernel 3, stride 2, padding 1: the windows clip to the same blocks (padding never wins) */
    v[1] = ints(k3, 2), v[2] = ints(s2, 2), v[3] = ints(p1, 2), v[8] = th_int(-128), v[9] = th_int(127);
    memset(out, 0x55, sizeof out);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_OK, NULL);
    CHECK(out[0] == 2 && out[1] == 0 && out[2] == 4 && out[3] == 100);
    /* the _nhwc op on NHWC-shaped tensors */
    ember_tensor in2 = th_tensor(EMBER_DTYPE_I8, pool_in, 4, in_nhwc);
    ember_tensor to2 = th_tensor(EMBER_DTYPE_I8, out, 4, o_nhwc);
    ember_value n[12];
    memcpy(n, v, sizeof n);
    n[0] = th_tensor_value(&in2), n[10] = n[11] = th_tensor_value(&to2);
    memset(out, 0x55, sizeof out);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d_nhwc.out", n, 12), EMBER_OK, NULL);
    CHECK(out[0] == 2 && out[1] == 0 && out[2] == 4 && out[3] == 100);
    /* refusals: ExecuTorch's kernel takes neither ceil_mode nor dilation; zero points must
     * match; activation_min <= activation_max */
    v[5] = th_bool(true);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_NOT_SUPPORTED,
                 "ceil_mode");
    v[5] = th_bool(false), v[4] = ints(d2, 2);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_NOT_SUPPORTED,
                 "dilation");
    v[4] = ints(d1, 2), v[7] = th_int(6);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_INVALID_ARGUMENT,
                 "output_zero_point");
    v[7] = th_int(5), v[8] = th_int(10), v[9] = th_int(9);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_INVALID_ARGUMENT,
                 "activation_max");
    /* an NCHW (contiguous) input with C = 2 and H, W > 1 for the legacy op */
    v[8] = th_int(-128), v[9] = th_int(127);
    ember_tensor inc = th_tensor(EMBER_DTYPE_I8, pool_in, 4, in_nchw);
    v[0] = th_tensor_value(&inc);
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_NOT_SUPPORTED,
                 "channels-last");
    /* with C = 1 a contiguous tensor has NHWC bytes: accepted (as ExecuTorch accepts it) */
    static const int32_t c1_in[4] = {1, 1, 2, 3}, c1_out[4] = {1, 1, 1, 2};
    ember_tensor ic1 = th_tensor(EMBER_DTYPE_I8, pool_in, 4, c1_in);
    ember_tensor oc1 = th_tensor(EMBER_DTYPE_I8, out, 4, c1_out);
    v[0] = th_tensor_value(&ic1), v[10] = v[11] = th_tensor_value(&oc1);
    v[1] = ints(k2, 2), v[2] = ints(s1, 2), v[3] = ints(p0, 2);
    /* bytes 1 -1 2 / -2 4 7: windows max(1,-1,-2,4) = 4, max(-1,2,4,7) = 7 */
    CHECK_STATUS(th_run("cortex_m::quantized_max_pool2d.out", v, 12), EMBER_OK, NULL);
    CHECK(out[0] == 4 && out[1] == 7);
}

static void pad(void)
{
    /* channels-last N=1, C=2, H=1, W=2: NHWC bytes (1 2)(3 4); pads in N, H, W, C order:
     * H 1 before, W 1 after, C 1 before; value 9 -> physical (1, 2, 3, 3), NCHW shape
     * (1, 3, 2, 3) */
    static int8_t x[4] = {1, 2, 3, 4};
    static const int32_t xs[4] = {1, 2, 1, 2}, ys[4] = {1, 3, 2, 3};
    static const int64_t pre[4] = {0, 1, 0, 1}, post[4] = {0, 0, 1, 0};
    static const int8_t want[18] = {9, 9, 9, 9, 9, 9, 9, 9, 9, /* h = 0: all pad */
                                    9, 1, 2, 9, 3, 4, 9, 9, 9};
    int8_t y[18];
    ember_tensor tx = th_tensor_cl(EMBER_DTYPE_I8, x, xs), ty = th_tensor_cl(EMBER_DTYPE_I8, y, ys);
    ember_value v[] = {th_tensor_value(&tx), ints(pre, 4), ints(post, 4), th_int(9),
                       th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK_STATUS(th_run("cortex_m::pad.out", v, 6), EMBER_OK, NULL);
    CHECK(memcmp(y, want, sizeof want) == 0);
    /* rank 2, contiguous (2, 3) = 1..6: pads apply to the last two physical dims: rows 1
     * before, columns 2 after, value -1 -> (3, 5) */
    static int8_t a[6] = {1, 2, 3, 4, 5, 6};
    static const int32_t as[2] = {2, 3}, bs[2] = {3, 5};
    static const int64_t pre2[4] = {0, 0, 1, 0}, post2[4] = {0, 0, 0, 2};
    static const int8_t want2[15] = {-1, -1, -1, -1, -1, 1, 2, 3, -1, -1, 4, 5, 6, -1, -1};
    int8_t b[15];
    ember_tensor ta = th_tensor(EMBER_DTYPE_I8, a, 2, as), tb = th_tensor(EMBER_DTYPE_I8, b, 2, bs);
    ember_value w[] = {th_tensor_value(&ta), ints(pre2, 4), ints(post2, 4), th_int(-1),
                       th_tensor_value(&tb), th_tensor_value(&tb)};
    CHECK_STATUS(th_run("cortex_m::pad.out", w, 6), EMBER_OK, NULL);
    CHECK(memcmp(b, want2, sizeof want2) == 0);
    /* refusals: 3 pads, padding a dim rank 2 lacks, a value beyond int8, a wrong out shape */
    w[1] = ints(pre2, 3);
    CHECK_STATUS(th_run("cortex_m::pad.out", w, 6), EMBER_INVALID_ARGUMENT, "4 items");
    static const int64_t pre_bad[4] = {0, 1, 1, 0};
    w[1] = ints(pre_bad, 4);
    CHECK_STATUS(th_run("cortex_m::pad.out", w, 6), EMBER_INVALID_ARGUMENT, "does not have");
    w[1] = ints(pre2, 4), w[3] = th_int(200);
    CHECK_STATUS(th_run("cortex_m::pad.out", w, 6), EMBER_INVALID_ARGUMENT, "pad_value");
    w[3] = th_int(-1), w[2] = ints(pre2, 4);
    CHECK_STATUS(th_run("cortex_m::pad.out", w, 6), EMBER_SHAPE_MISMATCH, NULL);
}

/* Random pads of channels-last tensors against the rule (each physical dim N, H, W, C padded
 * before and after with the value): 1-2 x 1-6 x 1-6 x 1-5 inputs, pads 0-2 per dim, half of them
 * with no channel padding (whose rows are one run of bytes). */
static void random_pads(void)
{
    static int8_t x[2 * 6 * 6 * 5], y[6 * 10 * 10 * 9 + 1], want[6 * 10 * 10 * 9];
    uint64_t rng = 0x9b05688c2b3e6c1fu;
#define RNDD(n) ((rng = rng * 6364136223846793005u + 1442695040888963407u), (int)((rng >> 33) % (n)))
    for (int t = 0; t < 30; t++) {
        const int d[4] = {1 + RNDD(2), 1 + RNDD(6), 1 + RNDD(6), 1 + RNDD(5)};
        int64_t pre[4], post[4];
        int o[4];
        for (int j = 0; j < 4; j++) {
            pre[j] = j == 3 && t % 2 ? 0 : RNDD(3);
            post[j] = j == 3 && t % 2 ? 0 : RNDD(3);
            o[j] = (int)pre[j] + d[j] + (int)post[j];
        }
        const int8_t value = (int8_t)(RNDD(256) - 128);
        for (int i = 0; i < d[0] * d[1] * d[2] * d[3]; i++) x[i] = (int8_t)(RNDD(256) - 128);
        int k = 0;
        for (int b = 0; b < o[0]; b++)
            for (int r = 0; r < o[1]; r++)
                for (int col = 0; col < o[2]; col++)
                    for (int ch = 0; ch < o[3]; ch++, k++) {
                        const int ib = b - (int)pre[0], ir = r - (int)pre[1];
                        const int ic = col - (int)pre[2], ich = ch - (int)pre[3];
                        const bool in = ib >= 0 && ib < d[0] && ir >= 0 && ir < d[1] && ic >= 0 &&
                                        ic < d[2] && ich >= 0 && ich < d[3];
                        want[k] = in ? x[((ib * d[1] + ir) * d[2] + ic) * d[3] + ich] : value;
                    }
        const int32_t xs[4] = {d[0], d[3], d[1], d[2]}, ys[4] = {o[0], o[3], o[1], o[2]};
        ember_tensor tx = th_tensor_cl(EMBER_DTYPE_I8, x, xs), ty = th_tensor_cl(EMBER_DTYPE_I8, y, ys);
        ember_value v[] = {th_tensor_value(&tx), ints(pre, 4), ints(post, 4), th_int(value),
                           th_tensor_value(&ty), th_tensor_value(&ty)};
        memset(y, 0x55, sizeof y);
        CHECK_STATUS(th_run("cortex_m::pad.out", v, 6), EMBER_OK, NULL);
        if (memcmp(y, want, (size_t)k) != 0) {
            fprintf(stderr, "pad case %d: %dx%dx%dx%d\n", t, d[0], d[1], d[2], d[3]);
            CHECK(!"random pad equals the rule");
        }
        CHECK(y[k] == 0x55);
    }
#undef RNDD
}

static void transpose(void)
{
    static int8_t a[6] = {1, 2, 3, 4, 5, 6};
    static const int32_t as[2] = {2, 3}, bs[2] = {3, 2};
    static const int64_t p10[2] = {1, 0}, p01[2] = {0, 1};
    int8_t b[6];
    ember_tensor ta = th_tensor(EMBER_DTYPE_I8, a, 2, as), tb = th_tensor(EMBER_DTYPE_I8, b, 2, bs);
    ember_value v[] = {th_tensor_value(&ta), ints(p10, 2), th_tensor_value(&tb), th_tensor_value(&tb)};
    CHECK_STATUS(th_run("cortex_m::transpose.out", v, 4), EMBER_OK, NULL);
    static const int8_t want[6] = {1, 4, 2, 5, 3, 6};
    CHECK(memcmp(b, want, 6) == 0);
    /* rank 3 (2, 2, 3) = 0..11, perm (0, 2, 1): out[n][j][i] = in[n][i][j] */
    int8_t x[12], y[12];
    for (int i = 0; i < 12; i++) x[i] = (int8_t)i;
    static const int32_t xs[3] = {2, 2, 3}, ys[3] = {2, 3, 2};
    static const int64_t p021[3] = {0, 2, 1}, p001[3] = {0, 0, 1};
    ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 3, xs), ty = th_tensor(EMBER_DTYPE_I8, y, 3, ys);
    ember_value w[] = {th_tensor_value(&tx), ints(p021, 3), th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK_STATUS(th_run("cortex_m::transpose.out", w, 4), EMBER_OK, NULL);
    static const int8_t want3[12] = {0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11};
    CHECK(memcmp(y, want3, 12) == 0);
    /* refusals: a dim named twice, perm of another length, (0, 1) on rank 2 (CMSIS-NN
     * transposes anyway), an out of the wrong shape */
    w[1] = ints(p001, 3);
    CHECK_STATUS(th_run("cortex_m::transpose.out", w, 4), EMBER_INVALID_ARGUMENT, "twice");
    w[1] = ints(p021, 2);
    CHECK_STATUS(th_run("cortex_m::transpose.out", w, 4), EMBER_INVALID_ARGUMENT, "2 items");
    v[1] = ints(p01, 2);
    CHECK_STATUS(th_run("cortex_m::transpose.out", v, 4), EMBER_NOT_SUPPORTED, "anyway");
    v[1] = ints(p10, 2), v[2] = v[3] = th_tensor_value(&ta);
    CHECK_STATUS(th_run("cortex_m::transpose.out", v, 4), EMBER_SHAPE_MISMATCH, NULL);
    /* a channels-last input (C, H, W > 1): refused */
    int8_t c[12], d[12];
    static const int32_t cs[4] = {1, 2, 2, 3}, ds[4] = {1, 2, 3, 2};
    static const int64_t p0132[4] = {0, 1, 3, 2};
    ember_tensor tc = th_tensor_cl(EMBER_DTYPE_I8, c, cs), td = th_tensor(EMBER_DTYPE_I8, d, 4, ds);
    ember_value u[] = {th_tensor_value(&tc), ints(p0132, 4), th_tensor_value(&td), th_tensor_value(&td)};
    CHECK_STATUS(th_run("cortex_m::transpose.out", u, 4), EMBER_NOT_SUPPORTED, "contiguous");
}

static void minimum_maximum(void)
{
    /* (2, 3) against (3,): rows broadcast */
    static int8_t a[6] = {1, -5, 3, 7, 0, -2}, b[3] = {0, 0, 5}, s[1] = {2};
    static const int32_t as[2] = {2, 3}, bs[1] = {3}, ss[1] = {1};
    int8_t y[6];
    ember_tensor ta = th_tensor(EMBER_DTYPE_I8, a, 2, as), tb = th_tensor(EMBER_DTYPE_I8, b, 1, bs);
    ember_tensor ts = th_tensor(EMBER_DTYPE_I8, s, 1, ss), ty = th_tensor(EMBER_DTYPE_I8, y, 2, as);
    ember_value v[] = {th_tensor_value(&ta), th_tensor_value(&tb), th_tensor_value(&ty),
                       th_tensor_value(&ty)};
    CHECK_STATUS(th_run("cortex_m::minimum.out", v, 4), EMBER_OK, NULL);
    static const int8_t wmin[6] = {0, -5, 3, 0, 0, -2}, wmax[6] = {1, 0, 5, 7, 0, 5};
    CHECK(memcmp(y, wmin, 6) == 0);
    CHECK_STATUS(th_run("cortex_m::maximum.out", v, 4), EMBER_OK, NULL);
    CHECK(memcmp(y, wmax, 6) == 0);
    /* one element first: min(2, a) */
    v[0] = th_tensor_value(&ts), v[1] = th_tensor_value(&ta);
    CHECK_STATUS(th_run("cortex_m::minimum.out", v, 4), EMBER_OK, NULL);
    static const int8_t wmin2[6] = {1, -5, 2, 2, 0, -2};
    CHECK(memcmp(y, wmin2, 6) == 0);
    /* refusals: shapes that do not broadcast; an out of another shape; int16; rank 5; the
     * broadcast CMSIS-NN computes wrongly: (1, 1, 2, 1) against (1, 2, 1, 1) */
    v[0] = th_tensor_value(&ta), v[1] = th_tensor_value(&ta);
    v[2] = v[3] = th_tensor_value(&tb);
    CHECK_STATUS(th_run("cortex_m::minimum.out", v, 4), EMBER_SHAPE_MISMATCH, NULL);
    static const int32_t two[1] = {2};
    ember_tensor t2 = th_tensor(EMBER_DTYPE_I8, y, 1, two);
    v[1] = th_tensor_value(&t2), v[2] = v[3] = th_tensor_value(&ty);
    CHECK_STATUS(th_run("cortex_m::minimum.out", v, 4), EMBER_SHAPE_MISMATCH, "do not broadcast");
    int16_t h[6] = {0};
    ember_tensor th16 = th_tensor(EMBER_DTYPE_I16, h, 2, as);
    v[0] = v[1] = th_tensor_value(&th16);
    CHECK_STATUS(th_run("cortex_m::maximum.out", v, 4), EMBER_DTYPE_MISMATCH, NULL);
    int8_t p[2], q[2], r[4];
    static const int32_t ps[4] = {1, 1, 2, 1}, qs[4] = {1, 2, 1, 1}, rs[4] = {1, 2, 2, 1};
    ember_tensor tp = th_tensor(EMBER_DTYPE_I8, p, 4, ps), tq = th_tensor(EMBER_DTYPE_I8, q, 4, qs);
    ember_tensor tr = th_tensor(EMBER_DTYPE_I8, r, 4, rs);
    ember_value u[] = {th_tensor_value(&tp), th_tensor_value(&tq), th_tensor_value(&tr),
                       th_tensor_value(&tr)};
    CHECK_STATUS(th_run("cortex_m::minimum.out", u, 4), EMBER_NOT_SUPPORTED, "computes wrongly");
    int8_t f[1];
    static const int32_t fs[5] = {1, 1, 1, 1, 1};
    ember_tensor t5 = th_tensor(EMBER_DTYPE_I8, f, 5, fs);
    u[0] = u[1] = u[2] = u[3] = th_tensor_value(&t5);
    CHECK_STATUS(th_run("cortex_m::minimum.out", u, 4), EMBER_NOT_SUPPORTED, "rank");
}

/* Random pools against the rule above: batch 1-2, 1-9 x 1-9 inputs of 1-70 channels (the vector
 * kernels' 16-channel steps and their tail), windows 1-5, strides 1-3, padding below the window,
 * ceil_mode for the average, both layouts, clamps for the max. Cases whose last window would
 * hold no input element (refused) are skipped. */
static void random_pools(void)
{
    static int8_t x[2 * 9 * 9 * 70], y[2 * 9 * 9 * 70 + 1], want[2 * 9 * 9 * 70];
    uint64_t rng = 0x853c49e6748fea9bu;
#define RNDP(n) ((rng = rng * 6364136223846793005u + 1442695040888963407u), (int)((rng >> 33) % (n)))
    int ran = 0;
    for (int t = 0; t < 80; t++) {
        const bool avg = t % 2, nhwc = t / 2 % 2, ceil_mode = avg && t % 8 == 1;
        const int n = 1 + RNDP(2), h = 1 + RNDP(9), w = 1 + RNDP(9), c = 1 + RNDP(70);
        const int kh = 1 + RNDP(5), kw = 1 + RNDP(5), sh = 1 + RNDP(3), sw = 1 + RNDP(3);
        const int ph = RNDP(kh), pw = RNDP(kw);
        const int lo = RNDP(100) - 128, hi = lo + RNDP(128 - lo);
        int o[2];
        const int in[2] = {h, w}, k[2] = {kh, kw}, s[2] = {sh, sw}, p[2] = {ph, pw};
        bool ok = true;
        for (int d = 0; d < 2; d++) { /* op_qpool.c's pooled_size and its window check */
            const int num = in[d] + 2 * p[d] - k[d];
            if (num < 0) { ok = false; break; }
            o[d] = num / s[d] + 1;
            if (ceil_mode && num % s[d] != 0) o[d]++;
            if (ceil_mode && (o[d] - 1) * s[d] >= in[d] + p[d]) o[d]--;
            ok = ok && (o[d] - 1) * s[d] - p[d] < in[d];
        }
        if (!ok) continue;
        for (int i = 0; i < n * h * w * c; i++) x[i] = (int8_t)(RNDP(256) - 128);
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < o[0]; oy++)
                for (int ox = 0; ox < o[1]; ox++)
                    for (int ch = 0; ch < c; ch++) {
                        const int y0 = oy * sh - ph < 0 ? 0 : oy * sh - ph;
                        const int y1 = oy * sh - ph + kh < h ? oy * sh - ph + kh : h;
                        const int x0 = ox * sw - pw < 0 ? 0 : ox * sw - pw;
                        const int x1 = ox * sw - pw + kw < w ? ox * sw - pw + kw : w;
                        int sum = 0, m = -128;
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++) {
                                const int v = x[((b * h + iy) * w + ix) * c + ch];
                                sum += v, m = v > m ? v : m;
                            }
                        const int cnt = (y1 - y0) * (x1 - x0);
                        int v = avg ? (sum > 0 ? sum + cnt / 2 : sum - cnt / 2) / cnt : m;
                        if (avg) v = v < -128 ? -128 : v > 127 ? 127 : v;
                        else v = v < lo ? lo : v > hi ? hi : v;
                        want[((b * o[0] + oy) * o[1] + ox) * c + ch] = (int8_t)v;
                    }
        const int32_t si[4] = {n, c, h, w}, so[4] = {n, c, o[0], o[1]};
        const int32_t ni[4] = {n, h, w, c}, no[4] = {n, o[0], o[1], c}, one[1] = {1};
        ember_tensor ti = nhwc ? th_tensor(EMBER_DTYPE_I8, x, 4, ni) : th_tensor_cl(EMBER_DTYPE_I8, x, si);
        ember_tensor to = nhwc ? th_tensor(EMBER_DTYPE_I8, y, 4, no) : th_tensor_cl(EMBER_DTYPE_I8, y, so);
        int8_t scratch[1];
        ember_tensor ts = th_tensor(EMBER_DTYPE_I8, scratch, 1, one);
        const int64_t kk[2] = {kh, kw}, ss[2] = {sh, sw}, pp[2] = {ph, pw}, dd[2] = {1, 1};
        memset(y, 0x55, sizeof y);
        const int outs = n * o[0] * o[1] * c;
        if (avg) {
            ember_value v[] = {th_tensor_value(&ti), ints(kk, 2), ints(ss, 2), ints(pp, 2),
                               th_bool(ceil_mode), th_int(0), th_int(1 << 30), th_int(0),
                               th_tensor_value(&ts), th_tensor_value(&to), th_tensor_value(&to)};
            CHECK_STATUS(th_run(nhwc ? "cortex_m::quantized_avg_pool2d_nhwc.out"
                                     : "cortex_m::quantized_avg_pool2d.out", v, 11), EMBER_OK, NULL);
        } else {
            ember_value v[] = {th_tensor_value(&ti), ints(kk, 2), ints(ss, 2), ints(pp, 2),
                               ints(dd, 2), th_bool(false), th_int(3), th_int(3), th_int(lo),
                               th_int(hi), th_tensor_value(&to), th_tensor_value(&to)};
            CHECK_STATUS(th_run(nhwc ? "cortex_m::quantized_max_pool2d_nhwc.out"
                                     : "cortex_m::quantized_max_pool2d.out", v, 12), EMBER_OK, NULL);
        }
        if (memcmp(y, want, (size_t)outs) != 0) {
            fprintf(stderr, "pool case %d: %s n %d %dx%dx%d k %dx%d s %d,%d p %d,%d ceil %d\n", t,
                    avg ? "avg" : "max", n, h, w, c, kh, kw, sh, sw, ph, pw, (int)ceil_mode);
            CHECK(!"random pool equals the rule");
        }
        CHECK(y[outs] == 0x55);
        ran++;
    }
    CHECK(ran >= 40);
#undef RNDP
}

int main(void)
{
    avg_pool();
    max_pool();
    pad();
    transpose();
    minimum_maximum();
    random_pools();
    random_pads();
    return check_report("test_ops_qpool");
}
