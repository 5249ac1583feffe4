/* test_ops_nn_index.c — cat, split_copy, split_with_sizes_copy, constant_pad_nd, tril, triu,
 * index_select, index.Tensor and gather (any dtype). Oracles: torch 2.13 eager on an int64
 * iota (2, 3, 4) (pasted below) and hand-computed splits. Copies must be exact. */
#include "tests/c/kernel_harness.h"

/* cat([iota (2, 3, 4), iota (2, 1, 4) + 100, empty (0)], dim 1) -> (2, 4, 4) */
static const int64_t cat_y[32] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100, 101, 102, 103, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    21, 22, 23, 104, 105, 106, 107,
};
/* constant_pad_nd(iota (2, 3, 4) f32, [1, -1, 2, 0], 7.5) -> (2, 5, 4) */
static const float pad_y[40] = {
    7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 0.0f, 1.0f, 2.0f, 7.5f, 4.0f, 5.0f,
    6.0f, 7.5f, 8.0f, 9.0f, 10.0f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 7.5f, 12.0f,
    13.0f, 14.0f, 7.5f, 16.0f, 17.0f, 18.0f, 7.5f, 20.0f, 21.0f, 22.0f,
};
/* tril(iota (2, 3, 4), 1) */
static const int64_t tril_y[24] = {
    0, 1, 0, 0, 4, 5, 6, 0, 8, 9, 10, 11, 12, 13, 0, 0, 16, 17, 18, 0, 20, 21, 22, 23,
};
/* triu(iota (2, 3, 4), -1) */
static const int64_t triu_y[24] = {
    0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0, 21, 22, 23,
};
/* index_select(iota (2, 3, 4), dim 2, [2, 0, 2]) -> (2, 3, 3) */
static const int64_t isel_y[18] = {
    2, 0, 2, 6, 4, 6, 10, 8, 10, 14, 12, 14, 18, 16, 18, 22, 20, 22,
};
/* index(iota (2, 3, 4), [i0 (2, 1), None, i2 (3)]): non-adjacent, B (2, 3) first -> (2, 3, 3) */
static const int64_t ix1_i0[2] = {
    1, 0,
};
static const int64_t ix1_i2[3] = {
    3, -1, 0,
};
static const int64_t ix1_y[18] = {
    15, 19, 23, 15, 19, 23, 12, 16, 20, 3, 7, 11, 3, 7, 11, 0, 4, 8,
};
/* index(iota (2, 3, 4), [None, i1 (2, 2)]) -> (2, 2, 2, 4) */
static const int64_t ix2_i1[4] = {
    2, 0, 1, 1,
};
static const int64_t ix2_y[32] = {
    8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 16, 17, 18,
    19, 16, 17, 18, 19,
};
/* index(iota (2, 3, 4), [i0 (2, 1), i1 (2, 2)]): adjacent -> (2, 2, 4) */
static const int64_t ix3_y[16] = {
    20, 21, 22, 23, 12, 13, 14, 15, 4, 5, 6, 7, 4, 5, 6, 7,
};
/* gather(iota (2, 3, 4), dim 2, index (2, 2, 2)) -> (2, 2, 2) */
static const int64_t gat_i[8] = {
    0, 3, 2, 2, 1, 0, 3, 1,
};
static const int64_t gat_y[8] = {
    0, 3, 6, 6, 13, 12, 19, 17,
};


static int64_t iota64[24];
static const int32_t XS[3] = {2, 3, 4};

static void check_i64(const int64_t* got, const int64_t* want, int n)
{
    int ok = 1;
    for (int i = 0; i < n; i++)
        if (got[i] != want[i]) {
            fprintf(stderr, "  [%d] got %lld want %lld\n", i, (long long)got[i],
                    (long long)want[i]);
            ok = 0;
            break;
        }
    CHECK(ok);
}

static void test_cat_split(void)
{
    int64_t extra[8], y[32];
    for (int i = 0; i < 8; i++) extra[i] = 100 + i;
    const int32_t s214[3] = {2, 1, 4}, s0[1] = {0}, s244[3] = {2, 4, 4};
    ember_tensor a = th_tensor(EMBER_DTYPE_I64, iota64, 3, XS);
    ember_tensor b = th_tensor(EMBER_DTYPE_I64, extra, 3, s214);
    ember_tensor empty = th_tensor(EMBER_DTYPE_I64, NULL, 1, s0);
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, s244);
    ember_tensor* list[3] = {&a, &b, &empty};
    ember_value v[4] = {th_tensor_list(list, 3), th_int(-2), th_tensor_value(&out),
                        th_tensor_value(&out)};
    CHECK(th_run("aten::cat.out", v, 4) == EMBER_OK);
    check_i64(y, cat_y, 32);
    out = th_tensor(EMBER_DTYPE_I64, y, 3, XS);
    CHECK(th_run("aten::cat.out", v, 4) == EMBER_SHAPE_MISMATCH);
    CHECK(strstr(th_msg, "[2, 3, 4]") && strstr(th_msg, "[2, 4, 4]"));
    out = th_tensor(EMBER_DTYPE_I64, y, 3, s244);
    b.dtype = EMBER_DTYPE_I32;
    CHECK(th_run("aten::cat.out", v, 4) == EMBER_DTYPE_MISMATCH);

    /* split_copy(iota (2, 3, 4), 3, dim -1) -> (2, 3, 3) and (2, 3, 1) */
    int64_t p0[18], p1[6];
    const int32_t s233[3] = {2, 3, 3}, s231[3] = {2, 3, 1};
    ember_tensor o0 = th_tensor(EMBER_DTYPE_I64, p0, 3, s233);
    ember_tensor o1 = th_tensor(EMBER_DTYPE_I64, p1, 3, s231);
    ember_tensor* outs[2] = {&o0, &o1};
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 3, XS);
    ember_value sv[4] = {th_tensor_value(&x), th_int(3), th_int(-1), th_tensor_list(outs, 2)};
    CHECK(th_run("aten::split_copy.Tensor_out", sv, 4) == EMBER_OK);
    int ok = 1;
    for (int r = 0; r < 6; r++) {
        for (int c = 0; c < 3; c++) ok &= p0[r * 3 + c] == iota64[r * 4 + c];
        ok &= p1[r] == iota64[r * 4 + 3];
    }
    CHECK(ok);
    ember_value sv5[5] = {sv[0], sv[1], sv[2], sv[3], th_tensor_list(outs, 2)}; /* out[] again */
    memset(p1, 0, sizeof p1);
    CHECK(th_run("aten::split_copy.Tensor_out", sv5, 5) == EMBER_OK);
    CHECK(p1[5] == iota64[23]);
    sv[1] = th_int(2); /* would make two (2, 3, 2) pieces */
    CHECK(th_run("aten::split_copy.Tensor_out", sv, 4) == EMBER_SHAPE_MISMATCH);

    /* split_with_sizes_copy(iota, [1, 2], dim 1) -> (2, 1, 4) and (2, 2, 4) */
    int64_t q0[8], q1[16];
    const int32_t s224[3] = {2, 2, 4};
    o0 = th_tensor(EMBER_DTYPE_I64, q0, 3, s214);
    o1 = th_tensor(EMBER_DTYPE_I64, q1, 3, s224);
    const int64_t sizes[2] = {1, 2}, bad_sizes[2] = {1, 1};
    sv[1] = th_int_list(sizes, 2);
    sv[2] = th_int(1);
    CHECK(th_run("aten::split_with_sizes_copy.out", sv, 4) == EMBER_OK);
    ok = 1;
    for (int n = 0; n < 2; n++)
        for (int c = 0; c < 4; c++) {
            ok &= q0[n * 4 + c] == iota64[n * 12 + c];
            ok &= q1[n * 8 + c] == iota64[n * 12 + 4 + c];
            ok &= q1[n * 8 + 4 + c] == iota64[n * 12 + 8 + c];
        }
    CHECK(ok);
    sv[1] = th_int_list(bad_sizes, 2);
    CHECK(th_run("aten::split_with_sizes_copy.out", sv, 4) == EMBER_SHAPE_MISMATCH);
}

static void test_pad_tril(void)
{
    float xf[24], y[40];
    for (int i = 0; i < 24; i++) xf[i] = (float)i;
    const int32_t s254[3] = {2, 5, 4};
    ember_tensor x = th_tensor(EMBER_DTYPE_F32, xf, 3, XS);
    ember_tensor out = th_tensor(EMBER_DTYPE_F32, y, 3, s254);
    const int64_t pad[4] = {1, -1, 2, 0};
    ember_value v[5] = {th_tensor_value(&x), th_int_list(pad, 4), th_double(7.5),
                        th_tensor_value(&out), th_tensor_value(&out)};
    CHECK(th_run("aten::constant_pad_nd.out", v, 5) == EMBER_OK);
    CHECK_NEAR_F32(y, pad_y, 40, 0.0f);
    out = th_tensor(EMBER_DTYPE_F32, y, 3, XS);
    CHECK(th_run("aten::constant_pad_nd.out", v, 5) == EMBER_SHAPE_MISMATCH);
    /* int64 with an int value: pad (1, 1) on the last dim of (1, 2) -> {9, 0, 1, 9} */
    int64_t yi[4];
    const int32_t s12[2] = {1, 2}, s14[2] = {1, 4};
    const int64_t want[4] = {9, 0, 1, 9}, pad2[2] = {1, 1};
    x = th_tensor(EMBER_DTYPE_I64, iota64, 2, s12);
    out = th_tensor(EMBER_DTYPE_I64, yi, 2, s14);
    v[1] = th_int_list(pad2, 2);
    v[2] = th_int(9);
    CHECK(th_run("aten::constant_pad_nd.out", v, 5) == EMBER_OK);
    check_i64(yi, want, 4);

    int64_t t[24];
    x = th_tensor(EMBER_DTYPE_I64, iota64, 3, XS);
    out = th_tensor(EMBER_DTYPE_I64, t, 3, XS);
    ember_value tv[4] = {th_tensor_value(&x), th_int(1), th_tensor_value(&out),
                         th_tensor_value(&out)};
    CHECK(th_run("aten::tril.out", tv, 4) == EMBER_OK);
    check_i64(t, tril_y, 24);
    tv[1] = th_int(-1);
    CHECK(th_run("aten::triu.out", tv, 4) == EMBER_OK);
    check_i64(t, triu_y, 24);
    const int32_t s3[1] = {3};
    x = th_tensor(EMBER_DTYPE_I64, iota64, 1, s3);
    CHECK(th_run("aten::triu.out", tv, 4) == EMBER_INVALID_ARGUMENT);
}

/* constant_pad_nd on ragged 4-d shapes, every fill width (1, 2, 4 and 8-byte dtypes, a zero
 * value taking the memset path, -0.0 and nonzero values the typed stores), pads that grow and
 * crop, against an element-by-element loop in the test; the bytes past out stay untouched. */
static void test_pad_fills(void)
{
    enum { MAXN = 4096, GUARD = 64 };
    static unsigned char in[MAXN * 8], got[MAXN * 8 + GUARD], want[MAXN * 8];
    static const int32_t shapes[3][4] = {{1, 3, 5, 7}, {2, 1, 4, 9}, {1, 2, 3, 1}};
    static const int64_t pads[4][8] = {
        {1, 1, 1, 1, 0, 0, 0, 0}, {0, 3, 2, 0, 1, 0, 0, 0}, {-1, 2, 1, -1, 0, 1, 0, 0}, {2, -2, 0, 0, 0, 0, 0, 0}};
    static const int npairs[4] = {2, 3, 3, 1};
    const int dtypes[5] = {EMBER_DTYPE_F32, EMBER_DTYPE_U8, EMBER_DTYPE_F16, EMBER_DTYPE_I64, EMBER_DTYPE_F32};
    const double values[3] = {0.0, -0.0, 3.0};
    for (int di = 0; di < 5; di++) {
        const int dt = dtypes[di];
        const size_t es = ember_dtype_size(dt);
        for (int si = 0; si < 3; si++) {
            for (int pi = 0; pi < 4; pi++) {
                for (int vi = 0; vi < 3; vi++) {
                    const int32_t* xs = shapes[si];
                    int32_t os[4];
                    int64_t left[4] = {0, 0, 0, 0};
                    for (int d = 0; d < 4; d++) {
                        const int k = 3 - d;
                        os[d] = xs[d];
                        if (k < npairs[pi]) {
                            left[d] = pads[pi][2 * k];
                            os[d] += (int32_t)(pads[pi][2 * k] + pads[pi][2 * k + 1]);
                        }
                    }
                    const int64_t ni = (int64_t)xs[0] * xs[1] * xs[2] * xs[3];
                    const int64_t no = (int64_t)os[0] * os[1] * os[2] * os[3];
                    for (int64_t i = 0; i < ni * (int64_t)es; i++) in[i] = (unsigned char)(i * 37 + 11);
                    unsigned char vb[8] = {0};
                    if (dt == EMBER_DTYPE_F32) {
                        const float f = (float)values[vi];
                        memcpy(vb, &f, 4);
                    } else if (dt == EMBER_DTYPE_F16) {
                        const uint16_t h = values[vi] == 3.0 ? 0x4200 : values[vi] == 0.0 && signbit(values[vi]) ? 0x8000 : 0;
                        memcpy(vb, &h, 2);
                    } else if (dt == EMBER_DTYPE_I64) {
                        const int64_t q = (int64_t)values[vi];
                        memcpy(vb, &q, 8);
                    } else {
                        vb[0] = (unsigned char)values[vi];
                    }
                    int64_t idx = 0;
                    for (int a = 0; a < os[0]; a++)
                        for (int b = 0; b < os[1]; b++)
                            for (int c = 0; c < os[2]; c++)
                                for (int e = 0; e < os[3]; e++, idx++) {
                                    const int64_t ia = a - left[0], ib = b - left[1], ic = c - left[2], ie = e - left[3];
                                    const bool inside = ia >= 0 && ia < xs[0] && ib >= 0 && ib < xs[1] &&
                                                        ic >= 0 && ic < xs[2] && ie >= 0 && ie < xs[3];
                                    const int64_t src = ((ia * xs[1] + ib) * xs[2] + ic) * xs[3] + ie;
                                    memcpy(want + idx * (int64_t)es, inside ? in + src * (int64_t)es : vb, es);
                                }
                    memset(got, 0xA5, sizeof got);
                    ember_tensor x = th_tensor(dt, in, 4, xs), out = th_tensor(dt, got, 4, os);
                    ember_value v[5] = {th_tensor_value(&x), th_int_list(pads[pi], (uint32_t)(2 * npairs[pi])),
                                        th_double(values[vi]), th_tensor_value(&out), th_tensor_value(&out)};
                    if (dt == EMBER_DTYPE_U8 || dt == EMBER_DTYPE_I64) v[2] = th_int((int64_t)values[vi]);
                    CHECK(th_run("aten::constant_pad_nd.out", v, 5) == EMBER_OK);
                    bool ok = memcmp(got, want, (size_t)no * es) == 0;
                    for (size_t g = 0; g < GUARD; g++) ok = ok && got[(size_t)no * es + g] == 0xA5;
                    if (!ok)
                        fprintf(stderr, "constant_pad_nd: dtype %d shape %d pad %d value %g differs\n", dt, si,
                                pi, values[vi]);
                    CHECK(ok);
                }
            }
        }
    }
}

static void test_index(void)
{
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 3, XS);
    int64_t y[32];
    /* index_select dim 2, int32 index {2, 0, 2} */
    const int32_t idx[3] = {2, 0, 2}, s3[1] = {3}, s233[3] = {2, 3, 3};
    ember_tensor ti = th_tensor(EMBER_DTYPE_I32, (void*)idx, 1, s3);
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, s233);
    ember_value v[5] = {th_tensor_value(&x), th_int(2), th_tensor_value(&ti),
                        th_tensor_value(&out), th_tensor_value(&out)};
    CHECK(th_run("aten::index_select.out", v, 5) == EMBER_OK);
    check_i64(y, isel_y, 18);
    const int32_t oob[3] = {2, 4, 0}; /* data out of range: run fails instead of reading */
    ti.data = (void*)oob;
    memset(y, 0x5a, sizeof y);
    CHECK_STATUS(th_run("aten::index_select.out", v, 5), EMBER_OUT_OF_RANGE,
                 "index 4 is out of range for dimension 2 of size 4");
    CHECK(y[0] == 0x5a5a5a5a5a5a5a5a); /* every index is checked before anything is written */
    ti = th_tensor(EMBER_DTYPE_F32, (void*)idx, 1, s3);
    CHECK(th_run("aten::index_select.out", v, 5) == EMBER_DTYPE_MISMATCH);

    /* index.Tensor: [i0 (2, 1), None, i2 (3)] -> B (2, 3) first, then dim 1 */
    const int32_t s21[2] = {2, 1}, s22[2] = {2, 2}, s2224[4] = {2, 2, 2, 4}, s224[3] = {2, 2, 4};
    ember_tensor i0 = th_tensor(EMBER_DTYPE_I64, (void*)ix1_i0, 2, s21);
    ember_tensor i2 = th_tensor(EMBER_DTYPE_I64, (void*)ix1_i2, 1, s3);
    ember_tensor i1 = th_tensor(EMBER_DTYPE_I64, (void*)ix2_i1, 2, s22);
    ember_tensor* l1[3] = {&i0, NULL, &i2};
    ember_value list = {.tag = EMBER_VALUE_OPTIONAL_TENSOR_LIST, .len = 3};
    list.u.tensors = l1;
    ember_value iv[4] = {th_tensor_value(&x), list, th_tensor_value(&out),
                         th_tensor_value(&out)};
    CHECK(th_run("aten::index.Tensor_out", iv, 4) == EMBER_OK);
    check_i64(y, ix1_y, 18);
    /* [None, i1 (2, 2)] -> (2, 2, 2, 4) */
    ember_tensor* l2[2] = {NULL, &i1};
    iv[1].u.tensors = l2;
    iv[1].len = 2;
    out = th_tensor(EMBER_DTYPE_I64, y, 4, s2224);
    CHECK(th_run("aten::index.Tensor_out", iv, 4) == EMBER_OK);
    check_i64(y, ix2_y, 32);
    /* [i0 (2, 1), i1 (2, 2)]: adjacent -> (2, 2, 4) */
    ember_tensor* l3[2] = {&i0, &i1};
    iv[1].u.tensors = l3;
    out = th_tensor(EMBER_DTYPE_I64, y, 3, s224);
    CHECK(th_run("aten::index.Tensor_out", iv, 4) == EMBER_OK);
    check_i64(y, ix3_y, 16);
    out = th_tensor(EMBER_DTYPE_I64, y, 3, s233);
    CHECK(th_run("aten::index.Tensor_out", iv, 4) == EMBER_SHAPE_MISMATCH);
    /* boolean masks are refused at prepare */
    uint8_t mask[2] = {1, 0};
    const int32_t s2[1] = {2};
    ember_tensor tm = th_tensor(EMBER_DTYPE_BOOL, mask, 1, s2);
    ember_tensor* l4[1] = {&tm};
    iv[1].u.tensors = l4;
    iv[1].len = 1;
    CHECK(th_run("aten::index.Tensor_out", iv, 4) == EMBER_NOT_SUPPORTED);

    /* gather dim 2 */
    const int32_t s222[3] = {2, 2, 2};
    ember_tensor tg = th_tensor(EMBER_DTYPE_I64, (void*)gat_i, 3, s222);
    out = th_tensor(EMBER_DTYPE_I64, y, 3, s222);
    ember_value gv[6] = {th_tensor_value(&x),   th_int(-1),           th_tensor_value(&tg),
                         th_bool(false),        th_tensor_value(&out), th_tensor_value(&out)};
    CHECK(th_run("aten::gather.out", gv, 6) == EMBER_OK);
    check_i64(y, gat_y, 8);
    out = th_tensor(EMBER_DTYPE_I64, y, 3, s233);
    CHECK(th_run("aten::gather.out", gv, 6) == EMBER_SHAPE_MISMATCH);
}

int main(void)
{
    for (int i = 0; i < 24; i++) iota64[i] = i;
    test_cat_split();
    test_pad_tril();
    test_pad_fills();
    test_index();
    return check_report("test_ops_nn_index");
}
