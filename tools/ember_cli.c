/* ember — the command-line tool: run and inspect .pte programs.
 *
 *   ember run MODEL.pte --input a.npy [--input b.npy ...] [--output-dir DIR] [--method NAME]
 *   ember inspect MODEL.pte [--json]
 *   ember test-bundle MODEL.bpte [--rtol R] [--atol A] [--method NAME]
 *   ember version
 *   ember help [run|inspect|test-bundle]
 *
 * Every command takes a bundled program (.bpte) too, using the program inside it. test-bundle
 * runs the test cases a bundled program carries and reports each as passed or failed, with its
 * largest error against the stored expected outputs; it exits 0 only when every case passed.
 *
 * The CLI is an application of libember: it maps the file read-only (weights are read in place,
 * never copied) and allocates the method's memory with malloc, which the library itself never
 * does. Files are untrusted: every allocation is checked and sized by what the file justifies
 * (a .npy input by its exact byte count, planned memory by the machine's RAM); a failure is a
 * message and exit status 1, bad usage exit status 2. */
#define _DEFAULT_SOURCE /* madvise and its MADV_* advice on glibc */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ember/ember.h"
#include "tools/npy.h"

#define MAX_INPUTS 64

static const char* const usage_run =
    "  ember run MODEL.pte --input a.npy [--input b.npy ...] [--output-dir DIR] [--method NAME]\n";
static const char* const usage_inspect = "  ember inspect MODEL.pte [--json]\n";
static const char* const usage_test_bundle = "  ember test-bundle MODEL.bpte [--rtol R] [--atol A] [--method NAME]\n";

/* The usage of `command` (all commands when NULL); `explain` adds what the command does. */
static void print_usage(FILE* f, const char* command, int explain)
{
    fprintf(f, "usage:\n");
    if (!command || strcmp(command, "run") == 0) fputs(usage_run, f);
    if (!command || strcmp(command, "inspect") == 0) fputs(usage_inspect, f);
    if (!command || strcmp(command, "test-bundle") == 0) fputs(usage_test_bundle, f);
    if (!command) fprintf(f, "  ember version\n  ember help [run|inspect|test-bundle]\n");
    if (explain && command && strcmp(command, "run") == 0)
        fprintf(f, "\nRuns METHOD (default forward) on the .npy inputs, in order, and prints each output's\n"
                   "dtype, shape and statistics; --output-dir writes them as DIR/output_<i>.npy.\n");
    if (explain && command && strcmp(command, "inspect") == 0)
        fprintf(f, "\nDescribes each method: inputs, outputs, operators, delegates and the memory it needs\n"
                   "(planned buffers, bookkeeping), without allocating the planned memory.\n");
    if (explain && command && strcmp(command, "test-bundle") == 0)
        fprintf(f, "\nRuns every test case of a bundled program (.bpte, ExecuTorch's BundledProgram) and reports\n"
                   "each as PASS or FAIL with its largest error against the stored expected outputs. A float\n"
                   "passes within atol + rtol * |expected| (defaults 1e-6 and 1e-5: float32 rounding near zero\n"
                   "passes; ExecuTorch's verifier uses atol 1e-8); integers and bools must be equal. --method\n"
                   "runs one method's cases only. Exit status 0 when every case passed, 1 otherwise.\n");
    if (explain && command) fprintf(f, "\nMODEL may be a .pte or a bundled program (.bpte).\n");
}

/* Bad usage: a message (if any), the usage on stderr, exit status 2. */
static int usage_error(const char* command, const char* message, const char* arg)
{
    if (message) fprintf(stderr, "ember: %s%s%s%s\n", message, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    print_usage(stderr, command, 0);
    return 2;
}

static int is_help(const char* arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

/* An argument that is no option of `command`: the model (one only), or an unknown option.
 * Returns 0, or the exit status of the usage error. */
static int take_model(const char* command, const char* arg, const char** model)
{
    if (arg[0] == '-') return usage_error(command, "unknown option", arg);
    if (*model) return usage_error(command, "more than one model given:", arg);
    *model = arg;
    return 0;
}

/* ---- the model file: mapped read-only, or read when mapping is not possible ------------- */

typedef struct model_file {
    const void* data; /* page-aligned mapping or 64-byte aligned copy */
    size_t size;
    void* map;        /* the mapping, NULL when read */
    void* copy;       /* the copy, NULL when mapped */
} model_file;

/* Opens a .pte: refuses directories and other non-regular files, maps it (MAP_PRIVATE,
 * PROT_READ) and, when `whole` is set, asks the kernel to read it ahead (run touches every
 * weight; inspect only the flatbuffer). Falls back to reading it into an aligned block. */
static int model_open(const char* path, int whole, model_file* f)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_NONBLOCK); /* a FIFO must not block the open */
    if (fd < 0) {
        fprintf(stderr, "ember: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "ember: cannot stat %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "ember: %s is %s, not a .pte file\n", path,
                S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX - 128) {
        fprintf(stderr, "ember: %s is too large for this machine\n", path);
        close(fd);
        return -1;
    }
    static const uint64_t empty[8]; /* an empty file: load says what is wrong with it */
    f->size = (size_t)st.st_size;
    f->data = empty;
    if (f->size == 0) {
        close(fd);
        return 0;
    }
    void* map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
        madvise(map, f->size, MADV_HUGEPAGE); /* advice only: EINVAL where unsupported */
#endif
#ifdef MADV_WILLNEED
        if (whole) madvise(map, f->size, MADV_WILLNEED);
#endif
        close(fd);
        f->map = map;
        f->data = map;
        return 0;
    }
    size_t rounded = (f->size + 63) / 64 * 64;
    f->copy = aligned_alloc(64, rounded);
    if (!f->copy) {
        fprintf(stderr, "ember: cannot allocate %zu bytes to read %s (mmap failed too)\n", f->size, path);
        close(fd);
        return -1;
    }
    size_t done = 0;
    while (done < f->size) {
        ssize_t got = read(fd, (char*)f->copy + done, f->size - done);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            fprintf(stderr, "ember: cannot read %s: %s\n", path, got < 0 ? strerror(errno) : "file shrank");
            free(f->copy);
            close(fd);
            return -1;
        }
        done += (size_t)got;
    }
    close(fd);
    f->data = f->copy;
    return 0;
}

static void model_close(model_file* f)
{
    if (f->map) munmap(f->map, f->size);
    free(f->copy);
    memset(f, 0, sizeof *f);
}

/* Opens `path` (model_open) and loads its program: the file itself, or the one a bundled
 * program wraps (then *bundle holds the wrapper and *bundled is set). On failure prints what
 * is wrong, closes the file and returns -1. */
static int program_open(const char* path, int whole, model_file* f, ember_bundle* bundle,
                        int* bundled, ember_program* prog)
{
    if (model_open(path, whole, f)) return -1;
    const void* data = f->data;
    size_t size = f->size;
    ember_status st = EMBER_OK;
    *bundled = ember_bundle_identify(data, size);
    if (*bundled && (st = ember_bundle_load(bundle, data, size))) {
        fprintf(stderr, "ember: cannot load %s: %s: %s\n", path, ember_status_str(st), ember_bundle_error(bundle));
    } else {
        if (*bundled) {
            data = bundle->program;
            size = bundle->program_size;
        }
        if ((st = ember_program_load(prog, data, size)))
            fprintf(stderr, "ember: cannot load %s%s: %s: %s\n", *bundled ? "the program in " : "", path,
                    ember_status_str(st), ember_program_error(prog));
    }
    if (st) model_close(f);
    return st ? -1 : 0;
}

/* ---- methods ------------------------------------------------------------------------- */

/* A method and the memory it lives in, allocated to its exact requirements. */
typedef struct loaded_method {
    ember_method* method;
    ember_method_requirements req;
    void* book;
    void* buffers[EMBER_MAX_BUFFERS];
} loaded_method;

/* The machine's RAM in bytes, or SIZE_MAX when unknown: more planned memory than that is a
 * claim the file cannot justify on this machine. */
static size_t ram_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0 || (unsigned long)pages > SIZE_MAX / (unsigned long)page) return SIZE_MAX;
    return (size_t)pages * (size_t)page;
}

/* Loads `name`. With `for_run` the planned buffers are allocated; without, the method is loaded
 * for inspection only (no planned memory). On an allocation failure prints what could not be
 * allocated and returns -1; a load failure returns its status (the message is the program's). */
static int load_method(ember_program* prog, const char* name, int for_run, loaded_method* lm)
{
    memset(lm, 0, sizeof *lm);
    ember_status st = ember_method_requirements_get(prog, name, &lm->req);
    if (st) return (int)st;
    lm->book = malloc(lm->req.bookkeeping_bytes ? lm->req.bookkeeping_bytes : 1);
    if (!lm->book) {
        fprintf(stderr, "ember: cannot allocate %zu bytes of bookkeeping for method '%s'\n",
                lm->req.bookkeeping_bytes, name);
        return -1;
    }
    if (!for_run) return (int)ember_method_load(prog, name, lm->book, lm->req.bookkeeping_bytes, NULL, 0, &lm->method);
    size_t planned = 0, ram = ram_bytes();
    for (size_t i = 1; i < lm->req.num_buffers; i++) {
        size_t b = lm->req.buffer_bytes[i];
        planned = b > SIZE_MAX - planned ? SIZE_MAX : planned + b;
    }
    if (planned > ram) {
        fprintf(stderr, "ember: method '%s' asks for %zu bytes of planned memory, more than this machine's "
                        "%zu bytes of RAM\n", name, planned, ram);
        return -1;
    }
    for (size_t i = 1; i < lm->req.num_buffers; i++) {
        size_t b = lm->req.buffer_bytes[i];
        lm->buffers[i] = aligned_alloc(64, (b + 63) / 64 * 64 + 64);
        if (!lm->buffers[i]) {
            fprintf(stderr, "ember: cannot allocate planned buffer %zu (%zu bytes) for method '%s'\n", i, b, name);
            return -1;
        }
    }
    return (int)ember_method_load(prog, name, lm->book, lm->req.bookkeeping_bytes, lm->buffers,
                                  lm->req.num_buffers, &lm->method);
}

static void free_method(loaded_method* lm)
{
    if (lm->method) ember_method_destroy(lm->method);
    free(lm->book);
    for (size_t i = 0; i < EMBER_MAX_BUFFERS; i++) free(lm->buffers[i]);
    memset(lm, 0, sizeof *lm);
}

/* ---- run ----------------------------------------------------------------------------- */

static void print_shape(FILE* f, const ember_tensor* t)
{
    fputc('(', f);
    for (int d = 0; d < t->dim; d++) fprintf(f, d ? ", %d" : "%d", t->sizes[d]);
    fputs(t->dim == 1 ? ",)" : ")", f);
}

static double half_to_double(uint16_t h)
{
    int exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    double v = exp == 0 ? ldexp(man, -24) : exp == 31 ? (man ? NAN : INFINITY) : ldexp(man | 0x400, exp - 25);
    return (h & 0x8000) ? -v : v;
}

static double element(const ember_tensor* t, int64_t i)
{
    switch (t->dtype) {
    case EMBER_DTYPE_F32: return ((const float*)t->data)[i];
    case EMBER_DTYPE_F64: return ((const double*)t->data)[i];
    case EMBER_DTYPE_F16: return half_to_double(((const uint16_t*)t->data)[i]);
    case EMBER_DTYPE_I64: return (double)((const int64_t*)t->data)[i];
    case EMBER_DTYPE_I32: return ((const int32_t*)t->data)[i];
    case EMBER_DTYPE_I16: return ((const int16_t*)t->data)[i];
    case EMBER_DTYPE_I8: return ((const int8_t*)t->data)[i];
    case EMBER_DTYPE_U64: return (double)((const uint64_t*)t->data)[i];
    case EMBER_DTYPE_U32: return ((const uint32_t*)t->data)[i];
    case EMBER_DTYPE_U16: return ((const uint16_t*)t->data)[i];
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
    int num_inputs = 0, rc;
    for (int i = 0; i < argc; i++) {
        const char* a = argv[i];
        if (is_help(a)) {
            print_usage(stdout, "run", 1);
            return 0;
        }
        int takes_value = strcmp(a, "--input") == 0 || strcmp(a, "--output-dir") == 0 || strcmp(a, "--method") == 0;
        if (takes_value && i + 1 == argc) return usage_error("run", "missing the value of", a);
        if (strcmp(a, "--input") == 0) {
            if (num_inputs == MAX_INPUTS) return usage_error("run", "too many inputs (at most 64)", NULL);
            inputs[num_inputs++] = argv[++i];
        } else if (strcmp(a, "--output-dir") == 0) {
            outdir = argv[++i];
        } else if (strcmp(a, "--method") == 0) {
            method = argv[++i];
        } else if ((rc = take_model("run", a, &model))) {
            return rc;
        }
    }
    if (!model) return usage_error("run", "no model given", NULL);
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(model, 1, &file, &bundle, &bundled, &prog)) return 1;
    rc = 1;
    loaded_method lm = {0};
    npy_array arrays[MAX_INPUTS];
    memset(arrays, 0, sizeof arrays);
    char err[512];
    ember_status st;
    int lst = load_method(&prog, method, 1, &lm);
    if (lst < 0) goto done;
    if (lst) {
        fprintf(stderr, "ember: cannot load %s: %s: %s\n", model, ember_status_str((ember_status)lst),
                ember_program_error(&prog));
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
    if (outdir && mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ember: cannot create %s: %s\n", outdir, strerror(errno));
        goto done;
    }
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
            if (snprintf(path, sizeof path, "%s/output_%zu.npy", outdir, o) >= (int)sizeof path) {
                fprintf(stderr, "ember: output directory name too long\n");
                goto done;
            }
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
    model_close(&file);
    return rc;
}

/* ---- inspect ------------------------------------------------------------------------- */

/* Bytes of the well-formed UTF-8 sequence starting at s (1 to 4), or 0 if it is not one. */
static int utf8_sequence(const unsigned char* s)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    for (int k = 1; k < n; k++)
        if ((s[k] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
    if (n == 2 && s[0] < 0xc2) return 0;                            /* overlong */
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0; /* overlong, surrogate */
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || s[0] > 0xf4 || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
    return n;
}

/* A JSON string: quotes, backslashes and control characters escaped; bytes that are not UTF-8
 * (names come from an untrusted file) become U+FFFD, so the output is always valid JSON. */
static void json_str(const char* str)
{
    const unsigned char* s = (const unsigned char*)str;
    putchar('"');
    while (*s) {
        int n = utf8_sequence(s);
        if (!n) {
            fputs("\\ufffd", stdout);
            s++;
        } else if (*s == '"' || *s == '\\') {
            putchar('\\');
            putchar(*s++);
        } else if (*s < 32) {
            printf("\\u%04x", *s++);
        } else {
            fwrite(s, 1, (size_t)n, stdout);
            s += n;
        }
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
        if (is_help(argv[i])) {
            print_usage(stdout, "inspect", 1);
            return 0;
        }
        int rc;
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if ((rc = take_model("inspect", argv[i], &model))) return rc;
    }
    if (!model) return usage_error("inspect", "no model given", NULL);
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(model, 0, &file, &bundle, &bundled, &prog)) return 1;
    int rc = 0;
    size_t nm = ember_program_method_count(&prog);
    if (json) {
        printf("{\"file\": ");
        json_str(model);
        printf(", \"file_bytes\": %zu, \"constant_bytes\": %zu, ", file.size, ember_program_constant_bytes(&prog));
        if (bundled) {
            printf("\"bundle\": {\"program_bytes\": %zu, \"suites\": [", bundle.program_size);
            for (size_t s = 0; s < ember_bundle_suite_count(&bundle); s++) {
                printf("%s{\"method\": ", s ? ", " : "");
                json_str(ember_bundle_suite_method(&bundle, s));
                printf(", \"cases\": %zu}", ember_bundle_case_count(&bundle, s));
            }
            printf("]}, ");
        }
        printf("\"methods\": [");
    } else {
        printf("%s: %zu bytes, %zu constant bytes, %zu method%s\n", model, file.size, ember_program_constant_bytes(&prog), nm, nm == 1 ? "" : "s");
        if (bundled) {
            printf("bundled program: a %zu-byte program with test cases for", bundle.program_size);
            for (size_t s = 0; s < ember_bundle_suite_count(&bundle); s++)
                printf("%s '%s' (%zu)", s ? "," : "", ember_bundle_suite_method(&bundle, s), ember_bundle_case_count(&bundle, s));
            printf("%s\n", ember_bundle_suite_count(&bundle) ? "" : " no method");
        }
    }
    for (size_t mi = 0; mi < nm; mi++) {
        const char* name = ember_program_method_name(&prog, mi);
        loaded_method lm;
        int lst = load_method(&prog, name, 0, &lm);
        if (lst < 0) { /* out of memory for the bookkeeping: nothing more to say */
            free_method(&lm);
            model_close(&file);
            return 1;
        }
        if (json) {
            printf("%s{\"name\": ", mi ? ", " : "");
            json_str(name);
        } else {
            printf("\nmethod '%s'\n", name);
        }
        if (lst) {
            if (json) {
                printf(", \"error\": ");
                json_str(ember_program_error(&prog));
                printf("}");
            } else {
                printf("  cannot load: %s: %s\n", ember_status_str((ember_status)lst), ember_program_error(&prog));
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
    model_close(&file);
    return rc;
}

/* ---- test-bundle --------------------------------------------------------------------- */

/* A tolerance argument: a finite number >= 0. */
static int parse_tolerance(const char* text, double* out)
{
    char* end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0.0) || isinf(v)) return -1;
    *out = v;
    return 0;
}

static int cmd_test_bundle(int argc, char** argv)
{
    const char* model = NULL;
    const char* only = NULL;
    double rtol = EMBER_BUNDLE_RTOL, atol = EMBER_BUNDLE_ATOL;
    int rc;
    for (int i = 0; i < argc; i++) {
        const char* a = argv[i];
        if (is_help(a)) {
            print_usage(stdout, "test-bundle", 1);
            return 0;
        }
        int takes_value = strcmp(a, "--rtol") == 0 || strcmp(a, "--atol") == 0 || strcmp(a, "--method") == 0;
        if (takes_value && i + 1 == argc) return usage_error("test-bundle", "missing the value of", a);
        if (strcmp(a, "--rtol") == 0 || strcmp(a, "--atol") == 0) {
            if (parse_tolerance(argv[++i], a[2] == 'r' ? &rtol : &atol))
                return usage_error("test-bundle", "a tolerance is a number >= 0, not", argv[i]);
        } else if (strcmp(a, "--method") == 0) {
            only = argv[++i];
        } else if ((rc = take_model("test-bundle", a, &model))) {
            return rc;
        }
    }
    if (!model) return usage_error("test-bundle", "no bundled program given", NULL);
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(model, 1, &file, &bundle, &bundled, &prog)) return 1;
    if (!bundled) {
        fprintf(stderr, "ember: %s is a program without test cases, not a bundled program (.bpte)\n", model);
        model_close(&file);
        return 1;
    }
    size_t cases = 0, passed = 0, suites_run = 0;
    for (size_t s = 0; s < ember_bundle_suite_count(&bundle); s++) {
        const char* name = ember_bundle_suite_method(&bundle, s);
        if (!name || (only && strcmp(name, only) != 0)) continue;
        suites_run++;
        size_t n = ember_bundle_case_count(&bundle, s);
        loaded_method lm;
        int lst = load_method(&prog, name, 1, &lm);
        if (lst) {
            if (lst > 0) printf("%s: cannot load: %s: %s\n", name, ember_status_str((ember_status)lst), ember_program_error(&prog));
            printf("%s: %zu test case%s not run\n", name, n, n == 1 ? "" : "s");
            cases += n;
            free_method(&lm);
            continue;
        }
        for (size_t c = 0; c < n; c++, cases++) {
            ember_bundle_check check;
            ember_status st = ember_bundle_set_inputs(&bundle, s, c, lm.method);
            const char* why = ember_bundle_error(&bundle);
            if (!st && (st = ember_method_execute(lm.method))) why = ember_method_error(lm.method);
            if (!st && (st = ember_bundle_check_outputs(&bundle, s, c, lm.method, rtol, atol, &check))) why = ember_bundle_error(&bundle);
            if (st) {
                printf("%s case %zu: ERROR  %s: %s\n", name, c, ember_status_str(st), why);
                continue;
            }
            passed += check.passed;
            printf("%s case %zu: %s  max |error| %.3g (output %zu of %zu)", name, c, check.passed ? "PASS" : "FAIL",
                   check.max_abs_error, check.worst_output, check.outputs);
            if (!check.passed) printf(", %zu element%s outside atol %g + rtol %g * |expected|", check.mismatches,
                                      check.mismatches == 1 ? "" : "s", atol, rtol);
            printf("\n");
        }
        free_method(&lm);
    }
    if (only && !suites_run) {
        fprintf(stderr, "ember: %s has no test cases for method '%s'\n", model, only);
        model_close(&file);
        return 1;
    }
    printf("%zu of %zu test case%s passed\n", passed, cases, cases == 1 ? "" : "s");
    model_close(&file);
    return passed == cases ? 0 : 1;
}

int main(int argc, char** argv)
{
    if (argc < 2) return usage_error(NULL, NULL, NULL);
    const char* cmd = argv[1];
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "inspect") == 0) return cmd_inspect(argc - 2, argv + 2);
    if (strcmp(cmd, "test-bundle") == 0) return cmd_test_bundle(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("ember %s\n", EMBER_VERSION_STRING);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || is_help(cmd)) {
        const char* topic = argc > 2 ? argv[2] : NULL;
        if (topic && strcmp(topic, "run") != 0 && strcmp(topic, "inspect") != 0 && strcmp(topic, "test-bundle") != 0)
            return usage_error(NULL, "no help for", topic);
        print_usage(stdout, topic, 1);
        return 0;
    }
    return usage_error(NULL, "unknown command", cmd);
}
