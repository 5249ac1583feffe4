/* f32_qlinear__neon.c — fp32 activations times int8 / int4 weights for aarch64 NEON (baseline
 * there; see f32_qlinear.h): the x86 template f32_qlinear.inc over f32_simd_neon.h (VN = 4),
 * with its own matrix-vector loops, so the two paths are the x86 ones:
 *   - up to F32_QLINEAR_MV_ROWS_INT8 / _INT4 rows (decoding): each weight row streamed once,
 *     NG rows at a time against passes of up to 4 rows of a, one float32x4 accumulator per
 *     output (fmla), summed across lanes at the end (mv8__neon / mv4__neon below: the
 *     template's sums, unrolled for NEON);
 *   - more rows (prefill): the fp32 NEON GEMM core, f32_gemm_nn_src__neon (8x12 tiles,
 *     f32_gemm_nn__neon.c), with the weight dequantized block by block into its 12-column
 *     strips by the template's packs (4x4 transposes, q8_load / q4_unpack below).
 * int8 weights: 8 bytes per load (4 in the packs), widened (sxtl, sxtl / sxtl2) and converted
 * (scvtf). int4 weights: the low nibbles (and) and the high ones (ushr) less 8 as int8,
 * widened, converted and multiplied by the group's scale (q * scale, rounded once, as on
 * x86). x is split into even and odd k by ld2. Neither the rows per group (NG8 / NG4) nor the
 * matrix-vector / GEMM cut-over rows (f32_qlinear.h's, measured on Zen 4) are measured on an
 * Arm core: tested under qemu-aarch64 only. */
#include "kernels/optimized/f32_qlinear.h"

#if defined(__aarch64__)
#include <string.h>

#include "kernels/optimized/f32_simd_neon.h"

/* Weight rows per group of the matrix-vector path, for passes of 1..4 rows of a: the mr * NG
 * accumulators, 2 mr (int8) or 4 mr (int4) vectors of x, NG scales (int4) and the unpacked
 * weights in 32 q registers (one row of a takes 4, as AVX-512 measured best on Zen 4). */
#define NG8(mr) ((mr) == 2 ? 8 : 4)
#define NG4(mr) ((mr) <= 2 ? 4 : 2)

/* The 4 bytes at p in the low (and, repeated, high) half of a d register. */
INLINE uint8x8_t q_bytes4(const void* p)
{
    uint32_t u;
    memcpy(&u, p, sizeof u);
    return vreinterpret_u8_u32(vdup_n_u32(u));
}

INLINE vf q8_load(const int8_t* p)
{
    const int16x8_t h = vmovl_s8(vreinterpret_s8_u8(q_bytes4(p)));
    return vcvtq_f32_s32(vmovl_s16(vget_low_s16(h)));
}

INLINE vf q4_scale(float s) { return vset1(s); }

INLINE void q4_unpack(const uint8_t* p, vf scale, vf* even, vf* odd)
{
    const uint8x8_t b = q_bytes4(p);
    /* lanes 0-3: the low nibbles of bytes 0-3, lanes 4-7: their high nibbles */
    const uint8x8_t n = vext_u8(vand_u8(b, vdup_n_u8(15)), vshr_n_u8(b, 4), 4);
    const int16x8_t q = vmovl_s8(vsub_s8(vreinterpret_s8_u8(n), vdup_n_s8(8)));
    *even = vmul(vcvtq_f32_s32(vmovl_s16(vget_low_s16(q))), scale);
    *odd = vmul(vcvtq_f32_s32(vmovl_high_s16(q)), scale);
}

INLINE void x_deinterleave(const float* x, vf* even, vf* odd)
{
    const float32x4x2_t t = vld2q_f32(x);
    *even = t.val[0];
    *odd = t.val[1];
}

/* ---- the matrix-vector path, NEON's own (QL_OWN_MV) ------------------------------------- */

/* The template's FN(mv8) / FN(mv4) with the same sums (each output lane the same FMA chain, in
 * k order), unrolled for NEON: int8 8 k per step (one 8-byte load per weight row, widened to
 * two vectors), int4 16 k per step (8 bytes per row: lane l adds k = 2l, 2l + 1, 2l + 8,
 * 2l + 9 of the step in that order, the template's two 8-k steps), and at most one prefetch
 * per step (a step covers at most 64 bytes of a group). The template's own loops, compiled
 * here (GCC 12), kept a copy of the accumulators on the stack, stored every step, and ran a
 * prefetch loop per step; these unroll the loops over rows by pragma, so the accumulators stay
 * in registers (about 2.3 times fewer instructions for one row of int8 under qemu). */
#define QL_OWN_MV 1
#define UNROLL _Pragma("GCC unroll 8")

/* The first n <= 4 int8 weights at p, the others 0; nothing past p + n is read. */
INLINE vf q8_loadn(const int8_t* p, int n)
{
    int32_t t[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) t[i] = p[i];
    return vcvtq_f32_s32(vld1q_s32(t));
}

/* The line of the next group that starts in [lo, hi) bytes of it (hi - lo <= 64: one at
 * most), if any and below pf_bytes. */
INLINE void ql_prefetch_line(const char* pf, int64_t pf_bytes, int64_t lo, int64_t hi)
{
    const int64_t o = (lo + 63) & ~(int64_t)63;
    if (o < hi && o < pf_bytes) __builtin_prefetch(pf + o, 0, 3);
}

/* s[j] = the lane sum of v[j], j < n (a constant after inlining), vhsum4's order throughout. */
INLINE void ql_lane_sums(float* s, const vf* v, const int n)
{
    int j = 0;
    UNROLL for (; j + 4 <= n; j += 4) vhsum4(s + j, v[j], v[j + 1], v[j + 2], v[j + 3]);
    UNROLL for (; j < n; j++) s[j] = vhsum(v[j]);
}

INLINE void mv8__neon(const int mr, const int ng, float* restrict c, int64_t ldc,
                      const float* restrict a, const int8_t* restrict w, int64_t k, int nr,
                      const float* scale, const float* bias, const char* pf, int64_t pf_bytes)
{
    const int8_t* wr[8];
    UNROLL for (int j = 0; j < ng; j++) wr[j] = w + (j < nr ? j : nr - 1) * k;
    vf acc[4][8];
    UNROLL for (int i = 0; i < mr; i++)
        UNROLL for (int j = 0; j < ng; j++) acc[i][j] = vzero();
    int64_t p = 0;
    for (; p + 8 <= k; p += 8) { /* ng * 8 <= 64 bytes of the group per step */
        vf x0[4], x1[4];
        UNROLL for (int i = 0; i < mr; i++) {
            x0[i] = vload(a + i * k + p);
            x1[i] = vload(a + i * k + p + 4);
        }
        ql_prefetch_line(pf, pf_bytes, p * ng, (p + 8) * ng);
        UNROLL for (int j = 0; j < ng; j++) {
            const int16x8_t h = vmovl_s8(vld1_s8(wr[j] + p));
            const vf w0 = vcvtq_f32_s32(vmovl_s16(vget_low_s16(h)));
            const vf w1 = vcvtq_f32_s32(vmovl_high_s16(h));
            UNROLL for (int i = 0; i < mr; i++)
                acc[i][j] = vfma(x1[i], w1, vfma(x0[i], w0, acc[i][j]));
        }
    }
    for (; p < k; p += 4) { /* the K tail: 4, then fewer, nothing past a row read */
        const int t = k - p < 4 ? (int)(k - p) : 4;
        vf x[4];
        UNROLL for (int i = 0; i < mr; i++) x[i] = vloadn(a + i * k + p, t);
        UNROLL for (int j = 0; j < ng; j++) {
            const vf wv = q8_loadn(wr[j] + p, t);
            UNROLL for (int i = 0; i < mr; i++) acc[i][j] = vfma(x[i], wv, acc[i][j]);
        }
    }
    UNROLL for (int i = 0; i < mr; i++) {
        float s[8] = {0};
        ql_lane_sums(s, acc[i], ng);
        for (int j = 0; j < nr; j++)
            c[i * ldc + j] = bias ? s[j] * scale[j] + bias[j] : s[j] * scale[j];
    }
}

INLINE void mv4__neon(const int mr, const int ng, float* restrict c, int64_t ldc,
                      const float* restrict a, const uint8_t* restrict w, int64_t k,
                      int64_t group, int nr, const float* scales, const float* bias,
                      const char* pf, int64_t pf_bytes)
{
    const int64_t kb = k / 2, groups = k / group;
    const uint8_t* wr[8];
    const float* sr[8];
    UNROLL for (int j = 0; j < ng; j++) {
        const int r = j < nr ? j : nr - 1;
        wr[j] = w + r * kb;
        sr[j] = scales + r * groups;
    }
    vf acc[4][8];
    UNROLL for (int i = 0; i < mr; i++)
        UNROLL for (int j = 0; j < ng; j++) acc[i][j] = vzero();
    const uint8x8_t low4 = vdup_n_u8(15);
    const int8x8_t eight = vdup_n_s8(8);
    for (int64_t g = 0; g < groups; g++) {
        vf sc[8];
        UNROLL for (int j = 0; j < ng; j++) sc[j] = vset1(sr[j][g]);
        /* 16 k (8 bytes of a row) per step: groups are multiples of 32; ng * 8 <= 64 bytes */
        for (int64_t b = g * group / 2; b < (g + 1) * group / 2; b += 8) {
            vf xe0[4], xo0[4], xe1[4], xo1[4];
            UNROLL for (int i = 0; i < mr; i++) {
                x_deinterleave(a + i * k + 2 * b, &xe0[i], &xo0[i]);
                x_deinterleave(a + i * k + 2 * b + 8, &xe1[i], &xo1[i]);
            }
            ql_prefetch_line(pf, pf_bytes, b * ng, (b + 8) * ng);
            UNROLL for (int j = 0; j < ng; j++) {
                const uint8x8_t q = vld1_u8(wr[j] + b);
                const int16x8_t lo = vmovl_s8(vsub_s8(vreinterpret_s8_u8(vand_u8(q, low4)), eight));
                const int16x8_t hi = vmovl_s8(vsub_s8(vreinterpret_s8_u8(vshr_n_u8(q, 4)), eight));
                const vf we0 = vmul(vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), sc[j]);
                const vf wo0 = vmul(vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), sc[j]);
                const vf we1 = vmul(vcvtq_f32_s32(vmovl_high_s16(lo)), sc[j]);
                const vf wo1 = vmul(vcvtq_f32_s32(vmovl_high_s16(hi)), sc[j]);
                UNROLL for (int i = 0; i < mr; i++) {
                    vf s = vfma(xe0[i], we0, acc[i][j]);
                    s = vfma(xo0[i], wo0, s);
                    s = vfma(xe1[i], we1, s);
                    acc[i][j] = vfma(xo1[i], wo1, s);
                }
            }
        }
    }
    UNROLL for (int i = 0; i < mr; i++) {
        float s[8] = {0};
        ql_lane_sums(s, acc[i], ng);
        for (int j = 0; j < nr; j++) c[i * ldc + j] = bias ? s[j] + bias[j] : s[j];
    }
}

#include "kernels/optimized/f32_qlinear.inc"
#endif /* __aarch64__ */
