"""End-to-end: every zoo model through ember.export -> .pte bytes -> C runtime, against torch.

Per model: max abs error <= 1e-4 * max(1, max|reference|) for each float output, exact equality
for int and bool outputs (dtype and shape must match too). Each model's numbers are printed
(`pytest -s`), shown in the closing summary table, and appended to build/zoo_report.jsonl when
the build/ folder exists.

Half precision: the zoo.HALF models (an OPT-architecture transformer, MobileNetV2, ResNet-18, a
U-Net and an attention block, in float16 or bfloat16) export and run in their dtype and are
checked by zoo.compare_half: Ember's error against a float32 run of the same weights is at most
twice eager's own error plus one machine epsilon of the dtype (times max(1, max|output|)), and
Ember is within 1e-2 (float16) / 5e-2 (bfloat16) * max(1, max|eager|) of eager in that dtype.

Also: malformed files through the Python binding (truncated, corrupted bytes, an unknown
operator, wrong inputs, a missing method) must raise ember.EmberError, never crash. The
corruption loops run in a subprocess, so a crash fails the test instead of killing pytest.
"""

from __future__ import annotations

import functools
import json
import os
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
import zoo
from conftest import REPO, ZOO_RESULTS

REPORT = REPO / "build" / "zoo_report.jsonl"


@pytest.fixture(scope="module", autouse=True)
def _fresh_report():
    """build/zoo_report.jsonl describes the latest run only."""
    if REPORT.parent.is_dir():
        REPORT.write_text("")
    yield


def _record(row: dict) -> None:
    ZOO_RESULTS.append(row)
    if REPORT.parent.is_dir():
        with REPORT.open("a") as f:
            f.write(json.dumps(row) + "\n")


@pytest.mark.parametrize("name", list(zoo.ZOO))
def test_zoo_model(name):
    model, inputs = zoo.get(name)
    refs = zoo.reference(model, inputs)
    row = {"test": "ember", "model": name, "status": "ERROR"}
    try:
        t0 = time.perf_counter()
        prog = ember.export(model, inputs)
        row["export_s"] = round(time.perf_counter() - t0, 3)
        row["file_bytes"] = len(prog.buffer)
        rep = prog.report_dict()
        for key in ("planned_peak_bytes", "naive_bytes", "constant_bytes"):
            assert key in rep, f"report_dict() lacks {key!r}"
            row[key] = rep[key]

        t0 = time.perf_counter()
        outs = ember.load(prog.buffer).run(*inputs)
        row["run_s"] = round(time.perf_counter() - t0, 4)
    except BaseException as e:
        row["error"] = f"{type(e).__name__}: {e}"[:300]
        _record(row)
        raise

    max_err, tol, problems = zoo.compare(outs, refs)
    row.update(status="ok" if not problems else "FAIL", max_abs_err=max_err, tol=tol)
    if problems:
        row["error"] = "; ".join(problems)[:300]
    _record(row)
    print(
        f"\n[zoo] {name}: max abs err {max_err:.3e} (tol {tol:.1e}); planned {rep['planned_peak_bytes']} B "
        f"vs naive {rep['naive_bytes']} B; constants {rep['constant_bytes']} B; "
        f"export {row['export_s']:.1f}s, run {row['run_s']:.2f}s"
    )
    assert not problems, f"{name}: " + "; ".join(problems)
    assert rep["planned_peak_bytes"] <= rep["naive_bytes"], "planned memory exceeds the naive sum"


@pytest.mark.parametrize("name", list(zoo.HALF))
def test_zoo_half(name):
    """float16 / bfloat16 models (zoo.HALF) export with ember.export as they are, run, and match
    torch eager in the same dtype by zoo.compare_half's rule (relative to a float32 run)."""
    model, inputs, dtype = zoo.get_half(name)
    eager, fp32 = zoo.half_references(model, inputs)
    row = {"test": "ember-half", "model": name, "dtype": str(dtype), "status": "ERROR"}
    try:
        prog = ember.export(model, inputs)
        outs = ember.load(prog.buffer).run(*inputs, flat=True)
    except BaseException as e:
        row["error"] = f"{type(e).__name__}: {e}"[:300]
        _record(row)
        raise
    stats, problems = zoo.compare_half(outs, eager, fp32, dtype)
    row.update(status="ok" if not problems else "FAIL", max_abs_err=stats["max_err_vs_eager"], **stats)
    if problems:
        row["error"] = "; ".join(problems)[:300]
    _record(row)
    print(f"\n[zoo-half] {name}: max abs err vs eager {stats['max_err_vs_eager']:.3e}; vs float32: "
          f"ember {stats['ember_err_vs_fp32']:.3e}, eager {stats['eager_err_vs_fp32']:.3e}")
    assert not problems, f"{name}: " + "; ".join(problems)


def test_bfloat16_inputs_and_outputs():
    """A bfloat16 input takes a torch.bfloat16 tensor or a numpy uint16 array of its bit
    patterns (the same result); float32 is refused; the output comes back as float32, equal to
    torch's bfloat16 result widened."""
    model, inputs = zoo.to_dtype(zoo.mlp(batch=2, d_in=8, d_hidden=16, d_out=4), torch.bfloat16)
    prog = ember.load(ember.export(model, inputs).buffer)
    (out,) = prog.run(*inputs)
    bits = inputs[0].view(torch.int16).numpy().view(np.uint16)
    (out_bits,) = prog.run(bits)
    assert out.dtype == np.float32 and np.array_equal(out, out_bits)
    assert np.array_equal(torch.from_numpy(out).to(torch.bfloat16).float().numpy(), out)  # exact
    with torch.no_grad():
        ref = model(*inputs).float().numpy()
    assert np.max(np.abs(out - ref)) <= 5e-2 * max(1.0, np.max(np.abs(ref)))
    with pytest.raises(ember.EmberError):
        prog.run(inputs[0].float())


def test_float16_numpy_inputs():
    """float16 goes both ways as numpy float16."""
    model, inputs = zoo.to_dtype(zoo.mlp(batch=2, d_in=8, d_hidden=16, d_out=4), torch.float16)
    prog = ember.load(ember.export(model, inputs).buffer)
    (out,) = prog.run(inputs[0].numpy())
    assert out.dtype == np.float16
    with torch.no_grad():
        ref = model(*inputs).float().numpy()
    assert np.max(np.abs(out.astype(np.float32) - ref)) <= 1e-2 * max(1.0, np.max(np.abs(ref)))


def test_report_is_printable():
    model, inputs = zoo.mlp()
    text = ember.export(model, inputs).report()
    assert isinstance(text, str) and text


def test_save_roundtrip(tmp_path):
    model, inputs = zoo.mlp()
    prog = ember.export(model, inputs)
    path = tmp_path / "mlp.pte"
    prog.save(path)
    assert path.read_bytes() == prog.buffer
    assert prog.buffer[4:8] == b"ET12"
    outs = ember.load(str(path)).run(*inputs)
    _, _, problems = zoo.compare(outs, zoo.reference(model, inputs))
    assert not problems, problems


# ----------------------------------------------------------------------------- malformed input


@functools.lru_cache(maxsize=1)
def _tiny():
    """A small model (linear, relu, gelu) and its .pte bytes: the base of the malformed tests."""
    model, inputs = zoo.mlp(batch=2, d_in=8, d_hidden=16, d_out=4)
    return model, inputs, ember.export(model, inputs).buffer


def _program_size(buf: bytes) -> int:
    """The flatbuffer's size, from the eh00 extended header (whole file when absent)."""
    if buf[8:12] == b"eh00":
        size = struct.unpack_from("<Q", buf, 16)[0]
        if 0 < size <= len(buf):
            return size
    return len(buf)


# Runs in a child process: loads each case file and runs it, printing one JSON line per case
# *before* trying it ("try") and after ("ok" / "EmberError" / another exception), so when the
# child crashes the parent knows which case did it.
_WORKER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import ember
    cases = json.load(open(sys.argv[2]))
    inputs = [np.load(p) for p in cases["inputs"]]
    for case in cases["cases"]:
        data = open(case["path"], "rb").read()
        print(json.dumps({"case": case["label"], "stage": "try"}), flush=True)
        try:
            ember.load(data).run(*inputs)
            res = {"case": case["label"], "stage": "ok"}
        except ember.EmberError as e:
            res = {"case": case["label"], "stage": "EmberError", "msg": str(e)[:200]}
        except BaseException as e:
            res = {"case": case["label"], "stage": "other", "msg": f"{type(e).__name__}: {e}"[:300]}
        print(json.dumps(res), flush=True)
    """
)


def _run_cases(tmp_path: Path, inputs, cases: list[tuple[str, bytes]], timeout: float = 240.0):
    """Runs load+run on each (label, bytes) in a subprocess. Returns {label: result dict};
    fails the test (naming the case) when the child crashes or hangs."""
    in_paths = []
    for i, x in enumerate(inputs):
        p = tmp_path / f"in{i}.npy"
        np.save(p, x.numpy())
        in_paths.append(str(p))
    listed = []
    for k, (label, data) in enumerate(cases):
        p = tmp_path / f"case{k}.pte"
        p.write_bytes(data)
        listed.append({"label": label, "path": str(p)})
    spec = tmp_path / "cases.json"
    spec.write_text(json.dumps({"inputs": in_paths, "cases": listed}))
    worker = tmp_path / "worker.py"
    worker.write_text(_WORKER)
    try:
        proc = subprocess.run(
            [sys.executable, str(worker), str(REPO / "python"), str(spec)],
            capture_output=True, text=True, timeout=timeout, cwd=str(REPO),
        )
        stdout, rc = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as e:
        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        last = [l for l in stdout.splitlines() if l.strip()][-1:] or ["(nothing)"]
        pytest.fail(f"the runtime hung (>{timeout:.0f}s); last line from the worker: {last[0]}")
    results: dict[str, dict] = {}
    last_try = None
    for line in stdout.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r["stage"] == "try":
            last_try = r["case"]
        else:
            results[r["case"]] = r
            last_try = None
    if rc != 0:
        where = f"while running case {last_try!r}" if last_try else "outside any case"
        pytest.fail(
            f"the worker died with exit status {rc} {where} (a negative status is a signal, "
            f"e.g. -11 = SIGSEGV); stderr tail: {proc.stderr[-1500:]}"
        )
    return results


def _assert_all_ok_or_ember_error(results: dict[str, dict], expect_error: bool = False):
    other = {k: r for k, r in results.items() if r["stage"] == "other"}
    assert not other, "cases raised something other than EmberError: " + "; ".join(
        f"{k}: {r['msg']}" for k, r in list(other.items())[:10]
    )
    if expect_error:
        loaded = [k for k, r in results.items() if r["stage"] == "ok"]
        assert not loaded, f"these malformed files loaded and ran without an error: {loaded}"


def test_truncated_file(tmp_path):
    _, inputs, buf = _tiny()
    psize = _program_size(buf)
    cuts = sorted({0, 1, 4, 7, 8, 12, 20, 31, 40, 64, psize // 2, psize - 1, psize,
                   (psize + len(buf)) // 2, len(buf) - 1})
    cases = [(f"first {n} of {len(buf)} bytes", buf[:n]) for n in cuts if n < len(buf)]
    results = _run_cases(tmp_path, inputs, cases)
    assert len(results) == len(cases)
    _assert_all_ok_or_ember_error(results, expect_error=True)


def test_corrupted_bytes_never_crash(tmp_path):
    """Flip bytes all over the flatbuffer (root offset, vtables, uoffsets, vectors, header
    fields): each file must load and run or raise EmberError; a crash or hang fails."""
    _, inputs, buf = _tiny()
    psize = _program_size(buf)
    rng = np.random.default_rng(0)
    cases = []
    for pos in range(psize):  # every byte of the flatbuffer, inverted
        b = bytearray(buf)
        b[pos] ^= 0xFF
        cases.append((f"byte {pos} ^= 0xff", bytes(b)))
    big = [0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x10000, len(buf), len(buf) + 4, psize - 4]
    for pos in range(0, psize - 4, 4):  # every aligned u32 (offsets, lengths, indices): a large value
        b = bytearray(buf)
        b[pos:pos + 4] = struct.pack("<I", big[(pos // 4) % len(big)] & 0xFFFFFFFF)
        cases.append((f"u32 at {pos} = {bytes(b[pos:pos + 4]).hex()}", bytes(b)))
    for k in range(100):  # random bytes at random places, a few at a time
        b = bytearray(buf)
        for pos in rng.integers(0, psize, size=int(rng.integers(1, 5))):
            b[int(pos)] = int(rng.integers(0, 256))
        cases.append((f"random #{k}", bytes(b)))
    results = _run_cases(tmp_path, inputs, cases, timeout=280.0)
    assert len(results) == len(cases)
    _assert_all_ok_or_ember_error(results)
    n_err = sum(r["stage"] == "EmberError" for r in results.values())
    print(f"\n[malformed] {len(cases)} corrupted files: {n_err} rejected with EmberError, "
          f"{len(cases) - n_err} loaded and ran")


def test_unknown_operator_is_a_load_error():
    _, inputs, buf = _tiny()
    assert b"aten::relu" in buf, "the test model should use aten::relu"
    bad = buf.replace(b"aten::relu", b"aten::relX")
    with pytest.raises(ember.EmberError) as info:
        ember.load(bad).run(*inputs)
    assert "aten::relX" in str(info.value), f"the error should name the operator: {info.value}"


def test_wrong_input_dtype():
    _, inputs, buf = _tiny()
    prog = ember.load(buf)
    with pytest.raises(ember.EmberError):
        prog.run(inputs[0].to(torch.int64))
    with pytest.raises(ember.EmberError):
        prog.run(inputs[0].to(torch.float64))


def test_wrong_input_shape():
    _, inputs, buf = _tiny()
    prog = ember.load(buf)
    x = inputs[0]
    with pytest.raises(ember.EmberError):
        prog.run(torch.zeros(x.shape[0], x.shape[1] + 1))
    with pytest.raises(ember.EmberError):
        prog.run(torch.zeros(x.shape[0], x.shape[1], 1))


def test_wrong_input_count():
    _, inputs, buf = _tiny()
    prog = ember.load(buf)
    with pytest.raises(ember.EmberError):
        prog.run()
    with pytest.raises(ember.EmberError):
        prog.run(inputs[0], inputs[0])


def test_good_run_after_bad_inputs():
    """A rejected input leaves the program usable."""
    model, inputs, buf = _tiny()
    prog = ember.load(buf)
    with pytest.raises(ember.EmberError):
        prog.run(inputs[0].to(torch.int64))
    _, _, problems = zoo.compare(prog.run(*inputs), zoo.reference(model, inputs))
    assert not problems, problems


def test_missing_method():
    _, inputs, buf = _tiny()
    with pytest.raises(ember.EmberError):
        ember.load(buf).run(*inputs, method="no_such_method")


def test_not_a_pte():
    with pytest.raises(ember.EmberError):
        ember.load(b"")
    with pytest.raises(ember.EmberError):
        ember.load(b"\x00" * 64)
    with pytest.raises(ember.EmberError):
        ember.load(os.urandom(4096)[:4] + b"XX12" + os.urandom(4088))
