/* f32_gemm_nt__avx2.c — c: (M, N) = a: (M, K) @ w: (N, K)^T + bias, AVX2 + FMA (see
 * f32_gemm_nt.h). The same scheme as f32_gemm_nt__avx512.c with 8-lane ymm registers: a 4x3
 * tile keeps 12 accumulators, 3 rows of w and one row of a in the 16 registers; the K tail is a
 * masked load (vmaskmovps reads nothing past the mask); M tiles of nearly equal height (2 to 4
 * rows) each get their own specialisation, fewer than 3 rows of w repeat the last one; fewer
 * than 4 rows in all go to few_rows(). K and N are cache-blocked the same way (a (NC, KC) block
 * of w stays in L2 across every M tile). */
#include "kernels/optimized/f32_gemm_nt.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#define MR 4   /* rows of a per tile */
#define NR 3   /* rows of w per tile */
#define KC 512 /* floats of K per block */
#define NC 63  /* rows of w per block (a multiple of NR): about 126 KiB */

#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

TARGET INLINE float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* See tile() in f32_gemm_nt__avx512.c; 8 lanes, NR = 3. */
TARGET INLINE void tile(float* c, int64_t ldc, const float* a, const float* w, int64_t ld,
                        int64_t kc, int mr, int nr, const float* bias, int first)
{
    const float* wr[NR];
    for (int j = 0; j < NR; j++) wr[j] = w + (j < nr ? j : nr - 1) * ld;
    __m256 acc[MR][NR];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = _mm256_setzero_ps();
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
        __m256 wv[NR];
        for (int j = 0; j < NR; j++) wv[j] = _mm256_loadu_ps(wr[j] + p);
        for (int i = 0; i < mr; i++) {
            const __m256 av = _mm256_loadu_ps(a + i * ld + p);
            for (int j = 0; j < NR; j++) acc[i][j] = _mm256_fmadd_ps(av, wv[j], acc[i][j]);
        }
    }
    if (p < kc) {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i mk = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(kc - p)), lane);
        __m256 wv[NR];
        for (int j = 0; j < NR; j++) wv[j] = _mm256_maskload_ps(wr[j] + p, mk);
        for (int i = 0; i < mr; i++) {
            const __m256 av = _mm256_maskload_ps(a + i * ld + p, mk);
            for (int j = 0; j < NR; j++) acc[i][j] = _mm256_fmadd_ps(av, wv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) {
            const float s = hsum(acc[i][j]);
            float* ci = c + i * ldc + j;
            *ci = first ? s + (bias ? bias[j] : 0.0f) : *ci + s;
        }
}

/* Fewer than MR rows of a: see few_rows() in f32_gemm_nt__avx512.c (w read row after row). */
TARGET static void few_rows(float* c, int64_t ldc, const float* a, const float* w,
                            const float* bias, int64_t m, int64_t k, int64_t n)
{
    const __m256i mk = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(k % 8)),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const int64_t k8 = k - k % 8;
    for (int64_t j = 0; j < n; j++) {
        const float* wj = w + j * k;
        for (int64_t i = 0; i < m; i++) {
            const float* ai = a + i * k;
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            int64_t p = 0;
            for (; p + 32 <= k8; p += 32) {
                const float *ap = ai + p, *wp = wj + p;
                s0 = _mm256_fmadd_ps(_mm256_loadu_ps(ap), _mm256_loadu_ps(wp), s0);
                s1 = _mm256_fmadd_ps(_mm256_loadu_ps(ap + 8), _mm256_loadu_ps(wp + 8), s1);
                s2 = _mm256_fmadd_ps(_mm256_loadu_ps(ap + 16), _mm256_loadu_ps(wp + 16), s2);
                s3 = _mm256_fmadd_ps(_mm256_loadu_ps(ap + 24), _mm256_loadu_ps(wp + 24), s3);
            }
            for (; p < k8; p += 8)
                s0 = _mm256_fmadd_ps(_mm256_loadu_ps(ai + p), _mm256_loadu_ps(wj + p), s0);
            if (p < k)
                s1 = _mm256_fmadd_ps(_mm256_maskload_ps(ai + p, mk), _mm256_maskload_ps(wj + p, mk),
                                     s1);
            const float s = hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
            c[i * ldc + j] = s + (bias ? bias[j] : 0.0f);
        }
    }
}

TARGET void f32_gemm_nt__avx2(float* restrict c, int64_t ldc, const float* restrict a,
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
                    switch (mr) {
                    case 4: tile(cij, ldc, ai, wj, k, kc, 4, nr, bj, first); break;
                    case 3: tile(cij, ldc, ai, wj, k, kc, 3, nr, bj, first); break;
                    case 2: tile(cij, ldc, ai, wj, k, kc, 2, nr, bj, first); break;
                    default: tile(cij, ldc, ai, wj, k, kc, 1, nr, bj, first); break;
                    }
                }
                i += mr;
            }
        }
    }
}

#endif /* EMBER_HAVE_X86_KERNELS */
