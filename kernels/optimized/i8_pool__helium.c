/* i8_pool__helium.c — the int8 average and max pools on Helium (see i8_helium.h), bit for bit
 * op_qpool.c's loops: 16 channels at a time, the last ones predicated. */
#include "kernels/optimized/i8_helium.h"

#if EMBER_HAVE_HELIUM
#include <arm_mve.h>

/* The clipped window of output row/col o along one dim: [*lo, *hi). */
static inline void window(int32_t o, int32_t stride, int32_t pad, int32_t kernel, int32_t size,
                          int32_t* lo, int32_t* hi)
{
    const int32_t start = o * stride - pad;
    *lo = start < 0 ? 0 : start;
    *hi = start + kernel < size ? start + kernel : size;
}

static inline mve_pred16_t lanes4(int32_t n) { return vctp32q(n > 0 ? (uint32_t)n : 0u); }

void i8_avgpool2d__helium(const i8_pool_shape* s, const int8_t* x, int8_t* y)
{
    const int32_t h = (int32_t)s->h, w = (int32_t)s->w, c = (int32_t)s->c;
    for (int32_t b = 0; b < (int32_t)s->n; b++, x += h * w * c)
        for (int32_t oy = 0; oy < (int32_t)s->oh; oy++) {
            int32_t y0, y1;
            window(oy, (int32_t)s->sh, (int32_t)s->ph, (int32_t)s->kh, h, &y0, &y1);
            for (int32_t ox = 0; ox < (int32_t)s->ow; ox++, y += c) {
                int32_t x0, x1;
                window(ox, (int32_t)s->sw, (int32_t)s->pw, (int32_t)s->kw, w, &x0, &x1);
                const int32_t count = (y1 - y0) * (x1 - x0), half = count / 2;
                for (int32_t c0 = 0; c0 < c; c0 += 16) {
                    const mve_pred16_t p0 = lanes4(c - c0), p1 = lanes4(c - c0 - 4),
                                       p2 = lanes4(c - c0 - 8), p3 = lanes4(c - c0 - 12);
                    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
                    for (int32_t iy = y0; iy < y1; iy++) {
                        const int8_t* px = x + (iy * w + x0) * c + c0;
                        for (int32_t ix = x0; ix < x1; ix++, px += c) {
                            a0 = vaddq_s32(a0, vldrbq_z_s32(px, p0));
                            a1 = vaddq_s32(a1, vldrbq_z_s32(px + 4, p1));
                            a2 = vaddq_s32(a2, vldrbq_z_s32(px + 8, p2));
                            a3 = vaddq_s32(a3, vldrbq_z_s32(px + 12, p3));
                        }
                    }
                    /* the division rounding half away from zero, per channel (no vector divide) */
                    int32_t sum[16] __attribute__((aligned(16)));
                    vstrwq_s32(sum, a0), vstrwq_s32(sum + 4, a1);
                    vstrwq_s32(sum + 8, a2), vstrwq_s32(sum + 12, a3);
                    for (int32_t l = 0; l < 16 && c0 + l < c; l++) {
                        const int32_t v = (sum[l] > 0 ? sum[l] + half : sum[l] - half) / count;
                        y[c0 + l] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
                    }
                }
            }
        }
}

void i8_maxpool2d__helium(const i8_pool_shape* s, const int8_t* x, int8_t* y)
{
    const int32_t h = (int32_t)s->h, w = (int32_t)s->w, c = (int32_t)s->c;
    const int8x16_t lo = vdupq_n_s8((int8_t)s->lo), hi = vdupq_n_s8((int8_t)s->hi);
    for (int32_t b = 0; b < (int32_t)s->n; b++, x += h * w * c)
        for (int32_t oy = 0; oy < (int32_t)s->oh; oy++) {
            int32_t y0, y1;
            window(oy, (int32_t)s->sh, (int32_t)s->ph, (int32_t)s->kh, h, &y0, &y1);
            for (int32_t ox = 0; ox < (int32_t)s->ow; ox++, y += c) {
                int32_t x0, x1;
                window(ox, (int32_t)s->sw, (int32_t)s->pw, (int32_t)s->kw, w, &x0, &x1);
                for (int32_t c0 = 0; c0 < c; c0 += 16) {
                    const mve_pred16_t p = vctp8q((uint32_t)(c - c0));
                    int8x16_t m = vdupq_n_s8(-128);
                    for (int32_t iy = y0; iy < y1; iy++) {
                        const int8_t* px = x + (iy * w + x0) * c + c0;
                        for (int32_t ix = x0; ix < x1; ix++, px += c)
                            m = vmaxq_s8(m, vldrbq_z_s8(px, p));
                    }
                    vstrbq_p_s8(y + c0, vminq_s8(vmaxq_s8(m, lo), hi), p);
                }
            }
        }
}
#endif
