/* f32_gemm_nn.h — the fp32 "a times b" GEMM every matrix-shaped kernel shares (internal):
 *   c: (M, N) = clamp(a: (M, K) @ b: (K, N) + bias, lo, hi)
 * all row-major with leading dimensions (lda >= K, ldb >= N, ldc >= N), so a caller can hand it
 * a block of a larger matrix (a threadpool splits rows or columns; bmm walks its batch). Users:
 * aten::mm / bmm / addmm (b as stored), aten::linear with a weight laid out (K, N), and
 * convolution (a = weight (C_out, C_in*kh*kw), b = the input or its im2col columns, bias per
 * row: one per output channel).
 *
 * The epilogue is fused into the output pass: bias per row (bias[i]) or per column (bias[j]),
 * then a clamp (relu = [0, inf], relu6 = [0, 6], none = [-inf, inf]). The clamp keeps NaN (a NaN
 * sum stays NaN, as torch's relu does). c must not overlap a, b or bias. Every variant computes
 * the same sums; only the order of the additions (and so the last bits) differs.
 *
 * f32_gemm_nn__portable (f32_gemm_nn.c) is the reference, for any CPU; f32_gemm_nn_pick returns
 * the fastest variant the given CPU features allow (ember_kernel_cpu_features(), asked once in
 * a prepare). Optimized variants keep this exact signature and contract. */
#ifndef EMBER_F32_GEMM_NN_H
#define EMBER_F32_GEMM_NN_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

typedef struct f32_gemm_epilogue {
    const float* bias; /* NULL: no bias */
    int bias_per_row;  /* 1: bias[i] (length M), 0: bias[j] (length N) */
    float lo, hi;      /* each output is clamped to [lo, hi]; -INFINITY, INFINITY for none */
} f32_gemm_epilogue;

typedef void (*f32_gemm_nn_fn)(float* restrict c, int64_t ldc, const float* restrict a,
                               int64_t lda, const float* restrict b, int64_t ldb, int64_t m,
                               int64_t n, int64_t k, const f32_gemm_epilogue* ep);

void f32_gemm_nn__portable(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                           const float* restrict b, int64_t ldb, int64_t m, int64_t n, int64_t k,
                           const f32_gemm_epilogue* ep);

/* A b that is not in memory but produced block by block (convolution's im2col columns: an
 * implicit GEMM): pack(dst, ctx, p0, kc, j0, nc, nr) writes b's rows p0..p0+kc-1, columns
 * j0..j0+nc-1 into ceil(nc / nr) strips of kc x nr floats, strip s holding columns
 * j0 + s*nr.., p-major (dst[(s * kc + p) * nr + j]), zero past nc in the last strip. The
 * f32_gemm_nn_src__<isa> variants call it once per (KC, NC) block with their own NR, so no
 * unfolded copy of b ever exists; the portable one with nr = 64. */
typedef struct f32_gemm_b_source {
    void (*pack)(float* restrict dst, const void* ctx, int64_t p0, int64_t kc, int64_t j0,
                 int64_t nc, int nr);
    const void* ctx;
} f32_gemm_b_source;

typedef void (*f32_gemm_nn_src_fn)(float* restrict c, int64_t ldc, const float* restrict a,
                                   int64_t lda, const f32_gemm_b_source* src, int64_t m,
                                   int64_t n, int64_t k, const f32_gemm_epilogue* ep);

void f32_gemm_nn_src__portable(float* restrict c, int64_t ldc, const float* restrict a,
                               int64_t lda, const f32_gemm_b_source* src, int64_t m, int64_t n,
                               int64_t k, const f32_gemm_epilogue* ep);

/* The product with both sides swapped, for convolution (f32_conv.c): c (M, N) stored
 * transposed, c(i, j) at c[j * ldc + i] (ldc >= M); a (M, K) given transposed, a(i, p) =
 * at[p * lda + i] (lda >= M), or when asrc is not NULL from a source, asrc->pack writing its
 * rows i0..i0+mc-1 as strips of kc x mr floats (the same contract as a b source, with a's rows
 * in place of b's columns; at and lda unused); b given transposed as bt (N, K), ldb >= K.
 * ep->bias is per column (bias_per_row must be 0). With M = output positions, N = output
 * channels and K = Ci/g*Kh*Kw, a is the transposed im2col columns and bt the weight as stored,
 * and c lands in the output's (Co, Ho*Wo) planes: the vector lanes run along the output
 * channels (a multiple of 16 or 32 in most networks) and the broadcasts along the positions,
 * however few (7x7 = 49). x86 only (f32_gemm_ct__avx512: 12x32 tiles, __avx2: 6x16). */
typedef void (*f32_gemm_ct_fn)(float* restrict c, int64_t ldc, const float* restrict at,
                               int64_t lda, const f32_gemm_b_source* asrc,
                               const float* restrict bt, int64_t ldb, int64_t m, int64_t n,
                               int64_t k, const f32_gemm_epilogue* ep);

/* b given transposed (below): the reference, dot products along K. */
void f32_gemm_nn_bt__portable(float* restrict c, int64_t ldc, const float* restrict a,
                              int64_t lda, const float* restrict bt, int64_t ldb, int64_t m,
                              int64_t n, int64_t k, const f32_gemm_epilogue* ep);

/* The optimized variants (f32_gemm_nn__<isa>.c; see f32_gemm_nn_driver.h for the blocking):
 *   f32_gemm_nn__avx512  AVX512F + AVX512VL + AVX512DQ + FMA, 12x32 tiles (f32_gemm_nn.inc)
 *   f32_gemm_nn__avx2    AVX2 + FMA, 6x16 tiles (the same template)
 *   f32_gemm_nn__neon    aarch64 (NEON is baseline there), 8x12 tiles
 * Each packs blocks of a and b into at most F32_GEMM_NN_SCRATCH_BYTES of stack per call (no
 * malloc; a thread that calls it needs that much stack beyond its own), except with very few
 * rows (m <= 4), where b is read unpacked (once, on x86).
 *
 * f32_gemm_nn_bt__<isa> is the same product with b given transposed: b(p, j) = bt[j * ldb + p],
 * i.e. bt is (N, K) row-major with leading dimension ldb >= K, as a linear layer's weight is
 * stored; it always packs (aten::linear keeps its own path for few rows, f32_gemm_nt.h). */
#define F32_GEMM_NN_SCRATCH_BYTES (256 * 1024)

/* b packed once (a linear layer's constant weight, packed at load into the caller's memory,
 * kernels/kernel.h): f32_gemm_pack_b__<isa>(dst, w, n, k) writes the weight w (N, K) row-major
 * (b = w^T) as ceil(N / NR) strips of K x NR floats, k-major: b(p, s*NR + j) = w[s*NR + j][p] at
 * dst[s * K * NR + p * NR + j], zero past N in the last strip; f32_gemm_packed_b_bytes(n, k,
 * NR) bytes (the weight's size with N rounded up to NR). f32_gemm_nn_bp__<isa> then is
 * f32_gemm_nn_bt__<isa> with that copy as b, given as bp = dst + j0 * K for output columns from
 * j0 on (j0 a multiple of NR: a thread's share of the columns) and ldb = K: it packs no block of
 * b per call and gives the same bytes as the _bt variant (the same tiles, blocks and sums). NR is
 * the variant's strip width below; the pack and the product must be of the same variant. */
#define F32_GEMM_NN_NR_AVX512 32
#define F32_GEMM_NN_NR_AVX2 16
#define F32_GEMM_NN_NR_NEON 12

/* The bytes of a packed (N, K) weight in strips of nr columns; 0 if N or K is not positive or
 * the size overflows size_t. */
size_t f32_gemm_packed_b_bytes(int64_t n, int64_t k, int nr);

#if EMBER_HAVE_X86_KERNELS
void f32_gemm_nn__avx2(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                       const float* restrict b, int64_t ldb, int64_t m, int64_t n, int64_t k,
                       const f32_gemm_epilogue* ep);
void f32_gemm_nn__avx512(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                         const float* restrict b, int64_t ldb, int64_t m, int64_t n, int64_t k,
                         const f32_gemm_epilogue* ep);
void f32_gemm_nn_bt__avx2(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                          const float* restrict bt, int64_t ldb, int64_t m, int64_t n, int64_t k,
                          const f32_gemm_epilogue* ep);
void f32_gemm_nn_bt__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                            int64_t lda, const float* restrict bt, int64_t ldb, int64_t m,
                            int64_t n, int64_t k, const f32_gemm_epilogue* ep);
void f32_gemm_nn_bp__avx2(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                          const float* restrict bp, int64_t ldb, int64_t m, int64_t n, int64_t k,
                          const f32_gemm_epilogue* ep);
void f32_gemm_nn_bp__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                            int64_t lda, const float* restrict bp, int64_t ldb, int64_t m,
                            int64_t n, int64_t k, const f32_gemm_epilogue* ep);
void f32_gemm_pack_b__avx2(float* restrict dst, const float* restrict w, int64_t n, int64_t k);
void f32_gemm_pack_b__avx512(float* restrict dst, const float* restrict w, int64_t n, int64_t k);
void f32_gemm_nn_src__avx2(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                           const f32_gemm_b_source* src, int64_t m, int64_t n, int64_t k,
                           const f32_gemm_epilogue* ep);
void f32_gemm_nn_src__avx512(float* restrict c, int64_t ldc, const float* restrict a,
                             int64_t lda, const f32_gemm_b_source* src, int64_t m, int64_t n,
                             int64_t k, const f32_gemm_epilogue* ep);
void f32_gemm_ct__avx2(float* restrict c, int64_t ldc, const float* restrict at, int64_t lda,
                       const f32_gemm_b_source* asrc, const float* restrict bt, int64_t ldb,
                       int64_t m, int64_t n, int64_t k, const f32_gemm_epilogue* ep);
void f32_gemm_ct__avx512(float* restrict c, int64_t ldc, const float* restrict at, int64_t lda,
                         const f32_gemm_b_source* asrc, const float* restrict bt, int64_t ldb,
                         int64_t m, int64_t n, int64_t k, const f32_gemm_epilogue* ep);
/* f32_gemm_ct with the weight packed once (f32_gemm_pack_b of the same variant: bt (N, K)
 * packed, given as bp = dst + j0 * K for columns from j0 on, j0 a multiple of NR, ldb = K): no
 * block of it packed per call, the same bytes as f32_gemm_ct. */
void f32_gemm_ct_bp__avx2(float* restrict c, int64_t ldc, const float* restrict at, int64_t lda,
                          const f32_gemm_b_source* asrc, const float* restrict bp, int64_t ldb,
                          int64_t m, int64_t n, int64_t k, const f32_gemm_epilogue* ep);
void f32_gemm_ct_bp__avx512(float* restrict c, int64_t ldc, const float* restrict at,
                            int64_t lda, const f32_gemm_b_source* asrc, const float* restrict bp,
                            int64_t ldb, int64_t m, int64_t n, int64_t k,
                            const f32_gemm_epilogue* ep);
#endif
#if defined(__aarch64__)
void f32_gemm_nn__neon(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                       const float* restrict b, int64_t ldb, int64_t m, int64_t n, int64_t k,
                       const f32_gemm_epilogue* ep);
void f32_gemm_nn_bt__neon(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                          const float* restrict bt, int64_t ldb, int64_t m, int64_t n, int64_t k,
                          const f32_gemm_epilogue* ep);
void f32_gemm_nn_bp__neon(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                          const float* restrict bp, int64_t ldb, int64_t m, int64_t n, int64_t k,
                          const f32_gemm_epilogue* ep);
void f32_gemm_pack_b__neon(float* restrict dst, const float* restrict w, int64_t n, int64_t k);
void f32_gemm_nn_src__neon(float* restrict c, int64_t ldc, const float* restrict a, int64_t lda,
                           const f32_gemm_b_source* src, int64_t m, int64_t n, int64_t k,
                           const f32_gemm_epilogue* ep);
#endif

/* The best variant for `features` (a mask of EMBER_CPU_BIT(...)). */
f32_gemm_nn_fn f32_gemm_nn_pick(uint64_t features);
f32_gemm_nn_src_fn f32_gemm_nn_src_pick(uint64_t features);

/* The best f32_gemm_ct variant for `features` and its tile (*mr rows by *nr columns; the
 * nn/src variants of the same features use the same tile), or NULL where there is none. */
f32_gemm_ct_fn f32_gemm_ct_pick(uint64_t features, int* mr, int* nr);

#endif /* EMBER_F32_GEMM_NN_H */
