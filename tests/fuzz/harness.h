/* harness.h — what Ember's fuzz targets share (tests/fuzz/): read-only copies of untrusted
 * bytes, input patterns, a test delegate backend, and the load → execute run of fuzz_execute and
 * fuzz_struct. Test code: it may malloc and abort, the library may not.
 *
 * The run checks more than "no crash":
 *   - the file and the caller's borrowed input data live in read-only pages (the header allows
 *     mapping them read-only), so a kernel writing a constant or an input faults;
 *   - reads past the end of the file hit ASan-poisoned padding or an unmapped guard page;
 *   - planned buffers and the bookkeeping block are allocated at exactly the requested size;
 *   - two instances of a method run the same inputs; the second then executes again WITHOUT
 *     setting any input: that must fail with EMBER_INPUT_NOT_SET or give the same outputs as the
 *     first instance given the same inputs again (inputs the method does not reuse stay valid).
 * A failed check prints what differed and aborts, which libFuzzer and the replay report. */
#ifndef EMBER_FUZZ_HARNESS_H
#define EMBER_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ember/ember.h"

/* A contract violation that is not a sanitizer report: name it and abort. */
#define FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "FUZZ CHECK FAILED %s:%d: ", __FILE__, __LINE__);                   \
            fprintf(stderr, __VA_ARGS__);                                                       \
            fprintf(stderr, "\n");                                                              \
            fuzz_abort();                                                                       \
        }                                                                                       \
    } while (0)

/* abort(), after writing the coverage profile in a coverage build (make fuzz-coverage), so
 * the lines a failing input reached still count. */
_Noreturn void fuzz_abort(void);

/* `size` bytes copied into read-only pages (writable ones when `writable`), 16-byte aligned, followed by an unmapped guard
 * page; the (at most 15) bytes between the end and the guard page are poisoned under ASan. */
typedef struct fuzz_ro {
    uint8_t* map;
    size_t map_bytes;
    const void* data; /* NULL if the copy failed */
    size_t size;
} fuzz_ro;

bool fuzz_ro_make(fuzz_ro* r, const void* src, size_t size, bool writable);
void fuzz_ro_free(fuzz_ro* r);

/* Registers "EmberTestScaleBackend" (the name the delegate fixture uses): it validates its
 * arguments like a real backend must, and checks the runtime's side of the contract (its
 * memory, init before execute, one destroy). Also registers the Ethos-U delegate
 * ("EthosUBackend") with a driver hook that reads the command stream and weights and writes all
 * of scratch, so fuzzed Ethos-U programs reach its prepare and execute. Idempotent. */
void fuzz_register_backend(void);

/* Methods asking for more than this (bookkeeping + planned buffers + input data, per
 * instance) are not run: the fuzzer hunts memory bugs, not large allocations. */
#define FUZZ_MAX_METHOD_BYTES ((size_t)16 << 20)
#define FUZZ_MAX_METHODS 4

/* The whole run of fuzz_execute and fuzz_struct over one file. */
void fuzz_execute_program(const uint8_t* data, size_t size);

#endif
