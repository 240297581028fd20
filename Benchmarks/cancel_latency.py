#!/usr/bin/env python3
"""How fast kpiq honours Ctrl-C during a long query.

`--phase grouping` (the default) runs a script that loads DATA/events.csv and then repeats the
heaviest grouping of the workload (10M sessions into visitors with their last source by time,
at scale 10: `last` takes the general per-row path, unlike `first` over a time-ordered column).
`--phase join` runs a self-join of a generated file instead (100,000 rows, 50 keys of 2,000
rows: 200 million pairs, about 3 GB, in a few seconds), whose time goes to pairing rows,
gathering both sides' `v` and summing them. Either way it sends SIGINT at several moments
while the queries run, and prints the time from the signal to kpiq's "cancelled" diagnostic
and to its exit (status 130 expected).

    python3 Benchmarks/cancel_latency.py --data bench-data/sf10 [--kpiq .build/release/kpiq]
    python3 Benchmarks/cancel_latency.py --phase join --at 0.5,0.8,1.1,1.4,2.0

The signal times are seconds after start; they must fall after the load (about 2-3 s at
scale 10 here, a few ms for the join's file). Not a test: the machine's load moves the figures.
"""
import argparse, os, select, signal, subprocess, tempfile, time

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=["grouping", "join"], default="grouping", help="what the queries spend their time on")
    parser.add_argument("--data", help="directory holding events.csv (the grouping phase)")
    parser.add_argument("--kpiq", default=".build/release/kpiq")
    parser.add_argument("--at", help="seconds after start to send SIGINT (default: 4.0,4.3,4.6,5.1,5.5,6.2,6.9 for the "
                                     "grouping, 0.5,0.8,1.1,1.4,2.0 for the join)")
    args = parser.parse_args()
    made = []
    if args.phase == "grouping":
        if not args.data:
            parser.error("--data is needed for the grouping phase")
        events = os.path.abspath(os.path.join(args.data, "events.csv"))
        load = f'load "{events}" as events'
        query = "from events | group visitor_id | agg f = last(source, ts), n = count() | agg n = count()"
        args.at = args.at or "4.0,4.3,4.6,5.1,5.5,6.2,6.9"
    else:
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("k,v\n" + "".join(f"{row % 50},{row}\n" for row in range(100_000)))
            made.append(f.name)
        load = f'load "{f.name}" as a'
        query = "from a | join a on k | agg n = count(), s = sum(v), m = max(v_a)"
        args.at = args.at or "0.5,0.8,1.1,1.4,2.0"
    with tempfile.NamedTemporaryFile("w", suffix=".kpi", delete=False) as f:
        f.write(load + "\n" + "\n".join([query] * 50) + "\n")
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
        for path in [script] + made:
            os.unlink(path)

if __name__ == "__main__":
    main()
