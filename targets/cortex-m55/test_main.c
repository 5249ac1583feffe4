/* test_main.c — runs one of Ember's host C tests (its main renamed ember_test_main by
 * test_shim.h) on the target: on a core with Helium twice, first with EMBER_CPU_HELIUM masked
 * off (the portable kernels), then with it (the Helium ones), each against the test's own
 * references. Exit status 0 when both pass. */
#include "ember/ember.h"
#include "kernels/kernel.h"
#include "platform.h"

int ember_test_main(void);

int main(void)
{
    const uint64_t helium = EMBER_CPU_BIT(EMBER_CPU_HELIUM);
    if (!(ember_cpu_features() & helium)) return ember_test_main();
    ember_fw_puts("pass 1: the portable kernels\n");
    ember_kernel_cpu_mask_set(~helium);
    int failed = ember_test_main();
    ember_fw_puts("pass 2: the Helium kernels\n");
    ember_kernel_cpu_mask_set(~(uint64_t)0);
    failed |= ember_test_main();
    return failed;
}
