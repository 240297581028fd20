#!/usr/bin/env bash
# Runs the whole test suite: unit tests per stage, golden files, example scripts, the real
# datasets in ../shared/datasets when present, and the interactive shell driven in a
# pseudo-terminal. Installs what is missing first (libedit-dev, python3 pexpect, chromium for the HTML
# reports).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/dependencies.sh
install_libedit
install_pexpect
install_chromium
swift build
swift test
