"""The runtime's and the kernels' messages carry no doubles (runtime/core/format.h): on bare metal
ember_snprintf / ember_vsnprintf format them without the double conversions, so that firmware
whose messages show no double links no double formatting; a message that shows one gives it as
text (EMBER_DOUBLE_STR, %s). Oracle: every string literal of runtime/ and kernels/, read here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# a printf conversion of a double: flags, width, precision, an optional L, then a e f g (any case)
DOUBLE_CONVERSION = re.compile(r"%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?L?[aAeEfFgG]")
STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def test_message_sources_format_no_doubles():
    found = []
    for path in sorted(list((ROOT / "runtime").rglob("*.[ch]")) + list((ROOT / "kernels").rglob("*.[ch]"))):
        if path.name == "format.c":  # the formatter itself (ember_format keeps f e g)
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith(("//", "/*", "*")) or "__asm__" in line:
                continue
            for lit in STRING_LITERAL.findall(line):
                if DOUBLE_CONVERSION.search(lit.replace("%%", "")):
                    found.append(f"{path.relative_to(ROOT)}:{n}: \"{lit}\"")
    assert not found, "messages with a double conversion (use %s and EMBER_DOUBLE_STR):\n" + "\n".join(found)


def test_message_double_conversion_pattern():
    """The pattern finds what it is for, and not the conversions messages do use."""
    for fmt in ("%g", "%.9g", "%10.3f", "%-12e", "%Lg", "%a", "%+G"):
        assert DOUBLE_CONVERSION.search(fmt), fmt
    for fmt in ("%s", "%zu", "%lld", "%d%%", "%p", "%.4s", "%u of %s"):
        assert not DOUBLE_CONVERSION.search(fmt.replace("%%", "")), fmt
