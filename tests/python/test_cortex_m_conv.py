"""ExecuTorch's Cortex-M int8 convolutions on Ember (kernels/portable/op_qconv.c).

1. `cortex_m::quantized_conv2d`, `quantized_depthwise_conv2d` and `quantized_transpose_conv2d`,
   plain (NCHW-shaped channels-last int8 input and out) and `_nhwc` (NHWC-shaped), each alone in
   a program: Ember's output equals the op's Python reference in ExecuTorch
   (backends/cortex_m/ops/operators.py, CMSIS-NN's arithmetic in torch) bit for bit, over random
   shapes, batches, groups, depth multipliers, stride / padding / dilation, offsets, per-channel
   multipliers and shifts, bias or None, and activation ranges.
2. A small CNN (conv 3x3, depthwise 3x3 stride 2, conv 1x1, relus) through ExecuTorch's
   Cortex-M flow (CortexMQuantizer, CortexMPassManager for a Cortex-M55) on a channels-last
   input: the file runs on Ember and its result equals the lowered graph run in Python.

Channels-last program inputs are passed as they are: Ember's Python `run()` lays an input out
in the dim order the program declares for it.

The references convolve int32 tensors with torch's F.conv2d, which has no int32 kernel for
dilation > 1 ("slow_conv_dilated" not implemented for 'Int'); the tests run that one call in
float64 (exact: every sum is far below 2^53) and change nothing else (_exact_int_conv). The
transpose conv reference accumulates in float32 itself (torch has no int32 conv_transpose2d),
exact while |sum| < 2^24: the cases keep well below that. Needs `executorch` and `torchao` (skips
otherwise).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import quant_ops

from test_cortex_m import _cortex_m, _to_program  # noqa: E402


def _run(program: bytes, x: torch.Tensor) -> np.ndarray:
    return ember.load(program).run(x)[0]


# ---- the ops alone ------------------------------------------------------------------------


class _exact_int_conv:
    """Within it, torch.nn.functional.conv2d on int32 tensors computes in float64 and returns
    int32 (exact here), so that ExecuTorch's references run with dilation too."""

    def __enter__(self):
        import torch.nn.functional as F

        self.F, self.conv2d = F, F.conv2d
        conv2d = self.conv2d

        def conv2d_int(x, w, b=None, *args, **kwargs):
            if x.dtype != torch.int32:
                return conv2d(x, w, b, *args, **kwargs)
            f = conv2d(x.double(), w.double(), None if b is None else b.double(), *args, **kwargs)
            return f.round().to(torch.int32)

        F.conv2d = conv2d_int
        return self

    def __exit__(self, *exc):
        self.F.conv2d = self.conv2d


def _random_case(kind: str, t: int, g: torch.Generator):
    def ri(lo, hi, *shape):  # in [lo, hi]: a tensor of that shape, or one int
        if shape:
            return torch.randint(lo, hi + 1, shape, generator=g)
        return int(torch.randint(lo, hi + 1, (1,), generator=g))

    n = 1 if kind == "depthwise" and t % 3 else ri(1, 2)
    ih, iw = ri(1, 9), ri(1, 9)
    kh, kw = ri(1, 3), ri(1, 3)
    stride = [ri(1, 3), ri(1, 3)]
    p = dict(stride=stride, dilation=[1, 1], input_offset=ri(-127, 128),
             output_offset=ri(-128, 127))
    if kind == "transpose":
        ic, oc = ri(1, 8), ri(1, 8)
        p["padding"] = [ri(0, kh - 1), ri(0, kw - 1)]
        w = ri(-127, 127, oc, kh, kw, ic)
        terms = ic * kh * kw
    else:
        p["padding"] = [ri(0, 2), ri(0, 2)]
        p["dilation"] = [ri(1, 2), ri(1, 2)]
        # the window must fit the padded input
        ih = max(ih, p["dilation"][0] * (kh - 1) + 1 - 2 * p["padding"][0])
        iw = max(iw, p["dilation"][1] * (kw - 1) + 1 - 2 * p["padding"][1])
        if kind == "depthwise":
            ic = ri(1, 6)
            dm = 8 if t == 0 else ri(1, 3)  # case 0: one channel times 8, as the flow lowers 1 -> 8
            ic = 1 if t == 0 else ic
            p["depth_multiplier"] = dm
            oc = ic * dm
            w = ri(-127, 127, 1, kh, kw, oc)
            terms = kh * kw
        else:
            groups = 1 if t % 3 else ri(1, 3)
            kc = ri(1, 5)
            ic, oc = kc * groups, groups * ri(1, 4)
            w = ri(-127, 127, oc, kh, kw, kc)
            terms = kc * kh * kw
    lo = ri(-128, 0) if t % 2 else -128
    p["act"] = (lo, ri(max(lo, -20), 127) if t % 2 else 127)
    x = ri(-128, 127, n, ic, ih, iw).to(torch.int8).contiguous(memory_format=torch.channels_last)
    bias = None if t % 4 == 1 else ri(-5000, 5000, oc).to(torch.int32)
    mult = ri(1 << 30, (1 << 31) - 1, oc).to(torch.int32)
    # shifts that keep the sums' scale (up to about 2^15 * terms) in int8's range mostly
    base = -int(np.ceil(np.log2(max(terms, 1) * 256))) + 1
    shift = torch.tensor([ri(base - 2, base + 2) for _ in range(oc)], dtype=torch.int32)
    return x, w.to(torch.int8), bias, mult, shift, p


@pytest.mark.parametrize("kind", ["conv", "depthwise", "transpose"])
def test_quantized_convolutions_match_the_reference(kind):
    _cortex_m()
    g = torch.Generator().manual_seed({"conv": 10, "depthwise": 11, "transpose": 12}[kind])
    nonzero = 0
    for t in range(22):
        nhwc = t % 3 == 2  # 15 plain cases, 7 _nhwc
        x, w, bias, mult, shift, p = _random_case(kind, t, g)
        model = quant_ops.QuantizedConv(kind, nhwc, w, bias, mult, shift, p).eval()
        inp = x.permute(0, 2, 3, 1).contiguous() if nhwc else x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _exact_int_conv():
                want = model(inp)
            ep = torch.export.export(model, (inp,))
        got = _run(_to_program(ep), inp)
        want = want.numpy()
        assert got.dtype == np.int8 and got.shape == want.shape, (got.shape, want.shape)
        assert np.array_equal(got, want), \
            f"case {t} ({kind}, nhwc {nhwc}): x {tuple(x.shape)} w {tuple(w.shape)} {p}"
        nonzero += int(np.unique(want).size > 2)  # outputs that are not all clamped
    assert nonzero >= 15, nonzero


# ---- through ExecuTorch's Cortex-M flow -------------------------------------------------------


class SmallCNN(torch.nn.Module):
    """conv 3x3 (3 -> 8), depthwise 3x3 stride 2, conv 1x1 (8 -> 16), relus: the flow lowers
    them to quantized_conv2d, quantized_depthwise_conv2d, quantized_conv2d."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.c2 = torch.nn.Conv2d(8, 16, 1)

    def forward(self, x):
        return self.c2(torch.relu(self.dw(torch.relu(self.c1(x)))))


def test_cortex_m_flow_cnn_runs_on_ember():
    _cortex_m()
    torch.manual_seed(0)
    model = SmallCNN().eval()

    def cl(t):
        return t.contiguous(memory_format=torch.channels_last)

    x = cl(torch.randn(1, 3, 10, 10))
    buffer, ops, want = quant_ops.cortex_m_flow(model, x, [cl(torch.randn(1, 3, 10, 10))
                                                           for _ in range(8)])
    want = want.numpy()
    convs = {"cortex_m::quantized_conv2d.out", "cortex_m::quantized_depthwise_conv2d.out"}
    boundaries = {"cortex_m::quantize_per_tensor.out", "cortex_m::dequantize_per_tensor.out"}
    assert convs <= ops and ops - convs - boundaries <= {"dim_order_ops::_clone_dim_order.out"}, ops
    got = _run(buffer, x)
    assert got.shape == want.shape == (1, 16, 5, 5)
    # The input's quantization may round a tie differently (ExecuTorch's Python quantize divides
    # in another precision than its C++ kernel, which Ember follows: test_quant_boundaries.py),
    # and an input one step off moves the int8 result a step or so: within two output steps.
    levels = np.unique(want)
    step = float(np.diff(levels).min()) if levels.size > 1 else 1.0
    assert np.abs(got - want).max() <= 2 * step * 1.001, np.abs(got - want).max() / step
    agree = float(np.mean(got == want))
    print(f"\nCortex-M flow CNN: ops {sorted(ops)}; {agree:.1%} of outputs bit-identical")
    assert agree >= 0.9, agree
    ref = model(x).detach().numpy()  # and it still computes the float model (a sanity check)
    assert np.corrcoef(got.ravel(), ref.ravel())[0, 1] > 0.95
