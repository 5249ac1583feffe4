"""What `ember.bench(...)` returns: the latency of whole executes of a method, timed from Python,
with the summary `ember bench` prints (see docs/profiling.md, "Benchmarking").

    res = ember.bench("model.pte", warmup=5, iters=50)   # or ember.load(path).bench(...)
    print(res)                       # min, median, p90, max, mean (ms) and runs per second
    res.latencies_ms                 # numpy array, one latency per timed iteration
    res.plot("latency.png")          # latency against iteration, and a histogram (matplotlib)

Each execute is timed with time.perf_counter_ns around the ctypes call to ember_method_execute,
so a latency includes the ctypes call itself (about a microsecond; `empty_call_ns` measures one
empty call into libember) on top of what `ember bench` measures in C. Inputs are set once before
the loop; an input that execute consumes (ember_method_input_consumed) is set again before each
execute, outside the timed part. The method runs on `threads` threads (default: the CPUs this
process may use); `threads_used` says how many it had (1 when libember was built without threads).
"""
from __future__ import annotations

import json
import statistics
import time
from typing import Any, Optional

from .errors import EmberError

# `import ember` imports this module (so that `ember.bench` is the function below, not this
# module) and must stay light: numpy is imported where it is used.

TIMER = "time.perf_counter_ns around each ctypes call to ember_method_execute"


class BenchResult:
    """Latencies of `iters` timed executes (after `warmup` untimed ones) and their summary."""

    def __init__(self, model: str, method: str, warmup: int, latencies_ns: list[int], inputs: str,
                 consumed: list[int], threads_requested: int = 1, empty_call_ns: float = 0.0,
                 timer: str = TIMER, threads_used: int = 1):
        self.model, self.method, self.warmup, self.inputs = model, method, warmup, inputs
        self.consumed = list(consumed)  # inputs re-set before each execute
        self.threads_requested, self.threads_used = threads_requested, threads_used
        self.empty_call_ns = float(empty_call_ns)
        self.timer = timer
        import numpy as np

        self.latencies_ms = np.asarray(latencies_ns, dtype=np.float64) / 1e6
        if self.latencies_ms.size == 0:
            raise EmberError("invalid argument", "a bench needs at least one timed iteration")

    @property
    def iters(self) -> int:
        return int(self.latencies_ms.size)

    # The same statistics as cmd_bench in tools/ember_cli.c: percentiles interpolate linearly
    # between neighbours (numpy's default), the median of an even count is the middle two's mean.
    @property
    def min(self) -> float:
        return float(self.latencies_ms.min())

    @property
    def median(self) -> float:
        import numpy as np

        return float(np.median(self.latencies_ms))

    @property
    def p90(self) -> float:
        import numpy as np

        return float(np.percentile(self.latencies_ms, 90))

    @property
    def max(self) -> float:
        return float(self.latencies_ms.max())

    @property
    def mean(self) -> float:
        return float(self.latencies_ms.mean())

    @property
    def runs_per_second(self) -> float:
        return 1000.0 / self.median if self.median > 0 else 0.0

    def summary(self) -> str:
        """The text `ember bench` prints (tools/ember_cli.c, bench_summary), with this timer."""
        lines = [f"bench of {self.model}, method '{self.method}': {self.iters} iterations after {self.warmup} warm-ups",
                 f"inputs: {self.inputs}"]
        if self.consumed:
            lines.append("inputs re-set before each execute, outside the timed part: execute consumes "
                         + ", ".join(f"input {i}" for i in self.consumed))
        if self.threads_used < self.threads_requested:
            lines.append(f"threads: {self.threads_used} ({self.threads_requested} requested; "
                         "this build of libember has no threads)")
        else:
            lines.append(f"threads: {self.threads_used}")
        lines.append(f"timer: {self.timer}; an empty ctypes call measures {self.empty_call_ns:.0f} ns")
        for name in ("min", "median", "p90", "max", "mean"):
            lines.append("%-6s  %12.6f ms" % (name, getattr(self, name)))
        lines.append("runs/s  %12.1f (1000 / median)" % self.runs_per_second)
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        """The keys of `ember bench --json`, plus empty_call_ns."""
        return {"model": self.model, "method": self.method, "warmup": self.warmup, "iters": self.iters,
                "threads_requested": self.threads_requested, "threads_used": self.threads_used,
                "inputs": self.inputs, "inputs_reset": bool(self.consumed), "timer": self.timer,
                "empty_call_ns": self.empty_call_ns,
                "min_ms": self.min, "median_ms": self.median, "p90_ms": self.p90, "max_ms": self.max,
                "mean_ms": self.mean, "runs_per_second": self.runs_per_second,
                "latencies_ms": [float(x) for x in self.latencies_ms]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    def to_csv(self) -> str:
        """The layout of `ember bench --csv`: a header, then one row per timed iteration,
        numbered from 1 (warm-ups are not rows)."""
        return "iteration,latency_ms\n" + "".join("%d,%.6f\n" % (i + 1, x) for i, x in enumerate(self.latencies_ms))

    def plot(self, path: Optional[str] = None) -> Any:
        """Draws latency against iteration number (drift, such as a fanless board slowing as it
        warms, shows as a trend) and a histogram of the latencies, side by side. Saves a PNG when
        `path` is given. Returns the matplotlib Figure. Needs matplotlib (imported here only)."""
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError("BenchResult.plot needs matplotlib: pip install matplotlib") from None
        import numpy as np

        fig = Figure(figsize=(10, 4), layout="constrained")
        trend, hist = fig.subplots(1, 2)
        x = np.arange(1, self.iters + 1)
        trend.plot(x, self.latencies_ms, marker=".", linewidth=0.8)
        trend.axhline(self.median, color="tab:orange", linestyle="--", label=f"median {self.median:.4f} ms")
        trend.axhline(self.p90, color="tab:red", linestyle=":", label=f"p90 {self.p90:.4f} ms")
        trend.set_xlabel("iteration")
        trend.set_ylabel("latency (ms)")
        trend.set_title("latency per iteration")
        trend.legend()
        hist.hist(self.latencies_ms, bins=min(50, max(5, self.iters // 4)))
        hist.axvline(self.median, color="tab:orange", linestyle="--")
        hist.set_xlabel("latency (ms)")
        hist.set_ylabel("iterations")
        hist.set_title("distribution")
        fig.suptitle(f"{self.model}, method '{self.method}': {self.iters} iterations after {self.warmup} warm-ups")
        if path is not None:
            fig.savefig(path, format="png", dpi=100)
        return fig

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"<BenchResult {self.method} of {self.model}: median {self.median:.4f} ms, "
                f"p90 {self.p90:.4f} ms over {self.iters} iterations>")


def _empty_call_ns(lib: Any, handle: Any, calls: int = 1000) -> float:
    """The median time of an empty ctypes call into libember (ember_method_input_count), as
    perf_counter_ns sees it: what each timed execute carries on top of the C timing."""
    count, clock = lib.ember_method_input_count, time.perf_counter_ns
    times = []
    for _ in range(calls):
        t0 = clock()
        count(handle)
        times.append(clock() - t0)
    return float(statistics.median(times))


def run(method: Any, inputs: tuple, warmup: int = 5, iters: int = 50, threads: int = 1,
        model: str = "") -> BenchResult:
    """Benches a loaded ember.runtime.Method on the threads it has (Program.bench gives it
    those asked for; `threads` is what was requested): `warmup` untimed executes, then `iters`
    timed ones. Without inputs, float inputs are random uniform in [-1, 1) and others zeros (as
    profile)."""
    for name, value, low in (("warmup", warmup, 0), ("iters", iters, 1), ("threads", threads, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise EmberError("invalid argument", f"{name} must be a whole number >= {low}, not {value!r}")
    if inputs and len(inputs) != method.num_inputs:
        raise EmberError("invalid argument",
                         f"method '{method.name}' takes {method.num_inputs} inputs, got {len(inputs)}")
    if inputs:
        desc = "; ".join(f"input {i}: given" for i in range(len(inputs))) or "none"
    else:
        values, desc = method._default_inputs()
        inputs = tuple(values)
    lib, handle = method._lib, method._m
    method._borrowed = []
    for i, x in enumerate(inputs):
        method.set_input(i, x)
    borrowed = list(method._borrowed)  # what unplanned inputs point at, for the whole loop
    execute, clock, is_consumed = lib.ember_method_execute, time.perf_counter_ns, lib.ember_method_input_consumed
    latencies = []
    for it in range(warmup + iters):
        consumed = [i for i in range(len(inputs)) if is_consumed(handle, i)]
        if it and consumed:
            method._borrowed = []
            for i in consumed:  # planned inputs: copied into their slot, nothing more is borrowed
                method.set_input(i, inputs[i])
            method._borrowed = borrowed
        t0 = clock()
        st = execute(handle)
        t1 = clock()
        if st:
            raise method._fail(st)
        if it >= warmup:
            latencies.append(t1 - t0)
    return BenchResult(model or "<bytes>", method.name, warmup, latencies, desc, consumed, threads,
                       _empty_call_ns(lib, handle), threads_used=method.threads)


def bench(path_or_program: Any, *inputs: Any, method: str = "forward", warmup: int = 5, iters: int = 50,
          threads: Optional[int] = None) -> BenchResult:
    """Benches `method` of a .pte (a path, bytes, or a loaded ember Program) on `threads`
    threads (None: the program's default, the CPUs this process may use): see `run`."""
    from .runtime import Program, load

    prog = path_or_program if isinstance(path_or_program, Program) else load(path_or_program)
    return prog.bench(*inputs, method=method, warmup=warmup, iters=iters, threads=threads)
