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
import termios
import time
import traceback

try:
    import pexpect
except ImportError:  # pragma: no cover
    print("SKIP: the Python package pexpect is not installed (pip install pexpect)")
    sys.exit(2)

PROMPT = "kpiq> "
CONTINUATION = " ...> "
NEW_PROMPT = re.compile(r"\n(?:\x1b\[\?2004[hl])*kpiq> ")
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

    def __init__(self, binary, folder, env, args=()):
        self.child = pexpect.spawn(
            binary, list(args), cwd=folder, env=env, encoding="utf-8", codec_errors="replace",
            dimensions=(40, 120), timeout=TIMEOUT)
        self.transcript = ""
        self.expect_exact("Ctrl-D to leave")
        self.expect_exact(PROMPT)
        self.wait_for_editor()

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

    def line(self, text, timeout=TIMEOUT):
        """Types a line, presses Enter, and returns what it printed up to the next prompt."""
        self.child.send(text + "\r")
        return self.until_prompt(timeout)

    def until_prompt(self, timeout=TIMEOUT):
        """What was printed up to the next prompt at the start of a line (the shell turns
        bracketed paste on just before drawing it)."""
        self.expect_regex(NEW_PROMPT, timeout)
        before = plain(self.child.before)
        self.wait_for_editor()
        return before

    def wait_for_editor(self, timeout=5):
        """Waits until the line editor has the terminal in raw mode. The prompt can be on the
        screen a moment before that; a key sent then is read by the terminal's own line
        discipline (Ctrl-R echoed as `^R`, Ctrl-D taken as end of file) instead of by libedit.
        On Linux the pseudo-terminal's two ends share their settings, so the test reads them
        from its end."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if not termios.tcgetattr(self.child.child_fd)[3] & termios.ICANON:
                    return
            except termios.error:
                return
            time.sleep(0.005)

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

    def start(self, *args):
        shell = Shell(self.binary, self.folder, self.env, args)
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


# -- Issue 18: the shell a psql or DuckDB user expects ---------------------------------------

def history_entries(path):
    """The entries of libedit's history file, decoded (vis(3): \\040 is a space, \\012 a line break)."""
    with open(path) as f:
        lines = f.read().split("\n")
    return [re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), line)
            for line in lines[1:] if line]


def test_pasted_block_runs_once_as_a_script(ctx):
    # A paste without bracketed-paste markers arrives as lines all at once: the shell must
    # see the lines waiting and run the block as `.read` would, not each partial statement.
    shell = ctx.start_loaded()
    shell.line("metric total_clicks = sum(sales.clicks)")
    shell.type("show total_clicks\r  by channel\r")
    out = shell.until_prompt()
    assert "expected" not in out and "error" not in out, out
    assert re.search(r"search\s*\|\s*10", out) and re.search(r"social\s*\|\s*20", out), out
    # The pipeline shape of docs/pipelines.md, one step a line: no 2-row preview of `from sales` before the real result.
    shell.type("from sales\r| where clicks > 15\r| select channel\r")
    out = shell.until_prompt()
    assert out.count(" row") == 1 and "(1 row)" in out and "search" not in out, out
    assert shell.quit() == 0
    entries = history_entries(ctx.history)
    assert "show total_clicks\n  by channel" in entries, entries
    assert "from sales\n| where clicks > 15\n| select channel" in entries, entries
    assert "show total_clicks" not in entries and "from sales" not in entries, entries


def test_bracketed_paste(ctx):
    shell = ctx.start_loaded()
    # The shell asks the terminal to mark pastes while a line is edited.
    assert "\x1b[?2004h" in shell.transcript, repr(shell.transcript[-200:])
    shell.line("metric total_clicks = sum(sales.clicks)")
    # A marked paste ending with a line break runs at once; a pasted Tab is text, not completion.
    shell.type("\x1b[200~show total_clicks\r\tby channel\r\x1b[201~")
    out = shell.until_prompt()
    assert "[200~" not in out and "[201~" not in out, out
    assert "expected" not in out and "error" not in out, out
    assert re.search(r"social\s*\|\s*20", out), out
    # One without a final line break stays on the line to be edited, then runs as one.
    shell.type("\x1b[200~from sales\r| where clicks > 15\x1b[201~")
    shell.expect_exact("clicks > 15")
    out = shell.line(" | select channel")
    assert out.count(" row") == 1 and "social" in out and "search" not in out, out


def write_rows(ctx, name, count):
    """A CSV of `count` rows (day, n) in the test's folder."""
    with open(os.path.join(ctx.folder, name), "w") as f:
        f.write("day,n\n")
        for i in range(count):
            f.write(f"2024-01-{i % 28 + 1:02d},{i}\n")


def test_output_file_gets_every_row_and_no_timer(ctx):
    write_rows(ctx, "rows.csv", 100)
    shell = ctx.start_loaded()
    shell.line('load "rows.csv" as rows')
    shell.line(".timer on")
    shell.line(".output out.txt")
    out = shell.line("from rows")
    # The run time is for the person at the terminal, not part of the data.
    assert "Run Time" in out, out
    shell.line(".output")
    with open(os.path.join(ctx.folder, "out.txt")) as f:
        saved = f.read()
    assert "more rows" not in saved and "(100 rows)" in saved, saved
    assert re.search(r"\| 99$", saved, re.M) and re.search(r"\| 50$", saved, re.M), saved
    assert "Run Time" not in saved, saved
    # The terminal still shows the middle left out.
    out = shell.line("from rows")
    assert "more rows" in out, out


def test_ctrl_c_stops_printing(ctx):
    write_rows(ctx, "rows.csv", 200000)
    shell = ctx.start_loaded()
    out = shell.line('load "rows.csv" as rows', timeout=60)
    assert "loaded `rows`" in out, out
    shell.line("from rows", timeout=60)
    shell.type(".last\r")
    # Printing 200,000 rows takes seconds; Ctrl-C must end it and give the prompt back.
    shell.expect_exact(".last")
    time.sleep(0.5)
    shell.control("c")
    sent = time.monotonic()
    out = shell.until_prompt(timeout=60)
    assert time.monotonic() - sent < 3, f"the prompt came back {time.monotonic() - sent:.1f}s after Ctrl-C"
    assert "(200,000 rows)" not in out and "printing stopped" in out, out[-500:]
    # The shell goes on as before.
    out = shell.line("from sales | select clicks")
    assert "20" in out and "error" not in out, out


def test_line_chart_one_series_from_zero_terminal_wide(ctx):
    shell = ctx.start()
    shell.line('load "sales.csv" as sales time day')
    shell.line("metric total_clicks = sum(sales.clicks)")
    shell.line(".asof 2024-01-20")
    out = shell.line("show total_clicks over week during 2024-01 | chart line")
    # The `partial` flag marks the running week; it does not make a second series.
    assert "by partial" not in out and "true" in out, out
    plot = [l for l in out.split("\n") if "┤" in l]
    assert len(plot) == 10, out
    # Non-negative data: the axis starts at 0, and the plot spreads over the 120 columns.
    assert re.match(r"^\s+30 ┤", plot[0]) and re.match(r"^\s+0 ┤", plot[-1]), out
    labels = [l for l in out.split("\n") if "2024-W01" in l and "2024-W03" in l]
    assert labels and len(labels[0].rstrip()) > 85, out
    assert max(len(l) for l in plot) > 30, out


def test_keys_after_ctrl_r_ctrl_arrows_and_ctrl_u(ctx):
    shell = ctx.start_loaded()
    shell.line("from sales | select cost")
    shell.line("from sales | select clicks")
    # An arrow key ends the search and moves: nothing of its sequence is inserted.
    for arrow in ["right", "left", "up"]:
        shell.control("r")
        shell.type("cos")
        # libedit redraws only what changed, so the match cannot be read off the screen.
        time.sleep(0.3)
        shell.key(arrow)
        if arrow == "up":
            # Up ends the search and goes to the entry before the match.
            shell.control("e")
            out = shell.line("")
            assert "error" not in out and "[A" not in out and "clicks" in out, out
            continue
        shell.control("e")
        out = shell.line("")
        assert "error" not in out and "1.5" in out, out
    # Ctrl-Left moves to the start of the word before the cursor, Ctrl-Right after a word.
    shell.type("from sales | select clicks")
    shell.type("\x1b[1;5D")
    shell.type("cost, ")
    shell.type("\x1b[1;5C")
    out = shell.line(", channel")
    assert re.search(r"cost\s*\|\s*clicks\s*\|\s*channel", out) and "error" not in out, out
    # Ctrl-U deletes from the cursor back to the start of the line, not the whole line.
    shell.type("select nothing | channel")
    for _ in range(7):
        shell.key("left")
    shell.control("u")
    shell.control("a")
    out = shell.line("from sales | select cost, ")
    assert re.search(r"cost\s*\|\s*channel", out) and "error" not in out, out


def test_tilde_expands_to_home(ctx):
    shutil.copy(os.path.join(ctx.folder, "sales.csv"), os.path.join(ctx.home, "home_sales.csv"))
    with open(os.path.join(ctx.home, "script.kpi"), "w") as f:
        f.write("from home | select channel\n")
    shell = ctx.start()
    out = shell.line('load "~/home_sales.csv" as home')
    assert "loaded `home`" in out, out
    out = shell.line(".read ~/script.kpi")
    assert "social" in out and "error" not in out, out
    out = shell.line(".export ~/exported.csv")
    assert "error" not in out and os.path.exists(os.path.join(ctx.home, "exported.csv")), out
    out = shell.line('export "~/statement.csv"')
    assert "error" not in out and os.path.exists(os.path.join(ctx.home, "statement.csv")), out
    shell.line(".output ~/out.txt")
    shell.line("from home | select clicks")
    shell.line(".output")
    with open(os.path.join(ctx.home, "out.txt")) as f:
        assert "clicks" in f.read()


def cells(text):
    """Terminal cells `text` takes: wide (CJK) and emoji characters two, combining marks none."""
    import unicodedata
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or ch == "\ufe0f":
            continue
        total += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return total


def test_wide_characters_align_and_control_characters_are_escaped(ctx):
    with open(os.path.join(ctx.folder, "wide.csv"), "w") as f:
        f.write("name,n\n東京,1\nabc,22\n😀 smile,3\ne\u0301cole,4\n\"\x1b[31mred\x1b[0m\",5\n")
    shell = ctx.start()
    shell.line('load "wide.csv" as wide')
    shell.child.send("from wide\r")
    shell.expect_regex(NEW_PROMPT)
    raw = shell.child.before
    # The data's ESC never reaches the terminal; it is shown as an escape.
    assert "\x1b[31m" not in raw, repr(raw)
    out = plain(raw)
    assert "\\e[31mred\\e[0m" in out, out
    rows = [l for l in out.split("\n") if "|" in l]
    assert len(rows) == 6, out
    # Every `|` sits in the same terminal column as the header's.
    bars = {cells(l[:l.index("|")]) for l in rows}
    assert len(bars) == 1, "\n".join(f"{cells(l[:l.index('|')]):3d} {l}" for l in rows)


def test_settings_read_back_and_percent_places(ctx):
    shell = ctx.start()
    assert re.search(r"^table$", shell.line(".mode"), re.M)
    assert re.search(r"^off$", shell.line(".timer"), re.M)
    shell.line(".maxrows 12")
    assert re.search(r"^12$", shell.line(".maxrows"), re.M)
    assert re.search(r"^40$", shell.line(".maxwidth"), re.M)
    out = shell.line(".show")
    for setting in [r"mode: table", r"timer: off", r"maxrows: 12", r"maxwidth: 40", r"asof: \d{4}-\d\d-\d\d", r"output: "]:
        assert re.search(r"^\s*" + setting, out, re.M), out
    assert "error" not in out, out
    # A column of percentages has one number of places.
    with open(os.path.join(ctx.folder, "rates.csv"), "w") as f:
        f.write("src,hits,visits\nx,16,1000\ny,35,1000\nz,8,1000\n")
    shell.line('load "rates.csv" as rates')
    shell.line("metric rate = sum(rates.hits) / sum(rates.visits) as percent")
    out = shell.line("show rate by src")
    assert "1.60%" in out and "3.50%" in out and "0.80%" in out, out


def test_habits_from_other_shells(ctx):
    shell = ctx.start()
    # The banner says in two lines how to start.
    banner = [l for l in plain(shell.transcript).split("\n") if l.strip()][:2]
    assert 'load "file.csv"' in banner[0] and ".help" in banner[1] and "Ctrl-D" in banner[1], banner
    out = shell.line('load "sales.csv"')
    assert "loaded `sales`" in out, out
    out = shell.line("help")
    assert "Commands:" in out and "error" not in out, out
    out = shell.line("\\d")
    assert "sales" in out and "error" not in out, out
    out = shell.line("\\d sales")
    assert "clicks" in out and "error" not in out, out
    out = shell.line(".tables")
    assert "sales" in out and "error" not in out, out
    out = shell.line("select * from sales")
    assert "kpiq reads `from sales | ...`" in out, out
    for word in ["exit", "quit", "\\q"]:
        leaving = ctx.start()
        leaving.child.send(word + "\r")
        leaving.child.expect(pexpect.EOF, timeout=TIMEOUT)
        leaving.child.close()
        assert leaving.child.exitstatus == 0, (word, plain(leaving.child.before))


def test_data_file_argument_opens_the_prompt_on_it(ctx):
    shell = ctx.start("sales.csv")
    banner = plain(shell.transcript)
    assert "loaded `sales`" in banner and "`sales` is loaded" in banner, banner
    out = shell.line("from sales | select clicks")
    assert "20" in out and "error" not in out, out
    assert shell.quit() == 0
    # With statements to run, the data file is loaded first and no prompt opens.
    import subprocess
    result = subprocess.run([ctx.binary, "sales.csv", "-c", "from sales | select clicks"], cwd=ctx.folder, env=ctx.env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0 and "20" in result.stdout and "kpiq>" not in result.stdout, result


def write_big(ctx, name="big.csv", blocks=250):
    """About 70 MB: 10,000 rows a block."""
    path = os.path.join(ctx.folder, name)
    block = "".join(f"2024-01-{i % 28 + 1:02d},ch{i % 50},{i % 1000},{i % 977}.5\n" for i in range(10000))
    with open(path, "w") as f:
        f.write("day,channel,clicks,cost\n")
        for _ in range(blocks):
            f.write(block)


def test_small_things(ctx):
    # `kpiq --help` wraps at the terminal's width, not inside its own lines.
    child = pexpect.spawn(ctx.binary, ["--help"], env=dict(ctx.env, COLUMNS="80"), encoding="utf-8",
                          dimensions=(40, 80), timeout=TIMEOUT)
    child.expect(pexpect.EOF)
    text = plain(child.before)
    discussion = text.split("USAGE:")[0].split("\n")[2:]
    short = [l for l in discussion if l.strip() and len(l) < 60 and not l.rstrip().endswith(".")]
    assert not short, "lines cut mid-phrase:\n" + text
    # One row is a row.
    with open(os.path.join(ctx.folder, "one.csv"), "w") as f:
        f.write("a\n1\n")
    shell = ctx.start()
    out = shell.line('load "one.csv" as one')
    assert "loaded `one`: 1 row, 1 column" in out, out
    shell.line("from one")
    out = shell.line(".export one_out.csv")
    assert "exported 1 row to" in out, out
    out = shell.line('export "one_again.csv"')
    assert "exported 1 row to" in out, out


def test_cancel_and_progress_messages(ctx):
    write_big(ctx)
    shell = ctx.start()
    # A whole load: its progress never sits at 99% (the end is said as finishing).
    out = shell.line('load "big.csv" as big', timeout=120)
    assert "loaded `big`" in out, out
    progress = re.findall(r"loading: ([^\r\n\x1b]*)", shell.child.before)
    if not progress:
        raise Skip("the load was too quick to show its progress")
    assert not any(p.startswith("99%") for p in progress), progress
    # A cancelled load does not underline its statement.
    shell.type('load "big.csv" as again\r')
    time.sleep(1.0)
    shell.control("c")
    index = shell.expect_regex([r"error: cancelled", r"loaded `again`"], timeout=60)
    if index != 0:
        raise Skip("the load finished before Ctrl-C")
    out = shell.until_prompt()
    assert "^^^" not in out and "-->" not in out, out


def test_start_up_file(ctx):
    import subprocess
    with open(os.path.join(ctx.home, ".kpiqrc"), "w") as f:
        f.write(".maxrows 5\n")
    shell = ctx.start()
    assert re.search(r"^5$", shell.line(".maxrows"), re.M)
    shell = ctx.start("--no-init")
    assert re.search(r"^40$", shell.line(".maxrows"), re.M)
    with open(os.path.join(ctx.folder, "other.kpi"), "w") as f:
        f.write(".maxrows 7\n")
    shell = ctx.start("--init", "other.kpi")
    assert re.search(r"^7$", shell.line(".maxrows"), re.M)
    # Scripts and -c give the same output everywhere: ~/.kpiqrc is for the prompt.
    result = subprocess.run([ctx.binary, "-c", ".maxrows"], cwd=ctx.folder, env=ctx.env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.stdout.strip() == "40", result
    # A mistake in the start-up file is reported; the prompt opens anyway.
    with open(os.path.join(ctx.home, ".kpiqrc"), "w") as f:
        f.write("frob\n.maxrows 9\n")
    shell = ctx.start()
    assert "error" in plain(shell.transcript), plain(shell.transcript)
    out = shell.line("from sales")
    assert "unknown dataset" in out, out


def test_two_shells_share_the_history_file(ctx):
    first = ctx.start_loaded()
    second = ctx.start_loaded()
    first.line("from sales | select clicks")
    second.line("from sales | select cost")
    out = first.line("from sales | select channel")
    assert "social" in out, out
    # The first shell reads what the second appended: two entries up is its statement.
    first.key("up")
    first.key("up")
    time.sleep(0.3)
    out = first.line("")
    assert re.search(r"^\s*cost\s*$", out, re.M) and "1.5" in out, out
    assert first.quit() == 0 and second.quit() == 0
    entries = history_entries(ctx.history)
    for statement in ["from sales | select clicks", "from sales | select cost", "from sales | select channel"]:
        assert statement in entries, entries
    # Each statement once, in the order they ran (the load twice: two shells typed it, and the
    # rerun of `select cost` from history is a new entry).
    assert entries.count("from sales | select clicks") == 1, entries


def test_wide_results_keep_values_whole(ctx):
    names = [f"column_{i:02d}" for i in range(12)]
    with open(os.path.join(ctx.folder, "wide_table.csv"), "w") as f:
        f.write(",".join(names) + "\n")
        for r in range(3):
            f.write(",".join(f"organic_{r}_{i:02d}" for i in range(12)) + "\n")
    shell = ctx.start()
    shell.child.setwinsize(30, 80)
    shell.line('load "wide_table.csv" as wide')
    out = shell.line("from wide")
    lines = [l for l in out.split("\n") if l.strip()]
    table = [l for l in lines if "|" in l]
    # Values stay whole; the middle columns give way, marked, and the last column stays.
    assert "organic_0_00" in out and "organic_0_11" in out and "column_11" in out, out
    assert not re.search(r"organ[^|]{0,6}…", out), out
    assert all(" … " in l for l in table), out
    assert all(cells(l) <= 80 for l in lines), out
    # A description is never cut: a long formula and every metric are shown whole.
    formula = " + ".join(f"count_distinct(wide.column_{i:02d})" for i in range(2)) + " / count(wide) * 100 - 1 + 2 - 3 + 4 - 5 + 6"
    shell.line(f"metric very_long_metric_name_for_a_test = {formula}")
    out = shell.line(".metrics")
    assert formula in out.replace("\n", ""), out
    assert "more rows" not in out, out


def test_pager(ctx):
    write_rows(ctx, "rows.csv", 100)
    env = dict(ctx.env, PAGER="cat > paged.txt")
    shell = Shell(ctx.binary, ctx.folder, env)
    ctx.shells.append(shell)
    assert re.search(r"^off$", shell.line(".pager"), re.M)
    shell.line('load "rows.csv" as rows')
    shell.line(".pager on")
    out = shell.line("from rows | sort n")
    # Taller than the 40-row screen: the pager got it all, the screen none of it.
    with open(os.path.join(ctx.folder, "paged.txt")) as f:
        paged = f.read()
    assert "(100 rows)" in paged and "(100 rows)" not in out, (out, paged)
    os.remove(os.path.join(ctx.folder, "paged.txt"))
    out = shell.line("from rows | top 3")
    assert "(3 rows)" in out and not os.path.exists(os.path.join(ctx.folder, "paged.txt")), out


def test_completion_offers_what_can_go_there(ctx):
    shell = ctx.start_loaded()
    shell.line('load "sales.csv" as other')
    shell.line("metric clicks_total = sum(sales.clicks)")
    shell.line("metric channel_count = count_distinct(sales.channel)")
    # In a pipeline over a dataset, `where` sees its columns, not metrics: `cl` is `clicks`.
    shell.type("from sales | where cl")
    shell.key("tab")
    shell.expect_exact("icks ")
    out = shell.line("> 15 | select channel")
    assert "social" in out and "search" not in out and "error" not in out, out
    # A join key is a column.
    shell.type("from sales | join other on chan")
    shell.key("tab")
    shell.expect_exact("nel ")
    out = shell.line("| select channel")
    assert "social" in out and "error" not in out, out
    # A list taller than the screen is offered, not poured out.
    shell.child.setwinsize(8, 40)
    shell.type("from sales | select ")
    shell.key("tab")
    shell.expect_regex(r"Display all \d+ possibilities\? \(y or n\)")
    shell.type("n")
    time.sleep(0.3)
    out = shell.line("cost")
    assert "count_distinct" not in out and "1.5" in out, out


def test_series_chart_uses_the_terminal_width(ctx):
    shell = ctx.start()
    shell.line('load "sales.csv" as sales time day')
    shell.line("metric total_clicks = sum(sales.clicks)")
    out = shell.line("show total_clicks by channel over week during 2024-01 | chart line")
    series = [l for l in out.split("\n") if "→" in l]
    assert len(series) == 2, out
    # Five weeks over a 120-column terminal: more than one cell a week.
    for line in series:
        run = re.search(r"[▁▂▃▄▅▆▇█]+", line).group(0)
        assert len(run) >= 10, out


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
