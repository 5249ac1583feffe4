/* fuzz_execute.c — libFuzzer target: a .pte from untrusted bytes through the whole runtime.
 *
 * Loads the program (from read-only memory), then for up to four methods: asks the
 * requirements, loads two instances into memory of exactly that size, sets every input (a mix
 * of ordinary values, NaN, infinities and integer extremes; scalars first get NaN, inf and
 * 1e300), executes, reads every output byte, and checks that executing again without setting
 * the inputs either fails with EMBER_INPUT_NOT_SET or equals a run that set them; then runs
 * again with zeros and with small values. See harness.h for every check. Any status is fine;
 * a crash, an out-of-bounds access, undefined behaviour (under ASan and UBSan with
 * -fno-sanitize-recover=all) or a failed check is a bug. Built with -fsanitize=fuzzer by
 * `make fuzz`, and with replay_main.c (no libFuzzer) to replay files in `make test`. */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz_execute_program(data, size);
    return 0;
}
