/* i8_pool__avx512.c — int8 max pooling on AVX-512 BW (see i8_pool.h). */
#include "kernels/optimized/i8_pool.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw"))) void
i8_maxpool2d__avx512(const i8_pool_shape* s, const int8_t* in, int8_t* out, int64_t p0, int64_t p1)
{
    const __m512i lo = _mm512_set1_epi8((char)s->lo), hi = _mm512_set1_epi8((char)s->hi);
    for (int64_t p = p0; p < p1; p++) {
        const int64_t ox = p % s->ow, oy = p / s->ow % s->oh, b = p / (s->ow * s->oh);
        int64_t y0 = oy * s->sh - s->ph, x0 = ox * s->sw - s->pw;
        const int64_t y1 = y0 + s->kh < s->h ? y0 + s->kh : s->h;
        const int64_t x1 = x0 + s->kw < s->w ? x0 + s->kw : s->w;
        if (y0 < 0) y0 = 0;
        if (x0 < 0) x0 = 0;
        int8_t* y = out + p * s->c;
        for (int64_t c0 = 0; c0 < s->c; c0 += 64) {
            const int64_t nc = s->c - c0;
            const __mmask64 m = nc >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << nc) - 1;
            __m512i best = _mm512_set1_epi8(-128);
            for (int64_t iy = y0; iy < y1; iy++) {
                const int8_t* row = in + ((b * s->h + iy) * s->w) * s->c + c0;
                for (int64_t ix = x0; ix < x1; ix++)
                    best = _mm512_max_epi8(best, _mm512_maskz_loadu_epi8(m, row + ix * s->c));
            }
            best = _mm512_min_epi8(_mm512_max_epi8(best, lo), hi);
            _mm512_mask_storeu_epi8(y + c0, m, best);
        }
    }
}
#endif
