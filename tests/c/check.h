/* check.h — the C tests' tiny harness. CHECK records a failure and goes on; a test binary
 * prints "N passed, N failed" and exits non-zero if anything failed, so ctest fails. */
#ifndef EMBER_TEST_CHECK_H
#define EMBER_TEST_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        if (cond) {                                                                             \
            check_passed++;                                                                     \
        } else {                                                                                \
            check_failed++;                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                                       \
    } while (0)

/* |got - want| <= tol for n floats; reports the first mismatch. */
#define CHECK_NEAR_F32(got, want, n, tol)                                                       \
    do {                                                                                        \
        const float* g_ = (got);                                                                \
        const float* w_ = (want);                                                               \
        int ok_ = 1;                                                                            \
        for (long k_ = 0; k_ < (long)(n); k_++) {                                               \
            if (!(fabsf(g_[k_] - w_[k_]) <= (tol))) {                                           \
                fprintf(stderr, "%s:%d: [%ld] got %.8g want %.8g (tol %g)\n", __FILE__,         \
                        __LINE__, k_, (double)g_[k_], (double)w_[k_], (double)(tol));           \
                ok_ = 0;                                                                        \
                break;                                                                          \
            }                                                                                   \
        }                                                                                       \
        CHECK(ok_ && #got);                                                                     \
    } while (0)

/* |got - want| <= tol * max(1, |want|), NaN matching NaN; reports the first mismatch. */
static inline void expect_close_f32(const float* got, const float* want, long n, double tol,
                             const char* what)
{
    for (long i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        bool ok = (isnan(g) && isnan(w)) || g == w || fabs(g - w) <= tol * fmax(1.0, fabs(w));
        if (!ok) {
            fprintf(stderr, "%s: [%ld] got %.9g want %.9g\n", what, i, g, w);
            CHECK(!what);
            return;
        }
    }
    CHECK(what);
}
static inline void expect_close_f64(const double* got, const double* want, long n, double tol,
                             const char* what)
{
    for (long i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        bool ok = (isnan(g) && isnan(w)) || g == w || fabs(g - w) <= tol * fmax(1.0, fabs(w));
        if (!ok) {
            fprintf(stderr, "%s: [%ld] got %.17g want %.17g\n", what, i, g, w);
            CHECK(!what);
            return;
        }
    }
    CHECK(what);
}
/* Exact comparison of int64 values; reports the first mismatch with both values. */
static inline void expect_i64(const int64_t* got, const int64_t* want, int n, const char* what)
{
    for (int i = 0; i < n; i++)
        if (got[i] != want[i]) {
            fprintf(stderr, "%s: [%d] got %lld want %lld\n", what, i, (long long)got[i],
                    (long long)want[i]);
            CHECK(!what);
            return;
        }
    CHECK(what);
}

/* Exact comparison for integer and bool outs. */
static inline void expect_bytes(const void* got, const void* want, size_t bytes, const char* what)
{
    if (memcmp(got, want, bytes) != 0) {
        fprintf(stderr, "%s: integer/bool result differs\n", what);
        CHECK(!what);
        return;
    }
    CHECK(what);
}

static inline int check_report(const char* name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
