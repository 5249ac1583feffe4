/* f32_simd_x86.h — one vocabulary of fp32 vector operations for the x86 kernel templates
 * (f32_sdpa.inc, f32_rowops.inc, f32_gemm_nt.inc), so that each template is written once and
 * compiled twice: a file defines EMBER_SIMD_AVX512 or EMBER_SIMD_AVX2, includes this header,
 * then the template.
 * Every function carries the ISA's target attribute (never a global -march), so the library
 * still loads on any x86-64; the including file is only called after prepare has checked
 * ember_kernel_cpu_features().
 *
 *   vf            a vector of VN floats (16 for AVX-512, 8 for AVX2)
 *   vloadn/vstoren  the first n (0..VN) lanes; the others load as 0 and are not written, and no
 *                   byte past lane n-1 is touched (masked loads and stores)
 *   vexp          e^x, max error 2 ulp over [-87.3, 88.7] (measured against expf over every
 *                 float in that range by tests/c/test_rowops_optimized.c); results below
 *                 FLT_MIN flush to +0, x > 88.72 gives +inf, NaN stays NaN
 *   vtanh, verf   see each function's comment for its error
 *   vtranspose    r[c] = column c of the VN x VN block whose rows were r[0..VN), in registers
 *                 (the GEMM's packs, f32_gemm_nn.inc; the dequantizing pack, f32_qlinear.inc)
 *
 * FN(name) appends the ISA suffix: FN(f32_sdpa) is f32_sdpa__avx512 or f32_sdpa__avx2. */
#ifndef EMBER_F32_SIMD_X86_H
#define EMBER_F32_SIMD_X86_H

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#define INLINE static inline __attribute__((always_inline))

#if defined(EMBER_SIMD_AVX512)

#define VN 16
#ifndef EMBER_SIMD_AVX512_TARGET /* a file may ask for less: nothing here needs DQ */
#define EMBER_SIMD_AVX512_TARGET "avx512f,avx512vl,avx512dq,fma"
#endif
#define TARGET __attribute__((target(EMBER_SIMD_AVX512_TARGET)))
#define FN(name) name##__avx512
typedef __m512 vf;
typedef __mmask16 vmask;

TARGET INLINE vf vzero(void) { return _mm512_setzero_ps(); }
TARGET INLINE vf vset1(float x) { return _mm512_set1_ps(x); }
TARGET INLINE vf vload(const float* p) { return _mm512_loadu_ps(p); }
TARGET INLINE void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
TARGET INLINE vmask vtail(int64_t n) { return (vmask)((1u << n) - 1u); }
TARGET INLINE vf vloadn(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(vtail(n), p); }
TARGET INLINE void vstoren(float* p, vf v, int64_t n) { _mm512_mask_storeu_ps(p, vtail(n), v); }
TARGET INLINE vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
TARGET INLINE vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
TARGET INLINE vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
TARGET INLINE vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
TARGET INLINE vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); } /* a*b + c */
TARGET INLINE vf vfnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); } /* c - a*b */
TARGET INLINE vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
TARGET INLINE vf vmin(vf a, vf b) { return _mm512_min_ps(a, b); }
TARGET INLINE vf vabs(vf a) { return _mm512_abs_ps(a); }
TARGET INLINE vf vround(vf a)
{
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
TARGET INLINE vmask vlt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
TARGET INLINE vmask vgt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
TARGET INLINE vmask visnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
TARGET INLINE vf vselect(vmask m, vf yes, vf no) { return _mm512_mask_blend_ps(m, no, yes); }
TARGET INLINE vf vcopysign(vf mag, vf sign)
{
    const __m512i s = _mm512_set1_epi32((int)0x80000000u);
    return _mm512_castsi512_ps(_mm512_or_si512(
        _mm512_andnot_si512(s, _mm512_castps_si512(mag)),
        _mm512_and_si512(s, _mm512_castps_si512(sign))));
}
/* 2^n for integral n in [-126, 127], as a float built from its exponent bits. */
TARGET INLINE vf vpow2i(vf n)
{
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
TARGET INLINE float vhsum(vf a) { return _mm512_reduce_add_ps(a); }
/* s[0..4) = the lane sums of a0..a3: halves added down to 256 bits, then as for AVX2. */
TARGET INLINE void vhsum4(float* s, vf a0, vf a1, vf a2, vf a3)
{
#define HALF256(v) _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)))
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(HALF256(a0), HALF256(a1)),
                                    _mm256_hadd_ps(HALF256(a2), HALF256(a3)));
#undef HALF256
    _mm_storeu_ps(s, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}
TARGET INLINE float vhmax(vf a) { return _mm512_reduce_max_ps(a); }

/* r[c] = column c of the 16x16 block whose rows were r[0..16). */
TARGET INLINE void vtranspose(vf r[16])
{
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* u[4g + q], 128-bit lane L: rows 4g..4g+3 at column 4L + q */
    for (int g = 0; g < 4; g++) {
        const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
        const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
        u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    for (int q = 0; q < 4; q++) {
        const __m512 x = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88);  /* lanes 0 2 | 0 2 */
        const __m512 y = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xdd);  /* lanes 1 3 | 1 3 */
        const __m512 x2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88);
        const __m512 y2 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xdd);
        r[q] = _mm512_shuffle_f32x4(x, x2, 0x88);
        r[4 + q] = _mm512_shuffle_f32x4(y, y2, 0x88);
        r[8 + q] = _mm512_shuffle_f32x4(x, x2, 0xdd);
        r[12 + q] = _mm512_shuffle_f32x4(y, y2, 0xdd);
    }
}

#elif defined(EMBER_SIMD_AVX2)

#define VN 8
#define TARGET __attribute__((target("avx2,fma")))
#define FN(name) name##__avx2
typedef __m256 vf;
typedef __m256 vmask;

TARGET INLINE vf vzero(void) { return _mm256_setzero_ps(); }
TARGET INLINE vf vset1(float x) { return _mm256_set1_ps(x); }
TARGET INLINE vf vload(const float* p) { return _mm256_loadu_ps(p); }
TARGET INLINE void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
TARGET INLINE __m256i vtail(int64_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
TARGET INLINE vf vloadn(const float* p, int64_t n) { return _mm256_maskload_ps(p, vtail(n)); }
TARGET INLINE void vstoren(float* p, vf v, int64_t n) { _mm256_maskstore_ps(p, vtail(n), v); }
TARGET INLINE vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
TARGET INLINE vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
TARGET INLINE vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
TARGET INLINE vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
TARGET INLINE vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
TARGET INLINE vf vfnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
TARGET INLINE vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }
TARGET INLINE vf vmin(vf a, vf b) { return _mm256_min_ps(a, b); }
TARGET INLINE vf vabs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
TARGET INLINE vf vround(vf a)
{
    return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
TARGET INLINE vmask vlt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
TARGET INLINE vmask vgt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
TARGET INLINE vmask visnan(vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
TARGET INLINE vf vselect(vmask m, vf yes, vf no) { return _mm256_blendv_ps(no, yes, m); }
TARGET INLINE vf vcopysign(vf mag, vf sign)
{
    const __m256 s = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(s, mag), _mm256_and_ps(s, sign));
}
TARGET INLINE vf vpow2i(vf n)
{
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
TARGET INLINE float vhsum(vf a)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
/* s[0..4) = the lane sums of a0..a3: two rounds of pairwise adds within 128-bit halves leave
 * {a0, a1, a2, a3} partial sums in each half; the halves are then added. */
TARGET INLINE void vhsum4(float* s, vf a0, vf a1, vf a2, vf a3)
{
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    _mm_storeu_ps(s, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}
TARGET INLINE float vhmax(vf a)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* r[c] = column c of the 8x8 block whose rows were r[0..8). */
TARGET INLINE void vtranspose(vf r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 2; g++) { /* u[4g + q], 128-bit lane L: rows 4g..4g+3, column 4L + q */
        u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
        u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xee);
        u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
        u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xee);
    }
    for (int q = 0; q < 4; q++) {
        r[q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x20);
        r[4 + q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x31);
    }
}

#else
#error "define EMBER_SIMD_AVX512 or EMBER_SIMD_AVX2 before including f32_simd_x86.h"
#endif

#include "kernels/optimized/f32_simd_vexp.inc"

/* tanh: for |x| < 0.4 the odd Taylor polynomial through x^11 (truncation below 1e-8
 * relative); otherwise 1 - 2 / (e^(2|x|) + 1) with x's sign, which loses at most ~2 bits to
 * cancellation at |x| = 0.4. Max error about 4 ulp (test_rowops_optimized.c measures it). */
TARGET INLINE vf vtanh(vf x)
{
    const vf ax = vabs(x);
    const vf big = vsub(vset1(1.0f), vdiv(vset1(2.0f), vadd(vexp(vadd(ax, ax)), vset1(1.0f))));
    const vf x2 = vmul(x, x);
    vf p = vset1(-1382.0f / 155925.0f);
    p = vfma(p, x2, vset1(62.0f / 2835.0f));
    p = vfma(p, x2, vset1(-17.0f / 315.0f));
    p = vfma(p, x2, vset1(2.0f / 15.0f));
    p = vfma(p, x2, vset1(-1.0f / 3.0f));
    const vf small = vfma(vmul(p, x2), x, x);
    const vf y = vselect(vlt(ax, vset1(0.4f)), small, vcopysign(big, x));
    return vselect(visnan(x), x, y);
}

/* 1 + erf(z) for the erf-form GELU, without cancellation for negative z: with
 * t = 1 / (1 + 0.3275911 |z|), erfc(|z|) = t (a1 + t (a2 + ...)) e^(-z^2) (Abramowitz and
 * Stegun 7.1.26, absolute error below 1.5e-7); 1 + erf(z) = 2 - erfc(|z|) for z >= 0 and
 * erfc(|z|) for z < 0. */
TARGET INLINE vf vone_plus_erf(vf z)
{
    const vf az = vabs(z);
    const vf t = vdiv(vset1(1.0f), vfma(vset1(0.3275911f), az, vset1(1.0f)));
    vf p = vset1(1.061405429f);
    p = vfma(p, t, vset1(-1.453152027f));
    p = vfma(p, t, vset1(1.421413741f));
    p = vfma(p, t, vset1(-0.284496736f));
    p = vfma(p, t, vset1(0.254829592f));
    const vf erfc = vmul(vmul(p, t), vexp(vmul(vsub(vzero(), az), az)));
    return vselect(vlt(z, vzero()), erfc, vsub(vset1(2.0f), erfc));
}

#endif /* EMBER_F32_SIMD_X86_H */
