/* status.c — names of status codes and scalar types, from the .inc lists. */
#include "ember/ember.h"

const char* ember_status_str(ember_status status)
{
    switch (status) {
#define EMBER_STATUS(name, value, text)                                                         \
    case EMBER_##name: return text;
#include "ember/status.inc"
#undef EMBER_STATUS
    }
    return "unknown status";
}

size_t ember_dtype_size(int dtype)
{
    switch (dtype) {
#define EMBER_DTYPE(name, value, bytes, text)                                                   \
    case value: return bytes;
#include "ember/dtype.inc"
#undef EMBER_DTYPE
    default: return 0;
    }
}

const char* ember_dtype_name(int dtype)
{
    switch (dtype) {
#define EMBER_DTYPE(name, value, bytes, text)                                                   \
    case value: return text;
#include "ember/dtype.inc"
#undef EMBER_DTYPE
    default: return "unknown";
    }
}
