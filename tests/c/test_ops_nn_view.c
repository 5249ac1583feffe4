/* test_ops_nn_view.c — the reshape, permute, broadcast and slice copies (any dtype):
 * view_copy, _unsafe_view, et_view, squeeze_copy (3 overloads), unsqueeze_copy, alias_copy,
 * permute_copy, transpose_copy, t_copy, flip, expand_copy, repeat, slice_copy, select_copy.
 * Oracles: hand-computed values and index formulas, and torch 2.13 eager results on an int64
 * iota (pasted below). Copies must be exact. */
#include "tests/c/kernel_harness.h"

/* permute_copy(iota (2, 3, 4), [2, 0, 1]) -> (4, 2, 3) */
static const int64_t perm_y[24] = {
    0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23,
};
/* flip(iota (2, 3, 4), [0, 2]) */
static const int64_t flip_y[24] = {
    15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8,
};
/* expand_copy(iota (3, 1), [2, -1, 4]) -> (2, 3, 4) */
static const int64_t exp_y[24] = {
    0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
};
/* repeat(iota (2, 3), [2, 1, 2]) -> (2, 2, 6) */
static const int64_t rep_y[24] = {
    0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5,
};
/* slice_copy(iota (2, 3, 4), dim -1, start 1, end None, step 2) -> (2, 3, 2) */
static const int64_t sl_y[12] = {
    1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23,
};
/* slice_copy(iota (2, 3, 4), dim 1, start -2, end 100, step 1) -> (2, 2, 4) */
static const int64_t sl2_y[16] = {
    4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23,
};
/* select_copy(iota (2, 3, 4), dim 1, index -1) -> (2, 4) */
static const int64_t sel_y[8] = {
    8, 9, 10, 11, 20, 21, 22, 23,
};

static int64_t iota64[24];
static float iotaf[24];
static int32_t iota32[24];

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

/* Runs `name` on [self, extra..., out, out] where extra has n_extra values. */
static ember_status run_unary(const char* name, ember_tensor* self, const ember_value* extra,
                              int n_extra, ember_tensor* out)
{
    ember_value v[8];
    int n = 0;
    v[n++] = th_tensor_value(self);
    for (int i = 0; i < n_extra; i++) v[n++] = extra[i];
    v[n++] = th_tensor_value(out);
    v[n++] = th_tensor_value(out);
    return th_run(name, v, (size_t)n);
}

static void test_reshapes(void)
{
    const int32_t xs[3] = {2, 3, 4};
    ember_tensor x = th_tensor(EMBER_DTYPE_F32, iotaf, 3, xs);
    float y[24];
    const int64_t size[2] = {4, -1};
    const int32_t ys[2] = {4, 6}, bad[2] = {4, 5};
    ember_tensor out = th_tensor(EMBER_DTYPE_F32, y, 2, ys);
    ember_value e = th_int_list(size, 2);
    memset(y, 0, sizeof y);
    CHECK(run_unary("aten::view_copy.out", &x, &e, 1, &out) == EMBER_OK);
    CHECK_NEAR_F32(y, iotaf, 24, 0.0f);
    memset(y, 0, sizeof y);
    CHECK(run_unary("aten::_unsafe_view.out", &x, &e, 1, &out) == EMBER_OK);
    CHECK_NEAR_F32(y, iotaf, 24, 0.0f);
    out = th_tensor(EMBER_DTYPE_F32, y, 2, bad);
    CHECK(run_unary("aten::view_copy.out", &x, &e, 1, &out) == EMBER_SHAPE_MISMATCH);
    out = th_tensor(EMBER_DTYPE_I32, y, 2, ys);
    CHECK(run_unary("aten::view_copy.out", &x, &e, 1, &out) == EMBER_DTYPE_MISMATCH);

    /* et_view: a borrowed out is pointed at self; a planned one gets a copy */
    ember_tensor view = th_tensor(EMBER_DTYPE_F32, NULL, 2, ys);
    view.storage = EMBER_TENSOR_BORROWED;
    ember_value v[3] = {th_tensor_value(&x), th_int_list(size, 2), th_tensor_value(&view)};
    CHECK(th_run("executorch_prim::et_view.default", v, 3) == EMBER_OK);
    CHECK(view.data == (void*)iotaf);
    memset(y, 0, sizeof y);
    view = th_tensor(EMBER_DTYPE_F32, y, 2, ys);
    CHECK(th_run("executorch_prim::et_view.default", v, 3) == EMBER_OK);
    CHECK(view.data == (void*)y);
    CHECK_NEAR_F32(y, iotaf, 24, 0.0f);
    const int64_t size_bad[2] = {5, 5};
    v[1] = th_int_list(size_bad, 2);
    CHECK(th_run("executorch_prim::et_view.default", v, 3) == EMBER_SHAPE_MISMATCH);

    /* squeeze family on bool (1, 3, 1, 2) */
    uint8_t b[6] = {1, 0, 0, 1, 1, 1}, bo[6];
    const int32_t bs[4] = {1, 3, 1, 2}, s32[2] = {3, 2}, s132[3] = {1, 3, 2};
    ember_tensor tb = th_tensor(EMBER_DTYPE_BOOL, b, 4, bs);
    ember_tensor to = th_tensor(EMBER_DTYPE_BOOL, bo, 2, s32);
    memset(bo, 7, sizeof bo);
    CHECK(run_unary("aten::squeeze_copy.out", &tb, NULL, 0, &to) == EMBER_OK);
    CHECK(memcmp(bo, b, 6) == 0);
    const int64_t d02[2] = {0, 2}, d1[1] = {1};
    e = th_int_list(d02, 2);
    CHECK(run_unary("aten::squeeze_copy.dims_out", &tb, &e, 1, &to) == EMBER_OK);
    e = th_int_list(d1, 1); /* dim 1 has size 3: nothing is squeezed */
    CHECK(run_unary("aten::squeeze_copy.dims_out", &tb, &e, 1, &to) == EMBER_SHAPE_MISMATCH);
    to = th_tensor(EMBER_DTYPE_BOOL, bo, 3, s132);
    e = th_int(-2);
    CHECK(run_unary("aten::squeeze_copy.dim_out", &tb, &e, 1, &to) == EMBER_OK);
    CHECK(memcmp(bo, b, 6) == 0);
    e = th_int(4);
    CHECK(run_unary("aten::squeeze_copy.dim_out", &tb, &e, 1, &to) == EMBER_INVALID_ARGUMENT);

    /* unsqueeze, alias on int32 (3, 2) */
    int32_t io[6];
    ember_tensor ti = th_tensor(EMBER_DTYPE_I32, iota32, 2, s32);
    const int32_t s321[3] = {3, 2, 1};
    ember_tensor tio = th_tensor(EMBER_DTYPE_I32, io, 3, s321);
    e = th_int(-1);
    CHECK(run_unary("aten::unsqueeze_copy.out", &ti, &e, 1, &tio) == EMBER_OK);
    CHECK(memcmp(io, iota32, sizeof io) == 0);
    e = th_int(0);
    CHECK(run_unary("aten::unsqueeze_copy.out", &ti, &e, 1, &tio) == EMBER_SHAPE_MISMATCH);
    tio = th_tensor(EMBER_DTYPE_I32, io, 2, s32);
    memset(io, 0, sizeof io);
    CHECK(run_unary("aten::alias_copy.out", &ti, NULL, 0, &tio) == EMBER_OK);
    CHECK(memcmp(io, iota32, sizeof io) == 0);
}

static void test_permutes(void)
{
    const int32_t xs[3] = {2, 3, 4};
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 3, xs);
    int64_t y[24];
    const int32_t ps[3] = {4, 2, 3};
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, ps);
    const int64_t perm[3] = {2, 0, 1}, twice[3] = {2, 0, 0};
    ember_value e = th_int_list(perm, 3);
    CHECK(run_unary("aten::permute_copy.out", &x, &e, 1, &out) == EMBER_OK);
    check_i64(y, perm_y, 24);
    e = th_int_list(twice, 3);
    CHECK(run_unary("aten::permute_copy.out", &x, &e, 1, &out) == EMBER_INVALID_ARGUMENT);

    /* transpose (0, -1) of float (2, 3, 4): y[k][j][i] = x[i][j][k] */
    ember_tensor xf = th_tensor(EMBER_DTYPE_F32, iotaf, 3, xs);
    float yf[24], want[24];
    const int32_t ts[3] = {4, 3, 2};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++) want[(k * 3 + j) * 2 + i] = iotaf[(i * 3 + j) * 4 + k];
    ember_tensor outf = th_tensor(EMBER_DTYPE_F32, yf, 3, ts);
    ember_value d[2] = {th_int(0), th_int(-1)};
    CHECK(run_unary("aten::transpose_copy.int_out", &xf, d, 2, &outf) == EMBER_OK);
    CHECK_NEAR_F32(yf, want, 24, 0.0f);
    outf = th_tensor(EMBER_DTYPE_F32, yf, 3, xs);
    CHECK(run_unary("aten::transpose_copy.int_out", &xf, d, 2, &outf) == EMBER_SHAPE_MISMATCH);

    /* t_copy: (2, 3) int32 0..5 -> (3, 2) {0, 3, 1, 4, 2, 5}; 1-D is unchanged */
    const int32_t s23[2] = {2, 3}, s32[2] = {3, 2}, s3[1] = {3};
    int32_t t[6];
    const int32_t t_want[6] = {0, 3, 1, 4, 2, 5};
    ember_tensor ti = th_tensor(EMBER_DTYPE_I32, iota32, 2, s23);
    ember_tensor to = th_tensor(EMBER_DTYPE_I32, t, 2, s32);
    CHECK(run_unary("aten::t_copy.out", &ti, NULL, 0, &to) == EMBER_OK);
    CHECK(memcmp(t, t_want, sizeof t) == 0);
    ti = th_tensor(EMBER_DTYPE_I32, iota32, 1, s3);
    to = th_tensor(EMBER_DTYPE_I32, t, 1, s3);
    CHECK(run_unary("aten::t_copy.out", &ti, NULL, 0, &to) == EMBER_OK);
    CHECK(memcmp(t, iota32, 3 * sizeof(int32_t)) == 0);
    ti = th_tensor(EMBER_DTYPE_I32, iota32, 3, xs);
    CHECK(run_unary("aten::t_copy.out", &ti, NULL, 0, &to) == EMBER_INVALID_ARGUMENT);

    /* flip dims [0, 2] */
    out = th_tensor(EMBER_DTYPE_I64, y, 3, xs);
    const int64_t fd[2] = {0, -1};
    e = th_int_list(fd, 2);
    CHECK(run_unary("aten::flip.out", &x, &e, 1, &out) == EMBER_OK);
    check_i64(y, flip_y, 24);
}

static void test_broadcasts(void)
{
    int64_t y[24];
    const int32_t s31[2] = {3, 1}, s234[3] = {2, 3, 4}, s23[2] = {2, 3}, s226[3] = {2, 2, 6};
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 2, s31);
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, s234);
    const int64_t size[3] = {2, -1, 4}, bad[3] = {2, 4, 4};
    ember_value e[2] = {th_int_list(size, 3), th_bool(false)};
    CHECK(run_unary("aten::expand_copy.out", &x, e, 2, &out) == EMBER_OK);
    check_i64(y, exp_y, 24);
    e[0] = th_int_list(bad, 3);
    CHECK(run_unary("aten::expand_copy.out", &x, e, 2, &out) == EMBER_SHAPE_MISMATCH);

    x = th_tensor(EMBER_DTYPE_I64, iota64, 2, s23);
    out = th_tensor(EMBER_DTYPE_I64, y, 3, s226);
    const int64_t rep[3] = {2, 1, 2};
    e[0] = th_int_list(rep, 3);
    CHECK(run_unary("aten::repeat.out", &x, e, 1, &out) == EMBER_OK);
    check_i64(y, rep_y, 24);
    e[0] = th_int_list(rep, 1); /* fewer repeats than dims */
    CHECK(run_unary("aten::repeat.out", &x, e, 1, &out) == EMBER_SHAPE_MISMATCH);
}

static void test_slices(void)
{
    const int32_t xs[3] = {2, 3, 4};
    ember_tensor x = th_tensor(EMBER_DTYPE_I64, iota64, 3, xs);
    int64_t y[24];
    const int32_t s232[3] = {2, 3, 2}, s224[3] = {2, 2, 4}, s24[2] = {2, 4};
    ember_tensor out = th_tensor(EMBER_DTYPE_I64, y, 3, s232);
    ember_value e[4] = {th_int(-1), th_int(1), th_null(), th_int(2)};
    CHECK(run_unary("aten::slice_copy.Tensor_out", &x, e, 4, &out) == EMBER_OK);
    check_i64(y, sl_y, 12);
    e[0] = th_int(1);
    e[1] = th_int(-2);
    e[2] = th_int(100);
    e[3] = th_int(1);
    out = th_tensor(EMBER_DTYPE_I64, y, 3, s224);
    CHECK(run_unary("aten::slice_copy.Tensor_out", &x, e, 4, &out) == EMBER_OK);
    check_i64(y, sl2_y, 16);
    e[1] = th_null(); /* [:] of the whole dim */
    e[2] = th_null();
    out = th_tensor(EMBER_DTYPE_I64, y, 3, xs);
    CHECK(run_unary("aten::slice_copy.Tensor_out", &x, e, 4, &out) == EMBER_OK);
    check_i64(y, iota64, 24);
    e[3] = th_int(0);
    CHECK(run_unary("aten::slice_copy.Tensor_out", &x, e, 4, &out) == EMBER_NOT_SUPPORTED);

    out = th_tensor(EMBER_DTYPE_I64, y, 2, s24);
    ember_value s[2] = {th_int(1), th_int(-1)};
    CHECK(run_unary("aten::select_copy.int_out", &x, s, 2, &out) == EMBER_OK);
    check_i64(y, sel_y, 8);
    s[1] = th_int(3);
    CHECK(run_unary("aten::select_copy.int_out", &x, s, 2, &out) == EMBER_INVALID_ARGUMENT);
}

int main(void)
{
    for (int i = 0; i < 24; i++) {
        iota64[i] = i;
        iotaf[i] = (float)i;
        iota32[i] = i;
    }
    test_reshapes();
    test_permutes();
    test_broadcasts();
    test_slices();
    return check_report("test_ops_nn_view");
}
