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

import warnings
from typing import Any, Optional

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


# Weight-quantized linears. int8: ExecuTorch's weight-only int8 linear (its quantized kernels
# library), written as quantized_decomposed::mixed_linear; int4 group-wise: Ember's own
# ember::linear_int4 (ExecuTorch has no portable op for it). Layouts: quantize_int8 / int4.
_LIB.define("qd_mixed_linear(Tensor input, Tensor weight, Tensor weight_scales, "
            "Tensor? weight_zero_points, ScalarType? dtype=None) -> Tensor")
_LIB.define("qd_mixed_linear.out(Tensor input, Tensor weight, Tensor weight_scales, "
            "Tensor? weight_zero_points, ScalarType? dtype=None, *, Tensor(a!) out) -> Tensor(a!)")
_LIB.define("linear_int4(Tensor input, Tensor weight, Tensor scales, int group_size, "
            "Tensor? bias=None) -> Tensor")
_LIB.define("linear_int4.out(Tensor input, Tensor weight, Tensor scales, int group_size, "
            "Tensor? bias=None, *, Tensor(a!) out) -> Tensor(a!)")


@torch.library.impl(_LIB, "qd_mixed_linear", "CompositeExplicitAutograd")
def _mixed_linear(input: torch.Tensor, weight: torch.Tensor, weight_scales: torch.Tensor,
                  weight_zero_points: Optional[torch.Tensor] = None,
                  dtype: Optional[torch.dtype] = None) -> torch.Tensor:
    return torch.nn.functional.linear(input, weight.float() * weight_scales.reshape(-1, 1))


@torch.library.register_fake("ember::qd_mixed_linear")
def _mixed_linear_fake(input, weight, weight_scales, weight_zero_points=None, dtype=None):
    return input.new_empty((*input.shape[:-1], weight.shape[0]))


def unpack_int4(weight: torch.Tensor) -> torch.Tensor:
    """(N, K / 2) uint8 -> (N, K) int8 in [-8, 7]: element 2i is byte i's low nibble, 2i + 1 its
    high nibble, each holding q + 8."""
    low = (weight & 0xF).to(torch.int8) - 8
    high = (weight >> 4).to(torch.int8) - 8
    return torch.stack([low, high], dim=-1).reshape(weight.shape[0], -1)


@torch.library.impl(_LIB, "linear_int4", "CompositeExplicitAutograd")
def _linear_int4(input: torch.Tensor, weight: torch.Tensor, scales: torch.Tensor,
                 group_size: int, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    q = unpack_int4(weight).float()
    w = (q.reshape(q.shape[0], -1, group_size) * scales.unsqueeze(-1)).reshape(q.shape)
    return torch.nn.functional.linear(input, w, bias)


@torch.library.register_fake("ember::linear_int4")
def _linear_int4_fake(input, weight, scales, group_size, bias=None):
    return input.new_empty((*input.shape[:-1], weight.shape[0]))


def quantize_int8(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per output channel, symmetric: (int8 (N, K), float32 scales (N,)) with
    weight ~ q * scale[:, None], scale = max |row| / 127."""
    w = weight.detach().float()
    scale = w.abs().amax(dim=1).clamp(min=1e-12) / 127.0
    q = torch.round(w / scale[:, None]).clamp(-128, 127).to(torch.int8)
    return q, scale


def _int4_groups(weight: torch.Tensor, group_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Group-wise along the rows, symmetric: (int16 (N, K) holding q + 8 for q in [-7, 7],
    float32 scales (N, K / group_size)) with scale = max |group| / 7; packed by the caller."""
    w = weight.detach().float()
    n, k = w.shape
    g = w.reshape(n, k // group_size, group_size)
    scale = g.abs().amax(dim=2).clamp(min=1e-12) / 7.0
    q = torch.round(g / scale.unsqueeze(-1)).clamp(-8, 7).to(torch.int16).reshape(n, k) + 8
    return q, scale


def quantize_int4(weight: torch.Tensor, group_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Group-wise along K, symmetric: (uint8 (N, K / 2) packed as unpack_int4 reads it,
    float32 scales (N, K / group_size)) with scale = max |group| / 7, q in [-7, 7]."""
    q, scale = _int4_groups(weight, group_size)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).to(torch.uint8)
    return packed, scale


class QuantLinear(torch.nn.Module):
    """nn.Linear with int8 per-channel or int4 group-wise weights (fp32 activations)."""

    def __init__(self, linear: torch.nn.Linear, bits: int, group_size: int) -> None:
        super().__init__()
        self.bits, self.group_size = bits, group_size
        if bits == 8:
            q, scale = quantize_int8(linear.weight)
        else:
            q, scale = quantize_int4(linear.weight, group_size)
        self.register_buffer("weight", q)
        self.register_buffer("scales", scale)
        bias = linear.bias.detach().float().clone() if linear.bias is not None else None
        self.register_buffer("bias", bias)

    def dequantized(self) -> torch.Tensor:
        """The weights this layer computes with, as float32 (N, K)."""
        if self.bits == 8:
            return self.weight.float() * self.scales[:, None]
        q = unpack_int4(self.weight).float()
        return (q.reshape(q.shape[0], -1, self.group_size) * self.scales.unsqueeze(-1)).reshape(q.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bits == 4:
            return torch.ops.ember.linear_int4(x, self.weight, self.scales, self.group_size, self.bias)
        # ExecuTorch's mixed_linear takes a matrix: the leading dims flattened around it
        y = torch.ops.ember.qd_mixed_linear(x.reshape(-1, x.shape[-1]), self.weight, self.scales,
                                            None, None)
        y = y.reshape(*x.shape[:-1], y.shape[-1])
        return y + self.bias if self.bias is not None else y


WEIGHT_FORMATS = ("int8", "int4")


def _format_bits(what: str, fmt: str, group_size: int) -> int:
    """8 or 4 for the format "int8" / "int4" (int4 with a group size of 32 to 256); ValueError
    naming the argument `what` otherwise."""
    if fmt not in WEIGHT_FORMATS:
        raise ValueError(f"{what}={fmt!r}: expected one of {', '.join(WEIGHT_FORMATS)}")
    if fmt == "int4" and group_size not in (32, 64, 128, 256):
        raise ValueError(f"group_size={group_size}: expected 32, 64, 128 or 256")
    return 8 if fmt == "int8" else 4


def quantize_weights(model: torch.nn.Module, weights: str, group_size: int = 64) -> int:
    """Replaces every nn.Linear of `model` (in place) whose input width suits the format with a
    QuantLinear: "int8" per output channel, "int4" in groups of `group_size` along the input
    (group_size must divide the width; other layers stay float32). Returns how many."""
    bits = _format_bits("weights", weights, group_size)
    done = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if not isinstance(child, torch.nn.Linear):
                continue
            if bits == 4 and child.in_features % group_size:
                continue
            setattr(parent, name, QuantLinear(child, bits, group_size))
            done += 1
    return done


# Weight-quantized embeddings: ExecuTorch's quantized_decomposed::embedding_byte (int8 or
# uint8), embedding_4bit (two per byte, element 2i the HIGH nibble: ExecuTorch's packing, unlike
# linear_int4's) and embedding_2bit (four per byte, element 4i + j in bits 2j..2j+1), with a
# scale per row or per group along the row and optional float zero points: the ops ExecuTorch's
# LLM export writes for `embedding_quantize` ("8,0", "4,32", "2,32"), declared here with its
# schemas (and .dtype overloads) so that the files interchange. QuantEmbedding writes byte / 4bit.
_QE_ARGS = ("Tensor weight, Tensor weight_scales, Tensor? weight_zero_points, "
            "int weight_quant_min, int weight_quant_max, Tensor indices")
for _name in ("embedding_byte", "embedding_4bit", "embedding_2bit"):
    _LIB.define(f"qd_{_name}({_QE_ARGS}) -> Tensor")
    _LIB.define(f"qd_{_name}.dtype({_QE_ARGS}, *, ScalarType? dtype=None) -> Tensor")
    _LIB.define(f"qd_{_name}.out({_QE_ARGS}, *, Tensor(a!) out) -> Tensor(a!)")
    _LIB.define(f"qd_{_name}.dtype_out({_QE_ARGS}, *, ScalarType? dtype=None, Tensor(a!) out) "
                "-> Tensor(a!)")


def unpack_embedding_int4(weight: torch.Tensor) -> torch.Tensor:
    """(V, D / 2) uint8 -> (V, D) int8 in [-8, 7]: element 2i is byte i's HIGH nibble, 2i + 1
    its low nibble, each holding q + 8 (ExecuTorch's embedding_4bit)."""
    high = (weight >> 4).to(torch.int8) - 8
    low = (weight & 0xF).to(torch.int8) - 8
    return torch.stack([high, low], dim=-1).reshape(weight.shape[0], -1)


def _unpack_embedding(weight: torch.Tensor, bits: int) -> torch.Tensor:
    """The (V, D) q values of a table of `bits`-bit elements (module comment)."""
    if bits == 8:
        return weight
    if bits == 4:
        return unpack_embedding_int4(weight.view(torch.uint8))
    b = weight.view(torch.uint8)
    parts = [((b >> (2 * j)) & 3).to(torch.int8) - 2 for j in range(4)]
    return torch.stack(parts, dim=-1).reshape(b.shape[0], -1)


def _dequantize_rows(q: torch.Tensor, scales: torch.Tensor,
                     zero_points: Optional[torch.Tensor] = None) -> torch.Tensor:
    """(q - zero_points) * scales, scales (V) or (V, groups), in float32 as the kernels compute
    it (torch's dequantize_per_channel_group)."""
    s = scales.reshape(scales.shape[0], -1)
    g = q.shape[1] // s.shape[1]
    x = q.float().reshape(q.shape[0], s.shape[1], g)
    if zero_points is not None:
        x = x - zero_points.reshape(s.shape).unsqueeze(-1)
    return (x * s.unsqueeze(-1)).reshape(q.shape)


def _register_embedding(name: str, bits: int) -> None:
    def lookup(weight, weight_scales, weight_zero_points, weight_quant_min, weight_quant_max,
               indices, dtype=None):
        table = _dequantize_rows(_unpack_embedding(weight, bits), weight_scales,
                                 weight_zero_points)
        return torch.nn.functional.embedding(indices, table)

    def fake(weight, weight_scales, weight_zero_points, qmin, qmax, indices, dtype=None):
        return weight_scales.new_empty((*indices.shape, weight.shape[1] * (8 // bits)))

    for overload in ("default", "dtype"):
        qualified = f"qd_{name}" + ("" if overload == "default" else ".dtype")
        torch.library.impl(_LIB, qualified, "CompositeExplicitAutograd")(lookup)
        torch.library.register_fake(f"ember::{qualified}")(fake)


for _name, _bits in (("embedding_byte", 8), ("embedding_4bit", 4), ("embedding_2bit", 2)):
    _register_embedding(_name, _bits)


class QuantEmbedding(torch.nn.Module):
    """nn.Embedding with int8 rows (one scale per row) or int4 groups of `group_size` along
    the row (a scale per group), symmetric, float32 out."""

    def __init__(self, embedding: torch.nn.Embedding, bits: int, group_size: int,
                 shared: Optional[QuantLinear] = None) -> None:
        super().__init__()
        self.bits = bits
        if bits == 8 and shared is not None and shared.bits == 8:
            # a table tied to an int8 output projection: the same int8 rows and scales (both
            # made by quantize_int8), stored once
            q, scale = shared.weight, shared.scales
        elif bits == 8:
            q, scale = quantize_int8(embedding.weight)  # per row: the same quantization
        else:
            q16, scale = _int4_groups(embedding.weight, group_size)
            q = ((q16[:, 0::2] << 4) | q16[:, 1::2]).to(torch.uint8)  # ExecuTorch's order
        self.register_buffer("weight", q)
        self.register_buffer("scales", scale)

    def dequantized(self) -> torch.Tensor:
        """The table this layer looks up, as float32 (V, D)."""
        q = self.weight if self.bits == 8 else unpack_embedding_int4(self.weight)
        return _dequantize_rows(q, self.scales)

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        if self.bits == 8:
            return torch.ops.ember.qd_embedding_byte(self.weight, self.scales, None, -128, 127,
                                                     indices)
        return torch.ops.ember.qd_embedding_4bit(self.weight, self.scales, None, -8, 7, indices)


def quantize_embeddings(model: torch.nn.Module, embeddings: str, group_size: int = 64,
                        shared: Optional[dict[int, QuantLinear]] = None) -> int:
    """Replaces every plain nn.Embedding of `model` (in place; subclasses with their own forward,
    as OPT's learned positions, stay) with a QuantEmbedding: "int8" per row, "int4" in groups of
    `group_size` along the row (tables whose width it does not divide stay float32). `shared`
    maps id(table's weight) to the int8 QuantLinear made from the same (tied) weight: an int8
    table then uses its bytes. Returns how many."""
    bits = _format_bits("embeddings", embeddings, group_size)
    done = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is not torch.nn.Embedding:
                continue
            if bits == 4 and child.embedding_dim % group_size:
                continue
            twin = (shared or {}).get(id(child.weight))
            setattr(parent, name, QuantEmbedding(child, bits, group_size, twin))
            done += 1
    return done


def _tied_linears(model: torch.nn.Module) -> dict[str, tuple[int, str]]:
    """{linear's name: (id(weight), the embedding's name)} for every nn.Linear whose weight is a
    plain nn.Embedding's (tied input and output embeddings)."""
    tables = {id(m.weight): n for n, m in model.named_modules() if type(m) is torch.nn.Embedding}
    return {n: (id(m.weight), tables[id(m.weight)]) for n, m in model.named_modules()
            if isinstance(m, torch.nn.Linear) and id(m.weight) in tables}


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
        if self.full_logits:
            return self.model(input_ids=tokens, position_ids=positions, use_cache=False).logits
        # the output projection of the last token alone (transformers' logits_to_keep)
        logits = self.model(input_ids=tokens, position_ids=positions, use_cache=False,
                            logits_to_keep=1).logits
        return logits[:, -1, :]


def export_llm(model: torch.nn.Module, max_seq_len: int = 128, full_logits: bool = False,
               weights: Optional[str] = None, group_size: int = 64,
               embeddings: Optional[str] = None, **export_options: Any) -> Any:
    """Exports `model` (a transformers causal LM, eval mode) with a KV cache of `max_seq_len`
    positions as one method, forward(tokens, input_pos) (module docstring). `weights`: None
    (float32), "int8" (per output channel) or "int4" (groups of `group_size` along the input),
    for every linear layer, the output projection included (quantize_weights). `embeddings`:
    None (float32), "int8" (per row) or "int4" (groups of `group_size` along the row) for the
    token (and plain position) embedding tables (quantize_embeddings). The model itself is left
    as it was: a copy is quantized. Other keywords go to ember.export. Returns what ember.export
    returns."""
    import copy

    from torch.export import Dim

    from .pipeline import export

    if weights is not None or embeddings is not None:
        model = copy.deepcopy(model)
    tied = _tied_linears(model)
    if weights is not None:
        quantize_weights(model, weights, group_size)
    if embeddings is not None:
        shared = {}
        for linear, (weight_id, table) in tied.items():
            now = model.get_submodule(linear)
            if isinstance(now, QuantLinear) and now.bits == 8:
                shared[weight_id] = now
            elif not isinstance(now, QuantLinear):
                warnings.warn(f"embedding table '{table}' is tied to the float32 linear layer "
                              f"'{linear}': the file stores the quantized table and the float32 "
                              "weight both (larger than float32 alone); quantize the linear "
                              "layers too (weights='int8' shares one int8 table)", stacklevel=2)
        quantize_embeddings(model, embeddings, group_size, shared)
    attention = getattr(model.config, "_attn_implementation", None)
    try:
        wrapper = DecoderWithCache(model.eval(), max_seq_len, full_logits).eval()
        example = (torch.zeros((1, 2), dtype=torch.long), torch.zeros((1,), dtype=torch.long))
        tokens = Dim("T", min=1, max=max_seq_len)
        with torch.no_grad():
            return export(wrapper, example, dynamic_shapes={"tokens": {1: tokens}, "input_pos": None},
                          **export_options)
    finally:
        if attention is not None:  # the model keeps its own attention outside the export
            model.set_attn_implementation(attention)


# ------------------------------------------------------------------------------ generation

from .generation import generate  # noqa: E402,F401 (torch-free: ember.generation)
