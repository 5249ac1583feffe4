"""ExecuTorch's Cortex-M int8 programs on Ember (kernels/portable/op_qlinear.c,
op_qelementwise.c, requant.h).

1. `cortex_m::quantized_linear`, `quantized_add` and `quantized_mul` alone, on int8 program
   inputs: Ember's outputs equal the ops' Python references in ExecuTorch
   (backends/cortex_m/ops/operators.py, CMSIS-NN's arithmetic in torch) bit for bit, over random
   shapes, offsets / zero points, multipliers and shifts, bias or kernel_sum, and activation
   ranges.
2. A model (linears and a residual sum) through ExecuTorch's Cortex-M flow (CortexMQuantizer, prepare/convert_pt2e,
   CortexMPassManager for a Cortex-M55, to_executorch): the file runs on Ember; its int8 result
   equals the lowered graph run in Python by ExecuTorch's reference implementations except where
   the input quantization rounds a tie differently (the Python reference of quantize divides in
   another precision than ExecuTorch's C++ kernels, which Ember follows: test_quant_boundaries.py),
   so the float outputs are compared within one quantization step.

Needs `executorch` and `torchao` (skips otherwise); the flow's Arm-backend import needs a
stand-in `tosa_serializer` module (quant_ops.py says why).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

import ember
import quant_ops
from conftest import REPO

_CM = None


def _cortex_m():
    global _CM
    if _CM is None:
        try:
            _CM = quant_ops.import_cortex_m()
        except BaseException as e:
            _CM = f"ExecuTorch's Cortex-M flow is not usable here: {type(e).__name__}: {e}"
    if isinstance(_CM, str):
        pytest.skip(_CM)
    return _CM


def _to_program(ep) -> bytes:
    *_, edge_config = _cortex_m()
    from executorch.exir import to_edge

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_edge(ep, compile_config=edge_config()).to_executorch().buffer


def test_quantized_linear_matches_the_reference():
    _cortex_m()
    g = torch.Generator().manual_seed(0)

    def ri(lo, hi, *shape):
        return torch.randint(lo, hi, shape, generator=g)

    cases = 0
    for t in range(24):
        k, n = int(ri(1, 70)), int(ri(1, 40))
        lead = [(3,), (2, 5), (1,)][t % 3]
        x = ri(-128, 128, *lead, k).to(torch.int8)
        w = ri(-127, 128, n, k).to(torch.int8)
        use_ksum = t % 4 == 3
        bias = None if use_ksum or t % 5 == 1 else ri(-5000, 5000, n).to(torch.int32)
        ksum = ri(-20000, 20000, n).to(torch.int32) if use_ksum else None
        offs = (int(ri(-127, 129)), 0 if t % 2 else int(ri(-10, 10)), int(ri(-128, 128)))
        mult = int(ri(1 << 30, (1 << 31) - 1))
        shift = int(ri(-12, 3)) if t % 6 else int(ri(-31, -20))
        act = (-128, 127) if t % 3 else (int(ri(-128, 0)), int(ri(0, 128)))
        model = quant_ops.QuantizedLinear(w, bias, ksum, offs, mult, shift, act).eval()
        want = model(x).numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ep = torch.export.export(model, (x,))
        got = ember.load(_to_program(ep)).run(x)[0]
        assert got.dtype == np.int8 and got.shape == want.shape
        assert np.array_equal(got, want), f"case {t}: k {k} n {n} offsets {offs} mult {mult} " \
                                          f"shift {shift} act {act} ksum {use_ksum}"
        cases += 1
    assert cases == 24


def test_quantized_add_and_mul_match_the_reference():
    """cortex_m::quantized_add / quantized_mul on int8 inputs of one shape, bit for bit against
    ExecuTorch's references over random zero points, multipliers and shifts."""
    _cortex_m()
    g = torch.Generator().manual_seed(1)

    def ri(lo, hi, *shape):
        return torch.randint(lo, hi, shape, generator=g)

    def q31():
        return int(ri(1 << 30, (1 << 31) - 1))

    for t in range(16):
        shape = [(7,), (2, 3, 5), (4, 9)][t % 3]
        x = ri(-128, 128, *shape).to(torch.int8)
        y = ri(-128, 128, *shape).to(torch.int8)
        # add: inputs rescaled to a common scale (shifts about -1..-3 there), output back
        a = (int(ri(-128, 128)), q31(), int(ri(-3, 1)))
        b = (int(ri(-128, 128)), q31(), int(ri(-3, 1)))
        o = (int(ri(-128, 128)), q31(), int(ri(-22, -18)))
        act = (-128, 127) if t % 2 else (int(ri(-128, 0)), int(ri(0, 128)))
        for model, inputs in ((quant_ops.QuantizedAdd(a, b, o, act), (x, y)),
                              (quant_ops.QuantizedMul(a[0], b[0], (o[0], q31(), int(ri(-12, -6)))),
                               (x, y))):
            model = model.eval()
            want = model(*inputs).numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ep = torch.export.export(model, inputs)
            got = ember.load(_to_program(ep)).run(*inputs)[0]
            assert np.array_equal(got, want), f"case {t} {type(model).__name__}: {model.p}"


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(32, 24)
        self.b = torch.nn.Linear(24, 10)

        self.c = torch.nn.Linear(32, 10)

    def forward(self, x):  # a residual branch: the sum runs cortex_m::quantized_add
        return self.b(torch.relu(self.a(x))) + self.c(x)


def test_cortex_m_flow_program_runs_on_ember():
    _cortex_m()
    torch.manual_seed(0)
    model = MLP().eval()
    calib = [torch.randn(4, 32) for _ in range(8)]
    x = torch.randn(4, 32)
    buffer, ops, want = quant_ops.cortex_m_flow(model, x, calib)
    want = want.numpy()
    assert {"cortex_m::quantized_linear.out", "cortex_m::quantized_add.out"} <= ops, ops
    got = ember.load(buffer).run(x)[0]
    agree = quant_ops.check_against_reference(got, want, "MLP")
    print(f"\nCortex-M flow MLP: ops {sorted(ops)}; {agree:.1%} of outputs bit-identical to the reference")
    # and it still computes the float model, to int8's precision (the quantizer's business:
    # a sanity check, not a bound)
    ref = model(x).detach().numpy()
    assert np.corrcoef(got.ravel(), ref.ravel())[0, 1] > 0.95


def _manifest_models():
    path = REPO / "tests" / "data" / "int8_manifest.json"
    return json.loads(path.read_text())["models"] if path.exists() else {}


@pytest.mark.parametrize("name", sorted(_manifest_models()))
def test_stored_cortex_m_programs(name):
    """ExecuTorch-written int8 programs (tests/data/make_et_int8_files.py: its Cortex-M flow on
    an MLP, a small CNN and DS-CNN) run on Ember without ExecuTorch installed: equal to the
    stored output of ExecuTorch's references within one quantization step (the quantize tie
    rounding and CMSIS-NN's average-pool ties differ from those Python references, see above
    and test_cortex_m_pool.py), and mostly bit-identical."""
    entry = _manifest_models()[name]
    data = REPO / "tests" / "data"
    x = np.load(data / entry["input"])
    want = np.load(data / entry["reference"])
    prog = ember.load(str(data / entry["pte"]))
    got = prog.run(x)[0]
    assert got.dtype == want.dtype
    agree = quant_ops.check_against_reference(got, want, name)
    print(f"\n{name}: {len(entry['operators'])} operators; {agree:.1%} bit-identical to the reference")
