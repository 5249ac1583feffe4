"""Ember on 1 thread vs N threads: OPT-125M (transformers' OPTConfig() defaults, random weights,
forward(input_ids) -> logits) at 128 tokens, the same program run with each thread count,
interleaved (1, N, 1, N, ...), pinned to the first N CPUs this process may use; medians and
the ratio. The machine may be shared: the script prints the load average and how busy each
pinned CPU was (from /proc/stat) while it ran, so a ratio below N can be read against that.

It also prints the CPU time each run used (all threads, CLOCK_PROCESS_CPUTIME_ID) and the share
of a 1-thread run spent in the kernels that split (linear, mm/bmm, unary ops; from
Program.profile).
When other processes hold the cores the wall-clock ratio says little; then the estimate
1 / (serial + parallel * cpu(N) / cpu(1) / N) is what N free cores would give, if CPU time
does not change when the cores are free (labelled as an estimate, not a measurement).

    PYTHONPATH=python .venv/bin/python bench/threads.py [--threads 2] [--tokens 128] [--reps 9]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "python"))  # zoo: the models of the test suite


def cpu_ticks(cpus: list[int]) -> dict[int, tuple[int, int]]:
    """(busy, total) jiffies per CPU from /proc/stat, every process's time included."""
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name = line.split()[0]
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            v = [int(x) for x in line.split()[1:]]
            idle = v[3] + v[4]  # idle + iowait
            out[int(name[3:])] = (sum(v) - idle, sum(v))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--pte", help="a cached export (written when absent)")
    args = ap.parse_args()
    import ember

    cpus = sorted(os.sched_getaffinity(0))[: args.threads]
    if len(cpus) < args.threads:
        sys.exit(f"only {len(cpus)} CPUs available to this process")
    pte = Path(args.pte or f"/tmp/ember_opt125m_{args.tokens}.pte")
    ids_path = pte.with_suffix(".ids.npy")
    if not pte.exists() or not ids_path.exists():
        import zoo

        model, inputs = zoo.opt125m(seq_len=args.tokens)
        ember.export(model, inputs).save(pte)
        np.save(ids_path, inputs[0].numpy())
        del model
    ids = np.load(ids_path)
    os.sched_setaffinity(0, set(cpus))  # workers inherit the mask
    prog = ember.load(pte, threads=1)
    counts = [1, args.threads]
    outs = {n: prog.run(ids, threads=n)[0] for n in counts}  # also the warm-up
    same = outs[1].tobytes() == outs[args.threads].tobytes()
    times: dict[int, list[float]] = {n: [] for n in counts}
    cpu: dict[int, list[float]] = {n: [] for n in counts}
    load0, ticks0, own0 = os.getloadavg(), cpu_ticks(cpus), os.times()
    for _ in range(args.reps):
        for n in counts:
            prog.run(ids, threads=n)  # selects the pool outside the timed part
            m = prog.method()
            c0, t0 = time.process_time(), time.perf_counter()
            m.run(ids)
            times[n].append(time.perf_counter() - t0)
            cpu[n].append(time.process_time() - c0)
    ticks1, load1, own1 = cpu_ticks(cpus), os.getloadavg(), os.times()
    med = {n: statistics.median(t) * 1e3 for n, t in times.items()}
    cpu_med = {n: statistics.median(t) * 1e3 for n, t in cpu.items()}
    prof = prog.profile(ids, runs=1, warmup=0, threads=1)
    split = sum(r.total_ms for r in prof.operators
                if r.operator in ("aten::linear.out", "aten::bmm.out", "aten::mm.out",
                                  "aten::relu.out", "aten::gelu.out"))
    parallel = split / prof.execute_ms if prof.execute_ms > 0 else 0.0
    print(f"OPT-125M forward, {args.tokens} tokens, CPUs {cpus}, {args.reps} interleaved runs each")
    for n in counts:
        print(f"  {n} thread{'s' if n > 1 else ' '}: median {med[n]:8.1f} ms  "
              f"(min {min(times[n]) * 1e3:.1f}, max {max(times[n]) * 1e3:.1f}); CPU time median {cpu_med[n]:.1f} ms")
    print(f"  speedup x{med[1] / med[args.threads]:.2f}; outputs bit-identical: {same}")
    n = args.threads
    inflation = cpu_med[n] / cpu_med[1]
    est = 1.0 / ((1.0 - parallel) + parallel * inflation / n)
    print(f"  1-thread profile: {100 * parallel:.0f}% of the execute in kernels that split; CPU time "
          f"x{inflation:.2f} with {n} threads; estimate with {n} free cores: x{est:.2f}")
    print("  1-thread profile, largest operators: " + ", ".join(
        f"{r.operator} {r.share_pct:.0f}%" for r in prof.operators[:6]))
    print(f"  load average before {load0[0]:.2f}, after {load1[0]:.2f}")
    hz = os.sysconf("SC_CLK_TCK")
    busy = sum(ticks1[c][0] - ticks0[c][0] for c in cpus) / hz
    total = sum(ticks1[c][1] - ticks0[c][1] for c in cpus) / hz
    own = (own1.user - own0.user) + (own1.system - own0.system)
    print(f"  the {len(cpus)} CPUs were busy {100 * busy / max(total, 1e-9):.0f}% of the time: this process "
          f"{100 * own / max(total, 1e-9):.0f}%, other processes {100 * max(0.0, busy - own) / max(total, 1e-9):.0f}%")
    for c in cpus:
        b, t = ticks1[c][0] - ticks0[c][0], max(1, ticks1[c][1] - ticks0[c][1])
        print(f"  CPU {c} busy {100.0 * b / t:.0f}% (all processes)")


if __name__ == "__main__":
    main()
