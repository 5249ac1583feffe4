"""`ember bench` and ember.bench: whole executes timed after untimed warm-ups. What is checked
holds for any honest measurement whatever the machine's noise: as many latencies as timed
iterations (warm-ups are not among them), all positive, and a summary that is the statistics of
its own list (the median is numpy's median of the list, min <= median <= p90 <= max). A method
whose input execute consumes (LeNet's planned input slot is reused; the test shows that a
second execute without setting it is refused) benches without EMBER_INPUT_NOT_SET, and says
that inputs are re-set; one whose input is not consumed does not re-set it. Bad usage exits 2,
--help 0. Threads: by default as many as the CPUs the process may use (sched_getaffinity), else
--threads N / threads=N, and the summary and JSON say how many ran."""
import csv
import io
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ember
import zoo
from ember.bench import BenchResult
from ember.errors import EmberError

REPO = Path(__file__).resolve().parents[2]
EMBER = REPO / "build" / "bin" / "ember"
BORROWED = REPO / "tests" / "data" / "fixtures" / "borrowed_input.pte"  # an unplanned input
STATS = ("min", "median", "p90", "max", "mean")
CPUS = len(os.sched_getaffinity(0))  # the default thread count


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBER), *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def lenet(tmp_path_factory):
    """LeNet exported from the zoo, and its example input saved as .npy."""
    model, inputs = zoo.lenet()
    d = tmp_path_factory.mktemp("bench")
    pte, x = d / "lenet.pte", d / "x.npy"
    ember.export(model, inputs).save(pte)
    np.save(x, inputs[0].numpy())
    return pte, x, inputs[0].numpy()


def _check_summary(s: dict, latencies: list) -> None:
    lat = np.asarray(latencies, dtype=np.float64)
    assert np.all(lat > 0)
    assert s["median_ms"] == pytest.approx(np.median(lat), rel=1e-6)
    assert s["p90_ms"] == pytest.approx(np.percentile(lat, 90), rel=1e-6)
    assert s["min_ms"] == pytest.approx(lat.min(), rel=1e-6)
    assert s["max_ms"] == pytest.approx(lat.max(), rel=1e-6)
    assert s["mean_ms"] == pytest.approx(lat.mean(), rel=1e-6)
    assert s["min_ms"] <= s["median_ms"] <= s["p90_ms"] <= s["max_ms"]
    assert s["min_ms"] <= s["mean_ms"] <= s["max_ms"]
    assert s["runs_per_second"] == pytest.approx(1000.0 / s["median_ms"], rel=1e-6)


def _summary_lines(text: str, iters: int, warmup: int) -> None:
    assert f"{iters} iterations after {warmup} warm-ups" in text
    for name in STATS:
        assert any(line.startswith(name + " ") and line.endswith(" ms") for line in text.splitlines()), name
    assert "runs/s" in text and "(1000 / median)" in text


def test_lenet_consumes_its_input(lenet):
    """The premise of the re-set tests: without setting LeNet's input again, a second execute
    is refused."""
    pte, _, x = lenet
    m = ember.load(pte).method()
    m.set_input(0, x)
    m.execute()
    with pytest.raises(EmberError, match="must be set before every execute"):
        m.execute()


def test_cli_summary_csv_json(lenet, tmp_path):
    pte, x, _ = lenet
    c, j = tmp_path / "b.csv", tmp_path / "b.json"
    r = _cli("bench", pte, "--input", x, "--warmup", 3, "--iters", 7, "--csv", c, "--json", j)
    assert r.returncode == 0, r.stderr
    _summary_lines(r.stdout, 7, 3)
    assert f"inputs: input 0: from {x}" in r.stdout
    assert "clock_gettime(CLOCK_MONOTONIC)" in r.stdout
    # The input is consumed by execute: it is set again, and the output says so.
    assert "inputs re-set before each execute, outside the timed part: execute consumes input 0" in r.stdout
    assert "input not set" not in r.stdout + r.stderr
    rows = list(csv.reader(io.StringIO(c.read_text())))
    assert rows[0] == ["iteration", "latency_ms"]
    assert [int(row[0]) for row in rows[1:]] == list(range(1, 8))  # 7 rows: no warm-up among them
    latencies = [float(row[1]) for row in rows[1:]]
    assert all(v > 0 for v in latencies)
    s = json.loads(j.read_text())
    assert s["iters"] == 7 and s["warmup"] == 3 and len(s["latencies_ms"]) == 7
    assert s["latencies_ms"] == pytest.approx(latencies, abs=1e-6)
    assert s["threads_requested"] == CPUS and s["threads_used"] == CPUS and s["inputs_reset"] is True
    assert f"threads: {CPUS}\n" in r.stdout
    _check_summary(s, s["latencies_ms"])
    # The printed median is the JSON's, to the printed precision.
    printed = {line.split()[0]: float(line.split()[1]) for line in r.stdout.splitlines()
               if line.split() and line.split()[0] in STATS}
    for name in STATS:
        assert printed[name] == pytest.approx(s[name + "_ms"], abs=1e-6)


def test_cli_default_inputs_and_no_reset(tmp_path, lenet):
    pte, _, _ = lenet
    r = _cli("bench", pte, "--warmup", 0, "--iters", 3)
    assert r.returncode == 0, r.stderr
    assert "input 0: float32 (1, 1, 28, 28) random uniform [-1, 1)" in r.stdout
    # An unplanned (borrowed) input is not consumed: no re-set, and the JSON says so.
    j = tmp_path / "b.json"
    r = _cli("bench", BORROWED, "--iters", 4, "--json", j)
    assert r.returncode == 0, r.stderr
    assert "re-set" not in r.stdout
    assert json.loads(j.read_text())["inputs_reset"] is False


def test_cli_threads(lenet, tmp_path):
    pte, _, _ = lenet
    j = tmp_path / "b.json"
    for n in (2, 3, 1):
        r = _cli("bench", pte, "--threads", n, "--iters", 3, "--json", j)
        assert r.returncode == 0, r.stderr
        assert f"threads: {n}\n" in r.stdout and "requested" not in r.stdout
        s = json.loads(j.read_text())
        assert s["threads_requested"] == n and s["threads_used"] == n


@pytest.mark.parametrize("args, message", [
    (["--iters", "0"], "--iters takes a whole number >= 1, not '0'"),
    (["--iters", "-3"], "--iters takes a whole number >= 1"),
    (["--iters", "ten"], "--iters takes a whole number >= 1"),
    (["--warmup", "-1"], "--warmup takes a whole number >= 0"),
    (["--warmup", "2.5"], "--warmup takes a whole number >= 0"),
    (["--threads", "0"], "--threads takes a whole number from 1 to 1024, not '0'"),
    (["--threads", "1.5"], "--threads takes a whole number from 1 to 1024"),
    (["--threads", "1025"], "--threads takes a whole number from 1 to 1024, not '1025'"),
    (["--threads"], "missing the value of '--threads'"),
    (["--frobnicate"], "unknown option '--frobnicate'"),
])
def test_cli_bad_usage_exits_2(lenet, args, message):
    pte, _, _ = lenet
    r = _cli("bench", pte, *args)
    assert r.returncode == 2
    assert message in r.stderr and "ember bench MODEL.pte" in r.stderr


def test_cli_help_and_usage():
    r = _cli("bench")
    assert r.returncode == 2 and "no model given" in r.stderr
    for args in (["bench", "--help"], ["help", "bench"]):
        r = _cli(*args)
        assert r.returncode == 0, r.stderr
        assert "ember bench MODEL.pte" in r.stdout and "--threads N" in r.stdout and "how many threads ran" in r.stdout
    r = _cli("help")
    assert r.returncode == 0 and "ember bench MODEL.pte" in r.stdout and "profile|bench|" in r.stdout


def test_cli_missing_file_exits_1(tmp_path):
    r = _cli("bench", tmp_path / "absent.pte")
    assert r.returncode == 1 and "cannot open" in r.stderr


# ---- Python ------------------------------------------------------------------------------------


def _check_result(res: BenchResult, iters: int, warmup: int) -> None:
    assert isinstance(res.latencies_ms, np.ndarray) and res.latencies_ms.shape == (iters,)
    assert res.iters == iters and res.warmup == warmup
    s = {name + "_ms": getattr(res, name) for name in STATS}
    s["runs_per_second"] = res.runs_per_second
    _check_summary(s, res.latencies_ms)
    assert res.median == float(np.median(res.latencies_ms))  # exactly: the same numbers
    _summary_lines(str(res), iters, warmup)
    rows = list(csv.reader(io.StringIO(res.to_csv())))
    assert rows[0] == ["iteration", "latency_ms"] and len(rows) == iters + 1
    assert [float(v) for _, v in rows[1:]] == pytest.approx(list(res.latencies_ms), abs=1e-6)
    d = json.loads(res.to_json())
    assert len(d["latencies_ms"]) == iters and d["median_ms"] == float(np.median(d["latencies_ms"]))
    assert d["threads_used"] == res.threads_used == res.threads_requested
    assert f"threads: {res.threads_used}\n" in str(res)


def test_python_bench(lenet):
    pte, _, x = lenet
    res = ember.bench(pte, x, warmup=3, iters=7)
    _check_result(res, 7, 3)
    assert "perf_counter_ns" in str(res) and "execute consumes input 0" in str(res)
    assert res.consumed == [0] and res.empty_call_ns > 0
    prog = ember.load(pte)
    for res in (prog.bench(warmup=0, iters=5), ember.bench(prog, iters=4, warmup=1, threads=3)):
        _check_result(res, res.iters, res.warmup)
    assert res.threads_requested == 3 and res.threads_used == 3
    assert prog.bench(iters=2, threads=1).threads_used == 1
    assert ember.bench(pte, iters=2).threads_used == CPUS
    # Benching leaves the method usable: the same outputs as before.
    want = ember.load(pte).run(x)[0]
    assert np.array_equal(prog.run(x)[0], want)
    res = ember.bench(BORROWED, iters=3)
    assert res.consumed == [] and "re-set" not in str(res)


@pytest.mark.parametrize("kwargs", [{"iters": 0}, {"warmup": -1}, {"threads": 0}, {"iters": 2.0}, {"iters": True}])
def test_python_bad_arguments(lenet, kwargs):
    pte, _, _ = lenet
    with pytest.raises(EmberError, match="must be a whole number"):
        ember.bench(pte, **kwargs)


def test_python_wrong_input_count(lenet):
    pte, _, x = lenet
    with pytest.raises(EmberError, match="takes 1 inputs, got 2"):
        ember.bench(pte, x, x)


def test_plot_writes_png(lenet, tmp_path):
    pytest.importorskip("matplotlib")
    pte, _, x = lenet
    res = ember.bench(pte, x, warmup=1, iters=20)
    png = tmp_path / "latency.png"
    fig = res.plot(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(fig.axes) == 2
    trend, hist = fig.axes
    assert np.array_equal(trend.lines[0].get_ydata(), res.latencies_ms)
    assert list(trend.lines[0].get_xdata()) == list(range(1, 21))
    assert sum(p.get_height() for p in hist.patches) == 20
    assert res.plot() is not None  # no path: a figure, nothing written
