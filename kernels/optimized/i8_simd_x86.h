/* i8_simd_x86.h — vector pieces shared by the AVX-512 int8 kernels (i8_gemm__avx512vnni.c,
 * i8_conv__avx512vnni.c). Each function carries the AVX-512 F/BW/VL target, a subset of every
 * including kernel's, so it inlines into them; include only where EMBER_HAVE_X86_KERNELS. */
#ifndef EMBER_I8_SIMD_X86_H
#define EMBER_I8_SIMD_X86_H

#include <immintrin.h>
#include <stdint.h>

#define I8_INLINE static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl")))

/* requant.h's ember_requantize on 16 lanes, each with its multiplier and shift: the left shift
 * wraps as the scalar one; the doubling high multiply as 64-bit products of the even and the
 * odd lanes ((a m + 2^30) >> 31 fits 32 bits); then the divide by 2^right rounding to nearest
 * (a remainder above half, above half minus one for a negative value, adds one). */
I8_INLINE __m512i i8_requantize16(__m512i v, __m512i mult, __m512i shift)
{
    const __m512i zero = _mm512_setzero_si512();
    const __m512i left = _mm512_max_epi32(shift, zero);
    const __m512i right = _mm512_max_epi32(_mm512_sub_epi32(zero, shift), zero);
    const __m512i a = _mm512_sllv_epi32(v, left);
    const __m512i half = _mm512_set1_epi64((int64_t)1 << 30);
    const __m512i even = _mm512_srai_epi64(_mm512_add_epi64(_mm512_mul_epi32(a, mult), half), 31);
    const __m512i odd = _mm512_srai_epi64(
        _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(a, 32), _mm512_srli_epi64(mult, 32)),
                         half), 31);
    const __m512i x = _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, _mm512_slli_epi64(odd, 32));
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, right), one);
    const __m512i rem = _mm512_and_si512(x, mask);
    const __m512i threshold = _mm512_sub_epi32(_mm512_srli_epi32(mask, 1), _mm512_srai_epi32(x, 31));
    const __m512i q = _mm512_srav_epi32(x, right);
    return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, threshold), q, one);
}

/* The same plus i8_rq_pack's `add` for 16 channels whose shifts are all negative (right =
 * -shift in [1, 31], no left shift: what conv and linear layers hold), from constants packed by
 * i8_rq_pack (i8_gemm.h): with y = v m in 64 bits the two roundings fold into one floor,
 *   r = floor((y + 2^30 + 2^(30 + right) - 2^31 [y < -2^30]) / 2^(31 + right))
 * (floor(floor(z / 2^31) + c) / 2^right) = floor((z + c 2^31) / 2^(31 + right)) for integer c,
 * z = y + 2^30, c = 2^(right - 1) - [z < 0]: the rounding to nearest of the scalar divide), taken
 * as the high 32 bits of that sum shifted right by right - 1; add 2^(31 + right) in the sum adds
 * `add` to r (exactly: r lies within 2^30 of zero, so the scalar 32-bit addition never wraps). */
I8_INLINE __m512i i8_requantize16_fast(__m512i v, const int32_t* blk)
{
    const __m512i m = _mm512_loadu_si512(blk), m_odd = _mm512_loadu_si512(blk + 16);
    const __m512i c_even = _mm512_loadu_si512(blk + 32), c_odd = _mm512_loadu_si512(blk + 48);
    const __m512i low = _mm512_set1_epi64(-((int64_t)1 << 30));
    const __m512i neg = _mm512_set1_epi64(-((int64_t)1 << 31));
    const __m512i ye = _mm512_mul_epi32(v, m);
    const __m512i yo = _mm512_mul_epi32(_mm512_srli_epi64(v, 32), m_odd);
    __m512i we = _mm512_add_epi64(ye, c_even), wo = _mm512_add_epi64(yo, c_odd);
    we = _mm512_mask_add_epi64(we, _mm512_cmplt_epi64_mask(ye, low), we, neg);
    wo = _mm512_mask_add_epi64(wo, _mm512_cmplt_epi64_mask(yo, low), wo, neg);
    /* even lanes: the high half of the even channels' sums; odd lanes: of the odd ones' */
    const __m512i hi = _mm512_mask_shuffle_epi32(wo, (__mmask16)0x5555, we, _MM_PERM_CDAB);
    return _mm512_srav_epi32(hi, _mm512_loadu_si512(blk + 64));
}

/* 32 requantized channels (lo: those of lanes 8L + i, hi: 8L + 4 + i, L and i in [0, 4), as
 * _mm512_unpacklo/hi_epi16 leave them) + out_off, clamped to [lo, hi] (both within int8, as the
 * ops' prepare checks), stored in channel order to the bytes of dst in mask. The offset is
 * added in 32 bits (wrapping as the scalar rule); the saturating narrowings keep every value
 * outside int8 outside it, on its side. */
I8_INLINE void i8_store32_pairs(int8_t* dst, __mmask32 mask, __m512i lo_half, __m512i hi_half,
                                int32_t out_off, int32_t lo, int32_t hi)
{
    const __m512i off = _mm512_set1_epi32(out_off);
    const __m512i v16 = _mm512_packs_epi32(_mm512_add_epi32(lo_half, off), _mm512_add_epi32(hi_half, off));
    __m256i v8 = _mm512_cvtsepi16_epi8(v16);
    v8 = _mm256_min_epi8(_mm256_max_epi8(v8, _mm256_set1_epi8((char)lo)), _mm256_set1_epi8((char)hi));
    _mm256_mask_storeu_epi8(dst, mask, v8);
}

/* Lanes [0, n) of 16 (n >= 16: all). */
I8_INLINE __mmask16 i8_lanes(int64_t n)
{
    return (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1u);
}

/* v + out_off clamped to [lo, hi], narrowed to int8 and stored to the lanes of dst in mask. */
I8_INLINE void i8_store16(int8_t* dst, __mmask16 mask, __m512i v, int32_t out_off, int32_t lo,
                          int32_t hi)
{
    v = _mm512_add_epi32(v, _mm512_set1_epi32(out_off));
    v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_set1_epi32(lo)), _mm512_set1_epi32(hi));
    _mm_mask_storeu_epi8(dst, mask, _mm512_cvtepi32_epi8(v));
}

#endif /* EMBER_I8_SIMD_X86_H */
