/* npy.h — reading and writing NumPy .npy files (format versions 1-3, little-endian, C order)
 * for the ember CLI. */
#ifndef EMBER_TOOLS_NPY_H
#define EMBER_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "ember/ember.h"

typedef struct npy_array {
    int dtype;                      /* ember_dtype */
    size_t dim;
    int32_t sizes[EMBER_MAX_DIMS];
    void* data;                     /* malloc'ed, numel * element size bytes */
    size_t nbytes;
} npy_array;

/* Reads path into *out; returns 0 or writes a message into err. */
int npy_read(const char* path, npy_array* out, char* err, size_t err_bytes);
/* Writes a C-order array. */
int npy_write(const char* path, int dtype, size_t dim, const int32_t* sizes, const void* data,
              char* err, size_t err_bytes);
void npy_free(npy_array* a);

#endif
