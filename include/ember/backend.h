/* backend.h — the delegate interface: a backend claims the subgraphs that the exporter handed
 * to it (BackendDelegate.id in the file equals the backend's name) and runs them.
 *
 * Lifecycle, all without malloc:
 *   memory_required(blob)  at method-requirements time: bytes this delegate needs
 *   init(blob, mem)        at method load, with that many bytes of the method's bookkeeping
 *                          block (16-byte aligned); returns an opaque handle
 *   prepare(handle, args)  optional, at method load, once per DelegateCall: check the call's
 *                          values (kinds, dtypes, shapes) so execute need not
 *   execute(handle, args)  per DelegateCall: args are the call's values, in file order
 *   destroy(handle)        at ember_method_destroy
 *   explain(...)           optional: why the call that just failed refused, for the error message
 *
 * The args come from an untrusted file: a backend checks them (in prepare, or in execute) and
 * writes only the tensors it produces. The loader guarantees that a value's kind, and a
 * tensor's dtype and shape, never change between prepare and execute.
 *
 * The blob points into the program's bytes (inline data or a segment) and stays valid for
 * the program's lifetime. A program naming a backend that is not registered fails to load with
 * EMBER_UNKNOWN_BACKEND and the backend's name in the error.
 */
#ifndef EMBER_BACKEND_H
#define EMBER_BACKEND_H

#include "ember/ember.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ember_compile_spec {
    const char* key;      /* NUL-terminated, points into the program */
    const uint8_t* value; /* (value_len) bytes */
    size_t value_len;
} ember_compile_spec;

typedef struct ember_backend {
    const char* name;
    ember_status (*memory_required)(const void* blob, size_t blob_bytes,
                                    const ember_compile_spec* specs, size_t num_specs,
                                    size_t* bytes);
    ember_status (*init)(void* mem, size_t mem_bytes, const void* blob, size_t blob_bytes,
                         const ember_compile_spec* specs, size_t num_specs, void** handle);
    ember_status (*execute)(void* handle, ember_value* const* args, size_t num_args);
    void (*destroy)(void* handle);
    ember_status (*prepare)(void* handle, ember_value* const* args, size_t num_args); /* or NULL */
    /* Optional (NULL: the loader's message names the status alone): why the call that just
     * failed refused, for the program's or the method's error. Called right after a failed
     * memory_required or init with handle NULL and the blob (explain from the blob alone), or a
     * failed prepare or execute with the handle (and blob NULL: say what that call kept in the
     * handle). Writes a NUL-terminated reason of at most msg_bytes into msg ("" for none). */
    void (*explain)(void* handle, const void* blob, size_t blob_bytes, char* msg, size_t msg_bytes);
} ember_backend;

#define EMBER_MAX_BACKENDS 16
#define EMBER_MAX_COMPILE_SPECS 16 /* per delegate; more is a load error */

/* Adds a backend to the process-wide registry (a fixed table: no allocation). `backend` must
 * stay valid. Registering a name twice replaces the earlier entry. */
ember_status ember_backend_register(const ember_backend* backend);
/* The registered backend of that name, or NULL. */
const ember_backend* ember_backend_find(const char* name);

#ifdef __cplusplus
}
#endif

#endif /* EMBER_BACKEND_H */
