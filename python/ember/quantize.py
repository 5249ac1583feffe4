"""Stage 2, quantize: post-training static int8 quantization (ember.export(quantize="int8")).

    torch.export → Ember's Quantizer annotates → torchao prepare_pt2e (observers) → calibration
    over the user's samples → convert_pt2e (quantize / dequantize around float ops) → the
    rewrite below → capture (core ATen) → the rest of the pipeline

The numbers: activations int8 per tensor, asymmetric (histogram observer); weights int8
symmetric, per output channel (a linear layer runs as a 1x1 convolution: ExecuTorch's
cortex_m::quantized_linear takes one multiplier for all channels); biases int32 at scale
input x weight.

The rewrite turns each dequantize → op → quantize group the quantizer annotated into one
ExecuTorch Cortex-M operator on int8 tensors (the names and argument lists of ExecuTorch's
backends/cortex_m/ops/operators.yaml, the arithmetic of CMSIS-NN: requantization by a Q31
multiplier and a shift per output channel). What is not quantized stays float32 between a
dequantize and a quantize (quantized_decomposed:: ops, which ExecuTorch's portable runtime
also runs). Convolutions and pools work on NCHW-shaped tensors stored channels-last (dim order
0, 2, 3, 1) as ExecuTorch's Cortex-M programs do; `_clone_dim_order` copies convert at the
edges of those runs.

The ops are declared to torch in Ember's namespace (`ember::cm_<op>`, schema and shape only:
they are never computed in Python) and written to the file under their ExecuTorch names
(lower.FILE_OP_NAMES): declaring `cortex_m::` here would break a later import of ExecuTorch's
own Cortex-M package in the same process.

`QuantReport` lists each float op of the model: int8, or float32 and why.
"""

from __future__ import annotations

import math
import operator
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import torch
from torch.fx import GraphModule, Node

from .errors import ExportError
from .lower import CHANNELS_LAST_INT8_OPS

# -- the operators ------------------------------------------------------------------------

_LIB = torch.library.Library("ember", "FRAGMENT")

_CONV_ARGS = ("Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, "
              "int[] dilation, {dm}int input_offset, int output_offset, "
              "Tensor requantize_multipliers, Tensor requantize_shifts, int activation_min, "
              "int activation_max, Tensor scratch")
_SCHEMAS = {
    "quantized_conv2d": _CONV_ARGS.format(dm=""),
    "quantized_depthwise_conv2d": _CONV_ARGS.format(dm="int depth_multiplier, "),
    "quantized_add": (
        "Tensor self, int self_zero_point, int self_multiplier, int self_shift, Tensor other, "
        "int other_zero_point, int other_multiplier, int other_shift, int output_zero_point, "
        "int output_multiplier, int output_shift, int activation_min, int activation_max"),
    "quantized_mul": (
        "Tensor self, int self_zero_point, Tensor other, int other_zero_point, "
        "int output_zero_point, int output_multiplier, int output_shift"),
    "quantized_max_pool2d": (
        "Tensor input, int[] kernel_size, int[] stride, int[] padding, int[] dilation, "
        "bool ceil_mode, int input_zero_point, int output_zero_point, int activation_min, "
        "int activation_max"),
    "quantized_avg_pool2d": (
        "Tensor input, int[] kernel_size, int[] stride, int[] padding, bool ceil_mode, "
        "int zero_point, int multiplier, int shift, Tensor scratch"),
    "softmax": (
        "Tensor input, int dim, int input_zero_point, int output_zero_point, "
        "int input_multiplier, int input_shift, int diff_min"),
    "pad": "Tensor input, int[] pre_pad, int[] post_pad, int pad_value",
    "quantized_activation": "Tensor input, Tensor lut",
}

# Ops whose int8 tensors are NCHW-shaped and stored channels-last (lower.py writes that).
_CHANNELS_LAST_OPS = {n.split("::")[1] for n in CHANNELS_LAST_INT8_OPS}


def _pool_out(size: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    n = (-(-span // s) if ceil else span // s) + 1
    if ceil and (n - 1) * s >= size + p:
        n -= 1
    return n


def _fake(name: str, args: tuple) -> torch.Tensor:
    x = args[0]
    if name in ("quantized_conv2d", "quantized_depthwise_conv2d"):
        w, stride, pad, dil = args[1], args[3], args[4], args[5]
        kh, kw = (w.shape[1], w.shape[2])
        cout = w.shape[0] if name == "quantized_conv2d" else w.shape[3]
        ho = _pool_out(x.shape[2], kh, stride[0], pad[0], dil[0], False)
        wo = _pool_out(x.shape[3], kw, stride[1], pad[1], dil[1], False)
        shape = (x.shape[0], cout, ho, wo)
    elif name == "quantized_max_pool2d":
        k, s, p, d, ceil = args[1], args[2], args[3], args[4], args[5]
        shape = (x.shape[0], x.shape[1], _pool_out(x.shape[2], k[0], s[0], p[0], d[0], ceil),
                 _pool_out(x.shape[3], k[1], s[1], p[1], d[1], ceil))
    elif name == "quantized_avg_pool2d":
        k, s, p, ceil = args[1], args[2], args[3], args[4]
        shape = (x.shape[0], x.shape[1], _pool_out(x.shape[2], k[0], s[0], p[0], 1, ceil),
                 _pool_out(x.shape[3], k[1], s[1], p[1], 1, ceil))
    elif name == "pad":  # pre / post pads in the channels-last order N, H, W, C
        pre, post = args[1], args[2]
        shape = (x.shape[0] + pre[0] + post[0], x.shape[1] + pre[3] + post[3],
                 x.shape[2] + pre[1] + post[1], x.shape[3] + pre[2] + post[2])
    else:  # elementwise (in the first operand's layout), softmax
        return torch.empty_like(x, dtype=torch.int8)
    out = x.new_empty(shape, dtype=torch.int8)
    if name in _CHANNELS_LAST_OPS:
        out = out.contiguous(memory_format=torch.channels_last)
    return out


def _define() -> None:
    for name, args in _SCHEMAS.items():
        _LIB.define(f"cm_{name}({args}) -> Tensor")
        _LIB.define(f"cm_{name}.out({args}, *, Tensor(a!) out) -> Tensor(a!)")
        torch.library.register_fake(f"ember::cm_{name}", lib=_LIB)(
            lambda *a, _n=name: _fake(_n, a))
    # dim_order_ops::_clone_dim_order (ExecuTorch's copy into another dim order)
    _LIB.define("clone_dim_order(Tensor self, *, bool non_blocking=False, "
                "int[]? dim_order=None) -> Tensor")
    _LIB.define("clone_dim_order.out(Tensor self, *, bool non_blocking=False, "
                "int[]? dim_order=None, Tensor(a!) out) -> Tensor(a!)")

    def clone_fake(x, non_blocking=False, dim_order=None):
        cl = list(dim_order or range(x.dim())) == [0, 2, 3, 1]
        return x.clone(memory_format=torch.channels_last if cl else torch.contiguous_format)

    torch.library.register_fake("ember::clone_dim_order", clone_fake, lib=_LIB)

    # quantized_decomposed's boundaries: torch declares them without out variants (ExecuTorch
    # adds those when imported); Ember's twins have both and compute through torch's.
    for name, args, extra in _QD_SCHEMAS:
        _LIB.define(f"qd_{name}({args}{extra}) -> Tensor")
        _LIB.define(f"qd_{name}.out({args}{extra or ', *'}, Tensor(a!) out) -> Tensor(a!)")
        _LIB.impl(f"qd_{name}", lambda *a, _n=name, **k: getattr(
            torch.ops.quantized_decomposed, _n).default(*a, **k), "CompositeExplicitAutograd")


_QD_SCHEMAS = (
    ("quantize_per_tensor", "Tensor input, float scale, int zero_point, int quant_min, "
     "int quant_max, ScalarType dtype", ""),
    ("dequantize_per_tensor", "Tensor input, float scale, int zero_point, int quant_min, "
     "int quant_max, ScalarType dtype", ", *, ScalarType? out_dtype=None"),
    ("quantize_per_channel", "Tensor input, Tensor scales, Tensor zero_points, int axis, "
     "int quant_min, int quant_max, ScalarType dtype", ""),
    ("dequantize_per_channel", "Tensor input, Tensor scales, Tensor? zero_points, int axis, "
     "int quant_min, int quant_max, ScalarType dtype", ", *, ScalarType? out_dtype=None"),
)

_define()
_CM = {name: getattr(torch.ops.ember, f"cm_{name}").default for name in _SCHEMAS}
_CLONE = torch.ops.ember.clone_dim_order.default

# The file names of these ops (lower.py writes them).
FILE_OP_NAMES: dict[str, str] = {
    **{f"ember::cm_{name}": f"cortex_m::{name}" for name in _SCHEMAS},
    "ember::clone_dim_order": "dim_order_ops::_clone_dim_order",
    **{f"ember::qd_{name}": f"quantized_decomposed::{name}" for name, _, _ in _QD_SCHEMAS},
}


# -- requantization parameters --------------------------------------------------------------

def quantize_multiplier(scale: float) -> tuple[int, int]:
    """A real factor as a Q31 multiplier and a power-of-two shift: scale ≈ m * 2^(shift - 31),
    m in [2^30, 2^31) (frexp's mantissa rounded to 31 bits; a mantissa that rounds up to 2^31
    halves and the shift grows). The rule ExecuTorch's Cortex-M passes use, so the same
    quantized model gives the same file numbers."""
    if scale == 0.0:
        return 0, 0
    mantissa, shift = math.frexp(scale)
    q = int(round(mantissa * (1 << 31)))
    if q == 1 << 31:
        q //= 2
        shift += 1
    return max(-(1 << 31), min((1 << 31) - 1, q)), shift


_SOFTMAX_INPUT_INTEGER_BITS = 5  # CMSIS-NN softmax: the input difference in Q5.26


def softmax_params(input_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_shift, diff_min) of CMSIS-NN's int8 softmax for an input scale."""
    real = min(input_scale * (1 << (31 - _SOFTMAX_INPUT_INTEGER_BITS)), float((1 << 31) - 1))
    mult, shift = quantize_multiplier(real)
    diff_min = -int(math.floor(((1 << _SOFTMAX_INPUT_INTEGER_BITS) - 1)
                               * math.ldexp(1.0, 31 - _SOFTMAX_INPUT_INTEGER_BITS)
                               / math.ldexp(1.0, shift)))
    return mult, shift, diff_min


SOFTMAX_SCALE, SOFTMAX_ZERO_POINT = 1.0 / 256.0, -128  # CMSIS-NN's int8 softmax output
_ADD_LEFT_SHIFT = 20  # CMSIS-NN's headroom for int8 addition


# -- the quantizer ------------------------------------------------------------------------

_aten = torch.ops.aten
_CONV = {_aten.conv2d.default, _aten.conv2d.padding}
_LINEAR = {_aten.linear.default}
_ADD = {_aten.add.Tensor, _aten.add_.Tensor}
_SUB = {_aten.sub.Tensor, _aten.sub_.Tensor}  # quantized_add, the second multiplier negated
_MUL = {_aten.mul.Tensor, _aten.mul_.Tensor}
_MAXPOOL = {_aten.max_pool2d.default}
_AVGPOOL = {_aten.avg_pool2d.default}
_GLOBAL_POOL = {_aten.adaptive_avg_pool2d.default}  # to (1, 1): an average pool over all
_PAD = {_aten.pad.default, _aten.constant_pad_nd.default}  # zeros around H and W
_SOFTMAX = {_aten.softmax.int, _aten._softmax.default}
# Activations fused into the op before them: their clamp becomes the op's output range.
_RELU = {_aten.relu.default, _aten.relu_.default}
_HARDTANH = {_aten.hardtanh.default, _aten.hardtanh_.default, _aten.relu6.default}
# Ops that only move int8 values: they share their input's quantization.
_SHARE = {_aten.flatten.using_ints, _aten.view.default, _aten.reshape.default}
# Elementwise functions of one tensor (their other arguments constants): a 256-entry table of
# the function on the input's int8 grid, quantized to the output's (quantized_activation).
_TABLE = {getattr(_aten, n).default for n in (
    "sigmoid", "tanh", "hardsigmoid", "hardswish", "silu", "gelu", "elu", "leaky_relu", "mish",
    "softplus", "sigmoid_", "tanh_", "hardsigmoid_", "hardswish_", "silu_", "elu_",
    "leaky_relu_", "mish_") if hasattr(_aten, n)}


def _activation_range(node: Node) -> Optional[tuple[float, float]]:
    """The float clamp of a fusable activation node, else None."""
    if node.op != "call_function":
        return None
    if node.target in _RELU:
        return 0.0, math.inf
    if node.target in _HARDTANH:
        if node.target == _aten.relu6.default:
            return 0.0, 6.0
        lo = node.args[1] if len(node.args) > 1 else node.kwargs.get("min_val", -1.0)
        hi = node.args[2] if len(node.args) > 2 else node.kwargs.get("max_val", 1.0)
        return float(lo), float(hi)
    return None


def _fused_activation(node: Node) -> Optional[Node]:
    users = list(node.users)
    if len(users) == 1 and _activation_range(users[0]) is not None:
        return users[0]
    return None


def _specs():
    from torchao.quantization.pt2e import HistogramObserver, PerChannelMinMaxObserver
    from torchao.quantization.pt2e.quantizer import (FixedQParamsQuantizationSpec,
                                                     QuantizationSpec)

    act = QuantizationSpec(dtype=torch.int8, quant_min=-128, quant_max=127,
                           qscheme=torch.per_tensor_affine,
                           observer_or_fake_quant_ctr=HistogramObserver.with_args(eps=2**-12))
    w_channel = QuantizationSpec(dtype=torch.int8, quant_min=-127, quant_max=127,
                                 qscheme=torch.per_channel_symmetric, ch_axis=0,
                                 observer_or_fake_quant_ctr=PerChannelMinMaxObserver.with_args(
                                     eps=2**-12))
    softmax_out = FixedQParamsQuantizationSpec(
        dtype=torch.int8, scale=SOFTMAX_SCALE, zero_point=SOFTMAX_ZERO_POINT, quant_min=-128,
        quant_max=127, qscheme=torch.per_tensor_affine)
    return act, w_channel, softmax_out


def _bias_spec(input_node: Node, weight_node: Node, node: Node):
    from torchao.quantization.pt2e.quantizer import DerivedQuantizationSpec

    def derive(observers):
        act_scale, _ = observers[0].calculate_qparams()
        w_scale, _ = observers[1].calculate_qparams()
        scale = (act_scale * w_scale).to(torch.float32)
        return scale, torch.zeros_like(scale, dtype=torch.int32)

    return DerivedQuantizationSpec(
        derived_from=[(input_node, node), (weight_node, node)], derive_qparams_fn=derive,
        dtype=torch.int32, quant_min=-(2**31) + 1, quant_max=2**31 - 1,
        qscheme=torch.per_channel_symmetric, ch_axis=0)


def _is_param(node: Any) -> bool:
    return isinstance(node, Node) and node.op == "get_attr"


def _quantizer_class():
    from torchao.quantization.pt2e.quantizer import (QuantizationAnnotation, Quantizer,
                                                     SharedQuantizationSpec)

    class EmberQuantizer(Quantizer):
        """Annotates what Ember's int8 lowering can run (see the module docstring); the notes
        say, per float op left out, why."""

        def __init__(self) -> None:
            super().__init__()
            self.skipped: dict[str, str] = {}  # node name -> why it stays float

        def annotate(self, model: GraphModule) -> GraphModule:
            act, w_channel, softmax_out = _specs()

            def mark(node: Node, inputs: dict, output: Any) -> None:
                node.meta["quantization_annotation"] = QuantizationAnnotation(
                    input_qspec_map=inputs, output_qspec=output, _annotated=True)

            def done(node: Node) -> bool:
                a = node.meta.get("quantization_annotation")
                return a is not None and a._annotated

            for node in model.graph.nodes:
                if node.op != "call_function" or done(node):
                    continue
                t = node.target
                if t in _CONV or t in _LINEAR:
                    x, w = node.args[0], node.args[1]
                    bias = node.args[2] if len(node.args) > 2 else None
                    if not _is_param(w) or (bias is not None and not _is_param(bias)):
                        self.skipped[node.name] = "its weight is computed, not a parameter"
                        continue
                    if t in _CONV:
                        groups = node.args[6] if len(node.args) > 6 else 1
                        wshape = node.args[1].meta["val"].shape
                        cin = wshape[1] * groups
                        if groups != 1 and not (groups == cin and wshape[0] % cin == 0):
                            self.skipped[node.name] = "grouped convolution (only groups 1 " \
                                                      "and depthwise run int8)"
                            continue
                        if isinstance(node.args[4] if len(node.args) > 4 else 0, str):
                            self.skipped[node.name] = "padding given as a string"
                            continue
                    # per channel, linear too: it runs as a 1x1 convolution (_Rewriter)
                    inputs = {x: act, w: w_channel}
                    if bias is not None:
                        inputs[bias] = _bias_spec(x, w, node)
                    fused = _fused_activation(node)
                    if fused is not None:
                        mark(node, inputs, None)
                        mark(fused, {}, act)
                    else:
                        mark(node, inputs, act)
                elif (t in _ADD or t in _SUB or t in _MUL) and len(node.args) == 2 \
                        and all(isinstance(a, Node) for a in node.args) \
                        and node.kwargs.get("alpha", 1) == 1:
                    a, b = node.args
                    if a.meta["val"].dtype != torch.float32 or b.meta["val"].dtype != torch.float32:
                        continue
                    if tuple(a.meta["val"].shape) != tuple(b.meta["val"].shape):
                        self.skipped[node.name] = "operands of different shapes (broadcast)"
                        continue
                    fused = _fused_activation(node) if t in _ADD or t in _SUB else None
                    inputs = {a: act, b: act}
                    if fused is not None:
                        mark(node, inputs, None)
                        mark(fused, {}, act)
                    else:
                        mark(node, inputs, act)
                elif t in _MAXPOOL or t in _AVGPOOL:
                    x = node.args[0]
                    if x.meta["val"].dim() != 4:
                        self.skipped[node.name] = "3-d input (only NCHW pools run int8)"
                        continue
                    if t in _AVGPOOL and (len(node.args) > 6 and node.args[6] is not None):
                        self.skipped[node.name] = "divisor_override"
                        continue
                    if t in _MAXPOOL and (len(node.args) > 4 and list(node.args[4]) != [1, 1]):
                        self.skipped[node.name] = "dilated max pool"
                        continue
                    if t in _MAXPOOL and len(node.args) > 5 and node.args[5]:
                        self.skipped[node.name] = "max pool with ceil_mode"
                        continue
                    mark(node, {x: act}, SharedQuantizationSpec((x, node)))
                elif t in _PAD:
                    x = node.args[0]
                    mode = node.args[2] if len(node.args) > 2 and t == _aten.pad.default \
                        else node.kwargs.get("mode", "constant")
                    value = (node.args[3] if len(node.args) > 3 else None) \
                        if t == _aten.pad.default else (node.args[2] if len(node.args) > 2 else 0)
                    pads = list(node.args[1])
                    if mode != "constant" or (value or 0) != 0 or x.meta["val"].dim() != 4 \
                            or len(pads) not in (2, 4) or min(pads) < 0:
                        self.skipped[node.name] = "a pad other than zeros around H and W"
                        continue
                    mark(node, {x: act}, SharedQuantizationSpec((x, node)))
                elif t in _GLOBAL_POOL:
                    x = node.args[0]
                    if x.meta["val"].dim() != 4 or list(node.args[1]) != [1, 1]:
                        self.skipped[node.name] = "adaptive average pool to a size other " \
                                                  "than (1, 1)"
                        continue
                    node.meta["ember_input_hw"] = tuple(x.meta["val"].shape[2:])
                    mark(node, {x: act}, SharedQuantizationSpec((x, node)))
                elif t in _SOFTMAX:
                    x = node.args[0]
                    dim = node.args[1]
                    if dim not in (-1, x.meta["val"].dim() - 1):
                        self.skipped[node.name] = "softmax over a dimension other than the last"
                        continue
                    mark(node, {x: act}, softmax_out)
                elif t in _TABLE:
                    x = node.args[0]
                    if not isinstance(x, Node) or x.meta["val"].dtype != torch.float32 or \
                            any(isinstance(a, Node) for a in node.args[1:]):
                        continue
                    mark(node, {x: act}, act)
                elif t in _SHARE:
                    x = node.args[0]
                    if isinstance(x, Node) and done(x) or (
                            isinstance(x, Node) and _activation_range(x) is not None
                            and done(x)):
                        mark(node, {x: act}, SharedQuantizationSpec((x, node)))
            return model

        def validate(self, model: GraphModule) -> None:
            pass

    return EmberQuantizer


# -- the report ---------------------------------------------------------------------------

@dataclass
class QuantReport:
    """What ember.export(quantize="int8") made of each op: `int8` rows name the ExecuTorch
    Cortex-M operator each group became; `float32` rows say why an op stayed float."""

    # (model line, aten op, the int8 op it runs as)
    int8: list[tuple[str, str, str]] = field(default_factory=list)
    # (model line, aten op, why it stays float32)
    float32: list[tuple[str, str, str]] = field(default_factory=list)
    samples: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"calibration_samples": self.samples,
                "int8": [dict(source=n, op=o, runs_as=r) for n, o, r in self.int8],
                "float32": [dict(source=n, op=o, why=w) for n, o, w in self.float32]}

    def lines(self) -> list[str]:
        out = [f"int8 quantization ({self.samples} calibration samples): {len(self.int8)} ops "
               f"int8, {len(self.float32)} float32"]
        for n, o, r in self.int8:
            out.append(f"  int8     {o:<28} as {r:<40} {n}")
        for n, o, w in self.float32:
            out.append(f"  float32  {o:<28} {w}: {n}")
        return out


# -- the rewrite --------------------------------------------------------------------------

_qd = None


def _qd_ops():
    global _qd
    if _qd is None:
        q = torch.ops.quantized_decomposed
        _qd = dict(
            q=(q.quantize_per_tensor.default,),
            dq=(q.dequantize_per_tensor.default,),
            dq_channel=(q.dequantize_per_channel.default,),
        )
    return _qd


def _is(node: Any, kind: str) -> bool:
    return isinstance(node, Node) and node.op == "call_function" and node.target in _qd_ops()[kind]


def _qparams(node: Node) -> tuple[float, int]:
    """(scale, zero point) of a per-tensor quantize / dequantize node."""
    return float(node.args[1]), int(node.args[2])


def _clamp_q(v: float, scale: float, zp: int) -> int:
    if math.isinf(v):
        return 127 if v > 0 else -128
    return max(-128, min(127, zp + round(v / scale)))


class _Rewriter:
    def __init__(self, gm: GraphModule, report: QuantReport) -> None:
        self.gm = gm
        self.g = gm.graph
        self.report = report
        self.count = 0
        self.at: Optional[Node] = None  # the node being rewritten: new constants go before it

    def const(self, tensor: torch.Tensor, base: str) -> Node:
        name = f"_ember_q_{base}_{self.count}"
        self.count += 1
        self.gm.register_buffer(name, tensor.contiguous())
        with self.g.inserting_before(self.at):
            return self.g.get_attr(name)

    def param(self, node: Node) -> torch.Tensor:
        """The value of a get_attr node (a folded int8 / int32 constant)."""
        obj = self.gm
        for part in str(node.target).split("."):
            obj = getattr(obj, part)
        return obj

    def weight(self, node: Any) -> Optional[tuple[torch.Tensor, torch.Tensor]]:
        """(int values, per-channel or per-tensor scales) of a dequantized constant."""
        if _is(node, "dq_channel") and _is_param(node.args[0]):
            return self.param(node.args[0]), torch.as_tensor(self.param(node.args[1])
                                                             if _is_param(node.args[1])
                                                             else node.args[1]).double()
        if _is(node, "dq") and _is_param(node.args[0]):
            return self.param(node.args[0]), torch.tensor([float(node.args[1])],
                                                          dtype=torch.float64)
        return None

    @staticmethod
    def output_q(node: Node) -> tuple[Optional[Node], Optional[tuple[float, float]], list]:
        """The quantize node after `node` (through one fused activation), the activation's
        float range, and the nodes between (to erase)."""
        between = []
        rng = None
        cur = node
        users = list(cur.users)
        if len(users) == 1 and _activation_range(users[0]) is not None:
            rng = _activation_range(users[0])
            between.append(users[0])
            cur = users[0]
            users = list(cur.users)
        if len(users) == 1 and _is(users[0], "q") and int(users[0].args[3]) == -128 \
                and int(users[0].args[4]) == 127 and users[0].args[5] == torch.int8:
            return users[0], rng, between
        return None, None, []

    @staticmethod
    def input_dq(node: Any) -> Optional[Node]:
        if _is(node, "dq") and node.args[5] == torch.int8 and not _is_param(node.args[0]):
            return node
        return None

    def replace(self, anchor: Node, q_out: Node, between: list, name: str, args: tuple,
                shape: Optional[list] = None, how: str = "") -> None:
        """The group anchor .. q_out becomes one op; `shape`: viewed to it after."""
        with self.g.inserting_before(q_out):
            new = self.g.call_function(_CM[name], args)
            result = new if shape is None else self.g.call_function(_aten.view.default,
                                                                     (new, shape))
        new.meta["ember_cm"] = name
        if shape is not None:
            new.meta["ember_hw1"] = True  # (M, N, 1, 1): either layout, the same bytes
        for key in ("stack_trace", "nn_module_stack"):  # errors and reports name the model line
            if key in anchor.meta:
                new.meta[key] = anchor.meta[key]
        q_out.replace_all_uses_with(result)
        for n in [q_out, *reversed(between), anchor]:
            self.g.erase_node(n)
        self.report.int8.append((_where(anchor), _op_name(anchor.target),
                                 f"cortex_m::{name}{how}"))

    def act_range(self, rng, oscale, ozp) -> tuple[int, int]:
        if rng is None:
            return -128, 127
        return _clamp_q(rng[0], oscale, ozp), _clamp_q(rng[1], oscale, ozp)

    # one group per anchor op
    def conv_or_linear(self, node: Node) -> Optional[str]:
        x = self.input_dq(node.args[0])
        w = self.weight(node.args[1])
        bias_node = node.args[2] if len(node.args) > 2 else None
        q_out, rng, between = self.output_q(node)
        if x is None or w is None or q_out is None:
            return "its input, weight or output is not quantized int8"
        bias = None
        if bias_node is not None:
            b = self.weight(bias_node)
            if b is None or b[0].dtype != torch.int32:
                return "its bias is not quantized int32"
            bias = b[0].to(torch.int32)
        wq, wscale = w
        if wq.dtype != torch.int8:
            return "its weight is not int8"
        iscale, izp = _qparams(x)
        oscale, ozp = _qparams(q_out)
        lo, hi = self.act_range(rng, oscale, ozp)
        if node.target in _LINEAR:
            # per output channel: ExecuTorch's quantized_linear takes one multiplier, its 1x1
            # convolution one per channel: (M, K) viewed as (M, K, 1, 1), whose channels-last
            # bytes are the same
            out_shape = list(node.meta["val"].shape)
            k, n = wq.shape[1], wq.shape[0]
            m = 1
            for d in out_shape[:-1]:
                m *= d
            mults, shifts = zip(*(quantize_multiplier(iscale * float(s) / oscale) for s in wscale))
            with self.g.inserting_before(node):
                flat = self.g.call_function(_aten.view.default, (x.args[0], [m, k, 1, 1]))
            flat.meta["ember_hw1"] = True
            args = (flat, self.const(wq.reshape(n, 1, 1, k), "w"),
                    None if bias is None else self.const(bias, "b"), [1, 1], [0, 0], [1, 1], -izp,
                    ozp, self.const(torch.tensor(mults, dtype=torch.int32), "mult"),
                    self.const(torch.tensor(shifts, dtype=torch.int32), "shift"), lo, hi,
                    self.const(torch.zeros(0, dtype=torch.int8), "scratch"))
            self.replace(node, q_out, between, "quantized_conv2d", args, shape=out_shape,
                         how=" (1x1, per-channel weights)")
            return None
        stride = list(node.args[3]) if len(node.args) > 3 else [1, 1]
        padding = list(node.args[4]) if len(node.args) > 4 else [0, 0]
        dilation = list(node.args[5]) if len(node.args) > 5 else [1, 1]
        groups = node.args[6] if len(node.args) > 6 else 1
        stride, padding, dilation = ([v[0]] * 2 if len(v) == 1 else v
                                     for v in (stride, padding, dilation))
        cout = wq.shape[0]
        scales = wscale.expand(cout) if wscale.numel() == 1 else wscale
        mults, shifts = zip(*(quantize_multiplier(iscale * float(s) / oscale) for s in scales))
        mults_t = self.const(torch.tensor(mults, dtype=torch.int32), "mult")
        shifts_t = self.const(torch.tensor(shifts, dtype=torch.int32), "shift")
        scratch = self.const(torch.zeros(0, dtype=torch.int8), "scratch")
        cin = wq.shape[1] * groups
        if groups != 1:  # depthwise: OIHW [cout, 1, kh, kw] -> [1, kh, kw, cout]
            if bias is None:
                bias = torch.zeros(cout, dtype=torch.int32)
            args = (x.args[0], self.const(wq.permute(1, 2, 3, 0), "w"), self.const(bias, "b"),
                    stride, padding, dilation, cout // cin, -izp, ozp, mults_t, shifts_t, lo, hi,
                    scratch)
            self.replace(node, q_out, between, "quantized_depthwise_conv2d", args)
        else:  # OIHW -> OHWI
            args = (x.args[0], self.const(wq.permute(0, 2, 3, 1), "w"),
                    None if bias is None else self.const(bias, "b"), stride, padding, dilation,
                    -izp, ozp, mults_t, shifts_t, lo, hi, scratch)
            self.replace(node, q_out, between, "quantized_conv2d", args)
        return None

    def add_or_mul(self, node: Node) -> Optional[str]:
        a, b = (self.input_dq(v) for v in node.args)
        q_out, rng, between = self.output_q(node)
        if a is None or b is None or q_out is None:
            return "its operands or output are not quantized int8"
        (s1, z1), (s2, z2), (so, zo) = _qparams(a), _qparams(b), _qparams(q_out)
        if node.target in _MUL:
            mult, shift = quantize_multiplier(s1 * s2 / so)
            self.replace(node, q_out, between, "quantized_mul",
                         (a.args[0], z1, b.args[0], z2, zo, mult, shift))
            return None
        twice_max = 2 * max(s1, s2)
        m1, sh1 = quantize_multiplier(s1 / twice_max)
        m2, sh2 = quantize_multiplier(s2 / twice_max)
        if node.target in _SUB:  # a - b = a + (-1) b
            m2 = -m2
        mo, sho = quantize_multiplier(twice_max / (so * (1 << _ADD_LEFT_SHIFT)))
        if sho > 0:
            return "the output scale needs a left-shifting requantization (operands cancel)"
        lo, hi = self.act_range(rng, so, zo)
        self.replace(node, q_out, between, "quantized_add",
                     (a.args[0], z1, m1, sh1, b.args[0], z2, m2, sh2, zo, mo, sho, lo, hi))
        return None

    def pool(self, node: Node) -> Optional[str]:
        x = self.input_dq(node.args[0])
        q_out, rng, between = self.output_q(node)
        if x is None or q_out is None:
            return "its input or output is not quantized int8"
        (si, zi), (so, zo) = _qparams(x), _qparams(q_out)
        if si != so or zi != zo:
            return "input and output quantized differently"
        if node.target in _GLOBAL_POOL:  # adaptive to (1, 1): one window over the whole map
            if rng is not None:
                return "an activation after an average pool"
            h, w = node.meta["ember_input_hw"]
            mult, shift = quantize_multiplier(si)
            self.replace(node, q_out, between, "quantized_avg_pool2d",
                         (x.args[0], [h, w], [h, w], [0, 0], False, zi, mult, shift,
                          self.const(torch.zeros(0, dtype=torch.int8), "scratch")))
            return None
        k = list(node.args[1])
        k = k * 2 if len(k) == 1 else k
        stride = list(node.args[2]) if len(node.args) > 2 and node.args[2] else list(k)
        stride = stride * 2 if len(stride) == 1 else stride
        pad = list(node.args[3]) if len(node.args) > 3 else [0, 0]
        pad = pad * 2 if len(pad) == 1 else pad
        ceil = bool(node.args[4] if node.target in _AVGPOOL else
                    (node.args[5] if len(node.args) > 5 else False)) if len(node.args) > 4 else False
        if node.target in _MAXPOOL:
            lo, hi = self.act_range(rng, so, zo)
            self.replace(node, q_out, between, "quantized_max_pool2d",
                         (x.args[0], k, stride, pad, [1, 1], ceil, zi, zo, lo, hi))
            return None
        count_pad = node.args[5] if len(node.args) > 5 else True
        if rng is not None:
            return "an activation after an average pool"
        src = x.args[0]
        if any(pad) and count_pad:  # the padding counts: zeros (the zero point) made explicit
            if ceil:
                return "ceil_mode with counted padding"
            with self.g.inserting_before(node):
                src = self.g.call_function(_CM["pad"], (src, [0, pad[0], pad[1], 0],
                                                        [0, pad[0], pad[1], 0], zi))
            src.meta["ember_cm"] = "pad"
            pad = [0, 0]
        mult, shift = quantize_multiplier(si)
        self.replace(node, q_out, between, "quantized_avg_pool2d",
                     (src, k, stride, pad, ceil, zi, mult, shift,
                      self.const(torch.zeros(0, dtype=torch.int8), "scratch")))
        return None

    def pad(self, node: Node) -> Optional[str]:
        x = self.input_dq(node.args[0])
        q_out, rng, between = self.output_q(node)
        if x is None or q_out is None or rng is not None or _qparams(x) != _qparams(q_out):
            return "its input or output is not quantized int8"
        pads = list(node.args[1]) + [0, 0]  # (left, right, top, bottom)
        pre, post = [0, pads[2], pads[0], 0], [0, pads[3], pads[1], 0]
        self.replace(node, q_out, between, "pad", (x.args[0], pre, post, _qparams(x)[1]))
        return None

    def softmax(self, node: Node) -> Optional[str]:
        x = self.input_dq(node.args[0])
        q_out, rng, between = self.output_q(node)
        if x is None or q_out is None or rng is not None:
            return "its input or output is not quantized int8"
        so, zo = _qparams(q_out)
        if so != SOFTMAX_SCALE or zo != SOFTMAX_ZERO_POINT:
            return "output not quantized at CMSIS-NN's fixed 1/256, -128"
        si, zi = _qparams(x)
        mult, shift, diff_min = softmax_params(si)
        self.replace(node, q_out, between, "softmax",
                     (x.args[0], -1, zi, zo, mult, shift, diff_min))
        return None

    def table(self, node: Node) -> Optional[str]:
        """A function of one tensor as its table on the int8 grid: entry i is the function of
        the input value (i - 128 - zero point) x scale, quantized to the output as torch's
        quantize does (round half to even), then clamped to a fused activation's range."""
        x = self.input_dq(node.args[0])
        q_out, rng, between = self.output_q(node)
        if x is None or q_out is None:
            return "its input or output is not quantized int8"
        (si, zi), (so, zo) = _qparams(x), _qparams(q_out)
        grid = (torch.arange(-128, 128, dtype=torch.float32) - zi) * si
        target = node.target
        if str(target).endswith("_.default"):  # the in-place form: its out-of-place twin
            target = getattr(_aten, str(target).split(".")[-2].rstrip("_")).default
        y = target(grid, *node.args[1:], **node.kwargs)
        lut = torch.ops.quantized_decomposed.quantize_per_tensor.default(
            y, so, zo, -128, 127, torch.int8)
        lo, hi = self.act_range(rng, so, zo)
        lut = lut.clamp(lo, hi)
        self.replace(node, q_out, between, "quantized_activation",
                     (x.args[0], self.const(lut, "lut")), how=" (a table)")
        return None

    def share(self, node: Node) -> Optional[str]:
        """A view between a dequantize and a quantize of the same parameters: the view on the
        int8 tensor."""
        x = self.input_dq(node.args[0])
        q_out, rng, between = self.output_q(node)
        if x is None or q_out is None or rng is not None or _qparams(x) != _qparams(q_out):
            return "not between equal quantizations"
        with self.g.inserting_before(q_out):
            new = self.g.call_function(node.target, (x.args[0], *node.args[1:]), node.kwargs)
        q_out.replace_all_uses_with(new)
        for n in (q_out, node):
            self.g.erase_node(n)
        return None

    def run(self) -> None:
        for node in list(self.g.nodes):
            if node.op != "call_function" or getattr(node, "_erased", False):
                continue
            t = node.target
            self.at = node
            if t in _CONV or t in _LINEAR:
                why = self.conv_or_linear(node)
            elif t in _ADD or t in _SUB or t in _MUL:
                why = self.add_or_mul(node) if len(node.args) == 2 and all(
                    isinstance(a, Node) for a in node.args) else "an operand is a number"
            elif t in _MAXPOOL or t in _AVGPOOL or t in _GLOBAL_POOL:
                why = self.pool(node)
            elif t in _SOFTMAX:
                why = self.softmax(node)
            elif t in _PAD:
                why = self.pad(node)
            elif t in _TABLE:
                why = self.table(node)
            elif t in _SHARE:
                why = self.share(node)
                if why is None:
                    continue
                why = None  # a float view of a float tensor: nothing to report
            else:
                continue
            if why is not None:
                self.report.float32.append((_where(node), _op_name(t), why))
        for node in reversed(list(self.g.nodes)):  # the dequantizes nothing reads any more
            if node.op == "call_function" and not node.users and (
                    _is(node, "dq") or _is(node, "dq_channel") or _is(node, "q")):
                self.g.erase_node(node)
        self.g.eliminate_dead_code()
        for node in self.g.nodes:  # the boundaries left: Ember's twins, which have out variants
            for kind, name in (("q", "quantize_per_tensor"), ("dq", "dequantize_per_tensor"),
                               ("dq_channel", "dequantize_per_channel")):
                if _is(node, kind):
                    node.target = getattr(torch.ops.ember, f"qd_{name}").default
        self.layouts()
        self.g.lint()
        self.gm.recompile()

    def layouts(self) -> None:
        """Channels-last where the Cortex-M conv and pool ops read and write it: a copy into
        that dim order before each such op whose input is not, and back to contiguous before
        everything else that reads one."""
        cl: set[Node] = set()
        for node in list(self.g.nodes):
            name = node.meta.get("ember_cm")
            if node.meta.get("ember_hw1"):  # (M, C, 1, 1): both layouts hold the same bytes
                continue
            if name is None and node.target is not _CLONE:
                # a float or plain op reading a channels-last int8 tensor
                for inp in list(node.all_input_nodes):
                    if inp in cl:
                        node.replace_input_with(inp, self.clone(inp, node, [0, 1, 2, 3]))
                continue
            if name is None:
                continue
            if name in _CHANNELS_LAST_OPS:
                src = node.args[0]
                if src not in cl:
                    node.replace_input_with(src, self.clone(src, node, [0, 2, 3, 1]))
                cl.add(node)
            elif name == "quantized_activation":  # elementwise: its input's layout
                if node.args[0] in cl:
                    cl.add(node)
            elif name in ("quantized_add", "quantized_mul"):
                a, b = node.args[0], node.args[2 if name == "quantized_mul" else 4]
                if (a in cl) != (b in cl):  # both in one layout
                    cl_one = a if a in cl else b
                    node.replace_input_with(cl_one, self.clone(cl_one, node, [0, 1, 2, 3]))
                elif a in cl:
                    cl.add(node)
            else:  # linear, softmax: contiguous
                src = node.args[0]
                if src in cl:
                    node.replace_input_with(src, self.clone(src, node, [0, 1, 2, 3]))

    def clone(self, src: Node, before: Node, order: list[int]) -> Node:
        with self.g.inserting_before(before):
            return self.g.call_function(_CLONE, (src,), {"dim_order": order})


def _where(node: Node) -> str:
    from .lower import source_of

    return source_of(node)


def _op_name(target: Any) -> str:
    name = getattr(target, "__name__", str(target))
    return "aten." + name if not name.startswith("aten") else name


def _float_ops_left(gm: GraphModule, report: QuantReport, skipped: dict[str, str]) -> None:
    """Float ops the quantizer did not annotate, with the reason it gave or a general one."""
    listed = {n for n, _, _ in report.float32}
    for node in gm.graph.nodes:
        if node.op != "call_function" or _where(node) in listed:
            continue
        t = node.target
        if t is operator.getitem or node.meta.get("ember_cm") or t is _CLONE:
            continue
        if any(t in _qd_ops()[k] for k in ("q", "dq", "dq_channel")):
            continue
        val = node.meta.get("val")
        if not isinstance(val, torch.Tensor) or not val.is_floating_point():
            continue
        if t in _SHARE or t in _RELU or t in _HARDTANH:
            why = skipped.get(node.name, "not after an int8 op")
        else:
            why = skipped.get(node.name, "no int8 form in Ember yet")
        report.float32.append((_where(node), _op_name(t), why))


# -- the stage ----------------------------------------------------------------------------

def _progress(done: int, total: int, force: bool = False) -> None:
    """The calibration bar on stderr (only when it is a terminal, unless forced)."""
    if not (force or sys.stderr.isatty()):
        return
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rcalibrating [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def quantize(model: torch.nn.Module, example_inputs: tuple, calibration: Iterable,
             example_kwargs: Optional[dict] = None, strict: bool = False,
             progress: Any = None) -> tuple[GraphModule, QuantReport]:
    """The model as a GraphModule whose quantized groups are ExecuTorch Cortex-M int8 ops
    (ember::cm_*), calibrated on `calibration`: an iterable of input tuples (or of single
    tensors, for one-input models). `progress` (export's): None draws a bar on a terminal's
    stderr, True on stderr whatever it is, False nothing; a callable is called (done, total)
    after each sample."""
    if callable(progress):
        report_progress = progress
    elif progress is None or isinstance(progress, bool):
        def report_progress(done: int, total: int) -> None:
            if progress is not False:
                _progress(done, total, force=progress is True)
    else:
        raise ExportError(f"progress={progress!r}: pass None (a bar on a terminal), True, False "
                          "or a callable taking (done, total)")
    try:
        from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    except ImportError as e:
        raise ExportError(
            f"quantize='int8' needs torchao ({e}). Remedy: `pip install 'torchao==0.18.*'` "
            "(make setup installs it)") from e
    samples = []
    for s in calibration if calibration is not None else ():
        samples.append(s if isinstance(s, tuple) else (s,))
    if not samples:
        raise ExportError("quantize='int8' needs calibration samples: "
                          "ember.export(model, inputs, quantize='int8', calibration=[...]) "
                          "with a few hundred typical inputs (each a tuple like inputs)")
    report = QuantReport(samples=len(samples))
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                graph = torch.export.export(model, example_inputs, kwargs=example_kwargs,
                                            strict=strict).module()
            except Exception as e:
                raise ExportError(f"torch.export could not trace the model: "
                                  f"{type(e).__name__}: {e}") from e
            for node in list(graph.graph.nodes):  # inference dropout: the identity
                if node.op == "call_function" and node.target == _aten.dropout.default \
                        and not (node.args[2] if len(node.args) > 2 else True):
                    node.replace_all_uses_with(node.args[0])
                    graph.graph.erase_node(node)
            graph.recompile()
            quantizer = _quantizer_class()()
            prepared = prepare_pt2e(graph, quantizer)
            with torch.no_grad():
                for i, s in enumerate(samples):
                    try:
                        prepared(*s, **(example_kwargs or {}))
                    except Exception as e:
                        raise ExportError(
                            f"calibration sample {i} failed in the model: {type(e).__name__}: "
                            f"{e}. Remedy: each sample must be a tuple of inputs shaped like "
                            "example_inputs") from e
                    report_progress(i + 1, len(samples))
            converted = convert_pt2e(prepared)
    finally:
        for m, training in flags:
            m.training = training
    from torchao.quantization.pt2e import allow_exported_model_train_eval

    allow_exported_model_train_eval(converted)  # capture puts it in eval mode
    _Rewriter(converted, report).run()
    _float_ops_left(converted, report, quantizer.skipped)
    return converted, report
