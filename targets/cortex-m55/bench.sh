#!/usr/bin/env bash
# bench.sh BUILD_DIR [QEMU] — instructions per inference of every firmware image in BUILD_DIR
# (make bench-m55): each image runs under QEMU's mps3-an547 with icount_plugin.so counting the
# guest instructions from ember_method_execute's entry to the next ember_method_output's (the
# runner calls it right after execute), i.e. one execute. Writes BUILD_DIR/icount.md.
set -euo pipefail
build=$1
qemu=${2:-qemu-system-arm}
here=$(cd "$(dirname "$0")" && pwd)
plugin=$build/icount_plugin.so
cc -shared -fPIC -O2 -fvisibility=hidden -Wall -Wextra -Werror -o "$plugin" "$here/icount_plugin.c"
out=$build/icount.md
{
    echo "| image | instructions per inference (execute) | instructions, whole run | .text bytes |"
    echo "|---|---|---|---|"
} > "$out"
for elf in "$build"/fw_*.elf; do
    name=$(basename "$elf" .elf)
    start=$(arm-none-eabi-nm "$elf" | awk '$3 == "ember_method_execute" {print "0x" $1}')
    end=$(arm-none-eabi-nm "$elf" | awk '$3 == "ember_method_output" {print "0x" $1}')
    line=$(timeout 300 "$qemu" -M mps3-an547 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -plugin "$plugin,start=$start,end=$end" \
        -d plugin -kernel "$elf" 2>&1 | grep '^icount:' || true)
    [ -n "$line" ] || { echo "bench.sh: $name printed no count" >&2; exit 1; }
    read -r _ _ total _ windows _ inside <<< "$line"
    [ "$windows" = 1 ] || { echo "bench.sh: $name: $windows windows, expected 1" >&2; exit 1; }
    text=$(arm-none-eabi-size -A "$elf" | awk '$1 == ".text" {print $2}')
    echo "| $name | $inside | $total | $text |" >> "$out"
done
cat "$out"
