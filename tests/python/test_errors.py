"""Export errors that help: every failure is an ember.ExportError naming the op (its out-variant
name), the user-level op a decomposition made it from, the innermost model line, and a remedy;
torch's own exceptions are wrapped with the cause kept; the model's train/eval flags survive.

Oracles: the line numbers of this file (found with inspect, not typed in), the runtime's own
list of operators, and the modules' flags before the export.
"""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch
import torch.nn as nn

import ember
from ember import runtime


def _line_of(fn, marker: str) -> int:
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, text in enumerate(lines) if marker in text)


def _needs_runtime() -> frozenset[str]:
    try:
        return runtime.supported_operators()
    except ember.EmberError:
        pytest.skip("libember is not built")


# ----------------------------------------------------------------------------- where and what


def shift_rows(x):
    return torch.roll(x, 1, 0)  # HELPER LINE


class Rolls(nn.Module):
    def forward(self, x):
        y = shift_rows(x)  # CALL LINE
        return y * 2


def test_op_in_a_helper_is_blamed_on_the_helper_line():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the runtime may lack fmod
        prog = ember.export(Rolls(), (torch.randn(4, 3),), fold_constants=False,
                            check_runtime=False)
    helper = _line_of(shift_rows, "HELPER LINE")
    call = _line_of(Rolls.forward, "CALL LINE")
    sources = {c.full_name: c.source for c in prog.program.methods[0].instructions}
    where = sources["aten::index_select.out"]
    assert where.startswith(f"test_errors.py:{helper} (`return torch.roll(x, 1, 0)")
    assert f"in shift_rows, called from test_errors.py:{call}" in where
    # The multiply in forward itself is blamed on forward's line, with no chain.
    mul = next(s for name, s in sources.items() if name.startswith("aten::mul"))
    assert mul.startswith(f"test_errors.py:{call + 1} (`return y * 2`)") and "called" not in mul


def test_missing_kernel_names_the_user_level_op_and_a_remedy(monkeypatch):
    known = _needs_runtime()
    # Unfolded, torch.roll decomposes to fmod, index_select and arange; pretend the runtime
    # lacks fmod (it may have gained one since).
    monkeypatch.setattr(runtime, "supported_operators", lambda: known - {"aten::fmod.Scalar_out"})
    with pytest.raises(ember.ExportError) as info:
        ember.export(Rolls(), (torch.randn(4, 3),), fold_constants=False)
    msg = str(info.value)
    helper = _line_of(shift_rows, "HELPER LINE")
    assert "aten::fmod.Scalar_out (made from torch.roll by torch's decompositions)" in msg
    assert f"test_errors.py:{helper}" in msg
    assert "Remedy: not supported yet" in msg and "without torch.roll" in msg
    assert "check_runtime=False" in msg
    # Folded (the default), roll's index arithmetic is computed at export: no fmod is left.
    prog = ember.export(Rolls(), (torch.randn(4, 3),))
    assert "aten::fmod.Scalar_out" not in [c.full_name for c in prog.program.methods[0].instructions]


def test_no_out_variant_has_a_remedy():
    lib = torch.library.Library("ember_err_test", "DEF")
    lib.define("no_out(Tensor x) -> Tensor")
    lib.impl("no_out", lambda x: x * 2, "CompositeExplicitAutograd")
    torch.library.register_fake("ember_err_test::no_out", lambda x: torch.empty_like(x))

    class UsesIt(nn.Module):
        def forward(self, x):
            return torch.ops.ember_err_test.no_out(x.relu())  # NO OUT

    with pytest.raises(ember.ExportError) as info:
        ember.export(UsesIt(), (torch.randn(3),))
    msg = str(info.value)
    assert "ember_err_test.no_out.default" in msg and "no out variant" in msg
    assert f"test_errors.py:{_line_of(UsesIt.forward, 'NO OUT')}" in msg
    assert "Remedy:" in msg


class Float64Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4).double()

    def forward(self, x):
        return self.fc(x)  # F64 LINE


class Uint32Scale(nn.Module):
    def forward(self, x):
        return x * 3  # U32 LINE


@pytest.mark.parametrize("make", [
    lambda: (Float64Linear(), torch.randn(2, 4, dtype=torch.float64), "aten::linear.out",
             _line_of(Float64Linear.forward, "F64 LINE")),
    lambda: (Uint32Scale(), torch.ones(3, dtype=torch.uint32), "aten::mul.Scalar_out",
             _line_of(Uint32Scale.forward, "U32 LINE")),
], ids=["float64-linear", "uint32-mul"])
def test_dtype_a_kernel_refuses_fails_at_export(make):
    """The export-time check loads each method in the C runtime, so a kernel's prepare sees the
    real dtypes. Float64 nn.Linear and uint32 multiplication have no kernel today; if one
    gains it, its case is skipped (the other still proves the check)."""
    known = _needs_runtime()
    model, x, op, line = make()
    assert op in known  # the op exists: only its dtype can be refused
    try:
        prog = ember.export(model, (x,))
    except ember.ExportError as e:
        msg = str(e)
        assert op in msg and f"test_errors.py:{line}" in msg
        assert str(x.dtype).removeprefix("torch.") in msg  # the runtime's own message
        assert "Remedy:" in msg and "float32" in msg
        return
    pytest.skip(f"the runtime now runs {op} on {x.dtype}")
    del prog


# ----------------------------------------------------------------------------- keywords


def test_unbounded_dynamic_shapes_are_refused_with_the_reason():
    m, x = nn.Linear(3, 3), (torch.randn(2, 3),)
    with pytest.raises(ember.ExportError) as info:
        ember.export(m, x, dynamic_shapes={"input": {0: torch.export.Dim("batch")}})
    assert "has no upper bound" in str(info.value)
    assert "Dim('T', max=...)" in str(info.value)
    ember.export(m, x, dynamic_shapes=None)  # the default is fine
    ember.export(m, x, dynamic_shapes={"input": {0: torch.export.Dim("batch", max=8)}})


def test_malformed_methods_are_export_errors():
    m, x = nn.Linear(3, 3), (torch.randn(2, 3),)
    for methods in ({}, {"a": m}, {"a": (m, x, x)}, {1: (m, x)}, [("a", (m, x))]):
        with pytest.raises(ember.ExportError, match="methods"):
            ember.export(methods=methods)


def test_other_torch_export_keywords():
    m, x = nn.Linear(3, 3), (torch.randn(2, 3),)
    with pytest.raises(ember.ExportError, match="preserve_module_call_signature"):
        ember.export(m, x, preserve_module_call_signature=("fc",))
    with pytest.raises(ember.ExportError, match="unknown keyword 'bogus'"):
        ember.export(m, x, bogus=1)
    ember.export(m, x, strict=True)  # passed to torch.export


class TakesKeyword(nn.Module):
    def forward(self, x, *, scale):
        return x * scale


def test_keyword_inputs():
    x, s = torch.randn(2, 3), torch.randn(2, 3)
    prog = ember.export(TakesKeyword(), (x,), kwargs={"scale": s})
    try:
        loaded = ember.load(prog.buffer)
    except ember.EmberError:
        pytest.skip("libember is not built")
    (out,) = loaded.run(x, s, flat=True)
    torch.testing.assert_close(torch.from_numpy(out), x * s)


# ----------------------------------------------------------------------------- torch's failures


def test_decomposition_failure_is_wrapped(monkeypatch):
    def broken(self, *args, **kwargs):
        raise AssertionError("expected compiled_fn to be GraphModule, got <class 'function'>")

    monkeypatch.setattr(torch.export.ExportedProgram, "run_decompositions", broken)
    with pytest.raises(ember.ExportError) as info:
        ember.export(nn.Linear(3, 3), (torch.randn(2, 3),))
    assert "run_decompositions" in str(info.value) and "compiled_fn" in str(info.value)
    assert "Remedy:" in str(info.value)
    assert isinstance(info.value.__cause__, AssertionError)


class DataDependent(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


def test_trace_failure_is_wrapped():
    with pytest.raises(ember.ExportError) as info:
        ember.export(DataDependent(), (torch.randn(3),))
    assert "torch.export could not trace the model" in str(info.value)
    assert info.value.__cause__ is not None


def test_internal_error_while_lowering_is_wrapped(monkeypatch):
    from ember import lower

    def broken(*args, **kwargs):
        raise TypeError("boom")

    monkeypatch.setattr(lower, "find_out_variant", broken)
    with pytest.raises(ember.ExportError) as info:
        ember.export(nn.Linear(3, 3), (torch.randn(2, 3),))
    msg = str(info.value)
    assert "internal error while lowering" in msg and "TypeError: boom" in msg
    assert "Remedy:" in msg and isinstance(info.value.__cause__, TypeError)


# ----------------------------------------------------------------------------- the model's mode


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(0.5)
        self.head = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))

    def forward(self, x):
        return self.head(self.drop(self.fc(x)))


def test_training_flags_are_restored_exactly():
    m = Net().train()
    m.drop.eval()  # one child differs from its parent
    before = {name: mod.training for name, mod in m.named_modules()}
    x = torch.randn(2, 4)
    prog = ember.export(m, (x,))
    assert {name: mod.training for name, mod in m.named_modules()} == before
    # It was exported in eval mode: no dropout op, and it matches eval-mode eager.
    assert not any("dropout" in c.full_name or "bernoulli" in c.full_name
                   for c in prog.program.methods[0].instructions)
    try:
        (out,) = ember.load(prog.buffer).run(x, flat=True)
    except ember.EmberError:
        pytest.skip("libember is not built")
    m.eval()
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(out), m(x))


def test_mode_is_restored_when_export_fails():
    m = DataDependent().train()
    with pytest.raises(ember.ExportError):
        ember.export(m, (torch.randn(3),))
    assert m.training


# ----------------------------------------------------------------------------- check_runtime=False


class Cumprod(nn.Module):
    def forward(self, x):
        return torch.cumprod(x, dim=1)  # CUMPROD


def test_check_runtime_false_warns_and_reports(monkeypatch):
    known = _needs_runtime()
    monkeypatch.setattr(runtime, "supported_operators", lambda: known - {"aten::cumprod.out"})
    x = torch.randn(2, 3)
    with pytest.warns(UserWarning, match=r"aten::cumprod\.out") as caught:
        prog = ember.export(Cumprod(), (x,), check_runtime=False)
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert [p.op for p in prog.runtime_problems] == ["aten::cumprod.out"]
    line = _line_of(Cumprod.forward, "CUMPROD")
    assert f"test_errors.py:{line}" in prog.report()
    assert "refuse" in prog.report()
    (problem,) = prog.report_dict()["runtime_problems"]
    assert problem["op"] == "aten::cumprod.out" and problem["remedy"]


def test_no_warning_when_the_runtime_can_run_it():
    _needs_runtime()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prog = ember.export(nn.Linear(3, 3), (torch.randn(2, 3),), check_runtime=False)
    assert prog.runtime_problems == []
