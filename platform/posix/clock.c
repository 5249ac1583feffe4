/* clock.c — the host's monotonic clock, for profilers (ember_clock_monotonic_ns). The runtime
 * itself never reads a clock; a bare-metal build leaves platform/posix out. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */

#include <time.h>

#include "ember/ember.h"

uint64_t ember_clock_monotonic_ns(void* user)
{
    (void)user;
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
