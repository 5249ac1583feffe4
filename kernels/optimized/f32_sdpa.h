/* f32_sdpa.h — scaled dot-product attention, the kernel family behind ember::sdpa.out
 * (internal). For every batch b, query head h and query row i:
 *   out[b, h, i, :] = sum_j softmax_j(scale * q[b, h, i, :] . k[b, h / g, j, :] + mask(b, h, i, j))
 *                     * v[b, h / g, j, :]
 * with g = q_heads / kv_heads (grouped-query attention; g = 1 is plain multi-head). The mask is
 * additive (float, -inf drops a key), boolean (false drops a key) or absent, read through
 * strides that are 0 along broadcast dims; `causal` also drops every key j > i. A row whose
 * keys are all dropped is 0, as torch's CPU attention returns. All tensors are contiguous:
 * q (B, Hq, L, E), k (B, Hkv, S, E), v (B, Hkv, S, Ev), out (B, Hq, L, Ev).
 *
 *   sdpa__portable      kernels/portable/op_sdpa.c, the reference for every dtype: float32,
 *                       float16 and bfloat16 (math in float, each output rounded once); any CPU
 *   f32_sdpa__avx2      kernels/optimized/f32_sdpa__avx2.c; needs AVX2 and FMA
 *   f32_sdpa__avx512    kernels/optimized/f32_sdpa__avx512.c; needs AVX512F, VL, DQ and FMA
 *
 * Both optimized variants are one template, f32_sdpa.inc: flash-style, blocks of 8 query rows
 * walk the keys in tiles of 64, each row keeping a running max and sum of exponentials (online
 * softmax) and its unnormalised output in the out row itself, so no scratch memory beyond a
 * 64-float tile on the stack. The portable kernel computes the same sums in another order (the last bits differ). */
#ifndef EMBER_F32_SDPA_H
#define EMBER_F32_SDPA_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */

enum { SDPA_MASK_NONE, SDPA_MASK_BOOL, SDPA_MASK_ADD };

typedef struct sdpa_params {
    int64_t batch, q_heads, kv_heads; /* B, Hq, Hkv (Hq a multiple of Hkv) */
    int64_t lq, lk, e, ev;            /* L query rows, S keys, E q/k width, Ev v/out width */
    float scale;
    bool causal;
    int mask_kind;                    /* SDPA_MASK_* */
    const void* mask;                 /* uint8 (bool) or the query's dtype (additive) */
    int64_t mask_stride[4];           /* elements per step of (b, h, i, j); 0 = broadcast */
} sdpa_params;

/* dtype: EMBER_DTYPE_F32, F16 or BF16 for q, k, v, out and an additive mask. */
void sdpa__portable(void* out, const void* q, const void* k, const void* v, int dtype,
                    const sdpa_params* p);

#if EMBER_HAVE_X86_KERNELS
void f32_sdpa__avx2(float* out, const float* q, const float* k, const float* v,
                    const sdpa_params* p);
void f32_sdpa__avx512(float* out, const float* q, const float* k, const float* v,
                      const sdpa_params* p);
#endif

#endif /* EMBER_F32_SDPA_H */
