/* test_threads.c — one program, many threads. `make test-tsan` runs it under ThreadSanitizer.
 *
 * The documented rule: a loaded program is read-only, so methods loaded from it may execute
 * concurrently, each in its own memory; method loads on one program must not overlap (they
 * write the program's error buffer), so they happen one after another on the main thread.
 *
 * For each of two programs (ExecuTorch's LeNet and the runtime's MLP fixture), loaded once:
 * THREADS method instances are loaded on the main thread, plus one for a single-threaded
 * reference run on two input patterns. Then THREADS workers per program execute their own
 * instance RUNS times concurrently, alternating the two patterns, and every output must equal
 * the reference bit for bit; meanwhile another thread keeps calling the program's read-only
 * queries (method count, names, specs, constant bytes) and checks their answers never change.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember/ember.h"
#include "tests/c/check.h"

#define THREADS 4
#define RUNS 40
#define PATTERNS 2
#define MAX_OUT_BYTES (1u << 16)

typedef struct instance {
    ember_method* m;
    void* book;
    void* buffers[EMBER_MAX_BUFFERS];
} instance;

typedef struct program_case {
    const char* path;
    void* file;
    size_t size;
    ember_program prog;
    size_t input_bytes;                /* input 0: the only input of both models */
    float* inputs[PATTERNS];           /* (input_bytes) per pattern */
    uint8_t* ref[PATTERNS];            /* every output's bytes back to back */
    size_t ref_bytes;
} program_case;

typedef struct worker {
    program_case* pc;
    instance inst;
    int index;
    int failures;   /* execute or set_input errors */
    int mismatches; /* outputs that differ from the reference */
} worker;

static atomic_int workers_running;

static void* read_file(const char* path, size_t* size)
{
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void* data = n > 0 ? aligned_alloc(64, ((size_t)n + 63) / 64 * 64) : NULL;
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

static int load_instance(ember_program* prog, instance* in)
{
    memset(in, 0, sizeof *in);
    ember_method_requirements req;
    if (ember_method_requirements_get(prog, "forward", &req) != EMBER_OK) return -1;
    in->book = malloc(req.bookkeeping_bytes);
    for (size_t i = 1; i < req.num_buffers; i++)
        in->buffers[i] = aligned_alloc(64, (req.buffer_bytes[i] + 63) / 64 * 64 + 64);
    return ember_method_load(prog, "forward", in->book, req.bookkeeping_bytes, in->buffers, req.num_buffers, &in->m) == EMBER_OK ? 0 : -1;
}

static void free_instance(instance* in)
{
    ember_method_destroy(in->m);
    free(in->book);
    for (size_t i = 0; i < EMBER_MAX_BUFFERS; i++) free(in->buffers[i]);
}

/* Sets input 0 to pattern p, executes, and writes every output's bytes to `out` (NULL: just
 * count them). Returns the bytes, or 0 on failure. */
static size_t run(program_case* pc, instance* in, int p, uint8_t* out)
{
    const ember_value* v = ember_method_input(in->m, 0);
    if (!v || v->tag != EMBER_VALUE_TENSOR) return 0;
    const ember_tensor* t = v->u.t;
    if (ember_method_set_input(in->m, 0, (ember_dtype)t->dtype, t->dim, t->sizes, pc->inputs[p]) != EMBER_OK) return 0;
    if (ember_method_execute(in->m) != EMBER_OK) return 0;
    size_t used = 0;
    for (size_t o = 0; o < ember_method_output_count(in->m); o++) {
        const ember_tensor* y;
        if (ember_method_output(in->m, o, &y) != EMBER_OK) return 0;
        if (used + y->nbytes > MAX_OUT_BYTES) return 0;
        if (out) memcpy(out + used, y->data, y->nbytes);
        used += y->nbytes;
    }
    return used;
}

static void* worker_main(void* arg)
{
    worker* w = arg;
    uint8_t* got = malloc(MAX_OUT_BYTES);
    for (int r = 0; got && r < RUNS; r++) {
        int p = (r + w->index) % PATTERNS;
        size_t n = run(w->pc, &w->inst, p, got);
        if (n != w->pc->ref_bytes)
            w->failures++;
        else if (memcmp(got, w->pc->ref[p], n) != 0)
            w->mismatches++;
    }
    free(got);
    atomic_fetch_sub(&workers_running, 1);
    return NULL;
}

/* What the read-only queries answer; the query thread compares against a snapshot. */
typedef struct answers {
    size_t methods;
    const char* name0;
    const char* in_spec;
    const char* out_spec;
    size_t constant_bytes;
} answers;

static answers ask(const ember_program* prog)
{
    answers a;
    memset(&a, 0, sizeof a);
    a.methods = ember_program_method_count(prog);
    a.name0 = ember_program_method_name(prog, 0);
    if (ember_program_method_spec(prog, 0, &a.in_spec, &a.out_spec) != EMBER_OK) a.in_spec = a.out_spec = NULL;
    a.constant_bytes = ember_program_constant_bytes(prog);
    (void)ember_program_method_name(prog, a.methods); /* out of range: NULL */
    return a;
}

typedef struct query_job {
    program_case* cases;
    int num_cases;
    answers want[2];
    long rounds;
    int changed;
} query_job;

static void* query_main(void* arg)
{
    query_job* q = arg;
    while (atomic_load(&workers_running) > 0) {
        for (int c = 0; c < q->num_cases; c++) {
            answers a = ask(&q->cases[c].prog);
            if (memcmp(&a, &q->want[c], sizeof a) != 0 || strlen(a.name0) == 0) q->changed++;
        }
        q->rounds++;
    }
    return NULL;
}

static int setup_case(program_case* pc)
{
    pc->file = read_file(pc->path, &pc->size);
    CHECK(pc->file != NULL);
    if (!pc->file) return -1;
    ember_status st = ember_program_load(&pc->prog, pc->file, pc->size);
    if (st) fprintf(stderr, "%s: %s\n", pc->path, ember_program_error(&pc->prog));
    CHECK(st == EMBER_OK);
    if (st) return -1;
    instance ref;
    if (load_instance(&pc->prog, &ref) != 0) {
        fprintf(stderr, "%s: %s\n", pc->path, ember_program_error(&pc->prog));
        CHECK(!"reference method loads");
        return -1;
    }
    const ember_tensor* t = ember_method_input(ref.m, 0)->u.t;
    pc->input_bytes = t->nbytes;
    for (int p = 0; p < PATTERNS; p++) {
        pc->inputs[p] = malloc(t->nbytes);
        for (int64_t i = 0; i < t->numel; i++) pc->inputs[p][i] = (float)sin(0.37 * (double)i + p) * (p ? 2.0f : 1.0f);
        pc->ref[p] = malloc(MAX_OUT_BYTES);
        size_t n = run(pc, &ref, p, pc->ref[p]);
        CHECK(n > 0);
        CHECK(p == 0 || n == pc->ref_bytes);
        pc->ref_bytes = n;
    }
    CHECK(memcmp(pc->ref[0], pc->ref[1], pc->ref_bytes) != 0); /* the patterns give different outputs */
    free_instance(&ref);
    return 0;
}

int main(void)
{
    program_case cases[2] = {{.path = "tests/data/et_lenet.pte"}, {.path = "tests/data/fixtures/mlp.pte"}};
    worker workers[2][THREADS];
    query_job q = {.cases = cases, .num_cases = 2};
    for (int c = 0; c < 2; c++) {
        if (setup_case(&cases[c]) != 0) return check_report("test_threads");
        q.want[c] = ask(&cases[c].prog);
        /* Method loads on one program, one after another, on this thread. */
        for (int i = 0; i < THREADS; i++) {
            workers[c][i] = (worker){.pc = &cases[c], .index = i};
            CHECK(load_instance(&cases[c].prog, &workers[c][i].inst) == 0);
        }
    }

    pthread_t threads[2][THREADS], query;
    atomic_store(&workers_running, 2 * THREADS);
    CHECK(pthread_create(&query, NULL, query_main, &q) == 0);
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[c][i], NULL, worker_main, &workers[c][i]) == 0);
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < THREADS; i++) pthread_join(threads[c][i], NULL);
    pthread_join(query, NULL);

    for (int c = 0; c < 2; c++)
        for (int i = 0; i < THREADS; i++) {
            if (workers[c][i].failures || workers[c][i].mismatches)
                fprintf(stderr, "%s thread %d: %d failed runs, %d results differ from the single-threaded run\n",
                        cases[c].path, i, workers[c][i].failures, workers[c][i].mismatches);
            CHECK(workers[c][i].failures == 0);
            CHECK(workers[c][i].mismatches == 0);
            free_instance(&workers[c][i].inst);
        }
    CHECK(q.changed == 0);
    CHECK(q.rounds > 0);
    printf("test_threads: %d threads x %d runs on each of 2 programs, %ld rounds of program queries beside them\n",
           THREADS, RUNS, q.rounds);
    for (int c = 0; c < 2; c++) {
        for (int p = 0; p < PATTERNS; p++) {
            free(cases[c].inputs[p]);
            free(cases[c].ref[p]);
        }
        free(cases[c].file);
    }
    return check_report("test_threads");
}
