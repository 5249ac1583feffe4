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
 * ISA-specialised one). `run` is then called on every execute with the same args and does no
 * checking beyond debug asserts: validate once, run blindly.
 */
#ifndef EMBER_KERNEL_H
#define EMBER_KERNEL_H

#include <stdarg.h>

#include "ember/ember.h"

typedef struct ember_kernel_ctx {
    const char* op_name; /* "aten::add.out", for messages */
    char* msg;           /* where ember_kernel_fail writes */
    size_t msg_bytes;
} ember_kernel_ctx;

typedef ember_status (*ember_kernel_run_fn)(ember_value* const* args);
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
size_t ember_kernel_count(void);
const ember_kernel* ember_kernel_at(size_t index);

/* Writes "<op>: <message>" into ctx->msg and returns `status`. */
ember_status ember_kernel_fail(ember_kernel_ctx* ctx, ember_status status, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* EMBER_KERNEL_H */
