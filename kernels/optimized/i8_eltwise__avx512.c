/* i8_eltwise__avx512.c — the int8 elementwise kernels on AVX-512 (see i8_eltwise.h). */
#include "kernels/optimized/i8_eltwise.h"

#if EMBER_HAVE_X86_KERNELS
#include <stdbool.h>

#include "kernels/optimized/i8_gemm.h" /* i8_rq_fast, i8_rq_pack */
#include "kernels/optimized/i8_simd_x86.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))

/* One per-tensor requantization: i8_requantize16_fast from blk when fast, else the general form. */
TARGET static inline __attribute__((always_inline)) __m512i requant(__m512i v, bool fast,
                                                                   const int32_t* blk,
                                                                   __m512i mult, __m512i shift)
{
    return fast ? i8_requantize16_fast(v, blk) : i8_requantize16(v, mult, shift);
}

TARGET void i8_add__avx512(const i8_add_params* p, const int8_t* x, const int8_t* y,
                           int8_t* out, int64_t i0, int64_t i1)
{
    const __m512i xzp = _mm512_set1_epi32(p->x_zp), yzp = _mm512_set1_epi32(p->y_zp);
    const __m512i xm = _mm512_set1_epi32(p->x_mult), xs = _mm512_set1_epi32(p->x_shift);
    const __m512i ym = _mm512_set1_epi32(p->y_mult), ys = _mm512_set1_epi32(p->y_shift);
    const __m512i om = _mm512_set1_epi32(p->out_mult), os = _mm512_set1_epi32(p->out_shift);
    /* the faster requantization where a shift is negative (i8_gemm.h: i8_rq_pack, one
     * multiplier and shift for every lane) */
    int32_t bx[I8_RQ_WORDS], by[I8_RQ_WORDS], bo[I8_RQ_WORDS];
    const int64_t lane0[16] = {0};
    const bool fx = i8_rq_fast(&p->x_shift, 0, 1, 0), fy = i8_rq_fast(&p->y_shift, 0, 1, 0);
    const bool fo = i8_rq_fast(&p->out_shift, 0, 1, p->out_zp);
    if (fx) i8_rq_pack(bx, &p->x_mult, &p->x_shift, 0, lane0, 1, 0);
    if (fy) i8_rq_pack(by, &p->y_mult, &p->y_shift, 0, lane0, 1, 0);
    if (fo) i8_rq_pack(bo, &p->out_mult, &p->out_shift, 0, lane0, 1, p->out_zp); /* zp in */
    for (int64_t i = i0; i < i1; i += 16) {
        const __mmask16 m = i8_lanes(i1 - i);
        const __m512i a = _mm512_slli_epi32(
            _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, x + i)), xzp), 20);
        const __m512i b = _mm512_slli_epi32(
            _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, y + i)), yzp), 20);
        const __m512i sum = _mm512_add_epi32(requant(a, fx, bx, xm, xs), requant(b, fy, by, ym, ys));
        i8_store16(out + i, m, requant(sum, fo, bo, om, os), fo ? 0 : p->out_zp, p->lo, p->hi);
    }
}

TARGET void i8_quantize__avx512(const float* x, int8_t* out, int64_t i0, int64_t i1, float inv,
                                int32_t zp, int32_t qmin, int32_t qmax)
{
    const __m512 vinv = _mm512_set1_ps(inv);
    const __m512 lo = _mm512_set1_ps((float)(qmin - zp)), hi = _mm512_set1_ps((float)(qmax - zp));
    const __m512i vzp = _mm512_set1_epi32(zp);
    for (int64_t i = i0; i < i1; i += 16) {
        const __mmask16 m = i8_lanes(i1 - i);
        const __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vinv);
        const __mmask16 number = _mm512_cmp_ps_mask(p, p, _CMP_ORD_Q); /* not NaN */
        __m512 r = _mm512_roundscale_ps(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        r = _mm512_maskz_mov_ps(number, r); /* NaN: 0, the zero point once added, clamped too */
        r = _mm512_min_ps(_mm512_max_ps(r, lo), hi);
        const __m512i q = _mm512_cvtps_epi32(r);
        _mm_mask_storeu_epi8(out + i, m, _mm512_cvtepi32_epi8(_mm512_add_epi32(q, vzp)));
    }
}
#endif
