#!/usr/bin/env python3
"""How fast kpiq honours Ctrl-C during a long query.

Runs a script that loads DATA/events.csv and then repeats the heaviest grouping of the workload
(10M sessions into visitors with their last source by time, at scale 10: `last` takes the
general per-row path, unlike `first` over a time-ordered column), sends SIGINT at
several moments while the queries run, and prints the time from the signal to kpiq's
"cancelled" diagnostic and to its exit (status 130 expected).

    python3 Benchmarks/cancel_latency.py --data bench-data/sf10 [--kpiq .build/release/kpiq]

The signal times are seconds after start; they must fall after the load (about 2-3 s at
scale 10 here). Not a test: the machine's load moves the figures.
"""
import argparse, os, select, signal, subprocess, tempfile, time

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="directory holding events.csv")
    parser.add_argument("--kpiq", default=".build/release/kpiq")
    parser.add_argument("--at", default="4.0,4.3,4.6,5.1,5.5,6.2,6.9", help="seconds after start to send SIGINT")
    args = parser.parse_args()
    events = os.path.abspath(os.path.join(args.data, "events.csv"))
    query = "from events | group visitor_id | agg f = last(source, ts), n = count() | agg n = count()"
    with tempfile.NamedTemporaryFile("w", suffix=".kpi", delete=False) as f:
        f.write(f'load "{events}" as events\n' + "\n".join([query] * 50) + "\n")
        script = f.name
    print("signal at s | to diagnostic ms | to exit ms | status")
    try:
        for at in [float(x) for x in args.at.split(",")]:
            p = subprocess.Popen([args.kpiq, script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(at)
            while select.select([p.stderr], [], [], 0)[0]:  # what was printed before the signal
                if not os.read(p.stderr.fileno(), 65536):
                    break
            sent = time.monotonic()
            p.send_signal(signal.SIGINT)
            seen = None
            while True:
                ready, _, _ = select.select([p.stderr], [], [], 10)
                if not ready:
                    break
                chunk = os.read(p.stderr.fileno(), 65536)
                if not chunk:
                    break
                if seen is None and b"cancelled" in chunk.lower():
                    seen = time.monotonic()
            p.wait()
            ended = time.monotonic()
            to_message = f"{(seen - sent) * 1000:.0f}" if seen else "-"
            print(f"{at:.1f} | {to_message} | {(ended - sent) * 1000:.0f} | {p.returncode}")
    finally:
        os.unlink(script)

if __name__ == "__main__":
    main()
