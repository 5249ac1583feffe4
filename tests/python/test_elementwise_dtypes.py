"""Every operator of the elementwise families (op_unary.c, op_binary.c, op_elementary.c) on
float64 and integer tensors: the generic path, which computes in double or int64 through each
operator's own functions (one per operator, so that a selective firmware build links only the
math of the operators it uses), against torch eager on the same inputs. float32 runs other
kernels, covered by the zoo and the C tests. Each case also checks that its kernel is in the
exported program, so a decomposition cannot make it pass without running: silu, hardswish,
hardsigmoid and rsub are not here, as torch.export decomposes them (their kernels serve
ExecuTorch's files).

Tolerances: float64 1e-12 relative (libm's functions against torch's own), the float32 out of
an integer input 1e-6 (torch computes it in float32, Ember in double rounded once), integers and
bools exact. Inputs are drawn inside each function's domain; integer divisors are never zero.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import ember
from ember import runtime

try:
    runtime.supported_operators()
except Exception as e:  # libember not built
    pytest.skip(f"libember not available: {e}", allow_module_level=True)

N = 41  # elements per input: not a multiple of any chunk or vector width


class Many(nn.Module):
    """Each case's function on its own inputs: one program for a whole table (one export, not
    one per operator)."""

    def __init__(self, fns):
        super().__init__()
        self.fns = fns

    def forward(self, *xs):
        k = len(xs) // len(self.fns)
        return tuple(fn(*xs[i * k:(i + 1) * k]) for i, fn in enumerate(self.fns))


def kernels_of(prog) -> set[str]:
    return {f"{i.op_name}.{i.overload}" for m in prog.program.methods for i in m.instructions
            if hasattr(i, "op_name")}


def check(cases, inputs, tol: float = 1e-12):
    """cases: (name, function, kernel, ...) rows; inputs: each row's input tensors."""
    module = Many([c[1] for c in cases]).eval()
    flat = tuple(t for ts in inputs for t in ts)
    prog = ember.export(module, flat, fold_constants=False, optimize=False)
    have = kernels_of(prog)
    missing = [c[0] for c in cases if c[2] not in have]
    assert not missing, f"kernels not in the program for {missing}: {sorted(have)}"
    with torch.no_grad():
        wants = module(*flat)
    gots = ember.load(prog.buffer).run(*flat)
    for c, want, got in zip(cases, wants, gots):
        want, got = want.numpy(), np.asarray(got)
        assert got.dtype == want.dtype and got.shape == want.shape, c[0]
        if want.dtype.kind == "f":  # float64 in double; a float32 out rounded once from double
            np.testing.assert_allclose(got, want, rtol=tol, atol=1e-300, err_msg=c[0])
        else:
            np.testing.assert_array_equal(got, want, err_msg=c[0])


def uniform(lo: float, hi: float, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return lo + (hi - lo) * torch.rand(N, dtype=torch.float64, generator=g)


def ints(lo: int, hi: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(lo, hi, (N,), generator=g, dtype=torch.int64)


SIGNS = torch.where(ints(0, 2, 7) == 0, -1, 1)  # a divisor's signs, both kinds


# (name, function, kernel, domain of the input)
UNARY_F64 = [
    ("relu", torch.relu, "aten::relu.out", (-3, 3)),
    ("gelu", F.gelu, "aten::gelu.out", (-4, 4)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), "aten::gelu.out", (-4, 4)),
    ("sigmoid", torch.sigmoid, "aten::sigmoid.out", (-8, 8)),
    ("tanh", torch.tanh, "aten::tanh.out", (-4, 4)),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.75), "aten::hardtanh.out", (-2, 2)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.125), "aten::leaky_relu.out", (-3, 3)),
    ("elu", lambda x: F.elu(x, 1.5), "aten::elu.out", (-3, 3)),
    ("clamp", lambda x: torch.clamp(x, -0.5, 0.75), "aten::clamp.out", (-2, 2)),
    ("exp", torch.exp, "aten::exp.out", (-10, 10)),
    ("log", torch.log, "aten::log.out", (0.01, 100)),
    ("log1p", torch.log1p, "aten::log1p.out", (-0.9, 10)),
    ("expm1", torch.expm1, "aten::expm1.out", (-3, 3)),
    ("neg", torch.neg, "aten::neg.out", (-3, 3)),
    ("sqrt", torch.sqrt, "aten::sqrt.out", (0, 100)),
    ("rsqrt", torch.rsqrt, "aten::rsqrt.out", (0.01, 100)),
    ("abs", torch.abs, "aten::abs.out", (-3, 3)),
    ("erf", torch.erf, "aten::erf.out", (-3, 3)),
    ("sin", torch.sin, "aten::sin.out", (-7, 7)),
    ("cos", torch.cos, "aten::cos.out", (-7, 7)),
    ("reciprocal", torch.reciprocal, "aten::reciprocal.out", (0.1, 10)),
    ("floor", torch.floor, "aten::floor.out", (-5, 5)),
    ("ceil", torch.ceil, "aten::ceil.out", (-5, 5)),
    ("round", torch.round, "aten::round.out", (-5, 5)),
    ("sign", torch.sign, "aten::sign.out", (-3, 3)),
    ("logical_not", torch.logical_not, "aten::logical_not.out", (-1, 1)),
    ("isnan", torch.isnan, "aten::isnan.out", (-1, 1)),
    # op_elementary.c
    ("tan", torch.tan, "aten::tan.out", (-1.5, 1.5)),
    ("asin", torch.asin, "aten::asin.out", (-0.99, 0.99)),
    ("acos", torch.acos, "aten::acos.out", (-0.99, 0.99)),
    ("atan", torch.atan, "aten::atan.out", (-10, 10)),
    ("sinh", torch.sinh, "aten::sinh.out", (-5, 5)),
    ("cosh", torch.cosh, "aten::cosh.out", (-5, 5)),
    ("asinh", torch.asinh, "aten::asinh.out", (-10, 10)),
    ("acosh", torch.acosh, "aten::acosh.out", (1.01, 10)),
    ("atanh", torch.atanh, "aten::atanh.out", (-0.99, 0.99)),
    ("log2", torch.log2, "aten::log2.out", (0.01, 100)),
    ("log10", torch.log10, "aten::log10.out", (0.01, 100)),
    ("trunc", torch.trunc, "aten::trunc.out", (-5, 5)),
    ("isinf", torch.isinf, "aten::isinf.out", (-1, 1)),
]


def test_unary_float64():
    inputs = []
    for name, _, _, domain in UNARY_F64:
        x = uniform(*domain, seed=len(name))
        if name in ("isnan", "isinf"):  # something for them to find
            x[3], x[7] = float("nan"), float("inf")
        inputs.append((x,))
    check(UNARY_F64, inputs)


UNARY_INT = [
    ("relu", torch.relu, "aten::relu.out"),
    ("neg", torch.neg, "aten::neg.out"),
    ("abs", torch.abs, "aten::abs.out"),
    ("sign", torch.sign, "aten::sign.out"),
    ("clamp", lambda x: torch.clamp(x, -7, 9), "aten::clamp.out"),
    ("hardtanh", lambda x: F.hardtanh(x, -7.0, 9.0), "aten::hardtanh.out"),
    ("bitwise_not", torch.bitwise_not, "aten::bitwise_not.out"),
    ("logical_not", torch.logical_not, "aten::logical_not.out"),
    ("sqrt", torch.sqrt, "aten::sqrt.out"),  # an integer in, float out: torch promotes
    ("log2", lambda x: torch.log2(x.abs() + 1), "aten::log2.out"),
]


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
def test_unary_integer(dtype):
    inputs = [(ints(0 if name == "sqrt" else -20, 20, seed=len(name)).to(dtype),)
              for name, _, _ in UNARY_INT]
    check(UNARY_INT, inputs, tol=1e-6)  # float outs: torch computes sqrt / log2 of ints in float32


# (name, function, kernel); y never zero, x positive for pow
BINARY_F64 = [
    ("add", lambda x, y: torch.add(x, y, alpha=2.5), "aten::add.out"),
    ("add_scalar", lambda x, y: x + 1.25, "aten::add.Scalar_out"),
    ("sub", lambda x, y: torch.sub(x, y, alpha=0.5), "aten::sub.out"),
    ("mul", torch.mul, "aten::mul.out"),
    ("mul_scalar", lambda x, y: x * 3.5, "aten::mul.Scalar_out"),
    ("div", torch.div, "aten::div.out"),
    ("div_trunc", lambda x, y: torch.div(x, y, rounding_mode="trunc"), "aten::div.out_mode"),
    ("div_floor", lambda x, y: torch.div(x, y, rounding_mode="floor"), "aten::div.out_mode"),
    ("pow", lambda x, y: torch.pow(x.abs() + 0.5, y), "aten::pow.Tensor_Tensor_out"),
    ("pow_scalar", lambda x, y: torch.pow(x.abs() + 0.5, 2.5), "aten::pow.Tensor_Scalar_out"),
    ("maximum", torch.maximum, "aten::maximum.out"),
    ("minimum", torch.minimum, "aten::minimum.out"),
    ("remainder", torch.remainder, "aten::remainder.Tensor_out"),
    ("remainder_scalar", lambda x, y: torch.remainder(x, -1.5), "aten::remainder.Scalar_out"),
    ("logical_and", torch.logical_and, "aten::logical_and.out"),
    ("logical_or", torch.logical_or, "aten::logical_or.out"),
    ("logical_xor", torch.logical_xor, "aten::logical_xor.out"),
    ("atan2", torch.atan2, "aten::atan2.out"),
]


def test_binary_float64():
    inputs = []
    for name, _, _ in BINARY_F64:
        x = uniform(-4, 4, seed=len(name))
        y = uniform(0.25, 3, seed=len(name) + 100) * SIGNS
        x[5] = 0.0  # logical ops see a false
        inputs.append((x, y))
    check(BINARY_F64, inputs)


BINARY_INT = [
    ("add", lambda x, y: torch.add(x, y, alpha=3), "aten::add.out"),
    ("add_scalar", lambda x, y: x + 5, "aten::add.Scalar_out"),
    ("sub", lambda x, y: torch.sub(x, y, alpha=2), "aten::sub.out"),
    ("mul", torch.mul, "aten::mul.out"),
    ("mul_scalar", lambda x, y: x * -3, "aten::mul.Scalar_out"),
    ("div", torch.div, "aten::div.out"),  # true division: a float out
    ("div_trunc", lambda x, y: torch.div(x, y, rounding_mode="trunc"), "aten::div.out_mode"),
    ("floor_divide", lambda x, y: x // y, "aten::div.out_mode"),
    ("pow", lambda x, y: torch.pow(x, y.abs() % 4), "aten::pow.Tensor_Tensor_out"),
    ("maximum", torch.maximum, "aten::maximum.out"),
    ("minimum", torch.minimum, "aten::minimum.out"),
    ("remainder", torch.remainder, "aten::remainder.Tensor_out"),
    ("logical_and", torch.logical_and, "aten::logical_and.out"),
    ("logical_or", torch.logical_or, "aten::logical_or.out"),
    ("logical_xor", torch.logical_xor, "aten::logical_xor.out"),
    ("bitwise_and", torch.bitwise_and, "aten::bitwise_and.Tensor_out"),
    ("bitwise_or", torch.bitwise_or, "aten::bitwise_or.Tensor_out"),
]


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32])
def test_binary_integer(dtype):
    inputs = []
    for name, _, _ in BINARY_INT:
        x = ints(-50, 50, seed=len(name)).to(dtype)
        y = ints(1, 9, seed=len(name) + 100) * SIGNS
        x[5] = 0
        inputs.append((x, y.to(dtype)))
    check(BINARY_INT, inputs, tol=1e-6)  # div's float out: torch's float32


def test_integer_division_by_zero_is_an_error():
    x, y = ints(-50, 50, seed=1), ints(1, 9, seed=2)
    module = Many([torch.remainder]).eval()
    prog = ember.export(module, (x, y), fold_constants=False, optimize=False)
    y[4] = 0
    with pytest.raises(Exception, match="remainder by zero"):
        ember.load(prog.buffer).run(x, y)
