#!/usr/bin/env python3
"""Time kpiq's `funnel` against the same funnel written in DuckDB SQL, and check they agree.

    python3 Benchmarks/funnel.py --contacts bench-data/sf1/contacts.csv [--kpiq .build/release/kpiq-bench]
                                 [--within "90 days"] [--as-of 2024-12-31] [--during 2024-01-01..2025-01-01]
                                 [--reps 20] [--threads 2] [--no-check]

The funnel is `created_at -> mql_at -> sql_at -> customer_at by source`. The SQL below is the
reference for the rules docs/kpi.md states for `funnel`: entry on the first stage before the end
of the as-of day (and inside the range); a stage's time counts when it is before the end of the
as-of day and no later than entry + within on the calendar; reached k = some stage >= k has a
counted time; days of stage k from the nearest earlier stage with a counted time, 0 when
dated before it; open = reached k-1, not k, and entry + within at or after the end of the as-of
day. Both engines get one warm-up run, then --reps timed runs; the medians are compared.
kpiq is timed through its benchmark protocol (Benchmarks/KPIQ_PROTOCOL.md): parse, plan and
execute up to a materialised result, the same span as DuckDB's SQL text to fetched rows.
"""
import argparse
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

STAGES = ["created_at", "mql_at", "sql_at", "customer_at"]
DIMENSION = "source"


def funnel_sql(within, as_of, during):
    end = (dt.date.fromisoformat(as_of) + dt.timedelta(days=1)).isoformat()
    n = len(STAGES)
    where = [f"{STAGES[0]} IS NOT NULL", f"{STAGES[0]} < TIMESTAMP '{end}'"]
    if during:
        start, stop = during.split("..")
        where += [f"{STAGES[0]} >= TIMESTAMP '{start}'", f"{STAGES[0]} < TIMESTAMP '{min(stop, end)}'"]
    counted = [f"{STAGES[0]} AS c0"]
    for k in range(1, n):
        window = f" AND {STAGES[k]} <= deadline" if within else ""
        counted.append(f"CASE WHEN {STAGES[k]} < TIMESTAMP '{end}'{window} THEN {STAGES[k]} END AS c{k}")
    if within:
        counted.append(f"deadline >= TIMESTAMP '{end}' AS window_open")
    furthest = "CASE " + " ".join(f"WHEN c{k} IS NOT NULL THEN {k}" for k in range(n - 1, 0, -1)) + " ELSE 0 END AS furthest"
    days = []
    for k in range(1, n):
        previous = f"coalesce({', '.join(f'c{j}' for j in range(k - 1, -1, -1))})"
        days.append(f"CASE WHEN c{k} < {previous} THEN 0 ELSE (epoch_us(c{k}) - epoch_us({previous})) / 86400e6 END AS days{k}")
    aggregates = ["count(*) AS units"]
    for k in range(1, n):
        aggregates.append(f"count(*) FILTER (WHERE furthest >= {k}) AS converted{k}")
        aggregates.append(f"count(*) FILTER (WHERE furthest = {k - 1} AND window_open) AS open{k}" if within else f"0 AS open{k}")
        aggregates.append(f"median(days{k}) AS median{k}")
    steps = [f"SELECT {DIMENSION}, 1 AS step, '{STAGES[0]}' AS stage, units AS entered, units AS converted, 0 AS open, "
             f"NULL::DOUBLE AS step_rate, units / nullif(units, 0) AS overall_rate, NULL::DOUBLE AS median_days FROM counts"]
    for k in range(1, n):
        entered = "units" if k == 1 else f"converted{k - 1}"
        steps.append(f"SELECT {DIMENSION}, {k + 1}, '{STAGES[k]}', {entered}, converted{k}, open{k}, "
                     f"converted{k} / nullif({entered} - open{k}, 0), converted{k} / nullif(units, 0), median{k} FROM counts")
    deadline = f", {STAGES[0]} + INTERVAL '{within}' AS deadline" if within else ""
    return f"""
WITH units AS (
    SELECT {DIMENSION}, {', '.join(STAGES)}{deadline} FROM contacts WHERE {' AND '.join(where)}
), counted AS (
    SELECT {DIMENSION}, {', '.join(counted)} FROM units
), progress AS (
    SELECT {DIMENSION}, {furthest}, {', '.join(days)}{', window_open' if within else ''} FROM counted
), counts AS (
    SELECT {DIMENSION}, {', '.join(aggregates)} FROM progress GROUP BY {DIMENSION}
)
{' UNION ALL '.join(steps)}
ORDER BY {DIMENSION} NULLS LAST, step"""


def kpiq_statement(within, as_of, during):
    text = f"as of {as_of}\nfunnel contacts: {' -> '.join(STAGES)} by {DIMENSION}"
    if within:
        text += f" within {within}"
    if during:
        start, stop = during.split("..")
        last = (dt.date.fromisoformat(stop) - dt.timedelta(days=1)).isoformat()
        text += f" during {start}..{last}"
    return text


def run_duckdb(path, sql, reps, threads):
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(f"""CREATE TABLE contacts AS SELECT * FROM read_csv('{path}', header = true, columns = {{
        'contact_id': 'BIGINT', 'visitor_id': 'VARCHAR', 'created_at': 'TIMESTAMP', 'source': 'VARCHAR',
        'campaign': 'VARCHAR', 'company': 'VARCHAR', 'lifecycle_stage': 'VARCHAR', 'mql_at': 'TIMESTAMP',
        'sql_at': 'TIMESTAMP', 'customer_at': 'TIMESTAMP', 'lead_score': 'INTEGER', 'email_opt_in': 'INTEGER',
        'unsubscribed_at': 'TIMESTAMP'}})""")
    rows = con.execute(sql).fetchall()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        con.execute(sql).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return rows, times


def run_kpiq(binary, path, statement, reps, threads):
    with tempfile.NamedTemporaryFile("w", suffix=".kpi", delete=False) as script:
        script.write(f'load "{os.path.abspath(path)}" as contacts\n\n-- name: funnel\n{statement}\n')
    try:
        env = dict(os.environ, KPIQ_THREADS=str(threads))
        out = subprocess.run([binary, str(reps), script.name], env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    for line in out.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("kind") == "query":
            if "error" in message:
                sys.exit(f"kpiq: {message['error']}")
            return message["result"]["rows"], message["runs_ms"]
    sys.exit("kpiq printed no query line:\n" + out)


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            # DuckDB's median of nothing and x/0 with nullif are NULL, as in kpiq.
            return a is None and b is None
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", required=True)
    parser.add_argument("--kpiq", default=".build/release/kpiq-bench", help="the protocol runner")
    parser.add_argument("--within", default="90 days", help='a length of time, or "" for none')
    parser.add_argument("--as-of", default=dt.date.today().isoformat())
    parser.add_argument("--during", default="", help="START..END, end exclusive (ISO dates)")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-check", action="store_true", help="time only (for a kpiq whose rules differ)")
    args = parser.parse_args()

    sql = funnel_sql(args.within, args.as_of, args.during)
    statement = kpiq_statement(args.within, args.as_of, args.during)
    duck_rows, duck_times = run_duckdb(args.contacts, sql, args.reps, args.threads)
    kpiq_rows, kpiq_times = run_kpiq(args.kpiq, args.contacts, statement, args.reps, args.threads)
    duck, kpiq = statistics.median(duck_times), statistics.median(kpiq_times)
    print(statement.replace("\n", "; "))
    # The minimum too: on a shared machine a run can wait for a core, which the median hides
    # only when fewer than half the runs do.
    print(f"duckdb {duckdb.__version__}: median {duck:.3f} ms, min {min(duck_times):.3f} ms over {args.reps} runs ({args.threads} threads)")
    print(f"kpiq {args.kpiq}: median {kpiq:.3f} ms, min {min(kpiq_times):.3f} ms over {args.reps} runs")
    print(f"kpiq / duckdb = {kpiq / duck:.3f} (medians), {min(kpiq_times) / min(duck_times):.3f} (minimums)")
    if args.no_check:
        return
    problems = []
    if len(duck_rows) != len(kpiq_rows):
        problems.append(f"{len(duck_rows)} rows from DuckDB, {len(kpiq_rows)} from kpiq")
    for i, (d, k) in enumerate(zip(duck_rows, kpiq_rows)):
        if len(d) != len(k) or not all(same(x, y) for x, y in zip(d, k)):
            problems.append(f"row {i}: duckdb {list(d)} kpiq {k}")
    if problems:
        print("results differ:\n  " + "\n  ".join(problems[:20]))
        sys.exit(1)
    print(f"results agree ({len(duck_rows)} rows)")


if __name__ == "__main__":
    main()
