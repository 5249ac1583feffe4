"""The float <-> integer boundaries of quantized programs (kernels/portable/op_quant.c) on
ExecuTorch-written files, bit for bit against ExecuTorch's own runtime (its pip wheel registers
the `quantized_decomposed::` kernels once `executorch.kernels.quantized` is imported; it has no
`cortex_m::` kernels, whose C++ scalar path uses the same formula, so the `cortex_m::` ops are
compared with the wheel's `quantized_decomposed::` ones on the same inputs).

Inputs: random values, exact rounding ties (k + 1/2) * scale, values just beside them, and values
far outside the range (clamped). Non-finite inputs (and products x / scale beyond int64) are
checked against Ember's documented rule (NaN -> zero point, +-inf -> quant_max / quant_min), not
against the wheel, whose x86 scalar path converts them with undefined behaviour. Needs `executorch` (skips otherwise)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import quant_ops

_ET = None


def _et():
    """(to_edge, load) with the quantized kernels registered, or pytest.skip."""
    global _ET
    if _ET is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                quant_ops.register()  # the kernels, and the cortex_m:: schemas
                from executorch.exir import EdgeCompileConfig, to_edge
                from executorch.extension.pybindings.portable_lib import (
                    _load_for_executorch_from_buffer,
                )
            _ET = (to_edge, EdgeCompileConfig, _load_for_executorch_from_buffer)
        except BaseException as e:
            _ET = f"ExecuTorch's quantized kernels are not usable here: {type(e).__name__}: {e}"
    if isinstance(_ET, str):
        pytest.skip(_ET)
    return _ET


def _buffer(model, inputs) -> bytes:
    to_edge, config, _ = _et()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, inputs)
        return to_edge(ep, compile_config=config(_check_ir_validity=False)).to_executorch().buffer


def _run_both(model, inputs):
    """(Ember's outputs, ExecuTorch's outputs) of the ExecuTorch-written file."""
    _, _, load = _et()
    buf = _buffer(model, inputs)
    ours = ember.load(buf).run(*inputs)
    theirs = [o.numpy() for o in load(buf).forward(list(inputs))]
    return ours, theirs


def _values(scale: float, n: int = 20000, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    k = torch.arange(-300, 300, dtype=torch.float32)
    ties = (k + 0.5) * scale
    near = torch.cat([torch.nextafter(ties, ties + 1), torch.nextafter(ties, ties - 1)])
    big = torch.tensor([1e6, -1e6, 1e12, -1e12, 0.0, -0.0])  # clamped; the product fits int64
    return torch.cat([torch.randn(n, generator=g) * 200 * scale, ties, near, big])


Q = torch.ops.quantized_decomposed


class QuantDequant(torch.nn.Module):
    """x -> q (quantize_per_tensor) and back (dequantize_per_tensor)."""

    def __init__(self, scale, zp, qmin, qmax, dtype):
        super().__init__()
        self.p = (scale, zp, qmin, qmax, dtype)

    def forward(self, x):
        q = Q.quantize_per_tensor(x, *self.p)
        return q, Q.dequantize_per_tensor(q, *self.p)


@pytest.mark.parametrize("scale,zp,qmin,qmax,dtype", [
    (0.0123, 3, -128, 127, torch.int8),
    (0.5, 0, -128, 127, torch.int8),          # exact binary scale: many exact ties
    (1 / 3, -7, -100, 90, torch.int8),        # a narrower range than the dtype
    (0.02, 128, 0, 255, torch.uint8),
    (1e-3, 0, -32768, 32767, torch.int16),
])
def test_per_tensor_matches_executorch(scale, zp, qmin, qmax, dtype):
    x = _values(scale)
    (q, d), (eq, ed) = _run_both(QuantDequant(scale, zp, qmin, qmax, dtype), (x,))
    assert q.dtype == eq.dtype == np.dtype(str(dtype).split(".")[1])
    mism = np.flatnonzero(q != eq)
    assert mism.size == 0, f"{mism.size} quantized values differ, e.g. x={x[mism[:3]].tolist()} " \
                           f"ember {q[mism[:3]].tolist()} executorch {eq[mism[:3]].tolist()}"
    assert d.tobytes() == ed.tobytes()
    # and what the rule says, computed here in float32 arithmetic
    inv = np.float32(1.0) / np.float32(scale)
    want = np.clip(np.rint(x.numpy() * inv).astype(np.float64) + zp, qmin, qmax)
    assert np.array_equal(q.astype(np.float64), want)


class TensorParams(torch.nn.Module):
    """quantize / dequantize_per_tensor with their scale and zero point as tensors (.tensor,
    written as .Tensor_out), the form dynamic quantization computes."""

    def __init__(self, scale, zp):
        super().__init__()
        self.register_buffer("s", torch.tensor([scale], dtype=torch.float64))
        self.register_buffer("z", torch.tensor([zp], dtype=torch.int64))

    def forward(self, x):
        q = Q.quantize_per_tensor.tensor(x, self.s, self.z, -128, 127, torch.int8)
        return q, Q.dequantize_per_tensor.tensor(q, self.s, self.z, -128, 127, torch.int8)


def test_tensor_parameters_match_executorch():
    x = _values(0.0123, seed=3)
    (q, d), (eq, ed) = _run_both(TensorParams(0.0123, -9), (x,))
    assert q.tobytes() == eq.tobytes()
    assert d.tobytes() == ed.tobytes()


class PerChannel(torch.nn.Module):
    def __init__(self, scales, zps, axis, qmin, qmax, dtype, zps_for_dq=True):
        super().__init__()
        self.register_buffer("s", scales)
        self.register_buffer("z", zps)
        self.p = (axis, qmin, qmax, dtype)
        self.zps_for_dq = zps_for_dq

    def forward(self, x):
        q = Q.quantize_per_channel(x, self.s, self.z, *self.p)
        return q, Q.dequantize_per_channel(q, self.s, self.z if self.zps_for_dq else None, *self.p)


@pytest.mark.parametrize("axis,shape", [(0, (6, 7, 5)), (1, (4, 6, 5)), (-1, (3, 5, 6))])
def test_per_channel_matches_executorch(axis, shape):
    g = torch.Generator().manual_seed(1)
    ch = shape[axis]
    scales = (torch.rand(ch, generator=g, dtype=torch.float64) * 0.05 + 0.001)
    zps = torch.randint(-20, 20, (ch,), generator=g, dtype=torch.int64)
    x = torch.randn(*shape, generator=g) * 2
    x.view(-1)[::7] = 0.5 * scales.float().mean()  # some ties for the middle channels
    for zps_for_dq in (True, False):
        if not zps_for_dq:
            zps = torch.zeros_like(zps)  # symmetric weights: dequantize without zero points
        model = PerChannel(scales, zps, axis, -128, 127, torch.int8, zps_for_dq)
        (q, d), (eq, ed) = _run_both(model, (x,))
        assert q.tobytes() == eq.tobytes()
        assert d.tobytes() == ed.tobytes()


class CortexM(torch.nn.Module):
    def __init__(self, scale, zp):
        super().__init__()
        self.p = (scale, zp, -128, 127, torch.int8)

    def forward(self, x):
        q = torch.ops.cortex_m.quantize_per_tensor(x, *self.p)
        return q, torch.ops.cortex_m.dequantize_per_tensor(q, *self.p)


def test_cortex_m_boundaries_match_the_shared_formula():
    _et()
    scale, zp = 0.0123, -5
    x = _values(scale, seed=2)
    buf = _buffer(CortexM(scale, zp), (x,))
    q, d = ember.load(buf).run(x)
    (_, _), (eq, ed) = _run_both(QuantDequant(scale, zp, -128, 127, torch.int8), (x,))
    assert q.tobytes() == eq.tobytes()
    assert d.tobytes() == ed.tobytes()


def test_non_finite_inputs_follow_embers_rule():
    _et()
    scale, zp = 0.1, 7
    x = torch.tensor([float("nan"), float("inf"), -float("inf"), 1.0, 3e38, -3e38])
    (q, d), _ = _run_both(QuantDequant(scale, zp, -128, 127, torch.int8), (x,))
    assert q.tolist() == [zp, 127, -128, 17, 127, -128]


def test_bad_quantization_parameters_are_refused():
    """A zero or negative scale, a zero point outside the dtype, a range wider than the dtype and
    a dtype argument naming another type than the tensor's fail at load with a clear error."""
    _et()
    x = torch.randn(8)
    bad = [
        ((0.0, 0, -128, 127, torch.int8), "scale"),
        ((-0.1, 0, -128, 127, torch.int8), "scale"),
        ((0.1, 300, -128, 127, torch.int8), "zero_point"),
        ((0.1, 0, -129, 127, torch.int8), "quant_min"),
        ((0.1, 0, 10, 5, torch.int8), "quant_max"),
    ]
    for params, word in bad:
        buf = _buffer(QuantDequant(*params), (x,))
        with pytest.raises(ember.EmberError, match=word):
            ember.load(buf).run(x)
