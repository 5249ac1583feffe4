/* test_profile.c — the event hook and the profiling helpers on fixture programs
 * (tests/data/fixtures, made by tests/data/make_fixtures.py):
 *   - ember_method_instruction labels each instruction (kind, operator or backend, output);
 *   - a hook sees BEGIN/END pairs around every kernel and delegate call, in the order they run,
 *     once per execute, with the call's status (a refused kernel and a failing delegate report
 *     theirs); a cleared hook sees nothing; outputs are the same with and without a hook;
 *   - ember_profiler_event counts calls and ticks of the caller's clock, with no malloc, and
 *     ember_profiler_overhead measures its floor;
 *   - built with EMBER_EVENTS=0 (test_profile_noevents, see CMakeLists.txt) everything links
 *     and runs, and setting a hook is EMBER_NOT_SUPPORTED.
 * EMBER_TEST_EVENTS says which library this binary is linked with. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember/backend.h"
#include "ember/ember.h"
#include "tests/c/check.h"
#include "tests/c/program_harness.h"

#ifndef EMBER_TEST_EVENTS
#define EMBER_TEST_EVENTS 1
#endif

/* ---- malloc interposition (as in test_runtime.c) ------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif
static int counting;
static long alloc_calls;
#if !defined(TEST_UNDER_ASAN) /* AddressSanitizer owns malloc: count in the plain build only */
extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);
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

/* ---- a recording hook ---------------------------------------------------------------------- */

typedef struct event {
    uint32_t instruction;
    ember_event_phase phase;
    ember_status status;
} event;

typedef struct recorder {
    event events[64];
    int count; /* events seen, also past the array */
} recorder;

static void record(void* user, uint32_t instruction, ember_event_phase phase, ember_status status)
{
    recorder* r = user;
    if (r->count < 64) r->events[r->count] = (event){instruction, phase, status};
    r->count++;
}

/* The events are BEGIN/END pairs of the instructions `want` (n of them), in that order, BEGIN
 * with EMBER_OK and END with `last_status` for the last pair and EMBER_OK for the others. */
static void expect_pairs(const recorder* r, const uint32_t* want, int n, ember_status last_status, const char* what)
{
    int ok = r->count == 2 * n;
    for (int k = 0; ok && k < n; k++) {
        const event *b = &r->events[2 * k], *e = &r->events[2 * k + 1];
        ok = b->instruction == want[k] && b->phase == EMBER_EVENT_BEGIN && b->status == EMBER_OK &&
             e->instruction == want[k] && e->phase == EMBER_EVENT_END && e->status == (k == n - 1 ? last_status : EMBER_OK);
    }
    if (!ok) {
        fprintf(stderr, "%s: %d events:", what, r->count);
        for (int k = 0; k < r->count && k < 64; k++)
            fprintf(stderr, " %u%s(%d)", r->events[k].instruction, r->events[k].phase == EMBER_EVENT_BEGIN ? "B" : "E", r->events[k].status);
        fprintf(stderr, "\n");
    }
    CHECK(ok && what);
}

/* A fake clock: 100, 110, 120, ... so every timed call takes exactly 10 ticks. */
static uint64_t fake_clock(void* user)
{
    uint64_t* t = user;
    *t += 10;
    return *t;
}

static void* load_fixture(const char* name, ember_program* prog, ember_method** m)
{
    size_t size;
    void* file = th_read_file(name, &size);
    CHECK(file != NULL);
    if (!file) return NULL;
    ember_status st = ember_program_load(prog, file, size);
    if (!st) st = th_load(prog, "forward", m);
    if (st) fprintf(stderr, "%s: %s\n", name, ember_program_error(prog));
    CHECK(st == EMBER_OK);
    if (st) {
        free(file);
        return NULL;
    }
    return file;
}

/* ---- the MLP: labels, events, the profiler, no malloc ------------------------------------- */

static void test_mlp(void)
{
    size_t in_size, out_size;
    float* x = th_read_file(FIXTURES "mlp.input.bin", &in_size);
    float* want = th_read_file(FIXTURES "mlp.expected.bin", &out_size);
    ember_program prog;
    ember_method* m = NULL;
    void* file = load_fixture(FIXTURES "mlp.pte", &prog, &m);
    CHECK(x && want);
    if (!file || !x || !want) return;
    const ember_tensor* in = ember_method_input(m, 0)->u.t;

    /* Labels: Linear, ReLU, Linear, GELU, Linear (make_fixtures.py), each a kernel call whose
     * last argument is its output. */
    static const char* const ops[5] = {"aten::linear.out", "aten::relu.out", "aten::linear.out", "aten::gelu.out", "aten::linear.out"};
    static const int32_t widths[5] = {24, 24, 24, 24, 5};
    ember_method_info info;
    CHECK(ember_method_info_get(m, &info) == EMBER_OK);
    CHECK(info.num_instructions == 5);
    for (size_t i = 0; i < 5 && i < info.num_instructions; i++) {
        ember_instruction_info ins;
        char buf[64];
        CHECK(ember_method_instruction(m, i, &ins) == EMBER_OK);
        CHECK(ins.kind == EMBER_INSTRUCTION_KERNEL);
        CHECK(strcmp(ins.name, ops[i]) == 0);
        CHECK(strcmp(ember_method_operator_name(m, ins.index, buf, sizeof buf), ops[i]) == 0);
        CHECK(ins.num_args >= 2);
        const ember_value* out = ins.args[ins.num_args - 1];
        CHECK(out->tag == EMBER_VALUE_TENSOR && out->u.t->dim == 2 && out->u.t->sizes[0] == 3 && out->u.t->sizes[1] == widths[i]);
    }
    ember_instruction_info none;
    CHECK(ember_method_instruction(m, 5, &none) == EMBER_INVALID_ARGUMENT);
    CHECK(ember_method_instruction(NULL, 0, &none) == EMBER_INVALID_ARGUMENT);
    CHECK(ember_method_set_event_hook(NULL, record, NULL) == EMBER_INVALID_ARGUMENT);

    static recorder r;
    static ember_profile_counter counters[5];
    uint64_t now = 90;
    ember_profiler prof = {fake_clock, &now, counters, 4, 0}; /* instruction 4 has no counter */
    const uint32_t all[5] = {0, 1, 2, 3, 4};
    const ember_tensor* y = NULL;
    ember_status hook = ember_method_set_event_hook(m, record, &r);
#if EMBER_TEST_EVENTS
    CHECK(hook == EMBER_OK);
    /* Two executes: each reports every instruction once, in order; outputs stay right. */
    for (int run = 0; run < 2; run++) {
        r.count = 0;
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->dim, in->sizes, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        expect_pairs(&r, all, 5, EMBER_OK, "mlp events");
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, want, out_size / 4, 1e-4f);
    }
    /* Cleared: no more calls. */
    r.count = 0;
    CHECK(ember_method_set_event_hook(m, NULL, &r) == EMBER_OK);
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->dim, in->sizes, x) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_OK);
    CHECK(r.count == 0);

    /* The profiler: 3 executes, each call 10 ticks of the fake clock; no malloc on the way. */
    CHECK(ember_method_set_event_hook(m, ember_profiler_event, &prof) == EMBER_OK);
    alloc_calls = 0;
    counting = 1;
    for (int run = 0; run < 3; run++) {
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->dim, in->sizes, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
    }
    counting = 0;
    CHECK(alloc_calls == 0);
    for (int i = 0; i < 4; i++) CHECK(counters[i].calls == 3 && counters[i].ticks == 30);
    CHECK(counters[4].calls == 0 && counters[4].ticks == 0);
    CHECK(now == 90 + 5 * 3 * 2 * 10); /* the clock was read twice per call, the 5th included */
    CHECK(ember_method_set_event_hook(m, NULL, NULL) == EMBER_OK);
#else
    CHECK(hook == EMBER_NOT_SUPPORTED);
    CHECK(strstr(ember_method_error(m), "EMBER_EVENTS=0") != NULL);
    CHECK(ember_method_set_event_hook(m, ember_profiler_event, &prof) == EMBER_NOT_SUPPORTED);
    CHECK(ember_method_set_event_hook(m, NULL, NULL) == EMBER_NOT_SUPPORTED);
#endif
    /* Either way the method runs as before, without malloc, and nothing was recorded beyond
     * what is above. */
    r.count = 0;
    alloc_calls = 0;
    counting = 1;
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->dim, in->sizes, x) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_OK);
    counting = 0;
    CHECK(alloc_calls == 0);
    CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
    CHECK_NEAR_F32((const float*)y->data, want, out_size / 4, 1e-4f);
    expect_pairs(&r, all, 0, EMBER_OK, "no hook, no events");
    ember_method_destroy(m);
    free(file);
    free(x);
    free(want);
}

/* ---- control flow: only the kernels that run are reported --------------------------------- */

static void test_control_flow(void)
{
    ember_program prog;
    ember_method* m = NULL;
    void* file = load_fixture(FIXTURES "control_flow.pte", &prog, &m);
    if (!file) return;
    /* make_fixtures.py: 0 JumpFalse(flag, 4), 1 relu, 2 Move, 3 JumpFalse(false, 7), 4 neg,
     * 5 Move, 6 Free. */
    static const uint32_t kinds[7] = {EMBER_INSTRUCTION_JUMP_FALSE, EMBER_INSTRUCTION_KERNEL, EMBER_INSTRUCTION_MOVE,
                                      EMBER_INSTRUCTION_JUMP_FALSE, EMBER_INSTRUCTION_KERNEL, EMBER_INSTRUCTION_MOVE,
                                      EMBER_INSTRUCTION_FREE};
    static const char* const names[7] = {"jump_false", "aten::relu.out", "move", "jump_false", "aten::neg.out", "move", "free"};
    for (size_t i = 0; i < 7; i++) {
        ember_instruction_info ins;
        CHECK(ember_method_instruction(m, i, &ins) == EMBER_OK);
        CHECK(ins.kind == kinds[i] && strcmp(ins.name, names[i]) == 0);
        CHECK((ins.kind == EMBER_INSTRUCTION_KERNEL) == (ins.num_args > 0));
    }
#if EMBER_TEST_EVENTS
    static recorder r;
    CHECK(ember_method_set_event_hook(m, record, &r) == EMBER_OK);
    float x[3] = {-1.0f, 2.0f, -3.0f};
    int32_t shape[1] = {3};
    for (int flag = 0; flag <= 1; flag++) {
        r.count = 0;
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 1, shape, x) == EMBER_OK);
        CHECK(ember_method_set_input_scalar(m, 1, flag) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        const uint32_t ran = flag ? 1 : 4;
        expect_pairs(&r, &ran, 1, EMBER_OK, flag ? "control flow, relu branch" : "control flow, neg branch");
    }
#endif
    ember_method_destroy(m);
    free(file);
}

/* ---- failures: the END event carries the status execute returns --------------------------- */

static void test_refused_kernel(void)
{
    ember_program prog;
    ember_method* m = NULL;
    void* file = load_fixture(FIXTURES "scalar_index.pte", &prog, &m);
    if (!file) return;
#if EMBER_TEST_EVENTS
    static recorder r;
    CHECK(ember_method_set_event_hook(m, record, &r) == EMBER_OK);
    float x[6] = {1, 2, 3, 4, 5, 6};
    int32_t shape[2] = {2, 3};
    const uint32_t only[1] = {0};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x) == EMBER_OK);
    CHECK(ember_method_set_input_int(m, 1, 1) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_OK);
    expect_pairs(&r, only, 1, EMBER_OK, "select_copy, index 1");
    /* x[5] of a (2, 3) tensor: the kernel's check before each run refuses it. */
    r.count = 0;
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x) == EMBER_OK);
    CHECK(ember_method_set_input_int(m, 1, 5) == EMBER_OK);
    ember_status st = ember_method_execute(m);
    CHECK(st != EMBER_OK);
    expect_pairs(&r, only, 1, st, "select_copy, index 5");
#endif
    ember_method_destroy(m);
    free(file);
}

/* A backend computing out = in * scale (the blob's float) that fails when told to. */
static int backend_fails;
static ember_status scale_memory(const void* blob, size_t bytes, const ember_compile_spec* specs, size_t n, size_t* need)
{
    *need = sizeof(float);
    return bytes == 4 ? EMBER_OK : EMBER_INVALID_ARGUMENT;
}
static ember_status scale_init(void* mem, size_t mem_bytes, const void* blob, size_t bytes, const ember_compile_spec* specs, size_t n, void** handle)
{
    memcpy(mem, blob, 4);
    *handle = mem;
    return EMBER_OK;
}
static ember_status scale_execute(void* handle, ember_value* const* args, size_t n)
{
    if (backend_fails) return EMBER_DELEGATE_FAILED;
    float scale;
    memcpy(&scale, handle, 4);
    const ember_tensor* in = args[0]->u.t;
    for (int64_t i = 0; i < in->numel; i++) ((float*)args[1]->u.t->data)[i] = ((const float*)in->data)[i] * scale;
    return EMBER_OK;
}
static ember_status scale_prepare(void* handle, ember_value* const* args, size_t n)
{
    if (n != 2 || args[0]->tag != EMBER_VALUE_TENSOR || args[1]->tag != EMBER_VALUE_TENSOR) return EMBER_INVALID_ARGUMENT;
    return args[0]->u.t->numel == args[1]->u.t->numel && args[0]->u.t->dtype == EMBER_DTYPE_F32 &&
                   args[1]->u.t->dtype == EMBER_DTYPE_F32
               ? EMBER_OK
               : EMBER_SHAPE_MISMATCH;
}
static const ember_backend scale_backend = {"EmberTestScaleBackend", scale_memory, scale_init, scale_execute, NULL, scale_prepare, NULL};

static void test_delegate(void)
{
    CHECK(ember_backend_register(&scale_backend) == EMBER_OK);
    ember_program prog;
    ember_method* m = NULL;
    void* file = load_fixture(FIXTURES "delegate.pte", &prog, &m);
    if (!file) return;
    /* forward(x) = relu(delegate(x)), the delegate scaling by -2. */
    ember_instruction_info ins;
    CHECK(ember_method_instruction(m, 0, &ins) == EMBER_OK);
    CHECK(ins.kind == EMBER_INSTRUCTION_DELEGATE && ins.index == 0 && strcmp(ins.name, "EmberTestScaleBackend") == 0);
    CHECK(ins.num_args == 2 && ins.args[1]->tag == EMBER_VALUE_TENSOR && ins.args[1]->u.t->numel == 4);
    CHECK(ember_method_instruction(m, 1, &ins) == EMBER_OK);
    CHECK(ins.kind == EMBER_INSTRUCTION_KERNEL && strcmp(ins.name, "aten::relu.out") == 0);
#if EMBER_TEST_EVENTS
    static recorder r;
    CHECK(ember_method_set_event_hook(m, record, &r) == EMBER_OK);
    float x[4] = {1.0f, -1.5f, 0.25f, -3.0f};
    float want[4] = {0.0f, 3.0f, 0.0f, 6.0f};
    int32_t shape[2] = {1, 4};
    const uint32_t both[2] = {0, 1};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_OK);
    expect_pairs(&r, both, 2, EMBER_OK, "delegate then relu");
    const ember_tensor* y;
    CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
    CHECK_NEAR_F32((const float*)y->data, want, 4, 1e-6f);
    /* The backend fails: its END carries the failure, and nothing runs after it. */
    r.count = 0;
    backend_fails = 1;
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_DELEGATE_FAILED);
    expect_pairs(&r, both, 1, EMBER_DELEGATE_FAILED, "failing delegate");
    backend_fails = 0;
#endif
    ember_method_destroy(m);
    free(file);
}

static void test_clock(void)
{
    uint64_t a = ember_clock_monotonic_ns(NULL), b = ember_clock_monotonic_ns(NULL);
    CHECK(a > 0 && b >= a);
    /* Around nothing the fake clock advances by one step: the profiler's floor is 10 ticks, and
     * the caller's counters and `started` are left alone. */
    ember_profile_counter counter = {7, 70};
    uint64_t now = 0;
    ember_profiler prof = {fake_clock, &now, &counter, 1, 1234};
    CHECK(ember_profiler_overhead(&prof) == 10);
    CHECK(counter.calls == 7 && counter.ticks == 70 && prof.started == 1234);
    CHECK(now == 100 * 2 * 10);
    prof.clock = ember_clock_monotonic_ns;
    prof.clock_user = NULL;
    CHECK(ember_profiler_overhead(&prof) < 1000000); /* a clock reading is not a millisecond */
}

int main(void)
{
    test_mlp();
    test_control_flow();
    test_refused_kernel();
    test_delegate();
    test_clock();
    return check_report(EMBER_TEST_EVENTS ? "test_profile" : "test_profile_noevents");
}
