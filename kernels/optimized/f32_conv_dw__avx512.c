/* f32_conv_dw__avx512.c — depthwise fp32 convolution, AVX-512F (see f32_conv.h).
 *
 * Every output is computed in zmm registers, 16 columns of a row per vector, edges included:
 * for kernel column kx only the lanes whose input column exists are loaded (a masked load;
 * the others read as zero, as padding does, and nothing outside the rows is touched). A block
 * of R rows x U vectors keeps up to 8 independent accumulators (the FMA latency times the two
 * FMAs per cycle of recent cores), so the FMAs of one tap after the other overlap instead of
 * waiting on each other: 8 vectors along a row of more than 4 (the ones past its end masked
 * off), 2 rows of 4 vectors, 4 rows of 2, or 8 (then 4) rows of 1 for narrower rows
 * (MobileNet's 14- and 7-wide planes). Rows whose kernel rows all lie inside the plane go R
 * at a time; the top and bottom ones (padding) one at a time over the kernel rows that exist.
 * Inputs at stride 1 are one load per tap and vector, at stride 2 two loads and an even-lane
 * permute, at other strides a gather through a small array. Kernels of 3 and 5 columns,
 * dilation 1, stride 1 or 2 get code specialised for them; kernels wider than KW_MAX take the
 * generic C kernel. */
#include "kernels/optimized/f32_conv.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512vl,fma")))
#define INLINE static inline __attribute__((always_inline))
#define V 16      /* lanes */
#define KW_MAX 16 /* kernel columns with precomputed column ranges */

/* Bits [a, b) of a lane mask, a and b clamped to [0, 16]. */
INLINE __mmask16 lanes(int64_t a, int64_t b)
{
    a = a < 0 ? 0 : (a > V ? V : a);
    b = b < a ? a : (b > V ? V : b);
    return (__mmask16)(((1u << b) - 1) & ~((1u << a) - 1));
}

/* Bits 0..7 of m moved to the even bits 0, 2, ..., 14. */
INLINE __mmask16 spread_even(unsigned m)
{
    m &= 0xff;
    m = (m | m << 4) & 0x0f0f;
    m = (m | m << 2) & 0x3333;
    m = (m | m << 1) & 0x5555;
    return (__mmask16)m;
}

/* Lane j = p[j * sw] where bit j of m is set, else 0; nothing else is read. All 16 lanes (the
 * vectors inside the row: most of them) take plain loads, a predictable branch. */
TARGET INLINE __m512 load_lanes(const float* p, int64_t sw, __mmask16 m)
{
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4,
                                          2, 0);
    if (sw == 1) return m == 0xffff ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
    if (sw == 2) {
        if (m == 0xffff)
            return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + V));
        return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(spread_even(m), p), even,
                                      _mm512_maskz_loadu_ps(spread_even(m >> 8), p + V));
    }
    float t[V] = {0};
    for (int j = 0; j < V; j++)
        if (m >> j & 1) t[j] = p[j * sw];
    return _mm512_loadu_ps(t);
}

TARGET INLINE __m512 clamp(__m512 v, __m512 lo, __m512 hi)
{
    /* As f32_conv_clamp: a NaN compares false both times and passes through. */
    v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, lo, _CMP_LT_OQ), lo);
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, hi, _CMP_GT_OQ), hi);
}

typedef struct dw_plane {
    const float* x;  /* input plane (H, W) */
    float* o;        /* output plane (Ho, Wo) */
    const float* wk; /* kernel (Kh, Kw) */
    __m512 bias, lo, hi;
    int64_t klo[KW_MAX], khi[KW_MAX]; /* kernel column kx reads inside the row for output
                                         columns [klo, khi) */
} dw_plane;

/* Output rows oy .. oy+R-1, columns ox0 .. ox0+16U-1 (those past Wo dropped), over kernel
 * rows [ky0, ky1), which lie inside the plane for each of the R rows. KW, SW and DW (kernel
 * columns, column stride and dilation) are literals at the specialised call sites. */
TARGET INLINE void dw_block(const dw_plane* pl, const f32_conv2d_shape* s, int64_t oy,
                            int64_t ky0, int64_t ky1, int64_t ox0, int64_t KW, int64_t SW,
                            int64_t DW, const int R, const int U)
{
    /* Accumulator i holds row i / U, vector i % U; named variables rather than an array, which
     * the compiler would keep in memory. */
    __m512 a0 = pl->bias, a1 = pl->bias, a2 = pl->bias, a3 = pl->bias;
    __m512 a4 = pl->bias, a5 = pl->bias, a6 = pl->bias, a7 = pl->bias;
    __mmask16 m[KW_MAX][8]; /* lanes of vector u whose input column for kx exists */
    for (int64_t kx = 0; kx < KW; kx++)
        for (int u = 0; u < U; u++)
            m[kx][u] = lanes(pl->klo[kx] - ox0 - u * V, pl->khi[kx] - ox0 - u * V);
    for (int64_t ky = ky0; ky < ky1; ky++) {
        const float* row[8]; /* input row of (oy + r, ky), at lane 0 of vector 0 and kx = 0 */
        for (int r = 0; r < R; r++)
            row[r] = pl->x + (((oy + r) * s->sh - s->ph + ky * s->dh) * s->w + ox0 * SW - s->pw);
        for (int64_t kx = 0; kx < KW; kx++) {
            const __m512 wv = _mm512_set1_ps(pl->wk[ky * KW + kx]);
#define DW_UNIT(i)                                                                              \
    if (i < R * U)                                                                              \
        a##i = _mm512_fmadd_ps(                                                                 \
            wv, load_lanes(row[i / U] + (i % U) * V * SW + kx * DW, SW, m[kx][i % U]), a##i);
            DW_UNIT(0) DW_UNIT(1) DW_UNIT(2) DW_UNIT(3) DW_UNIT(4) DW_UNIT(5) DW_UNIT(6) DW_UNIT(7)
#undef DW_UNIT
        }
    }
    const __m512 acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (int i = 0; i < R * U; i++) {
        const int64_t c0 = ox0 + (i % U) * V;
        _mm512_mask_storeu_ps(pl->o + (oy + i / U) * s->wo + c0, lanes(0, s->wo - c0),
                              clamp(acc[i], pl->lo, pl->hi));
    }
}

/* One output row over the kernel rows inside the plane, U vectors at a time. */
TARGET INLINE void dw_row(const dw_plane* pl, const f32_conv2d_shape* s, int64_t oy, int64_t KW,
                          int64_t SW, int64_t DW, const int U)
{
    int64_t ky0, ky1;
    f32_conv_axis_range(s->kh, s->h, s->dh, oy * s->sh - s->ph, &ky0, &ky1);
    for (int64_t ox0 = 0; ox0 < s->wo; ox0 += U * V)
        dw_block(pl, s, oy, ky0, ky1, ox0, KW, SW, DW, 1, U);
}

/* One plane: rows [ya, yb) have every kernel row inside the plane. A block has up to 8
 * accumulators (FMA latency times the two FMAs a cycle of recent cores): 8 vectors along a
 * row of more than 4 (the last ones masked off where the row ends); 2 rows of 4 vectors, 4 of
 * 2 or 8 (then 4) of 1 for narrower rows. */
TARGET INLINE void dw_plane_run(const dw_plane* pl, const f32_conv2d_shape* s, int64_t ya,
                                int64_t yb, int64_t KW, int64_t SW, int64_t DW)
{
    const int64_t nvec = (s->wo + V - 1) / V;
    for (int64_t oy = 0; oy < s->ho;) {
        const bool in = oy >= ya;
        if (nvec > 4) {
            dw_row(pl, s, oy++, KW, SW, DW, 8);
        } else if (nvec > 2) {
            if (in && oy + 2 <= yb) {
                dw_block(pl, s, oy, 0, s->kh, 0, KW, SW, DW, 2, 4);
                oy += 2;
            } else {
                dw_row(pl, s, oy++, KW, SW, DW, 4);
            }
        } else if (nvec == 2) {
            if (in && oy + 4 <= yb) {
                dw_block(pl, s, oy, 0, s->kh, 0, KW, SW, DW, 4, 2);
                oy += 4;
            } else {
                dw_row(pl, s, oy++, KW, SW, DW, 2);
            }
        } else if (in && oy + 8 <= yb) {
            dw_block(pl, s, oy, 0, s->kh, 0, KW, SW, DW, 8, 1);
            oy += 8;
        } else if (in && oy + 4 <= yb) {
            dw_block(pl, s, oy, 0, s->kh, 0, KW, SW, DW, 4, 1);
            oy += 4;
        } else {
            dw_row(pl, s, oy++, KW, SW, DW, 1);
        }
    }
}

TARGET void f32_conv2d_depthwise__avx512(float* restrict out, const float* restrict in,
                                         const float* restrict w, const float* restrict bias,
                                         const f32_conv2d_shape* s, float lo, float hi)
{
    if (s->kw > KW_MAX) {
        f32_conv2d_depthwise__generic(out, in, w, bias, s, lo, hi);
        return;
    }
    const int64_t plane_i = s->h * s->w, plane_o = s->ho * s->wo, taps = s->kh * s->kw;
    dw_plane pl;
    for (int64_t kx = 0; kx < s->kw; kx++)
        f32_conv_axis_range(s->wo, s->w, s->sw, kx * s->dw - s->pw, &pl.klo[kx], &pl.khi[kx]);
    int64_t ya, yb, t;
    f32_conv_axis_range(s->ho, s->h, s->sh, -s->ph, &ya, &t);
    f32_conv_axis_range(s->ho, s->h, s->sh, (s->kh - 1) * s->dh - s->ph, &t, &yb);
    pl.lo = _mm512_set1_ps(lo);
    pl.hi = _mm512_set1_ps(hi);
    const int64_t kw = s->kw, sw = s->sw, dw = s->dw;
    for (int64_t p = 0; p < s->n * s->ci; p++) {
        const int64_t ch = p % s->ci;
        pl.x = in + p * plane_i;
        pl.o = out + p * plane_o;
        pl.wk = w + ch * taps;
        pl.bias = _mm512_set1_ps(bias ? bias[ch] : 0.0f);
        if (kw == 3 && sw == 1 && dw == 1)
            dw_plane_run(&pl, s, ya, yb, 3, 1, 1);
        else if (kw == 3 && sw == 2 && dw == 1)
            dw_plane_run(&pl, s, ya, yb, 3, 2, 1);
        else if (kw == 5 && sw == 1 && dw == 1)
            dw_plane_run(&pl, s, ya, yb, 5, 1, 1);
        else if (kw == 5 && sw == 2 && dw == 1)
            dw_plane_run(&pl, s, ya, yb, 5, 2, 1);
        else
            dw_plane_run(&pl, s, ya, yb, kw, sw, dw);
    }
}

#endif /* EMBER_HAVE_X86_KERNELS */
