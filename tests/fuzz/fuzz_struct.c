/* fuzz_struct.c — structure-aware libFuzzer target: fuzz_execute's run, with a mutator that
 * knows the ET12 schema.
 *
 * LLVMFuzzerCustomMutator parses the program with Ember's bounds-checked FlatBuffers reader,
 * collects the places where one semantic field is stored (an Int's value, a Double's value, a
 * tensor's sizes, dim_order, scalar_type, data_buffer_idx and allocation, a KernelCall's
 * op_index and args, MoveCall, JumpFalseCall and FreeCall operands, the plan's inputs, outputs
 * and planned buffer sizes, list items, constant offsets and segments, union tags) and
 * overwrites one to three of them in place with an "interesting" value: 0, ±1, the type's
 * extremes, ±2^62, 2^31±1, the value ±1, a small random number, another valid value index (of
 * the same kind when possible); for doubles NaN, ±inf, ±1e308, -0.0. A field kind is chosen
 * first, then a field of that kind, so rare fields (op_index, jumps, offsets) get as many
 * mutations as the long vectors. Two whole-program edits come first: one call in ten cuts a
 * chain down to one instruction (or its first k), half of those then retyped; one in eight of
 * the rest retypes every tensor of one dtype in a plan (f32 -> f64, scaling planned sizes and
 * offsets to match), to reach the kernels' other dtype paths. One call in five, and whenever
 * the bytes do not parse, it falls back to libFuzzer's byte mutations. Fields a writer left at
 * their default are not stored and cannot be changed in place; byte mutations and the corpus
 * cover those. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "runtime/format/flatbuffer.h"
#include "runtime/format/schema.h"

size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz_execute_program(data, size);
    return 0;
}

/* ---- where the fields are ------------------------------------------------------------------ */

enum site_kind {
    K_INT_VAL,          /* Int.int_val (i64) */
    K_DOUBLE_VAL,       /* Double.double_val, DoubleList items (f64) */
    K_BOOL_VAL,         /* Bool.bool_val, BoolList items (u8) */
    K_VALUE_REF,        /* a value index: args, io, Move/JumpFalse/Free operands, list items */
    K_SIZE,             /* Tensor.sizes[i] (i32) */
    K_DIM_ORDER,        /* Tensor.dim_order[i] (u8) */
    K_SCALAR_TYPE,      /* Tensor.scalar_type (i8) */
    K_DATA_BUFFER_IDX,  /* Tensor.data_buffer_idx (u32) */
    K_MEMORY_ID,        /* AllocationDetails.memory_id (u32) */
    K_OFFSET_LOW,       /* AllocationDetails.memory_offset_low (u32) */
    K_OFFSET_HIGH,      /* AllocationDetails.memory_offset_high (u32) */
    K_OP_INDEX,         /* KernelCall.op_index (i32) */
    K_JUMP_DEST,        /* JumpFalseCall.destination_instruction (i32) */
    K_DELEGATE_INDEX,   /* DelegateCall.delegate_index (i32) */
    K_BUFFER_SIZE,      /* ExecutionPlan.non_const_buffer_sizes[i] (i64) */
    K_CONST_OFFSET,     /* constant_segment.offsets[i], DataSegment offset/size (u64) */
    K_VALUE_TAG,        /* EValue.val_type (u8): type confusion */
    K_INSTR_TAG,        /* Instruction.instr_args_type (u8) */
    K_COUNT
};

typedef struct site {
    uint32_t off;   /* where the field's bytes are */
    uint8_t width;  /* 1, 4 or 8 */
    uint8_t kind;
    uint8_t plan;
    uint8_t is_signed;
    uint32_t limit; /* one past the largest valid value (value count, op count, chain length..) */
    uint32_t vec;   /* dim_order and sizes: the vector's first element, for swaps */
    uint32_t vec_len;
} site;

#define MAX_SITES 16384
#define MAX_PLANS 4
#define MAX_TAGGED_VALUES 8192

static site sites[MAX_SITES];
static uint32_t num_sites, sites_seen;

/* Each chain's instruction vector: `pos` is its first element, the u32 count sits before it. */
#define MAX_CHAINS 64
typedef struct instr_vec {
    uint32_t pos, len;
} instr_vec;
static instr_vec chains_seen[MAX_CHAINS];
static uint32_t num_chains;
static uint8_t value_tags[MAX_PLANS][MAX_TAGGED_VALUES];
static uint32_t value_counts[MAX_PLANS];

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* xorshift64*: the seed comes from libFuzzer, so runs are reproducible */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static uint32_t below(uint32_t n) { return n ? (uint32_t)(rnd() % n) : 0; }

static void add_site(const fb_buf* b, uint64_t off, uint8_t width, uint8_t kind, uint8_t plan, bool is_signed, uint32_t limit)
{
    if (!off || !fb_in(b, off, width)) return;
    site s = {(uint32_t)off, width, kind, plan, is_signed, limit, 0, 0};
    sites_seen++;
    if (num_sites < MAX_SITES) {
        sites[num_sites++] = s;
    } else {
        uint32_t j = below(sites_seen); /* reservoir sampling keeps a fair subset */
        if (j < MAX_SITES) sites[j] = s;
    }
}

static void add_field(const fb_buf* b, const fb_table* t, int id, uint8_t width, uint8_t kind, uint8_t plan, bool is_signed, uint32_t limit)
{
    uint32_t off;
    if (fb_field(t, id, width, &off) && off) add_site(b, off, width, kind, plan, is_signed, limit);
}

static void add_vector(const fb_buf* b, const fb_table* t, int id, uint8_t width, uint8_t kind, uint8_t plan, bool is_signed, uint32_t limit)
{
    fb_vec v;
    if (!fb_vector(t, id, width, &v) || !v.pos) return;
    for (uint32_t k = 0; k < v.len && k < 4096; k++) {
        uint64_t off = (uint64_t)v.pos + (uint64_t)k * width;
        if (!fb_in(b, off, width)) return;
        uint32_t before = num_sites;
        add_site(b, off, width, kind, plan, is_signed, limit);
        if (num_sites > before) {
            sites[num_sites - 1].vec = v.pos;
            sites[num_sites - 1].vec_len = v.len;
        }
    }
}

static void collect_tensor(const fb_buf* b, const fb_table* t, uint8_t plan, uint32_t num_constants, uint32_t num_buffers)
{
    add_field(b, t, TENSOR_SCALAR_TYPE, 1, K_SCALAR_TYPE, plan, true, 30);
    add_vector(b, t, TENSOR_SIZES, 4, K_SIZE, plan, true, 0);
    add_vector(b, t, TENSOR_DIM_ORDER, 1, K_DIM_ORDER, plan, false, EMBER_MAX_DIMS);
    add_field(b, t, TENSOR_DATA_BUFFER_IDX, 4, K_DATA_BUFFER_IDX, plan, false, num_constants);
    fb_table alloc;
    bool has;
    if (fb_subtable(t, TENSOR_ALLOCATION_INFO, &alloc, &has) && has) {
        add_field(b, &alloc, ALLOC_MEMORY_ID, 4, K_MEMORY_ID, plan, false, num_buffers);
        add_field(b, &alloc, ALLOC_OFFSET_LOW, 4, K_OFFSET_LOW, plan, false, 0);
        add_field(b, &alloc, ALLOC_OFFSET_HIGH, 4, K_OFFSET_HIGH, plan, false, 0);
    }
}

static void collect_instruction(const fb_buf* b, const fb_table* it, uint8_t plan, uint32_t num_values,
                                uint32_t num_ops, uint32_t num_delegates, uint32_t chain_len)
{
    uint8_t kind;
    fb_table call;
    bool has;
    add_field(b, it, INSTRUCTION_ARGS_TYPE, 1, K_INSTR_TAG, plan, false, INSTR_FREE_CALL + 1);
    if (!fb_u8(it, INSTRUCTION_ARGS_TYPE, &kind) || !fb_subtable(it, INSTRUCTION_ARGS, &call, &has) || !has) return;
    switch (kind) {
    case INSTR_KERNEL_CALL:
        add_field(b, &call, KERNEL_CALL_OP_INDEX, 4, K_OP_INDEX, plan, true, num_ops);
        add_vector(b, &call, KERNEL_CALL_ARGS, 4, K_VALUE_REF, plan, true, num_values);
        break;
    case INSTR_DELEGATE_CALL:
        add_field(b, &call, DELEGATE_CALL_INDEX, 4, K_DELEGATE_INDEX, plan, true, num_delegates);
        add_vector(b, &call, DELEGATE_CALL_ARGS, 4, K_VALUE_REF, plan, true, num_values);
        break;
    case INSTR_MOVE_CALL:
        add_field(b, &call, MOVE_CALL_FROM, 4, K_VALUE_REF, plan, true, num_values);
        add_field(b, &call, MOVE_CALL_TO, 4, K_VALUE_REF, plan, true, num_values);
        break;
    case INSTR_JUMP_FALSE_CALL:
        add_field(b, &call, JUMP_FALSE_COND, 4, K_VALUE_REF, plan, true, num_values);
        add_field(b, &call, JUMP_FALSE_DEST, 4, K_JUMP_DEST, plan, true, chain_len + 1);
        break;
    case INSTR_FREE_CALL: add_field(b, &call, FREE_CALL_VALUE, 4, K_VALUE_REF, plan, true, num_values); break;
    default: break;
    }
}

static void collect_plan(const fb_buf* b, const fb_table* plan, uint8_t p, uint32_t num_constants)
{
    fb_vec values, ops, dels, chains, bufs;
    if (!fb_vector(plan, PLAN_VALUES, 4, &values)) return;
    if (!fb_vector(plan, PLAN_OPERATORS, 4, &ops)) ops.len = 0;
    if (!fb_vector(plan, PLAN_DELEGATES, 4, &dels)) dels.len = 0;
    if (!fb_vector(plan, PLAN_NON_CONST_BUFFER_SIZES, 8, &bufs)) bufs.len = 0;
    value_counts[p] = values.len;
    for (uint32_t i = 0; i < values.len && i < MAX_TAGGED_VALUES; i++) {
        fb_table ev, val;
        uint8_t type;
        bool has;
        value_tags[p][i] = 0xff;
        if (!fb_vec_table(&values, i, &ev) || !fb_u8(&ev, EVALUE_VAL_TYPE, &type)) continue;
        value_tags[p][i] = type;
        add_field(b, &ev, EVALUE_VAL_TYPE, 1, K_VALUE_TAG, p, false, EMBER_VALUE_OPTIONAL_TENSOR_LIST + 1);
        if (!fb_subtable(&ev, EVALUE_VAL, &val, &has) || !has) continue;
        switch (type) {
        case EMBER_VALUE_INT: add_field(b, &val, SCALAR_VALUE, 8, K_INT_VAL, p, true, 0); break;
        case EMBER_VALUE_DOUBLE: add_field(b, &val, SCALAR_VALUE, 8, K_DOUBLE_VAL, p, true, 0); break;
        case EMBER_VALUE_BOOL: add_field(b, &val, SCALAR_VALUE, 1, K_BOOL_VAL, p, false, 2); break;
        case EMBER_VALUE_TENSOR: collect_tensor(b, &val, p, num_constants, bufs.len); break;
        case EMBER_VALUE_INT_LIST: add_vector(b, &val, LIST_ITEMS, 8, K_VALUE_REF, p, true, values.len); break;
        case EMBER_VALUE_DOUBLE_LIST: add_vector(b, &val, LIST_ITEMS, 8, K_DOUBLE_VAL, p, true, 0); break;
        case EMBER_VALUE_BOOL_LIST: add_vector(b, &val, LIST_ITEMS, 1, K_BOOL_VAL, p, false, 2); break;
        case EMBER_VALUE_TENSOR_LIST:
        case EMBER_VALUE_OPTIONAL_TENSOR_LIST: add_vector(b, &val, LIST_ITEMS, 4, K_VALUE_REF, p, true, values.len); break;
        default: break;
        }
    }
    add_vector(b, plan, PLAN_INPUTS, 4, K_VALUE_REF, p, true, values.len);
    add_vector(b, plan, PLAN_OUTPUTS, 4, K_VALUE_REF, p, true, values.len);
    add_vector(b, plan, PLAN_NON_CONST_BUFFER_SIZES, 8, K_BUFFER_SIZE, p, true, 0);
    if (!fb_vector(plan, PLAN_CHAINS, 4, &chains)) return;
    for (uint32_t c = 0; c < chains.len && c < 64; c++) {
        fb_table chain, it;
        fb_vec instrs;
        if (!fb_vec_table(&chains, c, &chain) || !fb_vector(&chain, CHAIN_INSTRUCTIONS, 4, &instrs)) continue;
        if (instrs.len > 1 && num_chains < MAX_CHAINS) chains_seen[num_chains++] = (instr_vec){instrs.pos, instrs.len};
        for (uint32_t i = 0; i < instrs.len && i < 8192; i++)
            if (fb_vec_table(&instrs, i, &it)) collect_instruction(b, &it, p, values.len, ops.len, dels.len, instrs.len);
    }
}

/* Finds every mutable field; false if the bytes are not a program this reader can walk. */
static bool collect(const uint8_t* data, size_t size)
{
    fb_buf b = {data, size};
    fb_table root, cs, seg;
    fb_vec plans, segs, bufs;
    bool has;
    num_sites = sites_seen = num_chains = 0;
    if (size < 8 || !fb_table_at(&b, fb_rd_u32(data), &root) || !fb_vector(&root, PROGRAM_EXECUTION_PLAN, 4, &plans))
        return false;
    uint32_t num_constants = 0;
    if (fb_subtable(&root, PROGRAM_CONSTANT_SEGMENT, &cs, &has) && has) {
        fb_vec offs;
        if (fb_vector(&cs, SUBSEGMENT_OFFSETS, 8, &offs)) num_constants = offs.len;
        add_vector(&b, &cs, SUBSEGMENT_OFFSETS, 8, K_CONST_OFFSET, 0, false, 0);
    }
    if (fb_vector(&root, PROGRAM_CONSTANT_BUFFER, 4, &bufs) && bufs.len > num_constants) num_constants = bufs.len;
    if (fb_vector(&root, PROGRAM_SEGMENTS, 4, &segs))
        for (uint32_t i = 0; i < segs.len && i < 256; i++)
            if (fb_vec_table(&segs, i, &seg)) {
                add_field(&b, &seg, SEGMENT_OFFSET, 8, K_CONST_OFFSET, 0, false, 0);
                add_field(&b, &seg, SEGMENT_SIZE, 8, K_CONST_OFFSET, 0, false, 0);
            }
    for (uint32_t p = 0; p < plans.len && p < MAX_PLANS; p++) {
        fb_table plan;
        value_counts[p] = 0;
        if (fb_vec_table(&plans, p, &plan)) collect_plan(&b, &plan, (uint8_t)p, num_constants);
    }
    return num_sites > 0;
}

/* ---- what to write ------------------------------------------------------------------------- */

static int64_t load_le(const uint8_t* p, uint8_t width, bool is_signed)
{
    uint64_t u = 0;
    for (uint8_t k = 0; k < width; k++) u |= (uint64_t)p[k] << (8 * k);
    if (is_signed && width < 8 && (u >> (8 * width - 1)) & 1) u |= ~0ull << (8 * width);
    return (int64_t)u;
}

static void store_le(uint8_t* p, uint8_t width, uint64_t v)
{
    for (uint8_t k = 0; k < width; k++) p[k] = (uint8_t)(v >> (8 * k));
}

/* Another value index of the plan, of the same kind as value `cur` when one is found. */
static int64_t other_value(const site* s, int64_t cur)
{
    uint32_t n = value_counts[s->plan];
    if (!n) return 0;
    uint32_t tagged = n < MAX_TAGGED_VALUES ? n : MAX_TAGGED_VALUES;
    int want = cur >= 0 && cur < (int64_t)tagged ? value_tags[s->plan][cur] : -1;
    uint32_t pick = below(tagged);
    for (int tries = 0; want >= 0 && tries < 16 && value_tags[s->plan][pick] != want; tries++) pick = below(tagged);
    return pick;
}

static uint64_t interesting_int(const site* s, int64_t cur)
{
    uint8_t w = s->width;
    int64_t smax = w == 8 ? INT64_MAX : w == 4 ? INT32_MAX : 127;
    int64_t smin = w == 8 ? INT64_MIN : w == 4 ? INT32_MIN : -128;
    int64_t big = w == 8 ? (int64_t)1 << 62 : w == 4 ? (int64_t)1 << 30 : 64;
    switch (below(20)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return (uint64_t)-1;
    case 3: return (uint64_t)smax;
    case 4: return (uint64_t)smin;
    case 5: return (uint64_t)big;
    case 6: return (uint64_t)-big;
    case 7: return w == 1 ? 255 : 0x7fffffffu;
    case 8: return w == 1 ? 128 : 0x80000000u;
    case 9: return w == 1 ? 129 : 0x80000001u;
    case 10: return (uint64_t)cur + 1;
    case 11: return (uint64_t)cur - 1;
    case 12: return (uint64_t)((int64_t)below(72) - 8);
    case 13: return (uint64_t)cur * 2;
    case 14: return s->limit ? s->limit : (uint64_t)cur + 2; /* one past the end */
    case 15: return s->limit ? below(s->limit) : (uint64_t)below(9);
    case 16: return w == 8 ? (uint64_t)1 << 32 : (uint64_t)cur + 4;
    case 17: return 0 - (uint64_t)cur;
    case 18: return (uint64_t)cur + 1 + below(15); /* misaligns offsets */
    default: return (uint64_t)below(4);
    }
}

static double interesting_double(double cur)
{
    static const double table[] = {NAN, INFINITY, -INFINITY, 1e308, -1e308, -0.0, 0.0, 1.0, -1.0, 1e-310,
                                   9.3e18, -9.3e18, 2147483648.0, 4.5e15, 0.5, 2.5, -3.0, 1e30};
    uint32_t n = sizeof table / sizeof table[0];
    uint32_t k = below(n + 3);
    if (k < n) return table[k];
    if (k == n) return cur * 2;
    if (k == n + 1) return cur + 1;
    return (double)((int)below(17) - 8);
}

static void mutate_site(uint8_t* data, const site* s)
{
    uint8_t* p = data + s->off;
    int64_t cur = load_le(p, s->width, s->is_signed);
    switch (s->kind) {
    case K_DOUBLE_VAL: {
        double d;
        memcpy(&d, p, 8);
        d = interesting_double(d);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        store_le(p, 8, bits);
        return;
    }
    case K_VALUE_REF:
        if (below(3) == 0) {
            store_le(p, s->width, (uint64_t)other_value(s, cur));
            return;
        }
        break;
    case K_SCALAR_TYPE: {
        static const uint8_t types[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 22, 27, 28, 29, 30, 127, 128, 255};
        if (below(4)) {
            store_le(p, 1, types[below(sizeof types)]);
            return;
        }
        break;
    }
    case K_DIM_ORDER:
    case K_SIZE:
        /* swap with another entry of the same vector: a valid permutation, a transposed shape */
        if (s->vec_len > 1 && below(3) == 0) {
            uint32_t other = s->vec + below(s->vec_len) * s->width;
            if (other + s->width <= s->vec + s->vec_len * s->width) {
                uint8_t tmp[4];
                memcpy(tmp, p, s->width);
                memmove(p, data + other, s->width);
                memcpy(data + other, tmp, s->width);
                return;
            }
        }
        break;
    case K_VALUE_TAG:
    case K_INSTR_TAG:
    case K_BOOL_VAL:
        if (below(2)) {
            store_le(p, 1, below(s->limit + 1));
            return;
        }
        break;
    default: break;
    }
    store_le(p, s->width, interesting_int(s, cur));
}

/* Every tensor of one plan with dtype `from` becomes dtype `to`, and when `to` is wider the
 * planned buffer sizes and offsets grow by the same factor: a consistent program that runs the
 * kernels' other dtype paths (one field at a time only makes a dtype mismatch). Programs with
 * constants of that dtype then fail to load: their bytes do not grow. */
static bool retype_all(uint8_t* data)
{
    static const uint8_t types[] = {EMBER_DTYPE_U8, EMBER_DTYPE_I8, EMBER_DTYPE_I16, EMBER_DTYPE_I32, EMBER_DTYPE_I64,
                                    EMBER_DTYPE_F16, EMBER_DTYPE_F32, EMBER_DTYPE_F64, EMBER_DTYPE_BOOL, EMBER_DTYPE_BF16,
                                    EMBER_DTYPE_U16, EMBER_DTYPE_U32, EMBER_DTYPE_U64};
    uint32_t n = 0;
    for (uint32_t i = 0; i < num_sites; i++) n += sites[i].kind == K_SCALAR_TYPE;
    if (!n) return false;
    uint32_t nth = below(n);
    const site* pick = NULL;
    for (uint32_t i = 0; i < num_sites && !pick; i++)
        if (sites[i].kind == K_SCALAR_TYPE && nth-- == 0) pick = &sites[i];
    uint8_t from = data[pick->off], plan = pick->plan;
    uint8_t to = types[below(sizeof types)];
    size_t fs = ember_dtype_size(from), ts = ember_dtype_size(to);
    if (!fs || !ts || to == from || ts < fs) return false;
    uint64_t scale = ts / fs;
    for (uint32_t i = 0; i < num_sites; i++) {
        site* t = &sites[i];
        if (t->plan != plan) continue;
        uint8_t* p = data + t->off;
        if (t->kind == K_SCALAR_TYPE && *p == from) *p = to;
        if (scale == 1) continue;
        if (t->kind == K_BUFFER_SIZE || t->kind == K_OFFSET_LOW) {
            uint64_t v = (uint64_t)load_le(p, t->width, false);
            uint64_t limit = t->width == 8 ? (uint64_t)1 << 40 : UINT32_MAX / 8;
            if (v < limit) store_le(p, t->width, v * scale);
        }
    }
    return true;
}

/* A chain keeps one of its instructions (its first element is pointed at instruction j and its
 * count set to 1), or its first k: one kernel alone, which a retype can then take along paths a
 * kernel of the full program would have refused. */
static bool cut_chain(uint8_t* data, size_t size)
{
    if (!num_chains) return false;
    const instr_vec* v = &chains_seen[below(num_chains)];
    if (v->pos < 4 || (uint64_t)v->pos + 4ull * v->len > size) return false;
    uint32_t j = below(v->len);
    if (below(2)) {
        uint64_t target = (uint64_t)v->pos + 4ull * j + (uint32_t)load_le(data + v->pos + 4 * j, 4, false);
        uint64_t rel = target - v->pos; /* FlatBuffers offsets point forward */
        if (target <= v->pos || rel > UINT32_MAX) return false;
        store_le(data + v->pos, 4, rel);
        store_le(data + v->pos - 4, 4, 1);
    } else {
        store_le(data + v->pos - 4, 4, j + 1);
    }
    return true;
}

size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed)
{
    rng_state = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 1 | 1);
    if (below(5) == 0 || !collect(data, size)) return LLVMFuzzerMutate(data, size, max_size);
    if (below(10) == 0 && cut_chain(data, size)) {
        if (below(2)) retype_all(data);
        return size;
    }
    if (below(8) == 0 && retype_all(data)) return size;
    /* a kind first (among those present), then one of its fields */
    uint32_t count[K_COUNT] = {0};
    for (uint32_t i = 0; i < num_sites; i++) count[sites[i].kind]++;
    uint32_t kinds[K_COUNT], num_kinds = 0;
    for (uint32_t k = 0; k < K_COUNT; k++)
        if (count[k]) kinds[num_kinds++] = k;
    uint32_t edits = 1 + (below(4) == 0 ? below(3) : 0);
    for (uint32_t e = 0; e < edits; e++) {
        uint32_t kind = kinds[below(num_kinds)];
        uint32_t nth = below(count[kind]);
        for (uint32_t i = 0; i < num_sites; i++) {
            if (sites[i].kind != kind) continue;
            if (nth-- == 0) {
                mutate_site(data, &sites[i]);
                break;
            }
        }
    }
    return size;
}
