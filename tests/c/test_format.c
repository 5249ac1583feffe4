/* test_format.c — Ember's own printf-style formatter (runtime/core/format.h, what bare-metal
 * builds format messages with) against the C library's vsnprintf on the same format and value:
 * every integer, string, character and pointer conversion with flags, width, precision and
 * lengths; doubles in %f / %e / %g and their variants on values away from decimal ties (the
 * formatter rounds the double scaled to 17 significant digits, which a value within an ulp of a
 * tie may round the other way); then what it does past 17 digits, truncation and counting. */
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>

#include "runtime/core/format.h"
#include "tests/c/check.h"

/* ember_format and vsnprintf agree on fmt and its arguments: text and returned length. */
static void same(const char* fmt, ...)
{
    char want[512], got[512];
    va_list a, b;
    va_start(a, fmt);
    va_copy(b, a);
    const int lw = vsnprintf(want, sizeof want, fmt, a);
    const int lg = ember_format(got, sizeof got, fmt, b);
    va_end(a);
    va_end(b);
    const int ok = lw == lg && strcmp(want, got) == 0;
    if (!ok) fprintf(stderr, "format \"%s\": libc [%s] %d, ember [%s] %d\n", fmt, want, lw, got, lg);
    CHECK(ok);
}

/* ember_snprintf into a buffer of n bytes writes `want` and returns `len`. */
static void exact(size_t n, const char* want, int len, const char* fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    const int got = ember_format(buf, n, fmt, ap);
    va_end(ap);
    const int ok = got == len && (n == 0 || strcmp(buf, want) == 0);
    if (!ok) fprintf(stderr, "format \"%s\" into %zu bytes: [%s] %d, want [%s] %d\n", fmt, n, buf, got, want, len);
    CHECK(ok);
}

/* ember_message_format and vsnprintf agree on what messages use (format.h). */
static void same_message(const char* fmt, ...)
{
    char want[512], got[512];
    va_list a, b;
    va_start(a, fmt);
    va_copy(b, a);
    const int lw = vsnprintf(want, sizeof want, fmt, a);
    const int lg = ember_message_format(got, sizeof got, fmt, b);
    va_end(a);
    va_end(b);
    const int ok = lw == lg && strcmp(want, got) == 0;
    if (!ok) fprintf(stderr, "message \"%s\": libc [%s] %d, ember [%s] %d\n", fmt, want, lw, got, lg);
    CHECK(ok);
}

/* ember_message_format into a buffer of n bytes writes `want` and returns `len`. */
static void exact_message(size_t n, const char* want, int len, const char* fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    const int got = ember_message_format(buf, n, fmt, ap);
    va_end(ap);
    const int ok = got == len && (n == 0 || strcmp(buf, want) == 0);
    if (!ok) fprintf(stderr, "message \"%s\" into %zu bytes: [%s] %d, want [%s] %d\n", fmt, n, buf, got, want, len);
    CHECK(ok);
}

/* The messages' formatter: every conversion and length messages use against the C library, over
 * the ends of each type's range; what it skips (flags, widths) and what it writes as it stands
 * (a double's conversion), each argument taken; truncation and counting as vsnprintf's. */
static void test_message_format(void)
{
    static const long long ints[] = {0, 1, -1, 7, -42, 255, 65536, 1000000, 2147483647, -2147483647 - 1,
                                     9223372036854775807LL, -9223372036854775807LL - 1};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        const long long v = ints[i];
        same_message("%lld|%llu|%llx|%llX|%llo|%lli", v, (unsigned long long)v, (unsigned long long)v,
                     (unsigned long long)v, (unsigned long long)v, v);
        same_message("%d|%u|%x|%i|%hd|%hu|%hhd|%hhu|%c", (int)v, (unsigned)v, (unsigned)v, (int)v, (int)v,
                     (unsigned)v, (int)v, (unsigned)v, (int)(v & 0x7f) | 0x20);
        same_message("%ld|%lu|%zu|%jd|%td|%" PRIu32 "|%" PRId32 "|%" PRIu64 "|%" PRId64, (long)v, (unsigned long)v,
                     (size_t)v, (intmax_t)v, (ptrdiff_t)v, (uint32_t)v, (int32_t)v, (uint64_t)v, (int64_t)v);
    }
    same_message("%s|%.2s|%.*s|%.0s|%s|%%|%.10s", "abc", "abc", 3, "abcdef", "abc", "", "short");
    same_message("no conversions");
    same_message("%s '%s%s%s': %zu of %u", "unknown operator", "aten::add", ".", "out", (size_t)3, 4u);
    same_message("%p", (void*)0x1234);
    /* skipped: flags and widths (a * width's argument taken); a precision on anything but s */
    exact_message(64, "42|42|7|-3", 10, "%5d|%-+5d|%*d|%.3d", 42, 42, 8, 7, -3);
    /* a double's conversion as it stands, its argument taken */
    exact_message(64, "%g 7 %.3f x", 11, "%g %d %.3f %s", 1.5, 7, 2.0, "x");
    exact_message(5, "abcd", 8, "%s", "abcdefgh");
    exact_message(1, "", 3, "%d", 123);
    exact_message(0, "", 11, "%s %d", "hello", 12345);
    exact_message(64, "(null)", 6, "%s", (const char*)NULL);
}

int main(void)
{
    test_message_format();
    static const long long ints[] = {0, 1, -1, 7, -42, 255, 65536, 1000000, 2147483647, -2147483647 - 1,
                                     9223372036854775807LL, -9223372036854775807LL - 1};
    static const char* const int_formats[] = {"%lld", "%5lld", "%-5lld|", "%05lld", "%+lld", "% lld",
                                              "%.3lld", "%.0lld", "%8.3lld", "%-+8lld|", "%llx", "%#llx",
                                              "%llX", "%#llX", "%llo", "%#llo", "%llu", "%020llu"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        for (size_t j = 0; j < sizeof int_formats / sizeof int_formats[0]; j++) same(int_formats[j], ints[i]);
    for (int v = -300; v <= 300; v += 37) {
        same("%d|%5d|%-5d|%05d|%+d|% d|%.4d|%x|%#o|%hd|%hhd|%hhu|%c", v, v, v, v, v, v, v, v, v, v, v, v, v & 0x7f);
        same("%ld %lu %zu %u", (long)v * 100000L, (unsigned long)v, (size_t)(v + 300), (unsigned)v);
    }
    same("%s|%10s|%-10s|%.2s|%10.2s|%%|%c|%5c|%-3c|", "abc", "abc", "abc", "abc", "abc", 'z', 'y', 'x');
    same("%*d|%-*d|%*d|%.*s|%.*f", 6, 42, 6, 42, -6, 42, 3, "abcdef", 2, 3.14159);
    same("%p %p", (void*)0x1234, (void*)&ints);
    same("%s", "");
    same("no conversions");

    static const double values[] = {0.0, -0.0, 1, -1, 0.25, 0.1, -0.001, 1.0 / 3, 2.0 / 3, 1e-5, 1e-4,
                                    9.9999e-5, 123.456, 65504, 123456, 1234567, 12345678, 1e15, 1e16,
                                    3.14159265358979, 2.718281828459045, 1e-8, 6.02214076e23,
                                    1.602176634e-19, 1e-300, 4.9406564584124654e-324, 1e300, 0.05};
    static const char* const float_formats[] = {"%g", "%e", "%.3g", "%.1g", "%.10g", "%G", "%E", "%+g",
                                                "% g", "%-12g|", "%12g|", "%010.3g", "%10.3e", "%.1e",
                                                "%.0e", "%#.3g", "%.15g"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        for (size_t j = 0; j < sizeof float_formats / sizeof float_formats[0]; j++)
            same(float_formats[j], values[i]);
    static const double fixed[] = {0.0, -0.0, 1, -1, 0.25, 0.1, -0.001, 1.0 / 3, 123.456, 65504, 1e-5, 1e15,
                                   1e-300, 3.14159265358979};
    static const char* const fixed_formats[] = {"%f", "%.2f", "%.0f", "%10.3f|", "%-10.1f|", "%+.4f",
                                                "%08.2f", "%#.0f", "%F", "%.12f"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        for (size_t j = 0; j < sizeof fixed_formats / sizeof fixed_formats[0]; j++)
            same(fixed_formats[j], fixed[i]);
    /* around every power of ten from 1e-30 to 1e30, where the decimal exponent is settled, and at
     * the ends of the range; to 15 digits (17 need more than a double's scaling: format.h), %f
     * below 10^14 (past 17 significant digits it prints zeros) */
    for (int k = -30; k <= 30; k++) {
        const double p = pow(10.0, k);
        const double around[3] = {nextafter(p, 0.0), p, nextafter(p, INFINITY)};
        for (int i = 0; i < 3; i++) {
            same("%g|%e|%.15g", around[i], around[i], around[i]);
            if (k < 14) same("%.3f|%.0f", around[i], around[i]);
        }
    }
    same("%g %e", DBL_MAX, DBL_MAX);
    same("%g %e %.15g %g", DBL_MIN, DBL_MIN, DBL_MIN, 2.2250738585072009e-308);
    same("%.2f %.2f %.0f", 99.995, 0.125, 2.5);
    same("%f %e %g %F %E %G", NAN, INFINITY, -INFINITY, (double)NAN, -(double)INFINITY, (double)INFINITY);
    same("%5.1f|%-8g|%08g", (double)INFINITY, (double)NAN, -(double)INFINITY);

    /* past 17 significant digits: zeros */
    exact(64, "100000000000000000000.000", 25, "%.3f", 1e20);
    exact(64, "1.0000000000000000000e+20", 25, "%.19e", 1e20);
    /* truncation: n - 1 characters and a NUL, the whole length returned; n 0 writes nothing */
    exact(5, "abcd", 8, "%s", "abcdefgh");
    exact(1, "", 3, "%d", 123);
    exact(0, "", 11, "%s %d", "hello", 12345);
    exact(8, "-1.5e+0", 8, "%g", -1.5e+07);
    /* ember_snprintf is the library's on this (hosted) build */
    char buf[32];
    CHECK(ember_snprintf(buf, sizeof buf, "%s=%g", "eps", 1e-5) == 9 && strcmp(buf, "eps=1e-05") == 0);
    printf("test_format: %d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}
