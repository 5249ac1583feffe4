/* test_runtime.c — the runtime end to end on fixture programs (tests/data/fixtures, made by
 * tests/data/make_fixtures.py with Ember's exporter and checked in):
 *   - an MLP runs and matches torch's output (saved beside it);
 *   - load + 100 executions call malloc/calloc/realloc zero times (interposed here);
 *   - the instructions DelegateCall (through a test backend), MoveCall, JumpFalseCall and
 *     FreeCall behave as the format says;
 *   - the requirements are exact: one byte less bookkeeping fails cleanly;
 *   - weights packed at load (ember_method_pack) on two 3x3 convolutions;
 *   - malformed files (truncated at every length, every byte of the flatbuffer flipped) fail
 *     with a status, never crash.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember/backend.h"
#include "ember/ember.h"
#include "kernels/kernel.h"
#include "tests/c/check.h"
#include "tests/c/program_harness.h"

/* ---- malloc interposition ---------------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif
#if defined(TEST_UNDER_ASAN)
/* AddressSanitizer owns malloc: the counting test runs in the plain build (make test does both). */
#define COUNT_ALLOCATIONS 0
static int counting;
static long alloc_calls;
#else
#define COUNT_ALLOCATIONS 1
extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);

static int counting;
static long alloc_calls;

void* malloc(size_t n)
{
    if (counting) alloc_calls++;
    return __libc_malloc(n);
}
void* calloc(size_t a, size_t b)
{
    if (counting) alloc_calls++;
    return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n)
{
    if (counting) alloc_calls++;
    return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
#endif

/* ---- weights packed at load ----------------------------------------------------------- */

/* Runs the conv3x3 fixture once into out (nbytes); false if it failed. */
static bool run_conv3x3(ember_method* m, const float* x, float* out, size_t nbytes)
{
    const ember_value* in = ember_method_input(m, 0);
    const ember_tensor* y = NULL;
    ember_status st = ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->u.t->dim, in->u.t->sizes, x);
    if (!st) st = ember_method_execute(m);
    if (!st) st = ember_method_output(m, 0, &y);
    if (st || y->nbytes != nbytes) {
        fprintf(stderr, "conv3x3: %s: %s\n", ember_status_str(st), ember_method_error(m));
        return false;
    }
    memcpy(out, y->data, nbytes);
    return true;
}

/* ember_method_packed_bytes / ember_method_pack on two 3x3 convolutions: on x86 with AVX2+FMA
 * their weights are packed (Winograd), elsewhere there is nothing to pack. Either way the
 * outputs match torch's; packed runs repeat bit for bit; too little memory, an inspection-only
 * method and NULL (back to unpacked) behave as documented; packing calls no malloc. */
static void test_packed_weights(void)
{
    size_t size, in_size, out_size;
    void* file = th_read_file(FIXTURES "conv3x3.pte", &size);
    float* x = th_read_file(FIXTURES "conv3x3.input.bin", &in_size);
    float* want = th_read_file(FIXTURES "conv3x3.expected.bin", &out_size);
    CHECK(file && x && want);
    if (!file || !x || !want) return;
    ember_program prog;
    ember_method* m = NULL;
    CHECK(ember_program_load(&prog, file, size) == EMBER_OK);
    CHECK(th_load(&prog, "forward", &m) == EMBER_OK);
    if (!m) return;
    const size_t pb = ember_method_packed_bytes(m);
#if defined(__x86_64__)
    const uint64_t need = EMBER_CPU_BIT(EMBER_CPU_AVX2) | EMBER_CPU_BIT(EMBER_CPU_FMA);
    const bool expect_packing = (ember_cpu_features() & need) == need;
#else
    const bool expect_packing = false;
#endif
    CHECK(expect_packing ? pb > 0 : pb == 0);
    float* plain = malloc(out_size);
    float* packed = malloc(out_size);
    float* again = malloc(out_size);
    uint8_t* mem = malloc(pb + 2);
    CHECK(plain && packed && again && mem);
    if (!plain || !packed || !again || !mem) return;

    CHECK(run_conv3x3(m, x, plain, out_size)); /* unpacked: the GEMM path */
    CHECK_NEAR_F32(plain, want, out_size / 4, 1e-4f);
    if (pb) {
        CHECK(ember_method_pack(m, mem + 1, pb - 1) == EMBER_MEMORY_TOO_SMALL);
        CHECK(strstr(ember_method_error(m), "packed weights need") != NULL);
        CHECK(run_conv3x3(m, x, again, out_size) && memcmp(again, plain, out_size) == 0);
    }
    alloc_calls = 0;
    counting = 1;
    const ember_status st = ember_method_pack(m, mem + 1, pb); /* any alignment */
    counting = 0;
    CHECK(st == EMBER_OK);
    CHECK(alloc_calls == 0);
    CHECK(run_conv3x3(m, x, packed, out_size));
    CHECK_NEAR_F32(packed, want, out_size / 4, 1e-4f);
    CHECK(run_conv3x3(m, x, again, out_size) && memcmp(again, packed, out_size) == 0);
    CHECK(ember_method_pack(m, NULL, 0) == EMBER_OK); /* back to unpacked */
    CHECK(run_conv3x3(m, x, again, out_size) && memcmp(again, plain, out_size) == 0);
    CHECK(ember_method_pack(NULL, mem, pb) == EMBER_INVALID_ARGUMENT);
    CHECK(ember_method_packed_bytes(NULL) == 0);

    /* Inspection only: the number is known, nothing is packed. */
    ember_method_requirements req;
    ember_method* mi = NULL;
    CHECK(ember_method_requirements_get(&prog, "forward", &req) == EMBER_OK);
    CHECK(ember_method_load(&prog, "forward", th_book, req.bookkeeping_bytes, NULL, 0, &mi) == EMBER_OK);
    if (mi) {
        CHECK(ember_method_packed_bytes(mi) == pb);
        if (pb) CHECK(ember_method_pack(mi, mem, pb) == EMBER_INVALID_ARGUMENT);
        ember_method_destroy(mi);
    }
    free(plain);
    free(packed);
    free(again);
    free(mem);
    free(file);
    free(x);
    free(want);
}

/* ---- the MLP, and no malloc -------------------------------------------------------------- */

static void test_mlp_and_no_malloc(void)
{
    size_t size, in_size, out_size;
    void* file = th_read_file(FIXTURES "mlp.pte", &size);
    float* x = th_read_file(FIXTURES "mlp.input.bin", &in_size);
    float* want = th_read_file(FIXTURES "mlp.expected.bin", &out_size);
    CHECK(file && x && want);
    if (!file || !x || !want) return;

    ember_program prog;
    ember_method* m = NULL;
    const ember_tensor* y = NULL;
    alloc_calls = 0;
    counting = 1;
    ember_status st = ember_program_load(&prog, file, size);
    if (!st) st = th_load(&prog, "forward", &m);
    const ember_value* in = m ? ember_method_input(m, 0) : NULL;
    for (int run = 0; !st && run < 100; run++) {
        st = ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->u.t->dim, in->u.t->sizes, x);
        if (!st) st = ember_method_execute(m);
    }
    if (!st) st = ember_method_output(m, 0, &y);
    counting = 0;
    if (st) fprintf(stderr, "mlp: %s: %s / %s\n", ember_status_str(st), ember_program_error(&prog), m ? ember_method_error(m) : "");
    CHECK(st == EMBER_OK);
    CHECK(alloc_calls == 0);
    if (alloc_calls) fprintf(stderr, "malloc/calloc/realloc called %ld times during load + 100 runs\n", alloc_calls);
    if (!st) {
        CHECK(y->dtype == EMBER_DTYPE_F32);
        CHECK(y->nbytes == out_size);
        CHECK_NEAR_F32((const float*)y->data, want, out_size / 4, 1e-4f);
    }

    /* Wrong dtype, wrong shape and a bad index give named errors and leave the method usable. */
    if (!st) {
        int32_t bad[8];
        memcpy(bad, in->u.t->sizes, sizeof bad);
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_I64, in->u.t->dim, bad, x) == EMBER_DTYPE_MISMATCH);
        bad[in->u.t->dim - 1] += 1;
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->u.t->dim, bad, x) == EMBER_SHAPE_MISMATCH);
        CHECK(strstr(ember_method_error(m), "expected shape") != NULL);
        CHECK(ember_method_set_input(m, 5, EMBER_DTYPE_F32, in->u.t->dim, in->u.t->sizes, x) == EMBER_INVALID_ARGUMENT);
        /* The planner reuses this input's bytes, so the last execute consumed it: executing
         * again without setting it is refused, not computed on garbage. */
        CHECK(ember_method_execute(m) == EMBER_INPUT_NOT_SET);
        CHECK(strstr(ember_method_error(m), "input 0") != NULL);
        CHECK(ember_method_input_consumed(m, 0));
        CHECK(!ember_method_input_consumed(m, 5) && !ember_method_input_consumed(NULL, 0));
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->u.t->dim, in->u.t->sizes, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, want, out_size / 4, 1e-4f);
    }

    /* A method that does not exist. */
    ember_method_requirements req;
    CHECK(ember_method_requirements_get(&prog, "nope", &req) == EMBER_NOT_FOUND);
    CHECK(strstr(ember_program_error(&prog), "nope") != NULL);

    /* Exact requirements: one byte less bookkeeping is refused, with the size in the message. */
    CHECK(ember_method_requirements_get(&prog, "forward", &req) == EMBER_OK);
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    for (size_t i = 1; i < req.num_buffers; i++) buffers[i] = th_arena;
    ember_method* m2;
    CHECK(ember_method_load(&prog, "forward", th_book, req.bookkeeping_bytes - 1, buffers, req.num_buffers, &m2) == EMBER_MEMORY_TOO_SMALL);
    CHECK(ember_method_load(&prog, "forward", th_book, req.bookkeeping_bytes, buffers, req.num_buffers - 1, &m2) == EMBER_INVALID_ARGUMENT);
    free(file);
    free(x);
    free(want);
}

/* ---- a test backend: out = in * scale, scale is the blob's float --------------------------- */

typedef struct scale_state {
    float scale;
    int magic;
} scale_state;

static int backend_inits, backend_executes, backend_destroys;

static ember_status scale_memory(const void* blob, size_t bytes, const ember_compile_spec* specs, size_t n, size_t* need)
{
    if (bytes != 4) return EMBER_INVALID_ARGUMENT;
    *need = sizeof(scale_state);
    return EMBER_OK;
}

static ember_status scale_init(void* mem, size_t mem_bytes, const void* blob, size_t bytes, const ember_compile_spec* specs, size_t n, void** handle)
{
    if (mem_bytes < sizeof(scale_state) || ((uintptr_t)mem & 15)) return EMBER_MEMORY_TOO_SMALL;
    scale_state* s = mem;
    memcpy(&s->scale, blob, 4);
    s->magic = 0x5ca1e;
    /* a compile spec "bias" (float) is added when present */
    for (size_t i = 0; i < n; i++)
        if (strcmp(specs[i].key, "offset") == 0 && specs[i].value_len == 4) s->magic = 0x0ff5e7;
    *handle = s;
    backend_inits++;
    return EMBER_OK;
}

static ember_status scale_execute(void* handle, ember_value* const* args, size_t n)
{
    scale_state* s = handle;
    if (n != 2 || args[0]->tag != EMBER_VALUE_TENSOR || args[1]->tag != EMBER_VALUE_TENSOR) return EMBER_INVALID_ARGUMENT;
    const ember_tensor* in = args[0]->u.t;
    ember_tensor* out = args[1]->u.t;
    for (int64_t i = 0; i < in->numel; i++) ((float*)out->data)[i] = ((const float*)in->data)[i] * s->scale;
    backend_executes++;
    return EMBER_OK;
}

static void scale_destroy(void* handle)
{
    ((scale_state*)handle)->magic = 0;
    backend_destroys++;
}

/* Checked once at load: two float tensors of the same size. */
static int backend_prepares;
static ember_status scale_prepare(void* handle, ember_value* const* args, size_t n)
{
    backend_prepares++;
    if (n != 2 || args[0]->tag != EMBER_VALUE_TENSOR || args[1]->tag != EMBER_VALUE_TENSOR) return EMBER_INVALID_ARGUMENT;
    const ember_tensor *in = args[0]->u.t, *out = args[1]->u.t;
    if (in->dtype != EMBER_DTYPE_F32 || out->dtype != EMBER_DTYPE_F32) return EMBER_DTYPE_MISMATCH;
    return in->numel == out->numel ? EMBER_OK : EMBER_SHAPE_MISMATCH;
}

static ember_status refuse_prepare(void* handle, ember_value* const* args, size_t n) { return EMBER_SHAPE_MISMATCH; }

static const ember_backend scale_backend = {"EmberTestScaleBackend", scale_memory, scale_init, scale_execute, scale_destroy, scale_prepare, NULL};

#ifndef EMBER_TEST_DELEGATES
#define EMBER_TEST_DELEGATES 1 /* 0: method.c built with EMBER_DELEGATES=0 (test_runtime_nodelegates) */
#endif

static void test_delegate(void)
{
    size_t size;
    void* file = th_read_file(FIXTURES "delegate.pte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_program prog;
    ember_method* m = NULL;
    CHECK(ember_program_load(&prog, file, size) == EMBER_OK);
    if (!EMBER_TEST_DELEGATES) {
        /* Without delegate support a method with delegates is refused, registered backend or not. */
        CHECK(th_load(&prog, "forward", &m) == EMBER_NOT_SUPPORTED);
        CHECK(strstr(ember_program_error(&prog), "the method has delegates (1), but this build of Ember has no delegate support") != NULL);
        CHECK(ember_backend_register(&scale_backend) == EMBER_OK);
        CHECK(th_load(&prog, "forward", &m) == EMBER_NOT_SUPPORTED);
        CHECK(backend_inits == 0 && backend_prepares == 0);
        free(file);
        return;
    }

    /* Not registered yet: the load names the backend. */
    CHECK(th_load(&prog, "forward", &m) == EMBER_UNKNOWN_BACKEND);
    CHECK(strstr(ember_program_error(&prog), "EmberTestScaleBackend") != NULL);

    CHECK(ember_backend_register(&scale_backend) == EMBER_OK);
    CHECK(ember_backend_find("EmberTestScaleBackend") == &scale_backend);
    ember_status st = th_load(&prog, "forward", &m);
    if (st) fprintf(stderr, "delegate: %s\n", ember_program_error(&prog));
    CHECK(st == EMBER_OK);
    if (st) return;
    CHECK(backend_inits == 1);
    CHECK(backend_prepares == 1);
    ember_method_info info;
    ember_method_info_get(m, &info);
    CHECK(info.num_delegates == 1);
    CHECK(strcmp(ember_method_delegate_name(m, 0), "EmberTestScaleBackend") == 0);

    /* forward(x) = relu(delegate(x)) with scale -2: y = relu(-2x) */
    float x[4] = {1.0f, -1.5f, 0.25f, -3.0f};
    float want[4] = {0.0f, 3.0f, 0.0f, 6.0f};
    int32_t shape[2] = {1, 4};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_OK);
    const ember_tensor* y;
    CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
    CHECK_NEAR_F32((const float*)y->data, want, 4, 1e-6f);
    CHECK(backend_executes == 1);
    ember_method_destroy(m);
    CHECK(backend_destroys == 1);

    /* A backend that refuses the call's values in prepare fails the load, naming itself. */
    static const ember_backend refusing = {"EmberTestScaleBackend", scale_memory, scale_init, scale_execute, scale_destroy, refuse_prepare, NULL};
    CHECK(ember_backend_register(&refusing) == EMBER_OK);
    CHECK(th_load(&prog, "forward", &m) == EMBER_SHAPE_MISMATCH);
    CHECK(strstr(ember_program_error(&prog), "backend 'EmberTestScaleBackend' refused its arguments") != NULL);
    CHECK(ember_backend_register(&scale_backend) == EMBER_OK);
    free(file);
}

/* ---- control flow: MoveCall, JumpFalseCall, FreeCall -------------------------------------- */

static void test_control_flow(void)
{
    size_t size;
    void* file = th_read_file(FIXTURES "control_flow.pte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_program prog;
    ember_method* m = NULL;
    ember_status st = ember_program_load(&prog, file, size);
    if (!st) st = th_load(&prog, "forward", &m);
    if (st) fprintf(stderr, "control_flow: %s\n", ember_program_error(&prog));
    CHECK(st == EMBER_OK);
    if (st) return;
    /* forward(x, flag): if flag: y = relu(x) else: y = -x ... built as
     *   0: JumpFalse(flag, 3)   1: relu(x) -> t   2: Move(t -> y_slot); Jump over via
     *   JumpFalse(const False, 5)   4: neg(x) -> y ... see make_fixtures.py */
    float x[3] = {-1.0f, 2.0f, -3.0f};
    int32_t shape[1] = {3};
    const ember_tensor* y;
    for (int flag = 0; flag <= 1; flag++) {
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 1, shape, x) == EMBER_OK);
        CHECK(ember_method_set_input_scalar(m, 1, flag) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
        float relu[3] = {0.0f, 2.0f, 0.0f}, neg[3] = {1.0f, -2.0f, 3.0f};
        CHECK_NEAR_F32((const float*)y->data, flag ? relu : neg, 3, 0.0f);
    }
    free(file);
}

static void test_endless_loop_stops(void)
{
    size_t size;
    void* file = th_read_file(FIXTURES "endless_loop.pte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_program prog;
    ember_method* m = NULL;
    CHECK(ember_program_load(&prog, file, size) == EMBER_OK);
    CHECK(th_load(&prog, "forward", &m) == EMBER_OK);
    if (m) {
        float x[3] = {1, -2, 3};
        int32_t shape[1] = {3};
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 1, shape, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_NOT_SUPPORTED);
        CHECK(strstr(ember_method_error(m), "loop") != NULL);
    }
    free(file);
}

/* ---- malformed files ---------------------------------------------------------------------- */

static int try_load(const uint8_t* data, size_t size)
{
    ember_program prog;
    ember_status st = ember_program_load(&prog, data, size);
    if (st) return st;
    ember_method* m;
    for (size_t i = 0; i < ember_program_method_count(&prog); i++) {
        const char* name = ember_program_method_name(&prog, i);
        if (!name) continue;
        st = th_load(&prog, name, &m);
        if (!st) {
            /* run it once on whatever input bytes are there: must not crash either */
            ember_method_execute(m);
            ember_method_destroy(m);
        }
    }
    return st;
}

static void test_malformed(void)
{
    size_t size;
    uint8_t* file = th_read_file(FIXTURES "mlp.pte", &size);
    CHECK(file != NULL);
    if (!file) return;
    uint8_t* copy = aligned_alloc(64, (size + 64) / 64 * 64);

    /* Truncated at every length: all fail (the header knows the true size), none crash. */
    int truncated_ok = 0;
    for (size_t n = 0; n < size; n += (n < 4096 ? 1 : 61)) {
        memcpy(copy, file, n);
        if (try_load(copy, n) == EMBER_OK) truncated_ok++;
    }
    CHECK(truncated_ok == 0);

    /* Bad identifier. */
    memcpy(copy, file, size);
    memcpy(copy + 4, "XX99", 4);
    ember_program prog;
    CHECK(ember_program_load(&prog, copy, size) == EMBER_MALFORMED_PROGRAM);
    CHECK(strstr(ember_program_error(&prog), "ET12") != NULL);

    /* Every byte of the flatbuffer part flipped in turn: load fails or succeeds, never crashes
     * (the sanitizer build turns any out-of-bounds read into a failure). */
    size_t fb = size;
    if (size >= 24 && memcmp(file + 8, "eh00", 4) == 0) {
        uint64_t ps;
        memcpy(&ps, file + 16, 8);
        fb = (size_t)ps;
    }
    long failures = 0, loads = 0;
    for (size_t i = 0; i < fb; i++) {
        memcpy(copy, file, size);
        copy[i] ^= 0xA5;
        if (try_load(copy, size)) failures++;
        else loads++;
    }
    printf("malformed: %zu flatbuffer bytes flipped one at a time: %ld rejected, %ld still loaded\n", fb, failures, loads);
    CHECK(failures > 0);
    free(copy);
    free(file);
}

static void test_status_names(void)
{
    CHECK(strcmp(ember_status_str(EMBER_OK), "ok") == 0);
    CHECK(strcmp(ember_status_str(EMBER_UNKNOWN_OPERATOR), "unknown operator") == 0);
    CHECK(strcmp(ember_status_str((ember_status)999), "unknown status") == 0);
    CHECK(ember_dtype_size(EMBER_DTYPE_F32) == 4 && ember_dtype_size(EMBER_DTYPE_BOOL) == 1);
    CHECK(ember_dtype_size(99) == 0);
    CHECK(strcmp(ember_dtype_name(EMBER_DTYPE_I64), "int64") == 0);
}

/* A program's operator is looked up by its name and overload apart: every kernel of the table
 * is found from its own name cut at the overload's '.', and nothing is found from a name or an
 * overload one character short or long. */
static void test_operator_lookup(void)
{
    size_t found = 0;
    for (size_t i = 0; i < ember_kernel_count(); i++) {
        const ember_kernel* k = ember_kernel_at(i);
        char name[256];
        snprintf(name, sizeof name, "%s", k->name);
        const char* ns = strstr(name, "::");
        char* dot = strchr(ns ? ns + 2 : name, '.');
        const char* overload = "";
        if (dot) *dot = 0, overload = dot + 1;
        found += ember_kernel_find_operator(name, overload) == k;
        char longer[260];
        snprintf(longer, sizeof longer, "%sx", overload);
        CHECK(ember_kernel_find_operator(name, longer) != k);
        if (*overload) {
            snprintf(longer, sizeof longer, "%s", overload);
            longer[strlen(longer) - 1] = 0;
            CHECK(ember_kernel_find_operator(name, longer) != k);
            CHECK(ember_kernel_find_operator(name, "") != k);
        }
        name[strlen(name) - 1] = 0;
        CHECK(ember_kernel_find_operator(name, overload) != k);
    }
    CHECK(found == ember_kernel_count() && found > 100);
    CHECK(ember_kernel_find_operator("aten::add", "out") == ember_kernel_find("aten::add.out", 13));
    CHECK(ember_kernel_find_operator("aten::no_such_op", "out") == NULL);
}

/* ---- bounded dynamic shapes -------------------------------------------------------------- */

static void test_tensor_resize(void)
{
    float buf[24];
    ember_tensor t = {.data = buf, .sizes = {4, 6}, .strides = {6, 1}, .dim_order = {0, 1},
                      .dim = 2, .dtype = EMBER_DTYPE_F32, .storage = EMBER_TENSOR_PLANNED,
                      .dynamic = 1, .numel = 24, .nbytes = 96, .capacity = 96};
    const int32_t s35[] = {3, 5}, s55[] = {5, 5}, neg[] = {-1, 2}, s06[] = {0, 6};
    CHECK(ember_tensor_resize(&t, 2, s35) == EMBER_OK);
    CHECK(t.sizes[0] == 3 && t.sizes[1] == 5 && t.strides[0] == 5 && t.strides[1] == 1);
    CHECK(t.numel == 15 && t.nbytes == 60 && t.capacity == 96 && t.data == buf);
    /* refused, the tensor unchanged: past the capacity, a negative size, another rank */
    CHECK(ember_tensor_resize(&t, 2, s55) == EMBER_SHAPE_MISMATCH);
    CHECK(ember_tensor_resize(&t, 2, neg) == EMBER_SHAPE_MISMATCH);
    CHECK(ember_tensor_resize(&t, 1, s35) == EMBER_SHAPE_MISMATCH);
    CHECK(ember_tensor_resize(&t, 2, NULL) == EMBER_SHAPE_MISMATCH);
    CHECK(t.sizes[0] == 3 && t.sizes[1] == 5 && t.numel == 15 && t.nbytes == 60);
    CHECK(ember_tensor_resize(&t, 2, s06) == EMBER_OK && t.numel == 0 && t.nbytes == 0 && t.strides[0] == 6);
    t.dim_order[0] = 1, t.dim_order[1] = 0; /* channels last: dim 0 innermost */
    CHECK(ember_tensor_resize(&t, 2, s35) == EMBER_OK && t.strides[0] == 1 && t.strides[1] == 3);
    t.dynamic = 0;
    CHECK(ember_tensor_resize(&t, 2, s06) == EMBER_SHAPE_MISMATCH && t.numel == 15);
    /* an empty tensor whose nonzero sizes multiply past 2^31 - 1: its strides would overflow */
    ember_tensor e = {.sizes = {0, 1, 1}, .dim_order = {0, 1, 2}, .dim = 3,
                      .dtype = EMBER_DTYPE_F32, .dynamic = 1, .capacity = 64};
    const int32_t wide[] = {0, 65536, 65536};
    CHECK(ember_tensor_resize(&e, 3, wide) == EMBER_SHAPE_MISMATCH && e.sizes[1] == 1);
    CHECK(ember_tensor_resize(NULL, 0, NULL) == EMBER_SHAPE_MISMATCH);
}

/* ExecuTorch's file with 0 < rows <= 16 dynamic (tests/data/make_et_dynamic_files.py:
 * relu(x W^T + b) * 2): runs at every row count with the outs resized, each row the same
 * whatever the count, weights packed once; 17 rows are refused and leave the method usable;
 * no malloc at any size. */
static void test_dynamic_method(void)
{
    size_t size;
    void* file = th_read_file("tests/data/et_dyn_linear.pte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_program prog;
    ember_method* m = NULL;
    CHECK(ember_program_load(&prog, file, size) == EMBER_OK);
    CHECK(th_load(&prog, "forward", &m) == EMBER_OK);
    if (!m) {
        free(file);
        return;
    }
    static uint8_t packed[1 << 16] __attribute__((aligned(64)));
    CHECK(ember_method_packed_bytes(m) <= sizeof packed);
    CHECK(ember_method_pack(m, packed, sizeof packed) == EMBER_OK);
    float x[17 * 8], full[16 * 4];
    for (int i = 0; i < 17 * 8; i++) x[i] = (float)((i * 37) % 19) / 7.0f - 1.0f;
    const int rows[] = {16, 3, 0, 1, 16, 9};
    alloc_calls = 0;
    counting = 1;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        const int32_t sizes[] = {rows[r], 8};
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, sizes, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        const ember_tensor* out = NULL;
        CHECK(ember_method_output(m, 0, &out) == EMBER_OK && out);
        if (!out) break;
        CHECK(out->dim == 2 && out->sizes[0] == rows[r] && out->sizes[1] == 4);
        CHECK(out->numel == rows[r] * 4 && out->nbytes == (size_t)rows[r] * 16);
        if (r == 0) memcpy(full, out->data, sizeof full);
        else if (rows[r]) CHECK_NEAR_F32((const float*)out->data, full, (size_t)rows[r] * 4, 1e-5f);
    }
    counting = 0;
    CHECK(alloc_calls == 0);
    const int32_t too_many[] = {17, 8}, wrong_rank[] = {16, 8, 1};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, too_many, x) == EMBER_SHAPE_MISMATCH);
    CHECK(strstr(ember_method_error(m), "at most 512 bytes") != NULL);
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 3, wrong_rank, x) == EMBER_SHAPE_MISMATCH);
    const ember_value* in = ember_method_input(m, 0);
    CHECK(in && in->u.t->sizes[0] == 9); /* what the last good call set */
    const int32_t five[] = {5, 8};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, five, x) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_OK);
    const ember_tensor* out = NULL;
    CHECK(ember_method_output(m, 0, &out) == EMBER_OK && out && out->sizes[0] == 5);
    if (out) CHECK_NEAR_F32((const float*)out->data, full, 20, 1e-5f);
    ember_method_destroy(m);
    free(file);
}

int main(void)
{
    test_status_names();
    test_operator_lookup();
    test_tensor_resize();
    test_dynamic_method();
    test_mlp_and_no_malloc();
    test_packed_weights();
    test_delegate();
    test_control_flow();
    test_endless_loop_stops();
    test_malformed();
    return check_report("test_runtime");
}
