#!/usr/bin/python3
"""`tiergate init` end to end: scaffold a repository, then run the commands
of its GitHub Actions workflow and of its GitLab job, in order, with each
CI's variables set, exactly as the YAML says (read with a YAML parser), on
a synthetic export; check the results; check the pre-commit hook passes,
then catches SQL that no longer matches the rules; check `release --dry-run`
works on the empty registry; check init refuses to overwrite anything.

    /usr/bin/python3 tests/init/init_check.py TIERGATE
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

tg = os.path.abspath(sys.argv[1])
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(cmd, cwd, env=None, shell=False):
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(tg) + os.pathsep + e["PATH"]
    e.update(env or {})
    return subprocess.run(cmd, cwd=cwd, env=e, shell=shell, text=True,
                          capture_output=True)


work = tempfile.mkdtemp()
try:
    repo = os.path.join(work, "model")
    r = run([tg, "init", repo], work)
    check(r.returncode == 0, "init exits 0: " + r.stderr)
    for f in ["rules/model.json", "rules/README.md", "gates/policy.json",
              "gates/README.md", "registry/model_registry_v3.json",
              "registry/date_config.json", "EXECUTION_LOG.md", "README.md",
              ".github/workflows/tiergate.yml", ".gitlab-ci.yml",
              "hooks/pre-commit", ".pre-commit-config.yaml",
              "sql/phase_4_v3_tiered_scoring.sql", "sql/gate_summary.sql",
              ".git/HEAD"]:
        check(os.path.isfile(os.path.join(repo, f)), "init wrote " + f)
    check(os.access(os.path.join(repo, "hooks/pre-commit"), os.X_OK),
          "the hook is executable")
    check(not [n for n in os.listdir(work) if ".tmp." in n],
          "no staging folder left behind")
    reg = json.load(open(os.path.join(repo, "registry/model_registry_v3.json")))
    check(reg.get("versions") == [] and reg.get("production") is None,
          "the registry starts empty")

    # Refusals: an existing non-empty folder, a file; nothing changed.
    r = run([tg, "init", repo], work)
    check(r.returncode == 2 and "not empty" in r.stderr,
          "init refuses a non-empty folder: %d %s" % (r.returncode, r.stderr))
    open(os.path.join(work, "afile"), "w").write("x")
    r = run([tg, "init", os.path.join(work, "afile")], work)
    check(r.returncode == 2, "init refuses a file")
    check(open(os.path.join(work, "afile")).read() == "x", "the file is intact")
    os.mkdir(os.path.join(work, "empty"))
    r = run([tg, "init", "--no-git", os.path.join(work, "empty")], work)
    check(r.returncode == 0 and
          os.path.isfile(os.path.join(work, "empty/rules/model.json")) and
          not os.path.exists(os.path.join(work, "empty/.git")),
          "init fills an empty folder, --no-git")

    # The export the workflows read.
    os.makedirs(os.path.join(repo, "data"), exist_ok=True)
    r = run([tg, "synth", "-o", "data/leads.csv.gz"], repo)
    check(r.returncode == 0, "synth")

    def gate_expectation():
        g = json.load(open(os.path.join(repo, "reports/gate.json")))
        return 1 if g["status"] == "FAILED" else 0

    # GitHub Actions: every `run` step in order, with its env and CI vars.
    wf = yaml.safe_load(open(os.path.join(repo, ".github/workflows/tiergate.yml")))
    job = wf["jobs"]["gates"]
    summary = os.path.join(work, "step_summary.md")
    env = {"CI": "true", "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": summary, "GITHUB_WORKSPACE": repo}
    env.update({k: str(v) for k, v in job.get("env", {}).items()})
    steps = [s for s in job["steps"] if "run" in s]
    check(len(steps) >= 4, "the workflow has its steps")
    for s in steps:
        r = run(s["run"], repo, env, shell=True)
        if "gate --rules" in s["run"]:
            check(r.returncode == gate_expectation(),
                  "GitHub gate step exit %d matches gate.json" % r.returncode)
            check(r.returncode in (0, 1), "gate ran: " + r.stderr[-300:])
        else:
            check(r.returncode == 0, "GitHub step '%s': %s" % (s.get("name"), r.stderr[-300:]))
    for f in ["reports/junit.xml", "reports/gate.json", "reports/report.html"]:
        check(os.path.isfile(os.path.join(repo, f)), "GitHub job wrote " + f)
    check(os.path.isfile(summary) and os.path.getsize(summary) > 0,
          "the step summary was written")
    x = run(["xmllint", "--noout", os.path.join(repo, "reports/junit.xml")], repo)
    check(x.returncode == 0, "JUnit is well-formed XML")
    uploads = job["steps"][-1]["with"]["path"].split()
    check(all(os.path.isfile(os.path.join(repo, p)) for p in uploads),
          "every uploaded path exists")

    # GitLab: the job's script in order, with its variables.
    for f in ["reports/junit.xml", "reports/gate.json", "reports/report.html"]:
        os.remove(os.path.join(repo, f))
    gl = yaml.safe_load(open(os.path.join(repo, ".gitlab-ci.yml")))
    job = gl["tiergate-gates"]
    env = {"CI": "true", "GITLAB_CI": "true"}
    env.update({k: str(v) for k, v in job.get("variables", {}).items()})
    for line in job["script"]:
        r = run(line, repo, env, shell=True)
        if "gate --rules" in line:
            check(r.returncode == gate_expectation(), "GitLab gate exit matches")
        else:
            check(r.returncode == 0, "GitLab step '%s': %s" % (line, r.stderr[-300:]))
    check(os.path.isfile(os.path.join(repo, job["artifacts"]["reports"]["junit"])),
          "GitLab's JUnit report exists")

    # The pre-commit hook: passes as scaffolded, catches stale SQL.
    r = run(["sh", "hooks/pre-commit"], repo)
    check(r.returncode == 0, "pre-commit passes: " + r.stdout[-300:] + r.stderr[-300:])
    rules = os.path.join(repo, "rules/model.json")
    text = open(rules).read()
    open(rules, "w").write(text.replace("firm_rep_count_at_contact <= 10",
                                        "firm_rep_count_at_contact <= 12", 1))
    r = run(["sh", "hooks/pre-commit"], repo)
    check(r.returncode != 0, "pre-commit catches SQL the rules no longer generate")
    open(rules, "w").write(text)

    # A release on the empty registry (dry run: nothing written).
    r = run([tg, "release", "--rules", "rules/model.json", "--policy",
             "gates/policy.json", "--data", "data/leads.csv.gz", "--dry-run"], repo)
    check(r.returncode in (0, 1) and "registry" in r.stdout,
          "release --dry-run in the new repository: " + r.stderr[-300:])
finally:
    shutil.rmtree(work, ignore_errors=True)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
