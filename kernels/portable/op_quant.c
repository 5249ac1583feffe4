/* op_quant.c — the float <-> integer boundaries of quantized programs, with ExecuTorch's
 * arithmetic (its kernels/quantized and backends/cortex_m kernels, scalar paths):
 *
 *   quantized_decomposed::quantize_per_tensor.out / .Tensor_out, cortex_m::quantize_per_tensor.out
 *       q = clamp(zero_point + round(x * inv), quant_min, quant_max), inv = 1.0f / (float)scale,
 *       the product in float, round to nearest, ties to even;
 *   quantized_decomposed::quantize_per_channel.out: the same with scale[c], zero_point[c] of the
 *       input's index c along `axis`;
 *   quantized_decomposed::dequantize_per_tensor.out / .Tensor_out,
 *   cortex_m::dequantize_per_tensor.out
 *       x = (float)(q - zero_point) * (float)scale;
 *   quantized_decomposed::dequantize_per_channel.out: the same per channel (no zero points: 0).
 *
 * A NaN input quantizes to zero_point (clamped) and +-inf (or a product beyond float's range)
 * saturate to quant_max / quant_min, as ExecuTorch's aarch64 kernels give; its x86 scalar path
 * converts those, and products beyond int64, with undefined behaviour (quant_min on the x86-64
 * wheel), so they are the one place the two runtimes may differ. The integer side is uint8, int8, int16 or int32 (the `dtype` argument
 * must name it), the float side float32; scales must be finite and positive, zero points and
 * the quantization range must lie within the integer dtype. Per-channel scales may be float32
 * or float64, zero points int32 or int64, one of each per channel. */
#include <math.h>

#include "kernels/kernel_util.h"
#include "kernels/optimized/i8_eltwise.h"
#include "kernels/optimized/i8_dsp.h"
#include "kernels/optimized/i8_helium.h"

#define QUANT_INT_DTYPES                                                                        \
    (EMBER_DTYPE_BIT(EMBER_DTYPE_U8) | EMBER_DTYPE_BIT(EMBER_DTYPE_I8) |                         \
     EMBER_DTYPE_BIT(EMBER_DTYPE_I16) | EMBER_DTYPE_BIT(EMBER_DTYPE_I32))

/* The representable range of an integer dtype of QUANT_INT_DTYPES. */
static void int_range(int dt, int64_t* lo, int64_t* hi)
{
    switch (dt) {
    case EMBER_DTYPE_U8: *lo = 0, *hi = 255; break;
    case EMBER_DTYPE_I8: *lo = -128, *hi = 127; break;
    case EMBER_DTYPE_I16: *lo = -32768, *hi = 32767; break;
    default: *lo = INT32_MIN, *hi = INT32_MAX; break;
    }
}

static int64_t load_int(const void* p, int dt, int64_t i)
{
    switch (dt) {
    case EMBER_DTYPE_U8: return ((const uint8_t*)p)[i];
    case EMBER_DTYPE_I8: return ((const int8_t*)p)[i];
    case EMBER_DTYPE_I16: return ((const int16_t*)p)[i];
    default: return ((const int32_t*)p)[i];
    }
}

static void store_int(void* p, int dt, int64_t i, int64_t v)
{
    switch (dt) {
    case EMBER_DTYPE_U8: ((uint8_t*)p)[i] = (uint8_t)v; break;
    case EMBER_DTYPE_I8: ((int8_t*)p)[i] = (int8_t)v; break;
    case EMBER_DTYPE_I16: ((int16_t*)p)[i] = (int16_t)v; break;
    default: ((int32_t*)p)[i] = (int32_t)v; break;
    }
}

/* One quantized value: see the file comment. inv = 1.0f / (float)scale. */
static int64_t quantize_one(float x, float inv, int64_t zp, int64_t qmin, int64_t qmax)
{
    const float p = x * inv; /* one float product: no contraction, no wider format */
    double q;
    if (isnan(p))
        q = (double)zp;
    else
        q = (double)nearbyintf(p) + (double)zp; /* exact: an integral float plus an int32 */
    return q < (double)qmin ? qmin : (q > (double)qmax ? qmax : (int64_t)q);
}

/* ---- argument checks -------------------------------------------------------------------- */

/* quant_min, quant_max (args qi, qi + 1) within the integer dtype dt, min <= max; the dtype
 * argument (di) naming dt. */
static ember_status check_range(ember_kernel_ctx* ctx, ember_value* const* args, size_t qi,
                                size_t di, int dt)
{
    int64_t lo, hi, qmin, qmax, named = -1; /* set unless a check returns first */
    int_range(dt, &lo, &hi);
    EMBER_TRY(ember_arg_int_in(ctx, args, qi, "quant_min", lo, hi, &qmin));
    EMBER_TRY(ember_arg_int_in(ctx, args, qi + 1, "quant_max", qmin, hi, &qmax));
    EMBER_TRY(ember_arg_int(ctx, args, di, "dtype", &named));
    EMBER_REQUIRE(ctx, named == dt, EMBER_DTYPE_MISMATCH,
                  "dtype (argument %zu) is %lld, but the quantized tensor is %s", di,
                  (long long)named, ember_dtype_name(dt));
    return EMBER_OK;
}

static ember_status check_scale(ember_kernel_ctx* ctx, double scale, const char* what)
{
    EMBER_REQUIRE(ctx, isfinite(scale) && scale > 0.0 && isfinite((float)scale) &&
                           (float)scale > 0.0f,
                  EMBER_INVALID_ARGUMENT,
                  "%s is %s; it must be a positive number that float32 can hold", what,
                  EMBER_DOUBLE_STR(scale));
    return EMBER_OK;
}

/* A zero point within the integer dtype dt. */
static ember_status check_zp(ember_kernel_ctx* ctx, int64_t zp, int dt, const char* what)
{
    int64_t lo, hi;
    int_range(dt, &lo, &hi);
    EMBER_REQUIRE(ctx, zp >= lo && zp <= hi, EMBER_INVALID_ARGUMENT,
                  "%s is %lld, outside %s's range [%lld, %lld]", what, (long long)zp,
                  ember_dtype_name(dt), (long long)lo, (long long)hi);
    return EMBER_OK;
}

/* The optional out_dtype argument: None or float32. */
static ember_status check_out_dtype(ember_kernel_ctx* ctx, ember_value* const* args, size_t i)
{
    EMBER_TRY(ember_arg_opt_kind(ctx, args, i, "out_dtype", EMBER_VALUE_INT));
    EMBER_REQUIRE(ctx, ember_is_null(args[i]) || args[i]->u.i == EMBER_DTYPE_F32,
                  EMBER_NOT_SUPPORTED, "out_dtype %lld: only float32 (or None) is supported",
                  (long long)args[i]->u.i);
    return EMBER_OK;
}

/* The scale and zero point of a .Tensor_out overload: one element each, scale float32/64, zero
 * point int32/64. */
static ember_status tensor_qparams(ember_kernel_ctx* ctx, ember_value* const* args, size_t si,
                                   int dt, double* scale, int64_t* zp)
{
    ember_tensor *s, *z;
    EMBER_TRY(ember_arg_tensor(ctx, args, si, "scale",
                               EMBER_DTYPE_BIT(EMBER_DTYPE_F32) | EMBER_DTYPE_BIT(EMBER_DTYPE_F64),
                               &s));
    EMBER_TRY(ember_arg_tensor(ctx, args, si + 1, "zero_point",
                               EMBER_DTYPE_BIT(EMBER_DTYPE_I32) | EMBER_DTYPE_BIT(EMBER_DTYPE_I64),
                               &z));
    EMBER_REQUIRE(ctx, s->numel == 1 && z->numel == 1, EMBER_SHAPE_MISMATCH,
                  "scale and zero_point must hold one element each, not %lld and %lld",
                  (long long)s->numel, (long long)z->numel);
    if (!scale) return EMBER_OK; /* prepare: their values may not be known yet */
    *scale = s->dtype == EMBER_DTYPE_F64 ? *(const double*)s->data : *(const float*)s->data;
    *zp = z->dtype == EMBER_DTYPE_I64 ? *(const int64_t*)z->data : *(const int32_t*)z->data;
    EMBER_TRY(check_scale(ctx, *scale, "scale"));
    return check_zp(ctx, *zp, dt, "zero_point");
}

/* ---- per tensor ------------------------------------------------------------------------- */

/* The scale and zero point of a per-tensor op (args 1 and 2) for the integer dtype dt: scalars
 * checked now, or one-element tensors (tensor_given) whose values run checks. */
static ember_status qparams_prepare(ember_kernel_ctx* ctx, ember_value* const* args, int dt,
                                    bool tensor_given)
{
    if (tensor_given) return tensor_qparams(ctx, args, 1, dt, NULL, NULL);
    double scale;
    int64_t zp = 0; /* set unless a check returns first */
    EMBER_TRY(ember_arg_double(ctx, args, 1, "scale", &scale));
    EMBER_TRY(ember_arg_int(ctx, args, 2, "zero_point", &zp));
    EMBER_TRY(check_scale(ctx, scale, "scale"));
    return check_zp(ctx, zp, dt, "zero_point");
}

/* Elements [i0, i0 + n) of in quantized into out with one scale and zero point: a whole tensor,
 * or one channel's run of a per-channel tensor. */
static void quantize_run(const ember_tensor* in, ember_tensor* out, int64_t i0, int64_t n,
                         double scale, int64_t zp, int64_t qmin, int64_t qmax)
{
    const float inv = 1.0f / (float)scale;
    const float* x = (const float*)in->data;
    for (int64_t i = i0; i < i0 + n; i++)
        store_int(out->data, out->dtype, i, quantize_one(x[i], inv, zp, qmin, qmax));
}

/* The same back to float32. */
static void dequantize_run(const ember_tensor* in, ember_tensor* out, int64_t i0, int64_t n,
                           double scale, int64_t zp)
{
    const float s = (float)scale;
    float* y = (float*)out->data;
    for (int64_t i = i0; i < i0 + n; i++)
        y[i] = (float)(int32_t)(load_int(in->data, in->dtype, i) - zp) * s;
}

/* A number argument prepare checked (an int or a double in the file). */
static double number(const ember_value* v)
{
    double x = 0.0;
    ember_scalar_as_double(v, &x);
    return x;
}

/* quantize_per_tensor.out (and cortex_m's): [input, scale, zero_point, quant_min, quant_max,
 * dtype, out, out] */
static ember_status run_quantize(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    quantize_run(args[0]->u.t, args[6]->u.t, 0, args[0]->u.t->numel, number(args[1]),
                 args[2]->u.i, args[3]->u.i, args[4]->u.i);
    return EMBER_OK;
}

#if EMBER_HAVE_X86_KERNELS
/* To int8 on AVX-512: the same bytes (i8_eltwise.h). */
static ember_status run_quantize_i8_fast(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[0]->u.t;
    i8_quantize__avx512((const float*)in->data, (int8_t*)args[6]->u.t->data, 0, in->numel,
                        1.0f / (float)number(args[1]), (int32_t)args[2]->u.i,
                        (int32_t)args[3]->u.i, (int32_t)args[4]->u.i);
    return EMBER_OK;
}
#endif

#if EMBER_HAVE_HELIUM_FP || EMBER_HAVE_DSP_FP
/* To int8 on a microcontroller (i8_helium.h, i8_dsp.h): the same bytes. */
typedef void (*mcu_quantize_fn)(const float* x, int8_t* out, int32_t n, float inv, int32_t zp,
                                int32_t qmin, int32_t qmax);
static ember_status run_quantize_i8_mcu(ember_value* const* args, mcu_quantize_fn quantize)
{
    const ember_tensor* in = args[0]->u.t;
    quantize((const float*)in->data, (int8_t*)args[6]->u.t->data, (int32_t)in->numel,
             1.0f / (float)number(args[1]), (int32_t)args[2]->u.i, (int32_t)args[3]->u.i,
             (int32_t)args[4]->u.i);
    return EMBER_OK;
}
#endif
#if EMBER_HAVE_HELIUM_FP
static ember_status run_quantize_i8_helium(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_quantize_i8_mcu(args, i8_quantize__helium);
}
#endif
#if EMBER_HAVE_DSP_FP
static ember_status run_quantize_i8_dsp(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_quantize_i8_mcu(args, i8_quantize__dsp);
}
#endif

/* quantize_per_tensor.Tensor_out: scale and zero_point tensors (checked here: their values may
 * be computed by the program). */
static ember_status run_quantize_t(ember_kernel_ctx* ctx, ember_value* const* args)
{
    double scale;
    int64_t zp;
    EMBER_TRY(tensor_qparams(ctx, args, 1, args[6]->u.t->dtype, &scale, &zp));
    quantize_run(args[0]->u.t, args[6]->u.t, 0, args[0]->u.t->numel, scale, zp, args[3]->u.i,
                 args[4]->u.i);
    return EMBER_OK;
}

/* Per tensor, element i of input maps to element i of out whatever the layout, as long as both
 * have the same one (a channels-last program input, say; ExecuTorch's kernels walk the bytes). */
static ember_status same_layout(ember_kernel_ctx* ctx, const ember_tensor* in,
                                const ember_tensor* out)
{
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    EMBER_REQUIRE(ctx, ember_same_layout(in, out), EMBER_NOT_SUPPORTED,
                  "input and out are laid out differently (dim orders): not supported");
    return EMBER_OK;
}

static ember_status quantize_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                     size_t num_args, bool tensor_qparams_given,
                                     ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 8);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "input", EMBER_DTYPE_BIT(EMBER_DTYPE_F32), true,
                                  &in));
    EMBER_TRY(ember_arg_out_ex(ctx, args, 6, "out", QUANT_INT_DTYPES, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, 7, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(same_layout(ctx, in, out));
    EMBER_TRY(check_range(ctx, args, 3, 5, out->dtype));
    EMBER_TRY(qparams_prepare(ctx, args, out->dtype, tensor_qparams_given));
    *run = tensor_qparams_given ? run_quantize_t : run_quantize;
#if EMBER_HAVE_X86_KERNELS
    const uint64_t f = I8_ELTWISE_FEATURES_AVX512;
    if (!tensor_qparams_given && out->dtype == EMBER_DTYPE_I8 &&
        (ember_kernel_cpu_features() & f) == f)
        *run = run_quantize_i8_fast;
#endif
#if EMBER_HAVE_HELIUM_FP || EMBER_HAVE_DSP_FP
    /* a microcontroller's: Helium where the core has it, else its FPU beside the DSP extension */
    const uint64_t features = ember_kernel_cpu_features();
    if (!tensor_qparams_given && out->dtype == EMBER_DTYPE_I8 && args[2]->u.i >= -128 &&
        args[2]->u.i <= 127 && 1.0f / (float)number(args[1]) < 0x1p125f) {
#if EMBER_HAVE_HELIUM_FP
        if (features & EMBER_CPU_BIT(EMBER_CPU_HELIUM)) *run = run_quantize_i8_helium;
#endif
#if EMBER_HAVE_DSP_FP
        if (features & EMBER_CPU_BIT(EMBER_CPU_DSP)) *run = run_quantize_i8_dsp;
#endif
    }
#endif
    return EMBER_OK;
}

/* dequantize_per_tensor.out: [input, scale, zero_point, quant_min, quant_max, dtype, out_dtype,
 * out, out]; cortex_m's has no out_dtype (o = 6). */
static ember_status run_dequantize(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    dequantize_run(args[0]->u.t, args[7]->u.t, 0, args[0]->u.t->numel, number(args[1]),
                   args[2]->u.i);
    return EMBER_OK;
}

static ember_status run_dequantize_cm(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    dequantize_run(args[0]->u.t, args[6]->u.t, 0, args[0]->u.t->numel, number(args[1]),
                   args[2]->u.i);
    return EMBER_OK;
}

static ember_status run_dequantize_t(ember_kernel_ctx* ctx, ember_value* const* args)
{
    double scale;
    int64_t zp;
    EMBER_TRY(tensor_qparams(ctx, args, 1, args[0]->u.t->dtype, &scale, &zp));
    dequantize_run(args[0]->u.t, args[7]->u.t, 0, args[0]->u.t->numel, scale, zp);
    return EMBER_OK;
}

/* o: the out's index (7 with out_dtype, 6 without). */
static ember_status dequantize_prepare(ember_kernel_ctx* ctx, ember_value* const* args,
                                       size_t num_args, size_t o, bool tensor_qparams_given,
                                       ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, o + 2);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, 0, "input", QUANT_INT_DTYPES, true, &in));
    if (o == 7) EMBER_TRY(check_out_dtype(ctx, args, 6));
    EMBER_TRY(ember_arg_out_ex(ctx, args, o, "out", EMBER_DTYPE_BIT(EMBER_DTYPE_F32), true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, o + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(same_layout(ctx, in, out));
    EMBER_TRY(check_range(ctx, args, 3, 5, in->dtype));
    EMBER_TRY(qparams_prepare(ctx, args, in->dtype, tensor_qparams_given));
    *run = tensor_qparams_given ? run_dequantize_t : o == 7 ? run_dequantize : run_dequantize_cm;
    return EMBER_OK;
}

ember_status ember_prepare_quantized_decomposed_quantize_per_tensor_out(
    ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args, ember_kernel_run_fn* run)
{
    return quantize_prepare(ctx, args, num_args, false, run);
}

ember_status ember_prepare_quantized_decomposed_quantize_per_tensor_Tensor_out(
    ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args, ember_kernel_run_fn* run)
{
    return quantize_prepare(ctx, args, num_args, true, run);
}

ember_status ember_prepare_cortex_m_quantize_per_tensor_out(ember_kernel_ctx* ctx,
                                                            ember_value* const* args,
                                                            size_t num_args,
                                                            ember_kernel_run_fn* run)
{
    return quantize_prepare(ctx, args, num_args, false, run);
}

ember_status ember_prepare_quantized_decomposed_dequantize_per_tensor_out(
    ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args, ember_kernel_run_fn* run)
{
    return dequantize_prepare(ctx, args, num_args, 7, false, run);
}

ember_status ember_prepare_quantized_decomposed_dequantize_per_tensor_Tensor_out(
    ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args, ember_kernel_run_fn* run)
{
    return dequantize_prepare(ctx, args, num_args, 7, true, run);
}

ember_status ember_prepare_cortex_m_dequantize_per_tensor_out(ember_kernel_ctx* ctx,
                                                              ember_value* const* args,
                                                              size_t num_args,
                                                              ember_kernel_run_fn* run)
{
    return dequantize_prepare(ctx, args, num_args, 6, false, run);
}

/* ---- per channel ------------------------------------------------------------------------ */

/* Channel c's scale and zero point (zero points absent: 0). */
static double channel_scale(const ember_tensor* s, int64_t c)
{
    return s->dtype == EMBER_DTYPE_F64 ? ((const double*)s->data)[c] : ((const float*)s->data)[c];
}

static int64_t channel_zp(const ember_tensor* z, int64_t c)
{
    if (!z) return 0;
    return z->dtype == EMBER_DTYPE_I64 ? ((const int64_t*)z->data)[c] : ((const int32_t*)z->data)[c];
}

/* The scales / zero points of a per-channel op: one per index along `axis` of in; their
 * values are checked at run (a program may compute them). */
static ember_status channel_params(ember_kernel_ctx* ctx, ember_value* const* args,
                                   const ember_tensor* in, bool zps_optional)
{
    ember_tensor *s, *z = NULL;
    EMBER_TRY(ember_arg_tensor(ctx, args, 1, "scales",
                               EMBER_DTYPE_BIT(EMBER_DTYPE_F32) | EMBER_DTYPE_BIT(EMBER_DTYPE_F64),
                               &s));
    const uint32_t zdt = EMBER_DTYPE_BIT(EMBER_DTYPE_I32) | EMBER_DTYPE_BIT(EMBER_DTYPE_I64);
    if (zps_optional) EMBER_TRY(ember_arg_opt_tensor(ctx, args, 2, "zero_points", zdt, &z));
    else EMBER_TRY(ember_arg_tensor(ctx, args, 2, "zero_points", zdt, &z));
    EMBER_REQUIRE(ctx, in->dim >= 1, EMBER_SHAPE_MISMATCH,
                  "a per-channel tensor needs at least one dim, input has none");
    int64_t axis;
    EMBER_TRY(ember_arg_int_in(ctx, args, 3, "axis", -in->dim, in->dim - 1, &axis));
    const int ax = (int)(axis < 0 ? axis + in->dim : axis);
    const int64_t ch = in->sizes[ax];
    EMBER_REQUIRE(ctx, s->numel == ch && (!z || z->numel == ch), EMBER_SHAPE_MISMATCH,
                  "%lld channels along axis %d, but %lld scales and %lld zero points",
                  (long long)ch, ax, (long long)s->numel, (long long)(z ? z->numel : ch));
    return EMBER_OK;
}

/* Checks every channel's scale and zero point against the integer dtype dt. */
static ember_status check_channels(ember_kernel_ctx* ctx, const ember_tensor* s,
                                   const ember_tensor* z, int dt)
{
    for (int64_t c = 0; c < s->numel; c++) {
        EMBER_TRY(check_scale(ctx, channel_scale(s, c), "a channel's scale"));
        EMBER_TRY(check_zp(ctx, channel_zp(z, c), dt, "a channel's zero point"));
    }
    return EMBER_OK;
}

/* in viewed as (outer, channels, inner) around axis ax. */
static void channel_split(const ember_tensor* in, int ax, int64_t* outer, int64_t* ch,
                          int64_t* inner)
{
    *outer = *inner = 1;
    for (int d = 0; d < ax; d++) *outer *= in->sizes[d];
    *ch = in->sizes[ax];
    for (int d = ax + 1; d < in->dim; d++) *inner *= in->sizes[d];
}

static int axis_of(const ember_tensor* in, const ember_value* a)
{
    return (int)(a->u.i < 0 ? a->u.i + in->dim : a->u.i);
}

/* quantize_per_channel.out: [input, scales, zero_points, axis, quant_min, quant_max, dtype, out,
 * out] */
static ember_status run_quantize_channel(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor *in = args[0]->u.t, *s = args[1]->u.t, *z = args[2]->u.t;
    ember_tensor* out = args[7]->u.t;
    EMBER_TRY(check_channels(ctx, s, z, out->dtype));
    int64_t outer, ch, inner;
    channel_split(in, axis_of(in, args[3]), &outer, &ch, &inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < ch; c++)
            quantize_run(in, out, (o * ch + c) * inner, inner, channel_scale(s, c),
                         channel_zp(z, c), args[4]->u.i, args[5]->u.i);
    return EMBER_OK;
}

ember_status ember_prepare_quantized_decomposed_quantize_per_channel_out(
    ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 9);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", EMBER_DTYPE_BIT(EMBER_DTYPE_F32), &in));
    EMBER_TRY(ember_arg_out(ctx, args, 7, "out", QUANT_INT_DTYPES, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, 8, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    EMBER_TRY(channel_params(ctx, args, in, false));
    EMBER_TRY(check_range(ctx, args, 4, 6, out->dtype));
    *run = run_quantize_channel;
    return EMBER_OK;
}

/* dequantize_per_channel.out: [input, scales, zero_points?, axis, quant_min, quant_max, dtype,
 * out_dtype, out, out] */
static ember_status run_dequantize_channel(ember_kernel_ctx* ctx, ember_value* const* args)
{
    const ember_tensor *in = args[0]->u.t, *s = args[1]->u.t;
    const ember_tensor* z = ember_is_null(args[2]) ? NULL : args[2]->u.t;
    EMBER_TRY(check_channels(ctx, s, z, in->dtype));
    int64_t outer, ch, inner;
    channel_split(in, axis_of(in, args[3]), &outer, &ch, &inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < ch; c++)
            dequantize_run(in, args[8]->u.t, (o * ch + c) * inner, inner, channel_scale(s, c),
                           channel_zp(z, c));
    return EMBER_OK;
}

ember_status ember_prepare_quantized_decomposed_dequantize_per_channel_out(
    ember_kernel_ctx* ctx, ember_value* const* args, size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_REQUIRE_NARGS(ctx, num_args, 10);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor(ctx, args, 0, "input", QUANT_INT_DTYPES, &in));
    EMBER_TRY(check_out_dtype(ctx, args, 7));
    EMBER_TRY(ember_arg_out(ctx, args, 8, "out", EMBER_DTYPE_BIT(EMBER_DTYPE_F32), &out));
    EMBER_TRY(ember_arg_kind(ctx, args, 9, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_check_same_shape(ctx, "out", out, in));
    EMBER_TRY(channel_params(ctx, args, in, true));
    EMBER_TRY(check_range(ctx, args, 4, 6, in->dtype));
    *run = run_dequantize_channel;
    return EMBER_OK;
}
