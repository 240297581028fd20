#!/usr/bin/env python3
"""How fast kpiq honours Ctrl-C, in every phase of work (issue 22: within 100 ms).

Each phase runs a script that repeats one kind of work, sends SIGINT at several moments while
it runs, and prints the time from the signal to kpiq's "cancelled" diagnostic (or, while it
prints, "printing stopped (Ctrl-C)") and to its exit (status 130 expected):

  load      loading DATA/events.csv again and again (the CSV reader's parallel scan and builders)
  grouping  10M sessions into visitors with their last source by time (the general per-row path)
  sort      a full sort of the sessions on two keys, read through a window function
  kpi       `cohort` of the sessions by month, 12 periods (a KPI statement's plan)
  join      a self-join of a generated file (100,000 rows, 50 keys of 2,000 rows: 200 million
            pairs), whose time goes to pairing rows, gathering both sides and summing
  print     printing every session as CSV on standard output (a pipe drained by this script)

The offsets (`--at`, seconds) count from the moment the process itself reports its data loaded
(its "loaded `events`" line), so every signal lands in the phase's own work; the load phase
counts from the start. Each row also names the script line of the statement the signal
stopped, from the diagnostic's hint (line 1 is the load).

    python3 Benchmarks/cancel_latency.py --data /work/data/sf10 [--kpiq .build/release/kpiq]
    python3 Benchmarks/cancel_latency.py --data /work/data/sf10 --phase load,print --at 0.2,0.6

Not a test: the machine's load moves the figures.
"""
import argparse, os, re, select, signal, statistics, subprocess, tempfile, time

PHASES = ["load", "grouping", "sort", "kpi", "join", "print"]

QUERIES = {
    "grouping": "from events | group visitor_id | agg f = last(source, ts), n = count() | agg n = count()",
    "sort": "from events | sort source, ts desc | derive r = row_number() | where r = 1 | select visitor_id",
    "kpi": "cohort events: visitor_id, ts over month periods 12",
    "print": "from events | select visitor_id, source, ts",
}


def run_once(kpiq, script, at, flags, loaded_marker):
    """Starts kpiq on `script` and sends SIGINT `at` seconds after `loaded_marker` appears on its
    output (after the start when None): (ms to diagnostic, ms to exit, status, line stopped)."""
    p = subprocess.Popen([kpiq, *flags, script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    streams = [p.stdout, p.stderr]
    seen_output = b""

    def drain(deadline):
        """Reads both pipes until `deadline` (so printing never blocks on them), or until
        `loaded_marker` has appeared when it is being waited for."""
        nonlocal seen_output
        waiting = loaded_marker is not None and loaded_marker not in seen_output
        while time.monotonic() < deadline and streams:
            ready, _, _ = select.select(streams, [], [], max(0.0, deadline - time.monotonic()))
            for s in ready:
                chunk = os.read(s.fileno(), 1 << 20)
                if not chunk:
                    streams.remove(s)
                elif waiting:
                    seen_output = (seen_output + chunk)[-4096:]
            if waiting and loaded_marker in seen_output:
                return

    if loaded_marker is not None:
        drain(time.monotonic() + 120)
        if loaded_marker not in seen_output:
            p.kill()
            raise SystemExit(f"kpiq never reported {loaded_marker!r} on {script}")
    drain(time.monotonic() + at)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    seen = None
    diagnostic = b""
    while streams:
        ready, _, _ = select.select(streams, [], [], 10)
        if not ready:
            break
        for s in ready:
            chunk = os.read(s.fileno(), 1 << 20)
            if not chunk:
                streams.remove(s)
            elif s is p.stderr:
                lowered = chunk.lower()
                if seen is None and (b"cancelled" in lowered or b"stopped (ctrl-c)" in lowered):
                    seen = time.monotonic()
                if seen is not None and len(diagnostic) < 4096:
                    diagnostic += chunk
    p.wait()
    ended = time.monotonic()
    # Its hint names the statement: "stopped in the statement at line N of SCRIPT".
    where = re.search(rb"at line (\d+) of", diagnostic)
    line = int(where.group(1)) if where else None
    return (None if seen is None else (seen - sent) * 1000), (ended - sent) * 1000, p.returncode, line


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", default=",".join(PHASES), help="comma-separated phases (default: all)")
    parser.add_argument("--data", help="directory holding events.csv (every phase but join)")
    parser.add_argument("--kpiq", default=".build/release/kpiq")
    parser.add_argument("--at", default="0.15,0.4,0.7,1.0,1.5",
                        help="seconds into the phase's work to send SIGINT (default: 0.15,0.4,0.7,1.0,1.5)")
    args = parser.parse_args()
    phases = args.phase.split(",")
    for phase in phases:
        if phase not in PHASES:
            parser.error(f"unknown phase {phase!r}: one of {', '.join(PHASES)}")
        if phase != "join" and not args.data:
            parser.error(f"--data is needed for the {phase} phase")
    offsets = [float(x) for x in args.at.split(",")]
    load = None
    if args.data:
        load = f'load "{os.path.abspath(os.path.join(args.data, "events.csv"))}" as events'
    print("phase | signal at s | to diagnostic ms | to exit ms | status | line stopped")
    summary = []
    for phase in phases:
        made = []
        flags = []
        if phase == "load":
            body, marker = "\n".join([load] * 50), None
        elif phase == "join":
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
                f.write("k,v\n" + "".join(f"{row % 50},{row}\n" for row in range(100_000)))
                made.append(f.name)
            join_load = f'load "{f.name}" as a'
            query = "from a | join a on k | agg n = count(), s = sum(v), m = max(v_a)"
            body, marker = join_load + "\n" + "\n".join([query] * 50), b"loaded `a`"
        else:
            if phase == "print":
                flags = ["--format", "csv"]
            body, marker = load + "\n" + "\n".join([QUERIES[phase]] * 50), b"loaded `events`"
        with tempfile.NamedTemporaryFile("w", suffix=".kpi", delete=False) as f:
            f.write(body + "\n")
            made.append(f.name)
        latencies = []
        try:
            for at in offsets:
                to_message, to_exit, status, line = run_once(args.kpiq, f.name, at, flags, marker)
                shown = "-" if to_message is None else f"{to_message:.0f}"
                print(f"{phase} | {at:.2f} | {shown} | {to_exit:.0f} | {status} | {line or '-'}", flush=True)
                latencies.append(to_message if to_message is not None else float("inf"))
        finally:
            for path in made:
                os.unlink(path)
        summary.append((phase, statistics.median(latencies), max(latencies)))
    print()
    print("phase | median ms to diagnostic | max ms")
    for phase, median, worst in summary:
        print(f"{phase} | {median:.0f} | {worst:.0f}")


if __name__ == "__main__":
    main()
