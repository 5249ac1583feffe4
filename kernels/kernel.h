/* kernel.h — how operators plug into the runtime (internal to libember).
 *
 * Every operator in a .pte names an out-variant kernel ("aten::add.out"). Its KernelCall args
 * are value-table entries in the op's schema order, keyword-only `out` last, then the returns
 * (for out-variants the returns repeat the out tensors): aten::add.out gets
 * [self, other, alpha, out, out].
 *
 * An operator is one `prepare` function, called ONCE per instruction at method load. It checks
 * every dtype, rank and shape it relies on (the tensors' shapes are final by then: Ember's
 * programs are statically shaped), writes a message through ember_kernel_fail() if anything is
 * off, and on success stores the function that will run it in *run (picking the dtype- or
 * ISA-specialised one). `run` is then called on every execute with the same args and checks
 * nothing that prepare could check: validate once, run blindly. What only the data can show
 * (an index past the end of a table, an integer division by zero) run refuses through
 * ember_kernel_fail, never by touching memory it must not.
 *
 * Every argument a kernel writes is declared in prepare with ember_kernel_out (kernel_util.h).
 * The loader then checks each declared out is planned memory (never a constant in the file, never
 * a caller's input) and overlaps no other tensor argument except exactly, and refuses a kernel
 * that declares none. A file cannot make a kernel write where it should not.
 *
 * Threads: run gets the method's pool in ctx->pool (NULL when the caller set none; prepare
 * always sees NULL, since a pool can be set after load). A kernel with enough work splits it
 * with ember_parallel_for(ctx->pool, n_tasks, fn, arg) (runtime/core/threadpool.h): static
 * chunks, one fn(arg, begin, end) call per thread, the caller's thread included; inline when
 * there is no pool, one task, or the call is nested. fn returns a status and must not call
 * ember_kernel_fail (write the message after ember_parallel_for returns, on the calling
 * thread). Cut the work so that each output is computed the same way however many threads
 * there are (blocks of whole output rows or columns, never split sums): 1 and N threads must
 * agree bit for bit. Scratch memory per task comes from the stack or from a per-thread slice
 * of memory planned at load, never from malloc. The fp32 linear (kernels/portable/op_matmul.c,
 * linear_f32) is the example: blocks of output columns.
 *
 * Per-instruction state: ctx->state points at EMBER_KERNEL_STATE_BYTES bytes (8-byte aligned)
 * that belong to the instruction: zeroed before each prepare, written by prepare, read by run
 * (the same bytes on every run, never written there). It is where prepare leaves what it
 * decided beyond the run function (an accepted clamp). A test that calls a kernel directly may
 * pass NULL: a prepare that needs state then accepts no fusion.
 *
 * Fused activations: the loader (runtime/exec/method.c, fuse_activations) may ask a prepare to
 * clamp every element it writes to [clamp_lo, clamp_hi] (ctx->clamp; relu is [0, inf], relu6
 * [0, 6]; lo <= hi, neither NaN; NaN outputs stay NaN), with the out already replaced by the
 * activation's out. A prepare that can apply it in its run (it keeps lo, hi in ctx->state) sets
 * ctx->clamp_done; one that cannot (another dtype, the portable kernels) leaves it false and
 * the loader keeps both instructions as they were. Prepare runs unchanged otherwise: it checks
 * the same things and declares the same outs.
 *
 * Weights packed at load: a prepare whose run is faster with a constant argument (a weight in
 * the file) rearranged — a transformed or re-tiled copy in the layout its SIMD variant reads —
 * asks for it by setting ctx->pack_bytes (> 0) and ctx->pack. Nothing is packed during load:
 * the caller asks ember_method_packed_bytes() after ember_method_load and, if it gives that
 * memory to ember_method_pack(), each such instruction's pack(ctx, args, dst) writes its copy
 * into dst (64-byte aligned, pack_bytes long; ctx->state holds what prepare decided). run then
 * sees ctx->packed == dst, else NULL, and must run either way (unpacked it may take another
 * algorithm, e.g. a GEMM instead of Winograd: the outputs then agree to rounding, each path
 * deterministic and the same for any number of threads). pack reads only tensors whose storage
 * is EMBER_TENSOR_CONSTANT (their bytes never change; prepare checks it before asking).
 * A prepare whose packed layout follows from those constants alone, the same whatever the sizes
 * of the other arguments (a linear's weight in strips), also sets ctx->pack_static: a call
 * prepared again before each run (a dynamic size) then keeps the bytes packed at load, and its
 * run sees them whenever that run's prepare asks for the same pack_bytes and pack (else NULL).
 */
#ifndef EMBER_KERNEL_H
#define EMBER_KERNEL_H

#include "runtime/core/format.h" /* EMBER_MESSAGE */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>

#include "ember/ember.h"
#include "runtime/core/threadpool.h"

typedef struct ember_kernel_ctx {
    const char* op_name; /* "aten::add.out", for messages */
    char* msg;           /* where ember_kernel_fail writes */
    size_t msg_bytes;
    uint64_t outs;       /* set by prepare: bit i = args[i] is written by run (ember_kernel_out) */
    ember_threadpool* pool; /* run only (NULL in prepare): threads to split work over, or NULL */
    void* state;         /* EMBER_KERNEL_STATE_BYTES of the instruction's own, or NULL (above) */
    bool clamp;          /* prepare only: the loader asks for outputs clamped to [lo, hi] */
    float clamp_lo, clamp_hi;
    bool clamp_done;     /* set by a prepare whose run will apply that clamp */
    size_t pack_bytes;   /* prepare: bytes of packed weights run can use (0: none; above) */
    ember_status (*pack)(struct ember_kernel_ctx* ctx, ember_value* const* args, void* dst);
    bool pack_static;    /* prepare: the packed layout depends on constants only (above) */
    const void* packed;  /* run only: the bytes pack wrote for this instruction, or NULL */
    ember_value* const* args; /* prepare: the call's arguments (the loader sets it; may be NULL):
                               * ember_check_shape resizes a dynamic out it declared */
} ember_kernel_ctx;

typedef ember_status (*ember_kernel_pack_fn)(ember_kernel_ctx* ctx, ember_value* const* args,
                                             void* dst);

#define EMBER_KERNEL_MAX_OUT_ARG 63 /* outs is a 64-bit mask of argument positions */
#define EMBER_KERNEL_STATE_BYTES 16 /* ember_kernel_ctx.state */

/* The state of the kernels that take a fused clamp (convolution, linear, addmm): zero (no
 * clamp) unless prepare accepted one. */
typedef struct ember_kernel_clamp {
    bool on;
    float lo, hi;
} ember_kernel_clamp;
_Static_assert(sizeof(ember_kernel_clamp) <= EMBER_KERNEL_STATE_BYTES, "state holds a clamp");

/* In prepare, for a kernel that can clamp what it writes: stores the requested clamp in the
 * state and says it is done, when one is asked for and there is state to keep it in. */
static inline void ember_kernel_accept_clamp(ember_kernel_ctx* ctx)
{
    if (!ctx->clamp || !ctx->state) return;
    *(ember_kernel_clamp*)ctx->state = (ember_kernel_clamp){true, ctx->clamp_lo, ctx->clamp_hi};
    ctx->clamp_done = true;
}

/* In run: the accepted clamp's bounds, or [-inf, inf]. */
static inline void ember_kernel_clamp_get(const ember_kernel_ctx* ctx, float* lo, float* hi)
{
    const ember_kernel_clamp* c = ctx->state;
    *lo = c && c->on ? c->lo : -INFINITY;
    *hi = c && c->on ? c->hi : INFINITY;
}

typedef ember_status (*ember_kernel_run_fn)(ember_kernel_ctx* ctx, ember_value* const* args);
typedef ember_status (*ember_kernel_prepare_fn)(ember_kernel_ctx* ctx, ember_value* const* args,
                                                size_t num_args, ember_kernel_run_fn* run);

typedef struct ember_kernel {
    const char* name; /* "namespace::op.overload" */
    ember_kernel_prepare_fn prepare;
} ember_kernel;

/* Every prepare function, declared from the one op list. */
#define EMBER_OP(sym, name)                                                                     \
    ember_status ember_prepare_##sym(ember_kernel_ctx* ctx, ember_value* const* args,          \
                                     size_t num_args, ember_kernel_run_fn* run);
#include "kernels/ops.inc"
#undef EMBER_OP

/* The kernel registered under "namespace::op.overload", or NULL. */
const ember_kernel* ember_kernel_find(const char* name, size_t name_len);
/* The same for a program's operator, its name and overload apart ("" for none): what
 * "name.overload" (or "name") would find, without joining them. */
const ember_kernel* ember_kernel_find_operator(const char* name, const char* overload);
size_t ember_kernel_count(void);
const ember_kernel* ember_kernel_at(size_t index);

/* Writes "<op>: <message>" into ctx->msg (without messages: "", format.h) and returns
 * `status`. */
ember_status(ember_kernel_fail)(ember_kernel_ctx* ctx, ember_status status, const char* fmt, ...)
#if defined(__GNUC__) && EMBER_MESSAGES /* without messages the format is "" */
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#define ember_kernel_fail(ctx, status, ...)                                                     \
    (ember_kernel_fail)((ctx), (status), EMBER_MESSAGE(__VA_ARGS__))

/* The CPU features kernels may use: ember_cpu_features() & the process's mask (all ones unless
 * set). A prepare that has ISA-specific variants asks this, once, at load, and stores the run
 * function of the best variant the features allow; without them it stores the portable one.
 * ember_kernel_cpu_mask_set is for tests and benchmarks only (it is not in the public header):
 * with mask 0 every later load picks the portable kernels, with ~0 (the default) the best ones.
 * It affects methods loaded after the call, not those already loaded; call it while no other
 * thread is loading a method. */
uint64_t ember_kernel_cpu_features(void);

/* The features each x86 template kernel (kernels/optimized/f32_simd_x86.h: GEMM, convolution,
 * pooling, attention, row ops) is compiled for, its target attribute: a prepare picks that
 * variant only when ember_kernel_cpu_features() has all of them. */
#define EMBER_FEATURES_X86_AVX512                                                               \
    (EMBER_CPU_BIT(EMBER_CPU_AVX512F) | EMBER_CPU_BIT(EMBER_CPU_AVX512VL) |                     \
     EMBER_CPU_BIT(EMBER_CPU_AVX512DQ) | EMBER_CPU_BIT(EMBER_CPU_FMA))
#define EMBER_FEATURES_X86_AVX2 (EMBER_CPU_BIT(EMBER_CPU_AVX2) | EMBER_CPU_BIT(EMBER_CPU_FMA))
void ember_kernel_cpu_mask_set(uint64_t mask);

#endif /* EMBER_KERNEL_H */
