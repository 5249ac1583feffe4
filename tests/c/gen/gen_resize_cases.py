"""Writes tests/c/test_ops_resize.c: upsampling, adaptive max pooling, log1p and expm1 against
values computed by torch's own out-variant ops. Run: .venv/bin/python tests/c/gen/gen_resize_cases.py"""
from pathlib import Path

import torch

torch.manual_seed(11)
OUT = Path(__file__).resolve().parents[1] / "test_ops_resize.c"


def arr(name, t, ctype="float"):
    vals = ", ".join(f"{v:.9g}f" if ctype == "float" else str(int(v)) for v in t.flatten().tolist())
    return f"    static {ctype} {name}[] = {{{vals}}};\n"


def shape(name, t):
    return f"    static const int32_t {name}[] = {{{', '.join(str(s) for s in t.shape)}}};\n"


cases = []


def resize_case(title, op, x, y, args_c):
    body = f"/* {title} */\nstatic void case_{len(cases)}(void)\n{{\n"
    body += arr("x", x) + shape("sx", x) + arr("want", y) + shape("sy", y)
    body += f"    static float got[{y.numel()}];\n"
    body += "    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 4, sx);\n"
    body += "    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, got, 4, sy);\n"
    body += f"{args_c}"
    body += f"    CHECK(th_run(\"{op}\", v, sizeof v / sizeof v[0]) == EMBER_OK);\n"
    body += f"    CHECK_NEAR_F32(got, want, {y.numel()}, 1e-5f);\n}}\n"
    cases.append(body)


aten = torch.ops.aten
x = torch.randn(1, 2, 3, 4)
y = aten.upsample_nearest2d.vec(x, None, [2.0, 2.0])
resize_case("nearest, scale 2 (vec)", "aten::upsample_nearest2d.vec_out", x, y,
            "    static const double sc[] = {2.0, 2.0};\n"
            "    ember_value v[] = {th_tensor_value(&tx), th_null(), th_double_list(sc, 2), th_tensor_value(&ty), th_tensor_value(&ty)};\n")
y = aten.upsample_nearest2d.vec(x, [5, 3], None)
resize_case("nearest, size (5, 3) (vec)", "aten::upsample_nearest2d.vec_out", x, y,
            "    static const int64_t os[] = {5, 3};\n"
            "    ember_value v[] = {th_tensor_value(&tx), th_int_list(os, 2), th_null(), th_tensor_value(&ty), th_tensor_value(&ty)};\n")
y = aten.upsample_nearest2d(x, [7, 6])
resize_case("nearest, size (7, 6), no scales", "aten::upsample_nearest2d.out", x, y,
            "    static const int64_t os[] = {7, 6};\n"
            "    ember_value v[] = {th_tensor_value(&tx), th_int_list(os, 2), th_null(), th_null(), th_tensor_value(&ty), th_tensor_value(&ty)};\n")
y = aten.upsample_bilinear2d.vec(x, None, False, [2.0, 1.5])
resize_case("bilinear, scales (2, 1.5), half-pixel (vec)", "aten::upsample_bilinear2d.vec_out", x, y,
            "    static const double sc[] = {2.0, 1.5};\n"
            "    ember_value v[] = {th_tensor_value(&tx), th_null(), th_bool(false), th_double_list(sc, 2), th_tensor_value(&ty), th_tensor_value(&ty)};\n")
y = aten.upsample_bilinear2d.vec(x, [5, 7], True, None)
resize_case("bilinear, size (5, 7), align_corners (vec)", "aten::upsample_bilinear2d.vec_out", x, y,
            "    static const int64_t os[] = {5, 7};\n"
            "    ember_value v[] = {th_tensor_value(&tx), th_int_list(os, 2), th_bool(true), th_null(), th_tensor_value(&ty), th_tensor_value(&ty)};\n")
y = aten.upsample_bilinear2d(x, [2, 9], False)
resize_case("bilinear, size (2, 9), downscale rows", "aten::upsample_bilinear2d.out", x, y,
            "    static const int64_t os[] = {2, 9};\n"
            "    ember_value v[] = {th_tensor_value(&tx), th_int_list(os, 2), th_bool(false), th_null(), th_null(), th_tensor_value(&ty), th_tensor_value(&ty)};\n")

# adaptive max pool: values and indices
xa = torch.randn(1, 2, 5, 7)
ya, ia = aten.adaptive_max_pool2d(xa, [3, 2])
body = "/* adaptive max pool to (3, 2): values and flat indices */\nstatic void case_amax(void)\n{\n"
body += arr("x", xa) + shape("sx", xa) + arr("want", ya) + arr("want_i", ia, "int64_t") + shape("sy", ya)
body += f"    static float got[{ya.numel()}];\n    static int64_t got_i[{ya.numel()}];\n"
body += ("    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 4, sx);\n"
         "    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, got, 4, sy);\n"
         "    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, got_i, 4, sy);\n"
         "    static const int64_t os[] = {3, 2};\n"
         "    ember_value v[] = {th_tensor_value(&tx), th_int_list(os, 2), th_tensor_value(&ty), th_tensor_value(&ti), th_tensor_value(&ty), th_tensor_value(&ti)};\n"
         "    CHECK(th_run(\"aten::adaptive_max_pool2d.out\", v, 6) == EMBER_OK);\n"
         f"    CHECK_NEAR_F32(got, want, {ya.numel()}, 0.0f);\n"
         "    CHECK(memcmp(got_i, want_i, sizeof want_i) == 0);\n"
         "    /* the 5-argument form (returns as one TensorList) is accepted too */\n"
         "    ember_tensor* rets[] = {&ty, &ti};\n"
         "    v[4] = th_tensor_list(rets, 2);\n"
         "    CHECK(th_run(\"aten::adaptive_max_pool2d.out\", v, 5) == EMBER_OK);\n"
         "    /* a wrong out shape is refused at prepare */\n"
         "    static const int64_t bad[] = {2, 2};\n"
         "    v[1] = th_int_list(bad, 2);\n"
         "    CHECK(th_run(\"aten::adaptive_max_pool2d.out\", v, 6) == EMBER_SHAPE_MISMATCH);\n}\n")
cases.append(body)

# log1p and expm1
xu = torch.randn(9) * 2
for op, fn in (("log1p", lambda t: torch.log1p(t.abs())), ("expm1", torch.expm1)):
    xin = xu.abs() if op == "log1p" else xu
    yu = fn(xu)
    body = f"/* {op} */\nstatic void case_{op}(void)\n{{\n" + arr("x", xin) + arr("want", yu)
    body += ("    static float got[9];\n    static const int32_t s[] = {9};\n"
             "    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 1, s);\n"
             "    ember_tensor ty = th_tensor(EMBER_DTYPE_F32, got, 1, s);\n"
             "    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&ty), th_tensor_value(&ty)};\n"
             f"    CHECK(th_run(\"aten::{op}.out\", v, 3) == EMBER_OK);\n"
             "    for (int i = 0; i < 9; i++) CHECK(fabsf(got[i] - want[i]) <= 1e-5f * fmaxf(1.0f, fabsf(want[i])));\n}\n")
    cases.append(body)

names = [c.split("static void ")[1].split("(")[0] for c in cases]
src = ('/* test_ops_resize.c — upsampling, adaptive max pooling, log1p, expm1 against torch.\n'
       ' * Generated by tests/c/gen/gen_resize_cases.py: edit that, not this. */\n'
       '#include <math.h>\n#include <string.h>\n\n#include "tests/c/kernel_harness.h"\n\n'
       + "\n".join(cases)
       + "\n/* prepare failures: neither size nor scale; wrong rank */\nstatic void failures(void)\n{\n"
       "    static float x[8], y[32];\n    static const int32_t sx[] = {1, 1, 2, 4}, sy[] = {1, 1, 4, 8}, s3[] = {1, 2, 4};\n"
       "    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 4, sx), ty = th_tensor(EMBER_DTYPE_F32, y, 4, sy);\n"
       "    ember_value v[] = {th_tensor_value(&tx), th_null(), th_null(), th_tensor_value(&ty), th_tensor_value(&ty)};\n"
       "    CHECK(th_run(\"aten::upsample_nearest2d.vec_out\", v, 5) == EMBER_INVALID_ARGUMENT);\n"
       "    ember_tensor t3 = th_tensor(EMBER_DTYPE_F32, x, 3, s3);\n"
       "    static const double sc[] = {2.0, 2.0};\n"
       "    ember_value w[] = {th_tensor_value(&t3), th_null(), th_double_list(sc, 2), th_tensor_value(&ty), th_tensor_value(&ty)};\n"
       "    CHECK(th_run(\"aten::upsample_nearest2d.vec_out\", w, 5) == EMBER_NOT_SUPPORTED);\n}\n"
       "\nint main(void)\n{\n" + "".join(f"    {n}();\n" for n in names)
       + "    failures();\n    return check_report(\"test_ops_resize\");\n}\n")
OUT.write_text(src)
print(f"wrote {OUT} ({len(names)} cases)")
