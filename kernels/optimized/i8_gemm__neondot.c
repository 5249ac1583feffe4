/* i8_gemm__neondot.c — the int8 GEMM core on aarch64 with the dot product extension (see
 * i8_gemm.h): sdot multiplies signed by signed bytes, so A is read as it is and the packed c
 * holds bias + in_off sum(B) (i8_gemm_pack, unsigned_a 0). A tile is 4 rows x 16 columns (one
 * packed panel): 16 int32x4 accumulators; each k group of 4 loads the panel's 64 bytes (4
 * vectors of 4 columns x 4 k) and, per row, 4 bytes of A broadcast to the lanes. Requantization
 * per element by requant.h. */
#include "kernels/optimized/i8_gemm.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#include <string.h>

#include "kernels/portable/requant.h"

#define TARGET __attribute__((target("arch=armv8.2-a+dotprod")))
#define INLINE static inline __attribute__((always_inline))
#define I8_NR 16
#define MR 4

/* 4 bytes of an A row (i8_gemm_rows) in every 32-bit lane. */
TARGET INLINE int8x16_t quad(const int8_t* a)
{
    int32_t v;
    memcpy(&v, a, 4);
    return vreinterpretq_s8_s32(vdupq_n_s32(v));
}

TARGET INLINE void tile(const i8_gemm_args* g, const int8_t* b0, const int32_t* pc,
                        const int32_t* pm, const int32_t* ps, int64_t kp, int64_t r, int rows,
                        int64_t n0)
{
    int32x4_t acc[MR][4];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_s32(0);
    const int8_t* a[MR];
    for (int i = 0; i < rows; i++) a[i] = g->a + (r + i) * g->lda;
    for (int64_t i = 0; i < kp; i += 4) {
        const int8_t* bq = b0 + i * I8_NR;
        const int8x16_t w0 = vld1q_s8(bq), w1 = vld1q_s8(bq + 16), w2 = vld1q_s8(bq + 32),
                        w3 = vld1q_s8(bq + 48);
        for (int row = 0; row < rows; row++) {
            const int8x16_t x = quad(a[row] + i);
            acc[row][0] = vdotq_s32(acc[row][0], w0, x);
            acc[row][1] = vdotq_s32(acc[row][1], w1, x);
            acc[row][2] = vdotq_s32(acc[row][2], w2, x);
            acc[row][3] = vdotq_s32(acc[row][3], w3, x);
        }
    }
    const int64_t cols = g->n - n0 < I8_NR ? g->n - n0 : I8_NR;
    for (int row = 0; row < rows; row++) {
        int32_t sums[I8_NR];
        for (int j = 0; j < 4; j++) vst1q_s32(sums + 4 * j, acc[row][j]);
        int8_t* c = g->c + (r + row) * g->ldc + n0;
        for (int64_t j = 0; j < cols; j++) {
            const uint32_t v = (uint32_t)sums[j] + (uint32_t)pc[n0 + j];
            c[j] = ember_requantize_clamp((int32_t)v, pm[n0 + j], ps[n0 + j], g->out_off, g->lo,
                                          g->hi);
        }
    }
}

TARGET void i8_gemm__neondot(const i8_gemm_args* g, const void* packed, int64_t m0, int64_t m1)
{
    const int64_t np = (g->n + I8_NR - 1) / I8_NR, kp = (g->k + 3) / 4 * 4;
    const int8_t* pb = (const int8_t*)packed;
    const int32_t* pc = (const int32_t*)(pb + np * I8_NR * kp);
    const int32_t* pm = pc + np * I8_NR;
    const int32_t* ps = pm + np * I8_NR;
    for (int64_t p = 0; p < np; p++)
        for (int64_t r = m0; r < m1; r += MR) {
            const int rows = m1 - r >= MR ? MR : (int)(m1 - r);
            const int8_t* b0 = pb + p * I8_NR * kp;
            switch (rows) { /* constant row counts keep the accumulators in registers */
            case 4: tile(g, b0, pc, pm, ps, kp, r, 4, p * I8_NR); break;
            case 3: tile(g, b0, pc, pm, ps, kp, r, 3, p * I8_NR); break;
            case 2: tile(g, b0, pc, pm, ps, kp, r, 2, p * I8_NR); break;
            default: tile(g, b0, pc, pm, ps, kp, r, 1, p * I8_NR); break;
            }
        }
}
#endif
