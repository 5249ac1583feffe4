/* ember.h — the one public header of libember, Ember's C11 runtime for .pte (ExecuTorch ET12)
 * programs.
 *
 * Usage (error handling shortened; every call returns ember_status, 0 is EMBER_OK):
 *
 *     #include <ember/ember.h>
 *
 *     // 1. The file's bytes stay where they are (flash, mmap, a static array): weights are
 *     //    never copied, so `file` must outlive the program and every method loaded from it.
 *     ember_program prog;
 *     if (ember_program_load(&prog, file, file_size) != EMBER_OK)
 *         printf("%s\n", ember_program_error(&prog));
 *
 *     // 2. Ask what a method needs, then hand it memory: one bookkeeping block plus one block
 *     //    per planned buffer (memory ids 1..n). Static arrays work; nothing is malloc'ed.
 *     ember_method_requirements req;
 *     ember_method_requirements_get(&prog, "forward", &req);
 *     static uint8_t book[64 * 1024] __attribute__((aligned(16)));
 *     void* buffers[EMBER_MAX_BUFFERS];
 *     for (size_t i = 0; i < req.num_buffers; i++) buffers[i] = my_arena_take(req.buffer_bytes[i]);
 *     ember_method* m;
 *     ember_method_load(&prog, "forward", book, sizeof book, buffers, req.num_buffers, &m);
 *
 *     // 3. Inputs are checked against the method's dtype and shape, then copied into their
 *     //    planned slot (or, for an input the program did not plan, borrowed by pointer).
 *     int32_t shape[2] = {1, 16};
 *     ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x);
 *     ember_method_execute(m);
 *     const ember_tensor* y;
 *     ember_method_output(m, 0, &y);      // y->data points into the planned buffers
 *     ember_method_destroy(m);            // releases delegate handles; memory stays the caller's
 *
 * Ownership: the library never allocates. `ember_program` is the caller's (usually on the
 * stack or static) and points into the file bytes. `ember_method` lives inside the bookkeeping
 * block. Output tensors point into the planned buffers and are valid until the next execute.
 * Errors: a failed call leaves a message in ember_program_error() (load) or
 * ember_method_error() (execute) naming what was wrong (an operator, a backend, a value).
 *
 * Untrusted files: every byte of a program is checked before it is used — the flatbuffer as
 * FlatBuffers' own verifier checks it, then every index, size, offset, alignment and argument
 * at method load — so a malformed or hostile file fails to load with a message; it never makes
 * the library crash, read or write out of bounds, or write into the file's bytes (which may be
 * mapped read-only, in flash) or into the caller's inputs.
 *
 * Threads: a program is only read once ember_program_load returns, except that
 * ember_method_requirements_get and ember_method_load write their failure message into it
 * (ember_program_error): calls of those two on one program must not overlap. Everything else
 * may run concurrently on one program: the read-only queries, and methods loaded from it
 * executing on different threads. A method itself is used by one thread at a time.
 */
#ifndef EMBER_EMBER_H
#define EMBER_EMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMBER_VERSION_STRING "0.1.0"

/* ---- status ---------------------------------------------------------------------------- */

typedef enum ember_status {
#define EMBER_STATUS(name, value, text) EMBER_##name = value,
#include "ember/status.inc"
#undef EMBER_STATUS
} ember_status;

/* A short fixed name for a status code ("unknown operator"); never NULL. */
const char* ember_status_str(ember_status status);

/* ---- scalar types ---------------------------------------------------------------------- */

typedef enum ember_dtype {
#define EMBER_DTYPE(name, value, bytes, text) EMBER_DTYPE_##name = value,
#include "ember/dtype.inc"
#undef EMBER_DTYPE
} ember_dtype;

/* Bytes per element, or 0 for a code Ember does not know. */
size_t ember_dtype_size(int dtype);
/* "float32", ...; "unknown" for a code Ember does not know. */
const char* ember_dtype_name(int dtype);

/* ---- tensors and values ---------------------------------------------------------------- */

#define EMBER_MAX_DIMS 8      /* tensors of higher rank are rejected at load */
#define EMBER_MAX_BUFFERS 16  /* planned memory ids per method, including reserved id 0 */
#define EMBER_BUFFER_ALIGN 16 /* alignment ember_method_load requires of each planned buffer */

/* Where a tensor's bytes live. */
enum {
    EMBER_TENSOR_CONSTANT = 1, /* points into the program's bytes (read-only) */
    EMBER_TENSOR_PLANNED = 2,  /* at a fixed offset inside a caller's planned buffer */
    EMBER_TENSOR_BORROWED = 4, /* no storage of its own: set by the caller or by a view op */
};

/* A tensor's sizes are fixed, unless the file marks it dynamic with an upper bound
 * (ExecuTorch's DYNAMIC_BOUND: torch.export's Dim("T", max=...)): its sizes in the file are the
 * bound, its memory is planned for them (capacity), and set_input and the kernels may give it
 * any sizes of the same rank whose bytes fit (ember_tensor_resize). */
typedef struct ember_tensor {
    void* data;                       /* first element; NULL until bound (borrowed tensors) */
    int32_t sizes[EMBER_MAX_DIMS];    /* (dim) */
    int32_t strides[EMBER_MAX_DIMS];  /* (dim) in elements, derived from sizes and dim_order */
    uint8_t dim_order[EMBER_MAX_DIMS];/* (dim) outermost first; 0,1,2.. is contiguous */
    uint8_t dim;                      /* rank, 0 for a scalar tensor */
    uint8_t dtype;                    /* ember_dtype */
    uint8_t storage;                  /* EMBER_TENSOR_* */
    uint8_t dynamic;                  /* 1: sizes may change, up to capacity bytes */
    int64_t numel;                    /* product of sizes (1 for rank 0) */
    size_t nbytes;                    /* numel * element size */
    size_t capacity;                  /* bytes its memory holds: nbytes at the file's sizes */
} ember_tensor;

/* Gives a dynamic tensor new sizes of its rank: strides follow its dim order, numel and nbytes
 * the sizes. EMBER_SHAPE_MISMATCH (the tensor unchanged) if it is not dynamic, the rank
 * differs, a size is negative, or the bytes exceed its capacity. */
ember_status ember_tensor_resize(ember_tensor* t, size_t dim, const int32_t* sizes);

/* Value kinds, numbered as the format's KernelTypes union. */
typedef enum ember_value_tag {
    EMBER_VALUE_NONE = 0,
    EMBER_VALUE_NULL = 1,
    EMBER_VALUE_INT = 2,
    EMBER_VALUE_BOOL = 3,
    EMBER_VALUE_DOUBLE = 4,
    EMBER_VALUE_TENSOR = 5,
    EMBER_VALUE_STRING = 6,
    EMBER_VALUE_INT_LIST = 7,
    EMBER_VALUE_DOUBLE_LIST = 8,
    EMBER_VALUE_BOOL_LIST = 9,
    EMBER_VALUE_TENSOR_LIST = 10,
    EMBER_VALUE_OPTIONAL_TENSOR_LIST = 11,
} ember_value_tag;

/* One entry of a method's value table (ExecuTorch's EValue). Lists are resolved at load into
 * the bookkeeping block: int lists hold the integers themselves, tensor lists hold pointers
 * (NULL for a missing entry of an optional tensor list). */
typedef struct ember_value {
    uint32_t tag; /* ember_value_tag */
    uint32_t len; /* element count for strings and lists */
    union {
        int64_t i;
        double d;
        bool b;
        ember_tensor* t;
        const char* str;         /* (len) bytes, NUL-terminated */
        const int64_t* ints;     /* (len) */
        const double* doubles;   /* (len) */
        const uint8_t* bools;    /* (len), 0 or 1 */
        ember_tensor* const* tensors; /* (len) */
    } u;
} ember_value;

/* ---- CPU features ---------------------------------------------------------------------- */

/* What the CPU running this process can do, for choosing kernels at method load (never from
 * the build machine's -march): one bit per feature of include/ember/cpu_feature.inc. */
typedef enum ember_cpu_feature {
#define EMBER_CPU_FEATURE(name, bit, text) EMBER_CPU_##name = bit,
#include "ember/cpu_feature.inc"
#undef EMBER_CPU_FEATURE
} ember_cpu_feature;
#define EMBER_CPU_BIT(feature) ((uint64_t)1 << (feature))

/* The features detected on this CPU (cpuid and XCR0 on x86, getauxval hwcaps on aarch64 Linux,
 * the compiler's target on bare metal): a mask of EMBER_CPU_BIT(EMBER_CPU_...). Detected on
 * every call (a few cpuid instructions; no state, safe from any thread). */
uint64_t ember_cpu_features(void);
/* "avx2", ...; NULL for a bit that names no feature. */
const char* ember_cpu_feature_name(ember_cpu_feature feature);
/* The names of the features in `mask`, space-separated, into buf (always NUL-terminated when
 * bytes > 0); returns the length the whole string needs, like snprintf. */
size_t ember_cpu_features_str(uint64_t mask, char* buf, size_t bytes);

/* ---- operators ------------------------------------------------------------------------- */

/* The operators this build of the library can run ("aten::add.out", ...), for tools that want
 * to check a model before loading it. Names are static strings. */
size_t ember_operator_count(void);
const char* ember_operator_name(size_t index); /* NULL if out of range */

/* ---- programs -------------------------------------------------------------------------- */

/* A verified view of a .pte file. Fields are private; the struct is public so it can live on
 * the stack or in static memory. */
typedef struct ember_program {
    const uint8_t* data;      /* the file, caller-owned */
    size_t size;              /* bytes of data */
    size_t fb_size;           /* bytes of the flatbuffer part */
    uint64_t segment_base;    /* offset of segment data, 0 if none */
    uint32_t root;            /* offset of the Program table */
    uint32_t plans;           /* offset of the execution_plan vector */
    uint32_t num_plans;
    uint32_t segments;        /* offset of the segments vector, 0 if absent */
    uint32_t num_segments;
    uint32_t const_offsets;   /* offset of constant_segment.offsets, 0 if absent */
    uint32_t num_const_offsets;
    uint32_t const_segment;   /* constant_segment.segment_index */
    uint32_t const_buffers;   /* offset of legacy constant_buffer vector, 0 if absent */
    uint32_t num_const_buffers;
    uint32_t inline_delegates;/* offset of backend_delegate_data vector, 0 if absent */
    uint32_t num_inline_delegates;
    uint32_t version;
    char error[240];          /* last error, NUL-terminated */
} ember_program;

/* Verifies the header and the whole flatbuffer (every offset, length and vtable is checked
 * against `size`) and keeps a pointer to `data`. `data` must stay valid and unchanged for the
 * program's lifetime and should be 16-byte aligned (constants are read in place). */
ember_status ember_program_load(ember_program* program, const void* data, size_t size);

/* sizeof(ember_program), for language bindings that cannot see the struct. */
size_t ember_program_struct_size(void);

/* The last load error of this program or of a method loaded from it. */
const char* ember_program_error(const ember_program* program);

size_t ember_program_method_count(const ember_program* program);
/* Name of method i (NUL-terminated, points into the file), or NULL if out of range. */
const char* ember_program_method_name(const ember_program* program, size_t index);
/* Bytes of constant data (segments and legacy buffers) the program carries. */
size_t ember_program_constant_bytes(const ember_program* program);
/* The pytree specs an exporter stored with method i (the plan's ContainerMetadata: how the flat
 * inputs and outputs nest in the model's signature, e.g. a dict's keys), NUL-terminated and
 * pointing into the file; "" when absent. */
ember_status ember_program_method_spec(const ember_program* program, size_t index,
                                       const char** inputs_spec, const char** outputs_spec);

/* ---- methods --------------------------------------------------------------------------- */

typedef struct ember_method ember_method;

typedef struct ember_method_requirements {
    size_t bookkeeping_bytes;               /* exact size of ember_method_load's `mem` */
    size_t num_buffers;                     /* entries of buffers[] to pass (id 0 included) */
    size_t buffer_bytes[EMBER_MAX_BUFFERS]; /* bytes of planned buffer i; [0] is always 0 */
} ember_method_requirements;

/* The memory a method needs, before loading it: exact, so firmware can size static arrays.
 * On failure the message is in ember_program_error(program). */
ember_status ember_method_requirements_get(ember_program* program, const char* name,
                                           ember_method_requirements* req);

/* Builds the method in `mem` (at least req.bookkeeping_bytes, any alignment) and binds planned
 * tensors into `buffers` (buffers[i] has at least req.buffer_bytes[i] bytes; buffers[0] may be
 * NULL; each must be EMBER_BUFFER_ALIGN-aligned). Resolves every operator and delegate now: an
 * unknown operator or backend fails here with a message naming it. `program` must outlive the
 * method.
 * With buffers NULL and num_buffers 0 the method is loaded for inspection only: its inputs,
 * outputs, operators and delegates can be read (tensors have no data), while set_input and
 * execute fail with EMBER_INVALID_ARGUMENT. Tools use this to describe a program without
 * allocating its planned memory. */
ember_status ember_method_load(ember_program* program, const char* name, void* mem,
                               size_t mem_bytes, void* const* buffers, size_t num_buffers,
                               ember_method** method);

size_t ember_method_input_count(const ember_method* method);
size_t ember_method_output_count(const ember_method* method);
/* The value at input/output i (a tensor for most models), or NULL if out of range. */
const ember_value* ember_method_input(const ember_method* method, size_t index);
const ember_value* ember_method_output_value(const ember_method* method, size_t index);

/* Sets tensor input i. dtype, dim and sizes must equal the method's; planned inputs are copied
 * into their slot, unplanned ones borrow `data` (aligned for the dtype) until the next
 * set_input. The method never writes borrowed data, except an unplanned input the program also
 * returns as an output (the program updates it in place). */
ember_status ember_method_set_input(ember_method* method, size_t index, ember_dtype dtype,
                                    size_t dim, const int32_t* sizes, const void* data);
/* Sets a scalar input from a number: an Int takes an integral value in int64's range, a Bool
 * 0 or 1, a Double anything; other values fail with EMBER_INVALID_ARGUMENT. Kernels that read a
 * scalar input check its value again on every execute (a bad one fails the execute, naming it). */
ember_status ember_method_set_input_scalar(ember_method* method, size_t index, double value);
/* Sets an Int (or Bool: 0 or 1) scalar input exactly, for integers beyond a double's 2^53. */
ember_status ember_method_set_input_int(ember_method* method, size_t index, int64_t value);

/* Runs the method once. Fails with EMBER_INPUT_NOT_SET if an input was never set, or if an
 * input whose planned bytes the method reuses for other tensors was not set again since the
 * last execute (such inputs are consumed by each run; the rest stay valid). A run that fails
 * part way (an index out of range found in the data, say) leaves outputs unspecified. */
ember_status ember_method_execute(ember_method* method);
/* Whether execute consumes input i (its planned bytes are reused or written by the method):
 * such an input must be set again before every execute. False for other inputs and out of
 * range. A benchmark asks it before each execute and sets again only what it must. */
bool ember_method_input_consumed(const ember_method* method, size_t index);

/* Tensor output i; valid until the next execute. */
ember_status ember_method_output(const ember_method* method, size_t index,
                                 const ember_tensor** out);

/* Message of the method's last failure. */
const char* ember_method_error(const ember_method* method);

/* Counts of the method's contents, for tools. */
typedef struct ember_method_info {
    size_t num_values;
    size_t num_instructions;
    size_t num_operators;
    size_t num_delegates;
} ember_method_info;
ember_status ember_method_info_get(const ember_method* method, ember_method_info* info);
/* "aten::add.out" of operator i, written into buf; NULL if out of range. */
const char* ember_method_operator_name(const ember_method* method, size_t index, char* buf,
                                       size_t buf_bytes);
/* Backend id of delegate i, or NULL. */
const char* ember_method_delegate_name(const ember_method* method, size_t index);

/* ---- weights packed at load ------------------------------------------------------------ */

/* Some fast kernels run faster from a copy of their weights rearranged for this CPU (a
 * convolution's Winograd-transformed weights, a linear layer's weight in the strips its GEMM
 * reads, say). The copy is optional and costs memory, so
 * it is the caller's choice: after ember_method_load, ember_method_packed_bytes says how many
 * bytes it takes (0: this method on this CPU has nothing to pack; the number depends on the CPU
 * features the kernels were chosen for, which is why ember_method_requirements_get cannot say
 * it), and ember_method_pack(method, mem, bytes) writes the copies into `mem` (any alignment,
 * at least that many bytes), which must then stay valid and unchanged while the method runs.
 * Without it every kernel still runs, on the layout the file has (a convolution then takes
 * its GEMM path instead of Winograd: outputs agree to rounding, not bit for bit). Call it while no execute runs; calling it again repacks
 * (into new memory, say), and mem NULL returns the method to unpacked weights. `ember run`,
 * `ember bench` and the Python binding always pack; `ember inspect` reports the bytes. On
 * failure the method runs unpacked and ember_method_error says why. */
size_t ember_method_packed_bytes(const ember_method* method);
ember_status ember_method_pack(ember_method* method, void* mem, size_t bytes);

/* Releases delegate handles. The memory blocks stay the caller's. */
void ember_method_destroy(ember_method* method);

/* ---- instructions and profiling -------------------------------------------------------- */

/* Instruction kinds, numbered as the format's InstructionArguments union. */
typedef enum ember_instruction_kind {
    EMBER_INSTRUCTION_KERNEL = 1,     /* a KernelCall: one operator */
    EMBER_INSTRUCTION_DELEGATE = 2,   /* a DelegateCall: a backend runs a subgraph */
    EMBER_INSTRUCTION_MOVE = 3,       /* a MoveCall: copies one value-table entry to another */
    EMBER_INSTRUCTION_JUMP_FALSE = 4, /* a JumpFalseCall */
    EMBER_INSTRUCTION_FREE = 5,       /* a FreeCall: nothing to do, planned memory stays */
} ember_instruction_kind;

/* What a tool needs to label instruction i of a method (e.g. a profiler's rows). Instructions
 * are numbered across the method's chains, back to back, as in event hooks and error messages. */
typedef struct ember_instruction_info {
    uint32_t kind;     /* ember_instruction_kind */
    uint32_t index;    /* kernel: operator index (ember_method_operator_name); delegate: delegate
                        * index (ember_method_delegate_name); others: 0 */
    const char* name;  /* kernel: "aten::add.out"; delegate: the backend id; others: "move",
                        * "jump_false", "free". Valid as long as the method (and its program). */
    size_t num_args;   /* kernel and delegate calls; 0 for the others */
    const ember_value* const* args; /* (num_args) the call's values in file order; an
                        * out-variant kernel's last argument is its (first) output tensor.
                        * Points into the bookkeeping block; read-only for the caller. */
} ember_instruction_info;

/* Fills `info` for instruction `index` (< ember_method_info.num_instructions). */
ember_status ember_method_instruction(const ember_method* method, size_t index,
                                      ember_instruction_info* info);

/* Event hook: with a hook set, ember_method_execute calls it twice around each kernel and
 * delegate call it runs (moves, jumps and frees are not reported): with EMBER_EVENT_BEGIN and
 * status EMBER_OK just before the call, and with EMBER_EVENT_END and the call's status just
 * after it. Every BEGIN is followed by the END of the same instruction, also when the call
 * fails (then END carries the failure and execute returns it). Instructions come in the order
 * they run: straight-line programs report each kernel or delegate call once per execute in
 * index order; jumps may skip or repeat some.
 *
 * The library takes no timestamps: the hook reads whatever clock the caller has
 * (clock_gettime on Linux, the DWT cycle counter on a Cortex-M) and keeps what it wants in
 * `user`. The hook runs on the executing thread, inside execute; it must not call back into
 * this method. `user` is the caller's and is only passed through.
 *
 * The hook is compiled in when the library is built with EMBER_EVENTS=1 (the default; CMake
 * option EMBER_EVENTS). With EMBER_EVENTS=0 the hook field and its calls vanish from the
 * execute loop and this function returns EMBER_NOT_SUPPORTED. A NULL fn clears the hook; a
 * hook set stays until cleared or the method is destroyed. */
typedef enum ember_event_phase { EMBER_EVENT_BEGIN = 0, EMBER_EVENT_END = 1 } ember_event_phase;
typedef void (*ember_event_fn)(void* user, uint32_t instruction, ember_event_phase phase,
                               ember_status status);
ember_status ember_method_set_event_hook(ember_method* method, ember_event_fn fn, void* user);

/* A ready-made hook that accumulates, per instruction, how often it ran and the clock ticks it
 * took, into the caller's counters (no allocation):
 *
 *     static ember_profile_counter counters[MAX_INSTRUCTIONS];   // zeroed
 *     ember_profiler prof = {my_clock, NULL, counters, info.num_instructions, 0};
 *     ember_method_set_event_hook(m, ember_profiler_event, &prof);
 *     ember_method_execute(m);       // counters[i].ticks / counters[i].calls: mean per call
 *
 * The clock is the caller's: ticks are whatever it counts (ember_clock_monotonic_ns on a
 * host, a cycle counter on a microcontroller). An instruction index past num_counters is
 * ignored. The struct and the counters must outlive the hook. */
typedef uint64_t (*ember_clock_fn)(void* user);
typedef struct ember_profile_counter {
    uint64_t calls; /* END events seen */
    uint64_t ticks; /* sum over calls of clock(END) - clock(BEGIN) */
} ember_profile_counter;
typedef struct ember_profiler {
    ember_clock_fn clock;
    void* clock_user;                /* passed to clock */
    ember_profile_counter* counters; /* (num_counters), the caller's, indexed by instruction */
    size_t num_counters;
    uint64_t started;                /* private: the clock at the last BEGIN */
} ember_profiler;
/* An ember_event_fn; `user` is an ember_profiler*. */
void ember_profiler_event(void* user, uint32_t instruction, ember_event_phase phase,
                          ember_status status);
/* What the profiler measures around nothing: the fewest ticks of 100 BEGIN/END pairs with no
 * call between them (its clock readings and bookkeeping), the floor under every measured call.
 * Touches neither p's counters nor p->started. */
uint64_t ember_profiler_overhead(const ember_profiler* p);

/* clock_gettime(CLOCK_MONOTONIC) in nanoseconds, an ember_clock_fn for hosts (built from
 * platform/posix; a bare-metal build leaves it out and supplies its own clock). */
uint64_t ember_clock_monotonic_ns(void* user);

/* ---- threads --------------------------------------------------------------------------- */

/* A pool of worker threads that kernels split their work over (float32 linear, mm, bmm and the
 * unary ops today; docs/runtime.md, "Threads"). Created once at setup, in the caller's memory, and handed to any number of
 * methods; execute never creates or wakes threads of its own and never allocates.
 *
 *     size_t threads = ember_cpu_count();             // the cores this process may run on
 *     static uint8_t pool_mem[4096];                  // or malloc(ember_threadpool_bytes(threads))
 *     ember_threadpool* pool;
 *     ember_threadpool_init(pool_mem, sizeof pool_mem, threads, &pool);
 *     ember_method_set_threadpool(m, pool);           // m's kernels now use `threads` threads
 *     ember_method_execute(m);
 *     ...
 *     ember_method_set_threadpool(m, NULL);           // or destroy the method first
 *     ember_threadpool_destroy(pool);                 // joins the workers; pool_mem is free again
 *
 * A pool of T threads is the thread calling execute plus T - 1 workers (pthreads, started by
 * init: thread stacks are the one thing the OS allocates). Between jobs the workers spin for
 * some microseconds, then sleep on a condition variable: an idle pool costs no CPU. One
 * execute uses the pool at a time; a second method executing on another thread with the same
 * pool meanwhile runs its kernels on its own thread (correct, just not parallel), so sharing a
 * pool is always safe. Results do not depend on the thread count: each kernel cuts its work so
 * that every output is computed by the same instructions whatever the split (the linear's
 * outputs are bit-identical with 1 and N threads).
 *
 * Without pthreads (bare metal; CMake option EMBER_THREADS=OFF) every pool has one thread and
 * ember_cpu_count() returns 1: the same calls work and run everything on the caller's thread. */
typedef struct ember_threadpool ember_threadpool;

/* Bytes of memory a pool of `threads` threads needs (1..1024; 0 for any other count). */
size_t ember_threadpool_bytes(size_t threads);
/* Starts threads - 1 workers in `mem` (at least ember_threadpool_bytes(threads) bytes, any
 * alignment; the caller's until ember_threadpool_destroy returns). threads 1 starts none. Fails
 * with EMBER_INVALID_ARGUMENT for a bad count or NULL, EMBER_MEMORY_TOO_SMALL for too few bytes,
 * EMBER_INTERNAL when a thread cannot be started (those already started are joined again). */
ember_status ember_threadpool_init(void* mem, size_t bytes, size_t threads,
                                   ember_threadpool** pool);
/* Stops and joins the workers. No method may be executing with the pool; methods that still
 * hold it must not execute again until given another pool (or NULL). NULL is a no-op. */
void ember_threadpool_destroy(ember_threadpool* pool);
/* Threads of the pool, the caller's included; 1 for NULL and in a build without threads. */
size_t ember_threadpool_threads(const ember_threadpool* pool);
/* The CPUs this process may run on (sched_getaffinity on Linux, else the online CPUs; 1
 * without threads): the default thread count of the CLI and the Python binding. */
size_t ember_cpu_count(void);

/* The pool the method's kernels split their work over from the next execute on; NULL (the
 * default) runs everything on the calling thread. The pool must outlive its use by the method. */
ember_status ember_method_set_threadpool(ember_method* method, ember_threadpool* pool);

/* ---- bundled programs (.bpte) ---------------------------------------------------------- */

/* A bundled program (ExecuTorch's BundledProgram, identifier BP08) wraps a .pte with test
 * cases: for some of its methods, inputs and the outputs they should give. Firmware can run
 * them as a self-test; `ember test-bundle` and ember.load() run them on a host.
 *
 *     ember_bundle bundle;
 *     ember_bundle_load(&bundle, file, size);                     // checks the whole wrapper
 *     ember_program_load(&prog, bundle.program, bundle.program_size);
 *     // for suite s (method ember_bundle_suite_method(&bundle, s)), case c:
 *     ember_bundle_set_inputs(&bundle, s, c, m);
 *     ember_method_execute(m);
 *     ember_bundle_check check;
 *     ember_bundle_check_outputs(&bundle, s, c, m, EMBER_BUNDLE_RTOL, EMBER_BUNDLE_ATOL, &check);
 *
 * Fields are private; like ember_program, the struct points into the caller's bytes. */
typedef struct ember_bundle {
    const uint8_t* data;     /* the file, caller-owned */
    size_t size;
    const uint8_t* program;  /* the wrapped .pte inside data (32-byte aligned in the file) */
    size_t program_size;
    uint32_t suites;         /* offset of method_test_suites, 0 if absent */
    uint32_t num_suites;
    char error[240];         /* last error, NUL-terminated */
} ember_bundle;

/* sizeof(ember_bundle), for language bindings. */
size_t ember_bundle_struct_size(void);

/* True if `data` carries a bundled-program identifier ("BP" and two digits at bytes 4..7;
 * ember_bundle_load reads version BP08 and names any other). */
bool ember_bundle_identify(const void* data, size_t size);

/* Verifies the wrapper (as FlatBuffers' verifier does) and finds the program inside. `data`
 * must stay valid and unchanged while the bundle and any program loaded from it are in use,
 * and should be 32-byte aligned (the wrapped program's constants are read in place). */
ember_status ember_bundle_load(ember_bundle* bundle, const void* data, size_t size);
const char* ember_bundle_error(const ember_bundle* bundle);

/* Test suites (one per method tested) and their cases. */
size_t ember_bundle_suite_count(const ember_bundle* bundle);
const char* ember_bundle_suite_method(const ember_bundle* bundle, size_t suite); /* NULL if out of range */
size_t ember_bundle_case_count(const ember_bundle* bundle, size_t suite);

/* One stored value: a tensor, whose bytes point into the bundle, or a scalar. */
typedef struct ember_bundle_value {
    uint32_t tag;                      /* EMBER_VALUE_TENSOR, _INT, _DOUBLE or _BOOL */
    uint8_t dtype;                     /* tensors: ember_dtype */
    uint8_t dim;
    int32_t sizes[EMBER_MAX_DIMS];     /* (dim) */
    uint8_t dim_order[EMBER_MAX_DIMS]; /* (dim) outermost first */
    const void* data;                  /* (nbytes) laid out in dim_order */
    size_t nbytes;
    int64_t i;                         /* EMBER_VALUE_INT */
    double d;                          /* EMBER_VALUE_DOUBLE */
    bool b;                            /* EMBER_VALUE_BOOL */
} ember_bundle_value;

size_t ember_bundle_input_count(const ember_bundle* bundle, size_t suite, size_t test_case);
size_t ember_bundle_expected_count(const ember_bundle* bundle, size_t suite, size_t test_case);
/* Input i / expected output i of a case. */
ember_status ember_bundle_input(ember_bundle* bundle, size_t suite, size_t test_case, size_t index,
                                ember_bundle_value* value);
ember_status ember_bundle_expected(ember_bundle* bundle, size_t suite, size_t test_case,
                                   size_t index, ember_bundle_value* value);

/* Sets every input of `method` (loaded from the bundle's program, the suite's method) from
 * the case's inputs. */
ember_status ember_bundle_set_inputs(ember_bundle* bundle, size_t suite, size_t test_case,
                                     ember_method* method);

/* Default tolerances of the tools (ember test-bundle, Program.test_bundle). Expected outputs
 * usually come from PyTorch eager, whose float32 rounding differs from any other runtime's:
 * atol lets elements near zero differ by that much (ExecuTorch's verifier uses 1e-8, which
 * fails correct models on outputs that cancel to near zero). */
#define EMBER_BUNDLE_RTOL 1e-5
#define EMBER_BUNDLE_ATOL 1e-6

/* The outcome of comparing a method's outputs with a case's expected outputs. */
typedef struct ember_bundle_check {
    bool passed;           /* every element within tolerance */
    size_t outputs;        /* outputs compared */
    size_t mismatches;     /* elements outside tolerance, over all outputs */
    size_t worst_output;   /* the output holding the largest absolute error */
    double max_abs_error;  /* over all outputs; ints and bools count their difference */
} ember_bundle_check;

/* After ember_method_execute: compares output by output, element by element. A float passes
 * when |actual - expected| <= atol + rtol * |expected| (NaN matches NaN, an infinity itself);
 * integers and bools must be equal. Outputs that cannot be compared (count, kind, dtype or
 * shape differ) fail the call with a message; a comparison that finds differences returns
 * EMBER_OK with passed false. */
ember_status ember_bundle_check_outputs(ember_bundle* bundle, size_t suite, size_t test_case,
                                        const ember_method* method, double rtol, double atol,
                                        ember_bundle_check* check);

#ifdef __cplusplus
}
#endif

#endif /* EMBER_EMBER_H */
