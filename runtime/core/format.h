/* format.h — printf-style formatting into a buffer, for the runtime's and the kernels' messages.
 *
 * ember_snprintf / ember_vsnprintf are the C library's snprintf / vsnprintf on hosted builds and
 * Ember's own formatter (ember_format) where EMBER_OWN_FORMAT is 1: on bare metal, newlib's
 * formatter references malloc (for the strings it grows), which firmware must not link. The
 * own formatter knows what the messages use: flags - 0 + space #, width and precision (numbers
 * or *), lengths hh h l ll z j t, conversions d i u x X o c s p % and f F e E g G (doubles to 17
 * significant digits, rounded to nearest from the double scaled to them, so a value within an ulp of a decimal tie may round the other way; a message's numbers need no more). Like
 * vsnprintf it writes at most n - 1 characters and a NUL (nothing when n is 0) and returns the
 * length the whole text would have. */
#ifndef EMBER_RUNTIME_CORE_FORMAT_H
#define EMBER_RUNTIME_CORE_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#ifndef EMBER_OWN_FORMAT
#define EMBER_OWN_FORMAT 0
#endif

int ember_format(char* buf, size_t n, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int ember_vsnprintf(char* buf, size_t n, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int ember_snprintf(char* buf, size_t n, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* EMBER_RUNTIME_CORE_FORMAT_H */
