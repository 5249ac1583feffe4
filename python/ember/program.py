"""What ember.export() returns: the .pte bytes plus a report of what is in them."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict
from typing import Any, Optional, Union

from . import ir
from .errors import RuntimeProblem


def _io_entry(method: ir.Method, index: int) -> dict[str, Any]:
    value = method.values[index]
    if isinstance(value, ir.TensorValue):
        return {
            "index": index,
            "name": value.name,
            "dtype": ir.dtype_name(value.dtype),
            "shape": list(value.sizes),
        }
    return {"index": index, "name": "", "dtype": type(value).__name__, "shape": []}


def _method_report(method: ir.Method) -> dict[str, Any]:
    counts: Counter[tuple[str, str]] = Counter()
    for call in method.instructions:
        if isinstance(call, ir.KernelCall):
            counts[(call.full_name, call.backend)] += 1
        elif isinstance(call, ir.DelegateCall):
            counts[(f"delegate #{call.delegate_index}", call.backend)] += 1
    ops = [{"name": name, "backend": backend, "count": n} for (name, backend), n in counts.items()]
    planned = list(method.non_const_buffer_sizes)
    return {
        "ops": ops,
        "inputs": [_io_entry(method, i) for i in method.inputs],
        "outputs": [_io_entry(method, i) for i in method.outputs],
        "instructions": len(method.instructions),
        "planned_bytes": planned,
        "planned_peak_bytes": sum(planned),
        "naive_bytes": method.naive_planned_bytes,
        "folded": [asdict(f) for f in method.folds],
        "fold_skipped": [asdict(f) for f in method.skipped_folds],
    }


class ExportedProgram:
    """An exported model: `buffer` holds the .pte file (ExecuTorch ET12 format)."""

    def __init__(
        self, buffer: bytes, program: ir.Program,
        runtime_problems: Optional[list[RuntimeProblem]] = None,
        quant_report: Optional[Any] = None,
        npu_report: Optional[Any] = None,
    ) -> None:
        self.buffer = buffer
        self.program = program
        # What Ember's runtime refuses in the file (exported with check_runtime=False).
        self.runtime_problems = list(runtime_problems or [])
        # export(quantize="int8"): which ops run int8, which stay float32 and why (quantize.py)
        self.quant_report = quant_report
        # export(target="ethos-u…"): where each op runs, Vela's estimates (ethos_u.NpuReport)
        self.npu_report = npu_report

    @property
    def method_names(self) -> list[str]:
        return [m.name for m in self.program.methods]

    def save(self, path: Union[str, os.PathLike]) -> None:
        with open(path, "wb") as f:
            f.write(self.buffer)

    def report_dict(self) -> dict[str, Any]:
        """The numbers of `report()`. Top-level method keys describe the first method; every
        method is under "methods"."""
        methods = {m.name: _method_report(m) for m in self.program.methods}
        first = methods[self.program.methods[0].name]
        constants = self.program.constants
        return {
            **first,
            "methods": methods,
            "constant_bytes": constants.total_bytes,
            "constant_tensors": len(constants.buffers) - 1,
            "file_bytes": len(self.buffer),
            "runtime_problems": [p.as_dict() for p in self.runtime_problems],
            "quantization": self.quant_report.as_dict() if self.quant_report else None,
            "npu": self.npu_report.as_dict() if self.npu_report else None,
        }

    def report(self) -> str:
        d = self.report_dict()
        lines: list[str] = []
        for name, m in d["methods"].items():
            lines.append(f"method '{name}': {m['instructions']} instructions")
            lines.append(f"  {'operator':<50} {'count':>5}  backend")
            for op in m["ops"]:
                lines.append(f"  {op['name']:<50} {op['count']:>5}  {op['backend']}")
            for kind in ("inputs", "outputs"):
                for k, io in enumerate(m[kind]):
                    label = f"{kind[:-1]} {k}"
                    lines.append(f"  {label:<10} {io['dtype']:<9} {io['shape']}")
            for buffer_id, size in enumerate(m["planned_bytes"]):
                if buffer_id > 0:
                    lines.append(f"  planned buffer {buffer_id}: {_bytes(size)}")
            lines.append(
                f"  planned peak {_bytes(m['planned_peak_bytes'])} vs naive "
                f"{_bytes(m['naive_bytes'])} (sum of all planned tensors)"
            )
            for f in m["folded"]:
                lines.append(
                    f"  folded {_few(f['outputs'])} at {f['source']}: {_few(f['ops'])}; "
                    f"stored {_bytes(f['stored_bytes'])}, freed {_bytes(f['freed_bytes'])}"
                )
            for f in m["fold_skipped"]:
                lines.append(
                    f"  not folded {_few(f['outputs'])} at {f['source']} "
                    f"({_bytes(f['bytes'])}): {f['reason']}"
                )
        lines.append(f"constants: {d['constant_tensors']} tensors, {_bytes(d['constant_bytes'])}")
        lines.append(f"file: {_bytes(d['file_bytes'])}")
        if self.quant_report is not None:
            lines.extend(self.quant_report.lines())
        if self.npu_report is not None:
            lines.extend(self.npu_report.lines())
        if self.runtime_problems:
            lines.append("Ember's runtime will refuse this file:")
            lines.extend(f"  {p}" for p in self.runtime_problems)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ember.ExportedProgram methods={self.method_names} bytes={len(self.buffer)}>"


def _few(names: list[str], most: int = 8) -> str:
    """A comma-separated list, cut after `most` names (report_dict has them all)."""
    shown = ", ".join(names[:most])
    return shown + (f", ... ({len(names) - most} more)" if len(names) > most else "")


def _bytes(n: int) -> str:
    if n < 10 * 1024:
        return f"{n} B"
    if n < 10 * 1024 * 1024:
        return f"{n / 1024:.1f} KiB ({n} B)"
    return f"{n / (1024 * 1024):.1f} MiB ({n} B)"
