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

And the general category of every code point (uc_gc: runs of one category, unassigned code points
not listed; uc_gc_names in the order of the category numbers), for the regexes' other properties
(\\p{Lu}, \\p{M}, \\d ...), and the data of the NFC normalizer and of case-insensitive regex literals:
- uc_ccc: the canonical combining class of each code point (ranges; 0 is not listed);
- uc_decomp: the canonical decomposition mapping (one or two code points) of each code point
  that has one; applied again to its result, it gives the full canonical decomposition;
- uc_comp: the primary composites as {first, second, composite}, sorted by (first, second): the
  two-code-point decompositions whose composite NFC keeps (composition exclusions left out);
  Hangul syllables are arithmetic and not listed;
- uc_fold_ascii: the non-ASCII code points whose case folding is one ASCII letter (Oniguruma's
  (?i) matches them to that letter), and uc_fold_multi the ASCII strings that are the full case
  folding of one code point (Oniguruma's (?i) matches "ss" to one "ß").

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


GC_NAMES = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf",
            "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"]


def gc_ranges() -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for cp in range(0x110000):
        c = GC_NAMES.index(unicodedata.category(chr(cp)))
        if out and out[-1][2] == c and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp, c)
        else:
            out.append((cp, cp, c))
    return [r for r in out if GC_NAMES[r[2]] != "Cn"]


def ccc_ranges() -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for cp in range(0x110000):
        c = unicodedata.combining(chr(cp))
        if out and out[-1][2] == c and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp, c)
        else:
            out.append((cp, cp, c))
    return [r for r in out if r[2]]


def decompositions() -> list[tuple[int, int, int]]:
    """{cp, first, second (0 for none)} for each canonical decomposition mapping."""
    out = []
    for cp in range(0x110000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = [int(x, 16) for x in d.split()]
            assert len(parts) in (1, 2)
            out.append((cp, parts[0], parts[1] if len(parts) == 2 else 0))
    return out


def compositions(decomp: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out = [(a, b, cp) for cp, a, b in decomp if b and unicodedata.normalize("NFC", chr(cp)) == chr(cp)]
    return sorted(out)


def folds() -> tuple[list[tuple[int, str]], list[str]]:
    single, multi = [], set()
    for cp in range(0x80, 0x110000):
        f = chr(cp).casefold()
        if f.isascii() and f.isalpha():
            if len(f) == 1:
                single.append((cp, f))
            else:
                multi.add(f)
    return single, sorted(multi)


def rows(items: list[str], per_row: int) -> list[str]:
    return ["    " + " ".join(items[i: i + per_row]) for i in range(0, len(items), per_row)]


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
    gc = gc_ranges()
    ccc = ccc_ranges()
    decomp = decompositions()
    comp = compositions(decomp)
    single, multi = folds()
    lines += [
        "/* {first, last, category}: the general category of code points (an index in uc_gc_names); the",
        " * code points not listed are unassigned (Cn). */",
        f"#define UC_NUM_GC_NAMES {len(GC_NAMES)}",
        "static const char uc_gc_names[UC_NUM_GC_NAMES][3] = {",
        *rows([f'"{n}",' for n in GC_NAMES], 16),
        "};",
        f"#define UC_GC_CN {GC_NAMES.index('Cn')}",
        f"#define UC_NUM_GC {len(gc)}",
        "static const struct uc_gc_range { uint32_t first, last; uint8_t gc; } uc_gc[UC_NUM_GC] = {",
        *rows([f"{{0x{lo:X}, 0x{hi:X}, {c}}}," for lo, hi, c in gc], 4),
        "};",
        "/* {first, last, ccc}: the canonical combining class of code points, where it is not 0. */",
        f"#define UC_NUM_CCC {len(ccc)}",
        "static const struct uc_ccc_range { uint32_t first, last; uint8_t ccc; } uc_ccc[UC_NUM_CCC] = {",
        *rows([f"{{0x{lo:X}, 0x{hi:X}, {c}}}," for lo, hi, c in ccc], 4),
        "};",
        "/* {cp, first, second}: canonical decomposition mappings (second 0 for a singleton), by cp. */",
        f"#define UC_NUM_DECOMP {len(decomp)}",
        "static const struct uc_decomp_entry { uint32_t cp, first, second; } uc_decomp[UC_NUM_DECOMP] = {",
        *rows([f"{{0x{cp:X}, 0x{a:X}, 0x{b:X}}}," for cp, a, b in decomp], 4),
        "};",
        "/* {first, second, composite}: primary composites (not Hangul), by (first, second). */",
        f"#define UC_NUM_COMP {len(comp)}",
        "static const struct uc_comp_entry { uint32_t first, second, cp; } uc_comp[UC_NUM_COMP] = {",
        *rows([f"{{0x{a:X}, 0x{b:X}, 0x{cp:X}}}," for a, b, cp in comp], 4),
        "};",
        "/* {cp, letter}: non-ASCII code points whose case folding is one ASCII letter. */",
        f"#define UC_NUM_FOLD_ASCII {len(single)}",
        "static const struct uc_fold_entry { uint32_t cp; char letter; } uc_fold_ascii[UC_NUM_FOLD_ASCII] = {",
        *rows([f"{{0x{cp:X}, '{f}'}}," for cp, f in single], 4),
        "};",
        "/* ASCII strings that are the full case folding of one code point. */",
        f"#define UC_NUM_FOLD_MULTI {len(multi)}",
        "static const char* const uc_fold_multi[UC_NUM_FOLD_MULTI] = {",
        *rows([f'"{m}",' for m in multi], 8),
        "};",
    ]
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
