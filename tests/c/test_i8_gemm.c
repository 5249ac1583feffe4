/* test_i8_gemm.c — the int8 GEMM core (kernels/optimized/i8_gemm.h): the packed layout, and the
 * packed kernel this CPU runs (AVX-512 VNNI, or aarch64's dot product under qemu) against the scalar oracle byte for byte (the oracle's arithmetic is the
 * portable kernels': 32-bit wrapping sums, requant.h), on ragged shapes (M not a multiple of the
 * 8-row tile, N of the 16-channel panel, K of the 4-byte group), row strides wider than the
 * rows, per-channel and per-tensor requantization over the whole range of multipliers and
 * shifts (left shifts that wrap included), extreme sums, and every clamp. Rows split in two
 * ranges (a thread's share) give the same bytes; bytes past each row of C stay untouched. Rows
 * given in memory (i8_gemm_rows_dense) give the same bytes as rows built one by one.
 * Skipped (with a note) where the CPU has neither. */
#include <stdlib.h>
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/optimized/i8_gemm.h"
#include "kernels/portable/requant.h"
#include "tests/c/check.h"

static uint64_t rng = 0x51ed2701a3c4e9b5u;
#include "tests/c/rng.h"

static int32_t rand_range(int32_t lo, int32_t hi) /* [lo, hi] */
{
    return (int32_t)((int64_t)lo + (int64_t)(rng_next() >> 11) % ((int64_t)hi - lo + 1));
}

/* The channel at packed position j of the VNNI layout (N = 19: one pair of panels, 32 wide):
 * lane l of panel h holds channel 8 (l / 4) + 4 h + l % 4. */
static int at(int j)
{
    const int h = j / 16, l = j % 16;
    return 8 * (l / 4) + 4 * h + l % 4;
}

/* The packed layout, element by element. */
static void packed_layout(void)
{
    enum { N = 19, K = 7 };
    int8_t b[N * K];
    int32_t c[N], m[N], s[N];
    for (int i = 0; i < N * K; i++) b[i] = (int8_t)rand_range(-128, 127);
    for (int j = 0; j < N; j++) c[j] = rand_range(-1000, 1000), m[j] = j + 1, s[j] = -j;
    const size_t bytes = i8_gemm_pack_bytes(N, K);
    CHECK(bytes == 32 * 8 + 3 * 32 * 4 + 64 + 2 * I8_RQ_WORDS * 4);
    void* dst = aligned_alloc(64, (bytes + 63) / 64 * 64);
    const int32_t in_off = 37;
    i8_gemm_pack(dst, b, c, in_off, m, s, 1, N, K, 1, 0);
    const int8_t* pb = dst;
    int ok = 1;
    for (int j = 0; j < 32; j++)
        for (int i = 0; i < 8; i++) {
            const int ch = at(j);
            const int8_t want = ch < N && i < K ? b[ch * K + i] : 0;
            ok &= pb[(j / 16) * 16 * 8 + (i / 4) * 64 + (j % 16) * 4 + i % 4] == want;
        }
    CHECK(ok);
    const int32_t* pc = (const int32_t*)(pb + 32 * 8);
    for (int j = 0; j < 32; j++) {
        const int ch = at(j);
        int32_t sum = 0;
        for (int i = 0; ch < N && i < K; i++) sum += b[ch * K + i];
        CHECK(pc[j] == (ch < N ? c[ch] + (in_off - 128) * sum : 0));
        CHECK(pc[32 + j] == (ch < N ? m[ch] : 0));
        CHECK(pc[64 + j] == (ch < N ? s[ch] : 0));
    }
    CHECK(pc[96] == 0); /* shift 0 on channel 0: the general requantization */
    /* for signed A (the dot-product kernel) the channels stay in order */
    i8_gemm_pack(dst, b, c, in_off, m, s, 1, N, K, 0, 0);
    for (int j = 0; j < 32; j++) CHECK(pc[32 + j] == (j < N ? m[j] : 0));
    i8_gemm_pack(dst, b, c, in_off, m, s, 1, N, K, 1, 0);
    /* every shift negative: the constants of i8_requantize16_fast, per panel; an output offset
     * folded in adds it 2^(31 + right) */
    for (int j = 0; j < N; j++) s[j] = -1 - j;
    for (int32_t add = 0; add >= -77; add -= 77) {
        i8_gemm_pack(dst, b, c, in_off, m, s, 1, N, K, 1, add);
        CHECK(pc[96] == 1);
        for (int j = 0; j < 32; j++) {
            const int32_t* blk = pc + 96 + 16 + j / 16 * I8_RQ_WORDS;
            const int l = j % 16, ch = at(j), right = ch < N ? -s[ch] : 1;
            int64_t cj;
            memcpy(&cj, blk + (l % 2 ? 48 : 32) + l / 2 * 2, sizeof cj);
            CHECK(blk[l % 2 ? 16 + l - 1 : l] == (ch < N ? m[ch] : 0));
            CHECK(blk[64 + l] == right - 1);
            CHECK(cj == ((int64_t)1 << 30) + ((int64_t)1 << (30 + right)) +
                            add * ((int64_t)1 << (31 + right)));
        }
    }
    /* an offset whose fold would leave the 32 bits shifted last (|add| 2^(right - 1) reaching
     * 2^29): the general requantization */
    const int32_t deep = -25;
    CHECK(i8_rq_fast(&deep, 0, 1, 0) && i8_rq_fast(&deep, 0, 1, 31) && !i8_rq_fast(&deep, 0, 1, 32));
    CHECK(i8_rq_fast(&deep, 0, 1, -31) && !i8_rq_fast(&deep, 0, 1, -32));
    i8_gemm_pack(dst, b, c, in_off, &m[0], &deep, 0, N, K, 1, 100);
    CHECK(pc[96] == 0);
    free(dst);
}

static i8_gemm_fn gemm; /* i8_gemm_pick's packed kernel for this CPU, or NULL */
static int unsigned_a;

typedef struct rows_src {
    const int8_t* a;
    int64_t lda, k;
} rows_src;

static void a_rows(const void* src, int64_t r, int64_t m, int8_t* dst, int64_t ld)
{
    const rows_src* s = src;
    for (int64_t i = 0; i < m; i++) memcpy(dst + i * ld, s->a + (r + i) * s->lda, (size_t)s->k);
}

/* right: every shift negative (the kernels' faster requantization), down to -31 */
static void one_case(int64_t m, int64_t n, int64_t k, int per_channel, int extreme, int right)
{
    const int64_t lda = k + rnd(5), ldc = n + rnd(5);
    int8_t* a = malloc((size_t)(m * lda + 1));
    int8_t* b = malloc((size_t)(n * k + 1));
    int32_t *c = malloc(sizeof(int32_t) * (size_t)n), *mult = malloc(sizeof(int32_t) * (size_t)n),
            *shift = malloc(sizeof(int32_t) * (size_t)n);
    for (int64_t i = 0; i < m * lda; i++) a[i] = (int8_t)rand_range(-128, 127);
    for (int64_t i = 0; i < n * k; i++) b[i] = (int8_t)(extreme ? (rnd(2) ? 127 : -128)
                                                                : rand_range(-128, 127));
    for (int64_t j = 0; j < n; j++) {
        c[j] = extreme ? rand_range(INT32_MIN, INT32_MAX) : rand_range(-200000, 200000);
        mult[j] = rnd(8) == 0 ? (rnd(2) ? 0 : INT32_MAX) : rand_range(1 << 30, INT32_MAX);
        shift[j] = rnd(6) == 0 ? rand_range(-31, 30) : rand_range(-14, 0);
        if (right) shift[j] = rnd(4) == 0 ? (rnd(2) ? -31 : -1) : rand_range(-31, -1);
    }
    i8_gemm_args g = {m, n, k, a, lda, NULL, ldc, rand_range(-128, 127), -128, 127};
    if (rnd(3) == 0) {
        g.lo = rand_range(-128, 0);
        g.hi = rand_range(g.lo, 127);
    }
    const int step = per_channel ? 1 : 0;
    int8_t* want = malloc((size_t)(m * ldc));
    int8_t* got = malloc((size_t)(m * ldc));
    memset(want, 0x5a, (size_t)(m * ldc));
    memset(got, 0x5a, (size_t)(m * ldc));
    g.c = want;
    i8_gemm__scalar(&g, b, c, mult, shift, step, 0, m);
    /* the oracle against requant.h directly on one entry */
    {
        uint32_t acc = (uint32_t)c[0];
        for (int64_t i = 0; i < k; i++) acc += (uint32_t)(a[i] * b[i]);
        int32_t v = (int32_t)((uint32_t)ember_requantize((int32_t)acc, mult[0], shift[0]) +
                              (uint32_t)g.out_off); /* wrapping, as CMSIS-NN on Arm */
        v = v < g.lo ? g.lo : (v > g.hi ? g.hi : v);
        CHECK(want[0] == (int8_t)v);
    }
    if (gemm) {
        const size_t bytes = i8_gemm_pack_bytes(n, k);
        void* packed = aligned_alloc(64, (bytes + 63) / 64 * 64);
        i8_gemm_pack(packed, b, c, 0, mult, shift, step, n, k, unsigned_a, g.out_off);
        g.c = got;
        const int64_t cut = m > 1 ? 1 + (int64_t)rnd((uint32_t)(m - 1)) : m;
        const rows_src src = {a, lda, k};
        i8_gemm_rows(&g, gemm, packed, unsigned_a, a_rows, &src, 0, cut);
        i8_gemm_rows(&g, gemm, packed, unsigned_a, a_rows, &src, cut, m);
        const int same = memcmp(got, want, (size_t)(m * ldc)) == 0;
        if (!same)
            fprintf(stderr, "packed kernel: m %lld n %lld k %lld per_channel %d extreme %d "
                    "right %d differ\n", (long long)m, (long long)n, (long long)k, per_channel,
                    extreme, right);
        CHECK(same);
        /* rows read in place (A signed, k a multiple of 4) or copied in blocks */
        memset(got, 0x5a, (size_t)(m * ldc));
        i8_gemm_rows_dense(&g, gemm, packed, unsigned_a, a, lda, 0, cut);
        i8_gemm_rows_dense(&g, gemm, packed, unsigned_a, a, lda, cut, m);
        CHECK(memcmp(got, want, (size_t)(m * ldc)) == 0);
        if (lda != k) { /* rows back to back: one run of bytes */
            int8_t* dense = malloc((size_t)(m * k + 1));
            for (int64_t r = 0; r < m; r++) memcpy(dense + r * k, a + r * lda, (size_t)k);
            memset(got, 0x5a, (size_t)(m * ldc));
            i8_gemm_rows_dense(&g, gemm, packed, unsigned_a, dense, k, 0, m);
            CHECK(memcmp(got, want, (size_t)(m * ldc)) == 0);
            free(dense);
        }
        free(packed);
    }
    free(a), free(b), free(c), free(mult), free(shift), free(want), free(got);
}

int main(void)
{
    packed_layout();
    gemm = i8_gemm_pick(ember_cpu_features(), &unsigned_a);
    if (!gemm) printf("no AVX-512 VNNI or dot product here: only the packing and the oracle\n");
    {
        static const int64_t shapes[][3] = {{1, 1, 1}, {8, 16, 4}, {9, 17, 5},  {7, 33, 3},
                                            {17, 64, 64}, {3, 10, 131}, {25, 48, 27},
                                            {1, 1000, 16}, {50, 7, 2}, {1100, 17, 100}};
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int pc = 0; pc < 2; pc++)
                for (int ex = 0; ex < 2; ex++)
                    for (int right = 0; right < 2; right++)
                        one_case(shapes[s][0], shapes[s][1], shapes[s][2], pc, ex, right);
        for (int t = 0; t < 120; t++)
            one_case(1 + rnd(40), 1 + rnd(80), 1 + rnd(200), (int)rnd(2), rnd(4) == 0, (int)rnd(2));
    }
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}
