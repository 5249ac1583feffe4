"""ExecuTorch's Ethos-U programs on Ember (tests/data/ethosu_*.pte, written by
tests/data/make_et_ethosu_files.py with ExecuTorch's Arm flow and Vela for ethos-u55-128 and
ethos-u85-256): they load through the Python binding (libember.so registers EthosUBackend
without a driver), name their delegates as the manifest says, and run their CPU parts; a run
without an NPU driver stops at the first delegate with a clear message, and a run with a
recording driver (a ctypes callback given to ember_ethos_u_set_driver) shows the plumbing:
the command stream and weights the blob holds, in place in the mapped file; scratch of the
blob's size inside the method's bookkeeping block; the CPU's quantized input at the input's
offset (in order); the CPU's sort between two delegates applied to the first one's output; the
pattern the driver writes into the last delegate's output coming out of the method dequantized.

No Ethos-U or Corstone FVP is available here: the command streams themselves never run.
Needs only numpy and build/lib/libember.so (no torch, no ExecuTorch).
"""

from __future__ import annotations

import ctypes
import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import runtime as rt
from ember.errors import EmberError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
MANIFEST = json.loads((DATA / "ethosu_manifest.json").read_text())
NAMES = sorted(MANIFEST["models"])

INVOKE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                          ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_size_t), ctypes.c_int)


def lib():
    lib = rt._library()
    lib.ember_ethos_u_set_driver.argtypes = [INVOKE, ctypes.c_void_p]
    lib.ember_ethos_u_set_driver.restype = None
    lib.ember_method_delegate_name.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.ember_method_delegate_name.restype = ctypes.c_char_p
    return lib


def blobs(data: bytes):
    """The file's vela_bin_streams, in file order: offset, cmd, weights, scratch, inputs, outputs."""
    out, at = [], 0
    while (at := data.find(b"vela_bin_stream\0", at)) >= 0:
        blob, p = {"at": at}, at
        while True:
            name = data[p:p + 16].split(b"\0")[0].decode()
            size, = struct.unpack_from("<I", data, p + 16)
            body = data[p + 32:p + 32 + size]
            if name == "cmd_data":
                blob["cmd"] = (p + 32, size)
            elif name == "weight_data":
                blob["weights"] = (p + 32, size)
            elif name == "scratch_size":
                blob["scratch"], = struct.unpack("<I", body)
            elif name in ("inputs", "outputs"):
                n, = struct.unpack_from("<i", body)
                blob[name] = [struct.unpack_from("<9i", body, 4 + 36 * i) for i in range(n)]
            p += 32 + (size + 15) // 16 * 16
            if name == "vela_end_stream":
                break
        out.append(blob)
        at = p
    return out


def io_bytes(rec) -> int:
    return int(np.prod(rec[:6])) * rec[6]


def pattern(j: int, n: int) -> np.ndarray:
    return ((np.arange(n) * 37 + 11 + 5 * j) % 256).astype(np.uint8)


class Recorder:
    def __init__(self, method, file_blobs, x: np.ndarray, sorts: bool):
        self.method, self.blobs, self.x, self.sorts = method, file_blobs, x, sorts
        self.calls, self.problems = [], []
        self.fn = INVOKE(self.invoke)  # kept alive while set

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(what)

    def invoke(self, user, cmd, cmd_bytes, bases, sizes, num_regions):
        try:
            image, m = self.method._image, self.method
            j = len(self.calls)
            self.calls.append(cmd)
            b = self.blobs[j]
            self.check(num_regions == 3, f"{num_regions} regions")
            # the command stream and weights in place: their addresses in the mapped file
            self.check(cmd == image.addr + b["cmd"][0] and cmd_bytes == b["cmd"][1], f"delegate {j}: cmd")
            self.check(bases[0] == image.addr + b["weights"][0] and sizes[0] == b["weights"][1],
                       f"delegate {j}: weights")
            self.check(cmd % 16 == 0 and bases[0] % 16 == 0, f"delegate {j}: alignment")
            book = m._book.ctypes.data
            self.check(sizes[1] == b["scratch"] and book <= bases[1]
                       and bases[1] + sizes[1] <= book + m.bookkeeping_bytes and bases[1] % 16 == 0,
                       f"delegate {j}: scratch")
            self.check(bases[2] == 0 and sizes[2] == 0, f"delegate {j}: fast scratch")
            scratch = (ctypes.c_uint8 * sizes[1]).from_address(bases[1])
            arr = np.frombuffer(scratch, dtype=np.uint8)
            rec = b["inputs"][0]
            q = arr[rec[7]:rec[7] + io_bytes(rec)].view(np.int8).astype(int)
            if j == 0:  # the CPU's quantize of the method input: the same order
                xs = self.x.reshape(-1)
                order = np.argsort(xs, kind="stable")
                self.check(np.all(np.diff(q[order]) >= 0) and len(set(q)) > 1, "delegate 0: input order")
            else:  # made on the CPU from the previous delegate's pattern, not zeros
                self.check(len(set(q)) > 1, f"delegate {j}: input constant")
                if self.sorts:  # after the CPU's sort over the last dim: rows non-decreasing
                    rows = q.reshape(-1, rec[5])
                    self.check(np.all(np.diff(rows, axis=1) >= 0), f"delegate {j}: input rows not sorted")
            for rec in b["outputs"]:
                n = io_bytes(rec)
                arr[rec[7]:rec[7] + n] = pattern(j, n)
            return 0
        except Exception as e:  # never raise into C
            self.problems.append(repr(e))
            return 1


@pytest.mark.parametrize("name", NAMES)
def test_loads_and_runs_cpu_parts(name):
    entry = MANIFEST["models"][name]
    path = DATA / entry["pte"]
    data = path.read_bytes()
    assert len(data) == entry["bytes"] < 200_000
    x = np.load(DATA / entry["input"])
    l = lib()
    prog = ember.load(path)
    method = prog.method("forward")
    names = [l.ember_method_delegate_name(method._m, i) for i in range(entry["delegates"] + 1)]
    assert names == [b"EthosUBackend"] * entry["delegates"] + [None]
    file_blobs = blobs(data)
    assert len(file_blobs) == entry["delegates"]
    for b, want in zip(file_blobs, entry["vela_blocks"]):
        assert b["scratch"] == want["scratch_bytes"]
        assert [list(r[:6]) for r in b["inputs"]] == [r["shape"] for r in want["inputs"]]

    # no driver: the delegate says so
    l.ember_ethos_u_set_driver(INVOKE(), None)
    with pytest.raises(EmberError, match="no Ethos-U driver"):
        method.run(x)

    rec = Recorder(method, file_blobs, x, sorts="aten.sort.default" in entry["cpu_operators"])
    l.ember_ethos_u_set_driver(rec.fn, None)
    try:
        y = method.run(x)
    finally:
        l.ember_ethos_u_set_driver(INVOKE(), None)
    assert rec.problems == []
    assert len(rec.calls) == entry["delegates"]
    y = np.asarray(y[0] if isinstance(y, (list, tuple)) else y).reshape(-1)
    # the last delegate's output, dequantized on the CPU: an affine image of the pattern
    last = len(file_blobs) - 1
    p = pattern(last, y.size).view(np.int8).astype(np.float64)
    scale = (y[1] - y[0]) / (p[1] - p[0])
    assert scale > 0
    np.testing.assert_allclose(y, (p - p[0]) * scale + y[0], rtol=1e-5, atol=1e-5 * np.abs(y).max())


def test_manifest_covers_both_targets_and_a_split():
    targets = {e["target"] for e in MANIFEST["models"].values()}
    assert targets == {"ethos-u55-128", "ethos-u85-256"}
    split = [e for e in MANIFEST["models"].values() if e["delegates"] >= 2]
    assert any("aten.sort.default" in e["cpu_operators"] for e in split)


def test_cli_inspects_and_refuses_to_run(tmp_path):
    cli = ROOT / "build" / "bin" / "ember"
    if not cli.exists():
        pytest.skip("build/bin/ember not built")
    entry = MANIFEST["models"]["ethosu_split_u55"]
    pte = DATA / entry["pte"]
    out = subprocess.run([cli, "inspect", pte], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.count("EthosUBackend") == 2
    out = subprocess.run([cli, "run", pte, "--input", DATA / entry["input"], "--output-dir", tmp_path],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "no Ethos-U driver" in out.stderr
