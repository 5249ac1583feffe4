"""Program.profile and `ember profile`: every kernel and delegate call timed by the runtime's event
hook. The rows are checked against what the fixture programs are known to contain
(tests/data/make_fixtures.py) and against physics (timed calls lie inside the execute they belong
to, so their sum cannot pass it); the Python table, JSON and CSV have the CLI's layout and rows;
profiling changes no output and leaves no hook behind."""
import csv
import io
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.errors import EmberError
from ember.profile import Profile

REPO = Path(__file__).resolve().parents[2]
EMBER = REPO / "build" / "bin" / "ember"
DATA = REPO / "tests" / "data"
FIXTURES = DATA / "fixtures"
MLP = FIXTURES / "mlp.pte"
MLP_OPS = ["aten::linear.out", "aten::relu.out", "aten::linear.out", "aten::gelu.out", "aten::linear.out"]
MLP_OUTPUTS = ["float32 (3, 24)"] * 4 + ["float32 (3, 5)"]


def _mlp_input() -> np.ndarray:
    return np.frombuffer((FIXTURES / "mlp.input.bin").read_bytes(), dtype="<f4").reshape(3, 12)


def _mlp_expected() -> np.ndarray:
    return np.frombuffer((FIXTURES / "mlp.expected.bin").read_bytes(), dtype="<f4").reshape(3, 5)


def _check_consistent(p: Profile, runs: int) -> None:
    """What must hold for any honest profile, whatever the machine's noise."""
    assert p.runs == runs and len(p.execute_times_ms) == runs
    assert p.execute_min_ms <= p.execute_ms
    # Each timed call lies inside its execute: their sum cannot exceed it (1 us of slack for
    # the clock's granularity).
    assert 0 < p.instructions_ms <= p.execute_ms + 1e-3
    assert p.instructions_ms == pytest.approx(sum(r.total_ms for r in p.instructions), rel=1e-9)
    assert p.overhead_ms == pytest.approx(p.execute_ms - p.instructions_ms)
    for r in p.instructions:
        assert r.mean_us == pytest.approx(r.total_ms * 1e3 / r.calls)
        assert r.share_pct == pytest.approx(100 * r.total_ms / p.execute_ms)
    for o in p.operators:  # an operator is the sum of its instructions
        mine = [r for r in p.instructions if (r.operator, r.kind) == (o.operator, o.kind)]
        assert o.calls == pytest.approx(sum(r.calls for r in mine))
        assert o.total_ms == pytest.approx(sum(r.total_ms for r in mine))
    assert [o.total_ms for o in p.operators] == sorted((o.total_ms for o in p.operators), reverse=True)
    assert sum(o.share_pct for o in p.operators) <= 100.0 + 1e-6 + 1e-3 / p.execute_ms * 100
    assert p.empty_call_ns >= 0


def test_mlp_rows_and_outputs_unchanged():
    prog = ember.load(MLP)
    x = _mlp_input()
    p = prog.profile(x, runs=7, warmup=1)
    _check_consistent(p, 7)
    assert [r.index for r in p.instructions] == [0, 1, 2, 3, 4]
    assert [r.operator for r in p.instructions] == MLP_OPS
    assert [r.output for r in p.instructions] == MLP_OUTPUTS
    assert all(r.kind == "kernel" and r.calls == 1.0 for r in p.instructions)
    assert {o.operator: o.calls for o in p.operators} == {"aten::linear.out": 3, "aten::relu.out": 1, "aten::gelu.out": 1}
    assert p.inputs == "input 0: given" and p.model == str(MLP) and p.method == "forward"
    # The hook is gone and the method computes as before.
    (y,) = prog.run(x)
    np.testing.assert_allclose(y, _mlp_expected(), rtol=0, atol=1e-4)
    assert "aten::gelu.out" in str(p) and repr(p).startswith("<Profile forward of")


def test_default_inputs_are_named():
    p = ember.load(DATA / "et_int_bool.pte").profile(runs=2, warmup=0)
    assert p.inputs == ("input 0: int64 (3, 5) zeros; input 1: int64 (3, 5) zeros; "
                        "input 2: float32 (3, 5) random uniform [-1, 1)")
    _check_consistent(p, 2)
    p = ember.load(FIXTURES / "control_flow.pte").profile(runs=3)
    assert p.inputs == "input 0: float32 (3,) random uniform [-1, 1); input 1: bool 0"


@pytest.mark.parametrize("flag, ran", [(True, (1, "aten::relu.out")), (False, (4, "aten::neg.out"))])
def test_control_flow_times_only_what_runs(flag, ran):
    p = ember.load(FIXTURES / "control_flow.pte").profile(np.array([-1, 2, -3], np.float32), flag, runs=4)
    assert [(r.index, r.operator) for r in p.instructions] == [ran]
    assert p.instructions[0].output == "float32 (3,)"
    _check_consistent(p, 4)


def test_failed_run_clears_the_hook():
    """The hook points at memory the profile owns: a failing execute must not leave it set."""
    prog = ember.load(FIXTURES / "scalar_index.pte")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    with pytest.raises(EmberError, match="index out of range|select_copy"):
        prog.profile(x, 5, runs=2)
    for i in range(50):  # a dangling hook would write into freed memory here
        (y,) = prog.run(x, i % 2)
        np.testing.assert_array_equal(y, x[i % 2])
    p = prog.profile(x, 1, runs=3)
    assert [r.operator for r in p.instructions] == ["aten::select_copy.int_out"]


@pytest.mark.parametrize("kwargs, args, message", [
    ({"runs": 0}, (), "runs must be >= 1"), ({"warmup": -1}, (), "warmup >= 0"),
    ({}, (np.zeros((3, 12), np.float32), np.zeros(1)), "takes 1 inputs, got 2"),
])
def test_bad_arguments(kwargs, args, message):
    with pytest.raises(EmberError, match=message):
        ember.load(MLP).profile(*args, **kwargs)


def test_bytes_source():
    p = ember.load(MLP.read_bytes()).profile(runs=1, warmup=0)
    assert p.model == "<bytes>" and len(p.instructions) == 5


# ---- the CLI, and the same layout from Python -------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EMBER), *args], capture_output=True, text=True, timeout=300)


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _shape(line: str) -> str:
    """A table line with its measured numbers masked: names, shapes and column order stay. Runs of
    spaces become one, since a right-aligned number's padding depends on how many digits it has
    (a share of 9.8% in one run and 10.2% in the other)."""
    if line.startswith(("execute:", "timer:")) or re.match(r"^\s*\d+\s+aten", line) or "kernel " in line:
        return re.sub(r" +", " ", _NUMBER.sub("#", line))
    return line


def test_cli_and_python_print_the_same_table(tmp_path):
    r = _cli("profile", str(MLP), "--runs", "3", "--warmup", "1", "--json", str(tmp_path / "p.json"),
             "--csv", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    cli_lines = r.stdout.splitlines()
    assert cli_lines[-1] == f"wrote {tmp_path / 'p.json'} {tmp_path / 'p.csv'}"
    table = cli_lines[:-2]
    p = ember.load(str(MLP)).profile(runs=3, warmup=1)
    py = p.table().splitlines()
    assert len(table) == len(py) == 4 + 1 + 1 + 3 + 1 + 1 + 5
    assert table[:2] == py[:2] and _shape(table[2]) == _shape(py[2])
    # Same layout line for line, numbers masked; operator rows in whatever order time sorted them.
    ops_cli, ops_py = table[5:9], py[5:9]
    assert ops_cli[0] == ops_py[0]  # the header
    assert sorted(map(_shape, ops_cli[1:])) == sorted(map(_shape, ops_py[1:]))
    assert [_shape(a) for a in table[10:]] == [_shape(b) for b in py[10:]]
    assert _shape(table[3]) == _shape(py[3])

    # JSON: the same keys and rows from both.
    cli = json.loads((tmp_path / "p.json").read_text())
    mine = json.loads(p.to_json())
    assert list(cli) == list(mine)
    assert cli["runs"] == 3 and cli["warmup"] == 1 and cli["timer"] == "clock_gettime(CLOCK_MONOTONIC)"
    assert cli["inputs"] == mine["inputs"] == "input 0: float32 (3, 12) random uniform [-1, 1)"
    for key in ("operators", "instructions"):
        assert [list(row) for row in cli[key]] == [list(row) for row in mine[key]]
    strip = lambda rows: [{k: v for k, v in row.items() if k not in ("total_ms", "mean_us", "share_pct")} for row in rows]
    assert strip(cli["instructions"]) == strip(mine["instructions"])
    by_name = lambda rows: sorted(strip(rows), key=lambda row: (row["operator"], row["kind"]))
    assert by_name(cli["operators"]) == by_name(mine["operators"])
    assert [r["operator"] for r in cli["instructions"]] == MLP_OPS
    assert cli["overhead_ms"] == pytest.approx(cli["execute_ms"] - cli["instructions_ms"])
    assert cli["instructions_ms"] <= cli["execute_ms"] + 1e-3

    # CSV: the same metadata keys, header and rows (JSON's rows, in the same order).
    def parse(text: str):
        meta = [line[2:].split(":", 1)[0] for line in text.splitlines() if line.startswith("# ")]
        rows = list(csv.DictReader(io.StringIO("\n".join(l for l in text.splitlines() if not l.startswith("#")))))
        return meta, rows
    cli_meta, cli_rows = parse((tmp_path / "p.csv").read_text())
    py_meta, py_rows = parse(p.to_csv())
    assert cli_meta == py_meta == [k for k in cli if k not in ("operators", "instructions")]
    assert list(cli_rows[0]) == list(py_rows[0])
    assert [r["table"] for r in cli_rows] == ["operator"] * 3 + ["instruction"] * 5
    for row, want in zip(cli_rows[3:], cli["instructions"]):
        assert (int(row["index"]), row["operator"], row["output"]) == (want["index"], want["operator"], want["output"])
        assert float(row["mean_us"]) == pytest.approx(want["mean_us"], rel=1e-8)


def test_cli_profile_inputs_and_usage(tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, _mlp_input())
    r = _cli("profile", str(MLP), "--input", str(x), "--runs", "2")
    assert r.returncode == 0, r.stderr
    assert f"inputs: input 0: from {x}" in r.stdout
    assert "10 runs" not in r.stdout and "2 runs after 2 warmup" in r.stdout
    r = _cli("profile", str(MLP), "--input", str(x), "--input", str(x))
    assert r.returncode == 1 and "takes 1 inputs, 2 given" in r.stderr
    for bad in (["--runs", "0"], ["--runs", "x"], ["--warmup", "-1"], ["--runs"]):
        r = _cli("profile", str(MLP), *bad)
        assert r.returncode == 2 and "usage:" in r.stderr, bad
    r = _cli("profile", str(DATA / "et_lenet.pte"), "--runs", "2")
    assert r.returncode == 0
    assert "float32 (1, 6, 14, 14) +1 more" in r.stdout  # max_pool2d_with_indices: values and indices
