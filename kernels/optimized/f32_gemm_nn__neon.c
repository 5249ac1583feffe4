/* f32_gemm_nn__neon.c — c = clamp(a @ b + bias), aarch64 NEON (baseline there; see
 * f32_gemm_nn.h; the blocking and packing are f32_gemm_nn_driver.h's).
 *
 * Microkernel: an 8x12 tile of c in 24 q-register accumulators (8 rows x 3 vectors of 4
 * columns), 3 vectors of the packed b strip per k step and 8 scalar-by-vector FMAs per vector
 * (fmla by element). The tile is written through a row buffer, so ragged columns need no masks.
 * The packs are plain loops (the compiler vectorises the copies). With m <= 4, b is streamed
 * once, unpacked, through the portable reference's row-by-row order. */
#include "kernels/optimized/f32_gemm_nn.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define MR 8
#define NR 12
_Static_assert(NR == F32_GEMM_NN_NR_NEON, "f32_gemm_nn.h states the strip width");
#define KC 256
#define MC 128 /* 16 strips of 8 */
#define NC 120 /* (MC + NC) * KC * 4 = 248 KiB */
_Static_assert(KC % 32 == 0, "f32_qlinear.inc packs int4 weights 32 k at a time from block starts");

#define TARGET
#define INLINE static inline __attribute__((always_inline))

INLINE void ukernel_mr(const int mr, int nr, int64_t kc, const float* restrict ap,
                       const float* restrict bp, float* restrict c, int64_t ldc, int first,
                       int last, const float* rbias, const float* cbias, float lo, float hi)
{
    float32x4_t acc[MR][3];
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);
    for (int64_t p = 0; p < kc; p++) {
        const float32x4_t b0 = vld1q_f32(bp + p * NR), b1 = vld1q_f32(bp + p * NR + 4);
        const float32x4_t b2 = vld1q_f32(bp + p * NR + 8);
        const float* ak = ap + p * MR;
        for (int i = 0; i < mr; i++) {
            acc[i][0] = vfmaq_n_f32(acc[i][0], b0, ak[i]);
            acc[i][1] = vfmaq_n_f32(acc[i][1], b1, ak[i]);
            acc[i][2] = vfmaq_n_f32(acc[i][2], b2, ak[i]);
        }
    }
    for (int i = 0; i < mr; i++) {
        float row[NR];
        vst1q_f32(row, acc[i][0]);
        vst1q_f32(row + 4, acc[i][1]);
        vst1q_f32(row + 8, acc[i][2]);
        float* ci = c + i * ldc;
        for (int j = 0; j < nr; j++) {
            float v = first ? row[j] : ci[j] + row[j];
            if (last) {
                v = v + (rbias ? rbias[i] : 0.0f) + (cbias ? cbias[j] : 0.0f);
                v = v < lo ? lo : (v > hi ? hi : v); /* NaN passes */
            }
            ci[j] = v;
        }
    }
}

static void ukernel(int mr, int nr, int64_t kc, const float* restrict ap,
                    const float* restrict bp, float* restrict c, int64_t ldc, int first,
                    int last, const float* rbias, const float* cbias, float lo, float hi)
{
#define UK(R) ukernel_mr(R, nr, kc, ap, bp, c, ldc, first, last, rbias, cbias, lo, hi)
    switch (mr) {
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

static void pack_b(float* restrict dst, const float* restrict b, int64_t ldb, int64_t kc,
                   int64_t nc)
{
    for (int64_t j0 = 0; j0 < nc; j0 += NR) {
        const int64_t n = nc - j0 < NR ? nc - j0 : NR;
        float* restrict d = dst + j0 * kc;
        for (int64_t p = 0; p < kc; p++)
            for (int64_t j = 0; j < NR; j++) d[p * NR + j] = j < n ? b[p * ldb + j0 + j] : 0.0f;
    }
}

static void pack_bt(float* restrict dst, const float* restrict bt, int64_t ldb, int64_t kc,
                    int64_t nc)
{
    for (int64_t j0 = 0; j0 < nc; j0 += NR) {
        const int64_t n = nc - j0 < NR ? nc - j0 : NR;
        float* restrict d = dst + j0 * kc;
        for (int64_t j = 0; j < NR; j++) {
            const float* restrict row = bt + (j0 + j) * ldb;
            if (j < n)
                for (int64_t p = 0; p < kc; p++) d[p * NR + j] = row[p];
            else
                for (int64_t p = 0; p < kc; p++) d[p * NR + j] = 0.0f;
        }
    }
}

#include "kernels/optimized/f32_gemm_nn_driver.h"

void f32_gemm_nn__neon(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                       const float* restrict b, int64_t ldb, int64_t m, int64_t n, int64_t k,
                       const f32_gemm_epilogue* ep)
{
    if (m > 4 || k <= 0) gemm_packed(c, ldc, a, lda, b, ldb, B_ROWS, NULL, 0, NULL, m, n, k, ep);
    else f32_gemm_nn__portable(c, ldc, a, lda, b, ldb, m, n, k, ep);
}

void f32_gemm_nn_bt__neon(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                          const float* restrict bt, int64_t ldb, int64_t m, int64_t n, int64_t k,
                          const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, a, lda, bt, ldb, B_TRANS, NULL, 0, NULL, m, n, k, ep);
}

void f32_gemm_nn_bp__neon(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                          const float* restrict bp, int64_t ldb, int64_t m, int64_t n,
                          int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, a, lda, bp, ldb, B_PACKED, NULL, 0, NULL, m, n, k, ep);
}

void f32_gemm_pack_b__neon(float* restrict dst, const float* restrict w, int64_t n, int64_t k)
{
    pack_bt(dst, w, k, k, n);
}

void f32_gemm_nn_src__neon(float* restrict c, int64_t ldc, const float* restrict a,
                        int64_t lda, const f32_gemm_b_source* src, int64_t m, int64_t n,
                        int64_t k, const f32_gemm_epilogue* ep)
{
    gemm_packed(c, ldc, a, lda, NULL, 0, B_ROWS, src, 0, NULL, m, n, k, ep);
}

#endif /* __aarch64__ */
