/* run_model.c — firmware that runs one program from flash on its test vectors and checks every
 * output byte for byte: the header MODEL_H (`ember pte2c MODEL.pte --name model --input ...
 * --expect ...`) holds the program, its inputs and the expected outputs (those of the same
 * program on the host). The planned arena is a static array sized by the header; the bookkeeping
 * a static pool (its exact size is printed). Exit status 0 when every output matches. */
#include <stdint.h>
#include <string.h>

#include "ember/ember.h"
#include "platform.h"
#include MODEL_H

#ifndef BOOKKEEPING_BYTES
#define BOOKKEEPING_BYTES (96 * 1024)
#endif
#ifndef ARENA_SECTION
#define ARENA_SECTION ".bss"
#endif

static ember_program program;
static uint8_t book[BOOKKEEPING_BYTES] __attribute__((aligned(16)));
static uint8_t arena[model_ARENA_BYTES + EMBER_BUFFER_ALIGN]
    __attribute__((aligned(EMBER_BUFFER_ALIGN), section(ARENA_SECTION)));

int main(void)
{
    ember_status st = ember_program_load(&program, model, model_BYTES);
    if (st) {
        ember_fw_printf("load: %s: %s\n", ember_status_str(st), ember_program_error(&program));
        return 2;
    }
    ember_method_requirements req;
    if ((st = ember_method_requirements_get(&program, model_METHOD, &req))) {
        ember_fw_printf("requirements: %s: %s\n", ember_status_str(st), ember_program_error(&program));
        return 2;
    }
    ember_fw_printf("program: %u bytes in flash; method '%s': %u bookkeeping bytes (pool %u), "
                    "%u planned bytes (arena %u)\n", (unsigned)model_BYTES, model_METHOD,
                    (unsigned)req.bookkeeping_bytes, (unsigned)sizeof book,
                    (unsigned)model_ARENA_BYTES, (unsigned)sizeof arena);
    if (req.bookkeeping_bytes > sizeof book) {
        ember_fw_printf("the bookkeeping pool is too small: build with -DBOOKKEEPING_BYTES=%u\n",
                        (unsigned)req.bookkeeping_bytes);
        return 3;
    }
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    size_t used = 0;
    for (size_t i = 1; i < req.num_buffers; i++) {
        buffers[i] = arena + used;
        used += (req.buffer_bytes[i] + EMBER_BUFFER_ALIGN - 1) / EMBER_BUFFER_ALIGN * EMBER_BUFFER_ALIGN;
    }
    if (used > sizeof arena) {
        ember_fw_printf("the arena is too small: %u bytes planned\n", (unsigned)used);
        return 3;
    }
    ember_method* method;
    st = ember_method_load(&program, model_METHOD, book, req.bookkeeping_bytes, buffers,
                           req.num_buffers, &method);
    if (st) {
        ember_fw_printf("method load: %s: %s\n", ember_status_str(st), ember_program_error(&program));
        return 2;
    }
    for (size_t i = 0; i < model_NUM_INPUTS; i++) {
        st = ember_method_set_input(method, i, (ember_dtype)model_input_dtypes[i],
                                    (size_t)model_input_dims[i], model_input_sizes[i], model_inputs[i]);
        if (st) {
            ember_fw_printf("input %u: %s: %s\n", (unsigned)i, ember_status_str(st), ember_method_error(method));
            return 2;
        }
    }
    if ((st = ember_method_execute(method))) {
        ember_fw_printf("execute: %s: %s\n", ember_status_str(st), ember_method_error(method));
        return 2;
    }
    int failed = (size_t)model_NUM_EXPECTED != ember_method_output_count(method);
    if (failed)
        ember_fw_printf("%u outputs, %u expected\n", (unsigned)ember_method_output_count(method),
                        (unsigned)model_NUM_EXPECTED);
    for (size_t i = 0; !failed && i < model_NUM_EXPECTED; i++) {
        const ember_tensor* out;
        if ((st = ember_method_output(method, i, &out))) {
            ember_fw_printf("output %u: %s\n", (unsigned)i, ember_status_str(st));
            return 2;
        }
        const size_t bytes = (size_t)out->numel * ember_dtype_size(out->dtype);
        size_t differ = 0, first = 0;
        if (out->dtype != model_expect_dtypes[i] || bytes != model_expect_bytes[i]) {
            ember_fw_printf("output %u: %s, %u bytes; expected %s, %u bytes\n", (unsigned)i,
                            ember_dtype_name(out->dtype), (unsigned)bytes,
                            ember_dtype_name(model_expect_dtypes[i]), (unsigned)model_expect_bytes[i]);
            failed = 1;
            continue;
        }
        const uint8_t* got = out->data;
        for (size_t b = bytes; b-- > 0;)
            if (got[b] != model_expects[i][b]) differ++, first = b;
        ember_fw_printf("output %u: %s, %u bytes: %s", (unsigned)i, ember_dtype_name(out->dtype),
                        (unsigned)bytes, differ ? "" : "bit-identical to the host\n");
        if (differ)
            ember_fw_printf("%u bytes differ, the first at %u\n", (unsigned)differ, (unsigned)first);
        failed |= differ != 0;
    }
    ember_fw_puts(failed ? "FAIL\n" : "PASS\n");
    return failed;
}
