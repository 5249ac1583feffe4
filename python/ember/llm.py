"""Language models with a KV cache: export a `transformers` decoder as one method that runs
prefill and decode, and generate text with it.

`export_llm(model, max_seq_len=S)` wraps a causal LM (OPT, GPT-2, the Llama family: anything
whose attention layers go through transformers' attention interface) in `DecoderWithCache` and
exports

    forward(tokens: int64 (1, T), input_pos: int64 (1,)) -> logits float (1, vocab)

with T dynamic (1 <= T <= S): a prompt of T tokens at input_pos = 0 (prefill), then one token
at a time at its position (decode). The logits are the last token's (`full_logits=True`: every
token's, (1, T, vocab)). The cache is program state: per layer a key and a value buffer of
(1, S, kv_heads, head_dim) that the method updates in place (ExecuTorch's mutable buffers), never
copied. Each attention layer is two of ExecuTorch's LLM custom ops, with their names and
arguments (so the file interchanges with ExecuTorch's LLM runner and its custom-ops library):

    llama::update_cache.out(value, cache, start_pos)    writes (1, T, H, D) rows at start_pos
    llama::custom_sdpa.out(q, k_cache, v_cache, start_pos, None, 0, True, scale)
                                                       attention of the T queries over cache
                                                       rows [0, start_pos + t]

start_pos is `input_pos[0].item()` in the program (aten::_local_scalar_dense). Positions are
input_pos + arange(T). The cache rows past start_pos + T are never read, so the file stores no
initial cache bytes: a new sequence simply starts again at input_pos = 0.

`generate(program, prompt_ids, ...)` runs that method: greedy, or sampling with temperature and
top-p from a seeded generator.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np
import torch

# ---------------------------------------------------------------------------- the two ops
# Declared under Ember's namespace (ExecuTorch's own library may be loaded in the same process
# and define llama::); the exporter writes them as llama:: (lower.file_op_name).

_LIB = torch.library.Library("ember", "FRAGMENT")
_LIB.define("llama_update_cache(Tensor value, Tensor(a!) cache, SymInt start_pos) -> Tensor")
_LIB.define("llama_update_cache.out(Tensor value, Tensor(a!) cache, SymInt start_pos, *, "
            "Tensor(b!) out) -> Tensor(b!)")
_LIB.define("llama_custom_sdpa(Tensor query, Tensor key, Tensor value, SymInt start_pos, "
            "Tensor? attn_mask=None, float drpout_p=0., bool is_causal=False, "
            "float? scale=None) -> Tensor")
_LIB.define("llama_custom_sdpa.out(Tensor query, Tensor key, Tensor value, SymInt start_pos, "
            "Tensor? attn_mask=None, float drpout_p=0., bool is_causal=False, "
            "float? scale=None, *, Tensor(a!) out) -> Tensor(a!)")


@torch.library.impl(_LIB, "llama_update_cache", "CompositeExplicitAutograd")
def _update_cache(value: torch.Tensor, cache: torch.Tensor, start_pos: int) -> torch.Tensor:
    cache[:, start_pos:start_pos + value.shape[1]] = value
    return torch.zeros((1,), dtype=value.dtype)


@torch.library.register_fake("ember::llama_update_cache")
def _update_cache_fake(value: torch.Tensor, cache: torch.Tensor, start_pos: Any) -> torch.Tensor:
    torch._check(start_pos >= 0)
    torch._check(start_pos + value.shape[1] <= cache.shape[1])
    return value.new_empty((1,))


@torch.library.impl(_LIB, "llama_custom_sdpa", "CompositeExplicitAutograd")
def _custom_sdpa(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, start_pos: int,
                 attn_mask: Optional[torch.Tensor] = None, drpout_p: float = 0.0,
                 is_causal: bool = False, scale: Optional[float] = None) -> torch.Tensor:
    """query (B, T, Hq, D) at positions start_pos.., key / value caches (B, S, Hkv, D)."""
    t = query.shape[1]
    n = start_pos + t
    q = query.transpose(1, 2)
    k = key[:, :n].transpose(1, 2)
    v = value[:, :n].transpose(1, 2)
    groups = q.shape[1] // k.shape[1]
    if groups > 1:
        k, v = k.repeat_interleave(groups, 1), v.repeat_interleave(groups, 1)
    if is_causal:
        attn_mask = torch.arange(n)[None, :] <= (start_pos + torch.arange(t))[:, None]
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                                           dropout_p=drpout_p, scale=scale)
    return out.transpose(1, 2).contiguous()


@torch.library.register_fake("ember::llama_custom_sdpa")
def _custom_sdpa_fake(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, start_pos: Any,
                      attn_mask: Optional[torch.Tensor] = None, drpout_p: float = 0.0,
                      is_causal: bool = False, scale: Optional[float] = None) -> torch.Tensor:
    return torch.empty_like(query)


# Ops the exporter lowers as in-place updates of program state (lower.py).
CACHE_UPDATE_OPS = frozenset({torch.ops.ember.llama_update_cache.default})
# Ops that read a cache only where it was written.
CACHE_OPS = CACHE_UPDATE_OPS | {torch.ops.ember.llama_custom_sdpa.default}

# ------------------------------------------------------------- attention through the cache

_ATTENTION = "ember_kv_cache"


def _attention(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor,
               value: torch.Tensor, attention_mask: Optional[torch.Tensor], scaling: Optional[float] = None,
               dropout: float = 0.0, **kwargs: Any) -> tuple[torch.Tensor, None]:
    """transformers' attention interface: query (B, Hq, T, D), key / value (B, Hkv, T, D) of
    the new tokens (the model is called without its own cache); returns (B, T, Hq, D)."""
    owner = getattr(module, "_ember_cache", None)
    if owner is None:
        raise RuntimeError("this attention layer was not prepared by ember.llm.DecoderWithCache")
    wrapper, layer = owner
    k_cache, v_cache = wrapper.caches(layer)
    pos = wrapper.start_pos
    torch.ops.ember.llama_update_cache(key.transpose(1, 2), k_cache, pos)
    torch.ops.ember.llama_update_cache(value.transpose(1, 2), v_cache, pos)
    out = torch.ops.ember.llama_custom_sdpa(query.transpose(1, 2), k_cache, v_cache, pos, None,
                                            0.0, True, scaling)
    return out, None


def _no_mask(*args: Any, **kwargs: Any) -> None:
    return None  # custom_sdpa masks causally over the cache itself


def _register() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface

    AttentionInterface.register(_ATTENTION, _attention)
    AttentionMaskInterface.register(_ATTENTION, _no_mask)


def _head_shapes(config: Any) -> tuple[int, int]:
    """(key/value heads, head width) of a transformers config."""
    heads = getattr(config, "num_attention_heads", None) or getattr(config, "n_head")
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    hidden = getattr(config, "hidden_size", None) or getattr(config, "n_embd")
    head_dim = getattr(config, "head_dim", None) or hidden // heads
    return int(kv_heads), int(head_dim)


class DecoderWithCache(torch.nn.Module):
    """A transformers causal LM with a static KV cache of `max_seq_len` positions held in
    buffers, called as forward(tokens (1, T), input_pos (1,)) -> the last token's logits (1, V)
    (every token's with full_logits). See the module docstring."""

    def __init__(self, model: torch.nn.Module, max_seq_len: int, full_logits: bool = False) -> None:
        super().__init__()
        _register()
        self.model = model
        self.max_seq_len = int(max_seq_len)
        self.full_logits = full_logits
        self.start_pos: Any = 0
        config = model.config
        kv_heads, head_dim = _head_shapes(config)
        layers = [m for m in model.modules() if isinstance(getattr(m, "layer_idx", None), int)
                  and type(m).__name__.endswith("Attention")]
        if not layers:
            raise ValueError(f"{type(model).__name__}: found no attention layers with a layer_idx")
        dtype = next(model.parameters()).dtype
        self.num_layers = 1 + max(m.layer_idx for m in layers)
        for i in range(self.num_layers):
            shape = (1, self.max_seq_len, kv_heads, head_dim)
            self.register_buffer(f"k_cache_{i}", torch.zeros(shape, dtype=dtype), persistent=False)
            self.register_buffer(f"v_cache_{i}", torch.zeros(shape, dtype=dtype), persistent=False)
        for m in layers:  # not a submodule: a plain attribute (no cycle in the module tree)
            object.__setattr__(m, "_ember_cache", (self, m.layer_idx))
        model.set_attn_implementation(_ATTENTION)

    def caches(self, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
        return getattr(self, f"k_cache_{layer}"), getattr(self, f"v_cache_{layer}")

    def forward(self, tokens: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        t = tokens.shape[1]
        pos = input_pos[0].item()
        torch._check(pos >= 0)
        torch._check(pos + t <= self.max_seq_len)
        self.start_pos = pos
        positions = (input_pos + torch.arange(t)).unsqueeze(0)
        logits = self.model(input_ids=tokens, position_ids=positions, use_cache=False).logits
        return logits if self.full_logits else logits[:, -1, :]


def export_llm(model: torch.nn.Module, max_seq_len: int = 128, full_logits: bool = False,
               **export_options: Any) -> Any:
    """Exports `model` (a transformers causal LM, eval mode) with a KV cache of `max_seq_len`
    positions as one method, forward(tokens, input_pos) (module docstring); other keywords go to
    ember.export (quantize, ...). Returns what ember.export returns."""
    from torch.export import Dim

    from .pipeline import export

    wrapper = DecoderWithCache(model.eval(), max_seq_len, full_logits).eval()
    example = (torch.zeros((1, 2), dtype=torch.long), torch.zeros((1,), dtype=torch.long))
    tokens = Dim("T", min=1, max=max_seq_len)
    with torch.no_grad():
        return export(wrapper, example, dynamic_shapes={"tokens": {1: tokens}, "input_pos": None},
                      **export_options)


# ------------------------------------------------------------------------------ generation

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
    limit = _capacity(program, method)
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


def _capacity(program: Any, method: str) -> int:
    """The most positions the method's cache holds: its tokens input's bound (1, T)."""
    return program.method(method).input_capacity(0)
