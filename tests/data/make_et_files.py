"""Writes the ExecuTorch-made .pte files in tests/data/ that Ember's tests run without
ExecuTorch installed (tests/python/test_executorch_compat.py::test_stored_executorch_file_runs_on_ember).

    .venv/bin/python tests/data/make_et_files.py       # needs executorch (scripts/setup_executorch.sh)

For each model of tests/python/zoo.py listed below (fixed seeds): the .pte written by
`to_edge(torch.export.export(m, x)).to_executorch().buffer` (ExecuTorch's default portable-ops
flow), its inputs and torch eager's outputs as .npy, and an entry in manifest.json (files, the
operators the program uses, versions). The expected outputs are torch's, not ExecuTorch's.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))
import zoo  # noqa: E402

MODELS = ["mlp", "lenet", "ds_cnn", "slicing", "int_bool"]
MAX_BYTES = 1 << 20


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import executorch
        from executorch.exir import to_edge
        from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer

    try:
        from importlib.metadata import version

        et_version = version("executorch")
    except Exception:
        et_version = getattr(executorch, "__version__", "unknown")

    manifest = {
        "made_by": "tests/data/make_et_files.py",
        "executorch": et_version,
        "torch": torch.__version__,
        "models": {},
    }
    for name in MODELS:
        model, inputs = zoo.get(name)
        refs = zoo.reference(model, inputs)
        prog = to_edge(torch.export.export(model, inputs)).to_executorch()
        buf = prog.buffer
        assert len(buf) < MAX_BYTES, f"{name}: {len(buf)} bytes, keep stored files under 1 MiB"
        ops = sorted({f"{o.name}.{o.overload}" if o.overload else o.name
                      for plan in prog.executorch_program.execution_plan for o in plan.operators})
        pte = f"et_{name}.pte"
        (HERE / pte).write_bytes(buf)
        in_files, out_files = [], []
        for i, x in enumerate(inputs):
            f = f"et_{name}.in{i}.npy"
            np.save(HERE / f, x.numpy())
            in_files.append(f)
        for i, r in enumerate(refs):
            f = f"et_{name}.out{i}.npy"
            np.save(HERE / f, r)
            out_files.append(f)
        # ExecuTorch's own result, for information (1.5.1 gets int64 remainder wrong: int_bool).
        et_outs = _load_for_executorch_from_buffer(buf).forward(list(inputs))
        _, _, et_problems = zoo.compare([o.numpy() for o in et_outs], refs)
        manifest["models"][name] = {
            "pte": pte,
            "bytes": len(buf),
            "inputs": in_files,
            "outputs": out_files,
            "operators": ops,
            "executorch_matches_torch": not et_problems,
        }
        print(f"{name}: {len(buf)} bytes, ops: {', '.join(ops)}"
              + (f"  [ExecuTorch itself: {'; '.join(et_problems)}]" if et_problems else ""))
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
