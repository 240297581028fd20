"""Random tables and random kpiq pipelines with their DuckDB SQL translations.

Every expression is generated twice at once, as kpiq text and as SQL, by the same function, so
the two cannot drift apart. Where kpiq's documented behaviour differs from DuckDB's, the SQL
side spells out kpiq's rule (see rules.py, which names each one: R-...):
  R-NULL-ON-OVERFLOW  integer overflow is null (TRY(...) in SQL, which is null on overflow)
  R-DIV-ZERO          x / 0 and x % 0 are null, and `/` always gives a decimal
  R-LITERAL-TYPES     integer literals are 64-bit and decimal literals are doubles
  R-TRUNC-DATE        day/week/month/quarter/year(date) truncate to the period's first day, a date
  R-ISO-DOW           date_part("dow", d) and weekday(d) are ISO: Monday 1 .. Sunday 7
  R-JOIN-COLUMNS      a join keeps the left key, drops the right one, suffixes clashes `_other`
  R-SORT-NULLS        nulls sort last unless `nulls first`, in both directions
  R-SUM-INT           an integer sum is null when its total does not fit int64
  R-COMPENSATED-SUM   a decimal sum (and mean) is compensated (docs/pipelines.md "Overflow"): DuckDB's
                      fsum and favg (Kahan-Babuska), not its plain sum and avg, which drift when
                      large terms cancel
"""

import csv
import datetime
import os
import random

I64_MAX = 2**63 - 1
I64_MIN = -2**63

# ---------------------------------------------------------------- tables

TABLE_TYPES = {
    "a": [("id", "int"), ("k", "int"), ("n", "int"), ("x", "dec"), ("s", "text"), ("d", "date"), ("flag", "bool")],
    "b": [("id", "int"), ("k", "int"), ("s", "text"), ("v", "int"), ("y", "dec"), ("e", "date")],
}
KPIQ_TYPE = {"int": "int", "dec": "decimal", "text": "text", "date": "date", "bool": "bool"}
SQL_TYPE = {"int": "BIGINT", "dec": "DOUBLE", "text": "VARCHAR", "date": "DATE", "bool": "BOOLEAN"}
WORDS = ["ann", "bob", "cy", "Dee", "eve", "a,b", 'q"t', "x y", "ann2", "organic", "paid", "%x", "_y"]
EXTREMES = [I64_MAX, I64_MAX - 1, -I64_MAX, I64_MIN, 2**53, 2**53 + 1, -(2**53) - 1, 4_000_000_000_000_000_000, -3_000_000_000]


def rand_value(rng, name, typ, i, nulls):
    if name == "id":
        return i + 1
    if rng.random() < nulls:
        return None
    if typ == "int":
        if name == "n":
            r = rng.random()
            if r < 0.35:
                return rng.choice(EXTREMES)
            if r < 0.5:
                return rng.randint(-10**12, 10**12)
            return rng.randint(-20, 20)
        if name == "k":
            return rng.randint(0, 5)
        return rng.randint(-100, 100)
    if typ == "dec":
        cents = rng.choice([rng.randint(-1000, 1000), rng.randint(-10**8, 10**8), 0, 50])
        return cents / 100
    if typ == "text":
        return rng.choice(WORDS[: rng.randint(2, len(WORDS))])
    if typ == "date":
        base = datetime.date(2023, 12, 15)
        return base + datetime.timedelta(days=rng.choice([rng.randint(-40, 40), rng.randint(-800, 800)]))
    if typ == "bool":
        return rng.random() < 0.5
    raise ValueError(typ)


def make_tables(rng):
    tables = {}
    for name, cols in TABLE_TYPES.items():
        nrows = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 30])
        nulls = rng.choice([0.0, 0.1, 0.3, 0.6])
        rows = [tuple(rand_value(rng, c, t, i, nulls) for c, t in cols) for i in range(nrows)]
        tables[name] = {"cols": cols, "rows": rows}
    return tables


def csv_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_tables(tables, workdir):
    lines = []
    for name, t in tables.items():
        path = os.path.join(workdir, name + ".csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow([c for c, _ in t["cols"]])
            for row in t["rows"]:
                w.writerow([csv_text(v) for v in row])
        types = ", ".join("%s %s" % (c, KPIQ_TYPE[typ]) for c, typ in t["cols"])
        lines.append('load "%s.csv" as %s with (types (%s))' % (name, name, types))
    return lines


def load_duckdb(con, tables):
    con.execute("SET error_on_division_by_zero=false")
    for name, t in tables.items():
        con.execute("CREATE TABLE %s (%s)" % (name, ", ".join("%s %s" % (c, SQL_TYPE[typ]) for c, typ in t["cols"])))
        if t["rows"]:
            con.executemany("INSERT INTO %s VALUES (%s)" % (name, ", ".join("?" * len(t["cols"]))), t["rows"])


def duckdb_load_sql():
    out = "SET error_on_division_by_zero=false;\n"
    for name, cols in TABLE_TYPES.items():
        out += "CREATE TABLE %s AS SELECT * FROM read_csv('%s.csv', header=true, columns={%s});\n" % (
            name, name, ", ".join("'%s': '%s'" % (c, SQL_TYPE[t]) for c, t in cols))
    return out

# ---------------------------------------------------------------- expressions


class E:
    """An expression in both languages, its type, and whether an integer in it may be huge."""

    def __init__(self, k, s, t, big=False, const=False):
        self.k, self.s, self.t, self.big, self.const = k, s, t, big, const


def lit_int(rng):
    v = rng.choice([0, 1, 2, 3, -1, 7, 10, 100, rng.randint(-50, 50), I64_MAX, 2**62, 3_000_000_000])
    k = str(v) if v >= 0 else "(%d)" % v
    return E(k, "(%d)::BIGINT" % v, "int", big=abs(v) > 2**31, const=True)


def lit_dec(rng):
    v = rng.choice([0.5, 2.5, 0.0, 1.25, 100.75, 3.0])
    return E("%r" % v if v != int(v) else "%.1f" % v, "(%r)::DOUBLE" % v, "dec", const=True)


def lit_text(rng):
    w = rng.choice(WORDS[:6] + ["zz"])
    k = '"' + w.replace('"', '""') + '"' if '"' in w else '"%s"' % w
    return E(k, "'" + w.replace("'", "''") + "'", "text", const=True)


def lit_date(rng):
    d = datetime.date(2023, 12, 15) + datetime.timedelta(days=rng.randint(-60, 60))
    return E(d.isoformat(), "DATE '%s'" % d.isoformat(), "date", const=True)


def col_expr(name, typ):
    return E(name, '"%s"' % name, typ, big=(typ == "int" and name in ("n",) or name.startswith("n_")))


class Gen:
    def __init__(self, rng, schema):
        self.rng = rng
        self.schema = schema  # list of (name, type)

    def cols(self, typ):
        return [(n, t) for n, t in self.schema if t == typ]

    def col(self, typ):
        c = self.cols(typ)
        if not c:
            return None
        n, t = self.rng.choice(c)
        e = col_expr(n, t)
        e.big = e.big or self.bigcols.get(n, False)
        return e

    bigcols = {}

    def expr(self, typ, depth=2):
        rng = self.rng
        if depth <= 0 or rng.random() < 0.35:
            c = self.col(typ) if rng.random() < 0.8 else None
            if c is not None:
                return c
            return {"int": lit_int, "dec": lit_dec, "text": lit_text, "date": lit_date, "bool": lambda r: E("true", "true", "bool", const=True) if r.random() < 0.5 else E("false", "false", "bool", const=True)}[typ](rng)
        return getattr(self, "expr_" + typ)(depth - 1)

    def num(self, depth):
        return self.expr(self.rng.choice(["int", "int", "dec"]), depth)

    def expr_int(self, d):
        rng = self.rng
        r = rng.randrange(9)
        if r <= 2:
            a, b = self.expr("int", d), self.expr("int", d)
            op = rng.choice(["+", "-", "*"])
            return E("%s %s %s" % (paren(a), op, paren(b)), "TRY(%s %s %s)" % (a.s, op, b.s), "int", big=True)
        if r == 3:
            a = self.expr("int", d)
            return E("-%s" % paren(a), "TRY(-(%s))" % a.s, "int", big=a.big)
        if r == 4:
            a, b = self.expr("int", d), self.expr("int", d)
            # R-DIV-ZERO; DuckDB's % truncates like kpiq's. INT64_MIN % -1 is 0 in DuckDB.
            return E("%s %% %s" % (paren(a), paren(b)), "TRY(CASE WHEN (%s) = 0 THEN NULL ELSE (%s) %% (%s) END)" % (b.s, a.s, b.s), "int", big=a.big)
        if r == 5:
            a = self.expr("text", d)
            return E("length(%s)" % a.k, "length(%s)" % a.s, "int")
        if r == 6:
            c, a, b = self.expr("bool", d), self.expr("int", d), self.expr("int", d)
            return E("case when %s then %s else %s end" % (c.k, a.k, b.k), "(CASE WHEN %s THEN %s ELSE %s END)" % (c.s, a.s, b.s), "int", big=a.big or b.big)
        if r == 7:
            a, b = self.expr("int", d), self.expr("int", d)
            f = rng.choice(["coalesce", "greatest", "least"])  # all three ignore nulls
            return E("%s(%s, %s)" % (f, a.k, b.k), "%s(%s, %s)" % (f, a.s, b.s), "int", big=a.big or b.big)
        a = self.expr("date", d)
        part = rng.choice(["year", "month", "day", "dow"])
        if part == "dow":  # R-ISO-DOW
            return E('date_part("dow", %s)' % a.k, "isodow(%s)" % a.s, "int")
        if rng.random() < 0.5:
            b = self.expr("date", d)
            unit = rng.choice(["day", "month", "year"])
            return E('date_diff("%s", %s, %s)' % (unit, a.k, b.k), "date_diff('%s', %s, %s)" % (unit, a.s, b.s), "int")
        return E('date_part("%s", %s)' % (part, a.k), "date_part('%s', %s)" % (part, a.s), "int")

    def expr_dec(self, d):
        rng = self.rng
        r = rng.randrange(4)
        if r == 0:  # R-DIV-ZERO: / is a decimal, x / 0 is null
            a, b = self.num(d), self.num(d)
            return E("%s / %s" % (paren(a), paren(b)), "(CASE WHEN (%s) = 0 THEN NULL ELSE (%s)::DOUBLE / (%s) END)" % (b.s, a.s, b.s), "dec",
                     big=a.big or b.big)
        if r == 1:
            a, b = self.expr("dec", d), self.num(d)
            op = rng.choice(["+", "-", "*"])
            if rng.random() < 0.5:
                a, b = b, a
            return E("%s %s %s" % (paren(a), op, paren(b)), "((%s)::DOUBLE %s (%s)::DOUBLE)" % (a.s, op, b.s), "dec", big=a.big or b.big)
        if r == 2:
            a, b = self.expr("dec", d), self.expr("dec", d)
            f = rng.choice(["coalesce", "greatest", "least"])
            return E("%s(%s, %s)" % (f, a.k, b.k), "%s(%s, %s)" % (f, a.s, b.s), "dec", big=a.big or b.big)
        a = self.expr("dec", d)
        return E("-%s" % paren(a), "(-(%s))" % a.s, "dec", big=a.big)

    def expr_text(self, d):
        rng = self.rng
        r = rng.randrange(5)
        a = self.expr("text", d)
        if r == 0:
            f = rng.choice(["lower", "upper"])
            return E("%s(%s)" % (f, a.k), "%s(%s)" % (f, a.s), "text")
        if r == 1:
            b = self.expr("text", d)
            return E("%s || %s" % (paren(a), paren(b)), "(%s || %s)" % (a.s, b.s), "text")
        if r == 2:
            b = self.expr("text", d)
            return E("coalesce(%s, %s)" % (a.k, b.k), "coalesce(%s, %s)" % (a.s, b.s), "text")
        if r == 3:
            c, b = self.expr("bool", d), self.expr("text", d)
            return E("case when %s then %s else %s end" % (c.k, a.k, b.k), "(CASE WHEN %s THEN %s ELSE %s END)" % (c.s, a.s, b.s), "text")
        x, y = rng.choice(["a", "n", "e", " "]), rng.choice(["", "Z", "aa"])
        return E('replace(%s, "%s", "%s")' % (a.k, x, y), "replace(%s, '%s', '%s')" % (a.s, x, y), "text")

    def expr_date(self, d):
        rng = self.rng
        a = self.expr("date", d)
        if rng.random() < 0.5:
            n = rng.randint(-400, 400)
            return E("%s + %d" % (paren(a), n) if n >= 0 else "%s - %d" % (paren(a), -n),
                     "(%s + (%d)::INTEGER)" % (a.s, n), "date")
        unit = rng.choice(["day", "week", "month", "quarter", "year"])  # R-TRUNC-DATE
        return E("%s(%s)" % (unit, a.k), "date_trunc('%s', %s)::DATE" % (unit, a.s), "date")

    def expr_bool(self, d):
        rng = self.rng
        r = rng.randrange(10)
        if r <= 2:
            typ = rng.choice(["int", "dec", "text", "date", "int"])
            a = self.expr(typ, d)
            b = self.expr(typ if typ != "int" else rng.choice(["int", "dec"]), d)
            op = rng.choice(["=", "!=", "<", "<=", ">", ">="])
            sop = "<>" if op == "!=" else op
            return E("%s %s %s" % (a.k, op, b.k), "(%s %s %s)" % (a.s, sop, b.s), "bool")
        if r == 3:
            a, b = self.expr("bool", d), self.expr("bool", d)
            op = rng.choice(["and", "or"])
            return E("(%s) %s (%s)" % (a.k, op, b.k), "((%s) %s (%s))" % (a.s, op.upper(), b.s), "bool")
        if r == 4:
            a = self.expr("bool", d)
            return E("not (%s)" % a.k, "(NOT (%s))" % a.s, "bool")
        if r == 5:
            a = self.expr(rng.choice(["int", "text", "dec", "date", "bool"]), d)
            neg = rng.random() < 0.5
            return E("%s is %snull" % (paren(a), "not " if neg else ""), "((%s) IS %sNULL)" % (a.s, "NOT " if neg else ""), "bool")
        if r == 6:
            typ = rng.choice(["int", "text"])
            a = self.expr(typ, d)
            items = [(lit_int if typ == "int" else lit_text)(rng) for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.3:
                items.append(E("null", "NULL", typ, const=True))
            neg = rng.random() < 0.3
            return E("%s %sin (%s)" % (paren(a), "not " if neg else "", ", ".join(i.k for i in items)),
                     "((%s) %sIN (%s))" % (a.s, "NOT " if neg else "", ", ".join(i.s for i in items)), "bool")
        if r == 7:
            typ = rng.choice(["int", "dec", "date"])
            a, lo, hi = self.expr(typ, d), self.expr(typ, d), self.expr(typ, d)
            neg = rng.random() < 0.3
            return E("%s %sbetween %s and %s" % (paren(a), "not " if neg else "", paren(lo), paren(hi)),
                     "((%s) %sBETWEEN (%s) AND (%s))" % (a.s, "NOT " if neg else "", lo.s, hi.s), "bool")
        if r == 8:
            a = self.expr("text", d)
            pat = rng.choice(["a%", "%n", "_o%", "%", "ann", "%a%b%", "b_b", "%\\%%"]) if False else rng.choice(["a%", "%n", "_o%", "%", "ann", "%a%b%", "b_b"])
            neg = rng.random() < 0.3
            return E('%s %slike "%s"' % (paren(a), "not " if neg else "", pat), "((%s) %sLIKE '%s')" % (a.s, "NOT " if neg else "", pat), "bool")
        a = self.expr("text", d)
        f = rng.choice(["contains", "starts_with", "ends_with"])
        w = rng.choice(["a", "nn", "b", "e", "Dee", ""])
        return E('%s(%s, "%s")' % (f, a.k, w), "%s(%s, '%s')" % (f, a.s, w), "bool")


def paren(e):
    return e.k if e.const and not e.k.startswith("-") else "(%s)" % e.k

# ---------------------------------------------------------------- pipelines


class Pair:
    def __init__(self):
        self.kpiq = ""
        self.sql = ""
        self.ordered = None  # [(column index, desc, nulls_first)] when the result's order is defined
        self.flags = {}  # column name -> why it is special (rules.py)


AGGS = ["count", "count_x", "count_distinct", "sum", "mean", "min", "max", "median", "percentile", "stddev", "first", "last"]


def make_query(rng, tables):
    name = rng.choice(list(tables))
    schema = list(tables[name]["cols"])
    big = {"n": True}
    pair = Pair()
    ksteps = ["from " + name]
    ctes = ['q0 AS (SELECT * FROM "%s")' % name]
    cur = "q0"
    nsteps = rng.choice([1, 1, 2, 2, 3, 4])
    final_sort = None
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return "%s%d" % (prefix, counter[0])

    def add(kstep, select_sql):
        nonlocal cur
        nxt = "q%d" % (len(ctes))
        ctes.append("%s AS (%s)" % (nxt, select_sql))
        ksteps.append(kstep)
        cur = nxt

    def qcols(cols):
        return ", ".join('"%s"' % c for c in cols)

    unique_id = True  # first/last order by `id`, which a join or union can repeat
    for step_no in range(nsteps):
        g = Gen(rng, schema)
        g.unique_id = unique_id
        Gen.bigcols = big
        kind = rng.choice(["where", "where", "derive", "select", "group", "group", "agg", "distinct", "join", "join", "union", "sort"])
        if final_sort is not None:
            kind = rng.choice(["where", "derive"]) if rng.random() < 0.3 else "sort"
            final_sort = None
        if kind == "where":
            e = g.expr("bool", 3)
            add("where " + e.k, "SELECT * FROM %s WHERE %s" % (cur, e.s))
        elif kind == "derive":
            typ = rng.choice(["int", "dec", "text", "date", "bool"])
            e = g.expr(typ, 3)
            n = fresh("c")
            add("derive %s = %s" % (n, e.k), "SELECT *, %s AS \"%s\" FROM %s" % (e.s, n, cur))
            schema.append((n, typ))
            big[n] = e.big
        elif kind == "select":
            keep = rng.sample(schema, rng.randint(1, len(schema)))
            parts_k, parts_s, new_schema = [], [], []
            for c, t in keep:
                if rng.random() < 0.2:
                    n = fresh("r")
                    parts_k.append("%s = %s" % (n, c))
                    parts_s.append('"%s" AS "%s"' % (c, n))
                    new_schema.append((n, t))
                    big[n] = big.get(c, False)
                else:
                    parts_k.append(c)
                    parts_s.append('"%s"' % c)
                    new_schema.append((c, t))
            add("select " + ", ".join(parts_k), "SELECT %s FROM %s" % (", ".join(parts_s), cur))
            schema = new_schema
        elif kind in ("group", "agg"):
            keys_k, keys_s, new_schema = [], [], []
            if kind == "group":
                for _ in range(rng.randint(1, 2)):
                    if rng.random() < 0.7:
                        c, t = rng.choice(schema)
                        if any(c == n for n, _ in new_schema):
                            continue
                        keys_k.append(c)
                        keys_s.append('"%s"' % c)
                        new_schema.append((c, t))
                    else:
                        typ = rng.choice(["int", "text", "date", "bool"])
                        e = g.expr(typ, 2)
                        n = fresh("g")
                        keys_k.append("%s = %s" % (n, e.k))
                        keys_s.append('%s AS "%s"' % (e.s, n))
                        new_schema.append((n, typ))
            aggs_k, aggs_s = [], []
            for _ in range(rng.randint(1, 4)):
                ak, asql, at, flag = make_agg(rng, g, schema)
                n = fresh("v")
                if rng.random() < 0.25:
                    f = g.expr("bool", 2)
                    ak += " where " + f.k
                    asql += " FILTER (WHERE %s)" % f.s
                if flag == "sum_int":  # R-SUM-INT
                    asql = "(CASE WHEN (%s) BETWEEN %d AND %d THEN (%s)::BIGINT END)" % (asql, I64_MIN, I64_MAX, asql)
                aggs_k.append("%s = %s" % (n, ak))
                aggs_s.append('%s AS "%s"' % (asql, n))
                new_schema.append((n, at))
                big[n] = at == "int"
                if flag:
                    pair.flags[n] = flag
            kstep = ("group %s | agg %s" % (", ".join(keys_k), ", ".join(aggs_k))) if keys_k else "agg " + ", ".join(aggs_k)
            sql = "SELECT %s FROM %s" % (", ".join(keys_s + aggs_s), cur)
            if keys_k:  # by position: DuckDB's GROUP BY ALL drops constant keys
                sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys_k)))
            add(kstep, sql)
            schema = new_schema
        elif kind == "distinct":
            if rng.random() < 0.5:
                add("distinct", "SELECT DISTINCT * FROM %s" % cur)
            else:
                keep = rng.sample(schema, rng.randint(1, min(3, len(schema))))
                add("distinct " + ", ".join(c for c, _ in keep), "SELECT DISTINCT %s FROM %s" % (qcols([c for c, _ in keep]), cur))
                schema = keep
        elif kind == "join":
            other = rng.choice(list(tables))
            ocols = tables[other]["cols"]
            # a key of the same type on both sides (R-JOIN-COLUMNS)
            options = [(lc, rc) for lc, lt in schema for rc, rt in ocols if lt == rt and lt in ("int", "text") and lc != "id" or (lc == "id" == rc)]
            options = [(lc, rc) for lc, rc in options if dict(schema)[lc] == dict(ocols)[rc]]
            if not options:
                continue
            lc, rc = rng.choice(options)
            left = rng.random() < 0.5
            names = [c for c, _ in schema]
            sel = ['l."%s"' % c for c in names]
            new_schema = list(schema)
            for c, t in ocols:
                if c == rc:
                    continue
                out = c if c not in names else "%s_%s" % (c, other)
                if out in [n for n, _ in new_schema]:
                    sel = None
                    break
                sel.append('r."%s" AS "%s"' % (c, out))
                new_schema.append((out, t))
            if sel is None:
                continue
            on_k = lc if lc == rc else "%s = %s" % (lc, rc)
            add("join %s%s on %s" % ("left " if left else "", other, on_k),
                'SELECT %s FROM %s l %sJOIN "%s" r ON l."%s" = r."%s"' % (", ".join(sel), cur, "LEFT " if left else "", other, lc, rc))
            schema = new_schema
            unique_id = False
        elif kind == "union":
            unique_id = False
            e = g.expr("bool", 2)
            right = " | ".join(ksteps) + " | where " + e.k
            add("union (%s)" % right, "SELECT * FROM %s UNION ALL SELECT * FROM %s WHERE %s" % (cur, cur, e.s))
        elif kind == "sort":
            idx = list(range(len(schema)))
            rng.shuffle(idx)
            keys = [(i, rng.random() < 0.5, rng.random() < 0.3) for i in idx]
            kk = ", ".join("%s%s%s" % (schema[i][0], " desc" if desc else "", " nulls first" if nf else "") for i, desc, nf in keys)
            ss = ", ".join('"%s" %s NULLS %s' % (schema[i][0], "DESC" if desc else "ASC", "FIRST" if nf else "LAST") for i, desc, nf in keys)
            kstep = "sort " + kk
            sql = "SELECT * FROM %s ORDER BY %s" % (cur, ss)
            if rng.random() < 0.4:
                n = rng.randint(0, 10)
                if rng.random() < 0.5:
                    kstep += " | top %d" % n
                    sql += " LIMIT %d" % n
                else:
                    off = rng.randint(0, 5)
                    kstep += " | limit %d offset %d" % (n, off)
                    sql += " LIMIT %d OFFSET %d" % (n, off)
            add(kstep, sql)
            final_sort = keys
    pair.kpiq = " | ".join(ksteps)
    final = "SELECT * FROM %s" % cur
    if final_sort is not None:
        pair.ordered = final_sort
        final += " ORDER BY %s" % ", ".join("#%d %s NULLS %s" % (i + 1, "DESC" if desc else "ASC", "FIRST" if nf else "LAST") for i, desc, nf in final_sort)
    pair.sql = "WITH " + ", ".join(ctes) + " " + final
    pair.schema = schema
    pair.big = dict(big)
    return pair


def make_agg(rng, g, schema):
    """One aggregate: (kpiq, sql, result type, flag for rules.py)."""
    while True:
        a = rng.choice(AGGS)
        if a == "count":
            return "count()", "count(*)", "int", None
        if a == "count_x":
            e = g.expr(rng.choice(["int", "text", "dec", "date"]), 1)
            return "count(%s)" % e.k, "count(%s)" % e.s, "int", None
        if a == "count_distinct":
            e = g.expr(rng.choice(["int", "text", "dec", "date"]), 1)
            return "count_distinct(%s)" % e.k, "count(DISTINCT %s)" % e.s, "int", None
        if a in ("sum", "mean", "median", "percentile", "stddev"):
            typ = rng.choice(["int", "dec"])
            e = g.expr(typ, 1)
            flag = None
            if typ == "int" and a == "sum":
                flag = "sum_int"  # R-SUM-INT, in the SQL
            elif e.big:
                flag = "big_" + a  # R-BIG-INT-DOUBLES, in the comparison (a decimal made from one too)
            if a == "sum":
                # R-COMPENSATED-SUM: decimal sums are compensated on both sides.
                return "sum(%s)" % e.k, ("fsum(%s)" if typ == "dec" else "sum(%s)") % e.s, typ, flag
            if a == "mean":
                return "mean(%s)" % e.k, ("favg(%s)" if typ == "dec" else "avg(%s)") % e.s, "dec", flag
            if a == "median":
                return "median(%s)" % e.k, "quantile_cont(%s, 0.5)" % e.s, "dec", flag
            if a == "percentile":
                p = rng.choice([0.0, 0.1, 0.25, 0.9, 1.0])
                return "percentile(%s, %r)" % (e.k, p), "quantile_cont(%s, %r)" % (e.s, p), "dec", flag
            return "stddev(%s)" % e.k, "stddev_samp(%s)" % e.s, "dec", flag
        if a in ("min", "max"):
            typ = rng.choice(["int", "dec", "text", "date"])
            e = g.expr(typ, 1)
            return "%s(%s)" % (a, e.k), "%s(%s)" % (a, e.s), typ, None
        if a in ("first", "last"):
            if not getattr(g, "unique_id", True) or not any(c == "id" for c, _ in schema):
                continue
            typ = rng.choice(["int", "dec", "text", "date"])
            e = g.expr(typ, 1)
            fn = "arg_min_null" if a == "first" else "arg_max_null"  # R-QUANTILE: x at the row, null or not
            return "%s(%s, id)" % (a, e.k), "%s(%s, id)" % (fn, e.s), typ, "first_last"
