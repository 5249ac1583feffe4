/* f32_sdpa.h — scaled dot-product attention, the kernel family behind ember::sdpa.out and
 * llama::custom_sdpa.out (internal). A kernel computes ONE head: for each of its query rows i,
 *   out[i, :] = sum_j softmax_j(scale * q[i, :] . k[j, :] + mask(i, j)) * v[j, :]
 * over q (L, E), k (S, E), v (S, Ev), out (L, Ev): each row's columns contiguous, the rows
 * q_stride, k_stride, v_stride and o_stride elements apart (a head of a (.., heads, rows,
 * width) tensor: its width; of a (.., rows, heads, width) tensor, ExecuTorch's KV-cache
 * layout: heads * width). Only keys j < S are read: keys past S may hold anything. The mask is
 * additive (float, -inf drops a key), boolean (false drops a key) or absent, read through
 * strides that are 0 along broadcast dims; `causal` also drops every key j > causal_offset + i
 * (the call's row i is the head's query row causal_offset + i; 0 for a whole head, top-left
 * aligned as torch). A row whose keys are all dropped is 0, as torch's CPU attention returns.
 * kernels/portable/op_sdpa.c (heads-first tensors) and kernels/portable/op_llm.c (ExecuTorch's
 * KV caches: positions before heads) do the head arithmetic (batch, grouped-query heads, the
 * mask's batch and head strides, the row strides) once and hand each (batch, query head) to a
 * kernel.
 *
 *   sdpa__portable      kernels/portable/op_sdpa.c, the reference for every dtype: float32,
 *                       float16 and bfloat16 (math in float, each output rounded once); any CPU
 *   f32_sdpa__avx2      kernels/optimized/f32_sdpa__avx2.c; needs AVX2 and FMA
 *   f32_sdpa__avx512    kernels/optimized/f32_sdpa__avx512.c; needs AVX512F, VL, DQ and FMA
 *   f32_sdpa__neon      kernels/optimized/f32_sdpa__neon.c; aarch64 (NEON is baseline there)
 *
 * All three optimized variants are one template, f32_sdpa.inc (over f32_simd_x86.h, or
 * f32_simd_neon.h for NEON, VN = 4): flash-style with register-blocked products. Blocks of up
 * to 2 VN query rows are packed transposed on the stack and walk the keys in tiles of 64; the
 * scores (one vector of rows per key) and out += P V are outer-product microkernels, the online
 * softmax (running max and sum of exponentials) is one lane per row, the out rows are the
 * accumulators (in registers across a tile). Blocks of one row (two with AVX-512) go a row at
 * a time with the keys in the lanes, computing the same values in the same order: any split of
 * a head's rows between calls (with causal_offset) gives the same bytes. Stack scratch only
 * (~41 KB with AVX-512).
 * The portable kernel computes the same sums in another order (the last bits differ). */
#ifndef EMBER_F32_SDPA_H
#define EMBER_F32_SDPA_H

#include <stdbool.h>
#include <stdint.h>

#include "ember/ember.h"
#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

enum { SDPA_MASK_NONE, SDPA_MASK_BOOL, SDPA_MASK_ADD };

/* One head's attention. */
typedef struct sdpa_params {
    int64_t lq, lk, e, ev;  /* L query rows, S keys, E q/k width, Ev v/out width */
    float scale;
    bool causal;            /* drop keys j > causal_offset + i */
    int64_t causal_offset;  /* the head's query row of this call's row 0 */
    int mask_kind;          /* SDPA_MASK_* */
    const void* mask;       /* row 0, key 0: uint8 (bool) or the query's dtype (additive) */
    int64_t mask_stride[2]; /* elements per step of (i, j); 0 = broadcast */
    int64_t q_stride, k_stride, v_stride, o_stride; /* elements from a row of q, k, v, out to
                                                      * the next (e, e, ev, ev: contiguous) */
} sdpa_params;

/* How many keys query row i reads: all S, or causally those up to its diagonal. */
static inline int64_t sdpa_keys(const sdpa_params* p, int64_t i)
{
    if (!p->causal) return p->lk;
    const int64_t last = p->causal_offset + i;
    return last < p->lk ? (last < 0 ? 0 : last + 1) : p->lk;
}

/* The arguments the attention ops (ember::sdpa.out, llama::custom_sdpa.out: op_sdpa.c,
 * op_llm.c) share, checked: query, key, value (args 0 to 2) and out (8, returned at 9) of one
 * float dtype, then from args[m] on: the optional attn_mask (bool or that dtype), the dropout
 * (`dropout_name`: must be 0), is_causal (*causal) and the optional scale (finite). */
struct ember_kernel_ctx;
typedef struct sdpa_common_args {
    ember_tensor *q, *k, *v, *mask, *out;
    bool causal;
} sdpa_common_args;
ember_status sdpa_read_args(struct ember_kernel_ctx* ctx, ember_value* const* args, size_t m,
                            const char* dropout_name, sdpa_common_args* a);

/* dtype: EMBER_DTYPE_F32, F16 or BF16 for q, k, v, out and an additive mask. */
void sdpa__portable(void* out, const void* q, const void* k, const void* v, int dtype,
                    const sdpa_params* p);

#if EMBER_HAVE_X86_KERNELS
void f32_sdpa__avx2(float* out, const float* q, const float* k, const float* v,
                    const sdpa_params* p);
void f32_sdpa__avx512(float* out, const float* q, const float* k, const float* v,
                      const sdpa_params* p);
#endif
#if defined(__aarch64__)
void f32_sdpa__neon(float* out, const float* q, const float* k, const float* v,
                    const sdpa_params* p);
#endif

#endif /* EMBER_F32_SDPA_H */
