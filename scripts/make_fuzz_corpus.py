"""Writes the fuzzers' seed corpus, tests/fuzz/corpus/ (checked in; see docs/fuzzing.md).

    .venv/bin/python scripts/make_fuzz_corpus.py            # needs build/lib/libember.so
    .venv/bin/python scripts/make_fuzz_corpus.py --check    # only print the op coverage

Every file is a small, valid program: the fuzzers mutate them, and a small input is a fast one.
  zoo_*.pte   the small models of tests/python/zoo.py, shrunk (fewer channels, smaller inputs),
              exported with ember.export
  ops_*.pte   small models written here so that, together, the corpus calls every kernel
              Ember has (kernels/portable/ops_*.inc); the script prints any it misses
  half_*.pte  small models in float16 / bfloat16, and a float32 one casting through both
  et_*.pte    a few of the same models written by ExecuTorch's exporter (a different
              FlatBuffers writer, its own memory plan), when `executorch` is importable
Deterministic: fixed seeds, and the script removes what it no longer writes. The runtime's
checked-in programs (tests/data/*.pte, tests/data/fixtures/*.pte) are seeds too: the make
targets pass those folders by reference rather than copying them here.
"""

from __future__ import annotations

import argparse
import copy
import math
import re
import sys
import warnings
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fuzz" / "corpus"
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "tests" / "python"))
import ember  # noqa: E402
import zoo  # noqa: E402
from ember import ir, llm  # noqa: E402
from ember.emit import emit  # noqa: E402
from ember.plan import plan  # noqa: E402

MAX_FILE_BYTES = 48 * 1024  # per file; the whole corpus stays well under 2 MB


# ----------------------------------------------------------------------------- small op models


class Unary(nn.Module):
    def forward(self, x):  # (2, 3)
        a = x.abs() + 0.5
        return (
            F.relu(x), F.gelu(x), F.silu(x), torch.sigmoid(x), torch.tanh(x), F.hardswish(x),
            F.hardsigmoid(x), F.hardtanh(x, -0.5, 0.5), F.leaky_relu(x, 0.1), F.elu(x),
            x.clamp(-0.3, 0.7), x.exp(), a.log(), a.log1p(), x.expm1(), -x, a.sqrt(), a.rsqrt(),
            torch.erf(x), x.sin(), x.cos(), a.reciprocal(), x.floor(), x.ceil(), x.round(),
            x.sign(), torch.isnan(x), ~(x > 0), torch.logical_not(x > 0.5),
        )


class Binary(nn.Module):
    def forward(self, x, y, a, b):  # float (2, 3), float (3,), int64 (2, 3), int64 (2, 3)
        return (
            x + y, x - y, 2.0 - x, x * y, x / (y.abs() + 1), x + 1.5, x * 3.0, x / 2.0,
            a // (b.abs() + 1), torch.div(a, b.abs() + 1, rounding_mode="trunc"),
            torch.div(x, 3.0, rounding_mode="floor"), x.abs() ** 1.5, x.abs() ** y,
            torch.maximum(x, y), torch.minimum(x, y), a % 3, a % (b.abs() + 1), x % 0.7,
            (a > 0) & (b > 0), (a > 0) | (b > 0), a & b, a | b,
            torch.logical_and(x, y), torch.logical_or(x, a), torch.logical_xor(x > 0, y),
        )


class Compare(nn.Module):
    def forward(self, x, y, a):  # float (2, 3), float (2, 3), int64 (2, 3)
        return (x == y, x != y, x < y, x <= y, x > y, x >= y,
                x == 0.5, x != 0.5, a < 1, a <= 1, a > 1, a >= 1, a == 2, a != 2)


class Where(nn.Module):
    def forward(self, x, y, c):  # float (2, 3), float (3,), bool (2, 3)
        return (torch.where(c, x, y), torch.where(x > 0, x, 0.0), x.masked_fill(c, -1.0),
                torch.clamp(x, min=y), torch.clamp(x, max=y), torch.clamp(x, y - 1, y + 1))


class Reduce(nn.Module):
    def forward(self, x, a):  # float (2, 3, 4), int64 (2, 3)
        return (
            x.sum((0, 2)), x.mean(-1, keepdim=True), x.mean(), x.sum(), x.mean(1, dtype=torch.float32),
            a.prod(1), x.amax(1), x.amin((0, 1)), x.argmax(-1), x.argmin(0), x.argmax(),
            (x > 0).any(1), (x > 0).any(), (x > 0).any((0, 2)), x.var(-1), x.var(1, correction=0),
            x.cumsum(1), a.cumsum(0), torch.softmax(x, -1), torch.log_softmax(x, 1),
        )


class Create(nn.Module):
    def forward(self, x):  # (2, 3)
        r = torch.arange(6, dtype=torch.float32).reshape(2, 3)
        s = torch.arange(1, 7, 2)
        return (x + r, s * 2, torch.full((2, 3), 2.5) + x, torch.full_like(x, 3.0), torch.zeros(2, 3) + x,
                torch.ones(3) * x, torch.zeros_like(x), torch.ones_like(x, dtype=torch.int64),
                torch.scalar_tensor(1.5) * x)


class Copy(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 3)

    def forward(self, x, i):  # float (1, 2, 3, 3), int64 (2, 2)
        cl = x.permute(0, 2, 3, 1).contiguous()
        return (x.to(torch.int32), x.to(torch.float64), x.clone(), cl * 2.0,
                (x > 0).to(torch.float32), self.emb(i), x.to(torch.bool), i.to(torch.uint8))


class Shape(nn.Module):
    def forward(self, x, i):  # float (2, 3, 4), int64 (2,)
        return (
            x.permute(2, 0, 1), x.transpose(0, 1), x[0].t(), x.flip(1), x.flip((0, 2)),
            x[:, :1].expand(2, 3, 4), x.repeat(1, 2, 1), x[:, 1:3:1], x[..., ::2], x.select(1, 2),
            x[:, -1], torch.cat([x, x[:, :1]], 1), x.view(6, 4), x.reshape(2, 12), x[:, :, None],
            x[:, :1].squeeze(1), x.unsqueeze(0).squeeze(0), x.unsqueeze(-1),
            F.pad(x, (1, 2)), F.pad(x, (0, 1, 2, 0), value=-1.0),
            torch.tril(x), torch.triu(x, 1), torch.tril(x, -1), torch.triu(x, 2),
        )


class SplitIndex(nn.Module):
    def forward(self, x, i, j):  # float (4, 5), int64 (3,), int64 (4, 2)
        p, q = torch.split(x, [1, 3], 0)
        r, s, t = torch.split(x, 2, 1)
        return (p, q, r * 2, s, t, x.index_select(1, i), x[i], x[:, i], x[i, i.flip(0)],
                torch.gather(x, 1, j), torch.chunk(x, 2, 1)[1])


class NN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=1, groups=2)
        self.dconv = nn.Conv2d(4, 4, 2, padding=1, dilation=2, bias=False)
        self.convt = nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1, output_padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.ln = nn.LayerNorm(4)
        self.gn = nn.GroupNorm(2, 4)
        self.lin = nn.Linear(4, 3)
        self.lin_nb = nn.Linear(4, 2, bias=False)

    def forward(self, x, m):  # (1, 2, 5, 5), (2, 3, 4)
        c = self.bn(self.conv(x))  # (1, 4, 3, 3)
        return (
            self.dconv(c), self.convt(x), self.gn(c), self.ln(m), self.lin(m), self.lin_nb(m[0]),
            F.max_pool2d(x, 2), F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
            F.avg_pool2d(x, 2), F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
            F.adaptive_avg_pool2d(x, (2, 3)), F.adaptive_max_pool2d(x, 2),
            F.interpolate(c, scale_factor=2, mode="nearest"), F.interpolate(c, size=(4, 5), mode="bilinear"),
            F.interpolate(c, scale_factor=2, mode="bilinear", align_corners=True),
            m @ m.transpose(1, 2), m[0] @ m[1].t(), torch.addmm(m[0, :, :3], m[0], m[1].t()),
            torch.bmm(m, m.transpose(1, 2)),
        )


class Wino(nn.Module):
    """Convolutions whose weights x86 packs at load, so the fuzzers reach ember_method_pack and
    the packed kernels: 3x3 stride-1 ones with at least 8 input channels (Winograd) and a 1x1
    one on a 3x3 map with more output channels than positions (the transposed GEMM)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(8, 4, 3, padding=1)
        self.b = nn.Conv2d(8, 4, 3, padding=(0, 2), bias=False)
        self.c = nn.Conv2d(8, 40, 1)

    def forward(self, x):  # (1, 8, 5, 6)
        return F.relu(self.a(x)), self.b(x), F.relu6(self.c(x[:, :, 1:4, 2:5]))  # 9 positions


class Extra(nn.Module):
    def forward(self, x, img, i):  # float (3, 5), float (1, 2, 3, 3), int64 (3, 5)
        v, vi = torch.topk(x, 2, dim=1)
        s, si = torch.sort(x, dim=0, descending=True)
        z = x.clone()
        z[:, 1:4:2] = v * 2.0
        w = torch.zeros(2, 3, 5, dtype=torch.float64)
        w.copy_(x)
        return (
            torch.roll(x, 2, 1), torch.fmod(x, x.flip(1) + 3.0), i.fmod(3),
            torch.linalg.vector_norm(x, 3.0, dim=1, keepdim=True), F.normalize(x, dim=0),
            10000.0 ** (x / 4), v, vi, s, si, torch.argsort(x, dim=1, stable=True), z, w,
            torch.as_strided(x + 0.0, (2, 2), (3, 1), 1),
            img.clone(memory_format=torch.channels_last) * 2.0,
            F.grid_sample(img, torch.tanh(x[:2, :4].reshape(1, 2, 2, 2)), align_corners=False),
            F.grid_sample(img, torch.tanh(x[:2, :4].reshape(1, 2, 2, 2)), mode="bicubic",
                          padding_mode="reflection", align_corners=True),
        )


class ExtraWrites(nn.Module):
    def forward(self, x, i):  # float (3, 4), int64 (3,) in [0, 3)
        y = x.clone()
        y[x > 0] = 0.0
        z = x.clone()
        z[i] += 1.5
        e = i.view(1, 3).expand(3, 3)
        m, mi = x.max(dim=1)
        n, ni = x.min(dim=0, keepdim=True)
        return (
            y, z, torch.zeros(3, 4).scatter(1, e, x[:, :3]), x.scatter(0, i.view(3, 1).expand(3, 2), 2.5),
            torch.zeros(3, 4).scatter_add(0, e, x[:, :3]),
            x.scatter_reduce(1, e, x[:, :3], "amax", include_self=False), m, mi, n, ni,
        )


class ExtraMath(nn.Module):
    def forward(self, x, y, i):  # float (2, 3), float (3,), int64 (2, 3)
        b = x.clamp(-0.9, 0.9)
        return (
            torch.tan(x), torch.asin(b), torch.acos(b), torch.atan(x), torch.sinh(x), torch.cosh(x),
            torch.asinh(x), torch.acosh(x.abs() + 1), torch.atanh(b), torch.log2(x.abs()),
            torch.log10(x.abs()), torch.trunc(x * 3), torch.isinf(1.0 / x.round()),
            torch.atan2(x, y), i ^ (i + 1), i & 6, i | 1, i ^ 3, torch.empty(2, 3).fill_(1.0) + x,
            torch.diagonal(x, 1), x.prod(), F.instance_norm(x[None], eps=1e-3),
            torch.cdist(x, x + 1.0), torch.cdist(x, x, p=1.5), x.masked_scatter(x > 0, x * 2.0 + 1.0),
        )


class Bags(nn.Module):
    def __init__(self):
        super().__init__()
        self.mean = nn.EmbeddingBag(10, 4, mode="mean")
        self.sum = nn.EmbeddingBag(10, 4, mode="sum", padding_idx=4)
        self.max = nn.EmbeddingBag(10, 4, mode="max", include_last_offset=True)

    def forward(self, t, o, w, o2):  # int64 (8,) in [0, 10), int64 (3,), float (8,), int64 (4,)
        return self.mean(t, o), self.sum(t, o, per_sample_weights=w), self.max(t, o2)


class MoE(nn.Module):
    """A mixture-of-experts step as transformers writes it: histc counts tokens per expert,
    grouped_mm_fallback (→ ember::grouped_mm.out) multiplies each expert's rows."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3, 4, 5))

    def forward(self, x, ids):  # float (6, 4), int64 (6,) in [0, 3)
        import transformers.integrations.moe  # noqa: F401 - registers the custom op

        counts = torch.histc(ids.float(), bins=3, min=0, max=2)
        offs = torch.cumsum(counts, 0).to(torch.int32)
        order = torch.sort(ids, stable=True).indices
        return torch.ops.transformers.grouped_mm_fallback(x[order], self.w, offs), counts


class Attention(nn.Module):
    """ember::sdpa.out three ways: causal, a boolean mask broadcast over heads, grouped-query
    (2 query heads share 1 key/value head) with an additive mask; odd sizes reach the fast
    kernels' tails."""

    def forward(self, q, k, v, mask):  # (1, 2, 5, 8), (1, 2, 7, 8), (1, 2, 7, 8), bool (5, 7)
        a = F.scaled_dot_product_attention(q, k[:, :, :5], v[:, :, :5], is_causal=True)
        b = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        c = F.scaled_dot_product_attention(q, k[:, :1], v[:, :1], attn_mask=mask.float() * -2.0,
                                           enable_gqa=True)
        return a + b + c


class Tiny(nn.Module):
    def forward(self, x, y):  # (4,), (4,)
        return torch.relu(x * y + 1.0)


def _ints(shape, lo, hi, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(lo, hi, shape, generator=g, dtype=torch.long)


def _randn(*shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g)


def op_models():
    torch.manual_seed(100)
    nn_model = zoo.randomize_batchnorm(NN(), seed=200).eval()  # export leaves the mode as it was
    return {
        "ops_tiny": (Tiny(), (_randn(4, seed=1), _randn(4, seed=2))),
        "ops_unary": (Unary(), (_randn(2, 3, seed=3),)),
        "ops_binary": (Binary(), (_randn(2, 3, seed=4), _randn(3, seed=5), _ints((2, 3), -5, 6, 6), _ints((2, 3), -5, 6, 7))),
        "ops_compare": (Compare(), (_randn(2, 3, seed=8), _randn(2, 3, seed=9), _ints((2, 3), -3, 4, 10))),
        "ops_where": (Where(), (_randn(2, 3, seed=11), _randn(3, seed=12), _ints((2, 3), 0, 2, 13).bool())),
        "ops_reduce": (Reduce(), (_randn(2, 3, 4, seed=14), _ints((2, 3), -3, 4, 15))),
        "ops_create": (Create(), (_randn(2, 3, seed=16),)),
        "ops_copy": (Copy(), (_randn(1, 2, 3, 3, seed=17), _ints((2, 2), 0, 6, 18))),
        "ops_shape": (Shape(), (_randn(2, 3, 4, seed=19), _ints((2,), 0, 2, 20))),
        "ops_split_index": (SplitIndex(), (_randn(4, 5, seed=21), torch.tensor([2, 0, 3]), _ints((4, 2), 0, 5, 22))),
        "ops_extra": (Extra(), (_randn(3, 5, seed=25), _randn(1, 2, 3, 3, seed=26), _ints((3, 5), -9, 10, 27))),
        "ops_extra_writes": (ExtraWrites(), (_randn(3, 4, seed=28), _ints((3,), 0, 3, 29))),
        "ops_extra_math": (ExtraMath(), (_randn(2, 3, seed=33), _randn(3, seed=34), _ints((2, 3), -9, 10, 35))),
        "ops_bags": (Bags(), (_ints((8,), 0, 10, 36), torch.tensor([0, 4, 4]), _randn(8, seed=37), torch.tensor([0, 3, 3, 8]))),
        "ops_moe": (MoE(), (_randn(6, 4, seed=38), _ints((6,), 0, 3, 39))),
        "ops_attention": (Attention(), (_randn(1, 2, 5, 8, seed=40), _randn(1, 2, 7, 8, seed=41),
                                        _randn(1, 2, 7, 8, seed=42), _ints((5, 7), 0, 2, 43).bool())),
        "ops_nn": (nn_model, (_randn(1, 2, 5, 5, seed=23), _randn(2, 3, 4, seed=24))),
        "ops_wino": (Wino(), (_randn(1, 8, 5, 6, seed=44),)),
    }


def zoo_models():
    """The small zoo models, shrunk: the fuzzer wants small files and fast runs."""
    models = {}
    models["zoo_mlp"] = zoo.mlp(batch=2, d_in=8, d_hidden=8, d_out=4)
    models["zoo_lenet"] = zoo.lenet(c1=2, c2=2, f1=8, f2=8, classes=4)
    torch.manual_seed(4)
    ds = zoo.randomize_batchnorm(zoo.DSCNN(filters=4, classes=3, in_hw=(12, 6), blocks=1), seed=104)
    models["zoo_ds_cnn"] = (ds.eval(), (_randn(1, 1, 12, 6, seed=30),))
    for name in ("broadcast", "slicing", "concat_split", "int_bool", "reductions", "conv1d"):
        models[f"zoo_{name}"] = zoo.get(name)
    torch.manual_seed(14)
    sl = zoo.SoftmaxLayerNorm(d=4)
    models["zoo_softmax_layernorm"] = (sl.eval(), (_randn(2, 3, 4, seed=31),))
    torch.manual_seed(12)
    models["zoo_unet_small"] = (zoo.SmallUNet(c=4, classes=2).eval(), (_randn(1, 3, 8, 8, seed=32),))
    return models


# ----------------------------------------------------------------------------- hand-built programs
# Kernels that ember.export never emits (core ATen decomposes them, or only other exporters
# write them): programs built instruction by instruction, args in the ATen schema's order.


class Builder:
    def __init__(self) -> None:
        self.m = ir.Method(name="forward")

    def tensor(self, *shape, dtype=torch.float32, is_input=False) -> int:
        idx = self.m.add(ir.TensorValue(dtype, tuple(shape), name=f"t{len(self.m.values)}"))
        if is_input:
            self.m.inputs.append(idx)
        return idx

    def out(self, *shape, dtype=torch.float32) -> int:
        idx = self.tensor(*shape, dtype=dtype)
        self.m.outputs.append(idx)
        return idx

    def int(self, v: int) -> int:
        return self.m.add(ir.IntValue(v))

    def double(self, v: float) -> int:
        return self.m.add(ir.DoubleValue(v))

    def bool(self, v: bool) -> int:
        return self.m.add(ir.BoolValue(v))

    def null(self) -> int:
        return self.m.add(ir.NullValue())

    def ints(self, vals) -> int:
        return self.m.add(ir.IntListValue([self.int(v) for v in vals]))

    def tensors(self, idxs) -> int:
        return self.m.add(ir.TensorListValue(list(idxs)))

    def call(self, name: str, *args: int) -> None:
        op, overload = name.split(".")
        self.m.instructions.append(ir.KernelCall(op, overload, list(args)))

    def unary(self, name: str, x: int, *extra: int, shape=None, dtype=torch.float32) -> None:
        o = self.out(*(self.m.values[x].sizes if shape is None else shape), dtype=dtype)
        self.call(name, x, *extra, o, o)

    def emit(self) -> bytes:
        plan(self.m)
        return emit(ir.Program(methods=[self.m], constants=ir.ConstantTable()))


def hand_programs() -> dict[str, tuple[bytes, set[str]]]:
    progs = {}

    b = Builder()  # elementwise and creation
    x = b.tensor(2, 3, is_input=True)
    mask = b.tensor(2, 3, dtype=torch.bool, is_input=True)
    b.unary("aten::rsub.Scalar_out", x, b.double(2.0), b.int(1))
    for name in ("aten::silu.out", "aten::hardswish.out", "aten::hardsigmoid.out", "aten::alias_copy.out"):
        b.unary(name, x)
    b.unary("aten::masked_fill.Scalar_out", x, mask, b.double(-1.5))
    b.unary("aten::sum.out", x, b.null(), shape=())
    b.unary("aten::tril.out", x, b.int(0))
    b.unary("aten::triu.out", x, b.int(1))
    b.unary("aten::tril.out", x, b.int(-1))
    o = b.out(6)
    b.call("aten::arange.out", b.int(6), o, o)
    o = b.out(2, 3)
    b.call("aten::zeros.out", b.ints([2, 3]), o, o)
    o = b.out(3, dtype=torch.int64)
    b.call("aten::ones.out", b.ints([3]), o, o)
    progs["hand_math"] = b

    b = Builder()  # shapes, views, matmul, indexing
    x = b.tensor(2, 3, is_input=True)
    y = b.tensor(2, 1, 3, is_input=True)
    w = b.tensor(3, 2, is_input=True)
    idx = b.tensor(2, dtype=torch.int64, is_input=True)
    b.unary("aten::t_copy.out", x, shape=(3, 2))
    b.unary("aten::transpose_copy.int_out", x, b.int(0), b.int(-1), shape=(3, 2))
    b.unary("aten::_unsafe_view.out", x, b.ints([3, -1]), shape=(3, 2))
    b.unary("aten::squeeze_copy.out", y, shape=(2, 3))
    b.unary("aten::squeeze_copy.dim_out", y, b.int(1), shape=(2, 3))
    b.unary("aten::mm.out", x, w, shape=(2, 2))
    v = b.out(3, 2)
    b.call("executorch_prim::et_view.default", x, b.ints([3, 2]), v)
    o1, o2 = b.out(2, 2), b.out(2, 1)
    b.call("aten::split_copy.Tensor_out", x, b.int(2), b.int(1), b.tensors([o1, o2]))
    b.unary("aten::embedding.out", w, idx, b.int(-1), b.bool(False), b.bool(False), shape=(2, 2))
    progs["hand_shape"] = b

    b = Builder()  # image ops with explicit sizes, dim-order copies
    img = b.tensor(1, 2, 2, 2, is_input=True)
    b.unary("aten::upsample_nearest2d.out", img, b.ints([4, 3]), b.null(), b.null(), shape=(1, 2, 4, 3))
    b.unary("aten::upsample_bilinear2d.out", img, b.ints([3, 3]), b.bool(False), b.null(), b.null(), shape=(1, 2, 3, 3))
    b.unary("aten::upsample_bilinear2d.out", img, b.ints([4, 4]), b.bool(True), b.null(), b.null(), shape=(1, 2, 4, 4))
    b.unary("dim_order_ops::_to_dim_order_copy.out", img, b.bool(False), b.ints([0, 1, 2, 3]), dtype=torch.int64)
    b.unary("dim_order_ops::_clone_dim_order.out", img, b.bool(False), b.null())
    progs["hand_image"] = b

    b = Builder()  # select_scatter (core ATen decomposes it to where), integer fmod by a tensor
    x = b.tensor(2, 3, is_input=True)
    row = b.tensor(3, is_input=True)
    b.unary("aten::select_scatter.out", x, row, b.int(0), b.int(-1), shape=(2, 3))
    a = b.tensor(2, 3, dtype=torch.int64, is_input=True)
    b.unary("aten::fmod.Tensor_out", a, a, shape=(2, 3), dtype=torch.int64)
    progs["hand_scatter"] = b

    b = Builder()  # padding modes (core ATen decomposes F.pad's), fill, empty_strided
    x = b.tensor(1, 2, 3, 4, is_input=True)
    x3 = b.tensor(2, 3, 4, is_input=True)
    b.unary("aten::reflection_pad1d.out", x3, b.ints([2, 1]), shape=(2, 3, 7))
    b.unary("aten::reflection_pad2d.out", x, b.ints([1, 1, 2, 0]), shape=(1, 2, 5, 6))
    b.unary("aten::replication_pad2d.out", x, b.ints([0, 2, 1, 1]), shape=(1, 2, 5, 6))
    b.unary("aten::reflection_pad3d.out", x, b.ints([1, 0, 0, 1, 1, 1]), shape=(1, 4, 4, 5))
    b.unary("aten::replication_pad3d.out", x, b.ints([1, 1, 1, 1, 1, 1]), shape=(1, 4, 5, 6))
    b.unary("aten::fill.Scalar_out", x, b.double(-2.5))
    o = b.out(2, 3, dtype=torch.int32)
    b.call("aten::empty_strided.out", b.ints([2, 3]), b.ints([1, 2]), o, o)
    y = b.tensor(2, 7, is_input=True)
    b.unary("aten::avg_pool1d.out", y, b.ints([3]), b.ints([2]), b.ints([1]), b.bool(True), b.bool(False), shape=(2, 4))
    b.unary("aten::adaptive_avg_pool1d.out", y, b.ints([3]), shape=(2, 3))
    b.unary("aten::var.out", y, b.ints([1]), b.bool(True), b.bool(False), shape=(2,))
    progs["hand_pad"] = b

    out = {}
    for name, b in progs.items():
        ops = {c.full_name for c in b.m.instructions}
        out[name] = (b.emit(), ops)
    return out


# ----------------------------------------------------------------------------- half-precision seeds
# float16 / bfloat16 programs (the half paths of the kernels: converters, float-computing
# matmul, conv, norms, pooling, softmax, upsample, and _to_copy between the float types).


class HalfCasts(nn.Module):
    def forward(self, x):  # float32 (2, 5)
        h = x.half() * 1.5 + 1.0
        b = torch.softmax(h, -1).to(torch.bfloat16)
        return (b.float() - x).abs(), h.to(torch.int64), (h > 1.0).to(torch.bfloat16)


class _SizeArith(nn.Module):
    """x (T, 6), T dynamic: sizes computed with each of executorch_prim's scalar ops, used as
    a view's sizes and as numbers."""

    def forward(self, x):
        t = x.shape[0]
        y = x.view(t * 2, 3) * ((t + 3) * 2 - 1)  # add, mul, sub; a view of computed sizes
        y = y * ((t * 7) // 2 % 5) + (torch.sym_max(t, 2) - torch.sym_min(t, 1))
        c = t / 4.0  # sym_float, truediv
        y = y * c + torch.sym_int(c) + math.ceil(c) + round(c) + math.trunc(c) + (-t)
        # comparisons and sym_not, as numbers (a branch on them would fix T at export)
        return y * (t > 2) + (t >= 3) + (t <= 100) + (t < 101) + torch.sym_not(t == 7)


class _QEmbeddings(nn.Module):
    """ExecuTorch's quantized embedding lookups (ember.llm declares them), every overload: int8
    rows with zero points, int4 groups (.dtype), uint8 groups (.dtype), int2 groups with zero
    points and int2 rows (.dtype); indices (2, 3)."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(50)
        self.register_buffer("w8", torch.randint(-128, 128, (5, 8), generator=g).to(torch.int8))
        self.register_buffer("u8", torch.randint(0, 256, (5, 8), generator=g).to(torch.uint8))
        self.register_buffer("w4", torch.randint(0, 256, (5, 4), generator=g).to(torch.uint8))
        self.register_buffer("w2", torch.randint(0, 256, (5, 2), generator=g).to(torch.uint8))
        self.register_buffer("s_row", torch.rand(5, generator=g) + 0.1)
        self.register_buffer("s_grp", torch.rand(5, 2, generator=g) + 0.1)
        self.register_buffer("z_row", torch.randn(5, generator=g))
        self.register_buffer("z_grp", torch.randn(5, 2, generator=g))

    def forward(self, idx):
        ops = torch.ops.ember
        a = ops.qd_embedding_byte(self.w8, self.s_row, self.z_row, -128, 127, idx)
        b = ops.qd_embedding_4bit.dtype(self.w4, self.s_grp, None, -8, 7, idx, dtype=torch.float32)
        c = ops.qd_embedding_byte.dtype(self.u8, self.s_grp, None, 0, 255, idx)
        d = ops.qd_embedding_2bit(self.w2, self.s_grp, self.z_grp, -2, 1, idx)
        e = ops.qd_embedding_2bit.dtype(self.w2, self.s_row, None, -2, 1, idx)
        return a + b + c + d + e


def llm_models():
    """name: (model, inputs, dynamic_shapes, export_llm keywords); inputs None means the model
    is a transformers decoder for export_llm (its inputs are not checked here)."""
    import transformers
    from torch.export import Dim

    torch.manual_seed(48)
    opt = transformers.OPTForCausalLM(transformers.OPTConfig(
        hidden_size=16, num_hidden_layers=1, ffn_dim=16, num_attention_heads=2, vocab_size=24,
        max_position_embeddings=16, word_embed_proj_dim=16)).eval()
    llama = transformers.LlamaForCausalLM(transformers.LlamaConfig(
        hidden_size=32, num_hidden_layers=1, intermediate_size=32, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=24, max_position_embeddings=16)).eval()
    return {
        # (run, for the check, at input_pos 0 by the same wrapper in torch: reference())
        "llm_opt": (opt, None, None, {"max_seq_len": 8}),
        "llm_llama_int8": (llama, None, None, {"max_seq_len": 8, "weights": "int8"}),
        "llm_llama_int4": (llama, None, None, {"max_seq_len": 8, "weights": "int4", "group_size": 32}),
        "llm_llama_emb4": (llama, None, None, {"max_seq_len": 8, "embeddings": "int4",
                                               "group_size": 32}),
        "ops_sizes": (_SizeArith(), (_randn(4, 6, seed=49),), {"x": {0: Dim("T", min=1, max=16)}}, {}),
        "ops_qembedding": (_QEmbeddings(), (torch.tensor([[0, 4, 2], [2, 1, 3]]),), None, {}),
    }


def half_models():
    """Small zoo models cast to float16 or bfloat16 (zoo.to_dtype), and a float32 program that
    casts through both half types."""
    models = {}
    models["half_lenet_fp16"] = zoo.to_dtype(zoo.lenet(c1=2, c2=2, f1=8, f2=8, classes=4), torch.float16)
    torch.manual_seed(14)
    sl = zoo.SoftmaxLayerNorm(d=4).eval()
    models["half_softmax_layernorm_bf16"] = zoo.to_dtype((sl, (_randn(2, 3, 4, seed=40),)), torch.bfloat16)
    torch.manual_seed(12)
    un = zoo.SmallUNet(c=4, classes=2).eval()
    models["half_unet_small_bf16"] = zoo.to_dtype((un, (_randn(1, 3, 8, 8, seed=41),)), torch.bfloat16)
    models["half_casts"] = (HalfCasts().eval(), (_randn(2, 5, seed=42),))
    return models


def check_runs_half(data: bytes, model, inputs) -> str:
    """A half seed against torch eager in its dtype (zoo.compare_half's rule)."""
    try:
        dtype = next((t.dtype for t in inputs if t.dtype in (torch.float16, torch.bfloat16)), None)
        outs = ember.load(data).run(*inputs, flat=True)
        if dtype is None:  # float32 in: the outputs are compared loosely, at bfloat16 precision
            refs = zoo.half_references(model, inputs)[0]  # bfloat16 outputs as float32
            bad = [i for i, (o, r) in enumerate(zip(outs, refs))
                   if not (abs(o.astype("float64") - r.astype("float64")).max() <= 5e-2 * max(1.0, abs(r).max()))]
            return "runs; differs from torch: outputs " + str(bad) if bad else "runs, matches torch"
        eager, fp32 = zoo.half_references(model, inputs)
        _, problems = zoo.compare_half(outs, eager, fp32, dtype)
        return "runs; differs from torch: " + "; ".join(problems) if problems else "runs, matches torch"
    except Exception as e:  # noqa: BLE001 - reported, not fatal
        return f"FAILS: {e}"


# ----------------------------------------------------------------------------- writing


def kernel_names() -> list[str]:
    names = []
    for inc in sorted((ROOT / "kernels" / "portable").glob("ops_*.inc")):
        # \s* spans the line break of an entry written on two lines
        names += re.findall(r'^EMBER_OP\(\s*\w+\s*,\s*"([^"]+)"\s*\)', inc.read_text(), re.M)
    return names


def ember_ops(program) -> set[str]:
    return {c.full_name for m in program.program.methods for c in m.instructions if hasattr(c, "full_name")}


class _MinMax(nn.Module):
    """cortex_m::minimum and maximum of two int8 tensors, broadcast (seed only)."""

    def forward(self, a, b):
        import quant_ops

        return quant_ops.QuantizedMinimum()(a, b), quant_ops.QuantizedMaximum()(a, b)


def et_export(model, inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from executorch.exir import to_edge

        from executorch.exir import EdgeCompileConfig

        # the IR check rejects the boundary ops' non-core dtypes; nothing else needs it off
        prog = to_edge(torch.export.export(model, inputs),
                       compile_config=EdgeCompileConfig(_check_ir_validity=False)).to_executorch()
    ops = {f"{o.name}.{o.overload}" if o.overload else o.name
           for plan in prog.executorch_program.execution_plan for o in plan.operators}
    return prog.buffer, ops


def check_runs(data: bytes, model_inputs) -> str:
    """Runs a seed on the runtime: a seed that does not load or run is a weak seed."""
    import numpy as np
    from ember import runtime as rt

    try:
        prog = ember.load(data)
        for name in prog.method_names:
            method = prog.method(name)
            if model_inputs is not None and name == "forward":
                model, inputs = model_inputs
                _, _, problems = zoo.compare(method.run(*inputs), zoo.reference(model, inputs))
                if problems:
                    return "runs; differs from torch: " + "; ".join(problems)
                continue
            args = []  # hand-built programs: ones of each input's dtype and shape
            for i in range(method.num_inputs):
                t = method._lib.ember_method_input(method._m, i).contents.u.t.contents
                args.append(np.ones(tuple(t.sizes[d] for d in range(t.dim)), dtype=rt._DTYPE_TO_NP[t.dtype]))
            method.run(*args)
        return "runs, matches torch" if model_inputs is not None else "runs"
    except Exception as e:  # noqa: BLE001 - reported, not fatal
        return f"FAILS: {e}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="export and report, write nothing")
    args = ap.parse_args()

    files: dict[str, bytes] = {}
    inputs_of: dict[str, tuple] = {}
    covered: set[str] = set()
    models = {**zoo_models(), **op_models()}
    for name, (model, inputs) in models.items():
        # The op seeds exist to call kernels: unfolded, so ops on constants (full, empty) run.
        prog = ember.export(model, inputs, fold_constants=not name.startswith("ops_"))
        files[f"{name}.pte"] = prog.buffer
        inputs_of[f"{name}.pte"] = (model, inputs)
        covered |= ember_ops(prog)

    for name, (data, ops) in hand_programs().items():
        files[f"{name}.pte"] = data
        covered |= ops

    half_checks = {}
    for name, (model, inputs) in half_models().items():  # float16 / bfloat16 seeds
        prog = ember.export(model, inputs)
        files[f"{name}.pte"] = prog.buffer
        half_checks[f"{name}.pte"] = (model, inputs)
        covered |= ember_ops(prog)

    # Language models (ember.llm): the KV cache as program state, llama::update_cache /
    # custom_sdpa, the start position read from a tensor (_local_scalar_dense), a dynamic length;
    # int8 (mixed_linear) and int4 (linear_int4) weights, int4 embeddings (embedding_4bit). A
    # dynamic size computed with every executorch_prim scalar op; ExecuTorch's quantized
    # embedding lookups, every overload.
    for name, (model, inputs, dynamic, kwargs) in llm_models().items():
        if inputs is None:  # a decoder: checked against the same wrapper run by torch
            prog = llm.export_llm(model, **kwargs)
            reference = copy.deepcopy(model)
            if kwargs.get("weights"):
                llm.quantize_weights(reference, kwargs["weights"], kwargs.get("group_size", 64))
            if kwargs.get("embeddings"):
                llm.quantize_embeddings(reference, kwargs["embeddings"], kwargs.get("group_size", 64))
            model = llm.DecoderWithCache(reference, kwargs["max_seq_len"]).eval()
            inputs = (torch.arange(5).reshape(1, 5) % 24, torch.zeros(1, dtype=torch.long))
        else:
            prog = ember.export(model, inputs, dynamic_shapes=dynamic)
        files[f"{name}.pte"] = prog.buffer
        inputs_of[f"{name}.pte"] = (model, inputs)
        covered |= ember_ops(prog)

    # The legacy layout: constants inline in the flatbuffer (constant_buffer), no segments.
    m1, x1 = models["zoo_lenet"]
    files["legacy_lenet.pte"] = emit(ember.export(m1, x1).program, inline_constants=True)

    # Two methods in one program (shared constants, a second plan).
    m1, x1 = models["zoo_mlp"]
    m2, x2 = models["ops_tiny"]
    prog = ember.export(methods={"forward": (m1, x1), "tiny": (m2, x2)})
    files["multi_method.pte"] = prog.buffer

    try:
        for name in ("zoo_mlp", "zoo_lenet", "zoo_ds_cnn", "zoo_int_bool", "zoo_slicing", "ops_tiny", "ops_shape"):
            model, inputs = models[name]
            buf, ops = et_export(model, inputs)
            files["et_" + name.split("_", 1)[1] + ".pte"] = buf
            inputs_of["et_" + name.split("_", 1)[1] + ".pte"] = (model, inputs)
            covered |= ops
        import quant_ops  # the int8 boundaries, written by ExecuTorch (ember.export has no Q/DQ)

        quant_ops.register()
        model, inputs = quant_ops.Boundaries().eval(), (_randn(2, 3, 4, seed=45),)
        buf, ops = et_export(model, inputs)
        files["et_quant.pte"] = buf
        inputs_of["et_quant.pte"] = (model, inputs)
        covered |= ops
        g = torch.Generator().manual_seed(46)  # cortex_m::quantized_linear, int8 in and out
        model = quant_ops.QuantizedLinear(
            torch.randint(-127, 128, (6, 8), generator=g).to(torch.int8),
            torch.randint(-500, 500, (6,), generator=g).to(torch.int32), None, (5, 0, -3),
            1 << 30, -4, (-128, 127)).eval()
        inputs = (torch.randint(-128, 128, (2, 8), generator=g).to(torch.int8),)
        buf, ops = et_export(model, inputs)
        files["et_cortex_m_linear.pte"] = buf
        inputs_of["et_cortex_m_linear.pte"] = (model, inputs)
        covered |= ops
        for name, model in (  # cortex_m::quantized_add and quantized_mul, int8 in and out
                ("add", quant_ops.QuantizedAdd((3, 1 << 30, -1), (-2, 1 << 30, -1),
                                               (1, 1 << 30, -19), (-100, 100))),
                ("mul", quant_ops.QuantizedMul(3, -2, (1, 1 << 30, -6)))):
            inputs = tuple(torch.randint(-128, 128, (2, 5), generator=g).to(torch.int8)
                           for _ in range(2))
            buf, ops = et_export(model.eval(), inputs)
            files[f"et_cortex_m_{name}.pte"] = buf
            inputs_of[f"et_cortex_m_{name}.pte"] = (model, inputs)
            covered |= ops
        cl = torch.channels_last  # cortex_m:: pools, pad, transpose, minimum / maximum
        x4 = torch.randint(-128, 128, (1, 4, 5, 6), generator=g).to(torch.int8).to(memory_format=cl)
        for name, model, inputs in (
                ("max_pool", quant_ops.QuantizedMaxPool((2, 2), (2, 2), (1, 1), 3, (-100, 100)),
                 (x4,)),
                ("avg_pool", quant_ops.QuantizedAvgPool((3, 2), (2, 1), (1, 0), True, 3, 1 << 30,
                                                        -2), (x4,)),
                ("max_pool_nhwc", quant_ops.QuantizedMaxPool((3, 2), (1, 2), (1, 0), -5, (-128, 127),
                                                             nhwc=True), (x4.contiguous(),)),
                ("avg_pool_nhwc", quant_ops.QuantizedAvgPool((2, 2), (1, 1), (0, 1), False, 0,
                                                             1 << 30, -1, nhwc=True),
                 (x4.contiguous(),)),
                ("pad", quant_ops.QuantizedPad((0, 1, 2, 0), (0, 2, 1, 0), -7), (x4,)),
                ("transpose", quant_ops.QuantizedTranspose((0, 2, 1)),
                 (torch.randint(-128, 128, (2, 3, 5), generator=g).to(torch.int8),)),
                ("min_max", _MinMax(), tuple(torch.randint(-128, 128, s, generator=g).to(torch.int8)
                                             for s in ((2, 3, 4, 5), (1, 1, 4, 5))))):
            buf, ops = et_export(model.eval(), inputs)
            files[f"et_cortex_m_{name}.pte"] = buf
            inputs_of[f"et_cortex_m_{name}.pte"] = (model, inputs)
            covered |= ops

        def ri(lo, hi, *shape):
            return torch.randint(lo, hi + 1, shape, generator=g)

        p = dict(stride=[1, 2], padding=[1, 0], dilation=[1, 1], input_offset=3,
                 output_offset=-2, act=(-100, 120), depth_multiplier=2)
        mult = lambda n: ri(1 << 30, (1 << 31) - 1, n).to(torch.int32)  # noqa: E731
        shift = lambda n: ri(-10, -6, n).to(torch.int32)  # noqa: E731
        xc = ri(-128, 127, 1, 3, 6, 5).to(torch.int8).to(memory_format=cl)
        for name, model, inputs in (  # cortex_m:: convolutions, softmax
                ("conv", quant_ops.QuantizedConv(
                    "conv", False, ri(-127, 127, 4, 3, 3, 3).to(torch.int8),
                    ri(-500, 500, 4).to(torch.int32), mult(4), shift(4), p), (xc,)),
                ("conv_nhwc", quant_ops.QuantizedConv(
                    "conv", True, ri(-127, 127, 4, 1, 3, 3).to(torch.int8), None, mult(4),
                    shift(4), p), (xc.permute(0, 2, 3, 1).contiguous(),)),
                ("depthwise", quant_ops.QuantizedConv(
                    "depthwise", False, ri(-127, 127, 1, 3, 3, 6).to(torch.int8),
                    ri(-500, 500, 6).to(torch.int32), mult(6), shift(6), p), (xc,)),
                ("depthwise_nhwc", quant_ops.QuantizedConv(
                    "depthwise", True, ri(-127, 127, 1, 2, 2, 6).to(torch.int8), None, mult(6),
                    shift(6), p), (xc.permute(0, 2, 3, 1).contiguous(),)),
                ("transpose_conv", quant_ops.QuantizedConv(
                    "transpose", False, ri(-127, 127, 2, 3, 3, 3).to(torch.int8),
                    ri(-500, 500, 2).to(torch.int32), mult(2), shift(2), p), (xc,)),
                ("transpose_conv_nhwc", quant_ops.QuantizedConv(
                    "transpose", True, ri(-127, 127, 2, 2, 2, 3).to(torch.int8), None, mult(2),
                    shift(2), p), (xc.permute(0, 2, 3, 1).contiguous(),)),
                ("softmax", quant_ops.QuantizedSoftmax(3, 1 << 30, 20, -3968),
                 (ri(-128, 127, 3, 9).to(torch.int8),)),
                ("activation", quant_ops.QuantizedActivation(ri(-128, 127, 256).to(torch.int8)),
                 (ri(-128, 127, 2, 7).to(torch.int8),)),
                ("div", quant_ops.QuantizedDiv(3, -2, 1, 4.5),
                 tuple(ri(-128, 127, 2, 6).to(torch.int8) for _ in range(2))),
                ("batch_matmul", quant_ops.QuantizedBatchMatmul(3, -2, 1, 1 << 30, -9),
                 (ri(-128, 127, 2, 3, 5).to(torch.int8), ri(-128, 127, 2, 4, 5).to(torch.int8))),
                ("add_per_channel", quant_ops.QuantizedAdd((3, 1 << 30, -1), (-2, -(1 << 30), -1),
                                                           (1, 1 << 30, -19), (-128, 127)),
                 (xc, ri(-128, 127, 1, 3, 1, 1).to(torch.int8)))):
            buf, ops = et_export(model.eval(), inputs)
            files[f"et_cortex_m_{name}.pte"] = buf
            inputs_of[f"et_cortex_m_{name}.pte"] = (model, inputs)
            covered |= ops
        # Ember's own int8 program (ember.export(quantize="int8"): channels-last tensors, the
        # dim-order copies, a 1x1 convolution standing for a linear layer)
        model, inputs = models["zoo_lenet"]
        g2 = torch.Generator().manual_seed(47)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prog = ember.export(model, inputs, quantize="int8", calibration=[
                tuple(torch.randn(x.shape, generator=g2) for x in inputs) for _ in range(4)])
        files["ember_int8_lenet.pte"] = prog.buffer
        inputs_of["ember_int8_lenet.pte"] = (model, inputs)
        covered |= ember_ops(prog)
    except ImportError as e:
        print(f"ExecuTorch not importable ({e}): no et_*.pte seeds written")

    for fname, data in sorted(files.items()):
        assert len(data) <= MAX_FILE_BYTES, f"{fname}: {len(data)} bytes, shrink the model"
        result = (check_runs_half(data, *half_checks[fname]) if fname in half_checks
                  else check_runs(data, inputs_of.get(fname)))
        print(f"{fname:32s} {len(data):7d} bytes  {result}")
    total = sum(len(d) for d in files.values())
    missing = [k for k in kernel_names() if k not in covered]
    print(f"{len(files)} files, {total} bytes; kernels called: {len(kernel_names()) - len(missing)} of {len(kernel_names())}")
    if missing:
        print("kernels no seed calls: " + ", ".join(missing))
    if args.check:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.pte"):
        if old.name not in files:
            old.unlink()
    for fname, data in files.items():
        (OUT / fname).write_bytes(data)


if __name__ == "__main__":
    main()
