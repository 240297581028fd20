#!/usr/bin/env python3
"""Stand-in for `kpiq-bench REPS SCRIPT`, for testing run.py's side of
KPIQ_PROTOCOL.md before kpiq implements it. It is not kpiq: it executes each section body of
the script with DuckDB, so give it SQL sections:

    python3 Benchmarks/run.py --data bench-data/sf1 --engines duckdb,kpiq \\
        --kpiq Benchmarks/mock_kpiq.py --kpiq-queries Benchmarks/queries.sql

MOCK_KPIQ_CORRUPT=<query name> changes one value of that query's result (the harness must then
report the difference and exit 1); MOCK_KPIQ_FAIL=<query name> reports an error for it.
"""
import datetime as dt
import json
import math
import os
import re
import statistics
import sys
import time

LOAD = re.compile(r'^load "([^"]*)" as (\w+)\s*$')
NAME = re.compile(r"^-- name: (\S+)\s*$", re.M)


def rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0


def cell(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None                     # kpiq: division by zero is NULL
    if isinstance(v, (dt.date, dt.datetime)):
        return str(v)                   # '2023-01-01 00:00:00' style, as a client might print
    return v


def main():
    args = sys.argv[1:]
    if args[:1] == ["--version"]:
        print("mock-kpiq (DuckDB stand-in)")
        return 0
    if len(args) != 2:
        print("usage: mock_kpiq.py REPS SCRIPT", file=sys.stderr)
        return 2
    reps, script = int(args[0]), args[1]
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads={int(os.environ.get('KPIQ_THREADS', '2'))}")
    text = open(script).read()
    parts = NAME.split(text)
    for line in parts[0].splitlines():
        m = LOAD.match(line.strip())
        if not m:
            continue
        path, name = m.groups()
        t = time.perf_counter()
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}')")
        secs = time.perf_counter() - t
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        print(json.dumps({"kind": "load", "name": name, "seconds": secs, "rows": rows}), flush=True)
    after_load = rss("VmRSS")
    for name, body in zip(parts[1::2], parts[2::2]):
        sql = body.strip().rstrip(";")
        if name == os.environ.get("MOCK_KPIQ_FAIL"):
            print(json.dumps({"kind": "query", "name": name, "error": "mock failure"}), flush=True)
            continue
        cur = con.execute(sql)
        rows = [[cell(v) for v in r] for r in cur.fetchall()]
        cols = [d[0] for d in cur.description]
        runs = []
        for _ in range(reps):
            t = time.perf_counter()
            con.execute(sql).fetchall()
            runs.append((time.perf_counter() - t) * 1000)
        if name == os.environ.get("MOCK_KPIQ_CORRUPT") and rows:
            j = next((j for j, v in enumerate(rows[-1]) if isinstance(v, (int, float))), 0)
            rows[-1][j] = (rows[-1][j] or 0) * 1.001 + 1
        print(json.dumps({"kind": "query", "name": name, "median_ms": statistics.median(runs),
                          "runs_ms": runs, "result": {"columns": cols, "rows": rows}}), flush=True)
    print(json.dumps({"kind": "memory", "rss_after_load_mb": after_load, "peak_mb": rss("VmHWM")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
