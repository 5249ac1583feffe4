"""Writes the Ethos-U programs in tests/data/ (ethosu_*.pte) with ExecuTorch's own Arm flow, so
Ember's tests load real `EthosUBackend` delegates (Vela command streams) without ExecuTorch.

    .venv/bin/python tests/data/make_et_ethosu_files.py

Needs, in .venv: executorch 1.5.1 (its Arm backend), torchao 0.18, tosa-tools (the TOSA
serializer ExecuTorch's Arm backend imports), ethos-u-vela 5.1.0 (Vela, the compiler that turns
TOSA into an Ethos-U command stream) and ml_dtypes. None of them is needed to run the tests.

The flow is ExecuTorch's documented one for Ethos-U: EthosUCompileSpec(target), EthosUQuantizer
with the symmetric int8 config, prepare_pt2e / calibrate / convert_pt2e, torch.export again,
to_edge_transform_and_lower with EthosUPartitioner, to_executorch. Every model is written for
`ethos-u55-128` and `ethos-u85-256` with ExecuTorch's default Vela options (memory modes
Shared_Sram and Sram_Only: weights in region 0, scratch in region 1, no fast scratch). Stored beside each .pte: its float input (`.in0.npy`), and an entry in
ethosu_manifest.json (target, delegates, the CPU operators, the Vela blocks' sizes). No output
is stored: nothing here can run the command stream (no Corstone FVP), so the tests check the
plumbing only (docs/npu.md). Deterministic: fixed seeds.
"""

from __future__ import annotations

import json
import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))
import zoo  # noqa: E402

TARGETS = {"u55": "ethos-u55-128", "u85": "ethos-u85-256"}


class CNN(torch.nn.Module):  # conv, depthwise, pool, linear: all on the NPU
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8)
        self.c2 = torch.nn.Conv2d(8, 16, 1)
        self.mp = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = torch.relu(self.c1(x))
        x = torch.relu(self.dw(x))
        x = self.mp(torch.relu(self.c2(x)))
        return self.fc(x.flatten(1))


class Split(torch.nn.Module):
    """Two NPU subgraphs with a CPU op between them: the Ethos-U partitioner leaves sort (TOSA
    has no sort) to the CPU, so the program is delegate, dequantize, sort, quantize, delegate."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(2, 4, 3, padding=1)
        self.c2 = torch.nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        y = torch.relu(self.c1(x))
        y = torch.sort(y, dim=-1).values
        return self.c2(y) + y


def models():
    """name: (model, example input, calibration inputs)."""
    g = torch.Generator().manual_seed(12)

    def rnd(*shape):
        return torch.randn(*shape, generator=g)

    torch.manual_seed(0)
    cnn = CNN().eval()
    split = Split().eval()
    ds_cnn = zoo.ds_cnn(filters=32)[0].eval()  # 32 filters: a smaller file, the same layers
    return {
        "cnn": (cnn, rnd(1, 3, 16, 16), [rnd(1, 3, 16, 16) for _ in range(8)]),
        "ds_cnn": (ds_cnn, rnd(1, 1, 49, 10), [rnd(1, 1, 49, 10) for _ in range(8)]),
        "split": (split, rnd(1, 2, 8, 8), [rnd(1, 2, 8, 8) for _ in range(8)]),
    }


def lower(model, x, calibration, target):
    from executorch.backends.arm.ethosu import EthosUCompileSpec, EthosUPartitioner
    from executorch.backends.arm.quantizer import EthosUQuantizer, get_symmetric_quantization_config
    from executorch.exir import to_edge_transform_and_lower
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    spec = EthosUCompileSpec(target)
    quantizer = EthosUQuantizer(spec)
    quantizer.set_global(get_symmetric_quantization_config())
    prepared = prepare_pt2e(torch.export.export(model, (x,)).module(check_guards=False), quantizer)
    for c in calibration:
        prepared(c)
    converted = convert_pt2e(prepared)
    edge = to_edge_transform_and_lower(torch.export.export(converted, (x,)),
                                       partitioner=[EthosUPartitioner(spec)])
    graph = edge.exported_program().graph_module.graph
    ops, delegates = set(), 0
    for node in graph.nodes:
        if node.op == "call_function":
            name = getattr(node.target, "__name__", str(node.target))
            if "executorch_call_delegate" in name:
                delegates += 1
            elif name != "getitem":
                ops.add(name)
    blobs = [m.processed_bytes for n, m in edge.exported_program().graph_module.named_children()
             if n.startswith("lowered_module")]
    return edge.to_executorch().buffer, sorted(ops), delegates, blobs


def vela_blocks(blob: bytes):
    """A vela_bin_stream's block sizes, scratch size and IO records (for the manifest)."""
    out, at = {"blocks": {}}, 0
    while at + 32 <= len(blob):
        name = blob[at:at + 16].split(b"\0")[0].decode()
        size, = struct.unpack_from("<I", blob, at + 16)
        data = blob[at + 32:at + 32 + size]
        out["blocks"][name] = size
        if name == "scratch_size":
            out["scratch_bytes"], = struct.unpack("<I", data)
        if name in ("inputs", "outputs"):
            count, = struct.unpack_from("<i", data)
            out[name] = [dict(zip(("shape", "elem_size", "offset", "region"), (list(r[:6]), *r[6:])))
                         for r in (struct.unpack_from("<9i", data, 4 + 36 * i) for i in range(count))]
        at += 32 + (size + 15) // 16 * 16
    return out


def main() -> None:
    from importlib.metadata import version

    warnings.filterwarnings("ignore")
    manifest = {"made_by": "tests/data/make_et_ethosu_files.py",
                "versions": {p: version(p) for p in
                             ("executorch", "torchao", "tosa-tools", "ethos-u-vela", "torch")},
                "models": {}}
    for name, (model, x, calibration) in models().items():
        for short, target in TARGETS.items():
            buffer, ops, delegates, blobs = lower(model, x, calibration, target)
            stem = f"ethosu_{name}_{short}"
            (HERE / f"{stem}.pte").write_bytes(buffer)
            np.save(HERE / f"{stem}.in0.npy", x.contiguous().numpy())
            manifest["models"][stem] = {
                "pte": f"{stem}.pte", "bytes": len(buffer), "input": f"{stem}.in0.npy",
                "model": name, "target": target, "delegates": delegates,
                "cpu_operators": ops,
                "vela_blocks": [vela_blocks(bytes(b)) for b in blobs],
            }
            print(f"{stem}: {len(buffer)} bytes, {delegates} delegate(s), CPU ops: {', '.join(ops)}")
    (HERE / "ethosu_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
