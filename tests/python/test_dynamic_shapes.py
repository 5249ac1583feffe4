"""Bounded dynamic shapes (issue 10, item 1): ExecuTorch's files whose tensors are marked
DYNAMIC_BOUND run on Ember at any sizes up to the bound, outputs resized, equal to torch eager.

The files, inputs at several sizes and torch's outputs are stored (tests/data/
make_et_dynamic_files.py, dynamic_manifest.json): no executorch needed here. One loaded program
runs every size in turn, from the bound down and back, so each run re-prepares the kernels on
the sizes the inputs have then.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import ember
import zoo
from conftest import REPO

DATA = REPO / "tests" / "data"
MANIFEST = json.loads((DATA / "dynamic_manifest.json").read_text())["models"]


def _case(c):
    return [np.load(DATA / f) for f in c["inputs"]], [np.load(DATA / f) for f in c["outputs"]]


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_size_matches_torch(name):
    entry = MANIFEST[name]
    prog = ember.load((DATA / entry["pte"]).read_bytes())
    cases = entry["cases"]
    for c in cases + cases[::-1]:  # down from the bound and back up, on one program
        inputs, refs = _case(c)
        outs = prog.run(*inputs)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        _, _, problems = zoo.compare(outs, refs)
        assert not problems, f"{entry['pte']} at size {c['size']}: " + "; ".join(problems)


def test_sizes_past_the_bound_or_of_another_rank_are_refused_cleanly():
    entry = MANIFEST["linear"]
    prog = ember.load((DATA / entry["pte"]).read_bytes())
    with pytest.raises(ember.EmberError, match="does not fit: it is dynamic, of rank 2 and at most 512 bytes"):
        prog.run(np.zeros((17, 8), np.float32))  # the bound is 16 rows
    with pytest.raises(ember.EmberError, match="shape mismatch"):
        prog.run(np.zeros((2, 8, 1), np.float32))
    with pytest.raises(ember.EmberError, match="shape mismatch"):
        prog.run(np.zeros((4, 9), np.float32))  # 36 floats fit, but addmm needs 8 features
    # nothing was left half-changed: the next run at a valid size still matches torch
    inputs, refs = _case(entry["cases"][1])
    _, _, problems = zoo.compare(prog.run(*inputs), refs)
    assert not problems, "; ".join(problems)


def test_inspect_names_the_dynamic_tensors():
    ember_cli = REPO / "build" / "bin" / "ember"
    if not ember_cli.exists():
        pytest.skip("build/bin/ember is not built")
    import subprocess

    pte = DATA / MANIFEST["cat"]["pte"]
    text = subprocess.run([str(ember_cli), "inspect", str(pte)], capture_output=True, text=True, check=True).stdout
    assert "input 0: float32 (8, 4), dynamic: rank 2, at most 128 bytes" in text
    info = json.loads(subprocess.run([str(ember_cli), "inspect", "--json", str(pte)], capture_output=True,
                                     text=True, check=True).stdout)
    method = info["methods"][0]
    assert all(i.get("dynamic") for i in method["inputs"]) and method["outputs"][0].get("dynamic")
    static = json.loads(subprocess.run([str(ember_cli), "inspect", "--json", str(DATA / "et_mlp.pte")],
                                       capture_output=True, text=True, check=True).stdout)
    assert not any(i.get("dynamic") for i in static["methods"][0]["inputs"])


# ------------------------------------------------------------------ Ember's own exporter

def _generator_models():
    """The same models and sizes as the stored files (tests/data/make_et_dynamic_files.py)."""
    import sys

    sys.path.insert(0, str(DATA))
    try:
        from make_et_dynamic_files import models
    finally:
        sys.path.remove(str(DATA))
    return {name: rest for name, *rest in models()}


# every model: dims that only flow through the ops, and (view, attention) sizes the program
# reads and computes with (sym_size, executorch_prim arithmetic, et_view of a dynamic size)
EMBER_EXPORTS = ["linear", "conv1d", "conv2d", "view", "attention", "cat"]


@pytest.mark.parametrize("name", EMBER_EXPORTS)
def test_ember_export_with_dynamic_dims_runs_at_every_size(name):
    import torch

    model, example, dynamic, make, sizes = _generator_models()[name]
    model.eval()
    exported = ember.export(model, example, dynamic_shapes=dynamic)
    prog = ember.load(exported.buffer)
    torch.manual_seed(2)
    for s in sizes + sizes[::-1]:
        inputs = make(s)
        _, _, problems = zoo.compare(prog.run(*[x.numpy() for x in inputs]), zoo.reference(model, inputs))
        assert not problems, f"{name} exported by Ember, size {s}: " + "; ".join(problems)


@pytest.mark.parametrize("name", EMBER_EXPORTS)
def test_ember_dynamic_file_runs_on_executorch_at_every_size(name):
    import torch

    try:
        from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer
    except BaseException as e:  # ImportError, or an ABI error from the compiled extension
        pytest.skip(f"ExecuTorch is not usable here: {type(e).__name__}: {e}")
    model, example, dynamic, make, sizes = _generator_models()[name]
    model.eval()
    # ExecuTorch has no kernel for Ember's fused attention (ember::sdpa): torch's decomposition
    buffer = ember.export(model, example, dynamic_shapes=dynamic,
                          decompose_attention=True).buffer  # ExecuTorch reads it in place
    et = _load_for_executorch_from_buffer(buffer)
    torch.manual_seed(3)
    for s in sizes:
        inputs = make(s)
        outs = [o.numpy() for o in et.forward(list(inputs))]
        _, _, problems = zoo.compare(outs, zoo.reference(model, inputs))
        assert not problems, f"{name} (Ember's file on ExecuTorch), size {s}: " + "; ".join(problems)


def test_sizes_the_program_reads_become_kernel_calls():
    """A view to x.shape[0] and arithmetic on it: the size is read by aten::sym_size.int and
    computed by executorch_prim's ops into Int values the views' size lists name, the views of
    the dynamic tensors are et_views (their sizes change at run time); no size is a constant."""
    model, example, dynamic, _, _ = _generator_models()["attention"]
    model.eval()
    exported = ember.export(model, example, dynamic_shapes=dynamic)
    ops = {op["name"] for m in exported.report_dict()["methods"].values() for op in m["ops"]}
    assert {"aten::sym_size.int", "executorch_prim::mul.Scalar", "executorch_prim::et_view.default"} <= ops, ops
    assert not any(op.startswith("aten::view_copy") for op in ops), ops


class _PowOfSize(__import__("torch").nn.Module):
    def forward(self, x):
        return x * (x.shape[0] ** 2)


class _Stride(__import__("torch").nn.Module):
    def forward(self, x):
        return x * x.stride(0)


def test_sizes_computed_with_ops_the_runtime_lacks_are_refused_clearly():
    import torch
    from torch.export import Dim

    with pytest.raises(ember.ExportError, match="computes a dynamic size with pow"):
        ember.export(_PowOfSize(), (torch.randn(4, 3),), dynamic_shapes={"x": {0: Dim("T", max=8)}})
    # a stride is computed from the sizes by torch.export: it runs
    exported = ember.export(_Stride(), (torch.randn(4, 3),), dynamic_shapes={"x": {1: Dim("C", max=8)}})
    x = torch.randn(4, 5)
    out = ember.load(exported.buffer).run(x.numpy())[0]
    assert (out == (x * 5).numpy()).all()


class _SizeArith(__import__("torch").nn.Module):
    """Sizes computed with each executorch_prim scalar op torch.export writes (round(x) is
    traced as round(x, None)), used as a view's sizes and as numbers."""

    def forward(self, x):
        import math

        import torch

        t = x.shape[0]
        y = x.view(t * 2, 3) * ((t + 3) * 2 - 1)
        y = y * ((t * 7) // 2 % 5) + (torch.sym_max(t, 2) - torch.sym_min(t, 1))
        c = t / 4.0
        y = y * c + torch.sym_int(c) + math.ceil(c) + round(c) + math.trunc(c) + (-t)
        return y * (t > 2) + (t >= 3) + (t <= 100) + (t < 101) + torch.sym_not(t == 7)


def test_size_arithmetic_with_every_prim_op_runs_at_every_size():
    import torch
    from torch.export import Dim

    model = _SizeArith()
    exported = ember.export(model, (torch.randn(4, 6),), dynamic_shapes={"x": {0: Dim("T", min=1, max=16)}})
    prog = ember.load(exported.buffer)
    for t in (16, 1, 7, 2, 9):
        x = torch.randn(t, 6)
        np.testing.assert_allclose(prog.run(x.numpy())[0], model(x).numpy(), rtol=1e-5, atol=1e-5,
                                   err_msg=f"T = {t}")


def test_linear_weights_packed_at_load_serve_every_size():
    """A linear with a dynamic row count is prepared again before each run; its weight, packed
    at load (a layout of the weight alone), serves every run whose prepare asks for it (enough
    rows on a CPU whose core packs) and none other. Packed and unpacked give the same bytes at
    every size (the same core from that row count on), in any order of sizes, and torch's
    numbers."""
    torch = pytest.importorskip("torch")
    from torch.export import Dim

    class Mlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(3)
            self.a = torch.nn.Linear(96, 160)
            self.b = torch.nn.Linear(160, 80)

        def forward(self, x):
            return self.b(torch.relu(self.a(x)))

    model = Mlp().eval()
    prog = ember.export(model, (torch.randn(4, 96),), dynamic_shapes={"x": {0: Dim("T", max=160)}})
    packed = ember.load(prog.buffer).method("forward")
    plain = ember.load(prog.buffer, pack_weights=False).method("forward")
    static = ember.load(ember.export(model, (torch.randn(128, 96),)).buffer).method("forward")
    if static.packed_weight_bytes == 0:
        pytest.skip("this CPU's linear packs no weights (no AVX-512 or NEON core)")
    # the dynamic method packs what the static one does (both layers)
    assert packed.packed_weight_bytes == static.packed_weight_bytes >= 4 * (96 * 160 + 160 * 80)
    g = torch.Generator().manual_seed(4)
    for t in (100, 3, 160, 64, 1, 63, 128, 2):
        x = torch.randn(t, 96, generator=g)
        a, b = packed.run(x.numpy())[0], plain.run(x.numpy())[0]
        np.testing.assert_array_equal(a, b, err_msg=f"T = {t}")
        with torch.no_grad():
            np.testing.assert_allclose(a, model(x).numpy(), rtol=1e-4, atol=1e-5)
