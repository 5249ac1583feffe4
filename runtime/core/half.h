/* half.h — float16 and bfloat16 bit patterns to and from float, for every part of libember and
 * its tools that meets half types: the kernels (through kernels/kernel_util.h), bundled
 * programs' expected values (runtime/format/bundle.c) and the CLI's summaries. Internal: not
 * part of the public API. tests/c/test_half.c checks them on every bit pattern. */
#ifndef EMBER_HALF_H
#define EMBER_HALF_H

#include <stdint.h>
#include <string.h>

/* ---- half types -------------------------------------------------------------------------
 * float16 (IEEE 754 binary16) and bfloat16 are stored as uint16_t bit patterns; kernels compute
 * in float and store back, as torch does on CPU. Converting to float is exact. Converting from
 * float rounds to nearest, ties to even; float16 gets subnormals, ±inf past 65504 (from 65520
 * up, the halfway point to the next power of two) and keeps NaN a NaN (quieted, the sign and
 * the top payload bits kept); bfloat16 keeps the float's range and quiets NaN the same way.
 * Plain C on the bit patterns: no compiler extension needed. */
static inline float ember_f16_to_f32(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) { /* zero or subnormal: man * 2^-24, exact in float */
        float v = (float)man * 5.9604644775390625e-08f;
        return (h & 0x8000) ? -v : v;
    }
    if (exp == 31) bits = sign | 0x7f800000u | (man << 13); /* inf, NaN (payload kept) */
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
static inline uint16_t ember_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00 | ((ax >> 13) & 0x3ff)); /* NaN */
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* >= 65520 (and inf): inf */
    if (ax >= 0x38800000u) { /* normal: rebias the exponent (127 -> 15), round 13 bits off */
        uint32_t h = (ax - 0x38000000u) >> 13;
        const uint32_t rem = ax & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; /* may carry into the exponent */
        return (uint16_t)(sign | h);
    }
    if (ax < 0x33000000u) return sign; /* at most 2^-25, half the smallest subnormal: 0 */
    /* subnormal: the value in units of 2^-24 is m * 2^(e - 126), e in [102, 112] */
    const uint32_t e = ax >> 23, m = (ax & 0x7fffff) | 0x800000;
    const uint32_t shift = 126 - e; /* 14..24 */
    uint32_t h = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (h & 1))) h++; /* 0x400 is the smallest normal */
    return (uint16_t)(sign | h);
}
static inline float ember_bf16_to_f32(uint16_t h)
{
    const uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
static inline uint16_t ember_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x0040); /* quiet NaN */
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16); /* ties to even; overflow: inf */
}

#endif /* EMBER_HALF_H */
