"""Shared set-up for Ember's Python end-to-end tests.

- Makes `import zoo` (this folder) and `import ember` (python/, even when not installed) work.
- Collects one line per zoo model run (max error, planned vs naive memory, times) and prints
  them as a table at the end of the pytest run, so a plain `pytest` shows them too.
- The breadth sweep (test_breadth.py): registers its markers, keeps only its fast cases unless
  asked for more (-m/-k, or EMBER_BREADTH=all), prints its table at the end and writes it as
  markdown and JSON when EMBER_BREADTH_REPORT names a file (docs/breadth.md).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

for p in (HERE, REPO / "python"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


@pytest.fixture(autouse=True)
def _quiet_torch_trace_log():
    """torch.export logs every traced step to "torch.__trace" at DEBUG, and pytest would show
    all of it under "Captured log call" for each failing test."""
    logging.getLogger("torch.__trace").setLevel(logging.WARNING)
    yield

# Filled by test_zoo.py / test_executorch_compat.py: dicts with at least "test" and "model".
ZOO_RESULTS: list[dict] = []

# Filled by test_breadth.py: one dict per architecture (see breadth_models.write_report).
BREADTH_RESULTS: list[dict] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "breadth: an architecture of the breadth sweep (make test-breadth)")
    config.addinivalue_line("markers", "breadth_fast: a breadth architecture that also runs by default")


def pytest_collection_modifyitems(config, items):
    """Leaves out the slow breadth cases unless the run selects by marker or keyword itself or
    EMBER_BREADTH=all is set."""
    if os.environ.get("EMBER_BREADTH") == "all" or config.getoption("markexpr") \
            or config.getoption("keyword"):
        return
    keep, drop = [], []
    for item in items:
        slow = item.get_closest_marker("breadth") and not item.get_closest_marker("breadth_fast")
        (drop if slow else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _fmt_bytes(n) -> str:
    if n is None:
        return "-"
    n = int(n)
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f}M"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.1f}K"
    return f"{n}B"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if BREADTH_RESULTS:
        import breadth_models

        breadth_models.print_report(terminalreporter, BREADTH_RESULTS)
        if os.environ.get("EMBER_BREADTH_REPORT"):
            paths = breadth_models.write_report(BREADTH_RESULTS, os.environ["EMBER_BREADTH_REPORT"])
            terminalreporter.write_line("breadth report: " + ", ".join(map(str, paths)))
    if not ZOO_RESULTS:
        return
    tr = terminalreporter
    tr.section("Ember zoo: max error and memory per model")
    tr.write_line(
        f"{'test':<14} {'model':<26} {'status':<6} {'max err':>9} {'tol':>8} "
        f"{'planned':>8} {'naive':>8} {'consts':>8} {'export s':>8} {'run s':>7}"
    )
    def num(v, spec):
        return "-" if v is None else format(v, spec)

    for r in ZOO_RESULTS:
        tr.write_line(
            f"{r.get('test', ''):<14} {r.get('model', ''):<26} {r.get('status', ''):<6} "
            f"{num(r.get('max_abs_err'), '.2e'):>9} {num(r.get('tol'), '.1e'):>8} "
            f"{_fmt_bytes(r.get('planned_peak_bytes')):>8} {_fmt_bytes(r.get('naive_bytes')):>8} "
            f"{_fmt_bytes(r.get('constant_bytes')):>8} "
            f"{num(r.get('export_s'), '.1f'):>8} {num(r.get('run_s'), '.2f'):>7}"
        )
        if r.get("status") != "ok" and r.get("error"):
            tr.write_line(f"{'':<15}^ {r['error'][:160]}")
