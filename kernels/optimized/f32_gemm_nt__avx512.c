/* f32_gemm_nt__avx512.c — c: (M, N) = a: (M, K) @ w: (N, K)^T + bias, AVX-512F (see
 * f32_gemm_nt.h). The weight is read in place, row-major (N, K), as the .pte stores it.
 *
 * Each output is a dot product of a row of a with a row of w, both contiguous in K. A 6x4 tile
 * of outputs keeps 24 accumulators of 16 lanes in zmm registers (plus 4 rows of w and one of a:
 * 29 of the 32); each step of the K loop loads 16 floats from 6 rows of a and 4 rows of w (10
 * loads) and issues 24 FMAs. The K tail is one masked step (nothing past the row is read); at
 * the end each accumulator is summed across its lanes. M is cut into tiles of nearly equal
 * height (5 or 6 rows for M = 32), each height with its own specialised tile; the last N tile,
 * if shorter, repeats w's last row and drops those results. Fewer than 6 rows in all (M = 1
 * when decoding) go to few_rows() instead.
 *
 * Cache blocking: the K loop runs over KC floats at a time and the N loop over NC rows of w, so
 * one (NC, KC) block of w (256 KiB) stays in L2 while every M tile passes over it: a large
 * weight such as a language model's output projection streams from memory once. The first K
 * block writes sum + bias, later ones add to c. The last M tile over a block prefetches the
 * same rows of the next block (NC rows on) into L2, since the hardware prefetchers lose track
 * of a tile's interleaved rows. */
#include "kernels/optimized/f32_gemm_nt.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#define MR 6    /* rows of a per tile (at most) */
#define NR 4    /* rows of w per tile */
#define KC 1024 /* floats of K per block */
#define NC 64   /* rows of w per block: NC * KC * 4 bytes = 256 KiB */

#define TARGET __attribute__((target("avx512f,avx512vl,fma")))
#define INLINE static inline __attribute__((always_inline))

/* {sum of v0's lanes, v1's, v2's, v3's}: halve four vectors into two (128-bit blocks 0-1 of
 * one with 0-1 of the other, 2-3 with 2-3), those two into one (block b = a quarter of vb's
 * sum), then add within each block and gather lane 0 of each. */
TARGET INLINE __m128 sum4(__m512 v0, __m512 v1, __m512 v2, __m512 v3)
{
    const __m512 s01 = _mm512_add_ps(_mm512_shuffle_f32x4(v0, v1, 0x44),
                                     _mm512_shuffle_f32x4(v0, v1, 0xee));
    const __m512 s23 = _mm512_add_ps(_mm512_shuffle_f32x4(v2, v3, 0x44),
                                     _mm512_shuffle_f32x4(v2, v3, 0xee));
    __m512 s = _mm512_add_ps(_mm512_shuffle_f32x4(s01, s23, 0x88),
                             _mm512_shuffle_f32x4(s01, s23, 0xdd));
    s = _mm512_add_ps(s, _mm512_permute_ps(s, 0x4e)); /* lanes 2 3 0 1 of each block */
    s = _mm512_add_ps(s, _mm512_permute_ps(s, 0xb1)); /* lanes 1 0 3 2 */
    const __m512i lane0 = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_castps512_ps128(_mm512_permutexvar_ps(lane0, s));
}

/* A mr x NR tile: c[i * ldc + j] (+)= sum over p < kc of a[i * ld + p] * w[j * ld + p], for
 * i < mr, j < nr. Row j >= nr of w reads row nr - 1 again (its results are dropped). `first`:
 * write sum + bias (bias may be NULL), else add the sum to c. `next` (or NULL): nr rows (row
 * stride ld) to prefetch into L2 over kc floats. mr is a constant after
 * inlining, so each of 1..MR gets its own register allocation. */
TARGET INLINE void tile(float* c, int64_t ldc, const float* a, const float* w, int64_t ld,
                        int64_t kc, int mr, int nr, const float* bias, int first,
                        const float* next)
{
    const float* wr[NR];
    for (int j = 0; j < NR; j++) wr[j] = w + (j < nr ? j : nr - 1) * ld;
    __m512 acc[MR][NR];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = _mm512_setzero_ps();
    int64_t p = 0;
    for (; p + 16 <= kc; p += 16) {
        __m512 wv[NR];
        for (int j = 0; j < NR; j++) wv[j] = _mm512_loadu_ps(wr[j] + p);
        if (next)
            for (int j = 0; j < nr; j++)
                _mm_prefetch((const char*)(next + j * ld + p), _MM_HINT_T1);
        for (int i = 0; i < mr; i++) {
            const __m512 av = _mm512_loadu_ps(a + i * ld + p);
            for (int j = 0; j < NR; j++) acc[i][j] = _mm512_fmadd_ps(av, wv[j], acc[i][j]);
        }
    }
    if (p < kc) {
        const __mmask16 mk = (__mmask16)((1u << (kc - p)) - 1u);
        __m512 wv[NR];
        for (int j = 0; j < NR; j++) wv[j] = _mm512_maskz_loadu_ps(mk, wr[j] + p);
        for (int i = 0; i < mr; i++) {
            const __m512 av = _mm512_maskz_loadu_ps(mk, a + i * ld + p);
            for (int j = 0; j < NR; j++) acc[i][j] = _mm512_fmadd_ps(av, wv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < mr; i++) {
        float s[NR];
        _mm_storeu_ps(s, sum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
        float* ci = c + i * ldc;
        for (int j = 0; j < nr; j++) ci[j] = first ? s[j] + (bias ? bias[j] : 0.0f) : ci[j] + s[j];
    }
}

/* Fewer than MR rows of a (decoding: M = 1): w is streamed from memory with no reuse to gain
 * from cache, so read it one row after the other, in address order, which the hardware
 * prefetchers follow (the interleaved rows of a tile defeat them, halving the bandwidth); each
 * output is a dot product over 4 accumulators. */
TARGET static void few_rows(float* c, int64_t ldc, const float* a, const float* w,
                            const float* bias, int64_t m, int64_t k, int64_t n)
{
    const __mmask16 mk = (__mmask16)((1u << (k % 16)) - 1u);
    const int64_t k16 = k - k % 16;
    for (int64_t j = 0; j < n; j++) {
        const float* wj = w + j * k;
        for (int64_t i = 0; i < m; i++) {
            const float* ai = a + i * k;
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            int64_t p = 0;
            for (; p + 64 <= k16; p += 64) {
                const float *ap = ai + p, *wp = wj + p;
                s0 = _mm512_fmadd_ps(_mm512_loadu_ps(ap), _mm512_loadu_ps(wp), s0);
                s1 = _mm512_fmadd_ps(_mm512_loadu_ps(ap + 16), _mm512_loadu_ps(wp + 16), s1);
                s2 = _mm512_fmadd_ps(_mm512_loadu_ps(ap + 32), _mm512_loadu_ps(wp + 32), s2);
                s3 = _mm512_fmadd_ps(_mm512_loadu_ps(ap + 48), _mm512_loadu_ps(wp + 48), s3);
            }
            for (; p < k16; p += 16)
                s0 = _mm512_fmadd_ps(_mm512_loadu_ps(ai + p), _mm512_loadu_ps(wj + p), s0);
            if (p < k)
                s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, ai + p),
                                     _mm512_maskz_loadu_ps(mk, wj + p), s1);
            const float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1),
                                                               _mm512_add_ps(s2, s3)));
            c[i * ldc + j] = s + (bias ? bias[j] : 0.0f);
        }
    }
}

TARGET void f32_gemm_nt__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                                const float* restrict w, const float* restrict bias, int64_t m,
                                int64_t k, int64_t n)
{
    if (k == 0) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) c[i * ldc + j] = bias ? bias[j] : 0.0f;
        return;
    }
    if (m < MR) {
        few_rows(c, ldc, a, w, bias, m, k, n);
        return;
    }
    for (int64_t j0 = 0; j0 < n; j0 += NC) {
        const int64_t j1 = n - j0 < NC ? n : j0 + NC;
        for (int64_t p0 = 0; p0 < k; p0 += KC) {
            const int64_t kc = k - p0 < KC ? k - p0 : KC;
            const int first = p0 == 0;
            /* ceil(m / MR) tiles of nearly equal height (32 rows: 6 6 5 5 5 5, not 6 x 5 + 2) */
            const int64_t tiles = (m + MR - 1) / MR;
            for (int64_t t = 0, i = 0; t < tiles; t++) {
                const int64_t mr = m / tiles + (t < m % tiles);
                const float* ai = a + i * k + p0;
                for (int64_t j = j0; j < j1; j += NR) {
                    const int nr = (int)(j1 - j < NR ? j1 - j : NR);
                    float* cij = c + i * ldc + j;
                    const float* wj = w + j * k + p0;
                    const float* bj = bias ? bias + j : NULL;
                    /* the last M tile fetches the next block's rows into L2 as it goes */
                    const float* next = t == tiles - 1 && j + NC + nr <= n ? wj + NC * k : NULL;
                    switch (mr) {
                    case 6: tile(cij, ldc, ai, wj, k, kc, 6, nr, bj, first, next); break;
                    case 5: tile(cij, ldc, ai, wj, k, kc, 5, nr, bj, first, next); break;
                    case 4: tile(cij, ldc, ai, wj, k, kc, 4, nr, bj, first, next); break;
                    case 3: tile(cij, ldc, ai, wj, k, kc, 3, nr, bj, first, next); break;
                    case 2: tile(cij, ldc, ai, wj, k, kc, 2, nr, bj, first, next); break;
                    default: tile(cij, ldc, ai, wj, k, kc, 1, nr, bj, first, next); break;
                    }
                }
                i += mr;
            }
        }
    }
}

#endif /* EMBER_HAVE_X86_KERNELS */
