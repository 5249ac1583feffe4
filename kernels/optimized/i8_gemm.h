/* i8_gemm.h — the int8 GEMM core of the quantized kernels (internal; op_qlinear.c now, the
 * int8 convolutions next), bit for bit the portable kernels' arithmetic:
 *
 *   C[m][n] = clamp(requantize(sum_k A[m][k] B[n][k] + c[n], mult[n], shift[n]) + out_off,
 *                   lo, hi)
 *
 * A (M, K) int8 rows at stride lda (activations), B (N, K) int8 (weights, packed at load),
 * c[n] int32: what the op adds to the plain dot products (its bias and the input offset times
 * the weight row's sum: (x + io) . w + bias = x . w + (io * sum(w) + bias), the same bits in
 * wrapping 32-bit arithmetic), requantize is requant.h. Sums wrap in 32 bits as the portable
 * kernels' do.
 *
 *   i8_gemm_pack_bytes / i8_gemm_pack   B and c rearranged for the vector kernels: per panel
 *       of 16 output channels, K in groups of 4 (zero padded), lane j holding B[n0 + j][4q..4q+3]
 *       (one AVX-512 VNNI vpdpbusd operand, four NEON sdot operands) — for the VNNI kernel
 *       (unsigned_a) the channels of each pair of panels interleaved, lane l of the pair's
 *       panel h holding channel n0 + 8 (l / 4) + 4 h + l % 4, so that narrowing two rows' sums
 *       together leaves each row's channels in order (a last panel without a pair keeps the
 *       order); then c per packed position, N
 *       rounded up to 16 — for the VNNI kernel (unsigned_a) c - 128 sum_k B[n][k] —, then mult
 *       and shift likewise (int32, N rounded up); then a flag (int32, 64 bytes with its
 *       padding): whether every shift is negative (i8_rq_fast), and if so per panel the
 *       constants of i8_requantize16_fast (i8_rq_pack), the output offset folded in.
 *   i8_gemm__avx512vnni   rows [m0, m1) of C from the packed B (vpdpbusd multiplies unsigned by
 *       signed bytes: A is read as A ^ 0x80 = A + 128, whose extra 128 sum(B) the packed c takes
 *       back); 8 rows x 32 columns per register tile; requantization vectorised (64-bit
 *       products of even and odd lanes).
 *   i8_gemm__neondot      the same on aarch64 with the dot product extension (sdot: signed by
 *       signed bytes, A as it is); 4 rows x 16 columns per tile, 16 bytes of each A row loaded
 *       per 4 groups; requantization by requant.h per element.
 *   i8_gemm__scalar       the same from unpacked B (the oracle in tests).
 *
 * Each call writes only its rows, so threads may split M. */
#ifndef EMBER_I8_GEMM_H
#define EMBER_I8_GEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ember/ember.h" /* EMBER_CPU_BIT */
#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

/* The packed kernels read A rows of K rounded up to 4 bytes (the padding any value: its weights
 * are zero), flipped to unsigned (x ^ 0x80) for the kernels that multiply unsigned by signed:
 * i8_gemm_rows builds them. */
typedef struct i8_gemm_args {
    int64_t m, n, k;
    const int8_t* a; /* (m, k) at row stride lda; for the packed kernels as said above */
    int64_t lda;
    int8_t* c; /* (m, n) at row stride ldc */
    int64_t ldc;
    int32_t out_off, lo, hi;
} i8_gemm_args;

/* The constants of the vectorised requantization for channels whose shifts are all negative
 * (i8_simd_x86.h, i8_requantize16_fast): per 16 channels I8_RQ_WORDS int32, ch[l] the channel
 * of lane l (n or more: padding, requantized to `add`); mult / shift per channel (step 1) or
 * one for all (step 0); `add` (an output zero point, or 0) added to every result. i8_rq_fast:
 * whether the shifts of n channels and `add` allow them (right shifts of 1 to 31, and `add`
 * small enough to stay inside the 32 bits i8_requantize16_fast shifts last). */
#define I8_RQ_WORDS 80
bool i8_rq_fast(const int32_t* shift, int step, int64_t n, int32_t add);
void i8_rq_pack(int32_t* blk, const int32_t* mult, const int32_t* shift, int step,
                const int64_t* ch, int64_t n, int32_t add);

/* Bytes i8_gemm_pack writes for (n, k). */
size_t i8_gemm_pack_bytes(int64_t n, int64_t k);
/* b (n, k) row-major; c[n] = bias[n] (0 when bias is NULL) + in_off * sum_k b[n][k]; mult /
 * shift per channel (step 1) or one for all (step 0); out_off: the i8_gemm_args.out_off the
 * packed B will run with. dst: i8_gemm_pack_bytes, 64-byte aligned. */
void i8_gemm_pack(void* dst, const int8_t* b, const int32_t* bias, int32_t in_off,
                  const int32_t* mult, const int32_t* shift, int step, int64_t n, int64_t k,
                  int unsigned_a, int32_t out_off);

typedef void (*i8_gemm_fn)(const i8_gemm_args* g, const void* packed, int64_t m0, int64_t m1);

void i8_gemm__scalar(const i8_gemm_args* g, const int8_t* b, const int32_t* c,
                     const int32_t* mult, const int32_t* shift, int step, int64_t m0,
                     int64_t m1);
#if EMBER_HAVE_X86_KERNELS
/* The features i8_gemm__avx512vnni is compiled for (its target attribute). */
#define I8_GEMM_FEATURES_AVX512VNNI                                                             \
    (EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512BW) |                     \
     EMBER_CPU_BIT(EMBER_CPU_AVX512VL) | EMBER_CPU_BIT(EMBER_CPU_AVX512_VNNI))
void i8_gemm__avx512vnni(const i8_gemm_args* g, const void* packed, int64_t m0, int64_t m1);
#endif
#if defined(__aarch64__)
#define I8_GEMM_FEATURES_NEONDOT EMBER_CPU_BIT(EMBER_CPU_ASIMDDP)
void i8_gemm__neondot(const i8_gemm_args* g, const void* packed, int64_t m0, int64_t m1);
#endif

/* Whether this build has any packed kernel (x86 or aarch64): where it has none (32-bit Arm,
 * bare metal) the picks below are inline NULLs, so the compiler drops the fast paths and the
 * packing code is never linked. */
#if EMBER_HAVE_X86_KERNELS || defined(__aarch64__)
#define I8_HAVE_FAST 1
#else
#define I8_HAVE_FAST 0
#endif

/* The fastest packed kernel the features allow, whether it reads A unsigned (for
 * i8_gemm_pack and i8_gemm_rows), or NULL. */
#if I8_HAVE_FAST
i8_gemm_fn i8_gemm_pick(uint64_t features, int* unsigned_a);
#else
static inline i8_gemm_fn i8_gemm_pick(uint64_t features, int* unsigned_a)
{
    (void)features;
    *unsigned_a = 0;
    return NULL;
}
#endif

/* Rows [r, r + m) of A, k bytes each, into dst at row stride ld (int8 as in the model). */
typedef void (*i8_rows_fn)(const void* src, int64_t r, int64_t m, int8_t* dst, int64_t ld);
/* Rows [m0, m1) of C through `gemm` on the packed B: A's rows made by `rows`, in blocks of
 * I8_ROWS_BYTES on the stack, padded and flipped as the kernel reads them; rows larger than
 * that block are refused by i8_gemm_rows_fit. g->a and g->lda are not used. */
#define I8_ROWS_BYTES (96 * 1024)
bool i8_gemm_rows_fit(int64_t k);
void i8_gemm_rows(const i8_gemm_args* g, i8_gemm_fn gemm, const void* packed, int unsigned_a,
                  i8_rows_fn rows, const void* src, int64_t m0, int64_t m1);

/* The same when A's rows lie in memory, k bytes each at row stride lda: read in place when
 * the kernel takes them as they are (k a multiple of 4, A signed), else copied in blocks as
 * above, flipped in one pass. */
void i8_gemm_rows_dense(const i8_gemm_args* g, i8_gemm_fn gemm, const void* packed,
                        int unsigned_a, const int8_t* a, int64_t lda, int64_t m0, int64_t m1);

#endif /* EMBER_I8_GEMM_H */
