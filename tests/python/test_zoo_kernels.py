"""End to end against torch eager: the kernels bench/zoo_speed.py showed on top of the small
transformers models and that got fast paths (index.Tensor's inner loop, constant_pad_nd's fills,
pow.Tensor_Scalar's multiplications and square roots). Tiny modules are exported with Ember and
run by libember on ragged random shapes; copies must be exact, pow bit-exact for the exponents
torch computes by multiplication and division (2, 3, -2, -1) and within 2 ulp for the others
(torch's vectorised sqrt, Sleef's, is itself up to 1 ulp from the correctly rounded one). Each test
checks that the operator under test is in the program, so a decomposition change cannot make it
pass vacuously.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import ember
import test_new_ops as new_ops
from ember import runtime
from test_new_ops import ops_of

try:
    runtime.supported_operators()
except Exception as e:  # libember not built
    pytest.skip(f"libember not available: {e}", allow_module_level=True)


def run_both(module: nn.Module, *inputs: torch.Tensor, threads: int = 1):
    return new_ops.run_both(module, *inputs, threads=threads)


class Index(nn.Module):
    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def forward(self, x, i, j):
        if self.kind == "last":  # the last dim indexed: one element per block
            return x[:, :, i]
        if self.kind == "adjacent":  # two adjacent dims, broadcast index shapes
            return x[:, i[:, None], j]
        if self.kind == "apart":  # dims 0 and 2: B goes first
            return x[i[:, None], :, j]
        return x[i]  # the first dim: whole rows per block


@pytest.mark.parametrize("kind", ["last", "adjacent", "apart", "rows"])
@pytest.mark.parametrize("shape", [(3, 5, 7), (2, 9, 13), (1, 4, 33)])
def test_index_tensor(kind, shape):
    g = torch.Generator().manual_seed(sum(shape))
    x = torch.randn(*shape, generator=g)
    n = min(shape)
    # negative entries count back, as in torch
    i = torch.randint(-n, n, (n + 2,), generator=g)
    j = torch.randint(-n, n, (n + 2,), generator=g)
    prog, want, got = run_both(Index(kind), x, i, j)
    assert "aten::index.Tensor_out" in ops_of(prog)
    np.testing.assert_array_equal(np.asarray(got), want.numpy())


def test_index_tensor_unfold_like():
    """ConvBERT's unfold as torch.export decomposes it: index.Tensor with broadcast (k, L, 1, 1)
    style indices, int64 data too."""
    class Unfold(nn.Module):
        def forward(self, x):
            return F.unfold(x, kernel_size=(9, 1), padding=(4, 0))

    x = torch.randn(1, 16, 21, 1)
    prog, want, got = run_both(Unfold(), x)
    assert "aten::index.Tensor_out" in ops_of(prog)
    np.testing.assert_array_equal(np.asarray(got), want.numpy())


class Pad(nn.Module):
    def __init__(self, pad, value):
        super().__init__()
        self.pad, self.value = pad, value

    def forward(self, x):
        return F.pad(x, self.pad, value=self.value)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.uint8, torch.float16])
@pytest.mark.parametrize("pad,value", [((1, 1, 1, 1), 0.0), ((0, 3, 2, 0), 2.0),
                                       ((2, -1, -1, 3, 1, 0), 0.0), ((1, 2), -1.5),
                                       ((1, 1), -0.0)])
def test_constant_pad(dtype, pad, value):
    g = torch.Generator().manual_seed(7)
    x = (torch.randn(2, 3, 5, 7, generator=g) * 20).to(dtype)
    value = value if dtype.is_floating_point else abs(int(value))
    prog, want, got = run_both(Pad(pad, value), x)
    assert "aten::constant_pad_nd.out" in ops_of(prog)
    got = np.asarray(got)
    assert got.dtype == want.numpy().dtype
    assert got.tobytes() == want.numpy().tobytes()  # bit for bit


class Pow(nn.Module):
    def __init__(self, e):
        super().__init__()
        self.e = e

    def forward(self, x):
        return torch.pow(x, self.e)


@pytest.mark.parametrize("e", [2, 3, -2, 0.5, -0.5, -1, 1.5, -3.0])
@pytest.mark.parametrize("n", [1, 17, 70])
def test_pow_scalar(e, n):
    g = torch.Generator().manual_seed(n)
    x = torch.rand(3, n, generator=g) * 4 + 0.01
    if e in (2, 3, -2, -1):
        x = x - 2.0  # negative bases too (integral exponents)
    x[0, 0] = 0.0
    prog, want, got = run_both(Pow(e), x)
    assert "aten::pow.Tensor_Scalar_out" in ops_of(prog)
    got, want = np.asarray(got), want.numpy()
    if e in (2, 3, -2, -1):
        assert got.tobytes() == want.tobytes()
    else:
        np.testing.assert_array_max_ulp(got, want, maxulp=2)


def test_zoo_kernels_threads_bit_identical():
    """The same program at 1 and 2 threads gives the same bytes (these kernels do not split, and
    nothing around them may change that)."""
    class Mix(nn.Module):
        def forward(self, x, i):
            y = F.pad(x, (1, 2, 0, 1))
            return torch.pow(y, 2)[:, i] * y[:, i] + torch.pow(y.abs() + 1, 0.5)[:, i]

    g = torch.Generator().manual_seed(3)
    x = torch.randn(5, 11, generator=g)
    i = torch.tensor([3, -1, 0, 2])
    prog = ember.export(Mix().eval(), (x, i))
    a = ember.load(prog.buffer, threads=1).run(x, i)[0]
    b = ember.load(prog.buffer, threads=2).run(x, i)[0]
    assert np.asarray(a).tobytes() == np.asarray(b).tobytes()


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(*self.dims) * 1  # a copy, not an alias of the input


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.int64, torch.uint8])
@pytest.mark.parametrize("shape,dims", [((37, 21), (1, 0)), ((3, 5, 17, 33), (0, 1, 3, 2)),
                                        ((2, 19, 6, 7), (0, 2, 3, 1)), ((4, 4), (1, 0)),
                                        ((2, 3, 16, 32), (1, 0, 3, 2)), ((5, 3, 40), (2, 0, 1))])
def test_permute_transposes(dtype, shape, dims):
    """permute_copy's tiled transpose (the source contiguous along the second-last output dim):
    ragged tiles, batch dims before the transposed pair, every element width."""
    g = torch.Generator().manual_seed(len(shape))
    x = (torch.randn(*shape, generator=g) * 50).to(dtype)
    prog, want, got = run_both(Permute(dims), x)
    assert "aten::permute_copy.out" in ops_of(prog)
    assert np.asarray(got).tobytes() == want.numpy().tobytes()


def test_transpose_of_expand_and_flip():
    """Transposes of a broadcast (stride 0) and of a flipped (negative stride) source."""
    class M(nn.Module):
        def forward(self, x, y):
            a = x.expand(5, 9, 12).transpose(1, 2) * 1
            b = torch.flip(y, (0,)).t() * 1
            return a, b

    g = torch.Generator().manual_seed(11)
    x, y = torch.randn(5, 9, 1, generator=g), torch.randn(13, 6, generator=g)
    prog, want, got = run_both(M(), x, y)
    for w, o in zip(want, got):
        assert np.asarray(o).tobytes() == w.numpy().tobytes()
