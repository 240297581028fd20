#!/usr/bin/env python3
"""Run the kpiq KPI workload on DuckDB, Polars and kpiq over the same CSVs and report.

    python3 Benchmarks/run.py --data bench-data/sf1 [--data bench-data/sf10]
                              [--engines duckdb,polars,kpiq] [--reps 5] [--threads 2]
                              [--kpiq PATH] [--kpiq-queries FILE] [--kpiq-timeout S]
                              [--out results.md] [--json raw.json] [--no-warm-cache]

Before each engine's run the CSVs are read once, so every engine loads them from the page
cache (--no-warm-cache skips that). Per engine and data directory: CSV load time per file
(and MB/s for events.csv), each query's median over --reps timed runs after one warm-up run,
the sum of the medians, resident memory after load and peak, and ratios between engines.
Every engine runs in its own process, so memory figures are per engine. Results are checked
against DuckDB's, row by row. With two or more --data directories it also prints time ratios
relative to the first one.

Exit status: 0 when kpiq (if it ran) agrees with DuckDB on every query it answered,
1 when kpiq disagrees, errs or leaves out a query, 2 on a usage or harness error.
The kpiq side of the protocol is described in KPIQ_PROTOCOL.md.
"""
import argparse
import datetime as dt
import decimal
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TABLES = ["events", "contacts", "campaigns", "deals", "email_events"]
ENGINES = ["duckdb", "polars", "kpiq"]
REFERENCE = "duckdb"
NAME_LINE = re.compile(r"^-- name: (\S+)\s*$", re.M)

# Column types of the generator's CSVs (tools/gen_marketing.py). Both engines load with these
# types instead of sniffing them, so a small sample can never change a type and both engines
# hold the same data. Types: id = 64-bit int, int = 32-bit int, real = double, text, ts, date.
SCHEMA = {
    "events": [("event_id", "id"), ("ts", "ts"), ("visitor_id", "text"), ("source", "text"),
               ("campaign", "text"), ("landing_page", "text"), ("device", "text"),
               ("country", "text"), ("bounced", "int"), ("seconds_on_page", "int"),
               ("converted_to_lead", "int")],
    "contacts": [("contact_id", "id"), ("visitor_id", "text"), ("created_at", "ts"),
                 ("source", "text"), ("campaign", "text"), ("company", "text"),
                 ("lifecycle_stage", "text"), ("mql_at", "ts"), ("sql_at", "ts"),
                 ("customer_at", "ts"), ("lead_score", "int"), ("email_opt_in", "int"),
                 ("unsubscribed_at", "ts")],
    "campaigns": [("campaign", "text"), ("name", "text"), ("channel", "text"),
                  ("direction", "text"), ("start_date", "date"), ("end_date", "date"),
                  ("spend", "real")],
    "deals": [("deal_id", "id"), ("contact_id", "id"), ("stage", "text"), ("amount", "real"),
              ("created_at", "ts"), ("closed_at", "ts"), ("won", "int")],
    "email_events": [("send_id", "id"), ("contact_id", "id"), ("campaign", "text"),
                     ("sent_at", "ts"), ("delivered", "int"), ("opened_at", "ts"),
                     ("clicked_at", "ts"), ("unsubscribed", "int")],
}
TS_FORMAT = "%Y-%m-%dT%H:%M:%S"


# ============================================================================ query files
def read_sections(path):
    """Split a query file on '-- name: <id>' lines. Text before the first marker is a header
    and is ignored. Returns [(name, body)] in file order."""
    with open(path) as f:
        text = f.read()
    parts = NAME_LINE.split(text)
    return [(name, body.strip()) for name, body in zip(parts[1::2], parts[2::2])]


def sql_queries():
    return [(n, b.rstrip().rstrip(";")) for n, b in read_sections(os.path.join(HERE, "queries.sql"))]


def is_placeholder(body):
    return not body or body.lstrip().startswith("TODO")


# ============================================================================ process memory
def proc_status_mb(field):
    """VmRSS (current) or VmHWM (peak) of this process, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return None


# ============================================================================ value normalisation
def norm_value(v):
    """Canonical JSON-able form of a result cell, identical for every engine:
    None | int | float | 'nan' | 'inf' | '-inf' | str. Datetimes become ISO text
    ('YYYY-MM-DDTHH:MM:SS', or just the date when it is midnight), so a month bucket compares
    equal whether an engine returns it as a date or as a timestamp."""
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, dt.datetime):
        if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat()
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if isinstance(v, decimal.Decimal):
        return norm_value(float(v))
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):    # numpy scalar
        return norm_value(v.item())
    return str(v)


ISO_TEXT = re.compile(r"^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d:\d\d)(?:\.0+)?)?$")


def norm_text(v):
    """kpiq reports dates and timestamps as JSON strings: bring them to norm_value's form."""
    if isinstance(v, str):
        m = ISO_TEXT.match(v)
        if m:
            d, t = m.groups()
            return d if t in (None, "00:00:00") else d + "T" + t
    return v


# ============================================================================ subprocesses
def run_measured(cmd, env, timeout, capture_stderr=True):
    """Run cmd to completion, collecting stdout (and stderr unless it should pass through),
    and reap it with wait4 so its own peak RSS (ru_maxrss) is known, independent of what the
    program reports about itself."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE if capture_stderr else None, env=env)
    chunks = {"out": [], "err": []}
    readers = [threading.Thread(target=lambda f=f, k=k: chunks[k].append(f.read()), daemon=True)
               for f, k in ((p.stdout, "out"), (p.stderr, "err")) if f is not None]
    for r in readers:
        r.start()
    timed_out = []
    killer = threading.Timer(timeout, lambda: (timed_out.append(True), p.kill()))
    killer.start()
    t0 = time.time()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.time() - t0
    killer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)   # tell Popen the child is reaped
    for r in readers:
        r.join()
    out = b"".join(chunks["out"]).decode("utf-8", "replace")
    err = b"".join(chunks["err"]).decode("utf-8", "replace")
    return p.returncode, out, err, wall, usage.ru_maxrss / 1024.0, bool(timed_out)



# ============================================================================ engines (worker side)
def time_queries(run, names, reps):
    """One warm-up run (its result is the one checked), then reps timed runs."""
    out = {}
    for name in names:
        try:
            cols, rows = run(name)
            runs = []
            for _ in range(reps):
                t = time.perf_counter()
                run(name)
                runs.append((time.perf_counter() - t) * 1000.0)
            out[name] = {"median_ms": statistics.median(runs), "runs_ms": runs,
                         "columns": list(cols),
                         "rows": [[norm_value(v) for v in row] for row in rows]}
        except Exception as e:  # noqa: BLE001 - a failing query is a result, keep going
            out[name] = {"error": f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300] if str(e).strip() else ''}"}
        print(f"  [{name}] " + (f"{out[name]['median_ms']:.1f} ms" if "median_ms" in out[name]
                                 else out[name]["error"]), file=sys.stderr, flush=True)
    return out


def worker_duckdb(data, reps, threads):
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    res = {"version": "duckdb " + duckdb.__version__, "rss_after_import_mb": proc_status_mb("VmRSS"),
           "load": {}}
    types = {"id": "BIGINT", "int": "INTEGER", "real": "DOUBLE", "text": "VARCHAR",
             "ts": "TIMESTAMP", "date": "DATE"}
    for t in TABLES:
        cols = "{" + ", ".join(f"'{n}': '{types[k]}'" for n, k in SCHEMA[t]) + "}"
        path = os.path.join(data, t + ".csv").replace("'", "''")
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM read_csv('{path}', header = true, "
                    f"delim = ',', quote = '\"', escape = '\"', columns = {cols})")
        secs = time.perf_counter() - t0
        res["load"][t] = {"seconds": secs, "rows": con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]}
    res["rss_after_load_mb"] = proc_status_mb("VmRSS")
    queries = dict(sql_queries())

    def run(name):
        cur = con.execute(queries[name])
        rows = cur.fetchall()
        return [d[0] for d in cur.description], rows
    res["queries"] = time_queries(run, list(queries), reps)
    return res


def worker_polars(data, reps, threads):
    import polars as pl              # POLARS_MAX_THREADS was set by the parent before import
    import polars_queries
    res = {"version": "polars " + pl.__version__ + " (lazy API)",
           "rss_after_import_mb": proc_status_mb("VmRSS"), "load": {}}
    types = {"id": pl.Int64, "int": pl.Int32, "real": pl.Float64, "text": pl.String,
             "ts": pl.String, "date": pl.String}
    frames = {}
    for t in TABLES:
        schema = {n: types[k] for n, k in SCHEMA[t]}
        # temporal columns are read as text and parsed with the known format afterwards:
        # measured ~2x faster than letting read_csv parse them
        conv = [pl.col(n).str.to_datetime(TS_FORMAT, time_unit="us") if k == "ts"
                else pl.col(n).str.to_date("%Y-%m-%d")
                for n, k in SCHEMA[t] if k in ("ts", "date")]
        t0 = time.perf_counter()
        df = pl.read_csv(os.path.join(data, t + ".csv"), schema=schema)
        frames[t] = df.with_columns(conv) if conv else df
        res["load"][t] = {"seconds": time.perf_counter() - t0, "rows": frames[t].height}
    res["rss_after_load_mb"] = proc_status_mb("VmRSS")
    plans = polars_queries.build(frames)
    names = [n for n, _ in sql_queries()]
    missing = [n for n in names if n not in plans]
    if missing:
        raise SystemExit(f"polars_queries.py lacks {missing}")

    def run(name):
        df = plans[name].collect()
        return df.columns, df.rows()
    res["queries"] = time_queries(run, names, reps)
    return res


def worker_main(engine, data, reps, threads, out_path):
    fn = {"duckdb": worker_duckdb, "polars": worker_polars}[engine]
    res = fn(data, reps, threads)
    res.update(engine=engine, threads=threads, peak_mb=proc_status_mb("VmHWM"))
    with open(out_path, "w") as f:
        json.dump(res, f)


def run_python_engine(engine, data, reps, threads):
    """Run one engine in a fresh interpreter (clean memory figures, thread env before import)."""
    env = dict(os.environ)
    env["POLARS_MAX_THREADS"] = str(threads)
    env.setdefault("OMP_NUM_THREADS", str(threads))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", engine, "--data", data,
               "--reps", str(reps), "--threads", str(threads), "--worker-out", out]
        rc, _, _, wall, os_peak_mb, _ = run_measured(cmd, env, 10 ** 6, capture_stderr=False)
        if rc != 0 or not os.path.exists(out):
            return {"engine": engine, "skipped": f"worker exited with status {rc}"}
        with open(out) as f:
            res = json.load(f)
        res.update(wall_s=wall, os_peak_mb=os_peak_mb)
        return res


# ============================================================================ kpiq (protocol client)
def find_kpiq(explicit, name="kpiq-bench"):
    """The protocol runner `kpiq-bench` (or, with name="kpiq", the shell) to run."""
    if explicit:
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    for cand in (os.path.join(REPO, ".build", "release", name),
                 os.path.join(REPO, ".build", "debug", name)):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return shutil.which(name)


def kpiq_script(data, sections):
    """The script given to `kpiq-bench`: load lines, then one '-- name:' section per query."""
    lines = []
    for t in TABLES:
        path = os.path.join(data, t + ".csv")
        if '"' in path or "\\" in path:
            raise SystemExit(f"data path {path!r} contains a quote or backslash")
        lines.append(f'load "{path}" as {t}')
    for name, body in sections:
        lines += ["", f"-- name: {name}", body]
    return "\n".join(lines) + "\n"


def take_message(res, msg):
    """Fold one protocol line (see KPIQ_PROTOCOL.md) into the result record."""
    kind = msg["kind"]
    if kind == "load":
        res["load"][str(msg["name"])] = {"seconds": float(msg["seconds"]), "rows": msg.get("rows")}
    elif kind == "query":
        name = str(msg["name"])
        if "error" in msg:
            res["queries"][name] = {"error": str(msg["error"])}
            return
        result = msg["result"]
        res["queries"][name] = {
            "median_ms": float(msg["median_ms"]), "runs_ms": list(msg.get("runs_ms", [])),
            "columns": list(result["columns"]),
            "rows": [[norm_text(norm_value(v)) for v in row] for row in result["rows"]]}
    elif kind == "memory":
        res["rss_after_load_mb"] = msg.get("rss_after_load_mb")
        res["peak_mb"] = msg.get("peak_mb")
    else:
        raise ValueError(kind)


def run_kpiq(binary, data, reps, threads, timeout, qfile):
    res = {"engine": "kpiq", "threads": threads, "load": {}, "queries": {}}
    if binary is None:
        res["skipped"] = ("kpiq-bench not found (give --kpiq PATH, build .build/release/kpiq-bench "
                          "with `scripts/build-release.sh`, or put kpiq-bench on PATH)")
        return res
    sections = read_sections(qfile)
    todo = [n for n, b in sections if is_placeholder(b)]
    ready = [(n, b) for n, b in sections if not is_placeholder(b)]
    res["todo"] = todo
    try:
        version = subprocess.run([binary, "--version"], stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=30)
        first = version.stdout.strip().splitlines()[:1] if version.returncode == 0 else []
        res["version"] = first[0] if first else "kpiq"
    except (OSError, subprocess.SubprocessError):
        res["version"] = "kpiq"
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "workload.kpi")
        with open(script, "w") as f:
            f.write(kpiq_script(data, ready))
        env = dict(os.environ, KPIQ_THREADS=str(threads))
        cmd = [binary, str(reps), script]
        print(f"  $ {' '.join(cmd)}", file=sys.stderr)
        try:
            rc, stdout, stderr, wall, os_peak_mb, timed_out = run_measured(cmd, env, timeout)
        except OSError as e:
            res["skipped"] = f"could not start {binary}: {e}"
            return res
    if timed_out:
        res["skipped"] = f"timed out after {timeout}s (raise --kpiq-timeout)"
        return res
    res["wall_s"], res["os_peak_mb"] = wall, os_peak_mb
    if os.environ.get("KPIQ_LOAD_TRACE"):   # kpiq's per-load phases, for the log
        for line in stderr.splitlines():
            if line.startswith("load "):
                print(f"  {line}", file=sys.stderr)
    bad = 0
    for line in stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            take_message(res, json.loads(line))
        except (ValueError, KeyError, TypeError, AttributeError):   # not JSON, or malformed
            bad += 1
    if bad:
        res["warnings"] = [f"{bad} stdout line(s) were not protocol JSON and were ignored"]
    if rc != 0:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        msg = f"kpiq exited with status {rc}" + (f": {tail}" if tail else "")
        if not res["load"] and not res["queries"]:
            res["skipped"] = msg
        else:
            res.setdefault("warnings", []).append(msg)
    elif not res["load"]:
        res["skipped"] = "kpiq-bench printed no load lines (does it speak KPIQ_PROTOCOL.md?)"
    for name, _ in ready:
        if name not in res["queries"]:
            res["queries"][name] = {"error": "no result line for this query"}
    for name, q in res["queries"].items():
        print(f"  [{name}] " + (f"{q['median_ms']:.1f} ms" if "median_ms" in q else q["error"]),
              file=sys.stderr)
    return res


# ============================================================================ comparison
def ref_cell(v):
    """DuckDB's inf/nan stand for kpiq's NULL (division by zero)."""
    return None if v in ("nan", "inf", "-inf") else v


def same_cell(a, b):
    if a == b:
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        # 1e-9 relative; the tiny absolute slack only matters for sums that cancel to ~0
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return False


def compare(ref, got):
    """None when equal, else a sentence naming the first differing row and column."""
    if "error" in got:
        return "error: " + got["error"]
    rc, gc = ref["columns"], got["columns"]
    if len(rc) != len(gc):
        return f"{len(gc)} columns {gc}, DuckDB has {len(rc)} {rc}"
    if len(ref["rows"]) != len(got["rows"]):
        first = next((i for i, (a, b) in enumerate(zip(ref["rows"], got["rows"]))
                      if any(not same_cell(ref_cell(x), y) for x, y in zip(a, b))), None)
        extra = f"; first differing row {first}" if first is not None else ""
        return f"{len(got['rows'])} rows, DuckDB has {len(ref['rows'])}{extra}"
    for i, (ra, rb) in enumerate(zip(ref["rows"], got["rows"])):
        for j, (a, b) in enumerate(zip(ra, rb)):
            if not same_cell(ref_cell(a), b):
                return (f"row {i}, column {rc[j]}: DuckDB {ref_cell(a)!r}, got {b!r} "
                        f"(DuckDB row {[ref_cell(x) for x in ra]}, got row {rb})")
    return None


def check(results):
    """Agreement of every engine with DuckDB: {engine: {query: None | text | 'todo'}}."""
    ref = results.get(REFERENCE)
    out = {}
    if not ref or "skipped" in ref:
        return out
    for eng, res in results.items():
        if eng == REFERENCE or "skipped" in res:
            continue
        out[eng] = {}
        for name, rq in ref["queries"].items():
            if name in res.get("todo", []):
                out[eng][name] = "todo"
            elif name not in res["queries"]:
                out[eng][name] = "missing"
            elif "error" in rq:
                out[eng][name] = "DuckDB itself failed: " + rq["error"]
            else:
                out[eng][name] = compare(rq, res["queries"][name])
    return out


# ============================================================================ report
def fmt_ms(ms):
    if ms is None:
        return "-"
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def median_of(res, name):
    q = res.get("queries", {}).get(name, {}) if res else {}
    return q.get("median_ms")


def sum_of_medians(res, names):
    vals = [median_of(res, n) for n in names]
    got = [v for v in vals if v is not None]
    return (sum(got) if got else None), len(got)


def report(data, results, agreement, reps, threads, warm_cache=True):
    names = [n for n, _ in sql_queries()]
    sizes = {t: os.path.getsize(os.path.join(data, t + ".csv")) for t in TABLES}
    ran = [e for e, r in results.items() if "skipped" not in r]
    L = [f"# kpiq benchmark: {data}", ""]
    L.append(f"CSV: {sum(sizes.values()) / 1e6:.1f} MB in total, events.csv {sizes['events'] / 1e6:.1f} MB. "
             f"Threads: {threads}. Timed runs per query: {reps} after 1 warm-up. "
             f"Host: {os.cpu_count()} CPUs, Python {platform.python_version()}. "
             + ("The CSVs were read once before each engine's run, so every engine loads them from the page cache."
                if warm_cache else "The CSVs were not read ahead (--no-warm-cache): an engine may load them from disk."))
    L.append("Engines: " + "; ".join(f"{e} = {r.get('version', '?')}" for e, r in results.items()
                                     if "skipped" not in r))
    for e, r in results.items():
        if "skipped" in r:
            L.append(f"\n**{e} skipped:** {r['skipped']}")
        for w in r.get("warnings", []):
            L.append(f"\n**{e} warning:** {w}")
    if not ran:
        return "\n".join(L) + "\n"

    L += ["", "## Load", "", "Seconds per file; MB/s is events.csv size / its load time.", ""]
    L.append("| engine | " + " | ".join(TABLES) + " | total s | events MB/s | rows (events) | total vs DuckDB |")
    L.append("|---" * (len(TABLES) + 5) + "|")
    ref_total = None
    if REFERENCE in ran:
        ref_total = sum(results[REFERENCE]["load"][t]["seconds"] for t in TABLES)
    for e in ran:
        ld = results[e]["load"]
        cells = [f"{ld[t]['seconds']:.3f}" if t in ld else "-" for t in TABLES]
        total = sum(ld[t]["seconds"] for t in TABLES if t in ld)
        ev = ld.get("events", {}).get("seconds")
        mbps = f"{sizes['events'] / 1e6 / ev:.0f}" if ev else "-"
        rows = ld.get("events", {}).get("rows", "-")
        L.append(f"| {e} | " + " | ".join(cells) + f" | {total:.3f} | {mbps} | {rows} | {fmt_ratio(total, ref_total)} |")
    row_counts = {e: {t: results[e]["load"].get(t, {}).get("rows") for t in TABLES} for e in ran}
    if len({json.dumps(v, sort_keys=True) for v in row_counts.values()}) > 1:
        L.append("\n**Row counts differ between engines:** " + json.dumps(row_counts))

    L += ["", "## Memory", "",
          "Resident set size in MB: after import (Python engines), after loading all five tables "
          "(VmRSS), peak (VmHWM) as the engine reports it, and peak as the OS reports it when "
          "the harness reaps the process (ru_maxrss).", ""]
    L.append("| engine | after import | after load | peak | peak (ru_maxrss) | wall s |")
    L.append("|---|---|---|---|---|---|")
    for e in ran:
        r = results[e]

        def mb(k):
            return f"{r[k]:.0f}" if isinstance(r.get(k), (int, float)) else "-"
        wall = f"{r['wall_s']:.1f}" if "wall_s" in r else "-"
        L.append(f"| {e} | {mb('rss_after_import_mb')} | {mb('rss_after_load_mb')} | {mb('peak_mb')} "
                 f"| {mb('os_peak_mb')} | {wall} |")

    L += ["", "## Queries", "", f"Median ms of {reps} runs after 1 warm-up.", ""]
    others = [e for e in ran if e != REFERENCE]
    ratio_cols = [(e, REFERENCE) for e in others if REFERENCE in ran]
    if "kpiq" in ran and "polars" in ran:
        ratio_cols.append(("kpiq", "polars"))
    L.append("| query | " + " | ".join(ran) + "".join(f" | {a}/{b}" for a, b in ratio_cols) + " |")
    L.append("|---" * (1 + len(ran) + len(ratio_cols)) + "|")
    for n in names:
        cells = []
        for e in ran:
            q = results[e]["queries"].get(n)
            if n in results[e].get("todo", []):
                cells.append("todo")
            elif q is None:
                cells.append("-")
            elif "error" in q:
                cells.append("ERR")
            else:
                cells.append(fmt_ms(q["median_ms"]))
        cells += [fmt_ratio(median_of(results[a], n), median_of(results[b], n)) for a, b in ratio_cols]
        L.append(f"| {n} | " + " | ".join(cells) + " |")
    sums = {e: sum_of_medians(results[e], names) for e in ran}
    cells = [f"**{fmt_ms(s)}**" + (f" ({k}/{len(names)})" if k != len(names) else "") for s, k in sums.values()]
    # ratios of sums only over the queries both engines answered, so a TODO cannot flatter kpiq
    for a, b in ratio_cols:
        both = [n for n in names if median_of(results[a], n) is not None and median_of(results[b], n) is not None]
        cells.append(fmt_ratio(sum(median_of(results[a], n) for n in both) or None,
                               sum(median_of(results[b], n) for n in both) or None)
                     + (f" ({len(both)} q)" if len(both) != len(names) else ""))
    L.append("| **sum of medians** | " + " | ".join(cells) + " |")

    L += ["", "## Agreement with DuckDB", "",
          "Row by row; numbers equal within 1e-9 relative; DuckDB's inf/nan count as NULL.", ""]
    if not agreement:
        L.append("(no reference results: DuckDB did not run)")
    for e, per in agreement.items():
        ok = [n for n, v in per.items() if v is None]
        todo = [n for n, v in per.items() if v == "todo"]
        bad = {n: v for n, v in per.items() if v not in (None, "todo")}
        line = f"- **{e}**: {len(ok)}/{len(per) - len(todo)} queries agree"
        if todo:
            line += f" ({len(todo)} of {len(per)} not written yet: TODO in the kpiq query file)"
        L.append(line + ("" if bad else "."))
        for n, v in bad.items():
            L.append(f"  - {n}: {v}")
        for n in ok:           # informational: values agree but the engine names columns its own way
            cols = results[e]["queries"][n].get("columns")
            ref_cols = results[REFERENCE]["queries"][n].get("columns")
            if cols != ref_cols:
                L.append(f"  - {n}: values agree; column names differ: {cols}")
    return "\n".join(L) + "\n"


def scale_report(runs, engines):
    """Time at each later data directory / time at the first, per query and engine."""
    base_dir, base = runs[0]
    names = [n for n, _ in sql_queries()]
    L = []
    for data, res in runs[1:]:
        ev0 = os.path.getsize(os.path.join(base_dir, "events.csv"))
        ev1 = os.path.getsize(os.path.join(data, "events.csv"))
        eng = [e for e in engines if e in res and e in base and "skipped" not in res[e] and "skipped" not in base[e]]
        L += ["", f"## Scale ratio: {data} / {base_dir}", "",
              f"Time at the larger scale / time at the smaller one, per engine. events.csv is "
              f"{ev1 / ev0:.2f}x larger, so a ratio near {ev1 / ev0:.0f}x is linear scaling; small "
              "queries stay far below it (fixed costs dominate).", ""]
        L.append("| query | " + " | ".join(eng) + " |")
        L.append("|---" * (1 + len(eng)) + "|")
        L.append("| load events.csv | " + " | ".join(
            fmt_ratio(res[e]["load"].get("events", {}).get("seconds"), base[e]["load"].get("events", {}).get("seconds"))
            for e in eng) + " |")
        for n in names:
            L.append(f"| {n} | " + " | ".join(fmt_ratio(median_of(res[e], n), median_of(base[e], n)) for e in eng) + " |")
        cells = []
        for e in eng:
            both = [n for n in names if median_of(res[e], n) is not None and median_of(base[e], n) is not None]
            cells.append(fmt_ratio(sum(median_of(res[e], n) for n in both) or None,
                                   sum(median_of(base[e], n) for n in both) or None))
        L.append("| **sum of medians** | " + " | ".join(cells) + " |")
        L.append("| peak RSS | " + " | ".join(fmt_ratio(res[e].get("peak_mb"), base[e].get("peak_mb")) for e in eng) + " |")
    return "\n".join(L) + "\n"


def warm_page_cache(data):
    """Reads the five CSVs once, so each engine loads them from the OS page cache.

    Without it, whichever engine loads after a long gap pays for disk reads the others did
    not: some machines page out file pages unused for a minute (this one runs DAMON reclaim),
    and an engine's queries can take longer than that. Returns the seconds the read took.
    """
    t0 = time.perf_counter()
    for t in TABLES:
        with open(os.path.join(data, t + ".csv"), "rb", buffering=0) as f:
            while f.read(1 << 22):
                pass
    return time.perf_counter() - t0


# ============================================================================ main
def publish(markdown, out_path, json_path, raw):
    """Prints the markdown report, and writes it to `out_path` and the raw results to
    `json_path` when they are given."""
    print(markdown)
    if out_path:
        with open(out_path, "w") as f:
            f.write(markdown)
    if json_path:
        with open(json_path, "w") as f:
            json.dump(raw, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True,
                    help="directory with the five CSVs; repeat for a scale-ratio table")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma list of duckdb,polars,kpiq")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per query after one warm-up")
    ap.add_argument("--threads", type=int, default=2, help="threads per engine")
    ap.add_argument("--kpiq", default=None, help="the protocol runner (default: .build/release/kpiq-bench, then debug, then PATH)")
    ap.add_argument("--kpiq-timeout", type=int, default=3600, help="seconds before kpiq is killed")
    ap.add_argument("--kpiq-queries", default=os.path.join(HERE, "queries.kpi"),
                    help="kpiq text of the queries (default: Benchmarks/queries.kpi)")
    ap.add_argument("--out", default=None, help="also write the Markdown report here")
    ap.add_argument("--no-warm-cache", action="store_true",
                    help="do not read the CSVs into the page cache before each engine's run")
    ap.add_argument("--json", default=None, help="write all raw measurements and results here")
    ap.add_argument("--worker", choices=["duckdb", "polars"], help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        worker_main(args.worker, os.path.abspath(args.data[0]), args.reps, args.threads, args.worker_out)
        return 0

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or args.reps < 1:
        ap.error(f"unknown engine(s) {unknown}" if unknown else "--reps must be at least 1")
    if "kpiq" in engines and REFERENCE not in engines:
        print("note: kpiq results are only checked when duckdb runs too", file=sys.stderr)
    datas = [os.path.abspath(d) for d in args.data]
    for d in datas:
        missing = [t for t in TABLES if not os.path.isfile(os.path.join(d, t + ".csv"))]
        if missing:
            print(f"error: {d} lacks {', '.join(t + '.csv' for t in missing)} "
                  f"(generate with: python3 tools/gen_marketing.py --scale 1 --out {d})", file=sys.stderr)
            return 2
    kpiq_bin = find_kpiq(args.kpiq) if "kpiq" in engines else None
    if "kpiq" in engines and not os.path.isfile(args.kpiq_queries):
        ap.error(f"--kpiq-queries {args.kpiq_queries}: no such file")
    if "kpiq" in engines and args.kpiq and kpiq_bin is None:
        print(f"warning: --kpiq {args.kpiq} is not an executable file; kpiq will be skipped", file=sys.stderr)

    runs, md_parts, kpiq_bad = [], [], False
    for data in datas:
        results = {}
        for e in engines:
            if not args.no_warm_cache:
                print(f"[{e}] page cache warmed in {warm_page_cache(data):.2f}s", file=sys.stderr, flush=True)
            print(f"[{e}] {data}", file=sys.stderr, flush=True)
            t0 = time.time()
            if e == "kpiq":
                results[e] = run_kpiq(kpiq_bin, data, args.reps, args.threads, args.kpiq_timeout,
                                      args.kpiq_queries)
            else:
                results[e] = run_python_engine(e, data, args.reps, args.threads)
            if "skipped" in results[e]:
                print(f"[{e}] skipped: {results[e]['skipped']}", file=sys.stderr, flush=True)
            else:
                print(f"[{e}] done in {time.time() - t0:.1f}s", file=sys.stderr, flush=True)
        agreement = check(results)
        if any(v not in (None, "todo") for v in agreement.get("kpiq", {}).values()):
            kpiq_bad = True
        runs.append((data, results))
        md_parts.append(report(data, results, agreement, args.reps, args.threads, not args.no_warm_cache))
    if len(runs) > 1:
        md_parts.append(scale_report(runs, engines))
    publish("\n".join(md_parts), args.out, args.json,
            {"reps": args.reps, "threads": args.threads, "host_cpus": os.cpu_count(),
             "runs": [{"data": d, "results": r} for d, r in runs]})
    if kpiq_bad:
        print("kpiq disagrees with DuckDB (see 'Agreement with DuckDB')", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
