/* fuzz_execute.c — libFuzzer target: a .pte from untrusted bytes through the whole runtime.
 *
 * Loads the program, then for every method: asks its requirements, loads it into memory of
 * exactly that size, sets every input (zeros; scalars 0), executes twice and reads every output.
 * Any status is fine; a crash, an out-of-bounds access or undefined behaviour (under ASan and
 * UBSan with -fno-sanitize-recover=all) is a bug. Built with -fsanitize=fuzzer by `make fuzz`,
 * and with replay_main.c (no libFuzzer) to replay the regression files in `make test`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ember/ember.h"

/* Methods asking for more than this are skipped, not run: the fuzzer hunts memory bugs, not
 * large allocations (the requirements are computed, and checked, before anything is taken). */
#define FUZZ_MAX_METHOD_BYTES ((size_t)64 << 20)

static void* aligned_copy(const uint8_t* data, size_t size)
{
    void* p = aligned_alloc(64, (size + 63) / 64 * 64 + 64);
    if (p && size) memcpy(p, data, size);
    return p;
}

static void run_method(ember_program* prog, const char* name)
{
    ember_method_requirements req;
    if (ember_method_requirements_get(prog, name, &req) != EMBER_OK) return;
    size_t total = req.bookkeeping_bytes;
    for (size_t i = 0; i < req.num_buffers; i++) {
        if (req.buffer_bytes[i] > FUZZ_MAX_METHOD_BYTES - total) return;
        total += req.buffer_bytes[i];
    }
    void* book = malloc(req.bookkeeping_bytes ? req.bookkeeping_bytes : 1);
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    for (size_t i = 1; i < req.num_buffers; i++)
        buffers[i] = aligned_alloc(64, (req.buffer_bytes[i] + 63) / 64 * 64 + 64);
    ember_method* m = NULL;
    if (book && ember_method_load(prog, name, book, req.bookkeeping_bytes, buffers, req.num_buffers, &m) == EMBER_OK) {
        size_t n_in = ember_method_input_count(m);
        void** zeros = calloc(n_in ? n_in : 1, sizeof(void*));
        for (int run = 0; zeros && run < 2; run++) {
            for (size_t i = 0; i < n_in; i++) {
                const ember_value* v = ember_method_input(m, i);
                if (v->tag == EMBER_VALUE_TENSOR) {
                    const ember_tensor* t = v->u.t;
                    if (!zeros[i]) zeros[i] = aligned_alloc(64, (t->nbytes + 63) / 64 * 64 + 64);
                    if (!zeros[i]) continue;
                    memset(zeros[i], 0, t->nbytes);
                    ember_method_set_input(m, i, (ember_dtype)t->dtype, t->dim, t->sizes, zeros[i]);
                } else {
                    ember_method_set_input_scalar(m, i, 0.0);
                }
            }
            if (ember_method_execute(m) != EMBER_OK) break;
            for (size_t o = 0; o < ember_method_output_count(m); o++) {
                const ember_tensor* t;
                if (ember_method_output(m, o, &t) == EMBER_OK && t->nbytes) {
                    volatile uint8_t sink = ((const uint8_t*)t->data)[0];
                    sink = ((const uint8_t*)t->data)[t->nbytes - 1];
                    (void)sink;
                }
            }
        }
        for (size_t i = 0; zeros && i < n_in; i++) free(zeros[i]);
        free(zeros);
        ember_method_destroy(m);
    }
    for (size_t i = 0; i < EMBER_MAX_BUFFERS; i++) free(buffers[i]);
    free(book);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    void* copy = aligned_copy(data, size);
    if (!copy) return 0;
    ember_program prog;
    if (ember_program_load(&prog, copy, size) == EMBER_OK) {
        size_t n = ember_program_method_count(&prog);
        for (size_t i = 0; i < n && i < 4; i++) {
            const char* name = ember_program_method_name(&prog, i);
            if (name) run_method(&prog, name);
        }
    }
    free(copy);
    return 0;
}
