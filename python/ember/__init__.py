"""Ember: export PyTorch models to .pte files (ExecuTorch ET12) and run them in C.

    import ember
    program = ember.export(model, (example_input,))
    program.save("model.pte")
    print(program.report())
    outputs = ember.load("model.pte").run(example_input)   # needs libember
    print(ember.bench("model.pte", iters=50))               # latency: min, median, p90, ...

Only exporting needs torch: `import ember` alone does not import it, so a device with just
numpy can load and run .pte files.
"""

from typing import Any

from .bench import bench  # a light module: the runtime and numpy load on the first call
from .errors import EmberError, ExportError


def export(*args: Any, **kwargs: Any) -> "ExportedProgram":
    """Exports an nn.Module to a .pte program; see ember.pipeline.export."""
    from .pipeline import export as _export

    return _export(*args, **kwargs)


def load(*args: Any, **kwargs: Any) -> Any:
    """Loads a .pte (path or bytes) with the C runtime; see ember.runtime.load."""
    from .runtime import load as _load

    return _load(*args, **kwargs)


def generate(program: Any, prompt: Any, tokenizer: Any = None, **options: Any) -> Any:
    """Generates with a language model file (ember.llm.export_llm): `prompt` token ids give
    the new ids (ember.generation.generate); a text prompt with a `tokenizer` (tokenizers'
    Tokenizer or a tokenizer.json path) gives the new text (ember.generation.generate_text).
    Options: max_new_tokens, temperature, top_p, seed, eos_token_id, method."""
    from . import generation

    if isinstance(prompt, str):
        if tokenizer is None:
            raise ValueError("a text prompt needs a tokenizer (a tokenizer.json path or a tokenizers.Tokenizer)")
        return generation.generate_text(program, prompt, tokenizer, **options)
    return generation.generate(program, prompt, **options)


def __getattr__(name: str) -> Any:
    # ExportedProgram lives with the exporter, which needs torch: import it on first use.
    if name == "ExportedProgram":
        from .program import ExportedProgram

        return ExportedProgram
    raise AttributeError(f"module 'ember' has no attribute {name!r}")


__all__ = ["export", "ExportedProgram", "ExportError", "EmberError", "load", "bench", "generate"]
