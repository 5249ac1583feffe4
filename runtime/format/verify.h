/* verify.h — the whole-buffer walk of FlatBuffers' verifier, driven by a schema description.
 *
 * fb_verify() visits every table reachable from the root and checks every field the schema
 * names, with the same rules as the accessors in flatbuffer.h plus the verifier's limits: at
 * most FB_MAX_DEPTH nested tables and FB_MAX_TABLES tables in all. Union members of an unknown
 * type are accepted unchecked, as the generated verifiers do (newer writers may add members);
 * whoever reads the value refuses the type. */
#ifndef EMBER_FORMAT_VERIFY_H
#define EMBER_FORMAT_VERIFY_H

#include "runtime/format/flatbuffer.h"

#define FB_MAX_DEPTH 64        /* flatbuffers::Verifier::Options::max_depth */
#define FB_MAX_TABLES 1000000  /* flatbuffers::Verifier::Options::max_tables */

typedef enum fb_kind {
    FB_SCALAR,       /* `size` bytes inline, aligned to its size */
    FB_STRING,
    FB_VECTOR,       /* of `size`-byte scalars */
    FB_TABLE,        /* `table` */
    FB_TABLE_VECTOR, /* of `table` */
    FB_UNION_TYPE,   /* a u8; the next field holds the value */
    FB_UNION,        /* members[type - 1] by the previous field's type */
} fb_kind;

typedef struct fb_schema_table fb_schema_table;

typedef struct fb_schema_field {
    const char* name;
    uint8_t kind; /* fb_kind */
    uint8_t size; /* FB_SCALAR, FB_VECTOR: bytes per value */
    const fb_schema_table* table;            /* FB_TABLE, FB_TABLE_VECTOR */
    const fb_schema_table* const* members;   /* FB_UNION, in type order from 1 */
    uint8_t num_members;
} fb_schema_field;

struct fb_schema_table {
    const char* name;
    uint8_t num_fields; /* field ids 0 .. num_fields-1 */
    const fb_schema_field* fields;
};

/* Verifies the buffer from its root offset (bytes 0..3) as a `root` table. On failure writes a
 * message naming the table and field into err and returns false. */
bool fb_verify(const fb_buf* b, const fb_schema_table* root, char* err, size_t err_bytes);

#endif
