#!/usr/bin/env python3
"""Writes the seed corpora (Fuzz/corpus/SourceFuzz, Fuzz/corpus/CSVFuzz) from the grammar's
examples, the golden tests' statements and the golden data files. Run again after adding
grammar or golden examples; the output is checked in (small)."""
import hashlib
import os
import re

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out_src = os.path.join(root, "Fuzz/corpus/SourceFuzz")
out_csv = os.path.join(root, "Fuzz/corpus/CSVFuzz")
os.makedirs(out_src, exist_ok=True)
os.makedirs(out_csv, exist_ok=True)
DATASETS = ("sessions", "contacts", "deals", "campaigns", "orders", "funnel")


def save(folder, data):
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


statements = []
for line in open(os.path.join(root, "grammar/kpiq.ebnf")):
    m = re.match(r"\(\*> (.*) \*\)", line.strip())
    if m:
        statements.append(m.group(1))
golden = os.path.join(root, "Tests/Golden")
for name in sorted(os.listdir(golden)):
    if not name.endswith(".test"):
        continue
    lines = open(os.path.join(golden, name)).read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("query") or lines[i].startswith("statement"):
            j = i + 1
            body = []
            while j < len(lines) and lines[j] not in ("----", ""):
                body.append(lines[j])
                j += 1
            text = "\n".join(body)
            if text and not text.startswith(".") and "export" not in text:
                statements.append(text.replace('"data/', '"'))
            i = j
        i += 1
seen = set()
kept = 0
for s in statements:
    words = set(re.findall(r"[a-z_]+", s))
    if s in seen or len(s) > 600:
        continue
    if s.startswith("load") or words & set(DATASETS) or s.startswith(("metric", "use", "as of", "show", "funnel", "cohort")):
        seen.add(s)
        save(out_src, s)
        kept += 1
print("SourceFuzz seeds:", kept)

# CSV seeds: two option bytes (see Fuzz/CSVFuzz.swift), then the file.
data = os.path.join(golden, "data")
prefixes = [b"\x00\x00", b"\x01\x00", b"\x28\x41", b"\x02\x0b", b"\x45\x27", b"\x13\x3c", b"\x20\x61", b"\x85\x07"]
files = sorted(f for f in os.listdir(data) if os.path.isfile(os.path.join(data, f)))
count = 0
for k, f in enumerate(files):
    body = open(os.path.join(data, f), "rb").read()
    for p in (prefixes[0], prefixes[1 + k % (len(prefixes) - 1)]):
        save(out_csv, p + body)
        count += 1
extra = [
    b"\x00\x00a,b\r\n1,\"x\"\"y\"\r\n2,\"multi\nline\"\r\n",
    b"\x05\x00 id   name    n\n 1 ann 3\n 2 bob 4\n",
    b"\x08\x08day;amount\n05/03/2024;1,5\n06/03/2024;NA\n",
    b"\x31\x12x|y\n1|2024-01-01T10:00:00Z\n2|2024-01-01 10:00:00+02:00\n-|\n",
    b"\x20\x00a,b\n1,2\n3\n4,5,6\n\"7,8\n",
    b"\x00\x07a,b,c\n19970101,2024-02-29,1.5e3\n,,\n-9223372036854775807,0001-01-01,-0.0\n",
    b"\x00\x00\xef\xbb\xbfname,flag\nx,TRUE\ny,false\n",
]
# Regional numbers and dates, UTF-16 with a byte-order mark, gzip and zstd (LoadInput).
import gzip
extra += [
    b"\x02\x00jour;montant;taux\n31/01/2024;\xc2\xa01\xc2\xa0234,56 \xe2\x82\xac;12,5 %\n01/02/2024;(1.234,00);3 %\n",
    b"\x00\x00a,b\n\"$1,234.50\",01/31/2024\n\"(2,000)\",02/01/2024 10:00\n",
    b"\x00\x00\xff\xfe" + "a\tb\r\n\u00e9t\u00e9\t1,5\r\n".encode("utf-16-le"),
    b"\x00\x00" + gzip.compress(b"a;b\n1 234,5;x\n2;y\n", mtime=0),
    b"\x00\x00" + open(os.path.join(root, "Tests/KPIQTests/Fixtures/csvlocale/french.csv.zst"), "rb").read(),
]
for e in extra:
    save(out_csv, e)
    count += 1
print("CSVFuzz seeds:", count)
