/* f32_conv_dw__avx512.c — depthwise fp32 convolution, AVX-512F (see f32_conv.h).
 *
 * Each output row is cut into the columns whose every kx tap lies inside the input row (the
 * interior) and the few others at its ends, summed tap-checked in scalar code. The interior
 * runs 64 outputs at a time in four independent zmm accumulators (so the FMA latency chain of
 * one tap after the other is hidden), each tap one broadcast weight times a vector of inputs:
 * a plain (masked) load at stride 1, two loads and an even-lane permute at stride 2, a gather
 * through a small array at other strides. The last vector's tail is a masked load and store
 * (nothing outside the rows is read). Kernels of 3 and 5 columns at stride 1 or 2 get code
 * specialised for them (the tap loop unrolled). */
#include "kernels/optimized/f32_conv.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512vl,fma")))
#define INLINE static inline __attribute__((always_inline))
#define V 16  /* lanes */
#define NV 4  /* vectors of outputs per step */

/* n (1..16) outputs' inputs, p[0], p[sw], ..., p[(n-1) sw], lanes past n zero. */
TARGET INLINE __m512 load_strided(const float* restrict p, int64_t sw, int n)
{
    if (sw == 1) return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
    if (sw == 2) {
        const int need = 2 * n - 1; /* elements p[0 .. 2n-2] */
        const __mmask16 mlo = need >= V ? (__mmask16)0xffff : (__mmask16)((1u << need) - 1);
        const __mmask16 mhi = need > V ? (__mmask16)((1u << (need - V)) - 1) : (__mmask16)0;
        const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6,
                                              4, 2, 0);
        return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(mlo, p), even,
                                      _mm512_maskz_loadu_ps(mhi, p + V));
    }
    float t[V] = {0};
    for (int j = 0; j < n; j++) t[j] = p[j * sw];
    return _mm512_loadu_ps(t);
}

TARGET INLINE __m512 clamp(__m512 v, __m512 lo, __m512 hi)
{
    /* As f32_conv_clamp: a NaN compares false both times and passes through. */
    v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, lo, _CMP_LT_OQ), lo);
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, hi, _CMP_GT_OQ), hi);
}

/* Output columns [xa, xb) of output row o, rows ky in [ky0, ky1) of the kernel wk (Kh, KW) all
 * inside plane x; row0 = the input row of ky = 0 (may be negative). KW and SW are literals at
 * the specialised call sites. */
TARGET INLINE void dw_row(float* restrict o, const float* restrict x, const float* restrict wk,
                          const f32_conv2d_shape* s, int64_t row0, int64_t ky0, int64_t ky1,
                          int64_t xa, int64_t xb, float bv, float lo, float hi, int64_t KW,
                          int64_t SW)
{
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    for (int64_t ox0 = xa; ox0 < xb; ox0 += NV * V) {
        const int64_t rest = xb - ox0;
        int n[NV];
        __m512 acc[NV];
        for (int u = 0; u < NV; u++) {
            const int64_t r = rest - u * V;
            n[u] = r >= V ? V : (r > 0 ? (int)r : 0);
            acc[u] = _mm512_set1_ps(bv);
        }
        for (int64_t ky = ky0; ky < ky1; ky++) {
            const float* restrict xr = x + ((row0 + ky * s->dh) * s->w + ox0 * SW - s->pw);
            for (int64_t kx = 0; kx < KW; kx++) {
                const __m512 wv = _mm512_set1_ps(wk[ky * KW + kx]);
                const float* restrict p = xr + kx * s->dw;
                for (int u = 0; u < NV; u++)
                    if (n[u]) acc[u] = _mm512_fmadd_ps(wv, load_strided(p + u * V * SW, SW, n[u]), acc[u]);
            }
        }
        for (int u = 0; u < NV; u++)
            if (n[u])
                _mm512_mask_storeu_ps(o + ox0 + u * V, (__mmask16)((1u << n[u]) - 1),
                                      clamp(acc[u], vlo, vhi));
    }
}

TARGET void f32_conv2d_depthwise__avx512(float* restrict out, const float* restrict in,
                                         const float* restrict w, const float* restrict bias,
                                         const f32_conv2d_shape* s, float lo, float hi)
{
    const int64_t plane_i = s->h * s->w, plane_o = s->ho * s->wo, taps = s->kh * s->kw;
    int64_t xa, xb, t;
    f32_conv_axis_range(s->wo, s->w, s->sw, -s->pw, &xa, &t);
    f32_conv_axis_range(s->wo, s->w, s->sw, (s->kw - 1) * s->dw - s->pw, &t, &xb);
    if (xb < xa) xb = xa;
    const int64_t kw = s->kw, sw = s->sw;
    for (int64_t p = 0; p < s->n * s->ci; p++) {
        const int64_t ch = p % s->ci;
        const float* restrict x = in + p * plane_i;
        const float* restrict wk = w + ch * taps;
        const float bv = bias ? bias[ch] : 0.0f;
        for (int64_t oy = 0; oy < s->ho; oy++) {
            float* restrict o = out + p * plane_o + oy * s->wo;
            const int64_t row0 = oy * s->sh - s->ph;
            int64_t ky0, ky1; /* kernel rows inside the plane: row0 + ky * dh in [0, H) */
            f32_conv_axis_range(s->kh, s->h, s->dh, row0, &ky0, &ky1);
            for (int64_t ox = 0; ox < xa; ox++)
                o[ox] = f32_conv_clamp(f32_conv_dw_point(x, wk, s, oy, ox) + bv, lo, hi);
            if (kw == 3 && sw == 1)
                dw_row(o, x, wk, s, row0, ky0, ky1, xa, xb, bv, lo, hi, 3, 1);
            else if (kw == 3 && sw == 2)
                dw_row(o, x, wk, s, row0, ky0, ky1, xa, xb, bv, lo, hi, 3, 2);
            else if (kw == 5 && sw == 1)
                dw_row(o, x, wk, s, row0, ky0, ky1, xa, xb, bv, lo, hi, 5, 1);
            else if (kw == 5 && sw == 2)
                dw_row(o, x, wk, s, row0, ky0, ky1, xa, xb, bv, lo, hi, 5, 2);
            else
                dw_row(o, x, wk, s, row0, ky0, ky1, xa, xb, bv, lo, hi, kw, sw);
            for (int64_t ox = xb; ox < s->wo; ox++)
                o[ox] = f32_conv_clamp(f32_conv_dw_point(x, wk, s, oy, ox) + bv, lo, hi);
        }
    }
}

#endif /* EMBER_HAVE_X86_KERNELS */
