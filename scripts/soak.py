"""Soak test: run LeNet (tests/python/zoo.py, exported fresh) many times through the Python
binding, and optionally the CLI, and check that nothing drifts.

    .venv/bin/python scripts/soak.py [--runs 100000] [--cli-runs 0] [--max-growth-kib 2048]

Checks, failing with exit status 1:
- every output is bit-identical to the first run's (and the first is within 1e-4 of torch eager);
- RSS is flat: after a warm-up of the first 10% of the runs, it grows by at most
  --max-growth-kib by the end (RSS is read from /proc/self/status at the start, at 10%, and at
  the end);
- with --cli-runs N, `ember run` N times writes the same bytes as the binding.
Prints runs/s and the RSS numbers. `make soak` runs the default 100,000 runs.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "python"), str(REPO / "tests" / "python")]


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.2f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100_000, help="runs through the binding")
    ap.add_argument("--cli-runs", type=int, default=0, help="runs of `ember run` (a process each)")
    ap.add_argument("--max-growth-kib", type=int, default=2048,
                    help="allowed RSS growth from 10%% of the runs to the end")
    args = ap.parse_args()
    if args.runs < 10:
        ap.error("--runs must be at least 10")

    import torch  # only to export and for the eager reference

    import ember
    import zoo

    model, inputs = zoo.lenet()
    x = inputs[0].numpy()
    with torch.no_grad():
        eager = model(*inputs).numpy()
    with tempfile.TemporaryDirectory(prefix="ember-soak-") as tmp:
        pte = Path(tmp) / "lenet.pte"
        ember.export(model, inputs).save(pte)
        method = ember.load(pte).method("forward")

        failures: list[str] = []
        (first,) = method.run(x)
        err = float(np.abs(first - eager).max())
        if not err <= 1e-4 * max(1.0, float(np.abs(eager).max())):
            failures.append(f"first output differs from torch eager by {err:.3g}")
        want = first.tobytes()

        rss_start = rss_bytes()
        warmup = max(1, args.runs // 10)
        rss_warm = rss_start
        mismatches = 0
        t0 = time.perf_counter()
        for i in range(args.runs):
            (out,) = method.run(x)
            if out.tobytes() != want:
                mismatches += 1
                if mismatches <= 3:
                    failures.append(f"run {i}: output differs from the first run "
                                    f"(max |diff| {float(np.abs(out - first).max()):.3g})")
            if i + 1 == warmup:
                rss_warm = rss_bytes()
        seconds = time.perf_counter() - t0
        rss_end = rss_bytes()
        growth = rss_end - rss_warm
        if mismatches > 3:
            failures.append(f"... {mismatches} runs differ in all")
        if growth > args.max_growth_kib * 1024:
            failures.append(f"RSS grew by {_mib(growth)} after warm-up (bound {args.max_growth_kib} KiB)")

        print(f"binding: {args.runs} runs of LeNet in {seconds:.2f} s: {args.runs / seconds:.0f} runs/s, "
              f"{mismatches} differing from the first; max |first - eager| {err:.3g}")
        print(f"RSS: start {_mib(rss_start)}, at 10% ({warmup} runs) {_mib(rss_warm)}, "
              f"end {_mib(rss_end)}; growth after warm-up {growth / 1024:.0f} KiB "
              f"(bound {args.max_growth_kib} KiB)")

        if args.cli_runs:
            cli = REPO / "build" / "bin" / "ember"
            xin = Path(tmp) / "x.npy"
            np.save(xin, x)
            t0 = time.perf_counter()
            cli_bad = 0
            for i in range(args.cli_runs):
                out_dir = Path(tmp) / "out"
                r = subprocess.run([str(cli), "run", str(pte), "--input", str(xin), "--output-dir", str(out_dir)],
                                   capture_output=True, text=True, timeout=60)
                if r.returncode != 0:
                    failures.append(f"CLI run {i} failed ({r.returncode}): {r.stderr.strip()}")
                    break
                got = np.load(out_dir / "output_0.npy")
                if got.dtype != first.dtype or got.shape != first.shape or got.tobytes() != want:
                    cli_bad += 1
            seconds = time.perf_counter() - t0
            if cli_bad:
                failures.append(f"{cli_bad} CLI runs differ from the binding's output")
            print(f"CLI: {args.cli_runs} runs in {seconds:.2f} s: {args.cli_runs / seconds:.1f} runs/s, "
                  f"{cli_bad} differing from the binding")

    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    print("soak: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
