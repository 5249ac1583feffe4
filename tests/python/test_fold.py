"""Constant folding (python/ember/fold.py): every subgraph whose inputs are all constants is
computed at export and stored once, within the size rule.

Each model is exported with and without folding. Oracles: torch eager for the results (run
on Ember's C runtime; float outputs within 1e-5 relative, ints exact), the kernel lists of the
two exports (folding must remove the constant subgraph's kernels), and byte counts computed
here from the model's own tensors for the size rule.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import ember


def _run(prog: "ember.ExportedProgram", inputs: tuple) -> list:
    try:
        loaded = ember.load(prog.buffer)
    except ember.EmberError as e:
        if "not found" in str(e):
            pytest.skip("libember is not built")
        raise
    return loaded.run(*inputs, flat=True)


def _eager(model: nn.Module, inputs: tuple) -> list[np.ndarray]:
    with torch.no_grad():
        out = model(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o.numpy() for o in outs]


def _kernels(prog: "ember.ExportedProgram") -> list[str]:
    """Every instruction's op, in order (repeats kept)."""
    return [c.full_name for m in prog.program.methods for c in m.instructions]


def _check_same_as_eager(prog, model, inputs) -> None:
    outs = _run(prog, inputs)
    refs = _eager(model, inputs)
    assert len(outs) == len(refs)
    for o, r in zip(outs, refs):
        assert o.dtype == r.dtype and o.shape == r.shape
        if r.dtype.kind in "biu":
            np.testing.assert_array_equal(o, r)
        else:
            np.testing.assert_allclose(o, r, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(r).max()))


def _both(model: nn.Module, inputs: tuple, **kw):
    """(folded export, unfolded export), checked against eager. Unfolded, the model may need a
    kernel the runtime lacks (the weight norm's); it is then only compared by its kernels."""
    folded = ember.export(model, inputs, **kw)
    _check_same_as_eager(folded, model, inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = ember.export(model, inputs, fold_constants=False, check_runtime=False)
    if not plain.runtime_problems:
        _check_same_as_eager(plain, model, inputs)
    # The size rule: growth within the default budget (10% of the weights, at least 64 KiB).
    weights = sum(t.nbytes for t in model.state_dict().values())
    budget = kw.get("fold_max_bytes", max(64 * 1024, weights // 10))
    assert len(folded.buffer) - len(plain.buffer) <= budget
    return folded, plain


# ----------------------------------------------------------------------------- the examples


class WeightNormConv(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        conv = nn.Conv2d(3, 8, 3, padding=1)
        self.conv = nn.utils.parametrizations.weight_norm(conv)

    def forward(self, x):
        return F.relu(self.conv(x))


def test_weight_norm_folds_into_one_weight():
    m, x = WeightNormConv().eval(), (torch.randn(1, 3, 8, 8),)
    folded, plain = _both(m, x)
    assert "aten::linalg_vector_norm.out" in _kernels(plain)
    assert _kernels(folded) == ["aten::convolution.out", "aten::relu.out"]
    # g and v (8 + 8*3*3*3 floats) are replaced by the weight (8*3*3*3 floats): smaller.
    (fold,) = folded.report_dict()["folded"]
    assert fold["stored_bytes"] == 8 * 27 * 4 and fold["freed_bytes"] == (8 + 8 * 27) * 4
    assert len(folded.buffer) < len(plain.buffer)


class RelativePositionBias(nn.Module):
    """BEiT's relative position bias, with the index computed in forward (as transformers'
    BEiT does to support other resolutions): meshgrid, flatten, subtract, shift, sum."""

    def __init__(self, window: int = 7, heads: int = 4):
        super().__init__()
        torch.manual_seed(1)
        self.window, self.heads = window, heads
        self.table = nn.Parameter(torch.randn((2 * window - 1) ** 2, heads))

    def index(self) -> torch.Tensor:
        w = self.window
        coords = torch.stack(torch.meshgrid(torch.arange(w), torch.arange(w), indexing="ij"))
        flat = torch.flatten(coords, 1)
        rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += w - 1
        rel[:, :, 1] += w - 1
        rel[:, :, 0] *= 2 * w - 1
        return rel.sum(-1)

    def forward(self, scores):  # scores: (B, heads, N, N), N = window * window
        n = self.window * self.window
        bias = self.table[self.index().view(-1)].view(n, n, -1).permute(2, 0, 1)
        return torch.softmax(scores + bias.unsqueeze(0), dim=-1)


def test_relative_position_bias_folds():
    m = RelativePositionBias().eval()
    x = (torch.randn(2, 4, 49, 49),)
    folded, plain = _both(m, x)
    assert len(_kernels(folded)) < len(_kernels(plain))
    assert "aten::arange.start_out" not in " ".join(_kernels(folded))
    # Everything up to the bias (4 x 49 x 49 floats) is constant: it folds within the default
    # budget (64 KiB here), and the table it was gathered from is no longer stored.
    (fold,) = folded.report_dict()["folded"]
    assert fold["stored_bytes"] == 4 * 49 * 49 * 4
    assert fold["freed_bytes"] == m.table.nbytes
    assert set(_kernels(folded)) <= {"aten::add.out", "aten::_softmax.out", "aten::unsqueeze_copy.out"}


def test_fold_beyond_budget_is_cut_back_and_reported():
    m = RelativePositionBias().eval()
    x = (torch.randn(2, 4, 49, 49),)
    # The bias (38416 B) does not fit 24 KiB; the int64 index (49 * 49 * 8 = 19208 B) does: it
    # is stored, the gather from the table runs at execute time.
    prog = ember.export(m, x, fold_max_bytes=24 * 1024)
    _check_same_as_eager(prog, m, x)
    d = prog.report_dict()
    (fold,) = d["folded"]
    (skipped,) = d["fold_skipped"]
    assert fold["stored_bytes"] == 49 * 49 * 8 and fold["freed_bytes"] == 0
    assert skipped["bytes"] == 4 * 49 * 49 * 4 and "fold_max_bytes" in skipped["reason"]
    assert "index.Tensor" in " ".join(skipped["ops"])
    assert "aten::index.Tensor_out" in _kernels(prog)
    assert "aten::arange.start_out" not in _kernels(prog)
    text = prog.report()
    assert "not folded" in text and "fold_max_bytes" in text
    # With no budget at all, only folds that free as much as they store remain: none here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unfolded, the index needs aten::copy.out
        none = ember.export(m, x, fold_max_bytes=0, check_runtime=False)
    assert none.report_dict()["folded"] == []
    assert "aten::arange.start_out" in _kernels(none)
    if not none.runtime_problems:
        _check_same_as_eager(none, m, x)


class SinePositionEmbedding(nn.Module):
    """DETR's sine position embedding of a feature map with no padding (mask of ones)."""

    def __init__(self, feats: int = 16, temperature: float = 10000.0):
        super().__init__()
        torch.manual_seed(2)
        self.feats, self.temperature = feats, temperature
        self.proj = nn.Conv2d(3, 2 * feats, 1)

    def forward(self, x):
        h = self.proj(x)
        b, _, height, width = h.shape
        mask = torch.ones(b, height, width)
        y_embed = mask.cumsum(1)
        x_embed = mask.cumsum(2)
        eps, scale = 1e-6, 2 * math.pi
        y_embed = y_embed / (y_embed[:, -1:, :] + eps) * scale
        x_embed = x_embed / (x_embed[:, :, -1:] + eps) * scale
        dim_t = torch.arange(self.feats, dtype=torch.float32)
        dim_t = self.temperature ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / self.feats)
        pos_x = x_embed[:, :, :, None] / dim_t
        pos_y = y_embed[:, :, :, None] / dim_t
        pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
        pos = torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)
        return h + pos


def test_detr_sine_position_embedding_folds():
    m, x = SinePositionEmbedding().eval(), (torch.randn(1, 3, 6, 10),)
    folded, plain = _both(m, x)
    assert _kernels(folded) == ["aten::convolution.out", "aten::add.out"]
    assert len(_kernels(plain)) > 10
    (fold,) = folded.report_dict()["folded"]
    assert fold["stored_bytes"] == 1 * 32 * 6 * 10 * 4
    assert "cumsum.default x2" in fold["ops"] and "sin.default x2" in fold["ops"]


class CausalSelfAttention(nn.Module):
    """Llama-style attention that builds its causal mask and RoPE tables in forward."""

    def __init__(self, dim: int = 32, heads: int = 4):
        super().__init__()
        torch.manual_seed(3)
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)
        inv_freq = 1.0 / (10000 ** (torch.arange(0, self.head_dim, 2).float() / self.head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def rope(self, t: torch.Tensor, seq: int) -> torch.Tensor:
        freqs = torch.outer(torch.arange(seq, dtype=torch.float32), self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        half = t.shape[-1] // 2
        rotated = torch.cat((-t[..., half:], t[..., :half]), dim=-1)
        return t * cos + rotated * sin

    def forward(self, x):  # (B, T, dim)
        b, seq, dim = x.shape
        q, k, v = self.qkv(x).view(b, seq, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k = self.rope(q, seq), self.rope(k, seq)
        mask = torch.full((seq, seq), float("-inf")).triu(1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask, dim=-1)
        return self.out((att @ v).transpose(1, 2).reshape(b, seq, dim))


def test_causal_mask_and_rope_tables_fold():
    m, x = CausalSelfAttention().eval(), (torch.randn(2, 16, 32),)
    folded, plain = _both(m, x)
    for op in ("aten::cos.out", "aten::sin.out", "aten::arange.start_out", "aten::full.out"):
        assert op in _kernels(plain)
        assert op not in _kernels(folded)
    d = folded.report_dict()
    stored = sum(f["stored_bytes"] for f in d["folded"])
    # cos and sin (16 x 8 floats each; q and k share them) and the 16 x 16 mask.
    assert stored == (2 * 16 * 8 + 16 * 16) * 4
    assert d["fold_skipped"] == []
    # The inv_freq buffer is read by nothing at execute time any more.
    assert all(f["freed_bytes"] in (0, m.inv_freq.nbytes) for f in d["folded"])
    assert sum(f["freed_bytes"] for f in d["folded"]) == m.inv_freq.nbytes


def test_hf_llama_mask_and_rope_fold():
    transformers = pytest.importorskip("transformers")
    cfg = transformers.LlamaConfig(
        vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
    )
    torch.manual_seed(0)
    lm = transformers.LlamaForCausalLM(cfg).eval()

    class Logits(nn.Module):
        def __init__(self):
            super().__init__()
            self.lm = lm

        def forward(self, ids):
            return self.lm(input_ids=ids, use_cache=False).logits

    m, x = Logits().eval(), (torch.randint(0, 128, (1, 16)),)
    folded, plain = _both(m, x)
    assert len(_kernels(folded)) < len(_kernels(plain)) - 20
    for op in ("aten::cos.out", "aten::sin.out", "aten::cumsum.out", "aten::arange.start_out"):
        assert op not in _kernels(folded)
    assert folded.report_dict()["folded"]


# ----------------------------------------------------------------------------- the rules


class TiedScaled(nn.Module):
    """An embedding table also read, scaled, as an output projection: the scaled copy is a
    constant subgraph, but the table stays in use (by the embedding)."""

    def __init__(self, vocab: int = 512, dim: int = 64, tie: bool = True):
        super().__init__()
        torch.manual_seed(4)
        self.tie = tie
        self.emb = nn.Embedding(vocab, dim)
        self.proj = nn.Parameter(torch.randn(vocab, dim))

    def forward(self, ids):
        h = self.emb(ids)
        w = self.emb.weight if self.tie else self.proj
        return h @ (w * 0.5).t()


def test_tied_weight_is_not_counted_as_freed():
    x = (torch.randint(0, 512, (2, 5)),)
    table = 512 * 64 * 4  # 128 KiB
    tied = TiedScaled(tie=True).eval()
    # Folding `w * 0.5` would store a second 128 KiB table (the first stays for the
    # embedding): more than a 64 KiB budget, so it runs at execute time.
    prog = ember.export(tied, x, fold_max_bytes=64 * 1024)
    _check_same_as_eager(prog, tied, x)
    d = prog.report_dict()
    assert d["folded"] == [] and d["fold_skipped"][0]["bytes"] == table
    assert d["constant_bytes"] < 2 * table  # the table is stored once
    # Untied, the scaled table replaces the parameter it came from: no growth, folded.
    untied = TiedScaled(tie=False).eval()
    prog = ember.export(untied, x, fold_max_bytes=0)
    _check_same_as_eager(prog, untied, x)
    (fold,) = prog.report_dict()["folded"]
    assert fold["stored_bytes"] == fold["freed_bytes"] == table
    assert prog.report_dict()["constant_bytes"] < 2 * table + 1024


class BigTable(nn.Module):
    def forward(self, x):  # x: (512, 512)
        return x + torch.arange(512 * 512, dtype=torch.float32).view(512, 512)


def test_default_budget_skips_a_large_table_of_a_small_model():
    m, x = BigTable(), (torch.randn(512, 512),)
    prog = ember.export(m, x)  # no weights: the budget is the 64 KiB floor
    d = prog.report_dict()
    assert d["folded"] == []
    (skipped,) = d["fold_skipped"]
    assert skipped["bytes"] == 512 * 512 * 4
    assert "aten::arange.start_out" in _kernels(prog)
    _check_same_as_eager(prog, m, x)
    big = ember.export(m, x, fold_max_bytes=2 << 20)
    assert big.report_dict()["folded"] and "aten::arange.start_out" not in _kernels(big)
    assert len(big.buffer) - len(prog.buffer) <= (2 << 20)
    _check_same_as_eager(big, m, x)


class RandomConstant(nn.Module):
    def forward(self, x):
        noise = F.dropout(torch.ones(4), p=0.5, training=True) + torch.rand(4)
        return x + noise


def test_random_ops_are_not_folded():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the runtime may lack the random kernels
        prog = ember.export(RandomConstant(), (torch.randn(4),), check_runtime=False)
    kernels = _kernels(prog)
    assert "aten::rand.out" in kernels
    assert any("bernoulli" in k or "dropout" in k for k in kernels)
    # torch.ones(4) is constant and may fold; nothing random may.
    for fold in prog.report_dict()["folded"]:
        assert not any("rand" in op or "bernoulli" in op or "dropout" in op for op in fold["ops"])


class MultiOutput(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.register_buffer("table", torch.randn(6, 5))

    def forward(self, x):  # x: (5,)
        values, indices = torch.max(self.table, dim=0)
        first, second = torch.split(self.table, [2, 4])
        return x * values + indices, first.sum(0) + second.mean(0)


def test_multi_output_ops_fold():
    m, x = MultiOutput().eval(), (torch.randn(5),)
    folded, plain = _both(m, x)
    assert "aten::max.dim_max" in _kernels(plain)
    assert "aten::max.dim_max" not in _kernels(folded)
    assert len(_kernels(folded)) == 2  # x * values + indices; the second output is a constant


def test_fold_constants_false_disables_folding():
    m, x = WeightNormConv().eval(), (torch.randn(1, 3, 8, 8),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the runtime may lack linalg_vector_norm
        prog = ember.export(m, x, fold_constants=False, check_runtime=False)
    d = prog.report_dict()
    assert d["folded"] == [] and d["fold_skipped"] == []
    assert "aten::linalg_vector_norm.out" in _kernels(prog)


def test_fold_max_bytes_must_be_a_size():
    with pytest.raises(ember.ExportError, match="fold_max_bytes"):
        ember.export(WeightNormConv(), (torch.randn(1, 3, 8, 8),), fold_max_bytes=-1)
