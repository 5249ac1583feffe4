"""Writes tests/c/test_half_cases.inc: float16/bfloat16 conversion oracles and half-dtype kernel
cases for tests/c/test_half.c. Run: .venv/bin/python tests/c/gen/gen_half_cases.py

Conversion oracles: float32 values (random bit patterns, values near the float16 overflow and
subnormal boundaries, exact ties) with the float16 bits numpy's float16 rounds them to and the
bfloat16 bits torch's bfloat16 rounds them to. NaNs are left out (test_half.c checks those by
rule: a NaN stays a NaN).

Kernel cases: each op run by torch on float16 / bfloat16 tensors (torch's CPU half kernels
compute in float and round once). test_half.c runs the same op through Ember and allows
`ulps` units in the last place of the half result (computation order and the double-rounding
of a float result differ between the two; see test_half.c)."""
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[1] / "test_half_cases.inc"
aten = torch.ops.aten

# ----------------------------------------------------------------------------- conversions

rng = np.random.default_rng(6)
bits = rng.integers(0, 2**32, size=3000, dtype=np.uint64).astype(np.uint32)
vals = [bits.view(np.float32)]
# near the float16 range ends: 65504 (max), 65520 (first value that rounds to inf), 2^-14
# (smallest normal), 2^-24 (smallest subnormal) and 2^-25 (half of it)
for edge in (65504.0, 65520.0, 2.0**-14, 2.0**-24, 2.0**-25, 1.0, 3.0e38):
    e = np.float32(edge)
    around = np.array([e], dtype=np.float32).view(np.uint32)[0] + np.arange(-4, 5, dtype=np.int64)
    vals.append(around.astype(np.uint32).view(np.float32))
# exact ties between neighbouring float16 values (normal and subnormal) and bfloat16 values
h = np.arange(0, 0x7BFF, 97, dtype=np.uint16)
lo, hi = h.view(np.float16).astype(np.float64), (h + 1).view(np.float16).astype(np.float64)
vals.append(((lo + hi) / 2).astype(np.float32))
b = rng.integers(0, 0x7F7F, size=300, dtype=np.uint32)
vals.append(((b << 16) | 0x8000).astype(np.uint32).view(np.float32))
f = np.concatenate(vals).astype(np.float32)
f = np.concatenate([f, -f])
f = f[~np.isnan(f)]
with np.errstate(over="ignore"):
    f16 = f.astype(np.float16).view(np.uint16)
bf16 = torch.from_numpy(f.copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)


def hex32(a):
    return ", ".join(f"0x{int(v):08x}u" for v in a.view(np.uint32))


def hex16(a):
    return ", ".join(f"0x{int(v):04x}" for v in a)


# ----------------------------------------------------------------------------- kernel cases

torch.manual_seed(6)
cases = []
DT = {torch.float16: "EMBER_DTYPE_F16", torch.bfloat16: "EMBER_DTYPE_BF16",
      torch.float32: "EMBER_DTYPE_F32", torch.int64: "EMBER_DTYPE_I64", torch.bool: "EMBER_DTYPE_BOOL"}
CTYPE = {torch.float16: "uint16_t", torch.bfloat16: "uint16_t", torch.float32: "float",
         torch.int64: "int64_t", torch.bool: "uint8_t"}


def cfloat(v):
    if v != v:
        return "NAN"
    if v in (float("inf"), float("-inf")):
        return "INFINITY" if v > 0 else "-INFINITY"
    return f"{v:.9e}f"


def storage(t):
    t = t.contiguous().flatten()
    if t.dtype in (torch.float16, torch.bfloat16):
        return hex16(t.view(torch.int16).numpy().view(np.uint16))
    if t.dtype == torch.float32:
        return ", ".join(cfloat(v) for v in t.tolist())
    return ", ".join(str(int(v)) for v in t.tolist())


class T:
    """An input tensor argument."""

    def __init__(self, t):
        self.t = t


class Out:
    """An out argument (declared by the kernel) holding torch's result `t`; returns repeat it."""

    def __init__(self, t, ulps=1):
        self.t, self.ulps = t, ulps


def case(title, op, args, nrets=None):
    """args: T, Out, or C expressions for values (strings). The out tensors are repeated as the
    returns after the args, unless nrets says otherwise."""
    k = len(cases)
    body = f"/* {title} */\nstatic void case_{k}(void)\n{{\n"
    vals, outs, n = [], [], 0
    for a in args:
        if isinstance(a, (T, Out)):
            t = a.t.contiguous()
            name = f"d{n}"
            shape = ", ".join(str(s) for s in t.shape) or "1"
            if isinstance(a, T):
                body += f"    static {CTYPE[t.dtype]} {name}[] = {{{storage(t) or '0'}}};\n"
            else:
                body += f"    static {CTYPE[t.dtype]} {name}[{max(t.numel(), 1)}];\n"
                want = t.float() if t.is_floating_point() else t.to(torch.int64)
                wtype = "float" if t.is_floating_point() else "int64_t"
                wvals = (", ".join(cfloat(v) for v in want.flatten().tolist())
                         if t.is_floating_point() else storage(want))
                body += f"    static const {wtype} w{n}[] = {{{wvals or '0'}}};\n"
                outs.append((n, t, a.ulps))
            body += f"    static const int32_t s{n}[] = {{{shape}}};\n"
            body += f"    ember_tensor t{n} = th_tensor({DT[t.dtype]}, {name}, {t.dim()}, s{n});\n"
            vals.append(f"th_tensor_value(&t{n})")
            n += 1
        else:
            vals.append(a)
    for i, _, _ in outs:
        vals.append(f"th_tensor_value(&t{i})")
    body += f"    ember_value v[] = {{{', '.join(vals)}}};\n"
    body += f"    if (!expect_ok(th_run(\"{op}\", v, {len(vals)}), \"{title}\")) return;\n"
    for i, t, ulps in outs:
        if t.is_floating_point():
            body += f"    expect_half_close(&t{i}, w{i}, {ulps}, \"{title}: out {i}\");\n"
        else:
            body += f"    expect_ints_equal(&t{i}, w{i}, \"{title}: out {i}\");\n"
    body += "}\n"
    cases.append(body)


def ints(*v):
    return "th_int_list((const int64_t[]){" + ", ".join(str(x) for x in v) + "}, " + str(len(v)) + ")"


for dt in (torch.float16, torch.bfloat16):
    nm = "f16" if dt == torch.float16 else "bf16"

    def r(*shape, scale=1.0):
        return (torch.randn(*shape) * scale).to(dt)

    x, y = r(3, 5), r(1, 5)
    case(f"{nm} add broadcast, alpha 2", "aten::add.out", [T(x), T(y), "th_int(2)", Out(aten.add(x, y, alpha=2))])
    case(f"{nm} mul by a double scalar", "aten::mul.Scalar_out", [T(x), "th_double(0.3)", Out(aten.mul(x, 0.3))])
    z = r(3, 5).abs() + 0.5
    case(f"{nm} div", "aten::div.out", [T(x), T(z), Out(aten.div(x, z))])
    case(f"{nm} pow scalar", "aten::pow.Tensor_Scalar_out", [T(z), "th_double(1.5)", Out(aten.pow(z, 1.5))])
    case(f"{nm} gelu", "aten::gelu.out", [T(x), "th_string(\"none\")", Out(aten.gelu(x))])
    case(f"{nm} gelu tanh", "aten::gelu.out", [T(x), "th_string(\"tanh\")", Out(aten.gelu(x, approximate="tanh"))])
    for op in ("relu", "silu", "sigmoid", "tanh", "exp", "neg", "abs"):
        case(f"{nm} {op}", f"aten::{op}.out", [T(x), Out(getattr(aten, op)(x))])
    case(f"{nm} rsqrt", "aten::rsqrt.out", [T(z), Out(aten.rsqrt(z))])
    case(f"{nm} sqrt", "aten::sqrt.out", [T(z), Out(aten.sqrt(z))])
    case(f"{nm} clamp", "aten::clamp.out", [T(x), "th_double(-0.5)", "th_double(0.7)", Out(aten.clamp(x, -0.5, 0.7))])
    case(f"{nm} lt", "aten::lt.Tensor_out", [T(x), T(y), Out(aten.lt(x, y))])
    cond = torch.rand(3, 5) > 0.5
    case(f"{nm} where", "aten::where.self_out", [T(cond), T(x), T(y), Out(aten.where(cond, x, y))])
    case(f"{nm} masked_fill -inf", "aten::masked_fill.Scalar_out",
         [T(x), T(cond), "th_double(-INFINITY)", Out(aten.masked_fill(x, cond, float("-inf")))])
    s = r(4, 6, 7)
    case(f"{nm} sum dim 1", "aten::sum.IntList_out", [T(s), ints(1), "th_bool(false)", "th_null()", Out(aten.sum(s, [1]))])
    case(f"{nm} mean keepdim", "aten::mean.out", [T(s), ints(-1), "th_bool(true)", "th_null()", Out(aten.mean(s, [-1], True))])
    case(f"{nm} amax", "aten::amax.out", [T(s), ints(2), "th_bool(false)", Out(aten.amax(s, [2]))])
    case(f"{nm} var", "aten::var.correction_out",
         [T(s), ints(2), "th_int(1)", "th_bool(false)", Out(aten.var(s, [2], correction=1))])
    case(f"{nm} softmax last dim", "aten::_softmax.out", [T(s), "th_int(-1)", "th_bool(false)", Out(aten._softmax(s, -1, False))])
    case(f"{nm} softmax dim 1", "aten::_softmax.out", [T(s), "th_int(1)", "th_bool(false)", Out(aten._softmax(s, 1, False))])
    case(f"{nm} log_softmax", "aten::_log_softmax.out", [T(s), "th_int(2)", "th_bool(false)", Out(aten._log_softmax(s, 2, False))])
    a, bm = r(5, 33), r(33, 70)
    case(f"{nm} mm", "aten::mm.out", [T(a), T(bm), Out(aten.mm(a, bm))])
    a3, b3 = r(2, 4, 9), r(2, 9, 3)
    case(f"{nm} bmm", "aten::bmm.out", [T(a3), T(b3), Out(aten.bmm(a3, b3))])
    bias = r(70)
    case(f"{nm} addmm beta 0.5 alpha 2", "aten::addmm.out",
         [T(bias), T(a), T(bm), "th_double(0.5)", "th_double(2.0)", Out(aten.addmm(bias, a, bm, beta=0.5, alpha=2.0))])
    wl, bl = r(6, 33), r(6)
    xl = r(2, 3, 33)
    case(f"{nm} linear", "aten::linear.out", [T(xl), T(wl), T(bl), Out(aten.linear(xl, wl, bl))])
    xc, wc, bc = r(2, 4, 9, 8), r(6, 2, 3, 3, scale=0.5), r(6)
    case(f"{nm} conv2d groups 2, stride 2, pad 1", "aten::convolution.out",
         [T(xc), T(wc), T(bc), ints(2, 2), ints(1, 1), ints(1, 1), "th_bool(false)", ints(0, 0), "th_int(2)",
          Out(aten.convolution(xc, wc, bc, [2, 2], [1, 1], [1, 1], False, [0, 0], 2))])
    xw = r(1, 3, 5, 70)  # a row longer than one 64-column block
    ww = r(4, 3, 3, 3, scale=0.5)
    case(f"{nm} conv2d wide rows, dilation 2", "aten::convolution.out",
         [T(xw), T(ww), "th_null()", ints(1, 1), ints(2, 2), ints(2, 2), "th_bool(false)", ints(0, 0), "th_int(1)",
          Out(aten.convolution(xw, ww, None, [1, 1], [2, 2], [2, 2], False, [0, 0], 1))])
    # torch's CPU transposed convolution in half scatters partial sums into a half output
    # (col2im), rounding many times; the oracle here is the float32 result rounded once, which
    # is what Ember computes
    wt = r(4, 3, 3, 3, scale=0.5)
    ct = aten.convolution(xc.float(), wt.float(), bc.float(), [2, 2], [1, 1], [1, 1], True, [1, 1], 2).to(dt)
    case(f"{nm} conv_transpose2d stride 2, output_padding 1, groups 2", "aten::convolution.out",
         [T(xc), T(wt), T(bc), ints(2, 2), ints(1, 1), ints(1, 1), "th_bool(true)", ints(1, 1), "th_int(2)",
          Out(ct)])
    x1, w1 = r(2, 4, 20), r(5, 4, 3, scale=0.5)
    case(f"{nm} conv1d", "aten::convolution.out",
         [T(x1), T(w1), "th_null()", ints(1), ints(1), ints(1), "th_bool(false)", ints(0), "th_int(1)",
          Out(aten.convolution(x1, w1, None, [1], [1], [1], False, [0], 1))])
    cw, cb, cm, cv = r(4), r(4), r(4), (torch.rand(4) + 0.5).to(dt)
    bn = aten._native_batch_norm_legit_no_training(xc, cw, cb, cm, cv, 0.1, 1e-5)
    case(f"{nm} batch norm", "aten::_native_batch_norm_legit_no_training.out",
         [T(xc), T(cw), T(cb), T(cm), T(cv), "th_double(0.1)", "th_double(1e-5)", Out(bn[0], 2),
          Out(torch.zeros(0, dtype=dt)), Out(torch.zeros(0, dtype=dt))])
    lw, lb = r(8), r(8)
    ln = aten.native_layer_norm(xc, [8], lw, lb, 1e-5)
    case(f"{nm} layer norm", "aten::native_layer_norm.out",
         [T(xc), ints(8), T(lw), T(lb), "th_double(1e-5)", Out(ln[0], 2), Out(ln[1], 2), Out(ln[2], 2)])
    gn = aten.native_group_norm(xc, cw, cb, 2, 4, 72, 2, 1e-5)
    case(f"{nm} group norm", "aten::native_group_norm.out",
         [T(xc), T(cw), T(cb), "th_int(2)", "th_int(4)", "th_int(72)", "th_int(2)", "th_double(1e-5)",
          Out(gn[0], 2), Out(gn[1], 2), Out(gn[2], 2)])
    mp = aten.max_pool2d_with_indices(xc, [3, 3], [2, 2], [1, 1], [1, 1], False)
    case(f"{nm} max_pool2d", "aten::max_pool2d_with_indices.out",
         [T(xc), ints(3, 3), ints(2, 2), ints(1, 1), ints(1, 1), "th_bool(false)", Out(mp[0]), Out(mp[1])])
    case(f"{nm} avg_pool2d", "aten::avg_pool2d.out",
         [T(xc), ints(2, 2), ints(2, 2), ints(0, 0), "th_bool(false)", "th_bool(true)", "th_null()",
          Out(aten.avg_pool2d(xc, [2, 2], [2, 2], [0, 0], False, True, None))])
    case(f"{nm} adaptive_avg_pool2d", "aten::_adaptive_avg_pool2d.out",
         [T(xc), ints(1, 1), Out(aten._adaptive_avg_pool2d(xc, [1, 1]))])
    am = aten.adaptive_max_pool2d(xc, [2, 3])
    case(f"{nm} adaptive_max_pool2d", "aten::adaptive_max_pool2d.out", [T(xc), ints(2, 3), Out(am[0]), Out(am[1])])
    case(f"{nm} upsample bilinear", "aten::upsample_bilinear2d.vec_out",
         [T(xc), "th_null()", "th_bool(false)", "th_double_list((const double[]){2.0, 1.5}, 2)",
          Out(aten.upsample_bilinear2d.vec(xc, None, False, [2.0, 1.5]))])
    case(f"{nm} upsample nearest", "aten::upsample_nearest2d.vec_out",
         [T(xc), ints(11, 5), "th_null()", Out(aten.upsample_nearest2d.vec(xc, [11, 5], None))])
    emb, idx = r(10, 4), torch.tensor([[3, 0], [9, 3]])
    case(f"{nm} embedding", "aten::embedding.out",
         [T(emb), T(idx), "th_int(-1)", "th_bool(false)", "th_bool(false)", Out(aten.embedding(emb, idx))])
    case(f"{nm} permute", "aten::permute_copy.out", [T(s), ints(2, 0, 1), Out(aten.permute_copy(s, [2, 0, 1]), 0)])
    case(f"{nm} slice", "aten::slice_copy.Tensor_out",
         [T(s), "th_int(2)", "th_int(1)", "th_int(6)", "th_int(2)", Out(aten.slice_copy(s, 2, 1, 6, 2), 0)])
    case(f"{nm} constant_pad_nd", "aten::constant_pad_nd.out",
         [T(x), ints(1, 2), "th_double(-1.5)", Out(aten.constant_pad_nd(x, [1, 2], -1.5), 0)])
    case(f"{nm} full", "aten::full.out", [ints(2, 3), "th_double(0.1)", Out(torch.full((2, 3), 0.1, dtype=dt), 0)])
    case(f"{nm} arange", "aten::arange.start_out",
         ["th_double(0.5)", "th_double(7.0)", "th_double(0.75)", Out(torch.arange(0.5, 7.0, 0.75, dtype=dt), 0)])
    xf = torch.randn(3, 4) * 100
    case(f"{nm} _to_copy from float32", "aten::_to_copy.out",
         [T(xf), "th_bool(false)", "th_null()", Out(xf.to(dt), 0)])
    case(f"{nm} _to_copy to float32", "aten::_to_copy.out",
         [T(x), "th_bool(false)", "th_null()", Out(x.float(), 0)])
    case(f"{nm} _to_copy to int64", "aten::_to_copy.out",
         [T(xf.to(dt)), "th_bool(false)", "th_null()", Out(xf.to(dt).to(torch.int64))])
    other = torch.bfloat16 if dt == torch.float16 else torch.float16
    case(f"{nm} _to_copy to the other half type", "aten::_to_copy.out",
         [T(x), "th_bool(false)", "th_null()", Out(x.to(other), 0)])

text = (
    "/* test_half_cases.inc — generated by tests/c/gen/gen_half_cases.py: edit that, not this. */\n\n"
    f"#define N_CONV {len(f)}\n"
    f"static const uint32_t conv_f32_bits[N_CONV] = {{{hex32(f)}}};\n"
    f"static const uint16_t conv_f16_want[N_CONV] = {{{hex16(f16)}}};\n"
    f"static const uint16_t conv_bf16_want[N_CONV] = {{{hex16(bf16)}}};\n\n"
    + "\n".join(cases)
    + "\nstatic void (*const kernel_cases[])(void) = {"
    + ", ".join(f"case_{k}" for k in range(len(cases)))
    + "};\n"
)
OUT.write_text(text)
print(f"wrote {OUT} ({len(f)} conversion values, {len(cases)} kernel cases)")
