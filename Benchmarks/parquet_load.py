#!/usr/bin/env python3
"""Load speed of Parquet: kpiq's `load "events.parquet"` against DuckDB's
`CREATE TABLE t AS SELECT * FROM read_parquet(...)`, and kpiq's CSV load of the same rows.

    python3 Benchmarks/parquet_load.py --data /work/data/sf1 --data /work/data/sf10 \
        --parquet-dir /work/data --reps 3 --threads 2

For each data directory, `events.csv` is written as Parquet once with DuckDB's defaults
(`COPY ... TO 'sfN-events.parquet'`, snappy, row groups of 122,880 rows) into --parquet-dir,
unless it is there already. Each engine is limited to --threads threads; the best of --reps
runs is reported (kpiq: a fresh process per run, timed from opening the file to the table
being ready, the `load` line of `kpiq-bench`; DuckDB: a fresh in-memory database per run).
Each time is shown with the CPU time it took (user + system, all threads; for kpiq the whole
process): on a machine shared with other work the wall-clock time mostly measures the wait
for a core, and the CPU time is the steadier comparison.
"""
import argparse
import json
import os
import resource
import subprocess
import tempfile
import time

import duckdb


def parquet_for(data, out_dir):
    name = os.path.basename(os.path.normpath(data))
    path = os.path.join(out_dir, f"{name}-events.parquet")
    if not os.path.exists(path):
        duckdb.sql(f"COPY (SELECT * FROM read_csv('{data}/events.csv')) TO '{path}' (FORMAT parquet)")
    return path


def duckdb_load(path, threads):
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')")
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return seconds, rows, cpu_seconds


def kpiq_load(kpiq, path, threads):
    with tempfile.NamedTemporaryFile("w", suffix=".kpi", delete=False) as script:
        script.write(f'load "{path}" as events\n')
    try:
        env = dict(os.environ, KPIQ_THREADS=str(threads))
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([kpiq, "1", script.name], env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_seconds = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    finally:
        os.unlink(script.name)
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("kind") == "load":
            return float(message["seconds"]), message.get("rows"), cpu_seconds
    raise RuntimeError(f"no load line from kpiq: {out[:500]}")


def best(runs):
    return min(runs, key=lambda r: r[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", required=True, help="a directory with events.csv (repeatable)")
    parser.add_argument("--parquet-dir", required=True, help="where the Parquet copies are written")
    parser.add_argument("--kpiq-bench", dest="kpiq", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "kpiq-bench"),
                        help="the protocol runner (Benchmarks/KPIQ_PROTOCOL.md), whose `load` line times the load")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    print("| data | file | DuckDB read_parquet: wall (CPU) | kpiq Parquet: wall (CPU) | kpiq CSV: wall (CPU) | kpiq Parquet vs DuckDB: wall, CPU |")
    print("| --- | --- | --- | --- | --- | --- |")
    for data in args.data:
        path = parquet_for(data, args.parquet_dir)
        csv = os.path.join(data, "events.csv")
        duck = best([duckdb_load(path, args.threads) for _ in range(args.reps)])
        kp = best([kpiq_load(args.kpiq, path, args.threads) for _ in range(args.reps)])
        kc = best([kpiq_load(args.kpiq, csv, args.threads) for _ in range(args.reps)])
        assert duck[1] == kp[1] == kc[1], (duck, kp, kc)
        size = os.path.getsize(path) / 1e6
        print(f"| {os.path.basename(os.path.normpath(data))} ({duck[1]:,} rows) | {size:.0f} MB | {duck[0]:.2f} s ({duck[2]:.2f} s) | "
              f"{kp[0]:.2f} s ({kp[2]:.2f} s) | {kc[0]:.2f} s ({kc[2]:.2f} s) | {duck[0] / kp[0]:.2f}x, {duck[2] / kp[2]:.2f}x |")


if __name__ == "__main__":
    main()
