/* test_main.c — runs one of Ember's host C tests (its main renamed ember_test_main by
 * test_shim.h) on the target once per kernel pass the core has (platform.h: the portable
 * kernels, then the DSP extension's, then Helium's), each against the test's own references.
 * Exit status 0 when every pass passes. */
#include "ember/ember.h"
#include "kernels/kernel.h"
#include "platform.h"

int ember_test_main(void);

int main(void)
{
    int failed = 0;
    for (size_t i = 0; i < EMBER_FW_NUM_PASSES; i++) {
        if (!ember_fw_pass_begin(i)) continue;
        ember_fw_printf("pass %u: the %s kernels\n", (unsigned)i + 1, ember_fw_passes[i].name);
        failed |= ember_test_main();
    }
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    return failed;
}
