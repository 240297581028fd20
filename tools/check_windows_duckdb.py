#!/usr/bin/env python3
"""Checks kpiq's window functions, totals, date formats and `count(distinct x)` against DuckDB.

Each check is a kpiq pipeline and the same question in DuckDB SQL, run over the same CSV: a
deterministic random table (`--rows`, partitions with nulls, ties of dates, null values) and
Tests/Golden/data/sessions.csv (the data of Tests/Golden/windows.test, whose expected outputs
are therefore DuckDB's answers too). Every cell is compared: numbers to 1e-9 relative, null
with null, text exactly. Exit status 0 when all agree.

    swift build && python3 tools/check_windows_duckdb.py [--kpiq .build/debug/kpiq] [--rows 3000]
"""
import argparse
import csv
import datetime
import io
import math
import os
import random
import subprocess
import sys
import tempfile

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, kpiq pipeline over `t`, DuckDB SQL over `t`); both end ordered by `id`.
GENERATED = [
    ("lag/lead with offsets, text and numbers",
     "from t | sort day, id | derive p = lag(x), p2 = lag(x, 2), n3 = lead(y, 3), pn = lag(name) by grp | sort id | select id, p, p2, n3, pn",
     "select id, lag(x) over w, lag(x, 2) over w, lead(y, 3) over w, lag(name) over w from t "
     "window w as (partition by grp order by day, id) order by id"),
    ("lag over the whole input, descending order, nulls first",
     "from t | sort x desc nulls first, id | derive p = lag(id), nx = lead(x) | sort id | select id, p, nx",
     "select id, lag(id) over w, lead(x) over w from t window w as (order by x desc nulls first, id) order by id"),
    ("running sum and count",
     "from t | sort day, id | derive rs = running_sum(x), ry = running_sum(y), rc = running_count(x), rn = running_count() by grp | sort id | select id, rs, ry, rc, rn",
     "select id, sum(x) over w, sum(y) over w, count(x) over w, count(*) over w from t "
     "window w as (partition by grp order by day, id rows between unbounded preceding and current row) order by id"),
    ("moving average, sum and count over rows",
     "from t | sort day, id | derive a = moving_avg(x, 3), s = moving_sum(y, 5), c = moving_count(x, 4), b = moving_avg(y, 100) by grp | sort id | select id, a, s, c, b",
     "select id, avg(x) over (w rows between 2 preceding and current row), sum(y) over (w rows between 4 preceding and current row), "
     "count(x) over (w rows between 3 preceding and current row), avg(y) over (w rows between 99 preceding and current row) from t "
     "window w as (partition by grp order by day, id) order by id"),
    ("moving aggregates over a length of time, dates",
     "from t | sort day | derive a = moving_avg(x, 7 days), s = moving_sum(y, 2 weeks), c = moving_count(x, 1 month) by grp | sort id | select id, a, s, c",
     "select id, avg(x) over (w range between interval 6 days preceding and current row), "
     "sum(y) over (w range between interval 13 days preceding and current row), "
     "count(x) over (w range between interval '1 month -1 day' preceding and current row) from t "
     "window w as (partition by grp order by day) order by id"),
    ("moving average over a length of time, timestamps, nulls last",
     "from t | sort ts | derive a = moving_avg(x, 36 hours), s = moving_sum(x, 3 days) by sub | sort id | select id, a, s",
     "select id, avg(x) over (w range between interval '35 hours 59 minutes 59.999999 seconds' preceding and current row), "
     "sum(x) over (w range between interval '2 days 23:59:59.999999' preceding and current row) from t "
     "window w as (partition by sub order by ts asc nulls last) order by id"),
    ("anomaly: outside the median +/- 3 scaled MADs of the rows before",
     "from t | sort day, id | derive a = anomaly(x, 5), b = anomaly(y, 20), c = anomaly(x, 3) by grp | sort id | select id, a, b, c",
     "select id, "
     + ", ".join(
         "case when {v} is null or count({v}) over (w rows between {n} preceding and 1 preceding) < 3 then null "
         "else abs({v} - median({v}::double) over (w rows between {n} preceding and 1 preceding)) > "
         "3 * 1.482602218505602 * mad({v}::double) over (w rows between {n} preceding and 1 preceding) end".format(v=v, n=n)
         for v, n in [("x", 5), ("y", 20), ("x", 3)])
     + " from t window w as (partition by grp order by day, id) order by id"),
    ("rank, dense rank (ties share a rank), row number",
     "from t | sort day | derive r = rank(), d = dense_rank() by grp | sort x desc | derive rx = rank(), dx = dense_rank() by sub "
     "| sort x desc, id | derive n = row_number() by sub | sort id | select id, r, d, rx, dx, n",
     "select id, rank() over (partition by grp order by day), dense_rank() over (partition by grp order by day), "
     "rank() over (partition by sub order by x desc nulls last), dense_rank() over (partition by sub order by x desc nulls last), "
     "row_number() over (partition by sub order by x desc nulls last, id) from t order by id"),
    ("totals and shares, by a partition and over all rows",
     "from t | derive tx = total(x), ty = total(y), sx = share(x), sy = share(y) by grp | derive gx = total(x), gs = share(y) | sort id | select id, tx, ty, sx, sy, gx, gs",
     "select id, sum(x) over (partition by grp), sum(y) over (partition by grp), x / nullif(sum(x) over (partition by grp), 0), "
     "y / nullif(sum(y) over (partition by grp), 0), sum(x) over (), y / nullif(sum(y) over (), 0) from t order by id"),
    ("window functions in expressions, partition by an expression",
     "from t | sort day, id | derive change = x - lag(x), pct = (x - lag(x)) / lag(x), above = x > total(x) / 50 by lower(grp) | sort id | select id, change, pct, above",
     "select id, x - lag(x) over w, (x - lag(x) over w) / nullif(lag(x) over w, 0), x > sum(x) over (partition by lower(grp)) / 50 from t "
     "window w as (partition by lower(grp) order by day, id) order by id"),
    ("top N within each partition",
     "from t | sort x desc, id | top 3 by grp | sort id | select id, grp, x",
     "select id, grp, x from t qualify row_number() over (partition by grp order by x desc nulls last, id) <= 3 order by id"),
    ("top N with offset within each partition",
     "from t | sort day, id | top 2 offset 1 by grp, sub | sort id | select id",
     "select id from t qualify row_number() over (partition by grp, sub order by day, id) between 2 and 3 order by id"),
    ("where on a window function",
     "from t | sort day, id | where x > lag(x) | sort id | select id",
     "select id from t qualify x > lag(x) over (order by day, id) order by id"),
    ("group with total (ROLLUP's grand total)",
     "from t | group grp, sub | agg n = count(), v = count(distinct name), s = sum(y), r = mean(x) with total | sort grp, sub | select grp, sub, n, v, s, r",
     "select case when grouping(grp) = 1 then '(total)' else grp end g, sub, count(*), count(distinct name), sum(y), avg(x) from t "
     "group by grouping sets ((grp, sub), ()) order by g nulls last, sub nulls last"),
    ("count(distinct x)",
     "from t | group sub | agg a = count(distinct name), b = count_distinct(name) | sort sub",
     "select sub, count(distinct name), count(distinct name) from t group by sub order by sub nulls last"),
    ("date formats",
     "from t | derive m = format(day, \"%Y-%m\"), w = format(day, \"%G-W%V\"), q = format(day, \"%Y-Q%q\"), wl = format(ts, \"week\"), "
     "ql = format(ts, \"quarter\"), f = format(ts, \"%a %d %b %Y %H:%M:%S %j %u %y %A %B %F\") | sort id | select id, m, w, q, wl, ql, f",
     "select id, strftime(day, '%Y-%m'), strftime(day, '%G-W%V'), year(day) || '-Q' || quarter(day), strftime(ts, '%G-W%V'), "
     "year(ts) || '-Q' || quarter(ts), strftime(ts, '%a %d %b %Y %H:%M:%S %j %u %y %A %B %Y-%m-%d') from t order by id"),
]

# Over Tests/Golden/data/sessions.csv as `s`: the queries of Tests/Golden/windows.test.
SESSIONS = [
    ("golden: lag, lead, running and moving by source",
     "from s | sort ts | derive prev = lag(seconds), next2 = lead(seconds, 2), run = running_sum(seconds), n = running_count(seconds), "
     "avg3 = moving_avg(seconds, 3) by source | select ts, source, seconds, prev, next2, run, n, avg3",
     "select ts, source, seconds, lag(seconds) over w, lead(seconds, 2) over w, sum(seconds) over (w rows between unbounded preceding and current row), "
     "count(seconds) over (w rows between unbounded preceding and current row), avg(seconds) over (w rows between 2 preceding and current row) "
     "from s window w as (partition by source order by ts) order by ts"),
    ("golden: rank, dense rank, row number",
     "from s | sort bounced desc | derive r = rank(), d = dense_rank(), n = row_number() | select visitor_id, bounced, r, d, n",
     "select visitor_id, bounced, rank() over w, dense_rank() over w, row_number() over (order by bounced desc, rowid) from s "
     "window w as (order by bounced desc) order by bounced desc, rowid"),
    ("golden: totals and shares",
     "from s | derive part = share(seconds) | derive source_seconds = total(seconds), of_source = share(seconds) by source "
     "| select visitor_id, source, seconds, source_seconds, part, of_source",
     "select visitor_id, source, seconds, sum(seconds) over (partition by source), seconds / sum(seconds) over (), "
     "seconds / nullif(sum(seconds) over (partition by source), 0) from s order by rowid"),
    ("golden: 7-day moving average by day",
     "from s | derive day = day(ts) | sort day | derive week_avg = moving_avg(seconds, 7 days), week_visits = moving_count(visitor_id, 7 days) | select day, seconds, week_avg, week_visits",
     "select cast(ts as date) d, seconds, avg(seconds) over w, count(visitor_id) over w from s "
     "window w as (order by cast(ts as date) range between interval 6 days preceding and current row) order by d, rowid"),
    ("golden: top 1 by source",
     "from s | sort seconds desc | top 1 by source | select source, visitor_id, seconds",
     "select source, visitor_id, seconds from s qualify row_number() over (partition by source order by seconds desc nulls last, rowid) = 1 "
     "order by seconds desc nulls last, rowid"),
    ("golden: group with total",
     "from s | group source | agg sessions = count(), visitors = count(distinct visitor_id), bounce_rate = mean(bounced) with total",
     "select case when grouping(source) = 1 then '(total)' else source end, count(*), count(distinct visitor_id), avg(bounced) "
     "from s group by grouping sets ((source), ()) order by grouping(source), min(rowid)"),
    ("golden: month-over-month change from monthly rows",
     "from s | group month = format(ts, \"month\") | agg visits = count() | sort month | derive previous = lag(visits), change = visits - lag(visits), "
     "running = running_sum(visits), part = share(visits)",
     "select strftime(ts, '%Y-%m') m, count(*) v, lag(v) over w, v - lag(v) over w, sum(v) over (w rows between unbounded preceding and current row), "
     "v / sum(v) over () from s group by m window w as (order by m) order by m"),
]


def generate(path, rows, seed):
    rng = random.Random(seed)
    groups = ["alpha", "beta", "gamma", "Delta", None]
    names = ["ann", "bob", "cid", "dee", "eve", "fay", "gus", None]
    start = datetime.date(2024, 1, 1)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "grp", "sub", "day", "ts", "x", "y", "name"])
        for i in range(rows):
            day = start + datetime.timedelta(days=rng.randrange(0, 200))
            ts = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=rng.randrange(0, 86400))
            if rng.random() < 0.05:
                ts = None
            x = rng.randrange(-20, 100) if rng.random() > 0.1 else None
            y = round(rng.uniform(-5, 500), 2) if rng.random() > 0.1 else None
            w.writerow([i, rng.choice(groups) or "", rng.randrange(0, 4), day.isoformat(),
                        ts.isoformat(sep=" ") if ts else "", "" if x is None else x, "" if y is None else y, rng.choice(names) or ""])


def run_kpiq(kpiq, load, query):
    out = subprocess.run([kpiq, "--format", "csv", "-c", load, "-c", query], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"kpiq failed: {out.stderr}")
    rows = list(csv.reader(io.StringIO(out.stdout)))
    return rows[1:]


def same(a, b):
    """A kpiq CSV field against a DuckDB value."""
    if b is None:
        return a == ""
    if isinstance(b, bool):
        return a == ("true" if b else "false")
    if isinstance(b, (int, float)):
        if a == "":
            return isinstance(b, float) and math.isnan(b)
        try:
            v = float(a)
        except ValueError:
            return False
        return math.isclose(v, float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(b, datetime.datetime):
        return a.replace("T", " ") == b.isoformat(sep=" ")
    if isinstance(b, datetime.date):
        return a == b.isoformat()
    return a == str(b)


def check(name, kpiq_rows, sql_rows):
    if len(kpiq_rows) != len(sql_rows):
        return f"{name}: {len(kpiq_rows)} rows from kpiq, {len(sql_rows)} from DuckDB"
    for r, (k, d) in enumerate(zip(kpiq_rows, sql_rows)):
        if len(k) != len(d) or not all(same(a, b) for a, b in zip(k, d)):
            return f"{name}: row {r} differs\n  kpiq:   {k}\n  duckdb: {list(d)}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kpiq", default=os.path.join(ROOT, ".build/debug/kpiq"))
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    failures = []
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "t.csv")
        generate(data, args.rows, args.seed)
        con = duckdb.connect()
        con.execute(f"create table t as select * from read_csv('{data}', header = true, "
                    "types = {'id': 'BIGINT', 'grp': 'VARCHAR', 'sub': 'BIGINT', 'day': 'DATE', 'ts': 'TIMESTAMP', 'x': 'BIGINT', 'y': 'DOUBLE', 'name': 'VARCHAR'})")
        sessions = os.path.join(ROOT, "Tests/Golden/data/sessions.csv")
        con.execute(f"create table s as select * from read_csv('{sessions}', header = true, "
                    "types = {'ts': 'TIMESTAMP', 'seconds': 'BIGINT', 'bounced': 'BIGINT', 'converted': 'BIGINT'})")
        for load, checks in [(f'load "{data}" as t', GENERATED), (f'load "{sessions}" as s time ts', SESSIONS)]:
            for name, query, sql in checks:
                checked += 1
                problem = check(name, run_kpiq(args.kpiq, load, query), con.execute(sql).fetchall())
                print(("FAIL " if problem else "ok   ") + name)
                if problem:
                    failures.append(problem)
    for problem in failures:
        print("\n" + problem)
    print(f"\n{checked - len(failures)}/{checked} checks agree with DuckDB {duckdb.__version__} ({args.rows} generated rows, seed {args.seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
