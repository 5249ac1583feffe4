/* run_model.c — firmware that runs one program from flash on its test vectors and checks every
 * output byte for byte: the header MODEL_H (`ember pte2c MODEL.pte --name model --input ...
 * --expect ...`) holds the program, its inputs and the expected outputs (those of the same
 * program on the host). The planned arena is a static array sized by the header; the bookkeeping
 * a static pool (its exact size is printed). It runs once per kernel pass the core has
 * (platform.h: the portable kernels, then the DSP extension's, then Helium's; the others' features
 * masked off before the method loads), each checked. Exit status 0 when every output of every
 * pass matches.
 *
 * For make bench-m55 (bench.sh, icount_plugin.c): each pass's ember_method_execute is followed
 * by ember_method_output, and an event hook calls ember_fw_op_begin / ember_fw_op_end around
 * each kernel call; after each pass the runner prints the operator of every call in order. */
#include <stdint.h>
#include <string.h>

#include "ember/ember.h"
#include "kernels/kernel.h" /* ember_kernel_cpu_mask_set: the portable pass */
#include "platform.h"
#include MODEL_H

#ifndef BOOKKEEPING_BYTES
#define BOOKKEEPING_BYTES (96 * 1024)
#endif
#ifndef ARENA_SECTION
#define ARENA_SECTION ".bss"
#endif
#define MAX_CALLS 512

static ember_program program;
static uint8_t book[BOOKKEEPING_BYTES] __attribute__((aligned(16)));
static uint8_t arena[model_ARENA_BYTES + EMBER_BUFFER_ALIGN]
    __attribute__((aligned(EMBER_BUFFER_ALIGN), section(ARENA_SECTION)));

/* Markers for the instruction-count plugin: empty, never inlined or dropped. */
__attribute__((noinline, noipa)) void ember_fw_op_begin(void) { __asm volatile(""); }
__attribute__((noinline, noipa)) void ember_fw_op_end(void) { __asm volatile(""); }

static uint32_t calls[MAX_CALLS];
static size_t num_calls;

static void on_event(void* user, uint32_t instruction, ember_event_phase phase, ember_status st)
{
    (void)user, (void)st;
    if (phase == EMBER_EVENT_BEGIN) {
        if (num_calls < MAX_CALLS) calls[num_calls] = instruction;
        num_calls++;
        ember_fw_op_begin();
    } else {
        ember_fw_op_end();
    }
}

/* Loads the method (the kernels pick by the CPU features left unmasked), runs it on the test
 * vectors and checks every output; 0 when all match. */
static int run_pass(const char* pass, const ember_method_requirements* req, void** buffers)
{
    ember_method* method;
    ember_status st = ember_method_load(&program, model_METHOD, book, req->bookkeeping_bytes,
                                        buffers, req->num_buffers, &method);
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
    num_calls = 0;
    ember_method_set_event_hook(method, on_event, NULL);
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
        ember_fw_printf("%s: output %u: %s, %u bytes: %s", pass, (unsigned)i,
                        ember_dtype_name(out->dtype), (unsigned)bytes,
                        differ ? "" : "bit-identical to the host\n");
        if (differ)
            ember_fw_printf("%u bytes differ, the first at %u\n", (unsigned)differ, (unsigned)first);
        failed |= differ != 0;
    }
    for (size_t c = 0; c < num_calls && c < MAX_CALLS; c++) {
        ember_instruction_info info;
        if (ember_method_instruction(method, calls[c], &info) == EMBER_OK)
            ember_fw_printf("call %s %u %s\n", pass, (unsigned)calls[c], info.name);
    }
    ember_method_destroy(method);
    return failed;
}

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
    int failed = 0;
    for (size_t i = 0; i < EMBER_FW_NUM_PASSES; i++) {
        if (!ember_fw_pass_begin(i)) continue;
        failed |= run_pass(ember_fw_passes[i].name, &req, buffers);
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    ember_fw_puts(failed ? "FAIL\n" : "PASS\n");
    return failed;
}
