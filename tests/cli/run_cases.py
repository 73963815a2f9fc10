#!/usr/bin/env python3
"""Golden command-line cases: each tests/cli/*.case file is one run of
the tiergate binary, with the exact stdout, stderr and exit code it must
give. Usage: run_cases.py TIERGATE_BINARY [CASE...]

A case file:
    # what the case shows (comment lines start with '#')
    args: gate --polcy x          (shell-quoted arguments, run in the
                                   source tree with COLUMNS=80)
    exit: 2
    stdout:
    ...lines, up to the next section...
    stderr:
    ...lines...
A missing stdout or stderr section means "must be empty"; a section whose
only line is '...' is not compared (for long help texts, whose first
lines a separate 'stdout-starts:' section may pin instead).
Run with --update to rewrite the expected output from what the binary
prints now (then review the diff).
"""
import difflib
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
SECTIONS = ("stdout:", "stderr:", "stdout-starts:")


def parse(path):
    case = {"args": None, "exit": None}
    section = None
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if section is None and (line.startswith("#") or not line.strip()):
                continue
            if line in SECTIONS:
                section = line[:-1]
                case[section] = []
                continue
            if section:
                case[section].append(line)
            elif line.startswith("args:"):
                case["args"] = shlex.split(line[5:])
            elif line.startswith("exit:"):
                case["exit"] = int(line[5:])
            else:
                raise SystemExit("%s: unexpected line %r" % (path, line))
    for k in ("stdout", "stderr", "stdout-starts"):
        if k in case:
            # The file ends with a newline: drop the empty last element.
            while case[k] and case[k][-1] == "":
                case[k].pop()
            case[k] = "\n".join(case[k]) + ("\n" if case[k] else "")
    if case["args"] is None or case["exit"] is None:
        raise SystemExit("%s: needs 'args:' and 'exit:'" % path)
    return case


def run(binary, case):
    env = dict(os.environ, COLUMNS="80", NO_COLOR="1", LC_ALL="C.UTF-8")
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    p = subprocess.run([binary] + case["args"], cwd=SOURCE, env=env,
                       capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def write_case(path, case, rc, out, err):
    with open(path, encoding="utf-8") as f:
        head = [l for l in f.read().split("\n") if l.startswith("#")]
    lines = head + ["args: " + shlex.join(case["args"]), "exit: %d" % rc]
    if "stdout-starts" in case:
        n = case["stdout-starts"].count("\n")
        lines += ["stdout-starts:"] + out.split("\n")[:n]
        lines += ["stdout:", "..."]
    elif out:
        lines += ["stdout:"] + out.rstrip("\n").split("\n")
    if err:
        lines += ["stderr:"] + err.rstrip("\n").split("\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    args = sys.argv[1:]
    update = "--update" in args
    args = [a for a in args if a != "--update"]
    binary = os.path.abspath(args[0])
    names = args[1:] or sorted(n for n in os.listdir(HERE)
                               if n.endswith(".case"))
    failed = 0
    for name in names:
        path = os.path.join(HERE, name)
        case = parse(path)
        rc, out, err = run(binary, case)
        if update:
            write_case(path, case, rc, out, err)
            continue
        problems = []
        if rc != case["exit"]:
            problems.append("exit %d, expected %d" % (rc, case["exit"]))
        for stream, got in (("stdout", out), ("stderr", err)):
            want = case.get(stream, "")
            if want == "...\n":
                continue
            if got != want:
                diff = difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True),
                    "expected " + stream, "actual " + stream)
                problems.append("".join(diff))
        starts = case.get("stdout-starts")
        if starts is not None and not out.startswith(starts):
            problems.append("stdout does not start with:\n" + starts)
        if problems:
            failed += 1
            print("FAIL %s (tiergate %s)" % (name, shlex.join(case["args"])))
            for p in problems:
                print("  " + p.replace("\n", "\n  "))
        else:
            print("ok   %s" % name)
    print("%d of %d cases passed" % (len(names) - failed, len(names)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
