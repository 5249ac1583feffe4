/* f32_conv.c — the GEMM paths of f32_conv.h (pointwise and im2col) and the generic depthwise
 * kernel: plain C the compiler vectorises for the target's baseline (NEON on aarch64; the
 * AVX-512 kernel also falls back to it for kernels wider than 16 columns).
 *
 * im2col: the unfolded input of one group is (K = Ci/g*Kh*Kw, Ho*Wo), row (c, ky, kx) holding
 * input plane c shifted by the tap (zero where the tap falls in the padding). It is never built:
 * it is the b source of an f32_gemm_nn_src GEMM (an implicit GEMM), whose driver asks for one
 * (KC, NC) block at a time and gets it straight in its packed strips from im2col_pack. So the
 * weight is packed once per NC output columns, as for any GEMM, whatever K is (a copy of whole
 * columns on the stack left ResNet's deep layers 14..113 columns per GEMM call, each packing
 * the whole weight again). */
#include "kernels/optimized/f32_conv.h"

#include <math.h>
#include <string.h>

#define DW_BLOCK 64 /* output columns a generic depthwise pass accumulates on the stack */
#define DW_SEG 512  /* floats of one padded input segment copied on the stack */
#define DW_PAR_MIN_MACS ((double)(1 << 18)) /* smaller depthwise layers stay on one thread */

static bool is_pointwise(const f32_conv2d_shape* s)
{
    return s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 && s->pw == 0;
}

bool f32_conv2d_is_depthwise(const f32_conv2d_shape* s)
{
    return s->groups == s->ci && s->co == s->ci;
}

/* ---- GEMM paths ---------------------------------------------------------------------------- */

/* The unfolded input of one group as a GEMM b source (f32_gemm_b_source): row p = (c, ky, kx)
 * of K, column j = output position j0 + j (row-major over (Ho, Wo)). */
typedef struct im2col_src {
    const float* x; /* the group's input (Ci/g, H, W) */
    const f32_conv2d_shape* s;
    int64_t j0; /* the first output position of this GEMM's column 0 */
} im2col_src;

/* Packs rows p0.. and columns j0.. of the unfolded input into nr-wide strips: for each row, the
 * columns run in segments that end at an output row's or a strip's end, each a copy of part of
 * one input row (contiguous at stride 1) between the zeros of the padding. */
static void im2col_pack(float* restrict dst, const void* ctx, int64_t p0, int64_t kc,
                        int64_t j0, int64_t nc, int nr)
{
    const im2col_src* q = ctx;
    const f32_conv2d_shape* s = q->s;
    const int64_t plane_i = s->h * s->w, sw = s->sw, wo = s->wo;
    const int64_t strip = kc * nr; /* floats from one strip to the next */
    j0 += q->j0;
    const int64_t oy0 = j0 / wo, ox0 = j0 % wo;
    int64_t c = p0 / (s->kh * s->kw), ky = p0 / s->kw % s->kh, kx = p0 % s->kw;
    for (int64_t p = 0; p < kc; p++) {
        const int64_t offy = ky * s->dh - s->ph, offx = kx * s->dw - s->pw;
        const float* restrict xc = q->x + c * plane_i;
        int64_t xlo, xhi; /* output columns whose input column exists */
        f32_conv_axis_range(wo, s->w, sw, offx, &xlo, &xhi);
        int64_t oy = oy0, ox = ox0, jj = 0;
        float* restrict ds = dst + p * nr; /* this row in the current strip */
        for (int64_t j = 0; j < nc;) {
            int64_t len = wo - ox;
            if (len > nc - j) len = nc - j;
            if (len > nr - jj) len = nr - jj;
            float* restrict d = ds + jj - ox; /* d[o]: output column o */
            const int64_t iy = oy * s->sh + offy, end = ox + len;
            if (iy < 0 || iy >= s->h) {
                for (int64_t o = ox; o < end; o++) d[o] = 0.0f;
            } else {
                const float* restrict xrow = xc + iy * s->w + offx;
                const int64_t a = xlo < ox ? ox : (xlo > end ? end : xlo);
                const int64_t b = xhi < a ? a : (xhi > end ? end : xhi);
                for (int64_t o = ox; o < a; o++) d[o] = 0.0f;
                if (sw == 1)
                    for (int64_t o = a; o < b; o++) d[o] = xrow[o];
                else if (sw == 2) /* the stems: a constant stride the compiler vectorises */
                    for (int64_t o = a; o < b; o++) d[o] = xrow[2 * o];
                else
                    for (int64_t o = a; o < b; o++) d[o] = xrow[o * sw];
                for (int64_t o = b; o < end; o++) d[o] = 0.0f;
            }
            j += len;
            ox += len;
            if (ox == wo) ox = 0, oy++;
            jj += len;
            if (jj == nr) jj = 0, ds += strip;
        }
        for (; jj && jj < nr; jj++) ds[jj] = 0.0f; /* the last strip's columns past nc */
        if (++kx == s->kw) {
            kx = 0;
            if (++ky == s->kh) ky = 0, c++;
        }
    }
}

/* Choosing the orientation: a (rows, cols, k) product on an mr x nr tile costs, per k step, one
 * broadcast row of whole nr-wide strips for each row (a tile of fewer than MIN_ROWS rows is
 * bound by the latency of its few accumulators: as slow as MIN_ROWS), plus a fixed cost per
 * tile and K block for its stores: NN_TILE, or CT_TILE for a transposed store (two register
 * transposes). Units: one broadcast row x one strip x one k step. Calibrated on Zen 4 with
 * bench/conv.py --layers (MobileNetV2, ResNet-18); it ignores the packing, which favours the
 * first orientation on large maps with few channels, where that one is chosen anyway. */
#define MIN_ROWS 3
#define NN_TILE 12.0
#define CT_TILE 60.0
#define KC_BLOCK 192 /* the variants' K block (KC), for the per-block store cost */

static double gemm_cost(int64_t rows, int64_t cols, int64_t k, int mr, int nr, double per_tile)
{
    const int64_t strips = (cols + nr - 1) / nr, full = rows / mr, tail = rows % mr;
    const int64_t tail_rows = tail == 0 ? 0 : tail < MIN_ROWS ? MIN_ROWS : tail;
    const double steps = (double)(full * mr + tail_rows);
    const double tiles = (double)(full + (tail > 0));
    const double blocks = (double)((k + KC_BLOCK - 1) / KC_BLOCK);
    return (double)strips * (steps * (double)k + tiles * blocks * per_tile);
}

f32_conv_orient f32_conv2d_gemm_orient(const f32_conv2d_shape* s, const f32_conv_gemms* g)
{
    if (!g->ct) return F32_CONV_NN;
    if (g->orient != F32_CONV_AUTO) return g->orient;
    const int64_t cog = s->co / s->groups, plane_o = s->ho * s->wo;
    const int64_t k = s->ci / s->groups * s->kh * s->kw;
    const double nn = gemm_cost(cog, plane_o, k, g->mr, g->nr, NN_TILE);
    const double ct = gemm_cost(plane_o, cog, k, g->mr, g->nr, CT_TILE);
    return ct < nn ? F32_CONV_CT : F32_CONV_NN;
}

f32_conv_gemms f32_conv_gemms_pick(uint64_t features)
{
    f32_conv_gemms g = {f32_gemm_nn_pick(features), f32_gemm_nn_src_pick(features), NULL, 1, 1,
                        F32_CONV_AUTO, NULL, NULL};
    g.ct = f32_gemm_ct_pick(features, &g.mr, &g.nr);
#if EMBER_HAVE_X86_KERNELS
    if (g.ct == f32_gemm_ct__avx512) g.ct_bp = f32_gemm_ct_bp__avx512, g.pack_b = f32_gemm_pack_b__avx512;
    if (g.ct == f32_gemm_ct__avx2) g.ct_bp = f32_gemm_ct_bp__avx2, g.pack_b = f32_gemm_pack_b__avx2;
#endif
    return g;
}

/* Threads: the work is one GEMM per image and group, each cut into `parts`: along its output
 * positions (cuts on multiples of POS_ALIGN) when it has at least PAR_MIN_COLS per part, else
 * along its output channels (multiples of ROW_ALIGN, or CH_ALIGN for F32_CONV_CT). POS_ALIGN is
 * a multiple of every variant's NR (32, 16, 12) and MR (12, 6, 8), ROW_ALIGN of every MR,
 * CH_ALIGN of every NR; so the parts are whole tiles, and each output is the same sum in the
 * same order wherever the cuts fall (every variant blocks K alike for all tiles, and no GEMM
 * takes another path for a part of few rows: F32_CONV_NN parts have at least ROW_ALIGN > 4),
 * so 1 and N threads give the same bytes. Products under PAR_MIN_MACS stay on the calling
 * thread. */
#define POS_ALIGN 96
#define ROW_ALIGN 24
#define CH_ALIGN 32
#define PAR_MIN_COLS 192
#define PAR_MIN_MACS ((double)(1 << 20))

typedef struct gemm_job {
    float* out;
    const float* in;
    const float* w;
    const float* packed; /* not NULL: w packed by f32_conv2d_gemm_pack (F32_CONV_CT) */
    const float* bias;
    const f32_conv2d_shape* s;
    const f32_conv_gemms* g;
    float lo, hi;
    int64_t parts;
    bool by_pos, pointwise, ct;
} gemm_job;

/* [part * len / parts, ...) rounded down to a multiple of align, clipped to len. */
static int64_t part_edge(int64_t len, int64_t part, int64_t parts, int64_t align)
{
    const int64_t units = (len + align - 1) / align;
    const int64_t e = units * part / parts * align;
    return e < len ? e : len;
}

/* Floats of one group's packed weight (cog, k) in strips of nr (f32_conv2d_gemm_pack). */
static int64_t packed_floats(int64_t cog, int64_t k, int nr)
{
    return (cog + nr - 1) / nr * nr * k;
}

static ember_status gemm_tasks(void* arg, size_t begin, size_t end)
{
    const gemm_job* jb = arg;
    const f32_conv2d_shape* s = jb->s;
    const int64_t cig = s->ci / s->groups, cog = s->co / s->groups;
    const int64_t k = cig * s->kh * s->kw, plane_i = s->h * s->w, plane_o = s->ho * s->wo;
    for (size_t t = begin; t < end; t++) {
        const int64_t unit = (int64_t)t / jb->parts, part = (int64_t)t % jb->parts;
        const int64_t b = unit / s->groups, g = unit % s->groups;
        const int64_t len = jb->by_pos ? plane_o : cog;
        const int64_t align = jb->by_pos ? POS_ALIGN : jb->ct ? CH_ALIGN : ROW_ALIGN;
        const int64_t lo = part_edge(len, part, jb->parts, align);
        const int64_t hi = part_edge(len, part + 1, jb->parts, align);
        if (hi <= lo) continue;
        /* channels r0..r0+m-1, positions j0..j0+n-1 */
        const int64_t r0 = jb->by_pos ? 0 : lo, m = jb->by_pos ? cog : hi - lo;
        const int64_t j0 = jb->by_pos ? lo : 0, n = jb->by_pos ? hi - lo : plane_o;
        const f32_gemm_epilogue ep = {jb->bias ? jb->bias + g * cog + r0 : NULL, !jb->ct,
                                      jb->lo, jb->hi};
        float* c = jb->out + (b * s->co + g * cog + r0) * plane_o + j0; /* (m, n) of planes */
        const float* a = jb->w ? jb->w + (g * cog + r0) * k : NULL;       /* (m, K) */
        const float* x = jb->in + (b * s->ci + g * cig) * plane_i;       /* (Ci/g, H, W) */
        if (jb->ct) { /* (n positions, m channels) = cols^T x W^T, stored in the planes */
            const im2col_src src = {x, s, j0};
            const f32_gemm_b_source as = {im2col_pack, &src};
            const f32_gemm_b_source* asrc = jb->pointwise ? NULL : &as;
            if (jb->packed) /* group g's copy; r0 is a multiple of CH_ALIGN, so of nr */
                jb->g->ct_bp(c, plane_o, x + j0, plane_i, asrc,
                             jb->packed + g * packed_floats(cog, k, jb->g->nr) + r0 * k, k, n, m,
                             k, &ep);
            else
                jb->g->ct(c, plane_o, x + j0, plane_i, asrc, a, k, n, m, k, &ep);
        } else if (jb->pointwise) {
            jb->g->nn(c, plane_o, a, k, x + j0, plane_i, m, n, k, &ep);
        } else {
            const im2col_src src = {x, s, j0};
            const f32_gemm_b_source bs = {im2col_pack, &src};
            jb->g->src(c, plane_o, a, k, &bs, m, n, k, &ep);
        }
    }
    return EMBER_OK;
}

static ember_status conv2d_gemm(float* restrict out, const float* restrict in,
                                const float* restrict w, const float* restrict packed,
                                const float* restrict bias, const f32_conv2d_shape* s,
                                const f32_conv_gemms* g, float lo, float hi,
                                ember_threadpool* pool)
{
    const int64_t cog = s->co / s->groups, plane_o = s->ho * s->wo;
    const int64_t units = s->n * s->groups;
    const double macs = (double)s->n * (double)s->co * (double)plane_o *
                        (double)(s->ci / s->groups * s->kh * s->kw);
    const int64_t threads = macs >= PAR_MIN_MACS ? (int64_t)ember_threadpool_threads(pool) : 1;
    const bool ct = f32_conv2d_gemm_orient(s, g) == F32_CONV_CT;
    gemm_job job = {out, in, w, packed, bias, s, g, lo, hi, 1, false, is_pointwise(s), ct};
    if (threads > 1 && units < threads) {
        job.parts = threads;
        job.by_pos = plane_o >= threads * PAR_MIN_COLS ||
                     cog < threads * (ct ? CH_ALIGN : ROW_ALIGN);
    }
    return ember_parallel_for(threads > 1 ? pool : NULL, (size_t)(units * job.parts), gemm_tasks,
                              &job);
}

ember_status f32_conv2d_gemm(float* restrict out, const float* restrict in,
                             const float* restrict w, const float* restrict bias,
                             const f32_conv2d_shape* s, const f32_conv_gemms* g, float lo,
                             float hi, ember_threadpool* pool)
{
    return conv2d_gemm(out, in, w, NULL, bias, s, g, lo, hi, pool);
}

size_t f32_conv2d_gemm_packed_bytes(const f32_conv2d_shape* s, const f32_conv_gemms* g)
{
    if (!g->ct_bp || !g->pack_b || f32_conv2d_gemm_orient(s, g) != F32_CONV_CT) return 0;
    const int64_t cog = s->co / s->groups, k = s->ci / s->groups * s->kh * s->kw;
    const size_t one = f32_gemm_packed_b_bytes(cog, k, g->nr);
    size_t bytes;
    if (one == 0 || __builtin_mul_overflow(one, (size_t)s->groups, &bytes)) return 0;
    return bytes;
}

void f32_conv2d_gemm_pack(float* restrict dst, const float* restrict w, const f32_conv2d_shape* s,
                          const f32_conv_gemms* g)
{
    const int64_t cog = s->co / s->groups, k = s->ci / s->groups * s->kh * s->kw;
    for (int64_t i = 0; i < s->groups; i++)
        g->pack_b(dst + i * packed_floats(cog, k, g->nr), w + i * cog * k, cog, k);
}

ember_status f32_conv2d_gemm_bp(float* restrict out, const float* restrict in,
                                const float* restrict packed, const float* restrict bias,
                                const f32_conv2d_shape* s, const f32_conv_gemms* g, float lo,
                                float hi, ember_threadpool* pool)
{
    return conv2d_gemm(out, in, NULL, packed, bias, s, g, lo, hi, pool);
}

/* ---- depthwise over threads ------------------------------------------------------------- */

typedef struct dw_job {
    float* out;
    const float* in;
    const float* w;
    const float* bias;
    const f32_conv2d_shape* s;
    f32_conv2d_dw_fn dw;
    float lo, hi;
} dw_job;

/* Planes (image, channel) begin..end-1: per image, one call over its run of channels. */
static ember_status dw_tasks(void* arg, size_t begin, size_t end)
{
    const dw_job* jb = arg;
    const f32_conv2d_shape* s = jb->s;
    const int64_t plane_i = s->h * s->w, plane_o = s->ho * s->wo, taps = s->kh * s->kw;
    for (int64_t p = (int64_t)begin; p < (int64_t)end;) {
        const int64_t b = p / s->ci, c0 = p % s->ci;
        const int64_t cnt = ((int64_t)end - p < s->ci - c0) ? (int64_t)end - p : s->ci - c0;
        f32_conv2d_shape one = *s;
        one.n = 1, one.ci = one.co = one.groups = cnt;
        jb->dw(jb->out + (b * s->co + c0) * plane_o, jb->in + (b * s->ci + c0) * plane_i,
               jb->w + c0 * taps, jb->bias ? jb->bias + c0 : NULL, &one, jb->lo, jb->hi);
        p += cnt;
    }
    return EMBER_OK;
}

ember_status f32_conv2d_depthwise_par(float* restrict out, const float* restrict in,
                                      const float* restrict w, const float* restrict bias,
                                      const f32_conv2d_shape* s, f32_conv2d_dw_fn dw, float lo,
                                      float hi, ember_threadpool* pool)
{
    const double macs = (double)s->n * (double)s->co * (double)(s->ho * s->wo) *
                        (double)(s->kh * s->kw);
    const dw_job job = {out, in, w, bias, s, dw, lo, hi};
    return ember_parallel_for(macs >= DW_PAR_MIN_MACS ? pool : NULL, (size_t)(s->n * s->ci),
                              dw_tasks, (void*)&job);
}

/* ---- stems ------------------------------------------------------------------------------- */

bool f32_conv2d_stem_fits(const f32_conv2d_shape* s)
{
    return s->groups == 1 && s->ci >= 1 && s->ci <= F32_CONV_STEM_MAX_CI &&
           s->co <= F32_CONV_STEM_MAX_CO && s->kh == 3 && s->kw == 3 && s->dh == 1 &&
           s->dw == 1 && s->sh == s->sw && (s->sh == 1 || s->sh == 2) && s->ph <= 1 &&
           s->pw <= 1 && s->wo >= 1 && s->wo <= 512 && s->w <= 1028;
}

typedef struct stem_job {
    float* out;
    const float* in;
    const float* w;
    const float* bias;
    const f32_conv2d_shape* s;
    f32_conv2d_stem_fn stem;
    float lo, hi;
} stem_job;

static ember_status stem_tasks(void* arg, size_t begin, size_t end)
{
    const stem_job* jb = arg;
    jb->stem(jb->out, jb->in, jb->w, jb->bias, jb->s, jb->lo, jb->hi, (int64_t)begin,
             (int64_t)end);
    return EMBER_OK;
}

ember_status f32_conv2d_stem_par(float* restrict out, const float* restrict in,
                                 const float* restrict w, const float* restrict bias,
                                 const f32_conv2d_shape* s, f32_conv2d_stem_fn stem, float lo,
                                 float hi, ember_threadpool* pool)
{
    const double macs = (double)s->n * (double)s->co * (double)(s->ho * s->wo) *
                        (double)(s->ci * 9);
    const stem_job job = {out, in, w, bias, s, stem, lo, hi};
    return ember_parallel_for(macs >= PAR_MIN_MACS ? pool : NULL, (size_t)(s->n * s->ho),
                              stem_tasks, (void*)&job);
}

/* ---- depthwise, generic ------------------------------------------------------------------ */

/* Each output row in blocks of DW_BLOCK columns, accumulated on the stack: for each kernel row
 * inside the plane, the input segment the block reads (padding included) is used in place when
 * it lies inside the input row, else copied with zeros for the padding into `seg`; then every
 * kernel column is a contiguous (or stride-2) multiply-add over the block, a loop the compiler
 * vectorises. A segment longer than DW_SEG (huge strides or dilations) is summed tap-checked. */
void f32_conv2d_depthwise__generic(float* restrict out, const float* restrict in,
                                   const float* restrict w, const float* restrict bias,
                                   const f32_conv2d_shape* s, float lo, float hi)
{
    const int64_t plane_i = s->h * s->w, plane_o = s->ho * s->wo, taps = s->kh * s->kw;
    float acc[DW_BLOCK], seg[DW_SEG];
    for (int64_t p = 0; p < s->n * s->ci; p++) {
        const int64_t ch = p % s->ci;
        const float* restrict x = in + p * plane_i;
        const float* restrict wk = w + ch * taps;
        const float bv = bias ? bias[ch] : 0.0f;
        for (int64_t oy = 0; oy < s->ho; oy++) {
            float* restrict o = out + p * plane_o + oy * s->wo;
            int64_t ky0, ky1; /* kernel rows inside the plane */
            f32_conv_axis_range(s->kh, s->h, s->dh, oy * s->sh - s->ph, &ky0, &ky1);
            for (int64_t ox0 = 0; ox0 < s->wo; ox0 += DW_BLOCK) {
                const int64_t nb = s->wo - ox0 < DW_BLOCK ? s->wo - ox0 : DW_BLOCK;
                const int64_t start = ox0 * s->sw - s->pw; /* input column of (ox0, kx = 0) */
                const int64_t len = (nb - 1) * s->sw + (s->kw - 1) * s->dw + 1;
                if (len > DW_SEG) {
                    for (int64_t j = 0; j < nb; j++)
                        o[ox0 + j] = f32_conv_clamp(
                            f32_conv_dw_point(x, wk, s, oy, ox0 + j) + bv, lo, hi);
                    continue;
                }
                for (int64_t j = 0; j < nb; j++) acc[j] = bv;
                for (int64_t ky = ky0; ky < ky1; ky++) {
                    const float* restrict xrow = x + (oy * s->sh - s->ph + ky * s->dh) * s->w;
                    const float* restrict src;
                    if (start >= 0 && start + len <= s->w) {
                        src = xrow + start;
                    } else {
                        /* seg[i] = input column start + i: zeros, the row, zeros */
                        const int64_t a = start < 0 ? (-start < len ? -start : len) : 0;
                        const int64_t b = s->w - start < len ? (s->w - start > a ? s->w - start : a)
                                                              : len;
                        memset(seg, 0, (size_t)a * sizeof(float));
                        memcpy(seg + a, xrow + start + a, (size_t)(b - a) * sizeof(float));
                        memset(seg + b, 0, (size_t)(len - b) * sizeof(float));
                        src = seg;
                    }
                    for (int64_t kx = 0; kx < s->kw; kx++) {
                        const float wv = wk[ky * s->kw + kx];
                        const float* restrict xr = src + kx * s->dw;
                        if (s->sw == 1)
                            for (int64_t j = 0; j < nb; j++) acc[j] += wv * xr[j];
                        else if (s->sw == 2)
                            for (int64_t j = 0; j < nb; j++) acc[j] += wv * xr[2 * j];
                        else
                            for (int64_t j = 0; j < nb; j++) acc[j] += wv * xr[j * s->sw];
                    }
                }
                for (int64_t j = 0; j < nb; j++) o[ox0 + j] = f32_conv_clamp(acc[j], lo, hi);
            }
        }
    }
}
