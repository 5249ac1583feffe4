"""End to end: scaled_dot_product_attention is exported as ONE op, ember::sdpa.out (not bmm,
softmax and copies), and Ember's fused kernel matches torch eager on ragged shapes: key counts
that are not multiples of the 64-key tile, head widths 32/64/80, causal, bool and additive
masks that broadcast, grouped-query heads, rank 3; float16/bfloat16 through the portable kernel;
decompose_attention=True gives the decomposed program instead; transformers' attention layers
(BERT with a padding mask, ViT, OPT causal) keep the op. The oracle is torch eager on the same
inputs.

Tolerances: float32 2e-5 absolute (outputs are convex combinations of value rows of size ~1;
the kernels sum scores in another order than torch), float16 2e-3, bfloat16 2e-2; whole models
1e-4 * max(1, max|ref|), as the zoo.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import ember
from ember import runtime

try:
    runtime.supported_operators()
except Exception as e:  # libember not built
    pytest.skip(f"libember not available: {e}", allow_module_level=True)


class Attn(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def forward(self, q, k, v, *mask):
        return F.scaled_dot_product_attention(q, k, v, *mask, **self.kw)


def op_names(prog) -> list[str]:
    return [f"{i.op_name}.{i.overload}" for m in prog.program.methods for i in m.instructions
            if hasattr(i, "op_name")]


def check(module, inputs, tol, decompose=False):
    prog = ember.export(module, inputs, decompose_attention=decompose)
    names = op_names(prog)
    got = torch.from_numpy(np.asarray(ember.load(prog.buffer).run(*inputs)[0]).copy())
    with torch.no_grad():
        want = module(*inputs)
    # (a bfloat16 output comes back widened to float32, exactly)
    err = (got.float() - want.float()).abs().max().item()
    assert err <= tol, f"max error {err} > {tol}"
    return names


CASES = [  # (q shape, k shape, v shape, mask shape or None, mask dtype, kwargs)
    ((2, 3, 17, 32), (2, 3, 23, 32), (2, 3, 23, 32), None, None, {}),
    ((1, 4, 65, 64), (1, 4, 65, 64), (1, 4, 65, 64), None, None, {"is_causal": True}),
    ((1, 2, 130, 80), (1, 2, 130, 80), (1, 2, 130, 80), None, None, {}),
    ((2, 2, 9, 64), (2, 2, 197, 64), (2, 2, 197, 48), (2, 1, 1, 197), torch.bool, {}),
    ((1, 4, 33, 32), (1, 4, 70, 32), (1, 4, 70, 32), (33, 70), torch.float32, {"scale": 0.2}),
    ((1, 4, 7, 80), (1, 2, 63, 80), (1, 2, 63, 80), (1, 4, 7, 63), torch.float32,
     {"enable_gqa": True}),
    ((4, 9, 16), (4, 129, 16), (4, 129, 16), None, None, {}),
    ((2, 4, 11, 32), (2, 1, 40, 32), (2, 1, 40, 32), None, None, {"is_causal": True}),  # MQA
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_sdpa_fused_matches_eager(case):
    torch.manual_seed(case)
    qs, ks, vs, ms, mdt, kw = CASES[case]
    inputs = [torch.randn(qs), torch.randn(ks), torch.randn(vs)]
    if ms is not None:
        inputs.append(torch.rand(ms) > 0.3 if mdt == torch.bool else torch.randn(ms))
    names = check(Attn(**kw), tuple(inputs), 2e-5)
    assert names == ["ember::sdpa.out"], names


@pytest.mark.parametrize("dtype,tol", [(torch.float16, 2e-3), (torch.bfloat16, 2e-2)])
def test_sdpa_half(dtype, tol):
    torch.manual_seed(1)
    q, k, v = (torch.randn(1, 2, 19, 32, dtype=dtype) for _ in range(3))
    mask = torch.rand(19, 19) > 0.2
    names = check(Attn(), (q, k, v, mask), tol)
    assert names == ["ember::sdpa.out"]


def test_decompose_attention_option():
    torch.manual_seed(2)
    inputs = tuple(torch.randn(1, 2, 10, 16) for _ in range(3))
    names = check(Attn(is_causal=True), inputs, 2e-5, decompose=True)
    assert "ember::sdpa.out" not in names
    assert any("bmm" in n or "mm" in n for n in names), names


def test_dropout_refused():
    inputs = tuple(torch.randn(1, 2, 4, 8) for _ in range(3))
    with pytest.raises(ember.ExportError, match="dropout_p"):
        ember.export(Attn(dropout_p=0.1), inputs)


def _transformers():
    return pytest.importorskip("transformers")


def _hf(name):
    tf = _transformers()
    if name == "bert":
        c = tf.BertConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                          intermediate_size=128, attn_implementation="sdpa")
        mask = torch.ones(2, 21, dtype=torch.long)
        mask[1, 15:] = 0
        return tf.BertModel(c), (torch.randint(0, 1000, (2, 21)), mask)
    if name == "vit":
        c = tf.ViTConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=128, image_size=40, patch_size=8,
                         attn_implementation="sdpa")
        return tf.ViTModel(c), (torch.randn(1, 3, 40, 40),)
    c = tf.OPTConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, ffn_dim=128,
                     vocab_size=500, word_embed_proj_dim=64, attn_implementation="sdpa",
                     use_cache=False)
    return tf.OPTForCausalLM(c), (torch.randint(0, 500, (1, 37)),)


@pytest.mark.parametrize("name", ["bert", "vit", "opt"])
def test_transformers_keep_one_attention_op(name):
    torch.manual_seed(3)
    model, inputs = _hf(name)
    model.eval()
    prog = ember.export(model, inputs)
    names = op_names(prog)
    assert names.count("ember::sdpa.out") == 2, names  # one per layer
    assert "aten::bmm.out" not in names and "aten::_softmax.out" not in names
    got = ember.load(prog.buffer).run(*inputs, flat=True)[0]
    with torch.no_grad():
        want = model(*inputs)[0]
    err = float(np.abs(np.asarray(got) - want.numpy()).max())
    assert err <= 1e-4 * max(1.0, float(want.abs().max())), err
