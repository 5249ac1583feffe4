"""CPU feature detection (runtime/core/cpu.c) against the kernel's own view: on Linux, every
feature in include/ember/cpu_feature.inc is detected exactly when /proc/cpuinfo lists it (Linux
clears a flag the OS does not enable, as Ember checks XCR0). `ember version` prints the same."""

from __future__ import annotations

import platform
import re
import subprocess
from pathlib import Path

import pytest

from ember import runtime

ROOT = Path(__file__).resolve().parents[2]
LISTED = re.findall(r'^EMBER_CPU_FEATURE\(\w+,\s*\d+,\s*"(\w+)"\)',
                    (ROOT / "include" / "ember" / "cpu_feature.inc").read_text(), re.M)


def _cpuinfo_flags() -> set[str]:
    text = Path("/proc/cpuinfo").read_text()
    m = re.search(r"^(?:flags|Features)\s*:(.*)$", text, re.M)
    if not m:
        pytest.skip("/proc/cpuinfo lists no flags here")
    return set(m.group(1).split())


@pytest.mark.skipif(platform.system() != "Linux" or platform.machine() not in ("x86_64", "aarch64"),
                    reason="compares with Linux's /proc/cpuinfo on x86-64 and aarch64")
def test_detected_features_are_cpuinfos():
    flags = _cpuinfo_flags()
    arch = {"x86_64": "x86", "aarch64": "arm"}[platform.machine()]
    x86_names = set(LISTED[:LISTED.index("asimd")])
    relevant = [n for n in LISTED if n not in ("helium", "dsp") and ((n in x86_names) == (arch == "x86"))]
    detected = set(runtime.cpu_features())
    assert detected <= set(relevant)
    for name in relevant:
        assert (name in detected) == (name in flags), (name, sorted(detected))


def test_version_prints_the_features():
    ember = ROOT / "build" / "bin" / "ember"
    if not ember.exists():
        pytest.skip("build/bin/ember is not built")
    out = subprocess.run([str(ember), "version"], capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("cpu features:"))
    shown = line.split(":", 1)[1].split()
    assert shown == (runtime.cpu_features() or ["(none", "detected)"])
