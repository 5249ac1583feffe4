/* f32_gemm_nn__avx512.c — c = clamp(a @ b + bias), AVX512F + AVX512VL + FMA (see f32_gemm_nn.h;
 * the blocking and packing are f32_gemm_nn_driver.h's).
 *
 * Microkernel: a 12x32 tile of c in 24 zmm accumulators (12 rows x 2 vectors of 16 columns);
 * each k step loads 2 vectors of the packed b strip and broadcasts 12 floats of the packed a
 * strip, for 24 FMAs (outer-product form: no horizontal sums). Columns past nr are masked on
 * load and store; rows past mr are not computed (each mr has its own specialisation).
 * pack_bt transposes 16x16 blocks of a (N, K) weight in registers (64 shuffles per 256 floats).
 * With m <= 4 (decode, a matrix-vector product) b is streamed once, unpacked: up to 4 rows of
 * c x 64 columns accumulate over all of K. */
#include "kernels/optimized/f32_gemm_nn.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#define MR 12
#define NR 32
#define KC 192
#define MC 132 /* 11 strips of 12: a 128-token forward packs a once per column block */
#define NC 192 /* (MC + NC) * KC * 4 = 243 KiB */

#define TARGET __attribute__((target("avx512f,avx512vl,fma")))
#define INLINE static inline __attribute__((always_inline))

TARGET INLINE __mmask16 cols_mask(int n) /* the first n (clamped to 0..16) lanes */
{
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* out = clamp(v + rb + cb): max(lo, v) and min(hi, v) return v when v is NaN. */
TARGET INLINE __m512 finish(__m512 v, __m512 rb, __m512 cb, __m512 lo, __m512 hi)
{
    return _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_add_ps(_mm512_add_ps(v, rb), cb)));
}

/* acc0[i], acc1[i] (i < mr) = row i of the tile's sums over kc steps: columns 0..15, 16..31. */
TARGET INLINE void tile_sums(const int mr, int64_t kc, const float* restrict ap,
                             const float* restrict bp, __m512 acc0[MR], __m512 acc1[MR])
{
    for (int i = 0; i < mr; i++) acc0[i] = acc1[i] = _mm512_setzero_ps();
    for (int64_t p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_load_ps(bp + p * NR), b1 = _mm512_load_ps(bp + p * NR + 16);
        const float* ak = ap + p * MR;
        for (int i = 0; i < mr; i++) {
            const __m512 av = _mm512_set1_ps(ak[i]);
            acc0[i] = _mm512_fmadd_ps(av, b0, acc0[i]);
            acc1[i] = _mm512_fmadd_ps(av, b1, acc1[i]);
        }
    }
}

TARGET INLINE void ukernel_mr(const int mr, int nr, int64_t kc, const float* restrict ap,
                              const float* restrict bp, float* restrict c, int64_t ldc,
                              int first, int last, const float* rbias, const float* cbias,
                              float lo, float hi)
{
    __m512 acc0[MR], acc1[MR];
    tile_sums(mr, kc, ap, bp, acc0, acc1);
    const __mmask16 m0 = cols_mask(nr), m1 = cols_mask(nr - 16);
    const __m512 zero = _mm512_setzero_ps();
    const __m512 cb0 = last && cbias ? _mm512_maskz_loadu_ps(m0, cbias) : zero;
    const __m512 cb1 = last && cbias ? _mm512_maskz_loadu_ps(m1, cbias + 16) : zero;
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    for (int i = 0; i < mr; i++) {
        float* ci = c + i * ldc;
        __m512 v0 = acc0[i], v1 = acc1[i];
        if (!first) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, ci));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, ci + 16));
        }
        if (last) {
            const __m512 rb = rbias ? _mm512_set1_ps(rbias[i]) : zero;
            v0 = finish(v0, rb, cb0, vlo, vhi);
            v1 = finish(v1, rb, cb1, vlo, vhi);
        }
        _mm512_mask_storeu_ps(ci, m0, v0);
        _mm512_mask_storeu_ps(ci + 16, m1, v1);
    }
}

TARGET static void ukernel(int mr, int nr, int64_t kc, const float* restrict ap,
                           const float* restrict bp, float* restrict c, int64_t ldc, int first,
                           int last, const float* rbias, const float* cbias, float lo, float hi)
{
#define UK(R) ukernel_mr(R, nr, kc, ap, bp, c, ldc, first, last, rbias, cbias, lo, hi)
    switch (mr) {
    case 12: UK(12); break;
    case 11: UK(11); break;
    case 10: UK(10); break;
    case 9: UK(9); break;
    case 8: UK(8); break;
    case 7: UK(7); break;
    case 6: UK(6); break;
    case 5: UK(5); break;
    case 4: UK(4); break;
    case 3: UK(3); break;
    case 2: UK(2); break;
    default: UK(1); break;
    }
#undef UK
}

/* (kc, nc) block of row-major b into strips of kc x NR. */
TARGET static void pack_b(float* restrict dst, const float* restrict b, int64_t ldb, int64_t kc,
                          int64_t nc)
{
    for (int64_t j0 = 0; j0 < nc; j0 += NR) {
        const int n = (int)(nc - j0 < NR ? nc - j0 : NR);
        const __mmask16 m0 = cols_mask(n), m1 = cols_mask(n - 16);
        float* restrict d = dst + j0 * kc;
        for (int64_t p = 0; p < kc; p++) {
            const float* bp = b + p * ldb + j0;
            _mm512_store_ps(d + p * NR, _mm512_maskz_loadu_ps(m0, bp));
            _mm512_store_ps(d + p * NR + 16, _mm512_maskz_loadu_ps(m1, bp + 16));
        }
    }
}

/* r[c] = column c of the 16x16 block whose rows were r[0..16). */
TARGET INLINE void transpose16(__m512 r[16])
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

/* The tile stored transposed (c(i, j) at c[j * ldc + i]): each 16 columns of the tile are
 * transposed in registers (rows past mr as zeros), so column j becomes one vector of its mr
 * rows, stored with a mask; the bias (one per column) is a broadcast. */
TARGET INLINE void ukernel_ct_mr(const int mr, int nr, int64_t kc, const float* restrict ap,
                                 const float* restrict bp, float* restrict c, int64_t ldc,
                                 int first, int last, const float* cbias, float lo, float hi)
{
    __m512 acc[2][MR];
    tile_sums(mr, kc, ap, bp, acc[0], acc[1]);
    const __mmask16 rows = cols_mask(mr);
    const __m512 zero = _mm512_setzero_ps(), vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    for (int h = 0; h < 2 && 16 * h < nr; h++) {
        __m512 r[16];
        for (int i = 0; i < 16; i++) r[i] = i < mr ? acc[h][i] : zero;
        transpose16(r);
        const int cols = nr - 16 * h < 16 ? nr - 16 * h : 16;
        for (int j = 0; j < cols; j++) {
            float* cj = c + (16 * h + j) * ldc;
            __m512 v = r[j];
            if (!first) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(rows, cj));
            if (last) v = finish(v, cbias ? _mm512_set1_ps(cbias[16 * h + j]) : zero, zero, vlo, vhi);
            _mm512_mask_storeu_ps(cj, rows, v);
        }
    }
}

/* (mc, kc) block of a given transposed (kc rows of mc floats at lda: the input planes of a
 * pointwise convolution) into strips of kc x MR: each k step of a strip is one masked load. */
TARGET static void pack_at(float* restrict dst, const float* restrict at, int64_t lda,
                           int64_t mc, int64_t kc)
{
    for (int64_t p = 0; p < kc; p++) {
        const float* row = at + p * lda;
        for (int64_t i0 = 0; i0 < mc; i0 += MR) {
            const __mmask16 mk = cols_mask((int)(mc - i0 < MR ? mc - i0 : MR));
            _mm512_mask_storeu_ps(dst + i0 * kc + p * MR, 0x0fff, _mm512_maskz_loadu_ps(mk, row + i0));
        }
    }
}

#define HAVE_UKERNEL_CT 1
TARGET static void ukernel_ct(int mr, int nr, int64_t kc, const float* restrict ap,
                              const float* restrict bp, float* restrict c, int64_t ldc,
                              int first, int last, const float* cbias, float lo, float hi)
{
#define UK(R) ukernel_ct_mr(R, nr, kc, ap, bp, c, ldc, first, last, cbias, lo, hi)
    switch (mr) {
    case 12: UK(12); break;
    case 11: UK(11); break;
    case 10: UK(10); break;
    case 9: UK(9); break;
    case 8: UK(8); break;
    case 7: UK(7); break;
    case 6: UK(6); break;
    case 5: UK(5); break;
    case 4: UK(4); break;
    case 3: UK(3); break;
    case 2: UK(2); break;
    default: UK(1); break;
    }
#undef UK
}

/* (kc, nc) block of b given as bt (nc rows of kc floats, leading dimension ldb) into strips of
 * kc x NR: 16x16 blocks are loaded row-wise, transposed and stored as 16 k steps of one half
 * of a strip. */
TARGET static void pack_bt(float* restrict dst, const float* restrict bt, int64_t ldb,
                           int64_t kc, int64_t nc)
{
    for (int64_t j0 = 0; j0 < nc; j0 += 16) {
        float* restrict d = dst + (j0 / NR) * NR * kc + j0 % NR;
        const int rows = (int)(nc - j0 < 16 ? nc - j0 : 16);
        for (int64_t p = 0; p < kc; p += 16) {
            const int steps = (int)(kc - p < 16 ? kc - p : 16);
            const __mmask16 mk = cols_mask(steps);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = i < rows ? _mm512_maskz_loadu_ps(mk, bt + (j0 + i) * ldb + p)
                                : _mm512_setzero_ps();
            transpose16(r);
            for (int s = 0; s < steps; s++) _mm512_store_ps(d + (p + s) * NR, r[s]);
        }
    }
    /* the second half of a last strip that nc ends in the middle of */
    if (nc % NR != 0 && nc % NR <= 16) {
        float* restrict d = dst + (nc / NR) * NR * kc + 16;
        for (int64_t p = 0; p < kc; p++) _mm512_store_ps(d + p * NR, _mm512_setzero_ps());
    }
}

/* (mc, kc) block of a into strips of kc x MR: 12 rows (and 4 of zeros) x 16 k steps at a time
 * are transposed in registers, each k step stored as 12 floats (a masked store: nothing past
 * the strip is touched). */
#define HAVE_PACK_A 1
TARGET static void pack_a(float* restrict dst, const float* restrict a, int64_t lda, int64_t mc,
                          int64_t kc)
{
    for (int64_t i0 = 0; i0 < mc; i0 += MR) {
        const int rows = (int)(mc - i0 < MR ? mc - i0 : MR);
        float* restrict d = dst + i0 * kc;
        for (int64_t p = 0; p < kc; p += 16) {
            const int steps = (int)(kc - p < 16 ? kc - p : 16);
            const __mmask16 mk = cols_mask(steps);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = i < rows ? _mm512_maskz_loadu_ps(mk, a + (i0 + i) * lda + p)
                                : _mm512_setzero_ps();
            transpose16(r);
            for (int s = 0; s < steps; s++) _mm512_mask_storeu_ps(d + (p + s) * MR, 0x0fff, r[s]);
        }
    }
}

#include "kernels/optimized/f32_gemm_nn_driver.h"

/* m <= 4 rows: out columns j0..j0+64 of every row accumulate over all of K, reading each row of
 * b once (4 vectors) for all rows of a. */
TARGET INLINE void few_rows_mr(const int mr, float* restrict c, int64_t ldc,
                               const float* restrict a, int64_t lda, const float* restrict b,
                               int64_t ldb, int64_t n, int64_t k, const float* rbias,
                               const float* cbias, float lo, float hi)
{
    const __m512 zero = _mm512_setzero_ps(), vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    for (int64_t j0 = 0; j0 < n; j0 += 64) {
        __mmask16 mk[4];
        for (int q = 0; q < 4; q++) mk[q] = cols_mask((int)(n - j0 < 64 ? n - j0 : 64) - 16 * q);
        __m512 acc[4][4];
        for (int i = 0; i < mr; i++)
            for (int q = 0; q < 4; q++) acc[i][q] = zero;
        for (int64_t p = 0; p < k; p++) {
            const float* bp = b + p * ldb + j0;
            __m512 bv[4];
            for (int q = 0; q < 4; q++) bv[q] = _mm512_maskz_loadu_ps(mk[q], bp + 16 * q);
            for (int i = 0; i < mr; i++) {
                const __m512 av = _mm512_set1_ps(a[i * lda + p]);
                for (int q = 0; q < 4; q++) acc[i][q] = _mm512_fmadd_ps(av, bv[q], acc[i][q]);
            }
        }
        for (int i = 0; i < mr; i++) {
            const __m512 rb = rbias ? _mm512_set1_ps(rbias[i]) : zero;
            for (int q = 0; q < 4; q++) {
                const __m512 cb = cbias ? _mm512_maskz_loadu_ps(mk[q], cbias + j0 + 16 * q) : zero;
                _mm512_mask_storeu_ps(c + i * ldc + j0 + 16 * q, mk[q],
                                      finish(acc[i][q], rb, cb, vlo, vhi));
            }
        }
    }
}

TARGET void f32_gemm_nn__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                                int64_t lda, const float* restrict b, int64_t ldb, int64_t m,
                                int64_t n, int64_t k, const f32_gemm_epilogue* ep)
{
    if (m > 4 || k <= 0) {
        gemm_packed(c, ldc, a, lda, b, ldb, 0, NULL, 0, NULL, m, n, k, ep);
        return;
    }
    const float* rb = ep->bias && ep->bias_per_row ? ep->bias : NULL;
    const float* cb = ep->bias && !ep->bias_per_row ? ep->bias : NULL;
    switch (m) {
    case 4: few_rows_mr(4, c, ldc, a, lda, b, ldb, n, k, rb, cb, ep->lo, ep->hi); break;
    case 3: few_rows_mr(3, c, ldc, a, lda, b, ldb, n, k, rb, cb, ep->lo, ep->hi); break;
    case 2: few_rows_mr(2, c, ldc, a, lda, b, ldb, n, k, rb, cb, ep->lo, ep->hi); break;
    case 1: few_rows_mr(1, c, ldc, a, lda, b, ldb, n, k, rb, cb, ep->lo, ep->hi); break;
    default: break;
    }
}

TARGET void f32_gemm_nn_bt__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                                   int64_t lda, const float* restrict bt, int64_t ldb, int64_t m,
                                   int64_t n, int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, a, lda, bt, ldb, 1, NULL, 0, NULL, m, n, k, ep);
}

TARGET void f32_gemm_nn_src__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                               int64_t lda, const f32_gemm_b_source* src, int64_t m, int64_t n,
                               int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, a, lda, NULL, 0, 0, src, 0, NULL, m, n, k, ep);
}

TARGET void f32_gemm_ct__avx512(float* restrict c, int64_t ldc, const float* restrict at,
                                int64_t lda, const f32_gemm_b_source* asrc,
                                const float* restrict bt, int64_t ldb, int64_t m, int64_t n,
                                int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, at, lda, bt, ldb, 1, NULL, 1, asrc, m, n, k, ep);
}

#endif /* EMBER_HAVE_X86_KERNELS */
