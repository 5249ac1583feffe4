"""ember.export(): the AOT stages in order (docs/ARCHITECTURE.md).

capture → [quantize] → [partition] → lower → plan → emit. Quantize and partition are not
implemented yet; they will slot in between capture and lower, acting on the captured program.
"""

from __future__ import annotations

from typing import Optional

import torch

from . import ir
from .capture import capture
from .emit import emit
from .errors import ExportError
from .lower import lower
from .plan import plan
from .program import ExportedProgram


def _check_runtime_support(methods: list[ir.Method]) -> None:
    """Fails the export, naming each op and the model line that made it, when the C runtime
    found beside this package has no kernel for it. Without a built runtime there is nothing to
    check against, and the runtime's own load-time error remains."""
    from .errors import EmberError
    from .runtime import supported_operators

    try:
        known = supported_operators()
    except (EmberError, OSError):
        return
    missing: dict[str, str] = {}
    for m in methods:
        for call in m.instructions:
            if isinstance(call, ir.KernelCall) and call.backend == "portable" \
                    and call.full_name not in known:
                missing.setdefault(call.full_name, call.source)
    if missing:
        lines = "\n".join(f"  {name} at {source}" for name, source in missing.items())
        raise ExportError(
            f"Ember's runtime has no kernel for {len(missing)} operator(s) this model uses:\n"
            f"{lines}\n(pass check_runtime=False to write the file anyway)")


def export(
    model: Optional[torch.nn.Module] = None,
    example_inputs: tuple = (),
    *,
    method: str = "forward",
    methods: Optional[dict[str, tuple[torch.nn.Module, tuple]]] = None,
    check_runtime: bool = True,
) -> ExportedProgram:
    """Exports `model` called on `example_inputs` as method `method` of a .pte program.

    `methods={name: (module, example_inputs), ...}` exports several entry points into one
    program instead (constants shared between them are stored once). With `check_runtime`,
    an operator the C runtime cannot run is an ExportError naming it and its source line.
    """
    if methods is None:
        if model is None:
            raise ExportError("ember.export needs a model (or methods={...})")
        methods = {method: (model, example_inputs)}
    elif model is not None:
        raise ExportError("pass either a model or methods={...}, not both")
    if not methods:
        raise ExportError("methods={...} is empty")

    constants = ir.ConstantTable()
    lowered: list[ir.Method] = []
    for name, (module, inputs) in methods.items():
        captured = capture(module, inputs)
        # quantize(captured, ...) and partition(captured, ...) go here.
        m = lower(captured, name, constants)
        plan(m)
        lowered.append(m)
    if check_runtime:
        _check_runtime_support(lowered)
    program = ir.Program(methods=lowered, constants=constants)
    return ExportedProgram(emit(program), program)
