"""Time Ember's fp32 GEMM core (f32_gemm_nn, kernels/optimized/f32_gemm_nn.h) per variant at
OPT-125M's shapes: c = a (M, K) @ b (K, N) ("nn", as aten::mm / addmm / bmm and convolution call
it) and with b given as a linear layer's (N, K) weight ("bt", what aten::linear runs unpacked
from 64 rows on AVX-512), the same on that weight packed once beforehand ("bp", f32_gemm_nn_bp:
what aten::linear runs when the caller packed weights at load; the pack is not timed), next to
the row-major linear entry points (f32_gemm_nt, "nt").

    PYTHONPATH=$PWD/python .venv/bin/python bench/gemm.py [--reps 9] [--shapes 128x768x768,...]
        [--median] [--only bp,nt] [--cpu 1]
    PYTHONPATH=$PWD/python .venv/bin/python bench/gemm.py --opt 128,1 [--no-kernels]

--opt S,...: also OPT-125M (random weights, forward(input_ids (1, S)) -> logits, no KV cache)
exported with ember.export to out/opt125m_s{S}.pte, loaded twice with ember.load (portable
kernels: ember_kernel_cpu_mask_set(0); optimized: all features), and run interleaved with torch
eager (one thread) in this process: medians and best of the thread's CPU time, and the ratios.

Calls the internal kernels in build/lib/libember.so through ctypes, pinned to one CPU, every
variant interleaved in each repetition; prints the best (--median: the median) GFLOP/s over the
repetitions, timed in this thread's CPU time (time.thread_time: a shared machine's other processes do not count, though they still evict caches) (2*M*N*K per call). Numbers
depend on the machine (and on its neighbours): nothing here asserts.
"""
import argparse
import ctypes
import os
import statistics
import time

import numpy as np

from ember import runtime

SHAPES = [(1, 768, 768), (1, 768, 3072), (1, 768, 50272), (32, 768, 768), (32, 768, 3072),
          (128, 768, 768), (128, 768, 3072), (128, 3072, 768), (128, 768, 50272)]
F32P = ctypes.POINTER(ctypes.c_float)


class Ep(ctypes.Structure):
    _fields_ = [("bias", F32P), ("bias_per_row", ctypes.c_int), ("lo", ctypes.c_float),
                ("hi", ctypes.c_float)]


def variants(lib):
    from gemm_linear import cpu_has  # same directory

    isas = ["portable"]
    if cpu_has(lib, "avx2") and cpu_has(lib, "fma"):
        isas.append("avx2")
    if cpu_has(lib, "avx512f"):
        isas.append("avx512")
    out = []
    for isa in isas:
        for kind in ("nn", "bt", "bp", "nt"):
            name = f"f32_gemm_{kind}__{isa}" if kind in ("nn", "nt") else f"f32_gemm_nn_{kind}__{isa}"
            if hasattr(lib, name):
                fn = getattr(lib, name)
                fn.restype = None
                if kind == "nt":
                    fn.argtypes = [F32P, ctypes.c_int64, F32P, F32P, F32P] + [ctypes.c_int64] * 3
                else:
                    fn.argtypes = [F32P, ctypes.c_int64, F32P, ctypes.c_int64, F32P,
                                   ctypes.c_int64] + [ctypes.c_int64] * 3 + [ctypes.POINTER(Ep)]
                if kind == "bp":  # its pack, and the strip width (f32_gemm_nn.h)
                    pack = getattr(lib, f"f32_gemm_pack_b__{isa}")
                    pack.restype = None
                    pack.argtypes = [F32P, F32P, ctypes.c_int64, ctypes.c_int64]
                    fn = (fn, pack, {"avx512": 32, "avx2": 16}[isa])
                out.append((f"{kind} {isa}", kind, fn))
    return out


def bench_opt(lib, seqs, reps: int) -> None:
    import pathlib

    import torch
    from transformers import OPTConfig, OPTForCausalLM

    import ember

    class Logits(torch.nn.Module):
        def __init__(self, lm):
            super().__init__()
            self.lm = lm

        def forward(self, input_ids):
            return self.lm(input_ids=input_ids, use_cache=False).logits

    torch.set_num_threads(1)
    torch.manual_seed(0)
    cfg = OPTConfig()
    cfg.use_cache = False
    model = Logits(OPTForCausalLM(cfg).eval()).eval()
    out = pathlib.Path(__file__).resolve().parents[1] / "out"
    out.mkdir(exist_ok=True)
    lib.ember_kernel_cpu_mask_set.argtypes = [ctypes.c_uint64]
    for s in seqs:
        ids = torch.randint(0, cfg.vocab_size, (1, s), dtype=torch.long)
        pte = out / f"opt125m_s{s}.pte"
        if not pte.exists():
            ember.export(model, (ids,)).save(pte)
        runs = {}
        for name, mask in (("portable", 0), ("ember", (1 << 64) - 1)):
            lib.ember_kernel_cpu_mask_set(mask)
            runs[name] = ember.load(str(pte)).method("forward")
        lib.ember_kernel_cpu_mask_set((1 << 64) - 1)
        x = ids.numpy()
        with torch.no_grad():
            ref = model(ids).numpy()
        calls = {"portable": lambda: runs["portable"].run(x), "ember": lambda: runs["ember"].run(x)}

        def eager():
            with torch.no_grad():
                model(ids)

        calls["torch"] = eager
        for name in ("portable", "ember"):
            got = np.asarray(calls[name]())
            print(f"S={s}: max |{name} - torch| logits {np.abs(got - ref).max():.3g}")
        times = {name: [] for name in calls}
        for _ in range(reps):
            for name, fn in calls.items():
                t0 = time.thread_time()
                fn()
                times[name].append(time.thread_time() - t0)
        med = {n: statistics.median(t) for n, t in times.items()}
        best = {n: min(t) for n, t in times.items()}
        flop = 2.0 * s * sum(p.numel() for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n)
        flop += 2.0 * s * cfg.vocab_size * cfg.hidden_size  # lm_head (tied to the embedding)
        print(f"OPT-125M S={s}: " + ", ".join(
            f"{n} {med[n] * 1e3:.1f} ms (best {best[n] * 1e3:.1f})" for n in calls) +
            f"; torch/ember x{med['torch'] / med['ember']:.2f}, portable/ember x{med['portable'] / med['ember']:.2f}"
            f"; ember {flop / best['ember'] / 1e9:.1f} GFLOP/s of linear work", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--cpu", type=int, default=0)
    ap.add_argument("--shapes", help="MxKxN,... (default: OPT-125M's)")
    ap.add_argument("--only", help="comma-separated substrings of variant names to keep")
    ap.add_argument("--opt", help="also OPT-125M end to end at these sequence lengths, e.g. 128,1")
    ap.add_argument("--no-kernels", action="store_true")
    ap.add_argument("--median", action="store_true", help="median GFLOP/s instead of the best")
    args = ap.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    lib = runtime._library()
    if args.no_kernels:
        if args.opt:
            bench_opt(lib, [int(x) for x in args.opt.split(",")], args.reps)
        return
    vs = variants(lib)
    if args.only:
        vs = [v for v in vs if any(s in v[0] for s in args.only.split(","))]
    shapes = SHAPES if not args.shapes else [tuple(int(x) for x in s.split("x")) for s in args.shapes.split(",")]
    rng = np.random.default_rng(0)
    print(f"{'M':>4} {'K':>5} {'N':>6}  " + " ".join(f"{v[0]:>11}" for v in vs) + "   (GFLOP/s)")
    for m, k, n in shapes:
        a = rng.standard_normal((m, k), dtype=np.float32)
        w = rng.standard_normal((n, k), dtype=np.float32)
        b = np.ascontiguousarray(w.T)
        bias = rng.standard_normal(n, dtype=np.float32)
        c = np.empty((m, n), np.float32)
        ep = Ep(bias.ctypes.data_as(F32P), 0, float("-inf"), float("inf"))
        p = lambda x: x.ctypes.data_as(F32P)  # noqa: E731
        calls = []
        packed = []  # kept alive while the calls run
        for name, kind, fn in vs:
            if kind == "bp":
                fn, pack, nr = fn
                size = (n + nr - 1) // nr * nr * k
                buf = np.empty(size + 16, np.float32)  # 64-byte aligned, as ember_method_pack's
                bp = buf[(-buf.ctypes.data % 64) // 4:][:size]
                pack(p(bp), p(w), n, k)
                packed.append(bp)
                a_ = (p(c), n, p(a), k, p(bp), k, m, n, k, ctypes.byref(ep))
            elif kind == "nt":
                a_ = (p(c), n, p(a), p(w), p(bias), m, k, n)
            elif kind == "bt":
                a_ = (p(c), n, p(a), k, p(w), k, m, n, k, ctypes.byref(ep))
            else:
                a_ = (p(c), n, p(a), k, p(b), n, m, n, k, ctypes.byref(ep))
            calls.append((name, fn, a_))
        flop = 2.0 * m * n * k
        inner = max(1, int(1e8 / flop))
        times = {name: [] for name, _, _ in calls}
        for _, fn, a_ in calls:
            fn(*a_)
        for _ in range(args.reps):
            for name, fn, a_ in calls:
                t0 = time.thread_time()
                for _ in range(inner):
                    fn(*a_)
                times[name].append((time.thread_time() - t0) / inner)
        stat = statistics.median if args.median else min
        cells = [f"{flop / stat(times[nm]) / 1e9:11.1f}" for nm, _, _ in calls]
        print(f"{m:>4} {k:>5} {n:>6}  " + " ".join(cells), flush=True)
    if args.opt:
        bench_opt(lib, [int(x) for x in args.opt.split(",")], args.reps)


if __name__ == "__main__":
    main()
