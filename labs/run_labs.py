"""Runs the labs top to bottom with nbclient, failing on any cell error (make labs).

    .venv/bin/python labs/run_labs.py [01_cpu 02_quantization ...]   # default: every lab
    EMBER_LABS_SMALL=1 .venv/bin/python labs/run_labs.py             # the CI setting

Each notebook runs in a fresh kernel (this Python's own ipykernel, so the .venv's packages) with
labs/ as its working folder; the executed copy, outputs included, goes to labs/out/<name>.ipynb
(ignored by git) even when a cell fails. The notebooks in git carry no outputs: that is checked
first (check_stripped.py).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check_stripped  # noqa: E402
import labkit  # noqa: E402


def main(names: list[str]) -> int:
    notebooks = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    if names:
        notebooks = [nb for nb in notebooks if nb.stem in names or nb.name in names]
        if not notebooks:
            print(f"run_labs: no lab named {names}", file=sys.stderr)
            return 2
    problems = check_stripped.problems(notebooks)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    labkit.OUT_BASE.mkdir(parents=True, exist_ok=True)
    print(f"labs: {labkit.setting()}; executed notebooks and figures in {labkit.OUT_BASE}", flush=True)
    failed, times = [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                                resources={"metadata": {"path": str(HERE)}})
        start = time.monotonic()
        print(f"{path.name}: running ...", flush=True)
        try:
            client.execute()
            status = "ok"
        except CellExecutionError as e:
            status = "FAILED"
            failed.append(path.name)
            print(str(e)[-4000:], file=sys.stderr)
        seconds = time.monotonic() - start
        times.append((path.name, status, seconds))
        out = labkit.OUT_BASE / path.name
        nbformat.write(nb, out)
        print(f"{path.name}: {status} in {seconds:.0f} s -> {out}", flush=True)
    print("\n".join(f"  {n:<28} {s:<6} {t:6.0f} s" for n, s, t in times))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
