"""ember.export(): the AOT stages in order (docs/architecture.md).

capture → [quantize] → [partition] → fold → lower → plan → emit. Quantize and partition are
not implemented yet; they will slot in between capture and fold, acting on the captured
program. With `optimize`, rewrites of passes.py join in: batch norms are merged into the op
before them, rows picked before a linear, permutes of permutes cancelled or merged (all ahead
of fold), and views are made aliases of what they view ahead of plan.
After emit, the file is checked against the C runtime found beside this package (when there is
one): every op must have a kernel, and every method must load (each kernel's prepare accepts
its dtypes and shapes).
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Any, Optional

import torch

from . import ir
from .capture import capture
from .complex_pairs import complex_to_pairs
from .emit import emit
from .errors import EmberError, ExportError, RuntimeProblem
from .fold import Budget, default_budget, fold
from .lower import lower
from .passes import (alias_views, cancel_permutes, drop_unused_values, fold_batch_norms,
                     pick_before_linear)
from .plan import plan
from .program import ExportedProgram

# torch.export keywords a user may pass out of habit, and why Ember takes them or not.
_REFUSED_KEYWORDS: dict[str, str] = {
    "preserve_module_call_signature": (
        "preserve_module_call_signature is not supported (Ember flattens the model into one "
        "graph per method; export each submodule you need as its own method instead)"
    ),
    "prefer_deferred_runtime_asserts_over_guards": (
        "prefer_deferred_runtime_asserts_over_guards is not supported (Ember's exporter writes "
        "dynamic dims with an upper bound, checked by torch.export's guards)"
    ),
}

_KEYWORDS = (
    "method, methods, kwargs, strict, check_runtime, fold_constants, fold_max_bytes, optimize, "
    "decompose_attention, quantize, calibration, progress, dynamic_shapes, target"
)


# A prepare message about dtypes ("self has dtype float16, ...", "input is float64, ...").
_DTYPE_WORDS = re.compile(r"dtype|\b(b?float\d+|u?int\d+|bool)\b")


def _dtype_remedy(op: str) -> str:
    return (
        f"Ember's kernel for {op} does not take these dtypes yet: export in float32 "
        "(model.float() and float32 example inputs), or cast around that line "
        "(.float() before it, .to(dtype) after it)"
    )


def _missing_kernels(program: ir.Program, known: frozenset[str]) -> list[RuntimeProblem]:
    found: dict[str, RuntimeProblem] = {}
    for m in program.methods:
        for call in m.instructions:
            if isinstance(call, ir.KernelCall) and call.backend == "portable" \
                    and call.full_name not in known and call.full_name not in found:
                found[call.full_name] = RuntimeProblem(
                    method=m.name,
                    op=call.full_name,
                    origin=call.origin,
                    source=call.source,
                    message="Ember's runtime has no kernel for it",
                    remedy=(
                        f"not supported yet: rewrite that line without "
                        f"{call.origin or call.op_name.replace('::', '.')}"
                    ),
                )
    return list(found.values())


def _load_failures(program: ir.Program, buffer: bytes) -> list[RuntimeProblem]:
    """Loads every method in the C runtime (each kernel's prepare sees the real dtypes and
    shapes; the planned buffers are allocated but not touched) and names what it refuses."""
    from .runtime import Program as RuntimeProgram

    try:
        loaded = RuntimeProgram(buffer)
    except EmberError as e:
        return [RuntimeProblem(
            method="", op="", origin="", source="", message=f"the file was refused: {e}",
            remedy="this is a bug in Ember's exporter; please report it with the model",
        )]
    problems = []
    for m in program.methods:
        try:
            loaded.method(m.name)
        except EmberError as e:
            found = re.match(r"instruction (\d+): (.*)", e.message, re.S)
            index = int(found.group(1)) if found else -1
            call = m.instructions[index] if 0 <= index < len(m.instructions) else None
            if not isinstance(call, ir.KernelCall):
                problems.append(RuntimeProblem(
                    method=m.name, op="", origin="", source="", message=str(e),
                    remedy="this is a bug in Ember's exporter; please report it with the model",
                ))
                continue
            message = found.group(2) if found else e.message
            message = message.removeprefix(f"{call.full_name}: ")
            remedy = _dtype_remedy(call.full_name) if _DTYPE_WORDS.search(message) else (
                "Ember's kernel refused the arguments the exporter wrote for this op; please "
                "report it with the model"
            )
            problems.append(RuntimeProblem(
                method=m.name, op=call.full_name, origin=call.origin, source=call.source,
                message=message, remedy=remedy,
            ))
    return problems


def check_runtime_support(program: ir.Program, buffer: bytes) -> list[RuntimeProblem]:
    """What the C runtime found beside this package would refuse in the file: ops it has no
    kernel for, else what a kernel's prepare rejects when each method loads. Empty without a
    built runtime (there is nothing to check against)."""
    from .runtime import supported_operators

    try:
        known = supported_operators()
    except (EmberError, OSError):
        return []
    return _missing_kernels(program, known) or _load_failures(program, buffer)


def _check_keywords(options: dict[str, Any]) -> None:
    for key in options:
        if key in _REFUSED_KEYWORDS:
            raise ExportError(_REFUSED_KEYWORDS[key])
        raise ExportError(f"ember.export got an unknown keyword '{key}'; it takes {_KEYWORDS}")


def export(
    model: Optional[torch.nn.Module] = None,
    example_inputs: tuple = (),
    *,
    method: str = "forward",
    methods: Optional[dict[str, tuple[torch.nn.Module, tuple]]] = None,
    kwargs: Optional[dict[str, Any]] = None,
    strict: bool = False,
    check_runtime: bool = True,
    fold_constants: bool = True,
    fold_max_bytes: Optional[int] = None,
    optimize: bool = True,
    decompose_attention: bool = False,
    quantize: Optional[str] = None,
    calibration: Optional[Any] = None,
    progress: Any = None,
    dynamic_shapes: Optional[Any] = None,
    target: Optional[str] = None,
    **options: Any,
) -> ExportedProgram:
    """Exports `model` called on `example_inputs` (and keyword inputs `kwargs`) as method
    `method` of a .pte program, at those inputs' shapes; `dynamic_shapes` (torch.export's) makes
    dims given as `Dim("T", max=...)` dynamic up to their max (docs/exporting.md).

    `methods={name: (module, example_inputs), ...}` exports several entry points into one
    program instead (constants shared between them are stored once). `strict` is passed to
    torch.export. `fold_constants` computes at export what does not depend on the inputs,
    growing the file by at most `fold_max_bytes` (default: 10% of the weights, at least
    64 KiB; see fold.py). `optimize` merges inference batch norms into the convolution or
    linear before them, picks rows before a linear, cancels permutes that undo each other and
    lets views share the memory of what they view (passes.py); results are the same either
    way. `decompose_attention` lets torch decompose
    scaled_dot_product_attention into ATen ops (a file ExecuTorch's portable kernels run)
    instead of keeping it as Ember's fused `ember::sdpa.out`. With `check_runtime`, what the C runtime would refuse (an op it
    has no kernel for, a dtype a kernel does not take) is an ExportError naming the op and its
    model line; without, the file is written and a warning names them.

    With quantize="int8", `progress` reports the calibration: None (the default) draws a bar
    when stderr is a terminal, True draws it on stderr always, False not at all, and a callable
    is called with (samples done, total) after each sample (a notebook's progress bar).

    `target="ethos-u55-128"` (or another Ethos-U55 / U85 configuration, ethos_u.TARGETS) hands
    the int8 ops an Arm Ethos-U NPU can run to it: each connected group becomes a TOSA graph
    compiled by Vela into one `EthosUBackend` delegate (docs/npu.md); it needs
    quantize="int8". The report says where each op runs and why.
    """
    _check_keywords(options)
    if methods is None:
        if model is None:
            raise ExportError("ember.export needs a model (or methods={...})")
        methods = {method: (model, example_inputs)}
    elif model is not None:
        raise ExportError("pass either a model or methods={...}, not both")
    elif kwargs is not None:
        raise ExportError("kwargs= goes with a single model; with methods={...} pass inputs "
                          "positionally")
    if not isinstance(methods, dict) or not methods:
        raise ExportError("methods={...} must be a non-empty dict {name: (module, example_inputs)}")
    for name, entry in methods.items():
        if not isinstance(name, str) or not isinstance(entry, tuple) or len(entry) != 2:
            raise ExportError(
                f"methods[{name!r}] must be a (module, example_inputs) pair keyed by a str, "
                f"got {type(entry).__name__}"
            )
    if fold_max_bytes is not None and (
        not isinstance(fold_max_bytes, int) or fold_max_bytes < 0
    ):
        raise ExportError(f"fold_max_bytes must be a number of bytes >= 0, got {fold_max_bytes!r}")

    quant_report = None
    npu_report = None
    if quantize is not None:
        if quantize != "int8":
            raise ExportError(f"quantize={quantize!r}: Ember quantizes to 'int8' (or None)")
        if len(methods) != 1:
            raise ExportError("quantize='int8' takes one model, not methods={...}")
        from .quantize import quantize as _quantize

        (name, (module, inputs)), = methods.items()
        module, quant_report = _quantize(module, inputs if isinstance(inputs, tuple)
                                         else (inputs,), calibration, kwargs, strict, progress)
        methods = {name: (module, inputs)}
    elif calibration is not None:
        raise ExportError("calibration= goes with quantize='int8'")
    elif progress is not None:
        raise ExportError("progress= reports the int8 calibration: it goes with quantize='int8'")
    if target is not None and quantize != "int8":
        raise ExportError(
            f"target={target!r} runs a program's int8 ops on an Ethos-U NPU: export with "
            "quantize='int8' and calibration= samples")

    # a quantized model is a GraphModule: its nodes keep the model's lines through the capture
    keep_lines = torch.fx.traceback.preserve_node_meta() if quant_report else contextlib.nullcontext()
    with keep_lines:
        captured = {
            name: capture(module, inputs, kwargs, strict, decompose_attention, dynamic_shapes)
            for name, (module, inputs) in methods.items()
        }
    constants = ir.ConstantTable()
    budget = Budget(
        fold_max_bytes if fold_max_bytes is not None else default_budget(list(captured.values()))
    )
    lowered: list[ir.Method] = []
    try:
        for name, exported in captured.items():
            # quantize(exported, ...) and partition(exported, ...) go here.
            complex_to_pairs(exported)
            if optimize:
                fold_batch_norms(exported)
                pick_before_linear(exported)
                cancel_permutes(exported)
            folds, skipped = fold(exported, constants, budget) if fold_constants else ([], [])
            if target is not None:
                from .ethos_u import delegate

                npu_report = delegate(exported, target)
            m = lower(exported, name, constants)
            m.folds, m.skipped_folds = folds, skipped
            if optimize:
                alias_views(m)
                drop_unused_values(m)
            plan(m)
            lowered.append(m)
        program = ir.Program(methods=lowered, constants=constants)
        buffer = emit(program)
    except ExportError:
        raise
    except Exception as e:  # a bug of ours: keep torch's or Python's error as the cause
        raise ExportError(
            f"internal error in Ember's exporter: {type(e).__name__}: {e}. Remedy: please "
            "report it with the model; fold_constants=False may avoid it if it comes from "
            "constant folding"
        ) from e

    problems = check_runtime_support(program, buffer)
    if problems and check_runtime:
        lines = "\n".join(f"  {p}" for p in problems)
        raise ExportError(
            f"Ember's runtime cannot run this program:\n{lines}\n"
            "(check_runtime=False writes the file anyway, for another runtime)"
        )
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        warnings.warn(
            f"the file is written, but Ember's runtime will refuse it:\n{lines}", stacklevel=3
        )
    return ExportedProgram(buffer, program, runtime_problems=problems, quant_report=quant_report,
                           npu_report=npu_report)
