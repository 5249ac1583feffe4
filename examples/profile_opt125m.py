"""Profile OPT-125M (random weights, 32 tokens) in Ember's C runtime, from the CLI and from Python.

    PYTHONPATH=$PWD/python .venv/bin/python examples/profile_opt125m.py [OUT_DIR]

Exports the model with ember.export (forward(input_ids) -> logits), writes OUT_DIR/opt125m.pte
and OUT_DIR/ids.npy (default: out/), then runs `build/bin/ember profile` on it and
Program.profile, and prints both. See docs/profiling.md for what the numbers mean.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import OPTConfig, OPTForCausalLM

import ember

ROOT = Path(__file__).resolve().parents[1]


class Logits(torch.nn.Module):
    """forward(input_ids) -> logits: no KV cache, one tensor out."""

    def __init__(self, lm: torch.nn.Module):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        return self.lm(input_ids=input_ids, use_cache=False).logits


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "out"
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    cfg = OPTConfig()
    cfg.use_cache = False
    model = Logits(OPTForCausalLM(cfg).eval()).eval()
    ids = torch.randint(0, cfg.vocab_size, (1, 32), dtype=torch.long)
    pte, ids_path = out / "opt125m.pte", out / "ids.npy"
    ember.export(model, (ids,)).save(pte)
    np.save(ids_path, ids.numpy())
    print(f"exported {pte} ({pte.stat().st_size / 2**20:.1f} MiB)\n")
    cli = ROOT / "build" / "bin" / "ember"
    subprocess.run([str(cli), "profile", str(pte), "--input", str(ids_path), "--runs", "10", "--warmup", "2",
                    "--json", str(out / "opt125m_profile.json"), "--csv", str(out / "opt125m_profile.csv")], check=True)
    print("\nthe same from Python (Program.profile):\n")
    print(ember.load(pte).profile(ids.numpy(), runs=10, warmup=2).table())


if __name__ == "__main__":
    main()
