/* program.h — what the method loader needs from a verified program (internal). */
#ifndef EMBER_FORMAT_PROGRAM_H
#define EMBER_FORMAT_PROGRAM_H

#include <stdarg.h>

#include "ember/ember.h"
#include "runtime/core/format.h" /* EMBER_MESSAGE */
#include "runtime/format/flatbuffer.h"

/* The flatbuffer part of the file. */
static inline fb_buf ember_program_fb(const ember_program* p)
{
    fb_buf b = {p->data, p->fb_size};
    return b;
}

/* Writes a printf-style message into the program's error and returns `status`. */
ember_status(ember_program_fail)(const ember_program* p, ember_status status, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#if EMBER_MESSAGES
/* The same with the arguments as a va_list (a caller's own fail function). */
ember_status ember_program_vfail(const ember_program* p, ember_status status, const char* fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;
#define ember_program_fail(p, status, ...) (ember_program_fail)((p), (status), __VA_ARGS__)
#else
/* Without messages nothing is ever written into a program's error, which program load leaves
 * "": a failure is its status alone (and the many returns of one status fold into one). */
#define ember_program_fail(p, status, ...) ((void)(p), (ember_status)(status))
#endif

/* Finds the execution plan called `name`. */
ember_status ember_program_find_plan(const ember_program* p, const char* name, fb_table* plan);

/* Bytes of constant `index` (data_buffer_idx): checks that `nbytes` fit and that they lie
 * `align`-aligned in memory. */
ember_status ember_program_constant(const ember_program* p, uint32_t index, size_t nbytes,
                                    size_t align, const void** out);

/* Bytes of segment `index`. */
ember_status ember_program_segment(const ember_program* p, uint32_t index, const void** out,
                                   size_t* bytes);

/* Bytes of inline delegate data `index`. */
ember_status ember_program_inline_delegate(const ember_program* p, uint32_t index,
                                           const void** out, size_t* bytes);

#endif
