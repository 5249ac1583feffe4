/* i8_gemm.c — the packing of the int8 GEMM core and its scalar oracle (see i8_gemm.h). */
#include "kernels/optimized/i8_gemm.h"

#include <string.h>

#include "kernels/portable/requant.h"

#define I8_NR 16 /* output channels per packed panel */

static int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

size_t i8_gemm_pack_bytes(int64_t n, int64_t k)
{
    const int64_t np = round_up(n, I8_NR), kp = round_up(k, 4);
    return (size_t)(np * kp + 3 * np * (int64_t)sizeof(int32_t));
}

i8_gemm_fn i8_gemm_pick(uint64_t features, int* unsigned_a)
{
    *unsigned_a = 0;
#if EMBER_HAVE_X86_KERNELS
    if ((features & I8_GEMM_FEATURES_AVX512VNNI) == I8_GEMM_FEATURES_AVX512VNNI) {
        *unsigned_a = 1;
        return i8_gemm__avx512vnni;
    }
#endif
#if defined(__aarch64__)
    if ((features & I8_GEMM_FEATURES_NEONDOT) == I8_GEMM_FEATURES_NEONDOT) return i8_gemm__neondot;
#endif
    (void)features;
    return NULL;
}

void i8_gemm_pack(void* dst, const int8_t* b, const int32_t* bias, int32_t in_off,
                  const int32_t* mult, const int32_t* shift, int step, int64_t n, int64_t k,
                  int unsigned_a)
{
    const int64_t np = round_up(n, I8_NR), kp = round_up(k, 4);
    int8_t* pb = (int8_t*)dst;
    memset(pb, 0, (size_t)(np * kp));
    for (int64_t j = 0; j < n; j++) {
        int8_t* panel = pb + (j / I8_NR) * I8_NR * kp;
        for (int64_t i = 0; i < k; i++)
            panel[(i / 4) * I8_NR * 4 + (j % I8_NR) * 4 + i % 4] = b[j * k + i];
    }
    int32_t* pc = (int32_t*)(pb + np * kp);
    int32_t* pm = pc + np;
    int32_t* ps = pm + np;
    for (int64_t j = 0; j < np; j++) {
        uint32_t sum = 0;
        if (j < n)
            for (int64_t i = 0; i < k; i++) sum += (uint32_t)(int32_t)b[j * k + i];
        /* c = bias + in_off sum(b), less 128 sum(b) for unsigned A; wrapping 32-bit arithmetic */
        const uint32_t c = (bias && j < n ? (uint32_t)bias[j] : 0u) + (uint32_t)in_off * sum;
        pc[j] = j < n ? (int32_t)(unsigned_a ? c - 128u * sum : c) : 0;
        pm[j] = j < n ? mult[step * j] : 0;
        ps[j] = j < n ? shift[step * j] : 0;
    }
}

void i8_gemm__scalar(const i8_gemm_args* g, const int8_t* b, const int32_t* c,
                     const int32_t* mult, const int32_t* shift, int step, int64_t m0,
                     int64_t m1)
{
    for (int64_t r = m0; r < m1; r++) {
        const int8_t* a = g->a + r * g->lda;
        for (int64_t j = 0; j < g->n; j++) {
            const int8_t* w = b + j * g->k;
            uint32_t acc = (uint32_t)c[j];
            for (int64_t i = 0; i < g->k; i++) acc += (uint32_t)((int32_t)a[i] * (int32_t)w[i]);
            g->c[r * g->ldc + j] = ember_requantize_clamp((int32_t)acc, mult[step * j],
                                                          shift[step * j], g->out_off, g->lo, g->hi);
        }
    }
}
