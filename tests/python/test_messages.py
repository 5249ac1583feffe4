"""The runtime's and the kernels' messages use only what the messages' formatter knows
(runtime/core/format.h, ember_message_format: what ember_snprintf is on bare metal): conversions
d i u x X o p c s %, lengths hh h l ll z j t, a precision on s only, no flags or widths, and no
doubles (a message that shows one gives it as text: EMBER_DOUBLE_STR and %s). On the host the C
library formats them, so a message outside that would read right in every host test and wrong
only on a microcontroller; this test reads every string literal of runtime/ and kernels/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# an inline-assembly operand (%0, %[name], %q[name]), not a printf conversion
ASM_OPERAND = re.compile(r"%(?:[a-zA-Z]?\[\w*\]?|\d+(?=[^\w.]|$))")
CONVERSION = re.compile(r"%([-+ #0]*)(\*|\d+)?(\.(?:\*|\d+))?(hh|h|ll|l|z|j|t|L|q)?(.?)")
# <inttypes.h> macros after a literal ("%" PRIu32 " ..." or "%" PRIu32): what they expand to, in short
PRI_MACRO = re.compile(r'"\s*PRI([diouxX])(8|16|32|64|PTR|MAX)(\s*"|)')
PRI_LENGTH = {"8": "hh", "16": "h", "32": "l", "64": "ll", "PTR": "l", "MAX": "j"}


def unsupported(literal: str) -> list[str]:
    """The conversions in a format string that the messages' formatter does not write as printf."""
    bad = []
    for m in CONVERSION.finditer(ASM_OPERAND.sub("", literal.replace("%%", ""))):
        flags, width, precision, length, conv = m.groups()
        if flags or width or (precision and conv != "s") or length in ("L", "q") or not conv or conv not in "diuxXopcs":
            bad.append(m.group(0))
    return bad


def test_message_sources_use_what_the_message_formatter_knows():
    found = []
    for path in sorted(list((ROOT / "runtime").rglob("*.[ch]")) + list((ROOT / "kernels").rglob("*.[ch]"))):
        if path.name == "format.c":  # the formatters themselves
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith(("//", "/*", "*")):
                continue
            line = PRI_MACRO.sub(lambda m: PRI_LENGTH[m.group(2)] + m.group(1) + ("" if m.group(3) else '"'), line)
            for lit in STRING_LITERAL.findall(line):
                if unsupported(lit):
                    found.append(f"{path.relative_to(ROOT)}:{n}: \"{lit}\" ({', '.join(unsupported(lit))})")
    assert not found, "messages the messages' formatter would not write as printf does:\n" + "\n".join(found)


def test_message_conversion_check():
    """The check finds what it is for, and passes what messages do use."""
    for fmt in ("%g", "%.9g", "%10.3f", "%-12e", "%Lg", "%a", "%+G", "%5d", "%-s", "%08x", "%.3d", "%#x", "%*d",
                "%n", "%", "%lf"):
        assert unsupported(fmt), fmt
    for fmt in ("%s", "%zu", "%lld", "%llu", "%d%%", "%p", "%.4s", "%.*s", "%u of %s", "%hhd", "%x", "%c",
                "vldrb.8 %q[xv], [%[x]], #16", "sxtb16 %0, %1, ror #8"):
        assert not unsupported(fmt), fmt
