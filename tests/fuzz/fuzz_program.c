/* fuzz_program.c — libFuzzer target: everything that only reads a program.
 *
 * ember_program_load, then per method: its name, its pytree specs, its requirements (twice:
 * they must agree), a load into one byte less bookkeeping than required (must fail), and an
 * inspection-only load (buffers NULL, num_buffers 0) into a misaligned block of exactly the
 * required size, reading what a tool reads: inputs, outputs, operator names, delegate names,
 * counts; set_input and execute must then refuse. Also the program's constant bytes and the
 * out-of-range queries. Nothing is executed, so this target runs fast and reaches the loader's
 * corners. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

static volatile size_t sink;

static void read_tensor(const ember_tensor* t, const fuzz_ro* file)
{
    FUZZ_CHECK(t != NULL, "tensor value without a tensor");
    FUZZ_CHECK(t->dim <= EMBER_MAX_DIMS, "tensor of rank %u", t->dim);
    int64_t numel = 1;
    for (uint8_t d = 0; d < t->dim; d++) {
        FUZZ_CHECK(t->sizes[d] >= 0, "negative size %d", t->sizes[d]);
        FUZZ_CHECK(t->dim_order[d] < t->dim, "dim_order entry %u for rank %u", t->dim_order[d], t->dim);
        numel *= t->sizes[d];
    }
    FUZZ_CHECK(numel == t->numel, "numel %lld, sizes give %lld", (long long)t->numel, (long long)numel);
    FUZZ_CHECK(t->nbytes == (size_t)t->numel * ember_dtype_size(t->dtype), "nbytes %zu for %lld x %zu", t->nbytes, (long long)t->numel, ember_dtype_size(t->dtype));
    sink = strlen(ember_dtype_name(t->dtype));
    if (t->storage == EMBER_TENSOR_CONSTANT && t->nbytes) {
        const uint8_t* p = t->data;
        const uint8_t* f = file->data;
        FUZZ_CHECK(p >= f && p + t->nbytes <= f + file->size, "constant tensor data outside the file");
        sink = p[0] + p[t->nbytes - 1];
    }
}

static void read_value(const ember_value* v, const fuzz_ro* file)
{
    FUZZ_CHECK(v != NULL, "NULL value in range");
    switch (v->tag) {
    case EMBER_VALUE_TENSOR: read_tensor(v->u.t, file); break;
    case EMBER_VALUE_STRING: FUZZ_CHECK(strlen(v->u.str) <= v->len, "string longer than its length"); break;
    case EMBER_VALUE_INT_LIST:
        for (uint32_t k = 0; k < v->len; k++) sink += (size_t)v->u.ints[k];
        break;
    case EMBER_VALUE_DOUBLE_LIST:
        for (uint32_t k = 0; k < v->len; k++) sink += v->u.doubles[k] > 0;
        break;
    case EMBER_VALUE_BOOL_LIST:
        for (uint32_t k = 0; k < v->len; k++) sink += v->u.bools[k];
        break;
    case EMBER_VALUE_TENSOR_LIST:
    case EMBER_VALUE_OPTIONAL_TENSOR_LIST:
        for (uint32_t k = 0; k < v->len; k++) {
            FUZZ_CHECK(v->u.tensors[k] || v->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST, "NULL in a tensor list");
            if (v->u.tensors[k]) read_tensor(v->u.tensors[k], file);
        }
        break;
    default: break;
    }
}

static void inspect_method(ember_program* prog, size_t index, const fuzz_ro* file)
{
    const char* name = ember_program_method_name(prog, index);
    if (!name) return;
    sink = strlen(name);
    const char *in_spec = NULL, *out_spec = NULL;
    if (ember_program_method_spec(prog, index, &in_spec, &out_spec) == EMBER_OK) {
        FUZZ_CHECK(in_spec && out_spec, "method_spec OK with a NULL spec");
        sink = strlen(in_spec) + strlen(out_spec);
    }

    ember_method_requirements req, again;
    ember_status st = ember_method_requirements_get(prog, name, &req);
    FUZZ_CHECK(strlen(ember_program_error(prog)) < sizeof prog->error, "program error not terminated");
    if (st != EMBER_OK) return;
    FUZZ_CHECK(ember_method_requirements_get(prog, name, &again) == EMBER_OK && memcmp(&req, &again, sizeof req) == 0,
               "requirements of method '%s' differ between two calls", name);
    FUZZ_CHECK(req.num_buffers <= EMBER_MAX_BUFFERS, "%zu planned buffers", req.num_buffers);
    FUZZ_CHECK(req.num_buffers == 0 || req.buffer_bytes[0] == 0, "buffer 0 has %zu bytes", req.buffer_bytes[0]);
    if (req.bookkeeping_bytes > FUZZ_MAX_METHOD_BYTES) return;

    /* One byte short must fail; a misaligned block of exactly the size must do. */
    uint8_t* block = malloc(req.bookkeeping_bytes + 1);
    if (!block) return;
    ember_method* m = NULL;
    if (req.bookkeeping_bytes) {
        st = ember_method_load(prog, name, block + 1, req.bookkeeping_bytes - 1, NULL, 0, &m);
        FUZZ_CHECK(st != EMBER_OK, "method '%s' loaded into %zu bytes, one less than its requirement", name, req.bookkeeping_bytes - 1);
        m = NULL;
    }
    st = ember_method_load(prog, name, block + 1, req.bookkeeping_bytes, NULL, 0, &m);
    FUZZ_CHECK(strlen(ember_program_error(prog)) < sizeof prog->error, "program error not terminated");
    if (st == EMBER_OK) {
        FUZZ_CHECK(m != NULL, "inspection load OK without a method");
        ember_method_info info;
        FUZZ_CHECK(ember_method_info_get(m, &info) == EMBER_OK, "method_info failed");
        for (size_t i = 0; i < ember_method_input_count(m); i++) read_value(ember_method_input(m, i), file);
        for (size_t i = 0; i < ember_method_output_count(m); i++) read_value(ember_method_output_value(m, i), file);
        FUZZ_CHECK(ember_method_input(m, ember_method_input_count(m)) == NULL, "input past the end");
        FUZZ_CHECK(ember_method_output_value(m, ember_method_output_count(m)) == NULL, "output past the end");
        char buf[256], tiny[5];
        for (size_t i = 0; i < info.num_operators; i++) {
            const char* op = ember_method_operator_name(m, i, buf, sizeof buf);
            if (op) sink = strlen(op);
            op = ember_method_operator_name(m, i, tiny, sizeof tiny);
            if (op) FUZZ_CHECK(strlen(op) < sizeof tiny, "operator name overran a %zu-byte buffer", sizeof tiny);
        }
        FUZZ_CHECK(ember_method_operator_name(m, info.num_operators, buf, sizeof buf) == NULL, "operator past the end");
        for (size_t i = 0; i < info.num_delegates; i++) {
            const char* d = ember_method_delegate_name(m, i);
            if (d) sink = strlen(d);
        }
        FUZZ_CHECK(ember_method_delegate_name(m, info.num_delegates) == NULL, "delegate past the end");
        /* Inspection only: nothing can run. */
        for (size_t i = 0; i < ember_method_input_count(m); i++) {
            const ember_value* v = ember_method_input(m, i);
            if (v->tag != EMBER_VALUE_TENSOR) continue;
            static const uint8_t zeros[64];
            ember_status s2 = ember_method_set_input(m, i, (ember_dtype)v->u.t->dtype, v->u.t->dim, v->u.t->sizes, zeros);
            FUZZ_CHECK(s2 != EMBER_OK, "set_input on an inspection-only method succeeded");
        }
        FUZZ_CHECK(ember_method_execute(m) != EMBER_OK, "execute on an inspection-only method succeeded");
        FUZZ_CHECK(strlen(ember_method_error(m)) < 240, "method error not terminated");
        ember_method_destroy(m);
    } else {
        FUZZ_CHECK(m == NULL, "failed load left a method");
    }
    free(block);
}

/* Everything a bundled program stores: suites, cases, every input and expected value. */
static void read_bundle(ember_bundle* b)
{
    for (size_t s = 0; s <= ember_bundle_suite_count(b) && s < 16; s++) {
        const char* name = ember_bundle_suite_method(b, s);
        if (s == ember_bundle_suite_count(b)) FUZZ_CHECK(name == NULL, "suite past the end");
        if (name) sink = strlen(name);
        for (size_t c = 0; c < ember_bundle_case_count(b, s) && c < 8; c++) {
            size_t counts[2] = {ember_bundle_input_count(b, s, c), ember_bundle_expected_count(b, s, c)};
            for (int k = 0; k < 2; k++)
                for (size_t i = 0; i <= counts[k] && i < 64; i++) {
                    ember_bundle_value v;
                    ember_status st = k ? ember_bundle_expected(b, s, c, i, &v) : ember_bundle_input(b, s, c, i, &v);
                    if (i == counts[k]) FUZZ_CHECK(st != EMBER_OK, "bundle value past the end");
                    if (st != EMBER_OK || v.tag != EMBER_VALUE_TENSOR) continue;
                    FUZZ_CHECK(v.dim <= EMBER_MAX_DIMS, "bundle tensor of rank %u", v.dim);
                    uint8_t acc = 0;
                    for (size_t q = 0; q < v.nbytes; q++) acc ^= ((const uint8_t*)v.data)[q];
                    sink = acc;
                }
        }
    }
    FUZZ_CHECK(strlen(ember_bundle_error(b)) < sizeof b->error, "bundle error not terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz_register_backend();
    fuzz_ro file;
    if (!fuzz_ro_make(&file, data, size, false)) return 0;
    ember_program prog;
    const void* program = file.data;
    size_t program_size = size;
    if (ember_bundle_identify(file.data, size)) {
        ember_bundle bundle;
        ember_status bs = ember_bundle_load(&bundle, file.data, size);
        FUZZ_CHECK(strlen(ember_bundle_error(&bundle)) < sizeof bundle.error, "bundle error not terminated");
        if (bs != EMBER_OK) {
            fuzz_ro_free(&file);
            return 0;
        }
        read_bundle(&bundle);
        program = bundle.program;
        program_size = bundle.program_size;
    }
    ember_status st = ember_program_load(&prog, program, program_size);
    FUZZ_CHECK(ember_status_str(st) != NULL, "status %d has no name", (int)st);
    FUZZ_CHECK(strlen(ember_program_error(&prog)) < sizeof prog.error, "program error not terminated");
    if (st == EMBER_OK) {
        size_t n = ember_program_method_count(&prog);
        for (size_t i = 0; i < n && i < 16; i++) inspect_method(&prog, i, &file);
        FUZZ_CHECK(ember_program_method_name(&prog, n) == NULL, "method name past the end");
        const char *a, *b;
        FUZZ_CHECK(ember_program_method_spec(&prog, n, &a, &b) != EMBER_OK, "method spec past the end");
        sink = ember_program_constant_bytes(&prog);
        ember_method_requirements req;
        FUZZ_CHECK(ember_method_requirements_get(&prog, "\x01no such method", &req) != EMBER_OK, "a method that does not exist has requirements");
        FUZZ_CHECK(strlen(ember_program_error(&prog)) < sizeof prog.error, "program error not terminated");
    }
    fuzz_ro_free(&file);
    return 0;
}
