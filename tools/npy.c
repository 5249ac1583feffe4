/* npy.c — NumPy .npy reading and writing (see npy.h). */
#include "tools/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char* descr;
    int dtype;
} descrs[] = {
    {"<f4", EMBER_DTYPE_F32}, {"<f8", EMBER_DTYPE_F64}, {"<i8", EMBER_DTYPE_I64},
    {"<i4", EMBER_DTYPE_I32}, {"<i2", EMBER_DTYPE_I16}, {"|i1", EMBER_DTYPE_I8},
    {"|u1", EMBER_DTYPE_U8},  {"|b1", EMBER_DTYPE_BOOL}, {"<f2", EMBER_DTYPE_F16},
    {"<u2", EMBER_DTYPE_U16}, {"<u4", EMBER_DTYPE_U32}, {"<u8", EMBER_DTYPE_U64},
};

static int fail(char* err, size_t n, const char* path, const char* what)
{
    snprintf(err, n, "%s: %s", path, what);
    return -1;
}

int npy_read(const char* path, npy_array* out, char* err, size_t err_bytes)
{
    memset(out, 0, sizeof *out);
    FILE* f = fopen(path, "rb");
    if (!f) return fail(err, err_bytes, path, "cannot open");
    unsigned char pre[12];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        fclose(f);
        return fail(err, err_bytes, path, "not a .npy file");
    }
    size_t hlen;
    if (pre[6] == 1) {
        hlen = (size_t)pre[8] | ((size_t)pre[9] << 8);
    } else {
        if (fread(pre + 10, 1, 2, f) != 2) {
            fclose(f);
            return fail(err, err_bytes, path, "truncated header");
        }
        hlen = (size_t)pre[8] | ((size_t)pre[9] << 8) | ((size_t)pre[10] << 16) | ((size_t)pre[11] << 24);
    }
    if (hlen > 65536) {
        fclose(f);
        return fail(err, err_bytes, path, "header too large");
    }
    char* h = malloc(hlen + 1);
    if (!h || fread(h, 1, hlen, f) != hlen) {
        free(h);
        fclose(f);
        return fail(err, err_bytes, path, "truncated header");
    }
    h[hlen] = 0;
    const char* d = strstr(h, "'descr':");
    const char* fo = strstr(h, "'fortran_order':");
    const char* sh = strstr(h, "'shape':");
    int ok = d && fo && sh;
    out->dtype = -1;
    if (ok) {
        const char* q = strchr(d + 8, '\'');
        for (size_t i = 0; q && i < sizeof descrs / sizeof descrs[0]; i++)
            if (strncmp(q + 1, descrs[i].descr, 3) == 0 && q[4] == '\'') out->dtype = descrs[i].dtype;
        if (out->dtype < 0) ok = 0;
    }
    if (ok && strncmp(fo + 16, " True", 5) == 0) ok = 0;
    if (ok) {
        const char* p = strchr(sh, '(');
        size_t n = 0;
        while (p && *++p && *p != ')') {
            if (*p >= '0' && *p <= '9') {
                if (n >= EMBER_MAX_DIMS) {
                    ok = 0;
                    break;
                }
                out->sizes[n++] = (int32_t)strtol(p, (char**)&p, 10);
                p--;
            }
        }
        out->dim = n;
    }
    free(h);
    if (!ok) {
        fclose(f);
        return fail(err, err_bytes, path, "unsupported .npy (dtype, Fortran order or rank)");
    }
    size_t numel = 1;
    for (size_t i = 0; i < out->dim; i++) numel *= (size_t)out->sizes[i];
    out->nbytes = numel * ember_dtype_size(out->dtype);
    out->data = malloc(out->nbytes ? out->nbytes : 1);
    if (!out->data || fread(out->data, 1, out->nbytes, f) != out->nbytes) {
        fclose(f);
        npy_free(out);
        return fail(err, err_bytes, path, "truncated data");
    }
    fclose(f);
    return 0;
}

int npy_write(const char* path, int dtype, size_t dim, const int32_t* sizes, const void* data,
              char* err, size_t err_bytes)
{
    const char* descr = NULL;
    for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++)
        if (descrs[i].dtype == dtype) descr = descrs[i].descr;
    if (!descr) return fail(err, err_bytes, path, "dtype has no .npy equivalent");
    char h[256];
    int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    size_t numel = 1;
    for (size_t i = 0; i < dim; i++) {
        n += snprintf(h + n, sizeof h - (size_t)n, "%d%s", sizes[i], (dim == 1 || i + 1 < dim) ? ", " : "");
        numel *= (size_t)sizes[i];
    }
    n += snprintf(h + n, sizeof h - (size_t)n, "), }");
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    FILE* f = fopen(path, "wb");
    if (!f) return fail(err, err_bytes, path, "cannot create");
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    size_t hl = (size_t)n + pad + 1;
    pre[8] = (unsigned char)(hl & 0xff);
    pre[9] = (unsigned char)(hl >> 8);
    fwrite(pre, 1, 10, f);
    fwrite(h, 1, (size_t)n, f);
    for (size_t i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    size_t bytes = numel * ember_dtype_size(dtype);
    int ok = fwrite(data, 1, bytes, f) == bytes;
    ok &= fclose(f) == 0;
    return ok ? 0 : fail(err, err_bytes, path, "write failed");
}

void npy_free(npy_array* a)
{
    free(a->data);
    a->data = NULL;
}
