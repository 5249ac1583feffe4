#!/usr/bin/env bash
# Installs ExecuTorch (the `executorch` PyPI wheel) into .venv beside torch==2.13.0, for the
# compatibility tests (tests/python/test_executorch_compat.py) and the benchmarks; and torchao,
# which ExecuTorch's XNNPACK partitioner imports (bench/compare.py's ExecuTorch+XNNPACK column).
#
# The wheel's declared dependencies pull in torchao, coremltools, scikit-learn, pandas, hydra and
# more; none of them is needed to export with `executorch.exir.to_edge` or to run a .pte with the
# portable pybindings, so we install it with --no-deps plus the two light modules its import
# chain really needs (ruamel.yaml, tabulate). torch's version must never change: it is checked
# after the install, and a changed torch is put back (and ExecuTorch removed).
#
# torchao 0.18 declares no dependencies and works beside torch 2.13.0; it is installed with
# --no-deps all the same, under the same guard: torch is checked after, and put back if it moved.
#
# Failure is allowed: the script then prints one line "ExecuTorch unavailable: <why>" (or
# "ExecuTorch+XNNPACK unavailable: <why>" when only torchao failed) and exits 0; the
# compatibility tests skip with that reason, bench/compare.py leaves those columns out. Fast (one
# metadata look-up) when already there.
# Set EMBER_SKIP_EXECUTORCH=1 to skip it.
set -uo pipefail
cd "$(dirname "$0")/.."

ET_VERSION="1.5.1"
TORCHAO_SERIES="0.18"
TORCH_VERSION="2.13.0"
PY=.venv/bin/python

unavailable() { echo "ExecuTorch unavailable: $*"; exit 0; }

# torchao for the XNNPACK partitioner; never fatal, never leaves torch changed.
install_torchao() {
    if $PY -c 'import importlib.metadata as md, sys; sys.exit(0 if md.version("torchao").startswith(sys.argv[1] + ".") else 1)' \
        "$TORCHAO_SERIES" 2>/dev/null; then
        return 0
    fi
    local before after tlog
    before="$($PY -c 'import torch; print(torch.__version__)' 2>/dev/null)"
    tlog="$(mktemp)"
    echo "setup: installing torchao==$TORCHAO_SERIES.* (--no-deps) into .venv"
    if ! $PY -m pip install -q --no-deps "torchao==$TORCHAO_SERIES.*" >"$tlog" 2>&1; then
        echo "ExecuTorch+XNNPACK unavailable: pip could not install torchao==$TORCHAO_SERIES.* ($(grep -m1 -E 'ERROR' "$tlog" || tail -n1 "$tlog"))"
        rm -f "$tlog"
        return 0
    fi
    after="$($PY -c 'import torch; print(torch.__version__)' 2>/dev/null || echo broken)"
    if [ "$after" != "$before" ]; then
        $PY -m pip uninstall -y -q torchao >/dev/null 2>&1
        $PY -m pip install -q "torch==$TORCH_VERSION" >/dev/null 2>&1
        echo "ExecuTorch+XNNPACK unavailable: installing torchao changed torch ($before -> $after); removed it and restored torch"
    elif ! $PY -W ignore -c 'from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner' >"$tlog" 2>&1; then
        echo "ExecuTorch+XNNPACK unavailable: the XNNPACK partitioner does not import ($(grep -E 'Error' "$tlog" | tail -n1)); torchao left installed"
    else
        echo "setup: torchao $($PY -c 'import importlib.metadata as m; print(m.version("torchao"))') installed (torch $after unchanged)"
    fi
    rm -f "$tlog"
    return 0
}

[ "${EMBER_SKIP_EXECUTORCH:-0}" = "1" ] && unavailable "skipped (EMBER_SKIP_EXECUTORCH=1)"
[ -x "$PY" ] || unavailable "no .venv (run scripts/setup.sh first)"

# Already installed (the right version, and its extra modules present)? Then nothing to do.
if $PY - "$ET_VERSION" <<'EOF' 2>/dev/null
import importlib.metadata as md, importlib.util, sys
ok = md.version("executorch") == sys.argv[1]
ok = ok and all(importlib.util.find_spec(m) for m in ("ruamel.yaml", "tabulate"))
sys.exit(0 if ok else 1)
EOF
then
    install_torchao
    exit 0
fi

torch_before="$($PY -c 'import torch; print(torch.__version__)' 2>/dev/null)" \
    || unavailable "torch is not importable in .venv"
case "$torch_before" in
    "$TORCH_VERSION"*) ;;
    *) unavailable "torch in .venv is $torch_before, not $TORCH_VERSION; not touching it" ;;
esac

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "setup: installing executorch==$ET_VERSION (--no-deps) into .venv"
if ! $PY -m pip install -q --no-deps "executorch==$ET_VERSION" >"$log" 2>&1; then
    unavailable "pip could not install executorch==$ET_VERSION ($(grep -m1 -E 'ERROR' "$log" || tail -n1 "$log"))"
fi
if ! $PY -m pip install -q ruamel.yaml tabulate >"$log" 2>&1; then
    $PY -m pip uninstall -y -q executorch >/dev/null 2>&1
    unavailable "pip could not install ruamel.yaml/tabulate ($(grep -m1 -E 'ERROR' "$log" || tail -n1 "$log"))"
fi

# torch must be exactly what it was.
torch_after="$($PY -c 'import torch; print(torch.__version__)' 2>/dev/null || echo broken)"
if [ "$torch_after" != "$torch_before" ]; then
    $PY -m pip uninstall -y -q executorch >/dev/null 2>&1
    $PY -m pip install -q "torch==$TORCH_VERSION" >/dev/null 2>&1
    unavailable "installing it changed torch ($torch_before -> $torch_after); removed it and restored torch"
fi

# The two entry points the tests use must import with this torch (the pybindings are compiled
# against a specific torch build).
if ! $PY -W ignore -c '
from executorch.exir import to_edge
from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer
' >"$log" 2>&1; then
    why="$(grep -E 'Error' "$log" | tail -n1)"
    $PY -m pip uninstall -y -q executorch >/dev/null 2>&1
    unavailable "executorch==$ET_VERSION does not import with torch $torch_before (${why:-unknown error}); removed it"
fi
echo "setup: executorch $ET_VERSION installed (torch $torch_after unchanged)"
install_torchao
exit 0
