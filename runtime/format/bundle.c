/* bundle.c — bundled programs (.bpte, identifier BP08): ExecuTorch's BundledProgram wrapper of a
 * .pte with test cases. Verifies the wrapper as FlatBuffers' verifier does, hands out the
 * wrapped program, sets a method's inputs from a case and compares its outputs with the case's
 * expected outputs. The schema (devtools/bundled_program/schema in ExecuTorch):
 *
 *   BundledProgram { version: uint; method_test_suites: [BundledMethodTestSuite];
 *                    program: [ubyte] (force_align 32) }
 *   BundledMethodTestSuite { method_name: string; test_cases: [BundledMethodTestCase] }
 *   BundledMethodTestCase { inputs: [Value]; expected_outputs: [Value] }
 *   Value { val: union { Tensor, Int, Bool, Double } }
 *   Tensor { scalar_type: byte; sizes: [int]; data: [ubyte] (force_align 16); dim_order: [ubyte] }
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "ember/ember.h"
#include "kernels/kernel_util.h" /* ember_dtype_is_float, the half conversions (runtime/core/half.h) */
#include "runtime/format/verify.h"

enum { BP_VERSION, BP_SUITES, BP_PROGRAM };
enum { SUITE_METHOD, SUITE_CASES };
enum { CASE_INPUTS, CASE_EXPECTED };
enum { VALUE_TYPE, VALUE_VAL };
enum { BV_TENSOR = 1, BV_INT, BV_BOOL, BV_DOUBLE }; /* the union's member types */
enum { BT_SCALAR_TYPE, BT_SIZES, BT_DATA, BT_DIM_ORDER };

#define S(name, bytes) {name, FB_SCALAR, bytes, NULL, NULL, 0}
#define STR(name) {name, FB_STRING, 0, NULL, NULL, 0}
#define VEC(name, bytes) {name, FB_VECTOR, bytes, NULL, NULL, 0}
#define TVEC(name, t) {name, FB_TABLE_VECTOR, 0, &t, NULL, 0}
#define TABLE(var, name, ...)                                                                   \
    static const fb_schema_field var##_fields[] = {__VA_ARGS__};                                \
    static const fb_schema_table var = {name, sizeof var##_fields / sizeof var##_fields[0],    \
                                        var##_fields}

TABLE(bt_tensor, "Tensor", S("scalar_type", 1), VEC("sizes", 4), VEC("data", 1), VEC("dim_order", 1));
TABLE(bt_int, "Int", S("int_val", 8));
TABLE(bt_bool, "Bool", S("bool_val", 1));
TABLE(bt_double, "Double", S("double_val", 8));
static const fb_schema_table* const bt_members[] = {&bt_tensor, &bt_int, &bt_bool, &bt_double};
TABLE(bt_value, "Value", {"val_type", FB_UNION_TYPE, 1, NULL, NULL, 0},
      {"val", FB_UNION, 0, NULL, bt_members, 4});
TABLE(bt_case, "BundledMethodTestCase", TVEC("inputs", bt_value), TVEC("expected_outputs", bt_value));
TABLE(bt_suite, "BundledMethodTestSuite", STR("method_name"), TVEC("test_cases", bt_case));
TABLE(bt_program, "BundledProgram", S("version", 4), TVEC("method_test_suites", bt_suite),
      VEC("program", 1));

static ember_status(fail)(ember_bundle* b, ember_status st, const char* fmt, ...)
#if defined(__GNUC__) && EMBER_MESSAGES /* without messages the format is "" */
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#define fail(b, st, ...) (fail)((b), (st), EMBER_MESSAGE(__VA_ARGS__))
static ember_status(fail)(ember_bundle* b, ember_status st, const char* fmt, ...)
{
#if EMBER_MESSAGES
    va_list ap;
    va_start(ap, fmt);
    ember_vsnprintf(b->error, sizeof b->error, fmt, ap);
    va_end(ap);
#else
    (void)fmt;
    b->error[0] = 0;
#endif
    return st;
}

static fb_buf bundle_fb(const ember_bundle* b)
{
    fb_buf f = {b->data, b->size};
    return f;
}

size_t ember_bundle_struct_size(void) { return sizeof(ember_bundle); }

bool ember_bundle_identify(const void* data, size_t size)
{
    const uint8_t* id = (const uint8_t*)data + 4;
    return data && size >= 8 && id[0] == 'B' && id[1] == 'P' && id[2] >= '0' && id[2] <= '9' &&
           id[3] >= '0' && id[3] <= '9';
}

ember_status ember_bundle_load(ember_bundle* b, const void* data, size_t size)
{
    if (!b) return EMBER_INVALID_ARGUMENT;
    memset(b, 0, sizeof *b);
    if (!data) return fail(b, EMBER_INVALID_ARGUMENT, "no data");
    if (!ember_bundle_identify(data, size)) return fail(b, EMBER_MALFORMED_PROGRAM, "not a bundled program (no BP08 identifier)");
    if (memcmp((const uint8_t*)data + 4, "BP08", 4) != 0)
        return fail(b, EMBER_NOT_SUPPORTED, "bundled program version '%.4s' is not supported (Ember reads BP08)", (const char*)data + 4);
    b->data = data;
    b->size = size;
    fb_buf f = bundle_fb(b);
    char why[160];
    if (!fb_verify(&f, &bt_program, why, sizeof why))
        return fail(b, EMBER_MALFORMED_PROGRAM, "bundled program: flatbuffer verification failed: %s", why);
    fb_table root;
    uint32_t at;
    fb_vec v;
    if (!fb_follow(&f, 0, &at) || !fb_table_at(&f, at, &root) || !fb_vector(&root, BP_PROGRAM, 1, &v))
        return fail(b, EMBER_MALFORMED_PROGRAM, "bundled program: bad root table");
    if (!v.len) return fail(b, EMBER_MALFORMED_PROGRAM, "bundled program holds no program");
    b->program = b->data + v.pos;
    b->program_size = v.len;
    if (!fb_vector(&root, BP_SUITES, 4, &v)) return fail(b, EMBER_MALFORMED_PROGRAM, "bundled program: bad test suites");
    b->suites = v.pos;
    b->num_suites = v.len;
    return EMBER_OK;
}

const char* ember_bundle_error(const ember_bundle* b) { return b ? b->error : "no bundle"; }

size_t ember_bundle_suite_count(const ember_bundle* b) { return b ? b->num_suites : 0; }

static bool suite_at(const ember_bundle* b, size_t s, fb_table* t)
{
    fb_buf f = bundle_fb(b);
    fb_vec v = {f, b->suites, b->num_suites};
    return s < b->num_suites && fb_vec_table(&v, (uint32_t)s, t);
}

const char* ember_bundle_suite_method(const ember_bundle* b, size_t s)
{
    fb_table t;
    const char* name = NULL;
    uint32_t len;
    if (!b || !suite_at(b, s, &t)) return NULL;
    return fb_string(&t, SUITE_METHOD, &name, &len) ? name : NULL;
}

/* The test-case vector of suite s. */
static bool cases_of(const ember_bundle* b, size_t s, fb_vec* v)
{
    fb_table t;
    return suite_at(b, s, &t) && fb_vector(&t, SUITE_CASES, 4, v);
}

size_t ember_bundle_case_count(const ember_bundle* b, size_t s)
{
    fb_vec v;
    return b && cases_of(b, s, &v) ? v.len : 0;
}

/* The inputs (field CASE_INPUTS) or expected outputs of case c of suite s. */
static bool values_of(const ember_bundle* b, size_t s, size_t c, int field, fb_vec* out)
{
    fb_vec cases;
    fb_table tc;
    return cases_of(b, s, &cases) && c < cases.len && fb_vec_table(&cases, (uint32_t)c, &tc) &&
           fb_vector(&tc, field, 4, out);
}

size_t ember_bundle_input_count(const ember_bundle* b, size_t s, size_t c)
{
    fb_vec v;
    return b && values_of(b, s, c, CASE_INPUTS, &v) ? v.len : 0;
}

size_t ember_bundle_expected_count(const ember_bundle* b, size_t s, size_t c)
{
    fb_vec v;
    return b && values_of(b, s, c, CASE_EXPECTED, &v) ? v.len : 0;
}

static ember_status read_value(ember_bundle* b, size_t s, size_t c, int field, size_t i, ember_bundle_value* out)
{
    const char* what = field == CASE_INPUTS ? "input" : "expected output";
    (void)what; /* named in the messages only */
    fb_vec vals;
    fb_table tv, val;
    bool has;
    uint8_t type;
    fb_buf f = bundle_fb(b);
    if (!values_of(b, s, c, field, &vals) || i >= vals.len)
        return fail(b, EMBER_INVALID_ARGUMENT, "suite %zu case %zu has no %s %zu", s, c, what, i);
    if (!fb_vec_table(&vals, (uint32_t)i, &tv) || !fb_u8(&tv, VALUE_TYPE, &type) ||
        !fb_subtable(&tv, VALUE_VAL, &val, &has) || (type && !has))
        return fail(b, EMBER_MALFORMED_PROGRAM, "suite %zu case %zu %s %zu is corrupt", s, c, what, i);
    memset(out, 0, sizeof *out);
    uint8_t u8;
    switch (type) {
    case BV_INT:
        out->tag = EMBER_VALUE_INT;
        if (!fb_i64(&val, 0, &out->i)) break;
        return EMBER_OK;
    case BV_BOOL:
        out->tag = EMBER_VALUE_BOOL;
        if (!fb_u8(&val, 0, &u8)) break;
        out->b = u8 != 0;
        return EMBER_OK;
    case BV_DOUBLE:
        out->tag = EMBER_VALUE_DOUBLE;
        if (!fb_f64(&val, 0, &out->d)) break;
        return EMBER_OK;
    case BV_TENSOR: {
        int8_t dtype;
        fb_vec sizes, data, order;
        out->tag = EMBER_VALUE_TENSOR;
        if (!fb_i8(&val, BT_SCALAR_TYPE, &dtype) || !fb_vector(&val, BT_SIZES, 4, &sizes) ||
            !fb_vector(&val, BT_DATA, 1, &data) || !fb_vector(&val, BT_DIM_ORDER, 1, &order))
            break;
        size_t esize = ember_dtype_size(dtype);
        if (!esize) return fail(b, EMBER_NOT_SUPPORTED, "suite %zu case %zu %s %zu has scalar type %d, which Ember does not support", s, c, what, i, dtype);
        if (sizes.len > EMBER_MAX_DIMS || (order.len && order.len != sizes.len)) break;
        out->dtype = (uint8_t)dtype;
        out->dim = (uint8_t)sizes.len;
        uint64_t numel = 1;
        uint32_t seen = 0;
        for (uint32_t d = 0; d < sizes.len; d++) {
            int32_t n = (int32_t)fb_rd_u32(f.data + sizes.pos + 4 * d);
            uint8_t o = order.len ? f.data[order.pos + d] : (uint8_t)d;
            if (n < 0 || o >= sizes.len || (seen >> o & 1)) return fail(b, EMBER_MALFORMED_PROGRAM, "suite %zu case %zu %s %zu has a bad shape or dim order", s, c, what, i);
            seen |= 1u << o;
            out->sizes[d] = n;
            out->dim_order[d] = o;
            numel *= (uint64_t)n;
            if (numel > INT32_MAX) return fail(b, EMBER_NOT_SUPPORTED, "suite %zu case %zu %s %zu has more than 2^31 elements", s, c, what, i);
        }
        out->nbytes = (size_t)numel * esize;
        if (data.len != out->nbytes)
            return fail(b, EMBER_MALFORMED_PROGRAM, "suite %zu case %zu %s %zu holds %" PRIu32 " bytes, its shape needs %zu", s, c, what, i, data.len, out->nbytes);
        out->data = f.data + data.pos;
        return EMBER_OK;
    }
    default: return fail(b, EMBER_NOT_SUPPORTED, "suite %zu case %zu %s %zu has value type %u, which Ember does not know", s, c, what, i, type);
    }
    return fail(b, EMBER_MALFORMED_PROGRAM, "suite %zu case %zu %s %zu is corrupt", s, c, what, i);
}

ember_status ember_bundle_input(ember_bundle* b, size_t s, size_t c, size_t i, ember_bundle_value* v)
{
    if (!b || !v) return EMBER_INVALID_ARGUMENT;
    return read_value(b, s, c, CASE_INPUTS, i, v);
}

ember_status ember_bundle_expected(ember_bundle* b, size_t s, size_t c, size_t i, ember_bundle_value* v)
{
    if (!b || !v) return EMBER_INVALID_ARGUMENT;
    return read_value(b, s, c, CASE_EXPECTED, i, v);
}

static bool same_dim_order(int dim, const uint8_t* a, const uint8_t* b)
{
    return memcmp(a, b, (size_t)dim) == 0;
}

ember_status ember_bundle_set_inputs(ember_bundle* b, size_t s, size_t c, ember_method* m)
{
    if (!b || !m) return EMBER_INVALID_ARGUMENT;
    size_t n = ember_bundle_input_count(b, s, c);
    if (n != ember_method_input_count(m))
        return fail(b, EMBER_INVALID_ARGUMENT, "suite %zu case %zu has %zu inputs, the method takes %zu", s, c, n, ember_method_input_count(m));
    for (size_t i = 0; i < n; i++) {
        ember_bundle_value v;
        ember_status st = read_value(b, s, c, CASE_INPUTS, i, &v);
        if (st) return st;
        if (v.tag == EMBER_VALUE_TENSOR) {
            const ember_value* want = ember_method_input(m, i);
            if (want->tag == EMBER_VALUE_TENSOR && want->u.t->dim == v.dim && !same_dim_order(v.dim, v.dim_order, want->u.t->dim_order))
                return fail(b, EMBER_NOT_SUPPORTED, "suite %zu case %zu input %zu is stored in another dim order than the method's input", s, c, i);
            st = ember_method_set_input(m, i, (ember_dtype)v.dtype, v.dim, v.sizes, v.data);
        } else if (v.tag == EMBER_VALUE_DOUBLE) {
            st = ember_method_set_input_scalar(m, i, v.d);
        } else {
            st = ember_method_set_input_int(m, i, v.tag == EMBER_VALUE_INT ? v.i : (int64_t)v.b);
        }
        if (st) return fail(b, st, "suite %zu case %zu input %zu: %s", s, c, i, ember_method_error(m));
    }
    return EMBER_OK;
}

/* ---- comparing ------------------------------------------------------------------------- */

/* Float element k of data (f32, f64, f16, bf16) as double. */
static double element_f64(const void* data, int dtype, int64_t k)
{
    const uint8_t* p = data;
    switch (dtype) {
    case EMBER_DTYPE_F32: { float f; memcpy(&f, p + 4 * k, 4); return f; }
    case EMBER_DTYPE_F64: { double d; memcpy(&d, p + 8 * k, 8); return d; }
    case EMBER_DTYPE_F16: { uint16_t h; memcpy(&h, p + 2 * k, 2); return ember_f16_to_f32(h); }
    case EMBER_DTYPE_BF16: { uint16_t h; memcpy(&h, p + 2 * k, 2); return ember_bf16_to_f32(h); }
    default: return 0.0;
    }
}

/* Integer and bool elements as their bytes, widened: equal exactly when their values are. */
static uint64_t element_bits(const void* data, size_t esize, int64_t k)
{
    uint64_t v = 0;
    memcpy(&v, (const uint8_t*)data + (size_t)k * esize, esize); /* little-endian hosts */
    return v;
}

static void strides_of(int dim, const int32_t* sizes, const uint8_t* order, int64_t* strides)
{
    int64_t stride = 1;
    for (int k = dim - 1; k >= 0; k--) {
        strides[order[k]] = stride;
        stride *= sizes[order[k]] ? sizes[order[k]] : 1;
    }
}

typedef struct tally {
    size_t mismatches;
    double max_abs;
} tally;

/* Compares one element pair; floats within tolerance, the rest exactly. */
static void compare_element(tally* t, bool is_float, double a, double e, uint64_t ab, uint64_t eb,
                            double rtol, double atol)
{
    double err;
    bool ok;
    if (is_float) {
        if (isnan(a) || isnan(e)) {
            ok = isnan(a) && isnan(e);
            err = ok ? 0.0 : INFINITY;
        } else if (isinf(a) || isinf(e)) {
            ok = a == e;
            err = ok ? 0.0 : INFINITY;
        } else {
            err = fabs(a - e);
            ok = err <= atol + rtol * fabs(e);
        }
    } else {
        ok = ab == eb;
        err = ok ? 0.0 : fabs((double)(int64_t)ab - (double)(int64_t)eb);
    }
    if (!ok) t->mismatches++;
    if (err > t->max_abs) t->max_abs = err;
}

static ember_status compare_tensor(ember_bundle* b, size_t o, const ember_tensor* a, const ember_bundle_value* e, double rtol, double atol, tally* t)
{
    if (a->dtype != e->dtype)
        return fail(b, EMBER_DTYPE_MISMATCH, "output %zu is %s, the bundle expects %s", o, ember_dtype_name(a->dtype), ember_dtype_name(e->dtype));
    bool same = a->dim == e->dim;
    for (int d = 0; same && d < a->dim; d++) same = a->sizes[d] == e->sizes[d];
    if (!same) return fail(b, EMBER_SHAPE_MISMATCH, "output %zu has another shape than the bundle expects (rank %d vs %d)", o, a->dim, e->dim);
    if (!a->numel) return EMBER_OK;
    int64_t es[EMBER_MAX_DIMS], idx[EMBER_MAX_DIMS] = {0};
    strides_of(e->dim, e->sizes, e->dim_order, es);
    const size_t esize = ember_dtype_size(a->dtype);
    const bool is_float = ember_dtype_is_float(a->dtype);
    for (int64_t n = 0; n < a->numel; n++) {
        int64_t ka = 0, ke = 0;
        for (int d = 0; d < a->dim; d++) {
            ka += idx[d] * a->strides[d];
            ke += idx[d] * es[d];
        }
        if (is_float)
            compare_element(t, true, element_f64(a->data, a->dtype, ka), element_f64(e->data, e->dtype, ke), 0, 0, rtol, atol);
        else
            compare_element(t, false, 0, 0, element_bits(a->data, esize, ka), element_bits(e->data, esize, ke), rtol, atol);
        for (int d = a->dim - 1; d >= 0 && ++idx[d] == a->sizes[d]; d--) idx[d] = 0;
    }
    return EMBER_OK;
}

ember_status ember_bundle_check_outputs(ember_bundle* b, size_t s, size_t c, const ember_method* m,
                                        double rtol, double atol, ember_bundle_check* check)
{
    if (!b || !m || !check) return EMBER_INVALID_ARGUMENT;
    memset(check, 0, sizeof *check);
    size_t n = ember_bundle_expected_count(b, s, c);
    if (n != ember_method_output_count(m))
        return fail(b, EMBER_INVALID_ARGUMENT, "suite %zu case %zu expects %zu outputs, the method gives %zu", s, c, n, ember_method_output_count(m));
    for (size_t o = 0; o < n; o++) {
        ember_bundle_value e;
        ember_status st = read_value(b, s, c, CASE_EXPECTED, o, &e);
        if (st) return st;
        const ember_value* a = ember_method_output_value(m, o);
        tally t = {0, 0.0};
        if (e.tag == EMBER_VALUE_TENSOR) {
            const ember_tensor* at;
            if (a->tag != EMBER_VALUE_TENSOR || ember_method_output(m, o, &at))
                return fail(b, EMBER_INVALID_ARGUMENT, "output %zu is not a tensor with data; the bundle expects one", o);
            if ((st = compare_tensor(b, o, at, &e, rtol, atol, &t))) return st;
        } else if (a->tag == EMBER_VALUE_DOUBLE && e.tag == EMBER_VALUE_DOUBLE) {
            compare_element(&t, true, a->u.d, e.d, 0, 0, rtol, atol);
        } else if (a->tag == e.tag && (a->tag == EMBER_VALUE_INT || a->tag == EMBER_VALUE_BOOL)) {
            uint64_t ab = a->tag == EMBER_VALUE_INT ? (uint64_t)a->u.i : a->u.b;
            uint64_t eb = e.tag == EMBER_VALUE_INT ? (uint64_t)e.i : e.b;
            compare_element(&t, false, 0, 0, ab, eb, rtol, atol);
        } else {
            return fail(b, EMBER_INVALID_ARGUMENT, "output %zu is value kind %" PRIu32 ", the bundle expects kind %" PRIu32, o, a->tag, e.tag);
        }
        check->mismatches += t.mismatches;
        if (o == 0 || t.max_abs > check->max_abs_error) {
            check->max_abs_error = t.max_abs;
            check->worst_output = o;
        }
        check->outputs++;
    }
    check->passed = check->mismatches == 0;
    return EMBER_OK;
}
