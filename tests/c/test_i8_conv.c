/* test_i8_conv.c — the fast int8 convolutions (kernels/optimized/i8_conv.h) against the rule
 * computed here directly (CMSIS-NN's arithmetic: the taps inside the input, (x + in_off) w in
 * wrapping 32-bit sums, plus bias, requant.h, out_off, clamp), byte for byte: random NHWC
 * shapes (batch 1-2, 1x1 / 3x3 / 5x3 kernels, strides 1-2, padding 0-2, dilation 1-2, channel
 * counts off the 16-lane and 4-byte groups), per-channel multipliers and shifts over their
 * range, offsets at the int8 ends, clamps; the 1x1 stride-1 path and the im2col path; output
 * pixels split in two ranges (a thread's share); each depthwise variant the CPU runs. Skipped
 * where the CPU lacks the features. */
#include <stdlib.h>
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/optimized/i8_conv.h"
#include "kernels/portable/requant.h"
#include "tests/c/check.h"

static uint64_t rng = 0x7f4a7c159e3779b9u;
#include "tests/c/rng.h"

static int32_t rr(int32_t lo, int32_t hi) /* [lo, hi] */
{
    return (int32_t)((int64_t)lo + (int64_t)(rng_next() >> 11) % ((int64_t)hi - lo + 1));
}

/* The rule; depthwise: w (kh, kw, Cout), input channel co / dm; else w (Cout, kh, kw, Cin). */
static void reference(const i8_conv_shape* s, int dw, const int8_t* in, const int8_t* w,
                      const int32_t* bias, const int32_t* mult, const int32_t* shift, int8_t* out)
{
    for (int64_t b = 0; b < s->n; b++)
        for (int64_t oy = 0; oy < s->ho; oy++)
            for (int64_t ox = 0; ox < s->wo; ox++)
                for (int64_t co = 0; co < s->cout; co++) {
                    uint32_t acc = bias ? (uint32_t)bias[co] : 0u;
                    for (int64_t ky = 0; ky < s->kh; ky++)
                        for (int64_t kx = 0; kx < s->kw; kx++) {
                            const int64_t iy = oy * s->sh - s->ph + ky * s->dh;
                            const int64_t ix = ox * s->sw - s->pw + kx * s->dw;
                            if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) continue;
                            const int8_t* x = in + ((b * s->h + iy) * s->w + ix) * s->cin;
                            if (dw) {
                                acc += (uint32_t)((x[co / s->dm] + s->in_off) *
                                                  w[(ky * s->kw + kx) * s->cout + co]);
                            } else {
                                const int8_t* wk = w + ((co * s->kh + ky) * s->kw + kx) * s->cin;
                                for (int64_t ci = 0; ci < s->cin; ci++)
                                    acc += (uint32_t)((x[ci] + s->in_off) * wk[ci]);
                            }
                        }
                    /* the output offset added in wrapping 32 bits (CMSIS-NN on Arm) */
                    int32_t v = (int32_t)((uint32_t)ember_requantize((int32_t)acc, mult[co],
                                                                     shift[co]) +
                                          (uint32_t)s->out_off);
                    v = v < s->lo ? s->lo : (v > s->hi ? s->hi : v);
                    out[((b * s->ho + oy) * s->wo + ox) * s->cout + co] = (int8_t)v;
                }
}

static int cases_run;
static i8_gemm_fn gemm; /* i8_gemm_pick's: the packed GEMM this CPU runs */
static i8_dw_fn dwconv;  /* the depthwise kernel under test */
static int unsigned_a;
static int all_right; /* every shift negative (the kernels' faster requantization) */
static int quads;     /* depthwise in i8_dw3x3's layout (dwconv is i8_dw3x3__avx512vnni) */
static int64_t row_stride; /* when set, the windows' row stride (the column one: stride) */

static void one_case(int dw, int64_t kh, int64_t kw, int64_t stride, int64_t pad, int64_t dil,
                     int64_t cin, int64_t cout)
{
    i8_conv_shape s = {0};
    s.n = 1 + rnd(2);
    s.h = kh + rnd(9);
    s.w = kw + rnd(9);
    s.cin = cin;
    s.cout = dw ? cin : cout;
    s.dm = 1;
    s.kh = kh, s.kw = kw, s.sh = s.sw = stride, s.ph = s.pw = pad, s.dh = s.dw = dil;
    if (row_stride) s.sh = row_stride;
    s.ho = (s.h + 2 * pad - dil * (kh - 1) - 1) / s.sh + 1;
    s.wo = (s.w + 2 * pad - dil * (kw - 1) - 1) / stride + 1;
    if (s.ho <= 0 || s.wo <= 0) return;
    s.in_off = rnd(4) == 0 ? (rnd(2) ? 128 : -127) : rr(-127, 128);
    s.out_off = rr(-128, 127);
    s.lo = -128, s.hi = 127;
    if (rnd(3) == 0) s.lo = rr(-128, 0), s.hi = rr(s.lo, 127);
    const int64_t nin = s.n * s.h * s.w * s.cin, nw = s.cout * kh * kw * (dw ? 1 : s.cin);
    const int64_t nout = s.n * s.ho * s.wo * s.cout;
    int8_t* in = malloc((size_t)nin);
    int8_t* w = malloc((size_t)nw);
    int32_t* bias = malloc(sizeof(int32_t) * (size_t)s.cout);
    int32_t* mult = malloc(sizeof(int32_t) * (size_t)s.cout);
    int32_t* shift = malloc(sizeof(int32_t) * (size_t)s.cout);
    for (int64_t i = 0; i < nin; i++) in[i] = (int8_t)rr(-128, 127);
    for (int64_t i = 0; i < nw; i++) w[i] = (int8_t)rr(-128, 127);
    for (int64_t c = 0; c < s.cout; c++) {
        bias[c] = rr(-100000, 100000);
        mult[c] = rnd(10) == 0 ? INT32_MAX : rr(1 << 30, INT32_MAX);
        shift[c] = rnd(8) == 0 ? rr(-31, 4) : rr(-14, -4);
        if (all_right) shift[c] = rnd(8) == 0 ? (rnd(2) ? -31 : -1) : rr(-31, -1);
    }
    const int use_bias = rnd(4) != 0;
    int8_t* want = malloc((size_t)nout);
    int8_t* got = malloc((size_t)nout);
    reference(&s, dw, in, w, use_bias ? bias : NULL, mult, shift, want);
    const size_t bytes = dw && quads ? i8_dw3x3_pack_bytes(&s)
                         : dw        ? i8_dwconv2d_pack_bytes(&s)
                                     : i8_conv2d_pack_bytes(&s);
    void* packed = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (dw && quads) i8_dw3x3_pack(packed, &s, w, use_bias ? bias : NULL, mult, shift);
    else if (dw) i8_dwconv2d_pack(packed, &s, w, use_bias ? bias : NULL, mult, shift);
    else i8_conv2d_pack(packed, &s, w, use_bias ? bias : NULL, mult, shift, unsigned_a);
    memset(got, 0x5a, (size_t)nout);
    const int64_t pixels = s.n * s.ho * s.wo, cut = rnd((uint32_t)pixels + 1);
    if (dw) {
        dwconv(&s, in, packed, got, 0, cut);
        dwconv(&s, in, packed, got, cut, pixels);
    } else {
        i8_conv2d_run(&s, gemm, unsigned_a, in, packed, got, 0, cut);
        i8_conv2d_run(&s, gemm, unsigned_a, in, packed, got, cut, pixels);
    }
    const int same = memcmp(got, want, (size_t)nout) == 0;
    if (!same)
        fprintf(stderr, "%s%s %lldx%lld s%lld p%lld d%lld cin %lld cout %lld n %lld h %lld w %lld\n",
                dw ? "dw" : "conv", quads ? " (quads)" : "", (long long)kh, (long long)kw, (long long)stride,
                (long long)pad, (long long)dil, (long long)s.cin, (long long)s.cout,
                (long long)s.n, (long long)s.h, (long long)s.w);
    CHECK(same);
    cases_run++;
    free(in), free(w), free(bias), free(mult), free(shift), free(want), free(got), free(packed);
}

int main(void)
{
    const uint64_t f = ember_cpu_features();
    gemm = i8_gemm_pick(f, &unsigned_a);
    const int vnni = gemm != NULL; /* AVX-512 VNNI or Arm's dot product */
    i8_dw_fn dws[2] = {NULL, NULL}; /* every depthwise variant this CPU runs */
#if EMBER_HAVE_X86_KERNELS
    if ((f & I8_DWCONV_FEATURES_AVX512) == I8_DWCONV_FEATURES_AVX512) dws[0] = i8_dwconv2d__avx512;
    if ((f & I8_DWCONV_FEATURES_AVX512VNNI) == I8_DWCONV_FEATURES_AVX512VNNI)
        dws[1] = i8_dwconv2d__avx512vnni;
#endif
    CHECK(i8_dwconv2d_pick(f) == (dws[1] ? dws[1] : dws[0]));
    static const int64_t kernels[][2] = {{1, 1}, {3, 3}, {5, 3}, {1, 3}, {2, 2}, {7, 7}, {3, 3}};
    for (int t = 0; t < 120; t++) {
        const int64_t* k = kernels[rnd(7)];
        const int64_t stride = 1 + rnd(2), pad = rnd(3) > k[0] / 2 ? 0 : rnd(3), dil = 1 + (rnd(4) == 0);
        const int64_t cin = 1 + rnd(t % 3 ? 40 : 140), cout = 1 + rnd(t % 2 ? 40 : 70);
        if (vnni) one_case(0, k[0], k[1], stride, pad, dil, cin, cout);
        for (int v = 0; v < 2; v++)
            if ((dwconv = dws[v])) one_case(1, k[0], k[1], stride, pad, dil, cin, cout);
    }
    if (vnni) one_case(0, 1, 1, 1, 0, 1, 64, 48); /* the in-place 1x1 path */
    /* every shift negative: 3x3 stride 1 windows sliding along rows (whole blocks of 32
     * channels), and the rest */
    all_right = 1;
    for (int t = 0; t < 60; t++) {
        const int64_t c = t % 3 == 0 ? 32 * (1 + rnd(3)) : 1 + rnd(100);
        const int64_t* k = t % 2 ? kernels[1] : kernels[rnd(7)];
        const int64_t stride = t % 2 ? 1 : 1 + rnd(2), pad = rnd(3), dil = t % 2 ? 1 : 1 + rnd(2);
        if (vnni) one_case(0, k[0], k[1], stride, pad, dil, c, 1 + rnd(70));
        for (int v = 0; v < 2; v++)
            if ((dwconv = dws[v])) one_case(1, k[0], k[1], stride, pad, dil, c, c);
    }
    /* the 3x3 quads kernel: strides 1 and 2 (rows any), 64 channels or more (ragged blocks),
     * padding on every side, both requantizations */
    i8_conv_shape probe = {0};
    probe.kh = probe.kw = 3, probe.dh = probe.dw = 1, probe.sh = probe.sw = 1, probe.dm = 1;
    probe.cin = probe.cout = 64;
    dwconv = i8_dw3x3_pick(f, &probe);
#if EMBER_HAVE_X86_KERNELS
    CHECK(dwconv == (dws[1] ? i8_dw3x3__avx512vnni : NULL));
#endif
    probe.cin = probe.cout = 63;
    CHECK(i8_dw3x3_pick(f, &probe) == NULL); /* fewer channels: 32 at a time */
    probe.cin = probe.cout = 64, probe.sw = 3;
    CHECK(i8_dw3x3_pick(f, &probe) == NULL);
    probe.sw = 1, probe.dw = 2;
    CHECK(i8_dw3x3_pick(f, &probe) == NULL);
    if (dwconv) {
        quads = 1;
        for (int t = 0; t < 80; t++) {
            all_right = t % 4 != 0;
            const int64_t c = t % 3 == 0 ? 64 * (1 + rnd(3)) : 64 + rnd(140);
            row_stride = t % 5 == 0 ? 1 + rnd(3) : 0;
            one_case(1, 3, 3, 1 + rnd(2), rnd(3), 1, c, c);
        }
        row_stride = 0;
        quads = 0;
    }
    if (!vnni || !dws[0] || !dws[1])
        printf("no packed int8 GEMM (%s), AVX-512 depthwise (%s), VNNI depthwise (%s) here: "
               "skipped\n", vnni ? "have" : "missing", dws[0] ? "have" : "missing",
               dws[1] ? "have" : "missing");
    printf("%d cases; %d passed, %d failed\n", cases_run, check_passed, check_failed);
    return check_failed ? 1 : 0;
}
