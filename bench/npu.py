"""Ethos-U placement and Vela's estimates for the zoo's DS-CNN and MobileNetV2 (int8), per NPU
configuration: how many ops export(target=...) puts on the NPU, in how many delegates, what Vela
estimates for each (cycles, time, memory) and whether every partition equals TOSA's reference
model (ethos_u.check_partition). Writes a markdown table (bench/results/npu/placement.md).

    .venv/bin/python bench/npu.py [--models ds_cnn,mobilenet_v2] [--targets ethos-u55-128,ethos-u85-256]

The cycle counts are Vela's estimates for its system configuration (docs/npu.md): nothing here
runs on an Ethos-U, which this machine does not have.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "tests" / "python"))

import ember  # noqa: E402
import zoo  # noqa: E402
from ember import ethos_u  # noqa: E402

MODELS = {"ds_cnn": lambda: zoo.ds_cnn(), "mobilenet_v2": lambda: zoo.mobilenet_v2(resolution=224)}


def run(name: str, target: str) -> tuple[list[str], list[str]]:
    torch.manual_seed(0)
    model, inputs = MODELS[name]()
    g = torch.Generator().manual_seed(1)
    calibration = [tuple(torch.randn(x.shape, generator=g) for x in inputs) for _ in range(8)]
    start = time.perf_counter()
    program = ember.export(model.eval(), tuple(inputs), quantize="int8", calibration=calibration,
                           target=target)
    seconds = time.perf_counter() - start
    report = program.npu_report
    checks = [ethos_u.check_partition(p, samples=2) for p in report.partitions]
    total = report.npu_ops + report.cpu_ops
    rows = []
    for part, check in zip(report.partitions, checks):
        e = part.estimates
        rows.append(
            f"| {name} | {target} | {report.npu_ops} / {total} ({100 * report.npu_ops / total:.1f}%) "
            f"| #{part.index}: {part.compute_ops} | {int(e['cycles_total']):,} "
            f"| {e['inference_time'] * 1e3:.3f} ms @ {e['core_clock'] / 1e6:.0f} MHz "
            f"| {e['sram_memory_used']:.1f} | {e['off_chip_flash_memory_used']:.1f} "
            f"| {e['dram_memory_used']:.1f} | {part.cmd_bytes:,} | {part.weight_bytes:,} "
            f"| {part.scratch_bytes:,} | {check['differ']} of {check['compared']:,} |")
    detail = [f"### {name}, {target} ({report.system_config}, {report.memory_mode}; export "
              f"{seconds:.0f} s, file {len(program.buffer):,} bytes)", ""]
    detail += [line.replace("  ", " ", 1) for line in report.lines()[1:]]
    detail.append("")
    return rows, detail


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="ds_cnn,mobilenet_v2")
    ap.add_argument("--targets", default="ethos-u55-128,ethos-u85-256")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "npu" / "placement.md"))
    args = ap.parse_args()
    rows, details = [], []
    for name in args.models.split(","):
        for target in args.targets.split(","):
            r, d = run(name, target)
            rows += r
            details += d
            print("\n".join(r), flush=True)
    text = ["# Ethos-U placement and Vela's estimates (bench/npu.py)", "",
            "Int8 models exported with `ember.export(..., quantize=\"int8\", target=...)`. Cycles, "
            "time and memory are Vela's estimates for its system configuration: no Ethos-U (and no "
            "Corstone FVP) ran here. 'TOSA check' is `ethos_u.check_partition`: every op's result "
            "of the partition's TOSA graph on TOSA's reference model against Ember's CPU kernels, "
            "2 random int8 inputs (values that differ, of values compared).", "",
            "| model | NPU | ops on the NPU | delegate: ops | cycles | time | SRAM KiB "
            "| flash KiB | DRAM KiB | command stream B | weights B | scratch B | TOSA check |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|", *rows, "", *details]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(text) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
