/* ethos_u.h — the Arm Ethos-U NPU delegate: runs the `EthosUBackend` delegates that ExecuTorch's
 * Arm backend writes (a Vela-compiled command stream in a `vela_bin_stream` blob).
 *
 * Firmware links libember_ethos_u (backends/ethos_u/ethos_u.c) and, before loading a program:
 *
 *   ember_ethos_u_set_driver(my_invoke, &my_npu);  // the one hook: run a command stream
 *   ember_ethos_u_set_fast_scratch(sram, bytes);    // only for Vela's Dedicated_Sram memory mode
 *   ember_ethos_u_register();
 *
 * Without a driver a program still loads (inspection: `ember inspect`), and a run fails at the
 * delegate with EMBER_NOT_SUPPORTED, "no Ethos-U driver". docs/npu.md has the memory map and a
 * sketch of the hook over Arm's ethos-u-core-driver.
 *
 * Memory: the command stream and the weights are used in place in the program's bytes (flash;
 * 16-byte aligned, checked at load). The NPU's scratch (the activations, the delegate's inputs
 * and outputs at the offsets Vela chose) is part of the method's bookkeeping block, so
 * ember_method_requirements_get counts it and the caller places it (in SRAM the NPU can reach).
 * Nothing is allocated. */
#ifndef EMBER_ETHOS_U_H
#define EMBER_ETHOS_U_H

#include "ember/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMBER_ETHOS_U_NAME "EthosUBackend" /* the backend id ExecuTorch writes */

/* The base-address regions the command stream names, as ExecuTorch's runtime lays them out for
 * Vela's output: the driver gets base_addrs[i] / base_sizes[i] for each. */
enum {
    EMBER_ETHOS_U_REGION_WEIGHTS = 0,      /* weight_data, in the program's bytes (read only) */
    EMBER_ETHOS_U_REGION_SCRATCH = 1,      /* scratch: activations, inputs and outputs */
    EMBER_ETHOS_U_REGION_FAST_SCRATCH = 2, /* ember_ethos_u_set_fast_scratch's memory (or 0, 0) */
    EMBER_ETHOS_U_NUM_REGIONS = 3
};

/* The platform's NPU invoke: run `cmd` (cmd_bytes, 16-byte aligned, in the program's bytes)
 * with the num_regions base addresses and sizes above, synchronously; return 0 when the NPU
 * finished without error, anything else on failure (the delegate then fails with
 * EMBER_DELEGATE_FAILED and the code in the method's error). The arrays live for the call only.
 * Ethos-U addresses are the CPU's on the usual Corstone memory maps; a platform whose NPU sees
 * memory elsewhere translates them here. `user` is what ember_ethos_u_set_driver was given.
 * Several methods executing at once call it concurrently: the driver serialises (Arm's driver
 * reserves an NPU per call). */
typedef int (*ember_ethos_u_invoke_fn)(void* user, const void* cmd, size_t cmd_bytes,
                                       const uint64_t* base_addrs, const size_t* base_sizes,
                                       int num_regions);

/* Sets the process-wide driver hook (NULL: none; executes then fail). Set it before executing;
 * the delegate reads it at each execute, so it may be set after the program is loaded. */
void ember_ethos_u_set_driver(ember_ethos_u_invoke_fn invoke, void* user);

/* The memory of region 2, Vela's "fast scratch": the SRAM cache of its Dedicated_Sram memory
 * mode (U65/U85 with the arena in DRAM, sized by Vela's --arena-cache-size). ExecuTorch's
 * defaults (Shared_Sram for U55, Sram_Only for U85) leave it unused. The blob does not record
 * how much it needs, so this is the firmware's to size, as ExecuTorch's ethosu_fast_scratch;
 * unset, region 2 is (0, 0), as in ExecuTorch. */
void ember_ethos_u_set_fast_scratch(void* mem, size_t bytes);

/* Registers the backend under EMBER_ETHOS_U_NAME (ember_backend_register's status). */
ember_status ember_ethos_u_register(void);
/* The backend itself, e.g. to register it under another name in a test. */
const ember_backend* ember_ethos_u_backend(void);

/* ---- the blob, for inspection, tests and the fuzzer ------------------------------------- */

#define EMBER_ETHOS_U_SHAPE_DIMS 6   /* Vela's IO shapes have six dims */
#define EMBER_ETHOS_U_MAX_IOS 64     /* inputs, and outputs, per delegate: more is refused */
#define EMBER_ETHOS_U_MAX_SCRATCH ((size_t)1 << 30) /* larger scratch sizes are refused */

typedef struct ember_ethos_u_io {
    int32_t shape[EMBER_ETHOS_U_SHAPE_DIMS]; /* each >= 0 */
    int32_t elem_size;                       /* 1, 2 or 4 */
    int32_t offset;                          /* in the scratch region, >= 0 */
    int32_t region;                          /* EMBER_ETHOS_U_REGION_SCRATCH */
    size_t bytes;                            /* elem_size * product of shape, inside scratch */
} ember_ethos_u_io;

/* A checked vela_bin_stream: pointers into the blob. */
typedef struct ember_ethos_u_blob {
    const uint8_t* cmd;     /* the command stream ("COP1"/"COP2"...) */
    size_t cmd_bytes;
    const uint8_t* weights; /* NULL when weight_bytes is 0 */
    size_t weight_bytes;
    size_t scratch_bytes;
    uint32_t num_inputs, num_outputs;
    const uint8_t* inputs;  /* the records (9 little-endian int32 each); ember_ethos_u_blob_io */
    const uint8_t* outputs;
} ember_ethos_u_blob;

/* Parses and checks a whole vela_bin_stream (docs/npu.md, "What Ember checks"): blocks named,
 * sized and ordered as ExecuTorch writes them, each required one present once, none external,
 * 16-byte alignment of the blob in memory, counts within EMBER_ETHOS_U_MAX_IOS, shapes
 * non-negative with byte sizes that do not overflow, element sizes 1, 2 or 4, and every
 * input's and output's bytes inside scratch. EMBER_MALFORMED_PROGRAM (or EMBER_NOT_SUPPORTED
 * for what is valid but beyond Ember: external blocks, IO outside the scratch region) and a
 * reason in msg (msg_bytes, may be 0) on failure; msg is "" on success. */
ember_status ember_ethos_u_parse(const void* blob, size_t blob_bytes, ember_ethos_u_blob* out,
                                 char* msg, size_t msg_bytes);

/* Input (is_output 0) or output `index` of a parsed blob; EMBER_OUT_OF_RANGE past the end. */
ember_status ember_ethos_u_blob_io(const ember_ethos_u_blob* blob, int is_output, uint32_t index,
                                   ember_ethos_u_io* io);

#ifdef __cplusplus
}
#endif

#endif /* EMBER_ETHOS_U_H */
