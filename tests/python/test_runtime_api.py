"""The Python binding and the runtime's program features beyond one forward: several methods
looked up by name, legacy inline constants (constant_buffer), program metadata, reuse; outputs
nested as the model returned them (dicts keep their keys); method names and scalar inputs
checked; files mapped, bytes copied once, and the mapping freed as soon as the last user goes;
threads= on load, run, bench and profile (the same bytes for any count, bad counts refused)."""
import collections
import gc
import mmap
import os
import tracemalloc
import weakref
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

import ember
from ember import ir
from ember.emit import emit
from ember.lower import lower
from ember.capture import capture
from ember.plan import plan

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 4)

    def forward(self, x):
        return torch.tanh(self.proj(x))


class Head(nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc  # shares the encoder's weights: stored once in the file
        self.out = nn.Linear(4, 3)

    def forward(self, x):
        return torch.log_softmax(self.out(self.enc(x)), dim=-1)


def _close(got, want):
    want = want.detach().numpy()
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-4 * max(1.0, float(np.abs(want).max()))


def test_several_methods_by_name():
    torch.manual_seed(3)
    enc = Encoder().eval()
    head = Head(enc).eval()
    x = torch.randn(2, 6)
    prog = ember.export(methods={"encode": (enc, (x,)), "classify": (head, (x,))})
    loaded = ember.load(prog.buffer)
    assert sorted(loaded.method_names) == ["classify", "encode"]
    _close(loaded.run(x, method="encode")[0], enc(x))
    _close(loaded.run(x, method="classify")[0], head(x))
    with pytest.raises(ember.EmberError) as e:
        loaded.run(x)  # there is no "forward"
    assert e.value.status == "not found" and "'encode'" in e.value.message


def test_legacy_inline_constants():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 2)).eval()
    x = torch.randn(3, 5)
    constants = ir.ConstantTable()
    method = lower(capture(model, (x,)), "forward", constants)
    plan(method)
    data = emit(ir.Program(methods=[method], constants=constants), inline_constants=True)
    assert data[8:12] != b"eh00"  # the old layout: no extended header, no segments
    loaded = ember.load(data)
    assert loaded.constant_bytes == constants.total_bytes
    _close(loaded.run(x)[0], model(x))


def test_repeated_runs_and_fresh_inputs():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 4)).eval()
    x = torch.randn(2, 4)
    loaded = ember.load(ember.export(model, (x,)).buffer)
    for _ in range(3):  # the method is loaded once and reused
        y = torch.randn(2, 4)
        _close(loaded.run(y)[0], model(y))
    out = loaded.run(x.numpy())[0]  # numpy in, numpy out
    assert isinstance(out, np.ndarray) and out.dtype == np.float32


# ---- outputs: the model's nesting comes back ----------------------------------------------


class DictOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 4)

    def forward(self, x):
        h = self.proj(x)
        return {"logits": h, "pair": (torch.relu(h), h.sum(-1)), "inner": {"z": h * 2, "a": [h - 1]}}


def _same_nesting(got, want) -> None:
    """Equal keys (in order), sequence types and lengths; tensors within 1e-5 of eager."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want)
        for k in want:
            _same_nesting(got[k], want[k])
    elif isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            _same_nesting(g, w)
    else:
        _close(got, want)


def test_dict_output_keeps_keys_and_nesting():
    torch.manual_seed(6)
    model = DictOut().eval()
    x = torch.randn(2, 6)
    loaded = ember.load(ember.export(model, (x,)).buffer)
    with torch.no_grad():
        want = model(x)
    _same_nesting(loaded.run(x), want)
    _same_nesting(loaded.method("forward").run(x), want)  # the Method API too
    flat = loaded.run(x, flat=True)  # the flat outputs, in pytree order
    assert isinstance(flat, list) and len(flat) == 5
    _close(flat[0], want["logits"])
    _close(flat[4], want["inner"]["a"][0])


def test_tuple_holding_a_dict_is_rebuilt():
    class M(nn.Module):
        def forward(self, x):
            return x + 1, {"b": x * 2, "a": x - 1}

    x = torch.randn(3)
    got = ember.load(ember.export(M(), (x,)).buffer).run(x)
    _same_nesting(got, M()(x))


@pytest.mark.parametrize("result", ["tensor", "tuple", "list", "nested_tuple"])
def test_non_dict_outputs_stay_a_flat_list(result):
    class M(nn.Module):
        def forward(self, x):
            a, b = x + 1, x * 2
            return {"tensor": a, "tuple": (a, b), "list": [a, b], "nested_tuple": (a, (b, a))}[result]

    x = torch.randn(3)
    outs = ember.load(ember.export(M(), (x,)).buffer).run(x)
    assert isinstance(outs, list) and len(outs) == {"tensor": 1, "tuple": 2, "list": 2, "nested_tuple": 3}[result]
    _close(outs[0], x + 1)


def _with_output_spec(spec: str) -> bytes:
    """The MLP's program, its stored output spec replaced by `spec`."""
    torch.manual_seed(8)
    model = nn.Sequential(nn.Linear(3, 2)).eval()
    constants = ir.ConstantTable()
    method = lower(capture(model, (torch.randn(1, 3),)), "forward", constants)
    plan(method)
    method.encoded_out_str = spec
    return emit(ir.Program(methods=[method], constants=constants))


LEAF = '{"type": null, "context": null, "children_spec": []}'


def test_containers_the_binding_does_not_rebuild_are_an_error_with_a_way_out():
    data = _with_output_spec('[1, {"type": "my.Output", "context": "[\\"y\\"]", "children_spec": [%s]}]' % LEAF)
    prog = ember.load(data)
    x = np.ones((1, 3), np.float32)
    with pytest.raises(ember.EmberError) as e:
        prog.run(x)
    assert "returns a my.Output" in e.value.message and "flat=True" in e.value.message
    assert len(prog.run(x, flat=True)) == 1


@pytest.mark.parametrize("spec", [
    "not json", "[2, {}]", '[1, {"type": "builtins.dict", "context": "[\\"a\\", \\"b\\"]", "children_spec": [%s]}]' % LEAF,
    '[1, {"type": "builtins.dict", "context": "[\\"a\\", \\"b\\"]", "children_spec": [%s, %s, %s]}]' % (LEAF, LEAF, LEAF),
    '[1, {"type": "builtins.dict", "context": "[[1], [2]]", "children_spec": [%s, %s]}]' % (LEAF, LEAF),
    "[1, " + '{"type": "builtins.dict", "context": "[\\"k\\"]", "children_spec": [' * 200 + LEAF + "]}" * 200 + "]",
    "[" * 100000 + "]" * 100000,
])
def test_malformed_output_spec_gives_flat_outputs(spec):
    """The spec is untrusted metadata: one that does not describe the outputs is ignored."""
    outs = ember.load(_with_output_spec(spec)).run(np.ones((1, 3), np.float32))
    assert isinstance(outs, list) and len(outs) == 1 and outs[0].shape == (1, 2)


@pytest.mark.parametrize("result, where", [
    (lambda x: None, "output 0 of method 'forward' (the model's result) is None"),
    (lambda x: (x + 1, None), "output 1 of method 'forward' (the model's result[1]) is None"),
    (lambda x: {"a": x + 1, "b": None}, "output 1 of method 'forward' (the model's result['b']) is None"),
])
def test_none_output_fails_at_export(result, where):
    class M(nn.Module):
        def forward(self, x):
            return result(x)

    with pytest.raises(ember.ExportError) as e:
        ember.export(M(), (torch.randn(3),))
    assert where in str(e.value) and "leave it out of what the model returns" in str(e.value)


def test_unregistered_namedtuple_output_fails_at_export_with_export_error():
    Pair = collections.namedtuple("Pair", ["u", "v"])

    class M(nn.Module):
        def forward(self, x):
            return Pair(x + 1, x * 2)

    with pytest.raises(ember.ExportError) as e:
        ember.export(M(), (torch.randn(3),))
    assert "cannot store how the model's outputs nest" in str(e.value)


# ---- names and scalar inputs ---------------------------------------------------------------


@pytest.mark.parametrize("name, message", [
    ("forward\0x", "contains a NUL character"), (b"forward", "must be a str, not bytes"),
    (None, "must be a str, not NoneType"), ("\ud800", "cannot be encoded"),
])
def test_bad_method_names_are_refused(name, message):
    torch.manual_seed(9)
    x = torch.randn(1, 6)
    loaded = ember.load(ember.export(Encoder().eval(), (x,)).buffer)
    with pytest.raises(ember.EmberError) as e:
        loaded.run(x, method=name)
    assert e.value.status == "invalid argument" and message in e.value.message
    with pytest.raises(ember.EmberError):
        loaded.method(name)


def _scaled(kind) -> bytes:
    """forward(x: (3,) f32, s: Int/Double scalar) = x * s (aten::mul.Scalar_out)."""
    m = ir.Method(name="forward")
    x = m.add(ir.TensorValue(torch.float32, (3,), name="x"))
    s = m.add(kind)
    y = m.add(ir.TensorValue(torch.float32, (3,), name="y"))
    m.inputs, m.outputs = [x, s], [y]
    m.instructions = [ir.KernelCall("aten::mul", "Scalar_out", [x, s, y, y])]
    plan(m)
    return emit(ir.Program(methods=[m], constants=ir.ConstantTable()))


SCALARS = [3, 3.0, np.array(3), np.array(3.0), np.int32(3), np.float64(3), torch.tensor(3),
           torch.tensor(3.0), np.array(True)]


@pytest.mark.parametrize("kind", ["int", "double"])
def test_scalar_inputs_take_numbers_and_0d_arrays(kind):
    prog = ember.load(_scaled(ir.IntValue(1) if kind == "int" else ir.DoubleValue(1.0)))
    x = np.array([1.0, -2.0, 0.5], np.float32)
    for s in SCALARS:
        want = x * float(s)
        np.testing.assert_array_equal(prog.run(x, s)[0], want, err_msg=f"{type(s).__name__} {s!r}")
    if kind == "double":
        np.testing.assert_array_equal(prog.run(x, np.array(2.5))[0], x * 2.5)
    else:
        for bad in (2.5, np.array(2.5), torch.tensor(0.5), float("nan")):
            with pytest.raises(ember.EmberError) as e:
                prog.run(x, bad)
            assert "is an Int" in e.value.message and "not an integer" in e.value.message
        # integers past a double's 2^53 are set exactly (ember_method_set_input_int): 2^60 + 1
        # multiplies as the float torch makes of it; int64's range is the limit
        np.testing.assert_array_equal(prog.run(x, 2 ** 60 + 1)[0], x * np.float32(2 ** 60 + 1))
        with pytest.raises(ember.EmberError, match="beyond int64"):
            prog.run(x, 2 ** 63)
    for bad in (np.array([3]), "3", 1 + 2j):
        with pytest.raises(ember.EmberError, match="input 1"):
            prog.run(x, bad)


def test_bool_scalar_input_takes_0d_arrays():
    """tests/data/fixtures/control_flow.pte: forward(x, flag: Bool) = relu(x) if flag else -x."""
    prog = ember.load(FIXTURES / "control_flow.pte")
    x = np.array([-1.0, 2.0, -3.0], np.float32)
    for flag in (True, np.array(True), np.bool_(True), torch.tensor(True), 1):
        np.testing.assert_array_equal(prog.run(x, flag)[0], np.maximum(x, 0))
    for flag in (False, np.array(False), torch.tensor(False), 0):
        np.testing.assert_array_equal(prog.run(x, flag)[0], -x)
    with pytest.raises(ember.EmberError, match="is a Bool"):
        prog.run(x, 2)


# ---- memory: mapped files, one copy of bytes, no reference cycles ---------------------------


@pytest.fixture(scope="module")
def wide_pte(tmp_path_factory):
    """A program with 16 MiB of weights, and an input."""
    torch.manual_seed(10)
    model = nn.Linear(2048, 2048).eval()
    x = torch.randn(1, 2048)
    path = tmp_path_factory.mktemp("wide") / "wide.pte"
    ember.export(model, (x,)).save(path)
    with torch.no_grad():
        return path, x.numpy(), model(x).numpy()


def test_load_path_maps_the_file(wide_pte):
    """No read into bytes and no copy: Python allocates almost nothing to load 16 MiB."""
    path, x, want = wide_pte
    tracemalloc.start()
    try:
        prog = ember.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak
    assert isinstance(prog._image._mmap, mmap.mmap) and prog.file_bytes == path.stat().st_size
    np.testing.assert_allclose(prog.run(x)[0], want, rtol=1e-4, atol=1e-4)


def test_load_path_reads_once_where_mapping_fails(wide_pte, monkeypatch):
    path, x, want = wide_pte

    def no_mmap(*args, **kwargs):
        raise OSError(19, "No such device")  # what a file system without mmap says

    monkeypatch.setattr(mmap, "mmap", no_mmap)
    tracemalloc.start()
    try:
        prog = ember.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert prog._image._mmap is None and size <= peak < 1.25 * size  # one aligned block
    np.testing.assert_allclose(prog.run(x)[0], want, rtol=1e-4, atol=1e-4)


def test_load_bytes_copies_once(wide_pte):
    path, x, want = wide_pte
    data = bytearray(path.read_bytes())
    tracemalloc.start()
    try:
        prog = ember.load(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(data) <= peak < 1.25 * len(data), (peak, len(data))  # one aligned block
    data[:] = bytes(len(data))  # the program has its own copy
    np.testing.assert_allclose(prog.run(x)[0], want, rtol=1e-4, atol=1e-4)


def test_dropping_the_last_reference_unmaps_at_once(wide_pte):
    """Program -> Method -> bytes is a tree: with the cycle collector off, the mapping closes
    as soon as the last of program and method goes."""
    path, x, want = wide_pte
    gc.disable()
    try:
        prog = ember.load(path)
        method = prog.method("forward")
        method.run(x)
        mapping = prog._image._mmap
        prog_ref, method_ref = weakref.ref(prog), weakref.ref(method)
        del prog
        assert prog_ref() is None  # freed at once, not when the collector runs
        assert not mapping.closed  # the method still reads the weights
        np.testing.assert_allclose(method.run(x)[0], want, rtol=1e-4, atol=1e-4)
        del method
        assert method_ref() is None and mapping.closed
        prog = ember.load(path)
        prog.run(x)
        mapping, prog_ref = prog._image._mmap, weakref.ref(prog)
        del prog  # program and its cached method together
        assert prog_ref() is None and mapping.closed
    finally:
        gc.enable()


def test_load_refuses_directories_and_fifos(tmp_path):
    with pytest.raises(ember.EmberError, match="is a directory, not a .pte file"):
        ember.load(tmp_path)
    fifo = tmp_path / "fifo.pte"
    os.mkfifo(fifo)
    with pytest.raises(ember.EmberError, match="is not a regular file"):
        ember.load(fifo)
    (tmp_path / "empty.pte").write_bytes(b"")
    with pytest.raises(ember.EmberError):
        ember.load(tmp_path / "empty.pte")



def test_data_errors_are_named_at_execute():
    """What only the data can show fails the execute with a named status and a message naming
    the instruction, the operator and the value, and the method stays usable."""
    emb = ember.load(ember.export(torch.nn.Embedding(10, 4).eval(), (torch.tensor([1, 2]),)).buffer)
    with pytest.raises(ember.EmberError) as e:
        emb.run(np.array([1, 57]))
    assert e.value.status == "index out of range"
    assert "aten::embedding.out: index 57 is out of range for dimension 0 of size 10" in str(e.value)
    assert np.array_equal(emb.run(np.array([3, 9]))[0].shape, (2, 4))

    class FloorDiv(torch.nn.Module):
        def forward(self, a, b):
            return a // b

    div = ember.load(ember.export(FloorDiv(), (torch.tensor([4, 5]), torch.tensor([2, 1]))).buffer)
    with pytest.raises(ember.EmberError) as e:
        div.run(np.array([4, 5]), np.array([2, 0]))
    assert e.value.status == "integer division by zero" and "by zero" in str(e.value)
    assert div.run(np.array([-7, 5]), np.array([2, 1]))[0].tolist() == [-4, 5]  # floor, as torch


# ---- threads ------------------------------------------------------------------------------------


class _Mlp(nn.Module):
    """Linears big enough to be split over threads, one output width no multiple of the task."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(256, 700)
        self.b = nn.Linear(700, 333)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


def test_threads_same_bytes_and_pools():
    from ember import runtime

    torch.manual_seed(1)
    model, x = _Mlp().eval(), torch.randn(64, 256)
    buf = ember.export(model, (x,)).buffer
    assert runtime.cpu_count() == len(os.sched_getaffinity(0))
    one = ember.load(buf, threads=1)
    assert one.threads == 1 and one.method().threads == 1
    want = one.run(x)[0]
    _close(want, model(x))
    default = ember.load(buf)
    assert default.threads == runtime.cpu_count() and default.method().threads == default.threads
    assert default.run(x)[0].tobytes() == want.tobytes()
    four = ember.load(buf, threads=4)
    assert four.method().threads == 4
    for n in (None, 1, 2, 3, 4):  # a call's threads= moves the method, pools are kept
        assert four.run(x, threads=n)[0].tobytes() == want.tobytes()
        assert four.method().threads == (4 if n is None else n)
    assert sorted(four._pools) == [2, 3, 4]
    assert four.bench(x, iters=2, warmup=0, threads=2).threads_used == 2
    assert four.profile(x, runs=1, warmup=0, threads=3).runs == 1
    assert four.method().threads == 3
    # The pool lives as long as a method uses it, whatever is dropped first.
    m = four.method()
    del four
    gc.collect()
    m.run(x)
    assert m.run(x)[0].tobytes() == want.tobytes()


@pytest.mark.parametrize("bad", [0, -1, 1025, 2.0, True, "2"])
def test_threads_bad_values(bad):
    buf = ember.export(Encoder().eval(), (torch.randn(2, 6),)).buffer
    with pytest.raises(ember.EmberError, match="threads must be a whole number from 1 to 1024"):
        ember.load(buf, threads=bad)
    prog = ember.load(buf, threads=2)
    with pytest.raises(ember.EmberError, match="threads must be a whole number from 1 to 1024"):
        prog.run(np.zeros((2, 6), np.float32), threads=bad)


def test_linear_weights_packed_at_load():
    """A linear with a constant weight and a 128-row input asks for its weight packed at load
    (x86 with AVX-512, aarch64); the binding packs it. Packed and unpacked
    (ember_method_pack(m, NULL, 0)) agree with torch; the unpacked linear runs the same core there
    (AVX-512 from 64 rows, aarch64 from 8), so they are the same bytes; 1 and 2 threads give the same
    bytes."""
    from ember import runtime

    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(200, 131), nn.ReLU(), nn.Linear(131, 70)).eval()
    x = torch.randn(128, 200)
    prog = ember.load(ember.export(model, (x,)).buffer, threads=1)
    m = prog.method()
    feats = set(runtime.cpu_features())
    packs = {"avx512f", "avx512vl", "avx512dq", "fma"} <= feats or "asimd" in feats
    assert (m.packed_weight_bytes > 0) == packs
    if packs:  # both weights, N rounded up to the strip width (32 columns on x86, 12 on aarch64)
        assert m.packed_weight_bytes >= 4 * (200 * 131 + 131 * 70)
    packed = m.run(x)[0]
    _close(packed, model(x))
    assert prog.run(x, threads=2)[0].tobytes() == packed.tobytes()
    assert m._lib.ember_method_pack(m._m, None, 0) == 0  # back to the weights as stored
    plain = m.run(x)[0]
    _close(plain, model(x))
    if packs:  # unpacked, the same core packs blocks of the weight per call
        assert plain.tobytes() == packed.tobytes()


def test_conv_weights_packed_for_the_transposed_gemm():
    """Convolutions the GEMM runs transposed (lanes along the output channels: small maps, many
    channels, as MobileNetV2's 14x14 and 7x7 layers) ask on x86 for their weight packed at load
    (f32_conv2d_gemm_pack); packed and unpacked give the same bytes (the same tiles and sums,
    only the weight's strips come from the copy), match torch, and 2 threads give the bytes of
    1. A 1x1 layer, a grouped 3x3 stride-2 one (the implicit im2col) and a 1x1 one with 37
    output channels (a ragged strip)."""
    from ember import runtime

    torch.manual_seed(7)
    model = nn.Sequential(
        nn.Conv2d(96, 160, 1), nn.ReLU6(), nn.Conv2d(160, 192, 3, stride=2, padding=1, groups=2),
        nn.ReLU(), nn.Conv2d(192, 37, 1)).eval()
    x = torch.randn(1, 96, 7, 7)
    prog = ember.load(ember.export(model, (x,)).buffer, threads=1)
    m = prog.method()
    feats = set(runtime.cpu_features())
    packs = {"avx2", "fma"} <= feats
    assert (m.packed_weight_bytes > 0) == packs
    if packs:  # every weight, output channels rounded up to the strip width
        assert m.packed_weight_bytes >= 4 * (96 * 160 + 160 * 192 // 2 * 9 + 192 * 37)
    packed = m.run(x)[0]
    _close(packed, model(x))
    assert prog.run(x, threads=2)[0].tobytes() == packed.tobytes()
    assert m._lib.ember_method_pack(m._m, None, 0) == 0  # back to the weights as stored
    plain = m.run(x)[0]
    assert plain.tobytes() == packed.tobytes()


def test_pack_weights_false_keeps_the_file_layout():
    """ember.load(..., pack_weights=False): the method reports what packing would take but keeps
    no copy, and still matches torch (a 3x3 convolution then runs its GEMM path); anything but a
    bool is refused."""
    torch.manual_seed(6)
    model = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU()).eval()
    x = torch.randn(1, 16, 10, 9)
    buf = ember.export(model, (x,)).buffer
    packed, plain = ember.load(buf, threads=1), ember.load(buf, threads=1, pack_weights=False)
    assert plain.method().packed_weight_bytes == packed.method().packed_weight_bytes
    assert plain.method()._packed is None
    for prog in (packed, plain):
        _close(prog.run(x)[0], model(x))
    with pytest.raises(ember.EmberError, match="pack_weights must be True or False"):
        ember.load(buf, pack_weights=1)
