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


def export(
    model: Optional[torch.nn.Module] = None,
    example_inputs: tuple = (),
    *,
    method: str = "forward",
    methods: Optional[dict[str, tuple[torch.nn.Module, tuple]]] = None,
) -> ExportedProgram:
    """Exports `model` called on `example_inputs` as method `method` of a .pte program.

    `methods={name: (module, example_inputs), ...}` exports several entry points into one
    program instead (constants shared between them are stored once).
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
    program = ir.Program(methods=lowered, constants=constants)
    return ExportedProgram(emit(program), program)
