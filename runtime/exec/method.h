/* method.h — a loaded method's layout in the caller's bookkeeping block (internal). */
#ifndef EMBER_EXEC_METHOD_H
#define EMBER_EXEC_METHOD_H

#include "ember/backend.h"
#include "ember/ember.h"
#include "kernels/kernel.h"
#include "runtime/format/flatbuffer.h"

/* EMBER_FUSE=1 compiles the load-time fusion of a relu / hardtanh / clamp into the f32
 * convolution, linear or addmm before it (method.c, fuse_activations). Only the fast f32 kernels
 * of x86-64 and AArch64 accept the clamp, so it defaults to 1 there and to 0 on every other
 * target, where it could never fuse (a Cortex-M's firmware leaves its code out). */
#ifndef EMBER_FUSE
#if defined(__x86_64__) || defined(__aarch64__)
#define EMBER_FUSE 1
#else
#define EMBER_FUSE 0
#endif
#endif

/* EMBER_PACK=1 compiles the use, by a call prepared again before each run (a dynamic size), of
 * the weights packed for it at load (method.c, prepare_kernel; kernel.h: pack_static). Only
 * the x86-64 and AArch64 kernels pack weights: 1 there, 0 elsewhere (such a call then keeps to
 * the weights as stored, as every call does where nothing packs). */
#ifndef EMBER_PACK
#if defined(__x86_64__) || defined(__aarch64__)
#define EMBER_PACK 1
#else
#define EMBER_PACK 0
#endif
#endif

/* EMBER_EVENTS=1 compiles the event hook into the execute loop (ember_method_set_event_hook);
 * 0 removes the hook's field and calls. CMake's option EMBER_EVENTS sets it. */
#ifndef EMBER_EVENTS
#define EMBER_EVENTS 1
#endif

/* EMBER_DELEGATES=1 compiles delegate support in (backends, ember/backend.h); 0 leaves it out for
 * the smallest firmware: a method with delegates is then refused at load (EMBER_NOT_SUPPORTED),
 * and neither the backends' calls nor the reading of delegates and their data is linked. CMake's
 * option EMBER_DELEGATES sets it. */
#ifndef EMBER_DELEGATES
#define EMBER_DELEGATES 1
#endif

typedef struct ember_instr {
    uint32_t kind;     /* INSTR_* from schema.h */
    uint32_t num_args; /* kernel and delegate calls */
    bool recheck;      /* kernel call reading a value that can change between runs (a move
                        * target, a scalar input): its prepare runs again before each run */
    bool view;         /* executorch_prim::et_view: writes no data, points its out at self */
    bool fused;        /* kernel call whose work the call before it does (a fused activation):
                        * execute skips it */
    ember_value* const* args; /* (num_args) */
    const char* fused_name;   /* NULL, or the call's name with its fused activation
                               * ("aten::convolution.out+relu") */
    uint64_t outs;     /* kernel calls: the outs prepare declared (ember_kernel_ctx.outs) */
    _Alignas(8) unsigned char state[EMBER_KERNEL_STATE_BYTES]; /* ember_kernel_ctx.state */
    size_t pack_bytes;        /* kernel calls: what prepare asked for (ember_kernel_ctx) */
    ember_kernel_pack_fn pack;
    const void* packed;       /* set by ember_method_pack: ember_kernel_ctx.packed, or NULL */
    const void* pack_mem;     /* what ember_method_pack wrote for the call, or NULL: a recheck
                               * call's packed is this while its prepare asks for the same pack */
    bool pack_static;         /* the load-time prepare's ember_kernel_ctx.pack_static */
    union {
        struct {
            ember_kernel_run_fn run; /* chosen by the op's prepare at load */
            uint32_t op;             /* operator index */
        } kernel;
        uint32_t delegate; /* delegate index */
        struct {
            uint32_t from, to;
        } move;
        struct {
            uint32_t cond, dest;
        } jump;
        uint32_t free_value;
    } u;
} ember_instr;

/* input_state flags. Every input must be set before the first execute (INPUT_EVER_SET). A
 * planned input whose bytes other tensors reuse, or that a kernel writes, is consumed by execute: it must be set again
 * before the next one (the runtime refuses rather than compute on garbage). */
enum { INPUT_SET = 1, INPUT_CLOBBERED = 2, INPUT_EVER_SET = 4 };

typedef struct ember_chain {
    uint32_t first; /* index into instrs */
    uint32_t count;
} ember_chain;

typedef struct ember_delegate {
    const ember_backend* backend;
    void* handle; /* from backend->init, NULL once destroyed */
    const char* id;
} ember_delegate;

struct ember_method {
    ember_program* program;
    fb_table plan;
    ember_value* values;         /* (num_values) */
    uint32_t num_values;
    const uint32_t* inputs;      /* (num_inputs) value indices */
    uint32_t num_inputs;
    uint8_t* input_state;        /* (num_inputs) INPUT_* flags */
    const uint32_t* outputs;     /* (num_outputs) value indices */
    uint32_t num_outputs;
    const ember_chain* chains;   /* (num_chains) */
    uint32_t num_chains;
    ember_instr* instrs;         /* (num_instrs), all chains back to back */
    uint32_t num_instrs;
    const ember_kernel** ops;    /* (num_ops) resolved operators */
    uint32_t num_ops;
    ember_delegate* delegates;   /* (num_delegates) */
    uint32_t num_delegates;
    bool inspect_only;           /* loaded without planned buffers: nothing can run */
    ember_threadpool* pool;      /* passed to every kernel's run (ctx.pool); NULL: one thread */
#if EMBER_EVENTS
    ember_event_fn hook;         /* NULL: no events */
    void* hook_user;
#endif
    char error[240];
};

#endif
