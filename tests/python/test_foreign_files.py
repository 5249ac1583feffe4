"""Foreign .pte/.bpte files: what other writers produce, which Ember must run as ExecuTorch does.

The fixtures live in tests/data/ and are listed in tests/data/foreign_manifest.json (made by
tests/data/make_writer_files.py, make_legacy_files.py, make_bundled_files.py; see
tests/data/README.md):

- writers: the same export serialised by the Python flatbuffers 25.12 and 25.2.x Builders. The
  25.2.x file has tables whose vtable declares an inline size smaller than their last field
  needs (DataSegment / Int / Double: a u64 at offset 4 in a table declared 8 bytes). FlatBuffers'
  verifier does not bound fields by that size and ExecuTorch runs these files.
- legacy: constants inline in Program.constant_buffer, constant_segment with empty offsets (or
  absent), no segments; ExecuTorch's source-default runtime reads constant_buffer[i].
- header24: ExecuTorch files whose extended header has the older length 24 (no
  segment_data_size field), as in the program inside ExecuTorch's own bundled_program.bpte;
  ExecuTorch accepts any length >= 24.
- bundled: .bpte (BP08) files from ExecuTorch's bundled-program writer. Ember has no bundled API
  yet, so only their structure is checked here.

Ember side (needs libember, no executorch): every .pte fixture runs on `ember.load(path).run`
and equals torch eager's stored outputs (floats within 1e-4 x max(1, max|ref|), ints and bools
exactly); the two writers' files of one model give identical Ember outputs.
ExecuTorch side (skips cleanly, saying why, when executorch is not importable): ExecuTorch's
runtime runs each file as the manifest records; its Python deserializers read them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import types
import warnings

import numpy as np
import pytest

import ember
import zoo
from conftest import REPO, ZOO_RESULTS

DATA = REPO / "tests" / "data"
MANIFEST = DATA / "foreign_manifest.json"
if str(DATA) not in sys.path:
    sys.path.insert(0, str(DATA))
import pte_walk  # noqa: E402  (tests/data/pte_walk.py: a FlatBuffers walker, no dependencies)


def _manifest() -> dict:
    return json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}


def _section(name: str) -> dict:
    return _manifest().get(name, {}).get("files", {})


def _pte_cases():
    """(id, file, inputs, outputs) for every .pte fixture of the manifest."""
    cases = []
    for key, e in _section("writers").items():
        for tag, f in e["pte"].items():
            cases.append((f"writers-{key}-{tag}", f, e["inputs"], e["outputs"]))
    for key, e in _section("legacy").items():
        cases.append((f"legacy-{key}", e["pte"], e["inputs"], e["outputs"]))
    for key, e in _section("header24").items():
        cases.append((f"header24-{key}", e["pte"], e["inputs"], e["outputs"]))
    return cases


PTE_CASES = _pte_cases()


def _load_inputs(files):
    return [np.load(DATA / f) for f in files]


# ----------------------------------------------------------------------------- the fixtures


def test_manifest_lists_the_fixtures():
    m = _manifest()
    assert {"writers", "legacy", "header24", "bundled"} <= set(m), \
        "tests/data/foreign_manifest.json must have the writers, legacy, header24 and bundled sections"
    assert {"mlp", "lenet", "int_bool", "concat_split"} <= set(m["writers"]["files"])
    assert {"mlp", "lenet"} <= set(m["legacy"]["files"])
    assert {"mlp", "lenet", "mlp_wrong"} <= set(m["bundled"]["files"])
    files = set()
    for _, f, ins, outs in PTE_CASES:
        files |= {f, *ins, *outs}
    for e in m["bundled"]["files"].values():
        files.add(e["bpte"])
        for c in e["cases"]:
            files |= {i["tensor"] for i in c["inputs"] if "tensor" in i} | set(c["outputs"])
    for f in sorted(files):
        p = DATA / f
        assert p.is_file(), f"tests/data/{f} is listed in the manifest but missing"
        assert p.stat().st_size < 1 << 20, f"tests/data/{f} is over 1 MiB"


@pytest.mark.parametrize("key", sorted(_section("writers")))
def test_writer_pair_differs_only_in_vtables(key):
    """The fb252 file holds the same program as the fb2512 one, and has the quirk (no executorch
    needed): at least one table whose declared inline size ends before its last field."""
    e = _section("writers")[key]
    new = (DATA / e["pte"]["fb2512"]).read_bytes()
    old = (DATA / e["pte"]["fb252"]).read_bytes()
    diff = pte_walk.compare_writers(new, old)  # raises when the logical content differs
    assert diff["short_tables"][0] == 0, f"{e['pte']['fb2512']} has short tables"
    short = pte_walk.short_tables(old)
    assert short, f"{e['pte']['fb252']} has no table with a short declared size: it proves nothing"
    assert len(short) == len(e["short_tables_fb252"])
    assert all(t.declared_size == 8 and t.extent == 12 for t in short), \
        [(t.path, t.declared_size, t.extent) for t in short]


@pytest.mark.parametrize("key", sorted(_section("legacy")))
def test_legacy_file_structure(key):
    """Constants inline: constant_segment without offsets (or absent), no segments, no extended
    header, constant_buffer[0] the empty placeholder (no executorch needed)."""
    e = _section("legacy")[key]
    buf = (DATA / e["pte"]).read_bytes()
    assert buf[4:8] == b"ET12" and buf[8:12] != b"eh00"
    tables = pte_walk.walk(buf)
    prog = tables[0]
    assert prog.values.get("segments", 0) == 0
    cs = [t for t in tables if t.path == "Program.constant_segment"]
    if key.endswith(".nocs"):
        assert not cs
    else:
        assert len(cs) == 1 and not cs[0].values.get("offsets")
    bufs = [t for t in tables if t.path.startswith("Program.constant_buffer[")]
    assert len(bufs) == e["constants"] + 1
    assert not bufs[0].values.get("storage")


@pytest.mark.parametrize("key", sorted(_section("header24")))
def test_header24_file_structure(key):
    e = _section("header24")[key]
    buf = (DATA / e["pte"]).read_bytes()
    assert buf[4:12] == b"ET12eh00"
    assert int.from_bytes(buf[12:16], "little") == 24
    assert int.from_bytes(buf[16:24], "little") == e["header"]["program_size"]
    assert int.from_bytes(buf[24:32], "little") == e["header"]["segment_base_offset"]
    pte_walk.walk(buf)  # the flatbuffer is intact


@pytest.mark.parametrize("name", sorted(_section("bundled")))
def test_bundled_file_structure(name):
    """The .bpte's identifier and test-case counts, read with tests/data/pte_walk.py."""
    e = _section("bundled")[name]
    buf = (DATA / e["bpte"]).read_bytes()
    assert buf[4:8] == b"BP08"
    tables = pte_walk.walk(buf)
    suites = [t for t in tables if t.type == "BundledMethodTestSuite"]
    assert [(t.values["method_name"], t.values["test_cases"]) for t in suites] == \
        [(s["method_name"], s["test_cases"]) for s in e["method_test_suites"]]
    root = tables[0]
    program = bytes(root.values["program"])
    assert hashlib.sha256(program).hexdigest() == e["program_sha256"]
    assert program[4:8] == b"ET12"


# ----------------------------------------------------------------------------- Ember


@pytest.mark.parametrize("case", PTE_CASES, ids=[c[0] for c in PTE_CASES])
def test_foreign_file_runs_on_ember(case):
    cid, f, in_files, out_files = case
    inputs = _load_inputs(in_files)
    refs = _load_inputs(out_files)
    try:
        outs = ember.load(DATA / f).run(*inputs)
    except BaseException as e:
        ZOO_RESULTS.append({"test": "foreign", "model": cid, "status": "ERROR",
                            "error": f"{type(e).__name__}: {e}"[:300]})
        raise
    max_err, tol, problems = zoo.compare(outs, refs)
    ZOO_RESULTS.append({"test": "foreign", "model": cid, "status": "ok" if not problems else "FAIL",
                        "max_abs_err": max_err, "tol": tol,
                        **({"error": "; ".join(problems)[:300]} if problems else {})})
    print(f"\n[foreign] {cid}: max abs err {max_err:.3e} (tol {tol:.1e})")
    assert not problems, f"tests/data/{f} on Ember: " + "; ".join(problems)


@pytest.mark.parametrize("key", sorted(_section("writers")))
def test_both_writers_give_identical_ember_outputs(key):
    e = _section("writers")[key]
    inputs = _load_inputs(e["inputs"])
    a = ember.load(DATA / e["pte"]["fb2512"]).run(*inputs)
    b = ember.load(DATA / e["pte"]["fb252"]).run(*inputs)
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), \
            f"{key}: output {i} differs between {e['pte']['fb2512']} and {e['pte']['fb252']}"


# ----------------------------------------------------------------------------- ExecuTorch

_ET = None


def _executorch():
    """ExecuTorch's runtime and Python (de)serialisers, or pytest.skip naming what failed."""
    global _ET
    if _ET is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import torch
                from executorch.exir._serialize._program import (
                    PTEFile,
                    deserialize_pte_binary,
                    serialize_pte_binary,
                )
                from executorch.extension.pybindings.portable_lib import (
                    _load_for_executorch_from_buffer,
                )
            _ET = types.SimpleNamespace(torch=torch, load=_load_for_executorch_from_buffer,
                                        deserialize=deserialize_pte_binary,
                                        serialize=serialize_pte_binary, PTEFile=PTEFile)
        except BaseException as e:  # ImportError, or an ABI error from the compiled extension
            _ET = f"ExecuTorch is not usable here: importing it raised {type(e).__name__}: {e}"
    if isinstance(_ET, str):
        pytest.skip(_ET)
    return _ET


def _bundled_api():
    """ExecuTorch's bundled-program deserializer. executorch/devtools/__init__.py imports the
    inspector and so pandas, which bundled_program does not need: register the package without
    running that __init__ (as make_bundled_files.py does)."""
    _executorch()
    try:
        if "executorch.devtools" not in sys.modules:
            spec = importlib.util.find_spec("executorch.devtools")
            pkg = types.ModuleType("executorch.devtools")
            pkg.__path__ = list(spec.submodule_search_locations)
            pkg.__spec__ = spec
            sys.modules["executorch.devtools"] = pkg
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from executorch.devtools.bundled_program.serialize import (
                deserialize_from_flatbuffer_to_bundled_program,
            )
    except BaseException as e:
        pytest.skip(f"ExecuTorch's bundled_program is not importable: {type(e).__name__}: {e}")
    return deserialize_from_flatbuffer_to_bundled_program


def _et_run(et, buf: bytes, inputs):
    # The pybindings' module reads `buf` without holding a reference: the caller keeps it alive.
    outs = et.load(buf).forward([et.torch.from_numpy(x) for x in inputs])
    return [o.numpy() if isinstance(o, et.torch.Tensor) else np.asarray(o) for o in outs]


@pytest.mark.parametrize("key", sorted(_section("writers")))
def test_executorch_runs_both_writers_files(key):
    """ExecuTorch runs both files, with identical outputs, equal to torch except where the
    manifest records a known ExecuTorch 1.5.1 problem (int_bool: its int64 remainder)."""
    et = _executorch()
    e = _section("writers")[key]
    inputs = _load_inputs(e["inputs"])
    refs = _load_inputs(e["outputs"])
    outs = {}
    for tag, f in e["pte"].items():
        buf = (DATA / f).read_bytes()
        outs[tag] = _et_run(et, buf, inputs)
        _, _, problems = zoo.compare(outs[tag], refs)
        assert problems == e["executorch"][tag].get("problems", []), \
            f"ExecuTorch on tests/data/{f}: {problems}"
    for x, y in zip(outs["fb2512"], outs["fb252"]):
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)


@pytest.mark.parametrize("key", sorted(_section("legacy")))
def test_executorch_reads_legacy_file(key):
    """ExecuTorch's Python deserializer reads the inline constants; the same program with them
    moved back into a segment (serialize_pte_binary) runs on ExecuTorch's runtime and equals
    torch. The legacy file itself: the pip runtime either runs it and equals torch, or refuses it
    with the error its CMake build's ET_ENABLE_DEPRECATED_CONSTANT_BUFFER=0 gives (0x23)."""
    et = _executorch()
    e = _section("legacy")[key]
    buf = (DATA / e["pte"]).read_bytes()
    inputs = _load_inputs(e["inputs"])
    refs = _load_inputs(e["outputs"])
    pte = et.deserialize(buf)
    program = pte.program
    assert len(program.constant_buffer) == e["constants"] + 1
    assert not program.segments
    reseg = bytes(et.serialize(et.PTEFile(program=program)))
    _, _, problems = zoo.compare(_et_run(et, reseg, inputs), refs)
    assert not problems, f"{e['pte']} re-segmented, on ExecuTorch: {problems}"
    try:
        outs = _et_run(et, buf, inputs)
    except RuntimeError as err:
        assert "0x23" in str(err), f"ExecuTorch refused tests/data/{e['pte']} unexpectedly: {err}"
        print(f"\n[legacy] ExecuTorch's runtime here has the constant_buffer path compiled out: {err}")
        return
    _, _, problems = zoo.compare(outs, refs)
    assert not problems, f"ExecuTorch on tests/data/{e['pte']}: {problems}"


@pytest.mark.parametrize("key", sorted(_section("header24")))
def test_executorch_runs_header24_file(key):
    et = _executorch()
    e = _section("header24")[key]
    buf = (DATA / e["pte"]).read_bytes()
    _, _, problems = zoo.compare(_et_run(et, buf, _load_inputs(e["inputs"])), _load_inputs(e["outputs"]))
    assert not problems, f"ExecuTorch on tests/data/{e['pte']}: {problems}"


@pytest.mark.parametrize("name", sorted(_section("bundled")))
def test_executorch_parses_bundled_file(name):
    """ExecuTorch's own bundled-program deserializer reads the .bpte: identifier, suites and
    test-case counts (inputs, expected outputs per case) as the manifest records."""
    deserialize = _bundled_api()
    e = _section("bundled")[name]
    buf = (DATA / e["bpte"]).read_bytes()
    assert buf[4:8] == b"BP08"
    bp = deserialize(buf)
    got = [{"method_name": s.method_name, "test_cases": len(s.test_cases),
            "inputs_per_case": [len(c.inputs) for c in s.test_cases],
            "expected_outputs_per_case": [len(c.expected_outputs) for c in s.test_cases]}
           for s in bp.method_test_suites]
    assert got == e["method_test_suites"]
    assert hashlib.sha256(bytes(bp.program)).hexdigest() == e["program_sha256"]
