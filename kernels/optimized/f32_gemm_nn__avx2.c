/* f32_gemm_nn__avx2.c — c = clamp(a @ b + bias), AVX2 + FMA (see f32_gemm_nn.h; the blocking
 * and packing are f32_gemm_nn_driver.h's).
 *
 * Microkernel: a 6x16 tile of c in 12 ymm accumulators (6 rows x 2 vectors of 8 columns), 2
 * vectors of the packed b strip and one broadcast: 15 of the 16 registers; 12 FMAs per k step.
 * Columns past nr are masked (vmaskmovps touches nothing past the mask); rows past mr are not
 * computed. pack_bt transposes 8x8 blocks of a (N, K) weight in registers (24 shuffles). With
 * m <= 4, b is streamed once, unpacked (4 rows x 32 columns over all of K). */
#include "kernels/optimized/f32_gemm_nn.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#define MR 6
#define NR 16
#define KC 192
#define MC 132 /* 22 strips of 6 */
#define NC 208 /* (MC + NC) * KC * 4 = 255 KiB */

#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

TARGET INLINE __m256i cols_mask(int n) /* lanes < n (n may be <= 0 or >= 8) */
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* out = clamp(v + rb + cb): max(lo, v) and min(hi, v) return v when v is NaN. */
TARGET INLINE __m256 finish(__m256 v, __m256 rb, __m256 cb, __m256 lo, __m256 hi)
{
    return _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_add_ps(_mm256_add_ps(v, rb), cb)));
}

/* acc0[i], acc1[i] (i < mr) = row i of the tile's sums over kc steps: columns 0..7, 8..15. */
TARGET INLINE void tile_sums(const int mr, int64_t kc, const float* restrict ap,
                             const float* restrict bp, __m256 acc0[MR], __m256 acc1[MR])
{
    for (int i = 0; i < mr; i++) acc0[i] = acc1[i] = _mm256_setzero_ps();
    for (int64_t p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_load_ps(bp + p * NR), b1 = _mm256_load_ps(bp + p * NR + 8);
        const float* ak = ap + p * MR;
        for (int i = 0; i < mr; i++) {
            const __m256 av = _mm256_broadcast_ss(ak + i);
            acc0[i] = _mm256_fmadd_ps(av, b0, acc0[i]);
            acc1[i] = _mm256_fmadd_ps(av, b1, acc1[i]);
        }
    }
}

TARGET INLINE void ukernel_mr(const int mr, int nr, int64_t kc, const float* restrict ap,
                              const float* restrict bp, float* restrict c, int64_t ldc,
                              int first, int last, const float* rbias, const float* cbias,
                              float lo, float hi)
{
    __m256 acc0[MR], acc1[MR];
    tile_sums(mr, kc, ap, bp, acc0, acc1);
    const __m256i m0 = cols_mask(nr), m1 = cols_mask(nr - 8);
    const __m256 zero = _mm256_setzero_ps();
    const __m256 cb0 = last && cbias ? _mm256_maskload_ps(cbias, m0) : zero;
    const __m256 cb1 = last && cbias ? _mm256_maskload_ps(cbias + 8, m1) : zero;
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    for (int i = 0; i < mr; i++) {
        float* ci = c + i * ldc;
        __m256 v0 = acc0[i], v1 = acc1[i];
        if (!first) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(ci, m0));
            v1 = _mm256_add_ps(v1, _mm256_maskload_ps(ci + 8, m1));
        }
        if (last) {
            const __m256 rb = rbias ? _mm256_set1_ps(rbias[i]) : zero;
            v0 = finish(v0, rb, cb0, vlo, vhi);
            v1 = finish(v1, rb, cb1, vlo, vhi);
        }
        _mm256_maskstore_ps(ci, m0, v0);
        _mm256_maskstore_ps(ci + 8, m1, v1);
    }
}

TARGET static void ukernel(int mr, int nr, int64_t kc, const float* restrict ap,
                           const float* restrict bp, float* restrict c, int64_t ldc, int first,
                           int last, const float* rbias, const float* cbias, float lo, float hi)
{
#define UK(R) ukernel_mr(R, nr, kc, ap, bp, c, ldc, first, last, rbias, cbias, lo, hi)
    switch (mr) {
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
        const __m256i m0 = cols_mask(n), m1 = cols_mask(n - 8);
        float* restrict d = dst + j0 * kc;
        for (int64_t p = 0; p < kc; p++) {
            const float* bp = b + p * ldb + j0;
            _mm256_store_ps(d + p * NR, _mm256_maskload_ps(bp, m0));
            _mm256_store_ps(d + p * NR + 8, _mm256_maskload_ps(bp + 8, m1));
        }
    }
}

/* r[c] = column c of the 8x8 block whose rows were r[0..8). */
TARGET INLINE void transpose8(__m256 r[8])
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

/* The tile stored transposed (c(i, j) at c[j * ldc + i]): each 8 columns of the tile are
 * transposed in registers (rows past mr as zeros), so column j becomes one vector of its mr
 * rows, stored with a mask; the bias (one per column) is a broadcast. */
TARGET INLINE void ukernel_ct_mr(const int mr, int nr, int64_t kc, const float* restrict ap,
                                 const float* restrict bp, float* restrict c, int64_t ldc,
                                 int first, int last, const float* cbias, float lo, float hi)
{
    __m256 acc[2][MR];
    tile_sums(mr, kc, ap, bp, acc[0], acc[1]);
    const __m256i rows = cols_mask(mr);
    const __m256 zero = _mm256_setzero_ps(), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    for (int h = 0; h < 2 && 8 * h < nr; h++) {
        __m256 r[8];
        for (int i = 0; i < 8; i++) r[i] = i < mr ? acc[h][i] : zero;
        transpose8(r);
        const int cols = nr - 8 * h < 8 ? nr - 8 * h : 8;
        for (int j = 0; j < cols; j++) {
            float* cj = c + (8 * h + j) * ldc;
            __m256 v = r[j];
            if (!first) v = _mm256_add_ps(v, _mm256_maskload_ps(cj, rows));
            if (last) v = finish(v, cbias ? _mm256_set1_ps(cbias[8 * h + j]) : zero, zero, vlo, vhi);
            _mm256_maskstore_ps(cj, rows, v);
        }
    }
}

/* (mc, kc) block of a given transposed (kc rows of mc floats at lda: the input planes of a
 * pointwise convolution) into strips of kc x MR: each k step of a strip is one masked load and
 * store of 6 floats. */
TARGET static void pack_at(float* restrict dst, const float* restrict at, int64_t lda,
                           int64_t mc, int64_t kc)
{
    const __m256i six = cols_mask(MR);
    for (int64_t p = 0; p < kc; p++) {
        const float* row = at + p * lda;
        for (int64_t i0 = 0; i0 < mc; i0 += MR) {
            const __m256i mk = cols_mask((int)(mc - i0 < MR ? mc - i0 : MR));
            _mm256_maskstore_ps(dst + i0 * kc + p * MR, six, _mm256_maskload_ps(row + i0, mk));
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
 * kc x NR, through 8x8 transposes. */
TARGET static void pack_bt(float* restrict dst, const float* restrict bt, int64_t ldb,
                           int64_t kc, int64_t nc)
{
    for (int64_t j0 = 0; j0 < nc; j0 += 8) {
        float* restrict d = dst + (j0 / NR) * NR * kc + j0 % NR;
        const int rows = (int)(nc - j0 < 8 ? nc - j0 : 8);
        for (int64_t p = 0; p < kc; p += 8) {
            const int steps = (int)(kc - p < 8 ? kc - p : 8);
            const __m256i mk = cols_mask(steps);
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = i < rows ? _mm256_maskload_ps(bt + (j0 + i) * ldb + p, mk)
                                : _mm256_setzero_ps();
            transpose8(r);
            for (int s = 0; s < steps; s++) _mm256_store_ps(d + (p + s) * NR, r[s]);
        }
    }
    if (nc % NR != 0 && nc % NR <= 8) {
        float* restrict d = dst + (nc / NR) * NR * kc + 8;
        for (int64_t p = 0; p < kc; p++) _mm256_store_ps(d + p * NR, _mm256_setzero_ps());
    }
}

/* (mc, kc) block of a into strips of kc x MR: 6 rows (and 2 of zeros) x 8 k steps at a time
 * are transposed in registers, each k step stored as 6 floats (a masked store). */
#define HAVE_PACK_A 1
TARGET static void pack_a(float* restrict dst, const float* restrict a, int64_t lda, int64_t mc,
                          int64_t kc)
{
    const __m256i six = cols_mask(MR);
    for (int64_t i0 = 0; i0 < mc; i0 += MR) {
        const int rows = (int)(mc - i0 < MR ? mc - i0 : MR);
        float* restrict d = dst + i0 * kc;
        for (int64_t p = 0; p < kc; p += 8) {
            const int steps = (int)(kc - p < 8 ? kc - p : 8);
            const __m256i mk = cols_mask(steps);
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = i < rows ? _mm256_maskload_ps(a + (i0 + i) * lda + p, mk)
                                : _mm256_setzero_ps();
            transpose8(r);
            for (int s = 0; s < steps; s++) _mm256_maskstore_ps(d + (p + s) * MR, six, r[s]);
        }
    }
}

#include "kernels/optimized/f32_gemm_nn_driver.h"

/* m <= 4 rows: columns j0..j0+32 of every row accumulate over all of K (b read once). */
TARGET INLINE void few_rows_mr(const int mr, float* restrict c, int64_t ldc,
                               const float* restrict a, int64_t lda, const float* restrict b,
                               int64_t ldb, int64_t n, int64_t k, const float* rbias,
                               const float* cbias, float lo, float hi)
{
    const __m256 zero = _mm256_setzero_ps(), vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    for (int64_t j0 = 0; j0 < n; j0 += 32) {
        __m256i mk[4];
        for (int q = 0; q < 4; q++) mk[q] = cols_mask((int)(n - j0 < 32 ? n - j0 : 32) - 8 * q);
        __m256 acc[4][4];
        for (int i = 0; i < mr; i++)
            for (int q = 0; q < 4; q++) acc[i][q] = zero;
        for (int64_t p = 0; p < k; p++) {
            const float* bp = b + p * ldb + j0;
            __m256 bv[4];
            for (int q = 0; q < 4; q++) bv[q] = _mm256_maskload_ps(bp + 8 * q, mk[q]);
            for (int i = 0; i < mr; i++) {
                const __m256 av = _mm256_broadcast_ss(a + i * lda + p);
                for (int q = 0; q < 4; q++) acc[i][q] = _mm256_fmadd_ps(av, bv[q], acc[i][q]);
            }
        }
        for (int i = 0; i < mr; i++) {
            const __m256 rb = rbias ? _mm256_set1_ps(rbias[i]) : zero;
            for (int q = 0; q < 4; q++) {
                const __m256 cb = cbias ? _mm256_maskload_ps(cbias + j0 + 8 * q, mk[q]) : zero;
                _mm256_maskstore_ps(c + i * ldc + j0 + 8 * q, mk[q],
                                    finish(acc[i][q], rb, cb, vlo, vhi));
            }
        }
    }
}

TARGET void f32_gemm_nn__avx2(float* restrict c, int64_t ldc, const float* restrict a,
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

TARGET void f32_gemm_nn_bt__avx2(float* restrict c, int64_t ldc, const float* restrict a,
                                 int64_t lda, const float* restrict bt, int64_t ldb, int64_t m,
                                 int64_t n, int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, a, lda, bt, ldb, 1, NULL, 0, NULL, m, n, k, ep);
}

TARGET void f32_gemm_nn_src__avx2(float* restrict c, int64_t ldc, const float* restrict a,
                               int64_t lda, const f32_gemm_b_source* src, int64_t m, int64_t n,
                               int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, a, lda, NULL, 0, 0, src, 0, NULL, m, n, k, ep);
}

TARGET void f32_gemm_ct__avx2(float* restrict c, int64_t ldc, const float* restrict at,
                              int64_t lda, const f32_gemm_b_source* asrc,
                              const float* restrict bt, int64_t ldb, int64_t m, int64_t n,
                              int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, at, lda, bt, ldb, 1, NULL, 1, asrc, m, n, k, ep);
}

#endif /* EMBER_HAVE_X86_KERNELS */
