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

The phases that read DATA first time one load of it, then signal at that time plus the offsets
(`--at`, seconds), so every signal lands in the phase's own work.

    python3 Benchmarks/cancel_latency.py --data /work/data/sf10 [--kpiq .build/release/kpiq]
    python3 Benchmarks/cancel_latency.py --data /work/data/sf10 --phase load,print --at 0.2,0.6

Not a test: the machine's load moves the figures.
"""
import argparse, os, select, signal, statistics, subprocess, tempfile, time

PHASES = ["load", "grouping", "sort", "kpi", "join", "print"]

QUERIES = {
    "grouping": "from events | group visitor_id | agg f = last(source, ts), n = count() | agg n = count()",
    "sort": "from events | sort source, ts desc | derive r = row_number() | where r = 1 | select visitor_id",
    "kpi": "cohort events: visitor_id, ts over month periods 12",
    "print": "from events | select visitor_id, source, ts",
}


def run_once(kpiq, script, at, flags):
    """Starts kpiq on `script`, sends SIGINT `at` seconds later; (ms to diagnostic, ms to exit, status)."""
    p = subprocess.Popen([kpiq, *flags, script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    streams = [p.stdout, p.stderr]
    deadline = time.monotonic() + at
    while time.monotonic() < deadline:  # drain both pipes, so printing never blocks on them
        ready, _, _ = select.select(streams, [], [], max(0.0, deadline - time.monotonic()))
        for s in ready:
            if not os.read(s.fileno(), 1 << 20):
                streams.remove(s)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    seen = None
    while streams:
        ready, _, _ = select.select(streams, [], [], 10)
        if not ready:
            break
        for s in ready:
            chunk = os.read(s.fileno(), 1 << 20)
            if not chunk:
                streams.remove(s)
            elif s is p.stderr and seen is None and (b"cancelled" in chunk.lower() or b"stopped (ctrl-c)" in chunk.lower()):
                seen = time.monotonic()
    p.wait()
    ended = time.monotonic()
    return (None if seen is None else (seen - sent) * 1000), (ended - sent) * 1000, p.returncode


def timed_load(kpiq, load):
    with tempfile.NamedTemporaryFile("w", suffix=".kpi", delete=False) as f:
        f.write(load + "\n")
    try:
        start = time.monotonic()
        subprocess.run([kpiq, f.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.monotonic() - start
    finally:
        os.unlink(f.name)


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
    print("phase | signal at s | to diagnostic ms | to exit ms | status")
    summary = []
    for phase in phases:
        made = []
        flags = []
        if phase == "load":
            body, warmup = "\n".join([load] * 50), 0.0
        elif phase == "join":
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
                f.write("k,v\n" + "".join(f"{row % 50},{row}\n" for row in range(100_000)))
                made.append(f.name)
            join_load = f'load "{f.name}" as a'
            query = "from a | join a on k | agg n = count(), s = sum(v), m = max(v_a)"
            body, warmup = join_load + "\n" + "\n".join([query] * 50), timed_load(args.kpiq, join_load)
        else:
            if phase == "print":
                flags = ["--format", "csv"]
            body, warmup = load + "\n" + "\n".join([QUERIES[phase]] * 50), timed_load(args.kpiq, load)
        with tempfile.NamedTemporaryFile("w", suffix=".kpi", delete=False) as f:
            f.write(body + "\n")
            made.append(f.name)
        latencies = []
        try:
            for offset in offsets:
                at = warmup + offset
                to_message, to_exit, status = run_once(args.kpiq, f.name, at, flags)
                shown = "-" if to_message is None else f"{to_message:.0f}"
                print(f"{phase} | {at:.2f} | {shown} | {to_exit:.0f} | {status}", flush=True)
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
