/* flatbuffer.h — a reader for FlatBuffers binaries that checks every offset, length and vtable
 * against the buffer before it reads through it. Nothing here trusts the bytes: each accessor
 * returns false when the data would leave [0, size), and the caller turns that into
 * EMBER_MALFORMED_PROGRAM.
 *
 * Encoding, in brief: a table at `pos` starts with an int32 soffset; its vtable is at
 * pos - soffset and holds uint16 {vtable bytes, table bytes, field offsets...}; a field offset
 * of 0 means "absent, use the default". Offset-typed fields (tables, vectors, strings) hold a
 * uint32 relative to the field's own position. Vectors and strings start with a uint32 count;
 * strings end with a NUL. All integers are little-endian; reads go through memcpy so the data
 * needs no alignment. */
#ifndef EMBER_FORMAT_FLATBUFFER_H
#define EMBER_FORMAT_FLATBUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct fb_buf {
    const uint8_t* data;
    size_t size;
} fb_buf;

typedef struct fb_table {
    uint32_t pos;      /* table start */
    uint32_t vt;       /* vtable start */
    uint16_t vt_bytes; /* vtable size in bytes */
    uint16_t tbl_bytes;/* table size in bytes (inline part) */
} fb_table;

typedef struct fb_vec {
    uint32_t pos; /* first element; 0 with len 0 when the field is absent */
    uint32_t len;
} fb_vec;

static inline bool fb_in(const fb_buf* b, uint64_t pos, uint64_t n)
{
    return pos <= b->size && n <= b->size - pos;
}

/* Raw little-endian loads; callers check bounds first. */
static inline uint16_t fb_rd_u16(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t fb_rd_u32(const uint8_t* p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t fb_rd_u64(const uint8_t* p)
{
    return (uint64_t)fb_rd_u32(p) | ((uint64_t)fb_rd_u32(p + 4) << 32);
}

/* Checks and opens the table at `pos`. */
static inline bool fb_table_at(const fb_buf* b, uint64_t pos, fb_table* t)
{
    if (!fb_in(b, pos, 4) || (pos & 3)) return false;
    int32_t soff = (int32_t)fb_rd_u32(b->data + pos);
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || !fb_in(b, (uint64_t)vt, 4) || (vt & 1)) return false;
    uint16_t vt_bytes = fb_rd_u16(b->data + vt);
    uint16_t tbl_bytes = fb_rd_u16(b->data + vt + 2);
    if (vt_bytes < 4 || (vt_bytes & 1) || !fb_in(b, (uint64_t)vt, vt_bytes)) return false;
    if (tbl_bytes < 4 || !fb_in(b, pos, tbl_bytes)) return false;
    t->pos = (uint32_t)pos;
    t->vt = (uint32_t)vt;
    t->vt_bytes = vt_bytes;
    t->tbl_bytes = tbl_bytes;
    return true;
}

/* Offset of field `id` inside the table, 0 if absent. Fails if the field's `n` bytes would
 * leave the table. */
static inline bool fb_field(const fb_buf* b, const fb_table* t, int id, uint32_t n, uint32_t* off)
{
    uint32_t slot = 4u + 2u * (uint32_t)id;
    *off = 0;
    if (slot + 2 > t->vt_bytes) return true; /* older writer: field absent */
    uint16_t o = fb_rd_u16(b->data + t->vt + slot);
    if (o == 0) return true;
    if ((uint32_t)o + n > t->tbl_bytes) return false;
    *off = t->pos + o;
    return true;
}

#define FB_SCALAR_FIELD(name, type, bytes, load)                                               \
    static inline bool fb_##name(const fb_buf* b, const fb_table* t, int id, type def,        \
                                 type* out)                                                     \
    {                                                                                           \
        uint32_t off;                                                                           \
        if (!fb_field(b, t, id, bytes, &off)) return false;                                    \
        *out = off ? (type)load : def;                                                          \
        return true;                                                                            \
    }
FB_SCALAR_FIELD(u8, uint8_t, 1, b->data[off])
FB_SCALAR_FIELD(i8, int8_t, 1, (int8_t)b->data[off])
FB_SCALAR_FIELD(i32, int32_t, 4, (int32_t)fb_rd_u32(b->data + off))
FB_SCALAR_FIELD(u32, uint32_t, 4, fb_rd_u32(b->data + off))
FB_SCALAR_FIELD(i64, int64_t, 8, (int64_t)fb_rd_u64(b->data + off))
FB_SCALAR_FIELD(u64, uint64_t, 8, fb_rd_u64(b->data + off))
#undef FB_SCALAR_FIELD

static inline bool fb_f64(const fb_buf* b, const fb_table* t, int id, double def, double* out)
{
    uint32_t off;
    if (!fb_field(b, t, id, 8, &off)) return false;
    if (!off) {
        *out = def;
        return true;
    }
    uint64_t bits = fb_rd_u64(b->data + off);
    memcpy(out, &bits, sizeof bits);
    return true;
}

/* Follows an offset-typed field; *target = 0 if the field is absent. */
static inline bool fb_ref(const fb_buf* b, const fb_table* t, int id, uint32_t* target)
{
    uint32_t off;
    if (!fb_field(b, t, id, 4, &off)) return false;
    if (!off) {
        *target = 0;
        return true;
    }
    uint64_t dst = (uint64_t)off + fb_rd_u32(b->data + off);
    if (dst >= b->size) return false;
    *target = (uint32_t)dst;
    return true;
}

/* A sub-table field; *present = false if absent. */
static inline bool fb_subtable(const fb_buf* b, const fb_table* t, int id, fb_table* out,
                               bool* present)
{
    uint32_t dst;
    if (!fb_ref(b, t, id, &dst)) return false;
    *present = dst != 0;
    return !dst || fb_table_at(b, dst, out);
}

/* A vector field of `elem` bytes per element; absent gives len 0. */
static inline bool fb_vector(const fb_buf* b, const fb_table* t, int id, uint32_t elem, fb_vec* v)
{
    uint32_t dst;
    v->pos = 0;
    v->len = 0;
    if (!fb_ref(b, t, id, &dst)) return false;
    if (!dst) return true;
    if (!fb_in(b, dst, 4)) return false;
    uint32_t n = fb_rd_u32(b->data + dst);
    if (!fb_in(b, (uint64_t)dst + 4, (uint64_t)n * elem)) return false;
    v->pos = dst + 4;
    v->len = n;
    return true;
}

/* A string field: NUL-terminated inside the buffer. Absent gives NULL with len 0. */
static inline bool fb_string(const fb_buf* b, const fb_table* t, int id, const char** s,
                             uint32_t* len)
{
    fb_vec v;
    if (!fb_vector(b, t, id, 1, &v)) return false;
    if (!v.pos) {
        *s = NULL;
        *len = 0;
        return true;
    }
    if (!fb_in(b, (uint64_t)v.pos + v.len, 1) || b->data[v.pos + v.len] != 0) return false;
    *s = (const char*)b->data + v.pos;
    *len = v.len;
    return true;
}

/* Element i of a vector of tables. */
static inline bool fb_vec_table(const fb_buf* b, const fb_vec* v, uint32_t i, fb_table* out)
{
    if (i >= v->len) return false;
    uint32_t at = v->pos + 4 * i;
    uint64_t dst = (uint64_t)at + fb_rd_u32(b->data + at);
    return fb_table_at(b, dst, out);
}

/* Element i of scalar vectors (bounds were checked when the vector was opened). */
static inline int32_t fb_vec_i32(const fb_buf* b, const fb_vec* v, uint32_t i)
{
    return (int32_t)fb_rd_u32(b->data + v->pos + 4 * i);
}
static inline int64_t fb_vec_i64(const fb_buf* b, const fb_vec* v, uint32_t i)
{
    return (int64_t)fb_rd_u64(b->data + v->pos + 8 * i);
}
static inline uint64_t fb_vec_u64(const fb_buf* b, const fb_vec* v, uint32_t i)
{
    return fb_rd_u64(b->data + v->pos + 8 * i);
}

#endif /* EMBER_FORMAT_FLATBUFFER_H */
