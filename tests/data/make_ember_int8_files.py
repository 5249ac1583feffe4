"""Writes the int8 programs Ember's own quantizer makes that tests/data/ keeps for the firmware
tests (targets/cortex-m55: make test-m55), which run them on a Cortex-M55 under QEMU and check
every output byte against the host's run of the same file:

    .venv/bin/python tests/data/make_ember_int8_files.py   # needs torchao

  ember_ds_cnn_int8.pte   the zoo's DS-CNN keyword spotter (49 x 10 MFCCs, 12 classes) quantized
                          by ember.export(quantize="int8") on 32 random calibration inputs;
                          ember_ds_cnn_int8.in0.npy its input (one random utterance).

Deterministic: fixed seeds; the weights are the zoo's random initialisation (no trained model
can be downloaded here), which exercises the same kernels with the same shapes.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))
sys.path.insert(0, str(HERE.parent.parent / "python"))
import ember  # noqa: E402
import zoo  # noqa: E402


def main() -> None:
    torch.manual_seed(0)
    model, inputs = zoo.ds_cnn()
    model.eval()
    g = torch.Generator().manual_seed(7)

    def sample():
        return tuple(torch.randn(i.shape, generator=g) for i in inputs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = ember.export(model, inputs, quantize="int8",
                               calibration=[sample() for _ in range(32)])
    program.save(HERE / "ember_ds_cnn_int8.pte")
    x = sample()[0].numpy()
    np.save(HERE / "ember_ds_cnn_int8.in0.npy", x)
    ops = sorted({o["name"] for o in program.report_dict()["ops"]})
    print(f"ember_ds_cnn_int8.pte: {len(program.buffer)} bytes; ops: {', '.join(ops)}")


if __name__ == "__main__":
    main()
