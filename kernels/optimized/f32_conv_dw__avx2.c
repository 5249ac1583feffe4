/* f32_conv_dw__avx2.c — depthwise fp32 convolution, AVX2+FMA (see f32_conv.h): the AVX-512
 * kernel's scheme (f32_conv_dw__avx512.c) with 8 lanes. Every output is computed in ymm
 * registers, 8 columns of a row per vector, edges included: for kernel column kx only the
 * lanes whose input column exists are loaded (vmaskmovps; the others read as zero, as padding
 * does, and nothing outside the rows is touched). A block of R rows x U vectors keeps up to 8
 * independent accumulators: 8 vectors along a row of more than 4 (the ones past its end masked
 * off), 2 rows of 4 vectors, 4 rows of 2, or 8 (then 4) rows of 1 for narrower rows. Rows
 * whose kernel rows all lie inside the plane go R at a time; the top and bottom ones (padding)
 * one at a time over the kernel rows that exist. Inputs at stride 1 are one load per tap and
 * vector, at stride 2 two loads and an even-lane shuffle, at other strides a gather through a
 * small array. Kernels of 3 and 5 columns, dilation 1, stride 1 or 2 get code specialised for
 * them; kernels wider than KW_MAX take the generic C kernel. */
#include "kernels/optimized/f32_conv.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#define V 8       /* lanes */
#define KW_MAX 16 /* kernel columns with precomputed column ranges */

/* All-ones in lanes [a, b) (a and b clamped to [0, 8]), else zero. */
TARGET INLINE __m256i lanes(int64_t a, int64_t b)
{
    a = a < 0 ? 0 : (a > V ? V : a);
    b = b < a ? a : (b > V ? V : b);
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_and_si256(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32((int)a - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32((int)b), idx));
}

/* Lane j = p[j * sw] where lane j of m is set, else 0; nothing else is read. */
TARGET INLINE __m256 load_lanes(const float* p, int64_t sw, __m256i m)
{
    if (sw == 1) return _mm256_maskload_ps(p, m);
    if (sw == 2) { /* element 2j of p where lane j is set: lanes 0-3 from p, 4-7 from p + 8 */
        const __m256i even = _mm256_setr_epi32(-1, 0, -1, 0, -1, 0, -1, 0);
        const __m256i mlo = _mm256_and_si256(
            _mm256_permutevar8x32_epi32(m, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3)), even);
        const __m256i mhi = _mm256_and_si256(
            _mm256_permutevar8x32_epi32(m, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7)), even);
        const __m256 lo = _mm256_maskload_ps(p, mlo), hi = _mm256_maskload_ps(p + V, mhi);
        /* {lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6} -> {lo0 lo2 lo4 lo6 hi0 hi2 hi4 hi6} */
        const __m256 sh = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(sh), 0xd8));
    }
    const int bits = _mm256_movemask_ps(_mm256_castsi256_ps(m));
    float t[V] = {0};
    for (int j = 0; j < V; j++)
        if (bits >> j & 1) t[j] = p[j * sw];
    return _mm256_loadu_ps(t);
}

TARGET INLINE __m256 clamp(__m256 v, __m256 lo, __m256 hi)
{
    /* As f32_conv_clamp: a NaN compares false both times and passes through. */
    v = _mm256_blendv_ps(v, lo, _mm256_cmp_ps(v, lo, _CMP_LT_OQ));
    return _mm256_blendv_ps(v, hi, _mm256_cmp_ps(v, hi, _CMP_GT_OQ));
}

typedef struct dw_plane {
    const float* x;  /* input plane (H, W) */
    float* o;        /* output plane (Ho, Wo) */
    const float* wk; /* kernel (Kh, Kw) */
    __m256 bias, lo, hi;
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
    __m256 a0 = pl->bias, a1 = pl->bias, a2 = pl->bias, a3 = pl->bias;
    __m256 a4 = pl->bias, a5 = pl->bias, a6 = pl->bias, a7 = pl->bias;
    __m256i m[KW_MAX][8]; /* lanes of vector u whose input column for kx exists */
    for (int64_t kx = 0; kx < KW; kx++)
        for (int u = 0; u < U; u++)
            m[kx][u] = lanes(pl->klo[kx] - ox0 - u * V, pl->khi[kx] - ox0 - u * V);
    for (int64_t ky = ky0; ky < ky1; ky++) {
        const float* row[8]; /* input row of (oy + r, ky), at lane 0 of vector 0 and kx = 0 */
        for (int r = 0; r < R; r++)
            row[r] = pl->x + (((oy + r) * s->sh - s->ph + ky * s->dh) * s->w + ox0 * SW - s->pw);
        for (int64_t kx = 0; kx < KW; kx++) {
            const __m256 wv = _mm256_set1_ps(pl->wk[ky * KW + kx]);
#define DW_UNIT(i)                                                                              \
    if (i < R * U)                                                                              \
        a##i = _mm256_fmadd_ps(                                                                 \
            wv, load_lanes(row[i / U] + (i % U) * V * SW + kx * DW, SW, m[kx][i % U]), a##i);
            DW_UNIT(0) DW_UNIT(1) DW_UNIT(2) DW_UNIT(3) DW_UNIT(4) DW_UNIT(5) DW_UNIT(6) DW_UNIT(7)
#undef DW_UNIT
        }
    }
    const __m256 acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (int i = 0; i < R * U; i++) {
        const int64_t c0 = ox0 + (i % U) * V;
        float* o = pl->o + (oy + i / U) * s->wo + c0;
        const __m256 v = clamp(acc[i], pl->lo, pl->hi);
        if (s->wo - c0 >= V)
            _mm256_storeu_ps(o, v);
        else if (s->wo - c0 > 0)
            _mm256_maskstore_ps(o, lanes(0, s->wo - c0), v);
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

TARGET void f32_conv2d_depthwise__avx2(float* restrict out, const float* restrict in,
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
    pl.lo = _mm256_set1_ps(lo);
    pl.hi = _mm256_set1_ps(hi);
    const int64_t kw = s->kw, sw = s->sw, dw = s->dw;
    for (int64_t p = 0; p < s->n * s->ci; p++) {
        const int64_t ch = p % s->ci;
        pl.x = in + p * plane_i;
        pl.o = out + p * plane_o;
        pl.wk = w + ch * taps;
        pl.bias = _mm256_set1_ps(bias ? bias[ch] : 0.0f);
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
