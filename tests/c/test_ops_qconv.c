/* test_ops_qconv.c — cortex_m:: int8 convolutions (op_qconv.c): quantized_conv2d,
 * quantized_depthwise_conv2d and quantized_transpose_conv2d, plain (NCHW-shaped, channels-last
 * bytes) and _nhwc.
 *
 * 1. Cases worked by hand (values in the comments), requantizing by exactly 0.5 or 1
 *    (multiplier 2^30 with shift 0 or 1) so each output is checkable on paper.
 * 2. Random cases against a reference written here the way CMSIS-NN computes: the convolutions
 *    through an im2col row filled with -input_offset at padded positions (arm_convolve_s8's
 *    generic path), the transpose convolution by scattering each input pixel into an int32
 *    accumulator image (arm_transpose_conv_s8), requantized by requant.h. The kernel gathers
 *    and skips padded taps instead, so the two share only requantize.
 * 3. What prepare (or run, for data only run sees) refuses. */
#include <stdint.h>
#include <string.h>

#include "kernels/portable/requant.h"
#include "tests/c/kernel_harness.h"

static uint64_t rng = 0x51c0c0a7u;
#include "tests/c/rng.h"

enum { CONV, DW, TCONV };
static const char* const OPS[3][2] = {
    {"cortex_m::quantized_conv2d.out", "cortex_m::quantized_conv2d_nhwc.out"},
    {"cortex_m::quantized_depthwise_conv2d.out", "cortex_m::quantized_depthwise_conv2d_nhwc.out"},
    {"cortex_m::quantized_transpose_conv2d.out", "cortex_m::quantized_transpose_conv2d_nhwc.out"}};

typedef struct qc_params {
    int64_t stride[2], pad[2], dil[2], out_pad[2];
    int64_t dm, in_off, out_off, amin, amax;
} qc_params;

/* Tensors of one call and its argument values, in the op's schema order. */
typedef struct qc_call {
    ember_tensor *in, *w, *bias, *mult, *shift, *out; /* bias may be NULL (None) */
    ember_tensor scratch;
    int8_t scratch_byte[1];
    ember_value v[17];
    size_t n;
} qc_call;

static void qc_build(qc_call* c, int kind, const qc_params* p)
{
    static const int32_t s1[] = {1};
    c->scratch = th_tensor(EMBER_DTYPE_U8, c->scratch_byte, 1, s1);
    size_t n = 0;
    ember_value* v = c->v;
    v[n++] = th_tensor_value(c->in);
    v[n++] = th_tensor_value(c->w);
    v[n++] = c->bias ? th_tensor_value(c->bias) : th_null();
    v[n++] = th_int_list(p->stride, 2);
    v[n++] = th_int_list(p->pad, 2);
    if (kind == TCONV) v[n++] = th_int_list(p->out_pad, 2);
    v[n++] = th_int_list(p->dil, 2);
    if (kind == DW) v[n++] = th_int(p->dm);
    v[n++] = th_int(p->in_off);
    v[n++] = th_int(p->out_off);
    v[n++] = th_tensor_value(c->mult);
    v[n++] = th_tensor_value(c->shift);
    v[n++] = th_int(p->amin);
    v[n++] = th_int(p->amax);
    v[n++] = th_tensor_value(&c->scratch);
    if (kind == TCONV) v[n++] = th_tensor_value(&c->scratch);
    v[n++] = th_tensor_value(c->out);
    v[n++] = th_tensor_value(c->out);
    c->n = n;
}

static const qc_params PLAIN = {{1, 1}, {0, 0}, {1, 1}, {0, 0}, 1, 0, 0, -128, 127};

/* ---- 1. by hand ----------------------------------------------------------------------------- */

/* conv2d, one channel in and out (its bytes are the same in either order), 2x2 window of ones:
 * input 1..9 (3x3) + input_offset 1, bias 10: window sums 2+3+5+6 = 16 (+10 = 26), 30, 38, 42;
 * times 0.5 (2^30, shift 0) rounds half up: 13, 15, 19, 21; output_offset -3: 10, 12, 16, 18. */
static void conv_by_hand(void)
{
    static int8_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 1, 1, 1}, y[4];
    static int32_t bias[1] = {10}, mult[1] = {1 << 30}, shift[1] = {0};
    static const int32_t sx[] = {1, 1, 3, 3}, sw[] = {1, 2, 2, 1}, sy[] = {1, 1, 2, 2}, s1[] = {1};
    ember_tensor tx = th_tensor_cl(EMBER_DTYPE_I8, x, sx);
    ember_tensor tw = th_tensor(EMBER_DTYPE_I8, w, 4, sw);
    ember_tensor ty = th_tensor_cl(EMBER_DTYPE_I8, y, sy);
    ember_tensor tb = th_tensor(EMBER_DTYPE_I32, bias, 1, s1);
    ember_tensor tm = th_tensor(EMBER_DTYPE_I32, mult, 1, s1);
    ember_tensor ts = th_tensor(EMBER_DTYPE_I32, shift, 1, s1);
    qc_params p = PLAIN;
    p.in_off = 1, p.out_off = -3;
    qc_call c = {.in = &tx, .w = &tw, .bias = &tb, .mult = &tm, .shift = &ts, .out = &ty};
    qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(OPS[CONV][0], c.v, c.n), EMBER_OK, NULL);
    CHECK(y[0] == 10 && y[1] == 12 && y[2] == 16 && y[3] == 18);
    /* activation [11, 17] clamps */
    p.amin = 11, p.amax = 17;
    qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(OPS[CONV][0], c.v, c.n), EMBER_OK, NULL);
    CHECK(y[0] == 11 && y[1] == 12 && y[2] == 16 && y[3] == 17);
    /* dilation 2 over the 3x3 input: one output, corners 1 3 7 9 + 4 + 10 = 34 -> 17 -> 14 */
    p.amin = -128, p.amax = 127, p.dil[0] = p.dil[1] = 2;
    static const int32_t s11[] = {1, 1, 1, 1};
    ember_tensor ty1 = th_tensor_cl(EMBER_DTYPE_I8, y, s11);
    c.out = &ty1;
    qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(OPS[CONV][0], c.v, c.n), EMBER_OK, NULL);
    CHECK(y[0] == 14);
}

/* depthwise, two channels (channels-last bytes: pixel by pixel, c0 then c1), 2x2 input
 * c0 = 1 2 / 3 4, c1 = -1 -2 / -3 -4; weight (1, 2, 2, 2): channel 0 all ones, channel 1 one at
 * (0, 0). Requantize by 1 (2^30, shift 1), no bias.
 * - no padding: one output pixel: c0 1+2+3+4 = 10, c1 -1
 * - padding 1, stride 2, input_offset 2: 2x2 outputs, each reached by one tap; padded taps add
 *   nothing: c0 (1+2) (2+2) (3+2) (4+2) = 3 4 5 6; c1 only where its (0, 0) tap lands on input
 *   (1, 1), output (1, 1): -4 + 2 = -2. */
static void depthwise_by_hand(void)
{
    static int8_t x[8] = {1, -1, 2, -2, 3, -3, 4, -4}, w[8] = {1, 1, 1, 0, 1, 0, 1, 0}, y[8];
    static int32_t mult[2] = {1 << 30, 1 << 30}, shift[2] = {1, 1};
    static const int32_t sx[] = {1, 2, 2, 2}, sw[] = {1, 2, 2, 2}, sy1[] = {1, 2, 1, 1},
                         sy2[] = {1, 2, 2, 2}, s2[] = {2};
    ember_tensor tx = th_tensor_cl(EMBER_DTYPE_I8, x, sx);
    ember_tensor tw = th_tensor(EMBER_DTYPE_I8, w, 4, sw);
    ember_tensor ty1 = th_tensor_cl(EMBER_DTYPE_I8, y, sy1);
    ember_tensor ty2 = th_tensor_cl(EMBER_DTYPE_I8, y, sy2);
    ember_tensor tm = th_tensor(EMBER_DTYPE_I32, mult, 1, s2);
    ember_tensor ts = th_tensor(EMBER_DTYPE_I32, shift, 1, s2);
    qc_params p = PLAIN;
    qc_call c = {.in = &tx, .w = &tw, .mult = &tm, .shift = &ts, .out = &ty1};
    qc_build(&c, DW, &p);
    CHECK_STATUS(th_run(OPS[DW][0], c.v, c.n), EMBER_OK, NULL);
    CHECK(y[0] == 10 && y[1] == -1);
    p.pad[0] = p.pad[1] = 1, p.stride[0] = p.stride[1] = 2, p.in_off = 2;
    c.out = &ty2;
    qc_build(&c, DW, &p);
    CHECK_STATUS(th_run(OPS[DW][0], c.v, c.n), EMBER_OK, NULL);
    static const int8_t want[8] = {3, 0, 4, 0, 5, 0, 6, -2};
    CHECK(memcmp(y, want, 8) == 0);
    /* the same bytes as _nhwc: input (1, 2, 2, 2) NHWC-shaped, contiguous */
    static const int32_t nx[] = {1, 2, 2, 2};
    ember_tensor nx_t = th_tensor(EMBER_DTYPE_I8, x, 4, nx);
    ember_tensor ny_t = th_tensor(EMBER_DTYPE_I8, y, 4, nx);
    memset(y, 0, sizeof y);
    c.in = &nx_t, c.out = &ny_t;
    qc_build(&c, DW, &p);
    CHECK_STATUS(th_run(OPS[DW][1], c.v, c.n), EMBER_OK, NULL);
    CHECK(memcmp(y, want, 8) == 0);
}

/* transpose conv, one channel, input 1 2 / 3 4, weight 1 -1 / 0 2, bias 1, requantize by 1:
 * out[iy*s + ky - p][ix*s + kx - p] += x[iy][ix] w[ky][kx].
 * - stride 2: the blocks x w:  1 -1  2 -2 / 0 2 0 4 / 3 -3 4 -4 / 0 6 0 8, each + 1
 * - stride 1: overlapping: 1 1 -2 / 3 3 0 / 0 6 8, + 1
 * - stride 1, padding 1: the middle one only: 3 + 1 */
static void transpose_by_hand(void)
{
    static int8_t x[4] = {1, 2, 3, 4}, w[4] = {1, -1, 0, 2}, y[16];
    static int32_t bias[1] = {1}, mult[1] = {1 << 30}, shift[1] = {1};
    static const int32_t sx[] = {1, 1, 2, 2}, sw[] = {1, 2, 2, 1}, s4[] = {1, 1, 4, 4},
                         s3[] = {1, 1, 3, 3}, s1[] = {1, 1, 1, 1}, c1[] = {1};
    ember_tensor tx = th_tensor_cl(EMBER_DTYPE_I8, x, sx);
    ember_tensor tw = th_tensor(EMBER_DTYPE_I8, w, 4, sw);
    ember_tensor ty4 = th_tensor_cl(EMBER_DTYPE_I8, y, s4);
    ember_tensor ty3 = th_tensor_cl(EMBER_DTYPE_I8, y, s3);
    ember_tensor ty1 = th_tensor_cl(EMBER_DTYPE_I8, y, s1);
    ember_tensor tb = th_tensor(EMBER_DTYPE_I32, bias, 1, c1);
    ember_tensor tm = th_tensor(EMBER_DTYPE_I32, mult, 1, c1);
    ember_tensor ts = th_tensor(EMBER_DTYPE_I32, shift, 1, c1);
    qc_params p = PLAIN;
    p.stride[0] = p.stride[1] = 2;
    qc_call c = {.in = &tx, .w = &tw, .bias = &tb, .mult = &tm, .shift = &ts, .out = &ty4};
    qc_build(&c, TCONV, &p);
    CHECK_STATUS(th_run(OPS[TCONV][0], c.v, c.n), EMBER_OK, NULL);
    static const int8_t want4[16] = {2, 0, 3, -1, 1, 3, 1, 5, 4, -2, 5, -3, 1, 7, 1, 9};
    CHECK(memcmp(y, want4, 16) == 0);
    p.stride[0] = p.stride[1] = 1, c.out = &ty3;
    qc_build(&c, TCONV, &p);
    CHECK_STATUS(th_run(OPS[TCONV][0], c.v, c.n), EMBER_OK, NULL);
    static const int8_t want3[9] = {2, 2, -1, 4, 4, 1, 1, 7, 9};
    CHECK(memcmp(y, want3, 9) == 0);
    p.pad[0] = p.pad[1] = 1, c.out = &ty1;
    qc_build(&c, TCONV, &p);
    CHECK_STATUS(th_run(OPS[TCONV][0], c.v, c.n), EMBER_OK, NULL);
    CHECK(y[0] == 4);
}

/* ---- 2. random cases against CMSIS-NN's way of computing ------------------------------------ */

enum { MAXB = 32768, MAXC = 128 };
static int8_t rx[MAXB], rw[MAXB], ry[MAXB], rwant[MAXB];
static int32_t rbias[MAXC], rmult[MAXC], rshift[MAXC], racc[MAXB];

static int8_t finish(int32_t acc, int o, const qc_params* p)
{
    int32_t v = ember_requantize(acc, rmult[o], rshift[o]) + (int32_t)p->out_off;
    return (int8_t)(v < p->amin ? p->amin : v > p->amax ? p->amax : v);
}

/* arm_convolve_s8 (groups from C_in / kc) and arm_depthwise_conv_s8 as a convolution of
 * ic groups with weight (1, kh, kw, oc): an im2col row per output pixel and group, padded
 * positions holding -input_offset, dotted with each output channel's weights. */
static void ref_conv(int kind, int n, int ih, int iw, int ic, int oh, int ow, int oc, int kh,
                     int kw, int kc, const qc_params* p, bool bias)
{
    const int groups = ic / kc, ocg = oc / groups;
    static int8_t col[4096];
    for (int b = 0; b < n; b++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int g = 0; g < groups; g++) {
                    int k = 0;
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                            for (int cc = 0; cc < kc; cc++) {
                                const int iy = oy * (int)p->stride[0] - (int)p->pad[0] +
                                               ky * (int)p->dil[0];
                                const int ix = ox * (int)p->stride[1] - (int)p->pad[1] +
                                               kx * (int)p->dil[1];
                                const bool in = iy >= 0 && iy < ih && ix >= 0 && ix < iw;
                                col[k++] = in ? rx[((b * ih + iy) * iw + ix) * ic + g * kc + cc]
                                              : (int8_t)-p->in_off;
                            }
                    for (int j = 0; j < ocg; j++) {
                        const int o = g * ocg + j;
                        int32_t acc = bias ? rbias[o] : 0;
                        for (int t = 0; t < k; t++) {
                            const int ky = t / (kw * kc), kx = t / kc % kw, cc = t % kc;
                            const int8_t wv = kind == DW ? rw[(ky * kw + kx) * oc + o]
                                                         : rw[((o * kh + ky) * kw + kx) * kc + cc];
                            acc += (col[t] + (int32_t)p->in_off) * wv;
                        }
                        rwant[((b * oh + oy) * ow + ox) * oc + o] = finish(acc, o, p);
                    }
                }
}

/* arm_transpose_conv_s8: every input pixel scattered into an accumulator image (bias first),
 * the output the window of it that padding leaves. */
static void ref_tconv(int n, int ih, int iw, int ic, int oh, int ow, int oc, int kh, int kw,
                      const qc_params* p, bool bias)
{
    const int sh = (int)p->stride[0], sw = (int)p->stride[1];
    const int ph = (int)p->pad[0], pw = (int)p->pad[1];
    const int fh = (ih - 1) * sh + kh, fw = (iw - 1) * sw + kw; /* the full, unpadded image */
    for (int b = 0; b < n; b++) {
        for (int i = 0; i < fh * fw * oc; i++) racc[i] = bias ? rbias[i % oc] : 0;
        for (int iy = 0; iy < ih; iy++)
            for (int ix = 0; ix < iw; ix++)
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        for (int o = 0; o < oc; o++)
                            for (int c = 0; c < ic; c++)
                                racc[((iy * sh + ky) * fw + ix * sw + kx) * oc + o] +=
                                    (rx[((b * ih + iy) * iw + ix) * ic + c] + (int32_t)p->in_off) *
                                    rw[((o * kh + ky) * kw + kx) * ic + c];
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int o = 0; o < oc; o++)
                    rwant[((b * oh + oy) * ow + ox) * oc + o] =
                        finish(racc[((oy + ph) * fw + ox + pw) * oc + o], o, p);
    }
}

static int rin(int lo, int hi) { return lo + (int)rnd((uint32_t)(hi - lo + 1)); }

/* One random case of `kind` with these sizes and parameters: random input, weights, bias
 * (none for some t), per-channel multipliers and shifts (around 0.5 to 1 x 2^-5..-10, or with
 * `extreme` anywhere in their range: left shifts, multipliers near 0 and 2^31), the op against
 * the reference, and nothing written past out. False when the window does not fit. */
static bool run_case(int t, int kind, bool nhwc, int n, int ih, int iw, int ic, int kh, int kw,
                     int kc, int oc, qc_params p, bool extreme)
{
    int oh, ow;
    if (kind == TCONV) {
        oh = (ih - 1) * (int)p.stride[0] - 2 * (int)p.pad[0] + kh;
        ow = (iw - 1) * (int)p.stride[1] - 2 * (int)p.pad[1] + kw;
    } else {
        oh = (ih + 2 * (int)p.pad[0] - (int)p.dil[0] * (kh - 1) - 1) / (int)p.stride[0] + 1;
        ow = (iw + 2 * (int)p.pad[1] - (int)p.dil[1] * (kw - 1) - 1) / (int)p.stride[1] + 1;
        if (ih + 2 * (int)p.pad[0] < (int)p.dil[0] * (kh - 1) + 1 ||
            iw + 2 * (int)p.pad[1] < (int)p.dil[1] * (kw - 1) + 1)
            return false; /* the window does not fit: tested among the refusals */
    }
    if (oh < 1 || ow < 1) return false;
    const int wn = kind == DW ? kh * kw * oc : oc * kh * kw * kc;
    CHECK(n * ih * iw * ic <= MAXB && wn <= MAXB && n * oh * ow * oc < MAXB && oc <= MAXC);
    for (int i = 0; i < n * ih * iw * ic; i++) rx[i] = (int8_t)rin(-128, 127);
    for (int i = 0; i < wn; i++) rw[i] = (int8_t)rin(-127, 127);
    const bool bias = t % 4 != 1;
    for (int o = 0; o < oc; o++) {
        rbias[o] = rin(-3000, 3000);
        rmult[o] = (int32_t)(0x40000000u + (rng_next() >> 34));
        rshift[o] = rin(-10, -5);
        if (extreme) {
            rbias[o] = (int32_t)(rng_next() >> 32);
            rmult[o] = o % 3 == 0 ? rin(0, 3) : (int32_t)(rng_next() >> 33);
            rshift[o] = o % 2 ? rin(-31, 30) : rin(-31, -20);
        }
    }
    if (kind == TCONV) ref_tconv(n, ih, iw, ic, oh, ow, oc, kh, kw, &p, bias);
    else ref_conv(kind, n, ih, iw, ic, oh, ow, oc, kh, kw, kc, &p, bias);
    const int32_t sx[] = {n, ic, ih, iw}, sy[] = {n, oc, oh, ow};
    const int32_t nx[] = {n, ih, iw, ic}, ny[] = {n, oh, ow, oc}, so[] = {oc};
    const int32_t sw[] = {kind == DW ? 1 : oc, kh, kw, kind == DW ? oc : kc};
    ember_tensor tx = nhwc ? th_tensor(EMBER_DTYPE_I8, rx, 4, nx)
                           : th_tensor_cl(EMBER_DTYPE_I8, rx, sx);
    ember_tensor ty = nhwc ? th_tensor(EMBER_DTYPE_I8, ry, 4, ny)
                           : th_tensor_cl(EMBER_DTYPE_I8, ry, sy);
    ember_tensor tw = th_tensor(EMBER_DTYPE_I8, rw, 4, sw);
    ember_tensor tb = th_tensor(EMBER_DTYPE_I32, rbias, 1, so);
    ember_tensor tm = th_tensor(EMBER_DTYPE_I32, rmult, 1, so);
    ember_tensor ts = th_tensor(EMBER_DTYPE_I32, rshift, 1, so);
    qc_call c = {.in = &tx, .w = &tw, .bias = bias ? &tb : NULL, .mult = &tm, .shift = &ts,
                 .out = &ty};
    qc_build(&c, kind, &p);
    memset(ry, 0x55, sizeof ry);
    CHECK_STATUS(th_run(OPS[kind][nhwc], c.v, c.n), EMBER_OK, NULL);
    const int on = n * oh * ow * oc;
    if (memcmp(ry, rwant, (size_t)on) != 0) {
        fprintf(stderr, "case %d (%s): n %d in %dx%dx%d k %dx%dx%d oc %d stride %d,%d pad "
                        "%d,%d dil %d,%d dm %d%s\n",
                t, OPS[kind][nhwc], n, ih, iw, ic, kh, kw, kc, oc, (int)p.stride[0],
                (int)p.stride[1], (int)p.pad[0], (int)p.pad[1], (int)p.dil[0], (int)p.dil[1],
                (int)p.dm, extreme ? " extreme" : "");
        CHECK(!"random case equals the reference");
    }
    CHECK(ry[on] == 0x55); /* nothing written past out */
    return true;
}

static void random_cases(void)
{
    int ran = 0;
    for (int t = 0; t < 90; t++) {
        const int kind = t % 3;
        const bool nhwc = (t / 3) % 2;
        qc_params p = PLAIN;
        const int n = rin(1, 2), ih = rin(1, 7), iw = rin(1, 7);
        int ic = rin(1, 5), kh = rin(1, 3), kw = rin(1, 3), kc, oc;
        p.stride[0] = rin(1, 3), p.stride[1] = rin(1, 3);
        if (kind == TCONV) {
            p.pad[0] = rin(0, kh - 1), p.pad[1] = rin(0, kw - 1);
            oc = rin(1, 5), kc = ic;
        } else {
            p.pad[0] = rin(0, 2), p.pad[1] = rin(0, 2);
            p.dil[0] = rin(1, 2), p.dil[1] = rin(1, 2);
            if (kind == DW) {
                p.dm = rin(1, 3), oc = ic * (int)p.dm, kc = 1;
            } else {
                const int groups = rin(1, 2);
                ic *= groups, kc = ic / groups, oc = groups * rin(1, 3);
            }
        }
        p.in_off = rin(-127, 128), p.out_off = rin(-128, 127);
        p.amin = rin(-128, 0), p.amax = rin(p.amin > -10 ? p.amin : -10, 127);
        ran += run_case(t, kind, nhwc, n, ih, iw, ic, kh, kw, kc, oc, p, false);
    }
    CHECK(ran >= 60);
}

/* Wider channels, for the vector kernels' blocks and tails (Helium: 16-channel depthwise
 * blocks and their 4-lane rest, depth multipliers of 16 and others; 4-channel GEMM groups, the
 * K tail past a multiple of 16, the 1x1 path on the input's pixels, patches near and past the
 * stack block; DSP: 4-channel depthwise words, a shared input byte for multipliers 4 divides,
 * the channels past them, the K tail past a multiple of 4): depthwise with 1-70 channels or a multiplier up to 32, convolutions of groups 1
 * with 1-48 input channels and windows up to 5x5, offsets and clamps anywhere, a third with
 * extreme multipliers and shifts. */
static void wide_cases(void)
{
    static const int dms[] = {1, 1, 1, 2, 3, 16, 32};
    int ran = 0;
    for (int t = 0; t < 60; t++) {
        const int kind = t % 2 ? DW : CONV;
        const bool nhwc = (t / 2) % 2;
        qc_params p = PLAIN;
        int ih = rin(2, 8), iw = rin(2, 8), ic, kh = rin(1, 5), kw = rin(1, 5), kc, oc;
        p.stride[0] = rin(1, 2), p.stride[1] = rin(1, 2);
        p.pad[0] = rin(0, 2), p.pad[1] = rin(0, 2);
        if (t % 4 == 0) p.dil[0] = rin(1, 2), p.dil[1] = rin(1, 2);
        if (kind == DW) {
            p.dm = dms[rin(0, 6)];
            ic = p.dm == 1 ? rin(1, 70) : rin(1, 3), oc = ic * (int)p.dm, kc = 1;
        } else {
            ic = rin(1, 48), kc = ic, oc = rin(1, 21);
            if (t % 6 == 0) { /* 1x1, stride 1, no padding: the input's pixels are the rows */
                kh = kw = 1, p.stride[0] = p.stride[1] = 1, p.pad[0] = p.pad[1] = 0;
                ih = rin(1, 9), iw = rin(1, 9);
            }
            while (oc * kh * kw * kc > MAXB) kw = kh = 1;
        }
        p.in_off = rin(-127, 128), p.out_off = rin(-128, 127);
        p.amin = rin(-128, 0), p.amax = rin(p.amin > -10 ? p.amin : -10, 127);
        ran += run_case(t, kind, nhwc, 1, ih, iw, ic, kh, kw, kc, oc, p, t % 3 == 2);
    }
    CHECK(ran >= 45);
}

/* Padding, stride and dilation near 2^31 (a file may hold up to 2^31 - 1): a 2 x 2 input with
 * 2^30 of padding and stride 2^30 gives a 3 x 3 output whose middle pixel reads input (0, 0)
 * and the rest only padding; a 2 x 2 window dilated by 2^31 - 1 over 2^30 of padding reads only
 * padding (its first tap's row, -2^30 + oy, is found outside only if -z0 + d - 1 is computed
 * past 32 bits). Positions computed here in 64 bits; the kernels with 32-bit indexing (Helium,
 * DSP) must leave such calls to the portable loops. Convolution (4 -> 3 channels) and depthwise
 * (4 channels, multiplier 1). */
static void far_geometry(void)
{
    static int8_t x[2 * 2 * 4], w[4 * 2 * 2 * 4], y[3 * 3 * 4 + 1], want[3 * 3 * 4];
    static int32_t bias[4] = {100, -200, 300, -400}, mult[4], shift[4];
    for (int i = 0; i < 16; i++) x[i] = (int8_t)(i * 37 - 100);
    for (int i = 0; i < 64; i++) w[i] = (int8_t)(i * 23 - 90);
    for (int o = 0; o < 4; o++) mult[o] = 1 << 30, shift[o] = -2;
    const int64_t far = (int64_t)1 << 30;
    for (int kind = CONV; kind <= DW; kind++)
        for (int dilated = 0; dilated < 2; dilated++) {
            qc_params p = PLAIN;
            p.in_off = 7, p.out_off = -3;
            const int oc = kind == DW ? 4 : 3, kh = dilated ? 2 : 1;
            p.pad[0] = p.pad[1] = far;
            if (dilated) p.dil[0] = p.dil[1] = INT32_MAX;
            else p.stride[0] = p.stride[1] = far;
            const int oh = (int)((2 + 2 * p.pad[0] - p.dil[0] * (kh - 1) - 1) / p.stride[0] + 1);
            CHECK(oh == 3);
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < oh; ox++)
                    for (int o = 0; o < oc; o++) {
                        int32_t acc = bias[o];
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kh; kx++) {
                                const int64_t iy = oy * p.stride[0] - p.pad[0] + ky * p.dil[0];
                                const int64_t ix = ox * p.stride[1] - p.pad[1] + kx * p.dil[1];
                                if (iy < 0 || iy >= 2 || ix < 0 || ix >= 2) continue;
                                for (int c = 0; c < 4; c++) {
                                    if (kind == DW && c != o) continue;
                                    const int8_t wv = kind == DW ? w[(ky * kh + kx) * 4 + o]
                                                                 : w[((o * kh + ky) * kh + kx) * 4 + c];
                                    acc += (x[(iy * 2 + ix) * 4 + c] + 7) * wv;
                                }
                            }
                        const int32_t v = ember_requantize(acc, mult[o], shift[o]) - 3;
                        want[(oy * oh + ox) * oc + o] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
                    }
            const int32_t sx[] = {1, 2, 2, 4}, sy[] = {1, oh, oh, oc}, so[] = {oc};
            const int32_t sw[] = {kind == DW ? 1 : oc, kh, kh, kind == DW ? oc : 4};
            ember_tensor tx = th_tensor(EMBER_DTYPE_I8, x, 4, sx);
            ember_tensor ty = th_tensor(EMBER_DTYPE_I8, y, 4, sy);
            ember_tensor tw = th_tensor(EMBER_DTYPE_I8, w, 4, sw);
            ember_tensor tb = th_tensor(EMBER_DTYPE_I32, bias, 1, so);
            ember_tensor tm = th_tensor(EMBER_DTYPE_I32, mult, 1, so);
            ember_tensor ts = th_tensor(EMBER_DTYPE_I32, shift, 1, so);
            qc_call c = {.in = &tx, .w = &tw, .bias = &tb, .mult = &tm, .shift = &ts, .out = &ty};
            qc_build(&c, kind, &p);
            memset(y, 0x55, sizeof y);
            CHECK_STATUS(th_run(OPS[kind][1], c.v, c.n), EMBER_OK, NULL);
            CHECK(memcmp(y, want, (size_t)(oh * oh * oc)) == 0);
            CHECK(y[oh * oh * oc] == 0x55);
        }
}

/* ---- 3. refusals ---------------------------------------------------------------------------- */

static void refusals(void)
{
    static int8_t x[18], w[8], y[18];
    static float xf[18];
    static int32_t mult[2] = {1 << 30, 1 << 30}, shift[2] = {0, 0}, bad_shift[2] = {0, 31};
    static const int32_t sx[] = {1, 2, 3, 3}, sw[] = {2, 1, 1, 2}, sy[] = {1, 2, 3, 3},
                         s2[] = {2}, s3[] = {3}, sy_bad[] = {1, 2, 2, 3};
    ember_tensor tx = th_tensor_cl(EMBER_DTYPE_I8, x, sx);
    ember_tensor tw = th_tensor(EMBER_DTYPE_I8, w, 4, sw);
    ember_tensor ty = th_tensor_cl(EMBER_DTYPE_I8, y, sy);
    ember_tensor tm = th_tensor(EMBER_DTYPE_I32, mult, 1, s2);
    ember_tensor ts = th_tensor(EMBER_DTYPE_I32, shift, 1, s2);
    const char* op = OPS[CONV][0];
    qc_params p = PLAIN;
    qc_call c = {.in = &tx, .w = &tw, .mult = &tm, .shift = &ts, .out = &ty};
    qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_OK, NULL); /* the valid call everything varies */

    ember_tensor nchw = th_tensor(EMBER_DTYPE_I8, x, 4, sx); /* contiguous NCHW, 2 channels */
    c.in = &nchw, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_NOT_SUPPORTED, "channels-last");
    CHECK_STATUS(th_run(OPS[CONV][1], c.v, c.n), EMBER_NOT_SUPPORTED, "NHWC"); /* its out is not */
    ember_tensor fx = th_tensor_cl(EMBER_DTYPE_F32, xf, sx);
    c.in = &fx, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_DTYPE_MISMATCH, "input");
    c.in = &tx;
    ember_tensor ybad = th_tensor_cl(EMBER_DTYPE_I8, y, sy_bad);
    c.out = &ybad, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_SHAPE_MISMATCH, "out has shape");
    c.out = &ty;
    static int32_t mult3[3] = {1 << 30, 1 << 30, 1 << 30};
    ember_tensor m3 = th_tensor(EMBER_DTYPE_I32, mult3, 1, s3); /* 3 multipliers, 2 channels */
    c.mult = &m3, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_SHAPE_MISMATCH, "requantize_multipliers");
    c.mult = &tm;
    /* a shift past 30: refused by prepare in a constant, by run in planned memory */
    ember_tensor tbad = th_tensor(EMBER_DTYPE_I32, bad_shift, 1, s2);
    c.shift = &tbad, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "requantize_shifts[1] = 31");
    tbad.storage = EMBER_TENSOR_CONSTANT;
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "requantize_shifts[1] = 31");
    c.shift = &ts;
    /* out the same memory as the input */
    ember_tensor alias = th_tensor_cl(EMBER_DTYPE_I8, x, sy);
    c.out = &alias, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_NOT_SUPPORTED, "same memory");
    c.out = &ty;

    qc_params q = p;
    q.stride[1] = 0, qc_build(&c, CONV, &q);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "stride");
    q = p, q.dil[0] = 0, qc_build(&c, CONV, &q);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "dilation");
    q = p, q.pad[0] = -1, qc_build(&c, CONV, &q);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "padding");
    q = p, qc_build(&c, CONV, &q), c.v[3].len = 1; /* stride of one item */
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "2 items");
    q = p, q.in_off = 129, qc_build(&c, CONV, &q);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "input_offset");
    q = p, q.out_off = 128, qc_build(&c, CONV, &q);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "output_offset");
    q = p, q.amin = 5, q.amax = 4, qc_build(&c, CONV, &q);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "activation_min");
    static int8_t wbig[64]; /* a 4x4 window on the 3x3 input: no output */
    static const int32_t swbig[] = {2, 4, 4, 2};
    ember_tensor twbig = th_tensor(EMBER_DTYPE_I8, wbig, 4, swbig);
    c.w = &twbig, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_SHAPE_MISMATCH, "empty output");
    c.w = &tw;
    qc_build(&c, CONV, &p), c.n = 14; /* one argument short */
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_INVALID_ARGUMENT, "arguments");
    /* groups that do not divide: weight reads 2 input channels of 3 */
    static int8_t x3[27];
    static const int32_t sx3[] = {1, 3, 3, 3};
    ember_tensor tx3 = th_tensor_cl(EMBER_DTYPE_I8, x3, sx3);
    c.in = &tx3, qc_build(&c, CONV, &p);
    CHECK_STATUS(th_run(op, c.v, c.n), EMBER_SHAPE_MISMATCH, "groups");
    c.in = &tx;

    /* depthwise: weight (1, 1, 1, 2) for 2 channels and multiplier 1 is fine; a first size of 2,
     * or a multiplier whose channel count does not match, are not */
    static const int32_t dw_ok[] = {1, 1, 1, 2}, dw_bad[] = {2, 1, 1, 1};
    ember_tensor tdw = th_tensor(EMBER_DTYPE_I8, w, 4, dw_ok);
    ember_tensor tdwb = th_tensor(EMBER_DTYPE_I8, w, 4, dw_bad);
    c.w = &tdw, qc_build(&c, DW, &p);
    CHECK_STATUS(th_run(OPS[DW][0], c.v, c.n), EMBER_OK, NULL);
    q = p, q.dm = 2, qc_build(&c, DW, &q);
    CHECK_STATUS(th_run(OPS[DW][0], c.v, c.n), EMBER_SHAPE_MISMATCH, "depth_multiplier");
    q = p, q.dm = 0, qc_build(&c, DW, &q);
    CHECK_STATUS(th_run(OPS[DW][0], c.v, c.n), EMBER_INVALID_ARGUMENT, "depth_multiplier");
    c.w = &tdwb, qc_build(&c, DW, &p);
    CHECK_STATUS(th_run(OPS[DW][0], c.v, c.n), EMBER_SHAPE_MISMATCH, "[1, KH, KW, C_out]");

    /* transpose: weight (2, 1, 1, 2) fine; dilation, output padding and groups refused */
    c.w = &tw, qc_build(&c, TCONV, &p);
    CHECK_STATUS(th_run(OPS[TCONV][0], c.v, c.n), EMBER_OK, NULL);
    q = p, q.dil[1] = 2, qc_build(&c, TCONV, &q);
    CHECK_STATUS(th_run(OPS[TCONV][0], c.v, c.n), EMBER_NOT_SUPPORTED, "dilation");
    q = p, q.out_pad[0] = 1, qc_build(&c, TCONV, &q);
    CHECK_STATUS(th_run(OPS[TCONV][0], c.v, c.n), EMBER_NOT_SUPPORTED, "output_padding");
    static const int32_t tw_g[] = {2, 1, 1, 1};
    ember_tensor twg = th_tensor(EMBER_DTYPE_I8, w, 4, tw_g);
    c.w = &twg, qc_build(&c, TCONV, &p);
    CHECK_STATUS(th_run(OPS[TCONV][0], c.v, c.n), EMBER_NOT_SUPPORTED, "groups");
}

int main(void)
{
    conv_by_hand();
    depthwise_by_hand();
    transpose_by_hand();
    random_cases();
    wide_cases();
    far_geometry();
    refusals();
    return check_report("test_ops_qconv");
}
