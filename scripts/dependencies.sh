# Sourced by setup.sh and test.sh: installs system and Python dependencies when missing.

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_libedit() {
    if ! dpkg -s libedit-dev >/dev/null 2>&1; then
        echo "installing libedit-dev (line editing for the shell)..." >&2
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq libedit-dev >/dev/null
    fi
}

install_pexpect() {
    if ! python3 -c "import pexpect" >/dev/null 2>&1; then
        echo "installing pexpect (drives the shell in a pseudo-terminal in the tests)..." >&2
        python3 -m pip install -q pexpect || echo "warning: pexpect could not be installed; the shell's terminal tests will be skipped" >&2
    fi
}

install_chromium() {
    # A real browser loads the HTML reports in the tests (Tests/Report/test_report.py);
    # without it those checks are skipped, with a note.
    if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
        echo "installing chromium (headless; the tests load each HTML report in it)..." >&2
        { as_root apt-get update -qq &&
          DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null; } ||
            echo "warning: chromium could not be installed; the browser checks of HTML reports will be skipped" >&2
    fi
}

install_duckdb() {
    if ! python3 -c "import duckdb" >/dev/null 2>&1; then
        echo "installing duckdb (the differential tester compares kpiq with it)..." >&2
        python3 -m pip install -q duckdb
    fi
}

install_compression() {
    # Snappy, zlib and Zstandard (Sources/CCompression): Parquet pages, `.gz` and `.zst` files.
    local missing=()
    for package in libsnappy-dev zlib1g-dev libzstd-dev; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]} (compression libraries for load)..." >&2
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
