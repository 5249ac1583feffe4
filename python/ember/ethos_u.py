"""Stage 3b, delegate: hands the int8 parts of a quantized program to an Arm Ethos-U NPU
(`ember.export(..., quantize="int8", target="ethos-u55-128")`, docs/npu.md).

    the int8 graph (quantize.py's cortex_m ops) → which ops the NPU takes (and why not the
    others) → connected groups of them (partitions) → one TOSA 1.0 graph per partition
    (TOSA-1.0+INT) → Arm's Vela compiles it into an Ethos-U command stream and weights for the
    chosen NPU → a DelegateCall to `EthosUBackend` whose blob is ExecuTorch's `vela_bin_stream`

What the NPU does not take stays on Ember's int8 (or float) CPU kernels, between the delegate
calls. The blob layout is the one ExecuTorch's Arm backend writes and its Ethos-U runtime reads
(named blocks, 16-byte aligned: cmd_data, weight_data, scratch_size, inputs, outputs), so that
runtime can run Ember's file, and Ember's (backends/ethos_u) runs ExecuTorch's.

The TOSA graph works on the bytes Ember's tensors hold: a convolution's NCHW-shaped int8 tensor
stored channels-last is a TOSA NHWC tensor with no transpose. Each cortex_m op becomes the TOSA
ops of its arithmetic (CMSIS-NN's): a convolution is CONV2D (int32 sums) then RESCALE by the
op's per-channel multiplier and shift then CLAMP; an add rescales both operands to int32, adds
and rescales back; an activation table is TABLE. TOSA's RESCALE rounds once where CMSIS-NN
rounds twice (a high multiply, then a shift), and TOSA's average pool rounds the mean through a
reciprocal: at exact ties the NPU's int8 result may differ from the CPU's by one
(tests/python/test_ethos_u.py measures it against TOSA's reference model).

Needs the `ethos-u-vela` and `tosa-tools` packages at export time (scripts/setup.sh installs
them); running the file needs neither.
"""

from __future__ import annotations

import csv
import io
import operator
import os
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch

from .errors import ExportError

BACKEND_ID = "EthosUBackend"
TARGETS = ("ethos-u55-32", "ethos-u55-64", "ethos-u55-128", "ethos-u55-256",
           "ethos-u85-128", "ethos-u85-256", "ethos-u85-512", "ethos-u85-1024", "ethos-u85-2048")
# Vela's system configuration and memory mode per NPU family (its Arm/vela.ini), as ExecuTorch's
# Arm flow picks them: a U55 shares SRAM with the CPU and reads weights from flash; a U85 here
# runs everything from SRAM with DRAM behind it.
SYSTEMS = {"u55": ("Ethos_U55_High_End_Embedded", "Shared_Sram"),
           "u85": ("Ethos_U85_SYS_DRAM_Mid", "Sram_Only")}
TOSA_PROFILE = "TOSA-1.0+INT"

_BLOCK_ALIGN = 16
# What the blob takes from Vela's raw output (its variable_* arrays are Python objects).
_VELA_KEYS = ("cmd_data", "weight_data", "scratch", "input_", "output_")
_IO_DIMS = 6  # Vela's inputs and outputs are 6-D

# quantize.py's ops by their file names (lower.FILE_OP_NAMES), and the layout-only ops.
_CONV = "cortex_m::quantized_conv2d"
_DWCONV = "cortex_m::quantized_depthwise_conv2d"
_ADD = "cortex_m::quantized_add"
_MAXPOOL = "cortex_m::quantized_max_pool2d"
_AVGPOOL = "cortex_m::quantized_avg_pool2d"
_PAD = "cortex_m::pad"
_TABLE = "cortex_m::quantized_activation"
_SOFTMAX = "cortex_m::softmax"
_CLONE = "dim_order_ops::_clone_dim_order"
_VIEWS = {"aten::view", "aten::reshape", "aten::_unsafe_view", "aten::squeeze", "aten::unsqueeze",
          "aten::flatten"}
_COMPUTE = {_CONV, _DWCONV, _ADD, _MAXPOOL, _AVGPOOL, _PAD, _TABLE, _SOFTMAX}
# Why an int8 op of quantize.py's stays on the CPU (every target).
_CPU_ONLY = {
    "cortex_m::quantized_mul": "Ember lowers no int8 multiply to TOSA yet",
}


def _file_name(node: torch.fx.Node) -> str:
    from .lower import file_op_name

    schema = getattr(node.target, "_schema", None)
    return file_op_name(schema.name) if schema is not None else ""


def _val(node: Any) -> Optional[torch.Tensor]:
    v = node.meta.get("val") if isinstance(node, torch.fx.Node) else None
    return v if isinstance(v, torch.Tensor) else None


def dim_order(node: torch.fx.Node, orders: dict[torch.fx.Node, tuple[int, ...]]) -> tuple[int, ...]:
    """The dim order Ember's file gives what `node` writes, () for contiguous (the lowerer's
    rule, lower.int8_dim_order, its operands' orders from `orders`): the partition's TOSA
    tensors must hold the bytes the file's tensors do."""
    from .lower import int8_dim_order

    val = _val(node)
    return int8_dim_order(node, val.dim() if val is not None else 0,
                          lambda arg: orders.get(arg, ()))


def physical(shape: tuple[int, ...], order: tuple[int, ...]) -> list[int]:
    """A tensor's sizes in the order its bytes run."""
    return [int(shape[d]) for d in order] if order else [int(s) for s in shape]


# -- which ops the NPU takes ------------------------------------------------------------------


def _ints(v: Any) -> list[int]:
    return [int(x) for x in v] if isinstance(v, (list, tuple)) else [int(v)]


def _why_not(node: torch.fx.Node, target: str, constant: set[torch.fx.Node]) -> Optional[str]:
    """None if the NPU takes `node` (Vela's constraints for the target, as far as Ember checks
    them here: Vela itself is asked too, see _compile); else why not."""
    name = _file_name(node)
    val = _val(node)
    u55 = target.startswith("ethos-u55")
    if name in _CPU_ONLY:
        return _CPU_ONLY[name]
    if name == _SOFTMAX:
        x = _val(node.args[0])
        if x is None or int(node.args[1]) not in (-1, x.dim() - 1) or int(node.args[3]) != -128:
            return "softmax over another dim than the last, or to another output zero point"
        if int(x.shape[-1]) >= 512:
            return ("softmax over 512 or more values: CMSIS-NN's final shift then reaches 32 "
                    "bits, beyond TOSA's shifts")
        return None
    if val is None or val.dtype != torch.int8:
        return "not an int8 op: the NPU runs the int8 parts (quantize the model: quantize='int8')"
    if name in _VIEWS or name == _CLONE:
        src = node.args[0]
        if _val(src) is None or _val(src).dtype != torch.int8:
            return "not an int8 op"
        return None
    if name not in _COMPUTE:
        return f"no Ethos-U lowering for {name or node.target}"
    if any(_val(a) is not None and _val(a).dim() > 4 for a in node.args if isinstance(a, torch.fx.Node)):
        return "rank above 4"
    if name in (_CONV, _DWCONV):
        w = _val(node.args[1])
        kh, kw = (w.shape[1], w.shape[2])
        stride, dil = _ints(node.args[3]), _ints(node.args[5])
        if node.args[1] not in constant or (node.args[2] is not None and node.args[2] not in constant):
            return "weights or bias computed at run time (the NPU takes constant weights)"
        if u55 and max(stride) > 3:
            return f"stride {stride}: Ethos-U55 takes strides up to 3"
        if max(stride) > 3 and not (stride[0] == stride[1] and kh == kw == 1 or max(stride) <= 3):
            return f"stride {stride} above 3"
        if (kh - 1) * dil[0] + 1 > 64 or (kw - 1) * dil[1] + 1 > 64:
            return "kernel (with dilation) above 64 x 64"
        if name == _DWCONV and int(node.args[6]) != 1 and _val(node.args[0]).shape[1] != 1:
            return "depthwise multiplier above 1 on more than one input channel"
        return None
    if name in (_MAXPOOL, _AVGPOOL):
        k, s = _ints(node.args[1]), _pool_strides(node)
        if name == _MAXPOOL and _ints(node.args[4]) != [1, 1]:
            return "dilated max pool"
        if max(s) > 3:
            return f"pool stride {s} above 3"
        if k[0] * k[1] > (65536 if name == _MAXPOOL else 256 * 256) or max(k) > 256:
            return f"pool window {k} too large"
        return None
    if name == _ADD:
        a, b = _val(node.args[0]), _val(node.args[4])
        if a is None or b is None or tuple(a.shape) != tuple(b.shape):
            return "add of operands of different shapes (broadcast)"
        if int(node.args[2]) < 0 or int(node.args[6]) < 0:
            return "subtraction (a negative operand multiplier): TOSA's RESCALE takes none"
        return None
    if name == _PAD:
        return None
    if name == _TABLE:
        if node.args[1] not in constant:
            return "activation table computed at run time"
        return None
    return f"no Ethos-U lowering for {name}"


# -- TOSA ---------------------------------------------------------------------------------------


def _ts() -> Any:
    try:
        import tosa_serializer
    except ImportError as e:
        raise ExportError(
            "target='ethos-u…' needs the tosa-tools package (TOSA serializer). Remedy: "
            "pip install tosa-tools==2026.5.0 ethos-u-vela==5.1.0 (scripts/setup.sh does)") from e
    return tosa_serializer


@dataclass
class Partition:
    """One group of ops the NPU runs: its nodes in graph order, the tensors it reads and
    writes (graph nodes), and once compiled its TOSA graph, blob and Vela's estimates."""

    index: int
    nodes: list[torch.fx.Node]
    inputs: list[torch.fx.Node] = field(default_factory=list)
    outputs: list[torch.fx.Node] = field(default_factory=list)
    tosa: bytes = b""
    blob: bytes = b""
    estimates: dict[str, float] = field(default_factory=dict)
    scratch_bytes: int = 0
    cmd_bytes: int = 0
    weight_bytes: int = 0
    in_orders: list[tuple[int, ...]] = field(default_factory=list)   # the inputs' dim orders
    out_orders: list[tuple[int, ...]] = field(default_factory=list)
    check: Optional["_Check"] = None  # what check_partition compares

    @property
    def compute_ops(self) -> int:
        return sum(_file_name(n) in _COMPUTE for n in self.nodes)


class _TosaBuilder:
    """Writes one partition as a TOSA 1.0 graph, each tensor in the byte order Ember stores
    it in (its physical sizes)."""

    def __init__(self, constants: dict[torch.fx.Node, torch.Tensor],
                 orders: dict[torch.fx.Node, tuple[int, ...]]) -> None:
        self.ts = _ts()
        self.g = self.ts.TosaSerializer("", targetMajor=1, targetMinor=0, targetPatch=0,
                                        targetDraft=False)
        self.constants = constants
        self.orders = orders
        self.names: dict[torch.fx.Node, str] = {}
        self.inputs: list[torch.fx.Node] = []
        self.count = 0

    # tensors ------------------------------------------------------------------------------
    def _fresh(self, what: str) -> str:
        self.count += 1
        return f"t{self.count}_{what}"

    def const(self, values: np.ndarray, dtype: Any, what: str) -> str:
        name = self._fresh(what)
        self.g.addConst(list(values.shape), dtype, values, name=name)
        return name

    def scalar(self, v: int, dtype: Any, what: str) -> str:
        np_dtype = {self.ts.DType.INT8: np.int8, self.ts.DType.INT16: np.int16,
                    self.ts.DType.INT32: np.int32}[dtype]
        return self.const(np.array([v], dtype=np_dtype), dtype, what)

    def shape_const(self, shape: list[int]) -> str:
        name = self._fresh("shape")
        self.g.addConst([len(shape)], self.ts.DType.SHAPE, shape, name=name)
        return name

    def intermediate(self, shape: list[int], dtype: Any) -> str:
        return self.g.addIntermediate(list(shape), dtype).name

    def op(self, kind: Any, inputs: list[str], shape: list[int], dtype: Any,
           attr: Optional[Any] = None, out: Optional[str] = None) -> str:
        if out is None:
            out = self.intermediate(shape, dtype)
        self.g.addOperator(kind, inputs, [out], attr or self.ts.TosaSerializerAttribute())
        return out

    def phys(self, node: torch.fx.Node) -> list[int]:
        return physical(tuple(_val(node).shape), self.orders.get(node, ()))

    def input(self, node: torch.fx.Node) -> None:
        name = f"input_{len(self.inputs)}"
        self.g.addInputTensor(self.ts.TosaSerializerTensor(name, self.phys(node),
                                                           self.ts.DType.INT8, data=None))
        self.names[node] = name
        self.inputs.append(node)

    def output(self, node: torch.fx.Node) -> None:
        self.g.addOutputTensor(self.g.currRegion.currBasicBlock.tensors[self.names[node]])

    def reshape(self, src: str, shape: list[int], out: Optional[str] = None) -> str:
        attr = self.ts.TosaSerializerAttribute()
        attr.ReshapeAttribute()
        return self.op(self.ts.Op.RESHAPE, [src, self.shape_const(shape)], shape,
                       self.ts.DType.INT8, attr, out)

    def relayout(self, node: torch.fx.Node, want_order: tuple[int, ...]) -> str:
        """`node`'s tensor with its bytes in `want_order` (dims of its logical shape): itself,
        a RESHAPE when only size-1 dims move, else a TRANSPOSE."""
        have = self.orders.get(node, ()) or tuple(range(_val(node).dim()))
        want = want_order or tuple(range(_val(node).dim()))
        shape = tuple(_val(node).shape)
        src = self.names[node]
        if have == want:
            return src
        target = physical(shape, want)
        if [d for d in have if shape[d] != 1] == [d for d in want if shape[d] != 1]:
            return self.reshape(src, target)
        attr = self.ts.TosaSerializerAttribute()
        attr.TransposeAttribute([have.index(d) for d in want])
        return self.op(self.ts.Op.TRANSPOSE, [src], target, self.ts.DType.INT8, attr)

    def nhwc(self, node: torch.fx.Node) -> str:
        """A logical NCHW int8 tensor as a TOSA NHWC tensor."""
        return self.relayout(node, (0, 2, 3, 1))

    def cropped(self, node: torch.fx.Node, crop: list[int]) -> str:
        """`node` as NHWC without its last crop[0] rows and crop[1] columns (read by no
        window)."""
        src = self.nhwc(node)
        if not any(crop):
            return src
        n, c, h, w = (int(v) for v in _val(node).shape)
        shape = [n, h - crop[0], w - crop[1], c]
        attr = self.ts.TosaSerializerAttribute()
        attr.SliceAttribute()
        return self.op(self.ts.Op.SLICE, [src, self.shape_const([0, 0, 0, 0]), self.shape_const(shape)],
                       shape, self.ts.DType.INT8, attr)

    def finish(self, node: torch.fx.Node, nhwc_result: str, nhwc_shape: list[int]) -> None:
        """Records the NHWC result of `node`, reshaped to the physical sizes Ember gives it (the
        same bytes: a channels-last op's result whose H and W are 1 is stored contiguous)."""
        want = self.phys(node)
        self.names[node] = nhwc_result if want == nhwc_shape else self.reshape(nhwc_result, want)

    def rescale(self, src: str, shape: list[int], mults: list[int], shifts: list[int],
                in_zp: int, out_zp: int, in_dtype: Any, out_dtype: Any) -> str:
        """TOSA RESCALE by CMSIS-NN multipliers (Q31) and shifts (left-positive): TOSA's shift
        is 31 - shift (a right shift of the 64-bit product)."""
        ts = self.ts
        tshifts = [31 - s for s in shifts]
        if any(not 2 <= s <= 62 for s in tshifts):
            raise _Unsupported(f"a requantization shift outside TOSA's range ({shifts})")
        attr = ts.TosaSerializerAttribute()
        attr.RescaleAttribute(True, ts.RoundingMode.DOUBLE_ROUND, len(mults) > 1, False, False)
        ins = [self.const(np.array(mults, dtype=np.int32), ts.DType.INT32, "mult"),
               self.const(np.array(tshifts, dtype=np.int8), ts.DType.INT8, "shift"),
               self.scalar(in_zp, in_dtype, "in_zp"), self.scalar(out_zp, out_dtype, "out_zp")]
        return self.op(ts.Op.RESCALE, [src] + ins, shape, out_dtype, attr)

    def clamp(self, src: str, shape: list[int], lo: int, hi: int) -> str:
        if lo <= -128 and hi >= 127:
            return src
        ts = self.ts
        attr = ts.TosaSerializerAttribute()
        attr.ClampAttribute(list(np.array([max(lo, -128)], dtype=np.int8).tobytes()),
                            list(np.array([min(hi, 127)], dtype=np.int8).tobytes()),
                            ts.NanPropagationMode.PROPAGATE)
        return self.op(ts.Op.CLAMP, [src], shape, ts.DType.INT8, attr)

    def tensor(self, node: Any) -> torch.Tensor:
        return self.constants[node]

    # ops ----------------------------------------------------------------------------------
    def lower(self, node: torch.fx.Node) -> None:
        name = _file_name(node)
        ts = self.ts
        if name in _VIEWS:
            src = node.args[0]
            have = self.orders.get(src, ())
            if have and have != tuple(range(_val(src).dim())):
                # a view of a channels-last tensor: its logical order first
                s = self.relayout(src, tuple(range(_val(src).dim())))
            else:
                s = self.names[src]
            out = self.reshape(s, [int(x) for x in _val(node).shape])
            self.names[node] = out
            if self.orders.get(node, ()):
                raise _Unsupported("a view producing a channels-last tensor")
            return
        if name == _CLONE:
            self.names[node] = self.relayout(node.args[0], self.orders.get(node, ()))
            return
        if name in (_CONV, _DWCONV):
            self._conv(node, name == _DWCONV)
        elif name in (_MAXPOOL, _AVGPOOL):
            self._pool(node, name == _MAXPOOL)
        elif name == _ADD:
            self._add(node)
        elif name == _PAD:
            self._pad(node)
        elif name == _SOFTMAX:
            self._softmax(node)
        elif name == _TABLE:
            x = node.args[0]
            lut = self.tensor(node.args[1]).numpy().astype(np.int8)
            attr = ts.TosaSerializerAttribute()
            attr.TableAttribute()
            shape = self.phys(x)
            self.names[node] = self.op(ts.Op.TABLE, [self.names[x], self.const(lut, ts.DType.INT8, "lut")],
                                       shape, ts.DType.INT8, attr)
        else:  # _why_not let nothing else in
            raise _Unsupported(f"no lowering for {name}")

    def _conv(self, node: torch.fx.Node, depthwise: bool) -> None:
        ts = self.ts
        a = node.args
        x, w_node, b_node = a[0], a[1], a[2]
        stride, pad, dil = _ints(a[3]), _ints(a[4]), _ints(a[5])
        k = 6 if not depthwise else 7
        in_off, out_off = int(a[k]), int(a[k + 1])
        mult_node, shift_node, lo, hi = a[k + 2], a[k + 3], int(a[k + 4]), int(a[k + 5])
        n, c, h, wd = (int(s) for s in _val(x).shape)
        w = self.tensor(w_node).numpy().astype(np.int8)
        out = _val(node)
        oc, oh, ow = int(out.shape[1]), int(out.shape[2]), int(out.shape[3])
        kh, kw = w.shape[1], w.shape[2]
        pads, crop = _exact_pads(h, wd, kh, kw, stride, pad, dil, oh, ow)
        bias = (self.tensor(b_node).numpy().astype(np.int32) if b_node is not None
                else np.zeros(oc, dtype=np.int32))
        attr = ts.TosaSerializerAttribute()
        if depthwise:
            mult = oc // c
            weights = w.reshape(kh, kw, c, mult)  # 1HWO → HWCM: the same bytes
            attr.DepthwiseConv2dAttribute(pads, stride, dil, False, ts.DType.INT32)
            kind = ts.Op.DEPTHWISE_CONV2D
        else:
            weights = w  # OHWI
            attr.Conv2dAttribute(pads, stride, dil, False, ts.DType.INT32)
            kind = ts.Op.CONV2D
        shape = [n, oh, ow, oc]
        acc = self.op(kind, [self.cropped(x, crop), self.const(weights, ts.DType.INT8, "w"),
                             self.const(bias, ts.DType.INT32, "bias"),
                             self.scalar(-in_off, ts.DType.INT8, "x_zp"),
                             self.scalar(0, ts.DType.INT8, "w_zp")], shape, ts.DType.INT32, attr)
        mults = [int(v) for v in self.tensor(mult_node).tolist()]
        shifts = [int(v) for v in self.tensor(shift_node).tolist()]
        if not -128 <= out_off <= 127:
            raise _Unsupported(f"output zero point {out_off} outside int8")
        y = self.rescale(acc, shape, mults, shifts, 0, out_off, ts.DType.INT32, ts.DType.INT8)
        self.finish(node, self.clamp(y, shape, lo, hi), shape)

    def _pool(self, node: torch.fx.Node, is_max: bool) -> None:
        ts = self.ts
        a = node.args
        x = a[0]
        k, s, p = _ints(a[1]), _pool_strides(node), _ints(a[3])
        n, c, h, wd = (int(v) for v in _val(x).shape)
        out = _val(node)
        oh, ow = int(out.shape[2]), int(out.shape[3])
        pads, crop = _exact_pads(h, wd, k[0], k[1], s, p, [1, 1], oh, ow)
        shape = [n, oh, ow, c]
        attr = ts.TosaSerializerAttribute()
        if is_max:
            lo, hi = int(a[8]), int(a[9])
            if int(a[6]) != int(a[7]):
                raise _Unsupported("max pool that changes the zero point")
            attr.MaxPool2dAttribute(k, s, pads, ts.NanPropagationMode.PROPAGATE)
            y = self.op(ts.Op.MAX_POOL2D, [self.cropped(x, crop)], shape, ts.DType.INT8, attr)
            y = self.clamp(y, shape, lo, hi)
        else:
            # CMSIS-NN averages the raw int8 values (its zero point passes through): TOSA's
            # average with both zero points 0 is the same mean, rounded its own way.
            attr.AvgPool2dAttribute(k, s, pads, ts.DType.INT32)
            zp = self.scalar(0, ts.DType.INT8, "zp")
            y = self.op(ts.Op.AVG_POOL2D, [self.cropped(x, crop), zp, self.scalar(0, ts.DType.INT8, "zp")],
                        shape, ts.DType.INT8, attr)
        self.finish(node, y, shape)

    def _add(self, node: torch.fx.Node) -> None:
        ts = self.ts
        a = node.args
        x, y = a[0], a[4]
        order = self.orders.get(node, ())
        xs, ys = self.relayout(x, order), self.relayout(y, order)
        shape = self.phys(node)
        # CMSIS-NN: requantize((v - zp) << 20, m, s); the << 20 is 20 more bits of TOSA shift
        wide = []
        for src, zp, m, sh in ((xs, int(a[1]), int(a[2]), int(a[3])), (ys, int(a[5]), int(a[6]), int(a[7]))):
            if not -128 <= zp <= 127:
                raise _Unsupported(f"operand zero point {zp} outside int8")
            wide.append(self.rescale(src, shape, [m], [sh + 20], zp, 0, ts.DType.INT8, ts.DType.INT32))
        attr = ts.TosaSerializerAttribute()
        attr.AddAttribute()
        total = self.op(ts.Op.ADD, wide, shape, ts.DType.INT32, attr)
        out_zp, lo, hi = int(a[8]), int(a[11]), int(a[12])
        r = self.rescale(total, shape, [int(a[9])], [int(a[10])], 0, out_zp, ts.DType.INT32, ts.DType.INT8)
        self.names[node] = self.clamp(r, shape, lo, hi)

    def _int32(self, kind: Any, ins: list[str], shape: list[int], attr: Any) -> str:
        return self.op(kind, ins, shape, self.ts.DType.INT32, attr)

    def _i32(self, v: int, rank: int, what: str) -> str:
        return self.const(np.full([1] * rank, v, dtype=np.int32), self.ts.DType.INT32, what)

    def _binary(self, kind: str, a: str, b: str, shape: list[int], shift: Optional[int] = None) -> str:
        ts = self.ts
        attr = ts.TosaSerializerAttribute()
        if kind == "MUL":
            attr.MulAttribute()
            sh = self.const(np.array([shift or 0], dtype=np.int8), ts.DType.INT8, "mul_shift")
            return self._int32(ts.Op.MUL, [a, b, sh], shape, attr)
        if kind == "ASR":
            attr.ArithmeticRightShiftAttribute(bool(shift))
            return self._int32(ts.Op.ARITHMETIC_RIGHT_SHIFT, [a, b], shape, attr)
        op, setup = {"ADD": (ts.Op.ADD, attr.AddAttribute),
                     "SUB": (ts.Op.SUB, attr.SubAttribute),
                     "LSL": (ts.Op.LOGICAL_LEFT_SHIFT, attr.LogicalLeftShiftAttribute),
                     "MIN": (ts.Op.MINIMUM, lambda: attr.MinimumAttribute(
                         ts.NanPropagationMode.PROPAGATE))}[kind]
        setup()
        return self._int32(op, [a, b], shape, attr)

    def _softmax(self, node: torch.fx.Node) -> None:
        """CMSIS-NN's int8 softmax (op_qsoftmax.c) in TOSA integer ops, step for step: e^d of
        each difference d = x - max (d in [-255, 0]) comes from two 16-bit TABLE lookups (its
        high and low halves, computed here by the same fixed-point steps); the sum, its
        leading zeros, the Newton-Raphson reciprocal and the rounding shifts are TOSA's MUL
        (shift 31: CMSIS-NN's doubling high multiply), ARITHMETIC_RIGHT_SHIFT (rounding:
        its divide by a power of two, for the non-negative values here) and friends."""
        ts = self.ts
        x = node.args[0]
        mult, shift, diff_min = int(node.args[4]), int(node.args[5]), int(node.args[6])
        shape = self.phys(x)
        rank = len(shape)
        row = shape[:-1] + [1]
        red = ts.TosaSerializerAttribute()
        red.ReduceMaxAttribute(rank - 1, ts.NanPropagationMode.PROPAGATE)
        src = self.names[x]
        m = self.op(ts.Op.REDUCE_MAX, [src], row, ts.DType.INT8, red)
        one = [1 << 30]
        xi = self.rescale(src, shape, one, [1], 0, 0, ts.DType.INT8, ts.DType.INT32)
        mi = self.rescale(m, row, one, [1], 0, 0, ts.DType.INT8, ts.DType.INT32)
        mi1 = self._binary("SUB", mi, self._i32(127, rank, "c127"), row)
        dm1 = self._binary("SUB", xi, mi1, shape)  # d + 127 in [-128, 127]
        # 256 (d + 127) as int16: TABLE's index 2 (d + 255), its fraction 0
        v16 = self.rescale(dm1, shape, [1 << 30], [9], 0, 0, ts.DType.INT32, ts.DType.INT16)
        hi, lo = _softmax_tables(mult, shift, diff_min)
        tab = ts.TosaSerializerAttribute()
        tab.TableAttribute()
        t_hi = self.op(ts.Op.TABLE, [v16, self.const(hi, ts.DType.INT16, "exp_hi")], shape,
                       ts.DType.INT32, tab)
        tab = ts.TosaSerializerAttribute()
        tab.TableAttribute()
        t_lo = self.op(ts.Op.TABLE, [v16, self.const(lo, ts.DType.INT16, "exp_lo")], shape,
                       ts.DType.INT32, tab)
        # e = (hi << 16) + (lo - 32768) + 32768; the tables hold hi and lo - 32768, shifted by 7
        e = self._binary("ADD", self._binary("LSL", t_hi, self._i32(9, rank, "nine"), shape),
                         self._binary("ASR", t_lo, self._i32(7, rank, "seven"), shape), shape)
        e = self._binary("ADD", e, self._i32(32768, rank, "half16"), shape)
        s12 = self._binary("ASR", e, self._i32(12, rank, "accum"), shape, shift=1)
        sattr = ts.TosaSerializerAttribute()
        sattr.ReduceSumAttribute(rank - 1)
        total = self._int32(ts.Op.REDUCE_SUM, [s12], row, sattr)
        cattr = ts.TosaSerializerAttribute()
        cattr.ClzAttribute()
        headroom = self._int32(ts.Op.CLZ, [total], row, cattr)
        shifted = self._binary("LSL", total, headroom, row)  # its top bit set: sum >= 2^19
        half = self._i32(1 << 30, rank, "two30")
        v = self._binary("ADD", self._binary("ADD", shifted, half, row), half, row)  # - 2^31
        half_den = self._binary("ADD", self._binary("ASR", v, self._i32(1, rank, "one"), row),
                                half, row)
        xr = self._binary("ADD", self._binary("MUL", half_den, self._i32(-1010580540, rank, "c1"),
                                              row, 31), self._i32(1515870810, rank, "c0"), row)
        for _ in range(3):
            dx = self._binary("MUL", half_den, xr, row, 31)
            t = self._binary("MUL", xr, self._binary("SUB", self._i32(1 << 29, rank, "one29"), dx, row),
                             row, 31)
            xr = self._binary("ADD", xr, self._binary("MUL", t, self._i32(4, rank, "four"), row, 0), row)
        # x * 2 saturated: x + min(x, 2^30 - 1) (x reaches 2^30 when the sum is a power of two)
        scale = self._binary("ADD", self._binary("MIN", xr, self._i32(1 << 30, rank, "cap"), row),
                             self._binary("MIN", xr, self._i32((1 << 30) - 1, rank, "cap1"), row), row)
        bits = self._binary("SUB", self._i32(35, rank, "bits"), headroom, row)
        prod = self._binary("MUL", e, scale, shape, 31)
        y = self._binary("ASR", prod, bits, shape, shift=1)
        self.names[node] = self.rescale(y, shape, [1 << 30], [1], 0, -128, ts.DType.INT32, ts.DType.INT8)

    def _pad(self, node: torch.fx.Node) -> None:
        ts = self.ts
        x = node.args[0]
        pre, post, value = _ints(node.args[1]), _ints(node.args[2]), int(node.args[3])
        have = physical(tuple(_val(x).shape), self.orders.get(x, ()))
        rank = len(have)
        if rank < 4:  # pad reads rank < 4 with 1s in front
            pre, post = pre[4 - rank:], post[4 - rank:]
        pads = [v for pair in zip(pre, post) for v in pair]
        want = self.phys(node)
        attr = ts.TosaSerializerAttribute()
        attr.PadAttribute()
        pad_shape = self.shape_const(pads)
        pv = self.const(np.array([value], dtype=np.int8), ts.DType.INT8, "pad_value")
        self.names[node] = self.op(ts.Op.PAD, [self.names[x], pad_shape, pv], want,
                                   ts.DType.INT8, attr)


def _wrap32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _mul_sat(a: int, b: int) -> int:
    """CMSIS-NN's doubling high multiply (op_qsoftmax.c: mul_sat)."""
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    p = a * b + ((1 - (1 << 30)) if (a < 0) != (b < 0) else (1 << 30))
    q = abs(p) >> 31
    return q if p >= 0 else -q


def _div_pow2(v: int, e: int) -> int:
    mask = (1 << e) - 1
    rem = v & mask
    q = v >> e
    threshold = (mask >> 1) + (1 if q < 0 else 0)
    return q + 1 if rem > threshold else q


def _exp_on_negative(v: int) -> int:
    """CMSIS-NN's e^x for x <= 0 (Q5.26 in, Q0.31 out), as op_qsoftmax.c computes it."""
    factors = (1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242)
    quarter = _wrap32((v & ((1 << 24) - 1)) - (1 << 24))
    remainder = _wrap32(quarter - v)
    x = _wrap32((quarter << 5) + (1 << 28))
    x2 = _mul_sat(x, x)
    inner = _div_pow2(_wrap32(_mul_sat(_wrap32(_div_pow2(_mul_sat(x2, x2), 2) + _mul_sat(x2, x)),
                                       715827883) + x2), 1)
    result = _wrap32(1895147668 + _mul_sat(1895147668, _wrap32(x + inner)))
    for k in range(7):
        if remainder & (1 << (24 + k)):
            result = _mul_sat(result, factors[k])
    return (1 << 31) - 1 if v == 0 else result


def _softmax_tables(mult: int, shift: int, diff_min: int) -> tuple[np.ndarray, np.ndarray]:
    """The 513-entry int16 TABLEs giving e(d) = exp_on_negative(mul_sat(d 2^shift, mult)) (0
    below diff_min) at index 2 (d + 255): its high 16 bits and its low 16 bits minus 32768.
    Each value is stored twice: TABLE interpolates towards the next entry (by a fraction of 0
    here) and wants that step to fit 16 bits."""
    hi = np.zeros(513, dtype=np.int16)
    lo = np.full(513, -32768, dtype=np.int16)
    for i in range(256):
        d = i - 255
        e = _exp_on_negative(_mul_sat(_wrap32(d << shift), mult)) if d >= diff_min else 0
        hi[2 * i:2 * i + 2], lo[2 * i:2 * i + 2] = e >> 16, (e & 0xFFFF) - 32768
    hi[512], lo[512] = hi[511], lo[511]
    return hi, lo


class _Unsupported(Exception):
    """A node the TOSA lowering cannot take after all: it goes back to the CPU."""

    node: Any = None


def _tosa(inputs: list[torch.fx.Node], nodes: list[torch.fx.Node], outputs: list[torch.fx.Node],
          constants: dict[torch.fx.Node, torch.Tensor],
          orders: dict[torch.fx.Node, tuple[int, ...]]) -> bytes:
    """The TOSA graph of `nodes` reading `inputs` and returning `outputs`."""
    b = _TosaBuilder(constants, orders)
    for a in inputs:
        b.input(a)
    for n in nodes:
        try:
            b.lower(n)
        except _Unsupported as e:
            e.node = n
            raise
    for o in outputs:
        b.output(o)
    return b.g.serialize()


@dataclass
class _Check:
    """A partition's oracle pair: its TOSA graph and the same ops as an Ember program, both
    returning every op's result."""

    tosa: bytes
    program: bytes
    in_orders: list[tuple[int, ...]]
    out_orders: list[tuple[int, ...]]
    names: list[str]


def _pool_strides(node: torch.fx.Node) -> list[int]:
    """A pool's strides, 1 along a dim with one output (one window: the stride is unused; a
    global average pool's equals its kernel, more than the NPU takes)."""
    out, s = _val(node), _ints(node.args[2])
    return [1 if int(out.shape[2 + i]) == 1 else s[i] for i in range(2)]


def _exact_pads(h: int, w: int, kh: int, kw: int, stride: list[int], pad: list[int],
                dil: list[int], oh: int, ow: int) -> tuple[list[int], list[int]]:
    """TOSA's [top, bottom, left, right] for PyTorch's symmetric padding, and how many trailing
    rows and columns of the input to drop: TOSA wants the padded extent to end exactly on the
    last window, so the trailing pad shrinks (or grows, for a pool's ceil mode) to give
    PyTorch's output size, and what no window reads is cut off."""
    pads, crop = [], []
    for size, k, s, p, d, o in ((h, kh, stride[0], pad[0], dil[0], oh), (w, kw, stride[1], pad[1], dil[1], ow)):
        span = (k - 1) * d + 1
        after = (o - 1) * s + span - size - p  # padding the last window needs past the end
        if p < 0 or after > max(p, s - 1 + p) or size + min(after, 0) < 1:
            raise _Unsupported(f"padding {pad} does not give the output size")
        pads += [p, max(after, 0)]
        crop.append(max(-after, 0))
    return pads, crop


# -- Vela -------------------------------------------------------------------------------------


def _vela_config() -> str:
    try:
        import ethosu.vela  # noqa: F401
    except ImportError as e:
        raise ExportError(
            "target='ethos-u…' needs Arm's Vela compiler. Remedy: pip install "
            "ethos-u-vela==5.1.0 tosa-tools==2026.5.0 (scripts/setup.sh does)") from e
    import ethosu.vela

    root = os.path.dirname(os.path.dirname(os.path.abspath(ethosu.vela.__file__)))
    return os.path.join(root, "config_files", "Arm", "vela.ini")


def vela_args(target: str) -> list[str]:
    family = "u55" if target.startswith("ethos-u55") else "u85"
    system, memory = SYSTEMS[family]
    return [f"--accelerator-config={target}", f"--config={_vela_config()}",
            "--output-format=raw", f"--system-config={system}", f"--memory-mode={memory}"]


def _vela(tosa: bytes, target: str) -> tuple[dict[str, Any], dict[str, str], str]:
    """Compiles a TOSA graph; returns Vela's raw output arrays, its summary row and its log."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "part.tosa")
        with open(path, "wb") as f:
            f.write(tosa)
        out_dir = os.path.join(tmp, "out")
        cmd = [sys.executable, "-m", "ethosu.vela", *vela_args(target),
               f"--output-dir={out_dir}", path]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        log = proc.stdout + proc.stderr
        npz = os.path.join(out_dir, "part_vela.npz")
        if proc.returncode != 0 or not os.path.exists(npz):
            raise _VelaRefused(f"Vela could not compile a partition for {target}:\n{log[-2000:]}",
                               _vela_reason(log))
        # Vela's own output, just written here: some of its arrays are Python objects
        with np.load(npz, allow_pickle=True) as d:
            arrays = {k: d[k] for k in d.files if k.startswith(_VELA_KEYS)}
        summary: dict[str, str] = {}
        for name in os.listdir(out_dir):
            if name.endswith(".csv") and "summary" in name:
                with open(os.path.join(out_dir, name)) as f:
                    rows = list(csv.reader(f))
                summary = dict(zip(rows[0], rows[1]))
        return arrays, summary, log


class _VelaRefused(ExportError):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _vela_reason(log: str) -> str:
    """The last error line of Vela's output (what it could not do)."""
    lines = [ln.strip() for ln in log.splitlines() if "Error" in ln or "could not" in ln]
    return lines[-1] if lines else (log.strip().splitlines() or ["(no message)"])[-1]


def _probe(node: torch.fx.Node, constants: dict[torch.fx.Node, torch.Tensor],
           orders: dict[torch.fx.Node, tuple[int, ...]], target: str) -> Optional[str]:
    """None if Vela compiles `node` alone for `target`, else its reason."""
    inputs = [a for a in node.all_input_nodes if a not in constants]
    try:
        _vela(_tosa(inputs, [node], [node], constants, orders), target)
    except _VelaRefused as e:
        return e.reason
    except _Unsupported as e:
        return str(e)
    return None


def _pad16(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % _BLOCK_ALIGN)


def _io_block(arrays: dict[str, Any], prefix: str) -> bytes:
    shapes = arrays[prefix + "_shape"]
    out = struct.pack("<i", len(shapes))
    for i, shape in enumerate(shapes):
        dims = [int(v) for v in shape]
        if len(dims) != _IO_DIMS:
            raise ExportError(f"Vela wrote a {len(dims)}-D {prefix} shape (6-D expected)")
        out += struct.pack("<9i", *dims, int(arrays[prefix + "_elem_size"][i]),
                           int(arrays[prefix + "_offset"][i]), int(arrays[prefix + "_region"][i]))
    return out


def vela_bin_stream(arrays: dict[str, Any]) -> bytes:
    """Vela's raw output as the blob ExecuTorch's Ethos-U runtime reads: named blocks, each a
    16-byte NUL-padded name, its length (int32), a flag byte (0: the data is here), 11 zero
    bytes, then the data padded to 16 bytes."""
    blocks = [
        ("vela_bin_stream", b""),
        ("cmd_data", arrays["cmd_data"].tobytes()),
        ("weight_data", arrays["weight_data"].tobytes()),
        ("scratch_size", struct.pack("<I", int(np.asarray(arrays["scratch_shape"]).ravel()[0]))),
        ("inputs", _io_block(arrays, "input")),
        ("outputs", _io_block(arrays, "output")),
        ("vela_end_stream", b""),
    ]
    out = b""
    for name, data in blocks:
        out += struct.pack("<16sIB11s", name.encode(), len(data), 0, b"\0" * 11) + _pad16(data)
    return out


# -- the pass ---------------------------------------------------------------------------------


@dataclass
class Placement:
    """Where one op of the int8 program runs."""

    node: str
    op: str
    where: str  # "NPU" or "CPU"
    why: str = ""
    partition: int = -1
    source: str = ""


@dataclass
class NpuReport:
    """What export(target=...) did: each op's placement, each partition's Vela estimates and
    the memory the firmware must provide."""

    target: str
    system_config: str
    memory_mode: str
    placements: list[Placement] = field(default_factory=list)
    partitions: list[Partition] = field(default_factory=list)

    @property
    def npu_ops(self) -> int:
        return sum(p.where == "NPU" for p in self.placements if p.op not in _LAYOUT_NAMES)

    @property
    def cpu_ops(self) -> int:
        return sum(p.where == "CPU" for p in self.placements if p.op not in _LAYOUT_NAMES)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target, "system_config": self.system_config,
            "memory_mode": self.memory_mode, "npu_ops": self.npu_ops, "cpu_ops": self.cpu_ops,
            "placements": [vars(p) for p in self.placements],
            "partitions": [{"index": p.index, "ops": p.compute_ops, "inputs": len(p.inputs),
                            "outputs": len(p.outputs), "blob_bytes": len(p.blob),
                            "command_stream_bytes": p.cmd_bytes, "weight_bytes": p.weight_bytes,
                            "scratch_bytes": p.scratch_bytes, "estimates": p.estimates}
                           for p in self.partitions],
        }

    def lines(self) -> list[str]:
        total = self.npu_ops + self.cpu_ops
        pct = 100.0 * self.npu_ops / total if total else 0.0
        out = [f"Ethos-U ({self.target}, {self.system_config}, {self.memory_mode}): "
               f"{self.npu_ops} of {total} ops on the NPU ({pct:.1f}%) in "
               f"{len(self.partitions)} delegate(s)"]
        for p in self.placements:
            if p.op in _LAYOUT_NAMES and p.where == "NPU":
                continue
            where = f"NPU #{p.partition}" if p.where == "NPU" else "CPU"
            why = f"  ({p.why})" if p.why else ""
            out.append(f"  {where:<7} {p.op:<40} {p.source}{why}")
        for part in self.partitions:
            e = part.estimates
            out.append(
                f"  delegate #{part.index}: {part.compute_ops} ops; command stream {part.cmd_bytes} B "
                f"and weights {part.weight_bytes} B read in place from the program, scratch "
                f"{part.scratch_bytes} B (in the method's bookkeeping memory); Vela estimates "
                f"{int(e.get('cycles_total', 0))} cycles ({e.get('inference_time', 0) * 1e6:.1f} us "
                f"at {e.get('core_clock', 0) / 1e6:.0f} MHz), SRAM {e.get('sram_memory_used', 0):.1f} "
                f"KiB, off-chip flash {e.get('off_chip_flash_memory_used', 0):.1f} KiB, DRAM "
                f"{e.get('dram_memory_used', 0):.1f} KiB")
        out.append("  (Vela's estimates: no Ethos-U ran here; the command stream is checked by "
                   "nothing but the NPU itself)")
        return out


_LAYOUT_NAMES = _VIEWS | {_CLONE, "quantized_decomposed::quantize_per_tensor",
                          "quantized_decomposed::dequantize_per_tensor"}


class EthosUCall:
    """The graph node standing for one compiled partition (lower.py writes a DelegateCall):
    never called in Python."""

    __name__ = "ethos_u_delegate"

    def __init__(self, partition: Partition, in_orders: list[tuple[int, ...]],
                 out_orders: list[tuple[int, ...]]) -> None:
        self.backend_id = BACKEND_ID
        self.blob = partition.blob
        self.compile_specs: list[tuple[str, bytes]] = []
        self.in_dim_orders = in_orders
        self.out_dim_orders = out_orders
        self.partition = partition.index

    def __call__(self, *args: Any) -> Any:
        raise RuntimeError("an Ethos-U delegate runs on the NPU, not in Python")

    def __repr__(self) -> str:
        return f"ethos_u_delegate_{self.partition}"


def _constants(exported: torch.export.ExportedProgram) -> dict[torch.fx.Node, torch.Tensor]:
    """Every graph node that is a constant tensor (a parameter, buffer, lifted constant or a
    folded get_attr), with its data."""
    from torch.export.graph_signature import InputKind

    kinds = {s.arg.name: s for s in exported.graph_signature.input_specs}
    out: dict[torch.fx.Node, torch.Tensor] = {}
    for node in exported.graph.nodes:
        if node.op == "placeholder":
            spec = kinds.get(node.name)
            if spec is not None and spec.kind in (InputKind.PARAMETER, InputKind.BUFFER,
                                                  InputKind.CONSTANT_TENSOR):
                t = exported.state_dict.get(spec.target)
                if t is None:
                    t = exported.constants.get(spec.target)
                if isinstance(t, torch.Tensor):
                    out[node] = t.detach()
        elif node.op == "get_attr":
            t = getattr(exported.graph_module, str(node.target), None)
            if isinstance(t, torch.Tensor):
                out[node] = t.detach()
    return out


def _groups(nodes: list[torch.fx.Node], ok: set[torch.fx.Node]) -> list[list[torch.fx.Node]]:
    """Connected groups of `ok` nodes, none of which reaches itself through a node outside it
    (a partition runs as one call: nothing it feeds may feed it)."""
    from torch.fx.passes.infra.partitioner import CapabilityBasedPartitioner
    from torch.fx.passes.operator_support import OperatorSupportBase

    class Support(OperatorSupportBase):
        def is_node_supported(self, submodules: Any, node: torch.fx.Node) -> bool:
            return node in ok

    gm = nodes[0].graph.owning_module
    parts = CapabilityBasedPartitioner(gm, Support(), allows_single_node_partition=True) \
        .propose_partitions()
    order = {n: i for i, n in enumerate(nodes)}
    groups = [sorted(p.nodes, key=order.__getitem__) for p in parts]
    return sorted(groups, key=lambda g: order[g[0]])


def delegate(exported: torch.export.ExportedProgram, target: str) -> NpuReport:
    """Replaces each group of NPU-able int8 ops of `exported` with one EthosUCall node (its
    compiled blob), in place; returns the report."""
    from .lower import source_of

    if target not in TARGETS:
        raise ExportError(f"target={target!r}: Ember compiles for the Ethos-U NPUs "
                          f"{', '.join(TARGETS)} (or target=None for the CPU)")
    _ts()
    _vela_config()
    family = "u55" if target.startswith("ethos-u55") else "u85"
    report = NpuReport(target, *SYSTEMS[family])
    graph = exported.graph
    constants = _constants(exported)
    nodes = list(graph.nodes)
    orders: dict[torch.fx.Node, tuple[int, ...]] = {}
    for n in nodes:
        if n.op == "call_function":
            orders[n] = dim_order(n, orders)

    refused: dict[torch.fx.Node, str] = {}
    calls = [n for n in nodes if n.op == "call_function" and _file_name(n)]
    constant_nodes = set(constants)
    why_not = {n: _why_not(n, target, constant_nodes) for n in calls}
    while True:
        ok = {n for n in calls if n not in refused and why_not[n] is None}
        groups = [g for g in _groups(nodes, ok) if any(_file_name(n) in _COMPUTE for n in g)] if ok else []
        parts: list[Partition] = []
        retry = False
        for g in groups:
            try:
                part = _compile(g, len(parts), constants, orders, target, refused)
            except _VelaRefused:
                # Vela refused something Ember lowered: find which op, alone, it refuses, put
                # that on the CPU and partition again
                reasons = {n: _probe(n, constants, orders, target)
                           for n in g if _file_name(n) in _COMPUTE}
                culprits = {n: why for n, why in reasons.items() if why is not None}
                if not culprits:
                    raise
                for n, why in culprits.items():
                    refused[n] = f"Vela does not place it on the {target}: {why}"
                part = None
            if part is None:  # a node went back to the CPU: partition again
                retry = True
                break
            parts.append(part)
        if not retry:
            break

    in_part = {n: p.index for p in parts for n in p.nodes}
    for n in calls:
        name = _file_name(n)
        if n in in_part:
            report.placements.append(Placement(n.name, name, "NPU", "", in_part[n], source_of(n)))
        elif name in _LAYOUT_NAMES:
            continue
        else:
            why = refused.get(n) or why_not[n] or \
                "an int8 op with no NPU op next to it (a partition of layout changes only)"
            report.placements.append(Placement(n.name, name, "CPU", why, -1, source_of(n)))
    for part in parts:
        _replace(exported, part, orders)
    if parts:  # delegate calls go where every input exists (a topological order again)
        from torch.fx.passes.tools_common import legalize_graph

        legalize_graph(exported.graph_module)
    report.partitions = parts
    return report


def _compile(group: list[torch.fx.Node], index: int, constants: dict[torch.fx.Node, torch.Tensor],
             orders: dict[torch.fx.Node, tuple[int, ...]], target: str,
             refused: dict[torch.fx.Node, str]) -> Optional[Partition]:
    """The TOSA graph and Vela blob of one group; None (with the culprit in `refused`) when a
    node cannot be lowered after all."""
    members = set(group)
    part = Partition(index, list(group))
    for n in group:
        for a in n.all_input_nodes:
            if a not in members and a not in constants and a not in part.inputs:
                part.inputs.append(a)
        if any(u not in members for u in n.users):
            part.outputs.append(n)
    for a in part.inputs:
        v = _val(a)
        if v is None or v.dtype != torch.int8:
            refused[next(n for n in group if a in n.all_input_nodes)] = "reads a non-int8 tensor"
            return None
    try:
        part.tosa = _tosa(part.inputs, group, part.outputs, constants, orders)
        # the oracle's pair: every op's result an output (check_partition)
        watched = [n for n in group if _file_name(n) in _COMPUTE]
        watched += [o for o in part.outputs if o not in watched]
        part.check = _Check(_tosa(part.inputs, group, watched, constants, orders),
                            _cpu_program(part.inputs, group, watched, constants, orders),
                            [orders.get(a, ()) for a in part.inputs],
                            [orders.get(o, ()) for o in watched], [o.name for o in watched])
    except _Unsupported as e:
        refused[e.node] = str(e)
        return None
    arrays, summary, log = _vela(part.tosa, target)
    cpu = int(float(summary.get("cpu_operators", 0) or 0)) if summary else 0
    if cpu:
        raise ExportError(f"Vela left {cpu} op(s) of partition {index} on the CPU:\n{log[-1500:]}")
    part.blob = vela_bin_stream(arrays)
    part.in_orders = [orders.get(a, ()) for a in part.inputs]
    part.out_orders = [orders.get(o, ()) for o in part.outputs]
    part.cmd_bytes = int(arrays["cmd_data"].nbytes)
    part.weight_bytes = int(arrays["weight_data"].nbytes)
    part.scratch_bytes = int(np.asarray(arrays["scratch_shape"]).ravel()[0])
    for k, v in summary.items():
        try:
            part.estimates[k] = float(v)
        except ValueError:
            pass
    return part


def _replace(exported: torch.export.ExportedProgram, part: Partition,
             orders: dict[torch.fx.Node, tuple[int, ...]]) -> None:
    """Puts one EthosUCall node in place of the partition's nodes (getitem per output)."""
    graph = exported.graph
    call = EthosUCall(part, [orders.get(a, ()) for a in part.inputs],
                      [orders.get(o, ()) for o in part.outputs])
    with graph.inserting_before(part.nodes[0]):
        node = graph.call_function(call, tuple(part.inputs))
        node.meta["val"] = tuple(_val(o) for o in part.outputs)
        node.meta["stack_trace"] = part.nodes[0].meta.get("stack_trace")
        items = []
        for i, o in enumerate(part.outputs):
            item = graph.call_function(operator.getitem, (node, i))
            item.meta["val"] = _val(o)
            items.append(item)
    for o, item in zip(part.outputs, items):
        o.replace_all_uses_with(item)
    for n in reversed(part.nodes):
        graph.erase_node(n)


# -- the oracle: a partition's TOSA graph against Ember's CPU kernels --------------------------


def _cpu_program(inputs: list[torch.fx.Node], nodes: list[torch.fx.Node],
                 outputs: list[torch.fx.Node], constants: dict[torch.fx.Node, torch.Tensor],
                 orders: dict[torch.fx.Node, tuple[int, ...]]) -> bytes:
    """A .pte of `nodes` alone, run by Ember's CPU kernels: contiguous int8 inputs
    copied into the layouts the partition reads, outputs copied back to contiguous."""
    from types import SimpleNamespace

    from torch.export.graph_signature import (ExportGraphSignature, InputKind, InputSpec,
                                              OutputKind, OutputSpec, TensorArgument)

    from . import ir
    from .emit import emit
    from .lower import lower
    from .plan import plan
    from .quantize import _CLONE

    root = torch.nn.Module()
    g = torch.fx.Graph()
    env: dict[torch.fx.Node, torch.fx.Node] = {}
    specs = []
    for i, a in enumerate(inputs):
        ph = g.placeholder(f"in{i}")
        ph.meta["val"] = _val(a)
        specs.append(InputSpec(InputKind.USER_INPUT, TensorArgument(ph.name), None))
        env[a] = ph
        if orders.get(a, ()):
            c = g.call_function(_CLONE, (ph,), {"dim_order": list(orders[a])})
            c.meta["val"] = _val(a)
            env[a] = c
    for n in nodes:
        for a in n.all_input_nodes:
            if a not in env and a in constants:
                attr = f"c{len(env)}"
                setattr(root, attr, constants[a])
                env[a] = g.get_attr(attr)
        env[n] = g.node_copy(n, lambda x: env[x])
    outs = []
    for o in outputs:
        r = env[o]
        if orders.get(o, ()):
            r = g.call_function(_CLONE, (r,), {"dim_order": list(range(_val(o).dim()))})
            r.meta["val"] = _val(o)
        outs.append(r)
    g.output(tuple(outs))
    gm = torch.fx.GraphModule(root, g)
    sig = ExportGraphSignature(
        input_specs=specs,
        output_specs=[OutputSpec(OutputKind.USER_OUTPUT, TensorArgument(o.name), None)
                      for o in outs])
    ns = SimpleNamespace(graph=g, graph_module=gm, graph_signature=sig, state_dict={},
                         constants={}, call_spec=SimpleNamespace(in_spec=None, out_spec=None))
    table = ir.ConstantTable()
    method = lower(ns, "forward", table)
    plan(method)
    return emit(ir.Program(methods=[method], constants=table))


def check_partition(part: Partition, seed: int = 0, samples: int = 3) -> dict[str, Any]:
    """Runs `part` on random int8 inputs twice: its TOSA graph on TOSA's reference model and
    its ops on Ember's CPU kernels, every op's result compared. Returns how many values were
    compared, how many differ, the largest difference (in int8 steps) and, per op, its
    differing values."""
    import tosa_reference_model

    from .runtime import load

    check = part.check
    program = load(check.program, threads=1)
    rng = np.random.default_rng(seed)
    compared = differ = worst = 0
    per_op = {name: 0 for name in check.names}
    for _ in range(samples):
        ins = [rng.integers(-128, 128, size=tuple(_val(a).shape), dtype=np.int8)
               for a in part.inputs]
        cpu = program.run(*[torch.from_numpy(x) for x in ins], flat=True)
        cpu = [np.asarray(c) for c in (cpu if isinstance(cpu, (list, tuple)) else [cpu])]
        tosa_ins = [np.ascontiguousarray(x.transpose(o) if o else x)
                    for x, o in zip(ins, check.in_orders)]
        outs, status = tosa_reference_model.run(check.tosa, tosa_ins)
        if "VALID" not in str(status):
            raise ExportError(f"TOSA's reference model refused partition {part.index}: {status}")
        for name, order, c, t in zip(check.names, check.out_orders, cpu, outs):
            t = np.frombuffer(np.asarray(t).tobytes(), dtype=np.int8).reshape(
                physical(tuple(c.shape), order))
            if order:
                t = t.transpose(np.argsort(order))
            d = np.abs(c.astype(np.int32) - t.astype(np.int32))
            compared += d.size
            differ += int((d != 0).sum())
            per_op[name] += int((d != 0).sum())
            worst = max(worst, int(d.max()) if d.size else 0)
    return {"partition": part.index, "compared": compared, "differ": differ, "max_diff": worst,
            "per_op": per_op}
