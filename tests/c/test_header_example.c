/* test_header_example.c — the usage example at the top of include/ember/ember.h, step by step,
 * with static memory as firmware would use it, on the MLP fixture: the manual must compile and
 * be right. */
#include <stdio.h>
#include <string.h>

#include "ember/ember.h"
#include "tests/c/check.h"

static uint8_t file[64 * 1024] __attribute__((aligned(16)));   /* stands in for flash */
static uint8_t book[64 * 1024] __attribute__((aligned(16)));
static uint8_t arena[256 * 1024] __attribute__((aligned(16)));
static size_t arena_used;

static void* my_arena_take(size_t bytes)
{
    void* p = arena + arena_used;
    arena_used += (bytes + 15) / 16 * 16;
    return arena_used <= sizeof arena ? p : NULL;
}

static size_t load_file(const char* path, void* dst, size_t cap)
{
    FILE* f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(dst, 1, cap, f);
    fclose(f);
    return n;
}

int main(void)
{
    size_t file_size = load_file("tests/data/fixtures/mlp.pte", file, sizeof file);
    float x[3 * 12], want[3 * 5];
    CHECK(file_size > 0 && file_size < sizeof file);
    CHECK(load_file("tests/data/fixtures/mlp.input.bin", x, sizeof x) == sizeof x);
    CHECK(load_file("tests/data/fixtures/mlp.expected.bin", want, sizeof want) == sizeof want);

    /* 1. */
    ember_program prog;
    ember_status st = ember_program_load(&prog, file, file_size);
    if (st != EMBER_OK) printf("%s\n", ember_program_error(&prog));
    CHECK(st == EMBER_OK);

    /* 2. */
    ember_method_requirements req;
    CHECK(ember_method_requirements_get(&prog, "forward", &req) == EMBER_OK);
    CHECK(req.bookkeeping_bytes <= sizeof book);
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    for (size_t i = 1; i < req.num_buffers; i++) buffers[i] = my_arena_take(req.buffer_bytes[i]);
    ember_method* m = NULL;
    st = ember_method_load(&prog, "forward", book, sizeof book, buffers, req.num_buffers, &m);
    CHECK(st == EMBER_OK);
    if (st) return check_report("test_header_example");

    /* 3. */
    int32_t shape[2] = {3, 12};
    CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 2, shape, x) == EMBER_OK);
    CHECK(ember_method_execute(m) == EMBER_OK);
    const ember_tensor* y;
    CHECK(ember_method_output(m, 0, &y) == EMBER_OK);
    CHECK(y->dim == 2 && y->sizes[0] == 3 && y->sizes[1] == 5 && y->dtype == EMBER_DTYPE_F32);
    CHECK_NEAR_F32((const float*)y->data, want, 15, 1e-4f);
    ember_method_destroy(m);
    return check_report("test_header_example");
}
