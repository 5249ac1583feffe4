"""Time fp32 convolution networks in Ember against torch eager: MobileNetV2 and ResNet-18 (timm,
224x224) and DS-CNN (tests/python/zoo.py's keyword-spotting CNN, input (1, 1, 49, 10)).

    PYTHONPATH=$PWD/python .venv/bin/python bench/conv.py [--reps 15] [--models mbv2,r18,dscnn]

Each model is exported once (cached under build/bench_conv/), then loaded twice: with
ember_kernel_cpu_mask_set(0) (the portable kernels) and with the detected CPU features (the
optimized ones). Eager (torch.set_num_threads(1)), Ember portable and Ember optimized run
interleaved in every repetition, pinned to one CPU, so frequency drift and neighbours hit all
of them alike; prints medians and the ratios to eager (lower is better), and the largest
output difference against eager. Numbers depend on the machine: nothing here asserts.

With --layers it instead times every Conv2d of each model alone, torch.nn.functional.conv2d
against Ember's fast path called directly through ctypes (f32_conv2d_depthwise__avx512, or
f32_conv2d_gemm with f32_conv_gemms_pick's GEMMs three ways: forced to F32_CONV_NN (lanes along
positions), forced to F32_CONV_CT (lanes along output channels) and as chosen per layer; one
thread; x86-64 with AVX-512 only), interleaved, by thread CPU time (min of the repetitions),
and sums them by kind: depthwise, pointwise (1x1 stride 1: one GEMM) and im2col (the rest),
saying how many layers the choice made F32_CONV_CT. Add -v for every layer (its orientation,
times in us and GFMA/s).
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


class _Shape(ctypes.Structure):  # kernels/optimized/f32_conv.h's f32_conv2d_shape
    _fields_ = [(n, ctypes.c_int64)
                for n in "n ci h w co ho wo kh kw sh sw ph pw dh dw groups".split()]


class _Gemms(ctypes.Structure):  # kernels/optimized/f32_conv.h's f32_conv_gemms
    _fields_ = [("nn", ctypes.c_void_p), ("src", ctypes.c_void_p), ("ct", ctypes.c_void_p),
                ("mr", ctypes.c_int), ("nr", ctypes.c_int), ("orient", ctypes.c_int)]


_ORIENT = {1: "nn", 2: "ct"}  # f32_conv_orient


def bench_layers(name: str, model, x, reps: int, verbose: bool) -> None:
    from ember import runtime

    lib = runtime._library()
    f32p = ctypes.POINTER(ctypes.c_float)
    dwf = lib.f32_conv2d_depthwise__avx512
    dwf.argtypes = [f32p, f32p, f32p, f32p, ctypes.POINTER(_Shape), ctypes.c_float, ctypes.c_float]
    gemm = lib.f32_conv2d_gemm
    gemm.argtypes = [f32p, f32p, f32p, f32p, ctypes.POINTER(_Shape), ctypes.POINTER(_Gemms),
                     ctypes.c_float, ctypes.c_float, ctypes.c_void_p]
    lib.f32_conv_gemms_pick.restype = _Gemms
    lib.f32_conv_gemms_pick.argtypes = [ctypes.c_uint64]
    lib.f32_conv2d_gemm_orient.restype = ctypes.c_int
    lib.f32_conv2d_gemm_orient.argtypes = [ctypes.POINTER(_Shape), ctypes.POINTER(_Gemms)]
    picked = {}  # orientation -> the GEMMs forced to it (0: chosen per layer)
    for o in (0, 1, 2):
        picked[o] = lib.f32_conv_gemms_pick((1 << 64) - 1)
        picked[o].orient = o
    convs = []
    hooks = [m.register_forward_hook(lambda m, i, o: convs.append((m, i[0].clone(), o.shape)))
             for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    kinds = {}
    ptr = lambda a: a.ctypes.data_as(f32p) if a is not None else None
    for m, xi, oshape in convs:
        s = _Shape(*xi.shape, m.out_channels, oshape[2], oshape[3], *m.kernel_size, *m.stride,
                   *m.padding, *m.dilation, m.groups)
        xn, wn = xi.numpy().copy(), m.weight.detach().numpy().copy()
        bn = m.bias.detach().numpy().copy() if m.bias is not None else None
        out = np.empty(tuple(oshape), np.float32)
        dw = m.groups == xi.shape[1] == m.out_channels
        lo, hi = -np.inf, np.inf
        fns = {"torch": lambda: torch.nn.functional.conv2d(xi, m.weight, m.bias, m.stride,
                                                           m.padding, m.dilation, m.groups)}
        if dw:
            fns["ember"] = lambda: dwf(ptr(out), ptr(xn), ptr(wn), ptr(bn), ctypes.byref(s), lo, hi)
            orient = "dw"
        else:
            for key, o in (("nn", 1), ("ct", 2), ("ember", 0)):
                fns[key] = lambda o=o: gemm(ptr(out), ptr(xn), ptr(wn), ptr(bn), ctypes.byref(s),
                                            ctypes.byref(picked[o]), lo, hi, None)
            orient = _ORIENT[lib.f32_conv2d_gemm_orient(ctypes.byref(s), ctypes.byref(picked[0]))]
        times = {k: [] for k in fns}
        with torch.no_grad():
            ref = fns["torch"]().numpy()
            err = 0.0
            for k, f in fns.items():
                if k != "torch":
                    f()
                    err = max(err, float(np.abs(out - ref).max()))
            for _ in range(reps):
                for k, f in fns.items():
                    t0 = time.thread_time()
                    f()
                    times[k].append(time.thread_time() - t0)
        t = {k: min(v) for k, v in times.items()}
        pointwise = m.kernel_size == (1, 1) and m.stride == (1, 1) and m.padding == (0, 0)
        kind = "depthwise" if dw else "pointwise" if pointwise else "im2col"
        acc = kinds.setdefault(kind, {"torch": 0.0, "nn": 0.0, "ember": 0.0, "n": 0, "ct": 0,
                                      "fma": 0.0})
        acc["torch"] += t["torch"]
        acc["nn"] += t.get("nn", t["ember"])
        acc["ember"] += t["ember"]
        acc["n"] += 1
        acc["ct"] += orient == "ct"
        acc["fma"] += (oshape[1] * oshape[2] * oshape[3] * xi.shape[1] // m.groups *
                       m.kernel_size[0] * m.kernel_size[1])
        if verbose:
            gf = (oshape[1] * oshape[2] * oshape[3] * xi.shape[1] // m.groups *
                          m.kernel_size[0] * m.kernel_size[1])
            cells = "  ".join(f"{k} {v * 1e6:7.0f}" for k, v in t.items())
            print(f"  {kind:9} {orient:2} {tuple(xi.shape)} -> {tuple(oshape)} k{m.kernel_size} "
                  f"s{m.stride} g{m.groups}: {cells} us  x{t['ember'] / t['torch']:.2f}  "
                  f"{gf / t['ember'] * 1e-9:5.1f} GFMA/s  |diff| {err:.2g}")
    for kind, a in kinds.items():
        print(f"{name:6} {kind:9} {a['n']:3} layers ({a['ct']:2} ct): torch {a['torch'] * 1e3:7.3f} "
              f"ms  ember nn-only {a['nn'] * 1e3:7.3f} ms (x{a['nn'] / a['torch']:.2f})  chosen "
              f"{a['ember'] * 1e3:7.3f} ms (x{a['ember'] / a['torch']:.2f}, "
              f"{a['fma'] / a['ember'] * 1e-9:.1f} GFMA/s)", flush=True)

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--cpu", type=int, default=0, help="CPU to pin to (default 0)")
    ap.add_argument("--models", default="mbv2,r18,dscnn")
    ap.add_argument("--layers", action="store_true", help="time each conv layer alone, by kind")
    ap.add_argument("-v", action="store_true", help="with --layers: print every layer")
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
        if args.layers:
            bench_layers(name, model, x, args.reps, args.v)
            continue
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
