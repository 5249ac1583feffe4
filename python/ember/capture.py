"""Stage 1, capture: an nn.Module and example inputs → a core-ATen torch.export program."""

from __future__ import annotations

import contextlib
import os
import traceback
import warnings
from typing import Any, Iterator, Optional

import torch

from .errors import ExportError


_TORCH_DIR = os.path.dirname(torch.__file__)
_PYTHON_DIR = os.path.dirname(os.__file__)


def _model_frames(self: Any, summary: traceback.StackSummary) -> traceback.StackSummary:
    """The frames from the first `forward` on, less torch's and Python's own (an nn module's
    `forward` in torch stays: it is the model's line when the model is that module)."""
    frames: list[traceback.FrameSummary] = []
    for frame in summary:
        if not frames and frame.name != "forward":
            continue
        inside = frame.filename.startswith((_TORCH_DIR, _PYTHON_DIR))
        if frame.name == "forward" or not inside:
            frames.append(frame)
    return traceback.StackSummary.from_list(frames)


@contextlib.contextmanager
def _helper_frames_kept() -> Iterator[None]:
    """torch.export (non-strict) records in each node's stack trace only the frames of functions
    named `forward`, so an op inside a model's helper function is blamed on the line of forward
    that calls the helper. While Ember captures, its tracer keeps the helpers' frames too
    (`_model_frames`); lower.source_of then names the innermost model line. This replaces a
    private torch method for the duration of the capture: when it is absent, the traces stay
    as torch records them."""
    try:
        from torch.fx.experimental.proxy_tensor import _ModuleStackTracer
    except ImportError:
        yield
        return
    name = "_filter_traceback_frames"
    if name in vars(_ModuleStackTracer) or not hasattr(_ModuleStackTracer, name):
        yield
        return
    setattr(_ModuleStackTracer, name, _model_frames)
    try:
        yield
    finally:
        delattr(_ModuleStackTracer, name)


@contextlib.contextmanager
def _eval_mode(model: torch.nn.Module) -> Iterator[None]:
    """Puts every submodule in eval mode, and gives each back its own `training` flag after."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, training in flags:
            m.training = training


def capture(
    model: torch.nn.Module,
    example_inputs: tuple,
    example_kwargs: Optional[dict[str, Any]] = None,
    strict: bool = False,
    decompose_attention: bool = False,
    dynamic_shapes: Any = None,
) -> torch.export.ExportedProgram:
    """Traces `model` in eval mode with `example_inputs` (their shapes, dims named in
    `dynamic_shapes` dynamic) and decomposes it to core ATen. The model's modules are left in the mode each had.

    torch.nn.functional.scaled_dot_product_attention stays one op (lowered to Ember's fused
    `ember::sdpa.out`) unless `decompose_attention`, which lets torch break it into matmuls,
    softmax and copies that ExecuTorch's portable kernels run."""
    if not isinstance(model, torch.nn.Module):
        raise ExportError(f"ember.export expects an nn.Module, got {type(model).__name__}")
    if not isinstance(example_inputs, tuple):
        example_inputs = (example_inputs,)
    with warnings.catch_warnings(), _eval_mode(model), _helper_frames_kept():
        # torch's own deprecation chatter (pytree LeafSpec), not the user's business.
        warnings.simplefilter("ignore", FutureWarning)
        try:
            exported = torch.export.export(
                model, example_inputs, kwargs=example_kwargs, strict=strict,
                dynamic_shapes=dynamic_shapes,
            )
        except Exception as e:  # torch raises many types; the user needs the message
            raise ExportError(
                f"torch.export could not trace the model: {type(e).__name__}: {e}\n"
                "Remedy: Ember exports what torch.export can trace; see torch.export's message "
                "above (data-dependent control flow and unsupported Python are the usual causes)"
            ) from e
        try:
            table = torch.export.default_decompositions()
            if not decompose_attention:
                table.pop(torch.ops.aten.scaled_dot_product_attention.default, None)
            return exported.run_decompositions(table)
        except Exception as e:  # a failure inside torch's own pass
            raise ExportError(
                f"torch's decomposition to core ATen (ExportedProgram.run_decompositions) failed: "
                f"{type(e).__name__}: {e}\nRemedy: this is a failure inside torch's own pass, "
                "not in the model or in Ember; please report it with the model (another torch "
                "version may not have it)"
            ) from e
