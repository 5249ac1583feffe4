/* i8_dw3x3__avx512vnni.c — the 3x3 depthwise int8 convolution on AVX-512 VNNI (see i8_conv.h:
 * i8_dw3x3__avx512vnni): 64 channels at a time, each input column's three rows interleaved
 * into byte quads (row 0, row 1, row 2, unused) so that one vpdpbusd adds a column's three taps
 * for 16 channels; a column is built once and serves every output pixel whose window holds it
 * (three with stride 1, one or two with stride 2). Compiled with the ISA's target attribute
 * only; i8_dw3x3_pick checks the features first. */
#include "kernels/optimized/i8_conv.h"

#if EMBER_HAVE_X86_KERNELS
#include <immintrin.h>

#include "kernels/optimized/i8_simd_x86.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

/* One input column of the window's three rows, 64 channels as four quad vectors: q[j], lane
 * 4 L + i, holds channel 16 L + 4 j + i's bytes (row 0, row 1, row 2, row 2 again: its weight
 * is zero), each flipped to unsigned (x ^ 0x80 = x + 128, which the packed sums take back). */
typedef struct dw_col {
    __m512i q[4];
} dw_col;

/* The three rows of one output row's window: their first byte at column 0 and channel c0, NULL
 * where the row lies outside the input (it reads the zero point). */
typedef struct dw_rows {
    const int8_t* r[3];
} dw_rows;

/* Column x (input pixels; outside [0, w): all zero point), channels in `lanes`. all_rows: no
 * row of rows is NULL (a constant where inlined). */
TARGET INLINE dw_col column(const dw_rows* rows, int64_t x, int64_t w, int64_t c,
                            __mmask64 lanes, __m512i pad, bool all_rows)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    __m512i a[3];
    if (x < 0 || x >= w) {
        a[0] = a[1] = a[2] = pad;
    } else {
        for (int i = 0; i < 3; i++)
            a[i] = all_rows || rows->r[i]
                       ? _mm512_xor_si512(_mm512_maskz_loadu_epi8(lanes, rows->r[i] + x * c), flip)
                       : pad;
    }
    const __m512i lo01 = _mm512_unpacklo_epi8(a[0], a[1]), hi01 = _mm512_unpackhi_epi8(a[0], a[1]);
    const __m512i lo2 = _mm512_unpacklo_epi8(a[2], a[2]), hi2 = _mm512_unpackhi_epi8(a[2], a[2]);
    dw_col col;
    col.q[0] = _mm512_unpacklo_epi16(lo01, lo2);
    col.q[1] = _mm512_unpackhi_epi16(lo01, lo2);
    col.q[2] = _mm512_unpacklo_epi16(hi01, hi2);
    col.q[3] = _mm512_unpackhi_epi16(hi01, hi2);
    return col;
}

/* One output pixel's 64 channels from its window's columns a, b, c (left to right), the block's
 * packed words blk (I8_DW3X3_BLOCK_WORDS, see i8_conv.h), requantized (fast: out_off folded in),
 * stored to dst's lanes. */
TARGET INLINE void pixel(const i8_conv_shape* s, const int32_t* blk, bool fast, const dw_col* a,
                         const dw_col* b, const dw_col* c, int8_t* dst, __mmask64 lanes)
{
    __m512i r[4];
    for (int j = 0; j < 4; j++) {
        __m512i acc = _mm512_load_si512(blk + 192 + 16 * j);
        acc = _mm512_dpbusd_epi32(acc, a->q[j], _mm512_load_si512(blk + 16 * j));
        acc = _mm512_dpbusd_epi32(acc, b->q[j], _mm512_load_si512(blk + 64 + 16 * j));
        acc = _mm512_dpbusd_epi32(acc, c->q[j], _mm512_load_si512(blk + 128 + 16 * j));
        r[j] = fast ? i8_requantize16_fast(acc, blk + 384 + j * I8_RQ_WORDS)
                    : i8_requantize16(acc, _mm512_load_si512(blk + 256 + 16 * j),
                                      _mm512_load_si512(blk + 320 + 16 * j));
        if (!fast) r[j] = _mm512_add_epi32(r[j], _mm512_set1_epi32(s->out_off));
    }
    /* the narrowings keep each 128-bit lane's order: quads 0, 1 then 2, 3 are its 16 channels */
    __m512i v = _mm512_packs_epi16(_mm512_packs_epi32(r[0], r[1]), _mm512_packs_epi32(r[2], r[3]));
    v = _mm512_min_epi8(_mm512_max_epi8(v, _mm512_set1_epi8((char)s->lo)), _mm512_set1_epi8((char)s->hi));
    _mm512_mask_storeu_epi8(dst, lanes, v);
}

/* Output pixels [ox0, ox1) of one row, one block of channels: the columns slide along the row. */
TARGET INLINE void span(const i8_conv_shape* s, const dw_rows* rows, const int32_t* blk,
                        bool fast, int8_t* out, int64_t ox0, int64_t ox1, __mmask64 lanes,
                        __m512i pad, bool all_rows)
{
    const int64_t c = s->cout;
    int64_t x = ox0 * s->sw - s->pw; /* the window's first column */
    if (s->sw == 1) {
        dw_col a = column(rows, x, s->w, c, lanes, pad, all_rows);
        dw_col b = column(rows, x + 1, s->w, c, lanes, pad, all_rows);
        for (int64_t ox = ox0; ox < ox1; ox++, x++) {
            const dw_col n = column(rows, x + 2, s->w, c, lanes, pad, all_rows);
            pixel(s, blk, fast, &a, &b, &n, out + ox * c, lanes);
            a = b, b = n;
        }
    } else { /* stride 2: the window's last column is the next one's first */
        dw_col a = column(rows, x, s->w, c, lanes, pad, all_rows);
        for (int64_t ox = ox0; ox < ox1; ox++, x += 2) {
            const dw_col b = column(rows, x + 1, s->w, c, lanes, pad, all_rows);
            const dw_col n = column(rows, x + 2, s->w, c, lanes, pad, all_rows);
            pixel(s, blk, fast, &a, &b, &n, out + ox * c, lanes);
            a = n;
        }
    }
}

TARGET void i8_dw3x3__avx512vnni(const i8_conv_shape* s, const int8_t* in, const void* packed,
                                 int8_t* out, int64_t p0, int64_t p1)
{
    const int32_t* words = (const int32_t*)packed; /* 64-byte aligned */
    const bool fast = words[0] != 0;
    const __m512i pad = _mm512_set1_epi8((char)((int8_t)(-s->in_off) ^ 0x80));
    const int64_t c = s->cout;
    for (int64_t p = p0; p < p1;) { /* row by row */
        const int64_t ox0 = p % s->wo, row = p / s->wo, b = row / s->ho, oy = row % s->ho;
        const int64_t ox1 = ox0 + ((row + 1) * s->wo < p1 ? (row + 1) * s->wo : p1) - p;
        const int64_t y0 = oy * s->sh - s->ph;
        dw_rows rows;
        bool all_rows = true;
        for (int i = 0; i < 3; i++) {
            const int64_t iy = y0 + i;
            rows.r[i] = iy >= 0 && iy < s->h ? in + (b * s->h + iy) * s->w * c : NULL;
            all_rows = all_rows && rows.r[i];
        }
        int8_t* dst = out + (b * s->ho + oy) * s->wo * c;
        for (int64_t c0 = 0; c0 < c; c0 += 64) {
            const __mmask64 lanes = c - c0 >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (c - c0)) - 1;
            const int32_t* blk = words + 16 + c0 / 64 * I8_DW3X3_BLOCK_WORDS;
            dw_rows at = rows;
            for (int i = 0; i < 3; i++)
                if (at.r[i]) at.r[i] += c0;
            if (all_rows && fast)
                span(s, &at, blk, true, dst + c0, ox0, ox1, lanes, pad, true);
            else
                span(s, &at, blk, fast, dst + c0, ox0, ox1, lanes, pad, false);
        }
        p += ox1 - ox0;
    }
}
#endif
