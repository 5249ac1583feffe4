"""ExecuTorch's own language-model files on Ember (tests/data/et_llm_*.pte, written by
tests/data/make_et_llm_files.py with ExecuTorch's LLM export: its Llama transformer, KV cache as
mutable buffers, llama::update_cache / llama::custom_sdpa, a dynamic token count, embeddings in
fp32 or quantized to int8 / int4 / int2 with quantized_decomposed::embedding_*).

- every step (a prefill, then decode steps on one loaded program: the cache carries over)
  equals the source model in torch eager, as stored by the generator;
- ember.generate follows eager's greedy tokens and uses the whole context ExecuTorch's
  get_max_context_len() states;
- `ember generate` (C) prints the text ember.generate's ids decode to, with a tokenizer trained
  here over the model's 128 ids.
No executorch or torch needed: the files and the expected outputs are stored.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.generation import context_len

DATA = Path(__file__).resolve().parents[1] / "data"
MANIFEST = json.loads((DATA / "llm_manifest.json").read_text())
CLI = Path(__file__).resolve().parents[2] / "build" / "bin" / "ember"
NAMES = sorted(MANIFEST["files"])


def _steps(name: str):
    entry = MANIFEST["files"][name]
    for s in range(entry["steps"]):
        inputs = [np.load(DATA / f"et_llm_{name}.step{s}.in{i}.npy") for i in range(2)]
        yield inputs, np.load(DATA / f"et_llm_{name}.step{s}.out0.npy")


def test_the_files_are_what_the_manifest_says():
    assert set(NAMES) == {"fp32", "emb8", "emb4", "emb2"}
    ops = {n: set(MANIFEST["files"][n]["operators"]) for n in NAMES}
    for n in NAMES:
        assert {"llama::update_cache.out", "llama::custom_sdpa.out"} <= ops[n]
        assert MANIFEST["files"][n]["executorch_matches_torch"]
    assert "aten::embedding.out" in ops["fp32"]
    assert "quantized_decomposed::embedding_byte.dtype_out" in ops["emb8"]
    assert "quantized_decomposed::embedding_4bit.dtype_out" in ops["emb4"]
    assert "quantized_decomposed::embedding_2bit.dtype_out" in ops["emb2"]


@pytest.mark.parametrize("name", NAMES)
def test_executorch_llm_file_runs_on_ember_step_by_step(name):
    program = ember.load(DATA / f"et_llm_{name}.pte")
    for s, (inputs, ref) in enumerate(_steps(name)):
        got = np.asarray(program.run(*inputs)[0]).reshape(ref.shape)
        tol = 1e-4 * max(1.0, float(np.abs(ref).max()))
        assert np.abs(got - ref).max() <= tol, (name, s, float(np.abs(got - ref).max()))
    # the quantized tables give other logits than fp32's (the dequantization is not skipped)
    if name != "fp32":
        fp32 = next(_steps("fp32"))[1]
        assert np.abs(next(_steps(name))[1] - fp32).max() > 1e-3


def test_ember_generate_follows_eager_greedy_and_fills_the_context():
    program = ember.load(DATA / "et_llm_fp32.pte")
    greedy = [int(np.argmax(ref)) for _, ref in _steps("fp32")]
    prompt = MANIFEST["prompt"]
    assert ember.generate(program, prompt, max_new_tokens=len(greedy)) == greedy
    # the tokens input is bounded at max_seq_len - 1; the cache holds max_seq_len positions
    assert program.method("forward").input_capacity(0) == MANIFEST["max_seq_len"] - 1
    assert context_len(program) == MANIFEST["max_seq_len"]
    out = ember.generate(program, prompt, max_new_tokens=1000)
    assert len(out) == MANIFEST["max_seq_len"] - len(prompt) + 1


def test_ember_generate_cli_runs_an_executorch_file(tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    if not CLI.exists():
        pytest.skip("build/bin/ember is not built")
    from tokenizers import decoders, models, pre_tokenizers, trainers

    # SentencePiece-style BPE (Metaspace) over few letters, so every id is < the model's 128
    tok = tokenizers.Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    corpus = ["the cat sat on the mat", "a bat and a rat", "the man ran to the van"] * 10
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=60, special_tokens=["<unk>"]))
    assert tok.get_vocab_size() <= MANIFEST["params"]["vocab_size"]
    tok.save(str(tmp_path / "tokenizer.json"))
    prompt = "the cat sat"
    ids = tok.encode(prompt).ids
    program = ember.load(DATA / "et_llm_fp32.pte")
    want = ember.generate(program, ids, max_new_tokens=1000)
    assert len(want) == MANIFEST["max_seq_len"] - len(ids) + 1
    r = subprocess.run([str(CLI), "generate", str(DATA / "et_llm_fp32.pte"), "--tokenizer",
                        str(tmp_path / "tokenizer.json"), "--prompt", prompt, "--max-new-tokens",
                        "1000", "--eos-id", "-1", "--threads", "1"], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == prompt + tok.decode(ids + want)[len(tok.decode(ids)):] + "\n"
    assert f"decode: {len(want) - 1} tokens in" in r.stderr.decode(), r.stderr.decode()
