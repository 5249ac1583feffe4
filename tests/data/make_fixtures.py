"""Writes the C runtime tests' fixture programs into tests/data/fixtures/ (checked in, so the C
tests need no Python). Run: .venv/bin/python tests/data/make_fixtures.py

  mlp.pte (+ mlp.input.bin, mlp.expected.bin: raw float32, torch eager's output)
      exported with ember.export from a seeded MLP.
  conv3x3.pte (+ conv3x3.input.bin, conv3x3.expected.bin) the same for two 3x3 convolutions
      (16 -> 32 -> 16 channels, 9x11 input): the kernels that pack weights at load.
  delegate.pte  forward(x: (1,4) f32) = relu(delegate(x)); the delegate's backend is
      "EmberTestScaleBackend" with a 4-byte float blob (-2.0): the C test registers a backend
      computing out = in * scale.
  control_flow.pte  forward(x: (3,) f32, flag: Bool) = relu(x) if flag else neg(x), built from
      JumpFalseCall, MoveCall and FreeCall around two kernels.
  endless_loop.pte  forward(x) = relu(x) in a JumpFalseCall loop that never ends: execute must
      stop with an error instead of hanging.
  borrowed_input.pte  forward(x: (4,) f32, not planned: the caller lends it) = relu(x).
  mutable_input.pte  forward(x: (4,) f32, not planned) = x after relu(x, out=x): the program writes
      the caller's input in place and returns it, which is the one case a lent tensor is an out.
  scalar_index.pte  forward(x: (2, 3) f32, i: Int) = x[i] (select_copy): a kernel reading a scalar
      input, checked again on every execute.
  moved_index.pte  forward(x: (2, 3) f32, flag: Bool) = x[k] where k is 0, or 7 once a MoveCall
      taken when flag is true has replaced it: the move target is checked again before use.

And one file into tests/data/regress/ (a hostile program, refused at load):
  ubsan-tensor-stride-overflow-zero-size__empty_wide.pte  forward(x: (0, 65536, 65536) f32) =
      relu(x): no elements, but sizes whose product (zeros counted as one) passes 2^31, so
      strides would overflow. The fuzzer's file of that class now stops at verification; this
      one reaches the check.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

import ember
from ember import ir
from ember.emit import emit
from ember.plan import plan

OUT = Path(__file__).resolve().parent / "fixtures"
REGRESS = Path(__file__).resolve().parent / "regress"


def mlp() -> None:
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 24), nn.GELU(), nn.Linear(24, 5)).eval()
    x = torch.randn(3, 12)
    ember.export(model, (x,)).save(OUT / "mlp.pte")
    (OUT / "mlp.input.bin").write_bytes(x.numpy().astype("<f4").tobytes())
    with torch.no_grad():
        (OUT / "mlp.expected.bin").write_bytes(model(x).numpy().astype("<f4").tobytes())


def conv3x3() -> None:
    """Two 3x3 stride-1 convolutions (the shape Winograd runs on x86 with packed weights) on an
    odd-sized input, with a relu between (fused at load)."""
    torch.manual_seed(11)
    model = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 16, 3, padding=1)).eval()
    x = torch.randn(1, 16, 9, 11)
    ember.export(model, (x,)).save(OUT / "conv3x3.pte")
    (OUT / "conv3x3.input.bin").write_bytes(x.numpy().astype("<f4").tobytes())
    with torch.no_grad():
        (OUT / "conv3x3.expected.bin").write_bytes(model(x).numpy().astype("<f4").tobytes())


def _write(method: ir.Method, name: str, lend: tuple[int, ...] = (), folder: Path = OUT) -> None:
    """Plans the method, takes the tensors in `lend` back out of the plan (the caller will lend
    their memory), and writes the program as folder/name."""
    plan(method)
    for value in lend:
        t = method.values[value]
        t.mem_id, t.mem_offset = 0, None
    program = ir.Program(methods=[method], constants=ir.ConstantTable())
    (folder / name).write_bytes(emit(program))


def delegate() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (1, 4), name="x"))
    d = m.add(ir.TensorValue(torch.float32, (1, 4), name="delegate_out"))
    y = m.add(ir.TensorValue(torch.float32, (1, 4), name="y"))
    m.inputs, m.outputs = [x], [y]
    m.delegates.append(ir.Delegate("EmberTestScaleBackend", struct.pack("<f", -2.0),
                                   [("offset", struct.pack("<f", 0.0))]))
    m.instructions = [
        ir.DelegateCall(0, [x, d], backend="EmberTestScaleBackend"),
        ir.KernelCall("aten::relu", "out", [d, y, y]),
    ]
    _write(m, "delegate.pte")


def control_flow() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (3,), name="x"))
    flag = m.add(ir.BoolValue(False))
    t_relu = m.add(ir.TensorValue(torch.float32, (3,), name="relu"))
    t_neg = m.add(ir.TensorValue(torch.float32, (3,), name="neg"))
    result = m.add(ir.TensorValue(torch.float32, (3,), name="result"))  # a slot the moves fill
    always_false = m.add(ir.BoolValue(False))
    m.inputs, m.outputs = [x, flag], [result]
    m.instructions = [
        ir.JumpFalseCall(flag, 4),                        # 0: flag false -> else branch
        ir.KernelCall("aten::relu", "out", [x, t_relu, t_relu]),  # 1
        ir.MoveCall(t_relu, result),                      # 2
        ir.JumpFalseCall(always_false, 7),                # 3: unconditional jump to the end
        ir.KernelCall("aten::neg", "out", [x, t_neg, t_neg]),     # 4
        ir.MoveCall(t_neg, result),                       # 5
        ir.FreeCall(t_relu),                              # 6
    ]
    _write(m, "control_flow.pte")


def endless_loop() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (3,), name="x"))
    y = m.add(ir.TensorValue(torch.float32, (3,), name="y"))
    never = m.add(ir.BoolValue(False))
    m.inputs, m.outputs = [x], [y]
    m.instructions = [
        ir.KernelCall("aten::relu", "out", [x, y, y]),
        ir.JumpFalseCall(never, 0),
    ]
    _write(m, "endless_loop.pte")


def borrowed_input() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (4,), name="x"))
    y = m.add(ir.TensorValue(torch.float32, (4,), name="y"))
    m.inputs, m.outputs = [x], [y]
    m.instructions = [ir.KernelCall("aten::relu", "out", [x, y, y])]
    _write(m, "borrowed_input.pte", lend=(x,))


def mutable_input() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (4,), name="x"))
    m.inputs, m.outputs = [x], [x]
    m.instructions = [ir.KernelCall("aten::relu", "out", [x, x, x])]
    _write(m, "mutable_input.pte", lend=(x,))


def scalar_index() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (2, 3), name="x"))
    i = m.add(ir.IntValue(0))
    dim = m.add(ir.IntValue(0))
    y = m.add(ir.TensorValue(torch.float32, (3,), name="y"))
    m.inputs, m.outputs = [x, i], [y]
    m.instructions = [ir.KernelCall("aten::select_copy", "int_out", [x, dim, i, y, y])]
    _write(m, "scalar_index.pte")


def moved_index() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (2, 3), name="x"))
    flag = m.add(ir.BoolValue(False))
    k = m.add(ir.IntValue(0))
    seven = m.add(ir.IntValue(7))
    dim = m.add(ir.IntValue(0))
    y = m.add(ir.TensorValue(torch.float32, (3,), name="y"))
    m.inputs, m.outputs = [x, flag], [y]
    m.instructions = [
        ir.JumpFalseCall(flag, 2),                                      # 0: no move unless flag
        ir.MoveCall(seven, k),                                          # 1: k = 7
        ir.KernelCall("aten::select_copy", "int_out", [x, dim, k, y, y]),  # 2
    ]
    _write(m, "moved_index.pte")


def empty_wide() -> None:
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (0, 65536, 65536), name="x"))
    y = m.add(ir.TensorValue(torch.float32, (0, 65536, 65536), name="y"))
    m.inputs, m.outputs = [x], [y]
    m.instructions = [ir.KernelCall("aten::relu", "out", [x, y, y])]
    _write(m, "ubsan-tensor-stride-overflow-zero-size__empty_wide.pte", folder=REGRESS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    mlp()
    conv3x3()
    delegate()
    control_flow()
    endless_loop()
    borrowed_input()
    mutable_input()
    scalar_index()
    moved_index()
    empty_wide()
    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size} bytes")
