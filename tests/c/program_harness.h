/* program_harness.h — reading program files and loading methods into static memory, as firmware
 * would, for the C tests that run whole programs (test_runtime.c, test_untrusted.c). */
#ifndef EMBER_TEST_PROGRAM_HARNESS_H
#define EMBER_TEST_PROGRAM_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

#include "ember/ember.h"

#define FIXTURES "tests/data/fixtures/"
#define REGRESS "tests/data/regress/"

/* The whole file in a 64-byte aligned malloc'ed block (free it); NULL if it cannot be read. */
static void* th_read_file(const char* path, size_t* size)
{
    FILE* f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s (run from the repo root)\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void* p = n >= 0 ? aligned_alloc(64, ((size_t)n + 64) / 64 * 64) : NULL;
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return p;
}

/* Static memory for methods, as firmware would use. */
static uint8_t th_book[1 << 20] __attribute__((aligned(16)));
static uint8_t th_arena[4 << 20] __attribute__((aligned(64)));

/* Loads method `name` into th_book and th_arena (one method at a time). */
static ember_status th_load(ember_program* prog, const char* name, ember_method** m)
{
    ember_method_requirements req;
    ember_status st = ember_method_requirements_get(prog, name, &req);
    if (st) return st;
    void* buffers[EMBER_MAX_BUFFERS] = {0};
    size_t used = 0;
    for (size_t i = 1; i < req.num_buffers; i++) {
        buffers[i] = th_arena + used;
        used += (req.buffer_bytes[i] + 63) / 64 * 64;
    }
    if (used > sizeof th_arena || req.bookkeeping_bytes > sizeof th_book) return EMBER_MEMORY_TOO_SMALL;
    return ember_method_load(prog, name, th_book, req.bookkeeping_bytes, buffers, req.num_buffers, m);
}

#endif
