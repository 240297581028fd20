#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/*Fuzz.swift) with the KPIQ library's sources compiled
# into the same module, and its C kernels (Sources/CKPIQSupport), instrumented with
# -sanitize=fuzzer,address. Binaries go to .build-fuzz/ (KPIQ_FUZZ_BUILD to change it).
#
#   bash Fuzz/build.sh        # .build-fuzz/kpiq-fuzz, and a link to it for each target (SourceFuzz, CSVFuzz, ...)
#
# The targets are one binary (Fuzz/Main.swift dispatches on the name it is called by), so the
# library is compiled once, as one whole module (-wmo). SwiftPM cannot build a libFuzzer binary
# (it needs -sanitize=fuzzer on the final link and a library without a main), so this calls
# swiftc and clang directly. -O keeps runs fast.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${KPIQ_FUZZ_BUILD:-.build-fuzz}"
mkdir -p "$out/obj" "$out/modules/CKPIQSupport"

# The C module: the same headers SwiftPM exposes from Sources/CKPIQSupport/include.
inc="$PWD/Sources/CKPIQSupport/include"
{
    echo "module CKPIQSupport {"
    for h in "$inc"/*.h; do echo "    header \"$h\""; done
    echo "    export *"
    echo "}"
} > "$out/modules/CKPIQSupport/module.modulemap"

cflags=(-O2 -g -fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer -I "$inc")
objs=()
for c in Sources/CKPIQSupport/*.c; do
    o="$out/obj/$(basename "$c" .c).o"
    if [ ! -e "$o" ] || [ "$c" -nt "$o" ] || [ Sources/CKPIQSupport/split_rows.inc -nt "$o" ]; then
        clang "${cflags[@]}" -c "$c" -o "$o"
    fi
    objs+=("$o")
done

# ZIPFoundation (the XLSX container) from the package's checkout, as a module of its own,
# with AddressSanitizer but without coverage: the targets fuzz kpiq's code through it
# (_GNU_SOURCE as its package sets it, for fopencookie).
if [ ! -d .build/checkouts/ZIPFoundation ]; then swift package resolve >/dev/null; fi
zipsrc=.build/checkouts/ZIPFoundation/Sources
mapfile -t zipfiles < <(find "$zipsrc/ZIPFoundation" -name '*.swift' | sort)
if [ ! -e "$out/obj/ZIPFoundation.o" ] || [ -n "$(find "${zipfiles[@]}" -newer "$out/obj/ZIPFoundation.o" -print -quit)" ]; then
    echo "building ZIPFoundation for the fuzzers ..." >&2
    swiftc -O -wmo -parse-as-library -swift-version 5 -sanitize=address -module-name ZIPFoundation \
        -Xcc -D_GNU_SOURCE=1 -I "$zipsrc/CZLib" -emit-module -emit-module-path "$out/modules/ZIPFoundation.swiftmodule" \
        -c "${zipfiles[@]}" -o "$out/obj/ZIPFoundation.o"
fi

mapfile -t lib < <(find Sources/KPIQ -name '*.swift' | sort)
fuzz=(Fuzz/Main.swift Fuzz/SourceFuzz.swift Fuzz/CSVFuzz.swift Fuzz/ParquetFuzz.swift Fuzz/XLSXFuzz.swift Fuzz/SessionFileFuzz.swift Fuzz/ScratchFile.swift)
# Up to date: nothing newer than the binary (a build takes minutes).
if [ -x "$out/kpiq-fuzz" ] && [ -z "$(find "${lib[@]}" "${fuzz[@]}" Sources/CKPIQSupport Sources/CCompression Fuzz/build.sh -newer "$out/kpiq-fuzz" -print -quit)" ]; then
    echo "$out/kpiq-fuzz is up to date" >&2
else
    echo "building $out/kpiq-fuzz ..." >&2
    if ! swiftc -O -wmo -g -parse-as-library -swift-version 6 -package-name kpiq \
        -sanitize=fuzzer,address -module-name KPIQFuzz \
        -Xcc -fmodule-map-file="$out/modules/CKPIQSupport/module.modulemap" -I "$inc" \
        -I Sources/CCompression -I "$out/modules" -I "$zipsrc/CZLib" \
        "${lib[@]}" "${fuzz[@]}" "${objs[@]}" "$out/obj/ZIPFoundation.o" -lsnappy -lz -lzstd -o "$out/kpiq-fuzz" >"$out/build.log" 2>&1; then
        grep -v "Cannot export local symbol" "$out/build.log" >&2
        exit 1
    fi
    rm -f KPIQFuzz-*.swiftdoc KPIQFuzz-*.swiftmodule KPIQFuzz-*.swiftsourceinfo  # left by -g
    # (gold's "Cannot export local symbol '__asan_...'" warnings are harmless.)
    grep -v "Cannot export local symbol" "$out/build.log" >&2 || true
fi
ln -sf kpiq-fuzz "$out/SourceFuzz"
ln -sf kpiq-fuzz "$out/CSVFuzz"
ln -sf kpiq-fuzz "$out/ParquetFuzz"
ln -sf kpiq-fuzz "$out/XLSXFuzz"
ln -sf kpiq-fuzz "$out/JSONFuzz"
ln -sf kpiq-fuzz "$out/SessionFileFuzz"
