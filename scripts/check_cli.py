"""The ember CLI of a sanitizer build (ASan+UBSan, every report fatal) on real and hostile files.

    ASAN_OPTIONS=... .venv/bin/python scripts/check_cli.py build-asan/bin/ember    (make test-cli-asan)

- `ember run` on each ExecuTorch-written program in tests/data (et_NAME.pte with its
  et_NAME.inI.npy inputs; et_dyn_NAME.pte at each size of dynamic_manifest.json): every output
  equals torch's (et_NAME.outI.npy): same dtype and shape,
  floats within 1e-4 x max(1, max|ref|), ints and bools exactly;
- `ember inspect` and `ember inspect --json` on those, the fixtures and the seed corpus: exit 0,
  and the JSON parses (the delegate fixture must instead name its unregistered backend);
- `ember profile` on each of those, with their inputs and with its own: exit 0, JSON with rows;
- `ember inspect` on every regression file: exit 0 or a refusal with a message, never a crash.
Any sanitizer output fails. Needs numpy only (no torch).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REPORT_MARKS = ("Sanitizer", "runtime error:", "FUZZ CHECK")
NEEDS_BACKEND = {"delegate.pte"}  # the test backend is registered by test_runtime, not the CLI


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=300)


def sanitizer_line(p: subprocess.CompletedProcess) -> str | None:
    for line in p.stderr.splitlines():
        if any(m in line for m in REPORT_MARKS):
            return line.strip()
    if p.returncode < 0:
        return f"killed by signal {-p.returncode}"
    return None


def compare(got: np.ndarray, ref: np.ndarray) -> str | None:
    if got.dtype != ref.dtype:
        return f"dtype {got.dtype}, expected {ref.dtype}"
    if got.shape != ref.shape:
        return f"shape {got.shape}, expected {ref.shape}"
    if ref.dtype.kind in "biu":
        bad = int(np.count_nonzero(got != ref))
        return f"{bad} of {ref.size} elements differ" if bad else None
    g, r = got.astype(np.float64), ref.astype(np.float64)
    fin = np.isfinite(r)
    if not np.array_equal(np.isfinite(g), fin) or not np.array_equal(g[~fin], r[~fin]):
        return "non-finite values differ"
    if not fin.any():
        return None
    err = float(np.max(np.abs(g[fin] - r[fin])))
    tol = 1e-4 * max(1.0, float(np.max(np.abs(r[fin]))))
    return f"max abs error {err:.3e} > {tol:.3e}" if err > tol else None


def main() -> int:
    ember = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build-asan" / "bin" / "ember")
    problems: list[str] = []
    runs = inspects = profiles = 0

    dynamic = json.loads((DATA / "dynamic_manifest.json").read_text())["models"]
    for pte in sorted(DATA.glob("et_*.pte")):
        name = pte.stem
        # (inputs, references) per run: one set, or each size of a dynamic-shape program
        if name.startswith("et_dyn_"):
            cases = [([DATA / f for f in c["inputs"]], [DATA / f for f in c["outputs"]])
                     for c in dynamic[name[len("et_dyn_"):]]["cases"]]
        elif name.startswith("et_llm_"):  # one run is the prefill (its decode steps need its cache)
            cases = [([DATA / f"{name}.step0.in{i}.npy" for i in range(2)],
                      [DATA / f"{name}.step0.out0.npy"])]
        else:
            cases = [(sorted(DATA.glob(f"{name}.in*.npy"), key=lambda p: int(p.suffixes[-2][3:])),
                      sorted(DATA.glob(f"{name}.out*.npy"), key=lambda p: int(p.suffixes[-2][4:])))]
        inputs = cases[0][0]
        with tempfile.TemporaryDirectory() as out:
            failed = False
            for case_inputs, refs in cases:
                cmd = [ember, "run", str(pte), "--output-dir", out]
                for x in case_inputs:
                    cmd += ["--input", str(x)]
                p = run(cmd)
                runs += 1
                bad = sanitizer_line(p)
                if bad or p.returncode != 0:
                    problems.append(f"ember run {pte.name}: {bad or 'exit ' + str(p.returncode)} {p.stderr.strip()[:300]}")
                    failed = True
                    break
                for i, ref in enumerate(refs):
                    got_path = Path(out) / f"output_{i}.npy"
                    if not got_path.exists():
                        problems.append(f"ember run {pte.name}: no output_{i}.npy")
                        continue
                    why = compare(np.load(got_path), np.load(ref))
                    if why:
                        problems.append(f"ember run {pte.name} ({case_inputs[0].name}) output {i}: {why}")
            if failed:
                continue

            # profile: with the given inputs and with its own (random floats, zero ints)
            for given in (True, False):
                cmd = [ember, "profile", str(pte), "--runs", "2", "--warmup", "1",
                       "--json", str(Path(out) / "p.json"), "--csv", str(Path(out) / "p.csv")]
                for x in inputs if given else []:
                    cmd += ["--input", str(x)]
                p = run(cmd)
                profiles += 1
                bad = sanitizer_line(p)
                if bad or p.returncode != 0:
                    problems.append(f"ember profile {pte.name}: {bad or 'exit ' + str(p.returncode)} {p.stderr.strip()[:300]}")
                    continue
                try:
                    rows = json.loads((Path(out) / "p.json").read_text())["instructions"]
                    if not rows:
                        problems.append(f"ember profile --json {pte.name}: no instruction timed")
                except ValueError as e:
                    problems.append(f"ember profile --json {pte.name}: not JSON ({e})")

    valid = sorted(DATA.glob("*.pte")) + sorted((DATA / "fixtures").glob("*.pte")) + \
        sorted((ROOT / "tests" / "fuzz" / "corpus").glob("*.pte"))
    for pte in valid:
        for flags in ([], ["--json"]):
            p = run([ember, "inspect", str(pte), *flags])
            inspects += 1
            bad = sanitizer_line(p)
            if not bad and pte.name in NEEDS_BACKEND and "unknown backend" in p.stdout + p.stderr:
                continue  # refused with the backend's name, as it must be without the backend
            if bad or p.returncode != 0:
                problems.append(f"ember inspect {' '.join(flags)} {pte.relative_to(ROOT)}: {bad or 'exit ' + str(p.returncode)}")
                continue
            if flags:
                try:
                    json.loads(p.stdout)
                except ValueError as e:
                    problems.append(f"ember inspect --json {pte.relative_to(ROOT)}: not JSON ({e})")

    for f in sorted((DATA / "regress").iterdir()):
        if f.suffix == ".md":
            continue
        p = run([ember, "inspect", str(f)])
        inspects += 1
        bad = sanitizer_line(p)
        if bad:
            problems.append(f"ember inspect {f.relative_to(ROOT)}: {bad}")
        elif p.returncode != 0 and not p.stderr.strip() and "cannot load: " not in p.stdout:
            # a file that does not load says why on stderr; a method that does not load is
            # reported in inspect's own output ("cannot load: <status>: <message>")
            problems.append(f"ember inspect {f.relative_to(ROOT)}: exit {p.returncode} without a message")

    for line in problems:
        print("FAIL " + line)
    print(f"check_cli ({ember}): {runs} runs against torch, {profiles} profiles, {inspects} inspects: "
          f"{'all clean' if not problems else str(len(problems)) + ' problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
