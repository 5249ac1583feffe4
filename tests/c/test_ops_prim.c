/* test_ops_prim.c — the scalar ops of dynamic shapes (op_prim_scalar.c): aten::sym_size.int,
 * aten::sym_numel and the executorch_prim::*.Scalar ops, against Python's rules computed here
 * (floor division and modulo through floor() of small exact doubles, the comparisons, round
 * half to even), the out's kind deciding how a result is stored, and the refusals (int overflow,
 * division by zero, a dim out of range, an out that is not a scalar). */
#include <math.h>

#include "ember/ember.h"
#include "kernels/kernel.h"
#include "tests/c/check.h"
#include "tests/c/kernel_harness.h"

/* op(a, b) with an Int out; *got its value. */
static ember_status int2(const char* op, ember_value a, ember_value b, int64_t* got)
{
    ember_value v[3] = {a, b, th_int(-777)};
    const ember_status st = th_run(op, v, 3);
    *got = v[2].u.i;
    return st;
}

static void integer_arithmetic(void)
{
    int ok = 1;
    for (int64_t a = -9; a <= 9; a++)
        for (int64_t b = -4; b <= 4; b++) {
            int64_t r;
            ok &= int2("executorch_prim::add.Scalar", th_int(a), th_int(b), &r) == EMBER_OK && r == a + b;
            ok &= int2("executorch_prim::sub.Scalar", th_int(a), th_int(b), &r) == EMBER_OK && r == a - b;
            ok &= int2("executorch_prim::mul.Scalar", th_int(a), th_int(b), &r) == EMBER_OK && r == a * b;
            if (!b) continue;
            const int64_t q = (int64_t)floor((double)a / (double)b); /* Python's a // b */
            ok &= int2("executorch_prim::floordiv.Scalar", th_int(a), th_int(b), &r) == EMBER_OK && r == q;
            ok &= int2("executorch_prim::mod.Scalar", th_int(a), th_int(b), &r) == EMBER_OK && r == a - b * q;
            ember_value v[3] = {th_int(a), th_int(b), th_bool(false)};
            const char* cmp[] = {"executorch_prim::eq.Scalar", "executorch_prim::gt.Scalar",
                                 "executorch_prim::lt.Scalar", "executorch_prim::ge.Scalar",
                                 "executorch_prim::le.Scalar"};
            const bool want[] = {a == b, a > b, a < b, a >= b, a <= b};
            for (int k = 0; k < 5; k++) {
                v[2] = th_bool(!want[k]);
                ok &= th_run(cmp[k], v, 3) == EMBER_OK && v[2].u.b == want[k];
            }
            ok &= int2("executorch_prim::sym_max.Scalar", th_int(a), th_int(b), &r) == EMBER_OK && r == (a > b ? a : b);
            ok &= int2("executorch_prim::sym_min.Scalar", th_int(a), th_int(b), &r) == EMBER_OK && r == (a < b ? a : b);
        }
    CHECK(ok);
    int64_t r;
    CHECK(int2("executorch_prim::add.Scalar", th_int(INT64_MAX), th_int(1), &r) == EMBER_INVALID_ARGUMENT);
    CHECK(int2("executorch_prim::mul.Scalar", th_int(INT64_MIN), th_int(-1), &r) == EMBER_INVALID_ARGUMENT);
    CHECK(int2("executorch_prim::floordiv.Scalar", th_int(5), th_int(0), &r) == EMBER_INVALID_ARGUMENT);
    CHECK(int2("executorch_prim::floordiv.Scalar", th_int(INT64_MIN), th_int(-1), &r) == EMBER_INVALID_ARGUMENT);
    CHECK(int2("executorch_prim::mod.Scalar", th_int(5), th_int(0), &r) == EMBER_INVALID_ARGUMENT);
    CHECK(int2("executorch_prim::mod.Scalar", th_int(INT64_MIN), th_int(-1), &r) == EMBER_OK && r == 0);
    CHECK(int2("executorch_prim::mod.Scalar", th_int(1), th_int(0), &r) == EMBER_INVALID_ARGUMENT);
    CHECK(strstr(th_msg, "no result in its type") != NULL);
    CHECK(int2("executorch_prim::add.Scalar", th_bool(true), th_int(2), &r) == EMBER_OK && r == 3);
}

static void doubles_and_kinds(void)
{
    ember_value v[3] = {th_int(7), th_int(2), th_double(0)};
    CHECK(th_run("executorch_prim::truediv.Scalar", v, 3) == EMBER_OK && v[2].u.d == 3.5);
    v[0] = th_double(-7.5), v[1] = th_int(2), v[2] = th_double(0);
    CHECK(th_run("executorch_prim::floordiv.Scalar", v, 3) == EMBER_OK && v[2].u.d == -4.0);
    v[2] = th_int(0); /* a Double result into an Int out: truncated */
    CHECK(th_run("executorch_prim::add.Scalar", v, 3) == EMBER_OK && v[2].u.i == -5);
    v[0] = th_double(NAN), v[1] = th_double(1.0), v[2] = th_bool(true);
    CHECK(th_run("executorch_prim::eq.Scalar", v, 3) == EMBER_OK && !v[2].u.b);
    v[2] = th_int(0); /* NaN has no int */
    CHECK(th_run("executorch_prim::add.Scalar", v, 3) == EMBER_INVALID_ARGUMENT);
    /* one operand */
    const double xs[] = {2.5, 3.5, -2.5, -0.4, 1e300};
    const int64_t round_even[] = {2, 4, -2, 0, 0}, ceil_[] = {3, 4, -2, 0, 0}, trunc_[] = {2, 3, -2, 0, 0};
    for (int k = 0; k < 5; k++) {
        ember_value u[2] = {th_double(xs[k]), th_int(-1)};
        const ember_status want = k == 4 ? EMBER_INVALID_ARGUMENT : EMBER_OK; /* past int64 */
        CHECK(th_run("executorch_prim::round.Scalar", u, 2) == want && (k == 4 || u[1].u.i == round_even[k]));
        CHECK(th_run("executorch_prim::ceil.Scalar", u, 2) == want && (k == 4 || u[1].u.i == ceil_[k]));
        CHECK(th_run("executorch_prim::trunc.Scalar", u, 2) == want && (k == 4 || u[1].u.i == trunc_[k]));
        CHECK(th_run("executorch_prim::sym_int.Scalar", u, 2) == want && (k == 4 || u[1].u.i == trunc_[k]));
    }
    ember_value u[2] = {th_int(-3), th_double(0)};
    CHECK(th_run("executorch_prim::sym_float.Scalar", u, 2) == EMBER_OK && u[1].u.d == -3.0);
    u[1] = th_int(0);
    CHECK(th_run("executorch_prim::neg.Scalar", u, 2) == EMBER_OK && u[1].u.i == 3);
    u[0] = th_int(INT64_MIN);
    CHECK(th_run("executorch_prim::neg.Scalar", u, 2) == EMBER_INVALID_ARGUMENT);
    u[0] = th_bool(false), u[1] = th_bool(false);
    CHECK(th_run("executorch_prim::sym_not.Scalar", u, 2) == EMBER_OK && u[1].u.b);
    /* refusals: a tensor operand, an out that is not a scalar, wrong counts */
    float f[2];
    const int32_t s2[] = {2};
    ember_tensor t = th_tensor(EMBER_DTYPE_F32, f, 1, s2);
    ember_value bad[3] = {th_tensor_value(&t), th_int(1), th_int(0)};
    CHECK(th_run("executorch_prim::add.Scalar", bad, 3) != EMBER_OK);
    bad[0] = th_int(1), bad[2] = th_tensor_value(&t);
    CHECK(th_run("executorch_prim::add.Scalar", bad, 3) == EMBER_INVALID_ARGUMENT);
    CHECK(th_run("executorch_prim::add.Scalar", bad, 2) != EMBER_OK);
}

static void sizes(void)
{
    float f[24];
    const int32_t s[] = {2, 3, 4};
    ember_tensor t = th_tensor(EMBER_DTYPE_F32, f, 3, s);
    for (int d = -3; d < 3; d++) {
        ember_value v[3] = {th_tensor_value(&t), th_int(d), th_int(-1)};
        CHECK(th_run("aten::sym_size.int", v, 3) == EMBER_OK && v[2].u.i == s[(d + 3) % 3]);
    }
    ember_value v[3] = {th_tensor_value(&t), th_int(3), th_int(-1)};
    CHECK(th_run("aten::sym_size.int", v, 3) == EMBER_INVALID_ARGUMENT);
    v[1] = th_int(0), v[2] = th_double(0);
    CHECK(th_run("aten::sym_size.int", v, 3) == EMBER_INVALID_ARGUMENT); /* out must be an Int */
    ember_value n[2] = {th_tensor_value(&t), th_int(0)};
    CHECK(th_run("aten::sym_numel", n, 2) == EMBER_OK && n[1].u.i == 24);
    ember_tensor scalar = th_tensor(EMBER_DTYPE_F32, f, 0, NULL);
    ember_value z[3] = {th_tensor_value(&scalar), th_int(0), th_int(-1)};
    CHECK(th_run("aten::sym_size.int", z, 3) == EMBER_INVALID_ARGUMENT);
}

int main(void)
{
    integer_arithmetic();
    doubles_and_kinds();
    sizes();
    return check_report("test_ops_prim");
}
