#!/bin/sh
# Builds kpiq (debug) and drives its interactive shell in a pseudo-terminal.
#   Tests/Shell/run_shell_tests.sh [TEST_NAME ...]
# Needs python3 with pexpect (pip install pexpect).
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
swift build --product kpiq
bin=$(swift build --show-bin-path)
exec python3 "$root/Tests/Shell/test_shell.py" "$bin/kpiq" "$@"
