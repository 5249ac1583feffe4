"""Writes ExecuTorch-made .pte files with bounded dynamic shapes (torch.export's
Dim("T", max=...)), their inputs at several sizes up to the bound, and torch eager's outputs,
for tests/python/test_dynamic_shapes.py and tests/c/test_runtime.c (no executorch needed there).

    .venv/bin/python tests/data/make_et_dynamic_files.py   # needs executorch (scripts/setup_executorch.sh)

ExecuTorch plans every tensor's memory for the bound and marks the tensors whose sizes follow a
dynamic dim DYNAMIC_BOUND; a program reads a dynamic size with aten::sym_size.int and computes
with executorch_prim:: scalar ops. Each model below has fixed seeds, so the bytes repeat.
Writes et_dyn_NAME.pte, et_dyn_NAME.sS.inI.npy / .outI.npy for each size S, and
dynamic_manifest.json (files, sizes, bounds, operators, versions).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.export import Dim

HERE = Path(__file__).resolve().parent


class Linear(torch.nn.Module):
    """Rows dynamic (T <= 16): addmm, relu, a scalar multiply."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        return torch.relu(self.fc(x)) * 2


class Conv1d(torch.nn.Module):
    """Length dynamic (2 <= L <= 64): convolution, gelu, a transpose, layer norm (three outs),
    softmax."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(3, 5, 3, padding=1)
        self.norm = torch.nn.LayerNorm(5)

    def forward(self, x):
        y = torch.nn.functional.gelu(self.conv(x))
        return self.norm(y.transpose(1, 2)).softmax(-1)


class Cat(torch.nn.Module):
    """Two inputs, each with its own dynamic rows (<= 8): cat, sum, mean, sub."""

    def forward(self, x, y):
        return torch.cat([x, y], 0).sum(1, keepdim=True) - x.mean()


class Conv2d(torch.nn.Module):
    """Height dynamic (3 <= H <= 16): a 3x3 convolution whose constant weights Ember may pack at
    load (AVX2 and up), relu."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 8, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


class View(torch.nn.Module):
    """Rows dynamic (T <= 16): views whose size lists name aten::sym_size.int's result
    (executorch_prim::et_view), softmax, a residual add."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 8)

    def forward(self, x):
        y = self.fc(x).view(x.shape[0], 2, 4).softmax(-1)
        return y.reshape(x.shape[0], 8) + x


class Attention(torch.nn.Module):
    """Sequence dynamic (3 <= T <= 32): a causal self-attention block, as a decoder's: qkv
    projection split in three, heads by views, scaled_dot_product_attention (decomposed by
    export: the causal mask from arange / full / where over the dynamic length), an output
    projection, plus positions arange(T) / (2 T) (executorch_prim::mul.Scalar on a size)."""

    def __init__(self, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.out = torch.nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2)
                   for z in self.qkv(x).split(d, -1))
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        pos = torch.arange(t, dtype=torch.float32).unsqueeze(-1) / (t * 2)
        return self.out(y.transpose(1, 2).reshape(b, t, d)) + pos


def models():
    """(name, model, example inputs, dynamic_shapes, sizes -> inputs, the sizes tested)."""
    torch.manual_seed(0)
    return [
        ("linear", Linear(), (torch.randn(5, 8),), {"x": {0: Dim("T", max=16)}},
         lambda n: (torch.randn(n, 8),), [16, 5, 1, 0]),
        ("conv1d", Conv1d(), (torch.randn(1, 3, 10),), {"x": {2: Dim("L", min=2, max=64)}},
         lambda n: (torch.randn(1, 3, n),), [64, 10, 2]),
        ("conv2d", Conv2d(), (torch.randn(1, 4, 8, 8),), {"x": {2: Dim("H", min=3, max=16)}},
         lambda n: (torch.randn(1, 4, n, 8),), [16, 7, 3]),
        ("view", View(), (torch.randn(5, 8),), {"x": {0: Dim("T", max=16)}},
         lambda n: (torch.randn(n, 8),), [16, 5, 1]),
        ("attention", Attention(), (torch.randn(1, 6, 16),), {"x": {1: Dim("T", min=3, max=32)}},
         lambda n: (torch.randn(1, n, 16),), [32, 6, 3, 17]),
        ("cat", Cat(), (torch.randn(3, 4), torch.randn(2, 4)),
         {"x": {0: Dim("A", max=8)}, "y": {0: Dim("B", max=8)}},
         lambda n: (torch.randn(n, 4), torch.randn(9 - n, 4)), [8, 4, 1]),
    ]


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from importlib.metadata import version

        from executorch.exir import to_edge

    manifest = {"made_by": "tests/data/make_et_dynamic_files.py", "executorch": version("executorch"),
                "torch": torch.__version__, "models": {}}
    for name, model, example, dynamic, make, sizes in models():
        model.eval()
        prog = to_edge(torch.export.export(model, example, dynamic_shapes=dynamic)).to_executorch()
        ops = sorted({f"{o.name}.{o.overload}" if o.overload else o.name
                      for plan in prog.executorch_program.execution_plan for o in plan.operators})
        pte = f"et_dyn_{name}.pte"
        (HERE / pte).write_bytes(prog.buffer)
        cases = []
        torch.manual_seed(1)
        for s in sizes:
            inputs = make(s)
            with torch.no_grad():
                out = model(*inputs)
            outs = out if isinstance(out, tuple) else (out,)
            case = {"size": s, "inputs": [], "outputs": []}
            for i, x in enumerate(inputs):
                f = f"et_dyn_{name}.s{s}.in{i}.npy"
                np.save(HERE / f, x.numpy())
                case["inputs"].append(f)
            for i, o in enumerate(outs):
                f = f"et_dyn_{name}.s{s}.out{i}.npy"
                np.save(HERE / f, o.numpy())
                case["outputs"].append(f)
            cases.append(case)
        manifest["models"][name] = {"pte": pte, "bytes": len(prog.buffer), "operators": ops,
                                    "cases": cases}
        print(f"{name}: {len(prog.buffer)} bytes, sizes {sizes}, ops: {', '.join(ops)}")
    (HERE / "dynamic_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
