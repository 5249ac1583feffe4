/* i8_conv__avx512.c — the depthwise int8 convolution on AVX-512 F/BW/VL (see i8_conv.h); the
 * function carries the ISA's target attribute; prepare checks the features first. */
#include "kernels/optimized/i8_conv.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>
#include <string.h>

#include "kernels/optimized/i8_simd_x86.h"

#define TARGET_DW __attribute__((target("avx512f,avx512bw,avx512vl")))

TARGET_DW void i8_dwconv2d__avx512(const i8_conv_shape* s, const int8_t* in, const void* packed,
                                   int8_t* out, int64_t p0, int64_t p1)
{
    const int64_t c = s->cout, cp = (c + 15) / 16 * 16, taps = s->kh * s->kw;
    const int32_t* wt = (const int32_t*)packed;
    const int32_t* bias = wt + taps * cp;
    const __m512i in_off = _mm512_set1_epi32(s->in_off);
    for (int64_t p = p0; p < p1; p++) {
        const int64_t ox = p % s->wo, oy = p / s->wo % s->ho, b = p / (s->wo * s->ho);
        for (int64_t c0 = 0; c0 < c; c0 += 16) {
            const __mmask16 lanes = i8_lanes(c - c0);
            __m512i acc = _mm512_loadu_si512(bias + c0);
            for (int64_t ky = 0; ky < s->kh; ky++) {
                const int64_t iy = oy * s->sh - s->ph + ky * s->dh;
                if (iy < 0 || iy >= s->h) continue;
                for (int64_t kx = 0; kx < s->kw; kx++) {
                    const int64_t ix = ox * s->sw - s->pw + kx * s->dw;
                    if (ix < 0 || ix >= s->w) continue;
                    const int8_t* x = in + ((b * s->h + iy) * s->w + ix) * c + c0;
                    const __m512i v = _mm512_add_epi32(
                        _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(lanes, x)), in_off);
                    acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(
                        v, _mm512_loadu_si512(wt + (ky * s->kw + kx) * cp + c0)));
                }
            }
            const __m512i r = i8_requantize16(acc, _mm512_loadu_si512(bias + cp + c0),
                                              _mm512_loadu_si512(bias + 2 * cp + c0));
            i8_store16(out + p * c + c0, lanes, r, s->out_off, s->lo, s->hi);
        }
    }
}
#endif
