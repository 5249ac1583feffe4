"""What the four labs share: where the repository is, the small setting, where results go.

    import labkit
    labkit.ROOT      # the repository (the folder with python/ember), found from here
    labkit.SMALL     # True when EMBER_LABS_SMALL=1: fewer runs, smaller models (CI)
    labkit.OUT       # labs/out/<lab>/ for .pte files and PNGs (ignored by git)
    labkit.pick(full, small)            # the value for the current setting

Importing it puts the repository's python/ on sys.path, so `import ember` is this checkout's.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


def _find_root() -> Path:
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for d in (start, *start.parents):
            if (d / "python" / "ember" / "__init__.py").exists():
                return d
    raise RuntimeError("labkit: run the labs from inside the Ember repository")


ROOT = _find_root()
if str(ROOT / "python") not in sys.path:
    sys.path.insert(0, str(ROOT / "python"))

SMALL = os.environ.get("EMBER_LABS_SMALL", "") not in ("", "0")
OUT_BASE = Path(os.environ.get("EMBER_LABS_OUT", ROOT / "labs" / "out"))
CLI = ROOT / "build" / "bin" / "ember"


def pick(full, small):
    """`small` under EMBER_LABS_SMALL=1, else `full`."""
    return small if SMALL else full


def out_dir(lab: str) -> Path:
    d = OUT_BASE / lab
    d.mkdir(parents=True, exist_ok=True)
    return d


def setting() -> str:
    return ("small (EMBER_LABS_SMALL=1: fewer runs, smaller models)" if SMALL
            else "full (unset EMBER_LABS_SMALL)")


def progress_bar(desc: str = "calibrating"):
    """A tqdm bar for ember.export's `progress=` (called with (done, total) after each
    calibration sample): Ember's own bar is drawn only on a terminal, which a notebook is not."""
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="sample", file=sys.stdout,
                       mininterval=0.5, ascii=True)
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return progress


@contextlib.contextmanager
def quiet_native_stderr():
    """Drops what native code logs to stderr during the block (ExecuTorch's cpuinfo and
    threadpool lines: written to file descriptor 2, or through Python's sys.stderr by its
    bindings); exceptions still propagate."""
    import io

    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
