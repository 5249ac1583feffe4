#!/usr/bin/env bash
# Replays programs through every fuzz target of a build, one process per (file, target), and
# prints a file x target matrix: "clean", or the first line of the sanitizer report / failed
# harness check / crash. Exits 1 if any run was not clean. Run by `make test` on the sanitizer
# builds; see docs/fuzzing.md.
#
#   bash scripts/fuzz_replay.sh BUILD_DIR [FILE|DIR ...]
#
# Default inputs: tests/data/regress/ (the regression files), tests/fuzz/corpus/ (the seeds),
# tests/data/*.pte, *.bpte and tests/data/fixtures/*.pte. The full matrix is also written to
# BUILD_DIR/fuzz-replay.txt. REPLAY_JOBS (default 2) runs in parallel; REPLAY_TIMEOUT (default
# 120 s) bounds each run.
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:?usage: scripts/fuzz_replay.sh BUILD_DIR [FILE|DIR ...]}
shift
if [ $# -eq 0 ]; then
    set -- tests/data/regress tests/fuzz/corpus tests/data/*.pte tests/data/*.bpte tests/data/fixtures/*.pte
fi
shopt -s nullglob
bins=("$build"/bin/replay_fuzz_*)
if [ ${#bins[@]} -eq 0 ]; then
    echo "fuzz_replay: no $build/bin/replay_fuzz_* (build $build first)" >&2
    exit 2
fi

files=()
for arg in "$@"; do
    if [ -d "$arg" ]; then
        for f in "$arg"/*; do
            [ -f "$f" ] && [[ "$f" != *.md ]] && files+=("$f")
        done
    elif [ -f "$arg" ]; then
        files+=("$arg")
    else
        echo "fuzz_replay: no such file $arg" >&2
        exit 2
    fi
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:print_stacktrace=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export REPLAY_TIMEOUT=${REPLAY_TIMEOUT:-120}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# One run: writes "<status line>" to $out/<file index>.<target index>.
run_one() {
    local bin=$1 file=$2 dest=$3 rc line
    timeout "$REPLAY_TIMEOUT" "$bin" "$file" >"$dest.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        echo clean >"$dest"
        return
    fi
    if [ $rc -eq 124 ]; then
        line="timeout after ${REPLAY_TIMEOUT}s"
    else
        line=$(grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|FUZZ CHECK FAILED' "$dest.log")
        if [[ "$line" == *"ERROR: AddressSanitizer"* ]]; then
            # where, and for a SEGV whether it read or wrote: "SEGV on unknown address ... (WRITE) in f file:line"
            access=$(grep -m1 -o -E 'caused by a (READ|WRITE)' "$dest.log" | sed 's/caused by a //')
            frame=$(grep -E '^ +#[0-9]+ ' "$dest.log" | grep -v -E 'sanitizer|__interceptor' | head -1 |
                    sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ //')
            line="${line%% (pc *}${access:+ ($access)} $frame"
        fi
        [ -z "$line" ] && line="exit code $rc: $(grep -v '^Running:' "$dest.log" | head -1)"
    fi
    echo "$line" | sed -e "s|$PWD/||g" -e 's/^==[0-9]*==//' | cut -c1-220 >"$dest"
}
export -f run_one

start=$(date +%s)
for i in "${!files[@]}"; do
    for j in "${!bins[@]}"; do
        printf '%s\0%s\0%s\0' "${bins[$j]}" "${files[$i]}" "$out/$i.$j"
    done
done | xargs -0 -n 3 -P "${REPLAY_JOBS:-2}" bash -c 'run_one "$0" "$1" "$2"'

report="$build/fuzz-replay.txt"
: >"$report"
failed_files=0
failed_runs=0
for i in "${!files[@]}"; do
    row=""
    bad=0
    for j in "${!bins[@]}"; do
        name=$(basename "${bins[$j]}")
        res=$(cat "$out/$i.$j" 2>/dev/null || echo "no result")
        row+=$'\n'"    ${name#replay_fuzz_}: $res"
        if [ "$res" != clean ]; then
            bad=1
            failed_runs=$((failed_runs + 1))
        fi
    done
    if [ $bad -eq 1 ]; then
        failed_files=$((failed_files + 1))
        echo "FAIL ${files[$i]}$row" | tee -a "$report"
    else
        echo "ok   ${files[$i]}" >>"$report"
    fi
done
echo "fuzz_replay ($build): ${#files[@]} files x ${#bins[@]} targets in $(( $(date +%s) - start ))s:" \
     "$((${#files[@]} - failed_files)) files clean, $failed_files with a report ($failed_runs runs); matrix in $report" | tee -a "$report"
[ $failed_runs -eq 0 ]
