#!/usr/bin/env python3
"""`tiergate score` against independent oracles, on hostile input.

Usage: score_check.py TIERGATE_BINARY   (run in the source tree)

The input: the boundary fixture (every rule's thresholds, NULL features)
with hostile text in lead_id, advisor_crd and an extra column whose very
name is hostile: commas, quotes, CR, LF, CRLF, tabs, NUL and other
control bytes, backslashes, UTF-8 (emoji, Arabic, U+2028), SQL and HTML.
It is written by Python's csv module (CR-holding fields quoted too).

For every view (scores, production, salesforce, sga), in CSV and JSON:
  - values: every row equals, column by column, what SQLite (Python's
    sqlite3) computes by running the generated SQLite SQL over the same
    input as parsed by Python's csv module: the tiers, the tier texts,
    the numbers, and the input's hostile text byte for byte;
  - bytes: the file is exactly what Python's csv writer (minimal quoting)
    or json module (with the escapes tiergate uses for \\b and \\f)
    write for those rows, so quoting and escaping are neither missing
    nor superfluous;
  - order: the ordered views go by priority rank then expected rate,
    each tier's rows in input order.
Several views in one pass (--view a,b,c -o DIR/{view}.ext) must write
files byte-identical to one run per view, with and without
--priority-only; bad combinations exit 2; a bad row in the middle of the
input leaves no output and no temporary file; files resolving to one
file are refused; a run killed (kill -9) before its renames leaves
each target either as it was or complete; and two runs writing the same
files at once leave all of them from one run.
"""
import csv
import glob
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
RULES = "registry/tiers/v3.2.json"  # the rule set of the current pass
SCORED_AT = "2025-12-22T00:00:00Z"
VIEWS = ["scores", "production", "salesforce", "sga"]
KEY = {"scores": "lead_id", "production": "lead_id",
       "salesforce": "Lead_ID__c", "sga": "lead_id"}
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL " + what, file=sys.stderr)


def run(*args, env=None):
    return subprocess.run([BIN, *args], capture_output=True, env=env)


HOSTILE = ["plain", "comma, inside", 'quote " inside', '""', '"starts',
           "line\nbreak", "crlf\r\nend", "bare\rcr", "tab\there",
           "nul\x00byte", "ctl\x01\x1f\x7f", "back\\slash", '\\"', "\\b\b\f",
           "émoji 🥇 ünï", "عربي", "  spaces  ", "NULL", "<script>&amp;",
           "'; DROP TABLE z; --", "\u2028sep\u2029", ",", "\n", "{view}"]
NOTES = 'notes "q", x\ny\t🥈'


def hostile_input(path):
    """The boundary fixture with hostile text; returns the rows."""
    with open("tests/fixtures/boundary.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0] + [NOTES]
    out = [header]
    for i, r in enumerate(rows[1:]):
        r = list(r)
        r[0] = "%d|%s" % (i, HOSTILE[i % len(HOSTILE)])
        if i % 3 == 1:
            r[1] = HOSTILE[(i // 3) % len(HOSTILE)]
        r.append("" if i % 5 == 0 else HOSTILE[(i * 7) % len(HOSTILE)])
        out.append(r)
    with open(path, "wb") as f:
        f.write(csv_bytes(out[0], out[1:]))
    return out


def is_int(s):
    return re.fullmatch(r"-?[0-9]+", s) is not None


def sqlite_db(rows):
    """The input in SQLite (types as the warehouse would have them), with
    the generated SQL's tables and views."""
    db = sqlite3.connect(":memory:")
    names = ", ".join('"%s"' % h.replace('"', '""') for h in rows[0])
    db.execute("CREATE TABLE lead_scoring_features_pit (%s)" % names)

    def typed(v):
        if v == "":
            return None
        if v in ("true", "false"):
            return 1 if v == "true" else 0
        return int(v) if is_int(v) else v
    marks = ",".join("?" * len(rows[0]))
    db.executemany("INSERT INTO lead_scoring_features_pit VALUES (%s)" % marks,
                   ([typed(v) for v in r] for r in rows[1:]))
    for emit in ("scoring", "production-view", "sga-dashboard"):
        sql = subprocess.run([BIN, "sql", "--rules", RULES, "--dialect",
                              "sqlite", "--emit", emit], check=True,
                             capture_output=True).stdout.decode()
        db.executescript(sql)
    return db


def oracle_rows(db, view):
    if view == "salesforce":
        sql = subprocess.run([BIN, "sql", "--rules", RULES, "--dialect",
                              "sqlite", "--emit", "salesforce-sync"],
                             check=True, capture_output=True).stdout.decode()
    else:
        table = {"scores": "lead_scores_v3",
                 "production": "lead_scores_v3_current",
                 "sga": "sga_priority_leads_v3"}[view]
        sql = "SELECT * FROM " + table
    cur = db.execute(sql)
    return [d[0] for d in cur.description], cur.fetchall()


def same_value(ours, theirs, fmt):
    """One value of ours (CSV text or JSON value) against SQLite's."""
    if fmt == "json":
        if theirs is None or ours is None:
            return ours is None and theirs is None
        if isinstance(ours, bool):
            return theirs == (1 if ours else 0)
        if isinstance(ours, (int, float)):
            return (isinstance(theirs, (int, float)) and
                    abs(ours - theirs) <= 1e-9 * max(1, abs(theirs)))
        if isinstance(theirs, str):
            return ours == theirs
        # A column that is not a feature stays the input's text ("1000000"
        # for advisor_crd), where SQLite holds the number; so does a
        # feature no rule reads ("false" for is_wirehouse).
        if ours in ("true", "false"):
            return theirs == (1 if ours == "true" else 0)
        return str(theirs) == ours
    if theirs is None:
        return ours == ""
    if isinstance(theirs, str):
        return ours == theirs
    if ours in ("true", "false"):
        return theirs == (1 if ours == "true" else 0)
    try:
        return abs(float(ours) - theirs) <= 1e-9 * max(1, abs(theirs))
    except ValueError:
        return False


def csv_bytes(header, rows):
    """Python's csv writer, minimal quoting (a field is quoted when it
    holds a comma, a quote, CR or LF), rows ended by LF."""
    out = []
    for r in [header] + rows:
        b = io.StringIO()
        csv.writer(b, lineterminator="\r\n").writerow(r)
        out.append(b.getvalue()[:-2] + "\n")
    return "".join(out).encode()


def json_text(s):
    # Python writes \b and \f; tiergate \u0008 and \u000c: both JSON.
    t = json.dumps(s, ensure_ascii=False)
    return re.sub(r"\\(.)", lambda m: {"b": "\\u0008", "f": "\\u000c"}
                  .get(m.group(1), m.group(0)), t)


def json_bytes(objs):
    def value(v):
        return json_text(v) if isinstance(v, str) else json.dumps(v)
    items = ["{" + ", ".join(json_text(k) + ": " + value(v)
                             for k, v in o.items()) + "}" for o in objs]
    return ("[\n" + ",\n".join(items) + ("\n]\n" if items else "]\n")).encode()


def parse(data, fmt):
    """Our output as column names and rows, by Python's own readers."""
    if fmt == "json":
        objs = json.loads(data.decode("utf-8"))
        check(json_bytes(objs) == data, "json bytes differ from Python's json")
        names = list(objs[0].keys()) if objs else []
        return names, [[o[k] for k in names] for o in objs]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    check(csv_bytes(rows[0], rows[1:]) == data,
          "csv bytes differ from Python's csv writer")
    return rows[0], rows[1:]


def check_view(db, data_path, view, fmt):
    what = "%s %s" % (view, fmt)
    r = run("score", "--rules", RULES, "--data", data_path, "--view", view,
            "--format", fmt, "--scored-at", SCORED_AT)
    check(r.returncode == 0, "%s: exit %d %s" % (what, r.returncode, r.stderr))
    names, ours = parse(r.stdout, fmt)
    onames, theirs = oracle_rows(db, view)
    check(names == onames, "%s: columns %r vs SQLite %r" % (what, names, onames))
    check(len(ours) == len(theirs) and len(ours) > 100,
          "%s: %d rows vs SQLite %d" % (what, len(ours), len(theirs)))
    k = names.index(KEY[view])
    by_key = {t[k]: t for t in theirs}
    bad = 0
    for row in ours:
        t = by_key.get(row[k])
        for i, n in enumerate(names):
            if "scored_at" in n.lower():  # CURRENT_TIMESTAMP in the SQL
                ok = row[i] == SCORED_AT
            else:
                ok = t is not None and same_value(row[i], t[i], fmt)
            if not ok and bad < 5:
                check(False, "%s: %r, %s: tiergate %r, SQLite %r" %
                      (what, row[k], n, row[i], t and t[i]))
            bad += not ok
    check(bad == 0, "%s: %d values differ from SQLite" % (what, bad))
    if view != "scores":
        check_order(view, names, ours, fmt)


def check_order(view, names, rows, fmt):
    rank = names.index("Lead_Priority_Rank__c" if view == "salesforce"
                       else "priority_rank" if view == "production"
                       else "Priority")
    key = names.index(KEY[view])
    index = [int(str(r[key]).split("|")[0]) for r in rows]
    if view != "sga":
        ranks = [float(r[rank]) for r in rows]
        check(ranks == sorted(ranks), "%s %s: not by priority rank" % (view, fmt))
    # Each tier's rows are contiguous and in input order.
    seen, prev = set(), None
    for i, r in enumerate(rows):
        t = r[names.index({"sga": "Priority", "salesforce": "Lead_Score_Tier__c",
                           "production": "score_tier"}[view])]
        if t != prev:
            check(t not in seen, "%s %s: tier %s split up" % (view, fmt, t))
            seen.add(t)
            prev = t
        elif index[i] <= index[i - 1]:
            check(False, "%s %s: rows of %s out of input order" % (view, fmt, t))
            break


def files_in(d):
    return sorted(os.listdir(d))


def check_multi(data_path, tmp):
    ext = {"csv": "csv", "json": "json"}
    for fmt in ("csv", "json"):
        for prio in ([], ["--priority-only"]):
            single = {}
            for v in VIEWS:
                r = run("score", "--rules", RULES, "--data", data_path,
                        "--view", v, "--format", fmt, "--scored-at",
                        SCORED_AT, *prio)
                check(r.returncode == 0, "single %s: %s" % (v, r.stderr))
                single[v] = r.stdout
            for order in (VIEWS, ["sga", "scores"], ["salesforce", "production"]):
                d = tempfile.mkdtemp(dir=tmp)
                r = run("score", "--rules", RULES, "--data", data_path,
                        "--view", ",".join(order), "--format", fmt,
                        "--scored-at", SCORED_AT, *prio,
                        "-o", os.path.join(d, "{view}." + ext[fmt]))
                what = "multi %s %s %s" % (",".join(order), fmt, prio)
                check(r.returncode == 0, "%s: %s" % (what, r.stderr))
                check(files_in(d) == sorted(v + "." + ext[fmt] for v in order),
                      "%s: files %r" % (what, files_in(d)))
                for v in order:
                    with open(os.path.join(d, v + "." + ext[fmt]), "rb") as f:
                        check(f.read() == single[v],
                              "%s: %s differs from its single run" % (what, v))


def check_refusals(data_path, tmp):
    d = tempfile.mkdtemp(dir=tmp)
    base = ["score", "--rules", RULES, "--data", data_path]
    cases = [
        (["--view", "production,sga"], "several views need -o with {view}"),
        (["--view", "production,sga", "-o", "-"], "several views need -o with {view}"),
        (["--view", "production,sga", "-o", d + "/x.csv"], "several views need -o with {view}"),
        (["--view", "sga,production,sga", "-o", d + "/{view}"], "--view names sga twice"),
        (["--view", "production,salesfroce", "-o", d + "/{view}"], "did you mean salesforce?"),
        (["--view", "production,", "-o", d + "/{view}"], "an empty view name"),
    ]
    for args, msg in cases:
        r = run(*base, *args)
        check(r.returncode == 2 and msg in r.stderr.decode(),
              "%r: exit %d, %r" % (args, r.returncode, r.stderr))
    check(files_in(d) == [], "refused runs wrote %r" % files_in(d))
    # Two views resolving to one file (a link) are refused before any write.
    with open(os.path.join(d, "sga.csv"), "w") as f:
        f.write("old\n")
    os.symlink("sga.csv", os.path.join(d, "production.csv"))
    r = run(*base, "--view", "production,sga", "-o", d + "/{view}.csv")
    check(r.returncode == 2 and b"would write the same file" in r.stderr,
          "linked targets: exit %d, %r" % (r.returncode, r.stderr))
    check(files_in(d) == ["production.csv", "sga.csv"] and
          open(os.path.join(d, "sga.csv")).read() == "old\n",
          "linked targets: %r" % files_in(d))


def check_bad_row(rows, tmp):
    """A bad row halfway: exit 2, no output, no temporary file, and the
    files already there untouched."""
    bad = [list(r) for r in rows]
    mid = len(bad) // 2
    bad[mid][3] = "twelve"  # current_firm_tenure_months
    path = os.path.join(tmp, "bad.csv")
    with open(path, "wb") as f:
        f.write(csv_bytes(bad[0], bad[1:]))
    for fmt in ("csv", "json"):
        d = tempfile.mkdtemp(dir=tmp)
        r = run("score", "--rules", RULES, "--data", path, "--view",
                "scores,production,sga", "--format", fmt, "-o",
                d + "/{view}.out")
        check(r.returncode == 2 and b"bad.csv" in r.stderr,
              "bad row %s: exit %d %r" % (fmt, r.returncode, r.stderr))
        check(files_in(d) == [], "bad row %s: left %r" % (fmt, files_in(d)))
        with open(os.path.join(d, "production.out"), "w") as f:
            f.write("kept\n")
        r = run("score", "--rules", RULES, "--data", path, "--view",
                "production,sga", "--format", fmt, "-o", d + "/{view}.out")
        check(r.returncode == 2 and files_in(d) == ["production.out"] and
              open(os.path.join(d, "production.out")).read() == "kept\n",
              "bad row %s: an existing output changed: %r" % (fmt, files_in(d)))


def check_kill(data_path, tmp):
    """kill -9 before the renames: each target as it was, or complete."""
    args = ["score", "--rules", RULES, "--data", data_path, "--scored-at",
            SCORED_AT, "--view", "production,sga"]
    want = {v: run(*args[:-1], v).stdout for v in ("production", "sga")}
    for at, replaced in (("production.csv", []), ("sga.csv", ["production"])):
        d = tempfile.mkdtemp(dir=tmp)
        for v in ("production", "sga"):
            with open(os.path.join(d, v + ".csv"), "wb") as f:
                f.write(b"old " + v.encode() + b"\n")
        env = dict(os.environ, TIERGATE_TEST_KILL_AT="before-rename@" + at)
        r = run(*args, "-o", d + "/{view}.csv", env=env)
        check(r.returncode == -9, "kill at %s: exit %d" % (at, r.returncode))
        for v in ("production", "sga"):
            with open(os.path.join(d, v + ".csv"), "rb") as f:
                got = f.read()
            expect = want[v] if v in replaced else b"old " + v.encode() + b"\n"
            check(got == expect, "kill at %s: %s.csv is %s" %
                  (at, v, "partial or wrong" if got != want[v] else "new"))
        temps = glob.glob(os.path.join(d, "*.tmp.*"))
        check(len(temps) == 2 - len(replaced),
              "kill at %s: temporary files %r" % (at, temps))
        # The next run removes what the killed one left, and completes.
        r = run(*args, "-o", d + "/{view}.csv")
        check(r.returncode == 0 and files_in(d) == ["production.csv", "sga.csv"],
              "after kill at %s: exit %d, files %r" % (at, r.returncode, files_in(d)))
        for v in ("production", "sga"):
            with open(os.path.join(d, v + ".csv"), "rb") as f:
                check(f.read() == want[v], "after kill at %s: %s" % (at, v))


def many_tiers(path):
    """80 tiers: more than the 64 temporary files an ordered view keeps,
    so that tiers share files; texts with commas, quotes and newlines;
    ranks and rates that tie."""
    with open("registry/tiers/v3.2.json", encoding="utf-8") as f:
        d = json.load(f)
    d["tiers"] = [{
        "name": "T_%03d" % k,
        "when": ["industry_tenure_months BETWEEN %d AND %d" % (5 * k, 5 * k + 4)],
        "display": 'T %d, "q"\n🥈' % k,
        "expected_conversion_rate": round(0.01 + (k % 13) * 0.007, 4),
        "expected_lift": 1 + (k % 7) * 0.5,
        "priority_rank": 1 + (k * 7) % 9,
        "action": "act %d" % k,
        "explanation": "why,\r\n %d" % k} for k in range(80)]
    for k in ("changes", "expected_performance", "expected_outcomes"):
        d.pop(k, None)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f, ensure_ascii=False)


def check_concurrent(data_path, tmp):
    """Two runs writing the same three files: afterwards the three are
    all one run's (told apart by their scored_at), never a mix, and no
    temporary or lock file is left. The first run is held for two seconds
    between its renames (TIERGATE_TEST_PAUSE_AT) while the second runs
    whole in that window; then both at once, a few times."""
    views = ["production", "salesforce", "sga"]
    stamps = ["2025-12-22T00:00:00Z", "2025-12-23T00:00:00Z"]

    def start(stamp, d, env=None):
        return subprocess.Popen(
            [BIN, "score", "--rules", RULES, "--data", data_path,
             "--view", ",".join(views), "--scored-at", stamp,
             "-o", d + "/{view}.csv"], stderr=subprocess.PIPE, env=env)

    def settle(procs, d, what):
        for p in procs:
            check(p.wait() == 0, "%s: %r" % (what, p.stderr.read()))
            p.stderr.close()
        found = set()
        for v in views:
            with open(os.path.join(d, v + ".csv"), "rb") as f:
                body = f.read()
            found |= {s for s in stamps if s.encode() in body}
        check(len(found) == 1, "%s: files of both runs: %r" % (what, found))
        check(files_in(d) == sorted(v + ".csv" for v in views),
              "%s: left %r" % (what, files_in(d)))

    d = tempfile.mkdtemp(dir=tmp)
    env = dict(os.environ, TIERGATE_TEST_PAUSE_AT="before-rename@sga.csv")
    first = start(stamps[0], d, env)
    for _ in range(300):  # until its first file is in place
        if os.path.exists(os.path.join(d, "production.csv")):
            break
        time.sleep(0.05)
    check(first.poll() is None, "the paused run ended early")
    settle([start(stamps[1], d)], d, "a run within another's renames")
    settle([first], d, "a run paused between its renames")
    for k in range(4):
        d = tempfile.mkdtemp(dir=tmp)
        settle([start(s, d) for s in stamps], d, "concurrent runs %d" % k)


def main():
    global RULES
    tmp = tempfile.mkdtemp(prefix="tg-score-")
    try:
        data_path = os.path.join(tmp, "hostile.csv")
        rows = hostile_input(data_path)
        many_tiers(os.path.join(tmp, "many_tiers.json"))
        for RULES in ("tests/fixtures/hostile/hostile_rules.json",
                      os.path.join(tmp, "many_tiers.json"),
                      "registry/tiers/v3.2.json"):
            db = sqlite_db(rows)
            for view in VIEWS:
                for fmt in ("csv", "json"):
                    check_view(db, data_path, view, fmt)
            check_multi(data_path, tmp)
        check_refusals(data_path, tmp)
        check_bad_row(rows, tmp)
        check_kill(data_path, tmp)
        check_concurrent(data_path, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("score_check: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
