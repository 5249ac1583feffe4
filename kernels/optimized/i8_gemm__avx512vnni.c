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

/* n (1..4) bytes of row a at i, the rest zero (their B lanes are zero too), flipped to
 * unsigned (a + 128), broadcast to every lane. */
TARGET INLINE __m512i quad(const int8_t* a, int64_t i, int64_t n)
{
    int32_t v = 0;
    memcpy(&v, a + i, (size_t)n);
    return _mm512_set1_epi32(v ^ (int32_t)0x80808080u);
}

TARGET INLINE void store16(const i8_gemm_args* g, int8_t* dst, __m512i acc, const int32_t* pc,
                           const int32_t* pm, const int32_t* ps, int64_t cols)
{
    const __m512i v = i8_requantize16(_mm512_add_epi32(acc, _mm512_loadu_si512(pc)),
                                      _mm512_loadu_si512(pm), _mm512_loadu_si512(ps));
    i8_store16(dst, i8_lanes(cols), v, g->out_off, g->lo, g->hi);
}

/* Rows [r, r + rows) x panels [p, p + panels) of C; rows <= MR, panels <= NV, both constants
 * where it is inlined so the accumulators stay in registers. */
TARGET INLINE void tile(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,
                        const int32_t* pm, const int32_t* ps, int64_t kp, int64_t r, int rows,
                        int64_t p, int panels)
{
    __m512i acc[MR][NV];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < panels; j++) acc[i][j] = _mm512_setzero_si512();
    const int8_t* a[MR];
    for (int i = 0; i < rows; i++) a[i] = g->a + (r + i) * g->lda;
    const int8_t* b0 = pb + p * I8_NR * kp;
    const int64_t k4 = g->k / 4 * 4;
    for (int64_t i = 0; i < kp; i += 4) {
        const int64_t n = i < k4 ? 4 : g->k - i; /* a constant 4 but in the last quad */
        __m512i w[NV];
        for (int j = 0; j < panels; j++)
            w[j] = _mm512_loadu_si512(b0 + j * I8_NR * kp + i * I8_NR);
        for (int row = 0; row < rows; row++) {
            const __m512i x = n == 4 ? quad(a[row], i, 4) : quad(a[row], i, n);
            for (int j = 0; j < panels; j++) acc[row][j] = _mm512_dpbusd_epi32(acc[row][j], x, w[j]);
        }
    }
    for (int row = 0; row < rows; row++)
        for (int j = 0; j < panels; j++) {
            const int64_t n0 = (p + j) * I8_NR;
            store16(g, g->c + (r + row) * g->ldc + n0, acc[row][j], pc + n0, pm + n0, ps + n0,
                    g->n - n0);
        }
}

#define TILE_ROWS(R)                                                                            \
    static TARGET void tile_##R(const i8_gemm_args* g, const int8_t* pb, const int32_t* pc,    \
                                const int32_t* pm, const int32_t* ps, int64_t kp, int64_t r,   \
                                int64_t p, int panels)                                          \
    {                                                                                           \
        if (panels == NV)                                                                       \
            tile(g, pb, pc, pm, ps, kp, r, R, p, NV);                                           \
        else                                                                                    \
            tile(g, pb, pc, pm, ps, kp, r, R, p, 1);                                            \
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
                        const int32_t*, int64_t, int64_t, int64_t, int);

TARGET void i8_gemm__avx512vnni(const i8_gemm_args* g, const void* packed, int64_t m0, int64_t m1)
{
    static const tile_fn tiles[MR + 1] = {NULL,   tile_1, tile_2, tile_3, tile_4,
                                          tile_5, tile_6, tile_7, tile_8};
    const int64_t np = (g->n + I8_NR - 1) / I8_NR, kp = (g->k + 3) / 4 * 4;
    const int8_t* pb = (const int8_t*)packed;
    const int32_t* pc = (const int32_t*)(pb + np * I8_NR * kp);
    const int32_t* pm = pc + np * I8_NR;
    const int32_t* ps = pm + np * I8_NR;
    /* panels outer, rows inner: a panel pair of B (2 x 16 x K bytes) stays in cache while the
     * rows stream past it */
    for (int64_t p = 0; p < np; p += NV) {
        const int panels = np - p >= NV ? NV : (int)(np - p);
        for (int64_t r = m0; r < m1; r += MR) {
            const int rows = m1 - r >= MR ? MR : (int)(m1 - r);
            tiles[rows](g, pb, pc, pm, ps, kp, r, p, panels);
        }
    }
}
#endif
