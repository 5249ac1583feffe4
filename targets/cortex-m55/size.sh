#!/usr/bin/env bash
# size.sh BUILD_DIR — the bytes of each firmware image in BUILD_DIR by section (make size):
# core_size.elf is the core runtime alone (no kernels), core_size_small.elf the same built without
# error messages or the event hook (EMBER_MESSAGES=0, EMBER_EVENTS=0), core_size_min.elf that
# without delegate support too (EMBER_DELEGATES=0: a method with delegates is refused),
# core_size_nodel.elf core_size without delegate support (messages and events kept),
# sel_float_ops.elf the core with four float operators (relu, sigmoid, add, mul), each fw_*.elf a
# selective build for one program (its bytes are in .rodata). .text is split by where
# it came from (the linker map's input sections): Ember's runtime and kernels (libember and the
# image's operator table), the C library and libgcc, and the firmware's own startup and runner
# (the test harness: a product brings its own). Then the largest functions of the core and of
# the first image. Writes BUILD_DIR/size.md.
set -euo pipefail
build=$1
out=$build/size.md
here=$(cd "$(dirname "$0")" && pwd)
{
    echo "| image | .text | Ember (runtime + kernels) | C library + libgcc | startup + runner | .rodata | .data | .bss |"
    echo "|---|---|---|---|---|---|---|---|"
    for elf in "$build"/core_size.elf "$build"/core_size_small.elf "$build"/core_size_min.elf \
        "$build"/core_size_nodel.elf "$build"/sel_float_ops.elf "$build"/fw_*.elf; do
        read -r ember libc own <<< "$(python3 "$here/text_origin.py" "${elf%.elf}.map")"
        arm-none-eabi-size -A "$elf" | awk -v n="$(basename "$elf" .elf)" -v e="$ember" -v l="$libc" -v o="$own" '
            $1 == ".text" {t = $2} $1 == ".rodata" {r = $2} $1 == ".data" {d = $2} $1 == ".bss" {b = $2}
            END {printf "| %s | %d | %d | %d | %d | %d | %d | %d |\n", n, t, e, l, o, r, d, b}'
    done
    for elf in "$build"/core_size.elf "$build"/core_size_small.elf $(ls "$build"/fw_*.elf | head -1); do
        echo
        echo "Largest code in $(basename "$elf"):"
        echo
        arm-none-eabi-nm --size-sort -S -t d "$elf" | awk '$3 ~ /[TtWw]/' | tail -12 |
            awk '{printf "- %s: %d bytes\n", $4, $2}'
    done
} > "$out"
cat "$out"
