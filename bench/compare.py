"""Time PyTorch eager, Ember and ExecuTorch on the same models, in one run, interleaved.

    .venv/bin/python bench/compare.py [--models opt125m-128,dscnn] [--threads 1] [--iters N]
                                      [--warmup N] [--quick] [--no-executorch] [--no-xnnpack]
                                      [--budget S] [--out DIR]

Models (random weights, fixed seeds, eval mode; nothing is downloaded):
  opt125m-128  transformers OPTForCausalLM(OPTConfig()), 128 tokens in, the last token's logits out
  opt125m-1    the same wrapper, 1 token in
  opt125m-decode   one generation step with a KV cache: 127 tokens cached, 1 new (eager:
               transformers' own cache; Ember: ember.llm.export_llm's file, 128 positions)
  opt125m-prefill  the 128-token prompt into an empty KV cache (the same two, and as its peer
               "Ember, no cache": Ember's plain forward of the same tokens, ember.export of the
               model without a cache, in the same rounds)
  mobilenetv2  timm 'mobilenetv2_100', 1x3x224x224
  resnet18     timm 'resnet18', 1x3x224x224
  dscnn        a keyword-spotting DS-CNN (defined here), 1x1x49x10 MFCCs -> 12 classes

Runtimes: eager (the nn.Module under torch.inference_mode), Ember (ember.export, then the C
runtime through the Python binding, timing Method.execute), ExecuTorch (the `executorch` wheel's
pybindings: `to_edge` with no delegate, run by the CPU operators the wheel links, its optimized
library with portable fallbacks) and ExecuTorch+XNNPACK
(`to_edge_transform_and_lower` with XnnpackPartitioner). ExecuTorch columns are left out, with
the reason printed, when the package (or, for XNNPACK, torchao) does not import.

The process is pinned (os.sched_setaffinity) to the first N CPUs it may use and every runtime
gets N threads (torch.set_num_threads, ExecuTorch's threadpool, Ember's `threads=` when its
binding takes one). Timing is round-robin: each round runs one iteration of every runtime, the
starting runtime rotating, so that frequency drift and a busy neighbour hit all of them alike.
Every runtime's output is compared with eager's (max abs error in the table; a mismatch is
marked), before and after the timed rounds. FLOPs come from torch.utils.flop_counter.

Writes under --out (default bench/results/): compare.md (the table), compare.json (every
latency), compare_latency.png (latency per round) and compare_ratios.png (median / eager);
`--render compare.json` redraws those from a saved run without timing anything.
Numbers depend on the machine and its load (the 1-minute load average is recorded).
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import logging
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import types
import warnings
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))  # this checkout's ember, not an installed one

# name: (description, default iterations). Iterations are sized for ~10-60 s per model here.
MODELS = {
    "opt125m-128": ("OPT-125M, 128 tokens, last token's logits", 20),
    "opt125m-1": ("OPT-125M, 1 token", 50),
    "opt125m-decode": ("OPT-125M decode step, KV cache of 127 + 1", 50),
    "opt125m-prefill": ("OPT-125M prefill, 128 tokens into a KV cache", 20),
    "mobilenetv2": ("MobileNetV2 224x224", 50),
    "resnet18": ("ResNet-18 224x224", 30),
    "dscnn": ("DS-CNN (KWS) 49x10", 300),
}
RUNTIMES = ["eager", "ember", "executorch", "executorch+xnnpack", "ember-int8",
            "executorch+xnnpack-int8", "ember-int4", "ember-nocache"]
LABELS = {"eager": "eager", "ember": "Ember", "executorch": "ExecuTorch",
          "executorch+xnnpack": "ExecuTorch+XNNPACK", "ember-int8": "Ember int8", "ember-int4": "Ember int4",
          "executorch+xnnpack-int8": "ExecuTorch+XNNPACK int8",
          "ember-nocache": "Ember, no cache"}
# The models the int8 runtimes also run (static int8, calibrated on CALIBRATION random inputs).
INT8_MODELS = {"mobilenetv2", "resnet18", "dscnn"}
INT8 = {"ember-int8", "executorch+xnnpack-int8", "ember-int4"}  # quantized: top-1 must agree
# Generation steps with a KV cache: eager (transformers' cache) and Ember (ember.llm: float32, and
# int8 / int4 group-wise weights, export_llm(weights=...)) only.
LLM_MODELS = {"opt125m-decode", "opt125m-prefill"}
LLM_RUNTIMES = {"ember", "ember-int8", "ember-int4", "ember-nocache"}
# The prefill's peer: Ember's plain forward of the same tokens (ember.export of LastLogits, no
# cache), timed in the same rounds; a prefill into the cache should cost no more than it.
NOCACHE_MODELS = {"opt125m-prefill"}
CALIBRATION = 16


# ----------------------------------------------------------------------------- models


def _timm():
    sys.path.insert(0, str(ROOT / "tests" / "python"))
    from breadth_models import calibrate_batchnorm, import_timm  # timm with a torchvision stand-in

    return import_timm(), calibrate_batchnorm


def build_model(name: str):
    """(model in eval mode, example inputs) for one entry of MODELS."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    if name in LLM_MODELS:
        from transformers import OPTConfig, OPTForCausalLM

        cfg = OPTConfig()
        lm = OPTForCausalLM(cfg).eval()
        tokens = torch.randint(0, cfg.vocab_size, (1, 128), generator=g)
        if name == "opt125m-prefill":
            return CachePrefill(lm), (tokens,)
        return DecodeStep(lm, tokens[:, :127]), (tokens[:, 127:],)
    if name.startswith("opt125m"):
        from transformers import OPTConfig, OPTForCausalLM

        cfg = OPTConfig()
        cfg.use_cache = False
        model = LastLogits(OPTForCausalLM(cfg).eval())
        tokens = int(name.split("-")[1])
        return model.eval(), (torch.randint(0, cfg.vocab_size, (1, tokens), generator=g),)
    if name in ("mobilenetv2", "resnet18"):
        timm, calibrate = _timm()
        model = timm.create_model({"mobilenetv2": "mobilenetv2_100", "resnet18": "resnet18"}[name],
                                  pretrained=False)
        x = torch.randn(1, 3, 224, 224, generator=g)
        calibrate(model, (x,))  # BatchNorm statistics that keep activations near unit scale
        return model.eval(), (x,)
    if name == "dscnn":
        _, calibrate = _timm() if importlib.util.find_spec("timm") else (None, None)
        model = DSCNN()
        x = torch.randn(1, 1, 49, 10, generator=g)
        if calibrate is not None:
            calibrate(model, (x,))
        return model.eval(), (x,)
    raise SystemExit(f"unknown model {name!r}; known: {', '.join(MODELS)}")


class LastLogits(nn.Module):
    """forward(input_ids) -> logits of the last token, (1, vocab); no KV cache."""

    def __init__(self, lm: nn.Module):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        return self.lm(input_ids=input_ids, use_cache=False).logits[:, -1, :]


class CachePrefill(nn.Module):
    """forward(tokens (1, T)) -> the last token's logits: the prompt into a new transformers
    KV cache (what a generation's prefill runs)."""

    def __init__(self, lm: nn.Module):
        super().__init__()
        self.lm = lm

    def forward(self, tokens):
        return self.lm(input_ids=tokens, use_cache=True).logits[:, -1, :]


class DecodeStep(nn.Module):
    """forward(token (1, 1)) -> its logits (1, vocab): one decode step of `lm` with its own KV
    cache (transformers' DynamicCache) holding `prompt`; the cache is cut back to the prompt
    after each step, so every call is the same step."""

    def __init__(self, lm: nn.Module, prompt: torch.Tensor):
        super().__init__()
        self.lm, self.prompt = lm, prompt
        with torch.inference_mode():
            self.cache = lm(input_ids=prompt, use_cache=True).cache

    def forward(self, token):
        out = self.lm(input_ids=token, cache=self.cache, use_cache=True).logits[:, -1, :]
        self.cache.crop(-token.shape[1])  # transformers 5: a negative count drops that many
        return out


class DSCNN(nn.Module):
    """Keyword spotting (Zhang et al., "Hello Edge", the small DS-CNN): 49 frames x 10 MFCCs ->
    conv 10x4 stride 2 to 64 channels -> 4 depthwise-separable blocks (3x3 depthwise + 1x1
    pointwise, each with BatchNorm and ReLU) -> average pool -> 12 classes."""

    def __init__(self, channels: int = 64, blocks: int = 4, classes: int = 12):
        super().__init__()
        layers = [nn.Conv2d(1, channels, (10, 4), stride=2, padding=(5, 1), bias=False),
                  nn.BatchNorm2d(channels), nn.ReLU()]
        for _ in range(blocks):
            layers += [nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False),
                       nn.BatchNorm2d(channels), nn.ReLU(),
                       nn.Conv2d(channels, channels, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


def count_flops(model, inputs) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(*inputs)
    return int(counter.get_total_flops())


# ----------------------------------------------------------------------------- runtimes


class Runner:
    """One runtime on one model: `call()` is what is timed; `prepare()` runs untimed before
    each call; `output()` is the output of the last call, as a list of float arrays."""

    def __init__(self, name: str, call: Callable[[], Any], output: Callable[[], list],
                 prepare: Callable[[], None] = lambda: None, note: str = ""):
        self.name, self.call, self.output, self.prepare, self.note = name, call, output, prepare, note
        self.latencies_ns: list[int] = []
        self.rounds: list[int] = []  # the timed round of each latency, from 1
        self.max_err = 0.0
        self.first_s = 0.0  # the first (untimed) call's seconds
        self.cap: Optional[int] = None  # timed rounds, when fewer than the model's (a slow runtime)


def _tensors(out) -> list:
    if isinstance(out, torch.Tensor):
        return [out.detach().float().numpy()]
    if isinstance(out, np.ndarray):
        return [out.astype(np.float32)]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    return []


def eager_runner(model, inputs) -> Runner:
    last = [None]

    def call():
        last[0] = model(*inputs)  # the timed loop runs under torch.inference_mode

    return Runner("eager", call, lambda: _tensors(last[0]))


def program_flops(program) -> int:
    """The multiply-add FLOPs (2 per multiply-add) of the matrix-shaped calls Ember's program
    makes — linear, convolution, mm, bmm, addmm, attention — the same classes torch's FLOP
    counter counts, but of what the file runs: an export pass may have removed work (the rows
    a model computes and then drops: passes.pick_before_linear)."""
    total = 0
    for m in program.methods:
        if m.name != "forward":
            continue
        for c in m.instructions:
            name = getattr(c, "full_name", "")
            sizes = lambda i: tuple(m.values[c.args[i]].sizes)  # noqa: E731
            if name not in ("aten::linear.out", "aten::convolution.out", "aten::mm.out",
                            "aten::bmm.out", "aten::addmm.out", "ember::sdpa.out"):
                continue
            out = math.prod(sizes(-1))
            if name == "aten::linear.out":
                total += 2 * out * sizes(1)[-1]
            elif name == "aten::convolution.out":
                w = sizes(1)
                total += 2 * out * math.prod(w) // w[0]
            elif name == "aten::addmm.out":
                total += 2 * out * sizes(1)[-1]
            elif name == "ember::sdpa.out":
                q, k = sizes(0), sizes(1)
                total += 4 * out // q[-1] * k[-2] * q[-1]  # q.k^T and p.v, Ev = E
            else:
                total += 2 * out * sizes(0)[-1]
    return total


def ember_runner(model, inputs, threads: int, int8: bool = False, name: str = "") -> Runner:
    """Ember; with int8, ember.export(quantize="int8"): Ember's own quantizer, ExecuTorch's
    Cortex-M int8 ops, calibrated on CALIBRATION random inputs."""
    import ember

    if int8:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exported = ember.export(model, inputs, quantize="int8", calibration=_calibration(inputs))
    else:
        exported = ember.export(model, inputs)
    buf = exported.buffer
    try:
        program, note = ember.load(buf, threads=threads), f"threads={threads}"
    except TypeError:  # a binding without the threads option: the runtime is single-threaded
        program, note = ember.load(buf), "1 thread (this ember.load has no threads option)"
    method = program.method("forward")
    arrays = [x.numpy() for x in inputs]
    for i, x in enumerate(arrays):
        method.set_input(i, x)
    lib, handle = method._lib, method._m
    consumed = lambda: [i for i in range(len(arrays)) if lib.ember_method_input_consumed(handle, i)]

    def prepare():  # an input that execute consumes is set again, outside the timed part
        for i in consumed():
            method.set_input(i, arrays[i])

    if int8:
        q = exported.quant_report
        note += f"; {len(q.int8)} ops int8, {len(q.float32)} float32"
    r = Runner(name or ("ember-int8" if int8 else "ember"), method.execute,
               lambda: _tensors(method.outputs(flat=True)), prepare, note)
    r.keep = (program, buf)  # the method borrows both
    r.flops = program_flops(exported.program)
    return r


def ember_llm_runner(model, inputs, threads: int, weights: Optional[str] = None) -> Runner:
    """Ember on a KV-cache step (CachePrefill, DecodeStep): ember.llm.export_llm of the same
    transformers model (128 positions; `weights` "int8" / "int4": quantized weights, int4 in
    groups of 64), the decode step after a prefill of the same prompt."""
    import ember
    from ember import llm

    lm = model.lm
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exported = llm.export_llm(lm, max_seq_len=128, weights=weights)
    buf = exported.buffer
    program = ember.load(buf, threads=threads)
    method = program.method("forward")
    if isinstance(model, DecodeStep):
        prompt = model.prompt.numpy()
        method.run(prompt, np.array([0]))  # the cache rows 0..126
        arrays = [inputs[0].numpy(), np.array([prompt.shape[1]])]
    else:
        arrays = [inputs[0].numpy(), np.array([0])]
    for i, x in enumerate(arrays):
        method.set_input(i, x)
    lib, handle = method._lib, method._m

    def prepare():
        for i in range(len(arrays)):
            if lib.ember_method_input_consumed(handle, i):
                method.set_input(i, arrays[i])

    name = f"ember-{weights}" if weights else "ember"
    r = Runner(name, method.execute, lambda: _tensors(method.outputs(flat=True)), prepare,
               f"threads={threads}; ember.llm.export_llm (KV cache of 128 positions"
               + (f", {weights} weights" if weights else "") + ")")
    r.keep = (program, buf)
    # the program's sizes are the cache's bound: its FLOPs are a decode step's only at T = 128
    r.flops = program_flops(exported.program) if isinstance(model, CachePrefill) else None
    return r


def _calibration(inputs) -> list:
    """CALIBRATION random inputs shaped like `inputs` (fixed seed), for both int8 runtimes."""
    g = torch.Generator().manual_seed(7)
    return [tuple(torch.randn(x.shape, generator=g) for x in inputs) for _ in range(CALIBRATION)]


_ET: Optional[dict] = None  # what import_executorch found


def import_executorch(want_xnnpack: bool) -> dict:
    """{'load', 'to_edge', 'lower', 'partitioner', 'why_not', 'why_not_xnnpack', 'backends', ...}:
    the pieces of ExecuTorch this script uses, or the reasons they are unavailable."""
    global _ET
    if _ET is not None:
        return _ET
    et = {"why_not": None, "why_not_xnnpack": None}
    logging.getLogger("torchao").setLevel(logging.ERROR)  # its optional CUDA extensions
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # executorch.devtools' __init__ imports pandas (absent here) for its inspector, and
            # nothing used here needs it: register the package without running that __init__.
            spec = importlib.util.find_spec("executorch.devtools")
            if spec is not None and "executorch.devtools" not in sys.modules:
                pkg = types.ModuleType("executorch.devtools")
                pkg.__path__ = list(spec.submodule_search_locations)
                pkg.__spec__ = spec
                sys.modules["executorch.devtools"] = pkg
            from executorch.exir import to_edge, to_edge_transform_and_lower
            from executorch.extension.pybindings import portable_lib

        et.update(to_edge=to_edge, lower=to_edge_transform_and_lower, lib=portable_lib,
                  load=portable_lib._load_for_executorch_from_buffer)
        et["backends"] = list(portable_lib._get_registered_backend_names())
        import importlib.metadata as md

        et["version"] = md.version("executorch")
    except BaseException as e:  # ImportError, or an ABI error from the compiled extension
        et["why_not"] = f"{type(e).__name__}: {e}".splitlines()[0]
        et["why_not_xnnpack"] = et["why_not"]
        _ET = et
        return et
    if want_xnnpack:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
            et["partitioner"] = XnnpackPartitioner
            if "XnnpackBackend" not in et["backends"]:
                et["why_not_xnnpack"] = "the pybindings have no XnnpackBackend registered"
        except BaseException as e:
            et["why_not_xnnpack"] = f"{type(e).__name__}: {e}".splitlines()[0] + " (pip install torchao)"
    _ET = et
    return et


def executorch_runner(model, inputs, threads: int, xnnpack: bool, int8: bool = False) -> Runner:
    et = import_executorch(xnnpack)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if int8:  # XNNPACK's quantizer: int8 per-channel symmetric weights, static activations
            from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
                XNNPACKQuantizer, get_symmetric_quantization_config)
            from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

            quantizer = XNNPACKQuantizer().set_global(
                get_symmetric_quantization_config(is_per_channel=True))
            prepared = prepare_pt2e(torch.export.export(model, inputs).module(), quantizer)
            for sample in _calibration(inputs):
                prepared(*sample)
            model = convert_pt2e(prepared)
        ep = torch.export.export(model, inputs)
        if xnnpack:
            edge = et["lower"](ep, partitioner=[et["partitioner"]()])
        else:
            edge = et["to_edge"](ep)
        buf = edge.to_executorch().buffer
    et["lib"]._unsafe_reset_threadpool(threads)  # used by XNNPACK and by the CPU operators
    module = et["load"](buf)  # reads `buf` without a reference of its own: kept below
    args = list(inputs)
    last = [None]

    def call():
        last[0] = module.forward(args)

    name = ("executorch+xnnpack" if xnnpack else "executorch") + ("-int8" if int8 else "")
    r = Runner(name, call, lambda: _tensors(last[0]),
               note=f"threadpool {et['lib']._threadpool_get_thread_count()} threads")
    r.keep = (module, buf)
    return r


# ----------------------------------------------------------------------------- timing


class Progress:
    """A plain-text progress bar on stderr: redrawn in place on a terminal, else a line per 10%
    (and at least every 30 s)."""

    def __init__(self, total: int, width: int = 30):
        self.total, self.done, self.width = max(1, total), 0, width
        self.tty = sys.stderr.isatty()
        self.last_tenth, self.last_line = -1, time.monotonic()
        self.t0 = time.monotonic()

    def step(self, label: str, n: int = 1) -> None:
        self.done += n
        frac = min(1.0, self.done / self.total)
        fill = int(frac * self.width)
        elapsed = time.monotonic() - self.t0
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        text = f"[{'#' * fill}{'.' * (self.width - fill)}] {frac * 100:5.1f}%  {elapsed:5.0f}s  eta {eta:4.0f}s  {label}"
        if self.tty:
            sys.stderr.write("\r" + text[:120].ljust(120))
            if self.done >= self.total:
                sys.stderr.write("\n")
        elif int(frac * 10) != self.last_tenth or time.monotonic() - self.last_line > 30:
            self.last_tenth, self.last_line = int(frac * 10), time.monotonic()
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def message(self, text: str) -> None:
        sys.stderr.write(("\r" + " " * 120 + "\r" if self.tty else "") + text + "\n")
        sys.stderr.flush()


def max_error(runner: Runner, ref: list) -> float:
    out = runner.output()
    if len(out) != len(ref) or any(o.shape != r.shape for o, r in zip(out, ref)):
        return float("inf")
    return max((float(np.abs(o.astype(np.float64) - r).max()) if r.size else 0.0 for o, r in zip(out, ref)),
               default=0.0)


def top1_agrees(runner: Runner, ref: list) -> bool:
    """The runtime's last output picks the same class (argmax of the first output) as eager."""
    got = runner.output()
    return bool(got and ref and int(np.argmax(got[0])) == int(np.argmax(ref[0])))


def time_interleaved(runners: list[Runner], warmup: int, iters: int, progress: Progress, model: str) -> None:
    """Round-robin: every round runs each runner once (the first one rotating); warm-up rounds
    are not recorded. A capped runner (a slow one, already warmed by its first, untimed run)
    takes part only in `cap` timed rounds spread evenly over the run."""
    clock = time.perf_counter_ns
    k = len(runners)
    takes_part = {id(r): {warmup + i * iters // r.cap for i in range(r.cap)}
                  for r in runners if r.cap is not None}
    for rnd in range(warmup + iters):
        for j in range(k):
            r = runners[(rnd + j) % k]
            if id(r) in takes_part and rnd not in takes_part[id(r)]:
                continue
            r.prepare()
            t0 = clock()
            r.call()
            t1 = clock()
            if rnd >= warmup:
                r.latencies_ns.append(t1 - t0)
                r.rounds.append(rnd - warmup + 1)
        progress.step(f"{model} round {rnd + 1}/{warmup + iters}" + (" (warm-up)" if rnd < warmup else ""))


# ----------------------------------------------------------------------------- results


def pin(threads: int) -> list[int]:
    """Pins this process (every thread it has, and those it will create) to `threads` CPUs."""
    allowed = sorted(os.sched_getaffinity(0))
    if threads > len(allowed):
        print(f"warning: {threads} threads asked, {len(allowed)} CPUs allowed", file=sys.stderr)
    cpus = allowed[:threads] if threads <= len(allowed) else allowed
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass  # a thread that ended meanwhile
    return cpus


def summarise(lat_ns: list[int]) -> dict:
    ms = np.asarray(lat_ns, dtype=np.float64) / 1e6
    return {"median_ms": float(np.median(ms)), "p90_ms": float(np.percentile(ms, 90)),
            "min_ms": float(ms.min()), "max_ms": float(ms.max())}


def tolerance(ref: list) -> float:
    """The largest error called a match: 1e-3 of the reference's largest magnitude (fp32 kernels
    summing in another order, BatchNorm folded at export), at least 1e-4."""
    scale = max((float(np.abs(r).max()) for r in ref if r.size), default=0.0)
    return max(1e-4, 1e-3 * scale)


def fmt_ms(x: float) -> str:
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def markdown(res: dict) -> str:
    runtimes = res["runtimes"]
    lines = [f"# bench/compare.py: {res['threads']} thread{'s' if res['threads'] > 1 else ''}",
             "",
             f"- date: {res['date']}; command: `{res['command']}`",
             f"- machine: {res['cpu']}, {res['cpus_online']} CPUs; pinned to CPU(s) {res['pinned']}; "
             f"load average (1 min) {res['load_before']:.2f} before, {res['load_after']:.2f} after"
             + (" (the machine was shared)" if max(res['load_before'], res['load_after']) > 0.5 else ""),
             f"- versions: torch {res['versions']['torch']}, executorch {res['versions'].get('executorch', '-')}, "
             f"ember {res['versions']['ember']}",
             "- runtimes: " + "; ".join(f"{LABELS[n]}: {res['notes'][n]}" for n in runtimes if res["notes"].get(n)),
             f"- timing: round-robin, one iteration of each runtime per round (the first rotating), "
             f"{res['warmup']} warm-up rounds discarded; cells are median ms (p90) and the ratio "
             f"median / eager's median (below 1 is faster than eager); (n=K): a runtime slower than "
             f"--budget {res['budget']:g} s per model was timed in K rounds spread over the run",
             "- GFLOP: torch's FLOP counter on the model; \"Ember runs\" when Ember's program does less "
             "(an export pass dropped rows nobody reads). Ember GFLOP/s: the matrix FLOPs of Ember's "
             "program (a Winograd convolution counted as the direct one it replaces: it does 2.25x fewer "
             "multiplies, so this can pass the core's FMA peak) over its median",
             ""]
    for n, why in res["unavailable"].items():
        lines.append(f"- {LABELS[n]} left out: {why}")
    if res["unavailable"]:
        lines.append("")
    head = ["model", "GFLOP", "iters"] + [LABELS[n] for n in runtimes] + ["Ember GFLOP/s"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in res["models"]:
        ef = m.get("ember_flops") or m["flops"]
        gflop = f"{m['flops'] / 1e9:.3g}"
        if abs(ef - m["flops"]) > 0.01 * m["flops"]:  # an export pass removed work
            gflop += f" (Ember runs {ef / 1e9:.3g})"
        cells = [m["description"], gflop, str(m["iters"])]
        eager = m["runtimes"]["eager"]["median_ms"]
        for n in runtimes:
            r = m["runtimes"].get(n)
            if r is None:
                cells.append("n/a")
                continue
            if "error" in r:
                cells.append("failed")
                continue
            text = f"{fmt_ms(r['median_ms'])} ms ({fmt_ms(r['p90_ms'])})"
            if n != "eager":
                text += f" **x{r['median_ms'] / eager:.2f}**"
            if r["iters"] != m["iters"]:
                text += f" (n={r['iters']})"
            if not r["match"]:
                text += " WRONG"
            cells.append(text)
        e = m["runtimes"].get("ember", {})
        cells.append(f"{ef / (e['median_ms'] / 1e3) / 1e9:.1f}" if "median_ms" in e else "-")
        lines.append("| " + " | ".join(cells) + " |")
    both = [m for m in res["models"] if "median_ms" in m["runtimes"].get("ember-nocache", {})
            and "median_ms" in m["runtimes"].get("ember", {})]
    if both:
        lines += ["", "The prefill against Ember's plain forward of the same tokens (their medians' "
                  "ratio, same rounds; above 1: the cache costs time):", "",
                  "| model | Ember prefill / Ember, no cache |", "|---|---|"]
        for m in both:
            rt = m["runtimes"]
            lines.append(f"| {m['description']} | x{rt['ember']['median_ms'] / rt['ember-nocache']['median_ms']:.3f} |")
    int8 = [m for m in res["models"] if "median_ms" in m["runtimes"].get("ember-int8", {})]
    if int8:
        lines += ["", "int8: Ember int8's speed-up over Ember float32 and over ExecuTorch+XNNPACK int8 "
                  "(their medians' ratio, same run):", "",
                  "| model | Ember fp32 / Ember int8 | XNNPACK int8 / Ember int8 |", "|---|---|---|"]
        for m in int8:
            e8 = m["runtimes"]["ember-int8"]["median_ms"]
            cells = []
            for n in ("ember", "executorch+xnnpack-int8"):
                r = m["runtimes"].get(n, {})
                cells.append(f"x{r['median_ms'] / e8:.2f}" if "median_ms" in r else "n/a")
            lines.append(f"| {m['description']} | " + " | ".join(cells) + " |")
    lines += ["", "Max abs error against eager's output (checked before and after the timed rounds; "
              "tolerance 1e-3 of the largest |output|, at least 1e-4; the int8 runtimes match when "
              "they pick eager's top-1 class, their error is that of int8 quantization):", ""]
    head = ["model", "max abs output"] + [LABELS[n] for n in runtimes if n != "eager"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in res["models"]:
        cells = [m["description"], f"{m['output_scale']:.3g}"]
        for n in runtimes:
            if n == "eager":
                continue
            r = m["runtimes"].get(n)
            if r is None:
                cells.append("n/a")
            elif "error" in r:
                cells.append("failed: " + r["error"][:120].replace("|", "/"))
            else:
                cells.append(f"{r['max_abs_err']:.2g}" + ("" if r["match"] else " **MISMATCH**"))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "![latency per round](compare_latency.png)", "", "![median / eager](compare_ratios.png)", ""]
    return "\n".join(lines)


def plot(res: dict, out: Path) -> None:
    """compare_latency.png (latency per round, a panel per model) and compare_ratios.png (bars
    from 1: down is faster than eager, up slower), drawn headless."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    colors = {"eager": "tab:blue", "ember": "tab:red", "executorch": "tab:green",
              "executorch+xnnpack": "tab:purple", "ember-int8": "tab:orange", "ember-int4": "tab:brown",
              "executorch+xnnpack-int8": "tab:pink", "ember-nocache": "tab:gray"}
    models = res["models"]
    fig, axes = plt.subplots(len(models), 1, figsize=(8, 2.0 * len(models) + 0.8), squeeze=False)
    for ax, m in zip(axes[:, 0], models):
        for n, r in m["runtimes"].items():
            if "latencies_ms" in r:
                ax.plot(r["rounds"], r["latencies_ms"], ".-", linewidth=0.7, markersize=2, color=colors[n],
                        label=LABELS[n])
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(m["description"], fontsize=9)
        ax.set_ylabel("ms", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel(f"round (after {res['warmup']} warm-up rounds)", fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, bbox_to_anchor=(0.5, 0.965))
    fig.suptitle(f"latency per iteration, {res['threads']} thread(s), interleaved", fontsize=10, y=0.995)
    fig.tight_layout(rect=(0, 0, 1, 0.935))
    fig.savefig(out / "compare_latency.png", dpi=60)
    plt.close(fig)

    others = [n for n in res["runtimes"] if n != "eager"]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / max(1, len(others))
    for k, n in enumerate(others):
        xs, ys = [], []
        for i, m in enumerate(models):
            r = m["runtimes"].get(n, {})
            if "median_ms" in r:
                xs.append(i + (k - (len(others) - 1) / 2) * width)
                ys.append(r["median_ms"] / m["runtimes"]["eager"]["median_ms"])
        bars = ax.bar(xs, [y - 1.0 for y in ys], width, bottom=1.0, color=colors[n], label=LABELS[n])
        ax.bar_label(bars, labels=[f"{y:.2f}" for y in ys], fontsize=6)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(models)), [m["name"] for m in models], fontsize=8)
    ax.set_ylabel("median / eager's median (log)", fontsize=8)
    ax.set_title(f"latency relative to PyTorch eager (below the line: faster), {res['threads']} thread(s)",
                 fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "compare_ratios.png", dpi=70)
    plt.close(fig)


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_rev() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ----------------------------------------------------------------------------- main


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from: {', '.join(MODELS)}")
    ap.add_argument("--threads", type=int, default=1, help="threads for every runtime, and CPUs pinned (default 1)")
    ap.add_argument("--iters", type=int, help="timed rounds per model (default: per model, 20 to 300)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed rounds per model (default 3)")
    ap.add_argument("--quick", action="store_true", help="1 warm-up and 3 timed rounds: a smoke test")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="seconds a slow runtime may take per model: beyond, it is timed in fewer rounds, "
                         "spread over the run (default 120)")
    ap.add_argument("--no-executorch", action="store_true", help="leave ExecuTorch out")
    ap.add_argument("--no-xnnpack", action="store_true",
                    help="leave ExecuTorch+XNNPACK out (its lowering costs ~10 s of fixed set-up)")
    ap.add_argument("--no-int8", action="store_true",
                    help="leave out the int8 runtimes (Ember int8, ExecuTorch+XNNPACK int8)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where results go")
    ap.add_argument("--render", metavar="JSON", help="time nothing: redraw compare.md and the charts "
                                                     "under --out from a compare.json")
    args = ap.parse_args(argv)
    if args.render:
        res = json.loads(Path(args.render).read_text())
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "compare.md").write_text(markdown(res))
        plot(res, out)
        print(markdown(res))
        return 0
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    for n in names:
        if n not in MODELS:
            ap.error(f"unknown model {n!r}; known: {', '.join(MODELS)}")
    if args.threads < 1 or args.warmup < 0 or (args.iters is not None and args.iters < 1):
        ap.error("--threads and --iters must be >= 1, --warmup >= 0")
    if args.quick:
        args.warmup, args.iters = 1, args.iters or 3
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    load_before = os.getloadavg()[0]
    cpus = pin(args.threads)  # before any runtime starts its threads: they inherit the mask
    torch.set_num_threads(args.threads)
    runtimes = ["eager", "ember"]
    unavailable: dict[str, str] = {}
    notes = {"eager": f"torch.set_num_threads({args.threads}), torch.inference_mode"}
    versions = {"torch": torch.__version__, "ember": _git_rev()}
    if args.no_executorch:
        unavailable["executorch"] = unavailable["executorch+xnnpack"] = "--no-executorch"
    else:
        et = import_executorch(want_xnnpack=not args.no_xnnpack)
        if et["why_not"]:
            unavailable["executorch"] = et["why_not"]
        else:
            runtimes.append("executorch")
            versions["executorch"] = et["version"]
            notes["executorch"] = ("`to_edge`, no delegate: the wheel's CPU operators (its optimized library: "
                                   "mm, bmm, linear, layer norm, softmax, elementwise; portable convolution and "
                                   f"addmm); backends registered: {', '.join(et['backends']) or 'none'}")
        if args.no_xnnpack:
            unavailable["executorch+xnnpack"] = "--no-xnnpack"
        elif et["why_not_xnnpack"]:
            unavailable["executorch+xnnpack"] = et["why_not_xnnpack"]
        else:
            runtimes.append("executorch+xnnpack")
            notes["executorch+xnnpack"] = "`to_edge_transform_and_lower` with XnnpackPartitioner"
    if args.no_int8:
        unavailable["ember-int8"] = unavailable["executorch+xnnpack-int8"] = "--no-int8"
    else:
        if importlib.util.find_spec("torchao") is None:
            unavailable["ember-int8"] = "torchao is not installed (ember.export(quantize=...) needs it)"
        else:
            runtimes.append("ember-int8")
            notes["ember-int8"] = (f"ember.export(quantize=\"int8\"), {CALIBRATION} random calibration "
                                   "inputs, Method.execute timed")
        if "executorch+xnnpack" in runtimes:
            runtimes.append("executorch+xnnpack-int8")
            notes["executorch+xnnpack-int8"] = (
                f"XNNPACKQuantizer (per-channel symmetric), {CALIBRATION} random calibration inputs, "
                "`to_edge_transform_and_lower` with XnnpackPartitioner")
        else:
            unavailable["executorch+xnnpack-int8"] = unavailable.get("executorch+xnnpack", "")
        if any(n in LLM_MODELS for n in names):
            runtimes.append("ember-int4")
            notes["ember-int4"] = ("ember.llm.export_llm(weights=\"int4\"): int4 weights in groups of 64, "
                                   "float32 activations (language models only)")
            notes["ember-int8"] = notes.get("ember-int8", "") + (
                "; language models: ember.llm.export_llm(weights=\"int8\"), int8 weights per channel")
    if any(n in NOCACHE_MODELS for n in names):
        runtimes.append("ember-nocache")
        notes["ember-nocache"] = ("ember.export of the same model without a cache (its plain forward "
                                  "over the same tokens, the last token's logits), Method.execute timed")
    if "ember-int4" not in runtimes:
        unavailable["ember-int4"] = ("--no-int8" if args.no_int8
                                     else "language models only (opt125m-decode, opt125m-prefill)")
    for n, why in unavailable.items():
        print(f"{LABELS[n]}: left out ({why})", file=sys.stderr)

    iters = {n: args.iters or MODELS[n][1] for n in names}
    progress = Progress(sum(args.warmup + iters[n] for n in names))
    results = []
    for name in names:
        progress.message(f"{name}: building the model and exporting it for each runtime")
        model, inputs = build_model(name)
        flops = count_flops(model, inputs)
        with torch.inference_mode():
            ref = _tensors(model(*inputs))
        tol = tolerance(ref)
        runners, failed = [eager_runner(model, inputs)], {}
        makers = {"ember": lambda: (ember_llm_runner(model, inputs, args.threads) if name in LLM_MODELS
                                    else ember_runner(model, inputs, args.threads)),
                  "executorch": lambda: executorch_runner(model, inputs, args.threads, xnnpack=False),
                  "executorch+xnnpack": lambda: executorch_runner(model, inputs, args.threads, xnnpack=True),
                  "ember-int8": lambda: (ember_llm_runner(model, inputs, args.threads, "int8") if name in LLM_MODELS
                                         else ember_runner(model, inputs, args.threads, int8=True)),
                  "ember-int4": lambda: ember_llm_runner(model, inputs, args.threads, "int4"),
                  "ember-nocache": lambda: ember_runner(LastLogits(model.lm).eval(), inputs,
                                                        args.threads, name="ember-nocache"),
                  "executorch+xnnpack-int8": lambda: executorch_runner(model, inputs, args.threads,
                                                                       xnnpack=True, int8=True)}
        for n in runtimes[1:]:
            if n == "ember-nocache" and name not in NOCACHE_MODELS:
                continue
            if name in LLM_MODELS:
                if n not in LLM_RUNTIMES:
                    continue
            elif n in INT8 and (name not in INT8_MODELS or n == "ember-int4"):
                continue
            try:
                t0 = time.monotonic()
                r = makers[n]()
                progress.message(f"  {LABELS[n]}: ready in {time.monotonic() - t0:.1f} s")
            except Exception as e:  # an export or load this runtime cannot do: a cell, not a crash
                failed[n] = f"{type(e).__name__}: {e}".splitlines()[0]
                progress.message(f"  {LABELS[n]}: failed: {failed[n]}")
                continue
            if n == "ember":
                notes[n] = f"ember.export, Method.execute timed, {r.note}"
            elif n == "ember-int8":
                notes[n] = notes[n].split("; threads")[0] + f"; {r.note}"
            else:
                notes[n] = notes[n].split("; threadpool")[0] + f"; {r.note}"
            runners.append(r)
        pin(args.threads)  # any thread a runtime started with a wider mask
        with torch.inference_mode():
            for r in runners:  # first outputs, untimed
                r.prepare()
                t0 = time.perf_counter()
                r.call()
                r.first_s = time.perf_counter() - t0
                r.max_err = max_error(r, ref)
                if r.name != "eager" and r.first_s * (args.warmup + iters[name]) > args.budget:
                    r.cap = min(iters[name], max(3, int(args.budget / r.first_s)))
                    progress.message(f"  {LABELS[r.name]}: {r.first_s:.1f} s per run; timed in "
                                     f"{r.cap} of the {iters[name]} rounds (--budget {args.budget:g} s)")
            time_interleaved(runners, args.warmup, iters[name], progress, name)
            for r in runners:  # and the last timed run's
                r.max_err = max(r.max_err, max_error(r, ref))
        ember_flops = next((getattr(r, "flops", None) for r in runners if r.name == "ember"), None)
        entry = {"name": name, "description": MODELS[name][0], "flops": flops, "iters": iters[name],
                 "ember_flops": ember_flops,
                 "output_scale": max((float(np.abs(x).max()) for x in ref if x.size), default=0.0),
                 "tolerance": tol, "runtimes": {}}
        for r in runners:
            s = summarise(r.latencies_ns)
            # int8 cannot match float to 1e-3: it matches when it picks eager's top-1 class
            match = top1_agrees(r, ref) if r.name in INT8 else bool(r.max_err <= tol)
            s.update(max_abs_err=r.max_err, match=match, iters=len(r.latencies_ns),
                     latencies_ms=[x / 1e6 for x in r.latencies_ns], rounds=r.rounds)
            entry["runtimes"][r.name] = s
        for n, why in failed.items():
            entry["runtimes"][n] = {"error": why}
        results.append(entry)
        eager_ms = entry["runtimes"]["eager"]["median_ms"]
        line = [f"{name}: {flops / 1e9:.3g} GFLOP"]
        for n in runtimes:
            r = entry["runtimes"].get(n, {})
            if "median_ms" in r:
                line.append(f"{LABELS[n]} {fmt_ms(r['median_ms'])} ms (p90 {fmt_ms(r['p90_ms'])})"
                            + ("" if n == "eager" else f" x{r['median_ms'] / eager_ms:.2f}")
                            + ("" if r["match"] else f" WRONG (max abs err {r['max_abs_err']:.3g})"))
        progress.message("  " + "; ".join(line))
        del runners, model

    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "command": " ".join(["bench/compare.py"] + (argv if argv is not None else sys.argv[1:])),
           "cpu": _cpu_name(), "cpus_online": os.cpu_count(), "pinned": ",".join(map(str, cpus)),
           "threads": args.threads, "warmup": args.warmup, "budget": args.budget, "load_before": load_before,
           "load_after": os.getloadavg()[0], "versions": versions, "runtimes": runtimes,
           "unavailable": unavailable, "notes": notes, "models": results}
    (out / "compare.json").write_text(json.dumps(res, indent=1) + "\n")
    (out / "compare.md").write_text(markdown(res))
    plot(res, out)
    print(markdown(res))
    print(f"wrote {out / 'compare.md'}, compare.json, compare_latency.png, compare_ratios.png")
    wrong = [f"{m['name']}/{n}" for m in results for n, r in m["runtimes"].items() if r.get("match") is False]
    if wrong:
        print("outputs differ from eager: " + ", ".join(wrong), file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
