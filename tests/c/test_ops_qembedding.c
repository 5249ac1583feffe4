/* test_ops_qembedding.c — the weight-only quantized embedding lookups
 * (kernels/portable/op_wq_embedding.c): quantized_decomposed::embedding_byte / _4bit / _2bit,
 * .out and .dtype_out, through prepare/run.
 *
 * Oracle: q values drawn here over their whole range (int8 -128..127, uint8 0..255, int4
 * -8..7, int2 -2..1), packed as ExecuTorch's exporter packs them (4-bit: element 2i in the high
 * nibble of byte i as q + 8; 2-bit: element 4i + j in bits 2j..2j+1 of byte i as q + 2), and
 * each output computed here as ((float)q - zero_point) * scale, the one float subtraction and
 * multiplication torch's dequantize_per_channel_group does: outputs must equal it bit for bit.
 * Cases: every bit width, one scale per row and groups (of 2..D columns), zero points None and
 * given, indices int64 and int32 of rank 1 and 2 with repeats; .dtype_out with dtype None and
 * float32. Refusals: dtype float16, 4/2-bit ranges other than ExecuTorch's, an int8 range that
 * is not the weight's, scales of the wrong shape or groups that do not divide the row, zero
 * points of another shape, float indices, out of the wrong shape or dtype, argument counts; run
 * refuses an index out of range. */
#include <stdlib.h>

#include "tests/c/kernel_harness.h"

static uint64_t rng = 0x6a09e667f3bcc908u;
#include "tests/c/rng.h"

enum { V = 11, D = 16, MAXB = V * D };

typedef struct table {
    int bits, dtype; /* weight's dtype: I8 or U8 */
    int groups;      /* 0: scales (V), else (V, groups) */
    bool zps;
    int q[V][D];
    uint8_t packed[MAXB];
    float scales[V * D], zp[V * D];
} table;

static void make_table(table* t, int bits, int dtype, int groups, bool zps)
{
    memset(t, 0, sizeof *t);
    t->bits = bits, t->dtype = dtype, t->groups = groups, t->zps = zps;
    const int lo = bits == 8 ? (dtype == EMBER_DTYPE_I8 ? -128 : 0) : -(1 << (bits - 1));
    const int span = 1 << bits;
    for (int r = 0; r < V; r++)
        for (int c = 0; c < D; c++) {
            t->q[r][c] = lo + (int)rnd((uint32_t)span);
            if (bits == 8) t->packed[r * D + c] = (uint8_t)t->q[r][c];
            else if (bits == 4)
                t->packed[r * (D / 2) + c / 2] |= (uint8_t)((t->q[r][c] + 8) << (c % 2 ? 0 : 4));
            else
                t->packed[r * (D / 4) + c / 4] |= (uint8_t)((t->q[r][c] + 2) << (2 * (c % 4)));
        }
    for (int i = 0; i < V * D; i++) {
        t->scales[i] = 0.255f + 0.245f * uniform();
        t->zp[i] = 3.0f * uniform();
    }
}

static float expected(const table* t, int64_t r, int c)
{
    const int g = t->groups ? c / (D / t->groups) : 0, n = t->groups ? t->groups : 1;
    const float q = (float)t->q[r][c];
    const float z = t->zps ? t->zp[r * n + g] : 0.0f;
    return (t->zps ? q - z : q) * t->scales[r * n + g];
}

static const char* op_name(int bits, bool with_dtype)
{
    if (bits == 8)
        return with_dtype ? "quantized_decomposed::embedding_byte.dtype_out"
                          : "quantized_decomposed::embedding_byte.out";
    if (bits == 4)
        return with_dtype ? "quantized_decomposed::embedding_4bit.dtype_out"
                          : "quantized_decomposed::embedding_4bit.out";
    return with_dtype ? "quantized_decomposed::embedding_2bit.dtype_out"
                      : "quantized_decomposed::embedding_2bit.out";
}

/* The argument values: [weight, scales, zps, qmin, qmax, indices, (dtype,) out, out]. */
typedef struct call {
    ember_tensor w, s, z, idx, out;
    ember_value v[9];
    size_t n;
} call;

static void call_init(call* k, table* t, void* idx, int idx_dtype, int idx_rank,
                      const int32_t* idx_sizes, float* out, bool with_dtype, ember_value dtype)
{
    const int32_t ws[2] = {V, D * t->bits / 8}, s1[1] = {V}, s2[2] = {V, t->groups};
    k->w = th_tensor(t->dtype, t->packed, 2, ws);
    k->s = t->groups ? th_tensor(EMBER_DTYPE_F32, t->scales, 2, s2)
                     : th_tensor(EMBER_DTYPE_F32, t->scales, 1, s1);
    k->z = k->s;
    k->z.data = t->zp;
    k->idx = th_tensor(idx_dtype, idx, idx_rank, idx_sizes);
    int32_t os[3];
    for (int i = 0; i < idx_rank; i++) os[i] = idx_sizes[i];
    os[idx_rank] = D;
    k->out = th_tensor(EMBER_DTYPE_F32, out, idx_rank + 1, os);
    const int lo = t->bits == 8 ? (t->dtype == EMBER_DTYPE_I8 ? -128 : 0) : -(1 << (t->bits - 1));
    const int hi = t->bits == 8 ? lo + 255 : (1 << (t->bits - 1)) - 1;
    size_t i = 0;
    k->v[i++] = th_tensor_value(&k->w);
    k->v[i++] = th_tensor_value(&k->s);
    k->v[i++] = t->zps ? th_tensor_value(&k->z) : th_null();
    k->v[i++] = th_int(lo);
    k->v[i++] = th_int(hi);
    k->v[i++] = th_tensor_value(&k->idx);
    if (with_dtype) k->v[i++] = dtype;
    k->v[i++] = th_tensor_value(&k->out);
    k->v[i++] = th_tensor_value(&k->out);
    k->n = i;
}

static int cases;

static void test_values(void)
{
    static table t;
    static float out[2 * 5 * D];
    const int64_t idx64[10] = {0, 10, 3, 3, 7, 1, 10, 0, 5, 9};
    int32_t idx32[10];
    for (int i = 0; i < 10; i++) idx32[i] = (int32_t)idx64[i];
    const int32_t r1[1] = {10}, r2[2] = {2, 5};
    const struct { int bits, dtype; } kinds[] = {{8, EMBER_DTYPE_I8}, {8, EMBER_DTYPE_U8},
                                                 {4, EMBER_DTYPE_U8}, {4, EMBER_DTYPE_I8},
                                                 {2, EMBER_DTYPE_U8}};
    const int group_counts[] = {0, 1, 2, 4, 8};
    for (size_t ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++)
        for (size_t gi = 0; gi < sizeof group_counts / sizeof group_counts[0]; gi++)
            for (int zps = 0; zps < 2; zps++)
                for (int form = 0; form < 4; form++) { /* idx dtype x rank, and the overload */
                    make_table(&t, kinds[ki].bits, kinds[ki].dtype, group_counts[gi], zps);
                    const bool i64 = form % 2 == 0, rank2 = form >= 2;
                    const bool with_dtype = form == 1 || form == 2;
                    call k;
                    memset(out, 0xff, sizeof out);
                    call_init(&k, &t, i64 ? (void*)idx64 : (void*)idx32,
                              i64 ? EMBER_DTYPE_I64 : EMBER_DTYPE_I32, rank2 ? 2 : 1,
                              rank2 ? r2 : r1, out, with_dtype,
                              form == 1 ? th_null() : th_int(EMBER_DTYPE_F32));
                    CHECK_STATUS(th_run(op_name(t.bits, with_dtype), k.v, k.n), EMBER_OK, NULL);
                    int bad = 0;
                    for (int i = 0; i < 10; i++)
                        for (int c = 0; c < D; c++) {
                            const float want = expected(&t, idx64[i], c);
                            if (memcmp(&out[i * D + c], &want, sizeof want) != 0 && !bad++)
                                fprintf(stderr, "%s groups %d zps %d form %d: out[%d][%d] = %.9g, "
                                        "want %.9g\n", op_name(t.bits, with_dtype), t.groups,
                                        zps, form, i, c, out[i * D + c], want);
                        }
                    CHECK(bad == 0);
                    cases++;
                }
}

static void test_refusals(void)
{
    static table t;
    static float out[4 * D];
    static int64_t idx[4] = {1, 2, 3, 4};
    static float fidx[4];
    const int32_t r1[1] = {4};
    call k;
#define RESET(bits, dtype, groups, zps, with_dtype)                                             \
    make_table(&t, bits, dtype, groups, zps);                                                   \
    call_init(&k, &t, idx, EMBER_DTYPE_I64, 1, r1, out, with_dtype, th_null())
    RESET(8, EMBER_DTYPE_I8, 0, false, true);
    k.v[6] = th_int(EMBER_DTYPE_F16);
    CHECK_STATUS(th_run(op_name(8, true), k.v, k.n), EMBER_NOT_SUPPORTED, "dtype = 5");
    RESET(4, EMBER_DTYPE_U8, 2, false, false);
    k.v[3] = th_int(-7);
    CHECK_STATUS(th_run(op_name(4, false), k.v, k.n), EMBER_NOT_SUPPORTED, "hold [-8, 7]");
    RESET(2, EMBER_DTYPE_U8, 0, false, false);
    k.v[4] = th_int(2);
    CHECK_STATUS(th_run(op_name(2, false), k.v, k.n), EMBER_NOT_SUPPORTED, "hold [-2, 1]");
    RESET(8, EMBER_DTYPE_U8, 0, false, false);
    k.v[3] = th_int(-128);
    k.v[4] = th_int(127);
    CHECK_STATUS(th_run(op_name(8, false), k.v, k.n), EMBER_NOT_SUPPORTED, "not a range of uint8");
    RESET(8, EMBER_DTYPE_I8, 3, false, false); /* 3 groups do not divide 16 columns */
    CHECK_STATUS(th_run(op_name(8, false), k.v, k.n), EMBER_SHAPE_MISMATCH,
                 "groups dividing the 16 columns");
    RESET(4, EMBER_DTYPE_U8, 2, false, false);
    k.s.sizes[0] = V - 1;
    CHECK_STATUS(th_run(op_name(4, false), k.v, k.n), EMBER_SHAPE_MISMATCH, "weight_scales has shape");
    RESET(4, EMBER_DTYPE_U8, 2, true, false);
    k.z.sizes[1] = 1;
    k.z.strides[0] = 1;
    CHECK_STATUS(th_run(op_name(4, false), k.v, k.n), EMBER_SHAPE_MISMATCH,
                 "weight_zero_points must have weight_scales' shape");
    RESET(4, EMBER_DTYPE_U8, 0, false, false);
    k.s.dtype = EMBER_DTYPE_I32;
    CHECK_STATUS(th_run(op_name(4, false), k.v, k.n), EMBER_DTYPE_MISMATCH,
                 "weight_scales has dtype int32");
    RESET(8, EMBER_DTYPE_I8, 0, false, false);
    k.w.dtype = EMBER_DTYPE_I32;
    k.w.sizes[1] = D / 4;
    k.w.strides[0] = D / 4;
    CHECK_STATUS(th_run(op_name(8, false), k.v, k.n), EMBER_DTYPE_MISMATCH, "weight has dtype int32");
    RESET(8, EMBER_DTYPE_I8, 0, false, false);
    k.idx = th_tensor(EMBER_DTYPE_F32, fidx, 1, r1);
    CHECK_STATUS(th_run(op_name(8, false), k.v, k.n), EMBER_DTYPE_MISMATCH,
                 "indices must be int64 or int32, got float32");
    RESET(2, EMBER_DTYPE_U8, 0, false, false);
    k.out.sizes[1] = D - 4; /* a 2-bit row of D / 4 bytes holds D values */
    k.out.strides[0] = D - 4;
    CHECK_STATUS(th_run(op_name(2, false), k.v, k.n), EMBER_SHAPE_MISMATCH, NULL);
    RESET(8, EMBER_DTYPE_I8, 0, false, false);
    k.out.dtype = EMBER_DTYPE_F64;
    CHECK_STATUS(th_run(op_name(8, false), k.v, k.n), EMBER_DTYPE_MISMATCH, "out has dtype float64");
    RESET(8, EMBER_DTYPE_I8, 0, false, true);
    CHECK_STATUS(th_run(op_name(8, true), k.v, k.n - 1), EMBER_INVALID_ARGUMENT, "expected 9 arguments");
    RESET(4, EMBER_DTYPE_U8, 2, false, false);
    idx[2] = V; /* past the table: run refuses */
    CHECK_STATUS(th_run(op_name(4, false), k.v, k.n), EMBER_OUT_OF_RANGE,
                 "index 11 is out of range for dimension 0 of size 11");
    idx[2] = -1;
    CHECK_STATUS(th_run(op_name(4, false), k.v, k.n), EMBER_OUT_OF_RANGE, "index -1");
    idx[2] = 3;
#undef RESET
}

int main(void)
{
    test_values();
    test_refusals();
    printf("test_ops_qembedding: %d lookups checked bit for bit\n", cases);
    CHECK(cases == 5 * 5 * 2 * 4);
    return check_report("test_ops_qembedding");
}
