#!/usr/bin/env python3
"""Differential tester: random small tables and random kpiq pipelines, each translated to DuckDB
SQL, results compared.

    python3 tools/difftest/difftest.py --kpiq .build/release/kpiq --seed 1 --pairs 100000
    python3 tools/difftest/difftest.py --seed 7 --seconds 150          # CI: bounded time

Each round makes three tables (ints with nulls and int64 extremes, decimals, text with
duplicates and nulls, dates), writes them as CSV for kpiq and inserts the same values into
DuckDB, then generates --batch queries. kpiq runs them all in one process (a script in JSON
output, one line per result; when a statement fails the script stops there, its error names the
line, and the rest runs again in a new process). Results are compared as multisets of rows,
and in order where the query ends with a sort over all its columns.

kpiq's documented differences from DuckDB are rules in `rules.py` (each one names the sentence
of docs/pipelines.md it follows), applied while translating (`TRY(...)` where kpiq gives null rather than an
error) or while comparing. Known defects that are being fixed are rules too, marked PENDING:
their disagreements are counted and reported separately, never dropped silently.

Exit status: 0 when no query disagreed, 1 otherwise. Disagreements are written to --out (a folder) as
self-contained reproducers: the CSVs, the kpiq script and the SQL.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import rules  # noqa: E402


def run_kpiq(kpiq, workdir, load_lines, queries, timeout):
    """Runs `queries` after `load_lines` in as few processes as possible. Returns one entry per
    query: ('ok', rows) or ('error', message)."""
    results = []
    start = 0
    while start < len(queries):
        script_lines = list(load_lines) + queries[start:]
        path = os.path.join(workdir, "q.kpi")
        with open(path, "w") as f:
            f.write("\n".join(script_lines) + "\n")
        try:
            p = subprocess.run(STDBUF + [kpiq, "--format", "json", "--asof", "2024-06-30", path],
                               capture_output=True, text=True, timeout=timeout, cwd=workdir, env=QUIET_CRASH)
        except subprocess.TimeoutExpired:
            results.append(("error", "timeout after %ss" % timeout))
            start += 1
            continue
        out_lines = [line for line in p.stdout.split("\n") if line.startswith("[")]
        for line in out_lines:
            results.append(("ok", json.loads(line, object_pairs_hook=list)))
        done = len(out_lines)
        if p.returncode == 0:
            if done != len(queries) - start:
                raise RuntimeError("kpiq printed %d results for %d queries" % (done, len(queries) - start))
            break
        m = re.search(r"--> [^\n]*q\.kpi:(\d+):", p.stderr)
        if not m:
            if p.returncode < 0 or "Fatal error" in p.stderr or "AddressSanitizer" in p.stderr:
                # kpiq buffers its output, so results printed before a crash may be lost: the
                # first `done` are right, and the crash is among the rest. Halve until found.
                rest = queries[start + done:]
                if len(rest) == 1:
                    results.append(("crash", "kpiq died (status %d)" % p.returncode))
                else:
                    half = len(rest) // 2
                    results.extend(run_kpiq(kpiq, workdir, load_lines, rest[:half], timeout))
                    results.extend(run_kpiq(kpiq, workdir, load_lines, rest[half:], timeout))
                break
            raise RuntimeError("kpiq failed without a location (status %d): %s" % (p.returncode, p.stderr[-2000:]))
        failed = int(m.group(1)) - 1 - len(load_lines)  # 0-based among queries[start:]
        if failed < 0:
            raise RuntimeError("a load failed: " + p.stderr[-2000:])
        if failed != done:
            # A syntax error stops the whole script before anything runs: record it, then
            # run the queries before it again on their own.
            if done != 0:
                raise RuntimeError("kpiq stopped at query %d after %d results" % (failed, done))
            bad = start + failed
            results.extend(run_kpiq(kpiq, workdir, load_lines, queries[start:bad], timeout) if bad > start else [])
            results.append(("error", p.stderr.strip()))
            start = bad + 1
            continue
        results.append(("error", p.stderr.strip()))
        start += done + 1
    return results


STDBUF = []


# Swift's backtracer takes seconds per crash: off in batches, on when a crash is reported.
QUIET_CRASH = dict(os.environ, SWIFT_BACKTRACE="enable=no")


def crash_report(kpiq, workdir, load_lines, query):
    """The crash again, alone, with its backtrace."""
    path = os.path.join(workdir, "crash.kpi")
    with open(path, "w") as f:
        f.write("\n".join(load_lines + [query]) + "\n")
    p = subprocess.run([kpiq, "--format", "json", "--asof", "2024-06-30", path], capture_output=True, text=True, timeout=120, cwd=workdir)
    return "status %d\n%s" % (p.returncode, crash_summary(p.stderr))


def crash_summary(stderr):
    lines = [l for l in stderr.split("\n") if "Fatal error" in l or "ERROR: AddressSanitizer" in l or "Crash" in l]
    frames = [l.strip() for l in stderr.split("\n") if re.match(r"\s*\d+ .* in kpiq", l)]
    return "\n".join(lines[:3] + frames[:12]) or stderr[-1500:]


def run_duckdb(con, sql):
    try:
        return ("ok", con.execute(sql).fetchall(), [d[0] for d in con.description])
    except duckdb.Error as e:
        return ("error", str(e).split("\n")[0], None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kpiq", default=".build/release/kpiq")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=1000, help="stop after this many query pairs")
    ap.add_argument("--seconds", type=float, default=None, help="stop after this much time")
    ap.add_argument("--batch", type=int, default=250, help="queries per table set (one kpiq process)")
    ap.add_argument("--out", default=None, help="folder for reproducers of disagreements")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--max-report", type=int, default=20)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    kpiq = os.path.abspath(args.kpiq)
    if not os.access(kpiq, os.X_OK):
        sys.exit("difftest: no kpiq binary at %s (scripts/build-release.sh)" % kpiq)
    started = time.time()
    rng = random.Random(args.seed)
    stats = {"pairs": 0, "agree": 0, "both_error": 0, "disagree": 0, "rounds": 0}
    reported = 0
    workdir = tempfile.mkdtemp(prefix="kpiq-difftest-")
    try:
        while stats["pairs"] < args.pairs and (args.seconds is None or time.time() - started < args.seconds):
            stats["rounds"] += 1
            tables = gen.make_tables(rng)
            load_lines = gen.write_tables(tables, workdir)
            con = duckdb.connect()
            gen.load_duckdb(con, tables)
            n = min(args.batch, args.pairs - stats["pairs"])
            pairs = [gen.make_query(rng, tables) for _ in range(n)]
            kres = run_kpiq(kpiq, workdir, load_lines, [p.kpiq for p in pairs], args.timeout)
            for pair, k in zip(pairs, kres):
                stats["pairs"] += 1
                d = run_duckdb(con, pair.sql)
                if k[0] == "crash" and reported < args.max_report:
                    k = ("crash", crash_report(kpiq, workdir, load_lines, pair.kpiq))
                verdict, why = rules.judge(pair, k, d, tables)
                if verdict == "agree":
                    stats["agree"] += 1
                elif verdict == "both_error":
                    stats["both_error"] += 1
                else:
                    stats["disagree"] += 1
                    if reported < args.max_report:
                        reported += 1
                        print("DISAGREE (round %d): %s\n  kpiq: %s\n  sql:  %s\n  %s\n" % (stats["rounds"], verdict, pair.kpiq, pair.sql, why[:3000]))
                        if args.out:
                            save_repro(args.out, stats, workdir, load_lines, pair, why)
            con.close()
            if args.verbose or stats["rounds"] % 10 == 0:
                print("... %d pairs, %d disagreements, %.0f s" % (stats["pairs"], stats["disagree"], time.time() - started), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.time() - started
    print("difftest seed %d: %d pairs in %d rounds, %.0f s (%d both errors)" % (
        args.seed, stats["pairs"], stats["rounds"], elapsed, stats["both_error"]))
    failed = stats["disagree"]
    print("difftest: %d passed, %d failed" % (stats["pairs"] - failed, failed))
    return 1 if failed else 0


def save_repro(out, stats, workdir, load_lines, pair, why):
    d = os.path.join(out, "case%d" % stats["disagree"])
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(workdir):
        if name.endswith(".csv"):
            shutil.copy(os.path.join(workdir, name), d)
    with open(os.path.join(d, "q.kpi"), "w") as f:
        f.write("\n".join(load_lines + [pair.kpiq]) + "\n")
    with open(os.path.join(d, "q.sql"), "w") as f:
        f.write(gen.duckdb_load_sql() + pair.sql + ";\n")
    with open(os.path.join(d, "why.txt"), "w") as f:
        f.write(why + "\n")


if __name__ == "__main__":
    sys.exit(main())
