"""Stage 1, capture: an nn.Module and example inputs → a core-ATen torch.export program."""

from __future__ import annotations

import warnings

import torch

from .errors import ExportError


def capture(model: torch.nn.Module, example_inputs: tuple) -> torch.export.ExportedProgram:
    """Traces `model` with `example_inputs` (static shapes) and decomposes it to core ATen."""
    if not isinstance(model, torch.nn.Module):
        raise ExportError(f"ember.export expects an nn.Module, got {type(model).__name__}")
    if not isinstance(example_inputs, tuple):
        example_inputs = (example_inputs,)
    with warnings.catch_warnings():
        # torch's own deprecation chatter (pytree LeafSpec), not the user's business.
        warnings.simplefilter("ignore", FutureWarning)
        try:
            exported = torch.export.export(model.eval(), example_inputs)
        except Exception as e:  # torch raises many types; the user needs the message
            raise ExportError(f"torch.export failed: {e}") from e
        return exported.run_decompositions()
