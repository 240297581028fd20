#!/usr/bin/env python3
"""Load speed of the XLSX and JSON readers against DuckDB, on the events of a generated data set.

    python3 Benchmarks/load_formats.py --data bench-data/sf1 [--kpiq .build/release/kpiq] [--reps 3]

Writes, once, into DIR/formats/: events.jsonl (every event, by DuckDB's COPY ... (FORMAT JSON)),
events_100k.xlsx (the first 100,000 events, by openpyxl) and events.csv's first 100,000 rows
as CSV for comparison. Then times, best of REPS, `kpiq -c 'load ...'` (the process, so start-up
included) and DuckDB's `create table as select * from read_json_auto(...)` / `read_csv_auto`
(inside one connection; DuckDB has no XLSX reader of its own without an extension, so the XLSX
line compares with openpyxl's read-only mode, what a Python user would use).
"""
import argparse
import csv
import os
import subprocess
import time

import duckdb


def best(reps, fn):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--kpiq", default=".build/release/kpiq")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    out = os.path.join(args.data, "formats")
    os.makedirs(out, exist_ok=True)
    events = os.path.join(args.data, "events.csv")
    jsonl = os.path.join(out, "events.jsonl")
    xlsx = os.path.join(out, "events_100k.xlsx")
    csv100k = os.path.join(out, "events_100k.csv")
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    if not os.path.exists(jsonl):
        con.execute(f"copy (select * from read_csv_auto('{events}')) to '{jsonl}' (format json)")
    if not os.path.exists(xlsx):
        import openpyxl
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("events")
        with open(events) as f, open(csv100k, "w", newline="") as c:
            reader = csv.reader(f)
            writer = csv.writer(c)
            for i, row in enumerate(reader):
                if i > 100_000:
                    break
                writer.writerow(row)
                ws.append([int(v) if v.isdigit() else v for v in row] if i else row)
        wb.save(xlsx)
    env = dict(os.environ, KPIQ_THREADS=str(args.threads))

    def kpiq(path):
        subprocess.run([args.kpiq, "-c", f'load "{path}" as t'], check=True, env=env, stdout=subprocess.DEVNULL)

    def duck(sql):
        con.execute("drop table if exists t")
        con.execute(f"create table t as {sql}")

    def openpyxl_read():
        import openpyxl
        wb = openpyxl.load_workbook(xlsx, read_only=True)
        for _ in wb.active.iter_rows(values_only=True):
            pass

    rows = [
        ("JSON lines, 1M events", jsonl, lambda: kpiq(jsonl), "DuckDB read_json_auto", lambda: duck(f"select * from read_json_auto('{jsonl}')")),
        ("XLSX, 100k events", xlsx, lambda: kpiq(xlsx), "openpyxl read-only", openpyxl_read),
        ("CSV, same 100k events", csv100k, lambda: kpiq(csv100k), "DuckDB read_csv_auto", lambda: duck(f"select * from read_csv_auto('{csv100k}')")),
    ]
    print("| file | size | kpiq | other | other's time |")
    print("| --- | --- | --- | --- | --- |")
    for name, path, ours, other_name, other in rows:
        size = os.path.getsize(path) / 1e6
        a = best(args.reps, ours)
        b = best(args.reps, other)
        print(f"| {name} | {size:.1f} MB | {a:.2f} s | {other_name} | {b:.2f} s |")


if __name__ == "__main__":
    main()
