"""export(quantize="int8", target="ethos-u…"): int8 ops handed to an Arm Ethos-U NPU as TOSA
graphs compiled by Vela (python/ember/ethos_u.py, docs/npu.md).

The oracle is TOSA's reference model: each partition's TOSA graph runs on it and the same ops
run on Ember's CPU kernels, on the same random int8 inputs, every op's result compared
(ethos_u.check_partition). No Ethos-U (or its FVP simulator) is available here, so the command
stream Vela writes is checked for its layout only, never executed."""

from __future__ import annotations

import ctypes
import struct

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ember
from ember import ethos_u
from ember.errors import ExportError

U55, U85 = "ethos-u55-128", "ethos-u85-256"


class Net(torch.nn.Module):
    """Every op the NPU path lowers: pad, convolution, depthwise convolution, activation table
    (hardswish), residual add, padded max pool, average pool with ceil mode, linear, softmax."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=0)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.c2 = torch.nn.Conv2d(8, 8, 1)
        self.c3 = torch.nn.Conv2d(8, 16, 3, padding=1)
        self.fc = torch.nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = F.pad(x, (1, 1, 1, 1))
        x = torch.relu(self.c1(x))
        y = F.hardswish(self.dw(x))
        x = y + self.c2(y)
        x = F.max_pool2d(x, 3, 2, padding=1)
        x = F.avg_pool2d(self.c3(x), 3, 2, ceil_mode=True)
        return torch.softmax(self.fc(x.flatten(1)), -1)


def _calibration(shape, n=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(shape, generator=g),) for _ in range(n)]


def _export(model, shape, target, **kw):
    torch.manual_seed(0)
    model = model.eval()
    example = (torch.randn(shape),)
    return ember.export(model, example, quantize="int8", calibration=_calibration(shape),
                        target=target, **kw)


@pytest.fixture(scope="module", params=[U55, U85])
def net(request):
    return _export(Net(), (1, 3, 16, 16), request.param)


def test_every_op_on_the_npu_in_one_delegate(net):
    report = net.npu_report
    cpu = [p for p in report.placements if p.where == "CPU"]
    assert cpu == []
    assert report.npu_ops == 11 and len(report.partitions) == 1
    ops = {p.op for p in report.placements}
    assert {"cortex_m::pad", "cortex_m::quantized_conv2d", "cortex_m::quantized_depthwise_conv2d",
            "cortex_m::quantized_activation", "cortex_m::quantized_add",
            "cortex_m::quantized_max_pool2d", "cortex_m::quantized_avg_pool2d",
            "cortex_m::softmax"} <= ops
    # the file: quantize, the delegate, dequantize
    names = [op["name"] for op in net.report_dict()["ops"]]
    assert names == ["quantized_decomposed::quantize_per_tensor.out", "delegate #0",
                     "quantized_decomposed::dequantize_per_tensor.out"]


def test_partition_equals_the_tosa_reference_model(net):
    """Every op's result, TOSA reference model against Ember's CPU kernels: bit for bit (TOSA's
    RESCALE with DOUBLE_ROUND is CMSIS-NN's high multiply then rounding shift; the softmax is
    CMSIS-NN's fixed-point steps)."""
    part = net.npu_report.partitions[0]
    result = ethos_u.check_partition(part, samples=8)
    print(result)
    assert result["compared"] > 8 * 2000
    assert result["differ"] == 0, result["per_op"]


class Softmax(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = torch.nn.Linear(24, n)

    def forward(self, x):
        return torch.softmax(self.fc(x), -1)


@pytest.mark.parametrize("classes,scale", [(12, 1.0), (100, 4.0), (511, 0.5)])
def test_softmax_rows_bit_exact(classes, scale):
    """The int8 softmax as TOSA ops equals CMSIS-NN's (Ember's CPU kernel) on 64 rows x 4
    samples of random int8 logits, for short and long rows (up to 511 values: 512 and more stay
    on the CPU) and narrow and wide logit scales."""
    model = Softmax(classes)
    with torch.no_grad():
        model.fc.weight.mul_(scale)
    p = _export(model, (64, 24), U55)
    report = p.npu_report
    assert report.npu_ops == 2 and report.cpu_ops == 0  # the linear (a 1x1 convolution), softmax
    result = ethos_u.check_partition(p.npu_report.partitions[0], samples=4)
    assert result["per_op"]["cm_softmax"] == 0 and result["differ"] == 0


def test_long_softmax_stays_on_the_cpu():
    p = _export(Softmax(600), (2, 24), U55)
    (sm,) = [pl for pl in p.npu_report.placements if pl.op == "cortex_m::softmax"]
    assert sm.where == "CPU" and "512 or more" in sm.why


class Split(torch.nn.Module):
    """A multiply (no NPU lowering) between two convolutions: two delegates."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.b = torch.nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        y = torch.relu(self.a(x))
        return self.b(y * y)


def test_an_unsupported_op_splits_the_delegate():
    p = _export(Split(), (1, 3, 8, 8), U55)
    report = p.npu_report
    assert len(report.partitions) == 2
    (mul,) = [pl for pl in report.placements if pl.where == "CPU"]
    assert mul.op == "cortex_m::quantized_mul" and "multiply" in mul.why
    assert "test_ethos_u.py" in mul.source
    calls = [op["name"] for op in p.report_dict()["ops"]]
    assert calls == ["quantized_decomposed::quantize_per_tensor.out", "delegate #0",
                     "cortex_m::quantized_mul.out", "delegate #1",
                     "quantized_decomposed::dequantize_per_tensor.out"]
    text = p.report()
    assert "NPU #0" in text and "NPU #1" in text and "CPU     cortex_m::quantized_mul" in text
    for part in report.partitions:
        assert ethos_u.check_partition(part)["differ"] == 0


def _blocks(blob: bytes):
    """The named blocks of a vela_bin_stream, checking the framing on the way."""
    out, at = [], 0
    while at < len(blob):
        assert at % 16 == 0
        name, length, external, reserved = struct.unpack_from("<16sIB11s", blob, at)
        assert external == 0 and reserved == b"\0" * 11
        at += 32
        out.append((name.rstrip(b"\0").decode(), blob[at:at + length]))
        at += length + (-length % 16)
    assert at == len(blob)
    return out


def test_blob_is_a_vela_bin_stream(net):
    part = net.npu_report.partitions[0]
    blocks = dict(_blocks(part.blob))
    assert [n for n, _ in _blocks(part.blob)] == [
        "vela_bin_stream", "cmd_data", "weight_data", "scratch_size", "inputs", "outputs",
        "vela_end_stream"]
    assert len(blocks["cmd_data"]) == part.cmd_bytes > 0
    assert len(blocks["weight_data"]) == part.weight_bytes > 0
    assert struct.unpack("<I", blocks["scratch_size"])[0] == part.scratch_bytes
    for key, tensors in (("inputs", part.inputs), ("outputs", part.outputs)):
        data = blocks[key]
        (count,) = struct.unpack_from("<i", data)
        assert count == len(tensors) and len(data) == 4 + 36 * count
        for i, t in enumerate(tensors):
            *shape, elem, offset, region = struct.unpack_from("<9i", data, 4 + 36 * i)
            assert int(np.prod(shape)) == t.meta["val"].numel() and elem == 1
            assert 0 <= offset and offset + int(np.prod(shape)) <= part.scratch_bytes
            assert region == 1  # Vela's scratch region


def test_blob_equals_executorchs_writer(net):
    """ExecuTorch's Arm backend compiles the same TOSA graph with the same Vela flags into the
    same bytes: its Ethos-U runtime reads Ember's delegate as its own."""
    arm_vela = pytest.importorskip("executorch.backends.arm.arm_vela")
    compile_spec = pytest.importorskip("executorch.backends.arm.ethosu.compile_spec")
    part = net.npu_report.partitions[0]
    target = net.npu_report.target
    flags = list(compile_spec.EthosUCompileSpec(target).compiler_flags)
    theirs = arm_vela.vela_compile(part.tosa, flags).processed_bytes
    assert theirs == part.blob


INVOKE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                          ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_size_t),
                          ctypes.c_int)


def _io(blob: bytes, key: str):
    data = dict(_blocks(blob))[key]
    (count,) = struct.unpack_from("<i", data)
    return [struct.unpack_from("<9i", data, 4 + 36 * i) for i in range(count)]


@pytest.mark.parametrize("model,shape", [(Net, (1, 3, 16, 16)), (Split, (1, 3, 8, 8))])
def test_file_runs_with_the_tosa_reference_model_as_the_npu(model, shape):
    """The exported file end to end on Ember's runtime, with a driver (ember_ethos_u_set_driver)
    that runs each delegate's TOSA graph on TOSA's reference model: it reads the inputs from
    scratch where Vela put them and writes the outputs back. The result equals the same model
    exported for the CPU, bit for bit: the runtime's delegate (regions, offsets, layouts) and
    the export agree, and the NPU's arithmetic (as TOSA defines it) is the CPU's."""
    import tosa_reference_model

    from ember import runtime as rt

    torch.manual_seed(0)
    m = model().eval()
    npu = _export(m, shape, U55)
    cpu = ember.export(m, (torch.randn(shape),), quantize="int8", calibration=_calibration(shape))
    parts = {dict(_blocks(p.blob))["cmd_data"]: p for p in npu.npu_report.partitions}
    calls = []

    def invoke(user, cmd, cmd_bytes, bases, sizes, regions):
        try:
            part = parts[ctypes.string_at(cmd, cmd_bytes)]
            scratch = bases[1]
            ins = []
            for rec, a, order in zip(_io(part.blob, "inputs"), part.inputs, part.in_orders):
                n = int(np.prod(rec[:6]))
                raw = np.frombuffer(ctypes.string_at(scratch + rec[7], n), dtype=np.int8)
                ins.append(raw.reshape(ethos_u.physical(tuple(a.meta["val"].shape), order)))
            outs, status = tosa_reference_model.run(part.tosa, ins)
            assert "VALID" in str(status)
            for rec, out in zip(_io(part.blob, "outputs"), outs):
                data = np.asarray(out).astype(np.int8).tobytes()
                assert len(data) == int(np.prod(rec[:6])) and rec[7] + len(data) <= sizes[1]
                ctypes.memmove(scratch + rec[7], data, len(data))
            calls.append(part.index)
            return 0
        except Exception as e:  # a failed delegate, seen by the test below
            print("driver:", e)
            return 1

    lib = rt._library()
    lib.ember_ethos_u_set_driver.argtypes = [INVOKE, ctypes.c_void_p]
    lib.ember_ethos_u_set_driver.restype = None
    hook = INVOKE(invoke)
    lib.ember_ethos_u_set_driver(hook, None)
    try:
        g = torch.Generator().manual_seed(5)
        for _ in range(3):
            x = torch.randn(shape, generator=g) * 1.5
            got = ember.load(npu.buffer, threads=1).run(x)
            want = ember.load(cpu.buffer, threads=1).run(x)
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    finally:
        lib.ember_ethos_u_set_driver(INVOKE(), None)
    assert calls == [p.index for _ in range(3) for p in npu.npu_report.partitions]


def test_report(net):
    d = net.report_dict()["npu"]
    assert d["target"] == net.npu_report.target and d["npu_ops"] == 11 and d["cpu_ops"] == 0
    (part,) = d["partitions"]
    assert part["estimates"]["cycles_total"] > 0 and part["scratch_bytes"] > 0
    text = net.report()
    assert "11 of 11 ops on the NPU (100.0%) in 1 delegate(s)" in text
    assert "Vela estimates" in text and "no Ethos-U ran here" in text


def test_refusals():
    m = Net().eval()
    x = torch.randn(1, 3, 16, 16)
    with pytest.raises(ExportError, match="quantize='int8'"):
        ember.export(m, (x,), target=U55)
    with pytest.raises(ExportError, match="ethos-u55-128"):
        ember.export(m, (x,), quantize="int8", calibration=_calibration(x.shape), target="npu")


def test_missing_tools_are_named(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tosa_serializer", None)
    with pytest.raises(ExportError, match="pip install tosa-tools"):
        _export(Split(), (1, 3, 8, 8), U55)


def test_an_op_vela_refuses_goes_to_the_cpu(monkeypatch):
    """When Vela cannot place an op Ember lowered, export finds it (each op compiled alone) and
    keeps it on the CPU with Vela's reason: here max pools are lowered with an identity
    BITWISE_XOR, which the U55 lacks."""
    ts = pytest.importorskip("tosa_serializer")
    original = ethos_u._TosaBuilder._pool

    def pool_with_xor(self, node, is_max):
        original(self, node, is_max)
        if not is_max:
            return
        shape = self.phys(node)
        wide = self.rescale(self.names[node], shape, [1 << 30], [1], 0, 0, ts.DType.INT8,
                            ts.DType.INT32)
        attr = ts.TosaSerializerAttribute()
        attr.BitwiseXorAttribute()
        zero = self.const(np.zeros([1] * len(shape), dtype=np.int32), ts.DType.INT32, "zero")
        x = self.op(ts.Op.BITWISE_XOR, [wide, zero], shape, ts.DType.INT32, attr)
        self.names[node] = self.rescale(x, shape, [1 << 30], [1], 0, 0, ts.DType.INT32,
                                        ts.DType.INT8)

    monkeypatch.setattr(ethos_u._TosaBuilder, "_pool", pool_with_xor)
    p = _export(Net(), (1, 3, 16, 16), U55)
    (cpu,) = [pl for pl in p.npu_report.placements if pl.where == "CPU"]
    assert cpu.op == "cortex_m::quantized_max_pool2d"
    assert "Vela does not place it on the ethos-u55-128" in cpu.why and "Xor" in cpu.why
    assert len(p.npu_report.partitions) == 2
    for part in p.npu_report.partitions:
        assert ethos_u.check_partition(part)["differ"] == 0
