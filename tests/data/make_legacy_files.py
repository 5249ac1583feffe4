"""Writes the legacy-constants fixtures of tests/data/: ExecuTorch programs whose constants live
inline in the flatbuffer's `constant_buffer` (Program field 2), as files from before ExecuTorch
0.4 (and its own test file test/models/deprecated/ModuleLinear-no-constant-segment.pte) do.

    .venv/bin/python tests/data/make_legacy_files.py     # needs executorch

For each model of tests/python/zoo.py below (fixed seeds):

1. `to_edge(torch.export.export(model, inputs)).to_executorch().buffer`, ExecuTorch's default
   flow, which keeps constants in a data segment (constant_segment.offsets = [0, ...]).
2. ExecuTorch's own deserializer (`executorch.exir._serialize._program.deserialize_pte_binary`)
   reads it back. It moves the constant segment into `Program.constant_buffer` (entry 0 the
   reserved empty buffer, every other entry the tensor's bytes plus the padding up to the next
   16-byte boundary), leaves `constant_segment` = SubsegmentOffsets{segment_index 0, offsets []}
   and clears `segments`.
3. ExecuTorch's own flatbuffer writer (`_flatbuffer_program._program_to_flatbuffer`, with the
   16-byte tensor alignment) serialises that Program as it is: no segments, so no extended
   header. That is `legacy_NAME.pte`: the same bytes an old exporter wrote, in today's schema.
   The `.nocs` variant (mlp only) also drops the `constant_segment` table altogether, the layout
   of files written before that field existed.

Also, for HEADER24_MODELS: `hdr24_NAME.pte`, ExecuTorch's file with the extended header of older
exporters: length 24 (magic, length, program_size, segment_base_offset; no segment_data_size).
Made from the default-flow bytes by setting the header's length field from 32 to 24 and zeroing
the 8 bytes that held segment_data_size (nothing refers to them then). ExecuTorch's runtime
(runtime/executor/ExtendedHeader: length >= 24, segment_data_size read only when length >= 32)
and its Python reader (_ExtendedHeader.MINIMUM_LENGTH = 24) accept it. The program inside
ExecuTorch's own extension/module/test/resources/bundled_program.bpte has such a header.
Recorded in foreign_manifest.json["header24"]; its inputs and outputs are the legacy_NAME ones.

Checks recorded in foreign_manifest.json["legacy"]:
- the structure (pte_walk.py): constant_segment offsets empty (or the table absent), no
  segments, no `eh00` header, constant_buffer[0] empty, every storage 16-byte aligned;
- ExecuTorch's runtime (pip executorch, portable ops) on the file. NOTE: ExecuTorch's CMake
  build defines ET_ENABLE_DEPRECATED_CONSTANT_BUFFER=0 (its CMakeLists.txt, since May 2026), so
  the pip runtime refuses these files ("PTE file relies on the constant_buffer path, which is
  disabled in this build", Error::InvalidProgram 0x23) — as it refuses ModuleLinear-no-constant-
  segment.pte. The source default (runtime/executor/program.cpp, Buck builds) is 1: that build
  reads constant_buffer[i] when constant_segment is absent or its offsets are empty. The
  verdict is recorded as it is;
- ExecuTorch's Python side round trip: deserialize the legacy file, `serialize_pte_binary` it
  again (constants go back into a segment), run that on ExecuTorch's runtime: equals torch.
  This shows constant_buffer holds the right bytes at the right indices, by ExecuTorch's reading;
- if tests/data/et_legacy_shim.so exists (see et_legacy_shim.cpp: built by hand, never
  committed), the legacy file also runs in a subprocess with that shim preloaded, which restores
  the source-default constant_buffer path in the pip runtime.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MANIFEST = HERE / "foreign_manifest.json"
MODELS = ["mlp", "lenet", "slicing"]
HEADER24_MODELS = ["mlp", "slicing"]
NO_CONSTANT_SEGMENT = ["mlp"]  # also write legacy_NAME.nocs.pte without the constant_segment table
MAX_BYTES = 1 << 20
SHIM = HERE / "et_legacy_shim.so"


def update_manifest(section: str, entries: dict, extra: dict) -> None:
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    manifest[section] = {**extra, "files": entries}
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


def _structure(buf: bytes) -> dict:
    import pte_walk

    tables = pte_walk.walk(buf)
    prog = tables[0]
    cs = next((t for t in tables if t.path == "Program.constant_segment"), None)
    bufs = [t for t in tables if t.path.startswith("Program.constant_buffer[")]
    storages = []
    for t in bufs:
        off = t.field_offsets.get("storage")
        if off is None:
            storages.append((0, None))
            continue
        vec = t.pos + off + int.from_bytes(buf[t.pos + off:t.pos + off + 4], "little")
        storages.append((len(t.values["storage"]), (vec + 4) % 16))
    return {
        "identifier": buf[4:8].decode(),
        "extended_header": buf[8:12] == b"eh00",
        "constant_segment": None if cs is None else {
            "segment_index": cs.values.get("segment_index", 0), "offsets": cs.values.get("offsets")},
        "segments": prog.values.get("segments", 0),
        "constant_buffer_sizes": [n for n, _ in storages],
        "constant_buffer_data_mod_16": sorted({a for n, a in storages if n}),
    }


def _run_with_shim(path: Path, inputs_npz: Path) -> dict:
    """Runs `path` on ExecuTorch's pybindings in a subprocess with the shim preloaded."""
    code = (
        "import sys, warnings, numpy as np, torch\n"
        "warnings.simplefilter('ignore')\n"
        "from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer\n"
        f"d = np.load({str(inputs_npz)!r})\n"
        "xs = [torch.from_numpy(d[f'in{i}']) for i in range(len(d.files))]\n"
        # Keep the bytes alive: the pybindings' Module reads them (lazily) without a reference.
        f"data = open({str(path)!r}, 'rb').read()\n"
        "outs = _load_for_executorch_from_buffer(data).forward(xs)\n"
        f"np.savez({str(inputs_npz.with_suffix('.out.npz'))!r}, *[o.numpy() for o in outs])\n"
    )
    env = dict(os.environ, LD_PRELOAD=str(SHIM))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if r.returncode:
        return {"runs": False, "error": (r.stderr.strip().splitlines() or ["?"])[-1][:300]}
    import numpy as np

    o = np.load(inputs_npz.with_suffix(".out.npz"))
    return {"runs": True, "outputs": [o[f"arr_{i}"] for i in range(len(o.files))]}


def main() -> None:
    import tempfile

    import numpy as np
    import torch

    sys.path.insert(0, str(REPO / "tests" / "python"))
    sys.path.insert(0, str(HERE))
    import zoo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from executorch.exir import to_edge
        from executorch.exir._serialize._flatbuffer_program import _program_to_flatbuffer
        from executorch.exir._serialize._program import (
            PTEFile,
            deserialize_pte_binary,
            serialize_pte_binary,
        )
        from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer
    from importlib.metadata import version

    def et_run(buf, inputs, refs):
        buf = bytes(buf)  # kept alive while the module lives: the pybindings do not copy it
        try:
            outs = _load_for_executorch_from_buffer(buf).forward(list(inputs))
        except Exception as e:  # noqa: BLE001 -- the verdict is recorded
            return {"runs": False, "error": f"{type(e).__name__}: {e}"}
        outs = [o.numpy() if isinstance(o, torch.Tensor) else np.asarray(o) for o in outs]
        _, _, problems = zoo.compare(outs, refs)
        return {"runs": True, "matches_torch": not problems, **({"problems": problems} if problems else {})}

    entries, hdr_entries = {}, {}
    tmp = Path(tempfile.mkdtemp())
    for name in MODELS:
        model, inputs = zoo.get(name)
        refs = zoo.reference(model, inputs)
        et_buf = bytes(to_edge(torch.export.export(model, inputs)).to_executorch().buffer)
        pte = deserialize_pte_binary(et_buf)
        program = pte.program
        assert pte.named_data is None and pte.mutable_data is None and not program.segments
        assert program.constant_segment is not None and program.constant_segment.offsets == []
        assert len(program.constant_buffer) > 1 and len(program.constant_buffer[0].storage) == 0

        variants = {"": program}
        if name in NO_CONSTANT_SEGMENT:
            import copy

            nocs = copy.deepcopy(program)
            nocs.constant_segment = None
            variants[".nocs"] = nocs

        in_files, out_files = [], []
        for i, x in enumerate(inputs):
            f = f"legacy_{name}.in{i}.npy"
            np.save(HERE / f, x.numpy())
            in_files.append(f)
        for i, r in enumerate(refs):
            f = f"legacy_{name}.out{i}.npy"
            np.save(HERE / f, r)
            out_files.append(f)
        npz = tmp / f"{name}.npz"
        np.savez(npz, **{f"in{i}": x.numpy() for i, x in enumerate(inputs)})

        for suffix, prog in variants.items():
            buf = bytes(_program_to_flatbuffer(prog, constant_tensor_alignment=16).data)
            assert len(buf) < MAX_BYTES, f"{name}: {len(buf)} bytes"
            fname = f"legacy_{name}{suffix}.pte"
            (HERE / fname).write_bytes(buf)
            st = _structure(buf)
            assert not st["extended_header"] and st["segments"] == 0
            assert st["constant_buffer_sizes"][0] == 0 and st["constant_buffer_data_mod_16"] == [0]
            assert (st["constant_segment"] is None) == (suffix == ".nocs")
            # ExecuTorch's Python reading of the file, segmented again, on its runtime.
            back = deserialize_pte_binary(buf)
            assert [bytes(b.storage) for b in back.program.constant_buffer] == \
                [bytes(b.storage) for b in program.constant_buffer]
            reseg = bytes(serialize_pte_binary(PTEFile(program=back.program)))
            entry = {
                "pte": fname,
                "bytes": len(buf),
                "made_from": "ExecuTorch's to_edge(export()).to_executorch() program, "
                             "deserialize_pte_binary, _program_to_flatbuffer"
                             + (", constant_segment removed" if suffix else ""),
                "inputs": in_files,
                "outputs": out_files,
                "structure": st,
                "constants": len(program.constant_buffer) - 1,
                "executorch_runtime": et_run(buf, inputs, refs),
                "executorch_resegmented_runtime": et_run(reseg, inputs, refs),
            }
            if SHIM.exists():
                r = _run_with_shim(HERE / fname, npz)
                if r["runs"]:
                    _, _, problems = zoo.compare(r.pop("outputs"), refs)
                    r.update(matches_torch=not problems, **({"problems": problems} if problems else {}))
                entry["executorch_runtime_with_constant_buffer_shim"] = r
            entries[f"{name}{suffix}"] = entry
            print(f"{fname}: {len(buf)} bytes, {entry['constants']} constants; ExecuTorch: "
                  f"{entry['executorch_runtime']}; re-segmented: {entry['executorch_resegmented_runtime']}"
                  + (f"; with shim: {entry.get('executorch_runtime_with_constant_buffer_shim')}"
                     if SHIM.exists() else ""))
            assert entry["executorch_resegmented_runtime"].get("matches_torch"), entry

        if name in HEADER24_MODELS:
            assert et_buf[8:12] == b"eh00" and int.from_bytes(et_buf[12:16], "little") == 32
            buf = bytearray(et_buf)
            buf[12:16] = (24).to_bytes(4, "little")
            buf[32:40] = bytes(8)
            buf = bytes(buf)
            fname = f"hdr24_{name}.pte"
            (HERE / fname).write_bytes(buf)
            back = deserialize_pte_binary(buf)  # ExecuTorch's Python reader
            assert [bytes(b.storage) for b in back.program.constant_buffer] == \
                [bytes(b.storage) for b in program.constant_buffer]
            hdr_entries[name] = {
                "pte": fname,
                "bytes": len(buf),
                "made_from": "ExecuTorch's to_edge(export()).to_executorch() bytes; extended header "
                             "length 32 -> 24, bytes 32..39 (segment_data_size) zeroed",
                "header": {"length": 24,
                           "program_size": int.from_bytes(buf[16:24], "little"),
                           "segment_base_offset": int.from_bytes(buf[24:32], "little")},
                "inputs": in_files,
                "outputs": out_files,
                "executorch_runtime": et_run(buf, inputs, refs),
            }
            print(f"{fname}: {len(buf)} bytes; ExecuTorch: {hdr_entries[name]['executorch_runtime']}")
            assert hdr_entries[name]["executorch_runtime"].get("matches_torch"), hdr_entries[name]

    update_manifest("header24", hdr_entries, {
        "made_by": "tests/data/make_legacy_files.py",
        "executorch": version("executorch"),
        "torch": torch.__version__,
        "what": "extended header of length 24 (no segment_data_size), as older exporters wrote",
    })
    update_manifest("legacy", entries, {
        "made_by": "tests/data/make_legacy_files.py",
        "executorch": version("executorch"),
        "torch": torch.__version__,
        "what": "constants inline in Program.constant_buffer, constant_segment with empty offsets "
                "(or absent: .nocs), no segments, no extended header",
    })


if __name__ == "__main__":
    main()
