"""How a kpiq result and a DuckDB result are compared, and kpiq's documented differences from
DuckDB, written as rules.

Rules applied while translating (gen.py spells kpiq's behaviour out in the SQL):
  R-NULL-ON-OVERFLOW  docs/pipelines.md "Overflow": "an integer overflow is null: nothing traps on data".
                      SQL: TRY(a + b), TRY(-a), ...
  R-DIV-ZERO          docs/pipelines.md: "`x / 0` is null", "`/` always gives a decimal". SQL: CASE WHEN b = 0
                      THEN NULL ELSE a::DOUBLE / b END (and the same for %).
  R-LITERAL-TYPES     integer literals are int64, decimal literals doubles (DuckDB would make 3
                      an INTEGER and 2.5 a DECIMAL(2,1)). SQL: (3)::BIGINT, (2.5)::DOUBLE.
  R-TRUNC-DATE        docs/pipelines.md "Functions": `day`, `week` (ISO, Monday), `month`, `quarter`, `year` "truncate to
                      the period's first day". SQL: date_trunc(unit, d)::DATE.
  R-ISO-DOW           date_part("dow", d) is ISO (Monday 1 .. Sunday 7). SQL: isodow(d).
  R-JOIN-COLUMNS      docs/pipelines.md "Joins and unions": a join keeps the left key and drops the right one; "a
                      clashing name from the other side gets the other dataset's name as a
                      suffix". Null keys never match (as in SQL).
  R-SORT-NULLS        docs/pipelines.md "Steps": "nulls last unless `nulls first`" in either direction. SQL: NULLS
                      LAST / NULLS FIRST written out.
  R-UNION-ALL         `union` keeps duplicates and matches columns by name. SQL: UNION ALL.
  R-QUANTILE          docs/pipelines.md "Aggregates": median and percentile interpolate (quantile_cont); stddev is the
                      sample deviation (stddev_samp); first/last(x, by) take x at the smallest /
                      largest `by` (arg_min / arg_max; by is the unique `id`).
  R-SUM-INT           docs/pipelines.md "Overflow" (issue 22, defect 3): an integer sum is null exactly when its total
                      does not fit int64. SQL: CASE WHEN sum BETWEEN min AND max THEN sum END.
  R-COMPENSATED-SUM   docs/pipelines.md "Overflow": decimal sums and means are compensated. SQL:
                      fsum and favg (Kahan-Babuska summation) for decimal arguments.

Rules applied while comparing:
  R-ROW-ORDER         results come out in first-seen order, which SQL does not define: rows are
                      compared as multisets, and in order only when the query ends with a sort
                      (then kpiq's order must be a valid order for the sort keys; two decimal
                      keys that are close but not equal under R-DOUBLES may come in either order,
                      and the later keys are not checked for that pair of rows).
  R-DOUBLES           decimals are IEEE doubles and sums use compensated summation (docs/pipelines.md
                      "Overflow"), so decimals agree within 1e-9 relative or 1e-6 absolute.
  R-NUMBER-KINDS      JSON prints a whole decimal as an integer (3 for 3.0): numbers are
                      compared by value, not by kind; an integer and a decimal agree within
                      R-DOUBLES (a whole decimal may be one rounding step from the other's).

  R-BIG-INT-DOUBLES   docs/pipelines.md "Overflow": stddev, median and percentile compute in
                      doubles (as DuckDB's do), so integers beyond 2^53 lose their low bits
                      first, and a spread smaller than that resolution is noise in both engines.
                      Over an expression that may pass 2^53 (an integer beyond it, or a decimal
                      made from one: `x - 9223372036854775807`, where the spread of the values is
                      a few ulps of their magnitude) they agree within 2^23 absolute (the
                      resolution of a double near 2^63, 2^11, times 2^12) or R-DOUBLES. `mean`
                      and `sum` are exact or compensated and get no such room.

"""

import datetime
import math


def canon(v):
    if v is None:
        return ("z",)
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, int):
        return ("n", v)
    if isinstance(v, float):
        # Kept a float even when whole: JSON prints a whole decimal as an integer, so a kpiq
        # "integer" may be a decimal one rounding step away from DuckDB's (R-NUMBER-KINDS).
        return ("f", v)  # compared within R-DOUBLES by close()
    if isinstance(v, datetime.datetime):
        return ("s", v.isoformat())
    if isinstance(v, datetime.date):
        return ("s", v.isoformat())
    if isinstance(v, str):
        return ("s", v)
    try:  # Decimal (a HUGEINT sum)
        f = float(v)
        return canon(int(v) if f == int(v) else f)
    except Exception:
        return ("s", str(v))


# R-BIG-INT-DOUBLES: the absolute error allowed in stddev, median and percentile of integers
# that may lie beyond 2^53: the inputs' resolution as doubles near 2^63 (2^11) times 2^12.
BIG_INT_TOLERANCE = 2.0 ** 23


def close(a, b, absolute=1e-6):
    """R-DOUBLES, R-NUMBER-KINDS (and R-BIG-INT-DOUBLES through `absolute`)."""
    if a == b:
        return True
    if a[0] in "nf" and b[0] in "nf":
        x, y = a[1], b[1]
        if a[0] == "n" and b[0] == "n":
            return x == y
        return abs(x - y) <= absolute or abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    return False


def rows_close(r1, r2, tolerances=None):
    if len(r1) != len(r2):
        return False
    return all(close(a, b, tolerances[i] if tolerances else 1e-6) for i, (a, b) in enumerate(zip(r1, r2)))


def multiset_equal(k, d, tolerances=None):
    if len(k) != len(d):
        return False
    if sorted(k) == sorted(d):
        return True
    # Tolerant matching: same rough order, then greedy.
    rest = list(d)
    for row in k:
        for i, other in enumerate(rest):
            if rows_close(row, other, tolerances):
                rest.pop(i)
                break
        else:
            return False
    return True


def sort_key_cmp(a, b, desc, nulls_first):
    """-1, 0, 1: where a goes relative to b under one sort key (R-SORT-NULLS); 0 when equal; None
    when close but not equal (R-DOUBLES: either order is right, and later keys say nothing)."""
    if a == ("z",) or b == ("z",):
        if a == b:
            return 0
        return (-1 if a == ("z",) else 1) * (1 if nulls_first else -1)
    if a == b:
        return 0
    if close(a, b):
        return None
    less = a[1] < b[1]
    c = -1 if less else 1
    return -c if desc else c


def validly_ordered(rows, keys):
    for r1, r2 in zip(rows, rows[1:]):
        for i, desc, nf in keys:
            c = sort_key_cmp(r1[i], r2[i], desc, nf)
            if c is None or c < 0:
                break
            if c > 0:
                return False
    return True


def kpiq_rows(k):
    names = [name for name, _ in k[0]] if k else None
    return names, [tuple(canon(v) for _, v in row) for row in k]


def compare(pair, k_rows, d_rows, columns):
    """None when they agree, else a description."""
    # R-BIG-INT-DOUBLES: the aggregates in doubles over integers that may pass 2^53.
    loose = {c for c, f in pair.flags.items() if f in ("big_stddev", "big_median", "big_percentile")}
    tolerances = [BIG_INT_TOLERANCE if c in loose else 1e-6 for c in columns] if loose and columns else None
    if not multiset_equal(k_rows, d_rows, tolerances):
        return "different rows"
    if pair.ordered is not None and not validly_ordered(k_rows, pair.ordered):
        return "kpiq's rows are not in the sort's order"
    return None


def judge(pair, k, d, tables):
    kstatus, dstatus = k[0], d[0]
    if kstatus == "crash":
        return "crash", k[1]
    if kstatus == "error" and dstatus == "error":
        return "both_error", ""
    if kstatus == "error":
        return "kpiq_error", "kpiq: %s\nduckdb: %d rows" % (k[1][:1500], len(d[1]))
    if dstatus == "error":
        return "duckdb_error", "duckdb: %s\nkpiq: %d rows" % (d[1], len(k[1]))
    columns = d[2]
    names, k_rows = kpiq_rows(k[1])
    if names is not None and names != columns:
        return "columns", "kpiq columns %s, duckdb %s" % (names, columns)
    d_rows = [tuple(canon(v) for v in row) for row in d[1]]
    why = compare(pair, k_rows, d_rows, columns)
    if why is None:
        return "agree", ""
    detail = "%s\n  kpiq   (%d): %s\n  duckdb (%d): %s" % (why, len(k_rows), k_rows[:12], len(d_rows), d_rows[:12])
    return "different", detail
