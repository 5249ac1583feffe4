#!/usr/bin/env bash
# bench.sh BUILD_DIR [QEMU] [MACHINE] — instructions per inference of every firmware image in
# BUILD_DIR (make bench-m55, make bench-m4), the portable kernels against the DSP extension's and
# Helium's. Each image runs under QEMU's MACHINE (mps3-an547, the M55, unless given: mps2-an386
# for build-m4's images) twice with icount_plugin.so:
#   1. counting from ember_method_execute's entry to the next ember_method_output's (the runner
#      calls it right after execute): one window per kernel pass, the portable pass first, then
#      DSP, then Helium where the core has them (run_model.c, platform.h);
#   2. counting from ember_fw_op_begin to ember_fw_op_end, which the runner's event hook calls
#      around each kernel call: one window per call, matched in order with the "call PASS
#      INDEX OPERATOR" lines the runner prints.
# Writes BUILD_DIR/icount.md: per image each pass's count (and the portable count over it), then
# per image and operator the counts summed over its calls.
set -euo pipefail
build=$1
qemu=${2:-qemu-system-arm}
machine=${3:-mps3-an547}
here=$(cd "$(dirname "$0")" && pwd)
plugin=$build/icount_plugin.so
cc -shared -fPIC -O2 -fvisibility=hidden -Wall -Wextra -Werror -o "$plugin" "$here/icount_plugin.c"

run() { # ELF START_SYMBOL END_SYMBOL: the run's text and the plugin's lines
    local elf=$1 start end
    start=$(arm-none-eabi-nm "$elf" | awk -v s="$2" '$3 == s {print "0x" $1}')
    end=$(arm-none-eabi-nm "$elf" | awk -v s="$3" '$3 == s {print "0x" $1}')
    timeout 300 "$qemu" -M "$machine" -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -plugin "$plugin,start=$start,end=$end" \
        -d plugin -kernel "$elf" 2>&1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for elf in "$build"/fw_*.elf; do
    name=$(basename "$elf" .elf)
    case $name in fw_ethosu_*) continue ;; esac # one pass through a stub NPU driver: nothing to compare
    run "$elf" ember_method_execute ember_method_output > "$tmp/$name.execute"
    run "$elf" ember_fw_op_begin ember_fw_op_end > "$tmp/$name.ops"
    arm-none-eabi-size -A "$elf" | awk '$1 == ".text" {print $2}' > "$tmp/$name.text"
done
python3 - "$tmp" "$build/icount.md" "$machine" <<'EOF'
import pathlib, re, sys
tmp, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
NAMES = {"portable": "portable", "dsp": "DSP", "helium": "Helium"}
def windows(text):
    return [int(m.group(1)) for m in re.finditer(r"^icount-window \d+ (\d+)$", text, re.M)]
def total(text):
    m = re.search(r"^icount: total (\d+)", text, re.M)
    return int(m.group(1)) if m else None
rows, details, columns = [], [], None
for ex in sorted(tmp.glob("*.execute")):
    name = ex.stem
    text = ex.read_text()
    ops_text = (tmp / f"{name}.ops").read_text()
    calls = re.findall(r"^call (\w+) (\d+) (\S+)$", ops_text, re.M)
    passes = list(dict.fromkeys(p for p, _, _ in calls))  # in the order they ran
    w = windows(text)
    if not passes or passes[0] != "portable" or len(w) != len(passes) or "PASS" not in text:
        sys.exit(f"bench.sh: {name}: passes {passes}, {len(w)} execute windows, or the run failed:\n{text}")
    if columns is None:
        columns = passes
    elif passes != columns:
        sys.exit(f"bench.sh: {name}: passes {passes}, the other images {columns}")
    counts = dict(zip(passes, w))
    portable = counts["portable"]
    cells = [f"{portable:,}"] + [f"{counts[p]:,} ({portable / counts[p]:.1f}x)" for p in passes[1:]]
    size = (tmp / f"{name}.text").read_text().strip()
    rows.append(f"| {name} | " + " | ".join(cells) + f" | {total(text):,} | {size} |")
    counted = windows(ops_text)
    if len(calls) != len(counted):
        sys.exit(f"bench.sh: {name}: {len(calls)} calls printed, {len(counted)} windows counted")
    per = {}  # operator -> {pass: (calls, instructions)}
    for (p, _, op), n in zip(calls, counted):
        c, i = per.setdefault(op, {}).get(p, (0, 0))
        per[op][p] = (c + 1, i + n)
    details.append(f"\n### {name}\n\n| operator | calls | " + " | ".join(NAMES[p] for p in passes)
                   + " |\n|---|---|" + "---|" * len(passes))
    for op, d in sorted(per.items(), key=lambda kv: -kv[1].get("portable", (0, 0))[1]):
        c, pi = d.get("portable", (0, 0))
        cells = [f"{pi:,}"]
        for p in passes[1:]:
            fi = d.get(p, (0, None))[1]
            cells.append(f"{fi:,} ({pi / fi:.1f}x)" if fi else "-")
        details.append(f"| {op} | {c} | " + " | ".join(cells) + " |")
head = ["| image | " + " | ".join(f"{NAMES[p]} kernels" for p in columns)
        + " | instructions, whole run (every pass, load, check) | .text bytes |",
        "|---|" + "---|" * (len(columns) + 2)]
out.write_text(f"Instructions per inference (one ember_method_execute) under QEMU {sys.argv[3]}; "
               "in parentheses the portable kernels' count over that pass's\n\n"
               + "\n".join(head + rows) + "\n\nPer operator, summed over its calls (kernel "
               "calls only: moves and the execute loop between calls are not in these)\n"
               + "\n".join(details) + "\n")
EOF
