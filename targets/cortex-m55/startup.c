/* startup.c — reset, vector table and semihosting for Ember's Cortex-M firmware (an547.ld):
 * copies .data from its load address, zeroes .bss, enables the FPU and Helium (CP10 / CP11 full
 * access), calls main and passes its return value to the host as the exit status. Any fault
 * prints its name and exits with status 128 + the exception number. */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "platform.h"
#include "runtime/core/format.h"

int main(void);

extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __bss2_start[], __bss2_end[], __stack_top[];

/* Semihosting call `op` with parameter block `arg` (the M-profile trap: bkpt 0xab). */
static int semihost(int op, const void* arg)
{
    register int r0 __asm__("r0") = op;
    register const void* r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void ember_fw_puts(const char* s) { semihost(0x04 /* SYS_WRITE0 */, s); }

void ember_fw_printf(const char* fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    ember_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ember_fw_puts(buf);
}

void ember_fw_printf_full(const char* fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    ember_format(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ember_fw_puts(buf);
}

void ember_fw_exit(int code)
{
    const uint32_t block[2] = {0x20026 /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
    semihost(0x20 /* SYS_EXIT_EXTENDED */, block);
    for (;;) __asm__ volatile("wfi");
}

void ember_fw_reset(void) __attribute__((noreturn));
void ember_fw_reset(void)
{
    memcpy(__data_start, __data_load, (size_t)((char*)__data_end - (char*)__data_start));
    memset(__bss_start, 0, (size_t)((char*)__bss_end - (char*)__bss_start));
    memset(__bss2_start, 0, (size_t)((char*)__bss2_end - (char*)__bss2_start));
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    volatile uint32_t* const cpacr = (volatile uint32_t*)0xE000ED88u;
    *cpacr |= 0xFu << 20; /* CP10, CP11: the FPU and MVE, full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    ember_fw_exit(main());
}

static void fault(int number)
{
    static const char* const names[] = {"", "reset", "NMI", "HardFault", "MemManage", "BusFault",
                                        "UsageFault", "SecureFault"};
    /* spelled out without the formatter, which an image need not link */
    char num[4] = {(char)('0' + number / 10 % 10), (char)('0' + number % 10), ')', 0};
    ember_fw_puts("firmware: ");
    ember_fw_puts(number < 8 ? names[number] : "interrupt");
    ember_fw_puts(" (exception ");
    ember_fw_puts(num[0] == '0' ? num + 1 : num);
    ember_fw_puts("\n");
    ember_fw_exit(128 + number);
}

#define HANDLER(n)                                                                              \
    static void handler_##n(void) { fault(n); }
HANDLER(2)
HANDLER(3)
HANDLER(4)
HANDLER(5)
HANDLER(6)
HANDLER(7)
static void handler_other(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    fault((int)(ipsr & 0x1ff));
}

/* The core's exceptions (Armv8-M: 16 entries) and a few interrupts, all to fault(). */
__attribute__((section(".vectors"), used)) static void (*const vectors[32])(void) = {
    (void (*)(void))__stack_top, ember_fw_reset, handler_2, handler_3, handler_4, handler_5,
    handler_6, handler_7, handler_other, handler_other, handler_other, handler_other,
    handler_other, handler_other, handler_other, handler_other, handler_other, handler_other,
    handler_other, handler_other, handler_other, handler_other, handler_other, handler_other,
    handler_other, handler_other, handler_other, handler_other, handler_other, handler_other,
    handler_other, handler_other};
