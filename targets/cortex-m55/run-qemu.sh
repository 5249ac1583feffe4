#!/bin/sh
# run-qemu.sh QEMU FIRMWARE.elf — runs a firmware image on QEMU's mps3-an547 (Cortex-M55) with
# semihosting (its text on stderr, its exit code as QEMU's), killed after 120 s.
qemu=$1
elf=$2
exec timeout 120 "$qemu" -M mps3-an547 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$elf"
