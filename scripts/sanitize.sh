#!/usr/bin/env bash
# Builds kpiq and its tests with AddressSanitizer in a separate build path (.build-sanitize) and
# runs under it: the unit and golden tests, then the fuzz corpora as plain inputs (through the
# fuzz targets, which are built with AddressSanitizer as well: Fuzz/build.sh).
#
#   bash scripts/sanitize.sh                  # everything
#   bash scripts/sanitize.sh --filter REGEX   # only the tests matching REGEX (swift test --filter)
#   bash scripts/sanitize.sh --no-tests       # only the fuzz corpora
#   bash scripts/sanitize.sh --no-corpora     # only the tests
#
# UndefinedBehaviorSanitizer: Swift on Linux does not support it (`swiftc -sanitize=undefined`
# is "unsupported option ... for target x86_64-unknown-linux-gnu"), and Swift's own checks
# (overflow, bounds, unwrapping) trap anyway. The C kernels (Sources/CKPIQSupport) are
# compiled with -fsanitize=undefined on top of AddressSanitizer (-Xcc), and any report stops
# the run (halt_on_error).
#
# Known defects being fixed elsewhere (issue 22) are skipped explicitly, with the reason,
# in KNOWN_SKIPS below; remove an entry when its fix lands.
set -euo pipefail
cd "$(dirname "$0")/.."

run_tests=1
run_corpora=1
filter=()
while [ $# -gt 0 ]; do
    case "$1" in
        --filter) filter=(--filter "$2"); shift 2 ;;
        --no-tests) run_tests=0; shift ;;
        --no-corpora) run_corpora=0; shift ;;
        *) echo "usage: scripts/sanitize.sh [--filter REGEX] [--no-tests] [--no-corpora]" >&2; exit 2 ;;
    esac
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
# A Swift trap is reported by libFuzzer / the test runner; Swift's backtracer reading the
# crashed stack would only add an AddressSanitizer report of its own.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
build=(--build-path .build-sanitize --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined)

# Inputs of the fuzz corpora that reach a known defect being fixed elsewhere, with the reason.
# (Format: path relative to Fuzz/corpus, then the reason.)
KNOWN_SKIPS=(
)

status=0
if [ $run_tests = 1 ]; then
    echo "== sanitize: building with AddressSanitizer (.build-sanitize)" >&2
    nice swift build --build-tests "${build[@]}"
    echo "== sanitize: unit and golden tests under AddressSanitizer" >&2
    nice swift test --skip-build "${build[@]}" "${filter[@]}" || status=$?
fi

if [ $run_corpora = 1 ]; then
    echo "== sanitize: fuzz corpora under AddressSanitizer" >&2
    nice bash Fuzz/build.sh
    for target in SourceFuzz CSVFuzz ParquetFuzz XLSXFuzz JSONFuzz SessionFileFuzz; do
        dir="Fuzz/corpus/$target"
        inputs=()
        for f in "$dir"/* Fuzz/regressions/"$target"/*; do
            [ -f "$f" ] || continue
            rel="${f#Fuzz/corpus/}"
            skip=""
            for ((i = 0; i < ${#KNOWN_SKIPS[@]}; i += 2)); do
                if [ "${KNOWN_SKIPS[i]}" = "$rel" ]; then skip="${KNOWN_SKIPS[i+1]}"; fi
            done
            if [ -n "$skip" ]; then echo "skipped $rel: $skip" >&2; continue; fi
            inputs+=("$f")
        done
        echo "$target: ${#inputs[@]} inputs" >&2
        # libFuzzer runs each file given as an argument once, without fuzzing.
        if ! KPIQ_FUZZ_DATA="$PWD/Tests/Golden/data" ".build-fuzz/$target" -runs=1 "${inputs[@]}" >/tmp/kpiq-sanitize-$target.log 2>&1; then
            echo "$target: an input failed under AddressSanitizer:" >&2
            tail -40 /tmp/kpiq-sanitize-$target.log >&2
            status=1
        else
            echo "$target: ${#inputs[@]} passed, 0 failed" >&2
        fi
    done
fi
exit $status
