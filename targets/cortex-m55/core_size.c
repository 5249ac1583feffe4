/* core_size.c — the smallest firmware that loads and runs a program: the core runtime (loader,
 * verifier, method loading, the execute loop) with an empty operator table (no kernels), so that
 * `make size` can report what the runtime itself costs. It is built, sized and run: with no
 * program in flash it loads the bytes below (not a program: the loader refuses them) and exits 0
 * when the refusal is the expected one. */
#include "ember/ember.h"
#include "platform.h"

static ember_program program;
static uint8_t book[4096] __attribute__((aligned(16)));

int main(void)
{
    static const uint8_t not_a_program[64] __attribute__((aligned(16))) = {0};
    const ember_status st = ember_program_load(&program, not_a_program, sizeof not_a_program);
    if (st == EMBER_OK) { /* unreachable with these bytes; keeps the method path linked */
        ember_method_requirements req;
        ember_method* m;
        void* buffers[EMBER_MAX_BUFFERS] = {0};
        if (ember_method_requirements_get(&program, "forward", &req) ||
            ember_method_load(&program, "forward", book, sizeof book, buffers, req.num_buffers, &m) ||
            ember_method_execute(m))
            return 1;
        return 2;
    }
    ember_fw_puts("core: a non-program refused (");
    ember_fw_puts(ember_status_str(st));
    ember_fw_puts(")\n");
    return st == EMBER_MALFORMED_PROGRAM ? 0 : 3;
}
