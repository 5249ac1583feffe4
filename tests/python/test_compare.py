"""bench/compare.py end to end on its smallest model: `--quick --models dscnn` writes the markdown
table, the JSON and both PNG charts, every runtime's output matches eager's within the stated
tolerance, each runtime has one latency per timed round, and a wrong output is marked in the
table. ExecuTorch is used when it imports (its columns are left out, with the reason, when not);
its XNNPACK lowering is left out here (--no-xnnpack: about 10 s of fixed set-up). Numbers are
not checked: timing belongs to the benchmark, not the test."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "compare.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _compare_module():
    spec = importlib.util.spec_from_file_location("bench_compare", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """Runs the script once (in a subprocess: it pins its process to one CPU)."""
    out = tmp_path_factory.mktemp("compare")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--models", "dscnn", "--no-xnnpack",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, proc, json.loads((out / "compare.json").read_text())


def test_writes_table_json_and_charts(quick):
    out, proc, res = quick
    md = (out / "compare.md").read_text()
    assert "| DS-CNN (KWS) 49x10 |" in md and "| model | GFLOP | iters | eager | Ember |" in md
    assert md.strip() in proc.stdout  # printed as written
    for png in ("compare_latency.png", "compare_ratios.png"):
        data = (out / png).read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 2000, png
    assert "100.0%" in proc.stderr  # the progress bar reached its end
    assert res["threads"] == 1 and res["pinned"] == str(min(os.sched_getaffinity(0)))


def test_outputs_match_eager_and_rounds_are_counted(quick):
    _, _, res = quick
    (model,) = res["models"]
    assert model["name"] == "dscnn" and model["iters"] == 3 and model["flops"] > 0
    expected = {"eager", "ember"} | {n for n in ("executorch", "ember-int8") if n not in res["unavailable"]}
    assert set(model["runtimes"]) == expected
    for name, r in model["runtimes"].items():
        assert "error" not in r, (name, r)
        assert r["iters"] == 3 and len(r["latencies_ms"]) == 3 and min(r["latencies_ms"]) > 0, name
        assert r["min_ms"] <= r["median_ms"] <= r["p90_ms"] <= r["max_ms"], name
        if name == "ember-int8":  # int8 matches when it picks eager's top-1 class
            assert r["match"], (name, r["max_abs_err"])
        else:
            assert r["match"] and r["max_abs_err"] <= model["tolerance"], (name, r["max_abs_err"])
    assert res["unavailable"]["executorch+xnnpack"] == "--no-xnnpack"
    # XNNPACK's int8 needs its lowering, left out here
    assert "executorch+xnnpack-int8" in res["unavailable"]


def test_a_wrong_output_shows():
    """A runtime whose output is off by more than the tolerance is measured as such and marked in
    both tables (a fast wrong answer must not pass as a win)."""
    cmp = _compare_module()
    ref = [np.linspace(-2.0, 2.0, 12, dtype=np.float32).reshape(1, 12)]
    tol = cmp.tolerance(ref)
    assert tol == pytest.approx(2e-3)
    good = cmp.Runner("ember", lambda: None, lambda: [ref[0] + tol / 2])
    bad = cmp.Runner("ember", lambda: None, lambda: [ref[0] + 10 * tol])
    wrong_shape = cmp.Runner("ember", lambda: None, lambda: [ref[0][:, :6]])
    assert cmp.max_error(good, ref) <= tol < cmp.max_error(bad, ref)
    assert cmp.max_error(wrong_shape, ref) == float("inf")

    lat = {"median_ms": 1.0, "p90_ms": 1.1, "min_ms": 0.9, "max_ms": 1.2, "iters": 3,
           "latencies_ms": [1.0, 0.9, 1.1], "rounds": [1, 2, 3]}
    res = {"date": "d", "command": "c", "cpu": "cpu", "cpus_online": 1, "pinned": "0", "threads": 1,
           "warmup": 1, "budget": 120.0, "load_before": 0.0, "load_after": 0.0,
           "versions": {"torch": "t", "ember": "e"}, "runtimes": ["eager", "ember"], "unavailable": {},
           "notes": {}, "models": [{"name": "m", "description": "M", "flops": 1e9, "iters": 3,
                                    "output_scale": 2.0, "tolerance": tol, "runtimes": {
                                        "eager": dict(lat, max_abs_err=0.0, match=True),
                                        "ember": dict(lat, median_ms=0.5, max_abs_err=0.02, match=False)}}]}
    md = cmp.markdown(res)
    assert "0.5 ms (1.1) **x0.50** WRONG" in md and "0.02 **MISMATCH**" in md


def test_interleaving_and_the_cap_of_a_slow_runtime():
    """Each round runs every runtime once, the first one rotating; a capped runtime runs only in
    `cap` timed rounds spread over the run; warm-ups are not timed."""
    cmp = _compare_module()
    calls = []
    runners = [cmp.Runner(n, (lambda n=n: calls.append(n)), lambda: []) for n in ("eager", "ember", "slow")]
    runners[2].cap = 3
    progress = cmp.Progress(2 + 9)
    progress.step = lambda *a, **k: None
    cmp.time_interleaved(runners, warmup=2, iters=9, progress=progress, model="m")
    assert [len(r.latencies_ns) for r in runners] == [9, 9, 3]
    assert runners[0].rounds == list(range(1, 10)) and runners[2].rounds == [1, 4, 7]
    assert calls[:2] == ["eager", "ember"] and calls[2:4] == ["ember", "eager"]  # warm-ups: no "slow"
    assert calls.count("slow") == 3 and calls.count("eager") == 2 + 9
