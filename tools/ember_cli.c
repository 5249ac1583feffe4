/* ember — the command-line tool: run and inspect .pte programs.
 *
 *   ember run MODEL.pte --input a.npy [--input b.npy ...] [--output-dir DIR] [--method NAME]
 *             [--threads N] [--no-pack]
 *   ember inspect MODEL.pte [--json | --ops]
 *   ember test-bundle MODEL.bpte [--rtol R] [--atol A] [--method NAME]
 *   ember profile MODEL.pte [--input a.npy ...] [--method NAME] [--runs N] [--warmup N]
 *                 [--threads N] [--no-pack] [--json FILE] [--csv FILE]
 *   ember bench MODEL.pte [--input a.npy ...] [--method NAME] [--warmup N] [--iters N]
 *               [--threads N] [--no-pack] [--csv FILE] [--json FILE]
 *   ember pte2c MODEL.pte -o OUT.h [--name NAME] [--method NAME] [--input a.npy ...]
 *               [--expect b.npy ...]
 *   ember tokenize TOKENIZER.json [--ids] [--no-special] [--] TEXT
 *   ember tokenize TOKENIZER.json --decode ID,ID,... [--no-special] [--stream]
 *   ember generate MODEL.pte --tokenizer TOKENIZER.json --prompt TEXT [--max-new-tokens N]
 *                  [--temperature T] [--top-p P] [--seed S] [--eos-id ID] [--threads N]
 *   ember version
 *   ember help [run|inspect|test-bundle|profile|bench|pte2c|tokenize|generate]
 *
 * profile times every kernel and delegate call through the runtime's event hook
 * (ember_profiler_event with clock_gettime) and prints a table per operator and per instruction
 * (docs/profiling.md). bench times whole executes only, one clock_gettime pair around each, and
 * prints their min, median, p90, max and mean (docs/profiling.md, "Benchmarking").
 *
 * run, profile and bench run the method on --threads N threads (ember_threadpool, created once
 * before the first execute), by default as many as the CPUs this process may use
 * (ember_cpu_count); 1 runs without a pool.
 *
 * Every command takes a bundled program (.bpte) too, using the program inside it. test-bundle
 * runs the test cases a bundled program carries and reports each as passed or failed, with its
 * largest error against the stored expected outputs; it exits 0 only when every case passed.
 *
 * tokenize encodes and decodes text with a Hugging Face tokenizer.json (tools/tokenizer.c), as
 * the `tokenizers` package does: the tokenizer of a language model the CLI runs.
 *
 * The CLI is an application of libember: it maps the file read-only (weights are read in place,
 * never copied) and allocates the method's memory with malloc, which the library itself never
 * does. Files are untrusted: every allocation is checked and sized by what the file justifies
 * (a .npy input by its exact byte count, planned memory by the machine's RAM); a failure is a
 * message and exit status 1, bad usage exit status 2. */
#define _DEFAULT_SOURCE /* madvise and its MADV_* advice on glibc */

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ember/ember.h"
#include "ember/ethos_u.h"
#include "runtime/core/half.h"
#include "tools/npy.h"
#include "tools/tokenizer.h"

#define MAX_INPUTS 64

static const char* const usage_run =
    "  ember run MODEL.pte --input a.npy [--input b.npy ...] [--output-dir DIR] [--method NAME]\n"
    "            [--threads N] [--no-pack]\n";
static const char* const usage_inspect = "  ember inspect MODEL.pte [--json | --ops]\n";
static const char* const usage_test_bundle = "  ember test-bundle MODEL.bpte [--rtol R] [--atol A] [--method NAME]\n";
static const char* const usage_profile =
    "  ember profile MODEL.pte [--input a.npy ...] [--method NAME] [--runs N] [--warmup N]\n"
    "                [--threads N] [--no-pack] [--json FILE] [--csv FILE]\n";
static const char* const usage_bench =
    "  ember bench MODEL.pte [--input a.npy ...] [--method NAME] [--warmup N] [--iters N]\n"
    "              [--threads N] [--no-pack] [--csv FILE] [--json FILE]\n";
static const char* const usage_pte2c =
    "  ember pte2c MODEL.pte -o OUT.h [--name NAME] [--method NAME] [--input a.npy ...]\n"
    "              [--expect b.npy ...]\n";
static const char* const usage_tokenize =
    "  ember tokenize TOKENIZER.json [--ids] [--no-special] [--] TEXT\n"
    "  ember tokenize TOKENIZER.json --decode ID,ID,... [--no-special] [--stream]\n";
static const char* const usage_generate =
    "  ember generate MODEL.pte --tokenizer TOKENIZER.json --prompt TEXT [--max-new-tokens N]\n"
    "                 [--temperature T] [--top-p P] [--seed S] [--eos-id ID] [--threads N]\n";

/* The commands `help` knows, in the order the usage lists them. */
static const char* const commands[] = {"run", "inspect", "test-bundle", "profile", "bench", "pte2c", "tokenize", "generate", "version", "help"};

static int is_command(const char* name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i]) == 0) return 1;
    return 0;
}

/* The usage of `command` (all commands when NULL); `explain` adds what the command does. */
static void print_usage(FILE* f, const char* command, int explain)
{
    fprintf(f, "usage:\n");
    if (!command || strcmp(command, "run") == 0) fputs(usage_run, f);
    if (!command || strcmp(command, "inspect") == 0) fputs(usage_inspect, f);
    if (!command || strcmp(command, "test-bundle") == 0) fputs(usage_test_bundle, f);
    if (!command || strcmp(command, "profile") == 0) fputs(usage_profile, f);
    if (!command || strcmp(command, "bench") == 0) fputs(usage_bench, f);
    if (!command || strcmp(command, "pte2c") == 0) fputs(usage_pte2c, f);
    if (!command || strcmp(command, "tokenize") == 0) fputs(usage_tokenize, f);
    if (!command || strcmp(command, "generate") == 0) fputs(usage_generate, f);
    if (!command || strcmp(command, "version") == 0) fputs("  ember version\n", f);
    if (!command || strcmp(command, "help") == 0) fputs("  ember help [run|inspect|test-bundle|profile|bench|pte2c|tokenize|generate]\n", f);
    if (explain && command && strcmp(command, "version") == 0) fprintf(f, "\nPrints Ember's version and the CPU features detected at run time (what kernels may use).\n");
    if (explain && command && strcmp(command, "help") == 0)
        fprintf(f, "\nPrints the usage of every command, or what one command does.\n");
    if (explain && command && strcmp(command, "profile") == 0)
        fprintf(f, "\nRuns METHOD (default forward) --warmup times (default 2), then --runs times (default 10),\n"
                   "timing each kernel and delegate call with clock_gettime(CLOCK_MONOTONIC) through the\n"
                   "runtime's event hook. Prints the execute time per run, the time inside instructions and\n"
                   "outside them, a table per operator (calls and ms per run, us per call, share of the execute\n"
                   "time) largest first, and one row per instruction. Without --input, float32/float64 inputs\n"
                   "are random uniform in [-1, 1) (fixed seed) and other inputs zeros; the output says which.\n"
                   "--json and --csv write the same rows and the run's metadata. --threads and --no-pack\n"
                   "as for run.\n"
                   "See docs/profiling.md.\n");
    if (explain && command && strcmp(command, "bench") == 0)
        fprintf(f, "\nRuns METHOD (default forward) --warmup times (default 5, not timed), then --iters times\n"
                   "(default 50), timing each execute alone with clock_gettime(CLOCK_MONOTONIC). Prints the\n"
                   "min, median, p90, max and mean latency in ms and runs per second (1000 / median). Inputs\n"
                   "are set once; one that execute consumes is set again before each execute, outside the\n"
                   "timed part (the output says so). Without --input, inputs are those of profile (float\n"
                   "random uniform in [-1, 1), fixed seed; others zeros). --csv writes one row per timed\n"
                   "iteration, --json the summary and every latency. --threads and --no-pack as for run;\n"
                   "the summary says how many threads ran. See docs/profiling.md, \"Benchmarking\".\n");
    if (explain && command && strcmp(command, "run") == 0)
        fprintf(f, "\nRuns METHOD (default forward) on the .npy inputs, in order, and prints each output's\n"
                   "dtype, shape and statistics; --output-dir writes them as DIR/output_<i>.npy.\n"
                   "--threads N (1 to 1024) splits the kernels' work over N threads; the default is the\n"
                   "number of CPUs this process may use, 1 runs on the calling thread alone.\n"
                   "The fast kernels' weights are packed for this CPU at load (ember_method_pack; ember\n"
                   "inspect prints the bytes); --no-pack runs from the file's layout and saves that memory.\n");
    if (explain && command && strcmp(command, "inspect") == 0)
        fprintf(f, "\nDescribes each method: inputs, outputs, operators, delegates and the memory it needs\n"
                   "(planned buffers, bookkeeping), without allocating the planned memory. --ops prints only\n"
                   "the operators the methods use, one per line, sorted (a selective build's list).\n");
    if (explain && command && strcmp(command, "test-bundle") == 0)
        fprintf(f, "\nRuns every test case of a bundled program (.bpte, ExecuTorch's BundledProgram) and reports\n"
                   "each as PASS or FAIL with its largest error against the stored expected outputs. A float\n"
                   "passes within atol + rtol * |expected| (defaults 1e-6 and 1e-5: float32 rounding near zero\n"
                   "passes; ExecuTorch's verifier uses atol 1e-8); integers and bools must be equal. --method\n"
                   "runs one method's cases only. Exit status 0 when every case passed, 1 otherwise.\n");
    if (explain && command && strcmp(command, "pte2c") == 0)
        fprintf(f, "\nWrites MODEL.pte as a C header for firmware: the file's bytes as a 16-byte aligned const\n"
                   "array NAME (default: the file name, as a C identifier) that ember_program_load reads in\n"
                   "place (the weights are never copied), NAME_BYTES, and what METHOD (default forward)\n"
                   "plans: NAME_NUM_BUFFERS and NAME_BUFFER_<i>_BYTES for the buffers ember_method_load takes\n"
                   "(the same on every target), NAME_ARENA_BYTES their sum rounded up per buffer to\n"
                   "EMBER_BUFFER_ALIGN. --input / --expect add .npy arrays (test vectors) as NAME_input<i> /\n"
                   "NAME_expect<i> bytes with their dtype, rank and shape. The bookkeeping bytes depend on the\n"
                   "target's pointer size: firmware asks ember_method_requirements_get at boot.\n");
    if (explain && command && strcmp(command, "generate") == 0)
        fprintf(f, "\nGenerates text with a language model exported by ember.llm.export_llm (forward(tokens, input_pos):\n"
                   "a KV cache in the program): the prompt, encoded with TOKENIZER.json, in one call (prefill), then\n"
                   "one call per new token (decode), printing the text as it comes. Greedy with --temperature 0 (the\n"
                   "default); otherwise sampled with that temperature and nucleus --top-p (default 1) from a\n"
                   "generator seeded with --seed (default 0). Stops at the end-of-sequence token (the tokenizer's,\n"
                   "or --eos-id; -1: none), after --max-new-tokens (default 64), or when the cache is full. Then\n"
                   "prints prefill and decode tokens per second on stderr.\n");
    if (explain && command && strcmp(command, "tokenize") == 0)
        fprintf(f, "\nEncodes TEXT with a Hugging Face tokenizer.json (a BPE model: byte-level as GPT-2, Llama 3\n"
                   "and Qwen2 use, or SentencePiece style with byte fallback) as the tokenizers package does, and\n"
                   "prints a line per token: its id and its string (JSON-quoted); --ids prints only the ids, on one\n"
                   "line. --decode prints the text of the ids instead; --stream decodes them one at a time, as a\n"
                   "generation loop prints them. --no-special encodes without the post-processor's special tokens\n"
                   "(a BOS) and decodes without special tokens. A TEXT starting with '-' goes after --. Components\n"
                   "the reader does not support are refused by name: see docs/runtime.md.\n");
    if (explain && command && strcmp(command, "version") != 0 && strcmp(command, "help") != 0 &&
        strcmp(command, "pte2c") != 0 && strcmp(command, "tokenize") != 0)
        fprintf(f, "\nMODEL may be a .pte or a bundled program (.bpte).\n");
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

/* ---- options: a table per command, one parser for all --------------------------------- */

#define COUNT_MAX 100000000L /* the largest count option (--runs, --iters, --warmup) */

typedef enum {
    OPT_FLAG,    /* no value: sets an int to 1 */
    OPT_TEXT,    /* a string; the last one given wins */
    OPT_LIST,    /* a string each time given, appended to an input_list */
    OPT_LONG,    /* a whole number in [lo, hi] */
    OPT_DOUBLE,  /* a finite number >= 0 */
} opt_kind;

/* The values of an option given again and again (--input), in order. */
typedef struct input_list {
    const char* path[MAX_INPUTS];
    int n;
} input_list;

typedef struct cli_option {
    const char* name; /* "--threads"; NULL ends a table */
    opt_kind kind;
    void* dest;       /* int*, const char**, input_list*, long* or double*, by kind */
    long lo, hi;      /* OPT_LONG's range */
} cli_option;

enum { ARGS_OK = -1 };

/* Reads option `o`'s value `text` into o->dest. Returns 0, or the exit status of the usage
 * error (the same wording for every command). */
static int option_value(const char* command, const cli_option* o, const char* text)
{
    char what[96], *end;
    errno = 0;
    switch (o->kind) {
    case OPT_FLAG:
        break;
    case OPT_TEXT:
        *(const char**)o->dest = text;
        return 0;
    case OPT_LIST: {
        input_list* l = o->dest;
        if (l->n == MAX_INPUTS) return usage_error(command, "too many inputs (at most 64)", NULL);
        l->path[l->n++] = text;
        return 0;
    }
    case OPT_LONG: {
        const long v = strtol(text, &end, 10);
        if (!errno && end != text && !*end && v >= o->lo && v <= o->hi) {
            *(long*)o->dest = v;
            return 0;
        }
        if (o->hi == COUNT_MAX)
            snprintf(what, sizeof what, "%s takes a whole number >= %ld, not", o->name, o->lo);
        else
            snprintf(what, sizeof what, "%s takes a whole number from %ld to %ld, not", o->name,
                     o->lo, o->hi);
        return usage_error(command, what, text);
    }
    case OPT_DOUBLE: {
        const double v = strtod(text, &end);
        if (!errno && end != text && !*end && v >= 0.0 && !isinf(v)) {
            *(double*)o->dest = v;
            return 0;
        }
        snprintf(what, sizeof what, "%s takes a number >= 0, not", o->name);
        return usage_error(command, what, text);
    }
    }
    return 0;
}

/* Parses a command's arguments by its table `opts`: --help or -h prints the command's help; a
 * word that is no option is the model (when `model` is NULL the command takes none: an unknown
 * option). Returns ARGS_OK, or the exit status to return: 0 after the help, 2 after a usage
 * error (unknown option, missing value, bad value: one message each, as option_value's). */
static int parse_args(const char* command, const cli_option* opts, int argc, char** argv,
                      const char** model)
{
    for (int i = 0; i < argc; i++) {
        const char* a = argv[i];
        int rc;
        if (is_help(a)) {
            print_usage(stdout, command, 1);
            return 0;
        }
        const cli_option* o = opts;
        while (o->name && strcmp(o->name, a) != 0) o++;
        if (!o->name) {
            if (!model) return usage_error(command, "unknown option", a);
            if ((rc = take_model(command, a, model))) return rc;
        } else if (o->kind == OPT_FLAG) {
            *(int*)o->dest = 1;
        } else if (i + 1 == argc) {
            return usage_error(command, "missing the value of", a);
        } else if ((rc = option_value(command, o, argv[++i]))) {
            return rc;
        }
    }
    return ARGS_OK;
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
    void* packed; /* the kernels' packed weights (ember_method_pack), or NULL */
} loaded_method;

/* The machine's RAM in bytes, or SIZE_MAX when unknown: more planned memory than that is a
 * claim the file cannot justify on this machine. */
static size_t ram_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0 || (unsigned long)pages > SIZE_MAX / (unsigned long)page) return SIZE_MAX;
    return (size_t)pages * (size_t)page;
}

/* Loads `name`. With `for_run` the planned buffers are allocated and, with `pack`, the kernels'
 * packed weights (ember_method_pack; if they cannot be allocated the method runs unpacked);
 * without `for_run`, the method is loaded for inspection only (no planned memory). On an allocation failure prints what could not be
 * allocated and returns -1; a load failure returns its status (the message is the program's). */
static int load_method(ember_program* prog, const char* name, int for_run, int pack, loaded_method* lm)
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
    st = ember_method_load(prog, name, lm->book, lm->req.bookkeeping_bytes, lm->buffers, lm->req.num_buffers,
                           &lm->method);
    if (st) return (int)st;
    const size_t pb = ember_method_packed_bytes(lm->method);
    if (!pb || !pack) return 0;
    lm->packed = malloc(pb);
    if (!lm->packed) {
        fprintf(stderr, "ember: cannot allocate %zu bytes of packed weights for method '%s': it runs unpacked "
                        "(slower)\n", pb, name);
        return 0;
    }
    if ((st = ember_method_pack(lm->method, lm->packed, pb)))
        fprintf(stderr, "ember: method '%s' runs with unpacked weights: %s\n", name, ember_method_error(lm->method));
    return 0;
}

/* load_method for a run, saying why it failed: 0 when loaded, else nonzero after a message
 * ("cannot load MODEL: status: the program's error", or load_method's own). */
static int load_method_for_run(ember_program* prog, const char* model, const char* name, int pack,
                               loaded_method* lm)
{
    const int lst = load_method(prog, name, 1, pack, lm);
    if (lst > 0)
        fprintf(stderr, "ember: cannot load %s: %s: %s\n", model, ember_status_str((ember_status)lst),
                ember_program_error(prog));
    return lst;
}

static void free_method(loaded_method* lm)
{
    if (lm->method) ember_method_destroy(lm->method);
    free(lm->book);
    free(lm->packed);
    for (size_t i = 0; i < EMBER_MAX_BUFFERS; i++) free(lm->buffers[i]);
    memset(lm, 0, sizeof *lm);
}

/* The positions a language model's KV cache holds: ExecuTorch's LLM files say it in a method
 * get_max_context_len() -> int (their tokens input is bounded one below it); without that method
 * (ember.llm.export_llm's files) it is the tokens input's bound, `capacity`. */
static int64_t llm_context_len(ember_program* prog, int64_t capacity)
{
    int64_t n = capacity;
    loaded_method lm;
    const ember_value* v;
    if (load_method(prog, "get_max_context_len", 1, 0, &lm) == 0 && ember_method_input_count(lm.method) == 0 &&
        ember_method_execute(lm.method) == EMBER_OK && (v = ember_method_output_value(lm.method, 0)) &&
        v->tag == EMBER_VALUE_INT && v->u.i > capacity && v->u.i <= INT32_MAX)
        n = v->u.i;
    free_method(&lm);
    return n;
}

/* The thread pool of run, profile and bench: created once, before the first execute, and
 * destroyed after the method. threads 1: no pool. */
typedef struct cli_pool {
    void* mem;
    ember_threadpool* pool;
} cli_pool;

/* Starts `threads` threads and gives them to the method. Returns 0, or -1 with a message. */
static int pool_attach(cli_pool* p, long threads, ember_method* m)
{
    memset(p, 0, sizeof *p);
    if (threads <= 1) return 0;
    const size_t bytes = ember_threadpool_bytes((size_t)threads);
    p->mem = malloc(bytes);
    if (!p->mem) {
        fprintf(stderr, "ember: cannot allocate %zu bytes for %ld threads\n", bytes, threads);
        return -1;
    }
    ember_status st = ember_threadpool_init(p->mem, bytes, (size_t)threads, &p->pool);
    if (st) {
        fprintf(stderr, "ember: cannot start %ld threads: %s\n", threads, ember_status_str(st));
        free(p->mem);
        p->mem = NULL;
        return -1;
    }
    ember_method_set_threadpool(m, p->pool);
    return 0;
}

/* After free_method: no method uses the pool any more. */
static void pool_close(cli_pool* p)
{
    ember_threadpool_destroy(p->pool);
    free(p->mem);
    memset(p, 0, sizeof *p);
}

/* The default of --threads: the CPUs this process may use. */
static long default_threads(void)
{
    size_t n = ember_cpu_count();
    return n > 1024 ? 1024 : (long)n;
}

/* ---- run ----------------------------------------------------------------------------- */

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
    case EMBER_DTYPE_F16: return ember_f16_to_f32(((const uint16_t*)t->data)[i]);
    case EMBER_DTYPE_BF16: return ember_bf16_to_f32(((const uint16_t*)t->data)[i]);
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

/* `path` without empty and "." components ("out//./a/" -> "out/a"; "/" stays "/", "" and "./"
 * become "."), for building and printing file names; ".." stays (symbolic links). Returns -1
 * if it does not fit. */
static int normalise_dir(const char* path, char* out, size_t bytes)
{
    size_t n = 0;
    if (bytes < 2) return -1;
    if (path[0] == '/') out[n++] = '/';
    for (const char* p = path; *p;) {
        while (*p == '/') p++;
        const char* part = p;
        while (*p && *p != '/') p++;
        size_t len = (size_t)(p - part);
        if (len == 0 || (len == 1 && part[0] == '.')) continue;
        size_t sep = n && out[n - 1] != '/';
        if (n + sep + len + 1 > bytes) return -1;
        if (sep) out[n++] = '/';
        memcpy(out + n, part, len);
        n += len;
    }
    if (n == 0) out[n++] = '.';
    out[n] = 0;
    return 0;
}

/* mkdir -p for a normalised path: creates each missing directory, then checks the last is a
 * directory this process can write into. Returns 0, or -1 with a message in err. */
static int make_dirs(const char* dir, char* err, size_t err_bytes)
{
    char part[4096];
    size_t len = strlen(dir);
    if (len >= sizeof part) {
        snprintf(err, err_bytes, "output directory name too long");
        return -1;
    }
    memcpy(part, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (part[i] != '/' && part[i] != 0) continue;
        char saved = part[i];
        part[i] = 0;
        struct stat st;
        if (mkdir(part, 0777) != 0 && errno != EEXIST) {
            snprintf(err, err_bytes, "cannot create the output directory %s: %s", part, strerror(errno));
            return -1;
        }
        if (stat(part, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, err_bytes, "cannot create the output directory %s: %s is not a directory", dir, part);
            return -1;
        }
        part[i] = saved;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, err_bytes, "cannot write into the output directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int cmd_run(int argc, char** argv)
{
    const char* model = NULL;
    const char* outdir = NULL;
    const char* method = "forward";
    input_list inputs = {{0}, 0};
    long threads = default_threads();
    int no_pack = 0;
    const cli_option opts[] = {
        {"--input", OPT_LIST, &inputs, 0, 0},
        {"--output-dir", OPT_TEXT, &outdir, 0, 0},
        {"--method", OPT_TEXT, &method, 0, 0},
        {"--threads", OPT_LONG, &threads, 1, 1024},
        {"--no-pack", OPT_FLAG, &no_pack, 0, 0},
        {NULL, OPT_FLAG, NULL, 0, 0},
    };
    int rc = parse_args("run", opts, argc, argv, &model);
    if (rc != ARGS_OK) return rc;
    if (!model) return usage_error("run", "no model given", NULL);
    char dir[4096] = "";
    if (outdir && normalise_dir(outdir, dir, sizeof dir)) {
        fprintf(stderr, "ember: output directory name too long\n");
        return 1;
    }
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(model, 1, &file, &bundle, &bundled, &prog)) return 1;
    rc = 1;
    loaded_method lm = {0};
    cli_pool pool = {0};
    npy_array arrays[MAX_INPUTS];
    memset(arrays, 0, sizeof arrays);
    char err[512];
    ember_status st;
    if (load_method_for_run(&prog, model, method, !no_pack, &lm)) goto done;
    if (pool_attach(&pool, threads, lm.method)) goto done;
    if ((size_t)inputs.n != ember_method_input_count(lm.method)) {
        fprintf(stderr, "ember: method '%s' takes %zu inputs, %d given\n", method, ember_method_input_count(lm.method), inputs.n);
        goto done;
    }
    for (int i = 0; i < inputs.n; i++) {
        if (npy_read(inputs.path[i], &arrays[i], err, sizeof err)) {
            fprintf(stderr, "ember: %s\n", err);
            goto done;
        }
        st = ember_method_set_input(lm.method, (size_t)i, (ember_dtype)arrays[i].dtype, arrays[i].dim, arrays[i].sizes, arrays[i].data);
        if (st) {
            fprintf(stderr, "ember: %s: %s\n", inputs.path[i], ember_method_error(lm.method));
            goto done;
        }
    }
    if (outdir && make_dirs(dir, err, sizeof err)) { /* before the run: fail early */
        fprintf(stderr, "ember: %s\n", err);
        goto done;
    }
    st = ember_method_execute(lm.method);
    if (st) {
        fprintf(stderr, "ember: execute failed: %s\n", ember_method_error(lm.method));
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
            if (snprintf(path, sizeof path, "%s%soutput_%zu.npy", dir, strcmp(dir, "/") ? "/" : "", o) >= (int)sizeof path) {
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
    for (int i = 0; i < inputs.n; i++) npy_free(&arrays[i]);
    free_method(&lm);
    pool_close(&pool);
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
static void json_str(FILE* f, const char* str)
{
    const unsigned char* s = (const unsigned char*)str;
    fputc('"', f);
    while (*s) {
        int n = utf8_sequence(s);
        if (!n) {
            fputs("\\ufffd", f);
            s++;
        } else if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s++, f);
        } else if (*s < 32) {
            fprintf(f, "\\u%04x", *s++);
        } else {
            fwrite(s, 1, (size_t)n, f);
            s += n;
        }
    }
    fputc('"', f);
}

static void print_value_desc(const ember_value* v, int json)
{
    if (v->tag == EMBER_VALUE_TENSOR) {
        const ember_tensor* t = v->u.t;
        if (json) {
            printf("{\"dtype\": \"%s\", \"shape\": [", ember_dtype_name(t->dtype));
            for (int d = 0; d < t->dim; d++) printf(d ? ", %d" : "%d", t->sizes[d]);
            printf("], \"bytes\": %zu", t->nbytes);
            if (t->dynamic) printf(", \"dynamic\": true");
            printf("}");
        } else {
            printf("%s ", ember_dtype_name(t->dtype));
            print_shape(stdout, t);
            if (t->dynamic) printf(", dynamic: rank %u, at most %zu bytes", t->dim, t->capacity);
        }
    } else {
        static const char* kinds[] = {"none", "null", "int", "bool", "double", "tensor", "string", "int list", "double list", "bool list", "tensor list", "optional tensor list"};
        const char* k = v->tag < 12 ? kinds[v->tag] : "?";
        if (json) printf("{\"kind\": \"%s\"}", k);
        else printf("%s", k);
    }
}

static int by_name(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

/* inspect --ops: every operator of every method, sorted, each once. */
static int print_ops(ember_program* prog)
{
    char** names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t mi = 0; mi < ember_program_method_count(prog) && !rc; mi++) {
        loaded_method lm;
        const int lst = load_method(prog, ember_program_method_name(prog, mi), 0, 0, &lm);
        if (lst) {
            if (lst > 0)
                fprintf(stderr, "ember: method '%s': %s: %s\n", ember_program_method_name(prog, mi),
                        ember_status_str((ember_status)lst), ember_program_error(prog));
            free_method(&lm);
            rc = 1;
            break;
        }
        ember_method_info info;
        ember_method_info_get(lm.method, &info);
        for (size_t i = 0; i < info.num_operators && !rc; i++) {
            char buf[256];
            const char* name = ember_method_operator_name(lm.method, i, buf, sizeof buf);
            if (n == cap) {
                char** grown = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
                if (!grown) rc = 1;
                else names = grown;
            }
            if (!rc && !(names[n] = strdup(name))) rc = 1;
            if (!rc) n++;
        }
        free_method(&lm);
        if (rc) fprintf(stderr, "ember: out of memory listing the operators\n");
    }
    if (!rc) {
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 0; i < n; i++)
            if (i == 0 || strcmp(names[i], names[i - 1])) printf("%s\n", names[i]);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

static int cmd_inspect(int argc, char** argv)
{
    const char* model = NULL;
    int json = 0, ops = 0;
    const cli_option opts[] = {{"--json", OPT_FLAG, &json, 0, 0}, {"--ops", OPT_FLAG, &ops, 0, 0},
                               {NULL, OPT_FLAG, NULL, 0, 0}};
    const int parsed = parse_args("inspect", opts, argc, argv, &model);
    if (parsed != ARGS_OK) return parsed;
    if (!model) return usage_error("inspect", "no model given", NULL);
    if (json && ops) return usage_error("inspect", "--json and --ops exclude each other", NULL);
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(model, 0, &file, &bundle, &bundled, &prog)) return 1;
    if (ops) {
        const int rc = print_ops(&prog);
        model_close(&file);
        return rc;
    }
    int rc = 0;
    size_t nm = ember_program_method_count(&prog);
    if (json) {
        printf("{\"file\": ");
        json_str(stdout, model);
        printf(", \"file_bytes\": %zu, \"constant_bytes\": %zu, ", file.size, ember_program_constant_bytes(&prog));
        if (bundled) {
            printf("\"bundle\": {\"program_bytes\": %zu, \"suites\": [", bundle.program_size);
            for (size_t s = 0; s < ember_bundle_suite_count(&bundle); s++) {
                printf("%s{\"method\": ", s ? ", " : "");
                json_str(stdout, ember_bundle_suite_method(&bundle, s));
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
        int lst = load_method(&prog, name, 0, 0, &lm);
        if (lst < 0) { /* out of memory for the bookkeeping: nothing more to say */
            free_method(&lm);
            model_close(&file);
            return 1;
        }
        if (json) {
            printf("%s{\"name\": ", mi ? ", " : "");
            json_str(stdout, name);
        } else {
            printf("\nmethod '%s'\n", name);
        }
        if (lst) {
            if (json) {
                printf(", \"error\": ");
                json_str(stdout, ember_program_error(&prog));
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
                json_str(stdout, ember_method_operator_name(lm.method, i, buf, sizeof buf));
            }
            printf("], \"delegates\": [");
            for (size_t i = 0; i < info.num_delegates; i++) {
                if (i) printf(", ");
                json_str(stdout, ember_method_delegate_name(lm.method, i));
            }
            printf("], \"planned_buffer_bytes\": [");
            for (size_t b = 0; b < lm.req.num_buffers; b++) printf(b ? ", %zu" : "%zu", lm.req.buffer_bytes[b]);
            printf("], \"planned_bytes\": %zu, \"bookkeeping_bytes\": %zu, \"packed_weight_bytes\": %zu, "
                   "\"values\": %zu, \"instructions\": %zu}",
                   planned, lm.req.bookkeeping_bytes, ember_method_packed_bytes(lm.method), info.num_values,
                   info.num_instructions);
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
            const size_t pb = ember_method_packed_bytes(lm.method);
            if (pb)
                printf("    packed weights: %zu bytes (%.2f MiB; optional: the fast kernels' copies for this CPU, "
                       "made at load)\n", pb, (double)pb / (1024.0 * 1024.0));
        }
        free_method(&lm);
    }
    if (json) printf("]}\n");
    model_close(&file);
    return rc;
}

/* ---- test-bundle --------------------------------------------------------------------- */

static int cmd_test_bundle(int argc, char** argv)
{
    const char* model = NULL;
    const char* only = NULL;
    double rtol = EMBER_BUNDLE_RTOL, atol = EMBER_BUNDLE_ATOL;
    const cli_option opts[] = {
        {"--rtol", OPT_DOUBLE, &rtol, 0, 0},
        {"--atol", OPT_DOUBLE, &atol, 0, 0},
        {"--method", OPT_TEXT, &only, 0, 0},
        {NULL, OPT_FLAG, NULL, 0, 0},
    };
    int rc = parse_args("test-bundle", opts, argc, argv, &model);
    if (rc != ARGS_OK) return rc;
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
        int lst = load_method(&prog, name, 1, 1, &lm);
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

/* ---- profile ------------------------------------------------------------------------- */

/* One timed instruction (a kernel or delegate call) and what the runs measured. */
typedef struct prof_row {
    uint32_t index;     /* instruction */
    const char* name;   /* operator or backend */
    const char* kind;   /* "kernel" or "delegate" */
    char output[128];   /* "float32 (1, 10)": the call's last argument */
    double calls;       /* per run */
    double total_ms;    /* per run */
    double mean_us;     /* per call */
    double share;       /* percent of the execute time */
} prof_row;

/* What a profile found, for the table, JSON and CSV. */
typedef struct prof_report {
    const char* model;
    const char* method;
    long runs, warmup;
    const char* inputs;     /* "input 0: float32 (1, 3) random uniform [-1, 1); ..." */
    double empty_ns;        /* what the profiler measures around nothing */
    double execute_ms;      /* mean per run */
    double execute_min_ms;
    double instructions_ms; /* sum of the timed instructions, per run */
    prof_row* rows;         /* (num_rows) by instruction index */
    size_t num_rows;
    prof_row* ops;          /* (num_ops) by operator, largest total first */
    size_t num_ops;
} prof_report;

static const char* const profile_timer = "clock_gettime(CLOCK_MONOTONIC)";

/* "float32 (1, 32, 768)" for the value an instruction writes (its last argument); a tensor
 * list shows its first tensor and how many follow ("float32 (1, 6) +1 more"); else "". */
static void output_text(const ember_value* v, char* buf, size_t bytes)
{
    buf[0] = 0;
    const ember_tensor* t = v && v->tag == EMBER_VALUE_TENSOR ? v->u.t : NULL;
    if (v && (v->tag == EMBER_VALUE_TENSOR_LIST || v->tag == EMBER_VALUE_OPTIONAL_TENSOR_LIST) && v->len) t = v->u.tensors[0];
    if (!t) return;
    size_t n = (size_t)snprintf(buf, bytes, "%s (", ember_dtype_name(t->dtype));
    for (int d = 0; d < t->dim && n < bytes; d++) n += (size_t)snprintf(buf + n, bytes - n, d ? ", %d" : "%d", t->sizes[d]);
    if (n < bytes) n += (size_t)snprintf(buf + n, bytes - n, t->dim == 1 ? ",)" : ")");
    if (n < bytes && v->tag != EMBER_VALUE_TENSOR && v->len > 1) snprintf(buf + n, bytes - n, " +%u more", v->len - 1);
}

/* "12.345 ms", or "12.35 us" under a millisecond. */
static const char* time_text(double ms, char* buf, size_t bytes)
{
    if (ms >= 1.0 || ms <= -1.0) snprintf(buf, bytes, "%.3f ms", ms);
    else snprintf(buf, bytes, "%.2f us", ms * 1e3);
    return buf;
}

/* The text table; Profile.table() in python/ember/profile.py prints the same layout. */
static void profile_table(FILE* f, const prof_report* r)
{
    double outside = r->execute_ms - r->instructions_ms;
    char t[4][32];
    fprintf(f, "profile of %s, method '%s': %ld runs after %ld warmup\n", r->model, r->method, r->runs, r->warmup);
    fprintf(f, "inputs: %s\n", r->inputs);
    fprintf(f, "timer: %s around each kernel and delegate call; an empty call measures %.0f ns\n", profile_timer, r->empty_ns);
    fprintf(f, "execute: %s per run (min %s); in instructions %s (%.1f%%), outside them %s (%.1f%%)\n",
            time_text(r->execute_ms, t[0], sizeof t[0]), time_text(r->execute_min_ms, t[1], sizeof t[1]),
            time_text(r->instructions_ms, t[2], sizeof t[2]), r->execute_ms > 0 ? 100.0 * r->instructions_ms / r->execute_ms : 0.0,
            time_text(outside, t[3], sizeof t[3]), r->execute_ms > 0 ? 100.0 * outside / r->execute_ms : 0.0);
    int w = 8; /* "operator" */
    for (size_t i = 0; i < r->num_ops; i++) w = (int)strlen(r->ops[i].name) > w ? (int)strlen(r->ops[i].name) : w;
    fprintf(f, "\n%-*s  %-8s  %10s  %10s  %10s  %6s\n", w, "operator", "kind", "calls", "total ms", "mean us", "share");
    for (size_t i = 0; i < r->num_ops; i++) {
        const prof_row* o = &r->ops[i];
        fprintf(f, "%-*s  %-8s  %10.6g  %10.3f  %10.2f  %5.1f%%\n", w, o->name, o->kind, o->calls, o->total_ms, o->mean_us, o->share);
    }
    int wo = 6; /* "output" */
    for (size_t i = 0; i < r->num_rows; i++) wo = (int)strlen(r->rows[i].output) > wo ? (int)strlen(r->rows[i].output) : wo;
    fprintf(f, "\n%5s  %-*s  %-*s  %10s  %10s  %6s\n", "index", w, "operator", wo, "output", "calls", "mean us", "share");
    for (size_t i = 0; i < r->num_rows; i++) {
        const prof_row* o = &r->rows[i];
        fprintf(f, "%5u  %-*s  %-*s  %10.6g  %10.2f  %5.1f%%\n", o->index, w, o->name, wo, o->output, o->calls, o->mean_us, o->share);
    }
}

static void json_row(FILE* f, const prof_row* o, int instruction)
{
    fprintf(f, "{");
    if (instruction) fprintf(f, "\"index\": %u, ", o->index);
    fprintf(f, "\"operator\": ");
    json_str(f, o->name);
    fprintf(f, ", \"kind\": \"%s\", ", o->kind);
    if (instruction) {
        fprintf(f, "\"output\": ");
        json_str(f, o->output);
        fprintf(f, ", ");
    }
    fprintf(f, "\"calls\": %.9g, \"total_ms\": %.9g, \"mean_us\": %.9g, \"share_pct\": %.9g}", o->calls, o->total_ms, o->mean_us, o->share);
}

static void profile_json(FILE* f, const prof_report* r)
{
    fprintf(f, "{\"model\": ");
    json_str(f, r->model);
    fprintf(f, ", \"method\": ");
    json_str(f, r->method);
    fprintf(f, ", \"runs\": %ld, \"warmup\": %ld, \"inputs\": ", r->runs, r->warmup);
    json_str(f, r->inputs);
    fprintf(f, ", \"timer\": \"%s\", \"empty_call_ns\": %.9g, \"execute_ms\": %.9g, \"execute_min_ms\": %.9g, "
               "\"instructions_ms\": %.9g, \"overhead_ms\": %.9g,\n \"operators\": [",
            profile_timer, r->empty_ns, r->execute_ms, r->execute_min_ms, r->instructions_ms, r->execute_ms - r->instructions_ms);
    for (size_t i = 0; i < r->num_ops; i++) {
        fprintf(f, i ? ",\n  " : "\n  ");
        json_row(f, &r->ops[i], 0);
    }
    fprintf(f, "],\n \"instructions\": [");
    for (size_t i = 0; i < r->num_rows; i++) {
        fprintf(f, i ? ",\n  " : "\n  ");
        json_row(f, &r->rows[i], 1);
    }
    fprintf(f, "]}\n");
}

/* A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
static void csv_field(FILE* f, const char* s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Metadata as "# key: value" lines, then one row per operator and per instruction. */
static void profile_csv(FILE* f, const prof_report* r)
{
    fprintf(f, "# model: ");
    csv_field(f, r->model);
    fprintf(f, "\n# method: ");
    csv_field(f, r->method);
    fprintf(f, "\n# runs: %ld\n# warmup: %ld\n# inputs: ", r->runs, r->warmup);
    csv_field(f, r->inputs);
    fprintf(f, "\n# timer: %s\n# empty_call_ns: %.9g\n# execute_ms: %.9g\n# execute_min_ms: %.9g\n"
               "# instructions_ms: %.9g\n# overhead_ms: %.9g\n",
            profile_timer, r->empty_ns, r->execute_ms, r->execute_min_ms, r->instructions_ms, r->execute_ms - r->instructions_ms);
    fprintf(f, "table,index,operator,kind,output,calls,total_ms,mean_us,share_pct\n");
    for (int t = 0; t < 2; t++) {
        const prof_row* rows = t ? r->rows : r->ops;
        for (size_t i = 0; i < (t ? r->num_rows : r->num_ops); i++) {
            const prof_row* o = &rows[i];
            fprintf(f, "%s,", t ? "instruction" : "operator");
            if (t) fprintf(f, "%u", o->index);
            fputc(',', f);
            csv_field(f, o->name);
            fprintf(f, ",%s,", o->kind);
            csv_field(f, o->output);
            fprintf(f, ",%.9g,%.9g,%.9g,%.9g\n", o->calls, o->total_ms, o->mean_us, o->share);
        }
    }
}

static int write_report(const char* path, const prof_report* r, void (*write)(FILE*, const prof_report*))
{
    FILE* f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ember: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    write(f, r);
    if (fclose(f) != 0) {
        fprintf(stderr, "ember: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int by_total(const void* a, const void* b)
{
    double x = ((const prof_row*)a)->total_ms, y = ((const prof_row*)b)->total_ms;
    return x < y ? 1 : x > y ? -1 : strcmp(((const prof_row*)a)->name, ((const prof_row*)b)->name);
}

/* Input i of the method when the user gave none: float32/float64 tensors uniform in [-1, 1)
 * from a fixed seed, everything else zeros (indices and masks stay valid). Appends what was
 * used to `desc`. Returns the tensor's block (the caller frees it), or NULL for a scalar. */
static void* default_input(ember_method* m, size_t i, uint64_t* seed, char* desc, size_t desc_bytes, ember_status* st)
{
    const ember_value* v = ember_method_input(m, i);
    size_t n = strlen(desc);
    const char* sep = i ? "; " : "";
    if (v->tag != EMBER_VALUE_TENSOR) {
        *st = ember_method_set_input_scalar(m, i, 0.0);
        static const char* kinds[] = {"none", "null", "int", "bool", "double"};
        snprintf(desc + n, desc_bytes - n, "%sinput %zu: %s 0", sep, i, v->tag < 5 ? kinds[v->tag] : "value");
        return NULL;
    }
    const ember_tensor* t = v->u.t;
    void* data = calloc(t->nbytes ? t->nbytes : 1, 1); /* calloc's alignment suits every dtype */
    if (!data) {
        *st = EMBER_MEMORY_TOO_SMALL;
        return NULL;
    }
    int random = t->dtype == EMBER_DTYPE_F32 || t->dtype == EMBER_DTYPE_F64;
    for (int64_t k = 0; random && k < t->numel; k++) {
        *seed ^= *seed >> 12, *seed ^= *seed << 25, *seed ^= *seed >> 27; /* xorshift64* */
        double u = (double)((*seed * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
        if (t->dtype == EMBER_DTYPE_F32) ((float*)data)[k] = (float)u;
        else ((double*)data)[k] = u;
    }
    char what[128];
    output_text(v, what, sizeof what);
    snprintf(desc + n, desc_bytes - n, "%sinput %zu: %s %s", sep, i, what, random ? "random uniform [-1, 1)" : "zeros");
    *st = ember_method_set_input(m, i, (ember_dtype)t->dtype, t->dim, t->sizes, data);
    return data;
}

/* The inputs a timed command (profile, bench) runs on: the .npy files given, one per input, or
 * without any the defaults of default_input, made on the first set. */
typedef struct timed_inputs {
    size_t count;                 /* the method's inputs */
    int num_files;                /* 0, or count */
    npy_array arrays[MAX_INPUTS];
    void* generated[MAX_INPUTS];  /* the defaults' blocks */
    int made;                     /* the defaults exist */
    uint64_t seed;
    char desc[2048];              /* what was used, for the report; complete after the first set */
} timed_inputs;

/* Checks the number of files against the method's inputs and reads them. On failure prints
 * what is wrong and returns -1 (timed_inputs_free still frees what was read). */
static int timed_inputs_open(ember_method* m, const char* method, const char* const* files, int num_files, timed_inputs* ti)
{
    memset(ti, 0, sizeof *ti);
    ti->count = ember_method_input_count(m);
    ti->seed = 0x9E3779B97F4A7C15ull;
    if (num_files && (size_t)num_files != ti->count) {
        fprintf(stderr, "ember: method '%s' takes %zu inputs, %d given\n", method, ti->count, num_files);
        return -1;
    }
    if (ti->count > MAX_INPUTS) {
        fprintf(stderr, "ember: method '%s' takes %zu inputs, more than the %d the CLI handles\n", method, ti->count, MAX_INPUTS);
        return -1;
    }
    char err[512];
    for (int i = 0; i < num_files; i++) {
        if (npy_read(files[i], &ti->arrays[i], err, sizeof err)) {
            fprintf(stderr, "ember: %s\n", err);
            return -1;
        }
        ti->num_files = i + 1;
        size_t n = strlen(ti->desc);
        snprintf(ti->desc + n, sizeof ti->desc - n, "%sinput %d: from %s", i ? "; " : "", i, files[i]);
    }
    if (ti->count == 0) snprintf(ti->desc, sizeof ti->desc, "none");
    return 0;
}

/* Sets every input (only those execute consumes, with `only_consumed`: the rest stay valid).
 * On failure prints which input and why and returns -1. */
static int timed_inputs_set(ember_method* m, timed_inputs* ti, int only_consumed)
{
    for (size_t i = 0; i < ti->count; i++) {
        if (only_consumed && ti->made && !ember_method_input_consumed(m, i)) continue;
        ember_status st;
        if (ti->num_files) {
            const npy_array* a = &ti->arrays[i];
            st = ember_method_set_input(m, i, (ember_dtype)a->dtype, a->dim, a->sizes, a->data);
        } else if (!ti->made) {
            ti->generated[i] = default_input(m, i, &ti->seed, ti->desc, sizeof ti->desc, &st);
        } else {
            const ember_value* v = ember_method_input(m, i);
            st = v->tag == EMBER_VALUE_TENSOR
                     ? ember_method_set_input(m, i, (ember_dtype)v->u.t->dtype, v->u.t->dim, v->u.t->sizes, ti->generated[i])
                     : ember_method_set_input_scalar(m, i, 0.0);
        }
        if (st) {
            fprintf(stderr, "ember: input %zu: %s\n", i, st == EMBER_MEMORY_TOO_SMALL ? "cannot allocate it" : ember_method_error(m));
            return -1;
        }
    }
    ti->made = 1;
    return 0;
}

static void timed_inputs_free(timed_inputs* ti)
{
    for (int i = 0; i < ti->num_files; i++) npy_free(&ti->arrays[i]);
    for (size_t i = 0; i < MAX_INPUTS; i++) free(ti->generated[i]);
    ti->num_files = 0;
    memset(ti->generated, 0, sizeof ti->generated);
}

/* What profile and bench take: the same options, but for the name and defaults of the count. */
typedef struct timed_args {
    const char* model;
    const char* method;
    const char *json_path, *csv_path;
    input_list inputs;
    long count, warmup, threads; /* count: --runs (profile) or --iters (bench) */
    int no_pack;                 /* --no-pack: no ember_method_pack */
} timed_args;

static int parse_timed(const char* command, const char* count_name, long count, long warmup,
                       int argc, char** argv, timed_args* t)
{
    memset(t, 0, sizeof *t);
    t->method = "forward";
    t->count = count, t->warmup = warmup, t->threads = default_threads();
    const cli_option opts[] = {
        {"--input", OPT_LIST, &t->inputs, 0, 0},
        {"--method", OPT_TEXT, &t->method, 0, 0},
        {count_name, OPT_LONG, &t->count, 1, COUNT_MAX},
        {"--warmup", OPT_LONG, &t->warmup, 0, COUNT_MAX},
        {"--threads", OPT_LONG, &t->threads, 1, 1024},
        {"--no-pack", OPT_FLAG, &t->no_pack, 0, 0},
        {"--json", OPT_TEXT, &t->json_path, 0, 0},
        {"--csv", OPT_TEXT, &t->csv_path, 0, 0},
        {NULL, OPT_FLAG, NULL, 0, 0},
    };
    const int rc = parse_args(command, opts, argc, argv, &t->model);
    if (rc == ARGS_OK && !t->model) return usage_error(command, "no model given", NULL);
    return rc;
}

static int cmd_profile(int argc, char** argv)
{
    timed_args t;
    int rc = parse_timed("profile", "--runs", 10, 2, argc, argv, &t);
    if (rc != ARGS_OK) return rc;
    const long runs = t.count;
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(t.model, 1, &file, &bundle, &bundled, &prog)) return 1;
    rc = 1;
    loaded_method lm = {0};
    cli_pool pool = {0};
    timed_inputs ti;
    memset(&ti, 0, sizeof ti);
    ember_profile_counter* counters = NULL;
    prof_row *rows = NULL, *ops = NULL;
    prof_report r;
    memset(&r, 0, sizeof r);
    r.model = t.model;
    r.method = t.method;
    r.runs = runs;
    r.warmup = t.warmup;
    r.inputs = ti.desc;
    ember_status st = EMBER_OK;
    if (load_method_for_run(&prog, t.model, t.method, !t.no_pack, &lm)) goto done;
    if (pool_attach(&pool, t.threads, lm.method)) goto done;
    if (timed_inputs_open(lm.method, t.method, t.inputs.path, t.inputs.n, &ti)) goto done;
    ember_method_info info;
    ember_method_info_get(lm.method, &info);
    counters = calloc(info.num_instructions ? info.num_instructions : 1, sizeof *counters);
    rows = calloc(info.num_instructions ? info.num_instructions : 1, sizeof *rows);
    ops = calloc(info.num_instructions ? info.num_instructions : 1, sizeof *ops);
    if (!counters || !rows || !ops) {
        fprintf(stderr, "ember: cannot allocate the profile of %zu instructions\n", info.num_instructions);
        goto done;
    }
    ember_profiler prof = {ember_clock_monotonic_ns, NULL, counters, info.num_instructions, 0};
    if ((st = ember_method_set_event_hook(lm.method, ember_profiler_event, &prof))) {
        fprintf(stderr, "ember: cannot profile: %s\n", ember_method_error(lm.method));
        goto done;
    }
    double total_ns = 0, min_ns = 0;
    for (long run = 0; run < t.warmup + runs; run++) {
        if (timed_inputs_set(lm.method, &ti, 0)) goto done; /* every run: a run may consume its planned inputs */
        if (run == t.warmup) memset(counters, 0, info.num_instructions * sizeof *counters);
        uint64_t t0 = ember_clock_monotonic_ns(NULL);
        st = ember_method_execute(lm.method);
        uint64_t t1 = ember_clock_monotonic_ns(NULL);
        if (st) {
            fprintf(stderr, "ember: execute failed: %s\n", ember_method_error(lm.method));
            goto done;
        }
        if (run >= t.warmup) {
            double ns = (double)(t1 - t0);
            total_ns += ns;
            min_ns = run == t.warmup || ns < min_ns ? ns : min_ns;
        }
    }
    r.empty_ns = (double)ember_profiler_overhead(&prof);
    r.execute_ms = total_ns / (double)runs / 1e6;
    r.execute_min_ms = min_ns / 1e6;
    for (size_t i = 0; i < info.num_instructions; i++) {
        ember_instruction_info ins;
        if (!counters[i].calls || ember_method_instruction(lm.method, i, &ins)) continue;
        prof_row* o = &rows[r.num_rows++];
        o->index = (uint32_t)i;
        o->name = ins.name;
        o->kind = ins.kind == EMBER_INSTRUCTION_DELEGATE ? "delegate" : "kernel";
        output_text(ins.num_args ? ins.args[ins.num_args - 1] : NULL, o->output, sizeof o->output);
        o->calls = (double)counters[i].calls / (double)runs;
        o->total_ms = (double)counters[i].ticks / (double)runs / 1e6;
        o->mean_us = (double)counters[i].ticks / (double)counters[i].calls / 1e3;
        o->share = r.execute_ms > 0 ? 100.0 * o->total_ms / r.execute_ms : 0.0;
        r.instructions_ms += o->total_ms;
        size_t k = 0; /* the operator's row */
        while (k < r.num_ops && !(strcmp(ops[k].name, o->name) == 0 && strcmp(ops[k].kind, o->kind) == 0)) k++;
        if (k == r.num_ops) {
            r.num_ops++;
            ops[k].name = o->name;
            ops[k].kind = o->kind;
        }
        ops[k].calls += o->calls;
        ops[k].total_ms += o->total_ms;
        ops[k].share += o->share;
    }
    for (size_t k = 0; k < r.num_ops; k++) ops[k].mean_us = ops[k].calls > 0 ? ops[k].total_ms / ops[k].calls * 1e3 : 0.0;
    qsort(ops, r.num_ops, sizeof *ops, by_total);
    r.rows = rows;
    r.ops = ops;
    profile_table(stdout, &r);
    rc = 0;
    if (t.json_path && write_report(t.json_path, &r, profile_json)) rc = 1;
    if (t.csv_path && write_report(t.csv_path, &r, profile_csv)) rc = 1;
    if (!rc && (t.json_path || t.csv_path))
        printf("\nwrote%s%s%s%s\n", t.json_path ? " " : "", t.json_path ? t.json_path : "", t.csv_path ? " " : "", t.csv_path ? t.csv_path : "");
done:
    timed_inputs_free(&ti);
    free(counters);
    free(rows);
    free(ops);
    free_method(&lm);
    pool_close(&pool);
    model_close(&file);
    return rc;
}

/* ---- bench --------------------------------------------------------------------------- */

/* What a bench measured, for the summary, JSON and CSV. */
typedef struct bench_report {
    const char* model;
    const char* method;
    long warmup, iters;
    long threads_requested;
    long threads_used;   /* what the pool has: 1 in a build without threads */
    const char* inputs;
    char consumed[256];  /* "input 0, input 2": re-set before each execute; "" when none */
    const double* ms;    /* (iters) latencies in iteration order */
    double min, median, p90, max, mean;
} bench_report;

static const char* const bench_timer = "clock_gettime(CLOCK_MONOTONIC) around each ember_method_execute";

static int by_value(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

/* The summary; BenchResult.__str__ in python/ember/bench.py prints the same layout. */
static void bench_summary(FILE* f, const bench_report* r)
{
    fprintf(f, "bench of %s, method '%s': %ld iterations after %ld warm-ups\n", r->model, r->method, r->iters, r->warmup);
    fprintf(f, "inputs: %s\n", r->inputs);
    if (r->consumed[0])
        fprintf(f, "inputs re-set before each execute, outside the timed part: execute consumes %s\n", r->consumed);
    if (r->threads_used < r->threads_requested)
        fprintf(f, "threads: %ld (%ld requested; this build of libember has no threads)\n", r->threads_used,
                r->threads_requested);
    else
        fprintf(f, "threads: %ld\n", r->threads_used);
    fprintf(f, "timer: %s\n", bench_timer);
    fprintf(f, "min     %12.6f ms\nmedian  %12.6f ms\np90     %12.6f ms\nmax     %12.6f ms\nmean    %12.6f ms\n",
            r->min, r->median, r->p90, r->max, r->mean);
    fprintf(f, "runs/s  %12.1f (1000 / median)\n", r->median > 0 ? 1000.0 / r->median : 0.0);
}

static void bench_json(FILE* f, const bench_report* r)
{
    fprintf(f, "{\"model\": ");
    json_str(f, r->model);
    fprintf(f, ", \"method\": ");
    json_str(f, r->method);
    fprintf(f, ", \"warmup\": %ld, \"iters\": %ld, \"threads_requested\": %ld, \"threads_used\": %ld, \"inputs\": ",
            r->warmup, r->iters, r->threads_requested, r->threads_used);
    json_str(f, r->inputs);
    fprintf(f, ", \"inputs_reset\": %s, \"timer\": \"%s\",\n \"min_ms\": %.9g, \"median_ms\": %.9g, \"p90_ms\": %.9g, "
               "\"max_ms\": %.9g, \"mean_ms\": %.9g, \"runs_per_second\": %.9g,\n \"latencies_ms\": [",
            r->consumed[0] ? "true" : "false", bench_timer, r->min, r->median, r->p90, r->max, r->mean,
            r->median > 0 ? 1000.0 / r->median : 0.0);
    for (long i = 0; i < r->iters; i++) fprintf(f, i ? ", %.6f" : "%.6f", r->ms[i]); /* whole ns */
    fprintf(f, "]}\n");
}

/* One row per timed iteration, numbered from 1 (warm-ups are not rows). */
static void bench_csv(FILE* f, const bench_report* r)
{
    fprintf(f, "iteration,latency_ms\n");
    for (long i = 0; i < r->iters; i++) fprintf(f, "%ld,%.6f\n", i + 1, r->ms[i]); /* whole ns */
}

static int write_bench(const char* path, const bench_report* r, void (*write)(FILE*, const bench_report*))
{
    FILE* f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ember: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    write(f, r);
    if (fclose(f) != 0) {
        fprintf(stderr, "ember: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Percentile p of n sorted values, interpolated linearly between neighbours (numpy's default;
 * the median of an even count is the mean of the middle two, as numpy.median computes it). */
static double percentile(const double* sorted, long n, double p)
{
    if (p == 50.0 && n % 2 == 0) return (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    double pos = p / 100.0 * (double)(n - 1);
    long lo = (long)pos;
    double frac = pos - (double)lo;
    return lo + 1 < n ? sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac : sorted[lo];
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmd_bench(int argc, char** argv)
{
    timed_args t;
    int rc = parse_timed("bench", "--iters", 50, 5, argc, argv, &t);
    if (rc != ARGS_OK) return rc;
    const long iters = t.count;
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(t.model, 1, &file, &bundle, &bundled, &prog)) return 1;
    rc = 1;
    loaded_method lm = {0};
    cli_pool pool = {0};
    timed_inputs ti;
    memset(&ti, 0, sizeof ti);
    double *ms = NULL, *sorted = NULL;
    bench_report r;
    memset(&r, 0, sizeof r);
    r.model = t.model;
    r.method = t.method;
    r.warmup = t.warmup;
    r.iters = iters;
    r.threads_requested = t.threads;
    r.inputs = ti.desc;
    if (load_method_for_run(&prog, t.model, t.method, !t.no_pack, &lm)) goto done;
    if (pool_attach(&pool, t.threads, lm.method)) goto done;
    r.threads_used = (long)ember_threadpool_threads(pool.pool);
    if (timed_inputs_open(lm.method, t.method, t.inputs.path, t.inputs.n, &ti)) goto done;
    ms = malloc((size_t)iters * sizeof *ms);
    sorted = malloc((size_t)iters * sizeof *sorted);
    if (!ms || !sorted) {
        fprintf(stderr, "ember: cannot allocate the latencies of %ld iterations\n", iters);
        goto done;
    }
    if (timed_inputs_set(lm.method, &ti, 0)) goto done;
    for (long it = 0; it < t.warmup + iters; it++) {
        if (it && timed_inputs_set(lm.method, &ti, 1)) goto done; /* the consumed ones only */
        uint64_t t0 = now_ns();
        ember_status st = ember_method_execute(lm.method);
        uint64_t t1 = now_ns();
        if (st) {
            fprintf(stderr, "ember: execute failed: %s\n", ember_method_error(lm.method));
            goto done;
        }
        if (it >= t.warmup) ms[it - t.warmup] = (double)(t1 - t0) / 1e6;
    }
    int consumed = 0;
    for (size_t i = 0; i < ti.count; i++) {
        if (!ember_method_input_consumed(lm.method, i)) continue;
        size_t n = strlen(r.consumed);
        if (n + 32 < sizeof r.consumed) snprintf(r.consumed + n, sizeof r.consumed - n, "%sinput %zu", consumed ? ", " : "", i);
        else if (n + 4 < sizeof r.consumed && strcmp(r.consumed + n - 3, "...") != 0) strcat(r.consumed, "...");
        consumed++;
    }
    memcpy(sorted, ms, (size_t)iters * sizeof *ms);
    qsort(sorted, (size_t)iters, sizeof *sorted, by_value);
    double sum = 0;
    for (long i = 0; i < iters; i++) sum += ms[i];
    r.ms = ms;
    r.min = sorted[0];
    r.max = sorted[iters - 1];
    r.median = percentile(sorted, iters, 50.0);
    r.p90 = percentile(sorted, iters, 90.0);
    r.mean = sum / (double)iters;
    bench_summary(stdout, &r);
    rc = 0;
    if (t.json_path && write_bench(t.json_path, &r, bench_json)) rc = 1;
    if (t.csv_path && write_bench(t.csv_path, &r, bench_csv)) rc = 1;
    if (!rc && (t.json_path || t.csv_path))
        printf("wrote%s%s%s%s\n", t.json_path ? " " : "", t.json_path ? t.json_path : "", t.csv_path ? " " : "", t.csv_path ? t.csv_path : "");
done:
    timed_inputs_free(&ti);
    free(ms);
    free(sorted);
    free_method(&lm);
    pool_close(&pool);
    model_close(&file);
    return rc;
}

/* ---- pte2c ----------------------------------------------------------------------------- */

/* `bytes` as the initializer of a uint8_t array, 16 per line. */
static int write_bytes(FILE* f, const uint8_t* bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fprintf(f, "%s0x%02x,%s", i % 16 ? "" : "    ", bytes[i], i % 16 == 15 || i + 1 == n ? "\n" : "") < 0)
            return -1;
    return 0;
}

/* One .npy array as NAME_<kind><i>: its bytes and its dtype / rank / shape. */
static int write_npy(FILE* f, const char* name, const char* kind, int i, const char* path)
{
    npy_array a;
    char err[512];
    if (npy_read(path, &a, err, sizeof err)) {
        fprintf(stderr, "ember: %s\n", err);
        return -1;
    }
    fprintf(f, "\n/* %s (%s, %zu bytes) */\n", path, ember_dtype_name(a.dtype), a.nbytes);
    fprintf(f, "#define %s_%s%d_DTYPE %d /* ember_dtype */\n#define %s_%s%d_DIM %zu\n", name, kind, i, a.dtype,
            name, kind, i, a.dim);
    fprintf(f, "static const int32_t %s_%s%d_sizes[%zu] = {", name, kind, i, a.dim ? a.dim : 1);
    for (size_t d = 0; d < a.dim; d++) fprintf(f, "%s%d", d ? ", " : "", (int)a.sizes[d]);
    fprintf(f, "%s};\n", a.dim ? "" : "0");
    fprintf(f, "static const uint8_t %s_%s%d[%zu] __attribute__((aligned(16))) = {\n", name, kind, i,
            a.nbytes ? a.nbytes : 1);
    const uint8_t zero = 0;
    const int rc = write_bytes(f, a.nbytes ? a.data : &zero, a.nbytes ? a.nbytes : 1);
    fprintf(f, "};\n");
    npy_free(&a);
    return rc;
}

static int cmd_pte2c(int argc, char** argv)
{
    const char *model = NULL, *out = NULL, *name_opt = NULL, *method = "forward";
    input_list inputs = {{0}, 0}, expects = {{0}, 0};
    const cli_option opts[] = {{"-o", OPT_TEXT, &out, 0, 0},
                               {"--name", OPT_TEXT, &name_opt, 0, 0},
                               {"--method", OPT_TEXT, &method, 0, 0},
                               {"--input", OPT_LIST, &inputs, 0, 0},
                               {"--expect", OPT_LIST, &expects, 0, 0},
                               {NULL, OPT_FLAG, NULL, 0, 0}};
    const int parsed = parse_args("pte2c", opts, argc, argv, &model);
    if (parsed != ARGS_OK) return parsed;
    if (!model) return usage_error("pte2c", "no model given", NULL);
    if (!out) return usage_error("pte2c", "no output file given (-o OUT.h)", NULL);
    /* the array's name: --name, or the file's base name without its extension, as a C identifier */
    char name[128];
    const char* base = strrchr(model, '/') ? strrchr(model, '/') + 1 : model;
    const char* src = name_opt ? name_opt : base;
    size_t n = 0;
    for (; src[n] && n + 1 < sizeof name && !(!name_opt && src[n] == '.'); n++) {
        const char c = src[n];
        const int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (n && c >= '0' && c <= '9');
        if (!ok && name_opt) return usage_error("pte2c", "--name takes a C identifier, not", name_opt);
        name[n] = ok ? c : '_';
    }
    name[n] = 0;
    if (!n) return usage_error("pte2c", "no array name: give --name", NULL);
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(model, 1, &file, &bundle, &bundled, &prog)) return 1;
    if (bundled) {
        fprintf(stderr, "ember: %s is a bundled program (.bpte): pte2c takes the .pte inside it only through "
                        "--input / --expect; give the plain program\n", model);
        model_close(&file);
        return 1;
    }
    ember_method_requirements req;
    ember_status st = ember_method_requirements_get(&prog, method, &req);
    if (st) {
        fprintf(stderr, "ember: %s: method '%s': %s: %s\n", model, method, ember_status_str(st), ember_program_error(&prog));
        model_close(&file);
        return 1;
    }
    FILE* f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "ember: cannot write %s: %s\n", out, strerror(errno));
        model_close(&file);
        return 1;
    }
    fprintf(f, "/* %s — written by `ember pte2c` (Ember %s) from %s (%zu bytes, method '%s').\n"
               " * Firmware: ember_program_load(&program, %s, %s_BYTES), then ember_method_load with the\n"
               " * buffers below; the array is read in place (weights are never copied). */\n",
            out, EMBER_VERSION_STRING, base, file.size, method, name, name);
    fprintf(f, "#pragma once\n#include <stddef.h>\n#include <stdint.h>\n\n");
    fprintf(f, "#define %s_BYTES %zuu\n", name, file.size);
    fprintf(f, "#define %s_METHOD \"%s\"\n", name, method);
    size_t arena = 0;
    fprintf(f, "#define %s_NUM_BUFFERS %zuu /* buffers[0] is always empty */\n", name, req.num_buffers);
    for (size_t i = 0; i < req.num_buffers; i++) {
        fprintf(f, "#define %s_BUFFER_%zu_BYTES %zuu\n", name, i, req.buffer_bytes[i]);
        arena += (req.buffer_bytes[i] + EMBER_BUFFER_ALIGN - 1) / EMBER_BUFFER_ALIGN * EMBER_BUFFER_ALIGN;
    }
    fprintf(f, "#define %s_ARENA_BYTES %zuu /* the buffers, each rounded up to EMBER_BUFFER_ALIGN */\n", name, arena);
    fprintf(f, "#define %s_NUM_INPUTS %d\n#define %s_NUM_EXPECTED %d\n\n", name, inputs.n, name, expects.n);
    fprintf(f, "static const uint8_t %s[%zu] __attribute__((aligned(16))) = {\n", name, file.size);
    int rc = write_bytes(f, file.data, file.size);
    fprintf(f, "};\n");
    for (int i = 0; !rc && i < inputs.n; i++) rc = write_npy(f, name, "input", i, inputs.path[i]);
    for (int i = 0; !rc && i < expects.n; i++) rc = write_npy(f, name, "expect", i, expects.path[i]);
    /* the arrays as tables, for a loop over the test vectors */
    for (int k = 0; !rc && k < 2; k++) {
        const char* kind = k ? "expect" : "input";
        const int count = k ? expects.n : inputs.n;
        if (!count) continue;
        fprintf(f, "\nstatic const uint8_t* const %s_%ss[%d] = {", name, kind, count);
        for (int i = 0; i < count; i++) fprintf(f, "%s%s_%s%d", i ? ", " : "", name, kind, i);
        fprintf(f, "};\nstatic const size_t %s_%s_bytes[%d] = {", name, kind, count);
        for (int i = 0; i < count; i++) fprintf(f, "%ssizeof %s_%s%d", i ? ", " : "", name, kind, i);
        fprintf(f, "};\nstatic const int %s_%s_dtypes[%d] = {", name, kind, count);
        for (int i = 0; i < count; i++) fprintf(f, "%s%s_%s%d_DTYPE", i ? ", " : "", name, kind, i);
        fprintf(f, "};\nstatic const int %s_%s_dims[%d] = {", name, kind, count);
        for (int i = 0; i < count; i++) fprintf(f, "%s%s_%s%d_DIM", i ? ", " : "", name, kind, i);
        fprintf(f, "};\nstatic const int32_t* const %s_%s_sizes[%d] = {", name, kind, count);
        for (int i = 0; i < count; i++) fprintf(f, "%s%s_%s%d_sizes", i ? ", " : "", name, kind, i);
        fprintf(f, "};\n");
    }
    if (fclose(f) || rc) {
        fprintf(stderr, "ember: writing %s failed\n", out);
        remove(out);
        rc = 1;
    }
    model_close(&file);
    return rc;
}

/* A token's string as a JSON string: quoted, with control bytes, quotes and backslashes escaped. */
static void print_token(const char* s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7F) printf("\\u%04X", c);
        else putchar(c);
    }
    putchar('"');
}

/* --decode's ids "3,14,15" into ids[] (*n of them, at most `max`). Returns 0, or the exit status
 * of the usage error. */
static int parse_ids(const char* text, int32_t* ids, size_t max, size_t* n)
{
    *n = 0;
    for (const char* p = text; *p;) {
        char* end;
        errno = 0;
        const long v = strtol(p, &end, 10);
        if (errno || end == p || v < 0 || v > INT32_MAX || (*end && *end != ',') || *n == max)
            return usage_error("tokenize", "--decode takes ids (whole numbers >= 0) separated by commas, not", text);
        ids[(*n)++] = (int32_t)v;
        p = *end ? end + 1 : end;
    }
    return 0;
}

static int cmd_tokenize(int argc, char** argv)
{
    const char *path = NULL, *text = NULL, *decode = NULL;
    int ids_only = 0, no_special = 0, stream = 0, rest = 0;
    for (int i = 0; i < argc; i++) {
        const char* a = argv[i];
        if (!rest && is_help(a)) {
            print_usage(stdout, "tokenize", 1);
            return 0;
        }
        if (!rest && strcmp(a, "--") == 0) rest = 1;
        else if (!rest && strcmp(a, "--ids") == 0) ids_only = 1;
        else if (!rest && strcmp(a, "--no-special") == 0) no_special = 1;
        else if (!rest && strcmp(a, "--stream") == 0) stream = 1;
        else if (!rest && strcmp(a, "--decode") == 0 && i + 1 == argc) return usage_error("tokenize", "missing the value of", a);
        else if (!rest && strcmp(a, "--decode") == 0) decode = argv[++i];
        else if (!rest && a[0] == '-' && a[1]) return usage_error("tokenize", "unknown option", a);
        else if (!path) path = a;
        else if (!text) text = a;
        else return usage_error("tokenize", "more than one text given:", a);
    }
    if (!path) return usage_error("tokenize", "no tokenizer.json given", NULL);
    if (decode && text) return usage_error("tokenize", "--decode takes no TEXT:", text);
    if (!decode && !text) return usage_error("tokenize", "no text given", NULL);
    if (decode && ids_only) return usage_error("tokenize", "--ids and --decode exclude each other", NULL);
    if (stream && !decode) return usage_error("tokenize", "--stream needs --decode", NULL);
    size_t n = 0;
    int32_t* ids = NULL;
    if (decode) {
        const size_t max = strlen(decode) / 2 + 1; /* each id takes a digit and a comma */
        if (!(ids = malloc(max * sizeof *ids))) {
            fprintf(stderr, "ember: cannot allocate %zu ids\n", max);
            return 1;
        }
        const int rc = parse_ids(decode, ids, max, &n);
        if (rc) {
            free(ids);
            return rc;
        }
    }
    char err[512];
    ember_tokenizer* tok = ember_tokenizer_load_file(path, err, sizeof err);
    if (!tok) {
        fprintf(stderr, "ember: cannot load %s\n", err);
        free(ids);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!ember_tokenizer_token(tok, ids[i], NULL)) {
            fprintf(stderr, "ember: id %ld is not a token of %s (%ld ids)\n", (long)ids[i], path,
                    (long)ember_tokenizer_vocab_size(tok));
            rc = 1;
        }
    }
    if (!rc && decode && stream) {
        ember_decode_stream* ds = ember_decode_stream_new(tok, no_special);
        for (size_t i = 0; ds && i < n && !rc; i++) {
            const char* piece;
            size_t len;
            if (ember_decode_stream_step(ds, ids[i], &piece, &len)) {
                fprintf(stderr, "ember: %s\n", ember_decode_stream_error(ds));
                rc = 1;
            }
            fwrite(piece, 1, len, stdout);
            fflush(stdout);
        }
        if (!ds) fprintf(stderr, "ember: out of memory decoding\n");
        rc = ds ? rc : 1;
        putchar('\n');
        ember_decode_stream_free(ds);
    } else if (!rc && decode) {
        size_t len;
        char* out = ember_tokenizer_decode(tok, ids, n, no_special, &len);
        if (out) {
            fwrite(out, 1, len, stdout);
            putchar('\n');
        } else {
            fprintf(stderr, "ember: out of memory decoding\n");
            rc = 1;
        }
        free(out);
    } else if (!rc) {
        if (ember_tokenizer_encode(tok, text, strlen(text), !no_special, &ids, &n, err, sizeof err)) {
            fprintf(stderr, "ember: cannot encode the text: %s\n", err);
            rc = 1;
        }
        for (size_t i = 0; !rc && i < n; i++) {
            if (ids_only) {
                printf("%s%ld", i ? " " : "", (long)ids[i]);
                continue;
            }
            size_t len;
            const char* s = ember_tokenizer_token(tok, ids[i], &len);
            printf("%ld\t", (long)ids[i]);
            print_token(s, len);
            putchar('\n');
        }
        if (!rc && ids_only) putchar('\n');
    }
    free(ids);
    ember_tokenizer_free(tok);
    return rc;
}

/* ---- generate ------------------------------------------------------------------------ */

/* splitmix64: the sampler's generator, seeded by --seed. */
static uint64_t next_random(uint64_t* state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct ranked {
    double p;
    int32_t id;
} ranked;

static int by_probability(const void* a, const void* b)
{
    const ranked *x = a, *y = b;
    return x->p < y->p ? 1 : x->p > y->p ? -1 : (x->id > y->id) - (x->id < y->id);
}

/* The next token from `n` logits: the largest with temperature 0 (the first of equals), else
 * drawn from softmax(logits / temperature) cut to the smallest set of most likely tokens whose
 * probability reaches top_p. `scratch` holds n entries. */
static int32_t pick_token(const float* logits, int32_t n, double temperature, double top_p,
                          uint64_t* rng, ranked* scratch)
{
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
        if (logits[i] > logits[best]) best = i;
    if (temperature <= 0.0) return best;
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        scratch[i].p = exp(((double)logits[i] - (double)logits[best]) / temperature);
        scratch[i].id = i;
        sum += scratch[i].p;
    }
    int32_t keep = n;
    if (top_p < 1.0) {
        qsort(scratch, (size_t)n, sizeof *scratch, by_probability);
        double acc = 0.0;
        for (keep = 0; keep < n && acc < top_p * sum;) acc += scratch[keep++].p;
        sum = acc;
    }
    const double u = (double)(next_random(rng) >> 11) * 0x1p-53 * sum;
    double acc = 0.0;
    for (int32_t i = 0; i < keep; i++) {
        acc += scratch[i].p;
        if (u < acc) return scratch[i].id;
    }
    return scratch[keep - 1].id;
}

/* This process's peak resident memory in bytes (Linux's VmHWM: the mapped file's pages count as
 * they are read), or 0 where unknown. */
static size_t peak_resident_bytes(void)
{
    size_t kib = 0;
    FILE* f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %zu kB", &kib) == 1) break;
    fclose(f);
    return kib * 1024;
}

static double seconds_since(const struct timespec* t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

/* The planned memory a method's requirements ask for, all buffers. */
static size_t planned_bytes(const ember_method_requirements* req)
{
    size_t total = 0;
    for (size_t i = 1; i < req->num_buffers; i++) total += req->buffer_bytes[i];
    return total;
}

/* One call of an export_llm method: tokens (1, n) at position pos; *logits the last token's. */
static int llm_step(ember_method* m, const int64_t* tokens, int64_t n, const int64_t* pos,
                    const float** logits, int32_t vocab)
{
    const int32_t tsizes[2] = {1, (int32_t)n}, psizes[1] = {1};
    ember_status st = ember_method_set_input(m, 0, EMBER_DTYPE_I64, 2, tsizes, tokens);
    if (!st) st = ember_method_set_input(m, 1, EMBER_DTYPE_I64, 1, psizes, pos);
    if (!st) st = ember_method_execute(m);
    const ember_tensor* out = NULL;
    if (!st) st = ember_method_output(m, 0, &out);
    if (st) {
        fprintf(stderr, "\nember: the model failed at position %lld: %s\n", (long long)*pos, ember_method_error(m));
        return -1;
    }
    *logits = (const float*)out->data + (out->numel - vocab); /* the last row of (1, [T,] vocab) */
    return 0;
}

static int cmd_generate(int argc, char** argv)
{
    const char *model = NULL, *tokenizer = NULL, *prompt = NULL;
    long max_new = 64, seed = 0, eos_opt = -2, threads = default_threads();
    double temperature = 0.0, top_p = 1.0;
    const cli_option opts[] = {
        {"--tokenizer", OPT_TEXT, &tokenizer, 0, 0},
        {"--prompt", OPT_TEXT, &prompt, 0, 0},
        {"--max-new-tokens", OPT_LONG, &max_new, 0, COUNT_MAX},
        {"--temperature", OPT_DOUBLE, &temperature, 0, 0},
        {"--top-p", OPT_DOUBLE, &top_p, 0, 0},
        {"--seed", OPT_LONG, &seed, 0, LONG_MAX},
        {"--eos-id", OPT_LONG, &eos_opt, -1, INT32_MAX},
        {"--threads", OPT_LONG, &threads, 1, 1024},
        {NULL, OPT_FLAG, NULL, 0, 0},
    };
    int rc = parse_args("generate", opts, argc, argv, &model);
    if (rc != ARGS_OK) return rc;
    if (!model) return usage_error("generate", "no model given", NULL);
    if (!tokenizer) return usage_error("generate", "no --tokenizer given", NULL);
    if (!prompt) return usage_error("generate", "no --prompt given", NULL);
    if (top_p <= 0.0 || top_p > 1.0) return usage_error("generate", "--top-p takes a number in (0, 1], not", argv[0]);

    char err[512];
    ember_tokenizer* tok = ember_tokenizer_load_file(tokenizer, err, sizeof err);
    if (!tok) {
        fprintf(stderr, "ember: cannot load %s\n", err);
        return 1;
    }
    model_file file;
    ember_program prog;
    ember_bundle bundle;
    int bundled;
    if (program_open(model, 1, &file, &bundle, &bundled, &prog)) {
        ember_tokenizer_free(tok);
        return 1;
    }
    rc = 1;
    loaded_method lm = {0};
    cli_pool pool = {0};
    int32_t* ids = NULL;
    int64_t* history = NULL;
    int32_t* gen = NULL; /* the tokens generated */
    size_t printed = 0;  /* bytes of their text printed */
    ranked* scratch = NULL;
    ember_decode_stream* ds = NULL;
    size_t n_ids = 0;
    if (load_method_for_run(&prog, model, "forward", 1, &lm)) goto done;
    if (pool_attach(&pool, threads, lm.method)) goto done;
    /* forward(tokens int64 (1, T <= capacity), input_pos int64 (1,)) -> logits (1, vocab) */
    const ember_value* in0 = ember_method_input(lm.method, 0);
    const ember_value* in1 = ember_method_input(lm.method, 1);
    const ember_tensor* out0 = NULL;
    if (ember_method_input_count(lm.method) != 2 || !in0 || !in1 || in0->tag != EMBER_VALUE_TENSOR ||
        in1->tag != EMBER_VALUE_TENSOR || in0->u.t->dtype != EMBER_DTYPE_I64 || in0->u.t->dim != 2 ||
        in1->u.t->dtype != EMBER_DTYPE_I64 || in1->u.t->numel != 1 ||
        ember_method_output_count(lm.method) < 1 || ember_method_output(lm.method, 0, &out0) ||
        out0->dtype != EMBER_DTYPE_F32 || out0->dim < 2) {
        fprintf(stderr, "ember: %s is not a language model with a KV cache: generate needs forward(tokens int64 "
                        "(1, T), input_pos int64 (1,)) -> float32 logits, as ember.llm.export_llm writes\n", model);
        goto done;
    }
    const int64_t capacity = (int64_t)(in0->u.t->capacity / sizeof(int64_t)); /* prompt tokens */
    const int64_t positions = llm_context_len(&prog, capacity);
    const int32_t vocab = out0->sizes[out0->dim - 1];
    const int32_t eos = eos_opt == -2 ? ember_tokenizer_eos_id(tok) : (int32_t)eos_opt;
    if (ember_tokenizer_encode(tok, prompt, strlen(prompt), 1, &ids, &n_ids, err, sizeof err)) {
        fprintf(stderr, "ember: cannot encode the prompt: %s\n", err);
        goto done;
    }
    if (n_ids == 0 || (int64_t)n_ids > capacity) {
        fprintf(stderr, "ember: the prompt is %zu tokens; the model takes 1 to %lld\n", n_ids, (long long)capacity);
        goto done;
    }
    history = malloc((size_t)positions * sizeof *history);
    gen = malloc(((size_t)positions + 1) * sizeof *gen); /* prefill's token and one per position */
    scratch = malloc((size_t)vocab * sizeof *scratch);
    ds = ember_decode_stream_new(tok, 1);
    if (!history || !gen || !scratch || !ds) {
        fprintf(stderr, "ember: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < n_ids; i++) history[i] = ids[i];
    fwrite(prompt, 1, strlen(prompt), stdout);
    fflush(stdout);

    uint64_t rng = (uint64_t)seed;
    int64_t pos = 0, made = 0;
    const float* logits;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (llm_step(lm.method, history, (int64_t)n_ids, &pos, &logits, vocab)) goto done;
    const double prefill_s = seconds_since(&t0);
    pos = (int64_t)n_ids;
    double decode_s = 0.0;
    while (made < max_new) {
        const int32_t next = pick_token(logits, vocab, temperature, top_p, &rng, scratch);
        made++;
        const char* piece;
        size_t len;
        if (ember_decode_stream_step(ds, next, &piece, &len)) {
            fprintf(stderr, "\nember: %s\n", ember_decode_stream_error(ds));
            goto done;
        }
        fwrite(piece, 1, len, stdout);
        fflush(stdout);
        printed += len;
        gen[made - 1] = next;
        if (next == eos || made == max_new || pos >= positions) break;
        history[pos] = next;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (llm_step(lm.method, history + pos, 1, &pos, &logits, vocab)) goto done;
        decode_s += seconds_since(&t0);
        pos++;
    }
    /* what the stream held back (the bytes of a character the last tokens left incomplete),
     * as decoding the whole writes it */
    size_t all_len;
    char* all = ember_tokenizer_decode(tok, gen, (size_t)made, 1, &all_len);
    if (all && all_len > printed) fwrite(all + printed, 1, all_len - printed, stdout);
    free(all);
    putchar('\n');
    fprintf(stderr, "prefill: %zu tokens in %.1f ms (%.1f tokens/s)\n", n_ids, prefill_s * 1e3,
            (double)n_ids / prefill_s);
    if (made > 1)
        fprintf(stderr, "decode: %lld tokens in %.1f ms (%.1f tokens/s)\n", (long long)(made - 1), decode_s * 1e3,
                (double)(made - 1) / decode_s);
    const size_t peak = peak_resident_bytes();
    if (peak)
        fprintf(stderr, "peak memory: %.1f MiB resident (the file %.1f MiB, planned %.1f MiB)\n", peak / 1048576.0,
                file.size / 1048576.0, (double)planned_bytes(&lm.req) / 1048576.0);
    rc = 0;
done:
    ember_decode_stream_free(ds);
    free(scratch);
    free(gen);
    free(history);
    free(ids);
    free_method(&lm);
    pool_close(&pool);
    model_close(&file);
    ember_tokenizer_free(tok);
    return rc;
}

int main(int argc, char** argv)
{
    /* Ethos-U programs load (inspect, pte2c) and run their CPU parts; with no NPU driver on the
     * host, a run stops at the first such delegate with "no Ethos-U driver". */
    ember_ethos_u_register();
    if (argc < 2) return usage_error(NULL, NULL, NULL);
    const char* cmd = argv[1];
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "inspect") == 0) return cmd_inspect(argc - 2, argv + 2);
    if (strcmp(cmd, "test-bundle") == 0) return cmd_test_bundle(argc - 2, argv + 2);
    if (strcmp(cmd, "profile") == 0) return cmd_profile(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc - 2, argv + 2);
    if (strcmp(cmd, "pte2c") == 0) return cmd_pte2c(argc - 2, argv + 2);
    if (strcmp(cmd, "tokenize") == 0) return cmd_tokenize(argc - 2, argv + 2);
    if (strcmp(cmd, "generate") == 0) return cmd_generate(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        const cli_option none[] = {{NULL, OPT_FLAG, NULL, 0, 0}};
        const int rc = parse_args("version", none, argc - 2, argv + 2, NULL);
        if (rc != ARGS_OK) return rc;
        char cpu[512];
        ember_cpu_features_str(ember_cpu_features(), cpu, sizeof cpu);
        printf("ember %s\ncpu features: %s\n", EMBER_VERSION_STRING, cpu[0] ? cpu : "(none detected)");
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || is_help(cmd)) {
        const char* topic = argc > 2 ? argv[2] : NULL;
        if (topic && is_help(topic)) topic = strcmp(cmd, "help") == 0 ? "help" : NULL;
        if (topic && !is_command(topic)) return usage_error(NULL, "no help for", topic);
        print_usage(stdout, topic, 1);
        return 0;
    }
    return usage_error(NULL, "unknown command", cmd);
}
