"""The `ember` CLI (build/bin/ember): run writes outputs equal to torch eager's; inspect shows
what the exporter planned (the same numbers as ExportedProgram.report_dict), OPT-125M included;
bad input gives a message and a non-zero exit, never a crash."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
import zoo

REPO = Path(__file__).resolve().parents[2]
EMBER = REPO / "build" / "bin" / "ember"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBER), *args], capture_output=True, text=True, timeout=300)


def _inspect(path: Path) -> dict:
    r = _cli("inspect", str(path), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _check_inspect_matches_report(info: dict, prog: ember.ExportedProgram) -> None:
    rep = prog.report_dict()
    (method,) = info["methods"]
    assert info["file_bytes"] == rep["file_bytes"] == len(prog.buffer)
    # The CLI counts the constant segment as stored: tensor bytes plus < 16 bytes of alignment
    # padding between consecutive tensors.
    padding = info["constant_bytes"] - rep["constant_bytes"]
    assert 0 <= padding < 16 * max(1, rep["constant_tensors"])
    assert method["planned_buffer_bytes"] == rep["planned_bytes"]
    assert method["planned_bytes"] == rep["planned_peak_bytes"]
    assert [i["shape"] for i in method["inputs"]] == [list(i["shape"]) for i in rep["inputs"]]
    assert [o["shape"] for o in method["outputs"]] == [list(o["shape"]) for o in rep["outputs"]]
    assert set(method["operators"]) == {op["name"] for op in rep["ops"]}
    assert method["bookkeeping_bytes"] > 0 and method["delegates"] == []


def test_run_writes_outputs_equal_to_torch(tmp_path):
    model, inputs = zoo.lenet()
    prog = ember.export(model, inputs)
    pte = tmp_path / "lenet.pte"
    prog.save(pte)
    np.save(tmp_path / "x.npy", inputs[0].numpy())
    r = _cli("run", str(pte), "--input", str(tmp_path / "x.npy"), "--output-dir", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "output 0: float32 (1, 10)" in r.stdout
    got = np.load(tmp_path / "out" / "output_0.npy")
    with torch.no_grad():
        want = model(*inputs).numpy()
    assert got.shape == want.shape and np.abs(got - want).max() <= 1e-4 * max(1.0, np.abs(want).max())
    _check_inspect_matches_report(_inspect(pte), prog)


def test_inspect_opt125m_shows_planned_memory(tmp_path):
    model, inputs = zoo.opt125m()
    prog = ember.export(model, inputs)
    pte = tmp_path / "opt125m.pte"
    prog.save(pte)
    info = _inspect(pte)
    _check_inspect_matches_report(info, prog)
    (method,) = info["methods"]
    rep = prog.report_dict()
    # Planning reuses memory: the planned peak is well under the sum of all activations.
    assert method["planned_bytes"] < rep["naive_bytes"] / 2
    text = _cli("inspect", str(pte))
    assert text.returncode == 0
    assert f"planned total: {method['planned_bytes']} bytes" in text.stdout
    assert "aten::embedding.out" in text.stdout
    print(f"\n[opt125m] ember inspect: planned {method['planned_bytes']} B "
          f"(naive {rep['naive_bytes']} B), constants {info['constant_bytes']} B, "
          f"bookkeeping {method['bookkeeping_bytes']} B")


@pytest.mark.parametrize("case", ["wrong_dtype", "wrong_count", "not_pte", "missing_file"])
def test_run_rejects_bad_input(tmp_path, case):
    model, inputs = zoo.mlp()
    pte = tmp_path / "mlp.pte"
    ember.export(model, inputs).save(pte)
    x = tmp_path / "x.npy"
    np.save(x, inputs[0].numpy())
    if case == "wrong_dtype":
        np.save(x, inputs[0].numpy().astype(np.float64))
        args = ["run", str(pte), "--input", str(x)]
        expect = "expected dtype float32, got float64"
    elif case == "wrong_count":
        args = ["run", str(pte), "--input", str(x), "--input", str(x)]
        expect = "takes 1 inputs, 2 given"
    elif case == "not_pte":
        args = ["run", str(x), "--input", str(x)]
        expect = "not an ExecuTorch ET12 program"
    else:
        args = ["inspect", str(tmp_path / "nope.pte")]
        expect = "cannot open"
    r = _cli(*args)
    assert r.returncode == 1
    assert expect in r.stderr, r.stderr
