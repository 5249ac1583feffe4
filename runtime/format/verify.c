/* verify.c — FlatBuffers' verifier as a schema-driven walk (see verify.h). Recursion depth is
 * bounded by FB_MAX_DEPTH, so the C stack use is bounded too. */
#include "runtime/format/verify.h"

#include "runtime/core/format.h"

typedef struct walker {
    const fb_buf* b;
    uint32_t tables;
    char* err;
    size_t err_bytes;
} walker;

static bool fail(walker* w, const fb_schema_table* t, const fb_schema_field* f, const char* what)
{
    ember_message(w->err, w->err_bytes, "%s%s%s: %s", t->name, f ? "." : "", f ? f->name : "", what);
    return false;
}

static bool verify_table(walker* w, const fb_schema_table* spec, uint32_t pos, int depth);

static bool verify_field(walker* w, const fb_schema_table* spec, const fb_table* t, int id,
                         int depth)
{
    const fb_schema_field* f = &spec->fields[id];
    const fb_buf* b = w->b;
    uint32_t off, dst;
    fb_vec v;
    switch (f->kind) {
    case FB_SCALAR:
    case FB_UNION_TYPE:
        if (!fb_field(t, id, f->kind == FB_SCALAR ? f->size : 1, &off))
            return fail(w, spec, f, "scalar outside the buffer or misaligned");
        return true;
    default: break;
    }
    if (!fb_ref(t, id, &dst)) return fail(w, spec, f, "bad offset");
    if (!dst) return true;
    switch (f->kind) {
    case FB_STRING:
        if (!fb_vector_at(b, dst, 1, &v) || !fb_in(b, v.pos + v.len, 1) ||
            b->data[v.pos + v.len] != 0)
            return fail(w, spec, f, "string outside the buffer or not NUL-terminated");
        return true;
    case FB_VECTOR:
        if (!fb_vector_at(b, dst, f->size, &v)) return fail(w, spec, f, "vector outside the buffer");
        return true;
    case FB_TABLE: return verify_table(w, f->table, dst, depth + 1);
    case FB_TABLE_VECTOR:
        if (!fb_vector_at(b, dst, 4, &v)) return fail(w, spec, f, "vector outside the buffer");
        for (uint32_t i = 0; i < v.len; i++) {
            uint32_t elem;
            if (!fb_follow(b, v.pos + 4u * i, &elem)) return fail(w, spec, f, "bad element offset");
            if (!verify_table(w, f->table, elem, depth + 1)) return false;
        }
        return true;
    case FB_UNION: {
        /* the type field before it (id - 1) was verified first: its read cannot fail */
        if (id == 0) return fail(w, spec, f, "union without a type field in schema");
        const uint32_t type = (uint32_t)fb_get(t, id - 1, 1);
        if (type == 0 || type > f->num_members) return true; /* NONE, or a newer member */
        return verify_table(w, f->members[type - 1], dst, depth + 1);
    }
    default: return fail(w, spec, f, "unknown field kind in schema");
    }
}

static bool verify_table(walker* w, const fb_schema_table* spec, uint32_t pos, int depth)
{
    fb_table t;
    if (depth > FB_MAX_DEPTH) return fail(w, spec, NULL, "tables nested too deep");
    if (++w->tables > FB_MAX_TABLES) return fail(w, spec, NULL, "too many tables");
    if (!fb_table_at(w->b, pos, &t)) return fail(w, spec, NULL, "table or vtable outside the buffer or misaligned");
    for (int id = 0; id < spec->num_fields; id++)
        if (!verify_field(w, spec, &t, id, depth)) return false;
    return true;
}

bool fb_verify(const fb_buf* b, const fb_schema_table* root, char* err, size_t err_bytes)
{
    walker w = {b, 0, err, err_bytes};
    uint32_t pos;
    if (b->size >= FB_MAX_BUFFER_BYTES) return fail(&w, root, NULL, "buffer of 2 GiB or more");
    if (!fb_follow(b, 0, &pos)) return fail(&w, root, NULL, "bad root offset");
    return verify_table(&w, root, pos, 1);
}
