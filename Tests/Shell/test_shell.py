#!/usr/bin/env python3
"""Drives the interactive kpiq shell in a pseudo-terminal, as a person would.

    python3 Tests/Shell/test_shell.py PATH_TO_KPIQ [TEST_NAME ...]

Each test starts the real binary with HOME and KPIQ_HISTORY in a fresh temporary folder,
LANG=C.UTF-8 and TERM=xterm, types keys and checks what the shell prints. Exits 1 when a test
fails, 2 when it cannot run at all (no pexpect, no binary).
"""

import os
import re
import shutil
import sys
import tempfile
import time
import traceback

try:
    import pexpect
except ImportError:  # pragma: no cover
    print("SKIP: the Python package pexpect is not installed (pip install pexpect)")
    sys.exit(2)

PROMPT = "kpiq> "
CONTINUATION = " ...> "
TIMEOUT = 15
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x07")

SALES_CSV = (
    "day,channel,clicks,cost\n"
    "2024-01-01,search,10,1.5\n"
    "2024-01-02,social,20,2.5\n"
)


class Skip(Exception):
    pass


def plain(text):
    """Terminal output without escape sequences and carriage returns."""
    return ANSI.sub("", text).replace("\r", "")


class Shell:
    """One run of kpiq in a pseudo-terminal, in the test's folder."""

    def __init__(self, binary, folder, env):
        self.child = pexpect.spawn(
            binary, [], cwd=folder, env=env, encoding="utf-8", codec_errors="replace",
            dimensions=(40, 120), timeout=TIMEOUT)
        self.transcript = ""
        self.expect_exact("Ctrl-D to leave")
        self.expect_exact(PROMPT)

    def expect_exact(self, text, timeout=TIMEOUT):
        try:
            self.child.expect_exact(text, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF):
            self.transcript += self.child.before or ""
            raise AssertionError(f"expected {text!r}; the screen showed:\n{plain(self.transcript)[-2000:]}")
        self.transcript += self.child.before + self.child.after
        return plain(self.child.before)

    def expect_regex(self, pattern, timeout=TIMEOUT):
        try:
            index = self.child.expect(pattern if isinstance(pattern, list) else [pattern], timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF):
            self.transcript += self.child.before or ""
            raise AssertionError(f"expected /{pattern}/; the screen showed:\n{plain(self.transcript)[-2000:]}")
        self.transcript += self.child.before + self.child.after
        return index

    def type(self, text):
        self.child.send(text)

    def line(self, text):
        """Types a line, presses Enter, and returns what it printed up to the next prompt."""
        self.child.send(text + "\r")
        return self.until_prompt()

    def until_prompt(self, timeout=TIMEOUT):
        return self.expect_exact("\n" + PROMPT, timeout)

    def key(self, name):
        keys = {"tab": "\t", "up": "\x1b[A", "left": "\x1b[D", "right": "\x1b[C", "backspace": "\x7f",
                "enter": "\r", "escape": "\x1b"}
        self.child.send(keys[name])

    def control(self, letter):
        self.child.sendcontrol(letter)

    def quit(self):
        """Ctrl-D; returns the exit status."""
        self.control("d")
        try:
            self.child.expect(pexpect.EOF, timeout=TIMEOUT)
        except pexpect.TIMEOUT:
            raise AssertionError("Ctrl-D did not end kpiq")
        self.transcript += self.child.before
        self.child.close()
        return self.child.exitstatus

    def close(self):
        if self.child.isalive():
            self.child.close(force=True)


class Context:
    def __init__(self, binary):
        self.binary = binary
        self.folder = tempfile.mkdtemp(prefix="kpiq-shell-test-")
        self.home = os.path.join(self.folder, "home")
        os.mkdir(self.home)
        self.history = os.path.join(self.home, "history")
        with open(os.path.join(self.folder, "sales.csv"), "w") as f:
            f.write(SALES_CSV)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "KPIQ_HISTORY": self.history,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "xterm",
        }
        # Under scripts/sanitize.sh: the sanitizers' settings (leak checks off) reach kpiq.
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if name in os.environ:
                self.env[name] = os.environ[name]
        self.shells = []

    def start(self):
        shell = Shell(self.binary, self.folder, self.env)
        self.shells.append(shell)
        return shell

    def start_loaded(self):
        shell = self.start()
        out = shell.line('load "sales.csv" as sales')
        assert "loaded `sales`" in out, out
        return shell

    def cleanup(self):
        for shell in self.shells:
            shell.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- The tests ----------------------------------------------------------------------------

def test_banner_and_ctrl_d_exit(ctx):
    shell = ctx.start()
    assert "kpiq 0.1.0" in plain(shell.transcript), shell.transcript
    status = shell.quit()
    assert status == 0, f"exit status {status}"


def test_quit_command(ctx):
    shell = ctx.start()
    shell.child.send(".quit\r")
    shell.child.expect(pexpect.EOF, timeout=TIMEOUT)
    shell.child.close()
    assert shell.child.exitstatus == 0, f"exit status {shell.child.exitstatus}"


def test_piped_input_runs_as_a_script(ctx):
    import subprocess
    result = subprocess.run(
        [ctx.binary], input='load "sales.csv" as sales\nfrom sales |\n  select clicks\n', cwd=ctx.folder,
        env=ctx.env, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result
    assert "kpiq>" not in result.stdout and "Ctrl-D" not in result.stdout, result.stdout
    assert re.search(r"^\s*clicks\s*$", result.stdout, re.M) and "20" in result.stdout, result.stdout
    assert not os.path.exists(ctx.history), "piped input should not write history"


def test_complete_column(ctx):
    shell = ctx.start_loaded()
    shell.type("from sales | select cli")
    shell.key("tab")
    # libedit redraws only what changed: the rest of the word.
    shell.expect_exact("cks")
    out = shell.line("")
    assert re.search(r"^\s*clicks\s*$", out, re.M), out
    assert "10" in out and "20" in out, out
    assert "error" not in out, out


def test_complete_dataset_after_from(ctx):
    shell = ctx.start_loaded()
    shell.type("from sa")
    shell.key("tab")
    shell.expect_exact("les")
    out = shell.line("| select channel")
    assert "search" in out and "social" in out, out
    assert "error" not in out, out


def test_complete_ambiguous_lists_choices(ctx):
    shell = ctx.start_loaded()
    shell.type("from sales | s")
    shell.key("tab")
    # `s` starts `select` and `sort`: the choices are listed and the line drawn again.
    shell.expect_regex(r"select\s+sort")
    shell.expect_exact("from sales | s")
    shell.type("elect cost")
    out = shell.line("")
    assert "1.5" in out and "2.5" in out, out


def test_complete_dot_command_and_file(ctx):
    shell = ctx.start_loaded()
    shell.type(".sche")
    shell.key("tab")
    shell.expect_exact("ma ")
    shell.type("sa")
    shell.key("tab")
    shell.expect_exact("les")
    out = shell.line("")
    assert "clicks" in out and "channel" in out, out
    shell.type('load "sal')
    shell.key("tab")
    shell.expect_exact('es.csv"')
    out = shell.line(" as again")
    assert "loaded `again`" in out, out


def test_history_across_runs(ctx):
    first = ctx.start_loaded()
    out = first.line("from sales | select clicks, cost")
    assert "1.5" in out, out
    assert first.quit() == 0
    assert os.path.exists(ctx.history), "no history file written"
    second = ctx.start_loaded()
    # Newest first: the load just typed, then the last statement of the first run.
    second.key("up")
    second.key("up")
    second.expect_exact("select clicks, cost")
    out = second.line("")
    assert re.search(r"clicks\s*\|\s*cost", out), out
    assert second.quit() == 0


def test_multi_line_statement(ctx):
    shell = ctx.start_loaded()
    shell.type("from sales |\r")
    shell.expect_exact(CONTINUATION)
    out = shell.line("select channel")
    assert "search" in out and "social" in out, out
    assert "error" not in out, out
    assert shell.quit() == 0
    # One history entry, line break kept (libedit encodes it as \012).
    with open(ctx.history) as f:
        saved = f.read()
    assert "\\012" in saved and "select\\040channel" in saved, saved


def test_unclosed_string_continues_until_closed(ctx):
    shell = ctx.start_loaded()
    shell.type('from sales | where channel = "sea\r')
    shell.expect_exact(CONTINUATION)
    out = shell.line('rch" or channel = "social" | select channel')
    # The string is "sea\nrch", which matches nothing; "social" matches.
    assert "social" in out and "search" not in out and "error" not in out, out


def test_line_starting_with_pipe_extends_previous_statement(ctx):
    shell = ctx.start_loaded()
    out = shell.line("from sales")
    assert "search" in out and "social" in out, out
    out = shell.line("| where clicks > 15 | select channel")
    assert "social" in out and "search" not in out and "error" not in out, out
    assert shell.quit() == 0
    with open(ctx.history) as f:
        saved = f.read()
    assert "from\\040sales\\012|\\040where" in saved, saved


def test_line_starting_with_pipe_extends_a_show(ctx):
    shell = ctx.start_loaded()
    out = shell.line("metric total_clicks = sum(sales.clicks)")
    assert "defined metric" in out, out
    out = shell.line("show total_clicks by channel")
    assert "search" in out and "social" in out, out
    out = shell.line("| where total_clicks > 15 | select channel, total_clicks")
    # The show's title stays above the rows the steps keep.
    assert "total_clicks by channel" in out, out
    assert "social" in out and "search" not in out and "error" not in out, out
    assert shell.quit() == 0


def test_ctrl_c_discards_partial_line(ctx):
    shell = ctx.start_loaded()
    shell.type("from sales | sel")
    shell.expect_exact("| sel")
    shell.control("c")
    shell.expect_exact("^C")
    shell.expect_exact(PROMPT)
    out = shell.line("from sales | select cost")
    assert "error" not in out, out
    assert "1.5" in out, out
    # Ctrl-C in a continuation discards the whole statement.
    shell.type("from sales |\r")
    shell.expect_exact(CONTINUATION)
    shell.type("sel")
    shell.control("c")
    shell.expect_exact(PROMPT)
    out = shell.line("from sales | select channel")
    assert "error" not in out and "social" in out, out
    assert shell.quit() == 0
    with open(ctx.history) as f:
        saved = f.read()
    assert "sel\n" not in saved and "sel^C" not in saved, saved


def test_non_ascii_editing(ctx):
    shell = ctx.start_loaded()
    shell.type('from sales | select s = "café"')
    shell.expect_exact('"café"')
    shell.key("left")  # before the closing quote
    shell.key("left")  # before é
    shell.key("backspace")  # deletes f
    shell.type(" ")  # a space, to see that the cursor is on a character boundary
    shell.control("e")  # end of line
    out = shell.line(" | top 1")
    assert re.search(r"^\s*ca é\s*$", out, re.M), out


def test_ctrl_r_searches_history(ctx):
    shell = ctx.start_loaded()
    shell.line("from sales | select cost")
    shell.line(".mode csv")
    shell.control("r")
    shell.type("cos")
    shell.expect_exact("select cost")
    out = shell.line("")
    assert re.search(r"^cost$", out, re.M) and "1.5" in out, out


def test_vi_mode_from_editrc(ctx):
    with open(os.path.join(ctx.home, ".editrc"), "w") as f:
        f.write("bind -v\n")
    shell = ctx.start_loaded()
    shell.type("from sales | select clicks")
    shell.expect_exact("clicks")
    shell.key("escape")
    time.sleep(0.2)
    shell.type("0dw")  # delete `from `
    time.sleep(0.2)
    shell.type("ifrom ")
    out = shell.line("")
    assert re.search(r"^\s*clicks\s*$", out, re.M), out
    assert "error" not in out, out
    shell.type("from sales | sel")
    shell.control("c")
    shell.expect_exact(PROMPT)
    out = shell.line("from sales | select cost")
    assert "1.5" in out and "error" not in out, out


def test_ctrl_c_cancels_long_statement(ctx):
    path = os.path.join(ctx.folder, "big.csv")
    block = "".join(f"2024-01-{i % 28 + 1:02d},ch{i % 50},{i % 1000},{i % 977}.5\n" for i in range(10000))
    with open(path, "w") as f:
        f.write("day,channel,clicks,cost\n")
        for _ in range(250):  # 2.5 million rows, about 70 MB
            f.write(block)
    shell = ctx.start_loaded()
    shell.type('load "big.csv" as big\r')
    time.sleep(1.0)
    shell.control("c")
    sent = time.monotonic()
    index = shell.expect_regex([r"error: cancelled", r"loaded `big`"], timeout=60)
    if index != 0:
        # Finished anyway: fine if it was done before Ctrl-C arrived, a failure if it went on.
        assert time.monotonic() - sent < 0.5, "Ctrl-C did not stop the load:\n" + plain(shell.transcript)[-800:]
        raise Skip("the load finished in about a second; nothing to cancel")
    shell.expect_exact(PROMPT)
    out = shell.line(".datasets")
    assert "sales" in out and "big" not in out, plain(shell.transcript)
    out = shell.line("from sales | select clicks")
    assert "20" in out and "error" not in out, out
    assert shell.quit() == 0


TESTS = [value for name, value in list(globals().items()) if name.startswith("test_") and callable(value)]


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip())
        return 2
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        print(f"error: {binary} is not an executable")
        return 2
    chosen = set(sys.argv[2:])
    failures = 0
    for test in TESTS:
        if chosen and test.__name__ not in chosen:
            continue
        ctx = Context(binary)
        started = time.monotonic()
        try:
            test(ctx)
            print(f"PASS {test.__name__} ({time.monotonic() - started:.1f}s)")
        except Skip as note:
            print(f"SKIP {test.__name__}: {note}")
        except Exception:
            failures += 1
            print(f"FAIL {test.__name__}")
            print("    " + traceback.format_exc().replace("\n", "\n    "))
        finally:
            ctx.cleanup()
        sys.stdout.flush()
    print(f"{'FAILED' if failures else 'OK'}: {failures} failed of {len(TESTS) if not chosen else len(chosen)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
