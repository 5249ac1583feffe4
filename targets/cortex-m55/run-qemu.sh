#!/bin/sh
# run-qemu.sh QEMU FIRMWARE.elf [MACHINE] — runs a firmware image on one of QEMU's Arm boards
# (mps3-an547, the Cortex-M55, unless MACHINE says mps2-an386 (M4) or mps2-an500 (M7)) with
# semihosting (its text on stderr, its exit code as QEMU's), killed after 120 s.
qemu=$1
elf=$2
machine=${3:-mps3-an547}
exec timeout 120 "$qemu" -M "$machine" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$elf"
