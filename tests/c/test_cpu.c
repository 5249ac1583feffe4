/* test_cpu.c — CPU feature detection: every listed feature has a unique name, detection is
 * stable, and ember_cpu_features_str follows snprintf's contract. (Whether the detected set is
 * the CPU's is checked against /proc/cpuinfo in tests/python/test_cpu.py.) */
#include <string.h>

#include "ember/ember.h"
#include "tests/c/check.h"

static const ember_cpu_feature all[] = {
#define EMBER_CPU_FEATURE(name, bit, text) EMBER_CPU_##name,
#include "ember/cpu_feature.inc"
#undef EMBER_CPU_FEATURE
};
#define NUM_FEATURES (sizeof all / sizeof all[0])

static void names(void)
{
    uint64_t seen = 0;
    for (size_t i = 0; i < NUM_FEATURES; i++) {
        CHECK((int)all[i] >= 0 && (int)all[i] < 64);
        CHECK(!(seen & EMBER_CPU_BIT(all[i]))); /* one bit per feature */
        seen |= EMBER_CPU_BIT(all[i]);
        const char* n = ember_cpu_feature_name(all[i]);
        CHECK(n != NULL && n[0] != 0 && strchr(n, ' ') == NULL);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(n, ember_cpu_feature_name(all[j])) != 0);
    }
    for (int bit = 0; bit < 64; bit++)
        if (!(seen >> bit & 1)) CHECK(ember_cpu_feature_name((ember_cpu_feature)bit) == NULL);
}

static void detection(void)
{
    const uint64_t f = ember_cpu_features();
    CHECK(f == ember_cpu_features());
    uint64_t known = 0;
    for (size_t i = 0; i < NUM_FEATURES; i++) known |= EMBER_CPU_BIT(all[i]);
    CHECK((f & ~known) == 0);
#if defined(__x86_64__)
    /* What x86 kernels rely on: AVX-512F implies AVX2 and FMA here (XCR0 ZMM implies YMM). */
    if (f & EMBER_CPU_BIT(EMBER_CPU_AVX512F)) CHECK(f & EMBER_CPU_BIT(EMBER_CPU_AVX2));
    if (f & EMBER_CPU_BIT(EMBER_CPU_AVX2)) CHECK(f & EMBER_CPU_BIT(EMBER_CPU_AVX));
    CHECK((f & EMBER_CPU_BIT(EMBER_CPU_ASIMD)) == 0);
#endif
#if defined(__aarch64__) && defined(__linux__)
    CHECK(f & EMBER_CPU_BIT(EMBER_CPU_ASIMD)); /* every aarch64 Linux CPU has NEON */
#endif
}

static void to_string(void)
{
    const uint64_t mask = EMBER_CPU_BIT(EMBER_CPU_AVX2) | EMBER_CPU_BIT(EMBER_CPU_FMA) |
                          EMBER_CPU_BIT(EMBER_CPU_ASIMDDP) | ((uint64_t)1 << 63); /* 63: no feature */
    char buf[64];
    CHECK(ember_cpu_features_str(mask, buf, sizeof buf) == strlen("fma avx2 asimddp"));
    CHECK(strcmp(buf, "fma avx2 asimddp") == 0);
    CHECK(ember_cpu_features_str(mask, buf, 9) == 16); /* "fma avx2" fits 9 bytes exactly */
    CHECK(strcmp(buf, "fma avx2") == 0);
    CHECK(ember_cpu_features_str(mask, buf, 6) == 16); /* truncated before " avx2": nothing after */
    CHECK(strcmp(buf, "fma") == 0);
    buf[0] = 'x';
    CHECK(ember_cpu_features_str(mask, buf, 0) == 16 && buf[0] == 'x'); /* bytes 0: untouched */
    CHECK(ember_cpu_features_str(0, buf, sizeof buf) == 0 && buf[0] == 0);
}

int main(void)
{
    names();
    detection();
    to_string();
    return check_report("test_cpu");
}
