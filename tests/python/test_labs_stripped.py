"""The lab notebooks in git carry no outputs and no execution counts (labs/check_stripped.py):
executed copies belong in labs/out/, which make labs writes and git ignores."""
import sys
from pathlib import Path

LABS = Path(__file__).resolve().parents[2] / "labs"
sys.path.insert(0, str(LABS))

import check_stripped  # noqa: E402


def test_lab_notebooks_are_stripped():
    notebooks = sorted(LABS.glob("*.ipynb"))
    assert notebooks, "no notebooks in labs/"
    assert check_stripped.problems(notebooks) == []


def test_the_check_finds_outputs(tmp_path):
    nb = tmp_path / "x.ipynb"
    nb.write_text('{"cells": [{"cell_type": "code", "execution_count": 3, "metadata": {}, '
                  '"outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}], '
                  '"source": "print(1)"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    found = check_stripped.problems([nb])
    assert any("has outputs" in p for p in found) and any("execution count 3" in p for p in found)
