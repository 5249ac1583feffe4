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
    (the tosa-tools package) for TOSA debug output the Cortex-M flow never produces. Where that
    package is missing, a stand-in module whose every attribute is a fresh class lets the import
    finish; nothing in the flow calls into it. Where it is installed (the Ethos-U export needs
    it: requirements-nodeps.txt) the real one is used: a stand-in would break it for every later
    test in the process."""
    import importlib
    import sys
    import types

    if "tosa_serializer" in sys.modules:
        return
    try:
        importlib.import_module("tosa_serializer")
        return
    except ImportError:
        pass

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


def cortex_m_flow(model: torch.nn.Module, x: torch.Tensor, calibration: list):
    """ExecuTorch's Cortex-M flow on `model` (CortexMQuantizer, prepare/convert_pt2e over the
    calibration inputs, to_edge with its compile config, CortexMPassManager for a Cortex-M55,
    to_executorch): (the .pte bytes, the set of operators it calls, the lowered graph's output
    on x computed by ExecuTorch's Python references of the cortex_m:: ops). A channels-last x
    gives a program whose input is channels-last (what its convolutions need)."""
    quantizer, pass_manager, target, cpu, edge_config = import_cortex_m()
    from executorch.exir import to_edge
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = torch.export.export(model, (x,)).module(check_guards=False)
        prepared = prepare_pt2e(graph, quantizer())
        for c in calibration:
            prepared(c)
        converted = convert_pt2e(prepared)
        edge = to_edge(torch.export.export(converted, (x,)), compile_config=edge_config())
        lowered = pass_manager(edge.exported_program(), pass_manager.pass_list,
                               target_config=target(cpu=cpu.M55)).transform()
        want = lowered.module()(x)  # before to_executorch rewrites the graph
        edge._edge_programs["forward"] = lowered
        prog = edge.to_executorch()
    ops = {f"{o.name}.{o.overload}" for p in prog.executorch_program.execution_plan
           for o in p.operators}
    want = want[0] if isinstance(want, (tuple, list)) else want
    return prog.buffer, ops, want.detach()


def check_against_reference(got, want, label: str) -> float:
    """Ember's output `got` against ExecuTorch's reference `want` (numpy): the same shape, every
    value within one output quantization step (the smallest gap between `want`'s levels: the
    two round some ties differently), and at least 90 % bit-identical. Returns that share."""
    import numpy as np

    assert got.shape == want.shape, (label, got.shape, want.shape)
    levels = np.unique(want)
    step = float(np.diff(levels).min()) if levels.size > 1 else 1.0
    assert np.abs(got - want).max() <= step * 1.001, (label, got, want)
    agree = float(np.mean(got == want))
    assert agree >= 0.9, (label, agree)
    return agree


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


# cortex_m:: activation (table), div, batch matmul on int8 inputs (test_cortex_m_misc.py)

class QuantizedActivation(torch.nn.Module):
    def __init__(self, lut):
        super().__init__()
        self.register_buffer("lut", lut)

    def forward(self, x):
        return torch.ops.cortex_m.quantized_activation(x, self.lut)


class QuantizedDiv(torch.nn.Module):
    def __init__(self, xzp, yzp, zp, scale):
        super().__init__()
        self.p = (xzp, yzp, zp, scale)

    def forward(self, x, y):
        xzp, yzp, zp, scale = self.p
        return torch.ops.cortex_m.quantized_div(x, xzp, y, yzp, zp, scale)


class QuantizedBatchMatmul(torch.nn.Module):
    def __init__(self, a_off, b_off, zp, mult, shift):
        super().__init__()
        self.p = (a_off, b_off, zp, mult, shift)
        self.register_buffer("scratch", torch.zeros(1, dtype=torch.int8))

    def forward(self, a, b_t):
        a_off, b_off, zp, mult, shift = self.p
        return torch.ops.cortex_m.quantized_batch_matmul(a, a_off, b_t, b_off, zp, mult, shift,
                                                         self.scratch)


# cortex_m:: pools, pad, transpose, minimum / maximum on int8 inputs (test_cortex_m_pool.py)

class QuantizedMaxPool(torch.nn.Module):
    def __init__(self, k, s, p, zp, act, nhwc=False):
        super().__init__()
        self.p = (list(k), list(s), list(p), zp, act, nhwc)

    def forward(self, x):
        k, s, p, zp, (lo, hi), nhwc = self.p
        op = torch.ops.cortex_m.quantized_max_pool2d_nhwc if nhwc else \
            torch.ops.cortex_m.quantized_max_pool2d
        return op(x, k, s, p, [1, 1], False, zp, zp, lo, hi)


class QuantizedAvgPool(torch.nn.Module):
    def __init__(self, k, s, p, ceil, zp, mult, shift, nhwc=False):
        super().__init__()
        self.p = (list(k), list(s), list(p), ceil, zp, mult, shift, nhwc)
        self.register_buffer("scratch", torch.zeros(0, dtype=torch.int8))

    def forward(self, x):
        k, s, p, ceil, zp, mult, shift, nhwc = self.p
        op = torch.ops.cortex_m.quantized_avg_pool2d_nhwc if nhwc else \
            torch.ops.cortex_m.quantized_avg_pool2d
        return op(x, k, s, p, ceil, zp, mult, shift, self.scratch)


class QuantizedPad(torch.nn.Module):
    def __init__(self, pre, post, value):
        super().__init__()
        self.p = (list(pre), list(post), value)

    def forward(self, x):
        return torch.ops.cortex_m.pad(x, *self.p)


class QuantizedTranspose(torch.nn.Module):
    def __init__(self, perm):
        super().__init__()
        self.perm = list(perm)

    def forward(self, x):
        return torch.ops.cortex_m.transpose(x, self.perm)


class QuantizedMinimum(torch.nn.Module):
    def forward(self, a, b):
        return torch.ops.cortex_m.minimum(a, b)


class QuantizedMaximum(torch.nn.Module):
    def forward(self, a, b):
        return torch.ops.cortex_m.maximum(a, b)


class QuantizedConv(torch.nn.Module):
    """One cortex_m convolution: `kind` is "conv", "depthwise" or "transpose", `nhwc` picks the
    _nhwc op. weight is in the op's layout (conv and transpose OHWI, depthwise [1, H, W, C_out]);
    bias int32 or None; mult / shift int32 per output channel. Fuzz seed: e.g.
    QuantizedConv("conv", False, w, b, m, s, dict(stride=[1, 1], padding=[1, 1],
    dilation=[1, 1], input_offset=3, output_offset=-2, act=(-128, 127))) on an int8
    (1, C, H, W) channels-last input."""

    def __init__(self, kind, nhwc, weight, bias, mult, shift, p):
        super().__init__()
        self.kind, self.nhwc, self.p = kind, nhwc, p
        self.register_buffer("weight", weight)
        self.register_buffer("bias", bias)
        self.register_buffer("mult", mult)
        self.register_buffer("shift", shift)
        self.register_buffer("scratch", torch.zeros(4, dtype=torch.int8))

    def forward(self, x):
        p, cm = self.p, torch.ops.cortex_m
        tail = (p["input_offset"], p["output_offset"], self.mult, self.shift, p["act"][0],
                p["act"][1], self.scratch)
        if self.kind == "conv":
            op = cm.quantized_conv2d_nhwc if self.nhwc else cm.quantized_conv2d
            return op(x, self.weight, self.bias, p["stride"], p["padding"], p["dilation"], *tail)
        if self.kind == "depthwise":
            op = cm.quantized_depthwise_conv2d_nhwc if self.nhwc else cm.quantized_depthwise_conv2d
            return op(x, self.weight, self.bias, p["stride"], p["padding"], p["dilation"],
                      p["depth_multiplier"], *tail)
        op = cm.quantized_transpose_conv2d_nhwc if self.nhwc else cm.quantized_transpose_conv2d
        return op(x, self.weight, self.bias, p["stride"], p["padding"], [0, 0], [1, 1], *tail,
                  self.scratch)


class QuantizedSoftmax(torch.nn.Module):
    """cortex_m::softmax over the last dim of an int8 input: input zero point, CMSIS-NN's input
    multiplier / shift / diff_min (ExecuTorch's _compute_softmax_params); output 1/256, -128."""

    def __init__(self, zp, mult, shift, diff_min):
        super().__init__()
        self.p = (zp, mult, shift, diff_min)

    def forward(self, x):
        zp, mult, shift, diff_min = self.p
        return torch.ops.cortex_m.softmax(x, -1, zp, -128, mult, shift, diff_min)
