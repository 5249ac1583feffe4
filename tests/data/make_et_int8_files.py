"""Writes the ExecuTorch-made int8 .pte files in tests/data/ (et_cm_*) that Ember's tests run
without ExecuTorch installed (tests/python/test_cortex_m.py::test_stored_cortex_m_programs).

    .venv/bin/python tests/data/make_et_int8_files.py   # needs executorch 1.5.1 and torchao

Each model goes through ExecuTorch's own Cortex-M flow (tests/python/quant_ops.py:
cortex_m_flow — CortexMQuantizer, prepare/convert_pt2e on fixed random calibration inputs,
CortexMPassManager for a Cortex-M55, to_executorch). Stored beside each .pte: its input and the
output of the same lowered graph computed by ExecuTorch's Python references of the cortex_m::
ops (the reference; ExecuTorch's pip wheel has no cortex_m:: kernels to run the file itself),
and an entry in int8_manifest.json (the operators, versions). Deterministic: fixed seeds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))
import quant_ops  # noqa: E402
import zoo  # noqa: E402


class MLP(torch.nn.Module):  # quantized_linear (kernel_sum form) and quantized_add
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(32, 24)
        self.b = torch.nn.Linear(24, 10)
        self.c = torch.nn.Linear(32, 10)

    def forward(self, x):
        return self.b(torch.relu(self.a(x))) + self.c(x)


class CNN(torch.nn.Module):  # conv, depthwise, max pool, pad + avg pool, linear, softmax
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.c2 = torch.nn.Conv2d(8, 16, 1)
        self.mp = torch.nn.MaxPool2d(2)
        self.ap = torch.nn.AvgPool2d(2)
        self.fc = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.c1(x))
        x = torch.relu(self.dw(x))
        x = self.ap(self.c2(self.mp(x)))
        return torch.softmax(self.fc(x.flatten(1)), -1)


def models():
    """name: (model, example input, calibration inputs)."""
    g = torch.Generator().manual_seed(11)

    def rnd(*shape, cl=False):
        t = torch.randn(*shape, generator=g)
        return t.to(memory_format=torch.channels_last) if cl else t

    torch.manual_seed(0)
    mlp = MLP().eval()
    cnn = CNN().eval()
    ds_cnn = zoo.ds_cnn()[0].eval()
    return {
        "mlp": (mlp, rnd(4, 32), [rnd(4, 32) for _ in range(16)]),
        "cnn": (cnn, rnd(1, 3, 16, 16, cl=True), [rnd(1, 3, 16, 16, cl=True) for _ in range(16)]),
        "ds_cnn": (ds_cnn, rnd(1, 1, 49, 10, cl=True),
                   [rnd(1, 1, 49, 10, cl=True) for _ in range(16)]),
    }


def main() -> None:
    from importlib.metadata import version

    manifest = {"made_by": "tests/data/make_et_int8_files.py", "executorch": version("executorch"),
                "torchao": version("torchao"), "torch": torch.__version__, "models": {}}
    for name, (model, x, calibration) in models().items():
        buffer, ops, want = quant_ops.cortex_m_flow(model, x, calibration)
        stem = f"et_cm_{name}"
        (HERE / f"{stem}.pte").write_bytes(buffer)
        np.save(HERE / f"{stem}.in0.npy", x.contiguous().numpy())
        np.save(HERE / f"{stem}.ref0.npy", want.contiguous().numpy())
        manifest["models"][name] = {
            "pte": f"{stem}.pte", "bytes": len(buffer), "input": f"{stem}.in0.npy",
            "reference": f"{stem}.ref0.npy", "operators": sorted(ops),
        }
        print(f"{name}: {len(buffer)} bytes, ops: {', '.join(sorted(ops))}")
    (HERE / "int8_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
