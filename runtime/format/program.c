/* program.c — verifies a .pte file's header and Program table; finds plans, constants and
 * segments. Every offset in the file is checked before it is followed. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "runtime/core/format.h"
#include "runtime/format/program.h"
#include "runtime/format/schema.h"
#include "runtime/format/verify.h"

#define EXT_HEADER_MIN_BYTES 24      /* magic, length, program_size, segment base offset */
#define EXT_HEADER_WITH_DATA_SIZE 32 /* ... and segment data size (newer writers) */

#if EMBER_MESSAGES
ember_status ember_program_vfail(const ember_program* p, ember_status status, const char* fmt, va_list ap)
{
    ember_program* mp = (ember_program*)p; /* the error slot is the one mutable field */
    ember_vsnprintf(mp->error, sizeof mp->error, fmt, ap);
    return status;
}

ember_status(ember_program_fail)(const ember_program* p, ember_status status, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ember_program_vfail(p, status, fmt, ap);
    va_end(ap);
    return status;
}

/* EMBER_MALFORMED_PROGRAM with a message: one argument less at each of the many calls. */
static ember_status malformed(const ember_program* p, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static ember_status malformed(const ember_program* p, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ember_program_vfail(p, EMBER_MALFORMED_PROGRAM, fmt, ap);
    va_end(ap);
    return EMBER_MALFORMED_PROGRAM;
}
#define MALFORMED(p, ...) malformed((p), __VA_ARGS__)
#else
#define MALFORMED(p, ...) ember_program_fail((p), EMBER_MALFORMED_PROGRAM, __VA_ARGS__)
#endif

/* Reads the optional `eh00` extended header; sets fb_size and segment_base. */
static ember_status read_header(ember_program* p)
{
    const uint8_t* d = p->data;
    if (p->size < 8) return MALFORMED(p, "file too small (%zu bytes) to be a .pte", p->size);
    /* without messages a bundle is refused as any other file that is not ET12, below */
    if (EMBER_MESSAGES && ember_bundle_identify(d, p->size))
        return MALFORMED(p, "a bundled program (identifier '%.4s'): load it with ember_bundle_load, then the program inside", (const char*)d + 4);
    if (memcmp(d + 4, "ET12", 4) != 0) {
        char id[5] = {0};
        for (int i = 0; i < 4; i++) id[i] = (d[4 + i] >= 32 && d[4 + i] < 127) ? (char)d[4 + i] : '?';
        (void)id; /* named in the message only */
        return MALFORMED(p, "not an ExecuTorch ET12 program (identifier '%s')", id);
    }
    p->fb_size = p->size;
    p->segment_base = 0;
    if (p->size >= 16 && memcmp(d + 8, "eh00", 4) == 0) {
        uint32_t hlen = fb_rd_u32(d + 12);
        if (hlen < EXT_HEADER_MIN_BYTES || (uint64_t)8 + hlen > p->size)
            return MALFORMED(p, "extended header length %" PRIu32 " is invalid for a %zu-byte file", hlen,
                             p->size);
        uint64_t program_size = fb_rd_u64(d + 16);
        uint64_t seg_base = fb_rd_u64(d + 24);
        uint64_t seg_size = hlen >= EXT_HEADER_WITH_DATA_SIZE ? fb_rd_u64(d + 32) : 0;
        if (program_size < 8 + (uint64_t)hlen || program_size > p->size)
            return MALFORMED(p, "program size %llu does not fit the %zu-byte file (truncated?)",
                             (unsigned long long)program_size, p->size);
        if (seg_base) {
            if (seg_base < program_size || seg_base > p->size || seg_size > p->size - seg_base)
                return MALFORMED(p,
                                 "segment data [%llu, +%llu) does not fit the %zu-byte file "
                                 "(truncated?)",
                                 (unsigned long long)seg_base, (unsigned long long)seg_size,
                                 p->size);
        }
        p->fb_size = (size_t)program_size;
        p->segment_base = seg_base;
    }
    return EMBER_OK;
}

/* Offset and size of segment i (p->segments set). */
static bool segment_at(const ember_program* p, uint32_t i, uint64_t* off, uint64_t* sz)
{
    const fb_buf b = ember_program_fb(p);
    const fb_vec v = {b, p->segments, p->num_segments};
    fb_table seg;
    if (!fb_vec_table(&v, i, &seg)) return false; /* i past the end */
    *off = fb_get(&seg, SEGMENT_OFFSET, 8);
    *sz = fb_get(&seg, SEGMENT_SIZE, 8);
    return true;
}

ember_status ember_program_load(ember_program* p, const void* data, size_t size)
{
    if (!p) return EMBER_INVALID_ARGUMENT;
    memset(p, 0, sizeof *p);
    if (!data) return ember_program_fail(p, EMBER_INVALID_ARGUMENT, "no data");
    p->data = (const uint8_t*)data;
    p->size = size;
    ember_status st = read_header(p);
    if (st) return st;

    fb_buf b = ember_program_fb(p);
    char why[160];
    if (!fb_verify(&b, ember_et12_schema, why, sizeof why))
        return MALFORMED(p, "flatbuffer verification failed: %s", why);
    fb_table root;
    uint32_t root_pos;
    if (!fb_follow(&b, 0, &root_pos) || !fb_table_at(&b, root_pos, &root))
        return MALFORMED(p, "bad root table offset");
    p->root = root.pos;
    p->version = (uint32_t)fb_get(&root, PROGRAM_VERSION, 4);

    fb_vec v;
    FB_VERIFIED(fb_vector(&root, PROGRAM_EXECUTION_PLAN, 4, &v));
    p->plans = v.pos;
    p->num_plans = v.len;
    for (uint32_t i = 0; i < v.len; i++)
        if (!ember_program_method_name(p, i)) return MALFORMED(p, "execution plan %" PRIu32 " is corrupt", i);

    FB_VERIFIED(fb_vector(&root, PROGRAM_SEGMENTS, 4, &v));
    p->segments = v.pos;
    p->num_segments = v.len;
    for (uint32_t i = 0; i < v.len; i++) {
        uint64_t off, sz;
        if (!segment_at(p, i, &off, &sz)) return MALFORMED(p, "segment %" PRIu32 " is corrupt", i);
        if (!p->segment_base) {
            /* ExecuTorch omits the header when no segment holds data: only empty ones are valid */
            if (sz) return MALFORMED(p, "segment %" PRIu32 " has %llu bytes but the file has no segment base offset", i, (unsigned long long)sz);
            continue;
        }
        if (off > p->size - p->segment_base || sz > p->size - p->segment_base - off)
            return MALFORMED(p, "segment %" PRIu32 " [%llu, +%llu) lies outside the file (truncated?)", i,
                             (unsigned long long)off, (unsigned long long)sz);
    }

    fb_table cs;
    bool has_cs;
    FB_VERIFIED(fb_subtable(&root, PROGRAM_CONSTANT_SEGMENT, &cs, &has_cs));
    if (has_cs) {
        p->const_segment = (uint32_t)fb_get(&cs, SUBSEGMENT_INDEX, 4);
        FB_VERIFIED(fb_vector(&cs, SUBSEGMENT_OFFSETS, 8, &v));
        /* As ExecuTorch: constants live in the segment only when its offsets name more than
         * the reserved entry 0; otherwise the legacy constant_buffer holds them. */
        if (v.len > 1) {
            p->const_offsets = v.pos;
            p->num_const_offsets = v.len;
            if (p->const_segment >= p->num_segments)
                return MALFORMED(p, "constant segment index %" PRIu32 " out of range (%" PRIu32 " segments)",
                                 p->const_segment, p->num_segments);
        }
    }

    FB_VERIFIED(fb_vector(&root, PROGRAM_CONSTANT_BUFFER, 4, &v));
    p->const_buffers = v.pos;
    p->num_const_buffers = v.len;
    if (p->const_offsets && v.len)
        return MALFORMED(p, "constants both in constant_buffer (%" PRIu32 ") and in the constant segment (%" PRIu32 "): only one may be used",
                         v.len, p->num_const_offsets);
    FB_VERIFIED(fb_vector(&root, PROGRAM_BACKEND_DELEGATE_DATA, 4, &v));
    p->inline_delegates = v.pos;
    p->num_inline_delegates = v.len;
    p->error[0] = 0;
    return EMBER_OK;
}

size_t ember_program_struct_size(void) { return sizeof(ember_program); }

const char* ember_program_error(const ember_program* p) { return p ? p->error : "no program"; }

size_t ember_program_method_count(const ember_program* p) { return p ? p->num_plans : 0; }

const char* ember_program_method_name(const ember_program* p, size_t index)
{
    if (!p || index >= p->num_plans) return NULL;
    fb_buf b = ember_program_fb(p);
    fb_vec v = {b, p->plans, p->num_plans};
    fb_table plan;
    const char* name = NULL;
    uint32_t len;
    if (!fb_vec_table(&v, (uint32_t)index, &plan) || !fb_string(&plan, PLAN_NAME, &name, &len))
        return NULL;
    return name;
}

ember_status ember_program_find_plan(const ember_program* p, const char* name, fb_table* plan)
{
    if (!name) return ember_program_fail(p, EMBER_INVALID_ARGUMENT, "no method name");
    for (size_t i = 0; i < p->num_plans; i++) {
        const char* n = ember_program_method_name(p, i);
        if (n && strcmp(n, name) == 0) {
            fb_buf b = ember_program_fb(p);
            fb_vec v = {b, p->plans, p->num_plans};
            return fb_vec_table(&v, (uint32_t)i, plan) ? EMBER_OK : MALFORMED(p, "bad plan");
        }
    }
    char names[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < p->num_plans && used + 2 < sizeof names; i++) {
        int n = ember_message(names + used, sizeof names - used, "%s'%s'", i ? ", " : "",
                         ember_program_method_name(p, i));
        if (n < 0) break;
        used += (size_t)n;
    }
    return ember_program_fail(p, EMBER_NOT_FOUND, "no method '%s' in program (methods: %s)", name,
                              names);
}

ember_status ember_program_segment(const ember_program* p, uint32_t index, const void** out,
                                   size_t* bytes)
{
    uint64_t off = 0, sz = 0;
    /* segment_at refuses an index out of range too (fb_vec_table): one test, two messages */
    if (!segment_at(p, index, &off, &sz))
        return MALFORMED(p, index >= p->num_segments ? "segment %" PRIu32 " out of range (%" PRIu32 " segments)" : "segment %" PRIu32 " is corrupt",
                         index, p->num_segments);
    *out = p->data + p->segment_base + (sz ? off : 0); /* bounds verified at program load */
    *bytes = (size_t)sz;
    return EMBER_OK;
}

/* The bytes of entry `index` of a vector of Buffer or BackendDelegateInlineData tables (at pos,
 * len entries): the table's only field, a byte vector. */
_Static_assert(BUFFER_STORAGE == 0 && INLINE_DATA_DATA == 0, "both tables hold their bytes in field 0");
static bool bytes_at(const ember_program* p, uint32_t pos, uint32_t len, uint32_t index, fb_vec* data)
{
    const fb_buf b = ember_program_fb(p);
    const fb_vec v = {b, pos, len};
    fb_table t;
    return fb_vec_table(&v, index, &t) && fb_vector(&t, BUFFER_STORAGE, 1, data);
}

/* The bytes of constant `index` must be aligned for its elements where they lie in memory. */
static ember_status constant_aligned(const ember_program* p, uint32_t index, const void* at, size_t align)
{
    if (align > 1 && ((uintptr_t)at & (align - 1)))
        return MALFORMED(p, "constant %" PRIu32 " at file offset %zu is not %zu-byte aligned (constants must be aligned for their dtype; load the file at a 16-byte aligned address)",
                         index, (size_t)((const uint8_t*)at - p->data), align);
    return EMBER_OK;
}

ember_status ember_program_constant(const ember_program* p, uint32_t index, size_t nbytes,
                                    size_t align, const void** out)
{
    fb_buf b = ember_program_fb(p);
    if (p->const_offsets) {
        if (index >= p->num_const_offsets)
            return MALFORMED(p, "constant %" PRIu32 " out of range (%" PRIu32 " constants)", index,
                             p->num_const_offsets);
        const void* seg;
        size_t seg_bytes;
        ember_status st = ember_program_segment(p, p->const_segment, &seg, &seg_bytes);
        if (st) return st;
        fb_vec v = {b, p->const_offsets, p->num_const_offsets};
        uint64_t off = fb_vec_u64(&v, index);
        if (off > seg_bytes || nbytes > seg_bytes - off)
            return MALFORMED(p, "constant %" PRIu32 " [%llu, +%zu) lies outside its %zu-byte segment", index,
                             (unsigned long long)off, nbytes, seg_bytes);
        *out = (const uint8_t*)seg + off;
        return constant_aligned(p, index, *out, align);
    }
    fb_vec storage;
    if (!bytes_at(p, p->const_buffers, p->num_const_buffers, index, &storage))
        return MALFORMED(p, index >= p->num_const_buffers ? "constant %" PRIu32 " out of range (%" PRIu32 " constant buffers)" : "constant buffer %" PRIu32 " is corrupt",
                         index, p->num_const_buffers);
    if (storage.len < nbytes)
        return MALFORMED(p, "constant buffer %" PRIu32 " has %" PRIu32 " bytes, tensor needs %zu", index, storage.len,
                         nbytes);
    *out = p->data + storage.pos;
    return constant_aligned(p, index, *out, align);
}

ember_status ember_program_inline_delegate(const ember_program* p, uint32_t index,
                                           const void** out, size_t* bytes)
{
    fb_vec data;
    /* bytes_at refuses an index out of range too (fb_vec_table) */
    if (!bytes_at(p, p->inline_delegates, p->num_inline_delegates, index, &data))
        return MALFORMED(p, index >= p->num_inline_delegates ? "inline delegate data %" PRIu32 " out of range" : "inline delegate data %" PRIu32 " is corrupt", index);
    *out = p->data + data.pos;
    *bytes = data.len;
    return EMBER_OK;
}

size_t ember_program_constant_bytes(const ember_program* p)
{
    if (!p) return 0;
    size_t total = 0;
    if (p->const_offsets && p->num_const_offsets > 1) {
        const void* seg;
        size_t bytes;
        if (ember_program_segment(p, p->const_segment, &seg, &bytes) == EMBER_OK) total += bytes;
    }
    for (uint32_t i = 0; i < p->num_const_buffers; i++) {
        fb_vec storage;
        if (bytes_at(p, p->const_buffers, p->num_const_buffers, i, &storage)) total += storage.len;
    }
    return total;
}

ember_status ember_program_method_spec(const ember_program* p, size_t index, const char** inputs,
                                       const char** outputs)
{
    if (!p || !inputs || !outputs) return EMBER_INVALID_ARGUMENT;
    *inputs = *outputs = "";
    if (index >= p->num_plans) return EMBER_NOT_FOUND;
    fb_buf b = ember_program_fb(p);
    fb_vec v = {b, p->plans, p->num_plans};
    fb_table plan, meta;
    bool has_meta;
    const char *in = NULL, *out = NULL;
    uint32_t len;
    if (!fb_vec_table(&v, (uint32_t)index, &plan) ||
        !fb_subtable(&plan, PLAN_CONTAINER_META, &meta, &has_meta))
        return EMBER_MALFORMED_PROGRAM;
    if (!has_meta) return EMBER_OK;
    if (!fb_string(&meta, CONTAINER_META_INPUTS, &in, &len) ||
        !fb_string(&meta, CONTAINER_META_OUTPUTS, &out, &len))
        return EMBER_MALFORMED_PROGRAM;
    if (in) *inputs = in;
    if (out) *outputs = out;
    return EMBER_OK;
}
