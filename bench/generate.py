"""`ember generate` on OPT-125M (random weights): speed and peak memory, float32 and quantized.

    .venv/bin/python bench/generate.py [--weights fp32,int8,int4] [--new-tokens 64]
                                       [--max-seq-len 128] [--threads 1] [--out DIR]

For each weight format: exports OPTForCausalLM(OPTConfig()) with ember.llm.export_llm (a KV cache
of --max-seq-len positions), runs the C CLI's `ember generate` on it (greedy, --new-tokens
tokens, no end-of-sequence stop) pinned to the first --threads CPUs, and reads from the CLI its
prefill and decode tokens per second and its peak resident memory (it prints Linux's VmHWM of
its own process). The budget the issue sets is checked:
peak RSS <= file size + KV cache + 32 MiB (the file is mapped, so its pages count as they are
read).

No tokenizer can be downloaded: the script writes a byte-level BPE tokenizer.json with OPT's
50272 ids (the 256 byte symbols, then made-up tokens of those symbols; no merges, so a prompt
encodes byte by byte) that decodes every id the model can produce.

Writes DIR/generate.md (default bench/results/llm/) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
CLI = ROOT / "build" / "bin" / "ember"
MIB = 1 << 20


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character map (the ByteLevel pre-tokenizer's alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def write_tokenizer(path: Path, vocab_size: int) -> None:
    """A byte-level BPE tokenizer.json with exactly vocab_size ids: bytes first, then made-up
    tokens ("ab", "ac", ...) of lowercase letters, every one decodable."""
    alphabet = list(bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(alphabet)}
    letters = "abcdefghijklmnopqrstuvwxyz"
    width = 2
    while len(vocab) < vocab_size:
        for i in range(len(letters) ** width):
            word, k = "", i
            for _ in range(width):
                word, k = letters[k % 26] + word, k // 26
            if word not in vocab:
                vocab[word] = len(vocab)
            if len(vocab) == vocab_size:
                break
        width += 1
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    }
    path.write_text(json.dumps(tok))


def run_generate(pte: Path, tokenizer: Path, new_tokens: int, threads: int) -> dict:
    """One `ember generate` process: its speeds and its peak RSS."""
    cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:threads])
    t0 = time.perf_counter()
    r = subprocess.run(["taskset", "-c", cpus, str(CLI), "generate", str(pte), "--tokenizer",
                        str(tokenizer), "--prompt", "The quick brown fox jumps over the lazy dog",
                        "--max-new-tokens", str(new_tokens), "--eos-id", "-1", "--threads",
                        str(threads)], capture_output=True, text=True, errors="replace")
    wall = time.perf_counter() - t0
    if r.returncode:
        raise SystemExit(f"ember generate failed: {r.stderr}")
    peak = re.search(r"peak memory: ([\d.]+) MiB", r.stderr)
    prefill = re.search(r"prefill: (\d+) tokens in ([\d.]+) ms \(([\d.]+) tokens/s\)", r.stderr)
    decode = re.search(r"decode: (\d+) tokens in ([\d.]+) ms \(([\d.]+) tokens/s\)", r.stderr)
    return {"prefill_tokens": int(prefill[1]), "prefill_tok_s": float(prefill[3]),
            "decode_tokens": int(decode[1]), "decode_ms_per_token": float(decode[2]) / int(decode[1]),
            "decode_tok_s": float(decode[3]), "wall_s": wall,
            "peak_rss": float(peak[1]) * MIB if peak else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default="fp32,int8,int4")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--max-seq-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "llm"))
    args = ap.parse_args()
    if not CLI.exists():
        raise SystemExit("build/bin/ember is not built (make build)")
    import torch
    from transformers import OPTConfig, OPTForCausalLM

    from ember import llm

    work = Path(tempfile.mkdtemp(prefix="ember_generate_"))  # the files and the tokenizer
    torch.manual_seed(0)
    config = OPTConfig()
    model = OPTForCausalLM(config).eval()
    tokenizer = work / "tokenizer.json"
    write_tokenizer(tokenizer, config.vocab_size)
    cache = 2 * config.num_hidden_layers * args.max_seq_len * config.hidden_size * 4
    rows = []
    for fmt in [w.strip() for w in args.weights.split(",") if w.strip()]:
        pte = work / f"opt125m_{fmt}.pte"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exported = llm.export_llm(model, max_seq_len=args.max_seq_len,
                                      weights=None if fmt == "fp32" else fmt)
        pte.write_bytes(exported.buffer)
        res = run_generate(pte, tokenizer, args.new_tokens, args.threads)
        res.update(weights=fmt, file_bytes=pte.stat().st_size, cache_bytes=cache)
        rows.append(res)
        pte.unlink()  # hundreds of MB each
    shutil.rmtree(work)
    lines = [f"# `ember generate`, OPT-125M (random weights), {args.threads} thread(s)", "",
             f"- {args.new_tokens} new tokens after a {rows[0]['prefill_tokens']}-token prompt, greedy; "
             f"KV cache of {args.max_seq_len} positions ({cache / MIB:.1f} MiB); machine: "
             f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
             "- budget: peak RSS <= file + cache + 32 MiB", "",
             "| weights | file | prefill tok/s | decode ms/token | decode tok/s | peak RSS | budget | within |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        budget = r["file_bytes"] + r["cache_bytes"] + 32 * MIB
        rss = r["peak_rss"]
        lines.append(f"| {r['weights']} | {r['file_bytes'] / MIB:.1f} MiB | {r['prefill_tok_s']:.0f} | "
                     f"{r['decode_ms_per_token']:.1f} | {r['decode_tok_s']:.1f} | "
                     + (f"{rss / MIB:.1f} MiB | {budget / MIB:.1f} MiB | {'yes' if rss <= budget else 'NO'} |"
                        if rss else "n/a | - | - |"))
    text = "\n".join(lines) + "\n"
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "generate.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
