/* i8_eltwise__helium.c — int8 elementwise kernels on Helium (see i8_helium.h): quantized_add,
 * bit for bit op_qelementwise.c's loop, and float32 -> int8 per tensor, bit for bit
 * op_quant.c's quantize_one: four floats at a time, x * inv in float (VMUL: one IEEE product),
 * rounded to nearest even (VRINTN), NaN to 0, clamped to [qmin - zp, qmax - zp] in float (the
 * same comparisons as the portable double ones: all the values are integers below 2^24 but the
 * product, compared exactly either way), then converted (exact), zp added, stored as bytes. */
#include "kernels/optimized/i8_helium.h"

#if EMBER_HAVE_HELIUM
#include <arm_mve.h>

void i8_add__helium(const i8_add_params* p, const int8_t* x, const int8_t* y, int8_t* out,
                    int32_t n)
{
    const int32x4_t xzp = vdupq_n_s32(p->x_zp), xm = vdupq_n_s32(p->x_mult),
                    xs = vdupq_n_s32(p->x_shift), yzp = vdupq_n_s32(p->y_zp),
                    ym = vdupq_n_s32(p->y_mult), ys = vdupq_n_s32(p->y_shift);
    const int32x4_t om = vdupq_n_s32(p->out_mult), os = vdupq_n_s32(p->out_shift),
                    ozp = vdupq_n_s32(p->out_zp), lo = vdupq_n_s32(p->lo), hi = vdupq_n_s32(p->hi),
                    zero = vdupq_n_s32(0), wide = vdupq_n_s32(INT32_MIN), top = vdupq_n_s32(INT32_MAX);
    for (int32_t i = 0; i < n; i += 4) {
        const mve_pred16_t q = vctp32q((uint32_t)(n - i));
        const int32x4_t a = vshlq_n_s32(vsubq_s32(vldrbq_z_s32(x + i, q), xzp), 20);
        const int32x4_t b = vshlq_n_s32(vsubq_s32(vldrbq_z_s32(y + i, q), yzp), 20);
        /* the operands at the common scale (no output offset, no clamp: the full int32) */
        const int32x4_t sum = vaddq_s32(i8_helium_requantize4(a, xm, xs, zero, wide, top),
                                        i8_helium_requantize4(b, ym, ys, zero, wide, top));
        vstrbq_p_s32(out + i, i8_helium_requantize4(sum, om, os, ozp, lo, hi), q);
    }
}
#endif

#if EMBER_HAVE_HELIUM_FP

void i8_quantize__helium(const float* x, int8_t* out, int32_t n, float inv, int32_t zp,
                         int32_t qmin, int32_t qmax)
{
    const float32x4_t lo = vdupq_n_f32((float)(qmin - zp)), hi = vdupq_n_f32((float)(qmax - zp));
    const int32x4_t zpv = vdupq_n_s32(zp);
    for (int32_t i = 0; i < n; i += 4) {
        const mve_pred16_t p = vctp32q((uint32_t)(n - i));
        const float32x4_t v = vmulq_n_f32(vldrwq_z_f32(x + i, p), inv);
        float32x4_t r = vrndnq_f32(v);
        r = vpselq_f32(r, vdupq_n_f32(0.0f), vcmpeqq_f32(v, v)); /* NaN: the zero point */
        r = vminnmq_f32(vmaxnmq_f32(r, lo), hi);
        vstrbq_p_s32(out + i, vaddq_s32(vcvtq_s32_f32(r), zpv), p);
    }
}
#endif
