/* fuzz_ethos_u.c — libFuzzer target: the Ethos-U delegate's vela_bin_stream parser and backend
 * (backends/ethos_u/ethos_u.c) on one raw blob, without a program around it.
 *
 * The input, copied 16-byte aligned into read-only pages that end at a guard page (a second
 * copy at an odd address must be refused), goes through ember_ethos_u_parse; when it parses,
 * every pointer and record the parser hands out is checked against the blob and scratch. Then
 * the backend itself: memory_required, and init into a block of exactly that size (one byte less
 * must fail); int8 / int16 / int32 tensors made for each IO record in planned-looking memory of
 * exactly their size; prepare; execute with a driver hook that touches every byte of the
 * command stream, the weights and scratch (ASan sees any that is not there) and writes each
 * output's region; the outputs must come back as written. Seeds: tests/fuzz/corpus/vela_*.bin
 * (the blobs of tests/data/ethosu_*.pte) — programs that hold such blobs reach the same code
 * through fuzz_program / fuzz_execute / fuzz_struct, whose harness registers this backend. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ember/ethos_u.h"
#include "harness.h"

static volatile uint32_t sink;

typedef struct hook_state {
    const ember_ethos_u_blob* blob;
    int calls;
} hook_state;

static uint8_t out_byte(size_t k) { return (uint8_t)(k * 29 + 7); }

static int hook(void* user, const void* cmd, size_t cmd_bytes, const uint64_t* base, const size_t* sizes, int n)
{
    hook_state* h = user;
    const ember_ethos_u_blob* b = h->blob;
    h->calls++;
    FUZZ_CHECK(n == EMBER_ETHOS_U_NUM_REGIONS, "%d regions", n);
    FUZZ_CHECK(cmd == b->cmd && cmd_bytes == b->cmd_bytes, "command stream not the blob's");
    FUZZ_CHECK((const uint8_t*)(uintptr_t)base[0] == b->weights && sizes[0] == b->weight_bytes, "weights not the blob's");
    FUZZ_CHECK(sizes[1] == b->scratch_bytes && base[1] % 16 == 0, "scratch of %zu bytes at %llx", sizes[1],
               (unsigned long long)base[1]);
    uint32_t acc = 0;
    for (size_t i = 0; i < cmd_bytes; i++) acc += ((const uint8_t*)cmd)[i];
    for (size_t i = 0; i < sizes[0]; i++) acc += ((const uint8_t*)(uintptr_t)base[0])[i];
    uint8_t* scratch = (uint8_t*)(uintptr_t)base[1];
    for (size_t i = 0; i < sizes[1]; i++) acc += scratch[i]; /* in bounds: ASan knows the block */
    sink = acc;
    for (uint32_t k = 0; k < b->num_outputs; k++) {
        ember_ethos_u_io io;
        FUZZ_CHECK(ember_ethos_u_blob_io(b, 1, k, &io) == EMBER_OK, "output %u unreadable", k);
        for (size_t i = 0; i < io.bytes; i++) scratch[io.offset + i] = out_byte(i);
    }
    return 0;
}

/* Runs the backend on a parsed blob with tensors made to fit it. */
static void run_backend(const void* data, size_t size, const ember_ethos_u_blob* b)
{
    const ember_backend* be = ember_ethos_u_backend();
    size_t need = 0;
    FUZZ_CHECK(be->memory_required(data, size, NULL, 0, &need) == EMBER_OK, "memory_required refused a parsed blob");
    FUZZ_CHECK(need >= b->scratch_bytes, "memory_required %zu < scratch %zu", need, b->scratch_bytes);
    if (need > ((size_t)64 << 20)) return;
    /* one byte less must fail; exactly `need` (16-aligned: aligned_alloc rounds) must work */
    void* small = aligned_alloc(16, (need - 1 + 15) / 16 * 16 + 16);
    void* handle = NULL;
    if (small) FUZZ_CHECK(be->init(small, need - 1, data, size, NULL, 0, &handle) != EMBER_OK, "init in too little memory");
    free(small);
    void* mem = aligned_alloc(16, (need + 15) / 16 * 16);
    if (!mem) return;
    FUZZ_CHECK(be->init(mem, need, data, size, NULL, 0, &handle) == EMBER_OK && handle, "init refused a parsed blob");

    uint32_t ni = b->num_inputs, no = b->num_outputs, n = ni + no;
    ember_tensor* t = calloc(n ? n : 1, sizeof *t);
    ember_value* v = calloc(n ? n : 1, sizeof *v);
    ember_value** args = calloc(n ? n : 1, sizeof *args);
    uint8_t** bufs = calloc(n ? n : 1, sizeof *bufs);
    bool ok = t && v && args && bufs;
    for (uint32_t i = 0; ok && i < n; i++) {
        ember_ethos_u_io io;
        FUZZ_CHECK(ember_ethos_u_blob_io(b, i >= ni, i >= ni ? i - ni : i, &io) == EMBER_OK, "io %u", i);
        /* the record's own 6-D shape, contiguous: what a program's tensor for it looks like */
        t[i].dim = EMBER_ETHOS_U_SHAPE_DIMS;
        t[i].dtype = io.elem_size == 1 ? EMBER_DTYPE_I8 : io.elem_size == 2 ? EMBER_DTYPE_I16 : EMBER_DTYPE_I32;
        t[i].numel = (int64_t)(io.bytes / (size_t)io.elem_size);
        int32_t stride = 1;
        for (int d = EMBER_ETHOS_U_SHAPE_DIMS - 1; d >= 0; d--) {
            t[i].sizes[d] = io.shape[d];
            t[i].dim_order[d] = (uint8_t)d;
            t[i].strides[d] = stride;
            stride = io.shape[d] && stride <= INT32_MAX / io.shape[d] ? stride * io.shape[d] : stride;
        }
        t[i].nbytes = t[i].capacity = io.bytes;
        t[i].storage = EMBER_TENSOR_PLANNED;
        bufs[i] = malloc(io.bytes ? io.bytes : 1);
        if (!bufs[i]) ok = false;
        else for (size_t k = 0; k < io.bytes; k++) bufs[i][k] = (uint8_t)(k + i);
        t[i].data = io.bytes ? bufs[i] : NULL;
        v[i].tag = EMBER_VALUE_TENSOR;
        v[i].u.t = &t[i];
        args[i] = &v[i];
    }
    if (ok) {
        ember_status st = be->prepare(handle, args, n);
        /* tensors of the records' shapes always map straight */
        FUZZ_CHECK(st == EMBER_OK, "prepare refused tensors made to fit: %s", ember_status_str(st));
        /* the wrong count is refused */
        if (n) FUZZ_CHECK(be->prepare(handle, args, n - 1) != EMBER_OK, "prepare took one argument too few");
        ember_ethos_u_set_driver(NULL, NULL);
        FUZZ_CHECK(be->execute(handle, args, n) == EMBER_NOT_SUPPORTED, "execute without a driver");
        hook_state h = {b, 0};
        ember_ethos_u_set_driver(hook, &h);
        FUZZ_CHECK(be->execute(handle, args, n) == EMBER_OK && h.calls == 1, "execute with a driver");
        ember_ethos_u_set_driver(NULL, NULL);
        for (uint32_t k = 0; k < no; k++)
            for (size_t i = 0; i < t[ni + k].nbytes; i++)
                FUZZ_CHECK(bufs[ni + k][i] == out_byte(i), "output %u byte %zu not what the NPU wrote", k, i);
        char msg[256];
        be->explain(handle, NULL, 0, msg, sizeof msg);
        sink = (uint32_t)strlen(msg);
    }
    for (uint32_t i = 0; bufs && i < n; i++) free(bufs[i]);
    free(bufs);
    free(args);
    free(v);
    free(t);
    be->destroy(handle);
    free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz_ro ro;
    if (!fuzz_ro_make(&ro, data, size, false)) return 0;
    const uint8_t* p = ro.data;
    ember_ethos_u_blob b;
    char msg[256];
    ember_status st = ember_ethos_u_parse(p, size, &b, msg, sizeof msg);
    FUZZ_CHECK(st == EMBER_OK ? msg[0] == 0 : msg[0] != 0, "status %s with message '%s'", ember_status_str(st), msg);
    /* misaligned: always refused, never read wrongly */
    uint8_t* odd = malloc(size + 1);
    if (odd && size) {
        memcpy(odd + 1, data, size);
        ember_ethos_u_blob b2;
        if ((uintptr_t)(odd + 1) % 16)
            FUZZ_CHECK(ember_ethos_u_parse(odd + 1, size, &b2, NULL, 0) != EMBER_OK, "misaligned blob accepted");
    }
    free(odd);
    if (st == EMBER_OK) {
        FUZZ_CHECK(b.cmd >= p && b.cmd_bytes >= 4 && b.cmd + b.cmd_bytes <= p + size && (uintptr_t)b.cmd % 16 == 0,
                   "command stream outside the blob");
        FUZZ_CHECK(!b.weights || (b.weights >= p && b.weights + b.weight_bytes <= p + size && (uintptr_t)b.weights % 16 == 0),
                   "weights outside the blob");
        FUZZ_CHECK(b.num_inputs <= EMBER_ETHOS_U_MAX_IOS && b.num_outputs <= EMBER_ETHOS_U_MAX_IOS && b.num_outputs,
                   "counts %u %u", b.num_inputs, b.num_outputs);
        FUZZ_CHECK(b.inputs + (size_t)b.num_inputs * 36 <= p + size && b.outputs + (size_t)b.num_outputs * 36 <= p + size,
                   "records outside the blob");
        for (int o = 0; o < 2; o++)
            for (uint32_t i = 0; i < (o ? b.num_outputs : b.num_inputs); i++) {
                ember_ethos_u_io io;
                FUZZ_CHECK(ember_ethos_u_blob_io(&b, o, i, &io) == EMBER_OK, "record unreadable");
                FUZZ_CHECK(io.offset >= 0 && (size_t)io.offset + io.bytes <= b.scratch_bytes, "io outside scratch");
            }
        run_backend(p, size, &b);
    } else {
        /* memory_required refuses it too, and explain says why */
        size_t need;
        const ember_backend* be = ember_ethos_u_backend();
        FUZZ_CHECK(be->memory_required(p, size, NULL, 0, &need) == st, "memory_required disagrees with the parser");
        char why[256];
        be->explain(NULL, p, size, why, sizeof why);
        FUZZ_CHECK(strcmp(why, msg) == 0, "explain '%s' differs from the parser's '%s'", why, msg);
    }
    fuzz_ro_free(&ro);
    return 0;
}
