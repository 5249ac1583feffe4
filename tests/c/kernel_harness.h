/* kernel_harness.h — builds tensors and values by hand and runs one operator through the same
 * path the runtime uses (find by name → prepare once → run), for kernel unit tests. */
#ifndef EMBER_TEST_KERNEL_HARNESS_H
#define EMBER_TEST_KERNEL_HARNESS_H

#include <math.h>
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/optimized/f32_gemm_nt.h" /* EMBER_HAVE_X86_KERNELS */
#include "tests/c/check.h"

/* The kernels a test forces an op to pick with ember_kernel_cpu_mask_set: the portable one, then
 * each x86 or aarch64 variant, by the CPU features it needs (set as the mask). */
typedef struct th_variant {
    const char* name;
    uint64_t needs;
} th_variant;

static const th_variant th_variants[] = {
    {"portable", 0},
#if EMBER_HAVE_X86_KERNELS
    {"avx2", EMBER_FEATURES_X86_AVX2},
    {"avx512", EMBER_FEATURES_X86_AVX512},
#endif
#if defined(__aarch64__)
    {"neon", EMBER_CPU_BIT(EMBER_CPU_ASIMD)},
#endif
};
#define TH_NUM_VARIANTS (sizeof th_variants / sizeof th_variants[0])

/* Forces variant vi when the CPU's features `have` include what it needs; false (and nothing
 * set) when they do not: the caller skips it. The caller restores the mask afterwards
 * (ember_kernel_cpu_mask_set(~0)). */
static inline bool th_force_variant(size_t vi, uint64_t have)
{
    if ((have & th_variants[vi].needs) != th_variants[vi].needs) return false;
    ember_kernel_cpu_mask_set(th_variants[vi].needs);
    return true;
}

/* A contiguous tensor over caller data. */
static inline ember_tensor th_tensor(int dtype, void* data, int dim, const int32_t* sizes)
{
    ember_tensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.dim = (uint8_t)dim;
    t.dtype = (uint8_t)dtype;
    t.storage = EMBER_TENSOR_PLANNED;
    int64_t n = 1;
    for (int i = dim - 1; i >= 0; i--) {
        t.sizes[i] = sizes[i];
        t.strides[i] = (int32_t)n;
        t.dim_order[i] = (uint8_t)i;
        n *= sizes[i];
    }
    t.numel = n;
    t.nbytes = (size_t)n * ember_dtype_size(dtype);
    return t;
}

/* An NCHW-shaped tensor whose bytes are NHWC (dim order 0, 2, 3, 1), as ExecuTorch's
 * channels-last tensors are. */
static inline ember_tensor th_tensor_cl(int dtype, void* data, const int32_t* nchw)
{
    ember_tensor t = th_tensor(dtype, data, 4, nchw);
    const int32_t c = nchw[1], h = nchw[2], w = nchw[3];
    t.strides[0] = h * w * c, t.strides[1] = 1, t.strides[2] = w * c, t.strides[3] = c;
    t.dim_order[0] = 0, t.dim_order[1] = 2, t.dim_order[2] = 3, t.dim_order[3] = 1;
    return t;
}

static inline ember_value th_tensor_value(ember_tensor* t)
{
    ember_value v = {.tag = EMBER_VALUE_TENSOR};
    v.u.t = t;
    return v;
}
static inline ember_value th_int(int64_t i)
{
    ember_value v = {.tag = EMBER_VALUE_INT};
    v.u.i = i;
    return v;
}
static inline ember_value th_double(double d)
{
    ember_value v = {.tag = EMBER_VALUE_DOUBLE};
    v.u.d = d;
    return v;
}
static inline ember_value th_bool(bool b)
{
    ember_value v = {.tag = EMBER_VALUE_BOOL};
    v.u.b = b;
    return v;
}
static inline ember_value th_null(void)
{
    ember_value v = {.tag = EMBER_VALUE_NULL};
    return v;
}
static inline ember_value th_string(const char* s)
{
    ember_value v = {.tag = EMBER_VALUE_STRING};
    v.u.str = s;
    v.len = (uint32_t)strlen(s);
    return v;
}
static inline ember_value th_int_list(const int64_t* items, uint32_t n)
{
    ember_value v = {.tag = EMBER_VALUE_INT_LIST};
    v.u.ints = items;
    v.len = n;
    return v;
}
static inline ember_value th_double_list(const double* items, uint32_t n)
{
    ember_value v = {.tag = EMBER_VALUE_DOUBLE_LIST};
    v.u.doubles = items;
    v.len = n;
    return v;
}
static inline ember_value th_tensor_list(ember_tensor* const* items, uint32_t n)
{
    ember_value v = {.tag = EMBER_VALUE_TENSOR_LIST};
    v.u.tensors = items;
    v.len = n;
    return v;
}

/* ---- what run may write ------------------------------------------------------------------ */

/* True if tensor t's bytes overlap [p, p + n). */
static inline bool th_overlaps(const ember_tensor* t, const void* p, size_t n)
{
    const char *a = (const char*)t->data, *b = (const char*)p;
    return t->data && p && t->nbytes && n && a < b + n && b < a + t->nbytes;
}

/* True if args[j] is, or holds, a tensor whose data is t's (the same out named again). */
static inline bool th_names_again(const ember_value* v, const ember_tensor* t)
{
    if (v->tag == EMBER_VALUE_TENSOR) return v->u.t && v->u.t->data == t->data;
    if (v->tag == EMBER_VALUE_TENSOR_LIST)
        for (uint32_t k = 0; k < v->len; k++)
            if (v->u.tensors[k] && v->u.tensors[k]->data == t->data) return true;
    return false;
}

/* The arguments the op's schema writes in place without returning them (a Tensor(a!) input:
 * llama::update_cache's cache), bit i for args[i]: a test sets it around its calls of such an
 * op, so that prepare may declare them outs. */
static uint64_t th_inplace_args;

/* prepare's declared outs must be the op's out arguments: each is named again later among
 * the returns (an out-variant's returns repeat its outs), is the last argument (a Tensor[]
 * out with no returns) or is in th_inplace_args. A kernel declaring an input fails this. */
static inline bool th_outs_are_outs(ember_value* const* args, size_t n, uint64_t outs, size_t* bad)
{
    for (size_t i = 0; i < n && i < 64; i++) {
        if (!(outs >> i & 1)) continue;
        bool ok = i + 1 == n || (th_inplace_args >> i & 1);
        const ember_value* v = args[i];
        for (size_t j = i + 1; !ok && j < n; j++) {
            if (v->tag == EMBER_VALUE_TENSOR) ok = th_names_again(args[j], v->u.t);
            else ok = args[j]->tag == EMBER_VALUE_TENSOR_LIST && args[j]->u.tensors == v->u.tensors;
        }
        if (!ok) {
            *bad = i;
            return false;
        }
    }
    return true;
}

/* Copies of every input tensor's bytes (tensors of args prepare did not declare, unless they
 * share bytes with a declared out), to prove run wrote nothing else. */
#define TH_SNAP_BYTES (1u << 20)
#define TH_SNAP_MAX 64
static unsigned char th_snap[TH_SNAP_BYTES];
typedef struct th_snapshot {
    int count;
    const ember_tensor* t[TH_SNAP_MAX];
    size_t arg[TH_SNAP_MAX];
    size_t at[TH_SNAP_MAX];
} th_snapshot;

static inline bool th_is_out_bytes(ember_value* const* args, size_t n, uint64_t outs,
                                   const ember_tensor* t)
{
    for (size_t i = 0; i < n && i < 64; i++) {
        if (!(outs >> i & 1)) continue;
        const ember_value* v = args[i];
        if (v->tag == EMBER_VALUE_TENSOR && th_overlaps(v->u.t, t->data, t->nbytes)) return true;
        if (v->tag == EMBER_VALUE_TENSOR_LIST)
            for (uint32_t k = 0; k < v->len; k++)
                if (v->u.tensors[k] && th_overlaps(v->u.tensors[k], t->data, t->nbytes))
                    return true;
    }
    return false;
}

static inline void th_snap_add(th_snapshot* s, size_t* used, size_t arg, const ember_tensor* t)
{
    if (!t || !t->data || !t->nbytes || s->count == TH_SNAP_MAX) return;
    if (t->nbytes > TH_SNAP_BYTES - *used) return;
    memcpy(th_snap + *used, t->data, t->nbytes);
    s->t[s->count] = t;
    s->arg[s->count] = arg;
    s->at[s->count++] = *used;
    *used += t->nbytes;
}

static inline void th_snap_take(th_snapshot* s, ember_value* const* args, size_t n, uint64_t outs)
{
    size_t used = 0;
    s->count = 0;
    for (size_t i = 0; i < n; i++) {
        if (i < 64 && (outs >> i & 1)) continue;
        const ember_value* v = args[i];
        if (v->tag == EMBER_VALUE_TENSOR && v->u.t && !th_is_out_bytes(args, n, outs, v->u.t))
            th_snap_add(s, &used, i, v->u.t);
        if (v->tag == EMBER_VALUE_TENSOR_LIST || v->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST)
            for (uint32_t k = 0; k < v->len; k++)
                if (v->u.tensors[k] && !th_is_out_bytes(args, n, outs, v->u.tensors[k]))
                    th_snap_add(s, &used, i, v->u.tensors[k]);
    }
}

/* The argument whose bytes run changed, or -1. */
static inline long th_snap_changed(const th_snapshot* s)
{
    for (int k = 0; k < s->count; k++)
        if (memcmp(th_snap + s->at[k], s->t[k]->data, s->t[k]->nbytes) != 0) return (long)s->arg[k];
    return -1;
}

/* One call: see th_run. */
static char th_msg[256];
static inline ember_status th_run_once(const char* name, ember_value* vals, size_t n)
{
    ember_value* ptrs[32];
    for (size_t i = 0; i < n && i < 32; i++) ptrs[i] = &vals[i];
    th_msg[0] = 0;
    const ember_kernel* k = ember_kernel_find(name, strlen(name));
    if (!k) {
        snprintf(th_msg, sizeof th_msg, "no kernel %s", name);
        return EMBER_UNKNOWN_OPERATOR;
    }
    ember_kernel_ctx ctx = {.op_name = name, .msg = th_msg, .msg_bytes = sizeof th_msg};
    ember_kernel_run_fn run = NULL;
    ember_status st = k->prepare(&ctx, ptrs, n, &run);
    if (st != EMBER_OK) return st;
    if (!run) return EMBER_INTERNAL;
    /* Every kernel but the view declares what it writes (the loader checks those outs). */
    if (!ctx.outs && strcmp(name, "executorch_prim::et_view.default") != 0) {
        snprintf(th_msg, sizeof th_msg, "%s declared no out argument", name);
        return EMBER_INTERNAL;
    }
    size_t bad = 0;
    if (!th_outs_are_outs(ptrs, n, ctx.outs, &bad)) {
        snprintf(th_msg, sizeof th_msg, "%s declared argument %zu as an out, but it is an input",
                 name, bad);
        return EMBER_INTERNAL;
    }
    static th_snapshot snap;
    th_snap_take(&snap, ptrs, n, ctx.outs);
    st = run(&ctx, ptrs);
    const long changed = th_snap_changed(&snap);
    if (changed >= 0) {
        snprintf(th_msg, sizeof th_msg, "%s: run wrote argument %ld, which is not a declared out",
                 name, changed);
        return EMBER_INTERNAL;
    }
    return st;
}

/* ---- hostile arguments ------------------------------------------------------------------- */

/* In sanitizer builds (build-asan), every th_run first re-runs the op once for each Int,
 * int-list item and Double argument replaced by each value below (an Int also by each double:
 * a file may put a Double where an Int belongs), restoring every tensor's bytes after each run.
 * Statuses of these runs are not checked: they exist for ASan and UBSan, which abort on any
 * overflow, out-of-range conversion or out-of-bounds access, so every call in the kernel tests
 * doubles as a hostile-argument test. Build with -DTH_HOSTILE=0 to turn it off. */
#ifndef TH_HOSTILE
#if defined(__SANITIZE_ADDRESS__)
#define TH_HOSTILE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TH_HOSTILE 1
#endif
#endif
#endif
#ifndef TH_HOSTILE
#define TH_HOSTILE 0
#endif

static const int64_t th_hostile_ints[] = {INT64_MAX, INT64_MIN, (int64_t)1 << 62,
                                          -((int64_t)1 << 62), (int64_t)1 << 31,
                                          -((int64_t)1 << 31) - 1, INT32_MAX, -1, 0, 2};
static const double th_hostile_doubles[] = {NAN, INFINITY, -INFINITY, 1e308, -1e308,
                                            1e-308, 0.0, -0.0, 3e9};
static unsigned char th_backup[TH_SNAP_BYTES];
static long th_hostile_runs; /* hostile calls made, for the curious */

/* Copies (save) or puts back (!save, only where they changed: a test's inputs may live in
 * read-only memory) the bytes of every tensor in the args; false if they do not fit th_backup. */
static inline bool th_backup_tensors(ember_value* const* args, size_t n, bool save)
{
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const ember_value* v = args[i];
        const bool list = v->tag == EMBER_VALUE_TENSOR_LIST ||
                          v->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST;
        const uint32_t count = v->tag == EMBER_VALUE_TENSOR ? 1 : list ? v->len : 0;
        for (uint32_t k = 0; k < count; k++) {
            ember_tensor* t = list ? v->u.tensors[k] : v->u.t;
            if (!t || !t->data || !t->nbytes) continue;
            if (t->nbytes > TH_SNAP_BYTES - used) return false;
            if (save) memcpy(th_backup + used, t->data, t->nbytes);
            else if (memcmp(t->data, th_backup + used, t->nbytes) != 0) /* inputs may be const */
                memcpy(t->data, th_backup + used, t->nbytes);
            used += t->nbytes;
        }
    }
    return true;
}

static inline void th_run_hostile(const char* name, ember_value* vals, size_t n)
{
    enum { NI = sizeof th_hostile_ints / sizeof th_hostile_ints[0],
           ND = sizeof th_hostile_doubles / sizeof th_hostile_doubles[0] };
    ember_value m[32];
    ember_value* ptrs[32];
    int64_t ints[64];
    double doubles[64];
    if (n > 32) return;
    for (size_t i = 0; i < n; i++) ptrs[i] = &vals[i];
    if (!th_backup_tensors(ptrs, n, true)) return;
    for (size_t a = 0; a < n; a++) {
        const ember_value v = vals[a];
        const bool list = v.tag == EMBER_VALUE_INT_LIST || v.tag == EMBER_VALUE_DOUBLE_LIST;
        const size_t items = v.tag == EMBER_VALUE_INT || v.tag == EMBER_VALUE_DOUBLE ? 1
                             : list && v.len <= 64                                    ? v.len
                                                                                       : 0;
        for (size_t j = 0; j < items; j++)
            for (size_t k = 0; k < NI + ND; k++) {
                memcpy(m, vals, n * sizeof m[0]);
                const bool as_int = k < NI;
                if (v.tag == EMBER_VALUE_INT) {
                    m[a].tag = as_int ? EMBER_VALUE_INT : EMBER_VALUE_DOUBLE;
                    if (as_int) m[a].u.i = th_hostile_ints[k];
                    else m[a].u.d = th_hostile_doubles[k - NI];
                } else if (v.tag == EMBER_VALUE_DOUBLE) {
                    if (as_int) continue;
                    m[a].u.d = th_hostile_doubles[k - NI];
                } else if (v.tag == EMBER_VALUE_INT_LIST) {
                    if (!as_int) continue;
                    memcpy(ints, v.u.ints, v.len * sizeof ints[0]);
                    ints[j] = th_hostile_ints[k];
                    m[a].u.ints = ints;
                } else {
                    if (as_int) continue;
                    memcpy(doubles, v.u.doubles, v.len * sizeof doubles[0]);
                    doubles[j] = th_hostile_doubles[k - NI];
                    m[a].u.doubles = doubles;
                }
                th_run_once(name, m, n);
                th_hostile_runs++;
                th_backup_tensors(ptrs, n, false);
            }
    }
}

/* Runs op `name` on `vals` (n values, in KernelCall order). Returns the status of prepare or
 * run; on failure the message is in th_msg. Beyond what the runtime does, it fails (with
 * EMBER_INTERNAL and a message) a kernel whose prepare declares no out (all but et_view), or
 * declares an argument that is not an out, or whose run changes any other tensor's bytes. In
 * sanitizer builds it first runs the hostile variants of the call (above). */
static inline ember_status th_run(const char* name, ember_value* vals, size_t n)
{
    if (TH_HOSTILE) th_run_hostile(name, vals, n);
    return th_run_once(name, vals, n);
}

/* CHECK that `expr` (a th_run) returns `want` and, unless `part` is NULL, that the message
 * holds `part`; prints the message otherwise. */
#define CHECK_STATUS(expr, want, part)                                                          \
    do {                                                                                        \
        const ember_status got_ = (expr);                                                       \
        const char* part_ = (part);                                                             \
        const bool ok_ = got_ == (want) && (!part_ || strstr(th_msg, part_) != NULL);           \
        if (!ok_)                                                                               \
            fprintf(stderr, "%s:%d: got status %d (%s), want %d%s%s\n", __FILE__, __LINE__,   \
                    (int)got_, th_msg, (int)(want), part_ ? " with message part: " : "",       \
                    part_ ? part_ : "");                                                        \
        CHECK(ok_ && #expr);                                                                    \
    } while (0)

#endif
