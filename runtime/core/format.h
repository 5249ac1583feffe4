/* format.h — printf-style formatting into a buffer, for the runtime's and the kernels' messages.
 *
 * ember_snprintf / ember_vsnprintf are the C library's snprintf / vsnprintf on hosted builds and
 * Ember's own where EMBER_OWN_FORMAT is 1: on bare metal, newlib's formatter references malloc
 * (for the strings it grows), which firmware must not link. There they are the messages'
 * formatter (ember_message_format), which knows what the messages use and no more: conversions d i u x X o p c s %,
 * lengths hh h l ll z j t, a precision on s; flags and widths are skipped, and a double's
 * conversion is written as it stands (its argument taken). A message that shows a double gives it
 * as text: EMBER_DOUBLE_STR(v), %g's text, printed with %s. tests/python/test_messages.py holds
 * runtime/ and kernels/ to that, so that firmware links a few hundred bytes of formatting, and
 * the double formatting (1.6 KB on a Cortex-M) only where a message shows a double.
 *
 * ember_format is the whole of it: flags - 0 + space #, width and precision (numbers or *),
 * lengths hh h l ll z j t, conversions d i u x X o c s p % and f F e E g G (doubles to 17
 * significant digits, rounded to nearest from the double scaled to them, so a value within an
 * ulp of a decimal tie may round the other way; a message's numbers need no more), held to the C
 * library's text by tests/c/test_format.c; firmware that prints more than messages uses it.
 *
 * Like vsnprintf they write at most n - 1 characters and a NUL (nothing when n is 0) and return
 * the length the whole text would have. */
#ifndef EMBER_RUNTIME_CORE_FORMAT_H
#define EMBER_RUNTIME_CORE_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#ifndef EMBER_OWN_FORMAT
#define EMBER_OWN_FORMAT 0
#endif

int ember_format(char* buf, size_t n, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int ember_message_format(char* buf, size_t n, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int ember_vsnprintf(char* buf, size_t n, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int ember_snprintf(char* buf, size_t n, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

/* v as %g writes it, into buf (EMBER_DOUBLE_STR_BYTES); returns buf. EMBER_DOUBLE_STR(v) gives
 * it a buffer that lives to the end of the enclosing block: a message's "%s" argument. */
#define EMBER_DOUBLE_STR_BYTES 16 /* "-1.79769e+308" */
const char* ember_double_str(char* buf, double v);
#define EMBER_DOUBLE_STR(v) ember_double_str((char[EMBER_DOUBLE_STR_BYTES]){0}, (v))

/* EMBER_MESSAGES (1 unless the build sets 0: CMake option EMBER_MESSAGES) compiles the text of
 * the error messages in; 0 leaves it out. Everything else stays: a call that fails returns the
 * same status and leaves everything as it would with messages, but the error strings
 * (ember_program_error, ember_method_error, a kernel's message) are empty, and neither the
 * formatter nor the messages' strings nor the code computing their arguments is linked: the
 * smallest firmware.
 *
 *   ember_message(buf, n, fmt, ...)   a message into buf (ember_snprintf), or "" without
 *                                     messages, its arguments then not evaluated
 *   EMBER_MESSAGE(fmt, ...)           what a function that formats a message receives: its
 *                                     format and arguments, or "" alone without messages
 *                                     (the function is wrapped in a macro of its own name) */
#ifndef EMBER_MESSAGES
#define EMBER_MESSAGES 1
#endif
#if EMBER_MESSAGES
#define ember_message ember_snprintf
#define EMBER_MESSAGE(...) __VA_ARGS__
#else
static inline int ember_no_message(char* buf, size_t n)
{
    if (n) buf[0] = 0;
    return 0;
}
#define ember_message(buf, n, ...) ember_no_message((buf), (n))
#define EMBER_MESSAGE(...) ""
#endif

#endif /* EMBER_RUNTIME_CORE_FORMAT_H */
