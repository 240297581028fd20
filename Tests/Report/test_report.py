#!/usr/bin/env python3
"""Checks kpiq's HTML reports in a real browser (headless Chromium).

    python3 Tests/Report/test_report.py PATH_TO_KPIQ

For every examples/*.kpi it writes the report (`kpiq --format html NAME.kpi`, run from the
examples folder), loads it in headless Chromium (`--dump-dom`, `--screenshot`) and checks
the DOM Chromium built: one section per result (as many as `--format json` prints), tables,
SVG charts whose marks (bars, points) match the data, no script element, and a screenshot
that is not blank. A report of data holding `<script>` and markup must show it as text.
Exits 0 when all pass, 1 when one fails, 2 (after printing SKIP) when Chromium is missing.
"""

import concurrent.futures
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Dom(html.parser.HTMLParser):
    """The elements of a document with their classes and nesting, as Chromium serialized it."""

    VOID = {"meta", "link", "br", "hr", "img", "input", "source", "area", "base", "col", "embed", "param", "track", "wbr"}

    def __init__(self, text):
        super().__init__()
        self.elements = []  # (tag, attrs, ancestors' indexes)
        self.stack = []
        self.text = []
        self.pieces = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs, list(self.stack)))
        if tag not in self.VOID:
            self.stack.append(len(self.elements) - 1)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), list(self.stack)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.elements[self.stack[i]][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.text.append(data)
        self.pieces.append((data, list(self.stack)))

    def text_of(self, index):
        return "".join(data for data, ancestors in self.pieces if index in ancestors)

    def find(self, tag, cls=None, inside=None):
        out = []
        for i, (t, attrs, ancestors) in enumerate(self.elements):
            if t != tag:
                continue
            if cls is not None and cls not in (attrs.get("class") or "").split():
                continue
            if inside is not None and inside not in ancestors:
                continue
            out.append(i)
        return out


def chromium_run(chromium, args, timeout=60):
    base = [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
            "--disable-dev-shm-usage", "--hide-scrollbars", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-breakpad", "--no-default-browser-check", "--password-store=basic",
            "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider", "--user-data-dir=" + tempfile.mkdtemp(prefix="kpiq-chromium-")]
    return subprocess.run(base + args, capture_output=True, timeout=timeout)


def png_is_not_blank(path, rows=320):
    """Decodes the top `rows` rows of an 8-bit RGB(A) PNG (zlib, no PIL) and checks that it
    holds more than one colour, with some pixels far from the background."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), "unexpected PNG format"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours = set()
    background = None
    far = 0
    for r in range(min(rows, height)):
        line = raw[r * (stride + 1):(r + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        if kind == 1:
            for i in range(channels, stride):
                row[i] = (row[i] + row[i - channels]) & 255
        elif kind == 2:
            for i in range(stride):
                row[i] = (row[i] + previous[i]) & 255
        elif kind == 3:
            for i in range(stride):
                left = row[i - channels] if i >= channels else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = row[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for i in range(0, stride, channels):
            pixel = bytes(row[i:i + 3])
            colours.add(pixel)
            if background is None:
                background = pixel
            elif sum(abs(pixel[k] - background[k]) for k in range(3)) > 200:
                far += 1
        previous = row
    return len(colours) > 2 and far > 50, "%d colours, %d dark pixels in the top %d rows" % (len(colours), far, rows)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def report(binary, script, folder, out_dir):
    """Runs `script` in `folder` as html and json; returns (html path, results in json)."""
    name = os.path.splitext(os.path.basename(script))[0]
    run = subprocess.run([binary, "--format", "html", script], cwd=folder, capture_output=True, timeout=120)
    check(run.returncode in (0, 3), "%s: kpiq exited %d: %s" % (script, run.returncode, run.stderr.decode()[-800:]))
    path = os.path.join(out_dir, name + ".html")
    with open(path, "wb") as f:
        f.write(run.stdout)
    text = run.stdout.decode()
    check(text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>"), "%s: not one HTML document" % script)
    check(text.count("<!DOCTYPE html>") == 1, "%s: more than one document" % script)
    for forbidden in ("<script", "http://", "https://", "<link", "@import", "url("):
        check(forbidden not in text, "%s: the report holds `%s` (it must be self-contained, without scripts)" % (script, forbidden))
    json_run = subprocess.run([binary, "--format", "json", script], cwd=folder, capture_output=True, timeout=120)
    results = len([line for line in json_run.stdout.decode().splitlines() if line.startswith("[")])
    return path, results


def load(chromium, path, name, size="900,1200"):
    """Loads a report once: the DOM Chromium built and a screenshot of the window."""
    png = path[:-5] + "-" + size.replace(",", "x") + ".png"
    run = chromium_run(chromium, ["--dump-dom", "--screenshot=" + png, "--window-size=" + size, "file://" + path])
    check(run.returncode == 0, "%s: chromium failed: %s" % (name, run.stderr.decode()[-500:]))
    check(os.path.exists(png), "%s: no screenshot: %s" % (name, run.stderr.decode()[-500:]))
    ok, why = png_is_not_blank(png)
    check(ok, "%s: the screenshot looks blank (%s)" % (name, why))
    return Dom(run.stdout.decode())


def check_dom(dom, results, name):
    sections = dom.find("section", "result")
    check(len(sections) == results, "%s: %d result sections, expected %d (as --format json)" % (name, len(sections), results))
    check(not dom.find("script"), "%s: a script element" % name)
    check(dom.find("footer"), "%s: no footer" % name)
    for figure in dom.find("figure", "chart"):
        marks = len(dom.find("circle", "mark", inside=figure)) + len(dom.find("rect", "mark", inside=figure))
        expected = int(dom.elements[figure][1].get("data-marks", "-1"))
        check(marks == expected and marks > 0, "%s: a chart with %d marks, expected %d" % (name, marks, expected))


def example(binary, chromium, script, out_dir):
    name = script[:-4]
    path, results = report(binary, script, EXAMPLES, out_dir)
    dom = load(chromium, path, name)
    check_dom(dom, results, name)
    return name, dom, results


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    chromium = find_chromium()
    if chromium is None:
        print("SKIP: chromium is not installed (scripts/dependencies.sh install_chromium installs it)")
        return 2
    out_dir = tempfile.mkdtemp(prefix="kpiq-report-")
    failures = []
    scripts = sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".kpi"))
    doms = {}
    # Chromium takes seconds to start: three at a time.
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {pool.submit(example, binary, chromium, script, out_dir): script for script in scripts}
        for future in concurrent.futures.as_completed(futures):
            try:
                name, dom, results = future.result()
                doms[name] = dom
                print("ok   %s: %d results" % (name, results))
            except (Failure, subprocess.TimeoutExpired, AssertionError) as e:
                failures.append(str(e))
                print("FAIL %s: %s" % (futures[future], e))

    # Charts with a known number of marks.
    def chart_marks(name, caption):
        dom = doms.get(name)
        if dom is None:
            return None
        for figure in dom.find("figure", "chart"):
            caps = dom.find("figcaption", inside=figure)
            if caps and dom.text_of(caps[0]).strip() == caption:
                return len(dom.find("circle", "mark", inside=figure)) + len(dom.find("rect", "mark", inside=figure))
        return None

    try:
        # tour.kpi: `show visitors over month during last 12 months | chart line month visitors`.
        marks = chart_marks("tour", "visitors")
        check(marks == 12, "tour: the visitors line chart has %s points, expected 12 (one per month)" % marks)
        # sources_that_convert.kpi: `show share(leads) by source during 2024 | chart`, one bar per
        # row of the table above it.
        dom = doms.get("sources_that_convert")
        check(dom is not None, "sources_that_convert: no report")
        charted = [f for f in dom.find("figure", "bar")]
        check(len(charted) == 1, "sources_that_convert: %d bar charts, expected 1" % len(charted))
        section = [a for a in dom.elements[charted[0]][2] if dom.elements[a][0] == "section"][-1]
        rows = len(dom.find("tr", inside=section)) - 1  # less the header
        bars = len(dom.find("rect", "mark", inside=charted[0]))
        check(bars == rows and rows > 1, "sources_that_convert: %d bars for %d rows" % (bars, rows))
        # KPI cards for a show without `by`; tables for the rest.
        check(doms["tour"].find("div", "card"), "tour: no KPI card")
        check(len(doms["tour"].find("table")) >= 5, "tour: fewer than 5 tables")
        check(doms["tour"].find("p", "comment"), "tour: its comments are not in the report")
        print("ok   chart marks and cards")
    except (Failure, KeyError) as e:
        failures.append(str(e))
        print("FAIL charts: %s" % e)

    def extra(what):
        path = os.path.join(out_dir, "tour.html")
        if what == "injection":
            injection(binary, chromium, out_dir)
            return "markup in data is shown as text"
        if what == "phone":
            load(chromium, path, "tour on a phone", size="390,844")
            return "tour shows on a phone-sized window"
        pdf = os.path.join(out_dir, "tour.pdf")
        chromium_run(chromium, ["--print-to-pdf=" + pdf, "--no-pdf-header-footer", "file://" + path])
        data = open(pdf, "rb").read() if os.path.exists(pdf) else b""
        pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
        check(data.startswith(b"%PDF") and pages >= 2, "tour: printing gave %d pages" % pages)
        return "tour prints (%d A4 pages)" % pages

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {pool.submit(extra, what): what for what in ("injection", "phone", "print")}
        for future in concurrent.futures.as_completed(futures):
            try:
                print("ok   " + future.result())
            except (Failure, subprocess.TimeoutExpired, AssertionError) as e:
                failures.append(str(e))
                print("FAIL %s: %s" % (futures[future], e))

    if failures:
        print("%d failure(s); reports kept in %s" % (len(failures), out_dir))
        return 1
    shutil.rmtree(out_dir, ignore_errors=True)
    return 0


def injection(binary, chromium, out_dir):
    folder = tempfile.mkdtemp(prefix="kpiq-xss-")
    with open(os.path.join(folder, "evil.csv"), "w") as f:
        f.write('name,"<img src=x onerror=alert(2)>",n\n')
        f.write('"<script>alert(1)</script>",a,1\n')
        f.write('"x"" onmouseover=""alert(3)",b,2\n')
    with open(os.path.join(folder, "evil.kpi"), "w") as f:
        f.write('-- a comment with <b>markup</b> & </p><script>alert(4)</script>\n')
        f.write('load "evil.csv" as evil\nfrom evil | chart bar name n\n')
    run = subprocess.run([binary, "--format", "html", "evil.kpi"], cwd=folder, capture_output=True, timeout=60)
    check(run.returncode == 0, "evil.kpi: kpiq exited %d: %s" % (run.returncode, run.stderr.decode()))
    text = run.stdout.decode()
    check("<script" not in text and "<img" not in text and "<b>markup" not in text, "markup from data reached the report")
    path = os.path.join(out_dir, "evil.html")
    with open(path, "w") as f:
        f.write(text)
    dom = load(chromium, path, "evil")
    check(not dom.find("script") and not dom.find("img"), "the browser built elements from data")
    check(all(dom.text_of(b) != "markup" for b in dom.find("b")), "the browser built elements from a comment")
    for tag, attrs, _ in dom.elements:
        check(not any(k.startswith("on") for k in attrs), "an event handler attribute from data: %s" % attrs)
    body = "".join(dom.text)
    check("<script>alert(1)</script>" in body, "the value is not shown as text")
    check("<b>markup</b>" in body, "the comment is not shown as text")


if __name__ == "__main__":
    sys.exit(main())
