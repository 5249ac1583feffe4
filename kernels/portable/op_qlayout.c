/* op_qlayout.c — the int8 data-movement and selection ops of ExecuTorch's Cortex-M programs,
 * as ExecuTorch's kernels run them through CMSIS-NN (generic C):
 *
 *   cortex_m::pad.out        arm_pad_s8: a constant pad of a tensor of rank 1..4, worked on its
 *                            bytes. The tensor is read as four "physical" dims (N, H, W, C for a
 *                            channels-last rank-4 tensor, the logical dims otherwise, 1s in front
 *                            for rank < 4) and pre_pad / post_pad (4 items each) are in that
 *                            order, as ExecuTorch's pass writes them. "Channels-last" is
 *                            ExecuTorch's test: rank 4 and (C == 1, or H == W == 1, or dim_order
 *                            0, 2, 3, 1); out is the padded tensor in the same byte order.
 *   cortex_m::transpose.out  arm_transpose_s8: out = input.permute(perm), rank 1..4, both
 *                            contiguous (ExecuTorch's kernel reads the logical sizes as if the
 *                            bytes were contiguous: other layouts are refused).
 *   cortex_m::minimum.out    arm_minimum_s8 / arm_maximum_s8: elementwise min / max of int8
 *   cortex_m::maximum.out    tensors of rank <= 4 with numpy broadcasting (out has the broadcast
 *                            shape). Operands of one shape (or one operand of one element) may be
 *                            in any one layout; broadcasting otherwise needs contiguous tensors,
 *                            and the shapes CMSIS-NN's generic C mis-broadcasts are refused
 *                            (see cmsis_broadcast_ok).
 *
 * Only int8 (ExecuTorch's kernels check the same). */
#include "kernels/kernel_util.h"

static const int contiguous_order[EMBER_MAX_DIMS] = {0, 1, 2, 3, 4, 5, 6, 7};

static bool bytes_contiguous(const ember_tensor* t)
{
    return ember_bytes_in_order(t, contiguous_order);
}

/* ---- pad ----------------------------------------------------------------------------------- */

enum { PAD_IN, PAD_PRE, PAD_POST, PAD_VALUE, PAD_OUT, PAD_NARGS };

/* How pad reads t (rank 1..4): its dims in byte order (order[k] is the logical dim of physical
 * dim off + k) and the four physical sizes (1s in front of rank < 4). */
static void pad_layout(const ember_tensor* t, int order[4], int* off, int64_t phys[4])
{
    static const int nhwc[4] = {0, 2, 3, 1};
    const bool cl = t->dim == 4 &&
                    (t->sizes[1] == 1 || (t->sizes[2] == 1 && t->sizes[3] == 1) ||
                     (t->dim_order[0] == 0 && t->dim_order[1] == 2 && t->dim_order[2] == 3 &&
                      t->dim_order[3] == 1));
    *off = 4 - t->dim;
    for (int j = 0; j < 4; j++) phys[j] = 1;
    for (int k = 0; k < t->dim; k++) {
        order[k] = cl ? nhwc[k] : k;
        phys[*off + k] = t->sizes[order[k]];
    }
}

static ember_status run_pad(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[PAD_IN]->u.t;
    const int64_t *pre = args[PAD_PRE]->u.ints, *post = args[PAD_POST]->u.ints;
    const int8_t v = (int8_t)args[PAD_VALUE]->u.i;
    int order[4], off;
    int64_t d[4], o[4];
    pad_layout(in, order, &off, d);
    for (int j = 0; j < 4; j++) o[j] = pre[j] + d[j] + post[j];
    if (args[PAD_OUT]->u.t->numel == 0) return EMBER_OK;
    const int8_t* x = (const int8_t*)in->data;
    int8_t* y = (int8_t*)args[PAD_OUT]->u.t->data;
    const int64_t row = o[2] * o[3]; /* bytes of one output row */
    for (int64_t b = 0; b < o[0]; b++)
        for (int64_t r = 0; r < o[1]; r++) {
            const int64_t ib = b - pre[0], ir = r - pre[1];
            if (ib < 0 || ib >= d[0] || ir < 0 || ir >= d[1]) { /* a row of padding */
                memset(y, v, (size_t)row);
                y += row;
                continue;
            }
            if (pre[3] == 0 && post[3] == 0) { /* no channel padding: the row's middle is one run */
                memset(y, v, (size_t)(pre[2] * o[3]));
                if (d[2] * d[3] != 0)
                    memcpy(y + pre[2] * o[3], x + (ib * d[1] + ir) * d[2] * d[3], (size_t)(d[2] * d[3]));
                memset(y + (pre[2] + d[2]) * o[3], v, (size_t)(post[2] * o[3]));
                y += row;
                continue;
            }
            for (int64_t col = 0; col < o[2]; col++, y += o[3]) {
                const int64_t ic = col - pre[2];
                if (ic < 0 || ic >= d[2]) {
                    memset(y, v, (size_t)o[3]);
                    continue;
                }
                memset(y, v, (size_t)pre[3]);
                if (d[3]) memcpy(y + pre[3], x + ((ib * d[1] + ir) * d[2] + ic) * d[3], (size_t)d[3]);
                memset(y + pre[3] + d[3], v, (size_t)post[3]);
            }
        }
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_pad_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                            size_t num_args, ember_kernel_run_fn* run)
{
    const ember_dtype_set i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    EMBER_REQUIRE_NARGS(ctx, num_args, PAD_NARGS + 1);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, PAD_IN, "input", i8, true, &in));
    EMBER_TRY(ember_arg_out_ex(ctx, args, PAD_OUT, "out", i8, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, PAD_OUT + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, in->dim >= 1 && in->dim <= 4, EMBER_NOT_SUPPORTED,
                  "input has rank %d: only ranks 1 to 4 are supported", in->dim);
    EMBER_REQUIRE(ctx, out->dim == in->dim, EMBER_SHAPE_MISMATCH,
                  "out has rank %d, input %d", out->dim, in->dim);
    const int64_t* lists[2];
    static const char* const names[2] = {"pre_pad", "post_pad"};
    for (int i = 0; i < 2; i++) {
        size_t n;
        EMBER_TRY(ember_arg_ints(ctx, args, PAD_PRE + i, names[i], &lists[i], &n));
        EMBER_REQUIRE(ctx, n == 4, EMBER_INVALID_ARGUMENT,
                      "%s must have 4 items (N, H, W, C order), got %zu", names[i], n);
        EMBER_TRY(ember_check_ints_in(ctx, names[i], lists[i], 4, 0, INT32_MAX));
    }
    EMBER_TRY(ember_arg_int_in(ctx, args, PAD_VALUE, "pad_value", -128, 127, NULL));
    int order[4], off;
    int64_t phys[4];
    pad_layout(in, order, &off, phys);
    EMBER_REQUIRE(ctx, ember_bytes_in_order(in, order), EMBER_NOT_SUPPORTED,
                  "input's layout is neither contiguous nor channels-last");
    int64_t want[4];
    for (int j = 0; j < 4; j++) {
        const int64_t o = lists[0][j] + phys[j] + lists[1][j];
        if (j < off) {
            EMBER_REQUIRE(ctx, o == 1, EMBER_INVALID_ARGUMENT,
                          "pre_pad[%d] / post_pad[%d] pad a dim a rank-%d input does not have", j,
                          j, in->dim);
            continue;
        }
        want[order[j - off]] = o;
    }
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    EMBER_REQUIRE(ctx, ember_bytes_in_order(out, order), EMBER_NOT_SUPPORTED,
                  "out's layout differs from the input's");
    *run = run_pad;
    return EMBER_OK;
}

/* ---- transpose ----------------------------------------------------------------------------- */

enum { TR_IN, TR_PERM, TR_OUT, TR_NARGS };

static ember_status run_transpose(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    const ember_tensor* in = args[TR_IN]->u.t;
    const int64_t* perm = args[TR_PERM]->u.ints;
    if (in->numel == 0) return EMBER_OK;
    const int r = in->dim, off = 4 - r;
    int64_t istride[4], size[4] = {1, 1, 1, 1}, step[4] = {0, 0, 0, 0};
    int64_t s = 1;
    for (int d = r - 1; d >= 0; d--) {
        istride[d] = s;
        s *= in->sizes[d];
    }
    for (int k = 0; k < r; k++) { /* out dim k walks input dim perm[k] */
        size[off + k] = in->sizes[perm[k]];
        step[off + k] = istride[perm[k]];
    }
    const int8_t* x = (const int8_t*)in->data;
    int8_t* y = (int8_t*)args[TR_OUT]->u.t->data;
    for (int64_t a = 0; a < size[0]; a++)
        for (int64_t b = 0; b < size[1]; b++)
            for (int64_t c = 0; c < size[2]; c++) {
                const int8_t* px = x + a * step[0] + b * step[1] + c * step[2];
                for (int64_t e = 0; e < size[3]; e++) *y++ = px[e * step[3]];
            }
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_transpose_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                  size_t num_args, ember_kernel_run_fn* run)
{
    const ember_dtype_set i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    EMBER_REQUIRE_NARGS(ctx, num_args, TR_NARGS + 1);
    ember_tensor *in, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, TR_IN, "input", i8, true, &in));
    EMBER_TRY(ember_arg_out_ex(ctx, args, TR_OUT, "out", i8, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, TR_OUT + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, in->dim >= 1 && in->dim <= 4, EMBER_NOT_SUPPORTED,
                  "input has rank %d: only ranks 1 to 4 are supported", in->dim);
    const int64_t* perm;
    size_t n;
    EMBER_TRY(ember_arg_ints(ctx, args, TR_PERM, "perm", &perm, &n));
    EMBER_REQUIRE(ctx, n == in->dim, EMBER_INVALID_ARGUMENT,
                  "perm has %zu items for an input of rank %d", n, in->dim);
    EMBER_TRY(ember_check_ints_in(ctx, "perm", perm, n, 0, in->dim - 1));
    bool seen[4] = {false, false, false, false};
    int64_t want[4];
    for (size_t k = 0; k < n; k++) {
        EMBER_REQUIRE(ctx, !seen[perm[k]], EMBER_INVALID_ARGUMENT,
                      "perm names dim %lld twice", (long long)perm[k]);
        seen[perm[k]] = true;
        want[k] = in->sizes[perm[k]];
    }
    /* arm_transpose_s8 transposes a rank-2 tensor whatever perm says */
    EMBER_REQUIRE(ctx, n != 2 || perm[0] == 1, EMBER_NOT_SUPPORTED,
                  "perm (0, 1) of a rank-2 tensor: ExecuTorch's kernel (CMSIS-NN) transposes it "
                  "anyway");
    EMBER_REQUIRE(ctx, bytes_contiguous(in), EMBER_NOT_SUPPORTED,
                  "input is not contiguous: ExecuTorch's kernel permutes logical indices of "
                  "contiguous bytes");
    EMBER_TRY(ember_check_shape(ctx, "out", out, in->dim, want));
    EMBER_REQUIRE(ctx, bytes_contiguous(out), EMBER_NOT_SUPPORTED, "out is not contiguous");
    *run = run_transpose;
    return EMBER_OK;
}

/* ---- minimum / maximum --------------------------------------------------------------------- */

enum { MM_SELF, MM_OTHER, MM_OUT, MM_NARGS };

/* The last four dims of t, 1s in front for rank < 4. */
static void dims4(const ember_tensor* t, int64_t d[4])
{
    for (int j = 0; j < 4; j++) {
        const int k = t->dim - 4 + j;
        d[j] = k >= 0 ? t->sizes[k] : 1;
    }
}

/* False for the operand shapes (N, H, W, C after padding to rank 4) that CMSIS-NN's generic
 * arm_minimum_s8 / arm_maximum_s8 broadcast wrongly: it walks a per-row single element ("W * C
 * == 1") with both its row step and its height correction when the widths differ, reading past
 * the operand. (Found by running a transcription of its C against numpy over every pair of
 * broadcastable shapes with sizes 1, 2, 3 and 1, 2, 4: it fails exactly here.) */
static bool cmsis_broadcast_ok(const int64_t a[4], const int64_t b[4])
{
    const int64_t a_hwc = a[1] * a[2] * a[3], b_hwc = b[1] * b[2] * b[3];
    if (a[0] * a_hwc == 1 || b[0] * b_hwc == 1) return true;           /* a single element */
    if (a_hwc == 1 || b_hwc == 1) return true;                         /* one per batch */
    if (a[1] == b[1] && a[2] == b[2] && a[3] == b[3]) return true;     /* batch broadcast */
    if (a[2] == b[2] && a[3] == b[3]) return true;                     /* row broadcast */
    return !((a[2] * a[3] == 1 || b[2] * b[3] == 1) && a[2] != b[2]);
}

static inline int8_t pick(int8_t a, int8_t b, bool mx) { return mx ? (a > b ? a : b) : (a < b ? a : b); }

static ember_status run_minmax(ember_value* const* args, bool mx)
{
    const ember_tensor *ta = args[MM_SELF]->u.t, *tb = args[MM_OTHER]->u.t, *to = args[MM_OUT]->u.t;
    const int8_t *a = (const int8_t*)ta->data, *b = (const int8_t*)tb->data;
    int8_t* y = (int8_t*)to->data;
    const int64_t n = to->numel;
    if (n == 0) return EMBER_OK;
    if (ta->numel == n && tb->numel == n) { /* one layout (prepare checked) */
        for (int64_t i = 0; i < n; i++) y[i] = pick(a[i], b[i], mx);
        return EMBER_OK;
    }
    if (ta->numel == 1) {
        for (int64_t i = 0; i < n; i++) y[i] = pick(a[0], b[i], mx);
        return EMBER_OK;
    }
    if (tb->numel == 1) {
        for (int64_t i = 0; i < n; i++) y[i] = pick(a[i], b[0], mx);
        return EMBER_OK;
    }
    /* contiguous operands broadcast to out's shape: strides 0 along their size-1 dims */
    int64_t da[4], db[4], dout[4], sa[4], sb[4], s1 = 1, s2 = 1;
    dims4(ta, da);
    dims4(tb, db);
    dims4(to, dout);
    for (int j = 3; j >= 0; j--) {
        sa[j] = da[j] == 1 ? 0 : s1;
        sb[j] = db[j] == 1 ? 0 : s2;
        s1 *= da[j];
        s2 *= db[j];
    }
    for (int64_t i0 = 0; i0 < dout[0]; i0++)
        for (int64_t i1 = 0; i1 < dout[1]; i1++)
            for (int64_t i2 = 0; i2 < dout[2]; i2++) {
                const int8_t* pa = a + i0 * sa[0] + i1 * sa[1] + i2 * sa[2];
                const int8_t* pb = b + i0 * sb[0] + i1 * sb[1] + i2 * sb[2];
                for (int64_t i3 = 0; i3 < dout[3]; i3++) *y++ = pick(pa[i3 * sa[3]], pb[i3 * sb[3]], mx);
            }
    return EMBER_OK;
}
static ember_status run_minimum(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_minmax(args, false);
}
static ember_status run_maximum(ember_kernel_ctx* ctx, ember_value* const* args)
{
    (void)ctx;
    return run_minmax(args, true);
}

static ember_status prepare_minmax(ember_kernel_ctx* ctx, ember_value* const* args,
                                   size_t num_args)
{
    const ember_dtype_set i8 = EMBER_DTYPE_BIT(EMBER_DTYPE_I8);
    EMBER_REQUIRE_NARGS(ctx, num_args, MM_NARGS + 1);
    ember_tensor *a, *b, *out;
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, MM_SELF, "self", i8, true, &a));
    EMBER_TRY(ember_arg_tensor_ex(ctx, args, MM_OTHER, "other", i8, true, &b));
    EMBER_TRY(ember_arg_out_ex(ctx, args, MM_OUT, "out", i8, true, &out));
    EMBER_TRY(ember_arg_kind(ctx, args, MM_OUT + 1, "returned out", EMBER_VALUE_TENSOR));
    EMBER_REQUIRE(ctx, a->dim <= 4 && b->dim <= 4, EMBER_NOT_SUPPORTED,
                  "self and other have ranks %d and %d: only ranks up to 4 are supported "
                  "(ExecuTorch's kernel reads the last four dims)", a->dim, b->dim);
    /* out has the broadcast shape */
    const int r = a->dim > b->dim ? a->dim : b->dim;
    int64_t want[4];
    for (int k = 0; k < r; k++) {
        const int ka = k - (r - a->dim), kb = k - (r - b->dim);
        const int64_t sa = ka >= 0 ? a->sizes[ka] : 1, sb = kb >= 0 ? b->sizes[kb] : 1;
        EMBER_REQUIRE(ctx, sa == sb || sa == 1 || sb == 1, EMBER_SHAPE_MISMATCH,
                      "self and other do not broadcast: sizes %lld and %lld at dim %d",
                      (long long)sa, (long long)sb, k);
        want[k] = sa == 1 ? sb : sa;
    }
    EMBER_TRY(ember_check_shape(ctx, "out", out, r, want));
    const int64_t n = out->numel;
    if (a->numel == n && b->numel == n) {
        EMBER_REQUIRE(ctx,
                      (ember_same_layout(a, b) && ember_same_layout(a, out)) ||
                          (bytes_contiguous(a) && bytes_contiguous(b) && bytes_contiguous(out)),
                      EMBER_NOT_SUPPORTED, "self, other and out differ in layout");
        return EMBER_OK;
    }
    if (a->numel == 1 || b->numel == 1) {
        const ember_tensor* full = a->numel == 1 ? b : a;
        EMBER_REQUIRE(ctx, ember_same_layout(full, out) || (bytes_contiguous(full) && bytes_contiguous(out)),
                      EMBER_NOT_SUPPORTED, "out's layout differs from its operand's");
        return EMBER_OK;
    }
    EMBER_REQUIRE(ctx, bytes_contiguous(a) && bytes_contiguous(b) && bytes_contiguous(out),
                  EMBER_NOT_SUPPORTED,
                  "broadcasting needs contiguous tensors (ExecuTorch's kernel reads them so)");
    int64_t da[4], db[4];
    dims4(a, da);
    dims4(b, db);
    EMBER_REQUIRE(ctx, cmsis_broadcast_ok(da, db), EMBER_NOT_SUPPORTED,
                  "this broadcast (a single element per row against wider rows) is one "
                  "ExecuTorch's kernel (CMSIS-NN) computes wrongly");
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_minimum_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_minmax(ctx, args, num_args));
    *run = run_minimum;
    return EMBER_OK;
}

ember_status ember_prepare_cortex_m_maximum_out(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run)
{
    EMBER_TRY(prepare_minmax(ctx, args, num_args));
    *run = run_maximum;
    return EMBER_OK;
}
