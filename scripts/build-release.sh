#!/usr/bin/env bash
# Builds kpiq in release for the machine it runs on: on an x86-64 CPU with the AVX2 generation
# of instructions (x86-64-v3: AVX2, BMI1/2, FMA, F16C, LZCNT, MOVBE), the code is generated for
# that level (`-target-cpu haswell`), so the batch kernels use 256-bit registers and 64-bit
# vector compares; elsewhere, for the baseline of the architecture. The binary is then meant
# for this machine (or one with the same instructions), as with `-march=native`.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=()
if [[ "$(uname -m)" == x86_64 && -r /proc/cpuinfo ]]; then
    cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    level3=yes
    for flag in avx avx2 bmi1 bmi2 fma f16c abm movbe xsave; do
        [[ "$cpu_flags" == *" $flag "* ]] || level3=no
    done
    if [[ $level3 == yes ]]; then flags=(-Xswiftc -target-cpu -Xswiftc haswell); fi
fi
swift build -c release "${flags[@]}" "$@"
