/* i8_conv.c — the weight packing of the fast int8 convolutions (see i8_conv.h). */
#include "kernels/optimized/i8_conv.h"

#include <string.h>

/* im2col rows per block: IM2COL_BYTES on the stack, whole 8-row tiles where K allows. */
#define IM2COL_BYTES (96 * 1024)

bool i8_conv2d_fits(const i8_conv_shape* s) { return s->kh * s->kw * s->cin <= IM2COL_BYTES; }

/* The patch of output pixel p: kh kw runs of Cin bytes, -in_off (the input's zero point) for
 * taps outside the input. */
static void patch(const i8_conv_shape* s, const int8_t* in, int64_t p, int8_t* row)
{
    const int64_t ox = p % s->wo, oy = p / s->wo % s->ho, b = p / (s->wo * s->ho);
    const int8_t zp = (int8_t)(-s->in_off);
    for (int64_t ky = 0; ky < s->kh; ky++) {
        const int64_t iy = oy * s->sh - s->ph + ky * s->dh;
        for (int64_t kx = 0; kx < s->kw; kx++, row += s->cin) {
            const int64_t ix = ox * s->sw - s->pw + kx * s->dw;
            if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                memset(row, zp, (size_t)s->cin);
            else
                memcpy(row, in + ((b * s->h + iy) * s->w + ix) * s->cin, (size_t)s->cin);
        }
    }
}

void i8_conv2d_run(const i8_conv_shape* s, i8_gemm_fn gemm, const int8_t* in,
                   const void* packed, int8_t* out, int64_t p0, int64_t p1)
{
    const int64_t k = s->kh * s->kw * s->cin;
    i8_gemm_args g = {0, s->cout, k, NULL, k, NULL, s->cout, s->out_off, s->lo, s->hi};
    if (s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 && s->pw == 0) {
        g.m = p1 - p0; /* the input's pixels are the patches */
        g.a = in + p0 * s->cin;
        g.c = out + p0 * s->cout;
        gemm(&g, packed, 0, g.m);
        return;
    }
    _Alignas(64) int8_t rows[IM2COL_BYTES];
    int64_t block = IM2COL_BYTES / k; /* i8_conv2d_fits: at least one row */
    if (block >= 8) block = block / 8 * 8;
    for (int64_t p = p0; p < p1; p += block) {
        const int64_t m = p1 - p < block ? p1 - p : block;
        for (int64_t r = 0; r < m; r++) patch(s, in, p + r, rows + r * k);
        g.m = m;
        g.a = rows;
        g.c = out + p * s->cout;
        gemm(&g, packed, 0, m);
    }
}

static int64_t round16(int64_t v) { return (v + 15) / 16 * 16; }

size_t i8_conv2d_pack_bytes(const i8_conv_shape* s)
{
    return i8_gemm_pack_bytes(s->cout, s->kh * s->kw * s->cin);
}

void i8_conv2d_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                    const int32_t* mult, const int32_t* shift, int unsigned_a)
{
    /* (Cout, kh, kw, Cin) is already the GEMM's B: one row of kh kw Cin bytes per channel */
    i8_gemm_pack(dst, w, bias, s->in_off, mult, shift, 1, s->cout, s->kh * s->kw * s->cin,
                 unsigned_a);
}

size_t i8_dwconv2d_pack_bytes(const i8_conv_shape* s)
{
    return (size_t)((s->kh * s->kw + 3) * round16(s->cout)) * sizeof(int32_t);
}

void i8_dwconv2d_pack(void* dst, const i8_conv_shape* s, const int8_t* w, const int32_t* bias,
                      const int32_t* mult, const int32_t* shift)
{
    const int64_t cp = round16(s->cout), taps = s->kh * s->kw;
    int32_t* d = (int32_t*)dst;
    memset(d, 0, i8_dwconv2d_pack_bytes(s));
    for (int64_t t = 0; t < taps; t++)
        for (int64_t c = 0; c < s->cout; c++) d[t * cp + c] = w[t * s->cout + c];
    for (int64_t c = 0; c < s->cout; c++) {
        d[taps * cp + c] = bias ? bias[c] : 0;
        d[(taps + 1) * cp + c] = mult[c];
        d[(taps + 2) * cp + c] = shift[c];
    }
}
