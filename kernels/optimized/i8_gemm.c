/* i8_gemm.c — the packing of the int8 GEMM core and its scalar oracle (see i8_gemm.h). */
#include "kernels/optimized/i8_gemm.h"

#include <string.h>

#include "kernels/portable/requant.h"

#define I8_NR 16 /* output channels per packed panel */

static int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

size_t i8_gemm_pack_bytes(int64_t n, int64_t k)
{
    const int64_t np = round_up(n, I8_NR), kp = round_up(k, 4);
    return (size_t)(np * kp + 3 * np * (int64_t)sizeof(int32_t) + 64 +
                    np / I8_NR * I8_RQ_WORDS * (int64_t)sizeof(int32_t));
}

bool i8_rq_fast(const int32_t* shift, int step, int64_t n, int32_t add)
{
    const int64_t a = add < 0 ? -(int64_t)add : add;
    for (int64_t j = 0; j < n; j++) {
        const int32_t right = -shift[step * j];
        if (right < 1 || right > 31) return false;
        /* add 2^(31 + right) joins the 64-bit sum, whose high half, below 2^30 + 2^29 + 1 in
         * magnitude without it, must stay inside int32 */
        if ((a << (right - 1)) >= (int64_t)1 << 29) return false;
    }
    return true;
}

void i8_rq_pack(int32_t* blk, const int32_t* mult, const int32_t* shift, int step,
                const int64_t* ch, int64_t n, int32_t add)
{
    int64_t c[I8_NR / 2][2];
    for (int l = 0; l < I8_NR; l++) {
        const bool real = ch[l] >= 0 && ch[l] < n;
        const int32_t m = real ? mult[step * ch[l]] : 0, right = real ? -shift[step * ch[l]] : 1;
        blk[l] = l % 2 ? 0 : m;                   /* the even channels' multipliers */
        if (l % 2) blk[I8_NR + l - 1] = m;        /* the odd ones', where _mul_epi32 reads */
        else blk[I8_NR + l + 1] = 0;
        c[l / 2][l % 2] = ((int64_t)1 << 30) + ((int64_t)1 << (30 + right)) +
                          (int64_t)add * ((int64_t)1 << (31 + right));
        blk[64 + l] = right - 1;
    }
    for (int i = 0; i < I8_NR / 2; i++) {
        memcpy(blk + 32 + 2 * i, &c[i][0], sizeof(int64_t));
        memcpy(blk + 48 + 2 * i, &c[i][1], sizeof(int64_t));
    }
}

#if I8_HAVE_FAST
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
#endif

/* The channel at packed position j (see i8_gemm.h: the VNNI kernel's panel pairs interleaved). */
static int64_t packed_channel(int64_t j, int64_t np, int unsigned_a)
{
    const int64_t pair = j / (2 * I8_NR) * (2 * I8_NR);
    if (!unsigned_a || pair + 2 * I8_NR > np) return j; /* a panel of its own */
    const int64_t half = (j - pair) / I8_NR, l = (j - pair) % I8_NR;
    return pair + 8 * (l / 4) + 4 * half + l % 4;
}

void i8_gemm_pack(void* dst, const int8_t* b, const int32_t* bias, int32_t in_off,
                  const int32_t* mult, const int32_t* shift, int step, int64_t n, int64_t k,
                  int unsigned_a, int32_t out_off)
{
    const int64_t np = round_up(n, I8_NR), kp = round_up(k, 4);
    int8_t* pb = (int8_t*)dst;
    memset(pb, 0, (size_t)(np * kp));
    for (int64_t j = 0; j < np; j++) {
        const int64_t ch = packed_channel(j, np, unsigned_a);
        if (ch >= n) continue;
        int8_t* panel = pb + (j / I8_NR) * I8_NR * kp;
        for (int64_t i = 0; i < k; i++)
            panel[(i / 4) * I8_NR * 4 + (j % I8_NR) * 4 + i % 4] = b[ch * k + i];
    }
    int32_t* pc = (int32_t*)(pb + np * kp);
    int32_t* pm = pc + np;
    int32_t* ps = pm + np;
    for (int64_t j = 0; j < np; j++) {
        const int64_t ch = packed_channel(j, np, unsigned_a);
        uint32_t sum = 0;
        if (ch < n)
            for (int64_t i = 0; i < k; i++) sum += (uint32_t)(int32_t)b[ch * k + i];
        /* c = bias + in_off sum(b), less 128 sum(b) for unsigned A; wrapping 32-bit arithmetic */
        const uint32_t c = (bias && ch < n ? (uint32_t)bias[ch] : 0u) + (uint32_t)in_off * sum;
        pc[j] = ch < n ? (int32_t)(unsigned_a ? c - 128u * sum : c) : 0;
        pm[j] = ch < n ? mult[step * ch] : 0;
        ps[j] = ch < n ? shift[step * ch] : 0;
    }
    int32_t* flag = ps + np;
    memset(flag, 0, 64 + (size_t)(np / I8_NR * I8_RQ_WORDS) * sizeof(int32_t));
    flag[0] = i8_rq_fast(shift, step, n, out_off);
    if (flag[0])
        for (int64_t j = 0; j < np; j += I8_NR) {
            int64_t ch[I8_NR];
            for (int l = 0; l < I8_NR; l++) ch[l] = packed_channel(j + l, np, unsigned_a);
            i8_rq_pack(flag + 16 + j / I8_NR * I8_RQ_WORDS, mult, shift, step, ch, n, out_off);
        }
}

bool i8_gemm_rows_fit(int64_t k) { return round_up(k, 4) <= I8_ROWS_BYTES; }

void i8_gemm_rows(const i8_gemm_args* g, i8_gemm_fn gemm, const void* packed, int unsigned_a,
                  i8_rows_fn make, const void* src, int64_t m0, int64_t m1)
{
    _Alignas(64) int8_t rows[I8_ROWS_BYTES];
    const int64_t kp = round_up(g->k, 4);
    int64_t block = I8_ROWS_BYTES / kp; /* i8_gemm_rows_fit: at least one */
    if (block >= 8) block = block / 8 * 8;
    i8_gemm_args b = *g;
    b.a = rows;
    b.lda = kp;
    if (kp > g->k) /* the padding of each row: any value (its weights are zero), set once */
        for (int64_t i = 0; i < block; i++) memset(rows + i * kp + g->k, 0, (size_t)(kp - g->k));
    for (int64_t r = m0; r < m1; r += block) {
        const int64_t m = m1 - r < block ? m1 - r : block;
        make(src, r, m, rows, kp);
        if (unsigned_a) { /* x + 128 as unsigned: flip the sign bit, the block in one pass */
            uint8_t* u = (uint8_t*)rows;
            for (int64_t j = 0; j < m * kp; j++) u[j] ^= 0x80u;
        }
        b.m = m;
        b.c = g->c + r * g->ldc;
        gemm(&b, packed, 0, m);
    }
}

void i8_gemm_rows_dense(const i8_gemm_args* g, i8_gemm_fn gemm, const void* packed,
                        int unsigned_a, const int8_t* a, int64_t lda, int64_t m0, int64_t m1)
{
    const int64_t kp = round_up(g->k, 4);
    i8_gemm_args b = *g;
    if (!unsigned_a && kp == g->k) {
        b.a = a;
        b.lda = lda;
        gemm(&b, packed, m0, m1);
        return;
    }
    _Alignas(64) int8_t rows[I8_ROWS_BYTES];
    int64_t block = I8_ROWS_BYTES / kp; /* i8_gemm_rows_fit: at least one */
    if (block >= 8) block = block / 8 * 8;
    const uint8_t flip = unsigned_a ? 0x80u : 0u; /* x + 128 as unsigned: flip the sign bit */
    b.a = rows;
    b.lda = kp;
    for (int64_t r = m0; r < m1; r += block) {
        const int64_t m = m1 - r < block ? m1 - r : block;
        if (kp == g->k && lda == g->k) { /* one run of bytes */
            const uint8_t* src = (const uint8_t*)a + r * lda;
            uint8_t* dst = (uint8_t*)rows;
            for (int64_t i = 0; i < m * kp; i++) dst[i] = src[i] ^ flip;
        } else {
            for (int64_t i = 0; i < m; i++) {
                const uint8_t* src = (const uint8_t*)a + (r + i) * lda;
                uint8_t* dst = (uint8_t*)rows + i * kp;
                for (int64_t j = 0; j < g->k; j++) dst[j] = src[j] ^ flip;
                for (int64_t j = g->k; j < kp; j++) dst[j] = flip; /* any value: weights 0 */
            }
        }
        b.m = m;
        b.c = g->c + r * g->ldc;
        gemm(&b, packed, 0, m);
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
