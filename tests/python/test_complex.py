"""Complex values carried as real pairs (python/ember/complex_pairs.py): models that go through
Fourier transforms and come back to real tensors export and match eager; anything else complex
is an ExportError that says what is not supported and what to do."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember.errors import ExportError


class FFT2Real(torch.nn.Module):  # FNet's mixing: fftn over the last two dims, real part
    def forward(self, x):
        return torch.fft.fftn(x, dim=(-2, -1)).real + 1


class RfftOrtho(torch.nn.Module):  # one-sided, normalised, returned as (re, im) pairs
    def forward(self, x):
        return torch.view_as_real(torch.fft.rfft(x, dim=-1, norm="ortho")) * 2


class RoundTrip(torch.nn.Module):  # forward then inverse along a middle dim
    def forward(self, x):
        return torch.fft.ifft(torch.fft.fft(x, dim=1), dim=1).real


class FromPairs(torch.nn.Module):  # view_as_complex of a real input, transformed with norm="forward"
    def forward(self, x):
        return torch.view_as_real(torch.fft.fft(torch.view_as_complex(x), norm="forward"))


CASES = [(FFT2Real, (2, 6, 8)), (RfftOrtho, (3, 10)), (RoundTrip, (2, 5, 4)), (FromPairs, (4, 7, 2))]


@pytest.mark.parametrize("model_cls,shape", CASES, ids=[c[0].__name__ for c in CASES])
def test_fourier_models_match_eager(model_cls, shape):
    torch.manual_seed(0)
    x = torch.randn(*shape)
    model = model_cls()
    program = ember.export(model, (x,))
    got = np.asarray(ember.load(program.buffer).run(x)[0])
    want = model(x).numpy()
    assert got.shape == want.shape
    # A DFT as a float32 matmul: rounding grows with the transform length, far below 1e-5 here.
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())
    ops = [op["name"] for op in program.report_dict()["ops"]]
    assert "aten::linear.out" in ops and not any("fft" in name for name in ops), ops


def test_complex_arithmetic_is_not_supported_yet():
    class Square(torch.nn.Module):
        def forward(self, x):
            z = torch.fft.fft(x)
            return (z * z).real

    with pytest.raises(ExportError, match="complex tensors are not supported yet.*Remedy"):
        ember.export(Square(), (torch.randn(2, 8),))


def test_complex_output_is_refused_with_a_remedy():
    class Spectrum(torch.nn.Module):
        def forward(self, x):
            return torch.fft.fft(x)

    with pytest.raises(ExportError, match="complex outputs are not supported yet.*view_as_real"):
        ember.export(Spectrum(), (torch.randn(2, 8),))
