"""Writes the two-writer fixtures of tests/data/: the same Ember-exported programs serialised by
two versions of the Python `flatbuffers` Builder.

    .venv/bin/python tests/data/make_writer_files.py [--fb252-wheel PATH]

Why: flatbuffers 25.2.x (the version ExecuTorch's `ethos-u` extra pins through tosa-tools)
keys its vtable de-duplication cache on the field offsets alone, not on the table's inline size,
so a table may reuse an earlier vtable that declares a smaller table: e.g. a DataSegment whose
u64 `size` sits at offset 4 (extent 12) pointing at an 8-byte vtable. 25.12.x puts the size in
the key and writes a vtable of its own. FlatBuffers' C++ verifier bounds fields by the buffer,
not by the declared table size, so ExecuTorch runs both files; a reader must too.

For each model of tests/python/zoo.py below (fixed seeds), `ember.export(model, inputs)` runs
twice, in two subprocesses: once with this venv's flatbuffers (25.12.x) and once with the
flatbuffers 25.2.10 wheel put first on sys.path (never installed; downloaded with
`pip download flatbuffers==25.2.10 --no-deps` into a temporary folder unless --fb252-wheel names
one). Written:

    fbw_NAME.fb2512.pte, fbw_NAME.fb252.pte      the two serialisations
    fbw_NAME.inI.npy, fbw_NAME.outI.npy          inputs, torch eager's outputs (the reference)
    foreign_manifest.json["writers"]             per model: files, how the two files differ
                                                 (tables/vtable fields, from pte_walk.py), and
                                                 ExecuTorch's runtime verdict on each file

ExecuTorch 1.5's own serializer also writes the flatbuffer with the Python flatbuffers package
(exir/_serialize/_flatbuffer_program.py), so for ET_MODELS the same two-writer pair is made with
`to_edge(torch.export.export(m, x)).to_executorch().buffer` in the two subprocesses:
fbw_et_NAME.fb252.pte is what ExecuTorch writes when flatbuffers 25.2.x is installed beside it.
Its 25.12 twin is byte-identical to et_NAME.pte (make_et_files.py) where that exists, and the
manifest then names et_NAME.pte instead of storing the bytes twice.

Needs executorch (its portable-ops pybindings) for the verdict; it exits when it is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MANIFEST = HERE / "foreign_manifest.json"
MODELS = ["mlp", "lenet", "int_bool", "concat_split"]  # exported by ember.export
# Exported by ExecuTorch itself: since 1.5 its serializer writes the flatbuffer with the Python
# flatbuffers package too, so ExecuTorch installed beside flatbuffers 25.2.x writes such files.
ET_MODELS = ["mlp", "concat_split"]
WRITERS = {"fb2512": None, "fb252": "25.2.10"}  # None: the venv's flatbuffers
MAX_BYTES = 1 << 20


def _child(wheel: str, exporter: str, model: str, out: str) -> None:
    """Runs in a subprocess: exports `model` with `exporter` (ember or executorch), using the
    flatbuffers package found first on sys.path."""
    if wheel != "-":
        sys.path.insert(0, wheel)
    sys.path.insert(0, str(REPO / "python"))
    sys.path.insert(0, str(REPO / "tests" / "python"))
    import flatbuffers
    import zoo

    m, x = zoo.get(model)
    if exporter == "ember":
        import ember

        buf = ember.export(m, x).buffer
    else:
        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from executorch.exir import to_edge

            buf = to_edge(torch.export.export(m, x)).to_executorch().buffer
    Path(out).write_bytes(bytes(buf))
    print(json.dumps({"flatbuffers": getattr(flatbuffers, "__version__", "unknown"),
                      "flatbuffers_file": flatbuffers.__file__}))


def _export(wheel: str, exporter: str, model: str, out: Path) -> str:
    r = subprocess.run([sys.executable, __file__, "--child", wheel, exporter, model, str(out)],
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{exporter} export of {model} with {wheel} failed:\n{r.stderr[-3000:]}")
    info = json.loads(r.stdout.strip().splitlines()[-1])
    return info["flatbuffers"]


def update_manifest(section: str, entries: dict, extra: dict) -> None:
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    manifest[section] = {**extra, "files": entries}
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


def _describe(d: dict) -> str:
    """One line per table whose vtable entries differ: 'PATH (TYPE): field 25.12 -> 25.2'."""
    parts = []
    for key in ("declared_size", "vtable_size"):
        if key in d:
            parts.append(f"{key} {d[key][0]} -> {d[key][1]}")
    if "field_offsets" in d:
        a, b = d["field_offsets"]
        moved = [f"{k}@{a.get(k)}->{b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        parts.append("field offsets " + " ".join(moved))
    return f"{d['path']} ({d['type']}): " + ", ".join(parts) + f"; extent {d['extent'][1]}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fb252-wheel", help="path of flatbuffers-25.2.10-py2.py3-none-any.whl")
    args = ap.parse_args()

    import numpy as np
    import torch

    sys.path.insert(0, str(REPO / "tests" / "python"))
    sys.path.insert(0, str(HERE))
    import pte_walk
    import zoo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer
    from importlib.metadata import version

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.fb252_wheel
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "flatbuffers==25.2.10",
                            "--no-deps", "-q", "-d", tmp], check=True)
            wheel = str(next(Path(tmp).glob("flatbuffers-25.2.10-*.whl")))
        entries = {}
        jobs = [("ember", m) for m in MODELS] + [("executorch", m) for m in ET_MODELS]
        for exporter, name in jobs:
            key = name if exporter == "ember" else f"et_{name}"
            model, inputs = zoo.get(name)
            refs = zoo.reference(model, inputs)
            files, versions, bufs = {}, {}, {}
            for tag, want in WRITERS.items():
                fname = f"fbw_{key}.{tag}.pte"
                versions[tag] = _export(wheel if want else "-", exporter, name, HERE / fname)
                if want:
                    assert versions[tag] == want, f"{tag}: got flatbuffers {versions[tag]}"
                bufs[tag] = (HERE / fname).read_bytes()
                assert len(bufs[tag]) < MAX_BYTES
                files[tag] = fname
                # ExecuTorch's file written with this venv's flatbuffers is et_NAME.pte
                # (make_et_files.py): refer to it rather than store the same bytes twice.
                same = HERE / f"et_{name}.pte"
                if exporter == "executorch" and not want and same.exists() \
                        and same.read_bytes() == bufs[tag]:
                    (HERE / fname).unlink()
                    files[tag] = same.name
            # Inputs and outputs depend on the model only: shared by both exporters.
            in_files, out_files = [], []
            for i, x in enumerate(inputs):
                f = f"fbw_{name}.in{i}.npy"
                np.save(HERE / f, x.numpy())
                in_files.append(f)
            for i, r in enumerate(refs):
                f = f"fbw_{name}.out{i}.npy"
                np.save(HERE / f, r)
                out_files.append(f)

            new, old = bufs["fb2512"], bufs["fb252"]
            diff = pte_walk.compare_writers(new, old)
            old_tables = pte_walk.walk(old)
            short, short_types = [], set()
            for t in pte_walk.short_tables(old):
                short_types.add(t.type)
                owner = pte_walk.vtable_owner(old_tables, t)
                fields = ", ".join(f"{k} at {v}" for k, v in t.field_offsets.items())
                short.append(f"{t.path} ({t.type}): vtable {t.vtable} declares {t.declared_size} "
                             f"bytes; {fields}, ends at {t.extent}; vtable written for "
                             + (f"{owner.path} ({owner.type})" if owner else "?"))
            assert not pte_walk.short_tables(new), f"{name}: the 25.12 file has short tables"
            assert short, f"{name}: the 25.2 file has no short table; it would prove nothing"
            differing_bytes = sum(a != b for a, b in zip(new, old)) + abs(len(new) - len(old))
            hdr = lambda b: int.from_bytes(b[16:24], "little") if b[8:12] == b"eh00" else len(b)

            # ExecuTorch's runtime on both files.
            et = {}
            et_outs = {}
            for tag, buf in bufs.items():
                try:
                    outs = _load_for_executorch_from_buffer(buf).forward(list(inputs))
                    outs = [o.numpy() if isinstance(o, torch.Tensor) else np.asarray(o) for o in outs]
                    _, _, problems = zoo.compare(outs, refs)
                    et[tag] = {"runs": True, "matches_torch": not problems,
                               **({"problems": problems} if problems else {})}
                    et_outs[tag] = outs
                except Exception as e:  # noqa: BLE001 -- recorded, then the script fails
                    et[tag] = {"runs": False, "error": f"{type(e).__name__}: {e}"}
            same = (len(et_outs) == 2 and all(
                a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
                for a, b in zip(et_outs["fb2512"], et_outs["fb252"])))
            entries[key] = {
                "exporter": "ember.export" if exporter == "ember"
                            else "executorch to_edge(export()).to_executorch()",
                "model": name,
                "pte": files,
                "flatbuffers": versions,
                "bytes": {k: len(v) for k, v in bufs.items()},
                "flatbuffer_bytes": {k: hdr(v) for k, v in bufs.items()},
                "inputs": in_files,
                "outputs": out_files,
                "tables": diff["tables"],
                "vtables_written": dict(zip(WRITERS, diff["vtables"])),
                "short_tables_fb252": short,
                "tables_with_different_vtable_entries": len(diff["differing_tables"]),
                "differing_tables": [_describe(d) for d in diff["differing_tables"]],
                "bytes_that_differ": differing_bytes,
                "executorch": et,
                "executorch_outputs_identical_between_writers": same,
            }
            print(f"{key}: {len(new)}/{len(old)} bytes, flatbuffer {hdr(new)}/{hdr(old)}, vtables "
                  f"{diff['vtables'][0]}/{diff['vtables'][1]}, short tables in fb252: {len(short)} "
                  f"({', '.join(sorted(short_types))}); ExecuTorch: {et}")
            if not all(v["runs"] for v in et.values()) or not same:
                raise SystemExit(f"{name}: ExecuTorch does not run both files alike: {et}")

    update_manifest("writers", entries, {
        "made_by": "tests/data/make_writer_files.py",
        "executorch": version("executorch"),
        "torch": torch.__version__,
        "what": "one export (Ember's, or ExecuTorch's for et_*) serialised by two Python "
                "flatbuffers Builders; the fb252 file "
                "has tables whose vtable declares a smaller inline size than their last field "
                "needs (the 25.2.x Builder de-duplicates vtables by field offsets only)",
        "why": "flatbuffers 25.2.10 Builder.WriteVtable looks a finished table's vtable up in its "
               "cache by the field offsets alone (trailing absent fields trimmed) and reuses any "
               "earlier vtable with the same offsets, keeping that vtable's declared inline size; "
               "25.12.19 adds the table's own size to the key and writes a new vtable. So in the "
               "fb252 file fewer vtables are written, some tables (DataSegment, Int, Double: an "
               "8-byte scalar at offset 4, extent 12) point at an 8-byte-table vtable, and the "
               "flatbuffer is shorter, which shifts offsets and alignment padding after it (the "
               "files differ in many bytes, not only in vtable size fields); the logical "
               "content read through the schema is identical (pte_walk.compare_writers)",
    })


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
    else:
        main()
