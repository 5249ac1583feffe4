#!/usr/bin/env bash
# bench.sh BUILD_DIR [QEMU] [MACHINE] — instructions per inference of every firmware image in
# BUILD_DIR (make bench-m55), portable kernels against Helium ones. Each image runs under QEMU's
# MACHINE (mps3-an547, the M55, unless given: mps2-an386 for build-m4's images) twice with
# icount_plugin.so:
#   1. counting from ember_method_execute's entry to the next ember_method_output's (the runner
#      calls it right after execute): one window per pass, the portable pass first, then the
#      Helium one (run_model.c);
#   2. counting from ember_fw_op_begin to ember_fw_op_end, which the runner's event hook calls
#      around each kernel call: one window per call, matched in order with the "call PASS
#      INDEX OPERATOR" lines the runner prints.
# Writes BUILD_DIR/icount.md: per image the two counts and their ratio, then per image and
# operator the counts summed over its calls.
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
    run "$elf" ember_method_execute ember_method_output > "$tmp/$name.execute"
    run "$elf" ember_fw_op_begin ember_fw_op_end > "$tmp/$name.ops"
    arm-none-eabi-size -A "$elf" | awk '$1 == ".text" {print $2}' > "$tmp/$name.text"
done
python3 - "$tmp" "$build/icount.md" "$machine" <<'EOF'
import pathlib, re, sys
tmp, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def windows(text):
    return [int(m.group(1)) for m in re.finditer(r"^icount-window \d+ (\d+)$", text, re.M)]
def total(text):
    m = re.search(r"^icount: total (\d+)", text, re.M)
    return int(m.group(1)) if m else None
rows, details = [], []
for ex in sorted(tmp.glob("*.execute")):
    name = ex.stem
    text = ex.read_text()
    w = windows(text)
    if len(w) not in (1, 2) or "PASS" not in text:
        sys.exit(f"bench.sh: {name}: {len(w)} execute windows, or the run failed:\n{text}")
    portable, helium = w[0], (w[1] if len(w) == 2 else None)
    ratio = f"{portable / helium:.1f}x" if helium else "-"
    size = (tmp / f"{name}.text").read_text().strip()
    rows.append(f"| {name} | {portable:,} | {helium:,} | {ratio} | {total(text):,} | {size} |"
                if helium else f"| {name} | {portable:,} | - | - | {total(text):,} | {size} |")
    ops_text = (tmp / f"{name}.ops").read_text()
    calls = re.findall(r"^call (\w+) (\d+) (\S+)$", ops_text, re.M)
    counts = windows(ops_text)
    if len(calls) != len(counts):
        sys.exit(f"bench.sh: {name}: {len(calls)} calls printed, {len(counts)} windows counted")
    per = {}  # operator -> {pass: (calls, instructions)}
    for (p, _, op), n in zip(calls, counts):
        c, i = per.setdefault(op, {}).get(p, (0, 0))
        per[op][p] = (c + 1, i + n)
    details.append(f"\n### {name}\n\n| operator | calls | portable | Helium | ratio |\n|---|---|---|---|---|")
    for op, d in sorted(per.items(), key=lambda kv: -kv[1].get("portable", (0, 0))[1]):
        c, pi = d.get("portable", (0, 0))
        hi = d.get("helium", (0, None))[1]
        r = f"{pi / hi:.1f}x" if hi else "-"
        details.append(f"| {op} | {c} | {pi:,} | {hi:,} | {r} |" if hi is not None
                       else f"| {op} | {c} | {pi:,} | - | - |")
head = ["| image | portable kernels | Helium kernels | ratio | instructions, whole run "
        "(both passes, load, check) | .text bytes |", "|---|---|---|---|---|---|"]
out.write_text(f"Instructions per inference (one ember_method_execute) under QEMU {sys.argv[3]}\n\n"
               + "\n".join(head + rows) + "\n\nPer operator, summed over its calls (kernel "
               "calls only: moves and the execute loop between calls are not in these)\n"
               + "\n".join(details) + "\n")
print(out.read_text())
EOF
