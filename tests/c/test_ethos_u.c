/* test_ethos_u.c — the Ethos-U delegate (backends/ethos_u/ethos_u.c) without an NPU:
 *   - ember_ethos_u_parse on blobs built here: a valid one, then each way a blob can be wrong
 *     (truncated at every length, names, order, lengths, external blocks, alignment, counts,
 *     shapes, element sizes, regions, IO outside scratch or overlapping), each refused with its
 *     status and a message naming the problem;
 *   - ExecuTorch's own Ethos-U programs (tests/data/ethosu_*.pte, make_et_ethosu_files.py) loaded
 *     and run with a recording driver hook that checks every pointer and size it is handed
 *     (command stream and weights in the program's bytes, equal to the blob's; scratch inside the
 *     method's bookkeeping block; the input bytes the CPU part quantized at their offsets) and
 *     writes a known pattern into each output, which must come out of the method's outputs
 *     (dequantized by the CPU part: an exact affine image of the pattern);
 *   - the layouts prepare maps (straight, an output padded in its last dim, NCHW against NHWC)
 *     and what it refuses, on copies of those programs with an IO record changed;
 *   - execute without a driver, and with a driver that fails.
 * The command stream itself never runs: no Ethos-U (or Corstone FVP) is available here. */
#include "check.h"
#include "program_harness.h"

#include "ember/ethos_u.h"

/* ---- blobs built here ------------------------------------------------------------------- */

typedef struct io_rec {
    int32_t shape[6], elem, offset, region;
} io_rec;

typedef struct blob_spec {
    const char* names[10]; /* block names in order (NULL ends); default ExecuTorch's */
    uint32_t cmd_bytes, weight_bytes, scratch;
    int32_t num_in, num_out;     /* counts written */
    io_rec in[4], out[4];        /* records written (min(count, 4)) */
    uint8_t external_block;      /* 1 + block index to flag external, 0 none */
    uint8_t external_value;
    const char* magic;
    int32_t len_delta_block;     /* 1 + block index whose length field is off by len_delta */
    int32_t len_delta;
    uint32_t scratch_block_bytes; /* 0: 4 */
    uint32_t start_bytes;        /* data in the vela_bin_stream block */
    bool in_count_set;           /* write in_count as the inputs' count, num_in records */
    int32_t in_count;
    bool outputs_empty;          /* an outputs block of 0 bytes */
} blob_spec;

static const char* const et_names[] = {"vela_bin_stream", "cmd_data", "weight_data", "scratch_size",
                                       "inputs", "outputs", "vela_end_stream", NULL};

static void put32(uint8_t* p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes the blob into out (16-aligned), returns its size. */
static size_t build(const blob_spec* s, uint8_t* out, size_t cap)
{
    size_t at = 0;
    const char* const* names = s->names[0] ? s->names : et_names;
    for (int k = 0; names[k]; k++) {
        const char* n = names[k];
        uint8_t data[1024] = {0};
        size_t len = 0;
        if (!strcmp(n, "cmd_data")) {
            len = s->cmd_bytes;
            memcpy(data, s->magic ? s->magic : "COP1", 4);
            for (size_t i = 4; i < len; i++) data[i] = (uint8_t)i;
        } else if (!strcmp(n, "weight_data")) {
            len = s->weight_bytes;
            for (size_t i = 0; i < len; i++) data[i] = (uint8_t)(3 * i + 1);
        } else if (!strcmp(n, "scratch_size")) {
            len = s->scratch_block_bytes ? s->scratch_block_bytes : 4;
            put32(data, s->scratch);
        } else if (!strcmp(n, "inputs") || !strcmp(n, "outputs")) {
            int is_out = n[0] == 'o';
            int32_t c = is_out ? s->num_out : s->num_in;
            const io_rec* r = is_out ? s->out : s->in;
            put32(data, (uint32_t)(!is_out && s->in_count_set ? s->in_count : c));
            len = 4;
            if (is_out && s->outputs_empty) c = 0, len = 0;
            for (int32_t i = 0; i < c && i < 4; i++) {
                for (int d = 0; d < 6; d++) put32(data + len + 4 * d, (uint32_t)r[i].shape[d]);
                put32(data + len + 24, (uint32_t)r[i].elem);
                put32(data + len + 28, (uint32_t)r[i].offset);
                put32(data + len + 32, (uint32_t)r[i].region);
                len += 36;
            }
        } else if (!strcmp(n, "vela_bin_stream")) {
            len = s->start_bytes;
        }
        uint8_t* h = out + at;
        memset(h, 0, 32);
        memcpy(h, n, strlen(n) < 16 ? strlen(n) : 16);
        uint32_t field = (uint32_t)len;
        if (s->len_delta_block == k + 1) field = (uint32_t)((int64_t)len + s->len_delta);
        put32(h + 16, field);
        if (s->external_block == k + 1) h[20] = s->external_value;
        memcpy(h + 32, data, len);
        size_t padded = (len + 15) / 16 * 16;
        memset(h + 32 + len, 0, padded - len);
        at += 32 + padded;
        if (at > cap) return 0;
    }
    return at;
}

static blob_spec good(void)
{
    blob_spec s;
    memset(&s, 0, sizeof s);
    s.cmd_bytes = 40;
    s.weight_bytes = 20;
    s.scratch = 256;
    s.num_in = 2;
    s.num_out = 1;
    s.in[0] = (io_rec){{1, 1, 1, 2, 4, 4}, 1, 0, 1};   /* 32 bytes at 0 */
    s.in[1] = (io_rec){{1, 1, 1, 1, 1, 8}, 2, 32, 1};  /* 16 bytes at 32 */
    s.out[0] = (io_rec){{1, 1, 1, 1, 2, 5}, 4, 64, 1}; /* 40 bytes at 64 */
    return s;
}

static uint8_t blob_mem[4096] __attribute__((aligned(16)));

/* Builds spec s and parses it: the status, with the message in msg. */
static ember_status parse_spec(const blob_spec* s, char* msg, size_t n, ember_ethos_u_blob* b)
{
    size_t size = build(s, blob_mem, sizeof blob_mem);
    ember_ethos_u_blob tmp;
    return ember_ethos_u_parse(blob_mem, size, b ? b : &tmp, msg, n);
}

#define EXPECT_REFUSED(spec, status, needle)                                                  \
    do {                                                                                      \
        char m_[256];                                                                         \
        ember_status st_ = parse_spec(&(spec), m_, sizeof m_, NULL);                          \
        CHECK(st_ == (status));                                                               \
        CHECK(strstr(m_, (needle)) != NULL);                                                  \
        if (st_ != (status) || !strstr(m_, (needle)))                                         \
            fprintf(stderr, "  got %s: '%s' (want '%s')\n", ember_status_str(st_), m_, needle); \
    } while (0)

static void test_parse_good(void)
{
    blob_spec s = good();
    char msg[256] = "x";
    ember_ethos_u_blob b;
    size_t size = build(&s, blob_mem, sizeof blob_mem);
    CHECK(ember_ethos_u_parse(blob_mem, size, &b, msg, sizeof msg) == EMBER_OK);
    CHECK(msg[0] == 0);
    CHECK(b.cmd == blob_mem + 64 && b.cmd_bytes == 40 && !memcmp(b.cmd, "COP1", 4));
    CHECK(b.weights == blob_mem + 64 + 48 + 32 && b.weight_bytes == 20);
    CHECK(b.scratch_bytes == 256 && b.num_inputs == 2 && b.num_outputs == 1);
    ember_ethos_u_io io;
    CHECK(ember_ethos_u_blob_io(&b, 0, 1, &io) == EMBER_OK && io.bytes == 16 && io.offset == 32 && io.elem_size == 2);
    CHECK(ember_ethos_u_blob_io(&b, 1, 0, &io) == EMBER_OK && io.bytes == 40 && io.shape[5] == 5);
    CHECK(ember_ethos_u_blob_io(&b, 1, 1, &io) == EMBER_OUT_OF_RANGE);
    CHECK(ember_ethos_u_blob_io(&b, 0, 2, &io) == EMBER_OUT_OF_RANGE);

    /* Every proper prefix (a multiple of 16 or not) is refused, never read past. */
    for (size_t n = 0; n < size; n++) {
        static uint8_t cut[4096] __attribute__((aligned(16)));
        memcpy(cut, blob_mem, n);
        CHECK(ember_ethos_u_parse(n ? cut : NULL, n, &b, msg, sizeof msg) == EMBER_MALFORMED_PROGRAM);
    }
    /* COP2 is the other magic; no weights is fine; an IO of zero elements is fine;
     * an IO ending exactly at scratch's end is fine; input and output may share bytes. */
    s.magic = "COP2";
    s.weight_bytes = 0;
    s.in[1].shape[5] = 0;
    s.out[0].offset = 256 - 40;
    s.in[0].offset = 256 - 40;
    CHECK(parse_spec(&s, msg, sizeof msg, &b) == EMBER_OK && b.weights == NULL && b.weight_bytes == 0);
    if (msg[0]) fprintf(stderr, "  %s\n", msg);
}

static void test_parse_bad(void)
{
    blob_spec s;
    char msg[256];
    ember_ethos_u_blob b;

    /* misaligned: the NPU reads in place */
    s = good();
    size_t size = build(&s, blob_mem, sizeof blob_mem);
    static uint8_t shifted[4096 + 16] __attribute__((aligned(16)));
    memcpy(shifted + 8, blob_mem, size);
    CHECK(ember_ethos_u_parse(shifted + 8, size, &b, msg, sizeof msg) == EMBER_NOT_SUPPORTED);
    CHECK(strstr(msg, "not 16-byte aligned") != NULL);
    CHECK(ember_ethos_u_parse(blob_mem, size - 8, &b, msg, sizeof msg) == EMBER_MALFORMED_PROGRAM);
    CHECK(strstr(msg, "not a multiple of 16") != NULL);
    /* bytes after the end block */
    memset(blob_mem + size, 0, 16);
    CHECK(ember_ethos_u_parse(blob_mem, size + 16, &b, msg, sizeof msg) == EMBER_MALFORMED_PROGRAM);
    CHECK(strstr(msg, "follow the vela_end_stream") != NULL);
    CHECK(ember_ethos_u_parse(blob_mem, size, NULL, msg, sizeof msg) == EMBER_INVALID_ARGUMENT);

    /* names: unknown, prefix-alike, out of order, repeated, missing */
    s = good();
    const char* bad_name[] = {"vela_bin_stream", "cmd_dat", "weight_data", "scratch_size", "inputs", "outputs", "vela_end_stream", NULL};
    memcpy(s.names, bad_name, sizeof bad_name);
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "unknown name 'cmd_dat'");
    const char* long_name[] = {"vela_bin_stream", "cmd_dataX", "weight_data", "scratch_size", "inputs", "outputs", "vela_end_stream", NULL};
    memcpy(s.names, long_name, sizeof long_name);
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "unknown name 'cmd_dataX'");
    const char* order[] = {"vela_bin_stream", "weight_data", "cmd_data", "scratch_size", "inputs", "outputs", "vela_end_stream", NULL};
    memcpy(s.names, order, sizeof order);
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "'weight_data' where 'cmd_data' was expected");
    const char* twice[] = {"vela_bin_stream", "cmd_data", "cmd_data", "weight_data", "scratch_size", "inputs", "outputs", "vela_end_stream"};
    memcpy(s.names, twice, sizeof twice);
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "'cmd_data' where 'weight_data' was expected");
    const char* missing[] = {"vela_bin_stream", "cmd_data", "weight_data", "scratch_size", "inputs", "vela_end_stream", NULL};
    memset(s.names, 0, sizeof s.names);
    memcpy(s.names, missing, sizeof missing);
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "'vela_end_stream' where 'outputs' was expected");
    const char* no_end[] = {"vela_bin_stream", "cmd_data", "weight_data", "scratch_size", "inputs", "outputs", NULL};
    memset(s.names, 0, sizeof s.names);
    memcpy(s.names, no_end, sizeof no_end);
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "where block 'vela_end_stream' was expected");

    /* lengths and flags */
    s = good();
    s.len_delta_block = 2, s.len_delta = 1 << 20; /* cmd_data claims 1 MiB */
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "block 'cmd_data' claims");
    s.len_delta = -1000; /* wraps to ~4 GiB */
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "block 'cmd_data' claims");
    s = good();
    s.external_block = 3, s.external_value = 1;
    EXPECT_REFUSED(s, EMBER_NOT_SUPPORTED, "block 'weight_data' is external");
    s.external_value = 7;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "external flag 7");
    s = good();
    s.start_bytes = 16;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "start and end blocks must be empty");
    s = good();
    s.magic = "XOP1";
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "magic COP1 or COP2");
    s.magic = NULL, s.cmd_bytes = 4;
    CHECK(parse_spec(&s, msg, sizeof msg, NULL) == EMBER_OK);
    s = good();
    s.scratch_block_bytes = 8;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "scratch_size holds 8 bytes");
    s = good();
    s.scratch = 0xffffffffu;
    EXPECT_REFUSED(s, EMBER_NOT_SUPPORTED, "scratch of 4294967295 bytes");

    /* counts */
    s = good();
    s.num_in = 1000000000;
    EXPECT_REFUSED(s, EMBER_NOT_SUPPORTED, "1000000000 inputs");
    s.num_in = -1;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "-1 inputs");
    s = good();
    s.in_count_set = true, s.in_count = 3; /* two records */
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "block 'inputs' holds 76 bytes for 3 records (112 expected)");
    s.in_count = 1;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "block 'inputs' holds 76 bytes for 1 records (40 expected)");
    s = good();
    s.num_out = 0;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "no outputs");
    s = good();
    s.outputs_empty = true;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "block 'outputs' has no count");

    /* IO records */
    s = good();
    s.in[0].shape[4] = -4;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "input 0 has a negative size -4 in dim 4");
    s = good();
    for (int d = 0; d < 6; d++) s.out[0].shape[d] = INT32_MAX; /* the product overflows 64 bits */
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "output 0's bytes (offset 64, at least 4611686018427387904 bytes) lie outside");
    s = good();
    s.in[1].elem = 3;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "input 1 has element size 3");
    s.in[1].elem = 0;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "input 1 has element size 0");
    s = good();
    s.out[0].region = 2;
    EXPECT_REFUSED(s, EMBER_NOT_SUPPORTED, "output 0 lives in region 2");
    s.out[0].region = 0;
    EXPECT_REFUSED(s, EMBER_NOT_SUPPORTED, "output 0 lives in region 0");
    s.out[0].region = -5;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "output 0 lives in region -5");
    s = good();
    s.in[0].offset = -16;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "input 0 has a negative offset -16");
    s = good();
    s.out[0].offset = 256 - 39; /* one byte past scratch */
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "output 0's bytes (offset 217, 40 bytes) lie outside the scratch region (256 bytes)");
    s.out[0].offset = INT32_MAX;
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "lie outside the scratch region");
    s = good();
    s.in[1].offset = 31; /* overlaps input 0's last byte */
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "input 0 [0, +32) and input 1 [31, +16) overlap");
    s = good();
    s.num_out = 2;
    s.out[1] = (io_rec){{1, 1, 1, 1, 1, 4}, 4, 100, 1}; /* inside output 0's [64, 104) */
    EXPECT_REFUSED(s, EMBER_MALFORMED_PROGRAM, "output 0 [64, +40) and output 1 [100, +16) overlap");
}

/* ---- ExecuTorch's programs and the recording driver ------------------------------------- */

#define MAX_BLOBS 4

typedef struct recorder {
    const uint8_t* file;
    size_t file_bytes;
    const uint8_t* book;
    size_t book_bytes;
    ember_ethos_u_blob blobs[MAX_BLOBS]; /* the file's vela_bin_streams, in file order */
    int num_blobs;
    int calls, seen[MAX_BLOBS];
    int rc;                   /* what the hook returns */
    const float* x;           /* the method's float input (delegate 0 gets it quantized) */
    const uint32_t* in_map;   /* scratch input element i comes from x[in_map[i]] (NULL: i) */
    int32_t out_bytes_seen[MAX_BLOBS];
    int bad;                  /* checks failed inside the hook */
    bool quiet;               /* a test expects failures: count them, print nothing */
} recorder;

static recorder rec;

#define HOOK_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            rec.bad++;                                                                \
            if (!rec.quiet) fprintf(stderr, "%s:%d: hook check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

static bool inside(const void* p, size_t n, const void* base, size_t base_n)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && n <= base_n && a - b <= base_n - n;
}

/* Output pattern: byte k of output region of blob j. */
static uint8_t pattern(int j, size_t k) { return (uint8_t)(k * 37 + 11 + 5 * j); }

static int recording_invoke(void* user, const void* cmd, size_t cmd_bytes, const uint64_t* base, const size_t* sizes,
                            int num_regions)
{
    HOOK_CHECK(user == &rec);
    rec.calls++;
    HOOK_CHECK(num_regions == EMBER_ETHOS_U_NUM_REGIONS);
    int j = -1;
    for (int i = 0; i < rec.num_blobs; i++)
        if (rec.blobs[i].cmd == cmd) j = i;
    HOOK_CHECK(j >= 0);
    if (j < 0 || num_regions != 3) return rec.rc;
    const ember_ethos_u_blob* b = &rec.blobs[j];
    rec.seen[j]++;
    /* the command stream and weights in place, in the program's bytes, as the blob says */
    HOOK_CHECK(cmd_bytes == b->cmd_bytes && inside(cmd, cmd_bytes, rec.file, rec.file_bytes));
    HOOK_CHECK((uintptr_t)cmd % 16 == 0 && !memcmp(cmd, "COP", 3));
    const uint8_t* w = (const uint8_t*)(uintptr_t)base[0];
    HOOK_CHECK(w == b->weights && sizes[0] == b->weight_bytes);
    HOOK_CHECK(!b->weight_bytes || (inside(w, sizes[0], rec.file, rec.file_bytes) && (uintptr_t)w % 16 == 0));
    /* scratch: 16-aligned, inside the method's bookkeeping block, of the blob's size */
    uint8_t* scratch = (uint8_t*)(uintptr_t)base[1];
    HOOK_CHECK(sizes[1] == b->scratch_bytes && inside(scratch, sizes[1], rec.book, rec.book_bytes));
    HOOK_CHECK((uintptr_t)scratch % 16 == 0);
    HOOK_CHECK(base[2] == 0 && sizes[2] == 0); /* no fast scratch set */
    /* delegate 0 reads the method's input quantized by the CPU: quantizing is monotonic, so
     * the int8 bytes at the input's offset are ordered as the floats they came from */
    if (j == 0 && rec.x) {
        ember_ethos_u_io io;
        ember_ethos_u_blob_io(b, 0, 0, &io);
        const int8_t* q = (const int8_t*)(scratch + io.offset);
        size_t n = io.bytes, bad = 0;
        for (size_t a = 0; a + 1 < n; a++) {
            float xa = rec.x[rec.in_map ? rec.in_map[a] : a], xb = rec.x[rec.in_map ? rec.in_map[a + 1] : a + 1];
            if ((xa < xb && q[a] > q[a + 1]) || (xa > xb && q[a] < q[a + 1])) bad++;
        }
        HOOK_CHECK(bad == 0);
        if (bad && !rec.quiet) fprintf(stderr, "  delegate 0 of the program: %zu of %zu input bytes out of order\n", bad, n);
        /* not all one value: the input really arrived */
        size_t distinct = 0;
        for (size_t a = 1; a < n; a++) distinct += q[a] != q[0];
        HOOK_CHECK(n < 2 || distinct > 0);
    }
    for (uint32_t k = 0; k < b->num_outputs; k++) {
        ember_ethos_u_io io;
        ember_ethos_u_blob_io(b, 1, k, &io);
        for (size_t a = 0; a < io.bytes; a++) scratch[io.offset + a] = pattern(j, a);
        rec.out_bytes_seen[j] += (int32_t)io.bytes;
    }
    return rec.rc;
}

/* Finds the file's vela_bin_streams (their blocks start at 16-byte multiples of the file, and
 * the parser says where each ends). */
static void find_blobs(const uint8_t* file, size_t size)
{
    rec.num_blobs = 0;
    for (size_t at = 0; at + 32 <= size && rec.num_blobs < MAX_BLOBS; at += 16) {
        if (memcmp(file + at, "vela_bin_stream", 16) != 0) continue;
        /* the end: the first vela_end_stream block after it */
        for (size_t e = at + 32; e + 32 <= size; e += 16)
            if (!memcmp(file + e, "vela_end_stream", 16)) {
                ember_ethos_u_blob b;
                char msg[200];
                ember_status st = ember_ethos_u_parse(file + at, e + 32 - at, &b, msg, sizeof msg);
                CHECK(st == EMBER_OK);
                if (st) fprintf(stderr, "  blob at %zu: %s\n", at, msg);
                else rec.blobs[rec.num_blobs++] = b;
                at = e;
                break;
            }
    }
}

typedef struct fixture {
    const char* name;
    int delegates;
    int32_t in_sizes[4];
} fixture;

static const fixture fixtures[] = {
    {"ethosu_cnn_u55", 1, {1, 3, 16, 16}},   {"ethosu_cnn_u85", 1, {1, 3, 16, 16}},
    {"ethosu_ds_cnn_u55", 2, {1, 1, 49, 10}}, {"ethosu_ds_cnn_u85", 1, {1, 1, 49, 10}},
    {"ethosu_split_u55", 2, {1, 2, 8, 8}},   {"ethosu_split_u85", 2, {1, 2, 8, 8}},
};

static float xin[4096];

static void fill_input(size_t n)
{
    uint32_t r = 12345;
    for (size_t i = 0; i < n; i++) {
        r = r * 1664525u + 1013904223u;
        xin[i] = (float)((int32_t)(r >> 8) % 2000) / 500.0f; /* [-4, 4), distinct enough */
    }
}

/* Loads a program's forward; file bytes patched by `patch` (NULL: none). Returns the method or
 * NULL (with the status in *st). */
static ember_method* load_fixture(const char* name, uint8_t** file_out, size_t* size_out, ember_program* prog,
                                  ember_status* st, void (*patch)(uint8_t* file, size_t size))
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/%s.pte", name);
    size_t size;
    uint8_t* file = th_read_file(path, &size);
    CHECK(file != NULL);
    *file_out = file;
    *size_out = size;
    if (!file) return NULL;
    if (patch) patch(file, size);
    *st = ember_program_load(prog, file, size);
    if (*st) return NULL;
    ember_method* m = NULL;
    *st = th_load(prog, "forward", &m);
    rec.file = file;
    rec.file_bytes = size;
    rec.book = th_book;
    ember_method_requirements req;
    if (ember_method_requirements_get(prog, "forward", &req) == EMBER_OK) rec.book_bytes = req.bookkeeping_bytes;
    return *st ? NULL : m;
}

/* The method's float output 0 must be an affine image of blob `j`'s output pattern: the CPU
 * dequantized exactly the bytes the hook wrote, in order (padded: the first `inner` bytes of
 * each row of `row`). */
static void check_affine(const ember_tensor* out, int j, size_t inner, size_t row)
{
    CHECK(out->dtype == EMBER_DTYPE_F32);
    const float* y = out->data;
    size_t n = (size_t)out->numel;
    /* find two points with different pattern bytes to fix scale and zero point */
    size_t a = 0, b = 1;
    int8_t pa = (int8_t)pattern(j, 0), pb = (int8_t)pattern(j, row > inner ? 1 : 1);
    double scale = (y[b] - y[a]) / (double)(pb - pa);
    double zp = pa - y[a] / scale;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = row > inner ? (i / inner) * row + i % inner : i;
        double want = ((int8_t)pattern(j, k) - zp) * scale;
        if (fabs(y[i] - want) > 1e-4 * fmax(1.0, fabs(want))) bad++;
    }
    CHECK(scale != 0 && bad == 0);
    if (bad) fprintf(stderr, "  %zu of %zu outputs are not the pattern's image\n", bad, n);
}

static void test_programs(void)
{
    CHECK(ember_ethos_u_register() == EMBER_OK);
    CHECK(ember_backend_find("EthosUBackend") == ember_ethos_u_backend());
    for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
        const fixture* fx = &fixtures[f];
        ember_program prog;
        uint8_t* file;
        size_t size;
        ember_status st;
        ember_ethos_u_set_driver(NULL, NULL);
        ember_method* m = load_fixture(fx->name, &file, &size, &prog, &st, NULL);
        CHECK(m != NULL);
        if (!m) {
            fprintf(stderr, "  %s: %s %s\n", fx->name, ember_status_str(st), ember_program_error(&prog));
            free(file);
            continue;
        }
        find_blobs(file, size);
        CHECK(rec.num_blobs == fx->delegates);
        ember_method_info info;
        CHECK(ember_method_info_get(m, &info) == EMBER_OK && info.num_delegates == (size_t)fx->delegates);
        for (int d = 0; d < fx->delegates; d++) CHECK(!strcmp(ember_method_delegate_name(m, (size_t)d), "EthosUBackend"));
        size_t n = (size_t)fx->in_sizes[0] * fx->in_sizes[1] * fx->in_sizes[2] * fx->in_sizes[3];
        fill_input(n);
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 4, fx->in_sizes, xin) == EMBER_OK);

        /* no driver: the CPU part before the first delegate runs, the delegate says why not */
        CHECK(ember_method_execute(m) == EMBER_NOT_SUPPORTED);
        CHECK(strstr(ember_method_error(m), "backend 'EthosUBackend' failed: not supported: no Ethos-U driver") != NULL);

        /* the recording driver */
        memset(rec.seen, 0, sizeof rec.seen);
        memset(rec.out_bytes_seen, 0, sizeof rec.out_bytes_seen);
        rec.calls = rec.bad = rec.rc = 0;
        rec.x = xin;
        rec.in_map = NULL;
        ember_ethos_u_set_driver(recording_invoke, &rec);
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 4, fx->in_sizes, xin) == EMBER_OK);
        st = ember_method_execute(m);
        CHECK(st == EMBER_OK);
        if (st) fprintf(stderr, "  %s: %s\n", fx->name, ember_method_error(m));
        CHECK(rec.bad == 0 && rec.calls == fx->delegates);
        for (int d = 0; d < fx->delegates; d++) CHECK(rec.seen[d] == 1);
        const ember_tensor* out;
        CHECK(ember_method_output(m, 0, &out) == EMBER_OK);
        /* a program ending in a delegate (and a dequantize): its output is the pattern's image */
        if (!strstr(fx->name, "split") && !st) check_affine(out, fx->delegates - 1, 1, 1);

        /* a failing driver: the method fails with the code */
        rec.rc = -3;
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 4, fx->in_sizes, xin) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_DELEGATE_FAILED);
        CHECK(strstr(ember_method_error(m), "the Ethos-U driver's invoke returned -3") != NULL);
        rec.rc = 0;
        ember_method_destroy(m);
        free(file);
    }
    ember_ethos_u_set_driver(NULL, NULL);
}

/* ---- layouts, and what prepare refuses: the CNN's records patched ----------------------- */

static int32_t patch_in[6], patch_out[6], patch_in_elem, patch_out_elem;

static void patch_records(uint8_t* file, size_t size)
{
    for (size_t at = 0; at + 32 <= size; at += 16) {
        const char* which = !memcmp(file + at, "inputs\0\0\0\0\0\0\0\0\0\0", 16) ? "in"
                          : !memcmp(file + at, "outputs\0\0\0\0\0\0\0\0\0", 16) ? "out" : NULL;
        if (!which) continue;
        const int32_t* shape = which[0] == 'i' ? patch_in : patch_out;
        int32_t elem = which[0] == 'i' ? patch_in_elem : patch_out_elem;
        uint8_t* r = file + at + 32 + 4;
        if (shape[0]) for (int d = 0; d < 6; d++) put32(r + 4 * d, (uint32_t)shape[d]);
        if (elem) put32(r + 24, (uint32_t)elem);
    }
}

static void test_layouts(void)
{
    ember_program prog;
    uint8_t* file;
    size_t size;
    ember_status st;
    const int32_t in_sizes[4] = {1, 3, 16, 16};
    fill_input(768);

    /* NCHW tensor, NHWC record: input copied transposed; a padded output row (10 of 16). */
    memcpy(patch_in, (int32_t[6]){1, 1, 1, 16, 16, 3}, sizeof patch_in);
    memcpy(patch_out, (int32_t[6]){1, 1, 1, 1, 1, 16}, sizeof patch_out);
    patch_in_elem = patch_out_elem = 0;
    ember_method* m = load_fixture("ethosu_cnn_u55", &file, &size, &prog, &st, patch_records);
    CHECK(m != NULL);
    if (m) {
        find_blobs(file, size);
        static uint32_t map[768];
        for (uint32_t y = 0; y < 16; y++)
            for (uint32_t x = 0; x < 16; x++)
                for (uint32_t c = 0; c < 3; c++) map[(y * 16 + x) * 3 + c] = (c * 16 + y) * 16 + x;
        rec.x = xin;
        rec.in_map = map;
        rec.calls = rec.bad = rec.rc = 0;
        ember_ethos_u_set_driver(recording_invoke, &rec);
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 4, in_sizes, xin) == EMBER_OK);
        st = ember_method_execute(m);
        CHECK(st == EMBER_OK && rec.bad == 0 && rec.calls == 1);
        if (st) fprintf(stderr, "  %s\n", ember_method_error(m));
        const ember_tensor* out;
        CHECK(ember_method_output(m, 0, &out) == EMBER_OK && out->numel == 10);
        if (!st) check_affine(out, 0, 10, 16);
        /* the same input read straight would break the order check: the map matters */
        rec.in_map = NULL;
        rec.bad = 0;
        rec.quiet = true;
        CHECK(ember_method_set_input(m, 0, EMBER_DTYPE_F32, 4, in_sizes, xin) == EMBER_OK);
        CHECK(ember_method_execute(m) == EMBER_OK && rec.bad > 0);
        rec.bad = 0;
        rec.quiet = false;
        ember_method_destroy(m);
        ember_ethos_u_set_driver(NULL, NULL);
    } else {
        fprintf(stderr, "  %s\n", ember_program_error(&prog));
    }
    free(file);

    /* refused at load, with the reason */
    struct {
        int32_t in[6], out[6], in_elem, out_elem;
        ember_status status;
        const char* needle;
    } bad[] = {
        {{1, 1, 1, 3, 16, 17}, {0}, 0, 0, EMBER_SHAPE_MISMATCH,
         "backend 'EthosUBackend' refused its arguments (shape mismatch): input 0: the tensor (768 elements, rank 4) does not map onto the command stream's [1, 1, 1, 3, 16, 17]"},
        {{1, 1, 1, 16, 3, 16}, {0}, 0, 0, EMBER_SHAPE_MISMATCH, "input 0: the tensor (768 elements, rank 4) does not map"},
        {{0}, {1, 1, 1, 1, 1, 8}, 0, 0, EMBER_SHAPE_MISMATCH, "output 0: the tensor (10 elements, rank 2) does not map"},
        {{0}, {0}, 2, 0, EMBER_DTYPE_MISMATCH, "input 0 is int8, the command stream's has 2-byte elements"},
        {{0}, {0}, 0, 4, EMBER_DTYPE_MISMATCH, "output 0 is int8, the command stream's has 4-byte elements"},
        {{0}, {1, 1, 1, 1, 1, 100000}, 0, 0, EMBER_MALFORMED_PROGRAM,
         "backend 'EthosUBackend' rejected delegate 0 (malformed program): vela_bin_stream: output 0's bytes (offset 0, 100000 bytes) lie outside the scratch region (5728 bytes)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(patch_in, bad[i].in, sizeof patch_in);
        memcpy(patch_out, bad[i].out, sizeof patch_out);
        patch_in_elem = bad[i].in_elem;
        patch_out_elem = bad[i].out_elem;
        m = load_fixture("ethosu_cnn_u55", &file, &size, &prog, &st, patch_records);
        CHECK(m == NULL && st == bad[i].status);
        CHECK(strstr(ember_program_error(&prog), bad[i].needle) != NULL);
        if (st != bad[i].status || !strstr(ember_program_error(&prog), bad[i].needle))
            fprintf(stderr, "  case %zu: %s: '%s'\n", i, ember_status_str(st), ember_program_error(&prog));
        if (m) ember_method_destroy(m);
        free(file);
    }
    memset(patch_in, 0, sizeof patch_in);
    memset(patch_out, 0, sizeof patch_out);
    patch_in_elem = patch_out_elem = 0;
}

/* Requirements count the scratch: the bookkeeping grows by the blobs' scratch. */
static void test_requirements(void)
{
    size_t size;
    uint8_t* file = th_read_file("tests/data/ethosu_cnn_u55.pte", &size);
    CHECK(file != NULL);
    if (!file) return;
    ember_program prog;
    CHECK(ember_program_load(&prog, file, size) == EMBER_OK);
    find_blobs(file, size);
    ember_method_requirements req;
    CHECK(ember_method_requirements_get(&prog, "forward", &req) == EMBER_OK);
    CHECK(rec.num_blobs == 1 && req.bookkeeping_bytes > rec.blobs[0].scratch_bytes);
    /* one byte less than required is refused, nothing written past it */
    static uint8_t book[1 << 16] __attribute__((aligned(16)));
    void* bufs[EMBER_MAX_BUFFERS] = {0};
    for (size_t i = 1; i < req.num_buffers; i++) bufs[i] = th_arena + 4096 * i;
    ember_method* m;
    memset(book, 0xa5, sizeof book);
    CHECK(ember_method_load(&prog, "forward", book, req.bookkeeping_bytes - 1, bufs, req.num_buffers, &m) == EMBER_MEMORY_TOO_SMALL);
    CHECK(book[req.bookkeeping_bytes - 1] == 0xa5);
    /* inspection-only load works without planned memory */
    CHECK(ember_method_load(&prog, "forward", book, req.bookkeeping_bytes, NULL, 0, &m) == EMBER_OK);
    ember_method_destroy(m);
    free(file);
}

/* The backend's own calls on a built blob: init needs exactly memory_required's bytes (a scratch
 * size that is no multiple of 16 included: the fuzzer's first find was init accepting one byte
 * less than it asked for), and explain repeats the parser's reason. */
static void test_backend_calls(void)
{
    const ember_backend* be = ember_ethos_u_backend();
    blob_spec s = good();
    s.scratch = 250;
    size_t size = build(&s, blob_mem, sizeof blob_mem);
    size_t need = 0;
    CHECK(be->memory_required(blob_mem, size, NULL, 0, &need) == EMBER_OK && need >= 256);
    static uint8_t mem[8192] __attribute__((aligned(16)));
    void* h = NULL;
    CHECK(be->init(mem, need - 1, blob_mem, size, NULL, 0, &h) == EMBER_MEMORY_TOO_SMALL);
    CHECK(be->init(mem + 8, need, blob_mem, size, NULL, 0, &h) == EMBER_MEMORY_TOO_SMALL);
    CHECK(be->init(mem, need, blob_mem, size, NULL, 0, &h) == EMBER_OK && h == mem);
    /* the wrong number of arguments: refused, and explained from the handle */
    CHECK(be->prepare(h, NULL, 0) == EMBER_DELEGATE_FAILED);
    char why[256];
    be->explain(h, NULL, 0, why, sizeof why);
    CHECK(strcmp(why, "the call has 0 arguments, the command stream 2 inputs and 1 outputs") == 0);
    be->destroy(h);
    s.in[0].offset = 1000;
    size = build(&s, blob_mem, sizeof blob_mem);
    char msg[256];
    ember_ethos_u_blob b;
    CHECK(be->memory_required(blob_mem, size, NULL, 0, &need) == EMBER_MALFORMED_PROGRAM);
    CHECK(ember_ethos_u_parse(blob_mem, size, &b, msg, sizeof msg) == EMBER_MALFORMED_PROGRAM);
    be->explain(NULL, blob_mem, size, why, sizeof why);
    CHECK(strcmp(why, msg) == 0 && strstr(why, "input 0's bytes (offset 1000, 32 bytes) lie outside"));
}

int main(void)
{
    test_backend_calls();
    test_parse_good();
    test_parse_bad();
    test_programs();
    test_layouts();
    test_requirements();
    return check_report("test_ethos_u");
}
