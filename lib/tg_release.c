/*
 * The release pipeline. Steps run in the checklist's order. Nothing is
 * written before every input and every file to be updated has been
 * checked, and git has been read (so the log says whether the tree was
 * dirty before this run, not after). The gate report goes into a fresh
 * evidence folder; then, under the trail's locks, the calibration, the
 * SQL, the registry and the log are replaced as one transaction
 * (tg_journal.h): after a crash at any point the next command sees all
 * of them new or all of them old.
 */
#include "tg_release.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tg_calibrate.h"
#include "tg_escape.h"
#include "tg_evidence.h"
#include "tg_git.h"
#include "tg_journal.h"
#include "tg_json.h"
#include "tg_log.h"
#include "tg_plan.h"
#include "tg_registry.h"
#include "tg_report.h"
#include "tg_render.h"
#include "tg_sql.h"
#include "tg_summary.h"
#include "tg_trail.h"
#include "tg_util.h"

static void act(tg_release_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void act(tg_release_report *r, const char *fmt, ...)
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

void tg_release_report_release(tg_release_report *r)
{
    if (!r)
        return;
    if (r->have_gate)
        tg_gate_result_release(&r->gate);
    if (r->tally.cells)
        tg_tally_release(&r->tally);
    tg_policy_free(r->policy);
    tg_rules_free(r->rules);
    for (int i = 0; i < r->nactions; i++)
        free(r->actions[i]);
    free(r->actions);
    memset(r, 0, sizeof *r);
}

/* The gate JSON with how reliable its verdict is. */
static cJSON *gate_json(const tg_gate_result *g, const tg_plan *plan)
{
    cJSON *j = tg_gate_result_json(g);
    if (plan)
        cJSON_AddItemToObject(j, "reliability", tg_plan_json(plan, g));
    return j;
}

/* Render a gate result in one of the writers' forms into memory. */
static char *render(const tg_gate_result *g, const tg_plan *plan, int kind,
                    size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    if (kind == 0) {
        cJSON *j = gate_json(g, plan);
        char *s = cJSON_Print(j);
        fprintf(f, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
    } else if (kind == 1) {
        tg_render_gate_markdown(f, g);
        if (plan) {
            fprintf(f, "\n");
            tg_render_plan_markdown(f, plan, g);
        }
    } else if (kind == 3) {
        cJSON *j = gate_json(g, plan);
        tg_report_html(f, j, NULL);
        cJSON_Delete(j);
    } else {
        tg_render_gate_junit(f, g);
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int mkdirs(const char *path, tg_error *err)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return tg_error_set(err, TG_EIO, buf, 0, 0,
                                    "cannot create the folder: %s",
                                    strerror(errno));
            *p = '/';
        }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return tg_error_set(err, TG_EIO, buf, 0, 0,
                            "cannot create the folder: %s", strerror(errno));
    return TG_OK;
}

/* Preflight: a log that does not parse or whose hashes break. */
static int check_log(const char *path, const char *repo, const cJSON *reg,
                     tg_error *err)
{
    if (access(path, F_OK) != 0)
        return TG_OK; /* created by the first append */
    char **problems = NULL;
    int n = 0, entries = 0;
    int rc = tg_log_verify(path, repo, reg, &problems, &n, &entries, err);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        /* Hash mismatches make the log corrupt; a missing commit (say,
         * after a rebase) does not stop a release. */
        if (!rc && !bad && !strstr(problems[i], "does not exist") &&
            !strstr(problems[i], "cannot check")) {
            tg_error_set(err, TG_EINVAL, NULL, 0, 0, "%s", problems[i]);
            bad = 1;
        }
        free(problems[i]);
    }
    free(problems);
    return rc ? rc : bad ? TG_EINVAL : TG_OK;
}

/*
 * The report folder is reports/<model_version>: the version must be a
 * plain folder name (tg_path_name_ok: no '/', no "..", nothing hidden),
 * and once links are resolved the folder must lie inside the reports
 * folder, itself inside the repository, so that a rule set or a link
 * committed under reports/ cannot send the files anywhere else. Called
 * before anything is written and again once the folders exist.
 */
static int check_reports_dir(const char *reports, const char *repo,
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
    char dir[4096];
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

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static const char *str_at(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Who runs the release (every transition records it) and the rule file
 * as a path in the work tree (what verify reads back at the commit). */
typedef struct {
    char author[512];
    char rules_rel[4096];
} who;

int tg_release_run(tg_release_report *rep, const tg_release_options *o,
                   tg_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    const char *reports = o->reports_dir ? o->reports_dir : "reports";
    const char *registry = o->registry_path ? o->registry_path
                                            : "registry/model_registry_v3.json";
    const char *logp = o->log_path ? o->log_path : "EXECUTION_LOG.md";
    const char *sqldir = o->sql_dir ? o->sql_dir : "sql";
    const char *calib = o->calibration_path ? o->calibration_path
                                            : "registry/tier_statistics.json";
    const char *repo = o->repo_dir ? o->repo_dir : ".";
    char now[32];
    const char *at = o->at ? o->at : tg_now_iso(now);
    cJSON *reg = NULL, *result = NULL, *cal = NULL, *cite = NULL;
    char *texts[4] = {NULL, NULL, NULL, NULL};
    size_t lens[4] = {0, 0, 0, 0};
    char *sqltext[TG_EMIT_COUNT] = {NULL};
    char *logtext = NULL, *regtext = NULL, *caltext = NULL;
    char **written = NULL;
    int nwritten = 0, rc, have_git = 0, locked = 0, have_plan = 0;
    tg_plan plan;
    tg_git_facts git;
    memset(&git, 0, sizeof git);
    tg_trail trail;
    who w;
    memset(&w, 0, sizeof w);
    char caldir[4096];
    tg_dirname(calib, caldir, sizeof caldir);
    const char *dirs[2] = {caldir, sqldir};

    /* 1. A dead run's transaction completed first; then every input and
     * every file this run will update, before any write. */
    if ((rc = check_in_repository(repo, err)) ||
        (rc = tg_trail_open(&trail, registry, logp, dirs, 2, err)))
        goto done;
    if (trail.recovered)
        act(rep, "completed the transaction of an earlier run that was "
                 "interrupted");
    rc = tg_registry_load(&reg, registry, err);
    if (rc == TG_OK)
        rc = check_log(logp, repo, reg, err);
    /* Git before anything is written: whether the tree was dirty is a
     * fact about the inputs, not about what this run writes. */
    if (rc == TG_OK && (rc = tg_log_git_facts(&git, logp, repo, err)) == TG_OK)
        have_git = 1;
    tg_trail_close(&trail);
    if (rc || (rc = tg_rules_load(&rep->rules, o->rules_path, err)) ||
        (rc = tg_policy_load(&rep->policy, o->policy_path, rep->rules, err)) ||
        (rc = check_reports_dir(reports, repo, rep->rules, err)))
        goto done;
    char tagname[256];
    snprintf(tagname, sizeof tagname, "%s", rep->rules->model_id);
    if (o->tag) {
        int exists = 0;
        if (!git.in_repo || !git.has_head)
            rc = tg_error_set(err, TG_EINVAL, repo, 0, 0,
                              "--tag: not inside a git repository with a "
                              "commit");
        else if (git.dirty)
            rc = tg_error_set(err, TG_EINVAL, repo, 0, 0,
                              "--tag: refusing to tag HEAD while the tree has "
                              "uncommitted changes (commit them first)");
        else if ((rc = tg_git_tag_exists(repo, tagname, &exists, err)) == 0 &&
                 exists)
            rc = tg_error_set(err, TG_EINVAL, repo, 0, 0,
                              "--tag: tag '%s' already exists", tagname);
        if (rc)
            goto done;
    }
    tg_git_whoami(repo, w.author, sizeof w.author);
    if (tg_git_relpath(repo, o->rules_path, w.rules_rel, sizeof w.rules_rel))
        snprintf(w.rules_rel, sizeof w.rules_rel, "%s", o->rules_path);
    act(rep, "checked %s, %s, %s and %s", o->rules_path, o->policy_path,
        registry, logp);

    /* 2. Step 1: the schema (rows only; a summary has no features). */
    if (!o->summary) {
        tg_schema_report sr;
        if ((rc = tg_schema_check(&sr, rep->rules, o->data, o->ndata,
                                  o->date_config, err))) {
            tg_schema_report_release(&sr);
            goto done;
        }
        if (sr.missing || !sr.has_target) {
            for (int f = 0; f < rep->rules->nfeatures; f++)
                if (sr.features[f].used && !sr.features[f].column) {
                    rc = tg_error_set(err, TG_EINVAL, sr.missing_file, 0, 0,
                                      "missing column '%s'",
                                      rep->rules->features[f].name);
                    break;
                }
            if (!rc)
                rc = tg_error_set(err, TG_EINVAL, o->data[0], 0, 0,
                                  "missing column 'target'");
            tg_schema_report_release(&sr);
            goto done;
        }
        act(rep, "schema: every feature the rules use is present (%llu rows)",
            (unsigned long long)sr.rows);
        tg_schema_report_release(&sr);
    }

    /* 3. Step 2 and 8: tally and gates. */
    if (o->summary) {
        if ((rc = tg_summary_load(&rep->tally, rep->rules, o->summary, err)) ||
            (rc = tg_sha256_file(o->summary, rep->tally.input_sha256, err)))
            goto done;
    } else {
        tg_scan_options so = TG_SCAN_OPTIONS_INIT;
        so.paths = o->data;
        so.npaths = o->ndata;
        so.date_config = o->date_config;
        so.on_bad_row = o->on_bad_row;
        so.threads = o->threads;
        so.fingerprint = 1;
        tg_error skip;
        if ((rc = tg_tally_init(&rep->tally, rep->rules, err)) ||
            (rc = tg_scan(&rep->tally, rep->rules, &so, &skip, err)))
            goto done;
    }
    if ((rc = tg_gate_run(&rep->gate, rep->rules, rep->policy, &rep->tally,
                          o->ci_method, o->ci_level, o->strict, err)))
        goto done;
    rep->have_gate = 1;
    {
        /* How reliable the verdict is, for the report and the evidence. */
        tg_gate_options gopt = tg_gate_options_default();
        gopt.ci_method = o->ci_method;
        gopt.ci_level = o->ci_level;
        tg_plan_options popt = tg_plan_options_default();
        if ((rc = tg_plan_compute(&plan, &rep->gate, &rep->tally, &gopt,
                                  &popt, err)))
            goto done;
        have_plan = 1;
    }
    if (git.has_head) /* HEAD as read before any write */
        snprintf(rep->gate.commit, sizeof rep->gate.commit, "%s", git.commit);
    int failed = rep->gate.status == TG_OVERALL_FAILED;
    act(rep, "gates: %s (%d pass, %d warn, %d fail, %d insufficient, %d "
             "inconclusive)",
        tg_overall_name(rep->gate.status), rep->gate.passed, rep->gate.warned,
        rep->gate.failed, rep->gate.insufficient, rep->gate.inconclusive);

    /* Everything to write, computed before the first write. */
    static const char *names[4] = {"gate.json", "gate.md", "junit.xml",
                                   "report.html"};
    for (int k = 0; k < 4; k++)
        if (!(texts[k] = render(&rep->gate, have_plan ? &plan : NULL, k,
                                &lens[k]))) {
            rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
    if ((rc = tg_json_parse(&result, texts[0], "gate.json", err)))
        goto done;
    char run_id[96], date_sha[65] = "";
    const char *data_sha = rep->gate.input_sha256[0] ? rep->gate.input_sha256
                                                     : rep->tally.input_sha256;
    tg_run_id(run_id, at, data_sha);
    tg_error ignored;
    int have_date_sha = !o->summary && o->date_config &&
                        tg_sha256_file(o->date_config, date_sha, &ignored) == TG_OK;
    if (!failed) {
        tg_calibrate_options co = {at, o->ci_method, o->ci_level,
                                   o->summary ? "summary" : "rows",
                                   o->summary ? &o->summary : o->data,
                                   o->summary ? 1 : o->ndata};
        if ((rc = tg_calibrate(&cal, rep->rules, &rep->tally, &co, err)))
            goto done;
    }

    if (o->dry_run) {
        cJSON *copy = cJSON_Duplicate(reg, 1);
        tg_entry_options eo = {o->date, git.commit, w.rules_rel, run_id, NULL,
                               NULL};
        tg_transition_info ti = {at, w.author, git.commit, NULL, 0};
        const char *v = NULL;
        rc = tg_registry_add(copy, rep->rules, result, &eo, &ti, &v, err);
        for (int k = 0; rc == TG_OK && k < 4; k++)
            act(rep, "would write %s/%s/%s/%s", reports,
                rep->rules->model_version, run_id, names[k]);
        if (rc == TG_OK && failed) {
            act(rep, "would record %s in %s as rejected (production stays "
                     "%s); %s unchanged", v, registry,
                str_at(reg, "production") ? str_at(reg, "production") : "none",
                calib);
        } else if (rc == TG_OK) {
            act(rep, "would write %s", calib);
            for (int e = 0; e < TG_EMIT_COUNT; e++)
                act(rep, "would regenerate %s/%s", sqldir,
                    tg_emit_file((tg_emit)e));
            act(rep, "would update %s: %s -> %s (production; %s archived)",
                registry,
                str_at(reg, "production") ? str_at(reg, "production") : "none",
                v, str_at(reg, "production") ? str_at(reg, "production")
                                             : "nothing");
        }
        cJSON_Delete(copy);
        if (rc)
            goto done;
        act(rep, "would append a %s entry to %s",
            tg_overall_name(rep->gate.status), logp);
        if (o->tag && !failed)
            act(rep, "would tag HEAD as %s", tagname);
        goto done;
    }

    /* 4. The evidence, pass or fail, in a folder no run ever reuses,
     * inside the reports folder (checked again: links may have moved). */
    char evdir[4400];
    tg_evidence_file ev[4];
    for (int k = 0; k < 4; k++)
        ev[k] = (tg_evidence_file){names[k], texts[k], lens[k]};
    if ((rc = check_reports_dir(reports, repo, rep->rules, err)) ||
        (rc = tg_evidence_write(evdir, sizeof evdir, reports,
                                rep->rules->model_version, run_id, ev, 4,
                                err)) ||
        (rc = check_reports_dir(reports, repo, rep->rules, err)))
        goto done;
    cite = tg_evidence_cite(evdir, ev, 4, repo);
    const char *run_dir = strrchr(evdir, '/') ? strrchr(evdir, '/') + 1 : evdir;
    act(rep, "wrote the gate report into %s/", evdir);

    /* 5. Steps 3-7, 9 and 10 as one transaction, under the locks. */
    int nfiles = 0;
    tg_journal_file files[TG_EMIT_COUNT + 3];
    char sqlpaths[TG_EMIT_COUNT][4300];
    written = calloc(TG_EMIT_COUNT + 8, sizeof *written);
    if (!written) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    char evfiles[4][4500];
    for (int k = 0; k < 4; k++) {
        snprintf(evfiles[k], sizeof evfiles[k], "%s/%s", evdir, names[k]);
        written[nwritten++] = evfiles[k];
    }
    if (!failed) {
        char dir[4096];
        if ((rc = mkdirs(tg_dirname(calib, dir, sizeof dir), err)) ||
            (rc = mkdirs(sqldir, err)))
            goto done;
        if (!(caltext = cJSON_Print(cal))) {
            rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        size_t cl = strlen(caltext);
        char *c2 = realloc(caltext, cl + 2);
        if (!c2) {
            rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        caltext = c2;
        memcpy(caltext + cl, "\n", 2);
        files[nfiles++] = (tg_journal_file){calib, caltext, cl + 1, 0};
        written[nwritten++] = (char *)calib;
        char regen[4300];
        snprintf(regen, sizeof regen, "tiergate sql --rules %s --out-dir DIR",
                 o->rules_path);
        tg_sql_options sq = {TG_DIALECT_BIGQUERY, NULL, NULL, regen, NULL, NULL, 0};
        for (int e = 0; e < TG_EMIT_COUNT; e++) {
            snprintf(sqlpaths[e], sizeof sqlpaths[e], "%s/%s", sqldir,
                     tg_emit_file((tg_emit)e));
            if ((rc = tg_sql_generate(&sqltext[e], rep->rules, (tg_emit)e, &sq,
                                      err)))
                goto done;
            files[nfiles++] = (tg_journal_file){sqlpaths[e], sqltext[e],
                                                strlen(sqltext[e]), 0};
            written[nwritten++] = sqlpaths[e];
        }
    }
    written[nwritten++] = (char *)registry;

    if ((rc = tg_trail_open(&trail, registry, logp, dirs, 2, err)))
        goto done;
    locked = 1;
    tg_step("locked", registry);
    /* Re-read under the lock: another run may have changed it since. */
    cJSON_Delete(reg);
    reg = NULL;
    if ((rc = tg_registry_load(&reg, registry, err)))
        goto done;

    const char *inputs[8];
    int ninputs = 0;
    inputs[ninputs++] = o->rules_path;
    inputs[ninputs++] = o->policy_path;
    if (have_date_sha)
        inputs[ninputs++] = o->date_config;
    if (o->summary)
        inputs[ninputs++] = o->summary;
    tg_log_append_options lo = {result, rep->rules, at, seconds_since(&t0),
                                repo, (const char *const *)written, nwritten,
                                inputs, ninputs,
                                have_date_sha ? date_sha : NULL, &git};
    size_t loglen = 0;
    if ((rc = tg_log_compose(&logtext, &loglen, logp, &lo, err)))
        goto done;
    char logsha[65];
    tg_sha256_buffer(logtext, loglen, logsha);
    cJSON *anchor = cJSON_CreateObject();
    char logrel[4096];
    cJSON_AddStringToObject(anchor, "file",
                            tg_git_relpath(repo, logp, logrel, sizeof logrel)
                                ? logp : logrel);
    cJSON_AddNumberToObject(anchor, "bytes", (double)loglen);
    cJSON_AddStringToObject(anchor, "sha256", logsha);
    tg_entry_options eo = {o->date, git.commit, w.rules_rel, run_dir, cite,
                           anchor};
    tg_transition_info ti = {at, w.author, git.commit, NULL, 0};
    const char *version = NULL;
    rc = tg_registry_add(reg, rep->rules, result, &eo, &ti, &version, err);
    cJSON_Delete(anchor);
    if (rc == TG_OK && !failed) {
        ti.reason = "released: the gates passed";
        rc = tg_registry_promote(reg, version, &ti, err);
    }
    if (rc)
        goto done;
    char vbuf[200];
    snprintf(vbuf, sizeof vbuf, "%s", version);
    if (!(regtext = cJSON_Print(reg))) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    size_t rl = strlen(regtext);
    char *r2 = realloc(regtext, rl + 2);
    if (!r2) {
        rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    regtext = r2;
    memcpy(regtext + rl, "\n", 2);
    files[nfiles++] = (tg_journal_file){registry, regtext, rl + 1, 0};
    files[nfiles++] = (tg_journal_file){logp, logtext, loglen, 1};
    char journal[4200];
    tg_trail_journal_path(registry, journal, sizeof journal);
    char root[4096];
    if ((rc = tg_journal_run(journal, tg_trail_root(registry, root, sizeof root),
                             files, nfiles, err)))
        goto done;
    tg_trail_close(&trail);
    locked = 0;
    if (!failed) {
        act(rep, "wrote %s and regenerated the %d files of %s", calib,
            TG_EMIT_COUNT, sqldir);
        act(rep, "registered %s in %s and promoted it to production", vbuf,
            registry);
    } else {
        act(rep, "recorded %s in %s as rejected: a blocking gate failed "
                 "(production and %s unchanged)", vbuf, registry, calib);
    }
    act(rep, "appended a %s entry to %s (log SHA-256 through it: %.16s...)",
        tg_overall_name(rep->gate.status), logp, logsha);

    if (o->tag && !failed) {
        char msg[6000];
        snprintf(msg, sizeof msg,
                 "%s %s: %s\n\nregistry version: %s\nevidence: %s\n"
                 "log: %s, SHA-256 of its first %zu bytes (through this "
                 "release's entry): %s\n",
                 rep->rules->model_id, rep->rules->model_version,
                 tg_overall_name(rep->gate.status), vbuf, evdir, logp, loglen,
                 logsha);
        if ((rc = tg_git_tag_head(repo, tagname, msg, err)))
            goto done;
        act(rep, "tagged HEAD as %s", tagname);
    }
done:
    if (have_plan)
        tg_plan_release(&plan);
    if (locked)
        tg_trail_close(&trail);
    if (have_git)
        tg_git_facts_release(&git);
    free(written);
    for (int k = 0; k < 4; k++)
        free(texts[k]);
    for (int e = 0; e < TG_EMIT_COUNT; e++)
        free(sqltext[e]);
    free(logtext);
    cJSON_free(regtext);
    cJSON_free(caltext);
    cJSON_Delete(reg);
    cJSON_Delete(result);
    cJSON_Delete(cal);
    cJSON_Delete(cite);
    return rc;
}
