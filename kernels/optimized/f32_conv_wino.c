/* f32_conv_wino.c — what the Winograd variants share (f32_conv_wino.h): which shapes take it,
 * the variant for the CPU, and the weight transform U = G w G^T into MR-row strips. */
#include "kernels/optimized/f32_conv_wino.h"

#include "kernels/kernel.h" /* EMBER_FEATURES_X86_* */

/* Where Winograd pays: bench/conv_wino.c --sweep (Zen 4, one thread, the machine shared; GEMM
 * ms / Winograd ms against the implicit-GEMM path, AVX-512 | AVX2): Ci 3 -> Co 64 at 56x56
 * x0.89 | x0.79, Ci 4 x1.00 | x1.07, Ci 6 x1.24 | x1.34, Ci = Co = 8 x2.1 | x2.0; Ci 64 -> Co 4
 * x3.2 | x3.0; maps of 2x2 to 56x56 at 16..512 channels x1.8 .. x3.7, except 512 channels at
 * 3x3 (x1.00: 4 tiles, the 16 MiB transformed weight read for 4 outputs per channel). The
 * input transform costs O(Ci) per tile and the GEMMs O(Ci Co), so the input channels decide
 * (WINO_MIN_CI, with a margin for the noise). */
#define WINO_MIN_CI 8
#define WINO_MIN_CO 4

bool f32_conv2d_wino_fits(const f32_conv2d_shape* s)
{
    return s->kh == 3 && s->kw == 3 && s->sh == 1 && s->sw == 1 && s->dh == 1 && s->dw == 1 &&
           s->groups == 1 && s->ph >= 0 && s->ph <= 2 && s->pw >= 0 && s->pw <= 2 &&
           s->ho == s->h + 2 * s->ph - 2 && s->wo == s->w + 2 * s->pw - 2 && s->ho >= 1 &&
           s->wo >= 1 && s->n >= 1 && s->ci >= WINO_MIN_CI && s->co >= WINO_MIN_CO;
}

#if EMBER_HAVE_X86_KERNELS
bool f32_conv_wino_pick(uint64_t features, f32_conv_wino* out)
{
    if ((features & EMBER_FEATURES_X86_AVX512) == EMBER_FEATURES_X86_AVX512) {
        *out = (f32_conv_wino){f32_conv_wino_packed_bytes__avx512, f32_conv_wino_pack__avx512,
                               f32_conv_wino_run__avx512};
        return true;
    }
    if ((features & EMBER_FEATURES_X86_AVX2) == EMBER_FEATURES_X86_AVX2) {
        *out = (f32_conv_wino){f32_conv_wino_packed_bytes__avx2, f32_conv_wino_pack__avx2,
                               f32_conv_wino_run__avx2};
        return true;
    }
    return false;
}

/* 0 when the size does not fit in a size_t. */
size_t f32_conv_wino_packed_bytes_mr(const f32_conv2d_shape* s, int mr)
{
    const size_t rows = ((size_t)s->co + (size_t)mr - 1) / (size_t)mr * (size_t)mr;
    size_t n;
    if (__builtin_mul_overflow(rows, (size_t)s->ci, &n) ||
        __builtin_mul_overflow(n, (size_t)16 * sizeof(float), &n))
        return 0;
    return n;
}

/* U = G g G^T in double (each entry is a sum of at most 9 halves and quarters of g, rounded
 * once to float). */
void f32_conv_wino_pack_mr(float* restrict dst, const float* restrict w,
                           const f32_conv2d_shape* s, int mr, int64_t kc)
{
    const int64_t ci = s->ci, strips = (s->co + mr - 1) / mr;
    for (int64_t o = 0; o < strips * mr; o++) {
        const int64_t st = o / mr, i = o % mr;
        for (int64_t c = 0; c < ci; c++) {
            double u[4][4] = {{0}};
            if (o < s->co) {
                const float* g = w + (o * ci + c) * 9;
                double t[4][3]; /* G g */
                for (int k = 0; k < 3; k++) {
                    const double g0 = g[k], g1 = g[3 + k], g2 = g[6 + k];
                    t[0][k] = g0;
                    t[1][k] = 0.5 * (g0 + g1 + g2);
                    t[2][k] = 0.5 * (g0 - g1 + g2);
                    t[3][k] = g2;
                }
                for (int r = 0; r < 4; r++) { /* (G g) G^T */
                    u[r][0] = t[r][0];
                    u[r][1] = 0.5 * (t[r][0] + t[r][1] + t[r][2]);
                    u[r][2] = 0.5 * (t[r][0] - t[r][1] + t[r][2]);
                    u[r][3] = t[r][2];
                }
            }
            const int64_t k0 = c / kc * kc, kn = ci - k0 < kc ? ci - k0 : kc;
            float* blk = dst + k0 * 16 * strips * mr; /* the block of input channels k0.. */
            for (int xi = 0; xi < 16; xi++)
                blk[((xi * strips + st) * kn + c - k0) * mr + i] = (float)u[xi / 4][xi % 4];
        }
    }
}
#endif /* EMBER_HAVE_X86_KERNELS */
