#!/usr/bin/env bash
# Runs Ember's libFuzzer targets (build-fuzz/bin/fuzz_*) and prints a summary: executions per
# target (libFuzzer's stat::number_of_executed_units), exec/s, corpus size, crashes found.
# See docs/fuzzing.md.
#
#   bash scripts/fuzz.sh campaign SECONDS JOBS [TARGET ...]   (make fuzz)
#   bash scripts/fuzz.sh test SECONDS [TARGET ...]            (make test: one job, fixed seed)
#
# campaign: each target in turn runs SECONDS with -jobs=JOBS -workers=JOBS, its working corpus
#   $FUZZ_WORK/corpus/<target>/ (kept between campaigns, outside git) first, then the seed
#   folders; crash artifacts go to $FUZZ_WORK/artifacts/<target>/, logs to $FUZZ_WORK/logs/.
#   A job stops at its first crash; FUZZ_MODE=fork runs libFuzzer's -fork=JOBS with
#   -ignore_crashes=1 instead, which keeps fuzzing past crashes (and past seeds that crash).
# test: each target runs SECONDS from the seeds alone (a fresh working corpus, -seed=1) and
#   any crash, leak, timeout or out-of-memory fails: the exit status is 1.
#
# Seeds: tests/fuzz/corpus/ (scripts/make_fuzz_corpus.py) and, by reference, tests/data/*.pte, *.bpte and
# tests/data/fixtures/*.pte (symbolic links in $FUZZ_WORK/seeds/; files over -max_len skipped).
# -max_len defaults to the largest file of tests/fuzz/corpus rounded up to 4 KiB (FUZZ_MAX_LEN
# overrides). A dictionary of operator names and format magics is made from kernels/*.inc (plus
# the Ethos-U blob's block names, for fuzz_ethos_u, whose seeds are tests/fuzz/corpus/vela_*.bin).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=${1:-}
seconds=${2:-}
case "$mode" in
campaign) jobs=${3:-2}; shift 3 ;;
test) jobs=1; shift 2 ;;
*) echo "usage: scripts/fuzz.sh campaign SECONDS JOBS [TARGET...] | test SECONDS [TARGET...]" >&2; exit 2 ;;
esac
[ -n "$seconds" ] || { echo "fuzz.sh: SECONDS missing" >&2; exit 2; }

build=${FUZZ_BUILD:-build-fuzz}
work=$(mkdir -p "${FUZZ_WORK:-fuzz-work}" && cd "${FUZZ_WORK:-fuzz-work}" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
for t in "${targets[@]}"; do
    [ -x "$build/bin/$t" ] || { echo "fuzz.sh: no $build/bin/$t (make build-fuzz)" >&2; exit 2; }
done

# -max_len from the seed corpus; the folder of references to the runtime's own programs.
largest=$(find tests/fuzz/corpus -type f -name '*.pte' -printf '%s\n' | sort -n | tail -1)
max_len=${FUZZ_MAX_LEN:-$(( (${largest:-4096} + 4095) / 4096 * 4096 ))}
rm -rf "$work/seeds"
mkdir -p "$work/seeds"
skipped=0
for f in tests/data/*.pte tests/data/*.bpte tests/data/fixtures/*.pte; do
    if [ "$(stat -c %s "$f")" -le "$max_len" ]; then
        ln -s "$root/$f" "$work/seeds/$(echo "$f" | tr / _)"
    else
        skipped=$((skipped + 1))
    fi
done

# Dictionary: operator names (whole, and split the way the file stores them) and magics.
dict="$work/ember.dict"
{
    printf '"ET12"\n"eh00"\n"forward"\n"out"\n"EmberTestScaleBackend"\n'
    # the Ethos-U delegate's id and its vela_bin_stream block names and command-stream magics
    printf '"EthosUBackend"\n"vela_bin_stream"\n"vela_end_stream"\n"cmd_data"\n"weight_data"\n'
    printf '"scratch_size"\n"inputs"\n"outputs"\n"COP1"\n"COP2"\n'
    grep -oh '"[a-z_]*::[^"]*"' kernels/portable/ops_*.inc | tr -d '"' | while read -r op; do
        printf '"%s"\n"%s"\n' "${op%.*}" "${op##*.}"
    done
} | sort -u >"$dict"

common=(-max_len="$max_len" -timeout="${FUZZ_TIMEOUT:-25}" -rss_limit_mb=2560 -dict="$dict"
        -print_final_stats=1 -max_total_time="$seconds")
echo "fuzz: ${targets[*]}: ${seconds}s each, $jobs job(s), -max_len=$max_len" \
     "(seeds: tests/fuzz/corpus, $(ls "$work/seeds" | wc -l) programs of tests/data; $skipped larger ones skipped)"

status=0
summary=()
for t in "${targets[@]}"; do
    art="$work/artifacts/$t"
    logs="$work/logs/$t"
    if [ "$mode" = test ]; then
        corpus="$work/test-corpus/$t"
        rm -rf "$corpus"
    else
        corpus="$work/corpus/$t"
    fi
    mkdir -p "$art" "$corpus" "$logs"
    rm -f "$logs"/fuzz-*.log "$logs/main.log"
    start=$(date +%s)
    args=("${common[@]}" -artifact_prefix="$art/")
    if [ "$mode" = test ]; then
        args+=(-seed=1 -jobs=1 -workers=1)
    elif [ "${FUZZ_MODE:-jobs}" = fork ]; then
        args+=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    else
        args+=(-jobs="$jobs" -workers="$jobs")
    fi
    (cd "$logs" && "$root/$build/bin/$t" "${args[@]}" "$corpus" "$root/tests/fuzz/corpus" "$work/seeds" \
        >"$logs/main.log" 2>&1)
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    [ $elapsed -gt 0 ] || elapsed=1

    # Executions: the final stats of every job; in fork mode, the parent's last status line.
    execs=$(cat "$logs"/fuzz-*.log "$logs/main.log" 2>/dev/null |
            sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' | awk '{s += $1} END {print s + 0}')
    if [ "$execs" = 0 ]; then
        execs=$(sed -n 's/^#\([0-9]*\):* .*/\1/p' "$logs/main.log" | tail -1)
        execs=${execs:-0}
    fi
    # The artifacts this run wrote (a crash already seen keeps its name, so not "new" files):
    # libFuzzer logs each one as "Test unit written to PATH".
    new=$(cat "$logs"/fuzz-*.log "$logs/main.log" 2>/dev/null | sed -n 's/.*Test unit written to \(.*\)$/\1/p' |
          xargs -r -n1 basename | sort -u)
    crashes=$(echo "$new" | grep -c -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
    line=$(printf '%-14s %10s execs %7s exec/s  corpus %5s files  %3s artifacts' "$t" "$execs" \
           "$((execs / elapsed))" "$(ls "$corpus" | wc -l)" "$crashes")
    summary+=("$line")
    if [ "$crashes" -gt 0 ] || { [ "$mode" = test ] && [ $rc -ne 0 ]; }; then
        status=1
        first=$(cat "$logs"/fuzz-*.log "$logs/main.log" 2>/dev/null |
                grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|FUZZ CHECK FAILED|ERROR: libFuzzer' |
                sed -e "s|$root/||g" -e 's/^==[0-9]*==//')
        summary+=("    first report: ${first:-exit code $rc, see $logs}")
        # The artifacts grouped by the first line their replay reports (where, not the values).
        if [ -x "$build/bin/replay_$t" ]; then
            n=0
            for a in $new; do
                n=$((n + 1))
                [ $n -le 200 ] || break
                line=$(timeout 60 "$build/bin/replay_$t" "$art/$a" 2>&1 |
                       grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|FUZZ CHECK FAILED' |
                       sed -e "s|$root/||g" -e 's/^==[0-9]*==//' -e 's/0x[0-9a-f]*/ADDR/g' -E -e 's/([ (])-?[0-9][0-9.e+]*/\1N/g')
                echo "${line:-no report on replay (timeout, oom or slow unit?)}	$a"
            done | sort | awk -F'\t' '{n[$1]++; if (!($1 in ex)) ex[$1] = $2} END {for (k in n) printf "%d\t%s\t%s\n", n[k], k, ex[k]}' |
                sort -rn >"$logs/distinct.txt"
            summary+=("    $(wc -l <"$logs/distinct.txt") distinct reports (count, first line, one artifact):")
            while IFS=$'\t' read -r count line example; do
                summary+=("    $(printf '%4d' "$count")  $line  [$example]")
            done <"$logs/distinct.txt"
        else
            for a in $new; do summary+=("    $art/$a"); done
        fi
    fi
done

echo
echo "fuzz summary ($mode, ${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
if [ $status -ne 0 ]; then
    echo "fuzz: crashes found. Reproduce: $build/bin/replay_<target> ARTIFACT; then add it to tests/data/regress/ (its README says how)."
fi
exit $status
