"""scripts/soak.py, short: 2,000 LeNet runs through the binding and 3 through the CLI give
bit-identical outputs (the first within 1e-4 of torch eager) and flat RSS after warm-up.
`make soak` runs the full 100,000."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_short_soak():
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "soak.py"), "--runs", "2000", "--cli-runs", "3"],
                       capture_output=True, text=True, timeout=300)
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2000 runs of LeNet" in r.stdout and ", 0 differing from the first" in r.stdout
    assert "3 runs in" in r.stdout and "0 differing from the binding" in r.stdout
    assert r.stdout.rstrip().endswith("soak: ok")
