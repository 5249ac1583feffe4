/* i8_mcu.c — the int8 convolution and linear drivers of the microcontroller kernels (see
 * i8_mcu.h). */
#include "kernels/optimized/i8_mcu.h"

#if EMBER_HAVE_MCU_KERNELS
#include <stddef.h>

void i8_mcu_linear(const i8_mcu_isa* isa, const int8_t* x, int32_t rows, int32_t k,
                   const int8_t* w, int32_t n, const int32_t* bias, const int32_t* ksum,
                   int32_t in_off, int32_t mult, int32_t shift, int32_t out_off, int32_t lo,
                   int32_t hi, int8_t* out)
{
    int32_t c[I8_MCU_CHANNELS] __attribute__((aligned(16)));
    for (int32_t n0 = 0; n0 < n; n0 += I8_MCU_CHANNELS) {
        const int32_t nn = n - n0 < I8_MCU_CHANNELS ? n - n0 : I8_MCU_CHANNELS;
        if (!ksum) isa->channel_sums(w + n0 * k, nn, k, bias ? bias + n0 : NULL, in_off, c);
        const i8_mcu_gemm g = {rows, nn, k, x, k, w + n0 * k, ksum ? ksum + n0 : c, &mult,
                               &shift, 0, out + n0, n, out_off, lo, hi};
        isa->gemm(&g);
    }
}

void i8_mcu_conv2d(const i8_mcu_isa* isa, const i8_conv_shape* s, const int8_t* in,
                   const int8_t* w, const int32_t* bias, const int32_t* mult,
                   const int32_t* shift, int8_t* out)
{
    const int32_t k = (int32_t)(s->kh * s->kw * s->cin), cout = (int32_t)s->cout;
    const int32_t pixels = (int32_t)(s->n * s->ho * s->wo);
    const bool dense = s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 &&
                       s->pw == 0; /* the patches are the input's pixels, in order */
    int8_t patches[I8_MCU_PATCH_BYTES] __attribute__((aligned(16)));
    int32_t c[I8_MCU_CHANNELS] __attribute__((aligned(16)));
    const int32_t rows = dense ? pixels : I8_MCU_PATCH_BYTES / k;
    for (int32_t n0 = 0; n0 < cout; n0 += I8_MCU_CHANNELS) {
        const int32_t nn = cout - n0 < I8_MCU_CHANNELS ? cout - n0 : I8_MCU_CHANNELS;
        isa->channel_sums(w + n0 * k, nn, k, bias ? bias + n0 : NULL, s->in_off, c);
        i8_mcu_gemm g = {0, nn, k, NULL, k, w + n0 * k, c, mult + n0, shift + n0, 1,
                         NULL, cout, s->out_off, s->lo, s->hi};
        for (int32_t p = 0; p < pixels; p += rows) {
            g.m = pixels - p < rows ? pixels - p : rows;
            if (dense) {
                g.a = in + p * k;
            } else {
                i8_conv2d_patches(s, in, p, g.m, patches, k);
                g.a = patches;
            }
            g.out = out + p * cout + n0;
            isa->gemm(&g);
        }
    }
}
#endif
