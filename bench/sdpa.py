"""Ember's ember::sdpa.out vs torch.nn.functional.scaled_dot_product_attention, one thread, at
the attention shapes of the transformers models Ember runs.

    taskset -c 0 PYTHONPATH=$PWD/python .venv/bin/python bench/sdpa.py [--reps 15] [--causal]

Each shape (batch, heads, L, S, E) is a one-op module exported with ember.export and loaded with
ember.load; torch and Ember then alternate, `reps` rounds of `inner` calls each. torch's calls
are timed in this thread's CPU time (time.thread_time); Ember's op by the runtime's profiler
(Program.profile: the ember::sdpa.out instruction alone, clock_gettime in C, no Python; the
"run" column is the whole Python prog.run call, its input and output copies included, in thread
time). Prints the medians per call, GFLOP/s (4 L S E per head: q k^T and p v) and the ratio
ember op / torch (below 1: Ember faster). Run it under
EMBER_LIB=<another libember.so> to compare two builds against the same yardstick. Timings on a
shared machine are noisy: compare ratios, and rerun. Nothing here asserts.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

SHAPES = [  # (batch, heads, L, S, E), where they come from
    ((1, 6, 1500, 1500, 64), "Whisper-tiny encoder"),
    ((1, 12, 197, 197, 64), "ViT-B/16"),
    ((1, 2, 159, 159, 16), "small"),
    ((1, 12, 128, 128, 64), "OPT / BERT, 128 tokens"),
    ((1, 12, 1, 128, 64), "decode, 128 keys"),
]


class Attention(torch.nn.Module):
    def __init__(self, causal: bool):
        super().__init__()
        self.causal = causal

    def forward(self, q, k, v):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=self.causal)


def main() -> None:
    import ember

    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--causal", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"{'shape (B, H, L, S, E)':26} {'torch us':>9} {'op us':>9} {'run us':>9} "
          f"{'torch GF':>8} {'op GF':>8} {'op/torch':>8}")
    for (b, h, lq, lk, e), what in SHAPES:
        q, k, v = torch.randn(b, h, lq, e), torch.randn(b, h, lk, e), torch.randn(b, h, lk, e)
        model = Attention(a.causal and lq == lk).eval()
        prog = ember.load(ember.export(model, (q, k, v)).buffer)
        arrays = [x.numpy() for x in (q, k, v)]
        flop = 4.0 * b * h * lq * lk * e
        inner = max(1, int(2e8 / flop))
        ref = model(q, k, v).numpy()
        got = prog.run(*arrays, flat=True)[0]
        err = float(abs(got - ref).max())
        tt, te, tr = [], [], []
        with torch.no_grad():
            for _ in range(a.reps):
                t = time.thread_time()
                for _ in range(inner):
                    model(q, k, v)
                tt.append((time.thread_time() - t) / inner)
                prof = prog.profile(*arrays, runs=inner, warmup=0)
                te.append(sum(r.total_ms for r in prof.instructions
                              if r.operator.startswith("ember::sdpa")) * 1e-3)
                t = time.thread_time()
                for _ in range(inner):
                    prog.run(*arrays, flat=True)
                tr.append((time.thread_time() - t) / inner)
        mt, me, mr = statistics.median(tt), statistics.median(te), statistics.median(tr)
        shape = f"({b}, {h}, {lq}, {lk}, {e})"
        print(f"{shape:26} {mt * 1e6:9.1f} {me * 1e6:9.1f} {mr * 1e6:9.1f} "
              f"{flop / mt * 1e-9:8.1f} {flop / me * 1e-9:8.1f} {me / mt:8.2f}  {what}, "
              f"max |diff| {err:.1e}", flush=True)


if __name__ == "__main__":
    main()
