/* i8_gemm__avx512vnni.c — the int8 GEMM core on AVX-512 VNNI (see i8_gemm.h). Compiled with
 * the ISA's target attribute only; called after op_qlinear.c's prepare found the features. */
#include "kernels/optimized/i8_gemm.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>
#include <string.h>

#include "kernels/optimized/i8_simd_x86.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))
#define I8_NR 16
#define MR 8 /* rows per register tile */
#define NV 2 /* 16-channel panels per register tile */

/* 4 bytes of an A row (already unsigned: i8_gemm_rows), broadcast to every lane. */
TARGET INLINE __m512i quad(const uint8_t* a)
{
    int32_t v;
    memcpy(&v, a, 4);
    return _mm512_set1_epi32(v);
}

/* Requantized sums (c already in) of the 16 packed positions from n0: i8_requantize16_fast
 * from the panel's constants in rq when every shift is negative. */
TARGET INLINE __m512i requant(__m512i acc, const int32_t* pm, const int32_t* ps,
                              const int32_t* rq, int64_t n0)
{
    return rq ? i8_requantize16_fast(acc, rq + n0 / I8_NR * I8_RQ_WORDS)
              : i8_requantize16(acc, _mm512_loadu_si512(pm + n0), _mm512_loadu_si512(ps + n0));
}

/* A panel of its own (channel order): the 16 channels from n0 of one row. */
TARGET INLINE void store16(const i8_gemm_args* g, int8_t* dst, __m512i acc, const int32_t* pm,
                           const int32_t* ps, const int32_t* rq, int64_t n0)
{
    i8_store16(dst + n0, i8_lanes(g->n - n0), requant(acc, pm, ps, rq, n0), g->out_off, g->lo,
               g->hi);
}

/* A pair of panels (their channels interleaved, i8_gemm_pack) of two rows, the 32 channels
 * from n0 of each: (a0, a1) row dst0, (b0, b1) row dst1 (NULL: none). The two rows' sums
 * narrowed together (vpackssdw, vpacksswb: the interleave puts each row's channels in order
 * within 128-bit lanes), clamped, their 8-byte pieces gathered per row (vpermq). */
TARGET INLINE void store_pair(const i8_gemm_args* g, int8_t* dst0, int8_t* dst1, __m512i a0,
                              __m512i a1, __m512i b0, __m512i b1, const int32_t* pm,
                              const int32_t* ps, const int32_t* rq, int64_t n0)
{
    const __m512i off = _mm512_set1_epi32(g->out_off);
    a0 = _mm512_add_epi32(requant(a0, pm, ps, rq, n0), off);
    a1 = _mm512_add_epi32(requant(a1, pm, ps, rq, n0 + I8_NR), off);
    if (dst1) {
        b0 = _mm512_add_epi32(requant(b0, pm, ps, rq, n0), off);
        b1 = _mm512_add_epi32(requant(b1, pm, ps, rq, n0 + I8_NR), off);
    } else {
        b0 = a0, b1 = a1;
    }
    __m512i v = _mm512_packs_epi16(_mm512_packs_epi32(a0, a1), _mm512_packs_epi32(b0, b1));
    v = _mm512_min_epi8(_mm512_max_epi8(v, _mm512_set1_epi8((char)g->lo)), _mm512_set1_epi8((char)g->hi));
    v = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), v);
    const int64_t cols = g->n - n0;
    const __mmask32 mask = cols >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << cols) - 1u);
    _mm256_mask_storeu_epi8(dst0 + n0, mask, _mm512_castsi512_si256(v));
    if (dst1) _mm256_mask_storeu_epi8(dst1 + n0, mask, _mm512_extracti64x4_epi64(v, 1));
}

/* Rows [r, r + rows) x panels [p, p + panels) of C; rows <= MR, panels <= NV, both constants
 * where it is inlined so the accumulators stay in registers. The sums start from c. */
TARGET INLINE void tile(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,
                        const int32_t* pm, const int32_t* ps, const int32_t* rq, int64_t kp,
                        int64_t r, int rows, int64_t p, int panels)
{
    __m512i acc[MR][NV];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < panels; j++) acc[i][j] = _mm512_loadu_si512(pc + (p + j) * I8_NR);
    const uint8_t* a[MR];
    for (int i = 0; i < rows; i++) a[i] = (const uint8_t*)g->a + (r + i) * g->lda;
    const int8_t* b0 = pb + p * I8_NR * kp;
    for (int64_t i = 0; i < kp; i += 4) {
        __m512i w[NV];
        for (int j = 0; j < panels; j++)
            w[j] = _mm512_loadu_si512(b0 + j * I8_NR * kp + i * I8_NR);
        for (int row = 0; row < rows; row++) {
            const __m512i x = quad(a[row] + i);
            for (int j = 0; j < panels; j++) acc[row][j] = _mm512_dpbusd_epi32(acc[row][j], x, w[j]);
        }
    }
    int8_t* c = g->c + r * g->ldc;
    if (panels == NV) {
        for (int row = 0; row < rows; row += 2)
            store_pair(g, c + row * g->ldc, row + 1 < rows ? c + (row + 1) * g->ldc : NULL,
                       acc[row][0], acc[row][1], acc[row + 1 < rows ? row + 1 : row][0],
                       acc[row + 1 < rows ? row + 1 : row][1], pm, ps, rq, p * I8_NR);
    } else {
        for (int row = 0; row < rows; row++)
            store16(g, c + row * g->ldc, acc[row][0], pm, ps, rq, p * I8_NR);
    }
}

/* The full tile, 8 rows x 2 panels, with its 16 accumulators named (the array form above
 * made the compiler copy registers around every vpdpbusd). */
TARGET static void tile_full(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,
                             const int32_t* pm, const int32_t* ps, const int32_t* rq, int64_t kp,
                             int64_t r, int64_t p)
{
    const __m512i s0 = _mm512_loadu_si512(pc + p * I8_NR), s1 = _mm512_loadu_si512(pc + (p + 1) * I8_NR);
    __m512i c00 = s0, c01 = s1, c10 = s0, c11 = s1, c20 = s0, c21 = s1, c30 = s0, c31 = s1,
            c40 = s0, c41 = s1, c50 = s0, c51 = s1, c60 = s0, c61 = s1, c70 = s0, c71 = s1;
    const uint8_t* a = (const uint8_t*)g->a + r * g->lda;
    const int64_t lda = g->lda;
    const int8_t* b0 = pb + p * I8_NR * kp;
    const int8_t* b1 = b0 + I8_NR * kp;
    for (int64_t i = 0; i < kp; i += 4) {
        const __m512i w0 = _mm512_loadu_si512(b0 + i * I8_NR);
        const __m512i w1 = _mm512_loadu_si512(b1 + i * I8_NR);
        __m512i x;
#define ROW(k, ck0, ck1)                                                                        \
    x = quad(a + (k) * lda + i);                                                                \
    ck0 = _mm512_dpbusd_epi32(ck0, x, w0);                                                      \
    ck1 = _mm512_dpbusd_epi32(ck1, x, w1);
        ROW(0, c00, c01)
        ROW(1, c10, c11)
        ROW(2, c20, c21)
        ROW(3, c30, c31)
        ROW(4, c40, c41)
        ROW(5, c50, c51)
        ROW(6, c60, c61)
        ROW(7, c70, c71)
#undef ROW
    }
    int8_t* c = g->c + r * g->ldc;
    const int64_t ldc = g->ldc, n0 = p * I8_NR;
    store_pair(g, c, c + ldc, c00, c01, c10, c11, pm, ps, rq, n0);
    store_pair(g, c + 2 * ldc, c + 3 * ldc, c20, c21, c30, c31, pm, ps, rq, n0);
    store_pair(g, c + 4 * ldc, c + 5 * ldc, c40, c41, c50, c51, pm, ps, rq, n0);
    store_pair(g, c + 6 * ldc, c + 7 * ldc, c60, c61, c70, c71, pm, ps, rq, n0);
}

#define TILE_ROWS(R)                                                                            \
    static TARGET void tile_##R(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,    \
                                const int32_t* pm, const int32_t* ps, const int32_t* rq,       \
                                int64_t kp, int64_t r, int64_t p, int panels)                   \
    {                                                                                           \
        if (panels == NV)                                                                       \
            tile(g, pb, pc, pm, ps, rq, kp, r, R, p, NV);                                       \
        else                                                                                    \
            tile(g, pb, pc, pm, ps, rq, kp, r, R, p, 1);                                        \
    }
TILE_ROWS(1)
TILE_ROWS(2)
TILE_ROWS(3)
TILE_ROWS(4)
TILE_ROWS(5)
TILE_ROWS(6)
TILE_ROWS(7)
TILE_ROWS(8)

typedef void (*tile_fn)(const i8_gemm_args*, const int8_t*, const int32_t*, const int32_t*,
                        const int32_t*, const int32_t*, int64_t, int64_t, int64_t, int);

TARGET void i8_gemm__avx512vnni(const i8_gemm_args* g, const void* packed, int64_t m0, int64_t m1)
{
    static const tile_fn tiles[MR + 1] = {NULL,   tile_1, tile_2, tile_3, tile_4,
                                          tile_5, tile_6, tile_7, tile_8};
    const int64_t np = (g->n + I8_NR - 1) / I8_NR, kp = (g->k + 3) / 4 * 4;
    const int8_t* pb = (const int8_t*)packed;
    const int32_t* pc = (const int32_t*)(pb + np * I8_NR * kp);
    const int32_t* pm = pc + np * I8_NR;
    const int32_t* ps = pm + np * I8_NR;
    const int32_t* rq = ps[np * I8_NR] ? ps + np * I8_NR + 16 : NULL; /* see i8_gemm_pack */
    /* panels outer, rows inner: a panel pair of B (2 x 16 x K bytes) stays in cache while the
     * rows stream past it */
    for (int64_t p = 0; p < np; p += NV) {
        const int panels = np - p >= NV ? NV : (int)(np - p);
        for (int64_t r = m0; r < m1; r += MR) {
            const int rows = m1 - r >= MR ? MR : (int)(m1 - r);
            if (rows == MR && panels == NV)
                tile_full(g, pb, pc, pm, ps, rq, kp, r, p);
            else
                tiles[rows](g, pb, pc, pm, ps, rq, kp, r, p, panels);
        }
    }
}
#endif
