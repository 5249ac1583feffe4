/* test_shim.h — force-included (-include) ahead of one of Ember's host C tests (tests/c/) built
 * as firmware: its text goes out through semihosting and its formatting through Ember's own
 * formatter (newlib's printf family would pull in malloc), and its main becomes
 * ember_test_main, which test_main.c runs. */
#ifndef EMBER_FW_TEST_SHIM_H
#define EMBER_FW_TEST_SHIM_H

#include <stdio.h> /* declared before the names below are taken over */

#include "platform.h"
#include "runtime/core/format.h"

#define fprintf(stream, ...) ember_fw_printf_full(__VA_ARGS__)
#define printf(...) ember_fw_printf_full(__VA_ARGS__)
#define snprintf ember_snprintf
#define main ember_test_main

#endif
