"""make demo: export a small CNN with Ember, run it in the C runtime (CLI and Python binding),
and show the result next to PyTorch eager's."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

import ember

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "demo"


class SmallCNN(nn.Module):
    """LeNet-style digit classifier: conv → bn → relu → pool, twice, then two linear layers."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 5 * 5, 64), nn.ReLU(),
                                        nn.Linear(64, 10))

    def forward(self, x):
        return torch.softmax(self.classifier(self.features(x)), dim=-1)


def main() -> int:
    torch.manual_seed(0)
    model = SmallCNN().eval()
    for m in model.modules():  # non-trivial batch-norm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    x = torch.randn(1, 1, 28, 28)

    print("== 1. export with ember.export")
    prog = ember.export(model, (x,))
    OUT.mkdir(parents=True, exist_ok=True)
    pte = OUT / "small_cnn.pte"
    prog.save(pte)
    print(prog.report())

    print(f"\n== 2. inspect {pte.relative_to(ROOT)} with the C CLI")
    ember_bin = ROOT / "build" / "bin" / "ember"
    subprocess.run([str(ember_bin), "inspect", str(pte)], check=True)

    print("\n== 3. run it with the C CLI")
    np.save(OUT / "input_0.npy", x.numpy())
    subprocess.run([str(ember_bin), "run", str(pte), "--input", str(OUT / "input_0.npy"),
                    "--output-dir", str(OUT)], check=True)
    cli_out = np.load(OUT / "output_0.npy")

    print("\n== 4. run it with the Python binding, next to PyTorch eager")
    ours = ember.load(pte).run(x)[0]
    with torch.no_grad():
        ref = model(x).numpy()
    print(f"{'class':>5} {'PyTorch':>12} {'Ember (C)':>12} {'|diff|':>10}")
    for k in range(ref.shape[1]):
        print(f"{k:>5} {ref[0, k]:>12.6f} {ours[0, k]:>12.6f} {abs(ref[0, k] - ours[0, k]):>10.2e}")
    err = float(np.abs(ours - ref).max())
    cli_err = float(np.abs(cli_out - ref).max())
    tol = 1e-4 * max(1.0, float(np.abs(ref).max()))
    print(f"\nmax |Ember - PyTorch| = {err:.3e} (Python binding), {cli_err:.3e} (CLI); tolerance {tol:.1e}")
    print(f"argmax: PyTorch {ref.argmax()}, Ember {ours.argmax()}")
    ok = err <= tol and cli_err <= tol
    print("demo: OK" if ok else "demo: MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
