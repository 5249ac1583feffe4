"""Time Ember's fp32 linear kernels (f32_gemm_nt, kernels/optimized/f32_gemm_nt.h) at OPT-125M's
shapes, and optionally OPT-125M end to end, portable against the optimized variants.

    PYTHONPATH=$PWD/python .venv/bin/python bench/gemm_linear.py [--reps 15] [--pte out/opt125m.pte]

Calls the kernels in build/lib/libember.so through ctypes (they are internal, not part of the
public API, but exported by the shared library), pinned to CPU 0, the variants interleaved in
every repetition so that frequency drift and neighbours hit all of them alike; prints the median
time, GFLOP/s (2*M*N*K per call) and the ratio to portable. With --pte (a .pte taking
input_ids of shape (1, S), e.g. from examples/profile_opt125m.py) it also times whole runs
through Method.run, loading the program once with ember_kernel_cpu_mask_set(0) (portable) and
once with the detected features (optimized). Numbers depend on the machine: nothing here asserts.
"""
import argparse
import ctypes
import os
import statistics
import time

import numpy as np

from ember import runtime

SHAPES = [  # (M, K, N): OPT-125M's linears (q/k/v/out, fc1, fc2, lm_head) at 32 and 128 tokens, and decode
    (1, 768, 768), (1, 768, 3072), (1, 3072, 768), (1, 768, 50272),
    (32, 768, 768), (32, 768, 3072), (32, 3072, 768), (32, 768, 50272),
    (128, 768, 768), (128, 768, 3072), (128, 3072, 768), (128, 768, 50272),
]
F32P = ctypes.POINTER(ctypes.c_float)


def cpu_has(lib, name: str) -> bool:
    lib.ember_cpu_features.restype = ctypes.c_uint64
    feats = lib.ember_cpu_features()
    buf = ctypes.create_string_buffer(512)
    lib.ember_cpu_features_str(ctypes.c_uint64(feats), buf, ctypes.c_size_t(len(buf)))
    return name in buf.value.decode().replace(",", " ").split()


def kernels(lib):
    out = [("portable", lib.f32_gemm_nt__portable)]
    if cpu_has(lib, "avx2") and cpu_has(lib, "fma") and hasattr(lib, "f32_gemm_nt__avx2"):
        out.append(("avx2", lib.f32_gemm_nt__avx2))
    if cpu_has(lib, "avx512f") and hasattr(lib, "f32_gemm_nt__avx512"):
        out.append(("avx512", lib.f32_gemm_nt__avx512))
    for _, fn in out:
        fn.restype = None
        fn.argtypes = [F32P, ctypes.c_int64, F32P, F32P, F32P, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64]
    return out


def bench_kernels(lib, reps: int) -> None:
    ks = kernels(lib)
    rng = np.random.default_rng(0)
    print(f"{'M':>4} {'K':>5} {'N':>6}  " + "  ".join(f"{n:>22}" for n, _ in ks))
    for m, k, n in SHAPES:
        a = rng.standard_normal((m, k), dtype=np.float32)
        w = rng.standard_normal((n, k), dtype=np.float32)
        b = rng.standard_normal(n, dtype=np.float32)
        c = np.empty((m, n), np.float32)
        c_, a_, w_, b_ = (x.ctypes.data_as(F32P) for x in (c, a, w, b))
        args = [c_, n, a_, w_, b_, m, k, n]
        flop = 2.0 * m * n * k
        inner = max(1, int(2e8 / flop))  # about 0.2 GFLOP of work per timed sample (less for tiny shapes)
        times = {name: [] for name, _ in ks}
        for _, fn in ks:
            fn(*args)  # warm up
        for _ in range(reps):
            for name, fn in ks:
                t0 = time.perf_counter()
                for _ in range(inner):
                    fn(*args)
                times[name].append((time.perf_counter() - t0) / inner)
        med = {name: statistics.median(t) for name, t in times.items()}
        cells = [f"{med[nm] * 1e3:8.3f} ms {flop / med[nm] / 1e9:5.1f} GF x{med['portable'] / med[nm]:4.1f}"
                 for nm, _ in ks]
        print(f"{m:>4} {k:>5} {n:>6}  " + "  ".join(cells), flush=True)


def bench_model(lib, pte: str, reps: int) -> None:
    import ember

    lib.ember_kernel_cpu_mask_set.argtypes = [ctypes.c_uint64]
    progs = {}
    for name, mask in (("portable", 0), ("optimized", (1 << 64) - 1)):
        lib.ember_kernel_cpu_mask_set(mask)
        progs[name] = ember.load(pte).method("forward")  # methods load (and pick kernels) here
    lib.ember_kernel_cpu_mask_set((1 << 64) - 1)
    ids = np.random.default_rng(0).integers(0, 50272, size=(1, 32), dtype=np.int64)
    ref = None
    for name, p in progs.items():
        out = np.asarray(p.run(ids))
        if ref is None:
            ref = out
        else:
            print(f"max |optimized - portable| logits: {np.abs(out - ref).max():.3g} (|logits| max {np.abs(ref).max():.3g})")
    times = {name: [] for name in progs}
    for _ in range(reps):
        for name, p in progs.items():
            t0 = time.perf_counter()
            p.run(ids)
            times[name].append(time.perf_counter() - t0)
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"OPT-125M forward, 32 tokens: portable {med['portable'] * 1e3:.1f} ms, "
          f"optimized {med['optimized'] * 1e3:.1f} ms, speedup x{med['portable'] / med['optimized']:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--cpu", type=int, default=0, help="CPU to pin to (default 0)")
    ap.add_argument("--pte", help="also time this model (input_ids (1, 32)) end to end")
    ap.add_argument("--no-kernels", action="store_true")
    args = ap.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    lib = runtime._library()
    if not args.no_kernels:
        bench_kernels(lib, args.reps)
    if args.pte:
        bench_model(lib, args.pte, args.reps)


if __name__ == "__main__":
    main()
