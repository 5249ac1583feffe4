"""Text generation with a language model file from ember.llm.export_llm (forward(tokens,
input_pos) with a KV cache in the program): the prompt in one prefill call, then one decode call
per new token. Needs numpy and Ember's runtime only (no torch); text in and out needs the
`tokenizers` package. The CLI's `ember generate` is the same loop in C (tools/ember_cli.c).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np


def _pick(logits: np.ndarray, temperature: float, top_p: float, rng: np.random.Generator) -> int:
    if temperature <= 0:
        return int(np.argmax(logits))
    z = logits.astype(np.float64) / temperature
    p = np.exp(z - z.max())
    p /= p.sum()
    if top_p < 1.0:
        order = np.argsort(-p, kind="stable")
        keep = order[: int(np.searchsorted(np.cumsum(p[order]), top_p) + 1)]
        q = np.zeros_like(p)
        q[keep] = p[keep]
        p = q / q.sum()
    return int(rng.choice(len(p), p=p))


def context_len(program: Any, method: str = "forward") -> int:
    """The positions the KV cache of `program` holds: what ExecuTorch's LLM files' method
    get_max_context_len() returns (their tokens input is bounded one below it), else the bound
    of the tokens input (ember.llm.export_llm's files)."""
    capacity = program.method(method).input_capacity(0)
    if "get_max_context_len" in program.method_names:
        n = program.run(method="get_max_context_len")
        n = n[0] if isinstance(n, (list, tuple)) else n
        if isinstance(n, int) and n > capacity:
            return n
    return capacity


def generate(program: Any, prompt_ids: Sequence[int], max_new_tokens: int = 32,
             temperature: float = 0.0, top_p: float = 1.0, seed: int = 0,
             eos_token_id: Optional[int] = None, method: str = "forward") -> list[int]:
    """The token ids that follow `prompt_ids`, generated with `program` (ember.load of an
    export_llm file): the prompt in one prefill call, then one decode call per token. Greedy
    with temperature 0; else sampled (temperature, nucleus top_p) from a generator seeded with
    `seed`. Stops at `eos_token_id` (included) or after max_new_tokens, or when the cache is
    full."""
    prompt = [int(t) for t in prompt_ids]
    if not prompt:
        raise ValueError("the prompt has no tokens")
    rng = np.random.default_rng(seed)
    out: list[int] = []
    tokens = np.array([prompt], dtype=np.int64)
    pos = 0
    limit = context_len(program, method)
    while len(out) < max_new_tokens:
        if pos + tokens.shape[1] > limit:
            break
        logits = program.run(tokens, np.array([pos], dtype=np.int64), method=method)[0]
        pos += tokens.shape[1]
        nxt = _pick(np.asarray(logits).reshape(-1, logits.shape[-1])[-1], temperature, top_p, rng)
        out.append(nxt)
        if eos_token_id is not None and nxt == eos_token_id:
            break
        tokens = np.array([[nxt]], dtype=np.int64)
    return out


def generate_text(program: Any, prompt: str, tokenizer: Any, max_new_tokens: int = 32,
                  temperature: float = 0.0, top_p: float = 1.0, seed: int = 0,
                  eos_token_id: Optional[int] = None, method: str = "forward") -> str:
    """The text `program` generates after `prompt`: encoded with `tokenizer` (a tokenizers
    Tokenizer, or the path of a tokenizer.json), generated with `generate`, decoded (special
    tokens skipped). Without eos_token_id, generation stops at the tokenizer's "</s>" or
    "<|endoftext|>" when it has one."""
    if isinstance(tokenizer, (str, bytes)) or hasattr(tokenizer, "__fspath__"):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer))
    if eos_token_id is None:
        for name in ("</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>"):
            if tokenizer.token_to_id(name) is not None:
                eos_token_id = tokenizer.token_to_id(name)
                break
    ids = tokenizer.encode(prompt).ids
    new = generate(program, ids, max_new_tokens, temperature, top_p, seed, eos_token_id, method)
    return tokenizer.decode(new)
