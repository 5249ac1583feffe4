/* rng.h — the C tests' random numbers: a 64-bit linear congruential generator (Knuth's MMIX
 * constants), so every run of a test draws the same cases. The including file defines the state
 * first, with its own seed:
 *
 *     static uint64_t rng = 0x9e3779b97f4a7c15u;
 *     #include "tests/c/rng.h"
 */
#ifndef EMBER_TEST_RNG_H
#define EMBER_TEST_RNG_H

#include <stdint.h>

static inline uint64_t rng_next(void)
{
    rng = rng * 6364136223846793005u + 1442695040888963407u;
    return rng;
}

/* In [0, n). */
static inline uint32_t rnd(uint32_t n) { return (uint32_t)(rng_next() >> 33) % n; }

/* In [-1, 1), 24 bits. */
static inline float uniform(void)
{
    return (float)((double)(rng_next() >> 40) / (double)(1u << 23) - 1.0);
}

#endif
