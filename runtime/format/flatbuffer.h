/* flatbuffer.h — a reader for FlatBuffers binaries that checks every offset, length and vtable
 * against the buffer before it reads through it. Nothing here trusts the bytes: each accessor
 * returns false when the data would leave [0, size), writing the field's default (0, empty,
 * absent) instead; the caller turns false into EMBER_MALFORMED_PROGRAM, or, for a field
 * fb_verify has already checked, need not look (FB_VERIFIED below).
 *
 * Encoding, in brief: a table at `pos` starts with an int32 soffset; its vtable is at
 * pos - soffset and holds uint16 {vtable bytes, table bytes, field offsets...}; a field offset
 * of 0 means "absent, use the default". Offset-typed fields (tables, vectors, strings) hold a
 * uint32 relative to the field's own position. Vectors and strings start with a uint32 count;
 * strings end with a NUL. All integers are little-endian; reads go through byte loads so the
 * data needs no alignment in memory.
 *
 * The rules are FlatBuffers' own verifier's (flatbuffers/verifier.h), no more and no less, so a
 * file its verifier accepts reads here and one it rejects does not:
 *   - a table starts 4-aligned; its vtable is 2-aligned, of even size, wholly in the buffer
 *     (it may lie before or after the table);
 *   - a field is bounded by the BUFFER and aligned to its size, counted from the buffer start.
 *     The table size a vtable declares (its second u16) is never used: some writers (the Python
 *     flatbuffers package 25.2.x) declare it smaller than the table really is;
 *   - an offset is 4-aligned, non-zero, below 2^31 and lands inside the buffer;
 *   - a vector's length word is 4-aligned and its elements fit in the buffer; a string's NUL
 *     terminator too;
 *   - the buffer is smaller than 2^31 bytes. (fb_verify() in verify.c adds the verifier's
 *     whole-buffer walk: table depth and count limits, every field of every table.) */
#ifndef EMBER_FORMAT_FLATBUFFER_H
#define EMBER_FORMAT_FLATBUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FB_MAX_BUFFER_BYTES 0x7fffffffu /* FLATBUFFERS_MAX_BUFFER_SIZE: offsets are signed 32-bit */

/* The bounds checks and byte loads below are inlined at every call, at -Os too: GCC 12 for the
 * Cortex-M kept out-of-line copies of them (a call where one load does), and inlining them takes
 * 0.2 KB off the firmware's core. */
#define FB_INLINE static inline __attribute__((always_inline))

typedef struct fb_buf {
    const uint8_t* data;
    size_t size; /* < FB_MAX_BUFFER_BYTES, checked by whoever makes the fb_buf */
} fb_buf;

/* A table and a vector keep the buffer they lie in (its pointer and size, not a pointer to an
 * fb_buf): the accessors below need nothing else. */
typedef struct fb_table {
    fb_buf b;
    uint32_t pos;      /* table start */
    uint32_t vt;       /* vtable start */
    uint16_t vt_bytes; /* vtable size in bytes */
} fb_table;

typedef struct fb_vec {
    fb_buf b;
    uint32_t pos; /* first element; 0 with len 0 when the field is absent */
    uint32_t len;
} fb_vec;

/* n bytes at pos lie inside the buffer (the verifier's Verify(elem, elem_len), to the letter).
 * Positions are 32-bit: the buffer is below 2^31 bytes, so a position inside it plus an offset
 * below 2^31 (or a vector's bytes) never wraps; were it larger, a wrapped sum would still be
 * checked here before anything is read through it. */
FB_INLINE bool fb_in(const fb_buf* b, uint32_t pos, uint32_t n)
{
    return n < b->size && pos <= b->size - n;
}

/* n bytes at pos, inside the buffer and aligned to `align` (a power of two) from its start. */
FB_INLINE bool fb_in_aligned(const fb_buf* b, uint32_t pos, uint32_t n, uint32_t align)
{
    return (pos & (align - 1)) == 0 && fb_in(b, pos, n);
}

/* Raw little-endian loads; callers check bounds first. */
FB_INLINE uint16_t fb_rd_u16(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
FB_INLINE uint32_t fb_rd_u32(const uint8_t* p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
FB_INLINE uint64_t fb_rd_u64(const uint8_t* p)
{
    return (uint64_t)fb_rd_u32(p) | ((uint64_t)fb_rd_u32(p + 4) << 32);
}

/* The accessors below are functions (flatbuffer.c), not inline: the loader calls them from
 * hundreds of places, and one copy of each keeps the firmware's core small. */

/* Follows the uoffset stored at `at` (4 bytes, checked here); *target is where it points. */
bool fb_follow(const fb_buf* b, uint32_t at, uint32_t* target);

/* Checks and opens the table at `pos`. */
bool fb_table_at(const fb_buf* b, uint32_t pos, fb_table* t);

/* Offset of field `id` inside the buffer, 0 if absent. Fails if the field's `n` bytes leave
 * the buffer or are not aligned to `align`. */
bool fb_field_aligned(const fb_table* t, int id, uint32_t n, uint32_t align, uint32_t* off);

/* A scalar field of n bytes, aligned to its size. */
static inline bool fb_field(const fb_table* t, int id, uint32_t n, uint32_t* off)
{
    return fb_field_aligned(t, id, n, n, off);
}

/* Scalar fields: 0 when absent (every default of the ET12 schema's scalars). A table fb_verify
 * accepted reads them with fb_get (FB_VERIFIED below); these say whether the field failed. */
bool fb_u8(const fb_table* t, int id, uint8_t* out);
bool fb_u32(const fb_table* t, int id, uint32_t* out);
bool fb_u64(const fb_table* t, int id, uint64_t* out);
/* The signed ones: the unsigned field's bits. */
#define FB_SIGNED_FIELD(name, type, unsigned_name, utype)                                       \
    static inline bool fb_##name(const fb_table* t, int id, type* out)                         \
    {                                                                                           \
        utype u;                                                                                \
        const bool ok = fb_##unsigned_name(t, id, &u); /* u: the default when it fails */      \
        *out = (type)u;                                                                         \
        return ok;                                                                              \
    }
FB_SIGNED_FIELD(i8, int8_t, u8, uint8_t)
FB_SIGNED_FIELD(i32, int32_t, u32, uint32_t)
FB_SIGNED_FIELD(i64, int64_t, u64, uint64_t)
#undef FB_SIGNED_FIELD

static inline bool fb_f64(const fb_table* t, int id, double* out)
{
    uint64_t u;
    const bool ok = fb_u64(t, id, &u); /* u: 0 when it fails */
    memcpy(out, &u, sizeof u);
    return ok;
}

/* The n-byte (1, 4 or 8) scalar field `id`, zero-extended (the signed ones: cast it), of a
 * table fb_verify accepted: 0 when absent, and 0 too were the bytes changed since and the field
 * failed (FB_VERIFIED). */
uint64_t fb_get(const fb_table* t, int id, uint32_t n);

/* Follows an offset-typed field; *target = 0 if the field is absent. */
bool fb_ref(const fb_table* t, int id, uint32_t* target);

/* A sub-table field; *present = false if absent. */
bool fb_subtable(const fb_table* t, int id, fb_table* out, bool* present);

/* The vector whose length word is at `at`, of `elem` bytes per element. */
bool fb_vector_at(const fb_buf* b, uint32_t at, uint32_t elem, fb_vec* v);

/* A vector field of `elem` bytes per element; absent gives len 0. */
bool fb_vector(const fb_table* t, int id, uint32_t elem, fb_vec* v);

/* A string field: NUL-terminated inside the buffer. Absent gives NULL with len 0. */
bool fb_string(const fb_table* t, int id, const char** s, uint32_t* len);

/* Element i of a vector of tables. */
bool fb_vec_table(const fb_vec* v, uint32_t i, fb_table* out);

/* A read the caller need not check: a field of a table fb_verify accepted (verify.c: every field
 * of every table reachable from the root, by these accessors' own rules) cannot fail, and were
 * the bytes changed since, a failing accessor writes the field's default, so the field reads as
 * absent (which every reader handles) and every byte read is still bounds-checked. Dropping
 * these branches takes 500 bytes off a Cortex-M core with messages. A read whose failure means
 * something (an index past a vector's end) keeps its check. */
#define FB_VERIFIED(read) ((void)(read))

/* Element i of scalar vectors (bounds were checked when the vector was opened). */
FB_INLINE int32_t fb_vec_i32(const fb_vec* v, uint32_t i)
{
    return (int32_t)fb_rd_u32(v->b.data + v->pos + 4 * i);
}
FB_INLINE int64_t fb_vec_i64(const fb_vec* v, uint32_t i)
{
    return (int64_t)fb_rd_u64(v->b.data + v->pos + 8 * i);
}
FB_INLINE uint64_t fb_vec_u64(const fb_vec* v, uint32_t i)
{
    return fb_rd_u64(v->b.data + v->pos + 8 * i);
}
/* The low 32 bits of item i of an int64 vector: the whole item where it is known to lie in
 * [0, 2^32) (a value index the loader checked). */
FB_INLINE uint32_t fb_vec_i64_low(const fb_vec* v, uint32_t i)
{
    return fb_rd_u32(v->b.data + v->pos + 8 * i);
}

#endif /* EMBER_FORMAT_FLATBUFFER_H */
