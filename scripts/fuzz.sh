#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (default 60): SourceFuzz (source text through the
# lexer, parser, binder and executor), CSVFuzz (CSV bytes through the loader with each
# option set), ParquetFuzz (Parquet files through the reader), XLSXFuzz (workbooks and
# workbook parts through the XLSX reader), JSONFuzz (JSON through its reader) and
# SessionFileFuzz (saved session files through `open`). Builds them first (Fuzz/build.sh,
# -sanitize=fuzzer,address).
#
#   bash scripts/fuzz.sh 60                    # every target, 60 s each (what CI runs)
#   bash scripts/fuzz.sh 3600 CSVFuzz          # one target for an hour
#   KPIQ_FUZZ_KEEP_GOING=1 bash scripts/fuzz.sh 1800   # fork mode: record crashes, go on
#
# The checked-in seeds (Fuzz/corpus/TARGET) are read, not changed: new inputs go to the
# working corpus .build-fuzz/corpus/TARGET, kept between runs. A crash, a sanitizer report, a
# timeout (10 s) or running out of memory (4 GB) is written to .build-fuzz/crashes/TARGET/ and
# makes the script fail; minimize it (`.build-fuzz/TARGET -minimize_crash=1 -runs=10000 FILE`)
# and add it to Fuzz/regressions/TARGET/ with a test of the fix. The last line per target
# gives its executions (libFuzzer's stat::number_of_executed_units).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(SourceFuzz CSVFuzz ParquetFuzz XLSXFuzz JSONFuzz SessionFileFuzz)

nice bash Fuzz/build.sh
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
# libFuzzer prints the stack of a trap itself; Swift's backtracer would only add an ASan
# report of its own memory reads. One thread: several times more executions a second (the
# loader's range boundaries are still fuzzed: CSVFuzz chooses how many ranges to cut).
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
export KPIQ_THREADS="${KPIQ_THREADS:-1}"
export KPIQ_FUZZ_DATA="$PWD/Tests/Golden/data"
status=0
for target in "${targets[@]}"; do
    work=".build-fuzz/corpus/$target"
    crashes=".build-fuzz/crashes/$target"
    mkdir -p "$work" "$crashes"
    case "$target" in
        SourceFuzz) extra=(-max_len=4096 -dict=Fuzz/kpiq.dict) ;;
        CSVFuzz) extra=(-max_len=8192) ;;
        ParquetFuzz) extra=(-max_len=65536) ;;
        XLSXFuzz) extra=(-max_len=16384) ;;
        JSONFuzz) extra=(-max_len=8192) ;;
        SessionFileFuzz) extra=(-max_len=65536) ;;
        *) echo "unknown target $target" >&2; exit 2 ;;
    esac
    mode=()
    [ -n "${KPIQ_FUZZ_KEEP_GOING:-}" ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    log=".build-fuzz/$target.log"
    echo "== fuzz: $target for $seconds s (log: $log)" >&2
    if nice ".build-fuzz/$target" "$work" "Fuzz/corpus/$target" "${extra[@]}" "${mode[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$crashes/" >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        grep -m5 -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" >&2 || tail -20 "$log" >&2
    fi
    execs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$" | tail -1)
    [ -z "$execs" ] && execs=$(grep -oE "^#[0-9]+" "$log" | tail -1 | tr -d '#')
    echo "fuzz $target: $result, ${execs:-?} executions in $seconds s, $(ls "$crashes" | wc -l) crash files" >&2
done
exit $status
