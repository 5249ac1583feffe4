"""Time fp32 convolution networks in Ember against torch eager: MobileNetV2 and ResNet-18 (timm,
224x224) and DS-CNN (tests/python/zoo.py's keyword-spotting CNN, input (1, 1, 49, 10)).

    PYTHONPATH=$PWD/python .venv/bin/python bench/conv.py [--reps 15] [--models mbv2,r18,dscnn]

Each model is exported once (cached under build/bench_conv/), then loaded twice: with
ember_kernel_cpu_mask_set(0) (the portable kernels) and with the detected CPU features (the
optimized ones). Eager (torch.set_num_threads(1)), Ember portable and Ember optimized run
interleaved in every repetition, pinned to one CPU, so frequency drift and neighbours hit all
of them alike; prints medians and the ratios to eager (lower is better), and the largest
output difference against eager. Numbers depend on the machine: nothing here asserts.
"""
import argparse
import ctypes
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))


def build(name: str):
    torch.manual_seed(0)
    if name == "dscnn":  # the zoo's DS-CNN (Hello Edge, small): 10x4 stride-2 conv, 4 blocks
        from zoo import ds_cnn

        model, (x,) = ds_cnn()
        return model, x
    from breadth_models import import_timm

    timm = import_timm()
    arch = {"mbv2": "mobilenetv2_100", "r18": "resnet18"}[name]
    return timm.create_model(arch, pretrained=False).eval(), torch.randn(1, 3, 224, 224)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--cpu", type=int, default=0, help="CPU to pin to (default 0)")
    ap.add_argument("--models", default="mbv2,r18,dscnn")
    args = ap.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    torch.set_num_threads(1)
    import ember
    from ember import runtime

    lib = runtime._library()
    lib.ember_kernel_cpu_mask_set.argtypes = [ctypes.c_uint64]
    cache = os.path.join(HERE, "..", "build", "bench_conv")
    os.makedirs(cache, exist_ok=True)
    for name in args.models.split(","):
        model, x = build(name)
        pte = os.path.join(cache, f"{name}.pte")
        if not os.path.exists(pte):
            ember.export(model, (x,)).save(pte)
        progs = {}
        for kind, mask in (("portable", 0), ("optimized", (1 << 64) - 1)):
            lib.ember_kernel_cpu_mask_set(mask)
            progs[kind] = ember.load(pte).method("forward")
        lib.ember_kernel_cpu_mask_set((1 << 64) - 1)
        xn = x.numpy()
        with torch.no_grad():
            ref = model(x).numpy()
        diffs = {k: float(np.abs(np.asarray(p.run(xn)[0]) - ref).max()) for k, p in progs.items()}
        runs = {"eager": lambda: model(x)}
        runs.update({k: (lambda p=p: p.run(xn)) for k, p in progs.items()})
        times = {k: [] for k in runs}
        with torch.no_grad():
            for _ in range(2):
                for f in runs.values():
                    f()
            for _ in range(args.reps):
                for k, f in runs.items():
                    t0 = time.perf_counter()
                    f()
                    times[k].append(time.perf_counter() - t0)
        med = {k: statistics.median(t) for k, t in times.items()}
        cells = "  ".join(f"{k} {med[k] * 1e3:8.3f} ms (x{med[k] / med['eager']:.2f})" for k in runs)
        print(f"{name:6} {cells}  max|diff| portable {diffs['portable']:.2g} "
              f"optimized {diffs['optimized']:.2g}", flush=True)


if __name__ == "__main__":
    main()
