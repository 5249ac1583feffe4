/* npy.c — NumPy .npy reading and writing (see npy.h). */
#define _POSIX_C_SOURCE 200809L

#include "tools/npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The .npy type strings Ember reads and writes: kind and size after the byte-order character. */
static const struct {
    const char* type; /* "f4": the descr without its byte-order character */
    int dtype;
} types[] = {
    {"f4", EMBER_DTYPE_F32}, {"f8", EMBER_DTYPE_F64}, {"f2", EMBER_DTYPE_F16},
    {"i8", EMBER_DTYPE_I64}, {"i4", EMBER_DTYPE_I32}, {"i2", EMBER_DTYPE_I16},
    {"i1", EMBER_DTYPE_I8},  {"u1", EMBER_DTYPE_U8},  {"b1", EMBER_DTYPE_BOOL},
    {"u2", EMBER_DTYPE_U16}, {"u4", EMBER_DTYPE_U32}, {"u8", EMBER_DTYPE_U64},
};
#define NUM_TYPES (sizeof types / sizeof types[0])

static int fail(char* err, size_t n, const char* path, const char* fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err, n, "%s: %s", path, what);
    return -1;
}

/* ---- the header: a Python dict literal ----------------------------------------------- */

typedef struct header_parser {
    const char* p;   /* next character */
    const char* end; /* one past the last character of the dict's text */
    char* err;
    size_t err_bytes;
    const char* path;
} header_parser;

static void skip_space(header_parser* h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r')) h->p++;
}

static int expect(header_parser* h, char c, const char* where)
{
    skip_space(h);
    if (h->p >= h->end || *h->p != c)
        return fail(h->err, h->err_bytes, h->path, "bad .npy header: expected '%c' %s", c, where);
    h->p++;
    return 0;
}

/* A quoted string without escapes ('descr' or "descr"); *s and *n point into the header. */
static int parse_string(header_parser* h, const char** s, size_t* n, const char* what)
{
    skip_space(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
        return fail(h->err, h->err_bytes, h->path, "bad .npy header: %s is not a quoted string", what);
    char quote = *h->p++;
    const char* start = h->p;
    while (h->p < h->end && *h->p != quote) {
        if (*h->p == '\\' || *h->p == '\n')
            return fail(h->err, h->err_bytes, h->path, "bad .npy header: %s has an escape or a line break", what);
        h->p++;
    }
    if (h->p >= h->end)
        return fail(h->err, h->err_bytes, h->path, "bad .npy header: %s is an unterminated string", what);
    *s = start;
    *n = (size_t)(h->p - start);
    h->p++;
    return 0;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* True or False, as a whole word. */
static int parse_bool(header_parser* h, int* value)
{
    skip_space(h);
    size_t left = (size_t)(h->end - h->p);
    int v = -1;
    size_t len = 0;
    if (left >= 4 && memcmp(h->p, "True", 4) == 0) v = 1, len = 4;
    else if (left >= 5 && memcmp(h->p, "False", 5) == 0) v = 0, len = 5;
    if (v < 0 || (len < left && is_name_char(h->p[len])))
        return fail(h->err, h->err_bytes, h->path, "bad .npy header: 'fortran_order' is not True or False");
    h->p += len;
    *value = v;
    return 0;
}

/* A tuple of non-negative decimal integers, each at most INT32_MAX: (), (5,), (2, 3), (2, 3,). */
static int parse_shape(header_parser* h, npy_array* out)
{
    if (expect(h, '(', "to open 'shape' (a tuple)")) return -1;
    size_t n = 0;
    for (;;) {
        skip_space(h);
        if (h->p < h->end && *h->p == ')') break;
        if (h->p >= h->end || *h->p < '0' || *h->p > '9')
            return fail(h->err, h->err_bytes, h->path,
                        "bad .npy header: shape entry %zu is not a non-negative integer", n);
        if (*h->p == '0' && h->p + 1 < h->end && h->p[1] >= '0' && h->p[1] <= '9')
            return fail(h->err, h->err_bytes, h->path, "bad .npy header: shape entry %zu has a leading zero", n);
        uint64_t v = 0;
        while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
            v = v * 10 + (uint64_t)(*h->p++ - '0');
            if (v > INT32_MAX)
                return fail(h->err, h->err_bytes, h->path,
                            "shape entry %zu is larger than %d (Ember's sizes are 32-bit)", n, INT32_MAX);
        }
        if (h->p < h->end && !strchr(" \t\r\n,)", *h->p)) /* 2.0, 2L, 2_0, 0x2 */
            return fail(h->err, h->err_bytes, h->path,
                        "bad .npy header: shape entry %zu is not a plain integer", n);
        if (n == EMBER_MAX_DIMS)
            return fail(h->err, h->err_bytes, h->path, "rank above %d is not supported", EMBER_MAX_DIMS);
        out->sizes[n++] = (int32_t)v;
        skip_space(h);
        if (h->p < h->end && *h->p == ',') {
            h->p++;
            continue;
        }
        if (h->p < h->end && *h->p == ')') {
            if (n == 1) /* "(5)" is the number 5 in Python, not a tuple */
                return fail(h->err, h->err_bytes, h->path, "bad .npy header: 'shape' (n) is not a tuple; (n,) is");
            break;
        }
        return fail(h->err, h->err_bytes, h->path, "bad .npy header: expected ',' or ')' in 'shape'");
    }
    h->p++; /* ')' */
    out->dim = n;
    return 0;
}

/* descr "<f4", "|u1", ...: little-endian, or '|' (no byte order) for one-byte types. */
static int parse_descr(header_parser* h, const char* s, size_t n, npy_array* out)
{
    for (size_t i = 0; n == 3 && i < NUM_TYPES; i++) {
        if (memcmp(s + 1, types[i].type, 2) != 0) continue;
        int one_byte = types[i].type[1] == '1';
        if (s[0] == '<' || (one_byte && (s[0] == '|' || s[0] == '>'))) {
            out->dtype = types[i].dtype;
            return 0;
        }
        if (s[0] == '>')
            return fail(h->err, h->err_bytes, h->path,
                        "big-endian dtype '%.3s' is not supported (save it little-endian: "
                        "a.astype('<%.2s'))", s, s + 1);
        break;
    }
    return fail(h->err, h->err_bytes, h->path,
                "dtype '%.*s' is not supported (float16/32/64, int8/16/32/64, uint8/16/32/64 "
                "and bool, little-endian)", (int)(n < 40 ? n : 40), s);
}

/* The header text (after the length field), `len` bytes ending in '\n', and the number of
 * bytes left in the file after it. */
static int parse_header(const char* path, const char* text, size_t len, uint64_t data_bytes,
                        npy_array* out, int* fortran_order, char* err, size_t err_bytes)
{
    if (len == 0 || text[len - 1] != '\n')
        return fail(err, err_bytes, path, "bad .npy header: not terminated by a newline");
    if (memchr(text, 0, len))
        return fail(err, err_bytes, path, "bad .npy header: contains a NUL byte");
    header_parser h = {text, text + len - 1, err, err_bytes, path};
    if (expect(&h, '{', "at the start of the header")) return -1;
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
    for (;;) {
        skip_space(&h);
        if (h.p < h.end && *h.p == '}') break;
        const char* key;
        size_t key_len;
        if (parse_string(&h, &key, &key_len, "a key")) return -1;
        if (expect(&h, ':', "after a key")) return -1;
        if (key_len == 5 && memcmp(key, "descr", 5) == 0 && !seen_descr) {
            const char* s;
            size_t n;
            skip_space(&h);
            if (h.p < h.end && *h.p == '[')
                return fail(err, err_bytes, path, "structured dtypes are not supported");
            if (parse_string(&h, &s, &n, "'descr'") || parse_descr(&h, s, n, out)) return -1;
            seen_descr = 1;
        } else if (key_len == 13 && memcmp(key, "fortran_order", 13) == 0 && !seen_fortran) {
            if (parse_bool(&h, fortran_order)) return -1;
            seen_fortran = 1;
        } else if (key_len == 5 && memcmp(key, "shape", 5) == 0 && !seen_shape) {
            if (parse_shape(&h, out)) return -1;
            seen_shape = 1;
        } else {
            int dup = (key_len == 5 && (!memcmp(key, "descr", 5) || !memcmp(key, "shape", 5))) ||
                      (key_len == 13 && !memcmp(key, "fortran_order", 13));
            return fail(err, err_bytes, path, "bad .npy header: %s key '%.*s'", dup ? "repeated" : "unexpected",
                        (int)(key_len < 40 ? key_len : 40), key);
        }
        skip_space(&h);
        if (h.p < h.end && *h.p == ',') {
            h.p++;
            continue;
        }
        if (h.p < h.end && *h.p == '}') break;
        return fail(err, err_bytes, path, "bad .npy header: expected ',' or '}' after a value");
    }
    h.p++; /* '}' */
    while (h.p < h.end && (*h.p == ' ' || *h.p == '\t')) h.p++;
    if (h.p != h.end) return fail(err, err_bytes, path, "bad .npy header: text after the closing '}'");
    if (!seen_descr || !seen_fortran || !seen_shape)
        return fail(err, err_bytes, path, "bad .npy header: missing key '%s'",
                    !seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape");

    /* The data must be exactly numel * itemsize bytes: no more, no less. */
    uint64_t bytes = ember_dtype_size(out->dtype);
    for (size_t i = 0; i < out->dim; i++) {
        uint64_t d = (uint64_t)out->sizes[i];
        if (d && bytes > UINT64_MAX / d)
            return fail(err, err_bytes, path, "shape's byte count overflows");
        bytes *= d;
    }
    if (bytes != data_bytes)
        return fail(err, err_bytes, path, "the shape needs %llu data bytes but the file has %llu after the header%s",
                    (unsigned long long)bytes, (unsigned long long)data_bytes,
                    bytes < data_bytes ? " (trailing data)" : " (truncated data)");
    if (bytes > SIZE_MAX) return fail(err, err_bytes, path, "the array is too large for this machine");
    out->nbytes = (size_t)bytes;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------- */

static int read_exactly(int fd, void* buf, size_t n)
{
    unsigned char* p = buf;
    while (n) {
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* Fortran order (first index fastest) to C order (last index fastest). */
static void fortran_to_c(void* dst, const void* src, const npy_array* a)
{
    size_t item = ember_dtype_size(a->dtype);
    size_t fstride[EMBER_MAX_DIMS], idx[EMBER_MAX_DIMS] = {0};
    size_t numel = 1;
    for (size_t d = 0; d < a->dim; d++) {
        fstride[d] = numel;
        numel *= (size_t)a->sizes[d];
    }
    size_t off = 0; /* Fortran element offset of idx */
    for (size_t i = 0; i < numel; i++) {
        memcpy((char*)dst + i * item, (const char*)src + off * item, item);
        for (size_t d = a->dim; d-- > 0;) { /* next C-order index */
            if (++idx[d] < (size_t)a->sizes[d]) {
                off += fstride[d];
                break;
            }
            off -= fstride[d] * (idx[d] - 1);
            idx[d] = 0;
        }
    }
}

int npy_read(const char* path, npy_array* out, char* err, size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    out->dtype = -1;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below). */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return fail(err, err_bytes, path, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fail(err, err_bytes, path, "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, err_bytes, path, S_ISDIR(st.st_mode) ? "is a directory, not a .npy file"
                                                              : "is not a regular file");
    }
    uint64_t size = (uint64_t)st.st_size;
    unsigned char pre[12];
    if (size < 10 || read_exactly(fd, pre, 10) || memcmp(pre, "\x93NUMPY", 6) != 0) {
        close(fd);
        return fail(err, err_bytes, path, "not a .npy file (no \\x93NUMPY magic)");
    }
    uint64_t hlen, prefix;
    if (pre[6] == 1 && pre[7] == 0) {
        hlen = (uint64_t)pre[8] | ((uint64_t)pre[9] << 8);
        prefix = 10;
    } else if ((pre[6] == 2 || pre[6] == 3) && pre[7] == 0) {
        if (size < 12 || read_exactly(fd, pre + 10, 2)) {
            close(fd);
            return fail(err, err_bytes, path, "truncated header");
        }
        hlen = (uint64_t)pre[8] | ((uint64_t)pre[9] << 8) | ((uint64_t)pre[10] << 16) | ((uint64_t)pre[11] << 24);
        prefix = 12;
    } else {
        close(fd);
        return fail(err, err_bytes, path, "unsupported .npy format version %u.%u (1.0, 2.0 and 3.0 are read)",
                    pre[6], pre[7]);
    }
    if (hlen > NPY_MAX_HEADER_BYTES) {
        close(fd);
        return fail(err, err_bytes, path, "header of %llu bytes is longer than %d", (unsigned long long)hlen,
                    NPY_MAX_HEADER_BYTES);
    }
    if (prefix + hlen > size) {
        close(fd);
        return fail(err, err_bytes, path, "truncated header (%llu bytes claimed, %llu in the file)",
                    (unsigned long long)hlen, (unsigned long long)(size - prefix));
    }
    char text[NPY_MAX_HEADER_BYTES + 1]; /* on the stack: no allocation before the checks */
    int fortran = 0;
    if (read_exactly(fd, text, (size_t)hlen)) {
        close(fd);
        return fail(err, err_bytes, path, "cannot read the header");
    }
    if (parse_header(path, text, (size_t)hlen, size - prefix - hlen, out, &fortran, err, err_bytes)) {
        close(fd);
        memset(out, 0, sizeof *out);
        return -1;
    }
    /* Only now, with nbytes equal to what the file holds, is anything allocated. */
    int convert = fortran && out->dim > 1;
    void* data = out->nbytes ? malloc(out->nbytes) : NULL;
    void* tmp = convert && out->nbytes ? malloc(out->nbytes) : NULL;
    if (out->nbytes && (!data || (convert && !tmp))) {
        free(data);
        free(tmp);
        close(fd);
        size_t n = out->nbytes;
        memset(out, 0, sizeof *out);
        return fail(err, err_bytes, path, "cannot allocate %zu bytes for the array", n * (convert ? 2 : 1));
    }
    if (out->nbytes && read_exactly(fd, convert ? tmp : data, out->nbytes)) {
        free(data);
        free(tmp);
        close(fd);
        memset(out, 0, sizeof *out);
        return fail(err, err_bytes, path, "truncated data (the file changed while read)");
    }
    close(fd);
    if (convert && out->nbytes) fortran_to_c(data, tmp, out);
    free(tmp);
    out->data = data;
    return 0;
}

/* ---- writing ------------------------------------------------------------------------- */

int npy_write(const char* path, int dtype, size_t dim, const int32_t* sizes, const void* data,
              char* err, size_t err_bytes)
{
    const char* type = NULL;
    for (size_t i = 0; i < NUM_TYPES; i++)
        if (types[i].dtype == dtype) type = types[i].type;
    if (!type || dim > EMBER_MAX_DIMS) return fail(err, err_bytes, path, "dtype has no .npy equivalent");
    char h[256];
    int n = snprintf(h, sizeof h, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                     type[1] == '1' ? '|' : '<', type);
    size_t numel = 1;
    for (size_t i = 0; i < dim; i++) {
        n += snprintf(h + n, sizeof h - (size_t)n, "%d%s", sizes[i], (dim == 1 || i + 1 < dim) ? ", " : "");
        numel *= (size_t)sizes[i];
    }
    n += snprintf(h + n, sizeof h - (size_t)n, "), }");
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    FILE* f = fopen(path, "wb");
    if (!f) return fail(err, err_bytes, path, "cannot create: %s", strerror(errno));
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    size_t hl = (size_t)n + pad + 1;
    pre[8] = (unsigned char)(hl & 0xff);
    pre[9] = (unsigned char)(hl >> 8);
    int ok = fwrite(pre, 1, 10, f) == 10;
    ok &= fwrite(h, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = 0; i < pad; i++) ok &= fputc(' ', f) != EOF;
    ok &= fputc('\n', f) != EOF;
    size_t bytes = numel * ember_dtype_size(dtype);
    if (bytes) ok &= fwrite(data, 1, bytes, f) == bytes;
    ok &= fclose(f) == 0;
    return ok ? 0 : fail(err, err_bytes, path, "write failed");
}

void npy_free(npy_array* a)
{
    free(a->data);
    a->data = NULL;
}
