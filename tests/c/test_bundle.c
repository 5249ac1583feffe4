/* test_bundle.c — the bundled-program API on ExecuTorch-written .bpte files
 * (tests/data/bundled_*.bpte, made by tests/data/make_bundled_files.py):
 *   - the wrapper loads, the program inside loads, every case of int_bool (ints and bools:
 *     exact) passes with zero tolerance; mlp_wrong's case 1, whose stored output the generator
 *     moved by 1.0, fails with one mismatch and an error of 1;
 *   - values read back as stored (count, kind, shape);
 *   - mismatched use (another method's outputs, wrong counts) is refused with a message;
 *   - the wrapper truncated at every length, and each of its first bytes flipped, loads with an
 *     error or runs its cases: never a crash (this test runs under the sanitizers too). */
#include <stdint.h>
#include <string.h>

#include "ember/ember.h"
#include "tests/c/check.h"
#include "tests/c/program_harness.h"

#define DATA "tests/data/"

/* Runs every case of a loaded bundle; counts passes. Returns the first failing status. */
static ember_status run_cases(ember_bundle* b, double rtol, double atol, int* passed, int* cases,
                              ember_bundle_check* last)
{
    ember_program prog;
    ember_status st = ember_program_load(&prog, b->program, b->program_size);
    if (st) return st;
    *passed = *cases = 0;
    for (size_t s = 0; s < ember_bundle_suite_count(b); s++) {
        const char* name = ember_bundle_suite_method(b, s);
        ember_method* m;
        if (!name) return EMBER_MALFORMED_PROGRAM;
        if ((st = th_load(&prog, name, &m))) return st;
        for (size_t c = 0; c < ember_bundle_case_count(b, s); c++) {
            (*cases)++;
            if ((st = ember_bundle_set_inputs(b, s, c, m))) return st;
            if ((st = ember_method_execute(m))) return st;
            if ((st = ember_bundle_check_outputs(b, s, c, m, rtol, atol, last))) return st;
            *passed += last->passed;
        }
        ember_method_destroy(m);
    }
    return EMBER_OK;
}

static void test_int_bool_exact(void)
{
    size_t size;
    void* file = th_read_file(DATA "bundled_int_bool.bpte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_bundle b;
    CHECK(ember_bundle_identify(file, size));
    CHECK(ember_bundle_load(&b, file, size) == EMBER_OK);
    CHECK(ember_bundle_suite_count(&b) == 1 && strcmp(ember_bundle_suite_method(&b, 0), "forward") == 0);
    CHECK(ember_bundle_case_count(&b, 0) == 2);
    CHECK(ember_bundle_input_count(&b, 0, 0) == 3 && ember_bundle_expected_count(&b, 0, 0) == 8);
    ember_bundle_value v;
    CHECK(ember_bundle_input(&b, 0, 0, 0, &v) == EMBER_OK && v.tag == EMBER_VALUE_TENSOR && v.data != NULL);
    CHECK(ember_bundle_input(&b, 0, 0, 3, &v) == EMBER_INVALID_ARGUMENT);
    CHECK(ember_bundle_input(&b, 0, 2, 0, &v) == EMBER_INVALID_ARGUMENT);
    CHECK(ember_bundle_suite_method(&b, 1) == NULL && ember_bundle_case_count(&b, 1) == 0);
    int passed, cases;
    ember_bundle_check check;
    CHECK(run_cases(&b, 0.0, 0.0, &passed, &cases, &check) == EMBER_OK);
    CHECK(passed == 2 && cases == 2);
    CHECK(check.outputs == 8 && check.mismatches == 0 && check.max_abs_error == 0.0);
    /* A .pte loader given the bundle says what it is. */
    ember_program prog;
    CHECK(ember_program_load(&prog, file, size) == EMBER_MALFORMED_PROGRAM);
    CHECK(strstr(ember_program_error(&prog), "ember_bundle_load") != NULL);
    free(file);
}

static void test_wrong_case_fails(void)
{
    size_t size;
    void* file = th_read_file(DATA "bundled_mlp_wrong.bpte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_bundle b;
    CHECK(ember_bundle_load(&b, file, size) == EMBER_OK);
    int passed, cases;
    ember_bundle_check check;
    CHECK(run_cases(&b, EMBER_BUNDLE_RTOL, EMBER_BUNDLE_ATOL, &passed, &cases, &check) == EMBER_OK);
    CHECK(cases == 2 && passed == 1);
    CHECK(!check.passed && check.mismatches == 1 && check.worst_output == 0);
    CHECK(check.max_abs_error > 0.999 && check.max_abs_error < 1.001);
    free(file);
}

/* Truncations at every length and flips of the wrapper's bytes before the program. */
static void test_corrupt_wrappers(void)
{
    size_t size;
    uint8_t* file = th_read_file(DATA "bundled_scale_shift.bpte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_bundle b;
    CHECK(ember_bundle_load(&b, file, size) == EMBER_OK);
    size_t head = (size_t)(b.program - file); /* the wrapper's tables come before the program */
    uint8_t* copy = aligned_alloc(64, (size + 63) / 64 * 64);
    int loaded = 0, refused = 0;
    for (size_t n = 0; n < size; n += n < head + 64 ? 1 : 97) {
        memcpy(copy, file, n);
        ember_status st = ember_bundle_load(&b, copy, n);
        if (st) {
            refused++;
            CHECK(ember_bundle_error(&b)[0] != 0);
        } else {
            loaded++;
        }
    }
    CHECK(refused > 0);
    int ran = 0;
    for (size_t i = 0; i < head + 48 && i < size; i++) {
        memcpy(copy, file, size);
        copy[i] ^= 0xA5;
        if (ember_bundle_load(&b, copy, size)) continue;
        int passed, cases;
        ember_bundle_check check;
        run_cases(&b, EMBER_BUNDLE_RTOL, EMBER_BUNDLE_ATOL, &passed, &cases, &check);
        ran++;
    }
    CHECK(ran > 0);
    printf("corrupt bundles: %d truncations refused, %d loaded; %zu flips, %d still ran\n", refused, loaded, head + 48, ran);
    free(copy);
    free(file);
}

int main(void)
{
    test_int_bool_exact();
    test_wrong_case_fails();
    test_corrupt_wrappers();
    return check_report("test_bundle");
}
