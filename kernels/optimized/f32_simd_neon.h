/* f32_simd_neon.h — the vector vocabulary of f32_simd_x86.h for aarch64 NEON (baseline there),
 * so that an x86 kernel template (f32_sdpa.inc, f32_qlinear.inc) compiles a third time: a file
 * includes this header under #if defined(__aarch64__), then the template. The functions, their
 * names and their contracts are f32_simd_x86.h's; what differs:
 *
 *   vf            float32x4_t: VN = 4
 *   vmask         uint32x4_t, all ones where true (vcltq / vcgtq: false for NaN, as x86's
 *                 ordered compares)
 *   vloadn/vstoren  the first n (0..4) lanes by lane loads and stores: no byte past lane n - 1
 *   vmax, vmin    NaN in either operand gives NaN (x86 returns the second operand); the
 *                 templates never hand them a NaN where it would matter (vexp tests NaN last)
 *   vhsum, vhsum4 pairwise: (a0 + a1) + (a2 + a3)
 *   vexp          f32_simd_x86.h's, the same constants and operations (so the same values)
 *   vtranspose    the 4x4 transpose: trn1 / trn2 of floats, then of 64-bit pairs
 *
 * TARGET is empty (no target attribute is needed) and FN(name) is name##__neon. Only what the
 * templates above use is here (no vtanh, verf). */
#ifndef EMBER_F32_SIMD_NEON_H
#define EMBER_F32_SIMD_NEON_H

#include <arm_neon.h>
#include <math.h>
#include <stdint.h>

#define INLINE static inline __attribute__((always_inline))
#define TARGET
#define FN(name) name##__neon
#define VN 4

typedef float32x4_t vf;
typedef uint32x4_t vmask;

INLINE vf vzero(void) { return vdupq_n_f32(0.0f); }
INLINE vf vset1(float x) { return vdupq_n_f32(x); }
INLINE vf vload(const float* p) { return vld1q_f32(p); }
INLINE void vstore(float* p, vf v) { vst1q_f32(p, v); }
INLINE vf vloadn(const float* p, int64_t n)
{
    const float32x2_t z = vdup_n_f32(0.0f);
    switch (n) {
    case 0: return vzero();
    case 1: return vcombine_f32(vld1_lane_f32(p, z, 0), z);
    case 2: return vcombine_f32(vld1_f32(p), z);
    case 3: return vcombine_f32(vld1_f32(p), vld1_lane_f32(p + 2, z, 0));
    default: return vld1q_f32(p);
    }
}
INLINE void vstoren(float* p, vf v, int64_t n)
{
    switch (n) {
    case 0: return;
    case 1: vst1q_lane_f32(p, v, 0); return;
    case 2: vst1_f32(p, vget_low_f32(v)); return;
    case 3: vst1_f32(p, vget_low_f32(v)), vst1q_lane_f32(p + 2, v, 2); return;
    default: vst1q_f32(p, v); return;
    }
}
INLINE vf vadd(vf a, vf b) { return vaddq_f32(a, b); }
INLINE vf vsub(vf a, vf b) { return vsubq_f32(a, b); }
INLINE vf vmul(vf a, vf b) { return vmulq_f32(a, b); }
INLINE vf vdiv(vf a, vf b) { return vdivq_f32(a, b); }
INLINE vf vfma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }  /* a*b + c */
INLINE vf vfnma(vf a, vf b, vf c) { return vfmsq_f32(c, a, b); } /* c - a*b */
INLINE vf vmax(vf a, vf b) { return vmaxq_f32(a, b); }
INLINE vf vmin(vf a, vf b) { return vminq_f32(a, b); }
INLINE vf vround(vf a) { return vrndnq_f32(a); } /* to nearest, ties to even */
INLINE vmask vlt(vf a, vf b) { return vcltq_f32(a, b); }
INLINE vmask vgt(vf a, vf b) { return vcgtq_f32(a, b); }
INLINE vmask visnan(vf a) { return vmvnq_u32(vceqq_f32(a, a)); }
INLINE vf vselect(vmask m, vf yes, vf no) { return vbslq_f32(m, yes, no); }
/* 2^n for integral n in [-126, 127], as a float built from its exponent bits. */
INLINE vf vpow2i(vf n)
{
    const int32x4_t e = vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
}
INLINE float vhsum(vf a) { return vaddvq_f32(a); }
/* s[0..4) = the lane sums of a0..a3 */
INLINE void vhsum4(float* s, vf a0, vf a1, vf a2, vf a3)
{
    vst1q_f32(s, vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3)));
}
INLINE float vhmax(vf a) { return vmaxvq_f32(a); }

/* r[c] = column c of the 4x4 block whose rows were r[0..4). */
INLINE void vtranspose(vf r[4])
{
    const float64x2_t t0 = vreinterpretq_f64_f32(vtrn1q_f32(r[0], r[1])); /* r00 r10 r02 r12 */
    const float64x2_t t1 = vreinterpretq_f64_f32(vtrn2q_f32(r[0], r[1])); /* r01 r11 r03 r13 */
    const float64x2_t t2 = vreinterpretq_f64_f32(vtrn1q_f32(r[2], r[3]));
    const float64x2_t t3 = vreinterpretq_f64_f32(vtrn2q_f32(r[2], r[3]));
    r[0] = vreinterpretq_f32_f64(vtrn1q_f64(t0, t2));
    r[1] = vreinterpretq_f32_f64(vtrn1q_f64(t1, t3));
    r[2] = vreinterpretq_f32_f64(vtrn2q_f64(t0, t2));
    r[3] = vreinterpretq_f32_f64(vtrn2q_f64(t1, t3));
}

#include "kernels/optimized/f32_simd_vexp.inc" /* e^x: the x86 headers' operations */

#endif /* EMBER_F32_SIMD_NEON_H */
