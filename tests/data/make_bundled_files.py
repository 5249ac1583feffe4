"""Writes the bundled-program fixtures of tests/data/: `.bpte` files (FlatBuffers identifier BP08)
made by ExecuTorch's own bundled-program writer. A bundled program wraps an ExecuTorch program
with, per method, test cases: the inputs and the expected outputs (a Value union: Tensor, Int,
Bool, Double). Schema: ExecuTorch's devtools/bundled_program/schema/bundled_program_schema.fbs.

    .venv/bin/python tests/data/make_bundled_files.py     # needs executorch

For each bundle below:
1. the program is ExecuTorch's default flow, `to_edge(torch.export.export(m, case0)).to_executorch()`
   (for the zoo models the same bytes as tests/data/et_NAME.pte; the manifest says so);
2. test cases: case 0 uses the zoo's example inputs, later cases seeded random inputs of the same
   shapes and dtypes; the expected outputs are torch eager's;
3. `executorch.devtools.bundled_program.core.BundledProgram` + `config.MethodTestCase/MethodTestSuite`
   bundle them, `serialize.serialize_from_bundled_program_to_flatbuffer` writes the bytes;
4. ExecuTorch's runtime checks every case: `_load_bundled_program_from_buffer(bpte)
   .verify_result_with_bundled_expected_output("forward", i, rtol, atol)` (1.5.1's pybindings;
   it runs the case's inputs and compares with its expected outputs), and its Python
   deserializer reads the file back (test-case counts). Recorded in foreign_manifest.json["bundled"].

`bundled_mlp_wrong.bpte` holds one deliberately wrong case: its expected output 0 has element
[0, 0] raised by 1.0 (case 1). A test runner must report that case as failed and the other as
passed; ExecuTorch's verification does. Its .npy outputs are torch's (correct) values.

`bundled_scale_shift.bpte` has scalar inputs: forward(x: Tensor, k: int, s: float) = x * k + s.
torch.export specialises k and s, so the program's inputs 1 and 2 are an Int and a Double value,
and a runtime must accept exactly those values (ExecuTorch checks equality); the bundle stores
them as Int and Double Values.

Files: bundled_NAME.bpte; bundled_NAME.cK.inI.npy / .cK.outI.npy for tensor inputs and torch's
outputs of case K (scalar inputs are in the manifest only).

Workaround: `import executorch.devtools` runs devtools/__init__.py, which imports the
inspector and so pandas (not installed here, and not needed by bundled_program). The
generator (and tests/python/test_foreign_files.py) registers an empty package object for
`executorch.devtools` whose __path__ is the real folder, so its subpackages import without
running that __init__. Nothing is installed and torch is not touched.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import types
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MANIFEST = HERE / "foreign_manifest.json"
MAX_BYTES = 1 << 20
RTOL = 0.0
ATOL_REL = 1e-4  # atol = ATOL_REL * max(1, max |expected|) over the case's float outputs


def import_bundled_program_api():
    """ExecuTorch's bundled-program writer and reader, without executorch/devtools/__init__.py
    (it imports pandas through the inspector)."""
    if "executorch.devtools" not in sys.modules:
        spec = importlib.util.find_spec("executorch.devtools")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("executorch.devtools not found")
        pkg = types.ModuleType("executorch.devtools")
        pkg.__path__ = list(spec.submodule_search_locations)
        pkg.__spec__ = spec
        sys.modules["executorch.devtools"] = pkg
    from executorch.devtools.bundled_program.config import MethodTestCase, MethodTestSuite
    from executorch.devtools.bundled_program.core import BundledProgram
    from executorch.devtools.bundled_program.serialize import (
        deserialize_from_flatbuffer_to_bundled_program,
        serialize_from_bundled_program_to_flatbuffer,
    )

    return (BundledProgram, MethodTestCase, MethodTestSuite,
            serialize_from_bundled_program_to_flatbuffer, deserialize_from_flatbuffer_to_bundled_program)


def update_manifest(section: str, entries: dict, extra: dict) -> None:
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    manifest[section] = {**extra, "files": entries}
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


def main() -> None:
    import numpy as np
    import torch

    sys.path.insert(0, str(REPO / "tests" / "python"))
    sys.path.insert(0, str(HERE))
    import pte_walk
    import zoo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from executorch.exir import to_edge
        from executorch.extension.pybindings.portable_lib import _load_bundled_program_from_buffer
        (BundledProgram, MethodTestCase, MethodTestSuite, serialize, deserialize) = \
            import_bundled_program_api()
    from importlib.metadata import version

    class ScaleShift(torch.nn.Module):
        def forward(self, x, k: int, s: float):
            return x * k + s

    def like(inputs, seed):
        """Seeded random inputs with the shapes and dtypes of `inputs`."""
        g = torch.Generator().manual_seed(seed)
        out = []
        for x in inputs:
            if x.dtype.is_floating_point:
                out.append(torch.randn(x.shape, generator=g, dtype=x.dtype))
            else:
                out.append(torch.randint(-5, 6, x.shape, generator=g, dtype=x.dtype))
        return tuple(out)

    def int_bool_case(seed):
        # a >= 0: ExecuTorch 1.5.1's portable remainder is C's on negative int64 (tests/data/README.md),
        # so with these inputs ExecuTorch's own verification can pass; torch is the reference.
        g = torch.Generator().manual_seed(seed)
        return (torch.randint(0, 6, (3, 5), generator=g, dtype=torch.long),
                torch.randint(-5, 6, (3, 5), generator=g, dtype=torch.long),
                torch.randn(3, 5, generator=g))

    # name -> (model, list of input tuples, index of the wrong case or None, program source)
    bundles = {}
    for name, n_cases in (("mlp", 3), ("lenet", 2), ("concat_split", 2)):
        model, inputs = zoo.get(name)
        bundles[name] = (model, [inputs] + [like(inputs, 100 + k) for k in range(1, n_cases)], None, name)
    model, _ = zoo.get("int_bool")
    bundles["int_bool"] = (model, [int_bool_case(200), int_bool_case(201)], None, None)
    g = torch.Generator().manual_seed(300)
    bundles["scale_shift"] = (ScaleShift().eval(),
                              [(torch.randn(2, 3, generator=g), 3, 0.5),
                               (torch.randn(2, 3, generator=g), 3, 0.5)], None, None)
    model, inputs = zoo.get("mlp")
    bundles["mlp_wrong"] = (model, [inputs, like(inputs, 101)], 1, "mlp")

    entries = {}
    for name, (model, cases, wrong, et_name) in bundles.items():
        prog = to_edge(torch.export.export(model, cases[0])).to_executorch()
        program_bytes = bytes(prog.buffer)
        test_cases, case_entries = [], []
        for k, inputs in enumerate(cases):
            refs = zoo.reference(model, tuple(inputs))
            expected = [torch.from_numpy(r.copy()) for r in refs]
            if k == wrong:
                expected[0][0, 0] += 1.0
            test_cases.append(MethodTestCase(inputs=list(inputs), expected_outputs=expected))
            in_desc, out_files = [], []
            for i, x in enumerate(inputs):
                if isinstance(x, torch.Tensor):
                    f = f"bundled_{name}.c{k}.in{i}.npy"
                    np.save(HERE / f, x.numpy())
                    in_desc.append({"tensor": f})
                elif isinstance(x, bool):
                    in_desc.append({"bool": x})
                elif isinstance(x, int):
                    in_desc.append({"int": x})
                else:
                    in_desc.append({"double": x})
            for i, r in enumerate(refs):
                f = f"bundled_{name}.c{k}.out{i}.npy"
                np.save(HERE / f, r)
                out_files.append(f)
            floats = [np.abs(r.astype(np.float64)).max() for r in refs if r.dtype.kind == "f" and r.size]
            case_entries.append({
                "inputs": in_desc,
                "outputs": out_files,
                "expected_outputs_are_torch": k != wrong,
                **({"wrong": "expected output 0, element [0, 0], is torch's + 1.0"} if k == wrong else {}),
                "atol": ATOL_REL * max([1.0] + floats),
            })
        bp = BundledProgram(prog, [MethodTestSuite(method_name="forward", test_cases=test_cases)])
        data = bytes(serialize(bp))
        assert data[4:8] == b"BP08" and len(data) < MAX_BYTES, (name, len(data))
        fname = f"bundled_{name}.bpte"
        (HERE / fname).write_bytes(data)

        # ExecuTorch's Python reading of the file.
        back = deserialize(data)
        suites = [(s.method_name, len(s.test_cases),
                   [(len(c.inputs), len(c.expected_outputs)) for c in s.test_cases])
                  for s in back.method_test_suites]
        assert bytes(back.program) == program_bytes
        # ... and this repository's walker (no executorch): same counts.
        tables = pte_walk.walk(data)
        n_cases_walk = sum(1 for t in tables if t.type == "BundledMethodTestCase")
        assert n_cases_walk == len(cases)

        # ExecuTorch's runtime verdict on each case.
        bm = _load_bundled_program_from_buffer(data)
        for k, c in enumerate(case_entries):
            try:
                bm.verify_result_with_bundled_expected_output("forward", k, RTOL, c["atol"])
                c["executorch_verify"] = "pass"
            except Exception as e:  # noqa: BLE001 -- the verdict is recorded
                c["executorch_verify"] = f"fail: {type(e).__name__}: {e}"
        verdicts = [c["executorch_verify"] == "pass" for c in case_entries]
        want = [k != wrong for k in range(len(cases))]

        et_file = HERE / f"et_{et_name}.pte" if et_name else None
        entries[name] = {
            "bpte": fname,
            "bytes": len(data),
            "identifier": "BP08",
            "version": back.version,
            "program_bytes": len(program_bytes),
            "program_sha256": hashlib.sha256(program_bytes).hexdigest(),
            **({"program_equals": et_file.name} if et_file and et_file.exists()
               and et_file.read_bytes() == program_bytes else {}),
            "method_test_suites": [{"method_name": m, "test_cases": n,
                                    "inputs_per_case": [a for a, _ in io],
                                    "expected_outputs_per_case": [b for _, b in io]}
                                   for m, n, io in suites],
            "wrong_cases": [] if wrong is None else [wrong],
            "cases": case_entries,
            "executorch_verdicts_as_expected": verdicts == want,
        }
        print(f"{fname}: {len(data)} bytes, {len(cases)} cases, ExecuTorch verify: "
              + ", ".join(c["executorch_verify"][:60] for c in case_entries))
        if verdicts != want:
            raise SystemExit(f"{name}: ExecuTorch's verdicts {verdicts}, expected {want}")

    update_manifest("bundled", entries, {
        "made_by": "tests/data/make_bundled_files.py",
        "executorch": version("executorch"),
        "torch": torch.__version__,
        "verify": "BundledModule.verify_result_with_bundled_expected_output(method, case, "
                  f"rtol={RTOL}, atol=case atol)",
    })


if __name__ == "__main__":
    main()
