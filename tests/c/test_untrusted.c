/* test_untrusted.c — what the loader refuses, and what it lets run safely, in programs that are
 * hostile or odd. Files: tests/data/regress/ (programs that once crashed Ember or gave wrong
 * answers, from fuzzing) and tests/data/fixtures/ (made by tests/data/make_fixtures.py).
 *   - moves that change a value's kind, dtype or shape, kernels writing the program's constants
 *     or a caller's input, planned offsets or constants misaligned for their dtype: refused at
 *     load with a message naming the problem;
 *   - the file mapped read-only, and inputs lent from read-only pages, run (nothing writes them);
 *   - an input the planner shares with another tensor (even exactly the same bytes) is consumed
 *     by execute; an input never set is refused;
 *   - scalar inputs take only values of their kind; kernels reading them, or reading a value a
 *     MoveCall replaced, are prepared again before they run, so a bad value fails the execute;
 *   - planned buffers must be aligned; an inspection-only method cannot run;
 *   - empty tensors never point at NULL. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "ember/ember.h"
#include "tests/c/check.h"
#include "tests/c/program_harness.h"

/* Loads file's "forward"; returns the first failing status (program load, requirements, load). */
static ember_status load_file(const char* path, void** file, ember_program* prog, ember_method** m)
{
    size_t size;
    *m = NULL;
    *file = th_read_file(path, &size);
    if (!*file) return EMBER_NOT_FOUND;
    ember_status st = ember_program_load(prog, *file, size);
    return st ? st : th_load(prog, "forward", m);
}

static void expect_refused(const char* name, ember_status want, const char* words)
{
    char path[512];
    snprintf(path, sizeof path, REGRESS "%s", name);
    void* file;
    ember_program prog;
    ember_method* m;
    ember_status st = load_file(path, &file, &prog, &m);
    const char* err = ember_program_error(&prog);
    bool ok = st == want && strstr(err, words) != NULL;
    if (!ok) fprintf(stderr, "%s: got %s: %s (want %s, '%s')\n", name, ember_status_str(st), err, ember_status_str(want), words);
    CHECK(ok);
    free(file);
}

static void test_refused_at_load(void)
{
    expect_refused("segv-movecall-type-confusion__move_int_into_tensor.pte", EMBER_MALFORMED_PROGRAM, "a move keeps the kind");
    expect_refused("asan-movecall-shape-confusion-oob-read__move_small_into_big_borrowed.pte", EMBER_MALFORMED_PROGRAM, "of another dtype, shape");
    expect_refused("asan-movecall-shape-confusion-oob-write__move_small_into_mm_out_borrowed.pte", EMBER_MALFORMED_PROGRAM, "of another dtype, shape");
    expect_refused("silent-wrong-result-move-into-input__crash-33291eca287b96c1429041f954bedcaeecd35586", EMBER_MALFORMED_PROGRAM, "inputs are never move targets");
    expect_refused("segv-kernel-writes-constant__const_kernel_out.pte", EMBER_MALFORMED_PROGRAM, "a constant of the program");
    expect_refused("segv-kernel-writes-borrowed-const-input__inplace_borrowed_input.pte", EMBER_MALFORMED_PROGRAM, "memory the caller lends");
    expect_refused("ubsan-misaligned-planned-offset__misaligned_offset_relu.pte", EMBER_MALFORMED_PROGRAM, "planned offset 17 is not aligned for float32");
    expect_refused("ubsan-misaligned-planned-offset__ubsan-misaligned-planned-offset-matmul.pte", EMBER_MALFORMED_PROGRAM, "is not aligned for float32");
    expect_refused("ubsan-misaligned-planned-offset__crash-76795e8b40d47adc3480bc5ea139d585e7ad961c", EMBER_MALFORMED_PROGRAM, "is not aligned for float32");
    expect_refused("ubsan-misaligned-planned-offset__min-misaligned-planned-offset.pte", EMBER_MALFORMED_PROGRAM, "is not 4-byte aligned");
}

/* The program's bytes mapped read-only, as firmware runs them from flash: a real program runs,
 * and one whose kernel would write a constant is refused before anything runs. */
static void test_read_only_file(void)
{
    size_t size;
    void* bytes = th_read_file(FIXTURES "mlp.pte", &size);
    float* x = th_read_file(FIXTURES "mlp.input.bin", &(size_t){0});
    size_t want_bytes;
    float* want = th_read_file(FIXTURES "mlp.expected.bin", &want_bytes);
    CHECK(bytes && x && want);
    if (!bytes || !x || !want) return;
    void* ro = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED);
    memcpy(ro, bytes, size);
    CHECK(mprotect(ro, size, PROT_READ) == 0);
    ember_program prog;
    ember_method* m = NULL;
    ember_status st = ember_program_load(&prog, ro, size);
    if (!st) st = th_load(&prog, "forward", &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        const ember_tensor* in = ember_method_input(m, 0)->u.t;
        const ember_tensor* y;
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->dim, in->sizes, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, want, want_bytes / 4, 1e-4f);
    }
    munmap(ro, size);
    free(bytes);

    bytes = th_read_file(REGRESS "segv-kernel-writes-constant__const_kernel_out.pte", &size);
    CHECK(bytes != NULL);
    if (bytes) {
        ro = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memcpy(ro, bytes, size);
        mprotect(ro, size, PROT_READ);
        st = ember_program_load(&prog, ro, size);
        if (!st) st = th_load(&prog, "forward", &m);
        CHECK(st == EMBER_MALFORMED_PROGRAM);
        munmap(ro, size);
        free(bytes);
    }
    free(x);
    free(want);
}

/* The zoo's broadcast model as exported: an input slot that another tensor reuses exactly. Run
 * once with every input, then set only input 0: the execute must refuse (before the fix it ran
 * and gave a wrong answer with status OK), and with every input set again it gives the first
 * answer bit for bit. */
static void test_exact_alias_input(void)
{
    void* file;
    ember_program prog;
    ember_method* m;
    ember_status st = load_file(REGRESS "silent-wrong-result-input-slot-exact-alias__broadcast.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (st) return;
    size_t n = ember_method_input_count(m);
    float data[3][64];
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 64; k++) data[i][k] = (float)(k % 7) - 2.5f + (float)i;
    bool clobbered_any = false;
    uint8_t first[4096];
    const ember_tensor* y;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < n; i++) {
            const ember_tensor* t = ember_method_input(m, i)->u.t;
            CHECK(t->nbytes <= sizeof data[i]);
            CHECK(ember_method_set_input(m, i, (ember_dtype)t->dtype, t->dim, t->sizes, data[i]) == EMBER_OK);
        }
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK && y->nbytes <= sizeof first);
        if (round == 0) {
            memcpy(first, y->data, y->nbytes);
            const ember_tensor* t0 = ember_method_input(m, 0)->u.t;
            CHECK(ember_method_set_input(m, 0, (ember_dtype)t0->dtype, t0->dim, t0->sizes, data[0]) == EMBER_OK);
            st = ember_method_execute(m);
            clobbered_any = st == EMBER_INPUT_NOT_SET;
            CHECK(clobbered_any);
            CHECK(strstr(ember_method_error(m), "must be set before every execute") != NULL);
        } else {
            CHECK(memcmp(first, y->data, y->nbytes) == 0);
        }
    }
    free(file);
}

static void test_inputs_must_be_set(void)
{
    void* file;
    ember_program prog;
    ember_method* m;
    CHECK(load_file(FIXTURES "mlp.pte", &file, &prog, &m) == EMBER_OK);
    if (m) {
        CHECK(ember_method_execute(m) == EMBER_INPUT_NOT_SET);
        CHECK(strstr(ember_method_error(m), "input 0 is not set") != NULL);
    }
    free(file);
}

/* An Int scalar input takes integral values in int64's range only (NaN, inf, 1e300 and 2.7
 * were once converted with undefined behaviour); a Bool takes 0 or 1. */
static void test_scalar_inputs(void)
{
    void* file;
    ember_program prog;
    ember_method* m;
    ember_status st = load_file(REGRESS "ubsan-set_input_scalar-float-cast__int_scalar_input.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        CHECK(ember_method_input(m, 1)->tag == EMBER_VALUE_INT);
        const double bad[] = {NAN, INFINITY, -INFINITY, 1e300, -1e300, 2.7, 9223372036854775808.0};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            CHECK(ember_method_set_input_scalar(m, 1, bad[i]) == EMBER_INVALID_ARGUMENT);
            CHECK(strstr(ember_method_error(m), "not an integer in int64's range") != NULL);
        }
        CHECK(ember_method_set_input_scalar(m, 1, -9223372036854775808.0) == EMBER_OK);
        CHECK(ember_method_set_input_scalar(m, 1, 3.0) == EMBER_OK);
        CHECK(ember_method_input(m, 1)->u.i == 3);
        float x[4] = {-1, 2, -3, 4};
        const ember_tensor* t = ember_method_input(m, 0)->u.t;
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, t->dim, t->sizes, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
    }
    free(file);

    st = load_file(FIXTURES "control_flow.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        CHECK(ember_method_set_input_scalar(m, 1, 0.5) == EMBER_INVALID_ARGUMENT);
        CHECK(ember_method_set_input_scalar(m, 1, NAN) == EMBER_INVALID_ARGUMENT);
        CHECK(ember_method_set_input_int(m, 1, 2) == EMBER_INVALID_ARGUMENT);
        CHECK(ember_method_set_input_int(m, 1, 1) == EMBER_OK);
        CHECK(ember_method_set_input_scalar(m, 1, 1.0) == EMBER_OK);
    }
    free(file);
}

static void set_x(ember_method* m, const float* x)
{
    int32_t shape[2] = {2, 3};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x) == EMBER_OK);
}

static void test_changing_values_rechecked(void)
{
    const float x[6] = {1, 2, 3, 4, 5, 6};
    const ember_tensor* y;
    void* file;
    ember_program prog;
    ember_method* m;
    ember_status st = load_file(FIXTURES "scalar_index.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        set_x(m, x);
        CHECK(ember_method_set_input_scalar(m, 1, 1.0) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, x + 3, 3, 0.0f);
        set_x(m, x);
        CHECK(ember_method_set_input_scalar(m, 1, 5.0) == EMBER_OK); /* an Int, out of range */
        CHECK(ember_method_execute(m) != EMBER_OK);
        CHECK(strstr(ember_method_error(m), "select_copy") != NULL);
        set_x(m, x);
        CHECK(ember_method_set_input_scalar(m, 1, -2.0) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, x, 3, 0.0f);
        /* Exactly, past 2^53: INT64_MIN is set, then refused by the kernel at execute. */
        set_x(m, x);
        CHECK(ember_method_set_input_int(m, 1, INT64_MIN) == EMBER_OK);
        CHECK(ember_method_input(m, 1)->u.i == INT64_MIN);
        CHECK(ember_method_execute(m) != EMBER_OK);
        set_x(m, x);
        CHECK(ember_method_set_input_int(m, 1, 1) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, x + 3, 3, 0.0f);
        CHECK(ember_method_set_input_int(m, 0, 1) == EMBER_DTYPE_MISMATCH); /* a tensor input */
    }
    free(file);

    st = load_file(FIXTURES "moved_index.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        set_x(m, x);
        CHECK(ember_method_set_input_scalar(m, 1, 0.0) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK); /* no move: x[0] */
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, x, 3, 0.0f);
        set_x(m, x);
        CHECK(ember_method_set_input_scalar(m, 1, 1.0) == EMBER_OK);
        CHECK(ember_method_execute(m) != EMBER_OK); /* k = 7: refused, not read past x */
        CHECK(strstr(ember_method_error(m), "instruction 2") != NULL);
    }
    free(file);
}

/* A lent input is read in place: from read-only pages it runs; misaligned it is refused. The
 * one lent tensor a program may write is an input it also returns (mutable_input.pte). */
static void test_lent_inputs(void)
{
    void* file;
    ember_program prog;
    ember_method* m;
    ember_status st = load_file(FIXTURES "borrowed_input.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        CHECK(ember_method_input(m, 0)->u.t->storage == EMBER_TENSOR_BORROWED);
        float* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        const float x[5] = {0, -1, 2, -3, 4};
        memcpy(page, x, sizeof x);
        mprotect(page, 4096, PROT_READ);
        int32_t shape[1] = {4};
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 1, shape, (const char*)page + 2) == EMBER_INVALID_ARGUMENT);
        CHECK(strstr(ember_method_error(m), "not aligned for float32") != NULL);
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 1, shape, page + 1) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        const ember_tensor* y;
        const float want[4] = {0, 2, 0, 4};
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
        CHECK_NEAR_F32((const float*)y->data, want, 4, 0.0f);
        munmap(page, 4096);
    }
    free(file);

    st = load_file(FIXTURES "mutable_input.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        float x[4] = {-1, 2, -3, 4};
        const float want[4] = {0, 2, 0, 4};
        int32_t shape[1] = {4};
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 1, shape, x) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        CHECK_NEAR_F32(x, want, 4, 0.0f);
    }
    free(file);
}

static void test_buffers_and_inspection(void)
{
    size_t size;
    void* file = th_read_file(FIXTURES "mlp.pte", &size);
    ember_program prog;
    CHECK(file && ember_program_load(&prog, file, size) == EMBER_OK);
    if (!file) return;
    ember_method_requirements req;
    CHECK(ember_method_requirements_get(&prog, "forward", &req) == EMBER_OK);
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    for (size_t i = 1; i < req.num_buffers; i++) buffers[i] = th_arena + 8;
    ember_method* m;
    CHECK(ember_method_load(&prog, "forward", th_book, req.bookkeeping_bytes, buffers, req.num_buffers, &m) == EMBER_INVALID_ARGUMENT);
    CHECK(strstr(ember_program_error(&prog), "is not 16-byte aligned") != NULL);

    CHECK(ember_method_load(&prog, "forward", th_book, req.bookkeeping_bytes, NULL, 0, &m) == EMBER_OK);
    CHECK(ember_method_input_count(m) == 1 && ember_method_output_count(m) == 1);
    const ember_tensor* in = ember_method_input(m, 0)->u.t;
    CHECK(in->dim == 2 && in->data == NULL);
    float x[64] = {0};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, in->dim, in->sizes, x) == EMBER_INVALID_ARGUMENT);
    CHECK(ember_method_execute(m) == EMBER_INVALID_ARGUMENT);
    CHECK(strstr(ember_method_error(m), "inspection only") != NULL);
    free(file);
}

/* An empty tensor whose other sizes multiply past 2^31 (its strides would overflow int64 on
 * the way; found by fuzzing) is refused, naming why. */
static void test_empty_but_wide(void)
{
    void* file;
    ember_program prog;
    ember_method* m;
    CHECK(load_file(REGRESS "ubsan-tensor-stride-overflow-zero-size__empty_wide.pte", &file, &prog, &m) == EMBER_NOT_SUPPORTED);
    CHECK(strstr(ember_program_error(&prog), "strides would overflow") != NULL);
    free(file);
}

/* A zero-byte planned buffer may be NULL; the empty tensors in it still point somewhere. */
static void test_empty_tensors(void)
{
    void* file;
    ember_program prog;
    ember_method* m;
    ember_status st = load_file(REGRESS "ubsan-null-plus-zero-offset__zerosize.pte", &file, &prog, &m);
    CHECK(st == EMBER_OK);
    if (!st) {
        const ember_tensor* t = ember_method_input(m, 0)->u.t;
        CHECK(t->nbytes == 0 && t->data != NULL);
        CHECK(ember_method_set_input(m, 0, (ember_dtype)t->dtype, t->dim, t->sizes, NULL) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK);
        const ember_tensor* y;
        CHECK(ember_method_output(m, 0, &y) == EMBER_OK && y->nbytes == 0 && y->data != NULL);
    }
    free(file);
}

int main(void)
{
    test_refused_at_load();
    test_read_only_file();
    test_exact_alias_input();
    test_inputs_must_be_set();
    test_scalar_inputs();
    test_lent_inputs();
    test_changing_values_rechecked();
    test_buffers_and_inspection();
    test_empty_tensors();
    test_empty_but_wide();
    return check_report("test_untrusted");
}
