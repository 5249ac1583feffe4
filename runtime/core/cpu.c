/* cpu.c — which CPU features this process may use, detected at run time.
 *
 * x86 (gcc/clang): cpuid leaves 1 and 7 (subleaves 0 and 1) say what the CPU has; XCR0 (xgetbv)
 * says which register states the OS saves: YMM for AVX/AVX2/FMA/F16C/AVX-VNNI, opmask and ZMM
 * for AVX-512, tile config and data for AMX. A feature counts only with both. (On Linux a
 * process must still ask for AMX tiles with arch_prctl before using them.)
 * aarch64 Linux: getauxval(AT_HWCAP / AT_HWCAP2). Arm M-profile: __ARM_FEATURE_MVE and the DSP
 * extension's __ARM_FEATURE_SIMD32 (bare metal has nothing to ask at run time). Elsewhere: no
 * features, and only portable kernels run. */
#include <string.h>

#include "ember/ember.h"
#include "runtime/core/format.h"

#define BIT(f) EMBER_CPU_BIT(EMBER_CPU_##f)

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t detect(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    uint64_t f = 0;
    if (c >> 19 & 1) f |= BIT(SSE4_1);
    const int osxsave = c >> 27 & 1, avx = c >> 28 & 1, fma = c >> 12 & 1, f16c = c >> 29 & 1;
    const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const int ymm = (xcr0 & 0x6) == 0x6;            /* XMM and YMM state */
    const int zmm = ymm && (xcr0 & 0xe0) == 0xe0;   /* opmask, ZMM0-15 upper halves, ZMM16-31 */
    const int tiles = (xcr0 & 0x60000) == 0x60000;  /* XTILECFG and XTILEDATA */
    if (ymm && avx) f |= BIT(AVX);
    if (ymm && avx && fma) f |= BIT(FMA);
    if (ymm && avx && f16c) f |= BIT(F16C);
    unsigned max_leaf = __get_cpuid_max(0, NULL);
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        const unsigned subleaves = a;
        if (ymm && avx && (b >> 5 & 1)) f |= BIT(AVX2);
        if (zmm && (b >> 16 & 1)) {
            f |= BIT(AVX512F);
            if (b >> 17 & 1) f |= BIT(AVX512DQ);
            if (b >> 30 & 1) f |= BIT(AVX512BW);
            if (b >> 31 & 1) f |= BIT(AVX512VL);
            if (c >> 11 & 1) f |= BIT(AVX512_VNNI);
        }
        if (tiles && (d >> 24 & 1)) {
            f |= BIT(AMX_TILE);
            if (d >> 25 & 1) f |= BIT(AMX_INT8);
            if (d >> 22 & 1) f |= BIT(AMX_BF16);
        }
        if (subleaves >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            if (ymm && avx && (a >> 4 & 1)) f |= BIT(AVX_VNNI);
            if ((f & BIT(AVX512F)) && (a >> 5 & 1)) f |= BIT(AVX512_BF16);
        }
    }
    return f;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>

static uint64_t detect(void)
{
    /* Linux's arch/arm64 hwcap bits, spelled out: older libc headers lack some names. */
    const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    uint64_t f = 0;
    if (hw >> 1 & 1) f |= BIT(ASIMD);
    if (hw >> 10 & 1) f |= BIT(ASIMDHP);
    if (hw >> 20 & 1) f |= BIT(ASIMDDP);
    if (hw >> 22 & 1) f |= BIT(SVE);
    if (hw2 >> 1 & 1) f |= BIT(SVE2);
    if (hw2 >> 13 & 1) f |= BIT(I8MM);
    if (hw2 >> 14 & 1) f |= BIT(BF16);
    return f;
}

#else
static uint64_t detect(void)
{
    uint64_t f = 0;
#if defined(__ARM_FEATURE_MVE)
    f |= BIT(HELIUM);
#endif
#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
    f |= BIT(DSP);
#endif
    return f;
}
#endif

/* Detected once: cpuid and xgetbv (getauxval on aarch64) cost tens of microseconds each inside
 * a virtual machine (a VM exit), and kernels ask at every prepare (for a dynamic-shape method,
 * before every run). Bit 63, which no feature uses, marks the cached value as set; the race of
 * two first calls stores the same value. Bare metal knows its features at compile time. */
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
#define DETECTED ((uint64_t)1 << 63)
static _Atomic uint64_t detected;

uint64_t ember_cpu_features(void)
{
    uint64_t f = atomic_load_explicit(&detected, memory_order_relaxed);
    if (!(f & DETECTED)) {
        f = detect() | DETECTED;
        atomic_store_explicit(&detected, f, memory_order_relaxed);
    }
    return f & ~DETECTED;
}
#else
uint64_t ember_cpu_features(void) { return detect(); }
#endif

const char* ember_cpu_feature_name(ember_cpu_feature feature)
{
    switch (feature) {
#define EMBER_CPU_FEATURE(name, bit, text) case EMBER_CPU_##name: return text;
#include "ember/cpu_feature.inc"
#undef EMBER_CPU_FEATURE
    }
    return NULL;
}

size_t ember_cpu_features_str(uint64_t mask, char* buf, size_t bytes)
{
    size_t n = 0;
    int full = 0; /* a name did not fit: buf holds the names before it, nothing after */
    if (bytes) buf[0] = 0;
    for (int bit = 0; bit < 64; bit++) {
        const char* name = (mask >> bit & 1) ? ember_cpu_feature_name((ember_cpu_feature)bit) : NULL;
        if (!name) continue;
        const size_t len = strlen(name) + (n ? 1 : 0);
        if (!full && n + len < bytes) ember_snprintf(buf + n, bytes - n, n ? " %s" : "%s", name);
        else full = 1;
        n += len;
    }
    return n;
}
