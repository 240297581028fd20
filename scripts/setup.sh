#!/usr/bin/env bash
# Installs what kpiq needs on a fresh Debian machine with Swift, builds it, and runs the guided
# tour over the bundled example data.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/dependencies.sh
install_libedit
install_compression
scripts/build-release.sh
.build/release/kpiq examples/tour.kpi
