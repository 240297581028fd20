#!/usr/bin/env python3
"""Reads a Parquet file with pyarrow and with DuckDB and prints what each sees, as JSON:
{"pyarrow": {"types": {...}, "rows": [...]}, "duckdb": {"types": {...}, "rows": [...]}}.
ParquetWriterTests runs it on the files `export` writes when pyarrow and duckdb are installed.

    python3 tools/parquet_check.py result.parquet
"""
import json
import sys

import duckdb
import pyarrow.parquet as pq


def plain(value):
    """Each value as text, so the test compares strings: null, true/false, Python's repr of
    numbers (0.1, 1e+300), ISO dates and times."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def main(path):
    table = pq.read_table(path)
    arrow = {"types": {f.name: str(f.type) for f in table.schema},
             "rows": [[plain(v) for v in row.values()] for row in table.to_pylist()]}
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{path}')")
    duck = {"types": {name: str(t) for name, t in zip(relation.columns, relation.types)},
            "rows": [[plain(v) for v in row] for row in relation.fetchall()]}
    print(json.dumps({"pyarrow": arrow, "duckdb": duck}))


if __name__ == "__main__":
    main(sys.argv[1])
