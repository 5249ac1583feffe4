/* ember — the command-line tool: run and inspect .pte programs.
 *
 *   ember run MODEL.pte --input a.npy [--input b.npy ...] [--output-dir DIR] [--method NAME]
 *   ember inspect MODEL.pte [--json]
 *   ember version
 *
 * The CLI is an application of libember: it reads the file and allocates the method's memory
 * with malloc, which the library itself never does. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ember/ember.h"
#include "tools/npy.h"

#define MAX_INPUTS 64

static int usage(void)
{
    fprintf(stderr,
            "usage:\n"
            "  ember run MODEL.pte --input a.npy [--input b.npy ...] [--output-dir DIR] [--method NAME]\n"
            "  ember inspect MODEL.pte [--json]\n"
            "  ember version\n");
    return 2;
}

/* The whole file, 64-byte aligned (constants are read in place). */
static void* read_file(const char* path, size_t* size)
{
    FILE* f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "ember: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void* data = n >= 0 ? aligned_alloc(64, ((size_t)n + 63) / 64 * 64 + 64) : NULL;
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "ember: cannot read %s\n", path);
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* A method and the memory it lives in, allocated to its exact requirements. */
typedef struct loaded_method {
    ember_method* method;
    ember_method_requirements req;
    void* book;
    void* buffers[EMBER_MAX_BUFFERS];
} loaded_method;

static ember_status load_method(ember_program* prog, const char* name, loaded_method* lm)
{
    memset(lm, 0, sizeof *lm);
    ember_status st = ember_method_requirements_get(prog, name, &lm->req);
    if (st) return st;
    lm->book = malloc(lm->req.bookkeeping_bytes);
    for (size_t i = 1; i < lm->req.num_buffers; i++)
        lm->buffers[i] = aligned_alloc(64, (lm->req.buffer_bytes[i] + 63) / 64 * 64 + 64);
    return ember_method_load(prog, name, lm->book, lm->req.bookkeeping_bytes, lm->buffers,
                             lm->req.num_buffers, &lm->method);
}

static void free_method(loaded_method* lm)
{
    ember_method_destroy(lm->method);
    free(lm->book);
    for (size_t i = 0; i < EMBER_MAX_BUFFERS; i++) free(lm->buffers[i]);
}

static void print_shape(FILE* f, const ember_tensor* t)
{
    fputc('(', f);
    for (int d = 0; d < t->dim; d++) fprintf(f, d ? ", %d" : "%d", t->sizes[d]);
    fputs(t->dim == 1 ? ",)" : ")", f);
}

static double element(const ember_tensor* t, int64_t i)
{
    switch (t->dtype) {
    case EMBER_DTYPE_F32: return ((const float*)t->data)[i];
    case EMBER_DTYPE_F64: return ((const double*)t->data)[i];
    case EMBER_DTYPE_I64: return (double)((const int64_t*)t->data)[i];
    case EMBER_DTYPE_I32: return ((const int32_t*)t->data)[i];
    case EMBER_DTYPE_I16: return ((const int16_t*)t->data)[i];
    case EMBER_DTYPE_I8: return ((const int8_t*)t->data)[i];
    case EMBER_DTYPE_U8:
    case EMBER_DTYPE_BOOL: return ((const uint8_t*)t->data)[i];
    default: return NAN;
    }
}

static int cmd_run(int argc, char** argv)
{
    const char* model = NULL;
    const char* outdir = NULL;
    const char* method = "forward";
    const char* inputs[MAX_INPUTS];
    int num_inputs = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--input") == 0 && i + 1 < argc) {
            if (num_inputs == MAX_INPUTS) return usage();
            inputs[num_inputs++] = argv[++i];
        } else if (strcmp(argv[i], "--output-dir") == 0 && i + 1 < argc) {
            outdir = argv[++i];
        } else if (strcmp(argv[i], "--method") == 0 && i + 1 < argc) {
            method = argv[++i];
        } else if (argv[i][0] != '-' && !model) {
            model = argv[i];
        } else {
            return usage();
        }
    }
    if (!model) return usage();
    size_t size;
    void* data = read_file(model, &size);
    if (!data) return 1;
    int rc = 1;
    ember_program prog;
    loaded_method lm = {0};
    npy_array arrays[MAX_INPUTS];
    memset(arrays, 0, sizeof arrays);
    char err[256];
    ember_status st = ember_program_load(&prog, data, size);
    if (!st) st = load_method(&prog, method, &lm);
    if (st) {
        fprintf(stderr, "ember: cannot load %s: %s: %s\n", model, ember_status_str(st), ember_program_error(&prog));
        goto done;
    }
    if ((size_t)num_inputs != ember_method_input_count(lm.method)) {
        fprintf(stderr, "ember: method '%s' takes %zu inputs, %d given\n", method, ember_method_input_count(lm.method), num_inputs);
        goto done;
    }
    for (int i = 0; i < num_inputs; i++) {
        if (npy_read(inputs[i], &arrays[i], err, sizeof err)) {
            fprintf(stderr, "ember: %s\n", err);
            goto done;
        }
        st = ember_method_set_input(lm.method, (size_t)i, (ember_dtype)arrays[i].dtype, arrays[i].dim, arrays[i].sizes, arrays[i].data);
        if (st) {
            fprintf(stderr, "ember: %s: %s\n", inputs[i], ember_method_error(lm.method));
            goto done;
        }
    }
    st = ember_method_execute(lm.method);
    if (st) {
        fprintf(stderr, "ember: execute failed: %s\n", ember_method_error(lm.method));
        goto done;
    }
    if (outdir) mkdir(outdir, 0777);
    for (size_t o = 0; o < ember_method_output_count(lm.method); o++) {
        const ember_tensor* t;
        if (ember_method_output(lm.method, o, &t)) {
            printf("output %zu: (not a tensor)\n", o);
            continue;
        }
        printf("output %zu: %s ", o, ember_dtype_name(t->dtype));
        print_shape(stdout, t);
        double lo = INFINITY, hi = -INFINITY, sum = 0;
        for (int64_t i = 0; i < t->numel; i++) {
            double x = element(t, i);
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            sum += x;
        }
        if (t->numel) printf("  min %.6g  max %.6g  mean %.6g  first [", lo, hi, sum / (double)t->numel);
        for (int64_t i = 0; i < t->numel && i < 5; i++) printf(i ? ", %.6g" : "%.6g", element(t, i));
        printf(t->numel > 5 ? ", ...]\n" : (t->numel ? "]\n" : "\n"));
        if (outdir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/output_%zu.npy", outdir, o);
            if (npy_write(path, t->dtype, t->dim, t->sizes, t->data, err, sizeof err)) {
                fprintf(stderr, "ember: %s\n", err);
                goto done;
            }
            printf("  wrote %s\n", path);
        }
    }
    rc = 0;
done:
    for (int i = 0; i < num_inputs; i++) npy_free(&arrays[i]);
    free_method(&lm);
    free(data);
    return rc;
}

static void json_str(const char* s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char)*s < 32) printf("\\u%04x", *s);
        else putchar(*s);
    }
    putchar('"');
}

static void print_value_desc(const ember_value* v, int json)
{
    if (v->tag == EMBER_VALUE_TENSOR) {
        const ember_tensor* t = v->u.t;
        if (json) {
            printf("{\"dtype\": \"%s\", \"shape\": [", ember_dtype_name(t->dtype));
            for (int d = 0; d < t->dim; d++) printf(d ? ", %d" : "%d", t->sizes[d]);
            printf("], \"bytes\": %zu}", t->nbytes);
        } else {
            printf("%s ", ember_dtype_name(t->dtype));
            print_shape(stdout, t);
        }
    } else {
        static const char* kinds[] = {"none", "null", "int", "bool", "double", "tensor", "string", "int list", "double list", "bool list", "tensor list", "optional tensor list"};
        const char* k = v->tag < 12 ? kinds[v->tag] : "?";
        if (json) printf("{\"kind\": \"%s\"}", k);
        else printf("%s", k);
    }
}

static int cmd_inspect(int argc, char** argv)
{
    const char* model = NULL;
    int json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (argv[i][0] != '-' && !model) model = argv[i];
        else return usage();
    }
    if (!model) return usage();
    size_t size;
    void* data = read_file(model, &size);
    if (!data) return 1;
    ember_program prog;
    ember_status st = ember_program_load(&prog, data, size);
    if (st) {
        fprintf(stderr, "ember: cannot load %s: %s: %s\n", model, ember_status_str(st), ember_program_error(&prog));
        free(data);
        return 1;
    }
    int rc = 0;
    size_t nm = ember_program_method_count(&prog);
    if (json) {
        printf("{\"file\": ");
        json_str(model);
        printf(", \"file_bytes\": %zu, \"constant_bytes\": %zu, \"methods\": [", size, ember_program_constant_bytes(&prog));
    } else {
        printf("%s: %zu bytes, %zu constant bytes, %zu method%s\n", model, size, ember_program_constant_bytes(&prog), nm, nm == 1 ? "" : "s");
    }
    for (size_t mi = 0; mi < nm; mi++) {
        const char* name = ember_program_method_name(&prog, mi);
        loaded_method lm;
        st = load_method(&prog, name, &lm);
        if (json) {
            printf("%s{\"name\": ", mi ? ", " : "");
            json_str(name);
        } else {
            printf("\nmethod '%s'\n", name);
        }
        if (st) {
            if (json) {
                printf(", \"error\": ");
                json_str(ember_program_error(&prog));
                printf("}");
            } else {
                printf("  cannot load: %s: %s\n", ember_status_str(st), ember_program_error(&prog));
            }
            free_method(&lm);
            rc = 1;
            continue;
        }
        ember_method_info info;
        ember_method_info_get(lm.method, &info);
        size_t planned = 0;
        for (size_t b = 1; b < lm.req.num_buffers; b++) planned += lm.req.buffer_bytes[b];
        if (json) {
            printf(", \"inputs\": [");
            for (size_t i = 0; i < ember_method_input_count(lm.method); i++) {
                if (i) printf(", ");
                print_value_desc(ember_method_input(lm.method, i), 1);
            }
            printf("], \"outputs\": [");
            for (size_t i = 0; i < ember_method_output_count(lm.method); i++) {
                if (i) printf(", ");
                print_value_desc(ember_method_output_value(lm.method, i), 1);
            }
            printf("], \"operators\": [");
            char buf[256];
            for (size_t i = 0; i < info.num_operators; i++) {
                if (i) printf(", ");
                json_str(ember_method_operator_name(lm.method, i, buf, sizeof buf));
            }
            printf("], \"delegates\": [");
            for (size_t i = 0; i < info.num_delegates; i++) {
                if (i) printf(", ");
                json_str(ember_method_delegate_name(lm.method, i));
            }
            printf("], \"planned_buffer_bytes\": [");
            for (size_t b = 0; b < lm.req.num_buffers; b++) printf(b ? ", %zu" : "%zu", lm.req.buffer_bytes[b]);
            printf("], \"planned_bytes\": %zu, \"bookkeeping_bytes\": %zu, \"values\": %zu, \"instructions\": %zu}",
                   planned, lm.req.bookkeeping_bytes, info.num_values, info.num_instructions);
        } else {
            for (size_t i = 0; i < ember_method_input_count(lm.method); i++) {
                printf("  input %zu: ", i);
                print_value_desc(ember_method_input(lm.method, i), 0);
                printf("\n");
            }
            for (size_t i = 0; i < ember_method_output_count(lm.method); i++) {
                printf("  output %zu: ", i);
                print_value_desc(ember_method_output_value(lm.method, i), 0);
                printf("\n");
            }
            printf("  %zu values, %zu instructions\n  operators (%zu):\n", info.num_values, info.num_instructions, info.num_operators);
            char buf[256];
            for (size_t i = 0; i < info.num_operators; i++) printf("    %s\n", ember_method_operator_name(lm.method, i, buf, sizeof buf));
            printf("  delegates (%zu):%s", info.num_delegates, info.num_delegates ? "\n" : " none\n");
            for (size_t i = 0; i < info.num_delegates; i++) printf("    %s\n", ember_method_delegate_name(lm.method, i));
            printf("  memory:\n");
            for (size_t b = 1; b < lm.req.num_buffers; b++) printf("    planned buffer %zu: %zu bytes\n", b, lm.req.buffer_bytes[b]);
            printf("    planned total: %zu bytes (%.2f MiB)\n", planned, (double)planned / (1024.0 * 1024.0));
            printf("    bookkeeping: %zu bytes\n", lm.req.bookkeeping_bytes);
        }
        free_method(&lm);
    }
    if (json) printf("]}\n");
    free(data);
    return rc;
}

int main(int argc, char** argv)
{
    if (argc < 2) return usage();
    if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "inspect") == 0) return cmd_inspect(argc - 2, argv + 2);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("ember %s\n", EMBER_VERSION_STRING);
        return 0;
    }
    return usage();
}
