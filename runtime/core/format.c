/* format.c — Ember's own printf-style formatter and the snprintf the runtime uses (format.h). */
#include "runtime/core/format.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The output: bytes past n - 1 are counted, not written. */
typedef struct out {
    char* buf;
    size_t n, len;
} out;

static void put(out* o, char c)
{
    if (o->len + 1 < o->n) o->buf[o->len] = c;
    o->len++;
}

static void put_n(out* o, char c, int count)
{
    for (int i = 0; i < count; i++) put(o, c);
}

/* One conversion's pieces: sign or prefix, then zeros, then the body, padded to the width. */
typedef struct spec {
    int left, zero, plus, space, alt, width, prec; /* prec -1: none */
} spec;

static void emit(out* o, const spec* s, const char* prefix, const char* body, int len, int zeros)
{
    const int plen = (int)strlen(prefix);
    int pad = s->width - plen - zeros - len;
    if (pad < 0) pad = 0;
    if (!s->left && !s->zero) put_n(o, ' ', pad);
    for (int i = 0; i < plen; i++) put(o, prefix[i]);
    if (!s->left && s->zero) put_n(o, '0', pad);
    put_n(o, '0', zeros);
    for (int i = 0; i < len; i++) put(o, body[i]);
    if (s->left) put_n(o, ' ', pad);
}

/* *v / base (2 to 16) in place, returning the remainder, with 32-bit divisions only: on a 32-bit
 * core a 64-bit one calls libgcc's (__aeabi_uldivmod, 0.8 KB), which firmware need not link.
 * The high word first, then the low word 16 bits at a time (the remainder times 2^16 plus 16
 * bits stays below 2^20). */
static unsigned divmod_small(uint64_t* v, unsigned base)
{
    const uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;
    const uint32_t qh = hi / base;
    uint32_t r = hi % base;
    const uint32_t t1 = r << 16 | lo >> 16, q1 = t1 / base;
    r = t1 % base;
    const uint32_t t0 = r << 16 | (lo & 0xFFFFu), q0 = t0 / base;
    *v = (uint64_t)qh << 32 | q1 << 16 | q0;
    return t0 % base;
}

/* (uint64_t)d for d in [0, 2^64) and (double)m, in two 32-bit halves: exact, and done by the FPU
 * where it has double precision (the 64-bit conversions are libgcc calls on 32-bit Arm). */
static uint64_t to_u64(double d)
{
    const uint32_t hi = (uint32_t)(d * 0x1p-32);
    return (uint64_t)hi << 32 | (uint32_t)(d - (double)hi * 0x1p32);
}
static double from_u64(uint64_t m) { return (double)(uint32_t)(m >> 32) * 0x1p32 + (double)(uint32_t)m; }

/* The length modifier at *f, skipped: 0 int, 1 long, 2 long long / intmax_t, 3 size_t /
 * ptrdiff_t; -1 short, -2 char. */
static int length_at(const char** f)
{
    const char c = **f;
    if (c == 'h' || c == 'l') {
        const int twice = (*f)[1] == c;
        *f += 1 + twice;
        return (c == 'h' ? -1 : 1) * (1 + twice);
    }
    if (c == 'z' || c == 'j' || c == 't') {
        ++*f;
        return c == 'j' ? 2 : 3;
    }
    return 0;
}

/* The argument of an integer conversion of length `size` (sign: d or i), sign- or zero-extended
 * from its type to 64 bits. */
static uint64_t int_arg(va_list* ap, int size, int sign)
{
    if (size == 2) return sign ? (uint64_t)va_arg(*ap, long long) : va_arg(*ap, unsigned long long);
    if (size == 1) return sign ? (uint64_t)(int64_t)va_arg(*ap, long) : va_arg(*ap, unsigned long);
    if (size == 3) return sign ? (uint64_t)(int64_t)va_arg(*ap, ptrdiff_t) : va_arg(*ap, size_t);
    const int x = va_arg(*ap, int);
    return size == -1 ? (sign ? (uint64_t)(short)x : (unsigned short)x)
         : size == -2 ? (sign ? (uint64_t)(signed char)x : (unsigned char)x)
                      : (sign ? (uint64_t)x : (unsigned)x);
}

/* v's digits in `base` (upper: A-F), written backwards to end at `end`; returns the first (end
 * itself for v = 0: no digits). */
static char* digits_of(char* end, uint64_t v, unsigned base, int upper)
{
    while (v) *--end = "0123456789abcdef0123456789ABCDEF"[divmod_small(&v, base) + 16 * upper];
    return end;
}

/* v in `base` (8, 10 or 16; upper: X's digits), after the sign or prefix and the zeros that
 * precision, flags and width ask for. */
static void integer(out* o, const spec* s, uint64_t v, int negative, unsigned base, int upper)
{
    char body[24];
    const char* first = digits_of(body + sizeof body, v, base, upper);
    const int len = (int)(body + sizeof body - first);
    int zeros = s->prec > len ? s->prec - len : (s->prec < 0 && v == 0 ? 1 : 0); /* "%.0d" of 0: nothing */
    const char* prefix = negative ? "-" : s->plus ? "+" : s->space ? " " : "";
    if (s->alt && base == 16 && v) prefix = upper ? "0X" : "0x";
    if (s->alt && base == 8 && zeros == 0 && (len == 0 || *first != '0')) zeros = 1;
    spec t = *s;
    if (t.prec >= 0) t.zero = 0;
    emit(o, &t, prefix, first, len, zeros);
}

static double pow10i(int k)
{
    double r = 1, b = 10;
    for (unsigned a = k < 0 ? (unsigned)-k : (unsigned)k; a; a >>= 1, b *= b)
        if (a & 1) r *= b;
    return k < 0 ? 1 / r : r;
}

/* floor(log10(v)) for v > 0, finite: estimated from the binary exponent (log10(2) is about
 * 78913 / 2^18), then settled against powers of ten (pow10i is exact up to 10^22); no libm. */
static int decimal_exponent(double v)
{
    if (v < 1e-300) return decimal_exponent(v * 1e300) - 300; /* subnormals: 10^x underflows */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    const int e2 = (int)(bits >> 52 & 0x7FF) - 1023;
    int x = e2 >= 0 ? e2 * 78913 / 262144 : -((-e2 * 78913 + 262143) / 262144);
    while (x < 308 && v >= pow10i(x + 1)) x++;
    while (v < pow10i(x)) x--;
    return x;
}

/* n (1 to 17) significant decimal digits of v > 0, finite, rounded to nearest (where the scaled
 * double lands on a tie, the scaling's exact error decides; a true tie goes to even), and the
 * decimal
 * exponent of the first: v ~ 0.d1d2... 10^(e + 1). */
static void sig_digits(double v, int n, char* d, int* e)
{
    uint64_t lo = 1, m = 0;
    for (int i = 1; i < n; i++) lo *= 10;
    int x = decimal_exponent(v);
    for (int tries = 0; tries < 4; tries++) {
        const int s = n - 1 - x;
        double scaled = v;
        if (s > 300) scaled = scaled * 1e300 * pow10i(s - 300); /* denormals: 10^s overflows */
        else scaled = s >= 0 ? scaled * pow10i(s) : scaled / pow10i(-s);
        m = to_u64(scaled);
        const double frac = scaled - from_u64(m);
        if (frac == 0.5) { /* a tie, or the rounding of the scaling made one: its error decides */
            const double err = s >= 0 && s <= 22 ? fma(v, pow10i(s), -scaled)
                             : s < 0 && s >= -22 ? -fma(scaled, pow10i(-s), -v)
                                                 : 0;
            m += err > 0 || (err == 0 && (m & 1)); /* an exact tie (0.25 to 1 digit): to even */
        } else {
            m += frac > 0.5;
        }
        if (m >= lo * 10) x++;
        else if (m < lo) x--;
        else break;
    }
    if (m >= lo * 10) m = lo * 10 - 1; /* the estimate did not settle: keep n digits */
    if (m < lo) m = lo;
    for (int i = n - 1; i >= 0; i--) d[i] = (char)('0' + divmod_small(&m, 10));
    *e = x;
}

/* f / e / g of a double (conv lower case; upper for F E G). */
static void floating(out* o, const spec* sp, double v, char conv, int upper)
{
    spec s = *sp;
    const int negative = signbit(v) != 0;
    const char* sign = negative ? "-" : s.plus ? "+" : s.space ? " " : "";
    char body[400];
    int len = 0;
    if (isnan(v) || isinf(v)) {
        const char* t = isnan(v) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
        s.zero = 0;
        emit(o, &s, sign, t, 3, 0);
        return;
    }
    v = fabs(v);
    int prec = s.prec < 0 ? 6 : s.prec;
    char d[17];
    int e = 0, strip = 0;
    if (conv == 'g') {
        int p = prec == 0 ? 1 : prec;
        if (p > 17) p = 17;
        if (v != 0) sig_digits(v, p, d, &e);
        if (v != 0 && (e < -4 || e >= p)) {
            conv = 'e';
            prec = p - 1;
        } else {
            conv = 'f';
            prec = p - 1 - e;
        }
        strip = !s.alt;
    }
    if (conv == 'e') {
        int p = prec + 1 > 17 ? 17 : prec + 1;
        if (v != 0) sig_digits(v, p, d, &e);
        else memset(d, '0', sizeof d), e = 0;
        body[len++] = d[0];
        if (prec > 0 || s.alt) body[len++] = '.';
        for (int i = 1; i <= prec && len < 360; i++) body[len++] = i < p ? d[i] : '0';
        if (strip) {
            while (len > 1 && body[len - 1] == '0') len--;
            if (body[len - 1] == '.') len--;
        }
        const int ae = e < 0 ? -e : e;
        body[len++] = upper ? 'E' : 'e';
        body[len++] = e < 0 ? '-' : '+';
        if (ae >= 100) body[len++] = (char)('0' + ae / 100);
        body[len++] = (char)('0' + ae / 10 % 10);
        body[len++] = (char)('0' + ae % 10);
    } else { /* f: the digits up to 10^-prec */
        if (prec > 340) prec = 340;
        int x = 0, n = 0;
        if (v != 0) {
            x = decimal_exponent(v);
            n = x + 1 + prec; /* significant digits wanted */
        }
        if (v == 0 || n <= 0) {
            /* below half a unit of the last place rounds to 0, above it to 1 */
            const int one = v != 0 && n == 0 && v * pow10i(prec) > 0.5; /* a tie: to 0, even */
            body[len++] = (char)('0' + (one && prec == 0));
            if (prec > 0 || s.alt) body[len++] = '.';
            for (int i = 1; i <= prec; i++) body[len++] = (char)('0' + (one && i == prec));
        } else {
            sig_digits(v, n > 17 ? 17 : n, d, &x);
            const int have = n > 17 ? 17 : n;
            n = x + 1 + prec; /* the rounding may have carried into a new digit */
            if (x < 0) {
                body[len++] = '0';
                if (prec > 0 || s.alt) body[len++] = '.';
                for (int i = 0; i < -x - 1 && len < 380; i++) body[len++] = '0';
                for (int i = 0; i < n && len < 390; i++) body[len++] = i < have ? d[i] : '0';
            } else {
                for (int i = 0; i <= x && len < 380; i++) body[len++] = i < have ? d[i] : '0';
                if (prec > 0 || s.alt) body[len++] = '.';
                for (int i = x + 1; i < n && len < 390; i++) body[len++] = i < have ? d[i] : '0';
            }
        }
        if (strip && memchr(body, '.', (size_t)len)) {
            while (body[len - 1] == '0') len--;
            if (body[len - 1] == '.') len--;
        }
        if (upper)
            for (int i = 0; i < len; i++)
                if (body[i] >= 'a' && body[i] <= 'z') body[i] = (char)(body[i] - 'a' + 'A');
    }
    emit(o, &s, sign, body, len, 0);
}

int ember_format(char* buf, size_t n, const char* fmt, va_list ap)
{
    out o = {buf, n, 0};
    va_list args;
    va_copy(args, ap);
    for (const char* f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        spec s = {0, 0, 0, 0, 0, 0, -1};
        for (;; f++) {
            const char c = f[1];
            if (c == '-') s.left = 1;
            else if (c == '0') s.zero = 1;
            else if (c == '+') s.plus = 1;
            else if (c == ' ') s.space = 1;
            else if (c == '#') s.alt = 1;
            else break;
        }
        f++;
        if (*f == '*') {
            s.width = va_arg(args, int);
            if (s.width < 0) s.left = 1, s.width = -s.width;
            f++;
        } else {
            while (*f >= '0' && *f <= '9') s.width = s.width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            f++;
            s.prec = 0;
            if (*f == '*') {
                s.prec = va_arg(args, int);
                if (s.prec < 0) s.prec = -1;
                f++;
            } else {
                while (*f >= '0' && *f <= '9') s.prec = s.prec * 10 + (*f++ - '0');
            }
        }
        if (s.left) s.zero = 0;
        const int size = length_at(&f);
        const char c = *f;
        if (!c) break;
        switch (c) {
        case 'd':
        case 'i':
        case 'u':
        case 'x':
        case 'X':
        case 'o':
        case 'p': {
            const int sign = c == 'd' || c == 'i';
            uint64_t v;
            if (c == 'p') {
                v = (uintptr_t)va_arg(args, void*);
                s.alt = 1;
            } else {
                v = int_arg(&args, size, sign);
            }
            const int negative = sign && (int64_t)v < 0;
            if (negative) v = 0 - v;
            if (!sign) s.plus = s.space = 0;
            integer(&o, &s, v, negative, c == 'o' ? 8 : c == 'x' || c == 'X' || c == 'p' ? 16 : 10, c == 'X');
            break;
        }
        case 'c': {
            const char ch = (char)va_arg(args, int);
            s.zero = 0;
            emit(&o, &s, "", &ch, 1, 0);
            break;
        }
        case 's': {
            const char* str = va_arg(args, const char*);
            if (!str) str = "(null)";
            int len = 0;
            while (str[len] && (s.prec < 0 || len < s.prec)) len++;
            s.zero = 0;
            emit(&o, &s, "", str, len, 0);
            break;
        }
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G': {
            floating(&o, &s, va_arg(args, double), (char)(c | 0x20), c < 'a');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default: /* an unknown conversion: written as it stands */
            put(&o, '%');
            put(&o, c);
            break;
        }
    }
    va_end(args);
    if (n) o.buf[o.len < n ? o.len : n - 1] = 0;
    return (int)o.len;
}

/* The messages' formatter (format.h; ember_vsnprintf where EMBER_OWN_FORMAT is 1): what the
 * runtime's and the kernels' messages use and no more — conversions d i u x X o p c s %, lengths hh h l ll z j
 * t, a precision on s (a number or *) — so that firmware links a few hundred bytes of it, not
 * ember_format (tests/python/test_messages.py holds the messages to that). Flags and a width
 * are skipped (a * width's argument taken), as is a precision on anything but s; a double's
 * conversion takes its argument and is written as it stands. */
int ember_message_format(char* buf, size_t n, const char* fmt, va_list ap)
{
    out o = {buf, n, 0};
    va_list args;
    va_copy(args, ap);
    for (const char* f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        const char* conv = f++;
        while (*f == '-' || *f == '+' || *f == ' ' || *f == '#' || *f == '0') f++;
        if (*f == '*') (void)va_arg(args, int), f++;
        while (*f >= '0' && *f <= '9') f++;
        int prec = -1;
        if (*f == '.') {
            prec = 0;
            if (*++f == '*') prec = va_arg(args, int), f++;
            while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
        }
        const int size = length_at(&f);
        const char c = *f;
        if (!c) break;
        uint64_t v;
        unsigned base = 10;
        switch (c) {
        case 's': {
            const char* str = va_arg(args, const char*);
            if (!str) str = "(null)";
            for (int i = 0; str[i] && (prec < 0 || i < prec); i++) put(&o, str[i]);
            continue;
        }
        case 'c': put(&o, (char)va_arg(args, int)); continue;
        case '%': put(&o, '%'); continue;
        case 'd':
        case 'i':
            v = int_arg(&args, size, 1);
            if ((int64_t)v < 0) {
                put(&o, '-');
                v = 0 - v;
            }
            break;
        case 'o': base = 8; /* fall through */
        case 'u':
            v = int_arg(&args, size, 0);
            break;
        case 'p':
            v = (uintptr_t)va_arg(args, void*);
            put(&o, '0');
            put(&o, 'x');
            base = 16;
            break;
        case 'x':
        case 'X':
            v = int_arg(&args, size, 0);
            base = 16;
            break;
        case 'a': case 'A': case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
            (void)va_arg(args, double);
            /* fall through */
        default:
            while (conv <= f) put(&o, *conv++);
            continue;
        }
        char body[24];
        char* end = body + sizeof body;
        char* d = digits_of(end, v, base, c == 'X');
        if (d == end) *--d = '0';
        while (d < end) put(&o, *d++);
    }
    va_end(args);
    if (n) o.buf[o.len < n ? o.len : n - 1] = 0;
    return (int)o.len;
}

const char* ember_double_str(char* buf, double v)
{
#if EMBER_OWN_FORMAT
    out o = {buf, EMBER_DOUBLE_STR_BYTES, 0};
    const spec s = {0, 0, 0, 0, 0, 0, -1};
    floating(&o, &s, v, 'g', 0);
    buf[o.len < EMBER_DOUBLE_STR_BYTES ? o.len : EMBER_DOUBLE_STR_BYTES - 1] = 0;
#else
    snprintf(buf, EMBER_DOUBLE_STR_BYTES, "%g", v);
#endif
    return buf;
}

int ember_vsnprintf(char* buf, size_t n, const char* fmt, va_list ap)
{
#if EMBER_OWN_FORMAT
    return ember_message_format(buf, n, fmt, ap);
#else
    return vsnprintf(buf, n, fmt, ap);
#endif
}

int ember_snprintf(char* buf, size_t n, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int len = ember_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return len;
}
