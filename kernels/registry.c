/* registry.c — the table of operators, generated from kernels/ops.inc, or from the list a
 * selective build passes as EMBER_OPS_INC (a file of EMBER_OP lines, e.g. the operators of one
 * program: docs/microcontrollers.md): only the kernels in the table are linked. */
#include <string.h>

#include "kernels/kernel.h"
#include "runtime/core/format.h"

static const ember_kernel kernels[] = {
#define EMBER_OP(sym, name) {name, ember_prepare_##sym},
#ifdef EMBER_OPS_INC
#include EMBER_OPS_INC
#else
#include "kernels/ops.inc"
#endif
#undef EMBER_OP
    {NULL, NULL}, /* keeps the array non-empty for an empty selection; not counted */
};

/* The table's entries before its sentinel: a variable, not sizeof arithmetic, so that an empty
 * selection compiles without "comparison is always false" warnings. */
static const size_t num_kernels = sizeof kernels / sizeof kernels[0] - 1;

const ember_kernel* ember_kernel_find(const char* name, size_t name_len)
{
    for (const ember_kernel* k = kernels; k->name; k++)
        if (strlen(k->name) == name_len && memcmp(k->name, name, name_len) == 0) return k;
    return NULL;
}

const ember_kernel* ember_kernel_find_operator(const char* name, const char* overload)
{
    for (const ember_kernel* k = kernels; k->name; k++) {
        const char* c = k->name;
        const char* n = name;
        while (*n && *c == *n) c++, n++;
        if (*n) continue; /* k's name does not start with name */
        if (*overload ? *c == '.' && strcmp(c + 1, overload) == 0 : !*c) return k;
    }
    return NULL;
}

size_t ember_kernel_count(void) { return num_kernels; }

const ember_kernel* ember_kernel_at(size_t index) { return index < num_kernels ? &kernels[index] : NULL; }

size_t ember_operator_count(void) { return num_kernels; }

const char* ember_operator_name(size_t index) { return index < num_kernels ? kernels[index].name : NULL; }

ember_status(ember_kernel_fail)(ember_kernel_ctx* ctx, ember_status status, const char* fmt, ...)
{
#if !EMBER_MESSAGES
    (void)fmt;
    if (ctx && ctx->msg && ctx->msg_bytes) ctx->msg[0] = 0;
#else
    if (ctx && ctx->msg && ctx->msg_bytes) {
        int n = ember_snprintf(ctx->msg, ctx->msg_bytes, "%s: ", ctx->op_name ? ctx->op_name : "op");
        if (n < 0) n = 0;
        if ((size_t)n < ctx->msg_bytes) {
            va_list ap;
            va_start(ap, fmt);
            ember_vsnprintf(ctx->msg + n, ctx->msg_bytes - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
#endif
    return status;
}
