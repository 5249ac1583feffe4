"""Export-time graph passes (python/ember/passes.py): batch norm folding, rows picked before a
linear, permutes that cancel or merge, and view aliasing.

Each model is exported with optimize=True and optimize=False and run on Ember's C runtime.
Oracles: torch eager for the results (float within 1e-4 relative to the output's magnitude:
folding reorders the batch norm's arithmetic), the instruction lists (no batch norm, no view
copies left), the file and planned sizes of the plain export, and the C loader's own checks
(every out planned, no out overlapping what it reads) and test_export's file check (tensors
live at the same time share no bytes, a view counting as a read of its owner). Memory reuse is the hazard of aliasing:
`ReusedSlot` is built so that a plan that forgets a view's reads hands its owner's bytes to a
later tensor, and the test shows that such a plan gives wrong numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

import ember
import ember.plan
from ember import ir
from test_export import check_structure

BATCH_NORM = "aten::_native_batch_norm_legit_no_training.out"
ET_VIEW = "executorch_prim::et_view.default"
VIEW_COPIES = {
    "aten::view_copy.out", "aten::_unsafe_view.out", "aten::squeeze_copy.dims_out",
    "aten::squeeze_copy.dim_out", "aten::squeeze_copy.out", "aten::unsqueeze_copy.out",
    "aten::clone.out", "aten::alias_copy.out",
}


def _run(prog: "ember.ExportedProgram", inputs: tuple) -> list:
    try:
        loaded = ember.load(prog.buffer)
    except ember.EmberError as e:
        if "not found" in str(e):
            pytest.skip("libember is not built")
        raise
    return loaded.run(*inputs, flat=True)


def _check(prog, model, inputs, rtol: float = 1e-4) -> None:
    with torch.no_grad():
        refs = model(*inputs)
    refs = refs if isinstance(refs, (tuple, list)) else (refs,)
    outs = _run(prog, inputs)
    assert len(outs) == len(refs)
    for o, r in zip(outs, refs):
        r = r.numpy()
        assert o.dtype == r.dtype and o.shape == r.shape
        np.testing.assert_allclose(o, r, rtol=rtol, atol=rtol * max(1.0, float(np.abs(r).max())))


def _ops(prog) -> list[str]:
    return [c.full_name for m in prog.program.methods for c in m.instructions]


def _both(model: nn.Module, inputs: tuple, structure: bool = True, **kw):
    model.eval()
    fast = ember.export(model, inputs, **kw)
    plain = ember.export(model, inputs, optimize=False, **kw)
    _check(fast, model, inputs)
    _check(plain, model, inputs)
    for prog in (fast, plain) if structure else ():
        check_structure(prog.buffer)  # the file's invariants: live tensors never share bytes
    return fast, plain


def _randomize_norms(model: nn.Module) -> nn.Module:
    """Batch norm statistics and affine parameters far from the identity, so that folding them
    wrongly shows in the outputs."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) * 2 - 1)
            m.running_var.copy_(torch.rand(n, generator=g) * 2 + 0.25)
            if m.affine:
                m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.data.copy_(torch.rand(n, generator=g) * 2 - 1)
    return model


# ----------------------------------------------------------------------------- batch norm


class ConvBn(nn.Module):
    def __init__(self, bias: bool, groups: int = 1, transposed: bool = False, affine: bool = True):
        super().__init__()
        conv = nn.ConvTranspose2d if transposed else nn.Conv2d
        self.conv = conv(8, 12, 3, stride=2 if transposed else 1, padding=1, bias=bias,
                         groups=groups)
        self.bn = nn.BatchNorm2d(12, affine=affine)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


@pytest.mark.parametrize("kw", [
    dict(bias=False), dict(bias=True), dict(bias=False, groups=4), dict(bias=True, affine=False),
    dict(bias=False, transposed=True), dict(bias=True, transposed=True, groups=2),
], ids=lambda kw: "-".join(f"{k}{v}" for k, v in kw.items()))
def test_conv_batch_norm_folds(kw):
    model = _randomize_norms(ConvBn(**kw))
    x = torch.randn(2, 8, 9, 7)
    fast, plain = _both(model, (x,))
    assert BATCH_NORM in _ops(plain)
    assert BATCH_NORM not in _ops(fast)
    assert len(fast.buffer) <= len(plain.buffer)


class DepthwiseBn(nn.Module):
    """MobileNet's depthwise block: groups == channels."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False)
        self.bn = nn.BatchNorm2d(6)
        self.pw = nn.Conv1d(6, 5, 1)
        self.bn1 = nn.BatchNorm1d(5)

    def forward(self, x):
        y = self.bn(self.dw(x)).flatten(2)
        return self.bn1(self.pw(y))


def test_depthwise_and_conv1d_batch_norms_fold():
    model = _randomize_norms(DepthwiseBn())
    fast, plain = _both(model, (torch.randn(1, 6, 5, 5),))
    assert _ops(plain).count(BATCH_NORM) == 2
    assert BATCH_NORM not in _ops(fast)


class LinearBn(nn.Module):
    def __init__(self, bias: bool):
        super().__init__()
        self.fc = nn.Linear(10, 7, bias=bias)
        self.bn = nn.BatchNorm1d(7)

    def forward(self, x):
        return self.bn(self.fc(x))


@pytest.mark.parametrize("bias", [False, True])
def test_linear_batch_norm1d_folds(bias):
    model = _randomize_norms(LinearBn(bias))
    fast, plain = _both(model, (torch.randn(4, 10),))
    assert BATCH_NORM in _ops(plain) and BATCH_NORM not in _ops(fast)
    assert len(fast.buffer) <= len(plain.buffer)


class NotFoldable(nn.Module):
    """Three batch norms that must stay: the convolution's result is also returned, the weight
    is shared by two convolutions, and a linear on a 3-D input (the norm's channels are not the
    linear's features)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.bn = nn.BatchNorm2d(4)
        self.shared = nn.Conv2d(4, 4, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(5, 5)
        self.bn3 = nn.BatchNorm1d(4)

    def forward(self, x):
        c = self.conv(x)
        y = self.bn2(self.shared(self.bn(c)))
        z = self.shared(y)
        return c, z, self.bn3(self.fc(y.flatten(2)[..., :5]))


def test_batch_norms_that_must_stay():
    model = _randomize_norms(NotFoldable())
    fast, plain = _both(model, (torch.randn(1, 3, 4, 4),))
    assert _ops(fast).count(BATCH_NORM) == 3 == _ops(plain).count(BATCH_NORM)


def _timm(name: str):
    import breadth_models

    try:
        breadth_models.import_timm()
    except ImportError as e:
        pytest.skip(f"timm is not usable here: {e}")
    model, inputs = breadth_models.get(name)
    return _randomize_norms(model), inputs


@pytest.mark.parametrize("name", ["timm_resnet18", "timm_mobilenetv2_050"])
def test_timm_batch_norms_fold(name):
    model, inputs = _timm(name)
    # test_export's parser copies the file for every table: too much for 45 MB of weights.
    fast, plain = _both(model, inputs, structure=False)
    assert BATCH_NORM in _ops(plain)
    assert BATCH_NORM not in _ops(fast)
    assert len(fast.buffer) <= len(plain.buffer)
    m_fast, m_plain = fast.program.methods[0], plain.program.methods[0]
    assert m_fast.non_const_buffer_sizes[1] <= m_plain.non_const_buffer_sizes[1]


# ----------------------------------------------------------------------------- views


class Views(nn.Module):
    """A view of an input and a chain of views on it, a view of a planned tensor, clone and
    squeeze of views, a view of a constant, a view returned as an output, and a source read
    again after its views."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.register_buffer("table", torch.randn(4, 4))

    def forward(self, x):  # x (2, 4, 4)
        a = x.reshape(2, 16).unsqueeze(1).squeeze(1)
        h = self.fc(a)
        v = h.view(2, 4, 4)
        w = v.reshape(8, 4).clone()
        y = torch.relu(w).view(2, 16) + self.table.reshape(16) + h
        return y, v.flatten(), x.view(32)


def _aliases(prog) -> dict[int, int]:
    return prog.program.methods[0].aliases


@pytest.mark.parametrize("fold", [True, False])
def test_views_share_memory(fold):
    model = Views()
    x = torch.randn(2, 4, 4)
    fast, plain = _both(model, (x,), fold_constants=fold)
    ops_fast, ops_plain = _ops(fast), _ops(plain)
    # One et_view binds the input's view read by the linear; the output v.flatten() aliases the
    # planned h, the output x.view(32) stays a copy (an output never aliases an input).
    assert ops_fast.count(ET_VIEW) == 1
    assert ops_fast.count("aten::view_copy.out") == 1
    assert sum(op in VIEW_COPIES for op in ops_fast) == 1
    assert sum(op in VIEW_COPIES for op in ops_plain) >= 8
    method = fast.program.methods[0]
    flat = method.outputs[1]
    assert flat in method.aliases and method.aliases[flat] not in method.inputs
    assert method.outputs[2] not in method.aliases
    for view, owner in method.aliases.items():
        v, o = method.values[view], method.values[owner]
        assert owner not in method.aliases and v.nbytes == o.nbytes
        if owner in method.inputs:
            assert v.mem_offset is None
        else:
            assert (v.mem_id, v.mem_offset) == (o.mem_id, o.mem_offset)
    assert fast.program.methods[0].non_const_buffer_sizes[1] <= \
        plain.program.methods[0].non_const_buffer_sizes[1]


def test_view_of_constant_shares_its_bytes():
    """Unfolded, a reshaped constant is the same constant buffer under another shape, and no
    instruction copies it."""
    model = Views()
    prog = ember.export(model, (torch.randn(2, 4, 4),), fold_constants=False)
    method = prog.program.methods[0]
    stored = model.table.numpy().tobytes()
    table = [v for v in method.values if isinstance(v, ir.TensorValue) and v.is_constant
             and prog.program.constants.buffers[v.constant_index] == stored]
    assert (16,) in {v.sizes for v in table}
    for call in method.instructions:
        source = method.values[call.args[0]]
        assert not (isinstance(source, ir.TensorValue) and source.is_constant
                    and call.full_name in VIEW_COPIES)


class ReusedSlot(nn.Module):
    """h's last direct read is early; its view is read last. Between them, tensors of h's size
    come and go: a plan that forgot the view would give one of them h's bytes."""

    def forward(self, x):
        h = torch.sin(x)
        v = h.view(-1)
        a = torch.cos(x) * 3
        b = torch.exp(a) + h
        c = torch.tanh(b) * 2
        d = torch.relu(c) - 1
        return d.view(-1) + v


def _forgetful_lifetimes(method):
    """plan.tensor_lifetimes without the alias rule: each view its own lifetime."""
    saved = method.aliases
    method.aliases = {}
    try:
        return _real_lifetimes(method)
    finally:
        method.aliases = saved


_real_lifetimes = ember.plan.tensor_lifetimes


def test_owner_stays_alive_while_its_view_is_read(monkeypatch):
    model = ReusedSlot()
    x = torch.randn(64, 64)
    fast, _ = _both(model, (x,))
    assert _aliases(fast)
    # The test has teeth: the same plan without the alias rule computes something else.
    monkeypatch.setattr(ember.plan, "tensor_lifetimes", _forgetful_lifetimes)
    broken = ember.export(model, (x,), check_runtime=False)
    with torch.no_grad():
        ref = model(x).numpy()
    try:
        out = _run(broken, (x,))[0]
    except ember.EmberError:
        return  # the loader's overlap check refused it: also a catch
    assert not np.allclose(out, ref, rtol=1e-4, atol=1e-4)


class MutatesBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("state", torch.zeros(4, 4))

    def forward(self, x):
        self.state.add_(x)
        return self.state.view(16) * 2


def test_mutated_buffer_is_still_refused():
    with pytest.raises(ember.ExportError, match="assigns a new value to buffer"):
        ember.export(MutatesBuffer(), (torch.randn(4, 4),))


def test_two_methods_and_optimize_off():
    model = Views()
    x = torch.randn(2, 4, 4)
    prog = ember.export(methods={"a": (model, (x,)), "b": (ReusedSlot(), (torch.randn(8, 8),))})
    loaded = ember.load(prog.buffer)
    with torch.no_grad():
        refs = model(x)
    for o, r in zip(loaded.method("a").run(x, flat=True), refs):
        np.testing.assert_allclose(o, r.numpy(), rtol=1e-5, atol=1e-5)
    plain = ember.export(model, (x,), optimize=False)
    assert ET_VIEW not in _ops(plain) and not _aliases(plain)


class Expands(nn.Module):
    def forward(self, x):  # x (2, 16)
        h = torch.relu(x)
        same = h.expand(2, 16)  # a no-op expand, as attention's decomposition makes them
        wide = h[:1].expand(3, 16)  # a real broadcast: stays a copy
        return same * 2 + h, wide + 1


def test_expand_to_the_same_shape_is_an_alias():
    fast, plain = _both(Expands(), (torch.randn(2, 16),))
    assert _ops(plain).count("aten::expand_copy.out") == 2
    assert _ops(fast).count("aten::expand_copy.out") == 1


# ----------------------------------------------------------------------------- rows picked first


def _linear_out_shapes(prog) -> list[tuple[int, ...]]:
    shapes = []
    for m in prog.program.methods:
        for c in m.instructions:
            if c.full_name == "aten::linear.out":
                shapes.append(tuple(m.values[c.args[-1]].sizes))
    return shapes


class Picks(nn.Module):
    """A language model's last-token logits and its relatives: rows picked from a linear's
    result along a leading dim."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(16, 40)
        self.nobias = nn.Linear(16, 24, bias=False)

    def forward(self, x):  # (2, 5, 16)
        return (self.head(x)[:, -1], self.nobias(x)[:, 1:5:2], self.head(x[0])[-1],
                self.nobias(x)[0, 2:])


class PicksThatStay(nn.Module):
    """Picks that must not move: along the linear's own (last) dim, and from a result that
    something else reads too."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 40)

    def forward(self, x):  # (2, 5, 16)
        y = self.lin(x)
        return self.lin(x)[..., 3], y[:, -1], y.sum()


def test_rows_are_picked_before_the_linear():
    x = torch.randn(2, 5, 16)
    fast, plain = _both(Picks(), (x,))
    assert sorted(_linear_out_shapes(plain)) == sorted([(10, 40), (10, 24), (5, 40), (10, 24)])
    assert sorted(_linear_out_shapes(fast)) == sorted([(2, 40), (2, 2, 24), (40,), (3, 24)])


def test_picks_that_must_stay():
    x = torch.randn(2, 5, 16)
    fast, plain = _both(PicksThatStay(), (x,))
    assert _linear_out_shapes(fast) == _linear_out_shapes(plain) == [(10, 40), (10, 40)]


# ----------------------------------------------------------------------------- permutes


class Permutes(nn.Module):
    """Pairs that undo each other (one on an input, one on an intermediate read twice), a pair
    that composes to a third permute, and a single transpose that must stay."""

    def forward(self, x):
        h = (x * 2).transpose(1, 2)
        a = h.transpose(1, 2) + 1  # undoes the transpose: reads x * 2 directly
        b = x.permute(2, 0, 1, 3).transpose(1, 3)  # one permute (3, 2, 0, 1) of x
        c = x.transpose(0, 1).transpose(0, 1)  # the input itself
        return a, b, c * h.sum(), h


def test_permutes_cancel_or_merge():
    x = torch.randn(2, 3, 4, 5)
    fast, plain = _both(Permutes(), (x,))
    permutes = lambda p: [o for o in _ops(p) if o == "aten::permute_copy.out"]  # noqa: E731
    assert len(permutes(plain)) == 6
    assert len(permutes(fast)) == 2  # b's merged permute and h


def test_attention_transposes_cancel_in_a_language_model():
    transformers = pytest.importorskip("transformers")
    from ember import llm

    torch.manual_seed(0)
    model = transformers.OPTForCausalLM(transformers.OPTConfig(
        hidden_size=64, num_hidden_layers=2, ffn_dim=128, num_attention_heads=4, vocab_size=96,
        max_position_embeddings=64, word_embed_proj_dim=64)).eval()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = llm.export_llm(model, max_seq_len=16)
        plain = llm.export_llm(model, max_seq_len=16, optimize=False)
    # transformers' (B, T, H, D) -> (B, H, T, D) and the attention's way back, per q, k, v
    assert _ops(plain).count("aten::permute_copy.out") == 2 * 6
    assert "aten::permute_copy.out" not in _ops(fast)
    ids = np.array([[3, 7, 11, 2]])
    a = ember.load(fast.buffer).run(ids, np.array([0]))[0]
    b = ember.load(plain.buffer).run(ids, np.array([0]))[0]
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- fused activations
# Not an export pass: the C loader fuses an activation into the convolution / linear / addmm
# before it at load (runtime/exec/method.c, fuse_activations), when the fast f32 kernels run.
# The oracles: the same file loaded with ember_kernel_cpu_mask_set(0) (portable kernels, which
# fuse nothing) and torch eager; the profiler's instruction names say what was fused.


def _load_both(prog) -> list[tuple[list[str], list[np.ndarray]]]:
    """(names of the instructions that ran, outputs) with the CPU's features, then with mask 0."""
    import ctypes
    from ember import runtime
    try:
        lib = runtime._library()
    except ember.EmberError:
        pytest.skip("libember is not built")
    lib.ember_kernel_cpu_mask_set.argtypes = [ctypes.c_uint64]
    lib.ember_kernel_cpu_features.restype = ctypes.c_uint64
    if not lib.ember_kernel_cpu_features():
        pytest.skip("no SIMD tier: only the portable kernels, which fuse nothing")
    got = []
    try:
        for mask in ((1 << 64) - 1, 0):
            lib.ember_kernel_cpu_mask_set(mask)
            method = ember.load(prog.buffer).method("forward")
            names = [r.operator for r in method.profile(*prog_inputs(prog), runs=1, warmup=0).instructions]
            got.append((names, [np.asarray(o) for o in method.run(*prog_inputs(prog), flat=True)]))
    finally:
        lib.ember_kernel_cpu_mask_set((1 << 64) - 1)
    return got


_INPUTS: dict[int, tuple] = {}


def prog_inputs(prog) -> tuple:
    return _INPUTS[id(prog)]


def _fuse_case(model: nn.Module, inputs: tuple):
    """Exports model, runs it fused and portable; checks both against torch and each other;
    returns (fused names, portable names)."""
    model.eval()
    prog = ember.export(model, inputs)
    check_structure(prog.buffer)
    _INPUTS[id(prog)] = tuple(t.numpy() for t in inputs)
    (fused, outs), (plain, refs) = _load_both(prog)
    with torch.no_grad():
        want = model(*inputs)
    want = want if isinstance(want, (tuple, list)) else (want,)
    for o, p, w in zip(outs, refs, want):
        w = w.numpy()
        scale = max(1.0, float(np.abs(w).max()))
        np.testing.assert_allclose(o, p, rtol=1e-5, atol=1e-5 * scale)
        np.testing.assert_allclose(o, w, rtol=1e-4, atol=1e-4 * scale)
    assert not any("+" in n for n in plain)  # the portable kernels take no activation
    return fused, plain


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.pw = nn.Conv2d(16, 24, 1, bias=False)
        self.conv1d = nn.Conv1d(24, 10, 3)
        self.fc1 = nn.Linear(10, 33)
        self.fc2 = nn.Linear(33, 7)
        self.w = nn.Parameter(torch.randn(7, 5))
        self.b = nn.Parameter(torch.randn(5))

    def forward(self, x):
        x = torch.relu(self.bn(self.stem(x)))           # conv + folded batch norm + relu
        x = nn.functional.relu6(self.dw(x))               # depthwise + relu6 (hardtanh 0, 6)
        x = torch.clamp(self.pw(x), -0.25, 0.5)           # 1x1 without bias + clamp
        x = nn.functional.hardtanh(self.conv1d(x.flatten(2)), -0.3, 0.4)  # 1-D conv + hardtanh
        x = torch.relu(self.fc1(x.mean(2)))               # linear + relu
        x = torch.clamp(self.fc2(x), min=-0.1)            # linear + clamp with min only
        return torch.relu(torch.addmm(self.b, x, self.w))  # addmm + relu, a method output


def test_activations_fuse_into_conv_linear_and_addmm():
    torch.manual_seed(0)
    fused, plain = _fuse_case(_randomize_norms(Activations()), (torch.randn(2, 3, 23, 19),))
    assert fused == [
        "aten::convolution.out+relu", "aten::convolution.out+hardtanh",
        "aten::convolution.out+clamp", "aten::convolution.out+hardtanh", "aten::mean.out",
        "aten::linear.out+relu", "aten::linear.out+clamp", "aten::addmm.out+relu",
    ], fused
    assert len(plain) == len(fused) + 7


class SharedResult(nn.Module):
    """Activations that must not fuse: a result read twice, read again through a view (an alias
    of its bytes in the plan), and a clamp whose min is above its max (torch gives max)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(4, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 1)
        self.c = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        y = self.a(x)
        r = torch.relu(y) + y                        # y read by relu and by add
        z = self.b(r)
        s = torch.relu(z).reshape(1, -1) * 2 + z.reshape(1, -1)  # z read again as a view
        return torch.clamp(self.c(r), 0.5, -0.5), s


def test_activations_that_must_stay():
    torch.manual_seed(0)
    fused, plain = _fuse_case(SharedResult(), (torch.randn(1, 4, 9, 11),))
    assert fused == plain and not any("+" in n for n in fused), fused


class OutputAlias(nn.Module):
    """The producer's result is also returned through a view: the output aliases its bytes in
    the plan (no instruction reads it), so the activation must not take the producer's out."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(4, 8, 3, padding=1)
        self.l = nn.Linear(8, 16)

    def forward(self, x, z):
        t = self.c(x)
        u = self.l(z)
        return torch.relu(t), t.flatten(), torch.clamp(u, -0.1, 0.1), u.reshape(-1)


def test_activation_of_an_output_alias_stays():
    torch.manual_seed(0)
    model, inputs = OutputAlias(), (torch.randn(1, 4, 9, 11), torch.randn(5, 8))
    method = ember.export(model, inputs).program.methods[0]
    assert len(method.aliases) == 2 and set(method.aliases) <= set(method.outputs)
    fused, plain = _fuse_case(model, inputs)
    assert fused == plain and not any("+" in n for n in fused), fused


def test_fusion_with_threads():
    """A fused model gives the same bytes on 1 and 2 threads."""
    torch.manual_seed(0)
    model = Activations().eval()
    x = torch.randn(2, 3, 23, 19)
    prog = ember.export(model, (x,))
    try:
        one = ember.load(prog.buffer, threads=1).method("forward").run(x.numpy(), flat=True)
        two = ember.load(prog.buffer, threads=2).method("forward").run(x.numpy(), flat=True)
    except ember.EmberError as e:
        if "not found" in str(e):
            pytest.skip("libember is not built")
        raise
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_fusion_on_a_plan_without_in_place_activations(monkeypatch):
    """Files from another planner: each activation's result gets its own slot, often the bytes of
    what the producer reads (its input dies there). The loader fuses only the pairs whose result
    shares no byte with the producer's reads; the numbers stay those of the portable kernels."""
    monkeypatch.setattr(ember.plan, "in_place_activations", lambda method, spans: {})
    torch.manual_seed(0)
    fused, plain = _fuse_case(_randomize_norms(Activations()), (torch.randn(2, 3, 23, 19),))
    assert len(plain) == 15 and 8 <= len(fused) <= 15


class GemmPaths(nn.Module):
    """The other f32 paths that take the clamp: linear through the GEMM core (from 64 rows on
    AVX-512, 8 on NEON) and addmm's scaled form (alpha, beta != 1: the clamp after its pass)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(40, 70)
        self.w = nn.Parameter(torch.randn(70, 9))
        self.b = nn.Parameter(torch.randn(100, 9))

    def forward(self, x):  # (100, 40)
        h = nn.functional.hardtanh(self.fc(x), -0.5, 0.5)
        return torch.relu(torch.addmm(self.b, h, self.w, beta=0.5, alpha=2.0))


def test_activations_fuse_into_the_gemm_core_and_scaled_addmm():
    torch.manual_seed(0)
    fused, plain = _fuse_case(GemmPaths(), (torch.randn(100, 40),))
    assert fused == ["aten::linear.out+hardtanh", "aten::addmm.out+relu"], fused
