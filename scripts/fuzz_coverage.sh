#!/usr/bin/env bash
# Line coverage of runtime/ and kernels/ reached by the fuzz targets: replays the seeds, the
# runtime's programs, the regression files and the campaigns' working corpora
# ($FUZZ_WORK/corpus/*, from `make fuzz`) through every replay_fuzz_* of a clang coverage build
# (-fprofile-instr-generate -fcoverage-mapping), merges the profiles and prints llvm-cov's
# summary: per directory, per file, and the least-reached kernel files. See docs/fuzzing.md.
#
#   bash scripts/fuzz_coverage.sh build-cov      (make fuzz-coverage)
#   FUZZ_COVERAGE_INPUTS="tests/fuzz/corpus" bash scripts/fuzz_coverage.sh build-cov   (just those)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-cov}
work=${FUZZ_WORK:-fuzz-work}
shopt -s nullglob

# llvm-profdata / llvm-cov of clang's own version when both are installed.
ver=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
profdata=llvm-profdata
cov=llvm-cov
command -v "llvm-profdata-$ver" >/dev/null && profdata="llvm-profdata-$ver"
command -v "llvm-cov-$ver" >/dev/null && cov="llvm-cov-$ver"
command -v "$profdata" >/dev/null && command -v "$cov" >/dev/null ||
    { echo "fuzz_coverage: llvm-profdata and llvm-cov are needed (apt-get install llvm)" >&2; exit 2; }

bins=("$build"/bin/replay_fuzz_*)
[ ${#bins[@]} -gt 0 ] || { echo "fuzz_coverage: no $build/bin/replay_fuzz_* (make fuzz-coverage builds them)" >&2; exit 2; }
prof="$build/profiles"
rm -rf "$prof"
mkdir -p "$prof"

inputs=(tests/fuzz/corpus tests/data/regress tests/data/*.pte tests/data/*.bpte tests/data/fixtures/*.pte)
corpora=("$work"/corpus/*/)
inputs+=("${corpora[@]}")
# FUZZ_COVERAGE_INPUTS="dir file ..." replaces the list (e.g. the seeds alone).
[ -n "${FUZZ_COVERAGE_INPUTS:-}" ] && read -r -a inputs <<<"$FUZZ_COVERAGE_INPUTS"
nfiles=$(find "${inputs[@]}" -type f ! -name '*.md' | wc -l)
echo "fuzz_coverage: ${#bins[@]} targets over $nfiles files (seeds, tests/data, regress, ${#corpora[@]} working corpora)"

# A whole folder per process; a process that dies (a crash the sanitizers would have named)
# writes no profile, so its folder is replayed again one file per process.
for bin in "${bins[@]}"; do
    name=$(basename "$bin")
    for in in "${inputs[@]}"; do
        export LLVM_PROFILE_FILE="$root/$prof/$name-%p.profraw"
        if ! (timeout 600 "$bin" "$in" >/dev/null 2>&1) 2>/dev/null; then
            for f in $(find "$in" -type f ! -name '*.md'); do
                export LLVM_PROFILE_FILE="$root/$prof/$name-%4m.profraw"
                (timeout 60 "$bin" "$f" >/dev/null 2>&1) 2>/dev/null
            done
        fi
    done
done 2>/dev/null # the shell's "Aborted"/"Segmentation fault" notes
# A profile left half-written by a process killed on timeout is skipped (-failure-mode=all).
"$profdata" merge -sparse -failure-mode=all "$prof"/*.profraw -o "$build/fuzz.profdata"

objects=()
for bin in "${bins[@]:1}"; do objects+=(-object "$bin"); done
"$cov" export -summary-only -instr-profile="$build/fuzz.profdata" "${bins[0]}" "${objects[@]}" \
    "$root/runtime" "$root/kernels" >"$build/fuzz-coverage.json"
"$cov" report -instr-profile="$build/fuzz.profdata" "${bins[0]}" "${objects[@]}" \
    "$root/runtime" "$root/kernels" >"$build/fuzz-coverage.txt"

python3 - "$build/fuzz-coverage.json" "$root" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))["data"][0]["files"]
root = sys.argv[2] + "/"
rows = []
for f in data:
    name = f["filename"].replace(root, "")
    lines = f["summary"]["lines"]
    rows.append((name, lines["covered"], lines["count"]))

def total(prefix):
    c = sum(r[1] for r in rows if r[0].startswith(prefix))
    n = sum(r[2] for r in rows if r[0].startswith(prefix))
    return c, n

print("line coverage reached by the fuzz targets:")
for prefix in ("runtime/", "kernels/", ""):
    c, n = total(prefix)
    print(f"  {prefix or 'runtime/ + kernels/':22s} {100.0 * c / max(n, 1):5.1f}%  ({c} of {n} lines)")
print("kernel files, least reached first:")
kernels = sorted((r for r in rows if r[0].startswith("kernels/")), key=lambda r: r[1] / max(r[2], 1))
for name, c, n in kernels:
    print(f"  {100.0 * c / max(n, 1):5.1f}%  {c:4d}/{n:<4d} {name}")
EOF
echo "per file (regions, functions, lines, branches): $build/fuzz-coverage.txt"
