/* cpu_mask.c — which CPU features kernels may pick at load (see kernel.h). */
#include "kernels/kernel.h"

static uint64_t g_cpu_mask = ~(uint64_t)0;

void ember_kernel_cpu_mask_set(uint64_t mask)
{
    g_cpu_mask = mask;
}

uint64_t ember_kernel_cpu_features(void)
{
    return ember_cpu_features() & g_cpu_mask;
}
