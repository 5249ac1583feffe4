"""Writes tools/unicode_tables.inc: the Unicode character classes the tokenizer (tools/tokenizer.c)
needs, as one sorted table of code point ranges with class flags.

    .venv/bin/python scripts/gen_unicode_tables.py          # rewrite the table
    .venv/bin/python scripts/gen_unicode_tables.py --check  # exit 1 if it is stale

The classes are those of the regular expressions Hugging Face `tokenizers` uses:
- L: \\p{L}, general category Lu, Ll, Lt, Lm or Lo (GPT-2's pre-tokenizer regex);
- N: \\p{N}, general category Nd, Nl or No (same regex);
- S: \\s, the White_Space property (Oniguruma's and Rust regex's \\s). Python has no White_Space
  property, so its 25 code points are listed here (PropList.txt; unchanged since Unicode 6.3);
- W: \\w of Rust's regex crate (added tokens with single_word), Alphabetic + Mark + Nd + Pc +
  Join_Control. Alphabetic is L + Nl + Other_Alphabetic; Python has no Other_Alphabetic either,
  and all of it but the circled and squared letters below is Mark, so those are listed here.

Categories come from this Python's unicodedata (the version is written into the table);
`tokenizers` classifies with its own Unicode version, so code points assigned between the two
versions may differ. Ranges are maximal runs of code points with the same flags; code points in
no class are not listed.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tools" / "unicode_tables.inc"

FLAG_L, FLAG_N, FLAG_S, FLAG_W = 1, 2, 4, 8

WHITE_SPACE = [(0x09, 0x0D), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
               (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F),
               (0x3000, 0x3000)]
OTHER_ALPHABETIC_NOT_MARK = [(0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169),
                             (0x1F170, 0x1F189)]
JOIN_CONTROL = [(0x200C, 0x200D)]


def in_ranges(cp: int, ranges: list[tuple[int, int]]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def flags(cp: int) -> int:
    cat = unicodedata.category(chr(cp))
    f = 0
    if cat[0] == "L":
        f |= FLAG_L
    if cat[0] == "N":
        f |= FLAG_N
    if in_ranges(cp, WHITE_SPACE):
        f |= FLAG_S
    if (cat[0] in "LM" or cat in ("Nd", "Nl", "Pc") or in_ranges(cp, OTHER_ALPHABETIC_NOT_MARK)
            or in_ranges(cp, JOIN_CONTROL)):
        f |= FLAG_W
    return f


def render() -> str:
    ranges: list[tuple[int, int, int]] = []
    for cp in range(0x110000):
        f = flags(cp)
        if ranges and ranges[-1][2] == f and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp, f)
        else:
            ranges.append((cp, cp, f))
    ranges = [r for r in ranges if r[2]]
    lines = [
        f"/* unicode_tables.inc — written by scripts/gen_unicode_tables.py from Unicode "
        f"{unicodedata.unidata_version}; do not edit.",
        " * {first, last, flags}: maximal runs of code points in the same classes, sorted.",
        " * UC_L \\p{L}, UC_N \\p{N}, UC_S \\s (White_Space), UC_W \\w (Rust regex). */",
        f"#define UC_L {FLAG_L}",
        f"#define UC_N {FLAG_N}",
        f"#define UC_S {FLAG_S}",
        f"#define UC_W {FLAG_W}",
        f"#define UC_NUM_RANGES {len(ranges)}",
        "static const struct uc_range { uint32_t first, last; uint8_t flags; } uc_ranges[UC_NUM_RANGES] = {",
    ]
    row: list[str] = []
    for lo, hi, f in ranges:
        row.append(f"{{0x{lo:X}, 0x{hi:X}, {f}}},")
        if len(row) == 4:
            lines.append("    " + " ".join(row))
            row = []
    if row:
        lines.append("    " + " ".join(row))
    lines.append("};")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the table is stale")
    args = ap.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run scripts/gen_unicode_tables.py")
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
