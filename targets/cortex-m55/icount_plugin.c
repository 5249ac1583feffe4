/* icount_plugin.c — a QEMU TCG plugin (built for the host, loaded with -plugin) that counts the
 * guest instructions executed between two addresses: from each time the guest reaches `start=`
 * to the next time it reaches `end=` (function entries: bench.sh passes ember_method_execute's
 * and the next call's). QEMU models no cycles; instructions are the cost measure of the
 * firmware benchmark. At exit it prints "icount: total T windows W inside I", then
 * "icount-window K N" for each of the first MAX_WINDOWS windows in order (K from 0).
 *
 * Written against QEMU's plugin API version 1 (QEMU 7.x; Debian's qemu-system-arm loads plugins
 * but installs no header), declaring only the calls it uses: a translation callback that adds
 * each block's instruction count to a counter inline when the block runs, and an instruction
 * callback at the two addresses that reads the counter. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t; /* only passed by pointer */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb* tb, enum qemu_plugin_op op,
                                              void* ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void* userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);
void qemu_plugin_outs(const char* string);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

/* One vCPU (a Cortex-M): plain counters. */
#define MAX_WINDOWS 4096
static uint64_t total, at_start, inside, windows, start_addr, end_addr;
static uint64_t each[MAX_WINDOWS];
static int open_window;

static void at_marker(unsigned int vcpu, void* which)
{
    (void)vcpu;
    if (which == &start_addr) {
        at_start = total;
        open_window = 1;
    } else if (open_window) {
        inside += total - at_start;
        if (windows < MAX_WINDOWS) each[windows] = total - at_start;
        windows++;
        open_window = 0;
    }
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb* tb)
{
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t at = qemu_plugin_insn_vaddr(insn);
        /* the counter already holds this block's instructions: the window's ends are block
         * entries (function entries), so it counts from start's block to end's block */
        if (at == start_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, at_marker, QEMU_PLUGIN_CB_NO_REGS, &start_addr);
        if (at == end_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, at_marker, QEMU_PLUGIN_CB_NO_REGS, &end_addr);
    }
}

static void finished(qemu_plugin_id_t id, void* userdata)
{
    (void)id, (void)userdata;
    char line[160];
    snprintf(line, sizeof line, "icount: total %" PRIu64 " windows %" PRIu64 " inside %" PRIu64 "\n",
             total, windows, inside);
    qemu_plugin_outs(line);
    for (uint64_t k = 0; k < windows && k < MAX_WINDOWS; k++) {
        snprintf(line, sizeof line, "icount-window %" PRIu64 " %" PRIu64 "\n", k, each[k]);
        qemu_plugin_outs(line);
    }
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "start=", 6) == 0) start_addr = strtoull(argv[i] + 6, NULL, 0);
        else if (strncmp(argv[i], "end=", 4) == 0) end_addr = strtoull(argv[i] + 4, NULL, 0);
        else {
            fprintf(stderr, "icount_plugin: unknown argument '%s' (start=ADDR, end=ADDR)\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
    qemu_plugin_register_atexit_cb(id, finished, NULL);
    return 0;
}
