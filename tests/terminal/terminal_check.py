#!/usr/bin/env python3
"""
Terminal output that fits: runs tiergate under a pseudo-terminal (util-linux
`script`, with `stty cols N`) and in pipes, and checks what a user sees:
no line wider than the terminal (characters, not bytes), one line per
gate check, no word broken across lines (every word of the fitted output is a word of the --wide
output or of the layout itself), and colour only where it belongs
(TERM=dumb, NO_COLOR, pipes and --color never get no escape sequence).
sweep, monitor, check-schema and plan fit the same way and keep their full
layout under --wide, and scripts/demo.sh prints no line over 80 columns
at COLUMNS=80, on stdout or stderr.

usage: terminal_check.py TIERGATE
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

TG = os.path.abspath(sys.argv[1])
RULES = "registry/tiers/v3.2.json"
POLICY = "registry/gates/v3.2.json"
DATA = "tests/fixtures/synthetic_sample.csv"
ESC = re.compile(r"\x1b\[[0-9;]*m")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def in_pty(args, cols, env_extra=None):
    """Run tiergate on a pseudo-terminal `cols` columns wide; the screen's
    text (stdout and stderr as the terminal shows them)."""
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env.pop("NO_COLOR", None)
    env.pop("CI", None)
    env.setdefault("TERM", "xterm")
    env.update(env_extra or {})
    cmd = "stty cols %d rows 200; %s" % (
        cols, " ".join(shlex.quote(a) for a in [TG] + args))
    p = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=env,
                       stdin=subprocess.DEVNULL, capture_output=True)
    return p.stdout.decode("utf-8", "replace").replace("\r\n", "\n")


def in_pipe(args, env_extra=None):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    p = subprocess.run([TG] + args, env=env, capture_output=True)
    return p.stdout.decode("utf-8", "replace")


def in_pipe_both(args, env_extra=None):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    p = subprocess.run([TG] + args, env=env, capture_output=True)
    return p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8",
                                                               "replace")


def widest(text):
    return max((len(ESC.sub("", l)) for l in text.split("\n")), default=0)


def words(text):
    return {w.rstrip(",:;") for w in ESC.sub("", text).split()}


GATE = ["gate", "--rules", RULES, "--policy", POLICY, "--data", DATA]

with tempfile.TemporaryDirectory() as tmp:
    jpath = os.path.join(tmp, "gate.json")
    in_pipe(GATE + ["--json", jpath])
    outcomes = json.load(open(jpath))["gates"]
    wide = in_pipe(GATE + ["--wide"])

    for cols in (80, 120):
        screen = in_pty(GATE, cols)
        check(widest(screen) <= cols,
              "gate on a %d-column terminal: widest line %d" %
              (cols, widest(screen)))
        rows = [l for l in ESC.sub("", screen).split("\n")
                if re.search(r" (PASS|WARN|FAIL|INSUFFICIENT|INCONCLUSIVE)"
                             r"( blocks| warns)?$", l)]
        check(len(rows) == len(outcomes),
              "gate at %d columns: one line per check (%d lines, %d checks)" %
              (cols, len(rows), len(outcomes)))
        # Words of the fitted layout that the wide layout does not have
        # are pieces of a broken word, unless the layout itself adds them.
        layout = {"tiers:", "=", "all", "warns", "blocks", "TIER", "[CI]",
                  "ACTUAL", "STATUS", "THRESHOLD", "SPLIT"}
        labels = set()
        for m in re.finditer(r"([^\s=]+)=(\S+?),?(\s|$)", ESC.sub("", screen)):
            labels.add(m.group(1))
            labels.add(m.group(0).strip().rstrip(","))
        extra = {w for w in words(screen) - words(wide) - layout - labels
                 if not w.endswith("…") and not w.endswith(",")}
        extra = {w for w in extra if w.rstrip(",") not in words(wide) | labels}
        check(not extra, "gate at %d columns: no word broken (%s)" %
              (cols, " ".join(sorted(extra))[:200]))
        for t in json.load(open(RULES))["tiers"]:
            name = t["name"]
            check(re.search(r"(^|[ =])%s(,|\n|$)" % re.escape(name), screen),
                  "gate at %d columns names tier %s whole" % (cols, name))

    piped = in_pipe(GATE, {"COLUMNS": "80"})
    check(widest(piped) <= 80, "gate, COLUMNS=80 in a pipe: widest line %d" %
          widest(piped))
    piped = in_pipe(GATE, {"COLUMNS": "64"})
    check(widest(piped) <= 64, "gate, COLUMNS=64 in a pipe: widest line %d" %
          widest(piped))
    piped = in_pipe(GATE, {"COLUMNS": ""})
    check(widest(piped) <= 80, "gate in a pipe without COLUMNS: 80 columns "
          "(widest %d)" % widest(piped))
    check(widest(wide) > 120, "--wide keeps the full layout (widest %d)" %
          widest(wide))

    # The other tables: preview (also per slice), compare and lint fit
    # too, and keep every word their --wide / unfitted form has.
    others = {
        "preview": ["preview", "--rules", RULES, "--data", DATA],
        "preview --slice": ["preview", "--rules", RULES, "--data", DATA,
                            "--split", "TRAIN", "--slice", "is_wirehouse"],
        "compare": ["compare", "--from", "registry/tiers/v3.1.json", "--to",
                    RULES, "--data", DATA],
        "lint": ["lint", "--rules", RULES],
    }
    for name, args in others.items():
        unlimited = in_pipe(args, {"COLUMNS": "100000"})
        for cols in (80, 120):
            screen = in_pty(args, cols)
            check(widest(screen) <= cols, "%s on a %d-column terminal: "
                  "widest line %d" % (name, cols, widest(screen)))
            broken = words(screen) - words(unlimited)
            check(not broken, "%s at %d columns: no word broken (%s)" %
                  (name, cols, " ".join(sorted(broken))[:200]))
        piped = in_pipe(args, {"COLUMNS": "80"})
        check(widest(piped) <= 80, "%s, COLUMNS=80 in a pipe: widest line %d"
              % (name, widest(piped)))
    # sweep, monitor (on twelve weeks with a drift, as the demo runs it),
    # check-schema and plan: fitted the same way, no word broken.
    prod = os.path.join(tmp, "production.csv")
    calib = os.path.join(tmp, "tier_statistics.json")
    subprocess.run([TG, "synth", "--weeks", "12", "--drift",
                    "feature:num_prior_firms+1@7", "-o", prod], check=True)
    subprocess.run([TG, "calibrate", "--rules", RULES, "--data", DATA, "-o",
                    calib], check=True)
    SWEEP = ["sweep", "--policy", POLICY, "--sweep",
             "registry/sweeps/v3.2-loosen.json", "--data", DATA]
    MONITOR = ["monitor", "--rules", RULES, "--calibration", calib,
               "--data", prod, "--since", "2026-01-05"]
    fitted = {
        "sweep": SWEEP,
        "monitor": MONITOR,
        "monitor --compare": MONITOR + ["--compare",
                                        "registry/tiers/v3.1.json"],
        "check-schema": ["check-schema", "--rules", RULES, "--data", DATA],
        "plan": ["plan", "--rules", RULES, "--policy", POLICY, "--data",
                 DATA],
    }
    for name, args in fitted.items():
        unlimited = in_pipe(args, {"COLUMNS": "100000"})
        for cols in (80, 120):
            screen = in_pty(args, cols)
            check(widest(screen) <= cols, "%s on a %d-column terminal: "
                  "widest line %d" % (name, cols, widest(screen)))
            broken = words(screen) - words(unlimited)
            check(not broken, "%s at %d columns: no word broken (%s)" %
                  (name, cols, " ".join(sorted(broken))[:200]))
        narrow = (80, 64, 40) if name != "plan" else (80,)
        for cols in narrow:
            piped, err = in_pipe_both(args, {"COLUMNS": str(cols)})
            check(widest(piped) <= cols and widest(err) <= cols,
                  "%s, COLUMNS=%d in a pipe: widest line %d, on stderr %d"
                  % (name, cols, widest(piped), widest(err)))
            broken = words(piped) - words(unlimited)
            check(not broken, "%s at COLUMNS=%d: no word broken (%s)" %
                  (name, cols, " ".join(sorted(broken))[:200]))
    # Warnings wrap to COLUMNS or a terminal; in a pipe or log without a
    # width each stays on one line, for grep.
    sliced = GATE + ["--slice", "is_wirehouse"]
    _, err = in_pipe_both(sliced, {"COLUMNS": "80"})
    check(widest(err) <= 80 and err.count("\n") > 1,
          "a warning wraps at COLUMNS=80 (widest %d)" % widest(err))
    _, err = in_pipe_both(sliced, {"COLUMNS": ""})
    check(re.search(r"^tiergate: warning: .*per_slice.*not judged$", err,
                    re.M) is not None,
          "a warning in a pipe without COLUMNS is one line: %s" % err[:120])
    screen = in_pty(sliced, 80)
    check(widest(screen) <= 80 and "not judged" in screen,
          "a warning on an 80-column terminal fits (widest %d)"
          % widest(screen))

    # What sweep and monitor say survives the fitting: every variant and
    # every alert, whole.
    sweep_doc = os.path.join(tmp, "sweep.json")
    in_pipe(SWEEP + ["--json", sweep_doc])
    variants = [v["name"] for v in json.load(open(sweep_doc))["variants"]]
    sweep80 = in_pipe(SWEEP, {"COLUMNS": "80"})
    for v in variants:
        check(re.search(r"(^|\s)%s(\s|$)" % re.escape(v), sweep80) is not None,
              "sweep at 80 columns names variant %s whole" % v)
    mon_doc = os.path.join(tmp, "monitor.json")
    in_pipe(MONITOR + ["--json", mon_doc])
    mon80 = in_pipe(MONITOR, {"COLUMNS": "80"})
    flat80 = " ".join(mon80.split())
    alerts = [l.strip() for l in in_pipe(MONITOR + ["--wide"]).split("\n")
              if re.match(r"\s+\[(warn|block)\] ", l)]
    check(len(alerts) > 0, "monitor --wide lists alerts (%d)" % len(alerts))
    for a in alerts:
        check(" ".join(a.split()) in flat80,
              "monitor at 80 columns keeps the alert '%s'" % a[:50])

    # --wide: the full layout, one line per row and one column per field.
    sweep_wide = in_pipe(SWEEP + ["--wide"], {"COLUMNS": "80"})
    check(widest(sweep_wide) > 80, "sweep --wide keeps the full layout "
          "(widest %d)" % widest(sweep_wide))
    rows = [l for l in sweep_wide.split("\n")
            if re.match(r"^[ >] *\d+ (\d+|-) +\S+ +[\d,]+ +[\d.]+% ", l)]
    check(len(rows) == len(variants), "sweep --wide: one TRAIN line per "
          "variant (%d lines, %d variants)" % (len(rows), len(variants)))
    mon_wide = in_pipe(MONITOR + ["--wide"], {"COLUMNS": "80"})
    check(widest(mon_wide) > 80, "monitor --wide keeps the full layout "
          "(widest %d)" % widest(mon_wide))
    mon = json.load(open(mon_doc))
    ntiers = len(mon["windows"][0]["tiers"])  # the default tier included
    head = [l for l in mon_wide.split("\n")
            if l.startswith("WINDOW ") and "LEADS" not in l
            and "RATE" not in l]
    check(len(head) == 1 and len(head[0].split()) == ntiers + 1,
          "monitor --wide: the tier table on one line per window (%s)"
          % (head[:1],))
    nwin = len(mon["windows"])
    rows = [l for l in mon_wide.split("\n") if re.match(r"^2026-W\d\d ", l)]
    check(len(rows) == 2 * nwin, "monitor --wide: one line per window in "
          "both tables (%d lines, %d windows)" % (len(rows), nwin))

    # The demo, as a user runs it at COLUMNS=80 (in a pipe): every line it
    # prints on stdout and on stderr fits, counted in characters.
    demo_out = os.path.join(tmp, "demo")
    env = dict(os.environ, COLUMNS="80", TIERGATE=TG, DEMO_OUT=demo_out)
    env.pop("NO_COLOR", None)
    p = subprocess.run(["bash", "scripts/demo.sh"], env=env,
                       capture_output=True)
    out = p.stdout.decode("utf-8")
    err = p.stderr.decode("utf-8")
    check(p.returncode == 0, "demo.sh exits 0 (%d)%s" %
          (p.returncode, ": " + err[-300:] if p.returncode else ""))
    for section in ("== check-schema", "== preview", "== gate", "== plan",
                    "== sweep", "== compare", "== release --dry-run",
                    "== registry show", "== monitor", "status: "):
        check(section in out, "the demo shows '%s'" % section)
    long_out = [l for l in out.split("\n") if len(ESC.sub("", l)) > 80]
    long_err = [l for l in err.split("\n") if len(ESC.sub("", l)) > 80]
    check(not long_out, "demo at COLUMNS=80: no stdout line over 80 "
          "(%d lines of %d; %s)" % (len(long_out), out.count("\n"),
                                    long_out[:1]))
    check(not long_err, "demo at COLUMNS=80: no stderr line over 80 (%s)"
          % long_err[:1])

    # Long labels are shown whole, on a line of their own if need be.
    screen = in_pty(others["compare"], 80)
    for label in ("Coverage of Best Signals", "Total Priority Volume"):
        check(label in screen, "compare at 80 columns shows '%s' whole" % label)

    # Colour: escape sequences only on a capable terminal or when asked.
    check("\x1b" in in_pty(GATE, 100), "auto colours an xterm")
    check("\x1b" not in in_pty(GATE, 100, {"TERM": "dumb"}),
          "TERM=dumb gets no escape sequence")
    check("\x1b" not in in_pty(GATE, 100, {"NO_COLOR": "1"}),
          "NO_COLOR gets no escape sequence")
    check("\x1b" not in in_pty(GATE + ["--color", "never"], 100),
          "--color never gets no escape sequence on a terminal")
    check("\x1b" not in in_pipe(GATE), "a pipe gets no escape sequence")
    check("\x1b" in in_pipe(GATE + ["--color", "always"]),
          "--color always colours a pipe")
    p = subprocess.run([TG] + GATE[1:1] + ["gate", "--color", "sometimes"],
                       capture_output=True)
    check(p.returncode == 2 and b"--color" in p.stderr,
          "--color sometimes is a usage error (exit %d)" % p.returncode)

# Progress on stderr: an input that arrives over more than a second
# (stdin fed in two pieces) shows "scanning: N rows" on a terminal, and
# nothing when CI is set or stderr is not a terminal.
body = os.path.abspath(os.path.join(tempfile.gettempdir(),
                                    "tg_terminal_body_%d.csv" % os.getpid()))
with open(DATA) as f, open(body, "w") as b:
    f.readline()
    b.write(f.read())


def slow_scan(extra_env=None, stderr_redirect=""):
    env = dict(os.environ)
    env.pop("CI", None)
    env.setdefault("TERM", "xterm")
    env.update(extra_env or {})
    pipeline = ("{ cat %s; sleep 1.3; cat %s; sleep 0.3; cat %s; } | "
                "%s preview --rules %s --data - --threads 1 >/dev/null %s" %
                (shlex.quote(DATA), shlex.quote(body), shlex.quote(body),
                 shlex.quote(TG), RULES, stderr_redirect))
    p = subprocess.run(["script", "-qec", "stty cols 100; " + pipeline,
                        "/dev/null"], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True)
    return p.stdout.decode("utf-8", "replace")


# Help, the program's and every command's, fits 80 columns.
top = in_pipe(["--help"])
check(widest(top) <= 80, "tiergate --help fits 80 columns (widest %d)" % widest(top))
commands = re.findall(r"^  ([a-z][a-z-]+)  ", top, re.M)
check(len(commands) >= 15, "the help lists the commands (%d)" % len(commands))
for name in commands:
    text = in_pipe([name, "--help"])
    check(widest(text) <= 80,
          "tiergate %s --help fits 80 columns (widest %d)" % (name, widest(text)))

screen = slow_scan()
check(re.search(r"scanning: [0-9,]+ rows", screen) is not None,
      "a scan over a second shows a progress line on a terminal")
check(re.search(r"scanning: [0-9,]+ rows[^\r]*\r +\r", screen) is not None,
      "the progress line is erased when the scan ends")
check("scanning:" not in slow_scan({"CI": "true"}),
      "no progress line when CI is set")
errfile = body + ".err"
slow_scan(stderr_redirect="2>" + shlex.quote(errfile))
check("scanning:" not in open(errfile).read(),
      "no progress line when stderr is not a terminal")
os.unlink(errfile)
os.unlink(body)

if failures:
    print("%d failed" % len(failures))
    sys.exit(1)
print("all passed")
