/* i8_eltwise__dsp.c — float32 -> int8 per tensor on the single-precision FPU of the cores with
 * the DSP extension (see i8_dsp.h), bit for bit op_quant.c's quantize_one. */
#include "kernels/optimized/i8_dsp.h"

#if EMBER_HAVE_DSP_FP
void i8_quantize__dsp(const float* x, int8_t* out, int32_t n, float inv, int32_t zp, int32_t qmin,
                      int32_t qmax)
{
    const float lo = (float)(qmin - zp), hi = (float)(qmax - zp);
    const float magic = 12582912.0f; /* 1.5 * 2^23: in [2^23, 2^24) a float's unit is 1 */
    for (int32_t i = 0; i < n; i++) {
        const float v = x[i] * inv, p = v != v ? 0.0f : v; /* NaN: the zero point, clamped */
        /* lo and hi are integers, so clamping before rounding gives the same integer */
        float t = (p < lo ? lo : p > hi ? hi : p) + magic;
        __asm("" : "+t"(t)); /* the addition rounds (to nearest, ties to even): keep it */
        out[i] = (int8_t)((int32_t)(t - magic) + zp);
    }
}
#endif
