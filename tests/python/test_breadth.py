"""Breadth: real architectures from `transformers` and `timm` (tests/python/breadth_models.py)
through ember.export -> .pte file -> ember.load(path).run, against torch eager.

Per architecture the sweep records whether torch.export captures it, whether Ember exports it,
whether the C runtime runs it, whether the outputs match, the max error and the export and run
times (docs/breadth.md). A model torch.export itself cannot capture is skipped as "not
capturable": that is not Ember's failure. Every other failure fails the test.

Tolerance, per output: floats within 1e-4 * max(1, max|eager|) (zoo.compare), ints and bools
exactly, same dtype and shape. Both sides compute in float32, so they differ only by rounding
and summation order (a dot product of length K differs by about sqrt(K) * 6e-8 relative); these
models are shallow and small, so 1e-4 leaves a wide margin, while a wrong kernel, a wrong
constant or a misplaced buffer gives errors of order one.

The run happens in a child process, so a crash in the C runtime fails that one architecture
(with the signal) instead of ending the sweep.

Selection (conftest.py): every case is marked `breadth`; the few in breadth_models.FAST are also
marked `breadth_fast`. A plain `pytest tests/python` runs only those; `pytest -m breadth` (or
EMBER_BREADTH=all, or any -m/-k) runs what it selects. `make test-breadth` runs them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

import breadth_models
import ember
import zoo
from conftest import BREADTH_RESULTS, REPO

RUN_TIMEOUT_S = 300.0

# Loads the .pte from its path, runs it on the saved inputs and saves the outputs; prints the
# run time as JSON. Needs only numpy and ember (no torch).
_WORKER = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import ember
    pte, n_in, out_prefix = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    inputs = [np.load(f"{out_prefix}.in{i}.npy") for i in range(n_in)]
    prog = ember.load(pte)
    t0 = time.perf_counter()
    outs = prog.run(*inputs)
    run_s = time.perf_counter() - t0
    for i, o in enumerate(outs):
        np.save(f"{out_prefix}.out{i}.npy", np.asarray(o))
    print(json.dumps({"n_out": len(outs), "run_s": run_s}), flush=True)
    """
)


def _first_line(e: BaseException) -> str:
    """The error's first line; for a missing-kernel ExportError, with the operators' names."""
    text = str(e).strip()
    lines = text.splitlines() or [""]
    head = f"{type(e).__name__}: {lines[0]}"
    if "has no kernel for" in lines[0]:
        ops = [l.split()[0] for l in lines[1:] if l.startswith("  ") and l.split()]
        head += " " + ", ".join(ops)
    return head[:400]


def _run_in_child(tmp_path, pte, inputs):
    prefix = str(tmp_path / "io")
    for i, x in enumerate(inputs):
        np.save(f"{prefix}.in{i}.npy", x.numpy())
    worker = tmp_path / "worker.py"
    worker.write_text(_WORKER)
    proc = subprocess.run(
        [sys.executable, str(worker), str(REPO / "python"), str(pte), str(len(inputs)), prefix],
        capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=str(REPO),
    )
    if proc.returncode != 0:
        tail = [l for l in proc.stderr.strip().splitlines() if l.strip()]
        why = tail[-1] if tail else "(no message)"
        if proc.returncode < 0:
            why = f"the runtime died with signal {-proc.returncode}; {why}"
        raise RuntimeError(why)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    outs = [np.load(f"{prefix}.out{i}.npy") for i in range(info["n_out"])]
    return outs, info["run_s"]


def _params():
    out = []
    for name in breadth_models.ARCHS:
        marks = [pytest.mark.breadth]
        if name in breadth_models.FAST:
            marks.append(pytest.mark.breadth_fast)
        out.append(pytest.param(name, marks=marks))
    return out


@pytest.mark.parametrize("arch", _params())
def test_breadth(arch, tmp_path, monkeypatch):
    row = {"arch": arch, "library": "timm" if arch.startswith("timm_") else "transformers",
           "capturable": None, "exported": False, "ran": False, "equal": False, "status": "FAIL",
           "stage": "build", "max_abs_err": None, "tol": None, "ref_absmax": None, "export_s": None,
           "run_s": None, "file_bytes": None, "error": None}
    BREADTH_RESULTS.append(row)

    try:  # a failure here is the test's own (a configuration the library rejects)
        model, inputs = breadth_models.get(arch)
        refs = zoo.reference(model, inputs)
    except Exception as e:
        row["error"] = _first_line(e)
        raise
    floats = [np.abs(r).max() for r in refs if r.dtype.kind == "f" and r.size]
    row["ref_absmax"] = float(max(floats)) if floats else None

    # Sees whether ember.export's own call of torch.export.export returned.
    real_export = torch.export.export
    captured = []

    def spy(*args, **kwargs):
        ep = real_export(*args, **kwargs)
        captured.append(True)
        return ep

    monkeypatch.setattr(torch.export, "export", spy)
    row["stage"] = "export"
    t0 = time.perf_counter()
    try:
        prog = ember.export(model, inputs)
    except Exception as e:
        row["export_s"] = round(time.perf_counter() - t0, 2)
        row["capturable"] = bool(captured)
        row["error"] = _first_line(e.__cause__ if not captured and e.__cause__ else e)
        if not captured:
            row.update(status="not capturable", stage="torch.export")
            pytest.skip(f"not capturable by torch.export: {row['error']}")
        raise
    finally:
        monkeypatch.undo()
    row.update(capturable=True, exported=True, export_s=round(time.perf_counter() - t0, 2),
               file_bytes=len(prog.buffer))

    row["stage"] = "run"
    pte = tmp_path / f"{arch}.pte"
    prog.save(pte)
    try:
        outs, run_s = _run_in_child(tmp_path, pte, inputs)
    except Exception as e:
        row["error"] = _first_line(e)
        raise
    row.update(ran=True, run_s=round(run_s, 4))

    row["stage"] = "compare"
    max_err, tol, problems = zoo.compare(outs, refs)
    row.update(max_abs_err=max_err, tol=tol)
    if problems:
        row["error"] = "; ".join(problems)[:400]
    else:
        row.update(equal=True, status="ok", stage="done")
    print(f"\n[breadth] {arch}: max abs err {max_err:.3e} (tol {tol:.1e}); "
          f"export {row['export_s']:.1f}s, run {row['run_s']:.3f}s, {row['file_bytes']} B")
    assert not problems, f"{arch}: " + "; ".join(problems)


def test_torchvision_stub_is_enough_for_timm():
    """The torchvision stand-in lets timm import and build a model, and says so when used."""
    timm = breadth_models.import_timm()
    assert timm.create_model("resnet10t", pretrained=False, num_classes=3) is not None
    tv = breadth_models.TORCHVISION_STUB or sys.modules["torchvision"]
    if getattr(tv, "__version__", "").endswith("+stub"):
        with pytest.raises(RuntimeError, match="stubbed"):
            tv.transforms.ToTensor()
