/* run_ethos_u.c — firmware that runs an Ethos-U program (ExecuTorch's EthosUBackend delegates)
 * from flash with libember_ethos_u linked, as a product's firmware would, but with a stub in
 * place of Arm's NPU driver: QEMU has no Ethos-U, so the command stream never runs. The stub
 * checks what the delegate hands a driver (the command stream and the weights in the program's
 * flash bytes, scratch inside the bookkeeping block, the blob's sizes) and writes a pattern into
 * scratch; the CPU's operators run on both sides of it. Exit status 0 when the run succeeds, the
 * stub saw every delegate with sane regions, and a run without a driver fails as documented.
 * The header MODEL_H is `ember pte2c MODEL.pte --name model --input ...`. */
#include <stdint.h>
#include <string.h>

#include "ember/ethos_u.h"
#include "platform.h"
#include MODEL_H

static ember_program program;
static uint8_t book[64 * 1024] __attribute__((aligned(16)));
static uint8_t arena[model_ARENA_BYTES + EMBER_BUFFER_ALIGN] __attribute__((aligned(EMBER_BUFFER_ALIGN)));
static size_t book_bytes;
static int calls, bad;

static int in(uint64_t p, size_t n, const void* base, size_t base_n)
{
    uintptr_t b = (uintptr_t)base;
    return p >= b && n <= base_n && p - b <= base_n - n;
}

/* What firmware's hook over ethos-u-core-driver does (docs/npu.md), minus the NPU. */
static int stub_invoke(void* user, const void* cmd, size_t cmd_bytes, const uint64_t* base, const size_t* sizes,
                       int num_regions)
{
    calls++;
    if (user != &calls || num_regions != EMBER_ETHOS_U_NUM_REGIONS) return bad++, 1;
    if (!in((uintptr_t)cmd, cmd_bytes, model, sizeof model) || memcmp(cmd, "COP", 3) != 0) bad++;
    if (sizes[0] && !in(base[0], sizes[0], model, sizeof model)) bad++;
    if (!in(base[1], sizes[1], book, book_bytes) || base[1] % 16) bad++;
    uint8_t* scratch = (uint8_t*)(uintptr_t)base[1];
    for (size_t i = 0; i < sizes[1]; i++) scratch[i] = (uint8_t)(i * 37 + 11);
    return 0;
}

int main(void)
{
    ember_status st = ember_ethos_u_register();
    if (!st) st = ember_program_load(&program, model, sizeof model);
    ember_method_requirements req;
    if (!st) st = ember_method_requirements_get(&program, model_METHOD, &req);
    if (st || req.bookkeeping_bytes > sizeof book) {
        ember_fw_printf("ethos-u: cannot load: %s %s\n", ember_status_str(st), ember_program_error(&program));
        return 1;
    }
    book_bytes = req.bookkeeping_bytes;
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    size_t used = 0;
    for (size_t i = 1; i < req.num_buffers; i++) {
        buffers[i] = arena + used;
        used += (req.buffer_bytes[i] + EMBER_BUFFER_ALIGN - 1) / EMBER_BUFFER_ALIGN * EMBER_BUFFER_ALIGN;
    }
    ember_method* m;
    st = ember_method_load(&program, model_METHOD, book, req.bookkeeping_bytes, buffers, req.num_buffers, &m);
    if (st) {
        ember_fw_printf("ethos-u: method load: %s %s\n", ember_status_str(st), ember_program_error(&program));
        return 2;
    }
    ember_method_info info;
    ember_method_info_get(m, &info);
    /* no driver: the delegate refuses to run */
    st = ember_method_set_input(m, 0, (ember_dtype)model_input0_DTYPE, model_input0_DIM, model_input0_sizes, model_input0);
    if (st || ember_method_execute(m) != EMBER_NOT_SUPPORTED) return 3;
    ember_ethos_u_set_driver(stub_invoke, &calls);
    st = ember_method_set_input(m, 0, (ember_dtype)model_input0_DTYPE, model_input0_DIM, model_input0_sizes, model_input0);
    if (!st) st = ember_method_execute(m);
    ember_fw_printf("ethos-u: %u delegate(s), bookkeeping %u bytes (NPU scratch included), %d invoke(s), %d bad: %s\n",
                    (unsigned)info.num_delegates, (unsigned)req.bookkeeping_bytes, calls, bad,
                    st ? ember_method_error(m) : "ok");
    ember_method_destroy(m);
    return st || bad || calls != (int)info.num_delegates || !calls ? 4 : 0;
}
