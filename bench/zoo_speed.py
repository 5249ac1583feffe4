"""Time PyTorch eager and Ember on every `transformers` model of the test zoo, 1 thread, interleaved.

    .venv/bin/python bench/zoo_speed.py [--base] [--models hf_bert,hf_vit | --match vit]
                                        [--iters N] [--warmup N] [--budget S] [--cpu C] [--top 3]
                                        [--no-confirm] [--out DIR] [--name STEM]

Models: every `hf_*` architecture of tests/python/breadth_models.py (real `transformers` classes
at small configurations: width 32, 2 layers, 16 tokens or a 32x32 image) and the zoo's OPT-125M
(tests/python/zoo.py `opt125m`: the OPTConfig() defaults, 32 tokens, all logits out). --base
runs the BASE set below instead: the same classes at their published sizes.

Per model: ember.export once (default options); eager is the module under torch.inference_mode
with torch.set_num_threads(1); Ember is the C runtime through the Python binding with threads=1,
timing Method.execute. The process is pinned to one CPU (--cpu, default the first it may use;
the same as running it under `taskset -c C`). Timing is round-robin, as in bench/compare.py:
every round runs one eager call and one Ember call, the first of the two alternating, so a busy
neighbour or a frequency change hits both alike. The number of rounds is --iters, or fewer when
a model is slow (--budget seconds per model, at least 10 rounds). Ember's outputs are compared
with eager's before timing. After timing, `Method.profile` (the C runtime's per-kernel timer)
names the operators that took longest. A model slower than eager is measured a second time
(from a fresh export) unless --no-confirm.

Prints a table (model, eager ms, Ember ms, Ember / eager, the top operators) and writes it to
--out/zoo_speed.md (default bench/results/) with every latency in zoo_speed.json. A ratio
above 1 means Ember is slower than eager. Medians; the machine's load is recorded, since on a
shared machine the numbers move by several percent between runs.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))  # this checkout's ember, not an installed one
sys.path.insert(0, str(ROOT / "tests" / "python"))  # the zoo
sys.path.insert(0, str(ROOT / "bench"))

import compare  # noqa: E402  (timing helpers shared with bench/compare.py)


# --base: the same classes at their published base sizes (the library's default configuration:
# BERT-base, ViT-B/16, SigLIP-B/16, CLIP ViT-B/32, Whisper-tiny's encoder, GPT-2 small,
# wav2vec 2.0 base, T5-small, Swin-T, MobileViT-S; SmolLM-135M's Llama shape), random weights,
# at 2 layers (Swin-T: 2 blocks per stage) to keep a run short (every layer is the same work,
# so the ratio to eager is the full model's within noise); 128 tokens (T5: 128 in, 32 out),
# 224x224 images (MobileViT 256x256), 30 s of 80-bin mel frames, 1 s of 16 kHz audio. Not part of the test zoo: these show the
# kernels at the sizes where they, not per-call overhead, decide the time.
BASE = {
    "bert_base": ("BertConfig", "BertModel", dict(num_hidden_layers=2), "ids", 128),
    "distilbert_base": ("DistilBertConfig", "DistilBertModel", dict(n_layers=2), "ids", 128),
    "gpt2_small": ("GPT2Config", "GPT2LMHeadModel", dict(n_layer=2), "ids", 128),
    "vit_base": ("ViTConfig", "ViTForImageClassification", dict(num_hidden_layers=2), "pixels", 224),
    "siglip_base": ("SiglipVisionConfig", "SiglipVisionModel", dict(num_hidden_layers=2), "pixels", 224),
    "clip_vision_b32": ("CLIPVisionConfig", "CLIPVisionModel", dict(num_hidden_layers=2), "pixels", 224),
    "whisper_tiny_encoder": ("WhisperConfig", "WhisperForAudioClassification", dict(encoder_layers=2),
                             "mel", 3000),
    "wav2vec2_base": ("Wav2Vec2Config", "Wav2Vec2Model", dict(num_hidden_layers=2), "audio", 16000),
    "t5_small": ("T5Config", "T5ForConditionalGeneration", dict(num_layers=2, num_decoder_layers=2),
                 "ids+dec", 128),
    "smollm_135m": ("LlamaConfig", "LlamaForCausalLM",
                    dict(hidden_size=576, intermediate_size=1536, num_attention_heads=9,
                         num_key_value_heads=3, num_hidden_layers=2, vocab_size=49152,
                         tie_word_embeddings=True), "ids", 128),
    "swin_tiny": ("SwinConfig", "SwinForImageClassification", dict(depths=[2, 2, 2, 2]), "pixels", 224),
    "mobilevit_small": ("MobileViTConfig", "MobileViTForImageClassification", {}, "pixels", 256),
}


def zoo_models(base: bool = False) -> list[str]:
    if base:
        return list(BASE)
    import breadth_models

    return [n for n in breadth_models.ARCHS if n.startswith("hf_")] + ["opt125m"]


def build(name: str):
    """(model, inputs) for one zoo (or BASE) name."""
    import breadth_models

    if name in BASE:
        config_cls, model_cls, cfg, kind, size = BASE[name]
        if kind == "ids":
            inputs = {"input_ids": breadth_models._ids(size, vocab=1000)}
        elif kind == "ids+dec":
            inputs = {"input_ids": breadth_models._ids(size, vocab=1000),
                      "decoder_input_ids": breadth_models._ids(32, vocab=1000, seed=102)}
        elif kind == "pixels":
            inputs = {"pixel_values": breadth_models._randn(1, 3, size, size)}
        elif kind == "mel":
            inputs = {"input_features": breadth_models._randn(1, 80, size)}
        else:
            inputs = {"input_values": breadth_models._randn(1, size)}
        fixed = {"use_cache": False} if model_cls.endswith(("LMHeadModel", "CausalLM", "Generation")) else {}
        return breadth_models._hf(config_cls, model_cls, cfg, inputs, **fixed)
    if name == "opt125m":
        import zoo

        return zoo.opt125m()
    return breadth_models.ARCHS[name]()


def ember_runner(model, inputs):
    """compare.ember_runner at 1 thread, plus the loaded method (for the profile)."""
    r = compare.ember_runner(model, inputs, threads=1)
    program, _ = r.keep
    return r, program


def top_ops(program, inputs, runs: int, top: int) -> tuple[float, list[tuple[str, float, float]]]:
    """(the profiled execute's median ms, [(operator, median ms per run, share % of the median
    execute)] of the `top` operators that took longest). Each of `runs` runs is profiled on its
    own and every operator's time is the median over them: a mean would let one run that a busy
    neighbour interrupted decide the table."""
    method = program.method("forward")
    arrays = [x.numpy() for x in inputs]
    per_op: dict[str, list[float]] = {}
    execute = []
    for i in range(runs):
        prof = method.profile(*arrays, runs=1, warmup=2 if i == 0 else 0)
        execute.append(prof.execute_ms)
        for row in prof.operators:
            per_op.setdefault(row.operator, []).append(row.total_ms)
    total = float(np.median(execute))
    med = {op: float(np.median(v + [0.0] * (runs - len(v)))) for op, v in per_op.items()}
    ops = sorted(med.items(), key=lambda kv: -kv[1])[:top]
    return total, [(op, ms, 100.0 * ms / total if total > 0 else 0.0) for op, ms in ops]


def short_op(name: str) -> str:
    """"aten::native_layer_norm.out" -> "native_layer_norm"."""
    name = name.split("::", 1)[-1]
    return name[:-4] if name.endswith(".out") else name


def measure(name: str, args, progress: compare.Progress) -> dict:
    row: dict = {"model": name}
    try:
        model, inputs = build(name)
    except Exception as e:  # a transformers version without the class, ...
        row["error"] = f"build: {type(e).__name__}: {e}".splitlines()[0]
        return row
    with torch.inference_mode():
        ref = compare._tensors(model(*inputs))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            ember, program = ember_runner(model, inputs)
            row["export_s"] = time.perf_counter() - t0
    except Exception as e:
        row["error"] = f"export: {type(e).__name__}: {e}".splitlines()[0][:200]
        return row
    eager = compare.eager_runner(model, inputs)
    runners = [eager, ember]
    with torch.inference_mode():
        for r in runners:  # first calls, untimed: sizes the number of rounds
            r.prepare()
            t0 = time.perf_counter()
            r.call()
            r.first_s = time.perf_counter() - t0
        ember.max_err = compare.max_error(ember, ref)
        row["max_abs_err"] = ember.max_err
        row["match"] = bool(ember.max_err <= compare.tolerance(ref))
        per_round = max(1e-5, eager.first_s + ember.first_s)
        iters = max(10, min(args.iters, int(args.budget / per_round)))
        compare.time_interleaved(runners, args.warmup, iters, progress, name)
    for r in runners:
        row[r.name] = compare.summarise(r.latencies_ns)
        row[r.name]["latencies_ns"] = r.latencies_ns
    row["iters"] = iters
    row["ratio"] = row["ember"]["median_ms"] / row["eager"]["median_ms"]
    runs = max(5, min(31, int(args.budget / 4 / max(1e-5, ember.first_s))))
    row["profile_ms"], row["top_ops"] = top_ops(program, inputs, runs, args.top)
    return row


def markdown(res: dict) -> str:
    lines = [
        "# Zoo speed: " + ("the `transformers` models of the test zoo at their published base sizes "
                           "(2 layers; bench/zoo_speed.py --base)" if res.get("base") else
                           "the `transformers` models of the test zoo") + ", eager vs Ember, 1 thread",
        "",
        f"Measured {res['date']} on {res['cpu']} ({res['machine']}), pinned to CPU {res['pinned_cpu']}, "
        f"1 thread each, interleaved rounds, medians; load average before / after "
        f"{res['load_before']:.2f} / {res['load_after']:.2f}"
        f"{' (the machine was shared with other jobs)' if res['load_before'] > 0.5 else ''}. "
        f"torch {res['torch']}, transformers {res['transformers']}, commit {res['commit']}.",
        "Ratio = Ember / eager (below 1: Ember faster; a model above 1 is measured a second time, "
        "\"again\"). Top ops: Ember's operators by their share of the execute time "
        "(`Method.profile`, the C runtime's per-kernel timer, median of single runs).",
        "",
        "| model | eager ms | Ember ms | ratio | rounds | top Ember ops (share of its time) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    ratios = []
    for row in res["rows"]:
        if "error" in row:
            lines.append(f"| {row['model']} | | | | | not measured: {row['error']} |")
            continue
        ratios.append(row["ratio"])
        ops = ", ".join(f"{short_op(op)} {pct:.0f}%" for op, _, pct in row["top_ops"])
        flag = "" if row["match"] else f" (outputs differ: {row['max_abs_err']:.2g})"
        mark = "**" if row["ratio"] > 1.0 else ""
        again = f" (again: {row['confirm_ratio']:.2f})" if "confirm_ratio" in row else ""
        lines.append(f"| {row['model']} | {row['eager']['median_ms']:.3f} | {row['ember']['median_ms']:.3f} | "
                     f"{mark}{row['ratio']:.2f}{mark}{again} | {row['iters']} | {ops}{flag} |")
    if ratios:
        slower = [r["model"] for r in res["rows"]
                  if "error" not in r and r["ratio"] > 1.0 and r.get("confirm_ratio", 2.0) > 1.0]
        lines += ["", f"{len(ratios)} models measured; ratio median {np.median(ratios):.2f}, "
                      f"geometric mean {float(np.exp(np.mean(np.log(ratios)))):.2f}, "
                      f"max {max(ratios):.2f}; slower than eager (in both runs, if measured twice): "
                      f"{', '.join(slower) or 'none'}."]
    return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", help="comma-separated zoo names (default: all)")
    ap.add_argument("--base", action="store_true",
                    help="the BASE set (published base sizes, 2 layers) instead of the zoo")
    ap.add_argument("--match", help="only the models whose name contains this")
    ap.add_argument("--iters", type=int, default=200, help="timed rounds at most (default 200)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--budget", type=float, default=4.0, help="seconds of timed rounds per model (default 4)")
    ap.add_argument("--cpu", type=int, help="the CPU to pin to (default: the first allowed)")
    ap.add_argument("--top", type=int, default=3, help="operators named per model (default 3)")
    ap.add_argument("--no-confirm", action="store_true",
                    help="do not measure a model slower than eager a second time")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--name", default="zoo_speed", help="file stem of the results (default zoo_speed)")
    args = ap.parse_args(argv)

    names = zoo_models(args.base)
    if args.models:
        wanted = args.models.split(",")
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise SystemExit(f"unknown models {unknown}; known: {', '.join(names)}")
        names = wanted
    if args.match:
        names = [n for n in names if args.match in n]

    cpu = args.cpu if args.cpu is not None else sorted(os.sched_getaffinity(0))[0]
    for tid in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(tid), [cpu])
    torch.set_num_threads(1)
    import transformers

    transformers.logging.set_verbosity_error()
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "cpu": compare._cpu_name(), "machine": platform.machine(), "pinned_cpu": cpu,
           "torch": torch.__version__, "transformers": transformers.__version__,
           "commit": compare._git_rev(), "base": args.base, "load_before": os.getloadavg()[0], "rows": []}
    progress = compare.Progress(len(names) * 60)
    for name in names:
        t0 = time.monotonic()
        try:
            row = measure(name, args, progress)
        except Exception as e:
            traceback.print_exc()
            row = {"model": name, "error": f"{type(e).__name__}: {e}".splitlines()[0][:200]}
        res["rows"].append(row)
        if "error" in row:
            progress.message(f"{name}: {row['error']}")
        else:
            ops = ", ".join(f"{short_op(op)} {pct:.0f}%" for op, _, pct in row["top_ops"])
            progress.message(f"{name:28s} eager {row['eager']['median_ms']:8.3f} ms  Ember "
                             f"{row['ember']['median_ms']:8.3f} ms  x{row['ratio']:.2f}  "
                             f"({time.monotonic() - t0:.0f} s)  {ops}")
    # A model slower than eager is measured again, from a fresh export, so that one noisy run
    # does not decide it: the table shows both ratios.
    for row in res["rows"]:
        if "error" not in row and row["ratio"] > 1.0 and not args.no_confirm:
            again = measure(row["model"], args, progress)
            if "error" not in again:
                row["confirm_ratio"] = again["ratio"]
                progress.message(f"{row['model']:28s} again: x{again['ratio']:.2f}")
    res["load_after"] = os.getloadavg()[0]
    text = markdown(res)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.name}.md").write_text(text)
    (out / f"{args.name}.json").write_text(json.dumps(res, indent=1))
    print(f"wrote {out / (args.name + '.md')} and {args.name}.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
