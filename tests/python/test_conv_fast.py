"""The fast fp32 convolution paths (kernels/optimized/f32_conv*.c: depthwise, 1x1 as one GEMM,
im2col + GEMM) against torch eager, through ember.export and the C runtime: each model is
loaded with the detected CPU features (the fast paths where the CPU has a SIMD tier) and with
ember_kernel_cpu_mask_set(0) (the portable direct loops), and both are compared with torch on
random shapes: ragged sizes, strides, padding, dilation, groups, batch > 1, odd channel counts,
1-D. The C test tests/c/test_conv_optimized.c compares the paths with each other in more depth."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
import torch
from torch import nn

import ember
from ember import runtime



def _run_both(model: nn.Module, *inputs: torch.Tensor):
    """(fast, portable) outputs of model exported and run by Ember."""
    data = ember.export(model, inputs).buffer
    lib = runtime._library()
    lib.ember_kernel_cpu_mask_set.argtypes = [ctypes.c_uint64]
    outs = []
    try:
        for mask in ((1 << 64) - 1, 0):
            lib.ember_kernel_cpu_mask_set(mask)
            method = ember.load(data).method("forward")
            out = method.run(*[t.numpy() for t in inputs])
            outs.append(np.asarray(out[0] if isinstance(out, (list, tuple)) else out))
    finally:
        lib.ember_kernel_cpu_mask_set((1 << 64) - 1)
    return outs


# (N, Ci, H, W, Co, kernel, stride, padding, dilation, groups, bias)
CASES = [
    (1, 3, 37, 41, 8, 3, 2, 1, 1, 1, True),         # a stem, ragged
    (2, 5, 17, 19, 7, 1, 1, 0, 1, 1, True),         # pointwise GEMM, batch 2, odd channels
    (1, 24, 14, 14, 144, 1, 1, 0, 1, 1, False),     # MobileNetV2 expand
    (1, 16, 9, 9, 32, 1, 2, 0, 1, 1, False),        # ResNet downsample: 1x1 stride 2
    (1, 16, 15, 13, 16, 3, 1, 1, 1, 16, True),      # depthwise 3x3
    (3, 12, 21, 35, 12, 3, 2, 1, 1, 12, False),     # depthwise 3x3 stride 2, batch 3
    (1, 9, 19, 40, 9, 5, 1, 2, 1, 9, True),         # depthwise 5x5
    (1, 9, 19, 40, 9, 5, 2, 2, 1, 9, True),         # depthwise 5x5 stride 2
    (1, 6, 12, 50, 6, 3, 3, 2, 2, 6, True),         # depthwise stride 3, dilation 2
    (1, 6, 11, 13, 12, 3, 1, 1, 1, 6, True),        # depthwise with a channel multiplier
    (2, 8, 13, 11, 12, 3, 1, 1, 1, 4, True),        # grouped
    (1, 7, 16, 16, 5, (2, 5), (1, 2), (0, 2), (2, 1), 1, True),  # asymmetric, dilated
    (1, 64, 7, 7, 64, 3, 1, 1, 1, 1, True),         # K = 576 in blocks
    (1, 1, 49, 10, 64, (10, 4), 2, (5, 1), 1, 1, True),  # DS-CNN's first layer
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_conv2d_fast_and_portable_match_torch(case):
    n, ci, h, w, co, k, s, p, d, g, bias = case
    torch.manual_seed(hash(case) % 1000)
    conv = nn.Conv2d(ci, co, k, stride=s, padding=p, dilation=d, groups=g, bias=bias).eval()
    x = torch.randn(n, ci, h, w)
    with torch.no_grad():
        want = conv(x).numpy()
    for got in _run_both(conv, x):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv1d_fast_and_portable_match_torch():
    torch.manual_seed(1)
    conv = nn.Conv1d(6, 10, 5, stride=2, padding=3, dilation=2, groups=2).eval()
    x = torch.randn(2, 6, 77)
    with torch.no_grad():
        want = conv(x).numpy()
    for got in _run_both(conv, x):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_dscnn_and_inverted_residual_match_torch():
    from zoo import ds_cnn

    model, (x,) = ds_cnn()
    with torch.no_grad():
        want = model(x).numpy()
    for got in _run_both(model, x):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)

    block = nn.Sequential(  # MobileNetV2's inverted residual body: expand, depthwise, project
        nn.Conv2d(16, 96, 1, bias=False), nn.BatchNorm2d(96), nn.ReLU6(),
        nn.Conv2d(96, 96, 3, stride=2, padding=1, groups=96, bias=False), nn.BatchNorm2d(96),
        nn.ReLU6(), nn.Conv2d(96, 24, 1, bias=False), nn.BatchNorm2d(24)).eval()
    x = torch.randn(1, 16, 29, 31)
    with torch.no_grad():
        want = block(x).numpy()
    for got in _run_both(block, x):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
