"""Ember vs torch eager on attention-heavy transformers models (small configs), one thread.

    taskset -c 0 python bench/transformers_attention.py [--decompose] [--iters N] [models...]

Each model is exported once (ember.export; --decompose passes decompose_attention=True, the
file ExecuTorch's portable kernels also run), then eager and Ember alternate, `iters` rounds of
one call each, and the medians are printed with their ratio (ember / eager: below 1 is faster
than eager). Run it under EMBER_LIB=<another libember.so> to compare two builds; the eager
column is the yardstick common to both runs. Timings on a shared machine are noisy: compare
ratios, and rerun.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch


def _models() -> dict:
    import transformers as tf

    def vit():
        c = tf.ViTConfig(hidden_size=384, num_hidden_layers=4, num_attention_heads=6,
                         intermediate_size=1536, image_size=224, patch_size=16)
        return tf.ViTModel(c), (torch.randn(1, 3, 224, 224),)

    def bert():
        c = tf.BertConfig(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                          intermediate_size=1024)
        return tf.BertModel(c), (torch.randint(0, 1000, (1, 128)),)

    def whisper_encoder():
        c = tf.WhisperConfig(d_model=384, encoder_layers=4, encoder_attention_heads=6,
                             encoder_ffn_dim=1536, num_mel_bins=80)
        return tf.WhisperModel(c).encoder, (torch.randn(1, 80, 3000),)

    def siglip_vision():
        c = tf.SiglipVisionConfig(hidden_size=384, num_hidden_layers=4, num_attention_heads=6,
                                  intermediate_size=1536, image_size=224, patch_size=16)
        return tf.SiglipVisionModel(c), (torch.randn(1, 3, 224, 224),)

    def opt_125m():
        return tf.OPTForCausalLM(tf.OPTConfig(use_cache=False)), (torch.randint(0, 50000, (1, 128)),)

    return {"vit": vit, "bert": bert, "whisper_encoder": whisper_encoder,
            "siglip_vision": siglip_vision, "opt_125m": opt_125m}


def main() -> None:
    import ember

    models = _models()
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=list(models))
    ap.add_argument("--decompose", action="store_true")
    ap.add_argument("--iters", type=int, default=7)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"{'model':16} {'eager ms':>9} {'ember ms':>9} {'ember/eager':>11}  attention")
    for name in a.models:
        model, inputs = models[name]()
        model.eval()
        ep = ember.export(model, inputs, decompose_attention=a.decompose)
        sdpa = sum(i.op_name == "ember::sdpa" for i in ep.program.methods[0].instructions)
        prog = ember.load(ep.buffer)
        arrays = [x.numpy() for x in inputs]
        eager, emb = [], []
        with torch.no_grad():
            model(*inputs), prog.run(*arrays, flat=True)  # warm up
            for _ in range(a.iters):
                t = time.perf_counter()
                model(*inputs)
                eager.append(time.perf_counter() - t)
                t = time.perf_counter()
                prog.run(*arrays, flat=True)
                emb.append(time.perf_counter() - t)
        e, m = statistics.median(eager) * 1e3, statistics.median(emb) * 1e3
        what = f"{sdpa} x ember::sdpa" if sdpa else "decomposed"
        print(f"{name:16} {e:9.1f} {m:9.1f} {m / e:11.2f}  {what}", flush=True)


if __name__ == "__main__":
    main()
