"""The Python binding and the runtime's program features beyond one forward: several methods
looked up by name, legacy inline constants (constant_buffer), program metadata, reuse."""
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
