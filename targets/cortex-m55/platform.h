/* platform.h — what Ember's bare-metal firmware needs of the board (startup.c): text out and
 * an exit code, through Arm semihosting (QEMU -semihosting; a debugger on real hardware). */
#ifndef EMBER_FW_PLATFORM_H
#define EMBER_FW_PLATFORM_H

/* Writes a NUL-terminated string to the host's console. */
void ember_fw_puts(const char* s);
/* printf-style into a 256-byte buffer, then ember_fw_puts. */
void ember_fw_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/* Ends the program with `code` as the host's exit status (SYS_EXIT_EXTENDED). */
void ember_fw_exit(int code) __attribute__((noreturn));

#endif
