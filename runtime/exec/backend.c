/* backend.c — the process-wide delegate registry: a fixed table, no allocation. */
#include <string.h>

#include "ember/backend.h"

static const ember_backend* registry[EMBER_MAX_BACKENDS];

ember_status ember_backend_register(const ember_backend* backend)
{
    if (!backend || !backend->name || !backend->execute) return EMBER_INVALID_ARGUMENT;
    for (size_t i = 0; i < EMBER_MAX_BACKENDS; i++) {
        if (registry[i] && strcmp(registry[i]->name, backend->name) == 0) {
            registry[i] = backend;
            return EMBER_OK;
        }
    }
    for (size_t i = 0; i < EMBER_MAX_BACKENDS; i++) {
        if (!registry[i]) {
            registry[i] = backend;
            return EMBER_OK;
        }
    }
    return EMBER_MEMORY_TOO_SMALL;
}

const ember_backend* ember_backend_find(const char* name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < EMBER_MAX_BACKENDS; i++)
        if (registry[i] && strcmp(registry[i]->name, name) == 0) return registry[i];
    return NULL;
}
