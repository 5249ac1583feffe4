/* ethos_u.c — the `EthosUBackend` delegate: ExecuTorch's Arm flow compiles an int8 subgraph with
 * Vela into an Ethos-U command stream and stores it, with its weights and the layout of its
 * inputs and outputs in the NPU's scratch memory, as a `vela_bin_stream` blob (the writer is
 * executorch/backends/arm/arm_vela.py; ExecuTorch's reader backends/arm/runtime/VelaBinStream.cpp).
 *
 * The blob is a list of blocks, each a 32-byte header (16-byte NUL-padded name, u32 length of
 * the data, u8 external flag, 11 reserved bytes) and its data padded to 16 bytes, in this order:
 *
 *   vela_bin_stream  (empty)        the stream's start
 *   cmd_data         bytes          the command stream, run in place (starts "COP1"/"COP2")
 *   weight_data      bytes          the weights, region 0, used in place
 *   scratch_size     u32            bytes of region 1: activations, inputs, outputs
 *   inputs, outputs  i32 count, then per IO: i32 shape[6], elem_size, offset, region
 *   vela_end_stream  (empty)        the stream's end, exactly at the blob's end
 *
 * All of it is untrusted: ember_ethos_u_parse checks every byte it reads before the backend
 * uses the blob, and prepare checks each call's tensors against the IO records, so execute only
 * copies bytes whose bounds are known (inputs into scratch, outputs out of it) and calls the
 * platform's driver hook (ethos_u.h). Everything lives in the memory the loader hands over: no
 * allocation, no copy of the command stream or weights. */
#include <stdarg.h>
#include <string.h>

#include "ember/ethos_u.h"
#include "runtime/core/format.h"

#define BLOCK_HEADER 32
#define NAME_BYTES 16
#define IO_RECORD 36 /* 9 x int32 */
#define ALIGN 16
#define STATE_MAGIC 0x4e50555eu /* "^UPN": a live handle */
#define MSG_BYTES (EMBER_MESSAGES ? 192 : 1)

/* ---- the platform hook ------------------------------------------------------------------ */

/* Process-wide, like the backend registry: firmware sets them once at start-up. */
static ember_ethos_u_invoke_fn driver_invoke;
static void* driver_user;
static void* fast_scratch;
static size_t fast_scratch_bytes;

void ember_ethos_u_set_driver(ember_ethos_u_invoke_fn invoke, void* user)
{
    driver_invoke = invoke;
    driver_user = user;
}

void ember_ethos_u_set_fast_scratch(void* mem, size_t bytes)
{
    fast_scratch = mem;
    fast_scratch_bytes = mem ? bytes : 0;
}

/* ---- messages ---------------------------------------------------------------------------- */

#if EMBER_MESSAGES
#define fail(msg, n, status, ...) (fail)((msg), (n), (status), __VA_ARGS__)
static ember_status(fail)(char* msg, size_t n, ember_status status, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ember_status(fail)(char* msg, size_t n, ember_status status, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && n) ember_vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return status;
}
#else
static inline ember_status no_fail(char* msg, size_t n, ember_status status)
{
    if (msg && n) msg[0] = 0;
    return status;
}
#define fail(msg, n, status, ...) no_fail((msg), (n), (status))
#endif

/* ---- the blob ---------------------------------------------------------------------------- */

static uint32_t rd_u32(const uint8_t* p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int32_t rd_i32(const uint8_t* p)
{
    uint32_t u = rd_u32(p);
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* The blocks ExecuTorch writes, in its order: each must appear once, in this order. */
enum { B_START, B_CMD, B_WEIGHTS, B_SCRATCH, B_INPUTS, B_OUTPUTS, B_END, NUM_BLOCKS };
static const char* const block_names[NUM_BLOCKS] = {
    "vela_bin_stream", "cmd_data", "weight_data", "scratch_size", "inputs", "outputs", "vela_end_stream",
};

#if EMBER_MESSAGES
/* The block name in a header, for a message: its printable bytes up to the first NUL. */
static const char* name_text(const uint8_t* name, char buf[NAME_BYTES + 1])
{
    size_t i = 0;
    for (; i < NAME_BYTES && name[i]; i++) buf[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? (char)name[i] : '?';
    buf[i] = 0;
    return buf;
}
#endif

/* Is the 16-byte field exactly `want`, NUL-padded? (ExecuTorch's reader compares prefixes;
 * exact names leave no two readings of one blob.) */
static bool name_is(const uint8_t* name, const char* want)
{
    size_t len = strlen(want);
    if (memcmp(name, want, len) != 0) return false;
    for (size_t i = len; i < NAME_BYTES; i++)
        if (name[i]) return false;
    return true;
}

/* Reads IO record `i` at p into io and checks it against scratch (sizes all bounded). */
static ember_status read_io(const uint8_t* p, const char* kind, unsigned i, size_t scratch,
                            ember_ethos_u_io* io, char* msg, size_t n)
{
    for (int d = 0; d < EMBER_ETHOS_U_SHAPE_DIMS; d++) io->shape[d] = rd_i32(p + 4 * d);
    io->elem_size = rd_i32(p + 24);
    io->offset = rd_i32(p + 28);
    io->region = rd_i32(p + 32);
    io->bytes = 0;
    /* The element count saturates at 2^62 (no overflow; nothing that large fits scratch). */
    const uint64_t sat = (uint64_t)1 << 62;
    uint64_t count = 1;
    for (int d = 0; d < EMBER_ETHOS_U_SHAPE_DIMS; d++) {
        if (io->shape[d] < 0)
            return fail(msg, n, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: %s %u has a negative size %d in dim %d",
                        kind, i, (int)io->shape[d], d);
        uint64_t s = (uint64_t)io->shape[d];
        count = s && count > sat / s ? sat : count * s;
    }
    if (io->elem_size != 1 && io->elem_size != 2 && io->elem_size != 4)
        return fail(msg, n, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: %s %u has element size %d (1, 2 or 4 expected)",
                    kind, i, (int)io->elem_size);
    if (io->region != EMBER_ETHOS_U_REGION_SCRATCH)
        return fail(msg, n, io->region >= 0 && io->region < 8 ? EMBER_NOT_SUPPORTED : EMBER_MALFORMED_PROGRAM,
                    "vela_bin_stream: %s %u lives in region %d; Ember (as ExecuTorch) copies inputs and outputs only "
                    "through the scratch region (1)", kind, i, (int)io->region);
    if (io->offset < 0)
        return fail(msg, n, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: %s %u has a negative offset %d", kind, i,
                    (int)io->offset);
    uint64_t bytes = count >= sat ? sat : count * (uint64_t)io->elem_size; /* < 2^64 */
    if ((uint64_t)io->offset > scratch || bytes > (uint64_t)(scratch - (size_t)io->offset))
        return fail(msg, n, EMBER_MALFORMED_PROGRAM,
                    "vela_bin_stream: %s %u's bytes (offset %d, %s%llu bytes) lie outside the scratch region (%zu bytes)",
                    kind, i, (int)io->offset, bytes >= sat ? "at least " : "", (unsigned long long)bytes, scratch);
    io->bytes = (size_t)bytes;
    return EMBER_OK;
}

/* No two IOs of one list share a byte: Vela keeps all inputs live at the start and all outputs
 * at the end, so overlap means a corrupt blob (and an input copy overwriting another). */
static ember_status check_overlap(const uint8_t* recs, uint32_t count, const char* kind, size_t scratch, char* msg,
                                  size_t n)
{
    for (unsigned a = 0; a < count; a++) {
        ember_ethos_u_io x, y;
        read_io(recs + (size_t)a * IO_RECORD, kind, a, scratch, &x, NULL, 0);
        for (unsigned b = a + 1; b < count; b++) {
            read_io(recs + (size_t)b * IO_RECORD, kind, b, scratch, &y, NULL, 0);
            if (x.bytes && y.bytes && (size_t)x.offset < (size_t)y.offset + y.bytes &&
                (size_t)y.offset < (size_t)x.offset + x.bytes)
                return fail(msg, n, EMBER_MALFORMED_PROGRAM,
                            "vela_bin_stream: %s %u [%d, +%zu) and %s %u [%d, +%zu) overlap in scratch", kind, a,
                            (int)x.offset, x.bytes, kind, b, (int)y.offset, y.bytes);
        }
    }
    return EMBER_OK;
}

ember_status ember_ethos_u_parse(const void* blob, size_t blob_bytes, ember_ethos_u_blob* out, char* msg,
                                 size_t msg_bytes)
{
    if (msg && msg_bytes) msg[0] = 0;
    if (!out) return fail(msg, msg_bytes, EMBER_INVALID_ARGUMENT, "no blob to fill");
    memset(out, 0, sizeof *out);
    const uint8_t* b = blob;
    if (!b || blob_bytes < 2 * BLOCK_HEADER)
        return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: %zu bytes, too short for a stream", blob_bytes);
    /* The NPU reads the command stream and the weights in place, from 16-byte aligned
     * addresses; every block starts at a multiple of 16 from the blob's start. */
    if ((uintptr_t)b % ALIGN)
        return fail(msg, msg_bytes, EMBER_NOT_SUPPORTED,
                    "vela_bin_stream: the blob is not 16-byte aligned in memory (address %% 16 = %u); the NPU reads it in "
                    "place (ExecuTorch writes delegate data as aligned segments)", (unsigned)((uintptr_t)b % ALIGN));
    if (blob_bytes % ALIGN)
        return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: %zu bytes, not a multiple of 16", blob_bytes);

    size_t at = 0;
    const uint8_t* data[NUM_BLOCKS] = {0};
    size_t size[NUM_BLOCKS] = {0};
    for (int k = 0; k < NUM_BLOCKS; k++) {
        char nb[NAME_BYTES + 1];
        (void)nb; /* a message's alone */
        if (blob_bytes - at < BLOCK_HEADER)
            return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM,
                        "vela_bin_stream: ends at byte %zu where block '%s' was expected", at, block_names[k]);
        const uint8_t* h = b + at;
        if (!name_is(h, block_names[k])) {
            for (int j = 0; j < NUM_BLOCKS; j++)
                if (name_is(h, block_names[j]))
                    return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM,
                                "vela_bin_stream: block %d is '%s' where '%s' was expected (blocks out of order, "
                                "repeated or missing)", k, block_names[j], block_names[k]);
            return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM,
                        "vela_bin_stream: block %d has unknown name '%s' ('%s' expected)", k, name_text(h, nb), block_names[k]);
        }
        uint32_t len = rd_u32(h + NAME_BYTES);
        uint8_t external = h[NAME_BYTES + 4];
        if (external == 1)
            return fail(msg, msg_bytes, EMBER_NOT_SUPPORTED,
                        "vela_bin_stream: block '%s' is external (its data is in a named data file, "
                        "ExecuTorch's .ptd); Ember runs only blobs that hold all their data", block_names[k]);
        if (external != 0)
            return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: block '%s' has external flag %u (0 or 1)",
                        block_names[k], (unsigned)external);
        size_t room = blob_bytes - at - BLOCK_HEADER;
        if (len > room)
            return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM,
                        "vela_bin_stream: block '%s' claims %u bytes, %zu remain", block_names[k], (unsigned)len, room);
        size_t padded = ((size_t)len + ALIGN - 1) / ALIGN * ALIGN; /* <= room: room is a multiple of 16 */
        data[k] = h + BLOCK_HEADER;
        size[k] = len;
        at += BLOCK_HEADER + padded;
    }
    if (at != blob_bytes)
        return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM,
                    "vela_bin_stream: %zu bytes follow the vela_end_stream block", blob_bytes - at);
    if (size[B_START] || size[B_END])
        return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: its start and end blocks must be empty");
    /* ExecuTorch's reader checks the driver's magic: a command stream starts with it. */
    if (size[B_CMD] < 4 || (memcmp(data[B_CMD], "COP1", 4) != 0 && memcmp(data[B_CMD], "COP2", 4) != 0))
        return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM,
                    "vela_bin_stream: cmd_data (%zu bytes) does not start with the command stream's magic COP1 or COP2",
                    size[B_CMD]);
    if (size[B_SCRATCH] != 4)
        return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: scratch_size holds %zu bytes (4 expected)",
                    size[B_SCRATCH]);
    size_t scratch = rd_u32(data[B_SCRATCH]);
    if (scratch > EMBER_ETHOS_U_MAX_SCRATCH)
        return fail(msg, msg_bytes, EMBER_NOT_SUPPORTED, "vela_bin_stream: scratch of %zu bytes (at most %zu)", scratch,
                    (size_t)EMBER_ETHOS_U_MAX_SCRATCH);
    uint32_t counts[2];
    for (int o = 0; o < 2; o++) {
        int k = o ? B_OUTPUTS : B_INPUTS;
        if (size[k] < 4)
            return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: block '%s' has no count", block_names[k]);
        int32_t count = rd_i32(data[k]);
        if (count < 0 || count > EMBER_ETHOS_U_MAX_IOS)
            return fail(msg, msg_bytes, count < 0 ? EMBER_MALFORMED_PROGRAM : EMBER_NOT_SUPPORTED,
                        "vela_bin_stream: %d %s (0 to %d)", (int)count, block_names[k], EMBER_ETHOS_U_MAX_IOS);
        if (size[k] != 4 + (size_t)count * IO_RECORD)
            return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: block '%s' holds %zu bytes for %d records (%zu expected)",
                        block_names[k], size[k], (int)count, 4 + (size_t)count * IO_RECORD);
        counts[o] = (uint32_t)count;
        for (unsigned i = 0; i < counts[o]; i++) {
            ember_ethos_u_io io;
            ember_status st = read_io(data[k] + 4 + (size_t)i * IO_RECORD, o ? "output" : "input", i, scratch, &io, msg, msg_bytes);
            if (st) return st;
        }
        ember_status st = check_overlap(data[k] + 4, counts[o], o ? "output" : "input", scratch, msg, msg_bytes);
        if (st) return st;
    }
    if (!counts[1]) return fail(msg, msg_bytes, EMBER_MALFORMED_PROGRAM, "vela_bin_stream: no outputs");
    out->cmd = data[B_CMD];
    out->cmd_bytes = size[B_CMD];
    out->weights = size[B_WEIGHTS] ? data[B_WEIGHTS] : NULL;
    out->weight_bytes = size[B_WEIGHTS];
    out->scratch_bytes = scratch;
    out->num_inputs = counts[0];
    out->num_outputs = counts[1];
    out->inputs = data[B_INPUTS] + 4;
    out->outputs = data[B_OUTPUTS] + 4;
    return EMBER_OK;
}

ember_status ember_ethos_u_blob_io(const ember_ethos_u_blob* blob, int is_output, uint32_t index, ember_ethos_u_io* io)
{
    if (!blob || !io) return EMBER_INVALID_ARGUMENT;
    if (index >= (is_output ? blob->num_outputs : blob->num_inputs)) return EMBER_OUT_OF_RANGE;
    const uint8_t* rec = (is_output ? blob->outputs : blob->inputs) + (size_t)index * IO_RECORD;
    /* The blob was checked by ember_ethos_u_parse: this read cannot fail. */
    return read_io(rec, is_output ? "output" : "input", index, blob->scratch_bytes, io, NULL, 0);
}

/* ---- the backend ------------------------------------------------------------------------- */

typedef struct eu_state {
    uint32_t magic;
    ember_ethos_u_blob blob;
    uint8_t* scratch;                 /* blob.scratch_bytes, 16-byte aligned, in the handle's memory */
    ember_ethos_u_io* io;             /* num_inputs, then num_outputs */
    char msg[MSG_BYTES];              /* why the last prepare or execute failed */
} eu_state;

static size_t round16(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }

static size_t state_bytes(const ember_ethos_u_blob* b)
{
    return round16(sizeof(eu_state)) + round16(((size_t)b->num_inputs + b->num_outputs) * sizeof(ember_ethos_u_io));
}

static ember_status eu_memory_required(const void* blob, size_t blob_bytes, const ember_compile_spec* specs,
                                       size_t num_specs, size_t* bytes)
{
    ember_ethos_u_blob b;
    ember_status st = ember_ethos_u_parse(blob, blob_bytes, &b, NULL, 0);
    if (st) return st; /* explain() says why */
    *bytes = state_bytes(&b) + round16(b.scratch_bytes);
    return EMBER_OK;
}

static ember_status eu_init(void* mem, size_t mem_bytes, const void* blob, size_t blob_bytes,
                            const ember_compile_spec* specs, size_t num_specs, void** handle)
{
    ember_ethos_u_blob b;
    ember_status st = ember_ethos_u_parse(blob, blob_bytes, &b, NULL, 0);
    if (st) return st;
    size_t head = state_bytes(&b);
    if (!mem || (uintptr_t)mem % ALIGN || mem_bytes < head || mem_bytes - head < round16(b.scratch_bytes))
        return EMBER_MEMORY_TOO_SMALL;
    eu_state* s = mem;
    memset(s, 0, sizeof *s);
    s->blob = b;
    s->io = (ember_ethos_u_io*)((uint8_t*)mem + round16(sizeof(eu_state)));
    for (uint32_t i = 0; i < b.num_inputs; i++) ember_ethos_u_blob_io(&b, 0, i, &s->io[i]);
    for (uint32_t i = 0; i < b.num_outputs; i++) ember_ethos_u_blob_io(&b, 1, i, &s->io[b.num_inputs + i]);
    s->scratch = (uint8_t*)mem + head;
    s->magic = STATE_MAGIC;
    *handle = s;
    return EMBER_OK;
}

/* How a tensor's bytes map onto its IO's bytes in scratch. */
enum {
    COPY_STRAIGHT, /* the same bytes in the same order */
    COPY_PADDED,   /* output: Vela's innermost dim is padded past the tensor's; copy per row */
    COPY_NCHW,     /* a contiguous NCHW tensor and an NHWC IO: a transposing copy, as
                    * ExecuTorch's runtime did before 1.0 (since, the transposes are in the graph) */
};

/* The tensor's sizes in memory order (outermost first), with size-1 dims dropped; n returned. */
static int memory_dims(const ember_tensor* t, int32_t* dims)
{
    int n = 0;
    for (int k = 0; k < t->dim; k++) {
        int32_t s = t->sizes[t->dim_order[k]];
        if (s != 1) dims[n++] = s;
    }
    return n;
}

#if EMBER_MESSAGES
static const char* kind_name(int is_output) { return is_output ? "output" : "input"; }
#endif

/* The copy for arg `i` (an input if i < num_inputs), or a refusal in s->msg. */
static ember_status plan_copy(eu_state* s, ember_value* const* args, unsigned i, int* mode)
{
    const ember_value* v = args[i];
    int is_out = i >= s->blob.num_inputs;
    unsigned k = is_out ? i - (unsigned)s->blob.num_inputs : i;
    (void)k; /* a message's alone */
    const ember_ethos_u_io* io = &s->io[i];
    if (!v || v->tag != EMBER_VALUE_TENSOR || !v->u.t)
        return fail(s->msg, sizeof s->msg, EMBER_DELEGATE_FAILED, "argument %u (%s %u) is not a tensor", i,
                    kind_name(is_out), k);
    const ember_tensor* t = v->u.t;
    int dt = t->dtype;
    bool ok = (dt == EMBER_DTYPE_I8 || dt == EMBER_DTYPE_U8 || dt == EMBER_DTYPE_BOOL) ? io->elem_size == 1
            : dt == EMBER_DTYPE_I16 ? io->elem_size == 2
            : dt == EMBER_DTYPE_I32 ? io->elem_size == 4 : false;
    if (!ok)
        return fail(s->msg, sizeof s->msg, EMBER_DTYPE_MISMATCH,
                    "%s %u is %s, the command stream's has %d-byte elements (int8, uint8, bool, int16 or int32 "
                    "of that size expected)", kind_name(is_out), k, ember_dtype_name(dt), (int)io->elem_size);
    if (is_out && !(t->storage & EMBER_TENSOR_PLANNED))
        return fail(s->msg, sizeof s->msg, EMBER_DELEGATE_FAILED,
                    "output %u is not planned memory (a constant or the caller's): the delegate writes only planned tensors", k);

    int32_t td[EMBER_MAX_DIMS], vd[EMBER_ETHOS_U_SHAPE_DIMS];
    int tn = memory_dims(t, td), vn = 0;
    for (int d = 0; d < EMBER_ETHOS_U_SHAPE_DIMS; d++)
        if (io->shape[d] != 1) vd[vn++] = io->shape[d];
    size_t es = (size_t)io->elem_size;
    if (tn == vn && memcmp(td, vd, (size_t)tn * sizeof td[0]) == 0 && t->nbytes == io->bytes) {
        *mode = COPY_STRAIGHT;
        return EMBER_OK;
    }
    /* Vela may pad an output's innermost dim (ExecuTorch's copy_with_layout_adjustment). */
    int32_t last = io->shape[EMBER_ETHOS_U_SHAPE_DIMS - 1], inner = t->dim ? t->sizes[t->dim_order[t->dim - 1]] : 1;
    if (is_out && last > inner && inner > 0 && io->bytes) {
        size_t outer = io->bytes / es / (size_t)last;
        if ((size_t)t->numel == outer * (size_t)inner) {
            *mode = COPY_PADDED;
            return EMBER_OK;
        }
    }
    /* A contiguous NCHW tensor against an NHWC IO [1, 1, N, H, W, C]. */
    const int32_t* sh = io->shape;
    if (t->dim == 4 && t->dim_order[0] == 0 && t->dim_order[1] == 1 && t->dim_order[2] == 2 && t->dim_order[3] == 3 &&
        sh[0] == 1 && sh[1] == 1 && sh[2] == t->sizes[0] && sh[3] == t->sizes[2] && sh[4] == t->sizes[3] &&
        sh[5] == t->sizes[1]) {
        *mode = COPY_NCHW;
        return EMBER_OK;
    }
    return fail(s->msg, sizeof s->msg, EMBER_SHAPE_MISMATCH,
                "%s %u: the tensor (%lld elements, rank %d) does not map onto the command stream's [%d, %d, %d, %d, %d, %d] "
                "(the same elements in memory order, an output padded in its last dim, or NCHW against NHWC)",
                kind_name(is_out), k, (long long)t->numel, (int)t->dim, (int)sh[0], (int)sh[1], (int)sh[2], (int)sh[3],
                (int)sh[4], (int)sh[5]);
}

static ember_status check_call(eu_state* s, ember_value* const* args, size_t num_args, int* modes)
{
    size_t want = (size_t)s->blob.num_inputs + s->blob.num_outputs;
    if (num_args != want || (num_args && !args))
        return fail(s->msg, sizeof s->msg, EMBER_DELEGATE_FAILED,
                    "the call has %zu arguments, the command stream %u inputs and %u outputs", num_args,
                    (unsigned)s->blob.num_inputs, (unsigned)s->blob.num_outputs);
    for (unsigned i = 0; i < num_args; i++) {
        int mode = COPY_STRAIGHT;
        ember_status st = plan_copy(s, args, i, &mode);
        if (st) return st;
        if (modes) modes[i] = mode;
    }
    return EMBER_OK;
}

static ember_status eu_prepare(void* handle, ember_value* const* args, size_t num_args)
{
    eu_state* s = handle;
    if (!s || s->magic != STATE_MAGIC) return EMBER_INTERNAL;
    s->msg[0] = 0;
    return check_call(s, args, num_args, NULL);
}

/* dst <- src for one IO, in the direction `to_scratch`. */
static void copy_io(int mode, const ember_ethos_u_io* io, const ember_tensor* t, uint8_t* scratch, int to_scratch)
{
    uint8_t* sp = scratch + io->offset;
    uint8_t* tp = t->data;
    size_t es = (size_t)io->elem_size;
    if (mode == COPY_STRAIGHT) {
        if (to_scratch) memcpy(sp, tp, io->bytes);
        else memcpy(tp, sp, io->bytes);
    } else if (mode == COPY_PADDED) { /* outputs only */
        size_t inner = (size_t)t->sizes[t->dim_order[t->dim - 1]] * es;
        size_t row = (size_t)io->shape[EMBER_ETHOS_U_SHAPE_DIMS - 1] * es;
        size_t rows = t->nbytes / inner;
        for (size_t r = 0; r < rows; r++) memcpy(tp + r * inner, sp + r * row, inner);
    } else {
        size_t N = (size_t)t->sizes[0], C = (size_t)t->sizes[1], H = (size_t)t->sizes[2], W = (size_t)t->sizes[3];
        for (size_t n = 0; n < N; n++)
            for (size_t c = 0; c < C; c++)
                for (size_t y = 0; y < H; y++)
                    for (size_t x = 0; x < W; x++) {
                        size_t nchw = (((n * C + c) * H + y) * W + x) * es, nhwc = (((n * H + y) * W + x) * C + c) * es;
                        if (to_scratch) memcpy(sp + nhwc, tp + nchw, es);
                        else memcpy(tp + nchw, sp + nhwc, es);
                    }
    }
}

static ember_status eu_execute(void* handle, ember_value* const* args, size_t num_args)
{
    eu_state* s = handle;
    if (!s || s->magic != STATE_MAGIC) return EMBER_INTERNAL;
    s->msg[0] = 0;
    int modes[2 * EMBER_ETHOS_U_MAX_IOS];
    /* Prepare checked this call; checking again costs a few compares per IO and keeps execute
     * safe for a handle that several DelegateCalls share (each with its own tensors). */
    ember_status st = check_call(s, args, num_args, modes);
    if (st) return st;
    ember_ethos_u_invoke_fn invoke = driver_invoke;
    if (!invoke)
        return fail(s->msg, sizeof s->msg, EMBER_NOT_SUPPORTED,
                    "no Ethos-U driver: this build runs the CPU parts only (firmware sets its NPU's invoke with "
                    "ember_ethos_u_set_driver)");
    uint32_t ni = s->blob.num_inputs, no = s->blob.num_outputs;
    for (unsigned i = 0; i < ni; i++) {
        const ember_tensor* t = args[i]->u.t;
        if (t->nbytes && !t->data)
            return fail(s->msg, sizeof s->msg, EMBER_INPUT_NOT_SET, "input %u has no data", i);
        if (t->nbytes) copy_io(modes[i], &s->io[i], t, s->scratch, 1);
    }
    uint64_t base[EMBER_ETHOS_U_NUM_REGIONS] = {
        (uint64_t)(uintptr_t)s->blob.weights, (uint64_t)(uintptr_t)s->scratch, (uint64_t)(uintptr_t)fast_scratch};
    size_t sizes[EMBER_ETHOS_U_NUM_REGIONS] = {s->blob.weight_bytes, s->blob.scratch_bytes, fast_scratch_bytes};
    int rc = invoke(driver_user, s->blob.cmd, s->blob.cmd_bytes, base, sizes, EMBER_ETHOS_U_NUM_REGIONS);
    if (rc != 0)
        return fail(s->msg, sizeof s->msg, EMBER_DELEGATE_FAILED, "the Ethos-U driver's invoke returned %d", rc);
    for (unsigned k = 0; k < no; k++) {
        const ember_tensor* t = args[ni + k]->u.t;
        if (t->nbytes && !t->data) return fail(s->msg, sizeof s->msg, EMBER_INTERNAL, "output %u has no memory", k);
        if (t->nbytes) copy_io(modes[ni + k], &s->io[ni + k], t, s->scratch, 0);
    }
    return EMBER_OK;
}

static void eu_destroy(void* handle)
{
    eu_state* s = handle;
    if (s && s->magic == STATE_MAGIC) s->magic = 0;
}

static void eu_explain(void* handle, const void* blob, size_t blob_bytes, char* msg, size_t msg_bytes)
{
    if (!msg || !msg_bytes) return;
    msg[0] = 0;
    if (handle) {
        const eu_state* s = handle;
        if (s->magic == STATE_MAGIC) ember_message(msg, msg_bytes, "%s", s->msg);
        return;
    }
    ember_ethos_u_blob b;
    ember_ethos_u_parse(blob, blob_bytes, &b, msg, msg_bytes);
}

static const ember_backend ethos_u_backend = {
    .name = EMBER_ETHOS_U_NAME,
    .memory_required = eu_memory_required,
    .init = eu_init,
    .execute = eu_execute,
    .destroy = eu_destroy,
    .prepare = eu_prepare,
    .explain = eu_explain,
};

const ember_backend* ember_ethos_u_backend(void) { return &ethos_u_backend; }

ember_status ember_ethos_u_register(void) { return ember_backend_register(&ethos_u_backend); }
