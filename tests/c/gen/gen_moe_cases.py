"""Writes tests/c/test_ops_moe.c: ember::grouped_mm.out (the kernel transformers'
grouped_mm_fallback maps to) and aten::histc.out against torch. Run:
.venv/bin/python tests/c/gen/gen_moe_cases.py"""
from pathlib import Path

import torch

torch.manual_seed(5)
OUT = Path(__file__).resolve().parents[1] / "test_ops_moe.c"


def _flit(v):
    """A float literal C reads back exactly."""
    s = f"{v:.9g}"
    return (s if any(c in s for c in ".en") else s + ".0") + "f"


def arr(name, t, ctype="float"):
    if ctype == "float":
        vals = ", ".join(_flit(v) for v in t.flatten().tolist())
    elif ctype == "double":
        vals = ", ".join(repr(float(v)) if v == v and abs(v) != float("inf")
                         else ("NAN" if v != v else ("INFINITY" if v > 0 else "-INFINITY"))
                         for v in t.flatten().tolist())
    elif ctype == "uint16_t":
        vals = ", ".join(str(int(v) & 0xFFFF) for v in t.flatten().tolist())
    else:
        vals = ", ".join(str(int(v)) for v in t.flatten().tolist())
    return f"    static {ctype} {name}[] = {{{vals or '0'}}};\n"


def shape(name, t):
    return f"    static const int32_t {name}[] = {{{', '.join(str(s) for s in t.shape) or '0'}}};\n"


def grouped_mm_ref(x, w, offs):
    """What transformers' grouped_mm_fallback computes: rows start..end-1 times w[i]."""
    out = torch.zeros(x.shape[0], w.shape[2], dtype=x.dtype)
    start = 0
    for i, end in enumerate(offs.tolist()):
        if end > start:
            out[start:end] = (x[start:end].float() @ w[i].float()).to(x.dtype)
        start = end
    return out


cases = []


def gmm_case(title, s, k, n, offs, dtype=torch.float32, offs_dtype=torch.int64):
    x = torch.randn(s, k).to(dtype)
    w = torch.randn(len(offs), k, n).to(dtype)
    o = torch.tensor(offs, dtype=offs_dtype)
    y = grouped_mm_ref(x, w, o)
    name = f"gmm_{len(cases)}"
    half = dtype != torch.float32
    ct = "uint16_t" if half else "float"
    conv = (lambda t: t.view(torch.int16)) if half else (lambda t: t)
    ed = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[dtype]
    od = "I64" if offs_dtype == torch.int64 else "I32"
    oct_ = "int64_t" if offs_dtype == torch.int64 else "int32_t"
    body = f"/* grouped_mm: {title} */\nstatic void {name}(void)\n{{\n"
    body += arr("x", conv(x), ct) + shape("sx", x) + arr("w", conv(w), ct) + shape("sw", w)
    body += arr("o", o, oct_) + shape("so", o) + arr("want", y.float()) + shape("sy", y)
    body += f"    static {ct} got[{max(1, y.numel())}];\n"
    body += (f"    ember_tensor tx = th_tensor(EMBER_DTYPE_{ed}, x, 2, sx), tw = th_tensor(EMBER_DTYPE_{ed}, w, 3, sw);\n"
             f"    ember_tensor to = th_tensor(EMBER_DTYPE_{od}, o, 1, so), ty = th_tensor(EMBER_DTYPE_{ed}, got, 2, sy);\n"
             "    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&to), th_tensor_value(&ty), th_tensor_value(&ty)};\n"
             "    CHECK(th_run(\"ember::grouped_mm.out\", v, 5) == EMBER_OK);\n")
    if half:
        to_f = "ember_f16_to_f32" if dtype == torch.float16 else "ember_bf16_to_f32"
        # One rounding of a float sum: within one half ulp of the oracle's rounding, so 2^-7 relative.
        body += (f"    for (int i = 0; i < {y.numel()}; i++)\n"
                 f"        CHECK(fabsf({to_f}(got[i]) - want[i]) <= 0.008f * fmaxf(1.0f, fabsf(want[i])));\n")
    else:
        body += f"    CHECK_NEAR_F32(got, want, {y.numel()}, 1e-5f);\n"
    body += "}\n"
    cases.append(body)


gmm_case("3 experts, 7 rows, all used", 7, 5, 4, [2, 5, 7])
gmm_case("an empty expert and unused tail rows (zeros)", 6, 3, 5, [0, 2, 2, 4])
gmm_case("int32 offsets", 5, 4, 3, [1, 5], offs_dtype=torch.int32)
gmm_case("float16", 6, 8, 70, [3, 6], dtype=torch.float16)
gmm_case("bfloat16", 4, 6, 3, [1, 1, 4], dtype=torch.bfloat16)


def histc_case(title, x, bins, lo, hi, dtype=torch.float32):
    x = x.to(dtype)
    y = torch.histc(x, bins=bins, min=lo, max=hi)
    ct = "float" if dtype == torch.float32 else "double"
    ed = "F32" if dtype == torch.float32 else "F64"
    name = f"histc_{len(cases)}"
    body = f"/* histc: {title} */\nstatic void {name}(void)\n{{\n"
    body += arr("x", x, "double").replace("static double", f"static {ct}") + shape("sx", x)
    body += arr("want", y, ct) + f"    static {ct} got[{bins}];\n"
    body += (f"    static const int32_t sy[] = {{{bins}}};\n"
             f"    ember_tensor tx = th_tensor(EMBER_DTYPE_{ed}, x, {x.dim()}, sx), ty = th_tensor(EMBER_DTYPE_{ed}, got, 1, sy);\n"
             f"    ember_value v[] = {{th_tensor_value(&tx), th_int({bins}), th_double({float(lo)!r}), th_double({float(hi)!r}), th_tensor_value(&ty), th_tensor_value(&ty)}};\n"
             "    CHECK(th_run(\"aten::histc.out\", v, 6) == EMBER_OK);\n"
             f"    for (int i = 0; i < {bins}; i++) CHECK(got[i] == want[i]);\n}}\n")
    cases.append(body)


histc_case("router counts: expert ids 0..3, bins 4 over [0, 3]", torch.randint(0, 4, (40,)).float(), 4, 0, 3)
histc_case("range from the data (min == max == 0)", torch.randn(3, 17), 7, 0, 0)
histc_case("outside the range, NaN and the edges", torch.tensor([-1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 3.5, float("nan")]), 3, 0, 3)
histc_case("constant data widens by 1", torch.full((5,), 2.0), 4, 0, 0)
histc_case("float64", torch.randn(50, dtype=torch.float64), 10, -1, 1, dtype=torch.float64)

names = [c.split("static void ")[1].split("(")[0] for c in cases]
src = ('/* test_ops_moe.c — ember::grouped_mm.out and aten::histc.out against torch.\n'
       ' * Generated by tests/c/gen/gen_moe_cases.py: edit that, not this. */\n'
       '#include <math.h>\n#include <string.h>\n\n#include "kernels/kernel_util.h"\n#include "tests/c/kernel_harness.h"\n\n'
       + "\n".join(cases)
       + """
/* Bad offsets fail run; bad shapes and dtypes fail prepare. */
static void failures(void)
{
    static float x[6], w[12], y[9];
    static int64_t o[2] = {2, 1};
    static const int32_t sx[] = {3, 2}, sw[] = {2, 2, 3}, so[] = {2}, sy[] = {3, 3}, sbad[] = {3, 2};
    ember_tensor tx = th_tensor(EMBER_DTYPE_F32, x, 2, sx), tw = th_tensor(EMBER_DTYPE_F32, w, 3, sw);
    ember_tensor to = th_tensor(EMBER_DTYPE_I64, o, 1, so), ty = th_tensor(EMBER_DTYPE_F32, y, 2, sy);
    ember_value v[] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&to), th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK_STATUS(th_run("ember::grouped_mm.out", v, 5), EMBER_OUT_OF_RANGE, "offsets must rise");
    o[0] = 1; o[1] = 4;
    CHECK_STATUS(th_run("ember::grouped_mm.out", v, 5), EMBER_OUT_OF_RANGE, "offs[1] = 4");
    o[1] = 3;
    CHECK(th_run("ember::grouped_mm.out", v, 5) == EMBER_OK);
    ember_tensor tbad = th_tensor(EMBER_DTYPE_F32, y, 2, sbad);
    ember_value vb[] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&to), th_tensor_value(&tbad), th_tensor_value(&tbad)};
    CHECK_STATUS(th_run("ember::grouped_mm.out", vb, 5), EMBER_SHAPE_MISMATCH, "out has shape");
    ember_tensor tof = th_tensor(EMBER_DTYPE_F32, x, 1, so);
    ember_value vo[] = {th_tensor_value(&tx), th_tensor_value(&tw), th_tensor_value(&tof), th_tensor_value(&ty), th_tensor_value(&ty)};
    CHECK_STATUS(th_run("ember::grouped_mm.out", vo, 5), EMBER_DTYPE_MISMATCH, "offs has dtype float32");

    static float hx[4] = {0, 1, 2, NAN}, hy[3];
    static const int32_t shx[] = {4}, shy[] = {3};
    ember_tensor thx = th_tensor(EMBER_DTYPE_F32, hx, 1, shx), thy = th_tensor(EMBER_DTYPE_F32, hy, 1, shy);
    ember_value h[] = {th_tensor_value(&thx), th_int(3), th_double(0.0), th_double(0.0), th_tensor_value(&thy), th_tensor_value(&thy)};
    CHECK_STATUS(th_run("aten::histc.out", h, 6), EMBER_INVALID_ARGUMENT, "not finite");
    ember_value h2[] = {th_tensor_value(&thx), th_int(4), th_double(0.0), th_double(1.0), th_tensor_value(&thy), th_tensor_value(&thy)};
    CHECK_STATUS(th_run("aten::histc.out", h2, 6), EMBER_SHAPE_MISMATCH, "out has shape");
    ember_value h3[] = {th_tensor_value(&thx), th_int(3), th_double(2.0), th_double(1.0), th_tensor_value(&thy), th_tensor_value(&thy)};
    CHECK_STATUS(th_run("aten::histc.out", h3, 6), EMBER_INVALID_ARGUMENT, "must not be below");
    ember_value h4[] = {th_tensor_value(&thx), th_int(3), th_double(0.0), th_double(1e300), th_tensor_value(&thy), th_tensor_value(&thy)};
    CHECK_STATUS(th_run("aten::histc.out", h4, 6), EMBER_INVALID_ARGUMENT, "does not fit in float32");
}
"""
       + "\nint main(void)\n{\n" + "".join(f"    {n}();\n" for n in names)
       + "    failures();\n    return check_report(\"test_ops_moe\");\n}\n")
OUT.write_text(src)
print(f"wrote {OUT} ({len(names)} cases)")
