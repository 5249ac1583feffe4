"""cortex_m::quantized_activation, quantized_div, quantized_batch_matmul (op_qmisc.c) and
quantized_add / quantized_mul with a per-channel operand or a negated multiplier
(op_qelementwise.c), bit for bit against ExecuTorch's Python references of the ops on random
parameters, and in programs ExecuTorch's Cortex-M flow writes from float models (sigmoid, tanh,
SiLU, GELU, sqrt, log1p tables, a / b, a - b, bmm and rank-4 matmul, a per-channel scale or mean
on either side). Needs executorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import quant_ops
from test_cortex_m import _cortex_m, _to_program


def _run(model, inputs) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, inputs)
    return ember.load(_to_program(ep)).run(*inputs)[0]


def _ri(g, lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=g)


def test_activation_table():
    _cortex_m()
    g = torch.Generator().manual_seed(4)
    for shape in [(7,), (2, 3, 5), (1, 256)]:
        lut = _ri(g, -128, 128, 256).to(torch.int8)
        x = _ri(g, -128, 128, *shape).to(torch.int8)
        model = quant_ops.QuantizedActivation(lut).eval()
        assert np.array_equal(_run(model, (x,)), model(x).numpy())


def test_div_matches_the_reference():
    _cortex_m()
    g = torch.Generator().manual_seed(5)
    for t in range(12):
        shape = [(9,), (2, 3, 4), (5, 17)][t % 3]
        x = _ri(g, -128, 128, *shape).to(torch.int8)
        y = _ri(g, -128, 128, *shape).to(torch.int8)
        yzp = int(_ri(g, -128, 128))
        y.view(-1)[0] = yzp  # a zero divisor
        scale = float(torch.empty(1).uniform_(0.5, 60.0, generator=g))
        model = quant_ops.QuantizedDiv(int(_ri(g, -128, 128)), yzp, int(_ri(g, -128, 128)),
                                       scale).eval()
        assert np.array_equal(_run(model, (x, y)), model(x, y).numpy()), (t, model.p)


def test_batch_matmul_matches_the_reference():
    _cortex_m()
    g = torch.Generator().manual_seed(6)
    for t in range(12):
        b, m, n, k = int(_ri(g, 1, 4)), int(_ri(g, 1, 9)), int(_ri(g, 1, 12)), int(_ri(g, 1, 64))
        a = _ri(g, -128, 128, b, m, k).to(torch.int8)
        bt = _ri(g, -128, 128, b, n, k).to(torch.int8)
        model = quant_ops.QuantizedBatchMatmul(int(_ri(g, -127, 129)), int(_ri(g, -127, 129)),
                                               int(_ri(g, -128, 128)),
                                               int(_ri(g, 1 << 30, (1 << 31) - 1)),
                                               int(_ri(g, -20, -8))).eval()
        assert np.array_equal(_run(model, (a, bt)), model(a, bt).numpy()), (t, model.p)


def test_add_mul_per_channel_operand_and_negated_multiplier():
    """[N, C, H, W] channels-last against [1, C, 1, 1] (either side), and add with the second
    multiplier negated (what ExecuTorch writes for a - b)."""
    _cortex_m()
    g = torch.Generator().manual_seed(7)

    def q31():
        return int(_ri(g, 1 << 30, (1 << 31) - 1))

    for t in range(8):
        big = _ri(g, -128, 128, 2, 5, 3, 4).to(torch.int8).contiguous(
            memory_format=torch.channels_last)
        per = _ri(g, -128, 128, 1, 5, 1, 1).to(torch.int8)
        inputs = (big, per) if t % 2 else (per, big)
        neg = -1 if t % 4 >= 2 else 1
        a = (int(_ri(g, -128, 128)), q31(), int(_ri(g, -3, 1)))
        b = (int(_ri(g, -128, 128)), neg * q31(), int(_ri(g, -3, 1)))
        o = (int(_ri(g, -128, 128)), q31(), int(_ri(g, -22, -18)))
        for model in (quant_ops.QuantizedAdd(a, b, o, (-128, 127)),
                      quant_ops.QuantizedMul(a[0], b[0], (o[0], q31(), int(_ri(g, -12, -6))))):
            model = model.eval()
            want = model(*inputs).numpy()
            got = _run(model, inputs)
            assert np.array_equal(got, want), (t, type(model).__name__)


class Misc(torch.nn.Module):
    """Float ops ExecuTorch's Cortex-M flow lowers to the ops above."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self.a = torch.nn.Linear(16, 16)
        self.b = torch.nn.Linear(16, 16)
        self.scale = torch.nn.Parameter(torch.rand(1, 4, 1, 1) + 0.5)
        self.conv = torch.nn.Conv2d(4, 6, 1)

    def forward(self, x):
        table = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": torch.nn.functional.silu,
                 "gelu": torch.nn.functional.gelu, "sqrt": lambda v: torch.sqrt(v.abs()),
                 "log1p": lambda v: torch.log1p(v.abs())}
        if self.kind in table:
            return table[self.kind](self.a(x))
        if self.kind == "matmul4":  # attention-like scores of rank 4: folded to bmm
            q = self.a(x).reshape(x.shape[0], x.shape[1], 2, 8).transpose(1, 2)
            return torch.matmul(q, q.transpose(-2, -1))
        if self.kind in ("mean_sub", "mean_add", "mean_mul"):  # [1, C, 1, 1] against the conv's
            y = self.conv(x)                                  # channels-last output
            m = y.mean(dim=(2, 3), keepdim=True)
            return {"mean_sub": y - m, "mean_add": m + y, "mean_mul": y * m}[self.kind]
        if self.kind == "sub":
            return self.a(x) - self.b(x)
        if self.kind == "div":
            return self.a(x) / (self.b(x).abs() + 1.0)
        if self.kind == "bmm":
            return torch.bmm(self.a(x), self.b(x).transpose(1, 2))
        if self.kind == "channel_mul":  # x: (N, 4, H, W) channels-last
            return x * self.scale
        raise ValueError(self.kind)


FLOW = {"sigmoid": ((2, 16), "cortex_m::quantized_activation.out"),
        "tanh": ((2, 16), "cortex_m::quantized_activation.out"),
        "silu": ((2, 16), "cortex_m::quantized_activation.out"),
        "gelu": ((2, 16), "cortex_m::quantized_activation.out"),
        "sqrt": ((2, 16), "cortex_m::quantized_activation.out"),
        "log1p": ((2, 16), "cortex_m::quantized_activation.out"),
        "matmul4": ((2, 5, 16), "cortex_m::quantized_batch_matmul.out"),
        "mean_sub": ((1, 4, 5, 6), "cortex_m::quantized_add.out"),
        "mean_add": ((1, 4, 5, 6), "cortex_m::quantized_add.out"),
        "mean_mul": ((1, 4, 5, 6), "cortex_m::quantized_mul.out"),
        "sub": ((2, 16), "cortex_m::quantized_add.out"),
        "div": ((2, 16), "cortex_m::quantized_div.out"),
        "bmm": ((2, 5, 16), "cortex_m::quantized_batch_matmul.out"),
        "channel_mul": ((2, 4, 3, 3), "cortex_m::quantized_mul.out")}


@pytest.mark.parametrize("kind", sorted(FLOW))
def test_cortex_m_flow_programs(kind):
    """What ExecuTorch's flow writes for each float op runs on Ember, equal to its references
    within one quantization step and mostly bit for bit."""
    _cortex_m()
    torch.manual_seed(0)
    shape, op = FLOW[kind]
    model = Misc(kind).eval()
    cl = len(shape) == 4

    def sample():
        x = torch.randn(*shape)
        return x.contiguous(memory_format=torch.channels_last) if cl else x

    x = sample()
    buffer, ops, want = quant_ops.cortex_m_flow(model, x, [sample() for _ in range(8)])
    if op not in ops:
        pytest.skip(f"ExecuTorch's flow lowers {kind} to {sorted(ops)} here, not {op}")
    agree = quant_ops.check_against_reference(ember.load(buffer).run(x)[0], want.numpy(), kind)
    print(f"\n{kind}: {sorted(ops)}; {agree:.1%} bit-identical to ExecuTorch's references")
