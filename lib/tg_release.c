/*
 * The release pipeline. Steps run in the brief's order; every write is
 * atomic, and nothing is written before every input and every file to
 * be updated has been checked.
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
#include "tg_git.h"
#include "tg_json.h"
#include "tg_log.h"
#include "tg_registry.h"
#include "tg_report.h"
#include "tg_render.h"
#include "tg_sql.h"
#include "tg_summary.h"
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

/* Render a gate result in one of the writers' forms into memory. */
static char *render(const tg_gate_result *g, int kind, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    if (kind == 0) {
        cJSON *j = tg_gate_result_json(g);
        char *s = cJSON_Print(j);
        fprintf(f, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
    } else if (kind == 1) {
        tg_render_gate_markdown(f, g);
    } else if (kind == 3) {
        cJSON *j = tg_gate_result_json(g);
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
static int check_log(const char *path, tg_error *err)
{
    if (access(path, F_OK) != 0)
        return TG_OK; /* created by the first append */
    char *text = NULL;
    size_t len;
    tg_log log;
    int rc = tg_read_file(&text, &len, path, 256u << 20, err);
    if (rc)
        return rc;
    rc = tg_log_parse(&log, text, len, path, err);
    tg_log_release(&log);
    free(text);
    if (rc)
        return rc;
    char **problems = NULL;
    int n = 0, entries = 0;
    rc = tg_log_verify(path, NULL, &problems, &n, &entries, err);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        /* Hash mismatches make the log corrupt; a missing commit (say,
         * after a rebase) does not stop a release. */
        if (!bad && !strstr(problems[i], "does not exist") &&
            !strstr(problems[i], "cannot check")) {
            tg_error_set(err, TG_EINVAL, NULL, 0, 0, "%s", problems[i]);
            bad = 1;
        }
        free(problems[i]);
    }
    free(problems);
    return rc ? rc : bad ? TG_EINVAL : TG_OK;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

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
    cJSON *reg = NULL, *result = NULL, *updated = NULL, *cal = NULL;
    char **written = NULL;
    int nwritten = 0, rc;

    /* 1. Inputs and every file this run will update, before any write. */
    if ((rc = tg_rules_load(&rep->rules, o->rules_path, err)) ||
        (rc = tg_policy_load(&rep->policy, o->policy_path, rep->rules, err)) ||
        (rc = tg_registry_load(&reg, registry, err)) ||
        (rc = check_log(logp, err)))
        goto done;
    char tagname[256];
    snprintf(tagname, sizeof tagname, "%s", rep->rules->model_id);
    if (o->tag) {
        tg_git_facts g;
        if ((rc = tg_git_facts_get(&g, repo, NULL, err)))
            goto done;
        int dirty = g.dirty, in = g.in_repo && g.has_head;
        tg_git_facts_release(&g);
        int exists = 0;
        if (!in)
            rc = tg_error_set(err, TG_EINVAL, repo, 0, 0,
                              "--tag: not inside a git repository with a "
                              "commit");
        else if (dirty)
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
        tg_git_facts gf;
        if (tg_git_facts_get(&gf, repo, NULL, err) == TG_OK) {
            if (gf.has_head)
                snprintf(rep->gate.commit, sizeof rep->gate.commit, "%s",
                         gf.commit);
            tg_git_facts_release(&gf);
        }
    }
    int failed = rep->gate.status == TG_OVERALL_FAILED;
    act(rep, "gates: %s (%d pass, %d warn, %d fail, %d insufficient)",
        tg_overall_name(rep->gate.status), rep->gate.passed, rep->gate.warned,
        rep->gate.failed, rep->gate.insufficient);

    /* Everything to write, computed before the first write. */
    cJSON *gj = tg_gate_result_json(&rep->gate);
    char *gate_text = cJSON_Print(gj);
    if (gate_text) {
        result = cJSON_Parse(gate_text);
        cJSON_free(gate_text);
    }
    cJSON_Delete(gj);
    char dir[4096], files[4][4300];
    snprintf(dir, sizeof dir, "%s/%s", reports, rep->rules->model_version);
    static const char *names[4] = {"gate.json", "gate.md", "junit.xml",
                                   "report.html"};
    for (int k = 0; k < 4; k++)
        snprintf(files[k], sizeof files[k], "%s/%s", dir, names[k]);
    if (!failed) {
        /* HEAD was read once, into the gate result, above. */
        tg_registry_update_options uo = {o->date, rep->gate.commit, 0, NULL};
        rc = tg_registry_update(&updated, reg, rep->rules, result, files[0],
                                &uo, err);
        tg_calibrate_options co = {at, o->ci_method, o->ci_level,
                                   o->summary ? "summary" : "rows",
                                   o->summary ? &o->summary : o->data,
                                   o->summary ? 1 : o->ndata};
        if (rc || (rc = tg_calibrate(&cal, rep->rules, &rep->tally, &co, err)))
            goto done;
    }

    if (o->dry_run) {
        for (int k = 0; k < 4; k++)
            act(rep, "would write %s", files[k]);
        if (failed) {
            act(rep, "would leave %s and %s unchanged (a blocking gate "
                     "failed)", registry, calib);
        } else {
            act(rep, "would write %s", calib);
            for (int e = 0; e < TG_EMIT_COUNT; e++)
                act(rep, "would regenerate %s/%s", sqldir,
                    tg_emit_file((tg_emit)e));
            act(rep, "would update %s: %s -> %s (status %s)", registry,
                cJSON_GetStringValue(cJSON_GetObjectItem(reg, "model_version")),
                cJSON_GetStringValue(cJSON_GetObjectItem(updated,
                                                         "model_version")),
                cJSON_GetStringValue(cJSON_GetObjectItem(updated, "status")));
        }
        act(rep, "would append a %s entry to %s",
            tg_overall_name(rep->gate.status), logp);
        if (o->tag && !failed)
            act(rep, "would tag HEAD as %s", tagname);
        goto done;
    }

    /* 4. The gate report, pass or fail. */
    written = calloc(16, sizeof *written);
    if ((rc = mkdirs(dir, err)))
        goto done;
    for (int k = 0; k < 4; k++) {
        size_t len;
        char *text = render(&rep->gate, k, &len);
        if (!text) {
            rc = tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        rc = tg_write_atomic(files[k], text, len, err);
        free(text);
        if (rc)
            goto done;
        written[nwritten++] = files[k];
        act(rep, "wrote %s", files[k]);
    }

    /* 5. Steps 3-7 and 9, only when no blocking gate failed. */
    char sqlpaths[TG_EMIT_COUNT][4300];
    if (failed) {
        act(rep, "left %s and %s unchanged: a blocking gate failed", registry,
            calib);
    } else {
        if ((rc = tg_json_write_atomic(cal, calib, err)))
            goto done;
        written[nwritten++] = (char *)calib;
        act(rep, "wrote %s", calib);
        if ((rc = mkdirs(sqldir, err)))
            goto done;
        char regen[4300];
        snprintf(regen, sizeof regen, "tiergate sql --rules %s --out-dir DIR",
                 o->rules_path);
        tg_sql_options sq = {TG_DIALECT_BIGQUERY, NULL, NULL, regen};
        for (int e = 0; e < TG_EMIT_COUNT; e++) {
            char *text = NULL;
            snprintf(sqlpaths[e], sizeof sqlpaths[e], "%s/%s", sqldir,
                     tg_emit_file((tg_emit)e));
            if ((rc = tg_sql_generate(&text, rep->rules, (tg_emit)e, &sq, err)))
                goto done;
            rc = tg_write_atomic(sqlpaths[e], text, strlen(text), err);
            free(text);
            if (rc)
                goto done;
        }
        act(rep, "regenerated the %d files of %s", TG_EMIT_COUNT, sqldir);
        if ((rc = tg_json_write_atomic(updated, registry, err)))
            goto done;
        written[nwritten++] = (char *)registry;
        act(rep, "updated %s to %s (status %s)", registry,
            cJSON_GetStringValue(cJSON_GetObjectItem(updated, "model_version")),
            cJSON_GetStringValue(cJSON_GetObjectItem(updated, "status")));
    }

    /* 6. Step 10: the log, pass or fail. */
    tg_log_append_options lo = {result, rep->rules, at, seconds_since(&t0),
                                repo, (const char *const *)written, nwritten};
    if ((rc = tg_log_append(logp, &lo, err)))
        goto done;
    act(rep, "appended a %s entry to %s", tg_overall_name(rep->gate.status),
        logp);

    if (o->tag && !failed) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s %s: %s\n", rep->rules->model_id,
                 rep->rules->model_version, tg_overall_name(rep->gate.status));
        if ((rc = tg_git_tag_head(repo, tagname, msg, err)))
            goto done;
        act(rep, "tagged HEAD as %s", tagname);
    }
done:
    free(written);
    cJSON_Delete(reg);
    cJSON_Delete(result);
    cJSON_Delete(updated);
    cJSON_Delete(cal);
    return rc;
}
