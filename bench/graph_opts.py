"""Before/after of export's graph passes (export(optimize=...), python/ember/passes.py): planned
memory, instructions, file size and latency of a BERT encoder, an OPT decoder and MobileNetV2.

Both exports of a model are loaded in one process and timed interleaved (rounds of `iters`
executes each, alternating), so that load on a shared machine hits both alike; the table gives
medians over all timed executes and the ratio optimized / plain. Run pinned to one core:

    PYTHONPATH=python taskset -c 0 python bench/graph_opts.py [--rounds 10 --iters 10]
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))

import breadth_models  # noqa: E402
import ember  # noqa: E402
import zoo  # noqa: E402
import importlib  # noqa: E402

ember_bench = importlib.import_module("ember.bench")


def models() -> dict:
    body = dict(breadth_models._BODY, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                intermediate_size=1024, max_position_embeddings=256)
    ids = breadth_models._ids(128)
    return {
        "bert (4x256, seq 128)": lambda: breadth_models._hf("BertConfig", "BertModel", dict(body),
                                                           {"input_ids": ids}),
        "opt (4x256, seq 128)": lambda: breadth_models._hf(
            "OPTConfig", "OPTForCausalLM", dict(body, ffn_dim=1024, word_embed_proj_dim=256),
            {"input_ids": ids}, use_cache=False),
        "mobilenet_v2 (128x128)": lambda: zoo.mobilenet_v2(resolution=128),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--iters", type=int, default=10)
    args = ap.parse_args()
    rows = []
    for name, make in models().items():
        model, inputs = make()
        progs = {opt: ember.export(model, inputs, optimize=opt) for opt in (False, True)}
        methods = {opt: ember.load(p.buffer).method("forward") for opt, p in progs.items()}
        times: dict[bool, list[float]] = {False: [], True: []}
        for opt in (False, True):
            ember_bench.run(methods[opt], inputs, warmup=3, iters=1)
        for _ in range(args.rounds):
            for opt in (False, True):
                res = ember_bench.run(methods[opt], inputs, warmup=0, iters=args.iters)
                times[opt] += list(res.latencies_ms)
        info = {}
        for opt, p in progs.items():
            m = p.program.methods[0]
            info[opt] = (m.non_const_buffer_sizes[1], len(m.instructions), len(p.buffer),
                         statistics.median(times[opt]))
        rows.append((name, info))
    print(f"{'model':24} {'':6} {'planned KiB':>12} {'instrs':>7} {'file KiB':>9} {'median ms':>10}")
    for name, info in rows:
        for opt in (False, True):
            planned, instrs, size, ms = info[opt]
            print(f"{name:24} {'opt' if opt else 'plain':6} {planned / 1024:12.1f} {instrs:7d} "
                  f"{size / 1024:9.1f} {ms:10.3f}")
        (p0, i0, s0, t0), (p1, i1, s1, t1) = info[False], info[True]
        print(f"{name:24} {'ratio':6} {p1 / p0:12.3f} {i1 / i0:7.3f} {s1 / s0:9.3f} {t1 / t0:10.3f}")


if __name__ == "__main__":
    main()
