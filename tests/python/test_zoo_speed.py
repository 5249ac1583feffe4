"""bench/zoo_speed.py end to end on two small zoo models: it writes the markdown table and the
JSON, Ember's outputs match eager's, every model has one latency per timed round for each
runtime and names its top operators. Numbers are not checked: timing belongs to the benchmark,
not the test."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "zoo_speed.py"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Runs the script once (in a subprocess: it pins its process to one CPU)."""
    out = tmp_path_factory.mktemp("zoo_speed")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--models", "hf_bert,hf_vit", "--iters", "10",
                           "--warmup", "1", "--budget", "0.1", "--no-confirm", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, proc, json.loads((out / "zoo_speed.json").read_text())


def test_table_and_json(run):
    out, proc, res = run
    md = (out / "zoo_speed.md").read_text()
    assert "| model | eager ms | Ember ms | ratio | rounds |" in md
    assert "| hf_bert |" in md and "| hf_vit |" in md
    assert md.strip() in proc.stdout  # printed as written
    assert res["pinned_cpu"] == min(os.sched_getaffinity(0)) and not res["base"]


def test_rows(run):
    _, _, res = run
    assert [r["model"] for r in res["rows"]] == ["hf_bert", "hf_vit"]
    for row in res["rows"]:
        assert "error" not in row, row
        assert row["match"], row["max_abs_err"]
        assert row["iters"] == 10
        for name in ("eager", "ember"):
            assert len(row[name]["latencies_ns"]) == 10 and min(row[name]["latencies_ns"]) > 0
        assert row["ratio"] == pytest.approx(row["ember"]["median_ms"] / row["eager"]["median_ms"])
        ops = row["top_ops"]
        assert len(ops) == 3 and all(op.endswith(".out") or "::" in op for op, _, _ in ops)
        assert any("linear" in op for op, _, _ in ops)


def test_unknown_model_is_refused():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--models", "hf_nope"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0 and "unknown models" in proc.stderr
