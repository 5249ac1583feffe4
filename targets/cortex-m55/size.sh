#!/usr/bin/env bash
# size.sh BUILD_DIR — the bytes of each firmware image in BUILD_DIR by section (make size):
# core_size.elf is the core runtime alone (no kernels), each fw_*.elf a selective build for one
# program (its bytes are in .rodata); then the largest functions of the core and of the first
# image. Writes BUILD_DIR/size.md.
set -euo pipefail
build=$1
out=$build/size.md
{
    echo "| image | .text | .rodata | .data | .bss |"
    echo "|---|---|---|---|---|"
    for elf in "$build"/core_size.elf "$build"/fw_*.elf; do
        arm-none-eabi-size -A "$elf" | awk -v n="$(basename "$elf" .elf)" '
            $1 == ".text" {t = $2} $1 == ".rodata" {r = $2} $1 == ".data" {d = $2} $1 == ".bss" {b = $2}
            END {printf "| %s | %d | %d | %d | %d |\n", n, t, r, d, b}'
    done
    for elf in "$build"/core_size.elf $(ls "$build"/fw_*.elf | head -1); do
        echo
        echo "Largest code in $(basename "$elf"):"
        echo
        arm-none-eabi-nm --size-sort -S -t d "$elf" | awk '$3 ~ /[TtWw]/' | tail -12 |
            awk '{printf "- %s: %d bytes\n", $4, $2}'
    done
} > "$out"
cat "$out"
