/* platform.h — what Ember's bare-metal firmware needs of the board (startup.c): text out and
 * an exit code, through Arm semihosting (QEMU -semihosting; a debugger on real hardware). */
#ifndef EMBER_FW_PLATFORM_H
#define EMBER_FW_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "ember/ember.h"
#include "kernels/kernel.h"             /* ember_kernel_cpu_mask_set */
#include "kernels/optimized/i8_mcu.h" /* EMBER_HAVE_DSP, EMBER_HAVE_HELIUM */

/* Writes a NUL-terminated string to the host's console. */
void ember_fw_puts(const char* s);
/* printf-style into a 256-byte buffer, then ember_fw_puts: with the runtime's messages'
 * formatter (ember_snprintf: %s, %u and the like, no widths or doubles; runtime/core/format.h),
 * what the runner prints. */
void ember_fw_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with the whole of printf's conversions (ember_format: widths, doubles), for the C
 * tests built as firmware (test_shim.h). */
void ember_fw_printf_full(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* Ends the program with `code` as the host's exit status (SYS_EXIT_EXTENDED). */
void ember_fw_exit(int code) __attribute__((noreturn));

/* The kernel passes a firmware test runs, in order: the portable kernels (every microcontroller
 * feature masked off), then the fast kernels the build has for its core (kernels/optimized/
 * i8_mcu.h): the DSP extension's on the M4 and M7, Helium's on the M55. */
#define EMBER_FW_FEATURES (EMBER_CPU_BIT(EMBER_CPU_DSP) | EMBER_CPU_BIT(EMBER_CPU_HELIUM))
static const struct {
    const char* name;
    uint64_t allow; /* the features this pass leaves unmasked; a pass runs when the core has them */
} ember_fw_passes[] = {
    {"portable", 0},
#if EMBER_HAVE_DSP
    {"dsp", EMBER_CPU_BIT(EMBER_CPU_DSP)},
#endif
#if EMBER_HAVE_HELIUM
    {"helium", EMBER_CPU_BIT(EMBER_CPU_DSP) | EMBER_CPU_BIT(EMBER_CPU_HELIUM)},
#endif
};
#define EMBER_FW_NUM_PASSES (sizeof ember_fw_passes / sizeof ember_fw_passes[0])

/* Starts pass i when the core has every feature it allows: masks the kernels' others off
 * (ember_kernel_cpu_mask_set) and returns 1; 0 when the core lacks one. */
static inline int ember_fw_pass_begin(size_t i)
{
    if ((ember_cpu_features() & ember_fw_passes[i].allow) != ember_fw_passes[i].allow) return 0;
    ember_kernel_cpu_mask_set(~(EMBER_FW_FEATURES & ~ember_fw_passes[i].allow));
    return 1;
}

#endif
