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
 * from the panel's constants in rq when every shift is negative (out_off then in already). */
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
    i8_store16(dst + n0, i8_lanes(g->n - n0), requant(acc, pm, ps, rq, n0), rq ? 0 : g->out_off, g->lo,
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
    a0 = requant(a0, pm, ps, rq, n0);
    a1 = requant(a1, pm, ps, rq, n0 + I8_NR);
    if (!rq) a0 = _mm512_add_epi32(a0, off), a1 = _mm512_add_epi32(a1, off);
    if (dst1) {
        b0 = requant(b0, pm, ps, rq, n0);
        b1 = requant(b1, pm, ps, rq, n0 + I8_NR);
        if (!rq) b0 = _mm512_add_epi32(b0, off), b1 = _mm512_add_epi32(b1, off);
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

/* Pins accumulators to their registers: without it GCC 12 copies every accumulator to a
 * second register around each vpdpbusd of the loops below, and spills some (an empty asm that
 * reads and writes them in place leaves it no second home). Accumulators are named variables,
 * never an array, which GCC keeps in memory. */
#define KEEP(x, y) __asm__("" : "+v"(x), "+v"(y));

/* Rows [r, r + rows) (1 <= rows <= MR) x the panel pair from p of C: MR rows are multiplied
 * (the rows past the last re-read it), `rows` stored. The sums start from c. */
TARGET static void tile_pair(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,
                             const int32_t* pm, const int32_t* ps, const int32_t* rq, int64_t kp,
                             int64_t r, int rows, int64_t p)
{
    const __m512i s0 = _mm512_loadu_si512(pc + p * I8_NR), s1 = _mm512_loadu_si512(pc + (p + 1) * I8_NR);
    __m512i c00 = s0, c01 = s1, c10 = s0, c11 = s1, c20 = s0, c21 = s1, c30 = s0, c31 = s1,
            c40 = s0, c41 = s1, c50 = s0, c51 = s1, c60 = s0, c61 = s1, c70 = s0, c71 = s1;
    const uint8_t* a = (const uint8_t*)g->a + r * g->lda;
    const int64_t lda = g->lda;
    const int8_t* b0 = pb + p * I8_NR * kp;
    const int8_t* b1 = b0 + I8_NR * kp;
#define AT(k) (a + ((k) < rows ? (k) : rows - 1) * lda)
    const uint8_t *a0 = AT(0), *a1 = AT(1), *a2 = AT(2), *a3 = AT(3), *a4 = AT(4), *a5 = AT(5),
                  *a6 = AT(6), *a7 = AT(7);
    for (int64_t i = 0; i < kp; i += 4) {
        const __m512i w0 = _mm512_loadu_si512(b0 + i * I8_NR);
        const __m512i w1 = _mm512_loadu_si512(b1 + i * I8_NR);
        __m512i x;
#define ROW(ak, ck0, ck1)                                                                       \
    x = quad(ak + i);                                                                           \
    ck0 = _mm512_dpbusd_epi32(ck0, x, w0);                                                      \
    ck1 = _mm512_dpbusd_epi32(ck1, x, w1);                                                      \
    KEEP(ck0, ck1)
        ROW(a0, c00, c01)
        ROW(a1, c10, c11)
        ROW(a2, c20, c21)
        ROW(a3, c30, c31)
        ROW(a4, c40, c41)
        ROW(a5, c50, c51)
        ROW(a6, c60, c61)
        ROW(a7, c70, c71)
#undef ROW
    }
    int8_t* c = g->c + r * g->ldc;
    const int64_t ldc = g->ldc, n0 = p * I8_NR;
#define ROWS2(k, x0, x1, y0, y1)                                                                \
    if ((k) < rows)                                                                             \
        store_pair(g, c + (k) * ldc, (k) + 1 < rows ? c + ((k) + 1) * ldc : NULL, x0, x1, y0, y1,  \
                   pm, ps, rq, n0);
    ROWS2(0, c00, c01, c10, c11)
    ROWS2(2, c20, c21, c30, c31)
    ROWS2(4, c40, c41, c50, c51)
    ROWS2(6, c60, c61, c70, c71)
#undef ROWS2
}

/* The same for a last panel without a pair: 16 channels. */
TARGET static void tile_one(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,
                            const int32_t* pm, const int32_t* ps, const int32_t* rq, int64_t kp,
                            int64_t r, int rows, int64_t p)
{
    const __m512i s0 = _mm512_loadu_si512(pc + p * I8_NR);
    __m512i c0 = s0, c1 = s0, c2 = s0, c3 = s0, c4 = s0, c5 = s0, c6 = s0, c7 = s0;
    const uint8_t* a = (const uint8_t*)g->a + r * g->lda;
    const int64_t lda = g->lda;
    const int8_t* b0 = pb + p * I8_NR * kp;
    const uint8_t *a0 = AT(0), *a1 = AT(1), *a2 = AT(2), *a3 = AT(3), *a4 = AT(4), *a5 = AT(5),
                  *a6 = AT(6), *a7 = AT(7);
#undef AT
    for (int64_t i = 0; i < kp; i += 4) {
        const __m512i w0 = _mm512_loadu_si512(b0 + i * I8_NR);
#define ROWS(ak, ck, al, cl)                                                                    \
    ck = _mm512_dpbusd_epi32(ck, quad(ak + i), w0);                                             \
    cl = _mm512_dpbusd_epi32(cl, quad(al + i), w0);                                             \
    KEEP(ck, cl)
        ROWS(a0, c0, a1, c1)
        ROWS(a2, c2, a3, c3)
        ROWS(a4, c4, a5, c5)
        ROWS(a6, c6, a7, c7)
#undef ROWS
    }
    int8_t* c = g->c + r * g->ldc;
    const int64_t ldc = g->ldc;
#define STORE(k, ck)                                                                            \
    if ((k) < rows) store16(g, c + (k) * ldc, ck, pm, ps, rq, p * I8_NR);
    STORE(0, c0) STORE(1, c1) STORE(2, c2) STORE(3, c3)
    STORE(4, c4) STORE(5, c5) STORE(6, c6) STORE(7, c7)
#undef STORE
}

/* One row (a matrix-vector product: the weights stream past it) x the panel pair from p, or
 * the last panel alone (pair false). */
TARGET static void tile_row(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,
                            const int32_t* pm, const int32_t* ps, const int32_t* rq, int64_t kp,
                            int64_t r, int64_t p, bool pair)
{
    __m512i c0 = _mm512_loadu_si512(pc + p * I8_NR);
    __m512i c1 = pair ? _mm512_loadu_si512(pc + (p + 1) * I8_NR) : c0;
    const uint8_t* a = (const uint8_t*)g->a + r * g->lda;
    const int8_t* b0 = pb + p * I8_NR * kp;
    const int8_t* b1 = b0 + I8_NR * kp;
    if (pair) {
        for (int64_t i = 0; i < kp; i += 4) {
            const __m512i x = quad(a + i);
            c0 = _mm512_dpbusd_epi32(c0, x, _mm512_loadu_si512(b0 + i * I8_NR));
            c1 = _mm512_dpbusd_epi32(c1, x, _mm512_loadu_si512(b1 + i * I8_NR));
            KEEP(c0, c1)
        }
        store_pair(g, g->c + r * g->ldc, NULL, c0, c1, c0, c1, pm, ps, rq, p * I8_NR);
    } else {
        for (int64_t i = 0; i < kp; i += 4) {
            c0 = _mm512_dpbusd_epi32(c0, quad(a + i), _mm512_loadu_si512(b0 + i * I8_NR));
            KEEP(c0, c1)
        }
        store16(g, g->c + r * g->ldc, c0, pm, ps, rq, p * I8_NR);
    }
}

TARGET void i8_gemm__avx512vnni(const i8_gemm_args* g, const void* packed, int64_t m0, int64_t m1)
{
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
            if (rows == 1)
                tile_row(g, pb, pc, pm, ps, rq, kp, r, p, panels == NV);
            else if (panels == NV)
                tile_pair(g, pb, pc, pm, ps, rq, kp, r, rows, p);
            else
                tile_one(g, pb, pc, pm, ps, rq, kp, r, rows, p);
        }
    }
}
#endif
