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
#include "tg_gate_output.h"
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

/* Path buffers: a path, and a path joined with a file name. */
enum { PATH_CAP = 4096, JOINED_CAP = PATH_CAP + 256 };

/* The evidence files of a run, in the order the forms are rendered. */
enum { EVIDENCE_FILES = 4 };
static const char *const evidence_names[EVIDENCE_FILES] = {
    "gate.json", "gate.md", "junit.xml", "report.html"};
static const tg_gate_output evidence_forms[EVIDENCE_FILES] = {
    TG_GATE_OUT_JSON, TG_GATE_OUT_MARKDOWN, TG_GATE_OUT_JUNIT,
    TG_GATE_OUT_HTML};

/*
 * One release run: what each step computes for the next ones, and what
 * the last step frees. Steps run in the order of tg_release_run; each
 * returns TG_OK or the error it set.
 */
typedef struct {
    const tg_release_options *o;
    tg_release_report *rep;
    struct timespec t0;
    char now[32];
    const char *at;             /* executed/calibrated at */
    char caldir[PATH_CAP];      /* the calibration's folder */
    const char *dirs[2];        /* folders the trail cleans: caldir, sql */
    tg_trail trail;
    int locked;
    tg_git_facts git;           /* read before anything is written */
    int have_git;
    char author[512];           /* who runs it (every transition records) */
    char rules_rel[PATH_CAP];   /* the rule file inside the work tree */
    char tagname[256];
    cJSON *reg;                 /* the registry */
    tg_plan plan;
    int have_plan;
    int failed;                 /* a blocking gate failed */
    char *texts[EVIDENCE_FILES];
    size_t lens[EVIDENCE_FILES];
    cJSON *result;              /* gate.json parsed back */
    char run_id[96];
    char date_sha[65];
    int have_date_sha;
    cJSON *cal;                 /* the calibration table (passed only) */
    char evdir[JOINED_CAP + 128];
    const char *run_dir;        /* evdir's last component */
    cJSON *cite;                /* the evidence files and their SHA-256 */
    /* The transaction: files replaced together, and the list the log
     * entry shows as written. */
    tg_journal_file files[TG_EMIT_COUNT + 3];
    int nfiles;
    const char *written[EVIDENCE_FILES + TG_EMIT_COUNT + 2];
    int nwritten;
    char evfiles[EVIDENCE_FILES][JOINED_CAP + 256];
    char sqlpaths[TG_EMIT_COUNT][JOINED_CAP];
    char *sqltext[TG_EMIT_COUNT];
    char *caltext, *regtext, *logtext;
    size_t loglen;
    char logsha[65];
    char version[200];
} release_run;

static int out_of_memory(tg_error *err)
{
    return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
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

static int check_options(const tg_release_options *o, tg_error *err)
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

/*
 * Step 1: a dead run's transaction is completed first; then every input
 * and every file this run will update is checked, and git read, before
 * any write (whether the tree was dirty is a fact about the inputs, not
 * about what this run writes).
 */
static int preflight(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    int rc;
    if ((rc = check_in_repository(o->repo_dir, err)) ||
        (rc = tg_trail_open(&x->trail, o->registry_path, o->log_path, x->dirs,
                            2, err)))
        return rc;
    if (x->trail.recovered)
        act(x->rep, "completed the transaction of an earlier run that was "
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
        (rc = check_reports_dir(o->reports_dir, o->repo_dir, x->rep->rules,
                                err)) ||
        (o->tag && (rc = check_tag(x, err))))
        return rc;
    tg_git_whoami(o->repo_dir, x->author, sizeof x->author);
    if (tg_git_relpath(o->repo_dir, o->rules_path, x->rules_rel,
                       sizeof x->rules_rel))
        snprintf(x->rules_rel, sizeof x->rules_rel, "%s", o->rules_path);
    act(x->rep, "checked %s, %s, %s and %s", o->rules_path, o->policy_path,
        o->registry_path, o->log_path);
    return TG_OK;
}

/* Step 2: every feature the rules use is a column (rows only: a summary
 * has no features). */
static int check_schema(release_run *x, tg_error *err)
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
        act(x->rep, "schema: every feature the rules use is present (%llu "
                    "rows)",
            (unsigned long long)sr.rows);
    tg_schema_report_release(&sr);
    return rc;
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
    act(rep, "gates: %s (%d pass, %d warn, %d fail, %d insufficient, %d "
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
        act(rep, "would write %s/%s/%s/%s", o->reports_dir,
            rep->rules->model_version, x->run_id, evidence_names[k]);
    if (rc == TG_OK && x->failed) {
        act(rep, "would record %s in %s as rejected (production stays %s); "
                 "%s unchanged",
            v, o->registry_path, production_or(x->reg, "none"),
            o->calibration_path);
    } else if (rc == TG_OK) {
        act(rep, "would write %s", o->calibration_path);
        for (int e = 0; e < TG_EMIT_COUNT; e++)
            act(rep, "would regenerate %s/%s", o->sql_dir,
                tg_emit_file((tg_emit)e));
        act(rep, "would update %s: %s -> %s (production; %s archived)",
            o->registry_path, production_or(x->reg, "none"), v,
            production_or(x->reg, "nothing"));
    }
    cJSON_Delete(copy);
    if (rc)
        return rc;
    act(rep, "would append a %s entry to %s",
        tg_overall_name(rep->gate.status), o->log_path);
    if (o->tag && !x->failed)
        act(rep, "would tag HEAD as %s", x->tagname);
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
    if ((rc = check_reports_dir(o->reports_dir, o->repo_dir, rules, err)) ||
        (rc = tg_evidence_write(x->evdir, sizeof x->evdir, o->reports_dir,
                                rules->model_version, x->run_id, ev,
                                EVIDENCE_FILES, err)) ||
        (rc = check_reports_dir(o->reports_dir, o->repo_dir, rules, err)))
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
    act(x->rep, "wrote the gate report into %s/", x->evdir);
    return TG_OK;
}

/* Step 7 (passed only): the calibration table and the SQL, staged. */
static int stage_calibration_and_sql(release_run *x, tg_error *err)
{
    const tg_release_options *o = x->o;
    if (x->failed)
        return TG_OK;
    int rc;
    if ((rc = mkdirs(x->caldir, err)) || (rc = mkdirs(o->sql_dir, err)))
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
        act(x->rep, "wrote %s and regenerated the %d files of %s",
            o->calibration_path, TG_EMIT_COUNT, o->sql_dir);
        act(x->rep, "registered %s in %s and promoted it to production",
            x->version, o->registry_path);
    } else {
        act(x->rep, "recorded %s in %s as rejected: a blocking gate failed "
                    "(production and %s unchanged)",
            x->version, o->registry_path, o->calibration_path);
    }
    act(x->rep, "appended a %s entry to %s (log SHA-256 through it: "
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
        act(x->rep, "tagged HEAD as %s", x->tagname);
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
    int rc = check_options(o, err);
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
    if (!(rc = preflight(x, err)) && !(rc = check_schema(x, err)) &&
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
