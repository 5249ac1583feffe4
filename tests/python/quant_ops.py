"""Quantized programs' boundary ops for tests and seeds: ExecuTorch's `quantized_decomposed::`
out variants (registered by `executorch.kernels.quantized`) and `cortex_m::` quantize /
dequantize_per_tensor (ExecuTorch's Cortex-M backend defines them, but importing it needs the
Arm backend's tosa_serializer; when it does not import, the same schemas are defined here,
computing through quantized_decomposed). `register()` raises ImportError without executorch."""

from __future__ import annotations

import warnings

import torch

_LIB = None


def register() -> None:
    global _LIB
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import executorch.kernels.quantized  # noqa: F401  the out variants and the kernels
        from torch.ao.quantization.fx._decomposed import quantized_decomposed_lib  # noqa: F401
        try:
            import executorch.backends.cortex_m.ops.operators  # noqa: F401
            return
        except BaseException:
            pass
    if _LIB is not None or hasattr(torch.ops.cortex_m, "quantize_per_tensor"):
        return
    lib = torch.library.Library("cortex_m", "DEF")
    for name in ("quantize_per_tensor", "dequantize_per_tensor"):
        args = "Tensor input, float scale, int zero_point, int quant_min, int quant_max, " \
               "ScalarType dtype"
        lib.define(f"{name}({args}) -> Tensor")
        lib.define(f"{name}.out({args}, *, Tensor(a!) out) -> Tensor(a!)")
        ref = getattr(torch.ops.quantized_decomposed, name)
        lib.impl(name, lambda *a, ref=ref: ref(*a), "CompositeExplicitAutograd")
    _LIB = lib


class Boundaries(torch.nn.Module):
    """Every boundary op once: per tensor (scalar and tensor parameters), per channel along dim
    1, cortex_m per tensor. x: (2, 3, 4) float32."""

    def __init__(self):
        super().__init__()
        self.register_buffer("s", torch.tensor([0.02, 0.05, 0.1], dtype=torch.float64))
        self.register_buffer("z", torch.tensor([-3, 0, 5], dtype=torch.int64))
        self.register_buffer("st", torch.tensor([0.03], dtype=torch.float64))
        self.register_buffer("zt", torch.tensor([2], dtype=torch.int64))

    def forward(self, x):
        q = torch.ops.quantized_decomposed
        a = q.dequantize_per_tensor(q.quantize_per_tensor(x, 0.04, 1, -128, 127, torch.int8),
                                    0.04, 1, -128, 127, torch.int8)
        b = q.dequantize_per_tensor.tensor(
            q.quantize_per_tensor.tensor(x, self.st, self.zt, 0, 255, torch.uint8),
            self.st, self.zt, 0, 255, torch.uint8)
        c = q.dequantize_per_channel(
            q.quantize_per_channel(x, self.s, self.z, 1, -128, 127, torch.int8),
            self.s, self.z, 1, -128, 127, torch.int8)
        cm = torch.ops.cortex_m
        d = cm.dequantize_per_tensor(cm.quantize_per_tensor(x, 0.05, -2, -128, 127, torch.int8),
                                     0.05, -2, -128, 127, torch.int8)
        return a, b, c, d
