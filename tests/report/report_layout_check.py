#!/usr/bin/env python3
"""
The HTML report as a reader sees it, checked in headless Chromium and by
parsing the page:

- nothing overflows the page width at 1280 px and at 390 px (a phone):
  the page's scrollWidth is at most the viewport's width. Chromium's
  headless window is at least 500 px wide, so the 390 px view is an
  iframe 390 px wide; a copy of the report with one added line of script
  posts its scrollWidth to the page around it (the report itself has no
  script). Screenshots of both are written beside the report;
- every threshold states its comparator; status and severity are
  separate cells; passing checks are folded in a <details> whose summary
  counts them (against the gate JSON);
- the axis ticks of the conversion and lift charts are evenly spaced
  1-2-5 steps starting at 0;
- every colour of a chart's marks has a legend entry; no text sits in
  the plot area except the lift values, each above its bar and whisker;
- the conversion chart draws a threshold for each TRAIN conversion gate;
- counts carry thousands separators.

usage: report_layout_check.py TIERGATE WORKDIR
"""
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

TG, WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
os.makedirs(WORK, exist_ok=True)
failures = []
SVG = "{http://www.w3.org/2000/svg}"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    p = subprocess.run([TG] + list(args), capture_output=True, text=True)
    if p.returncode > 1:
        sys.exit("tiergate %s: exit %d\n%s" % (args[0], p.returncode, p.stderr))
    return p


data = os.path.join(WORK, "leads.csv")
gate_json = os.path.join(WORK, "gate.json")
compare_json = os.path.join(WORK, "compare.json")
report = os.path.join(WORK, "report.html")
run("synth", "-o", data)
run("gate", "--rules", "registry/tiers/v3.2.json", "--policy",
    "registry/gates/v3.2.json", "--data", data, "--json", gate_json)
run("compare", "--from", "registry/tiers/v3.1.json", "--to",
    "registry/tiers/v3.2.json", "--data", data, "--format", "json", "-o",
    compare_json)
run("report", "--from", gate_json, "--compare", compare_json, "-o", report)
html = open(report, encoding="utf-8").read()
gate = json.load(open(gate_json))


def chromium(url, width, extra):
    profile = os.path.join(WORK, "chromium-profile")
    return subprocess.run(
        ["timeout", "120", "chromium", "--headless", "--no-sandbox",
         "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--user-data-dir=" + profile,
         "--window-size=%d,3000" % width] + extra + [url],
        capture_output=True, text=True)


probe = html.replace("</body>",
                     "<script>parent.postMessage(document.documentElement."
                     "scrollWidth+'/'+window.innerWidth,'*');</script></body>")
with open(os.path.join(WORK, "probe.html"), "w", encoding="utf-8") as f:
    f.write(probe)
for width in (1280, 390):
    harness = os.path.join(WORK, "harness-%d.html" % width)
    with open(harness, "w") as f:
        f.write("<!DOCTYPE html><html><head><title>pending</title><style>"
                "body{margin:0}iframe{border:0;width:%dpx;height:2900px}"
                "</style></head><body><iframe src='probe.html'></iframe>"
                "<script>addEventListener('message',function(e){"
                "document.title='W:'+e.data;});</script></body></html>" % width)
    p = chromium("file://" + harness, max(width, 800),
                 ["--virtual-time-budget=10000", "--dump-dom"])
    m = re.search(r"<title>W:(\d+)/(\d+)</title>", p.stdout)
    check(m is not None, "Chromium measured the page at %d px" % width)
    if m:
        scroll, inner = int(m.group(1)), int(m.group(2))
        check(inner == width, "the viewport is %d px (%d)" % (width, inner))
        check(scroll <= inner, "nothing overflows at %d px: scrollWidth %d, "
              "viewport %d" % (width, scroll, inner))
    shot = os.path.join(WORK, "report-%d.png" % width)
    chromium("file://" + harness, max(width, 800), ["--screenshot=" + shot])
    check(os.path.exists(shot) and open(shot, "rb").read(4) == b"\x89PNG",
          "screenshot at %d px written" % width)

# ---- the page's content --------------------------------------------------
root = ET.fromstring(html.split("\n", 1)[1])  # the page is well-formed XML
body = root.find("body")


def text_of(e):
    return "".join(e.itertext()).strip()


gate_tables = [t for t in root.iter("table") if t.get("class") == "gates"
               and text_of(t.find("thead")).startswith("GateCheck")]
rows = [tr for t in gate_tables for tr in t.find("tbody").findall("tr")]
check(len(rows) == len(gate["gates"]),
      "one gates-table row per check (%d rows, %d checks)" %
      (len(rows), len(gate["gates"])))
thr_ok = True
for tr in rows:
    cells = [text_of(td) for td in tr.findall("td")]
    thr = cells[5]
    if not (thr == "–" or re.match(r"^(≥|≤|lower >) ", thr) or " to " in thr):
        thr_ok = False
        print("     threshold without comparator:", thr)
check(thr_ok, "every threshold states its comparator")
statuses = {text_of(tr.findall("td")[6]) for tr in rows}
sev = {text_of(tr.findall("td")[7]).split(" ")[0] for tr in rows}
check(all(re.match(r"^\S+ (pass|warn|fail|inconclusive|insufficient)$", s)
          for s in statuses), "the status cell holds the status alone")
check(sev <= {"block", "warn"}, "the severity cell holds the severity (%s)"
      % ", ".join(sorted(sev)))
passing = sum(g["status"] == "pass" for g in gate["gates"])
details = [d for d in root.iter("details")]
check(any(text_of(d.find("summary")) == "%d passing checks" % passing and
          len(d.find(".//tbody").findall("tr")) == passing for d in details),
      "the %d passing checks are folded under <details>" % passing)
check(re.search(r">27,265<", html) is not None or
      re.search(r">\d{1,3},\d{3}<", html) is not None,
      "counts carry thousands separators")
check(re.search(r'class="n">\d{4,}<', html) is None,
      "no count of four digits or more without a separator")


def ticks(svg):
    vals = []
    for t in svg.iter(SVG + "text"):
        if t.get("text-anchor") == "end" and float(t.get("x", 0)) < 130 \
                and t.get("transform") is None:
            m = re.match(r"^([0-9.]+)[%x]$", (t.text or ""))
            if m:
                vals.append(float(m.group(1)))
    return vals


def is_125(step):
    p = 10 ** math.floor(math.log10(step))
    return any(abs(step - k * p) < 1e-9 * p for k in (1, 2, 5, 10))


charts = {s.get("id"): s for s in root.iter(SVG + "svg")}
for cid in ("chart-rates", "chart-lift"):
    v = ticks(charts[cid])
    steps = {round(b - a, 9) for a, b in zip(v, v[1:])}
    check(len(v) >= 3 and v[0] == 0 and len(steps) == 1 and
          is_125(steps.pop()), "%s: ticks %s are 1-2-5 steps from 0" %
          (cid, v))

LEGEND_Y = 44
for cid, svg in charts.items():
    if not cid.startswith("chart-"):
        continue
    legend, plot = set(), set()
    for e in list(svg.iter(SVG + "rect")) + list(svg.iter(SVG + "circle")):
        fill = e.get("fill")
        if not fill or e.get("width") == "6":  # the hatch pattern's tile
            continue
        y = float(e.get("y", e.get("cy", 0)))
        (legend if abs(y - LEGEND_Y) <= 6 else plot).add(fill)
    check(plot <= legend, "%s: every colour has a legend entry (missing: %s)"
          % (cid, ", ".join(sorted(plot - legend)) or "none"))

# Text in the plot area: only the lift values, each above its whisker.
T, H, B, L = 58, 360, 125, 130
lift = charts["chart-lift"]
lines = [(float(l.get("x1")), min(float(l.get("y1")), float(l.get("y2"))))
         for l in lift.iter(SVG + "line") if l.get("stroke") == "#222"
         and l.get("x1") == l.get("x2")]
bars = [(float(r.get("x")) + float(r.get("width")) / 2, float(r.get("y")))
        for r in lift.iter(SVG + "rect") if abs(float(r.get("y")) - LEGEND_Y) > 6]
over = True
for cid, svg in charts.items():
    for t in svg.iter(SVG + "text"):
        if t.get("transform"):
            continue
        x, y = float(t.get("x", 0)), float(t.get("y", 0))
        if x > L and T < y < H - B:
            if cid != "chart-lift":
                over = False
                print("     text in the plot area of %s: %s" % (cid, t.text))
                continue
            tops = [top for bx, top in bars + lines if abs(bx - x) < 1]
            if not tops or y >= min(tops):
                over = False
                print("     lift label %s not above its bar" % t.text)
check(over, "no label sits on the data")

n_conv = sum(1 for g in gate["gates"] if g["check"] == "conversion_rate"
             and g["split"] == "TRAIN" and isinstance(g["threshold"], (int, float))
             and g.get("tier") and not g.get("slice"))
segs = [l for l in charts["chart-rates"].iter(SVG + "line")
        if l.get("stroke") == "#b3261e" and abs(float(l.get("y1")) - LEGEND_Y) > 6]
check(n_conv > 0 and len(segs) == n_conv,
      "conversion chart: a threshold line per TRAIN conversion gate (%d, %d)"
      % (len(segs), n_conv))
check(any(l.get("stroke") == "#b3261e" for l in lift.iter(SVG + "line")),
      "lift chart: the gate's threshold line")

if failures:
    print("%d failed" % len(failures))
    sys.exit(1)
print("all passed")
