/* npy.h — reading and writing NumPy .npy files for the ember CLI.
 *
 * The reader is strict: the files are untrusted. It follows NumPy's format description
 * (numpy/lib/format.py): the magic "\x93NUMPY", version 1.0 (2-byte header length) or 2.0/3.0
 * (4-byte), a header that is a Python dict literal with exactly the keys 'descr',
 * 'fortran_order' and 'shape', ended by '\n', then exactly the array's bytes. Accepted dtypes
 * are the little-endian (or byte-order-free) ones Ember knows; Fortran-order data is converted
 * to C order. Anything else is refused with a message saying what is wrong. */
#ifndef EMBER_TOOLS_NPY_H
#define EMBER_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "ember/ember.h"

typedef struct npy_array {
    int dtype;                      /* ember_dtype */
    size_t dim;
    int32_t sizes[EMBER_MAX_DIMS];  /* (dim) */
    void* data;                     /* malloc'ed, C order, nbytes bytes (NULL when 0) */
    size_t nbytes;                  /* numel * element size */
} npy_array;

/* The longest header the reader accepts (NumPy's own reader stops at 10000 bytes). */
#define NPY_MAX_HEADER_BYTES 65536

/* Reads path into *out; returns 0, or -1 with a message "path: what is wrong" in err. On
 * failure *out owns nothing. Nothing is allocated before the header is checked against the
 * file's size. */
int npy_read(const char* path, npy_array* out, char* err, size_t err_bytes);
/* Writes a C-order array (format version 1.0). */
int npy_write(const char* path, int dtype, size_t dim, const int32_t* sizes, const void* data,
              char* err, size_t err_bytes);
void npy_free(npy_array* a);

#endif
