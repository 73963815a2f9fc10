/*
 * The checks a release makes before it writes anything: its options,
 * the repository, the registry and the log (a corrupt one stops the
 * run), the rule set and policy, the report folder, --tag's
 * preconditions and the data's schema.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_escape.h"
#include "tg_log.h"
#include "tg_registry.h"
#include "tg_release_internal.h"
#include "tg_scan.h"
#include "tg_util.h"

void tg_release_act(tg_release_report *r, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **n = realloc(r->actions, (size_t)(r->nactions + 1) * sizeof *n);
    if (!n)
        return;
    r->actions = n;
    r->actions[r->nactions++] = strdup(buf);
}

/* The log entry links the release to a commit: outside a repository the
 * append would fail after the reports and the registry were written, so
 * that is found out first. */
static int check_in_repository(const char *repo, tg_error *err)
{
    tg_git_facts g;
    int rc = tg_git_facts_get(&g, repo, NULL, err);
    if (rc)
        return rc;
    int in = g.in_repo;
    tg_git_facts_release(&g);
    return in ? TG_OK
              : tg_error_set(err, TG_EINVAL, repo, 0, 0,
                             "not inside a git repository: a release is "
                             "logged against a commit; run it in the model's "
                             "repository");
}

/* Whether a problem of this kind stops a release: the log's text is no
 * longer what was written (the chain of hashes broken, entries cut off,
 * the registry's record of it unreadable). A commit that no longer
 * exists (say, after a rebase) or that cannot be checked does not. */
static int blocks_release(tg_log_problem_kind kind)
{
    switch (kind) {
    case TG_LOG_PROBLEM_MISSING_COMMIT:
    case TG_LOG_PROBLEM_CANNOT_CHECK_COMMIT:
        return 0;
    case TG_LOG_PROBLEM_REWRITTEN_BEFORE:
    case TG_LOG_PROBLEM_EDITED:
    case TG_LOG_PROBLEM_BAD_REGISTRY_RECORD:
    case TG_LOG_PROBLEM_TRUNCATED:
    case TG_LOG_PROBLEM_PREFIX_CHANGED:
        return 1;
    }
    return 1;
}

/* Preflight: a log that does not parse or whose hashes break. */
static int check_log(const char *path, const char *repo, const cJSON *reg,
                     tg_error *err)
{
    if (access(path, F_OK) != 0)
        return TG_OK; /* created by the first append */
    tg_log_problem *problems = NULL;
    int n = 0, entries = 0;
    int rc = tg_log_verify(path, repo, reg, &problems, &n, &entries, err);
    if (rc)
        return rc;
    int bad = 0;
    for (int i = 0; i < n && !bad; i++)
        if (blocks_release(problems[i].kind)) {
            tg_error_set(err, TG_EINVAL, NULL, 0, 0, "%s", problems[i].message);
            bad = 1;
        }
    tg_log_problems_free(problems, n);
    return bad ? TG_EINVAL : TG_OK;
}

/*
 * The report folder is reports/<model_version>: the version must be a
 * plain folder name (tg_path_name_ok: no '/', no "..", nothing hidden),
 * and once links are resolved the folder must lie inside the reports
 * folder, itself inside the repository, so that a rule set or a link
 * committed under reports/ cannot send the files anywhere else. Called
 * before anything is written and again once the folders exist.
 */
int tg_release_check_reports_dir(const char *reports, const char *repo,
                                 const tg_rules *rules, tg_error *err)
{
    if (!tg_path_name_ok(rules->model_version)) {
        char shown[96];
        return tg_error_set(err, TG_EINVAL, rules->path, 0, 0,
                            "key 'model_version': '%s' cannot name the "
                            "report folder: use 1 to 64 of A-Z a-z 0-9 . _ - "
                            "(not starting with '.' or '-', no '..')",
                            tg_esc_term_buf(rules->model_version, shown,
                                            sizeof shown));
    }
    char dir[TG_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", reports, rules->model_version);
    int in_repo = 0, in_reports = 0, rc;
    if ((rc = tg_path_within(reports, repo, &in_repo, err)))
        return rc;
    in_reports = 1; /* a reports folder yet to be made holds no link */
    if (access(reports, F_OK) == 0 &&
        (rc = tg_path_within(dir, reports, &in_reports, err)))
        return rc;
    if (!in_repo)
        return tg_error_set(err, TG_EINVAL, reports, 0, 0,
                            "the reports folder is outside the repository "
                            "(%s); reports are written inside it",
                            repo);
    if (!in_reports)
        return tg_error_set(err, TG_EINVAL, dir, 0, 0,
                            "leads outside %s (a symbolic link?); reports are "
                            "written inside it",
                            reports);
    return TG_OK;
}

int tg_release_check_options(const tg_release_options *o, tg_error *err)
{
    const char *missing = !o->rules_path         ? "rules_path"
                        : !o->policy_path        ? "policy_path"
                        : !o->reports_dir        ? "reports_dir"
                        : !o->registry_path      ? "registry_path"
                        : !o->log_path           ? "log_path"
                        : !o->sql_dir            ? "sql_dir"
                        : !o->calibration_path   ? "calibration_path"
                        : !o->repo_dir           ? "repo_dir"
                        : !o->sql_regenerate     ? "sql_regenerate"
                                                 : NULL;
    if (missing)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "release: the option %s is not set", missing);
    if (!o->summary && o->ndata < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "release: no data and no summary");
    return TG_OK;
}

/* --tag: only a clean tree with a commit, and a tag not yet taken. */
static int check_tag(release_run *x, tg_error *err)
{
    const char *repo = x->o->repo_dir;
    int exists = 0, rc;
    snprintf(x->tagname, sizeof x->tagname, "%s", x->rep->rules->model_id);
    if (!x->git.in_repo || !x->git.has_head)
        return tg_error_set(err, TG_EINVAL, repo, 0, 0,
                            "--tag: not inside a git repository with a "
                            "commit");
    if (x->git.dirty)
        return tg_error_set(err, TG_EINVAL, repo, 0, 0,
                            "--tag: refusing to tag HEAD while the tree has "
                            "uncommitted changes (commit them first)");
    if ((rc = tg_git_tag_exists(repo, x->tagname, &exists, err)))
        return rc;
    if (exists)
        return tg_error_set(err, TG_EINVAL, repo, 0, 0,
                            "--tag: tag '%s' already exists", x->tagname);
    return TG_OK;
}

/* Whether the tree was dirty is a fact about the inputs, not about what
 * this run writes: git is read before anything is written. */
int tg_release_preflight(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    int rc;
    if ((rc = check_in_repository(o->repo_dir, err)) ||
        (rc = tg_trail_open(&x->trail, o->registry_path, o->log_path, x->dirs,
                            2, err)))
        return rc;
    if (x->trail.recovered)
        tg_release_act(x->rep, "completed the transaction of an earlier run that was "
                    "interrupted");
    rc = tg_registry_load(&x->reg, o->registry_path, err);
    if (rc == TG_OK)
        rc = check_log(o->log_path, o->repo_dir, x->reg, err);
    if (rc == TG_OK &&
        (rc = tg_log_git_facts(&x->git, o->log_path, o->repo_dir, err)) ==
            TG_OK)
        x->have_git = 1;
    tg_trail_close(&x->trail);
    if (rc || (rc = tg_rules_load(&x->rep->rules, o->rules_path, err)) ||
        (rc = tg_policy_load(&x->rep->policy, o->policy_path, x->rep->rules,
                             err)) ||
        (rc = tg_release_check_reports_dir(o->reports_dir, o->repo_dir, x->rep->rules,
                                err)) ||
        (o->tag && (rc = check_tag(x, err))))
        return rc;
    tg_git_whoami(o->repo_dir, x->author, sizeof x->author);
    if (tg_git_relpath(o->repo_dir, o->rules_path, x->rules_rel,
                       sizeof x->rules_rel))
        snprintf(x->rules_rel, sizeof x->rules_rel, "%s", o->rules_path);
    tg_release_act(x->rep, "checked %s, %s, %s and %s", o->rules_path, o->policy_path,
        o->registry_path, o->log_path);
    return TG_OK;
}

/* A summary has no features: only rows are checked. */
int tg_release_check_schema(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    const tg_rules *rules = x->rep->rules;
    if (o->summary)
        return TG_OK;
    tg_schema_report sr;
    int rc = tg_schema_check(&sr, rules, o->data, o->ndata, o->date_config,
                             err);
    if (rc == TG_OK && (sr.missing || !sr.has_target)) {
        for (int f = 0; f < rules->nfeatures && !rc; f++)
            if (sr.features[f].used && !sr.features[f].column)
                rc = tg_error_set(err, TG_EINVAL, sr.missing_file, 0, 0,
                                  "missing column '%s'",
                                  rules->features[f].name);
        if (!rc)
            rc = tg_error_set(err, TG_EINVAL, o->data[0], 0, 0,
                              "missing column 'target'");
    }
    if (rc == TG_OK)
        tg_release_act(x->rep, "schema: every feature the rules use is present (%llu "
                    "rows)",
            (unsigned long long)sr.rows);
    tg_schema_report_release(&sr);
    return rc;
}

