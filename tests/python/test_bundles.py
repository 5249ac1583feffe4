"""Bundled programs (.bpte) on Ember: ExecuTorch's BundledProgram files (tests/data/bundled_*.bpte,
made by tests/data/make_bundled_files.py, listed in foreign_manifest.json) load with
`ember.load`, expose their test cases as stored, and run them: `Program.test_bundle()` and
`ember test-bundle` pass every case whose expected outputs are torch's and fail the case the
generator made wrong on purpose, reporting the error. `ember run` and `ember inspect` take a
.bpte too. Bad bundles get a named error, never a crash."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import ember
from conftest import REPO

DATA = REPO / "tests" / "data"
EMBER = REPO / "build" / "bin" / "ember"
BUNDLES = json.loads((DATA / "foreign_manifest.json").read_text())["bundled"]["files"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBER), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("key", sorted(BUNDLES))
def test_bundle_cases_as_stored(key):
    e = BUNDLES[key]
    prog = ember.load(DATA / e["bpte"])
    assert prog.is_bundle
    suites = [(s["method_name"], s["test_cases"]) for s in e["method_test_suites"]]
    assert prog.bundle_suites == suites
    for c, case in enumerate(e["cases"]):
        inputs, expected = prog.bundle_case(0, c)
        assert len(inputs) == len(case["inputs"]) and len(expected) == len(case["outputs"])
        for got, want in zip(inputs, case["inputs"]):
            if "tensor" in want:
                ref = np.load(DATA / want["tensor"])
                assert got.dtype == ref.dtype and np.array_equal(got, ref)
            else:  # a scalar input, stored by value
                assert got == next(v for k, v in want.items() if k != "kind")
        if case["expected_outputs_are_torch"]:
            for got, name in zip(expected, case["outputs"]):
                ref = np.load(DATA / name)
                assert got.dtype == ref.dtype and np.array_equal(got, ref)


@pytest.mark.parametrize("key", sorted(BUNDLES))
def test_bundle_runs_pass_and_fail_as_they_should(key):
    e = BUNDLES[key]
    results = ember.load(DATA / e["bpte"]).test_bundle()
    assert [(r.method, r.case) for r in results] == [
        (s["method_name"], c) for s in e["method_test_suites"] for c in range(s["test_cases"])]
    for r in results:
        assert not r.error, r
        if r.case in e["wrong_cases"]:
            assert not r.passed and r.mismatches > 0 and r.max_abs_error > 1e-3, r
        else:
            assert r.passed and r.max_abs_error < 1e-5, r
    # the Python result and running the method by hand agree with the stored torch outputs
    prog = ember.load((DATA / e["bpte"]).read_bytes())
    for c, case in enumerate(e["cases"]):
        if not case["expected_outputs_are_torch"]:
            continue
        inputs, _ = prog.bundle_case(0, c)
        outs = prog.run(*inputs, flat=True)
        for got, name in zip(outs, case["outputs"]):
            ref = np.load(DATA / name)
            if np.issubdtype(ref.dtype, np.floating):
                assert np.allclose(got, ref, rtol=0, atol=1e-4 * max(1.0, float(np.abs(ref).max())))
            else:
                assert np.array_equal(got, ref)


def test_exact_tolerances_and_one_method():
    prog = ember.load(DATA / "bundled_int_bool.bpte")
    assert all(r.passed for r in prog.test_bundle(rtol=0, atol=0))  # ints and bools: exact
    assert len(prog.test_bundle(method="forward")) == 2
    with pytest.raises(ember.EmberError, match="no test cases for method 'nope'"):
        prog.test_bundle(method="nope")
    with pytest.raises(ember.EmberError, match="not a bundled program"):
        ember.load(DATA / "et_mlp.pte").test_bundle()


def test_cli_test_bundle():
    r = _cli("test-bundle", str(DATA / "bundled_lenet.bpte"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": PASS") == 2 and "2 of 2 test cases passed" in r.stdout
    r = _cli("test-bundle", str(DATA / "bundled_mlp_wrong.bpte"))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0].startswith("forward case 0: PASS")
    assert lines[1].startswith("forward case 1: FAIL") and "outside atol" in lines[1]
    assert lines[-1] == "1 of 2 test cases passed"
    r = _cli("test-bundle", str(DATA / "bundled_scale_shift.bpte"), "--rtol", "0", "--atol", "1e-5", "--method", "forward")
    assert r.returncode == 0, r.stdout + r.stderr
    r = _cli("test-bundle", str(DATA / "bundled_mlp.bpte"), "--method", "nope")
    assert r.returncode == 1 and "no test cases for method 'nope'" in r.stderr
    r = _cli("test-bundle", str(DATA / "et_mlp.pte"))
    assert r.returncode == 1 and "not a bundled program" in r.stderr
    r = _cli("test-bundle", str(DATA / "bundled_mlp.bpte"), "--rtol", "-1")
    assert r.returncode == 2 and "--rtol takes a number >= 0" in r.stderr
    r = _cli("test-bundle", "--help")
    assert r.returncode == 0 and "ember test-bundle" in r.stdout


def test_cli_run_and_inspect_take_a_bundle(tmp_path):
    r = _cli("inspect", str(DATA / "bundled_concat_split.bpte"), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["bundle"]["suites"] == [{"method": "forward", "cases": 2}]
    assert info["methods"][0]["name"] == "forward"
    r = _cli("inspect", str(DATA / "bundled_concat_split.bpte"))
    assert "bundled program:" in r.stdout and "'forward' (2)" in r.stdout
    e = BUNDLES["mlp"]
    case = e["cases"][0]
    r = _cli("run", str(DATA / e["bpte"]), "--input", str(DATA / case["inputs"][0]["tensor"]),
             "--output-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    ref = np.load(DATA / case["outputs"][0])
    assert np.allclose(np.load(tmp_path / "output_0.npy"), ref, rtol=0, atol=1e-4 * max(1.0, np.abs(ref).max()))


def test_bad_bundles_named_not_crashed(tmp_path):
    data = bytearray((DATA / "bundled_int_bool.bpte").read_bytes())
    older = bytearray(data)
    older[4:8] = b"BP07"
    with pytest.raises(ember.EmberError, match="BP07' is not supported"):
        ember.load(bytes(older))
    for cut in (8, 64, len(data) // 2, len(data) - 1):
        with pytest.raises(ember.EmberError):
            ember.load(bytes(data[:cut]))
    # Every byte of the wrapper's head flipped, each file through the CLI in one process per
    # file would be slow: the C test (test_bundle.c) flips them all under the sanitizers; here
    # a handful go through the CLI's test-bundle, which must end with a message or a result.
    for at in (0, 5, 12, 40, 100, 200):
        bad = bytearray(data)
        bad[at] ^= 0xFF
        path = tmp_path / f"flip{at}.bpte"
        path.write_bytes(bad)
        r = _cli("test-bundle", str(path))
        assert r.returncode in (0, 1), (at, r.returncode, r.stderr)
