/* i8_conv.c — the weight packing of the fast int8 convolutions (see i8_conv.h). */
#include "kernels/optimized/i8_conv.h"

#include <string.h>

bool i8_conv2d_fits(const i8_conv_shape* s) { return i8_gemm_rows_fit(s->kh * s->kw * s->cin); }

/* n bytes: memcpy, or for the few bytes of a small-channel run (a 3-channel stem's 9) two
 * fixed-size copies that overlap in the middle */
static inline void copy_run(int8_t* dst, const int8_t* src, int64_t n)
{
    if (n > 32) {
        memcpy(dst, src, (size_t)n);
    } else if (n >= 16) {
        char a[16], b[16];
        memcpy(a, src, 16), memcpy(b, src + n - 16, 16);
        memcpy(dst, a, 16), memcpy(dst + n - 16, b, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, src, 8), memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8), memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, src, 4), memcpy(&b, src + n - 4, 4);
        memcpy(dst, &a, 4), memcpy(dst + n - 4, &b, 4);
    } else {
        for (int64_t i = 0; i < n; i++) dst[i] = src[i];
    }
}

/* The patches of the output pixels [p, p + m), one per row of dst at stride ld: kh kw runs of
 * Cin bytes each, -in_off (the input's zero point) for taps outside the input. With dilation 1
 * a window row inside the input is one run of kw Cin bytes (NHWC). */
typedef struct patch_src {
    const i8_conv_shape* s;
    const int8_t* in;
} patch_src;

/* One pixel's patch, its window at input row y0 and column x0, where part of it may lie
 * outside the input. */
static void patch_edge(const i8_conv_shape* s, const int8_t* in, int64_t b, int64_t y0,
                       int64_t x0, int8_t* row)
{
    const int8_t zp = (int8_t)(-s->in_off);
    const int64_t run = s->kw * s->cin;
    const bool whole = s->dw == 1 && x0 >= 0 && x0 + s->kw <= s->w;
    for (int64_t ky = 0; ky < s->kh; ky++, row += run) {
        const int64_t iy = y0 + ky * s->dh;
        if (iy < 0 || iy >= s->h) {
            memset(row, zp, (size_t)run);
            continue;
        }
        const int8_t* line = in + (b * s->h + iy) * s->w * s->cin;
        if (whole) {
            copy_run(row, line + x0 * s->cin, run);
            continue;
        }
        for (int64_t kx = 0; kx < s->kw; kx++) {
            const int64_t ix = x0 + kx * s->dw;
            if (ix < 0 || ix >= s->w) memset(row + kx * s->cin, zp, (size_t)s->cin);
            else copy_run(row + kx * s->cin, line + ix * s->cin, s->cin);
        }
    }
}

static void patch_rows(const void* src, int64_t p, int64_t m, int8_t* dst, int64_t ld)
{
    const i8_conv_shape* s = ((const patch_src*)src)->s;
    const int8_t* in = ((const patch_src*)src)->in;
    const int64_t run = s->kw * s->cin, line = s->w * s->cin;
    /* the columns whose windows lie inside the input, with dilation 1: x0 >= 0, x0 + kw <= w */
    const int64_t xa = (s->pw + s->sw - 1) / s->sw;
    const int64_t xb = s->dw == 1 && s->w - s->kw + s->pw >= 0 ? (s->w - s->kw + s->pw) / s->sw + 1 : 0;
    int64_t ox = p % s->wo, oy = p / s->wo % s->ho, b = p / (s->wo * s->ho);
    for (int64_t i = 0; i < m;) { /* a row of output pixels at a time */
        const int64_t n = m - i < s->wo - ox ? m - i : s->wo - ox;
        const int64_t y0 = oy * s->sh - s->ph;
        const bool rows_in = y0 >= 0 && y0 + (s->kh - 1) * s->dh < s->h;
        for (int64_t j = 0; j < n; j++, ox++) {
            int8_t* row = dst + (i + j) * ld;
            const int64_t x0 = ox * s->sw - s->pw;
            if (!rows_in || ox < xa || ox >= xb) {
                patch_edge(s, in, b, y0, x0, row);
                continue;
            }
            const int8_t* at = in + (b * s->h + y0) * line + x0 * s->cin;
            for (int64_t ky = 0; ky < s->kh; ky++) copy_run(row + ky * run, at + ky * s->dh * line, run);
        }
        i += n;
        if (ox == s->wo) { /* the next output row */
            ox = 0;
            if (++oy == s->ho) oy = 0, b++;
        }
    }
}

void i8_conv2d_patches(const i8_conv_shape* s, const int8_t* in, int64_t p, int64_t m,
                       int8_t* dst, int64_t ld)
{
    const patch_src src = {s, in};
    patch_rows(&src, p, m, dst, ld);
}

void i8_conv2d_run(const i8_conv_shape* s, i8_gemm_fn gemm, int unsigned_a, const int8_t* in,
                   const void* packed, int8_t* out, int64_t p0, int64_t p1)
{
    const i8_gemm_args g = {p1 - p0, s->cout, s->kh * s->kw * s->cin, NULL, 0, out, s->cout,
                            s->out_off, s->lo, s->hi};
    if (s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 && s->pw == 0) {
        /* 1x1, stride 1, no padding: the patches are the input's pixels, in order */
        i8_gemm_rows_dense(&g, gemm, packed, unsigned_a, in, s->cin, p0, p1);
        return;
    }
    const patch_src src = {s, in};
    i8_gemm_rows(&g, gemm, packed, unsigned_a, patch_rows, &src, p0, p1);
}

size_t i8_conv2d_pack_bytes(const i8_conv_shape* s)
{
    return i8_gemm_pack_bytes(s->cout, s->kh * s->kw * s->cin);
}

void i8_conv2d_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                    const int32_t* mult, const int32_t* shift, int unsigned_a)
{
    /* (Cout, kh, kw, Cin) is already the GEMM's B: one row of kh kw Cin bytes per channel */
    i8_gemm_pack(dst, w, bias, s->in_off, mult, shift, 1, s->cout, s->kh * s->kw * s->cin,
                 unsigned_a, s->out_off);
}

#if EMBER_HAVE_X86_KERNELS
i8_dw_fn i8_dwconv2d_pick(uint64_t features)
{
    if ((features & I8_DWCONV_FEATURES_AVX512VNNI) == I8_DWCONV_FEATURES_AVX512VNNI)
        return i8_dwconv2d__avx512vnni;
    if ((features & I8_DWCONV_FEATURES_AVX512) == I8_DWCONV_FEATURES_AVX512)
        return i8_dwconv2d__avx512;
    return NULL;
}
#endif

/* Depthwise: see i8_conv.h for the layout. */
static int64_t dw_pairs(const i8_conv_shape* s) { return (s->kh * s->kw + 1) / 2; }

static int64_t dw_block_words(const i8_conv_shape* s) { return I8_DW_BLOCK_WORDS(dw_pairs(s)); }

size_t i8_dwconv2d_pack_bytes(const i8_conv_shape* s)
{
    return (size_t)(16 + (s->cout + 31) / 32 * dw_block_words(s)) * sizeof(int32_t);
}

/* The per-lane constants both depthwise packings store for a group of 16 lanes whose channels
 * are ch[] (n or more: padding, left as they are, zero): at c16[l] bias + offset sum(w)
 * (wrapping; sums[l] is the lane's weight sum), at c16[stride + l] the multiplier, at
 * c16[2 stride + l] the shift; with `fast` the constants of i8_requantize16_fast at rq, the
 * output offset folded in. */
static void dw_lane_constants(int32_t* c16, int64_t stride, int32_t* rq, bool fast,
                              const int64_t* ch, const uint32_t* sums, const i8_conv_shape* s,
                              const int32_t* bias, uint32_t offset, const int32_t* mult,
                              const int32_t* shift)
{
    for (int l = 0; l < 16; l++) {
        const int64_t k = ch[l];
        if (k >= s->cout) continue;
        c16[l] = (int32_t)((bias ? (uint32_t)bias[k] : 0u) + offset * sums[l]);
        c16[stride + l] = mult[k];
        c16[2 * stride + l] = shift[k];
    }
    if (fast) i8_rq_pack(rq, mult, shift, 1, ch, s->cout, s->out_off);
}

void i8_dwconv2d_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                      const int32_t* mult, const int32_t* shift)
{
    const int64_t taps = s->kh * s->kw, pairs = dw_pairs(s), c = s->cout;
    int32_t* d = (int32_t*)dst;
    memset(d, 0, i8_dwconv2d_pack_bytes(s));
    d[0] = i8_rq_fast(shift, 1, c, s->out_off);
    for (int64_t c0 = 0; c0 < c; c0 += 32) {
        int32_t* blk = d + 16 + c0 / 32 * dw_block_words(s);
        for (int h = 0; h < 2; h++) {
            int64_t ch[16]; /* the channel of each lane of this half */
            uint32_t sums[16] = {0};
            for (int l = 0; l < 16; l++) ch[l] = c0 + 8 * (l / 4) + 4 * h + l % 4;
            for (int l = 0; l < 16; l++) {
                const int64_t k = ch[l];
                if (k >= c) continue;
                for (int64_t p = 0; p < pairs; p++) { /* i8_dw_pair_tap's taps: low, high */
                    const int64_t t0 = i8_dw_pair_tap(s, p, 0), t1 = i8_dw_pair_tap(s, p, 1);
                    const int32_t w0 = w[t0 * c + k];
                    const int32_t w1 = t1 < taps ? w[t1 * c + k] : 0;
                    sums[l] += (uint32_t)w0 + (uint32_t)w1;
                    blk[p * 32 + h * 16 + l] = (int32_t)(((uint32_t)w1 << 16) | (uint16_t)w0);
                }
            }
            /* bias + in_off sum(w) */
            dw_lane_constants(blk + pairs * 32 + h * 16, 32, blk + pairs * 32 + 96 + h * I8_RQ_WORDS,
                              d[0], ch, sums, s, bias, (uint32_t)s->in_off, mult, shift);
        }
    }
}

/* The 3x3 depthwise kernel of 64-channel quads: see i8_conv.h for the layout. */
#if EMBER_HAVE_X86_KERNELS
i8_dw_fn i8_dw3x3_pick(uint64_t features, const i8_conv_shape* s)
{
    if ((features & I8_DWCONV_FEATURES_AVX512VNNI) == I8_DWCONV_FEATURES_AVX512VNNI &&
        s->kh == 3 && s->kw == 3 && s->dh == 1 && s->dw == 1 && (s->sw == 1 || s->sw == 2) &&
        s->dm == 1 && s->cin == s->cout && s->cout >= 64)
        return i8_dw3x3__avx512vnni;
    return NULL;
}
#endif

size_t i8_dw3x3_pack_bytes(const i8_conv_shape* s)
{
    return (size_t)(16 + (s->cout + 63) / 64 * I8_DW3X3_BLOCK_WORDS) * sizeof(int32_t);
}

void i8_dw3x3_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                   const int32_t* mult, const int32_t* shift)
{
    const int64_t c = s->cout;
    int32_t* d = (int32_t*)dst;
    memset(d, 0, i8_dw3x3_pack_bytes(s));
    d[0] = i8_rq_fast(shift, 1, c, s->out_off);
    for (int64_t c0 = 0; c0 < c; c0 += 64) {
        int32_t* blk = d + 16 + c0 / 64 * I8_DW3X3_BLOCK_WORDS;
        for (int j = 0; j < 4; j++) {
            int64_t ch[16]; /* the channel of each lane of quad j */
            uint32_t sums[16] = {0};
            for (int l = 0; l < 16; l++) ch[l] = c0 + 16 * (l / 4) + 4 * j + l % 4;
            for (int l = 0; l < 16; l++) {
                const int64_t k = ch[l];
                if (k >= c) continue;
                for (int kx = 0; kx < 3; kx++) {
                    uint32_t quad = 0;
                    for (int ky = 0; ky < 3; ky++) {
                        const int8_t v = w[(ky * 3 + kx) * c + k];
                        sums[l] += (uint32_t)(int32_t)v;
                        quad |= (uint32_t)(uint8_t)v << (8 * ky);
                    }
                    blk[(kx * 4 + j) * 16 + l] = (int32_t)quad;
                }
            }
            /* bias + (in_off - 128) sum(w): the input is read as x + 128 */
            dw_lane_constants(blk + 192 + j * 16, 64, blk + 384 + j * I8_RQ_WORDS, d[0], ch, sums,
                              s, bias, (uint32_t)s->in_off - 128u, mult, shift);
        }
    }
}
