"""Ember's model zoo: the models the end-to-end tests export, run and compare to torch eager.

Every entry is a function returning ``(model.eval(), example_inputs)`` where example_inputs is a
tuple of tensors. Weights and inputs come from fixed seeds, so two calls give the same model and
the same inputs. BatchNorm layers get random (non-identity) running statistics and affine
parameters, so a runtime that folds or skips them wrongly is caught.

``ZOO`` maps a name to its function; ``SMALL`` names the fast models (no 224x224 CNNs, no OPT).
The image models take a ``resolution`` argument (default 224) so the tests can shrink them.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ModelAndInputs = Tuple[nn.Module, Tuple[torch.Tensor, ...]]


# ----------------------------------------------------------------------------- helpers


def randomize_batchnorm(model: nn.Module, seed: int = 1234) -> nn.Module:
    """Give every BatchNorm layer random running stats and affine parameters (not identity).

    The values keep each layer's gain near 1 so deep nets stay numerically tame."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
                if m.affine:
                    m.weight.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
                    m.bias.copy_(torch.randn(n, generator=g) * 0.1)
    return model


def _finish(model: nn.Module, *inputs: torch.Tensor) -> ModelAndInputs:
    return model.eval(), tuple(inputs)


# ----------------------------------------------------------------------------- MLP


class MLP(nn.Module):
    def __init__(self, d_in: int = 64, d_hidden: int = 128, d_out: int = 10):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_hidden)
        self.fc3 = nn.Linear(d_hidden, d_out)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.gelu(self.fc2(x))
        return self.fc3(x)


def mlp(batch: int = 4, d_in: int = 64, d_hidden: int = 128, d_out: int = 10) -> ModelAndInputs:
    torch.manual_seed(0)
    m = MLP(d_in, d_hidden, d_out)
    return _finish(m, torch.randn(batch, d_in))


# ----------------------------------------------------------------------------- LeNet-5


class LeNet(nn.Module):
    """LeNet-5 style CNN for 1x28x28 inputs (conv, relu, max-pool, linear)."""

    def __init__(self, c1: int = 6, c2: int = 16, f1: int = 120, f2: int = 84, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 5, padding=2)  # 28x28 -> 28x28
        self.conv2 = nn.Conv2d(c1, c2, 5)  # 14x14 -> 10x10
        self.fc1 = nn.Linear(c2 * 5 * 5, f1)
        self.fc2 = nn.Linear(f1, f2)
        self.fc3 = nn.Linear(f2, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # -> 14x14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> 5x5
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def lenet(batch: int = 1, **widths) -> ModelAndInputs:
    torch.manual_seed(1)
    m = LeNet(**widths)
    return _finish(m, torch.randn(batch, 1, 28, 28))


# ----------------------------------------------------------------------------- MobileNetV2
# A faithful re-statement of torchvision.models.mobilenet_v2 (width_mult=1.0, 1000 classes):
# same layer structure, parameter names, shapes and initialisation scheme.


def _make_divisible(v: float, divisor: int = 8, min_value: Optional[int] = None) -> int:
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:  # do not round down by more than 10%
        new_v += divisor
    return new_v


class Conv2dNormActivation(nn.Sequential):
    """conv (no bias) + BatchNorm + activation, 'same'-style padding (k-1)//2 * dilation."""

    def __init__(self, cin, cout, kernel_size=3, stride=1, groups=1, activation=nn.ReLU6, dilation=1):
        padding = (kernel_size - 1) // 2 * dilation
        layers: List[nn.Module] = [
            nn.Conv2d(cin, cout, kernel_size, stride, padding, dilation=dilation, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        ]
        if activation is not None:
            layers.append(activation(inplace=True))
        super().__init__(*layers)
        self.out_channels = cout


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int):
        super().__init__()
        assert stride in (1, 2)
        hidden_dim = int(round(inp * expand_ratio))
        self.stride = stride
        self.use_res_connect = stride == 1 and inp == oup
        layers: List[nn.Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1))  # pointwise expand
        layers.extend(
            [
                Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim),  # depthwise
                nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),  # pointwise-linear
                nn.BatchNorm2d(oup),
            ]
        )
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0, round_nearest: int = 8, dropout: float = 0.2):
        super().__init__()
        input_channel = 32
        last_channel = 1280
        inverted_residual_setting = [
            # t, c, n, s
            [1, 16, 1, 1],
            [6, 24, 2, 2],
            [6, 32, 3, 2],
            [6, 64, 4, 2],
            [6, 96, 3, 1],
            [6, 160, 3, 2],
            [6, 320, 1, 1],
        ]
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: List[nn.Module] = [Conv2dNormActivation(3, input_channel, stride=2)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(InvertedResidual(input_channel, output_channel, stride, expand_ratio=t))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


def mobilenet_v2(resolution: int = 224, batch: int = 1, width_mult: float = 1.0, num_classes: int = 1000) -> ModelAndInputs:
    torch.manual_seed(2)
    m = randomize_batchnorm(MobileNetV2(num_classes=num_classes, width_mult=width_mult), seed=102)
    return _finish(m, torch.randn(batch, 3, resolution, resolution))


# ----------------------------------------------------------------------------- ResNet-18
# A faithful re-statement of torchvision.models.resnet18 (BasicBlock, layers [2, 2, 2, 2]).


def _conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, block=BasicBlock, layers=(2, 2, 2, 2), num_classes: int = 1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                _conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def resnet18(resolution: int = 224, batch: int = 1, num_classes: int = 1000) -> ModelAndInputs:
    torch.manual_seed(3)
    m = randomize_batchnorm(ResNet(BasicBlock, (2, 2, 2, 2), num_classes=num_classes), seed=103)
    return _finish(m, torch.randn(batch, 3, resolution, resolution))


# ----------------------------------------------------------------------------- DS-CNN (MLPerf Tiny KWS)
# The MLPerf Tiny keyword-spotting reference (Keras): input 49x10x1 MFCCs; Conv2D(64, (10,4),
# strides 2, padding 'same') + BN + ReLU; 4 x [DepthwiseConv2D 3x3 'same' + BN + ReLU,
# Conv2D 64 1x1 + BN + ReLU]; AveragePooling2D(pool=(49//2, 10//2)) = (24, 5); Flatten;
# Dense(12, softmax). Dropout is identity at inference. TF's 'same' padding with stride 2 on
# 49x10 with a 10x4 kernel gives a 25x5 output and pads asymmetrically: (top 4, bottom 5,
# left 1, right 1); we reproduce that with an explicit zero-pad, so shapes match exactly.


class DSCNN(nn.Module):
    def __init__(self, filters: int = 64, classes: int = 12, in_hw=(49, 10), blocks: int = 4):
        super().__init__()
        h, w = in_hw
        kh, kw, s = 10, 4, 2
        oh, ow = math.ceil(h / s), math.ceil(w / s)
        ph, pw = max((oh - 1) * s + kh - h, 0), max((ow - 1) * s + kw - w, 0)
        self.pad = nn.ZeroPad2d((pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        self.conv1 = nn.Conv2d(1, filters, (kh, kw), stride=s, bias=True)
        self.bn1 = nn.BatchNorm2d(filters)
        ds = []
        for _ in range(blocks):
            ds += [
                nn.Conv2d(filters, filters, 3, padding=1, groups=filters, bias=True),  # depthwise
                nn.BatchNorm2d(filters),
                nn.ReLU(),
                nn.Conv2d(filters, filters, 1, bias=True),  # pointwise
                nn.BatchNorm2d(filters),
                nn.ReLU(),
            ]
        self.ds = nn.Sequential(*ds)
        self.pool = nn.AvgPool2d((h // 2, w // 2))
        self.fc = nn.Linear(filters, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(self.pad(x))))
        x = self.ds(x)
        x = torch.flatten(self.pool(x), 1)
        return F.softmax(self.fc(x), dim=-1)


def ds_cnn(batch: int = 1, filters: int = 64) -> ModelAndInputs:
    torch.manual_seed(4)
    m = randomize_batchnorm(DSCNN(filters=filters), seed=104)
    return _finish(m, torch.randn(batch, 1, 49, 10))


# ----------------------------------------------------------------------------- OPT-125M


class OPTLogits(nn.Module):
    """OPTForCausalLM wrapped so forward(input_ids) -> logits (no KV cache in the graph)."""

    def __init__(self, lm: nn.Module):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        return self.lm(input_ids=input_ids, use_cache=False).logits


def opt125m(seq_len: int = 32, attn_implementation: str = "eager", **config_overrides) -> ModelAndInputs:
    """The real OPT-125M architecture (transformers.OPTConfig() defaults) with random weights."""
    from transformers import OPTConfig, OPTForCausalLM

    torch.manual_seed(5)
    cfg = OPTConfig(**config_overrides)
    cfg.use_cache = False
    try:
        cfg._attn_implementation = attn_implementation
    except Exception:  # older/newer transformers: keep its default
        pass
    lm = OPTForCausalLM(cfg).eval()
    g = torch.Generator().manual_seed(105)
    ids = torch.randint(0, cfg.vocab_size, (1, seq_len), generator=g, dtype=torch.long)
    return _finish(OPTLogits(lm), ids)


# ----------------------------------------------------------------------------- small op models


class Broadcast(nn.Module):
    """Broadcasting of (2,3,1) with (1,4) and with scalars and a 0-d tensor."""

    def forward(self, x, y, s):
        a = x + y  # (2,3,4)
        b = a * 2.5 - 1.0
        c = b / (y.abs() + 1.0)  # (2,3,4) / (1,4)
        d = 3.0 - c  # rsub with a scalar
        e = d * s  # 0-d tensor broadcast
        return torch.maximum(e, x) + torch.exp(-a.abs())


def broadcast() -> ModelAndInputs:
    torch.manual_seed(10)
    return _finish(Broadcast(), torch.randn(2, 3, 1), torch.randn(1, 4), torch.tensor(0.75))


class Slicing(nn.Module):
    """Strided slices, select, negative dims, narrow, index_select; several outputs."""

    def __init__(self):
        super().__init__()
        self.register_buffer("idx", torch.tensor([3, 0, 2], dtype=torch.long))

    def forward(self, x):  # x: (4, 8, 6)
        a = x[:, 1:5:2]  # (4, 2, 6)
        b = x.select(-1, -2)  # (4, 8)
        c = x[-1]  # (8, 6)
        d = x[..., -3:] * 2.0  # (4, 8, 3)
        e = x.narrow(1, 2, 3).transpose(-1, -2).contiguous()  # (4, 6, 3)
        f = torch.index_select(x, 0, self.idx)  # (3, 8, 6)
        g = x.permute(2, 0, 1).reshape(6, -1)[:, ::3]  # (6, 11)
        return a + 1.0, b, c, d, e, f, g


def slicing() -> ModelAndInputs:
    torch.manual_seed(11)
    return _finish(Slicing(), torch.randn(4, 8, 6))


class ConcatSplit(nn.Module):
    """cat, split (uneven), chunk, stack, unbind, expand, unsqueeze/squeeze."""

    def forward(self, x, y):  # x: (2, 5, 3), y: (2, 2, 3)
        c = torch.cat([x, y], dim=1)  # (2, 7, 3)
        p, q, r = torch.split(c, [2, 4, 1], dim=-2)
        s = torch.stack([p.sum(1), q.mean(1), r.squeeze(1)], dim=0)  # (3, 2, 3)
        u, v = torch.chunk(c, 2, dim=0)  # (1, 7, 3) each
        w = torch.cat([u, v * 2.0, y[:1].sum(1, keepdim=True).expand(1, 7, 3)], dim=-1)  # (1, 7, 9)
        parts = torch.unbind(s, dim=-1)
        return s, w, parts[0] - parts[2], torch.cat([c, c], 0).unsqueeze(0)


def concat_split() -> ModelAndInputs:
    torch.manual_seed(12)
    return _finish(ConcatSplit(), torch.randn(2, 5, 3), torch.randn(2, 2, 3))


class IntBool(nn.Module):
    """int64 arithmetic, comparisons -> bool, logical ops, where, masked_fill, argmax, casts."""

    def forward(self, a, b, x):  # a, b: int64 (3, 5); x: float (3, 5)
        i = (a * 3 + b) // 2 - a % 3  # int64 arithmetic (floor-divide, remainder)
        gt = a > b  # bool
        eq = (a == 2) | (b < 0)
        both = gt & ~eq
        y = torch.where(gt, x, -x)
        z = x.masked_fill(eq, -1e4)
        am = torch.argmax(z, dim=-1)  # int64 output
        cnt = both.to(torch.int64).sum(-1)  # bool -> int64, reduce
        f = i.to(torch.float32) * 0.5 + y
        return i, gt, both, y, z, am, cnt, f


def int_bool() -> ModelAndInputs:
    g = torch.Generator().manual_seed(13)
    a = torch.randint(-5, 6, (3, 5), generator=g, dtype=torch.long)
    b = torch.randint(-5, 6, (3, 5), generator=g, dtype=torch.long)
    x = torch.randn(3, 5, generator=g)
    return _finish(IntBool(), a, b, x)


class SoftmaxLayerNorm(nn.Module):
    """A tiny attention-like block: linear, scaled scores, softmax, layernorm, log_softmax."""

    def __init__(self, d: int = 32):
        super().__init__()
        self.proj = nn.Linear(d, 3 * d)
        self.ln = nn.LayerNorm(d)
        self.scale = 1.0 / math.sqrt(d)
        with torch.no_grad():
            self.ln.weight.uniform_(0.5, 1.5)
            self.ln.bias.normal_(0, 0.1)

    def forward(self, x):  # (2, 8, 32)
        q, k, v = self.proj(x).chunk(3, dim=-1)
        att = torch.softmax(q @ k.transpose(-2, -1) * self.scale, dim=-1)
        h = self.ln(att @ v + x)
        return h, F.log_softmax(h, dim=1), torch.softmax(x, dim=0)


def softmax_layernorm() -> ModelAndInputs:
    torch.manual_seed(14)
    return _finish(SoftmaxLayerNorm(), torch.randn(2, 8, 32))


class Conv1dNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 8, 3, padding=1)
        self.c2 = nn.Conv1d(8, 8, 5, stride=2, padding=2, dilation=1, groups=2)
        self.c3 = nn.Conv1d(8, 6, 3, dilation=2, bias=False)
        self.bn = nn.BatchNorm1d(8)

    def forward(self, x):  # (2, 4, 32)
        x = F.relu(self.c1(x))
        x = torch.tanh(self.bn(self.c2(x)))
        x = torch.sigmoid(self.c3(x))
        return x


def conv1d() -> ModelAndInputs:
    torch.manual_seed(15)
    m = randomize_batchnorm(Conv1dNet(), seed=115)
    return _finish(m, torch.randn(2, 4, 32))


class Reductions(nn.Module):
    def forward(self, x):  # (3, 4, 5)
        return (
            x.mean(dim=1, keepdim=True),
            x.sum(dim=(0, 2)),
            x.amax(dim=-1),
            x.amin(dim=0),
            x.mean(),
            x.sum(),
            (x * x).sum(-1).sqrt(),
            x.var(dim=-1, unbiased=False),
        )


def reductions() -> ModelAndInputs:
    torch.manual_seed(16)
    return _finish(Reductions(), torch.randn(3, 4, 5))


# ----------------------------------------------------------------------------- small U-Net


class _UNetBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.norm = nn.GroupNorm(4, c_out)

    def forward(self, x):
        return F.mish(self.norm(self.conv(x)))


class SmallUNet(nn.Module):
    """A two-level U-Net for segmentation-style outputs: GroupNorm + Mish blocks, max-pool down,
    bilinear and nearest up-sampling, skip connections by concatenation, and an adaptive
    max-pooled side output."""

    def __init__(self, c: int = 8, classes: int = 3):
        super().__init__()
        self.enc1 = _UNetBlock(3, c)
        self.enc2 = _UNetBlock(c, 2 * c)
        self.mid = _UNetBlock(2 * c, 2 * c)
        self.dec2 = _UNetBlock(4 * c, c)
        self.dec1 = _UNetBlock(2 * c, c)
        self.head = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([F.interpolate(m, scale_factor=2, mode="bilinear"), e2], dim=1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2, mode="nearest"), e1], dim=1))
        return self.head(d1), F.adaptive_max_pool2d(m, 1).flatten(1)


def unet_small(resolution: int = 32) -> ModelAndInputs:
    torch.manual_seed(12)
    return _finish(SmallUNet(), torch.randn(1, 3, resolution, resolution))


# ----------------------------------------------------------------------------- half precision
# float16 / bfloat16 versions of zoo models: the model's parameters and buffers and its floating
# inputs cast with .to(dtype), exported and run in that dtype. Checked by compare_half.


def opt_small(seq_len: int = 16) -> ModelAndInputs:
    """The OPT architecture (decoder layers, learned positions, causal attention, final layer
    norm, tied LM head) at a small size: 2 layers, width 128, 4 heads, vocabulary 1000."""
    return opt125m(seq_len=seq_len, num_hidden_layers=2, hidden_size=128, ffn_dim=256,
                   vocab_size=1000, num_attention_heads=4, word_embed_proj_dim=128,
                   max_position_embeddings=64)


def to_dtype(model_and_inputs: ModelAndInputs, dtype: torch.dtype) -> ModelAndInputs:
    """A copy of the model in `dtype`, and the floating inputs cast to it (ints stay)."""
    import copy

    model, inputs = model_and_inputs
    cast = tuple(t.to(dtype) if t.is_floating_point() else t for t in inputs)
    return copy.deepcopy(model).to(dtype).eval(), cast


# name -> (zoo function giving the fp32 model, its keyword arguments, the half dtype)
HALF: Dict[str, Tuple[Callable[..., ModelAndInputs], dict, torch.dtype]] = {
    "opt_small_fp16": (opt_small, {}, torch.float16),
    "opt_small_bf16": (opt_small, {}, torch.bfloat16),
    "mobilenet_v2_64_fp16": (mobilenet_v2, {"resolution": 64}, torch.float16),
    "resnet18_64_bf16": (resnet18, {"resolution": 64}, torch.bfloat16),
    "unet_small_fp16": (unet_small, {}, torch.float16),
    "unet_small_bf16": (unet_small, {}, torch.bfloat16),
    "softmax_layernorm_bf16": (softmax_layernorm, {}, torch.bfloat16),
}

# Unit roundoff-scale slack per dtype (its machine epsilon), and the direct Ember-vs-eager
# tolerance relative to max(1, max|eager|).
HALF_EPS = {torch.float16: 2.0 ** -10, torch.bfloat16: 2.0 ** -7}
HALF_RTOL = {torch.float16: 1e-2, torch.bfloat16: 5e-2}


def get_half(name: str) -> Tuple[nn.Module, Tuple[torch.Tensor, ...], torch.dtype]:
    fn, kwargs, dtype = HALF[name]
    model, inputs = to_dtype(fn(**kwargs), dtype)
    return model, inputs, dtype


def half_references(model: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """torch eager in the model's half dtype, and in float32 from the same (already rounded)
    weights and inputs; both flattened and returned as float32 numpy arrays."""
    import copy

    from torch.utils._pytree import tree_flatten

    with torch.no_grad():
        half = tree_flatten(model(*inputs))[0]
        up = tuple(t.float() if t.is_floating_point() else t for t in inputs)
        fp32 = tree_flatten(copy.deepcopy(model).float()(*up))[0]
    as_np = lambda ts: [t.detach().float().numpy() if t.is_floating_point() else t.numpy() for t in ts]
    return as_np(half), as_np(fp32)


def compare_half(outputs, eager: List[np.ndarray], fp32: List[np.ndarray], dtype: torch.dtype) -> Tuple[dict, List[str]]:
    """Ember's outputs against torch eager in the same half dtype, with float32 as the yardstick.

    Both runtimes compute in float and round to the half type, so each misses the float32
    result by the dtype's rounding error, accumulated through the model. Per float output:
      1. Ember's error against float32 is at most twice eager's own, plus one machine epsilon
         of the dtype times max(1, max|fp32|): Ember is no less accurate than eager, up to
         rounding the two do in different order;
      2. and |Ember - eager| <= rtol * max(1, max|eager|), rtol 1e-2 for float16 and 5e-2 for
         bfloat16 (about 10 and 6 units in the last place).
    float16 outputs must come back as float16; bfloat16 ones as float32 (the binding widens
    them, exactly). Returns the largest errors seen and a list of problems (empty when all pass)."""
    problems: List[str] = []
    stats = {"max_err_vs_eager": 0.0, "ember_err_vs_fp32": 0.0, "eager_err_vs_fp32": 0.0}
    outputs = list(outputs)
    if len(outputs) != len(eager):
        return stats, [f"{len(outputs)} outputs, expected {len(eager)}"]
    want_dtype = np.float16 if dtype == torch.float16 else np.float32
    for i, (o, e, f) in enumerate(zip(outputs, eager, fp32)):
        o = np.asarray(o)
        if e.dtype.kind in "biu":
            if o.dtype != e.dtype or o.shape != e.shape or not np.array_equal(o, e):
                problems.append(f"output {i}: integer output differs")
            continue
        if o.dtype != want_dtype or o.shape != e.shape:
            problems.append(f"output {i}: {o.dtype} {o.shape}, expected {np.dtype(want_dtype)} {e.shape}")
            continue
        o64, e64, f64 = (a.astype(np.float64) for a in (o, e, f))
        if not np.array_equal(np.isfinite(o64), np.isfinite(e64)):
            problems.append(f"output {i}: non-finite values differ")
            continue
        fin = np.isfinite(e64) & np.isfinite(f64)
        d_eager = float(np.max(np.abs(o64 - e64)[fin], initial=0.0))
        d_ember32 = float(np.max(np.abs(o64 - f64)[fin], initial=0.0))
        d_eager32 = float(np.max(np.abs(e64 - f64)[fin], initial=0.0))
        scale = max(1.0, float(np.max(np.abs(f64[fin]), initial=0.0)))
        stats["max_err_vs_eager"] = max(stats["max_err_vs_eager"], d_eager)
        stats["ember_err_vs_fp32"] = max(stats["ember_err_vs_fp32"], d_ember32)
        stats["eager_err_vs_fp32"] = max(stats["eager_err_vs_fp32"], d_eager32)
        if not d_ember32 <= 2.0 * d_eager32 + HALF_EPS[dtype] * scale:
            problems.append(f"output {i}: error vs float32 {d_ember32:.3e}, eager's {d_eager32:.3e}")
        tol = HALF_RTOL[dtype] * max(1.0, float(np.max(np.abs(e64[fin]), initial=0.0)))
        if not d_eager <= tol:
            problems.append(f"output {i}: max abs error vs eager {d_eager:.3e} > {tol:.3e}")
    return stats, problems


# ----------------------------------------------------------------------------- registry

ZOO: Dict[str, Callable[..., ModelAndInputs]] = {
    "mlp": mlp,
    "lenet": lenet,
    "ds_cnn": ds_cnn,
    "broadcast": broadcast,
    "slicing": slicing,
    "concat_split": concat_split,
    "int_bool": int_bool,
    "softmax_layernorm": softmax_layernorm,
    "conv1d": conv1d,
    "reductions": reductions,
    "unet_small": unet_small,
    "mobilenet_v2": mobilenet_v2,
    "resnet18": resnet18,
    "opt125m": opt125m,
}

# The models that export and run in well under a second each.
SMALL = [n for n in ZOO if n not in ("mobilenet_v2", "resnet18", "opt125m")]


def get(name: str, **kwargs) -> ModelAndInputs:
    return ZOO[name](**kwargs)


def reference(model: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> List["np.ndarray"]:
    """torch eager outputs of model(*inputs), flattened (pytree order) to numpy arrays."""
    from torch.utils._pytree import tree_flatten

    with torch.no_grad():
        out = model(*inputs)
    leaves, _ = tree_flatten(out)
    return [t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t) for t in leaves]


def compare(outputs, references, rel: float = 1e-4) -> Tuple[float, float, List[str]]:
    """Compares runtime outputs to references: floats within rel * max(1, max|ref|) (per
    output), ints and bools exactly, same dtype and shape. Returns (max abs error over float
    outputs, the largest tolerance used, a list of problems; empty when all match)."""
    problems: List[str] = []
    max_err, max_tol = 0.0, 0.0
    outputs = list(outputs)
    if len(outputs) != len(references):
        return float("inf"), 0.0, [f"{len(outputs)} outputs, expected {len(references)}"]
    for i, (o, r) in enumerate(zip(outputs, references)):
        o = np.asarray(o)
        r = np.asarray(r)
        if o.dtype != r.dtype:
            problems.append(f"output {i}: dtype {o.dtype}, expected {r.dtype}")
            continue
        if o.shape != r.shape:
            problems.append(f"output {i}: shape {o.shape}, expected {r.shape}")
            continue
        if r.dtype.kind in "biu":
            bad = int(np.count_nonzero(o != r))
            if bad:
                problems.append(f"output {i} ({r.dtype}): {bad} of {r.size} elements differ")
            continue
        o64, r64 = o.astype(np.float64), r.astype(np.float64)
        if not np.array_equal(np.isfinite(o64), np.isfinite(r64)) or not np.array_equal(
            o64[~np.isfinite(r64)], r64[~np.isfinite(r64)]
        ):
            problems.append(f"output {i}: non-finite values differ")
            continue
        fin = np.isfinite(r64)
        err = float(np.max(np.abs(o64[fin] - r64[fin]))) if fin.any() else 0.0
        tol = rel * max(1.0, float(np.max(np.abs(r64[fin]))) if fin.any() else 1.0)
        max_err, max_tol = max(max_err, err), max(max_tol, tol)
        if not err <= tol:
            problems.append(f"output {i}: max abs error {err:.3e} > tolerance {tol:.3e}")
    return max_err, max_tol, problems


def aten_ops(model: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> List[str]:
    """Sorted names of the ops left after torch.export + run_decompositions() (core ATen)."""
    ep = torch.export.export(model, inputs).run_decompositions()
    ops = set()
    for node in ep.graph.nodes:
        if node.op == "call_function":
            ops.add(str(node.target))
    return sorted(ops)


if __name__ == "__main__":  # python tests/python/zoo.py [names...]: print each model's ATen ops
    import sys
    import time

    for name in sys.argv[1:] or list(ZOO):
        t = time.time()
        m, x = get(name)
        ops = aten_ops(m, x)
        print(f"{name} ({time.time() - t:.1f}s): {', '.join(ops)}")
