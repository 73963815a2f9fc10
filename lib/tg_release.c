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
#include "tg_release_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_calibrate.h"
#include "tg_evidence.h"
#include "tg_gate_output.h"
#include "tg_json.h"
#include "tg_log.h"
#include "tg_registry.h"
#include "tg_sql.h"
#include "tg_summary.h"
#include "tg_util.h"

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

/* The evidence files of a run, in the order the forms are rendered. */
static const char *const evidence_names[EVIDENCE_FILES] = {
    "gate.json", "gate.md", "junit.xml", "report.html"};
static const tg_gate_output evidence_forms[EVIDENCE_FILES] = {
    TG_GATE_OUT_JSON, TG_GATE_OUT_MARKDOWN, TG_GATE_OUT_JUNIT,
    TG_GATE_OUT_HTML};

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

static int out_of_memory(tg_error *err)
{
    return tg_error_oom(err, NULL);
}

/* cJSON_Print with a final newline, as every JSON file ends. */
static char *print_json_line(const cJSON *j, size_t *len)
{
    char *text = cJSON_Print(j);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *t = realloc(text, n + 2);
    if (!t) {
        cJSON_free(text);
        return NULL;
    }
    memcpy(t + n, "\n", 2);
    *len = n + 1;
    return t;
}

/* Step 3: the tally, from rows or from a warehouse summary. */
static int tally(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    tg_release_report *rep = x->rep;
    if (o->summary) {
        int rc = tg_summary_load(&rep->tally, rep->rules, o->summary, err);
        return rc ? rc : tg_sha256_file(o->summary, rep->tally.input_sha256,
                                        err);
    }
    tg_scan_options so = TG_SCAN_OPTIONS_INIT;
    so.paths = o->data;
    so.npaths = o->ndata;
    so.date_config = o->date_config;
    so.on_bad_row = o->on_bad_row;
    so.threads = o->threads;
    so.fingerprint = 1;
    tg_error skip;
    int rc = tg_tally_init(&rep->tally, rep->rules, err);
    return rc ? rc : tg_scan(&rep->tally, rep->rules, &so, &skip, err);
}

/* Step 4: the gates, and how reliable their verdict is. */
static int judge(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    tg_release_report *rep = x->rep;
    int rc = tg_gate_run(&rep->gate, rep->rules, rep->policy, &rep->tally,
                         o->ci_method, o->ci_level, o->strict, err);
    if (rc)
        return rc;
    rep->have_gate = 1;
    tg_gate_options gopt = tg_gate_options_default();
    gopt.ci_method = o->ci_method;
    gopt.ci_level = o->ci_level;
    tg_plan_options popt = tg_plan_options_default();
    if ((rc = tg_plan_compute(&x->plan, &rep->gate, &rep->tally, &gopt, &popt,
                              err)))
        return rc;
    x->have_plan = 1;
    if (x->git.has_head) /* HEAD as read before any write */
        snprintf(rep->gate.commit, sizeof rep->gate.commit, "%s",
                 x->git.commit);
    x->failed = rep->gate.status == TG_OVERALL_FAILED;
    tg_release_act(rep, "gates: %s (%d pass, %d warn, %d fail, %d insufficient, %d "
             "inconclusive)",
        tg_overall_name(rep->gate.status), rep->gate.passed, rep->gate.warned,
        rep->gate.failed, rep->gate.insufficient, rep->gate.inconclusive);
    return TG_OK;
}

/* Step 5: everything the run writes, computed before the first write. */
static int compose_outputs(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    tg_release_report *rep = x->rep;
    for (int k = 0; k < EVIDENCE_FILES; k++)
        if (!(x->texts[k] = tg_gate_output_string(
                  &rep->gate, x->have_plan ? &x->plan : NULL,
                  evidence_forms[k], NULL, &x->lens[k])))
            return out_of_memory(err);
    int rc = tg_json_parse(&x->result, x->texts[0], "gate.json", err);
    if (rc)
        return rc;
    const char *data_sha = rep->gate.input_sha256[0] ? rep->gate.input_sha256
                                                     : rep->tally.input_sha256;
    tg_run_id(x->run_id, x->at, data_sha);
    tg_error ignored; /* no date config file: the log records none */
    x->have_date_sha = !o->summary && o->date_config &&
                       tg_sha256_file(o->date_config, x->date_sha, &ignored) ==
                           TG_OK;
    if (x->failed)
        return TG_OK;
    tg_calibrate_options co = {x->at, o->ci_method, o->ci_level,
                               o->summary ? "summary" : "rows",
                               o->summary ? &o->summary : o->data,
                               o->summary ? 1 : o->ndata};
    return tg_calibrate(&x->cal, rep->rules, &rep->tally, &co, err);
}

static const char *production_or(const cJSON *reg, const char *none)
{
    const char *p = str_at(reg, "production");
    return p ? p : none;
}

/* --dry-run: what the run would write, on a copy of the registry. */
static int list_dry_run(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    tg_release_report *rep = x->rep;
    cJSON *copy = cJSON_Duplicate(x->reg, 1);
    if (!copy)
        return out_of_memory(err);
    tg_entry_options eo = {o->date, x->git.commit, x->rules_rel, x->run_id,
                           NULL, NULL};
    tg_transition_info ti = {x->at, x->author, x->git.commit, NULL, 0};
    const char *v = NULL;
    int rc = tg_registry_add(copy, rep->rules, x->result, &eo, &ti, &v, err);
    for (int k = 0; rc == TG_OK && k < EVIDENCE_FILES; k++)
        tg_release_act(rep, "would write %s/%s/%s/%s", o->reports_dir,
            rep->rules->model_version, x->run_id, evidence_names[k]);
    if (rc == TG_OK && x->failed) {
        tg_release_act(rep, "would record %s in %s as rejected (production stays %s); "
                 "%s unchanged",
            v, o->registry_path, production_or(x->reg, "none"),
            o->calibration_path);
    } else if (rc == TG_OK) {
        tg_release_act(rep, "would write %s", o->calibration_path);
        for (int e = 0; e < TG_EMIT_COUNT; e++)
            tg_release_act(rep, "would regenerate %s/%s", o->sql_dir,
                tg_emit_file((tg_emit)e));
        tg_release_act(rep, "would update %s: %s -> %s (production; %s archived)",
            o->registry_path, production_or(x->reg, "none"), v,
            production_or(x->reg, "nothing"));
    }
    cJSON_Delete(copy);
    if (rc)
        return rc;
    tg_release_act(rep, "would append a %s entry to %s",
        tg_overall_name(rep->gate.status), o->log_path);
    if (o->tag && !x->failed)
        tg_release_act(rep, "would tag HEAD as %s", x->tagname);
    return TG_OK;
}

/* Step 6: the evidence, pass or fail, in a folder no run ever reuses,
 * inside the reports folder (checked again: links may have moved). */
static int write_evidence(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    const tg_rules *rules = x->rep->rules;
    tg_evidence_file ev[EVIDENCE_FILES];
    for (int k = 0; k < EVIDENCE_FILES; k++)
        ev[k] = (tg_evidence_file){evidence_names[k], x->texts[k], x->lens[k]};
    int rc;
    if ((rc = tg_release_check_reports_dir(o->reports_dir, o->repo_dir, rules, err)) ||
        (rc = tg_evidence_write(x->evdir, sizeof x->evdir, o->reports_dir,
                                rules->model_version, x->run_id, ev,
                                EVIDENCE_FILES, err)) ||
        (rc = tg_release_check_reports_dir(o->reports_dir, o->repo_dir, rules, err)))
        return rc;
    if (!(x->cite = tg_evidence_cite(x->evdir, ev, EVIDENCE_FILES,
                                     o->repo_dir)))
        return out_of_memory(err);
    const char *slash = strrchr(x->evdir, '/');
    x->run_dir = slash ? slash + 1 : x->evdir;
    for (int k = 0; k < EVIDENCE_FILES; k++) {
        snprintf(x->evfiles[k], sizeof x->evfiles[k], "%s/%s", x->evdir,
                 evidence_names[k]);
        x->written[x->nwritten++] = x->evfiles[k];
    }
    tg_release_act(x->rep, "wrote the gate report into %s/", x->evdir);
    return TG_OK;
}

/* Step 7 (passed only): the calibration table and the SQL, staged. */
static int stage_calibration_and_sql(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    if (x->failed)
        return TG_OK;
    int rc;
    if ((rc = tg_mkdirs(x->caldir, err)) || (rc = tg_mkdirs(o->sql_dir, err)))
        return rc;
    size_t cl = 0;
    if (!(x->caltext = print_json_line(x->cal, &cl)))
        return out_of_memory(err);
    x->files[x->nfiles++] =
        (tg_journal_file){o->calibration_path, x->caltext, cl, 0};
    x->written[x->nwritten++] = o->calibration_path;
    tg_sql_options sq = {TG_DIALECT_BIGQUERY, NULL, NULL, o->sql_regenerate,
                         NULL, NULL, 0};
    for (int e = 0; e < TG_EMIT_COUNT; e++) {
        snprintf(x->sqlpaths[e], sizeof x->sqlpaths[e], "%s/%s", o->sql_dir,
                 tg_emit_file((tg_emit)e));
        if ((rc = tg_sql_generate(&x->sqltext[e], x->rep->rules, (tg_emit)e,
                                  &sq, err)))
            return rc;
        x->files[x->nfiles++] = (tg_journal_file){
            x->sqlpaths[e], x->sqltext[e], strlen(x->sqltext[e]), 0};
        x->written[x->nwritten++] = x->sqlpaths[e];
    }
    return TG_OK;
}

/* The log entry of this run, composed under the log's lock. */
static int compose_log(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    const char *inputs[4];
    int ninputs = 0;
    inputs[ninputs++] = o->rules_path;
    inputs[ninputs++] = o->policy_path;
    if (x->have_date_sha)
        inputs[ninputs++] = o->date_config;
    if (o->summary)
        inputs[ninputs++] = o->summary;
    tg_log_append_options lo = {
        .result = x->result,
        .rules = x->rep->rules,
        .executed_at = x->at,
        .duration_seconds = seconds_since(&x->t0),
        .repo_dir = o->repo_dir,
        .written = (const char *const *)x->written,
        .nwritten = x->nwritten,
        .inputs = inputs,
        .ninputs = ninputs,
        .date_config_sha256 = x->have_date_sha ? x->date_sha : NULL,
        .git = &x->git,
    };
    int rc = tg_log_compose(&x->logtext, &x->loglen, o->log_path, &lo, err);
    if (rc == TG_OK)
        tg_sha256_buffer(x->logtext, x->loglen, x->logsha);
    return rc;
}

/* The registry with this run's entry (promoted when it passed), citing
 * its evidence and the log through its entry. */
static int compose_registry(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    cJSON *anchor = cJSON_CreateObject();
    if (!anchor)
        return out_of_memory(err);
    char logrel[PATH_CAP];
    cJSON_AddStringToObject(anchor, "file",
                            tg_git_relpath(o->repo_dir, o->log_path, logrel,
                                           sizeof logrel)
                                ? o->log_path
                                : logrel);
    cJSON_AddNumberToObject(anchor, "bytes", (double)x->loglen);
    cJSON_AddStringToObject(anchor, "sha256", x->logsha);
    tg_entry_options eo = {o->date, x->git.commit, x->rules_rel, x->run_dir,
                           x->cite, anchor};
    tg_transition_info ti = {x->at, x->author, x->git.commit, NULL, 0};
    const char *version = NULL;
    int rc = tg_registry_add(x->reg, x->rep->rules, x->result, &eo, &ti,
                             &version, err);
    cJSON_Delete(anchor);
    if (rc == TG_OK && !x->failed) {
        ti.reason = "released: the gates passed";
        rc = tg_registry_promote(x->reg, version, &ti, err);
    }
    if (rc)
        return rc;
    snprintf(x->version, sizeof x->version, "%s", version);
    size_t rl = 0;
    if (!(x->regtext = print_json_line(x->reg, &rl)))
        return out_of_memory(err);
    x->files[x->nfiles++] = (tg_journal_file){o->registry_path, x->regtext,
                                              rl, 0};
    x->files[x->nfiles++] = (tg_journal_file){o->log_path, x->logtext,
                                              x->loglen, 1};
    return TG_OK;
}

/*
 * Step 8: under the trail's locks, the calibration, the SQL, the
 * registry and the log replaced as one transaction. The registry is
 * read again under the lock: another run may have changed it since.
 */
static int commit_trail(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    x->written[x->nwritten++] = o->registry_path;
    int rc;
    if ((rc = tg_trail_open(&x->trail, o->registry_path, o->log_path, x->dirs,
                            2, err)))
        return rc;
    x->locked = 1;
    tg_step("locked", o->registry_path);
    cJSON_Delete(x->reg);
    x->reg = NULL;
    if ((rc = tg_registry_load(&x->reg, o->registry_path, err)) ||
        (rc = compose_log(x, err)) || (rc = compose_registry(x, err)))
        return rc;
    char journal[JOINED_CAP], root[PATH_CAP];
    tg_trail_journal_path(o->registry_path, journal, sizeof journal);
    if ((rc = tg_journal_run(journal,
                             tg_trail_root(o->registry_path, root,
                                           sizeof root),
                             x->files, x->nfiles, err)))
        return rc;
    tg_trail_close(&x->trail);
    x->locked = 0;
    if (!x->failed) {
        tg_release_act(x->rep, "wrote %s and regenerated the %d files of %s",
            o->calibration_path, TG_EMIT_COUNT, o->sql_dir);
        tg_release_act(x->rep, "registered %s in %s and promoted it to production",
            x->version, o->registry_path);
    } else {
        tg_release_act(x->rep, "recorded %s in %s as rejected: a blocking gate failed "
                    "(production and %s unchanged)",
            x->version, o->registry_path, o->calibration_path);
    }
    tg_release_act(x->rep, "appended a %s entry to %s (log SHA-256 through it: "
                "%.16s...)",
        tg_overall_name(x->rep->gate.status), o->log_path, x->logsha);
    return TG_OK;
}

/* Step 9 (--tag, passed only): an annotated tag on HEAD naming the
 * registry version, the evidence and the log through this entry. */
static int tag_head(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    if (!o->tag || x->failed)
        return TG_OK;
    const tg_rules *rules = x->rep->rules;
    char msg[3 * PATH_CAP];
    snprintf(msg, sizeof msg,
             "%s %s: %s\n\nregistry version: %s\nevidence: %s\n"
             "log: %s, SHA-256 of its first %zu bytes (through this "
             "release's entry): %s\n",
             rules->model_id, rules->model_version,
             tg_overall_name(x->rep->gate.status), x->version, x->evdir,
             o->log_path, x->loglen, x->logsha);
    int rc = tg_git_tag_head(o->repo_dir, x->tagname, msg, err);
    if (rc == TG_OK)
        tg_release_act(x->rep, "tagged HEAD as %s", x->tagname);
    return rc;
}

static void release_run_free(release_run *x)
{
    if (x->have_plan)
        tg_plan_release(&x->plan);
    if (x->locked)
        tg_trail_close(&x->trail);
    if (x->have_git)
        tg_git_facts_release(&x->git);
    for (int k = 0; k < EVIDENCE_FILES; k++)
        free(x->texts[k]);
    for (int e = 0; e < TG_EMIT_COUNT; e++)
        free(x->sqltext[e]);
    free(x->logtext);
    cJSON_free(x->regtext);
    cJSON_free(x->caltext);
    cJSON_Delete(x->reg);
    cJSON_Delete(x->result);
    cJSON_Delete(x->cal);
    cJSON_Delete(x->cite);
    free(x);
}

int tg_release_run(tg_release_report *rep, const tg_release_options *o,
                   tg_error *err)
{
    memset(rep, 0, sizeof *rep);
    int rc = tg_release_check_options(o, err);
    if (rc)
        return rc;
    release_run *x = calloc(1, sizeof *x);
    if (!x)
        return out_of_memory(err);
    clock_gettime(CLOCK_MONOTONIC, &x->t0);
    x->o = o;
    x->rep = rep;
    x->at = o->at ? o->at : tg_now_iso(x->now);
    tg_dirname(o->calibration_path, x->caldir, sizeof x->caldir);
    x->dirs[0] = x->caldir;
    x->dirs[1] = o->sql_dir;
    if (!(rc = tg_release_preflight(x, err)) &&
        !(rc = tg_release_check_schema(x, err)) &&
        !(rc = tally(x, err)) && !(rc = judge(x, err)) &&
        !(rc = compose_outputs(x, err))) {
        if (o->dry_run)
            rc = list_dry_run(x, err);
        else if (!(rc = write_evidence(x, err)) &&
                 !(rc = stage_calibration_and_sql(x, err)) &&
                 !(rc = commit_trail(x, err)))
            rc = tag_head(x, err);
    }
    release_run_free(x);
    return rc;
}
