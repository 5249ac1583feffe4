"""The breadth sweep's architectures: real model classes from `transformers` and `timm`, built
from small configurations with random weights (nothing is downloaded).

Every entry of ``ARCHS`` maps a name ("hf_bert", "timm_resnet18", ...) to a function returning
``(model.eval(), example_inputs)``. Weights and inputs come from fixed seeds. Hugging Face models
are wrapped so that forward takes tensors only and returns a tuple of tensors (the tensor fields
of the model's output, in order), with the KV cache off. ``FAST`` names the few architectures
that also run in the default test selection.

timm imports torchvision at module level, and torchvision is not installed beside this torch.
``import_timm()`` puts a minimal stand-in for the parts timm's import touches into sys.modules
first (see _stub_torchvision); no model built here calls into it.
"""

from __future__ import annotations

import enum
import json
import sys
import types
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

ModelAndInputs = Tuple[nn.Module, Tuple[torch.Tensor, ...]]

SEQ = 16  # tokens per text input
VOCAB = 256  # vocabulary of every text model (small: the embedding is a constant in the file)


# ----------------------------------------------------------------------------- timm import


class _Unavailable:
    """Stands for a torchvision class: subclassing works, constructing one fails clearly."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__}: torchvision is stubbed for the breadth tests")


def _stub_torchvision() -> None:
    """Registers the torchvision modules and names timm 1.0's `import timm` needs:

    - torchvision.transforms.ToTensor: timm.data.transforms subclasses it;
    - torchvision.transforms.functional.InterpolationMode: an enum timm maps to strings at import;
    - torchvision.ops.misc.FrozenBatchNorm2d: timm.layers uses it in isinstance checks only;
    - torchvision.datasets.{CIFAR10, CIFAR100, MNIST, KMNIST, FashionMNIST, ImageFolder}:
      imported unconditionally by timm.data.dataset_factory (the other datasets it tries are in
      try/except ImportError, and so is torchvision.models.feature_extraction, left absent).
    """
    if "torchvision" in sys.modules:
        return

    def module(name: str, **attrs) -> types.ModuleType:
        m = types.ModuleType(name)
        m.__path__ = []  # a package, so submodule imports resolve through sys.modules
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    def cls(name: str) -> type:
        return type(name, (_Unavailable,), {})

    interp = enum.Enum("InterpolationMode", "NEAREST NEAREST_EXACT BILINEAR BICUBIC BOX HAMMING LANCZOS")
    functional = module("torchvision.transforms.functional", InterpolationMode=interp)
    transforms = module("torchvision.transforms", ToTensor=cls("ToTensor"), functional=functional)
    misc = module("torchvision.ops.misc", FrozenBatchNorm2d=cls("FrozenBatchNorm2d"))
    ops = module("torchvision.ops", misc=misc)
    datasets = module("torchvision.datasets", **{
        n: cls(n) for n in ("CIFAR10", "CIFAR100", "MNIST", "KMNIST", "FashionMNIST", "ImageFolder")})
    module("torchvision", __version__="0.0.0+stub", transforms=transforms, ops=ops, datasets=datasets)


TORCHVISION_STUB = None  # the stand-in module, once import_timm has made one


def import_timm():
    try:
        import torchvision  # noqa: F401  (a real one, if it ever imports beside this torch)
    except Exception:
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        _stub_torchvision()
        global TORCHVISION_STUB
        TORCHVISION_STUB = sys.modules["torchvision"]
        try:
            import timm
        finally:
            # timm keeps the names it took from the stand-in; out of sys.modules it cannot
            # mislead a later import in this process (transformers asks find_spec("torchvision"),
            # which raises on a module without a spec).
            for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
                del sys.modules[name]
    import timm

    return timm


# ----------------------------------------------------------------------------- helpers


class TupleOut(nn.Module):
    """Calls a Hugging Face model with keyword tensors and returns its output's tensor fields."""

    def __init__(self, model: nn.Module, names: Tuple[str, ...], **fixed):
        super().__init__()
        self.model = model
        self.names = names
        self.fixed = fixed

    def forward(self, *tensors):
        out = self.model(**dict(zip(self.names, tensors)), **self.fixed)
        if isinstance(out, torch.Tensor):
            return (out,)
        values = out.values() if hasattr(out, "values") else out
        return tuple(v for v in values if isinstance(v, torch.Tensor))


def _ids(n: int = SEQ, vocab: int = VOCAB, seed: int = 100) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(3, vocab, (1, n), generator=g, dtype=torch.long)


def _randn(*shape: int, seed: int = 101) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g)


def _hf(config_cls: str, model_cls: str, cfg: dict, inputs: Dict[str, torch.Tensor],
        private: Optional[dict] = None, **fixed) -> ModelAndInputs:
    import transformers

    torch.manual_seed(0)
    config = getattr(transformers, config_cls)(**cfg)
    for key, value in (private or {}).items():  # e.g. _experts_implementation: not a constructor argument
        setattr(config, key, value)
    model = getattr(transformers, model_cls)(config).eval()
    perturb(model)
    wrapped = TupleOut(model, tuple(inputs), **fixed)
    calibrate_batchnorm(wrapped, tuple(inputs.values()))
    return wrapped.eval(), tuple(inputs.values())


# A small transformer body, in the names most configs use.
# Special token ids inside the small vocabulary (the defaults point past it).
_TOKENS = dict(pad_token_id=0, bos_token_id=1, eos_token_id=2)
_BODY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
             vocab_size=VOCAB, max_position_embeddings=64, **_TOKENS)
# Decoder-only LMs: grouped-query attention where the config has it.
_LM = dict(_BODY, num_key_value_heads=1)


def _encoder(config_cls: str, model_cls: str, **cfg) -> Callable[[], ModelAndInputs]:
    return lambda: _hf(config_cls, model_cls, dict(_BODY, **cfg), {"input_ids": _ids()})


def _decoder(config_cls: str, model_cls: str, body: dict = _LM, **cfg) -> Callable[[], ModelAndInputs]:
    return lambda: _hf(config_cls, model_cls, dict(body, **cfg), {"input_ids": _ids()}, use_cache=False)


def _seq2seq(config_cls: str, model_cls: str, **cfg) -> Callable[[], ModelAndInputs]:
    return lambda: _hf(config_cls, model_cls, cfg,
                       {"input_ids": _ids(), "decoder_input_ids": _ids(8, seed=102)}, use_cache=False)


def _image(config_cls: str, model_cls: str, size: int = 32, channels: int = 3,
           **cfg) -> Callable[[], ModelAndInputs]:
    return lambda: _hf(config_cls, model_cls, cfg, {"pixel_values": _randn(1, channels, size, size)})


def _audio(config_cls: str, model_cls: str, samples: int = 1600, **cfg) -> Callable[[], ModelAndInputs]:
    return lambda: _hf(config_cls, model_cls, cfg, {"input_values": _randn(1, samples)})


def _timm(name: str, size: int = 64, **kwargs) -> Callable[[], ModelAndInputs]:
    def build() -> ModelAndInputs:
        timm = import_timm()
        torch.manual_seed(0)
        model = timm.create_model(name, pretrained=False, num_classes=10, **kwargs).eval()
        perturb(model)
        x = _randn(1, 3, size, size)
        calibrate_batchnorm(model, (x,))
        return model, (x,)

    return build


def perturb(model: nn.Module) -> None:
    """Makes every parameter matter: adds N(0, 0.1^2) noise to each. Libraries initialise some
    to exact zeros or ones (timm's zero classifier heads, 1e-5 layer scales), which would hide a
    wrong kernel behind a constant output or a near-identity block."""
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.1)


def calibrate_batchnorm(model: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> None:
    """Sets BatchNorm running statistics from one training-mode pass over a batch of 4 random
    inputs shaped like `inputs`: fresh layers have mean 0 and variance 1, and random deep CNNs
    then grow activations to 1e9 and beyond; calibrated ones stay near unit scale, as trained
    networks do. Without BatchNorm layers, nothing happens."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    g = torch.Generator().manual_seed(4321)
    batch = tuple(torch.randn((4, *x.shape[1:]), generator=g) if x.is_floating_point()
                  else x.expand(4, *x.shape[1:]) for x in inputs)
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # a plain average over the calibration pass
    model.train()
    with torch.no_grad():
        model(*batch)
    model.eval()


# Audio encoders: a two-layer conv feature extractor (stride 10) and a tiny transformer.
_SPEECH = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
               conv_dim=(16, 16), conv_stride=(5, 2), conv_kernel=(10, 3),
               num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2, vocab_size=32)

# ----------------------------------------------------------------------------- registry

ARCHS: Dict[str, Callable[[], ModelAndInputs]] = {
    # --- transformers: text encoders
    "hf_bert": _encoder("BertConfig", "BertModel"),
    "hf_roberta": _encoder("RobertaConfig", "RobertaForSequenceClassification"),
    "hf_distilbert": lambda: _hf("DistilBertConfig", "DistilBertModel",
                                 dict(vocab_size=VOCAB, dim=32, n_layers=2, n_heads=2, hidden_dim=64,
                                      max_position_embeddings=64), {"input_ids": _ids()}),
    "hf_albert": _encoder("AlbertConfig", "AlbertModel", embedding_size=16),
    "hf_electra": _encoder("ElectraConfig", "ElectraForSequenceClassification", embedding_size=16),
    "hf_deberta": _encoder("DebertaConfig", "DebertaModel"),
    "hf_deberta_v2": _encoder("DebertaV2Config", "DebertaV2Model"),
    "hf_mpnet": _encoder("MPNetConfig", "MPNetModel"),
    "hf_modernbert": _encoder("ModernBertConfig", "ModernBertModel", global_attn_every_n_layers=2,
                              local_attention=8, cls_token_id=1, sep_token_id=2),
    "hf_squeezebert": _encoder("SqueezeBertConfig", "SqueezeBertModel", embedding_size=32),
    "hf_mobilebert": _encoder("MobileBertConfig", "MobileBertModel", embedding_size=16,
                              intra_bottleneck_size=16, true_hidden_size=16, num_feedforward_networks=2),
    "hf_convbert": _encoder("ConvBertConfig", "ConvBertModel", embedding_size=32),
    "hf_roformer": _encoder("RoFormerConfig", "RoFormerModel", embedding_size=32),
    "hf_fnet": _encoder("FNetConfig", "FNetModel"),
    # --- transformers: decoder-only language models (logits, no KV cache)
    "hf_gpt2": lambda: _hf("GPT2Config", "GPT2LMHeadModel",
                           dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=2, n_positions=64, **_TOKENS),
                           {"input_ids": _ids()}, use_cache=False),
    "hf_gpt_neo": _decoder("GPTNeoConfig", "GPTNeoForCausalLM", _BODY, num_layers=2, num_heads=2,
                           attention_types=[[["global", "local"], 1]], window_size=8),
    "hf_gptj": lambda: _hf("GPTJConfig", "GPTJForCausalLM",
                           dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=2, n_positions=64,
                                rotary_dim=8, **_TOKENS),
                           {"input_ids": _ids()}, use_cache=False),
    "hf_gpt_neox": _decoder("GPTNeoXConfig", "GPTNeoXForCausalLM", _BODY),
    "hf_opt": _decoder("OPTConfig", "OPTForCausalLM", _BODY, ffn_dim=64, word_embed_proj_dim=32),
    "hf_llama": _decoder("LlamaConfig", "LlamaForCausalLM"),
    "hf_mistral": _decoder("MistralConfig", "MistralForCausalLM", sliding_window=8),
    "hf_qwen2": _decoder("Qwen2Config", "Qwen2ForCausalLM"),
    "hf_qwen3": _decoder("Qwen3Config", "Qwen3ForCausalLM", head_dim=16),
    "hf_phi": _decoder("PhiConfig", "PhiForCausalLM"),
    "hf_phi3": _decoder("Phi3Config", "Phi3ForCausalLM"),
    "hf_gemma": _decoder("GemmaConfig", "GemmaForCausalLM", head_dim=16),
    "hf_gemma2": _decoder("Gemma2Config", "Gemma2ForCausalLM", head_dim=16, sliding_window=8),
    "hf_stablelm": _decoder("StableLmConfig", "StableLmForCausalLM"),
    "hf_falcon": _decoder("FalconConfig", "FalconForCausalLM", _BODY),
    "hf_bloom": lambda: _hf("BloomConfig", "BloomForCausalLM",
                            dict(vocab_size=VOCAB, hidden_size=32, n_layer=2, n_head=2, **_TOKENS),
                            {"input_ids": _ids()}, use_cache=False),
    # Mixture of experts: transformers' default experts code calls its own custom operator
    # (transformers::grouped_mm_fallback); the "eager" implementation is plain ATen.
    "hf_mixtral": _decoder("MixtralConfig", "MixtralForCausalLM", num_local_experts=4, num_experts_per_tok=2),
    "hf_mixtral_eager_experts": lambda: _hf("MixtralConfig", "MixtralForCausalLM",
                                            dict(_LM, num_local_experts=4, num_experts_per_tok=2),
                                            {"input_ids": _ids()}, use_cache=False,
                                            private={"_experts_implementation": "eager"}),
    "hf_olmo": _decoder("OlmoConfig", "OlmoForCausalLM"),
    "hf_granite": _decoder("GraniteConfig", "GraniteForCausalLM"),
    "hf_starcoder2": _decoder("Starcoder2Config", "Starcoder2ForCausalLM"),
    "hf_codegen": lambda: _hf("CodeGenConfig", "CodeGenForCausalLM",
                              dict(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=2, n_positions=64,
                                   n_ctx=64, rotary_dim=8, **_TOKENS),
                              {"input_ids": _ids()}, use_cache=False),
    # --- transformers: encoder-decoder
    "hf_t5": _seq2seq("T5Config", "T5ForConditionalGeneration", vocab_size=VOCAB, d_model=32, d_kv=16,
                      d_ff=64, num_layers=2, num_heads=2),
    "hf_bart": _seq2seq("BartConfig", "BartForConditionalGeneration", vocab_size=VOCAB, d_model=32,
                        encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                        max_position_embeddings=64),
    # --- transformers: vision
    "hf_vit": _image("ViTConfig", "ViTForImageClassification", image_size=32, patch_size=8, **_BODY),
    "hf_deit": _image("DeiTConfig", "DeiTModel", image_size=32, patch_size=8, **_BODY),
    "hf_beit": _image("BeitConfig", "BeitModel", image_size=32, patch_size=8,
                      use_relative_position_bias=True, **_BODY),
    "hf_dinov2": _image("Dinov2Config", "Dinov2Model", image_size=32, patch_size=8, **_BODY),
    "hf_yolos": _image("YolosConfig", "YolosForObjectDetection", image_size=[32, 32], patch_size=8,
                       num_detection_tokens=4, **_BODY),
    "hf_swin": _image("SwinConfig", "SwinForImageClassification", image_size=32, patch_size=4,
                      embed_dim=16, depths=[1, 1], num_heads=[1, 2], window_size=4),
    "hf_swinv2": _image("Swinv2Config", "Swinv2ForImageClassification", image_size=32, patch_size=4,
                        embed_dim=16, depths=[1, 1], num_heads=[1, 2], window_size=4),
    "hf_convnext": _image("ConvNextConfig", "ConvNextForImageClassification", num_stages=2,
                          hidden_sizes=[8, 16], depths=[1, 1]),
    "hf_convnextv2": _image("ConvNextV2Config", "ConvNextV2ForImageClassification", num_stages=2,
                            hidden_sizes=[8, 16], depths=[1, 1]),
    "hf_resnet": _image("ResNetConfig", "ResNetForImageClassification", embedding_size=16,
                        hidden_sizes=[16, 32], depths=[1, 1]),
    "hf_regnet": _image("RegNetConfig", "RegNetForImageClassification", embedding_size=16,
                        hidden_sizes=[16, 32], depths=[1, 1], groups_width=8),
    "hf_mobilenet_v1": _image("MobileNetV1Config", "MobileNetV1ForImageClassification", image_size=32,
                              depth_multiplier=0.25),
    "hf_mobilenet_v2": _image("MobileNetV2Config", "MobileNetV2ForImageClassification", image_size=32,
                              depth_multiplier=0.35),
    "hf_efficientnet": _image("EfficientNetConfig", "EfficientNetForImageClassification", image_size=32,
                              width_coefficient=0.25, depth_coefficient=0.2, hidden_dim=320),
    "hf_mobilevit": _image("MobileViTConfig", "MobileViTForImageClassification", image_size=64, size=64,
                           hidden_sizes=[16, 16, 16], neck_hidden_sizes=[8, 8, 16, 16, 16, 16, 32]),
    "hf_levit": _image("LevitConfig", "LevitForImageClassification", image_size=64, size=64,
                       hidden_sizes=[16, 24, 32], num_attention_heads=[1, 2, 2], depths=[1, 1, 1],
                       key_dim=[8, 8, 8]),
    "hf_poolformer": _image("PoolFormerConfig", "PoolFormerForImageClassification",
                            hidden_sizes=[8, 16, 16, 32], depths=[1, 1, 1, 1]),
    "hf_segformer": _image("SegformerConfig", "SegformerForSemanticSegmentation",
                           hidden_sizes=[8, 16, 16, 32],
                           depths=[1, 1, 1, 1], num_attention_heads=[1, 1, 1, 2], decoder_hidden_size=32),
    "hf_focalnet": _image("FocalNetConfig", "FocalNetForImageClassification", image_size=32, embed_dim=16,
                          depths=[1, 1], patch_size=4),
    "hf_cvt": _image("CvtConfig", "CvtForImageClassification", size=32, embed_dim=[16, 32, 32],
                     num_heads=[1, 2, 2], depth=[1, 2, 3]),
    "hf_pvt": _image("PvtConfig", "PvtForImageClassification", image_size=32, hidden_sizes=[8, 16, 16, 32],
                     depths=[1, 1, 1, 1], num_attention_heads=[1, 1, 1, 2]),
    "hf_detr": lambda: _hf("DetrConfig", "DetrForObjectDetection",
                           dict(use_timm_backbone=False, use_pretrained_backbone=False,
                                backbone_config={"model_type": "resnet", "embedding_size": 16,
                                                 "hidden_sizes": [16, 32], "depths": [1, 1],
                                                 "out_features": ["stage2"]},
                                d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                                decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                                num_queries=8),
                           {"pixel_values": _randn(1, 3, 64, 64)}),
    "hf_clip_vision": _image("CLIPVisionConfig", "CLIPVisionModel", image_size=32, patch_size=8,
                             hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=64),
    "hf_clip_text": lambda: _hf("CLIPTextConfig", "CLIPTextModel", dict(_BODY), {"input_ids": _ids()}),
    "hf_siglip_vision": _image("SiglipVisionConfig", "SiglipVisionModel", image_size=32, patch_size=8,
                               hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                               intermediate_size=64),
    # --- transformers: audio
    "hf_wav2vec2": _audio("Wav2Vec2Config", "Wav2Vec2Model", **_SPEECH),
    "hf_hubert": _audio("HubertConfig", "HubertModel", **_SPEECH),
    "hf_wavlm": _audio("WavLMConfig", "WavLMModel", num_buckets=16, max_bucket_distance=32, **_SPEECH),
    "hf_whisper_encoder": lambda: _hf("WhisperConfig", "WhisperForAudioClassification",
                                      dict(d_model=32, encoder_layers=2, encoder_attention_heads=2,
                                           encoder_ffn_dim=64, decoder_layers=1, decoder_attention_heads=2,
                                           decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=16,
                                           vocab_size=VOCAB, num_labels=4, pad_token_id=0,
                                           bos_token_id=1, eos_token_id=2, decoder_start_token_id=1),
                                      {"input_features": _randn(1, 16, 32)}),
    "hf_ast": lambda: _hf("ASTConfig", "ASTForAudioClassification",
                          dict(_BODY, num_mel_bins=32, max_length=32, patch_size=8,
                               frequency_stride=8, time_stride=8),
                          {"input_values": _randn(1, 32, 32)}),
    # --- timm: convolutional networks
    "timm_resnet18": _timm("resnet18"),
    "timm_resnet50d": _timm("resnet50d"),
    "timm_resnext26ts": _timm("resnext26ts"),
    "timm_regnetx_002": _timm("regnetx_002"),
    "timm_regnety_002": _timm("regnety_002"),
    "timm_mobilenetv2_050": _timm("mobilenetv2_050"),
    "timm_mobilenetv3_small_050": _timm("mobilenetv3_small_050"),
    "timm_mobilenetv4_conv_small": _timm("mobilenetv4_conv_small"),
    "timm_efficientnet_b0": _timm("efficientnet_b0"),
    "timm_tf_efficientnet_b0": _timm("tf_efficientnet_b0"),
    "timm_lcnet_050": _timm("lcnet_050"),
    "timm_ghostnet_050": _timm("ghostnet_050"),
    "timm_mnasnet_small": _timm("mnasnet_small"),
    "timm_rexnet_100": _timm("rexnet_100"),
    "timm_densenet121": _timm("densenet121"),
    "timm_dla34": _timm("dla34"),
    "timm_res2net50_14w_8s": _timm("res2net50_14w_8s"),
    "timm_resnest14d": _timm("resnest14d"),
    "timm_convnext_atto": _timm("convnext_atto"),
    "timm_convnextv2_atto": _timm("convnextv2_atto"),
    "timm_repvgg_a0": _timm("repvgg_a0"),
    "timm_mobileone_s0": _timm("mobileone_s0"),
    "timm_hgnetv2_b0": _timm("hgnetv2_b0"),
    "timm_cspresnet50": _timm("cspresnet50"),
    "timm_dpn48b": _timm("dpn48b"),
    "timm_inception_v3": _timm("inception_v3", size=96),
    "timm_xception41": _timm("xception41", size=96),
    "timm_hrnet_w18_small": _timm("hrnet_w18_small"),
    # --- timm: transformers and hybrids
    "timm_vit_tiny": _timm("vit_tiny_patch16_224", img_size=64),
    "timm_deit_tiny": _timm("deit_tiny_patch16_224", img_size=64),
    "timm_deit3_small": _timm("deit3_small_patch16_224", img_size=64),
    "timm_beit": _timm("beit_base_patch16_224", img_size=64, depth=2),
    "timm_eva02_tiny": _timm("eva02_tiny_patch14_224", size=56, img_size=56),
    "timm_swin_tiny": _timm("swin_tiny_patch4_window7_224", size=224),
    "timm_swinv2_cr_tiny": _timm("swinv2_cr_tiny_ns_224", size=224),
    "timm_levit_128s": _timm("levit_128s", size=224),
    "timm_mobilevit_xxs": _timm("mobilevit_xxs", size=64),
    "timm_mobilevitv2_050": _timm("mobilevitv2_050", size=64),
    "timm_poolformer_s12": _timm("poolformer_s12"),
    "timm_poolformerv2_s12": _timm("poolformerv2_s12"),
    "timm_efficientformer_l1": _timm("efficientformer_l1", size=224),
    "timm_efficientformerv2_s0": _timm("efficientformerv2_s0", size=224),
    "timm_edgenext_xx_small": _timm("edgenext_xx_small"),
    "timm_fastvit_t8": _timm("fastvit_t8"),
    "timm_repvit_m1": _timm("repvit_m1"),
    "timm_tiny_vit_5m": _timm("tiny_vit_5m_224", size=224),
    "timm_maxvit_nano": _timm("maxvit_nano_rw_256", size=256),
    "timm_coatnet_nano": _timm("coatnet_nano_rw_224", size=224),
    "timm_pit_ti": _timm("pit_ti_224", img_size=64),
    "timm_cait_xxs24": _timm("cait_xxs24_224", img_size=64),
    "timm_xcit_nano": _timm("xcit_nano_12_p16_224", img_size=64),
    "timm_mixer_s32": _timm("mixer_s32_224", img_size=64),
    "timm_resmlp_12": _timm("resmlp_12_224", img_size=64),
    "timm_gmlp_ti16": _timm("gmlp_ti16_224", img_size=64),
    "timm_convit_tiny": _timm("convit_tiny", img_size=64),
    "timm_twins_svt_small": _timm("twins_svt_small"),
    "timm_efficientvit_b0": _timm("efficientvit_b0"),
    "timm_mambaout_femto": _timm("mambaout_femto"),
}

# Run by the default test selection: one of each kind, all quick (see test_breadth.py).
FAST = ["hf_bert", "hf_llama", "hf_t5", "hf_whisper_encoder", "timm_resnet18", "timm_mobilevitv2_050"]


def get(name: str) -> ModelAndInputs:
    return ARCHS[name]()


# ----------------------------------------------------------------------------- the report
# A row (test_breadth.py): arch, library, capturable, exported, ran, equal, status ("ok", "FAIL",
# "not capturable"), stage (where it stopped), max_abs_err, tol, export_s, run_s, file_bytes,
# error (first line), ref_absmax (the largest |eager| over float outputs).


def _num(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _yn(v) -> str:
    return "-" if v is None else ("yes" if v else "no")


def causes(rows: List[dict]) -> Dict[str, List[str]]:
    """Failing architectures grouped by cause: one group per missing operator, then numeric
    mismatches, crashes, and the other errors by stage and first line."""
    groups: Dict[str, List[str]] = defaultdict(list)
    for r in rows:
        err = r.get("error") or ""
        if r["status"] == "ok":
            continue
        if r["status"] == "not capturable":
            groups["not capturable by torch.export (not counted against Ember)"].append(r["arch"])
        elif "has no kernel for" in err:
            for op in err.split("this model uses:", 1)[-1].replace(",", " ").split():
                groups[f"missing kernel {op}"].append(r["arch"])
        elif r["stage"] == "compare":
            groups["numeric mismatch (outputs differ beyond the tolerance)"].append(r["arch"])
        elif "died with signal" in err:
            groups["the runtime crashed"].append(r["arch"])
        else:
            groups[f"{r['stage']}: {err[:200]}"].append(r["arch"])
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def markdown(rows: List[dict]) -> str:
    n = len(rows)
    nc = sum(r["status"] == "not capturable" for r in rows)
    ok = sum(r["status"] == "ok" for r in rows)
    lines = [
        f"# Ember breadth sweep: {n} architectures",
        "",
        f"{ok} of {n - nc} capturable architectures export, run and match torch eager; "
        f"{n - nc - ok} fail; {nc} not capturable by torch.export. Tolerance per float output: "
        "max |ember - eager| <= 1e-4 * max(1, max|eager|); ints and bools exactly.",
        "",
        "| arch | library | capturable | exported | ran | equal | max err | tol | max abs eager | export s "
        "| run s | .pte | error |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        size = "-" if r.get("file_bytes") is None else f"{r['file_bytes'] / 1e6:.2f} MB"
        err = (r.get("error") or "").replace("|", "\\|")
        lines.append(
            f"| {r['arch']} | {r['library']} | {_yn(r['capturable'])} | {_yn(r['exported'])} | "
            f"{_yn(r['ran'])} | {_yn(r['equal'])} | {_num(r.get('max_abs_err'), '.2e')} | "
            f"{_num(r.get('tol'), '.1e')} | {_num(r.get('ref_absmax'), '.2e')} | "
            f"{_num(r.get('export_s'), '.1f')} | "
            f"{_num(r.get('run_s'), '.3f')} | {size} | {err} |")
    groups = causes(rows)
    if groups:
        lines += ["", "## Failures by cause", ""]
        lines += [f"- {cause} ({len(archs)}): {', '.join(archs)}" for cause, archs in groups.items()]
    return "\n".join(lines) + "\n"


def write_report(rows: List[dict], path: str) -> List[Path]:
    """Writes the table as markdown to `path` and the rows as JSON beside it (suffix .json)."""
    md = Path(path)
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(markdown(rows))
    js = md.with_suffix(".json")
    js.write_text(json.dumps(rows, indent=1) + "\n")
    return [md, js]


def print_report(tr, rows: List[dict]) -> None:
    """The table at the end of the pytest run (tr: pytest's terminal reporter)."""
    tr.section("Ember breadth: real architectures through export, the C runtime and eager")
    tr.write_line(f"{'arch':<30} {'status':<15} {'stage':<12} {'max err':>9} {'tol':>8} "
                  f"{'export s':>8} {'run s':>7}")
    for r in rows:
        tr.write_line(f"{r['arch']:<30} {r['status']:<15} {r['stage']:<12} "
                      f"{_num(r.get('max_abs_err'), '.2e'):>9} {_num(r.get('tol'), '.1e'):>8} "
                      f"{_num(r.get('export_s'), '.1f'):>8} {_num(r.get('run_s'), '.3f'):>7}")
        if r["status"] != "ok" and r.get("error"):
            tr.write_line(f"{'':<31}^ {r['error'][:200]}")
    n = len(rows)
    nc = sum(r["status"] == "not capturable" for r in rows)
    ok = sum(r["status"] == "ok" for r in rows)
    tr.write_line(f"breadth: {ok} of {n - nc} capturable architectures match eager; "
                  f"{nc} not capturable by torch.export")
    for cause, archs in causes(rows).items():
        tr.write_line(f"  {cause} ({len(archs)}): {', '.join(archs)}")
