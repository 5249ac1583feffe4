"""Writes tests/c/test_ops_extra.c: the kernels added for issue 6 (fmod, pow.Scalar,
linalg_vector_norm, sort / sort.stable / topk, copy, slice_scatter, select_scatter,
as_strided_copy, clone with a memory format) against values computed by torch eager.
Edge cases: ties, NaN, negative dims, keepdim, empty tensors, integer dtypes, broadcasting.
Float outs compare within 1e-6 relative (Ember folds in double); everything else exactly.
Run: .venv/bin/python tests/c/gen/gen_extra_cases.py"""
from __future__ import annotations

import math
from pathlib import Path

import torch

torch.manual_seed(6)
OUT = Path(__file__).resolve().parents[1] / "test_ops_extra.c"

DT = {  # torch dtype -> (EMBER_DTYPE_*, C type)
    torch.float32: ("EMBER_DTYPE_F32", "float"),
    torch.float64: ("EMBER_DTYPE_F64", "double"),
    torch.int64: ("EMBER_DTYPE_I64", "int64_t"),
    torch.int32: ("EMBER_DTYPE_I32", "int32_t"),
    torch.int16: ("EMBER_DTYPE_I16", "int16_t"),
    torch.int8: ("EMBER_DTYPE_I8", "int8_t"),
    torch.uint8: ("EMBER_DTYPE_U8", "uint8_t"),
    torch.bool: ("EMBER_DTYPE_BOOL", "uint8_t"),
}


def lit(v, ctype: str) -> str:
    if ctype in ("float", "double"):
        if math.isnan(v):
            return "NAN"
        if math.isinf(v):
            return "INFINITY" if v > 0 else "-INFINITY"
        s = f"{v:.9g}" if ctype == "float" else f"{v:.17g}"
        s = s if any(ch in s for ch in ".en") else s + ".0"
        return s + "f" if ctype == "float" else s
    if ctype == "int64_t":
        return f"INT64_C({int(v)})"
    return str(int(v))


def array(name: str, t: torch.Tensor) -> str:
    ctype = DT[t.dtype][1]
    vals = ", ".join(lit(v, ctype) for v in t.flatten().tolist()) or "0"
    return f"    static {ctype} {name}[{max(t.numel(), 1)}] = {{{vals}}};\n"


def sizes(name: str, t: torch.Tensor) -> str:
    dims = ", ".join(str(s) for s in t.shape) or "0"
    return f"    static const int32_t {name}[{max(t.dim(), 1)}] = {{{dims}}};\n"


class Case:
    """One kernel call: inputs, scalars and outs in KernelCall order, then the expectation."""

    def __init__(self, title: str, op: str):
        self.title, self.op = title, op
        self.decl: list[str] = []
        self.vals: list[str] = []
        self.checks: list[str] = []
        self.n = 0

    def tensor(self, t: torch.Tensor) -> "Case":
        k = self.n = self.n + 1
        self.decl += [array(f"d{k}", t), sizes(f"s{k}", t),
                      f"    ember_tensor t{k} = th_tensor({DT[t.dtype][0]}, d{k}, {t.dim()}, s{k});\n"]
        self.vals.append(f"th_tensor_value(&t{k})")
        return self

    def out(self, want: torch.Tensor, tol: float = 0.0) -> "Case":
        k = self.n = self.n + 1
        enum, ctype = DT[want.dtype]
        self.decl += [array(f"w{k}", want), sizes(f"s{k}", want),
                      f"    static {ctype} d{k}[{max(want.numel(), 1)}];\n",
                      f"    ember_tensor t{k} = th_tensor({enum}, d{k}, {want.dim()}, s{k});\n"]
        self.vals.append(f"th_tensor_value(&t{k})")
        self.checks.append(f"    expect_values(d{k}, w{k}, {enum}, {want.numel()}, {tol}, \"{self.title}\");\n")
        return self

    def again(self, *outs_back: int) -> "Case":
        """The returns: the outs `outs_back` positions from the end of the list so far."""
        here = list(self.vals)
        for b in outs_back:
            self.vals.append(here[-b])
        return self

    def value(self, c: str) -> "Case":
        self.vals.append(c)
        return self

    def ints(self, items) -> "Case":
        k = self.n = self.n + 1
        body = ", ".join(f"INT64_C({int(i)})" for i in items) or "0"
        self.decl.append(f"    static const int64_t l{k}[{max(len(items), 1)}] = {{{body}}};\n")
        self.vals.append(f"th_int_list(l{k}, {len(items)})")
        return self

    def c(self, index: int) -> str:
        name = f"case_{index}"
        body = f"/* {self.title} */\nstatic void {name}(void)\n{{\n" + "".join(self.decl)
        body += "    ember_value v[] = {" + ", ".join(self.vals) + "};\n"
        body += f"    CHECK_STATUS(th_run(\"{self.op}\", v, sizeof v / sizeof v[0]), EMBER_OK, NULL);\n"
        body += "".join(self.checks) + "}\n"
        return body


cases: list[Case] = []


def case(title: str, op: str) -> Case:
    c = Case(title, op)
    cases.append(c)
    return c


def I(i: int) -> str:
    return f"th_int({i})"


def D(d: float) -> str:
    if math.isinf(d):
        return "th_double(INFINITY)" if d > 0 else "th_double(-INFINITY)"
    return f"th_double({d!r})"


def B(b: bool) -> str:
    return f"th_bool({'true' if b else 'false'})"


NULL = "th_null()"

# ---- fmod ----------------------------------------------------------------------------------
a = torch.randn(2, 3, 4) * 5
b = torch.tensor([[1.5], [-2.0], [0.0]])
case("fmod f32, broadcast [2,3,4] by [3,1], a zero divisor gives NaN", "aten::fmod.Tensor_out") \
    .tensor(a).tensor(b).out(torch.fmod(a, b), 1e-6).again(1)
ai = torch.tensor([[7, -7, 9, -9, 0, 5]], dtype=torch.int64)
bi = torch.tensor([[3], [-4]], dtype=torch.int32)
case("fmod int64 by int32 (sign of the dividend), broadcast", "aten::fmod.Tensor_out") \
    .tensor(ai).tensor(bi).out(torch.fmod(ai, bi)).again(1)
case("fmod.Scalar f32 by -0.7", "aten::fmod.Scalar_out") \
    .tensor(a).value(D(-0.7)).out(torch.fmod(a, -0.7), 1e-6).again(1)
ai32 = torch.tensor([-8, -3, 0, 3, 8, 100], dtype=torch.int32)
case("fmod.Scalar int32 by Int 3 stays integer", "aten::fmod.Scalar_out") \
    .tensor(ai32).value(I(3)).out(torch.fmod(ai32, 3)).again(1)
case("fmod.Scalar int32 by 2.5 divides as floats", "aten::fmod.Scalar_out") \
    .tensor(ai32).value(D(2.5)).out(torch.fmod(ai32, 2.5), 1e-6).again(1)
e = torch.zeros(0, 3)
case("fmod of an empty tensor", "aten::fmod.Tensor_out") \
    .tensor(e).tensor(torch.ones(3)).out(torch.fmod(e, torch.ones(3))).again(1)
r0 = torch.tensor(-5.5, dtype=torch.float64)
case("fmod rank-0 f64 by a [2] tensor", "aten::fmod.Tensor_out") \
    .tensor(r0).tensor(torch.tensor([2.0, -3.0], dtype=torch.float64)) \
    .out(torch.fmod(r0, torch.tensor([2.0, -3.0], dtype=torch.float64))).again(1)

# ---- pow.Scalar ------------------------------------------------------------------------------
ex = torch.arange(16, dtype=torch.float32) / 8 - 0.5
case("10000.0 ** f32 exponents (DETR's sine embedding)", "aten::pow.Scalar_out") \
    .value(D(10000.0)).tensor(ex).out(torch.pow(10000.0, ex), 1e-6).again(1)
ei = torch.tensor([0, 1, 5, 10, 62], dtype=torch.int64)
case("2 ** int64 exponents stays int64", "aten::pow.Scalar_out") \
    .value(I(2)).tensor(ei).out(torch.pow(2, ei)).again(1)
ei32 = torch.tensor([-2, 0, 3], dtype=torch.int32)
case("2.5 ** int32 exponents gives float32", "aten::pow.Scalar_out") \
    .value(D(2.5)).tensor(ei32).out(torch.pow(2.5, ei32), 1e-6).again(1)
ed = torch.tensor([-1.0, -0.5, 0.0, 2.0], dtype=torch.float64)
case("0.0 ** f64 exponents: inf, inf, 1, 0", "aten::pow.Scalar_out") \
    .value(D(0.0)).tensor(ed).out(torch.pow(0.0, ed), 1e-12).again(1)

# ---- linalg_vector_norm ----------------------------------------------------------------------
x = torch.randn(3, 4, 5)
x[1, 2, 3] = 0.0
x[0, 0, 0] = 0.0
VN = "aten::linalg_vector_norm.out"
for ordv, dims, keep in ((2.0, None, False), (0.0, [1], False), (math.inf, [-1], True),
                         (-math.inf, [0, 2], False), (1.0, [2, 0], True), (3.5, [0, 2], True),
                         (-1.5, [1], False), (2.0, [], False), (0.5, [-2, -1], False)):
    want = torch.linalg.vector_norm(x, ord=ordv, dim=dims, keepdim=keep)
    c = case(f"vector_norm ord {ordv} dim {dims} keepdim {keep}", VN).tensor(x).value(D(ordv))
    if dims is None:
        c.value(NULL)
    else:
        c.ints(dims)
    c.value(B(keep)).value(NULL).out(want, 1e-5).again(1)
xn = x.clone()
xn[2, 1, 4] = float("nan")
case("vector_norm inf with a NaN propagates", VN).tensor(xn).value(D(math.inf)).ints([2]) \
    .value(B(False)).value(NULL).out(torch.linalg.vector_norm(xn, math.inf, dim=2), 1e-6).again(1)
case("vector_norm f32 in, dtype f64 out", VN).tensor(x).value(I(2)).ints([-1]).value(B(False)) \
    .value(I(7)).out(torch.linalg.vector_norm(x, 2, dim=-1, dtype=torch.float64), 1e-6).again(1)
xe = torch.zeros(3, 0)
case("vector_norm over an empty dim is 0", VN).tensor(xe).value(D(2.0)).ints([1]) \
    .value(B(True)).value(NULL).out(torch.linalg.vector_norm(xe, 2, dim=1, keepdim=True)).again(1)
xs = torch.tensor(-3.0, dtype=torch.float64)
case("vector_norm of a rank-0 f64", VN).tensor(xs).value(D(1.0)).value(NULL).value(B(False)) \
    .value(NULL).out(torch.linalg.vector_norm(xs, 1)).again(1)

# ---- sort / topk -----------------------------------------------------------------------------
s = torch.randn(4, 6)
s[0] = torch.tensor([1.0, 0.5, 1.0, float("nan"), -2.0, 0.5])  # ties and a NaN
s[1, 1] = float("nan")
s[1, 4] = float("nan")
s[2, 2] = -0.0
s[2, 3] = 0.0


def sort_case(title, t, dim, desc, stable=None):
    v, i = torch.sort(t, dim=dim, descending=desc, stable=True)
    if stable is None:
        c = case(title, "aten::sort.values").tensor(t).value(I(dim)).value(B(desc))
    else:
        c = case(title, "aten::sort.values_stable").tensor(t).value(stable).value(I(dim)).value(B(desc))
    c.out(v).out(i).again(2, 1)


sort_case("sort f32 last dim ascending: ties stable, NaN last", s, -1, False)
sort_case("sort f32 dim 0 descending: NaN first", s, 0, True)
sort_case("sort.stable f32 dim 1 descending", s, 1, True, B(True))
sort_case("sort.stable, stable None", s, -2, False, NULL)
si = torch.tensor([[3, -1, 3, 7, -1, 0, 3]], dtype=torch.int32).repeat(2, 1)
si[1] = torch.tensor([2**31 - 1, -2**31, 0, 0, 5, 5, -7])
sort_case("sort int32 with ties and extremes", si, 1, False)
sort_case("sort int32 descending", si, -1, True)
sb = torch.tensor([True, False, True, False, False])
sort_case("sort bool", sb, 0, True)
sort_case("sort of an empty dim", torch.zeros(3, 0), 1, False)
sort_case("sort of a rank-0 tensor", torch.tensor(2.5), 0, False)
big = torch.randn(200)
big[::7] = 0.25  # many ties across a long row (heap paths)
sort_case("sort 200 elements with 29 ties", big, 0, False)
sort_case("sort 200 elements descending", big, 0, True)

tk = torch.randn(5, 8)
tk[1, 3] = float("nan")


def topk_case(title, t, k, dim, largest):
    v, i = torch.topk(t, k, dim=dim, largest=largest, sorted=True)
    case(title, "aten::topk.values").tensor(t).value(I(k)).value(I(dim)).value(B(largest)) \
        .value(B(True)).out(v).out(i).again(2, 1)


topk_case("topk 3 largest along dim 1, a NaN is largest", tk, 3, 1, True)
topk_case("topk 2 smallest along dim 0", tk, 2, 0, False)
topk_case("topk k = 0", tk, 0, -1, True)
topk_case("topk k = n (a full sort)", tk, 8, -1, False)
tki = torch.randperm(30).to(torch.int64).reshape(3, 10) - 15
topk_case("topk int64 4 largest along -1", tki, 4, -1, True)
tkb = torch.randn(300)
topk_case("topk 17 of 300", tkb, 17, 0, True)

# ---- copy / slice_scatter / select_scatter -------------------------------------------------
self_ = torch.randn(2, 3)
src = torch.tensor([1.5, -2.25, 3.0], dtype=torch.float64)
case("copy: src [3] f64 broadcast into self [2,3] f32", "aten::copy.out") \
    .tensor(self_).tensor(src).value(B(False)).out(self_.clone().copy_(src)).again(1)
self_i = torch.zeros(2, 2, 3, dtype=torch.int32)
srcf = torch.tensor([[-2.7], [3.9]])
case("copy: f32 [2,1] into int32 [2,2,3] truncates", "aten::copy.out") \
    .tensor(self_i).tensor(srcf).value(B(False)).out(self_i.clone().copy_(srcf)).again(1)
same = torch.randn(4, 5)
case("copy: same shape and dtype", "aten::copy.out") \
    .tensor(torch.zeros(4, 5)).tensor(same).value(B(True)).out(same.clone()).again(1)

base = torch.randn(3, 8)


def slice_scatter_case(title, t, src, dim, start, end, step):
    want = torch.slice_scatter(t, src, dim, start, end, step)
    case(title, "aten::slice_scatter.out").tensor(t).tensor(src).value(I(dim)) \
        .value(NULL if start is None else I(start)).value(NULL if end is None else I(end)) \
        .value(I(step)).out(want).again(1)


slice_scatter_case("slice_scatter dim 1 [1:5:2]", base, torch.randn(3, 2), 1, 1, 5, 2)
slice_scatter_case("slice_scatter dim -1 start -3, end None", base, torch.randn(3, 3), -1, -3, None, 1)
slice_scatter_case("slice_scatter dim 0, start None end None step 2", base, torch.randn(2, 8), 0, None, None, 2)
slice_scatter_case("slice_scatter end past the size clamps", base, torch.randn(3, 2), 1, 6, 100, 1)
slice_scatter_case("slice_scatter empty slice", base, torch.randn(3, 0), 1, 5, 2, 1)
bi64 = torch.arange(24, dtype=torch.int64).reshape(2, 3, 4)
slice_scatter_case("slice_scatter int64 middle dim", bi64, -torch.ones(2, 1, 4, dtype=torch.int64), 1, 1, 2, 1)
case("select_scatter dim 0 index -1", "aten::select_scatter.out").tensor(base) \
    .tensor(torch.ones(8)).value(I(0)).value(I(-1)) \
    .out(torch.select_scatter(base, torch.ones(8), 0, -1)).again(1)
bu8 = torch.randint(0, 255, (2, 3, 4), dtype=torch.uint8)
src8 = torch.full((2, 4), 7, dtype=torch.uint8)
case("select_scatter uint8 dim 1 index 2", "aten::select_scatter.out").tensor(bu8) \
    .tensor(src8).value(I(1)).value(I(2)).out(torch.select_scatter(bu8, src8, 1, 2)).again(1)

# ---- as_strided_copy ---------------------------------------------------------------------------
st = torch.arange(12, dtype=torch.float32)
for size, stride, off in (((3, 3), (2, 1), 1), ((2, 2, 2), (0, 3, 1), None), ((4,), (3,), 0),
                          ((2, 0), (5, 1), 11), ((1, 12), (12, 1), 0), ((), (), 11)):
    want = torch.as_strided(st, size, stride, off if off is not None else 0).contiguous()
    c = case(f"as_strided size {list(size)} stride {list(stride)} offset {off}",
             "aten::as_strided_copy.out").tensor(st).ints(size).ints(stride)
    c.value(NULL if off is None else I(off)).out(want).again(1)

# ---- clone / _to_copy with a memory format ----------------------------------------------------
cl = torch.randn(1, 3, 2, 2)
case("clone memory_format=channels_last: same values, contiguous out", "aten::clone.out") \
    .tensor(cl).value(I(2)).out(cl.clone()).again(1)
case("_to_copy to f64, memory_format=channels_last", "aten::_to_copy.out") \
    .tensor(cl).value(B(False)).value(I(2)).out(cl.double()).again(1)

# ---- max.dim / min.dim -----------------------------------------------------------------------
mx = torch.randn(3, 5)
mx[0, 1] = mx[0, 3] = 9.0  # a tie: the first wins
mx[1, 2] = float("nan")  # NaN wins
mx[1, 4] = float("nan")
for op, fn in (("aten::max.dim_max", torch.max), ("aten::min.dim_min", torch.min)):
    for dim, keep in ((1, False), (0, True), (-1, True)):
        v, i = fn(mx, dim=dim, keepdim=keep)
        case(f"{op} dim {dim} keepdim {keep}: ties first, NaN wins", op).tensor(mx) \
            .value(I(dim)).value(B(keep)).out(v).out(i).again(2, 1)
mi8 = torch.tensor([[3, -7, 3, 100], [-128, 127, 0, 127]], dtype=torch.int8)
v, i = torch.max(mi8, 1)
case("max.dim int8 with ties", "aten::max.dim_max").tensor(mi8).value(I(1)).value(B(False)) \
    .out(v).out(i).again(2, 1)
v, i = torch.min(torch.tensor(4.0), 0)
case("min.dim of a rank-0 tensor", "aten::min.dim_min").tensor(torch.tensor(4.0)).value(I(0)) \
    .value(B(False)).out(v).out(i).again(2, 1)

# ---- scatter family ----------------------------------------------------------------------------
sc_self = torch.randn(3, 5)
sc_idx = torch.tensor([[0, 4, 2], [1, 1, 3]])  # repeated positions in row 1
sc_src = torch.randn(2, 4)
case("scatter.src dim 1 (index smaller than src)", "aten::scatter.src_out").tensor(sc_self) \
    .value(I(1)).tensor(sc_idx).tensor(sc_src) \
    .out(torch.scatter(sc_self, 1, sc_idx, sc_src)).again(1)
idx0 = torch.tensor([[2, 0, 1, 2, 0]])
case("scatter.value dim 0, value 2.5", "aten::scatter.value_out").tensor(sc_self).value(I(0)) \
    .tensor(idx0).value(D(2.5)).out(torch.scatter(sc_self, 0, idx0, 2.5)).again(1)
sci = torch.arange(12, dtype=torch.int32).reshape(3, 4)
idxi = torch.tensor([[3, 3], [0, 1]])
srci = torch.tensor([[10, 20, 30], [-5, 7, 9]], dtype=torch.int32)
case("scatter.value int32 with Int -1 along dim -1", "aten::scatter.value_out").tensor(sci) \
    .value(I(-1)).tensor(idxi).value(I(-1)).out(torch.scatter(sci, -1, idxi, -1)).again(1)
case("scatter_add int32, repeated positions add", "aten::scatter_add.out").tensor(sci) \
    .value(I(1)).tensor(idxi).tensor(srci).out(torch.scatter_add(sci, 1, idxi, srci)).again(1)
case("scatter_add f32 dim 0", "aten::scatter_add.out").tensor(sc_self).value(I(0)) \
    .tensor(torch.tensor([[2, 2, 0], [2, 1, 0]])).tensor(sc_src) \
    .out(torch.scatter_add(sc_self, 0, torch.tensor([[2, 2, 0], [2, 1, 0]]), sc_src)).again(1)
for red in ("sum", "prod", "amax", "amin"):
    for inc in (True, False):
        want = torch.scatter_reduce(sc_self, 1, sc_idx, sc_src, red, include_self=inc)
        case(f"scatter_reduce {red} include_self {inc}", "aten::scatter_reduce.two_out") \
            .tensor(sc_self).value(I(1)).tensor(sc_idx).tensor(sc_src) \
            .value(f'th_string("{red}")').value(B(inc)).out(want, 1e-6).again(1)
srcn = sc_src.clone()
srcn[1, 1] = float("nan")
case("scatter_reduce amax propagates NaN", "aten::scatter_reduce.two_out").tensor(sc_self) \
    .value(I(1)).tensor(sc_idx).tensor(srcn).value('th_string("amax")').value(B(True)) \
    .out(torch.scatter_reduce(sc_self, 1, sc_idx, srcn, "amax")).again(1)

# ---- index_put ---------------------------------------------------------------------------------
ip = torch.randn(4, 3, 2)


def index_put_case(title, t, indices, values, acc):
    want = torch.ops.aten.index_put(t, list(indices), values, acc)
    c = case(title, "aten::index_put.out").tensor(t)
    names = []
    for k, ix in enumerate(indices):
        if ix is None:
            names.append("NULL")
            continue
        c.tensor(ix)
        names.append(f"&t{c.n}")
    # the index tensors are values of their own in the table above; the list refers to them
    for ix in indices:
        if ix is not None:
            c.vals.pop()
    k = c.n = c.n + 1
    c.decl.append(f"    ember_tensor* il{k}[] = {{{', '.join(names)}}};\n")
    c.vals.append(f"th_opt_tensor_list(il{k}, {len(indices)})")
    c.tensor(values).value(B(acc)).out(want, 1e-6).again(1)


ii = torch.tensor([3, 0, -1])
index_put_case("index_put rows [3, 0, -1] = a [3, 1, 2] block", ip, (ii,), torch.randn(3, 1, 2), False)
index_put_case("index_put [:, [2, 0]] += values, broadcast", ip, (None, torch.tensor([2, 0])),
               torch.randn(2, 1), True)
index_put_case("index_put accumulate with repeats", ip, (torch.tensor([1, 1, 1]), torch.tensor([0, 0, 2])),
               torch.tensor([1.0, 2.0, 4.0]).view(3, 1), True)
index_put_case("index_put non-adjacent indices", ip, (torch.tensor([[0], [3]]), None, torch.tensor([1, 0])),
               torch.randn(2, 2, 3), False)
mask = torch.randn(4, 3) > 0
index_put_case("index_put bool mask [4, 3] = 0-d value", ip, (mask,), torch.tensor(-7.0), False)
mask2 = torch.tensor([True, False])
index_put_case("index_put [:, :, mask] += value", ip, (None, None, mask2), torch.tensor(0.5), True)
ipi = torch.arange(10, dtype=torch.int64)
index_put_case("index_put int64 accumulate", ipi, (torch.tensor([9, 0, 9]),),
               torch.tensor([5, 6, 7]), True)

# ---- elementary functions, atan2 -------------------------------------------------------------
ux = torch.randn(2, 5)
ux[0, 0] = 0.0
ub = ux.clamp(-0.95, 0.95)
for name, t in (("tan", ux), ("asin", ub), ("acos", ub), ("atan", ux), ("sinh", ux), ("cosh", ux),
                ("asinh", ux), ("acosh", ux.abs() + 1), ("atanh", ub), ("log2", ux.abs()),
                ("log10", ux.abs()), ("trunc", ux * 3)):
    case(f"{name} f32", f"aten::{name}.out").tensor(t).out(getattr(torch, name)(t), 1e-6).again(1)
uxi = torch.tensor([[-3, 0, 7]], dtype=torch.int32)
case("tan of int32 gives float32", "aten::tan.out").tensor(uxi).out(torch.tan(uxi), 1e-6).again(1)
case("trunc of int64 is a copy", "aten::trunc.out").tensor(torch.tensor([2**62 + 1, -5])) \
    .out(torch.trunc(torch.tensor([2**62 + 1, -5]))).again(1)
infs = torch.tensor([1.0, float("inf"), -float("inf"), float("nan"), -0.0], dtype=torch.float64)
case("isinf f64", "aten::isinf.out").tensor(infs).out(torch.isinf(infs)).again(1)
case("isinf int32 is false", "aten::isinf.out").tensor(uxi).out(torch.isinf(uxi)).again(1)
ay = torch.tensor([[1.0], [-1.0], [0.0]])
case("atan2 broadcast [2,5] by [3,1,1]", "aten::atan2.out").tensor(ux).tensor(ay.view(3, 1, 1)) \
    .out(torch.atan2(ux, ay.view(3, 1, 1)), 1e-6).again(1)
case("atan2 int64 by int64 gives float32", "aten::atan2.out").tensor(torch.tensor([1, -1, 0])) \
    .tensor(torch.tensor([0, -2, -3])).out(torch.atan2(torch.tensor([1, -1, 0]), torch.tensor([0, -2, -3])), 1e-6).again(1)

# ---- bitwise ----------------------------------------------------------------------------------
bx = torch.tensor([[5, -6, 0, 127]], dtype=torch.int16)
by = torch.tensor([[3], [-1]], dtype=torch.int16)
case("bitwise_xor int16 broadcast", "aten::bitwise_xor.Tensor_out").tensor(bx).tensor(by) \
    .out(bx ^ by).again(1)
bb = torch.tensor([True, False, True])
case("bitwise_xor bool", "aten::bitwise_xor.Tensor_out").tensor(bb).tensor(torch.tensor([True, True, False])) \
    .out(bb ^ torch.tensor([True, True, False])).again(1)
for name, fn in (("and", torch.bitwise_and), ("or", torch.bitwise_or), ("xor", torch.bitwise_xor)):
    case(f"bitwise_{name}.Scalar int16 with 6", f"aten::bitwise_{name}.Scalar_out").tensor(bx) \
        .value(I(6)).out(fn(bx, 6)).again(1)
case("bitwise_and.Scalar bool with True", "aten::bitwise_and.Scalar_out").tensor(bb).value(B(True)) \
    .out(bb & True).again(1)

# ---- fill / empty -----------------------------------------------------------------------------
case("fill.Scalar f32 with 2.5", "aten::fill.Scalar_out").tensor(ux).value(D(2.5)) \
    .out(torch.full_like(ux, 2.5)).again(1)
case("fill.Scalar int64 with 2^62 + 1 exactly", "aten::fill.Scalar_out").tensor(torch.zeros(3, dtype=torch.int64)) \
    .value(I(2**62 + 1)).out(torch.full((3,), 2**62 + 1)).again(1)
case("fill.Scalar uint8 with -1.5 (saturates to 0)", "aten::fill.Scalar_out").tensor(torch.zeros(2, dtype=torch.uint8)) \
    .value(D(-1.5)).out(torch.zeros(2, dtype=torch.uint8)).again(1)
case("empty.out is zeros", "aten::empty.out").ints([2, 3]).value(NULL).out(torch.zeros(2, 3)).again(1)
case("empty_strided.out is zeros", "aten::empty_strided.out").ints([2, 3]).ints([1, 2]) \
    .out(torch.zeros(2, 3, dtype=torch.int32)).again(1)

# ---- reflection / replication padding -----------------------------------------------------------
px = torch.randn(2, 3, 4)
for name, pads, t in (("reflection_pad1d", (2, 3), px), ("reflection_pad1d", (0, 1), px[0]),
                      ("reflection_pad2d", (1, 2, 2, 0), px), ("reflection_pad2d", (3, 3, 1, 1), px[None]),
                      ("replication_pad2d", (2, 0, 1, 3), px[None]), ("replication_pad2d", (0, 0, 0, 0), px),
                      ("reflection_pad3d", (1, 1, 2, 0, 1, 0), px[None]),
                      ("replication_pad3d", (2, 1, 0, 3, 1, 1), px[None, None])):
    want = getattr(torch.ops.aten, name)(t, list(pads))
    case(f"{name} {list(pads)} of {list(t.shape)}", f"aten::{name}.out").tensor(t).ints(pads) \
        .out(want).again(1)
pi = torch.arange(6, dtype=torch.int64).view(1, 2, 3)
case("replication_pad2d int64", "aten::replication_pad2d.out").tensor(pi).ints([1, 1, 1, 1]) \
    .out(torch.ops.aten.replication_pad2d(pi, [1, 1, 1, 1])).again(1)

# ---- 1-D pooling, diagonal, prod.out, var.out ------------------------------------------------
pl = torch.randn(2, 3, 7)
for k, st, pd, ceil, inc in ((3, [2], 1, True, False), (2, [], 0, False, True), (3, [1], 1, False, True),
                             (4, [3], 2, True, True)):
    want = torch.ops.aten.avg_pool1d(pl, [k], st, [pd], ceil, inc)
    case(f"avg_pool1d k {k} stride {st} pad {pd} ceil {ceil} include_pad {inc}", "aten::avg_pool1d.out") \
        .tensor(pl).ints([k]).ints(st).ints([pd]).value(B(ceil)).value(B(inc)).out(want, 1e-6).again(1)
for o in (3, 7, 1, 10):
    case(f"adaptive_avg_pool1d to {o}", "aten::adaptive_avg_pool1d.out").tensor(pl[0]).ints([o]) \
        .out(torch.ops.aten.adaptive_avg_pool1d(pl[0], [o]), 1e-6).again(1)
dg = torch.randn(3, 4, 5)
for off, d1, d2 in ((0, 0, 1), (1, 0, 2), (-2, -1, 1), (9, 0, 1), (-1, 2, 0)):
    case(f"diagonal_copy offset {off} dims ({d1}, {d2})", "aten::diagonal_copy.out").tensor(dg) \
        .value(I(off)).value(I(d1)).value(I(d2)).out(torch.diagonal(dg, off, d1, d2).contiguous()).again(1)
case("prod.out of all elements, int32 in, int64 out", "aten::prod.out").tensor(uxi + 4) \
    .value(I(4)).out(torch.prod(uxi + 4, dtype=torch.int64)).again(1)
case("prod.out f32", "aten::prod.out").tensor(ux[:, :3]).value(NULL).out(torch.prod(ux[:, :3]), 1e-6).again(1)
for unbiased, dims, keep in ((True, [1], False), (False, [0, 2], True), (True, None, False)):
    want = torch.var(dg, dim=dims, unbiased=unbiased, keepdim=keep)
    c = case(f"var.out unbiased {unbiased} dim {dims} keepdim {keep}", "aten::var.out").tensor(dg)
    if dims is None:
        c.value(NULL)
    else:
        c.ints(dims)
    c.value(B(unbiased)).value(B(keep)).out(want, 1e-5).again(1)

# ---- grid_sampler_2d ---------------------------------------------------------------------------
gi = torch.randn(2, 3, 4, 5)
gg = torch.rand(2, 3, 4, 2) * 2.6 - 1.3
gg[0, 0, 0] = torch.tensor([1.0, -1.0])
gg[1, 2, 3] = torch.tensor([0.0, 0.0])
for mode, pad, al in ((0, 0, False), (0, 1, True), (0, 2, False), (1, 0, True), (1, 2, True),
                      (2, 0, False), (2, 1, False), (2, 2, True)):
    want = torch.ops.aten.grid_sampler_2d(gi, gg, mode, pad, al)
    case(f"grid_sampler_2d mode {mode} padding {pad} align_corners {al}", "aten::grid_sampler_2d.out") \
        .tensor(gi).tensor(gg).value(I(mode)).value(I(pad)).value(B(al)).out(want, 1e-5).again(1)

# ---- batch-statistics norm (InstanceNorm), masked_scatter, cdist --------------------------------
bn_x = torch.randn(2, 3, 4, 5) * 2 + 1
bn_w, bn_b = torch.rand(3) + 0.5, torch.randn(3)
o, m, r = torch.ops.aten._native_batch_norm_legit.no_stats(bn_x, bn_w, bn_b, True, 0.1, 1e-5)
case("_native_batch_norm_legit.no_stats with weight and bias", "aten::_native_batch_norm_legit.no_stats_out") \
    .tensor(bn_x).tensor(bn_w).tensor(bn_b).value(B(True)).value(D(0.1)).value(D(1e-5)) \
    .out(o, 1e-5).out(m, 1e-6).out(r, 1e-5).again(3, 2, 1)
bn_y = torch.randn(1, 6, 7, dtype=torch.float64)
o, m, r = torch.ops.aten._native_batch_norm_legit.no_stats(bn_y, None, None, True, 0.0, 1e-3)
case("_native_batch_norm_legit.no_stats f64, no affine", "aten::_native_batch_norm_legit.no_stats_out") \
    .tensor(bn_y).value(NULL).value(NULL).value(B(True)).value(D(0.0)).value(D(1e-3)) \
    .out(o, 1e-12).out(m, 1e-12).out(r, 1e-12).again(3, 2, 1)
ms_self = torch.randn(3, 4)
ms_mask = torch.tensor([True, False, True, True])
ms_src = torch.arange(20, dtype=torch.float32).view(4, 5)
case("masked_scatter: mask [4] broadcast over [3,4]", "aten::masked_scatter.out").tensor(ms_self) \
    .tensor(ms_mask).tensor(ms_src).out(ms_self.masked_scatter(ms_mask, ms_src)).again(1)
ms_m2 = ms_self > 0
case("masked_scatter: mask from data", "aten::masked_scatter.out").tensor(ms_self).tensor(ms_m2) \
    .tensor(ms_src).out(ms_self.masked_scatter(ms_m2, ms_src)).again(1)
cd1, cd2 = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
cd2[0, 1] = cd1[0, 2]  # a zero distance
for pv in (2.0, 1.0, 0.0, math.inf, 3.5, 0.5):
    case(f"_cdist_forward p {pv}", "aten::_cdist_forward.out").tensor(cd1).tensor(cd2).value(D(pv)) \
        .value(NULL).out(torch.cdist(cd1, cd2, p=pv, compute_mode="donot_use_mm_for_euclid_dist"), 1e-5).again(1)
case("_cdist_forward rank 2, compute_mode 2", "aten::_cdist_forward.out").tensor(cd1[0]).tensor(cd2[1]) \
    .value(D(2.0)).value(I(2)).out(torch.cdist(cd1[0], cd2[1], compute_mode="donot_use_mm_for_euclid_dist"), 1e-5).again(1)

# ---- _embedding_bag -----------------------------------------------------------------------------
eb_w = torch.randn(10, 3)
eb_i = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
eb_o = torch.tensor([0, 4, 4])
eb_psw = torch.rand(8)
for mode, pad, psw, ilo, offs in ((0, -1, None, False, eb_o), (0, 4, eb_psw, False, eb_o),
                                  (1, -1, None, False, eb_o), (1, 4, None, False, eb_o),
                                  (2, -1, None, False, eb_o), (2, 2, None, False, eb_o),
                                  (1, -1, None, True, torch.tensor([0, 3, 3, 8])),
                                  (2, -1, None, True, torch.tensor([0, 5, 8]))):
    r = torch.ops.aten._embedding_bag(eb_w, eb_i, offs, False, mode, False, psw, ilo, pad)
    c = case(f"_embedding_bag mode {mode} padding_idx {pad} psw {psw is not None} ilo {ilo}",
             "aten::_embedding_bag.out").tensor(eb_w).tensor(eb_i).tensor(offs).value(B(False)) \
        .value(I(mode)).value(B(False))
    if psw is None:
        c.value(NULL)
    else:
        c.tensor(psw)
    c.value(B(ilo)).value(I(pad)).out(r[0], 1e-6).out(r[1]).out(r[2]).out(r[3]).again(4, 3, 2, 1)

# ---- hand-written: failures prepare (or run) must report ------------------------------------
FAILURES = r"""
/* Bad arguments: each fails with a status and a message naming what is wrong. */
static void failures(void)
{
    static float f[24], g[24];
    static int64_t i64[24], j64[24];
    static int32_t i32[24];
    const int32_t s4[] = {4}, s23[] = {2, 3}, s32[] = {3, 2}, s234[] = {2, 3, 4}, s0[] = {0};
    ember_tensor tf = th_tensor(EMBER_DTYPE_F32, f, 2, s23);
    ember_tensor tg = th_tensor(EMBER_DTYPE_F32, g, 2, s23);
    ember_tensor tg32 = th_tensor(EMBER_DTYPE_F32, g, 2, s32);
    ember_tensor ti = th_tensor(EMBER_DTYPE_I64, i64, 1, s4);
    ember_tensor tj = th_tensor(EMBER_DTYPE_I64, j64, 1, s4);
    ember_tensor ti32 = th_tensor(EMBER_DTYPE_I32, i32, 2, s23);

    /* fmod: integer division by zero fails at run, Tensor and Scalar */
    i64[0] = 5; j64[0] = 0; j64[1] = j64[2] = j64[3] = 1;
    ember_value fm[] = {th_tensor_value(&ti), th_tensor_value(&tj), th_tensor_value(&tj),
                        th_tensor_value(&tj)};
    ember_tensor tk = th_tensor(EMBER_DTYPE_I64, i64 + 8, 1, s4);
    fm[2] = fm[3] = th_tensor_value(&tk);
    CHECK_STATUS(th_run("aten::fmod.Tensor_out", fm, 4), EMBER_DIVISION_BY_ZERO,
                 "integer fmod by zero");
    ember_value fs[] = {th_tensor_value(&ti), th_int(0), th_tensor_value(&tk),
                        th_tensor_value(&tk)};
    CHECK_STATUS(th_run("aten::fmod.Scalar_out", fs, 4), EMBER_DIVISION_BY_ZERO,
                 "integer fmod by zero");
    ember_value fb[] = {th_tensor_value(&tf), th_tensor_value(&tg32), th_tensor_value(&tg),
                        th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::fmod.Tensor_out", fb, 4), EMBER_SHAPE_MISMATCH, "do not broadcast");

    /* pow.Scalar: the base must be a Scalar */
    ember_value pw[] = {th_tensor_value(&tf), th_tensor_value(&tf), th_tensor_value(&tg),
                        th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::pow.Scalar_out", pw, 4), EMBER_INVALID_ARGUMENT, "must be a scalar");

    /* vector_norm */
    static const int64_t d1[] = {1}, d5[] = {5}, d11[] = {1, -1};
    const int32_t s2[] = {2};
    ember_tensor n2 = th_tensor(EMBER_DTYPE_F32, g, 1, s2);
    ember_value vn[] = {th_tensor_value(&tf), th_double(2.0), th_int_list(d1, 1), th_bool(false),
                        th_null(), th_tensor_value(&n2), th_tensor_value(&n2)};
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", vn, 7), EMBER_OK, NULL);
    vn[2] = th_int_list(d5, 1);
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", vn, 7), EMBER_INVALID_ARGUMENT,
                 "dim 5 is out of range");
    vn[2] = th_int_list(d11, 2);
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", vn, 7), EMBER_INVALID_ARGUMENT,
                 "out of range or repeated");
    vn[2] = th_int_list(d1, 1);
    vn[3] = th_bool(true);
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", vn, 7), EMBER_SHAPE_MISMATCH, "out has shape");
    vn[3] = th_bool(false);
    vn[4] = th_int(EMBER_DTYPE_F64);
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", vn, 7), EMBER_DTYPE_MISMATCH,
                 "does not match out's dtype");
    vn[4] = th_null();
    vn[1] = th_double(NAN);
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", vn, 7), EMBER_INVALID_ARGUMENT, "ord is NaN");
    vn[1] = th_double(2.0);
    vn[0] = th_tensor_value(&ti32);
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", vn, 7), EMBER_DTYPE_MISMATCH,
                 "self must be floating point");
    ember_tensor e30 = th_tensor(EMBER_DTYPE_F32, f, 1, s0);
    ember_tensor r0 = th_tensor(EMBER_DTYPE_F32, g, 0, s0);
    ember_value ve[] = {th_tensor_value(&e30), th_double(INFINITY), th_null(), th_bool(false),
                        th_null(), th_tensor_value(&r0), th_tensor_value(&r0)};
    CHECK_STATUS(th_run("aten::linalg_vector_norm.out", ve, 7), EMBER_INVALID_ARGUMENT,
                 "empty dim");

    /* sort / topk */
    ember_tensor vi = th_tensor(EMBER_DTYPE_I64, i64, 2, s23);
    ember_tensor vi32 = th_tensor(EMBER_DTYPE_I32, i32, 2, s23);
    ember_value so[] = {th_tensor_value(&tf), th_int(1), th_bool(false), th_tensor_value(&tg),
                        th_tensor_value(&vi), th_tensor_value(&tg), th_tensor_value(&vi)};
    CHECK_STATUS(th_run("aten::sort.values", so, 7), EMBER_OK, NULL);
    so[1] = th_int(2);
    CHECK_STATUS(th_run("aten::sort.values", so, 7), EMBER_INVALID_ARGUMENT, "dim 2 is out of range");
    so[1] = th_int(-1);
    so[4] = so[6] = th_tensor_value(&vi32);
    CHECK_STATUS(th_run("aten::sort.values", so, 7), EMBER_DTYPE_MISMATCH, "expected int64");
    so[4] = so[6] = th_tensor_value(&vi);
    so[3] = so[5] = th_tensor_value(&tg32);
    CHECK_STATUS(th_run("aten::sort.values", so, 7), EMBER_SHAPE_MISMATCH, "values has shape");
    so[3] = so[5] = th_tensor_value(&ti32);
    CHECK_STATUS(th_run("aten::sort.values", so, 7), EMBER_DTYPE_MISMATCH, "values is int32");
    ember_value tkv[] = {th_tensor_value(&tf), th_int(4), th_int(1), th_bool(true), th_bool(true),
                         th_tensor_value(&tg), th_tensor_value(&vi), th_tensor_value(&tg),
                         th_tensor_value(&vi)};
    CHECK_STATUS(th_run("aten::topk.values", tkv, 9), EMBER_INVALID_ARGUMENT, "k = 4 is out of range");
    tkv[1] = th_int(-1);
    CHECK_STATUS(th_run("aten::topk.values", tkv, 9), EMBER_INVALID_ARGUMENT, "k = -1 is out of range");
    tkv[1] = th_int(3);
    CHECK_STATUS(th_run("aten::topk.values", tkv, 9), EMBER_OK, NULL);
    tkv[1] = th_int(2);
    CHECK_STATUS(th_run("aten::topk.values", tkv, 9), EMBER_SHAPE_MISMATCH, "values has shape");

    /* copy */
    ember_value cp[] = {th_tensor_value(&tf), th_tensor_value(&tg32), th_bool(false),
                        th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::copy.out", cp, 5), EMBER_SHAPE_MISMATCH, "do not broadcast");
    cp[1] = th_tensor_value(&tf);
    cp[3] = cp[4] = th_tensor_value(&ti32);
    CHECK_STATUS(th_run("aten::copy.out", cp, 5), EMBER_DTYPE_MISMATCH, "expected self's float32");

    /* slice_scatter / select_scatter */
    ember_tensor src2 = th_tensor(EMBER_DTYPE_F32, f, 2, s32);
    ember_value ss[] = {th_tensor_value(&tf), th_tensor_value(&src2), th_int(1), th_int(0),
                        th_int(2), th_int(1), th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::slice_scatter.out", ss, 8), EMBER_SHAPE_MISMATCH,
                 "src (the slice's shape) has shape [3, 2], expected [2, 2]");
    ss[5] = th_int(0);
    CHECK_STATUS(th_run("aten::slice_scatter.out", ss, 8), EMBER_INVALID_ARGUMENT, "step = 0");
    ss[5] = th_int(1);
    ss[2] = th_int(-3);
    CHECK_STATUS(th_run("aten::slice_scatter.out", ss, 8), EMBER_INVALID_ARGUMENT, "dim -3");
    ss[2] = th_int(1);
    ss[1] = th_tensor_value(&ti32);
    CHECK_STATUS(th_run("aten::slice_scatter.out", ss, 8), EMBER_DTYPE_MISMATCH, "src is int32");
    ember_tensor row = th_tensor(EMBER_DTYPE_F32, f, 1, s2);
    ember_value se[] = {th_tensor_value(&tf), th_tensor_value(&row), th_int(1), th_int(3),
                        th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::select_scatter.out", se, 6), EMBER_INVALID_ARGUMENT,
                 "index = 3 is out of range [-3, 2]");
    se[3] = th_int(-3);
    CHECK_STATUS(th_run("aten::select_scatter.out", se, 6), EMBER_OK, NULL);

    /* as_strided_copy: every reachable element inside self */
    static const int64_t sz[] = {2, 3}, st_ok[] = {3, 1}, st_neg[] = {3, -1}, st1[] = {1};
    static const int64_t big[] = {INT64_C(1) << 62, 1};
    ember_value as[] = {th_tensor_value(&tf), th_int_list(sz, 2), th_int_list(st_ok, 2), th_int(0),
                        th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::as_strided_copy.out", as, 6), EMBER_OK, NULL);
    as[3] = th_int(1);
    CHECK_STATUS(th_run("aten::as_strided_copy.out", as, 6), EMBER_INVALID_ARGUMENT,
                 "reach element 6 of self, which has 6");
    as[3] = th_int(-1);
    CHECK_STATUS(th_run("aten::as_strided_copy.out", as, 6), EMBER_INVALID_ARGUMENT,
                 "storage_offset = -1 is out of range");
    as[3] = th_null();
    as[2] = th_int_list(st_neg, 2);
    CHECK_STATUS(th_run("aten::as_strided_copy.out", as, 6), EMBER_INVALID_ARGUMENT,
                 "stride[1] = -1 is out of range");
    as[2] = th_int_list(big, 2);
    CHECK_STATUS(th_run("aten::as_strided_copy.out", as, 6), EMBER_INVALID_ARGUMENT, "reach element");
    as[2] = th_int_list(st1, 1);
    CHECK_STATUS(th_run("aten::as_strided_copy.out", as, 6), EMBER_INVALID_ARGUMENT,
                 "size has 2 items but stride has 1");
    ember_tensor perm = th_tensor(EMBER_DTYPE_F32, f, 2, s23);
    perm.dim_order[0] = 1;
    perm.dim_order[1] = 0;
    as[0] = th_tensor_value(&perm);
    as[2] = th_int_list(st_ok, 2);
    CHECK_STATUS(th_run("aten::as_strided_copy.out", as, 6), EMBER_NOT_SUPPORTED,
                 "only contiguous dim order");

    /* clone: memory formats */
    ember_tensor t3 = th_tensor(EMBER_DTYPE_F32, f, 3, s234);
    ember_tensor u3 = th_tensor(EMBER_DTYPE_F32, g, 3, s234);
    ember_value cl[] = {th_tensor_value(&t3), th_int(2), th_tensor_value(&u3), th_tensor_value(&u3)};
    CHECK_STATUS(th_run("aten::clone.out", cl, 4), EMBER_INVALID_ARGUMENT,
                 "channels_last needs a 4-d tensor");
    cl[1] = th_int(7);
    CHECK_STATUS(th_run("aten::clone.out", cl, 4), EMBER_INVALID_ARGUMENT, "memory_format 7");
    cl[1] = th_int(1);
    CHECK_STATUS(th_run("aten::clone.out", cl, 4), EMBER_OK, NULL);

    /* max.dim: empty dim, wrong indices dtype */
    ember_tensor e03 = th_tensor(EMBER_DTYPE_F32, f, 2, (const int32_t[]){3, 0});
    ember_tensor v3 = th_tensor(EMBER_DTYPE_F32, g, 1, (const int32_t[]){3});
    ember_tensor i3 = th_tensor(EMBER_DTYPE_I64, i64, 1, (const int32_t[]){3});
    ember_value mx[] = {th_tensor_value(&e03), th_int(1), th_bool(false), th_tensor_value(&v3),
                        th_tensor_value(&i3), th_tensor_value(&v3), th_tensor_value(&i3)};
    CHECK_STATUS(th_run("aten::max.dim_max", mx, 7), EMBER_INVALID_ARGUMENT, "empty dim");
    mx[0] = th_tensor_value(&tf);
    mx[1] = th_int(0);
    ember_tensor i3b = th_tensor(EMBER_DTYPE_I32, i32, 1, (const int32_t[]){3});
    mx[4] = mx[6] = th_tensor_value(&i3b);
    CHECK_STATUS(th_run("aten::min.dim_min", mx, 7), EMBER_DTYPE_MISMATCH, "expected int64");

    /* scatter: an index out of range fails at run, before writing */
    static int64_t bad_idx[6] = {0, 1, 2, 0, 1, 3};
    ember_tensor bi = th_tensor(EMBER_DTYPE_I64, bad_idx, 2, s23);
    ember_value sc[] = {th_tensor_value(&tf), th_int(1), th_tensor_value(&bi), th_tensor_value(&tf),
                        th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::scatter.src_out", sc, 6), EMBER_OUT_OF_RANGE,
                 "index 3 is out of range for dimension 1 of size 3");
    bad_idx[5] = -1;
    CHECK_STATUS(th_run("aten::scatter_add.out", sc, 6), EMBER_OUT_OF_RANGE, "index -1");
    bad_idx[5] = 2;
    CHECK_STATUS(th_run("aten::scatter_add.out", sc, 6), EMBER_OK, NULL);
    ember_tensor bi32 = th_tensor(EMBER_DTYPE_I32, i32, 2, s23);
    sc[2] = th_tensor_value(&bi32);
    CHECK_STATUS(th_run("aten::scatter.src_out", sc, 6), EMBER_DTYPE_MISMATCH, "expected int64");
    sc[2] = th_tensor_value(&bi);
    sc[3] = th_tensor_value(&n2);
    CHECK_STATUS(th_run("aten::scatter.src_out", sc, 6), EMBER_SHAPE_MISMATCH, "src has rank 1");
    sc[3] = th_tensor_value(&tf);
    ember_value sr[] = {th_tensor_value(&tf), th_int(1), th_tensor_value(&bi), th_tensor_value(&tf),
                        th_string("mean"), th_bool(true), th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::scatter_reduce.two_out", sr, 8), EMBER_NOT_SUPPORTED,
                 "reduce \"mean\" is not supported");
    sr[4] = th_string("max");
    CHECK_STATUS(th_run("aten::scatter_reduce.two_out", sr, 8), EMBER_INVALID_ARGUMENT,
                 "got \"max\"");

    /* index_put: index out of range at run; masks must match self; values must broadcast */
    static int64_t put_idx[2] = {1, 5};
    ember_tensor pi = th_tensor(EMBER_DTYPE_I64, put_idx, 1, s2);
    ember_tensor* pl[] = {&pi};
    ember_tensor one = th_tensor(EMBER_DTYPE_F32, g, 0, s0);
    ember_value ipv[] = {th_tensor_value(&tf), th_opt_tensor_list(pl, 1), th_tensor_value(&one),
                         th_bool(false), th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::index_put.out", ipv, 6), EMBER_OUT_OF_RANGE,
                 "index 5 is out of range for dimension 0 of size 2");
    put_idx[1] = -2;
    CHECK_STATUS(th_run("aten::index_put.out", ipv, 6), EMBER_OK, NULL);
    ember_tensor vbad = th_tensor(EMBER_DTYPE_F32, g, 1, (const int32_t[]){4});
    ipv[2] = th_tensor_value(&vbad);
    CHECK_STATUS(th_run("aten::index_put.out", ipv, 6), EMBER_SHAPE_MISMATCH,
                 "values do not broadcast");
    static uint8_t mk[3] = {1, 0, 1};
    ember_tensor m3 = th_tensor(EMBER_DTYPE_BOOL, mk, 1, (const int32_t[]){3});
    ember_tensor* ml[] = {&m3};
    ipv[1] = th_opt_tensor_list(ml, 1);
    ipv[2] = th_tensor_value(&one);
    CHECK_STATUS(th_run("aten::index_put.out", ipv, 6), EMBER_SHAPE_MISMATCH,
                 "mask dim 0 has size 3, self's dim 0 has 2");
    ember_tensor* ml2[] = {NULL, &m3};
    ipv[1] = th_opt_tensor_list(ml2, 2);
    CHECK_STATUS(th_run("aten::index_put.out", ipv, 6), EMBER_OK, NULL);
    ember_tensor* ml3[] = {&pi, &m3};
    ipv[1] = th_opt_tensor_list(ml3, 2);
    CHECK_STATUS(th_run("aten::index_put.out", ipv, 6), EMBER_NOT_SUPPORTED,
                 "a boolean mask must be the only index tensor");
    static uint16_t h6[6], h6o[6];
    ember_tensor th6 = th_tensor(EMBER_DTYPE_F16, h6, 2, s23);
    ember_tensor th6o = th_tensor(EMBER_DTYPE_F16, h6o, 2, s23);
    ember_tensor th0 = th_tensor(EMBER_DTYPE_F16, h6, 0, s0);
    ember_value iph[] = {th_tensor_value(&th6), th_opt_tensor_list(pl, 1), th_tensor_value(&th0),
                         th_bool(true), th_tensor_value(&th6o), th_tensor_value(&th6o)};
    CHECK_STATUS(th_run("aten::index_put.out", iph, 6), EMBER_NOT_SUPPORTED,
                 "accumulate on float16 is not supported");

    /* elementary / bitwise / fill dtypes */
    ember_value el[] = {th_tensor_value(&tf), th_tensor_value(&ti32), th_tensor_value(&ti32)};
    CHECK_STATUS(th_run("aten::tan.out", el, 3), EMBER_DTYPE_MISMATCH, "out must be floating point");
    CHECK_STATUS(th_run("aten::isinf.out", el, 3), EMBER_DTYPE_MISMATCH, "out must be bool");
    ember_value bw[] = {th_tensor_value(&tf), th_int(3), th_tensor_value(&ti32),
                        th_tensor_value(&ti32)};
    CHECK_STATUS(th_run("aten::bitwise_and.Scalar_out", bw, 4), EMBER_DTYPE_MISMATCH,
                 "integer or bool operands");
    bw[0] = th_tensor_value(&ti32);
    bw[1] = th_double(1.5);
    CHECK_STATUS(th_run("aten::bitwise_or.Scalar_out", bw, 4), EMBER_INVALID_ARGUMENT,
                 "must be an int or bool");
    static const int64_t sz23[] = {2, 3}, sz32[] = {3, 2}, neg[] = {-1, 3}, st1b[] = {1};
    ember_value em[] = {th_int_list(sz32, 2), th_null(), th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::empty.out", em, 4), EMBER_SHAPE_MISMATCH, "out has shape [2, 3]");
    em[0] = th_int_list(neg, 2);
    CHECK_STATUS(th_run("aten::empty.out", em, 4), EMBER_INVALID_ARGUMENT, "size[0] = -1");
    ember_value es[] = {th_int_list(sz23, 2), th_int_list(st1b, 1), th_tensor_value(&tg),
                        th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::empty_strided.out", es, 4), EMBER_INVALID_ARGUMENT,
                 "size has 2 items but stride has 1");

    /* padding modes: pad sizes, ranks, negative pads */
    static const int64_t p33[] = {3, 3}, p11[] = {1, 1}, pn[] = {-1, 0}, p1111[] = {1, 1, 1, 1};
    ember_tensor po = th_tensor(EMBER_DTYPE_F32, g, 2, (const int32_t[]){2, 9});
    ember_value pd[] = {th_tensor_value(&tf), th_int_list(p33, 2), th_tensor_value(&po),
                        th_tensor_value(&po)};
    CHECK_STATUS(th_run("aten::reflection_pad1d.out", pd, 4), EMBER_INVALID_ARGUMENT,
                 "must be less than dim 1's size 3");
    CHECK_STATUS(th_run("aten::reflection_pad2d.out", pd, 4), EMBER_INVALID_ARGUMENT,
                 "padding has 2 items, expected 4");
    pd[1] = th_int_list(pn, 2);
    CHECK_STATUS(th_run("aten::reflection_pad1d.out", pd, 4), EMBER_NOT_SUPPORTED,
                 "negative padding");
    pd[1] = th_int_list(p11, 2);
    CHECK_STATUS(th_run("aten::reflection_pad1d.out", pd, 4), EMBER_SHAPE_MISMATCH,
                 "out has shape [2, 9], expected [2, 5]");
    ember_tensor t1 = th_tensor(EMBER_DTYPE_F32, f, 1, s4);
    pd[0] = th_tensor_value(&t1);
    pd[1] = th_int_list(p1111, 4);
    CHECK_STATUS(th_run("aten::replication_pad2d.out", pd, 4), EMBER_INVALID_ARGUMENT,
                 "self has 1 dims, expected 3 or 4");

    /* 1-D pooling and diagonal */
    static const int64_t k4[] = {4}, k2[] = {2}, p3[] = {3}, p0[] = {0}, o0[] = {0};
    ember_tensor pool_in = th_tensor(EMBER_DTYPE_F32, f, 2, s23);
    ember_value ap[] = {th_tensor_value(&pool_in), th_int_list(k4, 1), th_int_list(k2, 1),
                        th_int_list(p0, 1), th_bool(false), th_bool(true), th_tensor_value(&tg),
                        th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::avg_pool1d.out", ap, 8), EMBER_SHAPE_MISMATCH, "output would be empty");
    ap[1] = th_int_list(k2, 1);
    ap[3] = th_int_list(p3, 1);
    CHECK_STATUS(th_run("aten::avg_pool1d.out", ap, 8), EMBER_INVALID_ARGUMENT,
                 "padding must be at most half");
    ap[0] = th_tensor_value(&t1);
    CHECK_STATUS(th_run("aten::avg_pool1d.out", ap, 8), EMBER_NOT_SUPPORTED, "input has rank 1");
    ember_value aa[] = {th_tensor_value(&pool_in), th_int_list(o0, 1), th_tensor_value(&tg),
                        th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::adaptive_avg_pool1d.out", aa, 4), EMBER_INVALID_ARGUMENT,
                 "output_size[0] = 0 is out of range");
    ember_value dgv[] = {th_tensor_value(&tf), th_int(0), th_int(1), th_int(-1),
                         th_tensor_value(&n2), th_tensor_value(&n2)};
    CHECK_STATUS(th_run("aten::diagonal_copy.out", dgv, 6), EMBER_INVALID_ARGUMENT,
                 "must be two different dims");
    dgv[3] = th_int(0);
    CHECK_STATUS(th_run("aten::diagonal_copy.out", dgv, 6), EMBER_OK, NULL);
    dgv[1] = th_int(INT64_MIN);
    CHECK_STATUS(th_run("aten::diagonal_copy.out", dgv, 6), EMBER_INVALID_ARGUMENT, "offset");

    /* grid_sampler_2d: modes, shapes; a NaN or infinite coordinate samples as 0 */
    static float img[4] = {1, 2, 3, 4}, grid_v[6] = {NAN, 0, INFINITY, 0, -1e30f, 1e30f}, gs_out[3];
    ember_tensor ti4 = th_tensor(EMBER_DTYPE_F32, img, 4, (const int32_t[]){1, 1, 2, 2});
    ember_tensor tgr = th_tensor(EMBER_DTYPE_F32, grid_v, 4, (const int32_t[]){1, 1, 3, 2});
    ember_tensor tgo = th_tensor(EMBER_DTYPE_F32, gs_out, 4, (const int32_t[]){1, 1, 1, 3});
    ember_value gs[] = {th_tensor_value(&ti4), th_tensor_value(&tgr), th_int(0), th_int(0),
                        th_bool(false), th_tensor_value(&tgo), th_tensor_value(&tgo)};
    for (int mode = 0; mode < 3; mode++) {
        gs[2] = th_int(mode);
        CHECK_STATUS(th_run("aten::grid_sampler_2d.out", gs, 7), EMBER_OK, NULL);
        CHECK(gs_out[0] == 0.0f && gs_out[1] == 0.0f && gs_out[2] == 0.0f);
    }
    gs[2] = th_int(3);
    CHECK_STATUS(th_run("aten::grid_sampler_2d.out", gs, 7), EMBER_INVALID_ARGUMENT,
                 "interpolation_mode = 3 is out of range [0, 2]");
    gs[2] = th_int(0);
    gs[3] = th_int(-1);
    CHECK_STATUS(th_run("aten::grid_sampler_2d.out", gs, 7), EMBER_INVALID_ARGUMENT,
                 "padding_mode = -1 is out of range [0, 2]");
    gs[3] = th_int(0);
    ember_tensor tgr3 = th_tensor(EMBER_DTYPE_F32, grid_v, 4, (const int32_t[]){1, 1, 2, 3});
    gs[1] = th_tensor_value(&tgr3);
    CHECK_STATUS(th_run("aten::grid_sampler_2d.out", gs, 7), EMBER_SHAPE_MISMATCH,
                 "grid must be (N, Ho, Wo, 2)");

    /* batch-statistics norm */
    ember_tensor m3f = th_tensor(EMBER_DTYPE_F32, g, 1, (const int32_t[]){3});
    ember_tensor r3f = th_tensor(EMBER_DTYPE_F32, g + 3, 1, (const int32_t[]){3});
    ember_tensor o23 = th_tensor(EMBER_DTYPE_F32, g + 8, 2, s23);
    ember_value bn[] = {th_tensor_value(&tf), th_null(), th_null(), th_bool(true), th_double(0.1),
                        th_double(1e-5), th_tensor_value(&o23), th_tensor_value(&m3f),
                        th_tensor_value(&r3f), th_tensor_value(&o23), th_tensor_value(&m3f),
                        th_tensor_value(&r3f)};
    CHECK_STATUS(th_run("aten::_native_batch_norm_legit.no_stats_out", bn, 12), EMBER_OK, NULL);
    bn[3] = th_bool(false);
    CHECK_STATUS(th_run("aten::_native_batch_norm_legit.no_stats_out", bn, 12),
                 EMBER_INVALID_ARGUMENT, "no running statistics");
    bn[3] = th_bool(true);
    bn[5] = th_double(-1.0);
    CHECK_STATUS(th_run("aten::_native_batch_norm_legit.no_stats_out", bn, 12),
                 EMBER_INVALID_ARGUMENT, "eps = -1");
    bn[5] = th_double(1e-5);
    bn[1] = th_tensor_value(&n2);
    CHECK_STATUS(th_run("aten::_native_batch_norm_legit.no_stats_out", bn, 12),
                 EMBER_SHAPE_MISMATCH, "weight has shape [2], expected [3]");

    /* masked_scatter: too few source elements fails at run */
    static uint8_t all_true[6] = {1, 1, 1, 1, 1, 1};
    ember_tensor mt = th_tensor(EMBER_DTYPE_BOOL, all_true, 2, s23);
    ember_tensor src4 = th_tensor(EMBER_DTYPE_F32, f, 1, s4);
    ember_value msv[] = {th_tensor_value(&tf), th_tensor_value(&mt), th_tensor_value(&src4),
                         th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::masked_scatter.out", msv, 5), EMBER_OUT_OF_RANGE,
                 "mask selects 6 elements but source has 4");
    all_true[0] = all_true[1] = 0;
    CHECK_STATUS(th_run("aten::masked_scatter.out", msv, 5), EMBER_OK, NULL);
    msv[1] = th_tensor_value(&ti32);
    CHECK_STATUS(th_run("aten::masked_scatter.out", msv, 5), EMBER_DTYPE_MISMATCH, "expected bool");

    /* cdist */
    ember_value cdv[] = {th_tensor_value(&tf), th_tensor_value(&tg32), th_double(2.0), th_null(),
                         th_tensor_value(&tg), th_tensor_value(&tg)};
    CHECK_STATUS(th_run("aten::_cdist_forward.out", cdv, 6), EMBER_SHAPE_MISMATCH,
                 "x1 rows have 3 columns, x2 rows 2");
    cdv[1] = th_tensor_value(&tf);
    cdv[4] = cdv[5] = th_tensor_value(&po);
    CHECK_STATUS(th_run("aten::_cdist_forward.out", cdv, 6), EMBER_SHAPE_MISMATCH, "out has shape");
    cdv[2] = th_double(-1.0);
    CHECK_STATUS(th_run("aten::_cdist_forward.out", cdv, 6), EMBER_INVALID_ARGUMENT,
                 "p = -1 must be non-negative");

    /* _embedding_bag: indices and offsets are checked at run */
    static int64_t eb_idx[4] = {0, 1, 2, 7}, eb_off[2] = {0, 2}, eb_o1[4], eb_o2[2], eb_o3[2];
    static float eb_out[6];
    ember_tensor ebw = th_tensor(EMBER_DTYPE_F32, f, 2, s23); /* 2 rows of 3 */
    ember_tensor ebi = th_tensor(EMBER_DTYPE_I64, eb_idx, 1, s4);
    ember_tensor ebo = th_tensor(EMBER_DTYPE_I64, eb_off, 1, s2);
    ember_tensor ebr = th_tensor(EMBER_DTYPE_F32, eb_out, 2, s23);
    ember_tensor eb1 = th_tensor(EMBER_DTYPE_I64, eb_o1, 1, s4);
    ember_tensor eb2 = th_tensor(EMBER_DTYPE_I64, eb_o2, 1, s2);
    ember_tensor eb3 = th_tensor(EMBER_DTYPE_I64, eb_o3, 1, s2);
    ember_value ebv[] = {th_tensor_value(&ebw), th_tensor_value(&ebi), th_tensor_value(&ebo),
                         th_bool(false), th_int(1), th_bool(false), th_null(), th_bool(false),
                         th_int(-1), th_tensor_value(&ebr), th_tensor_value(&eb1),
                         th_tensor_value(&eb2), th_tensor_value(&eb3), th_tensor_value(&ebr),
                         th_tensor_value(&eb1), th_tensor_value(&eb2), th_tensor_value(&eb3)};
    CHECK_STATUS(th_run("aten::_embedding_bag.out", ebv, 17), EMBER_OUT_OF_RANGE,
                 "index 2 is out of range for 2 embeddings");
    eb_idx[2] = eb_idx[3] = 1;
    eb_off[1] = 5;
    CHECK_STATUS(th_run("aten::_embedding_bag.out", ebv, 17), EMBER_OUT_OF_RANGE,
                 "offsets[1] = 5");
    eb_off[1] = 2;
    eb_off[0] = 1;
    CHECK_STATUS(th_run("aten::_embedding_bag.out", ebv, 17), EMBER_OUT_OF_RANGE,
                 "offsets[0] = 1");
    eb_off[0] = 0;
    CHECK_STATUS(th_run("aten::_embedding_bag.out", ebv, 17), EMBER_OK, NULL);
    ebv[4] = th_int(3);
    CHECK_STATUS(th_run("aten::_embedding_bag.out", ebv, 17), EMBER_INVALID_ARGUMENT,
                 "mode = 3 is out of range [0, 2]");
    ebv[4] = th_int(1);
    ebv[6] = th_tensor_value(&t1);
    CHECK_STATUS(th_run("aten::_embedding_bag.out", ebv, 17), EMBER_INVALID_ARGUMENT,
                 "per_sample_weights need mode 0");
}
"""

HELPERS = r"""
/* An optional-tensor list value (NULL items are None), as index.Tensor / index_put take. */
static inline ember_value th_opt_tensor_list(ember_tensor* const* items, uint32_t n)
{
    ember_value v = {.tag = EMBER_VALUE_OPTIONAL_TENSOR_LIST};
    v.u.tensors = items;
    v.len = n;
    return v;
}
/* got vs want of `n` elements of `dtype`: floats within tol * max(1, |want|) (NaN matches
 * NaN), everything else exactly. */
static void expect_values(const void* got, const void* want, int dtype, long n, double tol,
                          const char* what)
{
    for (long i = 0; i < n; i++) {
        double g = ember_load_f64(got, dtype, i), w = ember_load_f64(want, dtype, i);
        bool ok;
        if (dtype == EMBER_DTYPE_I64)
            ok = ((const int64_t*)got)[i] == ((const int64_t*)want)[i];
        else
            ok = (isnan(g) && isnan(w)) || g == w || fabs(g - w) <= tol * fmax(1.0, fabs(w));
        if (!ok) {
            fprintf(stderr, "%s: [%ld] got %.17g want %.17g\n", what, i, g, w);
            CHECK(!what);
            return;
        }
    }
    CHECK(what);
}
"""

bodies = [c.c(i) for i, c in enumerate(cases)]
src = ("/* test_ops_extra.c — fmod, pow.Scalar, linalg_vector_norm, sort/topk, copy, slice/select\n"
       " * scatter, as_strided_copy and clone's memory formats against torch eager, then bad\n"
       " * arguments. Generated by tests/c/gen/gen_extra_cases.py: edit that, not this. */\n"
       "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n\n"
       '#include "kernels/kernel_util.h"\n#include "tests/c/kernel_harness.h"\n'
       + HELPERS + "\n" + "\n".join(bodies) + FAILURES
       + "\nint main(void)\n{\n" + "".join(f"    case_{i}();\n" for i in range(len(cases)))
       + "    failures();\n    return check_report(\"test_ops_extra\");\n}\n")
OUT.write_text(src)
print(f"wrote {OUT} ({len(cases)} cases)")
