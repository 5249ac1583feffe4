/* op_wq_embedding.c — embedding lookups from weight-only quantized tables: ExecuTorch's
 * quantized_decomposed embedding ops, as its LLM export writes them for `embedding_quantize`
 * ("8,0", "4,32", "2,64": bits, group size) and Ember's export_llm(embeddings=...) does:
 *
 *   quantized_decomposed::embedding_byte.out      [weight, weight_scales, weight_zero_points,
 *   quantized_decomposed::embedding_4bit.out       weight_quant_min, weight_quant_max, indices,
 *   quantized_decomposed::embedding_2bit.out       out, out]
 *   ... .dtype_out                                [..., indices, dtype, out, out]
 *
 *   out[..., c] = (q[r][c] - zero_point[r][g]) * scale[r][g],  r = indices[...], g = c / G
 *
 * weight: (V, D) int8 or uint8 values (byte); (V, D / 2) bytes (4bit), element 2i the HIGH
 * nibble of byte i and 2i + 1 the low one, each nibble holding q + 8 for q in [-8, 7]; (V, D / 4)
 * bytes (2bit), element 4i + j bits 2j..2j+1 of byte i, holding q + 2 for q in [-2, 1].
 * weight_scales float32 (V) (one per row: G = D) or (V, D / G) (groups of G along D);
 * weight_zero_points None (zero) or float32 of the scales' shape; weight_quant_min / _max the
 * range of q (4bit: -8, 7 and 2bit: -2, 1, as ExecuTorch requires); indices int64 or int32 of
 * any shape (an index outside [0, V) fails at run, as aten::embedding does); dtype None or
 * float32; out float32 (indices' shape..., D). Each value is computed as torch's
 * dequantize_per_channel_group does, ((float)q - zero_point) * scale in float32, so the rows
 * are torch's bytes. Only the rows looked up are read (a (V, D / 2) table is an eighth of its
 * float32 bytes in flash or memory). */
#include "kernels/kernel_util.h"

#define F32_BIT EMBER_DTYPE_BIT(EMBER_DTYPE_F32)
#define BYTES_BIT (EMBER_DTYPE_BIT(EMBER_DTYPE_I8) | EMBER_DTYPE_BIT(EMBER_DTYPE_U8))

/* Value c of a row of `bits`-bit elements (8: the byte itself, as int8 or uint8). */
static inline int qe_value(const uint8_t* row, int64_t c, int bits, bool is_signed)
{
    if (bits == 8) return is_signed ? (int)(int8_t)row[c] : (int)row[c];
    if (bits == 4) return (c & 1 ? row[c / 2] & 15 : row[c / 2] >> 4) - 8;
    return ((row[c / 4] >> (2 * (c & 3))) & 3) - 2;
}

/* args: [weight, scales, zero_points, qmin, qmax, indices, (dtype,) out, out]; out_at is 6 or 7. */
static ember_status run_qe(ember_kernel_ctx* ctx, ember_value* const* args, int bits, int out_at)
{
    const ember_tensor* w = args[0]->u.t;
    const float* scales = (const float*)args[1]->u.t->data;
    const float* zps = ember_is_null(args[2]) ? NULL : (const float*)args[2]->u.t->data;
    const ember_tensor* idx = args[5]->u.t;
    float* out = (float*)args[out_at]->u.t->data;
    const int64_t rows = w->sizes[0], row_bytes = w->sizes[1];
    const int64_t d = row_bytes * (8 / bits);
    const int64_t groups = args[1]->u.t->dim == 2 ? args[1]->u.t->sizes[1] : 1;
    const int64_t g_size = groups ? d / groups : d;
    const bool is_signed = w->dtype == EMBER_DTYPE_I8;
    for (int64_t i = 0; i < idx->numel; i++) {
        int64_t r = 0;
        EMBER_TRY(ember_embedding_index(ctx, idx, i, rows, &r));
        const uint8_t* row = (const uint8_t*)w->data + r * row_bytes;
        const float* s = scales + r * groups;
        const float* z = zps ? zps + r * groups : NULL;
        float* o = out + i * d;
        for (int64_t g = 0; g < groups; g++)
            for (int64_t c = g * g_size; c < (g + 1) * g_size; c++) {
                const float q = (float)qe_value(row, c, bits, is_signed);
                o[c] = (z ? q - z[g] : q) * s[g];
            }
    }
    return EMBER_OK;
}

#define QE_RUN(name, bits, out_at)                                                      \
    static ember_status name(ember_kernel_ctx* ctx, ember_value* const* args)           \
    {                                                                                   \
        return run_qe(ctx, args, bits, out_at);                                         \
    }
QE_RUN(run_byte, 8, 6)
QE_RUN(run_byte_dtype, 8, 7)
QE_RUN(run_4bit, 4, 6)
QE_RUN(run_4bit_dtype, 4, 7)
QE_RUN(run_2bit, 2, 6)
QE_RUN(run_2bit_dtype, 2, 7)
#undef QE_RUN

/* The checks of all six kernels; with_dtype: the .dtype_out overload (a dtype before out). */
static ember_status prepare_qe(ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args,
                               int bits, bool with_dtype)
{
    const size_t out_at = with_dtype ? 7 : 6;
    EMBER_REQUIRE_NARGS(ctx, num_args, out_at + 2);
    ember_tensor *w, *scales, *zps, *idx, *out;
    int64_t qmin = 0, qmax = 0;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "weight", BYTES_BIT, &w));
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "weight_scales", F32_BIT, &scales));
    EMBER_TRY(ember_arg_opt_tensor(ctx, args, 2, "weight_zero_points", F32_BIT, &zps));
    EMBER_TRY(ember_arg_int(ctx, args, 3, "weight_quant_min", &qmin));
    EMBER_TRY(ember_arg_int(ctx, args, 4, "weight_quant_max", &qmax));
    EMBER_TRY(ember_arg_tensor(ctx, args, 5, "indices", EMBER_DTYPES_NUMERIC, &idx));
    if (with_dtype) {
        EMBER_TRY(ember_arg_opt_kind(ctx, args, 6, "dtype", EMBER_VALUE_INT));
        if (!ember_is_null(args[6]))
            EMBER_REQUIRE(ctx, args[6]->u.i == EMBER_DTYPE_F32, EMBER_NOT_SUPPORTED,
                          "dtype = %lld: only float32 (%d) or None is supported",
                          (long long)args[6]->u.i, EMBER_DTYPE_F32);
    }
    EMBER_TRY(ember_arg_out(ctx, args, out_at, "out", F32_BIT, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, out_at + 1, "returned out", EMBER_VALUE_TENSOR));

    const int per_byte = 8 / bits;
    EMBER_REQUIRE(ctx, w->dim == 2, EMBER_SHAPE_MISMATCH, "weight must be 2-D, has rank %d",
                  w->dim);
    if (bits < 8) {
        const int lo = bits == 4 ? -8 : -2, hi = bits == 4 ? 7 : 1;
        EMBER_REQUIRE(ctx, qmin == lo && qmax == hi, EMBER_NOT_SUPPORTED,
                      "weight_quant_min, weight_quant_max = %lld, %lld: %d-bit weights hold "
                      "[%d, %d]", (long long)qmin, (long long)qmax, bits, lo, hi);
    } else {
        const int lo = w->dtype == EMBER_DTYPE_I8 ? -128 : 0;
        EMBER_REQUIRE(ctx, qmin >= lo && qmin <= qmax && qmax <= lo + 255, EMBER_NOT_SUPPORTED,
                      "weight_quant_min, weight_quant_max = %lld, %lld: not a range of %s",
                      (long long)qmin, (long long)qmax, ember_dtype_name(w->dtype));
    }
    const int64_t rows = w->sizes[0], d = w->sizes[1] * per_byte;
    const bool by_row = scales->dim == 1 && scales->sizes[0] == rows;
    const bool by_group = scales->dim == 2 && scales->sizes[0] == rows && scales->sizes[1] > 0 &&
                          d % scales->sizes[1] == 0;
    if (!by_row && !by_group) {
        char s[96];
        int64_t sizes[EMBER_MAX_DIMS];
        ember_tensor_sizes(scales, sizes);
        ember_shape_str(s, sizeof s, scales->dim, sizes);
        ember_kernel_fail(ctx, EMBER_SHAPE_MISMATCH,
                          "weight_scales has shape %s: expected (%lld) or (%lld, groups) with "
                          "groups dividing the %lld columns", s, (long long)rows,
                          (long long)rows, (long long)d);
        return EMBER_SHAPE_MISMATCH;
    }
    if (zps) {
        bool same = zps->dim == scales->dim;
        for (int i = 0; same && i < zps->dim; i++) same = zps->sizes[i] == scales->sizes[i];
        EMBER_REQUIRE(ctx, same, EMBER_SHAPE_MISMATCH,
                      "weight_zero_points must have weight_scales' shape");
    }
    EMBER_REQUIRE(ctx, idx->dtype == EMBER_DTYPE_I64 || idx->dtype == EMBER_DTYPE_I32,
                  EMBER_DTYPE_MISMATCH, "indices must be int64 or int32, got %s",
                  ember_dtype_name(idx->dtype));
    EMBER_REQUIRE(ctx, idx->dim < EMBER_MAX_DIMS, EMBER_NOT_SUPPORTED,
                  "indices of rank %d give an out of rank above %d", idx->dim, EMBER_MAX_DIMS);
    int64_t sizes[EMBER_MAX_DIMS];
    ember_tensor_sizes(idx, sizes);
    sizes[idx->dim] = d;
    return ember_check_shape(ctx, "out", out, idx->dim + 1, sizes);
}

#define QE_PREPARE(name, bits, with_dtype, fn)                                                 \
    ember_status ember_prepare_quantized_decomposed_##name(                                    \
        ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args,                      \
        ember_kernel_run_fn* run)                                                              \
    {                                                                                          \
        EMBER_TRY(prepare_qe(ctx, args, num_args, bits, with_dtype));                          \
        *run = fn;                                                                             \
        return EMBER_OK;                                                                       \
    }
QE_PREPARE(embedding_byte_out, 8, false, run_byte)
QE_PREPARE(embedding_byte_dtype_out, 8, true, run_byte_dtype)
QE_PREPARE(embedding_4bit_out, 4, false, run_4bit)
QE_PREPARE(embedding_4bit_dtype_out, 4, true, run_4bit_dtype)
QE_PREPARE(embedding_2bit_out, 2, false, run_2bit)
QE_PREPARE(embedding_2bit_dtype_out, 2, true, run_2bit_dtype)
#undef QE_PREPARE
