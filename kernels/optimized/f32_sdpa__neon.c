/* f32_sdpa__neon.c — fp32 scaled dot-product attention for aarch64 NEON (baseline there; see
 * f32_sdpa.h); the code is the x86 template f32_sdpa.inc over f32_simd_neon.h (VN = 4): query
 * rows in blocks of 8 (two float32x4 of rows), keys in tiles of 64, scores 8 keys x 8 rows at a
 * time (16 accumulators), out += P V 4 rows x 8 columns at a time, the online softmax one lane
 * per row with the polynomial vexp; a block of one row (decoding) goes through sdpa_row (keys
 * in the lanes, 4x4 blocks of k transposed with trn1 / trn2). */
#include "kernels/optimized/f32_sdpa.h"

#if defined(__aarch64__)
#include <string.h>

#include "kernels/optimized/f32_simd_neon.h"

/* 4 bools as floats 0 and 1 (any nonzero byte counts as its value: > 0 keeps the key). */
INLINE vf load_bool(const uint8_t* p)
{
    uint32_t u;
    memcpy(&u, p, sizeof u);
    const uint16x8_t h = vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(u)));
    return vcvtq_f32_u32(vmovl_u16(vget_low_u16(h)));
}

#include "kernels/optimized/f32_sdpa.inc"
#endif /* __aarch64__ */
