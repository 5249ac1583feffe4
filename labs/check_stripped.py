"""Fails when a lab notebook in labs/ carries outputs or execution counts: the notebooks in git
hold only their text and code; executed copies go to labs/out/ (make labs).

    .venv/bin/python labs/check_stripped.py [NOTEBOOK ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def problems(paths) -> list[str]:
    found = []
    for path in paths:
        nb = json.loads(Path(path).read_text())
        for i, cell in enumerate(nb.get("cells", []), 1):
            if cell.get("cell_type") != "code":
                continue
            if cell.get("outputs"):
                found.append(f"{Path(path).name}: cell {i} has outputs")
            if cell.get("execution_count") is not None:
                found.append(f"{Path(path).name}: cell {i} has execution count "
                             f"{cell['execution_count']}")
    if found:
        found.append("strip them before committing: clear all outputs in Jupyter, or "
                     "`jupyter nbconvert --clear-output --inplace labs/*.ipynb`")
    return found


if __name__ == "__main__":
    paths = sys.argv[1:] or sorted(HERE.glob("*.ipynb"))
    p = problems(paths)
    print("\n".join(p) if p else f"{len(paths)} notebooks stripped")
    sys.exit(1 if p else 0)
