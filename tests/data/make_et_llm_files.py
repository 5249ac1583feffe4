"""Writes tests/data/et_llm_*.pte: language-model programs written by ExecuTorch's own LLM export
(executorch.examples.models.llama.export_llama_lib.export_llama, the flow behind its
`export_llm` / `export_llama` command), with torch eager's outputs for a prefill and three decode
steps, so that every machine tests that Ember runs ExecuTorch's LLM files.

The model is ExecuTorch's Llama transformer (RMSNorm, rotary embeddings, grouped-query attention,
SwiGLU) at a tiny size, random weights from a fixed seed written as its checkpoint; exported with
a KV cache (`use_kv_cache`, `use_sdpa_with_kv_cache`: the caches are mutable buffers updated by
`llama::update_cache.out` and read by `llama::custom_sdpa.out`), a dynamic token count
(`enable_dynamic_shape`) and no backend (portable kernels). Variants: fp32 embeddings, and the
embeddings quantized by ExecuTorch's `embedding_quantize` ("8,0": int8 per row,
`quantized_decomposed::embedding_byte.dtype_out`; "4,32": int4 in groups of 32,
`embedding_4bit.dtype_out`; "2,32": int2, `embedding_2bit.dtype_out`).

The reference is the same model in torch eager after ExecuTorch's source transformations (its
quantized embedding modules included), run step by step with its own KV cache; ExecuTorch's
runtime is run on each file too and the manifest records whether it matches.

Needs executorch 1.5.1 in .venv (scripts/setup_executorch.sh) plus the modules its LLM export
imports and .venv does not carry; put them beside it, not into it:

    .venv/bin/pip install --target /tmp/etextra pandas tabulate omegaconf \\
        antlr4-python3-runtime==4.9.3 && \\
    .venv/bin/pip install --target /tmp/etextra --no-deps pytorch-tokenizers sentencepiece \\
        tiktoken regex && rm -rf /tmp/etextra/numpy*
    PYTHONPATH=/tmp/etextra .venv/bin/python tests/data/make_et_llm_files.py

Files: et_llm_NAME.pte, et_llm_NAME.stepS.inI.npy / .outI.npy (S = 0 the prefill of PROMPT,
1.. the decode steps, each feeding eager's greedy token), llm_manifest.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
PARAMS = {"dim": 64, "n_layers": 2, "n_heads": 4, "n_kv_heads": 2, "vocab_size": 128,
          "hidden_dim": 64, "multiple_of": 32, "norm_eps": 1e-5, "rope_theta": 10000.0}
MAX_SEQ = 32
PROMPT = [1, 5, 9, 33, 100, 7]
DECODE_STEPS = 3
VARIANTS = {"fp32": None, "emb8": "8,0", "emb4": "4,32", "emb2": "2,32"}


def config(tmp: Path, name: str, embedding_quantize: str | None):
    from executorch.extension.llm.export.config.llm_config import LlmConfig

    c = LlmConfig()
    c.base.params = str(tmp / "params.json")
    c.base.checkpoint = str(tmp / "ckpt.pth")
    c.model.use_kv_cache = True
    c.model.use_sdpa_with_kv_cache = True
    c.model.enable_dynamic_shape = True
    c.export.max_seq_length = MAX_SEQ
    c.export.max_context_length = MAX_SEQ
    c.export.output_dir = str(tmp)
    c.export.output_name = f"et_llm_{name}.pte"
    c.quantization.embedding_quantize = embedding_quantize
    return c


def write_checkpoint(tmp: Path) -> None:
    """Random weights, fixed seed: norms near 1, matrices scaled by 1/sqrt(fan-in)."""
    from executorch.examples.models.llama.model import Llama2Model

    (tmp / "params.json").write_text(json.dumps(PARAMS))
    c = config(tmp, "x", None)
    c.base.checkpoint = None
    model = Llama2Model(llm_config=c).model_
    g = torch.Generator().manual_seed(0)
    sd = {}
    for k, v in model.named_parameters():
        if "norm" in k:
            sd[k] = 1.0 + 0.1 * torch.randn(v.shape, generator=g)
        else:
            sd[k] = torch.randn(v.shape, generator=g) / v.shape[-1] ** 0.5
    torch.save(sd, tmp / "ckpt.pth")


def eager_steps(c) -> list[tuple[list[np.ndarray], np.ndarray]]:
    """[(inputs, logits)] for the prefill and the decode steps, from the source-transformed
    eager model (ExecuTorch's quantized embedding modules, its KV cache)."""
    from executorch.examples.models.llama.export_llama_lib import _prepare_for_llama_export

    model = _prepare_for_llama_export(c).model.eval()
    steps, tokens, pos = [], PROMPT, 0
    with torch.no_grad():
        for _ in range(DECODE_STEPS + 1):
            t = torch.tensor([tokens], dtype=torch.int64)
            p = torch.tensor([pos], dtype=torch.int64)
            out = model(t, {"input_pos": p})
            logits = (out[0] if isinstance(out, tuple) else out).reshape(1, -1)
            steps.append(([t.numpy(), p.numpy()], logits.numpy().astype(np.float32)))
            pos += len(tokens)
            tokens = [int(logits.argmax())]
    return steps


def executorch_matches(buffer: bytes, steps) -> bool:
    from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer
    import executorch.extension.llm.custom_ops.custom_ops  # noqa: F401 (llama:: ops)
    import executorch.kernels.quantized  # noqa: F401 (quantized_decomposed:: ops)

    et = _load_for_executorch_from_buffer(buffer)
    ok = True
    for inputs, ref in steps:
        got = et.forward(tuple(torch.from_numpy(x) for x in inputs))[0].reshape(1, -1).numpy()
        ok &= bool(np.abs(got - ref).max() <= 1e-4 * max(1.0, float(np.abs(ref).max())))
    return ok


def operators(buffer: bytes) -> list[str]:
    from executorch.exir._serialize._program import deserialize_pte_binary

    p = deserialize_pte_binary(buffer)
    p = getattr(p, "program", p)
    plan = next(e for e in p.execution_plan if e.name == "forward")
    return [f"{o.name}.{o.overload}" if o.overload else o.name for o in plan.operators]


def main() -> None:
    from importlib.metadata import version

    from executorch.examples.models.llama.export_llama_lib import export_llama

    torch.manual_seed(0)
    manifest = {"executorch": version("executorch"), "torch": torch.__version__,
                "params": PARAMS, "max_seq_len": MAX_SEQ, "prompt": PROMPT, "files": {}}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        write_checkpoint(tmp)
        for name, emb in VARIANTS.items():
            c = config(tmp, name, emb)
            path = Path(export_llama(c))
            buffer = path.read_bytes()
            steps = eager_steps(config(tmp, name, emb))
            (HERE / f"et_llm_{name}.pte").write_bytes(buffer)
            for s, (inputs, logits) in enumerate(steps):
                for i, x in enumerate(inputs):
                    np.save(HERE / f"et_llm_{name}.step{s}.in{i}.npy", x)
                np.save(HERE / f"et_llm_{name}.step{s}.out0.npy", logits)
            manifest["files"][name] = {
                "pte": f"et_llm_{name}.pte", "bytes": len(buffer), "embedding_quantize": emb,
                "steps": len(steps), "operators": operators(buffer),
                "executorch_matches_torch": executorch_matches(buffer, steps)}
            print(name, len(buffer), "bytes", manifest["files"][name]["executorch_matches_torch"])
    (HERE / "llm_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
