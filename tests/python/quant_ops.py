"""Quantized programs for tests and seeds: ExecuTorch's `quantized_decomposed::` out variants
(registered by `executorch.kernels.quantized`), its `cortex_m::` ops (its Cortex-M backend
defines them; importing it needs the Arm backend's `tosa_serializer`, stood in for here, see
_stub_tosa_serializer; if it still fails, `register()` defines the quantize / dequantize
schemas itself, computing through quantized_decomposed), and `import_cortex_m()` for the whole
Cortex-M flow. Both raise ImportError without executorch."""

from __future__ import annotations

import warnings

import torch

_LIB = None


def _stub_tosa_serializer() -> None:
    """ExecuTorch's Cortex-M package imports its Arm backend, which imports `tosa_serializer`
    (built from Arm's TOSA sources, not on PyPI) for TOSA debug output the Cortex-M flow never
    produces. A stand-in module whose every attribute is a fresh class lets the import finish;
    nothing in the flow calls into it."""
    import sys
    import types

    if "tosa_serializer" in sys.modules:
        return

    class _Anything(type):
        def __getattr__(cls, name):
            if name.startswith("__"):
                raise AttributeError(name)
            value = _Anything(f"{cls.__name__}.{name}", (), {})
            setattr(cls, name, value)
            return value

        def __call__(cls, *args, **kwargs):
            return _Anything(f"{cls.__name__}()", (), {})

    class _Module(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            value = _Anything(name, (), {})
            setattr(self, name, value)
            return value

    sys.modules["tosa_serializer"] = _Module("tosa_serializer")


def import_cortex_m():
    """ExecuTorch's Cortex-M flow: (CortexMQuantizer, CortexMPassManager, CortexMTargetConfig,
    CortexM, cortex_m_edge_compile_config), its `cortex_m::` ops defined in torch with their
    Python reference implementations. Raises ImportError (or what the import raised) when
    ExecuTorch or torchao is missing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import executorch.kernels.quantized  # noqa: F401

        if _LIB is not None:
            raise ImportError("cortex_m:: was defined by quant_ops.register() in this process")
        _stub_tosa_serializer()
        # the quantizer first: importing the ops module first meets a cycle (its passes name
        # cortex_m ops it has not defined yet)
        from executorch.backends.cortex_m.quantizer.quantizer import CortexMQuantizer
        import executorch.backends.cortex_m.ops.operators  # noqa: F401
        from executorch.backends.cortex_m.edge_compile_config import cortex_m_edge_compile_config
        from executorch.backends.cortex_m.passes.cortex_m_pass_manager import CortexMPassManager
        from executorch.backends.cortex_m.target_config import CortexM, CortexMTargetConfig
    return CortexMQuantizer, CortexMPassManager, CortexMTargetConfig, CortexM, \
        cortex_m_edge_compile_config


def register() -> None:
    global _LIB
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import executorch.kernels.quantized  # noqa: F401  the out variants and the kernels
        from torch.ao.quantization.fx._decomposed import quantized_decomposed_lib  # noqa: F401
        try:
            _stub_tosa_serializer()
            from executorch.backends.cortex_m.quantizer.quantizer import CortexMQuantizer  # noqa
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


class QuantizedLinear(torch.nn.Module):
    """cortex_m::quantized_linear on int8 inputs, its parameters as given: offsets (input,
    filter, output), one multiplier and shift, activation (min, max); bias or kernel_sum."""

    def __init__(self, w, bias, ksum, offs, mult, shift, act):
        super().__init__()
        self.register_buffer("w", w)
        self.bias = bias if bias is None else torch.nn.Buffer(bias)
        self.ksum = ksum if ksum is None else torch.nn.Buffer(ksum)
        self.p = (offs, mult, shift, act)

    def forward(self, x):
        (io, fo, oo), mult, shift, (lo, hi) = self.p
        return torch.ops.cortex_m.quantized_linear(x, self.w, self.bias, self.ksum, io, fo, oo,
                                                   [mult], [shift], hi, lo)


class QuantizedAdd(torch.nn.Module):
    """cortex_m::quantized_add of two int8 inputs: (zero point, multiplier, shift) for each and
    for the output, activation (min, max)."""

    def __init__(self, a, b, o, act):
        super().__init__()
        self.p = (a, b, o, act)

    def forward(self, x, y):
        a, b, o, (lo, hi) = self.p
        return torch.ops.cortex_m.quantized_add(x, *a, y, *b, *o, lo, hi)


class QuantizedMul(torch.nn.Module):
    """cortex_m::quantized_mul of two int8 inputs: zero points, output (zero point, multiplier,
    shift)."""

    def __init__(self, xzp, yzp, o):
        super().__init__()
        self.p = (xzp, yzp, o)

    def forward(self, x, y):
        xzp, yzp, o = self.p
        return torch.ops.cortex_m.quantized_mul(x, xzp, y, yzp, *o)
