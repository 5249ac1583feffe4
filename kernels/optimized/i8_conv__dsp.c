/* i8_conv__dsp.c — the int8 GEMM (under i8_mcu.h's convolution and linear drivers) and the
 * depthwise convolution on the DSP extension (see i8_dsp.h). Sizes are int32 (i8_mcu.h). */
#include "kernels/optimized/i8_dsp.h"

#if EMBER_HAVE_DSP
#include <arm_acle.h>
#include <string.h>

#include "kernels/portable/requant.h"

/* The word at p (any alignment: LDR). */
static inline uint32_t word(const int8_t* p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Bytes 1 and 3 of x sign-extended to two int16 (SXTB16 of x rotated by 8: one instruction,
 * which __sxtb16(x >> 8) is not). */
static inline int16x2_t odd_bytes(uint32_t x)
{
    int16x2_t r;
    __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static void channel_sums(const int8_t* b, int32_t n, int32_t k, const int32_t* bias,
                         int32_t in_off, int32_t* c)
{
    const int16x2_t ones = 0x00010001;
    for (int32_t j = 0; j < n; j++, b += k) {
        int32_t sum = 0, i = 0;
        for (; i + 4 <= k; i += 4) {
            const uint32_t w = word(b + i);
            sum = __smlad(__sxtb16(w), ones, __smlad(odd_bytes(w), ones, sum));
        }
        for (; i < k; i++) sum = (int32_t)((uint32_t)sum + (uint32_t)b[i]);
        c[j] = (int32_t)((bias ? (uint32_t)bias[j] : 0u) + (uint32_t)in_off * (uint32_t)sum);
    }
}

/* One SXTB16 / SMLAD step of a channel: its next word at [p] (p steps 4), its sum s. */
#define DSP_CHANNEL(p, s)                                                                       \
    "ldr %[w], [%[" p "]], #4\n"                                                                \
    "sxtb16 %[t], %[w]\n"                                                                       \
    "smlad %[" s "], %[xe], %[t], %[" s "]\n"                                                   \
    "sxtb16 %[t], %[w], ror #8\n"                                                               \
    "smlad %[" s "], %[xo], %[t], %[" s "]\n"

static void gemm(const i8_mcu_gemm* g)
{
    const int32_t k = g->k, words = k / 4;
    for (int32_t n0 = 0; n0 < g->n; n0 += 4) {
        const int32_t nn = g->n - n0 < 4 ? g->n - n0 : 4;
        /* channels past the last compute channel n0's sums again, never stored */
        const int8_t* b[4];
        for (int32_t j = 0; j < 4; j++) b[j] = g->b + (j < nn ? n0 + j : n0) * k;
        const int8_t* a = g->a;
        int8_t* out = g->out + n0;
        for (int32_t r = 0; r < g->m; r++, a += g->lda, out += g->ldc) {
            int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            const int8_t *x = a, *p0 = b[0], *p1 = b[1], *p2 = b[2], *p3 = b[3];
            if (words) {
                int32_t count = words;
                uint32_t xe, xo, w, t;
                __asm volatile("1:\n"
                               "ldr %[w], [%[x]], #4\n"
                               "sxtb16 %[xe], %[w]\n"
                               "sxtb16 %[xo], %[w], ror #8\n"
                               DSP_CHANNEL("p0", "s0") DSP_CHANNEL("p1", "s1")
                               DSP_CHANNEL("p2", "s2") DSP_CHANNEL("p3", "s3")
                               "subs %[n], %[n], #1\n"
                               "bne 1b\n"
                               : [x] "+r"(x), [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2),
                                 [p3] "+r"(p3), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),
                                 [s3] "+r"(s3), [n] "+r"(count), [xe] "=&r"(xe),
                                 [xo] "=&r"(xo), [w] "=&r"(w), [t] "=&r"(t)
                               :
                               : "cc", "memory");
            }
            for (int32_t i = words * 4; i < k; i++) { /* the last k % 4 bytes, wrapping */
                s0 = (int32_t)((uint32_t)s0 + (uint32_t)(a[i] * b[0][i]));
                s1 = (int32_t)((uint32_t)s1 + (uint32_t)(a[i] * b[1][i]));
                s2 = (int32_t)((uint32_t)s2 + (uint32_t)(a[i] * b[2][i]));
                s3 = (int32_t)((uint32_t)s3 + (uint32_t)(a[i] * b[3][i]));
            }
            const int32_t s[4] = {s0, s1, s2, s3};
            for (int32_t j = 0; j < nn; j++) {
                const int32_t at = g->step ? n0 + j : 0;
                out[j] = ember_requantize_clamp((int32_t)((uint32_t)s[j] + (uint32_t)g->c[n0 + j]),
                                                g->mult[at], g->shift[at], g->out_off, g->lo,
                                                g->hi);
            }
        }
    }
}
#undef DSP_CHANNEL

/* Four channels of one pixel: x / wt the input and the weights at the first tap inside (ny x nx
 * taps inside) and the first channel, acc their sums' start, off2 what each input byte gets
 * (in_off in both halves, or 0 inside). shared: the four read one input byte (a depth
 * multiplier that 4 divides), else four bytes in a row (depth multiplier 1). Even channels'
 * products from the bottom halves, odd ones' from the top. */
static inline void dw_four(const i8_mcu_dw* g, const int8_t* x, const int8_t* wt, int32_t ny,
                           int32_t nx, int16x2_t off2, bool shared, int32_t acc[4])
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    for (int32_t ky = 0; ky < ny; ky++, x += g->row, wt += g->wrow) {
        const int8_t *xp = x, *wp = wt;
        for (int32_t kx = 0; kx < nx; kx++, xp += g->col, wp += g->ch) {
            const uint32_t ww = word(wp);
            const int16x2_t we = __sxtb16(ww), wo = odd_bytes(ww);
            if (shared) { /* the byte in both halves: x w0, x w1 from the bottom and top */
                const int16x2_t xx = __sadd16(__sxtb16((uint32_t)(uint8_t)*xp * 0x10001u), off2);
                a0 = __smlabb((int32_t)xx, (int32_t)we, a0);
                a2 = __smlatt((int32_t)xx, (int32_t)we, a2);
                a1 = __smlabb((int32_t)xx, (int32_t)wo, a1);
                a3 = __smlatt((int32_t)xx, (int32_t)wo, a3);
            } else {
                const uint32_t xw = word(xp);
                const int16x2_t xe = __sadd16(__sxtb16(xw), off2);
                const int16x2_t xo = __sadd16(odd_bytes(xw), off2);
                a0 = __smlabb((int32_t)xe, (int32_t)we, a0);
                a2 = __smlatt((int32_t)xe, (int32_t)we, a2);
                a1 = __smlabb((int32_t)xo, (int32_t)wo, a1);
                a3 = __smlatt((int32_t)xo, (int32_t)wo, a3);
            }
        }
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

static void dwconv2d(const i8_conv_shape* s, const int8_t* in, const int8_t* w,
                     const int32_t* bias, const int32_t* mult, const int32_t* shift, int8_t* out)
{
    const i8_mcu_dw g = i8_mcu_dw_geometry(s);
    const int32_t in_off = s->in_off;
    const int16x2_t off2 = (int16x2_t)(((uint32_t)in_off & 0xffffu) * 0x10001u);
    /* four channels at a time where they read four input bytes in a row or one byte */
    const bool quad = g.dm == 1 || g.dm % 4 == 0, shared = g.dm > 1;
    int32_t cw[I8_MCU_CHANNELS]; /* bias + in_off sum(w) */
    int32_t cb[I8_MCU_CHANNELS]; /* the bias, or zeros */
    for (int32_t c0 = 0; c0 < g.ch; c0 += I8_MCU_CHANNELS) {
        const int32_t cn = g.ch - c0 < I8_MCU_CHANNELS ? g.ch - c0 : I8_MCU_CHANNELS;
        const int32_t quads = quad ? cn / 4 * 4 : 0;
        i8_mcu_dw_constants(w, g.kh * g.kw, g.ch, c0, cn, bias, in_off, cb, cw);
        int8_t* o = out + c0;
        for (int32_t b = 0; b < g.n; b++)
            for (int32_t oy = 0; oy < g.ho; oy++) {
                const i8_mcu_rows rows = i8_mcu_rows_at(&g, oy);
                for (int32_t ox = 0; ox < g.wo; ox++, o += g.ch) {
                    const i8_mcu_window win = i8_mcu_window_at(&g, &rows, b, ox);
                    const bool inside = win.inside;
                    const int32_t ny = win.ny, nx = win.nx;
                    const int8_t *x = in + win.in_at, *wt = w + win.w_at + c0;
                    const int32_t* init = inside ? cw : cb;
                    const int16x2_t add2 = inside ? 0 : off2;
                    const int32_t add = inside ? 0 : in_off;
                    int32_t c = 0;
                    for (; c < quads; c += 4) {
                        int32_t acc[4] = {init[c], init[c + 1], init[c + 2], init[c + 3]};
                        dw_four(&g, x + (c0 + c) / g.dm, wt + c, ny, nx, add2, shared, acc);
                        for (int32_t j = 0; j < 4; j++)
                            o[c + j] = ember_requantize_clamp(acc[j], mult[c0 + c + j],
                                                              shift[c0 + c + j], s->out_off,
                                                              s->lo, s->hi);
                    }
                    for (; c < cn; c++) { /* the other channels one at a time */
                        const int8_t* xc = x + (c0 + c) / g.dm;
                        uint32_t v = (uint32_t)init[c];
                        for (int32_t ky = 0; ky < ny; ky++)
                            for (int32_t kx = 0; kx < nx; kx++)
                                v += (uint32_t)((xc[ky * g.row + kx * g.col] + add) *
                                                wt[ky * g.wrow + kx * g.ch + c]);
                        o[c] = ember_requantize_clamp((int32_t)v, mult[c0 + c], shift[c0 + c],
                                                      s->out_off, s->lo, s->hi);
                    }
                }
            }
    }
}

const i8_mcu_isa i8_dsp_isa = {gemm, channel_sums, dwconv2d};
#endif
