/*
 * The gate entry of the execution log (kind "gate"): checklist step 10's
 * layout filled from the gate result, the rule set and git: the marker,
 * the facts (executed, duration, status, commit, policy, provenance),
 * what we did, the files modified, the gate table, the key metrics per
 * tier, what we learned and the next steps. Appending and the hashes
 * that chain the entries are tg_log.c's.
 */
#include "tg_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_git.h"
#include "tg_json.h"
#include "tg_log_internal.h"
#include "tg_render.h"
#include "tg_util.h"

#define MARK TG_LOG_MARK
#define ENTRY_START TG_LOG_ENTRY_START

static const char *str_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static int rank(const char *status)
{
    return !strcmp(status, "fail") ? 4 : !strcmp(status, "insufficient") ? 3
         : !strcmp(status, "inconclusive") ? 2
         : !strcmp(status, "warn") ? 1 : 0;
}

static const char *badge(const char *overall)
{
    return !strcmp(overall, "PASSED") ? "✅ PASSED"
         : !strcmp(overall, "FAILED") ? "❌ FAILED"
                                      : "⚠️ PASSED WITH WARNINGS";
}

/* Text from the result, the rule set or git, as Markdown text. */
static void md_cell(FILE *f, const char *s)
{
    tg_esc_md(f, s);
}

static void gate_table(FILE *f, const cJSON *gates)
{
    static const char *words[] = {"✅ PASS", "⚠️ WARN", "❓ INCONCLUSIVE",
                                  "❔ INSUFFICIENT", "❌ FAIL"};
    fprintf(f, "| Gate ID | Check | Result | Notes |\n"
               "|---------|-------|--------|-------|\n");
    int n = cJSON_GetArraySize(gates);
    for (int i = 0; i < n; i++) {
        const cJSON *g = cJSON_GetArrayItem(gates, i);
        const char *id = str_of(g, "id");
        int seen = 0;
        for (int k = 0; k < i; k++)
            seen |= !strcmp(str_of(cJSON_GetArrayItem(gates, k), "id"), id);
        if (seen)
            continue;
        /* One row per gate: its worst outcome, and what did not pass. */
        int worst = 0, total = 0, passed = 0;
        for (int k = i; k < n; k++) {
            const cJSON *x = cJSON_GetArrayItem(gates, k);
            if (strcmp(str_of(x, "id"), id))
                continue;
            int r = rank(str_of(x, "status"));
            worst = r > worst ? r : worst;
            total++;
            passed += r == 0;
        }
        fputs("| ", f);
        md_cell(f, id);
        fputs(" | ", f);
        md_cell(f, str_of(g, "description"));
        fprintf(f, " | %s | ", words[worst]);
        if (total == 1) {
            md_cell(f, str_of(g, "message"));
        } else {
            fprintf(f, "%d of %d tiers pass", passed, total);
            for (int k = i; k < n; k++) {
                const cJSON *x = cJSON_GetArrayItem(gates, k);
                if (strcmp(str_of(x, "id"), id) || !rank(str_of(x, "status")))
                    continue;
                fputs("; ", f);
                md_cell(f, str_of(x, "tier"));
                if (cJSON_IsString(cJSON_GetObjectItem(x, "slice"))) {
                    fputs(" in ", f); /* a per-slice outcome */
                    md_cell(f, str_of(x, "slice"));
                }
                fputs(": ", f);
                md_cell(f, str_of(x, "message"));
            }
        }
        fprintf(f, " |\n");
    }
}

static double num_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The inputs as paths relative to the work tree, for matching git. */
static char **input_paths(const tg_log_append_options *o, const tg_git_facts *git)
{
    char **rel = calloc((size_t)o->ninputs + 1, sizeof *rel);
    for (int i = 0; rel && i < o->ninputs; i++) {
        char buf[TG_PATH_MAX];
        if (git->in_repo && o->inputs[i] &&
            tg_git_relpath(o->repo_dir ? o->repo_dir : ".", o->inputs[i], buf,
                           sizeof buf) == 0)
            rel[i] = strdup(buf);
    }
    return rel;
}

static void free_paths(char **p, int n)
{
    for (int i = 0; p && i < n; i++)
        free(p[i]);
    free(p);
}

/* The marker: the entry's facts as one line of JSON (body_sha256 is
 * "BODY" until the entry is rendered); *dirty gets the uncommitted
 * inputs as a Markdown list of code spans ("" when none). */
static char *marker_text(const tg_log_append_options *o, char **rel,
                         const tg_git_facts *git, const char *executed_at,
                         const char *prev_sha, char **dirty, int *ndirty)
{
    const cJSON *res = o->result;
    const tg_rules *r = o->rules;
    cJSON *m = tg_log_marker_start("gate", r->model_version, r->model_id,
                                   str_of(res, "status"), git, executed_at);
    cJSON_AddStringToObject(m, "rules_sha256", r->sha256);
    cJSON_AddStringToObject(m, "policy_sha256",
                            str_of(cJSON_GetObjectItem(res, "provenance"),
                                   "policy_sha256"));
    cJSON *dirty_inputs = cJSON_AddArrayToObject(m, "dirty_inputs");
    for (int i = 0; rel && i < o->ninputs; i++)
        if (rel[i] && tg_git_listed(git->uncommitted, git->nuncommitted, rel[i]))
            cJSON_AddItemToArray(dirty_inputs, cJSON_CreateString(rel[i]));
    cJSON_AddStringToObject(m, "tiergate_version", TG_VERSION);
    if (o->date_config_sha256)
        cJSON_AddStringToObject(m, "date_config_sha256", o->date_config_sha256);
    else
        cJSON_AddNullToObject(m, "date_config_sha256");
    cJSON_AddStringToObject(m, "prev_sha256", prev_sha);
    cJSON_AddStringToObject(m, "body_sha256", "BODY");
    *ndirty = cJSON_GetArraySize(dirty_inputs);
    size_t dl = 0;
    *dirty = NULL;
    FILE *dfp = open_memstream(dirty, &dl);
    const cJSON *di;
    cJSON_ArrayForEach(di, dirty_inputs)
        if (dfp) {
            fputs(di == dirty_inputs->child ? "" : ", ", dfp);
            tg_esc_md_code(dfp, di->valuestring);
        }
    if (dfp)
        fclose(dfp);
    char *mj = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    return mj;
}

/* The title, the marker and the facts above the sections. */
static void entry_head(FILE *f, const tg_log_append_options *o, char **rel,
                       const char *prev_sha, const tg_git_facts *git,
                       const char *executed_at)
{
    const cJSON *res = o->result;
    const tg_rules *r = o->rules;
    char title[64];
    snprintf(title, sizeof title, "%s", r->model_version);
    for (char *c = title; *c; c++)
        if (*c == 'v')
            *c = 'V';
    char *dirty_list = NULL;
    int ndirty = 0;
    char *mj = marker_text(o, rel, git, executed_at, prev_sha, &dirty_list,
                           &ndirty);
    fputs(ENTRY_START "Phase ", f);
    md_cell(f, title); /* one line whatever the version holds */
    fputs(": Tier Logic Update\n\n" MARK, f);
    tg_log_marker_json(f, mj ? mj : "{}");
    fputs(" -->\n\n", f);
    cJSON_free(mj);
    fprintf(f, "**Executed:** %.10s %.8s UTC\n", executed_at, executed_at + 11);
    if (isnan(o->duration_seconds))
        fprintf(f, "**Duration:** not measured (gate result appended later)\n");
    else
        fprintf(f, "**Duration:** %.1f seconds\n", o->duration_seconds);
    fprintf(f, "**Status:** %s\n", badge(str_of(res, "status")));
    tg_log_commit_line(f, git);
    fputs("**Policy:** ", f);
    md_cell(f, str_of(res, "policy"));
    fputs(" · ", f);
    md_cell(f, str_of(res, "ci_method"));
    fprintf(f, " %g%% intervals\n", num_of(res, "ci_level") * 100);
    if (git->in_repo)
        fprintf(f, "**Uncommitted inputs:** %s\n",
                ndirty && dirty_list ? dirty_list
                                     : "none (every input is as committed)");
    /* Both hashes are hex this process computed. */
    fprintf(f, "**Provenance:** tiergate %s · rules SHA-256 `%s` · date "
               "config SHA-256 %s%s%s\n", TG_VERSION, r->sha256,
            o->date_config_sha256 ? "`" : "",
            o->date_config_sha256 ? o->date_config_sha256
                                  : "(none: the export has a split column)",
            o->date_config_sha256 ? "`" : "");
    free(dirty_list);
    char skipped[300];
    fprintf(f, "**Data:** %s\n",
            tg_skipped_text(cJSON_GetObjectItem(res, "provenance"), skipped,
                            sizeof skipped));
}

static void what_we_did(FILE *f, const tg_rules *r)
{
    fprintf(f, "\n### What We Did\n");
    if (r->nchanges == 0) {
        fputs("- Validated the tier logic of ", f);
        md_cell(f, r->model_version);
        fputc('\n', f);
    }
    for (int i = 0; i < r->nchanges; i++) {
        fputs("- ", f);
        md_cell(f, r->changes[i]);
        fputc('\n', f);
    }
}

/* What this run wrote, and which of its inputs changed since the
 * previous entry's commit or are uncommitted: not the whole tree. */
static void files_modified(FILE *f, const tg_log_append_options *o,
                           char **rel, const tg_git_facts *git)
{
    fprintf(f, "\n### Files Modified\n");
    fprintf(f, "| File | Changes |\n|------|---------|\n");
    int rows = 0;
    for (int i = 0; i < o->nwritten; i++, rows++) {
        fputs("| ", f);
        tg_esc_md_code(f, o->written[i]);
        fputs(" | written by this run |\n", f);
    }
    for (int i = 0; rel && i < o->ninputs; i++) {
        if (!rel[i])
            continue;
        int dup = 0;
        for (int k = 0; k < i; k++)
            dup |= rel[k] && !strcmp(rel[k], rel[i]);
        if (dup)
            continue;
        int since = tg_git_listed(git->changed, git->nchanged, rel[i]);
        int unc = tg_git_listed(git->uncommitted, git->nuncommitted, rel[i]);
        if (since || unc) {
            fputs("| ", f);
            tg_esc_md_code(f, rel[i]);
            fprintf(f, " | input %s%s%s |\n",
                    since ? "changed since the previous entry's commit" : "",
                    since && unc ? "; " : "",
                    unc ? "with uncommitted changes" : "");
            rows++;
        }
    }
    if (!rows)
        fprintf(f, "| (none) | |\n");
    if (!git->in_repo)
        fprintf(f, "\nInputs not checked: not inside a git repository.\n");
}

static void key_metrics(FILE *f, const cJSON *res)
{
    fprintf(f, "\n### Key Metrics (TRAIN)\n");
    const cJSON *train = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "splits"),
                                             "TRAIN");
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(train, "tiers"))
    {
        const char *name = str_of(t, "tier");
        char a[32];
        double leads = num_of(t, "leads");
        fputs("- **", f);
        md_cell(f, name);
        /* A count outside 0..9e15 (or not whole) is not cast: the cast
         * of an out-of-range double is undefined. */
        fprintf(f, " - Count:** %s\n",
                leads >= 0 && leads <= 9e15 && leads == floor(leads)
                    ? tg_fmt_count((unsigned long long)leads, a)
                    : "(invalid)");
        if (isfinite(num_of(t, "conversion_rate"))) {
            fputs("- **", f);
            md_cell(f, name);
            fprintf(f, " - Conversion Rate:** %.2f%%\n",
                    num_of(t, "conversion_rate") * 100);
            fputs("- **", f);
            md_cell(f, name);
            fprintf(f, " - Lift:** %.2fx\n", num_of(t, "lift"));
        }
    }
}

static void what_we_learned(FILE *f, const cJSON *res)
{
    fprintf(f, "\n### What We Learned\n");
    int learned = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(res, "gates"))
    {
        if (!rank(str_of(t, "status")))
            continue;
        fputs("- ", f);
        md_cell(f, str_of(t, "id"));
        fputc(' ', f);
        md_cell(f, cJSON_IsString(cJSON_GetObjectItem(t, "tier"))
                       ? str_of(t, "tier") : "(priority tiers)");
        if (cJSON_IsString(cJSON_GetObjectItem(t, "slice"))) {
            fputs(" in ", f); /* a per-slice outcome */
            md_cell(f, str_of(t, "slice"));
        }
        fputs(": ", f);
        md_cell(f, str_of(t, "message"));
        fputs(" (", f);
        md_cell(f, str_of(t, "status"));
        fputs(")\n", f);
        learned++;
    }
    if (!learned)
        fprintf(f, "- Every gate passed\n");
}

static void next_steps(FILE *f, const char *status, const tg_rules *r)
{
    fprintf(f, "\n### Next Steps\n");
    if (!strcmp(status, "FAILED"))
        fprintf(f, "- Fix what failed above; the registry and the calibration "
                   "were left unchanged\n- Re-run the gates before release\n");
    else {
        fputs("- Monitor production performance for 2-4 weeks\n- Compare ", f);
        md_cell(f, r->model_version);
        fputs(" vs the previous version's conversion rates\n"
              "- Adjust calibration if needed\n", f);
    }
}

/* The whole entry (a tg_log_render_fn), section by section. */
static void render(FILE *f, const char *prev_sha, const tg_git_facts *git,
                   const char *executed_at, const void *ctx)
{
    const tg_log_append_options *o = ctx;
    char **rel = input_paths(o, git);
    entry_head(f, o, rel, prev_sha, git, executed_at);
    what_we_did(f, o->rules);
    files_modified(f, o, rel, git);
    free_paths(rel, o->ninputs);
    fprintf(f, "\n### Validation Gates\n");
    gate_table(f, cJSON_GetObjectItem(o->result, "gates"));
    key_metrics(f, o->result);
    what_we_learned(f, o->result);
    next_steps(f, str_of(o->result, "status"), o->rules);
}

int tg_log_render(char **out, const char *text, size_t len,
                  const tg_log_append_options *o, tg_error *err)
{
    return tg_log_render_with(out, text, len, o->repo_dir, o->git,
                              o->executed_at, render, o, err);
}

int tg_log_compose(char **out, size_t *out_len, const char *path,
                   const tg_log_append_options *o, tg_error *err)
{
    return tg_log_compose_with(out, out_len, path, o->repo_dir, o->git,
                               o->executed_at, render, o, err);
}

int tg_log_append(const char *path, const tg_log_append_options *o,
                  tg_error *err)
{
    return tg_log_append_with(path, o->repo_dir, o->git, o->executed_at,
                              render, o, err);
}
