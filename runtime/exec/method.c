/* method.c — turns a verified program's execution plan into a runnable method inside the
 * caller's memory, and runs it.
 *
 * Loading is one walk over the plan done twice: in "measure" mode it only counts the bytes it
 * would take (ember_method_requirements_get), in "build" mode it fills the caller's block. The
 * same code runs both ways, so the reported size is exact. Everything the execute loop relies
 * on (indices, tags, shapes, kernels, delegates) is checked during the walk; execute itself is
 * a flat loop over resolved instructions. No malloc anywhere. */
#include <stdarg.h>
#include <string.h>

#include "kernels/kernel_util.h" /* with runtime/core/format.h */
#include "runtime/core/tensor.h"
#include "runtime/exec/method.h"
#include "runtime/format/program.h"
#include "runtime/format/schema.h"

_Static_assert((int)EMBER_INSTRUCTION_KERNEL == INSTR_KERNEL_CALL && (int)EMBER_INSTRUCTION_DELEGATE == INSTR_DELEGATE_CALL &&
                   (int)EMBER_INSTRUCTION_MOVE == INSTR_MOVE_CALL && (int)EMBER_INSTRUCTION_JUMP_FALSE == INSTR_JUMP_FALSE_CALL &&
                   (int)EMBER_INSTRUCTION_FREE == INSTR_FREE_CALL,
               "ember_instruction_kind is numbered as the format's InstructionArguments");

#define BOOKKEEPING_ALIGN 16
#define MSG_BYTES (EMBER_MESSAGES ? 200 : 1) /* a kernel's message; without messages always "" */
#define MAX_STEPS_PER_INSTRUCTION (1u << 20) /* loop bound of one execute, per instruction */
/* A loader helper kept out of line at -Os, where that measured smaller (firmware); inlined as
 * the compiler chooses elsewhere. */
#if defined(__OPTIMIZE_SIZE__)
#define SIZE_NOINLINE __attribute__((noinline))
#else
#define SIZE_NOINLINE
#endif

/* Where every tensor of zero bytes points: never NULL, never read or written. */
static const uint64_t ember_empty_storage[2];

typedef struct loader {
    ember_program* p;
    fb_buf b;
    fb_table plan;
    fb_vec values;                       /* the plan's EValue vector */
    uint8_t* base;                       /* NULL in measure mode */
    size_t used;                         /* bytes taken so far from base */
    bool overflow;
    void* const* buffers;                /* build mode: caller's planned buffers (count checked) */
    size_t buffer_bytes[EMBER_MAX_BUFFERS];
    size_t num_file_buffers;             /* entries of non_const_buffer_sizes */
    ember_method* m;                     /* build mode */
    uint8_t* changing;                   /* (num values) 1: a move target or a scalar input */
    ember_tensor* tensors;               /* build mode: every tensor value, in value order */
    uint32_t num_tensors;                /* tensors parsed so far */
    uint32_t num_ops, num_delegates;     /* the plan's operators and delegates */
} loader;

#if EMBER_MESSAGES
/* EMBER_MALFORMED_PROGRAM with a message: one argument less at each of the loader's many calls. */
static ember_status malformed(const loader* L, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static ember_status malformed(const loader* L, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ember_program_vfail(L->p, EMBER_MALFORMED_PROGRAM, fmt, ap);
    va_end(ap);
    return EMBER_MALFORMED_PROGRAM;
}
#define MALFORMED(L, ...) malformed((L), __VA_ARGS__)
#else
#define MALFORMED(L, ...) ember_program_fail((L)->p, EMBER_MALFORMED_PROGRAM, __VA_ARGS__)
#endif

/* Takes n * elem bytes aligned to `align`; NULL in measure mode. */
static void* take(loader* L, size_t n, size_t elem, size_t align)
{
    if (elem && n > (SIZE_MAX / 2) / elem) {
        L->overflow = true;
        return NULL;
    }
    L->used = (L->used + align - 1) & ~(align - 1);
    void* out = L->base ? L->base + L->used : NULL;
    L->used += n * elem;
    if (L->used > SIZE_MAX / 2) L->overflow = true;
    return out;
}

/* ---- values ---------------------------------------------------------------------------- */

/* The union type of value `idx` and its payload table (absent, pos 0, for Null). */
static ember_status value_at(loader* L, uint32_t idx, uint8_t* type, fb_table* val)
{
    fb_table ev;
    bool has_val;
    if (idx >= L->values.len) return MALFORMED(L, "value index %" PRIu32 " out of range (%" PRIu32 " values)", idx, L->values.len);
    FB_VERIFIED(fb_vec_table(&L->values, idx, &ev));
    *type = (uint8_t)fb_get(&ev, EVALUE_VAL_TYPE, 1);
    FB_VERIFIED(fb_subtable(&ev, EVALUE_VAL, val, &has_val)); /* an unknown kind's: refused below */
    if (*type > EMBER_VALUE_OPTIONAL_TENSOR_LIST)
        return MALFORMED(L, "value %" PRIu32 " has unknown kind %u", idx, *type);
    if (*type > EMBER_VALUE_NULL && !has_val) return MALFORMED(L, "value %" PRIu32 " has no payload", idx);
    return EMBER_OK;
}

/* Not inlined into the walk, its only caller, when optimizing for size: the walk then needs
 * fewer registers (with input_of below, core_size 54 bytes and core_size_small 50 smaller). */
static SIZE_NOINLINE ember_status bind_tensor_data(loader* L, uint32_t idx, const fb_table* t, ember_tensor* out)
{
    const uint32_t data_idx = (uint32_t)fb_get(t, TENSOR_DATA_BUFFER_IDX, 4);
    fb_table alloc;
    bool has_alloc;
    FB_VERIFIED(fb_subtable(t, TENSOR_ALLOCATION_INFO, &alloc, &has_alloc));

    const size_t esize = ember_dtype_size(out->dtype);
    const void* constant = NULL;
    if (data_idx) {
        ember_status st = ember_program_constant(L->p, data_idx, out->nbytes, esize, &constant);
        if (st) return st;
    }
    if (has_alloc) {
        const uint32_t mem_id = (uint32_t)fb_get(&alloc, ALLOC_MEMORY_ID, 4);
        const uint32_t lo = (uint32_t)fb_get(&alloc, ALLOC_OFFSET_LOW, 4);
        const uint32_t hi = (uint32_t)fb_get(&alloc, ALLOC_OFFSET_HIGH, 4);
        if (mem_id == 0 || mem_id >= L->num_file_buffers)
            return MALFORMED(L, "tensor value %" PRIu32 " uses memory id %" PRIu32 "; the method plans %zu buffers",
                             idx, mem_id, L->num_file_buffers ? L->num_file_buffers - 1 : 0);
        /* A buffer holds at most SIZE_MAX / 2 bytes (loader_init): where size_t is 32-bit, an
         * offset with hi set overruns it, and one that fits is lo (32-bit arithmetic). */
        const uint64_t off64 = (uint64_t)hi << 32 | lo;
        const size_t cap = L->buffer_bytes[mem_id], off = (size_t)off64;
        if ((SIZE_MAX == UINT32_MAX ? hi != 0 : off64 > SIZE_MAX) || off > cap || out->nbytes > cap - off)
            return MALFORMED(L, "tensor value %" PRIu32 " [%llu, +%zu) overruns planned buffer %" PRIu32 " (%zu bytes)",
                             idx, (unsigned long long)off64, out->nbytes, mem_id, cap);
        /* Buffers are EMBER_BUFFER_ALIGN-aligned (method load checks), so an offset aligned for
         * the element type gives aligned loads and stores in every kernel. */
        if (off % esize)
            return MALFORMED(L, "tensor value %" PRIu32 ": planned offset %zu is not aligned for %s (%zu bytes)",
                             idx, off, ember_dtype_name(out->dtype), esize);
        out->storage = EMBER_TENSOR_PLANNED;
        if (L->base && L->buffers && out->nbytes) {
            out->data = (uint8_t*)L->buffers[mem_id] + off;
            if (constant) memcpy(out->data, constant, out->nbytes); /* mutable state */
        }
    } else if (data_idx) {
        out->storage = EMBER_TENSOR_CONSTANT;
        out->data = (void*)constant; /* read-only: outs are never constants (check_outs) */
    } else {
        out->storage = EMBER_TENSOR_BORROWED;
        out->data = NULL;
    }
    /* An empty tensor still points somewhere valid: kernels may form (data + 0). */
    if (!out->nbytes && L->base && (out->storage != EMBER_TENSOR_PLANNED || L->buffers))
        out->data = (void*)ember_empty_storage;
    return EMBER_OK;
}

/* TensorShapeDynamism: STATIC, DYNAMIC_BOUND (sizes up to the file's), DYNAMIC_UNBOUND. */
enum { SHAPE_STATIC, SHAPE_DYNAMIC_BOUND, SHAPE_DYNAMIC_UNBOUND };

static ember_status parse_tensor(loader* L, uint32_t idx, const fb_table* t, ember_tensor* out)
{
    fb_vec sizes, order;
    memset(out, 0, sizeof *out);
    const int8_t dtype = (int8_t)fb_get(t, TENSOR_SCALAR_TYPE, 1);
    FB_VERIFIED(fb_vector(t, TENSOR_SIZES, 4, &sizes));
    FB_VERIFIED(fb_vector(t, TENSOR_DIM_ORDER, 1, &order));
    const uint8_t dynamism = (uint8_t)fb_get(t, TENSOR_SHAPE_DYNAMISM, 1);
    if (dynamism > SHAPE_DYNAMIC_BOUND)
        return ember_program_fail(L->p, EMBER_NOT_SUPPORTED, "tensor value %" PRIu32 " has %s shape dynamism (%u): Ember plans all memory ahead, so only static and upper-bounded shapes are supported",
                                  idx, dynamism == SHAPE_DYNAMIC_UNBOUND ? "unbounded" : "unknown", dynamism);
    size_t esize = ember_dtype_size(dtype);
    if (!esize)
        return ember_program_fail(L->p, EMBER_NOT_SUPPORTED, "tensor value %" PRIu32 " has scalar type %d, which Ember does not support", idx, dtype);
    if (sizes.len > EMBER_MAX_DIMS)
        return ember_program_fail(L->p, EMBER_NOT_SUPPORTED, "tensor value %" PRIu32 " has rank %" PRIu32 " (Ember supports up to %d)", idx, sizes.len, EMBER_MAX_DIMS);
    if (order.len && order.len != sizes.len)
        return MALFORMED(L, "tensor value %" PRIu32 ": dim_order has %" PRIu32 " entries for rank %" PRIu32, idx, order.len, sizes.len);
    out->dtype = (uint8_t)dtype;
    out->dim = (uint8_t)sizes.len;
    /* numel, and the product of the non-zero sizes (the strides of an empty tensor), both
     * below 2^31: no stride or offset computed from them can overflow. */
    uint32_t span = 1, seen = 0; /* span: the product of the non-zero sizes, below 2^31 */
    bool empty = false;
    for (uint32_t d = 0; d < sizes.len; d++) {
        int32_t s = fb_vec_i32(&sizes, d);
        if (s < 0) return MALFORMED(L, "tensor value %" PRIu32 " has negative size %" PRId32, idx, s);
        out->sizes[d] = s;
        empty |= s == 0;
        if (s && span > INT32_MAX / (uint32_t)s)
            return ember_program_fail(L->p, EMBER_NOT_SUPPORTED, "tensor value %" PRIu32 ": its sizes multiply past 2^31 - 1%s", idx,
                                      empty ? " (an empty tensor's sizes, zeros counted as one: its strides would overflow)" : " elements");
        span *= s ? (uint32_t)s : 1;
        uint8_t o = order.len ? L->b.data[order.pos + d] : (uint8_t)d;
        if (o >= sizes.len || (seen & (1u << o)))
            return MALFORMED(L, "tensor value %" PRIu32 ": dim_order is not a permutation", idx);
        seen |= 1u << o;
        out->dim_order[d] = o;
    }
    ember_tensor_fill_strides(out);
    out->numel = empty ? 0 : span;
    out->nbytes = (size_t)out->numel * esize;
    out->capacity = out->nbytes;
    ember_status st = bind_tensor_data(L, idx, t, out);
    /* a constant's sizes never change */
    out->dynamic = dynamism == SHAPE_DYNAMIC_BOUND && out->storage != EMBER_TENSOR_CONSTANT;
    return st;
}

/* The lists' item vectors (IntList .. OptionalTensorList): bytes per item, and the kind's name. */
static const uint8_t list_item_bytes[] = {8, 8, 1, 4, 4};

/* First pass: every value but tensor lists (which point at tensors parsed here). */
static ember_status parse_value(loader* L, uint32_t idx, ember_value* v)
{
    uint8_t type;
    fb_table t;
    ember_status st = value_at(L, idx, &type, &t);
    if (st) return st;
    ember_value tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.tag = type == EMBER_VALUE_NONE ? EMBER_VALUE_NULL : type;
    fb_vec items;
    if (type >= EMBER_VALUE_INT_LIST) {
        FB_VERIFIED(fb_vector(&t, LIST_ITEMS, list_item_bytes[type - EMBER_VALUE_INT_LIST], &items));
        tmp.len = items.len; /* tensor lists' items are resolved in the second pass */
    }
    switch (type) {
    case EMBER_VALUE_INT:
    case EMBER_VALUE_DOUBLE: { /* the 8 bytes of an int64 or a double */
        const uint64_t bits = fb_get(&t, SCALAR_VALUE, 8);
        memcpy(&tmp.u, &bits, sizeof bits);
        break;
    }
    case EMBER_VALUE_BOOL: {
        tmp.u.b = fb_get(&t, SCALAR_VALUE, 1) != 0;
        break;
    }
    case EMBER_VALUE_STRING:
        FB_VERIFIED(fb_string(&t, SCALAR_VALUE, &tmp.u.str, &tmp.len));
        if (!tmp.u.str) tmp.u.str = "";
        break;
    case EMBER_VALUE_TENSOR: {
        ember_tensor* tensor = L->tensors ? &L->tensors[L->num_tensors] : NULL;
        L->num_tensors++;
        ember_tensor local;
        st = parse_tensor(L, idx, &t, &local);
        if (st) return st;
        if (tensor) *tensor = local;
        tmp.u.t = tensor;
        break;
    }
    case EMBER_VALUE_INT_LIST: {
        /* the items' position in the file first (refresh_int_list), then the ints */
        int64_t* ints = take(L, (size_t)items.len + 1, sizeof(int64_t), 8);
        if (ints) *ints++ = items.pos;
        for (uint32_t k = 0; k < items.len; k++) {
            int64_t ref = fb_vec_i64(&items, k);
            uint8_t rt;
            fb_table rtab;
            if (ref < 0 || ref >= (int64_t)L->values.len)
                return MALFORMED(L, "int list value %" PRIu32 " names value %lld, out of range", idx, (long long)ref);
            st = value_at(L, (uint32_t)ref, &rt, &rtab);
            if (st) return st;
            if (rt != EMBER_VALUE_INT) return MALFORMED(L, "int list value %" PRIu32 " names value %lld, which is not an Int", idx, (long long)ref);
            if (ints) ints[k] = (int64_t)fb_get(&rtab, SCALAR_VALUE, 8);
        }
        tmp.u.ints = ints;
        break;
    }
    case EMBER_VALUE_DOUBLE_LIST: {
        double* ds = take(L, items.len, sizeof(double), 8);
        for (uint32_t k = 0; ds && k < items.len; k++) {
            uint64_t bits = fb_vec_u64(&items, k);
            memcpy(&ds[k], &bits, sizeof bits);
        }
        tmp.u.doubles = ds;
        break;
    }
    case EMBER_VALUE_BOOL_LIST: tmp.u.bools = L->b.data + items.pos; break;
    default: break; /* None, Null; tensor lists */
    }
    if (v) *v = tmp;
    return EMBER_OK;
}

/* Second pass: tensor lists, now that every tensor exists. */
static ember_status parse_tensor_list(loader* L, uint32_t idx, ember_value* v)
{
    uint8_t type;
    fb_table t;
    fb_vec items;
    ember_status st = value_at(L, idx, &type, &t);
    if (st) return st;
    if (type != EMBER_VALUE_TENSOR_LIST && type != EMBER_VALUE_OPTIONAL_TENSOR_LIST) return EMBER_OK;
    bool optional = type == EMBER_VALUE_OPTIONAL_TENSOR_LIST;
    FB_VERIFIED(fb_vector(&t, LIST_ITEMS, 4, &items));
    ember_tensor** ts = take(L, items.len, sizeof(ember_tensor*), 8);
    for (uint32_t k = 0; k < items.len; k++) {
        int32_t ref = fb_vec_i32(&items, k);
        ember_tensor* tensor = NULL;
        if (ref < 0 && optional) {
            /* -1: a missing optional tensor */
        } else {
            uint8_t rt;
            fb_table rtab;
            if (ref < 0) return MALFORMED(L, "tensor list value %" PRIu32 " names value %" PRId32, idx, ref);
            st = value_at(L, (uint32_t)ref, &rt, &rtab);
            if (st) return st;
            if (rt == EMBER_VALUE_TENSOR) {
                if (L->base) tensor = L->m->values[ref].u.t;
            } else if (!(optional && (rt == EMBER_VALUE_NULL || rt == EMBER_VALUE_NONE))) {
                return MALFORMED(L, "tensor list value %" PRIu32 " names value %" PRId32 ", which is not a tensor", idx, ref);
            }
        }
        if (ts) ts[k] = tensor;
    }
    if (v) v->u.tensors = ts;
    return EMBER_OK;
}

/* ---- operators and delegates ----------------------------------------------------------- */

/* Writes "name.overload" (or "name") of operator i into buf. */
static bool operator_name(const fb_buf* b, const fb_table* plan, uint32_t i, char* buf, size_t bytes)
{
    fb_vec ops;
    fb_table op;
    const char *name, *overload;
    uint32_t nlen, olen;
    if (!fb_vector(plan, PLAN_OPERATORS, 4, &ops) || !fb_vec_table(&ops, i, &op) ||
        !fb_string(&op, OPERATOR_NAME, &name, &nlen) || !fb_string(&op, OPERATOR_OVERLOAD, &overload, &olen) || !name)
        return false;
    /* name, then "." and the overload when there is one, cut to bytes - 1 */
    size_t n = 0;
    for (const char* c = name; *c && n + 1 < bytes; c++) buf[n++] = *c;
    if (olen && n + 1 < bytes) buf[n++] = '.';
    for (const char* c = overload; olen && *c && n + 1 < bytes; c++) buf[n++] = *c;
    if (bytes) buf[n] = 0;
    return true;
}

static ember_status load_operators(loader* L)
{
    fb_vec ops;
    FB_VERIFIED(fb_vector(&L->plan, PLAN_OPERATORS, 4, &ops));
    const ember_kernel** kernels = take(L, ops.len, sizeof(ember_kernel*), 8);
    L->num_ops = ops.len;
    for (uint32_t i = 0; i < ops.len; i++) {
        fb_table op;
        const char *name, *overload;
        uint32_t len;
        FB_VERIFIED(fb_vec_table(&ops, i, &op));
        FB_VERIFIED(fb_string(&op, OPERATOR_NAME, &name, &len));
        FB_VERIFIED(fb_string(&op, OPERATOR_OVERLOAD, &overload, &len));
        if (!name) return MALFORMED(L, "operator %" PRIu32 " has no name", i);
        if (!overload) overload = "";
        const ember_kernel* k = ember_kernel_find_operator(name, overload);
        if (!k)
            return ember_program_fail(L->p, EMBER_UNKNOWN_OPERATOR, "unknown operator '%s%s%s': Ember has no kernel for it",
                                      name, *overload ? "." : "", overload);
        if (kernels) kernels[i] = k;
    }
    if (L->m) {
        L->m->ops = kernels;
        L->m->num_ops = ops.len;
    }
    return EMBER_OK;
}

#if EMBER_MESSAGES
/* ": <why>" from a backend's explain (backend.h) after a failed call, or "" when it has none. */
static const char* backend_why(const ember_backend* be, void* handle, const void* blob, size_t blob_bytes, char* buf,
                               size_t n)
{
    buf[0] = buf[2] = 0;
    if (be->explain) be->explain(handle, blob, blob_bytes, buf + 2, n - 2);
    if (!buf[2]) return "";
    buf[0] = ':';
    buf[1] = ' ';
    return buf;
}
#endif

#if EMBER_DELEGATES
static ember_status delegate_blob(loader* L, uint32_t i, const fb_table* d, const void** blob, size_t* bytes)
{
    fb_table ref;
    bool has;
    FB_VERIFIED(fb_subtable(d, DELEGATE_PROCESSED, &ref, &has));
    const uint8_t loc = (uint8_t)fb_get(&ref, DATA_REF_LOCATION, 1);
    const uint32_t index = (uint32_t)fb_get(&ref, DATA_REF_INDEX, 4);
    if (!has) return MALFORMED(L, "delegate %" PRIu32 " has no processed data", i);
    if (loc == DATA_LOCATION_INLINE) return ember_program_inline_delegate(L->p, index, blob, bytes);
    if (loc == DATA_LOCATION_SEGMENT) return ember_program_segment(L->p, index, blob, bytes);
    return MALFORMED(L, "delegate %" PRIu32 " has unknown data location %u", i, loc);
}

static ember_status load_delegates(loader* L)
{
    fb_vec dels;
    FB_VERIFIED(fb_vector(&L->plan, PLAN_DELEGATES, 4, &dels));
    ember_delegate* out = take(L, dels.len, sizeof(ember_delegate), 8);
    L->num_delegates = dels.len;
    if (L->m) {
        L->m->delegates = out;
        L->m->num_delegates = 0; /* counts up as each init succeeds, for cleanup */
    }
    for (uint32_t i = 0; i < dels.len; i++) {
        fb_table d;
        const char* id;
        uint32_t id_len;
        fb_vec specs_vec;
        FB_VERIFIED(fb_vec_table(&dels, i, &d));
        FB_VERIFIED(fb_string(&d, DELEGATE_ID, &id, &id_len));
        FB_VERIFIED(fb_vector(&d, DELEGATE_COMPILE_SPECS, 4, &specs_vec));
        if (!id) return MALFORMED(L, "delegate %" PRIu32 " has no backend id", i);
        const ember_backend* be = ember_backend_find(id);
        if (!be) return ember_program_fail(L->p, EMBER_UNKNOWN_BACKEND, "unknown backend '%s': it is not linked in or not registered", id);
        if (specs_vec.len > EMBER_MAX_COMPILE_SPECS)
            return ember_program_fail(L->p, EMBER_NOT_SUPPORTED, "delegate %" PRIu32 " has %" PRIu32 " compile specs (max %d)", i, specs_vec.len, EMBER_MAX_COMPILE_SPECS);
        ember_compile_spec specs[EMBER_MAX_COMPILE_SPECS];
        for (uint32_t k = 0; k < specs_vec.len; k++) {
            fb_table cs;
            fb_vec val;
            uint32_t klen;
            FB_VERIFIED(fb_vec_table(&specs_vec, k, &cs));
            FB_VERIFIED(fb_string(&cs, COMPILE_SPEC_KEY, &specs[k].key, &klen));
            FB_VERIFIED(fb_vector(&cs, COMPILE_SPEC_VALUE, 1, &val));
            if (!specs[k].key) specs[k].key = "";
            specs[k].value = L->b.data + val.pos;
            specs[k].value_len = val.len;
        }
        const void* blob;
        size_t blob_bytes;
#if EMBER_MESSAGES
        char why[200];
#endif
        ember_status st = delegate_blob(L, i, &d, &blob, &blob_bytes);
        if (st) return st;
        size_t need = 0;
        if (be->memory_required) {
            st = be->memory_required(blob, blob_bytes, specs, specs_vec.len, &need);
            if (st) return ember_program_fail(L->p, st, "backend '%s' rejected delegate %" PRIu32 " (%s)%s", id, i, ember_status_str(st),
                                              backend_why(be, NULL, blob, blob_bytes, why, sizeof why));
        }
        void* mem = take(L, need, 1, 16);
        if (L->m) {
            void* handle = NULL;
            st = be->init ? be->init(mem, need, blob, blob_bytes, specs, specs_vec.len, &handle) : EMBER_OK;
            if (st) return ember_program_fail(L->p, st, "backend '%s' failed to initialise delegate %" PRIu32 " (%s)%s", id, i,
                                              ember_status_str(st), backend_why(be, NULL, blob, blob_bytes, why, sizeof why));
            out[i].backend = be;
            out[i].handle = handle;
            out[i].id = id;
            L->m->num_delegates = i + 1;
        }
    }
    return EMBER_OK;
}
#else
static ember_status load_delegates(loader* L)
{
    fb_vec dels;
    FB_VERIFIED(fb_vector(&L->plan, PLAN_DELEGATES, 4, &dels));
    if (dels.len)
        return ember_program_fail(L->p, EMBER_NOT_SUPPORTED, "the method has delegates (%" PRIu32 "), but this build of Ember has no delegate support (EMBER_DELEGATES=0)",
                                  dels.len);
    return EMBER_OK; /* L->num_delegates 0: no delegate call can load */
}
#endif

/* ---- instructions ---------------------------------------------------------------------- */

static ember_status load_args(loader* L, uint32_t ins, const fb_table* call, int field, ember_instr* out, uint32_t* n)
{
    fb_vec args;
    FB_VERIFIED(fb_vector(call, field, 4, &args));
    ember_value** ptrs = take(L, args.len, sizeof(ember_value*), 8);
    for (uint32_t k = 0; k < args.len; k++) {
        int32_t idx = fb_vec_i32(&args, k);
        if (idx < 0 || (uint32_t)idx >= L->values.len)
            return MALFORMED(L, "instruction %" PRIu32 " argument %" PRIu32 " names value %" PRId32 ", out of range", ins, k, idx);
        if (ptrs) ptrs[k] = &L->m->values[idx];
    }
    *n = args.len;
    if (out) {
        out->args = ptrs;
        out->num_args = args.len;
    }
    return EMBER_OK;
}

static ember_status check_value(loader* L, uint32_t ins, int32_t idx)
{
    if (idx < 0 || (uint32_t)idx >= L->values.len)
        return MALFORMED(L, "instruction %" PRIu32 " names value %" PRId32 ", out of range", ins, idx);
    return EMBER_OK;
}

/* ---- what kernels write, what moves may change ----------------------------------------- */

#define ET_VIEW_OP "executorch_prim::et_view.default"
#define ET_VIEW_OUT_ARG 2 /* et_view(self, size, out): it points out at self's bytes */

/* The tensors of a tensor or tensor-list value: *n of them (items may be NULL in an optional
 * list); NULL with *n = 0 for other kinds. */
static ember_tensor* const* value_tensors(const ember_value* v, uint32_t* n)
{
    if (v->tag == EMBER_VALUE_TENSOR) {
        *n = 1;
        return &v->u.t;
    }
    if (v->tag == EMBER_VALUE_TENSOR_LIST || v->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST) {
        *n = v->len;
        return v->u.tensors;
    }
    *n = 0;
    return NULL;
}

/* True if tensors a and b have bytes in common. */
static bool shares_bytes(const ember_tensor* a, const ember_tensor* b)
{
    if (!a->nbytes || !b->nbytes || !a->data || !b->data) return false;
    const uint8_t *pa = a->data, *pb = b->data;
    return pa < pb + b->nbytes && pb < pa + a->nbytes;
}

/* An unplanned input the method also returns: the program mutates the caller's tensor. */
static bool is_mutable_input(const ember_method* m, const ember_tensor* t)
{
    for (uint32_t i = 0; i < m->num_inputs; i++) {
        const ember_value* in = &m->values[m->inputs[i]];
        if (in->tag != EMBER_VALUE_TENSOR || in->u.t != t) continue;
        for (uint32_t o = 0; o < m->num_outputs; o++)
            if (m->outputs[o] == m->inputs[i]) return true;
    }
    return false;
}

/* The outs a kernel declared (ctx.outs) are planned memory — never the program's constants,
 * never memory a caller lends (except an input the program returns) — and overlap no other
 * tensor argument except exactly (an elementwise op in place). Messages go into msg.
 *
 * A planned input that the kernel writes (an out that is the input's own tensor) is marked
 * consumed by execute, like one whose bytes other tensors reuse (check_inputs): it must be set
 * again before the next execute, or that execute would read what the kernel left there. (An
 * out marked before a later out fails stays marked: the load fails, or an execute that ran
 * nothing then asks for that input again; a kernel's outs are the same at every prepare.) */
static ember_status check_outs(const ember_method* m, const ember_instr* in, uint64_t outs,
                               char* msg, size_t bytes)
{
    const char* op = m->ops[in->u.kernel.op]->name;
    (void)op; /* named in the messages only */
    if (!outs && !in->view) {
        ember_message(msg, bytes, "%s declares no out argument", op);
        return EMBER_INTERNAL;
    }
    uint64_t rest = outs; /* bit 0: argument i (shifted, not indexed: 64-bit shifts are long on 32-bit cores) */
    for (uint32_t i = 0; rest && i < in->num_args; i++, rest >>= 1) {
        if (!(rest & 1)) continue;
        uint32_t n;
        ember_tensor* const* ts = value_tensors(in->args[i], &n);
        for (uint32_t k = 0; k < n; k++) {
            const ember_tensor* o = ts[k];
            if (!o) continue;
            for (uint32_t a = 0; o->storage == EMBER_TENSOR_PLANNED && a < m->num_inputs; a++) {
                const ember_value* v = &m->values[m->inputs[a]]; /* an input's own planned tensor */
                if (v->tag == EMBER_VALUE_TENSOR && v->u.t == o) m->input_state[a] |= INPUT_CLOBBERED;
            }
            if (!o->nbytes) continue; /* nothing is written into an empty tensor */
            if (o->storage == EMBER_TENSOR_CONSTANT ||
                (o->storage == EMBER_TENSOR_BORROWED && !is_mutable_input(m, o))) {
                ember_message(msg, bytes, "%s would write argument %" PRIu32 ", %s: outs must be planned memory", op, i,
                         o->storage == EMBER_TENSOR_CONSTANT ? "a constant of the program" : "memory the caller lends (an input or a view)");
                return EMBER_MALFORMED_PROGRAM;
            }
            for (uint32_t j = 0; j < in->num_args; j++) {
                uint32_t nj;
                ember_tensor* const* tj = value_tensors(in->args[j], &nj);
                for (uint32_t q = 0; q < nj; q++) {
                    const ember_tensor* t = tj[q];
                    if (!t || t == o || !shares_bytes(o, t)) continue;
                    if (t->data == o->data && t->nbytes == o->nbytes) continue; /* in place */
                    ember_message(msg, bytes, "%s: out argument %" PRIu32 " overlaps argument %" PRIu32 " without being the same bytes", op, i, j);
                    return EMBER_MALFORMED_PROGRAM;
                }
            }
        }
    }
    return EMBER_OK;
}

/* An IntList names Int values, which a kernel may write (the sizes of dynamic shapes:
 * op_prim_scalar.c): its ints are read from them again before every prepare. The file position
 * of its items sits in the int64 before the first (parse_value); each names an Int value (load
 * checked, and moves keep a value's kind). */
static void refresh_int_list(const ember_method* m, ember_value* v)
{
    if (v->tag != EMBER_VALUE_INT_LIST || !v->u.ints) return;
    int64_t* ints = (int64_t*)v->u.ints;
    const fb_buf b = ember_program_fb(m->program);
    const fb_vec items = {b, (uint32_t)ints[-1], v->len};
    for (uint32_t k = 0; k < v->len; k++) ints[k] = m->values[fb_vec_i64_low(&items, k)].u.i;
}

/* Runs the kernel's prepare on the instruction's args as they are now and checks its outs;
 * stores the chosen run function and the outs. With `clamp` ([lo, hi]) it asks prepare to fuse
 * that clamp and says in *clamp_done whether it did. On failure msg names the problem. */
static ember_status prepare_kernel(const ember_method* m, ember_instr* in, const float* clamp,
                                   bool* clamp_done, bool again, char* msg, size_t bytes)
{
    const ember_kernel* k = m->ops[in->u.kernel.op];
    memset(in->state, 0, sizeof in->state);
    ember_kernel_ctx ctx = {.op_name = k->name, .msg = msg, .msg_bytes = bytes, .state = in->state,
                            .clamp = clamp != NULL, .clamp_lo = clamp ? clamp[0] : 0.0f,
                            .clamp_hi = clamp ? clamp[1] : 0.0f, .args = in->args};
    ember_kernel_run_fn run = NULL;
    msg[0] = 0;
    for (uint32_t a = 0; a < in->num_args; a++) refresh_int_list(m, in->args[a]);
    ember_status st = k->prepare(&ctx, in->args, in->num_args, &run);
    if (st) {
        if (!msg[0]) ember_message(msg, bytes, "%s: %s", k->name, ember_status_str(st));
        return st;
    }
    if (!run) {
        ember_message(msg, bytes, "%s chose no kernel", k->name);
        return EMBER_INTERNAL;
    }
    if ((st = check_outs(m, in, ctx.outs, msg, bytes))) return st;
    in->u.kernel.run = run;
    in->outs = ctx.outs;
#if EMBER_PACK
    if (again) { /* before a run (ember_instr.recheck): the bytes packed at load, if this
                  * prepare asks for what the load's did and their layout depends on constants
                  * only (else a layout may follow the sizes: op_conv.c's Winograd) */
        const bool same = ctx.pack_static && ctx.pack == in->pack && ctx.pack_bytes == in->pack_bytes;
        in->packed = same ? in->pack_mem : NULL;
    } else
#endif
    {
        in->pack_bytes = ctx.pack && ctx.pack_bytes ? ctx.pack_bytes : 0;
        in->pack = in->pack_bytes ? ctx.pack : NULL;
        in->pack_static = ctx.pack_static;
        in->packed = NULL;
    }
    if (clamp_done) *clamp_done = ctx.clamp_done;
    return EMBER_OK;
}

static bool same_tensor_type(const ember_tensor* a, const ember_tensor* b)
{
    if (!a || !b) return a == b;
    if (a->dtype != b->dtype || a->dim != b->dim) return false;
    for (int d = 0; d < a->dim; d++)
        if (a->sizes[d] != b->sizes[d] || a->dim_order[d] != b->dim_order[d]) return false;
    return true;
}

/* A MoveCall makes value `to` refer to what `from` holds. `to` is no method input. Kinds never
 * change (so every reader keeps seeing the kind it was checked for), tensors keep their dtype
 * and shape, and a planned tensor is only replaced by a planned one (whoever writes it keeps
 * writing planned memory). Kernels that read a move target are prepared again before every run
 * (ember_instr.recheck). */
/* Whether value v is a method input (*i: which). An input stays the value the caller sets:
 * instructions never write one (a move or a scalar out). */
/* One copy for its two callers when optimizing for size (SIZE_NOINLINE, bind_tensor_data). */
static SIZE_NOINLINE bool input_of(const ember_method* m, uint32_t v, uint32_t* i)
{
    for (*i = 0; *i < m->num_inputs; (*i)++)
        if (m->inputs[*i] == v) return true;
    return false;
}

static ember_status check_move(loader* L, uint32_t ins, uint32_t from, uint32_t to)
{
    const ember_value *f = &L->m->values[from], *t = &L->m->values[to];
    /* Moving into an input would send later set_inputs into the moved-in tensor's memory
     * (found by fuzz_struct: wrong outputs, status OK). */
    uint32_t i;
    if (input_of(L->m, to, &i))
        return MALFORMED(L, "instruction %" PRIu32 " moves value %" PRIu32 " into value %" PRIu32 ", which is input %" PRIu32 ": inputs are never move targets", ins, from, to, i);
    if (f->tag != t->tag)
        return MALFORMED(L, "instruction %" PRIu32 " moves value %" PRIu32 " (kind %" PRIu32 ") into value %" PRIu32 " (kind %" PRIu32 "): a move keeps the kind", ins, from, f->tag, to, t->tag);
    if (f->tag == EMBER_VALUE_TENSOR) {
        if (!same_tensor_type(f->u.t, t->u.t))
            return MALFORMED(L, "instruction %" PRIu32 " moves tensor value %" PRIu32 " into value %" PRIu32 " of another dtype, shape or dim order", ins, from, to);
        if (t->u.t->storage == EMBER_TENSOR_PLANNED && f->u.t->storage != EMBER_TENSOR_PLANNED)
            return MALFORMED(L, "instruction %" PRIu32 " moves an unplanned tensor (value %" PRIu32 ") into planned value %" PRIu32, ins, from, to);
    } else if (f->tag >= EMBER_VALUE_STRING && f->len != t->len) {
        return MALFORMED(L, "instruction %" PRIu32 " moves value %" PRIu32 " into value %" PRIu32 " of another length", ins, from, to);
    } else if (f->tag == EMBER_VALUE_TENSOR_LIST || f->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST) {
        for (uint32_t k = 0; k < f->len; k++)
            if (!same_tensor_type(f->u.tensors[k], t->u.tensors[k]))
                return MALFORMED(L, "instruction %" PRIu32 " moves tensor list value %" PRIu32 " into value %" PRIu32 " whose tensors differ", ins, from, to);
    }
    L->changing[to] = 1;
    return EMBER_OK;
}

/* A JumpFalseCall condition: a Bool, or a bool tensor of one element. */
static bool is_condition(const ember_value* v)
{
    return v->tag == EMBER_VALUE_BOOL ||
           (v->tag == EMBER_VALUE_TENSOR && v->u.t->dtype == EMBER_DTYPE_BOOL && v->u.t->numel == 1);
}

/* Every call table holds its indices in its first fields, ints: KernelCall and DelegateCall
 * the operator or delegate (then the args), MoveCall from and to, JumpFalseCall the condition
 * and the destination, FreeCall the value. */
_Static_assert(KERNEL_CALL_OP_INDEX == 0 && DELEGATE_CALL_INDEX == 0 && MOVE_CALL_FROM == 0 && JUMP_FALSE_COND == 0 &&
                   FREE_CALL_VALUE == 0 && MOVE_CALL_TO == 1 && JUMP_FALSE_DEST == 1 && KERNEL_CALL_ARGS == 1 &&
                   DELEGATE_CALL_ARGS == 1,
               "the call tables' fields as load_instruction reads them");
static ember_status load_instruction(loader* L, uint32_t ins, const fb_vec* chain, uint32_t pc, ember_instr* out)
{
    fb_table it, call;
    bool has;
    uint32_t nargs = 0;
    ember_status st;
    FB_VERIFIED(fb_vec_table(chain, pc, &it));
    const uint8_t kind = (uint8_t)fb_get(&it, INSTRUCTION_ARGS_TYPE, 1);
    FB_VERIFIED(fb_subtable(&it, INSTRUCTION_ARGS, &call, &has)); /* an unknown kind's: refused below */
    if (!has) return MALFORMED(L, "instruction %" PRIu32 " is corrupt", ins);
    if (kind < INSTR_KERNEL_CALL || kind > INSTR_FREE_CALL)
        return MALFORMED(L, "instruction %" PRIu32 " has unknown kind %u", ins, kind);
    const int32_t a = (int32_t)fb_get(&call, KERNEL_CALL_OP_INDEX, 4);
    const int32_t b = kind == INSTR_MOVE_CALL || kind == INSTR_JUMP_FALSE_CALL ? (int32_t)fb_get(&call, MOVE_CALL_TO, 4) : 0;
    ember_instr tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.kind = kind;
    if (kind <= INSTR_DELEGATE_CALL) {
        const bool kernel = kind == INSTR_KERNEL_CALL;
        if (a < 0 || (uint32_t)a >= (kernel ? L->num_ops : L->num_delegates))
            return MALFORMED(L, "instruction %" PRIu32 " calls %s %" PRId32 ", out of range", ins, kernel ? "operator" : "delegate", a);
        st = load_args(L, ins, &call, KERNEL_CALL_ARGS, &tmp, &nargs);
        if (st) return st;
        if (kernel) tmp.u.kernel.op = (uint32_t)a;
        else tmp.u.delegate = (uint32_t)a;
    } else {
        /* every other kind names a value first; a move names another */
        if ((st = check_value(L, ins, a)) || (kind == INSTR_MOVE_CALL && (st = check_value(L, ins, b)))) return st;
    }
    switch (kind) {
    case INSTR_KERNEL_CALL:
        if (L->m) {
            const ember_kernel* k = L->m->ops[a];
            char msg[MSG_BYTES] = "";
            tmp.view = strcmp(k->name, ET_VIEW_OP) == 0;
            st = prepare_kernel(L->m, &tmp, NULL, NULL, false, msg, sizeof msg);
            if (st) return ember_program_fail(L->p, st, "instruction %" PRIu32 ": %s", ins, msg);
            /* a scalar it writes changes between runs; never an input the caller sets */
            uint64_t rest = tmp.outs; /* bit 0: argument i */
            for (uint32_t i = 0; rest && i < tmp.num_args; i++, rest >>= 1) {
                const uint32_t v = (uint32_t)(tmp.args[i] - L->m->values);
                if (!(rest & 1) || tmp.args[i]->tag == EMBER_VALUE_TENSOR ||
                    tmp.args[i]->tag == EMBER_VALUE_TENSOR_LIST)
                    continue;
                uint32_t in;
                if (input_of(L->m, v, &in))
                    return MALFORMED(L, "instruction %" PRIu32 " writes value %" PRIu32 ", which is input %" PRIu32, ins, v, in);
                L->changing[v] = 1;
            }
        }
        break;
    case INSTR_DELEGATE_CALL:
        if (EMBER_DELEGATES && L->m) {
            const ember_delegate* del = &L->m->delegates[a];
            if (del->backend->prepare && (st = del->backend->prepare(del->handle, tmp.args, tmp.num_args))) {
#if EMBER_MESSAGES
                char why[200];
#endif
                return ember_program_fail(L->p, st, "instruction %" PRIu32 ": backend '%s' refused its arguments (%s)%s", ins, del->id,
                                          ember_status_str(st), backend_why(del->backend, del->handle, NULL, 0, why, sizeof why));
            }
        }
        break;
    case INSTR_MOVE_CALL:
        if (L->m && (st = check_move(L, ins, (uint32_t)a, (uint32_t)b))) return st;
        tmp.u.move.from = (uint32_t)a;
        tmp.u.move.to = (uint32_t)b;
        break;
    case INSTR_JUMP_FALSE_CALL:
        if (b < 0 || (uint32_t)b > chain->len) return MALFORMED(L, "instruction %" PRIu32 " jumps to %" PRId32 ", outside its chain", ins, b);
        if (L->m && !is_condition(&L->m->values[a]))
            return MALFORMED(L, "instruction %" PRIu32 ": jump condition value %" PRId32 " is not a Bool or a one-element bool tensor", ins, a);
        tmp.u.jump.cond = (uint32_t)a;
        tmp.u.jump.dest = (uint32_t)b;
        break;
    default: /* INSTR_FREE_CALL */
        tmp.u.free_value = (uint32_t)a;
        break;
    }
    if (out) *out = tmp;
    return EMBER_OK;
}

/* The instruction vector of chain c. */
static void chain_at(const fb_vec* chains, uint32_t c, fb_vec* instrs)
{
    fb_table chain;
    FB_VERIFIED(fb_vec_table(chains, c, &chain));
    FB_VERIFIED(fb_vector(&chain, CHAIN_INSTRUCTIONS, 4, instrs));
}

static ember_status load_chains(loader* L)
{
    fb_vec chains, instrs;
    ember_status st;
    FB_VERIFIED(fb_vector(&L->plan, PLAN_CHAINS, 4, &chains));
    ember_chain* cs = take(L, chains.len, sizeof(ember_chain), 8);
    uint32_t total = 0;
    for (uint32_t c = 0; c < chains.len; c++) {
        chain_at(&chains, c, &instrs);
        if (cs) {
            cs[c].first = total;
            cs[c].count = instrs.len;
        }
        total += instrs.len;
    }
    ember_instr* all = take(L, total, sizeof(ember_instr), 8);
    if (L->m) {
        L->m->chains = cs;
        L->m->num_chains = chains.len;
        L->m->instrs = all;
        L->m->num_instrs = total;
    }
    uint32_t at = 0;
    for (uint32_t c = 0; c < chains.len; c++) {
        chain_at(&chains, c, &instrs);
        for (uint32_t i = 0; i < instrs.len; i++, at++)
            if ((st = load_instruction(L, at, &instrs, i, all ? &all[at] : NULL))) return st;
    }
    return EMBER_OK;
}

/* ---- every tensor an instruction touches must have memory ------------------------------- */

/* Every tensor of v has bytes when instruction `ins` runs (check_instructions). */
static ember_status require_bound(loader* L, uint32_t ins, const ember_value* v, const uint8_t* bound, const ember_tensor* base)
{
    uint32_t n;
    ember_tensor* const* ts = value_tensors(v, &n);
    for (uint32_t k = 0; k < n; k++) {
        const ember_tensor* t = ts[k];
        if (!t || t->storage != EMBER_TENSOR_BORROWED || !t->nbytes) continue;
        if (!bound[t - base]) return MALFORMED(L, "instruction %" PRIu32 " uses a tensor that is neither constant, planned, an input nor a view", ins);
    }
    return EMBER_OK;
}

/* True if v is a dynamic tensor or a list holding one. */
static bool names_dynamic(const ember_value* v)
{
    uint32_t n;
    ember_tensor* const* ts = value_tensors(v, &n);
    for (uint32_t k = 0; k < n; k++)
        if (ts[k] && ts[k]->dynamic) return true;
    return false;
}

/* A borrowed tensor gets its bytes only from set_input (inputs) or from an et_view that runs
 * earlier. Anything else without constant or planned storage is a corrupt program: refusing
 * it here keeps kernels from ever seeing a NULL pointer. `bound` marks tensors that will have
 * bytes when reached (straight-line order).
 *
 * Kernel calls that read a value that can change between runs — a MoveCall target, a scalar
 * input, a tensor whose sizes may change (dynamic) — are marked to be prepared again before each
 * run (ember_instr.recheck), so what prepare checked holds when run runs (and the outs of
 * dynamic sizes get theirs). */
static ember_status check_instructions(loader* L, uint8_t* bound, const ember_tensor* base, size_t num_tensors)
{
    ember_method* m = L->m;
    /* an int list naming a changing Int changes too */
    const fb_buf b = ember_program_fb(m->program);
    for (uint32_t v = 0; v < m->num_values; v++) {
        const ember_value* list = &m->values[v];
        if (list->tag != EMBER_VALUE_INT_LIST || !list->u.ints) continue;
        const fb_vec items = {b, (uint32_t)list->u.ints[-1], list->len};
        for (uint32_t k = 0; k < list->len && !L->changing[v]; k++)
            L->changing[v] = L->changing[fb_vec_i64_low(&items, k)];
    }
    memset(bound, 0, num_tensors);
    for (uint32_t i = 0; i < m->num_inputs; i++) {
        const ember_value* v = &m->values[m->inputs[i]];
        if (v->tag == EMBER_VALUE_TENSOR) bound[v->u.t - base] = 1;
    }
    ember_status st;
    for (uint32_t ins = 0; ins < m->num_instrs; ins++) {
        ember_instr* in = &m->instrs[ins];
        for (uint32_t k = 0; k < in->num_args; k++) {
            if (in->kind == INSTR_KERNEL_CALL && !in->recheck)
                in->recheck = L->changing[in->args[k] - m->values] != 0 || names_dynamic(in->args[k]);
            if (in->view && k == ET_VIEW_OUT_ARG) continue;
            if ((st = require_bound(L, ins, in->args[k], bound, base))) return st;
        }
        if (in->view && in->num_args > ET_VIEW_OUT_ARG && in->args[ET_VIEW_OUT_ARG]->tag == EMBER_VALUE_TENSOR)
            bound[in->args[ET_VIEW_OUT_ARG]->u.t - base] = 1;
        if (in->kind == INSTR_JUMP_FALSE_CALL && (st = require_bound(L, ins, &m->values[in->u.jump.cond], bound, base)))
            return st;
        if (in->kind == INSTR_MOVE_CALL) {
            const ember_value* from = &m->values[in->u.move.from];
            const ember_value* to = &m->values[in->u.move.to];
            if ((st = require_bound(L, ins, from, bound, base))) return st;
            if (to->tag == EMBER_VALUE_TENSOR) bound[to->u.t - base] = 1; /* it now holds from's */
        }
    }
    for (uint32_t o = 0; o < m->num_outputs; o++)
        if ((st = require_bound(L, m->num_instrs, &m->values[m->outputs[o]], bound, base))) return st;
    return EMBER_OK;
}

#if EMBER_FUSE
/* ---- fused activations ----------------------------------------------------------------- */

/* A convolution, linear or addmm whose out only a relu / hardtanh / clamp right after it reads
 * is prepared again writing the activation's out through a clamp (ember_kernel_ctx.clamp), and
 * the activation is skipped (ember_instr.fused). The file keeps both standard ops; this is a
 * load-time peephole. It fuses only what it proves changes no output:
 *   - the method has no moves or jumps (instruction order is execution order, and every value
 *     names the tensor it was loaded with);
 *   - neither call is prepared again per run (no changing argument), so the bounds are fixed;
 *   - the producer declares one out T (f32, planned, not empty) and names T at no earlier
 *     argument; the activation reads T as self and writes one out U of T's dtype, shape and
 *     dim order, planned;
 *   - T is named by these two calls only, is no method input or output;
 *   - U shares no byte with any other tensor the producer names (it would now write U while
 *     reading them);
 *   - every other tensor X with bytes in T's that are not all in U's (fused or not, U holds
 *     the same bytes from the activation on; Ember's planner puts U on T's bytes: an activation
 *     in place), such as a view aliased to T or a tensor placed in T's slot at another time, is
 *     named by no call and is no method input or output, or it
 *     is named only before the producer (and is no output) or only after the activation (and
 *     is no input), and is an input, or is written by its first call (one of its declared outs,
 *     not read there), or lies inside an out some call writes between the activation (the
 *     start of execute, for X named before the producer) and X's first call (X a view of that
 *     out): nothing can read what T held, in this execute or the next;
 *   - the producer's prepare accepts the clamp (its fast f32 kernels do; the portable kernels,
 *     so every call under ember_kernel_cpu_mask_set(0), do not) and its outs check again.
 * Kernels write the whole of every out they declare (the contract of out variants). */

#define FUSED_NAMES(op) {op, {op "+relu", op "+hardtanh", op "+clamp"}}
static const struct {
    const char* op;
    const char* fused[3]; /* the profiler's name with each of fusable_acts */
} fusable_producers[] = {
    FUSED_NAMES("aten::convolution.out"),
    FUSED_NAMES("aten::linear.out"),
    FUSED_NAMES("aten::addmm.out"),
};
#undef FUSED_NAMES
enum { ACT_RELU, ACT_HARDTANH, ACT_CLAMP };
static const char* const fusable_acts[3] = {"aten::relu.out", "aten::hardtanh.out", "aten::clamp.out"};
#define FUSE_BUDGET ((size_t)1 << 24) /* instructions, arguments and tensors a load may look
                                       * at to fuse (a hostile file must not make load slow) */

typedef struct tensor_use {
    uint32_t first, last; /* the first and last instruction naming the tensor */
    uint32_t calls;       /* instructions naming it; 0: none */
    bool input, output;   /* a method input (the caller writes it before execute), an output
                           * (the caller reads it after) */
} tensor_use;

static bool names_tensor(const ember_value* v, const ember_tensor* t)
{
    uint32_t n;
    ember_tensor* const* ts = value_tensors(v, &n);
    for (uint32_t k = 0; k < n; k++)
        if (ts[k] == t) return true;
    return false;
}

/* Who names tensor t: kernel and delegate calls that run (not the activations fused so far),
 * the method's inputs and outputs. Charges the
 * arguments looked at to *budget; false when it runs out (then nothing is proven). */
static bool tensor_use_get(const ember_method* m, const ember_tensor* t, tensor_use* u, size_t* budget)
{
    memset(u, 0, sizeof *u);
    for (uint32_t ins = 0; ins < m->num_instrs; ins++) {
        const ember_instr* in = &m->instrs[ins];
        if (!*budget) return false;
        *budget -= 1;
        if ((in->kind != INSTR_KERNEL_CALL && in->kind != INSTR_DELEGATE_CALL) || in->fused) continue;
        bool named = false;
        for (uint32_t k = 0; k < in->num_args && !named; k++) {
            uint32_t n;
            ember_tensor* const* ts = value_tensors(in->args[k], &n);
            if (*budget < (size_t)n + 1) return false;
            *budget -= (size_t)n + 1;
            for (uint32_t q = 0; q < n && !named; q++) named = ts[q] == t;
        }
        if (!named) continue;
        if (!u->calls) u->first = ins;
        u->last = ins;
        u->calls++;
    }
    for (uint32_t i = 0; i < m->num_inputs && !u->input; i++) u->input = names_tensor(&m->values[m->inputs[i]], t);
    for (uint32_t o = 0; o < m->num_outputs && !u->output; o++) u->output = names_tensor(&m->values[m->outputs[o]], t);
    return true;
}

/* The one bit set in outs, or false. */
static bool single_out(uint64_t outs, uint32_t* bit)
{
    if (!outs || (outs & (outs - 1))) return false;
    uint32_t b = 0;
    while (!(outs >> b & 1)) b++;
    *bit = b;
    return true;
}

static int name_index(const char* name, const char* const* names, size_t stride, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, *(const char* const*)((const char*)names + i * stride)) == 0) return (int)i;
    return -1;
}

/* The activation's clamp, as its kernel computes it in float (op_unary.c). */
static bool activation_bounds(int act, const ember_instr* a, float* lo, float* hi)
{
    if (act == ACT_RELU) {
        *lo = 0.0f, *hi = INFINITY;
        return true;
    }
    double b[2] = {-INFINITY, INFINITY};
    for (int k = 0; k < 2; k++) {
        const ember_value* v = a->args[1 + k];
        if (act == ACT_CLAMP && ember_is_null(v)) continue;
        if (!ember_scalar_as_double(v, &b[k])) return false;
    }
    *lo = (float)b[0], *hi = (float)b[1];
    return *lo <= *hi; /* false for NaN, and for lo > hi (clamp then gives hi everywhere) */
}

/* True if instruction `in` writes tensor t before reading it: a kernel call naming t only as
 * one of its declared outs (or as the returned copy of one). */
static bool writes_first(const ember_instr* in, const ember_tensor* t, size_t* budget)
{
    if (in->kind != INSTR_KERNEL_CALL || in->view) return false;
    for (uint32_t j = 0; j < in->num_args; j++) {
        uint32_t n;
        value_tensors(in->args[j], &n);
        if (*budget < (size_t)n + EMBER_KERNEL_MAX_OUT_ARG + 2) return false;
        *budget -= (size_t)n + EMBER_KERNEL_MAX_OUT_ARG + 2;
        if (!names_tensor(in->args[j], t)) continue;
        bool out = j <= EMBER_KERNEL_MAX_OUT_ARG && (in->outs >> j & 1);
        for (uint32_t o = 0; o < j && o <= EMBER_KERNEL_MAX_OUT_ARG && !out; o++)
            out = (in->outs >> o & 1) && in->args[o] == in->args[j];
        if (!out) return false;
    }
    return true;
}

/* True if tensor x's bytes all lie in u's. */
static bool inside(const ember_tensor* x, const ember_tensor* u)
{
    const uint8_t *a = x->data, *b = u->data;
    return a && b && a >= b && a + x->nbytes <= b + u->nbytes;
}

/* True if a call in [lo, hi) that runs declares an out whose bytes hold all of t's: whatever t
 * held before is then overwritten (the owner of a view aliased to it, a tensor on the same
 * slot). Charges the arguments looked at to *budget. */
static bool overwritten_in(const ember_method* m, const ember_tensor* t, uint32_t lo, uint32_t hi, size_t* budget)
{
    const uint8_t* b = t->data;
    for (uint32_t k = lo; k < hi; k++) {
        const ember_instr* in = &m->instrs[k];
        if (!*budget) return false;
        *budget -= 1;
        if (in->kind != INSTR_KERNEL_CALL || in->fused || in->view) continue;
        for (uint32_t j = 0; j < in->num_args && j <= EMBER_KERNEL_MAX_OUT_ARG; j++) {
            if (!(in->outs >> j & 1)) continue;
            uint32_t n;
            ember_tensor* const* ts = value_tensors(in->args[j], &n);
            if (*budget < (size_t)n + 1) return false;
            *budget -= (size_t)n + 1;
            for (uint32_t q = 0; q < n; q++) {
                const uint8_t* o = ts[q] ? ts[q]->data : NULL;
                if (o && o <= b && b + t->nbytes <= o + ts[q]->nbytes) return true;
            }
        }
    }
    return false;
}

/* Fuses activation a (instruction i + 1) into producer p (instruction i) when every condition
 * above holds; leaves both untouched otherwise. */
static bool fuse_pair(loader* L, uint32_t i, size_t* budget)
{
    ember_method* m = L->m;
    ember_instr *p = &m->instrs[i], *a = &m->instrs[i + 1];
    if (p->kind != INSTR_KERNEL_CALL || a->kind != INSTR_KERNEL_CALL || p->recheck || a->recheck ||
        p->fused || p->view)
        return false;
    const int prod = name_index(m->ops[p->u.kernel.op]->name, &fusable_producers[0].op,
                                sizeof fusable_producers[0], sizeof fusable_producers / sizeof fusable_producers[0]);
    const int act = name_index(m->ops[a->u.kernel.op]->name, fusable_acts, sizeof fusable_acts[0], 3);
    uint32_t pb, ab;
    if (prod < 0 || act < 0 || !single_out(p->outs, &pb) || !single_out(a->outs, &ab)) return false;
    if (p->args[pb]->tag != EMBER_VALUE_TENSOR || a->args[ab]->tag != EMBER_VALUE_TENSOR ||
        a->num_args != (act == ACT_RELU ? 3u : 5u) || a->args[0]->tag != EMBER_VALUE_TENSOR)
        return false;
    ember_tensor *t = p->args[pb]->u.t, *u = a->args[ab]->u.t;
    if (a->args[0]->u.t != t || t->dtype != EMBER_DTYPE_F32 || !t->nbytes || !t->data ||
        t->storage != EMBER_TENSOR_PLANNED || u->storage != EMBER_TENSOR_PLANNED || !u->data ||
        !same_tensor_type(t, u))
        return false;
    float clamp[2];
    if (!activation_bounds(act, a, &clamp[0], &clamp[1])) return false;
    tensor_use ut;
    if (!tensor_use_get(m, t, &ut, budget) || ut.input || ut.output || ut.first != i ||
        ut.last != i + 1 || ut.calls != 2)
        return false;
    for (uint32_t j = 0; j < p->num_args; j++) {
        uint32_t n;
        ember_tensor* const* ts = value_tensors(p->args[j], &n);
        if (*budget < (size_t)n + 1) return false;
        *budget -= (size_t)n + 1;
        for (uint32_t k = 0; k < n; k++) {
            if (!ts[k]) continue;
            if (ts[k] == t ? j < pb : ts[k] == u || shares_bytes(ts[k], u)) return false;
        }
    }
    for (uint32_t j = 1; j < a->num_args; j++)
        if (j < ab && (names_tensor(a->args[j], t) || names_tensor(a->args[j], u))) return false;
    if (*budget < L->num_tensors) return false;
    *budget -= L->num_tensors;
    for (uint32_t v = 0; v < L->num_tensors; v++) {
        const ember_tensor* x = &L->tensors[v];
        if (x == t || !shares_bytes(x, t) || inside(x, u)) continue; /* U's bytes: the same */
        tensor_use ux;
        if (!tensor_use_get(m, x, &ux, budget)) return false;
        if (!ux.calls && !ux.input && !ux.output) continue;
        const bool before = ux.calls && ux.last < i && !ux.output;
        const bool after = ux.calls && ux.first > i + 1 && !ux.input;
        if (!(before || after)) return false;
        if (!ux.input && !writes_first(&m->instrs[ux.first], x, budget) &&
            !overwritten_in(m, x, before ? 0 : i + 2, ux.first, budget))
            return false;
    }

    /* Prepare the producer again writing U through the clamp; undo unless it takes it. */
    const ember_instr saved = *p;
    ember_value** args = (ember_value**)p->args; /* bookkeeping memory, the loader's own */
    ember_value* tv = args[pb];
    for (uint32_t j = pb; j < p->num_args; j++)
        if (args[j] == tv) args[j] = a->args[ab];
    char msg[MSG_BYTES];
    bool done = false;
    if (prepare_kernel(m, p, clamp, &done, false, msg, sizeof msg) || !done) {
        for (uint32_t j = pb; j < p->num_args; j++) /* p named no U: every U was a T */
            if (args[j] == a->args[ab]) args[j] = tv;
        *p = saved;
        return false;
    }
    p->fused_name = fusable_producers[prod].fused[act];
    a->fused = true;
    return true;
}

/* Every fusion fuse_pair proves safe, in a method loaded with its planned buffers. */
static void fuse_activations(loader* L)
{
    ember_method* m = L->m;
    if (!L->buffers) return; /* inspection only: no bytes to compare */
    for (uint32_t ins = 0; ins < m->num_instrs; ins++)
        if (m->instrs[ins].kind == INSTR_MOVE_CALL || m->instrs[ins].kind == INSTR_JUMP_FALSE_CALL) return;
    size_t budget = FUSE_BUDGET;
    for (uint32_t c = 0; c < m->num_chains; c++) {
        const ember_chain* ch = &m->chains[c];
        for (uint32_t i = ch->first; i + 1 < ch->first + ch->count; i++)
            if (fuse_pair(L, i, &budget)) i++;
    }
}

#else
static void fuse_activations(loader* L) { (void)L; }
#endif /* EMBER_FUSE */

/* ---- the walk -------------------------------------------------------------------------- */

/* Inputs' planned slots. Two inputs never share bytes (setting one would change the other).
 * An input whose bytes any other planned tensor uses — overlapping or exactly the same slot —
 * is consumed by execute (INPUT_CLOBBERED). Constant inputs count as set. */
static ember_status check_inputs(loader* L)
{
    ember_method* m = L->m;
    for (uint32_t i = 0; i < m->num_inputs; i++) {
        m->input_state[i] = 0;
        const ember_value* in = &m->values[m->inputs[i]];
        if (in->tag != EMBER_VALUE_TENSOR) {
            if (in->tag == EMBER_VALUE_INT || in->tag == EMBER_VALUE_DOUBLE || in->tag == EMBER_VALUE_BOOL)
                L->changing[m->inputs[i]] = 1;
            continue;
        }
        if (in->u.t->storage == EMBER_TENSOR_CONSTANT) m->input_state[i] = INPUT_EVER_SET;
        if (in->u.t->storage != EMBER_TENSOR_PLANNED) continue;
        for (uint32_t j = 0; j < i; j++) {
            const ember_value* other = &m->values[m->inputs[j]];
            if (other->tag == EMBER_VALUE_TENSOR && other->u.t != in->u.t && shares_bytes(in->u.t, other->u.t))
                return MALFORMED(L, "inputs %" PRIu32 " and %" PRIu32 " share planned memory", j, i);
        }
        for (uint32_t v = 0; v < m->num_values; v++) {
            const ember_value* o = &m->values[v];
            if (o->tag == EMBER_VALUE_TENSOR && o->u.t != in->u.t && o->u.t->storage == EMBER_TENSOR_PLANNED &&
                shares_bytes(in->u.t, o->u.t)) {
                m->input_state[i] = INPUT_CLOBBERED;
                break;
            }
        }
    }
    return EMBER_OK;
}

static ember_status load_io(loader* L, int field, const char* what, const uint32_t** out, uint32_t* n)
{
    fb_vec v;
    FB_VERIFIED(fb_vector(&L->plan, field, 4, &v));
    uint32_t* idx = take(L, v.len, sizeof(uint32_t), 4);
    for (uint32_t i = 0; i < v.len; i++) {
        int32_t x = fb_vec_i32(&v, i);
        if (x < 0 || (uint32_t)x >= L->values.len) return MALFORMED(L, "%s %" PRIu32 " names value %" PRId32 ", out of range", what, i, x);
        if (idx) idx[i] = (uint32_t)x;
    }
    *out = idx;
    *n = v.len;
    return EMBER_OK;
}

static ember_status walk(loader* L)
{
    ember_method* m = take(L, 1, sizeof(ember_method), BOOKKEEPING_ALIGN);
    if (m) {
        memset(m, 0, sizeof *m);
        m->program = L->p;
        m->plan = L->plan;
        L->m = m;
    }
    FB_VERIFIED(fb_vector(&L->plan, PLAN_VALUES, 4, &L->values));
    ember_value* values = take(L, L->values.len, sizeof(ember_value), 8);
    if (m) {
        m->values = values;
        m->num_values = L->values.len;
    }
    /* One array of tensors, sized by a count of tensor values, so that a tensor's index is
     * its position (check_instructions uses that). */
    uint32_t num_tensors = 0;
    for (uint32_t i = 0; i < L->values.len; i++) {
        uint8_t type = 0;
        fb_table t;
        ember_status st0 = value_at(L, i, &type, &t);
        if (st0) return st0;
        num_tensors += type == EMBER_VALUE_TENSOR;
    }
    L->tensors = take(L, num_tensors, sizeof(ember_tensor), 8);
    L->num_tensors = 0;
    ember_status st;
    for (uint32_t i = 0; i < L->values.len; i++)
        if ((st = parse_value(L, i, values ? &values[i] : NULL))) return st;
    for (uint32_t i = 0; i < L->values.len; i++)
        if ((st = parse_tensor_list(L, i, values ? &values[i] : NULL))) return st;

    const uint32_t* io;
    uint32_t n;
    if ((st = load_io(L, PLAN_INPUTS, "input", &io, &n))) return st;
    if (m) {
        m->inputs = io;
        m->num_inputs = n;
    }
    uint8_t* state = take(L, n, 1, 1);
    L->changing = take(L, L->values.len, 1, 1);
    if (m) {
        memset(L->changing, 0, L->values.len);
        m->input_state = state;
        if ((st = check_inputs(L))) return st;
    }
    if ((st = load_io(L, PLAN_OUTPUTS, "output", &io, &n))) return st;
    if (m) {
        m->outputs = io;
        m->num_outputs = n;
    }
    if ((st = load_operators(L))) return st;
    if ((st = load_delegates(L))) return st;
    if ((st = load_chains(L))) return st;
    uint8_t* bound = take(L, num_tensors, 1, 1);
    if (m && (st = check_instructions(L, bound, L->tensors, num_tensors))) return st;
    if (m) fuse_activations(L);
    if (L->overflow) return MALFORMED(L, "method needs more memory than can be addressed");
    return EMBER_OK;
}

/* Opens the plan and reads its planned buffer sizes. */
static ember_status loader_init(loader* L, ember_program* p, const char* name)
{
    memset(L, 0, sizeof *L);
    L->p = p;
    L->b = ember_program_fb(p);
    ember_status st = ember_program_find_plan(p, name, &L->plan);
    if (st) return st;
    fb_vec sizes;
    FB_VERIFIED(fb_vector(&L->plan, PLAN_NON_CONST_BUFFER_SIZES, 8, &sizes));
    if (sizes.len > EMBER_MAX_BUFFERS)
        return ember_program_fail(p, EMBER_NOT_SUPPORTED, "method '%s' plans %" PRIu32 " buffers (Ember supports %d)", name, sizes.len, EMBER_MAX_BUFFERS);
    for (uint32_t i = 0; i < sizes.len; i++) {
        int64_t s = fb_vec_i64(&sizes, i);
        if (s < 0 || (uint64_t)s > SIZE_MAX / 2) return MALFORMED(L, "planned buffer %" PRIu32 " has invalid size %lld", i, (long long)s);
        L->buffer_bytes[i] = (size_t)s;
    }
    L->num_file_buffers = sizes.len;
    return EMBER_OK;
}

ember_status ember_method_requirements_get(ember_program* program, const char* name,
                                           ember_method_requirements* req)
{
    if (!program || !req) return EMBER_INVALID_ARGUMENT;
    ember_program* p = program;
    loader L;
    ember_status st = loader_init(&L, p, name);
    if (st) return st;
    st = walk(&L);
    if (st) return st;
    memset(req, 0, sizeof *req);
    req->bookkeeping_bytes = L.used + BOOKKEEPING_ALIGN - 1; /* any alignment of `mem` */
    req->num_buffers = L.num_file_buffers;
    for (size_t i = 0; i < L.num_file_buffers; i++) req->buffer_bytes[i] = L.buffer_bytes[i];
    if (req->num_buffers) req->buffer_bytes[0] = 0;
    return EMBER_OK;
}

ember_status ember_method_load(ember_program* program, const char* name, void* mem, size_t mem_bytes,
                               void* const* buffers, size_t num_buffers, ember_method** method)
{
    if (!program || !method) return EMBER_INVALID_ARGUMENT;
    *method = NULL;
    ember_method_requirements req;
    ember_status st = ember_method_requirements_get(program, name, &req);
    if (st) return st;
    if (!mem || mem_bytes < req.bookkeeping_bytes)
        return ember_program_fail(program, EMBER_MEMORY_TOO_SMALL, "method '%s' needs %zu bookkeeping bytes, got %zu", name, req.bookkeeping_bytes, mem ? mem_bytes : 0);
    bool inspect_only = !buffers && num_buffers == 0;
    if (!inspect_only && (num_buffers < req.num_buffers || (req.num_buffers > 1 && !buffers)))
        return ember_program_fail(program, EMBER_INVALID_ARGUMENT, "method '%s' needs %zu planned buffers (ids 0..%zu), got %zu", name, req.num_buffers, req.num_buffers ? req.num_buffers - 1 : 0, num_buffers);
    /* one pass: both faults are EMBER_INVALID_ARGUMENT, the message names the first buffer at fault */
    for (size_t i = 1; !inspect_only && i < req.num_buffers; i++) {
        if ((uintptr_t)buffers[i] % EMBER_BUFFER_ALIGN)
            return ember_program_fail(program, EMBER_INVALID_ARGUMENT, "planned buffer %zu at %p is not %d-byte aligned", i, buffers[i], EMBER_BUFFER_ALIGN);
        if (!buffers[i] && req.buffer_bytes[i])
            return ember_program_fail(program, EMBER_INVALID_ARGUMENT, "planned buffer %zu (%zu bytes) is NULL", i, req.buffer_bytes[i]);
    }

    loader L;
    loader_init(&L, program, name);
    uintptr_t aligned = ((uintptr_t)mem + BOOKKEEPING_ALIGN - 1) & ~(uintptr_t)(BOOKKEEPING_ALIGN - 1);
    L.base = (uint8_t*)aligned;
    L.buffers = buffers;
    st = walk(&L);
    if (st) {
        if (L.m) ember_method_destroy(L.m);
        return st;
    }
    L.m->error[0] = 0;
    L.m->inspect_only = inspect_only;
    *method = L.m;
    return EMBER_OK;
}

/* ---- running --------------------------------------------------------------------------- */

#if EMBER_MESSAGES
#define method_fail(m, status, ...) (method_fail)((m), (status), __VA_ARGS__)
static ember_status(method_fail)(ember_method* m, ember_status status, const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ember_vsnprintf(m->error, sizeof m->error, fmt, ap);
    va_end(ap);
    return status;
}
#else
/* Without messages a method's error stays the "" method load leaves: a failure is its status. */
#define method_fail(m, status, ...) ((void)(m), (ember_status)(status))
#endif

/* The event hook around a kernel or delegate call (ember_method_set_event_hook); nothing at
 * all when the library is built without events. */
#if EMBER_EVENTS
#define EVENT(m, at, phase, st)                                                                 \
    do {                                                                                        \
        if ((m)->hook) (m)->hook((m)->hook_user, (at), (phase), (st));                          \
    } while (0)
#else
#define EVENT(m, at, phase, st) ((void)0)
#endif

ember_status ember_method_set_threadpool(ember_method* m, ember_threadpool* pool)
{
    if (!m) return EMBER_INVALID_ARGUMENT;
    m->pool = pool;
    return EMBER_OK;
}

ember_status ember_method_execute(ember_method* m)
{
    if (!m) return EMBER_INVALID_ARGUMENT;
    if (m->inspect_only) return method_fail(m, EMBER_INVALID_ARGUMENT, "method was loaded for inspection only (no planned buffers)");
    for (uint32_t i = 0; i < m->num_inputs; i++) {
        const ember_value* v = &m->values[m->inputs[i]];
        if (!(m->input_state[i] & INPUT_EVER_SET) || (v->tag == EMBER_VALUE_TENSOR && !v->u.t->data))
            return method_fail(m, EMBER_INPUT_NOT_SET, "input %u is not set", i);
        if ((m->input_state[i] & INPUT_CLOBBERED) && !(m->input_state[i] & INPUT_SET))
            return method_fail(m, EMBER_INPUT_NOT_SET, "input %u is not set: its planned memory is reused by the method, so it must be set before every execute", i);
    }
    for (uint32_t i = 0; i < m->num_inputs; i++) m->input_state[i] &= (uint8_t)~INPUT_SET;
    for (uint32_t c = 0; c < m->num_chains; c++) {
        const ember_chain* chain = &m->chains[c];
        ember_instr* code = m->instrs + chain->first;
        uint32_t pc = 0;
        /* Jumps can loop; a hostile file must not hang the caller. */
        uint64_t steps = 0, max_steps = (uint64_t)chain->count * MAX_STEPS_PER_INSTRUCTION;
        while (pc < chain->count) {
            if (++steps > max_steps)
                return method_fail(m, EMBER_NOT_SUPPORTED, "chain %u ran more than %llu instructions: a loop that does not end?", c, (unsigned long long)max_steps);
            ember_instr* in = &code[pc];
            uint32_t at = chain->first + pc; /* the instruction's index in the method */
            (void)at; /* read by the event hook and the messages, either may be compiled out */
            ember_status st = EMBER_OK;
            switch (in->kind) {
            case INSTR_KERNEL_CALL: {
                if (in->fused) break; /* done by the call before it */
                char msg[MSG_BYTES] = "";
                ember_kernel_ctx ctx = {.op_name = m->ops[in->u.kernel.op]->name, .msg = msg,
                                        .msg_bytes = sizeof msg, .pool = m->pool, .state = in->state,
                                        .packed = in->packed};
                EVENT(m, at, EMBER_EVENT_BEGIN, EMBER_OK);
                bool refused = in->recheck && (st = prepare_kernel(m, in, NULL, NULL, true, msg, sizeof msg));
                ctx.packed = in->packed; /* as that prepare left it */
                if (!refused) st = in->u.kernel.run(&ctx, in->args);
                EVENT(m, at, EMBER_EVENT_END, st);
                if (refused) return method_fail(m, st, "instruction %u: %s", at, msg);
                if (st && msg[0]) /* "op: what the data showed" */
                    return method_fail(m, st, "instruction %u failed: %s", at, msg);
                if (st) return method_fail(m, st, "instruction %u (%s) failed: %s", at, ctx.op_name, ember_status_str(st));
                break;
            }
#if EMBER_DELEGATES
            case INSTR_DELEGATE_CALL: {
                ember_delegate* d = &m->delegates[in->u.delegate];
                EVENT(m, at, EMBER_EVENT_BEGIN, EMBER_OK);
                st = d->backend->execute(d->handle, in->args, in->num_args);
                EVENT(m, at, EMBER_EVENT_END, st);
                if (st) {
#if EMBER_MESSAGES
                    char why[200];
#endif
                    return method_fail(m, st, "instruction %u: backend '%s' failed: %s%s", at, d->id, ember_status_str(st),
                                       backend_why(d->backend, d->handle, NULL, 0, why, sizeof why));
                }
                break;
            }
#endif
            case INSTR_MOVE_CALL: m->values[in->u.move.to] = m->values[in->u.move.from]; break;
            case INSTR_JUMP_FALSE_CALL: {
                const ember_value* cond = &m->values[in->u.jump.cond];
                bool truth;
                if (cond->tag == EMBER_VALUE_BOOL)
                    truth = cond->u.b;
                else if (cond->tag == EMBER_VALUE_TENSOR && cond->u.t->dtype == EMBER_DTYPE_BOOL && cond->u.t->numel == 1 && cond->u.t->data)
                    truth = *(const uint8_t*)cond->u.t->data != 0;
                else
                    return method_fail(m, EMBER_INVALID_ARGUMENT, "instruction %u: jump condition is not a bool", at);
                if (!truth) {
                    pc = in->u.jump.dest;
                    continue;
                }
                break;
            }
            case INSTR_FREE_CALL: break; /* planned memory is never freed */
            default: return method_fail(m, EMBER_INTERNAL, "bad instruction kind %u", in->kind);
            }
            pc++;
        }
    }
    m->error[0] = 0;
    return EMBER_OK;
}

size_t ember_method_input_count(const ember_method* m) { return m ? m->num_inputs : 0; }
size_t ember_method_output_count(const ember_method* m) { return m ? m->num_outputs : 0; }

const ember_value* ember_method_input(const ember_method* m, size_t i)
{
    return m && i < m->num_inputs ? &m->values[m->inputs[i]] : NULL;
}

const ember_value* ember_method_output_value(const ember_method* m, size_t i)
{
    return m && i < m->num_outputs ? &m->values[m->outputs[i]] : NULL;
}

static void shape_str(char* buf, size_t bytes, size_t dim, const int32_t* sizes)
{
    size_t used = 0;
    buf[0] = 0;
    used += (size_t)ember_message(buf, bytes, "(");
    for (size_t d = 0; d < dim && used < bytes; d++)
        used += (size_t)ember_message(buf + used, bytes - used, d ? ", %" PRId32 : "%" PRId32, sizes[d]);
    if (used < bytes) ember_message(buf + used, bytes - used, dim == 1 ? ",)" : ")");
}

ember_status ember_method_set_input(ember_method* m, size_t index, ember_dtype dtype, size_t dim,
                                    const int32_t* sizes, const void* data)
{
    if (!m) return EMBER_INVALID_ARGUMENT;
    if (index >= m->num_inputs) return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu out of range (the method has %u inputs)", index, m->num_inputs);
    ember_value* v = &m->values[m->inputs[index]];
    if (v->tag != EMBER_VALUE_TENSOR) return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu is not a tensor", index);
    ember_tensor* t = v->u.t;
    if (m->inspect_only) return method_fail(m, EMBER_INVALID_ARGUMENT, "method was loaded for inspection only (no planned buffers)");
    if ((int)dtype != t->dtype)
        return method_fail(m, EMBER_DTYPE_MISMATCH, "input %zu: expected dtype %s, got %s", index, ember_dtype_name(t->dtype), ember_dtype_name((int)dtype));
    bool same = dim == t->dim && (dim == 0 || sizes);
    for (size_t d = 0; same && d < dim; d++) same = sizes[d] == t->sizes[d];
    /* a dynamic input takes any sizes of its rank that fit its memory: on a copy, kept only if
     * the call succeeds */
    ember_tensor sized = *t;
    if (!same && t->dynamic && dim == t->dim && ember_tensor_resize(&sized, dim, sizes) == EMBER_OK)
        same = true;
    if (!same) {
        char want[96], got[96];
        shape_str(want, sizeof want, t->dim, t->sizes);
        shape_str(got, sizeof got, dim > EMBER_MAX_DIMS ? 0 : dim, sizes ? sizes : t->sizes);
        if (t->dynamic)
            return method_fail(m, EMBER_SHAPE_MISMATCH, "input %zu: shape %s%s does not fit: it is dynamic, of rank %u and at most %zu bytes", index, got,
                               dim > EMBER_MAX_DIMS ? " (rank too high)" : "", t->dim, t->capacity);
        return method_fail(m, EMBER_SHAPE_MISMATCH, "input %zu: expected shape %s, got %s%s", index, want, got, dim > EMBER_MAX_DIMS ? " (rank too high)" : "");
    }
    if (!data && sized.nbytes) return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu: no data", index);
    if (t->storage == EMBER_TENSOR_PLANNED) {
        if (sized.nbytes) memcpy(t->data, data, sized.nbytes);
    } else if (t->storage == EMBER_TENSOR_BORROWED) {
        size_t align = ember_dtype_size(t->dtype);
        if ((uintptr_t)data % align)
            return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu: data at %p is not aligned for %s (%zu bytes); the method reads it in place", index, data, ember_dtype_name(t->dtype), align);
        if (sized.nbytes) sized.data = (void*)data;
    } else {
        return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu is a constant and cannot be set", index);
    }
    *t = sized;
    m->input_state[index] |= INPUT_SET | INPUT_EVER_SET;
    return EMBER_OK;
}

ember_status ember_method_set_input_scalar(ember_method* m, size_t index, double value)
{
    if (!m) return EMBER_INVALID_ARGUMENT;
    if (index >= m->num_inputs) return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu out of range (the method has %u inputs)", index, m->num_inputs);
    ember_value* v = &m->values[m->inputs[index]];
    switch (v->tag) {
    case EMBER_VALUE_INT:
        /* [-2^63, 2^63): both bounds are exact doubles; NaN fails every comparison. */
        if (!(value >= -9223372036854775808.0 && value < 9223372036854775808.0) || value != (double)(int64_t)value)
            return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu is an Int: %s is not an integer in int64's range", index, EMBER_DOUBLE_STR(value));
        v->u.i = (int64_t)value;
        break;
    case EMBER_VALUE_DOUBLE: v->u.d = value; break;
    case EMBER_VALUE_BOOL:
        if (value != 0.0 && value != 1.0)
            return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu is a Bool: give 0 or 1, not %s", index, EMBER_DOUBLE_STR(value));
        v->u.b = value != 0.0;
        break;
    default: return method_fail(m, EMBER_DTYPE_MISMATCH, "input %zu is not a scalar", index);
    }
    m->input_state[index] |= INPUT_SET | INPUT_EVER_SET;
    return EMBER_OK;
}

ember_status ember_method_set_input_int(ember_method* m, size_t index, int64_t value)
{
    if (!m) return EMBER_INVALID_ARGUMENT;
    if (index >= m->num_inputs) return method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu out of range (the method has %u inputs)", index, m->num_inputs);
    ember_value* v = &m->values[m->inputs[index]];
    if (v->tag == EMBER_VALUE_INT) {
        v->u.i = value;
    } else if (v->tag == EMBER_VALUE_BOOL && (value == 0 || value == 1)) {
        v->u.b = value == 1;
    } else {
        return v->tag == EMBER_VALUE_BOOL
                   ? method_fail(m, EMBER_INVALID_ARGUMENT, "input %zu is a Bool: give 0 or 1, not %lld", index, (long long)value)
                   : method_fail(m, EMBER_DTYPE_MISMATCH, "input %zu is not an Int or Bool scalar", index);
    }
    m->input_state[index] |= INPUT_SET | INPUT_EVER_SET;
    return EMBER_OK;
}

ember_status ember_method_output(const ember_method* m, size_t index, const ember_tensor** out)
{
    if (!m || !out) return EMBER_INVALID_ARGUMENT;
    if (index >= m->num_outputs) return method_fail((ember_method*)m, EMBER_INVALID_ARGUMENT, "output %zu out of range (the method has %u outputs)", index, m->num_outputs);
    const ember_value* v = &m->values[m->outputs[index]];
    if (v->tag != EMBER_VALUE_TENSOR) return method_fail((ember_method*)m, EMBER_INVALID_ARGUMENT, "output %zu is not a tensor", index);
    if (!v->u.t->data && v->u.t->nbytes) return method_fail((ember_method*)m, EMBER_INPUT_NOT_SET, "output %zu has no data yet", index);
    *out = v->u.t;
    return EMBER_OK;
}

const char* ember_method_error(const ember_method* m) { return m ? m->error : "no method"; }

bool ember_method_input_consumed(const ember_method* m, size_t index)
{
    return m && index < m->num_inputs && (m->input_state[index] & INPUT_CLOBBERED);
}

ember_status ember_method_info_get(const ember_method* m, ember_method_info* info)
{
    if (!m || !info) return EMBER_INVALID_ARGUMENT;
    info->num_values = m->num_values;
    info->num_instructions = m->num_instrs;
    info->num_operators = m->num_ops;
    info->num_delegates = m->num_delegates;
    return EMBER_OK;
}

const char* ember_method_operator_name(const ember_method* m, size_t index, char* buf, size_t bytes)
{
    if (!m || index >= m->num_ops || !buf || !bytes) return NULL;
    fb_buf b = ember_program_fb(m->program);
    return operator_name(&b, &m->plan, (uint32_t)index, buf, bytes) ? buf : NULL;
}

const char* ember_method_delegate_name(const ember_method* m, size_t index)
{
    return m && index < m->num_delegates ? m->delegates[index].id : NULL;
}

ember_status ember_method_instruction(const ember_method* m, size_t index, ember_instruction_info* info)
{
    if (!m || !info || index >= m->num_instrs) return EMBER_INVALID_ARGUMENT;
    const ember_instr* in = &m->instrs[index];
    memset(info, 0, sizeof *info);
    info->kind = in->kind;
    switch (in->kind) {
    case INSTR_KERNEL_CALL:
        info->index = in->u.kernel.op;
        info->name = in->fused_name ? in->fused_name : m->ops[in->u.kernel.op]->name;
        break;
    case INSTR_DELEGATE_CALL:
        info->index = in->u.delegate;
        info->name = m->delegates[in->u.delegate].id;
        break;
    case INSTR_MOVE_CALL: info->name = "move"; break;
    case INSTR_JUMP_FALSE_CALL: info->name = "jump_false"; break;
    default: info->name = "free"; break;
    }
    if (in->kind == INSTR_KERNEL_CALL || in->kind == INSTR_DELEGATE_CALL) {
        info->num_args = in->num_args;
        info->args = (const ember_value* const*)in->args;
    }
    return EMBER_OK;
}

ember_status ember_method_set_event_hook(ember_method* m, ember_event_fn fn, void* user)
{
    if (!m) return EMBER_INVALID_ARGUMENT;
#if EMBER_EVENTS
    m->hook = fn;
    m->hook_user = fn ? user : NULL;
    return EMBER_OK;
#else
    (void)fn;
    (void)user;
    return method_fail(m, EMBER_NOT_SUPPORTED, "this build of libember has no event hook (built with EMBER_EVENTS=0)");
#endif
}

/* ---- weights packed at load ------------------------------------------------------------ */

/* Whether instruction `in` gets packed weights: a kernel call that runs (not a fused
 * activation), prepared once or with a layout of constants only (a recheck call is prepared
 * again before every run: prepare_kernel then hands run the packed bytes only while it asks
 * for the same pack). */
static bool packs(const ember_instr* in)
{
    return in->kind == INSTR_KERNEL_CALL && !in->fused && (!in->recheck || in->pack_static) &&
           in->pack_bytes && in->pack;
}

#define PACK_ALIGN 64

size_t ember_method_packed_bytes(const ember_method* m)
{
    if (!m) return 0;
    size_t total = 0;
    for (uint32_t i = 0; i < m->num_instrs; i++) {
        const ember_instr* in = &m->instrs[i];
        if (!packs(in)) continue;
        if (in->pack_bytes > SIZE_MAX / 2 || total > SIZE_MAX / 2 - in->pack_bytes) return SIZE_MAX;
        total += (in->pack_bytes + PACK_ALIGN - 1) & ~(size_t)(PACK_ALIGN - 1);
    }
    return total ? total + PACK_ALIGN - 1 : 0; /* any alignment of the caller's block */
}

static void unpack_all(ember_method* m)
{
    for (uint32_t i = 0; i < m->num_instrs; i++) m->instrs[i].packed = m->instrs[i].pack_mem = NULL;
}

ember_status ember_method_pack(ember_method* m, void* mem, size_t bytes)
{
    if (!m) return EMBER_INVALID_ARGUMENT;
    unpack_all(m);
    if (!mem) return EMBER_OK;
    if (m->inspect_only) return method_fail(m, EMBER_INVALID_ARGUMENT, "method was loaded for inspection only (no planned buffers)");
    const size_t need = ember_method_packed_bytes(m);
    if (bytes < need) return method_fail(m, EMBER_MEMORY_TOO_SMALL, "packed weights need %zu bytes, got %zu", need, bytes);
    uint8_t* at = (uint8_t*)(((uintptr_t)mem + PACK_ALIGN - 1) & ~(uintptr_t)(PACK_ALIGN - 1));
    for (uint32_t i = 0; i < m->num_instrs; i++) {
        ember_instr* in = &m->instrs[i];
        if (!packs(in)) continue;
        char msg[MSG_BYTES] = "";
        ember_kernel_ctx ctx = {.op_name = m->ops[in->u.kernel.op]->name, .msg = msg, .msg_bytes = sizeof msg,
                                .state = in->state};
        ember_status st = in->pack(&ctx, in->args, at);
        if (st) {
            unpack_all(m);
            if (!msg[0]) ember_message(msg, sizeof msg, "%s: %s", ctx.op_name, ember_status_str(st));
            return method_fail(m, st, "instruction %u: packing its weights failed: %s", i, msg);
        }
        in->packed = in->pack_mem = at;
        at += (in->pack_bytes + PACK_ALIGN - 1) & ~(size_t)(PACK_ALIGN - 1);
    }
    return EMBER_OK;
}

void ember_method_destroy(ember_method* m)
{
    if (!m) return;
#if EMBER_DELEGATES
    for (uint32_t i = 0; i < m->num_delegates; i++) {
        ember_delegate* d = &m->delegates[i];
        if (d->handle && d->backend->destroy) d->backend->destroy(d->handle);
        d->handle = NULL;
    }
#endif
}
