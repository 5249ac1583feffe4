"""ExecuTorch compatibility, both directions, compared to torch eager.

1. Ember-written .pte files run on ExecuTorch's runtime (its portable-ops pybindings).
2. ExecuTorch-written .pte files (`to_edge(export(m, x)).to_executorch().buffer`) run on Ember.
3. ExecuTorch-written files stored in tests/data/ run on Ember: needs no executorch, so the
   Ember-reads-ExecuTorch direction is tested on every machine.

1 and 2 need the `executorch` package (scripts/setup_executorch.sh installs it); without it they
skip, saying exactly what failed to import.

Known ExecuTorch 1.5.1 bug: its portable aten::remainder (Scalar_out and Tensor_out) on int64
returns C's truncated remainder (-5 % 3 == -2, torch says 1), so the int_bool model is left out of
direction 1 (the reference is torch, and Ember follows torch).
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import ember
import zoo
from conftest import REPO, ZOO_RESULTS

DATA = REPO / "tests" / "data"

# Models for each direction (name, kwargs for the zoo function).
EMBER_TO_ET = [
    ("mlp", {}),
    ("lenet", {}),
    ("ds_cnn", {}),
    ("broadcast", {}),
    ("slicing", {}),
    ("concat_split", {}),
    ("softmax_layernorm", {}),
    ("conv1d", {}),
    ("reductions", {}),
    ("mobilenet_v2", {"resolution": 64}),
]
ET_TO_EMBER = EMBER_TO_ET + [("int_bool", {})]


def _id(case):
    name, kw = case
    return name + "".join(f"-{k}{v}" for k, v in kw.items())


_ET = None  # (to_edge, _load_for_executorch_from_buffer) or the reason they are unavailable


def _executorch():
    """ExecuTorch's exporter and runtime entry points, or pytest.skip naming what failed."""
    global _ET
    if _ET is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from executorch.exir import to_edge
                from executorch.extension.pybindings.portable_lib import (
                    _load_for_executorch_from_buffer,
                )
            _ET = (to_edge, _load_for_executorch_from_buffer)
        except BaseException as e:  # ImportError, or an ABI error from the compiled extension
            _ET = f"ExecuTorch is not usable here: importing it raised {type(e).__name__}: {e} " \
                  f"(torch {torch.__version__}; run scripts/setup_executorch.sh)"
    if isinstance(_ET, str):
        print(f"\nSKIP: {_ET}")
        pytest.skip(_ET)
    return _ET


def _et_buffer(model, inputs) -> bytes:
    to_edge, _ = _executorch()
    return to_edge(torch.export.export(model, inputs)).to_executorch().buffer


def _record(direction: str, name: str, max_err, tol, problems, **extra):
    status = "ok" if not problems else ("FAIL" if max_err is not None else "ERROR")
    row = {"test": direction, "model": name, "status": status, "max_abs_err": max_err, "tol": tol, **extra}
    if problems:
        row["error"] = "; ".join(problems)[:300]
    ZOO_RESULTS.append(row)


@pytest.mark.parametrize("case", EMBER_TO_ET, ids=_id)
def test_ember_file_runs_on_executorch(case):
    name, kw = case
    _, et_load = _executorch()
    model, inputs = zoo.get(name, **kw)
    refs = zoo.reference(model, inputs)
    t0 = time.perf_counter()
    buf = ember.export(model, inputs).buffer
    export_s = time.perf_counter() - t0
    try:
        et_prog = et_load(buf)
    except BaseException as e:
        _record("ember->et", _id(case), None, None, [str(e)], export_s=export_s)
        raise
    outs = [o.numpy() if isinstance(o, torch.Tensor) else np.asarray(o) for o in et_prog.forward(list(inputs))]
    max_err, tol, problems = zoo.compare(outs, refs)
    _record("ember->et", _id(case), max_err, tol, problems, export_s=export_s)
    print(f"\n[ember->et] {_id(case)}: max abs err {max_err:.3e} (tol {tol:.1e})")
    assert not problems, f"{name} (Ember file on ExecuTorch): " + "; ".join(problems)


@pytest.mark.parametrize("case", ET_TO_EMBER, ids=_id)
def test_executorch_file_runs_on_ember(case):
    name, kw = case
    model, inputs = zoo.get(name, **kw)
    refs = zoo.reference(model, inputs)
    buf = _et_buffer(model, inputs)
    t0 = time.perf_counter()
    try:
        outs = ember.load(buf).run(*inputs)
    except BaseException as e:
        _record("et->ember", _id(case), None, None, [f"{type(e).__name__}: {e}"])
        raise
    run_s = time.perf_counter() - t0
    max_err, tol, problems = zoo.compare(outs, refs)
    _record("et->ember", _id(case), max_err, tol, problems, run_s=run_s)
    print(f"\n[et->ember] {_id(case)}: max abs err {max_err:.3e} (tol {tol:.1e})")
    assert not problems, f"{name} (ExecuTorch file on Ember): " + "; ".join(problems)


# ----------------------------------------------------------------------------- stored files


def _stored_models():
    manifest = DATA / "manifest.json"
    if not manifest.exists():
        return []
    return sorted(json.loads(manifest.read_text())["models"])


def test_stored_files_present():
    names = _stored_models()
    assert {"mlp", "lenet", "ds_cnn"} <= set(names), \
        "tests/data/manifest.json must list the ExecuTorch-written files (tests/data/make_et_files.py)"


@pytest.mark.parametrize("name", _stored_models())
def test_stored_executorch_file_runs_on_ember(name):
    """No executorch needed: the .pte, inputs and torch outputs were saved by make_et_files.py."""
    entry = json.loads((DATA / "manifest.json").read_text())["models"][name]
    buf = (DATA / entry["pte"]).read_bytes()
    assert buf[4:8] == b"ET12"
    inputs = [np.load(DATA / p) for p in entry["inputs"]]
    refs = [np.load(DATA / p) for p in entry["outputs"]]
    try:
        outs = ember.load(buf).run(*inputs)
    except BaseException as e:
        _record("et-file", name, None, None, [f"{type(e).__name__}: {e}"])
        raise
    max_err, tol, problems = zoo.compare(outs, refs)
    _record("et-file", name, max_err, tol, problems)
    print(f"\n[et-file] {name}: max abs err {max_err:.3e} (tol {tol:.1e})")
    assert not problems, f"tests/data/{entry['pte']} on Ember: " + "; ".join(problems)


class _Views(torch.nn.Module):
    """Views Ember plans as aliases (python/ember/passes.py): a chain of views of an input
    (bound by executorch_prim::et_view at run time), views and a clone of a planned tensor
    (the owner's slot, no instruction), a view of a constant (the constant's buffer under
    another shape), and views returned as outputs (kept as copies)."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(16, 16)
        self.register_buffer("table", torch.randn(4, 4))

    def forward(self, x):
        a = x.reshape(2, 16).unsqueeze(1).squeeze(1)
        h = self.fc(a)
        v = h.view(2, 4, 4)
        w = v.reshape(8, 4).clone()
        y = torch.relu(w).view(2, 16) + self.table.reshape(16) + h
        return y, v.flatten(), x.view(32)


@pytest.mark.parametrize("fold", [True, False])
def test_ember_views_run_on_executorch(fold):
    _, et_load = _executorch()
    torch.manual_seed(0)
    model, inputs = _Views().eval(), (torch.randn(2, 4, 4),)
    refs = zoo.reference(model, inputs)
    prog = ember.export(model, inputs, fold_constants=fold)
    ops = [c.full_name for m in prog.program.methods for c in m.instructions]
    assert "executorch_prim::et_view.default" in ops and prog.program.methods[0].aliases
    outs = [o.numpy() for o in et_load(prog.buffer).forward(list(inputs))]
    max_err, tol, problems = zoo.compare(outs, refs)
    _record("ember->et", f"views-fold{fold}", max_err, tol, problems)
    assert not problems, "views (Ember file on ExecuTorch): " + "; ".join(problems)
