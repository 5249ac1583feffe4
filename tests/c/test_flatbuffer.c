/* test_flatbuffer.c — Ember's FlatBuffers reader follows the reference verifier's rules, both
 * ways: what FlatBuffers' verifier (flatbuffers/verifier.h) accepts reads, what it rejects does
 * not. Each case builds a few bytes by hand:
 *   - a table whose vtable declares an inline size smaller than its last 8-byte field (what the
 *     Python flatbuffers 25.2.x writer does) reads, and passes fb_verify;
 *   - a vtable after its table, a vtable shorter than the field list (older writer) read;
 *   - misaligned fields, tables, vtables and vector lengths, odd vtable sizes, zero offsets,
 *     offsets of 2^31 or more, anything past the end, strings without their NUL, tables nested
 *     deeper than 64 are refused. */
#include <stdint.h>
#include <string.h>

#include "runtime/format/flatbuffer.h"
#include "runtime/format/verify.h"
#include "tests/c/check.h"

static uint8_t buf[256] __attribute__((aligned(16)));

static void put16(size_t at, uint16_t v) { buf[at] = (uint8_t)v, buf[at + 1] = (uint8_t)(v >> 8); }
static void put32(size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) buf[at + i] = (uint8_t)(v >> (8 * i));
}
static void put64(size_t at, uint64_t v)
{
    put32(at, (uint32_t)v);
    put32(at + 4, (uint32_t)(v >> 32));
}

/* A DataSegment-like table {offset: u64, size: u64} as the 25.2.x writer lays it out:
 *   0: root uoffset -> 12;  4: vtable {8 bytes, table size 8 (too small), offset@4, size@12};
 *   12: table, soffset 8;   16: offset = 0x1122334455667788;  24: size = 4096.
 * The declared table size (8) ends before `size` (bytes 24..31); the verifier never looks at it. */
static size_t segment_table(uint16_t declared, uint16_t size_field_at)
{
    memset(buf, 0, sizeof buf);
    put32(0, 12);
    put16(4, 8);
    put16(6, declared);
    put16(8, 4);
    put16(10, size_field_at);
    put32(12, 8);
    put64(16, 0x1122334455667788ull);
    put64(24, 4096);
    return 32;
}

static const fb_schema_field segment_fields[] = {
    {"offset", FB_SCALAR, 8, NULL, NULL, 0},
    {"size", FB_SCALAR, 8, NULL, NULL, 0},
};
static const fb_schema_table segment_schema = {"DataSegment", 2, segment_fields};

static bool read_segment(size_t size, uint64_t* off, uint64_t* sz)
{
    fb_buf b = {buf, size};
    fb_table t;
    uint32_t root;
    return fb_follow(&b, 0, &root) && fb_table_at(&b, root, &t) && fb_u64(&t, 0, off) &&
           fb_u64(&t, 1, sz);
}

static bool verifies(size_t size, const fb_schema_table* schema)
{
    fb_buf b = {buf, size};
    char err[160];
    return fb_verify(&b, schema, err, sizeof err);
}

static void test_declared_table_size_is_ignored(void)
{
    uint64_t off = 0, sz = 0;
    size_t n = segment_table(8, 12);
    CHECK(read_segment(n, &off, &sz));
    CHECK(off == 0x1122334455667788ull && sz == 4096);
    CHECK(verifies(n, &segment_schema));
    n = segment_table(20, 12); /* the same table as current writers declare it */
    CHECK(read_segment(n, &off, &sz) && sz == 4096);
    CHECK(verifies(n, &segment_schema));
}

static void test_fields_bounded_by_buffer_and_aligned(void)
{
    uint64_t off, sz;
    size_t n = segment_table(20, 10); /* `size` at byte 22: not 8-aligned */
    CHECK(!read_segment(n, &off, &sz));
    CHECK(!verifies(n, &segment_schema));
    n = segment_table(20, 12);
    CHECK(!read_segment(28, &off, &sz)); /* `size` runs past a 28-byte buffer */
    CHECK(!verifies(28, &segment_schema));
    n = segment_table(20, 12);
    put32(0, 14); /* root table at 14: not 4-aligned */
    CHECK(!read_segment(n, &off, &sz));
    CHECK(!verifies(n, &segment_schema));
}

static void test_vtables(void)
{
    uint64_t off, sz;
    size_t n = segment_table(20, 12);
    put16(4, 7); /* odd vtable size */
    CHECK(!read_segment(n, &off, &sz));
    CHECK(!verifies(n, &segment_schema));
    n = segment_table(20, 12);
    put16(4, 6); /* vtable lists only field 0: `size` is absent and reads as its default */
    CHECK(read_segment(n, &off, &sz) && sz == 0 && off == 0x1122334455667788ull);
    CHECK(verifies(n, &segment_schema));
    n = segment_table(20, 12);
    put16(4, 0); /* an empty vtable: every field absent (the verifier allows it) */
    CHECK(read_segment(n, &off, &sz) && sz == 0 && off == 0);
    CHECK(verifies(n, &segment_schema));
    n = segment_table(20, 12);
    put16(4, 240); /* vtable runs past the buffer */
    CHECK(!read_segment(n, &off, &sz));
    /* The vtable after its table: table at 4, fields at 8 and 16, vtable at 24 (soffset -20). */
    memset(buf, 0, sizeof buf);
    put32(0, 4);
    put32(4, (uint32_t)-20);
    put64(8, 7);
    put64(16, 9);
    put16(24, 8);
    put16(26, 20);
    put16(28, 4);
    put16(30, 12);
    CHECK(read_segment(32, &off, &sz) && off == 7 && sz == 9);
    CHECK(verifies(32, &segment_schema));
    put32(4, (uint32_t)-19); /* vtable at 23: not 2-aligned */
    CHECK(!read_segment(32, &off, &sz));
}

/* A table {name: string, items: [u32]}: 0 root -> 16; 4 vtable {8, 12, 4, 8}; 16 table
 * (soffset 12), 20 name uoffset -> 32, 24 items uoffset -> 40; 32 "abc\0" (len 3);
 * 40 items: 2 x u32. */
static const fb_schema_field named_fields[] = {
    {"name", FB_STRING, 0, NULL, NULL, 0},
    {"items", FB_VECTOR, 4, NULL, NULL, 0},
};
static const fb_schema_table named_schema = {"Named", 2, named_fields};

static size_t named_table(void)
{
    memset(buf, 0, sizeof buf);
    put32(0, 16);
    put16(4, 8);
    put16(6, 12);
    put16(8, 4);
    put16(10, 8);
    put32(16, 12);
    put32(20, 32 - 20);
    put32(24, 40 - 24);
    put32(32, 3);
    memcpy(buf + 36, "abc", 4);
    put32(40, 2);
    put32(44, 10);
    put32(48, 20);
    return 52;
}

static bool read_named(size_t size, const char** s, fb_vec* v)
{
    fb_buf b = {buf, size};
    fb_table t;
    uint32_t root, len;
    return fb_follow(&b, 0, &root) && fb_table_at(&b, root, &t) && fb_string(&t, 0, s, &len) &&
           fb_vector(&t, 1, 4, v);
}

static void test_offsets_strings_vectors(void)
{
    const char* s;
    fb_vec v;
    size_t n = named_table();
    CHECK(read_named(n, &s, &v) && strcmp(s, "abc") == 0 && v.len == 2);
    CHECK(verifies(n, &named_schema));
    n = named_table();
    buf[39] = 'x'; /* no NUL after the string */
    CHECK(!read_named(n, &s, &v));
    CHECK(!verifies(n, &named_schema));
    n = named_table();
    put32(24, 0); /* an offset of 0 would point at itself: refused */
    CHECK(!read_named(n, &s, &v));
    CHECK(!verifies(n, &named_schema));
    n = named_table();
    put32(24, 0x80000010u); /* an offset of 2^31 or more: refused */
    CHECK(!read_named(n, &s, &v));
    n = named_table();
    put32(24, 41 - 24); /* vector length word not 4-aligned */
    CHECK(!read_named(n, &s, &v));
    CHECK(!verifies(n, &named_schema));
    n = named_table();
    put32(40, 3); /* a third element past the end */
    CHECK(!read_named(n, &s, &v));
    CHECK(!verifies(n, &named_schema));
    n = named_table();
    put32(40, 0x40000000u); /* count * 4 beyond 2^31: refused before any multiplication */
    CHECK(!read_named(n, &s, &v));
}

/* Nesting: a table {child: Self}; a chain of `depth` tables of 8 bytes (soffset, child) from
 * byte 16. The vtable at 4 lists child@4; the last table uses the vtable at 10, which lists no
 * field. */
static const fb_schema_table nest_schema;
static const fb_schema_field nest_fields[] = {{"child", FB_TABLE, 0, &nest_schema, NULL, 0}};
static const fb_schema_table nest_schema = {"Nest", 1, nest_fields};

static size_t nested(int depth, uint8_t* big, size_t cap)
{
    size_t need = 16 + 8 * (size_t)depth;
    if (need > cap) return 0;
    memset(big, 0, need);
    big[0] = 16;                        /* root -> first table */
    big[4] = 6, big[6] = 8, big[8] = 4; /* vtable {6 bytes, table 8, child@4} */
    big[10] = 4, big[12] = 8;           /* vtable {4 bytes, table 8}: no child */
    for (int i = 0; i < depth; i++) {
        size_t at = 16 + 8 * (size_t)i;
        bool last = i + 1 == depth;
        uint32_t soff = (uint32_t)(at - (last ? 10 : 4));
        memcpy(big + at, &soff, 4);
        uint32_t child = 4; /* the next table is 4 bytes after this field */
        if (!last) memcpy(big + at + 4, &child, 4);
    }
    return need;
}

static void test_depth_limit(void)
{
    static uint8_t big[16 + 8 * 80] __attribute__((aligned(16)));
    char err[160];
    fb_buf b = {big, nested(FB_MAX_DEPTH, big, sizeof big)};
    bool ok = fb_verify(&b, &nest_schema, err, sizeof err);
    if (!ok) fprintf(stderr, "depth %d: %s\n", FB_MAX_DEPTH, err);
    CHECK(ok);
    b.size = nested(FB_MAX_DEPTH + 1, big, sizeof big);
    CHECK(!fb_verify(&b, &nest_schema, err, sizeof err));
    CHECK(strstr(err, "deep") != NULL);
}

int main(void)
{
    test_declared_table_size_is_ignored();
    test_fields_bounded_by_buffer_and_aligned();
    test_vtables();
    test_offsets_strings_vectors();
    test_depth_limit();
    return check_report("test_flatbuffer");
}
