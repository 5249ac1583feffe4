"""The fast fp32 max pool (kernels/optimized/f32_pool.h: AVX-512 / AVX2 vectors over the
columns whose windows lie inside the row, scalar C at the edges) against torch eager, through
ember.export and the C runtime: each model is loaded with the detected CPU features and with
ember_kernel_cpu_mask_set(0) (the portable kernel), and both must give torch's values and
indices exactly, on ragged sizes, padding, dilation, ceil_mode, ties, -inf and NaN, with one
thread and with a pool of two. tests/c/test_ops_nn_pool.c compares every variant with the
portable kernel bit for bit in more depth."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
import torch
from torch import nn

import ember
from ember import runtime


class _Pool(nn.Module):
    def __init__(self, k, s, p, d, ceil_mode):
        super().__init__()
        self.pool = nn.MaxPool2d(k, s, p, d, return_indices=True, ceil_mode=ceil_mode)

    def forward(self, x):
        return self.pool(x)


def _run(model: nn.Module, x: torch.Tensor):
    """[(values, indices)] of model run by Ember: fast, portable, fast over 2 threads."""
    data = ember.export(model, (x,)).buffer
    lib = runtime._library()
    lib.ember_kernel_cpu_mask_set.argtypes = [ctypes.c_uint64]
    outs = []
    try:
        for mask, threads in (((1 << 64) - 1, 1), (0, 1), ((1 << 64) - 1, 2)):
            lib.ember_kernel_cpu_mask_set(mask)
            program = ember.load(data, threads=threads) if threads > 1 else ember.load(data)
            y, i = program.method("forward").run(x.numpy())
            outs.append((np.asarray(y), np.asarray(i)))
    finally:
        lib.ember_kernel_cpu_mask_set((1 << 64) - 1)
    return outs


# (N, C, H, W, kernel, stride, padding, dilation, ceil_mode)
CASES = [
    (1, 8, 112, 112, 3, 2, 1, 1, False),       # ResNet-18's stem pool (smaller C)
    (2, 3, 37, 41, 3, 2, 1, 1, True),          # ragged, ceil_mode, batch 2
    (1, 5, 19, 53, 3, 1, 1, 1, False),         # stride 1
    (1, 4, 20, 67, 2, 2, 0, 1, False),         # 2x2 stride 2
    (1, 3, 23, 40, (3, 2), (2, 1), (1, 0), (2, 1), True),  # dilation, rectangular
    (1, 2, 17, 35, 4, 3, 2, 2, True),          # stride 3: scalar
    (1, 3, 9, 9, 5, 1, 2, 1, False),           # no full vector of inside columns
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_max_pool_fast_and_portable_match_torch(case):
    n, c, h, w, k, s, p, d, ceil_mode = case
    g = torch.Generator().manual_seed(7)
    # few distinct values (ties: the first maximum in window order wins), some -inf and NaN
    x = torch.randint(-4, 5, (n, c, h, w), generator=g).float()
    r = torch.rand((n, c, h, w), generator=g)
    x[r < 0.03] = float("-inf")
    x[r > 0.98] = float("nan")
    x[0, 0] = float("-inf")  # a plane without a winner
    model = _Pool(k, s, p, d, ceil_mode).eval()
    with torch.no_grad():
        want_y, want_i = model(x)
    for y, i in _run(model, x):
        np.testing.assert_array_equal(y, want_y.numpy())  # NaN == NaN here
        np.testing.assert_array_equal(i, want_i.numpy())
