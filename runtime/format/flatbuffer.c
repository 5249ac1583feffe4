/* flatbuffer.c — the checked FlatBuffers accessors of flatbuffer.h. */
#include "runtime/format/flatbuffer.h"

bool fb_follow(const fb_buf* b, uint32_t at, uint32_t* target)
{
    if (!fb_in_aligned(b, at, 4, 4)) return false;
    const uint32_t o = fb_rd_u32(b->data + at);
    if (o == 0 || o > 0x7fffffffu || !fb_in(b, at + o, 1)) return false;
    *target = at + o;
    return true;
}

bool fb_table_at(const fb_buf* b, uint32_t pos, fb_table* t)
{
    if (!fb_in_aligned(b, pos, 4, 4)) return false;
    const int32_t soff = (int32_t)fb_rd_u32(b->data + pos);
    /* vtable = pos - soff: not below 0; pos < 2^31 and |soff| <= 2^31 keep it in 32 bits */
    if (soff > 0 && (uint32_t)soff > pos) return false;
    const uint32_t vt = pos - (uint32_t)soff;
    if (!fb_in_aligned(b, vt, 2, 2)) return false;
    const uint16_t vt_bytes = fb_rd_u16(b->data + vt);
    if ((vt_bytes & 1) || !fb_in(b, vt, vt_bytes)) return false;
    t->b = *b;
    t->pos = pos;
    t->vt = vt;
    t->vt_bytes = vt_bytes;
    return true;
}

bool fb_field_aligned(const fb_table* t, int id, uint32_t n, uint32_t align, uint32_t* off)
{
    const uint32_t slot = 4u + 2u * (uint32_t)id;
    *off = 0;
    if (slot + 2 > t->vt_bytes) return true; /* older writer: field absent */
    const uint16_t o = fb_rd_u16(t->b.data + t->vt + slot);
    if (o == 0) return true;
    if (!fb_in_aligned(&t->b, t->pos + o, n, align)) return false;
    *off = t->pos + o;
    return true;
}

/* The n-byte (1, 4 or 8) little-endian scalar at `off` (fb_field's), zero-extended; 0 for an
 * absent field (off 0). Read as one byte or as 32-bit words, not byte by byte into 64 bits (long
 * on 32-bit cores). */
FB_INLINE uint64_t scalar_at(const fb_table* t, uint32_t off, uint32_t n)
{
    if (!off) return 0;
    const uint8_t* p = t->b.data + off;
    if (n == 1) return p[0];
    const uint32_t hi = n == 8 ? fb_rd_u32(p + 4) : 0;
    return (uint64_t)hi << 32 | fb_rd_u32(p);
}

/* A verified table's field: 0 when absent or failing. */
uint64_t fb_get(const fb_table* t, int id, uint32_t n)
{
    uint32_t off;
    return fb_field(t, id, n, &off) ? scalar_at(t, off, n) : 0;
}

/* The checked read: false when the field fails, *bits then 0. */
static bool fb_scalar(const fb_table* t, int id, uint32_t n, uint64_t* bits)
{
    uint32_t off;
    const bool ok = fb_field(t, id, n, &off);
    *bits = ok ? scalar_at(t, off, n) : 0;
    return ok;
}

/* Every accessor writes its outputs also when it fails: the field's default (0, empty, absent),
 * so that a caller may read a field that cannot fail (fb_verify accepted its table) without a
 * branch, and a field that fails all the same reads as absent, never as garbage. */
bool fb_u8(const fb_table* t, int id, uint8_t* out)
{
    uint64_t v;
    const bool ok = fb_scalar(t, id, 1, &v);
    *out = (uint8_t)v;
    return ok;
}

bool fb_u32(const fb_table* t, int id, uint32_t* out)
{
    uint64_t v;
    const bool ok = fb_scalar(t, id, 4, &v);
    *out = (uint32_t)v;
    return ok;
}

bool fb_u64(const fb_table* t, int id, uint64_t* out) { return fb_scalar(t, id, 8, out); }

bool fb_ref(const fb_table* t, int id, uint32_t* target)
{
    uint32_t off;
    *target = 0;
    if (!fb_field(t, id, 4, &off)) return false;
    return !off || fb_follow(&t->b, off, target);
}

bool fb_subtable(const fb_table* t, int id, fb_table* out, bool* present)
{
    uint32_t dst;
    memset(out, 0, sizeof *out);
    *present = false;
    if (!fb_ref(t, id, &dst)) return false;
    *present = dst != 0;
    return !dst || fb_table_at(&t->b, dst, out);
}

bool fb_vector_at(const fb_buf* b, uint32_t at, uint32_t elem, fb_vec* v)
{
    if (!fb_in_aligned(b, at, 4, 4)) return false;
    const uint32_t n = fb_rd_u32(b->data + at);
    /* n * elem < 2^31: no wrap */
    if (n >= FB_MAX_BUFFER_BYTES / elem || !fb_in(b, at + 4, n * elem)) return false;
    v->b = *b;
    v->pos = at + 4;
    v->len = n;
    return true;
}

bool fb_vector(const fb_table* t, int id, uint32_t elem, fb_vec* v)
{
    uint32_t dst;
    v->b = t->b;
    v->pos = 0;
    v->len = 0;
    if (!fb_ref(t, id, &dst)) return false;
    return !dst || fb_vector_at(&t->b, dst, elem, v);
}

bool fb_string(const fb_table* t, int id, const char** s, uint32_t* len)
{
    fb_vec v;
    *s = NULL;
    *len = 0;
    if (!fb_vector(t, id, 1, &v)) return false;
    if (!v.pos) return true;
    /* v.pos + v.len <= size < 2^31 */
    if (!fb_in(&t->b, v.pos + v.len, 1) || t->b.data[v.pos + v.len] != 0) return false;
    *s = (const char*)t->b.data + v.pos;
    *len = v.len;
    return true;
}

bool fb_vec_table(const fb_vec* v, uint32_t i, fb_table* out)
{
    uint32_t dst;
    memset(out, 0, sizeof *out); /* failing: a table with no fields */
    /* i < len: v->pos + 4 * i lies inside the vector */
    return i < v->len && fb_follow(&v->b, v->pos + 4u * i, &dst) && fb_table_at(&v->b, dst, out);
}
