/* op_qconv.c — the int8 convolutions of ExecuTorch's Cortex-M programs, with CMSIS-NN's
 * arithmetic (the generic C of arm_convolve_s8, arm_depthwise_conv_s8 and arm_transpose_conv_s8;
 * requantize is requant.h):
 *
 *   out[n][y][x][o] = clamp(requantize(acc, mult[o], shift[o]) + output_offset,
 *                           activation_min, activation_max)
 *   acc = bias[o] + sum over the window of (in + input_offset) * w
 *
 * where a window position in the padding adds nothing (CMSIS-NN fills it with -input_offset, so
 * its term is zero for input_offset in [-127, 128], the range prepare accepts). The sums wrap in
 * 32 bits as CMSIS-NN's int32 ones do on Arm; being sums of products, their order does not
 * change a bit, so CMSIS-NN's other kernels for the same op (1x1, 1xN, 3x3 depthwise, DSP and
 * MVE, the reverse-conv form of the transpose conv) give the same bytes.
 *
 *   quantized_conv2d            weight (C_out, KH, KW, C_in / groups)    OHWI; groups =
 *                               C_in / weight's last size, output channel o reads group
 *                               o / (C_out / groups)
 *   quantized_depthwise_conv2d  weight (1, KH, KW, C_out)                 IHWO; C_out = C_in *
 *                               depth_multiplier, output channel o reads input channel
 *                               o / depth_multiplier
 *   quantized_transpose_conv2d  weight (C_out, KH, KW, C_in)              (PyTorch's (C_in,
 *                               C_out, KH, KW) permuted); out[oy] gathers in[iy] where
 *                               iy * stride + ky - padding == oy; no groups, dilation or
 *                               output padding (CMSIS-NN's kernel has none; ExecuTorch's
 *                               quantizer lowers none), refused
 *
 * Layouts: the plain ops take NCHW-shaped input and out whose bytes are NHWC (dim order
 * 0, 2, 3, 1, or any order giving the same bytes, e.g. one channel); the _nhwc ops take
 * NHWC-shaped contiguous ones. Any other is refused. Per-channel multipliers and shifts are
 * int32 (C_out) tensors; bias int32 (C_out) or None (zero); the scratch tensors (CMSIS-NN's
 * working buffers) are accepted and never read. Batch N >= 1 everywhere (ExecuTorch's C++
 * depthwise kernel refuses N > 1; CMSIS-NN's generic one computes it).
 *
 * Fast paths (kernels/optimized/i8_conv.h), the same bytes: with the weight, bias,
 * multipliers and shifts constants in the file, prepare asks for them packed at load (kernel.h)
 * and run, given them, computes a convolution of groups 1 through the int8 GEMM core (AVX-512
 * VNNI, aarch64 dot product) and a depthwise one of depth multiplier 1 through the AVX-512
 * kernel, output pixels split over the threads; unpacked, the loops below. On a microcontroller
 * (i8_mcu.h) prepare picks its kernels instead, which read the weights in place (nothing
 * packed: a microcontroller has no RAM for a second copy): Helium's (i8_helium.h: Cortex-M55)
 * where the core has it, else the DSP extension's (i8_dsp.h: M4, M7, M33), for a convolution of
 * groups 1 whose patches fit their stack block and any depthwise one. */
#include "kernels/kernel_util.h"
#include "kernels/optimized/i8_conv.h"
#include "kernels/optimized/i8_dsp.h"
#include "kernels/optimized/i8_helium.h"
#include "kernels/portable/requant.h"

enum qconv_kind { QCONV, QCONV_DEPTHWISE, QCONV_TRANSPOSE };

/* Argument positions. All: input 0, weight 1, bias 2, stride 3, padding 4; then conv: dilation
 * 5, input_offset 6 ..; depthwise: dilation 5, depth_multiplier 6, input_offset 7 ..;
 * transpose: output_padding 5, dilation 6, input_offset 7 .., output_scratch after scratch.
 * From input_offset on: output_offset, multipliers, shifts, activation_min, activation_max,
 * scratch(es), out, the returned out. */
typedef struct qconv_args {
    int dilation, in_off, nargs;
} qconv_args;
static const qconv_args QCONV_ARGS[] = {
    [QCONV] = {5, 6, 15}, [QCONV_DEPTHWISE] = {5, 7, 16}, [QCONV_TRANSPOSE] = {6, 7, 17}};
enum { A_IN, A_W, A_BIAS, A_STRIDE, A_PAD };
#define A_OUT_OFF(a) ((a).in_off + 1)
#define A_MULTS(a) ((a).in_off + 2)
#define A_SHIFTS(a) ((a).in_off + 3)
#define A_ACT_MIN(a) ((a).in_off + 4)
#define A_ACT_MAX(a) ((a).in_off + 5)
#define A_SCRATCH(a) ((a).in_off + 6)
#define A_OUT(a) ((a).nargs - 2)

/* One convolution, read from its arguments (qconv_read; prepare has checked them). */
typedef struct qconv {
    int64_t n, ih, iw, ic;           /* input, bytes (n, ih, iw, ic) */
    int64_t oh, ow, oc;              /* out, bytes (n, oh, ow, oc) */
    int64_t kh, kw, kc;              /* window; kc input channels per output channel */
    int64_t sh, sw, ph, pw, dh, dw;  /* stride, padding, dilation */
    int64_t oc_per_group;            /* output channels sharing one group of kc input channels */
    int64_t ws_o, ws_y, ws_x;        /* weight strides of (output channel, ky, kx); channels 1 */
    int32_t in_off, out_off, act_min, act_max;
    const int8_t* x;                 /* (n, ih, iw, ic) */
    const int8_t* w;                 /* by ws_*: OHWI, IHWO or the transpose conv's OHWI */
    const int32_t* bias;             /* (oc) or NULL */
    const int32_t* mult;             /* (oc) */
    const int32_t* shift;            /* (oc) */
    int8_t* y;                       /* (n, oh, ow, oc) */
} qconv;

static void qconv_read(ember_value* const* args, enum qconv_kind kind, bool nhwc, qconv* q)
{
    const qconv_args a = QCONV_ARGS[kind];
    const ember_tensor *in = args[A_IN]->u.t, *w = args[A_W]->u.t, *out = args[A_OUT(a)]->u.t;
    int64_t s[4];
    ember_nhwc_sizes(in, nhwc, s);
    q->n = s[0], q->ih = s[1], q->iw = s[2], q->ic = s[3];
    ember_nhwc_sizes(out, nhwc, s);
    q->oh = s[1], q->ow = s[2], q->oc = s[3];
    q->kh = w->sizes[1], q->kw = w->sizes[2];
    const int64_t *st = args[A_STRIDE]->u.ints, *pd = args[A_PAD]->u.ints;
    const int64_t* dl = args[a.dilation]->u.ints;
    q->sh = st[0], q->sw = st[1], q->ph = pd[0], q->pw = pd[1], q->dh = dl[0], q->dw = dl[1];
    if (kind == QCONV_DEPTHWISE) { /* (1, kh, kw, oc): one input channel per output channel */
        q->kc = 1;
        q->oc_per_group = q->ic ? q->oc / q->ic : 0;
        q->ws_o = 1, q->ws_y = q->kw * q->oc, q->ws_x = q->oc;
    } else { /* (oc, kh, kw, kc) */
        q->kc = w->sizes[3];
        const int64_t groups = q->kc ? q->ic / q->kc : 0;
        q->oc_per_group = groups ? q->oc / groups : 0;
        q->ws_o = q->kh * q->kw * q->kc, q->ws_y = q->kw * q->kc, q->ws_x = q->kc;
    }
    q->in_off = (int32_t)args[a.in_off]->u.i;
    q->out_off = (int32_t)args[A_OUT_OFF(a)]->u.i;
    q->act_min = (int32_t)args[A_ACT_MIN(a)]->u.i;
    q->act_max = (int32_t)args[A_ACT_MAX(a)]->u.i;
    q->x = (const int8_t*)in->data;
    q->w = (const int8_t*)w->data;
    q->bias = ember_is_null(args[A_BIAS]) ? NULL : (const int32_t*)args[A_BIAS]->u.t->data;
    q->mult = (const int32_t*)args[A_MULTS(a)]->u.t->data;
    q->shift = (const int32_t*)args[A_SHIFTS(a)]->u.t->data;
    q->y = (int8_t*)out->data;
}

static inline int8_t qconv_store(const qconv* q, uint32_t acc, ptrdiff_t o)
{
    return ember_requantize_clamp((int32_t)acc, q->mult[o], q->shift[o], q->out_off, q->act_min,
                                  q->act_max);
}

/* The taps k in [*lo, *hi) of [0, k_size) whose position p0 + k * d lies in [0, size), and the
 * first one's position (*first; the next ones follow d apart): a window's taps inside the input,
 * the rest being padding. In 64 bits: stride, padding and dilation come from the file (prepare
 * bounds each by 2^31 - 1), so p0 and k * d need not fit 32 bits; positions inside the input do. */
static void window_taps(int64_t p0, int64_t size, int64_t k_size, int64_t d, ptrdiff_t* lo,
                        ptrdiff_t* hi, ptrdiff_t* first)
{
    int64_t a = 0, b = k_size;
    while (a < b && p0 + a * d < 0) a++;
    while (b > a && p0 + (b - 1) * d >= size) b--;
    *lo = (ptrdiff_t)a;
    *hi = (ptrdiff_t)b;
    *first = a < b ? (ptrdiff_t)(p0 + a * d) : 0;
}

/* The sum of (x[c] + in_off) * w[c] over c < n, wrapping as int32. Not inlined: in a function
 * of its own the loop keeps its pointers in registers (inlined into the loops around it, GCC
 * at -Os spilled them, twice the instructions per multiply-add on a Cortex-M). */
__attribute__((noinline)) static uint32_t dot_s8(const int8_t* x, const int8_t* w, ptrdiff_t n,
                                                 int32_t in_off)
{
    uint32_t acc = 0;
    for (ptrdiff_t c = 0; c < n; c++) acc += (uint32_t)(((int32_t)x[c] + in_off) * (int32_t)w[c]);
    return acc;
}

/* Convolution and depthwise convolution (a convolution of ic groups of one channel whose
 * weight has other strides: its kc is 1, so the channel loop reads w[0] alone and the weight's
 * channel stride never matters).
 *
 * Indices are ptrdiff_t, the core's own word: the loader keeps every tensor under 2^31
 * elements, so no index into one overflows 32 bits, and a 32-bit core spends one instruction per
 * step where 64-bit indices took several. The taps inside the input are found once per output
 * pixel (window_taps, in 64 bits), not tested tap by tap. */
static void qconv_direct(const qconv* q)
{
    const ptrdiff_t ih = (ptrdiff_t)q->ih, iw = (ptrdiff_t)q->iw, ic = (ptrdiff_t)q->ic;
    const ptrdiff_t oh = (ptrdiff_t)q->oh, ow = (ptrdiff_t)q->ow, oc = (ptrdiff_t)q->oc;
    const ptrdiff_t kc = (ptrdiff_t)q->kc, dh = (ptrdiff_t)q->dh, dw = (ptrdiff_t)q->dw;
    const ptrdiff_t ws_o = (ptrdiff_t)q->ws_o, ws_y = (ptrdiff_t)q->ws_y, ws_x = (ptrdiff_t)q->ws_x;
    const ptrdiff_t per_group = (ptrdiff_t)q->oc_per_group;
    const int32_t in_off = q->in_off;
    for (ptrdiff_t b = 0; b < (ptrdiff_t)q->n; b++)
        for (ptrdiff_t oy = 0; oy < oh; oy++) {
            ptrdiff_t ky0, ky1, iy0; /* taps [ky0, ky1) read rows iy0, iy0 + dh, ... */
            window_taps((int64_t)oy * q->sh - q->ph, q->ih, q->kh, q->dh, &ky0, &ky1, &iy0);
            for (ptrdiff_t ox = 0; ox < ow; ox++) {
                ptrdiff_t kx0, kx1, ix0;
                window_taps((int64_t)ox * q->sw - q->pw, q->iw, q->kw, q->dw, &kx0, &kx1, &ix0);
                int8_t* y = q->y + ((b * oh + oy) * ow + ox) * oc;
                for (ptrdiff_t o = 0; o < oc; o++) {
                    const ptrdiff_t c0 = o / per_group * kc; /* first input channel */
                    uint32_t acc = q->bias ? (uint32_t)q->bias[o] : 0u; /* wraps as int32 */
                    for (ptrdiff_t ky = ky0; ky < ky1; ky++) {
                        const ptrdiff_t row = (b * ih + iy0 + (ky - ky0) * dh) * iw; /* first pixel */
                        for (ptrdiff_t kx = kx0; kx < kx1; kx++) {
                            const int8_t* x = q->x + (row + ix0 + (kx - kx0) * dw) * ic + c0;
                            const int8_t* w = q->w + o * ws_o + ky * ws_y + kx * ws_x;
                            acc += kc == 1 ? (uint32_t)(((int32_t)x[0] + in_off) * (int32_t)w[0])
                                           : dot_s8(x, w, kc, in_off);
                        }
                    }
                    y[o] = qconv_store(q, acc, o);
                }
            }
        }
}

/* Transpose convolution, as a gather: out[oy][ox] sums in[iy][ix] w[ky][kx] over the taps with
 * iy * sh + ky - ph == oy and ix * sw + kx - pw == ox (stride and padding only: prepare refuses
 * dilation and output padding). */
static void qconv_transpose(const qconv* q)
{
    for (int64_t b = 0; b < q->n; b++)
        for (int64_t oy = 0; oy < q->oh; oy++)
            for (int64_t ox = 0; ox < q->ow; ox++) {
                int8_t* y = q->y + ((b * q->oh + oy) * q->ow + ox) * q->oc;
                for (int64_t o = 0; o < q->oc; o++) {
                    uint32_t acc = q->bias ? (uint32_t)q->bias[o] : 0u;
                    for (int64_t ky = 0; ky < q->kh; ky++) {
                        const int64_t ty = oy + q->ph - ky; /* iy * sh */
                        if (ty < 0 || ty % q->sh != 0 || ty / q->sh >= q->ih) continue;
                        for (int64_t kx = 0; kx < q->kw; kx++) {
                            const int64_t tx = ox + q->pw - kx;
                            if (tx < 0 || tx % q->sw != 0 || tx / q->sw >= q->iw) continue;
                            const int8_t* x =
                                q->x + ((b * q->ih + ty / q->sh) * q->iw + tx / q->sw) * q->ic;
                            const int8_t* w = q->w + o * q->ws_o + ky * q->ws_y + kx * q->ws_x;
                            for (int64_t c = 0; c < q->kc; c++)
                                acc += (uint32_t)(((int32_t)x[c] + q->in_off) * (int32_t)w[c]);
                        }
                    }
                    y[o] = qconv_store(q, acc, o);
                }
            }
}

/* Multipliers are Q31 values in [0, 2^31), shifts in [-31, 30] (what requant.h computes
 * with). Prepare checks constant ones; run checks those only the data shows. */
static ember_status check_requant(ember_kernel_ctx* ctx, const int32_t* mult,
                                  const int32_t* shift, int64_t n)
{
    for (int64_t o = 0; o < n; o++) {
        EMBER_REQUIRE(ctx, mult[o] >= 0, EMBER_INVALID_ARGUMENT,
                      "requantize_multipliers[%lld] = %ld is negative", (long long)o,
                      (long)mult[o]);
        EMBER_REQUIRE(ctx, shift[o] >= -31 && shift[o] <= 30, EMBER_INVALID_ARGUMENT,
                      "requantize_shifts[%lld] = %ld is out of range [-31, 30]", (long long)o,
                      (long)shift[o]);
    }
    return EMBER_OK;
}

/* What run checks before it computes: the loader lets an out share an input's bytes exactly; a
 * convolution cannot run so (it would read what it wrote, and overwrite the shifts it
 * checked); multipliers and shifts that only the data shows. */
static ember_status check_run(ember_kernel_ctx* ctx, const qconv* q)
{
    const void* y = q->y;
    EMBER_REQUIRE(ctx,
                  q->n == 0 || (y != q->x && y != q->w && y != q->bias && y != q->mult &&
                                y != q->shift),
                  EMBER_NOT_SUPPORTED, "out is the same memory as an input: not computed in place");
    return check_requant(ctx, q->mult, q->shift, q->oc);
}

static ember_status run_qconv(ember_kernel_ctx* ctx, ember_value* const* args,
                              enum qconv_kind kind, bool nhwc)
{
    qconv q;
    qconv_read(args, kind, nhwc, &q);
    EMBER_TRY(check_run(ctx, &q));
    if (kind == QCONV_TRANSPOSE) qconv_transpose(&q);
    else qconv_direct(&q);
    return EMBER_OK;
}

/* ---- fast paths ------------------------------------------------------------------------ */

/* What prepare picked (ctx->state): the packed GEMM for a convolution, the kernel for
 * depthwise. */
typedef struct qconv_fast {
    union {
        i8_gemm_fn gemm;
        i8_dw_fn dw;
    } u;
    int unsigned_a; /* the GEMM reads the input unsigned: the pack folds that in */
    int dw3x3;      /* depthwise: i8_dw3x3's layout, not i8_dwconv2d's */
} qconv_fast;
_Static_assert(sizeof(qconv_fast) <= EMBER_KERNEL_STATE_BYTES, "state holds the pick");

static void fast_shape(const qconv* q, int64_t dm, i8_conv_shape* s)
{
    *s = (i8_conv_shape){q->n,  q->ih, q->iw, q->ic, q->oh, q->ow,     q->oc,     q->kh,
                         q->kw, q->sh, q->sw, q->ph, q->pw, q->dh,     q->dw,     dm,
                         q->in_off, q->out_off, q->act_min, q->act_max};
}

typedef struct qconv_job {
    i8_conv_shape s;
    const qconv_fast* pick;
    const int8_t* x;
    const void* packed;
    int8_t* y;
    bool depthwise;
} qconv_job;

#define QCONV_TASK_PIXELS 16 /* output pixels per task: whole GEMM row tiles */

static ember_status qconv_pixels(void* arg, size_t begin, size_t end)
{
    const qconv_job* j = arg;
    const int64_t total = j->s.n * j->s.ho * j->s.wo;
    const int64_t p0 = (int64_t)begin * QCONV_TASK_PIXELS;
    const int64_t p1 = (int64_t)end * QCONV_TASK_PIXELS < total ? (int64_t)end * QCONV_TASK_PIXELS
                                                                 : total;
    if (j->depthwise) {
        j->pick->u.dw(&j->s, j->x, j->packed, j->y, p0, p1);
        return EMBER_OK;
    }
    i8_conv2d_run(&j->s, j->pick->u.gemm, j->pick->unsigned_a, j->x, j->packed, j->y, p0, p1);
    return EMBER_OK;
}

static ember_status run_fast(ember_kernel_ctx* ctx, ember_value* const* args,
                             enum qconv_kind kind, bool nhwc)
{
    if (!ctx->packed) return run_qconv(ctx, args, kind, nhwc);
    qconv q;
    qconv_read(args, kind, nhwc, &q);
    const void* y = q.y;
    EMBER_REQUIRE(ctx, y != q.x, EMBER_NOT_SUPPORTED,
                  "out is the same memory as the input: not computed in place");
    qconv_job j = {{0}, ctx->state, q.x, ctx->packed, q.y, kind == QCONV_DEPTHWISE};
    fast_shape(&q, 1, &j.s);
    const int64_t pixels = q.n * q.oh * q.ow;
    const bool big = (double)pixels * (double)q.oc * (double)(q.kh * q.kw * q.kc) >= 1 << 18;
    return ember_parallel_for(big ? ctx->pool : NULL,
                              (size_t)((pixels + QCONV_TASK_PIXELS - 1) / QCONV_TASK_PIXELS),
                              qconv_pixels, &j);
}

static ember_status pack_fast(ember_kernel_ctx* ctx, ember_value* const* args, void* dst,
                              enum qconv_kind kind, bool nhwc)
{
    qconv q;
    qconv_read(args, kind, nhwc, &q); /* reads only sizes and constants' pointers here */
    i8_conv_shape s;
    fast_shape(&q, 1, &s);
    const qconv_fast* pick = ctx->state;
    if (kind == QCONV_DEPTHWISE && pick->dw3x3) i8_dw3x3_pack(dst, &s, q.w, q.bias, q.mult, q.shift);
    else if (kind == QCONV_DEPTHWISE) i8_dwconv2d_pack(dst, &s, q.w, q.bias, q.mult, q.shift);
    else i8_conv2d_pack(dst, &s, q.w, q.bias, q.mult, q.shift,
                        pick->unsigned_a);
    return EMBER_OK;
}

#define QCONV_FAST(kind, nhwc, suffix)                                                          \
    static ember_status run_fast_##suffix(ember_kernel_ctx* ctx, ember_value* const* args)     \
    {                                                                                           \
        return run_fast(ctx, args, kind, nhwc);                                                 \
    }                                                                                           \
    static ember_status pack_fast_##suffix(ember_kernel_ctx* ctx, ember_value* const* args,    \
                                           void* dst)                                           \
    {                                                                                           \
        return pack_fast(ctx, args, dst, kind, nhwc);                                           \
    }
QCONV_FAST(QCONV, false, conv)
QCONV_FAST(QCONV, true, conv_nhwc)
QCONV_FAST(QCONV_DEPTHWISE, false, depthwise)
QCONV_FAST(QCONV_DEPTHWISE, true, depthwise_nhwc)
#undef QCONV_FAST

#if EMBER_HAVE_MCU_KERNELS
/* A microcontroller's kernels (i8_mcu.h): the weights read where they lie, nothing packed. */
static ember_status run_mcu(ember_kernel_ctx* ctx, ember_value* const* args, enum qconv_kind kind,
                            bool nhwc, const i8_mcu_isa* isa)
{
    qconv q;
    qconv_read(args, kind, nhwc, &q);
    EMBER_TRY(check_run(ctx, &q));
    i8_conv_shape s;
    fast_shape(&q, q.oc_per_group, &s);
    if (kind == QCONV_DEPTHWISE) isa->dwconv2d(&s, q.x, q.w, q.bias, q.mult, q.shift, q.y);
    else i8_mcu_conv2d(isa, &s, q.x, q.w, q.bias, q.mult, q.shift, q.y);
    return EMBER_OK;
}

#define QCONV_MCU(set, kind, nhwc, suffix)                                                      \
    static ember_status run_##set##_##suffix(ember_kernel_ctx* ctx, ember_value* const* args)  \
    {                                                                                           \
        return run_mcu(ctx, args, kind, nhwc, &i8_##set##_isa);                                 \
    }
#define QCONV_MCU_SET(set)                                                                      \
    QCONV_MCU(set, QCONV, false, conv)                                                          \
    QCONV_MCU(set, QCONV, true, conv_nhwc)                                                      \
    QCONV_MCU(set, QCONV_DEPTHWISE, false, depthwise)                                           \
    QCONV_MCU(set, QCONV_DEPTHWISE, true, depthwise_nhwc)                                       \
    static const ember_kernel_run_fn set##_runs[2][2] = {                                       \
        {run_##set##_conv, run_##set##_conv_nhwc},                                              \
        {run_##set##_depthwise, run_##set##_depthwise_nhwc}};
#if EMBER_HAVE_HELIUM
QCONV_MCU_SET(helium)
#endif
#if EMBER_HAVE_DSP
QCONV_MCU_SET(dsp)
#endif
#undef QCONV_MCU_SET
#undef QCONV_MCU

/* Helium where the core has it, else the DSP extension: a convolution of groups 1 whose
 * patches fit, any depthwise one; geometry whose int32 indices cannot overflow. */
static bool want_mcu(ember_kernel_ctx* ctx, ember_value* const* args, enum qconv_kind kind,
                     bool nhwc, ember_kernel_run_fn* run)
{
    const uint64_t features = ember_kernel_cpu_features();
    const ember_kernel_run_fn(*runs)[2] = NULL;
#if EMBER_HAVE_HELIUM
    if (features & EMBER_CPU_BIT(EMBER_CPU_HELIUM)) runs = helium_runs;
#endif
#if EMBER_HAVE_DSP
    if (!runs && (features & EMBER_CPU_BIT(EMBER_CPU_DSP))) runs = dsp_runs;
#endif
    if (!runs || kind == QCONV_TRANSPOSE) return false;
    qconv q;
    qconv_read(args, kind, nhwc, &q);
    i8_conv_shape s;
    fast_shape(&q, 1, &s);
    if (!i8_mcu_geometry_fits(&s)) return false;
    if (kind == QCONV && (q.kc != q.ic || !i8_conv2d_mcu_fits(&s))) return false;
    *run = runs[kind == QCONV_DEPTHWISE][nhwc];
    return true;
}
#endif

static bool is_constant(const ember_value* v)
{
    return ember_is_null(v) || (v->tag == EMBER_VALUE_TENSOR && v->u.t->storage == EMBER_TENSOR_CONSTANT);
}

/* After prepare's checks: ask for the packed fast path where one fits (see the top). */
static void want_fast(ember_kernel_ctx* ctx, ember_value* const* args, enum qconv_kind kind,
                      bool nhwc, ember_kernel_run_fn* run)
{
#if EMBER_HAVE_MCU_KERNELS
    if (want_mcu(ctx, args, kind, nhwc, run)) return;
#endif
    const qconv_args a = QCONV_ARGS[kind];
    if (kind == QCONV_TRANSPOSE || !ctx->state || !is_constant(args[A_W]) ||
        !is_constant(args[A_BIAS]) || !is_constant(args[A_MULTS(a)]) ||
        !is_constant(args[A_SHIFTS(a)]))
        return;
    qconv q;
    qconv_read(args, kind, nhwc, &q);
    i8_conv_shape s;
    fast_shape(&q, 1, &s);
    const uint64_t features = ember_kernel_cpu_features();
    qconv_fast pick = {{NULL}, 0, 0};
    size_t bytes = 0;
    if (kind == QCONV_DEPTHWISE) {
        if (q.oc == q.ic) { /* depth multiplier 1; above it, the loops */
            if ((pick.u.dw = i8_dw3x3_pick(features, &s))) {
                pick.dw3x3 = 1;
                bytes = i8_dw3x3_pack_bytes(&s);
            } else if ((pick.u.dw = i8_dwconv2d_pick(features))) {
                bytes = i8_dwconv2d_pack_bytes(&s);
            }
        }
    } else if (q.kc == q.ic && i8_conv2d_fits(&s)) { /* groups 1 */
        pick.u.gemm = i8_gemm_pick(features, &pick.unsigned_a);
        if (pick.u.gemm) bytes = i8_conv2d_pack_bytes(&s);
    }
    if (!bytes) return;
    *(qconv_fast*)ctx->state = pick;
    ctx->pack_bytes = bytes;
    static const ember_kernel_pack_fn packs[2][2] = {{pack_fast_conv, pack_fast_conv_nhwc},
                                                     {pack_fast_depthwise, pack_fast_depthwise_nhwc}};
    static const ember_kernel_run_fn runs[2][2] = {{run_fast_conv, run_fast_conv_nhwc},
                                                   {run_fast_depthwise, run_fast_depthwise_nhwc}};
    ctx->pack = packs[kind == QCONV_DEPTHWISE][nhwc];
    *run = runs[kind == QCONV_DEPTHWISE][nhwc];
}

#define QCONV_RUN(name, kind, nhwc)                                                             \
    static ember_status name(ember_kernel_ctx* ctx, ember_value* const* args)                   \
    {                                                                                           \
        return run_qconv(ctx, args, kind, nhwc);                                                \
    }
QCONV_RUN(run_conv, QCONV, false)
QCONV_RUN(run_conv_nhwc, QCONV, true)
QCONV_RUN(run_depthwise, QCONV_DEPTHWISE, false)
QCONV_RUN(run_depthwise_nhwc, QCONV_DEPTHWISE, true)
QCONV_RUN(run_transpose, QCONV_TRANSPOSE, false)
QCONV_RUN(run_transpose_nhwc, QCONV_TRANSPOSE, true)
#undef QCONV_RUN

/* True if t's bytes are in NHWC order: every dim longer than one has the NHWC stride (t is
 * NCHW-shaped, or NHWC-shaped for the _nhwc ops). */
static bool bytes_are_nhwc(const ember_tensor* t, bool nhwc)
{
    int64_t s[4];
    ember_nhwc_sizes(t, nhwc, s);
    const int64_t want_nhwc[4] = {s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};
    const int at[4] = {0, nhwc ? 1 : 2, nhwc ? 2 : 3, nhwc ? 3 : 1}; /* dim of n, h, w, c */
    for (int k = 0; k < 4; k++)
        if (s[k] > 1 && t->strides[at[k]] != want_nhwc[k]) return false;
    return true;
}

/* An activation tensor (input or out): int8, rank 4, NHWC bytes. */
static ember_status activation_arg(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                   const char* what, bool nhwc, bool is_out, ember_tensor** t)
{
    const uint32_t i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    if (is_out) EMBER_TRY(ember_arg_out_ex(ctx, args, i, what, i8, true, t));
    else EMBER_TRY(ember_arg_tensor_ex(ctx, args, i, what, i8, true, t));
    EMBER_REQUIRE(ctx, (*t)->dim == 4, EMBER_SHAPE_MISMATCH, "%s must have 4 dims, got %d", what,
                  (*t)->dim);
    EMBER_REQUIRE(ctx, bytes_are_nhwc(*t, nhwc), EMBER_NOT_SUPPORTED,
                  nhwc ? "%s must be a contiguous NHWC tensor (dim order 0, 1, 2, 3)"
                       : "%s must be channels-last (NCHW-shaped, dim order 0, 2, 3, 1): other "
                         "layouts are not supported",
                  what);
    return EMBER_OK;
}

/* An int32 (C_out) tensor (bias, multipliers, shifts), or None where `optional`. */
static ember_status channel_arg(ember_kernel_ctx* ctx, ember_value* const* args, size_t i,
                                const char* what, bool optional, int64_t oc)
{
    ember_tensor* t;
    const uint32_t i32 = EMBER_DTYPE_BIT(EMBER_DTYPE_I32);
    if (optional) EMBER_TRY(ember_arg_opt_tensor(ctx, args, i, what, i32, &t));
    else EMBER_TRY(ember_arg_tensor(ctx, args, i, what, i32, &t));
    EMBER_REQUIRE(ctx, !t || (t->dim == 1 && t->sizes[0] == oc), EMBER_SHAPE_MISMATCH,
                  "%s must have shape [%lld] (one per output channel), got %d dims, %lld "
                  "elements",
                  what, (long long)oc, t ? t->dim : 0, (long long)(t ? t->numel : 0));
    return EMBER_OK;
}

/* Output size of one spatial dim; <= 0 if the window does not fit. */
static int64_t out_size(enum qconv_kind kind, int64_t in, int64_t k, int64_t s, int64_t p,
                        int64_t d)
{
    /* sizes and parameters are below 2^31, so each product is below 2^62: no overflow */
    if (kind == QCONV_TRANSPOSE) return (in - 1) * s - 2 * p + d * (k - 1) + 1;
    const int64_t span = in + 2 * p - d * (k - 1) - 1;
    return span < 0 ? 0 : span / s + 1;
}

static ember_status prepare_qconv(ember_kernel_ctx* ctx, ember_value* const* args,
                                  size_t num_args, ember_kernel_run_fn* run,
                                  enum qconv_kind kind, bool nhwc)
{
    const qconv_args a = QCONV_ARGS[kind];
    EMBER_REQUIRE_NARGS(ctx, num_args, a.nargs);
    ember_tensor *in, *w, *out;
    EMBER_TRY(activation_arg(ctx, args, A_IN, "input", nhwc, false, &in));
    EMBER_TRY(activation_arg(ctx, args, (size_t)A_OUT(a), "out", nhwc, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, (size_t)A_OUT(a) + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_TRY(ember_arg_tensor(ctx, args, A_W, "weight", EMBER_DTYPE_BIT(EMBER_DTYPE_I8), &w));
    EMBER_REQUIRE(ctx, w->dim == 4, EMBER_SHAPE_MISMATCH, "weight must have 4 dims, got %d",
                  w->dim);
    const int64_t lim = INT32_MAX;
    EMBER_TRY(ember_arg_int_pair(ctx, args, A_STRIDE, "stride", 1, lim));
    EMBER_TRY(ember_arg_int_pair(ctx, args, A_PAD, "padding", 0, lim));
    EMBER_TRY(ember_arg_int_pair(ctx, args, (size_t)a.dilation, "dilation", 1, lim));
    if (kind == QCONV_TRANSPOSE) {
        EMBER_TRY(ember_arg_int_pair(ctx, args, 5, "output_padding", 0, lim));
        const int64_t *op = args[5]->u.ints, *dl = args[a.dilation]->u.ints;
        EMBER_REQUIRE(ctx, op[0] == 0 && op[1] == 0 && dl[0] == 1 && dl[1] == 1,
                      EMBER_NOT_SUPPORTED,
                      "output_padding [%lld, %lld] and dilation [%lld, %lld]: CMSIS-NN's "
                      "transpose convolution supports only [0, 0] and [1, 1]",
                      (long long)op[0], (long long)op[1], (long long)dl[0], (long long)dl[1]);
    }
    int64_t is[4], os[4];
    ember_nhwc_sizes(in, nhwc, is);
    ember_nhwc_sizes(out, nhwc, os);
    const int64_t ic = is[3], oc = os[3], kh = w->sizes[1], kw = w->sizes[2];
    EMBER_REQUIRE(ctx, ic >= 1 && is[1] >= 1 && is[2] >= 1 && kh >= 1 && kw >= 1,
                  EMBER_SHAPE_MISMATCH,
                  "input (%lld x %lld, %lld channels) and window (%lld x %lld) must not be empty",
                  (long long)is[1], (long long)is[2], (long long)ic, (long long)kh,
                  (long long)kw);
    int64_t w_oc; /* the output channels the weight has */
    if (kind == QCONV_DEPTHWISE) {
        int64_t dm;
        EMBER_TRY(ember_arg_int_in(ctx, args, 6, "depth_multiplier", 1, lim, &dm));
        EMBER_REQUIRE(ctx, w->sizes[0] == 1, EMBER_SHAPE_MISMATCH,
                      "depthwise weight must be [1, KH, KW, C_out], got %d first",
                      (int)w->sizes[0]);
        w_oc = w->sizes[3];
        EMBER_REQUIRE(ctx, w_oc == ic * dm, EMBER_SHAPE_MISMATCH,
                      "depthwise weight has %lld output channels, input %lld channels times "
                      "depth_multiplier %lld",
                      (long long)w_oc, (long long)ic, (long long)dm);
    } else {
        const int64_t kc = w->sizes[3];
        w_oc = w->sizes[0];
        if (kind == QCONV_TRANSPOSE)
            EMBER_REQUIRE(ctx, kc == ic, EMBER_NOT_SUPPORTED,
                          "weight reads %lld input channels, input has %lld: transpose "
                          "convolution has no groups in CMSIS-NN",
                          (long long)kc, (long long)ic);
        else
            EMBER_REQUIRE(ctx, kc >= 1 && ic % kc == 0 && w_oc % (ic / kc) == 0,
                          EMBER_SHAPE_MISMATCH,
                          "weight [%lld, %lld, %lld, %lld] does not fit %lld input channels: "
                          "groups = C_in / weight's last size must divide both channel counts",
                          (long long)w_oc, (long long)kh, (long long)kw, (long long)kc,
                          (long long)ic);
    }
    const int64_t *st = args[A_STRIDE]->u.ints, *pd = args[A_PAD]->u.ints;
    const int64_t* dl = args[a.dilation]->u.ints;
    const int64_t oh = out_size(kind, is[1], kh, st[0], pd[0], dl[0]);
    const int64_t ow = out_size(kind, is[2], kw, st[1], pd[1], dl[1]);
    EMBER_REQUIRE(ctx, oh >= 1 && ow >= 1, EMBER_SHAPE_MISMATCH,
                  "input %lld x %lld gives an empty output (%lld x %lld) for this window, "
                  "stride, padding and dilation",
                  (long long)is[1], (long long)is[2], (long long)oh, (long long)ow);
    const int64_t want_nchw[4] = {is[0], w_oc, oh, ow}, want_nhwc[4] = {is[0], oh, ow, w_oc};
    EMBER_TRY(ember_check_shape(ctx, "out", out, 4, nhwc ? want_nhwc : want_nchw));
    EMBER_TRY(channel_arg(ctx, args, A_BIAS, "bias", true, oc));
    EMBER_TRY(channel_arg(ctx, args, (size_t)A_MULTS(a), "requantize_multipliers", false, oc));
    EMBER_TRY(channel_arg(ctx, args, (size_t)A_SHIFTS(a), "requantize_shifts", false, oc));
    const ember_tensor *mt = args[A_MULTS(a)]->u.t, *sht = args[A_SHIFTS(a)]->u.t;
    if (mt->storage == EMBER_TENSOR_CONSTANT && sht->storage == EMBER_TENSOR_CONSTANT &&
        mt->data && sht->data) /* the file's own values: refuse bad ones at load already */
        EMBER_TRY(check_requant(ctx, mt->data, sht->data, oc));
    /* CMSIS-NN's ranges; in them a padded position's -input_offset fill adds exactly zero */
    EMBER_TRY(ember_arg_int_in(ctx, args, (size_t)a.in_off, "input_offset", -127, 128, NULL));
    EMBER_TRY(ember_arg_int_in(ctx, args, (size_t)A_OUT_OFF(a), "output_offset", -128, 127, NULL));
    int64_t hi;
    EMBER_TRY(ember_arg_int_in(ctx, args, (size_t)A_ACT_MAX(a), "activation_max", -128, 127, &hi));
    EMBER_TRY(ember_arg_int_in(ctx, args, (size_t)A_ACT_MIN(a), "activation_min", -128, hi, NULL));
    EMBER_TRY(ember_arg_kind(ctx, args, (size_t)A_SCRATCH(a), "scratch", EMBER_VALUE_TENSOR));
    if (kind == QCONV_TRANSPOSE)
        EMBER_TRY(ember_arg_kind(ctx, args, (size_t)A_SCRATCH(a) + 1, "output_scratch",
                                 EMBER_VALUE_TENSOR));
    static const ember_kernel_run_fn runs[3][2] = {
        [QCONV] = {run_conv, run_conv_nhwc},
        [QCONV_DEPTHWISE] = {run_depthwise, run_depthwise_nhwc},
        [QCONV_TRANSPOSE] = {run_transpose, run_transpose_nhwc}};
    *run = runs[kind][nhwc];
    want_fast(ctx, args, kind, nhwc, run);
    return EMBER_OK;
}

#define QCONV_PREPARE(sym, kind, nhwc)                                                          \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,          \
                                     size_t num_args, ember_kernel_run_fn* run)                \
    {                                                                                           \
        return prepare_qconv(ctx, args, num_args, run, kind, nhwc);                             \
    }
QCONV_PREPARE(cortex_m_quantized_conv2d_out, QCONV, false)
QCONV_PREPARE(cortex_m_quantized_conv2d_nhwc_out, QCONV, true)
QCONV_PREPARE(cortex_m_quantized_depthwise_conv2d_out, QCONV_DEPTHWISE, false)
QCONV_PREPARE(cortex_m_quantized_depthwise_conv2d_nhwc_out, QCONV_DEPTHWISE, true)
QCONV_PREPARE(cortex_m_quantized_transpose_conv2d_out, QCONV_TRANSPOSE, false)
QCONV_PREPARE(cortex_m_quantized_transpose_conv2d_nhwc_out, QCONV_TRANSPOSE, true)
#undef QCONV_PREPARE
