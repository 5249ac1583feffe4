/* i8_conv__helium.c — the int8 GEMM (under i8_mcu.h's convolution and linear drivers) and the
 * depthwise convolution on Helium (see i8_helium.h). Sizes are int32 (i8_mcu.h). */
#include "kernels/optimized/i8_helium.h"

#if EMBER_HAVE_HELIUM
#include <arm_mve.h>
#include <string.h>

static void i8_helium_channel_sums(const int8_t* b, int32_t n, int32_t k, const int32_t* bias,
                                   int32_t in_off, int32_t* c)
{
    for (int32_t j = 0; j < n; j++, b += k) {
        int32_t sum = 0;
        for (int32_t i = 0; i < k; i += 16) sum = vaddvaq_s8(sum, vldrbq_z_s8(b + i, vctp8q((uint32_t)(k - i))));
        c[j] = (int32_t)((bias ? (uint32_t)bias[j] : 0u) + (uint32_t)in_off * (uint32_t)sum);
    }
}

static void i8_gemm__helium(const i8_mcu_gemm* g)
{
    const int32_t k = g->k, kfull = k & ~15;
    const mve_pred16_t tail = vctp8q((uint32_t)(k - kfull));
    const int32x4_t out_off = vdupq_n_s32(g->out_off), lo = vdupq_n_s32(g->lo),
                    hi = vdupq_n_s32(g->hi);
    for (int32_t n0 = 0; n0 < g->n; n0 += 4) {
        const int32_t nn = g->n - n0 < 4 ? g->n - n0 : 4;
        const mve_pred16_t lanes = vctp32q((uint32_t)nn);
        /* channels past the last compute channel n0's sums again, never stored */
        const int8_t* b0 = g->b + n0 * k;
        const int8_t* b1 = nn > 1 ? b0 + k : b0;
        const int8_t* b2 = nn > 2 ? b0 + 2 * k : b0;
        const int8_t* b3 = nn > 3 ? b0 + 3 * k : b0;
        const int32x4_t c = vldrwq_z_s32(g->c + n0, lanes);
        const int32x4_t mult = g->step ? vldrwq_z_s32(g->mult + n0, lanes) : vdupq_n_s32(g->mult[0]);
        const int32x4_t shift = g->step ? vldrwq_z_s32(g->shift + n0, lanes) : vdupq_n_s32(g->shift[0]);
        const int8_t* a = g->a;
        int8_t* out = g->out + n0;
        for (int32_t r = 0; r < g->m; r++, a += g->lda, out += g->ldc) {
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            const int8_t *x = a, *p0 = b0, *p1 = b1, *p2 = b2, *p3 = b3;
            if (kfull) { /* the pointers step past each 16 bytes; VMLADAVA sums in even registers */
                int32_t chunks = kfull / 16;
                int8x16_t xv, wv;
                    __asm volatile("1:\n"
                                   "vldrb.8 %q[xv], [%[x]], #16\n"
                                   "vldrb.8 %q[wv], [%[p0]], #16\n"
                                   "vmlava.s8 %[s0], %q[xv], %q[wv]\n"
                                   "vldrb.8 %q[wv], [%[p1]], #16\n"
                                   "vmlava.s8 %[s1], %q[xv], %q[wv]\n"
                                   "vldrb.8 %q[wv], [%[p2]], #16\n"
                                   "vmlava.s8 %[s2], %q[xv], %q[wv]\n"
                                   "vldrb.8 %q[wv], [%[p3]], #16\n"
                                   "vmlava.s8 %[s3], %q[xv], %q[wv]\n"
                                   "subs %[n], %[n], #1\n"
                                   "bne 1b\n"
                                   : [x] "+r"(x), [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2),
                                     [p3] "+r"(p3), [s0] "+Te"(s0), [s1] "+Te"(s1),
                                     [s2] "+Te"(s2), [s3] "+Te"(s3), [n] "+r"(chunks),
                                     [xv] "=&w"(xv), [wv] "=&w"(wv)
                                   :
                                   : "cc", "memory");
                }
            const int32_t i = kfull;
            if (i < k) { /* the last k % 16 bytes; the lanes past them load as zero */
                const int8x16_t xv = vldrbq_z_s8(a + i, tail);
                s0 = vmladavaq_s8(s0, xv, vldrbq_z_s8(b0 + i, tail));
                s1 = vmladavaq_s8(s1, xv, vldrbq_z_s8(b1 + i, tail));
                s2 = vmladavaq_s8(s2, xv, vldrbq_z_s8(b2 + i, tail));
                s3 = vmladavaq_s8(s3, xv, vldrbq_z_s8(b3 + i, tail));
            }
            int32x4_t v = vdupq_n_s32(s0);
            v = vsetq_lane_s32(s1, v, 1);
            v = vsetq_lane_s32(s2, v, 2);
            v = vsetq_lane_s32(s3, v, 3);
            v = i8_helium_requantize4(vaddq_s32(v, c), mult, shift, out_off, lo, hi);
            vstrbq_p_s32(out, v, lanes);
        }
    }
}

/* Depthwise: the geometry of one call, int32. */
typedef struct dw_geom {
    int32_t h, w, cin, ch, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, dm;
    int32_t col, row, wrow; /* input steps between taps (column, row), weight step per row */
    int32_t in_off;
    const int32_t *bias, *mult, *shift; /* (ch) */
    int32x4_t out_off, lo, hi;
} dw_geom;

/* The output channels [c, cn) of one pixel, four at a time (the last predicated): x the input
 * pixel of the window's first tap inside (ny x nx taps inside), wt that tap's weights of
 * channel c0 (the chunk's first), init the sums' start per channel of the chunk (bias + in_off
 * sum(w) where the window lies inside the input, else the bias, or NULL: zero), add what each
 * input byte gets (0 inside, else in_off), lanes the chunk's input channels (dm above one:
 * gathered; dm 1: four bytes in a row). */
static void dw_lanes4(const dw_geom* g, const int8_t* x, const int8_t* wt, int32_t ny,
                      int32_t nx, const int32_t* init, const uint32_t* lanes, int32_t add,
                      int32_t c0, int32_t c, int32_t cn, int8_t* o)
{
    const int32x4_t addv = vdupq_n_s32(add);
    for (; c < cn; c += 4) {
        const mve_pred16_t p = vctp32q((uint32_t)(cn - c));
        const uint32x4_t at = g->dm == 1 ? vaddq_n_u32(vidupq_n_u32(0, 1), (uint32_t)(c0 + c))
                                         : vldrwq_u32(lanes + c);
        int32x4_t acc = init ? vldrwq_z_s32(init + c, p) : vdupq_n_s32(0);
        for (int32_t ky = 0; ky < ny; ky++) {
            const int8_t* xp = x + ky * g->row;
            const int8_t* wp = wt + ky * g->wrow + c;
            for (int32_t kx = 0; kx < nx; kx++, xp += g->col, wp += g->ch) {
                const int32x4_t xv = vaddq_s32(vldrbq_gather_offset_z_s32(xp, at, p), addv);
                acc = vaddq_s32(acc, vmulq_s32(xv, vldrbq_z_s32(wp, p)));
            }
        }
        const int32x4_t m = vldrwq_z_s32(g->mult + c0 + c, p);
        const int32x4_t sv = vldrwq_z_s32(g->shift + c0 + c, p);
        vstrbq_p_s32(o + c, i8_helium_requantize4(acc, m, sv, g->out_off, g->lo, g->hi), p);
    }
}

/* The end of a tap in the depthwise loops below: the pointers step a column, and after nx taps
 * (the counter k) a row; ny rows. */
#define DW_NEXT_TAP                                                                             \
    "add %[x], %[x], %[col]\n"                                                                  \
    "add %[w], %[w], %[ch]\n"                                                                   \
    "subs %[k], %[k], #1\n"                                                                     \
    "bne 2b\n"                                                                                  \
    "add %[x], %[x], %[xrow]\n"                                                                 \
    "add %[w], %[w], %[wrow]\n"                                                                 \
    "subs %[ny], %[ny], #1\n"                                                                   \
    "bne 1b\n"

/* One tap of 16 channels (depth multiplier 1) as 16-bit lanes: x w fits 16 bits ((x + in_off) w
 * too: |255 * 128| < 2^15), VMULLB / VMULLT widen the even and odd lanes' products to 32 bits,
 * four sums: e0 channels 0, 2, 4, 6; o0 1, 3, 5, 7; e1 8 ... 14; o1 9 ... 15. The pointers (low
 * registers: the widening loads take no others) step a column, and a row after nx taps. */
#define DW_TAPS16(ADD)                                                                          \
    "1: mov %[k], %[nx]\n"                                                                      \
    "2: vldrb.s16 %q[xv], [%[x]]\n"                                                             \
    "vldrb.s16 %q[wv], [%[w]]\n" ADD("%q[xv]")                                                  \
    "vmullb.s16 %q[t], %q[xv], %q[wv]\n"                                                        \
    "vadd.i32 %q[e0], %q[e0], %q[t]\n"                                                          \
    "vmullt.s16 %q[t], %q[xv], %q[wv]\n"                                                        \
    "vadd.i32 %q[o0], %q[o0], %q[t]\n"                                                          \
    "vldrb.s16 %q[xv], [%[x], #8]\n"                                                            \
    "vldrb.s16 %q[wv], [%[w], #8]\n" ADD("%q[xv]")                                              \
    "vmullb.s16 %q[t], %q[xv], %q[wv]\n"                                                        \
    "vadd.i32 %q[e1], %q[e1], %q[t]\n"                                                          \
    "vmullt.s16 %q[t], %q[xv], %q[wv]\n"                                                        \
    "vadd.i32 %q[o1], %q[o1], %q[t]\n"                                                          \
    DW_NEXT_TAP
#define DW_NO_ADD(q) ""
#define DW_ADD(q) "vadd.i16 " q ", " q ", %q[addv]\n"

/* 16 channels of one pixel, depth multiplier 1 (see dw_lanes4 for the arguments; init not
 * NULL, inside: the window lies inside the input). */
__attribute__((noinline)) static void dw_block16(const dw_geom* g, const int8_t* x, const int8_t* w, int32_t ny,
                       int32_t nx, const int32_t* init, bool inside, int32_t c0, int8_t* o)
{
    const int32x4x2_t i0 = vld2q_s32(init), i1 = vld2q_s32(init + 8);
    int32x4_t e0 = i0.val[0], o0 = i0.val[1], e1 = i1.val[0], o1 = i1.val[1];
    if (ny > 0 && nx > 0) {
        const int32_t xrow = g->row - nx * g->col, wrow = g->wrow - nx * g->ch;
        int32_t k;
        int16x8_t xv, wv;
        int32x4_t t;
        if (inside)
            __asm volatile(DW_TAPS16(DW_NO_ADD)
                           : [x] "+l"(x), [w] "+l"(w), [ny] "+r"(ny), [k] "=&r"(k),
                             [e0] "+w"(e0), [o0] "+w"(o0), [e1] "+w"(e1), [o1] "+w"(o1),
                             [xv] "=&w"(xv), [wv] "=&w"(wv), [t] "=&w"(t)
                           : [nx] "r"(nx), [col] "r"(g->col), [ch] "r"(g->ch), [xrow] "r"(xrow),
                             [wrow] "r"(wrow)
                           : "cc", "memory");
        else
            __asm volatile(DW_TAPS16(DW_ADD)
                           : [x] "+l"(x), [w] "+l"(w), [ny] "+r"(ny), [k] "=&r"(k),
                             [e0] "+w"(e0), [o0] "+w"(o0), [e1] "+w"(e1), [o1] "+w"(o1),
                             [xv] "=&w"(xv), [wv] "=&w"(wv), [t] "=&w"(t)
                           : [nx] "r"(nx), [col] "r"(g->col), [ch] "r"(g->ch), [xrow] "r"(xrow),
                             [wrow] "r"(wrow), [addv] "w"(vdupq_n_s16((int16_t)g->in_off))
                           : "cc", "memory");
    }
    /* requantize the even and odd channels' sums, narrow them back into order, store */
    const int32x4x2_t m0 = vld2q_s32(g->mult + c0), m1 = vld2q_s32(g->mult + c0 + 8);
    const int32x4x2_t s0 = vld2q_s32(g->shift + c0), s1 = vld2q_s32(g->shift + c0 + 8);
    int16x8_t r0 = vuninitializedq_s16(), r1 = vuninitializedq_s16();
    r0 = vmovnbq_s32(r0, i8_helium_requantize4(e0, m0.val[0], s0.val[0], g->out_off, g->lo, g->hi));
    r0 = vmovntq_s32(r0, i8_helium_requantize4(o0, m0.val[1], s0.val[1], g->out_off, g->lo, g->hi));
    r1 = vmovnbq_s32(r1, i8_helium_requantize4(e1, m1.val[0], s1.val[0], g->out_off, g->lo, g->hi));
    r1 = vmovntq_s32(r1, i8_helium_requantize4(o1, m1.val[1], s1.val[1], g->out_off, g->lo, g->hi));
    vstrbq_s16(o, r0);
    vstrbq_s16(o + 8, r1);
}

/* One tap of 16 channels sharing one input byte (a depth multiplier that 16 divides: ExecuTorch's
 * DS-CNN stem has one input channel and 64 outputs): the byte (plus `add`) times four vectors of
 * weights (VMLA by a scalar) into four sums in channel order. */
#define DW_SHARED16                                                                             \
    "1: mov %[k], %[nx]\n"                                                                      \
    "2: ldrsb %[xs], [%[x]]\n"                                                                  \
    "add %[xs], %[xs], %[add]\n"                                                                \
    "vldrb.s32 %q[wv], [%[w]]\n"                                                                \
    "vmla.s32 %q[a0], %q[wv], %[xs]\n"                                                          \
    "vldrb.s32 %q[wv], [%[w], #4]\n"                                                            \
    "vmla.s32 %q[a1], %q[wv], %[xs]\n"                                                          \
    "vldrb.s32 %q[wv], [%[w], #8]\n"                                                            \
    "vmla.s32 %q[a2], %q[wv], %[xs]\n"                                                          \
    "vldrb.s32 %q[wv], [%[w], #12]\n"                                                           \
    "vmla.s32 %q[a3], %q[wv], %[xs]\n"                                                          \
    DW_NEXT_TAP

/* 16 channels of one pixel whose input channel is one byte (see DW_SHARED16; x at that byte,
 * the rest as dw_block16's). */
__attribute__((noinline)) static void dw_shared16(const dw_geom* g, const int8_t* x, const int8_t* w, int32_t ny,
                        int32_t nx, const int32_t* init, int32_t add, int32_t c0, int8_t* o)
{
    int32x4_t a0 = vldrwq_s32(init), a1 = vldrwq_s32(init + 4), a2 = vldrwq_s32(init + 8),
              a3 = vldrwq_s32(init + 12);
    if (ny > 0 && nx > 0) {
        const int32_t xrow = g->row - nx * g->col, wrow = g->wrow - nx * g->ch;
        int32_t k, xs;
        int32x4_t wv;
        __asm volatile(DW_SHARED16
                       : [x] "+r"(x), [w] "+l"(w), [ny] "+r"(ny), [k] "=&r"(k), [xs] "=&r"(xs),
                         [a0] "+w"(a0), [a1] "+w"(a1), [a2] "+w"(a2), [a3] "+w"(a3),
                         [wv] "=&w"(wv)
                       : [nx] "r"(nx), [col] "r"(g->col), [ch] "r"(g->ch), [xrow] "r"(xrow),
                         [wrow] "r"(wrow), [add] "r"(add)
                       : "cc", "memory");
    }
    const int32x4_t acc[4] = {a0, a1, a2, a3};
    for (int j = 0; j < 4; j++)
        vstrbq_s32(o + 4 * j, i8_helium_requantize4(acc[j], vldrwq_s32(g->mult + c0 + 4 * j),
                                                    vldrwq_s32(g->shift + c0 + 4 * j),
                                                    g->out_off, g->lo, g->hi));
}

void i8_dwconv2d__helium(const i8_conv_shape* s, const int8_t* in, const int8_t* w,
                         const int32_t* bias, const int32_t* mult, const int32_t* shift,
                         int8_t* out)
{
    dw_geom g = {(int32_t)s->h,  (int32_t)s->w,  (int32_t)s->cin, (int32_t)s->cout,
                 (int32_t)s->ho, (int32_t)s->wo, (int32_t)s->kh,  (int32_t)s->kw,
                 (int32_t)s->sh, (int32_t)s->sw, (int32_t)s->ph,  (int32_t)s->pw,
                 (int32_t)s->dh, (int32_t)s->dw, (int32_t)s->dm,  0, 0, 0, s->in_off, bias,
                 mult, shift, vdupq_n_s32(s->out_off), vdupq_n_s32(s->lo), vdupq_n_s32(s->hi)};
    g.col = g.dw * g.cin, g.row = g.dh * g.w * g.cin, g.wrow = g.kw * g.ch;
    const i8_mcu_dw d = i8_mcu_dw_geometry(s); /* for the windows */
    int32_t cw[I8_MCU_CHANNELS] __attribute__((aligned(16)));   /* bias + in_off sum(w) */
    int32_t cb[I8_MCU_CHANNELS] __attribute__((aligned(16)));   /* the bias, or zeros */
    uint32_t lanes[I8_MCU_CHANNELS] __attribute__((aligned(16))); /* input channels */
    for (int32_t c0 = 0; c0 < g.ch; c0 += I8_MCU_CHANNELS) {
        const int32_t cn = g.ch - c0 < I8_MCU_CHANNELS ? g.ch - c0 : I8_MCU_CHANNELS;
        i8_mcu_dw_constants(w, g.kh * g.kw, g.ch, c0, cn, bias, g.in_off, cb, cw);
        for (int32_t c = 0; c < cn; c++) lanes[c] = (uint32_t)((c0 + c) / g.dm);
        /* the 16-channel blocks (depth multiplier 1, or one 16 divides), then the rest four at a
         * time */
        const int32_t blocks = g.dm == 1 || g.dm % 16 == 0 ? cn / 16 * 16 : 0;
        int8_t* o = out + c0;
        for (int32_t b = 0; b < d.n; b++)
            for (int32_t oy = 0; oy < d.ho; oy++) {
                const i8_mcu_rows rows = i8_mcu_rows_at(&d, oy);
                for (int32_t ox = 0; ox < d.wo; ox++, o += g.ch) {
                    const i8_mcu_window win = i8_mcu_window_at(&d, &rows, b, ox);
                    const bool inside = win.inside;
                    const int32_t ny = win.ny, nx = win.nx;
                    const int8_t *x = in + win.in_at, *wt = w + win.w_at + c0;
                    const int32_t* init = inside ? cw : cb;
                    for (int32_t c = 0; c < blocks; c += 16)
                        if (g.dm == 1)
                            dw_block16(&g, x + c0 + c, wt + c, ny, nx, init + c, inside, c0 + c,
                                       o + c);
                        else
                            dw_shared16(&g, x + (c0 + c) / g.dm, wt + c, ny, nx, init + c,
                                        inside ? 0 : g.in_off, c0 + c, o + c);
                    if (blocks < cn)
                        dw_lanes4(&g, x, wt, ny, nx, init, lanes, inside ? 0 : g.in_off, c0,
                                  blocks, cn, o);
                }
            }
    }
}
const i8_mcu_isa i8_helium_isa = {i8_gemm__helium, i8_helium_channel_sums, i8_dwconv2d__helium};
#endif
