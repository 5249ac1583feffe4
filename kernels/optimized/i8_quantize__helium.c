/* i8_quantize__helium.c — float32 -> int8 per tensor on Helium (see i8_helium.h), bit for bit
 * op_quant.c's quantize_one: four floats at a time, x * inv in float (VMUL: one IEEE product),
 * rounded to nearest even (VRINTN), NaN to 0, clamped to [qmin - zp, qmax - zp] in float (the
 * same comparisons as the portable double ones: all the values are integers below 2^24 but the
 * product, compared exactly either way), then converted (exact), zp added, stored as bytes. */
#include "kernels/optimized/i8_helium.h"

#if EMBER_HAVE_HELIUM_FP
#include <arm_mve.h>

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
