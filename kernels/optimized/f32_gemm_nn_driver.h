/* f32_gemm_nn_driver.h — the cache-blocked, packed driver that every optimized f32_gemm_nn
 * variant shares (internal; included once by each variant's .c file, never by a user).
 *
 * The includer defines, before including this file:
 *   TARGET, INLINE      function attributes (per-function target(...) on x86, nothing on NEON)
 *   MR, NR              the microkernel's tile: MR rows of c by NR columns
 *   KC, MC, NC          the cache blocks (below), MC a multiple of MR, NC of NR
 *   ukernel(mr, nr, kc, ap, bp, c, ldc, first, last, rbias, cbias, lo, hi)
 *                       c[i][j] for i < mr, j < nr from a packed A strip ap (kc x MR, p-major)
 *                       and a packed B strip bp (kc x NR, p-major): first: c = sum, else
 *                       c += sum; last: then add rbias[i] (if not NULL) and cbias[j] (if not
 *                       NULL) and clamp to [lo, hi] keeping NaN
 *   and optionally HAVE_UKERNEL_CT with
 *   pack_at(dst, at, lda, mc, kc)  a (mc, kc) block of a given transposed, a(i, p) = at[p * lda
 *                                  + i], into MR-row strips (zero past mc), and
 *   ukernel_ct(mr, nr, kc, ap, bp, c, ldc, first, last, cbias, lo, hi)
 *                       the same sums with c stored transposed, c(i, j) at c[j * ldc + i] (a
 *                       convolution's output planes: i a position, j an output channel)
 *   pack_b(dst, b, ldb, kc, nc)   a (kc, nc) block of row-major b into NR-wide strips
 *   pack_bt(dst, bt, ldb, kc, nc) the same block where b(p, j) = bt[j * ldb + p] (a linear
 *                                 layer's (N, K) weight, read in place); with kc = K and
 *                                 nc = N it writes the whole of b in the B_PACKED layout
 *   and optionally HAVE_PACK_A with pack_a(dst, a, lda, mc, kc) (below: the portable one)
 * Both packs zero the columns of the last strip past nc (nothing uninitialised is multiplied).
 *
 * Blocking (the usual Goto/BLIS scheme): N is cut into NC columns, K into KC-deep blocks, M into
 * MC rows. Each (KC, NC) block of b is packed once into NR-column strips, then each (MC, KC)
 * block of a into MR-row strips (each k step holds MR consecutive floats, the values the
 * microkernel broadcasts), and the microkernel runs over every (MR, NR) tile: a strip of b
 * (KC x NR) stays in L1 while the strips of a pass by from L2. Partial sums stay in c between K
 * blocks, and the (M, NC) columns of c being summed stay in L2 across them (K outside N made c
 * round-trip through L3 once per K block: measured slower); the price is packing a once per
 * column block. The epilogue (bias, clamp) runs in the microkernel on the last K block.
 *
 * b packed once (B_PACKED, f32_gemm_nn_bp: a linear layer's constant weight, packed at load):
 * the whole of b as ceil(N / NR) strips of K x NR floats, k-major (strip s holds columns
 * s*NR.., b(p, s*NR + j) at b[s * K * NR + p * NR + j], zero past N in the last strip), which
 * is what pack_bt writes for the block (K, N). The driver then packs nothing: for block (jc, pc)
 * it reads strip jr of the block at b + (jc + jr) * K + pc * NR (jc + jr is a multiple of NR),
 * and prefetches the next block's strips as it would the rows it packs. The tiles, blocks and
 * sums are the same as with B_TRANS, so both give the same bytes. A caller that starts at a
 * column j0 (a thread's share) passes b + j0 * K with j0 a multiple of NR.
 *
 * Scratch: the two packed blocks live on the stack of gemm_packed(), (MC + NC) * KC floats,
 * bounded by F32_GEMM_NN_SCRATCH_BYTES (checked at compile time): no malloc. The routine only
 * reads a, b, bias and writes c[0..m)[0..n) (with ldc), so a caller may split M or N into
 * ranges and run them on different threads, each with its own stack. */
#ifndef EMBER_F32_GEMM_NN_DRIVER_H
#define EMBER_F32_GEMM_NN_DRIVER_H

#include <math.h>
#include <stddef.h>

#include "kernels/optimized/f32_gemm_nn.h"

/* How gemm_packed is given b. */
enum {
    B_ROWS = 0,   /* (K, N) row-major, ldb >= N */
    B_TRANS = 1,  /* as its transpose bt (N, K) row-major, ldb >= K */
    B_PACKED = 2, /* packed once in NR-wide strips of K x NR (above), ldb = K */
};

/* A K block of at most SHALLOW_K (a whole shallow product: MobileNet's pointwise convolutions,
 * K = 16..96 over thousands of columns) runs the tiles rows outer, columns inner, so c is
 * written along its rows instead of MR rows far apart at a time: with so few k steps per tile
 * the stores dominate (measured 15 -> 35 GFMA/s for 96x16x12544 here; deeper products
 * unchanged). The sums are the same either way. */
#define SHALLOW_K 96

_Static_assert((MC + NC) * KC * 4 <= F32_GEMM_NN_SCRATCH_BYTES, "packed blocks exceed the bound");
_Static_assert(MC % MR == 0 && NC % NR == 0, "blocks must hold whole tiles");

/* (mc, kc) block of a into ceil(mc / MR) strips of kc x MR floats; rows of the last strip past
 * mc are zero. A variant may bring its own (defining HAVE_PACK_A). */
#ifndef HAVE_PACK_A
TARGET static void pack_a(float* restrict dst, const float* restrict a, int64_t lda, int64_t mc,
                          int64_t kc)
{
    for (int64_t i0 = 0; i0 < mc; i0 += MR) {
        const int64_t mr = mc - i0 < MR ? mc - i0 : MR;
        float* restrict d = dst + i0 * kc;
        if (mr == MR) {
            for (int64_t p = 0; p < kc; p++)
                for (int i = 0; i < MR; i++) d[p * MR + i] = a[(i0 + i) * lda + p];
        } else {
            for (int64_t p = 0; p < kc; p++)
                for (int64_t i = 0; i < MR; i++) d[p * MR + i] = i < mr ? a[(i0 + i) * lda + p] : 0.0f;
        }
    }
}
#endif

/* The source of the next block of b to pack (rows of the memory it sits in, each `len` floats
 * at `ld`), walked one cache line at a time by prefetch_some() while the current block is
 * multiplied: b streams from memory into L2 under the arithmetic instead of stalling the next
 * pack (the hardware prefetchers do not follow a panel's many short rows). */
typedef struct prefetch_cursor {
    const float* base;
    int64_t ld, rows, len; /* rows x len floats, row stride ld */
    int64_t row, off;      /* next line: base + row * ld + off */
} prefetch_cursor;

static inline void prefetch_some(prefetch_cursor* pc, int count)
{
    for (int i = 0; i < count && pc->row < pc->rows; i++) {
        __builtin_prefetch(pc->base + pc->row * pc->ld + pc->off, 0, 2); /* to L2 */
        pc->off += 16;
        if (pc->off >= pc->len) pc->off = 0, pc->row++;
    }
}

/* k == 0: every output is the epilogue of an empty sum; c(i, j) at c[i * rs + j * cs]. */
static void fill_epilogue(float* restrict c, int64_t rs, int64_t cs, int64_t m, int64_t n,
                          const f32_gemm_epilogue* ep)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            const float v = ep->bias ? ep->bias[ep->bias_per_row ? i : j] : 0.0f;
            c[i * rs + j * cs] = v < ep->lo ? ep->lo : (v > ep->hi ? ep->hi : v);
        }
}

#ifdef HAVE_UKERNEL_CT
/* f32_gemm_ct (see gemm_packed): c stored transposed, a given transposed (at) or from asrc,
 * b given transposed (bt). The loops run M blocks outer, then K blocks, then N blocks, so each
 * (MC, KC) block of a is packed once (an implicit GEMM's a is the im2col gather, the costly
 * pack; a convolution's M = H_out*W_out is often a single block), and the weight block is
 * packed again per MC rows (a transpose, repaid by MC rows of products). Partial sums stay in
 * c between K blocks ((MC, N) of c: a layer's output block, in L2); each output is the same
 * sum in the same order as in any other split of M or N. The tiles run columns outer, so
 * consecutive tiles write along c's memory. */
TARGET static void gemm_packed_ct(float* restrict c, int64_t ldc, const float* restrict at,
                                  int64_t lda, const f32_gemm_b_source* asrc,
                                  const float* restrict bt, int64_t ldb, int bform, int64_t m,
                                  int64_t n, int64_t k, const f32_gemm_epilogue* ep)
{
    _Alignas(64) float apack[MC * KC];
    _Alignas(64) float bpack[KC * NC];
    const float* cbias = ep->bias ? ep->bias : NULL;
    for (int64_t ic = 0; ic < m; ic += MC) {
        const int64_t mc = m - ic < MC ? m - ic : MC;
        for (int64_t pc = 0; pc < k; pc += KC) {
            const int64_t kc = k - pc < KC ? k - pc : KC;
            const int first = pc == 0, last = pc + kc == k;
            if (asrc) asrc->pack(apack, asrc->ctx, pc, kc, ic, mc, MR);
            else pack_at(apack, at + pc * lda + ic, lda, mc, kc);
            for (int64_t jc = 0; jc < n; jc += NC) {
                const int64_t nc = n - jc < NC ? n - jc : NC;
                /* the block's strips: strip jr / NR at bs + jr * bld */
                const float* bs = bpack;
                int64_t bld = kc;
                if (bform == B_PACKED) bs = bt + jc * ldb + pc * NR, bld = ldb;
                else pack_bt(bpack, bt + jc * ldb + pc, ldb, kc, nc);
                /* the next weight block: N blocks first, then K, then the next M block */
                int64_t jn = jc + nc, pn = pc;
                if (jn >= n) jn = 0, pn = last ? 0 : pc + kc;
                const int64_t kn = k - pn < KC ? k - pn : KC, nn = n - jn < NC ? n - jn : NC;
                prefetch_cursor cur = {bt + jn * ldb + pn, ldb, nn, kn, 0, 0};
                if (bform == B_PACKED) /* its strips: kn x NR floats each, K x NR apart */
                    cur = (prefetch_cursor){bt + jn * ldb + pn * NR, ldb * NR, (nn + NR - 1) / NR,
                                            kn * NR, 0, 0};
                if (last && jc + nc >= n && ic + mc >= m) cur.rows = 0;
                const int64_t lines = cur.rows * ((cur.len + 15) / 16);
                const int64_t calls = ((nc + NR - 1) / NR) * ((mc + MR - 1) / MR);
                const int per_call = (int)(lines / calls + 1);
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    const int nr = (int)(nc - jr < NR ? nc - jr : NR);
                    const float* cb = cbias ? cbias + jc + jr : NULL;
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        const int mr = (int)(mc - ir < MR ? mc - ir : MR);
                        prefetch_some(&cur, per_call);
                        ukernel_ct(mr, nr, kc, apack + ir * kc, bs + jr * bld,
                                   c + (jc + jr) * ldc + ic + ir, ldc, first, last, cb, ep->lo,
                                   ep->hi);
                    }
                }
            }
        }
    }
}
#endif

/* c = clamp(a @ b + bias), b given as bform says: (K, N) row-major (B_ROWS), as its transpose
 * (N, K) (B_TRANS), ldb the leading dimension of whichever is given, or packed once (B_PACKED,
 * ldb = K, the layout above). With src (not NULL), b is not in memory:
 * src->pack writes each (KC, NC) block straight into NR-wide strips (b and ldb unused). With
 * ct (f32_gemm_ct), c is stored transposed (ldc: the distance between two of its columns) and
 * a is given transposed (a(i, p) = a[p * lda + i]) or, with asrc not NULL, not in memory:
 * asrc->pack writes each (MC, KC) block into MR-wide strips (a and lda unused); the tiles then
 * run columns outer, so consecutive tiles write along c's memory. */
TARGET static void gemm_packed(float* restrict c, int64_t ldc, const float* restrict a,
                               int64_t lda, const float* restrict b, int64_t ldb, int bform,
                               const f32_gemm_b_source* src, int ct,
                               const f32_gemm_b_source* asrc, int64_t m, int64_t n, int64_t k,
                               const f32_gemm_epilogue* ep)
{
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        fill_epilogue(c, ct ? 1 : ldc, ct ? ldc : 1, m, n, ep);
        return;
    }
#ifdef HAVE_UKERNEL_CT
    if (ct) {
        gemm_packed_ct(c, ldc, a, lda, asrc, b, ldb, bform, m, n, k, ep);
        return;
    }
#endif
    _Alignas(64) float apack[MC * KC];
    _Alignas(64) float bpack[KC * NC];
    const float* rbias = ep->bias && ep->bias_per_row ? ep->bias : NULL;
    const float* cbias = ep->bias && !ep->bias_per_row ? ep->bias : NULL;
    for (int64_t jc = 0; jc < n; jc += NC) {
        const int64_t nc = n - jc < NC ? n - jc : NC;
        for (int64_t pc = 0; pc < k; pc += KC) {
            const int64_t kc = k - pc < KC ? k - pc : KC;
            const int first = pc == 0, last = pc + kc == k;
            /* the block's strips: strip jr / NR at bs + jr * bld */
            const float* bs = bpack;
            int64_t bld = kc;
            if (bform == B_PACKED) bs = b + jc * ldb + pc * NR, bld = ldb;
            else if (src) src->pack(bpack, src->ctx, pc, kc, jc, nc, NR);
            else if (bform == B_TRANS) pack_bt(bpack, b + jc * ldb + pc, ldb, kc, nc);
            else pack_b(bpack, b + pc * ldb + jc, ldb, kc, nc);
            /* the next block: K steps first, then N */
            const int64_t pn = last ? 0 : pc + kc, jn = last ? jc + nc : jc;
            const int64_t kn = k - pn < KC ? k - pn : KC, nn = n - jn < NC ? n - jn : NC;
            prefetch_cursor cur = {b, ldb, 0, 0, 0, 0};
            if (jn < n && !src) {
                if (bform == B_PACKED) /* its strips: kn x NR floats each, K x NR apart */
                    cur = (prefetch_cursor){b + jn * ldb + pn * NR, ldb * NR, (nn + NR - 1) / NR,
                                            kn * NR, 0, 0};
                else if (bform == B_TRANS)
                    cur.base = b + jn * ldb + pn, cur.rows = nn, cur.len = kn;
                else
                    cur.base = b + pn * ldb + jn, cur.rows = kn, cur.len = nn;
            }
            const int64_t lines = cur.rows * ((cur.len + 15) / 16);
            const int64_t calls = ((nc + NR - 1) / NR) * ((m + MR - 1) / MR);
            const int per_call = (int)(lines / calls + 1);
            for (int64_t ic = 0; ic < m; ic += MC) {
                const int64_t mc = m - ic < MC ? m - ic : MC;
                pack_a(apack, a + ic * lda + pc, lda, mc, kc);
                if (kc <= SHALLOW_K) { /* rows outer: c is written along its rows */
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        const int mr = (int)(mc - ir < MR ? mc - ir : MR);
                        const float* rb = rbias ? rbias + ic + ir : NULL;
                        for (int64_t jr = 0; jr < nc; jr += NR) {
                            const int nr = (int)(nc - jr < NR ? nc - jr : NR);
                            const float* cb = cbias ? cbias + jc + jr : NULL;
                            prefetch_some(&cur, per_call);
                            ukernel(mr, nr, kc, apack + ir * kc, bs + jr * bld,
                                    c + (ic + ir) * ldc + jc + jr, ldc, first, last, rb, cb,
                                    ep->lo, ep->hi);
                        }
                    }
                    continue;
                }
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    const int nr = (int)(nc - jr < NR ? nc - jr : NR);
                    const float* cb = cbias ? cbias + jc + jr : NULL;
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        const int mr = (int)(mc - ir < MR ? mc - ir : MR);
                        const float* rb = rbias ? rbias + ic + ir : NULL;
                        prefetch_some(&cur, per_call);
                        ukernel(mr, nr, kc, apack + ir * kc, bs + jr * bld,
                                c + (ic + ir) * ldc + jc + jr, ldc, first, last, rb, cb, ep->lo,
                                ep->hi);
                    }
                }
            }
        }
    }
}

#endif /* EMBER_F32_GEMM_NN_DRIVER_H */
