"""What `ember.load(path).profile(...)` returns: the time of every kernel and delegate call of a
method, measured by the C runtime's event hook (see docs/profiling.md).

    prof = ember.load("model.pte").profile(x, runs=10, warmup=2)
    print(prof)                      # the table `ember profile` prints, same layout
    prof.operators[0].operator       # the operator that took longest, per run
    open("p.json", "w").write(prof.to_json())   # the rows and metadata of `ember profile --json`

Times are per run (averaged over `runs`) except `mean_us`, which is per call; `share_pct` is the
part of the whole execute time. This module only formats: the measuring is in runtime.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

TIMER = "clock_gettime(CLOCK_MONOTONIC)"


@dataclass
class ProfileRow:
    """One operator (summed over its instructions) or one instruction."""

    operator: str        # "aten::addmm.out", or a delegate's backend id
    kind: str            # "kernel" or "delegate"
    calls: float         # per run
    total_ms: float      # per run
    mean_us: float       # per call
    share_pct: float     # of the execute time
    index: Optional[int] = None  # instruction rows: the instruction's index in the method
    output: str = ""     # instruction rows: "float32 (1, 10)", the value the call writes


@dataclass
class Measured:
    """What the runtime counted for one instruction over all timed runs."""

    index: int
    operator: str
    kind: str
    output: str
    calls: int
    ns: int


def _time_text(ms: float) -> str:
    """"12.345 ms", or "12.35 us" under a millisecond (as the CLI prints it)."""
    return "%.3f ms" % ms if abs(ms) >= 1.0 else "%.2f us" % (ms * 1e3)


def _csv_field(text: str) -> str:
    if not any(c in text for c in ',"\r\n'):
        return text
    return '"' + text.replace('"', '""') + '"'


class Profile:
    """A method's profile: metadata, `operators` (largest total first) and `instructions` (in
    index order; only those that ran)."""

    def __init__(self, model: str, method: str, runs: int, warmup: int, inputs: str,
                 empty_call_ns: float, execute_ns: list[int], measured: list[Measured]):
        self.model, self.method, self.runs, self.warmup, self.inputs = model, method, runs, warmup, inputs
        self.timer = TIMER
        self.empty_call_ns = float(empty_call_ns)
        self.execute_times_ms = [ns / 1e6 for ns in execute_ns]
        # The same arithmetic, in the same order, as cmd_profile in tools/ember_cli.c.
        self.execute_ms = float(sum(execute_ns)) / runs / 1e6
        self.execute_min_ms = min(execute_ns) / 1e6
        self.instructions: list[ProfileRow] = []
        self.instructions_ms = 0.0
        by_op: dict[tuple[str, str], ProfileRow] = {}
        for m in measured:
            total_ms = m.ns / runs / 1e6
            row = ProfileRow(m.operator, m.kind, m.calls / runs, total_ms, m.ns / m.calls / 1e3,
                             100.0 * total_ms / self.execute_ms if self.execute_ms > 0 else 0.0,
                             index=m.index, output=m.output)
            self.instructions.append(row)
            self.instructions_ms += row.total_ms
            op = by_op.setdefault((m.operator, m.kind), ProfileRow(m.operator, m.kind, 0.0, 0.0, 0.0, 0.0))
            op.calls += row.calls
            op.total_ms += row.total_ms
            op.share_pct += row.share_pct
        for op in by_op.values():
            op.mean_us = op.total_ms / op.calls * 1e3 if op.calls > 0 else 0.0
        self.operators = sorted(by_op.values(), key=lambda o: (-o.total_ms, o.operator))

    @property
    def overhead_ms(self) -> float:
        """Execute time outside the timed calls, per run: the loop, moves and jumps, and the
        ctypes call into execute."""
        return self.execute_ms - self.instructions_ms

    def table(self) -> str:
        """The text `ember profile` prints (tools/ember_cli.c, profile_table)."""
        e, inside, outside = self.execute_ms, self.instructions_ms, self.overhead_ms
        lines = [
            f"profile of {self.model}, method '{self.method}': {self.runs} runs after {self.warmup} warmup",
            f"inputs: {self.inputs}",
            "timer: %s around each kernel and delegate call; an empty call measures %.0f ns" % (self.timer, self.empty_call_ns),
            "execute: %s per run (min %s); in instructions %s (%.1f%%), outside them %s (%.1f%%)"
            % (_time_text(e), _time_text(self.execute_min_ms), _time_text(inside), 100.0 * inside / e if e > 0 else 0.0,
               _time_text(outside), 100.0 * outside / e if e > 0 else 0.0),
            "",
        ]
        w = max([8] + [len(o.operator) for o in self.operators])
        lines.append("%-*s  %-8s  %10s  %10s  %10s  %6s" % (w, "operator", "kind", "calls", "total ms", "mean us", "share"))
        for o in self.operators:
            lines.append("%-*s  %-8s  %10.6g  %10.3f  %10.2f  %5.1f%%" % (w, o.operator, o.kind, o.calls, o.total_ms,
                                                                         o.mean_us, o.share_pct))
        wo = max([6] + [len(r.output) for r in self.instructions])
        lines.append("")
        lines.append("%5s  %-*s  %-*s  %10s  %10s  %6s" % ("index", w, "operator", wo, "output", "calls", "mean us", "share"))
        for r in self.instructions:
            lines.append("%5d  %-*s  %-*s  %10.6g  %10.2f  %5.1f%%" % (r.index, w, r.operator, wo, r.output, r.calls,
                                                                      r.mean_us, r.share_pct))
        return "\n".join(lines) + "\n"

    def _metadata(self) -> dict:
        return {"model": self.model, "method": self.method, "runs": self.runs, "warmup": self.warmup,
                "inputs": self.inputs, "timer": self.timer, "empty_call_ns": self.empty_call_ns,
                "execute_ms": self.execute_ms, "execute_min_ms": self.execute_min_ms,
                "instructions_ms": self.instructions_ms, "overhead_ms": self.overhead_ms}

    @staticmethod
    def _row(r: ProfileRow, instruction: bool) -> dict:
        d: dict = {"index": r.index} if instruction else {}
        d.update(operator=r.operator, kind=r.kind)
        if instruction:
            d["output"] = r.output
        d.update(calls=r.calls, total_ms=r.total_ms, mean_us=r.mean_us, share_pct=r.share_pct)
        return d

    def to_dict(self) -> dict:
        """The keys of `ember profile --json`."""
        d = self._metadata()
        d["operators"] = [self._row(o, False) for o in self.operators]
        d["instructions"] = [self._row(r, True) for r in self.instructions]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    def to_csv(self) -> str:
        """The layout of `ember profile --csv`: "# key: value" metadata lines, a header, then one
        row per operator and per instruction."""
        out = []
        for key, value in self._metadata().items():
            text = "%.9g" % value if isinstance(value, float) else str(value)
            out.append(f"# {key}: {_csv_field(text)}")
        out.append("table,index,operator,kind,output,calls,total_ms,mean_us,share_pct")
        for table, rows in (("operator", self.operators), ("instruction", self.instructions)):
            for r in rows:
                index = "" if r.index is None or table == "operator" else str(r.index)
                out.append(",".join([table, index, _csv_field(r.operator), r.kind, _csv_field(r.output)]
                                    + ["%.9g" % v for v in (r.calls, r.total_ms, r.mean_us, r.share_pct)]))
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return (f"<Profile {self.method} of {self.model}: {self.execute_ms:.3f} ms per run, "
                f"{len(self.instructions)} instructions timed>")
