/* replay_main.c — runs a libFuzzer target over files without libFuzzer: each argument is a file
 * (or a directory of files) handed once to LLVMFuzzerTestOneInput. `make test` uses it to replay
 * the seed corpus and every regression file under the sanitizers; a crash fails the test.
 *
 *   replay_fuzz_X [--mutate N] FILE|DIR...
 *
 * With --mutate N, a target that has a LLVMFuzzerCustomMutator (fuzz_struct) also runs N
 * mutants of each file (seeds 1..N, so the mutants are the same on every machine): a short,
 * reproducible structure-aware run that needs no libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) __attribute__((weak));
size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

/* libFuzzer's byte mutator, for custom mutators that fall back to it: here one byte of the
 * input gets one of a few values. */
size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
{
    static uint32_t state = 12345;
    static const uint8_t values[] = {0x00, 0xff, 0x7f, 0x80, 0x01};
    (void)max_size;
    if (!size) return size;
    state = state * 1103515245u + 12345u;
    data[(state >> 8) % size] = values[(state >> 4) % sizeof values];
    return size;
}

static int mutants;

static int replay_file(const char* path)
{
    FILE* f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t* buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        fclose(f);
        return 1;
    }
    fclose(f);
    size_t size = (size_t)(n > 0 ? n : 0);
    fprintf(stderr, "Running: %s\n", path);
    LLVMFuzzerTestOneInput(buf, size);
    if (mutants && LLVMFuzzerCustomMutator && size) {
        uint8_t* m = malloc(size);
        for (int k = 1; m && k <= mutants; k++) {
            memcpy(m, buf, size);
            size_t len = LLVMFuzzerCustomMutator(m, size, size, (unsigned)k);
            LLVMFuzzerTestOneInput(m, len);
        }
        free(m);
    }
    free(buf);
    return 0;
}

int main(int argc, char** argv)
{
    int failures = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mutate") == 0 && i + 1 < argc) {
            mutants = atoi(argv[++i]);
            continue;
        }
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: no such file %s\n", argv[i]);
            failures++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failures += replay_file(argv[i]);
            files++;
            continue;
        }
        DIR* d = opendir(argv[i]);
        struct dirent* e;
        while (d && (e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (e->d_name[0] == '.' || (len > 3 && strcmp(e->d_name + len - 3, ".md") == 0)) continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            failures += replay_file(path);
            files++;
        }
        if (d) closedir(d);
    }
    printf("replay: %d files, %d unreadable\n", files, failures);
    return failures ? 1 : 0;
}
