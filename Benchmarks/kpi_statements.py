#!/usr/bin/env python3
"""Time kpiq's KPI statements (show, funnel, cohort) against DuckDB SQL and hand-written kpiq
pipelines, and check that kpiq's answers equal DuckDB's.

    python3 Benchmarks/kpi_statements.py --data bench-data/sf1 [--data bench-data/sf10]
        [--reps 5] [--threads 2] [--kpiq PATH] [--kpiq-bench PATH] [--asof 2024-12-31] [--only s1,s4]
        [--out report.md] [--json raw.json] [--no-warm-cache] [--kpiq-timeout S]

Files: kpi_statements.kpi (sections `-- name: <id>`, a KPI statement, and `-- name:
<id>.pipeline`, the same answer as hand-written pipelines) and kpi_statements.sql (the DuckDB
query of each <id>). Per data directory:

- DuckDB, in its own process: loads the five CSVs with run.py's SCHEMA, then runs each query
  once (warm-up, its result is the reference) and --reps timed runs.
- kpiq, in one `kpiq-bench --asof D REPS SCRIPT` process (KPIQ_PROTOCOL.md): loads
  once, then per section one warm-up run and REPS timed runs, on the data already loaded.
- The check: every statement (and pipeline) once more with `kpiq --asof D --format csv`, one
  process per section; its rows, sorted, must equal DuckDB's, sorted (same number of columns,
  compared by position; counts exactly, decimals to 1e-9 relative; DuckDB's inf/nan count as
  NULL, as in run.py).

A statement kpiq does not parse is reported as `unsupported` and does not stop the run.
Exit status: 0 when every statement kpiq answered agrees with DuckDB, 1 otherwise, 2 on a
usage error.
"""
import argparse
import csv
import io
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import run  # noqa: E402  (the workload harness: schema, sections, value normalisation, comparison)

KPI_FILE = os.path.join(HERE, "kpi_statements.kpi")
SQL_FILE = os.path.join(HERE, "kpi_statements.sql")
PIPELINE = ".pipeline"
# The library's roles: CSV -> (dataset name, time column) in kpiq.
KPIQ_LOADS = [("events", "sessions", "ts"), ("contacts", "contacts", "created_at"),
              ("campaigns", "campaigns", "start_date"), ("deals", "deals", "created_at"),
              ("email_events", "emails", "sent_at")]
TARGET_VS_DUCKDB = 0.25
TARGET_VS_PIPELINE = 2.0


# A SQL section that differs from another by one phrase says so instead of repeating it:
#   -- as s4_funnel_by_source_90d, with "INTERVAL 3 MONTH" for "INTERVAL 90 DAY"
SAME_AS = re.compile(r'^-- as (\S+), with "([^"]*)" for "([^"]*)"\s*$', re.M)


def sections(path):
    found = [(n, b.rstrip().rstrip(";") if path.endswith(".sql") else b) for n, b in run.read_sections(path)]
    bodies = dict(found)
    result = []
    for name, body in found:
        same = SAME_AS.search(body) if path.endswith(".sql") else None
        if same:
            base, new, old = same.groups()
            if base not in bodies or old not in bodies[base]:
                sys.exit(f"{path}: section {name} is written as {base} with {old!r} replaced, which is not there")
            body = bodies[base].replace(old, new)
        result.append((name, body))
    return result


# ============================================================================ DuckDB worker
def worker_duckdb(data, reps, threads, names, out_path):
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    res = {"version": "duckdb " + duckdb.__version__, "load": {}}
    types = {"id": "BIGINT", "int": "INTEGER", "real": "DOUBLE", "text": "VARCHAR",
             "ts": "TIMESTAMP", "date": "DATE"}
    for t in run.TABLES:
        cols = "{" + ", ".join(f"'{n}': '{types[k]}'" for n, k in run.SCHEMA[t]) + "}"
        path = os.path.join(data, t + ".csv").replace("'", "''")
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_csv('{path}', header = true, "
                    f"delim = ',', quote = '\"', escape = '\"', columns = {cols})")
        res["load"][t] = {"seconds": time.perf_counter() - t0}
    queries = dict(sections(SQL_FILE))

    def one(name):
        cur = con.execute(queries[name])
        rows = cur.fetchall()
        return [d[0] for d in cur.description], rows
    res["queries"] = run.time_queries(one, [n for n in names if n in queries], reps)
    with open(out_path, "w") as f:
        json.dump(res, f)


def run_duckdb(data, reps, threads, names):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "duckdb.json")
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--data", data, "--reps", str(reps),
               "--threads", str(threads), "--only", ",".join(names), "--worker-out", out]
        rc, _, _, wall, _, _ = run.run_measured(cmd, dict(os.environ), 10 ** 6, capture_stderr=False)
        if rc != 0 or not os.path.exists(out):
            return {"skipped": f"DuckDB worker exited with status {rc}"}
        with open(out) as f:
            res = json.load(f)
        res["wall_s"] = wall
        return res


# ============================================================================ kpiq
def preamble(data):
    lines = []
    for csv_name, dataset, time_column in KPIQ_LOADS:
        path = os.path.join(data, csv_name + ".csv")
        if '"' in path or "\\" in path:
            raise SystemExit(f"data path {path!r} contains a quote or backslash")
        lines.append(f'load "{path}" as {dataset} time {time_column}')
    return lines


def run_kpiq_bench(binary, data, reps, threads, asof, secs, timeout):
    """Timings (and JSON results) of every section, in one process, loads done once."""
    res = {"load": {}, "queries": {}}
    text = "\n".join(preamble(data) + sum((["", f"-- name: {n}", b] for n, b in secs), [])) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "kpi_statements.kpi")
        with open(script, "w") as f:
            f.write(text)
        cmd = [binary, "--asof", asof, str(reps), script]
        print(f"  $ {' '.join(cmd)}", file=sys.stderr, flush=True)
        rc, out, err, wall, peak, timed_out = run.run_measured(
            cmd, dict(os.environ, KPIQ_THREADS=str(threads)), timeout)
    res.update(wall_s=wall, os_peak_mb=peak)
    if timed_out:
        res["warning"] = f"timed out after {timeout}s"
    for line in out.splitlines():
        try:
            run.take_message(res, json.loads(line))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    if rc != 0:
        res["warning"] = f"kpiq-bench exited with status {rc}: " + " | ".join(err.strip().splitlines()[-3:])
    for n, _ in secs:
        q = res["queries"].setdefault(n, {"error": "no result line for this section"})
        print(f"  [{n}] " + (f"{q['median_ms']:.1f} ms" if "median_ms" in q else "error: " + first_line(q["error"])),
              file=sys.stderr, flush=True)
    return res


def first_line(text):
    lines = [x for x in str(text).strip().splitlines() if x.strip()]
    return lines[0][:200] if lines else ""


CSV_INT = re.compile(r"^-?\d+$")


def csv_cell(s):
    """A cell of kpiq's --format csv output in run.norm_value's form."""
    if s == "":
        return None
    if CSV_INT.match(s):
        return int(s)
    if s in ("true", "false"):
        return int(s == "true")
    try:
        return float(s)
    except ValueError:
        return run.norm_text(s)


def run_kpiq_csv(binary, data, threads, asof, body, timeout):
    """One section with --format csv: (columns, rows) or raises RuntimeError with kpiq's error."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "statement.kpi")
        with open(script, "w") as f:
            f.write("\n".join(preamble(data) + [body]) + "\n")
        p = subprocess.run([binary, "--asof", asof, "--format", "csv", script], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, KPIQ_THREADS=str(threads)))
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip() or f"status {p.returncode}")
    table = list(csv.reader(io.StringIO(p.stdout)))
    if not table:
        raise RuntimeError("no output")
    return table[0], [[csv_cell(c) for c in row] for row in table[1:]]


def sort_key(row):
    return tuple((1, 0, "") if v is None else (0, v, "") if isinstance(v, (int, float)) else (0, 0, str(v))
                 for v in row)


def compare_sorted(ref, cols, rows):
    """None when equal as sorted rows, else what differs first."""
    rc = ref["columns"]
    if len(rc) != len(cols):
        return f"{len(cols)} columns {cols}, DuckDB has {len(rc)} {rc}"
    a = sorted(([run.ref_cell(v) for v in r] for r in ref["rows"]), key=sort_key)
    b = sorted(rows, key=sort_key)
    if len(a) != len(b):
        return f"{len(b)} rows, DuckDB has {len(a)}"
    first, rows_differing, columns_differing = None, 0, []
    for i, (ra, rb) in enumerate(zip(a, b)):
        differs = [j for j, (x, y) in enumerate(zip(ra, rb)) if not run.same_cell(x, y)]
        if differs:
            rows_differing += 1
            columns_differing += [rc[j] for j in differs if rc[j] not in columns_differing]
            if first is None:
                j = differs[0]
                first = (f"sorted row {i}, column {rc[j]}: DuckDB {ra[j]!r}, kpiq {rb[j]!r} "
                         f"(DuckDB row {ra}, kpiq row {rb})")
    if first is None:
        return None
    return (f"{rows_differing} of {len(a)} rows differ, in columns {', '.join(columns_differing)}; first: {first}")


def is_unsupported(error):
    """A statement the parser does not accept yet (as opposed to one that fails to run)."""
    e = str(error).lower()
    return "expected" in e or "syntax" in e or "unexpected" in e or "parse" in e


# ============================================================================ report
def fmt_ms(ms):
    if ms is None:
        return "-"
    return f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt_ratio(r, target=None):
    if r is None:
        return "-"
    s = f"{r:.2f}x"
    if target is not None:
        s += " ok" if r <= target else " **miss**"
    return s


def report(data, duck, kpiq, checks, names, statements, reps, threads, version, asof):
    sizes = {t: os.path.getsize(os.path.join(data, t + ".csv")) for t in run.TABLES}
    L = [f"## KPI statements: {data}", "",
         f"events.csv {sizes['events'] / 1e6:.0f} MB. As of {asof}. Threads {threads}. Median of {reps} timed "
         f"runs after 1 warm-up, on data already loaded. Host: {os.cpu_count()} CPUs, Python "
         f"{platform.python_version()}. Engines: {duck.get('version', 'duckdb')}; {version}.", ""]
    if "skipped" in duck:
        L.append(f"**DuckDB skipped:** {duck['skipped']}")
    if kpiq.get("warning"):
        L.append(f"**kpiq:** {kpiq['warning']}")
    lk = kpiq.get("load", {})
    ld = duck.get("load", {})
    L.append("Load (s): kpiq " + ", ".join(f"{d} {lk[d]['seconds']:.2f}" for _, d, _ in KPIQ_LOADS if d in lk)
             + "; DuckDB " + ", ".join(f"{t} {ld[t]['seconds']:.2f}" for t in run.TABLES if t in ld) + ".")
    L += ["", f"Targets: KPI statement <= {TARGET_VS_DUCKDB}x DuckDB, <= {TARGET_VS_PIPELINE}x the kpiq pipeline.", "",
          "| statement | kpiq statement ms | kpiq pipeline ms | DuckDB ms | statement / DuckDB | statement / pipeline "
          "| statement = DuckDB | pipeline = DuckDB |",
          "|---|---|---|---|---|---|---|---|"]
    for n in names:
        q = kpiq["queries"].get(n, {})
        p = kpiq["queries"].get(n + PIPELINE) if n + PIPELINE in statements else None
        dq = duck.get("queries", {}).get(n, {})
        km, pm, dm = q.get("median_ms"), (p or {}).get("median_ms"), dq.get("median_ms")
        kcell = fmt_ms(km) if km is not None else ("unsupported" if is_unsupported(q.get("error", "")) else "ERR")
        pcell = "n/a" if p is None else (fmt_ms(pm) if pm is not None else "ERR")
        c = checks.get(n)
        cp = checks.get(n + PIPELINE)
        L.append(f"| {n} | {kcell} | {pcell} | {fmt_ms(dm) if dm is not None else 'ERR'} "
                 f"| {fmt_ratio(ratio(km, dm), TARGET_VS_DUCKDB)} | {fmt_ratio(ratio(km, pm), TARGET_VS_PIPELINE)} "
                 f"| {short(c)} | {short(cp) if p is not None else 'n/a'} |")
    L += ["", "Checks (kpiq `--format csv` against DuckDB, as sorted rows):", ""]
    for n in names:
        for m in (n, n + PIPELINE):
            if m in checks:
                detail = checks[m] or "agrees"
                L.append(f"- {m}: {detail if len(detail) <= 400 else detail[:400] + ' ...'}")
    return "\n".join(L) + "\n"


def short(check):
    if check is None:
        return "-"
    if check == "agrees":
        return "yes"
    if check.startswith("unsupported"):
        return "unsupported"
    if check.startswith("error"):
        return "ERR"
    return "**no**"


# ============================================================================ main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True, help="directory with the five CSVs (repeatable)")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per statement after one warm-up")
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads and KPIQ_THREADS")
    ap.add_argument("--kpiq", default=None, help="kpiq binary, for the checks (default: .build/release/kpiq, then PATH)")
    ap.add_argument("--kpiq-bench", default=None,
                    help="the protocol runner, for the timings (default: .build/release/kpiq-bench, then PATH)")
    ap.add_argument("--asof", default="2024-12-31", help="the as-of day, given to kpiq; the SQL has it written in")
    ap.add_argument("--only", default=None, help="comma list of statement ids (prefixes work: s1,s4)")
    ap.add_argument("--engines", default="duckdb,kpiq", help="duckdb,kpiq (kpiq is only checked with duckdb)")
    ap.add_argument("--kpiq-timeout", type=int, default=3600, help="seconds before a kpiq process is killed")
    ap.add_argument("--out", default=None, help="also write the Markdown report here")
    ap.add_argument("--json", default=None, help="write every measurement and check here")
    ap.add_argument("--no-warm-cache", action="store_true", help="do not read the CSVs before each engine")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    statements = dict(sections(KPI_FILE))
    all_names = [n for n in statements if not n.endswith(PIPELINE)]
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        names = [n for n in all_names if any(n == w or n.startswith(w + "_") or n.startswith(w) for w in wanted)]
    else:
        names = all_names
    if args.worker:
        worker_duckdb(os.path.abspath(args.data[0]), args.reps, args.threads, names, args.worker_out)
        return 0
    if args.asof != "2024-12-31":
        print("warning: kpi_statements.sql has the as-of day 2024-12-31 written in; the checks will differ",
              file=sys.stderr)
    engines = [e.strip() for e in args.engines.split(",")]
    sql_names = {n for n, _ in sections(SQL_FILE)}
    missing = [n for n in names if n not in sql_names]
    if missing:
        print(f"error: kpi_statements.sql lacks {missing}", file=sys.stderr)
        return 2
    binary = run.find_kpiq(args.kpiq, "kpiq") if "kpiq" in engines else None
    bench = run.find_kpiq(args.kpiq_bench) if "kpiq" in engines else None
    if "kpiq" in engines and (binary is None or bench is None):
        print("error: no kpiq or kpiq-bench binary (build with `scripts/build-release.sh` or give --kpiq and --kpiq-bench)",
              file=sys.stderr)
        return 2
    version = "kpiq"
    if binary:
        v = subprocess.run([binary, "--version"], stdin=subprocess.DEVNULL, capture_output=True, text=True)
        version = (v.stdout.strip().splitlines() or ["kpiq"])[0]
        # the last commit that changed what the binary is built from (the binary may be older)
        commit = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h", "--", "Sources", "Package.swift"],
                                capture_output=True, text=True).stdout.strip()
        if commit:
            version += f" (sources at {commit})"

    secs = [(n, statements[n]) for n in names]
    secs += [(n + PIPELINE, statements[n + PIPELINE]) for n in names if n + PIPELINE in statements]
    secs.sort(key=lambda s: (names.index(s[0].removesuffix(PIPELINE)), s[0].endswith(PIPELINE)))
    bad = False
    md, raw = [], []
    for data in (os.path.abspath(d) for d in args.data):
        lacking = [t for t in run.TABLES if not os.path.isfile(os.path.join(data, t + ".csv"))]
        if lacking:
            print(f"error: {data} lacks {lacking}", file=sys.stderr)
            return 2
        duck = {"skipped": "not run"}
        if "duckdb" in engines:
            if not args.no_warm_cache:
                run.warm_page_cache(data)
            print(f"[duckdb] {data}", file=sys.stderr, flush=True)
            duck = run_duckdb(data, args.reps, args.threads, names)
        kpiq = {"load": {}, "queries": {}}
        checks = {}
        if binary:
            if not args.no_warm_cache:
                run.warm_page_cache(data)
            print(f"[kpiq] {data}", file=sys.stderr, flush=True)
            kpiq = run_kpiq_bench(bench, data, args.reps, args.threads, args.asof, secs, args.kpiq_timeout)
            for n, body in secs:
                base = n.removesuffix(PIPELINE)
                ref = duck.get("queries", {}).get(base)
                try:
                    cols, rows = run_kpiq_csv(binary, data, args.threads, args.asof, body, args.kpiq_timeout)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    msg = first_line(e)
                    checks[n] = ("unsupported: " if is_unsupported(str(e)) else "error: ") + msg
                else:
                    if ref is None or "error" in ref:
                        checks[n] = "no DuckDB result" + (": " + ref["error"] if ref else "")
                    else:
                        checks[n] = compare_sorted(ref, cols, rows) or "agrees"
                print(f"  check {n}: {checks[n]}", file=sys.stderr, flush=True)
                if not n.endswith(PIPELINE) and checks[n] != "agrees" and not checks[n].startswith("unsupported"):
                    bad = True
        md.append(report(data, duck, kpiq, checks, names, statements, args.reps, args.threads, version, args.asof))
        raw.append({"data": data, "duckdb": duck, "kpiq": kpiq, "checks": checks})
    run.publish("\n".join(md), args.out, args.json, {"reps": args.reps, "threads": args.threads, "asof": args.asof, "runs": raw})
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
