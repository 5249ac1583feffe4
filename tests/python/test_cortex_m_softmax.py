"""cortex_m::softmax (kernels/portable/op_qsoftmax.c): CMSIS-NN's fixed-point int8 softmax.

ExecuTorch's Python reference of the op computes a float softmax of the dequantized input and
rounds it to the 1/256 output grid; CMSIS-NN (what ExecuTorch's Cortex-M runtime runs, and what
Ember follows step for step) computes e^x and 1/sum in fixed point. Ember must equal the
reference within one output step everywhere, and exactly on most outputs; a row of n equal
values gives 256/n - 128 (exactly representable: n a power of two). Params come from
ExecuTorch's own pass (_compute_softmax_params), for random input scales. Needs executorch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
import quant_ops
from test_cortex_m import _cortex_m, _to_program


def _params(scale: float) -> tuple[int, int, int]:
    from executorch.backends.cortex_m.passes.aten_to_cortex_m_pass import _compute_softmax_params

    return _compute_softmax_params(scale)


def _run(model, x) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(model, (x,))
    return ember.load(_to_program(ep)).run(x)[0]


def test_softmax_matches_the_reference_within_a_step():
    _cortex_m()
    g = torch.Generator().manual_seed(3)
    exact = total = 0
    for t in range(16):
        shape = [(1, 10), (3, 7), (2, 4, 33), (5, 1000)][t % 4]
        scale = float(torch.empty(1).uniform_(0.005, 0.3, generator=g))
        zp = int(torch.randint(-128, 128, (1,), generator=g))
        mult, shift, diff_min = _params(scale)
        x = torch.randint(-128, 128, shape, generator=g, dtype=torch.int8)
        if t % 3 == 0:  # a wide spread: differences below diff_min
            x[..., 0] = 127
            x[..., 1:] = torch.randint(-128, -60, x[..., 1:].shape, generator=g).to(torch.int8)
        model = quant_ops.QuantizedSoftmax(zp, mult, shift, diff_min).eval()
        want = model(x).numpy().astype(int)
        got = _run(model, x)
        assert got.dtype == np.int8 and got.shape == want.shape
        diff = np.abs(got.astype(int) - want)
        assert diff.max() <= 1, f"case {t}: scale {scale} shape {shape}: {diff.max()}"
        exact += int((diff == 0).sum())
        total += diff.size
    print(f"\nsoftmax: {exact / total:.1%} of {total} outputs equal to ExecuTorch's float reference")
    assert exact / total >= 0.9


@pytest.mark.parametrize("n", [1, 2, 4, 8, 64, 128])
def test_softmax_of_equal_values(n):
    _cortex_m()
    mult, shift, diff_min = _params(0.05)
    x = torch.full((2, n), 17, dtype=torch.int8)
    got = _run(quant_ops.QuantizedSoftmax(0, mult, shift, diff_min).eval(), x)
    assert (got == min(127, 256 // n - 128)).all(), got
