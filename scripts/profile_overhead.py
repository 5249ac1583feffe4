"""What profiling costs, measured on one model (docs/profiling.md, "Why not a Python callback").

    PYTHONPATH=$PWD/python .venv/bin/python scripts/profile_overhead.py MODEL.pte [--runs N]

Runs the method (inputs as `ember profile` makes them) with no hook, with the library's C hook
(ember_profiler_event + clock_gettime, what `ember profile` and Program.profile use) and with a
Python ctypes callback per event (time.perf_counter_ns), and prints each one's execute time, the
time each adds per timed call, and the sum of instruction times each measured. Then runs
`build/bin/ember profile --json` and Program.profile and prints their execute and instruction
times side by side. A benchmark, not a test: the numbers depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import ember
from ember import runtime as rt

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    prog = ember.load(args.model)
    m = prog.method("forward")
    lib = m._lib
    inputs, desc = m._default_inputs()

    def timed(n: int) -> np.ndarray:
        ts = []
        for _ in range(n):
            for i, x in enumerate(inputs):
                m.set_input(i, x)
            t0 = time.perf_counter_ns()
            st = lib.ember_method_execute(m._m)
            t1 = time.perf_counter_ns()
            if st:
                raise m._fail(st)
            ts.append(t1 - t0)
        return np.array(ts) / 1e3  # us

    info = rt._MethodInfo()
    lib.ember_method_info_get(m._m, ctypes.byref(info))
    n = int(info.num_instructions)
    timed(3)
    results = {"no hook": (timed(args.runs), None)}

    counters = (rt._ProfileCounter * max(1, n))()
    prof = rt._Profiler(ctypes.cast(lib.ember_clock_monotonic_ns, ctypes.c_void_p), None,
                        ctypes.cast(counters, ctypes.POINTER(rt._ProfileCounter)), n, 0)
    lib.ember_method_set_event_hook(m._m, ctypes.cast(lib.ember_profiler_event, ctypes.c_void_p), ctypes.addressof(prof))
    timed(3)
    ctypes.memset(counters, 0, ctypes.sizeof(counters))
    t = timed(args.runs)
    results["C hook"] = (t, sum(c.ticks for c in counters) / args.runs / 1e3)
    calls = sum(c.calls for c in counters) / args.runs
    lib.ember_method_set_event_hook(m._m, None, None)

    event_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_int)
    acc, start, clock = np.zeros(max(1, n)), [0], time.perf_counter_ns

    def callback(user, i, phase, status):
        if phase == 0:
            start[0] = clock()
        else:
            acc[i] += clock() - start[0]

    cb = event_fn(callback)
    lib.ember_method_set_event_hook(m._m, ctypes.cast(cb, ctypes.c_void_p), None)
    try:
        timed(3)
        acc[:] = 0
        t = timed(args.runs)
    finally:
        lib.ember_method_set_event_hook(m._m, None, None)
    results["ctypes callback"] = (t, acc.sum() / args.runs / 1e3)

    print(f"{args.model}: {calls:g} timed calls per run, {args.runs} runs; inputs: {desc}")
    base = np.median(results["no hook"][0])
    for name, (t, inside) in results.items():
        line = f"  {name:16s} execute median {np.median(t):10.1f} us  min {t.min():10.1f} us"
        if inside is not None:
            line += (f"  added per call {(np.median(t) - base) * 1e3 / max(calls, 1):7.0f} ns (median), "
                     f"{(t.min() - results['no hook'][0].min()) * 1e3 / max(calls, 1):7.0f} ns (min)"
                     f"  sum of call times {inside:10.1f} us")
        print(line)

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "p.json"
        subprocess.run([str(ROOT / "build" / "bin" / "ember"), "profile", args.model, "--runs", str(args.runs),
                        "--json", str(out)], check=True, stdout=subprocess.DEVNULL)
        cli = json.loads(out.read_text())
    py = prog.profile(runs=args.runs)
    print(f"  ember profile     execute {cli['execute_ms'] * 1e3:10.1f} us (min {cli['execute_min_ms'] * 1e3:.1f}), "
          f"in calls {cli['instructions_ms'] * 1e3:10.1f} us, outside {cli['overhead_ms'] * 1e3:8.1f} us")
    print(f"  Program.profile   execute {py.execute_ms * 1e3:10.1f} us (min {py.execute_min_ms * 1e3:.1f}), "
          f"in calls {py.instructions_ms * 1e3:10.1f} us, outside {py.overhead_ms * 1e3:8.1f} us")


if __name__ == "__main__":
    main()
