/* harness.c — see harness.h. */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS, posix_memalign under -std=c11 */
#include "harness.h"

#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ember/backend.h"
#include "ember/ethos_u.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

int __llvm_profile_write_file(void) __attribute__((weak)); /* clang's profile runtime */

_Noreturn void fuzz_abort(void)
{
    if (__llvm_profile_write_file) __llvm_profile_write_file();
    abort();
}

/* ---- read-only copies ------------------------------------------------------------------ */

bool fuzz_ro_make(fuzz_ro* r, const void* src, size_t size, bool writable)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t padded = (size + 15) & ~(size_t)15;
    size_t data_pages = (padded + page - 1) / page;
    if (!data_pages) data_pages = 1;
    memset(r, 0, sizeof *r);
    r->map_bytes = (data_pages + 1) * page;
    void* map = mmap(NULL, r->map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return false;
    r->map = map;
    uint8_t* guard = r->map + data_pages * page;
    uint8_t* data = guard - padded;
    if (size) memcpy(data, src, size);
    mprotect(guard, page, PROT_NONE);
    if (!writable) mprotect(r->map, data_pages * page, PROT_READ);
    POISON(r->map, (size_t)(data - r->map));
    POISON(data + size, padded - size);
    r->data = data;
    r->size = size;
    return true;
}

void fuzz_ro_free(fuzz_ro* r)
{
    if (!r->map) return;
    UNPOISON(r->map, r->map_bytes);
    munmap(r->map, r->map_bytes);
    memset(r, 0, sizeof *r);
}

/* ---- the test backend ------------------------------------------------------------------ */

#define SCALE_MAGIC 0x5ca1ab1eu
#define SCALE_DEAD 0xdeadu

typedef struct scale_state {
    uint32_t magic;
    float scale;
    size_t bytes; /* what memory_required asked for */
} scale_state;

/* Asks for a size taken from the blob, so the runtime's share-out is exercised with odd sizes. */
static ember_status scale_memory(const void* blob, size_t blob_bytes, const ember_compile_spec* specs,
                                 size_t num_specs, size_t* bytes)
{
    if (blob_bytes < 4) return EMBER_INVALID_ARGUMENT;
    size_t extra = 0;
    if (blob_bytes >= 6) extra = ((const uint8_t*)blob)[4] | (((const uint8_t*)blob)[5] & 0x0f) << 8;
    for (size_t i = 0; i < num_specs; i++) {
        FUZZ_CHECK(specs[i].key != NULL, "compile spec %zu has a NULL key", i);
        (void)strlen(specs[i].key);
        for (size_t k = 0; k < specs[i].value_len; k++) extra += specs[i].value[k] & 1;
    }
    *bytes = sizeof(scale_state) + extra;
    return EMBER_OK;
}

static ember_status scale_init(void* mem, size_t mem_bytes, const void* blob, size_t blob_bytes,
                               const ember_compile_spec* specs, size_t num_specs, void** handle)
{
    size_t want;
    FUZZ_CHECK(scale_memory(blob, blob_bytes, specs, num_specs, &want) == EMBER_OK,
               "backend init with a blob memory_required refused");
    FUZZ_CHECK(mem_bytes >= want, "backend init got %zu bytes, asked for %zu", mem_bytes, want);
    FUZZ_CHECK(((uintptr_t)mem & 15) == 0, "backend memory %p is not 16-byte aligned", mem);
    memset(mem, 0x5a, want); /* the whole block is ours: ASan checks the runtime's share-out */
    scale_state* s = mem;
    s->magic = SCALE_MAGIC;
    memcpy(&s->scale, blob, 4);
    s->bytes = want;
    *handle = s;
    return EMBER_OK;
}

static ember_status scale_execute(void* handle, ember_value* const* args, size_t num_args)
{
    scale_state* s = handle;
    FUZZ_CHECK(s && s->magic == SCALE_MAGIC, "backend execute on a handle that is not live");
    if (num_args != 2) return EMBER_DELEGATE_FAILED;
    FUZZ_CHECK(args[0] && args[1], "backend got a NULL argument");
    if (args[0]->tag != EMBER_VALUE_TENSOR || args[1]->tag != EMBER_VALUE_TENSOR) return EMBER_DELEGATE_FAILED;
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[1]->u.t;
    /* A careful backend writes only planned memory of the shape it expects. */
    if (in->dtype != EMBER_DTYPE_F32 || out->dtype != EMBER_DTYPE_F32 || in->numel != out->numel ||
        out->storage != EMBER_TENSOR_PLANNED || (in->numel && (!in->data || !out->data)))
        return EMBER_DELEGATE_FAILED;
    for (int64_t i = 0; i < in->numel; i++) {
        float x;
        memcpy(&x, (const uint8_t*)in->data + 4 * i, 4);
        x *= s->scale;
        memcpy((uint8_t*)out->data + 4 * i, &x, 4);
    }
    return EMBER_OK;
}

static void scale_destroy(void* handle)
{
    scale_state* s = handle;
    FUZZ_CHECK(s && s->magic == SCALE_MAGIC, "backend destroy on a handle that is not live (twice?)");
    s->magic = SCALE_DEAD;
}

/* Checked once at load: the handle is live and the call has two arguments. */
static ember_status scale_prepare(void* handle, ember_value* const* args, size_t num_args)
{
    scale_state* s = handle;
    FUZZ_CHECK(s && s->magic == SCALE_MAGIC, "backend prepare on a handle that is not live");
    FUZZ_CHECK(num_args == 0 || args != NULL, "backend prepare got no argument array");
    return num_args == 2 ? EMBER_OK : EMBER_DELEGATE_FAILED;
}

static const ember_backend scale_backend = {"EmberTestScaleBackend", scale_memory, scale_init,
                                            scale_execute, scale_destroy, scale_prepare, NULL};

/* The Ethos-U delegate's driver hook for fuzzed programs: there is no NPU, so it reads every
 * byte of the command stream and the weights and writes every byte of scratch (ASan reports any
 * of them that is not really there: the command stream and weights must lie in the file, scratch
 * in the bookkeeping block allocated at exactly the required size), as a real NPU might, then
 * succeeds; the outputs the delegate copies out are then scratch's pattern, the same every run. */
static volatile uint32_t npu_sink;

static int fuzz_npu_invoke(void* user, const void* cmd, size_t cmd_bytes, const uint64_t* base, const size_t* sizes,
                           int num_regions)
{
    FUZZ_CHECK(user == &npu_sink && num_regions == EMBER_ETHOS_U_NUM_REGIONS, "Ethos-U hook: %d regions", num_regions);
    FUZZ_CHECK(cmd && cmd_bytes >= 4 && (uintptr_t)cmd % 16 == 0, "Ethos-U hook: command stream %p (%zu bytes)", cmd,
               cmd_bytes);
    FUZZ_CHECK(base[1] % 16 == 0 && (base[1] || !sizes[1]), "Ethos-U hook: scratch at %llx",
               (unsigned long long)base[1]);
    uint32_t acc = 0;
    for (size_t i = 0; i < cmd_bytes; i++) acc += ((const uint8_t*)cmd)[i];
    for (size_t i = 0; i < sizes[0]; i++) acc += ((const uint8_t*)(uintptr_t)base[0])[i];
    uint8_t* scratch = (uint8_t*)(uintptr_t)base[1];
    for (size_t i = 0; i < sizes[1]; i++) scratch[i] = (uint8_t)(i * 13 + 5);
    npu_sink = acc;
    return 0;
}

void fuzz_register_backend(void)
{
    static bool done;
    if (!done) {
        ember_backend_register(&scale_backend);
        /* fuzzed programs reach the Ethos-U delegate's prepare and execute */
        ember_ethos_u_register();
        ember_ethos_u_set_driver(fuzz_npu_invoke, (void*)&npu_sink);
    }
    done = true;
}

/* ---- input patterns -------------------------------------------------------------------- */

enum { PAT_ZERO, PAT_SMALL, PAT_MIXED };

/* Element i of a pattern, as a double (floats) or an integer of `bits` bits (ints). */
static double pattern_float(int pat, size_t i)
{
    static const double small[8] = {0.5, -1.0, 2.0, 0.0, -0.25, 1.0, 3.0, -2.5};
    static const double mixed[12] = {1.5, NAN, -2.0, INFINITY, 0.25, -INFINITY, 1e30, -0.0, 3.0, -1e30, 1e-40, 7.0};
    if (pat == PAT_SMALL) return small[i % 8];
    if (pat == PAT_MIXED) return mixed[i % 12];
    return 0.0;
}

static int64_t pattern_int(int pat, size_t i, int bits, bool is_signed)
{
    static const int64_t small[8] = {0, 1, 2, 1, 3, 0, 2, 1};
    if (pat == PAT_SMALL) return small[i % 8];
    if (pat != PAT_MIXED) return 0;
    int64_t max = bits == 64 ? (is_signed ? INT64_MAX : -1) : is_signed ? (int64_t)((1ull << (bits - 1)) - 1) : (int64_t)((1ull << bits) - 1);
    int64_t min = is_signed ? (bits == 64 ? INT64_MIN : -(int64_t)(1ull << (bits - 1))) : 0;
    const int64_t mixed[10] = {1, -1, 0, max, min, 2, -7, 3, max / 2 + 1, 5};
    return mixed[i % 10];
}

static void store_int(uint8_t* p, size_t bytes, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (size_t k = 0; k < bytes; k++) p[k] = (uint8_t)(u >> (8 * k));
}

static void fill_pattern(uint8_t* dst, int dtype, int64_t numel, int pat)
{
    size_t es = ember_dtype_size(dtype);
    for (int64_t i = 0; i < numel; i++) {
        uint8_t* p = dst + (size_t)i * es;
        switch (dtype) {
        case EMBER_DTYPE_F32: {
            float f = (float)pattern_float(pat, (size_t)i);
            memcpy(p, &f, 4);
            break;
        }
        case EMBER_DTYPE_F64: {
            double d = pattern_float(pat, (size_t)i);
            memcpy(p, &d, 8);
            break;
        }
        case EMBER_DTYPE_F16:
        case EMBER_DTYPE_BF16: {
            /* 0, 1.0, -2.0, +inf, NaN in the two 16-bit formats */
            static const uint16_t h[5] = {0x0000, 0x3c00, 0xc000, 0x7c00, 0x7e00};
            static const uint16_t bf[5] = {0x0000, 0x3f80, 0xc000, 0x7f80, 0x7fc0};
            size_t k = pat == PAT_ZERO ? 0 : pat == PAT_SMALL ? 1 + (size_t)i % 2 : (size_t)i % 5;
            store_int(p, 2, dtype == EMBER_DTYPE_F16 ? h[k] : bf[k]);
            break;
        }
        case EMBER_DTYPE_BOOL: *p = pat == PAT_ZERO ? 0 : (uint8_t)((i * 7 / 3) & 1); break;
        default: {
            bool is_signed = dtype == EMBER_DTYPE_I8 || dtype == EMBER_DTYPE_I16 || dtype == EMBER_DTYPE_I32 ||
                             dtype == EMBER_DTYPE_I64 || dtype == EMBER_DTYPE_QI8 || dtype == EMBER_DTYPE_QI32;
            store_int(p, es, pattern_int(pat, (size_t)i, (int)(8 * es), is_signed));
            break;
        }
        }
    }
}

/* Scalar inputs first get the values that a careless conversion turns into UB. */
static void set_scalar(ember_method* m, size_t i, int pat)
{
    static const double edge[] = {NAN, INFINITY, -INFINITY, 1e300, -1e300, 2.7, -0.0, 9.3e18, -9.3e18, 4294967296.5};
    for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++) ember_method_set_input_scalar(m, i, edge[k]);
    ember_method_set_input_int(m, i, INT64_MAX);
    ember_method_set_input_int(m, i, INT64_MIN);
    ember_method_set_input_scalar(m, i, pat == PAT_ZERO ? 0.0 : pat == PAT_SMALL ? 1.0 : 3.0);
}

/* ---- method instances ------------------------------------------------------------------ */

#define MAX_RUNS 4

typedef struct instance {
    ember_method* m;
    void* book;
    void* buffers[EMBER_MAX_BUFFERS];
    void* packed; /* the kernels' packed weights, or NULL */
    size_t num_inputs;
    fuzz_ro* maps; /* (MAX_RUNS, num_inputs) input data, kept until the method is destroyed */
    int runs;
} instance;

/* Loads method `name` into fresh memory of exactly the required sizes: EMBER_OK, the load's
 * error, or EMBER_INTERNAL when this process is out of memory. */
static ember_status instance_load(instance* in, ember_program* prog, const char* name, const ember_method_requirements* req)
{
    memset(in, 0, sizeof *in);
    in->book = malloc(req->bookkeeping_bytes ? req->bookkeeping_bytes : 1);
    if (!in->book) return EMBER_INTERNAL;
    memset(in->book, 0xa5, req->bookkeeping_bytes);
    for (size_t i = 1; i < req->num_buffers; i++) {
        /* exactly the requested size (ASan sees one byte past it); NULL for 0 bytes */
        if (!req->buffer_bytes[i]) continue;
        if (posix_memalign(&in->buffers[i], 64, req->buffer_bytes[i])) return EMBER_INTERNAL;
        memset(in->buffers[i], 0, req->buffer_bytes[i]);
    }
    ember_status st = ember_method_load(prog, name, in->book, req->bookkeeping_bytes, in->buffers, req->num_buffers, &in->m);
    FUZZ_CHECK(strlen(ember_program_error(prog)) < sizeof prog->error, "program error not terminated");
    if (st != EMBER_OK) {
        FUZZ_CHECK(in->m == NULL, "failed method load left a method pointer");
        return st;
    }
    FUZZ_CHECK(in->m != NULL, "method load returned OK and no method");
    /* The kernels' packed weights, into exactly the bytes asked for (ASan sees one past). */
    const size_t pb = ember_method_packed_bytes(in->m);
    if (pb && pb <= FUZZ_MAX_METHOD_BYTES) {
        in->packed = malloc(pb);
        if (!in->packed) return EMBER_INTERNAL;
        FUZZ_CHECK(ember_method_pack(in->m, in->packed, pb - 1) == EMBER_MEMORY_TOO_SMALL, "packed weights fit in one byte less than asked");
        FUZZ_CHECK(ember_method_pack(in->m, in->packed, pb) == EMBER_OK, "packing weights failed: %s", ember_method_error(in->m));
    }
    in->num_inputs = ember_method_input_count(in->m);
    in->maps = calloc(MAX_RUNS * (in->num_inputs ? in->num_inputs : 1), sizeof(fuzz_ro));
    return in->maps ? EMBER_OK : EMBER_INTERNAL;
}

static void instance_free(instance* in)
{
    if (in->m) ember_method_destroy(in->m);
    for (size_t k = 0; in->maps && k < MAX_RUNS * in->num_inputs; k++) fuzz_ro_free(&in->maps[k]);
    free(in->maps);
    free(in->packed);
    for (size_t i = 0; i < EMBER_MAX_BUFFERS; i++) free(in->buffers[i]);
    free(in->book);
    memset(in, 0, sizeof *in);
}

/* Bytes of tensor input data the caller must provide. */
static size_t input_bytes(const ember_method* m)
{
    size_t total = 0;
    for (size_t i = 0; i < ember_method_input_count(m); i++) {
        const ember_value* v = ember_method_input(m, i);
        FUZZ_CHECK(v != NULL, "input %zu of %zu is NULL", i, ember_method_input_count(m));
        if (v->tag == EMBER_VALUE_TENSOR) {
            FUZZ_CHECK(v->u.t != NULL, "tensor input %zu has no tensor", i);
            if (v->u.t->nbytes > FUZZ_MAX_METHOD_BYTES - total) return SIZE_MAX;
            total += v->u.t->nbytes;
        }
    }
    return total;
}

static volatile uint8_t sink;

/* Reads every byte of every tensor output (ASan checks each lies in its buffer). */
static void touch_outputs(const ember_method* m)
{
    for (size_t o = 0; o < ember_method_output_count(m); o++) {
        const ember_tensor* t;
        if (ember_method_output(m, o, &t) != EMBER_OK) continue;
        FUZZ_CHECK(t->dim <= EMBER_MAX_DIMS, "output %zu has rank %u", o, t->dim);
        FUZZ_CHECK(t->nbytes == (size_t)t->numel * ember_dtype_size(t->dtype), "output %zu: nbytes %zu != numel %lld x %zu", o, t->nbytes, (long long)t->numel, ember_dtype_size(t->dtype));
        uint8_t acc = 0;
        for (size_t k = 0; k < t->nbytes; k++) acc ^= ((const uint8_t*)t->data)[k];
        sink = acc;
    }
}

/* An unplanned input the method also returns: the one lent tensor a program may write. */
static bool returned_input(const ember_method* m, size_t i)
{
    const ember_value* v = ember_method_input(m, i);
    for (size_t o = 0; o < ember_method_output_count(m); o++)
        if (ember_method_output_value(m, o) == v) return true;
    return false;
}

/* Sets every input (set_all) from pattern `pat`, executes, reads the outputs. Inputs are lent
 * from read-only pages, but for an input the method returns. */
static ember_status instance_run(instance* in, int pat, bool set_all)
{
    ember_method* m = in->m;
    FUZZ_CHECK(in->runs < MAX_RUNS, "too many runs");
    for (size_t i = 0; set_all && i < in->num_inputs; i++) {
        const ember_value* v = ember_method_input(m, i);
        if (v->tag != EMBER_VALUE_TENSOR) {
            set_scalar(m, i, pat);
            continue;
        }
        const ember_tensor* t = v->u.t;
        int32_t sizes[EMBER_MAX_DIMS];
        memcpy(sizes, t->sizes, sizeof sizes);
        int64_t numel = t->numel;
        if (t->dynamic && (pat & 1)) { /* a dynamic input: its first size above 1 halved */
            numel = 1;
            for (int d = 0, done = 0; d < t->dim; d++) {
                if (!done && sizes[d] > 1) sizes[d] /= 2, done = 1;
                numel *= sizes[d];
            }
        }
        const size_t bytes = (size_t)numel * ember_dtype_size(t->dtype);
        const void* data = NULL; /* a zero-byte input may pass NULL */
        if (bytes) {
            uint8_t* tmp = malloc(bytes);
            if (!tmp) continue;
            fill_pattern(tmp, t->dtype, numel, pat);
            fuzz_ro* r = &in->maps[(size_t)in->runs * in->num_inputs + i];
            bool ok = fuzz_ro_make(r, tmp, bytes, returned_input(m, i));
            free(tmp);
            if (!ok) continue;
            data = r->data;
        }
        ember_method_set_input(m, i, (ember_dtype)t->dtype, t->dim, sizes, data);
    }
    in->runs++;
    ember_status st = ember_method_execute(m);
    FUZZ_CHECK(strlen(ember_method_error(m)) < 240, "method error not terminated");
    FUZZ_CHECK(ember_status_str(st) != NULL, "status %d has no name", (int)st);
    if (st == EMBER_OK) touch_outputs(m);
    return st;
}

/* Outputs of two instances that must agree, bit for bit. */
static void compare_outputs(const instance* a, const instance* b, const char* name)
{
    size_t n = ember_method_output_count(a->m);
    FUZZ_CHECK(n == ember_method_output_count(b->m), "output counts differ");
    for (size_t o = 0; o < n; o++) {
        const ember_value* x = ember_method_output_value(a->m, o);
        const ember_value* y = ember_method_output_value(b->m, o);
        FUZZ_CHECK(x && y && x->tag == y->tag, "method '%s' output %zu: value kinds differ", name, o);
        switch (x->tag) {
        case EMBER_VALUE_INT: FUZZ_CHECK(x->u.i == y->u.i, "method '%s' output %zu: %lld != %lld", name, o, (long long)x->u.i, (long long)y->u.i); break;
        case EMBER_VALUE_BOOL: FUZZ_CHECK(x->u.b == y->u.b, "method '%s' output %zu: bools differ", name, o); break;
        case EMBER_VALUE_DOUBLE: FUZZ_CHECK(memcmp(&x->u.d, &y->u.d, sizeof(double)) == 0, "method '%s' output %zu: doubles differ", name, o); break;
        case EMBER_VALUE_TENSOR: {
            const ember_tensor *s = x->u.t, *t = y->u.t;
            FUZZ_CHECK(s->dtype == t->dtype && s->dim == t->dim && s->nbytes == t->nbytes &&
                           memcmp(s->sizes, t->sizes, sizeof s->sizes) == 0,
                       "method '%s' output %zu: tensor shapes differ", name, o);
            if (!s->nbytes || !s->data || !t->data) break;
            for (size_t k = 0; k < s->nbytes; k++)
                FUZZ_CHECK(((const uint8_t*)s->data)[k] == ((const uint8_t*)t->data)[k],
                           "method '%s' output %zu byte %zu differs after an execute without set_input "
                           "(0x%02x, expected 0x%02x): an input whose memory the method reuses was not "
                           "refused with EMBER_INPUT_NOT_SET",
                           name, o, k, ((const uint8_t*)t->data)[k], ((const uint8_t*)s->data)[k]);
            break;
        }
        default: break;
        }
    }
}

/* set_input's own argument checks, with arguments no correct caller passes. */
static void poke_set_input(ember_method* m)
{
    int32_t sizes[100];
    for (int k = 0; k < 100; k++) sizes[k] = 1;
    size_t n = ember_method_input_count(m);
    FUZZ_CHECK(ember_method_set_input(m, n, EMBER_DTYPE_F32, 1, sizes, sizes) != EMBER_OK, "set_input past the last input succeeded");
    FUZZ_CHECK(ember_method_set_input_scalar(m, n, 1.0) != EMBER_OK, "set_input_scalar past the last input succeeded");
    if (!n) return;
    const ember_value* v = ember_method_input(m, 0);
    if (v->tag != EMBER_VALUE_TENSOR) return;
    const ember_tensor* t = v->u.t;
    ember_status st = ember_method_set_input(m, 0, (ember_dtype)t->dtype, 100, sizes, sizes);
    FUZZ_CHECK(st != EMBER_OK, "set_input with rank 100 succeeded");
    st = ember_method_set_input(m, 0, (ember_dtype)t->dtype, (size_t)t->dim + 1, sizes, sizes);
    FUZZ_CHECK(st != EMBER_OK, "set_input with rank %u for a rank-%u input succeeded", t->dim + 1, t->dim);
    st = ember_method_set_input(m, 0, (ember_dtype)(t->dtype == EMBER_DTYPE_F32 ? EMBER_DTYPE_I64 : EMBER_DTYPE_F32), t->dim, t->sizes, sizes);
    FUZZ_CHECK(st != EMBER_OK, "set_input with the wrong dtype succeeded");
    if (t->nbytes) FUZZ_CHECK(ember_method_set_input(m, 0, (ember_dtype)t->dtype, t->dim, t->sizes, NULL) != EMBER_OK, "set_input with NULL data succeeded");
    FUZZ_CHECK(strlen(ember_method_error(m)) < 240, "method error not terminated");
}

static void run_method(ember_program* prog, const char* name)
{
    ember_method_requirements req;
    if (ember_method_requirements_get(prog, name, &req) != EMBER_OK) return;
    FUZZ_CHECK(req.num_buffers <= EMBER_MAX_BUFFERS, "requirements: %zu buffers", req.num_buffers);
    size_t total = req.bookkeeping_bytes;
    if (total > FUZZ_MAX_METHOD_BYTES) return;
    for (size_t i = 0; i < req.num_buffers; i++) {
        if (req.buffer_bytes[i] > FUZZ_MAX_METHOD_BYTES - total) return;
        total += req.buffer_bytes[i];
    }
    instance x, y;
    memset(&y, 0, sizeof y);
    ember_status sx = instance_load(&x, prog, name, &req);
    ember_status sy = sx == EMBER_OK ? instance_load(&y, prog, name, &req) : sx;
    FUZZ_CHECK(sy == EMBER_OK || sy == EMBER_INTERNAL || sx != EMBER_OK,
               "method '%s' loaded once, then failed to load again: %s", name, ember_program_error(prog));
    if (sx != EMBER_OK || sy != EMBER_OK) {
        instance_free(&x);
        instance_free(&y);
        return;
    }
    if (input_bytes(x.m) <= FUZZ_MAX_METHOD_BYTES - total) {
        /* Same inputs into both instances; then x sets them again, y sets none. */
        ember_status x1 = instance_run(&x, PAT_MIXED, true);
        ember_status y1 = instance_run(&y, PAT_MIXED, true);
        FUZZ_CHECK(x1 == y1, "method '%s': two instances, same inputs, statuses %d and %d", name, (int)x1, (int)y1);
        ember_status x2 = instance_run(&x, PAT_MIXED, true);
        ember_status y2 = instance_run(&y, PAT_MIXED, false);
        if (x2 == EMBER_OK && y2 == EMBER_OK) compare_outputs(&x, &y, name);
        instance_run(&x, PAT_ZERO, true);
        instance_run(&x, PAT_SMALL, true);
        poke_set_input(x.m);
    }
    instance_free(&x);
    instance_free(&y);
}

/* A bundled program's test cases: inputs set from each case, execute, outputs compared.
 * Any status is fine; the check's numbers must be consistent. */
static void run_bundle_cases(ember_bundle* b, ember_program* prog)
{
    for (size_t s = 0; s < ember_bundle_suite_count(b) && s < FUZZ_MAX_METHODS; s++) {
        const char* name = ember_bundle_suite_method(b, s);
        ember_method_requirements req;
        if (!name || ember_method_requirements_get(prog, name, &req) != EMBER_OK) continue;
        size_t total = req.bookkeeping_bytes;
        bool small = total <= FUZZ_MAX_METHOD_BYTES;
        for (size_t i = 0; small && i < req.num_buffers; i++) {
            small = req.buffer_bytes[i] <= FUZZ_MAX_METHOD_BYTES - total;
            total += small ? req.buffer_bytes[i] : 0;
        }
        instance x;
        if (!small || instance_load(&x, prog, name, &req) != EMBER_OK) {
            if (small) instance_free(&x);
            continue;
        }
        for (size_t c = 0; c < ember_bundle_case_count(b, s) && c < 4; c++) {
            ember_bundle_check check;
            if (ember_bundle_set_inputs(b, s, c, x.m) != EMBER_OK || ember_method_execute(x.m) != EMBER_OK) continue;
            touch_outputs(x.m);
            if (ember_bundle_check_outputs(b, s, c, x.m, EMBER_BUNDLE_RTOL, EMBER_BUNDLE_ATOL, &check) != EMBER_OK) continue;
            FUZZ_CHECK(check.outputs == ember_method_output_count(x.m), "bundle check compared %zu of %zu outputs", check.outputs, ember_method_output_count(x.m));
            FUZZ_CHECK(check.passed == (check.mismatches == 0), "bundle check: passed %d with %zu mismatches", check.passed, check.mismatches);
            FUZZ_CHECK(check.outputs == 0 || check.worst_output < check.outputs, "bundle check: worst output %zu of %zu", check.worst_output, check.outputs);
        }
        FUZZ_CHECK(strlen(ember_bundle_error(b)) < sizeof b->error, "bundle error not terminated");
        instance_free(&x);
    }
}

void fuzz_execute_program(const uint8_t* data, size_t size)
{
    fuzz_register_backend();
    fuzz_ro file;
    if (!fuzz_ro_make(&file, data, size, false)) return;
    ember_program prog;
    ember_bundle bundle;
    bool bundled = ember_bundle_identify(file.data, size);
    ember_status st = bundled ? ember_bundle_load(&bundle, file.data, size) : EMBER_OK;
    if (!st) st = bundled ? ember_program_load(&prog, bundle.program, bundle.program_size) : ember_program_load(&prog, file.data, size);
    if (st == EMBER_OK) {
        size_t n = ember_program_method_count(&prog);
        for (size_t i = 0; i < n && i < FUZZ_MAX_METHODS; i++) {
            const char* name = ember_program_method_name(&prog, i);
            if (name) run_method(&prog, name);
        }
        if (bundled) run_bundle_cases(&bundle, &prog);
        FUZZ_CHECK(strlen(ember_program_error(&prog)) < sizeof prog.error, "program error not terminated");
    }
    fuzz_ro_free(&file);
}
