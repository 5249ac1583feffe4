#!/usr/bin/env bash
# Installs what Ember's build and tests need, and only what is missing (fast when all is there):
# Debian packages for the C build, and .venv at the repo root with torch==2.13.0 (the CPU build)
# plus the Python dependencies (timm without its own: python/requirements-nodeps.txt) and python/
# installed editable.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cc >/dev/null || need_apt+=(gcc)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v ninja >/dev/null || need_apt+=(ninja-build)
python3 -c "import venv, ensurepip" 2>/dev/null || need_apt+=(python3-venv)
# Fuzzing and the extra sanitizer runs (docs/fuzzing.md): clang, llvm-cov/llvm-profdata, valgrind.
command -v clang >/dev/null || need_apt+=(clang)
command -v llvm-profdata >/dev/null && command -v llvm-cov >/dev/null || need_apt+=(llvm)
command -v valgrind >/dev/null || need_apt+=(valgrind)
# 64-bit Arm: the cross compiler (with its libc) and qemu-user to run what it builds (make test-aarch64).
command -v aarch64-linux-gnu-gcc >/dev/null || need_apt+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || need_apt+=(qemu-user)
# Bare-metal Cortex-M (make test-m55): the cross compiler, newlib, and QEMU's system emulator
# (installed without its recommended GUI packages).
need_apt_lean=()
command -v arm-none-eabi-gcc >/dev/null || need_apt_lean+=(gcc-arm-none-eabi)
[ -f /usr/lib/arm-none-eabi/newlib/libc.a ] || need_apt_lean+=(libnewlib-arm-none-eabi)
command -v qemu-system-arm >/dev/null || need_apt_lean+=(qemu-system-arm)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: apt-get install ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ ${#need_apt_lean[@]} -gt 0 ]; then
    echo "setup: apt-get install --no-install-recommends ${need_apt_lean[*]}"
    [ ${#need_apt[@]} -gt 0 ] || $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt_lean[@]}" >/dev/null
fi
# libFuzzer (-fsanitize=fuzzer) ships in libclang-rt-N-dev for clang N, only recommended by clang.
if ! echo 'int LLVMFuzzerTestOneInput(const char* d, unsigned long n) { return 0; }' |
        clang -x c - -fsanitize=fuzzer -o /dev/null 2>/dev/null; then
    rt="libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
    echo "setup: apt-get install $rt (libFuzzer)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$rt" >/dev/null
fi

[ -x .venv/bin/python ] || { echo "setup: creating .venv"; python3 -m venv .venv; }

# The stamp records what was installed; a changed requirements file triggers a reinstall.
stamp=.venv/.ember-setup
want="$(cat python/requirements.txt python/requirements-nodeps.txt python/pyproject.toml | sha256sum | cut -c1-16)"
if [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
    echo "setup: installing Python packages into .venv (torch==2.13.0 CPU and deps)"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install -q -r python/requirements.txt
    # timm for the breadth tests, without its torchvision dependency (see the file).
    .venv/bin/python -m pip install -q --no-deps -r python/requirements-nodeps.txt
    .venv/bin/python -m pip install -q --no-deps -e python
    bash scripts/setup_executorch.sh || true
    echo "$want" > $stamp
fi
